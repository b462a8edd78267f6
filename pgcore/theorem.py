r"""The pieces of the policy gradient theorem, one function each (chapter 5).

:func:`pgcore.policy_gradient` computes the theorem's gradient in one call.
This module takes it apart so that the chapter can look at each piece and
check each against an independent computation:

* :func:`state_terms` -- the per-state vector
  :math:`g(s) = \sum_a q_\pi(s,a)\,\nabla_\theta \pi(a|s,\theta)`;
* :func:`start_state_gradient` -- :math:`g` at the start state only, the naive
  formula that forgets everything after the first step;
* :func:`unrolled_gradient` -- the partial sums of the unrolling argument of the
  proof, which start at the naive formula and converge to the theorem;
* :func:`visits_gradient` -- the Jacobian :math:`\nabla_\theta \eta(s)`: the
  state distribution really does depend on :math:`\theta`;
* :func:`dropped_discount_direction` -- the direction most implementations
  follow when :math:`\gamma < 1`, which weights states by undiscounted visits;
* :func:`corridor_switch_policy` -- a two-parameter corridor policy with a
  feature that recognises the switched state (used by the chapter's explorer);
* :func:`state_distribution_errors` -- how far a sampled :math:`\mu` is from the
  exact one, for growing numbers of episodes.

Everything is plain numpy: arrays in, arrays out.
"""

from __future__ import annotations

import numpy as np
from ._common import _positive_int
from ._validate import allocation
from ._validate import seed as _seed

from .mdp import MDP, evaluate, expected_visits, state_distribution, visit_counts
from .policy import SoftmaxPolicy

__all__ = [
    "state_terms",
    "start_state_gradient",
    "unrolled_gradient",
    "visits_gradient",
    "dropped_discount_direction",
    "corridor_switch_policy",
    "state_distribution_errors",
]


def state_terms(mdp, policy, theta):
    r"""Per-state terms :math:`g(s) = \sum_a q_\pi(s,a)\,\nabla_\theta \pi(a|s,\theta)`.

    The policy gradient theorem says :math:`\nabla J(\theta) = \sum_s \eta(s)\, g(s)`:
    these are the vectors that the expected visits :math:`\eta` weight.
    Terminal states get 0.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta : array_like, shape (d,)

    Returns
    -------
    numpy.ndarray, shape (S, d)

    Examples
    --------
    On the short corridor with p = 1/2, each non-terminal state's term is
    :math:`\tfrac14 (q(s,\text{right}) - q(s,\text{left}))\,[-1, 1]`.

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> g = state_terms(short_corridor(), corridor_policy(), np.zeros(2))
    >>> np.round(g, 3)
    array([[-0.5,  0.5],
           [ 1.5, -1.5],
           [-2.5,  2.5],
           [ 0. , -0. ]])
    """
    pi = policy.probs(theta)
    _, Q = evaluate(mdp, pi)
    return np.einsum("sa,sad->sd", Q, policy.grad_probs(theta))


def start_state_gradient(mdp, policy, theta):
    r"""The naive formula :math:`\sum_s \Pr(S_0 = s) \sum_a q_\pi(s,a)\,\nabla\pi(a|s,\theta)`.

    It differentiates only the first decision and keeps every later one
    fixed, so it misses the effect of :math:`\theta` on the states visited
    after the start. It equals the first partial sum of
    :func:`unrolled_gradient` and is *not* :math:`\nabla J` in general.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> np.round(start_state_gradient(short_corridor(), corridor_policy(), np.zeros(2)), 3)
    array([-0.5,  0.5])
    """
    start = mdp.start * mdp.nonterminal
    return start @ state_terms(mdp, policy, theta)


def unrolled_gradient(mdp, policy, theta, n_terms):
    r"""Partial sums of the unrolled gradient, :math:`K = 1, \dots,` ``n_terms``.

    .. math::
        \nabla J_K = \sum_{k=0}^{K-1} \gamma^k \sum_x \Pr(S_k = x)\, g(x),
        \qquad g(x) = \sum_a q_\pi(x,a)\,\nabla\pi(a|x,\theta)

    Row ``K - 1`` is :math:`\nabla J_K`. The first row is
    :func:`start_state_gradient`; as :math:`K \to \infty` the rows converge
    to :math:`\nabla J = \sum_x \eta(x) g(x)`, because
    :math:`\eta(x) = \sum_k \gamma^k \Pr(S_k = x)`. The state distribution at
    each step is propagated one step at a time
    (:math:`d_{k+1} = d_k P_\pi`), independently of the linear solve that
    :func:`pgcore.expected_visits` uses.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta : array_like, shape (d,)
    n_terms : int
        Number of partial sums, at least 1.

    Returns
    -------
    numpy.ndarray, shape (n_terms, d)

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore import policy_gradient
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> mdp, pol = short_corridor(), corridor_policy()
    >>> partial = unrolled_gradient(mdp, pol, np.zeros(2), 400)
    >>> np.round(partial[[0, 1, -1]], 3)
    array([[-0.5,  0.5],
           [ 0. ,  0. ],
           [-2. ,  2. ]])
    >>> bool(np.allclose(partial[-1], policy_gradient(mdp, pol, np.zeros(2))))
    True
    """
    n_terms = _positive_int(n_terms, "n_terms")
    g = state_terms(mdp, policy, theta)
    P_pi, _ = mdp.chain(policy.probs(theta))
    d_k = mdp.start * mdp.nonterminal  # gamma^k Pr(S_k = x), k = 0
    out = np.empty((n_terms, g.shape[1]))
    total = np.zeros(g.shape[1])
    for k in range(n_terms):
        total = total + d_k @ g
        out[k] = total
        d_k = mdp.gamma * (d_k @ P_pi)
    return out


def visits_gradient(mdp, policy, theta):
    r"""Jacobian :math:`\partial \eta(x) / \partial \theta_i` of the expected visits.

    From :math:`\eta^\top = \text{start}^\top N` with
    :math:`N = (I - \gamma P_\pi)^{-1}`, the derivative of an inverse gives

    .. math::
        \nabla_\theta \eta(x) = \gamma \sum_s \eta(s) \sum_a \nabla_\theta \pi(a|s,\theta)
        \sum_{s'} p(s'|s,a)\, N(s', x).

    This is the term the policy gradient theorem does *not* need: the chapter
    uses it to show that the state distribution moves with :math:`\theta`
    and that its effect on :math:`J` is already inside :math:`q_\pi`.

    Returns
    -------
    numpy.ndarray, shape (S, d)
        Row ``x`` is :math:`\nabla_\theta \eta(x)`; terminal rows are 0.

    Examples
    --------
    On the short corridor the expected episode length is
    :math:`\sum_x \eta(x)`; at p = 1/2 raising the preference for right
    shortens it at rate 2:

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor, corridor_policy
    >>> J_eta = visits_gradient(short_corridor(), corridor_policy(), np.zeros(2))
    >>> np.round(J_eta.sum(axis=0), 3)
    array([ 2., -2.])
    """
    pi = policy.probs(theta)
    eta = expected_visits(mdp, pi)
    P_pi, _ = mdp.chain(pi)
    S = mdp.n_states
    keep = mdp.nonterminal & (eta > 0)  # rows of states the episode can reach
    P_pi[~keep] = 0.0
    N = np.linalg.inv(np.eye(S) - mdp.gamma * P_pi)
    P = np.array(mdp.P)
    P[:, :, ~mdp.nonterminal] = 0.0  # arriving at a terminal state ends the episode
    dP = np.einsum("sad,sat->sdt", policy.grad_probs(theta), P)  # dP_pi[s, :, t]
    grad = mdp.gamma * np.einsum("s,sdt,tx->xd", eta, dP, N)
    grad[~mdp.nonterminal] = 0.0
    return grad


def _undiscounted(mdp):
    return MDP(mdp.P, mdp.R, mdp.start, gamma=1.0, terminal=mdp.terminal,
               state_names=mdp.state_names, action_names=mdp.action_names)


def dropped_discount_direction(mdp, policy, theta):
    r"""The update direction with :math:`\gamma^t` dropped from the state weighting.

    .. math::
        \sum_s \bar\eta(s) \sum_a q_\pi(s,a)\,\nabla_\theta \pi(a|s,\theta),
        \qquad \bar\eta(s) = \sum_t \Pr(S_t = s)

    with discounted action values :math:`q_\pi` but *undiscounted* visits
    :math:`\bar\eta`. Sampled policy gradient methods that weight every time
    step equally follow this direction; with :math:`\gamma < 1` it is not
    :math:`\nabla J` (Thomas 2014; Nota & Thomas 2020 show it is not the
    gradient of any function). With :math:`\gamma = 1` it equals
    :func:`pgcore.policy_gradient`.

    Returns
    -------
    numpy.ndarray, shape (d,)

    Raises
    ------
    ValueError
        If the policy can stay forever in some state reachable from the start
        (the undiscounted visits would be infinite).

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore import policy_gradient
    >>> from pgcore.envs import random_mdp
    >>> from pgcore.policy import SoftmaxPolicy
    >>> mdp = random_mdp(3, 2, gamma=0.5, seed=0)
    >>> pol = SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    >>> th = np.zeros(pol.d)
    >>> bool(np.allclose(dropped_discount_direction(mdp, pol, th), policy_gradient(mdp, pol, th)))
    False
    """
    eta_bar = expected_visits(_undiscounted(mdp), policy.probs(theta))
    return eta_bar @ state_terms(mdp, policy, theta)


def corridor_switch_policy():
    r"""A two-parameter softmax policy for the short corridor that can see the switch.

    Preferences :math:`h(s, \text{left}) = 0` and
    :math:`h(s, \text{right}) = \theta_1 + \theta_2 [s = 1]`, i.e. features
    :math:`x(s, \text{left}) = (0, 0)` and
    :math:`x(s, \text{right}) = (1, [s = 1])`. So
    :math:`\pi(\text{right}|s) = \sigma(\theta_1)` in states 0 and 2 and
    :math:`\sigma(\theta_1 + \theta_2)` in the switched state 1. With
    :math:`\theta_2 = 0` it is the state-blind policy of
    :func:`pgcore.envs.corridor_policy` (up to which preference is fixed at 0).

    Returns
    -------
    SoftmaxPolicy
        With ``d = 2``, for :func:`pgcore.envs.short_corridor`.

    Examples
    --------
    >>> import numpy as np
    >>> pol = corridor_switch_policy()
    >>> np.round(pol.probs(np.array([0.0, -np.log(3.0)]))[:3, 1], 3)
    array([0.5 , 0.25, 0.5 ])
    """
    x = np.zeros((4, 2, 2))
    x[:, 1, 0] = 1.0  # right, every state
    x[1, 1, 1] = 1.0  # right, in the switched state only
    return SoftmaxPolicy(x)


def state_distribution_errors(mdp, pi, n_episodes, n_repeats=1, seed=None):
    r"""Largest error of the sampled on-policy distribution, for each sample size.

    For each ``n`` in ``n_episodes`` and each repeat, samples ``n`` episodes
    (:func:`pgcore.visit_counts`), turns the visit counts into a
    distribution :math:`\hat\mu = \text{counts} / \sum \text{counts}`, and
    returns :math:`\max_s |\hat\mu(s) - \mu(s)|` with :math:`\mu` from
    :func:`pgcore.state_distribution`. Undiscounted visits are counted, so
    compare with ``gamma = 1`` problems.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
    n_episodes : sequence of int
    n_repeats : int, default 1
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    numpy.ndarray, shape (len(n_episodes), n_repeats)

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> err = state_distribution_errors(short_corridor(), np.full((4, 2), 0.5), [10, 10_000], 3, seed=0)
    >>> err.shape, bool(err[1].max() < err[0].min())
    ((2, 3), True)
    """
    rng = np.random.default_rng(_seed(seed))  # a Generator passes through unchanged
    mu = state_distribution(mdp, pi)
    if np.ndim(n_episodes) != 1:
        raise TypeError(f"n_episodes must be a sequence of episode counts, got {n_episodes!r}")
    ns = [_positive_int(n, "each entry of n_episodes") for n in n_episodes]
    n_repeats = _positive_int(n_repeats, "n_repeats")
    allocation(f"state_distribution_errors(n_repeats={n_repeats}) with {len(ns)} counts", len(ns), n_repeats)
    out = np.empty((len(ns), n_repeats))
    for i, n in enumerate(ns):
        for r in range(n_repeats):
            counts = visit_counts(mdp, pi, n, seed=rng)
            out[i, r] = np.max(np.abs(counts / counts.sum() - mu))
    return out
