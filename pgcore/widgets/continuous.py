"""Figures and the explorer of chapter 11, "Continuous actions": Gaussian policies.

Drawing only: every number comes from :mod:`pgcore.gaussian`.
"""

from __future__ import annotations

import numpy as np

from .. import gaussian as gs
from ..plotting import COLORS, annotate_message, freeze_layout, new_figure
from ..stats import mean_and_band
from ._base import Explorer

__all__ = [
    "plot_variance_vs_sigma",
    "plot_gaussian_training",
    "GaussianExplorer",
    "gaussian_explorer",
]


def plot_variance_vs_sigma(log_stds, variances, large=False):
    r"""Total variance of one-sample gradient estimates against :math:`\sigma` (log-log).

    ``variances`` maps a label (the baseline) to one total variance per entry of ``log_stds``.
    """
    sigma = np.exp(np.asarray(log_stds, dtype=float))
    fig, ax = new_figure(width=6.0, height=3.4, large=large)
    for i, (name, v) in enumerate(variances.items()):
        ax.plot(sigma, v, "o-", color=COLORS[i], lw=1.5, ms=4, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(r"standard deviation $\sigma$ of the policy")
    ax.set_ylabel("total variance of one estimate")
    ax.legend(fontsize="small")
    return fig


def plot_gaussian_training(results, J_star=None, every=1, large=False):
    r"""Learning curves of :meth:`pgcore.gaussian.GaussianTask.train`: exact :math:`J` and :math:`\sigma`.

    ``results`` maps a label to a :class:`pgcore.gaussian.GaussianTrainResult`;
    each curve is the mean over runs with a 95% band. ``J_star`` (the best
    achievable performance) is drawn dashed. :math:`\sigma` is the policy's
    standard deviation in the first state (the chapter's policies have one
    :math:`\sigma` for all states). Runs that diverged are left out, and the
    legend says how many.
    """
    fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=large)
    for i, (name, res) in enumerate(results.items()):
        x = np.arange(res.J.shape[1])[::every]
        ok = res.ok
        if not ok.all():
            k = int((~ok).sum())
            name = f"{name} ({k} diverged run{'s' if k > 1 else ''} left out)"
        for ax, y in ((ax1, res.J[ok]), (ax2, res.sigma[ok][:, :, 0])):
            m, h = mean_and_band(y[:, ::every], finite=False)
            ax.plot(x, m, color=COLORS[i], lw=1.5, label=name)
            ax.fill_between(x, m - h, m + h, color=COLORS[i], alpha=0.25, lw=0)
    if J_star is not None:
        ax1.axhline(J_star, color="0.3", ls="--", lw=1.2, label=r"best $J$")
    ax1.set_xlabel("update")
    ax1.set_ylabel(r"exact $J(\theta)$")
    ax1.legend(fontsize="small", loc="lower right")
    ax2.set_xlabel("update")
    ax2.set_ylabel(r"$\sigma$")
    ax2.set_yscale("log")
    return fig


class GaussianExplorer(Explorer):
    r"""Mean and :math:`\ln\sigma` of a Gaussian policy on a one-state task, with the exact gradient.

    One state, best action :math:`a^* = 2`; the reward is quadratic,
    :math:`-(a - 2)^2`, or a bump :math:`e^{-(a-2)^2 / 2w^2}` with
    :math:`w = 0.5` (:class:`pgcore.gaussian.GaussianTask`). The left panel
    draws the policy's density over actions under the reward curve; the right
    one the exact :math:`J` over the plane of (mean, :math:`\ln\sigma`), the
    current policy as a dot and the exact gradient as an arrow. ``compute``
    returns ``J``, the gradient ``grad`` = (∂J/∂μ, ∂J/∂ln σ) and a
    ``message`` where the gradient is too small to show (a policy that sees
    none of the bump).

    Examples
    --------
    >>> ex = GaussianExplorer()
    >>> [round(float(g), 3) for g in ex.result["grad"]]     # mean 0, sigma 1, quadratic
    [4.0, -2.0]
    >>> r = ex.set(reward="bump", mean=-1.0, log_std=-2.0)
    >>> bool(r["message"]) and bool(abs(r["grad"]).max() < 1e-6)
    True
    """

    title = "A Gaussian policy and its exact gradient"
    defaults = {"mean": 0.0, "log_std": 0.0, "reward": "quadratic"}
    target = 2.0
    width = 0.5
    grid_mean = (-3.0, 5.0)
    grid_log_std = (-3.0, 1.5)

    def _task(self, reward):
        return gs.line_task(states=(0.0,), slope=0.0, intercept=self.target, reward=reward,
                            width=self.width)

    def make_figure(self):
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=self.large)
        self.ax1, self.ax2 = ax1, ax2
        self.a = np.linspace(-4.0, 6.0, 400)
        (self.reward_line,) = ax1.plot(self.a, np.zeros_like(self.a), color="0.3", lw=1.2,
                                       label=r"reward $r(a)$")
        self.ax1r = ax1.twinx()
        (self.density_line,) = self.ax1r.plot(self.a, np.zeros_like(self.a), color=COLORS[0], lw=1.8)
        self.density_fill = None
        ax1.axvline(self.target, color="0.6", ls=":", lw=1.0)
        ax1.set_xlabel("action $a$")
        ax1.set_ylabel("reward $r(a)$")
        self.ax1r.set_ylabel(r"density $\pi(a)$", color=COLORS[0])
        self.ax1r.set_ylim(0, None)
        m = np.linspace(*self.grid_mean, 81)
        ls = np.linspace(*self.grid_log_std, 61)
        self.M, self.LS = np.meshgrid(m, ls)
        self.theta_grid = np.stack([self.M, np.zeros_like(self.M), self.LS], axis=-1)
        self.contour = None
        (self.dot,) = ax2.plot([], [], "o", color=COLORS[1], ms=7, zorder=5)
        self.arrow = None
        ax2.set_xlim(*self.grid_mean)
        ax2.set_ylim(*self.grid_log_std)
        ax2.set_xlabel(r"mean $\mu$")
        ax2.set_ylabel(r"$\ln\sigma$")
        self.title_text = fig.suptitle("")
        self.msg = annotate_message(ax2, "")
        self.msg.set_visible(False)
        self._drawn_reward = None
        self._frozen = False
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "mean": W.FloatSlider(min=-3.0, max=5.0, step=0.1, description="mean μ", style=style),
            "log_std": W.FloatSlider(min=-3.0, max=1.5, step=0.1, description="ln σ", style=style),
            "reward": W.ToggleButtons(options=["quadratic", "bump"], description="reward", style=style),
        }

    def compute(self, mean, log_std, reward):
        mean = float(np.clip(mean, *self.grid_mean))
        log_std = float(np.clip(log_std, *self.grid_log_std))
        if reward not in ("quadratic", "bump"):
            return {"message": f"reward must be 'quadratic' or 'bump', got {reward!r}"}
        task = self._task(reward)
        theta = np.array([mean, 0.0, log_std])
        g = task.gradient(theta)
        grad = np.array([g[0], g[2]])
        message = ""
        if np.abs(grad).max() < 1e-4:
            message = ("|gradient| < 1e-4: this policy almost never\nacts near the reward, "
                       "so its gradient\ncannot tell it where to go")
        return {"mean": mean, "log_std": log_std, "reward": reward, "J": float(task.objective(theta)),
                "grad": grad, "task": task, "message": message}

    def draw(self, result):
        if "task" not in result:
            self.msg.set_text(result["message"])
            self.msg.set_visible(True)
            return
        task, mean, log_std = result["task"], result["mean"], result["log_std"]
        if self._drawn_reward != result["reward"]:
            r = task._rewards(self.a, np.zeros(self.a.size, dtype=np.intp), None)
            self.reward_line.set_ydata(r)
            self.ax1.set_ylim(r.min() - 0.05 * np.ptp(r), r.max() + 0.1 * np.ptp(r))
            if self.contour is not None:
                self.contour.remove()
            Jgrid = task.objective(self.theta_grid)
            if result["reward"] == "quadratic":
                Jgrid = np.maximum(Jgrid, -30.0)
            self.contour = self.ax2.contourf(self.M, self.LS, Jgrid, levels=20, cmap="viridis")
            self._drawn_reward = result["reward"]
        dens = np.exp(gs.log_prob(self.a, mean, log_std))
        self.density_line.set_ydata(dens)
        if self.density_fill is not None:
            self.density_fill.remove()
        self.density_fill = self.ax1r.fill_between(self.a, 0, dens, color=COLORS[0], alpha=0.2, lw=0)
        self.ax1r.set_ylim(0, 1.1 * dens.max())
        self.dot.set_data([mean], [log_std])
        if self.arrow is not None:
            self.arrow.remove()
            self.arrow = None
        g = result["grad"]
        norm = float(np.hypot(*g))
        if norm > 1e-4:
            d = 0.9 * g / norm   # a fixed length: the direction is what the arrow shows
            self.arrow = self.ax2.annotate("", xy=(mean + d[0], log_std + d[1]), xytext=(mean, log_std),
                                           arrowprops=dict(arrowstyle="->", color="white", lw=2.0))
        self.title_text.set_text(
            f"μ = {mean:.1f}, σ = {np.exp(log_std):.2f}: J = {result['J']:.3f},  "
            f"∂J/∂μ = {g[0]:.3g},  ∂J/∂ln σ = {g[1]:.3g}")
        self.msg.set_text(result["message"])
        self.msg.set_visible(bool(result["message"]))
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def gaussian_explorer(mean=0.0, log_std=0.0, reward="quadratic", large=False):
    """Mean, ln σ and the reward shape of a Gaussian policy, with the exact gradient. See chapter 11.

    Examples
    --------
    >>> ex = gaussian_explorer(reward="bump")
    >>> round(ex.result["J"], 4)
    0.0903
    """
    return GaussianExplorer(large=large, mean=float(mean), log_std=float(log_std), reward=str(reward))
