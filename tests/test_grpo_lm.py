"""Tests for the sequence-level GRPO of chapter 13 (pgcore.grpo's kl_k3 and losses, pgcore.grpo_lm)."""

import itertools

import numpy as np
import pytest

from pgcore import grpo, grpo_lm as gl, tiny_lm as lm
from pgcore.ppo import kl_divergence


# -------------------------------------------------------------- kl_k3
def test_kl_k3_is_unbiased_exactly_and_non_negative():
    rng = np.random.default_rng(0)
    for _ in range(20):
        pi = rng.dirichlet(np.ones(7))
        ref = rng.dirichlet(np.ones(7))
        k3 = grpo.kl_k3(np.log(pi), np.log(ref))  # one value per token y
        assert (k3 >= 0).all()
        assert np.isclose(np.sum(pi * k3), kl_divergence(pi, ref), atol=1e-12)
        # the naive estimate log pi - log ref has the same mean but negative values
        naive = np.log(pi) - np.log(ref)
        assert np.isclose(np.sum(pi * naive), kl_divergence(pi, ref))
    x = rng.normal(0, 5, 1000)
    assert (grpo.kl_k3(x, rng.normal(0, 5, 1000)) >= 0).all()
    assert grpo.kl_k3(-2.0, -2.0) == 0.0


def test_kl_k3_bad_input():
    with pytest.raises(ValueError, match="finite"):
        grpo.kl_k3([np.nan], [0.0])
    with pytest.raises(ValueError, match="broadcast"):
        grpo.kl_k3(np.zeros(2), np.zeros(3))
    with pytest.raises(TypeError, match="logp"):
        grpo.kl_k3(["a"], [0.0])


# -------------------------------------------------------------- advantages and weights
def test_sequence_advantages_against_direct_formulas():
    r = np.random.default_rng(1).integers(0, 2, (30, 5)).astype(float)
    for p, row in enumerate(r):
        m, s = row.mean(), row.std()
        want = (row - m) / s if s > 0 else np.zeros(5)
        np.testing.assert_allclose(grpo.sequence_advantages(r, "grpo")[p], want)
        loo = np.array([row[i] - np.delete(row, i).mean() for i in range(5)])
        np.testing.assert_allclose(grpo.sequence_advantages(r, "rloo")[p], loo, atol=1e-12)
        np.testing.assert_allclose(grpo.sequence_advantages(r, "group_mean")[p], row - m, atol=1e-12)
    np.testing.assert_allclose(grpo.sequence_advantages(r, "batch_mean"), r - r.mean())
    with pytest.raises(ValueError, match="method"):
        grpo.sequence_advantages(r, "ppo")
    with pytest.raises(ValueError, match="at least 2"):
        grpo.sequence_advantages(r[:, :1], "rloo")


def test_length_weights_direct():
    m = np.zeros((4, 6), bool)
    for i, n in enumerate([1, 3, 6, 2]):
        m[i, :n] = True
    np.testing.assert_allclose(grpo.length_weights(m, "sequence"), [1, 1 / 3, 1 / 6, 1 / 2])
    np.testing.assert_allclose(grpo.length_weights(m, "constant"), np.full(4, 1 / 6))
    np.testing.assert_allclose(grpo.length_weights(m, "constant", max_len=10), np.full(4, 0.1))
    with pytest.raises(ValueError, match="norm"):
        grpo.length_weights(m, "token")
    with pytest.raises(ValueError, match="boolean"):
        grpo.length_weights(m.astype(int))


# -------------------------------------------------------------- the clipped objective
def _direct_objective(lp, lo, lr, A, m, w, eps, beta):
    B = len(A)
    total = 0.0
    for i in range(B):
        for t in range(m.shape[1]):
            if not m[i, t]:
                continue
            rho = np.exp(lp[i, t] - lo[i, t])
            term = min(rho * A[i], np.clip(rho, 1 - eps, 1 + eps) * A[i])
            d = lr[i, t] - lp[i, t]
            term -= beta * (np.exp(d) - d - 1)
            total += w[i] * term
    return total / B


def test_surrogate_matches_direct_loops_and_its_gradient_matches_finite_differences():
    rng = np.random.default_rng(2)
    B, L = 6, 4
    m = np.zeros((B, L), bool)
    for i, n in enumerate(rng.integers(1, L + 1, B)):
        m[i, :n] = True
    lo = np.log(rng.uniform(0.05, 0.9, (B, L)))
    lp = lo + rng.normal(0, 0.4, (B, L))       # some ratios outside [0.8, 1.2]: clip active
    lr = np.log(rng.uniform(0.05, 0.9, (B, L)))
    A = rng.normal(size=B)
    w = grpo.length_weights(m)
    J, d = grpo.sequence_surrogate(lp, lo, A, m, w, clip=0.2, beta=0.1, logp_ref=lr)
    assert np.isclose(J, _direct_objective(lp, lo, lr, A, m, w, 0.2, 0.1))
    h = 1e-6
    num = np.zeros_like(lp)
    for i, t in zip(*np.nonzero(m)):
        e = np.zeros_like(lp)
        e[i, t] = h
        num[i, t] = (_direct_objective(lp + e, lo, lr, A, m, w, 0.2, 0.1)
                     - _direct_objective(lp - e, lo, lr, A, m, w, 0.2, 0.1)) / (2 * h)
    np.testing.assert_allclose(d, num, atol=1e-6)
    ratio = np.exp(lp - lo)
    assert ((np.abs(ratio - 1) > 0.2) & m).any()  # the clip was exercised
    assert (d[~m] == 0).all()


def test_surrogate_bad_inputs():
    m = np.ones((2, 3), bool)
    z = np.zeros((2, 3))
    with pytest.raises(ValueError, match="logp_ref"):
        grpo.sequence_surrogate(z, z, [1, 1], m, [1, 1], beta=0.1)
    with pytest.raises(ValueError, match="one entry per answer"):
        grpo.sequence_surrogate(z, z, [1], m, [1, 1])
    with pytest.raises(ValueError, match="same shape"):
        grpo.sequence_surrogate(z[:, :2], z, [1, 1], m, [1, 1])
    with pytest.raises(ValueError, match="clip"):
        grpo.sequence_surrogate(z, z, [1, 1], m, [1, 1], clip=-1)
    with pytest.raises(ValueError, match="beta"):
        grpo.sequence_surrogate(z, z, [1, 1], m, [1, 1], beta=-1)


# -------------------------------------------------------------- the sampled gradient vs its exact expectation
def _enumerate_answers(max_len):
    """Every answer of at most max_len tokens (non-padding tokens; stops at $)."""
    toks = [t for t in range(len(lm.VOCAB)) if t != lm.PAD]
    out = []
    for n in range(1, max_len + 1):
        for seq in itertools.product(toks, repeat=n):
            if any(s == lm.EOS for s in seq[:-1]):
                continue
            if n < max_len and seq[-1] != lm.EOS:
                continue
            out.append(list(seq) + [lm.PAD] * (max_len - n))
    return np.array(out, dtype=np.intp)


def test_sampled_grpo_gradient_at_theta_old_equals_its_exact_expectation():
    """One prompt, answers of at most 2 tokens (183 of them), G = 3, GRPO advantages, 1/|o| weights.

    Exact: E[g] = sum_o pi(o) w(o) grad log pi(o) c(r(o)), with c(r) = E[A_1 | r_1 = r] over the
    2^(G-1) reward patterns of the other answers; grad log pi(o) by finite differences.
    """
    G, L, W = 3, 2, 5
    p = lm.init_params(W, embed=2, hidden=3, seed=0)
    p["b2"][lm.EOS] += 1.0  # short answers are common
    prompt = lm.encode("1+2=")
    answers = _enumerate_answers(L)
    reward = (answers[:, 0] == lm.TOKEN["3"]).astype(float)  # right iff it starts with "3"
    prompts = np.repeat(prompt[None], len(answers), axis=0)
    _, seq = lm.sequence_logprobs(p, prompts, answers)
    pi = np.exp(seq)
    assert np.isclose(pi.sum(), 1.0)
    q = float(pi @ reward)
    mask = lm.answer_mask(answers) & (answers != lm.PAD)
    w = 1.0 / mask.sum(axis=1)

    def c(r1):
        total = 0.0
        for rest in itertools.product([0.0, 1.0], repeat=G - 1):
            rs = np.array((r1,) + rest)
            prob = np.prod([q if x else 1 - q for x in rest])
            a = (rs[0] - rs.mean()) / rs.std() if rs.std() > 0 else 0.0
            total += prob * a
        return total

    cr = np.array([c(r) for r in reward])
    exact = {}
    h = 1e-6
    for k in p:
        g = np.zeros_like(p[k])
        for i in np.ndindex(p[k].shape):
            old = p[k][i]
            p[k][i] = old + h
            up = lm.sequence_logprobs(p, prompts, answers)[1]
            p[k][i] = old - h
            down = lm.sequence_logprobs(p, prompts, answers)[1]
            p[k][i] = old
            g[i] = np.sum(pi * w * cr * (up - down) / (2 * h))
        exact[k] = g

    # sampled: the training code's path, many groups at a time
    n_groups, n_batches = 2000, 30
    rng = np.random.default_rng(1)
    est = []
    for _ in range(n_batches):
        s = lm.sample(p, prompt[None].repeat(n_groups, 0), G, L, seed=rng)
        r = (s.answers[:, 0] == lm.TOKEN["3"]).astype(float)
        A = grpo.sequence_advantages(r.reshape(n_groups, G), "grpo").reshape(-1)
        wt = grpo.length_weights(s.mask, "sequence")
        ctx = lm.answer_contexts(prompt[None].repeat(n_groups * G, 0), s.answers, W)
        _, grads, _ = gl.surrogate_gradient(p, ctx, s.answers, s.mask, A, wt, clip=0.2, beta=0.0)
        est.append(np.concatenate([grads[k].ravel() for k in p]))
    est = np.array(est)
    want = np.concatenate([exact[k].ravel() for k in p])
    se = est.std(axis=0, ddof=1) / np.sqrt(n_batches)
    z = (est.mean(axis=0) - want) / np.maximum(se, 1e-12)
    assert np.abs(want).max() > 10 * se.max()  # the test can tell a wrong expectation from noise
    assert np.abs(z).max() < 4.5


# -------------------------------------------------------------- the task and training
def test_verifiers_and_exact_accuracy():
    task = gl.addition_task(n_test=200)
    i = int(np.flatnonzero((task.operands == [47, 85]).all(axis=1))[0])
    assert lm.decode(task.answers[i]) == "231$"
    ans = np.stack([lm.encode(s.ljust(6, ".")) for s in ["231$", "2$", "2311$", "131$"]])
    assert gl.verify(task, [i] * 4, ans).tolist() == [1, 0, 0, 0]
    assert gl.verify(task, [i] * 4, ans, "units").tolist() == [1, 1, 1, 0]
    # exact accuracy vs a Monte Carlo estimate
    p = lm.init_params(task.context, seed=0)
    p["b2"][:10] += 2.0
    idx = task.test[:20]
    s = lm.sample(p, task.prompts[idx], 4000, task.max_len, seed=0)
    mc = gl.verify(task, idx[s.prompt_index], s.answers).mean()
    mcu = gl.verify(task, idx[s.prompt_index], s.answers, "units").mean()
    ex, exu = gl.accuracy(p, task, idx, verifier="both")
    assert abs(mc - ex) < 4 * np.sqrt(ex / 80_000) + 1e-4
    assert abs(mcu - exu) < 4 * np.sqrt(exu / 80_000)
    assert len(set(task.train) & set(task.test)) == 0


def test_train_lm_runs_and_reports():
    task = gl.addition_task(n_test=100)
    p = lm.init_params(task.context, hidden=16, seed=0)
    for method in gl.METHODS:
        r = gl.train_lm(task, p, method, n_iters=4, n_prompts=4, group_size=4, eval_every=2, seed=0)
        assert r.accuracy.shape == (3,) and r.kl.shape == (2,)
        assert r.step_norm >= 0 and np.isfinite(r.accuracy).all()
        assert not np.shares_memory(r.params["W1"], p["W1"])
    with pytest.raises(ValueError, match="method"):
        gl.train_lm(task, p, "ppo")
    with pytest.raises(ValueError, match="verifier"):
        gl.train_lm(task, p, verifier="half")
    with pytest.raises(ValueError, match="group_size"):
        gl.train_lm(task, p, group_size=1)


def test_task_functions_reject_bad_input():
    task = gl.addition_task(n_test=100)
    p = lm.init_params(task.context, hidden=8, seed=0)
    with pytest.raises(ValueError, match="prompt_index"):
        gl.verify(task, [10_000], task.answers[:1])
    with pytest.raises(TypeError, match="answers"):
        gl.verify(task, [0], task.answers[:1].astype(float))
    with pytest.raises(ValueError, match="which"):
        gl.accuracy(p, task, "valid")
    with pytest.raises(ValueError, match="digit_noise"):
        gl.noisy_answers(task, [0], digit_noise=2)
    with pytest.raises(ValueError, match="n_test"):
        gl.addition_task(n_test=10_000)
    with pytest.raises(ValueError, match="target"):
        gl.pretrain(task, target=1.5)
    with pytest.raises(TypeError, match="AdditionTask"):
        gl.pretrain("sums")


# -----------------------------------------------------------------------------
# the length bias of 1/|o_i|, exactly: grpo.length_bias_update / length_bias_toy
# -----------------------------------------------------------------------------
def _answer_probs(theta, L):
    """P(right) and P(wrong of length l), l = 1..L, by walking the tokens one at a time."""
    sig = lambda x: 1.0 / (1.0 + np.exp(-x))
    p = sig(theta[0])
    probs = []
    for length in range(1, L + 1):
        q = 1.0 - p
        for j in range(1, length):
            q *= sig(theta[j])
        if length < L:
            q *= 1.0 - sig(theta[length])
        probs.append(q)
    return p, np.array(probs)


@pytest.mark.parametrize("norm", ["sequence", "constant"])
@pytest.mark.parametrize("seed", [0, 1])
def test_length_bias_update_is_the_gradient_of_the_weighted_expected_advantage(norm, seed):
    # F(theta') = sum_o pi_theta'(o) A_theta(o) w(o), the advantages and weights held at theta:
    # its gradient at theta' = theta is the expected update, by finite differences.
    L, right_len = 6, 3
    theta = np.random.default_rng(seed).normal(size=L)
    p, _ = _answer_probs(theta, L)
    w_wrong = 1.0 / np.arange(1, L + 1) if norm == "sequence" else np.full(L, 1.0 / L)
    w_right = 1.0 / right_len if norm == "sequence" else 1.0 / L

    def F(t):
        pr, pw = _answer_probs(t, L)
        return pr * (1.0 - p) * w_right + np.sum(pw * (-p) * w_wrong)

    eps = 1e-6
    fd = np.array([(F(theta + eps * e) - F(theta - eps * e)) / (2 * eps) for e in np.eye(L)])
    g = grpo.length_bias_update(theta, norm, L, right_len)
    np.testing.assert_allclose(g, fd, atol=1e-8)


def test_length_bias_constant_weight_leaves_the_length_alone_and_1_over_length_grows_it():
    const = grpo.length_bias_toy("constant", n_steps=100)
    seq = grpo.length_bias_toy("sequence", n_steps=100)
    assert np.all(const.theta[:, 1:] == const.theta[0, 1:])        # exactly no change
    assert np.all(np.diff(seq.wrong_length) > 0)                  # grows at every step
    assert seq.wrong_length[-1] > seq.wrong_length[0] + 0.5
    assert const.p_right[-1] > const.p_right[0] and seq.p_right[-1] > seq.p_right[0]


def test_length_bias_toy_refuses_bad_input():
    with pytest.raises(ValueError, match="norm"):
        grpo.length_bias_update(np.zeros(6), "token")
    with pytest.raises(ValueError, match="theta"):
        grpo.length_bias_update(np.zeros(5), "sequence", max_len=6)
    with pytest.raises(ValueError, match="right_len"):
        grpo.length_bias_update(np.zeros(6), "sequence", right_len=7)
    with pytest.raises(ValueError, match="p_right"):
        grpo.length_bias_toy(p_right=1.0)
