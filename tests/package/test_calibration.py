"""Tests for crossent.calibration: reliability bins, expected calibration error, temperature
scaling.

Expected values come from explicit Python loops over the examples and bins (membership
``lower < c <= upper`` tested one comparison at a time), from hand calculation, or from closed
forms of the best temperature; never from the functions under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import calibration

# ---------------------------------------------------------------------------------------------
# An independent reference: one example at a time, one bin at a time


def loop_bins(probs, labels, n_bins):
    edges = np.linspace(0, 1, n_bins + 1).tolist()  # the same floats as the reference code
    members = [[] for _ in range(n_bins)]
    for row, k in zip(probs, labels, strict=True):
        row = [float(v) for v in row]
        conf = max(row)
        pred = row.index(conf)  # the first largest
        for b in range(n_bins):
            if edges[b] < conf <= edges[b + 1]:
                members[b].append((conf, pred == k))
                break
    return edges, members


def loop_ece(probs, labels, n_bins):
    _, members = loop_bins(probs, labels, n_bins)
    m = len(labels)
    total = 0.0
    for inside in members:
        if inside:
            conf = sum(c for c, _ in inside) / len(inside)
            acc = sum(1 for _, right in inside if right) / len(inside)
            total += len(inside) / m * abs(acc - conf)
    return total


def nll(z, k, T):
    """Mean NLL of softmax(z / T), one row at a time with math.fsum."""
    total = 0.0
    for row, label in zip(z, k, strict=True):
        s = [float(v) / T for v in row]
        top = max(s)
        lse = top + math.log(math.fsum(math.exp(v - top) for v in s))
        total += lse - s[label]
    return total / len(k)


# ---------------------------------------------------------------------------------------------
# reliability_bins and expected_calibration_error


def test_bins_by_hand():
    probs = [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7], [0.5, 0.5]]
    bins = crossent.reliability_bins(probs, [0, 1, 0, 1, 1], n_bins=4)
    np.testing.assert_array_equal(bins.lower, [0, 0.25, 0.5, 0.75])
    np.testing.assert_array_equal(bins.upper, [0.25, 0.5, 0.75, 1.0])
    np.testing.assert_array_equal(bins.count, [0, 1, 2, 2])  # 0.5 is in (0.25, 0.5]
    assert bins.count.dtype.kind == "i"
    assert np.isnan(bins.confidence[0]) and np.isnan(bins.accuracy[0])
    np.testing.assert_allclose(bins.confidence[1:], [0.5, 0.65, 0.85])
    # the tie [0.5, 0.5] predicts class 0 (the first), label 1: wrong
    np.testing.assert_allclose(bins.accuracy[1:], [0.0, 1.0, 0.5])
    assert isinstance(bins, calibration.ReliabilityBins)
    ece = crossent.expected_calibration_error(probs, [0, 1, 0, 1, 1], n_bins=4)
    assert ece == pytest.approx(0.2 * 0.5 + 0.4 * 0.35 + 0.4 * 0.35, rel=1e-14)


def test_ece_from_the_bins():
    rng = np.random.default_rng(0)
    probs = crossent.softmax(rng.normal(size=(300, 6)) * 3)
    labels = rng.integers(0, 6, 300)
    bins = crossent.reliability_bins(probs, labels)
    full = bins.count > 0
    from_bins = np.sum(bins.count[full] / 300 * np.abs(bins.accuracy[full] - bins.confidence[full]))
    assert crossent.expected_calibration_error(probs, labels) == pytest.approx(from_bins, rel=1e-14)
    assert len(bins.count) == 15 and bins.count.sum() == 300


@pytest.mark.parametrize("n_bins", [1, 2, 4, 10, 15, 20])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_ece_matches_the_loop(n_bins, dtype):
    rng = np.random.default_rng(n_bins)
    probs = crossent.softmax(rng.normal(size=(200, 5)) * 2).astype(dtype)
    probs = probs / probs.sum(axis=1, keepdims=True)
    # put some confidences exactly on bin edges, and some at exactly 1
    probs[:4] = np.array(
        [
            [0.5, 0.5, 0, 0, 0],
            [1, 0, 0, 0, 0],
            [0.25, 0.25, 0.25, 0.25, 0],
            [0.75, 0.25, 0, 0, 0],
        ],
        dtype=dtype,
    )
    labels = rng.integers(0, 5, 200)
    expected = loop_ece(probs, labels, n_bins)
    got = crossent.expected_calibration_error(probs, labels, n_bins=n_bins)
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-6 if dtype is np.float32 else 1e-13, abs=1e-15)
    _, members = loop_bins(probs, labels, n_bins)
    counts = crossent.reliability_bins(probs, labels, n_bins=n_bins).count
    np.testing.assert_array_equal(counts, [len(b) for b in members])


def test_a_confidence_of_one_is_in_the_last_bin():
    bins = crossent.reliability_bins([[1.0, 0.0], [0.0, 1.0]], [0, 0], n_bins=10)
    assert bins.count[-1] == 2 and bins.count[:-1].sum() == 0
    assert crossent.expected_calibration_error([[1.0, 0.0], [0.0, 1.0]], [0, 0], 10) == 0.5


def test_a_perfectly_calibrated_model_has_ece_zero():
    # ten examples at confidence 0.7 of which seven are right
    probs = [[0.7, 0.3]] * 10
    labels = [0] * 7 + [1] * 3
    assert crossent.expected_calibration_error(probs, labels) == pytest.approx(0, abs=1e-15)


prob_rows = hnp.arrays(
    np.float64,
    st.tuples(st.integers(1, 30), st.integers(1, 6)),
    elements=st.floats(-8, 8, allow_nan=False),
)


@settings(max_examples=200, deadline=None)
@given(raw=prob_rows, data=st.data(), n_bins=st.integers(1, 25))
def test_ece_lies_in_zero_one_and_matches_the_loop(raw, data, n_bins):
    probs = crossent.softmax(raw)
    m, n = probs.shape
    labels = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    ece = crossent.expected_calibration_error(probs, labels, n_bins=n_bins)
    assert 0 <= ece <= 1
    assert ece == pytest.approx(loop_ece(probs, labels, n_bins), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("probs", "labels", "n_bins", "kind", "text"),
    [
        ([[0.5, 0.6]], [0], 15, ValueError, "probs must sum to 1 along axis -1"),
        ([0.5, 0.5], [0], 15, ValueError, "probs must be a non-empty 2-D array"),
        (np.zeros((0, 3)), [], 15, ValueError, "probs must be a non-empty 2-D array"),
        ([[0.5, 0.5]], [2], 15, ValueError, r"labels must be class ids in \[0, n\)"),
        ([[0.5, 0.5]], [0.0], 15, TypeError, "labels must be integer class ids"),
        ([[0.5, 0.5]], [0, 1], 15, ValueError, r"labels must be class ids of shape \(m,\)"),
        ([[0.5, 0.5]], [0], 0, ValueError, "n_bins must be an int >= 1"),
        ([[0.5, 0.5]], [0], 2.0, TypeError, "n_bins must be an int >= 1"),
        ([["a", "b"]], [0], 15, TypeError, "probs must be an array of real numbers"),
        ([[1.5, -0.5]], [0], 15, ValueError, r"probs must hold probabilities in \[0, 1\]"),
    ],
)
@pytest.mark.parametrize("fn", [crossent.reliability_bins, crossent.expected_calibration_error])
def test_bad_input(fn, probs, labels, n_bins, kind, text):
    with pytest.raises(kind, match=text):
        fn(probs, labels, n_bins)


# ---------------------------------------------------------------------------------------------
# fit_temperature


@pytest.mark.parametrize(("gap", "right"), [(2.0, 0.75), (5.0, 0.9), (0.3, 0.6), (40.0, 0.99)])
def test_temperature_closed_form(gap, right):
    # n = 2, every row with logit gap g, a fraction a right: the best softmax(g / T) is a,
    # so g / T = ln(a / (1 - a))
    m = 100
    n_right = round(right * m)
    z = np.tile([gap, 0.0], (m, 1))
    k = np.array([0] * n_right + [1] * (m - n_right))
    expected = gap / math.log(n_right / (m - n_right))
    fitted = crossent.fit_temperature(z, k)
    assert isinstance(fitted, float)
    assert fitted == pytest.approx(expected, rel=1e-12)


def test_temperature_scales_with_the_logits_and_keeps_predictions():
    rng = np.random.default_rng(1)
    z = rng.normal(size=(400, 10)) * 5
    k = np.where(rng.random(400) < 0.6, z.argmax(axis=1), rng.integers(0, 10, 400))
    T = crossent.fit_temperature(z, k)
    assert crossent.fit_temperature(3 * z, k) == pytest.approx(3 * T, rel=1e-12)
    assert crossent.fit_temperature(z + 7.0, k) == pytest.approx(T, rel=1e-12)
    np.testing.assert_array_equal(np.argmax(z / T, axis=1), np.argmax(z, axis=1))
    # float32 logits are fitted in float64
    z32 = z.astype(np.float32)
    assert crossent.fit_temperature(z32, k) == pytest.approx(
        crossent.fit_temperature(z32.astype(np.float64), k), rel=1e-15
    )


@settings(max_examples=100, deadline=None)
@given(
    z=hnp.arrays(
        np.float64,
        st.tuples(st.integers(2, 25), st.integers(2, 6)),
        elements=st.floats(-20, 20, allow_nan=False),
    ),
    data=st.data(),
)
def test_temperature_is_a_minimum(z, data):
    m, n = z.shape
    k = np.array(data.draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m)))
    d = z - z[np.arange(m), k][:, None]
    has_minimum = (
        not (z == z[:, :1]).all() and d.mean(axis=1).mean() < 0 and (d.max(axis=1) > 0).any()
    )
    if not has_minimum:
        with pytest.raises(ValueError, match="temperature"):
            crossent.fit_temperature(z, k)
        return
    T = crossent.fit_temperature(z, k)
    assert T > 0
    best = nll(z, k, T)
    for factor in (1 - 1e-4, 1 + 1e-4):
        assert best <= nll(z, k, T * factor) + 1e-14 * abs(best)
    np.testing.assert_array_equal(np.argmax(z / T, axis=1), np.argmax(z, axis=1))


def test_temperature_of_a_calibrated_model_is_one():
    # logits whose softmax is exactly the frequency of each label given the row
    z = np.log(np.array([[0.7, 0.2, 0.1]] * 10))
    k = np.array([0] * 7 + [1] * 2 + [2])
    assert crossent.fit_temperature(z, k) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize(
    ("z", "k", "text"),
    [
        (np.zeros((4, 3)), [0, 1, 2, 0], "logits are constant in every row"),
        ([[2.0, 0.0], [0.0, 3.0]], [0, 1], r"as T -> 0"),
        ([[2.0, 2.0, 0.0]], [0], r"as T -> 0"),  # the true class ties for the maximum
        ([[2.0, 0.0], [2.0, 0.0]], [1, 1], r"as T -> infinity"),
        ([[2.0, 0.0], [0.0, 2.0]], [0, 0], r"as T -> infinity"),  # f'(0) = 0
        ([[1.0, math.inf]], [0], "logits must be finite"),
        ([[1.0, math.nan]], [0], "logits must be finite"),
        ([1.0, 2.0], [0], "logits must be a non-empty 2-D array"),
        ([[1.0, 2.0]], [2], r"labels must be class ids in \[0, n\)"),
        ([[1.0, 2.0]], [0, 1], r"labels must be class ids of shape \(m,\)"),
    ],
)
def test_temperature_errors(z, k, text):
    with pytest.raises(ValueError, match=text):
        crossent.fit_temperature(z, np.asarray(k))


def test_temperature_type_errors():
    with pytest.raises(TypeError, match="labels must be integer class ids"):
        crossent.fit_temperature([[1.0, 2.0]], [0.0])
    with pytest.raises(TypeError, match="logits must be an array of real numbers"):
        crossent.fit_temperature([["a", "b"]], [0])


def test_doctests():
    import doctest

    result = doctest.testmod(calibration, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
