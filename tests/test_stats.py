"""pgcore.stats: Student's t quantile and the t band of mean_and_band (chapter 13 uses 3 seeds)."""

import math

import numpy as np
import pytest

from pgcore import stats


@pytest.mark.parametrize("p", [0.6, 0.9, 0.975, 0.995])
def test_t_quantile_against_the_closed_forms_for_one_and_two_degrees_of_freedom(p):
    # df = 1 is the Cauchy distribution, quantile tan(pi (p - 1/2));
    # df = 2 has the quantile (2p - 1) / sqrt(2 p (1 - p)).
    assert stats.t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-9)
    assert stats.t_quantile(p, 2) == pytest.approx((2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-9)


def test_t_quantile_is_symmetric_and_tends_to_the_normal_quantile():
    assert stats.t_quantile(0.025, 5) == pytest.approx(-stats.t_quantile(0.975, 5))
    assert stats.t_quantile(0.975, 100_000) == pytest.approx(1.959964, abs=1e-4)
    # monotone in the degrees of freedom
    q = [stats.t_quantile(0.975, d) for d in (1, 2, 3, 5, 10, 30)]
    assert all(a > b for a, b in zip(q, q[1:]))


def test_the_t_band_covers_95_percent_with_three_runs_and_the_normal_band_does_not():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200_000, 3))
    m, h_t = stats.mean_and_band(x, axis=1, level=0.95)
    _, h_z = stats.mean_and_band(x, axis=1)
    cover_t, cover_z = np.mean(np.abs(m) < h_t), np.mean(np.abs(m) < h_z)
    se = math.sqrt(0.95 * 0.05 / x.shape[0])
    assert abs(cover_t - 0.95) < 4 * se
    assert cover_z < 0.85          # about 0.81


def test_bad_levels_and_quantiles_are_refused():
    with pytest.raises(ValueError, match="level"):
        stats.mean_and_band(np.ones((3, 2)), level=1.0)
    with pytest.raises(ValueError, match="p"):
        stats.t_quantile(0.0, 3)
    with pytest.raises(ValueError, match="df"):
        stats.t_quantile(0.9, 0)
