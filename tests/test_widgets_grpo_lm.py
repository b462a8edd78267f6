"""Tests for pgcore.widgets.grpo_lm: the chapter-13 explorer's update logic and figures."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from pgcore import grpo_lm as gl, tiny_lm as lm  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets import grpo_lm as wg  # noqa: E402


class Small(wg.GrpoLMExplorer):
    n_iters = 4
    n_prompts = 4
    eval_every = 2


@pytest.fixture(scope="module")
def setup():
    task = gl.addition_task(n_test=200)
    p, _ = gl.pretrain(task, target=0.02, max_steps=200, hidden=32, seed=0)
    return task, p


def test_explorer_result_is_the_library_run(setup):
    task, p = setup
    ex = Small(task, p)
    r = ex.result
    lib = gl.train_lm(task, p, "grpo", n_iters=4, n_prompts=4, group_size=8, beta=0.04, clip=0.2,
                      length_norm="sequence", verifier="true", eval_every=2, seed=Small.seed)
    np.testing.assert_allclose(r["accuracy"], lib.accuracy)
    np.testing.assert_allclose(r["kl"], lib.kl)
    assert r["final"] == lib.accuracy[-1]
    assert png_bytes(ex.fig)[:8] == b"\x89PNG\r\n\x1a\n"
    # the figure shows what was computed
    np.testing.assert_allclose(ex.l_true.get_ydata(), r["accuracy"])
    np.testing.assert_allclose(ex.l_flaw.get_ydata(), r["flawed"])


@pytest.mark.parametrize("values", [
    {"group_size": 2}, {"group_size": 16, "beta": 0.0}, {"clip": 1.0, "beta": 0.5},
    {"length_norm": "constant", "verifier": "units"}, {"length_norm": "bogus", "verifier": "bogus"},
])
def test_explorer_extremes_never_raise(setup, values):
    task, p = setup
    ex = Small(task, p)
    r = ex.set(**values)
    assert np.isfinite(r["accuracy"]).all() and np.isfinite(r["kl"]).all()
    if values.get("verifier") == "units":
        assert r["verifier"] == "units"
    if values.get("verifier") == "bogus":
        assert r["verifier"] == "true" and r["length_norm"] == "sequence"


def test_explorer_settings_change_the_run(setup):
    task, p = setup
    ex = Small(task, p)
    a = ex.result["flawed"].copy()
    b = ex.set(verifier="units")["flawed"]
    assert not np.allclose(a, b)
    assert ex.set(group_size=3)["G"] == 3


def test_explorer_rejects_a_wrong_task(setup):
    _, p = setup
    with pytest.raises(TypeError, match="AdditionTask"):
        wg.GrpoLMExplorer("addition", p)


def test_plot_runs(setup):
    task, p = setup
    res = [gl.train_lm(task, p, "grpo", n_iters=2, n_prompts=2, group_size=2, eval_every=1, seed=s)
           for s in range(2)]
    fig = wg.plot_runs({"a": res}, "accuracy", baseline=0.1)
    y = fig.axes[0].lines[0].get_ydata()
    np.testing.assert_allclose(y, np.mean([r.accuracy for r in res], axis=0))
    fig2 = wg.plot_runs({"a": res}, "kl")
    assert png_bytes(fig2)[:4] == b"\x89PNG"


def test_plot_runs_band_is_the_t_interval_cut_at_zero(setup):
    task, p = setup
    res = [gl.train_lm(task, p, "grpo", n_iters=2, n_prompts=2, group_size=2, eval_every=1, seed=s)
           for s in range(3)]
    fig = wg.plot_runs({"a": res}, "kl")
    band = fig.axes[0].collections[0]
    verts = np.concatenate([path.vertices for path in band.get_paths()])
    kl = np.array([r.kl for r in res])
    m, s = kl.mean(axis=0), kl.std(axis=0, ddof=1)
    upper = m + 4.302652729749464 * s / np.sqrt(3)     # t_{0.975, 2}, not 1.96
    assert verts[:, 1].min() >= 0.0                      # a KL band never below 0
    assert verts[:, 1].max() == pytest.approx(upper.max())


def test_plot_length_bias_draws_the_two_exact_curves():
    from pgcore import grpo
    res = {"1/|o|": grpo.length_bias_toy("sequence", n_steps=20), "1/L": grpo.length_bias_toy("constant", n_steps=20)}
    fig = wg.plot_length_bias(res)
    ax1, ax2 = fig.axes
    np.testing.assert_allclose(ax1.lines[0].get_ydata(), res["1/|o|"].p_right)
    np.testing.assert_allclose(ax2.lines[1].get_ydata(), res["1/L"].wrong_length)
    assert png_bytes(fig)[:4] == b"\x89PNG"
