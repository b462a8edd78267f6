"""Tests for pgcore.ppo against direct computations."""

import numpy as np
import pytest

from pgcore import ppo


def test_clipped_surrogate_matches_the_case_analysis():
    rng = np.random.default_rng(0)
    r = rng.uniform(0, 3, 1000)
    A = rng.normal(size=1000)
    eps = 0.2
    got = ppo.clipped_surrogate(r, A, eps)
    # The case analysis of Schulman et al. (2017), figure 1
    want = np.where(A > 0, np.where(r > 1 + eps, (1 + eps) * A, r * A),
                    np.where(r < 1 - eps, (1 - eps) * A, r * A))
    np.testing.assert_allclose(got, want)


def test_clipped_surrogate_gradient_at_ratio_one_is_the_advantage():
    A = np.array([-2.0, 0.5, 3.0])
    h = 1e-6
    d = (ppo.clipped_surrogate(1 + h, A, 0.2) - ppo.clipped_surrogate(1 - h, A, 0.2)) / (2 * h)
    np.testing.assert_allclose(d, A, rtol=1e-6)


@pytest.mark.parametrize("bad", [dict(ratio=-0.1), dict(ratio=np.nan), dict(advantage=np.inf),
                                 dict(clip=-0.1), dict(clip=np.nan), dict(clip="0.2"),
                                 dict(clip=None), dict(ratio=1 + 2j)])
def test_clipped_surrogate_refuses_bad_input(bad):
    args = dict(ratio=1.0, advantage=1.0, clip=0.2) | bad
    with pytest.raises((ValueError, TypeError)):
        ppo.clipped_surrogate(**args)


def test_kl_divergence_against_a_loop_and_its_properties():
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(5), size=20)
    q = rng.dirichlet(np.ones(5), size=20)
    want = [sum(pi * np.log(pi / qi) for pi, qi in zip(a, b)) for a, b in zip(p, q)]
    np.testing.assert_allclose(ppo.kl_divergence(p, q), want)
    assert (ppo.kl_divergence(p, q) > 0).all()
    np.testing.assert_allclose(ppo.kl_divergence(p, p), 0.0, atol=1e-15)


def test_kl_divergence_zero_probabilities():
    assert ppo.kl_divergence([0.0, 1.0], [0.5, 0.5]) == pytest.approx(np.log(2))
    assert ppo.kl_divergence([0.5, 0.5], [0.0, 1.0]) == np.inf


@pytest.mark.parametrize("p,q", [([0.5, 0.6], [0.5, 0.5]), ([-0.1, 1.1], [0.5, 0.5]),
                                 ([], []), ([np.nan, 1.0], [0.5, 0.5]), ([1.0, 0.0, 0.0], [0.5, 0.5])])
def test_kl_divergence_refuses_bad_input(p, q):
    with pytest.raises(ValueError):
        ppo.kl_divergence(p, q)


# -----------------------------------------------------------------------------
# the exact surrogate (chapter 10)
# -----------------------------------------------------------------------------
import dataclasses  # noqa: E402
import warnings  # noqa: E402

import pgcore as pg  # noqa: E402
from pgcore import actor_critic as ac, advantages as adv, envs  # noqa: E402


def _problems():
    mdp = envs.random_mdp(4, 3, gamma=0.9, seed=3)
    pol = pg.SoftmaxPolicy(np.random.default_rng(4).normal(size=(5, 3, 4)))
    return [(envs.short_corridor(), envs.corridor_policy(), envs.corridor_theta(0.3)),
            (mdp, pol, np.random.default_rng(5).normal(size=4)),
            (envs.wall_gridworld(), pg.SoftmaxPolicy.tabular(16, 4), np.zeros(64))]


@pytest.mark.parametrize("case", range(3))
def test_surrogate_gradient_at_theta_old_is_the_policy_gradient(case):
    mdp, pol, th = _problems()[case]
    np.testing.assert_allclose(ppo.surrogate_gradient(mdp, pol, th, th), pg.policy_gradient(mdp, pol, th),
                               rtol=1e-10, atol=1e-10)
    assert ppo.surrogate(mdp, pol, th, th) == pytest.approx(0.0, abs=1e-10)


@pytest.mark.parametrize("case", range(3))
def test_surrogate_gradient_against_finite_differences_away_from_theta_old(case):
    mdp, pol, th = _problems()[case]
    th1 = th + 0.3 * np.random.default_rng(case).normal(size=th.shape)
    fd = pg.numerical_gradient(lambda t: ppo.surrogate(mdp, pol, t, th), th1)
    np.testing.assert_allclose(ppo.surrogate_gradient(mdp, pol, th1, th), fd, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("case", range(3))
def test_performance_difference_identity(case):
    # J(θ) − J(θ_old) = Σ_s η_θ(s) Σ_a π_θ(a|s) A_old(s, a)  (Kakade & Langford 2002)
    mdp, pol, th = _problems()[case]
    th1 = th + 0.5 * np.random.default_rng(10 + case).normal(size=th.shape)
    A_old = ac.advantage(mdp, pol.probs(th))
    pi1 = pol.probs(th1)
    rhs = np.sum(pg.expected_visits(mdp, pi1)[:, None] * pi1 * A_old)
    assert pg.performance(mdp, pol, th1) - pg.performance(mdp, pol, th) == pytest.approx(rhs, abs=1e-9)
    # the surrogate is the same sum with the old policy's visits
    lhs = np.sum(pg.expected_visits(mdp, pol.probs(th))[:, None] * pi1 * A_old)
    assert ppo.surrogate(mdp, pol, th1, th) == pytest.approx(lhs, abs=1e-12)


@pytest.mark.parametrize("case", range(2))
def test_sampled_surrogate_gradient_at_theta_old_matches_the_exact_gradient(case):
    mdp, pol, th = _problems()[case]
    pi = pol.probs(th)
    st = ac.sample_steps(mdp, pi, 6000, seed=20 + case)
    A = ac.advantage(mdp, pi)[st.states, st.actions]
    g = ppo.surrogate_gradients(pol, th, th, st, A, mdp.gamma)
    se = g.std(axis=0, ddof=1) / np.sqrt(len(g))
    z = np.abs(g.mean(axis=0) - pg.policy_gradient(mdp, pol, th)) / se
    assert z.max() < 4.0
    # and away from θ_old the importance-weighted mean estimates the surrogate's gradient
    th1 = th + 0.2 * np.random.default_rng(case).normal(size=th.shape)
    g1 = ppo.surrogate_gradients(pol, th1, th, st, A, mdp.gamma)
    se1 = g1.std(axis=0, ddof=1) / np.sqrt(len(g1))
    z1 = np.abs(g1.mean(axis=0) - ppo.surrogate_gradient(mdp, pol, th1, th)) / se1
    assert z1.max() < 4.0
    # a wrong target is detected: the gradient at θ_old is far from the surrogate's at θ1
    assert (np.abs(g1.mean(axis=0) - pg.policy_gradient(mdp, pol, th)) / se1).max() > 4.0


def test_entropy_and_performances_against_direct_computations():
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(4), size=6)
    np.testing.assert_allclose(ppo.entropy(p), [-sum(x * np.log(x) for x in row) for row in p])
    mdp, pol, th = _problems()[1]
    ths = th + rng.normal(size=(3, 2, th.size))
    want = [[pg.performance(mdp, pol, t) for t in row] for row in ths]
    np.testing.assert_allclose(ppo.performances(mdp, pol, ths), want, rtol=1e-10)


# -----------------------------------------------------------------------------
# the algorithm
# -----------------------------------------------------------------------------
def test_adaptive_kl_rule():
    beta = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 4.0])
    d = np.array([0.001, 0.01 / 1.5, 0.01, 0.015, 0.0151, 0.0])
    np.testing.assert_array_equal(ppo.adapt_kl_coef(beta, d, 0.01), [0.5, 1.0, 1.0, 1.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="kl_target"):
        ppo.adapt_kl_coef(1.0, 0.1, 0.0)


def _grid():
    mdp = envs.wall_gridworld()
    return mdp, pg.SoftmaxPolicy.tabular(16, 4)


def test_collect_advantages_are_gae_of_each_episode():
    mdp, pol = _grid()
    v = np.random.default_rng(0).normal(size=16)
    b = ppo.collect(mdp, pol, np.zeros(64), 6, lam=0.8, critic=v, n_runs=2, seed=1)
    vv = v * mdp.nonterminal
    for r in range(2):
        for e in range(6):
            T = b.lengths[r, e]
            assert not b.truncated[r, e]
            s = b.states[r, e, :T]
            vals = np.append(vv[s], 0.0)
            np.testing.assert_allclose(b.advantages[r, e, :T], adv.gae(b.rewards[r, e, :T], vals, mdp.gamma, 0.8))
            np.testing.assert_allclose(b.targets[r, e, :T], b.advantages[r, e, :T] + vv[s])
            np.testing.assert_allclose(b.logp_old[r, e, :T], np.log(pol.probs(np.zeros(64)))[s, b.actions[r, e, :T]])
            assert not b.mask[r, e, T:].any()


def test_collect_cut_off_episodes_bootstrap_from_the_critic():
    mdp, pol = _grid()
    v = np.full(16, -3.0)
    b = ppo.collect(mdp, pol, np.zeros(64), 20, lam=0.0, critic=v, seed=2, max_steps=4)
    cut = np.argwhere(b.truncated[0])
    assert len(cut) > 0
    for (e,) in cut:
        assert b.lengths[0, e] == 4
        # the last TD error: r + γ v(s_4) − v(s_3), with v(s_4) = −3 (not terminal)
        assert b.advantages[0, e, 3] == pytest.approx(b.rewards[0, e, 3] + mdp.gamma * -3.0 + 3.0)


def _objective(pol, batch, theta, run, clip, method, beta, c2):
    """The minibatch objective written out directly, for one run and the whole batch."""
    m = batch.mask[run]
    s, a, A = batch.states[run][m], batch.actions[run][m], batch.advantages[run][m]
    pi = pol.probs(theta)
    rho = pi[s, a] / batch.pi_old[run][s, a]
    if method == "clip":
        L = np.minimum(rho * A, np.clip(rho, 1 - clip, 1 + clip) * A)
    else:
        L = rho * A
    if method == "kl":
        old = batch.pi_old[run][s]
        L = L - beta * np.sum(old * np.log(old / pi[s]), axis=1)
    L = L - c2 * np.sum(pi[s] * np.log(pi[s]), axis=1)
    return float(L.mean())


@pytest.mark.parametrize("method,c2", [("clip", 0.0), ("clip", 0.3), ("none", 0.1), ("kl", 0.0)])
def test_update_step_is_the_gradient_of_the_objective(method, c2):
    mdp, pol = _grid()
    b = ppo.collect(mdp, pol, np.zeros(64), 8, critic=pg.evaluate(mdp, pol.probs(np.zeros(64)))[0], n_runs=2, seed=3)
    th1 = np.random.default_rng(4).normal(scale=0.3, size=(2, 64))
    start = dataclasses.replace(b, theta_old=th1)        # the step starts at θ1, samples of θ_old = 0
    alpha = 1e-3
    u = ppo.ppo_update(pol, start, alpha, epochs=1, minibatches=1, clip=0.2, method=method, beta=2.0,
                       entropy_coef=c2, seed=0)
    for run in range(2):
        f = lambda t: _objective(pol, b, t, run, 0.2, method, 2.0, c2)  # noqa: E731
        fd = pg.numerical_gradient(f, th1[run])
        np.testing.assert_allclose((u.theta[run] - th1[run]) / alpha, fd, rtol=1e-5, atol=1e-7)
    if method == "clip":   # the clip binds somewhere at θ1, so the test sees it
        assert (u.clip_fraction[:, 0] > 0).all()


def test_value_loss_step_is_its_gradient():
    mdp, pol = _grid()
    b = ppo.collect(mdp, pol, np.zeros(64), 8, critic=np.linspace(-5, 0, 16), n_runs=2, seed=5)
    w0 = np.random.default_rng(6).normal(size=(2, 16))
    alpha, c1 = 0.01, 0.7
    u = ppo.ppo_update(pol, b, alpha, epochs=1, minibatches=1, value_coef=c1, critic_weights=w0, seed=0)
    for run in range(2):
        m = b.mask[run]
        s, tgt = b.states[run][m], b.targets[run][m]
        loss = lambda w: 0.5 * np.mean((w[s] - tgt) ** 2)  # noqa: E731
        fd = pg.numerical_gradient(loss, w0[run])
        np.testing.assert_allclose(u.w[run] - w0[run], -alpha * c1 * fd, rtol=1e-5, atol=1e-9)


def test_one_epoch_one_minibatch_is_the_plain_policy_gradient_step():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    th = envs.corridor_theta(0.2)
    b = ppo.collect(mdp, pol, th, 5, n_runs=3, seed=7)
    u = ppo.ppo_update(pol, b, 0.1, epochs=1, minibatches=1, seed=0)
    for r in range(3):
        m = b.mask[r]
        g = (b.advantages[r][m][:, None] * pol.grad_log_probs(th)[b.states[r][m], b.actions[r][m]]).mean(axis=0)
        np.testing.assert_allclose(u.theta[r], th + 0.1 * g, rtol=1e-12)


def test_diagnostics_against_the_ratios():
    mdp, pol = _grid()
    b = ppo.collect(mdp, pol, np.zeros(64), 8, n_runs=3, seed=8)
    u = ppo.ppo_update(pol, b, 1.0, epochs=3, minibatches=2, clip=0.2, seed=9)
    rho = ppo.ratios(pol, b, u.theta)
    for r in range(3):
        x = rho[r][b.mask[r]]
        A = b.advantages[r][b.mask[r]]
        assert u.ratio_max[r, -1] == pytest.approx(x.max())
        assert u.ratio_min[r, -1] == pytest.approx(x.min())
        assert u.ratio_std[r, -1] == pytest.approx(x.std(), rel=1e-6)
        assert u.outside[r, -1] == pytest.approx(np.mean(np.abs(x - 1) > 0.2))
        binding = ((A > 0) & (x > 1.2)) | ((A < 0) & (x < 0.8))
        assert u.clip_fraction[r, -1] == pytest.approx(binding.mean())
        s = b.states[r][b.mask[r]]
        kl = ppo.kl_divergence(b.pi_old[r][s], pol.probs(u.theta[r])[s]).mean()
        assert u.kl[r, -1] == pytest.approx(kl, rel=1e-9)
    np.testing.assert_allclose(u.theta_epochs[:, -1], u.theta)


def test_ppo_train_is_deterministic_and_run_r_does_not_depend_on_n_runs():
    mdp, pol = _grid()
    kw = dict(epochs=3, minibatches=2, n_runs=3, seed=11)
    a = ppo.ppo_train(mdp, pol, np.zeros(64), 4, 4, 0.5, **kw)
    b = ppo.ppo_train(mdp, pol, np.zeros(64), 4, 4, 0.5, **kw)
    np.testing.assert_array_equal(a.theta_history, b.theta_history)
    np.testing.assert_array_equal(a.returns, b.returns)
    one = ppo.ppo_train(mdp, pol, np.zeros(64), 4, 4, 0.5, epochs=3, minibatches=2, n_runs=1, seed=11)
    np.testing.assert_allclose(one.theta_history[0], a.theta_history[0], rtol=1e-12)
    other = ppo.ppo_train(mdp, pol, np.zeros(64), 4, 4, 0.5, epochs=3, minibatches=2, n_runs=3, seed=12)
    assert not np.array_equal(other.theta_history, a.theta_history)


def test_ppo_train_learns_and_kl_method_adapts_beta():
    mdp, pol = _grid()
    res = ppo.ppo_train(mdp, pol, np.zeros(64), 15, 8, 1.0, epochs=5, n_runs=8, seed=0)
    J = ppo.performances(mdp, pol, res.theta_history)
    assert (J[:, -1] > J[:, 0] + 5).all()
    kl = ppo.ppo_train(mdp, pol, np.zeros(64), 5, 8, 1.0, epochs=5, method="kl", beta0=1.0, n_runs=4, seed=0)
    for it in range(4):
        np.testing.assert_array_equal(kl.beta[:, it + 1], ppo.adapt_kl_coef(kl.beta[:, it], kl.kl[:, it], 0.01))
    assert np.isnan(res.beta).all()


def test_divergence_is_reported_not_raised():
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    with pytest.warns(RuntimeWarning, match="diverged"):
        res = ppo.ppo_train(mdp, pol, envs.corridor_theta(0.5), 3, 4, 1e300, epochs=3, method="none", n_runs=2,
                            seed=0, max_steps=50)
    assert res.diverged.all()


@pytest.mark.parametrize("bad", [dict(method="ppo"), dict(epochs=0), dict(minibatches=9), dict(clip=-0.1),
                                 dict(step_size=np.nan), dict(entropy_coef=-1.0), dict(kl_target=0.0),
                                 dict(n_runs=0), dict(theta0=np.zeros(3)), dict(lam=1.5)])
def test_ppo_train_refuses_bad_input(bad):
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    kw = dict(theta0=np.zeros(2), n_iterations=2, n_episodes=8, step_size=0.1) | bad
    with pytest.raises((ValueError, TypeError)):
        ppo.ppo_train(mdp, pol, **kw)


@pytest.mark.parametrize("bad", [dict(beta=np.ones(3)), dict(beta=-1.0), dict(method="trpo"), dict(minibatches=5),
                                 dict(critic_weights=np.zeros(3)), dict(critic_features=np.ones((3, 1))),
                                 dict(batch="batch"), dict(step_size=-1.0)])
def test_ppo_update_refuses_bad_input(bad):
    mdp, pol = envs.short_corridor(), envs.corridor_policy()
    b = ppo.collect(mdp, pol, envs.corridor_theta(0.5), 4, n_runs=2, seed=0)
    kw = dict(batch=b, step_size=0.1) | bad
    with pytest.raises((ValueError, TypeError)):
        ppo.ppo_update(pol, **kw)


def test_check_clipped_surrogate_names_each_typical_mistake(capsys):
    from pgcore.exercises import check_clipped_surrogate

    mistakes = {
        "clip(ratio) * advantage alone": lambda r, A, e: np.clip(r, 1 - e, 1 + e) * A,
        "max of the two": lambda r, A, e: np.maximum(r * A, np.clip(r, 1 - e, 1 + e) * A),
        "without the clip": lambda r, A, e: r * A,
        "clipped the product": lambda r, A, e: np.minimum(r * A, np.clip(r * A, 1 - e, 1 + e)),
        "positive advantages only": lambda r, A, e: np.where(A > 0, np.minimum(r * A, np.clip(r, 1 - e, 1 + e) * A),
                                                             r * A),
        "stopped with ZeroDivisionError": lambda r, A, e: 1 / 0,
        "returned an array of shape": lambda r, A, e: np.mean(r * A),
    }
    for words, f in mistakes.items():
        assert check_clipped_surrogate(f) is False
        assert words in capsys.readouterr().out, words
    assert check_clipped_surrogate(lambda r, A, e: ppo.clipped_surrogate(r, A, e)) is True
