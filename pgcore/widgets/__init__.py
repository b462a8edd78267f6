"""Interactive figures: ipywidgets controls around pgcore's math.

Each explorer is one call in a notebook cell, e.g.::

    from pgcore.widgets import softmax_explorer
    softmax_explorer()

Its update logic is a plain method (``set``) that tests drive directly. Each
chapter's figures and explorers live in one module here (the "demos" twin of
the math modules); the names below are imported on first use, so importing
:mod:`pgcore.widgets` stays cheap.
"""

from importlib import import_module

from ._base import Explorer

# public name -> module that defines it
_LAZY = {
    "SoftmaxExplorer": "softmax",
    "softmax_explorer": "softmax",
    "EpsilonGreedyExplorer": "action_values",
    "epsilon_greedy_explorer": "action_values",
    "PerformanceExplorer": "performance",
    "performance_explorer": "performance",
    "AscentExplorer": "ascent",
    "ascent_explorer": "ascent",
    "ReinforceExplorer": "algorithms",
    "reinforce_explorer": "algorithms",
    "GroupExplorer": "algorithms",
    "grpo_explorer": "algorithms",
    "AdvantageExplorer": "actor_critic",
    "actor_critic_explorer": "actor_critic",
    "PPOExplorer": "ppo",
    "ppo_explorer": "ppo",
    "GaussianExplorer": "continuous",
    "gaussian_explorer": "continuous",
    "GrpoLMExplorer": "grpo_lm",
    "grpo_lm_explorer": "grpo_lm",
    "TheoremExplorer": "theorem",
    "theorem_explorer": "theorem",
}

__all__ = ["Explorer", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
