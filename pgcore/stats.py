"""Summaries of many independent runs: means with confidence bands (chapters 7 onwards)."""

from __future__ import annotations

import math

import numpy as np

from ._validate import array, finite_result, integer, real

__all__ = ["mean_and_band", "t_quantile"]


def _t_cdf(x, df):
    """P(T <= x) for Student's t with ``df`` degrees of freedom, x >= 0, by Simpson's rule."""
    if x == 0.0:
        return 0.5
    c = math.exp(math.lgamma((df + 1) / 2) - math.lgamma(df / 2)) / math.sqrt(df * math.pi)
    # an even number of panels on [0, x]; the integrand is smooth and bounded
    n = 4000
    t = np.linspace(0.0, x, n + 1)
    f = c * (1.0 + t * t / df) ** (-(df + 1) / 2)
    simpson = (f[0] + f[-1] + 4.0 * f[1:-1:2].sum() + 2.0 * f[2:-1:2].sum()) * (x / n) / 3.0
    return 0.5 + simpson


def t_quantile(p, df):
    r"""The quantile :math:`t_{p,\nu}` of Student's t distribution with :math:`\nu` = ``df`` degrees of freedom.

    With :math:`n` runs, :math:`\bar x \pm t_{0.975,\,n-1}\, s/\sqrt n` is an exact
    95% confidence interval for the mean of normal data; the normal value 1.96
    covers only about 81% when :math:`n = 3`. Computed by bisection on the
    distribution function, itself integrated by Simpson's rule (numpy only).

    Parameters
    ----------
    p : float in (0, 1)
    df : int >= 1

    Returns
    -------
    float

    Examples
    --------
    >>> round(t_quantile(0.975, 2), 4), round(t_quantile(0.975, 99), 4)
    (4.3027, 1.9842)
    """
    p = real(p, "p", minimum=0.0, maximum=1.0, strict=True)
    if p == 1.0:
        raise ValueError("p must be a probability strictly between 0 and 1, got 1.0")
    df = integer(df, "df", minimum=1)
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    lo, hi = 0.0, 1.0
    while _t_cdf(hi, df) < p:
        lo, hi = hi, 2.0 * hi
        if hi > 1e7:   # p extremely close to 1 for df = 1
            break
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _t_cdf(mid, df) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def mean_and_band(x, axis=0, z=1.96, level=None, finite=True):
    r"""Mean over runs and the half-width of its confidence band.

    ``half = z * std(ddof=1) / sqrt(n)``; with the default ``z = 1.96`` the
    band ``mean ± half`` is an approximate 95% confidence interval for the
    expected value when there are many independent runs (100 in chapters 7 to 11). With few
    runs pass ``level=0.95``: ``z`` becomes Student's :func:`t_quantile`
    :math:`t_{(1+\text{level})/2,\, n-1}` (4.303 for 3 runs), the interval chapter 13 uses.

    Examples
    --------
    >>> import numpy as np
    >>> m, h = mean_and_band(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> m, np.round(h, 3)
    (array([2., 4.]), array([1.96, 3.92]))
    >>> m, h = mean_and_band(np.array([1.0, 2.0, 3.0]), level=0.95)
    >>> round(float(h), 3)
    2.484

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
    if level is not None:
        level = real(level, "level", minimum=0.0, maximum=1.0, strict=True)
        if level == 1.0:
            raise ValueError("level must be a probability strictly between 0 and 1, got 1.0")
        if n >= 2:
            z = t_quantile((1.0 + level) / 2.0, n - 1)
    with np.errstate(over="ignore", invalid="ignore"):
        mean = x.mean(axis=axis)
        half = np.zeros_like(mean) if n < 2 else z * x.std(axis=axis, ddof=1) / np.sqrt(n)
    if finite:
        finite_result(mean, "the means", "the numbers are too large for float64 (|x| near 1e308)")
        finite_result(half, "the band half-widths", "the numbers are too large for float64 (|x| near 1e308)")
    return mean, half
