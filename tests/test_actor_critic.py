"""Tests for pgcore.actor_critic: the box of S&B 13.5 and the exact quantities it is compared with."""

import math
import warnings

import numpy as np
import pytest

import pgcore as pg
from pgcore import actor_critic as ac, advantages as adv, envs


def within_se(samples, exact, z=4.0):
    """Mean of the samples within z standard errors of ``exact``, component by component."""
    samples = np.asarray(samples)
    mean = samples.mean(axis=0)
    se = samples.std(axis=0, ddof=1) / np.sqrt(len(samples))
    err = np.abs(mean - exact)
    return bool(np.all(err <= z * se + 1e-12)), err, se


CASES = {
    "corridor": lambda: (envs.short_corridor(), envs.corridor_policy(), envs.corridor_theta(0.3)),
    "random gamma=0.9": lambda: (envs.random_mdp(5, 3, gamma=0.9, seed=4), pg.SoftmaxPolicy.tabular(6, 3),
                                 np.random.default_rng(0).normal(size=18)),
    "gridworld slip": lambda: (envs.gridworld(2, 3, slip=0.3, gamma=0.95), pg.SoftmaxPolicy.tabular(6, 4),
                               np.random.default_rng(1).normal(size=24) * 0.5),
}


def random_critic(mdp, seed):
    v = np.random.default_rng(seed).normal(scale=3.0, size=mdp.n_states)
    v[~mdp.nonterminal] = 0.0
    return v


def policy_evaluation_by_sweeps(mdp, pi, sweeps=5000):
    """v_pi by repeated Bellman backups, a plain loop independent of pg.evaluate."""
    S, A = pi.shape
    v = np.zeros(S)
    for _ in range(sweeps):
        new = np.zeros(S)
        for s in range(S):
            if not mdp.nonterminal[s]:
                continue
            new[s] = sum(pi[s, a] * (mdp.R[s, a] + mdp.gamma * mdp.P[s, a] @ v) for a in range(A))
        v = new
    q = np.array([[mdp.R[s, a] + mdp.gamma * mdp.P[s, a] @ v for a in range(A)] for s in range(S)])
    return v, q


# -- exact quantities ----------------------------------------------------------
@pytest.mark.parametrize("case", sorted(CASES))
def test_advantage_is_q_minus_v_by_backups_and_averages_to_zero(case):
    mdp, pol, th = CASES[case]()
    pi = pol.probs(th)
    v, q = policy_evaluation_by_sweeps(mdp, pi)
    A = ac.advantage(mdp, pi)
    live = mdp.nonterminal
    np.testing.assert_allclose(A[live], (q - v[:, None])[live], atol=1e-8)
    np.testing.assert_allclose((pi * A).sum(axis=1), 0.0, atol=1e-10)


@pytest.mark.parametrize("case", sorted(CASES))
def test_with_the_true_values_every_estimate_has_mean_the_advantage(case):
    mdp, pol, th = CASES[case]()
    pi = pol.probs(th)
    v, _ = pg.evaluate(mdp, pi)
    A = ac.advantage(mdp, pi)
    for lam in (0.0, 0.5, 1.0):
        np.testing.assert_allclose(ac.expected_advantage_estimate(mdp, pi, v, lam=lam), A, atol=1e-9)
    for n in (1, 3, 40):
        np.testing.assert_allclose(ac.expected_advantage_estimate(mdp, pi, v, n=n), A, atol=1e-9)


@pytest.mark.parametrize("case", sorted(CASES))
def test_conditional_means_of_the_estimates_for_a_wrong_critic(case):
    mdp, pol, th = CASES[case]()
    pi = pol.probs(th)
    vhat = random_critic(mdp, 3)
    V, Q = pg.evaluate(mdp, pi)
    live = mdp.nonterminal
    m = lambda **k: ac.expected_advantage_estimate(mdp, pi, vhat, **k)  # noqa: E731
    # lambda = 1: q_pi - vhat, whatever the critic
    np.testing.assert_allclose(m(lam=1.0)[live], (Q - vhat[:, None])[live], atol=1e-8)
    # lambda = 0 and n = 1: the expected TD error R + gamma P vhat - vhat
    td = mdp.R + mdp.gamma * mdp.P @ vhat - vhat[:, None]
    np.testing.assert_allclose(m(lam=0.0)[live], td[live], atol=1e-10)
    np.testing.assert_allclose(m(n=1), m(lam=0.0), atol=1e-10)
    # GAE(lambda) = (1 - lambda) sum_n lambda^(n-1) n-step (an infinite horizon: truncate the sum)
    lam = 0.6
    mix = sum((1 - lam) * lam ** (n - 1) * m(n=n) for n in range(1, 120))
    np.testing.assert_allclose(m(lam=lam), mix, atol=1e-8)
    # large n tends to lambda = 1 when episodes end or gamma < 1
    np.testing.assert_allclose(m(n=2000), m(lam=1.0), atol=1e-6)


@pytest.mark.parametrize("lam, n", [(0.0, None), (0.7, None), (1.0, None), (None, 3)])
def test_sampled_estimates_average_to_the_exact_conditional_means(lam, n):
    """pgcore.advantages on sampled episodes, grouped by (S_t, A_t), against the exact means."""
    mdp, pol, th = CASES["gridworld slip"]()
    pi = pol.probs(th)
    vhat = random_critic(mdp, 5)
    steps = ac.sample_steps(mdp, pi, 6000, seed=11)
    vals = steps.values(vhat)
    if lam is not None:
        est = adv.gae(steps.rewards, vals, mdp.gamma, lam)
        exact = ac.expected_advantage_estimate(mdp, pi, vhat, lam=lam)
    else:
        est = adv.n_step_returns(steps.rewards, vals, mdp.gamma, n) - vals[:, :-1]
        exact = ac.expected_advantage_estimate(mdp, pi, vhat, n=n)
    mask = steps.mask
    S, A = steps.states[mask], steps.actions[mask]
    x = est[mask]
    checked = 0
    for s in range(mdp.n_states):
        for a in range(mdp.n_actions):
            sel = (S == s) & (A == a)
            if sel.sum() < 200:
                continue
            ok, err, se = within_se(x[sel][:, None], exact[s, a])
            assert ok, (s, a, err, se)
            checked += 1
    assert checked >= 12


@pytest.mark.parametrize("case", sorted(CASES))
def test_expected_update_is_the_gradient_with_the_true_critic_or_lambda_1(case):
    mdp, pol, th = CASES[case]()
    pi = pol.probs(th)
    v, _ = pg.evaluate(mdp, pi)
    grad = pg.policy_gradient(mdp, pol, th)
    np.testing.assert_allclose(ac.expected_update(mdp, pol, th, v), grad, atol=1e-9)
    vhat = random_critic(mdp, 1)
    np.testing.assert_allclose(ac.expected_update(mdp, pol, th, vhat, lam=1.0), grad, atol=1e-8)
    np.testing.assert_allclose(ac.critic_bias(mdp, pol, th, v), 0.0, atol=1e-9)


@pytest.mark.parametrize("case", sorted(CASES))
def test_critic_bias_is_the_next_state_error_formula(case):
    mdp, pol, th = CASES[case]()
    pi = pol.probs(th)
    v, _ = pg.evaluate(mdp, pi)
    vhat = random_critic(mdp, 2)
    eta = pg.expected_visits(mdp, pi)
    err = vhat - v
    formula = mdp.gamma * np.einsum("s,sad,sat,t->d", eta, pol.grad_probs(th), mdp.P, err)
    np.testing.assert_allclose(ac.critic_bias(mdp, pol, th, vhat), formula, atol=1e-8)
    # a critic off by a constant c in every non-terminal state: only exits to a terminal state see it
    assert not np.allclose(formula, 0.0)


@pytest.mark.parametrize("case", sorted(CASES))
def test_sampled_one_step_directions_average_to_the_expected_update(case):
    """Seeded; tolerance 4 standard errors estimated from the samples, as for REINFORCE."""
    mdp, pol, th = CASES[case]()
    vhat = random_critic(mdp, 4)
    g = ac.one_step_gradients(mdp, pol, th, vhat, 20_000, seed=3)
    exact = ac.expected_update(mdp, pol, th, vhat)
    ok, err, se = within_se(g, exact)
    assert ok, err / np.maximum(se, 1e-300)
    # and it is far from the true gradient: the test can tell a biased critic
    grad = pg.policy_gradient(mdp, pol, th)
    assert not within_se(g, grad, z=6.0)[0]


def test_td_fixed_point():
    mdp, pol, th = CASES["random gamma=0.9"]()
    pi = pol.probs(th)
    v, _ = pg.evaluate(mdp, pi)
    w, vals = ac.td_fixed_point(mdp, pi)
    np.testing.assert_allclose(vals, v, atol=1e-9)
    # a scalar critic on the corridor: iterate the expected TD(0) update to its fixed point
    mdp = envs.short_corridor()
    pi = envs.corridor_policy().probs(envs.corridor_theta(0.3))
    w, vals = ac.td_fixed_point(mdp, pi, np.ones((4, 1)))
    eta = pg.expected_visits(mdp, pi)
    P_pi, r_pi = mdp.chain(pi)
    x = mdp.nonterminal.astype(float)
    u = 0.0
    for _ in range(20000):
        u += 1.0 * np.sum(eta * x * (r_pi + P_pi @ (x * u) - x * u)) / eta.sum()
    assert w[0] == pytest.approx(u, rel=1e-8)
    np.testing.assert_allclose(vals, x * u, rtol=1e-8)


# -- the algorithm ---------------------------------------------------------------
def box(mdp, pol, theta0, a_th, a_w, n_episodes, seed, n_runs, xw=None, max_steps=10_000):
    """Sutton & Barto's box, transcribed in plain Python, reading run r's uniforms one at a time."""
    S, A = mdp.n_states, mdp.n_actions
    xw = np.eye(S) if xw is None else xw
    children = np.random.SeedSequence(seed).spawn(n_runs)
    out = []
    start_det = int(np.argmax(mdp.start > 0)) if (mdp.start > 0).sum() == 1 else -1

    def pick(probs, u):
        c, i = 0.0, 0
        for i, p in enumerate(probs):
            c += p
            if u < c:
                return i
        return len(probs) - 1

    for r in range(n_runs):
        g = np.random.Generator(np.random.PCG64(children[r]))
        th = np.array(theta0, dtype=float).copy()
        w = np.zeros(xw.shape[1])
        rets, lens = [], []
        for _ in range(n_episodes):
            s = start_det if start_det >= 0 else pick(mdp.start, g.random())
            I, G, t = 1.0, 0.0, 0
            while mdp.nonterminal[s] and t < max_steps:
                h = [float(pol.features[s, b] @ th) for b in range(A)]
                top = max(h)
                e = [math.exp(x - top) for x in h]
                pi = [x / sum(e) for x in e]
                a = pick(pi, g.random())
                row = mdp.P[s, a]
                s2 = int(np.argmax(row > 0)) if (row > 0).sum() == 1 else pick(row, g.random())
                v_s = float(xw[s] @ w)
                v_s2 = float(xw[s2] @ w) if mdp.nonterminal[s2] else 0.0
                delta = mdp.R[s, a] + mdp.gamma * v_s2 - v_s
                w = w + a_w * delta * xw[s]
                score = pol.features[s, a] - sum(pi[b] * pol.features[s, b] for b in range(A))
                th = th + a_th * I * delta * score
                I *= mdp.gamma
                G += mdp.R[s, a]
                s, t = s2, t + 1
            rets.append(G)
            lens.append(t)
        out.append((np.array(rets), np.array(lens), th, w))
    return out


BOX_CASES = {
    "corridor, tabular critic": lambda: (*CASES["corridor"](), 2**-5, 2**-3, None),
    "corridor, scalar critic": lambda: (*CASES["corridor"](), 2**-5, 2**-4, np.ones((4, 1))),
    "random gamma=0.9": lambda: (*CASES["random gamma=0.9"](), 0.1, 0.2, None),
    "gridworld slip": lambda: (*CASES["gridworld slip"](), 0.1, 0.3, None),
}


@pytest.mark.parametrize("case", sorted(BOX_CASES))
def test_actor_critic_is_the_box_of_the_book(case):
    mdp, pol, th0, a_th, a_w, xw = BOX_CASES[case]()
    res = ac.actor_critic(mdp, pol, th0, a_th, a_w, 15, n_runs=3, seed=5, critic_features=xw)
    ref = box(mdp, pol, th0, a_th, a_w, 15, 5, 3, xw)
    for r, (rets, lens, th, w) in enumerate(ref):
        np.testing.assert_array_equal(res.lengths[r], lens)
        np.testing.assert_allclose(res.returns[r], rets, atol=1e-9)
        np.testing.assert_allclose(res.theta[r], th, rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(res.w[r], w, rtol=1e-9, atol=1e-9)


def test_runs_are_reproducible_and_independent_of_the_number_of_runs():
    mdp, pol, th = CASES["gridworld slip"]()
    a = ac.actor_critic(mdp, pol, th, 0.1, 0.2, 20, n_runs=4, seed=9)
    b = ac.actor_critic(mdp, pol, th, 0.1, 0.2, 20, n_runs=1, seed=9)
    c = ac.actor_critic(mdp, pol, th, 0.1, 0.2, 20, n_runs=4, seed=9)
    np.testing.assert_array_equal(a.returns[:1], b.returns)
    np.testing.assert_array_equal(a.theta, c.theta)
    assert not np.array_equal(a.returns[0], a.returns[1])


def test_a_tiny_actor_step_moves_theta_by_alpha_times_the_expected_update():
    """Fixed critic (alpha_w = 0, w0 = vhat): (theta_1 - theta_0) / alpha over many runs -> expected_update."""
    mdp, pol, th = CASES["random gamma=0.9"]()
    vhat = random_critic(mdp, 6)
    alpha = 1e-7
    res = ac.actor_critic(mdp, pol, th, alpha, 0.0, 1, n_runs=20_000, seed=2, w0=vhat)
    steps = (res.theta - th) / alpha
    exact = ac.expected_update(mdp, pol, th, vhat)
    ok, err, se = within_se(steps, exact)
    assert ok, err / np.maximum(se, 1e-300)
    np.testing.assert_array_equal(res.w, np.broadcast_to(vhat, res.w.shape))


def test_zero_step_sizes_sample_the_fixed_policy():
    mdp, pol, th = CASES["corridor"]()
    res = ac.actor_critic(mdp, pol, th, 0.0, 0.0, 50, n_runs=100, seed=1)
    assert np.all(res.theta == th) and np.all(res.w == 0)
    J = pg.performance(mdp, pol, th)
    ok, err, se = within_se(res.returns.ravel()[:, None], J)
    assert ok, (err, se)


def test_the_critic_alone_learns_v_pi():
    mdp, pol, th = CASES["corridor"]()
    v, _ = pg.evaluate(mdp, pol.probs(th))
    res = ac.actor_critic(mdp, pol, th, 0.0, 0.05, 500, n_runs=20, seed=3)
    np.testing.assert_allclose(res.w.mean(axis=0), v, atol=0.6)


def test_actor_critic_learns_the_corridor_with_a_tabular_critic():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    res = ac.actor_critic(mdp, pol, envs.corridor_theta(0.05), 2**-6, 2**-3, 400, n_runs=20, seed=0,
                          record_theta=True)
    p_star = 2 - math.sqrt(2)
    J_star = float(envs.corridor_performance(p_star))
    assert res.returns[:, -100:].mean() > J_star - 1.0
    assert res.theta_history.shape == (20, 401, 2) and res.w_history.shape == (20, 401, 4)
    np.testing.assert_array_equal(res.theta_history[:, -1], res.theta)
    np.testing.assert_array_equal(res.theta_history[:, 0], np.broadcast_to(envs.corridor_theta(0.05), (20, 2)))


def test_episodes_that_never_end_are_cut_off_and_reported():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    with pytest.warns(RuntimeWarning, match="cut off at max_steps=5"):
        res = ac.actor_critic(mdp, pol, envs.corridor_theta(1e-4), 0.0, 0.1, 3, n_runs=2, seed=0, max_steps=5)
    assert res.truncated.all() and (res.lengths == 5).all()


def test_divergence_is_reported_and_the_run_stops():
    mdp, pol, th = CASES["random gamma=0.9"]()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = ac.actor_critic(mdp, pol, th, 1e300, 1e300, 5, n_runs=2, seed=0, max_steps=50)
    assert res.diverged.all()
    assert any("diverged" in str(c.message) for c in caught)


def test_bad_input_is_refused():
    mdp, pol, th = CASES["corridor"]()
    with pytest.raises(ValueError, match="step_size"):
        ac.actor_critic(mdp, pol, th, -1.0, 0.1, 3)
    with pytest.raises(ValueError, match="critic_step_size"):
        ac.actor_critic(mdp, pol, th, 0.1, np.nan, 3)
    with pytest.raises(ValueError, match="n_episodes"):
        ac.actor_critic(mdp, pol, th, 0.1, 0.1, 0)
    with pytest.raises(ValueError, match="theta0 must have shape"):
        ac.actor_critic(mdp, pol, np.zeros(3), 0.1, 0.1, 3)
    with pytest.raises(ValueError, match="critic_features"):
        ac.actor_critic(mdp, pol, th, 0.1, 0.1, 3, critic_features=np.ones((3, 1)))
    with pytest.raises(ValueError, match="w0"):
        ac.actor_critic(mdp, pol, th, 0.1, 0.1, 3, w0=np.zeros(2))
    with pytest.raises(TypeError, match="mdp must be a pgcore.MDP"):
        ac.actor_critic("corridor", pol, th, 0.1, 0.1, 3)
    pi = pol.probs(th)
    with pytest.raises(ValueError, match="values must have shape"):
        ac.expected_update(mdp, pol, th, np.zeros(3))
    with pytest.raises(ValueError, match="values must be finite"):
        ac.critic_bias(mdp, pol, th, np.array([0, np.nan, 0, 0]))
    with pytest.raises(ValueError, match="exactly one of lam"):
        ac.expected_advantage_estimate(mdp, pi, np.zeros(4))
    with pytest.raises(ValueError, match="lam must lie in"):
        ac.expected_advantage_estimate(mdp, pi, np.zeros(4), lam=2.0)
    with pytest.raises(ValueError, match="n must be an integer"):
        ac.expected_advantage_estimate(mdp, pi, np.zeros(4), n=0)
    with pytest.raises(RuntimeError, match="still running"):
        ac.sample_steps(mdp, envs.corridor_policy().probs(envs.corridor_theta(1e-6)), 5, seed=0, max_steps=10)


def test_step_weights_are_the_fractions_of_sampled_steps():
    mdp, pol, th = CASES["gridworld slip"]()
    pi = pol.probs(th)
    w = ac.step_weights(mdp, pi)
    assert w.sum() == pytest.approx(1.0)
    st = ac.sample_steps(mdp, pi, 5000, seed=4)
    counts = np.zeros_like(w)
    np.add.at(counts, (st.states[st.mask], st.actions[st.mask]), 1.0)
    np.testing.assert_allclose(counts / counts.sum(), w, atol=0.01)


def test_bias_and_variance_of_the_advantage_estimates():
    mdp, pol, th = CASES["gridworld slip"]()
    pi = pol.probs(th)
    v, _ = pg.evaluate(mdp, pi)
    vhat = random_critic(mdp, 8)
    st = ac.sample_steps(mdp, pi, 4000, seed=6)
    res = {lam: ac.advantage_bias_variance(mdp, pi, vhat, lam=lam, steps=st) for lam in (0.0, 0.5, 1.0)}
    # lambda = 1: no bias that matters, whatever the critic; its state part is v_pi - vhat
    assert res[1.0]["bias2"] == pytest.approx(0.0, abs=1e-18)
    wts = ac.step_weights(mdp, pi)
    assert res[1.0]["bias2_total"] == pytest.approx(float((wts.sum(axis=1) * (v - vhat) ** 2).sum()))
    assert res[0.0]["bias2"] > res[0.5]["bias2"] > 0
    # the true critic: unbiased for every lambda, and lambda = 0 has the smallest variance
    true = {lam: ac.advantage_bias_variance(mdp, pi, v, lam=lam) for lam in (0.0, 0.5, 1.0)}
    assert all(abs(r["bias2_total"]) < 1e-18 for r in true.values())
    assert true[0.0]["variance"] < true[0.5]["variance"] < true[1.0]["variance"]
    # the variance is the mean squared deviation from the exact conditional mean, a direct loop
    vals = st.values(vhat)
    est = adv.gae(st.rewards, vals, mdp.gamma, 0.5)
    m = res[0.5]["mean"]
    acc, k = 0.0, 0
    for i in range(len(st.lengths)):
        for t in range(st.lengths[i]):
            acc += (est[i, t] - m[st.states[i, t], st.actions[i, t]]) ** 2
            k += 1
    assert res[0.5]["variance_sampled"] == pytest.approx(acc / k, rel=1e-10)
    # n = 1 is lambda = 0
    r1 = ac.advantage_bias_variance(mdp, pi, vhat, n=1)
    assert r1["bias2"] == pytest.approx(res[0.0]["bias2"]) and r1["variance"] == pytest.approx(res[0.0]["variance"])
    with pytest.raises(TypeError, match="steps must be"):
        ac.advantage_bias_variance(mdp, pi, vhat, lam=0.5, steps="episodes")


@pytest.mark.parametrize("lam, n", [(0.0, None), (0.6, None), (1.0, None), (None, 1), (None, 4)])
def test_exact_variance_against_sampled_variance_per_state_action(lam, n):
    """advantage_variance against the sample variance of pgcore.advantages' estimates, per (s, a)."""
    mdp, pol, th = CASES["gridworld slip"]()
    pi = pol.probs(th)
    vhat = random_critic(mdp, 9)
    st = ac.sample_steps(mdp, pi, 6000, seed=12)
    vals = st.values(vhat)
    if lam is not None:
        est = adv.gae(st.rewards, vals, mdp.gamma, lam)
    else:
        est = adv.n_step_returns(st.rewards, vals, mdp.gamma, n) - vals[:, :-1]
    var = ac.advantage_variance(mdp, pi, vhat, lam=lam, n=n)
    mask = st.mask
    S, A, x = st.states[mask], st.actions[mask], est[mask]
    checked = 0
    for s in range(mdp.n_states):
        for a in range(mdp.n_actions):
            sel = (S == s) & (A == a)
            if sel.sum() < 300:
                continue
            # the standard error of a sample variance: sqrt((m4 - s^4) / N)
            y = x[sel]
            s2 = y.var(ddof=1)
            se = np.sqrt(max(np.mean((y - y.mean()) ** 4) - s2**2, 0.0) / sel.sum())
            assert abs(s2 - var[s, a]) <= 5 * se + 1e-9, (s, a, s2, var[s, a], se)
            checked += 1
    assert checked >= 10
    # overall: the exact weighted variance and the sampled one agree
    r = ac.advantage_bias_variance(mdp, pi, vhat, lam=lam, n=n, steps=st)
    assert r["variance_sampled"] == pytest.approx(r["variance"], rel=0.05)


def test_exact_variance_by_enumeration_on_a_tiny_chain():
    """Two steps at most: enumerate every path and compute the variance by hand."""
    P = np.zeros((3, 2, 3))
    P[0, 0] = [0.0, 0.5, 0.5]
    P[0, 1] = [0.0, 0.2, 0.8]
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    R = np.array([[1.0, 2.0], [-1.0, 3.0], [0.0, 0.0]])
    mdp = pg.MDP(P, R, start=[1.0, 0, 0], gamma=0.9, terminal=[2])
    pi = np.array([[0.3, 0.7], [0.6, 0.4], [0.5, 0.5]])
    vhat = np.array([0.5, -2.0, 0.0])
    lam = 0.4
    c = mdp.gamma * lam
    for a0 in range(2):
        outcomes = []  # (probability, GAE at t = 0)
        d_end = R[0, a0] + mdp.gamma * 0.0 - vhat[0]
        outcomes.append((P[0, a0, 2], d_end))
        for a1 in range(2):
            d0 = R[0, a0] + mdp.gamma * vhat[1] - vhat[0]
            d1 = R[1, a1] - vhat[1]
            outcomes.append((P[0, a0, 1] * pi[1, a1], d0 + c * d1))
        p = np.array([o[0] for o in outcomes])
        x = np.array([o[1] for o in outcomes])
        mean = p @ x
        var = p @ (x - mean) ** 2
        assert ac.expected_advantage_estimate(mdp, pi, vhat, lam=lam)[0, a0] == pytest.approx(mean)
        assert ac.advantage_variance(mdp, pi, vhat, lam=lam)[0, a0] == pytest.approx(var)


def test_td_fixed_point_with_discounting_is_where_sampled_td_errors_average_to_zero():
    # gamma = 0.95 and one constant feature: the fixed point weights states by how often TD(0) meets
    # them (undiscounted visits), so the mean TD error over all sampled steps is 0 there, and it is
    # not J (which the discounted visits would give).
    mdp = envs.wall_gridworld()
    pi = np.full((mdp.n_states, mdp.n_actions), 0.25)
    w, _ = ac.td_fixed_point(mdp, pi, np.ones((mdp.n_states, 1)))
    J = float(mdp.start @ pg.evaluate(mdp, pi)[0])
    steps = ac.sample_steps(mdp, pi, 4000, seed=3)
    m = steps.mask
    nxt = np.concatenate([steps.states[:, 1:], np.zeros((m.shape[0], 1), dtype=np.intp)], axis=1)
    last = np.arange(m.shape[1])[None, :] == (steps.lengths[:, None] - 1)
    live_next = np.where(last, 0.0, 1.0)
    def mean_delta(u):
        d = steps.rewards + mdp.gamma * u * live_next - u
        return d[m].mean(), d[m].std() / np.sqrt(m.sum())
    d_w, se = mean_delta(w[0])
    d_J, _ = mean_delta(J)
    assert abs(d_w) < 4 * se
    assert abs(d_J) > 10 * se
    assert abs(w[0] - J) > 1.0
