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
