"""The performance measure, measured: returns, running averages, a 1-D maximiser.

Chapter 3 ("The performance measure") defines :math:`J(\\theta) = v_{\\pi_\\theta}(s_0)`,
the expected return from the start state, computes it exactly with
:func:`pgcore.evaluate`, and estimates it by averaging sampled returns. This
module holds the small pieces that chapter needs beyond :mod:`pgcore.mdp`:

* :func:`sample_trajectory` -- one episode, step by step, to look at;
* :func:`discounted_returns` -- every :math:`G_t` of one episode;
* :func:`running_mean` -- the running Monte Carlo average and its standard error;
* :func:`golden_section_max` -- the maximum of a one-dimensional function;
* :func:`corridor_probs` and :func:`corridor_values` -- the short corridor's
  state-blind policy as a table, and its values in closed form.

(The module is not called ``performance`` because :func:`pgcore.performance`
is already a function.)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import array, finite_result, integer
from ._validate import seed as _seed
from .mdp import check_policy, refuse_endless

__all__ = [
    "Trajectory",
    "sample_trajectory",
    "discounted_returns",
    "running_mean",
    "golden_section_max",
    "corridor_probs",
    "corridor_values",
]


@dataclass(frozen=True)
class Trajectory:
    """One episode :math:`S_0, A_0, R_1, S_1, A_1, R_2, \\dots, S_T`.

    Attributes
    ----------
    states : numpy.ndarray of int, shape (T + 1,)
        :math:`S_0, \\dots, S_T`; the last one is terminal.
    actions : numpy.ndarray of int, shape (T,)
        :math:`A_0, \\dots, A_{T-1}`.
    rewards : numpy.ndarray of float, shape (T,)
        :math:`R_1, \\dots, R_T` (``rewards[t]`` follows ``actions[t]``).
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray

    @property
    def length(self):
        """The number of steps T."""
        return len(self.actions)



def sample_trajectory(mdp, pi, seed=None, max_steps=10_000):
    r"""Sample one episode of ``mdp`` under the policy table ``pi``, step by step.

    :math:`S_0` is drawn from ``mdp.start``, then
    :math:`A_t \sim \pi(\cdot|S_t)`, :math:`S_{t+1} \sim P(\cdot|S_t, A_t)` and
    :math:`R_{t+1} = R(S_t, A_t)` (``mdp.R`` holds expected rewards; all the
    book's environments have deterministic rewards) until a terminal state.
    Explained in chapter 3.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
        Action probabilities :math:`\pi(a|s)`.
    seed : int, numpy.random.Generator or None
    max_steps : int
        Give up after this many steps.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        If ``pi`` is not a valid policy table.
    RuntimeError
        If the episode has not ended after ``max_steps`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> tr = sample_trajectory(short_corridor(), corridor_probs(0.8), seed=3)
    >>> int(tr.states[0]), int(tr.states[-1]), tr.length == len(tr.rewards)
    (0, 3, True)
    """
    pi = check_policy(mdp, pi)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    refuse_endless(mdp, pi, "the episode")
    rng = np.random.default_rng(_seed(seed))
    s = int(rng.choice(mdp.n_states, p=mdp.start))
    states, actions, rewards = [s], [], []
    while mdp.nonterminal[s]:
        if len(actions) >= max_steps:
            raise RuntimeError(
                f"the episode has not ended after max_steps={max_steps} steps "
                f"(now in state {mdp.state_names[s]}); the policy may never terminate"
            )
        a = int(rng.choice(mdp.n_actions, p=pi[s]))
        s2 = int(rng.choice(mdp.n_states, p=mdp.P[s, a]))
        actions.append(a)
        rewards.append(float(mdp.R[s, a]))
        states.append(s2)
        s = s2
    return Trajectory(np.array(states, dtype=int), np.array(actions, dtype=int),
                      np.array(rewards, dtype=float))


def discounted_returns(rewards, gamma=1.0):
    r"""Every return :math:`G_t = \sum_{k=0}^{T-t-1} \gamma^k R_{t+k+1}` of one episode.

    Computed backwards with :math:`G_{T} = 0` and
    :math:`G_t = R_{t+1} + \gamma G_{t+1}`. Explained in chapter 3.

    Parameters
    ----------
    rewards : array_like, shape (T,)
        :math:`R_1, \dots, R_T`.
    gamma : float in [0, 1]

    Returns
    -------
    numpy.ndarray, shape (T,)
        :math:`G_0, \dots, G_{T-1}`.

    Examples
    --------
    Four steps that each cost 1:

    >>> discounted_returns([-1.0, -1.0, -1.0, -1.0])
    array([-4., -3., -2., -1.])
    >>> discounted_returns([-1.0, -1.0, -1.0, -1.0], gamma=0.5)
    array([-1.875, -1.75 , -1.5  , -1.   ])
    """
    r = np.asarray(rewards, dtype=float)
    if r.ndim != 1:
        raise ValueError(f"rewards must be a 1-D sequence, got shape {r.shape}")
    if not np.isfinite(r).all():
        raise ValueError("rewards must be finite numbers")
    gamma = float(gamma)
    if not (0.0 <= gamma <= 1.0):
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    G = np.empty_like(r)
    acc = 0.0
    for t in range(len(r) - 1, -1, -1):
        acc = r[t] + gamma * acc
        G[t] = acc
    return G


def running_mean(x):
    r"""Running mean of a sample and the standard error of each running mean.

    For :math:`n = 1, \dots, N`:
    :math:`\bar x_n = \frac1n \sum_{i\le n} x_i` and
    :math:`\mathrm{se}_n = s_n / \sqrt{n}`, with :math:`s_n` the sample standard
    deviation (divisor :math:`n - 1`) of the first :math:`n` values;
    :math:`\mathrm{se}_1` is NaN (one value says nothing about the spread).
    Used to watch Monte Carlo estimates of :math:`J(\theta)` converge (chapter 3).

    Parameters
    ----------
    x : array_like, shape (N,)

    Returns
    -------
    mean, se : numpy.ndarray, shape (N,)

    Examples
    --------
    >>> mean, se = running_mean([1.0, 3.0, 2.0, 6.0])
    >>> mean
    array([1., 2., 2., 3.])
    >>> se.round(4)
    array([   nan, 1.    , 0.5774, 1.0801])
    """
    x = array(x, "x")
    if x.ndim != 1 or x.size == 0:
        raise ValueError(f"x must be a non-empty 1-D sample, got shape {x.shape}")
    n = np.arange(1, x.size + 1, dtype=float)
    y = x - x[0]  # shifting by one sample value keeps the sums of squares small
    s1 = np.cumsum(y)
    s2 = np.cumsum(y * y)
    mean = x[0] + s1 / n
    se = np.full(x.size, np.nan)
    if x.size > 1:
        m = n[1:]
        var = np.clip((s2[1:] - s1[1:] ** 2 / m) / (m - 1), 0.0, None)
        se[1:] = np.sqrt(var / m)
    return mean, se


_INVPHI = (5.0 ** 0.5 - 1.0) / 2.0  # 1 / golden ratio


def golden_section_max(f, lo, hi, tol=1e-9, max_iter=200):
    r"""Maximise a function of one variable on ``[lo, hi]`` by golden-section search.

    Keeps a bracket :math:`[a, b]` and two interior points; each step drops the
    third of the bracket beside the worse point, shrinking it by the factor
    :math:`1/\varphi \approx 0.618` with one new call of ``f``. Finds the
    maximum of a unimodal function (one peak); on other functions it finds a
    local maximum. Near a smooth maximum, values differ only in the last bits
    of a float within about :math:`10^{-8}` of the peak, so that is the best
    accuracy to expect. Used in chapter 3 to locate the best state-blind
    policy of the short corridor numerically.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``.
    lo, hi : float
        The interval, ``lo < hi``.
    tol : float
        Stop when the bracket is shorter than this.
    max_iter : int

    Returns
    -------
    x_max, f_max : float

    Raises
    ------
    ValueError
        If the interval is empty or not finite, ``tol`` is not positive, or
        ``f`` returns NaN.

    Examples
    --------
    >>> x, fx = golden_section_max(lambda x: -(x - 0.3) ** 2 + 2.0, 0.0, 1.0)
    >>> round(x, 6), round(fx, 6)
    (0.3, 2.0)
    """
    a, b = float(lo), float(hi)
    if not (np.isfinite(a) and np.isfinite(b) and a < b):
        raise ValueError(f"need finite lo < hi, got lo={lo}, hi={hi}")
    if not (tol > 0):
        raise ValueError(f"tol must be positive, got {tol}")

    def F(x):
        v = float(f(x))
        if np.isnan(v):
            raise ValueError(f"f({x!r}) is NaN")
        return v

    c, d = b - _INVPHI * (b - a), a + _INVPHI * (b - a)  # python floats throughout
    fc, fd = F(c), F(d)
    for _ in range(int(max_iter)):
        if b - a <= tol:
            break
        if fc >= fd:  # the peak is in [a, d]
            b, d, fd = d, c, fc
            c = b - _INVPHI * (b - a)
            fc = F(c)
        else:  # the peak is in [c, b]
            a, c, fc = c, d, fd
            d = a + _INVPHI * (b - a)
            fd = F(d)
    x = c if fc >= fd else d
    return float(x), float(max(fc, fd))


def corridor_probs(p):
    """The short corridor's state-blind policy as a table: right with probability ``p``.

    Unlike :func:`pgcore.envs.corridor_theta`, which needs ``0 < p < 1`` (a
    softmax never reaches 0 or 1), this accepts the deterministic extremes
    ``p = 0`` and ``p = 1``, where the episode never ends (chapter 3).

    Returns
    -------
    numpy.ndarray, shape (4, 2)
        Rows :math:`[\\pi(\\text{left}|s), \\pi(\\text{right}|s)] = [1 - p, p]`.

    Examples
    --------
    >>> corridor_probs(0.8)[0]
    array([0.2, 0.8])
    """
    p = float(p)
    if not (0.0 <= p <= 1.0):
        raise ValueError(f"p is a probability and must lie in [0, 1], got {p}")
    return np.tile([1.0 - p, p], (4, 1))


def corridor_values(p):
    r"""The short corridor's state values under the state-blind policy, in closed form.

    Solving the three Bellman equations by hand (chapter 3) gives

    .. math::
        v_\pi(0) = \frac{2p - 4}{p(1-p)}, \qquad
        v_\pi(1) = \frac{p - 3}{p(1-p)}, \qquad
        v_\pi(2) = -\frac{3}{p},

    and :math:`J(p) = v_\pi(0)` (:func:`pgcore.envs.corridor_performance`).

    Parameters
    ----------
    p : float or array_like, strictly between 0 and 1

    Returns
    -------
    numpy.ndarray, shape (..., 3)
        :math:`[v_\pi(0), v_\pi(1), v_\pi(2)]` for each ``p``.

    Examples
    --------
    >>> corridor_values(0.5)
    array([-12., -10.,  -6.])
    """
    p = np.asarray(p, dtype=float)
    if ((p <= 0) | (p >= 1)).any() or np.isnan(p).any():
        raise ValueError("p must lie strictly between 0 and 1: at 0 or 1 the episode never ends")
    q = 1.0 - p
    with np.errstate(over="ignore", divide="ignore"):
        v = np.stack([(2 * p - 4) / (p * q), (p - 3) / (p * q), -3.0 / p], axis=-1)
    return finite_result(v, "the values", "p is so close to 0 or 1 that the values overflow float64")
