"""Tests for pgcore.widgets.actor_critic: the chapter 9 figures and the GAE explorer's update logic."""

import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgcore as pg  # noqa: E402
from pgcore import actor_critic as ac  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets import actor_critic as wac  # noqa: E402


@pytest.fixture(scope="module")
def ex():
    return wac.AdvantageExplorer()


def test_the_explorer_numbers_are_pgcore_numbers(ex):
    r = ex.set(lam=0.35, log2_critic_step=-2.0)
    mdp, pol = wac.chapter_gridworld()
    pi = pol.probs(np.zeros(pol.d))
    # TD(0) through the same episodes, an independent loop over the sampled arrays
    st = ac.sample_steps(mdp, pi, ex.n_critic_episodes, seed=ex.seed)
    vhat = np.zeros(mdp.n_states)
    for i in range(len(st.lengths)):
        for t in range(st.lengths[i]):
            s, s2 = st.states[i, t], (st.states[i, t + 1] if t + 1 < st.lengths[i] else 3)
            vhat[s] += 0.25 * (st.rewards[i, t] + mdp.gamma * vhat[s2] - vhat[s])
    np.testing.assert_allclose(r["critic"], vhat)
    exact = ac.advantage_bias_variance(mdp, pi, vhat, lam=0.35)
    assert r["bias2"] == pytest.approx(exact["bias2"]) and r["variance"] == pytest.approx(exact["variance"])
    g = ac.expected_update(mdp, pol, np.zeros(pol.d), vhat, lam=0.35)
    grad = pg.policy_gradient(mdp, pol, np.zeros(pol.d))
    assert r["grad_bias"] == pytest.approx(np.linalg.norm(g - grad) / np.linalg.norm(grad))
    # the curve at the grid point lambda = 0.35 is the same number
    i = int(np.argmin(np.abs(ex.lam_grid - 0.35)))
    assert r["bias2_curve"][i] == pytest.approx(r["bias2"])
    # the drawn lines carry the curves
    np.testing.assert_allclose(ex.v_line.get_ydata(), np.log10(np.maximum(r["variance_curve"], 1e-3)))
    assert ex.marker.get_xdata()[0] == pytest.approx(0.35)


def test_lambda_1_is_unbiased_and_bias_falls_with_lambda(ex):
    r = ex.set(lam=1.0, log2_critic_step=-3.0)
    assert r["bias2"] == pytest.approx(0.0, abs=1e-12) and r["grad_bias"] == pytest.approx(0.0, abs=1e-9)
    b = r["bias2_curve"]
    assert b[0] > b[10] > b[-1]
    assert r["variance_curve"][0] < r["variance_curve"][-1]


def test_every_control_value_draws(ex):
    for lam in (0.0, 0.5, 1.0):
        for lw in (-8.0, -4.0, 0.0):
            r = ex.set(lam=lam, log2_critic_step=lw)
            assert np.isfinite(r["bias2"]) and np.isfinite(r["variance"]) and r["message"] == ""
    assert png_bytes(ex.fig)[:8] == b"\x89PNG\r\n\x1a\n"
    ex.reset()
    assert ex.values == wac.AdvantageExplorer.defaults


def test_update_is_fast(ex):
    times = []
    for i in range(7):
        t0 = time.perf_counter()
        ex.set(lam=0.1 * i)
        png_bytes(ex.fig)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 1.0  # the benchmark measures the real figure (target 150 ms)


def test_static_figures_draw():
    lams, ns = [0.0, 0.5, 1.0], [1, 2, 4]
    rows = [{"bias2": 1.0 - x, "variance": 1.0 + x} for x in lams]
    fig = wac.plot_bias_variance(lams, rows, ns, rows)
    assert png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"
    y = -np.abs(np.random.default_rng(0).normal(10, 2, size=(5, 30)))
    fig = wac.plot_curves({"a": y, "b": y - 1}, "return", reference=-6.0, reference_label="best")
    mean = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(mean, y.mean(axis=0))
