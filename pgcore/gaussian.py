r"""Gaussian policies for continuous actions (chapter 11, "Continuous actions").

A softmax needs one preference per action, so it cannot cover a continuum of
actions. Sutton & Barto (2018, section 13.7) parameterise a *density*
instead: the action is drawn from a normal distribution whose mean and
standard deviation are functions of the state,

.. math::
    \pi(a \mid s, \theta) = \frac{1}{\sigma(s)\sqrt{2\pi}}
    \exp\Big(-\frac{(a - \mu(s))^2}{2\sigma(s)^2}\Big),
    \qquad \mu(s) = \theta_\mu^\top x_\mu(s), \quad
    \sigma(s) = \exp\big(\theta_\sigma^\top x_\sigma(s)\big).

This module gives the density and its score (:func:`log_prob`, :func:`score`),
and a family of one-step tasks with finitely many states whose expected reward,
and so the exact :math:`J(\theta)` and :math:`\nabla J(\theta)`, is known in
closed form (:class:`GaussianTask`), so that every sampled estimate can be
checked against the truth.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ._common import _positive_int, _step
from ._validate import allocation, finite_result
from ._validate import seed as _seed

__all__ = [
    "log_prob",
    "score",
    "GaussianTask",
    "line_task",
    "GaussianTrainResult",
]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def _real_array(x, name):
    try:
        arr = np.asarray(x)
    except Exception:  # pragma: no cover - asarray rarely fails
        raise TypeError(f"{name} must be an array of real numbers, got {x!r}") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be an array of real numbers, got {x!r}")
    if np.iscomplexobj(arr):
        raise TypeError(f"{name} must be real, got complex values {x!r}")
    arr = arr.astype(float)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {x!r}")
    return arr


def _broadcast(a, mean, log_std):
    a = _real_array(a, "a")
    mean = _real_array(mean, "mean")
    log_std = _real_array(log_std, "log_std")
    try:
        return np.broadcast_arrays(a, mean, log_std)
    except ValueError:
        raise ValueError(f"a, mean and log_std must broadcast together; got shapes "
                         f"{a.shape}, {mean.shape} and {log_std.shape}") from None


def log_prob(a, mean, log_std):
    r"""Log-density of a normal distribution, :math:`\ln \pi(a)`.

    .. math::
        \ln \pi(a) = -\frac{(a - \mu)^2}{2\sigma^2} - \ln\sigma - \tfrac12\ln(2\pi),
        \qquad \sigma = e^{\text{log\_std}}.

    The standard deviation enters through its logarithm, so every real
    ``log_std`` is allowed and :math:`\sigma > 0` always. Explained in chapter 11.
    Arguments broadcast against each other.

    Parameters
    ----------
    a : array_like
        Actions.
    mean : array_like
        Means :math:`\mu`.
    log_std : array_like
        Logarithms of the standard deviations, :math:`\ln\sigma`.

    Returns
    -------
    numpy.ndarray
        The log-densities (a float array of the broadcast shape).

    Examples
    --------
    >>> round(float(log_prob(0.0, 0.0, 0.0)), 6)   # the peak of N(0, 1): -ln sqrt(2 pi)
    -0.918939
    >>> round(float(log_prob(1.0, 0.0, 0.0) - log_prob(0.0, 0.0, 0.0)), 6)
    -0.5
    """
    a, mean, log_std = _broadcast(a, mean, log_std)
    with np.errstate(over="ignore", invalid="ignore"):
        diff = a - mean
        # (a - mu) / sigma, with 0 / 0 = 0 where a == mu exactly (sigma may underflow to 0)
        z = np.where(diff == 0, 0.0, diff * np.exp(-log_std))
        out = -0.5 * z * z - log_std - _LOG_SQRT_2PI
    return finite_result(out, "the log-densities", "a - mean is too large for sigma = exp(log_std) "
                         "(the numbers overflow float64)")


def score(a, mean, log_std):
    r"""Score of a normal distribution: the derivatives of :math:`\ln\pi(a)` in the mean and in :math:`\ln\sigma`.

    .. math::
        \frac{\partial \ln\pi(a)}{\partial\mu} = \frac{a - \mu}{\sigma^2},
        \qquad
        \frac{\partial \ln\pi(a)}{\partial \ln\sigma} = \frac{(a - \mu)^2}{\sigma^2} - 1.

    With linear features, :math:`\mu = \theta_\mu^\top x_\mu(s)` and
    :math:`\ln\sigma = \theta_\sigma^\top x_\sigma(s)`, the chain rule gives
    Sutton & Barto's (13.20) and (13.21): these two numbers times
    :math:`x_\mu(s)` and :math:`x_\sigma(s)`. Both have mean zero when
    :math:`a` is drawn from the distribution itself. Explained in chapter 11.

    Parameters
    ----------
    a, mean, log_std : array_like
        As in :func:`log_prob`; they broadcast.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``(d_mean, d_log_std)``, each of the broadcast shape.

    Examples
    --------
    >>> d_mean, d_log_std = score(1.5, 1.0, np.log(0.5))   # z = (1.5 - 1) / 0.5 = 1
    >>> float(d_mean), float(d_log_std)
    (2.0, 0.0)
    """
    with np.errstate(over="ignore", invalid="ignore"):
        d_mean, d_log_std = _score(*_broadcast(a, mean, log_std))
    finite_result(d_mean, "the scores", "a - mean is too large for sigma = exp(log_std) (the numbers overflow float64)")
    finite_result(d_log_std, "the scores", "a - mean is too large for sigma = exp(log_std) (the numbers overflow "
                  "float64)")
    return d_mean, d_log_std


def _score(a, mean, log_std):
    """:func:`score` without the argument checks (for pgcore's own arrays)."""
    inv_var = np.exp(-2.0 * log_std)
    diff = a - mean
    return diff * inv_var, diff * diff * inv_var - 1.0


@dataclass(frozen=True)
class GaussianTrainResult:
    """What :meth:`GaussianTask.train` returns: the exact performance along every run.

    Attributes
    ----------
    J : numpy.ndarray, shape (n_runs, n_updates + 1)
        Exact :math:`J(\\theta)` before the first update and after each one.
    theta : numpy.ndarray, shape (n_runs, n_updates + 1, d)
        The parameters along each run.
    sigma : numpy.ndarray, shape (n_runs, n_updates + 1, n_states)
        The standard deviation :math:`\\sigma(s)` in each state along each run.
    diverged_at : numpy.ndarray of int, shape (n_runs,)
        The update at which a run's parameters overflowed, or -1 if they did
        not. A diverged run's entries are NaN from that update on.
    message : str
        Empty, or says how many runs diverged.
    """

    J: np.ndarray
    theta: np.ndarray
    sigma: np.ndarray
    diverged_at: np.ndarray
    message: str = ""

    @property
    def ok(self):
        """Boolean mask of the runs that did not diverge, shape (n_runs,)."""
        return self.diverged_at < 0


@dataclass(frozen=True)
class GaussianTask:
    r"""A one-step task with finitely many states and a continuous action, solvable in closed form.

    A state :math:`s` is drawn with probability ``weights[s]``, the agent picks
    a real action :math:`a \sim \pi(\cdot \mid s, \theta)` (the linear Gaussian
    policy of the module docstring) and receives a reward that depends on how
    far :math:`a` is from the state's best action ``target[s]``, plus zero-mean
    normal noise of standard deviation ``noise_std``:

    * ``reward="quadratic"``: :math:`r(s, a) = -(a - a^*(s))^2`, so
      :math:`\mathbb E[R \mid s] = -\big((\mu - a^*)^2 + \sigma^2\big)`;
    * ``reward="bump"``: :math:`r(s, a) = \exp\big(-(a - a^*(s))^2 / 2w^2\big)`, so
      :math:`\mathbb E[R \mid s] = \frac{w}{\sqrt{w^2 + \sigma^2}}
      \exp\big(-\frac{(\mu - a^*)^2}{2(w^2 + \sigma^2)}\big)` with ``w = width``.

    The parameters are one flat vector :math:`\theta = (\theta_\mu, \theta_\sigma)`
    of length ``d_mu + d_sigma``. Build one with :func:`line_task`.

    Parameters
    ----------
    x_mu : array_like, shape (n_states, d_mu)
        Features of the mean.
    x_sigma : array_like, shape (n_states, d_sigma)
        Features of :math:`\ln\sigma`.
    target : array_like, shape (n_states,)
        The best action :math:`a^*(s)` of each state.
    weights : array_like, shape (n_states,)
        Probabilities of the states (non-negative, summing to 1).
    reward : {"quadratic", "bump"}
    width : float
        :math:`w` of the bump reward (positive).
    noise_std : float
        Standard deviation of the reward noise (non-negative).
    offset : float
        A constant added to every reward. It changes :math:`J` by the same
        constant and leaves :math:`\nabla J` alone, but not the variance of
        the sampled estimates.
    """

    x_mu: np.ndarray
    x_sigma: np.ndarray
    target: np.ndarray
    weights: np.ndarray
    reward: str = "quadratic"
    width: float = 1.0
    noise_std: float = 0.0
    offset: float = 0.0
    d: int = field(init=False)

    def __post_init__(self):
        x_mu = _real_array(self.x_mu, "x_mu")
        x_sigma = _real_array(self.x_sigma, "x_sigma")
        target = _real_array(self.target, "target")
        weights = _real_array(self.weights, "weights")
        if x_mu.ndim != 2 or x_mu.shape[0] == 0 or x_mu.shape[1] == 0:
            raise ValueError(f"x_mu must have shape (n_states, d_mu) with both at least 1, "
                             f"got shape {x_mu.shape}")
        n = x_mu.shape[0]
        if x_sigma.ndim != 2 or x_sigma.shape[0] != n or x_sigma.shape[1] == 0:
            raise ValueError(f"x_sigma must have shape ({n}, d_sigma) with d_sigma >= 1, "
                             f"got shape {x_sigma.shape}")
        for name, arr in (("target", target), ("weights", weights)):
            if arr.shape != (n,):
                raise ValueError(f"{name} must have shape ({n},), got shape {arr.shape}")
        if np.any(weights < 0) or abs(weights.sum() - 1.0) > 1e-9:
            raise ValueError(f"weights must be non-negative and sum to 1, got {weights}")
        if self.reward not in ("quadratic", "bump"):
            raise ValueError(f"reward must be 'quadratic' or 'bump', got {self.reward!r}")
        width = _step(self.width, "width")
        noise_std = _step(self.noise_std, "noise_std", allow_zero=True)
        offset = float(_real_array(self.offset, "offset"))
        for name, value in (("x_mu", x_mu), ("x_sigma", x_sigma), ("target", target),
                            ("weights", weights), ("width", width), ("noise_std", noise_std),
                            ("offset", offset)):
            object.__setattr__(self, name, value)
        object.__setattr__(self, "d", x_mu.shape[1] + x_sigma.shape[1])

    # -- the policy ---------------------------------------------------------

    def _theta(self, theta):
        theta = _real_array(theta, "theta")
        if theta.shape[-1:] != (self.d,):
            raise ValueError(f"theta must have last dimension {self.d} "
                             f"(d_mu = {self.x_mu.shape[1]} then d_sigma = {self.x_sigma.shape[1]}), "
                             f"got shape {theta.shape}")
        return theta

    def policy(self, theta):
        r"""Mean and :math:`\ln\sigma` in every state: ``(mean, log_std)``, each shape (..., n_states).

        Leading axes of ``theta`` (shape (..., d)) broadcast.
        """
        return self._policy(self._theta(theta))

    def _policy(self, theta):
        k = self.x_mu.shape[1]
        return theta[..., :k] @ self.x_mu.T, theta[..., k:] @ self.x_sigma.T

    # -- exact quantities ---------------------------------------------------

    def _value_parts(self, mean, log_std):
        """E[R | s] and its derivatives in the mean and in ln sigma, per state."""
        d = mean - self.target
        var = np.exp(2.0 * log_std)
        if self.reward == "quadratic":
            return self.offset - (d * d + var), -2.0 * d, -2.0 * var
        w2 = self.width ** 2
        s2 = w2 + var
        v = np.sqrt(w2 / s2) * np.exp(-d * d / (2.0 * s2))
        # dv/d(var) = v * (d^2 / (2 s2^2) - 1 / (2 s2)); d(var)/d(ln sigma) = 2 var
        return self.offset + v, -v * d / s2, v * (d * d / s2 - 1.0) * var / s2

    def state_values(self, theta):
        r"""Exact expected reward :math:`v_\pi(s) = \mathbb E[R \mid s]` of every state, shape (..., n_states)."""
        return self._value_parts(*self.policy(theta))[0]

    def _J(self, theta):
        return self._value_parts(*self._policy(theta))[0] @ self.weights

    def objective(self, theta):
        r"""Exact performance :math:`J(\theta) = \sum_s p(s)\, \mathbb E[R \mid s]`.

        Examples
        --------
        >>> task = line_task()
        >>> theta = np.array([0.0, 0.0, 0.0])           # mean 0, sigma 1 everywhere
        >>> round(float(task.objective(theta)), 6)       # -(E[(0 - a*)^2] + 1)
        -3.25
        """
        with np.errstate(over="ignore", invalid="ignore"):
            J = self.state_values(theta) @ self.weights
        return finite_result(J, "the objective values", "theta is so large that exp(log_std) or the mean "
                             "overflows float64")

    def gradient(self, theta):
        r"""Exact :math:`\nabla J(\theta)`, shape (..., d), from the closed form by the chain rule.

        .. math::
            \nabla_{\theta_\mu} J = \sum_s p(s)\,\frac{\partial v(s)}{\partial\mu}\, x_\mu(s),
            \qquad
            \nabla_{\theta_\sigma} J = \sum_s p(s)\,\frac{\partial v(s)}{\partial\ln\sigma}\, x_\sigma(s).

        Examples
        --------
        >>> task = line_task()
        >>> theta = np.array([0.3, -0.2, 0.1])
        >>> fd = np.array([(task.objective(theta + e) - task.objective(theta - e)) / 2e-6
        ...                for e in 1e-6 * np.eye(3)])
        >>> bool(np.allclose(task.gradient(theta), fd, atol=1e-7))
        True
        """
        with np.errstate(over="ignore", invalid="ignore"):
            _, dmean, dlog = self._value_parts(*self.policy(theta))
            g = np.concatenate([(dmean * self.weights) @ self.x_mu,
                                (dlog * self.weights) @ self.x_sigma], axis=-1)
        return finite_result(g, "the gradients", "theta is so large that exp(log_std) or the mean overflows "
                             "float64")

    # -- sampling -----------------------------------------------------------

    def _rewards(self, a, s, rng):
        d = a - self.target[s]
        if self.reward == "quadratic":
            r = -d * d
        else:
            r = np.exp(-d * d / (2.0 * self.width ** 2))
        r = r + self.offset
        if self.noise_std > 0:
            r = r + self.noise_std * rng.standard_normal(r.shape)
        return r

    def _baseline(self, baseline, theta, s):
        if isinstance(baseline, str):
            if baseline == "none":
                return 0.0
            if baseline == "value":
                return np.take_along_axis(self._value_parts(*self._policy(theta))[0], s, axis=-1)
            raise ValueError(f"baseline must be 'none', 'value' or a finite number, got {baseline!r}")
        if isinstance(baseline, bool) or not isinstance(baseline, (int, float, np.floating, np.integer)):
            raise TypeError(f"baseline must be 'none', 'value' or a finite number, got {baseline!r}")
        if not np.isfinite(baseline):
            raise ValueError(f"baseline must be 'none', 'value' or a finite number, got {baseline!r}")
        return float(baseline)

    def gradient_samples(self, theta, n, baseline="none", seed=None):
        r"""``n`` independent one-step REINFORCE estimates of :math:`\nabla J(\theta)`, shape (n, d).

        Each draws :math:`S \sim p`, :math:`A \sim \pi(\cdot\mid S)`, the reward
        :math:`R`, and returns :math:`(R - b(S))\,\nabla\ln\pi(A \mid S, \theta)`
        (the score of :func:`score` times the features). ``baseline`` is
        ``"none"`` (:math:`b = 0`), ``"value"`` (the exact :math:`v_\pi(S)`) or a
        number. Every choice has mean :math:`\nabla J` (:meth:`gradient`).

        Examples
        --------
        >>> task = line_task()
        >>> g = task.gradient_samples([0.3, -0.2, 0.1], 200_000, baseline="value", seed=0)
        >>> se = g.std(axis=0) / np.sqrt(len(g))
        >>> bool(np.all(np.abs(g.mean(axis=0) - task.gradient([0.3, -0.2, 0.1])) < 4 * se))
        True
        """
        theta = self._theta(theta)
        if theta.ndim != 1:
            raise ValueError(f"theta must be one parameter vector of shape ({self.d},), got shape {theta.shape}")
        n = _positive_int(n, "n")
        rng = np.random.default_rng(_seed(seed))
        return self._estimates(theta[None, :], n, baseline, rng)[0]

    def _draw(self, theta, n, rng):
        """States, means, log-stds, actions and rewards of n one-step episodes per row of theta (runs, d)."""
        runs = theta.shape[0]
        s = rng.choice(len(self.weights), size=(runs, n), p=self.weights).astype(np.intp)
        mean, log_std = self._policy(theta)                     # (runs, n_states)
        m = np.take_along_axis(mean, s, axis=-1)
        ls = np.take_along_axis(log_std, s, axis=-1)
        a = m + np.exp(ls) * rng.standard_normal((runs, n))
        return s, m, ls, a, self._rewards(a, s, rng)

    def _estimates(self, theta, n, baseline, rng):
        """REINFORCE estimates for a batch of parameter vectors theta (runs, d): shape (runs, n, d)."""
        s, m, ls, a, r = self._draw(theta, n, rng)
        if isinstance(baseline, str) and baseline == "batch":
            adv = r - (r.sum(axis=1, keepdims=True) - r) / (n - 1)   # leave-one-out mean
        else:
            adv = r - self._baseline(baseline, theta, s)
        g_mean, g_log = _score(a, m, ls)
        return np.concatenate([(adv * g_mean)[..., None] * self.x_mu[s],
                               (adv * g_log)[..., None] * self.x_sigma[s]], axis=-1)

    def train(self, theta0, alpha, n_updates, batch_size=16, n_runs=1, baseline="none",
              seed=None):
        r"""Stochastic gradient ascent with batches of one-step REINFORCE estimates, many runs at once.

        Each update averages ``batch_size`` estimates from
        :meth:`gradient_samples` and takes :math:`\theta \leftarrow \theta + \alpha\,\hat g`.
        ``baseline`` is ``"none"``, ``"value"`` (the exact :math:`v_\pi(S)` at the
        current :math:`\theta`), ``"batch"`` (the mean reward of the other
        ``batch_size - 1`` samples of the same batch, so the baseline does not
        depend on the sample's own action; needs ``batch_size >= 2``) or a number.
        The exact :math:`J` is recorded after every update. A run whose
        parameters overflow is stopped and recorded in ``diverged_at`` and
        ``message``; the other runs go on.

        Returns
        -------
        GaussianTrainResult

        Examples
        --------
        >>> task = line_task()
        >>> res = task.train([0.0, 0.0, 0.0], 0.05, 200, batch_size=8, n_runs=4,
        ...                  baseline="value", seed=1)
        >>> res.J.shape, bool(res.J[:, -1].mean() > res.J[:, 0].mean())
        ((4, 201), True)
        """
        theta = self._theta(theta0)
        if theta.ndim != 1:
            raise ValueError(f"theta0 must be one parameter vector of shape ({self.d},), "
                             f"got shape {theta.shape}")
        alpha = _step(alpha, "alpha")
        n_updates = _positive_int(n_updates, "n_updates", minimum=0)
        batch_size = _positive_int(batch_size, "batch_size")
        n_runs = _positive_int(n_runs, "n_runs")
        allocation(f"train(n_updates={n_updates}, n_runs={n_runs})", n_runs, n_updates + 1, self.d)
        allocation(f"train(batch_size={batch_size}, n_runs={n_runs})", n_runs, batch_size, self.d)
        if baseline == "batch" and batch_size < 2:
            raise ValueError("baseline='batch' needs batch_size >= 2 (a leave-one-out mean), "
                             f"got batch_size={batch_size}")
        if not (isinstance(baseline, str) and baseline == "batch"):
            self._baseline(baseline, theta[None, :], np.zeros((1, 1), dtype=np.intp))  # check it early
        rng = np.random.default_rng(_seed(seed))
        thetas = np.empty((n_runs, n_updates + 1, self.d))
        thetas[:, 0] = theta
        th = np.repeat(theta[None, :], n_runs, axis=0)
        diverged_at = np.full(n_runs, -1, dtype=np.intp)
        for t in range(n_updates):
            with np.errstate(over="ignore", invalid="ignore"):   # divergence is recorded below
                g = self._estimates(th, batch_size, baseline, rng)
                th = th + alpha * g.mean(axis=1)
                new = ~np.all(np.isfinite(th), axis=1) & (diverged_at < 0)
            diverged_at[new] = t + 1
            th[diverged_at >= 0] = np.nan
            thetas[:, t + 1] = th
        with np.errstate(over="ignore", invalid="ignore"):
            J = self._J(thetas)
            sigma = np.exp(self._policy(thetas)[1])
        n_div = int((diverged_at >= 0).sum())
        message = ""
        if n_div:
            message = (f"{n_div} of {n_runs} runs diverged (theta left the finite numbers; their J, theta "
                       f"and sigma are NaN from then on): alpha={alpha} is too large for this task")
        return GaussianTrainResult(J=J, theta=thetas, sigma=sigma, diverged_at=diverged_at, message=message)


def line_task(states=(-1.0, -0.5, 0.0, 0.5, 1.0), slope=2.0, intercept=-0.5,
              reward="quadratic", width=1.0, noise_std=0.0, offset=0.0):
    r"""The chapter's task: the best action is a line in the state, :math:`a^*(s) = \text{intercept} + \text{slope}\cdot s`.

    States are equally likely; the mean has features :math:`x_\mu(s) = (1, s)`
    and :math:`\ln\sigma` one constant feature :math:`x_\sigma(s) = 1`, so
    :math:`\theta = (\theta_{\mu,0}, \theta_{\mu,1}, \theta_\sigma)` and the
    linear mean can fit the target exactly.

    Examples
    --------
    >>> task = line_task()
    >>> task.d, task.target.tolist()
    (3, [-2.5, -1.5, -0.5, 0.5, 1.5])
    """
    s = _real_array(states, "states")
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"states must be a non-empty 1-D list of numbers, got {states!r}")
    slope = float(_real_array(slope, "slope"))
    intercept = float(_real_array(intercept, "intercept"))
    n = s.size
    return GaussianTask(
        x_mu=np.column_stack([np.ones(n), s]),
        x_sigma=np.ones((n, 1)),
        target=intercept + slope * s,
        weights=np.full(n, 1.0 / n),
        reward=reward, width=width, noise_std=noise_std, offset=offset,
    )
