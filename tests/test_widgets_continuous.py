"""The chapter 11 explorer: exact values, clamping, the flat-gradient message, bounded time."""

import numpy as np
import pytest

from pgcore import gaussian as gs
from pgcore.widgets.continuous import GaussianExplorer, plot_gaussian_training, plot_variance_vs_sigma


def test_explorer_shows_the_exact_gradient():
    ex = GaussianExplorer()
    task = gs.line_task(states=(0.0,), slope=0.0, intercept=2.0)
    for mean, log_std in [(0.0, 0.0), (3.1, -1.2), (-2.0, 1.0)]:
        r = ex.set(mean=mean, log_std=log_std, reward="quadratic")
        g = task.gradient([mean, 0.0, log_std])
        assert np.allclose(r["grad"], g[[0, 2]])
        assert r["J"] == pytest.approx(float(task.objective([mean, 0.0, log_std])))
        assert not r["message"]


def test_flat_bump_gets_a_message_and_no_arrow():
    ex = GaussianExplorer()
    r = ex.set(reward="bump", mean=-3.0, log_std=-3.0)
    assert r["message"] and ex.arrow is None
    r = ex.set(mean=1.0, log_std=0.0)
    assert not r["message"] and ex.arrow is not None


@pytest.mark.parametrize("values", [dict(mean=1e9), dict(log_std=-1e6), dict(log_std=1e6), dict(mean=-np.inf)])
def test_out_of_range_values_are_clamped(values):
    r = GaussianExplorer().set(**values)
    assert np.isfinite(r["J"]) and np.all(np.isfinite(r["grad"]))


def test_unknown_reward_is_a_message():
    r = GaussianExplorer().set(reward="cubic")
    assert "reward" in r["message"]


def test_update_is_fast():
    ex = GaussianExplorer()
    times = []
    for m in np.linspace(-2, 4, 12):
        ex.set(mean=float(m))
        times.append(ex.last_update_ms)
    assert np.median(times) < 1000  # generous: the benchmark measures it (about 20 ms)


def test_plots_draw():
    task = gs.line_task()
    res = {"x": task.train([0, 0, 0], 0.01, 5, batch_size=4, n_runs=3, seed=0)}
    assert len(plot_gaussian_training(res, J_star=0.0).axes) == 2
    assert len(plot_variance_vs_sigma([0.0, -1.0], {"none": [1.0, 2.0]}).axes) == 1
