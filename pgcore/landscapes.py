r"""Two-parameter objectives on which to watch gradient ascent (chapter 4).

Gradient ascent, :math:`\theta_{t+1} = \theta_t + \alpha \nabla J(\theta_t)`,
is :func:`pgcore.gradient_ascent`. This module supplies the landscapes
:math:`J(\theta)`, :math:`\theta \in \mathbb{R}^2`, that chapter 4
("Gradient ascent") climbs, each with its exact gradient:

* :class:`Quadratic`: :math:`J(\theta) = -\tfrac12 (\theta - \theta^*)^\top A
  (\theta - \theta^*)`, where the fate of every step size is known exactly
  (:meth:`Quadratic.thresholds`, :meth:`Quadratic.regime`);
* :class:`PolicyLandscape`: a genuine policy performance
  :math:`J(\theta) = v_{\pi_\theta}(s_0)` from :func:`pgcore.performance` and
  :func:`pgcore.policy_gradient`, on

  - the short corridor seen through two overlapping tiles
    (:func:`corridor_tiles_policy`), which has one interior maximum, and
  - a four-armed "compass" bandit with two-dimensional features
    (:func:`compass_bandit`), which has two hills.

:func:`ascent_trace` runs gradient ascent and never raises on divergence: it
returns the finite part of the path and a message instead, which is what a
figure needs. Everything here is numpy; drawing lives in
:mod:`pgcore.widgets.ascent`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import envs
from ._validate import MAX_ENTRIES, allocation, array, callable_arg, finite_result, integer, real
from .gradient import DivergenceError, gradient_ascent, performance, policy_gradient
from .mdp import MDP
from .policy import SoftmaxPolicy

__all__ = [
    "Quadratic",
    "example_quadratic",
    "PolicyLandscape",
    "corridor_tiles_policy",
    "corridor_tiles_probs",
    "corridor_tiles_performance",
    "corridor_tiles_landscape",
    "compass_bandit",
    "compass_landscape",
    "numerical_hessian",
    "grid_values",
    "Trace",
    "ascent_trace",
]


# ---------------------------------------------------------------------------
# the concave quadratic
# ---------------------------------------------------------------------------
class Quadratic:
    r"""The concave quadratic :math:`J(\theta) = -\tfrac12 (\theta - \theta^*)^\top A (\theta - \theta^*)`.

    Its gradient is :math:`\nabla J(\theta) = -A(\theta - \theta^*)`, so one
    step of gradient ascent maps the error :math:`e_t = \theta_t - \theta^*` to

    .. math::
        e_{t+1} = (I - \alpha A)\, e_t .

    Along the eigenvector of :math:`A` with eigenvalue :math:`\lambda` the
    error is multiplied by :math:`1 - \alpha\lambda` at every step. Hence the
    exact step-size regimes (:meth:`regime`): the iterates converge from every
    start if and only if :math:`0 < \alpha < 2/\lambda_{\max}`; the component
    along the steepest axis changes sign at every step (oscillates) when
    :math:`\alpha > 1/\lambda_{\max}`; beyond :math:`2/\lambda_{\max}` it grows.
    See Nocedal & Wright (2006), chapter 3.

    Parameters
    ----------
    A : array_like, shape (d, d)
        Symmetric positive definite.
    theta_star : array_like, shape (d,)
        The maximiser :math:`\theta^*`, where :math:`J = 0`.

    Examples
    --------
    >>> import numpy as np
    >>> q = Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])
    >>> q.eigenvalues
    array([ 1., 10.])
    >>> q.value([1.0, -1.0]), q.value([2.0, -1.0])
    (0.0, -2.75)
    >>> q.grad([2.0, -1.0])
    array([-5.5, -4.5])
    """

    def __init__(self, A, theta_star):
        A = np.array(A, dtype=float)
        theta_star = np.array(theta_star, dtype=float).ravel()
        d = theta_star.size
        if A.shape != (d, d):
            raise ValueError(f"A must have shape ({d}, {d}) to match theta_star, got {A.shape}")
        if not (np.isfinite(A).all() and np.isfinite(theta_star).all()):
            raise ValueError("A and theta_star must be finite")
        if not np.allclose(A, A.T, rtol=1e-12, atol=1e-12):
            raise ValueError("A must be symmetric")
        lam, vec = np.linalg.eigh(A)
        # a reproducible sign: the largest entry of each eigenvector is positive
        vec = vec * np.where(vec[np.argmax(np.abs(vec), axis=0), np.arange(d)] < 0, -1.0, 1.0)
        if lam[0] <= 0:
            raise ValueError(f"A must be positive definite; its smallest eigenvalue is {lam[0]:.3g}")
        for arr in (A, theta_star, lam, vec):
            arr.setflags(write=False)
        self.A, self.theta_star = A, theta_star
        self.eigenvalues, self.eigenvectors = lam, vec
        self.J_star = 0.0

    @property
    def d(self):
        """Number of parameters."""
        return self.theta_star.size

    def __repr__(self):
        return f"Quadratic(eigenvalues={np.round(self.eigenvalues, 6).tolist()}, theta_star={self.theta_star.tolist()})"

    def value(self, theta):
        """:math:`J(\\theta)`; ``theta`` may be a stack of shape (..., d) (returns shape (...))."""
        e = array(theta, "theta") - self.theta_star
        if e.shape[-1:] != (self.d,):
            raise ValueError(f"theta must have shape (..., {self.d}), got shape {e.shape}")
        with np.errstate(over="ignore", invalid="ignore"):
            J = -0.5 * np.einsum("...i,ij,...j->...", e, self.A, e)
        finite_result(J, "the values J(theta)", "theta is too far out for float64")
        return float(J) if np.ndim(J) == 0 else J

    def grad(self, theta):
        r""":math:`\nabla J(\theta) = -A(\theta - \theta^*)`, shape (d,)."""
        e = array(theta, "theta", shape=(self.d,)) - self.theta_star
        return -(self.A @ e)

    def hessian(self, theta=None):
        """The constant Hessian :math:`-A`."""
        return -self.A.copy()

    def thresholds(self):
        r"""The step sizes at which the behaviour of gradient ascent changes.

        Returns
        -------
        dict
            ``lam_min``, ``lam_max``: extreme eigenvalues of :math:`A`;
            ``monotone`` :math:`= 1/\lambda_{\max}` (below it no component
            changes sign); ``converge`` :math:`= 2/\lambda_{\max}` (below it every
            start converges); ``fastest`` :math:`= 2/(\lambda_{\min} + \lambda_{\max})`,
            the constant step with the smallest worst-case factor ``rate``
            :math:`= (\kappa - 1)/(\kappa + 1)`, :math:`\kappa = \lambda_{\max}/\lambda_{\min}`.

        Examples
        --------
        >>> q = Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])
        >>> {k: round(v, 4) for k, v in q.thresholds().items()}
        {'lam_min': 1.0, 'lam_max': 10.0, 'monotone': 0.1, 'converge': 0.2, 'fastest': 0.1818, 'rate': 0.8182}
        """
        lo, hi = float(self.eigenvalues[0]), float(self.eigenvalues[-1])
        return {"lam_min": lo, "lam_max": hi, "monotone": 1.0 / hi, "converge": 2.0 / hi,
                "fastest": 2.0 / (lo + hi), "rate": (hi - lo) / (hi + lo)}

    def factors(self, step_size):
        r"""The per-step factors :math:`1 - \alpha\lambda_i` along the eigenvectors (ascending :math:`\lambda`)."""
        return 1.0 - float(step_size) * self.eigenvalues

    def regime(self, step_size):
        """Name the behaviour of gradient ascent with this step size, from the factors alone.

        One of ``"monotone"`` (converges, no component changes sign),
        ``"oscillating"`` (converges, the steepest component changes sign every
        step), ``"cycling"`` (``step_size == 2/lam_max``: the steepest component
        flips sign at constant size) or ``"diverging"``. The last two assume the
        start has a component along the steepest eigenvector.

        Examples
        --------
        >>> q = Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])
        >>> [q.regime(a) for a in (0.05, 0.15, 0.2, 0.25)]
        ['monotone', 'oscillating', 'cycling', 'diverging']
        """
        f = self.factors(step_size)
        worst = np.max(np.abs(f))
        if np.isclose(worst, 1.0, rtol=0, atol=1e-12) and f[-1] < 0:
            return "cycling"
        if worst > 1.0:
            return "diverging"
        return "oscillating" if f[-1] < 0 else "monotone"

    def iterates(self, theta0, step_size, n_steps):
        r"""Closed-form iterates :math:`\theta_t = \theta^* + (I - \alpha A)^t (\theta_0 - \theta^*)`.

        Computed in the eigenbasis of :math:`A`, independently of
        :func:`pgcore.gradient_ascent`, so the two can check each other.

        Returns
        -------
        numpy.ndarray, shape (n_steps + 1, d)

        Examples
        --------
        >>> import numpy as np
        >>> q = Quadratic([[2.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
        >>> q.iterates([1.0, 1.0], 0.25, 2)
        array([[1.    , 1.    ],
               [0.5   , 0.75  ],
               [0.25  , 0.5625]])
        """
        e0 = self.eigenvectors.T @ (array(theta0, "theta0", shape=(self.d,)) - self.theta_star)
        n_steps = integer(n_steps, "n_steps", minimum=0, maximum=MAX_ENTRIES)
        allocation(f"iterates(n_steps={n_steps}) with d = {self.d}", n_steps + 1, self.d)
        t = np.arange(n_steps + 1)[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            coeff = self.factors(step_size)[None, :] ** t * e0[None, :]
            out = self.theta_star + coeff @ self.eigenvectors.T
        return finite_result(out, "the iterates", f"with step size {step_size:g} the iteration diverges and "
                             f"overflows float64 within {n_steps} steps: ask for fewer steps")


def example_quadratic():
    r"""The ill-conditioned quadratic of chapter 4.

    :math:`A = \begin{pmatrix} 5.5 & 4.5 \\ 4.5 & 5.5 \end{pmatrix}` has
    eigenvalue 10 along :math:`(1, 1)/\sqrt2` (the steep axis) and 1 along
    :math:`(1, -1)/\sqrt2` (the shallow axis): condition number 10. The
    maximiser is :math:`\theta^* = (1, -1)`.

    Examples
    --------
    >>> q = example_quadratic()
    >>> q.eigenvalues, q.theta_star
    (array([ 1., 10.]), array([ 1., -1.]))
    """
    return Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])


# ---------------------------------------------------------------------------
# genuine policy performance
# ---------------------------------------------------------------------------
class PolicyLandscape:
    r"""The performance :math:`J(\theta) = \sum_s \text{start}(s)\, v_{\pi_\theta}(s)` of a softmax policy.

    :meth:`value` is :func:`pgcore.performance` and :meth:`grad` is
    :func:`pgcore.policy_gradient` (exact, by the policy gradient theorem).

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    max_norm : float, default 1e6
        The norm beyond which :func:`ascent_trace` declares divergence.
    theta_star : array_like, optional
        A known maximiser, if any; ``J_star`` is then its value.
    J_star : float, optional
        The supremum of :math:`J`, if known (it need not be attained).
    name : str

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore import envs
    >>> L = PolicyLandscape(envs.short_corridor(), envs.corridor_policy())
    >>> L.value(np.zeros(2)), L.grad(np.zeros(2)).round(6)
    (-12.0, array([-2.,  2.]))
    """

    def __init__(self, mdp, policy, max_norm=1e6, theta_star=None, J_star=None, name="policy"):
        self.mdp, self.policy = mdp, policy
        self.max_norm = real(max_norm, "max_norm", minimum=0.0, strict=True)
        self.theta_star = None if theta_star is None else np.array(theta_star, dtype=float)
        if J_star is None and self.theta_star is not None:
            J_star = self.value(self.theta_star)
        self.J_star = None if J_star is None else float(J_star)
        self.name = name

    @property
    def d(self):
        return self.policy.d

    def __repr__(self):
        return f"PolicyLandscape({self.name!r}, {self.mdp!r}, {self.policy!r})"

    def value(self, theta):
        """:math:`J(\\theta)` by :func:`pgcore.performance`."""
        return performance(self.mdp, self.policy, theta)

    def grad(self, theta):
        r""":math:`\nabla J(\theta)` by :func:`pgcore.policy_gradient`."""
        return policy_gradient(self.mdp, self.policy, theta)


# -- the corridor through two overlapping tiles ------------------------------
def corridor_tiles_policy():
    r"""A softmax policy for the short corridor that sees the states through two overlapping tiles.

    Feature 1 is "in the left part" (states 0 and 1), feature 2 "in the right
    part" (states 1 and 2); the switched state 1 lies in both tiles. The
    preference of *right* is :math:`h(s, \text{right}) = \theta^\top x(s)` with
    :math:`x(0) = (1, 0)`, :math:`x(1) = (1, 1)`, :math:`x(2) = (0, 1)`, and
    :math:`h(s, \text{left}) = 0`, so the probabilities of right are

    .. math::
        p_0 = \sigma(\theta_1), \quad p_1 = \sigma(\theta_1 + \theta_2), \quad
        p_2 = \sigma(\theta_2), \qquad \sigma(u) = 1/(1 + e^{-u}).

    No :math:`\theta` makes the policy go right in states 0 and 2 and left in
    state 1, so, unlike with one feature per state, the best policy is
    stochastic and :math:`J` has a maximum at a finite :math:`\theta`.
    Chapter 4 uses it as a genuinely two-dimensional landscape.

    Examples
    --------
    >>> import numpy as np
    >>> pol = corridor_tiles_policy()
    >>> np.round(pol.probs(np.array([np.log(3.0), 0.0]))[:3, 1], 3)
    array([0.75, 0.75, 0.5 ])
    """
    x = np.zeros((4, 2, 2))
    x[0, envs.RIGHT] = [1.0, 0.0]
    x[1, envs.RIGHT] = [1.0, 1.0]
    x[2, envs.RIGHT] = [0.0, 1.0]
    return SoftmaxPolicy(x)


def _sigmoid_pair(u):
    """(sigma(u), 1 - sigma(u)) without cancellation."""
    u = np.asarray(u, dtype=float)
    e = np.exp(-np.abs(u))
    big = 1.0 / (1.0 + e)
    small = e / (1.0 + e)
    return np.where(u >= 0, big, small), np.where(u >= 0, small, big)


def _tiles_theta(theta):
    th = array(theta, "theta")
    if th.shape[-1:] != (2,):
        raise ValueError(f"theta must have shape (..., 2) (one preference per tile), got shape {th.shape}")
    return th


def corridor_tiles_probs(theta):
    r"""Probabilities of *right* :math:`(p_0, p_1, p_2)` under :func:`corridor_tiles_policy`.

    ``theta`` may be a stack of shape (..., 2); returns shape (..., 3).

    Examples
    --------
    >>> import numpy as np
    >>> np.round(corridor_tiles_probs([-np.log(2.0), 0.0]), 6)
    array([0.333333, 0.333333, 0.5     ])
    """
    th = _tiles_theta(theta)
    h = np.stack([th[..., 0], th[..., 0] + th[..., 1], th[..., 1]], axis=-1)
    return _sigmoid_pair(h)[0]


def corridor_tiles_performance(theta):
    r"""Closed form of :math:`J(\theta)` for :func:`corridor_tiles_policy`, by hand.

    With :math:`p_s` the probability of right in state :math:`s`, the
    Bellman equations :math:`v_0 = -1 + p_0 v_1 + (1 - p_0) v_0`,
    :math:`v_1 = -1 + p_1 v_0 + (1 - p_1) v_2`, :math:`v_2 = -1 + (1 - p_2) v_1`
    solve to

    .. math::
        v_1 = \frac{-2 + p_1 - p_1/p_0}{(1 - p_1)\, p_2}, \qquad
        J = v_0 = v_1 - \frac{1}{p_0}.

    An independent check on :func:`pgcore.performance`, and accurate even
    where the linear solve is ill-conditioned (:math:`1 - p_1` is computed
    without cancellation). Accepts a stack of shape (..., 2).

    Examples
    --------
    >>> import numpy as np
    >>> round(float(corridor_tiles_performance([0.0, 0.0])), 6)
    -12.0
    >>> round(float(corridor_tiles_performance([-np.log(2.0), 0.0])), 6)
    -11.0
    """
    th = _tiles_theta(theta)
    h = np.stack([th[..., 0], th[..., 0] + th[..., 1], th[..., 1]], axis=-1)
    p, q = _sigmoid_pair(h)
    p0, p1, p2 = p[..., 0], p[..., 1], p[..., 2]
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        v1 = (-2.0 + p1 - p1 / p0) / (q[..., 1] * p2)
        J = v1 - 1.0 / p0
    finite_result(J, "the performances J(theta)", "theta is so far out that a probability rounds to 0 or 1 "
                  "and J overflows float64")
    return float(J) if np.ndim(J) == 0 else J


def corridor_tiles_landscape(max_norm=15.0):
    r"""The :class:`PolicyLandscape` of the short corridor under :func:`corridor_tiles_policy`.

    Its maximum is at :math:`\theta^* = (-\ln 2, 0)`, where
    :math:`p = (1/3, 1/3, 1/2)` and :math:`J^* = -11` (check:
    :func:`corridor_tiles_performance` and a vanishing gradient). Every
    direction to infinity makes some :math:`p_s` tend to 0 or 1 in a way that
    traps the agent, so :math:`J \to -\infty` there. ``max_norm = 15``: on
    the circle :math:`|\theta| = 15`, :math:`J < -80\,000`, and further out
    the exact linear solve of :func:`pgcore.performance` loses its accuracy;
    :func:`ascent_trace` calls leaving that disc divergence.

    Examples
    --------
    >>> import numpy as np
    >>> L = corridor_tiles_landscape()
    >>> L.theta_star.round(6), round(L.J_star, 6)
    (array([-0.693147,  0.      ]), -11.0)
    >>> bool(np.allclose(L.grad(L.theta_star), 0.0, atol=1e-12))
    True
    """
    return PolicyLandscape(envs.short_corridor(), corridor_tiles_policy(), max_norm=max_norm,
                           theta_star=[-np.log(2.0), 0.0], name="corridor")


# -- the compass bandit ------------------------------------------------------
COMPASS = ("east", "west", "north", "south")


def compass_bandit(means=(1.0, 0.8, 0.0, 0.0)):
    r"""A four-armed bandit whose arms sit at the points of a compass, with its softmax policy.

    The arms east, west, north and south have features :math:`x(a)` =
    (1, 0), (-1, 0), (0, 1), (0, -1), so :math:`h(a) = \theta^\top x(a)`:
    :math:`\theta` is the direction the policy leans in. With the default
    mean rewards (1, 0.8, 0, 0) leaning east approaches :math:`J = 1`, leaning
    west approaches :math:`J = 0.8`, and north and south are valleys in between:
    :math:`J` has two hills, and neither top is attained at a finite
    :math:`\theta`. Built on :func:`pgcore.envs.bandit`.

    Returns
    -------
    mdp : MDP
    policy : SoftmaxPolicy with ``d = 2``

    Examples
    --------
    >>> import numpy as np
    >>> mdp, pol = compass_bandit()
    >>> mdp.action_names
    ['east', 'west', 'north', 'south']
    >>> np.round(pol.probs(np.array([np.log(2.0), 0.0]))[0], 3)
    array([0.4, 0.2, 0.2, 0.2])
    """
    means = np.asarray(means, dtype=float)
    if means.shape != (4,):
        raise ValueError(f"means must hold 4 numbers (east, west, north, south), got shape {means.shape}")
    b = envs.bandit(means)
    mdp = MDP(b.P, b.R, b.start, gamma=b.gamma, terminal=b.terminal, state_names=b.state_names,
              action_names=COMPASS)
    x = np.zeros((2, 4, 2))
    x[0] = [[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]]
    return mdp, SoftmaxPolicy(x)


def compass_landscape(means=(1.0, 0.8, 0.0, 0.0)):
    r"""The :class:`PolicyLandscape` of :func:`compass_bandit`; ``J_star`` is the largest mean.

    Examples
    --------
    >>> import numpy as np
    >>> L = compass_landscape()
    >>> round(L.value(np.zeros(2)), 6), L.J_star
    (0.45, 1.0)
    """
    mdp, pol = compass_bandit(means)
    return PolicyLandscape(mdp, pol, J_star=float(np.max(means)), name="bandit")


# ---------------------------------------------------------------------------
# tools
# ---------------------------------------------------------------------------
def numerical_hessian(grad, theta, eps=1e-5):
    r"""Hessian of :math:`J` by central differences of its gradient, symmetrised.

    Column :math:`j` is :math:`(\nabla J(\theta + \epsilon e_j) - \nabla J(\theta - \epsilon e_j)) / 2\epsilon`.

    Examples
    --------
    >>> import numpy as np
    >>> q = Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])
    >>> np.round(numerical_hessian(q.grad, np.zeros(2)), 6)
    array([[-5.5, -4.5],
           [-4.5, -5.5]])
    """
    grad = callable_arg(grad, "grad")
    theta = array(theta, "theta", ndim=1, min_size=1)
    eps = real(eps, "eps", minimum=0.0, strict=True)
    d = theta.size
    H = np.empty((d, d))
    for j in range(d):
        e = np.zeros(d)
        e[j] = eps
        H[:, j] = (np.asarray(grad(theta + e)) - np.asarray(grad(theta - e))) / (2 * eps)
    return 0.5 * (H + H.T)


def grid_values(value, t1, t2):
    r"""``Z[i, j] = value([t1[j], t2[i]])`` on a grid (the layout ``contour(t1, t2, Z)`` expects).

    Points where ``value`` raises ``ValueError`` (e.g. a policy that never ends
    an episode) or returns a non-finite number become ``nan``.

    Examples
    --------
    >>> import numpy as np
    >>> grid_values(lambda th: th[0] + 10 * th[1], [0.0, 1.0], [0.0, 1.0, 2.0])
    array([[ 0.,  1.],
           [10., 11.],
           [20., 21.]])
    """
    value = callable_arg(value, "value")
    t1, t2 = array(t1, "t1", ndim=1, min_size=1), array(t2, "t2", ndim=1, min_size=1)
    allocation(f"grid_values with {t1.size} x {t2.size} points", t2.size, t1.size)
    Z = np.full((t2.size, t1.size), np.nan)
    with np.errstate(all="ignore"):
        for i, b in enumerate(t2):
            for j, a in enumerate(t1):
                try:
                    z = float(value(np.array([a, b])))
                except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                    continue
                if np.isfinite(z):
                    Z[i, j] = z
    return Z


@dataclass
class Trace:
    """A gradient-ascent run as a figure needs it.

    Attributes
    ----------
    path : numpy.ndarray, shape (k + 1, d)
        The finite part of the path :math:`\\theta_0, \\dots, \\theta_k`.
    values : numpy.ndarray, shape (k + 1,)
        :math:`J(\\theta_t)` along it (``nan`` where it cannot be computed).
    diverged_at : int or None
        The step at which the ascent left the usable region, or None.
    message : str
        Empty when all steps were taken; otherwise what happened.
    """

    path: np.ndarray
    values: np.ndarray
    diverged_at: int | None
    message: str

    @property
    def diverged(self):
        return self.diverged_at is not None


def ascent_trace(landscape, theta0, step_size, n_steps, max_norm=None):
    r"""Run :func:`pgcore.gradient_ascent` on ``landscape`` and never raise on divergence.

    :class:`pgcore.DivergenceError` is caught: the finite part of the path
    (``err.path``) is kept and the message says at which step the ascent
    left the disc :math:`|\theta| \le` ``max_norm`` (default: the landscape's
    own ``max_norm``, else 1e6) or reached a point where the gradient cannot be
    computed. Invalid arguments (a step size that is not positive, ...)
    still raise ``ValueError``.

    Parameters
    ----------
    landscape : object with ``value(theta)`` and ``grad(theta)``
    theta0 : array_like, shape (d,)
    step_size : float
    n_steps : int
    max_norm : float, optional

    Returns
    -------
    Trace

    Examples
    --------
    >>> q = Quadratic([[5.5, 4.5], [4.5, 5.5]], [1.0, -1.0])
    >>> ascent_trace(q, [-3.0, 2.0], 0.05, 100).diverged
    False
    >>> tr = ascent_trace(q, [-3.0, 2.0], 0.25, 100)
    >>> tr.diverged_at, len(tr.path), tr.message
    (35, 35, 'diverged at step 35: |θ| > 1e+06')
    """
    if not (callable(getattr(landscape, "grad", None)) and callable(getattr(landscape, "value", None))):
        raise TypeError(f"landscape must have value(theta) and grad(theta) methods (a Quadratic or a "
                        f"PolicyLandscape), got {landscape!r}")
    if max_norm is None:
        max_norm = getattr(landscape, "max_norm", 1e6)
    max_norm = real(max_norm, "max_norm", minimum=0.0, strict=True)
    try:
        path = gradient_ascent(landscape.grad, theta0, step_size, n_steps, max_norm=max_norm)
        step, message = None, ""
    except DivergenceError as err:
        path, step = err.path, int(err.step)
        if err.__cause__ is not None:
            message = f"diverged at step {step}: the gradient cannot be computed"
        else:
            message = f"diverged at step {step}: |θ| > {max_norm:g}"
    values = np.full(len(path), np.nan)
    with np.errstate(all="ignore"):
        for t, th in enumerate(path):
            try:
                values[t] = landscape.value(th)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError):
                pass
    return Trace(path=path, values=values, diverged_at=step, message=message)
