"""Tests for cross_entropy, kl_divergence, binary_cross_entropy, the losses on logits and
reduce_loss.

Expected values come from the source article's numbers (as recomputed in the seed digest),
hand calculation, or the mpmath reference below at 50 significant digits, never from the
functions under test.
"""

from __future__ import annotations

import contextlib
import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import check

mpmath.mp.dps = 50
INF = math.inf
F64_MAX = float(np.finfo(np.float64).max)

P = [[1, 0, 0], [1, 0, 0]]  # the article's labels, a batch of m = 2, n = 3
Q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]  # its q1 and q2

# ---------------------------------------------------------------------------------------------
# An independent reference in mpmath, one example at a time


def _mp(x):
    return [mpmath.mpf(float(v)) for v in x]


def mp_cross_entropy(p, q, base=math.e):
    total = mpmath.fsum(a * mpmath.log(b) for a, b in zip(_mp(p), _mp(q), strict=True) if a > 0)
    return float(-total / mpmath.log(base))


def mp_kl(p, q, base=math.e):
    # log a - log b, not log(a / b): mpmath's log 0 = -inf makes q = 0 < p give +inf
    pairs = zip(_mp(p), _mp(q), strict=True)
    total = mpmath.fsum(a * (mpmath.log(a) - mpmath.log(b)) for a, b in pairs if a > 0)
    return float(total / mpmath.log(base))


def mp_bce(p, q, base=math.e):
    total = mpmath.mpf(0)
    for a, b in zip(_mp(p), _mp(q), strict=True):
        if a > 0:
            total += a * mpmath.log(b)
        if a < 1:
            total += (1 - a) * mpmath.log(1 - b)
    return float(-total / mpmath.log(base))


def mp_softmax_ce(p, z):
    """-sum p_i (z_i - logsumexp z), with logsumexp = m + log1p(sum of the others)."""
    zs = _mp(z)
    k = max(range(len(zs)), key=lambda i: zs[i])
    m = zs[k]
    rest = mpmath.fsum(mpmath.exp(x - m) for i, x in enumerate(zs) if i != k and x != -INF)
    lse_minus_m = mpmath.log1p(rest)
    total = mpmath.mpf(0)
    for a, x in zip(_mp(p), zs, strict=True):
        if a > 0:
            if x == -INF:
                return INF
            total += a * ((m - x) + lse_minus_m)
    return float(total)


def mp_sigmoid_ce(p, x):
    """p softplus(-x) + (1 - p) softplus(x): -log sigma(x) = log1p(e^-x), exactly."""
    p, x = mpmath.mpf(float(p)), mpmath.mpf(float(x))
    return float(p * mpmath.log1p(mpmath.exp(-x)) + (1 - p) * mpmath.log1p(mpmath.exp(x)))


def rows(fn, a, b, **kwargs):
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.ndim == 1:
        return fn(a, b, **kwargs)
    return np.array([fn(x, y, **kwargs) for x, y in zip(a, b, strict=True)])


def assert_ulps(actual, expected, ulps):
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    same = actual == expected
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.where(same, 0, np.abs(actual - expected))
        bad = ~same & ~(err <= ulps * np.spacing(np.abs(expected)))
    assert not bad.any(), f"more than {ulps} ulps off: got {actual[bad]}, expected {expected[bad]}"


@contextlib.contextmanager
def no_warnings():
    """A context in which any warning, NumPy's floating-point ones included, is an error."""
    with warnings.catch_warnings(), np.errstate(all="warn"):
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------------------------------------
# The article's numbers (seed digest, "The numbers, recomputed")


@pytest.mark.parametrize(
    ("base", "expected"),
    [(10, [0.30103, 0.09691]), (math.e, [0.69315, 0.22314]), (2, [1.00000, 0.32193])],
)
def test_cross_entropy_article_numbers(base, expected):
    out = crossent.cross_entropy(P, Q, base=base)
    np.testing.assert_allclose(out, expected, atol=5e-6)
    assert_ulps(out, rows(mp_cross_entropy, P, Q, base=base), 2)


@pytest.mark.parametrize(
    ("base", "expected"),
    [(10, [0.55284, 0.18842]), (math.e, [1.27297, 0.43386]), (2, [1.83650, 0.62593])],
)
def test_binary_cross_entropy_article_numbers(base, expected):
    out = crossent.binary_cross_entropy(P, Q, base=base)
    np.testing.assert_allclose(out, expected, atol=5e-6)
    assert_ulps(out, rows(mp_bce, P, Q, base=base), 4)


def test_article_batch_means():
    # the article's 0.2 (base 10), TensorFlow's 0.458 (ln), and what its reduce_mean returns
    assert crossent.reduce_loss(crossent.cross_entropy(P, Q, base=10)) == pytest.approx(
        0.19897, abs=5e-6
    )
    assert crossent.reduce_loss(crossent.cross_entropy(P, Q)) == pytest.approx(0.45815, abs=5e-6)
    snippet = crossent.reduce_loss(-np.array(P) * np.log(Q))  # mean over all 2×3 entries
    assert snippet == pytest.approx(0.15272, abs=5e-6)


def test_logits_give_the_article_numbers():
    z = np.log(Q)
    assert_ulps(crossent.softmax_cross_entropy_with_logits(P, z), rows(mp_softmax_ce, P, z), 4)
    np.testing.assert_allclose(
        crossent.softmax_cross_entropy_with_logits(P, z), [0.69315, 0.22314], atol=5e-6
    )
    np.testing.assert_allclose(
        crossent.sparse_softmax_cross_entropy_with_logits([0, 0], z), [0.69315, 0.22314], atol=5e-6
    )


# ---------------------------------------------------------------------------------------------
# cross_entropy, kl_divergence, binary_cross_entropy: conventions and known values


def test_zero_conventions_without_warnings():
    with no_warnings():
        # q = 0 where p = 0 adds nothing: 0 log 0 = 0
        assert crossent.cross_entropy([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == pytest.approx(
            math.log(2)
        )
        assert crossent.kl_divergence([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]) == 0.0
        # q = 0 where p > 0 costs infinitely much, never NaN
        assert crossent.cross_entropy([0.5, 0.5], [1.0, 0.0]) == INF
        assert crossent.kl_divergence([0.5, 0.5], [1.0, 0.0]) == INF
        assert crossent.binary_cross_entropy([1.0], [0.0]) == INF
        assert crossent.binary_cross_entropy([0.0], [1.0]) == INF
        assert crossent.binary_cross_entropy([0.0, 1.0], [0.0, 1.0]) == 0.0
        assert crossent.binary_cross_entropy([0.3], [0.0]) == INF


def test_results_print_as_positive_zero():
    out = crossent.cross_entropy([1.0, 0.0], [1.0, 0.0])
    assert out == 0 and math.copysign(1, out) == 1
    out = crossent.binary_cross_entropy([[1.0, 0.0]], [[1.0, 0.0]])
    assert math.copysign(1, out[0]) == 1


@pytest.mark.parametrize(
    ("p", "q"),
    [
        ([0.2, 0.3, 0.5], [0.3, 0.3, 0.4]),
        ([0.5, 0.5], [0.9, 0.1]),
        ([1e-300, 1 - 1e-300], [0.5, 0.5]),
        ([0.25, 0.25, 0.25, 0.25], [1e-200, 1e-100, 0.5, 0.5 - 1e-100]),
        ([0.0, 1.0, 0.0], [0.1, 0.8, 0.1]),
    ],
)
@pytest.mark.parametrize("base", [math.e, 2, 10])
def test_probability_losses_match_mpmath(p, q, base):
    assert_ulps(crossent.cross_entropy(p, q, base=base), mp_cross_entropy(p, q, base), 4)
    # KL sums terms of both signs, so its rounding error is relative to the sum of their sizes
    scale = math.fsum(abs(a * math.log(a / b)) for a, b in zip(p, q, strict=True) if a > 0)
    kl = crossent.kl_divergence(p, q, base=base)
    assert abs(kl - mp_kl(p, q, base)) <= 4 * np.spacing(scale / math.log(base))
    assert_ulps(crossent.binary_cross_entropy(p, q, base=base), mp_bce(p, q, base), 8)


def test_kl_by_hand_and_asymmetry():
    kl_pq = crossent.kl_divergence([0.5, 0.5], [0.9, 0.1], base=2)
    assert kl_pq == pytest.approx(0.5 * math.log2(0.5 / 0.9) + 0.5 * math.log2(5), rel=1e-15)
    kl_qp = crossent.kl_divergence([0.9, 0.1], [0.5, 0.5], base=2)
    assert kl_qp == pytest.approx(1 - (-(0.9 * math.log2(0.9) + 0.1 * math.log2(0.1))), rel=1e-14)
    assert kl_pq != pytest.approx(kl_qp)


def test_kl_is_clamped_at_zero_for_nearly_equal_inputs():
    p = np.array([0.1, 0.2, 0.7])
    q = p * (1 + 1e-16 * np.array([1, -1, 0]))
    assert crossent.kl_divergence(p, q) >= 0


def test_axis_and_batches():
    p = np.array([[0.5, 1.0], [0.5, 0.0]])
    q = np.array([[0.25, 0.5], [0.75, 0.5]])
    expected = [mp_cross_entropy(p[:, 0], q[:, 0]), mp_cross_entropy(p[:, 1], q[:, 1])]
    assert_ulps(crossent.cross_entropy(p, q, axis=0), expected, 2)
    assert_ulps(crossent.kl_divergence(p, q, axis=0), [mp_kl(p[:, j], q[:, j]) for j in (0, 1)], 8)
    assert_ulps(
        crossent.binary_cross_entropy(p, q, axis=0), [mp_bce(p[:, j], q[:, j]) for j in (0, 1)], 8
    )
    cube = np.full((2, 3, 4), 0.25)
    assert crossent.cross_entropy(cube, cube).shape == (2, 3)
    assert crossent.kl_divergence(cube, cube, axis=2).shape == (2, 3)


# ---------------------------------------------------------------------------------------------
# The losses on logits: known values at extreme logits

LOGIT_CASES = [
    ([1, 0, 0], [1.0, 2.0, 3.0]),
    ([0.2, 0.3, 0.5], [1.0, 2.0, 3.0]),
    ([1, 0], [40.0, 0.0]),  # a confident right answer: loss log1p(e^-40) = 4.2e-18
    ([0, 1], [1e5, 1e5 - 1]),
    ([0, 1, 0], [1e5, -1e5, 0.0]),
    ([0.5, 0.5, 0, 0], [1e300, 1e300, -1e308, -INF]),
    ([0, 0, 1], [1e300, 1e300, -1e308]),
    ([1, 0], [-1e308, -INF]),
    ([0.25, 0.75], [-1e308, -1e308]),
    ([0, 1, 0], [F64_MAX, 0.0, -F64_MAX]),
    ([0, 1], [0.0, -800.0]),  # softmax gives q = 0 here: the log-space loss is still 800
    ([0.1, 0.9], [-INF, 0.0]),  # a -inf logit where the label is positive
]


@pytest.mark.parametrize(("p", "z"), LOGIT_CASES, ids=str)
def test_softmax_cross_entropy_with_logits_matches_mpmath(p, z):
    with no_warnings():
        out = crossent.softmax_cross_entropy_with_logits(p, z)
    assert_ulps(out, mp_softmax_ce(p, z), 4)


@pytest.mark.parametrize(("p", "z"), [c for c in LOGIT_CASES if max(c[0]) == 1], ids=str)
def test_sparse_matches_mpmath(p, z):
    k = int(np.argmax(p))
    with no_warnings():
        out = crossent.sparse_softmax_cross_entropy_with_logits(k, z)
    assert_ulps(out, mp_softmax_ce(p, z), 4)
    assert isinstance(out, np.float64)


def test_confident_right_answer_keeps_its_small_loss():
    loss = crossent.softmax_cross_entropy_with_logits([1, 0], [40.0, 0.0])
    assert loss > 0 and loss == pytest.approx(math.log1p(math.exp(-40)), rel=1e-15)


def test_log_space_beats_clipping():
    # the article's clip_by_value(q, 1e-10, 1) turns a hopeless prediction into a loss of 23.03
    z = np.array([0.0, -800.0])
    clipped = -np.log(np.clip(crossent.softmax(z), 1e-10, 1.0))[1]
    assert clipped == pytest.approx(23.02585, abs=1e-5)
    assert crossent.softmax_cross_entropy_with_logits([0, 1], z) == 800.0


@pytest.mark.parametrize(
    "x", [0.0, 1e-10, -1e-10, 1.0, -1.0, 30.0, -30.0, 37.5, 800.0, -800.0, 1e300, -1e300]
)
@pytest.mark.parametrize("label", [0.0, 0.3, 1.0])
def test_sigmoid_cross_entropy_matches_mpmath(x, label):
    out = crossent.sigmoid_cross_entropy_with_logits(label, x)
    assert isinstance(out, np.float64)
    # the subtraction max(x, 0) - x p can cancel for fractional labels: a few ulps more
    assert_ulps(out, mp_sigmoid_ce(label, x), 4 if label in (0.0, 1.0) else 8)


def test_sigmoid_infinite_logits_are_limits():
    x = [INF, INF, INF, -INF, -INF, -INF]
    p = [1.0, 0.0, 0.5, 0.0, 1.0, 0.5]
    with no_warnings():
        out = crossent.sigmoid_cross_entropy_with_logits(p, x)
    np.testing.assert_array_equal(out, [0, INF, INF, 0, INF, INF])
    assert crossent.sigmoid_cross_entropy_with_logits(1.0, INF) == 0.0


def test_sigmoid_is_elementwise_and_sums_to_binary_cross_entropy():
    labels = np.array([[1.0, 0.0, 1.0], [0.0, 0.2, 1.0]])
    x = np.array([[0.5, -2.0, 3.0], [1.0, 0.0, -4.0]])
    out = crossent.sigmoid_cross_entropy_with_logits(labels, x)
    assert out.shape == (2, 3)
    expected = [
        [mp_sigmoid_ce(a, b) for a, b in zip(r, s, strict=True)]
        for r, s in zip(labels, x, strict=True)
    ]
    assert_ulps(out, expected, 8)
    q = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(
        out.sum(axis=-1), crossent.binary_cross_entropy(labels, q), rtol=1e-13
    )


def test_one_hot_labels_and_float32_logits_give_float32():
    z = np.float32([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]])
    out = crossent.softmax_cross_entropy_with_logits(crossent.one_hot([0, 1], 3), z)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, rows(mp_softmax_ce, crossent.one_hot([0, 1], 3), z), rtol=3e-7)
    sparse = crossent.sparse_softmax_cross_entropy_with_logits(np.array([0, 1]), z)
    assert sparse.dtype == np.float32
    np.testing.assert_allclose(sparse, out, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtypes_are_kept(dtype):
    p = np.array([[1, 0, 0], [0.2, 0.3, 0.5]], dtype=dtype)
    q = np.array([[0.5, 0.2, 0.3], [0.3, 0.3, 0.4]], dtype=dtype)
    z = np.log(q)
    for fn in (crossent.cross_entropy, crossent.kl_divergence, crossent.binary_cross_entropy):
        assert fn(p, q).dtype == dtype, fn.__name__
    assert crossent.softmax_cross_entropy_with_logits(p, z).dtype == dtype
    assert crossent.sparse_softmax_cross_entropy_with_logits([0, 2], z).dtype == dtype
    assert crossent.sigmoid_cross_entropy_with_logits(p, z).dtype == dtype
    assert crossent.reduce_loss(z[:, 0]).dtype == dtype
    assert crossent.reduce_loss(z[:, 0], weights=[1.0, 2.0]).dtype == dtype


def test_integers_become_float64_and_mixed_floats_widen():
    assert crossent.cross_entropy([1, 0], [1, 0]).dtype == np.float64
    assert crossent.softmax_cross_entropy_with_logits([1, 0], [3, 1]).dtype == np.float64
    assert crossent.cross_entropy(np.float32([1, 0]), [0.5, 0.5]).dtype == np.float64


# ---------------------------------------------------------------------------------------------
# Properties


@st.composite
def distributions(draw, n=None, min_n=1, max_n=8):
    """A probability vector, with some exact zeros, normalised in float64."""
    n = draw(st.integers(min_n, max_n)) if n is None else n
    w = draw(hnp.arrays(np.float64, n, elements=st.one_of(st.just(0.0), st.floats(1e-3, 1.0))))
    assume(w.sum() > 0)
    return w / w.sum()


@st.composite
def pairs(draw, min_n=1, max_n=8, positive_q=False):
    n = draw(st.integers(min_n, max_n))
    p = draw(distributions(n))
    q = draw(distributions(n))
    if positive_q:
        q = (q + 1e-3) / (q + 1e-3).sum()
    return p, q


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_cross_entropy_is_at_least_the_entropy(pq):
    p, q = pq
    ce, h = crossent.cross_entropy(p, q), crossent.entropy(p)
    # Gibbs: H(p, q) >= H(p); Pinsker: the excess KL is at least ||p - q||_1^2 / 2, so it is
    # strictly positive when q differs from p, well beyond rounding.
    l1 = np.abs(p - q).sum()
    assert ce - h >= l1**2 / 2 - 1e-12
    if l1 > 1e-5:
        assert ce > h
    assert crossent.cross_entropy(p, p) == pytest.approx(h, rel=1e-14, abs=1e-15)


@settings(max_examples=150, deadline=None)
@given(pairs())
def test_kl_is_non_negative_and_zero_only_at_equality(pq):
    p, q = pq
    kl = crossent.kl_divergence(p, q)
    assert kl >= 0
    assert crossent.kl_divergence(p, p) == 0
    if np.abs(p - q).sum() > 1e-5:
        assert kl > 0
    if np.isfinite(kl):
        ce_minus_h = crossent.cross_entropy(p, q) - crossent.entropy(p)
        assert kl == pytest.approx(ce_minus_h, rel=1e-9, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(pairs(positive_q=True), st.sampled_from([2, 10, 3.5]))
def test_base_only_rescales(pq, base):
    p, q = pq
    for fn in (crossent.cross_entropy, crossent.kl_divergence, crossent.binary_cross_entropy):
        assert fn(p, q, base=base) == pytest.approx(
            fn(p, q) / math.log(base), rel=1e-13, abs=1e-300
        )


logit_rows = st.integers(1, 4).flatmap(
    lambda n: hnp.arrays(
        np.float64,
        st.tuples(st.integers(1, 4), st.just(n)),
        elements=st.one_of(st.floats(-1e300, 1e300), st.floats(-50, 50), st.just(-INF)),
    )
)


@settings(max_examples=150, deadline=None)
@given(logit_rows, st.data())
def test_sparse_equals_dense_on_one_hot_labels(z, data):
    z[np.all(np.isneginf(z), axis=-1), 0] = 0.0  # every row keeps a finite logit
    k = data.draw(hnp.arrays(np.int64, z.shape[:-1], elements=st.integers(0, z.shape[-1] - 1)))
    dense = crossent.softmax_cross_entropy_with_logits(crossent.one_hot(k, z.shape[-1]), z)
    sparse = crossent.sparse_softmax_cross_entropy_with_logits(k, z)
    np.testing.assert_array_equal(sparse, dense)
    assert np.all(sparse >= 0)


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            distributions(n), hnp.arrays(np.float64, n, elements=st.floats(-30, 30))
        )
    )
)
def test_log_space_and_probability_space_agree_where_both_are_finite(pz):
    p, z = pz
    from_logits = crossent.softmax_cross_entropy_with_logits(p, z)
    from_probabilities = crossent.cross_entropy(p, crossent.softmax(z))
    np.testing.assert_allclose(from_logits, from_probabilities, rtol=1e-12, atol=1e-14)


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(0, 1)),
    st.data(),
)
def test_sigmoid_summed_equals_binary_cross_entropy(labels, data):
    x = data.draw(hnp.arrays(np.float64, labels.shape, elements=st.floats(-10, 10)))
    summed = crossent.sigmoid_cross_entropy_with_logits(labels, x).sum()
    q = 1 / (1 + np.exp(-x))
    assert summed == pytest.approx(crossent.binary_cross_entropy(labels, q), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@settings(max_examples=30, deadline=None)
@given(
    st.integers(1, 5).flatmap(lambda n: hnp.arrays(np.float64, (3, n), elements=st.floats(-80, 80)))
)
def test_float_in_float_out_and_accuracy(dtype, z):
    z = z.astype(dtype)
    k = np.zeros(3, dtype=int)
    out = crossent.sparse_softmax_cross_entropy_with_logits(k, z)
    assert out.dtype == dtype
    expected = rows(mp_softmax_ce, crossent.one_hot(k, z.shape[-1]), z)
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(out, expected, rtol=8 * eps, atol=8 * eps)


# ---------------------------------------------------------------------------------------------
# reduce_loss


def test_reduce_loss_modes():
    losses = np.array([1.0, 2.0, 6.0])
    assert crossent.reduce_loss(losses) == 3.0
    assert crossent.reduce_loss(losses, "sum") == 9.0
    out = crossent.reduce_loss(losses, "none")
    np.testing.assert_array_equal(out, losses)
    out[0] = 99
    assert losses[0] == 1.0  # "none" returns a copy, not the caller's array
    assert isinstance(crossent.reduce_loss(losses), np.float64)


def test_reduce_loss_weights_and_masks():
    losses = [1.0, 3.0, INF]
    # a weight of 0 masks a padded example, even one with an infinite loss
    assert crossent.reduce_loss(losses, weights=[1, 1, 0]) == 2.0
    assert crossent.reduce_loss(losses, "sum", weights=[1, 1, 0]) == 4.0
    np.testing.assert_array_equal(
        crossent.reduce_loss(losses, "none", weights=[2, 1, 0]), [2, 3, 0]
    )
    # weighted mean = sum(w l) / sum(w), not sum(w l) / m as Keras' sum_over_batch_size
    assert crossent.reduce_loss([1.0, 3.0], weights=[3, 1]) == 1.5
    assert crossent.reduce_loss([1.0, 3.0], weights=2.0) == 2.0  # a single weight broadcasts
    per_class = np.array([[1.0, 2.0], [3.0, 4.0]])
    assert crossent.reduce_loss(per_class, weights=[[1.0], [0.0]]) == 1.5  # rows masked


def test_reduce_loss_with_nothing_to_average_is_zero():
    assert crossent.reduce_loss([1.0, 2.0], weights=[0, 0]) == 0.0
    assert crossent.reduce_loss(np.zeros(0)) == 0.0
    assert crossent.reduce_loss(np.zeros(0), "sum") == 0.0
    assert crossent.reduce_loss(4.0) == 4.0


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(0, 1e6)),
    st.data(),
)
def test_reduce_loss_properties(losses, data):
    weight = st.one_of(st.just(0.0), st.floats(1e-3, 10))
    w = data.draw(hnp.arrays(np.float64, losses.shape, elements=weight))
    mean = crossent.reduce_loss(losses)
    assert mean == pytest.approx(math.fsum(losses) / losses.size, rel=1e-12)
    assert crossent.reduce_loss(losses, weights=np.ones_like(losses)) == pytest.approx(
        mean, rel=1e-15
    )
    if w.sum() > 0:
        weighted = crossent.reduce_loss(losses, weights=w)
        assert weighted == pytest.approx(
            math.fsum(w * losses) / math.fsum(w), rel=1e-12, abs=1e-300
        )
        kept = losses[w > 0]
        assert kept.min() * (1 - 1e-12) <= weighted <= kept.max() * (1 + 1e-12)


# ---------------------------------------------------------------------------------------------
# Bad input: every message names the argument and the problem

BAD_INPUT = [
    (
        lambda: crossent.cross_entropy([1, 0, 0], [0.5, 0.5]),
        ValueError,
        r"p and q must have the same shape; got p shape \(3,\) and q shape \(2,\)",
    ),
    (
        lambda: crossent.kl_divergence([[1, 0], [0.5, 0.4]], [[1, 0], [0.5, 0.5]]),
        ValueError,
        r"p must sum to 1 along axis -1; row 1 sums to 0\.9",
    ),
    (
        lambda: crossent.cross_entropy([1, 0], [0.7, 0.7]),
        ValueError,
        r"q must sum to 1 along axis -1; it sums to 1\.4",
    ),
    (lambda: crossent.cross_entropy([1, 0], [1.5, -0.5]), ValueError, r"q\[0\] = 1\.5"),
    (
        lambda: crossent.cross_entropy([math.nan, 1], [0, 1]),
        ValueError,
        r"p contains NaN at index 0",
    ),
    (
        lambda: crossent.cross_entropy(np.zeros((2, 0)), np.zeros((2, 0))),
        ValueError,
        r"p has an empty axis 1",
    ),
    (lambda: crossent.cross_entropy(1.0, 1.0), ValueError, r"p must have at least one dimension"),
    (
        lambda: crossent.cross_entropy([1, 0], [1, 0], base=1),
        ValueError,
        r"base must be a finite positive",
    ),
    (
        lambda: crossent.kl_divergence([1, 0], [1, 0], base="e"),
        TypeError,
        r"base must be a real number",
    ),
    (
        lambda: crossent.cross_entropy([1, 0], [1, 0], axis=2),
        ValueError,
        r"axis 2 is out of range for p",
    ),
    (
        lambda: crossent.cross_entropy(["a"], ["b"]),
        TypeError,
        r"p must be an array of real numbers",
    ),
    (
        lambda: crossent.binary_cross_entropy([1.2], [0.5]),
        ValueError,
        r"p must hold probabilities in \[0, 1\]; p\[0\] = 1\.2",
    ),
    (
        lambda: crossent.binary_cross_entropy([1.0], [math.nan]),
        ValueError,
        r"q contains NaN at index 0",
    ),
    (
        lambda: crossent.binary_cross_entropy([1.0], [0.5, 0.5]),
        ValueError,
        r"got p shape \(1,\) and q shape \(2,\)",
    ),
    (
        lambda: crossent.binary_cross_entropy(0.5, 0.5),
        ValueError,
        r"p must have at least one dimension",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([[1, 0]], [[1.0, 2.0, 3.0]]),
        ValueError,
        r"labels and logits must have the same shape; "
        r"got labels shape \(1, 2\) and logits shape \(1, 3\)",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([[1, 0], [0.6, 0.6]], [[0.0, 0.0]] * 2),
        ValueError,
        r"labels must sum to 1 along axis -1; row 1 sums to 1\.2",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([1, 0], [math.nan, 0.0]),
        ValueError,
        r"logits contains NaN at index 0",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([1, 0], [0.0, INF]),
        ValueError,
        r"logits must be finite or -inf .*; logits\[1\] = \+inf",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits(
            [[1, 0], [1, 0]], [[0.0, 0.0], [-INF, -INF]]
        ),
        ValueError,
        r"logits row 1 is -inf everywhere along axis -1",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits(np.zeros((2, 0)), np.zeros((2, 0))),
        ValueError,
        r"logits has an empty axis 1",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits(1.0, 1.0),
        ValueError,
        r"logits must have at least one dimension",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([1, 0], [0.0, 1.0], axis=-3),
        ValueError,
        r"axis -3 is out of range for logits",
    ),
    (
        lambda: crossent.softmax_cross_entropy_with_logits([1j, 0], [0.0, 1.0]),
        TypeError,
        r"labels must hold real numbers",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([0, 3], [[0.0, 0.0, 0.0]] * 2),
        ValueError,
        r"labels must be class ids in \[0, n\) with n = 3 classes; labels\[1\] = 3",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([-1], [[0.0, 0.0]]),
        ValueError,
        r"labels\[0\] = -1",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([0.0, 1.0], [[0.0, 0.0]] * 2),
        TypeError,
        r"labels must be integer class ids in \[0, 2\); got dtype float64",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits(
            [[1, 0], [0, 1]], [[0.0, 0.0]] * 2
        ),
        ValueError,
        r"labels must have one dimension fewer than logits \(no class axis\); "
        r"got labels shape \(2, 2\) and logits shape \(2, 2\)",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([0, 1, 1], [[0.0, 0.0]] * 2),
        ValueError,
        r"labels shape \(3,\) must equal logits shape without its last \(class\) axis, \(2,\)",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits(0, 1.0),
        ValueError,
        r"logits must have at least one dimension",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([0], np.zeros((1, 0))),
        ValueError,
        r"labels\[0\] = 0",
    ),
    (
        lambda: crossent.sparse_softmax_cross_entropy_with_logits([0], [[INF, 0.0]]),
        ValueError,
        r"logits\[\(0, 0\)\] = \+inf",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_with_logits([1, 0], [0.0]),
        ValueError,
        r"got labels shape \(2,\) and logits shape \(1,\)",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_with_logits([2.0], [0.0]),
        ValueError,
        r"labels must hold probabilities in \[0, 1\]; labels\[0\] = 2",
    ),
    (
        lambda: crossent.sigmoid_cross_entropy_with_logits([1.0], [math.nan]),
        ValueError,
        r"logits contains NaN at index 0",
    ),
    (
        lambda: crossent.reduce_loss([1.0], "avg"),
        ValueError,
        r"reduction must be one of 'mean', 'sum', 'none'; got 'avg'",
    ),
    (
        lambda: crossent.reduce_loss([1.0], None),
        ValueError,
        r"reduction must be one of .*; got None",
    ),
    (
        lambda: crossent.reduce_loss([1.0, math.nan]),
        ValueError,
        r"per_example contains NaN at index 1",
    ),
    (
        lambda: crossent.reduce_loss([1.0, 2.0], weights=[1.0, 2.0, 3.0]),
        ValueError,
        r"weights shape \(3,\) does not broadcast to per_example shape \(2,\)",
    ),
    (
        lambda: crossent.reduce_loss([1.0, 2.0], weights=[[1.0], [1.0]]),
        ValueError,
        r"weights shape \(2, 1\) does not broadcast to per_example shape \(2,\)",
    ),
    (
        lambda: crossent.reduce_loss([1.0, 2.0], weights=[1.0, -1.0]),
        ValueError,
        r"weights must be finite and non-negative .*; weights\[1\] = -1",
    ),
    (
        lambda: crossent.reduce_loss([1.0, 2.0], weights=[INF, 1.0]),
        ValueError,
        r"weights\[0\] = inf",
    ),
    (
        lambda: crossent.reduce_loss([1.0, 2.0], weights=[math.nan, 1.0]),
        ValueError,
        r"weights contains NaN at index 0",
    ),
    (
        lambda: crossent.reduce_loss([1.0], weights=["a"]),
        TypeError,
        r"weights must be an array of real numbers",
    ),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_INPUT)
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# The exercise self-checks for the losses

LOSS_CHECKS = [
    "cross_entropy",
    "kl_divergence",
    "binary_cross_entropy",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
]


def mp_case_value(name, case):
    """Recompute a check case's expected value with the mpmath reference."""
    a, b = case.args
    if name == "sigmoid_cross_entropy_with_logits":
        if np.ndim(a) == 0:
            return mp_sigmoid_ce(a, b)
        return [mp_sigmoid_ce(x, y) for x, y in zip(a, b, strict=True)]
    if name == "sparse_softmax_cross_entropy_with_logits":
        z = np.asarray(b, dtype=float)
        return [mp_softmax_ce(np.eye(z.shape[-1])[k], row) for k, row in zip(a, z, strict=True)]
    fn = {
        "cross_entropy": mp_cross_entropy,
        "kl_divergence": mp_kl,
        "binary_cross_entropy": mp_bce,
        "softmax_cross_entropy_with_logits": mp_softmax_ce,
    }[name]
    kwargs = {"base": case.kwargs["base"]} if "base" in case.kwargs else {}
    if case.kwargs.get("axis", -1) == 0:  # distributions stored in columns
        a, b = np.asarray(a, dtype=float).T, np.asarray(b, dtype=float).T
    return rows(fn, a, b, **kwargs)


@pytest.mark.parametrize(
    ("name", "case"), [(name, case) for name in LOSS_CHECKS for case in check.CASES[name]]
)
def test_check_expected_values_agree_with_mpmath(name, case):
    np.testing.assert_allclose(case.expected, mp_case_value(name, case), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", LOSS_CHECKS)
def test_the_package_passes_its_loss_checks(name):
    result = getattr(check, name)(getattr(crossent, name))
    assert result.passed, result.message
    assert repr(result) == f"{name}: passed all {len(check.CASES[name])} cases"


def test_log10_cross_entropy_fails_on_the_nats_case():
    def in_base_10(p, q, base=math.e, axis=-1):
        return crossent.cross_entropy(p, q, base=10, axis=axis)

    result = check.cross_entropy(in_base_10)
    assert not result
    assert result.message.startswith("cross_entropy: case 1 (the article's q1, in nats) failed")
    assert "expected 0.693147, got 0.30103" in result.message


def test_forgetting_zero_log_zero_fails():
    def naive(p, q, base=math.e, axis=-1):
        p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            return -(p * np.log(q)).sum(axis=axis) / math.log(base)

    result = check.cross_entropy(naive)
    assert not result and "case 6 (q = 0 where p = 0 adds nothing" in result.message


def test_clipping_fails_the_infinite_case():
    def clipped(p, q, base=math.e, axis=-1):
        q = np.clip(np.asarray(q, dtype=float), 1e-10, 1.0)
        return -(np.asarray(p) * np.log(q)).sum(axis=axis) / math.log(base)

    result = check.cross_entropy(clipped)
    assert not result and "q = 0 where p > 0 costs infinitely much" in result.message


def test_swapped_kl_and_first_form_binary_cross_entropy_fail():
    result = check.kl_divergence(
        lambda p, q, base=math.e, axis=-1: crossent.kl_divergence(q, p, base, axis)
    )
    assert not result and "case 2 (one-hot p: KL equals the cross-entropy)" in result.message
    result = check.binary_cross_entropy(crossent.cross_entropy)
    assert not result and "the article's other form for q1" in result.message


def test_losses_through_naive_softmax_fail():
    def via_naive_softmax(labels, logits, axis=-1):
        with np.errstate(all="ignore"):
            q = crossent.softmax_naive(logits, axis=axis)
            return -(np.asarray(labels) * np.log(q)).sum(axis=axis)

    result = check.softmax_cross_entropy_with_logits(via_naive_softmax)
    assert not result and "exp(-1000) underflows to 0, then log 0 = -inf" in result.message

    def via_clipped_softmax(labels, logits, axis=-1):
        q = np.clip(crossent.softmax(logits, axis=axis), 1e-10, 1.0)
        return -(np.asarray(labels) * np.log(q)).sum(axis=axis)

    result = check.softmax_cross_entropy_with_logits(via_clipped_softmax)
    assert not result and "expected 1000.0, got 23.025851" in result.message


def test_sigmoid_through_probabilities_fails():
    def via_probabilities(labels, logits):
        p, x = np.asarray(labels, dtype=float), np.asarray(logits, dtype=float)
        with np.errstate(all="ignore"):
            q = 1 / (1 + np.exp(-x))
            return -(p * np.log(q) + (1 - p) * np.log(1 - q))

    result = check.sigmoid_cross_entropy_with_logits(via_probabilities)
    assert not result and "a confident" in result.message


def test_sparse_check_catches_an_off_by_one():
    result = check.sparse_softmax_cross_entropy_with_logits(
        lambda labels, logits: crossent.sparse_softmax_cross_entropy_with_logits(
            (np.asarray(labels) + 1) % np.shape(logits)[-1], logits
        )
    )
    assert not result and "case 1" in result.message
