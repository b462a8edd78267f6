"""The performance measure, the policy gradient theorem, finite differences, gradient ascent."""

import warnings

import numpy as np
import pytest

from pgcore import (
    DivergenceError,
    SoftmaxPolicy,
    evaluate,
    expected_visits,
    gradient_ascent,
    numerical_gradient,
    performance,
    policy_gradient,
    state_distribution,
)
from pgcore import envs

P_STAR = 2.0 - np.sqrt(2.0)  # Sutton & Barto, Example 13.1
J_STAR = -(6.0 + 4.0 * np.sqrt(2.0))  # = corridor_performance(P_STAR) = -11.6568...


def dJ_dp(p):
    """Derivative of J(p) = (2p - 4) / (p (1 - p)), worked out by hand."""
    return (2 * p**2 - 8 * p + 4) / (p**2 * (1 - p) ** 2)


def problem(kind, gamma, seed):
    """A random MDP with a tabular or random linear softmax policy and random theta."""
    rng = np.random.default_rng(1000 + seed)
    mdp = envs.random_mdp(5, 3, gamma=gamma, seed=seed)
    if kind == "tabular":
        pol = SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    else:
        d = 3 + seed % 3
        pol = SoftmaxPolicy(rng.standard_normal((mdp.n_states, mdp.n_actions, d)))
    return mdp, pol, rng.standard_normal(pol.d)


# --------------------------------------------------------------------------
# performance
# --------------------------------------------------------------------------
def test_performance_corridor():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    for p in np.linspace(0.05, 0.95, 19):
        J = performance(mdp, pol, envs.corridor_theta(p))
        assert isinstance(J, float)
        np.testing.assert_allclose(J, envs.corridor_performance(p), rtol=1e-10)
    assert round(performance(mdp, pol, np.zeros(2)), 9) == -12.0


def test_performance_is_start_weighted_value():
    mdp, pol, theta = problem("linear", 0.9, 1)
    V, _ = evaluate(mdp, pol.probs(theta))
    np.testing.assert_allclose(performance(mdp, pol, theta), mdp.start @ V, rtol=1e-14)


def test_performance_of_a_bandit():
    means = np.array([0.2, 1.0, -0.5])
    mdp = envs.bandit(means)
    pol = SoftmaxPolicy.tabular(2, 3)
    theta = np.array([0.3, -1.0, 2.0, 0.0, 0.0, 0.0])
    p = np.exp(theta[:3]) / np.exp(theta[:3]).sum()
    np.testing.assert_allclose(performance(mdp, pol, theta), p @ means, rtol=1e-13)
    # gradient of sum_a pi(a) r(a) w.r.t. h(a) is pi(a) (r(a) - J)
    g = policy_gradient(mdp, pol, theta)
    np.testing.assert_allclose(g[:3], p * (means - p @ means), rtol=1e-12)
    np.testing.assert_array_equal(g[3:], 0.0)  # the terminal state's preferences do nothing


# --------------------------------------------------------------------------
# the policy gradient theorem against finite differences
# --------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("kind", ["tabular", "linear"])
def test_policy_gradient_against_numerical_gradient(kind, gamma, seed):
    mdp, pol, theta = problem(kind, gamma, seed)
    g = policy_gradient(mdp, pol, theta)
    num = numerical_gradient(lambda th: performance(mdp, pol, th), theta)
    assert g.shape == (pol.d,)
    assert np.linalg.norm(g) > 1e-3  # a non-trivial gradient
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-6 * np.linalg.norm(g))


def test_policy_gradient_gamma_0_is_the_immediate_reward_gradient():
    mdp, pol, theta = problem("linear", 0.0, 2)
    p = pol.probs(theta)
    expected = np.einsum("s,sa,sad->d", mdp.start, mdp.R, pol.grad_probs(theta))
    np.testing.assert_allclose(policy_gradient(mdp, pol, theta), expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(performance(mdp, pol, theta), mdp.start @ np.sum(p * mdp.R, axis=1),
                               rtol=1e-12)


@pytest.mark.parametrize("p", [0.05, 0.2, 0.4, 0.5, 0.6, 0.8, 0.95])
def test_policy_gradient_corridor_closed_form(p):
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    # p = sigmoid(theta[1] - theta[0]), so dp/dtheta = p (1 - p) [-1, 1]
    for shift in (0.0, 1.7):
        theta = envs.corridor_theta(p) + shift
        expected = dJ_dp(p) * p * (1 - p) * np.array([-1.0, 1.0])
        np.testing.assert_allclose(policy_gradient(mdp, pol, theta), expected, rtol=1e-9)
    np.testing.assert_allclose(policy_gradient(mdp, pol, np.zeros(2)), [-2.0, 2.0], rtol=1e-12)


def test_closed_form_derivative_against_finite_differences():
    """The hand-derived dJ/dp is itself right (a check on the test's oracle)."""
    for p in np.linspace(0.1, 0.9, 9):
        num = numerical_gradient(lambda x: float(envs.corridor_performance(x[0])), np.array([p]))
        np.testing.assert_allclose(dJ_dp(p), num[0], rtol=1e-7)


@pytest.mark.parametrize("gamma", [1.0, 0.9])
@pytest.mark.parametrize("seed", range(3))
def test_gradient_is_proportional_to_on_policy_sum(gamma, seed):
    """grad J = (sum_s eta(s)) * sum_s mu(s) sum_a q(s, a) grad pi(a|s)."""
    mdp, pol, theta = problem("linear", gamma, seed)
    pi = pol.probs(theta)
    _, Q = evaluate(mdp, pi)
    eta = expected_visits(mdp, pi)
    mu = state_distribution(mdp, pi)
    inner = np.einsum("s,sa,sad->d", mu, Q, pol.grad_probs(theta))
    np.testing.assert_allclose(policy_gradient(mdp, pol, theta), eta.sum() * inner, rtol=1e-10, atol=1e-12)
    # the same sum written with the score function: E_mu E_pi[q grad log pi]
    inner2 = np.einsum("s,sa,sa,sad->d", mu, pi, Q, pol.grad_log_probs(theta))
    np.testing.assert_allclose(inner, inner2, rtol=1e-10, atol=1e-12)


def test_proportionality_constant_is_the_episode_length_on_the_corridor():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    eta = expected_visits(mdp, pol.probs(np.zeros(2)))
    assert eta.sum() == pytest.approx(12.0, rel=1e-12)  # = -J(0.5): every step costs 1


# --------------------------------------------------------------------------
# the optimum of the short corridor
# --------------------------------------------------------------------------
def test_corridor_optimum_by_grid_search():
    p = np.linspace(1e-4, 1 - 1e-4, 2_000_001)
    J = envs.corridor_performance(p)
    i = np.argmax(J)
    step = p[1] - p[0]
    assert abs(p[i] - P_STAR) <= step
    assert abs(p[i] - 0.5858) < 1e-4
    assert J[i] == pytest.approx(J_STAR, abs=1e-9)
    assert J[i] == pytest.approx(-11.657, abs=1e-3)
    # the analytic values are consistent with each other and with the closed form
    np.testing.assert_allclose(envs.corridor_performance(P_STAR), J_STAR, rtol=1e-14)
    assert abs(dJ_dp(P_STAR)) < 1e-12
    assert (J <= J_STAR + 1e-12).all()


def test_corridor_optimum_by_exact_evaluation():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    theta = envs.corridor_theta(P_STAR)
    np.testing.assert_allclose(performance(mdp, pol, theta), J_STAR, rtol=1e-12)
    np.testing.assert_allclose(policy_gradient(mdp, pol, theta), 0.0, atol=1e-10)
    # uphill on both sides
    for p in (0.3, 0.5, 0.55):
        assert policy_gradient(mdp, pol, envs.corridor_theta(p))[1] > 0
    for p in (0.62, 0.7, 0.9):
        assert policy_gradient(mdp, pol, envs.corridor_theta(p))[1] < 0
    # a deterministic policy cannot do better: always-right / always-left never end
    for p in (1e-3, 1 - 1e-3):
        assert performance(mdp, pol, envs.corridor_theta(p)) < J_STAR


# --------------------------------------------------------------------------
# numerical_gradient
# --------------------------------------------------------------------------
def test_numerical_gradient_known_functions():
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numerical_gradient(lambda t: float(t @ t), x), 2 * x, rtol=1e-9)
    np.testing.assert_allclose(numerical_gradient(lambda t: np.sin(t).sum(), x), np.cos(x), rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(lambda t: np.exp(t[0]) * t[1], x),
                               [np.exp(1.0) * -2.0, np.exp(1.0), 0.0], rtol=1e-8, atol=1e-10)
    A = np.array([[2.0, 1.0, 0.0], [1.0, 3.0, -1.0], [0.0, -1.0, 4.0]])
    np.testing.assert_allclose(numerical_gradient(lambda t: 0.5 * t @ A @ t, x), A @ x, rtol=1e-8)


def test_numerical_gradient_shape_and_eps():
    x = np.arange(6.0).reshape(2, 3)
    g = numerical_gradient(lambda t: float((t**2).sum()), x)
    assert g.shape == (2, 3)
    np.testing.assert_allclose(g, 2 * x, rtol=1e-9, atol=1e-9)
    # central differences are exact for cubics up to the eps^2 term: f''' eps^2 / 6
    g = numerical_gradient(lambda t: float(t[0] ** 3), np.array([1.0]), eps=1e-2)
    np.testing.assert_allclose(g, [3.0 + 1e-4], rtol=1e-10)
    x = np.array([1.0, 2.0])
    numerical_gradient(lambda t: float(t.sum()), x)
    np.testing.assert_array_equal(x, [1.0, 2.0])  # input untouched


@pytest.mark.parametrize("eps", [0.0, -1e-6, np.nan, np.inf])
def test_numerical_gradient_bad_eps(eps):
    with pytest.raises(ValueError, match=r"eps must be a finite number > 0"):
        numerical_gradient(lambda t: float(t.sum()), np.zeros(2), eps=eps)


# --------------------------------------------------------------------------
# gradient_ascent
# --------------------------------------------------------------------------
def quad_grad(th):
    """Gradient of -(theta - 3)^2."""
    return -2.0 * (th - 3.0)


def test_gradient_ascent_exact_path_on_a_quadratic():
    path = gradient_ascent(quad_grad, [1.0], 0.25, 10)
    assert path.shape == (11, 1)
    k = np.arange(11)
    np.testing.assert_allclose(path[:, 0], 3.0 - 2.0 * 0.5**k, rtol=1e-15)
    np.testing.assert_array_equal(path[:4, 0], [1.0, 2.0, 2.5, 2.75])


def test_gradient_ascent_path_matches_matrix_powers():
    A = np.array([[2.0, 0.5], [0.5, 1.0]])
    c = np.array([1.0, -2.0])
    theta0 = np.array([4.0, 3.0])
    alpha, n = 0.3, 25
    path = gradient_ascent(lambda th: -A @ (th - c), theta0, alpha, n)
    assert path.shape == (n + 1, 2)
    M = np.eye(2) - alpha * A
    expected = np.array([c + np.linalg.matrix_power(M, k) @ (theta0 - c) for k in range(n + 1)])
    np.testing.assert_allclose(path, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(theta0, [4.0, 3.0])  # input untouched


def test_gradient_ascent_zero_steps():
    path = gradient_ascent(quad_grad, [1.0, 2.0], 0.1, 0)
    np.testing.assert_array_equal(path, [[1.0, 2.0]])


def test_gradient_ascent_converges_on_the_corridor():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    path = gradient_ascent(lambda th: policy_gradient(mdp, pol, th), np.zeros(2), 0.05, 300)
    assert path.shape == (301, 2)
    J = np.array([performance(mdp, pol, th) for th in path])
    assert J[0] == pytest.approx(-12.0, rel=1e-12)
    assert (np.diff(J) >= -1e-12).all()  # monotone for a small step
    assert J[-1] == pytest.approx(J_STAR, abs=1e-9)
    assert pol.probs(path[-1])[0, 1] == pytest.approx(P_STAR, abs=1e-6)
    # the corridor gradient is [-g, g]: the sum of the parameters is conserved
    np.testing.assert_allclose(path.sum(axis=1), 0.0, atol=1e-12)


def test_gradient_ascent_diverges_on_a_quadratic_with_a_big_step():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="diverged at step 12.*smaller step size") as info:
            gradient_ascent(quad_grad, [1.0], 2.0, 100)
    err = info.value
    assert isinstance(err, ArithmeticError)
    assert err.step == 12
    assert err.path.shape == (12, 1)
    assert np.isfinite(err.path).all()
    # theta_k - 3 = -2 * (-3)^k: the finite part of the path is exact
    np.testing.assert_allclose(err.path[:, 0], 3.0 - 2.0 * (-3.0) ** np.arange(12), rtol=1e-15)
    assert np.abs(err.path).max() <= 1e6


def test_gradient_ascent_divergence_with_custom_max_norm():
    with pytest.raises(DivergenceError) as info:
        gradient_ascent(quad_grad, [1.0], 2.0, 100, max_norm=100.0)
    assert info.value.step == 4  # |3 - 2 * (-3)^4| = 159 > 100
    assert info.value.path.shape == (4, 1)


def test_gradient_ascent_overflowing_gradient_raises_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError) as info:
            gradient_ascent(lambda th: th * 1e308 * 1e10, [1.0, 1.0], 1.0, 5)
        assert info.value.step == 1 and info.value.path.shape == (1, 2)
        with pytest.raises(DivergenceError) as info:
            gradient_ascent(lambda th: np.full_like(th, np.nan), [0.0], 0.1, 5)
        assert info.value.step == 1
        np.testing.assert_array_equal(info.value.path, [[0.0]])


def test_gradient_ascent_on_the_corridor_with_a_huge_step():
    """A huge step makes the policy deterministic; its value (gamma = 1) is then infinite."""
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(DivergenceError, match="could not be computed") as info:
            gradient_ascent(lambda th: policy_gradient(mdp, pol, th), np.zeros(2), 1000.0, 10)
    err = info.value
    assert isinstance(err.__cause__, ValueError)
    assert np.isfinite(err.path).all()
    # step 1 reaches theta = [-2000, 2000], where pi(left) underflows to exactly 0;
    # the gradient cannot be computed there, so step 2 fails
    assert err.step == 2
    np.testing.assert_array_equal(err.path, [[0.0, 0.0], [-2000.0, 2000.0]])


@pytest.mark.parametrize("alpha", [0.0, -0.1, np.nan, np.inf, -np.inf])
def test_gradient_ascent_invalid_step_size(alpha):
    with pytest.raises(ValueError, match=r"step_size must be a finite number > 0"):
        gradient_ascent(quad_grad, [1.0], alpha, 5)


def test_gradient_ascent_other_invalid_arguments():
    with pytest.raises(ValueError, match="n_steps must be an integer >= 0"):
        gradient_ascent(quad_grad, [1.0], 0.1, -1)
    with pytest.raises(ValueError, match="theta0 must be finite"):
        gradient_ascent(quad_grad, [np.nan], 0.1, 5)
