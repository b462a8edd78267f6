"""Softmax of numerical preferences (chapter "Parameterising policies")."""

from __future__ import annotations

import numpy as np

from ._validate import array, integer, real

__all__ = ["softmax", "log_softmax"]


def _check_preferences(h, temperature):
    h = array(h, "preferences", finite=False, min_size=1)
    temperature = real(temperature, "temperature", minimum=0.0, strict=True)
    if np.isnan(h).any():
        raise ValueError(
            "preferences contain NaN; a preference must be a real number "
            f"(got {h!r})"
        )
    if np.isposinf(h).any() or np.isneginf(h).any():
        raise ValueError(
            "preferences contain an infinity; softmax needs finite preferences "
            "(use a large finite number such as 1e300 instead)"
        )
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive finite number, got {temperature!r}")
    return h


def _shifted(h, axis, temperature):
    """Also checks ``axis`` (an integer naming one of ``h``'s axes).

    ``(h - max h) / temperature``: the largest entry becomes 0, the rest are <= 0.

    The maximum is subtracted *before* dividing, so a small temperature cannot
    turn finite preferences into ``inf - inf = nan``. A gap too large for a
    float becomes ``-inf``, whose probability is exactly 0.
    """
    if h.ndim == 0:
        raise ValueError(f"preferences must be an array with an axis of actions, got the scalar {float(h)!r}")
    axis = integer(axis, "axis", minimum=-h.ndim, maximum=h.ndim - 1)
    with np.errstate(over="ignore"):
        return (h - np.max(h, axis=axis, keepdims=True)) / temperature


def log_softmax(h, axis=-1, temperature=1.0):
    r"""Logarithm of the softmax, computed without overflow.

    .. math:: \log \pi(a) = h(a)/\tau - \log \sum_b e^{h(b)/\tau}

    The largest preference is subtracted before exponentiating (the
    log-sum-exp trick), so nothing overflows; an entry whose gap to the
    largest, divided by the temperature, exceeds the float range is ``-inf``
    (its probability is exactly 0).

    Parameters
    ----------
    h : array_like
        Numerical preferences. Any shape; the softmax runs along ``axis``.
    axis : int, default -1
        The axis holding the actions.
    temperature : float, default 1.0
        :math:`\tau > 0`. Large values flatten the distribution, small values
        sharpen it towards the largest preference.

    Returns
    -------
    numpy.ndarray
        Same shape as ``h``; every entry is ``<= 0``.

    Raises
    ------
    ValueError
        If ``h`` contains NaN or an infinity, or ``temperature`` is not positive.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(log_softmax([0.0, 0.0]), 4)
    array([-0.6931, -0.6931])
    >>> np.round(log_softmax([1000.0, 0.0]), 4)
    array([    0., -1000.])
    """
    h = _check_preferences(h, temperature)
    z = _shifted(h, axis, temperature)
    axis = int(axis)
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def softmax(h, axis=-1, temperature=1.0):
    r"""Turn numerical preferences into action probabilities.

    .. math:: \pi(a) = \frac{e^{h(a)/\tau}}{\sum_b e^{h(b)/\tau}}

    Each probability is positive, they sum to one along ``axis``, and a larger
    preference always gets a larger probability. Adding the same constant to
    every preference changes nothing, which is what makes the computation
    stable: the largest preference is subtracted first, so ``exp`` never sees
    a positive number and cannot overflow. Explained in chapter 2.

    Parameters
    ----------
    h : array_like
        Numerical preferences :math:`h(s, a, \theta)`.
    axis : int, default -1
        The axis holding the actions.
    temperature : float, default 1.0
        :math:`\tau > 0`; the preferences are divided by it.

    Returns
    -------
    numpy.ndarray
        Probabilities, same shape as ``h``.

    Raises
    ------
    ValueError
        If ``h`` contains NaN or an infinity, or ``temperature`` is not positive.

    Examples
    --------
    The worked table of chapter 2:

    >>> import numpy as np
    >>> np.round(softmax([3.0, 2.0, 4.0, 5.0, 1.0]), 3)
    array([0.086, 0.032, 0.234, 0.636, 0.012])

    Extreme preferences stay finite:

    >>> softmax([1000.0, -1000.0])
    array([1., 0.])
    """
    h = _check_preferences(h, temperature)
    z = _shifted(h, axis, temperature)
    axis = int(axis)
    e = np.exp(z)
    return e / np.sum(e, axis=axis, keepdims=True)
