"""Optional compiled kernel for :func:`pgcore.algorithms.reinforce`, loaded with ctypes.

``pgcore/_ckernels.c`` is compiled into the extension module
``pgcore._ckernels`` when the package is installed (if a C compiler is
there). This module finds that shared library and calls its plain C function
through :mod:`ctypes`; the extension module itself is empty. Without the
library, :func:`pgcore.algorithms.reinforce` runs its pure-numpy version,
which gives bit-for-bit the same numbers from the same seed, only slower.
The kernel splits the runs over up to 4 threads (``PGCORE_THREADS`` sets the
number); the numbers do not depend on it.

A library built from another version of ``_ckernels.c`` than the one next to
this file (its compiled-in SHA-256 differs) is never loaded: the numpy version
runs instead and a :class:`RuntimeWarning` says so once.

``PGCORE_KERNEL_LIB`` names another build of the same source to load instead
(the tests use one compiled with AddressSanitizer).

The environment variable ``PGCORE_KERNEL`` chooses: ``numpy`` never uses the
kernel, ``c`` requires it (an ImportError if it is missing), anything else
(the default) uses it when it is there.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import os
import warnings

import numpy as np

__all__ = ["available", "backend", "reinforce_c", "status", "source_sha256"]

_LIB = None
_TRIED = False
_STATUS = "not loaded yet"
_SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_ckernels.c")


def source_sha256():
    """SHA-256 of the ``_ckernels.c`` next to this file, or None when it is not there (a wheel)."""
    try:
        with open(_SOURCE, "rb") as fh:
            return hashlib.sha256(fh.read()).hexdigest()
    except OSError:
        return None


def status():
    """One line saying which REINFORCE backend is in use and why (printed by ``make venv``)."""
    _load()
    return _STATUS

_i64 = ctypes.c_int64
_dbl = ctypes.c_double
_ptr = ctypes.c_void_p


def _load():
    """The ctypes library, or None when it is not built (or disabled)."""
    global _LIB, _TRIED, _STATUS
    choice = os.environ.get("PGCORE_KERNEL", "").strip().lower()
    if choice == "numpy":
        _STATUS = "pgcore: PGCORE_KERNEL=numpy, the numpy fallback of reinforce is in use"
        return None
    if not _TRIED:
        _TRIED = True
        _STATUS = ("pgcore: the C kernel is not built (no C compiler at install time?): the numpy fallback "
                   "of reinforce is in use (same numbers, slower)")
        try:
            # PGCORE_KERNEL_LIB: another build of the same source to load instead
            # (the tests load one compiled with AddressSanitizer this way)
            path = os.environ.get("PGCORE_KERNEL_LIB", "").strip()
            if not path:
                spec = importlib.util.find_spec("pgcore._ckernels")
                path = spec.origin if spec is not None and spec.origin else ""
            if path and os.path.isfile(path):
                spec_origin = path
                lib = ctypes.CDLL(path)
                built = _built_sha(lib)
                want = source_sha256()
                if want is not None and built != want:
                    _STATUS = (f"pgcore: the compiled kernel {os.path.basename(spec_origin)} was built from another "
                               f"version of _ckernels.c (hash {built[:12]}, source {want[:12]}): it is not used, the "
                               "numpy fallback of reinforce is in use; rebuild with `pip install -e .`")
                    warnings.warn(_STATUS, RuntimeWarning, stacklevel=3)
                    raise ImportError(_STATUS)
                fn = lib.pg_reinforce
                fn.restype = ctypes.c_int
                fn.argtypes = [
                    _i64, _i64, _i64, _i64, _i64,  # n_runs, n_episodes, S, A, d
                    _ptr, _ptr, _ptr, _ptr, _i64, _ptr,  # P_cdf, next_det, R, start_cdf, start_det, terminal
                    _dbl, _ptr,  # gamma, x
                    _ptr, _dbl,  # theta, step_size
                    _i64, _ptr, _ptr, _dbl,  # m, xw, w, baseline_step_size
                    _i64, ctypes.c_int,  # max_steps, per_step
                    _ptr, _ptr,  # rng_states, rng_next
                    _ptr, _ptr, _ptr, _ptr,  # returns, lengths, truncated, diverged
                    _ptr, ctypes.c_int,  # theta_hist, n_threads
                ]
                _LIB = lib
                _STATUS = "pgcore: the compiled C kernel of reinforce is in use"
        except (ImportError, OSError, AttributeError):  # pragma: no cover - depends on the build
            _LIB = None
    if _LIB is None and choice == "c":
        raise ImportError("PGCORE_KERNEL=c but the compiled kernel pgcore._ckernels is not built; "
                          "reinstall pgcore with a C compiler available (pip install -e .)")
    return _LIB


#: The longest episode kept in memory, as ``PG_MAX_EPISODE_STEPS`` in ``_ckernels.c``.
MAX_EPISODE_STEPS = 2**20


def too_long_message(max_steps):
    """What both backends say when an episode outgrows :data:`MAX_EPISODE_STEPS`."""
    return (f"an episode was still running after {MAX_EPISODE_STEPS} steps (max_steps={max_steps} allows more, "
            f"but one episode keeps at most {MAX_EPISODE_STEPS} steps in memory): the policy almost never "
            f"reaches a terminal state. Pass max_steps <= {MAX_EPISODE_STEPS} to cut such episodes off "
            "(they are then reported as truncated).")


def _built_sha(lib):
    """The source hash compiled into ``lib`` ("unknown" for a library without one)."""
    try:
        fn = lib.pg_source_sha256
    except AttributeError:
        return "none"
    fn.restype = ctypes.c_char_p
    fn.argtypes = []
    return fn().decode("ascii", "replace")


def available():
    """True when the compiled kernel is built and not disabled by ``PGCORE_KERNEL=numpy``."""
    return _load() is not None


def backend():
    """``"c"`` or ``"numpy"``: what :func:`pgcore.algorithms.reinforce` will use."""
    return "c" if available() else "numpy"


def _threads(n_runs, n_episodes):
    """Threads for a study: up to 4 (and the machine's cores), none for small jobs.

    ``PGCORE_THREADS`` overrides. The numbers do not depend on it.
    """
    env = os.environ.get("PGCORE_THREADS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return int(env)
    if n_runs * n_episodes < 2000:
        return 1
    return max(1, min(os.cpu_count() or 1, 4, n_runs))


def _addr(a):
    return None if a is None else a.ctypes.data


def reinforce_c(P_cdf, next_det, R, start_cdf, start_det, terminal, gamma, x, theta, step_size, xw, w,
                baseline_step_size, max_steps, bitgens, n_episodes, record_theta, per_step=False):
    """Run the compiled kernel. ``theta`` and ``w`` are updated in place.

    All arrays must already be C-contiguous with the right dtypes (the caller,
    :func:`pgcore.algorithms.reinforce`, prepares them).
    """
    lib = _load()
    if lib is None:
        raise ImportError("the compiled kernel is not available (see pgcore._kernels.status())")
    n_runs, d = theta.shape
    S, A = R.shape
    m = 0 if w is None else w.shape[1]
    n_episodes = int(n_episodes)
    returns = np.empty((n_runs, n_episodes))
    lengths = np.empty((n_runs, n_episodes), dtype=np.int64)
    truncated = np.empty((n_runs, n_episodes), dtype=np.uint8)
    diverged = np.zeros(n_runs, dtype=np.uint8)
    hist = np.empty((n_runs, n_episodes + 1, d)) if record_theta else None
    ifaces = [bg.ctypes for bg in bitgens]
    states = (ctypes.c_void_p * n_runs)(*[i.state_address for i in ifaces])
    nexts = (ctypes.c_void_p * n_runs)(*[ctypes.cast(i.next_double, ctypes.c_void_p).value for i in ifaces])
    status = lib.pg_reinforce(
        n_runs, n_episodes, S, A, d,
        _addr(P_cdf), _addr(next_det), _addr(R), _addr(start_cdf), int(start_det), _addr(terminal),
        float(gamma), _addr(x),
        _addr(theta), float(step_size),
        m, _addr(xw), _addr(w), float(baseline_step_size),
        int(max_steps), int(bool(per_step)),
        ctypes.cast(states, ctypes.c_void_p), ctypes.cast(nexts, ctypes.c_void_p),
        _addr(returns), _addr(lengths), _addr(truncated), _addr(diverged),
        _addr(hist), _threads(n_runs, n_episodes),
    )
    del ifaces  # the bit generators (and their states) outlive the call via ``bitgens``
    if status == -3:
        raise RuntimeError(too_long_message(max_steps))
    if status == -2:  # pragma: no cover - the caller checks the sizes first
        raise ValueError(f"the REINFORCE kernel refused the sizes n_runs={n_runs}, n_episodes={n_episodes}, "
                         f"S={S}, A={A}, d={d}, m={m}, max_steps={max_steps}")
    if status != 0:  # pragma: no cover - out of memory
        raise MemoryError(f"the REINFORCE kernel could not allocate its buffers (max_steps={max_steps})")
    return returns, lengths, truncated.astype(bool), diverged.astype(bool), hist
