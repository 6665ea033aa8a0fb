"""The exercise self-checks: independent expected values, clear verdicts for wrong answers."""

from __future__ import annotations

import math
import warnings

import mpmath
import numpy as np
import pytest

import crossent
from crossent import check

mpmath.mp.dps = 50


def mp_reference(name, case):
    """Recompute a case's expected value from its inputs with mpmath, independently."""
    base = mpmath.mpf(case.kwargs.get("base", mpmath.e))
    if name == "self_information":
        return float(-mpmath.log(mpmath.mpf(case.args[0])) / mpmath.log(base))
    if name == "binary_entropy":
        x = mpmath.mpf(case.args[0])
        dist = [x, 1 - x]
    else:
        dist = np.asarray(case.args[0], dtype=float)
        if case.kwargs.get("axis", -1) == 0:
            dist = dist.T
        if dist.ndim == 2:
            return [
                float(-sum(mpmath.mpf(v) * mpmath.log(v) for v in row if v > 0) / mpmath.log(base))
                for row in dist
            ]
    return float(-sum(mpmath.mpf(v) * mpmath.log(v) for v in dist if v > 0) / mpmath.log(base))


INFORMATION_CHECKS = ("self_information", "entropy", "binary_entropy")


# The softmax and loss checks' expected values are verified with mpmath in test_softmax.py and
# test_losses.py.
@pytest.mark.parametrize(
    ("name", "case"), [(name, case) for name in INFORMATION_CHECKS for case in check.CASES[name]]
)
def test_every_expected_value_agrees_with_mpmath(name, case):
    np.testing.assert_allclose(case.expected, mp_reference(name, case), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["self_information", "entropy", "binary_entropy"])
def test_the_package_passes_its_checks(name):
    result = getattr(check, name)(getattr(crossent, name))
    assert result.passed, result.message
    assert bool(result) and repr(result).startswith(f"{name}: passed all")


def loop_entropy(p, base=math.e):
    return -sum(x * math.log(x, base) for x in p if x > 0)


def test_a_plain_python_answer_passes_and_skipped_cases_are_named():
    result = check.entropy(loop_entropy)
    assert result.passed
    assert repr(result) == (
        "entropy: passed all 8 cases (2 skipped: your function takes no 'axis' argument)"
    )


def test_forgetting_zero_log_zero_fails_with_the_case():
    def naive(p, base=math.e, axis=-1):
        p = np.asarray(p, dtype=float)
        return -(p * np.log(p)).sum(axis=axis) / math.log(base)

    with np.errstate(all="ignore"):
        result = check.entropy(naive)
    assert not result
    assert "case 3 (a certain outcome) failed" in result.message
    assert "expected 0.0, got nan" in result.message


def test_the_wrong_base_fails_with_expected_and_actual():
    def always_bits(p, base=math.e, axis=-1):
        p = np.asarray(p, dtype=float)
        return -(p * np.log2(np.where(p > 0, p, 1))).sum(axis=axis)

    result = check.entropy(always_bits)
    assert not result.passed
    assert result.message == (
        "entropy: case 1 (a fair coin, in nats) failed: always_bits([0.5, 0.5]) "
        "expected 0.693147, got 1.0. Likely cause: H(p) = -sum_i p_i ln p_i in nats by default: "
        "check the sign and the base (math.log, not log2), and sum the terms rather than average "
        "them."
    )


def test_a_function_that_raises_is_reported():
    def broken(p, base=math.e):
        raise ZeroDivisionError("oops")

    result = check.self_information(broken)
    assert not result
    assert "raised ZeroDivisionError: oops" in result.message


def test_a_wrong_shape_is_reported():
    def total(p, base=math.e, axis=-1):
        return crossent.entropy(np.ravel(p) / np.sum(p), base=base)

    result = check.entropy(total)
    assert not result
    assert "expected shape (2,)" in result.message


def test_binary_entropy_without_log1p_care_still_passes_and_sign_error_fails():
    assert check.binary_entropy(lambda p, base=math.e: crossent.binary_entropy(p, base))
    result = check.binary_entropy(lambda p, base=math.e: -crossent.binary_entropy(p, base))
    assert not result and "expected 1.0, got -1.0" in result.message


def test_passing_a_value_instead_of_a_function_is_a_type_error():
    with pytest.raises(TypeError, match=r"pass your function itself, e\.g\. check\.entropy"):
        check.entropy(0.69)


# ---------------------------------------------------------------------------------------------
# Every expected value of every check, recomputed with mpmath from the case's own inputs (the
# information checks above; here the softmax, loss and gradient checks, along `axis`)


def _mp_lse(z):
    return mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(float(x))) for x in z))


def _mp_softmax(z, temperature=1):
    z = [mpmath.mpf(float(x)) / temperature for x in z]
    lse = mpmath.log(mpmath.fsum(mpmath.exp(x) for x in z))
    return [mpmath.exp(x - lse) for x in z]


def _mp_xlogy(a, b):
    """a log b with 0 log b = 0, as mpmath numbers; log 0 = -inf."""
    return mpmath.mpf(0) if a == 0 else a * mpmath.log(b)


def _mp_vector(name, a, b, base):
    """The check's quantity for one vector (one distribution, or one row of logits)."""
    log_base = mpmath.log(mpmath.mpf(base))
    if name == "logsumexp":
        return _mp_lse(a)
    if name == "log_softmax":
        return [mpmath.mpf(float(x)) - _mp_lse(a) for x in a]
    p = [mpmath.mpf(float(x)) for x in a]
    if name == "cross_entropy":
        return (
            -mpmath.fsum(_mp_xlogy(x, mpmath.mpf(float(y))) for x, y in zip(p, b, strict=True))
            / log_base
        )
    if name == "kl_divergence":
        q = [mpmath.mpf(float(y)) for y in b]
        return (
            mpmath.fsum(_mp_xlogy(x, x) - _mp_xlogy(x, y) for x, y in zip(p, q, strict=True))
            / log_base
        )
    if name == "binary_cross_entropy":
        q = [mpmath.mpf(float(y)) for y in b]
        terms = (_mp_xlogy(x, y) + _mp_xlogy(1 - x, 1 - y) for x, y in zip(p, q, strict=True))
        return -mpmath.fsum(terms) / log_base
    if name == "softmax_cross_entropy_with_logits":
        return mpmath.fsum(
            x * (_mp_lse(b) - mpmath.mpf(float(z))) for x, z in zip(p, b, strict=True) if x
        )
    if name == "softmax_cross_entropy_grad":
        return [s - x for s, x in zip(_mp_softmax(b), p, strict=True)]
    raise KeyError(name)


def _along(name, a, b, axis, base):
    """Apply _mp_vector to every vector along ``axis`` of ``a`` (and ``b``)."""
    a = np.moveaxis(np.asarray(a, dtype=float), axis, -1)
    b = np.moveaxis(np.asarray(b, dtype=float), axis, -1) if b is not None else a
    if a.ndim == 1:
        return np.array(_mp_vector(name, a, b, base), dtype=float)
    out = np.array(
        [np.array(_mp_vector(name, x, y, base), dtype=float) for x, y in zip(a, b, strict=True)]
    )
    return np.moveaxis(out, -1, axis) if out.ndim == 2 else out


def _mp_softmax_regression_gradients(X, labels, W, b):
    """(dW, db) of the mean cross-entropy of softmax(X W + b), every step in mpmath."""
    X = [[mpmath.mpf(float(v)) for v in row] for row in X]
    W = [[mpmath.mpf(float(v)) for v in row] for row in W]
    b = [mpmath.mpf(float(v)) for v in b]
    m, d, n = len(X), len(W), len(b)
    dW = [[mpmath.mpf(0)] * n for _ in range(d)]
    db = [mpmath.mpf(0)] * n
    for x, k in zip(X, labels, strict=True):
        z = [mpmath.fsum(x[a] * W[a][j] for a in range(d)) + b[j] for j in range(n)]
        g = [(s - (1 if j == k else 0)) / m for j, s in enumerate(_mp_softmax(z))]
        for a in range(d):
            for j in range(n):
                dW[a][j] += x[a] * g[j]
        for j in range(n):
            db[j] += g[j]
    as_float = np.vectorize(float)
    return as_float(np.array(dW, dtype=object)), as_float(np.array(db, dtype=object))


def mp_case(name, case):
    """Recompute any case's expected value from its inputs with mpmath, independently."""
    axis = case.kwargs.get("axis", -1)
    base = case.kwargs.get("base", mpmath.e)
    if name in INFORMATION_CHECKS:
        return mp_reference(name, case)
    if name == "expected_calibration_error":
        return loop_ece(*case.args, number=mpmath.mpf)
    if name == "softmax":
        z = np.moveaxis(np.asarray(case.args[0], dtype=float), axis, -1)
        t = case.kwargs.get("temperature", 1)
        rows = np.array([[float(v) for v in _mp_softmax(row, t)] for row in np.atleast_2d(z)])
        return np.moveaxis(rows.reshape(z.shape), -1, axis)
    if name in ("log_softmax", "logsumexp"):
        return _along(name, case.args[0], None, axis, base)
    if name == "softmax_regression_gradients":
        return _mp_softmax_regression_gradients(*case.args)
    if name == "online_logsumexp":  # the log-sum-exp of each row of the chunks side by side
        rows = np.concatenate([np.asarray(c, dtype=float) for c in case.args[0]], axis=1)
        return np.array([float(_mp_lse(row)) for row in rows])
    labels, logits = case.args
    if name == "sparse_softmax_cross_entropy_with_logits":
        eye = np.eye(np.shape(logits)[-1])
        return _along("softmax_cross_entropy_with_logits", eye[labels], logits, -1, base)
    if name in ("sigmoid_cross_entropy_with_logits", "sigmoid_cross_entropy_grad"):
        out = []
        for p, x in zip(np.ravel(labels), np.ravel(logits), strict=True):
            p, x = mpmath.mpf(float(p)), mpmath.mpf(float(x))
            if name == "sigmoid_cross_entropy_grad":
                out.append(float(1 / (1 + mpmath.exp(-x)) - p))
            else:
                # p softplus(-x) + (1 - p) softplus(x)
                out.append(
                    float(p * mpmath.log1p(mpmath.exp(-x)) + (1 - p) * mpmath.log1p(mpmath.exp(x)))
                )
        return np.reshape(out, np.shape(logits))
    value = _along(name, labels, logits, axis, base)
    if case.kwargs.get("reduction") == "mean":
        value = value / (value.size // value.shape[axis])
    return value


@pytest.mark.parametrize(
    ("name", "case"), [(name, case) for name in check.CASES for case in check.CASES[name]]
)
def test_every_check_case_agrees_with_mpmath(name, case):
    expected, recomputed = case.expected, mp_case(name, case)
    if isinstance(expected, tuple):  # one array per parameter (dW, db)
        assert len(expected) == len(recomputed)
        # atol: the inputs ln 2 and ln 3 are rounded to floats, so an entry that is exactly 0
        # in exact arithmetic is 3e-17 from the floats' mpmath value.
        for part, mp_part in zip(expected, recomputed, strict=True):
            np.testing.assert_allclose(part, mp_part, rtol=1e-13, atol=1e-16)
        return
    np.testing.assert_allclose(expected, recomputed, rtol=1e-13, atol=1e-300)


# ---------------------------------------------------------------------------------------------
# Warnings: a right value computed with a RuntimeWarning on the way fails, and says which


def nansum_entropy(p, base=math.e, axis=-1):
    p = np.asarray(p, dtype=float)
    return -np.nansum(p * np.log(p), axis=axis) / math.log(base)


def test_a_right_value_with_a_warning_fails_and_names_the_warning():
    result = check.entropy(nansum_entropy)
    assert not result
    assert result.message == (
        "entropy: case 3 (a certain outcome) failed: nansum_entropy([1.0, 0.0, 0.0]) gave the "
        "expected 0.0 but emitted RuntimeWarning: divide by zero encountered in log and "
        "RuntimeWarning: invalid value encountered in multiply. The exercise asks for 0 log 0 = 0 "
        "without a warning: take logarithms of the positive entries only (np.log's where= "
        "argument with out=, or np.log(np.where(p > 0, p, 1))); np.nansum, or np.where around "
        "p * np.log(p), still computes log 0 and 0 * (-inf) = nan before throwing them away."
    )


def test_silencing_numpy_outside_the_check_does_not_hide_the_warning():
    with np.errstate(all="ignore"):
        result = check.entropy(nansum_entropy)
    assert not result and "emitted RuntimeWarning: divide by zero" in result.message
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = check.entropy(nansum_entropy)
    assert not result and "emitted RuntimeWarning: divide by zero" in result.message


def test_a_warning_silenced_on_purpose_inside_the_function_is_respected():
    def quiet(p, base=math.e, axis=-1):
        with np.errstate(divide="ignore", invalid="ignore"):
            return nansum_entropy(p, base, axis)

    assert check.entropy(quiet)


def test_a_wrong_value_reports_the_warnings_that_came_with_it():
    def overflowing(z, axis=-1):
        return np.log(np.exp(z).sum(axis=axis))

    result = check.logsumexp(overflowing)
    assert not result
    assert result.message.startswith(
        "logsumexp: case 3 (large logits (exp(1000) overflows)) failed: overflowing([1000.0, "
        "1000.0]) expected 1000.693147, got inf, with RuntimeWarning: overflow encountered in exp. "
        "Likely cause: subtract the maximum"
    )


def test_other_warnings_are_passed_on_and_do_not_fail_the_check():
    def chatty(p, base=math.e):
        warnings.warn("a note from a library", UserWarning, stacklevel=1)
        return -math.log(p) / math.log(base)

    with pytest.warns(UserWarning, match="a note from a library"):
        result = check.self_information(chatty)
    assert result


def test_a_warning_does_not_leak_out_of_the_check():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = check.entropy(nansum_entropy)
    assert not result


# ---------------------------------------------------------------------------------------------
# Messages


def test_a_tiny_wrong_value_is_shown_with_its_digits_not_rounded_to_zero():
    def with_epsilon(p, base=math.e, axis=-1):
        p = np.asarray(p, dtype=float)
        return -(p * np.log(p + 1e-10)).sum(axis=axis) / math.log(base)

    result = check.entropy(with_epsilon)
    assert "expected 0.0, got -1e-10." in result.message


def test_the_label_of_the_loss_on_a_probability_that_rounds_to_zero_says_why():
    # Chapter 8: the loss through tf.nn.softmax fails because e^-1000 rounds to 0 and log 0 =
    # -inf, not because the (stable) softmax overflows.
    def through_softmax(labels, logits, axis=-1):
        with np.errstate(divide="ignore"):
            return -(np.asarray(labels) * np.log(crossent.softmax(logits, axis))).sum(axis=axis)

    result = check.softmax_cross_entropy_with_logits(through_softmax)
    assert result.message.startswith(
        "softmax_cross_entropy_with_logits: case 4 (the true class's logit 1000 below the "
        "other's: exp(-1000) underflows to 0, then log 0 = -inf) failed: through_softmax([0, 1], "
        "[1000.0, 0.0]) expected 1000.0, got inf."
    )
    assert "overflows)" not in result.message


def test_every_case_says_what_is_likely_wrong():
    for name, cases in check.CASES.items():
        for case in cases:
            assert case.hint and case.hint.endswith("."), (name, case.description)


# The chapters store these verdicts of their solutions: chapters 1-3 and 5-9 print the same
# number of cases as before; chapter 4's softmax and log-softmax checks gained the cases of
# "Why the maximum?" (logits 2000 apart) and classes in columns.
STORED_COUNTS = {
    "self_information": 6,  # chapter 1
    "entropy": 10,  # chapters 2 and 3
    "binary_entropy": 6,  # chapter 2
    "softmax": 10,  # chapter 4
    "log_softmax": 7,  # chapter 4
    "logsumexp": 8,  # no chapter
    "cross_entropy": 8,  # chapter 5
    "kl_divergence": 6,  # chapter 5
    "binary_cross_entropy": 6,  # chapter 6
    "sigmoid_cross_entropy_with_logits": 7,  # chapter 6
    "sparse_softmax_cross_entropy_with_logits": 4,  # chapter 7
    "softmax_cross_entropy_with_logits": 6,  # chapters 8 and 9
    "softmax_cross_entropy_grad": 8,  # chapter 9
    "sigmoid_cross_entropy_grad": 8,  # chapter 9
    "softmax_regression_gradients": 6,  # chapter 10
    "expected_calibration_error": 8,  # chapter 11
    "online_logsumexp": 9,  # chapter 12
}


def test_the_number_of_cases_is_the_one_the_chapters_print():
    assert {name: len(cases) for name, cases in check.CASES.items()} == STORED_COUNTS


# ---------------------------------------------------------------------------------------------
# Chapter 11: expected calibration error


def loop_ece(probs, labels, n_bins, number=float):
    """ECE one bin at a time, membership lower < c <= upper, the first maximum predicted.

    ``number=mpmath.mpf`` sums the gaps in mpmath (the bins are found on the float values).
    """
    edges = np.linspace(0, 1, n_bins + 1).tolist()
    total = 0.0
    for b in range(n_bins):
        inside = [
            (max(row), list(row).index(max(row)) == k)
            for row, k in zip(probs, labels, strict=True)
            if edges[b] < max(row) <= edges[b + 1]
        ]
        if inside:
            conf = sum(number(c) for c, _ in inside) / len(inside)
            acc = number(sum(r for _, r in inside)) / len(inside)
            total += number(len(inside)) / len(labels) * abs(acc - conf)
    return float(total)


@pytest.mark.parametrize(
    "case", check.CASES["expected_calibration_error"], ids=lambda c: c.description
)
def test_every_ece_case_agrees_with_a_loop_and_with_crossent(case):
    assert case.expected == pytest.approx(loop_ece(*case.args), rel=1e-13, abs=1e-15)
    assert case.expected == pytest.approx(
        crossent.expected_calibration_error(*case.args), rel=1e-13, abs=1e-15
    )


def test_the_ece_check_passes_crossent_and_names_a_wrong_case():
    result = check.expected_calibration_error(crossent.expected_calibration_error)
    assert result.passed and result.message == "expected_calibration_error: passed all 8 cases"

    def unweighted(probs, labels, n_bins):
        bins = crossent.reliability_bins(probs, labels, n_bins)
        full = bins.count > 0
        return float(np.mean(np.abs(bins.accuracy[full] - bins.confidence[full])))

    result = check.expected_calibration_error(unweighted)
    assert not result.passed
    assert "case 4 (bins of different sizes) failed" in result.message
    assert "expected 0.2125, got 0.325" in result.message
    assert "|B_b| / m" in result.message
