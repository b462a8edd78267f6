"""Figures and explorers of chapters 7, 8 and 12: gradient bandit, REINFORCE, a GRPO-style toy.

Drawing only: every number comes from :mod:`pgcore.gradient_bandit`,
:mod:`pgcore.reinforce` and :mod:`pgcore.grpo` (and
:mod:`pgcore`'s exact quantities, passed in by the caller).
"""

from __future__ import annotations

import math
import time
import warnings

import numpy as np
from matplotlib.ticker import NullLocator

from .. import grpo
from ..reinforce import kernel_backend, reinforce
from ..stats import mean_and_band
from ..envs import corridor_performance, corridor_policy, corridor_theta, short_corridor
from ..plotting import COLORS, annotate_message, freeze_layout, new_figure
from ._base import Explorer

__all__ = [
    "plot_percent_optimal",
    "plot_running_mean",
    "plot_spread",
    "plot_variance_vs_shift",
    "plot_learning_curves",
    "plot_answer_training",
    "ReinforceExplorer",
    "reinforce_explorer",
    "GroupExplorer",
    "grpo_explorer",
]


_SUP = str.maketrans("0123456789-.", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻·")


def _pow2(log2):
    """``2`` to a power in Unicode superscripts, e.g. 2⁻¹²·⁵ (plain text renders faster than mathtext)."""
    return "2" + f"{log2:g}".translate(_SUP)


def _band(ax, x, samples, color, label, lw=1.6):
    """Mean over runs (axis 0) as a line and its 95% confidence band."""
    mean, half = mean_and_band(samples, axis=0, finite=False)
    (line,) = ax.plot(x, mean, color=color, lw=lw, label=label)
    band = ax.fill_between(x, mean - half, mean + half, color=color, alpha=0.25, lw=0)
    return line, band


# --------------------------------------------------------------------------
# static figures
# --------------------------------------------------------------------------
def plot_percent_optimal(curves, large=False):
    """Sutton & Barto's Figure 2.5: % optimal action against steps, with 95% bands.

    Parameters
    ----------
    curves : dict
        label -> boolean array (n_runs, n_steps), whether each step chose an
        optimal arm (:attr:`pgcore.algorithms.GradientBanditResult.optimal`).
    """
    fig, ax = new_figure(width=6.6, height=3.8, large=large)
    styles = ["-", "--"]
    for i, (label, opt) in enumerate(curves.items()):
        opt = np.asarray(opt, dtype=float) * 100
        steps = np.arange(1, opt.shape[1] + 1)
        line, _ = _band(ax, steps, opt, COLORS[i // 2], label)
        line.set_linestyle(styles[i % 2])
    ax.set_xlabel("steps t")
    ax.set_ylabel("% optimal action")
    ax.set_ylim(0, 100)
    ax.set_xlim(1, None)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_running_mean(samples, exact, labels, title="", xlabel="number of episodes", large=False):
    r"""Running mean of gradient estimates against their number, with ±2 standard errors.

    Parameters
    ----------
    samples : dict
        label -> array (n, d) of estimates (e.g. without and with a baseline).
    exact : array_like, shape (d,)
        The exact gradient, drawn as dashed lines.
    labels : sequence of str
        Names of the d components.
    """
    exact = np.asarray(exact, dtype=float)
    d = exact.size
    fig, axes = new_figure(ncols=d, width=4.2 * d, height=3.4, large=large)
    axes = np.atleast_1d(axes)
    for j, ax in enumerate(axes):
        for i, (name, g) in enumerate(samples.items()):
            g = np.asarray(g, dtype=float)[:, j]
            n = np.arange(1, g.size + 1)
            mean = np.cumsum(g) / n
            sd = np.sqrt(np.maximum(np.cumsum(g * g) / n - mean**2, 0.0) * n / np.maximum(n - 1, 1))
            se = sd / np.sqrt(n)
            ax.plot(n, mean, color=COLORS[i], lw=1.4, label=f"running mean, {name}")
            ax.fill_between(n, mean - 2 * se, mean + 2 * se, color=COLORS[i], alpha=0.2, lw=0)
        ax.axhline(exact[j], color="k", ls="--", lw=1.2, label="policy gradient theorem")
        ax.set_xscale("log")
        ax.set_xlim(10, None)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(labels[j])
    axes[0].legend(fontsize="small", loc="best")
    if title:
        fig.suptitle(title)
    return fig


def plot_spread(values, ylabel, title="", colors=None, large=False, log=False):
    """Bar chart of one number per labelled case, printed on the bars.

    ``values`` is a dict label -> float (e.g. the variance of an estimator).
    """
    labels = list(values)
    v = np.array([values[k] for k in labels], dtype=float)
    fig, ax = new_figure(width=max(4.0, 1.3 * len(labels) + 1.5), height=3.4, large=large)
    bars = ax.bar(labels, v, color=colors or [COLORS[i % len(COLORS)] for i in range(len(labels))])
    for b, x in zip(bars, v):
        ax.text(b.get_x() + b.get_width() / 2, x, f"{x:.3g}", ha="center", va="bottom", fontsize="small")
    if log:
        ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.tick_params(axis="x", labelsize="small")
    return fig


def plot_variance_vs_shift(shifts, variances, xlabel="reward shift c", ylabel="total variance of one estimate",
                           large=False):
    """Variance of gradient estimates against a constant added to every reward, log scale.

    ``variances`` is a dict label -> array of the same length as ``shifts``.
    """
    shifts = np.asarray(shifts, dtype=float)
    fig, ax = new_figure(width=6.0, height=3.6, large=large)
    markers = ["o", "s", "^", "D"]
    for i, (label, v) in enumerate(variances.items()):
        ax.plot(shifts, np.asarray(v, dtype=float), marker=markers[i % 4], ms=4, color=COLORS[i], label=label)
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return fig


def plot_learning_curves(curves, v_star=None, ylabel="total reward on episode", ylim=(-90, -5),
                         large=False):
    """Mean return per episode over runs with 95% bands (Sutton & Barto's Figures 13.1, 13.2).

    Parameters
    ----------
    curves : dict
        label -> returns array (n_runs, n_episodes).
    v_star : float, optional
        Drawn as a dashed horizontal line (the best value the policy class can reach).
    """
    fig, ax = new_figure(width=6.6, height=4.0, large=large)
    for i, (label, ret) in enumerate(curves.items()):
        ret = np.asarray(ret, dtype=float)
        _band(ax, np.arange(1, ret.shape[1] + 1), ret, COLORS[i], label)
    if v_star is not None:
        ax.axhline(v_star, color="0.3", ls="--", lw=1.2, label=rf"$J^* \approx {v_star:.2f}$")
    ax.set_xlabel("episode")
    ax.set_ylabel(ylabel)
    ax.set_ylim(*ylim)
    ax.set_xlim(1, None)
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_answer_training(results, prompts=None, large=False):
    """Expected accuracy over iterations (left) and per prompt at the end (right).

    ``results`` is a dict label -> :class:`pgcore.algorithms.AnswerTrainingResult`.
    """
    fig, (ax1, ax2) = new_figure(ncols=2, width=10.0, height=3.8, large=large)
    n_methods = len(results)
    width = 0.8 / max(n_methods, 1)
    for i, (label, res) in enumerate(results.items()):
        it = np.arange(res.performance.shape[1])
        _band(ax1, it, res.performance, COLORS[i], label)
        final = res.p_correct[:, -1].mean(axis=0)
        start = res.p_correct[:, 0].mean(axis=0)
        x = np.arange(final.size) + (i - (n_methods - 1) / 2) * width
        ax2.bar(x, final, width=width, color=COLORS[i])
        if i == 0:
            ax2.plot(np.arange(final.size), start, "k_", ms=18, mew=2)
    ax1.set_xlabel("iteration")
    ax1.set_ylabel(r"expected accuracy $J(\theta)$")
    ax1.set_ylim(0, 1.02)
    ax1.legend(loc="lower right", fontsize="small")
    P = next(iter(results.values())).p_correct.shape[2]
    ax2.set_xticks(np.arange(P), prompts or [f"prompt {p + 1}" for p in range(P)])
    ax2.set_ylabel("P(correct answer) at the end")
    ax2.set_ylim(0, 1.05)
    ax2.set_title("colours as on the left; black: before training", fontsize="small")
    return fig


# --------------------------------------------------------------------------
# chapter 8: REINFORCE on the short corridor
# --------------------------------------------------------------------------
class ReinforceExplorer(Explorer):
    r"""A 100-run REINFORCE study of the short corridor, re-run at every change.

    Controls: :math:`\log_2 \alpha` (``log2_step``), the baseline on or off,
    and :math:`\log_2 \alpha^w` (``log2_baseline_step``). Each update runs
    :func:`pgcore.algorithms.reinforce` for ``n_runs`` runs of ``n_episodes``
    episodes from p(right) = 0.05, with the book's state-blind scalar baseline,
    and draws the mean return per episode and the mean p(right) with 95%
    bands. ``compute`` returns the curves, the mean return of the last 100
    episodes (``final``), the wall time (``seconds``) and a ``message`` when
    episodes were cut off at ``max_steps`` or runs diverged; it never raises.

    Examples
    --------
    >>> ex = ReinforceExplorer()
    >>> bool(-16 < ex.result["final"] < -11)
    True
    >>> r = ex.set(baseline=True, log2_step=-9.0)
    >>> bool(abs(r["final"] - r["v_star"]) < 1.0)
    True
    """

    title = "REINFORCE on the short corridor"
    defaults = {"log2_step": -13.0, "baseline": False, "log2_baseline_step": -6.0}
    limits = {"log2_step": (-16.0, -6.0, "float"), "log2_baseline_step": (-10.0, -2.0, "float")}
    n_runs = 100
    n_episodes = 1000
    max_steps = 2000
    seed = 2018
    p0 = 0.05
    # Without the compiled kernel (numpy fallback, ~100x slower) one update
    # runs a smaller study in pieces of `numpy_chunk` episodes until
    # `numpy_budget` seconds are spent, and the figure says how far it got.
    numpy_runs = 20
    numpy_max_steps = 500
    numpy_chunk = 4
    numpy_budget = 0.7

    def make_figure(self):
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=self.large)
        self.ax1, self.ax2 = ax1, ax2
        self.mdp, self.policy = short_corridor(), corridor_policy()
        self.v_star = float(corridor_performance(2 - math.sqrt(2)))
        self.p_star = 2 - math.sqrt(2)
        x = np.arange(1, self.n_episodes + 1)
        z = np.full(self.n_episodes, np.nan)
        (self.ret_line,) = ax1.plot(x, z, color=COLORS[0], lw=1.4)
        self.ret_band = None
        ax1.axhline(self.v_star, color="0.3", ls="--", lw=1.2)
        ax1.text(self.n_episodes, self.v_star + 2, rf"$J^* \approx {self.v_star:.2f}$", ha="right",
                 va="bottom", fontsize="small")
        ax1.set_xlabel("episode")
        ax1.set_ylabel("total reward on episode")
        ax1.set_ylim(-90, -5)
        ax1.set_xlim(1, self.n_episodes)
        x2 = np.arange(self.n_episodes + 1)
        (self.p_line,) = ax2.plot(x2, np.full(x2.size, np.nan), color=COLORS[1], lw=1.4)
        self.p_band = None
        ax2.axhline(self.p_star, color="0.3", ls="--", lw=1.2)
        ax2.text(self.n_episodes, self.p_star + 0.03, rf"best $p = 2-\sqrt{{2}} \approx {self.p_star:.3f}$",
                 ha="right", va="bottom", fontsize="small")
        ax2.set_xlabel("episode")
        ax2.set_ylabel("p = probability of right")
        ax2.set_ylim(0, 1)
        ax2.set_xlim(0, self.n_episodes)
        self.title_text = fig.suptitle("")
        self._frozen = False
        self.msg = annotate_message(ax1, "")
        self.msg.set_visible(False)
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "log2_step": W.FloatSlider(min=-16, max=-6, step=0.5, description="log₂ α (policy)",
                                       continuous_update=False, style=style),
            "baseline": W.Checkbox(description="learned baseline (one scalar w)", style=style),
            "log2_baseline_step": W.FloatSlider(min=-10, max=-2, step=0.5, description="log₂ αʷ (baseline)",
                                                continuous_update=False, style=style),
        }

    def inactive_controls(self, values):
        """The baseline's step size does nothing while the baseline is off."""
        return set() if values["baseline"] else {"log2_baseline_step"}

    def compute(self, log2_step, baseline, log2_baseline_step):
        alpha = 2.0 ** float(log2_step)
        alpha_w = 2.0 ** float(log2_baseline_step) if baseline else None
        t0 = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                if kernel_backend() == "c":
                    res = reinforce(self.mdp, self.policy, corridor_theta(self.p0), alpha, self.n_episodes,
                                    n_runs=self.n_runs, seed=self.seed, baseline_step_size=alpha_w,
                                    baseline_features=np.ones((4, 1)) if baseline else None,
                                    max_steps=self.max_steps, record_theta=True)
                    returns, th, message, backend = res.returns, res.theta_history, res.message, res.backend
                    n_runs, n_done, n_truncated = self.n_runs, self.n_episodes, res.n_truncated
                else:
                    returns, th, message, n_done, n_truncated = self._numpy_study(alpha, alpha_w, t0)
                    backend, n_runs = "numpy", self.numpy_runs
        except (ValueError, MemoryError) as exc:  # pragma: no cover - controls cannot reach this
            return {"message": str(exc), "alpha": alpha, "v_star": self.v_star}
        seconds = time.perf_counter() - t0
        with np.errstate(over="ignore", invalid="ignore"):
            p = 1.0 / (1.0 + np.exp(th[..., 0] - th[..., 1]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN after divergence
            final = float(np.nanmean(returns[:, max(0, n_done - 100):n_done]))
            p_final = float(np.nanmean(p[:, n_done]))
        return {"alpha": alpha, "alpha_w": alpha_w, "returns": returns, "p": p, "final": final,
                "p_final": p_final, "v_star": self.v_star, "seconds": seconds, "n_runs": n_runs,
                "n_episodes_done": n_done, "backend": backend, "n_truncated": n_truncated, "message": message}

    def _numpy_study(self, alpha, alpha_w, t0):
        """The study without the C kernel: fewer runs, in pieces, until the time budget is spent.

        Every piece has its own seed, so the episodes that are shown are the
        same whatever the machine's speed; a faster machine shows more of them.
        """
        n, E, d = self.numpy_runs, self.n_episodes, self.policy.d
        returns = np.full((n, E), np.nan)
        th = np.full((n, E + 1, d), np.nan)
        theta = np.broadcast_to(corridor_theta(self.p0), (n, d)).copy()
        th[:, 0] = theta
        w = None
        dead = np.zeros(n, dtype=bool)
        seeds = np.random.SeedSequence(self.seed).spawn(-(-E // self.numpy_chunk))
        done, n_truncated = 0, 0
        while done < E and (done == 0 or time.perf_counter() - t0 < self.numpy_budget):
            k = min(self.numpy_chunk, E - done)
            res = reinforce(self.mdp, self.policy, np.where(dead[:, None], 0.0, theta), alpha, k, n_runs=n,
                            seed=seeds[done // self.numpy_chunk], baseline_step_size=alpha_w,
                            baseline_features=np.ones((4, 1)) if alpha_w is not None else None,
                            w0=None if w is None else np.where(dead[:, None], 0.0, w),
                            max_steps=self.numpy_max_steps, record_theta=True, backend="numpy")
            returns[:, done:done + k] = np.where(dead[:, None], np.nan, res.returns)
            th[:, done + 1:done + k + 1] = np.where(dead[:, None, None], np.nan, res.theta_history[:, 1:])
            dead |= res.diverged
            theta, w = res.theta, res.w
            n_truncated += res.n_truncated
            done += k
        parts = [f"no C kernel (numpy fallback): {n} runs, {done} of {E} episodes within the "
                 f"{self.numpy_budget:g} s budget, episodes cut at {self.numpy_max_steps} steps"]
        if n_truncated:
            parts.append(f"{n_truncated} episodes cut off")
        if dead.any():
            parts.append(f"{int(dead.sum())} of {n} runs diverged")
        return returns, th, "; ".join(parts), done, n_truncated

    def draw(self, result):
        for band in (self.ret_band, self.p_band):
            if band is not None:
                band.remove()
        self.ret_band = self.p_band = None
        if "returns" not in result:
            self.msg.set_text(result["message"])
            self.msg.set_visible(True)
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns after divergence
            m, h = mean_and_band(result["returns"], finite=False)
            pm, ph = mean_and_band(result["p"], finite=False)
        x = np.arange(1, m.size + 1)
        self.ret_line.set_ydata(m)
        self.ret_band = self.ax1.fill_between(x, m - h, m + h, color=COLORS[0], alpha=0.25, lw=0)
        self.p_line.set_ydata(pm)
        self.p_band = self.ax2.fill_between(np.arange(pm.size), pm - ph, pm + ph, color=COLORS[1], alpha=0.25, lw=0)
        bl = (f"baseline αʷ = {_pow2(math.log2(result['alpha_w']))}" if result["alpha_w"] is not None
              else "no baseline")
        # two short lines: one line of this text is wider than the figure and gets clipped
        self.title_text.set_text(
            f"α = {_pow2(math.log2(result['alpha']))}, {bl}: mean of last 100 episodes "
            f"{result['final']:.2f}\n(mean and 95% band of {result['n_runs']} runs; study took "
            f"{result['seconds']:.2f} s)")
        self.msg.set_text(result["message"])
        self.msg.set_visible(bool(result["message"]))
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def reinforce_explorer(log2_step=-13.0, baseline=False, log2_baseline_step=-6.0, large=False):
    """Step size and baseline on/off for a 100-run REINFORCE study of the short corridor.

    The notebook cell is just ``reinforce_explorer()``. See chapter 8.

    Examples
    --------
    >>> ex = reinforce_explorer(log2_step=-12.0)
    >>> ex.result["returns"].shape
    (100, 1000)
    """
    return ReinforceExplorer(large=large, log2_step=float(log2_step), baseline=bool(baseline),
                             log2_baseline_step=float(log2_baseline_step))


# --------------------------------------------------------------------------
# chapter 12: group size in the GRPO-style toy
# --------------------------------------------------------------------------
class GroupExplorer(Explorer):
    r"""Group size (and a reward shift) for GRPO against REINFORCE on the answer task.

    ``compute`` trains ``n_runs`` runs of each method for ``n_iters``
    iterations (:func:`pgcore.algorithms.train_answers`) and estimates, at
    the pretrained model, the noise-to-signal ratio of each estimator
    (total variance over the squared norm of its mean,
    :func:`pgcore.algorithms.answer_gradient_samples`). It returns the
    curves, ``final`` accuracies and ``noise`` ratios per method; with a
    group of one answer the group methods learn nothing, and it says so in
    ``message``. It never raises.

    Examples
    --------
    >>> ex = GroupExplorer()
    >>> bool(ex.result["final"]["GRPO"] > ex.result["final"]["REINFORCE"])
    True
    >>> r = ex.set(reward_shift=1.0)
    >>> bool(r["noise"]["REINFORCE"] > 5 * r["noise"]["GRPO"])
    True
    """

    title = "GRPO-style toy: the group"
    defaults = {"group_size": 8, "reward_shift": 0.0, "log2_step": 1.0}
    limits = {"group_size": (1, 64, "int"), "reward_shift": (0.0, 3.0, "float"), "log2_step": (-2.0, 4.0, "float")}
    n_runs = 40
    n_iters = 80
    n_groups = 800
    seed = 2024
    methods = {"REINFORCE": "reinforce", "group mean": "group_mean", "GRPO": "grpo"}

    def make_figure(self):
        self.task = grpo.answer_task()
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=self.large)
        self.ax1, self.ax2 = ax1, ax2
        it = np.arange(self.n_iters + 1)
        self.lines, self.bands = {}, {}
        for i, name in enumerate(self.methods):
            (self.lines[name],) = ax1.plot(it, np.full(it.size, np.nan), color=COLORS[i], lw=1.5, label=name)
            self.bands[name] = None
        ax1.set_xlabel("iteration")
        ax1.set_ylabel(r"expected accuracy $J(\theta)$")
        ax1.set_ylim(0, 1.02)
        ax1.set_xlim(0, self.n_iters)
        ax1.legend(loc="lower right", fontsize="small")
        self.bars = ax2.bar(list(self.methods), np.ones(len(self.methods)),
                            color=[COLORS[i] for i in range(len(self.methods))])
        self.bar_text = [ax2.text(b.get_x() + b.get_width() / 2, 1.0, "", ha="center", va="bottom",
                                  fontsize="small") for b in self.bars]
        ax2.set_yscale("log")
        ax2.set_ylim(0.01, 100)
        ax2.yaxis.set_minor_locator(NullLocator())  # fewer artists: a faster redraw
        ax2.set_ylabel("noise-to-signal at the start")
        self.title_text = fig.suptitle("")
        self.msg = annotate_message(ax1, "")
        self.msg.set_visible(False)
        self._frozen = False
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "group_size": W.IntSlider(min=1, max=64, step=1, description="group size G",
                                      continuous_update=False, style=style),
            "reward_shift": W.FloatSlider(min=0.0, max=3.0, step=0.25, description="reward shift c",
                                          continuous_update=False, style=style),
            "log2_step": W.FloatSlider(min=-2.0, max=4.0, step=0.5, description="log₂ α",
                                       continuous_update=False, style=style),
        }

    def compute(self, group_size, reward_shift, log2_step):
        G = max(1, int(group_size))
        alpha = 2.0 ** float(log2_step)
        task = grpo.AnswerTask(self.task.prompts, self.task.tokens, self.task.rewards + float(reward_shift),
                             self.task.theta0)
        curves, final, noise = {}, {}, {}
        for k, (name, method) in enumerate(self.methods.items()):
            res = grpo.train_answers(task, alpha, self.n_iters, G, method, n_runs=self.n_runs, seed=self.seed + k)
            # accuracy, whatever the shift: the probability of the correct answer
            curves[name] = res.p_correct.mean(axis=-1)
            final[name] = float(curves[name][:, -1].mean())
            g = grpo.answer_gradient_samples(task.rewards, task.theta0, G, self.n_groups, method, seed=self.seed)
            mean2 = float((g.mean(axis=0) ** 2).sum())
            noise[name] = float(g.var(axis=0).sum() / mean2) if mean2 > 0 else float("inf")
        message = ("G = 1: every group has one answer, so the group methods never move"
                   if G == 1 else "")
        return {"group_size": G, "alpha": alpha, "reward_shift": float(reward_shift), "curves": curves,
                "final": final, "noise": noise, "message": message}

    def draw(self, result):
        it = np.arange(self.n_iters + 1)
        for i, (name, c) in enumerate(result["curves"].items()):
            m, h = mean_and_band(c, finite=False)
            self.lines[name].set_ydata(m)
            if self.bands[name] is not None:
                self.bands[name].remove()
            self.bands[name] = self.ax1.fill_between(it, m - h, m + h, color=COLORS[i], alpha=0.2, lw=0)
        for b, t, name in zip(self.bars, self.bar_text, self.methods):
            v = result["noise"][name]
            shown = v if np.isfinite(v) else 100.0
            b.set_height(min(max(shown, 0.011), 99.0))
            t.set_y(min(max(shown, 0.011), 99.0))
            t.set_text(f"{v:.3g}" if np.isfinite(v) else "no signal")
        self.title_text.set_text(
            f"G = {result['group_size']}, α = {_pow2(math.log2(result['alpha']))}, rewards shifted by "
            f"{result['reward_shift']:g}: final accuracy "
            + ", ".join(f"{k} {v:.2f}" for k, v in result["final"].items()))
        self.msg.set_text(result["message"])
        self.msg.set_visible(bool(result["message"]))
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def grpo_explorer(group_size=8, reward_shift=0.0, log2_step=1.0, large=False):
    """Group size, reward shift and step size for GRPO, the group mean and REINFORCE.

    The notebook cell is just ``grpo_explorer()``. See chapter 12.

    Examples
    --------
    >>> ex = grpo_explorer(group_size=2)
    >>> sorted(ex.result["final"])
    ['GRPO', 'REINFORCE', 'group mean']
    """
    return GroupExplorer(large=large, group_size=int(group_size), reward_shift=float(reward_shift),
                         log2_step=float(log2_step))
