"""Temporal-difference learning from sampled experience (chapter 1).

The third tabular way to build a value table, next to dynamic programming
(:func:`pgcore.value_iteration`, which needs the model) and Monte Carlo
(:func:`pgcore.monte_carlo_q`, which waits for the end of each episode).
TD methods update an estimate after every step, from the next reward and
the current estimate of the next state's value (Sutton & Barto 2018,
chapter 6).

Both functions here walk episodes one step at a time in plain Python, so they
are meant for the book's small MDPs (tens of states, thousands of episodes).
"""

from __future__ import annotations

import numpy as np

from ._validate import MAX_ENTRIES, array, integer, real
from ._validate import seed as _seed
from .mdp import _require_mdp, check_policy, refuse_endless

__all__ = ["td0_values", "sarsa"]



def _step_size_fn(step_size):
    """A function ``n -> alpha`` of the number of updates ``n`` (1, 2, ...) of an entry."""
    if callable(step_size):
        return step_size
    alpha = real(step_size, "step_size")
    if not (np.isfinite(alpha) and 0.0 < alpha <= 1.0):
        raise ValueError(f"step_size must lie in (0, 1] or be a function of the visit count, got {step_size}")
    return lambda n: alpha


def _draw(cdf, rng):
    """One index from a vector of cumulative probabilities."""
    return min(int(np.searchsorted(cdf, rng.random(), side="right")), len(cdf) - 1)


def _start_state(mdp, rng):
    return _draw(np.cumsum(mdp.start), rng)


def td0_values(mdp, pi, n_episodes, step_size, seed=None, V0=None, max_steps=100_000):
    r"""TD(0) estimates of the state values :math:`v_\pi` from sampled episodes.

    After every step :math:`S_t, A_t \to R_{t+1}, S_{t+1}` of an episode that
    follows ``pi``,

    .. math::
        V(S_t) \leftarrow V(S_t) + \alpha \bigl[R_{t+1} + \gamma V(S_{t+1}) - V(S_t)\bigr],

    with :math:`V = 0` at terminal states (Sutton & Barto 2018, eq. 6.2).
    With step sizes :math:`\alpha_n = 1/n` (``n`` = number of updates of that
    state so far) the estimates converge to :math:`v_\pi` for the states the
    episodes keep visiting. Explained in chapter 1.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
    n_episodes : int
    step_size : float in (0, 1], or callable
        A constant :math:`\alpha`, or a function ``n -> alpha`` of the number
        ``n`` (1, 2, ...) of updates the state has received, e.g.
        ``lambda n: 1 / n``.
    seed : int or numpy.random.Generator, optional
    V0 : array_like, shape (S,), optional
        Initial estimates (default 0). Terminal entries are ignored.
    max_steps : int, default 100000
        An episode still running after this many steps raises ``RuntimeError``.

    Returns
    -------
    numpy.ndarray, shape (S,)
        Zero at terminal states.

    Examples
    --------
    A deterministic walk through the short corridor (right, left, right) needs
    three sweeps with :math:`\alpha = 1` to carry the values back from the
    goal:

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> pi = np.array([[0, 1], [1, 0], [0, 1], [0.5, 0.5]])
    >>> td0_values(short_corridor(), pi, 3, step_size=1.0, seed=0)
    array([-3., -2., -1.,  0.])
    """
    pi = check_policy(mdp, pi)
    n_episodes = integer(n_episodes, "n_episodes", minimum=0, maximum=MAX_ENTRIES)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    refuse_endless(mdp, pi, "an episode")
    rng = np.random.default_rng(_seed(seed))
    alpha = _step_size_fn(step_size)
    S = mdp.n_states
    V = np.zeros(S) if V0 is None else array(V0, "V0")
    if V.shape != (S,):
        raise ValueError(f"V0 must have shape ({S},), got {V.shape}")
    V[~mdp.nonterminal] = 0.0
    n_updates = np.zeros(S, dtype=int)
    cdf_pi, cdf_P = np.cumsum(pi, axis=1), np.cumsum(mdp.P, axis=2)
    nonterminal, R, gamma = mdp.nonterminal, mdp.R, mdp.gamma
    for _ in range(int(n_episodes)):
        s = _start_state(mdp, rng)
        t = 0
        while nonterminal[s]:
            if t >= max_steps:
                raise RuntimeError(f"an episode is still running after max_steps={max_steps} steps "
                                   f"(in state {mdp.state_names[s]}); the policy may never terminate")
            a = _draw(cdf_pi[s], rng)
            s2 = _draw(cdf_P[s, a], rng)
            n_updates[s] += 1
            V[s] += alpha(n_updates[s]) * (R[s, a] + gamma * V[s2] - V[s])
            s, t = s2, t + 1
    return V


def _epsilon_greedy_action(q_row, epsilon, rng):
    """An epsilon-greedy action from one row of Q, greedy ties broken at random."""
    if epsilon > 0.0 and rng.random() < epsilon:
        return int(rng.integers(len(q_row)))
    best = np.flatnonzero(q_row == q_row.max())
    return int(best[0]) if len(best) == 1 else int(best[rng.integers(len(best))])


def sarsa(mdp, n_episodes, step_size, epsilon, seed=None, Q0=None, max_steps=100_000):
    r"""Sarsa: on-policy TD control with an :math:`\varepsilon`-greedy policy.

    Acts :math:`\varepsilon`-greedily with respect to the current table ``Q``
    and, after every step :math:`S_t, A_t \to R_{t+1}, S_{t+1}, A_{t+1}`,

    .. math::
        Q(S_t, A_t) \leftarrow Q(S_t, A_t)
        + \alpha \bigl[R_{t+1} + \gamma Q(S_{t+1}, A_{t+1}) - Q(S_t, A_t)\bigr],

    with :math:`Q = 0` at terminal states (Sutton & Barto 2018, section 6.4).
    The policy is never represented on its own: it is read off ``Q`` at every
    step, which is the point chapter 1 makes about action-value methods.

    Parameters
    ----------
    mdp : MDP
    n_episodes : int
    step_size : float in (0, 1], or callable
        A constant :math:`\alpha`, or a function ``n -> alpha`` of the number
        ``n`` (1, 2, ...) of updates the pair :math:`(s, a)` has received.
    epsilon : float in [0, 1]
        Exploration rate: with probability :math:`\varepsilon` the action is
        uniform at random, otherwise greedy (ties broken at random), as in
        :func:`pgcore.epsilon_greedy_policy`.
    seed : int or numpy.random.Generator, optional
    Q0 : array_like, shape (S, A), optional
        Initial table (default 0). Terminal rows are ignored.
    max_steps : int, default 100000
        An episode still running after this many steps raises ``RuntimeError``.

    Returns
    -------
    Q : numpy.ndarray, shape (S, A)
        The learned table, zero at terminal states.
    returns : numpy.ndarray, shape (n_episodes,)
        The discounted return :math:`G_0` of each training episode.

    Examples
    --------
    With :math:`\varepsilon = 0` and a table that already prefers the right
    path through the short corridor, one episode with :math:`\alpha = 0.5`
    moves each visited entry half-way towards its target:

    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> Q0 = np.array([[-9.0, 0.0], [0.0, -9.0], [-9.0, 0.0], [0.0, 0.0]])
    >>> Q, G = sarsa(short_corridor(), 1, step_size=0.5, epsilon=0.0, Q0=Q0, seed=0)
    >>> Q[:3]
    array([[-9. , -0.5],
           [-0.5, -9. ],
           [-9. , -0.5]])
    >>> G
    array([-3.])
    """
    _require_mdp(mdp)
    n_episodes = integer(n_episodes, "n_episodes", minimum=0, maximum=MAX_ENTRIES)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    epsilon = real(epsilon, "epsilon")
    if not (0.0 <= float(epsilon) <= 1.0):
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    epsilon = float(epsilon)
    rng = np.random.default_rng(_seed(seed))
    alpha = _step_size_fn(step_size)
    S, A = mdp.n_states, mdp.n_actions
    Q = np.zeros((S, A)) if Q0 is None else array(Q0, "Q0", finite=False)
    if Q.shape != (S, A):
        raise ValueError(f"Q0 must have shape ({S}, {A}), got {Q.shape}")
    if not np.isfinite(Q).all():
        raise ValueError("Q0 must be finite")
    Q[~mdp.nonterminal] = 0.0
    n_updates = np.zeros((S, A), dtype=int)
    cdf_P = np.cumsum(mdp.P, axis=2)
    nonterminal, R, gamma = mdp.nonterminal, mdp.R, mdp.gamma
    returns = np.zeros(int(n_episodes))
    for i in range(int(n_episodes)):
        s = _start_state(mdp, rng)
        a = _epsilon_greedy_action(Q[s], epsilon, rng)
        G, discount, t = 0.0, 1.0, 0
        while nonterminal[s]:
            if t >= max_steps:
                raise RuntimeError(f"an episode is still running after max_steps={max_steps} steps "
                                   f"(in state {mdp.state_names[s]}); the greedy policy may loop")
            s2 = _draw(cdf_P[s, a], rng)
            a2 = _epsilon_greedy_action(Q[s2], epsilon, rng) if nonterminal[s2] else 0
            n_updates[s, a] += 1
            Q[s, a] += alpha(n_updates[s, a]) * (R[s, a] + gamma * Q[s2, a2] - Q[s, a])
            G += discount * R[s, a]
            discount *= gamma
            s, a, t = s2, a2, t + 1
        returns[i] = G
    return Q, returns
