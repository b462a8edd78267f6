"""Figures for chapter 6, "Looking ahead" (drawing only)."""

from __future__ import annotations

import numpy as np

from ..plotting import COLORS, new_figure
from ..surrogates import ppo_clip_objective

__all__ = ["plot_ppo_clip", "plot_estimate_spread"]


def plot_ppo_clip(clip_eps=0.2, large=False):
    """PPO's clipped surrogate against the probability ratio, for A = +1 and A = -1."""
    r = np.linspace(0.0, 2.0, 401)
    fig, axes = new_figure(ncols=2, width=8.0, height=3.2, large=large)
    for ax, A, title in zip(axes, (1.0, -1.0), ("advantage A = +1", "advantage A = −1")):
        ax.plot(r, r * A, color=COLORS[7], lw=1.2, ls="--", label="unclipped $rA$")
        ax.plot(r, ppo_clip_objective(r, A, clip_eps), color=COLORS[0], label="clipped surrogate")
        for edge in (1 - clip_eps, 1 + clip_eps):
            ax.axvline(edge, color=COLORS[1], lw=1, ls=":")
        ax.axvline(1.0, color="0.6", lw=0.8)
        ax.set_xlabel(r"ratio $r = \pi_\theta(a|s)\,/\,\pi_{\theta_{old}}(a|s)$")
        ax.set_title(title)
    axes[0].set_ylabel("objective for one sample")
    axes[0].legend(loc="upper left")
    return fig


def plot_estimate_spread(samples, exact, labels, coord=0, large=False):
    """Histograms of one coordinate of per-sample gradient estimates, with the exact value.

    ``samples`` is a list of arrays of shape (n, d), one per estimator.
    """
    fig, ax = new_figure(width=6.4, height=3.4, large=large)
    lo = min(np.percentile(s[:, coord], 0.5) for s in samples)
    hi = max(np.percentile(s[:, coord], 99.5) for s in samples)
    bins = np.linspace(lo, hi, 60)
    for s, lab, c in zip(samples, labels, COLORS):
        ax.hist(s[:, coord], bins=bins, alpha=0.55, color=c, label=lab, density=True)
    ax.axvline(exact[coord], color=COLORS[3], lw=2, label=r"exact $\partial J/\partial\theta_%d$" % (coord + 1))
    ax.set_xlabel(r"one-sample estimate of $\partial J / \partial \theta_%d$" % (coord + 1))
    ax.set_ylabel("density")
    ax.legend()
    return fig
