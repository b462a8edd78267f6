"""Chapter 2's figures and explorer: action preferences and temperature -> softmax probabilities.

Everything here draws; the numbers come from :func:`pgcore.softmax`,
:func:`pgcore.log_softmax` and :func:`pgcore.epsilon_greedy_policy`.
"""

from __future__ import annotations

import numpy as np

from .._softmax import log_softmax, softmax
from ..action_values import epsilon_greedy_policy
from ..plotting import COLORS, bar_probabilities, new_figure, update_bars
from ._base import Explorer

__all__ = [
    "SoftmaxExplorer",
    "softmax_explorer",
    "format_table",
    "temperature_figure",
    "smoothness_figure",
]

_ACTIONS = ["A1", "A2", "A3", "A4", "A5"]


def _prob_label(p):
    """Bar label of a probability: 3 decimals, or the order of magnitude when tiny."""
    if not np.isfinite(p):
        return ""
    if p == 0.0:
        return "0"
    if p < 5e-4:
        return f"{p:.0e}"
    return f"{p:.3f}"


def _log_label(v):
    if np.isneginf(v):
        return "−inf"
    if not np.isfinite(v):
        return ""
    if abs(v) < 100:
        return f"{v:.2f}"
    return f"{v:.0f}" if abs(v) < 1e5 else f"{v:.2g}"


class SoftmaxExplorer(Explorer):
    r"""One slider per action preference and one for the temperature.

    ``compute`` returns the preferences, the temperature, the probabilities
    :math:`\pi(a) = e^{h(a)/\tau} / \sum_b e^{h(b)/\tau}` and their natural
    logarithms. The left panel shows :math:`\pi(a)`, the right panel
    :math:`\ln \pi(a)`, which stays readable when a probability is too small
    to see. When a probability is smaller than the smallest positive float64
    (about :math:`5 \times 10^{-324}`) it is rounded to exactly 0:
    ``result["underflow"]`` lists those actions and the figure says so.
    Values no control can reach (a temperature :math:`\le 0`, a NaN) give
    ``result["message"]`` instead of an exception. Explained in chapter 2.

    Examples
    --------
    >>> ex = SoftmaxExplorer()
    >>> np.round(ex.result["probs"], 3)
    array([0.086, 0.032, 0.234, 0.636, 0.012])
    >>> r = ex.set(temperature=100.0)
    >>> bool(np.ptp(r["probs"]) < 0.01)
    True
    >>> r = ex.set(h1=10.0, h5=-10.0, temperature=0.01)
    >>> r["underflow"]
    [1, 4]
    >>> print(r["note"])
    π(A2) and π(A5) underflow to exactly 0 in float64 (true value < 5e-324); ln π on the right stays finite
    >>> r["log_probs"]
    array([    0.,  -800.,  -600.,  -500., -2000.])
    """

    title = "softmax of numerical preferences"
    defaults = {"h1": 3.0, "h2": 2.0, "h3": 4.0, "h4": 5.0, "h5": 1.0, "temperature": 1.0}

    def make_figure(self):
        fig, (ax, ax_log) = new_figure(ncols=2, width=8.4, height=3.6, large=self.large)
        # Fixed axes positions instead of constrained layout and a tight bounding
        # box: each update then costs one draw instead of a layout pass and two draws.
        fig.set_layout_engine("none")
        ax.set_position([0.075, 0.21, 0.39, 0.66])
        ax_log.set_position([0.6, 0.21, 0.39, 0.66])
        small = 13 if self.large else 9
        self.ax, self.ax_log = ax, ax_log
        self.bars = bar_probabilities(ax, np.full(5, 0.2), _ACTIONS, color=COLORS[0],
                                      ylabel=r"$\pi(a)$")
        for t in self.bars._pg_texts:
            t.set_fontsize(small)
        ax.set_xlabel("action a")
        self.log_bars = ax_log.bar(_ACTIONS, np.full(5, -np.log(5.0)), color=COLORS[1])
        self.log_texts = [ax_log.text(b.get_x() + b.get_width() / 2, 0.0, "", ha="center",
                                      va="top", fontsize=small) for b in self.log_bars]
        ax_log.axhline(0.0, color="black", linewidth=0.8)
        ax_log.set_xlabel("action a")
        ax_log.set_ylabel(r"$\ln \pi(a)$")
        self.title_text = fig.text(0.5, 0.97, "", ha="center", va="top",
                                   fontsize=18 if self.large else 12)
        self.note_text = fig.text(0.5, 0.015, "", ha="center", va="bottom",
                                  fontsize=small + 1, color=COLORS[3])
        self.message_text = fig.text(0.5, 0.55, "", ha="center", va="center", color=COLORS[3],
                                     fontsize=small + 3, wrap=True,
                                     bbox=dict(facecolor="white", alpha=0.9, edgecolor=COLORS[3]))
        self.message_text.set_visible(False)
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
        out = {"preferences": None, "temperature": None, "probs": np.full(5, np.nan),
               "log_probs": np.full(5, np.nan), "underflow": [], "note": None, "message": None}
        try:
            h = np.array([h1, h2, h3, h4, h5], dtype=float)
            tau = float(temperature)
        except (TypeError, ValueError) as exc:
            out["message"] = f"not a number: {exc}"
            return out
        out["preferences"], out["temperature"] = h, tau
        try:
            probs = softmax(h, temperature=tau)
            log_probs = log_softmax(h, temperature=tau)
        except ValueError as exc:  # NaN / infinite preference, temperature <= 0
            out["message"] = str(exc)
            return out
        out["probs"], out["log_probs"] = probs, log_probs
        under = [int(i) for i in np.flatnonzero(probs == 0.0)]
        out["underflow"] = under
        if under:
            names = [f"π({_ACTIONS[i]})" for i in under]
            if len(names) > 2:
                listed = f"{names[0]} … {names[-1]}" if under == list(range(under[0], under[-1] + 1)) \
                    else ", ".join(names)
            else:
                listed = " and ".join(names)
            verb = "underflows" if len(names) == 1 else "underflow"
            out["note"] = (f"{listed} {verb} to exactly 0 in float64 (true value < 5e-324); "
                           "ln π on the right stays finite")
            if np.isneginf(log_probs[under]).any():
                out["note"] = (f"{listed} {verb} to exactly 0 in float64, and the gap is too "
                               "large even for ln π (−inf)")
        return out

    def draw(self, result):
        h, tau = result["preferences"], result["temperature"]
        if result["message"] is not None:
            update_bars(self.bars, np.zeros(5))
            for t in self.bars._pg_texts:
                t.set_text("")
            for b, t in zip(self.log_bars, self.log_texts):
                b.set_height(0.0)
                t.set_text("")
            self.ax_log.set_ylim(-1.0, 0.05)
            self.note_text.set_text("")
            self.message_text.set_text(result["message"])
            self.message_text.set_visible(True)
            self.title_text.set_text("")
            return
        self.message_text.set_visible(False)
        probs, logp = result["probs"], result["log_probs"]
        update_bars(self.bars, probs)
        for t, p in zip(self.bars._pg_texts, probs):
            t.set_text(_prob_label(p))
        # The log panel's scale follows the smallest ln pi, at least [-0.5, 0] and at
        # most [-1e6, 0] (beyond that a bar is drawn at the floor, its label is exact).
        finite = logp[np.isfinite(logp)]
        low = float(finite.min()) if finite.size else -1.0
        low = min(max(low, -1e6), -0.5)
        for b, t, v in zip(self.log_bars, self.log_texts, logp):
            shown = v if np.isfinite(v) and v >= low else 1.08 * low
            b.set_height(shown)
            t.set_y(shown - 0.02 * abs(low))
            t.set_text(_log_label(v))
        self.ax_log.set_ylim(1.2 * low, 0.05 * abs(low))
        self.note_text.set_text(result["note"] or "")
        self.title_text.set_text("h = [" + ", ".join(f"{x:g}" for x in h) + f"],  τ = {tau:.2f}")


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


def format_table(values, row_names, col_names, digits=3, corner=""):
    """A small labelled table as text, for printing in a notebook.

    Examples
    --------
    >>> print(format_table([[0.5, 0.25], [1.0, -1e-17]], ["s0", "s1"], ["A1", "A2"], digits=2))
          A1    A2
    s0  0.50  0.25
    s1  1.00  0.00
    """
    values = np.round(np.atleast_2d(np.asarray(values, dtype=float)), digits) + 0.0  # no "-0.000"
    cells = [[f"{v:.{digits}f}" for v in row] for row in values]
    width = max([len(c) for row in cells for c in row] + [len(c) for c in col_names]) + 2
    first = max([len(r) for r in row_names] + [len(corner)])
    lines = [corner.ljust(first) + "".join(c.rjust(width) for c in col_names)]
    for name, row in zip(row_names, cells):
        lines.append(name.ljust(first) + "".join(c.rjust(width) for c in row))
    return "\n".join(line.rstrip() for line in lines)


def temperature_figure(h, temperatures=None, labels=None, large=False):
    r"""Softmax probabilities of fixed preferences ``h`` against the temperature :math:`\tau`.

    One line per action, :math:`\tau` on a log axis; dotted lines mark the
    two limits, the greedy probability 1 and the uniform :math:`1/|\mathcal{A}|`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    h = np.asarray(h, dtype=float)
    taus = np.logspace(-2, 2, 241) if temperatures is None else np.asarray(temperatures, float)
    labels = labels or [f"A{i + 1}" for i in range(h.size)]
    probs = np.array([softmax(h, temperature=t) for t in taus])
    fig, ax = new_figure(width=6.4, height=3.6, large=large)
    for i, lab in enumerate(labels):
        ax.plot(taus, probs[:, i], label=f"{lab} (h = {h[i]:g})", color=COLORS[i % len(COLORS)])
    ax.axhline(1.0 / h.size, color="grey", linestyle=":", linewidth=1.2)
    ax.text(taus[-1], 1.0 / h.size + 0.02, f"uniform 1/{h.size}", ha="right", va="bottom",
            fontsize="small", color="grey")
    ax.set_xscale("log")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(r"temperature $\tau$ (log scale)")
    ax.set_ylabel(r"$\pi(a)$")
    ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
    return fig


def smoothness_figure(epsilon=0.1, gaps=None, large=False):
    r"""Probability of the second of two actions: softmax of preferences vs :math:`\varepsilon`-greedy.

    The x axis is the difference between the two numbers the agent learns:
    :math:`h(A2) - h(A1)` for the softmax, :math:`Q(A2) - Q(A1)` for
    :math:`\varepsilon`-greedy. The softmax curve is the logistic function; the
    :math:`\varepsilon`-greedy one jumps where the estimates cross.

    Returns
    -------
    matplotlib.figure.Figure
    """
    gaps = np.linspace(-6.0, 6.0, 601) if gaps is None else np.asarray(gaps, dtype=float)
    two = np.stack([np.zeros_like(gaps), gaps], axis=1)
    p_soft = softmax(two)[:, 1]
    p_eps = epsilon_greedy_policy(two, epsilon)[:, 1]
    fig, ax = new_figure(width=6.4, height=3.4, large=large)
    ax.plot(gaps, p_soft, color=COLORS[0], label=r"softmax: $\pi(A2)$ against $h(A2)-h(A1)$")
    ax.plot(gaps, p_eps, color=COLORS[3], drawstyle="steps-mid",
            label=rf"$\varepsilon$-greedy ($\varepsilon$ = {epsilon:g}): against $Q(A2)-Q(A1)$")
    for level, text in ((epsilon / 2, r"$\varepsilon/2$"), (1 - epsilon / 2, r"$1-\varepsilon/2$")):
        ax.axhline(level, color="grey", linestyle=":", linewidth=1.0)
        ax.text(gaps[0], level + 0.015, text, ha="left", va="bottom", fontsize="small",
                color="grey")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("difference of the learned numbers for A2 and A1")
    ax.set_ylabel("probability of A2")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncol=2)
    return fig
