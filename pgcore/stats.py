"""Summaries of many independent runs: means with confidence bands (chapters 7 onwards)."""

from __future__ import annotations

import numpy as np

from ._validate import array, integer, real

__all__ = ["mean_and_band"]


def mean_and_band(x, axis=0, z=1.96):
    r"""Mean over runs and the half-width of its normal-approximation confidence band.

    ``half = z * std(ddof=1) / sqrt(n)``; with the default ``z = 1.96`` the
    band ``mean ± half`` is an approximate 95% confidence interval for the
    expected value (many runs, independent of each other).

    Examples
    --------
    >>> import numpy as np

from ._validate import array, integer, real
    >>> m, h = mean_and_band(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> m, np.round(h, 3)
    (array([2., 4.]), array([1.96, 3.92]))
    """
    x = array(x, "x", finite=False)
    if x.ndim == 0:
        raise ValueError(f"x must be an array with an axis of runs, got the scalar {float(x)!r}")
    axis = integer(axis, "axis", minimum=-x.ndim, maximum=x.ndim - 1)
    z = real(z, "z", minimum=0.0)
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"x must hold at least one run along axis {axis}, got shape {x.shape}")
    mean = x.mean(axis=axis)
    if n < 2:
        return mean, np.zeros_like(mean)
    return mean, z * x.std(axis=axis, ddof=1) / np.sqrt(n)
