"""Layout rules of every explorer: fixed control widths, disabled controls, readable figures.

* Every slider has a fixed label width and a total width (also its minimum)
  that leaves the track :data:`CONTROL_WIDTHS` ``["track"]`` pixels, and its
  description fits its label (measured with matplotlib's font metrics at the
  controls' font size, with a margin for the browser's font).
* A control that does nothing in the current state is disabled, and moving it
  does not recompute (chapter 8's baseline step size while the baseline is off).
* At the normal size, every text of a figure is at least ``MIN_FONT_PX`` pixels
  tall once the image is scaled to the book's column width; axis labels that
  name math use mathtext (no literal ``_`` outside ``$...$``).
* Chapter 3's labels are not struck by the slider's dotted line.
"""

import re

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import ipywidgets as W  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.text import Text  # noqa: E402
from matplotlib.textpath import TextToPath  # noqa: E402

import pgcore.widgets as pw  # noqa: E402
from pgcore.plotting import png_bytes  # noqa: E402
from pgcore.widgets._base import CONTROL_WIDTHS, fix_control_width  # noqa: E402

#: The book's text column on a desktop (sphinx-book-theme in a 1280 px window):
#: a wider PNG is scaled down to it.
COLUMN_PX = 757
MIN_FONT_PX = 9.0
#: ipywidgets' font size, normal (--jp-widgets-font-size) and large (.pg-large)
CONTROL_FONT_PX = {False: 13, True: 20}
SLIDERS = (W.FloatSlider, W.IntSlider, W.FloatLogSlider)

# The cheap explorers; the two that run a study are built once below.
FAST = ["SoftmaxExplorer", "EpsilonGreedyExplorer", "PerformanceExplorer", "AscentExplorer",
        "TheoremExplorer"]
SLOW = ["ReinforceExplorer", "GroupExplorer"]


@pytest.fixture(scope="module")
def explorers():
    return {name: getattr(pw, name)() for name in FAST + SLOW}


def _text_px(text, size_px):
    width, _, _ = TextToPath().get_text_width_height_descent(text, FontProperties(size=size_px),
                                                             ismath=False)
    return width


@pytest.mark.parametrize("large", [False, True])
@pytest.mark.parametrize("name", FAST + SLOW)
def test_every_slider_has_fixed_widths(explorers, name, large):
    ex = explorers[name]
    ex.large, ex._controls = large, None  # rebuild the controls at this size
    box = ex.widget()
    dims = CONTROL_WIDTHS[large]
    controls = list(ex._controls.values())
    assert controls and all(w in box.children for w in controls)
    for w in controls:
        assert w.style.description_width == f"{dims['label']}px", (name, w.description)
        assert w.layout.width and w.layout.width == w.layout.min_width, (name, w.description)
        total = int(w.layout.width.removesuffix("px"))
        if isinstance(w, SLIDERS):
            assert total - dims["label"] - dims["readout"] >= dims["track"], (name, w.description)
        # the description fits its label, with 10% to spare for the browser's font
        needed = 1.1 * _text_px(w.description, CONTROL_FONT_PX[large])
        assert needed <= dims["label"], f"{name}: {w.description!r} needs {needed:.0f} px"
    ex.large, ex._controls = False, None


def test_baseline_step_is_disabled_and_inert_while_the_baseline_is_off(explorers):
    ex = explorers["ReinforceExplorer"]
    ex._controls = None
    ex.set(**ex.initial)
    ex.widget()
    step, baseline = ex._controls["log2_baseline_step"], ex._controls["baseline"]
    assert ex.values["baseline"] is False
    assert step.disabled and not baseline.disabled and not ex._controls["log2_step"].disabled

    calls = []
    compute = ex.compute
    ex.compute = lambda **v: calls.append(v) or compute(**v)
    try:
        step.value = -4.0  # moved while it does nothing: remembered, not recomputed
        assert calls == [] and ex.values["log2_baseline_step"] == -4.0
        baseline.value = True  # now it matters: one study, with the remembered step
        assert len(calls) == 1 and calls[0]["log2_baseline_step"] == -4.0
        assert not step.disabled
        step.value = -5.0
        assert len(calls) == 2
        baseline.value = False
        assert step.disabled
    finally:
        ex.compute = compute
        ex.reset()


@pytest.mark.parametrize("name", FAST + SLOW)
def test_no_explorer_has_other_inactive_controls(explorers, name):
    ex = explorers[name]
    if name == "ReinforceExplorer":
        pytest.skip("tested above")
    assert ex.inactive_controls(ex.values) == set()


def _texts(fig):
    png_bytes(fig)  # lays out and draws, so every text has its extent
    return [t for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and t.get_window_extent().width > 0]


@pytest.mark.parametrize("name", FAST + SLOW)
def test_figure_text_is_readable_at_the_column_width(explorers, name):
    fig = explorers[name].fig
    scale = min(1.0, COLUMN_PX / (fig.get_figwidth() * fig.dpi))
    small = [(round(t.get_fontsize() * fig.dpi / 72 * scale, 1), t.get_text()) for t in _texts(fig)
             if t.get_fontsize() * fig.dpi / 72 * scale < MIN_FONT_PX]
    assert not small, f"{name}: text below {MIN_FONT_PX} px at {COLUMN_PX} px: {small[:5]}"


@pytest.mark.parametrize("name", FAST + SLOW)
def test_math_labels_use_mathtext(explorers, name):
    fig = explorers[name].fig
    labels = [ax.get_xlabel() for ax in fig.axes] + [ax.get_ylabel() for ax in fig.axes]
    literal = [s for s in labels if "_" in re.sub(r"\$[^$]*\$", "", s)]
    assert not literal, f"{name}: a literal underscore in {literal}"


def test_chapter3_labels_are_not_struck_by_the_dotted_line(explorers):
    ex = explorers["PerformanceExplorer"]
    ax = ex.ax_j
    labels = [t for t in ax.texts if t.get_text().startswith(("ε-greedy", "best"))]
    assert len(labels) == 2
    for p in np.linspace(0.0, 1.0, 101):
        ex.set(p=float(p))
        png_bytes(ex.fig)
        line = ex.vline.get_window_extent()
        for t in labels:
            box = t.get_window_extent()
            hit = box.x0 <= line.x0 <= box.x1
            if hit:  # the line passes behind an opaque box, never through the text
                patch = t.get_bbox_patch()
                assert patch is not None and patch.get_facecolor()[3] >= 0.85
                assert t.get_zorder() > ex.vline.get_zorder()
    ex.reset()
    png_bytes(ex.fig)
    line = ex.vline.get_window_extent()
    for t in labels:  # at the starting p = 0.8 no label meets the line at all
        box = t.get_window_extent()
        assert not box.x0 - 2 <= line.x0 <= box.x1 + 2, t.get_text()
    # nor the curve J(p): none of its points falls inside a label
    curve = ax.lines[0]
    xy = ax.transData.transform(curve.get_xydata())
    for t in labels:
        box = t.get_window_extent()
        inside = ((xy[:, 0] > box.x0) & (xy[:, 0] < box.x1) & (xy[:, 1] > box.y0) & (xy[:, 1] < box.y1))
        assert not inside.any(), t.get_text()


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large"])
def test_toggle_buttons_are_as_wide_as_their_labels(large):
    w = fix_control_width(W.ToggleButtons(options=["true", "flawed: units digit only"],
                                             description="verifier"), large)
    assert w.style.button_width == "auto"
    dims = CONTROL_WIDTHS[large]
    assert w.layout.width == w.layout.min_width == f"{dims['label'] + dims['track'] + dims['readout'] + 16}px"
