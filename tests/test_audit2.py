"""Issue 10, the second audit (benchmarks/audit_inputs2.py): what it found, each a case that must now be refused clearly.

Sizes that would allocate absurd memory, seeds numpy cannot use, dtype edge cases
and overflow in the newest modules. Each call raises the given error type with a
message matching the pattern (the argument's name, often the value); none may
hang, crash, raise MemoryError/OverflowError or return NaN silently.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import pgcore as pg
from pgcore import actor_critic as ac
from pgcore import advantages as adv
from pgcore import algorithms as al
from pgcore import envs, grpo, objective, stats, theorem
from pgcore import gaussian as gs
from pgcore import gradient_bandit as gb
from pgcore import grpo_lm as gl
from pgcore import landscapes as ls
from pgcore import tiny_lm as lm
from pgcore._validate import MAX_ENTRIES

CORR, CPOL = envs.short_corridor(), envs.corridor_policy()
HALF = np.full((4, 2), 0.5)
LEFT = np.array([[1.0, 0.0]] * 4)
TH = envs.corridor_theta(0.3)
TOO_BIG = r"would need an array of shape .* at most 134217728 numbers \(1 GiB\)"

CASES = [
    # -- sizes: MemoryError / "Maximum allowed dimension exceeded" / "array is too big" before
    ("tabular(2**64, 2)", lambda: pg.SoftmaxPolicy.tabular(2**64, 2), ValueError,
     r"SoftmaxPolicy.tabular\(n_states=18446744073709551616, n_actions=2\) " + TOO_BIG),
    ("tabular(10**5, 2)", lambda: pg.SoftmaxPolicy.tabular(10**5, 2), ValueError, TOO_BIG),
    ("gridworld(10**4, 10**4)", lambda: envs.gridworld(10**4, 10**4), ValueError, r"gridworld\(n_rows=10000"),
    ("random_mdp(10**5, 3)", lambda: envs.random_mdp(10**5, 3, seed=0), ValueError, r"random_mdp\(n_states=100000"),
    ("bandit_testbed(10**9)", lambda: gb.bandit_testbed(10**9, k=10, seed=0), ValueError,
     r"n_runs must be an integer >= 1 and <= 134217728"),
    ("bandit_testbed(3, k=2**40)", lambda: gb.bandit_testbed(3, k=2**40, seed=0), ValueError, r"k must be an integer"),
    ("gradient_bandit 10**5 runs x 10**5 steps", lambda: gb.gradient_bandit(np.zeros((10**5, 10)), .1, 10**5, seed=0),
     ValueError, r"gradient_bandit\(n_steps=100000\) with 100000 runs of 10 arms " + TOO_BIG),
    ("sample_episodes 10**12", lambda: pg.sample_episodes(CORR, HALF, 10**12, seed=0), ValueError,
     r"n_episodes must be an integer >= 1 and <= 134217728, got 1000000000000"),
    ("sample_episodes np.int64(2**62)", lambda: pg.sample_episodes(CORR, HALF, np.int64(2**62), seed=0), ValueError,
     r"n_episodes"),
    ("monte_carlo_q 10**12", lambda: pg.monte_carlo_q(CORR, HALF, 10**12, seed=0), ValueError, r"n_episodes"),
    ("reinforce 10**4 runs x 10**5 episodes",
     lambda: al.reinforce(CORR, CPOL, TH, .01, 10**5, n_runs=10**4), ValueError,
     r"reinforce\(n_runs=10000, n_episodes=100000\) " + TOO_BIG),
    ("reinforce record_theta", lambda: al.reinforce(CORR, CPOL, TH, .01, 10**8, record_theta=True), ValueError,
     r"record_theta=True\) with d = 2 " + TOO_BIG),
    ("reinforce n_runs=1e18", lambda: al.reinforce(CORR, CPOL, TH, .01, 2, n_runs=1e18), ValueError, r"n_runs"),
    ("gradient_ascent d=10**5, 10**5 steps", lambda: pg.gradient_ascent(lambda th: -th, np.ones(10**5), .1, 10**5),
     ValueError, TOO_BIG),
    ("actor_critic 10**5 runs", lambda: ac.actor_critic(CORR, CPOL, TH, .01, .1, 10**4, n_runs=10**5), ValueError,
     r"actor_critic\(n_runs=100000, n_episodes=10000\) " + TOO_BIG),
    ("sample_steps 10**12", lambda: ac.sample_steps(CORR, HALF, 10**12, seed=0), ValueError, r"n_episodes"),
    ("unrolled_gradient 10**12", lambda: theorem.unrolled_gradient(CORR, CPOL, TH, 10**12), ValueError, r"n_terms"),
    ("unrolled_gradient 2.5", lambda: theorem.unrolled_gradient(CORR, CPOL, TH, 2.5), TypeError, r"n_terms"),
    ("state_distribution_errors int", lambda: theorem.state_distribution_errors(CORR, HALF, 10, seed=0), TypeError,
     r"n_episodes must be a sequence"),
    ("train_answers 10**6 runs", lambda: grpo.train_answers(grpo.answer_task(), .5, 10**4, 4, n_runs=10**6),
     ValueError, r"train_answers\(n_iters=10000, n_runs=1000000\) " + TOO_BIG),
    ("answer_gradient_samples 10**9 groups", lambda: grpo.answer_gradient_samples(
        grpo.answer_task().rewards, np.zeros((4, 6)), 4, 10**8, seed=0), ValueError, TOO_BIG),
    ("grid_values 2-D t1", lambda: ls.grid_values(lambda th: 0., [[0., 1.]], [0., 1.]), ValueError,
     r"t1 must be a 1-D array"),
    ("iterates via ascent_trace: landscape None", lambda: ls.ascent_trace(None, [1., 1.], .1, 5), TypeError,
     r"landscape must have value\(theta\) and grad\(theta\)"),
    ("init_params huge", lambda: lm.init_params(10**6, embed=10**6, hidden=10**6, seed=0), ValueError,
     r"init_params\(context=1000000, embed=1000000, hidden=1000000\): W1 " + TOO_BIG),
    ("init_params(2**31)", lambda: lm.init_params(2**31, seed=0), ValueError, r"context"),
    ("addition_task(max_len=10**9)", lambda: gl.addition_task(max_len=10**9), ValueError,
     r"max_len must be an integer >= 4 and <= 64"),
    ("train_lm params None", lambda: gl.train_lm(gl.addition_task(), None, n_iters=1), TypeError,
     r"params must be a dict"),
    ("gaussian train n_runs x batch", lambda: gs.line_task().train(np.zeros(3), .01, 3, batch_size=10**5,
                                                                    n_runs=10**4), ValueError, TOO_BIG),
    ("n_step_returns n=2**64 is the Monte Carlo return", None, None, None),
    ("grid_values 10**5 x 10**5", lambda: ls.grid_values(lambda th: 0., np.linspace(0, 1, 10**5),
                                                         np.linspace(0, 1, 10**5)), ValueError, TOO_BIG),
    ("iterates 10**12 steps", lambda: ls.example_quadratic().iterates([1., 1.], .1, 10**12), ValueError,
     r"n_steps must be an integer >= 0 and <= 134217728"),
    ("iterates overflow", lambda: ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).iterates([1., 1.], 1e308, 50),
     ValueError, r"iterates are not finite .*diverges"),
    ("corridor_tiles_performance far out", lambda: ls.corridor_tiles_performance([800., -800.]), ValueError,
     r"performances J\(theta\) are not finite"),
    ("GaussianTask.objective overflow", lambda: gs.line_task().objective(np.full(3, 1e308)), ValueError,
     r"objective values are not finite"),
    ("GaussianTask.gradient overflow", lambda: gs.line_task().gradient(np.array([0., 0., 800.])), ValueError,
     r"gradients are not finite"),
    ("bandit of 10**7 arms", lambda: envs.bandit(np.zeros(10**7)), ValueError, r"at most 2\*\*20"),
    # -- seeds: numpy's messages did not say which argument
    ("seed=-1", lambda: pg.sample_episodes(CORR, HALF, 3, seed=-1), ValueError,
     r"seed must be None, an integer >= 0 or a numpy Generator/SeedSequence, got -1"),
    ("seed=2.5", lambda: al.reinforce(CORR, CPOL, TH, .01, 2, seed=2.5), TypeError, r"seed must be .*got 2.5"),
    ("seed='a'", lambda: gs.line_task().gradient_samples(np.zeros(3), 3, seed="a"), TypeError, r"seed must be"),
    ("seed=nan", lambda: pg.sample_episodes(CORR, HALF, 3, seed=np.nan), TypeError, r"seed must be"),
    # -- axes and shapes
    ("softmax axis=1 of a vector", lambda: pg.softmax([1., 2.], axis=1), ValueError,
     r"axis must be an integer >= -1 and <= 0, got 1"),
    ("softmax axis=2.5", lambda: pg.softmax([1., 2.], axis=2.5), TypeError, r"axis must be an integer"),
    ("softmax of a scalar", lambda: pg.softmax(np.float64(2.)), ValueError, r"axis of actions"),
    ("epsilon_greedy no actions", lambda: pg.epsilon_greedy_policy(np.zeros((2, 0)), .1), ValueError,
     r"Q must be a 2-D array .* got shape \(2, 0\)"),
    ("random_mdp exit_prob reversed", lambda: envs.random_mdp(3, 2, exit_prob=(0.5, 0.1), seed=0), ValueError,
     r"exit_prob must be \(low, high\)"),
    ("random_mdp exit_prob nan", lambda: envs.random_mdp(3, 2, exit_prob=(np.nan, 0.1), seed=0), ValueError,
     r"exit_prob must be finite"),
    # -- silent NaN / inf before
    ("corridor_performance(None)", lambda: envs.corridor_performance(None), TypeError, r"p must be an array"),
    ("corridor_performance(nan)", lambda: envs.corridor_performance(np.nan), ValueError, r"p must be finite"),
    ("corridor_values(5e-324)", lambda: objective.corridor_values(5e-324), ValueError, r"values are not finite"),
    ("running_mean of strings", lambda: objective.running_mean(np.array(["1", "2"])), TypeError,
     r"x must be an array of real numbers"),
    ("kl_k3 overflow", lambda: grpo.kl_k3(-1e308, 0.), ValueError, r"KL estimates are not finite"),
    ("td_errors overflow", lambda: adv.td_errors([1e308, 1e308], [0., 1e308, 0.], 1.), ValueError,
     r"TD errors are not finite"),
    ("log_prob overflow", lambda: gs.log_prob(1e308, -1e308, 0.), ValueError, r"log-densities are not finite"),
    ("score overflow", lambda: gs.score(1., 0., -400.), ValueError, r"scores are not finite"),
    ("Quadratic.value overflow", lambda: ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).value([1e200, 1e200]),
     ValueError, r"values J\(theta\) are not finite"),
    ("corridor_tiles_probs nan", lambda: ls.corridor_tiles_probs([np.nan, 0.]), ValueError, r"theta must be finite"),
    ("PolicyLandscape max_norm nan", lambda: ls.PolicyLandscape(CORR, CPOL, max_norm=np.nan), ValueError,
     r"max_norm must be a finite number > 0"),
    ("corridor_tiles_landscape max_norm nan", lambda: ls.corridor_tiles_landscape(max_norm=np.nan), ValueError,
     r"max_norm"),
    ("numerical_hessian eps=0", lambda: ls.numerical_hessian(lambda th: -th, [1., 1.], eps=0.), ValueError,
     r"eps must be a finite number > 0"),
    ("numerical_hessian eps=nan", lambda: ls.numerical_hessian(lambda th: -th, [1., 1.], eps=np.nan), ValueError,
     r"eps"),
    ("bandit_estimate_variance overflow", lambda: gb.bandit_estimate_variance([1e308, -1e308], [0., 0.], 0.),
     ValueError, r"variances are not finite"),
    ("mean_and_band z=nan", lambda: stats.mean_and_band(np.ones((3, 5)), z=np.nan), ValueError, r"z must be"),
    # -- hangs before
    ("sample_steps endless policy", lambda: ac.sample_steps(CORR, LEFT, 3, seed=0), ValueError, r"trapped forever"),
    ("one_step_gradients max_steps=2**64", lambda: ac.one_step_gradients(
        CORR, CPOL, envs.corridor_theta(1e-9), np.zeros(4), 3, seed=0, max_steps=2**64), ValueError, r"max_steps"),
    # -- misleading message before
    ("gradient_ascent NaN gradient", lambda: pg.gradient_ascent(lambda th: np.full(2, np.nan), [1., 1.], .1, 3),
     pg.DivergenceError, r"grad\(theta\) returned NaN at theta"),
]
CASES = [c for c in CASES if c[1] is not None]


@pytest.mark.parametrize("call, exc, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_second_audit_case_is_refused_clearly(call, exc, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=pattern):
            call()


def test_n_step_returns_with_n_past_the_episode_is_the_monte_carlo_return():
    r, v = [1.0, 1.0], [0.0, 0.0, 0.0]
    for n in (2, 10**20, 2**64):
        np.testing.assert_array_equal(adv.n_step_returns(r, v, 1.0, n), [2.0, 1.0])


def test_log_prob_at_the_mean_with_a_tiny_sigma_is_finite():
    """sigma = e^-800 underflows to 0, but at a = mu the log-density is exactly 800 - ln sqrt(2 pi)."""
    assert gs.log_prob(0.0, 0.0, -800.0) == pytest.approx(800.0 - 0.5 * np.log(2 * np.pi))


def test_seeds_numpy_accepts_still_work():
    ref = pg.sample_episodes(CORR, HALF, 5, seed=3).returns
    np.testing.assert_array_equal(pg.sample_episodes(CORR, HALF, 5, seed=np.int64(3)).returns, ref)
    pg.sample_episodes(CORR, HALF, 5, seed=np.random.default_rng(0))
    pg.sample_episodes(CORR, HALF, 5, seed=[1, 2])
    pg.sample_episodes(CORR, HALF, 5, seed=np.random.SeedSequence(1))
    pg.sample_episodes(CORR, HALF, 5, seed=2**200)


def test_the_size_limit_is_the_documented_one():
    assert MAX_ENTRIES == 2**27
    pg.SoftmaxPolicy.tabular(100, 4)   # 100 x 4 x 400 = 160,000 numbers: fine


def test_mean_and_band_finite_false_keeps_the_gap():
    m, h = stats.mean_and_band([[1.0, np.nan], [3.0, 2.0]], finite=False)
    assert m[0] == 2.0 and np.isnan(m[1]) and np.isnan(h[1])


@pytest.mark.parametrize("rewards", [[5e-324, 0.0], [1 + 1e-15, 1.0], [1e-300, 0.0], [2.0, 2.0 - 4e-16]])
def test_grpo_advantages_of_nearly_equal_or_subnormal_rewards_are_plus_minus_one(rewards):
    """Two different rewards: one answer above, one below, advantages exactly +-1 (they were [2, 0] and [1.2, -0.8])."""
    a = grpo.group_advantages(rewards)
    np.testing.assert_allclose(a, np.sign(np.array(rewards) - min(rewards)) * 2 - 1, rtol=1e-12)


def test_grpo_advantages_of_ordinary_rewards_are_unchanged_bit_for_bit():
    from pgcore import surrogates
    R = np.random.default_rng(0).integers(0, 2, (200, 8)).astype(float) * np.array([1.0, 0.5, 3.0, 1e3]).repeat(2)
    np.testing.assert_array_equal(grpo.group_advantages(R), surrogates.group_relative_advantages(R, axis=-1))
