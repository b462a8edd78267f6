"""PPO's clipped surrogate and GRPO's group-relative advantages."""

import numpy as np
import pytest

import pgcore as pg
from pgcore.surrogates import group_relative_advantages, ppo_clip_objective


def test_ppo_surrogate_gradient_at_old_policy_is_policy_gradient_term():
    # A softmax over 4 actions; the surrogate averaged over the old policy's
    # actions has, at theta = theta_old, the gradient sum_a pi(a) A(a) grad log pi(a).
    rng = np.random.default_rng(3)
    theta_old = rng.standard_normal(4)
    A = rng.standard_normal(4)
    pi_old = pg.softmax(theta_old)

    def surrogate(theta):
        r = pg.softmax(theta) / pi_old
        return float(pi_old @ ppo_clip_objective(r, A, clip_eps=0.2))

    grad_fd = pg.numerical_gradient(surrogate, theta_old)
    score = np.eye(4) - pi_old[None, :]  # grad log pi(a) for tabular softmax, row a
    grad_pg = (pi_old * A) @ score
    np.testing.assert_allclose(grad_fd, grad_pg, atol=1e-8)


@pytest.mark.parametrize("A", [1.7, -0.4])
def test_ppo_clip_flattens_outside_trust_region(A):
    eps = 0.2
    r = np.linspace(0.3, 2.0, 1001)
    L = ppo_clip_objective(r, A, eps)
    dL = np.gradient(L, r)
    if A > 0:   # no reward for pushing the ratio above 1 + eps
        assert np.allclose(dL[r > 1 + eps + 0.01], 0.0)
        assert np.allclose(dL[r < 1 + eps - 0.01], A)
    else:       # no reward for pushing it below 1 - eps
        assert np.allclose(dL[r < 1 - eps - 0.01], 0.0)
        assert np.allclose(dL[r > 1 - eps + 0.01], A)
    # never larger than the unclipped objective: a pessimistic bound
    assert (L <= r * A + 1e-12).all()


def test_ppo_rejects_bad_input():
    with pytest.raises(ValueError, match="clip_eps"):
        ppo_clip_objective(1.0, 1.0, clip_eps=-0.1)
    with pytest.raises(ValueError, match="ratio must be finite"):
        ppo_clip_objective(np.array([np.nan]), 1.0)


def test_group_advantages_standardise_each_group():
    rng = np.random.default_rng(0)
    R = rng.random((5, 8))
    A = group_relative_advantages(R, axis=1)
    np.testing.assert_allclose(A.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(A.std(axis=1), 1.0, atol=1e-6)
    # invariant to a positive affine change of the reward scale
    np.testing.assert_allclose(group_relative_advantages(3.0 * R - 7.0, axis=1), A, atol=1e-6)
    # per group: the order of rewards is the order of advantages
    assert (np.argsort(A, axis=1) == np.argsort(R, axis=1)).all()


def test_group_with_equal_rewards_has_zero_advantage_not_nan():
    A = group_relative_advantages(np.array([[1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]), axis=1)
    assert np.isfinite(A).all()
    np.testing.assert_allclose(A[0], 0.0)
    np.testing.assert_allclose(A[1], [-1 / np.sqrt(2), np.sqrt(2), -1 / np.sqrt(2)], atol=1e-6)
    with pytest.raises(ValueError, match="NaN"):
        group_relative_advantages([np.nan, 1.0])
