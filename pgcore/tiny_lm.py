r"""A tiny autoregressive language model in numpy (chapter 13, "GRPO on a tiny language model").

The model reads a fixed window of ``W`` token positions (the prompt and the
answer written so far, the rest filled with a padding token), looks up an
embedding of every position, concatenates them, and passes them through one
hidden layer:

.. math::
    x = [E_{c_1}, \dots, E_{c_W}], \qquad
    h = \tanh(x W_1 + b_1), \qquad
    \pi(\cdot \mid c) = \operatorname{softmax}(h W_2 + b_2).

Because every position has its own rows of :math:`W_1`, the window also says
*where* each token is: no separate position embedding is needed. The padding
token is never predicted (its logit is fixed at :math:`-10^9`).

Everything is plain numpy (no threads, no scipy, index arrays as ``np.intp``)
so that it runs in the in-browser edition too. The gradients are written out
by hand in :func:`backward`, one line per layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._common import _positive_int
from ._validate import allocation
from ._validate import seed as _seed

__all__ = [
    "VOCAB", "PAD", "EOS", "TOKEN", "encode", "decode",
    "init_params", "forward", "backward", "token_logprobs", "weighted_logprob_grad",
    "answer_contexts", "sequence_logprobs", "sample", "Samples", "Adam", "n_params",
]

#: The vocabulary: ten digits, two operators, "=", end of answer "$" and padding ".".
VOCAB = tuple("0123456789") + ("+", "-", "=", "$", ".")
#: Index of every token.
TOKEN = {t: i for i, t in enumerate(VOCAB)}
#: End of answer and padding.
EOS, PAD = TOKEN["$"], TOKEN["."]

_NAMES = ("E", "W1", "b1", "W2", "b2")


def encode(text):
    """Token indices of a string, one character per token.

    Examples
    --------
    >>> encode("12+7=")
    array([ 1,  2, 10,  7, 12])
    >>> decode(encode("12+7=91$"))
    '12+7=91$'
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    bad = sorted(set(text) - set(VOCAB))
    if bad:
        raise ValueError(f"text {text!r} has characters {bad} outside the vocabulary {''.join(VOCAB)}")
    return np.array([TOKEN[c] for c in text], dtype=np.intp)


def decode(ids):
    """The string of a sequence of token indices (padding dropped)."""
    ids = np.asarray(ids)
    if ids.dtype.kind not in "iu" or ((ids < 0) | (ids >= len(VOCAB))).any():
        raise ValueError(f"ids must be integers in [0, {len(VOCAB)}), got {ids!r}")
    return "".join(VOCAB[int(i)] for i in ids.ravel() if int(i) != PAD)


def _check_params(params):
    if not isinstance(params, dict) or any(k not in params for k in _NAMES):
        raise TypeError(f"params must be a dict with keys {_NAMES} (see init_params)")
    return params


def init_params(context, embed=8, hidden=64, vocab=len(VOCAB), seed=None):
    r"""Random parameters of the model: a dict of arrays ``E, W1, b1, W2, b2``.

    Parameters
    ----------
    context : int
        The window :math:`W`: how many token positions the model reads.
    embed, hidden : int
        Embedding size :math:`d` and hidden layer width :math:`H`.
    vocab : int
        Vocabulary size :math:`V` (default: :data:`VOCAB`).
    seed : int or numpy.random.Generator, optional

    Examples
    --------
    >>> p = init_params(context=4, embed=3, hidden=5, seed=0)
    >>> {k: v.shape for k, v in p.items()}
    {'E': (15, 3), 'W1': (12, 5), 'b1': (5,), 'W2': (5, 15), 'b2': (15,)}
    >>> n_params(p)
    200
    """
    W = _positive_int(context, "context")
    d = _positive_int(embed, "embed")
    H = _positive_int(hidden, "hidden")
    V = _positive_int(vocab, "vocab", minimum=2)
    allocation(f"init_params(context={W}, embed={d}, hidden={H}): W1", W * d, H)
    allocation(f"init_params(embed={d}, hidden={H}, vocab={V}): E and W2", max(V * d, H * V))
    rng = np.random.default_rng(_seed(seed))
    return {
        "E": rng.normal(0.0, 1.0, (V, d)),
        "W1": rng.normal(0.0, 1.0 / np.sqrt(W * d), (W * d, H)),
        "b1": np.zeros(H),
        "W2": rng.normal(0.0, 1.0 / np.sqrt(H), (H, V)),
        "b2": np.zeros(V),
    }


def n_params(params):
    """Total number of parameters."""
    return int(sum(np.size(v) for v in _check_params(params).values()))


def _check_contexts(params, contexts):
    c = np.asarray(contexts)
    V, d = params["E"].shape
    W = params["W1"].shape[0] // d
    if c.dtype.kind not in "iu":
        raise TypeError(f"contexts must be integer token indices, got dtype {c.dtype}")
    if c.ndim < 1 or c.shape[-1] != W:
        raise ValueError(f"contexts must have last axis of length {W} (the model's window), got shape {c.shape}")
    if c.size and (c.min() < 0 or c.max() >= V):
        raise ValueError(f"contexts must hold token indices in [0, {V}), got values in [{c.min()}, {c.max()}]")
    return c.astype(np.intp, copy=False)


def forward(params, contexts):
    r"""Logits of the next token for every context, and what :func:`backward` needs.

    Parameters
    ----------
    params : dict
        From :func:`init_params`.
    contexts : array_like of int, shape (N, W)
        Token indices of the window, one row per prediction.

    Returns
    -------
    logits : numpy.ndarray, shape (N, V)
    cache : tuple
        ``(contexts, x, h)`` for :func:`backward`.

    Examples
    --------
    >>> p = init_params(context=3, seed=0)
    >>> logits, _ = forward(p, [[1, 2, 3], [4, 5, 6]])
    >>> logits.shape
    (2, 15)
    """
    _check_params(params)
    c = _check_contexts(params, contexts).reshape(-1, params["W1"].shape[0] // params["E"].shape[1])
    x = params["E"][c].reshape(c.shape[0], -1)          # (N, W d): the embeddings side by side
    h = np.tanh(x @ params["W1"] + params["b1"])          # (N, H): the hidden layer
    logits = h @ params["W2"] + params["b2"]              # (N, V)
    if logits.shape[1] == len(VOCAB):
        logits[:, PAD] = -1e9                             # padding is never a next token
    return logits, (c, x, h)


def _log_softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def backward(params, cache, dlogits):
    r"""Gradient of a scalar :math:`L` with respect to every parameter, given :math:`\partial L/\partial\,\text{logits}`.

    Backpropagation, layer by layer, from the output down:

    .. math::
        \nabla W_2 = h^\top g,\quad \nabla b_2 = \textstyle\sum_n g_n,\quad
        g_h = g W_2^\top \odot (1 - h^2),\quad
        \nabla W_1 = x^\top g_h,\quad \nabla b_1 = \textstyle\sum_n g_{h,n},

    and the gradient of :math:`x = g_h W_1^\top` added to the embedding row of
    the token at each position.

    Examples
    --------
    >>> import numpy as np
    >>> p = init_params(context=2, seed=0)
    >>> logits, cache = forward(p, [[1, 2]])
    >>> g = backward(p, cache, np.ones_like(logits))
    >>> sorted(g) == sorted(p) and all(g[k].shape == p[k].shape for k in p)
    True
    """
    c, x, h = cache
    g = np.asarray(dlogits, dtype=float).reshape(h.shape[0], -1)
    grads = {"W2": h.T @ g, "b2": g.sum(axis=0)}
    gh = (g @ params["W2"].T) * (1.0 - h * h)             # back through tanh
    grads["W1"] = x.T @ gh
    grads["b1"] = gh.sum(axis=0)
    gx = (gh @ params["W1"].T).reshape(c.shape + (params["E"].shape[1],))  # (N, W, d)
    flat, gx = c.ravel(), gx.reshape(-1, gx.shape[-1])
    V = params["E"].shape[0]
    # each position adds its gradient to the row of its token (np.add.at, but faster)
    grads["E"] = np.stack([np.bincount(flat, weights=gx[:, k], minlength=V) for k in range(gx.shape[1])], axis=1)
    return grads


def token_logprobs(params, contexts, targets):
    r"""Log-probabilities :math:`\ln \pi(y_n \mid c_n)` of the tokens ``targets`` after ``contexts``.

    Examples
    --------
    >>> import numpy as np
    >>> p = init_params(context=2, seed=0)
    >>> lp = token_logprobs(p, [[1, 2], [1, 2]], [3, 4])
    >>> lp.shape, bool((lp < 0).all())
    ((2,), True)
    """
    logits, _ = forward(params, contexts)
    y = _check_targets(targets, logits.shape)
    return _log_softmax(logits)[np.arange(y.size, dtype=np.intp), y]


def _check_targets(targets, shape):
    y = np.asarray(targets)
    if y.dtype.kind not in "iu":
        raise TypeError(f"targets must be integer token indices, got dtype {y.dtype}")
    y = y.reshape(-1).astype(np.intp)
    if y.size != shape[0]:
        raise ValueError(f"targets must have one entry per context ({shape[0]}), got {y.size}")
    if y.size and (y.min() < 0 or y.max() >= shape[1]):
        raise ValueError(f"targets must be token indices in [0, {shape[1]})")
    return y


def weighted_logprob_grad(params, contexts, targets, weights):
    r"""The weighted sum of token log-probabilities and its gradient.

    .. math::
        L(\theta) = \sum_n w_n \ln \pi_\theta(y_n \mid c_n), \qquad
        \frac{\partial L}{\partial\,\text{logits}_n} = w_n\,(\mathbb 1_{y_n} - \pi_\theta(\cdot \mid c_n)).

    Every gradient of the chapter is of this form: supervised learning has
    :math:`w_n = 1/N`; a policy gradient has the advantage (times a length
    weight, a ratio, ...) as :math:`w_n`.

    Returns
    -------
    logp : numpy.ndarray, shape (N,)
        :math:`\ln \pi_\theta(y_n \mid c_n)`.
    grads : dict
        :math:`\nabla_\theta L`, one array per parameter.

    Examples
    --------
    >>> import numpy as np
    >>> p = init_params(context=2, seed=0)
    >>> lp, g = weighted_logprob_grad(p, [[1, 2]], [3], [0.0])
    >>> float(np.abs(g["W1"]).max())
    0.0
    """
    logits, cache = forward(params, contexts)
    y = _check_targets(targets, logits.shape)
    w = np.asarray(weights, dtype=float).reshape(-1)
    if w.size != y.size:
        raise ValueError(f"weights must have one entry per context ({y.size}), got {w.size}")
    if not np.isfinite(w).all():
        raise ValueError("weights must be finite")
    logq = _log_softmax(logits)
    rows = np.arange(y.size, dtype=np.intp)
    dlogits = -np.exp(logq) * w[:, None]
    dlogits[rows, y] += w
    return logq[rows, y], backward(params, cache, dlogits)


# --------------------------------------------------------------------------
# sequences: prompts followed by answers
# --------------------------------------------------------------------------
def answer_contexts(prompts, answers, context):
    r"""The window the model reads before each answer token.

    Before answer token :math:`t` the window holds the prompt, the answer's
    first :math:`t` tokens, then padding, truncated to ``context`` positions.

    Parameters
    ----------
    prompts : array_like of int, shape (B, P)
    answers : array_like of int, shape (B, L)
    context : int
        The window :math:`W \ge P + L - 1`.

    Returns
    -------
    numpy.ndarray of intp, shape (B, L, W)

    Examples
    --------
    >>> c = answer_contexts(encode("1+2=")[None], encode("3$")[None], 5)
    >>> [decode(row) for row in c[0]]
    ['1+2=', '1+2=3']
    """
    pr = np.asarray(prompts, dtype=np.intp)
    an = np.asarray(answers, dtype=np.intp)
    if pr.ndim != 2 or an.ndim != 2 or pr.shape[0] != an.shape[0]:
        raise ValueError(f"prompts (B, P) and answers (B, L) must be 2-D with the same B, "
                         f"got {pr.shape} and {an.shape}")
    B, P = pr.shape
    L = an.shape[1]
    W = _positive_int(context, "context")
    if W < P + L - 1:
        raise ValueError(f"context must be at least P + L - 1 = {P + L - 1}, got {W}")
    seq = np.full((B, W + 1), PAD, dtype=np.intp)
    seq[:, :P] = pr
    seq[:, P:P + L] = an
    pos = np.arange(W, dtype=np.intp)
    t = np.arange(L, dtype=np.intp)
    visible = pos[None, :] < P + t[:, None]              # (L, W): what is written before token t
    return np.where(visible[None], seq[:, None, :W], PAD).astype(np.intp)


def answer_mask(answers):
    """True for the tokens of each answer up to and including its first end token ``$``.

    Examples
    --------
    >>> answer_mask(encode("12$..")[None]).astype(int)
    array([[1, 1, 1, 0, 0]])
    """
    an = np.asarray(answers)
    after = np.cumsum(an == EOS, axis=-1) - (an == EOS)  # number of "$" strictly before
    return after == 0


def sequence_logprobs(params, prompts, answers, mask=None):
    r"""Token log-probabilities of answers given prompts, and their sum per answer.

    .. math:: \ln \pi_\theta(o \mid q) = \sum_{t=1}^{|o|} \ln \pi_\theta(o_t \mid q, o_{<t})

    Parameters
    ----------
    prompts : array_like of int, shape (B, P)
    answers : array_like of int, shape (B, L)
    mask : array_like of bool, shape (B, L), optional
        Which tokens belong to the answer (default :func:`answer_mask`).

    Returns
    -------
    token_logp : numpy.ndarray, shape (B, L)
        0 outside the mask.
    seq_logp : numpy.ndarray, shape (B,)

    Examples
    --------
    >>> import numpy as np
    >>> p = init_params(context=5, seed=0)
    >>> tok, seq = sequence_logprobs(p, encode("1+2=")[None], encode("3$")[None])
    >>> bool(np.isclose(seq[0], tok.sum()))
    True
    """
    an = np.asarray(answers, dtype=np.intp)
    m = answer_mask(an) if mask is None else np.asarray(mask, dtype=bool)
    W = params["W1"].shape[0] // params["E"].shape[1]
    ctx = answer_contexts(prompts, an, W)
    lp = np.zeros(an.shape)
    lp[m] = token_logprobs(params, ctx[m], an[m])   # only the answer's own tokens
    return lp, lp.sum(axis=-1)


@dataclass(frozen=True)
class Samples:
    """Answers sampled by :func:`sample`.

    Attributes
    ----------
    prompt_index : numpy.ndarray of intp, shape (B,)
        Which prompt each answer answers (``B = n_prompts * n_samples``, prompt-major).
    answers : numpy.ndarray of intp, shape (B, L)
        Answer tokens, padded with ``PAD`` after the end token.
    mask : numpy.ndarray of bool, shape (B, L)
        The answer's tokens, up to and including its end token.
    """

    prompt_index: np.ndarray
    answers: np.ndarray
    mask: np.ndarray

    @property
    def lengths(self):
        """:math:`|o_i|`, the number of tokens of each answer (its end token included)."""
        return self.mask.sum(axis=-1)


def sample(params, prompts, n_samples, max_len, temperature=1.0, seed=None):
    r"""Sample ``n_samples`` answers to every prompt, all at once, token by token.

    At every step the model's next-token distribution at temperature
    :math:`T`, :math:`\operatorname{softmax}(\text{logits}/T)`, is sampled by
    inverse CDF for every unfinished answer; an answer ends at its first
    ``$`` or after ``max_len`` tokens. ``temperature=0`` picks the most
    probable token (greedy decoding).

    Parameters
    ----------
    params : dict
    prompts : array_like of int, shape (n_prompts, P)
    n_samples : int
        Answers per prompt (the group size :math:`G`).
    max_len : int
    temperature : float, default 1
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    Samples

    Examples
    --------
    >>> p = init_params(context=7, seed=0)
    >>> s = sample(p, encode("1+2=")[None], n_samples=3, max_len=4, seed=1)
    >>> s.answers.shape, s.prompt_index.tolist()
    ((3, 4), [0, 0, 0])
    """
    _check_params(params)
    pr = np.asarray(prompts)
    if pr.dtype.kind not in "iu" or pr.ndim != 2:
        raise ValueError(f"prompts must be a 2-D array of token indices, got {pr!r}")
    G = _positive_int(n_samples, "n_samples")
    L = _positive_int(max_len, "max_len")
    allocation(f"sample(n_samples={G}, max_len={L}) for {len(pr)} prompts", len(pr), G, L + pr.shape[1])
    T = float(temperature)
    if not (np.isfinite(T) and T >= 0):
        raise ValueError(f"temperature must be a finite number >= 0, got {temperature!r}")
    rng = np.random.default_rng(_seed(seed))
    d = params["E"].shape[1]
    W = params["W1"].shape[0] // d
    n, P = pr.shape
    if W < P + L - 1:
        raise ValueError(f"the model's window ({W}) is shorter than prompt + max_len - 1 = {P + L - 1}")
    idx = np.repeat(np.arange(n, dtype=np.intp), G)
    seq = np.full((n * G, W + 1), PAD, dtype=np.intp)
    seq[:, :P] = pr.astype(np.intp)[idx]
    done = np.zeros(n * G, dtype=bool)
    for t in range(L):
        u = rng.random(n * G)                 # one uniform per answer and step, finished or not
        live = np.flatnonzero(~done).astype(np.intp)
        logits, _ = forward(params, seq[live, :W])   # only the answers still being written
        if T == 0:
            tok = np.argmax(logits, axis=-1).astype(np.intp)
        else:
            q = np.exp(_log_softmax(logits / T))
            cdf = np.cumsum(q, axis=-1)
            tok = np.minimum((u[live, None] * cdf[:, -1:] >= cdf).sum(axis=-1), q.shape[1] - 1).astype(np.intp)
        seq[live, P + t] = tok
        done[live] |= tok == EOS
        if done.all():
            break
    answers = seq[:, P:P + L]
    return Samples(idx, answers, answer_mask(answers) & (answers != PAD))


class Adam:
    r"""The Adam optimiser (Kingma & Ba 2015) on a dict of parameter arrays, for *ascent*.

    ``step(params, grads)`` moves every array by
    :math:`\alpha\, \hat m / (\sqrt{\hat v} + \epsilon)` in the direction of
    ``grads`` and returns the size (Euclidean norm) of the whole move.

    Examples
    --------
    >>> import numpy as np
    >>> p = {"w": np.zeros(2)}
    >>> opt = Adam(0.1)
    >>> round(opt.step(p, {"w": np.array([3.0, -1e-3])}), 4)
    0.1414
    >>> np.round(p["w"], 4)
    array([ 0.1, -0.1])
    """

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        lr = float(lr)
        if not (np.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a positive finite number, got {lr!r}")
        for name, b in (("beta1", beta1), ("beta2", beta2)):
            if not 0 <= float(b) < 1:
                raise ValueError(f"{name} must lie in [0, 1), got {b!r}")
        self.lr, self.b1, self.b2, self.eps = lr, float(beta1), float(beta2), float(eps)
        self.m, self.v, self.t = {}, {}, 0

    def step(self, params, grads):
        self.t += 1
        sq = 0.0
        for k, g in grads.items():
            m = self.m[k] = self.b1 * self.m.get(k, 0.0) + (1 - self.b1) * g
            v = self.v[k] = self.b2 * self.v.get(k, 0.0) + (1 - self.b2) * g * g
            mhat = m / (1 - self.b1 ** self.t)
            vhat = v / (1 - self.b2 ** self.t)
            move = self.lr * mhat / (np.sqrt(vhat) + self.eps)
            params[k] += move
            sq += float((move * move).sum())
        return float(np.sqrt(sq))
