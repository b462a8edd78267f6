"""The book's environments: short corridor, bandit, gridworld, random MDPs."""

import itertools

import numpy as np
import pytest

from pgcore import evaluate, expected_visits, sample_episodes
from pgcore import envs

LEFT, RIGHT = 0, 1
UP, RIGHT_G, DOWN, LEFT_G = 0, 1, 2, 3


# --------------------------------------------------------------------------
# short corridor
# --------------------------------------------------------------------------
def test_corridor_transitions():
    m = envs.short_corridor()
    assert (m.n_states, m.n_actions, m.terminal, m.gamma) == (4, 2, (3,), 1.0)
    nxt = {(s, a): int(np.flatnonzero(m.P[s, a])[0]) for s in range(3) for a in range(2)}
    for (s, a), s2 in nxt.items():
        assert m.P[s, a, s2] == 1.0  # deterministic
    assert nxt[0, LEFT] == 0 and nxt[0, RIGHT] == 1  # left at the wall stays put
    assert nxt[1, LEFT] == 2 and nxt[1, RIGHT] == 0  # state 1 is switched
    assert nxt[2, LEFT] == 1 and nxt[2, RIGHT] == 3  # normal again; right reaches the goal
    np.testing.assert_array_equal(m.R[:3], -1.0)
    np.testing.assert_array_equal(m.start, [1, 0, 0, 0])
    assert m.action_names == ["left", "right"] and len(m.state_names) == 4


def test_corridor_policy_and_theta():
    pol = envs.corridor_policy()
    assert (pol.n_states, pol.n_actions, pol.d) == (4, 2, 2)
    np.testing.assert_array_equal(pol.features[:, LEFT], [[1, 0]] * 4)
    np.testing.assert_array_equal(pol.features[:, RIGHT], [[0, 1]] * 4)
    for p in (1e-6, 0.3, 0.5, 0.9, 1 - 1e-6):
        theta = envs.corridor_theta(p)
        assert theta[0] == 0.0
        np.testing.assert_allclose(pol.probs(theta)[:, 1], p, rtol=1e-9)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.2, 1.5])
def test_corridor_bad_p(p):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        envs.corridor_theta(p)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        envs.corridor_performance(p)
    with pytest.raises(ValueError):
        envs.corridor_performance([0.5, p])


def test_corridor_performance_closed_form_values():
    p = np.array([0.25, 0.5, 0.75])
    np.testing.assert_allclose(envs.corridor_performance(p),
                               [(0.5 - 4) / (0.25 * 0.75), -12.0, (1.5 - 4) / (0.75 * 0.25)], rtol=1e-15)
    assert envs.corridor_performance(p).shape == (3,)


# --------------------------------------------------------------------------
# bandit
# --------------------------------------------------------------------------
def test_bandit():
    means = [0.2, 1.0, -0.5]
    m = envs.bandit(means)
    assert (m.n_states, m.n_actions, m.terminal) == (2, 3, (1,))
    np.testing.assert_array_equal(m.P[0, :, 1], 1.0)
    np.testing.assert_array_equal(m.R[0], means)
    assert m.action_names == ["A1", "A2", "A3"]
    pi = np.array([[0.2, 0.5, 0.3], [1 / 3] * 3])
    V, Q = evaluate(m, pi)
    np.testing.assert_allclose(Q[0], means, rtol=1e-15)
    np.testing.assert_allclose(V[0], pi[0] @ means, rtol=1e-14)
    np.testing.assert_array_equal(expected_visits(m, pi), [1.0, 0.0])
    ep = sample_episodes(m, pi, 50, seed=0)
    np.testing.assert_array_equal(ep.lengths, 1)
    assert set(ep.returns) <= set(means)


@pytest.mark.parametrize("means", [[], [[1.0, 2.0]], 3.0])
def test_bandit_bad_means(means):
    with pytest.raises(ValueError, match="non-empty 1-D"):
        envs.bandit(means)


# --------------------------------------------------------------------------
# gridworld
# --------------------------------------------------------------------------
def dest(m, s, a):
    """The single next state of a deterministic move."""
    (nz,) = np.flatnonzero(m.P[s, a])
    return int(nz)


def test_gridworld_default_layout_and_moves():
    m = envs.gridworld()
    assert (m.n_states, m.n_actions, m.terminal) == (12, 4, (3,))
    assert m.action_names == ["up", "right", "down", "left"]
    assert m.state_names[6] == "(1,2)"
    np.testing.assert_array_equal(m.start, np.eye(12)[8])  # bottom-left (2, 0)
    # from (1, 1) = 5 every move works
    assert [dest(m, 5, a) for a in range(4)] == [1, 6, 9, 4]
    # from the corner (2, 0) = 8, down and left bump into the edge
    assert [dest(m, 8, a) for a in range(4)] == [4, 9, 8, 8]
    # from (0, 2) = 2, right reaches the goal (0, 3) = 3
    assert dest(m, 2, RIGHT_G) == 3
    np.testing.assert_array_equal(m.R[m.nonterminal], -1.0)
    assert (m.R[3] == 0).all()


def test_gridworld_walls():
    m = envs.gridworld(3, 4, walls=[(1, 1)])
    wall = 5
    assert wall in m.terminal
    # moving into the wall leaves the agent where it is
    assert dest(m, 1, DOWN) == 1  # (0, 1) down
    assert dest(m, 4, RIGHT_G) == 4  # (1, 0) right
    assert dest(m, 6, LEFT_G) == 6  # (1, 2) left
    assert dest(m, 9, UP) == 9  # (2, 1) up
    # no transition ever enters a wall
    assert (m.P[m.nonterminal][:, :, wall] == 0).all()


@pytest.mark.parametrize("slip", [0.0, 0.2, 0.5, 0.99])
def test_gridworld_slip_rows(slip):
    m = envs.gridworld(3, 4, walls=[(1, 1)], slip=slip)
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    assert (m.P >= 0).all()
    # corner (2, 0) = 8, action up: up -> 4, right -> 9, down and left stay at 8
    np.testing.assert_allclose(m.P[8, UP, [4, 9, 8]],
                               [1 - slip + slip / 4, slip / 4, slip / 2], rtol=1e-14, atol=1e-15)
    # the slip part is the same for every action
    slip_part = m.P - (1 - slip) * envs.gridworld(3, 4, walls=[(1, 1)]).P
    for a in range(1, 4):
        np.testing.assert_allclose(slip_part[m.nonterminal, a], slip_part[m.nonterminal, 0], atol=1e-15)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        (dict(n_rows=1, n_cols=1), "at least two cells"),
        (dict(n_rows=0, n_cols=5), "at least two cells"),
        (dict(slip=1.0), r"slip must lie in \[0, 1\)"),
        (dict(slip=-0.1), r"slip must lie in \[0, 1\)"),
        (dict(start=(3, 0)), r"start \(3, 0\) is outside the 3x4 grid"),
        (dict(goal=(0, 4)), r"goal \(0, 4\) is outside the 3x4 grid"),
        (dict(walls=[(-1, 2)]), r"wall \(-1, 2\) is outside"),
        (dict(start=(0, 3)), "distinct cells"),
        (dict(walls=[(2, 0)]), "not walls"),
        (dict(walls=[(0, 3)]), "not walls"),
    ],
)
def test_gridworld_bad_arguments(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        envs.gridworld(**kwargs)


def test_gridworld_uniform_policy_terminates():
    m = envs.gridworld(3, 4, walls=[(1, 1)], slip=0.1)
    pi = np.full((12, 4), 0.25)
    V, _ = evaluate(m, pi)
    assert (V[m.nonterminal] < -1.0 + 1e-12).all()  # at least one step from every cell
    ep = sample_episodes(m, pi, 500, seed=0)
    assert (ep.lengths >= 5).all()  # the goal is 5 moves from the start
    assert (ep.visits[:, 5] == 0).all()  # the wall is never visited


# --------------------------------------------------------------------------
# random MDPs
# --------------------------------------------------------------------------
def test_random_mdp_structure():
    m = envs.random_mdp(6, 3, gamma=0.7, seed=0)
    assert (m.n_states, m.n_actions, m.terminal, m.gamma) == (7, 3, (6,), 0.7)
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    exit_p = m.P[:6, :, 6]
    assert ((exit_p >= 0.05) & (exit_p <= 0.3)).all()
    assert m.start[6] == 0 and abs(m.start.sum() - 1) < 1e-12
    assert (m.R[6] == 0).all() and np.abs(m.R[:6]).max() > 0


def test_random_mdp_is_deterministic_per_seed():
    a, b, c = envs.random_mdp(5, 2, seed=3), envs.random_mdp(5, 2, seed=3), envs.random_mdp(5, 2, seed=4)
    for x in ("P", "R", "start"):
        np.testing.assert_array_equal(getattr(a, x), getattr(b, x))
    assert not np.array_equal(a.P, c.P)
    d = envs.random_mdp(5, 2, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(a.P, d.P)


@pytest.mark.parametrize("seed", range(3))
def test_random_mdp_every_deterministic_policy_terminates(seed):
    S, A = 4, 3
    lo, hi = 0.05, 0.3
    m = envs.random_mdp(S, A, seed=seed)
    for actions in itertools.product(range(A), repeat=S + 1):
        pi = np.eye(A)[list(actions)]
        V, _ = evaluate(m, pi)  # gamma = 1: would raise if the policy could loop forever
        assert np.isfinite(V).all()
        length = expected_visits(m, pi).sum()
        # the episode ends with probability in [lo, hi] at every step
        assert 1 / hi - 1e-9 <= length <= 1 / lo + 1e-9


def test_random_mdp_exact_episode_length():
    m = envs.random_mdp(5, 2, seed=1, exit_prob=(0.5, 0.5))
    rng = np.random.default_rng(0)
    pi = rng.dirichlet(np.ones(2), size=6)
    assert expected_visits(m, pi).sum() == pytest.approx(2.0, rel=1e-12)  # geometric, mean 1/0.5
    ep = sample_episodes(m, pi, 4000, seed=0)
    assert abs(ep.lengths.mean() - 2.0) <= 5 * ep.lengths.std(ddof=1) / np.sqrt(4000)
