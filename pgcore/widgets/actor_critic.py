"""Figures and the explorer of chapter 9, "Actor-critic" (drawing only).

Every number comes from :mod:`pgcore.actor_critic` and :mod:`pgcore.td`.
"""

from __future__ import annotations

import math

import numpy as np

from .. import actor_critic as ac
from ..envs import wall_gridworld
from ..gradient import policy_gradient
from ..mdp import evaluate
from ..plotting import COLORS, freeze_layout, new_figure
from ..policy import SoftmaxPolicy
from ..stats import mean_and_band
from ._base import Explorer

__all__ = [
    "chapter_gridworld",
    "plot_bias_variance",
    "plot_curves",
    "AdvantageExplorer",
    "actor_critic_explorer",
]


def chapter_gridworld():
    """The chapter's gridworld (:func:`pgcore.envs.wall_gridworld`) and a tabular softmax policy (64 parameters).

    Examples
    --------
    >>> mdp, pol = chapter_gridworld()
    >>> mdp.n_states, pol.d, mdp.gamma
    (16, 64, 0.95)
    """
    mdp = wall_gridworld()
    return mdp, SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)


def plot_bias_variance(lams, by_lam, ns, by_n, large=False):
    """Bias² and variance of the advantage estimates against λ (left) and n (right).

    ``by_lam`` and ``by_n`` are lists of the dicts of
    :func:`pgcore.actor_critic.advantage_bias_variance`.
    """
    fig, (ax1, ax2) = new_figure(ncols=2, width=9.6, height=3.6, large=large)
    for ax, x, rows, xlabel in ((ax1, lams, by_lam, r"$\lambda$"), (ax2, ns, by_n, "n (steps before the critic)")):
        b = np.array([r["bias2"] for r in rows])
        v = np.array([r["variance"] for r in rows])
        ax.plot(x, b, "o-", color=COLORS[3], ms=4, label="bias²")
        ax.plot(x, v, "s-", color=COLORS[0], ms=4, label="variance")
        ax.plot(x, b + v, "--", color="0.4", lw=1.2, label="sum (mean squared error)")
        ax.set_xlabel(xlabel)
        ax.set_yscale("log")
    ax2.set_xscale("log")
    ax1.set_ylabel("per step, averaged over visits")
    ax1.set_title(r"GAE($\lambda$)", fontsize="medium")
    ax2.set_title(r"n-step: $G_{t:t+n} - \hat v(S_t)$", fontsize="medium")
    ax1.legend(fontsize="small")
    return fig


def plot_curves(curves, ylabel, reference=None, reference_label=None, ylim=None, large=False):
    """Means over runs with 95% bands (:func:`pgcore.stats.mean_and_band`), one curve per label.

    ``curves`` maps a label to an array (n_runs, n_points); the x axis is the
    episode number 1..n_points.
    """
    fig, ax = new_figure(width=6.8, height=3.8, large=large)
    for i, (label, y) in enumerate(curves.items()):
        y = np.asarray(y, dtype=float)
        mean, half = mean_and_band(y, axis=0, finite=False)
        x = np.arange(1, y.shape[1] + 1)
        ax.plot(x, mean, color=COLORS[i], lw=1.6, label=label)
        ax.fill_between(x, mean - half, mean + half, color=COLORS[i], alpha=0.25, lw=0)
    if reference is not None:
        ax.axhline(reference, color="0.3", ls="--", lw=1.2, label=reference_label)
    ax.set_xlabel("episode")
    ax.set_ylabel(ylabel)
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlim(1, None)
    ax.legend(loc="lower right", fontsize="small")
    return fig


class AdvantageExplorer(Explorer):
    r"""GAE(λ) with a critic learned by TD(0): the bias/variance trade-off, computed exactly.

    Controls: ``lam`` (:math:`\lambda`) and ``log2_critic_step``
    (:math:`\log_2 \alpha^{\mathbf w}`). The policy is the uniform one on the
    chapter's gridworld; the critic is TD(0) run through ``n_critic_episodes``
    stored episodes (a fixed seed, the same episodes for every step size)
    with step size :math:`\alpha^{\mathbf w}`. Left: bias² and variance of GAE against λ for that critic
    (exact, :func:`pgcore.actor_critic.advantage_bias_variance`), the chosen λ
    marked. Right: the critic's error :math:`\hat v(s) - v_\pi(s)` on the
    grid, as colours. The title gives, for the chosen λ, bias², variance and the
    relative bias of the expected update, :math:`\|\bar g - \nabla J\| / \|\nabla J\|`.
    ``compute`` never raises for reachable control values.

    Examples
    --------
    >>> ex = AdvantageExplorer()
    >>> r = ex.set(lam=1.0)
    >>> round(r["bias2"], 12), round(r["grad_bias"], 9)
    (0.0, 0.0)
    >>> bool(ex.set(lam=0.0)["bias2"] > 0)
    True
    """

    title = "GAE(λ) with a learned critic"
    defaults = {"lam": 0.9, "log2_critic_step": -3.0}
    n_critic_episodes = 20
    seed = 9
    lam_grid = np.linspace(0.0, 1.0, 21)

    def make_figure(self):
        self.mdp, self.policy = chapter_gridworld()
        self.theta = np.zeros(self.policy.d)
        self.pi = self.policy.probs(self.theta)
        self.v, _ = evaluate(self.mdp, self.pi)
        self.grad = policy_gradient(self.mdp, self.policy, self.theta)
        self.A = ac.advantage(self.mdp, self.pi)
        self.weights = ac.step_weights(self.mdp, self.pi)
        # the critic's experience: the same episodes for every step size
        steps = ac.sample_steps(self.mdp, self.pi, self.n_critic_episodes, seed=self.seed)
        m = steps.mask
        nxt = np.concatenate([steps.states[:, 1:], np.zeros((m.shape[0], 1), dtype=np.intp)], axis=1)
        # the state after each step: the next row entry, or a terminal state at each episode's end
        last = np.arange(m.shape[1])[None, :] == (steps.lengths[:, None] - 1)
        nxt = np.where(last, self.mdp.terminal[0], nxt)
        self.transitions = [(int(s0), float(r), int(s1)) for s0, r, s1 in
                            zip(steps.states[m], steps.rewards[m], nxt[m])]
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.6, height=3.6, large=self.large)
        self.ax1, self.ax2 = ax1, ax2
        nan = np.full(self.lam_grid.size, np.nan)
        (self.b_line,) = ax1.plot(self.lam_grid, nan, "o-", color=COLORS[3], ms=3, label="bias²")
        (self.v_line,) = ax1.plot(self.lam_grid, nan, "s-", color=COLORS[0], ms=3, label="variance")
        (self.m_line,) = ax1.plot(self.lam_grid, nan, "--", color="0.4", lw=1.2, label="sum")
        self.marker = ax1.axvline(self.defaults["lam"], color=COLORS[2], lw=1.5)
        # log10 of the values on a linear axis, labelled as powers of ten: a log scale and its
        # mathtext tick labels cost a large share of every redraw
        ax1.set_ylim(-3, 3)
        ax1.set_yticks(range(-3, 4), ["0.001", "0.01", "0.1", "1", "10", "100", "1000"])
        ax1.set_xlim(-0.02, 1.02)
        ax1.set_xticks([0.0, 0.25, 0.5, 0.75, 1.0])
        ax1.set_xlabel("λ")
        ax1.set_ylabel("per step (log scale)")
        ax1.legend(loc="upper left", fontsize="small")
        import matplotlib as mpl

        cmap = mpl.colormaps["RdBu"].with_extremes(bad="0.85")  # walls and the goal: no value to show
        self.img = ax2.imshow(np.full((4, 4), np.nan), cmap=cmap, vmin=-12, vmax=12)
        ax2.plot([0], [3], "o", color="k", ms=9)      # the start, bottom-left
        ax2.plot([3], [0], "*", color="k", ms=14)     # the goal, top-right
        ax2.set_xticks([])
        ax2.set_yticks([])
        ax2.set_title("critic error v̂(s) − v_π(s): blue too high, red too low\n(darkest at ±12; ● start, ★ goal, grey: wall)",
                      fontsize="small")
        self.title_text = fig.suptitle("")
        self._frozen = False
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "lam": W.FloatSlider(min=0.0, max=1.0, step=0.05, description="λ", continuous_update=False,
                                 style=style),
            "log2_critic_step": W.FloatSlider(min=-8.0, max=0.0, step=0.5, description="log₂ αʷ (critic)",
                                              continuous_update=False, style=style),
        }

    def critic(self, log2_critic_step):
        """TD(0) (eq. 6.2 of Sutton & Barto) through the stored episodes at step size 2**log2_critic_step."""
        alpha = min(2.0 ** float(log2_critic_step), 1.0)
        gamma = self.mdp.gamma
        V = [0.0] * self.mdp.n_states  # terminal states stay 0: they are never updated
        for s, r, s2 in self.transitions:
            V[s] += alpha * (r + gamma * V[s2] - V[s])
        return np.array(V)

    def _bias_variance(self, vhat, lam):
        m = ac.expected_advantage_estimate(self.mdp, self.pi, vhat, lam=lam)
        b = m - self.A
        bc = b - (self.pi * b).sum(axis=1, keepdims=True)
        var = ac.advantage_variance(self.mdp, self.pi, vhat, lam=lam)
        return float((self.weights * bc**2).sum()), float((self.weights * var).sum())

    def compute(self, lam, log2_critic_step):
        lam = float(min(max(lam, 0.0), 1.0))
        vhat = self.critic(log2_critic_step)
        rows = [self._bias_variance(vhat, float(x)) for x in self.lam_grid]
        b2, var = self._bias_variance(vhat, lam)
        here = {"bias2": b2, "variance": var}
        g = ac.expected_update(self.mdp, self.policy, self.theta, vhat, lam=lam)
        grad_bias = float(np.linalg.norm(g - self.grad) / np.linalg.norm(self.grad))
        return {"lam": lam, "alpha_w": 2.0 ** float(log2_critic_step), "critic": vhat,
                "error": (vhat - self.v) * self.mdp.nonterminal,
                "bias2_curve": np.array([r[0] for r in rows]),
                "variance_curve": np.array([r[1] for r in rows]),
                "bias2": here["bias2"], "variance": here["variance"], "grad_bias": grad_bias,
                "message": ""}

    def draw(self, result):
        b, v = result["bias2_curve"], result["variance_curve"]
        floor = 1e-3  # bias² is exactly 0 at lambda = 1: keep the log axis finite
        self.b_line.set_ydata(np.log10(np.maximum(b, floor)))
        self.v_line.set_ydata(np.log10(np.maximum(v, floor)))
        self.m_line.set_ydata(np.log10(np.maximum(b + v, floor)))
        self.marker.set_xdata([result["lam"], result["lam"]])
        err = np.where(self.mdp.nonterminal, result["error"], np.nan).reshape(4, 4)
        self.img.set_data(err)
        a = result["alpha_w"]
        self.title_text.set_text(
            f"λ = {result['lam']:.2f}, critic: {self.n_critic_episodes} episodes of TD(0), αʷ = 2^{math.log2(a):g}\n"
            f"bias² {result['bias2']:.3f}, variance {result['variance']:.2f}, mean |critic error| "
            f"{np.nanmean(np.abs(err)):.1f}; "
            f"expected update off ∇J by {100 * result['grad_bias']:.1f}%")
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def actor_critic_explorer(lam=0.9, log2_critic_step=-3.0, large=False):
    """λ and the critic's step size: bias² and variance of GAE(λ) on the gridworld. See chapter 9.

    Examples
    --------
    >>> ex = actor_critic_explorer(lam=0.5)
    >>> sorted(ex.values)
    ['lam', 'log2_critic_step']
    """
    return AdvantageExplorer(large=large, lam=float(lam), log2_critic_step=float(log2_critic_step))
