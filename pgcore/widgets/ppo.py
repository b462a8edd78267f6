"""Figures and the explorer of chapter 10, "PPO" (drawing only).

Every number comes from :mod:`pgcore.ppo`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import LogLocator, MaxNLocator, NullFormatter, ScalarFormatter

from .. import ppo
from ..action_values import value_iteration
from ..envs import wall_gridworld
from ..mdp import evaluate
from ..plotting import COLORS, freeze_layout, new_figure
from ..policy import SoftmaxPolicy
from ..stats import mean_and_band
from ._base import Explorer

__all__ = ["plot_learning_curves", "plot_epochs", "PPOExplorer", "ppo_explorer", "ratio_update"]

#: log2 of the ratio: the histogram's range (ratios beyond it are counted in the end bins)
_LOG2_RANGE = (-4.0, 3.0)
_N_BINS = 56


def plot_learning_curves(curves, reference=None, reference_label=None, xlabel="iteration", ylabel=r"$J(\theta)$",
                         ylim=None, large=False):
    """Means over runs with 95% bands (:func:`pgcore.stats.mean_and_band`), one curve per label.

    ``curves`` maps a label to an array (n_runs, n_points); point 0 is the start.
    """
    fig, ax = new_figure(width=6.8, height=3.8, large=large)
    for i, (label, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        mean, half = mean_and_band(y, axis=0, finite=False)
        x = np.arange(y.shape[1])
        ax.plot(x, mean, color=COLORS[i], lw=1.6, label=label)
        ax.fill_between(x, mean - half, mean + half, color=COLORS[i], alpha=0.25, lw=0)
    if reference is not None:
        ax.axhline(reference, color="0.3", ls="--", lw=1.2, label=reference_label)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlim(0, None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_epochs(rows, large=False, j_linthresh=None):
    """Per-epoch diagnostics of one PPO update, several settings side by side.

    ``rows`` maps a label to a dict with arrays ``J`` (epochs + 1: before and after every
    epoch), ``kl`` and ``ratio_max`` (epochs), each the mean over batches. Three panels:
    the exact performance, the KL to the old policy, the largest ratio. With
    ``j_linthresh`` the performance axis is symmetric-log, linear within ±``j_linthresh``
    (so that a small change near the start stays visible next to a collapse).
    """
    fig, axes = new_figure(ncols=3, width=10.0, height=3.4, large=large)
    for i, (label, r) in enumerate(rows.items()):
        K = len(r["kl"])
        axes[0].plot(np.arange(K + 1), r["J"], "o-", ms=3, color=COLORS[i], label=label)
        axes[1].plot(np.arange(1, K + 1), r["kl"], "o-", ms=3, color=COLORS[i])
        axes[2].plot(np.arange(1, K + 1), r["ratio_max"], "o-", ms=3, color=COLORS[i])
    axes[0].set_ylabel(r"$J(\theta)$ after the epoch")
    if j_linthresh is not None:
        axes[0].set_yscale("symlog", linthresh=j_linthresh, linscale=2.0)
        low = min(float(np.nanmin(r["J"])) for r in rows.values())
        ticks = [-j_linthresh * f for f in (0.25, 0.5, 0.75, 1.0)]
        ticks += [-(10.0**k) for k in range(int(np.log10(j_linthresh)) + 1, 12) if -(10.0**k) >= low * 1.5]
        axes[0].set_yticks(ticks, [f"{t:g}".replace("-", "\u2212") for t in ticks])
    axes[1].set_ylabel(r"mean $D_{\mathrm{KL}}(\pi_{\mathrm{old}} \,\|\, \pi_\theta)$")
    axes[1].set_yscale("log")
    axes[2].set_ylabel(r"largest $\rho$ of a batch, mean")
    axes[2].set_yscale("log")
    axes[2].yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axes[2].yaxis.set_major_formatter(ScalarFormatter())
    axes[2].yaxis.set_minor_formatter(NullFormatter())
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[0].legend(fontsize="small")
    return fig


def ratio_update(batch, policy, mdp, step_size, epochs, clip, use_clip, seed=0):
    """The explorer's numbers: one PPO update of every batch, and what it did.

    Returns a dict: ``J`` (epochs + 1, mean over batches of the exact
    :math:`J(\\theta)` before and after every epoch), ``J_runs`` (n_runs, epochs + 1),
    ``kl`` and ``clip_fraction`` (epochs, means over batches), ``ratios`` (every
    sample's ratio after the last epoch, pooled over batches), ``outside`` (the
    fraction of them outside :math:`[1-\\epsilon, 1+\\epsilon]`) and ``ratio_max``.
    """
    u = ppo.ppo_update(policy, batch, step_size, epochs=epochs, minibatches=4, clip=clip,
                       method="clip" if use_clip else "none", seed=seed)
    thetas = np.concatenate([batch.theta_old[:, None, :], u.theta_epochs], axis=1)
    J = ppo.performances(mdp, policy, thetas)
    rho = ppo.ratios(policy, batch, u.theta)
    rho = rho[np.isfinite(rho)]
    return {"J": np.nanmean(J, axis=0), "J_runs": J, "kl": np.nanmean(u.kl, axis=0),
            "clip_fraction": np.nanmean(u.clip_fraction, axis=0), "ratios": rho,
            "outside": float(np.mean(np.abs(rho - 1) > clip)), "ratio_max": float(rho.max()),
            "ratio_min": float(rho.min())}


class PPOExplorer(Explorer):
    r"""One PPO update on fixed batches of the gridworld: the clip range ϵ, the number of epochs, clip on or off.

    Eight batches of 16 episodes each, sampled once from the uniform policy on
    :func:`pgcore.envs.wall_gridworld` (tabular softmax, 64 parameters), with
    GAE(0.95) advantages from the exact values :math:`v_\pi`. Every change
    runs :func:`pgcore.ppo.ppo_update` on each batch (4 minibatches per
    epoch) and shows the exact :math:`J(\theta)` after every epoch (left) and
    the ratios :math:`\rho` of all samples after the last epoch (right, log
    scale, the clip range shaded). ``compute`` is :func:`ratio_update`.

    Examples
    --------
    >>> ex = PPOExplorer()
    >>> r = ex.set(epochs=1, use_clip=True)
    >>> bool(r["J"][1] > r["J"][0])
    True
    >>> r = ex.set(epochs=10, use_clip=False)
    >>> bool(r["ratio_max"] > 1 + ex.values["clip"])
    True
    """

    title = "PPO: one update, several epochs"
    defaults = {"clip": 0.2, "epochs": 10, "log2_step": 0.0, "use_clip": True}
    limits = {"clip": (0.05, 1.0, "float"), "epochs": (1, 20, "int"), "log2_step": (-3.0, 2.0, "float")}
    n_batches, n_episodes, seed = 8, 16, 10

    def make_figure(self):
        self.mdp = wall_gridworld()
        self.policy = SoftmaxPolicy.tabular(self.mdp.n_states, self.mdp.n_actions)
        theta = np.zeros(self.policy.d)
        v, _ = evaluate(self.mdp, self.policy.probs(theta))
        self.batch = ppo.collect(self.mdp, self.policy, theta, self.n_episodes, lam=0.95, critic=v,
                                 n_runs=self.n_batches, seed=self.seed)
        self.J0 = float(ppo.performances(self.mdp, self.policy, theta[None])[0])
        self.J_star = float(self.mdp.start @ value_iteration(self.mdp)[1])     # v*(start), γ = 0.95
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.6, height=3.6, large=self.large)
        self.ax2 = ax2
        kmax = self.limits["epochs"][1]
        nan = np.full(kmax + 1, np.nan)
        self.run_lines = [ax1.plot(np.arange(kmax + 1), nan, color=COLORS[0], lw=0.8, alpha=0.35,
                                   label="each batch" if i == 0 else None)[0]
                          for i in range(self.n_batches)]
        (self.mean_line,) = ax1.plot(np.arange(kmax + 1), nan, "o-", color=COLORS[0], ms=3, lw=2,
                                     label="mean over 8 batches")
        ax1.axhline(self.J0, color="0.4", ls="--", lw=1.2, label=r"$J(\theta_{\mathrm{old}})$")
        ax1.axhline(self.J_star, color="0.2", ls=":", lw=1.2, label=rf"$J^* = {self.J_star:.2f}$ (best policy)")
        ax1.set_xlim(0, kmax)
        ax1.set_xticks(range(0, kmax + 1, 5))
        ax1.set_ylim(-22, -5)
        ax1.set_yticks([-20, -15, -10, -5])
        ax1.set_xlabel("epoch")
        ax1.set_ylabel(r"exact $J(\theta)$")
        ax1.legend(loc="lower right", fontsize="x-small")
        lo, hi = _LOG2_RANGE
        self.edges = np.linspace(lo, hi, _N_BINS + 1)
        self.hist = ax2.stairs(np.zeros(_N_BINS), self.edges, fill=True, color=COLORS[1])
        # an explicit Rectangle, not axvspan: axvspan returns a Polygon (no set_x) before
        # matplotlib 3.9, which is what the browser edition's Pyodide ships
        self.band = Rectangle((np.log2(0.8), 0.0), np.log2(1.2) - np.log2(0.8), 1.0,
                              transform=ax2.get_xaxis_transform(), color=COLORS[2], alpha=0.2, lw=0)
        ax2.add_patch(self.band)
        ax2.axvline(0.0, color="0.3", lw=1)
        ticks = [-4, -3, -2, -1, 0, 1, 2, 3]
        ax2.set_xticks(ticks, ["≤1/16", "1/8", "1/4", "1/2", "1", "2", "4", "≥8"])
        ax2.set_xlim(lo, hi)
        ax2.set_xlabel(r"ratio $\rho$ after the last epoch (log scale)")
        ax2.set_ylabel("share of samples")
        self.title_text = fig.suptitle("")
        self._frozen = False
        return fig

    def make_controls(self):
        import ipywidgets as W

        return {
            "clip": W.FloatSlider(min=0.05, max=1.0, step=0.05, description="clip range ϵ", continuous_update=False),
            "epochs": W.IntSlider(min=1, max=20, step=1, description="epochs", continuous_update=False),
            "log2_step": W.FloatSlider(min=-3.0, max=2.0, step=0.5, description="log₂ α (step size)",
                                       continuous_update=False),
            "use_clip": W.Checkbox(description="clip the ratio (off: plain surrogate ρÂ)"),
        }

    def compute(self, clip, epochs, log2_step, use_clip):
        r = ratio_update(self.batch, self.policy, self.mdp, 2.0 ** float(log2_step), int(epochs), float(clip),
                         bool(use_clip))
        r.update(clip=float(clip), epochs=int(epochs), alpha=2.0 ** float(log2_step), use_clip=bool(use_clip),
                 message="")
        return r

    def draw(self, result):
        K = result["epochs"]
        x = np.arange(K + 1)
        for line, J in zip(self.run_lines, result["J_runs"]):
            line.set_data(x, J)
        self.mean_line.set_data(x, result["J"])
        lo, hi = _LOG2_RANGE
        counts, _ = np.histogram(np.clip(np.log2(np.maximum(result["ratios"], 1e-300)), lo, hi - 1e-9),
                                 bins=self.edges)
        share = counts / max(counts.sum(), 1)
        self.hist.set_data(share)
        self.ax2.set_ylim(0, max(0.3, 1.1 * float(share.max())))     # the end bins hold everything beyond
        eps = result["clip"]
        a, b = np.log2(max(1 - eps, 2.0**lo)), np.log2(1 + eps)
        self.band.set_x(a)
        self.band.set_width(b - a)
        mode = "clipped surrogate" if result["use_clip"] else "no clip (plain ρÂ)"
        self.title_text.set_text(
            f"{mode}, ϵ = {eps:.2f}, {K} epoch{'s' if K > 1 else ''}, α = {result['alpha']:g}: "
            f"J {result['J'][0]:.2f} → {result['J'][-1]:.2f}\n"
            f"KL to $\\theta_{{\\rm old}}$ {result['kl'][-1]:.3f}, ρ from {result['ratio_min']:.2f} to {result['ratio_max']:.2f}, "
            f"{100 * result['outside']:.0f}% of samples outside [1−ϵ, 1+ϵ]")
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def ppo_explorer(clip=0.2, epochs=10, log2_step=0.0, use_clip=True, large=False):
    """The clip range, the number of epochs and the step size of one PPO update. See chapter 10.

    Examples
    --------
    >>> ex = ppo_explorer(epochs=3)
    >>> sorted(ex.values)
    ['clip', 'epochs', 'log2_step', 'use_clip']
    """
    return PPOExplorer(large=large, clip=float(clip), epochs=int(epochs), log2_step=float(log2_step),
                       use_clip=bool(use_clip))
