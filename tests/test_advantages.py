"""Tests for pgcore.advantages: TD errors, n-step returns and GAE against direct computations."""

import numpy as np
import pytest

from pgcore import advantages as adv


def brute_gae(r, v, gamma, lam):
    """The definition, a double loop: A_t = sum_{k >= 0} (gamma lam)^k delta_{t+k}."""
    T = len(r)
    delta = [r[t] + gamma * v[t + 1] - v[t] for t in range(T)]
    return np.array([sum((gamma * lam) ** k * delta[t + k] for k in range(T - t)) for t in range(T)])


def brute_n_step(r, v, gamma, n):
    """G_{t:t+n}: rewards up to min(t + n, T), then gamma^m v[min(t + n, T)], a plain loop."""
    T = len(r)
    out = []
    for t in range(T):
        end = min(t + n, T)
        G = sum(gamma ** (k - t) * r[k] for k in range(t, end))
        out.append(G + gamma ** (end - t) * v[end])
    return np.array(out)


def mc_returns(r, gamma):
    G, out = 0.0, []
    for x in reversed(r):
        G = x + gamma * G
        out.append(G)
    return np.array(out[::-1])


@pytest.fixture(params=range(4))
def episode(request):
    rng = np.random.default_rng(request.param)
    T = int(rng.integers(1, 12))
    r = rng.normal(size=T)
    v = rng.normal(size=T + 1)
    if request.param % 2 == 0:
        v[-1] = 0.0  # ends in a terminal state
    gamma = [1.0, 0.9, 0.5, 0.99][request.param]
    return r, v, gamma


@pytest.mark.parametrize("lam", [0.0, 0.3, 0.95, 1.0])
def test_gae_is_the_definition(episode, lam):
    r, v, gamma = episode
    np.testing.assert_allclose(adv.gae(r, v, gamma, lam), brute_gae(r, v, gamma, lam), rtol=1e-12, atol=1e-12)


def test_gae_lambda_0_is_the_td_error_and_lambda_1_the_return_minus_v(episode):
    r, v, gamma = episode
    T = len(r)
    delta = np.array([r[t] + gamma * v[t + 1] - v[t] for t in range(T)])
    np.testing.assert_allclose(adv.gae(r, v, gamma, 0.0), delta, atol=1e-12)
    np.testing.assert_allclose(adv.td_errors(r, v, gamma), delta, atol=1e-12)
    tail = gamma ** (T - np.arange(T)) * v[T]  # 0 when the last state is terminal
    np.testing.assert_allclose(adv.gae(r, v, gamma, 1.0), mc_returns(r, gamma) + tail - v[:-1], atol=1e-10)


@pytest.mark.parametrize("lam", [0.2, 0.7])
def test_gae_is_the_lambda_weighted_sum_of_n_step_advantages(episode, lam):
    r, v, gamma = episode
    T = len(r)
    A = np.array([brute_n_step(r, v, gamma, n) - v[:-1] for n in range(1, T + 1)])  # (n, t)
    expect = np.zeros(T)
    for t in range(T):
        left = T - t  # the n-step estimate for n >= T - t is the full return
        w = [(1 - lam) * lam ** (n - 1) for n in range(1, left)] + [lam ** (left - 1)]
        expect[t] = sum(wi * A[n, t] for n, wi in enumerate(w))
    np.testing.assert_allclose(adv.gae(r, v, gamma, lam), expect, atol=1e-10)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_n_step_returns_are_the_definition(episode, n):
    r, v, gamma = episode
    np.testing.assert_allclose(adv.n_step_returns(r, v, gamma, n), brute_n_step(r, v, gamma, n), atol=1e-12)


def test_n_step_special_cases(episode):
    r, v, gamma = episode
    T = len(r)
    np.testing.assert_allclose(adv.n_step_returns(r, v, gamma, 1), r + gamma * v[1:], atol=1e-12)
    tail = gamma ** (T - np.arange(T)) * v[T]
    np.testing.assert_allclose(adv.n_step_returns(r, v, gamma, T), mc_returns(r, gamma) + tail, atol=1e-10)
    np.testing.assert_allclose(adv.n_step_returns(r, v, gamma, 1) - v[:-1], adv.gae(r, v, gamma, 0.0), atol=1e-12)
    np.testing.assert_allclose(adv.lambda_returns(r, v, gamma, 0.4), adv.gae(r, v, gamma, 0.4) + v[:-1])


def test_a_batch_is_row_by_row_and_zero_padding_changes_nothing():
    rng = np.random.default_rng(7)
    lengths = [3, 7, 1, 5]
    L = max(lengths)
    R = np.zeros((4, L))
    V = np.zeros((4, L + 1))
    rows = []
    for i, T in enumerate(lengths):
        r, v = rng.normal(size=T), np.append(rng.normal(size=T), 0.0)
        R[i, :T], V[i, :T + 1] = r, v
        rows.append((r, v))
    g_all = adv.gae(R, V, 0.9, 0.8)
    n_all = adv.n_step_returns(R, V, 0.9, 3)
    for i, (r, v) in enumerate(rows):
        T = len(r)
        np.testing.assert_allclose(g_all[i, :T], adv.gae(r, v, 0.9, 0.8), atol=1e-12)
        np.testing.assert_allclose(n_all[i, :T], adv.n_step_returns(r, v, 0.9, 3), atol=1e-12)
        assert np.all(g_all[i, T:] == 0)


def test_bad_input_is_refused_with_the_name_of_the_argument():
    r, v = np.ones(3), np.zeros(4)
    with pytest.raises(ValueError, match="values must have shape"):
        adv.gae(r, np.zeros(3), 1.0, 0.5)
    with pytest.raises(ValueError, match="values must have shape"):
        adv.n_step_returns(np.ones((2, 3)), np.zeros((2, 3)), 1.0, 1)
    with pytest.raises(ValueError, match="rewards must have shape"):
        adv.gae(1.0, [0.0, 0.0], 1.0, 0.5)
    with pytest.raises(ValueError, match=r"rewards\[1\] = nan"):
        adv.gae([1.0, np.nan, 0.0], v, 1.0, 0.5)
    with pytest.raises(ValueError, match="values.*inf"):
        adv.td_errors(r, [0.0, np.inf, 0, 0], 1.0)
    with pytest.raises(ValueError, match="gamma must lie in"):
        adv.gae(r, v, 1.5, 0.5)
    with pytest.raises(ValueError, match="lam must lie in"):
        adv.gae(r, v, 0.9, np.nan)
    with pytest.raises(TypeError, match="lam must be a number"):
        adv.gae(r, v, 0.9, "half")
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        adv.n_step_returns(r, v, 0.9, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        adv.n_step_returns(r, v, 0.9, 1.5)
    with pytest.raises(TypeError, match="n must be an integer"):
        adv.n_step_returns(r, v, 0.9, None)


def test_an_empty_episode_gives_an_empty_answer():
    assert adv.gae(np.zeros(0), np.zeros(1), 1.0, 0.5).shape == (0,)
    assert adv.n_step_returns(np.zeros(0), np.zeros(1), 1.0, 3).shape == (0,)
