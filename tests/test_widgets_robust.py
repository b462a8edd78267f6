"""Issue 10: explorers clamp or refuse values past their sliders, and bound their work without the C kernel."""

from __future__ import annotations

import math
import time

import matplotlib
import pytest

matplotlib.use("Agg")

from pgcore.widgets.action_values import EpsilonGreedyExplorer  # noqa: E402
from pgcore.widgets.algorithms import GroupExplorer, ReinforceExplorer  # noqa: E402
from pgcore.widgets.ascent import AscentExplorer  # noqa: E402


@pytest.fixture(scope="module")
def reinforce_ex():
    return ReinforceExplorer()


@pytest.mark.parametrize("value, used", [(1e6, -6.0), (-1e6, -16.0)])
def test_reinforce_log2_step_far_outside_is_clamped(reinforce_ex, value, used):
    r = reinforce_ex.set(log2_step=value)
    assert reinforce_ex.values["log2_step"] == used
    assert math.isclose(r["alpha"], 2.0 ** used)
    assert "outside [-16, -6]" in r["input_note"]
    assert reinforce_ex._input_note_text.get_visible()
    assert "log2_step" in reinforce_ex._input_note_text.get_text()


def test_reinforce_nan_keeps_the_previous_value(reinforce_ex):
    reinforce_ex.set(log2_step=-12.0)
    r = reinforce_ex.set(log2_step=float("nan"))
    assert reinforce_ex.values["log2_step"] == -12.0
    assert "not a number" in r["input_note"]
    r = reinforce_ex.set(log2_step=-11.0)  # a valid value hides the note again
    assert r["input_note"] == ""
    assert not reinforce_ex._input_note_text.get_visible()


def test_epsilon_tiny_is_drawn_with_a_message():
    ex = EpsilonGreedyExplorer()
    r = ex.set(epsilon=1e-320)
    assert r["message"] and "float range" in r["message"]


def test_group_size_nan_and_huge():
    ex = GroupExplorer()
    r = ex.set(group_size=float("nan"))
    assert ex.values["group_size"] == 8 and "not a number" in r["input_note"]
    t0 = time.perf_counter()
    r = ex.set(group_size=10**6)
    assert ex.values["group_size"] == 64 and "outside [1, 64]" in r["input_note"]
    assert time.perf_counter() - t0 < 20  # was > 60 s


def test_ascent_n_steps_huge_is_clamped():
    ex = AscentExplorer()
    t0 = time.perf_counter()
    r = ex.set(n_steps=1e6)
    assert ex.values["n_steps"] == 200 and "using 200" in r["input_note"]
    assert time.perf_counter() - t0 < 20


def test_wrong_kinds_are_refused_not_raised():
    ex = GroupExplorer()
    r = ex.set(reward_shift="big", log2_step=None)
    assert ex.values["reward_shift"] == 0.0 and ex.values["log2_step"] == 1.0
    assert "reward_shift = 'big' is not a number" in r["input_note"]
    assert "log2_step = None" in r["input_note"]


def test_numpy_fallback_update_is_bounded(monkeypatch):
    monkeypatch.setenv("PGCORE_KERNEL", "numpy")
    ex = ReinforceExplorer(log2_step=-13.0)
    for kw in ({"log2_step": -6.0}, {"log2_step": -6.0, "baseline": True}):
        t0 = time.perf_counter()
        r = ex.set(**kw)
        seconds = time.perf_counter() - t0
        assert r["backend"] == "numpy"
        assert "numpy fallback" in r["message"] and "budget" in r["message"]
        assert 1 <= r["n_episodes_done"] < ex.n_episodes
        # the budget is 0.7 s of study plus one piece and the drawing; generous for a loaded machine
        assert seconds < 15, seconds
        assert r["returns"].shape == (ex.numpy_runs, ex.n_episodes)
