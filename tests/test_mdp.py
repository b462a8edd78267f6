"""MDP validation, exact policy evaluation, visit counts and their Monte Carlo estimates."""

import re

import numpy as np
import pytest

from pgcore import (
    MDP,
    check_policy,
    evaluate,
    expected_visits,
    monte_carlo_q,
    monte_carlo_returns,
    sample_episodes,
    state_distribution,
    visit_counts,
)
from pgcore import envs

N_SE = 5  # Monte Carlo tolerance, in standard errors


def valid():
    """Keyword arguments of a small valid MDP: states 0, 1 and terminal 2; two actions."""
    P = np.zeros((3, 2, 3))
    P[0, 0] = [0.5, 0.5, 0.0]
    P[0, 1] = [0.0, 0.2, 0.8]
    P[1, 0] = [0.3, 0.0, 0.7]
    P[1, 1] = [0.0, 0.0, 1.0]
    P[2, :, 2] = 1.0
    R = np.array([[-1.0, 2.0], [0.5, -3.0], [0.0, 0.0]])
    return dict(P=P, R=R, start=np.array([0.6, 0.4, 0.0]), gamma=1.0, terminal=[2])


def with_gamma(mdp, gamma):
    return MDP(mdp.P, mdp.R, mdp.start, gamma=gamma, terminal=mdp.terminal,
               state_names=mdp.state_names, action_names=mdp.action_names)


def uniform(mdp):
    return np.full((mdp.n_states, mdp.n_actions), 1.0 / mdp.n_actions)


def random_policy(mdp, rng):
    return rng.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)


def corridor_pi(p):
    """State-blind corridor policy as a table: right with probability p."""
    return np.tile([1.0 - p, p], (4, 1))


# --------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------
def test_valid_mdp_is_accepted_and_read_only():
    m = MDP(**valid())
    assert (m.n_states, m.n_actions, m.terminal, m.gamma) == (3, 2, (2,), 1.0)
    np.testing.assert_array_equal(m.nonterminal, [True, True, False])
    assert m.state_names == ["s0", "s1", "s2"] and m.action_names == ["a0", "a1"]
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 0.9  # arrays are frozen, so an MDP cannot become invalid
    assert "n_states=3" in repr(m)


def test_inputs_are_copied():
    kw = valid()
    m = MDP(**kw)
    kw["P"][0, 0] = [0.0, 0.0, 1.0]
    assert m.P[0, 0, 0] == 0.5


def mutated(**changes):
    kw = valid()
    for key, fn in changes.items():
        kw[key] = fn(kw[key]) if callable(fn) else fn
    return kw


def set_row(s, a, row):
    def f(P):
        P = P.copy()
        P[s, a] = row
        return P
    return f


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        # rows of P that do not sum to 1: the message names the row
        (mutated(P=set_row(1, 0, [0.3, 0.0, 0.6])), re.escape("P[1, 0] sums to 0.9, not 1")),
        (mutated(P=set_row(0, 1, [0.5, 0.5, 0.5])), re.escape("P[0, 1] sums to 1.5")),
        (mutated(P=set_row(2, 1, [0.0, 0.0, 0.0])), re.escape("P[2, 1] sums to 0")),
        # negative probabilities (the row still sums to 1)
        (mutated(P=set_row(0, 1, [1.2, -0.2, 0.0])), re.escape("P[0, 1, 1] = -0.2 is negative")),
        # non-finite entries
        (mutated(P=set_row(1, 1, [0.0, np.nan, 1.0])), re.escape("P[1, 1, 1] = nan is not a finite")),
        (mutated(P=set_row(0, 0, [np.inf, 0.0, 0.0])), re.escape("P[0, 0, 0] = inf is not a finite")),
        # shapes
        (mutated(P=lambda P: P[:, 0, :]), r"P must have shape \(S, A, S\), got \(3, 3\)"),
        (mutated(P=lambda P: P[:, :, :2]), r"P must have shape \(S, A, S\), got \(3, 2, 2\)"),
        (mutated(P=np.zeros((0, 0, 0)), R=np.zeros((0, 0)), start=np.zeros(0)), "at least one state"),
        (mutated(R=lambda R: R[:, :1]), r"R must have shape \(S, A\) = \(3, 2\) to match P, got \(3, 1\)"),
        (mutated(R=lambda R: R.T), r"R must have shape .* got \(2, 3\)"),
        (mutated(R=lambda R: np.where(R == 2.0, np.nan, R)), re.escape("R[0, 1] = nan is not a finite reward")),
        (mutated(start=[0.5, 0.5]), r"start must have shape \(S,\) = \(3,\) to match P, got \(2,\)"),
        (mutated(start=[[0.5, 0.5, 0.0]]), r"start must have shape .* got \(1, 3\)"),
        # start distribution
        (mutated(start=[0.5, 0.4, 0.0]), "start sums to 0.9, not 1"),
        (mutated(start=[1.5, -0.5, 0.0]), "start must be non-negative"),
        (mutated(start=[np.nan, 1.0, 0.0]), "start must be non-negative and finite"),
        (mutated(start=[0.0, 0.0, 1.0]), "start puts all its probability on terminal states"),
        # gamma
        (mutated(gamma=1.5), r"gamma must lie in \[0, 1\], got 1.5"),
        (mutated(gamma=-0.1), r"gamma must lie in \[0, 1\], got -0.1"),
        (mutated(gamma=np.nan), r"gamma must lie in \[0, 1\], got nan"),
        # terminal indices
        (mutated(terminal=[3]), r"terminal state 3 is not a state index in 0..2"),
        (mutated(terminal=[-1]), r"terminal state -1 is not a state index"),
        (mutated(terminal=[1.5]), r"terminal state 1.5 is not a state index"),
    ],
)
def test_bad_mdp_raises(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        MDP(**kwargs)


def test_wrong_number_of_names_raises():
    with pytest.raises(ValueError, match="state_names has 2 names for 3 states"):
        MDP(**valid(), state_names=["a", "b"])
    with pytest.raises(ValueError, match="action_names has 3 names for 2 actions"):
        MDP(**valid(), action_names=["l", "r", "x"])


def test_gamma_bounds_are_inclusive():
    assert MDP(**mutated(gamma=0.0)).gamma == 0.0
    assert MDP(**mutated(gamma=1.0)).gamma == 1.0


def test_small_rounding_in_rows_is_tolerated():
    m = MDP(**mutated(P=set_row(1, 0, [0.3, 0.0, 0.7 + 1e-9])))
    # accepted, and renormalised so the row is an exact distribution
    assert abs(m.P[1, 0].sum() - 1.0) < 1e-15
    np.testing.assert_allclose(m.P[1, 0], np.array([0.3, 0.0, 0.7 + 1e-9]) / (1 + 1e-9), rtol=1e-15)


# --------------------------------------------------------------------------
# check_policy
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "pi, pattern",
    [
        (np.full((3, 3), 1 / 3), r"policy must have shape \(S, A\) = \(3, 2\), got \(3, 3\)"),
        (np.full((2,), 0.5), r"policy must have shape .* got \(2,\)"),
        ([[0.5, 0.5], [np.nan, 1.0], [0.5, 0.5]], re.escape("pi[1, 0] = nan is not a finite")),
        ([[0.5, 0.5], [0.5, 0.5], [np.inf, 0.0]], re.escape("pi[2, 0] = inf is not a finite")),
        ([[1.5, -0.5], [0.5, 0.5], [0.5, 0.5]], re.escape("pi[0, 1] = -0.5 is negative")),
        ([[0.5, 0.5], [0.5, 0.5], [0.5, 0.4]], "policy row for state 2 sums to 0.9, not 1"),
    ],
)
def test_check_policy_errors(pi, pattern):
    m = MDP(**valid())
    with pytest.raises(ValueError, match=pattern):
        check_policy(m, pi)
    with pytest.raises(ValueError, match=pattern):
        evaluate(m, pi)


def test_check_policy_returns_float_array():
    m = MDP(**valid())
    pi = check_policy(m, [[1, 0], [0, 1], [1, 0]])
    assert pi.dtype == float and pi.shape == (3, 2)
    np.testing.assert_array_equal(pi, [[1, 0], [0, 1], [1, 0]])


# --------------------------------------------------------------------------
# evaluate: closed forms
# --------------------------------------------------------------------------
def test_evaluate_small_mdp_by_hand():
    """Solve the 2x2 Bellman system of `valid()` under the uniform policy by hand."""
    m = MDP(**valid())
    # v0 = 0.5 + 0.5 (0.5 v0 + 0.5 v1) + 0.5 (0.2 v1);  v1 = -1.25 + 0.5 (0.3 v0)
    A = np.array([[1 - 0.25, -(0.25 + 0.1)], [-0.15, 1.0]])
    v = np.linalg.solve(A, [0.5, -1.25])
    V, Q = evaluate(m, uniform(m))
    np.testing.assert_allclose(V, [v[0], v[1], 0.0], rtol=1e-12)
    np.testing.assert_allclose(Q[0], [-1 + 0.5 * v[0] + 0.5 * v[1], 2 + 0.2 * v[1]], rtol=1e-12)
    np.testing.assert_allclose(Q[1], [0.5 + 0.3 * v[0], -3.0], rtol=1e-12)


@pytest.mark.parametrize("p", np.linspace(0.01, 0.99, 99))
def test_evaluate_corridor_closed_form(p):
    m = envs.short_corridor()
    V, Q = evaluate(m, corridor_pi(p))
    J = envs.corridor_performance(p)
    np.testing.assert_allclose(V[0], J, rtol=1e-10)
    np.testing.assert_allclose(m.start @ V, J, rtol=1e-10)
    assert V[3] == 0.0 and (Q[3] == 0.0).all()
    # state 2: right ends the episode with -1, so q(2, right) = -1 exactly
    assert Q[2, 1] == -1.0
    # and the Bellman equations hold in every state
    P_pi, r_pi = m.chain(corridor_pi(p))
    np.testing.assert_allclose(V, r_pi + P_pi @ V, rtol=1e-10, atol=1e-10)


def test_evaluate_docstring_values():
    V, Q = evaluate(envs.short_corridor(), corridor_pi(0.5))
    np.testing.assert_allclose(V, [-12.0, -10.0, -6.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(Q[:3], [[-13, -11], [-7, -13], [-11, -1]], rtol=1e-12)


# --------------------------------------------------------------------------
# evaluate: consistency
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [1.0, 0.9, 0.0])
@pytest.mark.parametrize("seed", range(4))
def test_q_v_consistency(gamma, seed):
    rng = np.random.default_rng(seed)
    m = envs.random_mdp(6, 3, gamma=gamma, seed=seed)
    pi = random_policy(m, rng)
    V, Q = evaluate(m, pi)
    np.testing.assert_allclose(V, np.sum(pi * Q, axis=1), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(Q[:-1], (m.R + gamma * m.P @ V)[:-1], rtol=1e-10, atol=1e-12)
    assert V[-1] == 0.0 and (Q[-1] == 0.0).all()
    if gamma == 0.0:
        np.testing.assert_allclose(Q[:-1], m.R[:-1], rtol=0, atol=0)


def test_terminal_rows_are_ignored():
    kw = valid()
    kw["P"][2] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]  # would loop, but state 2 is terminal
    kw["R"][2] = [100.0, 100.0]
    V, Q = evaluate(MDP(**kw), uniform(MDP(**kw)))
    V0, Q0 = evaluate(MDP(**valid()), uniform(MDP(**valid())))
    np.testing.assert_allclose(V, V0, rtol=1e-13)
    np.testing.assert_allclose(Q, Q0, rtol=1e-13)


# --------------------------------------------------------------------------
# evaluate: against Monte Carlo
# --------------------------------------------------------------------------
@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("seed", range(3))
def test_evaluate_against_monte_carlo_returns(gamma, seed):
    rng = np.random.default_rng(100 + seed)
    m = envs.random_mdp(5, 3, gamma=gamma, seed=seed)
    pi = random_policy(m, rng)
    V, _ = evaluate(m, pi)
    G = monte_carlo_returns(m, pi, 20_000, seed=seed)
    se = G.std(ddof=1) / np.sqrt(G.size)
    assert se > 0
    assert abs(G.mean() - m.start @ V) <= N_SE * se
    # per start state as well
    for s in range(3):
        Gs = monte_carlo_returns(m, pi, 5_000, seed=rng, start_state=s)
        assert abs(Gs.mean() - V[s]) <= N_SE * Gs.std(ddof=1) / np.sqrt(Gs.size)


@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_evaluate_q_against_monte_carlo_q(gamma):
    m = envs.random_mdp(4, 3, gamma=gamma, seed=7)
    pi = random_policy(m, np.random.default_rng(7))
    _, Q = evaluate(m, pi)
    Q_hat, se = monte_carlo_q(m, pi, 4_000, seed=11)
    assert Q_hat.shape == se.shape == Q.shape
    assert (se[:-1] > 0).all() and (se[-1] == 0).all() and (Q_hat[-1] == 0).all()
    assert (np.abs(Q_hat - Q) <= N_SE * se + 1e-12).all()
    # the estimate is genuinely noisy: not identical to the exact values
    assert np.abs(Q_hat - Q).max() > 0


# --------------------------------------------------------------------------
# policies that never terminate
# --------------------------------------------------------------------------
def test_never_terminating_policy_with_gamma_1_raises_naming_the_states():
    m = envs.short_corridor()
    always_left = [[1.0, 0.0]] * 4
    with pytest.raises(ValueError, match=r"trapped forever in state\(s\) S, switched, right of switch "
                                         r"\(indices \[0, 1, 2\]\)"):
        evaluate(m, always_left)
    # always right: 0 -> 1 -> 0 -> ... ; state 2 would end the episode but is never reached
    always_right = [[0.0, 1.0]] * 4
    with pytest.raises(ValueError, match=r"state\(s\) S, switched \(indices \[0, 1\]\)"):
        evaluate(m, always_right)
    with pytest.raises(ValueError, match="gamma < 1"):
        expected_visits(m, always_left)
    with pytest.raises(ValueError, match=r"indices \[0, 1\]"):
        expected_visits(m, always_right)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
def test_never_terminating_policy_with_discount_is_a_geometric_series(gamma):
    m = with_gamma(envs.short_corridor(), gamma)
    V, Q = evaluate(m, [[1.0, 0.0]] * 4)  # always left: -1 forever
    np.testing.assert_allclose(V[:3], -1.0 / (1.0 - gamma), rtol=1e-12)
    V, Q = evaluate(m, [[0.0, 1.0]] * 4)  # always right: state 2 ends at once, 0 <-> 1 forever
    np.testing.assert_allclose(V, [-1 / (1 - gamma), -1 / (1 - gamma), -1.0, 0.0], rtol=1e-12)
    np.testing.assert_allclose(Q[2], [-1 - gamma / (1 - gamma), -1.0], rtol=1e-12)
    # expected discounted visits of the loop 0 <-> 1: 1 + gamma + gamma^2 + ... split by parity
    eta = expected_visits(m, [[0.0, 1.0]] * 4)
    np.testing.assert_allclose(eta, [1 / (1 - gamma**2), gamma / (1 - gamma**2), 0, 0], rtol=1e-12, atol=0)


def test_trapped_state_out_of_reach_of_the_start():
    """expected_visits only needs the states the episode can reach (regression).

    It used to solve the full system and raise numpy's LinAlgError (singular
    matrix) when some unreachable state loops forever.
    """
    P = np.zeros((3, 1, 3))
    P[0, 0, 2] = 1.0  # the start state ends the episode at once
    P[1, 0, 1] = 1.0  # state 1 loops forever, but is never reached
    P[2, 0, 2] = 1.0
    m = MDP(P, R=[[1.0], [1.0], [0.0]], start=[1.0, 0.0, 0.0], terminal=[2])
    np.testing.assert_array_equal(expected_visits(m, np.ones((3, 1))), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(state_distribution(m, np.ones((3, 1))), [1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match=r"indices \[1\]"):
        evaluate(m, np.ones((3, 1)))  # the value of state 1 itself is infinite


def test_sampling_a_never_terminating_policy_raises_instead_of_hanging():
    m = envs.short_corridor()
    always_left = [[1.0, 0.0]] * 4
    # decided before sampling (issue 10): refused at once, whatever max_steps is
    with pytest.raises(ValueError, match=r"trapped forever in state\(s\) S .*would never end"):
        sample_episodes(m, always_left, 3, seed=0, max_steps=10**15)
    with pytest.raises(ValueError, match="trapped forever"):
        visit_counts(m, always_left, 5, seed=0, max_steps=20)
    with pytest.raises(ValueError, match="trapped forever"):
        monte_carlo_returns(m, [[0.0, 1.0]] * 4, 5, seed=0, max_steps=20)
    # with discounting the values are finite, but an episode still never ends
    with pytest.raises(ValueError, match="trapped forever"):
        visit_counts(with_gamma(m, 0.9), always_left, 2, seed=0, max_steps=30, discounted=True)
    # a policy that ends, slowly: cut off at max_steps as before
    slow = [[0.999, 0.001]] * 4
    with pytest.raises(RuntimeError, match=r"still running after max_steps=5"):
        sample_episodes(m, slow, 3, seed=0, max_steps=5)


# --------------------------------------------------------------------------
# expected visits and the on-policy distribution
# --------------------------------------------------------------------------
def test_expected_visits_corridor_docstring():
    m = envs.short_corridor()
    np.testing.assert_allclose(expected_visits(m, corridor_pi(0.5)), [6, 4, 2, 0], rtol=1e-12)
    np.testing.assert_allclose(state_distribution(m, corridor_pi(0.5)), [0.5, 1 / 3, 1 / 6, 0], rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_expected_visits_against_visit_counts_gamma_1(seed):
    rng = np.random.default_rng(seed)
    m = envs.random_mdp(5, 3, seed=seed)
    pi = random_policy(m, rng)
    n = 20_000
    eta = expected_visits(m, pi)
    counts = visit_counts(m, pi, n, seed=seed)
    ep = sample_episodes(m, pi, n, seed=seed)
    np.testing.assert_array_equal(counts, ep.visits.sum(axis=0))  # same seed, same episodes
    se = ep.visits.std(axis=0, ddof=1) / np.sqrt(n)
    assert (np.abs(counts / n - eta) <= N_SE * se + 1e-12).all()
    assert eta[-1] == 0.0 and counts[-1] == 0.0
    # with gamma = 1, discounted and plain counts coincide
    np.testing.assert_array_equal(visit_counts(m, pi, n, seed=seed, discounted=True), counts)
    # the total is the expected episode length
    lengths = ep.lengths
    np.testing.assert_array_equal(lengths, ep.visits.sum(axis=1))
    assert abs(eta.sum() - lengths.mean()) <= N_SE * lengths.std(ddof=1) / np.sqrt(n)
    # and mu = eta / sum(eta) is estimated by the counts' proportions
    mu = state_distribution(m, pi)
    assert abs(mu.sum() - 1.0) <= 1e-12
    np.testing.assert_allclose(mu, eta / eta.sum(), rtol=1e-14)
    np.testing.assert_allclose(counts / counts.sum(), mu, atol=0.01)


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_expected_discounted_visits_against_visit_counts(gamma):
    m = envs.random_mdp(5, 3, gamma=gamma, seed=3)
    pi = random_policy(m, np.random.default_rng(3))
    n = 20_000
    eta = expected_visits(m, pi)
    ep = sample_episodes(m, pi, n, seed=5)
    counts = visit_counts(m, pi, n, seed=5, discounted=True)
    np.testing.assert_allclose(counts, ep.discounted_visits.sum(axis=0), rtol=1e-13)
    se = ep.discounted_visits.std(axis=0, ddof=1) / np.sqrt(n)
    assert (np.abs(counts / n - eta) <= N_SE * se + 1e-12).all()
    # the undiscounted counts estimate something strictly larger
    plain = visit_counts(m, pi, n, seed=5)
    assert (plain[:-1] > counts[:-1]).all()
    assert (np.abs(plain / n - eta) > N_SE * se)[:-1].any()
    assert abs(state_distribution(m, pi).sum() - 1.0) <= 1e-12


def test_expected_visits_gamma_0_is_the_start_distribution():
    m = envs.random_mdp(5, 2, gamma=0.0, seed=1)
    np.testing.assert_allclose(expected_visits(m, uniform(m)), m.start, rtol=1e-14)


def test_expected_visits_satisfy_the_flow_equation():
    m = envs.random_mdp(6, 3, gamma=0.95, seed=4)
    pi = random_policy(m, np.random.default_rng(4))
    eta = expected_visits(m, pi)
    P_pi, _ = m.chain(pi)
    np.testing.assert_allclose(eta, m.start + m.gamma * eta @ P_pi, rtol=1e-12, atol=1e-14)


# --------------------------------------------------------------------------
# sampling
# --------------------------------------------------------------------------
def test_sampling_is_deterministic():
    m = envs.random_mdp(4, 3, gamma=0.9, seed=2)
    pi = random_policy(m, np.random.default_rng(2))
    a = sample_episodes(m, pi, 500, seed=42)
    b = sample_episodes(m, pi, 500, seed=42)
    c = sample_episodes(m, pi, 500, seed=np.random.default_rng(42))
    for x in (b, c):
        for field in ("returns", "visits", "discounted_visits", "lengths"):
            np.testing.assert_array_equal(getattr(a, field), getattr(x, field))
    d = sample_episodes(m, pi, 500, seed=43)
    assert not np.array_equal(a.returns, d.returns)
    np.testing.assert_array_equal(visit_counts(m, pi, 300, seed=1), visit_counts(m, pi, 300, seed=1))
    np.testing.assert_array_equal(monte_carlo_returns(m, pi, 300, seed=1),
                                  monte_carlo_returns(m, pi, 300, seed=1))
    q1, s1 = monte_carlo_q(m, pi, 50, seed=9)
    q2, s2 = monte_carlo_q(m, pi, 50, seed=9)
    np.testing.assert_array_equal(q1, q2)
    np.testing.assert_array_equal(s1, s2)


def test_episode_shapes_and_corridor_returns():
    m = envs.short_corridor()
    ep = sample_episodes(m, corridor_pi(0.5), 1000, seed=0)
    assert ep.returns.shape == (1000,) and ep.lengths.shape == (1000,)
    assert ep.visits.shape == ep.discounted_visits.shape == (1000, 4)
    # every step costs -1 and gamma = 1: the return is minus the length
    np.testing.assert_array_equal(ep.returns, -ep.lengths)
    np.testing.assert_array_equal(ep.visits, ep.discounted_visits)
    assert (ep.lengths >= 3).all()  # the shortest path is 3 steps
    assert (ep.visits[:, 0] >= 1).all() and (ep.visits[:, 3] == 0).all()


def test_start_state_and_first_action():
    m = envs.short_corridor()
    G = monte_carlo_returns(m, corridor_pi(0.3), 200, seed=0, start_state=2, first_action=1)
    np.testing.assert_array_equal(G, -1.0)  # right in state 2 ends the episode
    ep = sample_episodes(m, corridor_pi(0.3), 200, seed=0, start_state=1, first_action=1)
    # right in the switched state 1 goes back to 0, so state 0 is always visited
    assert (ep.visits[:, 0] >= 1).all() and (ep.visits[:, 1] >= 1).all()
    G = monte_carlo_returns(m, corridor_pi(0.3), 10, seed=0, start_state=3)
    np.testing.assert_array_equal(G, 0.0)  # starting in the terminal state: no step


@pytest.mark.parametrize("n", [0, -3])
def test_bad_n_episodes(n):
    with pytest.raises(ValueError, match="n_episodes must be an integer >= 1"):
        sample_episodes(envs.short_corridor(), corridor_pi(0.5), n)


@pytest.mark.parametrize("s", [-1, 4])
def test_bad_start_state(s):
    with pytest.raises(ValueError, match=rf"start_state must be an integer >= 0 and <= 3, got {s}"):
        sample_episodes(envs.short_corridor(), corridor_pi(0.5), 3, start_state=s)


def test_sampling_checks_the_policy():
    with pytest.raises(ValueError, match="policy must have shape"):
        sample_episodes(envs.short_corridor(), np.full((3, 2), 0.5), 3)


# --------------------------------------------------------------------------
# nearly never-ending policies: an error, not a number from a singular solve
# --------------------------------------------------------------------------
@pytest.mark.parametrize("p", [1e-12, 1 - 1e-12])
def test_nearly_deterministic_corridor_policy_is_reported(p):
    from pgcore.envs import corridor_policy, corridor_theta, short_corridor

    mdp, pol = short_corridor(), corridor_policy()
    pi = pol.probs(corridor_theta(p))
    with pytest.raises(ValueError, match=r"expected to last about .* steps"):
        evaluate(mdp, pi)
    with pytest.raises(ValueError, match=r"expected to last about .* steps"):
        expected_visits(mdp, pi)


def test_long_but_reliable_episodes_still_evaluate():
    from pgcore.envs import corridor_performance, corridor_policy, corridor_theta, short_corridor

    mdp, pol = short_corridor(), corridor_policy()
    p = 1e-6  # episodes last about 4 million steps: still accurate
    V, _ = evaluate(mdp, pol.probs(corridor_theta(p)))
    assert V[0] == pytest.approx(float(corridor_performance(p)), rel=1e-6)
    assert expected_visits(mdp, pol.probs(corridor_theta(p))).sum() == pytest.approx(-float(corridor_performance(p)), rel=1e-6)
