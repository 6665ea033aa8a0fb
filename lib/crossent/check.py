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
your function, so a check cannot pass by agreeing with itself. The tests confirm every
expected value with ``mpmath`` at 50 digits (``tests/package/test_check.py``, ``test_softmax.py``,
``test_losses.py`` and ``test_gradients.py``).

The cases are chosen to catch the mistakes each exercise is about: a softmax that subtracts the
mean or the minimum instead of the maximum, a maximum taken over the whole batch instead of each
row, a loss computed through probabilities that round to 0, clipped logarithms, a forgotten
``1/m``, an ``axis`` argument that is ignored, the wrong base. ``tests/package/
test_check_rejects.py`` runs a list of such wrong implementations through every check and
requires each to fail.

A case also fails when your function gets the right value but NumPy warns on the way (a
``RuntimeWarning`` such as ``divide by zero encountered in log``): the exercises ask for answers
computed without ``log 0``, ``0 * inf`` or an overflowing ``exp``. The check runs your function
with NumPy's usual floating-point warnings switched on and records them; a warning you silence
yourself, on purpose, with ``numpy.errstate`` inside your function is respected::

    >>> import numpy as np
    >>> def nansum_entropy(p, base=math.e, axis=-1):
    ...     p = np.asarray(p, dtype=float)
    ...     return -np.nansum(p * np.log(p), axis=axis) / math.log(base)
    >>> result = crossent.check.entropy(nansum_entropy)
    >>> result.passed
    False
    >>> import textwrap
    >>> print(textwrap.fill(result.message.split(". ")[0], 88))  # its first sentence
    entropy: case 3 (a certain outcome) failed: nansum_entropy([1.0, 0.0, 0.0]) gave the
    expected 0.0 but emitted RuntimeWarning: divide by zero encountered in log and
    RuntimeWarning: invalid value encountered in multiply

A check returns a :class:`CheckResult`, which prints as one line and is truthy when it passed.
A failure names the case, the call, the expected and the actual value, and the likely mistake.
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "CASES",
    "Case",
    "CheckResult",
    "binary_entropy",
    "entropy",
    "expected_calibration_error",
    "self_information",
]

LN2 = math.log(2)


@dataclass(frozen=True)
class Case:
    """One input, the answer a correct function gives for it, and the likely mistake if not."""

    description: str
    args: tuple
    expected: object  # a number, a nested list of numbers
    kwargs: dict = field(default_factory=dict)
    hint: str = ""  # what is likely wrong when a function fails this case

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


def _number(x: float) -> str:
    """A float rounded to 6 decimals, or to 6 significant digits if that would show 0."""
    x += 0.0  # -0.0 prints as 0.0
    if math.isfinite(x) and x != 0 and abs(x) < 5e-7:
        return f"{x:.6g}"
    return repr(round(x, 6))


def _numbers(arr: np.ndarray) -> str:
    """``arr`` as a (nested) list of rounded numbers: ``[0.5, 0.5]``, ``0.693147``, ``1e-12``."""
    if arr.ndim == 0:
        return _number(float(arr))
    return "[" + ", ".join(_numbers(row) for row in arr) + "]"


def _short(x) -> str:
    """``repr(x)``, cut to 200 characters."""
    text = repr(x)
    return text if len(text) <= 200 else text[:197] + "..."


def _call(fn: Callable, case: Case) -> tuple[object, list[str]]:
    """Call ``fn`` on ``case``; return its result and the RuntimeWarnings it emitted, as text.

    NumPy's floating-point warnings (divide by zero, overflow, invalid value) are switched on
    for the call whatever the global setting, so ``np.seterr(all="ignore")`` in a notebook does
    not hide them; an ``np.errstate`` inside ``fn`` still wins. Warnings of other categories
    (a library's DeprecationWarning, say) are passed on unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        try:
            with np.errstate(divide="warn", over="warn", invalid="warn", under="ignore"):
                actual = fn(*case.args, **case.kwargs)
        finally:
            others = [w for w in caught if not issubclass(w.category, RuntimeWarning)]
            numeric = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    for w in others:
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno, source=w.source)
    texts = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in numeric))
    return actual, texts


def _run(name: str, fn: Callable, cases: list[Case], rtol: float = 1e-6) -> CheckResult:
    """Call ``fn`` on every case; stop at the first failure and say what went wrong.

    A value passes within ``rtol`` (loose enough for float32) or 1e-12 absolute, which a value
    that should be exactly 0 must meet: adding an epsilon such as 1e-10 inside a logarithm
    does not.
    """
    if not callable(fn):
        raise TypeError(f"pass your function itself, e.g. check.{name}(my_{name}); got {fn!r}")
    ran, skipped = 0, {}
    for number, case in enumerate(cases, start=1):
        missing = [k for k in case.kwargs if not _accepts(fn, k)]
        if missing:
            skipped[missing[0]] = skipped.get(missing[0], 0) + 1
            continue
        call = case.call_text(getattr(fn, "__name__", "f"))
        failed = f"{name}: case {number} ({case.description}) failed: {call}"
        likely = f" Likely cause: {case.hint}" if case.hint else ""
        try:
            actual, warned = _call(fn, case)
        except Exception as err:  # the reader's function may raise anything
            return CheckResult(name, False, f"{failed} raised {type(err).__name__}: {err}")
        with_warnings = f", with {' and '.join(warned)}" if warned else ""
        # A tuple of expected arrays (a gradient per parameter) is compared part by part.
        parts = case.expected if isinstance(case.expected, tuple) else (case.expected,)
        results = actual if isinstance(case.expected, tuple) else (actual,)
        if isinstance(case.expected, tuple) and (
            not isinstance(actual, tuple | list) or len(actual) != len(parts)
        ):
            return CheckResult(
                name,
                False,
                f"{failed} returned {type(actual).__name__} {_short(actual)}; expected a tuple "
                f"of {len(parts)} arrays{with_warnings}.{likely}",
            )
        expected_text = " and ".join(_numbers(np.asarray(e, dtype=float)) for e in parts)
        for expected, result in zip(parts, results, strict=True):
            expected = np.asarray(expected, dtype=float)
            try:
                got = np.asarray(result, dtype=float)
            except (TypeError, ValueError):
                got = None
            if got is None or got.shape != expected.shape:
                shape = "not a number" if got is None else f"shape {got.shape}"
                return CheckResult(
                    name,
                    False,
                    f"{failed} returned {_short(result)} ({shape}); expected shape "
                    f"{expected.shape}{with_warnings}.{likely}",
                )
            if not np.allclose(got, expected, rtol=rtol, atol=1e-12, equal_nan=False):
                got_text = " and ".join(_numbers(np.asarray(r, dtype=float)) for r in results)
                return CheckResult(
                    name,
                    False,
                    f"{failed} expected {expected_text}, got {got_text}{with_warnings}.{likely}",
                )
        if warned:
            return CheckResult(
                name,
                False,
                f"{failed} gave the expected {expected_text} but emitted "
                f"{' and '.join(warned)}. {_NO_WARNING[name]}",
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


# What a warning on a case with the right value means, check by check.
_LOG_POSITIVE = (
    "take logarithms of the positive entries only (np.log's where= argument with out=, or "
    "np.log(np.where(p > 0, p, 1))); np.nansum, or np.where around p * np.log(p), still "
    "computes log 0 and 0 * (-inf) = nan before throwing them away."
)
_SHIFT_BY_MAX = (
    "A correct solution emits no warning: subtract the maximum along the axis before exp, so that "
    "no exponent is above 0 and the sum of the exponentials is at least 1."
)
_NO_WARNING = {
    "self_information": (
        "A correct solution emits no warning: -log_b p for p > 0 needs no log 0 and no division "
        "by zero."
    ),
    "entropy": "The exercise asks for 0 log 0 = 0 without a warning: " + _LOG_POSITIVE,
    "binary_entropy": (
        "A correct solution emits no warning: 0 log 0 = 0 for p and for 1 - p without computing "
        "log 0. Take logarithms of the positive values only (np.log's where= argument with out=); "
        "np.nansum, or np.where around p * np.log(p), still computes log 0 and nan first."
    ),
    "softmax": _SHIFT_BY_MAX,
    "log_softmax": _SHIFT_BY_MAX
    + " Subtract the log-sum-exp; never take the log of a probability.",
    "logsumexp": _SHIFT_BY_MAX,
    "cross_entropy": (
        "The exercise asks for inf, not nan, without a warning: take log q only where p > 0, and "
        "silence with np.errstate(divide='ignore') only the log 0 that gives the infinite answer "
        "where q = 0 < p."
    ),
    "kl_divergence": (
        "The exercise asks for inf, not nan, without a warning: compute the terms only where "
        "p > 0, and silence with np.errstate(divide='ignore') only the p / 0 that gives the "
        "infinite answer where q = 0 < p."
    ),
    "binary_cross_entropy": (
        "The exercise asks for a perfect prediction to cost 0 without computing 0 log 0: take "
        "log q only where p > 0 and log(1 - q) only where p < 1 (np.log's where= argument)."
    ),
    "softmax_cross_entropy_with_logits": (
        "A correct solution emits no warning: logsumexp(z) - sum_i p_i z_i, with the maximum "
        "subtracted inside the log-sum-exp, never overflows and never takes log 0."
    ),
    "sparse_softmax_cross_entropy_with_logits": (
        "A correct solution emits no warning: logsumexp(z) - z_k, with each row's maximum "
        "subtracted inside the log-sum-exp, never overflows and never takes log 0."
    ),
    "sigmoid_cross_entropy_with_logits": (
        "The exercise asks for a loss stable at logits of +-1000: max(z, 0) - z p + "
        "log1p(exp(-|z|)) never overflows. np.where between two formulas still computes both, "
        "and the one it throws away overflows."
    ),
    "softmax_cross_entropy_grad": _SHIFT_BY_MAX,
    "sigmoid_cross_entropy_grad": (
        "The exercise asks for sigma(z) without overflow at z = +-1000: 1 / (1 + exp(-z)) has "
        "the right value but exp(1000) overflows on the way. Use exp(-logaddexp(0, -z)); "
        "np.where between two formulas still computes both, and one of them overflows."
    ),
}


# Expected values: closed forms evaluated with `math`, never with crossent.
_ZERO_LOG_ZERO = (
    "0 log 0 must count as 0, but p * np.log(p) gives 0 * (-inf) = nan; take the logarithm of "
    "the positive entries only. Adding an epsilon inside the log moves the answer off 0."
)
CASES: dict[str, list[Case]] = {
    "self_information": [
        Case(
            "a certain event carries no information",
            (1.0,),
            0.0,
            hint="-log_b 1 = 0 in every base. A measure such as 1/p gives 1 here: that is why "
            "information is a logarithm.",
        ),
        Case(
            "a fair coin flip, in nats",
            (0.5,),
            LN2,
            hint="the default base is e, so the answer is ln 2 nats; use math.log, not "
            "math.log2 or math.log10, and mind the minus sign.",
        ),
        Case(
            "a fair coin flip, in bits",
            (0.5,),
            1.0,
            {"base": 2},
            hint="the base is ignored or applied the wrong way: -log_b p = -ln p / ln b, a "
            "division, not a multiplication.",
        ),
        Case(
            "one face of a fair die, in bits",
            (1 / 6,),
            math.log2(6),
            {"base": 2},
            hint="log2 6 is not a whole number of bits; do not round it to a number of questions.",
        ),
        Case(
            "a one-in-a-thousand event, in hartleys",
            (0.001,),
            3.0,
            {"base": 10},
            hint="base 10 gives hartleys: -log10(0.001) = 3.",
        ),
        Case(
            "a rare event, in nats",
            (1e-9,),
            9 * math.log(10),
            hint="-ln(1e-9) = 9 ln 10; take the logarithm of p itself, with no epsilon or "
            "clipping.",
        ),
    ],
    "entropy": [
        Case(
            "a fair coin, in nats",
            ([0.5, 0.5],),
            LN2,
            hint="H(p) = -sum_i p_i ln p_i in nats by default: check the sign and the base "
            "(math.log, not log2), and sum the terms rather than average them.",
        ),
        Case(
            "a fair coin, in bits",
            ([0.5, 0.5],),
            1.0,
            {"base": 2},
            hint="the base is ignored or applied the wrong way: divide by ln b.",
        ),
        Case("a certain outcome", ([1.0, 0.0, 0.0],), 0.0, hint=_ZERO_LOG_ZERO),
        Case(
            "a zero probability adds nothing (0 log 0 = 0)",
            ([0.5, 0.0, 0.5],),
            LN2,
            hint=_ZERO_LOG_ZERO,
        ),
        Case(
            "three outcomes, in bits",
            ([0.5, 0.25, 0.25],),
            1.5,
            {"base": 2},
            hint="0.5 * 1 + 0.25 * 2 + 0.25 * 2 = 1.5 bits: sum over all outcomes.",
        ),
        Case(
            "a fair die, in bits",
            ([1 / 6] * 6,),
            math.log2(6),
            {"base": 2},
            hint="a uniform distribution over 6 outcomes has log2 6 bits.",
        ),
        Case(
            "ten equal outcomes, in hartleys",
            ([0.1] * 10,),
            1.0,
            {"base": 10},
            hint="base 10 gives hartleys: -10 * 0.1 * log10(0.1) = 1.",
        ),
        Case(
            "a loaded die, in nats",
            ([0.5, 0.1, 0.1, 0.1, 0.1, 0.1],),
            -(0.5 * math.log(0.5) + 5 * 0.1 * math.log(0.1)),
            hint="every outcome contributes -p_i ln p_i, the likely one included.",
        ),
        Case(
            "a batch of two distributions",
            ([[0.5, 0.5], [1.0, 0.0]],),
            [LN2, 0.0],
            {"axis": -1},
            hint="sum along axis (.sum(axis=axis)), not over the whole array; the second row is a "
            "certain outcome, so 0 log 0 = 0 is needed again.",
        ),
        Case(
            "distributions stored in columns",
            ([[0.5, 1.0], [0.5, 0.0]],),
            [1.0, 0.0],
            {"axis": 0, "base": 2},
            hint="the distributions are the columns: sum along the axis that was passed, not "
            "always the last one.",
        ),
    ],
    "binary_entropy": [
        Case(
            "a fair coin, in bits",
            (0.5,),
            1.0,
            {"base": 2},
            hint="H_b(p) = -p log_b p - (1 - p) log_b(1 - p): both terms, divided by ln b.",
        ),
        Case(
            "a fair coin, in nats",
            (0.5,),
            LN2,
            hint="the default base is e: a fair coin has ln 2 nats.",
        ),
        Case(
            "a two-headed coin",
            (1.0,),
            0.0,
            hint="p = 1 makes (1 - p) log(1 - p) = 0 * log 0, which must count as 0 (not nan); an "
            "epsilon or clipping moves the answer off 0.",
        ),
        Case(
            "a two-tailed coin",
            (0.0,),
            0.0,
            hint="p = 0 makes p log p = 0 * log 0, which must count as 0 (not nan); an epsilon or "
            "clipping moves the answer off 0.",
        ),
        Case(
            "a coin with p = 0.1, in bits",
            (0.1,),
            -(0.1 * math.log2(0.1) + 0.9 * math.log2(0.9)),
            {"base": 2},
            hint="both outcomes count: -0.1 log2 0.1 - 0.9 log2 0.9.",
        ),
        Case(
            "symmetry: p = 0.9 equals p = 0.1",
            (0.9,),
            -(0.1 * math.log(0.1) + 0.9 * math.log(0.9)),
            hint="H_b(p) = H_b(1 - p): the second term uses 1 - p in both places.",
        ),
    ],
}


def self_information(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e)``, your self-information -log_b p, on independent cases."""
    return _run("self_information", fn, CASES["self_information"])


def entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e, axis=-1)``, your Shannon entropy, on independent cases.

    Cases that pass ``base`` or ``axis`` are skipped, and the verdict says so, when your
    function does not take that argument. A case fails if NumPy warns (``0 log 0`` must be 0
    without computing ``log 0``).
    """
    return _run("entropy", fn, CASES["entropy"])


def binary_entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, base=math.e)``, your binary entropy, on independent cases."""
    return _run("binary_entropy", fn, CASES["binary_entropy"])


# --- Softmax and the cross-entropy losses (chapters 4 to 8) -------------------------------------
# Expected values again come from closed forms evaluated with `math`: softmax of (0, ln 2) is
# (1/3, 2/3), log-sum-exp of (1000, 1000) is 1000 + ln 2, and so on. The large logits (±1000) are
# there on purpose: the textbook formulas overflow or underflow on them. Logits 2000 apart defeat
# a shift by the mean or the minimum (exercise "Why the maximum?" of chapter 4), and batches whose
# rows differ by 1000 defeat a maximum taken over the whole array instead of each row. Inputs are
# chosen exactly representable where a rounding would move the expected value.

__all__ += [
    "binary_cross_entropy",
    "cross_entropy",
    "kl_divergence",
    "log_softmax",
    "logsumexp",
    "sigmoid_cross_entropy_with_logits",
    "softmax",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
]

_E123 = [math.exp(1), math.exp(2), math.exp(3)]
_LSE123 = 3 + math.log1p(math.exp(-1) + math.exp(-2))  # ln(e + e^2 + e^3)
_L1 = math.log1p(math.exp(-1))  # ln(1 + e^-1): logsumexp(1001, 1000) = 1001 + _L1


def _bce(p: float, q: float) -> float:
    """-[p ln q + (1 - p) ln(1 - q)] for 0 < q < 1, the binary cross-entropy of one node."""
    return -(p * math.log(q) + (1 - p) * math.log(1 - q))


_SPREAD = (
    "the shift is not the maximum. Subtracting the mean or the minimum leaves an exponent of "
    "1000 or more, and exp overflows; only the maximum makes every exponent at most 0 with one "
    "of them exactly 0."
)
_ROW_MAX = (
    "the rows lie 1000 apart, so the maximum must be taken along the axis, for each row "
    "(z.max(axis=axis, keepdims=True)): one maximum for the whole array leaves exp(-1000) = 0 "
    "in the other row, and then 0 / 0 or log 0."
)
_COL_MAX = (
    "the classes run down the columns: take the maximum and the sum along the axis that was "
    "passed (keepdims=True), not along the last axis or over the whole array."
)
_LABEL_SUM = (
    "the loss is logsumexp(z) - sum_i p_i z_i for every label p, soft ones included, not only "
    "for the class with the largest label."
)
CASES.update(
    {
        "softmax": [
            Case(
                "equal logits give the uniform distribution",
                ([0.0, 0.0, 0.0],),
                [1 / 3] * 3,
                hint="exponentiate every logit and divide by the sum of the exponentials.",
            ),
            Case(
                "logits 0 and ln 2 give probabilities 1/3 and 2/3",
                ([0.0, LN2],),
                [1 / 3, 2 / 3],
                hint="softmax(z)_i = exp(z_i) / sum_j exp(z_j): exp(0) = 1 and exp(ln 2) = 2.",
            ),
            Case(
                "logits 1, 2, 3",
                ([1.0, 2.0, 3.0],),
                [e / sum(_E123) for e in _E123],
                hint="softmax(z)_i = exp(z_i) / sum_j exp(z_j), along the last axis by default.",
            ),
            Case(
                "large logits (the textbook formula overflows: exp(1003) = inf)",
                ([1001.0, 1002.0, 1003.0],),
                [e / sum(_E123) for e in _E123],
                hint="the logits go into exp unshifted; subtract the maximum along the axis "
                "first, so that every exponent is at most 0.",
            ),
            Case(
                "very negative logits (exp underflows to 0, then 0 / 0)",
                ([-1000.0, -1000.0],),
                [0.5, 0.5],
                hint="without the shift every exponential rounds to 0; after subtracting the "
                "maximum one exponent is exactly 0, so the sum is at least 1.",
            ),
            Case(
                "a -inf logit has probability 0",
                ([0.0, float("-inf")],),
                [1.0, 0.0],
                hint="exp(-inf) = 0 is right, but a shift by the mean or the minimum is -inf "
                "here and -inf - (-inf) = nan; subtract the maximum, which is finite.",
            ),
            Case(
                "a batch of two rows",
                ([[0.0, math.log(3)], [1000.0, 1000.0]],),
                [[0.25, 0.75], [0.5, 0.5]],
                {"axis": -1},
                hint="each row is its own distribution: " + _ROW_MAX,
            ),
            Case(
                "classes stored in columns",
                ([[0.0, 1000.0], [LN2, 1000.0]],),
                [[1 / 3, 0.5], [2 / 3, 0.5]],
                {"axis": 0},
                hint=_COL_MAX,
            ),
            Case(
                "temperature 2 halves the logits: (0, ln 4) becomes (0, ln 2)",
                ([0.0, math.log(4)],),
                [1 / 3, 2 / 3],
                {"temperature": 2.0},
                hint="the logits are divided by the temperature, softmax(z / T), not multiplied "
                "by it or ignored.",
            ),
            Case(
                "logits far apart, (0, 2000): subtracting the mean or the minimum still overflows",
                ([0.0, 2000.0],),
                [0.0, 1.0],
                hint=_SPREAD,
            ),
        ],
        "log_softmax": [
            Case(
                "two equal logits: log(1/2) each",
                ([0.0, 0.0],),
                [-LN2, -LN2],
                hint="log softmax(z) = z - logsumexp(z), in nats.",
            ),
            Case(
                "logits 1, 2, 3",
                ([1.0, 2.0, 3.0],),
                [1 - _LSE123, 2 - _LSE123, 3 - _LSE123],
                hint="log softmax(z) = z - logsumexp(z) with logsumexp(z) = m + "
                "log(sum_j exp(z_j - m)): the maximum m must be added back.",
            ),
            Case(
                "large equal logits",
                ([1000.0, 1000.0],),
                [-LN2, -LN2],
                hint="exp(1000) overflows: subtract the maximum before exponentiating.",
            ),
            Case(
                "a probability that rounds to 0 still has a finite log",
                ([0.0, -1000.0],),
                [0.0, -1000.0],
                hint="log(softmax(z)) takes log 0 = -inf where the probability rounds to 0; "
                "compute z - logsumexp(z) instead, which never forms the probability.",
            ),
            Case(
                "a batch of two rows",
                ([[0.0, 0.0], [1001.0, 1000.0]],),
                [[-LN2, -LN2], [-_L1, -1 - _L1]],
                {"axis": -1},
                hint=_ROW_MAX,
            ),
            Case(
                "logits far apart, (0, -2000): subtracting the mean or the minimum overflows",
                ([0.0, -2000.0],),
                [0.0, -2000.0],
                hint=_SPREAD,
            ),
            Case(
                "classes stored in columns",
                ([[0.0, 1001.0], [0.0, 1000.0]],),
                [[-LN2, -_L1], [-LN2, -1 - _L1]],
                {"axis": 0},
                hint=_COL_MAX,
            ),
        ],
        "logsumexp": [
            Case(
                "two zeros: ln 2",
                ([0.0, 0.0],),
                LN2,
                hint="logsumexp(z) = ln(sum_j exp(z_j)), in nats (not log2).",
            ),
            Case(
                "logits 1, 2, 3",
                ([1.0, 2.0, 3.0],),
                _LSE123,
                hint="logsumexp(z) = m + ln(sum_j exp(z_j - m)): the maximum m must be added back.",
            ),
            Case(
                "large logits (exp(1000) overflows)",
                ([1000.0, 1000.0],),
                1000 + LN2,
                hint="subtract the maximum before exponentiating and add it back afterwards.",
            ),
            Case(
                "very negative logits (exp underflows)",
                ([-1000.0, -1000.0],),
                -1000 + LN2,
                hint="exp(-1000) rounds to 0 and ln 0 = -inf; with the maximum subtracted one "
                "exponent is exactly 0.",
            ),
            Case(
                "one dominant logit",
                ([0.0, -800.0],),
                0.0,
                hint="logsumexp is a smooth maximum: here it equals the largest logit, 0.",
            ),
            Case(
                "a batch of two rows",
                ([[0.0, 0.0], [1001.0, 1002.0]],),
                [LN2, 1002 + _L1],
                {"axis": -1},
                hint=_ROW_MAX,
            ),
            Case(
                "logits far apart, (0, -2000): subtracting the mean or the minimum overflows",
                ([0.0, -2000.0],),
                0.0,
                hint=_SPREAD,
            ),
            Case(
                "logits stored in columns",
                ([[0.0, 1001.0], [0.0, 1002.0]],),
                [LN2, 1002 + _L1],
                {"axis": 0},
                hint=_COL_MAX,
            ),
        ],
        "cross_entropy": [
            Case(
                "the article's q1, in nats",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                LN2,
                hint="H(p, q) = -sum_i p_i ln q_i, in nats by default (the article's 0.3 is "
                "base 10), with p first and q second.",
            ),
            Case(
                "the article's q2, in nats",
                ([1, 0, 0], [0.8, 0.1, 0.1]),
                -math.log(0.8),
                hint="with a one-hot label only the true class counts: -ln 0.8.",
            ),
            Case(
                "the article's q1 in base 10 (its 0.3)",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                -math.log10(0.5),
                {"base": 10},
                hint="the base is ignored or applied the wrong way: divide by ln b.",
            ),
            Case(
                "q = p gives the entropy, in bits",
                ([0.5, 0.5], [0.5, 0.5]),
                1.0,
                {"base": 2},
                hint="H(p, p) = H(p): a fair coin has 1 bit, where the KL divergence gives 0.",
            ),
            Case(
                "a mismatched pair and a one-hot label, stored in columns, in bits",
                ([[0.5, 1.0], [0.5, 0.0]], [[0.25, 0.5], [0.75, 0.5]]),
                [-(0.5 * math.log2(0.25) + 0.5 * math.log2(0.75)), 1.0],
                {"axis": 0, "base": 2},
                hint="the distributions are the columns: sum along the axis that was passed, not "
                "always the last one.",
            ),
            Case(
                "q = 0 where p = 0 adds nothing (0 log 0 = 0)",
                ([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]),
                LN2,
                hint="a term with p_i = 0 is 0 whatever q_i is, but p * np.log(q) gives "
                "0 * (-inf) = nan; take log q only where p > 0.",
            ),
            Case(
                "q = 0 where p > 0 costs infinitely much",
                ([0.5, 0.5], [1.0, 0.0]),
                math.inf,
                hint="-0.5 ln 0 = inf is the right answer. Clipping q (or adding an epsilon) "
                "gives a finite number, and taking logs only where q > 0 drops the term.",
            ),
            Case(
                "the article's batch, in base 10",
                ([[1, 0, 0], [1, 0, 0]], [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]),
                [-math.log10(0.5), -math.log10(0.8)],
                {"axis": -1, "base": 10},
                hint="one cross-entropy per row: sum along axis, not over the whole array, and "
                "do not average over the classes.",
            ),
        ],
        "kl_divergence": [
            Case(
                "q = p: no divergence",
                ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]),
                0.0,
                hint="KL(p || q) = sum_i p_i ln(p_i / q_i) is 0 at q = p; the cross-entropy would "
                "give H(p) instead.",
            ),
            Case(
                "one-hot p: KL equals the cross-entropy",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                LN2,
                hint="the arguments are the other way round (KL(q || p) is infinite here), or "
                "the p_i = 0 terms give 0 * log 0 = nan; they count as 0.",
            ),
            Case(
                "a fair coin modelled as a biased one, in bits",
                ([0.5, 0.5], [0.9, 0.1]),
                0.5 * math.log2(0.5 / 0.9) + 0.5 * math.log2(0.5 / 0.1),
                {"base": 2},
                hint="the base is ignored or applied the wrong way: divide by ln b.",
            ),
            Case(
                "the other way round is infinite: q = 0 where p > 0",
                ([0.5, 0.2, 0.3], [1.0, 0.0, 0.0]),
                math.inf,
                hint="KL is not symmetric: KL(q1 || one-hot) = inf while KL(one-hot || q1) = "
                "ln 2. Clipping q (or adding an epsilon) gives a finite number, and taking logs "
                "only where q > 0 drops the infinite terms.",
            ),
            Case(
                "p = 0 terms add nothing",
                ([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]),
                LN2,
                hint="a term with p_i = 0 is 0, but p * np.log(p / q) gives 0 * (-inf) = nan; "
                "compute the terms only where p > 0.",
            ),
            Case(
                "distributions stored in columns",
                ([[0.5, 1.0], [0.5, 0.0]], [[0.5, 0.5], [0.5, 0.5]]),
                [0.0, LN2],
                {"axis": 0},
                hint="the distributions are the columns: sum along the axis that was passed, not "
                "always the last one.",
            ),
        ],
        "binary_cross_entropy": [
            Case(
                "the article's other form for q1, in base 10 (its 0.55)",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                -(math.log10(0.5) + math.log10(0.8) + math.log10(0.7)),
                {"base": 10},
                hint="every node adds -[p_i log q_i + (1 - p_i) log(1 - q_i)], the wrong classes "
                "included (the first form keeps only the true class), summed rather than "
                "averaged.",
            ),
            Case(
                "the article's other form for q2, in nats",
                ([1, 0, 0], [0.8, 0.1, 0.1]),
                -(math.log(0.8) + 2 * math.log(0.9)),
                hint="in nats by default: -(ln 0.8 + 2 ln 0.9), summed over the nodes.",
            ),
            Case(
                "one node, a fair coin",
                ([0.5], [0.5]),
                LN2,
                hint="a single node is a binary classification: -[0.5 ln 0.5 + 0.5 ln 0.5].",
            ),
            Case(
                "soft targets",
                ([0.3, 0.6], [0.4, 0.9]),
                _bce(0.3, 0.4) + _bce(0.6, 0.9),
                hint="with soft targets both terms of every node count: p_i log q_i and "
                "(1 - p_i) log(1 - q_i).",
            ),
            Case(
                "perfect predictions cost nothing",
                ([1.0, 0.0], [1.0, 0.0]),
                0.0,
                hint="the terms 0 * log 0 must count as 0, not nan: take log q only where p > 0 "
                "and log(1 - q) only where p < 1. Clipping q moves the answer off 0.",
            ),
            Case(
                "a batch of two examples stored in columns",
                ([[1, 0], [0, 1]], [[0.5, 0.2], [0.5, 0.8]]),
                [2 * LN2, 2 * -math.log(0.8)],
                {"axis": 0},
                hint="the examples are the columns: sum along the axis that was passed, not "
                "always the last one.",
            ),
        ],
        "softmax_cross_entropy_with_logits": [
            Case(
                "logits ln q for the article's q1",
                ([1, 0, 0], [math.log(0.5), math.log(0.2), math.log(0.3)]),
                LN2,
                hint="the loss is logsumexp(z) - sum_i p_i z_i, in nats, with the labels first "
                "and the logits second.",
            ),
            Case(
                "equal logits, two classes",
                ([1, 0], [0.0, 0.0]),
                LN2,
                hint="equal logits give q = (1/2, 1/2) and a loss of ln 2.",
            ),
            Case(
                "soft labels",
                ([0.9, 0.1], [0.0, math.log(3)]),
                math.log(4) - 0.1 * math.log(3),
                hint=_LABEL_SUM,
            ),
            Case(
                "the true class's logit 1000 below the other's: exp(-1000) underflows to 0, "
                "then log 0 = -inf",
                ([0, 1], [1000.0, 0.0]),
                1000.0,
                hint="the loss went through a probability. Even a stable softmax gives the true "
                "class e^-1000 / (1 + e^-1000), which rounds to 0, and -log 0 = inf (the textbook "
                "softmax already fails at exp(1000) = inf). Compute logsumexp(z) - sum_i p_i z_i "
                "from the logits.",
            ),
            Case(
                "a wrong answer whose probability rounds to 0 (clipping would give 23.03)",
                ([0, 1], [0.0, -800.0]),
                800.0,
                hint="a loss through probabilities is capped: clipping at 1e-10 gives "
                "-ln 1e-10 = 23.03, and without clipping -log 0 = inf. Work from the logits.",
            ),
            Case(
                "a batch of two examples stored in columns",
                ([[1, 0], [0, 1]], [[0.0, 1000.0], [0.0, -1000.0]]),
                [LN2, 2000.0],
                {"axis": 0},
                hint="the examples are the columns: take the maximum and the sums along the axis "
                "that was passed. The second column's logits, (1000, -1000), have mean 0: a "
                "log-sum-exp that subtracts the mean, not the maximum, overflows here.",
            ),
        ],
        "sparse_softmax_cross_entropy_with_logits": [
            Case(
                "the article's q1 as logits, class 0",
                ([0], [[math.log(0.5), math.log(0.2), math.log(0.3)]]),
                [LN2],
                hint="the loss of example j is logsumexp(z_j) - z_j[k_j], with k_j its label "
                "(0-based), one loss per example.",
            ),
            Case(
                "three equal logits",
                ([2], [[0.0, 0.0, 0.0]]),
                [math.log(3)],
                hint="three equal logits give q = 1/3 each and a loss of ln 3.",
            ),
            Case(
                "a batch with large logits",
                ([1, 0], [[1000.0, 0.0], [0.0, 0.0]]),
                [1000.0, LN2],
                hint="the first example's true class is 1000 below the other, so its "
                "probability rounds to 0 (-log 0 = inf, or a clipped 23.03): work from the "
                "logits, logsumexp(z) - z_k, with each row's maximum subtracted (z.max(axis=-1, "
                "keepdims=True)). One maximum for the whole batch leaves the second row with "
                "exp(-1000) = 0 and log 0.",
            ),
            Case(
                "a wrong answer far below",
                ([1], [[0.0, -2000.0]]),
                [2000.0],
                hint="the loss went through a probability that rounds to 0 (log 0 = -inf, or a "
                "clipped 23.03), or the log-sum-exp subtracts the mean (-1000) or the minimum, "
                "and exp overflows. Subtract the maximum and work from the logits.",
            ),
        ],
        "sigmoid_cross_entropy_with_logits": [
            Case(
                "logit 0, label 1",
                (1.0, 0.0),
                LN2,
                hint="sigma(0) = 1/2, so the loss is ln 2; the labels come first, the logits "
                "second.",
            ),
            Case(
                "logit 0, label 0",
                (0.0, 0.0),
                LN2,
                hint="a label 0 costs -ln(1 - sigma(z)) = ln 2 at z = 0.",
            ),
            Case(
                "logit ln 3, label 1/2",
                (0.5, math.log(3)),
                _bce(0.5, 0.75),
                hint="max(z, 0) - z p + log1p(exp(-|z|)), with both terms of the binary "
                "cross-entropy for a soft label.",
            ),
            Case(
                "a confident right answer",
                (1.0, 1000.0),
                0.0,
                hint="sigma(1000) rounds to 1, and through probabilities 0 * log(1 - 1) = nan; "
                "use max(z, 0) - z p + log1p(exp(-|z|)).",
            ),
            Case(
                "a confident wrong answer (exp(1000) overflows)",
                (0.0, 1000.0),
                1000.0,
                hint="through probabilities the loss is -log(1 - 1) = inf, or a clipped 16.12; "
                "use max(z, 0) - z p + log1p(exp(-|z|)), which never overflows.",
            ),
            Case(
                "a confident wrong answer, the other side",
                (1.0, -1000.0),
                1000.0,
                hint="log1p(exp(-z)) overflows at z = -1000: the formula must use |z|, "
                "max(z, 0) - z p + log1p(exp(-|z|)).",
            ),
            Case(
                "elementwise on arrays",
                ([1.0, 0.0, 1.0], [0.0, 0.0, 1000.0]),
                [LN2, LN2, 0.0],
                hint="one loss per element, with NumPy operations (np.maximum, np.abs), not a sum "
                "or a mean.",
            ),
        ],
    }
)


def softmax(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1, temperature=1.0)``, your softmax, including large logits.

    The cases include logits of ±1000, logits 2000 apart (a shift by the mean or the minimum
    overflows on them), a ``-inf``, a batch whose rows are 1000 apart, and classes in columns.
    Cases that pass ``axis`` or ``temperature`` are skipped, and the verdict says so, when your
    function does not take that argument.

    >>> import crossent
    >>> crossent.check.softmax(crossent.softmax)
    softmax: passed all 10 cases
    """
    return _run("softmax", fn, CASES["softmax"])


def log_softmax(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1)``, your log-softmax, including probabilities that round to 0.

    >>> import crossent
    >>> crossent.check.log_softmax(crossent.log_softmax)
    log_softmax: passed all 7 cases
    """
    return _run("log_softmax", fn, CASES["log_softmax"])


def logsumexp(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1)``, your log-sum-exp, including logits of ±1000.

    >>> import crossent
    >>> crossent.check.logsumexp(crossent.logsumexp)
    logsumexp: passed all 8 cases
    """
    return _run("logsumexp", fn, CASES["logsumexp"])


def cross_entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, q, base=math.e, axis=-1)``, your cross-entropy, in nats by default.

    A case fails if NumPy warns: ``0 log 0`` must be 0 and ``q = 0 < p`` must give ``inf``
    without a warning.

    >>> import crossent
    >>> crossent.check.cross_entropy(crossent.cross_entropy)
    cross_entropy: passed all 8 cases
    """
    return _run("cross_entropy", fn, CASES["cross_entropy"])


def kl_divergence(fn: Callable) -> CheckResult:
    """Check ``fn(p, q, base=math.e, axis=-1)``, your KL divergence KL(p || q).

    >>> import crossent
    >>> crossent.check.kl_divergence(crossent.kl_divergence)
    kl_divergence: passed all 6 cases
    """
    return _run("kl_divergence", fn, CASES["kl_divergence"])


def binary_cross_entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, q, base=math.e, axis=-1)``, your binary cross-entropy summed over nodes.

    >>> import crossent
    >>> crossent.check.binary_cross_entropy(crossent.binary_cross_entropy)
    binary_cross_entropy: passed all 6 cases
    """
    return _run("binary_cross_entropy", fn, CASES["binary_cross_entropy"])


def softmax_cross_entropy_with_logits(fn: Callable) -> CheckResult:
    """Check ``fn(labels, logits, axis=-1)``, your softmax cross-entropy on logits, in nats.

    >>> import crossent
    >>> crossent.check.softmax_cross_entropy_with_logits(
    ...     crossent.softmax_cross_entropy_with_logits
    ... )
    softmax_cross_entropy_with_logits: passed all 6 cases
    """
    return _run("softmax_cross_entropy_with_logits", fn, CASES["softmax_cross_entropy_with_logits"])


def sparse_softmax_cross_entropy_with_logits(fn: Callable) -> CheckResult:
    """Check ``fn(labels, logits)``, your softmax cross-entropy with integer labels.

    >>> import crossent
    >>> crossent.check.sparse_softmax_cross_entropy_with_logits(
    ...     crossent.sparse_softmax_cross_entropy_with_logits
    ... )
    sparse_softmax_cross_entropy_with_logits: passed all 4 cases
    """
    return _run(
        "sparse_softmax_cross_entropy_with_logits",
        fn,
        CASES["sparse_softmax_cross_entropy_with_logits"],
    )


def sigmoid_cross_entropy_with_logits(fn: Callable) -> CheckResult:
    """Check ``fn(labels, logits)``, your elementwise sigmoid cross-entropy on logits.

    >>> import crossent
    >>> crossent.check.sigmoid_cross_entropy_with_logits(
    ...     crossent.sigmoid_cross_entropy_with_logits
    ... )
    sigmoid_cross_entropy_with_logits: passed all 7 cases
    """
    return _run("sigmoid_cross_entropy_with_logits", fn, CASES["sigmoid_cross_entropy_with_logits"])


# --- Gradients of the losses on logits (chapter 9) ----------------------------------------------
# Closed forms again: softmax(z) - p with softmax of (0, ln 3) = (1/4, 3/4), sigma(ln 3) = 3/4.
# The ±1000 and 2000 logits make the textbook softmax and sigmoid overflow or divide 0 by 0, and
# so does a softmax shifted by the mean or the minimum; the batch of the mean has m = 2 examples
# of n = 3 classes, so dividing by n instead of m shows.

__all__ += ["sigmoid_cross_entropy_grad", "softmax_cross_entropy_grad"]

CASES.update(
    {
        "softmax_cross_entropy_grad": [
            Case(
                "logits ln q for the article's q1: q - p",
                ([1, 0, 0], [math.log(0.5), math.log(0.2), math.log(0.3)]),
                [-0.5, 0.2, 0.3],
                hint="the gradient is softmax(z) - p, not p - softmax(z), and not the gradient "
                "with respect to the probabilities.",
            ),
            Case(
                "equal logits, two classes",
                ([1, 0], [0.0, 0.0]),
                [-0.5, 0.5],
                hint="q = (1/2, 1/2), so q - p = (-1/2, 1/2).",
            ),
            Case(
                "soft labels",
                ([0.9, 0.1], [0.0, 0.0]),
                [-0.4, 0.4],
                hint="subtract the labels themselves, soft ones included, not a one-hot vector "
                "of the largest label.",
            ),
            Case(
                "large logits (the textbook softmax overflows), 2000 apart",
                ([0, 1], [2000.0, 0.0]),
                [1.0, -1.0],
                hint="exp(2000) overflows as written, and so does exp(1000) after subtracting "
                "the mean; subtract the maximum along the axis before exponentiating.",
            ),
            Case(
                "very negative logits (exp underflows to 0, then 0 / 0)",
                ([1, 0], [-1000.0, -1000.0]),
                [-0.5, 0.5],
                hint="without the shift every exponential rounds to 0; after subtracting the "
                "maximum one exponent is exactly 0.",
            ),
            Case(
                "a batch of two examples",
                ([[1, 0], [0, 1]], [[0.0, math.log(3)], [1000.0, 1000.0]]),
                [[-0.75, 0.75], [0.5, -0.5]],
                {"axis": -1},
                hint="each row is its own example: " + _ROW_MAX,
            ),
            Case(
                "classes stored in columns",
                ([[1, 0], [0, 1]], [[0.0, 1000.0], [math.log(3), 1000.0]]),
                [[-0.75, 0.5], [0.75, -0.5]],
                {"axis": 0},
                hint=_COL_MAX,
            ),
            Case(
                "the mean over a batch of m = 2 divides each gradient by 2",
                ([[1, 0, 0], [0, 0, 1]], [[0.0, LN2, math.log(3)], [5.0, 5.0, 5.0]]),
                [[-5 / 12, 1 / 6, 1 / 4], [1 / 6, 1 / 6, -1 / 3]],
                {"reduction": "mean"},
                hint="the mean over the batch divides q - p by the number of examples, m = 2 "
                "here: not by the number of classes (n = 3), not by m * n, and not forgotten.",
            ),
        ],
        "sigmoid_cross_entropy_grad": [
            Case(
                "logit 0, label 1",
                (1.0, 0.0),
                -0.5,
                hint="the gradient is sigma(z) - p, not p - sigma(z), and not sigma'(z).",
            ),
            Case(
                "logit 0, label 0",
                (0.0, 0.0),
                0.5,
                hint="sigma(0) - 0 = 1/2.",
            ),
            Case(
                "logit ln 3, label 0",
                (0.0, math.log(3)),
                0.75,
                hint="sigma(ln 3) = 3/4.",
            ),
            Case(
                "logit ln 3, label 1/2",
                (0.5, math.log(3)),
                0.25,
                hint="a soft label is subtracted as it is: 3/4 - 1/2.",
            ),
            Case(
                "a confident right answer",
                (1.0, 1000.0),
                0.0,
                hint="exp(z) / (1 + exp(z)) is inf / inf = nan at z = 1000; use "
                "exp(-logaddexp(0, -z)).",
            ),
            Case(
                "a confident wrong answer (exp(1000) overflows)",
                (1.0, -1000.0),
                -1.0,
                hint="sigma(-1000) is 0 to double precision; 1 / (1 + exp(1000)) overflows on "
                "the way. Use exp(-logaddexp(0, -z)).",
            ),
            Case(
                "a confident wrong answer, the other side",
                (0.0, 1000.0),
                1.0,
                hint="sigma(1000) rounds to 1: exp(z) / (1 + exp(z)) gives inf / inf = nan.",
            ),
            Case(
                "elementwise on arrays",
                ([1.0, 0.0, 1.0], [0.0, -math.log(3), -1000.0]),
                [-0.5, 0.25, -1.0],
                hint="one gradient per element, with NumPy operations, not a sum or a mean.",
            ),
        ],
    }
)


def softmax_cross_entropy_grad(fn: Callable) -> CheckResult:
    """Check ``fn(labels, logits, axis=-1, reduction="none")``, your gradient ``q - p``.

    The gradient of the softmax cross-entropy with respect to the logits, one row per example.
    Cases that pass ``axis`` or ``reduction`` are skipped, and the verdict says so, when your
    function does not take that argument.

    >>> import crossent
    >>> crossent.check.softmax_cross_entropy_grad(crossent.softmax_cross_entropy_grad)
    softmax_cross_entropy_grad: passed all 8 cases
    """
    return _run("softmax_cross_entropy_grad", fn, CASES["softmax_cross_entropy_grad"])


def sigmoid_cross_entropy_grad(fn: Callable) -> CheckResult:
    """Check ``fn(labels, logits)``, your elementwise gradient ``sigma(x) - p``.

    A case fails if NumPy warns: ``1 / (1 + exp(-x))`` has the right value at ``x = -1000`` but
    overflows on the way, which the exercise rules out.

    >>> import crossent
    >>> crossent.check.sigmoid_cross_entropy_grad(crossent.sigmoid_cross_entropy_grad)
    sigmoid_cross_entropy_grad: passed all 8 cases
    """
    return _run("sigmoid_cross_entropy_grad", fn, CASES["sigmoid_cross_entropy_grad"])


# --- Softmax regression's gradient (chapter 10) -------------------------------------------------
# Closed forms: with W = 0 and b = (0, ln 2, ln 3) every example predicts q = (1/6, 1/3, 1/2);
# with W's columns (0, ln 2, ln 3) on one feature of value 1, the same. m = 2 examples of n = 3
# classes, so a forgotten 1/m, a division by n, or P - Q all change the answer; the 1000-logit
# cases make the textbook softmax overflow.

__all__ += ["softmax_regression_gradients"]

_LN3 = math.log(3)
CASES["softmax_regression_gradients"] = [
    Case(
        "one example, W = 0: every class equally likely",
        ([[1.0, 2.0]], [2], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [0.0, 0.0, 0.0]),
        (
            [[1 / 3, 1 / 3, -2 / 3], [2 / 3, 2 / 3, -4 / 3]],
            [1 / 3, 1 / 3, -2 / 3],
        ),
        hint="dW = X^T (Q - P) / m and db = the sum over examples of (Q - P) / m; here "
        "q = (1/3, 1/3, 1/3) and the label is class id 2, the third class.",
    ),
    Case(
        "the weights matter: logits X W = (0, ln 2, ln 3)",
        ([[1.0]], [1], [[0.0, LN2, _LN3]], [0.0, 0.0, 0.0]),
        ([[1 / 6, -2 / 3, 1 / 2]], [1 / 6, -2 / 3, 1 / 2]),
        hint="the logits are X W + b, so q = softmax((0, ln 2, ln 3)) = (1/6, 1/3, 1/2); "
        "q - p, not p - q.",
    ),
    Case(
        "a batch of m = 2 examples of n = 3 classes: the mean divides by m",
        ([[1.0, 0.0], [2.0, 1.0]], [0, 2], [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [0.0, LN2, _LN3]),
        ([[-1 / 4, 1 / 2, -1 / 4], [1 / 12, 1 / 6, -1 / 4]], [-1 / 3, 1 / 3, 0.0]),
        hint="the loss is the mean over the m = 2 examples: divide Q - P by m (not by n = 3, "
        "not by m * n, not forgotten); db sums the rows of (Q - P) / m over the examples.",
    ),
    Case(
        "a confident right answer (logits 1000 and 0)",
        ([[1.0]], [0], [[1000.0, 0.0]], [0.0, 0.0]),
        ([[0.0, 0.0]], [0.0, 0.0]),
        hint="exp(1000) overflows: subtract each row's largest logit before exponentiating.",
    ),
    Case(
        "a confident wrong answer (logits 1000 and 0)",
        ([[1.0]], [1], [[1000.0, 0.0]], [0.0, 0.0]),
        ([[1.0, -1.0]], [1.0, -1.0]),
        hint="q = (1, 0) to double precision, so q - p = (1, -1); subtract each row's largest "
        "logit before exponentiating, or exp(1000) overflows.",
    ),
    Case(
        "the largest logit differs from row to row",
        (
            [[1.0], [-1.0]],
            [0, 0],
            [[1000.0, 0.0]],
            [0.0, 0.0],
        ),
        ([[0.5, -0.5]], [-0.5, 0.5]),
        hint="each example's softmax is shifted by its own largest logit (1000 in the first row, "
        "0 in the second), not by the largest logit of the whole batch.",
    ),
]
_NO_WARNING["softmax_regression_gradients"] = _SHIFT_BY_MAX


def softmax_regression_gradients(fn: Callable) -> CheckResult:
    """Check ``fn(X, labels, W, b)``, your gradient of softmax regression's mean cross-entropy.

    ``X`` is (m, d), ``labels`` are m class ids, ``W`` is (d, n) and ``b`` is (n,); the loss is
    the mean over the m examples of the cross-entropy of ``softmax(X W + b)``. Return the pair
    ``(dW, dL/db)``, shapes (d, n) and (n,): ``X^T (Q - P) / m`` and the mean of the rows of
    ``Q - P``.

    >>> import numpy as np
    >>> import crossent
    >>> def gradients(X, labels, W, b):
    ...     model = crossent.training.SoftmaxRegression(W, b)
    ...     return tuple(model.loss_and_gradients(X, np.asarray(labels))[1].values())
    >>> crossent.check.softmax_regression_gradients(gradients)
    softmax_regression_gradients: passed all 6 cases
    """
    return _run("softmax_regression_gradients", fn, CASES["softmax_regression_gradients"])


# --- Chapter 11: expected calibration error -----------------------------------------------------

_ECE_BINS_HINT = (
    "a bin holds the confidences lower < c <= upper, with edges np.linspace(0, 1, n_bins + 1) "
    "(np.searchsorted(edges, c, side='left') - 1 gives the bin); np.digitize's default and "
    "floor(c * n_bins) put a confidence on an edge into the bin above, and 1.0 outside the last."
)
CASES["expected_calibration_error"] = [
    Case(
        "one bin, overconfident",
        ([[0.8, 0.2], [0.6, 0.4]], [0, 1], 1),
        0.2,  # mean confidence 0.7, accuracy 1/2
        hint="the confidence of an example is its largest probability, max over the classes "
        "(axis 1, each row), and its prediction the argmax of the same row; with one bin the "
        "ECE is |accuracy - mean confidence| = |0.5 - 0.7|.",
    ),
    Case(
        "empty bins count for nothing (15 bins, 2 used)",
        ([[0.9, 0.05, 0.05], [0.6, 0.3, 0.1]], [1, 2], 15),
        0.75,  # (1/2) |0 - 0.9| + (1/2) |0 - 0.6|; the other 13 bins are empty
        hint="skip the bins that hold no example: their accuracy and confidence are 0/0 = nan, "
        "and one nan makes the sum nan.",
    ),
    Case(
        "an overconfident and an underconfident bin",
        ([[0.9, 0.1], [0.1, 0.9], [0.55, 0.45], [0.55, 0.45]], [0, 0, 0, 0], 5),
        0.425,  # (2/4) |0.5 - 0.9| + (2/4) |1 - 0.55|
        hint="take the absolute gap |acc_b - conf_b| in each bin before weighting: signed gaps "
        "of over- and underconfident bins cancel (here -0.4 and +0.45).",
    ),
    Case(
        "bins of different sizes",
        ([[0.9, 0.1], [0.9, 0.1], [0.9, 0.1], [0.55, 0.45]], [0, 0, 0, 1], 5),
        0.2125,  # (3/4) |1 - 0.9| + (1/4) |0 - 0.55|
        hint="weigh each bin's gap by its share of the examples, |B_b| / m; the plain mean over "
        "the non-empty bins gives (0.1 + 0.55) / 2 = 0.325.",
    ),
    Case(
        "the prediction is the most probable class, right or wrong",
        ([[0.7, 0.2, 0.1], [0.65, 0.35, 0.0]], [1, 0], 15),
        0.525,  # (1/2) |0 - 0.7| + (1/2) |1 - 0.65|
        hint="the confidence is the largest probability of the row, not the probability of the "
        "true class: the first example is predicted class 0 with confidence 0.7, and is wrong.",
    ),
    Case(
        "a confidence on a bin edge belongs to the bin below",
        ([[0.5, 0.3, 0.2], [0.7, 0.3, 0.0]], [0, 1], 4),
        0.6,  # bins (0.25, 0.5] and (0.5, 0.75]: (1/2) 0.5 + (1/2) 0.7
        hint=_ECE_BINS_HINT,
    ),
    Case(
        "a confidence of exactly 1 is in the last bin",
        ([[1.0, 0.0], [1.0, 0.0], [0.45, 0.55]], [0, 1, 1], 10),
        (2 / 3) * 0.5 + (1 / 3) * 0.45,
        hint=_ECE_BINS_HINT,
    ),
    Case(
        "a tie: the first largest probability is the prediction",
        ([[0.45, 0.45, 0.1], [0.45, 0.45, 0.1]], [0, 0], 10),
        0.55,  # predicted class 0 (np.argmax), right, confidence 0.45
        hint="with tied largest probabilities the prediction is the first of them, as "
        "np.argmax(q, axis=1) returns.",
    ),
]
_NO_WARNING["expected_calibration_error"] = (
    "A correct solution emits no warning: divide by a bin's count only for bins that hold an "
    "example (np.mean of an empty slice and 0/0 both warn)."
)


def expected_calibration_error(fn: Callable) -> CheckResult:
    """Check ``fn(probs, labels, n_bins)``, your expected calibration error.

    ``probs`` is an (m, n) list of predicted distributions, ``labels`` m class ids and
    ``n_bins`` the number of equal-width bins over [0, 1], each holding the confidences
    ``lower < c <= upper``. Return the ECE, ``sum_b (|B_b| / m) |acc_b - conf_b|``, with the
    confidence the largest probability of a row and the prediction its (first) argmax.

    >>> import crossent
    >>> crossent.check.expected_calibration_error(crossent.expected_calibration_error)
    expected_calibration_error: passed all 8 cases
    """
    return _run("expected_calibration_error", fn, CASES["expected_calibration_error"])


# --- Chapter 12: the online log-sum-exp over chunks of classes ---------------------------------
# Each case is a list of chunks, (m, c) blocks of the logits of m tokens, c classes at a time;
# the expected value is the log-sum-exp of each row over all the chunks, from closed forms: ln 3
# for (0, ln 2), 1000 + ln 2 for (1000, 1000), and so on. The function receives the chunks as an
# iterator, read once, as a stream of matrix products would deliver them.

__all__ += ["online_logsumexp"]

_LN3 = math.log(3)
_RESCALE = (
    "when a chunk brings a larger maximum M', the running sum of exp(z - M) must be rescaled to "
    "the new maximum: S <- S exp(M - M') + sum exp(z - M')."
)
CASES["online_logsumexp"] = [
    Case(
        "one chunk: logits 1, 2, 3",
        ([[[1.0, 2.0, 3.0]]],),
        [_LSE123],
        hint="the log-sum-exp of a row is M + ln(sum_j exp(z_j - M)); return one value per "
        "row, shape (m,).",
    ),
    Case(
        "the maximum comes in the second chunk: (0) then (ln 2), ln 3",
        ([[[0.0]], [[LN2]]],),
        [_LN3],
        hint=_RESCALE,
    ),
    Case(
        "the maximum comes in the first chunk: (ln 2) then (0), ln 3",
        ([[[LN2]], [[0.0]]],),
        [_LN3],
        hint="a chunk whose largest logit is below the running maximum adds sum exp(z - M) with "
        "the running maximum M, not its own.",
    ),
    Case(
        "chunks of different widths: (1, 2) then (3)",
        ([[[1.0, 2.0]], [[3.0]]],),
        [_LSE123],
        hint="take each chunk's maximum and sum over its own columns (axis 1): the last chunk "
        "of a vocabulary is often narrower.",
    ),
    Case(
        "large logits (exp(1000) overflows)",
        ([[[1000.0]], [[1000.0]]],),
        [1000 + LN2],
        hint="exponentiate z - M with the running maximum M subtracted, never z itself.",
    ),
    Case(
        "very negative logits: the running maximum must start at -inf",
        ([[[-1000.0]], [[-1000.0]]],),
        [-1000 + LN2],
        hint="start the running maximum at -inf, not 0: with M = 0, exp(-1000 - 0) rounds to 0 "
        "and ln 0 = -inf.",
    ),
    Case(
        "two tokens, a maximum per row",
        ([[[0.0], [1000.0]], [[0.0], [1000.0]]],),
        [LN2, 1000 + LN2],
        hint="keep one running maximum and one running sum per token (row): a maximum over "
        "the whole chunk makes exp(0 - 1000) = 0 for the first token.",
    ),
    Case(
        "three chunks, the maximum in the middle one",
        ([[[1.0]], [[3.0]], [[2.0]]],),
        [_LSE123],
        hint=_RESCALE,
    ),
    Case(
        "masked classes: a first chunk of -inf logits, then (0, 0)",
        ([[[-math.inf, -math.inf]], [[0.0, 0.0]]],),
        [LN2],
        hint="while the running maximum is still -inf, exp(M - M') and exp(z - M') are "
        "exp(-inf + inf) = nan: there the rescaled sum is 0 (use np.where, or skip the rows "
        "whose maximum is -inf).",
    ),
]
_NO_WARNING["online_logsumexp"] = (
    "A correct solution emits no warning: subtract the running maximum before exp, and where "
    "a row's maximum is still -inf (every class so far masked) take the rescaled sum to be 0 "
    "without computing -inf - (-inf); an np.errstate inside your function is respected."
)


def online_logsumexp(fn: Callable) -> CheckResult:
    """Check ``fn(chunks)``, your online log-sum-exp over chunks of classes.

    ``chunks`` is an iterator of (m, c) arrays, the logits of the same m tokens for c classes
    at a time, read once; return the (m,) log-sum-exp of each token's logits over all the
    chunks, keeping only a running maximum and a running sum per token. Logits may be ±1000
    or -inf (a masked class).

    >>> import numpy as np
    >>> import crossent
    >>> def concatenated(chunks):  # correct, though not online: it holds every chunk
    ...     return crossent.logsumexp(np.concatenate(list(chunks), axis=1), axis=1)
    >>> crossent.check.online_logsumexp(concatenated)
    online_logsumexp: passed all 9 cases
    """
    if not callable(fn):
        return _run("online_logsumexp", fn, [])

    def streamed(chunks):
        return fn(iter([np.array(chunk, dtype=float) for chunk in chunks]))

    streamed.__name__ = getattr(fn, "__name__", "f")
    return _run("online_logsumexp", streamed, CASES["online_logsumexp"])
