"""Self-checks for the book's exercises.

Pass your own function and get a clear verdict::

    >>> import math
    >>> import crossent
    >>> def my_entropy(p, base=math.e):
    ...     return -sum(x * math.log(x, base) for x in p if x > 0)
    >>> crossent.check.entropy(my_entropy)
    entropy: passed all 8 cases (2 skipped: your function takes no 'axis' argument)

The expected values are written out here from closed forms (ln 2, log2 6, 1.5 bits, ...),
computed with the standard library's ``math``; they never come from calling ``crossent`` or
your function, so a check cannot pass by agreeing with itself. ``tests/package/test_check.py``
confirms every expected value with ``mpmath`` at 50 digits.

A check returns a :class:`CheckResult`, which prints as one line and is truthy when it passed.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["CASES", "Case", "CheckResult", "binary_entropy", "entropy", "self_information"]

LN2 = math.log(2)


@dataclass(frozen=True)
class Case:
    """One input and the answer a correct function gives for it."""

    description: str
    args: tuple
    expected: object  # a number, a nested list of numbers
    kwargs: dict = field(default_factory=dict)

    def call_text(self, name: str) -> str:
        parts = [repr(a) for a in self.args] + [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return f"{name}({', '.join(parts)})"


@dataclass(frozen=True)
class CheckResult:
    """The verdict of a self-check: ``passed``, and a one-line ``message`` saying why."""

    name: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message


def _accepts(fn: Callable, keyword: str) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):  # builtins and ufuncs without a signature: just try
        return True
    return any(p.name == keyword or p.kind is p.VAR_KEYWORD for p in params)


def _run(name: str, fn: Callable, cases: list[Case], rtol: float = 1e-6) -> CheckResult:
    """Call ``fn`` on every case; stop at the first failure and say what went wrong."""
    if not callable(fn):
        raise TypeError(f"pass your function itself, e.g. check.{name}(my_{name}); got {fn!r}")
    ran, skipped = 0, {}
    for number, case in enumerate(cases, start=1):
        missing = [k for k in case.kwargs if not _accepts(fn, k)]
        if missing:
            skipped[missing[0]] = skipped.get(missing[0], 0) + 1
            continue
        call = case.call_text(getattr(fn, "__name__", "f"))
        try:
            actual = fn(*case.args, **case.kwargs)
        except Exception as err:  # the reader's function may raise anything
            return CheckResult(
                name,
                False,
                f"{name}: case {number} ({case.description}) failed: {call} raised "
                f"{type(err).__name__}: {err}",
            )
        expected = np.asarray(case.expected, dtype=float)
        try:
            got = np.asarray(actual, dtype=float)
        except (TypeError, ValueError):
            got = None
        if got is None or got.shape != expected.shape:
            shape = "not a number" if got is None else f"shape {got.shape}"
            return CheckResult(
                name,
                False,
                f"{name}: case {number} ({case.description}) failed: {call} returned "
                f"{actual!r} ({shape}); expected shape {expected.shape}",
            )
        if not np.allclose(got, expected, rtol=rtol, atol=1e-9, equal_nan=False):
            return CheckResult(
                name,
                False,
                f"{name}: case {number} ({case.description}) failed: {call} expected "
                f"{np.round(expected, 6).tolist()}, got {np.round(got, 6).tolist()}",
            )
        ran += 1
    note = ""
    if skipped:
        why = ", ".join(
            f"{n} skipped: your function takes no {k!r} argument" for k, n in skipped.items()
        )
        note = f" ({why})"
    if ran == 0:
        return CheckResult(name, False, f"{name}: no case could be run{note}")
    return CheckResult(name, True, f"{name}: passed all {ran} cases{note}")


# Expected values: closed forms evaluated with `math`, never with crossent.
CASES: dict[str, list[Case]] = {
    "self_information": [
        Case("a certain event carries no information", (1.0,), 0.0),
        Case("a fair coin flip, in nats", (0.5,), LN2),
        Case("a fair coin flip, in bits", (0.5,), 1.0, {"base": 2}),
        Case("one face of a fair die, in bits", (1 / 6,), math.log2(6), {"base": 2}),
        Case("a one-in-a-thousand event, in hartleys", (0.001,), 3.0, {"base": 10}),
        Case("a rare event, in nats", (1e-9,), 9 * math.log(10)),
    ],
    "entropy": [
        Case("a fair coin, in nats", ([0.5, 0.5],), LN2),
        Case("a fair coin, in bits", ([0.5, 0.5],), 1.0, {"base": 2}),
        Case("a certain outcome", ([1.0, 0.0, 0.0],), 0.0),
        Case("a zero probability adds nothing (0 log 0 = 0)", ([0.5, 0.0, 0.5],), LN2),
        Case("three outcomes, in bits", ([0.5, 0.25, 0.25],), 1.5, {"base": 2}),
        Case("a fair die, in bits", ([1 / 6] * 6,), math.log2(6), {"base": 2}),
        Case("ten equal outcomes, in hartleys", ([0.1] * 10,), 1.0, {"base": 10}),
        Case(
            "a loaded die, in nats",
            ([0.5, 0.1, 0.1, 0.1, 0.1, 0.1],),
            -(0.5 * math.log(0.5) + 5 * 0.1 * math.log(0.1)),
        ),
        Case("a batch of two distributions", ([[0.5, 0.5], [1.0, 0.0]],), [LN2, 0.0], {"axis": -1}),
        Case(
            "distributions stored in columns",
            ([[0.5, 1.0], [0.5, 0.0]],),
            [1.0, 0.0],
            {"axis": 0, "base": 2},
        ),
    ],
    "binary_entropy": [
        Case("a fair coin, in bits", (0.5,), 1.0, {"base": 2}),
        Case("a fair coin, in nats", (0.5,), LN2),
        Case("a two-headed coin", (1.0,), 0.0),
        Case("a two-tailed coin", (0.0,), 0.0),
        Case(
            "a coin with p = 0.1, in bits",
            (0.1,),
            -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)),
            {"base": 2},
        ),
        Case(
            "symmetry: p = 0.9 equals p = 0.1", (0.9,), -(0.1 * math.log(0.1) + 0.9 * math.log(0.9))
        ),
    ],
}


def self_information(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e)``, your self-information -log_b p, on independent cases."""
    return _run("self_information", fn, CASES["self_information"])


def entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e, axis=-1)``, your Shannon entropy, on independent cases.

    Cases that pass ``base`` or ``axis`` are skipped, and the verdict says so, when your
    function does not take that argument.
    """
    return _run("entropy", fn, CASES["entropy"])


def binary_entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e)``, your binary entropy, on independent cases."""
    return _run("binary_entropy", fn, CASES["binary_entropy"])
