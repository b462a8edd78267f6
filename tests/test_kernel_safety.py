"""Issue 10: the C kernel's entry under fuzzing, AddressSanitizer and a stale build.

* hypothesis draws sizes and parameters; the C kernel must give bit-for-bit
  the numpy fallback's numbers (or both refuse);
* the REINFORCE tests run against a build with ``-fsanitize=address,undefined``
  (skipped, saying why, where the toolchain lacks it);
* a library built from another version of ``_ckernels.c`` is not loaded.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import pgcore as pg
from pgcore import _kernels, envs
from pgcore import reinforce as rf

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "pgcore" / "_ckernels.c"
needs_c = pytest.mark.skipif(not _kernels.available(), reason="the compiled kernel is not built here")


def _problem(kind, S, A, d, gamma, seed):
    rng = np.random.default_rng(seed)
    if kind == "corridor":
        return envs.short_corridor(), envs.corridor_policy()
    if kind == "grid":
        mdp = envs.gridworld(2, max(2, S // 2), slip=0.2)
        return mdp, pg.SoftmaxPolicy(rng.normal(size=(mdp.n_states, mdp.n_actions, d)))
    mdp = envs.random_mdp(S, A, gamma=gamma, seed=seed, exit_prob=(0.02, 0.5))
    return mdp, pg.SoftmaxPolicy(rng.normal(size=(mdp.n_states, mdp.n_actions, d)))


@needs_c
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(["corridor", "random", "grid"]), S=st.integers(1, 7), A=st.integers(1, 5),
       d=st.integers(1, 6), gamma=st.sampled_from([1.0, 0.9, 0.0]), seed=st.integers(0, 2**32 - 1),
       n_runs=st.integers(1, 5), n_episodes=st.integers(1, 6),
       max_steps=st.sampled_from([1, 2, 3, 17, 1000, 2**40, 2**62, 2**63 - 1]),
       log2_step=st.floats(-30, 4), baseline=st.sampled_from([None, 0.0, 0.01, 1.0]),
       update=st.sampled_from(["episode", "step"]), theta_scale=st.sampled_from([0.0, 1.0, 50.0, 1e3]))
def test_fuzz_c_kernel_equals_numpy(kind, S, A, d, gamma, seed, n_runs, n_episodes, max_steps, log2_step,
                                    baseline, update, theta_scale):
    mdp, pol = _problem(kind, S, A, d, gamma, seed)
    theta0 = np.random.default_rng(seed + 1).normal(size=pol.d) * theta_scale
    if theta_scale > 0 or log2_step > -5:
        # a near-deterministic policy can make episodes of ~max_steps steps: keep them short
        max_steps = min(max_steps, 3000)
    out = {}
    for backend in ("c", "numpy"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                out[backend] = rf.reinforce(mdp, pol, theta0, 2.0 ** log2_step, n_episodes, n_runs=n_runs,
                                            seed=seed, baseline_step_size=baseline, max_steps=max_steps,
                                            record_theta=True, update=update, backend=backend)
            except (ValueError, RuntimeError) as exc:
                out[backend] = (type(exc).__name__, str(exc))
    c, n = out["c"], out["numpy"]
    if isinstance(c, tuple) or isinstance(n, tuple):
        assert c == n
        return
    np.testing.assert_array_equal(c.lengths, n.lengths)
    np.testing.assert_array_equal(c.truncated, n.truncated)
    np.testing.assert_array_equal(c.diverged, n.diverged)
    np.testing.assert_array_equal(c.returns, n.returns)
    np.testing.assert_array_equal(c.theta, n.theta)
    np.testing.assert_array_equal(c.theta_history, n.theta_history)
    if c.w is not None:
        np.testing.assert_array_equal(c.w, n.w)


@needs_c
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(n_runs=st.integers(1, 40), n_episodes=st.integers(1, 4), threads=st.integers(1, 20),
       seed=st.integers(0, 2**32 - 1), update=st.sampled_from(["episode", "step"]),
       baseline=st.sampled_from([None, 0.05]))
def test_fuzz_thread_count_changes_nothing(monkeypatch, n_runs, n_episodes, threads, seed, update, baseline):
    """The runs split over 1..20 threads (blocks of q or q + 1 runs): the numbers of one thread, bit for bit."""
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    out = []
    for t in (1, threads):
        monkeypatch.setenv("PGCORE_THREADS", str(t))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out.append(rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 2.0**-8, n_episodes, n_runs=n_runs,
                                    seed=seed, baseline_step_size=baseline, update=update, record_theta=True,
                                    max_steps=3000, backend="c"))
    a, b = out
    for name in ("returns", "lengths", "truncated", "diverged", "theta", "theta_history"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@needs_c
@settings(max_examples=60, deadline=None)
@given(which=st.sampled_from(["n_runs", "n_episodes", "S", "A", "d", "m", "max_steps"]),
       value=st.one_of(st.integers(-2**63, 0), st.integers(2**61, 2**63 - 1)))
def test_fuzz_kernel_entry_refuses_sizes_before_touching_memory(which, value):
    """Any non-positive count, or one whose buffer in bytes overflows size_t (any count >= 2**61, times
    8 bytes), is refused (-2) with NULL pointers: had the kernel gone on, it would have crashed the
    test process. (A large count whose buffers do fit is the caller's business: the kernel cannot
    tell a NULL pointer from a real one; the Python side sizes everything at the door.)"""
    lib = _kernels._load()
    sizes = dict(n_runs=1, n_episodes=1, S=1, A=1, d=1, m=0, max_steps=1)
    sizes[which] = value
    if which == "m" and value == 0:
        sizes["n_runs"] = 0          # m = 0 is allowed: make another size bad instead
    assume(not (which == "max_steps" and value > 0))   # allowed: the buffers grow with the episode
    args = [sizes["n_runs"], sizes["n_episodes"], sizes["S"], sizes["A"], sizes["d"],
            None, None, None, None, -1, None, 1.0, None, None, 0.0,
            sizes["m"], None, None, 0.0, sizes["max_steps"], 0, None, None,
            None, None, None, None, None, 4]
    assert lib.pg_reinforce(*args) == -2


@pytest.mark.parametrize("bad", [2**63, 2**64 + 5, -1, 0, 2.5, float("nan"), None])
def test_max_steps_ctypes_cannot_represent_is_refused(bad):
    with pytest.raises((ValueError, TypeError), match="max_steps"):
        rf.reinforce(envs.short_corridor(), envs.corridor_policy(), envs.corridor_theta(0.3), 0.01, 1,
                     max_steps=bad)


@needs_c
def test_kernel_refuses_bad_sizes_itself():
    """Called directly with sizes the Python side would never pass, the kernel returns -2, allocating nothing."""
    lib = _kernels._load()
    args = [1, 1, 1, 1, 1,  # n_runs, n_episodes, S, A, d
            None, None, None, None, -1, None,  # P_cdf, next_det, R, start_cdf, start_det, terminal
            1.0, None, None, 0.0,  # gamma, x, theta, step_size
            0, None, None, 0.0,  # m, xw, w, baseline_step_size
            1, 0, None, None,  # max_steps, per_step, rng_states, rng_next
            None, None, None, None, None, 1]  # returns, lengths, truncated, diverged, theta_hist, n_threads
    assert len(args) == len(lib.pg_reinforce.argtypes)
    for i, bad in [(0, 0), (1, -5), (1, 2**62), (2, 2**40), (3, 2**40), (4, 0), (15, -1), (19, 0), (19, -2**63)]:
        a = list(args)
        a[i] = bad
        assert lib.pg_reinforce(*a) == -2, (i, bad)


def test_stale_library_is_not_loaded(tmp_path, monkeypatch):
    """A library whose compiled-in hash is not the source's: numpy fallback, with a warning that says so."""
    if not _kernels.available() or _kernels._LIB is None:
        pytest.skip("the compiled kernel is not built here")
    import pgcore
    so = next(Path(pgcore.__file__).parent.glob("_ckernels*.so"), None)
    if so is None:
        pytest.skip("no built library found")
    code = (
        "import warnings, pgcore._kernels as k\n"
        "k._SOURCE = r'%s'\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    print(k.backend()); print(len(w)); print(k.status())\n"
    )
    fake = tmp_path / "_ckernels.c"
    fake.write_bytes(SOURCE.read_bytes() + b"\n/* edited */\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PGCORE_KERNEL", "PGCORE_KERNEL_LIB")}
    out = subprocess.run([sys.executable, "-c", code % fake], capture_output=True, text=True, env=env,
                         timeout=120).stdout.splitlines()
    assert out[0] == "numpy"
    assert out[1] == "1"
    assert "built from another version of _ckernels.c" in out[2] and "numpy fallback" in out[2]
    # the real source: the library is used
    out = subprocess.run([sys.executable, "-c", code % SOURCE], capture_output=True, text=True, env=env,
                         timeout=120).stdout.splitlines()
    assert out[:2] == ["c", "0"]


@pytest.mark.parametrize("backend", ["c", "numpy"])
def test_an_episode_longer_than_the_buffer_limit_stops_with_a_message(backend, monkeypatch):
    if backend == "c" and not _kernels.available():
        pytest.skip("the compiled kernel is not built here")
    if backend == "numpy":
        monkeypatch.setattr(_kernels, "MAX_EPISODE_STEPS", 300)  # the C limit is compiled in
    limit = _kernels.MAX_EPISODE_STEPS
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    # p(right) = 1e-7: ends eventually, but takes ~ 1e7 steps
    with pytest.raises(RuntimeError, match=f"still running after {limit} steps"):
        rf.reinforce(mdp, pol, envs.corridor_theta(1e-7), 0.0, 1, seed=0, max_steps=2**62, backend=backend)


def test_endless_first_policy_with_huge_max_steps_is_refused_before_sampling():
    pol = pg.SoftmaxPolicy.tabular(4, 2)
    with pytest.raises(ValueError, match="trapped forever"):
        rf.reinforce(envs.short_corridor(), pol, [1000.0, -1000.0] * 4, 0.01, 1, max_steps=2**62)


def test_status_is_one_line():
    line = _kernels.status()
    assert "\n" not in line and line.startswith("pgcore: ")
    assert ("numpy fallback" in line) or ("C kernel" in line)


def _asan_toolchain():
    """(gcc, libasan path) or a reason why not."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return None, "no gcc on PATH"
    lib = subprocess.run([gcc, "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    if not lib or not os.path.isabs(lib) or not os.path.exists(lib):
        return None, "gcc has no libasan.so (AddressSanitizer not installed)"
    return (gcc, lib), ""


@pytest.mark.skipif(sys.platform != "linux", reason="AddressSanitizer test written for Linux/gcc")
def test_reinforce_tests_under_address_and_undefined_sanitizers(tmp_path):
    tools, why = _asan_toolchain()
    if tools is None:
        pytest.skip(f"cannot build with -fsanitize=address,undefined: {why}")
    gcc, libasan = tools
    sha = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    so = tmp_path / "_ckernels_asan.so"
    cmd = [gcc, "-shared", "-fPIC", "-O1", "-g", "-fno-omit-frame-pointer", "-fsanitize=address,undefined",
           "-fno-sanitize-recover=undefined", f"-DPG_SOURCE_SHA256=\"{sha}\"",
           f"-I{sysconfig.get_paths()['include']}", str(SOURCE), "-o", str(so), "-lm", "-lpthread"]
    built = subprocess.run(cmd, capture_output=True, text=True)
    if built.returncode != 0:
        pytest.skip(f"the toolchain cannot build with -fsanitize=address,undefined: {built.stderr[-300:]}")
    env = dict(os.environ, PGCORE_KERNEL="c", PGCORE_KERNEL_LIB=str(so), LD_PRELOAD=libasan,
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87", MPLBACKEND="Agg",
               PGCORE_THREADS="2")
    # the sanitized library is the one loaded
    probe = subprocess.run([sys.executable, "-c", "import pgcore._kernels as k; print(k.backend(), k._LIB._name)"],
                           capture_output=True, text=True, env=env, timeout=300)
    assert probe.stdout.split() == ["c", str(so)], probe.stdout + probe.stderr[-2000:]
    tests = [str(ROOT / "tests" / "test_algorithms.py"), str(ROOT / "tests" / "test_validation.py"),
             str(ROOT / "tests" / "test_kernel_safety.py"),
             "-k", "(reinforce or kernel or fallback or runs or theta or max_steps or huge or fuzz) "
                   "and not sanitizers and not stale"]
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests,
                          "-W", "ignore::RuntimeWarning"],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=1800)
    tail = (run.stdout + run.stderr)[-3000:]
    assert "ERROR: AddressSanitizer" not in tail and "runtime error:" not in tail, tail
    assert run.returncode == 0, tail
    assert " passed" in run.stdout, tail
