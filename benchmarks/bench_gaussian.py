"""Benchmark of chapter 11 (continuous actions): prints figures, asserts nothing.

Run: ``.venv/bin/python benchmarks/bench_gaussian.py``. Reports the sampling
throughput of one-step REINFORCE estimates, the time of the chapter's training
studies (100 runs at once) and the explorer's update latency (median of 20).
"""

import time

import numpy as np

from pgcore import gaussian as gs
from pgcore.widgets.continuous import GaussianExplorer


def best_of(f, repeat=3):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


task = gs.line_task(offset=10.0)
n = 1_000_000
t = best_of(lambda: task.gradient_samples([0.0, 0.0, -1.0], n, baseline="value", seed=0))
print(f"gradient_samples: {n:,} one-step estimates in {t:.3f} s ({n / t / 1e6:.2f} M/s)")

t = best_of(lambda: task.train(np.zeros(3), 0.02, 300, batch_size=16, n_runs=100, baseline="batch", seed=14))
print(f"train, 100 runs x 300 updates x 16 episodes (480,000 episodes): {t:.3f} s"
      f" ({480_000 / t / 1e6:.2f} M episodes/s)")

bump = gs.line_task(states=(0.0,), slope=0.0, intercept=3.0, reward="bump", width=0.5)
t = best_of(lambda: bump.train([0.0, 0.0, 0.0], 0.5, 400, batch_size=16, n_runs=100, baseline="batch", seed=15))
print(f"train on the bump, 100 runs x 400 updates x 16 episodes: {t:.3f} s")

ex = GaussianExplorer()
times = []
for i, m in enumerate(np.linspace(-2.0, 4.0, 20)):
    ex.set(mean=float(m), reward="bump" if i >= 10 else "quadratic")
    times.append(ex.last_update_ms)
print(f"explorer update: median {np.median(times):.1f} ms, max {max(times):.1f} ms over 20 moves"
      " (a change of reward redraws the contour too)")
