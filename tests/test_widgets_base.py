"""The Explorer base class: the kernel note, Voila mode and the presentation size."""

import numpy as np
import pytest

pytest.importorskip("ipywidgets")
import ipywidgets as W  # noqa: E402

from pgcore.plotting import new_figure  # noqa: E402
from pgcore.widgets._base import KERNEL_NOTE, Explorer  # noqa: E402


class Line(Explorer):
    """y = a x on a fixed grid: the smallest explorer."""

    defaults = {"a": 1.0}

    def make_figure(self):
        fig, ax = new_figure(large=self.large)
        (self.line,) = ax.plot([0, 1], [0, 1])
        self.title = ax.set_title("", fontsize="small")
        return fig

    def make_controls(self):
        return {"a": W.FloatSlider(min=-2, max=2, step=0.1, description="a")}

    def compute(self, a):
        return {"y": np.array([0.0, a])}

    def draw(self, result):
        self.line.set_ydata(result["y"])
        self.title.set_text(f"a = {result['y'][1]:g}")


class Handle:
    """Stands for IPython's DisplayHandle: records its updates."""

    def __init__(self):
        self.updates = []

    def update(self, obj, **kwargs):
        self.updates.append((obj, kwargs))


@pytest.fixture
def shown(monkeypatch):
    """What _ipython_display_ displays, as (object, kwargs, handle) triples."""
    calls = []

    def fake_display(obj, **kwargs):
        handle = Handle() if kwargs.get("display_id") else None
        calls.append((obj, kwargs, handle))
        return handle

    monkeypatch.setattr("IPython.display.display", fake_display)
    for name in ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_SERVER_URL"):
        monkeypatch.delenv(name, raising=False)
    return calls


def _notes(calls):
    return [c for c in calls if isinstance(c[0], dict) and "text/html" in c[0]]


def test_note_follows_the_controls_once_per_explorer(shown):
    ex = Line()
    ex._ipython_display_()
    assert isinstance(shown[0][0], W.VBox)  # the controls, then the note, then the figure
    assert shown[1] is _notes(shown)[0]
    (note, kw, _), = _notes(shown)
    assert "running Python kernel" in note["text/html"] and "launch button" in note["text/html"]
    assert note["text/plain"] == f"({KERNEL_NOTE})" and kw["raw"] and kw["display_id"]
    ex._ipython_display_()  # shown again: no second note
    assert len(_notes(shown)) == 1


def test_note_is_blanked_when_a_front_end_renders_the_controls(shown):
    ex = Line()
    ex._ipython_display_()
    box = shown[0][0]
    (_, _, handle), = _notes(shown)
    assert box._view_count == 0  # the front end is asked to count its views
    box._view_count = 1  # ... as JupyterLab does once the view is on screen
    assert handle.updates == [({"text/html": "", "text/plain": ""}, {"raw": True})]
    box._view_count = 2
    assert len(handle.updates) == 1


def test_voila_gets_an_image_widget_and_no_note(shown, monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "abc")
    ex = Line()
    ex._ipython_display_()
    assert not _notes(shown)
    (outer, _, _), = shown
    *_, controls, image = outer.children  # (the demo's CSS,) controls, figure
    assert isinstance(image, W.Image) and image.value[:4] == b"\x89PNG"
    before = image.value
    ex.set(a=-1.5)
    assert image.value != before  # the controls redraw the image widget


def test_large_mode_scales_text_made_after_the_figure():
    small, large = Line(), Line(large=True)
    ratio = large.title.get_fontsize() / small.title.get_fontsize()
    assert ratio > 1.4
    box = large.widget()
    assert "pg-large" in box._dom_classes
    assert isinstance(box.children[-1], W.Button)  # the reset button stays last
    assert any(isinstance(w, W.HTML) and "--jp-widgets-font-size" in w.value for w in box.children)
    slider = box.children[0]
    assert slider.layout.width == slider.layout.min_width  # fixed, see test_widgets_layout.py
