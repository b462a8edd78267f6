r"""Proximal policy optimisation: the clipped surrogate and the KL divergence (chapter 10, "PPO").

Pure numpy. The functions take and return arrays and check their inputs once,
here, at the public entry.
"""

from __future__ import annotations

import numpy as np

__all__ = ["clipped_surrogate", "kl_divergence"]


def _finite_array(x, name):
    a = np.asarray(x)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got dtype {a.dtype}")
    a = a.astype(float)
    if not np.isfinite(a).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return a


def clipped_surrogate(ratio, advantage, clip):
    r"""PPO's clipped surrogate, one term per sample (Schulman et al. 2017, eq. 7).

    .. math::
        L(r, A) = \min\bigl(r A,\ \operatorname{clip}(r, 1-\epsilon, 1+\epsilon)\, A\bigr),
        \qquad r = \frac{\pi_\theta(a|s)}{\pi_{\theta_\text{old}}(a|s)}

    In words: the ratio times the advantage, except that once the ratio has
    moved past :math:`1 \pm \epsilon` in the direction the advantage favours,
    the term stops growing, so the gradient gives no reason to move it further.

    Parameters
    ----------
    ratio : array_like
        Probability ratios :math:`r \ge 0`.
    advantage : array_like
        Advantage estimates :math:`A`, broadcast against ``ratio``.
    clip : float
        :math:`\epsilon \ge 0`.

    Returns
    -------
    numpy.ndarray
        The elementwise surrogate, the broadcast shape of ``ratio`` and ``advantage``.

    Examples
    --------
    >>> import numpy as np
    >>> clipped_surrogate(np.array([0.5, 1.0, 1.5]), 1.0, 0.2)
    array([0.5, 1. , 1.2])
    >>> clipped_surrogate(np.array([0.5, 1.0, 1.5]), -1.0, 0.2)
    array([-0.8, -1. , -1.5])
    """
    r = _finite_array(ratio, "ratio")
    A = _finite_array(advantage, "advantage")
    if (r < 0).any():
        raise ValueError("ratio must be non-negative (a ratio of two probabilities)")
    if isinstance(clip, (bool, np.bool_)) or not isinstance(clip, (int, float, np.integer, np.floating)):
        raise TypeError(f"clip must be a number, got {clip!r}")
    clip = float(clip)
    if not (np.isfinite(clip) and clip >= 0):
        raise ValueError(f"clip must be a finite number >= 0, got {clip!r}")
    try:
        r, A = np.broadcast_arrays(r, A)
    except ValueError:
        raise ValueError(f"ratio of shape {np.shape(ratio)} and advantage of shape "
                         f"{np.shape(advantage)} do not broadcast") from None
    return np.minimum(r * A, np.clip(r, 1 - clip, 1 + clip) * A)


def kl_divergence(p, q):
    r"""KL(p‖q) of categorical distributions along the last axis.

    .. math:: \mathrm{KL}(p \,\|\, q) = \sum_a p(a) \log \frac{p(a)}{q(a)}

    with :math:`0 \log(0/q) = 0`. It is zero exactly when the two
    distributions are equal and positive otherwise; it is infinite where
    ``q`` is 0 and ``p`` is not.

    Parameters
    ----------
    p, q : array_like, shape (..., K)
        Probability vectors along the last axis (non-negative, summing to 1
        within 1e-9), broadcast against each other.

    Returns
    -------
    numpy.ndarray or float
        Shape ``(...)``: one divergence per distribution (a float for vectors).

    Examples
    --------
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 6)
    0.510826
    >>> float(kl_divergence([0.2, 0.8], [0.2, 0.8]))
    0.0
    """
    P = _finite_array(p, "p")
    Q = _finite_array(q, "q")
    for name, a in (("p", P), ("q", Q)):
        if a.ndim == 0 or a.shape[-1] == 0:
            raise ValueError(f"{name} must have at least one entry along its last axis")
        if (a < 0).any() or not np.allclose(a.sum(axis=-1), 1.0, rtol=0, atol=1e-9):
            raise ValueError(f"{name} must be probability vectors: non-negative, "
                             "summing to 1 along the last axis")
    try:
        P, Q = np.broadcast_arrays(P, Q)
    except ValueError:
        raise ValueError(f"p of shape {np.shape(p)} and q of shape {np.shape(q)} "
                         "do not broadcast") from None
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(P) - np.log(Q)), 0.0)
    out = terms.sum(axis=-1)
    return float(out) if out.ndim == 0 else out
