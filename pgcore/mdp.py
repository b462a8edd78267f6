"""Finite episodic Markov decision processes and exact policy evaluation.

Everything here is a linear-algebra fact about one fixed policy: its values
(chapter 3, "The performance measure") and how often it visits each state
(chapter 5, "The policy gradient theorem"). Sampling versions of the same
quantities live here too, so the book can show the averages converging to the
exact numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import MAX_ENTRIES, array, index, integer, real
from ._validate import seed as _seed

__all__ = [
    "MDP",
    "check_policy",
    "evaluate",
    "expected_visits",
    "state_distribution",
    "Episodes",
    "sample_episodes",
    "visit_counts",
    "monte_carlo_returns",
]

_TOL = 1e-8


class MDP:
    r"""A finite episodic Markov decision process.

    Parameters
    ----------
    P : array_like, shape (S, A, S)
        ``P[s, a, s2]`` is the probability of moving to ``s2`` after taking
        action ``a`` in state ``s``. Each ``P[s, a]`` must be a probability
        distribution.
    R : array_like, shape (S, A)
        Expected reward for taking action ``a`` in state ``s``.
    start : array_like, shape (S,)
        Distribution of the first state :math:`S_0`.
    gamma : float, default 1.0
        Discount factor :math:`\gamma \in [0, 1]`.
    terminal : sequence of int, default ()
        Absorbing states: the episode ends on arrival, their value is 0, and
        their rows of ``P`` and ``R`` are ignored.
    state_names, action_names : sequence of str, optional
        Labels for display.

    Raises
    ------
    ValueError
        If shapes disagree, a probability is negative or not finite, a row of
        ``P`` or ``start`` does not sum to 1, ``gamma`` is outside [0, 1], or a
        terminal index is out of range. The message says which entry is wrong.

    Examples
    --------
    A two-state chain: from state 0 either action reaches the terminal state 1
    with reward 1.

    >>> import numpy as np
    >>> P = np.zeros((2, 2, 2)); P[:, :, 1] = 1.0
    >>> m = MDP(P, R=[[1.0, 1.0], [0.0, 0.0]], start=[1.0, 0.0], terminal=[1])
    >>> m.n_states, m.n_actions
    (2, 2)
    """

    def __init__(self, P, R, start, gamma=1.0, terminal=(), state_names=None,
                 action_names=None):
        P = array(P, "P", finite=False)
        R = array(R, "R", finite=False)
        start = array(start, "start", finite=False)
        if P.ndim != 3 or P.shape[0] != P.shape[2]:
            raise ValueError(f"P must have shape (S, A, S), got {P.shape}")
        S, A, _ = P.shape
        if S == 0 or A == 0:
            raise ValueError(f"an MDP needs at least one state and one action, got P.shape={P.shape}")
        if R.shape != (S, A):
            raise ValueError(f"R must have shape (S, A) = {(S, A)} to match P, got {R.shape}")
        if start.shape != (S,):
            raise ValueError(f"start must have shape (S,) = {(S,)} to match P, got {start.shape}")
        if not np.isfinite(P).all():
            s, a, s2 = np.argwhere(~np.isfinite(P))[0]
            raise ValueError(f"P[{s}, {a}, {s2}] = {P[s, a, s2]} is not a finite probability")
        if (P < 0).any():
            s, a, s2 = np.argwhere(P < 0)[0]
            raise ValueError(f"P[{s}, {a}, {s2}] = {P[s, a, s2]} is negative; probabilities must be >= 0")
        row = P.sum(axis=2)
        bad = np.argwhere(np.abs(row - 1.0) > 1e-6)
        if len(bad):
            s, a = bad[0]
            raise ValueError(
                f"P[{s}, {a}] sums to {row[s, a]:.6g}, not 1: each transition row "
                "must be a probability distribution over next states"
            )
        # Rows within the tolerance are renormalised, so the sampler and the
        # termination check see exact distributions.
        P = P / row[:, :, None]
        if not np.isfinite(R).all():
            s, a = np.argwhere(~np.isfinite(R))[0]
            raise ValueError(f"R[{s}, {a}] = {R[s, a]} is not a finite reward")
        if not np.isfinite(start).all() or (start < 0).any():
            raise ValueError(f"start must be non-negative and finite, got {start}")
        if abs(start.sum() - 1.0) > 1e-6:
            raise ValueError(f"start sums to {start.sum():.6g}, not 1: it must be a probability distribution")
        if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, (int, float, np.integer, np.floating)):
            raise TypeError(f"gamma must be a number in [0, 1], got {gamma!r}")
        gamma = float(gamma)
        if not (0.0 <= gamma <= 1.0):
            raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
        if isinstance(terminal, (str, bytes)) or not hasattr(terminal, "__iter__"):
            raise TypeError(f"terminal must be a sequence of state indices (e.g. [{terminal!r}]), "
                            f"got {terminal!r} (type {type(terminal).__name__})")
        term = []
        for t in terminal:
            ok = isinstance(t, (int, np.integer, float, np.floating)) and not isinstance(t, (bool, np.bool_))
            if not ok or t != int(t) or not (0 <= int(t) < S):
                raise ValueError(f"terminal state {t!r} is not a state index in 0..{S - 1}")
            term.append(int(t))
        self.terminal = tuple(sorted(set(term)))
        if self.terminal and start[list(self.terminal)].sum() > 1 - 1e-12:
            raise ValueError("start puts all its probability on terminal states: no episode would have a step")
        self.P, self.R, self.start, self.gamma = P, R, start, gamma
        self.state_names = list(state_names) if state_names is not None else [f"s{i}" for i in range(S)]
        self.action_names = list(action_names) if action_names is not None else [f"a{i}" for i in range(A)]
        if len(self.state_names) != S:
            raise ValueError(f"state_names has {len(self.state_names)} names for {S} states")
        if len(self.action_names) != A:
            raise ValueError(f"action_names has {len(self.action_names)} names for {A} actions")
        mask = np.ones(S, dtype=bool)
        mask[list(self.terminal)] = False
        self.nonterminal = mask
        for arr in (self.P, self.R, self.start):
            arr.setflags(write=False)

    @property
    def n_states(self):
        """Number of states S, terminal ones included."""
        return self.P.shape[0]

    @property
    def n_actions(self):
        """Number of actions A."""
        return self.P.shape[1]

    def __repr__(self):
        return (f"MDP(n_states={self.n_states}, n_actions={self.n_actions}, "
                f"gamma={self.gamma}, terminal={self.terminal})")

    # -- the Markov chain a policy induces ---------------------------------
    def chain(self, pi):
        r"""Transition matrix and expected reward of the chain under ``pi``.

        Returns ``(P_pi, r_pi)`` with :math:`P_\pi[s, s'] = \sum_a \pi(a|s) P[s,a,s']`
        and :math:`r_\pi[s] = \sum_a \pi(a|s) R[s,a]`. Rows of terminal states
        and columns into terminal states are zeroed: the episode stops there.
        """
        P_pi, r_pi, _ = self._chain(pi)
        return P_pi, r_pi

    def _chain(self, pi):
        """:meth:`chain` and the probability of moving from each state straight into a terminal state."""
        pi = check_policy(self, pi)
        P_pi = np.einsum("sa,sat->st", pi, self.P)
        r_pi = np.einsum("sa,sa->s", pi, self.R)
        P_pi[~self.nonterminal, :] = 0.0
        exits = P_pi[:, ~self.nonterminal].sum(axis=1)
        P_pi[:, ~self.nonterminal] = 0.0
        r_pi[~self.nonterminal] = 0.0
        return P_pi, r_pi, exits


def _require_mdp(mdp):
    if not isinstance(mdp, MDP):
        raise TypeError(f"mdp must be a pgcore.MDP, got {mdp!r:.60} (type {type(mdp).__name__})")
    return mdp


def check_policy(mdp, pi):
    """Validate a policy table and return it as a float array of shape (S, A).

    Raises
    ------
    ValueError
        If the shape does not match ``mdp``, an entry is negative or NaN, or a
        row does not sum to 1.
    """
    _require_mdp(mdp)
    pi = array(pi, "policy", finite=False)
    if pi.shape != (mdp.n_states, mdp.n_actions):
        raise ValueError(f"policy must have shape (S, A) = {(mdp.n_states, mdp.n_actions)}, got {pi.shape}")
    if not np.isfinite(pi).all():
        s, a = np.argwhere(~np.isfinite(pi))[0]
        raise ValueError(f"policy entry pi[{s}, {a}] = {pi[s, a]} is not a finite probability")
    if (pi < 0).any():
        s, a = np.argwhere(pi < 0)[0]
        raise ValueError(f"policy entry pi[{s}, {a}] = {pi[s, a]} is negative")
    sums = pi.sum(axis=1)
    bad = np.flatnonzero(np.abs(sums - 1.0) > 1e-6)
    if len(bad):
        raise ValueError(f"policy row for state {bad[0]} sums to {sums[bad[0]]:.6g}, not 1")
    return pi


def _trapped(mdp, P_pi, exits, states):
    """States in ``states``' reach from which the episode may never end.

    A state is safe when termination is certain from it: it cannot reach any
    state from which no terminal state is reachable. Returns the sorted list of
    unsafe non-terminal states reachable from ``states``.
    """
    # Exits: from s, a positive probability of moving straight to a terminal
    # state, read off the probabilities into terminal states (``exits``), not
    # as 1 - the mass kept, which loses exit probabilities below 1e-16.
    reaches_end = mdp.nonterminal & (exits > 0.0)
    adj = P_pi > 0.0
    can_end = reaches_end.copy()
    while True:  # backward reachability to an exit
        new = can_end | (adj & can_end[None, :]).any(axis=1)
        new &= mdp.nonterminal
        if (new == can_end).all():
            break
        can_end = new
    dead = mdp.nonterminal & ~can_end
    # anything that can reach a dead state is unsafe
    unsafe = dead.copy()
    while True:
        new = unsafe | (adj & unsafe[None, :]).any(axis=1)
        if (new == unsafe).all():
            break
        unsafe = new
    reach = _reachable(mdp, P_pi, states)
    return [int(s) for s in np.flatnonzero(unsafe & reach)], [int(s) for s in np.flatnonzero(dead & reach)]


def _reachable(mdp, P_pi, states):
    """Boolean mask of the non-terminal states reachable from ``states`` under ``P_pi``."""
    adj = P_pi > 0.0
    reach = np.zeros(mdp.n_states, dtype=bool)
    reach[states] = True
    reach &= mdp.nonterminal
    while True:
        new = reach | (adj & reach[:, None]).any(axis=0)
        if (new == reach).all():
            return reach
        reach = new


#: Longest expected episode (in steps) for which values are still computed
#: (the relative error of a solve grows like this length times 1e-16).
#: Beyond it, I - P_pi is so close to singular that a solve returns noise.
MAX_EXPECTED_STEPS = 1e11


def _check_terminates(mdp, P_pi, exits, states, what, always=False):
    """Raise ValueError if an episode from ``states`` can be trapped forever.

    Only matters for values when ``gamma = 1``; for sampling (``always=True``)
    an endless episode would hang whatever gamma is, so it is refused too.
    """
    if mdp.gamma < 1.0 and not always:
        return
    # Whether an episode can be trapped depends only on which transitions are
    # possible; cache the answer per support pattern (MDP arrays are read-only).
    key = ((P_pi > 0).tobytes(), (exits > 0).tobytes(), tuple(int(s) for s in states))
    cache = mdp.__dict__.setdefault("_trap_cache", {})
    if key not in cache:
        if len(cache) > 256:
            cache.clear()
        cache[key] = _trapped(mdp, P_pi, exits, states)
    unsafe, dead = cache[key]
    if unsafe:
        names = ", ".join(mdp.state_names[s] for s in dead)
        if always:
            raise ValueError(
                f"this policy can be trapped forever in state(s) {names} (indices {dead}): from there "
                f"no terminal state can be reached, so {what} would never end. Give every action a "
                "positive probability (a softmax policy does), or change the MDP.")
        raise ValueError(
            f"with gamma = 1 this policy can be trapped forever in state(s) {names} "
            f"(indices {dead}): from there no terminal state is ever reached, so {what} "
            "is not finite. Make every action possible (a softmax policy does) or use gamma < 1."
        )


def refuse_endless(mdp, pi, what="an episode", start_state=None, first_action=None):
    """Raise ValueError, before any sampling, if an episode under ``pi`` can run forever.

    The episodes start from ``mdp.start`` (or ``start_state``, taking
    ``first_action`` first). Decided from which transitions are possible, so
    it costs a few matrix products, not a sampled episode.
    """
    _require_mdp(mdp)
    P_pi, _, exits = mdp._chain(pi)
    if start_state is None:
        starts = np.flatnonzero((mdp.start > 0) & mdp.nonterminal)
    elif first_action is None:
        starts = np.array([start_state])
    else:
        starts = np.flatnonzero((mdp.P[start_state, first_action] > 0) & mdp.nonterminal)
    starts = starts[mdp.nonterminal[starts]]
    if starts.size:
        _check_terminates(mdp, P_pi, exits, starts, what, always=True)


def evaluate(mdp, pi):
    r"""Exact state and action values of a policy, by one linear solve.

    Solves the Bellman equations :math:`v = r_\pi + \gamma P_\pi v` as
    :math:`(I - \gamma P_\pi) v = r_\pi`, then
    :math:`q(s,a) = R(s,a) + \gamma \sum_{s'} P(s'|s,a) v(s')`. Terminal states
    have value 0. Explained in chapter 3.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
        Action probabilities :math:`\pi(a|s)`.

    Returns
    -------
    V : numpy.ndarray, shape (S,)
    Q : numpy.ndarray, shape (S, A)

    Raises
    ------
    ValueError
        If ``pi`` is not a valid policy, or (with ``gamma = 1``) the policy can
        stay forever in some states; the message names them.

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> V, Q = evaluate(short_corridor(), np.full((4, 2), 0.5))
    >>> np.round(V, 3)
    array([-12., -10.,  -6.,   0.])
    """
    _require_mdp(mdp)
    P_pi, r_pi, exits = mdp._chain(pi)
    _check_terminates(mdp, P_pi, exits, np.arange(mdp.n_states), "the value")
    S = mdp.n_states
    # One solve for the values and for L(s), the expected (discounted) number
    # of steps left: L bounds the condition number of I - gamma P_pi, so a
    # policy that almost never ends is reported instead of returning noise.
    rhs = np.column_stack([r_pi, mdp.nonterminal.astype(float)])
    with np.errstate(all="ignore"):
        sol = np.linalg.solve(np.eye(S) - mdp.gamma * P_pi, rhs)
    V, L = sol[:, 0], sol[:, 1]
    _check_length(mdp, L, "the value")
    V[~mdp.nonterminal] = 0.0
    Q = mdp.R + mdp.gamma * np.einsum("sat,t->sa", mdp.P, V)
    Q[~mdp.nonterminal] = 0.0
    if not (np.isfinite(V).all() and np.isfinite(Q).all()):  # pragma: no cover - guarded above
        raise ValueError("policy evaluation produced non-finite values")
    return V, Q


def expected_visits(mdp, pi):
    r"""Expected (discounted) number of visits to each state in one episode.

    .. math:: \eta(s) = \sum_{t=0}^{\infty} \gamma^t \Pr(S_t = s)

    solved as :math:`\eta^\top (I - \gamma P_\pi) = \text{start}^\top`. With
    :math:`\gamma = 1`, :math:`\sum_s \eta(s)` is the expected episode length.
    Terminal states get 0. Explained in chapter 5.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)

    Returns
    -------
    numpy.ndarray, shape (S,)

    Raises
    ------
    ValueError
        If (with ``gamma = 1``) an episode can be trapped forever in states
        reachable from the start.

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> np.round(expected_visits(short_corridor(), np.full((4, 2), 0.5)), 3)
    array([6., 4., 2., 0.])
    """
    _require_mdp(mdp)
    P_pi, _, exits = mdp._chain(pi)
    start = mdp.start.copy()
    start[~mdp.nonterminal] = 0.0
    _check_terminates(mdp, P_pi, exits, np.flatnonzero(start > 0), "the expected episode length")
    # States the episode never reaches have eta = 0. Dropping their outgoing
    # transitions keeps I - gamma P_pi invertible even when (with gamma = 1)
    # such a state could loop forever, which is allowed here.
    P_pi[~_reachable(mdp, P_pi, np.flatnonzero(start > 0))] = 0.0
    S = mdp.n_states
    with np.errstate(all="ignore"):
        eta = np.linalg.solve((np.eye(S) - mdp.gamma * P_pi).T, start)
    eta[~mdp.nonterminal] = 0.0
    if not np.isfinite(eta).all() or eta.min() < -1e-6 * max(1.0, np.abs(eta).max()):
        _check_length(mdp, np.full(S, np.inf), "the expected episode length")
    _check_length(mdp, np.array([eta.sum()]), "the expected episode length", states=["the start"])
    return np.clip(eta, 0.0, None)


def _check_length(mdp, L, what, states=None):
    """Raise if expected episode lengths ``L`` are too long (or garbage) to trust a solve."""
    bad = ~np.isfinite(L) | (L > MAX_EXPECTED_STEPS) | (L < -1e-6)
    if mdp.gamma < 1.0 or not bad.any():
        return
    if states is None:
        idx = np.flatnonzero(bad & mdp.nonterminal) if (bad & mdp.nonterminal).any() else np.flatnonzero(bad)
        where = "state(s) " + ", ".join(mdp.state_names[s] for s in idx[:5])
    else:
        where = states[0]
    longest = np.nanmax(np.where(np.isfinite(L), np.abs(L), np.inf))
    raise ValueError(
        f"with gamma = 1 episodes from {where} are expected to last about {longest:.3g} steps "
        f"(more than {MAX_EXPECTED_STEPS:.0e}): the policy is so close to one that never ends "
        f"that {what} cannot be computed reliably. Keep the preferences moderate or use gamma < 1."
    )


def state_distribution(mdp, pi):
    r"""The on-policy distribution :math:`\mu(s) = \eta(s) / \sum_{s'} \eta(s')`.

    The fraction of (discounted) time steps spent in each state.

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> np.round(state_distribution(short_corridor(), np.full((4, 2), 0.5)), 3)
    array([0.5  , 0.333, 0.167, 0.   ])
    """
    eta = expected_visits(mdp, pi)
    return eta / eta.sum()


@dataclass(frozen=True)
class Episodes:
    """Results of :func:`sample_episodes`.

    Attributes
    ----------
    returns : numpy.ndarray, shape (n_episodes,)
        Discounted return :math:`G_0 = \\sum_t \\gamma^t R_{t+1}` of each episode.
    visits : numpy.ndarray, shape (n_episodes, S)
        Number of visits to each state in each episode (undiscounted).
    discounted_visits : numpy.ndarray, shape (n_episodes, S)
        Visits weighted by :math:`\\gamma^t`.
    lengths : numpy.ndarray, shape (n_episodes,)
        Number of steps in each episode.
    """

    returns: np.ndarray
    visits: np.ndarray
    discounted_visits: np.ndarray
    lengths: np.ndarray



def _sample_rows(cdf_rows, rng):
    """Sample one index per row from rows of cumulative probabilities."""
    u = rng.random(cdf_rows.shape[0])[:, None]
    idx = (u >= cdf_rows).sum(axis=1)
    return np.minimum(idx, cdf_rows.shape[1] - 1)


def sample_episodes(mdp, pi, n_episodes, seed=None, max_steps=100_000,
                    start_state=None, first_action=None):
    """Sample whole episodes under ``pi``, all episodes advancing together.

    Parameters
    ----------
    mdp : MDP
    pi : array_like, shape (S, A)
    n_episodes : int
    seed : int or numpy.random.Generator, optional
    max_steps : int, default 100000
        Guard against episodes that never end: if any episode is still running
        after this many steps, ``RuntimeError`` is raised.
    start_state : int, optional
        Start every episode here instead of sampling from ``mdp.start``.
    first_action : int, optional
        Take this action at time 0 (the rest follow ``pi``), as needed for
        Monte Carlo estimates of ``q(s, a)``.

    Returns
    -------
    Episodes

    Raises
    ------
    RuntimeError
        If an episode has not ended after ``max_steps`` steps.

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> ep = sample_episodes(short_corridor(), np.full((4, 2), 0.5), 4000, seed=0)
    >>> bool(abs(ep.returns.mean() - (-12.0)) < 1.0)
    True
    """
    pi = check_policy(mdp, pi)
    n = integer(n_episodes, "n_episodes", minimum=1, maximum=MAX_ENTRIES)
    max_steps = integer(max_steps, "max_steps", minimum=1)
    S, A = mdp.n_states, mdp.n_actions
    if start_state is not None:
        start_state = index(start_state, "start_state", S)
    if first_action is not None:
        first_action = index(first_action, "first_action", A)
    refuse_endless(mdp, pi, "an episode", start_state, first_action)
    rng = np.random.default_rng(_seed(seed))
    cdf_pi = np.cumsum(pi, axis=1)
    cdf_P = np.cumsum(mdp.P, axis=2)
    if start_state is None:
        s = _sample_rows(np.broadcast_to(np.cumsum(mdp.start), (n, S)), rng)
    else:
        s = np.full(n, start_state)
    G = np.zeros(n)
    visits = np.zeros((n, S))
    dvisits = np.zeros((n, S))
    lengths = np.zeros(n, dtype=int)
    alive = mdp.nonterminal[s].copy()
    discount = np.ones(n)
    rows = np.arange(n)
    t = 0
    while alive.any():
        if t >= max_steps:
            stuck = np.unique(s[alive])
            names = ", ".join(mdp.state_names[i] for i in stuck)
            raise RuntimeError(
                f"{int(alive.sum())} episode(s) still running after max_steps={max_steps} steps "
                f"(last seen in state(s) {names}); the policy may never terminate"
            )
        idx = rows[alive]
        st = s[idx]
        if t == 0 and first_action is not None:
            a = np.full(len(idx), first_action)
        else:
            a = _sample_rows(cdf_pi[st], rng)
        visits[idx, st] += 1
        dvisits[idx, st] += discount[idx]
        G[idx] += discount[idx] * mdp.R[st, a]
        s2 = _sample_rows(cdf_P[st, a], rng)
        s[idx] = s2
        lengths[idx] += 1
        discount[idx] *= mdp.gamma
        alive[idx] = mdp.nonterminal[s2]
        t += 1
    return Episodes(G, visits, dvisits, lengths)


def visit_counts(mdp, pi, n_episodes, seed=None, max_steps=100_000, discounted=False):
    r"""Visits to each state, summed over ``n_episodes`` sampled episodes.

    The Monte Carlo view of :math:`\eta` and :math:`\mu`: divided by
    ``n_episodes`` it estimates :func:`expected_visits` (with
    ``discounted=True``, or any ``discounted`` when ``gamma = 1``); divided by
    its sum it estimates :func:`state_distribution`.

    Raises
    ------
    RuntimeError
        If an episode is still running after ``max_steps`` steps.

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> counts = visit_counts(short_corridor(), np.full((4, 2), 0.5), 2000, seed=1)
    >>> np.round(counts / counts.sum(), 2)
    array([0.5 , 0.33, 0.17, 0.  ])
    """
    ep = sample_episodes(mdp, pi, n_episodes, seed=seed, max_steps=max_steps)
    return (ep.discounted_visits if discounted else ep.visits).sum(axis=0)


def monte_carlo_returns(mdp, pi, n_episodes, seed=None, max_steps=100_000,
                        start_state=None, first_action=None):
    """Discounted returns :math:`G_0` of ``n_episodes`` sampled episodes.

    Their mean estimates :math:`v_\\pi` of the start distribution (or
    :math:`q_\\pi(s, a)` with ``start_state=s, first_action=a``).

    Examples
    --------
    >>> from pgcore.envs import short_corridor
    >>> import numpy as np
    >>> G = monte_carlo_returns(short_corridor(), np.full((4, 2), 0.5), 1000, seed=0)
    >>> G.shape
    (1000,)
    """
    return sample_episodes(mdp, pi, n_episodes, seed=seed, max_steps=max_steps,
                           start_state=start_state, first_action=first_action).returns
