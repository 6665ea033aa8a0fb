"""Tests for one_hot, softmax, softmax_naive, log_softmax, logsumexp and softmax_jacobian.

The ``axis`` forms beyond one int (tuples, None) and ``keepdims`` are tested in
``test_softmax_axes.py``.

Expected values come from hand calculation or from the mpmath reference below (50 significant
digits), never from the functions under test. Accuracy is measured in units in the last place
(ulps) of the correctly rounded answer.
"""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import check

mpmath.mp.dps = 50
INF = math.inf
F64_MAX = float(np.finfo(np.float64).max)

# ---------------------------------------------------------------------------------------------
# An independent reference in mpmath, one vector at a time


def _mp(z):
    return [mpmath.mpf(float(x)) for x in z]


def mp_log_normalizer(z):
    """Return (m, r) with logsumexp(z) = m + r exactly, r = log1p(sum of the others)."""
    zs = _mp(z)
    k = max(range(len(zs)), key=lambda i: zs[i])
    m = zs[k]
    rest = mpmath.fsum(mpmath.exp(x - m) for i, x in enumerate(zs) if i != k and x != -INF)
    return m, mpmath.log1p(rest)


def mp_softmax(z, temperature=1):
    zs = [x / temperature for x in _mp(z)]
    m = max(zs)
    e = [mpmath.exp(x - m) if x != -INF else mpmath.mpf(0) for x in zs]
    total = mpmath.fsum(e)
    return np.array([float(x / total) for x in e])


def mp_log_softmax(z):
    m, r = mp_log_normalizer(z)
    return np.array([float((x - m) - r) if x != -INF else -INF for x in _mp(z)])


def mp_logsumexp(z):
    m, r = mp_log_normalizer(z)
    return float(m + r)


def along(fn, z, axis=-1, **kwargs):
    """Apply a one-vector reference function to every row of ``z`` along ``axis``."""
    z = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    rows = [np.asarray(fn(row, **kwargs), dtype=float) for row in z.reshape(-1, z.shape[-1])]
    out = np.array(rows).reshape(*z.shape[:-1], *rows[0].shape)
    return np.moveaxis(out, -1, axis) if out.ndim == z.ndim else out


def assert_ulps(actual, expected, ulps, scale=0.0):
    """Assert that ``actual`` is within ``ulps`` units in the last place of ``expected``.

    With ``scale``, the unit is the last place of ``max(|expected|, scale)``: for a result that
    cancels, such as logsumexp = max(z) + log(sum), whose last place is finer than that of the
    terms it is computed from.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape
    same = actual == expected  # covers infinities and exact zeros
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf where not `same`
        err = np.where(same, 0, np.abs(actual - expected))
        unit = np.spacing(np.maximum(np.abs(expected), scale))
        tol = ulps * unit
    bad = ~same & ~(err <= tol)
    assert not bad.any(), (
        f"more than {ulps} ulps off: got {actual[bad]}, expected {expected[bad]} "
        f"({(err[bad] / unit[bad]).max():.3g} ulps)"
    )


# Logits for the known-value tests, from ordinary to the ends of the float64 range. Entries are
# chosen so that z - max(z) is exact (Sterbenz), so a few ulps is a fair bar.
HARD_LOGITS = [
    [0.0],
    [1.0, 2.0, 3.0],
    [123.0, 456.0, 789.0],  # CS231n's example: the naive formula gives nan
    [-1000.0, -1000.0, -1001.5],
    [1000.0, 1001.0, 1002.5],
    [1e5, 1e5 - 1, 1e5 - 2.5, -1e5],
    [-1e5, -1e5 - 0.5, -1e5 - 30],
    [1e300, 1e300, -1e308, -INF],
    [-1e308, -1e308, -INF],
    [F64_MAX, 0.0, -F64_MAX],
    [0.0, -700.0, -740.0, -INF],  # subnormal and underflowing probabilities
    [40.0, 0.0],  # a confident prediction: the small class has probability e^-40
    [-INF, 5.0, -INF, 5.0 - 1 / 1024],
]


# ---------------------------------------------------------------------------------------------
# one_hot


def test_one_hot_known_values_and_shape():
    np.testing.assert_array_equal(crossent.one_hot([0, 2], 3), [[1, 0, 0], [0, 0, 1]])
    out = crossent.one_hot(np.array([[1], [0]], dtype=np.uint8), 2)
    assert out.shape == (2, 1, 2) and out.dtype == np.float64
    np.testing.assert_array_equal(out, [[[0, 1]], [[1, 0]]])
    np.testing.assert_array_equal(crossent.one_hot(1, 2), [0.0, 1.0])
    assert crossent.one_hot(np.zeros(0, dtype=int), 4).shape == (0, 4)


# ---------------------------------------------------------------------------------------------
# softmax, log_softmax, logsumexp: known values


def test_softmax_by_hand():
    e = [math.exp(1), math.exp(2), math.exp(3)]
    assert_ulps(crossent.softmax([1.0, 2.0, 3.0]), [x / math.fsum(e) for x in e], 2)
    np.testing.assert_array_equal(crossent.softmax([0.0, 0.0, 0.0, 0.0]), [0.25] * 4)
    np.testing.assert_array_equal(crossent.softmax([1e300, 1e300, -1e308, -INF]), [0.5, 0.5, 0, 0])
    np.testing.assert_array_equal(crossent.softmax([7.0]), [1.0])


@pytest.mark.parametrize("z", HARD_LOGITS, ids=str)
def test_softmax_matches_mpmath(z):
    assert_ulps(crossent.softmax(z), mp_softmax(z), 4)


@pytest.mark.parametrize("z", HARD_LOGITS, ids=str)
def test_log_softmax_matches_mpmath(z):
    assert_ulps(crossent.log_softmax(z), mp_log_softmax(z), 4)


@pytest.mark.parametrize("z", HARD_LOGITS, ids=str)
def test_logsumexp_matches_mpmath(z):
    assert_ulps(crossent.logsumexp(z), mp_logsumexp(z), 4)


def test_log_softmax_keeps_tiny_log_probabilities():
    # log softmax of the winner is -log1p(e^-40) = -4.248e-18; log(1 + e^-40) would give 0.
    out = crossent.log_softmax([40.0, 0.0])
    assert out[0] < 0
    assert_ulps(out, [-math.log1p(math.exp(-40)), -40 - math.log1p(math.exp(-40))], 1)
    # a probability far below the float64 range still has its exact log
    np.testing.assert_array_equal(crossent.log_softmax([0.0, -1e5]), [0.0, -1e5])


def test_batches_and_axes_match_mpmath():
    z = np.array([[1.0, 2.0, 3.0], [1e5, -1e5, 0.0], [-INF, 0.0, -3.0]])
    assert_ulps(crossent.softmax(z), along(mp_softmax, z), 4)
    assert_ulps(crossent.softmax(z.T, axis=0), along(mp_softmax, z).T, 4)
    assert_ulps(crossent.log_softmax(z.T, axis=0), along(mp_log_softmax, z).T, 4)
    assert_ulps(crossent.logsumexp(z), along(mp_logsumexp, z), 4)
    assert_ulps(crossent.logsumexp(z.T, axis=0), along(mp_logsumexp, z), 4)
    cube = np.arange(24.0).reshape(2, 3, 4)
    assert_ulps(crossent.softmax(cube, axis=1), along(mp_softmax, cube, axis=1), 4)
    assert crossent.logsumexp(cube, axis=1).shape == (2, 4)


def test_logsumexp_is_a_scalar_for_one_vector():
    out = crossent.logsumexp([0.0, 0.0])
    assert isinstance(out, np.float64) and out == pytest.approx(math.log(2), rel=1e-16)
    assert crossent.logsumexp([F64_MAX, F64_MAX]) == F64_MAX  # + ln 2 rounds away, no overflow


def test_temperature():
    z = [0.0, math.log(4)]
    assert_ulps(crossent.softmax(z, temperature=2), mp_softmax(z, temperature=2), 4)
    assert_ulps(crossent.softmax([1.0, 2.0, 3.5], temperature=0.5), mp_softmax([2.0, 4.0, 7.0]), 4)
    assert_ulps(crossent.softmax([1.0, 2.0], temperature=1e6), mp_softmax([1e-6, 2e-6]), 4)
    # a tiny temperature turns softmax into arg max; (z - max) / T overflows to -inf silently
    np.testing.assert_array_equal(crossent.softmax([1.0, 2.0, -INF], temperature=1e-300), [0, 1, 0])
    np.testing.assert_array_equal(crossent.softmax([F64_MAX, 0.0], temperature=0.5), [1, 0])
    # temperatures that float32 cannot hold (1e-300 rounds to 0, 1e300 to inf) still work
    z32 = np.float32([1.0, 2.0, -INF])
    for t, expected in [(1e-300, [0, 1, 0]), (1e300, [0.5, 0.5, 0]), (1e-40, [0, 1, 0])]:
        out = crossent.softmax(z32, temperature=t)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out, expected)


def test_extremes_raise_no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            crossent.softmax([F64_MAX, -F64_MAX, -INF])
            crossent.log_softmax([F64_MAX, -F64_MAX, -INF])
            crossent.logsumexp([-F64_MAX, F64_MAX])
            crossent.softmax_naive([1e5, 0.0])
            crossent.softmax_naive([-1e5, -1e5])


# ---------------------------------------------------------------------------------------------
# softmax_naive: the overflow the book shows


@pytest.mark.parametrize(
    ("dtype", "ok", "overflows"), [(np.float32, 88.0, 89.0), (np.float64, 709.0, 710.0)]
)
def test_naive_softmax_overflows_where_the_book_says(dtype, ok, overflows):
    fine = crossent.softmax_naive(np.array([ok, 0.0], dtype=dtype))
    np.testing.assert_allclose(fine, [1.0, math.exp(-ok)], rtol=1e-6)
    broken = crossent.softmax_naive(np.array([overflows, 0.0], dtype=dtype))
    assert broken.dtype == dtype
    assert np.isnan(broken[0]) and broken[1] == 0  # inf / inf and 1 / inf
    stable = crossent.softmax(np.array([overflows, 0.0], dtype=dtype))
    assert stable.dtype == dtype and np.all(np.isfinite(stable))
    np.testing.assert_allclose(stable, mp_softmax([overflows, 0.0]), rtol=1e-6)


def test_naive_softmax_is_the_formula():
    z = np.array([[1.0, 2.0, 3.0], [-800.0, -800.0, -800.0]])
    expected = np.exp(z[0]) / np.exp(z[0]).sum()
    assert_ulps(crossent.softmax_naive(z)[0], expected, 0)
    assert np.isnan(crossent.softmax_naive(z)[1]).all()  # 0 / 0 after underflow
    np.testing.assert_array_equal(crossent.softmax_naive([0.0, -INF]), [1.0, 0.0])
    assert crossent.softmax_naive(z.T, axis=0).shape == (3, 2)


# ---------------------------------------------------------------------------------------------
# softmax_jacobian


def test_jacobian_by_hand():
    jac = crossent.softmax_jacobian([0.0, math.log(2)])  # s = (1/3, 2/3)
    np.testing.assert_allclose(jac, [[2 / 9, -2 / 9], [-2 / 9, 2 / 9]], rtol=1e-15)
    np.testing.assert_array_equal(crossent.softmax_jacobian([3.0]), [[0.0]])


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(-10, 10)))
def test_jacobian_matches_finite_differences(z):
    jac = crossent.softmax_jacobian(z)
    h = 1e-6
    numeric = np.empty_like(jac)
    for j in range(z.size):
        step = np.zeros_like(z)
        step[j] = h
        numeric[:, j] = (crossent.softmax(z + step) - crossent.softmax(z - step)) / (2 * h)
    np.testing.assert_allclose(jac, numeric, atol=1e-8)
    np.testing.assert_allclose(jac, jac.T, atol=0)
    np.testing.assert_allclose(jac.sum(axis=1), 0, atol=1e-15)


def test_jacobian_keeps_float32():
    assert crossent.softmax_jacobian(np.float32([1, 2])).dtype == np.float32
    assert crossent.softmax_jacobian([1, 2]).dtype == np.float64


def mp_jacobian(z):
    """J in mpmath: -s_i s_j off the diagonal, s_i times the sum of the other s_j on it.

    (At 50 digits, ``s_i - s_i**2`` would itself cancel for s_i within 1e-50 of 1; the sum of
    the others is the same number without that cancellation.)
    """
    zs = _mp(z)
    m = max(zs)
    e = [mpmath.exp(x - m) if x != -INF else mpmath.mpf(0) for x in zs]
    total = mpmath.fsum(e)
    s = [x / total for x in e]
    n = len(s)
    return np.array(
        [
            [
                float(s[i] * mpmath.fsum(s[k] for k in range(n) if k != i))
                if i == j
                else float(-s[i] * s[j])
                for j in range(n)
            ]
            for i in range(n)
        ]
    )


#: Relative error allowed against mpmath: 1e-14 in float64 (TensorFlow's bound for its softmax
#: gradient), 8 eps in float32 (1e-14 is below float32's resolution). Results below the
#: normal range have absolute errors of a few subnormal units instead.
JAC_RTOL = {np.float64: 1e-14, np.float32: 8 * float(np.finfo(np.float32).eps)}


def assert_jacobian_accurate(z, dtype):
    z = np.asarray(z, dtype=dtype)
    jac = crossent.softmax_jacobian(z)
    assert jac.dtype == dtype and jac.shape == (z.size, z.size)
    expected = mp_jacobian(z)
    err = np.abs(jac.astype(np.float64) - expected)
    tol = JAC_RTOL[dtype] * np.abs(expected) + 4 * float(np.finfo(dtype).smallest_subnormal)
    assert np.all(err <= tol), (
        f"J = {jac.tolist()}, expected {expected.tolist()}, relative error "
        f"{(err / np.maximum(np.abs(expected), 1e-320)).max():.3g}"
    )
    assert_rows_sum_to_zero(jac)


def assert_rows_sum_to_zero(jac):
    """Each row of J sums to 0 up to 2n ulps of the row's largest entry (n = its length)."""
    n = jac.shape[-1]
    row_max = np.abs(jac).max(axis=-1)
    bound = 2 * n * np.spacing(row_max) + n * np.finfo(jac.dtype).smallest_subnormal
    sums = np.abs(jac.sum(axis=-1))
    assert np.all(sums <= bound), f"row sums {sums.tolist()} exceed {bound.tolist()}"


JACOBIAN_LOGITS = [
    [37.42994775023705, 0.0],  # s[0] rounds to 1: s[0] - s[0]**2 gave J[0, 0] = 0, not 5.55e-17
    [30.0, 0.0, 0.0],  # s[0] - s[0]**2 was 1e-3 off, relatively
    [20.0, 0.0, 0.0],
    [40.0, 0.0],
    [700.0, 0.0],  # the small class has probability e^-700 = 9.9e-305, still normal
    [745.0, 0.0],  # ... e^-745, the smallest subnormal
    [0.0, -30.0, -60.0, -90.0, -120.0],
    [100.0, 0.0, -100.0, -INF],
    [0.0, -700.0, -740.0, -INF],  # subnormal probabilities
    [1e5, 1e5 - 1, 1e5 - 2.5, -1e5],
    [F64_MAX, 0.0, -F64_MAX],
    [1e300, 1e300, -1e308, -INF],  # a tie for the maximum
    [-INF, 5.0, -INF, 5.0 - 1 / 1024],
    [1.0, 2.0, 3.0],
    [0.0, 0.0],
    [3.0],
    [0.0, -INF],
]

JACOBIAN_LOGITS_F32 = [
    [37.42994775023705, 0.0],
    [17.5, 0.0],  # float32's s[0] rounds to 1 from here on
    [30.0, 0.0, 0.0],
    [20.0, 0.0, 0.0],
    [88.0, 0.0, -INF],
    [0.0, -87.0, -100.0],  # e^-100 = 3.7e-44 is a float32 subnormal
    [3e38, 0.0, -3e38],
    [1.0, 2.0, 3.0],
    [-INF, 5.0, -INF, 5.0 - 1 / 1024],
]


@pytest.mark.parametrize("z", JACOBIAN_LOGITS, ids=str)
def test_jacobian_matches_mpmath_in_float64(z):
    assert_jacobian_accurate(z, np.float64)


@pytest.mark.parametrize("z", JACOBIAN_LOGITS_F32, ids=str)
def test_jacobian_matches_mpmath_in_float32(z):
    assert_jacobian_accurate(z, np.float32)


def test_jacobian_of_a_saturated_softmax_keeps_its_tiny_diagonal():
    # the case from the peer libraries' tests: J[0, 0] = s[0] * s[1] = 5.5511151231257755e-17
    jac = crossent.softmax_jacobian([37.42994775023705, 0.0])
    assert jac[0, 0] == pytest.approx(5.5511151231257755e-17, rel=1e-15)
    np.testing.assert_array_equal(jac.sum(axis=1), [0.0, 0.0])


dyadic_or_minus_inf = st.one_of(
    st.integers(-800 * 64, 800 * 64).map(lambda k: k / 64), st.just(-INF)
)


@settings(max_examples=80, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 7), elements=dyadic_or_minus_inf).map(
        lambda z: z if np.isfinite(z).any() else np.zeros_like(z)
    ),
    st.sampled_from([np.float64, np.float32]),
)
def test_random_jacobians_match_mpmath_and_rows_sum_to_zero(z, dtype):
    # Multiples of 1/64: z - max(z) is exact, so the bar is the rounding of exp, sums and
    # products alone (in float32, logits up to 800 still fit; their probabilities may not).
    assert_jacobian_accurate(z, dtype)


def test_jacobian_raises_no_warnings_at_the_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            crossent.softmax_jacobian([F64_MAX, -F64_MAX, -INF])
            crossent.softmax_jacobian([0.0, -700.0, -745.0])
            crossent.softmax_jacobian(np.float32([0.0, -87.0, -100.0]))


# ---------------------------------------------------------------------------------------------
# Properties

finite = st.floats(-F64_MAX, F64_MAX, allow_nan=False, allow_infinity=False)
logit = st.one_of(finite, finite, finite, st.just(-INF), st.floats(-1e3, 1e3))


def logit_rows(elements=logit, max_m=4, max_n=6):
    """m×n arrays of logits, every row with at least one finite entry."""
    shape = st.tuples(st.integers(1, max_m), st.integers(1, max_n))
    return hnp.arrays(np.float64, shape, elements=elements).map(_one_finite_per_row)


def _one_finite_per_row(z):
    z = z.copy()
    dead = np.all(np.isneginf(z), axis=-1)
    z[dead, 0] = 0.0
    return z


@settings(max_examples=150, deadline=None)
@given(logit_rows())
def test_softmax_rows_are_distributions_for_any_logits(z):
    s = crossent.softmax(z)
    assert s.shape == z.shape and s.dtype == np.float64
    assert np.all((s >= 0) & (s <= 1))
    np.testing.assert_allclose(s.sum(axis=-1), 1.0, rtol=0, atol=z.shape[-1] * 2.3e-16)
    assert np.all(s[np.isneginf(z)] == 0)


@settings(max_examples=150, deadline=None)
@given(logit_rows())
def test_log_softmax_and_logsumexp_are_finite_and_consistent(z):
    ls = crossent.log_softmax(z)
    lse = crossent.logsumexp(z)
    top = z.max(axis=-1)
    with np.errstate(over="ignore"):
        below_range = z - top[:, None] < -F64_MAX  # log-probabilities below -1.8e308
    assert np.all(ls <= 0) and np.array_equal(np.isneginf(ls), np.isneginf(z) | below_range)
    assert np.all(top <= lse) and np.all(lse <= top + np.log(z.shape[-1]) * (1 + 1e-15))
    assert np.all(np.isfinite(lse))


@settings(max_examples=150, deadline=None)
@given(
    hnp.arrays(
        np.float64, st.integers(1, 8), elements=st.integers(-8000, 8000).map(lambda k: k / 8)
    ),
    st.integers(-(10**6), 10**6),
)
def test_softmax_is_exactly_shift_invariant_when_the_shift_is_exact(z, c):
    np.testing.assert_array_equal(crossent.softmax(z + c), crossent.softmax(z))
    np.testing.assert_array_equal(crossent.log_softmax(z + c), crossent.log_softmax(z))
    # logsumexp(z + c) = logsumexp(z) + c, up to the rounding of the final additions
    size = abs(c) + np.abs(z).max() + np.log(z.size)
    assert abs(crossent.logsumexp(z + c) - (crossent.logsumexp(z) + c)) <= 2 * np.spacing(size)


@settings(max_examples=100, deadline=None)
@given(
    hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-50, 50)),
    st.floats(-1e4, 1e4),
)
def test_softmax_is_shift_invariant(z, c):
    # z + c rounds by up to |z + c| eps / 2, which moves softmax by about that, relatively.
    np.testing.assert_allclose(crossent.softmax(z + c), crossent.softmax(z), rtol=1e-11)


@settings(max_examples=100, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 8), elements=st.floats(-50, 50)))
def test_log_softmax_is_the_log_of_softmax_where_both_are_finite(z):
    np.testing.assert_allclose(np.exp(crossent.log_softmax(z)), crossent.softmax(z), rtol=1e-13)
    np.testing.assert_allclose(
        crossent.log_softmax(z), z - crossent.logsumexp(z), rtol=1e-13, atol=1e-13
    )


dyadic = st.integers(-800 * 64, 800 * 64).map(lambda k: k / 64)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=dyadic))
@example(np.array([-0.859375, -0.859375, -0.859375]))  # found by hypothesis: cancels
def test_random_logits_match_mpmath_to_a_few_ulps(z):
    # Multiples of 1/64: z - max(z) is exact, so only exp, log1p and the sum round.
    assert_ulps(crossent.softmax(z), mp_softmax(z), 4)
    assert_ulps(crossent.log_softmax(z), mp_log_softmax(z), 4)
    # logsumexp = max(z) + log(sum): where the two have opposite signs the sum cancels (z = 3 x
    # -0.859375 gives 0.239 from -0.859 + 1.099), and the log's half-ulp error is an ulp of the
    # log term, not of the result. Measure in ulps of the larger of the two.
    lse = mp_logsumexp(z)
    assert_ulps(crossent.logsumexp(z), lse, 4, scale=np.abs(lse - z.max()))


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 5), elements=st.floats(-800, 800)))
def test_any_logits_match_mpmath_within_their_conditioning(z):
    # z_i - max(z) rounds by up to |z_i - max z| eps / 2, and exp turns that absolute error
    # into a relative one: softmax's own condition number. The bar grows with that spread.
    spread = 1 + np.abs(z - z.max())
    expected = mp_softmax(z)
    normal = expected > 1e-300
    err = np.abs(crossent.softmax(z) - expected)
    assert np.all(err[normal] <= (4 * spread * np.spacing(expected))[normal])
    err = np.abs(crossent.log_softmax(z) - mp_log_softmax(z))
    assert np.all(err <= 4 * np.spacing(spread + np.abs(z).max()))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    z = np.array([[1, 2, 3], [100, -100, 0]], dtype=dtype)
    for fn in (crossent.softmax, crossent.log_softmax, crossent.logsumexp, crossent.softmax_naive):
        assert fn(z).dtype == dtype, fn.__name__
    assert crossent.softmax(z, temperature=3).dtype == dtype


def test_integers_become_float64_and_float32_is_accurate():
    assert crossent.softmax([1, 2, 3]).dtype == np.float64
    assert crossent.logsumexp([True, False]).dtype == np.float64
    z32 = np.float32([1e4, 1e4 - 1, -3e38])
    s = crossent.softmax(z32)
    np.testing.assert_allclose(s, mp_softmax(z32), rtol=3e-7)
    assert crossent.logsumexp(z32) == np.float32(1e4) + np.float32(math.log1p(math.exp(-1)))


# ---------------------------------------------------------------------------------------------
# Bad input: every message names the argument and the problem

BAD_INPUT = [
    (lambda: crossent.softmax([0.0, math.nan]), ValueError, r"z contains NaN at index 1"),
    (
        lambda: crossent.softmax([[0.0, 1.0], [INF, 0.0]]),
        ValueError,
        r"z must be finite or -inf \(-inf means probability 0\); z\[\(1, 0\)\] = \+inf",
    ),
    (
        lambda: crossent.log_softmax([[0.0, 1.0], [-INF, -INF]]),
        ValueError,
        r"z row 1 is -inf everywhere along axis -1; each row needs at least one finite logit",
    ),
    (lambda: crossent.logsumexp([-INF, -INF]), ValueError, r"z is -inf everywhere"),
    (lambda: crossent.logsumexp([1.0, INF]), ValueError, r"z\[1\] = \+inf"),
    (
        lambda: crossent.softmax(np.zeros((2, 0))),
        ValueError,
        r"z has an empty axis 1 \(shape \(2, 0\)\)",
    ),
    (lambda: crossent.softmax(3.0), ValueError, r"z must have at least one dimension"),
    (lambda: crossent.log_softmax([1.0], axis=1), ValueError, r"axis 1 is out of range for z"),
    (lambda: crossent.logsumexp([1.0], axis=0.0), TypeError, r"axis must be an int"),
    (lambda: crossent.softmax(["a", "b"]), TypeError, r"z must be an array of real numbers"),
    (lambda: crossent.softmax([1j, 0]), TypeError, r"z must hold real numbers"),
    (lambda: crossent.softmax([[1.0], [1.0, 2.0]]), ValueError, r"z must be a rectangular array"),
    (
        lambda: crossent.softmax([1.0], temperature=0),
        ValueError,
        r"temperature must be a positive finite number; got 0\.0",
    ),
    (lambda: crossent.softmax([1.0], temperature=-1), ValueError, r"temperature .* got -1\.0"),
    (lambda: crossent.softmax([1.0], temperature=INF), ValueError, r"temperature .* got inf"),
    (lambda: crossent.softmax([1.0], temperature=math.nan), ValueError, r"temperature .* nan"),
    (lambda: crossent.softmax([1.0], temperature="hot"), TypeError, r"temperature must be a real"),
    (lambda: crossent.softmax([1.0], temperature=True), TypeError, r"temperature must be a real"),
    (lambda: crossent.softmax_naive([math.nan, 1.0]), ValueError, r"z contains NaN at index 0"),
    (lambda: crossent.softmax_naive(np.zeros(0)), ValueError, r"z has an empty axis 0"),
    (
        lambda: crossent.softmax_jacobian([[1.0, 2.0]]),
        ValueError,
        r"z must be one vector of logits \(1 dimension\); got shape \(1, 2\)",
    ),
    (lambda: crossent.softmax_jacobian([1.0, INF]), ValueError, r"z\[1\] = \+inf"),
    (
        lambda: crossent.one_hot([0, 3], 3),
        ValueError,
        r"indices must be class ids in \[0, n\) with n = 3 classes; indices\[1\] = 3",
    ),
    (lambda: crossent.one_hot([[0], [-1]], 3), ValueError, r"indices\[\(1, 0\)\] = -1"),
    (lambda: crossent.one_hot(5, 3), ValueError, r"with n = 3 classes; indices = 5"),
    (
        lambda: crossent.one_hot([0.0, 1.0], 3),
        TypeError,
        r"indices must be integer class ids in \[0, 3\); got dtype float64 \(use \.astype\(int\)",
    ),
    (lambda: crossent.one_hot([True], 3), TypeError, r"indices must be integer .* dtype bool"),
    (lambda: crossent.one_hot([0], 0), ValueError, r"n must be at least 1 .*; got 0"),
    (lambda: crossent.one_hot([0], 3.0), TypeError, r"n must be an int, the number of classes"),
]


@pytest.mark.parametrize(("call", "exc", "message"), BAD_INPUT)
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# The exercise self-checks for softmax, log_softmax and logsumexp


def mp_case_value(name, case):
    """Recompute a check case's expected value with the mpmath reference."""
    z = case.args[0]
    axis = case.kwargs.get("axis", -1)
    if name == "softmax":
        return along(mp_softmax, z, axis, temperature=case.kwargs.get("temperature", 1))
    if name == "log_softmax":
        return along(mp_log_softmax, z, axis)
    return along(mp_logsumexp, z, axis) if np.ndim(z) > 1 else mp_logsumexp(z)


SOFTMAX_CHECKS = ["softmax", "log_softmax", "logsumexp"]


@pytest.mark.parametrize(
    ("name", "case"), [(name, case) for name in SOFTMAX_CHECKS for case in check.CASES[name]]
)
def test_check_expected_values_agree_with_mpmath(name, case):
    np.testing.assert_allclose(case.expected, mp_case_value(name, case), rtol=1e-14, atol=1e-300)


@pytest.mark.parametrize("name", SOFTMAX_CHECKS)
def test_the_package_passes_its_softmax_checks(name):
    result = getattr(check, name)(getattr(crossent, name))
    assert result.passed, result.message
    assert repr(result).startswith(f"{name}: passed all {len(check.CASES[name])} cases")


def test_a_stable_reader_softmax_passes_and_unsupported_arguments_are_skipped():
    def my_softmax(z, axis=-1):
        z = np.asarray(z, dtype=float)
        e = np.exp(z - z.max(axis=axis, keepdims=True))
        return e / e.sum(axis=axis, keepdims=True)

    result = check.softmax(my_softmax)
    assert result.passed, result.message
    assert "1 skipped: your function takes no 'temperature' argument" in result.message


def test_the_naive_softmax_fails_on_large_logits():
    result = check.softmax(crossent.softmax_naive)
    assert not result
    assert "case 4 (large logits (the textbook formula overflows" in result.message
    assert "got [nan, nan, nan]" in result.message


def test_a_softmax_that_ignores_the_axis_fails():
    def flat(z, axis=-1, temperature=1.0):
        z = np.asarray(z, dtype=float) / temperature
        e = np.exp(z - z.max())
        return e / e.sum()

    result = check.softmax(flat)
    assert not result and "case 7 (a batch of two rows) failed" in result.message


def test_a_softmax_that_ignores_the_temperature_fails():
    def cold(z, axis=-1, temperature=1.0):
        return crossent.softmax(z, axis)

    result = check.softmax(cold)
    assert not result and "temperature 2 halves the logits" in result.message


def test_log_of_softmax_fails_where_a_probability_rounds_to_zero():
    def log_of_softmax(z, axis=-1):
        with np.errstate(divide="ignore"):
            return np.log(crossent.softmax(z, axis=axis))

    result = check.log_softmax(log_of_softmax)
    assert not result
    assert "a probability that rounds to 0 still has a finite log" in result.message
    assert "got [0.0, -inf]" in result.message


def test_naive_logsumexp_fails_and_base_2_fails():
    def naive(z, axis=-1):
        with np.errstate(over="ignore", divide="ignore"):
            return np.log(np.sum(np.exp(z), axis=axis))

    result = check.logsumexp(naive)
    assert not result and "case 3 (large logits (exp(1000) overflows))" in result.message

    def in_bits(z, axis=-1):
        return crossent.logsumexp(z, axis) / math.log(2)

    result = check.logsumexp(in_bits)
    assert not result and "expected 0.693147, got 1.0" in result.message
