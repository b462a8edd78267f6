"""Tests for pgcore.grpo, the GRPO-style toy (chapter 12)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import pgcore as pg
from pgcore import grpo


def task_mdp(rewards):
    """The answer task as an MDP: one state per prompt (start uniform), one step, then the end."""
    P, K = rewards.shape
    Pm = np.zeros((P + 1, K, P + 1))
    Pm[:, :, P] = 1.0
    R = np.zeros((P + 1, K))
    R[:P] = rewards
    start = np.r_[np.full(P, 1.0 / P), 0.0]
    return pg.MDP(Pm, R, start, terminal=[P]), pg.SoftmaxPolicy.tabular(P + 1, K)


def within_se(samples, exact, z=4.0):
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    return bool(np.all(np.abs(mean - exact) <= z * se + 1e-12))


def test_the_task_is_verified_by_computing_the_sums():
    task = grpo.answer_task()
    for p, prompt in enumerate(task.prompts):
        a, b = map(int, prompt.split("+"))
        assert task.tokens[task.correct[p]] == str(a + b)
        assert task.rewards[p].sum() == 1.0
    np.testing.assert_allclose(pg.softmax(task.theta0)[np.arange(4), task.correct], [0.5, 0.3, 0.1, 0.02])
    with pytest.raises(ValueError, match="no token answers"):
        grpo.answer_task(prompts=("9+9",))
    with pytest.raises(ValueError, match="p_correct"):
        grpo.answer_task(p_correct=1.0)


@pytest.mark.parametrize("seed", [0, 1])
def test_answer_performance_and_gradient_are_the_mdp_quantities(seed):
    task = grpo.answer_task()
    theta = task.theta0 + np.random.default_rng(seed).normal(size=task.theta0.shape)
    mdp, pol = task_mdp(task.rewards)
    full = np.r_[theta.ravel(), np.zeros(task.rewards.shape[1])]
    assert np.isclose(grpo.answer_performance(task.rewards, theta), pg.performance(mdp, pol, full))
    exact = grpo.answer_gradient(task.rewards, theta)
    np.testing.assert_allclose(exact.ravel(), pg.policy_gradient(mdp, pol, full)[:theta.size], atol=1e-12)
    fd = pg.numerical_gradient(lambda th: float(grpo.answer_performance(task.rewards, th.reshape(theta.shape))),
                               theta.ravel())
    np.testing.assert_allclose(exact.ravel(), fd, atol=1e-8)


@given(hnp.arrays(np.float64, st.integers(1, 12), elements=st.floats(-1e6, 1e6)))
def test_group_advantages_are_centred_and_scaled_or_zero(r):
    adv = grpo.group_advantages(r, "grpo")
    centred = grpo.group_advantages(r, "group_mean")
    assert np.array_equal(grpo.group_advantages(r, "reinforce"), r)
    if np.ptp(r) == 0:
        assert (adv == 0).all() and (centred == 0).all()
    else:
        assert abs(adv.mean()) < 1e-9
        assert abs(adv.std() - 1.0) < 1e-9
        assert abs(centred.sum()) <= 1e-9 * np.abs(r).sum()
        # a larger reward never gets a smaller advantage (ties may appear by rounding)
        i, j = np.argsort(r, kind="stable")[:-1], np.argsort(r, kind="stable")[1:]
        assert (adv[i] <= adv[j]).all()


def test_group_advantages_edge_cases():
    assert (grpo.group_advantages([0.1, 0.1, 0.1]) == 0).all()  # equal floats: 0, not +-1
    assert (grpo.group_advantages([1.0]) == 0).all()  # a group of one has no spread
    np.testing.assert_allclose(grpo.group_advantages([1.0, 0.0]), [1.0, -1.0])
    a = grpo.group_advantages(np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))
    assert (a[1] == 0).all() and abs(a[0].std() - 1) < 1e-12
    with pytest.raises(ValueError, match="method"):
        grpo.group_advantages([1.0, 0.0], "ppo")


def test_advantages_do_not_see_a_constant_added_to_the_rewards():
    rng = np.random.default_rng(0)
    r = rng.integers(0, 2, size=(50, 8)).astype(float)
    for m in ("group_mean", "grpo"):
        np.testing.assert_allclose(grpo.group_advantages(r + 3.0, m), grpo.group_advantages(r, m), atol=1e-12)


@pytest.mark.parametrize("G", [2, 8])
def test_expected_updates(G):
    """reinforce: unbiased; group mean: exactly (1 - 1/G) times the gradient; grpo: rescaled per prompt."""
    task = grpo.answer_task()
    exact = grpo.answer_gradient(task.rewards, task.theta0)
    g = grpo.answer_gradient_samples(task.rewards, task.theta0, G, 40_000, "reinforce", seed=1)
    assert within_se(g, exact)
    g = grpo.answer_gradient_samples(task.rewards, task.theta0, G, 40_000, "group_mean", seed=2)
    assert within_se(g, (1 - 1 / G) * exact)
    if G > 2:
        assert not within_se(g, exact)
    g = grpo.answer_gradient_samples(task.rewards, task.theta0, G, 40_000, "grpo", seed=3)
    mean = g.mean(axis=0)
    scale = (mean * exact).sum(axis=1) / (exact * exact).sum(axis=1)
    if G == 2:  # two answers: the advantages are +-1 whenever they differ, i.e. 2 (r - mean)
        np.testing.assert_allclose(scale, 1.0, atol=0.05)
    else:  # larger groups: harder prompts (smaller reward spread) are weighted up
        assert scale[-1] > scale[0] * 1.2


def test_the_group_baseline_removes_a_reward_shift_from_the_variance():
    task = grpo.answer_task()
    var = {}
    for shift in (0.0, 1.0):
        for m in grpo.ADVANTAGES:
            g = grpo.answer_gradient_samples(task.rewards + shift, task.theta0, 8, 20_000, m, seed=4)
            var[m, shift] = g.var(axis=0).sum()
    assert var["reinforce", 1.0] > 5 * var["reinforce", 0.0]
    for m in ("group_mean", "grpo"):
        assert var[m, 1.0] == pytest.approx(var[m, 0.0], rel=1e-9)


def test_training_learns_and_reports_flat_groups():
    task = grpo.answer_task()
    for m in grpo.ADVANTAGES:
        res = grpo.train_answers(task, 2.0, 100, 8, m, n_runs=30, seed=5)
        assert res.performance.shape == (30, 101) and res.p_correct.shape == (30, 101, 4)
        assert res.theta.shape == (30, 4, 6)
        np.testing.assert_allclose(res.performance[:, 0], grpo.answer_performance(task.rewards, task.theta0))
        assert res.performance[:, -1].mean() > 0.8
        np.testing.assert_allclose(res.performance, res.p_correct.mean(axis=-1))
        assert ((res.flat_groups >= 0) & (res.flat_groups <= 4)).all()
    # with one answer per group, a group baseline never learns anything
    one = grpo.train_answers(task, 2.0, 20, 1, "grpo", n_runs=5, seed=6)
    assert (one.flat_groups == 4).all()
    np.testing.assert_allclose(one.theta, np.broadcast_to(task.theta0, one.theta.shape))


def test_training_is_reproducible_and_validates():
    task = grpo.answer_task()
    a = grpo.train_answers(task, 1.0, 10, 4, seed=1, n_runs=3)
    b = grpo.train_answers(task, 1.0, 10, 4, seed=1, n_runs=3)
    assert np.array_equal(a.theta, b.theta)
    with pytest.raises(ValueError, match="method"):
        grpo.train_answers(task, 1.0, 10, 4, method="dpo")
    with pytest.raises(ValueError, match="step_size"):
        grpo.train_answers(task, 0.0, 10, 4)
    with pytest.raises(ValueError, match="group_size"):
        grpo.train_answers(task, 1.0, 10, 0)
    with pytest.raises(TypeError):
        grpo.train_answers(task.rewards, 1.0, 10, 4)
    with pytest.raises(ValueError, match="theta0"):
        grpo.train_answers(task, 1.0, 10, 4, theta0=np.zeros((2, 2)))
