r"""GRPO (chapter 12, "A GRPO-style toy").

A softmax "language model" over a few answer tokens per prompt, trained on a
verifiable 0/1 reward with group-relative advantages, next to plain
REINFORCE, with the exact gradient of the expected reward beside the samples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import _cdf_rows, _positive_int, _step
from ._softmax import softmax
from ._validate import array, finite_result
from .gradient_bandit import bandit_gradient
from .reinforce import _softmax_rows
from .stats import mean_and_band
from .surrogates import group_relative_advantages

__all__ = [
    "AnswerTask",
    "answer_task",
    "answer_performance",
    "answer_gradient",
    "group_advantages",
    "answer_gradient_samples",
    "train_answers",
    "AnswerTrainingResult",
    "ADVANTAGES",
    "mean_and_band",
]


#: Advantage rules of :func:`train_answers` and :func:`answer_gradient_samples`.
ADVANTAGES = ("reinforce", "group_mean", "grpo")


@dataclass(frozen=True)
class AnswerTask:
    """A tiny "language model" task: prompts, answer tokens and a verifiable reward.

    Attributes
    ----------
    prompts : tuple of str
    tokens : tuple of str
        The answer vocabulary: the model answers each prompt with one token.
    rewards : numpy.ndarray, shape (P, K)
        ``rewards[p, a]`` is 1.0 when token ``a`` is a correct answer to
        prompt ``p`` (checked by computing it), else 0.0.
    theta0 : numpy.ndarray, shape (P, K)
        Preferences of the "pretrained" model before reinforcement learning.
    """

    prompts: tuple
    tokens: tuple
    rewards: np.ndarray
    theta0: np.ndarray

    @property
    def correct(self):
        """Index of the (first) correct token of every prompt."""
        return np.argmax(self.rewards, axis=1)


def _verify(prompt, token):
    """The verifier: does ``token`` answer the sum ``prompt`` ("a+b") correctly?"""
    try:
        a, b = prompt.split("+")
        return int(a) + int(b) == int(token)
    except ValueError:
        return False


def answer_task(prompts=("2+3", "4+4", "6+7", "9+6"), tokens=("5", "8", "12", "13", "14", "15"),
                p_correct=(0.5, 0.3, 0.1, 0.02)):
    r"""The chapter-12 toy: sums as prompts, numbers as answer tokens, reward 1 when right.

    The reward is *verifiable*: it is computed by checking the sum, not
    learned. The "pretrained" model puts probability ``p_correct[p]`` on the
    correct token of prompt p and spreads the rest evenly over the others, so
    some prompts are easy and some hard for it.

    Examples
    --------
    >>> import numpy as np
    >>> task = answer_task()
    >>> task.rewards
    array([[1., 0., 0., 0., 0., 0.],
           [0., 1., 0., 0., 0., 0.],
           [0., 0., 0., 1., 0., 0.],
           [0., 0., 0., 0., 0., 1.]])
    >>> np.round(softmax(task.theta0)[np.arange(4), task.correct], 3)
    array([0.5 , 0.3 , 0.1 , 0.02])
    """
    prompts, tokens = tuple(prompts), tuple(tokens)
    P, K = len(prompts), len(tokens)
    if P < 1 or K < 2:
        raise ValueError("need at least one prompt and two tokens")
    rewards = np.array([[1.0 if _verify(p, t) else 0.0 for t in tokens] for p in prompts])
    if not rewards.any(axis=1).all():
        missing = [p for p, r in zip(prompts, rewards) if not r.any()]
        raise ValueError(f"no token answers {missing} correctly")
    pc = np.broadcast_to(np.asarray(p_correct, dtype=float), (P,))
    if not ((pc > 0) & (pc < 1)).all():
        raise ValueError("p_correct must lie strictly between 0 and 1")
    theta0 = np.zeros((P, K))
    c = np.argmax(rewards, axis=1)
    theta0[np.arange(P), c] = np.log(pc * (K - 1) / (1 - pc))
    return AnswerTask(prompts, tokens, rewards, theta0)


def answer_performance(rewards, theta):
    r"""Expected reward :math:`J(\theta) = \frac1P \sum_p \sum_a \pi(a|p)\, r(p, a)`.

    With 0/1 rewards this is the model's expected accuracy over the prompts.
    ``theta`` may have leading axes (e.g. runs).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(answer_performance(np.eye(2), np.zeros((2, 2)))), 3)
    0.5
    """
    rewards = array(rewards, "rewards", ndim=2, min_size=1)
    pi = softmax(theta, axis=-1)
    if pi.shape[-2:] != rewards.shape:
        raise ValueError(f"theta's last two axes must have the shape of rewards {rewards.shape}, got {pi.shape}")
    return np.sum(pi * rewards, axis=-1).mean(axis=-1)


def answer_gradient(rewards, theta):
    r"""Exact gradient of :func:`answer_performance`: a bandit gradient per prompt, over P.

    .. math::
        \frac{\partial J}{\partial \theta_{p,a}} = \frac1P\,\pi(a|p)
        \Big(r(p,a) - \sum_b \pi(b|p)\, r(p,b)\Big)

    Examples
    --------
    >>> import numpy as np
    >>> np.round(answer_gradient(np.eye(2), np.zeros((2, 2))), 3)
    array([[ 0.125, -0.125],
           [-0.125,  0.125]])
    """
    theta = array(theta, "theta", ndim=2, min_size=1)
    rewards = array(rewards, "rewards", shape=theta.shape)
    return bandit_gradient(rewards, theta) / theta.shape[-2]


def group_advantages(rewards, method="grpo"):
    r"""Advantages of a group of sampled answers to the same prompt (last axis = group).

    * ``"reinforce"``: :math:`A_i = r_i` (plain REINFORCE, no baseline);
    * ``"group_mean"``: :math:`A_i = r_i - \bar r` (the group's mean as baseline);
    * ``"grpo"``: :math:`A_i = (r_i - \bar r) / \sigma_r`, GRPO's group-relative
      advantage (Shao et al. 2024), with :math:`\sigma_r` the group's standard
      deviation (population form, ``ddof=0``).

    When every reward in a group is the same, :math:`\sigma_r = 0`; the
    advantages are then defined as 0 (the group carries no learning signal),
    not 0/0. The test is exact equality, so round-off in the mean of equal
    rewards cannot produce spurious ±1 advantages.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(group_advantages([1.0, 0.0, 0.0, 0.0]), 3)
    array([ 1.732, -0.577, -0.577, -0.577])
    >>> group_advantages([0.1, 0.1, 0.1])
    array([0., 0., 0.])
    """
    if method not in ADVANTAGES:
        raise ValueError(f"method must be one of {ADVANTAGES}, got {method!r}")
    r = array(rewards, "rewards", min_size=1)
    if r.ndim == 0:
        raise ValueError(f"rewards must be an array (a group of rewards), got the scalar {float(r)!r}")
    if method == "reinforce":
        return r.copy()
    centred = r - r.mean(axis=-1, keepdims=True)
    same = np.ptp(r, axis=-1, keepdims=True) == 0
    centred = np.where(same, 0.0, centred)
    if method == "group_mean":
        return centred
    return group_relative_advantages(r, axis=-1)


def _group_update(rewards, theta, group_size, method, rng):
    """One sampled group per prompt (and per leading index of ``theta``).

    Returns the gradient estimate of :func:`answer_performance` with the
    given advantages, and for every prompt whether its group's rewards were
    all equal.
    """
    P, K = theta.shape[-2:]
    lead = theta.shape[:-2]
    pi = _softmax_rows(theta)
    cdf = _cdf_rows(pi)
    u = rng.random(lead + (P, group_size))
    a = np.zeros(u.shape, dtype=np.int64)
    for k in range(K - 1):  # index = number of cdf entries <= u (as _sample_index)
        a += u >= cdf[..., k, None]
    r = rewards[np.arange(P)[:, None], a]
    adv = group_advantages(r, method)
    rows = np.arange(int(np.prod(lead + (P,))), dtype=np.int64).reshape(lead + (P, 1))
    counts = np.bincount((rows * K + a).ravel(), weights=adv.ravel(), minlength=rows.size * K)
    g = counts.reshape(lead + (P, K)) - adv.sum(axis=-1, keepdims=True) * pi
    g /= group_size * P
    flat = np.ptp(r, axis=-1) == 0
    return g, flat


def answer_gradient_samples(rewards, theta, group_size, n_groups, method="grpo", seed=None):
    r"""``n_groups`` independent gradient estimates at fixed :math:`\theta`, one group per prompt each.

    Each estimate samples ``group_size`` answers for every prompt and returns

    .. math::
        \hat g_p = \frac{1}{P\,G}\sum_{i=1}^{G} A_i\,
                   \nabla_{\theta_p} \ln \pi(a_i \mid p)

    with the advantages :math:`A_i` of :func:`group_advantages`. With
    ``"reinforce"`` its mean is :func:`answer_gradient`; with
    ``"group_mean"`` it is exactly :math:`(1 - 1/G)` times that; with
    ``"grpo"`` each prompt's part is rescaled by the group's spread, so the
    direction changes (chapter 12).

    Returns
    -------
    numpy.ndarray, shape (n_groups, P, K)

    Examples
    --------
    >>> import numpy as np
    >>> task = answer_task()
    >>> g = answer_gradient_samples(task.rewards, task.theta0, 8, 20_000, "group_mean", seed=0)
    >>> exact = answer_gradient(task.rewards, task.theta0)
    >>> bool(np.allclose(g.mean(axis=0), (1 - 1 / 8) * exact, atol=3e-3))
    True
    """
    rewards = array(rewards, "rewards", ndim=2, min_size=1)
    theta = array(theta, "theta")
    if method not in ADVANTAGES:
        raise ValueError(f"method must be one of {ADVANTAGES}, got {method!r}")
    if theta.shape != rewards.shape or theta.ndim != 2:
        raise ValueError(f"theta must have the shape of rewards (P, K), got {theta.shape} and {rewards.shape}")
    G = _positive_int(group_size, "group_size")
    n = _positive_int(n_groups, "n_groups")
    rng = np.random.default_rng(seed)
    g, _ = _group_update(rewards, np.broadcast_to(theta, (n,) + theta.shape), G, method, rng)
    return g


@dataclass(frozen=True)
class AnswerTrainingResult:
    """What :func:`train_answers` returns.

    Attributes
    ----------
    performance : numpy.ndarray, shape (n_runs, n_iters + 1)
        Exact expected accuracy :math:`J(\\theta)` before every iteration and at the end.
    p_correct : numpy.ndarray, shape (n_runs, n_iters + 1, P)
        Probability of the correct answer for every prompt, same times.
    flat_groups : numpy.ndarray, shape (n_runs, n_iters)
        Number of prompts whose group of answers all got the same reward
        (zero advantage under group baselines: nothing learned from them).
    theta : numpy.ndarray, shape (n_runs, P, K)
        Final preferences.
    """

    performance: np.ndarray
    p_correct: np.ndarray
    flat_groups: np.ndarray
    theta: np.ndarray


def train_answers(task, step_size, n_iters, group_size, method="grpo", n_runs=1, seed=None, theta0=None):
    r"""Train the toy answer model with sampled groups: GRPO or REINFORCE, many runs at once.

    Every iteration samples a group of ``group_size`` answers for every
    prompt, scores them with the verifier, and takes one step
    :math:`\theta \leftarrow \theta + \alpha\,\hat g` with the estimate of
    :func:`answer_gradient_samples`. This is the on-policy, single-update case
    of GRPO: with one gradient step per batch the probability ratio of its
    clipped objective is 1, so clipping does nothing, and we use no KL penalty
    (chapter 12).

    Parameters
    ----------
    task : AnswerTask
    step_size : float
        :math:`\alpha > 0`.
    n_iters : int
    group_size : int
        :math:`G \ge 1` answers per prompt per iteration.
    method : {"reinforce", "group_mean", "grpo"}
    n_runs : int, default 1
    seed : int or numpy.random.Generator, optional
    theta0 : array_like, shape (P, K), optional
        Default ``task.theta0``.

    Returns
    -------
    AnswerTrainingResult

    Examples
    --------
    >>> import numpy as np
    >>> task = answer_task()
    >>> res = train_answers(task, 4.0, 100, 8, "grpo", n_runs=50, seed=0)
    >>> res.performance.shape
    (50, 101)
    >>> bool(res.performance[:, -1].mean() > res.performance[:, 0].mean())
    True
    """
    if not isinstance(task, AnswerTask):
        raise TypeError("task must be an AnswerTask (see answer_task)")
    alpha = _step(step_size, "step_size")
    n_iters = _positive_int(n_iters, "n_iters", minimum=0)
    G = _positive_int(group_size, "group_size")
    n = _positive_int(n_runs, "n_runs")
    if method not in ADVANTAGES:
        raise ValueError(f"method must be one of {ADVANTAGES}, got {method!r}")
    rng = np.random.default_rng(seed)
    array(task.rewards, "task.rewards", ndim=2, min_size=1)
    th0 = array(task.theta0 if theta0 is None else theta0, "theta0" if theta0 is not None else "task.theta0")
    if th0.shape != task.rewards.shape:
        raise ValueError(f"theta0 must have shape {task.rewards.shape}, got {th0.shape}")
    theta = np.array(np.broadcast_to(th0, (n,) + th0.shape))
    P = th0.shape[0]
    perf = np.empty((n, n_iters + 1))
    pc = np.empty((n, n_iters + 1, P))
    flat = np.empty((n, n_iters), dtype=np.int64)
    rows = np.arange(P)
    c = task.correct
    for i in range(n_iters + 1):
        pi = _softmax_rows(theta)
        pc[:, i] = pi[:, rows, c]
        perf[:, i] = np.sum(pi * task.rewards, axis=-1).mean(axis=-1)
        if i == n_iters:
            break
        g, f = _group_update(task.rewards, theta, G, method, rng)
        theta += alpha * g
        flat[:, i] = f.sum(axis=-1)
    finite_result(theta, "the trained preferences", "use a smaller step_size")
    return AnswerTrainingResult(perf, pc, flat, theta)
