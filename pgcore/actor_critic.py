r"""One-step actor-critic and the exact quantities to test it against (chapter 9, "Actor-critic").

* :func:`actor_critic` -- Sutton & Barto's boxed one-step actor-critic
  (section 13.5) with a softmax actor and a linear (by default tabular)
  state-value critic, many independent runs at once, seeded.
* :func:`advantage` -- the exact advantage :math:`A_\pi = q_\pi - v_\pi` by
  :func:`pgcore.evaluate`.
* :func:`expected_update` -- the exact expected update direction of one
  episode, :math:`\mathbb{E}[\sum_t \gamma^t \hat A_t \nabla \ln\pi(A_t|S_t)]`,
  for a fixed policy and a fixed critic :math:`\hat v`, with the one-step TD
  error (:math:`\lambda = 0`) or GAE(:math:`\lambda`) as :math:`\hat A_t`;
  :func:`critic_bias` is its distance from the exact :math:`\nabla J`.
* :func:`expected_advantage_estimate` -- the exact conditional mean
  :math:`\mathbb{E}[\hat A_t \mid S_t = s, A_t = a]` of GAE(λ) or of an
  n-step estimate, for any critic.
* :func:`td_fixed_point` -- the values a linear TD(0) critic settles at for a
  fixed policy.
* :func:`sample_steps` and :func:`one_step_gradients` -- sampled episodes and
  sampled per-episode update directions, to compare with the exact ones.

Plain numpy: the runs of :func:`actor_critic` advance together, one time step
per iteration.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._common import _RunReport, _cdf_rows, _positive_int, _sample_index, _step
from ._validate import INT64_MAX, allocation
from ._validate import seed as _seed
from .gradient import policy_gradient
from .mdp import MDP, check_policy, evaluate, expected_visits, refuse_endless
from .policy import SoftmaxPolicy
from .reinforce import _bitgens, _mdp_arrays, _sample_batch, _Streams

__all__ = [
    "actor_critic",
    "ActorCriticResult",
    "advantage",
    "expected_update",
    "critic_bias",
    "expected_advantage_estimate",
    "td_fixed_point",
    "Steps",
    "sample_steps",
    "one_step_gradients",
    "step_weights",
    "advantage_variance",
    "advantage_bias_variance",
]


@dataclass(frozen=True)
class ActorCriticResult(_RunReport):
    """What :func:`actor_critic` returns.

    Attributes
    ----------
    returns : numpy.ndarray, shape (n_runs, n_episodes)
        Undiscounted return :math:`\\sum_t R_{t+1}` of every episode (NaN
        after a run diverged).
    lengths : numpy.ndarray, shape (n_runs, n_episodes), int
    truncated : numpy.ndarray, shape (n_runs, n_episodes), bool
        Episodes cut off at ``max_steps``.
    theta : numpy.ndarray, shape (n_runs, d)
        Final actor parameters.
    w : numpy.ndarray, shape (n_runs, m)
        Final critic weights; :math:`\\hat v(s) = \\mathbf w^\\top x_w(s)`.
    diverged : numpy.ndarray, shape (n_runs,), bool
    theta_history : numpy.ndarray, shape (n_runs, n_episodes + 1, d), or None
        :math:`\\theta` at the start of every episode and at the end
        (``record_theta=True``).
    w_history : numpy.ndarray, shape (n_runs, n_episodes + 1, m), or None
        The same for :math:`\\mathbf w`.
    max_steps : int
    backend : str
        Always ``"numpy"``.
    """

    returns: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    theta: np.ndarray
    w: np.ndarray
    diverged: np.ndarray
    theta_history: np.ndarray | None
    w_history: np.ndarray | None
    max_steps: int
    backend: str = "numpy"


def _features_w(xw, S):
    xw = np.eye(S) if xw is None else np.asarray(xw, dtype=float)
    if xw.ndim != 2 or xw.shape[0] != S or xw.shape[1] < 1 or not np.isfinite(xw).all():
        raise ValueError(f"critic_features must be a finite array of shape ({S}, m) with m >= 1, "
                         f"got shape {np.shape(xw)}")
    return np.ascontiguousarray(xw)


def actor_critic(mdp, policy, theta0, step_size, critic_step_size, n_episodes, n_runs=1, seed=None,
                 critic_features=None, w0=None, max_steps=10_000, record_theta=False):
    r"""One-step actor-critic (Sutton & Barto 2018, section 13.5), many independent runs at once.

    The box of the book, step by step: at every step :math:`S \to A, R, S'` of
    every episode,

    .. math::
        \delta &\leftarrow R + \gamma \hat v(S', \mathbf w) - \hat v(S, \mathbf w)
                 \qquad (\hat v(S', \mathbf w) = 0 \text{ if } S' \text{ is terminal}) \\
        \mathbf w &\leftarrow \mathbf w + \alpha^{\mathbf w}\, \delta\, \nabla_{\mathbf w} \hat v(S, \mathbf w) \\
        \theta &\leftarrow \theta + \alpha^{\theta}\, I\, \delta\, \nabla_\theta \ln \pi(A \mid S, \theta) \\
        I &\leftarrow \gamma I

    with :math:`I = 1` at the start of each episode. The actor is a
    :class:`pgcore.SoftmaxPolicy`, :math:`\nabla \ln \pi(a|s,\theta) = x(s,a)
    - \sum_b \pi(b|s,\theta) x(s,b)`; the critic is linear,
    :math:`\hat v(s, \mathbf w) = \mathbf w^\top x_w(s)`, so
    :math:`\nabla_{\mathbf w} \hat v = x_w(s)`. Both updates use the same
    :math:`\delta`, computed before either changes.

    Run r reads its uniforms from its own stream derived from ``seed`` (one
    per random choice: the start state unless it is certain, the action, the
    next state unless it is certain), so run r is the same whatever
    ``n_runs`` is. An episode still running after ``max_steps`` steps is cut
    off (its updates so far stay), flagged in ``truncated`` and reported in a
    :class:`RuntimeWarning`; the run goes on with a new episode.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape (d,) or (n_runs, d)
    step_size : float
        :math:`\alpha^\theta \ge 0`.
    critic_step_size : float
        :math:`\alpha^{\mathbf w} \ge 0`.
    n_episodes : int
        Episodes per run.
    n_runs : int, default 1
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
    critic_features : array_like, shape (S, m), optional
        :math:`x_w(s)`; default ``np.eye(S)``, one weight per state (tabular).
        ``np.ones((S, 1))`` is a critic that cannot tell the states apart.
    w0 : array_like, shape (m,) or (n_runs, m), optional
        Initial critic weights (default 0).
    max_steps : int, default 10000
    record_theta : bool, default False
        Also return :math:`\theta` and :math:`\mathbf w` at the start of every episode.

    Returns
    -------
    ActorCriticResult

    Examples
    --------
    The short corridor from p(right) = 0.05, a tabular critic:

    >>> import numpy as np
    >>> from pgcore import envs
    >>> mdp, pol = envs.short_corridor(), envs.corridor_policy()
    >>> res = actor_critic(mdp, pol, envs.corridor_theta(0.05), 2**-6, 2**-3, 300, n_runs=20, seed=0)
    >>> res.returns.shape, res.w.shape
    ((20, 300), (20, 4))
    >>> bool(res.returns[:, -100:].mean() > -15)
    True
    """
    P_cdf, next_det, R, start_cdf, start_det, terminal, x = _mdp_arrays(mdp, policy)
    S, A, d = x.shape
    n = _positive_int(n_runs, "n_runs")
    E = _positive_int(n_episodes, "n_episodes")
    allocation(f"actor_critic(n_runs={n}, n_episodes={E})", n, E)
    if record_theta:
        allocation(f"actor_critic(n_runs={n}, n_episodes={E}, record_theta=True) with d = {d}", n, E + 1, d)
    max_steps = _positive_int(max_steps, "max_steps", maximum=INT64_MAX)
    alpha = _step(step_size, "step_size", allow_zero=True)
    alpha_w = _step(critic_step_size, "critic_step_size", allow_zero=True)
    theta = np.asarray(theta0, dtype=float)
    if theta.shape not in ((d,), (n, d)):
        raise ValueError(f"theta0 must have shape ({d},) or ({n}, {d}), got {theta.shape}")
    if not np.isfinite(theta).all():
        raise ValueError("theta0 must be finite")
    theta = np.broadcast_to(theta, (n, d)).astype(float).copy()
    xw = _features_w(critic_features, S)
    m = xw.shape[1]
    w = np.zeros((n, m)) if w0 is None else np.asarray(w0, dtype=float)
    if w.shape not in ((m,), (n, m)) or not np.isfinite(w).all():
        raise ValueError(f"w0 must be a finite array of shape ({m},) or ({n}, {m}), got {w.shape}")
    w = np.broadcast_to(w, (n, m)).astype(float).copy()
    gamma = mdp.gamma
    nonterm = terminal == 0
    all_det = bool((next_det >= 0).all())
    streams = _Streams(_bitgens(seed, n))

    returns = np.full((n, E), np.nan)
    lengths = np.zeros((n, E), dtype=np.int64)
    truncated = np.zeros((n, E), dtype=bool)
    diverged = np.zeros(n, dtype=bool)
    th_hist = np.empty((n, E + 1, d)) if record_theta else None
    w_hist = np.empty((n, E + 1, m)) if record_theta else None

    rows = np.arange(n, dtype=np.intp)
    tabular_critic = xw.shape == (S, S) and np.array_equal(xw, np.eye(S))

    def start_states(idx):
        if start_det >= 0:
            return np.full(idx.size, start_det, dtype=np.intp)
        return _sample_index(np.broadcast_to(start_cdf, (idx.size, S)), streams.draw(idx)).astype(np.intp)

    s = start_states(rows)
    ep = np.zeros(n, dtype=np.intp)
    I = np.ones(n)
    G = np.zeros(n)
    t_ep = np.zeros(n, dtype=np.int64)
    if record_theta:
        th_hist[:, 0], w_hist[:, 0] = theta, w
    active = np.ones(n, dtype=bool)
    idx = rows
    with np.errstate(over="ignore", invalid="ignore"):
        while idx.size:
            k = idx.size
            full = k == n  # every run is still going: plain slices instead of fancy indexing
            sel = slice(None) if full else idx
            st = s[sel]
            xs = x[st]                                   # (k, A, d)
            th = theta[sel]
            h = np.matmul(xs, th[:, :, None])[:, :, 0]
            e = np.exp(h - h.max(axis=1, keepdims=True))
            c = np.cumsum(e, axis=1)
            u = streams.draw(idx) * c[:, -1]
            # the action: the number of cumulative weights <= u (as _sample_index), capped
            a = np.minimum((u[:, None] >= c).sum(axis=1), A - 1)
            r = R[st, a]
            s2 = next_det[st, a].astype(np.intp)
            if not all_det:
                rand = s2 < 0
                if rand.any():
                    s2[rand] = _sample_index(P_cdf[st[rand], a[rand]], streams.draw(idx[rand]))
            live2 = nonterm[s2]
            ww = w[sel]
            if tabular_critic:
                v_s = ww[rows[:k], st]
                v_s2 = np.where(live2, ww[rows[:k], s2], 0.0)
            else:
                v_s = (xw[st] * ww).sum(axis=1)
                v_s2 = np.where(live2, (xw[s2] * ww).sum(axis=1), 0.0)
            delta = r + gamma * v_s2 - v_s
            if tabular_critic:
                ww[rows[:k], st] += alpha_w * delta
            else:
                ww += (alpha_w * delta)[:, None] * xw[st]
            p = e / c[:, -1:]
            score = xs[rows[:k], a] - np.matmul(p[:, None, :], xs)[:, 0]
            th += (alpha * I[sel] * delta)[:, None] * score
            if not full:
                w[idx] = ww
                theta[idx] = th
            I[sel] *= gamma
            G[sel] += r
            t_ep[sel] += 1
            s[sel] = s2
            ended = ~live2 | (t_ep[sel] >= max_steps)
            if ended.any():
                done = idx[ended]
                bad = ~(np.isfinite(theta[done]).all(axis=1) & np.isfinite(w[done]).all(axis=1))
                e_idx = ep[done]
                returns[done, e_idx] = np.where(bad, np.nan, G[done])
                lengths[done, e_idx] = t_ep[done]
                truncated[done, e_idx] = nonterm[s[done]] & ~bad
                diverged[done[bad]] = True
                ep[done] += 1
                if record_theta:
                    th_hist[done, ep[done]] = theta[done]
                    w_hist[done, ep[done]] = w[done]
                finished = (ep[done] >= E) | diverged[done]
                active[done[finished]] = False
                again = done[~finished]
                I[done], G[done], t_ep[done] = 1.0, 0.0, 0
                if again.size:
                    s[again] = start_states(again)
                if finished.any():
                    idx = rows[active]
    if record_theta and diverged.any():
        for r_ in np.flatnonzero(diverged):
            th_hist[r_, ep[r_] + 1:] = np.nan
            w_hist[r_, ep[r_] + 1:] = np.nan
    res = ActorCriticResult(returns, lengths, truncated, theta, w, diverged, th_hist, w_hist, max_steps)
    if res.message:
        warnings.warn(f"actor_critic: {res.message}", RuntimeWarning, stacklevel=2)
    return res


# -----------------------------------------------------------------------------
# exact quantities
# -----------------------------------------------------------------------------
def advantage(mdp, pi):
    r"""The exact advantage :math:`A_\pi(s, a) = q_\pi(s, a) - v_\pi(s)`, by :func:`pgcore.evaluate`.

    0 at terminal states. In every state :math:`\sum_a \pi(a|s) A_\pi(s,a) = 0`.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S, A)

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> np.round(advantage(short_corridor(), np.full((4, 2), 0.5)), 3)
    array([[-1.,  1.],
           [ 3., -3.],
           [-5.,  5.],
           [ 0.,  0.]])
    """
    V, Q = evaluate(mdp, pi)
    Adv = Q - V[:, None]
    Adv[~mdp.nonterminal] = 0.0
    return Adv


def _critic(mdp, values):
    v = np.asarray(values, dtype=float)
    if v.shape != (mdp.n_states,):
        raise ValueError(f"values must have shape ({mdp.n_states},) (one critic value per state), got {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"values must be finite, got {v}")
    v = v.copy()
    v[~mdp.nonterminal] = 0.0  # the box: v(S') = 0 at a terminal state
    return v


def _lam(lam):
    try:
        x = float(lam)
    except (TypeError, ValueError):
        raise TypeError(f"lam must be a number in [0, 1], got {lam!r}") from None
    if not (0.0 <= x <= 1.0):
        raise ValueError(f"lam must lie in [0, 1], got {lam!r}")
    return x


def expected_advantage_estimate(mdp, pi, values, lam=None, n=None):
    r"""Exact :math:`\mathbb{E}[\hat A_t \mid S_t = s, A_t = a]` of GAE(λ) or of an n-step estimate.

    The critic :math:`\hat v` is fixed (``values``, set to 0 at terminal
    states) and the episode follows ``pi`` to its end. With
    :math:`\bar\delta(s) = r_\pi(s) + \gamma (P_\pi \hat v)(s) - \hat v(s)`, the
    expected TD error in state s, and :math:`\hat q(s,a) = R(s,a) + \gamma
    \sum_{s'} P(s'|s,a) \hat v(s')`:

    .. math::
        \text{GAE}(\lambda):\quad & \hat q(s,a) - \hat v(s)
            + \gamma\lambda\, P_{sa}^\top (I - \gamma\lambda P_\pi)^{-1} \bar\delta, \\
        n\text{-step}:\quad & R(s,a) + \gamma P_{sa}^\top y_{n-1} - \hat v(s),
            \qquad y_0 = \hat v,\; y_k = r_\pi + \gamma P_\pi y_{k-1}.

    With :math:`\hat v = v_\pi` both are :math:`A_\pi(s,a)` for every λ and n;
    with λ = 1 (or n = ∞) they are :math:`q_\pi(s,a) - \hat v(s)` whatever the critic.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
    values : array_like, shape (S,)
        The critic :math:`\hat v(s)`.
    lam : float in [0, 1], optional
        Give exactly one of ``lam`` and ``n``.
    n : int >= 1, optional

    Returns
    -------
    numpy.ndarray, shape (S, A)
        0 at terminal states.

    Examples
    --------
    A critic that is 0 everywhere, on the corridor at p = 1/2: the one-step
    estimate's mean is just the reward, -1, and λ = 1 gives :math:`q_\pi`.

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> mdp, pi = short_corridor(), np.full((4, 2), 0.5)
    >>> expected_advantage_estimate(mdp, pi, np.zeros(4), lam=0.0)[:3]
    array([[-1., -1.],
           [-1., -1.],
           [-1., -1.]])
    >>> np.round(expected_advantage_estimate(mdp, pi, np.zeros(4), lam=1.0)[:3], 3)
    array([[-13., -11.],
           [ -7., -13.],
           [-11.,  -1.]])
    """
    pi = check_policy(mdp, pi)
    v = _critic(mdp, values)
    if (lam is None) == (n is None):
        raise ValueError("give exactly one of lam (GAE) and n (n-step returns)")
    P_pi, r_pi = mdp.chain(pi)
    g = mdp.gamma
    if lam is not None:
        lam = _lam(lam)
        if g * lam == 1.0:
            evaluate(mdp, pi)  # raises, with the states, if the policy can loop forever
        dbar = r_pi + g * P_pi @ v - v
        dbar[~mdp.nonterminal] = 0.0
        y = np.linalg.solve(np.eye(mdp.n_states) - g * lam * P_pi, dbar)
        y[~mdp.nonterminal] = 0.0
        out = mdp.R + g * np.einsum("sat,t->sa", mdp.P, v) - v[:, None] + g * lam * np.einsum("sat,t->sa", mdp.P, y)
    else:
        n = _positive_int(n, "n")
        y = v.copy()
        for _ in range(n - 1):
            y = r_pi + g * P_pi @ y
            y[~mdp.nonterminal] = 0.0
        out = mdp.R + g * np.einsum("sat,t->sa", mdp.P, y) - v[:, None]
    out[~mdp.nonterminal] = 0.0
    return out


def expected_update(mdp, policy, theta, values, lam=0.0):
    r"""Exact expected update direction of one episode, for a fixed policy and a fixed critic.

    .. math::
        \bar g(\hat v) = \mathbb{E}\Big[\sum_t \gamma^t \hat A_t\, \nabla\ln\pi(A_t|S_t, \theta)\Big]
        = \sum_s \eta(s) \sum_a \pi(a|s)\, \nabla\ln\pi(a|s)\; m(s, a),

    with :math:`\eta` the discounted expected visits and :math:`m(s,a)` the
    exact conditional mean of the estimate (:func:`expected_advantage_estimate`).
    With the default ``lam=0`` the estimate is the TD error
    :math:`\delta_t`, the one-step actor-critic's, and the result is

    .. math:: \bar g(\hat v) = \sum_s \eta(s) \sum_a \nabla\pi(a|s)\, \hat q(s,a),
        \qquad \hat q(s,a) = R(s,a) + \gamma \sum_{s'} P(s'|s,a)\, \hat v(s').

    This is :math:`\nabla J` (:func:`pgcore.policy_gradient`) when
    :math:`\hat v = v_\pi`, and for ``lam=1`` whatever the critic.
    Multiplied by :math:`\alpha^\theta`, it is the expected change of
    :math:`\theta` over one episode of :func:`actor_critic` in the limit of a
    small step size (both the actor and the critic held fixed within the episode).

    Returns
    -------
    numpy.ndarray, shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol, th = pg.envs.short_corridor(), pg.envs.corridor_policy(), np.zeros(2)
    >>> v, _ = pg.evaluate(mdp, pol.probs(th))
    >>> np.round(expected_update(mdp, pol, th, v), 6), pg.policy_gradient(mdp, pol, th)
    (array([-2.,  2.]), array([-2.,  2.]))
    """
    pi = policy.probs(theta)
    m_sa = expected_advantage_estimate(mdp, pi, values, lam=lam)
    eta = expected_visits(mdp, pi)
    return np.einsum("s,sa,sad->d", eta, pi * m_sa, policy.grad_log_probs(theta))


def critic_bias(mdp, policy, theta, values, lam=0.0):
    r"""The bias :math:`\bar g(\hat v) - \nabla J(\theta)` of the actor's expected update from the critic's error.

    For the one-step estimate (``lam=0``) it is, exactly,

    .. math::
        \gamma \sum_s \eta(s) \sum_a \nabla\pi(a|s) \sum_{s'} P(s'|s,a)\,\big(\hat v(s') - v_\pi(s')\big):

    only the critic's error at the *next* states matters (its error at
    :math:`S_t` itself acts as a baseline), and it matters only where
    different actions lead to different next states.

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol, th = pg.envs.short_corridor(), pg.envs.corridor_policy(), np.zeros(2)
    >>> np.round(critic_bias(mdp, pol, th, np.zeros(4)), 3)   # a critic that knows nothing
    array([ 2., -2.])
    """
    return expected_update(mdp, policy, theta, values, lam=lam) - policy_gradient(mdp, policy, theta)


def td_fixed_point(mdp, pi, features=None):
    r"""Where a linear TD(0) critic settles for a fixed policy: :math:`\hat v = X \mathbf w_{TD}`.

    Solves :math:`X^\top D (r_\pi + \gamma P_\pi X \mathbf w - X \mathbf w) = 0`
    with :math:`D = \operatorname{diag}(\nu)`, :math:`\nu(s)` the expected
    number of visits to :math:`s` per episode *without* discounting, for
    :math:`\mathbf w` (Sutton & Barto 2018, eq. 9.12, with visits in place of
    the on-policy distribution: a constant factor). TD(0) updates at every step
    it meets, whatever :math:`\gamma`, so its expected update weights a state by
    how often it is visited, not by the discounted visits :math:`\eta` of the
    policy gradient theorem (the two agree when :math:`\gamma = 1`). At this
    :math:`\mathbf w` the TD errors average to zero over the steps of sampled
    episodes (weighted by the features). With tabular features it is
    :math:`v_\pi` on every visited state.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
    features : array_like, shape (S, m), optional
        :math:`x_w(s)`, default ``np.eye(S)``. Terminal states count as 0.

    Returns
    -------
    w : numpy.ndarray, shape (m,)
    values : numpy.ndarray, shape (S,)
        :math:`X\mathbf w`, 0 at terminal states.

    Examples
    --------
    A critic that cannot tell the corridor's states apart, at p = 1/2:

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> w, v = td_fixed_point(short_corridor(), np.full((4, 2), 0.5), np.ones((4, 1)))
    >>> np.round(w, 3)
    array([-12.])
    """
    pi = check_policy(mdp, pi)
    X = _features_w(features, mdp.n_states) * mdp.nonterminal[:, None]
    P_pi, r_pi = mdp.chain(pi)
    nu = expected_visits(MDP(mdp.P, mdp.R, mdp.start, gamma=1.0, terminal=mdp.terminal), pi)
    M = X.T @ (nu[:, None] * (X - mdp.gamma * P_pi @ X))
    b = X.T @ (nu * r_pi)
    w, *_ = np.linalg.lstsq(M, b, rcond=None)
    return w, X @ w


# -----------------------------------------------------------------------------
# sampled quantities
# -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Steps:
    """Whole episodes from :func:`sample_steps`, one per row, padded after each row's end.

    Attributes
    ----------
    states, actions : numpy.ndarray, shape (n_episodes, L), intp
        :math:`S_t, A_t` (0 after the episode's end).
    rewards : numpy.ndarray, shape (n_episodes, L)
        :math:`R_{t+1}` (0 after the end).
    lengths : numpy.ndarray, shape (n_episodes,)
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    lengths: np.ndarray

    @property
    def mask(self):
        """True at the steps that happened, shape (n_episodes, L)."""
        return np.arange(self.rewards.shape[1]) < self.lengths[:, None]

    def values(self, v):
        """The critic's values along every episode, shape (n_episodes, L + 1), 0 from each end on.

        Ready for :func:`pgcore.advantages.gae` and
        :func:`pgcore.advantages.n_step_returns`.
        """
        v = np.asarray(v, dtype=float)
        out = np.zeros((self.rewards.shape[0], self.rewards.shape[1] + 1))
        out[:, :-1] = np.where(self.mask, v[self.states], 0.0)
        return out


def sample_steps(mdp, pi, n_episodes, seed=None, max_steps=100_000):
    """Sample whole episodes under the policy table ``pi``; all states, actions and rewards.

    Raises
    ------
    RuntimeError
        If an episode has not ended after ``max_steps`` steps.

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> st = sample_steps(short_corridor(), np.full((4, 2), 0.5), 3, seed=0)
    >>> st.rewards.shape[0], bool((st.rewards.sum(axis=1) == -st.lengths).all())
    (3, True)
    """
    if not isinstance(mdp, MDP):
        raise TypeError(f"mdp must be a pgcore.MDP, got {type(mdp).__name__}")
    pi = check_policy(mdp, pi)
    n = _positive_int(n_episodes, "n_episodes")
    max_steps = _positive_int(max_steps, "max_steps", maximum=INT64_MAX)
    S, A = pi.shape
    pol = SoftmaxPolicy(np.eye(A)[None].repeat(S, axis=0))  # any policy of the right shape
    P_cdf, next_det, R, start_cdf, start_det, terminal, _ = _mdp_arrays(mdp, pol)
    cdf = _cdf_rows(pi)
    refuse_endless(mdp, pi, "an episode")
    rng = np.random.default_rng(_seed(seed))
    Sb, Ab, Rb, T, s_end = _sample_batch(P_cdf, next_det, R, start_cdf, start_det, terminal,
                                         lambda ai, st: cdf[st], lambda ai: rng.random(ai.size), n, max_steps)
    if (terminal[s_end] == 0).any():
        raise RuntimeError(f"{int((terminal[s_end] == 0).sum())} episode(s) still running after "
                           f"max_steps={max_steps} steps")
    return Steps(Sb.astype(np.intp), Ab.astype(np.intp), Rb, T)


def one_step_gradients(mdp, policy, theta, values, n_episodes, seed=None, max_steps=100_000):
    r"""Per-episode sampled :math:`\sum_t \gamma^t \delta_t \nabla\ln\pi(A_t|S_t,\theta)`, fixed actor and critic.

    :math:`\delta_t = R_{t+1} + \gamma\hat v(S_{t+1}) - \hat v(S_t)`. Its
    mean converges to :func:`expected_update` (and to :math:`\nabla J` when
    ``values`` is :math:`v_\pi`).

    Returns
    -------
    numpy.ndarray, shape (n_episodes, d)

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol, th = pg.envs.short_corridor(), pg.envs.corridor_policy(), np.zeros(2)
    >>> g = one_step_gradients(mdp, pol, th, np.zeros(4), 4000, seed=0)
    >>> exact = expected_update(mdp, pol, th, np.zeros(4))
    >>> se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
    >>> bool((np.abs(g.mean(axis=0) - exact) < 4 * se).all())
    True
    """
    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {type(policy).__name__}")
    v = _critic(mdp, values)
    pi = policy.probs(theta)
    steps = sample_steps(mdp, pi, n_episodes, seed=seed, max_steps=max_steps)
    vals = steps.values(v)
    delta = steps.rewards + mdp.gamma * vals[:, 1:] - vals[:, :-1]
    L = delta.shape[1]
    disc = mdp.gamma ** np.arange(L)
    coef = np.where(steps.mask, disc * delta, 0.0)
    score = policy.grad_log_probs(theta)[steps.states, steps.actions]   # (N, L, d)
    return np.einsum("nl,nld->nd", coef, score)


def step_weights(mdp, pi):
    r"""How often each pair (s, a) is met among the steps of an episode: :math:`\mu_1(s)\,\pi(a|s)`.

    :math:`\mu_1` is the undiscounted on-policy distribution (every time step
    counts once, whatever :math:`\gamma`), so that these weights are the
    long-run fractions of the steps of sampled episodes. Sums to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> np.round(step_weights(short_corridor(), np.full((4, 2), 0.5)), 3)
    array([[0.25 , 0.25 ],
           [0.167, 0.167],
           [0.083, 0.083],
           [0.   , 0.   ]])
    """
    pi = check_policy(mdp, pi)
    one = MDP(mdp.P, mdp.R, mdp.start, gamma=1.0, terminal=mdp.terminal)
    eta1 = expected_visits(one, pi)
    return eta1[:, None] * pi / eta1.sum()


def advantage_variance(mdp, pi, values, lam=None, n=None):
    r"""Exact :math:`\operatorname{Var}[\hat A_t \mid S_t = s, A_t = a]` of GAE(λ) or of an n-step estimate.

    Both estimates are discounted sums of TD errors,
    :math:`\delta_k = R(S_k, A_k) + \gamma \hat v(S_{k+1}) - \hat v(S_k)`
    (with the rewards :math:`R(s,a)` that pgcore's samplers give):
    GAE(λ) is :math:`\sum_{k \ge 0} c^k \delta_{t+k}` with :math:`c = \gamma\lambda`,
    and :math:`G_{t:t+n} - \hat v(S_t) = \sum_{k < n} \gamma^k \delta_{t+k}`.
    The first two moments from each state, :math:`m_1(s)` and :math:`m_2(s)`,
    satisfy linear equations (a recursion over the horizon for n steps):

    .. math::
        m_1(s) = \sum_a \pi(a|s) \sum_{s'} P(s'|s,a)\,\big(\delta + c\, m_1(s')\big), \quad
        m_2(s) = \sum_a \pi(a|s) \sum_{s'} P(s'|s,a)\,\big(\delta^2 + 2c\,\delta\, m_1(s') + c^2 m_2(s')\big),

    and conditioning on the first action gives the variance. Randomness comes
    from the next states and later actions only.

    Returns
    -------
    numpy.ndarray, shape (S, A)
        0 at terminal states.

    Examples
    --------
    In the corridor every transition is certain, so the one-step estimate
    has no variance at all given (s, a); the Monte Carlo one has plenty:

    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp = pg.envs.short_corridor()
    >>> pi = np.full((4, 2), 0.5)
    >>> v, _ = pg.evaluate(mdp, pi)
    >>> advantage_variance(mdp, pi, v, lam=0.0)[:3]
    array([[0., 0.],
           [0., 0.],
           [0., 0.]])
    >>> advantage_variance(mdp, pi, v, lam=1.0)[0]
    array([92., 90.])
    """
    pi = check_policy(mdp, pi)
    v = _critic(mdp, values)
    if (lam is None) == (n is None):
        raise ValueError("give exactly one of lam (GAE) and n (n-step returns)")
    g = mdp.gamma
    live = mdp.nonterminal
    S = mdp.n_states
    P = mdp.P
    delta = mdp.R[:, :, None] + g * v[None, None, :] - v[:, None, None]   # (s, a, s')
    P_pi, _ = mdp.chain(pi)

    def step(m1, m2, c):
        """Moments given (s, a): one step, then moments m1, m2 (per next state) discounted by c."""
        e1 = np.einsum("sat,sat->sa", P, delta + c * m1[None, None, :])
        e2 = np.einsum("sat,sat->sa", P, delta**2 + 2 * c * delta * m1[None, None, :] + c**2 * m2[None, None, :])
        return e1, e2

    if lam is not None:
        c = g * _lam(lam)
        if c == 1.0:
            evaluate(mdp, pi)  # raises if the policy can loop forever
        d1 = np.einsum("sa,sat,sat->s", pi, P, delta) * live
        m1 = np.linalg.solve(np.eye(S) - c * P_pi, d1) * live
        d2 = np.einsum("sa,sat,sat->s", pi, P, delta**2 + 2 * c * delta * m1[None, None, :]) * live
        m2 = np.linalg.solve(np.eye(S) - c**2 * P_pi, d2) * live
        e1, e2 = step(m1, m2, c)
    else:
        n = _positive_int(n, "n")
        m1 = np.zeros(S)
        m2 = np.zeros(S)
        for _ in range(n - 1):
            e1, e2 = step(m1, m2, g)
            m1, m2 = (pi * e1).sum(axis=1) * live, (pi * e2).sum(axis=1) * live
        e1, e2 = step(m1, m2, g)
    var = np.maximum(e2 - e1**2, 0.0)
    var[~live] = 0.0
    return var


def advantage_bias_variance(mdp, pi, values, lam=None, n=None, steps=None):
    r"""Bias² and variance (both exact) of GAE(λ) or n-step advantage estimates, per step.

    With :math:`m(s,a) = \mathbb{E}[\hat A_t \mid S_t = s, A_t = a]`
    (:func:`expected_advantage_estimate`) and the exact advantage
    :math:`A_\pi` (:func:`advantage`), the error of the mean is
    :math:`b(s,a) = m(s,a) - A_\pi(s,a)`. The part of it that is the same for
    every action of a state, :math:`\bar b(s) = \sum_a \pi(a|s) b(s,a)`, acts
    like a baseline and does not change the expected gradient; the rest does.
    Averages are over the steps of an episode, :math:`\mu_1(s)\pi(a|s)`
    (:func:`step_weights`):

    * ``bias2`` :math:`= \sum_{s,a} \mu_1(s)\pi(a|s)\,(b(s,a) - \bar b(s))^2`;
    * ``bias2_total``: the same with :math:`b` itself (the state part included);
    * ``variance`` :math:`= \sum_{s,a} \mu_1(s)\pi(a|s)\,\operatorname{Var}[\hat A_t \mid s, a]`
      (:func:`advantage_variance`);
    * with ``steps`` (episodes sampled under ``pi``, :func:`sample_steps`), also
      ``variance_sampled``: the mean over the sampled steps of
      :math:`(\hat A_t - m(S_t, A_t))^2`, computed with :mod:`pgcore.advantages`,
      an unbiased estimate of ``variance``.

    Returns
    -------
    dict
        ``bias2``, ``bias2_total``, ``variance`` (and ``variance_sampled``),
        floats, and ``mean``, the table :math:`m` (S, A).

    Examples
    --------
    With the true values as critic the estimates are unbiased for every λ:

    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp = pg.envs.short_corridor()
    >>> pi = pg.envs.corridor_policy().probs(pg.envs.corridor_theta(0.5))
    >>> v, _ = pg.evaluate(mdp, pi)
    >>> r = advantage_bias_variance(mdp, pi, v, lam=0.5, steps=sample_steps(mdp, pi, 4000, seed=0))
    >>> round(r["bias2"], 12), round(r["variance"], 2), round(r["variance_sampled"], 2)
    (0.0, 2.47, 2.47)
    """
    from .advantages import gae, n_step_returns

    if steps is not None and not isinstance(steps, Steps):
        raise TypeError(f"steps must be a pgcore.actor_critic.Steps (from sample_steps), got {type(steps).__name__}")
    pi = check_policy(mdp, pi)
    v = _critic(mdp, values)
    m_sa = expected_advantage_estimate(mdp, pi, v, lam=lam, n=n)
    b = m_sa - advantage(mdp, pi)
    bc = b - (pi * b).sum(axis=1, keepdims=True)
    wts = step_weights(mdp, pi)
    out = {"bias2": float((wts * bc**2).sum()), "bias2_total": float((wts * b**2).sum()),
           "variance": float((wts * advantage_variance(mdp, pi, v, lam=lam, n=n)).sum()), "mean": m_sa}
    if steps is not None:
        vals = steps.values(v)
        if lam is not None:
            est = gae(steps.rewards, vals, mdp.gamma, lam)
        else:
            est = n_step_returns(steps.rewards, vals, mdp.gamma, n) - vals[:, :-1]
        mask = steps.mask
        resid = est[mask] - m_sa[steps.states[mask], steps.actions[mask]]
        out["variance_sampled"] = float(np.mean(resid**2))
    return out
