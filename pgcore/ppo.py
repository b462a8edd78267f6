r"""Proximal policy optimisation (chapter 10, "PPO").

* :func:`clipped_surrogate` and :func:`kl_divergence`: PPO's per-sample
  objective and the divergence between two action distributions.
* :func:`surrogate` and :func:`surrogate_gradient`: the exact surrogate
  :math:`L_{\theta_\text{old}}(\theta) = \sum_s \eta_\text{old}(s) \sum_a
  \pi_\theta(a|s)\, A_\text{old}(s,a)` of a softmax policy on a finite MDP and its
  gradient, which at :math:`\theta = \theta_\text{old}` is :math:`\nabla J`;
  :func:`surrogate_gradients` samples it, one value per episode.
* :func:`collect`, :func:`ppo_update` and :func:`ppo_train`: the algorithm
  (Schulman et al. 2017, Algorithm 1) with a softmax actor and a linear critic,
  many independent runs at once: sample a batch of episodes, estimate the
  advantages with GAE(λ), then several epochs of minibatch gradient steps on
  the clipped surrogate (or the plain importance-sampled surrogate, or the
  adaptive-KL penalty of §4), a value loss and an entropy bonus.
* :func:`adapt_kl_coef`: the rule of §4 that doubles or halves the KL
  penalty's coefficient; :func:`performances`: the exact :math:`J(\theta)` of
  many parameter vectors at once, for learning curves.

Pure numpy. Inputs are checked once, at the public entry.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from ._common import _cdf_rows
from ._validate import array, choice, integer, real
from .mdp import MDP, check_policy, evaluate, expected_visits
from .policy import SoftmaxPolicy
from .reinforce import _check_pair, _mdp_arrays, _sample_batch, _Streams

__all__ = [
    "clipped_surrogate",
    "kl_divergence",
    "entropy",
    "surrogate",
    "surrogate_gradient",
    "surrogate_gradients",
    "performances",
    "adapt_kl_coef",
    "Batch",
    "collect",
    "ppo_update",
    "ppo_train",
    "ratios",
    "Update",
    "PPOResult",
]

METHODS = ("clip", "none", "kl")


# -----------------------------------------------------------------------------
# per-sample objective and divergences
# -----------------------------------------------------------------------------
def clipped_surrogate(ratio, advantage, clip):
    r"""PPO's clipped surrogate, one term per sample (Schulman et al. 2017, eq. 7).

    .. math::
        L(\rho, A) = \min\bigl(\rho A,\ \operatorname{clip}(\rho, 1-\epsilon, 1+\epsilon)\, A\bigr),
        \qquad \rho = \frac{\pi_\theta(a|s)}{\pi_{\theta_\text{old}}(a|s)}

    In words: the ratio times the advantage, except that once the ratio has
    moved past :math:`1 \pm \epsilon` in the direction the advantage favours,
    the term stops growing, so the gradient gives no reason to move it further.
    Nothing stops the ratio from moving further for other reasons (chapter 10).

    Parameters
    ----------
    ratio : array_like
        Probability ratios :math:`\rho \ge 0`.
    advantage : array_like
        Advantage estimates :math:`\hat A`, broadcast against ``ratio``.
    clip : float
        :math:`\epsilon \ge 0`.

    Returns
    -------
    numpy.ndarray
        The elementwise surrogate, the broadcast shape of ``ratio`` and ``advantage``.

    Examples
    --------
    >>> import numpy as np
    >>> clipped_surrogate(np.array([0.5, 1.0, 1.5]), 1.0, 0.2)
    array([0.5, 1. , 1.2])
    >>> clipped_surrogate(np.array([0.5, 1.0, 1.5]), -1.0, 0.2)
    array([-0.8, -1. , -1.5])
    """
    r = array(ratio, "ratio", minimum=0.0)
    A = array(advantage, "advantage")
    clip = real(clip, "clip", minimum=0.0)
    try:
        r, A = np.broadcast_arrays(r, A)
    except ValueError:
        raise ValueError(f"ratio of shape {np.shape(ratio)} and advantage of shape "
                         f"{np.shape(advantage)} do not broadcast") from None
    return np.minimum(r * A, np.clip(r, 1 - clip, 1 + clip) * A)


def _probability_vectors(x, name):
    a = array(x, name)
    if a.ndim == 0 or a.shape[-1] == 0:
        raise ValueError(f"{name} must have at least one entry along its last axis")
    if (a < 0).any() or not np.allclose(a.sum(axis=-1), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"{name} must be probability vectors: non-negative, summing to 1 along the last axis")
    return a


def kl_divergence(p, q):
    r"""KL(p‖q) of categorical distributions along the last axis.

    .. math:: D_{\mathrm{KL}}(p \,\|\, q) = \sum_a p(a) \ln \frac{p(a)}{q(a)}

    with :math:`0 \ln(0/q) = 0`. It is zero exactly when the two
    distributions are equal and positive otherwise; it is infinite where
    ``q`` is 0 and ``p`` is not. Defined in chapter 6.

    Parameters
    ----------
    p, q : array_like, shape (..., K)
        Probability vectors along the last axis (non-negative, summing to 1
        within 1e-9), broadcast against each other.

    Returns
    -------
    numpy.ndarray or float
        Shape ``(...)``: one divergence per distribution (a float for vectors).

    Examples
    --------
    >>> round(float(kl_divergence([0.5, 0.5], [0.9, 0.1])), 6)
    0.510826
    >>> float(kl_divergence([0.2, 0.8], [0.2, 0.8]))
    0.0
    """
    P = _probability_vectors(p, "p")
    Q = _probability_vectors(q, "q")
    try:
        P, Q = np.broadcast_arrays(P, Q)
    except ValueError:
        raise ValueError(f"p of shape {np.shape(p)} and q of shape {np.shape(q)} do not broadcast") from None
    out = _kl(P, Q)
    return float(out) if out.ndim == 0 else out


def _kl(P, Q):
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(P > 0, P * (np.log(np.where(P > 0, P, 1.0)) - np.log(Q)), 0.0)
    return terms.sum(axis=-1)


def entropy(p):
    r"""Entropy :math:`\mathcal H(p) = -\sum_a p(a) \ln p(a)` along the last axis (chapter 6).

    Examples
    --------
    >>> round(float(entropy([0.5, 0.5])), 6), float(entropy([1.0, 0.0]))
    (0.693147, 0.0)
    """
    P = _probability_vectors(p, "p")
    out = _entropy(P)
    return float(out) if out.ndim == 0 else out


def _entropy(P):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(P > 0, P * np.log(np.where(P > 0, P, 1.0)), 0.0).sum(axis=-1)


# -----------------------------------------------------------------------------
# the exact surrogate
# -----------------------------------------------------------------------------
def _old_terms(mdp, policy, theta_old):
    pi_old = policy.probs(theta_old)
    V, Q = evaluate(mdp, pi_old)
    A_old = Q - V[:, None]
    A_old[~mdp.nonterminal] = 0.0
    return expected_visits(mdp, pi_old), A_old


def surrogate(mdp, policy, theta, theta_old):
    r"""The exact surrogate :math:`L_{\theta_\text{old}}(\theta)` (Schulman et al. 2015, eq. 3).

    .. math::
        L_{\theta_\text{old}}(\theta)
        = \mathbb{E}_{\theta_\text{old}}\Big[\sum_t \gamma^t \rho_t(\theta)\, A_{\theta_\text{old}}(S_t, A_t)\Big]
        = \sum_s \eta_{\theta_\text{old}}(s) \sum_a \pi_\theta(a|s)\, A_{\theta_\text{old}}(s, a),

    with :math:`\rho_t = \pi_\theta(A_t|S_t) / \pi_{\theta_\text{old}}(A_t|S_t)`,
    :math:`\eta` the discounted visits and :math:`A = q - v` the advantage,
    both of the old policy. It is 0 at :math:`\theta = \theta_\text{old}`; the
    performance difference :math:`J(\theta) - J(\theta_\text{old})` is the same
    sum with the *new* policy's visits :math:`\eta_\theta` (Kakade & Langford
    2002), so the two agree to first order around :math:`\theta_\text{old}`.

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> old = pg.envs.corridor_theta(0.3)
    >>> surrogate(mdp, pol, old, old)
    0.0
    >>> round(surrogate(mdp, pol, pg.envs.corridor_theta(0.4), old), 4)
    4.0363
    """
    _check_pair(mdp, policy)
    eta, A_old = _old_terms(mdp, policy, theta_old)
    return float(np.einsum("s,sa,sa->", eta, policy.probs(theta), A_old)) + 0.0


def surrogate_gradient(mdp, policy, theta, theta_old):
    r"""The exact :math:`\nabla_\theta L_{\theta_\text{old}}(\theta) = \sum_s \eta_\text{old}(s) \sum_a \nabla\pi_\theta(a|s)\, A_\text{old}(s,a)`.

    At :math:`\theta = \theta_\text{old}` this is the policy gradient theorem
    with the advantage in place of :math:`q` (chapter 6): :math:`\nabla J(\theta_\text{old})`.

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> old = pg.envs.corridor_theta(0.3)
    >>> np.round(surrogate_gradient(mdp, pol, old, old), 4), np.round(pg.policy_gradient(mdp, pol, old), 4)
    (array([-8.4762,  8.4762]), array([-8.4762,  8.4762]))
    """
    _check_pair(mdp, policy)
    eta, A_old = _old_terms(mdp, policy, theta_old)
    return np.einsum("s,sa,sad->d", eta, A_old, policy.grad_probs(theta))


def surrogate_gradients(policy, theta, theta_old, steps, advantages, gamma):
    r"""Per-episode sampled :math:`\nabla_\theta \sum_t \gamma^t \rho_t(\theta)\, \hat A_t`, episodes from :math:`\theta_\text{old}`.

    :math:`\nabla\rho_t = \rho_t \nabla\ln\pi_\theta(A_t|S_t)`. The mean over
    episodes sampled under :math:`\theta_\text{old}` estimates
    :func:`surrogate_gradient` when :math:`\hat A_t` has mean
    :math:`A_\text{old}(S_t, A_t)` given the step (for instance the exact
    advantage, or :math:`G_t - v_\text{old}(S_t)`); at :math:`\theta = \theta_\text{old}`
    it is REINFORCE's estimate of :math:`\nabla J`.

    Parameters
    ----------
    policy : SoftmaxPolicy
    theta, theta_old : array_like, shape (d,)
    steps : pgcore.actor_critic.Steps
        Episodes sampled under ``theta_old`` (:func:`pgcore.actor_critic.sample_steps`).
    advantages : array_like, shape like ``steps.rewards``
        :math:`\hat A_t` (ignored after each episode's end).
    gamma : float in [0, 1]

    Returns
    -------
    numpy.ndarray, shape (n_episodes, d)

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> from pgcore.actor_critic import advantage, sample_steps
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> old = pg.envs.corridor_theta(0.3)
    >>> st = sample_steps(mdp, pol.probs(old), 2000, seed=0)
    >>> A = advantage(mdp, pol.probs(old))[st.states, st.actions]
    >>> g = surrogate_gradients(pol, old, old, st, A, mdp.gamma)
    >>> se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
    >>> bool((np.abs(g.mean(axis=0) - pg.policy_gradient(mdp, pol, old)) < 4 * se).all())
    True
    """
    from .actor_critic import Steps

    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {type(policy).__name__}")
    if not isinstance(steps, Steps):
        raise TypeError(f"steps must be a pgcore.actor_critic.Steps, got {type(steps).__name__}")
    gamma = real(gamma, "gamma", minimum=0.0, maximum=1.0)
    A = array(advantages, "advantages", shape=steps.rewards.shape)
    lp_new = np.log(policy.probs(theta))
    lp_old = np.log(policy.probs(theta_old))
    s, a, mask = steps.states, steps.actions, steps.mask
    with np.errstate(over="ignore", invalid="ignore"):
        rho = np.exp(lp_new[s, a] - lp_old[s, a])
    disc = gamma ** np.arange(s.shape[1])
    coef = np.where(mask, disc * rho * A, 0.0)
    score = policy.grad_log_probs(theta)[s, a]
    return np.einsum("nl,nld->nd", coef, score)


def performances(mdp, policy, thetas):
    r"""Exact :math:`J(\theta)` of many parameter vectors at once, shape ``thetas.shape[:-1]``.

    The same number as :func:`pgcore.performance` for each vector, by one
    batched linear solve; for learning curves of :func:`ppo_train` and
    :func:`pgcore.reinforce`. A policy that can loop forever (``gamma = 1``)
    gives NaN instead of an error.

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> th = np.stack([pg.envs.corridor_theta(p) for p in (0.3, 0.5)])
    >>> np.round(performances(mdp, pol, th), 3)
    array([-16.19, -12.  ])
    """
    _check_pair(mdp, policy)
    th = array(thetas, "thetas", finite=False)
    if th.ndim < 1 or th.shape[-1] != policy.d:
        raise ValueError(f"thetas must have shape (..., {policy.d}), got {th.shape}")
    lead = th.shape[:-1]
    th = th.reshape(-1, policy.d)
    ok = np.isfinite(th).all(axis=1)
    pi = _policy_tables(policy.features, np.where(ok[:, None], th, 0.0))[0]
    live = mdp.nonterminal
    P_pi = np.einsum("nsa,sat->nst", pi, mdp.P)
    r_pi = np.einsum("nsa,sa->ns", pi, mdp.R)
    P_pi[:, ~live, :] = 0.0
    P_pi[:, :, ~live] = 0.0
    r_pi[:, ~live] = 0.0
    S = mdp.n_states
    with np.errstate(all="ignore"):
        M = np.eye(S)[None] - mdp.gamma * P_pi
        cond = np.linalg.cond(M)
        v = np.linalg.solve(M, r_pi[:, :, None])[:, :, 0]
    J = v @ mdp.start
    J = np.where(ok & np.isfinite(J) & (cond < 1e12), J, np.nan)
    return J.reshape(lead)


# -----------------------------------------------------------------------------
# the algorithm
# -----------------------------------------------------------------------------
def adapt_kl_coef(beta, kl, kl_target):
    r"""The adaptive KL coefficient of Schulman et al. (2017, §4), elementwise.

    After a policy update with penalty :math:`\beta`, with
    :math:`d = \hat{\mathbb{E}}[D_{\mathrm{KL}}(\pi_{\theta_\text{old}}(\cdot|s) \,\|\, \pi_\theta(\cdot|s))]`:
    if :math:`d < d_\text{targ}/1.5`, :math:`\beta \leftarrow \beta/2`; if
    :math:`d > 1.5\, d_\text{targ}`, :math:`\beta \leftarrow 2\beta`; otherwise
    :math:`\beta` stays.

    Examples
    --------
    >>> adapt_kl_coef([1.0, 1.0, 1.0], [0.001, 0.01, 0.1], 0.01)
    array([0.5, 1. , 2. ])
    """
    b = array(beta, "beta", minimum=0.0)
    d = array(kl, "kl", minimum=0.0)
    t = real(kl_target, "kl_target", minimum=0.0, strict=True)
    return np.where(d < t / 1.5, b / 2, np.where(d > 1.5 * t, 2 * b, b))


def _policy_tables(x, theta):
    """Per run: probabilities, log-probabilities and mean features, shapes (n,S,A), (n,S,A), (n,S,d)."""
    S, A, d = x.shape
    h = (theta @ x.reshape(S * A, d).T).reshape(-1, S, A)
    h = h - h.max(axis=2, keepdims=True)
    logp = h - np.log(np.exp(h).sum(axis=2, keepdims=True))
    pi = np.exp(logp)
    xbar = np.matmul(pi[:, :, None, :], x[None])[:, :, 0, :]       # (n, S, d)
    return pi, logp, xbar


@dataclass(frozen=True)
class Batch:
    """Episodes of every run with their advantage estimates, from :func:`collect`.

    Arrays have shape (n_runs, n_episodes, L), padded after each episode's end
    (``mask`` is False there), except where noted.

    Attributes
    ----------
    states, actions : numpy.ndarray of intp
    rewards : numpy.ndarray
    mask : numpy.ndarray of bool
        True at the steps that happened.
    lengths : numpy.ndarray, shape (n_runs, n_episodes)
    truncated : numpy.ndarray, shape (n_runs, n_episodes), bool
        Episodes cut off at ``max_steps`` (their last advantage bootstraps from the critic).
    advantages : numpy.ndarray
        GAE(λ) estimates :math:`\\hat A_t` with the critic of the collecting step.
    targets : numpy.ndarray
        The critic's targets :math:`\\hat A_t + \\hat v(S_t)` (λ-returns).
    logp_old : numpy.ndarray
        :math:`\\ln\\pi_{\\theta_\\text{old}}(A_t|S_t)`.
    pi_old : numpy.ndarray, shape (n_runs, S, A)
        The policies that collected the batch.
    theta_old : numpy.ndarray, shape (n_runs, d)
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    mask: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    advantages: np.ndarray
    targets: np.ndarray
    logp_old: np.ndarray
    pi_old: np.ndarray
    theta_old: np.ndarray

    @property
    def n_steps(self):
        """Environment steps of every run in the batch, shape (n_runs,)."""
        return self.lengths.sum(axis=1)

    @property
    def returns(self):
        """Undiscounted total reward of every episode, shape (n_runs, n_episodes)."""
        return self.rewards.sum(axis=2)


def _features_w(xw, S):
    xw = np.eye(S) if xw is None else array(xw, "critic_features", ndim=2)
    if xw.shape[0] != S or xw.shape[1] < 1:
        raise ValueError(f"critic_features must have shape ({S}, m) with m >= 1, got {xw.shape}")
    return xw


def _masked_gae(rewards, v_now, v_next, mask, gamma, lam):
    """GAE along the last axis with per-step values of S_t and S_{t+1} (0 after a terminal state)."""
    delta = np.where(mask, rewards + gamma * v_next - v_now, 0.0)
    out = np.zeros_like(delta)
    acc = np.zeros(delta.shape[:-1])
    c = gamma * lam
    for t in range(delta.shape[-1] - 1, -1, -1):
        acc = delta[..., t] + c * acc
        out[..., t] = acc
    return out


class _Sampler:
    """Samples episodes for every run with the run's own streams (one per episode slot)."""

    def __init__(self, mdp, policy, n_runs, n_episodes, seed, max_steps):
        (self.P_cdf, self.next_det, self.R, self.start_cdf, self.start_det, self.terminal,
         self.x) = _mdp_arrays(mdp, policy)
        self.n, self.B, self.max_steps = n_runs, n_episodes, max_steps
        run_seqs = _run_seeds(seed, n_runs)
        kids = [s.spawn(2) for s in run_seqs]
        self.streams = _Streams([np.random.PCG64(c) for k in kids for c in k[0].spawn(n_episodes)],
                                chunk=1024)
        self.shufflers = [np.random.default_rng(k[1]) for k in kids]

    def sample(self, pi):
        n, B = self.n, self.B
        cdf = _cdf_rows(pi)  # (n, S, A)
        run_of_row = np.repeat(np.arange(n, dtype=np.intp), B)
        Sb, Ab, Rb, T, s_end = _sample_batch(
            self.P_cdf, self.next_det, self.R, self.start_cdf, self.start_det, self.terminal,
            lambda ai, st: cdf[run_of_row[ai], st], lambda ai: self.streams.draw(ai), n * B, self.max_steps)
        L = Sb.shape[1]
        return (Sb.reshape(n, B, L), Ab.reshape(n, B, L), Rb.reshape(n, B, L), T.reshape(n, B),
                s_end.reshape(n, B).astype(np.intp))


def _run_seeds(seed, n):
    if isinstance(seed, np.random.Generator):
        return [np.random.SeedSequence(int(x)) for x in seed.integers(0, 2**63 - 1, size=n)]
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return ss.spawn(n)


def _collect(sampler, mdp, theta, w, xw, gamma, lam):
    pi, logp, _ = _policy_tables(sampler.x, theta)
    Sb, Ab, Rb, T, s_end = sampler.sample(pi)
    n, B, L = Sb.shape
    mask = np.arange(L) < T[:, :, None]
    v = xw @ w.T                          # (S, n): the critic's value of every state
    v = v.T * mdp.nonterminal            # (n, S), 0 at terminal states
    rows = np.arange(n, dtype=np.intp)[:, None, None]
    v_now = np.where(mask, v[rows, Sb], 0.0)
    nxt = np.concatenate([Sb[:, :, 1:], np.zeros((n, B, 1), dtype=np.intp)], axis=2)
    last = np.arange(L) == (T[:, :, None] - 1)
    nxt = np.where(last, s_end[:, :, None], nxt)
    v_next = np.where(mask, v[rows, nxt], 0.0)  # the terminal state has value 0; a cut-off end bootstraps
    adv = _masked_gae(Rb, v_now, v_next, mask, gamma, lam)
    truncated = mdp.nonterminal[s_end]
    lp = np.where(mask, logp[rows, Sb, Ab], 0.0)
    return Batch(Sb, Ab, np.where(mask, Rb, 0.0), mask, T, truncated, adv, np.where(mask, adv + v_now, 0.0),
                 lp, pi, theta.copy())


def collect(mdp, policy, theta, n_episodes, gamma=None, lam=0.95, critic=None, n_runs=None, seed=None,
            max_steps=1000):
    r"""Sample a batch of episodes for every run and estimate the advantages with GAE(λ).

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta : array_like, shape (d,) or (n_runs, d)
        :math:`\theta_\text{old}`, the policy that collects.
    n_episodes : int
        Episodes per run.
    gamma : float, optional
        Discount of the advantage estimates (default ``mdp.gamma``).
    lam : float in [0, 1], default 0.95
    critic : array_like, shape (S,) or (n_runs, S), optional
        The critic's values :math:`\hat v(s)` (default 0; set to 0 at terminal states).
    n_runs : int, optional
        Default: the number of rows of ``theta`` (1 for a vector).
    seed : int, SeedSequence or Generator, optional
    max_steps : int, default 1000
        Episodes still running are cut off; their last step bootstraps from the critic.

    Returns
    -------
    Batch

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> b = collect(mdp, pol, pg.envs.corridor_theta(0.5), 8, n_runs=3, seed=0)
    >>> b.states.shape[:2], b.pi_old.shape
    ((3, 8), (3, 4, 2))
    >>> bool(np.allclose(b.returns, -b.lengths))
    True
    """
    _check_pair(mdp, policy)
    B = integer(n_episodes, "n_episodes", minimum=1)
    th = array(theta, "theta")
    n = integer(n_runs, "n_runs", minimum=1) if n_runs is not None else (th.shape[0] if th.ndim == 2 else 1)
    if th.shape not in ((policy.d,), (n, policy.d)):
        raise ValueError(f"theta must have shape ({policy.d},) or ({n}, {policy.d}), got {th.shape}")
    th = np.broadcast_to(th, (n, policy.d)).copy()
    gamma = mdp.gamma if gamma is None else real(gamma, "gamma", minimum=0.0, maximum=1.0)
    lam = real(lam, "lam", minimum=0.0, maximum=1.0)
    S = mdp.n_states
    v = np.zeros(S) if critic is None else array(critic, "critic")
    if v.shape not in ((S,), (n, S)):
        raise ValueError(f"critic must have shape ({S},) or ({n}, {S}), got {v.shape}")
    v = np.broadcast_to(v, (n, S))
    max_steps = integer(max_steps, "max_steps", minimum=1)
    sampler = _Sampler(mdp, policy, n, B, seed, max_steps)
    return _collect(sampler, mdp, th, v.copy(), np.eye(S), gamma, lam)


class _Flat:
    """A batch's steps as flat arrays, sorted by run (then episode, then time)."""

    def __init__(self, batch, S, A):
        n, B, L = batch.states.shape
        m = batch.mask
        self.run, self.ep, _ = (i.astype(np.intp) for i in np.nonzero(m))
        self.s = batch.states[m].astype(np.intp)
        self.a = batch.actions[m].astype(np.intp)
        self.A = batch.advantages[m]
        self.lpo = batch.logp_old[m]
        self.tgt = batch.targets[m]
        self.n, self.B, self.S, self.nA = n, B, S, A
        self.N = np.bincount(self.run, minlength=n).astype(float)
        self.sa = self.s * A + self.a
        self.flat_sa = self.run * (S * A) + self.sa
        self.flat_s = self.run * S + self.s
        self.starts = np.concatenate([[0], np.cumsum(self.N.astype(np.intp))[:-1]]).astype(np.intp)

    def per_run(self, values, idx=None):
        """Sums of ``values`` per run (over all samples, or those at ``idx``)."""
        run = self.run if idx is None else self.run[idx]
        return np.bincount(run, weights=values, minlength=self.n)


def _weighted_sum(c, table):
    """``sum_s c[n, s] * table[n, s, :]`` for every n: shapes (n, S) and (n, S, d) -> (n, d)."""
    return np.matmul(c[:, None, :], table)[:, 0, :]


def _batch_stats(x, F, theta, clip, pi_old):
    """Ratios, clip binding and KL over the whole batch at ``theta``."""
    pi, logp, _ = _policy_tables(x, theta)
    rho = np.exp(logp.reshape(F.n, -1)[F.run, F.sa] - F.lpo)
    A = F.A
    binding = ((A > 0) & (rho > 1 + clip)) | ((A < 0) & (rho < 1 - clip))
    with np.errstate(divide="ignore", invalid="ignore"):  # log-probabilities: finite where pi underflows to 0
        kl_s = np.where(pi_old > 0, pi_old * (np.log(np.where(pi_old > 0, pi_old, 1.0)) - logp), 0.0)
    kl_s = kl_s.sum(axis=2).reshape(-1)                 # (n * S)
    N = np.maximum(F.N, 1)
    mean = F.per_run(rho) / N
    var = np.maximum(F.per_run(rho**2) / N - mean**2, 0.0)
    has = F.N > 0
    starts = F.starts[has]
    rmin = np.full(F.n, np.nan)
    rmax = np.full(F.n, np.nan)
    rmin[has] = np.minimum.reduceat(rho, starts)
    rmax[has] = np.maximum.reduceat(rho, starts)
    return {"clip_fraction": F.per_run(binding.astype(float)) / N, "kl": np.maximum(F.per_run(kl_s[F.flat_s]) / N, 0.0),
            "ratio_min": rmin, "ratio_max": rmax, "ratio_std": np.sqrt(var),
            "outside": F.per_run((np.abs(rho - 1) > clip).astype(float)) / N}


def _update(x, xw, batch, theta, w, rngs, step_size, epochs, minibatches, clip, method, beta,
            entropy_coef, value_coef, record):
    """Epochs of minibatch steps on one batch; ``theta`` (n, d) and ``w`` (n, m) are updated in place."""
    n, B, L = batch.states.shape
    S, A_, d = x.shape
    F = _Flat(batch, S, A_)
    x2 = x.reshape(S * A_, d)
    pi_old = batch.pi_old
    xbar_old = np.einsum("nsa,sad->nsd", pi_old, x)
    sizes = np.full(minibatches, B // minibatches)
    sizes[: B % minibatches] += 1
    bounds = np.cumsum(sizes)
    stats = {k: np.zeros((n, epochs)) for k in ("clip_fraction", "kl", "ratio_min", "ratio_max", "ratio_std",
                                                 "outside")} if record else None
    if record:
        stats["theta"] = np.zeros((n, epochs, d))
    live = np.ones(n, dtype=bool)
    rows = np.arange(n, dtype=np.intp)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for k in range(epochs):
            rank = np.empty((n, B), dtype=np.intp)
            for r, g in enumerate(rngs):
                rank[r, g.permutation(B)] = np.arange(B, dtype=np.intp)
            mb = np.searchsorted(bounds, rank, side="right")[F.run, F.ep]     # minibatch of every sample
            order = np.argsort(mb, kind="stable")
            cuts = np.searchsorted(mb[order], np.arange(minibatches + 1))
            for j in range(minibatches):
                idx = order[cuts[j]:cuts[j + 1]]
                run = F.run[idx]
                Ahat = F.A[idx]
                N = np.maximum(np.bincount(run, minlength=n), 1).astype(float)
                pi, logp, xbar = _policy_tables(x, theta)
                rho = np.exp(logp.reshape(n, -1)[run, F.sa[idx]] - F.lpo[idx])
                if method == "clip":
                    binding = ((Ahat > 0) & (rho > 1 + clip)) | ((Ahat < 0) & (rho < 1 - clip))
                    coef = np.where(binding, 0.0, rho * Ahat)
                else:
                    coef = rho * Ahat
                fsa = F.flat_sa[idx]
                C = np.bincount(fsa, weights=coef, minlength=n * S * A_).reshape(n, S * A_) / N[:, None]
                Ns = np.bincount(F.flat_s[idx], minlength=n * S).reshape(n, S) / N[:, None]
                g = C @ x2 - _weighted_sum(C.reshape(n, S, A_).sum(axis=2), xbar)
                if entropy_coef:
                    pl = pi * logp
                    grad_H = -np.matmul(pl[:, :, None, :], x[None])[:, :, 0, :] + pl.sum(axis=2)[:, :, None] * xbar
                    g += entropy_coef * _weighted_sum(Ns, grad_H)
                if method == "kl":
                    g -= beta[:, None] * _weighted_sum(Ns, xbar - xbar_old)
                theta += step_size * g
                if value_coef:
                    v = w @ xw.T                                               # (n, S)
                    tsum = np.bincount(F.flat_s[idx], weights=F.tgt[idx], minlength=n * S).reshape(n, S) / N[:, None]
                    gw = (Ns * v - tsum) @ xw                                  # ∇_w of ½ mean (v̂ − target)²
                    w -= step_size * value_coef * gw
            ok = np.isfinite(theta).all(axis=1) & np.isfinite(w).all(axis=1)
            if not ok.all():
                live &= ok
                theta[~ok] = np.nan
            if record == "every" or (record == "last" and k == epochs - 1):
                s = _batch_stats(x, F, np.where(live[:, None], theta, 0.0), clip, pi_old)
                for key in s:
                    stats[key][:, k] = np.where(live, s[key], np.nan)
                stats["theta"][:, k] = theta
    return stats, live


def ratios(policy, batch, theta):
    r"""The ratios :math:`\rho_t = \pi_\theta(A_t|S_t) / \pi_{\theta_\text{old}}(A_t|S_t)` of a batch's samples.

    Parameters
    ----------
    policy : SoftmaxPolicy
    batch : Batch
    theta : array_like, shape (n_runs, d)

    Returns
    -------
    numpy.ndarray, shape like ``batch.states``
        NaN after each episode's end.

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> b = collect(mdp, pol, pg.envs.corridor_theta(0.5), 4, seed=0)
    >>> float(np.nanmax(np.abs(ratios(pol, b, b.theta_old) - 1)))
    0.0
    """
    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {type(policy).__name__}")
    if not isinstance(batch, Batch):
        raise TypeError(f"batch must be a pgcore.ppo.Batch (from collect), got {type(batch).__name__}")
    n = batch.states.shape[0]
    th = array(theta, "theta", shape=(n, policy.d), finite=False)
    _, logp, _ = _policy_tables(policy.features, th)
    rows = np.arange(n, dtype=np.intp)[:, None, None]
    with np.errstate(over="ignore", invalid="ignore"):
        rho = np.exp(logp[rows, batch.states, batch.actions] - batch.logp_old)
    return np.where(batch.mask, rho, np.nan)


@dataclass(frozen=True)
class Update:
    """What :func:`ppo_update` returns; the diagnostics have shape (n_runs, epochs), measured
    on the whole batch after each epoch.

    Attributes
    ----------
    theta : numpy.ndarray, shape (n_runs, d)
    w : numpy.ndarray, shape (n_runs, m)
    clip_fraction : numpy.ndarray
        Fraction of the batch's samples whose clipped term binds (the advantage
        is positive and :math:`\\rho > 1+\\epsilon`, or negative and :math:`\\rho < 1-\\epsilon`):
        they contribute no gradient.
    outside : numpy.ndarray
        Fraction of samples with :math:`|\\rho - 1| > \\epsilon`, whatever the advantage's sign.
    kl : numpy.ndarray
        Mean over the batch's steps of :math:`D_{\\mathrm{KL}}(\\pi_{\\theta_\\text{old}}(\\cdot|S_t) \\,\\|\\, \\pi_\\theta(\\cdot|S_t))`.
    ratio_min, ratio_max, ratio_std : numpy.ndarray
        The spread of :math:`\\rho` over the batch's samples.
    diverged : numpy.ndarray, shape (n_runs,), bool
    theta_epochs : numpy.ndarray, shape (n_runs, epochs, d)
        :math:`\\theta` after each epoch (the last is ``theta``).
    """

    theta: np.ndarray
    w: np.ndarray
    clip_fraction: np.ndarray
    outside: np.ndarray
    kl: np.ndarray
    ratio_min: np.ndarray
    ratio_max: np.ndarray
    ratio_std: np.ndarray
    diverged: np.ndarray
    theta_epochs: np.ndarray


def _settings(step_size, epochs, minibatches, clip, method, entropy_coef, value_coef, n_episodes):
    alpha = real(step_size, "step_size", minimum=0.0)
    K = integer(epochs, "epochs", minimum=1, maximum=10_000)
    M = integer(minibatches, "minibatches", minimum=1, maximum=n_episodes)
    eps = real(clip, "clip", minimum=0.0)
    method = choice(method, "method", METHODS)
    c2 = real(entropy_coef, "entropy_coef", minimum=0.0)
    c1 = real(value_coef, "value_coef", minimum=0.0)
    return alpha, K, M, eps, method, c2, c1


def ppo_update(policy, batch, step_size, epochs=4, minibatches=4, clip=0.2, method="clip", beta=1.0,
               entropy_coef=0.0, value_coef=0.0, critic_weights=None, critic_features=None, seed=None):
    r"""One PPO update: ``epochs`` passes over a batch in ``minibatches`` minibatches of episodes.

    Every minibatch step moves :math:`\theta` by ``step_size`` times the
    gradient of the minibatch's mean over its steps of

    .. math::
        \text{clip:}\ \min\bigl(\rho_t \hat A_t,\ \operatorname{clip}(\rho_t, 1-\epsilon, 1+\epsilon)\hat A_t\bigr),
        \quad \text{none:}\ \rho_t \hat A_t,
        \quad \text{kl:}\ \rho_t \hat A_t - \beta\, D_{\mathrm{KL}}\bigl(\pi_{\theta_\text{old}}(\cdot|S_t) \,\|\, \pi_\theta(\cdot|S_t)\bigr),

    plus ``entropy_coef`` times the entropy :math:`\mathcal H(\pi_\theta(\cdot|S_t))`
    (Schulman et al. 2017, eqs. 7, 8 and 9). With ``value_coef`` :math:`c_1 > 0`
    the critic's weights take a step of ``step_size`` times the gradient of
    :math:`-c_1 \cdot \tfrac12 (\hat v(S_t) - \hat A_t - \hat v_\text{old}(S_t))^2`, the value loss.
    With one epoch and one minibatch every ratio is 1 during the only step: the update is the
    plain (single-step) policy-gradient step :math:`\alpha\,\hat{\mathbb{E}}_t[\hat A_t \nabla\ln\pi]`.

    Parameters
    ----------
    policy : SoftmaxPolicy
    batch : Batch
        From :func:`collect`; the update starts from ``batch.theta_old``.
    step_size : float
        :math:`\alpha \ge 0`.
    epochs : int, default 4
    minibatches : int, default 4
        The batch's episodes are shuffled (per run, per epoch) and split into this many groups.
    clip : float, default 0.2
        :math:`\epsilon`; used by ``method="clip"`` and by the ``clip_fraction`` diagnostic.
    method : {"clip", "none", "kl"}
    beta : float or array_like, shape (n_runs,), default 1.0
        The KL coefficient of ``method="kl"``.
    entropy_coef, value_coef : float, default 0
    critic_weights : array_like, shape (m,) or (n_runs, m), optional
        Initial critic weights (default 0).
    critic_features : array_like, shape (S, m), optional
        Default one weight per state.
    seed : int, SeedSequence or Generator, optional
        For the shuffles.

    Returns
    -------
    Update

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp = pg.envs.wall_gridworld()
    >>> pol = pg.SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    >>> b = collect(mdp, pol, np.zeros(pol.d), 16, n_runs=2, seed=1)
    >>> u = ppo_update(pol, b, 1.0, epochs=8, minibatches=4, clip=0.2, seed=2)
    >>> u.kl.shape, bool((u.kl[:, -1] > u.kl[:, 0]).all())
    ((2, 8), True)
    """
    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {type(policy).__name__}")
    if not isinstance(batch, Batch):
        raise TypeError(f"batch must be a pgcore.ppo.Batch (from collect), got {type(batch).__name__}")
    n, B, _ = batch.states.shape
    alpha, K, M, eps, method, c2, c1 = _settings(step_size, epochs, minibatches, clip, method, entropy_coef,
                                                 value_coef, B)
    b = array(beta, "beta", minimum=0.0)
    if b.shape not in ((), (n,)):
        raise ValueError(f"beta must be a number or have shape ({n},) (one per run), got shape {b.shape}")
    b = np.broadcast_to(b, (n,)).copy()
    S = policy.n_states
    xw = _features_w(critic_features, S)
    w = np.zeros((n, xw.shape[1])) if critic_weights is None else array(critic_weights, "critic_weights")
    if w.shape not in ((xw.shape[1],), (n, xw.shape[1])):
        raise ValueError(f"critic_weights must have shape ({xw.shape[1]},) or ({n}, {xw.shape[1]}), got {w.shape}")
    w = np.broadcast_to(w, (n, xw.shape[1])).copy()
    theta = batch.theta_old.copy()
    rngs = [np.random.default_rng(s) for s in _run_seeds(seed, n)]
    stats, live = _update(policy.features, xw, batch, theta, w, rngs, alpha, K, M, eps, method, b, c2, c1, "every")
    return Update(theta, w, stats["clip_fraction"], stats["outside"], stats["kl"], stats["ratio_min"],
                  stats["ratio_max"], stats["ratio_std"], ~live, stats["theta"])


@dataclass(frozen=True)
class PPOResult:
    """What :func:`ppo_train` returns. Per-iteration arrays have shape (n_runs, n_iterations); the
    diagnostics (as in :class:`Update`) are measured on each iteration's batch after its last epoch.

    Attributes
    ----------
    returns : numpy.ndarray
        Mean undiscounted total reward of the iteration's batch of episodes.
    steps : numpy.ndarray, int
        Environment steps in the iteration's batch.
    entropy : numpy.ndarray
        Mean entropy of the collecting policy over the batch's steps.
    theta_history : numpy.ndarray, shape (n_runs, n_iterations + 1, d)
        :math:`\\theta` before every iteration and at the end.
    w : numpy.ndarray, shape (n_runs, m)
        The critic's final weights.
    beta : numpy.ndarray
        The KL coefficient used at each iteration (``method="kl"``; NaN otherwise).
    clip_fraction, outside, kl, ratio_min, ratio_max : numpy.ndarray
    n_truncated : int
        Episodes cut off at ``max_steps``.
    diverged : numpy.ndarray, shape (n_runs,), bool
    """

    returns: np.ndarray
    steps: np.ndarray
    entropy: np.ndarray
    theta_history: np.ndarray
    w: np.ndarray
    beta: np.ndarray
    clip_fraction: np.ndarray
    outside: np.ndarray
    kl: np.ndarray
    ratio_min: np.ndarray
    ratio_max: np.ndarray
    n_truncated: int
    diverged: np.ndarray

    @property
    def theta(self):
        """Final parameters, shape (n_runs, d)."""
        return self.theta_history[:, -1]


def ppo_train(mdp, policy, theta0, n_iterations, n_episodes, step_size, epochs=4, minibatches=4, clip=0.2,
              method="clip", kl_target=0.01, beta0=1.0, entropy_coef=0.0, value_coef=1.0, lam=0.95,
              gamma=None, critic_features=None, n_runs=1, seed=None, max_steps=1000):
    r"""PPO (Schulman et al. 2017, Algorithm 1) with a softmax actor and a linear critic, many runs at once.

    Every iteration, for every run: sample ``n_episodes`` episodes with the
    current :math:`\theta` (now :math:`\theta_\text{old}`), estimate the advantages
    :math:`\hat A_t` by GAE(λ) with the current critic, then :func:`ppo_update`:
    ``epochs`` passes in ``minibatches`` minibatches of episodes, the policy and
    the critic (the value loss, weight ``value_coef``) stepping together. With
    ``method="kl"`` the penalty's coefficient starts at ``beta0`` and follows
    :func:`adapt_kl_coef` with target ``kl_target`` after every iteration.
    ``epochs=1, minibatches=1`` is the single-step policy-gradient method with
    the same batches, advantages and critic.

    The objective is averaged over the batch's steps, without the factor
    :math:`\gamma^t` of the theorem, as in the paper's algorithm; with
    :math:`\gamma < 1` its expected gradient at :math:`\theta_\text{old}` weights the
    states by how often they are visited rather than by discounted visits (chapter 10).

    Run r draws its episodes and its shuffles from streams derived from
    ``seed`` and r alone, so run r is the same whatever ``n_runs`` is.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape (d,) or (n_runs, d)
    n_iterations, n_episodes : int
        Iterations, and episodes per iteration and run.
    step_size : float
    epochs, minibatches, clip, method, entropy_coef, value_coef
        As in :func:`ppo_update`.
    kl_target, beta0 : float
        For ``method="kl"``.
    lam : float in [0, 1], default 0.95
    gamma : float, optional
        Discount of the advantage estimates, default ``mdp.gamma``.
    critic_features : array_like, shape (S, m), optional
    n_runs : int, default 1
    seed : int, SeedSequence or Generator, optional
    max_steps : int, default 1000

    Returns
    -------
    PPOResult

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp = pg.envs.wall_gridworld()
    >>> pol = pg.SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    >>> res = ppo_train(mdp, pol, np.zeros(pol.d), 10, 8, 0.5, n_runs=4, seed=0)
    >>> res.returns.shape, res.kl.shape
    ((4, 10), (4, 10))
    >>> J = performances(mdp, pol, res.theta_history)
    >>> bool((J[:, -1] > J[:, 0]).all())
    True
    """
    _check_pair(mdp, policy)
    n = integer(n_runs, "n_runs", minimum=1)
    iters = integer(n_iterations, "n_iterations", minimum=1)
    B = integer(n_episodes, "n_episodes", minimum=1)
    alpha, K, M, eps, method, c2, c1 = _settings(step_size, epochs, minibatches, clip, method, entropy_coef,
                                                 value_coef, B)
    kl_target = real(kl_target, "kl_target", minimum=0.0, strict=True)
    beta = np.full(n, real(beta0, "beta0", minimum=0.0))
    lam = real(lam, "lam", minimum=0.0, maximum=1.0)
    gamma = mdp.gamma if gamma is None else real(gamma, "gamma", minimum=0.0, maximum=1.0)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    d, S = policy.d, mdp.n_states
    th = array(theta0, "theta0")
    if th.shape not in ((d,), (n, d)):
        raise ValueError(f"theta0 must have shape ({d},) or ({n}, {d}), got {th.shape}")
    theta = np.broadcast_to(th, (n, d)).copy()
    xw = _features_w(critic_features, S)
    w = np.zeros((n, xw.shape[1]))
    sampler = _Sampler(mdp, policy, n, B, seed, max_steps)
    x = policy.features

    hist = np.full((n, iters + 1, d), np.nan)
    hist[:, 0] = theta
    returns = np.full((n, iters), np.nan)
    steps = np.zeros((n, iters), dtype=np.int64)
    ent = np.full((n, iters), np.nan)
    betas = np.full((n, iters), np.nan)
    diag = {k: np.full((n, iters), np.nan) for k in ("clip_fraction", "outside", "kl", "ratio_min", "ratio_max")}
    live = np.ones(n, dtype=bool)
    n_trunc = 0
    for it in range(iters):
        safe = np.where(live[:, None], theta, 0.0)
        batch = _collect(sampler, mdp, safe, w, xw, gamma, lam)
        returns[live, it] = batch.returns.mean(axis=1)[live]
        steps[:, it] = np.where(live, batch.n_steps, 0)
        n_trunc += int(batch.truncated[live].sum())
        rows = np.arange(n, dtype=np.intp)[:, None, None]
        H = _entropy(batch.pi_old)[rows, batch.states]
        ent[live, it] = (np.where(batch.mask, H, 0.0).sum(axis=(1, 2)) / batch.mask.sum(axis=(1, 2)))[live]
        if method == "kl":
            betas[:, it] = beta
        stats, ok = _update(x, xw, batch, theta, w, sampler.shufflers, alpha, K, M, eps, method, beta, c2, c1, "last")
        live &= ok
        for key in diag:
            diag[key][live, it] = stats[key][live, -1]
        if method == "kl":
            beta = np.where(live, adapt_kl_coef(beta, np.where(live, stats["kl"][:, -1], 0.0), kl_target), beta)
        hist[live, it + 1] = theta[live]
    res = PPOResult(returns, steps, ent, hist, w, betas, diag["clip_fraction"], diag["outside"], diag["kl"],
                    diag["ratio_min"], diag["ratio_max"], n_trunc, ~live)
    if n_trunc or (~live).any():
        warnings.warn(f"ppo_train: {n_trunc} episodes cut off at max_steps={max_steps}; "
                      f"{int((~live).sum())} of {n} runs diverged", RuntimeWarning, stacklevel=2)
    return res
