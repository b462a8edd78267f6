"""Property tests for pgcore.softmax and pgcore.log_softmax."""

import warnings

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from pgcore import log_softmax, softmax

# Any finite float, including gaps between preferences too large for a float.
finite = st.floats(allow_nan=False, allow_infinity=False)
# Preferences of a size where rounding errors stay far below the tolerances used.
moderate = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)

vectors = hnp.arrays(np.float64, st.integers(1, 8), elements=finite)
moderate_vectors = hnp.arrays(np.float64, st.integers(1, 8), elements=moderate)
matrices = hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=6),
                      elements=finite)
temperatures = st.floats(min_value=5e-324, max_value=1e300, allow_nan=False, allow_infinity=False)


# --------------------------------------------------------------------------
# probabilities: range and normalisation
# --------------------------------------------------------------------------
@given(vectors)
def test_values_in_unit_interval_and_sum_to_one(h):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(h)
    assert p.shape == h.shape
    assert np.isfinite(p).all()
    assert ((p >= 0) & (p <= 1)).all()
    assert abs(p.sum() - 1.0) <= 1e-12
    # the largest preference always keeps a probability of at least 1/n
    assert p[np.argmax(h)] >= 1.0 / h.size - 1e-15


@given(matrices, st.sampled_from([0, -1, 1]))
def test_sum_to_one_along_axis_2d(h, axis):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(h, axis=axis)
        logp = log_softmax(h, axis=axis)
    assert p.shape == h.shape == logp.shape
    assert ((p >= 0) & (p <= 1)).all()
    np.testing.assert_allclose(p.sum(axis=axis), 1.0, rtol=0, atol=1e-12)
    assert (logp <= 0).all()
    # each slice along the axis is the softmax of that slice on its own
    for i in range(h.shape[1 - (axis % 2)]):
        sl = h[:, i] if axis == 0 else h[i, :]
        got = p[:, i] if axis == 0 else p[i, :]
        np.testing.assert_array_equal(got, softmax(sl))


def test_axis_0_and_minus_1_differ_on_a_known_matrix():
    h = np.array([[0.0, np.log(3.0)], [np.log(3.0), 0.0]])
    np.testing.assert_allclose(softmax(h, axis=-1), [[0.25, 0.75], [0.75, 0.25]], rtol=1e-14)
    np.testing.assert_allclose(softmax(h, axis=0), [[0.25, 0.75], [0.75, 0.25]], rtol=1e-14)
    h2 = np.array([[0.0, 0.0], [np.log(3.0), np.log(3.0)]])
    np.testing.assert_allclose(softmax(h2, axis=0), [[0.25, 0.25], [0.75, 0.75]], rtol=1e-14)
    np.testing.assert_allclose(softmax(h2, axis=-1), [[0.5, 0.5], [0.5, 0.5]], rtol=1e-14)


# --------------------------------------------------------------------------
# invariance and order
# --------------------------------------------------------------------------
@given(moderate_vectors, moderate)
def test_invariant_to_adding_a_constant(h, c):
    np.testing.assert_allclose(softmax(h + c), softmax(h), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(log_softmax(h + c), log_softmax(h), rtol=0, atol=1e-9)


@given(vectors)
def test_order_preserving_weakly(h):
    p = softmax(h)
    larger = h[:, None] > h[None, :]
    # strictly larger preference -> larger or equal probability
    assert (p[:, None] >= p[None, :])[larger].all()
    # equal preferences -> exactly equal probabilities
    assert (p[:, None] == p[None, :])[h[:, None] == h[None, :]].all()


@given(hnp.arrays(np.float64, st.integers(2, 8),
                  elements=st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)))
def test_order_preserving_strictly_when_gap_is_resolvable(h):
    """A gap far above the rounding error of ``h - max(h)`` gives a strictly larger probability.

    Excluded: gaps within ~1e-9 relative of the preferences' magnitude (rounding
    may erase them) and probabilities below the normal float range (underflow
    makes them equal to 0 or imprecise).
    """
    p = softmax(h)
    scale = 1.0 + np.max(np.abs(h))
    gap = h[:, None] - h[None, :]
    resolvable = (gap > 1e-9 * scale) & ((h - h.max()) > -700)[None, :]
    assert (p[:, None] > p[None, :])[resolvable].all()


def test_order_preserving_strict_examples():
    p = softmax([0.0, 1e-9, 2.0])
    assert p[0] < p[1] < p[2]
    # both underflow to exactly 0: the weak order is all that floats allow
    p = softmax([0.0, -1000.0, -999.0])
    assert p[1] == p[2] == 0.0 and p[0] == 1.0


# --------------------------------------------------------------------------
# extremes
# --------------------------------------------------------------------------
@given(hnp.arrays(np.float64, st.integers(1, 6),
                  elements=st.sampled_from([-1e300, -1000.0, 0.0, 1000.0, 1e300])))
def test_stable_at_extremes(h):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(h)
        logp = log_softmax(h)
    assert np.isfinite(p).all() and np.isfinite(logp).all()
    assert abs(p.sum() - 1.0) <= 1e-12
    top = h == h.max()
    # with gaps of at least 1000, everything but the top preferences underflows
    np.testing.assert_allclose(p[top], 1.0 / top.sum(), rtol=1e-15)
    assert (p[~top] < 1e-300).all()
    np.testing.assert_allclose(logp[top], -np.log(top.sum()), rtol=0, atol=1e-15)


@pytest.mark.parametrize(
    "h, expected",
    [
        ([1000.0, -1000.0], [1.0, 0.0]),
        ([1e300, -1e300], [1.0, 0.0]),
        ([-1e300, -1e300], [0.5, 0.5]),
        ([1e300, 1e300, 1e300, 1e300], [0.25] * 4),
        ([1e308, -1e308], [1.0, 0.0]),  # the gap itself overflows a float
        ([-1000.0, -1000.0 + np.log(3.0)], [0.25, 0.75]),
    ],
)
def test_extreme_values(h, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(h)
    np.testing.assert_allclose(p, expected, rtol=1e-12, atol=0)


def test_log_softmax_extremes():
    np.testing.assert_array_equal(log_softmax([1000.0, -1000.0]), [0.0, -2000.0])
    np.testing.assert_array_equal(log_softmax([1e300, -1e300]), [0.0, -2e300])


# --------------------------------------------------------------------------
# log_softmax
# --------------------------------------------------------------------------
@given(vectors)
def test_log_softmax_is_log_of_softmax(h):
    p = softmax(h)
    logp = log_softmax(h)
    assert logp.shape == h.shape
    assert (logp <= 0).all()
    ok = p > 1e-300  # softmax not underflowed (normal floats)
    assert ok.any()
    np.testing.assert_allclose(logp[ok], np.log(p[ok]), rtol=1e-12, atol=1e-12)
    # where softmax underflowed, log_softmax still knows how small it is
    assert (logp[~ok] < np.log(1e-300) + 1e-9).all()


@given(moderate_vectors)
def test_exp_log_softmax_sums_to_one(h):
    np.testing.assert_allclose(np.exp(log_softmax(h)).sum(), 1.0, rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# temperature
# --------------------------------------------------------------------------
@given(vectors, temperatures)
def test_any_positive_temperature_gives_a_distribution(h, tau):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        p = softmax(h, temperature=tau)
        logp = log_softmax(h, temperature=tau)
    assert np.isfinite(p).all() and ((p >= 0) & (p <= 1)).all()
    assert abs(p.sum() - 1.0) <= 1e-12
    assert not np.isnan(logp).any() and (logp <= 0).all()


@given(moderate_vectors, st.floats(min_value=0.01, max_value=100.0))
def test_temperature_divides_preferences(h, tau):
    np.testing.assert_allclose(softmax(h, temperature=tau), softmax(h / tau), rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(log_softmax(h, temperature=tau), log_softmax(h / tau), rtol=1e-9, atol=1e-9)


@given(moderate_vectors, st.floats(min_value=1.0, max_value=1e6))
def test_probabilities_within_exact_bounds(h, tau):
    """e^{-range/tau}/n <= p_i <= e^{range/tau}/n for every temperature."""
    n, spread = h.size, np.ptp(h)
    assume(spread / tau < 600)
    p = softmax(h, temperature=tau)
    assert (p <= np.exp(spread / tau) / n * (1 + 1e-12)).all()
    assert (p >= np.exp(-spread / tau) / n * (1 - 1e-12)).all()


@given(hnp.arrays(np.int64, st.integers(2, 6), elements=st.integers(-50, 50)))
def test_temperature_to_zero_approaches_argmax(k):
    h = k / 10.0  # distinct preferences differ by at least 0.1
    top = h == h.max()
    n_top = top.sum()
    taus = [10.0, 1.0, 0.1, 0.01, 1e-3, 1e-6, 1e-100, 1e-300, 5e-324]
    p_top = [softmax(h, temperature=t)[top].sum() for t in taus]
    # probability of the best actions grows as the temperature falls ...
    assert all(b >= a - 1e-15 for a, b in zip(p_top, p_top[1:]))
    # ... and reaches the (tie-split) argmax
    for t in taus[5:]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            p = softmax(h, temperature=t)
        expected = np.where(top, 1.0 / n_top, 0.0)
        np.testing.assert_allclose(p, expected, rtol=1e-15, atol=0)
    # at tau = 0.1/50 every worse action is below e^{-50}
    p = softmax(h, temperature=0.1 / 50)
    assert (p[~top] <= np.exp(-50) * (1 + 1e-9)).all()


@given(moderate_vectors)
def test_large_temperature_approaches_uniform(h):
    n = h.size
    spread = np.ptp(h)
    taus = [1.0, 10.0, 1e3, 1e6, 1e12]
    devs = [np.max(np.abs(softmax(h, temperature=t) - 1.0 / n)) for t in taus]
    assert all(b <= a + 1e-15 for a, b in zip(devs, devs[1:]))
    tau = 1e6 * (1.0 + spread)
    assert np.max(np.abs(softmax(h, temperature=tau) - 1.0 / n)) <= 2e-6 / n
    np.testing.assert_allclose(softmax(h, temperature=1e300), 1.0 / n, rtol=1e-12)


def test_small_temperature_with_large_preferences_regression():
    """Dividing before subtracting the maximum used to give inf - inf = nan."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(softmax([1e300, 0.0], temperature=1e-10), [1.0, 0.0])
        np.testing.assert_array_equal(softmax([1.0, 0.0], temperature=1e-310), [1.0, 0.0])
        np.testing.assert_array_equal(softmax([2.0, 2.0, 1.0], temperature=1e-310), [0.5, 0.5, 0.0])
        np.testing.assert_array_equal(log_softmax([1.0, 0.0], temperature=1e-310), [0.0, -np.inf])


# --------------------------------------------------------------------------
# the worked table of chapter 2
# --------------------------------------------------------------------------
def test_worked_table():
    h = np.array([3.0, 2.0, 4.0, 5.0, 1.0])
    naive = np.exp(h) / np.exp(h).sum()  # no max subtraction: fine for small h
    p = softmax(h)
    np.testing.assert_allclose(p, naive, rtol=1e-14)
    np.testing.assert_array_equal(np.round(naive, 3), [0.086, 0.032, 0.234, 0.636, 0.012])
    np.testing.assert_array_equal(np.round(p, 3), [0.086, 0.032, 0.234, 0.636, 0.012])
    np.testing.assert_allclose(log_softmax(h), np.log(naive), rtol=1e-14)
    assert list(np.argsort(p)) == list(np.argsort(h))


def test_two_actions_is_the_logistic_function():
    x = np.linspace(-30, 30, 61)
    p = softmax(np.stack([np.zeros_like(x), x], axis=-1))[:, 1]
    np.testing.assert_allclose(p, 1.0 / (1.0 + np.exp(-x)), rtol=1e-13)


# --------------------------------------------------------------------------
# invalid input
# --------------------------------------------------------------------------
@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("h", [[1.0, np.nan], [[0.0, 1.0], [np.nan, 2.0]], [np.nan]])
def test_nan_raises(fn, h):
    with pytest.raises(ValueError, match="NaN"):
        fn(h)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("h", [[1.0, np.inf], [-np.inf, 0.0], [[0.0, 1.0], [np.inf, -np.inf]]])
def test_infinity_raises(fn, h):
    with pytest.raises(ValueError, match="infinity"):
        fn(h)


@pytest.mark.parametrize("fn", [softmax, log_softmax])
@pytest.mark.parametrize("tau", [0.0, -0.0, -1.0, -1e-300, np.nan, np.inf])
def test_bad_temperature_raises(fn, tau):
    with pytest.raises(ValueError, match="temperature"):
        fn([1.0, 2.0], temperature=tau)
