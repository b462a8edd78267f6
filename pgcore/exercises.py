"""Auto-checked exercises: try a student's function on unseen cases, explain mistakes in words.

Each ``check_*`` function calls the student's function on a few cases, compares
with pgcore's reference answer, and prints one short verdict in plain words:
what was tried, what came back, and, when the answer matches a typical mistake
(forgetting to subtract the max, normalising over the wrong axis, forgetting
gamma, a sign error, an off-by-one in the return), which one. It never lets
the student's exception escape as a traceback; it returns ``True`` or
``False`` so a notebook cell can also ``assert`` it.

Examples
--------
>>> import numpy as np
>>> def my_softmax(h):
...     z = np.exp(h - np.max(h, axis=-1, keepdims=True))
...     return z / z.sum(axis=-1, keepdims=True)
>>> check_softmax(my_softmax)
Correct: my_softmax agrees with the reference on 11 cases, including preferences of ±1000 and a 2-D table.
True
"""

from __future__ import annotations

import copy
import signal
import sys
import threading
import time

import numpy as np

from ._softmax import softmax
from .action_values import epsilon_greedy_policy
from .gaussian import score as _gaussian_score
from .advantages import gae as _gae
from .envs import corridor_policy, corridor_theta, random_mdp, short_corridor
from .gradient import performance, policy_gradient
from .mdp import MDP, evaluate, expected_visits
from .policy import SoftmaxPolicy
from .surrogates import group_relative_advantages

__all__ = [
    "check_epsilon_greedy",
    "check_softmax",
    "check_return",
    "check_performance",
    "check_ascent_step",
    "check_policy_gradient",
    "check_group_advantages",
    "check_gaussian_score",
    "check_gae",
    "check_kl_k3",
    "check_length_weights",
    "check_clipped_surrogate",
]


class _Verdict:
    def __init__(self, name):
        self.name = name

    def ok(self, text):
        print(f"Correct: {self.name} {text}")
        return True

    def fail(self, text):
        print(f"Not yet: {text}")
        return False


#: Seconds one call of the student's function may take before the checker gives up on it.
TIME_LIMIT = 5.0


class _TimeLimit(BaseException):
    """Raised inside the student's function when it runs past :data:`TIME_LIMIT`.

    A BaseException, so that the student's own ``except Exception`` cannot swallow it.
    """


def _with_time_limit(f, args, seconds):
    """``f(*args)``, interrupted with :class:`_TimeLimit` after ``seconds``.

    In the main thread on a POSIX system a timer signal interrupts even a long
    numpy call; elsewhere (a thread, Windows, the browser edition) a trace
    function checks the clock on every line of Python the student wrote.
    """
    use_signal = (hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread())
    if use_signal:
        def on_alarm(signum, frame):
            raise _TimeLimit()
        try:
            old = signal.signal(signal.SIGALRM, on_alarm)
        except (ValueError, OSError):  # pragma: no cover - signals unavailable here
            use_signal = False
    if use_signal:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            return f(*args)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    deadline = time.monotonic() + seconds
    old_trace = sys.gettrace()

    def tracer(frame, event, arg):
        if time.monotonic() > deadline:
            raise _TimeLimit()
        return tracer

    sys.settrace(tracer)
    try:
        return f(*args)
    finally:
        sys.settrace(old_trace)


def _call(verdict, f, *args):
    """Call the student's function; turn an exception, an exit or a hang into a plain-words message."""
    shown = ", ".join(_short(a) for a in args)
    try:
        with np.errstate(all="ignore"):
            return True, _with_time_limit(f, args, TIME_LIMIT)
    except _TimeLimit:
        return False, verdict.fail(
            f"{verdict.name}({shown}) was still running after {TIME_LIMIT:g} s, so the checker stopped it. "
            "Look for a loop that never ends (a while loop whose condition never becomes false).")
    except SystemExit as exc:
        return False, verdict.fail(
            f"{verdict.name}({shown}) called sys.exit({exc.code!r}) (or exit()); return the answer instead.")
    except KeyboardInterrupt:
        return False, verdict.fail(f"{verdict.name}({shown}) was interrupted (KeyboardInterrupt) before it returned.")
    except Exception as exc:  # the student's code may raise anything
        return False, verdict.fail(
            f"{verdict.name}({shown}) stopped with {type(exc).__name__}: {exc}")


def _is_complex(value):
    return np.iscomplexobj(value) or isinstance(value, complex)


def _number_answer(verdict, value):
    """The student's answer as one real float, or None after saying why it is not one."""
    if _is_complex(value):
        verdict.fail(f"{verdict.name} returned the complex number {value!r}; expected one real number")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        verdict.fail(f"{verdict.name} returned {type(value).__name__}; expected one number")
        return None
    if arr.size != 1:
        verdict.fail(f"{verdict.name} returned {arr.size} numbers (shape {arr.shape}); expected one number")
        return None
    return float(arr.reshape(()))


def _short(x):
    if isinstance(x, np.ndarray):
        text = np.array2string(x, precision=3, separator=", ", threshold=12, max_line_width=10_000)
        return " ".join(text.split())
    if isinstance(x, MDP):
        return f"<MDP with {x.n_states} states, gamma={x.gamma}>"
    if isinstance(x, SoftmaxPolicy):
        return f"<SoftmaxPolicy d={x.d}>"
    if callable(x):
        return "<gradient function>"
    return repr(x)


def _array_answer(verdict, f, args, shape, what):
    """Call the student's function and check it returned an array of ``shape``.

    Returns the array, or ``None`` after printing what went wrong.
    """
    ok, value = _call(verdict, f, *args)
    if not ok:
        return None
    if _is_complex(value):
        verdict.fail(f"{verdict.name} returned complex numbers; expected an array of real numbers ({what})")
        return None
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        verdict.fail(f"{verdict.name} returned {type(value).__name__}, not an array of numbers ({what})")
        return None
    if arr.shape != shape:
        verdict.fail(f"{verdict.name} returned an array of shape {arr.shape}; expected {shape} ({what})")
        return None
    return arr


def _name(f):
    return getattr(f, "__name__", "your function")


# -- chapter 1 ---------------------------------------------------------------

def check_epsilon_greedy(f):
    """Check ``f(Q, epsilon) -> pi``, the epsilon-greedy policy of a table ``Q`` (S, A).

    Ties among greedy actions may be split in any way; every action must get at
    least ``epsilon / A``.

    Examples
    --------
    >>> def wrong(Q, epsilon):   # forgets the random pick can also choose the greedy action
    ...     pi = np.full(Q.shape, epsilon / (Q.shape[1] - 1))
    ...     pi[np.arange(len(Q)), Q.argmax(axis=1)] = 1 - epsilon
    ...     return pi
    >>> check_epsilon_greedy(wrong)  # doctest: +ELLIPSIS
    Not yet: ...
    False
    """
    v = _Verdict(_name(f))
    rng = np.random.default_rng(11)
    cases = [(rng.standard_normal((4, 3)), 0.1), (rng.standard_normal((2, 5)), 0.5),
             (np.array([[0.0, 1.0]]), 0.0), (np.array([[2.0, 1.0, 0.5, 0.0]]), 1.0)]
    for Q, eps in cases:
        pi = _array_answer(v, f, (Q.copy(), eps), Q.shape, "one row of probabilities per state")
        if pi is None:
            return False
        ref = epsilon_greedy_policy(Q, eps)
        if np.allclose(pi, ref, atol=1e-9):
            continue
        A = Q.shape[1]
        if np.allclose(pi.sum(axis=0), 1) and not np.allclose(pi.sum(axis=1), 1):
            return v.fail("your probabilities sum to 1 down each column (over states), not along each row "
                          "(over the actions of one state).")
        if not np.allclose(pi.sum(axis=1), 1):
            return v.fail(f"for Q = {_short(Q)} and epsilon = {eps} the rows sum to {np.round(pi.sum(axis=1), 3)}, not 1.")
        greedy_p = pi[np.arange(len(Q)), Q.argmax(axis=1)]
        if np.allclose(greedy_p, 1 - eps) and eps > 0:
            return v.fail(f"the greedy action gets 1 - epsilon = {1 - eps:g}, but the random choice (probability "
                          f"epsilon) can also pick it: it should get 1 - epsilon + epsilon/|A| = {1 - eps + eps / A:g}.")
        return v.fail(f"for Q = {_short(Q)} and epsilon = {eps} you returned {_short(pi)}; expected {_short(ref)}.")
    return v.ok(f"agrees with the reference on {len(cases)} tables, including epsilon = 0 and epsilon = 1.")


# -- chapter 2 ---------------------------------------------------------------

def check_softmax(f):
    """Check ``f(h) -> probabilities``, a softmax over the last axis of ``h``.

    Examples
    --------
    >>> def naive(h):
    ...     return np.exp(h) / np.exp(h).sum(axis=-1, keepdims=True)
    >>> check_softmax(naive)  # doctest: +ELLIPSIS
    Not yet: ...Subtract the largest preference...
    False
    >>> def wrong_axis(h):
    ...     z = np.exp(h - np.max(h))
    ...     return z / z.sum(axis=0)
    >>> check_softmax(wrong_axis)  # doctest: +ELLIPSIS
    Not yet: ...wrong axis...
    False
    """
    v = _Verdict(_name(f))
    cases = [
        np.array([0.5, -1.0, 2.0]),
        np.array([4.0, 4.0, 4.0, 4.0]),
        np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 5.0]]),
        np.array([[2.0, -1.0], [0.5, 0.5], [3.0, 0.0]]),
        np.array([1000.0, 999.0, 0.0]),
        np.array([-1000.0, -1001.0, -1002.0]),
        # rows of very different scale: the max of the whole table is not each row's
        np.array([[1000.0, 999.0], [0.0, -1.0]]),
        # extreme entries in every position: not only the row mean or the first entry will do
        np.array([2000.0, 0.0, 0.0]),
        np.array([0.0, 1000.0]),
        np.array([[0.0, -5000.0, 3.0], [-800.0, 800.0, 0.0]]),
        # beyond what even np.longdouble's exp can hold without the shift
        np.array([12000.0, 0.0]),
    ]
    for h in cases:
        p = _array_answer(v, f, (h.copy(),), h.shape, "one probability per preference")
        if p is None:
            return False
        ref = softmax(h)
        if np.allclose(p, ref, atol=1e-9):
            continue
        if not np.isfinite(p).all() and h.ndim == 2 and np.ptp(h.max(axis=-1)) > 700:
            return v.fail(f"for the table {_short(h)} you returned {_short(p)}: its rows have very different "
                          "scales, so subtracting one number for the whole table (its largest entry) still makes "
                          "exp underflow in some row. Subtract each row's own largest preference "
                          "(np.max(h, axis=-1, keepdims=True)).")
        if not np.isfinite(p).all() and np.max(np.abs(h)) > 700:
            return v.fail(f"for preferences {_short(h)} you returned {_short(p)}: exp overflows (or all underflow "
                          "to 0). Subtract the largest preference before exponentiating; the softmax does not change.")
        if h.ndim == 2 and np.allclose(p.sum(axis=0), 1) and not np.allclose(p.sum(axis=-1), 1):
            return v.fail(f"for the table {_short(h)} your columns sum to 1, not the rows: you normalised over the "
                          "wrong axis. Each row holds the preferences of one state; use axis=-1 with keepdims=True.")
        if h.ndim == 2 and not np.allclose(p.sum(axis=-1), 1):
            return v.fail(f"for the table {_short(h)} the rows sum to {np.round(p.sum(axis=-1), 3)}: you normalised "
                          "over the wrong axis (or over the whole table). Normalise each row separately.")
        if not np.allclose(p.sum(axis=-1), 1):
            return v.fail(f"for preferences {_short(h)} your probabilities sum to {np.round(p.sum(axis=-1), 4)}, not 1.")
        return v.fail(f"for preferences {_short(h)} you returned {_short(p)}; expected {_short(ref)}.")
    return v.ok(f"agrees with the reference on {len(cases)} cases, including preferences of ±1000 and a 2-D table.")


# -- chapter 3 ---------------------------------------------------------------

def _ref_return(rewards, gamma):
    return float(sum(gamma ** k * r for k, r in enumerate(rewards)))


def check_return(f):
    """Check ``f(rewards, gamma) -> G_0``, the discounted return of one episode.

    ``rewards`` is the list ``[R_1, R_2, ..., R_T]``; the answer is
    ``R_1 + gamma R_2 + ... + gamma^(T-1) R_T``.

    Examples
    --------
    >>> def off_by_one(rewards, gamma):
    ...     return sum(gamma ** (k + 1) * r for k, r in enumerate(rewards))
    >>> check_return(off_by_one)  # doctest: +ELLIPSIS
    Not yet: ...off-by-one...
    False
    """
    v = _Verdict(_name(f))
    cases = [([1.0, 0.0, 2.0], 0.9), ([-1.0, -1.0, -1.0, -1.0], 1.0), ([0.0, 0.0, 10.0], 0.5), ([3.0], 0.7),
             ([2.0, -1.0, 0.5, 4.0], 0.8)]
    for rewards, gamma in cases:
        ok, G = _call(v, f, list(rewards), gamma)
        if not ok:
            return False
        G = _number_answer(v, G)
        if G is None:
            return False
        ref = _ref_return(rewards, gamma)
        if np.isclose(G, ref):
            continue
        T = len(rewards)
        if np.isclose(G, sum(rewards)) and gamma < 1:
            return v.fail(f"for rewards {rewards} and gamma = {gamma} you returned {G:g}, the plain sum: you forgot "
                          f"gamma. The k-th reward counts gamma**k times; expected {ref:g}.")
        if np.isclose(G, sum(gamma ** (k + 1) * r for k, r in enumerate(rewards))) or \
           np.isclose(G, sum(gamma ** k * r for k, r in enumerate(rewards[1:]))) or \
           np.isclose(G, sum(gamma ** k * r for k, r in enumerate(rewards[:-1]))):
            return v.fail(f"for rewards {rewards} and gamma = {gamma} you returned {G:g}; expected {ref:g}. This is an "
                          "off-by-one in the return: the first reward R_1 is not discounted (gamma**0), and every "
                          f"reward up to R_T (here T = {T}) counts.")
        if np.isclose(G, -ref):
            return v.fail(f"for rewards {rewards} you returned {G:g}, the expected value with the wrong sign ({ref:g}).")
        return v.fail(f"for rewards {rewards} and gamma = {gamma} you returned {G:g}; expected {ref:g}.")
    return v.ok(f"agrees with the reference on {len(cases)} episodes, with and without discounting.")


def check_performance(f):
    """Check ``f(mdp, pi) -> J``, the exact performance of the policy table ``pi``.

    ``J = sum_s start(s) v_pi(s)``; use ``mdp.P``, ``mdp.R``, ``mdp.start``,
    ``mdp.gamma`` and ``mdp.terminal`` (terminal states have value 0).

    Examples
    --------
    >>> def no_gamma(mdp, pi):
    ...     P = np.einsum("sa,sat->st", pi, mdp.P); r = (pi * mdp.R).sum(axis=1)
    ...     keep = mdp.nonterminal
    ...     P = P[np.ix_(keep, keep)]; r = r[keep]
    ...     v = np.linalg.solve(np.eye(len(r)) - P, r)
    ...     return float(mdp.start[keep] @ v)
    >>> check_performance(no_gamma)  # doctest: +ELLIPSIS
    Not yet: ...forgot gamma...
    False
    """
    v = _Verdict(_name(f))
    mdps = [short_corridor(), random_mdp(4, 2, gamma=0.9, seed=5), random_mdp(6, 3, gamma=0.95, seed=8)]
    rng = np.random.default_rng(2)
    for mdp in mdps:
        pi = rng.dirichlet(np.ones(mdp.n_actions), size=mdp.n_states)
        # the reference comes first, from the checker's own MDP: the student gets a
        # copy, so a function that changes its MDP (gamma, R, ...) cannot change it
        V, _ = evaluate(mdp, pi)
        ref = float(mdp.start @ V)
        ok, J = _call(v, f, copy.deepcopy(mdp), pi.copy())
        if not ok:
            return False
        J = _number_answer(v, J)
        if J is None:
            return False
        if np.isclose(J, ref, rtol=1e-6, atol=1e-9):
            continue
        if mdp.gamma < 1:
            undiscounted = MDP(mdp.P, mdp.R, mdp.start, gamma=1.0, terminal=mdp.terminal)
            V1, _ = evaluate(undiscounted, pi)
            if np.isclose(J, float(mdp.start @ V1), rtol=1e-6):
                return v.fail(f"on an MDP with gamma = {mdp.gamma} you returned {J:.4f}, the undiscounted value: you "
                              f"forgot gamma in (I - gamma P_pi) v = r_pi. Expected {ref:.4f}.")
        if np.isclose(J, -ref, rtol=1e-6):
            return v.fail(f"you returned {J:.4f}, the right value with the wrong sign ({ref:.4f}).")
        return v.fail(f"on {_short(mdp)} you returned {J:.4f}; expected {ref:.4f}.")
    return v.ok(f"agrees with the exact linear solve on {len(mdps)} MDPs (gamma = 1 and gamma < 1).")


# -- chapter 4 ---------------------------------------------------------------

def check_ascent_step(f):
    """Check ``f(theta, grad, alpha) -> new theta``, one step of gradient *ascent*.

    Examples
    --------
    >>> check_ascent_step(lambda theta, grad, alpha: theta - alpha * grad)  # doctest: +ELLIPSIS
    Not yet: ...sign...
    False
    """
    v = _Verdict(_name(f))
    rng = np.random.default_rng(4)
    for _ in range(4):
        theta, g, alpha = rng.standard_normal(3), rng.standard_normal(3), float(rng.uniform(0.01, 1.0))
        new = _array_answer(v, f, (theta.copy(), g.copy(), alpha), theta.shape, "the new parameter vector")
        if new is None:
            return False
        ref = theta + alpha * g
        if np.allclose(new, ref):
            continue
        if np.allclose(new, theta - alpha * g):
            return v.fail("your step goes downhill: theta - alpha * grad is gradient descent. To increase J, "
                          "move along the gradient: theta + alpha * grad (a sign error).")
        if np.allclose(new, alpha * g):
            return v.fail("you returned alpha * grad, the step itself; add it to theta.")
        return v.fail(f"from theta = {_short(theta)} with alpha = {alpha:.3f} you returned {_short(new)}; expected {_short(ref)}.")
    return v.ok("takes the ascent step theta + alpha * grad on 4 random cases.")


# -- chapter 5 ---------------------------------------------------------------

def check_policy_gradient(f):
    """Check ``f(mdp, policy, theta) -> grad``, the policy gradient theorem's exact gradient.

    ``grad = sum_s eta(s) sum_a q_pi(s, a) grad pi(a|s, theta)`` with
    ``eta(s) = sum_t gamma**t Pr(S_t = s)``.

    Examples
    --------
    >>> import pgcore as pg
    >>> def uses_mu(mdp, policy, theta):
    ...     pi = policy.probs(theta); _, Q = pg.evaluate(mdp, pi)
    ...     mu = pg.state_distribution(mdp, pi)
    ...     return np.einsum("s,sa,sad->d", mu, Q, policy.grad_probs(theta))
    >>> check_policy_gradient(uses_mu)  # doctest: +ELLIPSIS
    Not yet: ...proportional...
    False
    """
    v = _Verdict(_name(f))
    rng = np.random.default_rng(9)
    cases = [(short_corridor(), corridor_policy(), corridor_theta(0.3))]
    for gamma, seed in [(0.9, 1), (1.0, 2)]:
        mdp = random_mdp(4, 3, gamma=gamma, seed=seed)
        pol = SoftmaxPolicy(rng.standard_normal((mdp.n_states, mdp.n_actions, 3)))
        cases.append((mdp, pol, rng.standard_normal(3)))
    for mdp, pol, theta in cases:
        ref = policy_gradient(mdp, pol, theta)  # from the checker's own copy, before the student's code runs
        g = _array_answer(v, f, (copy.deepcopy(mdp), copy.deepcopy(pol), theta.copy()), theta.shape,
                          "one partial derivative per parameter")
        if g is None:
            return False
        if np.allclose(g, ref, rtol=1e-6, atol=1e-9):
            continue
        pi = pol.probs(theta)
        _, Q = evaluate(mdp, pi)
        eta = expected_visits(mdp, pi)
        gp = pol.grad_probs(theta)
        if np.allclose(g, -ref, rtol=1e-6):
            return v.fail(f"on {_short(mdp)} your gradient is exactly minus the right one ({_short(ref)}): a sign error.")
        if np.allclose(g, ref / eta.sum(), rtol=1e-6):
            return v.fail("your gradient is proportional to the right one but smaller by the factor sum_s eta(s) "
                          f"= {eta.sum():.3f}: you weighted by mu(s). The equality needs eta(s), the expected "
                          "number of visits.")
        if mdp.gamma < 1:
            und = MDP(mdp.P, mdp.R, mdp.start, gamma=1.0, terminal=mdp.terminal)
            eta1 = expected_visits(und, pi)
            if np.allclose(g, np.einsum("s,sa,sad->d", eta1, Q, gp), rtol=1e-6):
                return v.fail(f"with gamma = {mdp.gamma}, you counted visits without discounting: eta(s) must "
                              "weight a visit at time t by gamma**t.")
        if np.allclose(g, 0.0, atol=1e-9):
            return v.fail("your gradient is zero. Weighting grad pi(a|s) by a number that does not depend on the "
                          "action, such as v(s), gives zero because sum_a grad pi(a|s) = 0: use q(s, a).")
        return v.fail(f"on {_short(mdp)} at theta = {_short(theta)} you returned {_short(g)}; expected {_short(ref)}.")
    return v.ok(f"matches the theorem on {len(cases)} problems: the corridor, and random MDPs with gamma = 0.9 and 1.")


# -- chapter 6 ---------------------------------------------------------------

def check_group_advantages(f):
    """Check ``f(rewards) -> advantages``, GRPO's group-relative advantages.

    ``rewards`` has shape (n_prompts, group_size): one row per prompt, one
    column per sampled answer. Each row is standardised on its own:
    ``(r - mean) / std`` (population std); a row whose rewards are all equal
    gets advantage 0, not NaN. A tolerance of 1e-6 allows a small constant
    added to the std.

    Examples
    --------
    >>> def no_std(R):
    ...     return R - R.mean(axis=1, keepdims=True)
    >>> check_group_advantages(no_std)  # doctest: +ELLIPSIS
    Not yet: ...standard deviation...
    False
    """
    v = _Verdict(_name(f))
    cases = [np.array([[1.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 0.0]]),
             np.array([[1.0, 0.0, 0.0, 1.0]]),
             np.array([[0.2, 0.9, 0.4], [3.0, 1.0, 2.0]]),
             np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]]),
             # all-zero groups (std 0 with mean 0), alone and next to a live one
             np.array([[0.0, 0.0, 0.0], [0.0, 1.0, 1.0]]),
             np.array([[0.0, 0.0, 0.0, 0.0]]),
             np.array([[-2.0, -2.0], [5.0, 5.0], [0.0, 3.0]])]
    for R in cases:
        A = _array_answer(v, f, (R.copy(),), R.shape, "one advantage per answer")
        if A is None:
            return False
        ref = group_relative_advantages(R, axis=1)
        if np.isfinite(A).all() and np.allclose(A, ref, atol=1e-5):
            continue
        if np.isnan(A).any():
            return v.fail(f"for rewards {_short(R)} you returned NaN: a group whose answers all earn the same "
                          "reward has standard deviation 0. Give those answers advantage 0 (e.g. divide by "
                          "std + 1e-8).")
        if np.allclose(A, R - R.mean(axis=1, keepdims=True)) and not np.allclose(R.std(axis=1), 1):
            return v.fail(f"for rewards {_short(R)} you subtracted the group mean but did not divide by the "
                          "group's standard deviation.")
        if R.shape[0] > 1 and np.allclose(A, (R - R.mean()) / (R.std() + 1e-8), atol=1e-5):
            return v.fail(f"for rewards {_short(R)} you standardised over all prompts at once: each row (one "
                          "prompt's group of answers) needs its own mean and std (axis=1, keepdims=True).")
        if R.shape[0] > 1 and np.allclose(A, group_relative_advantages(R, axis=0), atol=1e-5):
            return v.fail(f"for rewards {_short(R)} you standardised down the columns: you normalised over "
                          "the wrong axis. Use axis=1, one group per row.")
        return v.fail(f"for rewards {_short(R)} you returned {_short(A)}; expected {_short(ref)}.")
    return v.ok(f"agrees with the reference on {len(cases)} batches, including a group with equal rewards.")


# -- chapter 11 --------------------------------------------------------------
def check_gaussian_score(f):
    r"""Check ``f(a, mean, log_std) -> (d_mean, d_log_std)``, the score of a normal distribution.

    The reference is :func:`pgcore.gaussian.score`: :math:`(a - \mu)/\sigma^2`
    and :math:`(a - \mu)^2/\sigma^2 - 1` with :math:`\sigma = e^{\text{log\_std}}`.
    Cases include arrays that broadcast, a narrow (:math:`\sigma = e^{-4}`) and
    a wide distribution; the verdict names the usual mistakes (differentiating
    in :math:`\sigma` instead of :math:`\ln\sigma`, forgetting the :math:`-1`,
    dividing by :math:`\sigma` instead of :math:`\sigma^2`, a sign error).

    Examples
    --------
    >>> import numpy as np
    >>> def in_sigma(a, mean, log_std):
    ...     s = np.exp(log_std)
    ...     return (a - mean) / s**2, (a - mean) ** 2 / s**3 - 1 / s
    >>> check_gaussian_score(in_sigma)  # doctest: +ELLIPSIS
    Not yet: ...with respect to σ itself...
    False
    """
    v = _Verdict(_name(f))
    cases = [(np.array(1.5), np.array(1.0), np.array(np.log(0.5))),
             (np.array([-1.0, 0.0, 2.5]), np.array(0.5), np.array(0.3)),
             (np.array([0.02, -0.01]), np.array([0.0, 0.0]), np.array(-4.0)),
             (np.array([[3.0], [-7.0]]), np.array([1.0, -2.0]), np.array([1.2, 0.0]))]
    for a, mean, log_std in cases:
        shape = np.broadcast_shapes(a.shape, mean.shape, log_std.shape)
        ok, value = _call(v, f, a.copy(), mean.copy(), log_std.copy())
        if not ok:
            return False
        try:
            d_mean, d_log_std = value
            d_mean = np.broadcast_to(np.asarray(d_mean, dtype=float), shape)
            d_log_std = np.broadcast_to(np.asarray(d_log_std, dtype=float), shape)
        except (TypeError, ValueError):
            return v.fail(f"{v.name} should return two arrays (d_mean, d_log_std) of shape {shape}; "
                          f"it returned {_short(value)}")
        ref_mean, ref_log = _gaussian_score(a, mean, log_std)
        shown = f"a={_short(a)}, mean={_short(mean)}, log_std={_short(log_std)}"
        sigma, diff = np.exp(log_std), a - mean
        if np.allclose(d_mean, ref_mean, rtol=1e-6, atol=1e-8) and np.allclose(d_log_std, ref_log, rtol=1e-6,
                                                                              atol=1e-8):
            continue
        if not np.allclose(d_mean, ref_mean, rtol=1e-6, atol=1e-8):
            if np.allclose(d_mean, -ref_mean):
                return v.fail(f"for {shown} your d_mean has the wrong sign: ln π grows as μ moves towards a, "
                              "so the derivative is (a − μ)/σ², not (μ − a)/σ².")
            if np.allclose(d_mean, diff / sigma):
                return v.fail(f"for {shown} your d_mean is (a − μ)/σ; the derivative of −(a − μ)²/(2σ²) in μ "
                              "is (a − μ)/σ² (divide by the variance, not the standard deviation).")
            return v.fail(f"for {shown} your d_mean is {_short(d_mean)}; expected {_short(ref_mean)}.")
        if np.allclose(d_log_std, diff**2 / sigma**3 - 1 / sigma):
            return v.fail(f"for {shown} you differentiated with respect to σ itself; the parameter is ln σ, "
                          "so multiply by dσ/d(ln σ) = σ: (a − μ)²/σ² − 1.")
        if np.allclose(d_log_std, diff**2 / sigma**2):
            return v.fail(f"for {shown} your d_log_std misses the −1 that comes from the −ln σ in the "
                          "log-density (the normalising constant of the density).")
        return v.fail(f"for {shown} your d_log_std is {_short(d_log_std)}; expected {_short(ref_log)}.")
    return v.ok(f"agrees with the reference on {len(cases)} cases, including broadcasting and a "
                "narrow distribution (σ = e⁻⁴).")


# -- chapter 9 ---------------------------------------------------------------

def check_gae(f):
    r"""Check ``f(rewards, values, gamma, lam) -> advantages``, the generalized advantage estimates.

    ``rewards`` has shape (T,) (``rewards[t]`` is :math:`R_{t+1}`), ``values``
    shape (T + 1,) (``values[T]`` is the value after the last step, 0 at a
    terminal state); the answer has shape (T,):
    :math:`\hat A_t = \sum_k (\gamma\lambda)^k \delta_{t+k}` with
    :math:`\delta_t = R_{t+1} + \gamma \hat v(S_{t+1}) - \hat v(S_t)`.

    Examples
    --------
    >>> import numpy as np
    >>> def no_lambda(rewards, values, gamma, lam):
    ...     delta = rewards + gamma * values[1:] - values[:-1]
    ...     out, acc = np.zeros(len(delta)), 0.0
    ...     for t in reversed(range(len(delta))):
    ...         acc = delta[t] + gamma * acc
    ...         out[t] = acc
    ...     return out
    >>> check_gae(no_lambda)  # doctest: +ELLIPSIS
    Not yet: ...gamma * lam...
    False
    """
    v = _Verdict(_name(f))
    rng = np.random.default_rng(2016)
    cases = [(np.array([-1.0, -1.0, -1.0]), np.array([-3.0, -2.0, -1.0, 0.0]), 1.0, 0.5),
             (np.array([1.0, 0.0, 2.0, -1.0]), np.array([0.5, 1.0, -0.5, 2.0, 0.0]), 0.9, 0.95),
             (rng.normal(size=6), np.append(rng.normal(size=6), 1.5), 0.8, 0.7),  # cut off: values[T] != 0
             (np.array([2.0]), np.array([1.0, 0.0]), 0.9, 0.3),
             (rng.normal(size=5), np.append(rng.normal(size=5), 0.0), 0.99, 0.0),
             (rng.normal(size=5), np.append(rng.normal(size=5), -2.0), 0.95, 1.0)]
    for r, vals, gamma, lam in cases:
        T = len(r)
        A = _array_answer(v, f, (r.copy(), vals.copy(), gamma, lam), (T,), "one advantage per step")
        if A is None:
            return False
        ref = _gae(r, vals, gamma, lam)
        if np.allclose(A, ref, atol=1e-8):
            continue
        shown = f"rewards {_short(r)}, values {_short(vals)}, gamma = {gamma}, lam = {lam}"
        if np.allclose(A, ref + vals[:-1], atol=1e-8):
            return v.fail(f"for {shown} you returned the lambda-returns: subtract v(S_t) to get advantages.")
        if np.allclose(A, _gae(r, vals, gamma, 1.0), atol=1e-8) and lam < 1:
            return v.fail(f"for {shown} your sum discounts the TD errors by gamma alone: the k-th one ahead "
                          "counts (gamma * lam)**k.")
        if np.allclose(A, _gae(r, vals, 1.0, lam * gamma), atol=1e-8) and gamma < 1:
            return v.fail(f"for {shown} your TD errors miss gamma: delta_t = r_t + gamma * v[t+1] - v[t].")
        v_end = vals.copy()
        v_end[-1] = 0.0
        if vals[-1] != 0 and np.allclose(A, _gae(r, v_end, gamma, lam), atol=1e-8):
            return v.fail(f"for {shown} you ignored values[T] = {vals[-1]:g}: the last TD error bootstraps from "
                          "the value after the last step (0 only when that state is terminal).")
        fwd = np.array([sum((gamma * lam) ** k * d for k, d in enumerate(reversed((r + gamma * vals[1:]
                                                                                   - vals[:-1])[:t + 1])))
                        for t in range(T)])
        if T > 1 and np.allclose(A, fwd, atol=1e-8):
            return v.fail(f"for {shown} you summed the TD errors of earlier steps: A_t looks ahead, "
                          "delta_t + (gamma*lam) delta_{t+1} + ...; run the recursion backwards from t = T-1.")
        if np.allclose(A, (r + gamma * vals[1:] - vals[:-1]), atol=1e-8) and lam > 0 and T > 1:
            return v.fail(f"for {shown} you returned the one-step TD errors, which is GAE with lam = 0 only.")
        return v.fail(f"for {shown} you returned {_short(A)}; expected {_short(ref)}.")
    return v.ok(f"agrees with the reference on {len(cases)} episodes, including lam = 0, lam = 1 and an "
                "episode cut off before its end.")


# -- chapter 13 --------------------------------------------------------------
def check_kl_k3(f):
    """Check ``f(logp, logp_ref) -> k3``, the per-token KL estimator of chapter 13.

    ``k3 = exp(logp_ref - logp) - (logp_ref - logp) - 1``, elementwise.

    Examples
    --------
    >>> def naive(logp, logp_ref):   # the plain log-ratio: right mean, but can be negative
    ...     return logp - logp_ref
    >>> check_kl_k3(naive)  # doctest: +ELLIPSIS
    Not yet: ...plain log-ratio...
    False
    >>> from pgcore.grpo import kl_k3
    >>> check_kl_k3(kl_k3)
    Correct: kl_k3 agrees with the reference on 3 cases, and its mean under π is KL(π‖π_ref).
    True
    """
    from .grpo import kl_k3

    v = _Verdict(_name(f))
    rng = np.random.default_rng(13)
    pi, ref = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    cases = [(np.log(pi), np.log(ref)), (np.array([-1.0, -0.5]), np.array([-1.0, -3.0])),
             (np.log(ref), np.log(ref))]
    for lp, lr in cases:
        out = _array_answer(v, f, (lp.copy(), lr.copy()), lp.shape, "one value per token")
        if out is None:
            return False
        want = kl_k3(lp, lr)
        if np.allclose(out, want, atol=1e-9):
            continue
        if np.allclose(out, lp - lr):
            return v.fail(f"for logp {_short(lp)} you returned the plain log-ratio logp - logp_ref: its mean is "
                          "the KL, but single values can be negative. k3 adds ratio - 1, which has mean 0.")
        if np.allclose(out, np.exp(lp - lr) - (lp - lr) - 1):
            return v.fail(f"for logp {_short(lp)} you used the ratio π/π_ref; k3 uses π_ref/π, "
                          "exp(logp_ref - logp).")
        return v.fail(f"for logp {_short(lp)}, logp_ref {_short(lr)} you returned {_short(out)}; "
                      f"expected {_short(want)}.")
    return v.ok(f"agrees with the reference on {len(cases)} cases, and its mean under π is KL(π‖π_ref).")


def check_length_weights(f):
    """Check ``f(mask) -> weights``: GRPO's 1/|o_i| for every answer (a row of the boolean mask).

    Examples
    --------
    >>> def constant(mask):
    ...     return np.full(mask.shape[0], 1 / mask.shape[1])
    >>> check_length_weights(constant)  # doctest: +ELLIPSIS
    Not yet: ...constant...
    False
    """
    from .grpo import length_weights

    v = _Verdict(_name(f))
    m = np.zeros((4, 6), bool)
    for i, n in enumerate([4, 1, 6, 2]):
        m[i, :n] = True
    out = _array_answer(v, f, (m.copy(),), (4,), "one weight per answer")
    if out is None:
        return False
    want = length_weights(m, "sequence")
    if np.allclose(out, want):
        return v.ok("gives every token of answer i the weight 1/|o_i|, on 4 answers of lengths 4, 1, 6 and 2.")
    if np.allclose(out, 1 / 6):
        return v.fail("you gave every answer the constant weight 1/L (that is Dr. GRPO's choice); GRPO divides "
                      "by each answer's own length, the number of True entries in its row.")
    if np.allclose(out, m.sum(axis=1)):
        return v.fail("you returned the lengths |o_i|; the weight is one over the length.")
    return v.fail(f"for answers of lengths 4, 1, 6, 2 you returned {_short(out)}; expected {_short(want)}.")


# -- chapter 10 --------------------------------------------------------------

def check_clipped_surrogate(f):
    r"""Check ``f(ratio, advantage, eps) -> terms``, PPO's clipped surrogate, elementwise.

    :math:`\min(\rho A, \operatorname{clip}(\rho, 1-\epsilon, 1+\epsilon) A)` for
    arrays ``ratio`` and ``advantage`` of the same shape; the answer has that shape.

    Examples
    --------
    >>> import numpy as np
    >>> def no_min(ratio, advantage, eps):
    ...     return np.clip(ratio, 1 - eps, 1 + eps) * advantage
    >>> check_clipped_surrogate(no_min)  # doctest: +ELLIPSIS
    Not yet: ...alone...
    False
    >>> from pgcore.ppo import clipped_surrogate
    >>> check_clipped_surrogate(clipped_surrogate)
    Correct: clipped_surrogate agrees with the reference on 4 cases, positive and negative advantages, ratios inside and outside [1 - eps, 1 + eps].
    True
    """
    from .ppo import clipped_surrogate

    v = _Verdict(_name(f))
    rng = np.random.default_rng(2017)
    grid_r = np.array([0.5, 0.79, 0.9, 1.0, 1.1, 1.21, 1.6, 0.5, 0.79, 0.9, 1.0, 1.1, 1.21, 1.6])
    grid_A = np.array([2.0] * 7 + [-2.0] * 7)  # not ±1: clipping the product would then look right
    cases = [(grid_r, grid_A, 0.2), (rng.uniform(0, 3, 12), rng.normal(size=12), 0.1),
             (rng.uniform(0, 3, 12), 2.5 * rng.normal(size=12), 0.3), (np.array([3.0, 0.2]), np.array([0.0, 0.0]), 0.2)]
    for r, A, eps in cases:
        out = _array_answer(v, f, (r.copy(), A.copy(), eps), r.shape, "one term per sample")
        if out is None:
            return False
        want = clipped_surrogate(r, A, eps)
        if np.allclose(out, want, atol=1e-12):
            continue
        shown = f"ratio {_short(r)}, advantage {_short(A)}, eps = {eps}"
        clipped = np.clip(r, 1 - eps, 1 + eps) * A
        if np.allclose(out, clipped):
            return v.fail(f"for {shown} you returned clip(ratio) * advantage alone. Compare it with ratio * advantage "
                          "where ratio = 0.5 and the advantage is positive (a good action made rarer): which of the "
                          "two lets that sample push the action back?")
        if np.allclose(out, np.maximum(r * A, clipped)):
            return v.fail(f"for {shown} you took the max of the two terms; the min makes the objective a "
                          "pessimistic (lower) bound of ratio * advantage.")
        if np.allclose(out, r * A):
            return v.fail(f"for {shown} you returned ratio * advantage, the surrogate without the clip.")
        if np.allclose(out, np.minimum(r * A, np.clip(r * A, 1 - eps, 1 + eps))):
            return v.fail(f"for {shown} you clipped the product ratio * advantage; clip the ratio, then multiply.")
        if np.allclose(out, np.where(A > 0, np.minimum(r * A, clipped), r * A)):
            return v.fail(f"for {shown} your answer is right for positive advantages only: with a negative "
                          "advantage the term stops falling once the ratio is below 1 - eps.")
        return v.fail(f"for {shown} you returned {_short(out)}; expected {_short(want)}.")
    return v.ok(f"agrees with the reference on {len(cases)} cases, positive and negative advantages, ratios inside "
                "and outside [1 - eps, 1 + eps].")
