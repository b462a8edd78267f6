"""Tests for pgcore.landscapes: every formula against an independent computation."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import pgcore as pg
from pgcore import landscapes as ls

coords = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
points = st.tuples(coords, coords).map(np.array)


# --------------------------------------------------------------------------
# the quadratic
# --------------------------------------------------------------------------
def random_spd(rng, d=2, lo=0.5, hi=20.0):
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    lam = np.sort(rng.uniform(lo, hi, size=d))
    return Q @ np.diag(lam) @ Q.T, lam


@given(points)
def test_quadratic_gradient_is_the_derivative_of_the_value(theta):
    q = ls.example_quadratic()
    fd = pg.numerical_gradient(q.value, theta, eps=1e-5)
    np.testing.assert_allclose(q.grad(theta), fd, rtol=1e-7, atol=1e-6)
    # and the value is the formula written out by hand
    e = theta - np.array([1.0, -1.0])
    by_hand = -0.5 * (5.5 * e[0] ** 2 + 2 * 4.5 * e[0] * e[1] + 5.5 * e[1] ** 2)
    assert q.value(theta) == pytest.approx(by_hand, rel=1e-12, abs=1e-12)


def test_example_quadratic_eigen_structure():
    q = ls.example_quadratic()
    np.testing.assert_allclose(q.eigenvalues, [1.0, 10.0], rtol=1e-14)
    steep = q.eigenvectors[:, -1]
    np.testing.assert_allclose(np.abs(steep), [2 ** -0.5, 2 ** -0.5], rtol=1e-12)
    np.testing.assert_allclose(q.A @ steep, 10.0 * steep, atol=1e-12)
    th = q.thresholds()
    assert th == pytest.approx({"lam_min": 1.0, "lam_max": 10.0, "monotone": 0.1, "converge": 0.2,
                                "fastest": 2 / 11, "rate": 9 / 11})
    np.testing.assert_array_equal(q.hessian(), -q.A)
    assert q.value(q.theta_star) == 0.0 == q.J_star


def test_quadratic_vectorised_value_matches_pointwise():
    q = ls.example_quadratic()
    pts = np.random.default_rng(0).normal(size=(3, 4, 2))
    Z = q.value(pts)
    assert Z.shape == (3, 4)
    for idx in np.ndindex(3, 4):
        assert Z[idx] == pytest.approx(q.value(pts[idx]), rel=1e-13)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("frac", [0.05, 0.5, 0.9, 1.0, 1.3, 1.9, 2.1, 3.0])
def test_closed_form_iterates_equal_gradient_ascent(seed, frac):
    rng = np.random.default_rng(seed)
    A, lam = random_spd(rng)
    q = ls.Quadratic(A, rng.normal(size=2))
    α = frac / lam[-1]
    θ0 = rng.normal(size=2) * 3
    n = 25
    path = pg.gradient_ascent(q.grad, θ0, α, n, max_norm=1e12)
    np.testing.assert_allclose(q.iterates(θ0, α, n), path, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_regimes_match_the_observed_behaviour(seed):
    """Classify by the factors 1 - αλ, then watch the steep component of the error."""
    rng = np.random.default_rng(seed)
    A, lam = random_spd(rng, lo=0.5, hi=5.0)
    q = ls.Quadratic(A, [0.3, -0.7])
    θ0 = q.theta_star + 2.0 * q.eigenvectors[:, -1] + 2.0 * q.eigenvectors[:, 0]
    steep = q.eigenvectors[:, -1]
    small = min(0.5 / lam[-1], 0.5 / lam[0])  # monotone, factors in (0, 1)
    for α, expected in [(small, "monotone"), (1.5 / lam[-1], "oscillating"),
                        (2.0 / lam[-1], "cycling"), (2.5 / lam[-1], "diverging")]:
        assert q.regime(α) == expected
        path = pg.gradient_ascent(q.grad, θ0, α, 40, max_norm=1e300)
        c = (path - q.theta_star) @ steep
        dist = np.linalg.norm(path - q.theta_star, axis=1)
        if expected == "monotone":
            assert (np.sign(c) == np.sign(c[0])).all()
            assert (np.diff(dist) < 0).all()
        elif expected == "oscillating":
            assert (np.sign(c[1:]) == -np.sign(c[:-1])).all()
            assert dist[-1] < 1e-3 * dist[0]
        elif expected == "cycling":
            np.testing.assert_allclose(np.abs(c), abs(c[0]), rtol=1e-9)
            assert (np.sign(c[1:]) == -np.sign(c[:-1])).all()
        else:
            assert dist[-1] > 1e3 * dist[0]


def test_regime_boundaries():
    q = ls.example_quadratic()
    assert q.regime(0.1) == "monotone"  # the steep component is removed in one step
    assert q.regime(0.1 + 1e-9) == "oscillating"
    assert q.regime(0.2 - 1e-9) == "oscillating"
    assert q.regime(0.2) == "cycling"
    assert q.regime(0.2 + 1e-9) == "diverging"
    np.testing.assert_allclose(q.factors(0.15), [0.85, -0.5])


@pytest.mark.parametrize(
    "A, theta_star, match",
    [
        ([[1.0, 2.0], [0.0, 1.0]], [0.0, 0.0], "symmetric"),
        ([[1.0, 0.0], [0.0, -1.0]], [0.0, 0.0], "positive definite"),
        ([[1.0, 0.0], [0.0, 0.0]], [0.0, 0.0], "positive definite"),
        ([[1.0]], [0.0, 0.0], "shape"),
        ([[np.nan, 0.0], [0.0, 1.0]], [0.0, 0.0], "finite"),
    ],
)
def test_quadratic_rejects_bad_input(A, theta_star, match):
    with pytest.raises(ValueError, match=match):
        ls.Quadratic(A, theta_star)


# --------------------------------------------------------------------------
# the corridor seen through two tiles
# --------------------------------------------------------------------------
def sigmoid(u):
    return 1.0 / (1.0 + np.exp(-u))


@given(points)
def test_tiles_policy_probabilities(theta):
    pol = ls.corridor_tiles_policy()
    π = pol.probs(theta)
    expected = [sigmoid(theta[0]), sigmoid(theta[0] + theta[1]), sigmoid(theta[1])]
    np.testing.assert_allclose(π[:3, 1], expected, rtol=1e-12)
    np.testing.assert_allclose(ls.corridor_tiles_probs(theta), expected, rtol=1e-12)


@given(points)
def test_tiles_closed_form_equals_exact_evaluation(theta):
    L = ls.corridor_tiles_landscape()
    assert L.value(theta) == pytest.approx(ls.corridor_tiles_performance(theta), rel=1e-9)


@given(points)
def test_tiles_policy_gradient_equals_finite_differences_of_the_closed_form(theta):
    L = ls.corridor_tiles_landscape()
    fd = pg.numerical_gradient(ls.corridor_tiles_performance, theta, eps=1e-6)
    g = L.grad(theta)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-5 * (1 + np.abs(g).max()))


def test_tiles_reduce_to_the_state_blind_formula_when_all_probabilities_agree():
    # θ = (u, 0) gives p0 = p1 = σ(u) but p2 = 1/2; θ with p0 = p1 = p2 is impossible unless
    # θ1 + θ2 = θ1 = θ2, i.e. θ = 0: then J = corridor_performance(1/2).
    assert ls.corridor_tiles_performance([0.0, 0.0]) == pytest.approx(
        float(pg.envs.corridor_performance(0.5)), rel=1e-14)


def test_tiles_maximum():
    L = ls.corridor_tiles_landscape()
    np.testing.assert_allclose(L.theta_star, [-np.log(2.0), 0.0])
    np.testing.assert_allclose(L.grad(L.theta_star), 0.0, atol=1e-12)
    assert L.J_star == pytest.approx(-11.0, abs=1e-12)
    np.testing.assert_allclose(ls.corridor_tiles_probs(L.theta_star), [1 / 3, 1 / 3, 1 / 2], rtol=1e-12)
    H = ls.numerical_hessian(L.grad, L.theta_star)
    np.testing.assert_allclose(H, [[-4.0, -1.0], [-1.0, -4.0]], atol=1e-5)
    # better than the best state-blind policy of chapter 3
    p_star = 2 - np.sqrt(2)
    assert L.J_star > float(pg.envs.corridor_performance(p_star)) + 0.5


def test_tiles_maximum_is_global_on_a_grid():
    t = np.linspace(-6, 6, 241)
    T1, T2 = np.meshgrid(t, t)
    Z = ls.corridor_tiles_performance(np.stack([T1, T2], axis=-1))
    assert Z.max() <= -11.0 + 1e-12
    assert (Z <= -3.0).all()  # no policy reaches the goal in fewer than 3 steps


def test_tiles_max_norm_is_justified():
    """Outside |θ| = 15 the policy is hopeless, inside it the exact solve is accurate."""
    ang = np.linspace(0, 2 * np.pi, 3601)
    circle = 15.0 * np.stack([np.cos(ang), np.sin(ang)], axis=-1)
    assert ls.corridor_tiles_performance(circle).max() < -8e4
    L = ls.corridor_tiles_landscape()
    assert L.max_norm == 15.0
    rng = np.random.default_rng(3)
    for _ in range(200):
        r, a = 15.0 * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
        θ = r * np.array([np.cos(a), np.sin(a)])
        assert L.value(θ) == pytest.approx(ls.corridor_tiles_performance(θ), rel=1e-5)


def test_tiles_closed_form_is_accurate_far_out():
    # no cancellation in 1 - p1: finite and very negative where the linear solve fails
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = ls.corridor_tiles_performance([12.0, 27.0])
    assert np.isfinite(J) and J < -1e16


def test_tiles_closed_form_vectorised():
    pts = np.random.default_rng(1).normal(size=(5, 2))
    np.testing.assert_allclose(ls.corridor_tiles_performance(pts),
                               [ls.corridor_tiles_performance(p) for p in pts], rtol=1e-14)


# --------------------------------------------------------------------------
# the compass bandit
# --------------------------------------------------------------------------
@given(points)
def test_compass_value_is_softmax_average_of_means(theta):
    L = ls.compass_landscape()
    x = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 1.0], [0.0, -1.0]])
    h = x @ theta
    w = np.exp(h - h.max())
    by_hand = w @ np.array([1.0, 0.8, 0.0, 0.0]) / w.sum()
    assert L.value(theta) == pytest.approx(by_hand, rel=1e-12, abs=1e-14)
    fd = pg.numerical_gradient(L.value, theta)
    np.testing.assert_allclose(L.grad(theta), fd, rtol=1e-6, atol=1e-8)


def test_compass_structure():
    mdp, pol = ls.compass_bandit()
    assert mdp.action_names == list(ls.COMPASS)
    assert pol.d == 2 and mdp.n_actions == 4
    L = ls.compass_landscape()
    assert L.J_star == 1.0 and L.theta_star is None
    with pytest.raises(ValueError, match="4 numbers"):
        ls.compass_bandit([1.0, 2.0])


def test_compass_has_two_hills_and_a_saddle():
    L = ls.compass_landscape()
    # the saddle: e^θ1 = r_W / r_E on the θ1 axis, J = r_E r_W / (r_E + r_W)
    s = np.array([np.log(0.8), 0.0])
    np.testing.assert_allclose(L.grad(s), 0.0, atol=1e-15)
    assert L.value(s) == pytest.approx(0.8 / 1.8, rel=1e-12)
    ev = np.linalg.eigvalsh(ls.numerical_hessian(L.grad, s))
    assert ev[0] < -0.1 and ev[1] > 0.1  # a saddle: up along θ2 is down, along θ1 up
    # either side of it, gradient ascent climbs a different hill
    east = pg.gradient_ascent(L.grad, s + [0.01, 0.0], 1.0, 300)[-1]
    west = pg.gradient_ascent(L.grad, s - [0.01, 0.0], 1.0, 300)[-1]
    assert east[0] > 4 and L.value(east) > 0.99
    assert west[0] < -4 and 0.79 < L.value(west) < 0.8
    # far out the values approach the arms' means
    assert L.value(np.array([40.0, 0.0])) == pytest.approx(1.0, abs=1e-12)
    assert L.value(np.array([-40.0, 0.0])) == pytest.approx(0.8, abs=1e-12)
    assert L.value(np.array([0.0, 40.0])) == pytest.approx(0.0, abs=1e-12)
    # not concave: the Hessian has a positive eigenvalue at the saddle (and both at (0, 2))
    assert (np.linalg.eigvalsh(ls.numerical_hessian(L.grad, np.array([0.0, 2.0]))) > 0).all()


# --------------------------------------------------------------------------
# tools
# --------------------------------------------------------------------------
def test_numerical_hessian_of_a_known_function():
    f_grad = lambda th: np.array([3 * th[0] ** 2 * th[1], th[0] ** 3 + 2 * th[1]])  # noqa: E731
    H = ls.numerical_hessian(f_grad, np.array([1.0, 2.0]))
    np.testing.assert_allclose(H, [[12.0, 3.0], [3.0, 2.0]], rtol=1e-8)


def test_grid_values_layout_and_failures():
    def f(th):
        if th[0] > 0.5:
            raise ValueError("never ends")
        return np.inf if th[1] > 1.5 else th[0] + 10 * th[1]

    Z = ls.grid_values(f, [0.0, 1.0], [0.0, 1.0, 2.0])
    assert Z.shape == (3, 2)
    assert Z[1, 0] == 10.0 and np.isnan(Z[0, 1]) and np.isnan(Z[2, 0])


def test_grid_values_of_the_quadratic_equals_vectorised_value():
    q = ls.example_quadratic()
    t1, t2 = np.linspace(-2, 2, 5), np.linspace(-1, 3, 4)
    T1, T2 = np.meshgrid(t1, t2)
    np.testing.assert_allclose(ls.grid_values(q.value, t1, t2), q.value(np.stack([T1, T2], -1)),
                               rtol=1e-13)


def test_ascent_trace_without_divergence_is_gradient_ascent():
    L = ls.corridor_tiles_landscape()
    tr = ls.ascent_trace(L, [0.0, 0.0], 0.1, 30)
    np.testing.assert_array_equal(tr.path, pg.gradient_ascent(L.grad, [0.0, 0.0], 0.1, 30, max_norm=15))
    np.testing.assert_allclose(tr.values, [L.value(θ) for θ in tr.path])
    assert not tr.diverged and tr.message == "" and tr.diverged_at is None
    assert (np.diff(tr.values) > 0).all()  # a small step always goes uphill here


def test_ascent_trace_on_divergence_keeps_the_finite_part():
    L = ls.corridor_tiles_landscape()
    with pytest.raises(pg.DivergenceError) as info:
        pg.gradient_ascent(L.grad, [0.0, 0.0], 0.5, 40, max_norm=15)
    tr = ls.ascent_trace(L, [0.0, 0.0], 0.5, 40)
    assert tr.diverged and tr.diverged_at == info.value.step == 4
    np.testing.assert_array_equal(tr.path, info.value.path)
    assert tr.message == "diverged at step 4: |θ| > 15"
    assert np.isfinite(tr.values).all() and len(tr.values) == len(tr.path)
    # the default max_norm of landscapes without one is 1e6; an explicit one wins
    tr2 = ls.ascent_trace(L, [0.0, 0.0], 0.5, 40, max_norm=3.0)
    assert tr2.diverged_at <= 4 and "|θ| > 3" in tr2.message


def test_ascent_trace_reports_an_uncomputable_gradient():
    class Cliff:
        def value(self, th):
            if th[0] > 1:
                raise ValueError("off the cliff")
            return -float(th @ th)

        def grad(self, th):
            if th[0] > 1:
                raise ValueError("off the cliff")
            return np.array([1.0, 0.0])

    tr = ls.ascent_trace(Cliff(), [0.0, 0.0], 0.6, 10)
    assert tr.diverged_at == 3 and "cannot be computed" in tr.message
    assert len(tr.path) == 3 and np.isnan(tr.values[-1]) and np.isfinite(tr.values[:2]).all()


@pytest.mark.parametrize("bad", [0.0, -1.0, np.nan, np.inf])
def test_ascent_trace_invalid_step_size_raises(bad):
    with pytest.raises(ValueError, match="step_size"):
        ls.ascent_trace(ls.example_quadratic(), [0.0, 0.0], bad, 3)
