"""Chapter 2's explorer: action preferences and temperature -> softmax probabilities."""

from __future__ import annotations

import numpy as np

from .._softmax import softmax
from ..plotting import COLORS, bar_probabilities, new_figure, update_bars
from ._base import Explorer

__all__ = ["SoftmaxExplorer", "softmax_explorer"]

_ACTIONS = ["A1", "A2", "A3", "A4", "A5"]


class SoftmaxExplorer(Explorer):
    """One slider per action preference and one for the temperature.

    ``compute`` returns the preferences, the temperature and the probabilities
    :math:`\\pi(a) = e^{h(a)/\\tau} / \\sum_b e^{h(b)/\\tau}`.

    Examples
    --------
    >>> ex = SoftmaxExplorer()
    >>> np.round(ex.result["probs"], 3)
    array([0.086, 0.032, 0.234, 0.636, 0.012])
    >>> r = ex.set(temperature=100.0)
    >>> bool(np.ptp(r["probs"]) < 0.01)
    True
    """

    title = "softmax of numerical preferences"
    defaults = {"h1": 3.0, "h2": 2.0, "h3": 4.0, "h4": 5.0, "h5": 1.0, "temperature": 1.0}

    def make_figure(self):
        fig, ax = new_figure(width=6.0, height=3.4, large=self.large)
        self.ax = ax
        self.bars = bar_probabilities(ax, np.full(5, 0.2), _ACTIONS, color=COLORS[0])
        ax.set_xlabel("action a")
        ax.set_ylabel(r"$\pi(a)$")
        self.title_text = ax.set_title("")
        return fig

    def make_controls(self):
        import ipywidgets as W

        ctl = {f"h{i + 1}": W.FloatSlider(min=-10, max=10, step=0.1, description=f"h(A{i + 1})",
                                          continuous_update=True)
               for i in range(5)}
        ctl["temperature"] = W.FloatLogSlider(base=10, min=-2, max=2, step=0.05,
                                              description="temperature τ", readout_format=".2f",
                                              style={"description_width": "initial"})
        return ctl

    def compute(self, h1, h2, h3, h4, h5, temperature):
        h = np.array([h1, h2, h3, h4, h5], dtype=float)
        return {"preferences": h, "temperature": float(temperature),
                "probs": softmax(h, temperature=temperature)}

    def draw(self, result):
        update_bars(self.bars, result["probs"])
        h = result["preferences"]
        self.title_text.set_text("h = [" + ", ".join(f"{x:g}" for x in h) + f"],  τ = {result['temperature']:.2f}")


def softmax_explorer(h=(3.0, 2.0, 4.0, 5.0, 1.0), temperature=1.0, large=False):
    """Sliders for five action preferences and the temperature, driving a bar chart.

    The notebook cell is just ``softmax_explorer()``. See chapter 2.

    Examples
    --------
    >>> ex = softmax_explorer(h=(0, 0, 0, 0, 1000))
    >>> ex.result["probs"].round(3)
    array([0., 0., 0., 0., 1.])
    """
    values = {f"h{i + 1}": float(v) for i, v in enumerate(h)}
    return SoftmaxExplorer(large=large, temperature=float(temperature), **values)
