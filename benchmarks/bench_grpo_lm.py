"""Benchmark: the tiny language model and GRPO of chapter 13.

Prints

* sampling throughput (answer tokens per second), batched over prompts x group members;
* the time of one GRPO iteration (sampling, rewards, advantages, the reference
  model's log-probabilities and the inner Adam steps), for the chapter's batch of
  16 prompts x 8 answers;
* the time of the chapter's pretraining and of all its training runs, and which dominates;
* the time of one explorer move.

Every figure is given as wall-clock time and as CPU time of this process
(``time.process_time``): on a shared machine the first depends on the load,
the second much less. OpenBLAS is limited to one thread (as in the chapter):
for matrices this small its threads cost more than they save.

Run with ``python benchmarks/bench_grpo_lm.py``. It is a script, not a test.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from pgcore import grpo_lm as gl, tiny_lm as lm  # noqa: E402


class Timer:
    def __enter__(self):
        self.w, self.c = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.w
        self.cpu = time.process_time() - self.c


def main():
    print(f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "")
    task = gl.addition_task()
    with Timer() as t_pre:
        θ_ref, hist = gl.pretrain(task, n_examples=9000, target=0.15, batch=128, lr=2e-2,
                                  digit_noise=0.2, ramble=0.2, seed=0)
    steps = int(hist[-1, 0])
    print(f"pretraining: {steps} steps of 128 answer tokens, {t_pre.wall:.2f} s wall, {t_pre.cpu:.2f} s CPU "
          f"({1e3 * t_pre.cpu / steps:.2f} ms CPU per step)")

    # sampling throughput
    for n_prompts, G in ((16, 8), (64, 8), (256, 8)):
        q = task.train[:n_prompts]
        lm.sample(θ_ref, task.prompts[q], G, task.max_len, seed=0)  # warm-up
        reps = max(1, 2048 // (n_prompts * G))
        with Timer() as t:
            n_tok = 0
            for r in range(reps):
                s = lm.sample(θ_ref, task.prompts[q], G, task.max_len, seed=r)
                n_tok += int(s.lengths.sum())
        print(f"sampling {n_prompts:>3} prompts x G = {G}: {n_tok / t.wall:>9.0f} tokens/s wall, "
              f"{n_tok / t.cpu:>9.0f} tokens/s CPU")

    # one GRPO iteration = one batch (sampling + 2 inner steps); measured over 40 iterations
    common = dict(n_prompts=16, group_size=8, lr=3e-3, inner_steps=2, clip=0.2, beta=0.04)
    with Timer() as t:
        gl.train_lm(task, θ_ref, "grpo", n_iters=40, eval_every=1000, seed=0, **common)
    with Timer() as t0:
        gl.train_lm(task, θ_ref, "grpo", n_iters=0, eval_every=1000, seed=0, **common)
    per = (t.wall - t0.wall) / 40, (t.cpu - t0.cpu) / 40
    print(f"one GRPO iteration (16 prompts x 8 answers, 2 inner steps): {1e3 * per[0]:.1f} ms wall, "
          f"{1e3 * per[1]:.1f} ms CPU")
    with Timer() as t_eval:
        for _ in range(10):
            gl.accuracy(θ_ref, task, verifier="both")
    print(f"one held-out evaluation (1000 prompts, exact): {100 * t_eval.wall:.1f} ms wall")

    # the chapter's training runs: 4 methods + constant-length GRPO + flawed verifier + beta = 0, 3 seeds
    chapter = dict(n_iters=80, eval_every=10, **common)
    configs = ([(m, {}) for m in ("grpo", "dr_grpo", "rloo", "reinforce")]
               + [("grpo", {"length_norm": "constant"}), ("grpo", {"verifier": "units"}), ("grpo", {"beta": 0.0})])
    with Timer() as t_train:
        for m, kw in configs:
            for s in range(3):
                gl.train_lm(task, θ_ref, m, seed=s, **{**chapter, **kw})
    n_runs = 3 * len(configs)
    print(f"the chapter's {n_runs} training runs of 80 iterations: {t_train.wall:.2f} s wall, {t_train.cpu:.2f} s CPU")
    total = t_pre.cpu + t_train.cpu
    print(f"pretraining + training: {t_pre.wall + t_train.wall:.2f} s wall, {total:.2f} s CPU; "
          f"training is {100 * t_train.cpu / total:.0f}% of the CPU time")

    # explorer move
    import matplotlib
    matplotlib.use("Agg")
    from pgcore.widgets.grpo_lm import GrpoLMExplorer

    ex = GrpoLMExplorer(task, θ_ref)
    walls, cpus = [], []
    for v in ({"group_size": 4}, {"beta": 0.1}, {"clip": 0.1}, {"length_norm": "constant"}, {"verifier": "units"}):
        with Timer() as t:
            ex.set(**v)
        walls.append(t.wall)
        cpus.append(t.cpu)
    print(f"explorer move (40 iterations of 8 prompts, and the redraw): median {np.median(walls):.2f} s wall, "
          f"{np.median(cpus):.2f} s CPU")


if __name__ == "__main__":
    main()
