"""One plotting style for the whole book, and the figures the chapters share.

Everything here draws; nothing here computes. Functions take numbers that the
math modules produced and return matplotlib objects. Figures are made with
:class:`matplotlib.figure.Figure` directly (not pyplot), so a notebook shows a
figure only when asked to, and widgets can redraw the same figure.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.figure import Figure

__all__ = [
    "COLORS",
    "STYLE",
    "new_figure",
    "png_bytes",
    "show",
    "LiveFigure",
    "bar_probabilities",
    "update_bars",
    "annotate_message",
    "freeze_layout",
]

#: Colour-blind-safe palette (Okabe & Ito), used in this order everywhere.
COLORS = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]

#: rcParams applied to every figure of the book.
STYLE = {
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "savefig.bbox": "standard",  # constrained layout already fits; "tight" would draw twice
    "lines.linewidth": 2.0,
}


def new_figure(ncols=1, nrows=1, width=6.4, height=3.6, large=False, **subplot_kw):
    """A figure in the book's style and its axes.

    Parameters
    ----------
    ncols, nrows : int
    width, height : float
        Size in inches.
    large : bool
        Presentation mode for classrooms: 1.6 times larger, bigger fonts.

    Returns
    -------
    fig : matplotlib.figure.Figure
    axes : Axes or numpy.ndarray of Axes
    """
    import matplotlib as mpl

    scale = 1.6 if large else 1.0
    style = dict(STYLE)
    if large:
        for key in ("font.size", "axes.titlesize", "axes.labelsize"):
            style[key] = style[key] * 1.5
    with mpl.rc_context(style):
        fig = Figure(figsize=(width * scale, height * scale), layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=True, subplot_kw=subplot_kw or None)
    fig._pg_style = style  # re-applied when the figure is rendered
    axs = np.atleast_1d(axes)
    for ax in axs.ravel():
        ax.set_prop_cycle(color=COLORS)
    return fig, axes


def png_bytes(fig):
    """Render ``fig`` to PNG bytes in the book's style.

    Draws on an Agg canvas and encodes the pixels with fast PNG compression:
    a widget redraw costs one draw, about 20 ms less than ``savefig``, which
    sets up a new renderer and compresses harder for a file a few per cent
    smaller. The figure is saved whole (its layout engine keeps it inside).
    """
    import matplotlib as mpl
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    with mpl.rc_context(getattr(fig, "_pg_style", STYLE)):
        canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
        canvas.draw()
        width, height = canvas.get_width_height(physical=True)
        image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1)
        buf = io.BytesIO()
        image.save(buf, format="png", compress_level=1)
    return buf.getvalue()


def show(fig):
    """Display ``fig`` as a plain PNG image output (works with any backend)."""
    from IPython.display import Image, display

    display(Image(data=png_bytes(fig)))


class LiveFigure:
    """A figure shown once as a plain image and redrawn in place.

    The image is an ordinary ``image/png`` output, so the static HTML book
    shows the default figure even where widgets cannot run; in a live kernel
    :meth:`refresh` replaces it through its display id.
    """

    def __init__(self, fig):
        self.fig = fig
        self.handle = None

    def _image(self):
        from IPython.display import Image

        return Image(data=png_bytes(self.fig))

    def show(self):
        """Display the figure and remember where."""
        from IPython.display import display

        self.handle = display(self._image(), display_id=True)
        return self.handle

    def refresh(self):
        """Redraw the figure where it was shown (no-op before :meth:`show`)."""
        if self.handle is not None:
            self.handle.update(self._image())


def bar_probabilities(ax, probs, labels, color=None, ylabel="probability"):
    """Bar chart of a probability vector with the values printed on the bars.

    Returns the bar container so a widget can update heights in place.
    """
    probs = np.asarray(probs, dtype=float)
    bars = ax.bar(labels, probs, color=color or COLORS[0])
    ax.set_ylim(0, 1.08)
    ax.set_ylabel(ylabel)
    texts = [ax.text(b.get_x() + b.get_width() / 2, p + 0.02, f"{p:.3f}", ha="center", va="bottom",
                     fontsize="small") for b, p in zip(bars, probs)]
    bars._pg_texts = texts
    return bars


def update_bars(bars, values):
    """Set new heights (and their printed values) on bars from :func:`bar_probabilities`."""
    for b, t, v in zip(bars, bars._pg_texts, values):
        b.set_height(v)
        t.set_y(v + 0.02)
        t.set_text(f"{v:.3f}")


def annotate_message(ax, message, color="#D55E00"):
    """Write a warning across an axes (e.g. 'diverged at step 7')."""
    return ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center",
                   color=color, fontsize="large", wrap=True,
                   bbox=dict(facecolor="white", alpha=0.85, edgecolor=color))


def freeze_layout(fig):
    """Lay ``fig`` out once with its layout engine, then keep that layout fixed.

    For widgets: a redraw then skips the layout pass, so an update costs one
    draw. Call it after the artists exist and before the first update.
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig
