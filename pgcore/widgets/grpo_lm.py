"""Figures and the explorer of chapter 13: GRPO on a tiny language model.

Drawing only: every number comes from :mod:`pgcore.grpo_lm`.
"""

from __future__ import annotations

import numpy as np

from .. import grpo_lm as gl
from ..plotting import COLORS, annotate_message, freeze_layout, new_figure
from ..stats import mean_and_band
from ._base import Explorer

__all__ = ["plot_runs", "plot_length_bias", "GrpoLMExplorer", "grpo_lm_explorer"]


def _band(ax, x, samples, color, label, lw=1.6, ls="-"):
    # a 95% Student-t band over the seeds (3 seeds: mean ± 4.30 s/sqrt(3)); every field plotted here
    # (accuracy, KL, length, fractions) is >= 0, so the band is cut at 0 rather than suggest negative values
    m, h = mean_and_band(np.asarray(samples, dtype=float), axis=0, level=0.95, finite=False)
    (line,) = ax.plot(x, m, color=color, lw=lw, label=label, ls=ls)
    band = ax.fill_between(x, np.maximum(m - h, 0.0), m + h, color=color, alpha=0.2, lw=0)
    return line, band


def plot_runs(runs, field="accuracy", ylabel="held-out accuracy", baseline=None, ax=None, large=False,
              styles=None):
    """Mean and 95% band over seeds of one field of :class:`pgcore.grpo_lm.LMTrainingResult` per method.

    The band is Student's t interval of the mean over the seeds
    (:func:`pgcore.stats.mean_and_band` with ``level=0.95``: with 3 seeds the
    normal 1.96 would cover only about 81%), cut at 0 from below because every
    field is a non-negative quantity (a KL, a length, an accuracy, a fraction).

    Parameters
    ----------
    runs : dict
        Label -> list of results (one per seed).
    field : str
        ``"accuracy"``, ``"flawed_accuracy"``, ``"kl"``, ``"length"``, ``"wrong_length"``,
        ``"flat_groups"`` or ``"reward"``.
    baseline : float, optional
        Drawn as a dotted horizontal line ("pretrained").
    """
    if ax is None:
        fig, ax = new_figure(width=5.0, height=3.4, large=large)
    else:
        fig = ax.figure
    for i, (label, res) in enumerate(runs.items()):
        y = np.array([getattr(r, field) for r in res], dtype=float)
        it = res[0].iters if y.shape[1] == res[0].iters.size else res[0].iters[:y.shape[1]]
        color, ls = (styles or {}).get(label, (COLORS[i % len(COLORS)], "-"))
        _band(ax, it, y, color, label, ls=ls)
    if baseline is not None:
        ax.axhline(baseline, color="0.4", ls=":", lw=1.2, label="pretrained")
    ax.set_xlabel("iteration")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return fig


def plot_length_bias(results, large=False):
    """Chapter 13's exact length-bias model over training: P(right) and the wrong answers' mean length.

    Parameters
    ----------
    results : dict
        Label -> :class:`pgcore.grpo.LengthBiasResult` (from :func:`pgcore.grpo.length_bias_toy`).

    Examples
    --------
    >>> from pgcore import grpo
    >>> fig = plot_length_bias({"1/|o|": grpo.length_bias_toy("sequence", n_steps=5)})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['probability of the right answer', 'wrong answers: mean length']
    """
    fig, (ax1, ax2) = new_figure(ncols=2, width=9.5, height=3.2, large=large)
    for i, (label, r) in enumerate(results.items()):
        steps = np.arange(r.p_right.size)
        ax1.plot(steps, r.p_right, color=COLORS[i % len(COLORS)], lw=1.6, label=label)
        ax2.plot(steps, r.wrong_length, color=COLORS[i % len(COLORS)], lw=1.6, label=label)
    ax1.set_ylabel("probability of the right answer")
    ax2.set_ylabel("wrong answers: mean length")
    for ax in (ax1, ax2):
        ax.set_xlabel("step (exact expected update)")
    ax1.set_ylim(0, 1)
    ax2.legend(fontsize="small")
    return fig


class GrpoLMExplorer(Explorer):
    r"""Group size, KL coefficient, clip, length normalisation and verifier for GRPO on the addition task.

    ``compute`` trains the pretrained model for ``n_iters`` iterations with
    :func:`pgcore.grpo_lm.train_lm` (about a second) and returns the curves
    of held-out accuracy under the true verifier, the held-out reward of the
    flawed verifier, the KL to the reference and the answer length. It never
    raises for values the controls can reach.
    """

    title = "GRPO on a tiny language model"
    defaults = {"group_size": 8, "beta": 0.04, "clip": 0.2, "length_norm": "sequence", "verifier": "true"}
    n_iters = 40
    n_prompts = 8
    eval_every = 5
    seed = 7

    def __init__(self, task, params_ref, large=False, **values):
        if not isinstance(task, gl.AdditionTask):
            raise TypeError("task must be a pgcore.grpo_lm.AdditionTask")
        self.task, self.params_ref = task, params_ref
        self.acc0 = gl.accuracy(params_ref, task, verifier="both")
        super().__init__(large=large, **values)

    def make_figure(self):
        fig, (ax1, ax2) = new_figure(ncols=2, width=9.0, height=3.4, large=self.large)
        self.ax1, self.ax2 = ax1, ax2
        it = np.arange(0, self.n_iters + 1, self.eval_every)
        (self.l_true,) = ax1.plot(it, np.full(it.size, np.nan), color=COLORS[0], lw=1.8, marker="o", ms=3,
                                  label="true verifier (held-out)")
        (self.l_flaw,) = ax1.plot(it, np.full(it.size, np.nan), color=COLORS[3], lw=1.4, ls="--",
                                  label="flawed verifier (held-out)")
        ax1.axhline(self.acc0[0], color="0.4", ls=":", lw=1.0)
        ax1.set_ylim(0, 1)
        ax1.set_xlim(0, self.n_iters)
        ax1.set_xlabel("iteration")
        ax1.set_ylabel("expected reward")
        ax1.legend(fontsize="small", loc="upper left")
        kit = np.arange(0, self.n_iters, self.eval_every)
        (self.l_kl,) = ax2.plot(kit, np.full(kit.size, np.nan), color=COLORS[2], lw=1.6, label="KL to reference")
        ax2.set_xlim(0, self.n_iters)
        ax2.set_ylim(0, 2)
        ax2.set_xlabel("iteration")
        ax2.set_ylabel("KL per answer (nats)", color=COLORS[2])
        self.ax2b = ax2.twinx()
        (self.l_len,) = self.ax2b.plot(kit, np.full(kit.size, np.nan), color=COLORS[4], lw=1.4, ls="--")
        self.ax2b.set_ylim(0, self.task.max_len + 0.5)
        self.ax2b.set_ylabel("answer length (tokens)", color=COLORS[4])
        self.title_text = fig.suptitle("")
        self.msg = annotate_message(ax1, "")
        self.msg.set_visible(False)
        self._frozen = False
        return fig

    def make_controls(self):
        import ipywidgets as W

        style = {"description_width": "initial"}
        return {
            "group_size": W.IntSlider(min=2, max=16, step=1, description="group size G",
                                      continuous_update=False, style=style),
            "beta": W.FloatSlider(min=0.0, max=0.5, step=0.02, description="KL coefficient β",
                                  continuous_update=False, style=style),
            "clip": W.FloatSlider(min=0.05, max=1.0, step=0.05, description="clip ε",
                                  continuous_update=False, style=style),
            "length_norm": W.ToggleButtons(options=[("1/|o_i| (GRPO)", "sequence"),
                                                    ("constant (Dr. GRPO)", "constant")],
                                           description="length weight", style=style),
            "verifier": W.ToggleButtons(options=[("true", "true"), ("flawed: units digit only", "units")],
                                        description="verifier", style=style),
        }

    def compute(self, group_size, beta, clip, length_norm, verifier):
        G = int(min(max(int(group_size), 2), 64))
        beta = float(max(float(beta), 0.0))
        clip = float(max(float(clip), 0.0))
        norm = length_norm if length_norm in gl.LENGTH_NORMS else "sequence"
        ver = verifier if verifier in gl.VERIFIERS else "true"
        res = gl.train_lm(self.task, self.params_ref, "grpo", n_iters=self.n_iters, n_prompts=self.n_prompts,
                          group_size=G, beta=beta, clip=clip, length_norm=norm, verifier=ver,
                          eval_every=self.eval_every, seed=self.seed)
        message = ""
        if ver == "units" and res.flawed_accuracy[-1] > res.accuracy[-1] + 0.2:
            message = "the flawed reward rises; the true accuracy does not follow"
        return {"G": G, "beta": beta, "clip": clip, "length_norm": norm, "verifier": ver,
                "iters": res.iters, "accuracy": res.accuracy, "flawed": res.flawed_accuracy,
                "kl": res.kl, "length": res.length, "final": float(res.accuracy[-1]),
                "final_flawed": float(res.flawed_accuracy[-1]), "message": message}

    def draw(self, result):
        self.l_true.set_data(result["iters"], result["accuracy"])
        self.l_flaw.set_data(result["iters"], result["flawed"])
        kit = result["iters"][:len(result["kl"])]
        self.l_kl.set_data(kit, result["kl"])
        self.l_len.set_data(kit, result["length"])
        top = max(0.5, float(np.nanmax(result["kl"])) * 1.2) if len(result["kl"]) else 1.0
        self.ax2.set_ylim(0, top)
        self.title_text.set_text(
            f"G = {result['G']}, β = {result['beta']:g}, ε = {result['clip']:g}, "
            f"{'1/|o_i|' if result['length_norm'] == 'sequence' else 'constant'} weights, "
            f"{result['verifier']} verifier: held-out accuracy {self.acc0[0]:.2f} → {result['final']:.2f}")
        self.msg.set_text(result["message"])
        self.msg.set_visible(bool(result["message"]))
        if not self._frozen:
            freeze_layout(self.fig)
            self._frozen = True


def grpo_lm_explorer(task=None, params_ref=None, group_size=8, beta=0.04, clip=0.2, length_norm="sequence",
                     verifier="true", large=False):
    """The chapter-13 explorer: a short GRPO run from the pretrained model per move. See chapter 13.

    Without ``task`` and ``params_ref`` it builds the chapter's addition task and
    pretrains the chapter's reference model first (a few seconds), as the
    classroom demos do.
    """
    if task is None or params_ref is None:
        from .. import grpo_lm as gl

        task = gl.addition_task(n_test=1000, max_len=6, seed=0)
        params_ref, _ = gl.pretrain(task, n_examples=9000, target=0.15, batch=128, lr=2e-2,
                                    digit_noise=0.2, ramble=0.2, seed=0)
    return GrpoLMExplorer(task, params_ref, large=large, group_size=int(group_size), beta=float(beta),
                          clip=float(clip), length_norm=length_norm, verifier=verifier)
