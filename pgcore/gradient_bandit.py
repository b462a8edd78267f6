r"""The gradient bandit (chapter 7, "The gradient bandit").

Softmax preferences on a k-armed bandit (Sutton & Barto 2018, section 2.8),
with and without the average-reward baseline, many independent runs at once,
next to the exact gradient it estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import _cdf_rows, _positive_int, _sample_index, _step
from ._softmax import softmax
from ._validate import allocation, array, finite_result, real
from ._validate import seed as _seed
from .stats import mean_and_band

__all__ = [
    "bandit_testbed",
    "bandit_gradient",
    "bandit_gradient_samples",
    "bandit_estimate_variance",
    "optimal_constant_baseline",
    "gradient_bandit",
    "GradientBanditResult",
    "mean_and_band",
]


def bandit_testbed(n_runs, k=10, mean=0.0, seed=None):
    r"""True action values of ``n_runs`` independent k-armed bandits.

    Each :math:`q_*(a)` is drawn from a normal distribution with mean ``mean``
    and variance 1, as in Sutton & Barto's 10-armed testbed (section 2.3);
    their Figure 2.5 uses ``mean = 4``.

    Returns
    -------
    numpy.ndarray, shape (n_runs, k)

    Examples
    --------
    >>> q = bandit_testbed(3, k=5, mean=4.0, seed=0)
    >>> q.shape
    (3, 5)
    """
    n_runs = _positive_int(n_runs, "n_runs")
    k = _positive_int(k, "k")
    allocation(f"bandit_testbed(n_runs={n_runs}, k={k})", n_runs, k)
    mean = real(mean, "mean")
    return np.random.default_rng(_seed(seed)).normal(mean, 1.0, size=(n_runs, k))


def bandit_gradient(means, h):
    r"""Exact gradient of the expected reward of a softmax bandit policy.

    With :math:`\pi = \mathrm{softmax}(h)` and expected rewards
    :math:`q_*(a)`, the expected reward is
    :math:`J(h) = \sum_a \pi(a) q_*(a)` and

    .. math::
        \frac{\partial J}{\partial h(a)} = \pi(a)\Big(q_*(a) - \sum_b \pi(b) q_*(b)\Big).

    This is the policy gradient theorem for a one-step episode: it equals
    :func:`pgcore.policy_gradient` on :func:`pgcore.envs.bandit` with
    one-hot features. Explained in chapter 7. Leading axes broadcast.

    Parameters
    ----------
    means : array_like, shape (..., k)
        Expected rewards :math:`q_*(a)`.
    h : array_like, shape (..., k)
        Preferences.

    Returns
    -------
    numpy.ndarray, shape (..., k)
        The gradient; its entries sum to 0.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(bandit_gradient([1.0, 0.0], [0.0, 0.0]), 3)
    array([ 0.25, -0.25])
    """
    means = array(means, "means", min_size=1)
    pi = softmax(h, axis=-1)
    if means.shape != pi.shape:
        raise ValueError(f"means and h must have the same shape, got {means.shape} and {pi.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        g = pi * (means - np.sum(pi * means, axis=-1, keepdims=True))
    return finite_result(g, "the gradient's entries", "the means are too large for floats")


def bandit_gradient_samples(means, h, n_samples, baseline=0.0, reward_std=1.0, seed=None):
    r"""Per-step stochastic gradient estimates of the gradient bandit, at fixed ``h``.

    Each sample draws :math:`A \sim \pi = \mathrm{softmax}(h)` and
    :math:`R \sim \mathcal N(q_*(A), \sigma^2)` and returns

    .. math:: (R - B)\,(\mathbf 1_A - \pi),

    the update direction of Sutton & Barto's eq. (2.12) divided by
    :math:`\alpha`. For any baseline :math:`B` that does not depend on
    :math:`A` its expectation is :func:`bandit_gradient`; the baseline only
    changes the variance.

    Parameters
    ----------
    means, h : array_like, shape (k,)
    n_samples : int
    baseline : float, default 0.0
        :math:`B`, a constant.
    reward_std : float, default 1.0
        :math:`\sigma`, the standard deviation of the reward noise.
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray, shape (n_samples, k)

    Examples
    --------
    >>> import numpy as np
    >>> g = bandit_gradient_samples([1.0, 0.0], [0.0, 0.0], 40_000, seed=0)
    >>> bool(np.allclose(g.mean(axis=0), [0.25, -0.25], atol=0.02))
    True
    """
    means = array(means, "means", min_size=1)
    h = array(h, "h")
    baseline = real(baseline, "baseline")
    if means.ndim != 1 or h.shape != means.shape:
        raise ValueError(f"means and h must be 1-D of the same length, got {means.shape} and {h.shape}")
    n = _positive_int(n_samples, "n_samples")
    sigma = _step(reward_std, "reward_std", allow_zero=True)
    rng = np.random.default_rng(_seed(seed))
    pi = softmax(h)
    a = _sample_index(_cdf_rows(pi), rng.random(n))
    r = means[a] + sigma * rng.standard_normal(n)
    onehot = np.zeros((n, means.size))
    onehot[np.arange(n), a] = 1.0
    with np.errstate(over="ignore", invalid="ignore"):
        out = (r - baseline)[:, None] * (onehot - pi)
    return finite_result(out, "the gradient samples", "the rewards (means, reward_std, baseline) are too large for floats")


def _real_array(x, name):
    try:
        return np.asarray(x, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of real numbers, got {x!r}") from None


def _bandit_arrays(means, h):
    means = _real_array(means, "means")
    h = _real_array(h, "h")
    if means.ndim != 1 or h.shape != means.shape or means.size == 0:
        raise ValueError(f"means and h must be 1-D of the same (non-zero) length, "
                         f"got shapes {means.shape} and {h.shape}")
    for name, a in (("means", means), ("h", h)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} must be finite (no NaN or inf), got {a}")
    return means, h


def bandit_estimate_variance(means, h, baseline, reward_std=1.0):
    r"""Exact total variance of one sampled bandit gradient :math:`(R - B)(\mathbf 1_A - \pi)`.

    The *total variance* is the sum of the variances of the components. With
    :math:`A \sim \pi = \mathrm{softmax}(h)`, :math:`R = q_*(A) + \sigma Z`
    (:math:`Z` standard normal) and a constant baseline :math:`B`,

    .. math::
        \operatorname{tr}\operatorname{Var} = \sum_a \pi(a)\,
        \bigl((q_*(a) - B)^2 + \sigma^2\bigr)\,\lVert \mathbf 1_a - \pi \rVert^2
        - \lVert \nabla J \rVert^2 ,

    the mean squared length of the estimate minus the squared length of its
    mean (:func:`bandit_gradient`, the same for every :math:`B`). It is the
    quantity that :func:`bandit_gradient_samples` estimates with
    ``samples.var(axis=0).sum()``. Explained in chapter 7.

    Parameters
    ----------
    means, h : array_like, shape (k,)
        Expected rewards :math:`q_*(a)` and preferences.
    baseline : float or array_like
        :math:`B`; an array gives one variance per entry.
    reward_std : float, default 1.0
        :math:`\sigma \ge 0`.

    Returns
    -------
    float or numpy.ndarray
        The total variance (the shape of ``baseline``).

    Examples
    --------
    >>> round(float(bandit_estimate_variance([1.0, 0.0], [0.0, 0.0], 0.0, reward_std=0.0)), 6)
    0.125
    >>> round(float(bandit_estimate_variance([1.0, 0.0], [0.0, 0.0], 0.5, reward_std=0.0)), 6)
    0.0
    """
    means, h = _bandit_arrays(means, h)
    sigma = _step(reward_std, "reward_std", allow_zero=True)
    b = _real_array(baseline, "baseline")
    if not np.isfinite(b).all():
        raise ValueError(f"baseline must be finite, got {baseline!r}")
    pi = softmax(h)
    sq = 1.0 - 2.0 * pi + np.sum(pi ** 2)          # ||1_a - pi||^2 for every arm a
    g = bandit_gradient(means, h)
    with np.errstate(over="ignore", invalid="ignore"):
        m2 = np.sum(pi * ((means - b[..., None]) ** 2 + sigma ** 2) * sq, axis=-1)
        out = m2 - np.sum(g ** 2)
    finite_result(out, "the variances", "means, baseline or reward_std near 1e154 overflow float64 when squared")
    return float(out) if out.ndim == 0 else out


def optimal_constant_baseline(means, h):
    r"""The constant baseline that minimises :func:`bandit_estimate_variance`.

    The total variance is a quadratic in :math:`B` whose minimum is at

    .. math::
        b^* = \frac{\mathbb E\bigl[R\,\lVert \mathbf 1_A - \pi\rVert^2\bigr]}
                   {\mathbb E\bigl[\lVert \mathbf 1_A - \pi\rVert^2\bigr]}
            = \frac{\sum_a \pi(a)\, q_*(a)\, \lVert \mathbf 1_a - \pi\rVert^2}
                   {\sum_a \pi(a)\, \lVert \mathbf 1_a - \pi\rVert^2},

    an average of the expected rewards weighted by the squared length of the
    score, not :math:`J = \sum_a \pi(a) q_*(a)` (the two agree when every
    score has the same length, e.g. for a uniform policy). The reward noise
    adds the same amount to the variance for every :math:`B`, so it does not
    move :math:`b^*`. Explained in chapter 7.

    Parameters
    ----------
    means, h : array_like, shape (k,)
        Expected rewards :math:`q_*(a)` and preferences; at least two arms.

    Returns
    -------
    float

    Examples
    --------
    >>> optimal_constant_baseline([1.0, 0.0], [0.0, 0.0])
    0.5
    """
    means, h = _bandit_arrays(means, h)
    if means.size < 2:
        raise ValueError(f"a bandit needs at least 2 arms for a non-zero score, got {means.size}")
    pi = softmax(h)
    w = pi * (1.0 - 2.0 * pi + np.sum(pi ** 2))
    if not w.sum() > 0:
        raise ValueError("every score is zero (the policy is deterministic to machine precision): "
                         "every baseline gives the same variance")
    return float(np.sum(w * means) / np.sum(w))


@dataclass(frozen=True)
class GradientBanditResult:
    """What :func:`gradient_bandit` returns.

    Attributes
    ----------
    actions : numpy.ndarray, shape (n_runs, n_steps), int
        :math:`A_t` of every step of every run.
    rewards : numpy.ndarray, shape (n_runs, n_steps)
        :math:`R_t`.
    optimal : numpy.ndarray, shape (n_runs, n_steps), bool
        Whether :math:`A_t` was an optimal arm (largest :math:`q_*`).
    prob_optimal : numpy.ndarray, shape (n_runs, n_steps)
        :math:`\\pi_t(a^*)`, the probability of the (first) optimal arm just
        before step t: a smoother view of the same learning curve.
    h : numpy.ndarray, shape (n_runs, k)
        The final preferences.
    """

    actions: np.ndarray
    rewards: np.ndarray
    optimal: np.ndarray
    prob_optimal: np.ndarray
    h: np.ndarray


def gradient_bandit(means, step_size, n_steps, baseline=True, reward_std=1.0, seed=None, h0=None):
    r"""Sutton & Barto's gradient bandit algorithm, many runs at once.

    At each step :math:`t = 1, 2, \dots` every run draws
    :math:`A_t \sim \pi_t = \mathrm{softmax}(H_t)` and
    :math:`R_t \sim \mathcal N(q_*(A_t), \sigma^2)`, then

    .. math::
        H_{t+1}(a) = H_t(a) + \alpha\,(R_t - \bar R_t)\,(\mathbf 1_{a = A_t} - \pi_t(a))
        \quad\text{for all } a,

    which is eq. (2.12) of Sutton & Barto (2018). With ``baseline=True``,
    :math:`\bar R_t` is the average of the rewards *before* step t (and
    :math:`R_1` at the first step, so the first update is 0): it does not
    depend on :math:`A_t`, so each update is an unbiased estimate of
    :math:`\alpha\nabla J(H_t)`. With ``baseline=False``, :math:`\bar R_t = 0`.
    Explained in chapter 7.

    Parameters
    ----------
    means : array_like, shape (n_runs, k) or (k,)
        :math:`q_*(a)` of each run's bandit (e.g. from :func:`bandit_testbed`).
    step_size : float
        :math:`\alpha > 0`.
    n_steps : int
    baseline : bool, default True
    reward_std : float, default 1.0
    seed : int or numpy.random.Generator, optional
        One generator drives all runs, so one seed reproduces the study.
    h0 : array_like, shape (k,) or (n_runs, k), optional
        Initial preferences (default 0: all arms equally likely).

    Returns
    -------
    GradientBanditResult

    Examples
    --------
    >>> import numpy as np
    >>> q = bandit_testbed(500, k=10, mean=4.0, seed=1)
    >>> res = gradient_bandit(q, 0.1, 300, baseline=True, seed=2)
    >>> res.optimal.shape
    (500, 300)
    >>> bool(res.optimal[:, -50:].mean() > 0.6)
    True
    """
    means = np.atleast_2d(array(means, "means", min_size=1))
    if means.ndim != 2 or not np.isfinite(means).all():
        raise ValueError("means must be a finite array of shape (n_runs, k) or (k,)")
    n, k = means.shape
    alpha = _step(step_size, "step_size")
    n_steps = _positive_int(n_steps, "n_steps")
    allocation(f"gradient_bandit(n_steps={n_steps}) with {n} runs of {k} arms", n, n_steps)
    sigma = _step(reward_std, "reward_std", allow_zero=True)
    rng = np.random.default_rng(_seed(seed))
    if h0 is None:
        H = np.zeros((n, k))
    else:
        h0 = array(h0, "h0")
        if h0.shape not in ((k,), (n, k)):
            raise ValueError(f"h0 must have shape ({k},) or ({n}, {k}), got {h0.shape}")
        H = np.array(np.broadcast_to(h0, (n, k)))
    rows = np.arange(n)
    best = np.argmax(means, axis=1)
    is_best = np.isclose(means, means.max(axis=1, keepdims=True), rtol=0, atol=0)
    actions = np.empty((n, n_steps), dtype=np.intp)
    rewards = np.empty((n, n_steps))
    prob_opt = np.empty((n, n_steps))
    r_bar = np.zeros(n)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(n_steps):
            z = H - H.max(axis=1, keepdims=True)
            e = np.exp(z)
            pi = e / e.sum(axis=1, keepdims=True)
            prob_opt[:, t] = pi[rows, best]
            a = _sample_index(_cdf_rows(pi), rng.random(n))
            r = means[rows, a] + sigma * rng.standard_normal(n)
            actions[:, t] = a
            rewards[:, t] = r
            if baseline:
                b = r if t == 0 else r_bar
                r_bar = r_bar + (r - r_bar) / (t + 1)
            else:
                b = 0.0
            step = alpha * (r - b)
            H -= step[:, None] * pi
            H[rows, a] += step
    hint = "the rewards (means, reward_std) or the step size are too large for floats"
    finite_result(rewards, "the sampled rewards", hint)
    finite_result(H, "the final preferences", hint)
    finite_result(prob_opt, "the probabilities of the optimal arm", hint)
    return GradientBanditResult(actions, rewards, is_best[rows[:, None], actions], prob_opt, H)
