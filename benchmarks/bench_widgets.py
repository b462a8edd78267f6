"""Widget update latency: how long a control takes to redraw its figure.

For every explorer of the book, at normal and presentation (large=True) size:
the median over 20 changes of one control of ``ex.set(...)`` (compute with
pgcore and update the artists) and of ``png_bytes(ex.fig)`` (draw and encode
the image a live notebook shows). The target is 100 ms for the sum. A script
that prints figures, not a timed test: run it on a quiet machine.

    .venv/bin/python benchmarks/bench_widgets.py
"""
import os
import platform

import time, numpy as np
from pgcore import widgets as W
from pgcore.plotting import png_bytes
print(f"python {platform.python_version()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
demos = {
 "epsilon_greedy": (W.epsilon_greedy_explorer, "epsilon", [0.05, 0.1, 0.3, 0.6]),
 "softmax": (W.softmax_explorer, "temperature", [0.5, 1.0, 2.0, 4.0]),
 "performance": (W.performance_explorer, "p", [0.2, 0.4, 0.6, 0.8]),
 "ascent": (W.ascent_explorer, "step_size", [0.05, 0.1, 0.2, 0.3]),
 "theorem": (W.theorem_explorer, None, None),
 "reinforce": (W.reinforce_explorer, "log2_step", [-12.0, -13.0, -14.0, -12.5]),
 "grpo": (W.grpo_explorer, "group_size", [2, 4, 8, 16]),
}
for name, (factory, key, vals) in demos.items():
    for large in (False, True):
        ex = factory(large=large)
        if key is None or key not in ex.values:
            key2 = next(k for k, v in ex.values.items() if isinstance(v, float))
        else:
            key2 = key
        base = ex.values[key2]
        vals2 = vals if (key is not None and key in ex.values) else [base * f for f in (0.5, 0.8, 1.2, 1.5)]
        ts_set, ts_png = [], []
        for i in range(20):
            v = vals2[i % len(vals2)]
            t0 = time.perf_counter(); ex.set(**{key2: v}); t1 = time.perf_counter(); png_bytes(ex.fig); t2 = time.perf_counter()
            ts_set.append(t1 - t0); ts_png.append(t2 - t1)
        print(f"{name:15s} large={large!s:5s} control={key2:12s} set {1000*np.median(ts_set):6.1f} ms  redraw+png {1000*np.median(ts_png):6.1f} ms  total {1000*np.median(np.add(ts_set, ts_png)):6.1f} ms")
