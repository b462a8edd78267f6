r"""Episodic REINFORCE (chapter 8, "REINFORCE").

REINFORCE on any finite :class:`pgcore.MDP` with a :class:`pgcore.SoftmaxPolicy`,
with and without a learned state-value baseline, many independent runs at
once, and the sampled gradient next to the theorem's exact one.

:func:`reinforce` uses an optional compiled kernel (:mod:`pgcore._kernels`)
when it is built, and otherwise a numpy version that gives bit-for-bit the
same numbers from the same seed.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from . import _kernels
from ._common import _RunReport, _cdf_rows, _positive_int, _sample_index, _step
from ._validate import INT64_MAX, allocation, array, choice, kernel_size
from ._validate import seed as _seed
from .mdp import MDP, refuse_endless
from .policy import SoftmaxPolicy
from .stats import mean_and_band

__all__ = [
    "reinforce",
    "ReinforceResult",
    "reinforce_gradients",
    "kernel_backend",
    "mean_and_band",
]


def kernel_backend():
    """``"c"`` when :func:`reinforce` runs the compiled kernel, else ``"numpy"``.

    The kernel (``pgcore/_ckernels.c``) is built when pgcore is installed
    with a C compiler available. Both give bit-for-bit the same numbers from
    the same seed; ``PGCORE_KERNEL=numpy`` forces the numpy version.
    """
    return _kernels.backend()


@dataclass(frozen=True)
class ReinforceResult(_RunReport):
    """What :func:`reinforce` returns.

    Attributes
    ----------
    returns : numpy.ndarray, shape (n_runs, n_episodes)
        Undiscounted return :math:`\\sum_t R_{t+1}` of every episode (NaN
        after a run diverged).
    lengths : numpy.ndarray, shape (n_runs, n_episodes), int
        Steps in every episode.
    truncated : numpy.ndarray, shape (n_runs, n_episodes), bool
        Episodes cut off at ``max_steps`` before reaching a terminal state.
    theta : numpy.ndarray, shape (n_runs, d)
        Final parameters of every run.
    w : numpy.ndarray, shape (n_runs, m), or None
        Final baseline weights (None without a baseline).
    diverged : numpy.ndarray, shape (n_runs,), bool
        Runs whose parameters stopped being finite (they stop there).
    theta_history : numpy.ndarray, shape (n_runs, n_episodes + 1, d), or None
        :math:`\\theta` before every episode and at the end, when asked for
        with ``record_theta=True``.
    max_steps : int
        The step limit that was in force.
    backend : str
        ``"c"`` (compiled kernel) or ``"numpy"``.
    """

    returns: np.ndarray
    lengths: np.ndarray
    truncated: np.ndarray
    theta: np.ndarray
    w: np.ndarray | None
    diverged: np.ndarray
    theta_history: np.ndarray | None
    max_steps: int
    backend: str


def _bitgens(seed, n):
    """One independent numpy bit generator per run, all derived from ``seed``."""
    if isinstance(seed, np.random.Generator):
        return [g.bit_generator for g in seed.spawn(n)]
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(_seed(seed))
    return [np.random.PCG64(c) for c in ss.spawn(n)]


class _Streams:
    """Per-run uniform streams read in chunks: run r gets exactly the numbers
    ``Generator(bitgens[r]).random()`` would give one by one, which is what the
    compiled kernel reads too."""

    def __init__(self, bitgens, chunk=4096):
        self.gens = [np.random.Generator(bg) for bg in bitgens]
        self.chunk = int(chunk)
        self.buf = np.empty((len(self.gens), self.chunk))
        self.pos = np.full(len(self.gens), self.chunk)
        self.top = self.chunk  # an upper bound of pos.max(), kept without looking at pos

    def draw(self, idx):
        if self.top >= self.chunk:  # some stream may be used up: refill those
            p = self.pos[idx]
            for r in idx[p >= self.chunk]:
                self.buf[r] = self.gens[r].random(self.chunk)
                self.pos[r] = 0
            self.top = int(self.pos.max())
        p = self.pos[idx]
        self.pos[idx] = p + 1
        self.top += 1
        return self.buf[idx, p]


def _softmax_rows(h):
    """Softmax along the last axis: ``exp(h - max) / sum``."""
    e = np.exp(h - h.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


# The arithmetic of the compiled kernel, operation by operation, so that the
# numpy fallback reproduces it bit for bit: libm's exp and numpy's (SIMD) exp
# differ in the last bit for a few per cent of arguments, and a different
# summation order changes the last bits too. In a long study such differences
# grow until a uniform draw falls between the two versions of a probability,
# after which the two runs part ways. Hence our own exp and explicit loops.
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_INV_LN2 = 1.44269504088896338700e+00
_EXP_C = (1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
          1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0)


def _exp_nonpositive(x):
    """exp(x) for x <= 0, by the kernel's recipe (Cody-Waite reduction, Taylor polynomial).

    Within about an ulp of ``np.exp``; identical to ``pg_exp_nonpositive`` in
    ``_ckernels.c``. NaN stays NaN, anything below -745.5 gives 0.
    """
    x = np.asarray(x, dtype=float)
    ok = x >= -745.5  # False for NaN and for underflow
    xs = np.where(ok, x, 0.0)
    k = np.rint(xs * _INV_LN2)
    r = (xs - k * _LN2_HI) - k * _LN2_LO
    p = np.full_like(r, _EXP_C[13])
    for c in _EXP_C[12::-1]:
        p = p * r + c
    out = np.ldexp(p, k.astype(np.int64))
    return np.where(ok, out, np.where(np.isnan(x), x, 0.0))


def _policy_rows(xs, th):
    """The kernel's ``policy_row`` for many rows at once, in the same order of operations.

    ``xs`` has shape (..., A, d) (features of one state), ``th`` (..., d).
    Returns the action cdfs (..., A) (1 from the last positive probability on)
    and the mean features ``xbar`` (..., d).
    """
    A, d = xs.shape[-2:]
    h = np.zeros(np.broadcast_shapes(xs.shape[:-1], th.shape[:-1] + (1,)))
    for k in range(d):
        h = h + xs[..., k] * th[..., None, k]
    hmax = h.max(axis=-1, keepdims=True)
    e = _exp_nonpositive(h - hmax)
    total = np.zeros(e.shape[:-1])
    for a in range(A):
        total = total + e[..., a]
    p = e / total[..., None]
    cdf = np.cumsum(p, axis=-1)
    positive = p > 0
    last = np.where(positive.any(axis=-1), A - 1 - np.argmax(positive[..., ::-1], axis=-1), 0)
    cdf[np.arange(A) >= last[..., None]] = 1.0
    xbar = np.zeros(p.shape[:-1] + (d,))
    for a in range(A):
        xbar = xbar + p[..., a, None] * xs[..., a, :]
    return cdf, xbar


def _sample_batch(P_cdf, next_det, R, start_cdf, start_det, terminal, policy_cdf, draw, n, max_steps):
    """Sample one episode in each of ``n`` rows, all advancing together.

    ``policy_cdf(rows, states)`` gives the action cdfs, ``draw(rows)`` one
    uniform per row. A uniform is drawn only for a random choice, in this
    order per row: the start state (unless ``start_det >= 0``), then at every
    step the action and the next state (unless ``next_det[s, a] >= 0``).
    Returns state, action and reward buffers (zero after each row's end), the
    lengths and the final states.
    """
    S, A = R.shape
    rows = np.arange(n)
    all_det = bool((next_det >= 0).all())
    L = 64
    Sb = np.zeros((n, L), dtype=np.intp)  # index arrays are intp: int32 in the browser (Pyodide)
    Ab = np.zeros((n, L), dtype=np.intp)
    Rb = np.zeros((n, L))
    if start_det >= 0:
        s = np.full(n, start_det, dtype=np.intp)
    else:
        s = _sample_index(np.broadcast_to(start_cdf, (n, S)), draw(rows))
    T = np.zeros(n, dtype=np.int64)
    alive = (terminal[s] == 0) & (max_steps > 0)
    t = 0
    while alive.any():
        if t >= _kernels.MAX_EPISODE_STEPS:  # as the compiled kernel: no unbounded buffers
            raise RuntimeError(_kernels.too_long_message(max_steps))
        if t >= L:
            Sb = np.concatenate([Sb, np.zeros_like(Sb)], axis=1)
            Ab = np.concatenate([Ab, np.zeros_like(Ab)], axis=1)
            Rb = np.concatenate([Rb, np.zeros_like(Rb)], axis=1)
            L *= 2
        ai = rows[alive]
        st = s[ai]
        cdf = policy_cdf(ai, st)
        u = draw(ai)
        # the index is the number of cdf entries <= u (the last entry is 1 > u)
        a = (u >= cdf[:, 0]).astype(np.intp) if A == 2 else (u[:, None] >= cdf).sum(axis=1)
        Sb[ai, t] = st
        Ab[ai, t] = a
        Rb[ai, t] = R[st, a]
        s2 = next_det[st, a]
        if not all_det:
            rand = s2 < 0
            if rand.any():
                s2[rand] = _sample_index(P_cdf[st[rand], a[rand]], draw(ai[rand]))
        s[ai] = s2
        T[ai] = t + 1
        alive[ai] = (terminal[s2] == 0) & (t + 1 < max_steps)
        t += 1
    return Sb[:, :t], Ab[:, :t], Rb[:, :t], T, s


def _returns_to_go(Rb, gamma):
    """:math:`G_t = R_{t+1} + \\gamma G_{t+1}` for every row (0 after the row's end)."""
    if gamma == 1.0:
        return np.cumsum(Rb[:, ::-1], axis=1)[:, ::-1]
    G = np.zeros_like(Rb)
    acc = np.zeros(Rb.shape[0])
    for t in range(Rb.shape[1] - 1, -1, -1):
        acc = Rb[:, t] + gamma * acc
        G[:, t] = acc
    return G


def _discounts(gamma, T):
    """:math:`\\gamma^t` for t < T, by repeated multiplication (as the kernel does)."""
    if T == 0:
        return np.zeros(0)
    return np.cumprod(np.concatenate([[1.0], np.full(T - 1, gamma)]))


def _score_sums(coef, Sb, Ab, x, xbar):
    r"""Per row, :math:`\sum_t c_t\,(x(S_t, A_t) - \bar x(S_t))`, via sums over (s, a).

    ``xbar`` has shape (n, S, d) (a policy per row) or (S, d) (one policy).
    The kernel's order: each (s, a) sum runs backward in time, then the pairs
    are taken in increasing (s, a) order.
    """
    n = coef.shape[0]
    S, A, d = x.shape
    flat = (np.arange(n, dtype=np.intp)[:, None] * (S * A) + Sb * A + Ab)[:, ::-1].ravel()
    C = np.bincount(flat, weights=coef[:, ::-1].ravel(), minlength=n * S * A).reshape(n, S, A)
    if xbar.ndim == 2:
        xbar = np.broadcast_to(xbar, (n, S, d))
    g = np.zeros((n, d))
    for s in range(S):
        for a in range(A):
            c = C[:, s, a]
            if c.any():
                g = g + c[:, None] * (x[s, a] - xbar[:, s])
    return g


def _reinforce_numpy(P_cdf, next_det, R, start_cdf, start_det, terminal, gamma, x, theta, step_size, xw, w,
                     baseline_step_size, max_steps, bitgens, n_episodes, record_theta, per_step=False):
    """The pure-numpy REINFORCE: the runs advance together, one episode at a time.

    Same arguments, same per-run random numbers and same results as
    :func:`pgcore._kernels.reinforce_c`. ``theta`` and ``w`` are updated in place.
    """
    n, d = theta.shape
    S, A, _ = x.shape
    m = 0 if w is None else w.shape[1]
    returns = np.full((n, n_episodes), np.nan)
    lengths = np.zeros((n, n_episodes), dtype=np.int64)
    truncated = np.zeros((n, n_episodes), dtype=bool)
    diverged = np.zeros(n, dtype=bool)
    hist = np.empty((n, n_episodes + 1, d)) if record_theta else None
    streams = _Streams(bitgens)
    all_rows = np.arange(n)
    with np.errstate(over="ignore", invalid="ignore"):
        for e in range(n_episodes):
            if hist is not None:
                hist[:, e] = theta
            lr = all_rows[~diverged]
            if lr.size == 0:
                continue
            cdf, xbar = _policy_rows(x[None], theta[lr][:, None, :])
            Sb, Ab, Rb, T, s_end = _sample_batch(
                P_cdf, next_det, R, start_cdf, start_det, terminal, lambda ai, st: cdf[ai, st],
                lambda ai: streams.draw(lr[ai]), lr.size, max_steps)
            returns[lr, e] = np.cumsum(Rb, axis=1)[:, -1] if Rb.shape[1] else 0.0
            lengths[lr, e] = T
            truncated[lr, e] = terminal[s_end] == 0
            Tmax = Rb.shape[1]
            G = _returns_to_go(Rb, gamma)
            mask = np.arange(Tmax) < T[:, None]
            disc = _discounts(gamma, Tmax)
            if m == 0 and not per_step:
                coef = np.where(mask, disc * G, 0.0)
                theta[lr] += step_size * _score_sums(coef, Sb, Ab, x, xbar)
            else:
                # forward in time, in the book's order: the baseline learns step by step
                th = theta[lr]
                wl = w[lr] if m else None
                g = np.zeros_like(th)
                for t in range(Tmax):
                    act = np.flatnonzero(mask[:, t])
                    st, at = Sb[act, t], Ab[act, t]
                    dl = G[act, t]
                    if m:
                        f = xw[st]
                        v = np.zeros(act.size)
                        for j in range(m):
                            v = v + f[:, j] * wl[act, j]
                        dl = dl - v
                        wl[act] += baseline_step_size * dl[:, None] * f
                    coef = disc[t] * dl
                    xs = x[st, at]
                    if per_step:
                        _, xb = _policy_rows(x[st], th[act])
                        th[act] += (step_size * coef)[:, None] * (xs - xb)
                    else:
                        g[act] += coef[:, None] * (xs - xbar[act, st])
                if not per_step:
                    th += step_size * g
                theta[lr] = th
                if m:
                    w[lr] = wl
            bad = ~np.isfinite(theta[lr]).all(axis=1)
            if m:
                bad |= ~np.isfinite(w[lr]).all(axis=1)
            diverged[lr[bad]] = True
    if hist is not None:
        hist[:, n_episodes] = theta
    return returns, lengths, truncated, diverged, hist


def _check_pair(mdp, policy):
    """An MDP and a softmax policy whose features fit it, or a clear error."""
    if not isinstance(mdp, MDP):
        raise TypeError(f"mdp must be a pgcore.MDP, got {type(mdp).__name__}")
    if not isinstance(policy, SoftmaxPolicy):
        raise TypeError(f"policy must be a pgcore.SoftmaxPolicy, got {type(policy).__name__}")
    if policy.n_states != mdp.n_states or policy.n_actions != mdp.n_actions:
        raise ValueError(f"the policy's features are for {policy.n_states} states x {policy.n_actions} "
                         f"actions, the MDP has {mdp.n_states} x {mdp.n_actions}")


def _mdp_arrays(mdp, policy):
    _check_pair(mdp, policy)
    P_cdf = np.ascontiguousarray(_cdf_rows(mdp.P))
    # the next state when it is certain (one entry of P[s, a] is positive), else -1
    positive = mdp.P > 0
    next_det = np.where(positive.sum(axis=2) == 1, np.argmax(positive, axis=2), -1).astype(np.int32)
    # (int32 for the kernel; _sample_batch indexes with it directly)
    R = np.ascontiguousarray(mdp.R, dtype=float)
    start_cdf = np.ascontiguousarray(_cdf_rows(mdp.start))
    start_det = int(np.argmax(mdp.start > 0)) if (mdp.start > 0).sum() == 1 else -1
    terminal = np.ascontiguousarray((~mdp.nonterminal).astype(np.uint8))
    x = np.ascontiguousarray(policy.features, dtype=float)
    return P_cdf, np.ascontiguousarray(next_det), R, start_cdf, start_det, terminal, x


def reinforce(mdp, policy, theta0, step_size, n_episodes, n_runs=1, seed=None,
              baseline_step_size=None, baseline_features=None, max_steps=10_000,
              record_theta=False, update="episode", backend=None, w0=None):
    r"""Episodic REINFORCE, optionally with a learned state-value baseline; many runs at once.

    Every episode of every run is sampled with :math:`\theta` held fixed; then,
    with the returns :math:`G_t = \sum_{k=t+1}^{T} \gamma^{k-t-1} R_k`,

    .. math::
        \theta \leftarrow \theta + \alpha \sum_{t=0}^{T-1}
            \gamma^t \big(G_t - \hat v(S_t, \mathbf w)\big)\,
            \nabla_\theta \ln \pi(A_t \mid S_t, \theta),

    where :math:`\nabla \ln \pi(a|s,\theta) = x(s,a) - \sum_b \pi(b|s) x(s,b)`
    and :math:`\hat v = 0` without a baseline. This is Sutton & Barto's boxed
    algorithm of section 13.3 (and 13.4 with a baseline), including its
    :math:`\gamma^t` factor, which makes the expected update exactly
    :math:`\alpha \nabla J(\theta)` for discounted :math:`J` (chapter 8); with
    :math:`\gamma = 1` it is 1.

    **When the update is applied.** By default (``update="episode"``) the T
    terms are summed at the episode's :math:`\theta` and added once (as in
    Williams 1992), so every update is :math:`\alpha` times an unbiased
    gradient estimate (see :func:`reinforce_gradients`). The book's box adds
    them one after another, each score computed at the :math:`\theta` the
    previous terms have already moved (``update="step"``). The two differ by
    terms of second order in the size of one episode's update, which is small
    for short episodes but not for long ones: on a long episode the step-wise
    version can feed on itself (chapter 8 shows a run of the short corridor
    jumping from p = 0.05 to p ≈ 1 in one episode).

    **Baseline.** With ``baseline_step_size`` (:math:`\alpha^w`) given, the
    baseline is linear in state features,
    :math:`\hat v(s, \mathbf w) = \mathbf w^\top x_w(s)` with
    :math:`\mathbf w = 0` at the start, and is updated at every step of the
    episode, in order, exactly as in the book:
    :math:`\mathbf w \leftarrow \mathbf w + \alpha^w (G_t - \hat v(S_t, \mathbf w))\, x_w(S_t)`,
    and the same difference :math:`G_t - \hat v(S_t, \mathbf w)` weighs the
    policy term (Sutton & Barto call it :math:`\delta`; the book keeps
    :math:`\delta_t` for the TD error). ``baseline_features``
    gives :math:`x_w` as an array of shape (S, m); the default is tabular,
    one weight per state (``np.eye(S)``). For the short corridor the book's
    agent cannot tell states apart; pass ``np.ones((S, 1))`` for a single
    scalar :math:`w` that is the same in every state.

    **Episodes that never end.** An episode still running after ``max_steps``
    steps is cut off there: its return so far is recorded, it is flagged in
    ``truncated``, a :class:`RuntimeWarning` says how many were cut off, and
    its update uses the returns of the steps it took, as if it had ended.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta0 : array_like, shape (d,) or (n_runs, d)
        Initial parameters (the same for every run, or one row per run).
    step_size : float
        :math:`\alpha \ge 0` (0 leaves :math:`\theta` unchanged).
    n_episodes : int
    n_runs : int, default 1
        Independent runs. Run r draws its random numbers from its own stream
        derived from ``seed``, so one seed reproduces the whole study.
    seed : int, numpy.random.SeedSequence or numpy.random.Generator, optional
    baseline_step_size : float, optional
        :math:`\alpha^w \ge 0`; None means no baseline.
    baseline_features : array_like, shape (S, m), optional
        :math:`x_w(s)`; default ``np.eye(S)``.
    max_steps : int, default 10000
    record_theta : bool, default False
        Also return :math:`\theta` before every episode (``theta_history``).
    update : {"episode", "step"}, default "episode"
        Add the episode's terms at once, or one after another (see above).
    backend : {None, "c", "numpy"}
        None uses the compiled kernel when it is built (:func:`kernel_backend`).
    w0 : array_like, shape (m,) or (n_runs, m), optional
        Initial baseline weights (default 0), e.g. the ``w`` of an earlier
        call, to continue a study in pieces.

    Returns
    -------
    ReinforceResult
        ``returns`` (n_runs, n_episodes), ``theta`` (n_runs, d), ...

    Examples
    --------
    The short corridor, from the ε-greedy-left policy (p = 0.05):

    >>> import numpy as np
    >>> from pgcore import envs
    >>> mdp, pol = envs.short_corridor(), envs.corridor_policy()
    >>> res = reinforce(mdp, pol, envs.corridor_theta(0.05), 2**-13, 1000, n_runs=20, seed=0)
    >>> res.returns.shape, res.theta.shape
    ((20, 1000), (20, 2))
    >>> bool(res.returns[:, -100:].mean() > -15)
    True
    """
    P_cdf, next_det, R, start_cdf, start_det, terminal, x = _mdp_arrays(mdp, policy)
    S, A, d = x.shape
    n_runs = _positive_int(n_runs, "n_runs")
    n_episodes = _positive_int(n_episodes, "n_episodes")
    allocation(f"reinforce(n_runs={n_runs}, n_episodes={n_episodes})", n_runs, n_episodes)
    if record_theta:
        allocation(f"reinforce(n_runs={n_runs}, n_episodes={n_episodes}, record_theta=True) with d = {d}",
                   n_runs, n_episodes + 1, d)
    # the kernel counts steps in int64; ctypes would wrap a larger integer silently
    max_steps = kernel_size(max_steps, "max_steps", limit=INT64_MAX)
    alpha = _step(step_size, "step_size", allow_zero=True)
    theta = array(theta0, "theta0", finite=False)
    if theta.shape not in ((d,), (n_runs, d)):
        raise ValueError(f"theta0 must have shape ({d},) or ({n_runs}, {d}), got {theta.shape}")
    if not np.isfinite(theta).all():
        raise ValueError("theta0 must be finite")
    theta = np.ascontiguousarray(np.broadcast_to(theta, (n_runs, d)), dtype=float).copy()
    if max_steps > _kernels.MAX_EPISODE_STEPS:
        # no cut-off in reach: a first policy that can never end an episode is refused now
        for row in np.unique(theta, axis=0):
            refuse_endless(mdp, policy.probs(row), "an episode (max_steps is too large to cut it off)")
    if baseline_step_size is None:
        if baseline_features is not None:
            raise ValueError("baseline_features given without baseline_step_size")
        if w0 is not None:
            raise ValueError("w0 given without baseline_step_size")
        xw = w = None
        alpha_w = 0.0
    else:
        alpha_w = _step(baseline_step_size, "baseline_step_size", allow_zero=True)
        xw = np.eye(S) if baseline_features is None else array(baseline_features, "baseline_features", finite=False)
        if xw.ndim != 2 or xw.shape[0] != S or xw.shape[1] < 1 or not np.isfinite(xw).all():
            raise ValueError(f"baseline_features must be a finite array of shape ({S}, m), got {xw.shape}")
        xw = np.ascontiguousarray(xw)
        m = xw.shape[1]
        if w0 is None:
            w = np.zeros((n_runs, m))
        else:
            w = array(w0, "w0")
            if w.shape not in ((m,), (n_runs, m)):
                raise ValueError(f"w0 must have shape ({m},) or ({n_runs}, {m}), got {w.shape}")
            w = np.ascontiguousarray(np.broadcast_to(w, (n_runs, m)), dtype=float).copy()
    choice(update, "update", ("episode", "step"))
    if backend is not None:
        choice(backend, "backend", ("c", "numpy"))
    use_c = _kernels.available() if backend is None else backend == "c"
    if use_c and not _kernels.available():
        raise ImportError("backend='c' but the compiled kernel is not built (see pgcore._kernels)")
    bitgens = _bitgens(seed, n_runs)
    run = _kernels.reinforce_c if use_c else _reinforce_numpy
    returns, lengths, truncated, diverged, hist = run(
        P_cdf, next_det, R, start_cdf, start_det, terminal, mdp.gamma, x, theta, alpha, xw, w, alpha_w,
        max_steps, bitgens, n_episodes, bool(record_theta), update == "step")
    res = ReinforceResult(returns, lengths, truncated, theta, w, diverged, hist, max_steps,
                          "c" if use_c else "numpy")
    if res.message:
        warnings.warn(f"reinforce: {res.message}", RuntimeWarning, stacklevel=2)
    return res


def reinforce_gradients(mdp, policy, theta, n_episodes, baseline=None, seed=None, max_steps=100_000,
                        returns="to_go"):
    r"""One REINFORCE gradient estimate per sampled episode, at fixed :math:`\theta`.

    .. math::
        \hat g = \sum_{t=0}^{T-1} \gamma^t \big(G_t - b(S_t)\big)\,
                 \nabla_\theta \ln \pi(A_t \mid S_t, \theta)

    Its expectation is the exact :func:`pgcore.policy_gradient` for any
    baseline :math:`b(s)` that does not depend on the action (chapter 8):
    the mean of many estimates converges to the theorem's gradient, and a good
    baseline (e.g. :math:`b = v_\pi`) makes the estimates less spread out.

    With ``returns="whole"`` every score is weighted by the return of the
    whole episode instead (the trajectory form, chapter 6):

    .. math::
        \hat g_\text{whole} = \big(G_0 - b(S_0)\big)
                 \sum_{t=0}^{T-1} \nabla_\theta \ln \pi(A_t \mid S_t, \theta),

    which is :math:`(G_0 - b(S_0))\,\nabla_\theta \ln \Pr_\theta(\omega)`
    for the episode :math:`\omega`, and also has the exact gradient as its
    expectation. The default, ``"to_go"``, keeps only the rewards that come
    after each action, :math:`\gamma^t G_t = \sum_{k \ge t} \gamma^k R_{k+1}`.

    Parameters
    ----------
    mdp : MDP
    policy : SoftmaxPolicy
    theta : array_like, shape (d,)
    n_episodes : int
    baseline : array_like, shape (S,), optional
        :math:`b(s)`; default 0.
    seed : int or numpy.random.Generator, optional
    max_steps : int, default 100000
    returns : {"to_go", "whole"}, default "to_go"
        Weight each score by the discounted reward-to-go :math:`\gamma^t (G_t - b(S_t))`
        or by the whole episode's :math:`G_0 - b(S_0)`. The two use the same random
        numbers, so with the same seed they see the same episodes.

    Returns
    -------
    numpy.ndarray, shape (n_episodes, d)

    Raises
    ------
    RuntimeError
        If an episode has not ended after ``max_steps`` steps (its estimate
        would be biased).

    Examples
    --------
    >>> import numpy as np
    >>> import pgcore as pg
    >>> mdp, pol = pg.envs.short_corridor(), pg.envs.corridor_policy()
    >>> g = reinforce_gradients(mdp, pol, np.zeros(2), 20_000, seed=0)
    >>> exact = pg.policy_gradient(mdp, pol, np.zeros(2))
    >>> se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
    >>> bool((np.abs(g.mean(axis=0) - exact) < 4 * se).all())
    True
    >>> whole = reinforce_gradients(mdp, pol, np.zeros(2), 20_000, seed=0, returns="whole")
    >>> se = whole.std(axis=0, ddof=1) / np.sqrt(len(whole))
    >>> bool((np.abs(whole.mean(axis=0) - exact) < 4 * se).all())
    True
    """
    if returns not in ("to_go", "whole"):
        raise ValueError(f'returns must be "to_go" or "whole", got {returns!r}')
    P_cdf, next_det, R, start_cdf, start_det, terminal, x = _mdp_arrays(mdp, policy)
    S, A, d = x.shape
    n = _positive_int(n_episodes, "n_episodes")
    max_steps = kernel_size(max_steps, "max_steps", limit=INT64_MAX)
    pi = policy.probs(theta)
    refuse_endless(mdp, pi, "an episode")
    cdf = _cdf_rows(pi)
    xbar = np.einsum("sa,sad->sd", pi, x)
    b = np.zeros(S) if baseline is None else array(baseline, "baseline", finite=False)
    if b.shape != (S,) or not np.isfinite(b).all():
        raise ValueError(f"baseline must be a finite array of shape ({S},), got {b.shape}")
    rng = np.random.default_rng(_seed(seed))
    Sb, Ab, Rb, T, s_end = _sample_batch(P_cdf, next_det, R, start_cdf, start_det, terminal,
                                         lambda ai, st: cdf[st],
                                         lambda ai: rng.random(ai.size), n, max_steps)
    if (terminal[s_end] == 0).any():
        raise RuntimeError(f"{int((terminal[s_end] == 0).sum())} episode(s) still running after "
                           f"max_steps={max_steps} steps; their gradient estimates would be biased")
    Tmax = Rb.shape[1]
    G = _returns_to_go(Rb, mdp.gamma)
    mask = np.arange(Tmax) < T[:, None]
    if returns == "to_go":
        coef = np.where(mask, _discounts(mdp.gamma, Tmax) * (G - b[Sb]), 0.0)
    else:
        coef = np.where(mask, (G[:, :1] - b[Sb[:, :1]]), 0.0)
    return _score_sums(coef, Sb, Ab, x, xbar)
