"""Benchmark for chapter 9, "Actor-critic": speed of the batched algorithm, the chapter, the explorer.

Prints

* steps per second of ``pgcore.actor_critic.actor_critic`` (numpy, the runs
  advancing together one time step per iteration) on the chapter's two
  studies, the short corridor (100 runs x 300 episodes) and the wall
  gridworld (100 runs x 200 episodes), next to a plain-Python transcription
  of Sutton & Barto's box (one run at a time, floats and ``math.exp``) timed on
  a few runs;
* the wall-clock time to execute ``chapters/09_actor_critic.ipynb`` in a fresh
  kernel (target: under 30 s);
* the explorer's update latency, the median of 20 changes of λ: ``set`` (the
  exact computation and the artists) and ``set`` plus the PNG redraw a live
  notebook shows (target: under 150 ms);
* with ``--sweep``, the step-size sweep behind the chapter's choice of step
  sizes (mean return over all episodes, 20 runs, powers of two); slow.

Run with ``python benchmarks/bench_actor_critic.py [--sweep] [--no-notebook]``.
It is a script, not a test; the machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

import pgcore as pg
from pgcore import actor_critic as ac, reinforce as rf

ROOT = Path(__file__).resolve().parents[1]


def box_python(mdp, pol, theta0, a_th, a_w, n_episodes, seed):
    """One run of the book's box in plain Python floats (tabular critic); returns the number of steps."""
    rng = np.random.default_rng(seed)
    S, A = mdp.n_states, mdp.n_actions
    x = pol.features.tolist()
    P = mdp.P.tolist()
    R = mdp.R.tolist()
    live = mdp.nonterminal.tolist()
    start = int(np.argmax(mdp.start))
    th = list(map(float, theta0))
    w = [0.0] * S
    d = len(th)
    steps = 0
    for _ in range(n_episodes):
        s, I = start, 1.0
        while live[s]:
            h = [sum(x[s][b][k] * th[k] for k in range(d)) for b in range(A)]
            top = max(h)
            e = [math.exp(v - top) for v in h]
            tot = sum(e)
            u, c, a = rng.random() * tot, 0.0, A - 1
            for b in range(A):
                c += e[b]
                if u < c:
                    a = b
                    break
            u, c, s2 = rng.random(), 0.0, S - 1
            for j, p in enumerate(P[s][a]):
                c += p
                if u < c:
                    s2 = j
                    break
            delta = R[s][a] + mdp.gamma * (w[s2] if live[s2] else 0.0) - w[s]
            w[s] += a_w * delta
            for k in range(d):
                xbar = sum(e[b] / tot * x[s][b][k] for b in range(A))
                th[k] += a_th * I * delta * (x[s][a][k] - xbar)
            I *= mdp.gamma
            s = s2
            steps += 1
    return steps


def bench_algorithm():
    corridor, blind = pg.envs.short_corridor(), pg.envs.corridor_policy()
    grid = pg.envs.wall_gridworld()
    tab = pg.SoftmaxPolicy.tabular(16, 4)
    studies = [("corridor", corridor, blind, pg.envs.corridor_theta(0.05), 2**-6, 2**-2, 300),
               ("gridworld", grid, tab, np.zeros(64), 2**-1, 2**-1, 200)]
    for name, mdp, pol, th0, a_th, a_w, E in studies:
        t0 = time.perf_counter()
        res = ac.actor_critic(mdp, pol, th0, a_th, a_w, E, n_runs=100, seed=0)
        dt = time.perf_counter() - t0
        steps = int(res.lengths.sum())
        iters = int(res.lengths.sum(axis=1).max())
        print(f"{name:9s}: actor_critic, 100 runs x {E} episodes: {steps:,} steps in {dt:.2f} s = "
              f"{steps / dt:,.0f} steps/s ({iters:,} iterations, {1e6 * dt / iters:.0f} µs each)")
        t0 = time.perf_counter()
        n_py = sum(box_python(mdp, pol, th0, a_th, a_w, E, seed=r) for r in range(3))
        dt = time.perf_counter() - t0
        print(f"{'':9s}  plain-Python box, 3 runs: {n_py:,} steps in {dt:.2f} s = {n_py / dt:,.0f} steps/s")
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            r2 = rf.reinforce(mdp, pol, th0, 2**-9, E, n_runs=100, seed=0, baseline_step_size=2**-6)
        dt = time.perf_counter() - t0
        print(f"{'':9s}  for scale: reinforce ({r2.backend}), same study size: {int(r2.lengths.sum()):,} steps "
              f"in {dt:.2f} s")


def bench_notebook():
    nb = ROOT / "chapters" / "09_actor_critic.ipynb"
    jupyter = Path(sys.executable).with_name("jupyter")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        t0 = time.perf_counter()
        subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--output-dir", tmp,
                        "--ExecutePreprocessor.timeout=900", str(nb)], check=True, env=env,
                       capture_output=True, cwd=ROOT / "chapters")
        dt = time.perf_counter() - t0
    print(f"chapter 9 executed in a fresh kernel (nbconvert, kernel start included): {dt:.1f} s (target < 30 s)")


def bench_explorer():
    import matplotlib

    matplotlib.use("Agg")
    from pgcore.plotting import png_bytes
    from pgcore.widgets.actor_critic import AdvantageExplorer

    for large in (False, True):
        ex = AdvantageExplorer(large=large)
        t_set, t_all, cpu = [], [], []
        for i in range(20):
            lam = [0.0, 0.3, 0.6, 0.9, 1.0][i % 5]
            c0 = time.process_time()
            t0 = time.perf_counter()
            ex.set(lam=lam)
            t1 = time.perf_counter()
            png_bytes(ex.fig)
            t2 = time.perf_counter()
            cpu.append(time.process_time() - c0)
            t_set.append(t1 - t0)
            t_all.append(t2 - t0)
        t_c = []
        for i in range(20):
            t0 = time.perf_counter()
            ex.set(log2_critic_step=[-6.0, -4.0, -2.0, 0.0][i % 4])
            png_bytes(ex.fig)
            t_c.append(time.perf_counter() - t0)
        print(f"explorer large={large!s:5s}: λ changes: set {1000 * np.median(t_set):.1f} ms, set + PNG "
              f"{1000 * np.median(t_all):.1f} ms (CPU time {1000 * np.median(cpu):.1f} ms); critic step changes: set + PNG {1000 * np.median(t_c):.1f} ms "
              "(median of 20; target < 150 ms)")


def sweep():
    corridor, blind = pg.envs.short_corridor(), pg.envs.corridor_policy()
    grid = pg.envs.wall_gridworld()
    tab = pg.SoftmaxPolicy.tabular(16, 4)
    th_c = pg.envs.corridor_theta(0.05)
    warnings.simplefilter("ignore", RuntimeWarning)
    print("mean return over all episodes, 20 runs, seed 3, max_steps 500 (cut-off episodes counted)")
    for name, mdp, pol, th0, E, rf_grid, ac_grid in [
            # each grid reaches at least one power of two past the best setting on every side
            ("corridor", corridor, blind, th_c, 300, (range(-2, -12, -1), range(-1, -10, -1)),
             (range(-4, -9, -1), range(-1, -6, -1))),
            ("gridworld", grid, tab, np.zeros(64), 200, (range(-2, -12, -1), range(-1, -7, -1)),
             (range(0, -4, -1), range(1, -5, -1)))]:
        best = {}
        for la in rf_grid[0]:
            for lw in rf_grid[1]:
                r = rf.reinforce(mdp, pol, th0, 2.0**la, E, n_runs=20, seed=3, baseline_step_size=2.0**lw,
                                 max_steps=500)
                key = ("reinforce + baseline", la, lw)
                best[key] = (r.returns.mean(), r.n_truncated)
        for la in ac_grid[0]:
            for lw in ac_grid[1]:
                r = ac.actor_critic(mdp, pol, th0, 2.0**la, 2.0**lw, E, n_runs=20, seed=3, max_steps=500)
                best[("actor-critic", la, lw)] = (r.returns.mean(), r.n_truncated)
        for method in ("reinforce + baseline", "actor-critic"):
            rows = sorted(((v, k) for k, v in best.items() if k[0] == method and np.isfinite(v[0])),
                          key=lambda x: -x[0][0])
            rows = [r for r in rows if r[0][1] == 0][:3] + [r for r in rows if r[0][1] > 0][:1]
            print(f"{name:9s} {method:21s}: the best three without cut-off episodes, then the best with some")
            for (m, cut), (_, la, lw) in rows:
                print(f"{name:9s} {method:21s} α = 2^{la}, αʷ = 2^{lw}: {m:7.2f} ({cut} cut off)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sweep", action="store_true", help="also run the step-size sweep (slow)")
    ap.add_argument("--no-notebook", action="store_true", help="skip executing the chapter")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    bench_algorithm()
    bench_explorer()
    if not args.no_notebook:
        bench_notebook()
    if args.sweep:
        sweep()
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
