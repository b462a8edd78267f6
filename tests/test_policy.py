"""SoftmaxPolicy: layout, probabilities, and its derivatives against finite differences."""

import numpy as np
import pytest

from pgcore import SoftmaxPolicy, log_softmax, numerical_gradient, softmax
from pgcore import envs


def random_linear(S, A, d, seed):
    rng = np.random.default_rng(seed)
    return SoftmaxPolicy(rng.standard_normal((S, A, d))), rng.standard_normal(d)


def random_tabular(S, A, seed):
    pol = SoftmaxPolicy.tabular(S, A)
    return pol, np.random.default_rng(seed).standard_normal(pol.d) * 2.0


CASES = [
    pytest.param(*random_tabular(3, 2, 0), id="tabular-3x2"),
    pytest.param(*random_tabular(4, 3, 1), id="tabular-4x3"),
    pytest.param(*random_linear(3, 3, 4, 2), id="linear-3x3-d4"),
    pytest.param(*random_linear(5, 2, 3, 3), id="linear-5x2-d3"),
    pytest.param(*random_linear(2, 4, 5, 4), id="linear-2x4-d5"),
]


# --------------------------------------------------------------------------
# layout and probabilities
# --------------------------------------------------------------------------
def test_tabular_layout():
    S, A = 3, 4
    pol = SoftmaxPolicy.tabular(S, A)
    assert (pol.n_states, pol.n_actions, pol.d) == (S, A, S * A)
    theta = np.arange(S * A, dtype=float) * 0.37 - 1.0
    h = pol.preferences(theta)
    for s in range(S):
        for a in range(A):
            assert h[s, a] == theta[s * A + a]
    np.testing.assert_array_equal(h, theta.reshape(S, A))
    np.testing.assert_allclose(pol.probs(theta), softmax(theta.reshape(S, A), axis=1), rtol=1e-15)
    assert repr(pol) == "SoftmaxPolicy(n_states=3, n_actions=4, d=12)"


def test_tabular_changing_one_parameter_changes_one_state_only():
    pol = SoftmaxPolicy.tabular(3, 2)
    theta = np.zeros(6)
    bumped = theta.copy()
    bumped[1 * 2 + 1] = np.log(3.0)  # h(1, 1)
    p = pol.probs(bumped)
    np.testing.assert_allclose(p, [[0.5, 0.5], [0.25, 0.75], [0.5, 0.5]], rtol=1e-14)


def test_docstring_example():
    pol = SoftmaxPolicy.tabular(2, 3)
    p = pol.probs(np.array([0.0, 0.0, 0.0, 1.0, 2.0, 3.0]))
    e = np.exp([1.0, 2.0, 3.0])
    np.testing.assert_allclose(p, [[1 / 3] * 3, e / e.sum()], rtol=1e-14)


@pytest.mark.parametrize("pol, theta", CASES)
def test_probs_rows_sum_to_one(pol, theta):
    p = pol.probs(theta)
    assert p.shape == (pol.n_states, pol.n_actions)
    assert (p > 0).all()
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-14)
    h = np.einsum("sad,d->sa", pol.features, theta)
    np.testing.assert_allclose(pol.preferences(theta), h, rtol=1e-13, atol=1e-13)
    e = np.exp(h)
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-13)


def test_probs_of_extreme_parameters_are_finite():
    pol = SoftmaxPolicy.tabular(2, 2)
    p = pol.probs(np.array([1e300, -1e300, -1e300, -1e300]))
    np.testing.assert_array_equal(p, [[1.0, 0.0], [0.5, 0.5]])


def test_corridor_policy_is_state_blind():
    pol = envs.corridor_policy()
    for p_right in (0.1, 0.5, 0.8):
        p = pol.probs(envs.corridor_theta(p_right))
        np.testing.assert_allclose(p, np.tile([1 - p_right, p_right], (4, 1)), rtol=1e-12)


# --------------------------------------------------------------------------
# derivatives against finite differences, entry by entry
# --------------------------------------------------------------------------
@pytest.mark.parametrize("pol, theta", CASES)
def test_grad_probs_against_numerical_gradient(pol, theta):
    G = pol.grad_probs(theta)
    assert G.shape == (pol.n_states, pol.n_actions, pol.d)
    for s in range(pol.n_states):
        for a in range(pol.n_actions):
            num = numerical_gradient(lambda th: pol.probs(th)[s, a], theta)
            np.testing.assert_allclose(G[s, a], num, rtol=1e-6, atol=1e-8)
    # probabilities in a state sum to 1, so their gradients sum to 0
    np.testing.assert_allclose(G.sum(axis=1), 0.0, atol=1e-14)


@pytest.mark.parametrize("pol, theta", CASES)
def test_grad_log_probs_against_numerical_gradient(pol, theta):
    G = pol.grad_log_probs(theta)
    assert G.shape == (pol.n_states, pol.n_actions, pol.d)
    for s in range(pol.n_states):
        for a in range(pol.n_actions):
            num = numerical_gradient(lambda th: np.log(pol.probs(th)[s, a]), theta)
            np.testing.assert_allclose(G[s, a], num, rtol=1e-6, atol=1e-7)
            num2 = numerical_gradient(lambda th: log_softmax(pol.preferences(th))[s, a], theta)
            np.testing.assert_allclose(G[s, a], num2, rtol=1e-6, atol=1e-7)
    # the score has mean zero under the policy
    p = pol.probs(theta)
    np.testing.assert_allclose(np.einsum("sa,sad->sd", p, G), 0.0, atol=1e-13)


def test_tabular_score_formula():
    """For one-hot features the score is e_{s,a} - sum_b pi(b|s) e_{s,b}."""
    S, A = 3, 3
    pol, theta = random_tabular(S, A, 5)
    p = pol.probs(theta)
    G = pol.grad_log_probs(theta)
    for s in range(S):
        for a in range(A):
            expected = np.zeros(S * A)
            expected[s * A:(s + 1) * A] = -p[s]
            expected[s * A + a] += 1.0
            np.testing.assert_allclose(G[s, a], expected, rtol=1e-14, atol=1e-15)


def test_grad_probs_two_actions_at_zero():
    np.testing.assert_allclose(SoftmaxPolicy.tabular(1, 2).grad_probs(np.zeros(2)),
                               [[[0.25, -0.25], [-0.25, 0.25]]], rtol=1e-15)


# --------------------------------------------------------------------------
# invalid input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("theta", [np.zeros(5), np.zeros(7), np.zeros((2, 3)), np.zeros((6, 1))])
@pytest.mark.parametrize("method", ["preferences", "probs", "grad_log_probs", "grad_probs"])
def test_bad_theta_shape(theta, method):
    pol = SoftmaxPolicy.tabular(2, 3)
    with pytest.raises(ValueError, match=r"theta must have shape \(6,\)"):
        getattr(pol, method)(theta)


@pytest.mark.parametrize("method", ["preferences", "probs", "grad_log_probs", "grad_probs"])
def test_non_finite_theta(method):
    pol = SoftmaxPolicy.tabular(2, 3)
    theta = np.zeros(6)
    theta[4] = np.nan
    with pytest.raises(ValueError, match="theta contains NaN"):
        getattr(pol, method)(theta)
    theta[4] = -np.inf
    with pytest.raises(ValueError, match="theta contains an infinity"):
        getattr(pol, method)(theta)


@pytest.mark.parametrize(
    "features, pattern",
    [
        (np.zeros((2, 3)), r"features must have shape \(S, A, d\), got \(2, 3\)"),
        (np.zeros((2, 3, 1, 1)), r"features must have shape \(S, A, d\)"),
        (np.array([[[np.nan]]]), "features must be finite"),
        (np.array([[[np.inf]]]), "features must be finite"),
    ],
)
def test_bad_features(features, pattern):
    with pytest.raises(ValueError, match=pattern):
        SoftmaxPolicy(features)


def test_features_are_copied_and_read_only():
    x = np.ones((2, 2, 1))
    pol = SoftmaxPolicy(x)
    x[0, 0, 0] = 5.0
    assert pol.features[0, 0, 0] == 1.0
    with pytest.raises(ValueError):
        pol.features[0, 0, 0] = 2.0
