"""Issue 10: every reproducer of the outside audit, and the validation layer behind the fixes.

Each case is one bad call; it must raise the given error type with a message
that names the argument (``match``). None may hang, crash, return NaN/inf or a
silently wrong answer.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import pgcore as pg
from pgcore import _validate as v
from pgcore import algorithms as al
from pgcore import envs, gradient_bandit, grpo, stats, surrogates

CORR, CPOL = envs.short_corridor(), envs.corridor_policy()
LEFT = np.array([[1.0, 0.0]] * 4)
TH05 = envs.corridor_theta(0.05)


def _mdp_kwargs(**over):
    P = np.zeros((2, 2, 2))
    P[:, :, 1] = 1.0
    kw = dict(P=P, R=[[1.0, 1.0], [0.0, 0.0]], start=[1.0, 0.0], terminal=[1])
    kw.update(over)
    return kw


# (id, call, error type, regex the message must match: the argument's name, and often the value)
CASES = [
    # -- crash / wrap-around in the C kernel and ctypes --------------------------------------
    ("max_steps=2**64+5", lambda: al.reinforce(CORR, CPOL, TH05, .01, 1, max_steps=2**64 + 5),
     ValueError, r"max_steps must be .*<= 9223372036854775807, got 18446744073709551621"),
    ("max_steps=2**63", lambda: al.reinforce(CORR, CPOL, TH05, .01, 1, max_steps=2**63),
     ValueError, r"max_steps .*got 9223372036854775808"),
    ("reinforce max_steps=nan", lambda: al.reinforce(CORR, CPOL, TH05, .01, 1, max_steps=np.nan),
     ValueError, r"max_steps must be a finite integer, got nan"),
    ("reinforce_gradients max_steps=2**64", lambda: al.reinforce_gradients(CORR, CPOL, TH05, 2, max_steps=2**64),
     ValueError, r"max_steps"),
    # -- hangs --------------------------------------------------------------------------------
    ("sample_episodes max_steps=nan", lambda: pg.sample_episodes(CORR, LEFT, 10, max_steps=np.nan),
     ValueError, r"max_steps must be a finite integer, got nan"),
    ("sample_episodes max_steps=inf", lambda: pg.sample_episodes(CORR, LEFT, 10, max_steps=np.inf),
     ValueError, r"max_steps must be a finite integer, got inf"),
    ("sample_episodes endless policy", lambda: pg.sample_episodes(CORR, LEFT, 10_000, max_steps=10**12),
     ValueError, r"trapped forever in state\(s\) S"),
    ("monte_carlo_q endless policy", lambda: pg.monte_carlo_q(CORR, LEFT, 1000),
     ValueError, r"trapped forever"),
    ("td0 endless policy", lambda: pg.td0_values(CORR, LEFT, 1000, 0.1),
     ValueError, r"trapped forever"),
    ("sample_trajectory endless", lambda: pg.objective.sample_trajectory(CORR, LEFT),
     ValueError, r"trapped forever"),
    ("reinforce_gradients endless", lambda: al.reinforce_gradients(
        CORR, pg.SoftmaxPolicy.tabular(4, 2), [1000., -1000.] * 4, 100),
     ValueError, r"trapped forever"),
    # -- silent NaN / inf ---------------------------------------------------------------------
    ("gradient_bandit h0 nan", lambda: gradient_bandit.gradient_bandit([[0., 1.]], .1, 5, h0=[np.nan, 0.]),
     ValueError, r"h0 must be finite .*h0\[0\] = nan"),
    ("gradient_bandit h0 inf", lambda: gradient_bandit.gradient_bandit([[0., 1.]], .1, 5, h0=[np.inf, 0.]),
     ValueError, r"h0 must be finite"),
    ("gradient_bandit h0 shape", lambda: gradient_bandit.gradient_bandit([[0., 1.]], .1, 5, h0=[0., 0., 0.]),
     ValueError, r"h0 must have shape \(2,\) or \(1, 2\), got \(3,\)"),
    ("gradient_bandit reward_std=1e308", lambda: gradient_bandit.gradient_bandit(
        [[0., 1.]], .1, 50, reward_std=1e308, seed=0),
     ValueError, r"not finite.*reward_std"),
    ("gradient_bandit means 1e308", lambda: gradient_bandit.gradient_bandit(
        [[1e308, -1e308]], .1, 50, seed=0),
     ValueError, r"not finite.*means"),
    ("train_answers theta0 nan", lambda: grpo.train_answers(
        grpo.answer_task(), .5, 3, 4, theta0=np.full((4, 6), np.nan)),
     ValueError, r"theta0 must be finite"),
    ("train_answers theta0 inf", lambda: grpo.train_answers(
        grpo.answer_task(), .5, 3, 4, theta0=np.full((4, 6), np.inf)),
     ValueError, r"theta0 must be finite"),
    ("train_answers rewards nan", lambda: grpo.train_answers(
        grpo.AnswerTask(("a",), ("x", "y"), np.array([[np.nan, 1.0]]), np.zeros((1, 2))), .5, 3, 4),
     ValueError, r"task.rewards must be finite"),
    ("group_advantages group_mean nan", lambda: grpo.group_advantages([np.nan, 1.], "group_mean"),
     ValueError, r"rewards must be finite"),
    ("group_advantages inf", lambda: grpo.group_advantages([np.inf, 0.]),
     ValueError, r"rewards must be finite.*inf"),
    ("ppo_clip_objective advantage nan", lambda: surrogates.ppo_clip_objective(1., np.nan),
     ValueError, r"advantage must be finite"),
    ("bandit_testbed mean nan", lambda: gradient_bandit.bandit_testbed(3, mean=np.nan),
     ValueError, r"mean must be a finite number, got nan"),
    ("bandit_gradient_samples baseline nan", lambda: gradient_bandit.bandit_gradient_samples(
        [1., 0.], [0., 0.], 10, baseline=np.nan),
     ValueError, r"baseline must be a finite number, got nan"),
    ("monte_carlo_q one episode", lambda: pg.monte_carlo_q(CORR, np.full((4, 2), .5), 1),
     ValueError, r"n_episodes must be an integer >= 2, got 1"),
    ("mean_and_band no runs", lambda: stats.mean_and_band(np.ones((0, 5))),
     ValueError, r"x must hold at least one run"),
    # -- silently wrong -----------------------------------------------------------------------
    ("gradient_ascent scalar gradient", lambda: pg.gradient_ascent(lambda th: 1.0, [0., 0.], .1, 3),
     TypeError, r"grad\(theta\) must return an array of shape \(2,\)"),
    ("first_action=-1", lambda: pg.sample_episodes(CORR, np.full((4, 2), .5), 3, start_state=0, first_action=-1),
     ValueError, r"first_action must be an integer >= 0 and <= 1, got -1"),
    ("first_action=1.7", lambda: pg.sample_episodes(CORR, np.full((4, 2), .5), 3, start_state=0, first_action=1.7),
     TypeError, r"first_action must be an integer, got 1.7"),
    ("n_episodes=2.7", lambda: pg.sample_episodes(CORR, np.full((4, 2), .5), 2.7),
     TypeError, r"n_episodes must be an integer, got 2.7"),
    ("tabular(2.5, 2)", lambda: pg.SoftmaxPolicy.tabular(2.5, 2),
     TypeError, r"n_states must be an integer, got 2.5"),
    ("tabular(0, 2)", lambda: pg.SoftmaxPolicy.tabular(0, 2),
     ValueError, r"n_states must be an integer >= 1, got 0"),
    ("softmax complex", lambda: pg.softmax([1 + 2j, 3]),
     TypeError, r"preferences must contain real numbers"),
    ("numerical_gradient eps=1e-300", lambda: pg.numerical_gradient(lambda x: float(x @ x), [1., 2.], eps=1e-300),
     ValueError, r"eps must be at least .*got 1e-300"),
    # -- unhelpful messages -------------------------------------------------------------------
    ("softmax([])", lambda: pg.softmax([]), ValueError, r"preferences must have at least 1 entries"),
    ("MDP terminal=1", lambda: pg.MDP(**_mdp_kwargs(terminal=1)),
     TypeError, r"terminal must be a sequence of state indices .*got 1"),
    ("temperature=None", lambda: pg.softmax([1., 2.], temperature=None),
     TypeError, r"temperature must be a real number, got None"),
    ("max_steps=None", lambda: pg.sample_episodes(CORR, np.full((4, 2), .5), 3, max_steps=None),
     TypeError, r"max_steps must be an integer, got None"),
    ("evaluate(None, pi)", lambda: pg.evaluate(None, np.full((4, 2), .5)),
     TypeError, r"mdp must be a pgcore.MDP, got None"),
    ("performance(None, ...)", lambda: pg.performance(None, CPOL, [0., 0.]),
     TypeError, r"mdp must be a pgcore.MDP"),
    ("performance policy None", lambda: pg.performance(CORR, None, [0., 0.]),
     TypeError, r"policy must be a pgcore.SoftmaxPolicy"),
    ("gradient_ascent grad None", lambda: pg.gradient_ascent(lambda th: None, [0., 0.], .1, 3),
     TypeError, r"grad\(theta\) must return an array of shape \(2,\) .*got None"),
    ("gradient_ascent grad not callable", lambda: pg.gradient_ascent(3, [0., 0.], .1, 3),
     TypeError, r"grad must be a function"),
    ("performance nearly endless", lambda: pg.performance(CORR, CPOL, [0., -30.]),
     ValueError, r"expected to last about 4.29e\+13 steps"),
]


@pytest.mark.parametrize("call, exc, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_reproducer_is_refused_clearly(call, exc, pattern):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(exc, match=pattern):
            call()


def test_performance_near_endless_does_not_claim_no_terminal_state():
    """pi(right) = 9.4e-14 > 0: a terminal state *is* reachable; the message must not say otherwise."""
    with pytest.raises(ValueError) as err:
        pg.performance(CORR, CPOL, [0., -30.])
    assert "no terminal state" not in str(err.value)
    assert "trapped" not in str(err.value)


@pytest.mark.parametrize("max_steps", [2**62, 2**61, 10**12])
def test_huge_max_steps_runs_like_numpy(max_steps):
    """The C kernel's buffers grow with the episode: no size_t wrap, no MemoryError, numpy's numbers."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = {b: al.reinforce(CORR, CPOL, TH05, .01, 3, n_runs=2, seed=1, max_steps=max_steps, backend=b)
               for b in (["c", "numpy"] if al.kernel_backend() == "c" else ["numpy"])}
    ref = out["numpy"]
    assert not ref.truncated.any()
    for res in out.values():
        np.testing.assert_array_equal(res.lengths, ref.lengths)
        np.testing.assert_array_equal(res.theta, ref.theta)


def test_slow_but_ending_policy_is_still_sampled():
    pi = np.array([[0.5, 0.5]] * 4)
    ep = pg.sample_episodes(CORR, pi, 50, seed=0, start_state=0, first_action=1)
    assert ep.lengths.min() >= 1


def test_softmax_still_accepts_what_it_did():
    np.testing.assert_allclose(pg.softmax([1000.0, -1000.0]), [1.0, 0.0])
    assert pg.softmax(np.array([[1, 2], [3, 4]])).shape == (2, 2)


# -- the helpers themselves ------------------------------------------------------------------

@pytest.mark.parametrize("bad, exc", [(True, TypeError), (2.5, TypeError), (math.nan, ValueError),
                                      (math.inf, ValueError), ("3", TypeError), (None, TypeError),
                                      (0, ValueError), (2 + 0j, TypeError)])
def test_integer_refuses(bad, exc):
    with pytest.raises(exc, match="n_runs"):
        v.integer(bad, "n_runs", minimum=1)


def test_integer_accepts_integral_values():
    assert v.integer(np.int64(5), "n") == 5
    assert v.integer(4.0, "n") == 4
    assert v.integer(np.array(7), "n") == 7
    assert type(v.integer(np.int32(3), "n")) is int


@pytest.mark.parametrize("bad, exc", [(math.nan, ValueError), (-math.inf, ValueError), ("0.1", TypeError),
                                      (1j, TypeError), (False, TypeError), ([0.1], TypeError)])
def test_real_refuses(bad, exc):
    with pytest.raises(exc, match="alpha"):
        v.real(bad, "alpha")


def test_real_range():
    assert v.real(0, "a", minimum=0) == 0.0
    with pytest.raises(ValueError, match=r"a must be a finite number > 0, got 0"):
        v.real(0, "a", minimum=0, strict=True)
    with pytest.raises(ValueError, match=r"<= 1"):
        v.real(1.5, "a", maximum=1)


@pytest.mark.parametrize("bad, exc", [([[1, 2], [3]], TypeError), (["a", "b"], TypeError), (None, TypeError),
                                      ([1j], TypeError), ([np.nan], ValueError), ([object()], TypeError)])
def test_array_refuses(bad, exc):
    with pytest.raises(exc, match="x "):
        v.array(bad, "x")


def test_array_shape_with_wildcard():
    assert v.array(np.zeros((3, 2)), "x", shape=(None, 2)).shape == (3, 2)
    with pytest.raises(ValueError, match=r"x must have shape \(n, 3\), got shape \(3, 2\)"):
        v.array(np.zeros((3, 2)), "x", shape=(None, 3))


def test_array_returns_a_copy():
    a = np.zeros(3)
    b = v.array(a, "a")
    b[0] = 1
    assert a[0] == 0


def test_probabilities():
    v.probabilities([[0.5, 0.5], [1.0, 0.0]], "pi")
    with pytest.raises(ValueError, match=r"pi must sum to 1 .*\[1\]"):
        v.probabilities([[0.5, 0.5], [1.0, 0.5]], "pi")
    with pytest.raises(ValueError, match="pi must be >= 0"):
        v.probabilities([1.5, -0.5], "pi")


def test_choice_and_callable():
    with pytest.raises(ValueError, match="update must be one of 'episode', 'step', got 'epsiode'"):
        v.choice("epsiode", "update", ("episode", "step"))
    with pytest.raises(ValueError, match="update"):
        v.choice(np.array(["episode", "x"]), "update", ("episode", "step"))
    with pytest.raises(TypeError, match="f must be a function"):
        v.callable_arg(None, "f")


def test_finite_result():
    assert v.finite_result(np.ones(2), "x") is not None
    with pytest.raises(ValueError, match="the values are not finite"):
        v.finite_result(np.array([np.nan]), "the values")
