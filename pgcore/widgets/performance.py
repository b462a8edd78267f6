"""Chapter 3's figures and explorer: the performance measure J(θ) = v_π(s₀).

The explorer turns one slider, the short corridor's probability of "right"
p, into the values v_π(s) of its three states and the point (p, J(p)) on the
performance curve. The figure functions draw numbers that the notebook
computed with pgcore's math; they compute nothing themselves.
"""

from __future__ import annotations

import numpy as np

from .. import envs
from ..action_values import epsilon_greedy_policy
from ..mdp import evaluate
from ..objective import corridor_probs, golden_section_max
from ..plotting import COLORS, annotate_message, new_figure, png_bytes
from ._base import Explorer

__all__ = [
    "PerformanceExplorer",
    "performance_explorer",
    "plot_running_mean",
    "plot_performance_curve",
    "plot_performance_theta",
]

_STATES = ["0 (start)", "1 (switched)", "2"]
_J_FLOOR = -100.0  # lower edge of the J(p) axes


def _num(x):
    """A number with two decimals and a true minus sign."""
    return f"{x:.2f}".replace("-", "−")


def _curve_grid(n=799):
    """Probabilities strictly inside (0, 1) where the curve is drawn."""
    return np.linspace(0.0, 1.0, n + 2)[1:-1]


class PerformanceExplorer(Explorer):
    """A slider for p, driving the bar chart of v_π(s) and the point on J(p).

    ``compute`` returns ``p``, the state values ``values`` (v_π(0), v_π(1),
    v_π(2)) from :func:`pgcore.evaluate`, ``J`` = v_π(0) and ``message``. At
    ``p = 0`` or ``p = 1`` (and with γ = 1) the episode never ends: the values
    are NaN, ``J`` is -inf and ``message`` says so.

    Examples
    --------
    >>> ex = PerformanceExplorer(p=0.5)
    >>> ex.result["values"]
    array([-12., -10.,  -6.])
    >>> ex.set(p=1.0)["message"].splitlines()[0]
    'p = 1: the episode never ends'
    """

    title = "the short corridor: p -> v_π(s) and J(p)"
    defaults = {"p": 0.8}

    def make_figure(self):
        fig, (ax_v, ax_j) = new_figure(ncols=2, width=9.6, height=3.6, large=self.large)
        self.ax_v, self.ax_j = ax_v, ax_j
        mdp = envs.short_corridor()
        self.mdp = mdp

        # left: the values of the three non-terminal states
        self.bars = ax_v.bar(_STATES, np.zeros(3), color=COLORS[0], width=0.6)
        self.bar_texts = [ax_v.text(b.get_x() + b.get_width() / 2, 0.0, "", ha="center",
                                    va="top", fontsize="small") for b in self.bars]
        ax_v.axhline(0.0, color="black", linewidth=0.8)
        ax_v.set_xlabel("state s")
        # fixed mathtext: matplotlib parses it once and caches the result
        ax_v.set_ylabel(r"$v_\pi(s)$ = expected return from $s$")
        self.v_title = ax_v.set_title("")

        # right: the curve J(p), its maximum, the two epsilon-greedy policies
        ps = _curve_grid()
        ax_j.plot(ps, envs.corridor_performance(ps), color=COLORS[0], label="J(p)")
        p_star, J_star = golden_section_max(envs.corridor_performance, 1e-6, 1 - 1e-6)
        ax_j.plot([p_star], [J_star], marker="*", markersize=14, linestyle="none",
                  color=COLORS[2], label=f"best: p* = {p_star:.3f}, J = {_num(J_star)}")
        # epsilon-greedy (epsilon = 0.1) with "left" or "right" greedy: p = 0.05 or 0.95
        eps_p = epsilon_greedy_policy([[1.0, 0.0], [0.0, 1.0]], 0.1)[:, 1]
        ax_j.plot(eps_p, envs.corridor_performance(eps_p), marker="s", linestyle="none",
                  color=COLORS[1], label="ε-greedy, ε = 0.1")
        (self.point,) = ax_j.plot([], [], marker="o", markersize=9, linestyle="none",
                                  color=COLORS[3], label="the slider's p", clip_on=False)
        self.point.set_in_layout(False)  # unclipped and sometimes empty: keep it out of the layout
        self.vline = ax_j.axvline(0.5, color=COLORS[3], linestyle=":", linewidth=1.2, zorder=1.5)
        ax_j.set_xlim(0.0, 1.0)
        ax_j.set_ylim(_J_FLOOR, 0.0)
        ax_j.set_xlabel("p = probability of right")
        ax_j.set_ylabel(r"$J(p) = v_\pi(s_0)$")
        # Direct labels instead of a legend: a legend costs a fifth of each redraw.
        label_box = dict(facecolor="white", edgecolor="none", alpha=0.9, pad=1.0)
        ax_j.annotate(f"best: p* = {p_star:.3f}\nJ = {_num(J_star)}", (p_star, J_star),
                      textcoords="offset points", xytext=(0, -14), ha="center", va="top",
                      fontsize="small", color=COLORS[2], bbox=label_box, zorder=4)
        # The ε-greedy label beside the left square, where the curve is far above.
        ax_j.annotate("ε-greedy\n(ε = 0.1)", (eps_p[0], envs.corridor_performance(eps_p[0])),
                      textcoords="offset points", xytext=(9, 0), ha="left", va="center",
                      fontsize="small", color=COLORS[1], bbox=label_box, zorder=4)
        self.j_title = ax_j.set_title("")
        self.msg = annotate_message(ax_v, "")
        self.msg.set_fontsize("medium")
        self.msg.set_visible(False)
        self.msg.set_in_layout(False)
        # Lay the figure out once, then keep that layout: re-running the
        # constrained layout on every slider move would double the redraw time.
        self.v_title.set_text("state values at p = 0.00")
        self.j_title.set_text("J(0.00) = -100.00")
        ax_v.set_ylim(-400.0, 0.0)
        png_bytes(fig)  # runs the layout engine in the book's style
        fig.set_layout_engine("none")
        return fig

    def make_controls(self):
        import ipywidgets as W

        return {"p": W.FloatSlider(min=0.0, max=1.0, step=0.01, description="p = π(right)",
                                   readout_format=".2f", continuous_update=True,
                                   style={"description_width": "initial"})}

    def compute(self, p):
        try:
            p = float(p)
        except (TypeError, ValueError):
            return {"p": np.nan, "values": np.full(3, np.nan), "J": np.nan,
                    "message": f"p = {p!r} is not a number"}
        if not (0.0 <= p <= 1.0):  # also catches NaN
            return {"p": p, "values": np.full(3, np.nan), "J": np.nan,
                    "message": f"p = {p:g} is not a probability:\nchoose p in [0, 1]"}
        try:
            V, _ = evaluate(self.mdp, corridor_probs(p))
        except ValueError as err:
            # gamma = 1 and a deterministic policy: pgcore's message names the trapped states
            text = str(err)
            where = ""
            if "(indices [" in text:
                idx = text.split("(indices [", 1)[1].split("]", 1)[0]
                where = f"\ntrapped forever in state(s) {idx}"
            return {"p": p, "values": np.full(3, np.nan), "J": -np.inf,
                    "message": f"p = {p:g}: the episode never ends{where}\nso J(p) = −∞"}
        return {"p": p, "values": V[:3], "J": float(V[0]), "message": None}

    def draw(self, result):
        v, p, J = result["values"], result["p"], result["J"]
        ok = result["message"] is None
        for b, t, x in zip(self.bars, self.bar_texts, v):
            b.set_height(x if ok else 0.0)
            t.set_text(_num(x) if ok else "")
            t.set_y(x if ok else 0.0)
        bottom = min(-25.0, 1.15 * float(np.min(v))) if ok else -25.0
        self.ax_v.set_ylim(bottom, 0.0)
        self.v_title.set_text(f"state values at p = {p:.2f}" if np.isfinite(p) else "")
        self.msg.set_text(result["message"] or "")
        self.msg.set_visible(not ok)
        if np.isfinite(p):
            self.vline.set_xdata([p, p])
            self.vline.set_visible(True)
        else:
            self.vline.set_visible(False)
        if ok:
            clipped = J < _J_FLOOR  # below the axes: park the marker on the edge
            self.point.set_data([p], [max(J, _J_FLOOR)])
            self.point.set_marker("v" if clipped else "o")
            self.j_title.set_text(f"J({p:.2f}) = {_num(J)}")
        elif J == -np.inf:  # the episode never ends: the marker sits on the lower edge
            self.point.set_data([p], [_J_FLOOR])
            self.point.set_marker("v")
            self.j_title.set_text(f"J({p:g}) = −∞")
        else:
            self.point.set_data([], [])
            self.j_title.set_text("")


def performance_explorer(p=0.8, large=False):
    """A slider for the corridor's p driving v_π(s) of every state and the point on J(p).

    The notebook cell is just ``performance_explorer()``. See chapter 3.

    Examples
    --------
    >>> ex = performance_explorer(p=0.0)
    >>> ex.result["J"]
    -inf
    >>> round(ex.set(p=0.8)["J"], 6)
    -15.0
    """
    return PerformanceExplorer(large=large, p=float(p))


# ----------------------------------------------------------------------------
# figures of the chapter
# ----------------------------------------------------------------------------
def plot_running_mean(mean, se, exact, width=6.4, height=3.6):
    r"""Running Monte Carlo mean of :math:`G_0` with a ±2 standard-error band.

    Parameters
    ----------
    mean, se : array_like, shape (N,)
        From :func:`pgcore.objective.running_mean`.
    exact : float
        The exact :math:`J`, drawn as a horizontal line.

    Returns
    -------
    matplotlib.figure.Figure
    """
    mean, se = np.asarray(mean, dtype=float), np.asarray(se, dtype=float)
    n = np.arange(1, mean.size + 1)
    fig, ax = new_figure(width=width, height=height)
    ax.fill_between(n, mean - 2 * se, mean + 2 * se, color=COLORS[0], alpha=0.2, linewidth=0,
                    label="±2 standard errors")
    ax.plot(n, mean, color=COLORS[0], label=r"running mean of $G_0$")
    ax.axhline(exact, color=COLORS[3], linestyle="--", label=f"exact $J$ = {_num(exact)}")
    ax.set_xscale("log")
    ax.set_xlabel("number of episodes n (log scale)")
    ax.set_ylabel(r"estimate of $J$")
    finite = np.isfinite(se)
    lo = np.min((mean - 2 * se)[finite][9:]) if finite.sum() > 10 else np.min(mean)
    hi = np.max((mean + 2 * se)[finite][9:]) if finite.sum() > 10 else np.max(mean)
    pad = 0.1 * (hi - lo + 1e-9)
    ax.set_ylim(lo - pad, hi + pad)
    ax.legend(loc="lower right")
    return fig


def plot_performance_curve(ps, J, p_star, J_star, eps_p, eps_J, width=6.4, height=3.8):
    r"""The short corridor's :math:`J(p)` with its maximum and the ε-greedy policies marked.

    Parameters
    ----------
    ps, J : array_like
        The curve.
    p_star, J_star : float
        The maximum.
    eps_p, eps_J : array_like
        The ε-greedy policies' :math:`p` and :math:`J`.

    Returns
    -------
    matplotlib.figure.Figure
    """
    fig, ax = new_figure(width=width, height=height)
    ax.plot(ps, J, color=COLORS[0], label=r"$J(p) = (2p-4)/(p(1-p))$")
    ax.plot([p_star], [J_star], marker="*", markersize=15, linestyle="none", color=COLORS[2],
            label=f"maximum: p* = {p_star:.3f}, J* = {_num(J_star)}")
    ax.plot(eps_p, eps_J, marker="s", markersize=7, linestyle="none", color=COLORS[1],
            label=r"$\varepsilon$-greedy ($\varepsilon$ = 0.1)")
    for x, y in zip(eps_p, eps_J):
        left = x < 0.5  # label on the side facing the middle of the plot
        ax.annotate(f"p = {x:.2f}\nJ = {_num(y)}", (x, y), textcoords="offset points",
                    xytext=(10 if left else -10, 0), ha="left" if left else "right",
                    va="center", fontsize="small")
    ax.axvline(p_star, color=COLORS[2], linestyle=":", linewidth=1.2)
    ax.set_xlim(0, 1)
    ax.set_ylim(_J_FLOOR, 0)
    ax.set_xlabel(r"$p$ = probability of right (the same in every state)")
    ax.set_ylabel(r"$J(p) = v_\pi(s_0)$")
    ax.legend(loc="lower center", fontsize="small")
    return fig


def plot_performance_theta(h_left, h_right, J, ridge=None, width=5.6, height=4.4, floor=-40.0):
    r"""Filled contours of :math:`J(\theta)` over :math:`\theta = [h(\text{left}), h(\text{right})]`.

    Level sets of the corridor's :math:`J` are lines parallel to the diagonal,
    because :math:`J` depends only on :math:`h(\text{right}) - h(\text{left})`.

    Parameters
    ----------
    h_left, h_right : array_like, shape (n,), (m,)
        Grid axes.
    J : array_like, shape (m, n)
        ``J[i, j]`` at ``h_left[j]``, ``h_right[i]``.
    ridge : float, optional
        Draw the line :math:`h(\text{right}) = h(\text{left}) + \text{ridge}` (the
        best parameters, where the difference is :math:`\log(p^*/(1-p^*))`).
    floor : float
        Values below it share the darkest colour.

    Returns
    -------
    matplotlib.figure.Figure
    """
    J = np.asarray(J, dtype=float)
    fig, ax = new_figure(width=width, height=height)
    top = float(np.max(J))
    # levels closer together near the top, where J changes slowly
    t = 1.0 - np.geomspace(1.0, 0.02, 15)
    levels = floor + (top - floor) * (t - t[0]) / (t[-1] - t[0])
    cs = ax.contourf(h_left, h_right, np.maximum(J, floor), levels=levels, cmap="viridis")
    ax.contour(h_left, h_right, J, levels=levels[1::2], colors="white", linewidths=0.6,
               linestyles="solid")
    cb = fig.colorbar(cs, ax=ax)
    step = 5.0 if top - floor > 10 else 1.0
    cb.set_ticks(np.arange(np.ceil(floor / step) * step, top, step))
    f = f"{floor:g}".replace("-", "−")
    cb.set_label(r"$J(\theta)$" + f" (values below {f} shown as {f})")
    ax.set_xlabel(r"$\theta_1 = h(\mathrm{left})$")
    ax.set_ylabel(r"$\theta_2 = h(\mathrm{right})$")
    if ridge is not None:
        x = np.asarray(h_left, dtype=float)
        ax.plot(x, x + ridge, color=COLORS[1], linestyle="--",
                label=f"maximum: h(right) − h(left) = {ridge:.3f}")
        ax.set_ylim(np.min(h_right), np.max(h_right))
        ax.legend(loc="lower right", fontsize="small", frameon=True)
    ax.set_aspect("equal")
    ax.grid(False)
    return fig
