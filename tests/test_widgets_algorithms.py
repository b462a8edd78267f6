"""Tests for pgcore.widgets.algorithms: figures of chapters 7-9 and their two explorers."""

import math

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgcore import gradient_bandit as gb, grpo, reinforce as rf  # noqa: E402
from pgcore.envs import corridor_theta  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets import algorithms as wa  # noqa: E402

P_STAR = 2 - math.sqrt(2)
J_STAR = (2 * P_STAR - 4) / (P_STAR * (1 - P_STAR))  # the corridor's best value, -11.657


# --------------------------------------------------------------------------
# static figures
# --------------------------------------------------------------------------
def test_static_figures_draw():
    q = gb.bandit_testbed(30, seed=0)
    runs = {f"α = {a}": gb.gradient_bandit(q, a, 50, seed=1).optimal for a in (0.1, 0.4)}
    figs = [wa.plot_percent_optimal(runs)]
    g = np.random.default_rng(0).normal(size=(200, 2))
    figs.append(wa.plot_running_mean({"a": g, "b": g * 0.5}, np.zeros(2), ["x", "y"], title="t"))
    figs.append(wa.plot_spread({"a": 1.0, "b": 2.0}, "variance", log=True))
    figs.append(wa.plot_variance_vs_shift([0, 1, 2], {"a": [1, 2, 4], "b": [1, 1, 1]}))
    ret = -np.abs(np.random.default_rng(1).normal(20, 5, size=(10, 50)))
    figs.append(wa.plot_learning_curves({"run": ret}, v_star=J_STAR))
    task = grpo.answer_task()
    res = {m: grpo.train_answers(task, 1.0, 5, 4, m, n_runs=3, seed=0) for m in grpo.ADVANTAGES}
    figs.append(wa.plot_answer_training(res, prompts=list(task.prompts)))
    for f in figs:
        assert png_bytes(f)[:8] == b"\x89PNG\r\n\x1a\n"
    # the percent-optimal figure shows percentages of the data it was given
    ax = figs[0].axes[0]
    y = ax.lines[0].get_ydata()
    np.testing.assert_allclose(y, 100 * runs["α = 0.1"].mean(axis=0))


# --------------------------------------------------------------------------
# chapter 8: the REINFORCE explorer
# --------------------------------------------------------------------------
HAS_C = rf.kernel_backend() == "c"


class SmallReinforceExplorer(wa.ReinforceExplorer):
    """A smaller study for the pure-numpy fallback, which is not meant to be interactive."""

    n_runs = 20
    n_episodes = 150
    max_steps = 1000


@pytest.fixture(scope="module")
def rex():
    return wa.reinforce_explorer() if HAS_C else SmallReinforceExplorer()


def test_reinforce_explorer_defaults(rex):
    r = rex.result
    assert r["returns"].shape == (rex.n_runs, rex.n_episodes)
    assert r["p"].shape == (rex.n_runs, rex.n_episodes + 1)
    assert r["message"] == ""
    assert abs(r["v_star"] - J_STAR) < 1e-12
    if HAS_C:
        assert -16 < r["final"] < -11.5  # alpha = 2^-13 after 1000 episodes (Figure 13.1)
    np.testing.assert_allclose(r["p"][:, 0], 0.05)
    # the figure shows what compute returned
    np.testing.assert_allclose(rex.ret_line.get_ydata(), r["returns"].mean(axis=0))


def test_reinforce_explorer_matches_the_library(rex):
    r = rex.set(log2_step=-12.0, baseline=False)
    lib = rf.reinforce(rex.mdp, rex.policy, corridor_theta(0.05), 2.0**-12, rex.n_episodes,
                       n_runs=rex.n_runs, seed=rex.seed, max_steps=rex.max_steps)
    np.testing.assert_array_equal(r["returns"], lib.returns)


def test_reinforce_explorer_baseline_learns_faster(rex):
    plain = rex.set(log2_step=-13.0, baseline=False)["returns"][:, :100].mean()
    based = rex.set(log2_step=-9.0, baseline=True, log2_baseline_step=-6.0)
    assert based["returns"][:, :100].mean() > plain + 10
    if HAS_C:
        assert abs(based["final"] - J_STAR) < 0.6
    assert based["alpha_w"] == 2.0**-6


@pytest.mark.parametrize("values", [
    {"log2_step": -6.0, "baseline": False},          # far too large: stuck runs, cut-off episodes
    {"log2_step": -6.0, "baseline": True, "log2_baseline_step": -2.0},
    {"log2_step": -16.0, "baseline": True, "log2_baseline_step": -10.0},
])
def test_reinforce_explorer_extremes_never_raise(rex, values):
    r = rex.set(**values)
    assert np.isfinite(r["final"]) or r["message"]
    if values["log2_step"] == -6.0 and not values["baseline"]:
        assert r["n_truncated"] > 0
        assert f"cut off at max_steps={rex.max_steps}" in r["message"]
        assert rex.msg.get_visible()
    png_bytes(rex.fig)
    rex.reset()
    assert rex.values == rex.initial


def _title_fits(ex):
    """The explorer's title lies inside its figure (a one-line title used to be clipped)."""
    fig = ex.fig
    fig.draw_without_rendering()
    box = ex.title_text.get_window_extent()
    return box.x0 >= 0 and box.x1 <= fig.bbox.width


@pytest.mark.parametrize("large", [False, True])
def test_reinforce_explorer_title_is_not_clipped(large):
    ex = wa.reinforce_explorer(large=large) if HAS_C else SmallReinforceExplorer(large=large)
    assert _title_fits(ex)
    ex.set(log2_step=-9.0, baseline=True, log2_baseline_step=-6.0)  # the longest title
    assert _title_fits(ex)


def test_reinforce_explorer_controls():
    pytest.importorskip("ipywidgets")
    ex = wa.reinforce_explorer(log2_step=-12.0) if HAS_C else SmallReinforceExplorer(log2_step=-12.0)
    box = ex.widget()
    assert len(box.children) == 4  # three controls and the reset button
    ex._controls["baseline"].value = True
    assert ex.values["baseline"] is True and ex.result["alpha_w"] == 2.0**-6


# --------------------------------------------------------------------------
# chapter 12: the group-size explorer
# --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gex():
    return wa.grpo_explorer()


def test_group_explorer_defaults(gex):
    r = gex.result
    assert set(r["final"]) == {"REINFORCE", "group mean", "GRPO"}
    assert r["final"]["GRPO"] > r["final"]["REINFORCE"] > 0.5
    for name, c in r["curves"].items():
        assert c.shape == (gex.n_runs, gex.n_iters + 1)
        np.testing.assert_allclose(c[:, 0], 0.23)
    assert 0.1 < r["noise"]["REINFORCE"] < 1.0


def test_group_explorer_group_of_one_cannot_learn(gex):
    r = gex.set(group_size=1)
    assert "never move" in r["message"] and gex.msg.get_visible()
    for name in ("group mean", "GRPO"):
        np.testing.assert_allclose(r["curves"][name], 0.23)
        assert r["noise"][name] == float("inf")
    assert r["final"]["REINFORCE"] > 0.3  # plain REINFORCE still learns from single answers
    png_bytes(gex.fig)
    gex.reset()


def test_group_explorer_shift_hurts_only_reinforce(gex):
    base = gex.set(group_size=8, reward_shift=0.0)["noise"]
    shifted = gex.set(group_size=8, reward_shift=2.0)["noise"]
    assert shifted["REINFORCE"] > 10 * base["REINFORCE"]
    assert shifted["GRPO"] == pytest.approx(base["GRPO"], rel=1e-9)
    r = gex.set(group_size=64, reward_shift=3.0, log2_step=4.0)
    assert all(0 <= v <= 1 for v in r["final"].values())
    r = gex.set(group_size=2, reward_shift=0.0, log2_step=-2.0)
    assert all(np.isfinite(v) for v in r["noise"].values())
    png_bytes(gex.fig)
    gex.reset()


