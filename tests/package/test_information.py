"""Tests for self_information, entropy and binary_entropy.

Expected values come from mpmath at 50 significant digits or from hand calculation, never
from the functions under test.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent

mpmath.mp.dps = 50


def mp_entropy(p, base=math.e):
    total = mpmath.mpf(0)
    for x in p:
        x = mpmath.mpf(x)
        if x > 0:
            total -= x * mpmath.log(x)
    return float(total / mpmath.log(base))


def mp_binary_entropy(p, base=math.e):
    return mp_entropy([p, mpmath.mpf(1) - mpmath.mpf(p)], base)


# ---------------------------------------------------------------------------------------------
# Known values


@pytest.mark.parametrize(
    ("p", "base", "expected"),
    [
        (1.0, 2, 0.0),
        (0.5, 2, 1.0),
        (0.25, 2, 2.0),
        (1 / 1024, 2, 10.0),
        (0.001, 10, 3.0),
        (0.5, math.e, 0.6931471805599453),  # ln 2
        (1 / math.e, math.e, 1.0),
    ],
)
def test_self_information_known_values(p, base, expected):
    assert crossent.self_information(p, base=base) == pytest.approx(expected, rel=1e-15, abs=0)


def test_self_information_of_zero_is_infinite_without_warning():
    with np.errstate(all="raise"):
        assert crossent.self_information(0.0) == math.inf
        assert crossent.self_information(np.float32(0.0)) == np.inf


def test_self_information_of_one_is_positive_zero():
    result = crossent.self_information(1.0)
    assert result == 0.0 and not np.signbit(result)


@pytest.mark.parametrize(
    ("p", "base"),
    [
        ([0.5, 0.5], 2),
        ([0.5, 0.25, 0.25], 2),
        ([1 / 6] * 6, 2),
        ([0.5, 0.1, 0.1, 0.1, 0.1, 0.1], math.e),
        ([0.7, 0.2, 0.1], 10),
        ([1e-300, 1 - 1e-300], math.e),
        ([0.999999, 1e-6], 2),
    ],
)
def test_entropy_matches_mpmath(p, base):
    assert crossent.entropy(p, base=base) == pytest.approx(mp_entropy(p, base), rel=1e-14)


def test_entropy_by_hand():
    # (1/2, 1/4, 1/4): 1/2 * 1 + 2 * 1/4 * 2 = 1.5 bits.
    assert crossent.entropy([0.5, 0.25, 0.25], base=2) == 1.5
    # ten equally likely outcomes: exactly one hartley
    assert crossent.entropy([0.1] * 10, base=10) == pytest.approx(1.0, rel=1e-15)


def test_zero_probabilities_contribute_nothing():
    assert crossent.entropy([0.5, 0.5, 0.0, 0.0], base=2) == 1.0
    with np.errstate(all="raise"):
        assert crossent.entropy([1.0, 0.0]) == 0.0


def test_entropy_axis_and_batches():
    p = np.array([[0.5, 0.5], [1.0, 0.0], [0.25, 0.75]])
    rows = crossent.entropy(p, base=2, axis=-1)
    assert rows.shape == (3,)
    np.testing.assert_allclose(rows, [1.0, 0.0, mp_entropy([0.25, 0.75], 2)], rtol=1e-14)
    np.testing.assert_allclose(crossent.entropy(p.T, base=2, axis=0), rows, rtol=1e-15)
    cube = np.stack([p, p[::-1]])  # (2, 3, 2)
    assert crossent.entropy(cube, axis=2).shape == (2, 3)
    moved = np.moveaxis(cube, 2, 1)  # (2, 2, 3): the outcomes now on the middle axis
    np.testing.assert_allclose(crossent.entropy(moved, axis=1), crossent.entropy(cube, axis=2))


@pytest.mark.parametrize("p", [0.0, 1.0])
def test_binary_entropy_endpoints(p):
    with np.errstate(all="raise"):
        assert crossent.binary_entropy(p) == 0.0


@pytest.mark.parametrize("p", [0.5, 0.11, 0.3, 1e-12, 1 - 1e-9, 0.999])
@pytest.mark.parametrize("base", [2, math.e, 10])
def test_binary_entropy_matches_mpmath(p, base):
    expected = mp_binary_entropy(mpmath.mpf(p), base)
    assert crossent.binary_entropy(p, base=base) == pytest.approx(expected, rel=1e-12)


def test_binary_entropy_is_accurate_for_tiny_p():
    # H_b(p) ~ p (1 - ln p) for tiny p; the naive log(1 - p) would lose every digit of it.
    p = 1e-20
    assert crossent.binary_entropy(p) == pytest.approx(mp_binary_entropy(mpmath.mpf(p)), rel=1e-13)


# ---------------------------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    p = np.array([0.5, 0.25, 0.25], dtype=dtype)
    assert crossent.entropy(p).dtype == dtype
    assert crossent.self_information(p).dtype == dtype
    assert crossent.binary_entropy(p).dtype == dtype


def test_integers_and_float16_are_promoted():
    assert crossent.entropy([1, 0]).dtype == np.float64
    assert crossent.self_information(np.float16(0.5)).dtype == np.float32


def test_float32_result_is_accurate_to_float32():
    p = np.array([0.7, 0.2, 0.1], dtype=np.float32)
    exact = mp_entropy([float(x) for x in p])  # the entropy of the float32 values themselves
    assert crossent.entropy(p) == pytest.approx(exact, rel=4 * float(np.finfo(np.float32).eps))


# ---------------------------------------------------------------------------------------------
# Properties


def distributions(min_n=1, max_n=12):
    return (
        hnp.arrays(
            np.float64,
            st.integers(min_n, max_n),
            elements=st.floats(0, 1e6, allow_nan=False, allow_subnormal=False),
        )
        .filter(lambda w: w.sum() > 0)
        .map(lambda w: w / w.sum())
    )


@settings(max_examples=150, deadline=None)
@given(distributions())
def test_entropy_lies_between_zero_and_log_n(p):
    h = crossent.entropy(p)
    assert 0.0 <= h <= math.log(len(p)) * (1 + 1e-12)


@settings(max_examples=150, deadline=None)
@given(distributions(), st.sampled_from([2, 10, 3.5]))
def test_changing_base_only_rescales(p, base):
    assert crossent.entropy(p, base=base) == pytest.approx(
        crossent.entropy(p) / math.log(base), rel=1e-12, abs=1e-300
    )


@settings(max_examples=100, deadline=None)
@given(distributions(max_n=6), distributions(max_n=6))
def test_entropy_of_independent_pair_adds(p, q):
    joint = np.outer(p, q).ravel()
    joint /= joint.sum()
    assert crossent.entropy(joint) == pytest.approx(
        crossent.entropy(p) + crossent.entropy(q), rel=1e-9, abs=1e-9
    )


@settings(max_examples=100, deadline=None)
@given(distributions())
def test_entropy_is_expected_self_information(p):
    surprise = crossent.self_information(p)
    expected = float(np.sum(np.where(p > 0, p * np.where(p > 0, surprise, 0), 0)))
    assert crossent.entropy(p) == pytest.approx(expected, rel=1e-12, abs=1e-300)


@settings(max_examples=100, deadline=None)
@given(
    st.floats(0, 1, allow_nan=False, exclude_min=True),
    st.floats(0, 1, allow_nan=False, exclude_min=True),
)
def test_self_information_is_additive_for_independent_events(a, b):
    assume(a * b >= np.finfo(float).tiny)  # a product that underflows to 0 is impossible, not rare
    assert crossent.self_information(a * b) == pytest.approx(
        crossent.self_information(a) + crossent.self_information(b), rel=1e-12, abs=1e-12
    )


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1, allow_nan=False))
def test_binary_entropy_is_symmetric_and_bounded(p):
    h = crossent.binary_entropy(p, base=2)
    assert 0.0 <= h <= 1.0
    assert h == pytest.approx(crossent.binary_entropy(1 - p, base=2), abs=1e-12)


# ---------------------------------------------------------------------------------------------
# Bad input: every message names the argument and what is wrong.


BAD_CUBE = np.full((2, 3, 2), 0.5)
BAD_CUBE[1, 2] = [0.5, 0.2]


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (
            lambda: crossent.entropy([0.5, 0.4]),
            ValueError,
            r"p must sum to 1 along axis -1; it sums to 0\.9 \(allowed error 1e-06 for float64\)",
        ),
        (
            lambda: crossent.entropy([[0.5, 0.5], [0.5, 0.5], [0.2, 0.5]]),
            ValueError,
            r"p must sum to 1 along axis -1; row 2 sums to 0\.7",
        ),
        (
            lambda: crossent.entropy(BAD_CUBE),
            ValueError,
            r"p must sum to 1 along axis -1; row \(1, 2\) sums to 0\.7",
        ),
        (
            lambda: crossent.entropy([[0.5, 0.5], [0.25, 0.75]], axis=0),
            ValueError,
            r"p must sum to 1 along axis -2; row 0 sums to 0\.75",
        ),
        (lambda: crossent.entropy([0.5, math.nan, 0.5]), ValueError, r"p contains NaN at index 1"),
        (
            lambda: crossent.entropy([1.5, -0.5]),
            ValueError,
            r"p must hold probabilities in \[0, 1\]; p\[0\] = 1\.5",
        ),
        (lambda: crossent.entropy(0.5), ValueError, r"p must have at least one dimension"),
        (
            lambda: crossent.entropy(np.ones((2, 0))),
            ValueError,
            r"p has an empty axis 1 \(shape \(2, 0\)\)",
        ),
        (
            lambda: crossent.entropy([0.5, 0.5], axis=1),
            ValueError,
            r"axis 1 is out of range for p with 1 dimension\(s\); use an axis in \[-1, 0\]",
        ),
        (lambda: crossent.entropy([0.5, 0.5], axis=0.0), TypeError, r"axis must be an int"),
        (
            lambda: crossent.entropy([0.5, 0.5], base=1),
            ValueError,
            r"base must be a finite positive number other than 1",
        ),
        (lambda: crossent.entropy([0.5, 0.5], base=-2), ValueError, r"got -2\.0"),
        (
            lambda: crossent.entropy([0.5, 0.5], base="2"),
            TypeError,
            r"base must be a real number such as 2",
        ),
        (lambda: crossent.entropy(["a", "b"]), TypeError, r"p must be an array of real numbers"),
        (lambda: crossent.entropy([0.5 + 0j, 0.5]), TypeError, r"p must hold real numbers"),
        (
            lambda: crossent.entropy([[0.5, 0.5], [1.0]]),
            ValueError,
            r"p must be a rectangular array",
        ),
        (
            lambda: crossent.self_information(-0.1),
            ValueError,
            r"p must hold probabilities in \[0, 1\]; p = -0\.1",
        ),
        (
            lambda: crossent.self_information([0.2, math.nan]),
            ValueError,
            r"p contains NaN at index 1",
        ),
        (lambda: crossent.self_information(0.5, base=0), ValueError, r"base must be"),
        (lambda: crossent.binary_entropy([[0.2, 1.01]]), ValueError, r"p\[\(0, 1\)\] = 1\.01"),
        (lambda: crossent.binary_entropy(0.5, base=math.inf), ValueError, r"got inf"),
    ],
)
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_float32_sum_tolerance_is_looser_than_float64():
    p32 = np.array([0.5, 0.49995], dtype=np.float32)  # off by 5e-5: float32 rounding territory
    assert crossent.entropy(p32) > 0
    with pytest.raises(ValueError, match="allowed error 1e-06 for float64"):
        crossent.entropy(p32.astype(np.float64))
