"""Small helpers shared by the algorithm modules: argument checks and sampling by inverse CDF."""

from __future__ import annotations

import numpy as np


def _positive_int(value, name, minimum=1):
    try:
        ivalue = int(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an integer, got {value!r}") from None
    if ivalue != value or ivalue < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return ivalue


def _step(value, name, allow_zero=False):
    value = float(value)
    ok = np.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"{name} must be a {kind} finite number, got {value!r}")
    return value


def _sample_index(cdf, u):
    """Index drawn from each row of cumulative probabilities ``cdf`` with uniforms ``u``.

    The number of entries ``<= u``, capped at the last index: the same rule as
    the compiled kernel, so both draw the same action from the same uniform.
    """
    idx = (u[..., None] >= cdf).sum(axis=-1, dtype=np.intp)
    return np.minimum(idx, cdf.shape[-1] - 1)


def _cdf_rows(p):
    """Cumulative sums along the last axis, set to exactly 1 from each row's last positive entry on.

    Rounding can leave a cumulative sum a hair below 1; without this, a
    uniform draw above it would pick an item of probability 0.
    """
    p = np.asarray(p, dtype=float)
    c = np.cumsum(p, axis=-1)
    n = p.shape[-1]
    last = n - 1 - np.argmax(p[..., ::-1] > 0, axis=-1)
    c[np.arange(n) >= last[..., None]] = 1.0
    return c

