"""Tests for chapter 11's losses: focal loss, label smoothing, the multiclass hinge loss,
distillation and perplexity.

Expected values come from mpmath at 50 significant digits (with ``1 - q_i`` computed as the sum
of the other probabilities, so that it stays exact however close q_i is to 1), from explicit
Python loops over the classes, or from hand calculation; never from the functions under test.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent

mpmath.mp.dps = 50
INF = math.inf
EPS = {np.float32: float(np.finfo(np.float32).eps), np.float64: float(np.finfo(np.float64).eps)}

# ---------------------------------------------------------------------------------------------
# mpmath references, one example at a time


def _mp(x):
    return [mpmath.mpf(float(v)) for v in x]


def mp_log_softmax_and_complement(z):
    """log q_i and 1 - q_i = sum_{j != i} q_j for every class, in mpmath."""
    zs = _mp(z)
    top = max(zs)
    lse = top + mpmath.log(mpmath.fsum(mpmath.exp(x - top) for x in zs if x != -INF))
    logq = [x - lse if x != -INF else -mpmath.inf for x in zs]
    q = [mpmath.exp(v) if v != -mpmath.inf else mpmath.mpf(0) for v in logq]
    comp = [mpmath.fsum(q[j] for j in range(len(q)) if j != i) for i in range(len(q))]
    return logq, comp


def mp_focal(p, z, gamma):
    logq, comp = mp_log_softmax_and_complement(z)
    total = mpmath.mpf(0)
    for a, lq, c in zip(_mp(p), logq, comp, strict=True):
        if a > 0:
            if lq == -mpmath.inf:
                return INF
            total += a * c ** mpmath.mpf(gamma) * lq
    return float(-total)


def mp_distillation(t, s, temperature, kl=False):
    T = mpmath.mpf(temperature)
    logp, _ = mp_log_softmax_and_complement([x / float(T) for x in t])
    logq, _ = mp_log_softmax_and_complement([x / float(T) for x in s])
    total = mpmath.mpf(0)
    for lp, lq in zip(logp, logq, strict=True):
        if lp != -mpmath.inf:
            total += mpmath.exp(lp) * ((lq - lp) if kl else lq)
    return float(-T * T * total)


def loop_hinge(k, z, margin):
    """sum over j != k of max(0, z_j - z_k + margin), one class at a time."""
    total = 0.0
    for j, zj in enumerate(z):
        if j == k:
            continue
        gap = zj - z[k] + margin
        if gap > 0:
            total += gap
    return total


def _tol(z, dtype):
    """4 n eps (1 + L) absolute, as for the softmax losses (test_tf_agreement.py), plus rtol."""
    finite = np.asarray(z, dtype=float)
    finite = finite[np.isfinite(finite)]
    return 4 * len(z) * EPS[dtype] * (1 + np.abs(finite).max())


ORDINARY = [
    ([1, 0, 0], [2.0, 1.0, 0.1]),
    ([0, 1, 0], [2.0, 1.0, 0.1]),
    ([0.2, 0.5, 0.3], [-1.0, 3.0, 0.5]),
    ([0, 0, 1, 0], [10.0, -3.0, 4.0, 0.0]),
    ([0.25, 0.25, 0.25, 0.25], [0.0, 0.0, 0.0, 0.0]),
]
EXTREME = [
    ([1, 0, 0], [1e4, -1e4, -INF]),  # a confident right answer: 1 - q = e^-20000
    ([0, 1, 0], [1e4, -1e4, -INF]),  # confidently wrong: loss 2e4
    ([1, 0], [0.0, -40.0]),  # 1 - q = e^-40 < eps: 1 - q computed as 1 - 1 would be 0
    ([1, 0], [30.0, 0.0]),
    ([0.5, 0.5, 0], [3.0, 3.0, -INF]),  # -inf with p = 0 contributes 0
    ([0, 0, 1], [-1e4, 1e4, 0.0]),
]


# ---------------------------------------------------------------------------------------------
# focal_loss_with_logits


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0, 5.0])
@pytest.mark.parametrize(("p", "z"), ORDINARY + EXTREME)
def test_focal_matches_mpmath(p, z, gamma, dtype):
    z_d = np.asarray(z, dtype=dtype)
    expected = mp_focal(p, z_d.astype(float), gamma)
    got = crossent.focal_loss_with_logits(np.asarray(p, dtype=dtype), z_d, gamma=gamma)
    assert got.dtype == dtype
    assert np.isfinite(got)
    # relative precision for tiny losses, an absolute 4 n eps (1 + L) for cancelling ones
    assert abs(float(got) - expected) <= 8 * EPS[dtype] * abs(expected) + _tol(z, dtype)
    if dtype is np.float64:  # and full relative precision in float64
        assert float(got) == pytest.approx(expected, rel=1e-12, abs=1e-300)


def test_focal_keeps_a_tiny_loss_to_full_precision():
    # (e^-40)^2 * e^-40 = e^-120; 1 - q = 1 - 1 would give exactly 0
    got = crossent.focal_loss_with_logits([1, 0], [0.0, -40.0])
    assert float(got) == pytest.approx(mp_focal([1, 0], [0.0, -40.0], 2.0), rel=1e-13)
    assert float(got) == pytest.approx(math.exp(-120), rel=1e-12)
    # gamma between 0 and 1 at a q of exactly 1 in float64: (1 - q)^gamma = tiny, not 0^gamma
    z32 = np.array([[0.0, -20.0]], dtype=np.float32)
    got32 = crossent.focal_loss_with_logits(np.array([[1, 0]], np.float32), z32, gamma=0.5)
    assert float(got32[0]) == pytest.approx(mp_focal([1, 0], [0.0, -20.0], 0.5), rel=1e-5)


def test_focal_infinite_where_the_truth_has_probability_zero():
    got = crossent.focal_loss_with_logits([0, 1], [0.0, -INF])
    assert got == INF


def test_focal_on_another_axis_and_batch_shapes():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(3, 4, 5)) * 3
    p = crossent.softmax(rng.normal(size=(3, 4, 5)), axis=1)
    got = crossent.focal_loss_with_logits(p, z, gamma=2.0, axis=1)
    assert got.shape == (3, 5)
    for a in range(3):
        for c in range(5):
            assert got[a, c] == pytest.approx(mp_focal(p[a, :, c], z[a, :, c], 2.0), rel=1e-12)


logit_rows = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 5), st.integers(2, 6)),
    elements=st.floats(-50, 50, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(z=logit_rows, data=st.data())
def test_focal_at_gamma_zero_is_the_cross_entropy_and_never_above_it(z, data):
    raw = data.draw(
        hnp.arrays(np.float64, z.shape, elements=st.floats(-5, 5, allow_nan=False)), label="raw"
    )
    p = crossent.softmax(raw)
    ce = crossent.softmax_cross_entropy_with_logits(p, z)
    zero = crossent.focal_loss_with_logits(p, z, gamma=0.0)
    np.testing.assert_allclose(zero, ce, rtol=1e-12, atol=1e-12 * (1 + np.abs(z).max()))
    gamma = data.draw(st.floats(0.01, 10), label="gamma")
    focal = crossent.focal_loss_with_logits(p, z, gamma=gamma)
    assert (focal >= 0).all()
    assert (focal <= ce * (1 + 1e-12) + 1e-300).all()


def test_focal_gamma_zero_equals_cross_entropy_exactly_on_one_hot():
    z = np.array([[2.0, 1.0, 0.1], [0.0, -3.0, 5.0]])
    p = np.eye(3)[[0, 1]]
    np.testing.assert_allclose(
        crossent.focal_loss_with_logits(p, z, gamma=0),
        crossent.softmax_cross_entropy_with_logits(p, z),
        rtol=1e-15,
    )


@pytest.mark.parametrize(
    ("gamma", "kind", "text"),
    [
        (-1.0, ValueError, "gamma must be a finite number >= 0"),
        (math.nan, ValueError, "gamma must be a finite number >= 0"),
        (math.inf, ValueError, "gamma must be a finite number >= 0"),
        ("2", TypeError, "gamma must be a real number >= 0"),
        (True, TypeError, "gamma must be a real number >= 0"),
        (None, TypeError, "gamma must be a real number >= 0"),
    ],
)
def test_focal_rejects_bad_gamma(gamma, kind, text):
    with pytest.raises(kind, match=text):
        crossent.focal_loss_with_logits([1, 0], [0.0, 1.0], gamma=gamma)


@pytest.mark.parametrize(
    ("labels", "logits", "kind", "text"),
    [
        ([1, 0], [0.0, 1.0, 2.0], ValueError, "labels and logits must have the same shape"),
        ([0.5, 0.6], [0.0, 1.0], ValueError, "labels must sum to 1 along axis -1"),
        ([1.5, -0.5], [0.0, 1.0], ValueError, r"labels must hold probabilities in \[0, 1\]"),
        ([1, 0], [0.0, math.nan], ValueError, "logits contains NaN"),
        ([1, 0], [0.0, math.inf], ValueError, r"logits must be finite or -inf"),
        ([1, 0], [-math.inf, -math.inf], ValueError, "-inf everywhere"),
        ([1, 0], ["a", "b"], TypeError, "logits must be an array of real numbers"),
        (1.0, 2.0, ValueError, "must have at least one dimension"),
    ],
)
def test_focal_rejects_bad_input(labels, logits, kind, text):
    with pytest.raises(kind, match=text):
        crossent.focal_loss_with_logits(labels, logits)


def test_focal_rejects_bad_axis():
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        crossent.focal_loss_with_logits([[1, 0]], [[0.0, 1.0]], axis=2)
    with pytest.raises(TypeError, match="axis must be an int"):
        crossent.focal_loss_with_logits([[1, 0]], [[0.0, 1.0]], axis=1.0)


# ---------------------------------------------------------------------------------------------
# smooth_labels


def test_smooth_labels_by_hand():
    got = crossent.smooth_labels([[0, 1, 0, 0], [1, 0, 0, 0]], 0.2)
    np.testing.assert_allclose(got, [[0.05, 0.85, 0.05, 0.05], [0.85, 0.05, 0.05, 0.05]])
    assert got.dtype == np.float64
    np.testing.assert_array_equal(crossent.smooth_labels(np.eye(3), 0.0), np.eye(3))
    np.testing.assert_allclose(crossent.smooth_labels(np.eye(3), 1.0), np.full((3, 3), 1 / 3))
    soft = crossent.smooth_labels([0.5, 0.5, 0.0], 0.3)  # a single distribution
    np.testing.assert_allclose(soft, [0.35 + 0.1, 0.35 + 0.1, 0.1])


def test_smooth_labels_keeps_float32():
    got = crossent.smooth_labels(np.eye(4, dtype=np.float32), 0.1)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.sum(axis=1), 1, rtol=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    raw=hnp.arrays(
        np.float64, st.tuples(st.integers(1, 5), st.integers(1, 8)), elements=st.floats(-5, 5)
    ),
    eps=st.floats(0, 1),
)
def test_smoothed_rows_sum_to_one_and_move_towards_uniform(raw, eps):
    p = crossent.softmax(raw)
    got = crossent.smooth_labels(p, eps)
    np.testing.assert_allclose(got.sum(axis=-1), 1, rtol=0, atol=1e-13)
    n = p.shape[-1]
    # every entry lies between the original and 1/n
    lo, hi = np.minimum(p, 1 / n), np.maximum(p, 1 / n)
    assert (got >= lo - 1e-15).all() and (got <= hi + 1e-15).all()


@pytest.mark.parametrize(
    ("eps", "kind", "text"),
    [
        (-0.1, ValueError, r"epsilon must be in \[0, 1\]"),
        (1.5, ValueError, r"epsilon must be in \[0, 1\]"),
        (math.nan, ValueError, r"epsilon must be in \[0, 1\]"),
        ("0.1", TypeError, r"epsilon must be a real number in \[0, 1\]"),
        (None, TypeError, r"epsilon must be a real number in \[0, 1\]"),
    ],
)
def test_smooth_labels_rejects_bad_epsilon(eps, kind, text):
    with pytest.raises(kind, match=text):
        crossent.smooth_labels([[1, 0]], eps)


def test_smooth_labels_rejects_bad_labels():
    with pytest.raises(ValueError, match="labels must sum to 1 along axis -1; row 1 sums to 2"):
        crossent.smooth_labels([[1, 0], [1, 1]], 0.1)
    with pytest.raises(ValueError, match="at least one dimension"):
        crossent.smooth_labels(1.0, 0.1)


# ---------------------------------------------------------------------------------------------
# multiclass_hinge_loss


def test_hinge_cs231n_example():
    # CS231n's three images (cat, car, frog) and their scores: losses 2.9, 0 and 12.9
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])  # rows: images
    got = crossent.multiclass_hinge_loss([0, 1, 2], scores)
    np.testing.assert_allclose(got, [2.9, 0.0, 12.9], rtol=1e-14)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_hinge_matches_a_loop(dtype):
    rng = np.random.default_rng(3)
    z = (rng.normal(size=(20, 6)) * 2).astype(dtype)
    k = rng.integers(0, 6, 20)
    for margin in (0.0, 0.5, 1.0, 3.0):
        got = crossent.multiclass_hinge_loss(k, z, margin=margin)
        assert got.dtype == dtype
        expected = [loop_hinge(int(k[r]), z[r].astype(float).tolist(), margin) for r in range(20)]
        np.testing.assert_allclose(got, expected, rtol=2e-6 if dtype is np.float32 else 1e-13)


@settings(max_examples=200, deadline=None)
@given(z=logit_rows, data=st.data(), margin=st.floats(0, 5))
def test_hinge_is_nonnegative_and_zero_once_the_margin_is_met(z, data, margin):
    k = np.array(
        data.draw(st.lists(st.integers(0, z.shape[1] - 1), min_size=len(z), max_size=len(z)))
    )
    got = crossent.multiclass_hinge_loss(k, z, margin=margin)
    assert (got >= 0).all()
    # raise the true class's score to beat every other by more than the margin
    lifted = z.copy()
    rows = np.arange(len(z))
    lifted[rows, k] = z.max(axis=1) + margin + 1
    np.testing.assert_array_equal(crossent.multiclass_hinge_loss(k, lifted, margin=margin), 0)


@pytest.mark.parametrize(
    ("labels", "logits", "margin", "kind", "text"),
    [
        ([0], [[1.0, 2.0]], -1.0, ValueError, "margin must be a finite number >= 0"),
        ([0], [[1.0, 2.0]], math.inf, ValueError, "margin must be a finite number >= 0"),
        ([0], [[1.0, 2.0]], "1", TypeError, "margin must be a real number >= 0"),
        ([2], [[1.0, 2.0]], 1.0, ValueError, r"labels must be class ids in \[0, n\)"),
        ([0.0], [[1.0, 2.0]], 1.0, TypeError, "labels must be integer class ids"),
        ([0, 1], [[1.0, 2.0]], 1.0, ValueError, "labels shape"),
        ([0], [[1.0, math.inf]], 1.0, ValueError, "logits must be finite for the hinge loss"),
        ([0], [[1.0, math.nan]], 1.0, ValueError, "logits contains NaN"),
        (0, 1.0, 1.0, ValueError, "logits must have at least one dimension"),
    ],
)
def test_hinge_rejects_bad_input(labels, logits, margin, kind, text):
    with pytest.raises(kind, match=text):
        crossent.multiclass_hinge_loss(labels, logits, margin=margin)


# ---------------------------------------------------------------------------------------------
# distillation_loss


@pytest.mark.parametrize("temperature", [0.5, 1.0, 2.0, 5.0, 20.0])
@pytest.mark.parametrize("kl", [False, True])
def test_distillation_matches_mpmath(temperature, kl):
    rng = np.random.default_rng(4)
    t = rng.normal(size=(5, 4)) * 4
    s = rng.normal(size=(5, 4)) * 4
    t[0, 2] = -INF  # the teacher rules a class out: it contributes nothing
    got = crossent.distillation_loss(t, s, temperature=temperature, kl=kl)
    expected = [mp_distillation(t[r], s[r], temperature, kl) for r in range(5)]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


def test_distillation_extreme_and_float32():
    t = np.array([[1e4, 0.0, -1e4]], dtype=np.float32)
    s = np.array([[0.0, 1e4, -1e4]], dtype=np.float32)
    got = crossent.distillation_loss(t, s, temperature=2.0)
    assert got.dtype == np.float32
    assert float(got[0]) == pytest.approx(mp_distillation(t[0], s[0], 2.0), rel=1e-6)


def test_distillation_gradient_is_t_times_q_minus_p():
    # d/ds of T^2 H(p^T, q^T) is T (q^T - p^T): central differences on the per-example loss
    rng = np.random.default_rng(5)
    t, s = rng.normal(size=4) * 3, rng.normal(size=4) * 3
    T, h = 3.0, 1e-6
    num = np.empty(4)
    for j in range(4):
        e = np.zeros(4)
        e[j] = h
        up = crossent.distillation_loss(t, s + e, temperature=T)
        down = crossent.distillation_loss(t, s - e, temperature=T)
        num[j] = (up - down) / (2 * h)
    analytic = T * (crossent.softmax(s / T) - crossent.softmax(t / T))
    np.testing.assert_allclose(num, analytic, atol=1e-8)


@pytest.mark.parametrize(
    ("kwargs", "kind", "text"),
    [
        ({"temperature": 0.0}, ValueError, "temperature must be a positive finite number"),
        ({"temperature": "2"}, TypeError, "temperature must be a real number"),
        ({"kl": 1}, TypeError, "kl must be True or False"),
    ],
)
def test_distillation_rejects_bad_options(kwargs, kind, text):
    with pytest.raises(kind, match=text):
        crossent.distillation_loss([[0.0, 1.0]], [[1.0, 0.0]], **kwargs)


def test_distillation_rejects_bad_logits():
    with pytest.raises(ValueError, match="teacher_logits and student_logits must have the same"):
        crossent.distillation_loss([[0.0, 1.0]], [[1.0, 0.0, 2.0]])
    with pytest.raises(ValueError, match="student_logits contains NaN"):
        crossent.distillation_loss([[0.0, 1.0]], [[1.0, math.nan]])
    with pytest.raises(ValueError, match="teacher_logits must be finite or -inf"):
        crossent.distillation_loss([[0.0, math.inf]], [[1.0, 0.0]])


# ---------------------------------------------------------------------------------------------
# perplexity


def test_perplexity_by_hand():
    assert crossent.perplexity([math.log(10)] * 3) == pytest.approx(10, rel=1e-14)
    assert crossent.perplexity([1.0, 3.0], base=2) == 4.0  # 2 bits on average
    assert crossent.perplexity([0.0]) == 1.0  # a perfect model
    assert crossent.perplexity([1.0, math.inf]) == math.inf
    assert crossent.perplexity([800.0]) == math.inf  # e^800 overflows a float
    # the same model in nats and in bits
    nats = np.array([0.3, 1.2, 2.5])
    assert crossent.perplexity(nats) == pytest.approx(
        crossent.perplexity(nats / math.log(2), base=2), rel=1e-14
    )
    assert isinstance(crossent.perplexity(np.float32([1.0])), float)


def test_perplexity_of_a_uniform_model_is_the_number_of_classes():
    z = np.zeros((7, 5))
    losses = crossent.sparse_softmax_cross_entropy_with_logits(np.arange(7) % 5, z)
    assert crossent.perplexity(losses) == pytest.approx(5, rel=1e-14)


@pytest.mark.parametrize(
    ("losses", "base", "kind", "text"),
    [
        ([], math.e, ValueError, "losses is empty"),
        ([1.0, math.nan], math.e, ValueError, "losses contains NaN"),
        ([1.0, -0.5], math.e, ValueError, "losses must be cross-entropies >= 0"),
        ([1.0], 1, ValueError, "base must be a finite positive number other than 1"),
        ([1.0], "e", TypeError, "base must be a real number"),
        (["a"], math.e, TypeError, "losses must be an array of real numbers"),
    ],
)
def test_perplexity_rejects_bad_input(losses, base, kind, text):
    with pytest.raises(kind, match=text):
        crossent.perplexity(losses, base=base)


def test_exports():
    for name in (
        "focal_loss_with_logits",
        "smooth_labels",
        "multiclass_hinge_loss",
        "distillation_loss",
        "perplexity",
        "expected_calibration_error",
        "reliability_bins",
        "fit_temperature",
    ):
        assert name in crossent.__all__
        assert callable(getattr(crossent, name))


def test_doctests():
    import doctest

    from crossent import information, losses

    for module in (losses, information):
        result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0
