"""Small helpers shared by the algorithm modules: argument checks and sampling by inverse CDF."""

from __future__ import annotations

import numpy as np

from ._validate import MAX_ENTRIES, integer, real


def _positive_int(value, name, minimum=1, maximum=MAX_ENTRIES):
    """An integer >= ``minimum`` and <= ``maximum`` (see :func:`pgcore._validate.integer`).

    The default maximum is :data:`pgcore._validate.MAX_ENTRIES`: a count of runs,
    episodes, samples or steps that pgcore stores; pass a larger ``maximum``
    (``INT64_MAX``) for a bound that is only a loop limit, like ``max_steps``.
    """
    return integer(value, name, minimum=minimum, maximum=maximum)


def _step(value, name, allow_zero=False):
    """A finite step size > 0 (>= 0 with ``allow_zero``) (see :func:`pgcore._validate.real`)."""
    return real(value, name, minimum=0.0, strict=not allow_zero)


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


class _RunReport:
    """What batched-run results (REINFORCE, actor-critic) say about cut-off episodes and diverged runs.

    A mixin for dataclasses with fields ``truncated`` (bool array, one per
    episode), ``diverged`` (bool array, one per run) and ``max_steps``.
    """

    @property
    def n_truncated(self):
        """Number of episodes cut off at ``max_steps``."""
        return int(self.truncated.sum())

    @property
    def message(self):
        """An empty string, or a sentence about cut-off episodes and diverged runs."""
        parts = []
        if self.n_truncated:
            parts.append(f"{self.n_truncated} of {self.truncated.size} episodes were cut off "
                         f"at max_steps={self.max_steps}")
        if self.diverged.any():
            parts.append(f"{int(self.diverged.sum())} of {self.diverged.size} runs diverged "
                         "(parameters no longer finite)")
        return "; ".join(parts)
