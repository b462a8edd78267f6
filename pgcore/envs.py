"""Small environments used in the book, each an :class:`pgcore.MDP`."""

from __future__ import annotations

import numpy as np
from ._validate import allocation, array, finite_result, integer, real
from ._validate import seed as _seed

from .mdp import MDP
from .policy import SoftmaxPolicy

__all__ = [
    "short_corridor",
    "corridor_policy",
    "corridor_theta",
    "corridor_performance",
    "bandit",
    "gridworld",
    "wall_gridworld",
    "random_mdp",
]

LEFT, RIGHT = 0, 1


def short_corridor():
    """Sutton & Barto's short corridor with switched actions (Example 13.1).

    States 0, 1, 2 and the terminal state 3; actions 0 = left, 1 = right.
    In states 0 and 2 the actions do what they say (left in state 0 stays put);
    in state 1 they are switched. Every step costs -1, ``gamma = 1``, and
    episodes start in state 0. With features that cannot tell the states
    apart (:func:`corridor_policy`) the best policy is stochastic.

    Examples
    --------
    >>> m = short_corridor()
    >>> m.n_states, m.n_actions, m.terminal
    (4, 2, (3,))
    """
    P = np.zeros((4, 2, 4))
    P[0, LEFT, 0] = 1.0
    P[0, RIGHT, 1] = 1.0
    P[1, LEFT, 2] = 1.0  # switched
    P[1, RIGHT, 0] = 1.0  # switched
    P[2, LEFT, 1] = 1.0
    P[2, RIGHT, 3] = 1.0
    P[3, :, 3] = 1.0
    R = -np.ones((4, 2))
    R[3] = 0.0
    return MDP(P, R, start=[1.0, 0, 0, 0], gamma=1.0, terminal=[3],
               state_names=["S", "switched", "right of switch", "G"],
               action_names=["left", "right"])


def corridor_policy():
    """The corridor's softmax policy with state-blind features.

    ``x(s, left) = [1, 0]`` and ``x(s, right) = [0, 1]`` in every state, so
    ``theta = [h(left), h(right)]`` and the probability of right,
    ``p = softmax(theta)[1]``, is the same in every state (Sutton & Barto 2018,
    Example 13.1 use the same features in the other order).

    Examples
    --------
    >>> import numpy as np
    >>> pol = corridor_policy()
    >>> np.round(pol.probs(np.array([0.0, np.log(3.0)]))[0], 3)
    array([0.25, 0.75])
    """
    x = np.zeros((4, 2, 2))
    x[:, LEFT, 0] = 1.0
    x[:, RIGHT, 1] = 1.0
    return SoftmaxPolicy(x)


def corridor_theta(p):
    """Parameters of :func:`corridor_policy` whose probability of right is ``p``.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(corridor_policy().probs(corridor_theta(0.3))[0], 3)
    array([0.7, 0.3])
    """
    p = float(p)
    if not (0.0 < p < 1.0):
        raise ValueError(f"p must lie strictly between 0 and 1, got {p}")
    return np.array([0.0, np.log(p / (1.0 - p))])


def corridor_performance(p):
    r"""Closed form :math:`J(p) = (2p - 4) / (p (1 - p))` of the short corridor.

    ``p`` is the probability of right in every state. Obtained by solving the
    three Bellman equations by hand (chapter 3). Accepts arrays.

    Examples
    --------
    >>> round(float(corridor_performance(0.5)), 6)
    -12.0
    """
    p = array(p, "p")
    if ((p <= 0) | (p >= 1)).any():
        raise ValueError("p must lie strictly between 0 and 1: at 0 or 1 the episode never ends")
    with np.errstate(over="ignore", divide="ignore"):
        J = (2 * p - 4) / (p * (1 - p))
    return finite_result(J, "the performances", "p is so close to 0 or 1 that J overflows float64")


def bandit(means):
    """A k-armed bandit as a one-step MDP.

    State 0 is the only decision; every action ends the episode (terminal
    state 1) with expected reward ``means[a]``.

    Examples
    --------
    >>> m = bandit([0.2, 1.0, -0.5])
    >>> m.n_states, m.n_actions
    (2, 3)
    """
    means = array(means, "means", finite=False)
    if means.ndim != 1 or means.size < 1:
        raise ValueError("means must be a non-empty 1-D array")
    if means.size > 2**20:
        # one action (and one name) per arm; more would take long to build and is never needed here
        raise ValueError(f"means must hold at most 2**20 = 1048576 arms, got {means.size}")
    k = means.size
    P = np.zeros((2, k, 2))
    P[:, :, 1] = 1.0
    R = np.zeros((2, k))
    R[0] = means
    return MDP(P, R, start=[1.0, 0.0], terminal=[1], state_names=["s", "end"],
               action_names=[f"A{i + 1}" for i in range(k)])


_MOVES = {"up": (-1, 0), "right": (0, 1), "down": (1, 0), "left": (0, -1)}


def gridworld(n_rows=3, n_cols=4, start=None, goal=None, walls=(), slip=0.0, gamma=1.0):
    """A small gridworld: reach the goal; every step costs -1.

    Cells are numbered row by row, ``s = row * n_cols + col``; the goal is the
    terminal state. Wall cells are listed in ``terminal`` too, so they get
    value 0 and no visits (no move ever enters them). Actions 0..3 are up, right, down, left; a move into the
    edge or a wall leaves the agent where it is. With probability ``slip``
    the move is replaced by one of the four chosen uniformly at random.

    Parameters
    ----------
    n_rows, n_cols : int
    start : (row, col), default bottom-left
    goal : (row, col), default top-right
    walls : sequence of (row, col)
    slip : float in [0, 1)
    gamma : float

    Examples
    --------
    >>> m = gridworld()
    >>> m.n_states, m.n_actions, m.terminal
    (12, 4, (3,))
    """
    n_rows = integer(n_rows, "n_rows")
    n_cols = integer(n_cols, "n_cols")
    if n_rows < 1 or n_cols < 1 or n_rows * n_cols < 2:
        raise ValueError("the grid needs at least two cells")
    allocation(f"gridworld(n_rows={n_rows}, n_cols={n_cols}): its transition table",
               n_rows * n_cols, 4, n_rows * n_cols)
    slip = real(slip, "slip")
    if not (0.0 <= slip < 1.0):
        raise ValueError(f"slip must lie in [0, 1), got {slip}")
    start = (n_rows - 1, 0) if start is None else tuple(start)
    goal = (0, n_cols - 1) if goal is None else tuple(goal)
    walls = {tuple(w) for w in walls}
    for name, cell in [("start", start), ("goal", goal), *[("wall", w) for w in walls]]:
        if not (0 <= cell[0] < n_rows and 0 <= cell[1] < n_cols):
            raise ValueError(f"{name} {cell} is outside the {n_rows}x{n_cols} grid")
    if start in walls or goal in walls or start == goal:
        raise ValueError("start and goal must be distinct cells that are not walls")
    S, A = n_rows * n_cols, 4
    idx = lambda r, c: r * n_cols + c  # noqa: E731
    det = np.zeros((S, A, S))
    for r in range(n_rows):
        for c in range(n_cols):
            s = idx(r, c)
            for a, (dr, dc) in enumerate(_MOVES.values()):
                r2, c2 = r + dr, c + dc
                if not (0 <= r2 < n_rows and 0 <= c2 < n_cols) or (r2, c2) in walls:
                    r2, c2 = r, c
                det[s, a, idx(r2, c2)] = 1.0
    P = (1 - slip) * det + slip * det.mean(axis=1, keepdims=True)
    R = -np.ones((S, A))
    g = idx(*goal)
    terminal = [g] + [idx(*w) for w in walls]
    R[terminal] = 0.0
    P[terminal] = np.eye(S)[terminal][:, None, :]
    s0 = np.zeros(S)
    s0[idx(*start)] = 1.0
    names = [f"({r},{c})" for r in range(n_rows) for c in range(n_cols)]
    return MDP(P, R, s0, gamma=gamma, terminal=terminal, state_names=names,
               action_names=list(_MOVES))


def wall_gridworld():
    """Chapter 9's gridworld: 4 x 4 with a wall of three cells, slip 0.1, gamma 0.95.

    ``gridworld(4, 4, walls=[(1, 1), (1, 2), (2, 2)], slip=0.1, gamma=0.95)``:
    start bottom-left (3, 0) = state 12, goal top-right (0, 3) = state 3,
    every step costs -1. The shortest path takes 6 steps (up the left edge and
    along the top, or along the bottom and up the right edge); with slip a
    move goes in a random direction one time in ten (2.5% each, the intended
    one included).

    ::

        . . . G
        . # # .
        . . # .
        S . . .

    Examples
    --------
    >>> m = wall_gridworld()
    >>> m.n_states, m.n_actions, m.terminal, m.gamma
    (16, 4, (3, 5, 6, 10), 0.95)
    """
    return gridworld(4, 4, walls=[(1, 1), (1, 2), (2, 2)], slip=0.1, gamma=0.95)


def random_mdp(n_states=5, n_actions=3, gamma=1.0, seed=None, exit_prob=(0.05, 0.3)):
    """A random episodic MDP for tests and demonstrations.

    ``n_states`` non-terminal states plus one terminal state (the last
    index). From every state-action pair the episode ends with a probability
    drawn from ``exit_prob``, so every policy terminates. Rewards are standard
    normal; the start distribution is random.

    Examples
    --------
    >>> m = random_mdp(4, 2, seed=0)
    >>> m.n_states, m.terminal
    (5, (4,))
    """
    rng = np.random.default_rng(_seed(seed))  # a Generator passes through unchanged
    S = integer(n_states, "n_states", minimum=1)
    A = integer(n_actions, "n_actions", minimum=1)
    allocation(f"random_mdp(n_states={S}, n_actions={A}): its transition table", S + 1, A, S + 1)
    gamma = real(gamma, "gamma", minimum=0.0, maximum=1.0)
    ex = array(exit_prob, "exit_prob", shape=(2,))
    lo, hi = float(ex[0]), float(ex[1])
    if not (0.0 <= lo <= hi <= 1.0) or hi == 0.0:
        raise ValueError(f"exit_prob must be (low, high) with 0 <= low <= high <= 1 and high > 0 (every "
                         f"policy must be able to end), got {tuple(exit_prob)!r}")
    P = np.zeros((S + 1, A, S + 1))
    stay = rng.dirichlet(np.ones(S), size=(S, A))
    q = rng.uniform(lo, hi, size=(S, A))
    P[:S, :, :S] = (1 - q)[:, :, None] * stay
    P[:S, :, S] = q
    P[S, :, S] = 1.0
    R = np.zeros((S + 1, A))
    R[:S] = rng.standard_normal((S, A))
    start = np.zeros(S + 1)
    start[:S] = rng.dirichlet(np.ones(S))
    return MDP(P, R, start, gamma=gamma, terminal=[S])
