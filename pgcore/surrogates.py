"""The objectives modern methods optimise in place of J(θ) (chapter 6).

At their core PPO and GRPO use the same sampled policy gradient; they change how
it is estimated and how far one update may move the policy (and, with a KL
penalty, the objective itself). Pure numpy.
"""

from __future__ import annotations

import numpy as np

from ._validate import array, integer, real

__all__ = ["ppo_clip_objective", "group_relative_advantages"]


def ppo_clip_objective(ratio, advantage, clip_eps=0.2):
    r"""PPO's clipped surrogate, one term per sample: :func:`pgcore.ppo.clipped_surrogate` with a default ϵ.

    .. math::
        L(\rho, A) = \min\bigl(\rho A,\ \operatorname{clip}(\rho, 1-\epsilon, 1+\epsilon) A\bigr),
        \qquad \rho = \frac{\pi_\theta(a|s)}{\pi_{\theta_\text{old}}(a|s)}

    (Schulman et al. 2017, eq. 7.) At :math:`\rho = 1` its gradient in θ is
    :math:`A\,\nabla_\theta \log \pi_\theta(a|s)`, the policy-gradient term; away
    from 1 the clip removes any incentive to move the ratio further than
    :math:`1 \pm \epsilon` in the direction the advantage favours (chapters 6 and 10).

    Parameters
    ----------
    ratio : array_like
        Probability ratios :math:`\rho \ge 0`.
    advantage : array_like
        Advantage estimates :math:`A`, broadcast against ``ratio``.
    clip_eps : float, default 0.2
        :math:`\epsilon \ge 0`.

    Examples
    --------
    >>> import numpy as np
    >>> ppo_clip_objective(np.array([0.5, 1.0, 1.5]), 1.0)
    array([0.5, 1. , 1.2])
    >>> ppo_clip_objective(np.array([0.5, 1.0, 1.5]), -1.0)
    array([-0.8, -1. , -1.5])
    """
    from .ppo import clipped_surrogate

    return clipped_surrogate(ratio, advantage, real(clip_eps, "clip_eps", minimum=0.0))


def group_relative_advantages(rewards, axis=-1):
    r"""GRPO's advantages: rewards standardised within each group (Shao et al. 2024).

    .. math:: A_i = \frac{r_i - \operatorname{mean}(r)}{\operatorname{std}(r)}

    computed along ``axis`` (one group of sampled answers to the same prompt),
    with the population standard deviation (``ddof=0``). A group whose rewards
    are all equal gets advantage 0 for every answer, not 0/0: it carries no
    signal about which answer is better. The test is exact equality, so
    round-off in the mean of equal rewards cannot produce spurious ±1, and
    the deviations are scaled by their largest before the standard deviation
    is taken, so tiny or huge rewards cannot underflow or overflow.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(group_relative_advantages([1.0, 0.0, 0.0, 1.0]), 3)
    array([ 1., -1., -1.,  1.])
    >>> group_relative_advantages([1.0, 1.0, 1.0])
    array([0., 0., 0.])
    """
    r = array(rewards, "rewards", min_size=1)
    if r.ndim == 0:
        raise ValueError(f"rewards must be an array with a group axis, got the scalar {float(r)!r}")
    axis = integer(axis, "axis", minimum=-r.ndim, maximum=r.ndim - 1)
    r = np.moveaxis(r, axis, -1)
    centred = r - r.mean(axis=-1, keepdims=True)
    centred = np.where(np.ptp(r, axis=-1, keepdims=True) == 0, 0.0, centred)
    big = np.abs(centred).max(axis=-1, keepdims=True)
    z = np.divide(centred, big, out=np.zeros_like(centred), where=big > 0)
    std = z.std(axis=-1, keepdims=True)
    return np.moveaxis(np.divide(z, std, out=np.zeros_like(z), where=std > 0), -1, axis)
