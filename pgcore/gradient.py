"""The performance measure, its exact gradient, and gradient ascent.

Chapters 3 ("The performance measure"), 4 ("Gradient ascent") and 5
("The policy gradient theorem").
"""

from __future__ import annotations

import numpy as np

from ._validate import MAX_ENTRIES, allocation, array, callable_arg, integer, real
from .mdp import _require_mdp, evaluate, expected_visits
from .policy import SoftmaxPolicy

__all__ = [
    "performance",
    "policy_gradient",
    "numerical_gradient",
    "gradient_ascent",
    "DivergenceError",
]


def performance(mdp, policy, theta):
    r"""The performance measure :math:`J(\theta) = \sum_s \text{start}(s)\, v_\pi(s)`.

    With a single start state :math:`s_0` this is :math:`v_{\pi_\theta}(s_0)`.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta : array_like, shape (d,)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> round(performance(short_corridor(), corridor_policy(), np.zeros(2)), 6)
    -12.0
    """
    _require_mdp(mdp)
    _require_policy(policy)
    V, _ = evaluate(mdp, policy.probs(theta))
    return float(mdp.start @ V)


def _require_policy(policy):
    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {policy!r:.60} (type {type(policy).__name__})")
    return policy


def policy_gradient(mdp, policy, theta):
    r"""The exact gradient :math:`\nabla J(\theta)` by the policy gradient theorem.

    .. math::
        \nabla J(\theta) = \sum_s \eta(s) \sum_a q_\pi(s, a)\, \nabla_\theta \pi(a|s,\theta)

    where :math:`\eta(s) = \sum_t \gamma^t \Pr(S_t = s)` is the expected
    (discounted) number of visits (:func:`pgcore.expected_visits`). Writing
    :math:`\eta = (\sum_{s'} \eta(s'))\,\mu` gives the textbook form
    :math:`\nabla J \propto \sum_s \mu(s) \sum_a q_\pi(s,a) \nabla\pi(a|s)`: the
    constant of proportionality is :math:`\sum_s \eta(s)`, the expected episode
    length when :math:`\gamma = 1` (Sutton & Barto 2018, eq. 13.5). Cost: one
    linear solve for the values and one for the visits. Explained in chapter 5.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> mdp, pol = short_corridor(), corridor_policy()
    >>> np.round(policy_gradient(mdp, pol, np.zeros(2)), 4)
    array([-2.,  2.])
    >>> f = lambda th: performance(mdp, pol, th)
    >>> np.round(numerical_gradient(f, np.zeros(2)), 4)
    array([-2.,  2.])
    """
    _require_mdp(mdp)
    _require_policy(policy)
    pi = policy.probs(theta)
    _, Q = evaluate(mdp, pi)
    eta = expected_visits(mdp, pi)
    return np.einsum("s,sa,sad->d", eta, Q, policy.grad_probs(theta))


def numerical_gradient(f, theta, eps=1e-6):
    r"""Central finite differences :math:`(f(\theta + \epsilon e_i) - f(\theta - \epsilon e_i)) / 2\epsilon`.

    An independent check on any analytic gradient: it calls ``f`` ``2 d`` times.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(numerical_gradient(lambda x: float(x @ x), np.array([1.0, -2.0])), 6)
    array([ 2., -4.])
    """
    f = callable_arg(f, "f")
    theta = array(theta, "theta")
    # below about 1e-10 (relative to theta) the difference of two values of f
    # is all rounding error: at 1e-300 it is exactly 0, a silently wrong gradient
    scale = max(1.0, float(np.abs(theta).max(initial=0.0)))
    eps = real(eps, "eps", minimum=0.0, strict=True)
    if eps < 1e-10 * scale:
        raise ValueError(f"eps must be at least 1e-10 * max(1, |theta|) = {1e-10 * scale:.3g}, got {eps!r}: "
                         "with a smaller step the difference f(theta + eps) - f(theta - eps) is only rounding error")
    g = np.empty_like(theta)
    for i in range(theta.size):
        e = np.zeros_like(theta)
        e.flat[i] = eps
        hi, lo = f(theta + e), f(theta - e)
        for v in (hi, lo):
            real(v, "the value f(theta) returned")
        g.flat[i] = (float(hi) - float(lo)) / (2 * eps)
    return g


class DivergenceError(ArithmeticError):
    """Gradient ascent left the region where numbers are finite.

    Attributes
    ----------
    path : numpy.ndarray, shape (k + 1, d)
        The finite part of the path, :math:`\\theta_0 \\dots \\theta_k`.
    step : int
        The step at which the iterate stopped being usable.
    """

    def __init__(self, message, path, step):
        super().__init__(message)
        self.path = path
        self.step = step


def gradient_ascent(grad, theta0, step_size, n_steps, max_norm=1e6):
    r"""Follow :math:`\theta_{t+1} = \theta_t + \alpha \nabla J(\theta_t)` for ``n_steps`` steps.

    Parameters
    ----------
    grad : callable
        ``grad(theta) -> array`` of shape (d,), the gradient of the objective.
    theta0 : array_like, shape (d,)
    step_size : float
        :math:`\alpha > 0`.
    n_steps : int
    max_norm : float, default 1e6
        If an iterate's norm exceeds this, or a gradient is not finite, the
        ascent has diverged: :class:`DivergenceError` is raised, carrying the
        finite part of the path in ``.path`` so a caller can still draw it.

    Returns
    -------
    numpy.ndarray, shape (n_steps + 1, d)
        The whole path :math:`\theta_0, \dots, \theta_n`.

    Examples
    --------
    Maximise :math:`-(\theta - 3)^2`; with :math:`\alpha = 0.25` each step
    halves the distance to 3.

    >>> import numpy as np
    >>> path = gradient_ascent(lambda th: -2 * (th - 3.0), [1.0], 0.25, 3)
    >>> path.ravel()
    array([1.  , 2.  , 2.5 , 2.75])
    >>> try:
    ...     gradient_ascent(lambda th: -2 * (th - 3.0), [1.0], 2.0, 100)
    ... except DivergenceError as err:
    ...     print(err.step, len(err.path))
    12 12
    """
    grad = callable_arg(grad, "grad")
    theta = array(theta0, "theta0").ravel()
    step_size = real(step_size, "step_size", minimum=0.0, strict=True)
    n_steps = integer(n_steps, "n_steps", minimum=0, maximum=MAX_ENTRIES)
    max_norm = real(max_norm, "max_norm", minimum=0.0, strict=True)
    allocation(f"gradient_ascent(n_steps={n_steps}) with {theta.size} parameters: the path", n_steps + 1, theta.size)
    path = np.empty((n_steps + 1, theta.size))
    path[0] = theta
    with np.errstate(all="ignore"):
        for t in range(n_steps):
            try:
                out = grad(path[t].copy())
            except (ValueError, FloatingPointError, OverflowError) as exc:
                raise DivergenceError(
                    f"gradient ascent diverged at step {t + 1}: the gradient could not be "
                    f"computed at theta = {path[t]} ({exc}); try a smaller step size",
                    path[: t + 1].copy(), t + 1) from exc
            g = array(out, "the gradient grad(theta) returned", finite=False).ravel() if out is not None else None
            if g is None or g.shape != theta.shape:
                got = "None" if g is None else f"shape {np.shape(out)}"
                raise TypeError(f"grad(theta) must return an array of shape {theta.shape} (one entry per "
                                f"parameter), got {got} at step {t + 1}")
            if not np.isfinite(g).all():
                raise DivergenceError(
                    f"gradient ascent stopped at step {t + 1}: grad(theta) returned "
                    f"{'NaN' if np.isnan(g).any() else 'inf'} at theta = {path[t]} (the gradient function "
                    f"cannot be evaluated there)", path[: t + 1].copy(), t + 1)
            nxt = path[t] + step_size * g
            if not (np.isfinite(nxt).all() and np.linalg.norm(nxt) <= max_norm):
                raise DivergenceError(
                    f"gradient ascent diverged at step {t + 1}: |theta| exceeded {max_norm:g} "
                    f"with step size {step_size:g}; try a smaller step size",
                    path[: t + 1].copy(), t + 1)
            path[t + 1] = nxt
    return path
