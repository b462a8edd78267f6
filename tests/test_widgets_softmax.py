"""Tests for chapter 2's explorer and figures (pgcore.widgets.softmax).

The explorer is driven through ``set`` exactly as a slider would drive it, at
the defaults, at the ends of every slider and beyond anything a slider can
reach, and the tests check the numbers it computes and the artists it draws.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pgcore import log_softmax, softmax
from pgcore.plotting import png_bytes
from pgcore.widgets.softmax import (
    SoftmaxExplorer,
    format_table,
    smoothness_figure,
    softmax_explorer,
    temperature_figure,
)

WORKED = np.array([3.0, 2.0, 4.0, 5.0, 1.0])
H_NAMES = ["h1", "h2", "h3", "h4", "h5"]


@pytest.fixture(scope="module")
def ex():
    return SoftmaxExplorer()


@pytest.fixture(autouse=True)
def _back_to_defaults(request):
    yield
    if "ex" in request.fixturenames:
        request.getfixturevalue("ex").reset()


def prefs(h):
    return {n: float(v) for n, v in zip(H_NAMES, h)}


def bar_heights(bars):
    return np.array([b.get_height() for b in bars])


# --------------------------------------------------------------------------
# defaults: the worked table of the chapter
# --------------------------------------------------------------------------
def test_defaults_are_the_worked_table(ex):
    r = ex.result
    np.testing.assert_array_equal(r["preferences"], WORKED)
    assert r["temperature"] == 1.0
    # independent computation: exp(h) / sum exp(h), no max subtraction needed here
    e = np.exp(WORKED)
    np.testing.assert_allclose(r["probs"], e / e.sum(), rtol=1e-14)
    np.testing.assert_array_equal(np.round(r["probs"], 3), [0.086, 0.032, 0.234, 0.636, 0.012])
    np.testing.assert_allclose(r["log_probs"], np.log(e / e.sum()), rtol=1e-13)
    assert r["underflow"] == [] and r["note"] is None and r["message"] is None


def test_defaults_drawn(ex):
    np.testing.assert_allclose(bar_heights(ex.bars), ex.result["probs"])
    np.testing.assert_allclose(bar_heights(ex.log_bars), ex.result["log_probs"])
    labels = [t.get_text() for t in ex.bars._pg_texts]
    assert labels == ["0.086", "0.032", "0.234", "0.636", "0.012"]
    assert [t.get_text() for t in ex.log_texts] == ["-2.45", "-3.45", "-1.45", "-0.45", "-4.45"]
    assert ex.title_text.get_text() == "h = [3, 2, 4, 5, 1],  τ = 1.00"
    assert ex.note_text.get_text() == ""
    assert not ex.message_text.get_visible()


def test_factory_keeps_its_api():
    e = softmax_explorer(h=(1, 2, 3, 4, 5), temperature=2.0)
    assert isinstance(e, SoftmaxExplorer)
    np.testing.assert_allclose(e.result["probs"], softmax(np.arange(1.0, 6.0) / 2.0))
    assert e.values == {"h1": 1.0, "h2": 2.0, "h3": 3.0, "h4": 4.0, "h5": 5.0, "temperature": 2.0}
    assert softmax_explorer(large=True).large is True
    with pytest.raises(TypeError):
        SoftmaxExplorer(h6=1.0)


# --------------------------------------------------------------------------
# the two limits of the temperature slider, and shift invariance
# --------------------------------------------------------------------------
def test_high_temperature_is_nearly_uniform(ex):
    r = ex.set(temperature=100.0)
    assert np.ptp(r["probs"]) < 0.01
    np.testing.assert_allclose(r["probs"], 0.2, atol=0.01)


def test_low_temperature_is_nearly_greedy(ex):
    r = ex.set(temperature=0.01)
    # gap of 1 between A4 and A3: pi(A3) = e^{-100} / (...)
    assert r["probs"][3] == pytest.approx(1.0, abs=1e-40)
    assert r["probs"][2] == pytest.approx(np.exp(-100.0), rel=1e-9)
    np.testing.assert_allclose(r["log_probs"][[0, 1, 2, 4]], [-200.0, -300.0, -100.0, -400.0],
                               rtol=1e-12)
    assert r["underflow"] == []


def test_adding_a_constant_to_every_slider_changes_nothing(ex):
    base = ex.set(**prefs(WORKED))["probs"].copy()
    shifted = ex.set(**prefs(WORKED + 5.0))
    np.testing.assert_allclose(shifted["probs"], base, rtol=1e-12)
    np.testing.assert_allclose(bar_heights(ex.log_bars), np.log(base), rtol=1e-12)


# --------------------------------------------------------------------------
# underflow: the note, and the log panel that stays finite
# --------------------------------------------------------------------------
def test_underflow_note_at_slider_extremes(ex):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ex.set(h1=10.0, h2=-10.0, h3=-10.0, h4=-10.0, h5=-10.0, temperature=0.01)
    # gap 20 / tau 0.01 = 2000 > 745, far beyond the smallest float64 exponent
    assert r["underflow"] == [1, 2, 3, 4]
    np.testing.assert_array_equal(r["probs"], [1.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(r["log_probs"], [0.0, -2000.0, -2000.0, -2000.0, -2000.0])
    assert r["note"].startswith("π(A2) … π(A5) underflow to exactly 0")
    assert ex.note_text.get_text() == r["note"]
    assert [t.get_text() for t in ex.bars._pg_texts] == ["1.000", "0", "0", "0", "0"]
    np.testing.assert_allclose(bar_heights(ex.log_bars), [0.0, -2000.0, -2000.0, -2000.0, -2000.0])
    lo, hi = ex.ax_log.get_ylim()
    assert lo < -2000.0 < 0.0 < hi


def test_underflow_note_names_single_and_scattered_actions(ex):
    r = ex.set(h1=10.0, h2=9.0, h3=9.0, h4=9.0, h5=-10.0, temperature=0.01)
    assert r["underflow"] == [4]
    assert r["note"].startswith("π(A5) underflows to exactly 0")
    r = ex.set(h1=10.0, h2=-10.0, h3=9.0, h4=-10.0, h5=9.0, temperature=0.01)
    assert r["underflow"] == [1, 3]
    assert r["note"].startswith("π(A2) and π(A4) underflow")
    r = ex.set(h1=10.0, h2=-10.0, h3=9.0, h4=-10.0, h5=-10.0, temperature=0.01)
    assert r["note"].startswith("π(A2), π(A4), π(A5) underflow")


def test_tiny_but_nonzero_probabilities_are_labelled_not_zero(ex):
    r = ex.set(h1=10.0, h2=2.0, h3=4.0, h4=5.0, h5=-10.0, temperature=0.01)
    assert r["underflow"] == [1, 4]
    assert 0.0 < r["probs"][3] < 1e-200  # e^{-500}
    assert [t.get_text() for t in ex.bars._pg_texts] == ["1.000", "0", "3e-261", "7e-218", "0"]


def test_note_cleared_when_underflow_ends(ex):
    ex.set(h1=10.0, h2=-10.0, temperature=0.01)
    assert ex.note_text.get_text() != ""
    r = ex.set(temperature=1.0)
    assert r["note"] is None and ex.note_text.get_text() == ""


def test_gap_too_large_even_for_log_probabilities(ex):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ex.set(h1=1e308, h2=-1e308, temperature=1.0)
        png_bytes(ex.fig)
    assert r["probs"][0] == 1.0 and r["underflow"] == [1, 2, 3, 4]
    assert np.isneginf(r["log_probs"][1])
    assert "−inf" in r["note"]
    assert ex.log_texts[1].get_text() == "−inf"
    lo, _ = ex.ax_log.get_ylim()
    assert np.isfinite(lo)


# --------------------------------------------------------------------------
# values no slider can reach: a message on the figure, never an exception
# --------------------------------------------------------------------------
@pytest.mark.parametrize("values", [
    {"temperature": 0.0},
    {"temperature": -1.0},
    {"temperature": float("nan")},
    {"temperature": float("inf")},
    {"h3": float("nan")},
    {"h2": float("inf")},
    {"h5": -float("inf")},
    {"h1": "three"},
    {"temperature": None},
])
def test_invalid_values_give_a_message(ex, values):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = ex.set(**values)
        png_bytes(ex.fig)
    assert isinstance(r["message"], str) and r["message"]
    assert np.isnan(r["probs"]).all()
    assert ex.message_text.get_visible() and ex.message_text.get_text() == r["message"]
    np.testing.assert_array_equal(bar_heights(ex.bars), 0.0)
    # back to valid values: the message goes, the numbers come back
    r = ex.reset()
    assert r["message"] is None and not ex.message_text.get_visible()
    np.testing.assert_allclose(bar_heights(ex.bars), softmax(WORKED))


def test_temperature_message_says_what_is_wrong(ex):
    assert "temperature" in ex.set(temperature=0.0)["message"]
    assert "NaN" in ex.set(temperature=1.0, h3=float("nan"))["message"]


# --------------------------------------------------------------------------
# every reachable slider position
# --------------------------------------------------------------------------
slider = st.floats(min_value=-10.0, max_value=10.0)
tau = st.floats(min_value=0.01, max_value=100.0)


@given(st.lists(slider, min_size=5, max_size=5), tau)
def test_any_slider_position(h, t):
    e = _SHARED
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = e.set(temperature=t, **prefs(h))
    p = r["probs"]
    assert r["message"] is None
    assert np.isfinite(p).all() and (p >= 0).all()
    assert abs(p.sum() - 1.0) < 1e-12
    assert np.isfinite(r["log_probs"]).all()
    np.testing.assert_allclose(r["log_probs"], log_softmax(h, temperature=t), rtol=0, atol=0)
    # order kept: a larger preference never gets a smaller probability
    order = np.argsort(h, kind="stable")
    assert (np.diff(p[order]) >= 0).all()
    assert r["underflow"] == [int(i) for i in np.flatnonzero(p == 0.0)]
    assert (r["note"] is None) == (not r["underflow"])
    np.testing.assert_allclose(bar_heights(e.bars), p)


_SHARED = SoftmaxExplorer()


# --------------------------------------------------------------------------
# controls (no front end needed) and speed
# --------------------------------------------------------------------------
def test_controls_drive_the_explorer():
    e = SoftmaxExplorer()
    box = e.widget()
    ctl = e._controls
    assert list(ctl) == H_NAMES + ["temperature"]
    assert (ctl["h1"].min, ctl["h1"].max) == (-10, 10)
    assert ctl["temperature"].min == -2 and ctl["temperature"].max == 2  # 10^-2 .. 10^2
    assert ctl["h4"].value == 5.0 and ctl["temperature"].value == pytest.approx(1.0)
    ctl["h1"].value = 9.0  # as if the reader moved the slider
    assert e.values["h1"] == 9.0
    np.testing.assert_allclose(e.result["probs"], softmax([9.0, 2.0, 4.0, 5.0, 1.0]))
    e.set(h2=-3.0)  # and set() moves the slider
    assert ctl["h2"].value == -3.0
    box.children[-1].click()  # the reset button
    np.testing.assert_allclose(e.result["probs"], softmax(WORKED))
    assert ctl["h1"].value == 3.0


def test_large_mode_controls_are_wide():
    e = SoftmaxExplorer(large=True)
    box = e.widget()
    assert "pg-large" in box._dom_classes
    # every control has a fixed width, in px, that a box cannot squeeze (pgcore.widgets._base.fix_control_width)
    controls = list(e._controls.values())
    assert controls and all(w.layout.width.endswith("px") and w.layout.width == w.layout.min_width
                            and int(w.layout.width[:-2]) >= 640 for w in controls)
    w_small, h_small = SoftmaxExplorer().fig.get_size_inches()
    w_large, h_large = e.fig.get_size_inches()
    assert w_large == pytest.approx(1.6 * w_small) and h_large == pytest.approx(1.6 * h_small)


# --------------------------------------------------------------------------
# the chapter's static figures and table
# --------------------------------------------------------------------------
def test_temperature_figure_lines_are_softmax():
    taus = np.logspace(-2, 2, 41)
    fig = temperature_figure(WORKED, temperatures=taus)
    ax = fig.axes[0]
    lines = [ln for ln in ax.get_lines() if ln.get_label().startswith("A")]
    assert [ln.get_label() for ln in lines] == ["A1 (h = 3)", "A2 (h = 2)", "A3 (h = 4)",
                                                "A4 (h = 5)", "A5 (h = 1)"]
    y = np.array([ln.get_ydata() for ln in lines]).T
    for t, row in zip(taus, y):
        np.testing.assert_allclose(row, softmax(WORKED, temperature=t), rtol=1e-12)
    np.testing.assert_allclose(y[0], [0, 0, 0, 1, 0], atol=1e-40)  # tau = 0.01: greedy
    np.testing.assert_allclose(y[-1], 0.2, atol=0.01)  # tau = 100: nearly uniform
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() and ax.get_ylabel()
    assert png_bytes(fig)[:4] == b"\x89PNG"


def test_smoothness_figure_lines():
    fig = smoothness_figure(epsilon=0.1)
    ax = fig.axes[0]
    soft, eps = ax.get_lines()[:2]
    x = soft.get_xdata()
    np.testing.assert_allclose(soft.get_ydata(), 1.0 / (1.0 + np.exp(-x)), rtol=1e-12)
    levels = set(np.round(eps.get_ydata(), 12))
    assert levels == {0.05, 0.5, 0.95}  # 0.5 only where the two estimates tie
    np.testing.assert_allclose(eps.get_ydata()[x < 0], 0.05, rtol=1e-12)
    np.testing.assert_allclose(eps.get_ydata()[x > 0], 0.95, rtol=1e-12)
    assert len(ax.get_legend().get_texts()) == 2
    assert png_bytes(fig)[:4] == b"\x89PNG"


def test_format_table():
    text = format_table([[0.5, 0.25], [1.0, 0.0]], ["s0", "s1"], ["A1", "A2"], digits=2,
                        corner="s\\a")
    assert text.splitlines() == ["s\\a    A1    A2", "s0   0.50  0.25", "s1   1.00  0.00"]
