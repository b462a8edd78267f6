"""TD(0) and Sarsa (pgcore.td), chapter 1: hand-computed updates, convergence to exact values."""

import numpy as np
import pytest

import pgcore as pg
from pgcore.td import sarsa, td0_values

# --------------------------------------------------------------------------
# TD(0)
# --------------------------------------------------------------------------
def test_td0_hand_computed_sweeps_on_a_deterministic_walk():
    """alpha = 1 on the path 0 -> 1 -> 2 -> G carries values back one state per episode."""
    m = pg.envs.short_corridor()
    pi = np.array([[0, 1], [1, 0], [0, 1], [0.5, 0.5]])  # right, left (switched: moves right), right
    np.testing.assert_array_equal(td0_values(m, pi, 1, 1.0, seed=0), [-1, -1, -1, 0])
    np.testing.assert_array_equal(td0_values(m, pi, 2, 1.0, seed=0), [-2, -2, -1, 0])
    np.testing.assert_array_equal(td0_values(m, pi, 3, 1.0, seed=0), [-3, -2, -1, 0])
    np.testing.assert_array_equal(td0_values(m, pi, 50, 1.0, seed=0), pg.evaluate(m, pi)[0])


def test_td0_single_update_formula():
    """One one-step episode: V <- V + alpha (R - V), the terminal value being 0."""
    m = pg.envs.bandit([2.0, -1.0])
    V = td0_values(m, [[1.0, 0.0], [1.0, 0.0]], 1, 0.25, V0=[10.0, 5.0], seed=0)
    np.testing.assert_allclose(V, [10.0 + 0.25 * (2.0 - 10.0), 0.0])


def test_td0_one_over_n_is_the_sample_mean_on_a_bandit():
    """With alpha_n = 1/n, TD(0) on one-step episodes is the running mean of the rewards."""
    m = pg.envs.bandit([1.0, 3.0])
    n = 4000
    V = td0_values(m, [[0.5, 0.5], [0.5, 0.5]], n, lambda k: 1.0 / k, seed=3)
    # the mean of n rewards that are 1 or 3 with probability 1/2: 2 +- 3 standard errors
    assert abs(V[0] - 2.0) < 3 * 1.0 / np.sqrt(n)
    k = (V[0] - 1.0) * n / 2.0  # the mean is 1 + 2k/n, k = number of rewards equal to 3
    assert abs(k - round(k)) < 1e-6


@pytest.mark.parametrize("gamma", [1.0, 0.9])
def test_td0_converges_to_exact_values(gamma):
    m = pg.envs.random_mdp(4, 2, gamma=gamma, seed=5)
    pi = np.full((5, 2), 0.5)
    V_exact, _ = pg.evaluate(m, pi)
    V = td0_values(m, pi, 5000, lambda k: k ** -0.7, seed=1)
    np.testing.assert_allclose(V, V_exact, atol=0.15)
    assert V[4] == 0.0


def test_td0_gridworld_matches_evaluate():
    grid = pg.envs.gridworld()
    q_star, _ = pg.value_iteration(grid)
    pi = pg.epsilon_greedy_policy(q_star, 0.2)
    V_exact, _ = pg.evaluate(grid, pi)
    V = td0_values(grid, pi, 10_000, lambda k: k ** -0.7, seed=1)
    assert np.abs(V - V_exact).max() < 0.15


def test_td0_refuses_bad_input_and_endless_episodes():
    m = pg.envs.short_corridor()
    pi = np.full((4, 2), 0.5)
    with pytest.raises(ValueError, match="step_size"):
        td0_values(m, pi, 1, 0.0)
    with pytest.raises(ValueError, match="step_size"):
        td0_values(m, pi, 1, 1.5)
    with pytest.raises(ValueError, match="V0"):
        td0_values(m, pi, 1, 0.5, V0=np.zeros(3))
    with pytest.raises(ValueError, match="sums to"):
        td0_values(m, np.ones((4, 2)), 1, 0.5)
    always_left = np.tile([1.0, 0.0], (4, 1))  # stays in state 0 forever
    # refused before sampling (issue 10), whatever max_steps is
    with pytest.raises(ValueError, match="trapped forever"):
        td0_values(m, always_left, 1, 0.5, max_steps=100)
    slow = np.tile([0.999, 0.001], (4, 1))  # ends, but rarely within 5 steps
    with pytest.raises(RuntimeError, match="max_steps=5"):
        td0_values(m, slow, 3, 0.5, max_steps=5, seed=0)


# --------------------------------------------------------------------------
# Sarsa
# --------------------------------------------------------------------------
def test_sarsa_hand_computed_episode():
    m = pg.envs.short_corridor()
    Q0 = np.array([[-9.0, 0.0], [0.0, -9.0], [-9.0, 0.0], [5.0, 5.0]])
    Q, G = sarsa(m, 1, 0.5, 0.0, Q0=Q0, seed=0)
    # s0 right -> s1 (next greedy: left, Q=0): -0.5; s1 left -> s2 (next: right, Q=0): -0.5;
    # s2 right -> G (terminal, Q=0): -0.5; the untouched entries keep their values
    np.testing.assert_array_equal(Q, [[-9.0, -0.5], [-0.5, -9.0], [-9.0, -0.5], [0.0, 0.0]])
    np.testing.assert_array_equal(G, [-3.0])
    # a second episode: targets now use the updated neighbours
    Q2, _ = sarsa(m, 2, 0.5, 0.0, Q0=Q0, seed=0)
    np.testing.assert_allclose(Q2[[0, 1, 2], [1, 0, 1]],
                               [-0.5 + 0.5 * (-1 - 0.5 + 0.5), -0.5 + 0.5 * (-1 - 0.5 + 0.5),
                                -0.5 + 0.5 * (-1 + 0.5)])


def test_sarsa_uniform_exploration_learns_bandit_means():
    m = pg.envs.bandit([0.3, -1.0, 2.0])
    Q, G = sarsa(m, 300, 1.0, 1.0, seed=4)
    np.testing.assert_allclose(Q[0], [0.3, -1.0, 2.0])
    assert set(np.unique(G)) == {0.3, -1.0, 2.0}


@pytest.mark.parametrize("seed", range(8))
def test_sarsa_greedy_actions_are_optimal_in_the_gridworld(seed):
    grid = pg.envs.gridworld()
    q_star, v_star = pg.value_iteration(grid)
    Q, G = sarsa(grid, 1000, 0.2, 0.1, seed=seed)
    best = Q.argmax(axis=1)
    assert np.isclose(q_star[np.arange(12), best], v_star)[grid.nonterminal].all()
    assert G.shape == (1000,) and (G <= -5.0).all()
    assert G[-100:].mean() > -6.5


def test_sarsa_approaches_the_values_of_its_own_epsilon_greedy_policy():
    grid = pg.envs.gridworld()
    Q, _ = sarsa(grid, 20_000, lambda k: k ** -0.7, 0.1, seed=0)
    _, q_own = pg.evaluate(grid, pg.epsilon_greedy_policy(Q, 0.1))
    assert np.abs(Q - q_own)[grid.nonterminal].max() < 0.5


def test_sarsa_refuses_bad_input():
    m = pg.envs.short_corridor()
    with pytest.raises(ValueError, match="epsilon"):
        sarsa(m, 1, 0.5, 1.5)
    with pytest.raises(ValueError, match="Q0"):
        sarsa(m, 1, 0.5, 0.1, Q0=np.zeros((4, 3)))
    with pytest.raises(ValueError, match="finite"):
        sarsa(m, 1, 0.5, 0.1, Q0=np.full((4, 2), np.nan))
    # greedy on a table that prefers "left" everywhere: stuck in state 0
    with pytest.raises(RuntimeError, match="max_steps=50"):
        sarsa(m, 1, 0.5, 0.0, Q0=np.tile([0.0, -1e9], (4, 1)), max_steps=50)


