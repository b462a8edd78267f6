"""Tests for pgcore.widgets.ppo: the chapter 10 figures and the explorer's update logic."""

import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import pgcore as pg  # noqa: E402
from pgcore import ppo  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets import ppo as wppo  # noqa: E402


@pytest.fixture(scope="module")
def ex():
    return wppo.PPOExplorer()


def test_the_explorer_numbers_are_pgcore_numbers(ex):
    r = ex.set(clip=0.3, epochs=6, log2_step=-1.0, use_clip=True)
    u = ppo.ppo_update(ex.policy, ex.batch, 0.5, epochs=6, minibatches=4, clip=0.3, seed=0)
    J_last = [pg.performance(ex.mdp, ex.policy, t) for t in u.theta]
    assert r["J"][-1] == pytest.approx(np.mean(J_last))
    assert r["J"][0] == pytest.approx(pg.performance(ex.mdp, ex.policy, np.zeros(ex.policy.d)))
    np.testing.assert_allclose(r["kl"], u.kl.mean(axis=0))
    rho = ppo.ratios(ex.policy, ex.batch, u.theta)
    rho = rho[np.isfinite(rho)]
    assert r["ratio_max"] == pytest.approx(rho.max())
    assert r["outside"] == pytest.approx(np.mean(np.abs(rho - 1) > 0.3))
    # the drawn artists carry the numbers
    np.testing.assert_allclose(ex.mean_line.get_ydata(), r["J"])
    heights = ex.hist.get_data().values
    assert heights.sum() == pytest.approx(1.0)
    counts, _ = np.histogram(np.clip(np.log2(rho), -4, 3 - 1e-9), bins=ex.edges)
    np.testing.assert_allclose(heights, counts / counts.sum())
    assert ex.band.get_x() == pytest.approx(np.log2(0.7)) and ex.band.get_width() == pytest.approx(np.log2(1.3 / 0.7))


def test_clip_keeps_the_update_closer_than_no_clip(ex):
    on = ex.set(clip=0.2, epochs=20, log2_step=0.0, use_clip=True)
    off = ex.set(use_clip=False)
    assert off["kl"][-1] > 5 * on["kl"][-1]
    assert off["ratio_max"] > on["ratio_max"]
    # the clip does not bound the ratio: some samples end outside [0.8, 1.2] even with it
    assert on["outside"] > 0.1 and on["ratio_max"] > 1.2


def test_every_control_value_draws_and_out_of_range_is_clamped(ex):
    for clip in (0.05, 0.5, 1.0):
        for epochs in (1, 20):
            for use_clip in (True, False):
                r = ex.set(clip=clip, epochs=epochs, log2_step=2.0, use_clip=use_clip)
                assert np.isfinite(r["J"]).all() and r["message"] == ""
    r = ex.set(epochs=10**6)
    assert ex.values["epochs"] == 20 and "outside" in r["input_note"]
    assert png_bytes(ex.fig)[:8] == b"\x89PNG\r\n\x1a\n"
    ex.reset()
    assert ex.values == wppo.PPOExplorer.defaults


def test_update_is_fast(ex):
    times = []
    for k in (4, 8, 12, 16, 20, 10, 6):
        t0 = time.perf_counter()
        ex.set(epochs=k)
        png_bytes(ex.fig)
        times.append(time.perf_counter() - t0)
    assert np.median(times) < 2.0  # the benchmark measures the real figure (target 150 ms)


def test_static_figures_draw():
    y = -np.abs(np.random.default_rng(0).normal(10, 2, size=(5, 21)))
    fig = wppo.plot_learning_curves({"a": y, "b": y - 1}, reference=-6.0, reference_label="best")
    np.testing.assert_allclose(fig.axes[0].lines[0].get_ydata(), y.mean(axis=0))
    rows = {"clip": {"J": np.linspace(-20, -15, 4), "kl": [0.01, 0.02, 0.03], "ratio_max": [1.2, 1.3, 1.4]}}
    fig = wppo.plot_epochs(rows)
    assert png_bytes(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_best_value_and_the_end_bins_are_drawn(ex):
    # J* is the value of the greedy policy of value iteration, evaluated independently
    q_star, _ = pg.value_iteration(ex.mdp)
    greedy = np.eye(ex.mdp.n_actions)[q_star.argmax(axis=1)]
    v, _ = pg.evaluate(ex.mdp, greedy)
    assert ex.J_star == pytest.approx(ex.mdp.start @ v, abs=1e-8)
    ys = [ln.get_ydata()[0] for ln in ex.fig.axes[0].lines if len(ln.get_ydata()) == 2]
    assert any(y == pytest.approx(ex.J_star) for y in ys)
    labels = [t.get_text() for t in ex.ax2.get_xticklabels()]
    assert labels[0] == "≤1/16" and labels[-1] == "≥8"
    for kw in (dict(epochs=20, log2_step=2.0, use_clip=False), dict(epochs=1, log2_step=-3.0, use_clip=True)):
        r = ex.set(**kw)
        # every batch's J lies below J* and inside the panel, every bar inside its axes
        assert np.all(r["J_runs"] <= ex.J_star + 1e-9)
        lo, hi = ex.fig.axes[0].get_ylim()
        assert hi > ex.J_star
        assert ex.hist.get_data().values.max() <= ex.ax2.get_ylim()[1]


def test_epoch_figure_on_a_symlog_axis_keeps_the_small_changes_readable():
    rows = {"clip": {"J": np.r_[-82.0, np.full(30, -60.0)], "kl": np.full(30, 0.01), "ratio_max": np.full(30, 1.5)},
            "none": {"J": np.r_[-82.0, np.linspace(-60, -2444, 30)], "kl": np.ones(30), "ratio_max": np.full(30, 20.0)}}
    fig = wppo.plot_epochs(rows, j_linthresh=100)
    ax = fig.axes[0]
    assert ax.get_yscale() == "symlog"
    np.testing.assert_allclose(ax.get_yticks(), [-25, -50, -75, -100, -1000])
    # -82 and -60 are a quarter of the linear range apart on screen, not squeezed together
    y = ax.transData.transform([[0, -82.0], [0, -60.0], [0, -1000.0]])[:, 1]
    assert (y[1] - y[0]) > 0.1 * (y[1] - y[2])
