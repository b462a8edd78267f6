"""Action-value methods: the classic recipe the book moves past (chapter 1).

Optimal action values by value iteration, greedy and epsilon-greedy policies
derived from a Q table, and Monte Carlo estimates of q_pi from sampled returns.
"""

from __future__ import annotations

import numpy as np

from ._validate import MAX_ENTRIES, array, integer, real
from ._validate import seed as _seed
from .mdp import check_policy, monte_carlo_returns, refuse_endless

__all__ = [
    "value_iteration",
    "greedy_policy",
    "epsilon_greedy_policy",
    "monte_carlo_q",
]


def value_iteration(mdp, tol=1e-10, max_iter=100_000):
    r"""Optimal action values :math:`q_*` by value iteration (dynamic programming).

    Repeats :math:`q(s,a) \leftarrow R(s,a) + \gamma \sum_{s'} P(s'|s,a)\max_{a'} q(s',a')`
    from :math:`q = 0` until the largest change is below ``tol``.

    Returns
    -------
    q_star : numpy.ndarray, shape (S, A)
    v_star : numpy.ndarray, shape (S,)

    Raises
    ------
    RuntimeError
        If the values have not settled after ``max_iter`` sweeps (with
        ``gamma = 1`` this happens when no policy reaches a terminal state
        from some state).

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> q, v = value_iteration(short_corridor())
    >>> v
    array([-3., -2., -1.,  0.])
    """
    nt = mdp.nonterminal
    v = np.zeros(mdp.n_states)
    for _ in range(int(max_iter)):
        q = mdp.R + mdp.gamma * np.einsum("sat,t->sa", mdp.P, v)
        q[~nt] = 0.0
        v_new = q.max(axis=1)
        if np.max(np.abs(v_new - v)) < tol:
            return q, v_new
        v = v_new
    raise RuntimeError(f"value iteration did not converge in {max_iter} sweeps")


def greedy_policy(Q):
    """The greedy policy of a Q table, ties split evenly, shape (S, A).

    Values within 1e-12 of a row's maximum count as tied.

    Examples
    --------
    >>> greedy_policy([[1.0, 2.0], [3.0, 3.0]])
    array([[0. , 1. ],
           [0.5, 0.5]])
    """
    Q = array(Q, "Q", finite=False)
    if Q.ndim != 2 or 0 in Q.shape or np.isnan(Q).any():
        raise ValueError(f"Q must be a 2-D array of numbers (no NaN) with at least one state and action, "
                         f"got shape {Q.shape}")
    best = np.isclose(Q, Q.max(axis=1, keepdims=True), rtol=0, atol=1e-12)
    return best / best.sum(axis=1, keepdims=True)


def epsilon_greedy_policy(Q, epsilon):
    r"""The :math:`\varepsilon`-greedy policy of a Q table.

    With probability :math:`1-\varepsilon` take a greedy action, otherwise an
    action chosen uniformly at random (which may also be the greedy one), so a
    greedy action gets :math:`1 - \varepsilon + \varepsilon/|A|`.

    Examples
    --------
    >>> epsilon_greedy_policy([[0.0, 1.0]], 0.1)
    array([[0.05, 0.95]])
    """
    if isinstance(epsilon, float) and np.isnan(epsilon):
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    epsilon = real(epsilon, "epsilon")
    if not (0.0 <= epsilon <= 1.0):
        raise ValueError(f"epsilon must lie in [0, 1], got {epsilon}")
    G = greedy_policy(Q)
    return (1 - epsilon) * G + epsilon / G.shape[1]


def monte_carlo_q(mdp, pi, n_episodes, seed=None, max_steps=100_000):
    r"""Monte Carlo estimates of :math:`q_\pi(s,a)` from sampled returns.

    For every non-terminal state-action pair, ``n_episodes`` episodes start in
    ``s`` with action ``a`` and then follow ``pi``; the estimate is the mean
    return and the standard error is its sample standard deviation over
    :math:`\sqrt{n}`.

    Returns
    -------
    Q_hat, stderr : numpy.ndarray, shape (S, A)
        Zero at terminal states.

    Examples
    --------
    >>> import numpy as np
    >>> from pgcore.envs import short_corridor
    >>> Q_hat, se = monte_carlo_q(short_corridor(), np.full((4, 2), 0.5), 2000, seed=0)
    >>> bool(abs(Q_hat[2, 1] - (-1.0)) < 1e-12)
    True
    """
    pi = check_policy(mdp, pi)
    # a standard error needs two returns (one gives 0/0 = NaN)
    n_episodes = integer(n_episodes, "n_episodes", minimum=2, maximum=MAX_ENTRIES)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    refuse_endless(mdp, pi, "an episode")
    rng = np.random.default_rng(_seed(seed))  # a Generator passes through unchanged
    Q_hat = np.zeros((mdp.n_states, mdp.n_actions))
    se = np.zeros_like(Q_hat)
    for s in np.flatnonzero(mdp.nonterminal):
        for a in range(mdp.n_actions):
            G = monte_carlo_returns(mdp, pi, n_episodes, seed=rng, max_steps=max_steps,
                                    start_state=s, first_action=a)
            Q_hat[s, a] = G.mean()
            se[s, a] = G.std(ddof=1) / np.sqrt(len(G))
    return Q_hat, se
