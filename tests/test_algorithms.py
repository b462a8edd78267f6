"""Tests for pgcore.gradient_bandit and pgcore.reinforce (chapters 7 and 8).

Every sampled gradient is checked against an independent exact computation
(pgcore.policy_gradient, finite differences) with a tolerance derived from
the estimated variance of the samples (a fixed seed makes each check
deterministic). REINFORCE's kernel and its numpy fallback are checked against
each other (bit for bit) and both against a plain-Python implementation of
the book's update rule that reads the same random numbers.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pgcore as pg
from pgcore import _common, _kernels, envs, stats
from pgcore import gradient_bandit as gb
from pgcore import reinforce as rf

HAS_C = _kernels.available()
BACKENDS = ["numpy"] + (["c"] if HAS_C else [])
needs_c = pytest.mark.skipif(not HAS_C, reason="compiled kernel pgcore._ckernels not built")


def corridor():
    return envs.short_corridor(), envs.corridor_policy()


def one_hot_bandit_policy(k):
    """SoftmaxPolicy on envs.bandit (2 states): theta = preferences of the k arms."""
    x = np.zeros((2, k, k))
    x[:, np.arange(k), np.arange(k)] = 1.0
    return pg.SoftmaxPolicy(x)


def within_se(samples, exact, z=4.0):
    """Mean of the samples within z standard errors of ``exact``, component by component."""
    samples = np.asarray(samples)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    err = np.abs(mean - exact)
    # components with no spread at all must be exact (to rounding)
    return bool(np.all(err <= z * se + 1e-12)), err, se


# =============================================================================
# Helpers shared by the algorithms
# =============================================================================
def test_exp_nonpositive_matches_numpy_to_an_ulp_or_two():
    x = np.concatenate([-np.logspace(-12, np.log10(745), 20001), [0.0, -0.0, -1e-300]])
    ours = rf._exp_nonpositive(x)
    ref = np.exp(x)
    rel = np.abs(ours - ref) / np.maximum(ref, np.finfo(float).tiny)
    normal = ref > 1e-300
    assert rel[normal].max() <= 4 * np.finfo(float).eps
    assert rf._exp_nonpositive(np.array([np.nan]))[0] != rf._exp_nonpositive(np.array([np.nan]))[0]
    assert rf._exp_nonpositive(np.array([-746.0, -1e6, -np.inf])).tolist() == [0.0, 0.0, 0.0]


def test_policy_rows_is_the_softmax_and_its_mean_feature():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(5, 3, 4))
    th = rng.normal(size=4)
    cdf, xbar = rf._policy_rows(x, th[None])
    pi = pg.softmax(x @ th, axis=-1)
    np.testing.assert_allclose(np.diff(cdf, prepend=0, axis=-1), pi, atol=1e-15)
    assert (cdf[:, -1] == 1.0).all()
    np.testing.assert_allclose(xbar, np.einsum("sa,sad->sd", pi, x), atol=1e-15)


@given(st.lists(st.floats(0, 1), min_size=1, max_size=6), st.floats(0, 0.999999))
def test_sampling_never_picks_an_item_of_probability_zero(weights, u):
    p = np.array(weights)
    if p.sum() == 0:
        p[0] = 1.0
    p = p / p.sum()
    i = _common._sample_index(_common._cdf_rows(p), np.array(u))
    assert p[i] > 0


def test_mean_and_band():
    x = np.arange(12.0).reshape(4, 3)
    m, h = stats.mean_and_band(x)
    np.testing.assert_allclose(m, x.mean(axis=0))
    np.testing.assert_allclose(h, 1.96 * x.std(axis=0, ddof=1) / 2)
    m1, h1 = stats.mean_and_band(x[:1])
    assert (h1 == 0).all()


# =============================================================================
# Chapter 7: the gradient bandit
# =============================================================================
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_bandit_gradient_is_the_policy_gradient_theorem_and_finite_differences(seed):
    rng = np.random.default_rng(seed)
    k = 6
    q = rng.normal(size=k)
    h = rng.normal(size=k)
    exact = gb.bandit_gradient(q, h)
    mdp, pol = envs.bandit(q), one_hot_bandit_policy(k)
    np.testing.assert_allclose(exact, pg.policy_gradient(mdp, pol, h), atol=1e-12)
    fd = pg.numerical_gradient(lambda th: float(pg.softmax(th) @ q), h)
    np.testing.assert_allclose(exact, fd, atol=1e-8)
    assert abs(exact.sum()) < 1e-12


def test_bandit_gradient_broadcasts_over_runs():
    rng = np.random.default_rng(3)
    q, h = rng.normal(size=(4, 5)), rng.normal(size=(4, 5))
    g = gb.bandit_gradient(q, h)
    for i in range(4):
        np.testing.assert_allclose(g[i], gb.bandit_gradient(q[i], h[i]))


@pytest.mark.parametrize("baseline", [0.0, 4.0, -3.0])
def test_bandit_samples_are_unbiased_for_any_baseline(baseline):
    q = np.array([4.2, 3.1, 5.0, 3.9])
    h = np.array([0.3, -0.2, 0.1, 0.0])
    g = gb.bandit_gradient_samples(q, h, 50_000, baseline=baseline, seed=11)
    ok, err, se = within_se(g, gb.bandit_gradient(q, h))
    assert ok, (err, se)


def test_a_baseline_near_the_mean_reward_shrinks_the_variance():
    q = np.array([4.2, 3.1, 5.0, 3.9])
    h = np.zeros(4)
    mean_reward = float(pg.softmax(h) @ q)
    v0 = gb.bandit_gradient_samples(q, h, 20_000, baseline=0.0, seed=5).var(axis=0).sum()
    vb = gb.bandit_gradient_samples(q, h, 20_000, baseline=mean_reward, seed=5).var(axis=0).sum()
    assert vb < v0 / 5


def test_gradient_bandit_first_steps_by_hand():
    q = np.array([[1.0, 2.0, 0.5]])
    rng = np.random.default_rng(42)
    u, z = rng.random(1), rng.standard_normal(1)
    u2, z2 = rng.random(1), rng.standard_normal(1)
    res = gb.gradient_bandit(q, 0.3, 2, baseline=True, seed=42)
    # step 1: uniform policy, the baseline is R_1 itself, so H stays 0
    a1 = int(np.searchsorted(np.cumsum(np.full(3, 1 / 3)), u[0], side="right"))
    r1 = q[0, a1] + z[0]
    assert res.actions[0, 0] == a1 and math.isclose(res.rewards[0, 0], r1)
    # step 2: still uniform; the update uses the baseline R_1 (the rewards before step 2)
    a2 = int(np.searchsorted(np.cumsum(np.full(3, 1 / 3)), u2[0], side="right"))
    r2 = q[0, a2] + z2[0]
    expected = 0.3 * (r2 - r1) * ((np.arange(3) == a2) - 1 / 3)
    np.testing.assert_allclose(res.h[0], expected, atol=1e-12)
    no_b = gb.gradient_bandit(q, 0.3, 1, baseline=False, seed=42)
    np.testing.assert_allclose(no_b.h[0], 0.3 * r1 * ((np.arange(3) == a1) - 1 / 3), atol=1e-12)


def test_gradient_bandit_is_reproducible_and_shaped():
    q = gb.bandit_testbed(50, k=10, mean=4.0, seed=0)
    a = gb.gradient_bandit(q, 0.1, 100, seed=3)
    b = gb.gradient_bandit(q, 0.1, 100, seed=3)
    assert np.array_equal(a.actions, b.actions) and np.array_equal(a.h, b.h)
    assert a.optimal.shape == a.prob_optimal.shape == (50, 100)
    assert np.array_equal(a.optimal, a.actions == np.argmax(q, axis=1)[:, None])
    assert ((a.prob_optimal > 0) & (a.prob_optimal < 1)).all()


def test_figure_2_5_shape_baseline_wins_when_rewards_are_shifted():
    """Sutton & Barto Figure 2.5: with q* ~ N(4, 1) the baseline matters a lot."""
    q = gb.bandit_testbed(400, k=10, mean=4.0, seed=7)
    final = {}
    for alpha in (0.1, 0.4):
        for baseline in (True, False):
            res = gb.gradient_bandit(q, alpha, 600, baseline=baseline, seed=8)
            final[alpha, baseline] = res.optimal[:, -200:].mean()
    assert final[0.1, True] > final[0.1, False] + 0.2
    assert final[0.4, True] > final[0.4, False] + 0.2
    assert final[0.1, True] > 0.7


def test_gradient_bandit_rejects_bad_input():
    with pytest.raises(ValueError, match="step_size"):
        gb.gradient_bandit([1.0, 2.0], 0.0, 10)
    with pytest.raises(ValueError, match="n_steps"):
        gb.gradient_bandit([1.0, 2.0], 0.1, 0)
    with pytest.raises(ValueError, match="finite"):
        gb.gradient_bandit([1.0, np.nan], 0.1, 5)
    with pytest.raises(ValueError, match="same length"):
        gb.bandit_gradient_samples([1.0, 2.0], [0.0], 5)


# =============================================================================
# Chapter 8: REINFORCE
# =============================================================================
def reference_reinforce(mdp, pol, theta0, alpha, n_episodes, seed, alpha_w=None, xw=None, per_step=False):
    """One run of REINFORCE in plain Python, written from the book's equations.

    It reads the same random numbers as ``reinforce`` run 0 (the first child
    of ``SeedSequence(seed)``): one uniform for each random choice, in order.
    Returns (returns, theta, w).
    """
    gen = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed).spawn(1)[0]))
    x = pol.features
    S, A, d = x.shape
    theta = np.array(theta0, dtype=float)
    w = None if alpha_w is None else np.zeros(xw.shape[1])

    def pick(p, u):
        c = 0.0
        for i, pi in enumerate(p):
            c += pi
            if u < c:
                return i
        return max(i for i, pi in enumerate(p) if pi > 0)

    def probs(s, th):
        h = x[s] @ th
        e = np.exp(h - h.max())
        return e / e.sum()

    out = []
    for _ in range(n_episodes):
        start = np.flatnonzero(mdp.start > 0)
        s = int(start[0]) if start.size == 1 else pick(mdp.start, gen.random())
        traj = []
        while mdp.nonterminal[s]:
            a = pick(probs(s, theta), gen.random())
            nxt = np.flatnonzero(mdp.P[s, a] > 0)
            s2 = int(nxt[0]) if nxt.size == 1 else pick(mdp.P[s, a], gen.random())
            traj.append((s, a, mdp.R[s, a]))
            s = s2
        T = len(traj)
        out.append(sum(r for _, _, r in traj))
        th0 = theta.copy()
        g = np.zeros(d)
        for t, (s, a, _) in enumerate(traj):
            G = sum(mdp.gamma ** (k - t) * traj[k][2] for k in range(t, T))
            delta = G
            if w is not None:
                delta = G - w @ xw[s]
                w = w + alpha_w * delta * xw[s]
            th_score = theta if per_step else th0
            score = x[s, a] - probs(s, th_score) @ x[s]
            if per_step:
                theta = theta + alpha * mdp.gamma ** t * delta * score
            else:
                g += mdp.gamma ** t * delta * score
        if not per_step:
            theta = theta + alpha * g
    return np.array(out), theta, w


CASES = {
    "corridor": lambda: (*corridor(), envs.corridor_theta(0.2), 2.0**-13, {}),
    "corridor-baseline": lambda: (*corridor(), envs.corridor_theta(0.2), 2.0**-9,
                                  {"alpha_w": 2.0**-6, "xw": np.ones((4, 1))}),
    "random-discounted": lambda: (envs.random_mdp(5, 3, gamma=0.9, seed=3), pg.SoftmaxPolicy.tabular(6, 3),
                                  np.zeros(18), 0.2, {}),
    "random-discounted-baseline": lambda: (envs.random_mdp(5, 3, gamma=0.9, seed=3),
                                           pg.SoftmaxPolicy.tabular(6, 3), np.zeros(18), 0.2,
                                           {"alpha_w": 0.1, "xw": np.eye(6)}),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("per_step", [False, True])
def test_reinforce_follows_the_update_rule_step_by_step(backend, case, per_step):
    mdp, pol, th0, alpha, kw = CASES[case]()
    ref_ret, ref_theta, ref_w = reference_reinforce(mdp, pol, th0, alpha, 6, seed=99, per_step=per_step, **kw)
    res = rf.reinforce(mdp, pol, th0, alpha, 6, n_runs=1, seed=99, backend=backend,
                       baseline_step_size=kw.get("alpha_w"), baseline_features=kw.get("xw"),
                       update="step" if per_step else "episode")
    np.testing.assert_allclose(res.returns[0], ref_ret, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res.theta[0], ref_theta, rtol=1e-9, atol=1e-12)
    if ref_w is not None:
        np.testing.assert_allclose(res.w[0], ref_w, rtol=1e-9, atol=1e-12)
    assert res.backend == backend


@needs_c
@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("update", ["episode", "step"])
def test_kernel_and_numpy_fallback_agree_bit_for_bit(case, update):
    mdp, pol, th0, alpha, kw = CASES[case]()
    args = dict(n_runs=7, seed=2024, record_theta=True, update=update,
                baseline_step_size=kw.get("alpha_w"), baseline_features=kw.get("xw"))
    c = rf.reinforce(mdp, pol, th0, alpha, 150, backend="c", **args)
    n = rf.reinforce(mdp, pol, th0, alpha, 150, backend="numpy", **args)
    assert np.array_equal(c.lengths, n.lengths)
    assert np.array_equal(c.returns, n.returns)
    assert np.array_equal(c.theta_history, n.theta_history)
    if c.w is not None:
        assert np.array_equal(c.w, n.w)


@needs_c
def test_kernel_and_fallback_agree_on_the_whole_figure_13_1_study():
    """Long studies are where tiny rounding differences would show: they must not exist."""
    mdp, pol = corridor()
    for k, alpha in enumerate([2.0**-12, 2.0**-14]):
        c = rf.reinforce(mdp, pol, envs.corridor_theta(0.05), alpha, 1000, n_runs=100, seed=k, backend="c")
        n = rf.reinforce(mdp, pol, envs.corridor_theta(0.05), alpha, 1000, n_runs=100, seed=k,
                         backend="numpy")
        assert np.array_equal(c.lengths, n.lengths) and np.array_equal(c.theta, n.theta)


def test_gridworld_with_random_transitions_runs_in_both_backends():
    g = envs.gridworld(3, 4, slip=0.2)
    pol = pg.SoftmaxPolicy.tabular(12, 4)
    res = [rf.reinforce(g, pol, np.zeros(48), 0.01, 60, n_runs=4, seed=9, backend=b, max_steps=500)
           for b in BACKENDS]
    for r in res[1:]:
        assert np.array_equal(r.theta, res[0].theta)
    assert res[0].theta.shape == (4, 48)


@pytest.mark.parametrize("backend", BACKENDS)
def test_runs_are_reproducible_and_independent_of_the_number_of_runs(backend):
    mdp, pol = corridor()
    a = rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 2.0**-10, 50, n_runs=3, seed=5, backend=backend)
    b = rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 2.0**-10, 50, n_runs=5, seed=5, backend=backend)
    assert np.array_equal(a.returns, b.returns[:3]) and np.array_equal(a.theta, b.theta[:3])
    c = rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 2.0**-10, 50, n_runs=3, seed=6, backend=backend)
    assert not np.array_equal(a.returns, c.returns)
    gen = rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 2.0**-10, 20, n_runs=2,
                       seed=np.random.default_rng(1), backend=backend)
    assert gen.returns.shape == (2, 20)


@pytest.mark.parametrize("backend", BACKENDS)
def test_step_size_zero_samples_the_fixed_policy(backend):
    """With alpha = 0 the returns are Monte Carlo samples of J(theta)."""
    mdp, pol = corridor()
    theta = envs.corridor_theta(0.4)
    res = rf.reinforce(mdp, pol, theta, 0.0, 200, n_runs=50, seed=3, backend=backend)
    assert (res.theta == theta).all()
    ok, err, se = within_se(res.returns.ravel()[:, None], np.array([envs.corridor_performance(0.4)]))
    assert ok, (err, se)


@pytest.mark.parametrize("backend", BACKENDS)
def test_episodes_that_never_end_are_cut_off_and_reported(backend):
    mdp, pol = corridor()
    theta = envs.corridor_theta(1e-9)  # almost always left: stuck in state 0
    with pytest.warns(RuntimeWarning, match="cut off at max_steps=40"):
        res = rf.reinforce(mdp, pol, theta, 1e-6, 5, n_runs=3, seed=0, max_steps=40, backend=backend)
    assert res.truncated.all() and (res.lengths == 40).all() and (res.returns == -40).all()
    assert res.n_truncated == 15
    assert "15 of 15 episodes were cut off" in res.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_divergence_is_reported_and_the_run_stops(backend):
    mdp = envs.random_mdp(4, 2, seed=1)
    pol = pg.SoftmaxPolicy.tabular(5, 2)
    # preferences near the largest float, all equal (a uniform policy): one step overflows
    with pytest.warns(RuntimeWarning, match="diverged"):
        res = rf.reinforce(mdp, pol, np.full(10, 1.7e308), 1e308, 6, n_runs=2, seed=0, backend=backend)
    assert res.diverged.all()
    assert np.isnan(res.returns[:, -1]).all()
    assert "2 of 2 runs diverged" in res.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_theta_history(backend):
    mdp, pol = corridor()
    th0 = envs.corridor_theta(0.3)
    res = rf.reinforce(mdp, pol, th0, 2.0**-10, 10, n_runs=2, seed=1, record_theta=True, backend=backend)
    assert res.theta_history.shape == (2, 11, 2)
    assert (res.theta_history[:, 0] == th0).all()
    assert (res.theta_history[:, -1] == res.theta).all()
    per_run = rf.reinforce(mdp, pol, np.array([th0, th0 + 1]), 0.0, 3, n_runs=2, seed=1, backend=backend)
    assert (per_run.theta[1] == th0 + 1).all()


def test_reinforce_rejects_bad_input():
    mdp, pol = corridor()
    th = envs.corridor_theta(0.3)
    with pytest.raises(ValueError, match="theta0 must have shape"):
        rf.reinforce(mdp, pol, np.zeros(3), 0.1, 5)
    with pytest.raises(ValueError, match="finite"):
        rf.reinforce(mdp, pol, np.array([0.0, np.inf]), 0.1, 5)
    with pytest.raises(ValueError, match="step_size"):
        rf.reinforce(mdp, pol, th, -0.1, 5)
    with pytest.raises(ValueError, match="n_episodes"):
        rf.reinforce(mdp, pol, th, 0.1, 0)
    with pytest.raises(ValueError, match="baseline_features given"):
        rf.reinforce(mdp, pol, th, 0.1, 5, baseline_features=np.ones((4, 1)))
    with pytest.raises(ValueError, match="baseline_features must"):
        rf.reinforce(mdp, pol, th, 0.1, 5, baseline_step_size=0.1, baseline_features=np.ones((3, 1)))
    with pytest.raises(ValueError, match="update"):
        rf.reinforce(mdp, pol, th, 0.1, 5, update="sometimes")
    with pytest.raises(ValueError, match="backend"):
        rf.reinforce(mdp, pol, th, 0.1, 5, backend="fortran")
    with pytest.raises(ValueError, match="3 states x 2 actions, the MDP has 4 x 2"):
        rf.reinforce(mdp, pg.SoftmaxPolicy.tabular(3, 2), np.zeros(6), 0.1, 5)
    with pytest.raises(TypeError):
        rf.reinforce("corridor", pol, th, 0.1, 5)


def test_numpy_backend_can_be_forced_by_environment(monkeypatch):
    monkeypatch.setenv("PGCORE_KERNEL", "numpy")
    assert rf.kernel_backend() == "numpy"
    mdp, pol = corridor()
    assert rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 0.001, 2, seed=0).backend == "numpy"
    with pytest.raises(ImportError):
        rf.reinforce(mdp, pol, envs.corridor_theta(0.3), 0.001, 2, seed=0, backend="c")


# -- the sampled gradient against the theorem ---------------------------------
GRADIENT_CASES = {
    "corridor p=0.3": lambda: (*corridor(), envs.corridor_theta(0.3)),
    "corridor p=0.05": lambda: (*corridor(), envs.corridor_theta(0.05)),
    "random gamma=0.9": lambda: (envs.random_mdp(5, 3, gamma=0.9, seed=4), pg.SoftmaxPolicy.tabular(6, 3),
                                 np.random.default_rng(0).normal(size=18)),
    "gridworld": lambda: (envs.gridworld(2, 3, slip=0.3), pg.SoftmaxPolicy.tabular(6, 4),
                          np.random.default_rng(1).normal(size=24) * 0.5),
}


@pytest.mark.parametrize("case", sorted(GRADIENT_CASES))
def test_reinforce_estimates_are_unbiased_with_and_without_a_baseline(case):
    """The mean of the per-episode estimates converges to pg.policy_gradient.

    Tolerance: 4 standard errors, estimated from the samples themselves.
    """
    mdp, pol, theta = GRADIENT_CASES[case]()
    exact = pg.policy_gradient(mdp, pol, theta)
    v, _ = pg.evaluate(mdp, pol.probs(theta))
    g0 = rf.reinforce_gradients(mdp, pol, theta, 20_000, seed=1)
    gb = rf.reinforce_gradients(mdp, pol, theta, 20_000, baseline=v, seed=2)
    for g in (g0, gb):
        ok, err, se = within_se(g, exact)
        assert ok, (err / np.maximum(se, 1e-300))
    # the baseline v_pi makes the estimates less spread out
    assert np.trace(np.cov(gb.T)) < np.trace(np.cov(g0.T))


def test_the_gamma_t_factor_is_needed_for_an_unbiased_estimate():
    """With gamma < 1, dropping gamma^t (a common slip) biases the estimate."""
    mdp = envs.random_mdp(3, 2, gamma=0.6, seed=8, exit_prob=(0.1, 0.2))
    pol = pg.SoftmaxPolicy.tabular(4, 2)
    theta = np.random.default_rng(3).normal(size=8)
    exact = pg.policy_gradient(mdp, pol, theta)
    assert within_se(rf.reinforce_gradients(mdp, pol, theta, 20_000, seed=4), exact)[0]
    # the same estimator without gamma^t, from a plain-Python sampler
    rng = np.random.default_rng(5)
    pi, score = pol.probs(theta), pol.grad_log_probs(theta)
    est = np.zeros((20_000, 8))
    for i in range(20_000):
        s, traj = rng.choice(4, p=mdp.start), []
        while mdp.nonterminal[s]:
            a = rng.choice(2, p=pi[s])
            traj.append((s, a, mdp.R[s, a]))
            s = rng.choice(4, p=mdp.P[s, a])
        G = 0.0
        for s_t, a_t, r in reversed(traj):
            G = r + mdp.gamma * G
            est[i] += G * score[s_t, a_t]
    ok, err, se = within_se(est, exact, z=6.0)
    assert not ok, "without gamma^t the mean should miss the exact gradient"


def test_reinforce_gradients_raises_on_episodes_that_do_not_end():
    mdp, pol = corridor()
    with pytest.raises(RuntimeError, match="still running"):
        rf.reinforce_gradients(mdp, pol, envs.corridor_theta(1e-6), 10, seed=0, max_steps=20)
    with pytest.raises(ValueError, match="baseline"):
        rf.reinforce_gradients(mdp, pol, np.zeros(2), 10, baseline=np.zeros(3))


def test_learning_step_is_alpha_times_a_gradient_estimate():
    """One episode of reinforce moves theta by alpha times one per-episode estimate."""
    mdp, pol = corridor()
    th = envs.corridor_theta(0.3)
    res = rf.reinforce(mdp, pol, th, 0.01, 1, n_runs=400, seed=12, backend="numpy")
    steps = (res.theta - th) / 0.01
    ok, err, se = within_se(steps, pg.policy_gradient(mdp, pol, th))
    assert ok, (err, se)


# -- Sutton & Barto's Figures 13.1 and 13.2 -----------------------------------
def test_figure_13_1_and_13_2_shapes():
    mdp, pol = corridor()
    th0 = envs.corridor_theta(0.05)
    j_star = float(envs.corridor_performance(2 - math.sqrt(2)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no episode may be cut off
        runs = {k: rf.reinforce(mdp, pol, th0, 2.0**-k, 1000, n_runs=100, seed=k) for k in (12, 13, 14)}
        base = rf.reinforce(mdp, pol, th0, 2.0**-9, 1000, n_runs=100, seed=9,
                            baseline_step_size=2.0**-6, baseline_features=np.ones((4, 1)))
    whole = {k: r.returns.mean() for k, r in runs.items()}
    assert whole[12] > whole[13] > whole[14]  # the larger step sizes learn faster here
    assert abs(runs[12].returns[:, -100:].mean() - j_star) < 0.6  # ends near v*(s0) = -11.66
    assert abs(base.returns[:, -100:].mean() - j_star) < 0.6
    assert base.returns[:, :200].mean() > runs[13].returns[:, :200].mean() + 10  # much faster
    assert base.w.shape == (100, 1)
    assert -20 < base.w.mean() < 0  # a return-sized number, learned from the returns


@needs_c
def test_the_book_step_wise_update_can_run_away_on_a_long_episode():
    """Chapter 8's observation: with update="step" some runs get stuck at p ~ 1."""
    mdp, pol = corridor()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        step = rf.reinforce(mdp, pol, envs.corridor_theta(0.05), 2.0**-12, 1000, n_runs=100, seed=2,
                            update="step")
    ep = rf.reinforce(mdp, pol, envs.corridor_theta(0.05), 2.0**-12, 1000, n_runs=100, seed=2)
    assert step.truncated.any(axis=1).sum() >= 1
    assert ep.n_truncated == 0
