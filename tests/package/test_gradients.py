"""Tests for the gradients of the losses on logits (crossent.gradients, chapter 9).

Expected values come from hand calculation, from derivatives taken by mpmath at 50 significant
digits (``mpmath.diff`` of an mpmath loss, so not from the closed form under test), or from
central finite differences of the package's losses, which ``test_losses.py`` checks against
mpmath. TensorFlow's gradients are compared in ``test_tf_agreement.py``.
"""

from __future__ import annotations

import contextlib
import math
import subprocess
import sys
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import check

mpmath.mp.dps = 50
INF = math.inf
LN3 = math.log(3)

P = [[1, 0, 0], [1, 0, 0]]  # the article's labels, a batch of m = 2, n = 3
Q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]  # its q1 and q2

# ---------------------------------------------------------------------------------------------
# Independent references: mpmath derivatives of mpmath losses


def mp_softmax_loss(p, z):
    """-sum p_i (z_i - log sum exp z), in mpmath."""
    lse = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in z))
    return -mpmath.fsum(a * (x - lse) for a, x in zip(p, z, strict=True) if a != 0)


def mp_softmax_grad(p, z):
    """The gradient of the loss of one example, by numerical differentiation in mpmath."""
    p = [mpmath.mpf(float(v)) for v in p]
    z = [mpmath.mpf(float(v)) for v in z]
    out = []
    for j in range(len(z)):

        def f(t, j=j):
            return mp_softmax_loss(p, [t if i == j else x for i, x in enumerate(z)])

        out.append(float(mpmath.diff(f, z[j])))
    return out


def mp_sigmoid_grad(p, x):
    """d/dx of p log(1 + e^-x) + (1 - p) log(1 + e^x), by mpmath."""
    p = mpmath.mpf(float(p))

    def f(t):
        return p * mpmath.log1p(mpmath.exp(-t)) + (1 - p) * mpmath.log1p(mpmath.exp(t))

    return float(mpmath.diff(f, mpmath.mpf(float(x))))


def assert_ulps(actual, expected, ulps):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    same = actual == expected
    err = np.where(same, 0, np.abs(actual - expected))
    bad = ~same & ~(err <= ulps * np.spacing(np.abs(expected)))
    assert not bad.any(), f"more than {ulps} ulps off: got {actual[bad]}, expected {expected[bad]}"


@contextlib.contextmanager
def no_warnings():
    """A context in which any warning, NumPy's floating-point ones included, is an error."""
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        yield


def central_differences(f, z, h=1e-5):
    """Central differences of the scalar function f at every entry of z (float64)."""
    grad = np.empty_like(z)
    for index in np.ndindex(z.shape):
        step = h * max(1.0, abs(z[index]))
        up, down = z.copy(), z.copy()
        up[index] += step
        down[index] -= step
        grad[index] = (f(up) - f(down)) / (up[index] - down[index])
    return grad


# ---------------------------------------------------------------------------------------------
# Known values by hand


def test_the_article_batch_gives_q_minus_p():
    z = np.log(Q)
    expected = np.array(Q) - np.array(P)  # (-0.5, 0.2, 0.3) and (-0.2, 0.1, 0.1)
    np.testing.assert_allclose(crossent.softmax_cross_entropy_grad(P, z), expected, atol=1e-15)
    np.testing.assert_allclose(
        crossent.sparse_softmax_cross_entropy_grad([0, 0], z), expected, atol=1e-15
    )


def test_reductions_scale_the_per_example_gradients():
    z = np.log(Q)
    per_example = crossent.softmax_cross_entropy_grad(P, z)
    np.testing.assert_array_equal(
        crossent.softmax_cross_entropy_grad(P, z, reduction="sum"), per_example
    )
    mean = crossent.softmax_cross_entropy_grad(P, z, reduction="mean")
    np.testing.assert_allclose(mean, [[-0.25, 0.1, 0.15], [-0.1, 0.05, 0.05]], atol=1e-15)
    # weights 3 and 1: each row times its weight, divided by the sum of the weights, 4
    weighted = crossent.softmax_cross_entropy_grad(P, z, reduction="mean", weights=[3, 1])
    np.testing.assert_allclose(weighted, [[-0.375, 0.15, 0.225], [-0.05, 0.025, 0.025]], atol=1e-15)
    masked = crossent.softmax_cross_entropy_grad(P, z, reduction="mean", weights=[1, 0])
    np.testing.assert_allclose(masked, [[-0.5, 0.2, 0.3], [0, 0, 0]], atol=1e-15)
    nothing = crossent.softmax_cross_entropy_grad(P, z, reduction="mean", weights=0)
    np.testing.assert_array_equal(nothing, np.zeros((2, 3)))
    assert not np.signbit(nothing).any() and not np.signbit(masked[1]).any()


def test_soft_labels_and_label_smoothing():
    # soft labels (0.9, 0.1) at equal logits: q - p = (0.5 - 0.9, 0.5 - 0.1)
    np.testing.assert_allclose(
        crossent.softmax_cross_entropy_grad([0.9, 0.1], [0.0, 0.0]), [-0.4, 0.4], atol=1e-15
    )
    # label smoothing eps = 0.1 on n = 3 classes: the target becomes (1 - eps + eps/3, eps/3, ...)
    eps, n = 0.1, 3
    smooth = np.array([1 - eps + eps / n, eps / n, eps / n])
    np.testing.assert_allclose(
        crossent.softmax_cross_entropy_grad(smooth, [0.0, 0.0, 0.0]),
        1 / 3 - smooth,
        atol=1e-15,
    )
    # ... and the gradient vanishes at finite logits, where softmax(z) equals that target
    at_target = crossent.softmax_cross_entropy_grad(smooth, np.log(smooth) + 7.0)
    np.testing.assert_allclose(at_target, 0, atol=1e-15)


def test_sigmoid_by_hand():
    # sigma(0) = 1/2, sigma(ln 3) = 3/4
    np.testing.assert_allclose(
        crossent.sigmoid_cross_entropy_grad([1, 0, 0.5, 1], [0.0, 0.0, LN3, -LN3]),
        [-0.5, 0.5, 0.25, -0.75],
        atol=1e-15,
    )
    # mean over all 2×2 elements
    np.testing.assert_allclose(
        crossent.sigmoid_cross_entropy_grad([[1, 0], [0, 1]], [[0.0] * 2] * 2, reduction="mean"),
        [[-0.125, 0.125], [0.125, -0.125]],
        atol=1e-15,
    )
    out = crossent.sigmoid_cross_entropy_grad(1, LN3)
    assert isinstance(out, np.float64) and out == pytest.approx(-0.25, rel=1e-15)


# ---------------------------------------------------------------------------------------------
# Against mpmath, to the last few bits, extreme logits included

SOFTMAX_CASES = [
    ([1, 0, 0], [1.0, 2.0, 3.0]),
    ([0, 0, 1], [1.0, 2.0, 3.0]),
    ([1, 0], [40.0, 0.0]),  # a confident right answer: q_0 - 1 = -1/(1 + e^40) = -4.2e-18
    ([0, 1], [40.0, 0.0]),
    ([0, 1, 0], [1e5, 1e5 - 1, 0.0]),
    ([0, 0, 1], [0.0, -800.0, -750.0]),  # q rounds to 0 for the true class: gradient -1
    ([1, 0, 0, 0], [3.0, 3.0, 3.0, -30.0]),  # ties for the maximum
    ([0.2, 0.3, 0.5], [1.0, 2.0, 3.0]),
    ([0.5, 0.5], [0.0, 1e-8]),
]


@pytest.mark.parametrize(("p", "z"), SOFTMAX_CASES, ids=str)
def test_softmax_gradient_matches_mpmath(p, z):
    with no_warnings():
        out = crossent.softmax_cross_entropy_grad(p, z)
    expected = mp_softmax_grad(p, z)
    if max(p) == 1:  # one-hot: no cancellation left, every entry to a few ulps
        assert_ulps(out, expected, 4)
    else:  # soft labels: q_j - p_j cancels, so the error is relative to q_j + p_j
        q = crossent.softmax(z)
        assert np.all(np.abs(out - expected) <= 4 * np.spacing(q + np.asarray(p)))


def test_confident_right_answer_keeps_its_small_gradient():
    out = crossent.softmax_cross_entropy_grad([1, 0], [40.0, 0.0])
    tiny = 1 / (1 + math.exp(40))
    np.testing.assert_allclose(out, [-tiny, tiny], rtol=1e-15)
    naive = crossent.softmax([40.0, 0.0]) - [1, 0]  # q_0 - 1 rounds to 0
    assert naive[0] == 0
    # the sparse version, and float32 (where e^-20 = 2e-9 is far below eps32 = 1.2e-7)
    np.testing.assert_allclose(
        crossent.sparse_softmax_cross_entropy_grad([0], [[40.0, 0.0]]), [out], rtol=1e-15
    )
    out32 = crossent.softmax_cross_entropy_grad(np.float32([1, 0]), np.float32([20, 0]))
    tiny = 1 / (1 + math.exp(20))
    assert out32.dtype == np.float32
    np.testing.assert_allclose(out32, [-tiny, tiny], rtol=4e-7)


@pytest.mark.parametrize(
    "x", [0.0, 1e-10, -1e-10, 1.0, -1.0, 30.0, -30.0, 40.0, -40.0, 700.0, -745.0, 800.0]
)
@pytest.mark.parametrize("label", [0.0, 0.3, 1.0])
def test_sigmoid_gradient_matches_mpmath(x, label):
    with no_warnings():
        out = crossent.sigmoid_cross_entropy_grad(label, x)
    expected = mp_sigmoid_grad(label, x)
    if label in (0.0, 1.0):
        assert_ulps(out, expected, 4)
    else:  # sigma(x) - 0.3 cancels near x = logit(0.3): relative to the terms' size
        assert abs(out - expected) <= 4 * np.spacing(1.0)


def test_sigmoid_extremes_are_exact_limits_without_warnings():
    x = [INF, INF, -INF, -INF, INF, 1e308, -1e308, 3000.0]
    p = [1.0, 0.0, 1.0, 0.0, 0.25, 0.5, 0.5, 1.0]
    with no_warnings():
        out = crossent.sigmoid_cross_entropy_grad(p, x)
        x32 = np.float32([INF, INF, -INF, -INF, INF, 3e38, -3e38, 3000.0])
        out32 = crossent.sigmoid_cross_entropy_grad(np.float32(p), x32)
    np.testing.assert_array_equal(out, [0.0, 1.0, -1.0, 0.0, 0.75, 0.5, -0.5, 0.0])
    assert out32.dtype == np.float32
    np.testing.assert_array_equal(out32, [0.0, 1.0, -1.0, 0.0, 0.75, 0.5, -0.5, 0.0])
    assert not np.signbit(out[out == 0]).any()  # +0, not -0


def test_softmax_extremes_without_warnings():
    with no_warnings():
        # float32 logits of ±3e38: their differences overflow to -inf, whose exp is 0
        out = crossent.softmax_cross_entropy_grad(
            np.float32([[0, 1, 0]]), np.float32([[3e38, -3e38, 0.0]])
        )
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, [[1, -1, 0]])
        # a -inf logit with a positive label: the loss is +inf, the gradient its limit -p
        out = crossent.softmax_cross_entropy_grad([0.25, 0.75], [0.0, -INF])
        np.testing.assert_array_equal(out, [0.75, -0.75])
        out = crossent.softmax_cross_entropy_grad([1, 0], [-1e308, 1e308])
        np.testing.assert_array_equal(out, [-1, 1])


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def labels_and_logits(draw, dtype=np.float64, low=-30.0, high=30.0, extremes=False):
    """An m×n batch of labels (one-hot or soft) and logits; with extremes, huge logits too."""
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 6))
    width = 32 if dtype == np.float32 else 64
    values = st.floats(low, high, width=width)
    if extremes:
        big = float(np.float32(3e38)) if dtype == np.float32 else 1e308
        values = st.one_of(
            values,
            st.sampled_from([0.0, 1e4, -1e4, big, -big]),
            st.floats(-big, big, width=width),
        )
    z = draw(hnp.arrays(dtype, (m, n), elements=values))
    if draw(st.booleans()):
        k = draw(hnp.arrays(np.int64, m, elements=st.integers(0, n - 1)))
        p = np.eye(n)[k]
    else:
        w = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(0, 1)))
        w[:, 0] += 1e-3  # no empty row
        p = w / w.sum(axis=1, keepdims=True)
    return p.astype(dtype), z


@settings(max_examples=60, deadline=None)
@given(labels_and_logits(), st.sampled_from(["none", "sum", "mean"]), st.data())
def test_gradient_of_the_reduced_loss_matches_finite_differences(pz, reduction, data):
    p, z = pz
    axis = data.draw(st.sampled_from([-1, 0]))
    if axis == 0:
        p, z = p.T.copy(), z.T.copy()
    m = z.shape[1 - axis % 2]
    weights = data.draw(
        st.none() | hnp.arrays(np.float64, m, elements=st.sampled_from([0.0, 0.5, 1.0, 4.0]))
    )

    def total(logits):
        losses = crossent.softmax_cross_entropy_with_logits(p, logits, axis=axis)
        return float(np.sum(crossent.reduce_loss(losses, reduction, weights)))

    grad = crossent.softmax_cross_entropy_grad(p, z, axis, reduction, weights)
    # step h = 1e-5 |z|: truncation error h^2/6 |L'''| < 1e-10; rounding in the loss
    # (a few eps times |z| <= 30) divided by 2h: < 1e-9; weights up to 4
    np.testing.assert_allclose(grad, central_differences(total, z), rtol=0, atol=1e-7)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-30, 30)),
    st.data(),
)
def test_sigmoid_gradient_matches_finite_differences(x, data):
    p = data.draw(hnp.arrays(np.float64, x.shape, elements=st.sampled_from([0.0, 0.3, 1.0])))
    reduction = data.draw(st.sampled_from(["none", "sum", "mean"]))

    def total(logits):
        losses = crossent.sigmoid_cross_entropy_with_logits(p, logits)
        return float(np.sum(crossent.reduce_loss(losses, reduction)))

    grad = crossent.sigmoid_cross_entropy_grad(p, x, reduction=reduction)
    np.testing.assert_allclose(grad, central_differences(total, x), rtol=0, atol=1e-8)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([np.float32, np.float64]).flatmap(
        lambda dtype: labels_and_logits(dtype, extremes=True)
    )
)
def test_rows_sum_to_zero(pz):
    # shifting every logit of a row by the same amount changes nothing, so the gradient is
    # orthogonal to (1, ..., 1); each entry is rounded relative to q_j + p_j <= 2, plus the
    # rounding of the sum of n exponentials: (n + 4) eps bounds what is left
    p, z = pz
    with no_warnings():
        grad = crossent.softmax_cross_entropy_grad(p, z)
    assert grad.dtype == z.dtype
    eps = float(np.finfo(z.dtype).eps)
    n = z.shape[-1]
    for row in grad.astype(np.float64):
        assert abs(math.fsum(row)) <= (n + 4) * eps
        assert np.all(np.abs(row) <= 1 + n * eps)  # |q_j sum(p) - p_j| <= 1, up to rounding


@settings(max_examples=100, deadline=None)
@given(labels_and_logits(low=-10, high=10))
def test_chain_rule_through_the_softmax_jacobian(pz):
    # dL/dz = J^T dL/dq with dL/dq = -p / q: the long way round gives the fused gradient
    p, z = pz
    grad = crossent.softmax_cross_entropy_grad(p, z)
    for pr, zr, gr in zip(p, z, grad, strict=True):
        q = crossent.softmax(zr)
        long_way = crossent.softmax_jacobian(zr).T @ (-pr / q)
        np.testing.assert_allclose(gr, long_way, rtol=0, atol=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([np.float32, np.float64]).flatmap(
        lambda dtype: labels_and_logits(dtype, extremes=True)
    )
)
def test_sparse_equals_dense_on_one_hot_labels(pz):
    _, z = pz
    k = np.arange(z.shape[0]) % z.shape[1]
    dense = crossent.softmax_cross_entropy_grad(np.eye(z.shape[1], dtype=z.dtype)[k], z)
    np.testing.assert_array_equal(crossent.sparse_softmax_cross_entropy_grad(k, z), dense)


@settings(max_examples=60, deadline=None)
@given(labels_and_logits())
def test_soft_labels_use_the_same_formula(pz):
    # the gradient of a mixture of labels is the mixture of the gradients
    p, z = pz
    n = z.shape[-1]
    eps = 0.1
    smooth = (1 - eps) * p + eps / n
    mixed = (1 - eps) * crossent.softmax_cross_entropy_grad(p, z) + eps * (
        crossent.softmax_cross_entropy_grad(np.full_like(p, 1 / n), z)
    )
    np.testing.assert_allclose(
        crossent.softmax_cross_entropy_grad(smooth, z), mixed, rtol=0, atol=1e-14
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    z = np.array([[1.0, 2.0, 3.0]], dtype=dtype)
    assert crossent.softmax_cross_entropy_grad([[0, 0, 1]], z).dtype == dtype
    assert crossent.sparse_softmax_cross_entropy_grad([2], z, reduction="mean").dtype == dtype
    assert crossent.sigmoid_cross_entropy_grad(np.zeros(3), z[0], weights=2).dtype == dtype
    assert crossent.softmax_cross_entropy_grad([1, 0], [1, 2]).dtype == np.float64  # integers


# ---------------------------------------------------------------------------------------------
# Bad input: the loss's messages, and the reduction's

BAD_INPUT = [
    (
        lambda: crossent.softmax_cross_entropy_grad([[1, 0]], [[1.0, 2.0, 3.0]]),
        ValueError,
        r"labels and logits must have the same shape; "
        r"got labels shape \(1, 2\) and logits shape \(1, 3\)",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([[1, 0], [0.6, 0.6]], [[0.0, 0.0]] * 2),
        ValueError,
        r"labels must sum to 1 along axis -1; row 1 sums to 1\.2",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1.5, -0.5], [0.0, 0.0]),
        ValueError,
        r"labels must hold probabilities in \[0, 1\]; labels\[0\] = 1\.5",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [math.nan, 0.0]),
        ValueError,
        r"logits contains NaN at index 0",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [0.0, INF]),
        ValueError,
        r"logits must be finite or -inf .*; logits\[1\] = \+inf",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([[1, 0], [1, 0]], [[0.0, 0.0], [-INF, -INF]]),
        ValueError,
        r"logits row 1 is -inf everywhere along axis -1",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad(np.zeros((2, 0)), np.zeros((2, 0))),
        ValueError,
        r"logits has an empty axis 1",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad(1.0, 1.0),
        ValueError,
        r"logits must have at least one dimension",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [0.0, 1.0], axis=-3),
        ValueError,
        r"axis -3 is out of range for logits",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [0.0, 1.0], axis=0.0),
        TypeError,
        r"axis must be an int; got float 0\.0",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1j, 0], [0.0, 1.0]),
        TypeError,
        r"labels must hold real numbers",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], ["a", "b"]),
        TypeError,
        r"logits must be an array of real numbers",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [0.0, 0.0], reduction="avg"),
        ValueError,
        r"reduction must be one of 'mean', 'sum', 'none'; got 'avg'",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad([1, 0], [0.0, 0.0], "mean"),
        TypeError,
        r"axis must be an int; got str 'mean'",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad(P, np.log(Q), weights=[1.0, 2.0, 3.0]),
        ValueError,
        r"weights shape \(3,\) does not broadcast to per-example loss shape \(2,\)",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad(P, np.log(Q), weights=[1.0, -1.0]),
        ValueError,
        r"weights must be finite and non-negative .*; weights\[1\] = -1",
    ),
    (
        lambda: crossent.softmax_cross_entropy_grad(P, np.log(Q), weights=[math.nan, 1.0]),
        ValueError,
        r"weights contains NaN at index 0",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([0, 3], [[0.0, 0.0, 0.0]] * 2),
        ValueError,
        r"labels must be class ids in \[0, n\) with n = 3 classes; labels\[1\] = 3",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([0.0, 1.0], [[0.0, 0.0]] * 2),
        TypeError,
        r"labels must be integer class ids in \[0, 2\); got dtype float64",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([[1, 0], [0, 1]], [[0.0, 0.0]] * 2),
        ValueError,
        r"labels must have one dimension fewer than logits \(no class axis\); got labels "
        r"shape \(2, 2\) and logits shape \(2, 2\) \(for one-hot or probability labels, "
        r"use softmax_cross_entropy_grad\)",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([0, 1, 1], [[0.0, 0.0]] * 2),
        ValueError,
        r"labels shape \(3,\) must equal logits shape without its last \(class\) axis, \(2,\)",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad(0, 1.0),
        ValueError,
        r"logits must have at least one dimension",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([0], [[INF, 0.0]]),
        ValueError,
        r"logits\[\(0, 0\)\] = \+inf",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_grad([0], [[0.0, 0.0]], reduction=None),
        ValueError,
        r"reduction must be one of .*; got None",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_grad([1, 0], [0.0]),
        ValueError,
        r"labels and logits must have the same shape; "
        r"got labels shape \(2,\) and logits shape \(1,\)",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_grad([2.0], [0.0]),
        ValueError,
        r"labels must hold probabilities in \[0, 1\]; labels\[0\] = 2",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_grad([1.0], [math.nan]),
        ValueError,
        r"logits contains NaN at index 0",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_grad([[1.0, 0.0]], [[0.0, 0.0]], weights=[1, 2, 3]),
        ValueError,
        r"weights shape \(3,\) does not broadcast to per-example loss shape \(1, 2\)",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_grad([1.0], [0.0], reduction="batch"),
        ValueError,
        r"reduction must be one of 'mean', 'sum', 'none'; got 'batch'",
    ),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_INPUT)
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# The exercise self-checks for the gradients

GRAD_CHECKS = ["softmax_cross_entropy_grad", "sigmoid_cross_entropy_grad"]


def mp_case_value(name, case):
    """Recompute a check case's expected value with the mpmath derivatives."""
    labels, logits = case.args
    if name == "sigmoid_cross_entropy_grad":
        if np.ndim(logits) == 0:
            return mp_sigmoid_grad(labels, logits)
        return [mp_sigmoid_grad(a, x) for a, x in zip(labels, logits, strict=True)]
    p, z = np.asarray(labels, dtype=float), np.asarray(logits, dtype=float)
    if case.kwargs.get("axis", -1) == 0:
        p, z = p.T, z.T
    if z.ndim == 1:
        return mp_softmax_grad(p, z)
    out = np.array([mp_softmax_grad(a, b) for a, b in zip(p, z, strict=True)])
    if case.kwargs.get("reduction") == "mean":
        out /= len(z)
    return out.T if case.kwargs.get("axis", -1) == 0 else out


@pytest.mark.parametrize(
    ("name", "case"), [(name, case) for name in GRAD_CHECKS for case in check.CASES[name]]
)
def test_check_expected_values_agree_with_mpmath(name, case):
    np.testing.assert_allclose(case.expected, mp_case_value(name, case), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", GRAD_CHECKS)
def test_the_package_passes_its_gradient_checks(name):
    result = getattr(check, name)(getattr(crossent, name))
    assert result.passed, result.message
    assert repr(result) == f"{name}: passed all {len(check.CASES[name])} cases"


def test_the_check_catches_common_mistakes():
    # the sign the wrong way round
    result = check.softmax_cross_entropy_grad(
        lambda labels, logits, axis=-1: -crossent.softmax_cross_entropy_grad(labels, logits, axis)
    )
    assert not result
    assert result.message.startswith(
        "softmax_cross_entropy_grad: case 1 (logits ln q for the article's q1: q - p) failed"
    )

    # the textbook softmax overflows on large logits
    def naive(labels, logits, axis=-1):
        with np.errstate(all="ignore"):
            return crossent.softmax_naive(logits, axis=axis) - np.asarray(labels)

    result = check.softmax_cross_entropy_grad(naive)
    assert not result and "large logits (the textbook softmax overflows)" in result.message

    # forgetting the 1/m of the mean is caught; not taking reduction at all is reported
    def no_mean(labels, logits, axis=-1, reduction="none"):
        return crossent.softmax_cross_entropy_grad(labels, logits, axis)

    result = check.softmax_cross_entropy_grad(no_mean)
    assert not result and "the mean over a batch of m = 2" in result.message
    result = check.softmax_cross_entropy_grad(
        lambda labels, logits, axis=-1: crossent.softmax_cross_entropy_grad(labels, logits, axis)
    )
    assert result and "1 skipped: your function takes no 'reduction' argument" in result.message

    # p - sigma(x): the sign again
    result = check.sigmoid_cross_entropy_grad(
        lambda labels, logits: -crossent.sigmoid_cross_entropy_grad(labels, logits)
    )
    assert not result and "case 1 (logit 0, label 1)" in result.message


# ---------------------------------------------------------------------------------------------
# TensorFlow stays optional


def run_python(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)


def test_the_package_imports_without_tensorflow():
    done = run_python(
        "import sys, crossent\n"
        "crossent.softmax_cross_entropy_grad([1, 0], [0.0, 0.0])\n"
        "assert 'tensorflow' not in sys.modules, 'import crossent imported tensorflow'\n"
        "assert 'keras' not in sys.modules, 'import crossent imported keras'\n"
    )
    assert done.returncode == 0, done.stderr


def test_crossent_tf_says_how_to_install_tensorflow():
    done = run_python(
        "import sys\n"
        "sys.modules['tensorflow'] = None  # as if TensorFlow were not installed\n"
        "import crossent.tf\n"
    )
    assert done.returncode != 0
    assert "ModuleNotFoundError: crossent.tf needs TensorFlow, which is not installed" in (
        done.stderr
    )
    assert 'pip install "crossent[tf]"' in done.stderr
