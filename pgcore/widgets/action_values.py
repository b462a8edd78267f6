"""Figures and the explorer of chapter 1, "Action-value methods and their limits".

Drawing only: every function takes numbers that pgcore's math produced (or,
for the explorer, calls that math in ``compute``) and returns a matplotlib
figure.
"""

from __future__ import annotations

import numpy as np

from ..envs import corridor_performance
from ..plotting import COLORS, annotate_message, freeze_layout, new_figure
from ._base import Explorer

__all__ = [
    "plot_gridworld",
    "plot_mc_error",
    "plot_greedy_flip",
    "plot_corridor",
    "plot_corridor_performance",
    "EpsilonGreedyExplorer",
    "epsilon_greedy_explorer",
]

# gridworld actions 0..3 = up, right, down, left as (d_col, d_row) on an image
# whose row index grows downwards
_ARROWS = [(0.0, -1.0), (1.0, 0.0), (0.0, 1.0), (-1.0, 0.0)]


def plot_gridworld(panels, n_rows, n_cols, goal, start, large=False):
    """State values as coloured cells and the policy's actions as arrows.

    Parameters
    ----------
    panels : list of (title, values, policy)
        ``values`` has shape (S,) with ``S = n_rows * n_cols``; ``policy``
        has shape (S, 4) (up, right, down, left); every action with positive
        probability gets an arrow, so tied greedy actions all show.
    n_rows, n_cols : int
    goal, start : int
        State indices of the goal (terminal, no arrows) and the start.
    """
    k = len(panels)
    fig, axes = new_figure(ncols=k, width=3.6 * k, height=3.0, large=large)
    axes = np.atleast_1d(axes)
    vmin = min(float(np.min(v)) for _, v, _ in panels)
    for ax, (title, values, policy) in zip(axes, panels):
        V = np.asarray(values, dtype=float).reshape(n_rows, n_cols)
        pol = np.asarray(policy, dtype=float)
        im = ax.imshow(V, cmap="viridis", vmin=vmin, vmax=0.0)
        ax.grid(False)
        ax.set_xticks(np.arange(n_cols))
        ax.set_yticks(np.arange(n_rows))
        ax.set_xticks(np.arange(n_cols + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(n_rows + 1) - 0.5, minor=True)
        ax.grid(True, which="minor", color="white", lw=2, alpha=1.0)
        ax.tick_params(which="both", length=0)
        ax.set_xlabel("column")
        ax.set_ylabel("row")
        ax.set_title(title)
        for s in range(n_rows * n_cols):
            r, c = divmod(s, n_cols)
            light = V[r, c] < vmin + 0.6 * (0.0 - vmin)
            colour = "white" if light else "black"
            if s == goal:
                ax.text(c, r, "G", ha="center", va="center", color=colour, fontsize="large",
                        fontweight="bold")
                continue
            ax.text(c - 0.42, r - 0.42, f"{V[r, c]:.1f}", ha="left", va="top", color=colour,
                    fontsize="x-small")
            if s == start:
                ax.text(c + 0.42, r + 0.42, "S", ha="right", va="bottom", color=colour,
                        fontsize="small", fontweight="bold")
            for a, (dx, dy) in enumerate(_ARROWS):
                if pol[s, a] > 1e-12:
                    ax.annotate("", xy=(c + 0.36 * dx, r + 0.36 * dy), xytext=(c, r),
                                arrowprops=dict(arrowstyle="-|>", color=colour, lw=1.6))
    fig.colorbar(im, ax=axes.tolist(), shrink=0.85, label="state value")
    return fig


def plot_mc_error(n_episodes, max_error, mean_error, large=False):
    """Error of Monte Carlo action values against the number of episodes (log-log).

    A dashed line of slope -1/2 through the last mean error shows the
    :math:`1/\\sqrt{n}` rate of a sample mean.
    """
    n = np.asarray(n_episodes, dtype=float)
    fig, ax = new_figure(width=6.0, height=3.5, large=large)
    ax.loglog(n, max_error, "o-", color=COLORS[0], label=r"largest error $\max_{s,a}|Q(s,a) - q_\pi(s,a)|$")
    ax.loglog(n, mean_error, "s-", color=COLORS[1], label=r"mean error over $(s,a)$")
    ref = mean_error[-1] * np.sqrt(n[-1] / n)
    ax.loglog(n, ref, "--", color=COLORS[7], lw=1.2, label=r"$\propto 1/\sqrt{n}$")
    ax.set_xlabel("episodes per state-action pair, $n$")
    ax.set_ylabel("absolute error (return units)")
    ax.legend(fontsize="small", loc="lower left")
    return fig


def plot_greedy_flip(gap, curves, large=False):
    """Probability of action A2 against the gap between two numbers.

    ``curves`` maps a label to an array of probabilities, one per entry of
    ``gap``. Curves whose label contains "greedy" are drawn as steps.
    """
    fig, ax = new_figure(width=6.4, height=3.5, large=large)
    styles = ["-", "-", "--", "-."]
    for (label, prob), c, ls in zip(curves.items(), COLORS, styles):
        ax.plot(gap, prob, ls, color=c, label=label)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_ylim(-0.04, 1.04)
    ax.set_xlabel(r"gap between the two numbers of A2 and A1 (value or preference)")
    ax.set_ylabel(r"$\pi(A2\,|\,s)$")
    ax.legend(fontsize="small", loc="upper left")
    return fig


def plot_corridor(large=False):
    """Diagram of the short corridor with switched actions (Sutton & Barto, Example 13.1)."""
    fig, ax = new_figure(width=6.4, height=1.9, large=large)
    ax.set_axis_off()
    names = ["S\n(state 0)", "switched\n(state 1)", "state 2", "G\n(terminal)"]
    for i, name in enumerate(names):
        face = COLORS[2] if i == 3 else ("#fbe3c4" if i == 1 else "white")
        ax.add_patch(_box(i * 2.0, face))
        ax.text(i * 2.0 + 0.6, 0.5, name, ha="center", va="center", fontsize="small")
    # what "right" does in each state (above) and what "left" does (below)
    right = [(0, 1), (1, 0), (2, 3)]
    left = [(0, 0), (1, 2), (2, 1)]
    for s, s2 in right:
        _arc(ax, s, s2, above=True, color=COLORS[0])
    for s, s2 in left:
        _arc(ax, s, s2, above=False, color=COLORS[3])
    ax.text(7.4, 1.55, "arrows above: right", color=COLORS[0], fontsize="small", ha="right")
    ax.text(7.4, -0.6, "arrows below: left", color=COLORS[3], fontsize="small", ha="right")
    ax.set_xlim(-0.2, 7.5)
    ax.set_ylim(-0.9, 1.9)
    ax.set_aspect("equal")
    return fig


def _box(x, face):
    from matplotlib.patches import FancyBboxPatch

    return FancyBboxPatch((x, 0.0), 1.2, 1.0, boxstyle="round,pad=0.02", facecolor=face,
                          edgecolor="0.3", lw=1.2)


def _arc(ax, s, s2, above, color):
    """Arrow for one action from state ``s`` to ``s2``, above or below the boxes."""
    y = 1.0 if above else 0.0
    sign = 1.0 if above else -1.0
    x0 = s * 2.0 + 0.6
    if s == s2:  # bumping into the wall: a small loop back into the same box
        ax.annotate("", xy=(x0 - 0.3, y), xytext=(x0 + 0.3, y),
                    arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=0, shrinkB=0,
                                    connectionstyle=f"arc3,rad={1.2 * sign}"))
        return
    step = 1.0 if s2 > s else -1.0
    # a forward arrow runs between the inner quarters of the two boxes, a
    # backward one between the outer quarters with a higher arc, so the two
    # arrows between the same pair of states stay apart
    if step > 0:
        xa, xb, r = x0 + 0.3, s2 * 2.0 + 0.3, 0.45
    else:
        xa, xb, r = x0 + 0.1, s2 * 2.0 + 1.1, 0.6
    rad = -r if (step > 0) == above else r
    ax.annotate("", xy=(xb, y), xytext=(xa, y),
                arrowprops=dict(arrowstyle="-|>", color=color, lw=1.4, shrinkA=0, shrinkB=0,
                                connectionstyle=f"arc3,rad={rad}"))


def plot_corridor_performance(p, J, marks, large=False, ax=None):
    """The corridor's performance :math:`J(p)` with marked policies.

    Parameters
    ----------
    p, J : arrays
        The curve.
    marks : list of (label, p, J)
        Points drawn on the curve, each in its own colour and marker.
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.

    Labels are plain Unicode, not mathtext: the explorer redraws this axes
    on every slider move, and matplotlib re-parses rotated mathtext labels
    on each draw.

    Returns
    -------
    fig, artists
        ``artists`` is the list of the marks' Line2D objects (for redrawing).
    """
    if ax is None:
        fig, ax = new_figure(width=6.4, height=3.8, large=large)
    else:
        fig = ax.figure
    ax.plot(p, J, color=COLORS[0], label="J(p), every state-blind policy")
    markers = ["v", "^", "*", "o", "s"]
    colours = [COLORS[3], COLORS[1], COLORS[2], COLORS[4], COLORS[5]]
    artists = []
    for (label, pm, Jm), m, c in zip(marks, markers, colours):
        (pt,) = ax.plot([pm], [Jm], m, color=c, ms=14 if m == "*" else 10, mec="black", mew=0.8,
                        label=label, zorder=3, clip_on=False)
        artists.append(pt)
    ax.set_xlim(0, 1)
    ax.set_ylim(-100, 0)
    ax.set_xlabel("probability of right in every state, p")
    ax.set_ylabel("J(p): expected return from s₀")
    ax.legend(fontsize="small", loc="lower center")
    return fig, artists


class EpsilonGreedyExplorer(Explorer):
    """An ε slider: the two ε-greedy policies of the short corridor on its J(p) curve.

    With state-blind features, a greedy action is the same in every state, so
    ε-greedy can only give ``p = ε/2`` (greedy left) or ``p = 1 - ε/2``
    (greedy right). ``compute`` returns both probabilities, their
    performance from :func:`pgcore.envs.corridor_performance`, and the best
    state-blind policy ``p* = 2 - √2`` for comparison.

    Examples
    --------
    >>> ex = EpsilonGreedyExplorer()
    >>> [round(float(x), 2) for x in ex.result["J"]]
    [-82.11, -44.21]
    >>> r = ex.set(epsilon=0.0)
    >>> r["message"]
    'ε = 0: a greedy policy never reaches G, J = −∞'
    """

    title = "ε-greedy policies in the short corridor"
    defaults = {"epsilon": 0.1}
    limits = {"epsilon": (0.0, 1.0, "float")}

    def make_figure(self):
        fig, ax = new_figure(width=6.4, height=3.9, large=self.large)
        self.ax = ax
        p = np.linspace(0.005, 0.995, 397)
        self.p_star = 2.0 - np.sqrt(2.0)
        self.J_star = float(corridor_performance(self.p_star))
        marks = [("ε-greedy, greedy action left", 0.05, -1.0),
                 ("ε-greedy, greedy action right", 0.95, -1.0),
                 (f"best stochastic policy, p* = {self.p_star:.3f}", self.p_star, self.J_star)]
        _, self.points = plot_corridor_performance(p, corridor_performance(p), marks, ax=ax)
        self.title_text = ax.set_title("", fontsize="medium")
        self.message = annotate_message(ax, "")
        self.message.set_visible(False)
        return fig

    def make_controls(self):
        import ipywidgets as W

        return {"epsilon": W.FloatSlider(min=0.0, max=1.0, step=0.01, description="ε",
                                         readout_format=".2f", continuous_update=True)}

    def compute(self, epsilon):
        eps = float(np.clip(epsilon, 0.0, 1.0))
        p = np.array([eps / 2.0, 1.0 - eps / 2.0])
        result = {"epsilon": eps, "p": p, "p_star": self.p_star, "J_star": self.J_star,
                  "message": None}
        if eps <= 0.0:
            result["J"] = np.array([-np.inf, -np.inf])
            result["message"] = "ε = 0: a greedy policy never reaches G, J = −∞"
        elif not ((p > 0) & (p < 1)).all():
            # so small an ε that 1 - ε/2 rounds to 1: J ≈ -4/ε is beyond the float range
            result["J"] = np.array([-np.inf, -np.inf])
            result["message"] = f"ε = {eps:.3g}: J ≈ −4/ε is below the float range (shown as −∞)"
        else:
            with np.errstate(over="ignore"):
                result["J"] = corridor_performance(p)
        result["gap"] = self.J_star - float(np.max(result["J"]))
        return result

    def draw(self, result):
        self._draw(result)
        if getattr(self, "_layout_frozen", False) is False:
            # Lay the figure out once (constrained layout, with a title of typical
            # length in place), then keep the axes where they are: re-running the
            # layout on every slider move would cost a third of the redraw time.
            # For the same reason the PNG is saved without "tight" cropping,
            # which costs a second full draw: the constrained layout already
            # keeps every artist inside the figure.
            freeze_layout(self.fig)
            self._layout_frozen = True

    def _draw(self, result):
        for pt, pm, Jm in zip(self.points, result["p"], result["J"]):
            visible = bool(np.isfinite(Jm))
            pt.set_visible(visible)
            if visible:
                pt.set_data([pm], [max(Jm, -99.0)])
        eps = result["epsilon"]
        if result["message"]:
            self.message.set_text(result["message"])
            self.message.set_visible(True)
            self.title_text.set_text(f"ε = {eps:.2f}")
        else:
            self.message.set_visible(False)
            Jl, Jr = result["J"]
            self.title_text.set_text(
                f"ε = {eps:.2f}:  J = {Jl:.1f} (greedy left), {Jr:.1f} (greedy right);  "
                f"J* = {result['J_star']:.2f}")


def epsilon_greedy_explorer(epsilon=0.1, large=False):
    """An ε slider showing the corridor's two ε-greedy policies against the optimum.

    The notebook cell is just ``epsilon_greedy_explorer()``. See chapter 1.

    Examples
    --------
    >>> ex = epsilon_greedy_explorer(epsilon=1.0)
    >>> ex.result["p"], [round(float(x), 6) for x in ex.result["J"]]
    (array([0.5, 0.5]), [-12.0, -12.0])
    """
    return EpsilonGreedyExplorer(large=large, epsilon=float(epsilon))
