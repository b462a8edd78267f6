"""Benchmark: the policy gradient theorem against finite differences.

For tabular softmax policies on random MDPs (``pgcore.envs.random_mdp(S, 4,
seed=0)``, which has S + 1 states, so d = 4 (S + 1) parameters) this times

* ``policy_gradient``: two linear solves of size S + 1, whatever d is;
* ``numerical_gradient(lambda th: performance(...), theta)``: 2 d solves.

and prints a table with the largest absolute difference between the two.
Everything is seeded, so the numbers (not the timings) are reproducible.

Run with ``python benchmarks/bench_gradient.py``. It is a script, not a test.

BLAS runs single-threaded unless ``OPENBLAS_NUM_THREADS`` / ``OMP_NUM_THREADS``
/ ``MKL_NUM_THREADS`` are set: the solves here are small (at most 301 x 301),
and on a busy machine a multi-threaded OpenBLAS spins and inflated the timings
up to 200-fold in our runs. ``OPENBLAS_NUM_THREADS=2 python benchmarks/bench_gradient.py``
measures the library default on a 2-core machine.
"""

from __future__ import annotations

import os
import platform
import sys
import time

if not any(k in os.environ for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")):
    os.environ["OPENBLAS_NUM_THREADS"] = "1"  # before numpy is imported; see the docstring
    os.environ["MKL_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402

import pgcore  # noqa: E402
from pgcore import SoftmaxPolicy, envs, numerical_gradient, performance, policy_gradient

SIZES = (10, 100, 300)
N_ACTIONS = 4
EXACT_REPEATS = 5
FD_REPEATS = 3  # for the finite-difference gradient when all repeats fit in FD_REPEAT_BUDGET
FD_REPEAT_BUDGET = 10.0  # seconds; otherwise the finite-difference gradient is timed once
FD_BUDGET = 60.0  # seconds: above this (estimated) a full finite-difference run is replaced
FD_SUBSET = 200  # ... by this many coordinates, extrapolated to all d


def best_time(fn, repeats):
    """Smallest wall time of ``repeats`` calls, and the last result."""
    best, out = np.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def partial_numerical_gradient(f, theta, coords, eps=1e-6):
    """Central differences along the coordinates ``coords`` only (same formula as pgcore's)."""
    g = np.empty(len(coords))
    for k, i in enumerate(coords):
        e = np.zeros_like(theta)
        e[i] = eps
        g[k] = (f(theta + e) - f(theta - e)) / (2 * eps)
    return g


def blas_name():
    try:
        return np.show_config(mode="dicts")["Build Dependencies"]["blas"]["name"]
    except Exception:  # noqa: BLE001 - informational only
        return "unknown"


def load():
    try:
        return ", ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main():
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        usable = os.cpu_count()
    print("Policy gradient theorem vs central finite differences (tabular softmax, random MDPs)")
    print(f"python {platform.python_version()}, numpy {np.__version__} (BLAS: {blas_name()}), "
          f"pgcore {pgcore.__version__}")
    print(f"CPUs: os.cpu_count() = {os.cpu_count()}, usable by this process = {usable}; "
          f"platform {platform.platform()}")
    print(f"exact: best of {EXACT_REPEATS}; finite differences: best of {FD_REPEATS} "
          f"(one run if {FD_REPEATS} runs would take over {FD_REPEAT_BUDGET:.0f} s)")
    threads = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
               if k in os.environ}
    print(f"BLAS thread settings: {threads or 'library default'}; load average at start: {load()}")
    print()

    header = (f"{'S':>4} {'states':>6} {'d':>5} {'exact [s]':>10} {'finite diff [s]':>16} "
              f"{'ratio':>8} {'max |diff|':>11} {'max |grad|':>11}")
    print(header)
    print("-" * len(header))
    notes = []
    for S in SIZES:
        mdp = envs.random_mdp(S, N_ACTIONS, seed=0)
        pol = SoftmaxPolicy.tabular(mdp.n_states, mdp.n_actions)
        theta = np.random.default_rng(1).standard_normal(pol.d)
        d = pol.d

        def J(th):
            return performance(mdp, pol, th)

        t_exact, g = best_time(lambda: policy_gradient(mdp, pol, theta), EXACT_REPEATS)

        # estimate the cost of one performance evaluation to decide how to time finite differences
        t_one, _ = best_time(lambda: J(theta), 3)
        estimate = 2 * d * t_one
        if estimate * FD_REPEATS <= FD_REPEAT_BUDGET:
            t_fd, g_fd = best_time(lambda: numerical_gradient(J, theta), FD_REPEATS)
            diff = np.max(np.abs(g - g_fd))
            fd_cell = f"{t_fd:16.4g}"
        elif estimate <= FD_BUDGET:
            t_fd, g_fd = best_time(lambda: numerical_gradient(J, theta), 1)
            diff = np.max(np.abs(g - g_fd))
            fd_cell = f"{t_fd:15.4g}¹"
            notes.append(f"¹ S={S}: finite differences timed once (a run takes ~{estimate:.0f} s).")
        else:
            coords = np.random.default_rng(2).choice(d, size=min(FD_SUBSET, d), replace=False)
            t_sub, g_sub = best_time(lambda: partial_numerical_gradient(J, theta, coords), 1)
            t_fd = t_sub * d / len(coords)
            diff = np.max(np.abs(g[coords] - g_sub))
            fd_cell = f"{t_fd:15.4g}²"
            notes.append(f"² S={S}: finite differences timed on {len(coords)} of {d} coordinates "
                         f"({t_sub:.3g} s) and extrapolated to all {d}; max |diff| over those "
                         "coordinates only.")
        print(f"{S:>4} {mdp.n_states:>6} {d:>5} {t_exact:>10.4g} {fd_cell} "
              f"{t_fd / t_exact:>8.0f} {diff:>11.2e} {np.max(np.abs(g)):>11.3g}")
        sys.stdout.flush()
    print()
    print(f"load average at end: {load()} (timings are wall-clock: other load on the machine inflates them)")
    for note in sorted(notes):
        print(note)
    print("ratio = finite-difference time / exact time. finite differences cost 2 d = 8 (S + 1) "
          "evaluations of J, each a linear solve of size S + 1; the theorem costs two such solves.")


if __name__ == "__main__":
    main()
