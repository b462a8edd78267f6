"""Softmax policies with preferences linear in features (chapter 2)."""

from __future__ import annotations

import numpy as np

from ._softmax import softmax
from ._validate import allocation, array, integer

__all__ = ["SoftmaxPolicy"]


class SoftmaxPolicy:
    r"""A softmax policy over preferences linear in features.

    .. math::
        h(s, a, \theta) = \theta^\top x(s, a), \qquad
        \pi(a|s, \theta) = \frac{e^{h(s,a,\theta)}}{\sum_b e^{h(s,b,\theta)}}

    Parameters
    ----------
    features : array_like, shape (S, A, d)
        The feature vector :math:`x(s, a) \in \mathbb{R}^d` of every
        state-action pair.

    Examples
    --------
    The tabular case: one preference per state-action pair.

    >>> import numpy as np
    >>> pol = SoftmaxPolicy.tabular(2, 3)
    >>> pol.d
    6
    >>> theta = np.array([0.0, 0.0, 0.0, 1.0, 2.0, 3.0])
    >>> np.round(pol.probs(theta), 3)
    array([[0.333, 0.333, 0.333],
           [0.09 , 0.245, 0.665]])
    """

    def __init__(self, features):
        x = array(features, "features", finite=False)
        if x.ndim != 3:
            raise ValueError(f"features must have shape (S, A, d), got {x.shape}")
        if 0 in x.shape:
            raise ValueError(f"features must have shape (S, A, d) with S, A, d >= 1, got {x.shape}")
        if not np.isfinite(x).all():
            raise ValueError("features must be finite numbers")
        x.setflags(write=False)
        self.features = x

    @classmethod
    def tabular(cls, n_states, n_actions):
        """One-hot features: ``theta[s * n_actions + a]`` is the preference h(s, a)."""
        S = integer(n_states, "n_states", minimum=1)
        A = integer(n_actions, "n_actions", minimum=1)
        # the features are S x A x (S*A): one-hot rows of an identity of size S*A
        allocation(f"SoftmaxPolicy.tabular(n_states={S}, n_actions={A})", S, A, S * A)
        x = np.eye(S * A).reshape(S, A, S * A)
        return cls(x)

    @property
    def n_states(self):
        return self.features.shape[0]

    @property
    def n_actions(self):
        return self.features.shape[1]

    @property
    def d(self):
        """Number of parameters, the length of ``theta``."""
        return self.features.shape[2]

    def __repr__(self):
        return f"SoftmaxPolicy(n_states={self.n_states}, n_actions={self.n_actions}, d={self.d})"

    def _theta(self, theta):
        theta = array(theta, "theta", finite=False)
        if theta.shape != (self.d,):
            raise ValueError(f"theta must have shape ({self.d},), got {theta.shape}")
        if np.isnan(theta).any():
            raise ValueError("theta contains NaN")
        if not np.isfinite(theta).all():
            raise ValueError("theta contains an infinity; parameters must be finite")
        return theta

    def preferences(self, theta):
        r"""Preferences :math:`h(s, a, \theta)`, shape (S, A)."""
        return self.features @ self._theta(theta)

    def probs(self, theta):
        r"""Action probabilities :math:`\pi(a|s, \theta)`, shape (S, A)."""
        return softmax(self.preferences(theta), axis=-1)

    def grad_log_probs(self, theta):
        r"""Score :math:`\nabla_\theta \log \pi(a|s,\theta) = x(s,a) - \sum_b \pi(b|s) x(s,b)`.

        Returns an array of shape (S, A, d).
        """
        pi = self.probs(theta)
        mean_x = np.einsum("sb,sbd->sd", pi, self.features)
        return self.features - mean_x[:, None, :]

    def grad_probs(self, theta):
        r""":math:`\nabla_\theta \pi(a|s,\theta) = \pi(a|s,\theta)\,\nabla_\theta \log \pi(a|s,\theta)`.

        Returns an array of shape (S, A, d).

        Examples
        --------
        >>> import numpy as np
        >>> pol = SoftmaxPolicy.tabular(1, 2)
        >>> np.round(pol.grad_probs(np.zeros(2)), 3)
        array([[[ 0.25, -0.25],
                [-0.25,  0.25]]])
        """
        pi = self.probs(theta)
        return pi[:, :, None] * self.grad_log_probs(theta)
