"""Benchmark: REINFORCE on the short corridor, Sutton & Barto's Figure 13.1 study.

The study: step sizes 2**-12, 2**-13, 2**-14, 100 runs x 1000 episodes each,
from the epsilon-greedy-left policy (p(right) = 0.05), about 6 million
environment steps in all. This script times

* ``pgcore.rf.reinforce`` (the compiled kernel when it is built, and
  its pure-numpy fallback, ``backend="numpy"``);
* yardstick 1, "numpy per step": one episode at a time, one run at a time,
  numpy calls for the policy at every step and every update, in the style of
  the well-known reproductions of the book's figures;
* yardstick 2, "tight float loop": one episode at a time on plain Python
  floats (``math.exp``, ``random.random``), the fastest plain-Python form.

Both yardsticks are written here for the corridor only and run the same
algorithm as ``reinforce`` (one update per episode, at the episode's
theta), so the printed final returns also check that all of them learn the
same thing. ``reinforce(..., update="step")``, the book's box taken
literally, is timed too: a few of its runs get stuck in episodes that never
end (chapter 8), which costs it many more steps. Slow methods are timed on a subset of the runs and their
full-study time is extrapolated from the measured time per step (the output
says so); ``--full`` runs everything in full.

Run with ``python benchmarks/bench_reinforce.py [--full]``. It is a script, not a test.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import sys
import time
import warnings

import numpy as np

import pgcore
from pgcore import envs, reinforce as rf

STEP_SIZES = (2.0**-12, 2.0**-13, 2.0**-14)
N_RUNS = 100
N_EPISODES = 1000
P0 = 0.05  # epsilon-greedy-left start
SEED = 20250
MAX_STEPS = 10_000


# -----------------------------------------------------------------------------
# Yardstick 1: numpy at every step (policy, sampling and the score of every
# update term), as in the widely used reproduction code: one run, one episode,
# one step at a time. Same algorithm as ``reinforce`` (update="episode").
# -----------------------------------------------------------------------------
def _corridor_step(s, right):
    """Next state of the short corridor (3 = terminal); state 1 has switched actions."""
    if s == 1:
        return 0 if right else 2
    if right:
        return s + 1
    return max(0, s - 1)


class _NumpyAgent:
    """The agent of the reproductions' style: numpy calls for the policy at every use."""

    def __init__(self, alpha, rng):
        self.x = np.array([[1.0, 0.0], [0.0, 1.0]])  # rows: left, right
        self.theta = np.array([0.0, math.log(P0 / (1 - P0))])  # [h(left), h(right)]
        self.alpha, self.rng = alpha, rng
        self.actions, self.rewards = [], []

    def get_pi(self):
        h = self.x @ self.theta
        t = np.exp(h - np.max(h))
        return t / np.sum(t)

    def choose_action(self):
        right = bool(self.rng.random() < self.get_pi()[1])
        self.actions.append(int(right))
        return right

    def episode_end(self):
        G = np.zeros(len(self.rewards))
        acc = 0.0
        for i in range(len(G) - 1, -1, -1):  # gamma = 1
            acc += self.rewards[i]
            G[i] = acc
        g = np.zeros(2)
        for i in range(len(G)):  # theta is held fixed during the episode
            pmf = self.get_pi()
            g += G[i] * (self.x[self.actions[i]] - pmf @ self.x)
        self.theta = self.theta + self.alpha * g
        self.actions, self.rewards = [], []


def numpy_per_step_run(alpha, n_episodes, rng):
    """One run; returns (undiscounted returns per episode, number of steps)."""
    agent = _NumpyAgent(alpha, rng)
    out = np.empty(n_episodes)
    steps = 0
    for ep in range(n_episodes):
        s, T = 0, 0
        while s != 3 and T < MAX_STEPS:
            s = _corridor_step(s, agent.choose_action())
            agent.rewards.append(-1.0)
            T += 1
        steps += T
        agent.episode_end()
        out[ep] = -T
    return out, steps


# -----------------------------------------------------------------------------
# Yardstick 2: the same algorithm on plain Python floats.
# -----------------------------------------------------------------------------
def float_loop_run(alpha, n_episodes, rnd):
    """One run on Python floats; d = h(left) - h(right), p(right) = 1 / (1 + exp(d))."""
    d = -math.log(P0 / (1 - P0))
    exp, random_ = math.exp, rnd.random
    out = [0.0] * n_episodes
    steps = 0
    rights = []
    for ep in range(n_episodes):
        p = 1.0 / (1.0 + exp(d)) if d < 700.0 else 0.0
        s = 0
        rights.clear()
        while s != 3 and len(rights) < MAX_STEPS:
            right = random_() < p
            rights.append(right)
            if s == 1:
                s = 0 if right else 2
            elif right:
                s += 1
            elif s == 2:
                s = 1
        T = len(rights)
        steps += T
        # score of right for [h_left, h_right]: [-(1-p), 1-p]; of left: [p, -p]
        g_left, G = 0.0, -float(T)  # G_t = -(T - t): reward -1 per step, gamma = 1
        for right in rights:
            g_left += G * (p - right)
            G += 1.0
        d += 2.0 * alpha * g_left  # d = h_left - h_right moves by alpha (g_left - g_right)
        out[ep] = -T
    return out, steps


def time_yardstick(run_fn, make_rng, n_runs):
    """Run ``n_runs`` runs for every step size; returns (seconds, steps, final-return means)."""
    t0 = time.perf_counter()
    steps, finals = 0, []
    for k, alpha in enumerate(STEP_SIZES):
        last = []
        for r in range(n_runs):
            out, n = run_fn(alpha, N_EPISODES, make_rng(1000 * k + r))
            steps += n
            last.append(np.mean(out[-100:]))
        finals.append(float(np.mean(last)))
    return time.perf_counter() - t0, steps, finals


def time_reinforce(backend, n_runs, repeats=3):
    """Best-of-``repeats`` time of the full study with ``reinforce``."""
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    theta0 = envs.corridor_theta(P0)
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        res = [rf.reinforce(mdp, pol, theta0, a, N_EPISODES, n_runs=n_runs,
                                    seed=SEED + k, max_steps=MAX_STEPS, backend=backend)
               for k, a in enumerate(STEP_SIZES)]
        dt = time.perf_counter() - t0
        if dt < best:
            best = dt
            steps = int(sum(r.lengths.sum() for r in res))
            finals = [float(r.returns[:, -100:].mean()) for r in res]
    # one step size, 100 runs x 1000 episodes: the widget's unit of work
    t_one = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        rf.reinforce(mdp, pol, theta0, STEP_SIZES[1], N_EPISODES, n_runs=n_runs,
                             seed=SEED, max_steps=MAX_STEPS, backend=backend)
        t_one = min(t_one, time.perf_counter() - t0)
    return best, steps, finals, t_one


def time_step_mode(n_runs):
    """The book's box taken literally (update="step"), once: its stuck runs cost steps."""
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    theta0 = envs.corridor_theta(P0)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = [rf.reinforce(mdp, pol, theta0, a, N_EPISODES, n_runs=n_runs, seed=SEED + k,
                                    max_steps=MAX_STEPS, update="step")
               for k, a in enumerate(STEP_SIZES)]
    dt = time.perf_counter() - t0
    steps = int(sum(r.lengths.sum() for r in res))
    finals = [float(r.returns[:, -100:].mean()) for r in res]
    stuck = sum(int(r.truncated.any(axis=1).sum()) for r in res)
    return dt, steps, finals, stuck


def line(name, seconds, steps, finals, note="", full_steps=None):
    """One row of the table; 'full s' is the time per step times the study's steps."""
    us = 1e6 * seconds / steps
    full = us * 1e-6 * (FULL_STEPS if full_steps is None else full_steps)
    f = ", ".join(f"{v:7.2f}" for v in finals)
    print(f"{name:<28} {seconds:9.3f} {steps:>10,} {us:9.3f} {full:10.2f}   [{f}] {note}")
    return us


FULL_STEPS = None


def main(argv=None):
    global FULL_STEPS
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="run the slow yardsticks on all 100 runs")
    args = ap.parse_args(argv)

    print(__doc__.splitlines()[0])
    print(f"python {platform.python_version()}, numpy {np.__version__}, pgcore {pgcore.__version__}, "
          f"{platform.machine()}, {os.cpu_count()} cores, kernel backend: {rf.kernel_backend()}")
    print(f"study: step sizes 2^-12, 2^-13, 2^-14 x {N_RUNS} runs x {N_EPISODES} episodes, "
          f"p(right) = {P0} at the start, max_steps = {MAX_STEPS}")
    print()

    has_c = rf.kernel_backend() == "c"
    # reinforce first: its step count is the study's size
    if has_c:
        t_c, steps_c, fin_c, one_c = time_reinforce("c", N_RUNS)
    t_np, steps_np, fin_np, one_np = time_reinforce("numpy", N_RUNS, repeats=1)
    FULL_STEPS = steps_c if has_c else steps_np

    sub = N_RUNS if args.full else 10
    t_y1, steps_y1, fin_y1 = time_yardstick(numpy_per_step_run, np.random.default_rng, sub)
    sub2 = N_RUNS
    t_y2, steps_y2, fin_y2 = time_yardstick(float_loop_run, random.Random, sub2)

    print(f"{'method':<28} {'wall s':>9} {'steps':>10} {'us/step':>9} {'full s':>10}   "
          "[mean return, last 100 episodes, per step size]")
    us_c = None
    if has_c:
        us_c = line("reinforce (C kernel)", t_c, steps_c, fin_c, "best of 3")
    us_np = line("reinforce (numpy fallback)", t_np, steps_np, fin_np)
    us_y1 = line("yardstick: numpy per step", t_y1, steps_y1, fin_y1,
                 "" if sub == N_RUNS else f"({sub} of {N_RUNS} runs; 'full s' extrapolated)")
    us_y2 = line("yardstick: tight float loop", t_y2, steps_y2, fin_y2)
    if has_c:
        t_s, steps_s, fin_s, stuck = time_step_mode(N_RUNS)
        line('reinforce update="step" (C)', t_s, steps_s, fin_s,
             f"{stuck} of {3 * N_RUNS} runs had episodes cut off at {MAX_STEPS} steps",
             full_steps=steps_s)
    print()
    print(f"full study size: {FULL_STEPS:,} environment steps")
    best_us = us_c if us_c is not None else us_np
    one = one_c if has_c else one_np
    print(f"one step size (100 runs x 1000 episodes, alpha = 2^-13): {one:.3f} s")
    print(f"speed-up per step over the tight float loop: {us_y2 / best_us:.1f}x; "
          f"over numpy per step: {us_y1 / best_us:.0f}x")
    print()
    targets = [
        ("whole study < 2 s", (t_c if has_c else t_np) < 2.0),
        ("one step size < 0.5 s", one < 0.5),
        (">= 3x faster per step than the tight float loop", us_y2 / best_us >= 3.0),
    ]
    for name, ok in targets:
        print(f"target {name}: {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
