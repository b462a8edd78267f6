"""A second input audit (issue 10): inputs the first audit did not try, each call in its own interpreter.

Other argument combinations; dtype edge cases (bool, object, int8, float16, 0-d
arrays, numpy scalars, ragged lists of lists, -0.0, subnormals, huge and tiny
values); sizes that overflow or would allocate absurd memory; the newest modules
(advantages, actor_critic, gaussian, grpo_lm, tiny_lm) and theorem, landscapes.

Each call runs in a fresh interpreter with a time limit and a memory limit
(address space, so an absurd allocation fails instead of swapping the machine).
Outcomes:

clear   ValueError/TypeError/RuntimeError raised from pgcore's own code, with a message
raw     any other exception (MemoryError, OverflowError, IndexError, ...), or one raised inside numpy
nan     returned normally, but the result holds NaN or inf
wrong   returned normally, but a check of the answer (given with the call) failed
hang    over the time limit
crash   the interpreter died
ok      returned a finite answer (that passed its check, if it has one)

    .venv/bin/python benchmarks/audit_inputs2.py [--timeout 20] [--jobs 2] [--mem-gb 3] [--show-ok]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

PRELUDE = r"""
import json, sys, traceback, warnings
import numpy as np
warnings.simplefilter("ignore")
import pgcore as pg
from pgcore import (envs, algorithms as al, gradient_bandit as gb, grpo, stats, theorem, landscapes as ls,
                    advantages as adv, actor_critic as ac, gaussian as gs, grpo_lm as gl, tiny_lm as lm, objective)
corr, cpol = envs.short_corridor(), envs.corridor_policy()
half = np.full((4, 2), 0.5)
def leaves(x, depth=0):
    if depth > 3:
        return
    if isinstance(x, dict):
        for v in x.values():
            yield from leaves(v, depth + 1)
    elif isinstance(x, (list, tuple)):
        for v in x:
            yield from leaves(v, depth + 1)
    elif isinstance(x, (float, int, complex, np.ndarray, np.generic)):
        yield x
    elif hasattr(x, "__dict__"):
        for k, v in vars(x).items():
            if not k.startswith("_"):
                yield from leaves(v, depth + 1)
def finite(x):
    # a run flagged as diverged (and warned about) is reported, not silent: check the other runs
    dv = getattr(x, "diverged", None)
    if dv is None and isinstance(getattr(x, "diverged_at", None), np.ndarray):
        dv = x.diverged_at >= 0      # GaussianTrainResult: the update at which a run diverged, or -1
    if isinstance(dv, np.ndarray) and dv.ndim == 1 and dv.any():
        keep = ~dv.astype(bool)
        for v in vars(x).values():
            if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.shape[:1] == keep.shape:
                if not np.isfinite(v[keep]).all():
                    return False
        return True
    for v in leaves(x):
        a = np.asarray(v)
        if a.dtype.kind in "fc" and not np.isfinite(a).all():
            return False
    return True
expr, check = sys.argv[1], sys.argv[2]
try:
    out = eval(expr)
except Exception as exc:
    if not (isinstance(exc, (ValueError, TypeError, RuntimeError)) or type(exc).__module__.startswith("pgcore")):
        print(json.dumps({"kind": "raw", "msg": f"{type(exc).__name__}: {exc}"[:220]}))
        raise SystemExit(0)
    tb = traceback.extract_tb(exc.__traceback__)
    last = tb[-1].filename if tb else ""
    raw = "/pgcore/" not in last.replace("\\", "/") or not str(exc)
    print(json.dumps({"kind": "raw" if raw else "clear", "msg": f"{type(exc).__name__}: {exc}"[:220]}))
except BaseException as exc:
    print(json.dumps({"kind": "raw", "msg": f"{type(exc).__name__}: {exc}"[:220]}))
else:
    if check.startswith("inf ok:"):
        check = check[len("inf ok:"):]
    elif not finite(out):
        print(json.dumps({"kind": "nan"}))
        raise SystemExit(0)
    if False:
        print(json.dumps({"kind": "nan"}))
    elif check and not eval(check):
        print(json.dumps({"kind": "wrong", "msg": f"check failed: {check}"}))
    else:
        print(json.dumps({"kind": "ok"}))
"""

# dtype and value edge cases for an array argument
ODD_ARRAYS = [
    "np.array([True, False])", "np.array([1, 2], dtype=object)", "np.array([1, 2], dtype=np.int8)",
    "np.array([1., 2.], dtype=np.float16)", "np.array(3.)", "np.float64(2.)", "[[1., 2.], [3.]]",
    "[-0.0, 0.0]", "[5e-324, 0.]", "[1e-308, -1e-308]", "np.array([np.float16(65504), 0])",
    "np.zeros((2, 0))", "[[[1.]]]", "np.array(['1', '2'])", "np.ma.masked_array([1., 2.], [0, 1])",
]
ODD_SCALARS = ["np.float32(0.1)", "np.int8(3)", "np.bool_(True)", "np.array(0.1)", "np.array([0.1])", "-0.0",
               "5e-324", "np.float16(0.1)", "np.longdouble(0.1)", "np.nan", "2**1000", "float('1e400')",
               "np.array(0.1, dtype=object)", "'0.1'", "None"]
ODD_INTS = ["np.int8(3)", "np.uint64(3)", "np.array(3)", "np.array([3])", "3.0", "np.float16(3)", "-0.0",
            "2**31", "2**40", "2**64", "np.int64(2**62)", "1e18", "np.bool_(True)", "'3'"]

C = []  # (expression, check or "")


def add(expr, check=""):
    C.append((expr, check))


# -- sizes: overflow and absurd allocations ------------------------------------------------------
for n in ["2**64", "2**40", "10**6", "10**5", "2**31"]:
    add(f"pg.SoftmaxPolicy.tabular({n}, 2)")
    add(f"pg.SoftmaxPolicy.tabular(2, {n})")
for args in ["2**20, 2**20", "10**4, 10**4", "1, 2**62", "2**62, 1"]:
    add(f"envs.gridworld({args})")
for args in ["2**40, 2", "10**5, 3", "3, 10**5", "0, 3", "3, 0", "2.5, 3"]:
    add(f"envs.random_mdp({args}, seed=0)")
add("envs.bandit([])")
add("envs.bandit(np.zeros(10**7))")
add("gb.bandit_testbed(10**9, k=10, seed=0)")
add("gb.bandit_testbed(3, k=2**40, seed=0)")
add("gb.bandit_testbed(3, k=0, seed=0)")
add("gb.gradient_bandit([[0., 1.]], .1, 10**12, seed=0)")
add("gb.gradient_bandit(np.zeros((10**5, 10)), .1, 10**5, seed=0)")
add("gb.bandit_gradient_samples([1., 0.], [0., 0.], 10**12, seed=0)")
add("pg.sample_episodes(corr, half, 10**12, seed=0)")
add("pg.sample_episodes(corr, half, 2**63, seed=0)")
add("pg.monte_carlo_q(corr, half, 10**12, seed=0)")
add("al.reinforce(corr, cpol, envs.corridor_theta(.3), .01, 10**9, n_runs=10**6)")
add("al.reinforce(corr, cpol, envs.corridor_theta(.3), .01, 2**31, record_theta=True)")
add("al.reinforce(corr, cpol, envs.corridor_theta(.3), .01, 5, n_runs=2**40)")
add("al.reinforce_gradients(corr, cpol, envs.corridor_theta(.3), 10**12)")
add("pg.gradient_ascent(lambda th: -th, [1., 1.], .1, 10**12)")
add("pg.gradient_ascent(lambda th: -th, np.ones(10**5), .1, 10**5)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 10**9, n_runs=10**5)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 3, n_runs=2**40)")
add("ac.sample_steps(corr, half, 10**12, seed=0)")
add("theorem.unrolled_gradient(corr, cpol, envs.corridor_theta(.3), 10**12)")
add("theorem.unrolled_gradient(corr, cpol, envs.corridor_theta(.3), 2.5)")
add("theorem.unrolled_gradient(corr, cpol, envs.corridor_theta(.3), True)")
add("theorem.state_distribution_errors(corr, half, 10**12, seed=0)")
add("theorem.state_distribution_errors(corr, half, 10, n_repeats=10**12, seed=0)")
add("theorem.state_distribution_errors(corr, half, 0, seed=0)")
add("grpo.train_answers(grpo.answer_task(), .5, 10**9, 4, n_runs=10**6)")
add("grpo.train_answers(grpo.answer_task(), .5, 3, 2**40)")
add("grpo.answer_gradient_samples(grpo.answer_task().rewards, np.zeros((4, 6)), 2**40, 3, seed=0)")
add("grpo.answer_gradient_samples(grpo.answer_task().rewards, np.zeros((4, 6)), 4, 10**12, seed=0)")
add("grpo.expected_answer_update(grpo.answer_task().rewards, np.zeros((4, 6)), 200)")
add("ls.grid_values(lambda th: 0., np.linspace(0, 1, 10**5), np.linspace(0, 1, 10**5))")
add("ls.example_quadratic().iterates([1., 1.], .1, 10**12)")
add("ls.ascent_trace(ls.example_quadratic(), [1., 1.], .1, 10**12)")
add("lm.init_params(10**6, embed=10**6, hidden=10**6, seed=0)")
add("lm.init_params(2**40, seed=0)")
add("lm.init_params(0, seed=0)")
add("lm.init_params(3, embed=0, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 10**9, 5, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 2, 10**9, seed=0)")
add("gl.addition_task(n_test=0)")
add("gl.addition_task(max_len=10**9)")
add("gl.addition_task(max_len=2**40)")
add("gs.line_task().train(np.zeros(3), .01, 10**12)")
add("gs.line_task().train(np.zeros(3), .01, 3, batch_size=10**9, n_runs=10**6)")
add("gs.line_task().gradient_samples(np.zeros(3), 10**12, seed=0)")
add("stats.mean_and_band(np.ones((3, 5)), z=np.nan)")
add("stats.mean_and_band(np.ones((3, 5)), z=-1)")

# -- dtype edge cases at the door -------------------------------------------------------------------
for a in ODD_ARRAYS:
    add(f"pg.softmax({a})")
    add(f"pg.log_softmax({a})")
    add(f"grpo.group_advantages({a})")
    add(f"adv.td_errors({a}, [0., 0., 0.], 1.)")
    add(f"gs.log_prob({a}, 0., 0.)")
    add(f"objective.discounted_returns({a}, 0.9)")
    add(f"objective.running_mean({a})[0]")   # se[0] is NaN by definition (documented)
    add(f"stats.mean_and_band({a})")
for a in ODD_SCALARS:
    add(f"pg.softmax([1., 2.], temperature={a})")
    add(f"adv.gae([1., 1.], [0., 0., 0.], {a}, .9)")
    add(f"adv.gae([1., 1.], [0., 0., 0.], .9, {a})")
    add(f"al.reinforce(corr, cpol, envs.corridor_theta(.3), {a}, 2, seed=0)")
    add(f"gs.log_prob(0., 0., {a})")
    add(f"envs.corridor_theta({a})")
    add(f"envs.corridor_performance({a})")
    add(f"grpo.kl_k3({a}, 0.)")
for i in ODD_INTS:
    add(f"pg.sample_episodes(corr, half, {i}, seed=0)")
    add(f"adv.n_step_returns([1., 1.], [0., 0., 0.], 1., {i})")
    add(f"pg.SoftmaxPolicy.tabular({i}, 2)")
    add(f"ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, {i}, seed=0)")
    add(f"grpo.train_answers(grpo.answer_task(), .5, {i}, 4, seed=0)")
    add(f"lm.init_params({i}, seed=0)")
    add(f"gl.addition_task(n_test={i})")
    add(f"gb.bandit_testbed({i}, seed=0)")
    add(f"al.reinforce(corr, cpol, envs.corridor_theta(.3), .01, 2, n_runs={i}, seed=0)")

# -- seeds ---------------------------------------------------------------------------------------------
for s in ["-1", "2.5", "'a'", "np.nan", "2**200", "np.random.default_rng(0)", "[1, 2]"]:
    add(f"pg.sample_episodes(corr, half, 3, seed={s})")
    add(f"al.reinforce(corr, cpol, envs.corridor_theta(.3), .01, 2, seed={s})")
    add(f"gs.line_task().gradient_samples(np.zeros(3), 3, seed={s})")

# -- other combinations, with checks of the answer --------------------------------------------------
add("pg.softmax([0., np.log(3.)])", "np.allclose(out, [0.25, 0.75])")
add("pg.softmax([-0.0, 0.0])", "np.allclose(out, [0.5, 0.5])")
add("pg.softmax([5e-324, 0.])", "np.allclose(out, [0.5, 0.5])")
add("pg.softmax([1e308, 1e308])", "np.allclose(out, [0.5, 0.5])")
add("pg.softmax([1e308, -1e308])", "np.allclose(out, [1., 0.])")
add("pg.softmax(np.array([1., 2.], dtype=np.float16))", "np.allclose(out, pg.softmax([1., 2.]), atol=1e-3)")
add("pg.softmax([1., 2.], temperature=5e-324)", "np.allclose(out, [0., 1.])")
add("pg.softmax([1., 2.], temperature=1e308)", "np.allclose(out, [.5, .5])")
add("pg.softmax([[1., 2.], [3., 4.]], axis=0)", "np.allclose(out.sum(axis=0), 1)")
add("pg.softmax([1., 2.], axis=1)")
add("pg.softmax([1., 2.], axis=2.5)")
# log of a probability that underflows to 0: -inf is the right float answer
add("pg.log_softmax([1e308, -1e308])", "inf ok:out[0] == 0 and out[1] == -np.inf")
add("pg.log_softmax([0., -np.inf])")
add("grpo.group_advantages([1., 1., 1.])", "np.allclose(out, 0)")
add("grpo.group_advantages([1e308, -1e308])")
add("grpo.group_advantages([5e-324, 0.])", "np.all(np.isfinite(out))")
add("grpo.group_advantages([[1., 0.], [0., 1.]])", "np.allclose(np.abs(out), 1)")
add("grpo.group_advantages([1., 0.], 'nope')")
add("grpo.kl_k3(0., 0.)", "out == 0")
add("grpo.kl_k3(-1e308, 0.)")
add("grpo.kl_k3(0., -1e308)")
add("grpo.kl_k3([0., np.nan], 0.)")
add("grpo.length_weights(np.ones((2, 3)), norm='nope')")
add("grpo.length_weights(np.zeros((2, 3)))")
add("grpo.length_weights(np.ones((2, 3)), norm='constant', max_len=0)")
add("grpo.length_weights(np.ones((2, 3)), norm='constant', max_len=-1)")
add("grpo.sequence_advantages([[1., 0.], [np.nan, 1.]])")
add("adv.td_errors([1., 1.], [0., 0., 0.], 1.)", "np.allclose(out, [1., 1.])")
add("adv.td_errors([1., 1.], [0., 0.], 1.)")
add("adv.td_errors([], [0.], 1.)")
add("adv.td_errors([1., 1.], [0., np.nan, 0.], 1.)")
add("adv.td_errors([1e308, 1e308], [0., 1e308, 0.], 1.)")
add("adv.gae([1., 1.], [0., 0., 0.], 1., 1.)", "np.allclose(out, [2., 1.])")
add("adv.gae([1., 1.], [0., 0., 0.], 1.5, 1.)")
add("adv.gae([1., 1.], [0., 0., 0.], 1., -0.1)")
add("adv.gae(np.ones((2, 3)), np.zeros((2, 4)), .9, .9)", "out.shape == (2, 3)")
add("adv.n_step_returns([1., 1.], [0., 0., 0.], 1., 0)")
add("adv.n_step_returns([1., 1.], [0., 0., 0.], 1., 10**20)", "np.allclose(out, [2., 1.])")
add("adv.lambda_returns([1., 1.], [0., 0., 0.], 1., 1.)", "np.allclose(out, [2., 1.])")
add("gs.log_prob(0., 0., 0.)", "abs(out + 0.5 * np.log(2 * np.pi)) < 1e-12")
add("gs.log_prob(0., 0., -800.)")
add("gs.log_prob(0., 0., 800.)")
add("gs.log_prob(1e308, -1e308, 0.)")
add("gs.score(1., 0., -400.)")
add("gs.score([1., 2.], [0., 0., 0.], 0.)")
add("gs.line_task(states=[])")
add("gs.line_task(states=[[1., 2.]])")
add("gs.line_task(states=[np.nan])")
add("gs.line_task(slope=np.inf)")
add("gs.line_task().objective(np.zeros(3))")
add("gs.line_task().objective(np.full(3, 1e308))")
add("gs.line_task().gradient(np.array([0., 0., 800.]))")
add("gs.line_task().train(np.zeros(3), np.inf, 3)")
add("gs.line_task().train(np.zeros(3), 1e308, 3, seed=0)")
add("gs.line_task().train(np.zeros(3), .01, 3, baseline='batch', batch_size=1)")
add("gs.line_task().train(np.zeros(3), .01, 3, baseline='nope')")
add("gs.line_task().train(np.zeros(3), .01, 0)")
add("gs.line_task().gradient_samples(np.zeros(3), 0, seed=0)")
add("ac.advantage(corr, half)", "np.all(np.isfinite(out))")
add("ac.advantage(corr, np.array([[1., 0.]] * 4))")
add("ac.advantage(corr, np.full((4, 2), 0.6))")
add("ac.advantage(corr, np.full((3, 2), 0.5))")
add("ac.td_fixed_point(corr, half)", "np.all(np.isfinite(out))")
add("ac.td_fixed_point(corr, half, features=np.zeros((4, 1)))")
add("ac.td_fixed_point(corr, half, features=np.ones((4, 9)))")
add("ac.td_fixed_point(corr, half, features=np.full((4, 2), np.nan))")
add("ac.expected_advantage_estimate(corr, half, np.zeros(4), lam=1.5)")
add("ac.expected_advantage_estimate(corr, half, np.zeros(4), lam=.5, n=2)")
add("ac.expected_advantage_estimate(corr, half, np.zeros(3))")
add("ac.expected_advantage_estimate(corr, half, np.full(4, np.nan))")
add("ac.expected_update(corr, cpol, envs.corridor_theta(.3), np.zeros(4), lam=np.nan)")
add("ac.critic_bias(corr, cpol, envs.corridor_theta(.3), np.zeros(4))")
add("ac.advantage_variance(corr, half, np.zeros(4))")
add("ac.advantage_variance(corr, half, np.zeros(4), lam=0.5, n=3)")
add("ac.advantage_bias_variance(corr, half, np.zeros(4), steps=0)")
add("ac.one_step_gradients(corr, cpol, envs.corridor_theta(.3), np.zeros(4), 0, seed=0)")
add("ac.one_step_gradients(corr, cpol, envs.corridor_theta(1e-9), np.zeros(4), 3, seed=0, max_steps=2**64)")
add("ac.sample_steps(corr, np.array([[1., 0.]] * 4), 3, seed=0)")
add("ac.step_weights(corr, np.array([[1., 0.]] * 4))")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 3, max_steps=2**64, seed=0)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 3, max_steps=0, seed=0)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 3, w0=[np.nan] * 4, seed=0)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), .01, .1, 3, critic_features=np.ones((4, 0)), seed=0)")
add("ac.actor_critic(corr, cpol, envs.corridor_theta(.3), 1e308, 1e308, 30, seed=0)")
add("ac.actor_critic(corr, pg.SoftmaxPolicy.tabular(4, 2), [1000., -1000.] * 4, .01, .1, 3, seed=0)")
add("theorem.state_terms(corr, cpol, [np.nan, 0.])")
add("theorem.state_terms(corr, cpol, [0., 0., 0.])")
add("theorem.start_state_gradient(corr, cpol, [1000., -1000.])")
# visits_gradient is the gradient of the expected visits eta(x): its rows sum to -dE[T]/dtheta
add("theorem.visits_gradient(corr, cpol, [0., 0.])", "np.allclose(out.sum(axis=0), [2., -2.])")
add("theorem.unrolled_gradient(corr, cpol, [0., 0.], 0)")
add("theorem.dropped_discount_direction(corr, cpol, [0., 0.])")
add("theorem.state_distribution_errors(corr, np.array([[1., 0.]] * 4), 10, seed=0)")
add("theorem.state_distribution_errors(None, half, 10, seed=0)")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).value([1e200, 1e200])")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).grad([1., 2., 3.])")
add("ls.Quadratic([[1., 0.], [0., -1.]], [0., 0.])")
add("ls.Quadratic([[1., 2.], [0., 1.]], [0., 0.])")
add("ls.Quadratic([[np.nan]], [0.])")
add("ls.Quadratic([[1.]], [np.inf])")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).regime(np.nan)")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).regime(-1.)")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).iterates([1., 1.], .1, -1)")
add("ls.Quadratic([[1., 0.], [0., 1.]], [0., 0.]).iterates([1., 1.], 1e308, 50)")
add("ls.corridor_tiles_probs([np.nan, 0.])")
add("ls.corridor_tiles_probs([1e308, -1e308])", "np.all((out >= 0) & (out <= 1))")
add("ls.corridor_tiles_performance([0., 0., 0.])")
add("ls.corridor_tiles_performance([800., -800.])")
add("ls.corridor_tiles_landscape(max_norm=-1)")
add("ls.corridor_tiles_landscape(max_norm=np.nan)")
add("ls.compass_bandit(means=[np.nan, 0., 0., 0.])")
add("ls.compass_landscape(means=[1., 2.])")
add("ls.numerical_hessian(lambda th: -th, [1., 1.], eps=0.)")
add("ls.numerical_hessian(lambda th: -th, [1., 1.], eps=np.nan)")
add("ls.numerical_hessian(lambda th: None, [1., 1.])")
add("ls.numerical_hessian(3, [1., 1.])")
add("ls.grid_values(lambda th: 0., [], [0., 1.])")
add("ls.grid_values(lambda th: None, [0., 1.], [0., 1.])")
# grid_values documents NaN where value(theta) cannot be computed (a figure leaves it blank)
add("ls.grid_values(lambda th: np.nan, [0., 1.], [0., 1.])", "inf ok:np.isnan(out).all()")
add("ls.grid_values(lambda th: 0., [[0., 1.]], [0., 1.])")
add("ls.ascent_trace(ls.example_quadratic(), [1., 1.], np.inf, 5)")
add("ls.ascent_trace(ls.example_quadratic(), [1., 1.], 1e308, 5)")
add("ls.ascent_trace(ls.example_quadratic(), [1., 1.], .1, 5, max_norm=-1)")
add("ls.ascent_trace(None, [1., 1.], .1, 5)")
add("ls.PolicyLandscape(corr, cpol, max_norm=np.nan)")
add("ls.PolicyLandscape(corr, cpol).value([800., -800.])")
add("lm.encode('12a')")
add("lm.encode(12)")
add("lm.encode('')")
add("lm.decode([99])")
add("lm.decode([-1])")
add("lm.decode([1.5])")
add("lm.decode(np.array([1, 2], dtype=np.int8))", "out == '12'")
add("lm.forward(lm.init_params(3, seed=0), np.array([[1, 2, 99]]))")
add("lm.forward(lm.init_params(3, seed=0), np.array([[1, 2]]))")
add("lm.forward(lm.init_params(3, seed=0), np.array([[1., 2., 3.5]]))")
add("lm.forward(lm.init_params(3, seed=0), np.array([[True, False, True]]))")
add("lm.forward({'E': 1}, np.array([[1, 2, 3]]))")
add("lm.forward(None, np.array([[1, 2, 3]]))")
add("lm.token_logprobs(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), [0, 99])")
add("lm.token_logprobs(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), [0])")
add("lm.weighted_logprob_grad(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), [0, 1], [np.nan, 1.])")
add("lm.weighted_logprob_grad(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), [0, 1], [1e308, 1e308])")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 2, 5, temperature=0, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 2, 5, temperature=np.nan, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 2, 5, temperature=5e-324, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 2, 5, temperature=1e308, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 4), dtype=int), 2, 5, seed=0)")
add("lm.sample(lm.init_params(3, seed=0), np.zeros((2, 3), dtype=int), 0, 5, seed=0)")
add("lm.answer_mask(np.array([[1, 2, 99]]))")
add("lm.answer_mask([[1, 2], [3]])")
add("lm.sequence_logprobs(lm.init_params(11, seed=0), np.zeros((2, 6), dtype=int), np.zeros((3, 6), dtype=int))")
add("lm.Adam(np.nan)")
add("lm.Adam(-1.)")
add("lm.Adam(1e-3).step(lm.init_params(3, seed=0), {'E': 1})")
add("gl.verify(gl.addition_task(), 10**6, np.zeros((2, 6), dtype=int))")
add("gl.verify(gl.addition_task(), -1, np.zeros((2, 6), dtype=int))")
add("gl.verify(gl.addition_task(), 0, np.zeros((2, 6), dtype=int), verifier='nope')")
add("gl.verify(gl.addition_task(), 0, np.full((2, 6), 99))")
add("gl.accuracy(lm.init_params(11, seed=0), gl.addition_task(), which='nope')")
add("gl.noisy_answers(gl.addition_task(), [0, 1], digit_noise=1.5)")
add("gl.noisy_answers(gl.addition_task(), [0, 1], digit_noise=np.nan)")
add("gl.noisy_answers(gl.addition_task(), [0, 10**6])")
add("gl.noisy_answers(gl.addition_task(), [0.5])")
add("gl.pretrain(gl.addition_task(), n_examples=0)")
add("gl.pretrain(gl.addition_task(), n_examples=10**6)")
add("gl.pretrain(gl.addition_task(), lr=np.nan, max_steps=2)")
add("gl.pretrain(gl.addition_task(), lr=1e308, max_steps=3, target=0.)")
add("gl.pretrain(gl.addition_task(), target=np.nan, max_steps=2)")
add("gl.pretrain(gl.addition_task(), batch=0, max_steps=2)")
add("gl.pretrain(gl.addition_task(), batch=10**9, max_steps=2)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), method='nope', n_iters=1)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, group_size=0)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, group_size=10**9)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, n_prompts=10**9)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, lr=np.nan)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=2, lr=1e308, eval_every=1)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, clip=-1)")
add("gl.train_lm(gl.addition_task(), lm.init_params(11, seed=0), n_iters=1, beta=np.inf)")
add("gl.train_lm(gl.addition_task(), lm.init_params(5, seed=0), n_iters=1)")
add("gl.train_lm(gl.addition_task(), None, n_iters=1)")
add("gl.show_answers(lm.init_params(11, seed=0), gl.addition_task(), [10**6])")
add("gl.show_answers(lm.init_params(11, seed=0), gl.addition_task(), [0], n_samples=0)")
add("gb.bandit_gradient([1., 0.], [0., 0.])", "np.allclose(out, [0.25, -0.25])")
add("gb.bandit_gradient([1., 0.], [0., 0., 0.])")
add("gb.bandit_gradient([1e308, -1e308], [0., 0.])")
add("gb.bandit_gradient([1., 0.], [800., -800.])", "np.all(np.isfinite(out))")
add("gb.bandit_estimate_variance([1., 0.], [0., 0.], np.nan)")
add("gb.bandit_estimate_variance([1., 0.], [0., 0.], 0., reward_std=-1)")
add("gb.bandit_estimate_variance([1e308, -1e308], [0., 0.], 0.)")
add("gb.optimal_constant_baseline([1., 0.], [800., -800.])")
add("gb.optimal_constant_baseline([1., 0.], [np.nan, 0.])")
add("gb.gradient_bandit([[0., 1.]], .1, 5, baseline='yes')")
add("gb.gradient_bandit([[0., 1.]], .1, 5, reward_std=-1)")
add("gb.gradient_bandit([0., 1.], .1, 5, seed=0)")
add("gb.gradient_bandit([[0.]], .1, 5, seed=0)")
add("gb.gradient_bandit([[]], .1, 5, seed=0)")
add("gb.gradient_bandit([[0., 1.]], .1, 0, seed=0)")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], terminal=[True])")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], terminal=np.array([0], dtype=np.int8))")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], terminal=[0, 0])")
add("pg.MDP(np.ones((1, 1, 1)), [[np.nan]], [1.])")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], gamma=np.float16(0.5))")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], gamma=-0.0)")
add("pg.MDP(np.ones((2, 1, 2)) / 2, [[0.], [0.]], [0.5, 0.5], gamma=0.9)")
add("pg.MDP(np.full((1, 1, 1), True), [[0.]], [1.])")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [True])")
add("pg.MDP([[[1.]], [[1.]]], [[0.]], [1.])")
add("pg.MDP(np.ones((1, 1, 1), dtype=object), [[0.]], [1.])")
add("pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], state_names=[1, 2])")
add("pg.evaluate(corr, np.array([[1, 0]] * 4, dtype=bool))")
add("pg.evaluate(corr, np.array([[.5, .5]] * 4, dtype=np.float16))")
add("pg.evaluate(corr, np.full((4, 2), 0.5, dtype=object))")
add("pg.evaluate(corr, [[.5, .5]] * 3 + [[1.]])")
add("pg.evaluate(corr, np.full((4, 2), 0.5)[None])")
add("pg.evaluate(corr, np.array([[.5 + 1e-7, .5 - 1e-7]] * 4))")
add("pg.state_distribution(corr, np.array([[1., 0.]] * 4))")
add("pg.expected_visits(corr, np.array([[1., 0.]] * 4))")
add("pg.visit_counts(None, half, 3)")
add("pg.monte_carlo_returns(None, half, 3)")
add("pg.check_policy(corr, [[.5, .5]] * 4)")
add("pg.greedy_policy(np.full((2, 2), np.nan))")
add("pg.greedy_policy([[1., 2.], [3.]])")
add("pg.epsilon_greedy_policy(np.zeros((2, 2)), 1.5)")
add("pg.epsilon_greedy_policy(np.zeros((2, 0)), .1)")
add("pg.value_iteration(corr, tol=0.)")
add("pg.value_iteration(corr, tol=np.nan)")
add("pg.value_iteration(corr, max_iter=10**12)")
add("pg.sarsa(corr, 10, .1, .1, seed=0)")
add("pg.sarsa(corr, 10, np.nan, .1, seed=0)")
add("pg.td0_values(corr, half, 3, .1, max_steps=2**64)")
add("pg.performance(corr, cpol, [np.float16(0.), 0.])")
add("pg.performance(corr, cpol, np.array([0., 0.], dtype=object))")
add("pg.performance(corr, cpol, np.array(0.))")
add("pg.policy_gradient(corr, cpol, [-0.0, 5e-324])", "np.all(np.isfinite(out))")
add("pg.numerical_gradient(lambda x: np.nan, [1., 2.])")
add("pg.numerical_gradient(lambda x: 'a', [1., 2.])")
add("pg.numerical_gradient(lambda x: np.array([1., 2.]), [1., 2.])")
add("pg.numerical_gradient(lambda x: float(x @ x), [1e308, 0.])")
add("pg.gradient_ascent(lambda th: -th, [1., 1.], .1, 3, max_norm=np.nan)")
add("pg.gradient_ascent(lambda th: np.full(2, np.nan), [1., 1.], .1, 3)")
add("pg.gradient_ascent(lambda th: -th, np.array([1, 1], dtype=np.int8), .1, 3)", "np.all(np.abs(out.theta) < 1) if hasattr(out, 'theta') else True")
add("pg.gradient_ascent(lambda th: -th, [True, False], .1, 3)")
add("envs.gridworld(3, 4, slip=1.5)")
add("envs.gridworld(3, 4, slip=np.nan)")
add("envs.gridworld(3, 4, start=(5, 5))")
add("envs.gridworld(3, 4, goal=(0, -1))")
add("envs.gridworld(3, 4, walls=[(0, 0)])")
add("envs.gridworld(3, 4, start=(0, 0), goal=(0, 0))")
add("envs.gridworld(1, 1)")
add("envs.gridworld(3, 4, gamma=1.5)")
add("envs.random_mdp(3, 2, exit_prob=(0.5, 0.1), seed=0)")
add("envs.random_mdp(3, 2, exit_prob=(0., 0.), seed=0)")
add("envs.random_mdp(3, 2, exit_prob=(np.nan, 0.1), seed=0)")
add("envs.random_mdp(3, 2, gamma=np.nan, seed=0)")
add("envs.corridor_theta(0.)")
add("envs.corridor_theta(1.)")
add("envs.corridor_theta(5e-324)")
add("envs.corridor_performance(1e-300)")
add("objective.golden_section_max(lambda x: -x * x, 1., 0.)")
add("objective.golden_section_max(lambda x: np.nan, 0., 1.)")
add("objective.golden_section_max(lambda x: -x * x, -1., 1., tol=0.)")
add("objective.golden_section_max(lambda x: -x * x, -1., 1., max_iter=0)")
add("objective.golden_section_max(lambda x: -x * x, -np.inf, 1.)")
add("objective.corridor_values(0.)")
add("objective.corridor_values(np.nan)")
add("objective.corridor_values(5e-324)")
add("objective.corridor_probs(1.5)")
add("objective.discounted_returns([1., 1.], gamma=1.5)")
add("objective.sample_trajectory(corr, half, max_steps=2**64)")
add("stats.mean_and_band(np.ones((3, 5)), axis=5)")
add("stats.mean_and_band(np.array([[1e308], [1e308]]))")
add("stats.mean_and_band(np.array([1., 2.], dtype=np.float16))", "np.allclose(out[0], 1.5)")


def run(item, timeout, mem_gb):
    expr, check = item
    limit = int(mem_gb * 2**30)

    def cap():
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1", PGCORE_THREADS="1")
    try:
        p = subprocess.run([sys.executable, "-c", PRELUDE, expr, check], capture_output=True, text=True,
                           timeout=timeout, preexec_fn=cap, env=env)
    except subprocess.TimeoutExpired:
        return item, {"kind": "hang"}
    lines = p.stdout.strip().splitlines()
    if p.returncode != 0 or not lines:
        return item, {"kind": "crash", "msg": f"rc={p.returncode} {p.stderr[-300:]}"}
    return item, json.loads(lines[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--mem-gb", type=float, default=3.0)
    ap.add_argument("--show-ok", action="store_true")
    ap.add_argument("--only", default="", help="run only the calls containing this text")
    args = ap.parse_args()
    calls = [c for c in C if args.only in c[0]]
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: run(c, args.timeout, args.mem_gb), calls))
    kinds = ("clear", "raw", "nan", "wrong", "hang", "crash", "ok")
    tally = {k: 0 for k in kinds}
    for (expr, check), r in results:
        tally[r["kind"]] += 1
        if r["kind"] not in ("clear", "ok") or args.show_ok:
            print(f"{r['kind']:6} {expr}  {r.get('msg', '')}")
    print()
    print("| calls | clear errors | raw exceptions | silent NaN/inf | wrong | hangs | crashes | ok |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(results)} | {tally['clear']} | {tally['raw']} | {tally['nan']} | {tally['wrong']} | "
          f"{tally['hang']} | {tally['crash']} | {tally['ok']} |")


if __name__ == "__main__":
    main()
