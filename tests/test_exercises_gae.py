"""The chapter 9 exercise checker, check_gae: right answers pass, typical mistakes are named."""

import numpy as np
import pytest

from pgcore import exercises as ex


def ref(r, v, gamma, lam):
    T = len(r)
    out = np.zeros(T)
    for t in range(T):
        out[t] = sum((gamma * lam) ** k * (r[t + k] + gamma * v[t + k + 1] - v[t + k]) for k in range(T - t))
    return out


def backwards(r, v, gamma, lam, disc=None, td_gamma=None, end=None):
    disc = gamma * lam if disc is None else disc
    td_gamma = gamma if td_gamma is None else td_gamma
    v = np.array(v, dtype=float)
    if end is not None:
        v[-1] = end
    delta = r + td_gamma * v[1:] - v[:-1]
    out, acc = np.zeros(len(r)), 0.0
    for t in reversed(range(len(r))):
        acc = delta[t] + disc * acc
        out[t] = acc
    return out


def test_a_right_answer_passes(capsys):
    assert ex.check_gae(ref)
    assert "Correct" in capsys.readouterr().out
    assert ex.check_gae(lambda r, v, g, lam: backwards(r, v, g, lam))


MISTAKES = [
    (lambda r, v, g, lam: backwards(r, v, g, lam) + v[:-1], "lambda-returns"),
    (lambda r, v, g, lam: backwards(r, v, g, lam, disc=g), "gamma * lam"),
    (lambda r, v, g, lam: backwards(r, v, g, lam, td_gamma=1.0, disc=g * lam), "miss gamma"),
    (lambda r, v, g, lam: backwards(r, v, g, lam, end=0.0), "values[T]"),
    (lambda r, v, g, lam: r + g * v[1:] - v[:-1], "one-step TD errors"),
    (lambda r, v, g, lam: np.zeros(len(r) + 1), "shape"),
    (lambda r, v, g, lam: 1 / 0, "ZeroDivisionError"),
    (lambda r, v, g, lam: "advantages", "not an array"),
]


@pytest.mark.parametrize("wrong, words", MISTAKES)
def test_typical_mistakes_are_named(wrong, words, capsys):
    assert ex.check_gae(wrong) is False
    out = capsys.readouterr().out
    assert out.startswith("Not yet") and words in out, out


def test_summing_backwards_in_time_is_named(capsys):
    def forward(r, v, g, lam):
        delta = r + g * v[1:] - v[:-1]
        out, acc = np.zeros(len(r)), 0.0
        for t in range(len(r)):
            acc = delta[t] + g * lam * acc
            out[t] = acc
        return out
    assert ex.check_gae(forward) is False
    assert "earlier steps" in capsys.readouterr().out
