"""Tests for the exact moments behind chapters 6, 7 and 12's corrections.

* ``gradient_bandit.bandit_estimate_variance`` and ``optimal_constant_baseline``
  against sample variances, a brute-force sum over arms and a numerical minimum;
* ``reinforce.reinforce_gradients(returns="whole")`` (the trajectory form) against
  the theorem, and against a two-step MDP where both estimators are known exactly;
* ``grpo.expected_answer_update`` against the exact gradient, the 1 - 1/G theorem,
  a binomial closed form for 0/1 rewards, and Monte Carlo.
"""

import math

import numpy as np
import pytest

import pgcore as pg
from pgcore import envs, grpo
from pgcore import gradient_bandit as gb
from pgcore import reinforce as rf

H = np.array([3.0, 2.0, 4.0, 5.0, 1.0])
Q = np.array([0.2, -0.8, 1.5, 0.4, -1.2])


def within_se(samples, exact, z=4.0):
    samples = np.asarray(samples)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    return bool(np.all(np.abs(mean - exact) <= z * se + 1e-12))


# ----------------------------------------------------------------------------- bandit variance
def brute_force_variance(means, h, b, sigma):
    """Total variance by listing the arms: E||g||^2 - ||E g||^2, noise integrated by hand."""
    pi = pg.softmax(h)
    k = len(means)
    mean = np.zeros(k)
    second = 0.0
    for a in range(k):
        s = np.eye(k)[a] - pi
        mean += pi[a] * (means[a] - b) * s
        second += pi[a] * ((means[a] - b) ** 2 + sigma ** 2) * (s @ s)
    return second - mean @ mean


@pytest.mark.parametrize("b, sigma", [(0.0, 1.0), (0.5836, 1.0), (2.0, 0.0), (-1.0, 0.3)])
def test_bandit_variance_is_the_brute_force_sum(b, sigma):
    assert gb.bandit_estimate_variance(Q, H, b, sigma) == pytest.approx(
        brute_force_variance(Q, H, b, sigma), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize("b", [0.0, 0.58, 3.0])
def test_bandit_variance_matches_samples(b):
    g = gb.bandit_gradient_samples(Q, H, 400_000, baseline=b, seed=3)
    est = g.var(axis=0).sum()
    exact = gb.bandit_estimate_variance(Q, H, b)
    # relative standard error of a variance from 400k samples is well under 1%
    assert abs(est - exact) / exact < 0.02


def test_optimal_baseline_is_the_minimum_and_not_J():
    b_star = gb.optimal_constant_baseline(Q, H)
    J = float(pg.softmax(H) @ Q)
    grid = np.linspace(-2, 3, 50_001)
    v = gb.bandit_estimate_variance(Q, H, grid)
    assert abs(grid[np.argmin(v)] - b_star) < 2e-4
    assert gb.bandit_estimate_variance(Q, H, b_star) < gb.bandit_estimate_variance(Q, H, J)
    # the numbers chapter 7 prints
    assert round(b_star, 3) == 0.691 and round(J, 3) == 0.584
    assert round(gb.bandit_estimate_variance(Q, H, b_star), 4) == 0.8184
    assert round(gb.bandit_estimate_variance(Q, H, J), 4) == 0.8245


def test_optimal_baseline_is_J_when_every_score_has_the_same_length():
    q = np.array([1.0, -2.0, 0.5])
    assert gb.optimal_constant_baseline(q, np.zeros(3)) == pytest.approx(q.mean())
    # and it does not depend on the reward noise
    v = [gb.bandit_estimate_variance(q, np.zeros(3), b, 2.0) for b in (q.mean() - 0.1, q.mean(), q.mean() + 0.1)]
    assert v[1] < v[0] and v[1] < v[2]


def test_bandit_variance_rejects_bad_input():
    with pytest.raises(ValueError, match="means and h"):
        gb.bandit_estimate_variance(Q, H[:3], 0.0)
    with pytest.raises(ValueError, match="reward_std"):
        gb.bandit_estimate_variance(Q, H, 0.0, reward_std=-1.0)
    with pytest.raises(ValueError, match="baseline"):
        gb.bandit_estimate_variance(Q, H, np.nan)
    with pytest.raises(TypeError, match="baseline"):
        gb.bandit_estimate_variance(Q, H, "zero")
    with pytest.raises(ValueError, match="finite"):
        gb.optimal_constant_baseline([1.0, np.inf], [0.0, 0.0])
    with pytest.raises(ValueError, match="at least 2 arms"):
        gb.optimal_constant_baseline([1.0], [0.0])


# ----------------------------------------------------------------------------- whole-episode returns
CASES = {
    "corridor": (envs.short_corridor(), envs.corridor_policy(), envs.corridor_theta(0.3)),
    "random MDP, gamma 0.9": (envs.random_mdp(5, 3, gamma=0.9, seed=4), pg.SoftmaxPolicy.tabular(6, 3),
                              np.random.default_rng(0).normal(size=18)),
}


@pytest.mark.parametrize("case", CASES)
def test_whole_episode_estimates_are_unbiased(case):
    mdp, pol, th = CASES[case]
    exact = pg.policy_gradient(mdp, pol, th)
    g = rf.reinforce_gradients(mdp, pol, th, 20_000, seed=5, returns="whole")
    assert within_se(g, exact)
    b = np.linspace(-3, 3, mdp.n_states)        # any state baseline, at S_0
    gb_ = rf.reinforce_gradients(mdp, pol, th, 20_000, baseline=b, seed=6, returns="whole")
    assert within_se(gb_, exact)


def two_step_scores(g):
    """Split a tabular 3-state, 2-action estimate into the scores' slots of states 0 and 1."""
    return g[:, 0:2], g[:, 2:4]


def test_whole_and_to_go_weights_by_hand_with_discounting():
    """Rewards +1, +1 and gamma = 0.5: G_0 = 1.5 and G_1 = 1, so the two weights differ at t = 1."""
    mdp = two_step_mdp(second_reward=1.0, gamma=0.5)
    pol = pg.SoftmaxPolicy.tabular(3, 2)
    th = np.array([0.3, -0.2, 1.0, 0.0, 0.0, 0.0])
    pi = pol.probs(th)
    whole = rf.reinforce_gradients(mdp, pol, th, 500, seed=3, returns="whole")
    togo = rf.reinforce_gradients(mdp, pol, th, 500, seed=3)
    for g, w0, w1 in [(whole, 1.5, 1.5), (togo, 1.5, 0.5 * 1.0)]:
        s0, s1 = two_step_scores(g)
        # each slot pair is w * (1_a - pi(.|s)) for the action a taken there
        for s, w, st in [(s0, w0, 0), (s1, w1, 1)]:
            a = np.argmax(s, axis=1)               # the taken action has the positive entry
            expected = w * (np.eye(2)[a] - pi[st])
            assert np.allclose(s, expected, atol=1e-13)
    assert np.all(whole[:, 4:] == 0.0) and np.all(togo[:, 4:] == 0.0)


def two_step_mdp(second_reward=-1.0, gamma=1.0):
    """State 0 -> state 1 (reward +1), state 1 -> end (reward -1 by default), whatever the action."""
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[1.0, 1.0], [second_reward, second_reward], [0.0, 0.0]])
    return pg.MDP(P, R, start=[1.0, 0.0, 0.0], gamma=gamma, terminal=[2])


def test_reward_to_go_does_not_always_lower_the_variance():
    mdp = two_step_mdp()
    pol = pg.SoftmaxPolicy.tabular(3, 2)
    th = np.zeros(6)
    assert np.allclose(pg.policy_gradient(mdp, pol, th), 0.0)
    whole = rf.reinforce_gradients(mdp, pol, th, 2000, seed=8, returns="whole")
    togo = rf.reinforce_gradients(mdp, pol, th, 2000, seed=8)
    assert np.all(whole == 0.0)                 # G_0 = 0 in every episode
    # reward to go: the second step's score times G_1 = -1: (-/+ 1/2, +/- 1/2) in state 1's slots
    assert np.allclose(np.abs(togo[:, 2:4]), 0.5) and np.all(togo[:, [0, 1, 4, 5]] == 0.0)
    assert togo.var(axis=0).sum() == pytest.approx(0.5, abs=0.05)


def test_reinforce_gradients_rejects_an_unknown_returns_mode():
    mdp, pol, th = CASES["corridor"]
    with pytest.raises(ValueError, match="returns"):
        rf.reinforce_gradients(mdp, pol, th, 10, returns="all")


# ----------------------------------------------------------------------------- exact GRPO update
def binary_closed_form(rewards, theta, G):
    """GRPO's expected update for 0/1 rewards, by conditioning on the number of correct answers."""
    P, K = rewards.shape
    out = np.zeros((P, K))
    pi = pg.softmax(theta, axis=-1)
    for p in range(P):
        right = rewards[p] == 1.0
        q = pi[p, right].sum()
        e_right = np.where(right, pi[p], 0.0) / q - pi[p]          # E[1_a - pi | correct]
        e_wrong = np.where(~right, pi[p], 0.0) / (1 - q) - pi[p]   # E[1_a - pi | wrong]
        for k in range(1, G):                                      # k = 0 or G: flat group
            m = k / G
            sd = math.sqrt(m * (1 - m))
            prob = math.comb(G, k) * q ** k * (1 - q) ** (G - k)
            out[p] += prob * (k * (1 - m) / sd * e_right + (G - k) * (-m) / sd * e_wrong)
    return out / (G * P)


def test_expected_update_reinforce_and_group_mean_are_exact_multiples():
    task = grpo.answer_task()
    exact = grpo.answer_gradient(task.rewards, task.theta0)
    for G in (1, 3, 8):
        assert np.allclose(grpo.expected_answer_update(task.rewards, task.theta0, G, "reinforce"),
                           exact, atol=1e-13)
        assert np.allclose(grpo.expected_answer_update(task.rewards, task.theta0, G, "group_mean"),
                           (1 - 1 / G) * exact, atol=1e-13)


def test_expected_grpo_update_is_the_binomial_closed_form_and_the_sample_mean():
    task = grpo.answer_task()
    for G in (2, 8):
        ours = grpo.expected_answer_update(task.rewards, task.theta0, G, "grpo")
        assert np.allclose(ours, binary_closed_form(task.rewards, task.theta0, G), atol=1e-13)
    g = grpo.answer_gradient_samples(task.rewards, task.theta0, 8, 40_000, "grpo", seed=9)
    assert within_se(g.reshape(len(g), -1), ours.ravel())


def test_expected_update_with_non_binary_rewards_matches_sampling():
    rng = np.random.default_rng(1)
    rewards = rng.normal(size=(2, 3))
    theta = rng.normal(size=(2, 3))
    ours = grpo.expected_answer_update(rewards, theta, 4, "grpo")
    g = grpo.answer_gradient_samples(rewards, theta, 4, 40_000, "grpo", seed=2)
    assert within_se(g.reshape(len(g), -1), ours.ravel())


def test_expected_update_rejects_bad_input():
    task = grpo.answer_task()
    with pytest.raises(ValueError, match="method"):
        grpo.expected_answer_update(task.rewards, task.theta0, 8, "ppo")
    with pytest.raises(ValueError, match="same shape"):
        grpo.expected_answer_update(task.rewards, task.theta0[:2], 8)
    with pytest.raises(ValueError, match="group_size"):
        grpo.expected_answer_update(task.rewards, task.theta0, 0)
    with pytest.raises(ValueError, match="MAX_GROUPS"):
        grpo.expected_answer_update(task.rewards, task.theta0, 64)
    with pytest.raises(ValueError, match="finite"):
        grpo.expected_answer_update(task.rewards * np.nan, task.theta0, 2)
