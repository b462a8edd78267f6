"""pgcore on a 32-bit numpy (the browser edition), proved on a 64-bit machine.

In the browser (Pyodide, WebAssembly) ``np.intp`` is int32, and the numpy
functions that take index arrays (``np.bincount``, ``np.take``, ``np.repeat``,
...) cast them to intp with the 'safe' rule: an int64 array there stops a
chapter with ``TypeError: Cannot cast array data from dtype('int64') to
dtype('int32') according to the rule 'safe'``. On this 64-bit machine intp is
int64 and the same code runs, so the bug cannot be seen directly.

The fixture ``wasm32_indices`` recreates the browser's rule: ``np.intp`` becomes
int32 (so code that asks for ``np.intp`` gets what it would get in the
browser), and those numpy functions refuse, with the browser's own message,
any integer array that int32 cannot hold safely. Code that builds an index
array as ``np.int64`` (or takes ``rng.integers`` as is) fails here exactly as
it fails in the browser; code that builds it as ``np.intp`` passes, and gives
the same numbers as without the fixture. (The browser tests in
``tests/browser/test_lite.py`` then run every chapter in the real thing.)
"""

from __future__ import annotations

import functools

import numpy as np
import pytest

import pgcore
from pgcore import envs, gradient_bandit, grpo, reinforce

INT32 = np.dtype(np.int32)


def _check_index(arg, fname):
    if isinstance(arg, np.ndarray) and arg.dtype.kind in "iu" and not np.can_cast(arg.dtype, INT32, "safe"):
        raise TypeError(f"Cannot cast array data from {arg.dtype!r} to {INT32!r} according to the rule 'safe' "
                        f"(in np.{fname}, as numpy does where np.intp is int32)")


def _strict(fname, fn, positions):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for i in positions:
            if i < len(args):
                _check_index(args[i], fname)
        for key in ("indices", "repeats", "ind", "x"):
            if key in kwargs:
                _check_index(kwargs[key], fname)
        return fn(*args, **kwargs)
    return wrapper


# function -> positions of its arguments that numpy casts to intp ('safe')
_INTP_ARGS = {"bincount": (0,), "take": (1,), "repeat": (1,), "put": (1,), "choose": (0,)}


@pytest.fixture
def wasm32_indices(monkeypatch):
    """numpy with the browser's index rules (see the module docstring)."""
    monkeypatch.setenv("PGCORE_KERNEL", "numpy")  # the browser wheel has no C kernel
    monkeypatch.setattr(np, "intp", np.int32)
    for name, positions in _INTP_ARGS.items():
        monkeypatch.setattr(np, name, _strict(name, getattr(np, name), positions))
    yield


def test_the_fixture_catches_an_int64_index_array(wasm32_indices):
    # the bug class itself: what a chapter hit in the browser before the fix
    a = np.random.default_rng(0).integers(0, 3, size=10)  # int64 on every platform
    with pytest.raises(TypeError, match=r"Cannot cast array data from dtype\('int64'\) to dtype\('int32'\)"):
        np.bincount(a)
    with pytest.raises(TypeError, match="Cannot cast array data"):
        np.take(np.arange(5.0), a)
    assert np.bincount(a.astype(np.intp)).sum() == 10  # intp (int32 here) is accepted
    assert np.dtype(np.intp) == INT32


def _corridor_runs():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    th = envs.corridor_theta(0.3)
    out = {}
    for name, kw in {"plain": {}, "baseline": {"baseline_step_size": 0.1},
                     "per_step": {"baseline_step_size": 0.1, "update": "step"}}.items():
        res = reinforce.reinforce(mdp, pol, th, 2 ** -12, 30, n_runs=4, seed=1, backend="numpy", **kw)
        out[name] = (res.returns, res.theta)
    out["gradients"] = reinforce.reinforce_gradients(mdp, pol, th, 200, seed=2)
    out["gradients_b"] = reinforce.reinforce_gradients(mdp, pol, th, 200, baseline=np.full(4, -10.0), seed=2)
    return out


def _gridworld_runs():
    # four actions and random transitions: the other sampling branches
    mdp = envs.gridworld(slip=0.2, gamma=0.9)
    pol = pgcore.SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    th = np.zeros(pol.d)
    res = reinforce.reinforce(mdp, pol, th, 0.05, 5, n_runs=2, seed=3, backend="numpy")
    return {"gw": (res.returns, res.theta), "gw_grad": reinforce.reinforce_gradients(mdp, pol, th, 50, seed=3)}


def _grpo_runs():
    task = grpo.answer_task()
    out = {m: grpo.train_answers(task, 2.0, 5, 4, m, n_runs=3, seed=0).performance for m in grpo.ADVANTAGES}
    out["samples"] = grpo.answer_gradient_samples(task.rewards, task.theta0, 4, 50, "grpo", seed=1)
    return out


def _bandit_runs():
    means = gradient_bandit.bandit_testbed(3, seed=0)
    res = gradient_bandit.gradient_bandit(means, 0.1, 50, seed=1)
    g = gradient_bandit.bandit_gradient_samples(means[0], np.zeros(means.shape[1]), 100, seed=2)
    return {"actions": res.actions, "optimal": res.optimal, "samples": g}


def _mdp_runs():
    mdp = envs.short_corridor()
    pi = np.full((4, 2), 0.5)
    return {"G": pgcore.sample_episodes(mdp, pi, 50, seed=0).returns,
            "q": pgcore.monte_carlo_q(mdp, pi, 20, seed=0)[0],
            "td": pgcore.td0_values(mdp, pi, 20, 0.1, seed=0),
            "sarsa": pgcore.sarsa(mdp, 20, 0.1, 0.1, seed=0)[0]}


def _ppo_runs():
    from pgcore import ppo

    mdp = envs.wall_gridworld()
    pol = pgcore.SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
    out = {}
    for method in ppo.METHODS:
        res = ppo.ppo_train(mdp, pol, np.zeros(pol.d), 3, 4, 0.5, epochs=2, minibatches=2, method=method,
                            entropy_coef=0.1, n_runs=2, seed=4)
        out[method] = (res.theta_history, res.kl, res.returns)
    return out


STUDIES = {"ppo": _ppo_runs, "reinforce": _corridor_runs, "reinforce_gridworld": _gridworld_runs, "grpo": _grpo_runs,
           "gradient_bandit": _bandit_runs, "mdp_sampling": _mdp_runs}


def _flatten(obj):
    if isinstance(obj, dict):
        return {k: _flatten(v) for k, v in obj.items()}
    if isinstance(obj, tuple):
        return tuple(_flatten(v) for v in obj)
    return np.asarray(obj)


@pytest.mark.parametrize("study", sorted(STUDIES))
def test_runs_on_int32_indices_with_the_same_numbers(study, monkeypatch):
    monkeypatch.setenv("PGCORE_KERNEL", "numpy")
    expected = _flatten(STUDIES[study]())
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(np, "intp", np.int32)
        for name, positions in _INTP_ARGS.items():
            mp.setattr(np, name, _strict(name, getattr(np, name), positions))
        got = _flatten(STUDIES[study]())

    def same(a, b):
        if isinstance(a, dict):
            assert a.keys() == b.keys()
            for k in a:
                same(a[k], b[k])
        elif isinstance(a, tuple):
            for x, y in zip(a, b, strict=True):
                same(x, y)
        else:
            np.testing.assert_array_equal(a, b)
    same(expected, got)
