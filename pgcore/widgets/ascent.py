"""Chapter 4's figures and explorer: gradient ascent drawn on a two-parameter landscape.

Every figure shows a landscape :math:`J(\\theta)`, :math:`\\theta \\in \\mathbb{R}^2`,
as filled contours (lighter is higher), the path :math:`\\theta_0, \\theta_1,
\\dots` of :func:`pgcore.gradient_ascent` on it, and the gap
:math:`\\sup J - J(\\theta_t)` against the iteration :math:`t` on a log scale.
The landscapes come from :mod:`pgcore.landscapes`; their contour grids are
computed once per process (:func:`landscape_spec` is cached), so an update of
the explorer only reruns the ascent and redraws.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.colors import BoundaryNorm

from .. import landscapes as ls
from ..plotting import COLORS, new_figure
from ._base import Explorer

__all__ = [
    "LANDSCAPES",
    "landscape_spec",
    "draw_landscape",
    "plot_landscape",
    "plot_regimes",
    "plot_hills",
    "AscentExplorer",
    "ascent_explorer",
]

#: Names of the landscapes, in the order of the explorer's menu.
LANDSCAPES = ("quadratic", "corridor", "bandit")

_TITLES = {
    "quadratic": "quadratic, eigenvalues 1 and 10",
    "corridor": "short corridor, two tiles",
    "bandit": "compass bandit, two hills",
}
#: The square window of each landscape's contour grid.
WINDOWS = {"quadratic": (-4.0, 4.0), "corridor": (-4.0, 4.0), "bandit": (-6.0, 6.0)}
_FLOOR = 1e-16  # gaps below this are drawn at this height on the log axis


@lru_cache(maxsize=None)
def landscape_spec(name, n_grid=81):
    """Everything needed to draw landscape ``name``; computed once and cached.

    Returns a dict with the landscape object (``"landscape"``), the grid
    (``"t1"``, ``"t2"``, ``"Z"`` with ``Z[i, j] = J(t1[j], t2[i])``), the
    contour ``"levels"``, the supremum ``"J_sup"``, the maximiser
    ``"theta_star"`` (None for the bandit, whose tops are at infinity) and a
    ``"title"``.

    Examples
    --------
    >>> spec = landscape_spec("quadratic", n_grid=5)
    >>> spec["Z"].shape, spec["J_sup"]
    ((5, 5), 0.0)
    """
    if name not in LANDSCAPES:
        raise ValueError(f"unknown landscape {name!r}; choose one of {LANDSCAPES}")
    t = np.linspace(*WINDOWS[name], int(n_grid))
    if name == "quadratic":
        L = ls.example_quadratic()
        T1, T2 = np.meshgrid(t, t)
        Z = L.value(np.stack([T1, T2], axis=-1))
        levels = -np.array([300, 100, 30, 10, 3, 1, 0.3, 0.1, 0.03])
    elif name == "corridor":
        L = ls.corridor_tiles_landscape()
        Z = ls.grid_values(L.value, t, t)
        levels = L.J_star - np.array([1e4, 3e3, 1e3, 300, 100, 30, 10, 3, 1, 0.3, 0.1, 0.03])
    else:
        L = ls.compass_landscape()
        Z = ls.grid_values(L.value, t, t)
        levels = np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95])
    theta_star = None if L.theta_star is None else np.array(L.theta_star)
    return {"name": name, "landscape": L, "t1": t, "t2": t, "Z": Z, "levels": levels,
            "J_sup": float(L.J_star), "theta_star": theta_star, "title": _TITLES[name],
            "window": WINDOWS[name]}


def draw_landscape(ax, spec, labels=True):
    """Filled contours of ``spec["Z"]`` on ``ax`` (lighter = higher J) and the maximiser, if any.

    Returns the list of artists drawn, so an explorer can remove them.
    """
    import matplotlib as mpl

    levels = spec["levels"]
    cmap = mpl.colormaps["Greys_r"]
    norm = BoundaryNorm(levels, ncolors=cmap.N, extend="min")
    cf = ax.contourf(spec["t1"], spec["t2"], spec["Z"], levels=levels, cmap=cmap, norm=norm,
                     extend="min", alpha=0.55)
    cl = ax.contour(spec["t1"], spec["t2"], spec["Z"], levels=levels, colors="0.45",
                    linewidths=0.6, linestyles="solid")
    artists = [cf, cl]
    if spec["theta_star"] is not None:
        (star,) = ax.plot(*spec["theta_star"], marker="*", markersize=13, color="black",
                          markeredgecolor="white", linestyle="none", zorder=5, label=r"$\theta^*$")
        artists.append(star)
    if labels:
        ax.set_xlabel(r"$\theta_1$")
        ax.set_ylabel(r"$\theta_2$")
    ax.set_xlim(*spec["window"])
    ax.set_ylim(*spec["window"])
    ax.set_aspect("equal", adjustable="box")
    ax.grid(False)
    return artists


def plot_landscape(name, label_levels=None, width=5.6, height=5.0):
    """One landscape as a contour plot, with some contour lines labelled by their J value."""
    spec = landscape_spec(name)
    fig, ax = new_figure(width=width, height=height)
    artists = draw_landscape(ax, spec)
    if label_levels is not None:
        keep = [lv for lv in spec["levels"] if np.isclose(label_levels, lv, rtol=1e-9).any()]
        ax.clabel(artists[1], levels=keep, fmt=lambda v: f"{v:.4g}", fontsize="small")
    ax.set_title(spec["title"])
    if spec["theta_star"] is not None:
        ax.legend(loc="upper right")
    return fig


def _gap(values, J_sup):
    gap = J_sup - np.asarray(values, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(gap), np.maximum(gap, _FLOOR), np.nan)


def _path_line(ax, path, color, label=None):
    (line,) = ax.plot(path[:, 0], path[:, 1], color=color, marker="o", markersize=3,
                      linewidth=1.4, label=label, zorder=4)
    (start,) = ax.plot(*path[0], marker="s", markersize=6, color=color, markeredgecolor="white",
                       linestyle="none", zorder=6)
    return line, start


def plot_regimes(name, theta0, step_sizes, n_steps, labels=None, window=None):
    """Gradient ascent on landscape ``name`` with several step sizes, one contour panel each.

    Top: a 2 x 2 grid of contour panels, each with the path for one step
    size (at most four); a diverged run shows its finite part and the message.
    Bottom: :math:`\\sup J - J(\\theta_t)` against :math:`t` for all of them.
    ``labels`` (e.g. the regimes) are appended to the legend entries;
    ``window`` = ((x0, x1), (y0, y1)) zooms the contour panels.

    Returns
    -------
    fig : matplotlib.figure.Figure
    traces : list of pgcore.landscapes.Trace
    """
    spec = landscape_spec(name)
    L = spec["landscape"]
    step_sizes = list(step_sizes)[:4]
    labels = list(labels) if labels is not None else [""] * len(step_sizes)
    fig, _ = new_figure(width=7.0, height=9.0)
    fig.clear()
    gs = fig.add_gridspec(3, 2, height_ratios=[1.0, 1.0, 0.85])
    gap_ax = fig.add_subplot(gs[2, :])
    traces = []
    for k, (α, lab) in enumerate(zip(step_sizes, labels)):
        ax = fig.add_subplot(gs[k // 2, k % 2])
        draw_landscape(ax, spec, labels=False)
        tr = ls.ascent_trace(L, theta0, α, n_steps)
        traces.append(tr)
        color = COLORS[k]
        _path_line(ax, tr.path, color)
        if window is not None:
            ax.set_xlim(*window[0])
            ax.set_ylim(*window[1])
        ax.set_title(f"α = {α:g}" + (f" ({lab})" if lab else ""), fontsize="small", color=color)
        ax.tick_params(labelsize="x-small")
        if k // 2 == 1:
            ax.set_xlabel(r"$\theta_1$", fontsize="small")
        if k % 2 == 0:
            ax.set_ylabel(r"$\theta_2$", fontsize="small")
        if tr.diverged:
            ax.text(0.5, 0.96, tr.message.replace(": ", ":\n"), transform=ax.transAxes, ha="center",
                    va="top", fontsize="x-small", color=COLORS[3], zorder=8,
                    bbox=dict(facecolor="white", alpha=0.85, edgecolor=COLORS[3]))
        t = np.arange(len(tr.values))
        gap_ax.plot(t, _gap(tr.values, spec["J_sup"]), color=color, marker="o" if len(t) < 30 else None,
                    markersize=3, label=f"α = {α:g}" + (f", {lab}" if lab else "")
                    + (f" (diverged at step {tr.diverged_at})" if tr.diverged else ""))
    gap_ax.set_yscale("log")
    gap_ax.set_xlabel("iteration t")
    gap_ax.set_ylabel(r"$\sup J - J(\theta_t)$")
    gap_ax.set_xlim(0, n_steps)
    gap_ax.legend(fontsize="small", loc="best")
    gap_ax.set_title(spec["title"], fontsize="medium")
    return fig, traces


def plot_hills(starts, step_size, n_steps):
    """Gradient ascent on the compass bandit from several starts, coloured by the hill it climbs.

    Paths that end leaning east (:math:`\\theta_1 > 0`, towards the arm with
    mean 1) are blue, those leaning west (towards mean 0.8) orange. Right:
    :math:`J(\\theta_t)` against :math:`t`.

    Returns
    -------
    fig : matplotlib.figure.Figure
    traces : list of pgcore.landscapes.Trace
    """
    spec = landscape_spec("bandit")
    L = spec["landscape"]
    fig, (ax, jax) = new_figure(ncols=2, width=8.0, height=3.9)
    draw_landscape(ax, spec)
    traces = []
    seen = set()
    for th0 in starts:
        tr = ls.ascent_trace(L, th0, step_size, n_steps)
        traces.append(tr)
        east = tr.path[-1, 0] > 0
        color = COLORS[0] if east else COLORS[1]
        label = None
        if east not in seen:
            seen.add(east)
            label = "climbs the east hill (sup J = 1)" if east else "climbs the west hill (sup J = 0.8)"
        ax.plot(tr.path[:, 0], tr.path[:, 1], color=color, linewidth=1.4, zorder=4)
        ax.plot(*tr.path[0], marker="s", markersize=5, color=color, markeredgecolor="white",
                linestyle="none", zorder=6)
        jax.plot(np.arange(len(tr.values)), tr.values, color=color, label=label)
    ax.set_title("paths on the compass bandit")
    jax.axhline(1.0, color="0.4", linestyle=":", linewidth=1)
    jax.axhline(0.8, color="0.4", linestyle=":", linewidth=1)
    jax.set_xlabel("iteration t")
    jax.set_ylabel(r"$J(\theta_t)$")
    jax.set_ylim(0.3, 1.02)
    jax.set_xlim(0, n_steps)
    jax.legend(loc="lower right", fontsize="small")
    jax.set_title(f"α = {step_size:g}")
    return fig, traces


def _plain_log_labels(ax):
    """Label a log y-axis '1e-05' instead of mathtext: several times faster to render."""
    from matplotlib.ticker import FuncFormatter, NullFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"1e{round(np.log10(v)):d}" if v > 0 else ""))
    ax.yaxis.set_minor_formatter(NullFormatter())


def _slice_trace(tr, n_steps):
    """The first ``n_steps`` steps of a longer trace (gradient ascent is deterministic)."""
    if tr.diverged and tr.diverged_at <= n_steps:
        return tr
    return ls.Trace(path=tr.path[: n_steps + 1], values=tr.values[: n_steps + 1], diverged_at=None,
                    message="")


class AscentExplorer(Explorer):
    """Gradient ascent on a chosen landscape: step size α, number of steps, start θ₀.

    ``compute`` runs :func:`pgcore.landscapes.ascent_trace` (which calls
    :func:`pgcore.gradient_ascent`) and returns the path, :math:`J` along it,
    the gap to :math:`\\sup J`, and a ``"message"`` when the ascent diverged
    or the controls are invalid; it never raises. Runs are remembered, so
    moving only the "steps" slider back and forth costs no new gradients.

    Examples
    --------
    >>> ex = AscentExplorer(landscape="quadratic", step_size=0.05, n_steps=200)
    >>> np.round(ex.result["path"][-1], 6), ex.result["message"]
    (array([ 1., -1.]), '')
    >>> r = ex.set(step_size=1000.0)
    >>> r["diverged_at"], r["message"]
    (2, 'diverged at step 2: |θ| > 1e+06')
    """

    title = "gradient ascent"
    # only the number of steps is clamped (its slider's top): the other values
    # past their sliders get compute's own messages
    limits = {"n_steps": (-10**9, 200, "int")}
    defaults = {"landscape": "corridor", "step_size": 0.3, "n_steps": 30,
                "theta1": -2.5, "theta2": 2.0}

    def __init__(self, large=False, **values):
        self._runs = {}
        super().__init__(large=large, **values)
        # Freeze the constrained layout found for the first drawing: recomputing
        # it on every update costs more than the ascent itself.
        self.fig.draw_without_rendering()
        self.fig.set_layout_engine("none")

    def make_figure(self):
        fig, (ax, gax) = new_figure(ncols=2, width=9.0, height=4.0, large=self.large)
        self.ax, self.gax = ax, gax
        self._drawn = None
        self._artists = []
        ax.set_xlabel("θ₁")
        ax.set_ylabel("θ₂")
        self.path_line, self.start_marker = _path_line(ax, np.zeros((1, 2)), COLORS[3])
        (self.end_marker,) = ax.plot([], [], marker="o", markersize=10, markerfacecolor="none",
                                     markeredgecolor=COLORS[3], markeredgewidth=2, linestyle="none",
                                     zorder=7)
        self.msg = ax.text(0.5, 0.97, "", transform=ax.transAxes, ha="center", va="top",
                           fontsize="small", color=COLORS[3], zorder=8, visible=False,
                           bbox=dict(facecolor="white", alpha=0.9, edgecolor=COLORS[3]))
        self.ax_title = ax.set_title("", fontsize="medium")
        # Every text artist costs render time: no legend (the chapter explains the
        # markers: square = start, ring = last iterate, star = maximiser) and few ticks.
        from matplotlib.ticker import MaxNLocator

        for axis in (ax.xaxis, ax.yaxis, gax.xaxis):
            axis.set_major_locator(MaxNLocator(5))
        (self.gap_line,) = gax.plot([], [], color=COLORS[3], marker="o", markersize=2.5)
        gax.set_yscale("log")
        _plain_log_labels(gax)
        gax.set_xlabel("iteration t")
        gax.set_ylabel(r"$\sup J - J(\theta_t)$")
        self.gax_title = gax.set_title("", fontsize="medium")
        self.gmsg = gax.text(0.5, 0.5, "", transform=gax.transAxes, ha="center", va="center",
                             fontsize="small", color=COLORS[3], visible=False)
        return fig

    def make_controls(self):
        import ipywidgets as W

        wide = {"description_width": "initial"}
        return {
            "landscape": W.Dropdown(options=list(LANDSCAPES), description="landscape", style=wide),
            "step_size": W.FloatLogSlider(base=10, min=-3, max=3, step=0.05, description="step size α",
                                          readout_format=".3g", style=wide, continuous_update=False),
            "n_steps": W.IntSlider(min=1, max=200, step=1, description="steps", style=wide,
                                   continuous_update=False),
            "theta1": W.FloatSlider(min=-4, max=4, step=0.1, description="start θ₀,₁", style=wide,
                                    continuous_update=False),
            "theta2": W.FloatSlider(min=-4, max=4, step=0.1, description="start θ₀,₂", style=wide,
                                    continuous_update=False),
        }

    def _trace(self, spec, theta0, step_size, n_steps):
        key = (spec["name"], step_size, float(theta0[0]), float(theta0[1]))
        old = self._runs.get(key)
        if old is not None and (len(old.path) > n_steps or old.diverged):
            return _slice_trace(old, n_steps)
        tr = ls.ascent_trace(spec["landscape"], theta0, step_size, n_steps)
        if len(self._runs) > 64:
            self._runs.clear()
        self._runs[key] = tr
        return tr

    def compute(self, landscape, step_size, n_steps, theta1, theta2):
        out = {"landscape": landscape, "step_size": step_size, "n_steps": n_steps,
               "theta0": np.array([theta1, theta2], dtype=float), "path": np.zeros((0, 2)),
               "values": np.zeros(0), "gap": np.zeros(0), "diverged_at": None, "message": "",
               "J_final": np.nan, "J_sup": np.nan}
        try:
            spec = landscape_spec(landscape)
        except (ValueError, TypeError) as exc:
            out["message"] = str(exc)
            return out
        out["J_sup"] = spec["J_sup"]
        try:
            α, n = float(step_size), int(n_steps)
            if n < 0:
                raise ValueError(f"n_steps must be >= 0, got {n_steps}")
            tr = self._trace(spec, out["theta0"], α, n)
        except (ValueError, TypeError, OverflowError) as exc:
            out["message"] = f"cannot run: {exc}"
            return out
        out.update(path=tr.path, values=tr.values, gap=_gap(tr.values, spec["J_sup"]),
                   diverged_at=tr.diverged_at, message=tr.message,
                   J_final=float(tr.values[-1]) if len(tr.values) else np.nan)
        if isinstance(spec["landscape"], ls.Quadratic):
            out["regime"] = spec["landscape"].regime(α)
        return out

    def _draw_landscape(self, name):
        for art in self._artists:
            art.remove()
        self._artists = draw_landscape(self.ax, landscape_spec(name), labels=False)
        self._drawn = name

    def draw(self, result):
        name = result["landscape"]
        if name in LANDSCAPES and name != self._drawn:
            self._draw_landscape(name)
        path = result["path"]
        if len(path):
            self.path_line.set_data(path[:, 0], path[:, 1])
            self.start_marker.set_data([path[0, 0]], [path[0, 1]])
            self.end_marker.set_data([path[-1, 0]], [path[-1, 1]])
        else:
            for art in (self.path_line, self.start_marker, self.end_marker):
                art.set_data([], [])
        msg = result["message"]
        if result["diverged_at"] is not None:
            msg = msg.replace(": ", ":\n", 1) + "\n(the finite part of the path is shown)"
        self.msg.set_text(msg)
        self.msg.set_visible(bool(msg))
        α = result["step_size"]
        title = _TITLES.get(name, str(name)) + "\n"
        title += f"α = {α:.3g}" if isinstance(α, (int, float)) else f"α = {α!r}"
        if "regime" in result:
            title += f": {result['regime']}"
        self.ax_title.set_text(title)
        gap = result["gap"]
        t = np.arange(len(gap))
        self.gap_line.set_data(t, gap)
        ok = np.isfinite(gap)
        self.gmsg.set_visible(not ok.any())
        self.gmsg.set_text("" if ok.any() else "nothing to plot")
        if ok.any():
            self.gax.set_ylim(gap[ok].min() / 5, gap[ok].max() * 5)
        n = result["n_steps"]
        self.gax.set_xlim(0, max(int(n), 1) if isinstance(n, (int, float, np.integer)) and np.isfinite(n) else 1)
        jf = result["J_final"]
        if not np.isfinite(jf):
            self.gax_title.set_text("")
        elif result["diverged_at"] is not None:
            self.gax_title.set_text(f"last finite iterate t = {len(gap) - 1}: J = {jf:.6g}")
        else:
            self.gax_title.set_text(f"after {len(gap) - 1} steps: J = {jf:.6g} (sup J = {result['J_sup']:g})")


def ascent_explorer(landscape="corridor", step_size=0.3, n_steps=30, theta0=(-2.5, 2.0), large=False):
    """Controls for the landscape, step size α (log scale, 0.001 to 1000), steps and start θ₀.

    The notebook cell is just ``ascent_explorer()``. See chapter 4.

    Examples
    --------
    >>> ex = ascent_explorer(landscape="bandit", step_size=5.0, n_steps=100, theta0=(-1.0, 1.0))
    >>> bool(ex.result["path"][-1, 0] < 0), round(ex.result["J_final"], 2)
    (True, 0.8)
    """
    return AscentExplorer(large=large, landscape=landscape, step_size=float(step_size),
                          n_steps=int(n_steps), theta1=float(theta0[0]), theta2=float(theta0[1]))
