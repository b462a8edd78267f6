"""Argument checks for pgcore's public functions, one short function per kind of argument.

Every check returns the cleaned value (a Python ``int``/``float`` or a float
numpy array) or raises ``TypeError`` (wrong kind of object) / ``ValueError``
(right kind, wrong value) with a message that names the argument, shows the
value and says what is allowed. Use them at the door of a public function::

    from ._validate import integer, real, array, probabilities
    n = integer(n_episodes, "n_episodes", minimum=1)
    alpha = real(step_size, "step_size", minimum=0, strict=True)   # alpha > 0
    theta = array(theta0, "theta0", shape=(d,))

and :func:`finite_result` on the way out, so NaN never leaves silently.

Examples
--------
>>> integer(3, "n_steps", minimum=1)
3
>>> integer(2.5, "n_steps")
Traceback (most recent call last):
...
TypeError: n_steps must be an integer, got 2.5 (a non-integral float)
>>> real(float("nan"), "step_size")
Traceback (most recent call last):
...
ValueError: step_size must be a finite number, got nan
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = ["integer", "real", "array", "probabilities", "index", "kernel_size", "callable_arg", "choice",
           "finite_result", "size", "allocation", "seed", "INT32_MAX", "INT64_MAX", "MAX_ENTRIES"]

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
#: The most numbers one array made for a caller may hold: 2**27 float64 = 1 GiB.
#: A size above it is refused at the door with a message, instead of numpy's
#: "Maximum allowed dimension exceeded", a MemoryError or a machine swapping.
MAX_ENTRIES = 2**27


def _show(value, limit=80):
    """``repr(value)`` cut to ``limit`` characters (arrays can be long)."""
    if isinstance(value, np.ndarray):
        text = np.array2string(value, threshold=8, edgeitems=2)
        text = f"array {text} of shape {value.shape}" if value.ndim else text
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _range_text(minimum, maximum, strict=False):
    lo = "" if minimum is None else (f"> {minimum}" if strict else f">= {minimum}")
    hi = "" if maximum is None else f"<= {maximum}"
    return " and ".join(t for t in (lo, hi) if t)


def integer(value, name, minimum=None, maximum=None):
    """An ``int`` in ``[minimum, maximum]``; refuses bools, NaN, inf and non-integral floats.

    An integral float such as ``1e4`` or ``2.0`` is accepted (``10000``, ``2``).

    Examples
    --------
    >>> integer(1e4, "n_episodes")
    10000
    >>> integer(True, "n_runs")
    Traceback (most recent call last):
    ...
    TypeError: n_runs must be an integer, got True (a bool)
    >>> integer(0, "n_runs", minimum=1)
    Traceback (most recent call last):
    ...
    ValueError: n_runs must be an integer >= 1, got 0
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, got {value!r} (a bool)")
    if isinstance(value, numbers.Integral):
        ivalue = int(value)
    elif isinstance(value, numbers.Real):
        fvalue = float(value)
        if not math.isfinite(fvalue):
            raise ValueError(f"{name} must be a finite integer, got {fvalue!r}")
        if fvalue != int(fvalue):
            raise TypeError(f"{name} must be an integer, got {value!r} (a non-integral float)")
        ivalue = int(fvalue)
    elif isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf":
        return integer(value.item(), name, minimum, maximum)
    else:
        raise TypeError(f"{name} must be an integer, got {_show(value)} (type {type(value).__name__})")
    if minimum is not None and ivalue < minimum:
        # name the bound that is broken (a huge maximum would only distract from ">= 1")
        big = maximum is None or maximum >= MAX_ENTRIES
        raise ValueError(f"{name} must be an integer {_range_text(minimum, None if big else maximum)}, "
                         f"got {_show(value)}")
    if maximum is not None and ivalue > maximum:
        raise ValueError(f"{name} must be an integer {_range_text(minimum, maximum)}, got {_show(value)}")
    return ivalue


def real(value, name, minimum=None, maximum=None, strict=False):
    """A finite ``float`` in the range; ``strict=True`` excludes ``minimum`` itself.

    Refuses bools, complex numbers, strings, None, NaN and infinities.

    Examples
    --------
    >>> real(0.1, "step_size", minimum=0, strict=True)
    0.1
    >>> real(0, "step_size", minimum=0, strict=True)
    Traceback (most recent call last):
    ...
    ValueError: step_size must be a finite number > 0, got 0
    >>> real(None, "temperature")
    Traceback (most recent call last):
    ...
    TypeError: temperature must be a real number, got None (type NoneType)
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value.item()
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {_show(value)} (type {type(value).__name__})")
    fvalue = float(value)
    allowed = _range_text(minimum, maximum, strict)
    bad = not math.isfinite(fvalue)
    if minimum is not None:
        bad = bad or fvalue < minimum or (strict and fvalue == minimum)
    if maximum is not None:
        bad = bad or fvalue > maximum
    if bad:
        raise ValueError(f"{name} must be a finite number{' ' + allowed if allowed else ''}, got {_show(value)}")
    return fvalue


def array(value, name, ndim=None, shape=None, finite=True, min_size=None, minimum=None):
    """A float array of real numbers, with the given ``ndim`` and/or ``shape``.

    ``shape`` may contain None for "any length". Refuses complex, string and
    object arrays, ragged lists, NaN/inf (unless ``finite=False``), arrays
    with fewer than ``min_size`` entries and (with ``minimum``) entries below it.
    A copy is returned, so the caller may keep it.

    Examples
    --------
    >>> array([1, 2], "theta", shape=(2,))
    array([1., 2.])
    >>> array([1 + 2j, 3], "h")
    Traceback (most recent call last):
    ...
    TypeError: h must contain real numbers, got complex values (dtype complex128)
    >>> array([[1.0, float("nan")]], "h")
    Traceback (most recent call last):
    ...
    ValueError: h must be finite (no NaN or inf), but h[0, 1] = nan
    >>> array([1.0, 2.0], "theta", shape=(3,))
    Traceback (most recent call last):
    ...
    ValueError: theta must have shape (3,), got shape (2,)
    """
    if value is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    try:
        a = np.array(value)
    except (ValueError, TypeError) as exc:
        raise TypeError(f"{name} must be an array of numbers, got {_show(value)} ({exc})") from None
    if a.dtype.kind == "c":
        raise TypeError(f"{name} must contain real numbers, got complex values (dtype {a.dtype})")
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be an array of real numbers, got {_show(value)} (dtype {a.dtype})")
    a = a.astype(float)
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {a.shape}")
    if shape is not None:
        ok = a.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, a.shape))
        if not ok:
            want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
            raise ValueError(f"{name} must have shape {want}, got shape {a.shape}")
    if min_size is not None and a.size < min_size:
        raise ValueError(f"{name} must have at least {min_size} entries, got shape {a.shape}")
    if finite and not np.isfinite(a).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        at = f"{name}[{', '.join(map(str, where))}]" if where else name
        raise ValueError(f"{name} must be finite (no NaN or inf), but {at} = {float(a[where])!r}")
    if minimum is not None and (a < minimum).any():
        where = tuple(int(i) for i in np.argwhere(a < minimum)[0])
        raise ValueError(f"{name} must be >= {minimum} everywhere, but {name}{list(where)} = {float(a[where])!r}")
    return a


def probabilities(value, name, axis=-1, tol=1e-6):
    """Finite, non-negative entries summing to 1 (within ``tol``) along ``axis``.

    Examples
    --------
    >>> probabilities([0.25, 0.75], "p")
    array([0.25, 0.75])
    >>> probabilities([0.5, 0.6], "p")
    Traceback (most recent call last):
    ...
    ValueError: p must sum to 1 along axis -1, but the entries at [] sum to 1.1
    """
    a = array(value, name, min_size=1, minimum=0.0)
    sums = a.sum(axis=axis)
    bad = np.argwhere(np.abs(np.atleast_1d(sums) - 1.0) > tol) if a.ndim > 1 else (
        np.zeros((1, 0), dtype=int) if abs(float(sums) - 1.0) > tol else np.zeros((0, 0)))
    if len(bad):
        where = [int(i) for i in bad[0]]
        raise ValueError(f"{name} must sum to 1 along axis {axis}, but the entries at {where} sum to "
                         f"{np.atleast_1d(sums)[tuple(where)] if where else float(sums):.6g}")
    return a


def index(value, name, n):
    """An index in ``0 .. n - 1`` (negative indices are refused, not wrapped).

    Examples
    --------
    >>> index(1, "first_action", 2)
    1
    >>> index(-1, "first_action", 2)
    Traceback (most recent call last):
    ...
    ValueError: first_action must be an integer >= 0 and <= 1, got -1
    """
    return integer(value, name, minimum=0, maximum=n - 1)


def kernel_size(value, name, limit=INT32_MAX, minimum=1):
    """An integer size that fits the compiled kernel's types (default: int32 range).

    Python integers are unbounded while the C kernel's are not, and ctypes
    converts a too-large integer by silently wrapping it; this refuses it instead.

    Examples
    --------
    >>> kernel_size(10_000, "max_steps")
    10000
    >>> kernel_size(2**64 + 5, "max_steps")
    Traceback (most recent call last):
    ...
    ValueError: max_steps must be an integer >= 1 and <= 2147483647, got 18446744073709551621
    """
    return integer(value, name, minimum=minimum, maximum=limit)


def size(value, name, minimum=1, maximum=MAX_ENTRIES):
    """A count of things that pgcore will store (runs, episodes, states): an integer up to ``maximum``.

    Examples
    --------
    >>> size(1000, "n_episodes")
    1000
    >>> size(2**64, "n_episodes")
    Traceback (most recent call last):
    ...
    ValueError: n_episodes must be an integer >= 1 and <= 134217728, got 18446744073709551616
    """
    return integer(value, name, minimum=minimum, maximum=maximum)


def allocation(what, *dims, limit=MAX_ENTRIES):
    """Refuse an array of shape ``dims`` holding more than ``limit`` numbers; ``what`` names the call.

    The dimensions are Python integers, so their product cannot overflow.

    Examples
    --------
    >>> allocation("reinforce(n_runs=100, n_episodes=1000)", 100, 1000)
    >>> allocation("reinforce(n_runs=1000000, n_episodes=1000000000)", 10**6, 10**9)
    Traceback (most recent call last):
    ...
    ValueError: reinforce(n_runs=1000000, n_episodes=1000000000) would need an array of shape (1000000, 1000000000) (1e+15 numbers, 8e+06 GB); at most 134217728 numbers (1 GiB) are allowed
    """
    total = 1
    for d in dims:
        total *= int(d)
    if total > limit:
        shape = "(" + ", ".join(str(int(d)) for d in dims) + ("," if len(dims) == 1 else "") + ")"
        raise ValueError(f"{what} would need an array of shape {shape} ({float(total):.3g} numbers, "
                         f"{8.0 * total / 1e9:.3g} GB); at most {limit} numbers ({8 * limit / 2**30:g} GiB) "
                         f"are allowed")


def seed(value, name="seed"):
    """``value`` when numpy can seed a generator with it: None, an integer >= 0, a sequence of them,
    a ``SeedSequence``, a ``BitGenerator`` or a ``Generator``.

    numpy's own messages ("expected non-negative integer", "SeedSequence expects
    int or sequence of ints for entropy not 2.5") do not say which argument was wrong.

    Examples
    --------
    >>> seed(0)
    0
    >>> seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None, an integer >= 0 or a numpy Generator/SeedSequence, got -1
    >>> seed(2.5)
    Traceback (most recent call last):
    ...
    TypeError: seed must be None, an integer >= 0 or a numpy Generator/SeedSequence, got 2.5 (type float)
    """
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence, np.random.BitGenerator)):
        return value
    allowed = f"{name} must be None, an integer >= 0 or a numpy Generator/SeedSequence"
    items = value
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iu" or value.ndim > 1:
            raise TypeError(f"{allowed}, got {_show(value)} (dtype {value.dtype})")
        items = value.ravel().tolist()
    elif isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(f"{allowed}, got an empty {type(value).__name__}")
    else:
        items = [value]
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{allowed}, got {_show(value)} (type {type(value).__name__})")
        if v < 0:
            raise ValueError(f"{allowed}, got {_show(value)}")
    return value


def callable_arg(value, name):
    """``value`` itself when it can be called.

    Examples
    --------
    >>> callable_arg(len, "f") is len
    True
    >>> callable_arg(3, "grad")
    Traceback (most recent call last):
    ...
    TypeError: grad must be a function, got 3 (type int)
    """
    if not callable(value):
        raise TypeError(f"{name} must be a function, got {_show(value)} (type {type(value).__name__})")
    return value


def choice(value, name, options):
    """``value`` when it is one of ``options`` (compared with ==).

    Examples
    --------
    >>> choice("grpo", "method", ("reinforce", "grpo"))
    'grpo'
    >>> choice("ppo", "method", ("reinforce", "grpo"))
    Traceback (most recent call last):
    ...
    ValueError: method must be one of 'reinforce', 'grpo', got 'ppo'
    """
    try:
        ok = any(value == o and type(value) is type(o) for o in options)
    except Exception:  # noqa: BLE001 - an array compared with a string, say
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {_show(value)}")
    return value


def finite_result(x, what, hint=""):
    """``x`` when every entry is finite; otherwise a ValueError saying ``what`` overflowed.

    The last check of a computation whose inputs were all finite but whose
    arithmetic could still overflow (huge rewards, huge preferences).

    Examples
    --------
    >>> finite_result(1.5, "the mean")
    1.5
    >>> finite_result([1.0, float("inf")], "the preferences", "use a smaller step size")
    Traceback (most recent call last):
    ...
    ValueError: the preferences are not finite (1 of 2 entries are NaN or inf: the numbers overflowed); use a smaller step size
    """
    a = np.asarray(x)
    if a.dtype.kind in "fc" and not np.isfinite(a).all():
        n_bad = int((~np.isfinite(a)).sum())
        raise ValueError(f"{what} are not finite ({n_bad} of {a.size} entries are NaN or inf: "
                         f"the numbers overflowed){'; ' + hint if hint else ''}")
    return x
