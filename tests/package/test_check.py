"""The exercise self-checks: independent expected values, clear verdicts for wrong answers."""

from __future__ import annotations

import math

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
        "expected 0.693147, got 1.0"
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
