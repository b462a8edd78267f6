"""Benchmark for chapter 10, "PPO": training throughput, the explorer, the chapter.

Prints

* the training throughput of ``pgcore.ppo.ppo_train`` (numpy, all runs together) on the chapter's
  two problems: environment samples (steps) per second, and sample-epochs per second (each sample
  is used once per epoch);
* the explorer's update latency, the median of 20 changes of the number of epochs: ``set`` (the
  PPO updates of its eight batches, the exact J after every epoch, the artists) and ``set`` plus
  the PNG redraw a live notebook shows (target: under 150 ms);
* the wall-clock time to execute ``chapters/10_ppo.ipynb`` in a fresh kernel (target: under 30 s);
* with ``--sweep``, the sweep behind the chapter's comparison: the single step (one epoch, one
  minibatch) at step sizes 2^-3 .. 2^1 (.. 2^5 on the gridworld) and PPO at α in {2^-4, 2^-3, 2^-2} with K in {4, 10}, on
  the corridor from p = 0.05 and on the wall gridworld, 20 runs, the mean exact J over the
  iterations (95% band over runs).

Run with ``python benchmarks/bench_ppo.py [--sweep] [--no-notebook]``. It is a script, not a
test; the machine's load average is printed with the figures.
"""

from __future__ import annotations

import argparse
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
from pgcore import ppo

ROOT = Path(__file__).resolve().parents[1]


def problems():
    corridor, blind = pg.envs.short_corridor(), pg.envs.corridor_policy()
    grid = pg.envs.wall_gridworld()
    tab = pg.SoftmaxPolicy.tabular(16, 4)
    return {"corridor": (corridor, blind, pg.envs.corridor_theta(0.05)),
            "gridworld": (grid, tab, np.zeros(64))}


def bench_training():
    warnings.simplefilter("ignore", RuntimeWarning)
    for name, (mdp, pol, th0) in problems().items():
        for epochs, minibatches in ((1, 1), (10, 4)):
            t0 = time.perf_counter()
            r = ppo.ppo_train(mdp, pol, th0, 20, 8, 2**-3 if name == "corridor" else 1.0, epochs=epochs,
                              minibatches=minibatches, n_runs=20, seed=0, max_steps=500)
            dt = time.perf_counter() - t0
            n = int(r.steps.sum())
            print(f"{name:9s} ppo_train, 20 runs x 20 iterations x 8 episodes, K = {epochs:2d}: {n:,} samples in "
                  f"{dt:.2f} s = {n / dt:,.0f} samples/s, {n * epochs / dt:,.0f} sample-epochs/s")


def bench_explorer():
    import matplotlib

    matplotlib.use("Agg")
    from pgcore.plotting import png_bytes
    from pgcore.widgets.ppo import PPOExplorer

    for large in (False, True):
        ex = PPOExplorer(large=large)
        t_set, t_all, cpu = [], [], []
        for i in range(20):
            c0 = time.process_time()
            t0 = time.perf_counter()
            ex.set(epochs=[4, 8, 12, 16, 20][i % 5])
            t1 = time.perf_counter()
            png_bytes(ex.fig)
            t_set.append(t1 - t0)
            t_all.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        print(f"explorer large={large!s:5s}: epochs 4-20: set {1000 * np.median(t_set):.1f} ms, set + PNG "
              f"{1000 * np.median(t_all):.1f} ms, CPU time of set + PNG {1000 * np.median(cpu):.1f} ms "
              "(medians of 20; target < 150 ms)")


def bench_notebook():
    nb = ROOT / "chapters" / "10_ppo.ipynb"
    jupyter = Path(sys.executable).with_name("jupyter")
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
        t0 = time.perf_counter()
        subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--output-dir", tmp,
                        "--ExecutePreprocessor.timeout=900", str(nb)], check=True, env=env,
                       capture_output=True, cwd=ROOT / "chapters")
        dt = time.perf_counter() - t0
    print(f"chapter 10 executed in a fresh kernel (nbconvert, kernel start included): {dt:.1f} s (target < 30 s)")


def sweep():
    warnings.simplefilter("ignore", RuntimeWarning)
    print("mean exact J over 20 iterations of 8 episodes, 20 runs, seed 7, GAE(0.95), critic c1 = 1, ϵ = 0.2")
    for name, (mdp, pol, th0) in problems().items():
        rows = []
        for k in (-3, -2, -1, 0, 1) + ((2, 3, 4, 5) if name == "gridworld" else ()):
            rows.append((f"single step, α = 2^{k}", dict(step_size=2.0**k, epochs=1, minibatches=1)))
        for k in (-4, -3, -2, -1, 0, 1):
            for K in (4, 10):
                if name == "corridor" and k > -2:
                    continue
                rows.append((f"PPO, α = 2^{k}, K = {K}", dict(step_size=2.0**k, epochs=K, minibatches=4)))
        for label, kw in rows:
            r = ppo.ppo_train(mdp, pol, th0, 20, 8, lam=0.95, clip=0.2, value_coef=1.0, n_runs=20, seed=7,
                              max_steps=500, **kw)
            J = ppo.performances(mdp, pol, r.theta_history)
            m, h = pg.stats.mean_and_band(J[:, 1:].mean(axis=1))
            print(f"{name:9s} {label:24s}: {m:9.2f} ± {h:.2f}  (cut off {r.n_truncated})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sweep", action="store_true", help="also run the sweep behind the comparison (slow)")
    ap.add_argument("--no-notebook", action="store_true", help="skip executing the chapter")
    args = ap.parse_args()
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    bench_training()
    bench_explorer()
    if not args.no_notebook:
        bench_notebook()
    if args.sweep:
        sweep()


if __name__ == "__main__":
    main()
