"""The shared machinery of the book's interactive figures.

Every explorer follows one pattern (after clawpack/riemann_book):

* ``compute(**values)`` is pure: it calls pgcore's math and returns a dict of
  numbers. It never raises for values a control can reach; when the math
  refuses (a diverging ascent, an episode that never ends), the dict holds a
  ``"message"`` instead, which ``draw`` shows on the figure.
* ``draw(result)`` changes the artists of a figure made once.
* ``set(**values)`` runs both and redraws; tests call it directly with any
  control values, no front end needed.

In a notebook the explorer is the cell's value: ``softmax_explorer()``
displays its controls and a plain PNG of the figure, which the static book
shows too, and which the controls redraw in place in a live kernel. Between
them, a one-line note says that the controls need a running kernel and points
to the launch buttons. A front end that renders the controls live (JupyterLab,
Colab) reports its view back to the kernel (``_view_count``), which then blanks
the note, so only the static web page keeps it.

Voila does not apply display updates (voila-dashboards/voila#498): there the
figure is an ``ipywidgets.Image`` under the controls instead, which the
controls redraw, and there is no note.

``large=True`` is the classroom presentation: a 1.6 times larger figure with
bigger fonts (:func:`pgcore.plotting.new_figure`) and wide controls in a
larger font.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import os
import time

from ..plotting import STYLE, LiveFigure, png_bytes

__all__ = ["Explorer", "KERNEL_NOTE", "CONTROL_WIDTHS", "fix_control_width", "in_voila"]


def in_voila():
    """True in a kernel started by Voila (it sets these variables in the kernel's environment)."""
    return any(k in os.environ for k in ("VOILA_KERNEL_ID", "VOILA_BASE_URL", "VOILA_SERVER_URL"))


#: Shown once under each explorer's controls; blanked where they are live.
KERNEL_NOTE = ("These controls need a running Python kernel: use the launch button "
               "(the rocket at the top of the page) to open this notebook in Binder or Colab.")

_NOTE_HTML = ('<p class="pg-kernel-note" style="margin:0.2em 0 0.4em; font-size:0.85em; '
              'color:#555;">These controls need a running Python kernel: use the '
              'launch button (the rocket <i class="fas fa-rocket" aria-hidden="true"></i> at '
              'the top of the page) to open this notebook in Binder or Colab.</p>')

#: Fixed widths (px) of every control's parts, at the normal and the
#: presentation (``large=True``) size: the description label, the slider's
#: track and its readout. A slider's total width is their sum, so a long
#: description can no longer squeeze the track (ipywidgets gives a slider
#: 300 px in all, and ``description_width="initial"`` let a 32-character
#: label leave the track 5 px).
CONTROL_WIDTHS = {
    False: {"label": 240, "track": 300, "readout": 72},
    True: {"label": 350, "track": 420, "readout": 110},
}
_SLIDER_PAD = 16  # the slider's own margins around the track, px

# Presentation mode: the ipywidgets CSS variables, overridden inside .pg-large.
_LARGE_CSS = """<style>
.pg-large {
  --jp-widgets-font-size: 20px;
  --jp-widgets-inline-height: 38px;
  --jp-widgets-slider-handle-size: 22px;
  --jp-widgets-slider-track-thickness: 6px;
  font-size: 20px;
}
.pg-large .widget-readout, .pg-large .widget-label, .pg-large select,
.pg-large button { font-size: 20px; }
.pg-large .widget-readout { min-width: 90px; }
</style>"""

# Around an explorer shown in Voila (controls, then the figure as an image
# widget): the box is at most one window tall; the controls keep their full
# height (flex-shrink 0: they were clipped before) and the figure gives up
# height instead, scaled with its aspect kept, and is never stretched past its
# pixel size, so that controls plus figure fit the window without scrolling.
_DEMO_CSS = """<style>
.pg-demo { max-height: calc(100vh - 24px); }
.pg-demo > .widget-box, .pg-demo > .widget-html { flex: 0 0 auto; }
.pg-demo > .widget-image { flex: 0 1 auto; min-height: 0; max-width: 100%;
  width: auto; height: auto; object-fit: contain; object-position: left top;
  align-self: flex-start; }
</style>"""


def fix_control_width(w, large=False):
    """Give a control the fixed widths of :data:`CONTROL_WIDTHS`; returns ``w``.

    A slider gets its description label, track and readout widths and a total
    width that is their sum (also its minimum, so a box cannot squeeze it); a
    dropdown or a checkbox lines up with the sliders' tracks.
    """
    import ipywidgets as W

    dims = CONTROL_WIDTHS[bool(large)]
    w.style.description_width = f"{dims['label']}px"
    if isinstance(w, (W.FloatSlider, W.IntSlider, W.FloatLogSlider, W.FloatRangeSlider,
                      W.IntRangeSlider, W.SelectionSlider)):
        total = dims["label"] + dims["track"] + dims["readout"] + _SLIDER_PAD
    elif isinstance(w, W.ToggleButtons):
        # buttons as wide as their labels (ipywidgets' fixed button width cut "flawed: units
        # digit only" to "flawed: unit..."), with the room a slider's track and readout take
        w.style.button_width = "auto"
        total = dims["label"] + dims["track"] + dims["readout"] + _SLIDER_PAD
    else:
        total = dims["label"] + dims["track"]
    w.layout.width = w.layout.min_width = f"{total}px"
    return w


class Explorer:
    """Base class: controls, a figure, and a pure update function.

    Subclasses set ``defaults`` (control name -> value) and implement
    :meth:`make_controls`, :meth:`make_figure`, :meth:`compute` and :meth:`draw`.
    """

    title = ""

    #: control name -> (lowest, highest, kind) with kind "int" or "float": the
    #: range of its slider. :meth:`set` clamps a value outside it (a caller can
    #: pass any number) and keeps the previous value for one that is not a
    #: number at all, and says so on the figure.
    limits: dict = {}

    def __init__(self, large=False, **values):
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; known: {sorted(self.defaults)}")
        self.large = bool(large)
        self.initial = {**self.defaults, **values}
        self.values = dict(self.initial)
        with self._style():
            self.fig = self.make_figure()
        self.live = LiveFigure(self.fig)
        self.result = None
        self.last_update_ms = None
        self._controls = None
        self._note_shown = False
        self._image = None  # the figure as an ipywidgets.Image (Voila only)
        self.set(**self.values)

    # -- to implement ----------------------------------------------------
    defaults: dict = {}

    def make_figure(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def make_controls(self):  # pragma: no cover - abstract
        """Return a dict: control name -> ipywidgets value widget."""
        raise NotImplementedError

    def compute(self, **values):  # pragma: no cover - abstract
        raise NotImplementedError

    def draw(self, result):  # pragma: no cover - abstract
        raise NotImplementedError

    # -- shared behaviour --------------------------------------------------
    def _style(self):
        """In large mode, the presentation style while artists are made and changed.

        :func:`pgcore.plotting.new_figure` scales the fonts of the axes it makes,
        but a relative font size given later (``set_title(..., fontsize="small")``,
        a legend, an annotation) is turned into points when the artist is made,
        from the rcParams in force then: this context makes those scale too.
        The normal size keeps the figures exactly as their chapters draw them.
        """
        if not self.large:
            return contextlib.nullcontext()
        import matplotlib as mpl

        style = dict(STYLE)
        for key in ("font.size", "axes.titlesize", "axes.labelsize"):
            style[key] = style[key] * 1.5  # as new_figure(large=True)
        return mpl.rc_context(style)

    def set(self, **values):
        """Change control values, recompute and redraw; returns the result dict."""
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}")
        t0 = time.perf_counter()
        values, notes = self._clean(values)
        self.values.update(values)
        with self._style():
            self.result = self.compute(**self.values)
            self.draw(self.result)
            self._show_input_note(notes)
        self.result["input_note"] = "; ".join(notes)
        self.live.refresh()
        if self._image is not None:
            self._image.value = png_bytes(self.fig)
        self.last_update_ms = 1000 * (time.perf_counter() - t0)
        if self._controls is not None:
            for name, value in values.items():
                w = self._controls[name]
                if w.value != value:
                    with w.hold_trait_notifications():
                        self._syncing = True
                        try:
                            w.value = value
                        finally:
                            self._syncing = False
        return self.result

    def _clean(self, values):
        """Clamp values outside their control's range; refuse what is not a number.

        Returns the cleaned values and one note per value that was changed.
        """
        cleaned, notes = {}, []
        for name, value in values.items():
            if name not in self.limits:
                cleaned[name] = value
                continue
            lo, hi, kind = self.limits[name]
            old = self.values.get(name, self.defaults[name])
            number = isinstance(value, numbers.Real) and not isinstance(value, bool)
            if not number or math.isnan(float(value)):
                notes.append(f"{name} = {value!r} is not a number; kept {old!r}")
                cleaned[name] = old
                continue
            x = min(max(float(value), lo), hi)
            if kind == "int":
                x = int(round(x))
            if x != float(value):
                notes.append(f"{name} = {value!r} is outside [{lo:g}, {hi:g}]; using {x:g}")
            cleaned[name] = x
        return cleaned, notes

    def _show_input_note(self, notes):
        """A line at the bottom left of the figure saying which values were clamped or refused."""
        artist = getattr(self, "_input_note_text", None)
        if artist is None:
            if not notes:
                return
            artist = self._input_note_text = self.fig.text(
                0.005, 0.005, "", ha="left", va="bottom", fontsize="small", color="#D55E00",
                bbox={"facecolor": "white", "edgecolor": "#D55E00", "alpha": 0.9})
        artist.set_text("; ".join(notes))
        artist.set_visible(bool(notes))

    def reset(self):
        """Back to the values the explorer was created with."""
        return self.set(**self.initial)

    def inactive_controls(self, values):
        """Names of the controls that do nothing at these control ``values``.

        They are shown disabled, and moving one does not recompute (e.g. the
        baseline's step size while the baseline is off). None by default.
        """
        return set()

    def _sync_disabled(self):
        if self._controls is None:
            return
        off = self.inactive_controls(self.values)
        for name, w in self._controls.items():
            w.disabled = name in off

    def widget(self):
        """The controls (with a reset button) as one ipywidgets box.

        Every control gets the fixed widths of :data:`CONTROL_WIDTHS` (see
        :func:`fix_control_width`), and the controls that do nothing in the
        current state are disabled.
        """
        import ipywidgets as W

        if self._controls is None:
            self._controls = self.make_controls()
            self._syncing = False
            for name, w in self._controls.items():
                w.value = self.values[name]
                fix_control_width(w, self.large)
                w.observe(self._on_change(name), names="value")
            self._sync_disabled()
        reset = W.Button(description="Reset", icon="undo", tooltip="back to the starting values")

        def on_reset(_b):
            self.reset()
            self._sync_disabled()

        reset.on_click(on_reset)
        children = list(self._controls.values())
        if self.large:
            # The CSS travels inside the widgets, so it works wherever they render
            # (JupyterLab, Voila, the book's saved widget state); the reset
            # button stays the last child.
            children.append(W.HTML(_LARGE_CSS, layout=W.Layout(height="0px", margin="0px")))
            reset.style.font_size = "20px"
            reset.layout.height = "38px"
        children.append(reset)
        if self.large:
            # Wide screens take the controls two (or more) to a row: a projector's
            # height is the scarce dimension.
            for w in self._controls.values():
                w.layout.margin = "2px 24px 2px 0px"
            box = W.Box(children, layout=W.Layout(display="flex", flex_flow="row wrap",
                                                  align_items="center"))
            box.add_class("pg-large")
        else:
            box = W.VBox(children)
        return box

    def _on_change(self, name):
        def handler(change):
            if getattr(self, "_syncing", False):
                return
            new = {**self.values, name: change["new"]}
            if name in self.inactive_controls(new):
                # does nothing in this state: remember it, but do not recompute
                self.values[name] = change["new"]
                return
            self.set(**{name: change["new"]})
            self._sync_disabled()
        return handler

    def _ipython_display_(self):
        from IPython.display import display

        if in_voila():
            import ipywidgets as W

            if self._image is None:
                self._image = W.Image(value=png_bytes(self.fig), format="png")
                self._image.add_class("pg-figure")
            box = W.VBox([W.HTML(_DEMO_CSS, layout=W.Layout(height="0px", margin="0px")),
                          self.widget(), self._image])
            box.add_class("pg-demo")
            display(box)
            return
        box = self.widget()
        first = not self._note_shown  # the note appears once per explorer
        if first:
            self._note_shown = True
            box._view_count = 0  # ask the front end to report the views it renders
        display(box)
        if first:
            note = display({"text/html": _NOTE_HTML, "text/plain": f"({KERNEL_NOTE})"},
                           raw=True, display_id=True)

            def blank_note(change):
                if change["new"]:  # a live front end rendered the controls
                    note.update({"text/html": "", "text/plain": ""}, raw=True)
                    box.unobserve(blank_note, names="_view_count")

            box.observe(blank_note, names="_view_count")
        self.live.show()

    def __repr__(self):
        vals = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({vals})"
