"""Tests for pgcore.tiny_lm: the model's gradients against finite differences, sampling, sequences."""

import numpy as np
import pytest

from pgcore import tiny_lm as lm


def _small(seed=0, context=4, embed=3, hidden=5):
    p = lm.init_params(context, embed=embed, hidden=hidden, seed=seed)
    rng = np.random.default_rng(seed + 100)
    for k in p:  # random biases too, so that every term of the gradient is exercised
        p[k] = p[k] + 0.3 * rng.normal(size=p[k].shape)
    return p


def _objective(p, ctx, y, w):
    return float((w * lm.token_logprobs(p, ctx, y)).sum())


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_finite_differences(seed):
    rng = np.random.default_rng(seed)
    p = _small(seed)
    ctx = rng.integers(0, len(lm.VOCAB), (7, 4)).astype(np.intp)
    ctx[0] = ctx[1]  # a token repeated across rows and positions: the embedding gradient must add up
    ctx[2, :] = 3
    y = rng.integers(0, lm.PAD, 7).astype(np.intp)  # any token but padding
    w = rng.normal(size=7)
    _, g = lm.weighted_logprob_grad(p, ctx, y, w)
    h = 1e-6
    for k in p:
        num = np.zeros_like(p[k])
        for i in np.ndindex(p[k].shape):
            old = p[k][i]
            p[k][i] = old + h
            up = _objective(p, ctx, y, w)
            p[k][i] = old - h
            down = _objective(p, ctx, y, w)
            p[k][i] = old
            num[i] = (up - down) / (2 * h)
        np.testing.assert_allclose(g[k], num, atol=1e-7, rtol=1e-5, err_msg=k)
    assert np.abs(g["E"]).max() > 1e-3 and np.abs(g["W1"]).max() > 1e-3


def test_probabilities_sum_to_one_and_pad_never_predicted():
    p = _small(3, context=6)
    ctx = np.random.default_rng(0).integers(0, len(lm.VOCAB), (5, 6))
    logits, _ = lm.forward(p, ctx)
    q = np.exp(logits - logits.max(1, keepdims=True))
    q /= q.sum(1, keepdims=True)
    assert q[:, lm.PAD].max() == 0.0
    all_lp = np.stack([lm.token_logprobs(p, ctx, np.full(5, t)) for t in range(lm.PAD)], axis=1)
    np.testing.assert_allclose(np.exp(all_lp).sum(axis=1), 1.0, atol=1e-12)


def test_sequence_logprob_is_product_of_conditionals():
    p = _small(4, context=7)
    prompt = lm.encode("12+3=")[None]
    ans = lm.encode("51$")[None]
    tok, seq = lm.sequence_logprobs(p, prompt, ans)
    # direct: one forward per prefix, by hand
    direct = 0.0
    text = "12+3="
    for ch in "51$":
        ctx = lm.encode(text + "." * (7 - len(text)))[None]
        direct += lm.token_logprobs(p, ctx, [lm.TOKEN[ch]])[0]
        text += ch
    assert np.isclose(seq[0], direct)
    np.testing.assert_allclose(tok.sum(), direct)


def test_sampling_frequencies_match_the_model():
    """One-token answers: the empirical frequencies approach the model's probabilities, also at T != 1."""
    p = _small(5, context=3)
    prompt = lm.encode("1+2")[None]
    ctx = np.array([lm.encode("1+2")])
    logits, _ = lm.forward(p, ctx)
    for T in (1.0, 0.5):
        q = np.exp((logits[0] - logits[0].max()) / T)
        q /= q.sum()
        s = lm.sample(p, prompt, 40_000, max_len=1, temperature=T, seed=1)
        freq = np.bincount(s.answers[:, 0], minlength=len(lm.VOCAB)) / 40_000
        assert np.abs(freq - q).max() < 4 * np.sqrt(q.max() / 40_000) + 1e-3
    g = lm.sample(p, prompt, 3, max_len=1, temperature=0)
    assert (g.answers[:, 0] == np.argmax(logits[0])).all()


def test_sample_stops_at_end_token_and_masks():
    p = lm.init_params(8, seed=0)
    p["b2"][lm.EOS] = 50.0  # the model always ends at once
    s = lm.sample(p, lm.encode("1+2=")[None].repeat(2, 0), 3, max_len=5, seed=0)
    assert s.answers.shape == (6, 5)
    assert (s.answers[:, 0] == lm.EOS).all() and (s.answers[:, 1:] == lm.PAD).all()
    assert s.lengths.tolist() == [1] * 6
    assert s.prompt_index.dtype == np.intp and s.prompt_index.tolist() == [0, 0, 0, 1, 1, 1]


def test_answer_contexts_hide_the_future():
    c = lm.answer_contexts(lm.encode("9+9=")[None], lm.encode("81$")[None], 6)
    assert [lm.decode(r) for r in c[0]] == ["9+9=", "9+9=8", "9+9=81"]
    assert c.dtype == np.intp


def test_adam_first_step_has_size_lr_per_coordinate():
    p = {"a": np.zeros(3)}
    opt = lm.Adam(0.01)
    opt.step(p, {"a": np.array([5.0, -2.0, 1e-3])})
    np.testing.assert_allclose(p["a"], [0.01, -0.01, 0.01], rtol=1e-4)


@pytest.mark.parametrize("call, match", [
    (lambda p: lm.forward(p, [[1, 2]]), "window"),
    (lambda p: lm.forward(p, [[1.5, 2, 3, 4]]), "integer"),
    (lambda p: lm.forward(p, [[1, 2, 3, 99]]), r"\[0, 15\)"),
    (lambda p: lm.weighted_logprob_grad(p, [[1, 2, 3, 4]], [1], [np.nan]), "finite"),
    (lambda p: lm.weighted_logprob_grad(p, [[1, 2, 3, 4]], [1, 2], [1.0]), "one entry"),
    (lambda p: lm.sample(p, [[1, 2]], 0, 2), "n_samples"),
    (lambda p: lm.sample(p, [[1, 2]], 2, 2, temperature=-1), "temperature"),
    (lambda p: lm.sample(p, [[1, 2, 3]], 2, 5), "window"),
    (lambda p: lm.forward({"E": 1}, [[1, 2, 3, 4]]), "dict"),
])
def test_bad_inputs(call, match):
    p = lm.init_params(4, seed=0)
    with pytest.raises((ValueError, TypeError), match=match):
        call(p)


def test_encode_rejects_unknown_characters():
    with pytest.raises(ValueError, match="outside the vocabulary"):
        lm.encode("1*2")
    with pytest.raises(TypeError):
        lm.encode(12)
    with pytest.raises(ValueError):
        lm.Adam(0.0)
