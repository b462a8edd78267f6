"""pgcore: the math of the *Policy Gradient Methods* book.

Pure numpy. Plotting lives in :mod:`pgcore.plotting` and widgets in
:mod:`pgcore.widgets`; neither is imported here, so the math can be used and
tested without matplotlib or ipywidgets.

Examples
--------
>>> import numpy as np
>>> import pgcore
>>> mdp, pol = pgcore.envs.short_corridor(), pgcore.envs.corridor_policy()
>>> theta = pgcore.envs.corridor_theta(0.5)
>>> round(pgcore.performance(mdp, pol, theta), 6)
-12.0
"""

from . import (actor_critic, advantages, algorithms, envs, gaussian, gradient_bandit, grpo, grpo_lm,
               landscapes, objective, ppo, reinforce, stats, surrogates, theorem, tiny_lm)
from ._softmax import log_softmax, softmax
from .action_values import epsilon_greedy_policy, greedy_policy, monte_carlo_q, value_iteration
from .gradient import DivergenceError, gradient_ascent, numerical_gradient, performance, policy_gradient
from .mdp import (
    MDP,
    Episodes,
    check_policy,
    evaluate,
    expected_visits,
    monte_carlo_returns,
    sample_episodes,
    state_distribution,
    visit_counts,
)
from .policy import SoftmaxPolicy
from .td import sarsa, td0_values

__all__ = [
    "softmax", "log_softmax",
    "MDP", "check_policy", "evaluate", "expected_visits", "state_distribution",
    "Episodes", "sample_episodes", "visit_counts", "monte_carlo_returns",
    "SoftmaxPolicy",
    "performance", "policy_gradient", "numerical_gradient", "gradient_ascent", "DivergenceError",
    "value_iteration", "greedy_policy", "epsilon_greedy_policy", "monte_carlo_q",
    "td0_values", "sarsa",
    "actor_critic", "advantages", "algorithms", "envs", "gaussian", "gradient_bandit", "grpo", "grpo_lm",
    "landscapes", "objective", "ppo", "reinforce", "stats", "tiny_lm",
    "surrogates", "theorem",
]
__version__ = "0.1.0"
