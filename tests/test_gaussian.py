"""pgcore.gaussian (chapter 11): the density, its score, the closed-form task and its estimators.

Every formula is checked against an independent computation: the normal
density from ``math``, finite differences, Gauss-Hermite quadrature of the
reward (exact for the quadratic reward, converged for the bump), and seeded
sample means within a few estimated standard errors.
"""

import math

import numpy as np
import pytest

from pgcore import gaussian as gs
from pgcore.exercises import check_gaussian_score

RNG = np.random.default_rng(20261202)

# Probabilists' Gauss-Hermite nodes: E[f(Z)] for Z ~ N(0, 1) = sum(w f(x)) / sqrt(2 pi).
NODES, WEIGHTS = np.polynomial.hermite_e.hermegauss(80)
WEIGHTS = WEIGHTS / math.sqrt(2 * math.pi)


def normal_expect(f, mean, sigma):
    return float(np.sum(WEIGHTS * f(mean + sigma * NODES)))


def test_log_prob_is_the_normal_density():
    for a, m, ls in RNG.normal(size=(20, 3)):
        s = math.exp(ls)
        ref = math.log(math.exp(-((a - m) ** 2) / (2 * s * s)) / (s * math.sqrt(2 * math.pi)))
        assert gs.log_prob(a, m, ls) == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_density_integrates_to_one():
    a = np.linspace(-30, 30, 200_001)
    for m, ls in [(0.0, 0.0), (2.0, -1.5), (-3.0, 1.0)]:
        p = np.exp(gs.log_prob(a, m, ls))
        assert np.trapezoid(p, a) == pytest.approx(1.0, abs=1e-8)


def test_score_matches_finite_differences():
    eps = 1e-6
    for a, m, ls in RNG.normal(size=(30, 3)):
        d_mean, d_log = gs.score(a, m, ls)
        fd_mean = (gs.log_prob(a, m + eps, ls) - gs.log_prob(a, m - eps, ls)) / (2 * eps)
        fd_log = (gs.log_prob(a, m, ls + eps) - gs.log_prob(a, m, ls - eps)) / (2 * eps)
        assert d_mean == pytest.approx(fd_mean, rel=1e-6, abs=1e-6)
        assert d_log == pytest.approx(fd_log, rel=1e-6, abs=1e-6)


def test_score_has_mean_zero_under_the_policy():
    for m, ls in [(0.0, 0.0), (1.5, -2.0), (-4.0, 1.2)]:
        s = math.exp(ls)
        for k in range(2):
            e = normal_expect(lambda a: gs.score(a, m, ls)[k], m, s)
            assert abs(e) < 1e-10


def test_score_broadcasts():
    d_mean, d_log = gs.score(np.zeros((3, 1)), np.zeros(4), 0.0)
    assert d_mean.shape == d_log.shape == (3, 4)


@pytest.mark.parametrize("bad, kind", [
    (dict(a=np.nan), ValueError), (dict(log_std=np.inf), ValueError),
    (dict(mean=1 + 2j), TypeError), (dict(a="x"), TypeError),
    (dict(a=np.zeros(3), mean=np.zeros(2)), ValueError),
])
def test_bad_inputs_are_refused(bad, kind):
    args = dict(a=0.0, mean=0.0, log_std=0.0) | bad
    with pytest.raises(kind) as info:
        gs.score(**args)
    assert any(name in str(info.value) for name in bad)


def _quadrature_objective(task, theta):
    """J by integrating the sampled reward function against the density: independent of the closed form."""
    mean, log_std = task.policy(np.asarray(theta, dtype=float))
    total = 0.0
    for s in range(len(task.weights)):
        def reward(a):
            return task._rewards(a, np.full(a.shape, s, dtype=np.intp), None)
        sigma = math.exp(log_std[s])
        a = np.linspace(mean[s] - 14 * sigma, mean[s] + 14 * sigma, 200_001)
        density = np.exp(-((a - mean[s]) ** 2) / (2 * sigma**2)) / (sigma * math.sqrt(2 * math.pi))
        total += task.weights[s] * np.trapezoid(reward(a) * density, a)
    return total


@pytest.mark.parametrize("kwargs", [dict(), dict(reward="bump", width=0.7), dict(offset=10.0),
                                    dict(reward="bump", width=2.0, slope=-1.0, intercept=0.3)])
def test_objective_is_the_expected_reward(kwargs):
    task = gs.line_task(**kwargs)
    for theta in RNG.normal(scale=0.5, size=(10, 3)):
        assert task.objective(theta) == pytest.approx(_quadrature_objective(task, theta), abs=1e-9)


@pytest.mark.parametrize("kwargs", [dict(), dict(reward="bump", width=0.7), dict(reward="bump", width=0.2)])
def test_gradient_matches_finite_differences(kwargs):
    task = gs.line_task(**kwargs)
    eps = 1e-6
    for theta in RNG.normal(scale=0.7, size=(10, 3)):
        fd = np.array([(task.objective(theta + e) - task.objective(theta - e)) / (2 * eps)
                       for e in eps * np.eye(3)])
        assert np.allclose(task.gradient(theta), fd, rtol=1e-6, atol=1e-8)


def test_gradient_batches_over_leading_axes():
    task = gs.line_task(reward="bump")
    thetas = RNG.normal(size=(4, 5, 3))
    g = task.gradient(thetas)
    assert g.shape == (4, 5, 3)
    assert np.allclose(g[2, 3], task.gradient(thetas[2, 3]))


@pytest.mark.parametrize("baseline", ["none", "value", "batch", 3.0])
@pytest.mark.parametrize("kwargs", [dict(noise_std=0.5), dict(reward="bump", width=1.0, offset=2.0)])
def test_sampled_gradient_is_unbiased(baseline, kwargs):
    task = gs.line_task(**kwargs)
    theta = np.array([0.2, 0.5, -0.4])
    g = task.gradient_samples(theta, 100_000, baseline=baseline, seed=11)
    se = g.std(axis=0, ddof=1) / math.sqrt(len(g))
    z = np.abs(g.mean(axis=0) - task.gradient(theta)) / se
    assert z.max() < 4.5, z


def test_sampled_gradient_catches_a_wrong_gradient():
    """The unbiasedness test above can fail: a gradient off by 10% is detected."""
    task = gs.line_task(noise_std=0.5)
    theta = np.array([0.2, 0.5, -0.4])
    g = task.gradient_samples(theta, 100_000, baseline="value", seed=11)
    se = g.std(axis=0, ddof=1) / math.sqrt(len(g))
    assert (np.abs(g.mean(axis=0) - 1.1 * task.gradient(theta)) / se).max() > 4.5


def test_value_baseline_removes_the_offset_variance():
    task = gs.line_task(offset=10.0)
    theta = np.array([0.0, 0.0, -2.0])
    v_none = task.gradient_samples(theta, 50_000, "none", seed=1).var(axis=0).sum()
    v_value = task.gradient_samples(theta, 50_000, "value", seed=1).var(axis=0).sum()
    # exact variance of the value-baseline estimate at d = mean - target, per state:
    # mean part (R - v) (a - mu) / sigma^2 with a = mu + sigma z, R - v = -(2 d sigma z + sigma^2 (z^2 - 1))
    sigma = math.exp(-2.0)
    d = -task.target
    exact = 0.0
    for di, x in zip(d, task.x_mu):
        adv = lambda z: -(2 * di * sigma * z + sigma**2 * (z * z - 1))
        m_part = np.sum(WEIGHTS * (adv(NODES) * NODES / sigma) ** 2)
        l_part = np.sum(WEIGHTS * (adv(NODES) * (NODES**2 - 1)) ** 2)
        exact += (m_part * (x @ x) + l_part) / len(d)
    grad_sq = np.sum(task.gradient(theta) ** 2)
    assert v_value == pytest.approx(exact - grad_sq, rel=0.05)
    assert v_none > 10 * v_value


def test_train_is_seeded_and_learns():
    task = gs.line_task()
    a = task.train([0, 0, 0], 0.02, 300, batch_size=8, n_runs=6, baseline="value", seed=3)
    b = task.train([0, 0, 0], 0.02, 300, batch_size=8, n_runs=6, baseline="value", seed=3)
    assert np.array_equal(a.theta, b.theta)
    assert a.J.shape == (6, 301) and a.sigma.shape == (6, 301, 5)
    assert np.allclose(a.J, task.objective(a.theta))
    assert a.J[:, -1].mean() > -0.5 > a.J[:, 0].mean()
    # the mean's line is learned: intercept -0.5, slope 2
    assert np.allclose(a.theta[:, -1, :2].mean(axis=0), [-0.5, 2.0], atol=0.1)


def test_train_with_exact_expected_steps_tracks_sigma_closed_form():
    """With a huge batch the sampled ascent follows the exact one, where ln sigma moves by -2 alpha sigma^2."""
    task = gs.line_task()
    alpha, T = 0.05, 20
    res = task.train([-0.5, 2.0, 0.0], alpha, T, batch_size=20_000, n_runs=1, baseline="value", seed=0)
    ls = 0.0
    for _ in range(T):
        ls += alpha * (-2.0 * math.exp(2 * ls))
    assert math.log(res.sigma[0, -1, 0]) == pytest.approx(ls, abs=0.02)


@pytest.mark.parametrize("kwargs, kind, word", [
    (dict(alpha=-1.0), ValueError, "alpha"), (dict(alpha=np.nan), ValueError, "alpha"),
    (dict(n_updates=2.5), TypeError, "n_updates"), (dict(batch_size=0), ValueError, "batch_size"),
    (dict(baseline="batch", batch_size=1), ValueError, "batch_size"),
    (dict(baseline="mean"), ValueError, "baseline"), (dict(baseline=np.nan), ValueError, "baseline"),
    (dict(baseline=None), TypeError, "baseline"), (dict(theta0=[0.0, 0.0]), ValueError, "theta"),
    (dict(theta0=[0.0, np.nan, 0.0]), ValueError, "theta"),
])
def test_train_refuses_bad_arguments(kwargs, kind, word):
    args = dict(theta0=[0.0, 0.0, 0.0], alpha=0.01, n_updates=3, batch_size=4, baseline="none") | kwargs
    with pytest.raises(kind) as info:
        gs.line_task().train(**args)
    assert word in str(info.value)


def test_train_reports_divergence():
    res = gs.line_task(offset=1e3).train([0, 0, 0], 10.0, 50, batch_size=4, n_runs=5, seed=0)
    assert (res.diverged_at > 0).all() and "5 of 5 runs diverged" in res.message
    first = res.diverged_at[0]
    assert np.isnan(res.J[0, first:]).all() and np.isfinite(res.J[0, :first]).all()
    fine = gs.line_task().train([0, 0, 0], 0.01, 5, batch_size=4, n_runs=2, seed=0)
    assert fine.message == "" and fine.ok.all()


@pytest.mark.parametrize("kwargs", [dict(weights=[0.5, 0.6]), dict(reward="cubic"), dict(width=0.0),
                                    dict(noise_std=-1.0), dict(target=[0.0]), dict(x_sigma=np.ones((2, 0)))])
def test_task_refuses_bad_definitions(kwargs):
    args = dict(x_mu=np.ones((2, 1)), x_sigma=np.ones((2, 1)), target=[0.0, 1.0], weights=[0.5, 0.5]) | kwargs
    with pytest.raises(ValueError):
        gs.GaussianTask(**args)


# -- the exercise checker --------------------------------------------------

def test_checker_accepts_the_reference(capsys):
    assert check_gaussian_score(gs.score)
    assert capsys.readouterr().out.startswith("Correct")


def _wrong(kind):
    def f(a, mean, log_std):
        s = np.exp(log_std)
        d = a - mean
        if kind == "sign":
            return -d / s**2, d**2 / s**2 - 1
        if kind == "sigma_not_var":
            return d / s, d**2 / s**2 - 1
        if kind == "in_sigma":
            return d / s**2, d**2 / s**3 - 1 / s
        if kind == "no_minus_one":
            return d / s**2, d**2 / s**2
        if kind == "std_as_var":   # treats log_std as log variance
            return d / s, d**2 / s - 1
        if kind == "scalar_only":
            return float(d.flat[0]) / float(s.flat[0]) ** 2, 0.0
        raise ZeroDivisionError
    f.__name__ = f"wrong_{kind}"
    return f


@pytest.mark.parametrize("kind, words", [("sign", "wrong sign"), ("sigma_not_var", "variance"),
                                         ("in_sigma", "σ itself"), ("no_minus_one", "−1"),
                                         ("std_as_var", "variance"), ("scalar_only", "expected"),
                                         ("raises", "ZeroDivisionError")])
def test_checker_rejects_wrong_answers(kind, words, capsys):
    assert check_gaussian_score(_wrong(kind)) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and words in out
