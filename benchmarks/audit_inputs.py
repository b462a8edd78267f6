"""Throw bad and extreme inputs at pgcore's public API, each call in its own interpreter with a time limit.

Tallies: calls, clear errors (ValueError/TypeError/RuntimeError/ImportError raised by pgcore with a
message), raw exceptions (anything else, or an error raised from inside numpy), silent NaN/inf
(a result holding non-finite numbers), hangs (over the time limit), crashes (the interpreter died).
"Silently wrong" needs a person: the calls that returned normally are listed with --show-ok.

    .venv/bin/python benchmarks/audit_inputs.py [--timeout 20] [--jobs 2] [--show-ok]
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

PRELUDE = """
import json, sys, traceback, warnings
import numpy as np
warnings.simplefilter("ignore")
import pgcore as pg
from pgcore import envs, algorithms as al, gradient_bandit as gb, grpo, surrogates, stats, ppo
corr, cpol = envs.short_corridor(), envs.corridor_policy()
half = np.full((4, 2), 0.5)
def finite(x):
    # a run flagged as diverged (and warned about) is reported, not silent: check the other runs
    dv = getattr(x, "diverged", None)
    if isinstance(dv, np.ndarray) and dv.ndim == 1 and dv.any():
        keep = ~dv.astype(bool)
        return all(np.isfinite(v[keep]).all() for v in vars(x).values()
                   if isinstance(v, np.ndarray) and v.dtype.kind == "f" and v.shape[:1] == keep.shape)
    if isinstance(x, (float, int, np.ndarray, list, tuple)):
        a = np.asarray(x, dtype=object if isinstance(x, (list, tuple)) else None)
        try:
            return bool(np.isfinite(np.asarray(x, dtype=float)).all())
        except Exception:
            return True
    for k in ("returns", "theta", "h", "performance", "rewards"):
        if hasattr(x, k):
            v = getattr(x, k)
            if v is not None and not np.isfinite(np.asarray(v, dtype=float)).all() and k != "returns":
                return False
    return True
try:
    out = eval(sys.argv[1])
    print(json.dumps({"kind": "ok" if finite(out) else "nan"}))
except (ValueError, TypeError, RuntimeError, ImportError, ArithmeticError) as exc:
    tb = traceback.extract_tb(exc.__traceback__)
    raw = any("/numpy/" in f.filename for f in tb[-1:]) or not str(exc)
    print(json.dumps({"kind": "raw" if raw else "clear", "msg": f"{type(exc).__name__}: {exc}"[:200]}))
except BaseException as exc:
    print(json.dumps({"kind": "raw", "msg": f"{type(exc).__name__}: {exc}"[:200]}))
"""

BAD_INT = ["0", "-1", "2.5", "True", "None", "np.nan", "np.inf", "'3'", "2**64", "10**30", "1j"]
BAD_REAL = ["np.nan", "np.inf", "-np.inf", "None", "'a'", "1j", "1e308", "-1e308", "1e-320", "-1", "True"]
BAD_ARR = ["[]", "[np.nan, 0.]", "[np.inf, 0.]", "[1+2j, 3]", "None", "'ab'", "[[1, 2], [3]]", "[1e308, -1e308]",
           "np.zeros((0, 2))", "[[1.]]"]

CALLS = []
CALLS += [f"pg.softmax({a})" for a in BAD_ARR]
CALLS += [f"pg.softmax([1., 2.], temperature={r})" for r in BAD_REAL]
CALLS += [f"pg.SoftmaxPolicy.tabular({i}, 2)" for i in BAD_INT]
CALLS += [f"pg.sample_episodes(corr, half, {i})" for i in BAD_INT]
CALLS += [f"pg.sample_episodes(corr, half, 3, max_steps={i})" for i in BAD_INT]
CALLS += [f"pg.sample_episodes(corr, half, 3, start_state=0, first_action={i})" for i in BAD_INT]
CALLS += [f"pg.evaluate(corr, {a})" for a in BAD_ARR]
CALLS += [f"pg.performance(corr, cpol, {a})" for a in BAD_ARR]
CALLS += [f"pg.policy_gradient(corr, cpol, {a})" for a in BAD_ARR]
CALLS += [f"pg.gradient_ascent(lambda th: -th, [1., 1.], {r}, 5)" for r in BAD_REAL]
CALLS += [f"pg.gradient_ascent(lambda th: -th, [1., 1.], .1, {i})" for i in BAD_INT]
CALLS += [f"pg.gradient_ascent(lambda th: {a}, [0., 0.], .1, 3)" for a in ["None", "1.0", "[1., 2., 3.]", "'x'"]]
CALLS += [f"pg.numerical_gradient(lambda x: float(x @ x), [1., 2.], eps={r})" for r in BAD_REAL]
CALLS += [f"al.reinforce(corr, cpol, envs.corridor_theta(.05), {r}, 2)" for r in BAD_REAL]
CALLS += [f"al.reinforce(corr, cpol, envs.corridor_theta(.05), .01, 1, max_steps={i})"
          for i in BAD_INT + ["2**62", "2**63", "2**64+5", "10**12"]]
CALLS += [f"al.reinforce(corr, cpol, envs.corridor_theta(.05), .01, {i})" for i in BAD_INT[:6]]
CALLS += [f"al.reinforce(corr, cpol, {a}, .01, 2)" for a in BAD_ARR]
CALLS += [f"al.reinforce_gradients(corr, cpol, [0., 0.], 3, baseline={a})" for a in BAD_ARR]
CALLS += [f"gb.gradient_bandit([[0., 1.]], .1, 5, h0={a})" for a in BAD_ARR]
CALLS += [f"gb.gradient_bandit([[0., 1.]], .1, 50, reward_std={r}, seed=0)" for r in BAD_REAL]
CALLS += [f"gb.bandit_testbed(3, mean={r})" for r in BAD_REAL]
CALLS += [f"gb.bandit_gradient_samples([1., 0.], [0., 0.], 10, baseline={r})" for r in BAD_REAL]
CALLS += [f"grpo.group_advantages({a})" for a in BAD_ARR]
CALLS += [f"grpo.group_advantages({a}, 'group_mean')" for a in BAD_ARR]
CALLS += [f"grpo.train_answers(grpo.answer_task(), {r}, 3, 4)" for r in BAD_REAL]
CALLS += [f"grpo.train_answers(grpo.answer_task(), .5, 3, {i})" for i in BAD_INT]
CALLS += [f"surrogates.ppo_clip_objective(1., {r})" for r in BAD_REAL]
CALLS += [f"surrogates.ppo_clip_objective({r}, 1.)" for r in BAD_REAL]
CALLS += [f"stats.mean_and_band({a})" for a in BAD_ARR]
CALLS += [f"pg.monte_carlo_q(corr, half, {i})" for i in BAD_INT[:6]]
CALLS += [f"pg.td0_values(corr, half, 3, {r})" for r in BAD_REAL]
CALLS += [f"pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], terminal={t})" for t in ["1", "[5]", "[0.5]", "None", "'0'"]]
CALLS += [f"pg.MDP(np.ones((1, 1, 1)), [[0.]], [1.], gamma={r})" for r in BAD_REAL]
CALLS += [f"pg.epsilon_greedy_policy(np.zeros((2, 2)), {r})" for r in BAD_REAL]


def run(call, timeout):
    try:
        p = subprocess.run([sys.executable, "-c", PRELUDE, call], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return call, {"kind": "hang"}
    if p.returncode < 0 or not p.stdout.strip():
        return call, {"kind": "crash", "msg": f"rc={p.returncode} {p.stderr[-200:]}"}
    return call, json.loads(p.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--show-ok", action="store_true")
    args = ap.parse_args()
    with ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda c: run(c, args.timeout), CALLS))
    tally = {k: 0 for k in ("clear", "raw", "nan", "hang", "crash", "ok")}
    for call, r in results:
        tally[r["kind"]] += 1
        if r["kind"] in ("raw", "nan", "hang", "crash") or (args.show_ok and r["kind"] in ("ok", "clear")):
            print(f"{r['kind']:6} {call}  {r.get('msg', '')}")
    print(f"calls {len(results)}: " + ", ".join(f"{k} {v}" for k, v in tally.items()))


if __name__ == "__main__":
    main()
