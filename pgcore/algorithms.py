"""The algorithms of chapters 7, 8 and 12 under one name (kept for older code).

The code lives in one module per chapter: :mod:`pgcore.gradient_bandit`
(chapter 7), :mod:`pgcore.reinforce` (chapter 8) and :mod:`pgcore.grpo`
(chapter 12); :func:`mean_and_band` is in :mod:`pgcore.stats`. Import from
those; this module only re-exports their names.
"""

from .gradient_bandit import (GradientBanditResult, bandit_gradient, bandit_gradient_samples,
                              bandit_testbed, gradient_bandit)
from .grpo import (ADVANTAGES, AnswerTask, AnswerTrainingResult, answer_gradient,
                   answer_gradient_samples, answer_performance, answer_task, group_advantages,
                   train_answers)
from .reinforce import ReinforceResult, kernel_backend, reinforce, reinforce_gradients
from .stats import mean_and_band

__all__ = [
    "bandit_testbed", "bandit_gradient", "bandit_gradient_samples", "gradient_bandit",
    "GradientBanditResult",
    "reinforce", "ReinforceResult", "reinforce_gradients", "kernel_backend", "mean_and_band",
    "AnswerTask", "answer_task", "answer_performance", "answer_gradient", "group_advantages",
    "answer_gradient_samples", "train_answers", "AnswerTrainingResult", "ADVANTAGES",
]
