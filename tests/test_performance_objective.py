"""Tests for pgcore.objective (chapter 3: the performance measure).

Every formula is checked against an independent computation: returns against
their defining sum, running means against numpy on each prefix, the
golden-section maximiser against known maxima and a dense grid, the
corridor's closed-form values against pgcore.evaluate's linear solve and
against the Bellman equations themselves.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pgcore as pg
from pgcore.objective import (
    corridor_probs,
    corridor_values,
    discounted_returns,
    golden_section_max,
    running_mean,
    sample_trajectory,
)

rewards = hnp.arrays(np.float64, st.integers(1, 30),
                     elements=st.floats(-100, 100, allow_nan=False, allow_infinity=False))
gammas = st.floats(0.0, 1.0)
interior_p = st.floats(0.001, 0.999)


# --------------------------------------------------------------------------
# discounted_returns
# --------------------------------------------------------------------------
@given(rewards, gammas)
def test_returns_match_their_definition(r, gamma):
    G = discounted_returns(r, gamma)
    T = len(r)
    direct = np.array([sum(gamma ** k * r[t + k] for k in range(T - t)) for t in range(T)])
    np.testing.assert_allclose(G, direct, rtol=1e-10, atol=1e-9)
    # the recursion G_t = R_{t+1} + gamma G_{t+1}, with G_T = 0
    np.testing.assert_allclose(G[:-1], r[:-1] + gamma * G[1:], rtol=1e-12, atol=1e-9)
    assert G[-1] == r[-1]


def test_returns_of_unit_costs():
    np.testing.assert_array_equal(discounted_returns(-np.ones(5)), [-5, -4, -3, -2, -1])
    G = discounted_returns(-np.ones(5), gamma=0.9)
    np.testing.assert_allclose(G[0], -(1 - 0.9 ** 5) / (1 - 0.9), rtol=1e-14)
    np.testing.assert_array_equal(discounted_returns([2.0, 3.0], gamma=0.0), [2.0, 3.0])
    assert discounted_returns([]).shape == (0,)


@pytest.mark.parametrize("bad", [
    dict(rewards=[1.0], gamma=1.5), dict(rewards=[1.0], gamma=-0.1),
    dict(rewards=[[1.0]], gamma=1.0), dict(rewards=[np.nan], gamma=1.0),
])
def test_returns_reject_bad_input(bad):
    with pytest.raises(ValueError):
        discounted_returns(**bad)


# --------------------------------------------------------------------------
# running_mean
# --------------------------------------------------------------------------
@given(hnp.arrays(np.float64, st.integers(1, 60),
                  elements=st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False)))
def test_running_mean_matches_numpy_on_every_prefix(x):
    mean, se = running_mean(x)
    assert mean.shape == se.shape == x.shape
    for n in range(1, len(x) + 1):
        np.testing.assert_allclose(mean[n - 1], np.mean(x[:n]), rtol=1e-9, atol=1e-7)
        if n == 1:
            assert np.isnan(se[0])
        else:
            ref = np.std(x[:n], ddof=1) / np.sqrt(n)
            np.testing.assert_allclose(se[n - 1], ref, rtol=1e-6, atol=1e-6)


def test_running_mean_is_stable_with_a_large_offset():
    rng = np.random.default_rng(0)
    x = 1e8 + rng.standard_normal(10_000)
    mean, se = running_mean(x)
    np.testing.assert_allclose(mean[-1], x.mean(), rtol=1e-14)
    np.testing.assert_allclose(se[-1], x.std(ddof=1) / 100.0, rtol=1e-6)


def test_running_mean_constant_sample_has_zero_error():
    mean, se = running_mean(np.full(5, -7.0))
    np.testing.assert_array_equal(mean, -7.0)
    np.testing.assert_array_equal(se[1:], 0.0)


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [1.0, np.inf], [np.nan]])
def test_running_mean_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        running_mean(bad)


# --------------------------------------------------------------------------
# golden_section_max
# --------------------------------------------------------------------------
@given(st.floats(-5.0, 5.0), st.floats(0.1, 10.0), st.floats(-100, 100))
def test_golden_section_finds_the_peak_of_a_parabola(c, width, height):
    f = lambda x: height - (x - c) ** 2 / width  # noqa: E731
    x, fx = golden_section_max(f, -6.0, 6.0)
    assert abs(x - c) < 1e-6 * (1 + np.sqrt(width))
    assert abs(fx - height) < 1e-9 * (1 + abs(height))


def test_golden_section_on_the_corridor_matches_calculus_and_a_grid():
    p, J = golden_section_max(pg.envs.corridor_performance, 1e-6, 1 - 1e-6)
    assert abs(p - (2 - np.sqrt(2))) < 1e-7
    assert abs(J - (-(6 + 4 * np.sqrt(2)))) < 1e-12
    grid = np.linspace(0.001, 0.999, 200_001)
    Jg = pg.envs.corridor_performance(grid)
    assert abs(p - grid[np.argmax(Jg)]) < 1e-5
    assert J >= Jg.max() - 1e-12


def test_golden_section_on_a_monotone_function_goes_to_the_edge():
    x, fx = golden_section_max(lambda x: x, 0.0, 1.0)
    assert 1.0 - x < 1e-8 and fx == x
    x, _ = golden_section_max(lambda x: -x, 0.0, 1.0)
    assert x < 1e-8


def test_golden_section_with_minus_infinity_values():
    # -inf is a legitimate value (a never-ending episode); NaN is not
    f = lambda x: -np.inf if x < 0.2 else -(x - 0.5) ** 2  # noqa: E731
    x, _ = golden_section_max(f, 0.0, 1.0)
    assert abs(x - 0.5) < 1e-6


@pytest.mark.parametrize("lo, hi, tol", [(1.0, 0.0, 1e-9), (0.0, 0.0, 1e-9), (0.0, np.inf, 1e-9),
                                         (0.0, 1.0, 0.0), (0.0, 1.0, -1.0)])
def test_golden_section_rejects_bad_intervals(lo, hi, tol):
    with pytest.raises(ValueError):
        golden_section_max(lambda x: x, lo, hi, tol=tol)


def test_golden_section_rejects_nan_values():
    with pytest.raises(ValueError, match="NaN"):
        golden_section_max(lambda x: np.nan, 0.0, 1.0)


# --------------------------------------------------------------------------
# the corridor: policy table and closed-form values
# --------------------------------------------------------------------------
@pytest.mark.parametrize("p", [0.0, 0.3, 1.0])
def test_corridor_probs(p):
    pi = corridor_probs(p)
    assert pi.shape == (4, 2)
    np.testing.assert_allclose(pi, np.tile([1 - p, p], (4, 1)))
    pg.check_policy(pg.envs.short_corridor(), pi)


@pytest.mark.parametrize("p", [-0.01, 1.01, np.nan])
def test_corridor_probs_rejects_non_probabilities(p):
    with pytest.raises(ValueError):
        corridor_probs(p)


def test_corridor_probs_agrees_with_the_softmax_policy():
    pol = pg.envs.corridor_policy()
    for p in [0.05, 0.5, 0.8]:
        np.testing.assert_allclose(pol.probs(pg.envs.corridor_theta(p)), corridor_probs(p), rtol=1e-12)


@given(interior_p)
def test_corridor_values_match_the_linear_solve(p):
    mdp = pg.envs.short_corridor()
    V, _ = pg.evaluate(mdp, corridor_probs(p))
    np.testing.assert_allclose(corridor_values(p), V[:3], rtol=1e-9)
    np.testing.assert_allclose(corridor_values(p)[0], pg.envs.corridor_performance(p), rtol=1e-12)


@given(interior_p)
def test_corridor_values_satisfy_the_bellman_equations(p):
    v0, v1, v2 = corridor_values(p)
    q = 1 - p
    np.testing.assert_allclose(v0, -1 + q * v0 + p * v1, rtol=1e-9)  # left stays, right -> 1
    np.testing.assert_allclose(v1, -1 + q * v2 + p * v0, rtol=1e-9)  # switched
    np.testing.assert_allclose(v2, -1 + q * v1 + p * 0.0, rtol=1e-9)  # right -> terminal


def test_corridor_values_known_points_and_arrays():
    np.testing.assert_allclose(corridor_values(0.5), [-12, -10, -6])
    np.testing.assert_allclose(corridor_values(0.8), [-15, -13.75, -3.75])
    assert corridor_values(np.array([0.2, 0.5, 0.8])).shape == (3, 3)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.5, 2.0, np.nan])
def test_corridor_values_reject_the_edges(p):
    with pytest.raises(ValueError, match="never ends|strictly"):
        corridor_values(p)


# --------------------------------------------------------------------------
# sample_trajectory
# --------------------------------------------------------------------------
def test_trajectory_is_a_valid_episode():
    mdp = pg.envs.short_corridor()
    for seed in range(20):
        tr = sample_trajectory(mdp, corridor_probs(0.6), seed=seed)
        T = tr.length
        assert len(tr.states) == T + 1 and len(tr.rewards) == T
        assert tr.states[0] == 0 and tr.states[-1] == 3
        assert all(mdp.nonterminal[s] for s in tr.states[:-1])
        for t in range(T):
            s, a, s2 = tr.states[t], tr.actions[t], tr.states[t + 1]
            assert mdp.P[s, a, s2] == 1.0  # the corridor is deterministic
            assert tr.rewards[t] == mdp.R[s, a]
        assert discounted_returns(tr.rewards)[0] == -T  # every step costs 1


def test_trajectory_is_reproducible():
    mdp, pi = pg.envs.short_corridor(), corridor_probs(0.4)
    a = sample_trajectory(mdp, pi, seed=7)
    b = sample_trajectory(mdp, pi, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a.states, b.states)
    np.testing.assert_array_equal(a.actions, b.actions)


def test_trajectory_returns_average_to_the_exact_value():
    mdp, p = pg.envs.short_corridor(), 0.5
    rng = np.random.default_rng(1)
    G = np.array([discounted_returns(sample_trajectory(mdp, corridor_probs(p), seed=rng).rewards)[0]
                  for _ in range(3000)])
    se = G.std(ddof=1) / np.sqrt(G.size)
    assert abs(G.mean() - pg.envs.corridor_performance(p)) < 4 * se


def test_trajectory_gives_up_on_a_never_ending_policy():
    # refused before sampling (issue 10)
    with pytest.raises(ValueError, match="trapped forever"):
        sample_trajectory(pg.envs.short_corridor(), corridor_probs(1.0), seed=0, max_steps=50)
    with pytest.raises(RuntimeError, match="not ended"):
        sample_trajectory(pg.envs.short_corridor(), corridor_probs(0.001), seed=0, max_steps=3)


def test_trajectory_rejects_a_bad_policy():
    with pytest.raises(ValueError):
        sample_trajectory(pg.envs.short_corridor(), np.full((4, 2), 0.7))
