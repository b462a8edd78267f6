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
shows too, and which the controls redraw in place in a live kernel.
"""

from __future__ import annotations

import time

from ..plotting import LiveFigure

__all__ = ["Explorer"]


class Explorer:
    """Base class: controls, a figure, and a pure update function.

    Subclasses set ``defaults`` (control name -> value) and implement
    :meth:`make_controls`, :meth:`make_figure`, :meth:`compute` and :meth:`draw`.
    """

    title = ""

    def __init__(self, large=False, **values):
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}; known: {sorted(self.defaults)}")
        self.large = bool(large)
        self.initial = {**self.defaults, **values}
        self.values = dict(self.initial)
        self.fig = self.make_figure()
        self.live = LiveFigure(self.fig)
        self.result = None
        self.last_update_ms = None
        self._controls = None
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
    def set(self, **values):
        """Change control values, recompute and redraw; returns the result dict."""
        unknown = set(values) - set(self.defaults)
        if unknown:
            raise TypeError(f"unknown control(s) {sorted(unknown)}")
        t0 = time.perf_counter()
        self.values.update(values)
        self.result = self.compute(**self.values)
        self.draw(self.result)
        self.live.refresh()
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

    def reset(self):
        """Back to the values the explorer was created with."""
        return self.set(**self.initial)

    def widget(self):
        """The controls (with a reset button) as one ipywidgets box."""
        import ipywidgets as W

        if self._controls is None:
            self._controls = self.make_controls()
            self._syncing = False
            for name, w in self._controls.items():
                w.value = self.values[name]
                w.observe(self._on_change(name), names="value")
        reset = W.Button(description="Reset", icon="undo", tooltip="back to the starting values")
        reset.on_click(lambda _b: self.reset())
        children = list(self._controls.values()) + [reset]
        box = W.VBox(children)
        if self.large:
            box.add_class("pg-large")
            for w in children:
                w.layout.width = "640px"
                try:
                    w.style.font_size = "20px"
                except Exception:  # not every widget style has a font size
                    pass
        return box

    def _on_change(self, name):
        def handler(change):
            if not getattr(self, "_syncing", False):
                self.set(**{name: change["new"]})
        return handler

    def _ipython_display_(self):
        from IPython.display import display

        display(self.widget())
        self.live.show()

    def __repr__(self):
        vals = ", ".join(f"{k}={v!r}" for k, v in self.values.items())
        return f"{type(self).__name__}({vals})"
