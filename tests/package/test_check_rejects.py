"""Every self-check fails on the plausible wrong answers to its exercise, and passes right ones.

For each check in ``crossent.check`` there is a list of wrong-but-plausible implementations,
the mistakes its exercise is about (a softmax shifted by the mean or the minimum, a maximum
over the whole batch, logarithms of clipped probabilities, a forgotten 1/m, an ignored
``axis``, the wrong base, ``np.nansum`` with its RuntimeWarnings, ...). Each must fail, at the
case named next to it, with a message that names the case and the likely cause or the warning.
Each check also has right implementations that must pass: at least one written here,
independently of ``crossent``, and ``crossent``'s own function.

The wrong implementations are deliberately left without ``np.errstate``: their warnings are
part of what the checks must see.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import crossent
from crossent import check

LN = math.log


def _f(x):
    return np.asarray(x, dtype=float)


# ---------------------------------------------------------------------------------------------
# Right implementations, written independently of crossent


def ref_self_information(p, base=math.e):
    return -math.log(p) / math.log(base)


def ref_self_information_numpy(p, base=math.e):
    return -np.log(p) / np.log(base)


def ref_entropy(p, base=math.e, axis=-1):
    p = _f(p)
    return -(p * np.log(np.where(p > 0, p, 1.0))).sum(axis=axis) / math.log(base)


def ref_entropy_loop(p, base=math.e):  # one distribution, plain Python: the axis cases are skipped
    return -sum(x * math.log(x, base) for x in p if x > 0)


def ref_binary_entropy(p, base=math.e):
    if p in (0.0, 1.0):
        return 0.0
    return -(p * math.log(p) + (1 - p) * math.log(1 - p)) / math.log(base)


def ref_softmax(z, axis=-1, temperature=1.0):
    z = _f(z) / temperature
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def ref_softmax_via_logsumexp(z, axis=-1, temperature=1.0):
    z = _f(z) / temperature
    return np.exp(z - np.expand_dims(ref_logsumexp(z, axis=axis), axis))


def ref_softmax_loop(z):  # one vector, plain Python: the axis and temperature cases are skipped
    m = max(z)
    e = [math.exp(x - m) for x in z]
    return [x / sum(e) for x in e]


def ref_logsumexp(z, axis=-1):
    z = _f(z)
    m = np.max(z, axis=axis, keepdims=True)
    return np.squeeze(m, axis=axis) + np.log(np.sum(np.exp(z - m), axis=axis))


def ref_log_softmax(z, axis=-1):
    z = _f(z)
    return z - np.expand_dims(ref_logsumexp(z, axis=axis), axis)


def ref_cross_entropy(p, q, base=math.e, axis=-1):
    p, q = _f(p), _f(q)
    with np.errstate(divide="ignore"):  # log 0 where p > 0: the answer is +inf, on purpose
        logs = np.log(np.where(p > 0, q, 1.0))
    return -(p * logs).sum(axis=axis) / math.log(base)


def ref_kl_divergence(p, q, base=math.e, axis=-1):
    p, q = _f(p), _f(q)
    safe_p = np.where(p > 0, p, 1.0)
    with np.errstate(divide="ignore"):  # log 0 where p > 0: the answer is +inf, on purpose
        logs = np.log(safe_p) - np.log(np.where(p > 0, q, 1.0))
    return (p * logs).sum(axis=axis) / math.log(base)


def ref_binary_cross_entropy(p, q, base=math.e, axis=-1):
    p, q = _f(p), _f(q)
    with np.errstate(divide="ignore"):
        yes = np.log(np.where(p > 0, q, 1.0))
        no = np.log1p(-np.where(p < 1, q, 0.0))
    return -(p * yes + (1 - p) * no).sum(axis=axis) / math.log(base)


def ref_softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    p = _f(labels)
    return -(p * ref_log_softmax(logits, axis=axis)).sum(axis=axis)


def ref_sparse_softmax_cross_entropy_with_logits(labels, logits):
    z = _f(logits)
    rows = np.arange(z.shape[0])
    return ref_logsumexp(z, axis=-1) - z[rows, np.asarray(labels)]


def ref_sigmoid_cross_entropy_with_logits(labels, logits):
    p, z = _f(labels), _f(logits)
    return np.logaddexp(0.0, z) - z * p  # softplus(z) - z p


def ref_sigmoid_cross_entropy_two_softplus(labels, logits):
    p, z = _f(labels), _f(logits)
    return p * np.logaddexp(0.0, -z) + (1 - p) * np.logaddexp(0.0, z)


def ref_softmax_cross_entropy_grad(labels, logits, axis=-1, reduction="none"):
    grad = ref_softmax(logits, axis=axis) - _f(labels)
    if reduction == "mean":
        grad = grad / (grad.size // grad.shape[axis])
    return grad


def ref_sigmoid_cross_entropy_grad(labels, logits):
    z = _f(logits)
    return 0.5 * (1.0 + np.tanh(z / 2)) - _f(labels)


def ref_sigmoid_grad_masked(labels, logits):
    z = _f(logits)
    e = np.exp(-np.abs(z))  # at most 1: never overflows
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e)) - _f(labels)


def _ref_sr_parts(X, labels, W, b, shift="row"):
    X, W, b = _f(X), _f(W), _f(b)
    Z = X @ W + b
    top = Z.max(axis=1, keepdims=True) if shift == "row" else (Z.max() if shift else 0.0)
    E = np.exp(Z - top)
    Q = E / E.sum(axis=1, keepdims=True)
    P = np.eye(W.shape[1])[np.asarray(labels)]
    return X, Q, P


def ref_softmax_regression_gradients(X, labels, W, b):
    X, Q, P = _ref_sr_parts(X, labels, W, b)
    G = (Q - P) / len(X)
    return X.T @ G, G.sum(axis=0)


def ref_softmax_regression_loop(X, labels, W, b):  # one example at a time, plain loops
    dW, db = np.zeros_like(_f(W)), np.zeros_like(_f(b))
    for x, k in zip(_f(X), labels, strict=True):
        z = x @ _f(W) + _f(b)
        q = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        q[k] -= 1
        dW += np.outer(x, q) / len(X)
        db += q / len(X)
    return dW, db


def crossent_softmax_regression_gradients(X, labels, W, b):  # the package's own model
    model = crossent.training.SoftmaxRegression(W, b)
    grads = model.loss_and_gradients(X, np.asarray(labels))[1]
    return grads["W"], grads["b"]


def _wrong_sr(kind):
    def gradients(X, labels, W, b):
        X_, Q, P = _ref_sr_parts(
            X, labels, W, b, shift={"naive": None, "global": "all"}.get(kind, "row")
        )
        m, n = Q.shape
        if kind == "no_b":
            X_, Q, P = _ref_sr_parts(X, labels, W, np.zeros_like(_f(b)))
        G = {"no_mean": Q - P, "by_n": (Q - P) / n, "sign": (P - Q) / m}.get(kind, (Q - P) / m)
        db = (Q - P).sum(axis=0) if kind == "db_no_mean" else G.sum(axis=0)
        return X_.T @ G, db

    return gradients


# Chapter 11: expected calibration error, written independently of crossent


def ref_ece_loop(probs, labels, n_bins):
    edges = [i / n_bins for i in range(n_bins + 1)]
    edges[-1] = 1.0
    members = [[] for _ in range(n_bins)]
    for row, k in zip(probs, labels, strict=True):
        conf = max(row)
        pred = list(row).index(conf)
        b = next(b for b in range(n_bins) if edges[b] < conf <= edges[b + 1])
        members[b].append((conf, pred == k))
    m = len(labels)
    return sum(
        len(inside)
        / m
        * abs(sum(r for _, r in inside) / len(inside) - sum(c for c, _ in inside) / len(inside))
        for inside in members
        if inside
    )


def ref_ece_numpy(probs, labels, n_bins):
    q, k = _f(probs), np.asarray(labels)
    conf, right = q.max(axis=1), (q.argmax(axis=1) == k)
    b = np.searchsorted(np.linspace(0, 1, n_bins + 1), conf, side="left") - 1
    total = 0.0
    for i in range(n_bins):
        inside = b == i
        if inside.any():
            total += inside.mean() * abs(right[inside].mean() - conf[inside].mean())
    return total


def _wrong_ece(kind):
    def ece(probs, labels, n_bins):
        q, k = _f(probs), np.asarray(labels)
        axis = 0 if kind == "axis" else 1
        conf = q.max(axis=axis)
        pred = q.argmax(axis=axis)
        if kind == "true_class":
            conf = q[np.arange(len(k)), k]
        if kind == "last_max":
            pred = q.shape[1] - 1 - np.argmax(q[:, ::-1], axis=1)
        right = (pred == k).astype(float)
        if kind == "lo_closed":
            b = np.minimum(np.floor(conf * n_bins).astype(int), n_bins - 1)  # [lo, hi)
        else:
            b = np.searchsorted(np.linspace(0, 1, n_bins + 1), conf, side="left") - 1
        count = np.bincount(b, minlength=n_bins)
        hits = np.bincount(b, weights=right, minlength=n_bins)
        confs = np.bincount(b, weights=conf, minlength=n_bins)
        if kind == "right":  # 0/0 = nan in the empty bins, with its RuntimeWarning
            acc_b, conf_b = hits / count, confs / count
        else:  # nan in the empty bins, without a warning
            acc_b = np.divide(hits, count, out=np.full(n_bins, np.nan), where=count > 0)
            conf_b = np.divide(confs, count, out=np.full(n_bins, np.nan), where=count > 0)
        gap = acc_b - conf_b
        if kind == "nan":
            return np.sum(count / len(k) * np.abs(gap))
        if kind == "unweighted":
            return np.nanmean(np.abs(gap))
        if kind == "signed":
            return np.nansum(count / len(k) * gap)
        if kind == "signed_total":
            return abs(np.nansum(count / len(k) * gap))
        return np.nansum(count / len(k) * np.abs(gap))

    return ece


REFERENCES = {
    "self_information": [ref_self_information, ref_self_information_numpy],
    "entropy": [ref_entropy, ref_entropy_loop],
    "binary_entropy": [ref_binary_entropy],
    "softmax": [ref_softmax, ref_softmax_via_logsumexp, ref_softmax_loop],
    "log_softmax": [ref_log_softmax],
    "logsumexp": [ref_logsumexp],
    "cross_entropy": [ref_cross_entropy],
    "kl_divergence": [ref_kl_divergence],
    "binary_cross_entropy": [ref_binary_cross_entropy],
    "softmax_cross_entropy_with_logits": [ref_softmax_cross_entropy_with_logits],
    "sparse_softmax_cross_entropy_with_logits": [ref_sparse_softmax_cross_entropy_with_logits],
    "sigmoid_cross_entropy_with_logits": [
        ref_sigmoid_cross_entropy_with_logits,
        ref_sigmoid_cross_entropy_two_softplus,
    ],
    "softmax_cross_entropy_grad": [ref_softmax_cross_entropy_grad],
    "sigmoid_cross_entropy_grad": [ref_sigmoid_cross_entropy_grad, ref_sigmoid_grad_masked],
    "softmax_regression_gradients": [
        ref_softmax_regression_gradients,
        ref_softmax_regression_loop,
        crossent_softmax_regression_gradients,
    ],
}
REFERENCES["expected_calibration_error"] = [ref_ece_loop, ref_ece_numpy]


@pytest.mark.parametrize(
    ("name", "fn"),
    [(name, fn) for name, fns in REFERENCES.items() for fn in fns]
    + [(name, getattr(crossent, name)) for name in check.CASES if hasattr(crossent, name)],
    ids=lambda x: getattr(x, "__name__", x),
)
def test_a_right_implementation_passes(name, fn):
    result = getattr(check, name)(fn)
    assert result.passed, result.message
    assert result.message.startswith(f"{name}: passed all ")


# ---------------------------------------------------------------------------------------------
# Wrong implementations: (what is wrong, the function, the case that must catch it).
# A function that got the value right but warned fails with "gave the expected".

WARNED = "gave the expected"


def _shift_softmax(shift):
    def softmax(z, axis=-1, temperature=1.0):
        z = _f(z) / temperature
        e = np.exp(z - shift(z, axis))
        return e / e.sum(axis=axis, keepdims=True)

    return softmax


def _finite(z):
    return np.where(np.isfinite(z), z, np.nan)


def _mean_finite(z, axis):
    return np.nanmean(_finite(z), axis=axis, keepdims=True)


def _min_finite(z, axis):
    return np.nanmin(_finite(z), axis=axis, keepdims=True)


def _shift_logsumexp(shift):
    def logsumexp(z, axis=-1):
        z = _f(z)
        c = shift(z, axis)
        return np.squeeze(c, axis=axis) + np.log(np.exp(z - c).sum(axis=axis))

    return logsumexp


def _mean(z, axis):
    return z.mean(axis=axis, keepdims=True)


def _min(z, axis):
    return z.min(axis=axis, keepdims=True)


def _global_max(z, axis):
    return np.full(np.shape(z.sum(axis=axis, keepdims=True)), z.max())


def _last_axis_max(z, axis):
    return z.max(axis=-1, keepdims=True)


WRONG = {
    "self_information": [
        ("natural log whatever the base", lambda p, base=math.e: -math.log(p), "case 3"),
        ("always bits", lambda p, base=math.e: -math.log2(p), "case 2"),
        ("always base 10", lambda p, base=math.e: -math.log10(p), "case 2"),
        ("one in how many, 1/p", lambda p, base=math.e: 1 / p, "case 1 (a certain event"),
        ("the sign flipped", lambda p, base=math.e: math.log(p, base), "case 2"),
        ("times ln b", lambda p, base=math.e: -math.log(p) * math.log(base), "case 3"),
        (
            "the change of base upside down",
            lambda p, base=math.e: -math.log(base) / math.log(p),
            "case 1 (a certain event carries no information) failed: <lambda>(1.0) raised "
            "ZeroDivisionError",
        ),
        (
            "a whole number of questions",
            lambda p, base=math.e: math.ceil(-math.log(p, base)),
            "case 2",
        ),
        ("an epsilon inside the log", lambda p, base=math.e: -math.log(p + 1e-10, base), "case 1"),
        ("clipped at 1e-7", lambda p, base=math.e: -math.log(max(p, 1e-7), base), "case 6"),
    ],
    "entropy": [
        (
            "the naive formula",
            lambda p, base=math.e, axis=-1: -(_f(p) * np.log(_f(p))).sum(axis=axis) / LN(base),
            "case 3 (a certain outcome) failed: <lambda>([1.0, 0.0, 0.0]) expected 0.0, got nan",
        ),
        (
            "np.nansum over the naive terms",
            lambda p, base=math.e, axis=-1: -np.nansum(_f(p) * np.log(_f(p)), axis=axis) / LN(base),
            f"case 3 (a certain outcome) failed: <lambda>([1.0, 0.0, 0.0]) {WARNED} 0.0 but "
            "emitted RuntimeWarning: divide by zero encountered in log and RuntimeWarning: "
            "invalid value encountered in multiply",
        ),
        (
            "np.where around p * log p",
            lambda p, base=math.e, axis=-1: (
                -np.where(_f(p) > 0, _f(p) * np.log(_f(p)), 0.0).sum(axis=axis) / LN(base)
            ),
            f"case 3 (a certain outcome) failed: <lambda>([1.0, 0.0, 0.0]) {WARNED}",
        ),
        (
            "np.nan_to_num over the naive terms",
            lambda p, base=math.e, axis=-1: (
                -np.nan_to_num(_f(p) * np.log(_f(p))).sum(axis=axis) / LN(base)
            ),
            f"case 3 (a certain outcome) failed: <lambda>([1.0, 0.0, 0.0]) {WARNED}",
        ),
        (
            "an epsilon inside the log",
            lambda p, base=math.e, axis=-1: (
                -(_f(p) * np.log(_f(p) + 1e-10)).sum(axis=axis) / LN(base)
            ),
            "case 3 (a certain outcome) failed: <lambda>([1.0, 0.0, 0.0]) expected 0.0, got -1e-10",
        ),
        (
            "natural log whatever the base",
            lambda p, base=math.e, axis=-1: ref_entropy(p, axis=axis),
            "case 2 (a fair coin, in bits)",
        ),
        (
            "always bits",
            lambda p, base=math.e, axis=-1: ref_entropy(p, 2, axis),
            "case 1 (a fair coin, in nats) failed: <lambda>([0.5, 0.5]) expected 0.693147, got 1.0",
        ),
        (
            "times ln b",
            lambda p, base=math.e, axis=-1: ref_entropy(p, axis=axis) * LN(base),
            "case 2",
        ),
        ("the sign flipped", lambda p, base=math.e, axis=-1: -ref_entropy(p, base, axis), "case 1"),
        (
            "the mean of the terms instead of their sum",
            lambda p, base=math.e, axis=-1: ref_entropy(p, base, axis) / np.shape(p)[axis],
            "case 1",
        ),
        (
            "axis ignored (always the last)",
            lambda p, base=math.e, axis=-1: ref_entropy(p, base),
            "case 10 (distributions stored in columns)",
        ),
        (
            "a sum over the whole array",
            lambda p, base=math.e, axis=-1: ref_entropy(np.ravel(p), base),
            "case 9 (a batch of two distributions) failed: <lambda>([[0.5, 0.5], [1.0, 0.0]], "
            "axis=-1) returned",
        ),
    ],
    "binary_entropy": [
        (
            "the naive formula",
            lambda p, base=math.e: -(p * np.log(p) + (1 - p) * np.log(1 - p)) / LN(base),
            "case 3 (a two-headed coin) failed: <lambda>(1.0) expected 0.0, got nan",
        ),
        (
            "np.nansum over the naive terms",
            lambda p, base=math.e: -np.nansum([p * np.log(p), (1 - p) * np.log(1 - p)]) / LN(base),
            f"case 3 (a two-headed coin) failed: <lambda>(1.0) {WARNED}",
        ),
        (
            "the (1 - p) term forgotten",
            lambda p, base=math.e: ref_entropy([p], base),
            "case 1 (a fair coin, in bits) failed: <lambda>(0.5, base=2) expected 1.0, got 0.5",
        ),
        ("natural log whatever the base", lambda p, base=math.e: ref_binary_entropy(p), "case 1"),
        (
            "clipped at 1e-7",
            lambda p, base=math.e: ref_binary_entropy(min(max(p, 1e-7), 1 - 1e-7), base),
            "case 3 (a two-headed coin)",
        ),
        (
            "p where 1 - p belongs",
            lambda p, base=math.e: -2 * p * np.log(p) / LN(base),
            "case 4 (a two-tailed coin)",
        ),
    ],
    "softmax": [
        ("the textbook formula", crossent.softmax_naive, "case 4 (large logits"),
        (
            "the mean of the finite logits subtracted",
            _shift_softmax(_mean_finite),
            "case 10 (logits far apart, (0, 2000): subtracting the mean or the minimum still "
            "overflows) failed: softmax([0.0, 2000.0]) expected [0.0, 1.0], got [0.0, nan], with "
            "RuntimeWarning: overflow encountered in exp",
        ),
        (
            "the minimum of the finite logits subtracted",
            _shift_softmax(_min_finite),
            "case 10 (logits far apart",
        ),
        ("the mean subtracted", _shift_softmax(_mean), "case 6 (a -inf logit has probability 0)"),
        ("the minimum subtracted", _shift_softmax(_min), "case 6 (a -inf logit"),
        (
            "the first logit subtracted",
            _shift_softmax(lambda z, axis: np.take(z, [0], axis=axis)),
            "case 10 (logits far apart",
        ),
        (
            "one maximum for the whole array",
            _shift_softmax(_global_max),
            "case 7 (a batch of two rows) failed",
        ),
        (
            "the maximum without keepdims",
            _shift_softmax(lambda z, axis: z.max(axis=axis)),
            "case 7 (a batch of two rows) failed",
        ),
        (
            "the maximum along the last axis whatever axis is",
            _shift_softmax(_last_axis_max),
            "case 8 (classes stored in columns)",
        ),
        (
            "axis ignored (always the last)",
            lambda z, axis=-1, temperature=1.0: ref_softmax(z, temperature=temperature),
            "case 8 (classes stored in columns)",
        ),
        (
            "normalised over the whole array",
            lambda z, axis=-1, temperature=1.0: (
                np.exp(_f(z) / temperature - np.max(z))
                / np.exp(_f(z) / temperature - np.max(z)).sum()
            ),
            "case 7 (a batch of two rows)",
        ),
        (
            "temperature multiplies",
            lambda z, axis=-1, temperature=1.0: ref_softmax(
                _f(z) * temperature**2, axis, temperature
            ),
            "case 9 (temperature 2",
        ),
        (
            "temperature ignored",
            lambda z, axis=-1, temperature=1.0: ref_softmax(z, axis),
            "case 9 (temperature 2",
        ),
        (
            "logits clipped to [-700, 700] instead of shifted",
            lambda z, axis=-1, temperature=1.0: crossent.softmax_naive(
                np.clip(_f(z) / temperature, -700, 700), axis
            ),
            "case 4 (large logits",
        ),
    ],
    "log_softmax": [
        (
            "log of the softmax",
            lambda z, axis=-1: np.log(ref_softmax(z, axis)),
            "case 4 (a probability that rounds to 0 still has a finite log) failed: "
            "<lambda>([0.0, -1000.0]) expected [0.0, -1000.0], got [0.0, -inf], with "
            "RuntimeWarning: divide by zero encountered in log",
        ),
        (
            "the textbook log-sum-exp",
            lambda z, axis=-1: _f(z) - np.log(np.exp(z).sum(axis=axis, keepdims=True)),
            "case 3 (large equal logits)",
        ),
        (
            "the maximum not added back",
            lambda z, axis=-1: (
                _f(z)
                - np.log(
                    np.exp(_f(z) - np.max(z, axis=axis, keepdims=True)).sum(axis, keepdims=True)
                )
            ),
            "case 2 (logits 1, 2, 3)",
        ),
        (
            "the mean subtracted in the log-sum-exp",
            lambda z, axis=-1: _f(z) - np.expand_dims(_shift_logsumexp(_mean)(z, axis), axis),
            "case 6 (logits far apart, (0, -2000)",
        ),
        (
            "the minimum subtracted in the log-sum-exp",
            lambda z, axis=-1: _f(z) - np.expand_dims(_shift_logsumexp(_min)(z, axis), axis),
            "case 4",
        ),
        (
            "one maximum for the whole array",
            lambda z, axis=-1: _f(z) - np.expand_dims(_shift_logsumexp(_global_max)(z, axis), axis),
            "case 5 (a batch of two rows)",
        ),
        (
            "axis ignored (always the last)",
            lambda z, axis=-1: ref_log_softmax(z),
            "case 7 (classes stored in columns)",
        ),
        ("in bits", lambda z, axis=-1: ref_log_softmax(z, axis) / LN(2), "case 1"),
    ],
    "logsumexp": [
        (
            "the textbook formula",
            lambda z, axis=-1: np.log(np.exp(z).sum(axis=axis)),
            "case 3 (large logits (exp(1000) overflows))",
        ),
        (
            "the maximum not added back",
            lambda z, axis=-1: np.log(
                np.exp(_f(z) - np.max(z, axis=axis, keepdims=True)).sum(axis=axis)
            ),
            "case 2 (logits 1, 2, 3)",
        ),
        ("the mean subtracted", _shift_logsumexp(_mean), "case 7 (logits far apart, (0, -2000)"),
        ("the minimum subtracted", _shift_logsumexp(_min), "case 5 (one dominant logit)"),
        ("one maximum for the whole array", _shift_logsumexp(_global_max), "case 6 (a batch"),
        ("axis ignored", lambda z, axis=-1: ref_logsumexp(z), "case 8 (logits stored in columns)"),
        ("the maximum alone", lambda z, axis=-1: np.max(z, axis=axis), "case 1 (two zeros: ln 2)"),
        ("in bits", lambda z, axis=-1: ref_logsumexp(z, axis) / LN(2), "case 1"),
    ],
    "cross_entropy": [
        (
            "the naive formula",
            lambda p, q, base=math.e, axis=-1: -(_f(p) * np.log(q)).sum(axis=axis) / LN(base),
            "case 6 (q = 0 where p = 0 adds nothing (0 log 0 = 0)) failed",
        ),
        (
            "np.nansum over the naive terms",
            lambda p, q, base=math.e, axis=-1: -np.nansum(_f(p) * np.log(q), axis=axis) / LN(base),
            f"case 6 (q = 0 where p = 0 adds nothing (0 log 0 = 0)) failed: "
            f"<lambda>([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) {WARNED} 0.693147 but emitted "
            "RuntimeWarning: divide by zero encountered in log",
        ),
        (
            "np.where around p * log q",
            lambda p, q, base=math.e, axis=-1: (
                -np.where(_f(p) > 0, _f(p) * np.log(q), 0.0).sum(axis=axis) / LN(base)
            ),
            f"case 6 (q = 0 where p = 0 adds nothing (0 log 0 = 0)) failed: "
            f"<lambda>([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) {WARNED}",
        ),
        (
            "the right terms, but log 0 left to warn",
            lambda p, q, base=math.e, axis=-1: (
                -(_f(p) * np.log(q, out=np.zeros_like(_f(q)), where=_f(p) > 0)).sum(axis=axis)
                / LN(base)
            ),
            f"case 7 (q = 0 where p > 0 costs infinitely much) failed: <lambda>([0.5, 0.5], "
            f"[1.0, 0.0]) {WARNED} inf but emitted RuntimeWarning: divide by zero encountered in "
            "log",
        ),
        (
            "log of q clipped at 1e-10, as the article",
            lambda p, q, base=math.e, axis=-1: (
                -(_f(p) * np.log(np.clip(q, 1e-10, 1.0))).sum(axis=axis) / LN(base)
            ),
            "case 7 (q = 0 where p > 0 costs infinitely much) failed: <lambda>([0.5, 0.5], "
            "[1.0, 0.0]) expected inf, got 11.512925",
        ),
        (
            "an epsilon inside the log",
            lambda p, q, base=math.e, axis=-1: (
                -(_f(p) * np.log(_f(q) + 1e-12)).sum(axis=axis) / LN(base)
            ),
            "case 7 (q = 0 where p > 0",
        ),
        (
            "logs taken where q > 0 instead of p > 0",
            lambda p, q, base=math.e, axis=-1: (
                -(_f(p) * np.log(q, out=np.zeros_like(_f(q)), where=_f(q) > 0)).sum(axis=axis)
                / LN(base)
            ),
            "case 7 (q = 0 where p > 0 costs infinitely much) failed: <lambda>([0.5, 0.5], "
            "[1.0, 0.0]) expected inf, got 0.0.",
        ),
        (
            "always base 10, as the article",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(p, q, 10, axis),
            "case 1 (the article's q1, in nats) failed: <lambda>([1, 0, 0], [0.5, 0.2, 0.3]) "
            "expected 0.693147, got 0.30103",
        ),
        (
            "natural log whatever the base",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(p, q, axis=axis),
            "case 3",
        ),
        (
            "axis ignored (always the last)",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(p, q, base),
            "case 5 (a mismatched pair and a one-hot label, stored in columns, in bits)",
        ),
        (
            "the article's mean over all entries",
            lambda p, q, base=math.e, axis=-1: (
                np.mean(-_f(p) * np.log(np.clip(q, 1e-10, 1.0))) / LN(base)
            ),
            "case 1",
        ),
        (
            "p and q swapped",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(q, p, base, axis),
            "case 1",
        ),
        (
            "the KL divergence instead",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(p, q, base, axis),
            "case 4 (q = p gives the entropy, in bits)",
        ),
    ],
    "kl_divergence": [
        (
            "the arguments swapped",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(q, p, base, axis),
            "case 2 (one-hot p: KL equals the cross-entropy)",
        ),
        (
            "the naive formula",
            lambda p, q, base=math.e, axis=-1: (
                (_f(p) * np.log(_f(p) / _f(q))).sum(axis=axis) / LN(base)
            ),
            "case 2 (one-hot p: KL equals the cross-entropy) failed: <lambda>([1, 0, 0], "
            "[0.5, 0.2, 0.3]) expected 0.693147, got nan",
        ),
        (
            "np.nansum over the naive terms",
            lambda p, q, base=math.e, axis=-1: (
                np.nansum(_f(p) * np.log(_f(p) / _f(q)), axis=axis) / LN(base)
            ),
            f"case 2 (one-hot p: KL equals the cross-entropy) failed: <lambda>([1, 0, 0], "
            f"[0.5, 0.2, 0.3]) {WARNED}",
        ),
        (
            "the cross-entropy instead",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(p, q, base, axis),
            "case 1 (q = p: no divergence)",
        ),
        (
            "H(p) - H(p, q), the sign flipped",
            lambda p, q, base=math.e, axis=-1: (
                ref_entropy(p, base, axis) - ref_cross_entropy(p, q, base, axis)
            ),
            "case 2",
        ),
        (
            "q clipped at 1e-10",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(
                p, np.clip(q, 1e-10, 1), base, axis
            ),
            "case 4 (the other way round is infinite: q = 0 where p > 0) failed: "
            "<lambda>([0.5, 0.2, 0.3], [1.0, 0.0, 0.0]) expected inf, got 10.483272.",
        ),
        (
            "terms taken where q > 0",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(
                np.where(_f(q) > 0, p, 0.0), q, base, axis
            ),
            "case 4 (the other way round is infinite",
        ),
        (
            "the right terms, but p / 0 left to warn",
            lambda p, q, base=math.e, axis=-1: (
                (_f(p) * np.log(np.divide(p, q, out=np.ones_like(_f(p)), where=_f(p) > 0))).sum(
                    axis=axis
                )
                / LN(base)
            ),
            f"case 4 (the other way round is infinite: q = 0 where p > 0) failed: "
            f"<lambda>([0.5, 0.2, 0.3], [1.0, 0.0, 0.0]) {WARNED} inf but emitted "
            "RuntimeWarning: divide by zero encountered in divide",
        ),
        (
            "natural log whatever the base",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(p, q, axis=axis),
            "case 3",
        ),
        (
            "axis ignored (always the last)",
            lambda p, q, base=math.e, axis=-1: ref_kl_divergence(p, q, base),
            "case 6 (distributions stored in columns)",
        ),
    ],
    "binary_cross_entropy": [
        (
            "the first form, -sum p log q",
            lambda p, q, base=math.e, axis=-1: ref_cross_entropy(p, q, base, axis),
            "case 1 (the article's other form for q1, in base 10 (its 0.55))",
        ),
        (
            "the naive formula",
            lambda p, q, base=math.e, axis=-1: (
                -(_f(p) * np.log(q) + (1 - _f(p)) * np.log(1 - _f(q))).sum(axis=axis) / LN(base)
            ),
            "case 5 (perfect predictions cost nothing) failed: <lambda>([1.0, 0.0], [1.0, 0.0]) "
            "expected 0.0, got nan",
        ),
        (
            "np.nansum over the naive terms",
            lambda p, q, base=math.e, axis=-1: (
                -np.nansum(_f(p) * np.log(q) + (1 - _f(p)) * np.log(1 - _f(q)), axis=axis)
                / LN(base)
            ),
            f"case 5 (perfect predictions cost nothing) failed: <lambda>([1.0, 0.0], [1.0, 0.0]) "
            f"{WARNED} 0.0 but emitted RuntimeWarning: divide by zero encountered in log",
        ),
        (
            "q clipped at 1e-10",
            lambda p, q, base=math.e, axis=-1: ref_binary_cross_entropy(
                p, np.clip(q, 1e-10, 1 - 1e-10), base, axis
            ),
            "case 5 (perfect predictions cost nothing) failed: <lambda>([1.0, 0.0], [1.0, 0.0]) "
            "expected 0.0, got 2e-10",
        ),
        (
            "the mean over the nodes, as Keras",
            lambda p, q, base=math.e, axis=-1: (
                ref_binary_cross_entropy(p, q, base, axis) / np.shape(p)[axis]
            ),
            "case 1",
        ),
        (
            "natural log whatever the base",
            lambda p, q, base=math.e, axis=-1: ref_binary_cross_entropy(p, q, axis=axis),
            "case 1",
        ),
        (
            "axis ignored (always the last)",
            lambda p, q, base=math.e, axis=-1: ref_binary_cross_entropy(p, q, base),
            "case 6 (a batch of two examples stored in columns)",
        ),
    ],
    "softmax_cross_entropy_with_logits": [
        (
            "through the textbook softmax",
            lambda labels, logits, axis=-1: (
                -(_f(labels) * np.log(crossent.softmax_naive(logits, axis))).sum(axis=axis)
            ),
            "case 4 (the true class's logit 1000 below the other's: exp(-1000) underflows to 0, "
            "then log 0 = -inf) failed",
        ),
        (
            "through a stable softmax and a log (chapter 8's tf.nn.softmax version)",
            lambda labels, logits, axis=-1: (
                -(_f(labels) * np.log(ref_softmax(logits, axis))).sum(axis=axis)
            ),
            "case 4 (the true class's logit 1000 below the other's: exp(-1000) underflows to 0, "
            "then log 0 = -inf) failed: <lambda>([0, 1], [1000.0, 0.0]) expected 1000.0, got inf",
        ),
        (
            "through a softmax clipped at 1e-10",
            lambda labels, logits, axis=-1: (
                -(_f(labels) * np.log(np.clip(ref_softmax(logits, axis), 1e-10, 1.0))).sum(
                    axis=axis
                )
            ),
            "case 4 (the true class's logit 1000 below the other's: exp(-1000) underflows to 0, "
            "then log 0 = -inf) failed: <lambda>([0, 1], [1000.0, 0.0]) expected 1000.0, got "
            "23.025851",
        ),
        (
            "the textbook log-sum-exp",
            lambda labels, logits, axis=-1: (
                np.log(np.exp(logits).sum(axis=axis)) - (_f(labels) * _f(logits)).sum(axis=axis)
            ),
            "case 4",
        ),
        (
            "the mean subtracted in the log-sum-exp",
            lambda labels, logits, axis=-1: (
                _shift_logsumexp(_mean)(logits, axis) - (_f(labels) * _f(logits)).sum(axis=axis)
            ),
            "case 6 (a batch of two examples stored in columns)",
        ),
        (
            "the minimum subtracted in the log-sum-exp",
            lambda labels, logits, axis=-1: (
                _shift_logsumexp(_min)(logits, axis) - (_f(labels) * _f(logits)).sum(axis=axis)
            ),
            "case 4",
        ),
        (
            "one maximum for the whole array",
            lambda labels, logits, axis=-1: (
                _shift_logsumexp(_global_max)(logits, axis)
                - (_f(labels) * _f(logits)).sum(axis=axis)
            ),
            "case 6 (a batch of two examples stored in columns)",
        ),
        (
            "only the class with the largest label",
            lambda labels, logits, axis=-1: (
                ref_logsumexp(logits, axis)
                - np.take_along_axis(
                    _f(logits), np.expand_dims(np.argmax(labels, axis=axis), axis), axis
                ).squeeze(axis)
            ),
            "case 3 (soft labels)",
        ),
        (
            "the maximum not added back",
            lambda labels, logits, axis=-1: (
                np.log(np.exp(_f(logits) - np.max(logits, axis=axis, keepdims=True)).sum(axis=axis))
                - (_f(labels) * _f(logits)).sum(axis=axis)
            ),
            "case 1",
        ),
        (
            "axis ignored (always the last)",
            lambda labels, logits, axis=-1: ref_softmax_cross_entropy_with_logits(labels, logits),
            "case 6 (a batch of two examples stored in columns)",
        ),
        (
            "in base 10",
            lambda labels, logits, axis=-1: (
                ref_softmax_cross_entropy_with_logits(labels, logits, axis) / LN(10)
            ),
            "case 1",
        ),
    ],
    "sparse_softmax_cross_entropy_with_logits": [
        (
            "labels off by one",
            lambda labels, logits: ref_sparse_softmax_cross_entropy_with_logits(
                (np.asarray(labels) + 1) % np.shape(logits)[-1], logits
            ),
            "case 1",
        ),
        (
            "the textbook log-sum-exp",
            lambda labels, logits: (
                np.log(np.exp(logits).sum(axis=-1)) - _f(logits)[np.arange(len(labels)), labels]
            ),
            "case 3 (a batch with large logits)",
        ),
        (
            "through the log of a stable softmax",
            lambda labels, logits: -np.log(ref_softmax(logits))[np.arange(len(labels)), labels],
            "case 3 (a batch with large logits) failed: <lambda>([1, 0], [[1000.0, 0.0], "
            "[0.0, 0.0]]) expected [1000.0, 0.693147], got [inf, 0.693147], with "
            "RuntimeWarning: divide by zero encountered in log",
        ),
        (
            "through a softmax clipped at 1e-10",
            lambda labels, logits: (
                -np.log(np.clip(ref_softmax(logits), 1e-10, 1))[np.arange(len(labels)), labels]
            ),
            "case 3 (a batch with large logits) failed: <lambda>([1, 0], [[1000.0, 0.0], "
            "[0.0, 0.0]]) expected [1000.0, 0.693147], got [23.025851, 0.693147]",
        ),
        (
            "the mean subtracted in the log-sum-exp",
            lambda labels, logits: (
                _shift_logsumexp(_mean)(logits) - _f(logits)[np.arange(len(labels)), labels]
            ),
            "case 4 (a wrong answer far below)",
        ),
        (
            "one maximum for the whole batch",
            lambda labels, logits: (
                _shift_logsumexp(_global_max)(logits) - _f(logits)[np.arange(len(labels)), labels]
            ),
            "case 3 (a batch with large logits)",
        ),
        (
            "z_k taken from the unshifted logits",
            lambda labels, logits: (
                np.log(np.exp(_f(logits) - np.max(logits, axis=-1, keepdims=True)).sum(axis=-1))
                - _f(logits)[np.arange(len(labels)), labels]
            ),
            "case 1 (the article's q1 as logits, class 0) failed: <lambda>([0], "
            "[[-0.6931471805599453, -1.6094379124341003, -1.2039728043259361]]) expected "
            "[0.693147], got [1.386294]",
        ),
        (
            "z[:, labels], an m x m matrix",
            lambda labels, logits: ref_logsumexp(logits)[:, np.newaxis] - _f(logits)[:, labels],
            "case 1 (the article's q1 as logits, class 0) failed: <lambda>([0], "
            "[[-0.6931471805599453, -1.6094379124341003, -1.2039728043259361]]) returned "
            "array([[0.69314718]]) "
            "(shape (1, 1)); expected shape (1,)",
        ),
        (
            "the mean over the batch",
            lambda labels, logits: ref_sparse_softmax_cross_entropy_with_logits(
                labels, logits
            ).mean(),
            "case 1",
        ),
    ],
    "sigmoid_cross_entropy_with_logits": [
        (
            "through the sigmoid's probabilities",
            lambda labels, logits: (
                -(
                    _f(labels) * np.log(1 / (1 + np.exp(-_f(logits))))
                    + (1 - _f(labels)) * np.log(1 - 1 / (1 + np.exp(-_f(logits))))
                )
            ),
            "case 4 (a confident right answer)",
        ),
        (
            "through probabilities clipped at 1e-7, as Keras",
            lambda labels, logits: (
                -(
                    _f(labels)
                    * np.log(np.clip(0.5 * (1 + np.tanh(_f(logits) / 2)), 1e-7, 1 - 1e-7))
                    + (1 - _f(labels))
                    * np.log(1 - np.clip(0.5 * (1 + np.tanh(_f(logits) / 2)), 1e-7, 1 - 1e-7))
                )
            ),
            "case 4 (a confident right answer) failed: <lambda>(1.0, 1000.0) expected 0.0, got "
            "1e-07",
        ),
        (
            "TensorFlow's unstable intermediate form z - z p + log(1 + exp(-z))",
            lambda labels, logits: (
                _f(logits) - _f(logits) * _f(labels) + np.log1p(np.exp(-_f(logits)))
            ),
            "case 6 (a confident wrong answer, the other side) failed: <lambda>(1.0, -1000.0) "
            "expected 1000.0, got inf, with RuntimeWarning: overflow encountered in exp",
        ),
        (
            "the stable form without |z|",
            lambda labels, logits: (
                np.maximum(logits, 0) - _f(logits) * _f(labels) + np.log1p(np.exp(-_f(logits)))
            ),
            "case 6 (a confident wrong answer, the other side)",
        ),
        (
            "np.where between the two one-sided formulas",
            lambda labels, logits: np.where(
                _f(logits) >= 0,
                _f(logits) - _f(logits) * _f(labels) + np.log1p(np.exp(-_f(logits))),
                -_f(logits) * _f(labels) + np.log1p(np.exp(_f(logits))),
            ),
            f"case 4 (a confident right answer) failed: <lambda>(1.0, 1000.0) {WARNED} 0.0 but "
            "emitted RuntimeWarning: overflow encountered in exp",
        ),
        (
            "labels and logits swapped",
            lambda labels, logits: ref_sigmoid_cross_entropy_with_logits(logits, labels),
            "case 1 (logit 0, label 1)",
        ),
        (
            "+ z p instead of - z p",
            lambda labels, logits: (
                np.maximum(logits, 0) + _f(logits) * _f(labels) + np.log1p(np.exp(-np.abs(logits)))
            ),
            "case 3 (logit ln 3, label 1/2)",
        ),
        (
            "the mean over the elements",
            lambda labels, logits: np.mean(ref_sigmoid_cross_entropy_with_logits(labels, logits)),
            "case 7 (elementwise on arrays)",
        ),
    ],
    "softmax_cross_entropy_grad": [
        (
            "p - q, the sign flipped",
            lambda labels, logits, axis=-1, reduction="none": (
                -ref_softmax_cross_entropy_grad(labels, logits, axis, reduction)
            ),
            "case 1 (logits ln q for the article's q1: q - p) failed",
        ),
        (
            "through the textbook softmax",
            lambda labels, logits, axis=-1, reduction="none": (
                crossent.softmax_naive(logits, axis) - _f(labels)
            ),
            "case 4 (large logits (the textbook softmax overflows), 2000 apart)",
        ),
        (
            "a softmax that subtracts the mean",
            lambda labels, logits, axis=-1, reduction="none": (
                _shift_softmax(_mean_finite)(logits, axis) - _f(labels)
            ),
            "case 4 (large logits (the textbook softmax overflows), 2000 apart) failed: "
            "<lambda>([0, 1], [2000.0, 0.0]) expected [1.0, -1.0], got [nan, -1.0]",
        ),
        (
            "a softmax that subtracts the minimum",
            lambda labels, logits, axis=-1, reduction="none": (
                _shift_softmax(_min_finite)(logits, axis) - _f(labels)
            ),
            "case 4",
        ),
        (
            "one maximum for the whole array",
            lambda labels, logits, axis=-1, reduction="none": (
                _shift_softmax(_global_max)(logits, axis) - _f(labels)
            ),
            "case 6 (a batch of two examples)",
        ),
        (
            "axis ignored (always the last)",
            lambda labels, logits, axis=-1, reduction="none": ref_softmax_cross_entropy_grad(
                labels, logits, reduction=reduction
            ),
            "case 7 (classes stored in columns)",
        ),
        (
            "the 1/m of the mean forgotten (a sum)",
            lambda labels, logits, axis=-1, reduction="none": ref_softmax_cross_entropy_grad(
                labels, logits, axis
            ),
            "case 8 (the mean over a batch of m = 2 divides each gradient by 2) failed",
        ),
        (
            "divided by the number of classes n",
            lambda labels, logits, axis=-1, reduction="none": (
                ref_softmax_cross_entropy_grad(labels, logits, axis)
                / (np.shape(logits)[axis] if reduction == "mean" else 1)
            ),
            "case 8 (the mean over a batch of m = 2",
        ),
        (
            "divided by m * n, the whole-matrix mean",
            lambda labels, logits, axis=-1, reduction="none": (
                ref_softmax_cross_entropy_grad(labels, logits, axis)
                / (np.size(logits) if reduction == "mean" else 1)
            ),
            "case 8 (the mean over a batch of m = 2",
        ),
        (
            "summed over the batch instead of averaged",
            lambda labels, logits, axis=-1, reduction="none": (
                ref_softmax_cross_entropy_grad(labels, logits, axis).sum(axis=0)
                if reduction == "mean"
                else ref_softmax_cross_entropy_grad(labels, logits, axis)
            ),
            "case 8 (the mean over a batch of m = 2",
        ),
        (
            "a one-hot of the largest label instead of the labels",
            lambda labels, logits, axis=-1, reduction="none": ref_softmax_cross_entropy_grad(
                crossent.one_hot(np.argmax(labels, axis=-1), np.shape(labels)[-1]),
                logits,
                axis,
                reduction,
            ),
            "case 3 (soft labels)",
        ),
        (
            "the softmax's derivative q (1 - q) - p",
            lambda labels, logits, axis=-1, reduction="none": (
                ref_softmax(logits, axis) * (1 - ref_softmax(logits, axis)) - _f(labels)
            ),
            "case 1",
        ),
    ],
    "sigmoid_cross_entropy_grad": [
        (
            "p - sigma(z), the sign flipped",
            lambda labels, logits: -ref_sigmoid_cross_entropy_grad(labels, logits),
            "case 1 (logit 0, label 1)",
        ),
        (
            "1 / (1 + exp(-z)), which overflows at z = -1000",
            lambda labels, logits: 1 / (1 + np.exp(-_f(logits))) - _f(labels),
            f"case 6 (a confident wrong answer (exp(1000) overflows)) failed: <lambda>(1.0, "
            f"-1000.0) {WARNED} -1.0 but emitted RuntimeWarning: overflow encountered in exp",
        ),
        (
            "exp(z) / (1 + exp(z))",
            lambda labels, logits: np.exp(logits) / (1 + np.exp(logits)) - _f(labels),
            "case 5 (a confident right answer) failed: <lambda>(1.0, 1000.0) expected 0.0, got nan",
        ),
        (
            "np.where between the two forms",
            lambda labels, logits: (
                np.where(
                    _f(logits) >= 0,
                    1 / (1 + np.exp(-_f(logits))),
                    np.exp(logits) / (1 + np.exp(logits)),
                )
                - _f(labels)
            ),
            f"case 5 (a confident right answer) failed: <lambda>(1.0, 1000.0) {WARNED} 0.0 but "
            "emitted RuntimeWarning: overflow encountered in exp",
        ),
        (
            "the sigmoid's derivative s (1 - s)",
            lambda labels, logits: (
                0.5 * (1 + np.tanh(_f(logits) / 2)) * (1 - 0.5 * (1 + np.tanh(_f(logits) / 2)))
            ),
            "case 1",
        ),
        (
            "through a probability clipped at 1e-7",
            lambda labels, logits: (
                np.clip(0.5 * (1 + np.tanh(_f(logits) / 2)), 1e-7, 1 - 1e-7) - _f(labels)
            ),
            "case 5 (a confident right answer) failed: <lambda>(1.0, 1000.0) expected 0.0, got "
            "-1e-07",
        ),
    ],
    "softmax_regression_gradients": [
        ("the 1/m of the mean forgotten", _wrong_sr("no_mean"), "case 3"),
        ("divided by n instead of m", _wrong_sr("by_n"), "case 1"),
        ("P - Q, the sign flipped", _wrong_sr("sign"), "case 1"),
        ("the textbook softmax, which overflows", _wrong_sr("naive"), "case 4"),
        ("shifted by the largest logit of the whole batch", _wrong_sr("global"), "case 6"),
        ("db summed without the 1/m", _wrong_sr("db_no_mean"), "case 3"),
        ("the bias left out of the logits", _wrong_sr("no_b"), "case 3"),
        (
            "dW and db swapped",
            lambda X, labels, W, b: ref_softmax_regression_gradients(X, labels, W, b)[::-1],
            "case 1",
        ),
    ],
}


WRONG["expected_calibration_error"] = [
    ("bins [lo, hi): floor(c * n_bins)", _wrong_ece("lo_closed"), "case 6 (a confidence on"),
    ("the plain mean over the non-empty bins", _wrong_ece("unweighted"), "case 4 (bins of"),
    ("the true class's probability as confidence", _wrong_ece("true_class"), "case 1"),
    ("signed gaps", _wrong_ece("signed"), "case 1"),
    ("the absolute value of the signed total", _wrong_ece("signed_total"), "case 3 (an over"),
    ("empty bins give nan", _wrong_ece("nan"), "case 2 (empty bins"),
    ("max and argmax over the examples (axis 0)", _wrong_ece("axis"), "case 1"),
    ("the last of tied maxima", _wrong_ece("last_max"), "case 8 (a tie"),
    (
        "0/0 in empty bins, dropped by np.nansum",
        _wrong_ece("right"),
        "case 2 (empty bins count for nothing (15 bins, 2 used)) failed: "
        f"ece([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1]], [1, 2], 15) {WARNED}",
    ),
]


# --- online_logsumexp: chunks of classes, read once ---------------------------------------------


def ref_online_lse(chunks):
    """The running maximum and rescaled sum, vectorised over the tokens."""
    run_max = run_sum = None
    for z in chunks:
        z = _f(z)
        if run_max is None:
            run_max, run_sum = np.full(len(z), -np.inf), np.zeros(len(z))
        new_max = np.maximum(run_max, z.max(axis=1))
        live = new_max > -np.inf  # rows with at least one class that is not masked
        shift = np.where(live, new_max, 0.0)[:, None]
        with np.errstate(invalid="ignore"):  # -inf - (-inf) in masked rows, replaced below
            rescale = np.where(live, np.exp(np.where(live, run_max - new_max, 0.0)), 0.0)
        run_sum = run_sum * rescale + np.exp(z - shift).sum(axis=1)
        run_max = new_max
    with np.errstate(divide="ignore"):  # a row with every class masked: ln 0 = -inf
        return run_max + np.log(run_sum)


def ref_online_lse_log_domain(chunks):
    """Each chunk's log-sum-exp, folded in with logaddexp: the same recurrence in logs."""
    total = None
    for z in chunks:
        chunk = crossent.logsumexp(_f(z), axis=1)
        total = chunk if total is None else np.logaddexp(total, chunk)
    return total


def ref_online_lse_loop(chunks):
    """One logit at a time with math, as Milakov and Gimelshein's Algorithm 3."""
    state = None
    for z in chunks:
        rows = _f(z).tolist()
        if state is None:
            state = [[-math.inf, 0.0] for _ in rows]
        for row, st in zip(rows, state, strict=True):
            for x in row:
                if x == -math.inf:
                    continue
                new = max(st[0], x)
                st[1] = st[1] * math.exp(st[0] - new) + math.exp(x - new)
                st[0] = new
    return np.array([m + math.log(s) if s > 0 else -math.inf for m, s in state])


def _wrong_online(kind):
    def online(chunks):
        if kind == "two_pass":  # first the maximum, then the sum: the iterator is empty by then
            top = max(_f(z).max() for z in chunks)
            return top + np.log(sum(np.exp(_f(z) - top).sum(axis=1) for z in chunks))
        run_max = run_sum = None
        for z in chunks:
            z = _f(z)
            if run_max is None:
                start = 0.0 if kind == "start_at_zero" else -np.inf
                run_max, run_sum = np.full(len(z), start), np.zeros(len(z))
            if kind == "no_max":
                run_sum = run_sum + np.exp(z).sum(axis=1)
                run_max = np.zeros(len(z))
                continue
            if kind == "axis":
                return crossent.logsumexp(z, axis=0)
            top = np.full(len(z), z.max()) if kind == "global_max" else z.max(axis=1)
            new_max = np.maximum(run_max, top)
            if kind == "no_rescale":
                rescale = 1.0
            elif kind == "inverted":
                rescale = np.exp(new_max - run_max)
            else:
                rescale = np.exp(run_max - new_max)
            # own_max: a chunk below the running maximum summed against its own maximum
            shift = np.where(top < run_max, top, new_max) if kind == "own_max" else new_max
            run_sum = run_sum * rescale + np.exp(z - shift[:, None]).sum(axis=1)
            run_max = new_max
        return run_max + np.log(run_sum)

    return online


REFERENCES["online_logsumexp"] = [ref_online_lse, ref_online_lse_log_domain, ref_online_lse_loop]
WRONG["online_logsumexp"] = [
    ("no rescaling of the running sum", _wrong_online("no_rescale"), "case 2 (the maximum comes"),
    ("rescaled by exp(M' - M)", _wrong_online("inverted"), "case 1 (one chunk"),
    ("a lower chunk summed against its own maximum", _wrong_online("own_max"), "case 3"),
    ("no maximum at all: exp(z) summed", _wrong_online("no_max"), "case 5 (large logits"),
    ("the running maximum started at 0", _wrong_online("start_at_zero"), "case 6 (very"),
    ("one maximum for the whole chunk", _wrong_online("global_max"), "case 7 (two tokens"),
    ("masked rows not handled: nan", _wrong_online("plain"), "case 9 (masked classes"),
    ("a sum over the tokens (axis 0)", _wrong_online("axis"), "case 1"),
    ("two passes over chunks that can be read once", _wrong_online("two_pass"), "case 1"),
]


def test_every_check_has_wrong_and_right_implementations():
    assert set(WRONG) == set(check.CASES) == set(REFERENCES)
    assert all(len(WRONG[name]) >= 6 for name in WRONG), {n: len(w) for n, w in WRONG.items()}


@pytest.mark.parametrize(
    ("name", "fn", "where"),
    [(name, fn, where) for name, wrong in WRONG.items() for _, fn, where in wrong],
    ids=[f"{name}: {label}" for name, wrong in WRONG.items() for label, _, _ in wrong],
)
def test_a_plausible_wrong_implementation_fails_at_its_case(name, fn, where):
    result = getattr(check, name)(fn)
    assert not result.passed, f"check.{name} passed a wrong implementation: {result.message}"
    assert f"{name}: {where}" in result.message
    # The verdict says what is likely wrong: the case's cause, the warning, or the exception.
    assert (
        "Likely cause: " in result.message
        or " but emitted " in result.message
        or (" raised " in result.message)
    )
    assert result.message.endswith(".") or " raised " in result.message
