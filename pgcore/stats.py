"""Summaries of many independent runs: means with confidence bands (chapters 7 onwards)."""

from __future__ import annotations

import numpy as np

from ._validate import array, finite_result, integer, real

__all__ = ["mean_and_band"]


def mean_and_band(x, axis=0, z=1.96, finite=True):
    r"""Mean over runs and the half-width of its normal-approximation confidence band.

    ``half = z * std(ddof=1) / sqrt(n)``; with the default ``z = 1.96`` the
    band ``mean ± half`` is an approximate 95% confidence interval for the
    expected value (many runs, independent of each other).

    Examples
    --------
    >>> import numpy as np
    >>> m, h = mean_and_band(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> m, np.round(h, 3)
    (array([2., 4.]), array([1.96, 3.92]))

    NaN or inf in ``x`` (a run that diverged, say) is refused, since the mean
    and band would silently be NaN; with ``finite=False`` they are NaN where
    such a run is (a plot then leaves a gap there):

    >>> mean_and_band([[1.0, np.nan], [3.0, 2.0]])
    Traceback (most recent call last):
    ...
    ValueError: x must be finite (no NaN or inf), but x[0, 1] = nan (leave out the runs that diverged, or pass finite=False to get NaN where they are)
    >>> mean_and_band([[1.0, np.nan], [3.0, 2.0]], finite=False)[0]
    array([ 2., nan])
    """
    if not isinstance(finite, (bool, np.bool_)):
        raise TypeError(f"finite must be True or False, got {finite!r}")
    try:
        x = array(x, "x", finite=bool(finite))
    except ValueError as exc:
        if "must be finite" not in str(exc):
            raise
        raise ValueError(f"{exc} (leave out the runs that diverged, or pass finite=False to get NaN "
                         f"where they are)") from None
    if x.ndim == 0:
        raise ValueError(f"x must be an array with an axis of runs, got the scalar {float(x)!r}")
    axis = integer(axis, "axis", minimum=-x.ndim, maximum=x.ndim - 1)
    z = real(z, "z", minimum=0.0)
    n = x.shape[axis]
    if n == 0:
        raise ValueError(f"x must hold at least one run along axis {axis}, got shape {x.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=axis)
        half = np.zeros_like(mean) if n < 2 else z * x.std(axis=axis, ddof=1) / np.sqrt(n)
    if finite:
        finite_result(mean, "the means", "the numbers are too large for float64 (|x| near 1e308)")
        finite_result(half, "the band half-widths", "the numbers are too large for float64 (|x| near 1e308)")
    return mean, half
