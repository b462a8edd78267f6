r"""GRPO on a tiny language model: addition, pretraining, and RL with a verifier (chapter 13).

The task is two-digit addition. A prompt is ``"47+85="``; the answer is the
sum written **units digit first**, as one adds by hand, then the end token:
``"231$"`` (132). Written that way, each digit depends only on the digits of
the prompt and the carry from the digit just written.

The model is :mod:`pgcore.tiny_lm`; the losses are in :mod:`pgcore.grpo`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import tiny_lm as lm
from ._common import _positive_int
from ._validate import INT64_MAX, allocation
from ._validate import seed as _seed
from .grpo import (LENGTH_NORMS, SEQUENCE_ADVANTAGES, kl_k3, length_weights, sequence_advantages,
                   sequence_surrogate)

__all__ = ["AdditionTask", "addition_task", "verify", "VERIFIERS", "accuracy", "noisy_answers", "pretrain",
           "METHODS", "surrogate_gradient", "train_lm", "LMTrainingResult", "show_answers"]

#: The verifiers: ``"true"`` checks the whole answer, ``"units"`` only its first digit.
VERIFIERS = ("true", "units")

#: The training methods of :func:`train_lm`: advantage rule and length normalisation.
METHODS = {
    "grpo": ("grpo", "sequence"),            # Shao et al. 2024
    "dr_grpo": ("group_mean", "constant"),   # Liu et al. 2025
    "rloo": ("rloo", "constant"),            # Ahmadian et al. 2024
    "reinforce": ("batch_mean", "constant"), # REINFORCE with the batch's mean reward as baseline
}


def _prompt_indices(task, idx, name):
    if not isinstance(task, AdditionTask):
        raise TypeError("task must be an AdditionTask (see addition_task)")
    a = np.asarray(idx)
    if a.dtype.kind not in "iu":
        raise TypeError(f"{name} must be integer prompt indices, got dtype {a.dtype}")
    a = a.reshape(-1).astype(np.intp)
    n = task.prompts.shape[0]
    if a.size and (a.min() < 0 or a.max() >= n):
        raise ValueError(f"{name} must lie in [0, {n}), got values in [{a.min()}, {a.max()}]")
    return a


@dataclass(frozen=True)
class AdditionTask:
    """Prompts and correct answers of the addition task, split into training and held-out prompts.

    Attributes
    ----------
    operands : numpy.ndarray of int, shape (N, 2)
    prompts : numpy.ndarray of intp, shape (N, 6)
    answers : numpy.ndarray of intp, shape (N, max_len)
        The correct answers (reversed digits, ``$``, padding).
    train, test : numpy.ndarray of intp
        Indices of the training and held-out prompts.
    max_len : int
        Longest answer the model may write (tokens, end token included).
    context : int
        The model's window: prompt length + ``max_len`` - 1.
    """

    operands: np.ndarray
    prompts: np.ndarray
    answers: np.ndarray
    train: np.ndarray
    test: np.ndarray
    max_len: int

    @property
    def context(self):
        return self.prompts.shape[1] + self.max_len - 1


def _answer_row(total, max_len):
    row = np.full(max_len, lm.PAD, dtype=np.intp)
    t = lm.encode(str(int(total))[::-1] + "$")
    row[:t.size] = t
    return row


def addition_task(n_test=1000, max_len=6, seed=0):
    """Every sum ``a+b`` of two-digit numbers (00 to 99), ``n_test`` of them held out.

    Examples
    --------
    >>> task = addition_task()
    >>> lm.decode(task.prompts[4785]), lm.decode(task.answers[4785])
    ('47+85=', '231$')
    >>> task.train.size, task.test.size, task.context
    (9000, 1000, 11)
    """
    n_test = _positive_int(n_test, "n_test")
    # an answer has at most 3 digits and the end token; longer is padding, up to 64 tokens
    max_len = _positive_int(max_len, "max_len", minimum=4, maximum=64)
    if n_test >= 10_000:
        raise ValueError(f"n_test must be below 10000 (the number of prompts), got {n_test}")
    a, b = np.divmod(np.arange(10_000), 100)
    ops = np.stack([a, b], axis=1)
    prompts = np.stack([lm.encode(f"{x:02d}+{y:02d}=") for x, y in ops])
    answers = np.stack([_answer_row(x + y, max_len) for x, y in ops])
    perm = np.random.default_rng(_seed(seed)).permutation(10_000).astype(np.intp)
    return AdditionTask(ops, prompts, answers, np.sort(perm[n_test:]), np.sort(perm[:n_test]), max_len)


def verify(task, prompt_index, answers, verifier="true"):
    r"""The 0/1 reward of sampled answers.

    * ``"true"``: 1 when the answer is exactly the sum's digits (units first)
      followed by the end token;
    * ``"units"``: a *flawed* verifier that checks only the answer's first
      token, the units digit. It cannot tell ``"2$"`` from ``"231$"``.

    Examples
    --------
    >>> import numpy as np
    >>> task = addition_task()
    >>> ans = np.stack([lm.encode(s + "." * (6 - len(s))) for s in ["231$", "2$", "23$"]])
    >>> verify(task, [4785] * 3, ans), verify(task, [4785] * 3, ans, "units")
    (array([1., 0., 0.]), array([1., 1., 1.]))
    """
    if verifier not in VERIFIERS:
        raise ValueError(f"verifier must be one of {VERIFIERS}, got {verifier!r}")
    idx = _prompt_indices(task, prompt_index, "prompt_index")
    ans = np.asarray(answers)
    if ans.dtype.kind not in "iu":
        raise TypeError(f"answers must be integer token indices, got dtype {ans.dtype}")
    if ans.shape != (idx.size, task.max_len):
        raise ValueError(f"answers must have shape ({idx.size}, {task.max_len}), got {ans.shape}")
    want = task.answers[idx]
    if verifier == "units":
        return (ans[:, 0] == want[:, 0]).astype(float)
    return (ans == want).all(axis=1).astype(float)


def accuracy(params, task, which="test", verifier="true"):
    r"""Expected reward on a set of prompts, computed exactly: no sampling.

    With the true verifier exactly one answer is right, so the expected
    accuracy at temperature 1 is the mean over prompts of
    :math:`\pi_\theta(o^\star \mid q) = \prod_t \pi_\theta(o^\star_t \mid q, o^\star_{<t})`;
    the flawed one accepts every answer that starts with the right digit,
    probability :math:`\pi_\theta(o^\star_1 \mid q)`. ``verifier="both"``
    returns the two, from one pass.

    Examples
    --------
    >>> task = addition_task()
    >>> p = lm.init_params(task.context, seed=0)
    >>> bool(0 < accuracy(p, task) < 0.01)
    True
    """
    if verifier not in VERIFIERS + ("both",):
        raise ValueError(f"verifier must be one of {VERIFIERS + ('both',)}, got {verifier!r}")
    if isinstance(which, str):
        if which not in ("test", "train"):
            raise ValueError(f"which must be 'test', 'train' or an index array, got {which!r}")
        idx = task.test if which == "test" else task.train
    else:
        idx = _prompt_indices(task, which, "which")
    ans = task.answers[idx]
    tok, seq = lm.sequence_logprobs(params, task.prompts[idx], ans)
    true, units = float(np.exp(seq).mean()), float(np.exp(tok[:, 0]).mean())
    return {"true": true, "units": units, "both": (true, units)}[verifier]


def noisy_answers(task, indices, digit_noise=0.3, ramble=0.2, seed=0):
    """Answers of a "pretraining corpus" with mistakes in it, as text scraped from anywhere has.

    Each digit of a correct answer is replaced by a random digit with
    probability ``digit_noise``, and with probability ``ramble`` the answer
    goes on with one or two extra random digits before its end token (a long
    wrong answer), cut at ``task.max_len`` tokens.

    Examples
    --------
    >>> task = addition_task()
    >>> a = noisy_answers(task, task.train[:2000], seed=0)
    >>> bool((a == task.answers[task.train[:2000]]).all(axis=1).mean() < 0.5)
    True
    """
    rng = np.random.default_rng(_seed(seed))
    idx = _prompt_indices(task, indices, "indices")
    for name, p in (("digit_noise", digit_noise), ("ramble", ramble)):
        if not 0 <= float(p) <= 1:
            raise ValueError(f"{name} must be a probability in [0, 1], got {p!r}")
    ans = task.answers[idx].copy()
    digit = ans < 10
    flip = (rng.random(ans.shape) < float(digit_noise)) & digit
    ans[flip] = rng.integers(0, 10, int(flip.sum()))
    L = task.max_len
    extra = np.where(rng.random(idx.size) < float(ramble), rng.integers(1, 3, idx.size), 0)
    for i in np.flatnonzero(extra):
        n = int((ans[i] < 10).sum())
        k = min(n + extra[i], L - 1)
        ans[i, n:k] = rng.integers(0, 10, k - n)
        ans[i, k] = lm.EOS
        ans[i, k + 1:] = lm.PAD
    return ans


def pretrain(task, n_examples=9000, target=0.15, max_steps=3000, batch=128, lr=1e-2, embed=8, hidden=64,
             eval_every=50, digit_noise=0.3, ramble=0.2, seed=0):
    r"""Supervised next-token learning on the first ``n_examples`` training prompts with their answers.

    The answers have mistakes in them (:func:`noisy_answers`). Adam ascends
    the mean log-likelihood of the answer tokens of random mini-batches; every ``eval_every`` steps the held-out accuracy
    (:func:`accuracy`) is measured, and training stops as soon as it reaches
    ``target``: a weak model, but not one at zero.

    Returns
    -------
    params : dict
    history : numpy.ndarray, shape (n_evals, 2)
        Step and held-out accuracy at every evaluation.
    """
    if not isinstance(task, AdditionTask):
        raise TypeError("task must be an AdditionTask (see addition_task)")
    n_examples = _positive_int(n_examples, "n_examples")
    batch = _positive_int(batch, "batch")
    allocation(f"pretrain(batch={batch}): a batch of contexts", batch, task.context)
    eval_every = _positive_int(eval_every, "eval_every")
    if n_examples > task.train.size:
        raise ValueError(f"n_examples must be at most {task.train.size}, got {n_examples}")
    if not 0 < float(target) < 1:
        raise ValueError(f"target must lie strictly between 0 and 1, got {target!r}")
    rng = np.random.default_rng(_seed(seed))
    params = lm.init_params(task.context, embed=embed, hidden=hidden, seed=rng)
    ex = task.train[:n_examples]
    answers = noisy_answers(task, ex, digit_noise, ramble, seed=rng)
    ctx = lm.answer_contexts(task.prompts[ex], answers, task.context)
    m = lm.answer_mask(answers)
    C, Y = ctx[m], answers[m]
    opt = lm.Adam(lr)
    history = []
    for step in range(_positive_int(max_steps, "max_steps", maximum=INT64_MAX) + 1):
        if step % eval_every == 0:
            acc = accuracy(params, task)
            history.append((step, acc))
            if acc >= target:
                break
        b = rng.integers(0, C.shape[0], batch).astype(np.intp)
        _, g = lm.weighted_logprob_grad(params, C[b], Y[b], np.full(batch, 1.0 / batch))
        opt.step(params, g)
    return params, np.array(history)


@dataclass(frozen=True)
class LMTrainingResult:
    """What :func:`train_lm` returns, one entry per evaluation (every ``eval_every`` iterations).

    Attributes
    ----------
    iters : numpy.ndarray of int
    accuracy : numpy.ndarray
        Held-out expected accuracy under the true verifier.
    flawed_accuracy : numpy.ndarray
        Held-out expected reward under the flawed (units-only) verifier.
    kl : numpy.ndarray
        Mean per-answer KL to the reference (sum of the k3 estimates over its tokens), on the training samples.
    length : numpy.ndarray
        Mean answer length of the samples.
    wrong_length : numpy.ndarray
        Mean length of the samples the verifier in use rejected (NaN when none).
    flat_groups : numpy.ndarray
        Fraction of groups whose G rewards were all equal (no learning signal).
    too_long : numpy.ndarray
        Fraction of the samples longer than any correct answer (more than 4 tokens:
        a sum of two-digit numbers has at most 3 digits), all of them wrong.
    reward : numpy.ndarray
        Mean reward of the samples (verifier in use).
    step_norm : float
        Mean size of the parameter change per batch.
    params : dict
        The final parameters.
    """

    iters: np.ndarray
    accuracy: np.ndarray
    flawed_accuracy: np.ndarray
    kl: np.ndarray
    length: np.ndarray
    wrong_length: np.ndarray
    flat_groups: np.ndarray
    too_long: np.ndarray
    reward: np.ndarray
    step_norm: float
    params: dict


def train_lm(task, params_ref, method="grpo", n_iters=100, n_prompts=16, group_size=8, lr=2e-3, inner_steps=4,
             clip=0.2, beta=0.04, verifier="true", length_norm=None, eval_every=10, seed=0):
    r"""Reinforcement learning of the pretrained model with a verifier, from ``params_ref``.

    Every iteration draws ``n_prompts`` training prompts, samples
    ``group_size`` answers to each at temperature 1
    (:func:`pgcore.tiny_lm.sample`), scores them with the verifier, computes
    the advantages of ``method`` (:data:`METHODS`) and then takes
    ``inner_steps`` Adam steps on the clipped objective
    :func:`pgcore.grpo.sequence_surrogate` of the same samples, with the KL
    penalty ``beta`` to the reference model ``params_ref``.

    ``"reinforce"`` and ``"rloo"`` are on-policy: they take one step per
    batch, of size ``lr * inner_steps``, so that every method moves its
    parameters about as far per batch (``step_norm`` reports it), without
    clip and without KL.

    Parameters
    ----------
    task : AdditionTask
    params_ref : dict
        The pretrained model: the start and the reference (it is not changed).
    method : {"grpo", "dr_grpo", "rloo", "reinforce"}
    n_iters, n_prompts, group_size : int
    lr : float
        Adam's step size.
    inner_steps : int
        Steps per batch (:math:`\mu` in Shao et al. 2024).
    clip : float
        :math:`\epsilon`.
    beta : float
        KL coefficient :math:`\beta`.
    verifier : {"true", "units"}
    length_norm : {"sequence", "constant"}, optional
        Overrides the method's own (:data:`METHODS`).
    eval_every : int
    seed : int or numpy.random.Generator, optional

    Returns
    -------
    LMTrainingResult
    """
    if not isinstance(task, AdditionTask):
        raise TypeError("task must be an AdditionTask (see addition_task)")
    if method not in METHODS:
        raise ValueError(f"method must be one of {tuple(METHODS)}, got {method!r}")
    if verifier not in VERIFIERS:
        raise ValueError(f"verifier must be one of {VERIFIERS}, got {verifier!r}")
    adv_rule, norm = METHODS[method]
    if length_norm is not None:
        if length_norm not in LENGTH_NORMS:
            raise ValueError(f"length_norm must be one of {LENGTH_NORMS}, got {length_norm!r}")
        norm = length_norm
    n_iters = _positive_int(n_iters, "n_iters", minimum=0)
    n_prompts = _positive_int(n_prompts, "n_prompts")
    G = _positive_int(group_size, "group_size", minimum=2)
    K = _positive_int(inner_steps, "inner_steps")
    every = _positive_int(eval_every, "eval_every")
    allocation(f"train_lm(n_prompts={n_prompts}, group_size={G}): the sampled answers' contexts",
               n_prompts, G, task.max_len, task.context)
    lm._check_params(params_ref)
    on_policy = method in ("reinforce", "rloo")
    if on_policy:
        K, clip, beta, step_lr = 1, 0.0, 0.0, float(lr) * _positive_int(inner_steps, "inner_steps")
    else:
        step_lr = float(lr)
    rng = np.random.default_rng(_seed(seed))
    params = {k: v.copy() for k, v in params_ref.items()}
    opt = lm.Adam(step_lr)
    W = task.context
    log = {k: [] for k in ("iters", "accuracy", "flawed_accuracy", "kl", "length", "wrong_length", "flat",
                           "too_long", "reward")}
    moves = []
    for it in range(n_iters + 1):
        if it % every == 0 or it == n_iters:
            log["iters"].append(it)
            acc, units = accuracy(params, task, verifier="both")
            log["accuracy"].append(acc)
            log["flawed_accuracy"].append(units)
        if it == n_iters:
            break
        q = task.train[rng.integers(0, task.train.size, n_prompts).astype(np.intp)]
        s = lm.sample(params, task.prompts[q], G, task.max_len, seed=rng)
        pidx = q[s.prompt_index]
        r = verify(task, pidx, s.answers, verifier)
        A = sequence_advantages(r.reshape(n_prompts, G), adv_rule).reshape(-1)
        w = length_weights(s.mask, norm, task.max_len)
        ctx = lm.answer_contexts(task.prompts[pidx], s.answers, W)
        rows = s.mask
        lp_ref = np.zeros(s.mask.shape)
        lp_ref[rows] = lm.token_logprobs(params_ref, ctx[rows], s.answers[rows])
        lp_old = None
        move = 0.0
        for _ in range(K):
            _, grads, lp = surrogate_gradient(params, ctx, s.answers, s.mask, A, w, lp_old, lp_ref, clip, beta)
            if lp_old is None:
                lp_old = lp
            move += opt.step(params, grads)
        moves.append(move)
        if it % every == 0:
            L = s.lengths
            seq_kl = np.zeros(s.mask.shape)
            seq_kl[rows] = kl_k3(lp_old[rows], lp_ref[rows])  # k3 at the sampling parameters
            log["kl"].append(float(seq_kl.sum(axis=1).mean()))
            log["length"].append(float(L.mean()))
            log["wrong_length"].append(float(L[r == 0].mean()) if (r == 0).any() else np.nan)
            rg = r.reshape(n_prompts, G)
            log["flat"].append(float((np.ptp(rg, axis=1) == 0).mean()))
            log["reward"].append(float(r.mean()))
            log["too_long"].append(float((L > 4).mean()))
    arr = {k: np.array(v, dtype=float) for k, v in log.items()}
    return LMTrainingResult(arr["iters"].astype(int), arr["accuracy"], arr["flawed_accuracy"], arr["kl"],
                            arr["length"], arr["wrong_length"], arr["flat"], arr["too_long"], arr["reward"],
                            float(np.mean(moves)) if moves else 0.0, params)


def surrogate_gradient(params, contexts, answers, mask, advantages, weights, logp_old=None, logp_ref=None,
                       clip=0.2, beta=0.0):
    r"""The clipped GRPO objective of a batch of answers and its gradient with respect to the parameters.

    The chain rule in two steps: :func:`pgcore.grpo.sequence_surrogate` gives
    :math:`\partial J/\partial \ell_{i,t}` for every token, and
    :func:`pgcore.tiny_lm.backward` carries it to the parameters through
    :math:`\partial \ell / \partial\,\text{logits} = \mathbb 1_y - \pi`.
    With ``logp_old=None`` the answers are taken as sampled by ``params``
    (:math:`\theta = \theta_\text{old}`, every ratio 1).

    Parameters
    ----------
    params : dict
    contexts : numpy.ndarray of intp, shape (B, L, W)
        From :func:`pgcore.tiny_lm.answer_contexts`.
    answers : numpy.ndarray of intp, shape (B, L)
    mask : numpy.ndarray of bool, shape (B, L)
    advantages, weights : numpy.ndarray, shape (B,)
    logp_old, logp_ref : numpy.ndarray, shape (B, L), optional
    clip, beta : float

    Returns
    -------
    objective : float
    grads : dict
    logp : numpy.ndarray, shape (B, L)
        Token log-probabilities under ``params`` (0 outside the mask).
    """
    rows = np.asarray(mask, dtype=bool)
    C, Y = contexts[rows], answers[rows]
    logits, cache = lm.forward(params, C)
    logq = logits - logits.max(axis=1, keepdims=True)
    logq -= np.log(np.exp(logq).sum(axis=1, keepdims=True))
    n = np.arange(Y.size, dtype=np.intp)
    lp = np.zeros(rows.shape)
    lp[rows] = logq[n, Y]
    old = lp if logp_old is None else logp_old
    J, dlp = sequence_surrogate(lp, old, advantages, rows, weights, clip=clip, beta=beta, logp_ref=logp_ref)
    wt = dlp[rows]
    dlogits = -np.exp(logq) * wt[:, None]
    dlogits[n, Y] += wt
    return J, lm.backward(params, cache, dlogits), lp


def show_answers(params, task, indices, n_samples=3, temperature=1.0, seed=0):
    """A few sampled answers to some prompts, as text, marked right (✓) or wrong (✗).

    Returns
    -------
    list of str
        One line per prompt: ``"47+85= 231$ ✓  23$ ✗ ..."``.
    """
    idx = _prompt_indices(task, indices, "indices")
    s = lm.sample(params, task.prompts[idx], n_samples, task.max_len, temperature=temperature, seed=seed)
    ok = verify(task, idx[s.prompt_index], s.answers)
    lines = []
    for k, i in enumerate(idx):
        parts = []
        for j in range(k * n_samples, (k + 1) * n_samples):
            parts.append(f"{lm.decode(s.answers[j]):<7s}{'✓' if ok[j] else '✗'}")
        lines.append(f"{lm.decode(task.prompts[i])} " + "  ".join(parts))
    return lines
