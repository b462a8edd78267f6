r"""GRPO (chapter 12, "A GRPO-style toy").

A softmax "language model" over a few answer tokens per prompt, trained on a
verifiable 0/1 reward with group-relative advantages, next to plain
REINFORCE, with the exact gradient of the expected reward beside the samples.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

from ._common import _cdf_rows, _positive_int, _step
from ._softmax import softmax
from ._validate import allocation, array, finite_result
from ._validate import seed as _seed
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
    "expected_answer_update",
    "train_answers",
    "AnswerTrainingResult",
    "ADVANTAGES",
    "mean_and_band",
    "kl_k3",
    "sequence_advantages",
    "length_weights",
    "sequence_surrogate",
    "SEQUENCE_ADVANTAGES",
    "LENGTH_NORMS",
    "length_bias_update",
    "length_bias_toy",
    "LengthBiasResult",
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

    * ``"reinforce"``: :math:`\hat A_i = R_i` (plain REINFORCE, no baseline);
    * ``"group_mean"``: :math:`\hat A_i = R_i - \operatorname{mean}(\mathbf R)` (the group's mean as baseline);
    * ``"grpo"``: :math:`\hat A_i = (R_i - \operatorname{mean}(\mathbf R)) / \operatorname{std}(\mathbf R)`,
      GRPO's group-relative advantage (Shao et al. 2024), with the group's
      standard deviation in its population form (``ddof=0``).

    When every reward in a group is the same, :math:`\operatorname{std}(\mathbf R) = 0`; the
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
    with np.errstate(over="ignore"):
        spread = np.ptp(r, axis=-1, keepdims=True)
    same = spread == 0
    # Rewards that differ by a few ulps, or subnormal ones, lose the mean and std to rounding
    # ([5e-324, 0] gave GRPO advantages [2, 0]; [1 + 1e-15, 1] gave [1.2, -0.8]). Such groups
    # are first mapped onto [0, 1] by (r - min) / spread, which both advantages do not change
    # (GRPO's is invariant; the group mean's is scaled back); other groups take the usual path,
    # so their numbers are bit for bit what they were.
    fragile = ~same & ((spread < 1e-12 * np.max(np.abs(r), axis=-1, keepdims=True)) | (spread < 1e-290))
    if fragile.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.where(fragile, (r - r.min(axis=-1, keepdims=True)) / np.where(fragile, spread, 1.0), r)
    else:
        y = r
    centred = y - y.mean(axis=-1, keepdims=True)
    centred = np.where(same, 0.0, centred)
    if method == "group_mean":
        return np.where(fragile, centred * spread, centred)
    return group_relative_advantages(y, axis=-1)


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
    a = np.zeros(u.shape, dtype=np.intp)  # intp: np.bincount needs it (int32 in the browser)
    for k in range(K - 1):  # index = number of cdf entries <= u (as _sample_index)
        a += u >= cdf[..., k, None]
    r = rewards[np.arange(P)[:, None], a]
    adv = group_advantages(r, method)
    rows = np.arange(int(np.prod(lead + (P,))), dtype=np.intp).reshape(lead + (P, 1))
    counts = np.bincount((rows * K + a).ravel(), weights=adv.ravel(), minlength=rows.size * K)
    g = counts.reshape(lead + (P, K)) - adv.sum(axis=-1, keepdims=True) * pi
    g /= group_size * P
    flat = np.ptp(r, axis=-1) == 0
    return g, flat


def answer_gradient_samples(rewards, theta, group_size, n_groups, method="grpo", seed=None):
    r"""``n_groups`` independent gradient estimates at fixed :math:`\theta`, one group per prompt each.

    Each estimate samples ``group_size`` answers for every prompt and returns

    .. math::
        \hat g_s = \frac{1}{P\,G}\sum_{i=1}^{G} \hat A_i\,
                   \nabla_{\theta_s} \ln \pi(A_i \mid s)

    for every prompt :math:`s`, with the answers :math:`A_i` and the advantages
    :math:`\hat A_i` of :func:`group_advantages`. With
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
    allocation(f"answer_gradient_samples(group_size={G}, n_groups={n}) with rewards of shape {rewards.shape}",
               n, G, rewards.size)
    rng = np.random.default_rng(_seed(seed))
    g, _ = _group_update(rewards, np.broadcast_to(theta, (n,) + theta.shape), G, method, rng)
    return g


#: Most groups :func:`expected_answer_update` enumerates (per prompt).
MAX_GROUPS = 250_000


def expected_answer_update(rewards, theta, group_size, method="grpo"):
    r"""Exact expectation of :func:`answer_gradient_samples`' estimate, by enumerating every group.

    A group of :math:`G` answers to prompt :math:`s` is, up to order, a vector of
    counts :math:`n_1, \dots, n_K` summing to :math:`G`, drawn with the multinomial
    probability :math:`G!\prod_a \pi(a|s)^{n_a}/n_a!`. The estimate of that group
    is :math:`\frac{1}{PG}\sum_a n_a \hat A(a)\,(\mathbf 1_a - \pi(\cdot|s))`, with
    :math:`\hat A(a)` the advantage (:func:`group_advantages`) of an answer
    :math:`a` in that group. Summing over all
    :math:`\binom{G+K-1}{K-1}` count vectors gives the expected update exactly,
    with no sampling: for ``"reinforce"`` it is :func:`answer_gradient`, for
    ``"group_mean"`` :math:`1 - 1/G` times it, and for ``"grpo"`` each prompt's
    part is rescaled by the division by the group's standard deviation
    (chapter 12). Multiplied by the step size it is the *expected step* of
    :func:`train_answers`.

    Parameters
    ----------
    rewards, theta : array_like, shape (P, K)
        Reward of every (prompt, answer) and the preferences.
    group_size : int
        :math:`G \ge 1`.
    method : {"reinforce", "group_mean", "grpo"}

    Returns
    -------
    numpy.ndarray, shape (P, K)

    Raises
    ------
    ValueError
        If there are more than ``MAX_GROUPS`` count vectors per prompt
        (about 250,000: e.g. :math:`G = 30` with :math:`K = 6`).

    Examples
    --------
    >>> import numpy as np
    >>> task = answer_task()
    >>> e = expected_answer_update(task.rewards, task.theta0, 8, "group_mean")
    >>> bool(np.allclose(e, (1 - 1 / 8) * answer_gradient(task.rewards, task.theta0)))
    True
    """
    if method not in ADVANTAGES:
        raise ValueError(f"method must be one of {ADVANTAGES}, got {method!r}")
    try:
        rewards = np.asarray(rewards, dtype=float)
        theta = np.asarray(theta, dtype=float)
    except (TypeError, ValueError):
        raise TypeError("rewards and theta must be arrays of real numbers") from None
    if rewards.ndim != 2 or theta.shape != rewards.shape:
        raise ValueError(f"rewards and theta must be arrays of the same shape (P, K), "
                         f"got {rewards.shape} and {theta.shape}")
    if not (np.isfinite(rewards).all() and np.isfinite(theta).all()):
        raise ValueError("rewards and theta must be finite (no NaN or inf)")
    G = _positive_int(group_size, "group_size")
    P, K = rewards.shape
    n_groups = math.comb(G + K - 1, K - 1)
    if n_groups > MAX_GROUPS:
        raise ValueError(f"group_size={G} with {K} answers gives {n_groups:,} groups per prompt, "
                         f"more than MAX_GROUPS={MAX_GROUPS:,}: use answer_gradient_samples")
    combos = np.array(list(itertools.combinations_with_replacement(range(K), G)), dtype=np.intp)
    counts = np.zeros((len(combos), K))
    for j in range(G):
        counts[np.arange(len(combos)), combos[:, j]] += 1.0
    log_coef = math.lgamma(G + 1) - np.sum([[math.lgamma(c + 1) for c in row] for row in counts], axis=1)
    pi = softmax(theta, axis=-1)
    out = np.zeros((P, K))
    with np.errstate(divide="ignore"):
        log_pi = np.log(pi)
    for p in range(P):
        with np.errstate(invalid="ignore"):
            logp = log_coef + np.where(counts > 0, counts * log_pi[p], 0.0).sum(axis=1)
        prob = np.exp(logp)
        adv = group_advantages(rewards[p][combos], method)          # (M, G)
        w = np.zeros((len(combos), K))                             # sum of advantages per answer
        for j in range(G):
            w[np.arange(len(combos)), combos[:, j]] += adv[:, j]
        per_group = w - w.sum(axis=1, keepdims=True) * pi[p]        # sum_i A_i (1_{a_i} - pi)
        out[p] = prob @ per_group
    return out / (G * P)


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
    allocation(f"train_answers(n_iters={n_iters}, n_runs={n_runs})", n, n_iters + 1)
    allocation(f"train_answers(group_size={G}, n_runs={n_runs}) with {np.shape(task.rewards)[0]} prompts",
               n, G, max(1, np.size(task.rewards)))
    if method not in ADVANTAGES:
        raise ValueError(f"method must be one of {ADVANTAGES}, got {method!r}")
    rng = np.random.default_rng(_seed(seed))
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


# --------------------------------------------------------------------------
# chapter 13: GRPO on sequences (a tiny language model, pgcore.tiny_lm)
# --------------------------------------------------------------------------
#: Advantage rules of :func:`sequence_advantages`.
SEQUENCE_ADVANTAGES = ("grpo", "group_mean", "rloo", "batch_mean")
#: Length normalisations of :func:`length_weights`.
LENGTH_NORMS = ("sequence", "constant")


def _real(x, name):
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    a = a.astype(float)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def kl_k3(logp, logp_ref):
    r"""The "k3" estimator of :math:`\mathrm{KL}(\pi \,\|\, \pi_\text{ref})`, one value per token.

    .. math::
        k_3 = \frac{\pi_\text{ref}(y)}{\pi(y)} - \ln\frac{\pi_\text{ref}(y)}{\pi(y)} - 1
            = e^{\ell_\text{ref} - \ell} - (\ell_\text{ref} - \ell) - 1

    for a token :math:`y` drawn from :math:`\pi`, with :math:`\ell = \ln\pi(y)`
    and :math:`\ell_\text{ref} = \ln\pi_\text{ref}(y)`. Since
    :math:`\mathbb E_\pi[\pi_\text{ref}/\pi] = 1`, its expectation is exactly
    :math:`\mathbb E_\pi[\ln(\pi/\pi_\text{ref})] = \mathrm{KL}(\pi\|\pi_\text{ref})`;
    and since :math:`x - \ln x - 1 \ge 0`, every single value is non-negative
    (the plain estimate :math:`\ell - \ell_\text{ref}` is not). GRPO uses it
    for its penalty to the reference model (Shao et al. 2024, eq. 4).

    Parameters
    ----------
    logp, logp_ref : array_like
        Log-probabilities of the sampled tokens under :math:`\pi` and
        :math:`\pi_\text{ref}` (broadcast against each other).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> np.round(kl_k3(np.log([0.5, 0.5]), np.log([0.9, 0.1])), 4)
    array([0.2122, 0.8094])
    >>> float(kl_k3(-1.0, -1.0))
    0.0
    """
    lp = _real(logp, "logp")
    lr = _real(logp_ref, "logp_ref")
    try:
        d = lr - lp
    except ValueError:
        raise ValueError(f"logp of shape {lp.shape} and logp_ref of shape {lr.shape} do not broadcast") from None
    with np.errstate(over="ignore"):
        k3 = np.expm1(d) - d
    return finite_result(k3, "the KL estimates", "logp_ref - logp is too large for exp (above about 709)")


def sequence_advantages(rewards, method="grpo"):
    r"""Advantages of sampled answers, one group of G answers per prompt (last axis).

    * ``"grpo"``: :math:`A_i = (r_i - \bar r)/\sigma_r` (Shao et al. 2024), 0 for a group of equal rewards;
    * ``"group_mean"``: :math:`A_i = r_i - \bar r` (Dr. GRPO, Liu et al. 2025, drops the division by :math:`\sigma_r`);
    * ``"rloo"``: :math:`A_i = r_i - \frac{1}{G-1}\sum_{j\ne i} r_j` (leave one out, Ahmadian et al. 2024);
    * ``"batch_mean"``: :math:`A_i = r_i - \bar r_\text{batch}`, the mean over every answer to every
      prompt (plain REINFORCE with a baseline).

    Parameters
    ----------
    rewards : array_like, shape (n_prompts, G)
    method : str, one of :data:`SEQUENCE_ADVANTAGES`

    Returns
    -------
    numpy.ndarray, shape (n_prompts, G)

    Examples
    --------
    >>> import numpy as np
    >>> r = np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0]])
    >>> np.round(sequence_advantages(r, "grpo"), 3)
    array([[ 1.732, -0.577, -0.577, -0.577],
           [ 0.   ,  0.   ,  0.   ,  0.   ]])
    >>> np.round(sequence_advantages(r, "rloo"), 3)
    array([[ 1.   , -0.333, -0.333, -0.333],
           [ 0.   ,  0.   ,  0.   ,  0.   ]])
    >>> sequence_advantages(r, "batch_mean")
    array([[ 0.375, -0.625, -0.625, -0.625],
           [ 0.375,  0.375,  0.375,  0.375]])
    """
    if method not in SEQUENCE_ADVANTAGES:
        raise ValueError(f"method must be one of {SEQUENCE_ADVANTAGES}, got {method!r}")
    r = _real(rewards, "rewards")
    if r.ndim != 2 or r.shape[1] < 1:
        raise ValueError(f"rewards must have shape (n_prompts, G), got {r.shape}")
    G = r.shape[1]
    if method == "batch_mean":
        return r - r.mean()
    if method == "rloo":
        if G < 2:
            raise ValueError("rloo needs a group of at least 2 answers per prompt")
        return (r - r.mean(axis=1, keepdims=True)) * (G / (G - 1))
    return group_advantages(r, "grpo" if method == "grpo" else "group_mean")


def length_weights(mask, norm="sequence", max_len=None):
    r"""The weight of every answer's tokens in the loss: :math:`1/|o_i|` or a constant.

    * ``"sequence"`` (GRPO as Shao et al. 2024 write it): every token of answer
      :math:`i` is weighted :math:`1/|o_i|`, so each answer counts once
      whatever its length, and a long answer's tokens each count less;
    * ``"constant"`` (Dr. GRPO, Liu et al. 2025): every token is weighted
      :math:`1/L`, with :math:`L` = ``max_len`` (default: the mask's width),
      the same for every answer.

    Parameters
    ----------
    mask : array_like of bool, shape (B, L)
        Which tokens belong to each answer.
    norm : {"sequence", "constant"}
    max_len : int, optional

    Returns
    -------
    numpy.ndarray, shape (B,)
        One weight per answer (0 for an empty answer).

    Examples
    --------
    >>> import numpy as np
    >>> m = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], dtype=bool)
    >>> length_weights(m, "sequence")
    array([0.5 , 0.25])
    >>> length_weights(m, "constant")
    array([0.25, 0.25])
    """
    if norm not in LENGTH_NORMS:
        raise ValueError(f"norm must be one of {LENGTH_NORMS}, got {norm!r}")
    m = np.asarray(mask)
    if m.dtype != bool or m.ndim != 2:
        raise ValueError(f"mask must be a 2-D boolean array (B, L), got dtype {m.dtype} and shape {m.shape}")
    if norm == "constant":
        L = m.shape[1] if max_len is None else _positive_int(max_len, "max_len")
        return np.full(m.shape[0], 1.0 / L)
    n = m.sum(axis=1)
    return np.where(n > 0, 1.0 / np.maximum(n, 1), 0.0)


def sequence_surrogate(logp, logp_old, advantages, mask, weights, clip=0.2, beta=0.0, logp_ref=None):
    r"""GRPO's clipped objective on a batch of answers, and its gradient with respect to each token's log-probability.

    .. math::
        J = \frac1B \sum_{i=1}^{B} w_i \sum_{t=1}^{|o_i|}
            \Big[\min\big(\rho_{i,t} A_i,\ \operatorname{clip}(\rho_{i,t}, 1-\epsilon, 1+\epsilon) A_i\big)
                 - \beta\, k_3(\ell_{i,t}, \ell^\text{ref}_{i,t})\Big],
        \qquad \rho_{i,t} = e^{\ell_{i,t} - \ell^\text{old}_{i,t}}

    with :math:`\ell_{i,t} = \ln\pi_\theta(o_{i,t} \mid q, o_{i,<t})`, the
    answer's advantage :math:`A_i` broadcast to all its tokens, the length
    weight :math:`w_i` of :func:`length_weights` and the clipped term of
    :func:`pgcore.ppo.clipped_surrogate`. The gradient of the clipped term
    is :math:`\rho A` where the minimum picks the unclipped branch and 0 where
    the clip is active; that of :math:`-\beta k_3` is
    :math:`\beta(e^{\ell^\text{ref}-\ell} - 1)`.

    Parameters
    ----------
    logp, logp_old : array_like, shape (B, L)
        Token log-probabilities under the current parameters and under those
        that sampled the answers.
    advantages : array_like, shape (B,)
    mask : array_like of bool, shape (B, L)
    weights : array_like, shape (B,)
        Length weights :math:`w_i`.
    clip : float
        :math:`\epsilon \ge 0`.
    beta : float, default 0
        KL coefficient :math:`\beta \ge 0`.
    logp_ref : array_like, shape (B, L), optional
        Token log-probabilities under the reference model (needed when ``beta > 0``).

    Returns
    -------
    objective : float
    dlogp : numpy.ndarray, shape (B, L)
        :math:`\partial J / \partial \ell_{i,t}` (0 outside the mask).

    Examples
    --------
    >>> import numpy as np
    >>> lp = np.log([[0.5, 0.9]])
    >>> J, d = sequence_surrogate(lp, lp, [2.0], np.ones((1, 2), bool), [0.5])
    >>> J, d
    (2.0, array([[1., 1.]]))
    """
    from .ppo import clipped_surrogate

    lp = _real(logp, "logp")
    lo = _real(logp_old, "logp_old")
    m = np.asarray(mask)
    if m.dtype != bool or m.ndim != 2:
        raise ValueError(f"mask must be a 2-D boolean array (B, L), got dtype {m.dtype} and shape {m.shape}")
    if lp.shape != m.shape or lo.shape != m.shape:
        raise ValueError(f"logp {lp.shape}, logp_old {lo.shape} and mask {m.shape} must have the same shape")
    B = m.shape[0]
    A = _real(advantages, "advantages").reshape(-1)
    w = _real(weights, "weights").reshape(-1)
    if A.size != B or w.size != B:
        raise ValueError(f"advantages and weights need one entry per answer ({B}), got {A.size} and {w.size}")
    beta = float(beta)
    if not (np.isfinite(beta) and beta >= 0):
        raise ValueError(f"beta must be a finite number >= 0, got {beta!r}")
    ratio = np.exp(np.where(m, lp - lo, 0.0))
    surr = clipped_surrogate(ratio, A[:, None], clip)
    unclipped = ratio * A[:, None]
    dterm = np.where(unclipped <= surr, unclipped, 0.0)
    if beta > 0:
        if logp_ref is None:
            raise ValueError("logp_ref is needed when beta > 0")
        lr = _real(logp_ref, "logp_ref")
        if lr.shape != m.shape:
            raise ValueError(f"logp_ref must have shape {m.shape}, got {lr.shape}")
        lr = np.where(m, lr, lp)
        surr = surr - beta * kl_k3(lp, lr)
        dterm = dterm + beta * np.expm1(lr - lp)
    scale = (w / B)[:, None]
    J = float(np.sum(np.where(m, surr, 0.0) * scale))
    return J, np.where(m, dterm * scale, 0.0)


# -----------------------------------------------------------------------------
# the length bias of 1/|o_i|, exactly (chapter 13)
# -----------------------------------------------------------------------------
def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _length_model(theta, max_len):
    """P(right), continue probabilities and P(length = l | wrong) for l = 1..max_len."""
    p = _sigmoid(theta[0])
    s = _sigmoid(theta[1:])
    reach = np.concatenate([[1.0], np.cumprod(s)])              # P(length >= l | wrong)
    p_len = reach * np.concatenate([1.0 - s, [1.0]])            # P(length = l | wrong)
    return p, s, p_len


def length_bias_update(theta, norm="sequence", max_len=6, right_len=3):
    r"""The exact expected GRPO-style update of a model whose wrong answers choose their own length.

    One prompt. The first token decides right (probability :math:`p = \sigma(\theta_0)`)
    or wrong. A right answer has ``right_len`` tokens. A wrong answer goes on
    after its :math:`l`-th token with probability :math:`\sigma(\theta_l)`,
    :math:`l = 1, \dots, L-1`, and stops at :math:`L` = ``max_len`` tokens at the
    latest. With the reward :math:`R = 1` for the right answer and 0 for every
    wrong one, the advantage :math:`\hat A = R - p` (a group-mean baseline with
    many answers) and the weight :math:`w(o)` of :func:`length_weights`
    (:math:`1/|o|` for ``"sequence"``, :math:`1/L` for ``"constant"``), the
    update is

    .. math::
        \bar g = \sum_o \pi_\theta(o)\, \hat A(o)\, w(o)\, \nabla_\theta \ln \pi_\theta(o),

    the expectation of the first step of :func:`sequence_surrogate` (no clip, no KL),
    summed over the :math:`L + 1` possible answers. Every wrong answer has the
    same advantage, so with a constant weight the length parameters get
    exactly zero: the wrong answers' length is a baseline-like choice. With
    :math:`1/|o|` a short wrong answer is pushed down harder than a long one,
    and the model learns to make its wrong answers longer.

    Parameters
    ----------
    theta : array_like, shape (max_len,)
        :math:`(\theta_0, \theta_1, \dots, \theta_{L-1})`.
    norm : {"sequence", "constant"}
    max_len, right_len : int

    Returns
    -------
    numpy.ndarray, shape (max_len,)

    Examples
    --------
    >>> import numpy as np
    >>> g = length_bias_update(np.zeros(6), "constant")
    >>> bool(np.all(g[1:] == 0)), bool(g[0] > 0)
    (True, True)
    >>> bool(np.all(length_bias_update(np.zeros(6), "sequence")[1:] > 0))
    True
    """
    if norm not in LENGTH_NORMS:
        raise ValueError(f"norm must be one of {LENGTH_NORMS}, got {norm!r}")
    L = _positive_int(max_len, "max_len", minimum=2)
    right_len = _positive_int(right_len, "right_len")
    if right_len > L:
        raise ValueError(f"right_len must be at most max_len = {L}, got {right_len}")
    theta = array(theta, "theta", shape=(L,))
    p, s, p_len = _length_model(theta, L)
    lens = np.arange(1, L + 1)
    w_wrong = 1.0 / lens if norm == "sequence" else np.full(L, 1.0 / L)
    w_right = 1.0 / right_len if norm == "sequence" else 1.0 / L
    a_right, a_wrong = 1.0 - p, -p
    g = np.zeros(L)
    # d ln pi / d theta_0: (1 - p) for the right answer, -p for a wrong one
    g[0] = p * a_right * w_right * (1.0 - p) + (1.0 - p) * np.sum(p_len * a_wrong * w_wrong) * (-p)
    # d ln pi(wrong, length l) / d theta_j = (1 - s_j) for j < l, -s_j for j = l < L, 0 after
    j = np.arange(1, L)[:, None]                                   # (L-1, 1)
    l = lens[None, :]                                              # (1, L)
    dlog = np.where(j < l, 1.0 - s[:, None], np.where(j == l, -s[:, None], 0.0))
    # sum_l P(l) dlog[j, l] = 0 (a score has mean zero), so the weight w(j) can be subtracted in row j:
    # the same number, and exactly 0 in floating point when the weight is constant
    centred = w_wrong[None, :] - w_wrong[:-1, None]
    g[1:] = (dlog * centred) @ ((1.0 - p) * p_len * a_wrong)
    return g


@dataclass(frozen=True)
class LengthBiasResult:
    """What :func:`length_bias_toy` returns, one entry per step (the start included).

    Attributes
    ----------
    p_right : numpy.ndarray
        Probability of the right answer.
    wrong_length : numpy.ndarray
        Expected length of a wrong answer, :math:`\\mathbb E[|o| \\mid \\text{wrong}]`.
    p_longest : numpy.ndarray
        Probability that a wrong answer runs to the longest length allowed.
    theta : numpy.ndarray, shape (n_steps + 1, max_len)
    """

    p_right: np.ndarray
    wrong_length: np.ndarray
    p_longest: np.ndarray
    theta: np.ndarray


def length_bias_toy(norm="sequence", n_steps=400, step_size=1.0, max_len=6, right_len=3, p_right=0.05,
                    p_stop=0.5):
    r"""Gradient ascent along the exact expected update of :func:`length_bias_update`.

    Starts from a right answer of probability ``p_right`` and wrong answers
    that stop after each token with probability ``p_stop``; no sampling, so
    every number is exact.

    Examples
    --------
    >>> seq = length_bias_toy("sequence")
    >>> const = length_bias_toy("constant")
    >>> round(float(seq.wrong_length[0]), 3), round(float(seq.wrong_length[-1]), 3)
    (1.969, 3.099)
    >>> float(const.wrong_length[-1] - const.wrong_length[0])
    0.0
    """
    n_steps = _positive_int(n_steps, "n_steps")
    L = _positive_int(max_len, "max_len", minimum=2)
    for name, v in (("p_right", p_right), ("p_stop", p_stop)):
        if not 0.0 < float(v) < 1.0:
            raise ValueError(f"{name} must be a probability strictly between 0 and 1, got {v!r}")
    step_size = _step(step_size, "step_size")
    theta = np.concatenate([[math.log(p_right / (1 - p_right))], np.full(L - 1, math.log((1 - p_stop) / p_stop))])
    thetas = [theta.copy()]
    for _ in range(n_steps):
        theta = theta + step_size * length_bias_update(theta, norm, L, right_len)
        thetas.append(theta.copy())
    thetas = np.array(thetas)
    stats = [_length_model(t, L) for t in thetas]
    p = np.array([x[0] for x in stats])
    p_len = np.array([x[2] for x in stats])
    return LengthBiasResult(p, p_len @ np.arange(1, L + 1), p_len[:, -1], thetas)
