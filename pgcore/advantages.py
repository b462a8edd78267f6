r"""Advantage estimates from one episode: TD errors, n-step returns and GAE(λ) (chapter 9).

Every function here takes the rewards :math:`R_1, \dots, R_T` of one stretch
of experience and a critic's values :math:`\hat v(S_0), \dots, \hat v(S_T)`
at the states it passed through, and returns one number per step. The last
value, ``values[T]``, is the critic's value of the state reached after the
last step: 0 when that state is terminal, the critic's estimate when the
stretch was cut off in the middle of an episode.

* :func:`td_errors`: :math:`\delta_t = R_{t+1} + \gamma \hat v(S_{t+1}) - \hat v(S_t)`;
* :func:`n_step_returns`: :math:`G_{t:t+n}`, n rewards and then the critic;
* :func:`gae`: Schulman et al.'s generalized advantage estimate
  :math:`\hat A_t^{\lambda} = \sum_k (\gamma\lambda)^k \delta_{t+k}`.

All three accept a batch too: rewards of shape (..., T) with values of shape
(..., T + 1), one episode per row. Episodes of different lengths fit in one
batch when each row is padded with zero rewards and zero values after its
end (a terminal state has value 0, so the padding adds nothing).

Plain numpy; explained in chapter 9, "Actor-critic".
"""

from __future__ import annotations

import numpy as np

from ._common import _positive_int
from ._validate import finite_result

__all__ = ["td_errors", "n_step_returns", "gae", "lambda_returns"]


def _unit(value, name):
    """A float in [0, 1] (a discount or a trace parameter), or a clear error."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number in [0, 1], got {value!r}") from None
    if not (0.0 <= x <= 1.0):  # also False for NaN
        raise ValueError(f"{name} must lie in [0, 1], got {value!r}")
    return x


def _episode(rewards, values):
    """Rewards (..., T) and values (..., T + 1) as finite float arrays, or a clear error."""
    r = np.asarray(rewards, dtype=float)
    v = np.asarray(values, dtype=float)
    if r.ndim < 1:
        raise ValueError(f"rewards must have shape (T,) or (..., T), got a scalar {rewards!r}")
    if v.shape != r.shape[:-1] + (r.shape[-1] + 1,):
        raise ValueError(f"values must have shape {r.shape[:-1] + (r.shape[-1] + 1,)} for rewards of shape "
                         f"{r.shape} (one value per state, including the state after the last step, "
                         f"0 if it is terminal), got {v.shape}")
    for name, a in (("rewards", r), ("values", v)):
        if not np.isfinite(a).all():
            idx = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
            raise ValueError(f"{name}{list(idx)} = {a[idx]} is not a finite number")
    return r, v


def td_errors(rewards, values, gamma):
    r"""One-step TD errors :math:`\delta_t = R_{t+1} + \gamma \hat v(S_{t+1}) - \hat v(S_t)`.

    ``delta[t] = rewards[t] + gamma * values[t + 1] - values[t]``. With the
    true values :math:`v_\pi`, :math:`\mathbb{E}[\delta_t \mid S_t = s, A_t = a]
    = q_\pi(s, a) - v_\pi(s)`, the advantage (chapter 9).

    Parameters
    ----------
    rewards : array_like, shape (T,) or (..., T)
        ``rewards[t]`` is :math:`R_{t+1}`.
    values : array_like, shape (T + 1,) or (..., T + 1)
        :math:`\hat v(S_0), \dots, \hat v(S_T)`; ``values[T]`` is 0 at a terminal state.
    gamma : float in [0, 1]

    Returns
    -------
    numpy.ndarray, shape (T,) or (..., T)

    Examples
    --------
    >>> td_errors([-1.0, -1.0], [-2.0, -1.0, 0.0], 1.0)
    array([0., 0.])
    """
    r, v = _episode(rewards, values)
    g = _unit(gamma, "gamma")
    with np.errstate(over="ignore", invalid="ignore"):
        delta = r + g * v[..., 1:] - v[..., :-1]
    return finite_result(delta, "the TD errors", "rewards and values near 1e308 overflow float64")


def n_step_returns(rewards, values, gamma, n):
    r"""n-step returns :math:`G_{t:t+n}`: n rewards, then the critic's value.

    .. math::
        G_{t:t+n} = R_{t+1} + \gamma R_{t+2} + \dots + \gamma^{m-1} R_{t+m}
                    + \gamma^{m}\, \hat v(S_{t+m}), \qquad m = \min(n, T - t),

    so every return bootstraps from ``values[min(t + n, T)]`` (Sutton & Barto
    2018, eq. 7.1). ``n = 1`` is the one-step return :math:`R_{t+1} + \gamma
    \hat v(S_{t+1})` of actor-critic; ``n >= T`` gives the Monte Carlo return
    plus :math:`\gamma^{T-t}` ``values[T]`` (just the return when the last
    state is terminal). :math:`G_{t:t+n} - \hat v(S_t)` estimates the advantage.

    Parameters
    ----------
    rewards : array_like, shape (T,) or (..., T)
    values : array_like, shape (T + 1,) or (..., T + 1)
    gamma : float in [0, 1]
    n : int >= 1

    Returns
    -------
    numpy.ndarray, shape (T,) or (..., T)

    Examples
    --------
    Three steps of reward -1 into a terminal state, a critic that says -1 everywhere:

    >>> import numpy as np
    >>> r, v = np.array([-1.0, -1.0, -1.0]), np.array([-1.0, -1.0, -1.0, 0.0])
    >>> n_step_returns(r, v, 1.0, 1)
    array([-2., -2., -1.])
    >>> n_step_returns(r, v, 1.0, 2)
    array([-3., -2., -1.])
    >>> n_step_returns(r, v, 1.0, 10)   # the Monte Carlo returns
    array([-3., -2., -1.])
    """
    r, v = _episode(rewards, values)
    g = _unit(gamma, "gamma")
    # n beyond the episode is the Monte Carlo return: any integer >= 1 is allowed
    n = _positive_int(n, "n", maximum=None)
    T = r.shape[-1]
    n = min(n, T)
    out = np.zeros_like(r)
    # G_{t:t+n} = sum_{k<m} g^k r[t+k] + g^m v[t+m], m = min(n, T - t): accumulate k = 0..n-1
    disc = 1.0
    for k in range(min(n, T)):
        out[..., : T - k] += disc * r[..., k:]
        disc *= g
    t = np.arange(T)
    m = np.minimum(n, T - t)
    out += g ** m * v[..., t + m]
    return out


def gae(rewards, values, gamma, lam):
    r"""Generalized advantage estimates :math:`\hat A_t^{\lambda} = \sum_{k \ge 0} (\gamma\lambda)^k \delta_{t+k}`.

    The TD errors :math:`\delta_t` (:func:`td_errors`) of the steps from t to
    the end, discounted by :math:`\gamma\lambda` (Schulman et al. 2016,
    "High-Dimensional Continuous Control Using Generalized Advantage
    Estimation"), computed backwards:
    :math:`\hat A_{T-1} = \delta_{T-1}`, :math:`\hat A_t = \delta_t + \gamma\lambda \hat A_{t+1}`.

    * :math:`\lambda = 0`: :math:`\hat A_t = \delta_t`, the one-step estimate;
    * :math:`\lambda = 1`: :math:`\hat A_t = G_t - \hat v(S_t)` (plus
      :math:`\gamma^{T-t}` ``values[T]``), the Monte Carlo return minus the critic;
    * in between, the :math:`(1-\lambda)\lambda^{n-1}`-weighted average of the
      n-step estimates :math:`G_{t:t+n} - \hat v(S_t)`, the last one taking
      the remaining weight.

    Parameters
    ----------
    rewards : array_like, shape (T,) or (..., T)
        ``rewards[t]`` is :math:`R_{t+1}`.
    values : array_like, shape (T + 1,) or (..., T + 1)
        ``values[t]`` is :math:`\hat v(S_t)`; ``values[T]`` is the value after
        the last step, 0 when that state is terminal.
    gamma : float in [0, 1]
    lam : float in [0, 1]
        :math:`\lambda`.

    Returns
    -------
    numpy.ndarray, shape (T,) or (..., T)

    Examples
    --------
    >>> import numpy as np
    >>> r, v = np.array([-1.0, -1.0, -1.0]), np.array([-1.0, -1.0, -1.0, 0.0])
    >>> gae(r, v, 1.0, 0.0)                     # the TD errors
    array([-1., -1.,  0.])
    >>> gae(r, v, 1.0, 1.0)                     # G_t - v(S_t)
    array([-2., -1.,  0.])
    >>> np.round(gae(r, v, 0.9, 0.5), 4)
    array([-1.305, -0.9  ,  0.   ])
    """
    r, v = _episode(rewards, values)
    g = _unit(gamma, "gamma")
    lam = _unit(lam, "lam")
    delta = r + g * v[..., 1:] - v[..., :-1]
    out = np.empty_like(delta)
    acc = np.zeros(delta.shape[:-1])
    gl = g * lam
    for t in range(delta.shape[-1] - 1, -1, -1):
        acc = delta[..., t] + gl * acc
        out[..., t] = acc
    return out


def lambda_returns(rewards, values, gamma, lam):
    r"""λ-returns :math:`G_t^\lambda = \hat A_t^\lambda + \hat v(S_t)`, the targets a critic learns from.

    Examples
    --------
    >>> lambda_returns([-1.0, -1.0], [-1.0, -1.0, 0.0], 1.0, 1.0)
    array([-2., -1.])
    """
    r, v = _episode(rewards, values)
    return gae(r, v, gamma, lam) + v[..., :-1]
