"""The fused loss and gradient (crossent.fused) and the row-block core under it (_kernels).

What is tested: that ``softmax_cross_entropy_value_and_grad`` and its sparse twin return, bit
for bit (values, dtype, shape, the sign of zeros), what the separate functions return,
``reduce_loss(…_with_logits(...), reduction, weights)`` and ``…_grad(...)``, on ordinary,
extreme and float32 inputs, with every reduction and weighting, along any axis, and that they
raise the same errors for the same bad inputs. The separate functions are checked against
independent references (mpmath, hand calculations, TensorFlow) in ``test_losses.py``,
``test_gradients.py`` and ``test_tf_agreement.py``; the hand values and the finite
differences here check the fused functions on their own too.

The core splits the rows into blocks and shares them out to threads; every result must be the
same to the bit whatever the blocking and the number of threads.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import _kernels

INF = math.inf
F32_BIG = float(np.float32(3e38))
REDUCTIONS = ["none", "sum", "mean"]

P = [[1, 0, 0], [1, 0, 0]]  # the article's labels, a batch of m = 2, n = 3
Q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]  # its q1 and q2


def assert_same(actual, expected):
    """Equal to the bit: type, dtype, shape, every value (NaN and inf included), sign of 0."""
    assert type(actual) is type(expected)
    a, b = np.asarray(actual), np.asarray(expected)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def separate(labels, logits, axis=-1, reduction="none", weights=None):
    """The dense loss and gradient, the long way: two functions and a reduction."""
    losses = crossent.softmax_cross_entropy_with_logits(labels, logits, axis)
    loss = crossent.reduce_loss(losses, reduction, weights)
    return loss, crossent.softmax_cross_entropy_grad(labels, logits, axis, reduction, weights)


def separate_sparse(labels, logits, reduction="none", weights=None):
    losses = crossent.sparse_softmax_cross_entropy_with_logits(labels, logits)
    loss = crossent.reduce_loss(losses, reduction, weights)
    return loss, crossent.sparse_softmax_cross_entropy_grad(labels, logits, reduction, weights)


def check_dense(labels, logits, axis=-1, reduction="none", weights=None):
    fused = crossent.softmax_cross_entropy_value_and_grad(labels, logits, axis, reduction, weights)
    expected = separate(labels, logits, axis, reduction, weights)
    assert_same(fused[0], expected[0])
    assert_same(fused[1], expected[1])
    return fused


def check_sparse(labels, logits, reduction="none", weights=None):
    fused = crossent.sparse_softmax_cross_entropy_value_and_grad(labels, logits, reduction, weights)
    expected = separate_sparse(labels, logits, reduction, weights)
    assert_same(fused[0], expected[0])
    assert_same(fused[1], expected[1])
    return fused


@contextlib.contextmanager
def no_warnings():
    """A context in which any warning, NumPy's floating-point ones included, is an error."""
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        yield


def batch(rng, m, n, dtype=np.float64, scale=3.0, soft=False):
    """Logits and labels (one-hot, or soft), and the class ids of the one-hot ones."""
    z = (rng.normal(size=(m, n)) * scale).astype(dtype)
    k = rng.integers(0, n, m)
    p = np.zeros((m, n))
    p[np.arange(m), k] = 1  # one-hot (np.eye(n)[k] would build an n × n matrix first)
    if soft:
        p = rng.dirichlet(np.ones(n), m) if m else np.zeros((0, n))
    return p.astype(dtype), z, k


# ---------------------------------------------------------------------------------------------
# By hand


def test_the_article_batch():
    z = np.log(Q)
    loss, grad = crossent.softmax_cross_entropy_value_and_grad(P, z)
    np.testing.assert_allclose(loss, [math.log(2), -math.log(0.8)], rtol=1e-15)
    np.testing.assert_allclose(grad, np.array(Q) - np.array(P), atol=1e-15)
    loss, grad = crossent.softmax_cross_entropy_value_and_grad(P, z, reduction="mean")
    assert isinstance(loss, np.float64)
    assert loss == pytest.approx((math.log(2) - math.log(0.8)) / 2, rel=1e-15)
    np.testing.assert_allclose(grad, (np.array(Q) - np.array(P)) / 2, atol=1e-15)
    loss, grad = crossent.sparse_softmax_cross_entropy_value_and_grad([0, 2], z, "sum")
    assert loss == pytest.approx(math.log(2) - math.log(0.1), rel=1e-15)
    np.testing.assert_allclose(grad, [[-0.5, 0.2, 0.3], [0.8, 0.1, -0.9]], atol=1e-15)


def test_a_single_example_gives_a_scalar_loss():
    loss, grad = check_dense([0.0, 1.0], [0.0, 0.0])
    assert isinstance(loss, np.float64) and loss == pytest.approx(math.log(2), rel=1e-15)
    np.testing.assert_array_equal(grad, [0.5, -0.5])
    loss, grad = check_sparse(1, [0.0, 0.0])
    assert isinstance(loss, np.float64) and grad.shape == (2,)


def test_confident_right_answer_keeps_its_small_loss_and_gradient():
    loss, grad = check_dense([1, 0], [40.0, 0.0])
    tiny = 1 / (1 + math.exp(40))  # 4.2e-18: q_0 - 1 would round to 0
    assert loss == pytest.approx(math.log1p(math.exp(-40)), rel=1e-15)
    np.testing.assert_allclose(grad, [-tiny, tiny], rtol=1e-15)
    loss, grad = check_sparse([0], [[40.0, 0.0]])
    np.testing.assert_allclose(grad, [[-tiny, tiny]], rtol=1e-15)


def test_gradient_of_the_fused_loss_matches_finite_differences():
    rng = np.random.default_rng(5)
    p, z, _ = batch(rng, 3, 4, soft=True)
    weights = np.array([0.5, 0.0, 2.0])
    for reduction in REDUCTIONS:

        def total(logits, reduction=reduction):
            loss, _ = crossent.softmax_cross_entropy_value_and_grad(
                p, logits, reduction=reduction, weights=weights
            )
            return float(np.sum(loss))

        _, grad = crossent.softmax_cross_entropy_value_and_grad(
            p, z, reduction=reduction, weights=weights
        )
        numeric = np.empty_like(z)
        h = 1e-6
        for index in np.ndindex(z.shape):
            up, down = z.copy(), z.copy()
            up[index] += h
            down[index] -= h
            numeric[index] = (total(up) - total(down)) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=0, atol=1e-8)


# ---------------------------------------------------------------------------------------------
# The same as the separate functions, bit for bit


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (5, 3), (64, 10), (0, 4), (3, 1000)])
@pytest.mark.parametrize("soft", [False, True])
def test_ordinary_batches(dtype, m, n, soft):
    rng = np.random.default_rng(m * 1000 + n)
    p, z, k = batch(rng, m, n, dtype, soft=soft)
    for reduction in REDUCTIONS:
        check_dense(p, z, reduction=reduction)
        check_sparse(k, z, reduction=reduction)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batches_big_enough_for_threads(dtype):
    # 600 × 300 = 180,000 entries: above PARALLEL_MIN_ENTRIES, so the rows are shared out
    assert _kernels.PARALLEL_MIN_ENTRIES <= 600 * 300
    rng = np.random.default_rng(7)
    p, z, k = batch(rng, 600, 300, dtype, scale=10, soft=True)
    weights = rng.random(600)
    weights[::7] = 0
    for reduction in REDUCTIONS:
        check_dense(p, z, reduction=reduction, weights=weights)
        check_sparse(k, z, reduction=reduction, weights=weights)


EXTREME_DENSE = [
    ([1, 0], [40.0, 0.0]),
    ([0, 1, 0], [1e5, 1e5 - 1, 0.0]),
    ([0, 0, 1], [0.0, -800.0, -750.0]),  # q rounds to 0 for the true class
    ([1, 0, 0, 0], [3.0, 3.0, 3.0, -30.0]),  # ties for the maximum
    ([1, 0], [-1e308, 1e308]),  # the difference overflows to -inf
    ([0.5, 0.5], [1e308, -1e308]),  # ... with a positive label there: loss +inf
    ([0.25, 0.75], [0.0, -INF]),  # -inf with a positive label: loss +inf, gradient -p
    ([1, 0, 0], [0.0, -INF, -INF]),  # -inf with label 0: nothing
    ([0, 1, 0], [-INF, 5.0, -INF]),
    ([0.2, 0.3, 0.5], [1.0, 2.0, 3.0]),
    ([0.5, 0.5], [0.0, 1e-8]),
    ([1.0], [123.0]),
]


@pytest.mark.parametrize(("p", "z"), EXTREME_DENSE, ids=str)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_logits(p, z, dtype):
    z = np.array(z)
    if dtype == np.float32:  # the same extremes at float32's edge
        z = np.where(np.abs(z) == 1e308, np.sign(z) * F32_BIG, z)
    z = z.astype(dtype)
    p = np.asarray(p, dtype=dtype)
    with no_warnings():
        for reduction in REDUCTIONS:
            for weights in (None, 0.0, 2.5):
                check_dense(p, z, reduction=reduction, weights=weights)
                check_dense(p[np.newaxis], z[np.newaxis], reduction=reduction, weights=weights)
        check_sparse(int(np.argmax(p)), z)
        check_sparse(np.argmin(p, keepdims=True), z[np.newaxis])


def test_extreme_rows_in_a_big_batch():
    rng = np.random.default_rng(11)
    p, z, k = batch(rng, 400, 200, soft=True)
    z[1, :] = -INF
    z[1, 3] = 2.0  # one finite logit
    p[1] = 0
    p[1, 3] = 1
    z[2, 5] = -INF  # with a positive label: +inf
    z[3] = rng.choice([-1e308, 1e308], 200)
    z[4, :] = 7.0  # all tied
    with no_warnings():
        for reduction in REDUCTIONS:
            check_dense(p, z, reduction=reduction, weights=np.arange(400.0) % 3)
            check_sparse(k, z, reduction=reduction, weights=np.arange(400.0) % 3)
    assert np.isinf(crossent.softmax_cross_entropy_value_and_grad(p, z)[0][2])


def test_weights_and_masks():
    rng = np.random.default_rng(3)
    p, z, k = batch(rng, 6, 4, soft=True)
    for weights in [None, 0, 3, [1, 1, 0, 0, 2, 0.5], np.zeros(6), np.float32(2)]:
        for reduction in REDUCTIONS:
            check_dense(p, z, reduction=reduction, weights=weights)
            check_sparse(k, z, reduction=reduction, weights=weights)
    loss, grad = check_dense(p, z, reduction="mean", weights=np.zeros(6))
    assert loss == 0 and not np.signbit(grad).any()  # +0 everywhere, not -0
    loss, grad = check_dense(p, z, reduction="none", weights=[1, 0, 1, 0, 1, 0])
    assert not np.signbit(grad[1]).any()
    # a masked example may have an infinite loss: it counts for nothing
    z[1, 0], p[1] = -INF, [1, 0, 0, 0]
    loss, grad = check_dense(p, z, reduction="mean", weights=[1, 0, 1, 1, 1, 1])
    assert np.isfinite(loss)


def test_labels_with_one_entry_per_row_that_is_not_zero():
    # one-hot rows are computed from their one label; anything else takes the general path
    rng = np.random.default_rng(12)
    for dtype in (np.float32, np.float64):
        p, z, k = batch(rng, 300, 400, dtype)  # one-hot, threaded
        z[5, ::3] = -INF
        z[5, k[5]] = 0.0
        check_dense(p, z)
        q = p.copy()
        tol = _kernels.SUM_TOLERANCE[np.dtype(dtype)]
        q[7] *= dtype(1 - tol / 2)  # one label, a little below 1: still a distribution
        check_dense(q, z, reduction="mean", weights=rng.random(300))
        q = p.copy()
        q[9, (k[9] + 1) % 400] = -0.0  # a -0 label: the general path, the same numbers
        check_dense(q, z)
        q = p.copy()
        q[11, (k[11] + 1) % 400] = 1e-30  # two labels that are not 0
        check_dense(q, z)
        z[13, k[13]] = -INF  # the true class at -inf: loss +inf
        loss, _ = check_dense(p, z)
        assert np.isinf(loss[13])
        for bad, value in [(0, 1.0 + 1e-6), (1, 0.5), (2, math.nan), (3, -1.0)]:
            q = p.copy()
            q[bad, k[bad]] = value
            calls = dense_calls(q, z)
            assert raised(calls["fused"]) == raised(calls["grad"]) == raised(calls["loss"])


@pytest.mark.parametrize(
    ("labels_dtype", "logits_dtype"),
    [
        (np.float32, np.float32),
        (np.float64, np.float32),
        (np.float32, np.float64),
        (np.float16, np.float16),
        (np.int64, np.float64),
        (np.float64, np.int64),
    ],
)
def test_dtype_rules(labels_dtype, logits_dtype):
    rng = np.random.default_rng(2)
    p, z, k = batch(rng, 8, 5)
    p, z = p.astype(labels_dtype), (z * 3).astype(logits_dtype)
    loss, grad = check_dense(p, z)
    expected = np.float64 if np.dtype(logits_dtype).kind != "f" else logits_dtype
    expected = np.float32 if logits_dtype == np.float16 else expected
    assert loss.dtype == expected and grad.dtype == expected
    loss, grad = check_sparse(k, z)
    assert loss.dtype == expected and grad.dtype == expected


def test_float32_labels_near_the_sum_tolerance():
    # float32 labels may sum to 1 within 1e-4. Rows whose sum is too close to that edge for
    # the quick test on the block (within its rounding margin) are decided by the package's
    # own check, so the fused function accepts and rejects exactly what the others do.
    n = 10
    p = np.full((3, n), 0.1, dtype=np.float32)
    rest = math.fsum(p[0, 1:].astype(np.float64))
    for row, excess in enumerate([0.5e-4, 0.9999e-4, -0.9999e-4]):
        p[row, 0] = np.float32(1 + excess - rest)
    sums = np.array([math.fsum(r) for r in p.astype(np.float64)])
    tol = _kernels.SUM_TOLERANCE[np.dtype(np.float32)]
    margin = _kernels.sum_margin(n, np.float32)
    assert np.all(np.abs(sums - 1) <= tol)
    assert np.abs(sums[1] - 1) > tol - margin  # too close for the quick test
    z = np.zeros((3, n), dtype=np.float32)
    check_dense(p, z)
    p[1, 0] = np.float32(1 + 1.0001e-4 - rest)  # now just past the edge
    message = "labels must sum to 1 along axis -1; row 1 sums to"
    assert raised(dense_calls(p, z)["grad"])[1].startswith(message)
    assert raised(dense_calls(p, z)["fused"]) == raised(dense_calls(p, z)["grad"])


@pytest.mark.parametrize("axis", [0, 1, -2])
def test_other_axes(axis):
    rng = np.random.default_rng(4)
    p, z, _ = batch(rng, 12, 5, soft=True)
    p3 = np.stack([p, p[::-1]], axis=0)  # shape (2, 12, 5)
    z3 = np.stack([z, -z], axis=0)
    p3, z3 = np.moveaxis(p3, -1, axis), np.moveaxis(z3, -1, axis)  # classes along axis
    for reduction in REDUCTIONS:
        loss, grad = check_dense(p3, z3, axis=axis, reduction=reduction)
        assert grad.shape == z3.shape and grad.flags.c_contiguous
    # the same numbers as with the classes last
    loss_last, grad_last = crossent.softmax_cross_entropy_value_and_grad(
        np.moveaxis(p3, axis, -1), np.moveaxis(z3, axis, -1)
    )
    loss, grad = crossent.softmax_cross_entropy_value_and_grad(p3, z3, axis=axis)
    assert_same(loss, loss_last)
    assert_same(grad, np.ascontiguousarray(np.moveaxis(grad_last, -1, axis)))


def test_arrays_that_are_not_contiguous():
    rng = np.random.default_rng(6)
    p, z, k = batch(rng, 40, 30, soft=True)
    zt = np.asfortranarray(z)
    check_dense(p, zt)
    check_dense(p.T, z.T, axis=0)
    check_dense(np.asfortranarray(p), z[::1])
    check_sparse(k[::2], z[::2, :])
    check_sparse(k, zt)
    wide = np.zeros((40, 60))
    wide[:, ::2] = z
    check_dense(p, wide[:, ::2])


def test_the_separate_functions_agree_with_each_other_in_big_threaded_batches():
    # the loss, the gradient, softmax, log_softmax and logsumexp share the core: q - p from
    # the gradient and from softmax agree, and logsumexp - z_k is the sparse loss
    rng = np.random.default_rng(8)
    p, z, k = batch(rng, 500, 200, scale=20)
    loss, grad = crossent.sparse_softmax_cross_entropy_value_and_grad(k, z)
    lse = crossent.logsumexp(z)
    np.testing.assert_allclose(loss, lse - z[np.arange(500), k], rtol=1e-13)
    np.testing.assert_allclose(grad, crossent.softmax(z) - p, rtol=0, atol=1e-15)
    np.testing.assert_allclose(-loss, crossent.log_softmax(z)[np.arange(500), k], rtol=1e-13)


# ---------------------------------------------------------------------------------------------
# The whole-array code the package had before it worked in row blocks, kept as the reference:
# for classes along the last axis of a C-contiguous array the core gives the same bits, so no
# result the book prints has changed


def whole_array_log_normalizer(z):
    idx = np.argmax(z, axis=-1, keepdims=True)
    z_max = np.take_along_axis(z, idx, axis=-1)
    with np.errstate(over="ignore", under="ignore"):
        e = z - z_max
        np.exp(e, out=e)
    np.put_along_axis(e, idx, 0, axis=-1)
    return z_max, np.log1p(e.sum(axis=-1, keepdims=True))


def whole_array_softmax(z, t=1.0):
    z_max = z.max(axis=-1, keepdims=True)
    with np.errstate(over="ignore", under="ignore"):
        e = z - z_max
        if t != 1.0:
            scale = z.dtype.type(t)
            if 0 < scale < np.inf:
                e /= scale
            else:
                e = (e.astype(np.float64) / t).astype(z.dtype)
        np.exp(e, out=e)
    e /= e.sum(axis=-1, keepdims=True)
    return e


def whole_array_dense_loss(p, z):
    p = p.astype(z.dtype)
    m, r = whole_array_log_normalizer(z)
    with np.errstate(over="ignore", invalid="ignore"):
        terms = z - m
        terms -= r
        terms *= p
    out = terms.sum(axis=-1)
    if np.isnan(out).any():
        np.copyto(terms, 0, where=p == 0)
        out = terms.sum(axis=-1)
    return -out + 0


def whole_array_dense_grad(p, z, reduction="none", weights=None):
    p = p.astype(z.dtype)
    idx = np.argmax(z, axis=-1, keepdims=True)
    m = np.take_along_axis(z, idx, axis=-1)
    with np.errstate(over="ignore", under="ignore"):
        e = z - m
        np.exp(e, out=e)
        np.put_along_axis(e, idx, 0, axis=-1)
        rest = e.sum(axis=-1, keepdims=True)
        denom = 1 + rest
        s = p.sum(axis=-1, keepdims=True)
        grad = e
        grad /= denom
        grad *= s
        grad -= p
        pk = np.take_along_axis(p, idx, axis=-1)
        direct = s / denom - pk
        careful = (s - pk) - s * (rest / denom)
    np.put_along_axis(grad, idx, np.where(pk > s / 2, careful, direct), axis=-1)
    shape = z.shape[:-1]
    if weights is not None:
        w = np.broadcast_to(np.asarray(weights, dtype=z.dtype), shape)
        total = w.sum(dtype=z.dtype)
        with np.errstate(under="ignore"):
            grad *= w[..., np.newaxis]
    else:
        total = z.dtype.type(math.prod(shape))
    if reduction == "mean":
        if total > 0:
            with np.errstate(under="ignore"):
                grad /= total
        else:
            grad[...] = 0
    return grad + z.dtype.type(0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("m", "n"), [(1, 1), (6, 3), (50, 200), (600, 300), (3, 20_000)])
def test_the_core_gives_the_bits_of_the_whole_array_code(dtype, m, n):
    rng = np.random.default_rng(m + n)
    p, z, k = batch(rng, m, n, dtype, scale=20, soft=True)
    z[0, : n // 2] = -INF
    if m > 2:
        z[1] = rng.choice([-1, 1], n) * (F32_BIG if dtype == np.float32 else 1e308)
        z[2] = 1.5  # all tied
    one_hot = np.zeros((m, n), dtype=dtype)
    one_hot[np.arange(m), k] = 1
    weights = rng.choice([0.0, 0.5, 2.0], m)
    assert_same(
        crossent.softmax_cross_entropy_with_logits(one_hot, z), whole_array_dense_loss(one_hot, z)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_same(crossent.softmax(z), whole_array_softmax(z))
        assert_same(crossent.softmax(z, temperature=0.3), whole_array_softmax(z, 0.3))
        m_, r = whole_array_log_normalizer(z)
        assert_same(crossent.logsumexp(z), (m_ + r)[..., 0])
        with np.errstate(over="ignore"):
            assert_same(crossent.log_softmax(z), (z - m_) - r)
        assert_same(crossent.softmax_cross_entropy_with_logits(p, z), whole_array_dense_loss(p, z))
        sparse_loss = crossent.sparse_softmax_cross_entropy_with_logits(k, z)
        with np.errstate(over="ignore"):
            expected = (m_ - np.take_along_axis(z, k[:, np.newaxis], axis=-1)) + r
        assert_same(sparse_loss, expected[:, 0])
        for reduction in REDUCTIONS:
            for w in (None, weights):
                expected = whole_array_dense_grad(p, z, reduction, w)
                got = crossent.softmax_cross_entropy_grad(p, z, reduction=reduction, weights=w)
                assert_same(got, expected)
                expected = whole_array_dense_grad(one_hot, z, reduction, w)
                got = crossent.sparse_softmax_cross_entropy_grad(k, z, reduction, w)
                assert_same(got, expected)


# ---------------------------------------------------------------------------------------------
# The core: blocking and threads change nothing


def core_results(p, z, k, threads, block_rows):
    kw = {"threads": threads, "block_rows": block_rows}
    ax = z.ndim - 1
    return [
        *_kernels.dense_rows(p, z, ax, want_loss=True, want_grad=True, **kw),
        *_kernels.dense_rows(p, z, ax, want_loss=True, want_grad=False, **kw)[:1],
        *_kernels.dense_rows(p, z, ax, want_loss=False, want_grad=True, **kw)[1:],
        *_kernels.sparse_rows(k, z, want_loss=True, want_grad=True, **kw),
        _kernels.softmax_rows(z, ax, 1.0, **kw),
        _kernels.softmax_rows(z, ax, 0.3, **kw),
        _kernels.log_normalizer_rows(z, ax, "z", **kw),
        _kernels.log_normalizer_rows(z, ax, "z", log_softmax=True, **kw),
    ]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("m", "n"), [(97, 300), (7, 5000), (300, 3)])
def test_blocking_and_threads_change_nothing(dtype, m, n):
    rng = np.random.default_rng(m + n)
    p, z, k = batch(rng, m, n, dtype, scale=8, soft=True)
    z[0, : n // 2] = -INF
    reference = core_results(p, z, k, threads=1, block_rows=m)  # one block, one thread
    for threads, block_rows in [(1, 1), (2, 1), (2, 7), (3, 10), (2, None), (None, None)]:
        for got, want in zip(core_results(p, z, k, threads, block_rows), reference, strict=True):
            assert_same(got, want)


def test_the_number_of_threads_from_the_environment(monkeypatch):
    monkeypatch.setenv(_kernels.THREADS_VARIABLE, "3")
    assert _kernels.default_threads() == 3
    rng = np.random.default_rng(9)
    p, z, _ = batch(rng, 300, 300)
    three = crossent.softmax_cross_entropy_value_and_grad(p, z)
    monkeypatch.setenv(_kernels.THREADS_VARIABLE, "1")
    one = crossent.softmax_cross_entropy_value_and_grad(p, z)
    assert_same(three[0], one[0])
    assert_same(three[1], one[1])
    monkeypatch.delenv(_kernels.THREADS_VARIABLE)
    assert _kernels.default_threads() >= 1
    for bad in ["0", "two", "-1"]:
        monkeypatch.setenv(_kernels.THREADS_VARIABLE, bad)
        with pytest.raises(ValueError, match="CROSSENT_NUM_THREADS must be a positive whole"):
            crossent.softmax_cross_entropy_value_and_grad(p, z)


def _threaded_call_in_child(queue):
    rng = np.random.default_rng(0)
    p, z, _ = batch(rng, 400, 400)
    queue.put(float(crossent.softmax_cross_entropy_value_and_grad(p, z, reduction="sum")[0]))


def test_a_forked_child_can_use_the_threads():
    rng = np.random.default_rng(0)
    p, z, _ = batch(rng, 400, 400)
    expected = float(crossent.softmax_cross_entropy_value_and_grad(p, z, reduction="sum")[0])
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, Python 3.12+
        child = context.Process(target=_threaded_call_in_child, args=(queue,))
        child.start()
    child.join(timeout=60)
    assert child.exitcode == 0, "the child hung or failed"
    assert queue.get(timeout=5) == expected


def test_sum_margin_bounds_the_rounding_of_numpy_sums():
    # the quick label test relies on NumPy's float32 row sums being within the margin of the
    # float64 sum; here on rows built to round badly (many tiny entries and one large one)
    rng = np.random.default_rng(10)
    for n in [3, 100, 1000, 40_000]:
        margin = _kernels.sum_margin(n, np.float32)
        for _ in range(5):
            p = rng.random((4, n)).astype(np.float32) ** 8
            p[:, 0] = 1.0
            exact = np.array([math.fsum(row) for row in p.astype(np.float64)])
            err = np.abs(p.sum(axis=1).astype(np.float64) - exact)
            assert np.all(err <= margin * exact / 2)


# ---------------------------------------------------------------------------------------------
# Bad input: the same errors as the separate functions


def dense_calls(labels, logits, axis=-1, reduction="none", weights=None):
    return {
        "fused": lambda: crossent.softmax_cross_entropy_value_and_grad(
            labels, logits, axis, reduction, weights
        ),
        "grad": lambda: crossent.softmax_cross_entropy_grad(
            labels, logits, axis, reduction, weights
        ),
        "loss": lambda: separate(labels, logits, axis, reduction, weights)[0],
    }


def sparse_calls(labels, logits, reduction="none", weights=None):
    return {
        "fused": lambda: crossent.sparse_softmax_cross_entropy_value_and_grad(
            labels, logits, reduction, weights
        ),
        "grad": lambda: crossent.sparse_softmax_cross_entropy_grad(
            labels, logits, reduction, weights
        ),
        "loss": lambda: separate_sparse(labels, logits, reduction, weights)[0],
    }


def raised(call):
    with pytest.raises((TypeError, ValueError)) as info:
        call()
    return type(info.value), str(info.value)


def big_with(where, value, shape=(300, 400)):
    z = np.zeros(shape)
    z[where] = value
    return z


BIG_P = np.full((300, 400), 1 / 400)
BAD_DENSE = {
    "shapes differ": ([1, 0], [[0.0, 0.0]]),
    "labels do not sum to 1": ([[0.5, 0.4]], [[0.0, 0.0]]),
    "labels negative": ([[1.5, -0.5]], [[0.0, 0.0]]),
    "labels above 1": ([[1.0 + 1e-7, 0.0]], [[0.0, 0.0]]),
    "labels NaN": ([[math.nan, 1.0]], [[0.0, 0.0]]),
    "labels complex": ([[1j, 0]], [[0.0, 0.0]]),
    "labels text": ("one", [0.0]),
    "logits NaN": ([[1.0, 0.0]], [[0.0, math.nan]]),
    "logits +inf": ([[1.0, 0.0]], [[INF, 0.0]]),
    "logits all -inf": ([[1.0, 0.0]], [[-INF, -INF]]),
    "logits scalar": (1.0, 0.0),
    "logits ragged": ([[1.0, 0.0], [1.0]], [[0.0, 0.0], [0.0]]),
    "empty class axis": (np.zeros((2, 0)), np.zeros((2, 0))),
    "NaN deep in a big batch": (BIG_P, big_with((250, 17), math.nan)),
    "+inf deep in a big batch": (BIG_P, big_with((123, 399), INF)),
    "a -inf row in a big batch": (BIG_P, big_with((299, slice(None)), -INF)),
    "a bad label row in a big batch": (big_with((201, 3), 0.5) + BIG_P, np.zeros((300, 400))),
    "bad labels before bad logits": (
        big_with((250, 3), -0.25) + BIG_P,
        big_with((10, 3), math.nan),
    ),
}


@pytest.mark.parametrize("case", list(BAD_DENSE), ids=list(BAD_DENSE))
def test_bad_dense_input_raises_the_same_error(case):
    labels, logits = BAD_DENSE[case]
    calls = dense_calls(labels, logits)
    fused = raised(calls["fused"])
    assert fused == raised(calls["grad"])
    assert fused == raised(calls["loss"])


BAD_ARGUMENTS = {
    "axis out of range": {"axis": 2},
    "axis not an int": {"axis": 1.0},
    "axis a tuple": {"axis": (0, 1)},
    "weights wrong shape": {"weights": [1.0, 2.0, 3.0]},
    "weights negative": {"weights": [1.0, -1.0]},
    "weights NaN": {"weights": [math.nan, 1.0]},
    "weights infinite": {"weights": INF},
    "weights complex": {"weights": [1j, 1]},
}


@pytest.mark.parametrize("case", list(BAD_ARGUMENTS), ids=list(BAD_ARGUMENTS))
def test_bad_arguments_raise_the_same_error_as_the_gradient(case):
    labels, logits = np.array(P[:2]), np.log(Q)
    calls = dense_calls(labels, logits, **BAD_ARGUMENTS[case])
    assert raised(calls["fused"]) == raised(calls["grad"])
    if "weights" in BAD_ARGUMENTS[case]:  # reduce_loss calls its losses "per_example"
        kind, message = raised(calls["loss"])
        assert (kind, message.replace("per_example", "per-example loss")) == raised(calls["fused"])
        sparse = sparse_calls([0, 1], logits, **BAD_ARGUMENTS[case])
        assert raised(sparse["fused"]) == raised(sparse["grad"])


@pytest.mark.parametrize("reduction", ["batch", None, "Mean", 1])
def test_an_unknown_reduction(reduction):
    fused = raised(dense_calls(P, np.log(Q), reduction=reduction)["fused"])
    assert fused == raised(dense_calls(P, np.log(Q), reduction=reduction)["grad"])
    assert fused == raised(sparse_calls([0, 0], np.log(Q), reduction=reduction)["fused"])
    assert fused[1].startswith("reduction must be one of 'mean', 'sum', 'none'")


def test_labels_and_logits_are_checked_before_the_weights():
    bad_weights = [1.0, -1.0]
    for labels, logits in [([[0.5, 0.4]] * 2, [[0.0, 0.0]] * 2), (P[:2], [[0, INF, 0]] * 2)]:
        calls = dense_calls(labels, logits, weights=bad_weights)
        assert raised(calls["fused"]) == raised(calls["grad"]) == raised(calls["loss"])
        assert "weights" not in raised(calls["fused"])[1]
    calls = sparse_calls([0, 1], [[0.0, math.nan]] * 2, weights=bad_weights)
    assert raised(calls["fused"]) == raised(calls["grad"]) == raised(calls["loss"])


BAD_SPARSE = {
    "float labels": ([0.0, 1.0], [[0.0, 0.0]] * 2),
    "a label out of range": ([0, 3], [[0.0, 0.0, 0.0]] * 2),
    "a negative label": ([-1, 0], [[0.0, 0.0]] * 2),
    "labels shape": ([0, 1, 1], [[0.0, 0.0]] * 2),
    "logits scalar": (0, 1.0),
    "logits NaN": ([0], [[math.nan, 0.0]]),
    "logits +inf": ([0], [[INF, 0.0]]),
    "logits all -inf": ([0, 0], [[0.0, 0.0], [-INF, -INF]]),
    "no classes": (np.zeros(0, dtype=int), np.zeros((0, 0))),
    "NaN deep in a big batch": (np.zeros(300, dtype=int), big_with((250, 17), math.nan)),
}


@pytest.mark.parametrize("case", list(BAD_SPARSE), ids=list(BAD_SPARSE))
def test_bad_sparse_input_raises_the_same_error(case):
    labels, logits = BAD_SPARSE[case]
    calls = sparse_calls(labels, logits)
    fused = raised(calls["fused"])
    assert fused == raised(calls["grad"])
    assert fused == raised(calls["loss"])


def test_sparse_labels_with_a_class_axis_are_pointed_to_the_dense_function():
    labels, logits = [[1, 0], [0, 1]], [[0.0, 0.0]] * 2
    kind, message = raised(sparse_calls(labels, logits)["fused"])
    assert kind is ValueError
    assert message.endswith(
        "(for one-hot or probability labels, use softmax_cross_entropy_value_and_grad)"
    )
    grad = raised(sparse_calls(labels, logits)["grad"])[1]
    assert message == grad.replace(
        "softmax_cross_entropy_grad", "softmax_cross_entropy_value_and_grad"
    )


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def dense_inputs(draw):
    """A batch of labels (one-hot or soft, either dtype) and logits, extremes included."""
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    m, n = draw(st.integers(1, 5)), draw(st.integers(1, 7))
    width = 32 if dtype == np.float32 else 64
    big = F32_BIG if dtype == np.float32 else 1e308
    values = st.one_of(
        st.floats(-30, 30, width=width),
        st.sampled_from([0.0, 1e4, -1e4, big, -big, -INF]),
        st.floats(-big, big, width=width),
    )
    z = draw(hnp.arrays(dtype, (m, n), elements=values))
    z[:, draw(st.integers(0, n - 1))] = draw(st.floats(-30, 30, width=width))  # one finite
    if draw(st.booleans()):
        k = draw(hnp.arrays(np.int64, m, elements=st.integers(0, n - 1)))
        p = np.eye(n)[k]
    else:
        w = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(0, 1)))
        w[:, 0] += 1e-3
        p = w / w.sum(axis=1, keepdims=True)
    p = p.astype(draw(st.sampled_from([dtype, np.float64])))
    return p, z


weights_for = st.one_of(
    st.none(),
    st.sampled_from([0.0, 1.0, 2.5]),
    st.integers(1, 5).flatmap(
        lambda m: hnp.arrays(np.float64, m, elements=st.sampled_from([0.0, 0.5, 1.0, 3.0]))
    ),
)


@settings(max_examples=200, deadline=None)
@given(dense_inputs(), st.sampled_from(REDUCTIONS), weights_for, st.sampled_from([-1, 0]))
def test_fused_equals_separate(pz, reduction, weights, axis):
    p, z = pz
    if axis == 0:
        p, z = p.T, z.T
    m = z.shape[1 - axis % 2] if z.ndim == 2 else 1
    if isinstance(weights, np.ndarray) and weights.shape != (m,):
        weights = None
    with np.errstate(over="ignore"):  # reduce_loss: a float32 loss of 3e38 times 2.5 is inf
        check_dense(p, z, axis, reduction, weights)


@settings(max_examples=200, deadline=None)
@given(dense_inputs(), st.sampled_from(REDUCTIONS), weights_for, st.data())
def test_sparse_fused_equals_separate(pz, reduction, weights, data):
    _, z = pz
    m, n = z.shape
    k = data.draw(hnp.arrays(np.int64, m, elements=st.integers(0, n - 1)))
    if isinstance(weights, np.ndarray) and weights.shape != (m,):
        weights = None
    with np.errstate(over="ignore"):
        _, grad = check_sparse(k, z, reduction, weights)
    assert grad.dtype == z.dtype


@settings(max_examples=100, deadline=None)
@given(dense_inputs())
def test_the_loss_is_non_negative_and_gradient_rows_sum_to_zero(pz):
    p, z = pz
    with no_warnings():
        loss, grad = crossent.softmax_cross_entropy_value_and_grad(p, z)
    assert np.all(loss >= 0)
    eps = float(np.finfo(z.dtype).eps)
    n = z.shape[-1]
    for row in grad.astype(np.float64):
        assert abs(math.fsum(row)) <= (n + 4) * eps
