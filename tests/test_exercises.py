"""Every checker accepts the reference solution and names each typical mistake."""

import numpy as np
import pytest

import pgcore as pg
from pgcore import exercises as ex


def verdict(capsys, checker, f):
    result = checker(f)
    out = capsys.readouterr().out
    assert out.count("\n") == 1, out  # one plain-words line, no traceback
    assert "Traceback" not in out
    return result, out


# -- references ---------------------------------------------------------------

def ref_softmax(h):
    z = np.exp(h - np.max(h, axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def ref_return(rewards, gamma):
    G = 0.0
    for r in reversed(rewards):
        G = r + gamma * G
    return G


def ref_performance(mdp, pi):
    keep = mdp.nonterminal
    P = np.einsum("sa,sat->st", pi, mdp.P)[np.ix_(keep, keep)]
    r = (pi * mdp.R).sum(axis=1)[keep]
    v = np.linalg.solve(np.eye(len(r)) - mdp.gamma * P, r)
    return float(mdp.start[keep] @ v)


def ref_policy_gradient(mdp, policy, theta):
    pi = policy.probs(theta)
    _, Q = pg.evaluate(mdp, pi)
    return np.einsum("s,sa,sad->d", pg.expected_visits(mdp, pi), Q, policy.grad_probs(theta))


def ref_eps_greedy(Q, epsilon):
    A = Q.shape[1]
    pi = np.full(Q.shape, epsilon / A)
    pi[np.arange(len(Q)), Q.argmax(axis=1)] += 1 - epsilon
    return pi


@pytest.mark.parametrize("checker, f", [
    (ex.check_softmax, ref_softmax),
    (ex.check_return, ref_return),
    (ex.check_performance, ref_performance),
    (ex.check_ascent_step, lambda theta, grad, alpha: theta + alpha * grad),
    (ex.check_policy_gradient, ref_policy_gradient),
    (ex.check_epsilon_greedy, ref_eps_greedy),
    (ex.check_group_advantages, lambda R: (R - R.mean(axis=1, keepdims=True)) / (R.std(axis=1, keepdims=True) + 1e-8)),
])
def test_reference_solutions_pass(capsys, checker, f):
    ok, out = verdict(capsys, checker, f)
    assert ok is True and out.startswith("Correct")


# -- typical mistakes -----------------------------------------------------------

def naive_softmax(h):
    return np.exp(h) / np.exp(h).sum(axis=-1, keepdims=True)


def wrong_axis_softmax(h):
    z = np.exp(h - np.max(h))
    return z / z.sum(axis=0)


def whole_table_softmax(h):
    z = np.exp(h - np.max(h))
    return z / z.sum()


def no_gamma_return(rewards, gamma):
    return sum(rewards)


def off_by_one_return(rewards, gamma):
    return sum(gamma ** (k + 1) * r for k, r in enumerate(rewards))


def skips_last_reward(rewards, gamma):
    return sum(gamma ** k * r for k, r in enumerate(rewards[:-1]))


def no_gamma_performance(mdp, pi):
    from pgcore.mdp import MDP
    return ref_performance(MDP(mdp.P, mdp.R, mdp.start, 1.0, mdp.terminal), pi)


def sign_performance(mdp, pi):
    return -ref_performance(mdp, pi)


def mu_gradient(mdp, policy, theta):
    pi = policy.probs(theta)
    _, Q = pg.evaluate(mdp, pi)
    return np.einsum("s,sa,sad->d", pg.state_distribution(mdp, pi), Q, policy.grad_probs(theta))


def undiscounted_visits_gradient(mdp, policy, theta):
    from pgcore.mdp import MDP
    pi = policy.probs(theta)
    _, Q = pg.evaluate(mdp, pi)
    eta = pg.expected_visits(MDP(mdp.P, mdp.R, mdp.start, 1.0, mdp.terminal), pi)
    return np.einsum("s,sa,sad->d", eta, Q, policy.grad_probs(theta))


def value_instead_of_q_gradient(mdp, policy, theta):
    pi = policy.probs(theta)
    V, _ = pg.evaluate(mdp, pi)
    return np.einsum("s,s,sad->d", pg.expected_visits(mdp, pi), V, policy.grad_probs(theta))


def eps_greedy_forgets_share(Q, epsilon):
    pi = np.full(Q.shape, epsilon / (Q.shape[1] - 1))
    pi[np.arange(len(Q)), Q.argmax(axis=1)] = 1 - epsilon
    return pi


@pytest.mark.parametrize("checker, f, phrase", [
    (ex.check_softmax, naive_softmax, "Subtract the largest preference"),
    (ex.check_softmax, wrong_axis_softmax, "wrong axis"),
    (ex.check_softmax, whole_table_softmax, "wrong axis"),
    (ex.check_return, no_gamma_return, "forgot gamma"),
    (ex.check_return, off_by_one_return, "off-by-one"),
    (ex.check_return, skips_last_reward, "off-by-one"),
    (ex.check_return, lambda r, g: -ref_return(r, g), "wrong sign"),
    (ex.check_performance, no_gamma_performance, "forgot gamma"),
    (ex.check_performance, sign_performance, "wrong sign"),
    (ex.check_ascent_step, lambda theta, grad, alpha: theta - alpha * grad, "sign error"),
    (ex.check_ascent_step, lambda theta, grad, alpha: alpha * grad, "add it to theta"),
    (ex.check_policy_gradient, lambda m, p, t: -ref_policy_gradient(m, p, t), "sign error"),
    (ex.check_policy_gradient, mu_gradient, "mu(s)"),
    (ex.check_policy_gradient, undiscounted_visits_gradient, "without discounting"),
    (ex.check_policy_gradient, value_instead_of_q_gradient, "use q(s, a)"),
    (ex.check_epsilon_greedy, eps_greedy_forgets_share, "can also pick it"),
    (ex.check_epsilon_greedy, lambda Q, e: ref_eps_greedy(Q.T, e).T if Q.shape[0] == Q.shape[1] else
        np.full(Q.shape, 1.0 / Q.shape[0]), "column"),
    (ex.check_group_advantages, lambda R: R - R.mean(axis=1, keepdims=True), "standard deviation"),
    (ex.check_group_advantages, lambda R: (R - R.mean(axis=1, keepdims=True)) / R.std(axis=1, keepdims=True), "NaN"),
    (ex.check_group_advantages, lambda R: (R - R.mean()) / (R.std() + 1e-8), "all prompts at once"),
    (ex.check_group_advantages, lambda R: (R - R.mean(axis=0)) / (R.std(axis=0) + 1e-8), "wrong axis"),
])
def test_typical_mistakes_are_named(capsys, checker, f, phrase):
    ok, out = verdict(capsys, checker, f)
    assert ok is False
    assert out.startswith("Not yet")
    assert phrase in out, out


def test_an_exception_becomes_a_sentence(capsys):
    def broken(h):
        return h / 0 if h.ndim == 2 else {}["missing"]
    ok, out = verdict(capsys, ex.check_softmax, broken)
    assert ok is False
    assert "stopped with KeyError" in out


def test_wrong_shape_is_reported(capsys):
    ok, out = verdict(capsys, ex.check_softmax, lambda h: np.array([1.0]))
    assert ok is False and "shape" in out
