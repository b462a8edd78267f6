"""Value iteration, greedy and epsilon-greedy policies, Monte Carlo action values."""

from collections import deque

import numpy as np
import pytest

from pgcore import (
    epsilon_greedy_policy,
    evaluate,
    expected_visits,
    greedy_policy,
    monte_carlo_q,
    value_iteration,
)
from pgcore import envs

N_SE = 5


def bfs_distances(n_rows, n_cols, goal, walls):
    """Shortest number of moves from every cell to the goal, by breadth-first search.

    Independent of pgcore: works on coordinates, not on the transition array.
    Unreachable cells and walls get None.
    """
    walls = set(walls)
    dist = {goal: 0}
    todo = deque([goal])
    while todo:
        r, c = todo.popleft()
        for dr, dc in ((-1, 0), (1, 0), (0, -1), (0, 1)):
            nb = (r + dr, c + dc)
            if 0 <= nb[0] < n_rows and 0 <= nb[1] < n_cols and nb not in walls and nb not in dist:
                dist[nb] = dist[(r, c)] + 1
                todo.append(nb)
    return [[dist.get((r, c)) for c in range(n_cols)] for r in range(n_rows)]


GRIDS = [
    dict(n_rows=3, n_cols=4),
    dict(n_rows=3, n_cols=4, walls=[(1, 1)]),
    dict(n_rows=4, n_cols=5, walls=[(0, 1), (1, 1), (2, 1), (2, 3), (3, 3)], goal=(0, 4)),
    dict(n_rows=5, n_cols=5, walls=[(1, 0), (1, 1), (1, 2), (1, 3), (3, 1), (3, 2), (3, 3), (3, 4)],
         start=(4, 0), goal=(0, 0)),
    dict(n_rows=1, n_cols=6, start=(0, 0), goal=(0, 5)),
]


# --------------------------------------------------------------------------
# value iteration
# --------------------------------------------------------------------------
def test_value_iteration_corridor_with_full_observability():
    m = envs.short_corridor()
    q, v = value_iteration(m)
    np.testing.assert_array_equal(v, [-3.0, -2.0, -1.0, 0.0])
    np.testing.assert_array_equal(q, [[-4, -3], [-2, -4], [-3, -1], [0, 0]])
    # the greedy policy (right, left, right) reaches the goal in 3 steps
    pi = greedy_policy(q)
    np.testing.assert_array_equal(pi[:3], [[0, 1], [1, 0], [0, 1]])
    V, _ = evaluate(m, pi)
    np.testing.assert_array_equal(V, v)
    # ... far better than the best state-blind policy, J* = -11.66
    assert v[0] > envs.corridor_performance(2 - np.sqrt(2))


@pytest.mark.parametrize("kw", GRIDS)
def test_value_iteration_gridworld_is_minus_shortest_path(kw):
    m = envs.gridworld(**kw)
    q, v = value_iteration(m)
    n_rows, n_cols = kw["n_rows"], kw["n_cols"]
    dist = bfs_distances(n_rows, n_cols, kw.get("goal", (0, n_cols - 1)), kw.get("walls", ()))
    for r in range(n_rows):
        for c in range(n_cols):
            s = r * n_cols + c
            if dist[r][c] is None:  # a wall: terminal, never entered
                assert s in m.terminal and v[s] == 0.0
            else:
                assert v[s] == -dist[r][c], (r, c)
    # the greedy policy of q* is optimal: it attains v* exactly
    V, _ = evaluate(m, greedy_policy(q))
    np.testing.assert_allclose(V, v, rtol=0, atol=1e-9)


@pytest.mark.parametrize("gamma", [0.5, 0.9])
def test_value_iteration_discounted_gridworld(gamma):
    kw = GRIDS[2]
    m = envs.gridworld(**kw, gamma=gamma)
    _, v = value_iteration(m)
    dist = bfs_distances(kw["n_rows"], kw["n_cols"], kw["goal"], kw["walls"])
    for r in range(kw["n_rows"]):
        for c in range(kw["n_cols"]):
            if dist[r][c] is not None:
                d = dist[r][c]
                expected = -(1 - gamma**d) / (1 - gamma)  # -1 - gamma - ... - gamma^(d-1)
                assert v[r * kw["n_cols"] + c] == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize("slip", [0.1, 0.4])
def test_value_iteration_slippery_gridworld_satisfies_bellman_optimality(slip):
    kw = GRIDS[1]
    m = envs.gridworld(**kw, slip=slip)
    q, v = value_iteration(m, tol=1e-12)
    nt = m.nonterminal
    backup = (m.R + m.P @ v).max(axis=1)
    np.testing.assert_allclose(v[nt], backup[nt], rtol=0, atol=1e-9)
    np.testing.assert_allclose(v, q.max(axis=1), rtol=0, atol=0)
    # slipping can only cost steps
    dist = bfs_distances(3, 4, (0, 3), kw["walls"])
    for s in np.flatnonzero(nt):
        assert v[s] < -dist[s // 4][s % 4] + 1e-9
    # optimal: no worse than the greedy-optimal policy, better than a random one
    V_greedy, _ = evaluate(m, greedy_policy(q))
    np.testing.assert_allclose(V_greedy, v, atol=1e-8)
    V_uniform, _ = evaluate(m, np.full((12, 4), 0.25))
    assert (V_uniform[nt] < v[nt]).all()


def test_value_iteration_without_a_way_out_raises():
    # the wall row cuts the bottom of the grid off from the goal; with gamma = 1
    # the values there fall by 1 every sweep
    m = envs.gridworld(3, 3, start=(2, 0), goal=(0, 2), walls=[(1, 0), (1, 1), (1, 2)])
    with pytest.raises(RuntimeError, match="did not converge in 300 sweeps"):
        value_iteration(m, max_iter=300)
    # with discounting it converges: -1/(1-gamma) in the cut-off cells
    m = envs.gridworld(3, 3, start=(2, 0), goal=(0, 2), walls=[(1, 0), (1, 1), (1, 2)], gamma=0.5)
    _, v = value_iteration(m)
    np.testing.assert_allclose(v[6:], -2.0, atol=1e-9)
    np.testing.assert_allclose(v[:3], [-1.5, -1.0, 0.0], atol=1e-9)  # -1 - gamma, -1, goal


def test_value_iteration_bandit():
    q, v = value_iteration(envs.bandit([0.2, 1.0, -0.5]))
    np.testing.assert_array_equal(q[0], [0.2, 1.0, -0.5])
    assert v[0] == 1.0 and v[1] == 0.0


# --------------------------------------------------------------------------
# greedy and epsilon-greedy policies
# --------------------------------------------------------------------------
def test_greedy_policy_formula():
    Q = np.array([[1.0, 2.0, 0.0], [3.0, 3.0, 1.0], [-1.0, -1.0, -1.0], [0.0, 5.0, 5.0 - 1e-9]])
    G = greedy_policy(Q)
    np.testing.assert_array_equal(G, [[0, 1, 0], [0.5, 0.5, 0], [1 / 3] * 3, [0, 1, 0]])
    np.testing.assert_array_equal(G.sum(axis=1), 1.0)


def test_greedy_and_epsilon_greedy_on_random_tables():
    rng = np.random.default_rng(0)
    for _ in range(20):
        S, A = rng.integers(1, 6), rng.integers(1, 6)
        Q = rng.integers(-3, 3, size=(S, A)).astype(float)  # ties happen
        G = greedy_policy(Q)
        np.testing.assert_allclose(G.sum(axis=1), 1.0, rtol=0, atol=1e-15)
        is_best = Q == Q.max(axis=1, keepdims=True)
        np.testing.assert_allclose(G, is_best / is_best.sum(axis=1, keepdims=True), rtol=1e-15)
        for eps in (0.0, 0.1, 0.5, 1.0):
            E = epsilon_greedy_policy(Q, eps)
            np.testing.assert_allclose(E.sum(axis=1), 1.0, rtol=0, atol=1e-15)
            expected = np.where(is_best, (1 - eps) / is_best.sum(axis=1, keepdims=True), 0.0) + eps / A
            np.testing.assert_allclose(E, expected, rtol=1e-14)
            assert (E >= eps / A - 1e-15).all()


def test_epsilon_greedy_unique_best():
    E = epsilon_greedy_policy([[0.0, 1.0, -1.0, 0.5]], 0.2)
    np.testing.assert_allclose(E, [[0.05, 0.85, 0.05, 0.05]], rtol=1e-14)  # 1 - eps + eps/|A|
    np.testing.assert_allclose(epsilon_greedy_policy([[0.0, 1.0]], 0.1), [[0.05, 0.95]], rtol=1e-14)
    np.testing.assert_array_equal(epsilon_greedy_policy([[0.0, 1.0]], 0.0), [[0.0, 1.0]])
    np.testing.assert_array_equal(epsilon_greedy_policy([[0.0, 1.0]], 1.0), [[0.5, 0.5]])


@pytest.mark.parametrize("eps", [-0.1, 1.1, np.nan])
def test_epsilon_greedy_bad_epsilon(eps):
    with pytest.raises(ValueError, match=r"epsilon must lie in \[0, 1\]"):
        epsilon_greedy_policy([[0.0, 1.0]], eps)


@pytest.mark.parametrize("Q", [[1.0, 2.0], [[[1.0]]], [[1.0, np.nan]]])
def test_greedy_bad_q(Q):
    with pytest.raises(ValueError, match="Q must be a 2-D array of numbers"):
        greedy_policy(Q)


# --------------------------------------------------------------------------
# the corridor: why action-value methods fail with state-blind features
# --------------------------------------------------------------------------
def state_blind_q(m, pi):
    """Visit-weighted average of q over states: all a state-blind learner can estimate."""
    _, Q = evaluate(m, pi)
    eta = expected_visits(m, pi)
    return np.tile(eta @ Q / eta.sum(), (m.n_states, 1))


def test_state_blind_q_of_the_uniform_policy_prefers_right():
    m = envs.short_corridor()
    Qb = state_blind_q(m, np.full((4, 2), 0.5))
    # mu = [1/2, 1/3, 1/6]; q(., left) = [-13, -7, -11], q(., right) = [-11, -13, -1]
    np.testing.assert_allclose(Qb[0], [-(13 / 2 + 7 / 3 + 11 / 6), -(11 / 2 + 13 / 3 + 1 / 6)], rtol=1e-12)
    assert Qb[0, 1] > Qb[0, 0]


@pytest.mark.parametrize("eps", [0.05, 0.1, 0.2, 0.5])
@pytest.mark.parametrize("greedy_action", [0, 1])
def test_epsilon_greedy_on_state_blind_q(eps, greedy_action):
    m = envs.short_corridor()
    row = [0.0, 0.0]
    row[greedy_action] = 1.0
    pi = epsilon_greedy_policy(np.tile(row, (4, 1)), eps)
    p_right = 1 - eps / 2 if greedy_action == 1 else eps / 2
    np.testing.assert_allclose(pi[:, 1], p_right, rtol=1e-14)
    V, _ = evaluate(m, pi)
    J = envs.corridor_performance(p_right)
    np.testing.assert_allclose(V[0], J, rtol=1e-10)
    # no epsilon-greedy policy reaches the optimum of the stochastic policy
    assert V[0] < -(6 + 4 * np.sqrt(2)) - 1.0


def test_epsilon_greedy_corridor_values_at_eps_0_1():
    # closed form: J(0.05) = -3.9 / 0.0475, J(0.95) = -2.1 / 0.0475
    assert envs.corridor_performance(0.05) == pytest.approx(-82.105, abs=1e-3)
    assert envs.corridor_performance(0.95) == pytest.approx(-44.211, abs=1e-3)
    assert round(float(envs.corridor_performance(0.05)), 1) == -82.1
    assert round(float(envs.corridor_performance(0.95)), 1) == -44.2
    m = envs.short_corridor()
    V_left, _ = evaluate(m, epsilon_greedy_policy(np.tile([1.0, 0.0], (4, 1)), 0.1))
    V_right, _ = evaluate(m, epsilon_greedy_policy(np.tile([0.0, 1.0], (4, 1)), 0.1))
    assert V_left[0] == pytest.approx(-3.9 / 0.0475, rel=1e-10)
    assert V_right[0] == pytest.approx(-2.1 / 0.0475, rel=1e-10)


# --------------------------------------------------------------------------
# Monte Carlo action values
# --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, pi",
    [
        pytest.param(envs.short_corridor, np.full((4, 2), 0.5), id="corridor"),
        pytest.param(lambda: envs.gridworld(2, 3, slip=0.2, gamma=0.9), np.full((6, 4), 0.25), id="gridworld"),
        pytest.param(lambda: envs.random_mdp(4, 2, gamma=1.0, seed=3), None, id="random"),
    ],
)
def test_monte_carlo_q_within_standard_errors(make, pi):
    m = make()
    if pi is None:
        pi = np.random.default_rng(3).dirichlet(np.ones(m.n_actions), size=m.n_states)
    _, Q = evaluate(m, pi)
    Q_hat, se = monte_carlo_q(m, pi, 3000, seed=0)
    nt = m.nonterminal
    assert (Q_hat[~nt] == 0).all() and (se[~nt] == 0).all()
    assert (np.abs(Q_hat - Q) <= N_SE * se + 1e-12).all()
    # and the standard errors are of the right size: sd / sqrt(n) is positive where returns vary
    assert (se[nt] < 1.0).all()


def test_monte_carlo_q_deterministic_return_has_zero_error():
    m = envs.short_corridor()
    Q_hat, se = monte_carlo_q(m, np.full((4, 2), 0.5), 100, seed=1)
    assert Q_hat[2, 1] == -1.0 and se[2, 1] == 0.0


def test_monte_carlo_q_single_episode_is_refused():
    """One return has no standard error (0/0); refused instead of returning NaN (issue 10)."""
    m = envs.bandit([1.0, 2.0])
    with pytest.raises(ValueError, match="n_episodes must be an integer >= 2, got 1"):
        monte_carlo_q(m, [[0.5, 0.5], [0.5, 0.5]], 1, seed=0)
    Q_hat, se = monte_carlo_q(m, [[0.5, 0.5], [0.5, 0.5]], 2, seed=0)
    np.testing.assert_array_equal(Q_hat[0], [1.0, 2.0])
    assert np.isfinite(se).all()

