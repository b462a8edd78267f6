"""pgcore.theorem: each piece of the policy gradient theorem against an independent computation."""

import numpy as np
import pytest

import pgcore as pg
from pgcore import envs
from pgcore.policy import SoftmaxPolicy
from pgcore.theorem import (
    corridor_switch_policy,
    dropped_discount_direction,
    start_state_gradient,
    state_distribution_errors,
    state_terms,
    unrolled_gradient,
    visits_gradient,
)


def _case(kind, gamma, seed):
    mdp = envs.random_mdp(4, 3, gamma=gamma, seed=seed)
    rng = np.random.default_rng(100 + seed)
    if kind == "tabular":
        pol = SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    else:
        pol = SoftmaxPolicy(rng.standard_normal((mdp.n_states, mdp.n_actions, 3)))
    return mdp, pol, rng.standard_normal(pol.d)


CASES = [pytest.param(k, g, s, id=f"{k}-gamma{g}-seed{s}")
         for k in ("tabular", "linear") for g in (1.0, 0.9, 0.5) for s in (0, 1)]


def _J(mdp, pol):
    return lambda th: pg.performance(mdp, pol, th)


@pytest.mark.parametrize("kind,gamma,seed", CASES)
def test_state_terms_by_loops(kind, gamma, seed):
    mdp, pol, th = _case(kind, gamma, seed)
    _, Q = pg.evaluate(mdp, pol.probs(th))
    dpi = pol.grad_probs(th)
    expect = np.zeros((mdp.n_states, pol.d))
    for s in range(mdp.n_states):
        for a in range(mdp.n_actions):
            expect[s] += Q[s, a] * dpi[s, a]
    np.testing.assert_allclose(state_terms(mdp, pol, th), expect, atol=1e-12)


@pytest.mark.parametrize("kind,gamma,seed", CASES)
def test_theorem_equals_finite_differences(kind, gamma, seed):
    mdp, pol, th = _case(kind, gamma, seed)
    eta = pg.expected_visits(mdp, pol.probs(th))
    by_terms = eta @ state_terms(mdp, pol, th)
    fd = pg.numerical_gradient(_J(mdp, pol), th, eps=1e-5)
    np.testing.assert_allclose(by_terms, fd, atol=1e-7)
    np.testing.assert_allclose(pg.policy_gradient(mdp, pol, th), by_terms, atol=1e-12)


@pytest.mark.parametrize("kind,gamma,seed", CASES)
def test_unrolling_starts_at_start_state_and_converges(kind, gamma, seed):
    mdp, pol, th = _case(kind, gamma, seed)
    partial = unrolled_gradient(mdp, pol, th, 600)
    np.testing.assert_allclose(partial[0], start_state_gradient(mdp, pol, th), atol=1e-14)
    np.testing.assert_allclose(partial[-1], pg.policy_gradient(mdp, pol, th), atol=1e-9)
    # the start-state formula alone is wrong
    assert np.abs(partial[0] - partial[-1]).max() > 1e-3


def test_unrolling_on_corridor_matches_closed_form():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    for p in (0.2, 0.5, 0.8):
        th = envs.corridor_theta(p)
        partial = unrolled_gradient(mdp, pol, th, 3000)
        # d/dh_right J(p) = p(1-p) J'(p), with J'(p) from the closed form
        Jp = pg.numerical_gradient(lambda x: float(envs.corridor_performance(x[0])), np.array([p]))[0]
        np.testing.assert_allclose(partial[-1], [-p * (1 - p) * Jp, p * (1 - p) * Jp], rtol=1e-6)


def test_unrolled_rejects_zero_terms():
    with pytest.raises(ValueError, match="n_terms"):
        unrolled_gradient(envs.short_corridor(), envs.corridor_policy(), np.zeros(2), 0)


@pytest.mark.parametrize("kind,gamma,seed", CASES)
def test_visits_gradient_by_finite_differences(kind, gamma, seed):
    mdp, pol, th = _case(kind, gamma, seed)
    fd = np.array([pg.numerical_gradient(lambda t: pg.expected_visits(mdp, pol.probs(t))[x], th, eps=1e-5)
                   for x in range(mdp.n_states)])
    np.testing.assert_allclose(visits_gradient(mdp, pol, th), fd, atol=1e-7)


@pytest.mark.parametrize("kind,gamma,seed", CASES)
def test_gradient_splits_into_distribution_change_and_immediate_reward(kind, gamma, seed):
    """grad J = sum_s grad eta(s) r_pi(s) + sum_s eta(s) sum_a grad pi(a|s) R(s,a)."""
    mdp, pol, th = _case(kind, gamma, seed)
    pi = pol.probs(th)
    _, r_pi = mdp.chain(pi)
    eta = pg.expected_visits(mdp, pi)
    moving = r_pi @ visits_gradient(mdp, pol, th)
    immediate = np.einsum("s,sa,sad->d", eta, mdp.R * mdp.nonterminal[:, None], pol.grad_probs(th))
    np.testing.assert_allclose(moving + immediate, pg.policy_gradient(mdp, pol, th), atol=1e-10)


def test_corridor_gradient_is_all_distribution_change():
    """With reward -1 everywhere, grad J = -grad E[T] and the immediate-reward part is 0."""
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    th = envs.corridor_theta(0.3)
    np.testing.assert_allclose(-visits_gradient(mdp, pol, th).sum(axis=0), pg.policy_gradient(mdp, pol, th),
                               atol=1e-10)


@pytest.mark.parametrize("kind,seed", [("tabular", 0), ("linear", 1)])
def test_dropped_discount_direction(kind, seed):
    mdp, pol, th = _case(kind, 0.8, seed)
    # independent: undiscounted visits as a power series of P_pi
    P_pi, _ = mdp.chain(pol.probs(th))
    d = mdp.start * mdp.nonterminal
    eta_bar = np.zeros(mdp.n_states)
    for _ in range(3000):
        eta_bar += d
        d = d @ P_pi
    expect = eta_bar @ state_terms(mdp, pol, th)
    got = dropped_discount_direction(mdp, pol, th)
    np.testing.assert_allclose(got, expect, atol=1e-9)
    assert np.abs(got - pg.policy_gradient(mdp, pol, th)).max() > 1e-3
    # with gamma = 1 it is the gradient
    mdp1, pol1, th1 = _case(kind, 1.0, seed)
    np.testing.assert_allclose(dropped_discount_direction(mdp1, pol1, th1), pg.policy_gradient(mdp1, pol1, th1),
                               atol=1e-12)


def test_corridor_switch_policy():
    pol = corridor_switch_policy()
    assert pol.d == 2 and pol.n_states == 4 and pol.n_actions == 2
    # theta2 = 0: the state-blind corridor policy with the same p
    for p in (0.1, 0.5, 0.9):
        th = np.array([np.log(p / (1 - p)), 0.0])
        np.testing.assert_allclose(pol.probs(th), envs.corridor_policy().probs(envs.corridor_theta(p)), atol=1e-14)
    pr = pol.probs(np.array([1.0, -3.0]))[:, 1]
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    np.testing.assert_allclose(pr, [sig(1.0), sig(-2.0), sig(1.0), sig(1.0)], atol=1e-14)


def test_state_distribution_errors_shrink_like_one_over_root_n():
    mdp = envs.short_corridor()
    pi = envs.corridor_policy().probs(envs.corridor_theta(0.5))
    ns = [100, 10_000]
    err = state_distribution_errors(mdp, pi, ns, n_repeats=8, seed=3)
    assert err.shape == (2, 8) and (err >= 0).all()
    ratio = err[0].mean() / err[1].mean()
    assert 4 < ratio < 25  # sqrt(100) = 10
    again = state_distribution_errors(mdp, pi, ns, n_repeats=8, seed=3)
    np.testing.assert_array_equal(err, again)
