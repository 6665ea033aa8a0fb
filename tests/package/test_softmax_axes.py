"""The axis forms of softmax, softmax_naive, log_softmax and logsumexp, and logsumexp's keepdims.

``axis`` is an int (the default, -1), a tuple of ints or None, as in ``scipy.special``
(whose ``softmax``, ``log_softmax`` and ``logsumexp`` default to None, every element). SciPy is
not a dependency, so the references are independent: NumPy's own reductions applied to the
documented formulas (``exp(z) / sum(exp(z))``, ``log(sum(exp(z)))``), which have NumPy's
meaning of ``axis`` and ``keepdims``, and the mpmath reference of ``test_softmax.py`` applied
to each row, where a row spans every reduced axis.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_softmax import (
    F64_MAX,
    INF,
    assert_ulps,
    mp_log_softmax,
    mp_logsumexp,
    mp_softmax,
)

import crossent


def _axes(axis, ndim):
    """NumPy's meaning of ``axis``: the sorted non-negative axes it names."""
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return tuple(sorted(a % ndim for a in axes))


def along_axes(fn, z, axis):
    """Apply a one-vector mpmath reference to every row, a row spanning all of ``axis``.

    Returns an array of ``z``'s shape for softmax-like ``fn`` and of the shape with the
    reduced axes dropped for logsumexp-like ``fn``.
    """
    z = np.asarray(z, dtype=np.float64)
    axes = _axes(axis, z.ndim)
    k = len(axes)
    moved = np.moveaxis(z, axes, range(-k, 0))
    kept = moved.shape[:-k]
    rows = moved.reshape(-1, math.prod(moved.shape[-k:]))
    out = np.array([np.asarray(fn(row), dtype=np.float64) for row in rows])
    if out.ndim == 1:  # one number per row
        return out.reshape(kept)
    return np.moveaxis(out.reshape(moved.shape), range(-k, 0), axes)


def axis_specs(ndim):
    """Every way to name axes of an ndim-dimensional array: None, an int, a tuple."""
    ints = st.integers(-ndim, ndim - 1)
    tuples = st.permutations(range(ndim)).flatmap(
        lambda perm: st.integers(1, ndim).flatmap(
            lambda k: st.tuples(*[st.sampled_from([a, a - ndim]) for a in perm[:k]])
        )
    )
    return st.one_of(st.none(), ints, tuples)


arrays_and_axes = st.integers(1, 4).flatmap(
    lambda ndim: st.tuples(
        hnp.arrays(
            np.float64,
            hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=3),
            elements=st.floats(-50, 50),
        ),
        axis_specs(ndim),
    )
)


# ---------------------------------------------------------------------------------------------
# Agreement with the documented formulas, computed by NumPy's reductions


@settings(max_examples=150, deadline=None)
@given(arrays_and_axes, st.booleans())
def test_every_axis_form_agrees_with_numpy_reductions_of_the_formulas(z_axis, keepdims):
    z, axis = z_axis
    e = np.exp(z)  # |z| <= 50: the formulas are fine here
    total = e.sum(axis=axis, keepdims=True)
    np.testing.assert_allclose(crossent.softmax(z, axis=axis), e / total, rtol=1e-13)
    np.testing.assert_allclose(
        crossent.log_softmax(z, axis=axis), z - np.log(total), rtol=1e-13, atol=1e-13
    )
    lse = crossent.logsumexp(z, axis=axis, keepdims=keepdims)
    expected = np.log(e.sum(axis=axis, keepdims=keepdims))
    assert np.shape(lse) == expected.shape
    np.testing.assert_allclose(lse, expected, rtol=1e-13, atol=1e-13)
    # the naive softmax is the formula itself, reduction included
    np.testing.assert_array_equal(crossent.softmax_naive(z, axis=axis), e / total)


@settings(max_examples=100, deadline=None)
@given(arrays_and_axes)
def test_softmax_sums_to_one_over_every_reduced_axis_at_once(z_axis):
    z, axis = z_axis
    s = crossent.softmax(z, axis=axis)
    n = z.size // math.prod(np.sum(z, axis=axis, keepdims=True).shape)
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=0, atol=n * 2.3e-16)


# ---------------------------------------------------------------------------------------------
# Agreement with mpmath where the formulas overflow

HARD = np.array(
    [
        [[1e5, 1e5 - 1, -INF], [1e5 - 2.5, -1e5, 0.0]],
        [[-1000.0, -1000.0, -1001.5], [-INF, -INF, -1000.0]],
    ]
)  # (2, 2, 3): every difference within a row over any axes is exact


@pytest.mark.parametrize("axis", [None, (1, 2), (0, 2), (-3, -2), (0, 1, 2), 1, -1])
def test_hard_logits_match_mpmath_over_any_axes(axis):
    assert_ulps(crossent.softmax(HARD, axis=axis), along_axes(mp_softmax, HARD, axis), 4)
    assert_ulps(crossent.log_softmax(HARD, axis=axis), along_axes(mp_log_softmax, HARD, axis), 4)
    assert_ulps(crossent.logsumexp(HARD, axis=axis), along_axes(mp_logsumexp, HARD, axis), 4)


def test_temperature_with_axis_none():
    z = np.array([[0.0, 1.0], [2.0, 3.5]])
    expected = mp_softmax(z.ravel(), temperature=2).reshape(z.shape)
    assert_ulps(crossent.softmax(z, axis=None, temperature=2), expected, 4)


# ---------------------------------------------------------------------------------------------
# The new forms are the old ones where they coincide, and do not depend on how axes are written


def test_default_axis_is_still_the_last():
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 5.0]])
    for fn in (crossent.softmax, crossent.log_softmax, crossent.logsumexp, crossent.softmax_naive):
        np.testing.assert_array_equal(fn(z), fn(z, axis=-1), err_msg=fn.__name__)
        np.testing.assert_array_equal(fn(z), fn(z, axis=(1,)), err_msg=fn.__name__)
    np.testing.assert_allclose(crossent.softmax(z).sum(axis=1), [1.0, 1.0], rtol=0, atol=1e-15)
    assert crossent.logsumexp(z).shape == (2,)  # one per row, not one for all (SciPy's None)


@pytest.mark.parametrize(
    "fn", [crossent.softmax, crossent.log_softmax, crossent.logsumexp, crossent.softmax_naive]
)
def test_equivalent_ways_to_name_the_same_axes_give_the_same_bits(fn):
    z = np.random.default_rng(7).normal(size=(2, 3, 4)) * 30
    np.testing.assert_array_equal(fn(z, axis=(0, 2)), fn(z, axis=(2, 0)))
    np.testing.assert_array_equal(fn(z, axis=(0, 2)), fn(z, axis=(-3, -1)))
    np.testing.assert_array_equal(fn(z, axis=None), fn(z, axis=(0, 1, 2)))
    np.testing.assert_array_equal(fn(z, axis=None), fn(z, axis=(2, 0, 1)))
    np.testing.assert_array_equal(fn(z, axis=(np.int64(1),)), fn(z, axis=1))
    for one_d in (z[0, 0], z[0, 0].tolist()):
        np.testing.assert_array_equal(fn(one_d, axis=None), fn(one_d))


def test_axis_none_in_log_space_is_the_flattened_vector():
    z = np.array([[0.0, -800.0], [-INF, 3.0], [1e300, -1e300]])
    np.testing.assert_array_equal(
        crossent.log_softmax(z, axis=None), crossent.log_softmax(z.ravel()).reshape(z.shape)
    )
    assert crossent.logsumexp(z, axis=None) == crossent.logsumexp(z.ravel())


# ---------------------------------------------------------------------------------------------
# keepdims, shapes and dtypes


def test_logsumexp_keepdims():
    z = np.arange(24.0).reshape(2, 3, 4)
    for axis, shape in [(-1, (2, 3, 1)), (1, (2, 1, 4)), ((0, 2), (1, 3, 1)), (None, (1, 1, 1))]:
        kept = crossent.logsumexp(z, axis=axis, keepdims=True)
        assert kept.shape == shape
        np.testing.assert_array_equal(kept, np.reshape(crossent.logsumexp(z, axis=axis), shape))
        # it broadcasts against z: z - logsumexp(z) is the log-softmax
        assert_ulps(z - kept, crossent.log_softmax(z, axis=axis), 2, scale=30.0)
    assert crossent.logsumexp(z, axis=(0, 2)).shape == (3,)
    vector = crossent.logsumexp([0.0, 0.0], keepdims=True)
    assert isinstance(vector, np.ndarray) and vector.shape == (1,)
    assert crossent.logsumexp([0.0, 0.0], keepdims=np.True_).shape == (1,)


def test_what_is_left_when_every_axis_is_summed_is_a_scalar():
    out = crossent.logsumexp(np.zeros((2, 2)), axis=None)
    assert isinstance(out, np.float64) and out == pytest.approx(math.log(4), rel=1e-16)
    out32 = crossent.logsumexp(np.zeros((2, 2), dtype=np.float32), axis=(0, 1))
    assert isinstance(out32, np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("axis", [None, (0, 1), (-1, 0)])
def test_dtype_and_shape_are_kept_over_any_axes(dtype, axis):
    z = np.array([[1, 2, 3], [100, -100, 0]], dtype=dtype)
    for fn in (crossent.softmax, crossent.log_softmax, crossent.softmax_naive):
        out = fn(z, axis=axis)
        assert out.dtype == dtype and out.shape == z.shape, fn.__name__
    assert crossent.logsumexp(z, axis=axis).dtype == dtype
    assert crossent.softmax(z, axis=axis, temperature=3).dtype == dtype
    assert crossent.softmax([1, 2], axis=None).dtype == np.float64


def test_extremes_over_several_axes_raise_no_warnings():
    z = np.array([[F64_MAX, -F64_MAX], [-INF, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn"):
            for axis in (None, (0, 1), 0):
                crossent.softmax(z, axis=axis)
                crossent.log_softmax(z, axis=axis)
                crossent.logsumexp(z, axis=axis, keepdims=True)
                crossent.softmax_naive(z, axis=axis)


def test_minus_inf_rows_over_several_axes_are_fine_if_one_entry_is_finite():
    z = np.full((2, 2, 2), -INF)
    z[0, 1, 1] = 0.0
    z[1, 0, 0] = 5.0
    s = crossent.softmax(z, axis=(1, 2))
    np.testing.assert_array_equal(s[0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(s[1], [[1, 0], [0, 0]])
    np.testing.assert_array_equal(crossent.logsumexp(z, axis=(1, 2)), [0.0, 5.0])


# ---------------------------------------------------------------------------------------------
# Bad axes and bad rows: messages name the argument, and rows are found in z's own indices

FUNCTIONS = [crossent.softmax, crossent.log_softmax, crossent.logsumexp, crossent.softmax_naive]
NAMES = [fn.__name__ for fn in FUNCTIONS]
Z2 = np.zeros((2, 3))

BAD_AXES = [
    ((0, 2), ValueError, r"axis 2 is out of range for z with 2 dimension\(s\); use an axis in"),
    (-3, ValueError, r"axis -3 is out of range for z with 2 dimension\(s\)"),
    ((0, 0), ValueError, r"axis=\(0, 0\) names axis -2 more than once .*; list each axis once"),
    ((1, -1), ValueError, r"axis=\(1, -1\) names axis -1 more than once"),
    ((), ValueError, r"axis must name at least one axis; got \(\) \(use axis=None"),
    (1.0, TypeError, r"axis must be an int, a tuple of ints or None .*; got float 1\.0"),
    ((0, 1.0), TypeError, r"axis must be an int, .*; got float 1\.0 in axis=\(0, 1\.0\)"),
    ((0, True), TypeError, r"got bool True in axis=\(0, True\)"),
    ([0, 1], TypeError, r"got list \[0, 1\] \(use a tuple\)"),
    ("last", TypeError, r"axis must be an int, a tuple of ints or None"),
]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=NAMES)
@pytest.mark.parametrize(("axis", "exc", "message"), BAD_AXES, ids=str)
def test_bad_axes_are_named(fn, axis, exc, message):
    with pytest.raises(exc, match=message):
        fn(Z2, axis=axis)


@pytest.mark.parametrize("fn", FUNCTIONS, ids=NAMES)
def test_empty_reductions_and_scalars_raise(fn):
    with pytest.raises(ValueError, match=r"z is empty \(shape \(2, 0\)\); axis=None reduces"):
        fn(np.zeros((2, 0)), axis=None)
    with pytest.raises(ValueError, match=r"z has an empty axis 1 \(shape \(2, 0\)\)"):
        fn(np.zeros((2, 0)), axis=(0, 1))
    for axis in (None, (0,), -1):
        with pytest.raises(ValueError, match=r"z must have at least one dimension"):
            fn(3.0, axis=axis)


LOG_SPACE = [crossent.softmax, crossent.log_softmax, crossent.logsumexp]


@pytest.mark.parametrize("fn", LOG_SPACE, ids=[fn.__name__ for fn in LOG_SPACE])
def test_bad_logits_are_found_over_several_axes(fn):
    z = np.zeros((2, 2, 3))
    z[1, 0, 2] = math.nan
    with pytest.raises(ValueError, match=r"z contains NaN at index \(1, 0, 2\)"):
        fn(z, axis=None)
    z[1, 0, 2] = INF
    with pytest.raises(ValueError, match=r"z\[\(1, 0, 2\)\] = \+inf"):
        fn(z, axis=(0, 2))
    z = np.zeros((2, 2, 3))
    z[:, 1, :] = -INF  # the row at index 1 of the kept axis 1 is -inf everywhere
    with pytest.raises(
        ValueError, match=r"z row 1 is -inf everywhere along axes \(-3, -1\); each row needs"
    ):
        fn(z, axis=(0, 2))
    with pytest.raises(ValueError, match=r"z is -inf everywhere along axes \(-2, -1\)"):
        fn(np.full((2, 2), -INF), axis=None)
    z = np.zeros((2, 2, 1))
    z[0, 1, 0] = -INF
    with pytest.raises(ValueError, match=r"z row \(0, 1\) is -inf everywhere along axis -1"):
        fn(z, axis=(2,))


def test_naive_softmax_checks_nan_over_any_axes():
    z = np.zeros((2, 3))
    z[1, 2] = math.nan
    with pytest.raises(ValueError, match=r"z contains NaN at index \(1, 2\)"):
        crossent.softmax_naive(z, axis=None)


@pytest.mark.parametrize("keepdims", [1, "yes", None])
def test_keepdims_must_be_a_bool(keepdims):
    with pytest.raises(TypeError, match=r"keepdims must be True or False; got"):
        crossent.logsumexp([0.0, 1.0], keepdims=keepdims)
