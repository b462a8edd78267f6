"""Chapter 5's figures and explorer: the policy gradient theorem, piece by piece.

Drawing only: every number comes from :mod:`pgcore` (``evaluate``,
``state_distribution``, ``policy_gradient``, ``numerical_gradient``) and
:mod:`pgcore.theorem`.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..gradient import numerical_gradient, performance, policy_gradient
from ..mdp import evaluate, state_distribution
from ..plotting import COLORS, annotate_message, new_figure
from ..envs import short_corridor
from ..theorem import corridor_switch_policy
from ._base import Explorer

__all__ = [
    "plot_visits_vs_p",
    "plot_sampling_error",
    "plot_unrolling",
    "TheoremExplorer",
    "theorem_explorer",
]

_STATES = ["s = 0", "s = 1\n(switched)", "s = 2"]


def _short(v):
    """A value in a few characters: -13, -1.5, -61.5k."""
    return f"{v:.3g}" if abs(v) < 1e4 else f"{v / 1e3:.0f}k"


def _num(v):
    return f"{v:.4f}" if abs(v) < 1e3 else f"{v:.6g}"


# --------------------------------------------------------------------------
# static figures
# --------------------------------------------------------------------------
def plot_visits_vs_p(ps, eta, marks=(), large=False):
    r"""Expected visits :math:`\eta(s)` (log scale) and :math:`\mu(s)` against p.

    Parameters
    ----------
    ps : array_like, shape (n,)
        Probabilities of "right".
    eta : array_like, shape (n, S)
        Expected visits of each non-terminal state at each p (terminal
        columns, if any, are dropped by the caller).
    marks : sequence of float
        Values of p to mark with a vertical line.
    """
    ps, eta = np.asarray(ps, float), np.asarray(eta, float)
    mu = eta / eta.sum(axis=1, keepdims=True)
    fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=large)
    for s in range(eta.shape[1]):
        lab = _STATES[s].replace("\n", " ") if s < len(_STATES) else f"s = {s}"
        ax1.plot(ps, eta[:, s], color=COLORS[s], label=lab)
        ax2.plot(ps, mu[:, s], color=COLORS[s], label=lab)
    for ax in (ax1, ax2):
        for p in marks:
            ax.axvline(p, color="0.5", lw=0.8, ls=":")
        ax.set_xlabel("p = probability of right")
        ax.set_xlim(0, 1)
    ax1.set_yscale("log")
    ax1.set_ylabel(r"expected visits $\eta(s)$")
    ax1.set_title("visits per episode")
    ax2.set_ylim(0, 0.6)
    ax2.set_ylabel(r"on-policy distribution $\mu(s)$")
    ax2.set_title("share of time steps")
    ax2.legend(loc="lower left")
    return fig


def plot_sampling_error(ns, errors, large=False):
    r"""Max error of the sampled :math:`\mu` against the number of episodes, log-log.

    ``errors`` has shape (len(ns), n_repeats); each repeat is a dot, their
    mean a line, and a reference line :math:`C/\sqrt{n}` is drawn with
    :math:`C` the geometric mean of ``errors * sqrt(n)``.
    """
    ns, errors = np.asarray(ns, float), np.asarray(errors, float)
    fig, ax = new_figure(width=6.0, height=3.6, large=large)
    for r in range(errors.shape[1]):
        ax.plot(ns, errors[:, r], "o", color=COLORS[0], alpha=0.35, ms=4,
                label="one run" if r == 0 else None)
    ax.plot(ns, errors.mean(axis=1), color=COLORS[0], label="mean over runs")
    C = np.exp(np.mean(np.log(errors * np.sqrt(ns)[:, None])))
    ax.plot(ns, C / np.sqrt(ns), color=COLORS[3], ls="--", label=rf"reference ${C:.2f}/\sqrt{{n}}$")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of sampled episodes n")
    ax.set_ylabel(r"$\max_s |\hat\mu(s) - \mu(s)|$")
    ax.legend()
    return fig


def plot_unrolling(partial, exact, labels=None, large=False):
    r"""Partial sums of the unrolled gradient against the number of terms K.

    Parameters
    ----------
    partial : array_like, shape (K, d)
        From :func:`pgcore.theorem.unrolled_gradient`.
    exact : array_like, shape (d,)
        The limit, e.g. finite differences of J.
    labels : sequence of str, optional
        One label per component.
    """
    partial, exact = np.asarray(partial, float), np.asarray(exact, float)
    K = np.arange(1, partial.shape[0] + 1)
    d = partial.shape[1]
    labels = labels or [rf"$\partial J/\partial\theta_{i + 1}$" for i in range(d)]
    fig, ax = new_figure(width=6.4, height=4.4, large=large)
    for i in range(d):
        ax.plot(K, partial[:, i], color=COLORS[i], marker="o", ms=3, label=f"partial sum, {labels[i]}")
        ax.axhline(exact[i], color=COLORS[i], ls="--", lw=1.2, label=f"finite differences, {labels[i]}")
    ax.plot([1], partial[0, :1], "s", color="k", ms=7, mfc="none", label="K = 1: start state only")
    ax.set_xscale("log")
    ax.set_xlabel("number of unrolled steps K")
    ax.set_ylabel("gradient component")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2)
    return fig


# --------------------------------------------------------------------------
# the explorer
# --------------------------------------------------------------------------
class TheoremExplorer(Explorer):
    r"""Two parameters of a corridor policy drive :math:`\mu`, :math:`q_\pi` and :math:`\nabla J`.

    The policy is :func:`pgcore.theorem.corridor_switch_policy`:
    :math:`\pi(\text{right}|s) = \sigma(\theta_1)` in states 0 and 2 and
    :math:`\sigma(\theta_1 + \theta_2)` in the switched state 1. ``compute``
    returns the on-policy distribution ``mu``, the action values ``q``
    (shape (3, 2), non-terminal states), ``J``, the theorem's gradient
    ``grad`` and the finite-difference gradient ``fd``. It never raises: if
    the math refuses, the result holds a ``message`` instead.

    Examples
    --------
    >>> ex = TheoremExplorer()
    >>> np.round(ex.result["grad"], 3), np.round(ex.result["mu"], 3)
    (array([ 2., -6.]), array([0.5  , 0.333, 0.167]))
    >>> r = ex.set(theta2=-3.0)
    >>> bool(r["J"] > -12.0)
    True
    """

    title = "the policy gradient theorem on the short corridor"
    defaults = {"theta1": 0.0, "theta2": 0.0}
    eps = 1e-5

    def __init__(self, large=False, **values):
        self.mdp = short_corridor()
        self.policy = corridor_switch_policy()
        super().__init__(large=large, **values)

    def make_figure(self):
        fig, axes = new_figure(ncols=3, width=9.6, height=3.7, large=self.large)
        # A fixed layout: the explorer redraws often, and constrained layout
        # plus a tight bounding box would re-measure every text at each redraw.
        fig.set_layout_engine(None)
        for i, ax in enumerate(axes):
            ax.set_position([0.07 + 0.335 * i, 0.22, 0.24, 0.64])
            ax.yaxis.set_major_locator(MaxNLocator(5))
        self.ax_mu, self.ax_q, self.ax_g = axes
        x = np.arange(3)
        self.mu_bars = self.ax_mu.bar(x, np.zeros(3), color=COLORS[0], width=0.6)
        self.mu_texts = [self.ax_mu.text(i, 0, "", ha="center", va="bottom", fontsize="small") for i in x]
        self.ax_mu.set_xticks(x, _STATES)
        self.ax_mu.set_ylim(0, 1.12)
        self.ax_mu.set_ylabel(r"$\mu(s)$")  # a fixed text: matplotlib caches its parse
        self.ax_mu.set_title("on-policy distribution")

        w = 0.38
        self.q_bars = [self.ax_q.bar(x + (a - 0.5) * w, np.zeros(3), w, color=COLORS[1 + 4 * a],
                                     label=name) for a, name in enumerate(["left", "right"])]
        self.q_texts = [[self.ax_q.text(i + (a - 0.5) * w, 0, "", ha="center", va="top", fontsize="small")
                         for i in x] for a in range(2)]
        self.ax_q.set_xticks(x, _STATES)
        self.ax_q.axhline(0, color="0.3", lw=0.8)
        self.ax_q.set_ylabel(r"$q_\pi(s, a)$")
        self.ax_q.set_title("action values")
        self.ax_q.legend(loc="lower center", ncols=2, fontsize="small", title="action a", title_fontsize="small")

        xg = np.arange(2)
        self.g_bars = [self.ax_g.bar(xg - 0.5 * w, np.zeros(2), w, color=COLORS[2], label="theorem"),
                       self.ax_g.bar(xg + 0.5 * w, np.zeros(2), w, facecolor="white", edgecolor=COLORS[7],
                                     hatch="//", label="finite differences")]
        self.g_ticks = ["∂J/∂θ₁", "∂J/∂θ₂"]  # plain text: no mathtext parse at each redraw
        self.ax_g.set_xticks(xg, self.g_ticks)
        self.ax_g.axhline(0, color="0.3", lw=0.8)
        self.ax_g.set_ylabel("gradient component")
        self.ax_g.set_xlabel("numbers: theorem, then finite differences", fontsize="small")
        self.ax_g.set_title("∇J: theorem vs finite diff.")
        self.ax_g.legend(loc="best", fontsize="small")
        self.suptitle = fig.suptitle("", y=0.98, fontsize="medium")
        self.msg = annotate_message(self.ax_q, "")
        self.msg.set_visible(False)
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "theta1": W.FloatSlider(min=-5, max=5, step=0.1, description="θ₁ (right, every state)",
                                    style=style, continuous_update=False),
            "theta2": W.FloatSlider(min=-6, max=6, step=0.1, description="θ₂ (extra right, switched state)",
                                    style=style, continuous_update=False),
        }

    def compute(self, theta1, theta2):
        theta = np.array([theta1, theta2], dtype=float)
        out = {"theta": theta}
        try:
            if not np.isfinite(theta).all():
                raise ValueError("θ must be finite")
            pi = self.policy.probs(theta)
            _, Q = evaluate(self.mdp, pi)
            with np.errstate(all="raise"):
                out.update(
                    p_right=pi[:3, 1],
                    mu=state_distribution(self.mdp, pi)[:3],
                    q=Q[:3],
                    J=performance(self.mdp, self.policy, theta),
                    grad=policy_gradient(self.mdp, self.policy, theta),
                    fd=numerical_gradient(lambda th: performance(self.mdp, self.policy, th), theta, self.eps),
                )
            out["max_diff"] = float(np.max(np.abs(out["grad"] - out["fd"])))
            if not all(np.isfinite(out[k]).all() for k in ("mu", "q", "J", "grad", "fd")):
                raise ValueError("the values are not finite numbers")
        except (ValueError, FloatingPointError, OverflowError, np.linalg.LinAlgError) as exc:
            return {"theta": theta, "message": f"cannot evaluate this policy: {exc}"}
        return out

    def draw(self, result):
        msg = result.get("message")
        self.msg.set_visible(msg is not None)
        if msg is not None:
            self.msg.set_text(msg)
            self.suptitle.set_text(f"θ = ({result['theta'][0]:.2f}, {result['theta'][1]:.2f})")
            return
        for b, t, v in zip(self.mu_bars, self.mu_texts, result["mu"]):
            b.set_height(v)
            t.set_position((t.get_position()[0], v + 0.02))
            t.set_text(f"{v:.3f}")
        q = result["q"]
        lo = float(q.min())
        for a in range(2):
            for b, t, v in zip(self.q_bars[a], self.q_texts[a], q[:, a]):
                b.set_height(v)
                t.set_position((t.get_position()[0], v - 0.02 * abs(lo)))
                t.set_text(_short(v))
        self.ax_q.set_ylim(1.55 * lo, 0.05 * abs(lo))
        g = np.stack([result["grad"], result["fd"]])
        top = max(float(np.abs(g).max()), 1e-3) * 1.5
        for k in range(2):
            for b, v in zip(self.g_bars[k], g[k]):
                b.set_height(v)
        self.ax_g.set_ylim(-top, top)
        self.ax_g.set_xticks(np.arange(2), [f"{lab}\n{_num(a)}\n{_num(b)}" for lab, a, b in zip(self.g_ticks, *g)])
        p = result["p_right"]
        self.suptitle.set_text(
            f"θ = ({result['theta'][0]:.2f}, {result['theta'][1]:.2f}):  π(right|s) = "
            f"{p[0]:.3f}, {p[1]:.3f}, {p[2]:.3f};  J(θ) = {result['J']:.3f};  "
            f"max |theorem − finite diff.| = {result['max_diff']:.1e} "
            f"(relative {result['max_diff'] / max(np.abs(result['grad']).max(), 1e-300):.0e})")


def theorem_explorer(theta1=0.0, theta2=0.0, large=False):
    r"""Sliders for :math:`\theta_1, \theta_2` driving :math:`\mu(s)`, :math:`q_\pi(s,a)` and :math:`\nabla J`.

    The notebook cell is just ``theorem_explorer()``. See chapter 5.

    Examples
    --------
    >>> ex = theorem_explorer(theta1=1.0, theta2=-2.0)
    >>> bool(ex.result["max_diff"] < 1e-6)
    True
    """
    return TheoremExplorer(large=large, theta1=float(theta1), theta2=float(theta2))
