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


# --- Softmax and the cross-entropy losses (chapters 4 to 8) -------------------------------------
# Expected values again come from closed forms evaluated with `math`: softmax of (0, ln 2) is
# (1/3, 2/3), log-sum-exp of (1000, 1000) is 1000 + ln 2, and so on. The large logits (±1000) are
# there on purpose: the textbook formulas overflow or underflow on them.

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


def _bce(p: float, q: float) -> float:
    """-[p ln q + (1 - p) ln(1 - q)] for 0 < q < 1, the binary cross-entropy of one node."""
    return -(p * math.log(q) + (1 - p) * math.log(1 - q))


CASES.update(
    {
        "softmax": [
            Case("equal logits give the uniform distribution", ([0.0, 0.0, 0.0],), [1 / 3] * 3),
            Case("logits 0 and ln 2 give probabilities 1/3 and 2/3", ([0.0, LN2],), [1 / 3, 2 / 3]),
            Case("logits 1, 2, 3", ([1.0, 2.0, 3.0],), [e / sum(_E123) for e in _E123]),
            Case(
                "large logits (the textbook formula overflows: exp(1003) = inf)",
                ([1001.0, 1002.0, 1003.0],),
                [e / sum(_E123) for e in _E123],
            ),
            Case(
                "very negative logits (exp underflows to 0, then 0 / 0)",
                ([-1000.0, -1000.0],),
                [0.5, 0.5],
            ),
            Case("a -inf logit has probability 0", ([0.0, float("-inf")],), [1.0, 0.0]),
            Case(
                "a batch of two rows",
                ([[0.0, math.log(3)], [5.0, 5.0]],),
                [[0.25, 0.75], [0.5, 0.5]],
                {"axis": -1},
            ),
            Case(
                "classes stored in columns",
                ([[0.0, 7.0], [LN2, 7.0]],),
                [[1 / 3, 0.5], [2 / 3, 0.5]],
                {"axis": 0},
            ),
            Case(
                "temperature 2 halves the logits: (0, ln 4) becomes (0, ln 2)",
                ([0.0, math.log(4)],),
                [1 / 3, 2 / 3],
                {"temperature": 2.0},
            ),
        ],
        "log_softmax": [
            Case("two equal logits: log(1/2) each", ([0.0, 0.0],), [-LN2, -LN2]),
            Case("logits 1, 2, 3", ([1.0, 2.0, 3.0],), [1 - _LSE123, 2 - _LSE123, 3 - _LSE123]),
            Case("large equal logits", ([1000.0, 1000.0],), [-LN2, -LN2]),
            Case(
                "a probability that rounds to 0 still has a finite log",
                ([0.0, -1000.0],),
                [0.0, -1000.0],
            ),
            Case(
                "a batch of two rows",
                ([[0.0, 0.0], [LN2, 0.0]],),
                [[-LN2, -LN2], [math.log(2 / 3), math.log(1 / 3)]],
                {"axis": -1},
            ),
        ],
        "logsumexp": [
            Case("two zeros: ln 2", ([0.0, 0.0],), LN2),
            Case("logits 1, 2, 3", ([1.0, 2.0, 3.0],), _LSE123),
            Case("large logits (exp(1000) overflows)", ([1000.0, 1000.0],), 1000 + LN2),
            Case("very negative logits (exp underflows)", ([-1000.0, -1000.0],), -1000 + LN2),
            Case("one dominant logit", ([0.0, -800.0],), 0.0),
            Case(
                "a batch of two rows",
                ([[0.0, 0.0], [1.0, 2.0]],),
                [LN2, 2 + math.log1p(math.exp(-1))],
                {"axis": -1},
            ),
        ],
        "cross_entropy": [
            Case("the article's q1, in nats", ([1, 0, 0], [0.5, 0.2, 0.3]), LN2),
            Case("the article's q2, in nats", ([1, 0, 0], [0.8, 0.1, 0.1]), -math.log(0.8)),
            Case(
                "the article's q1 in base 10 (its 0.3)",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                -math.log10(0.5),
                {"base": 10},
            ),
            Case("q = p gives the entropy, in bits", ([0.5, 0.5], [0.5, 0.5]), 1.0, {"base": 2}),
            Case(
                "a mismatched pair, in bits",
                ([0.5, 0.5], [0.25, 0.75]),
                -(0.5 * math.log2(0.25) + 0.5 * math.log2(0.75)),
                {"base": 2},
            ),
            Case(
                "q = 0 where p = 0 adds nothing (0 log 0 = 0)",
                ([0.5, 0.5, 0.0], [0.5, 0.5, 0.0]),
                LN2,
            ),
            Case("q = 0 where p > 0 costs infinitely much", ([0.5, 0.5], [1.0, 0.0]), math.inf),
            Case(
                "the article's batch, in base 10",
                ([[1, 0, 0], [1, 0, 0]], [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]),
                [-math.log10(0.5), -math.log10(0.8)],
                {"axis": -1, "base": 10},
            ),
        ],
        "kl_divergence": [
            Case("q = p: no divergence", ([0.2, 0.3, 0.5], [0.2, 0.3, 0.5]), 0.0),
            Case("one-hot p: KL equals the cross-entropy", ([1, 0, 0], [0.5, 0.2, 0.3]), LN2),
            Case(
                "a fair coin modelled as a biased one, in bits",
                ([0.5, 0.5], [0.9, 0.1]),
                0.5 * math.log2(0.5 / 0.9) + 0.5 * math.log2(0.5 / 0.1),
                {"base": 2},
            ),
            Case(
                "the other way round: KL is not symmetric",
                ([0.9, 0.1], [0.5, 0.5]),
                0.9 * math.log(0.9 / 0.5) + 0.1 * math.log(0.1 / 0.5),
            ),
            Case("p = 0 terms add nothing", ([0.5, 0.5, 0.0], [0.25, 0.25, 0.5]), LN2),
            Case(
                "a batch of two rows",
                ([[0.5, 0.5], [1.0, 0.0]], [[0.5, 0.5], [0.5, 0.5]]),
                [0.0, LN2],
                {"axis": -1},
            ),
        ],
        "binary_cross_entropy": [
            Case(
                "the article's other form for q1, in base 10 (its 0.55)",
                ([1, 0, 0], [0.5, 0.2, 0.3]),
                -(math.log10(0.5) + math.log10(0.8) + math.log10(0.7)),
                {"base": 10},
            ),
            Case(
                "the article's other form for q2, in nats",
                ([1, 0, 0], [0.8, 0.1, 0.1]),
                -(math.log(0.8) + 2 * math.log(0.9)),
            ),
            Case("one node, a fair coin", ([0.5], [0.5]), LN2),
            Case("soft targets", ([0.3, 0.6], [0.4, 0.9]), _bce(0.3, 0.4) + _bce(0.6, 0.9)),
            Case("perfect predictions cost nothing", ([1.0, 0.0], [1.0, 0.0]), 0.0),
            Case(
                "a batch of two examples",
                ([[1, 0], [0, 1]], [[0.5, 0.5], [0.2, 0.8]]),
                [2 * LN2, 2 * -math.log(0.8)],
                {"axis": -1},
            ),
        ],
        "softmax_cross_entropy_with_logits": [
            Case(
                "logits ln q for the article's q1",
                ([1, 0, 0], [math.log(0.5), math.log(0.2), math.log(0.3)]),
                LN2,
            ),
            Case("equal logits, two classes", ([1, 0], [0.0, 0.0]), LN2),
            Case("soft labels", ([0.9, 0.1], [0.0, 0.0]), LN2),
            Case(
                "large logits (the textbook softmax overflows)",
                ([0, 1], [1000.0, 0.0]),
                1000.0,
            ),
            Case(
                "a wrong answer whose probability rounds to 0 (clipping would give 23.03)",
                ([0, 1], [0.0, -800.0]),
                800.0,
            ),
            Case(
                "a batch of two examples",
                ([[1, 0], [0, 1]], [[0.0, 0.0], [1000.0, -1000.0]]),
                [LN2, 2000.0],
                {"axis": -1},
            ),
        ],
        "sparse_softmax_cross_entropy_with_logits": [
            Case(
                "the article's q1 as logits, class 0",
                ([0], [[math.log(0.5), math.log(0.2), math.log(0.3)]]),
                [LN2],
            ),
            Case("three equal logits", ([2], [[0.0, 0.0, 0.0]]), [math.log(3)]),
            Case(
                "a batch with large logits",
                ([1, 0], [[1000.0, 0.0], [0.0, 0.0]]),
                [1000.0, LN2],
            ),
            Case("a wrong answer far below", ([1], [[0.0, -800.0]]), [800.0]),
        ],
        "sigmoid_cross_entropy_with_logits": [
            Case("logit 0, label 1", (1.0, 0.0), LN2),
            Case("logit 0, label 0", (0.0, 0.0), LN2),
            Case("logit ln 3, label 1/2", (0.5, math.log(3)), _bce(0.5, 0.75)),
            Case("a confident right answer", (1.0, 1000.0), 0.0),
            Case("a confident wrong answer (exp(1000) overflows)", (0.0, 1000.0), 1000.0),
            Case("a confident wrong answer, the other side", (1.0, -1000.0), 1000.0),
            Case("elementwise on arrays", ([1.0, 0.0, 1.0], [0.0, 0.0, 1000.0]), [LN2, LN2, 0.0]),
        ],
    }
)


def softmax(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1, temperature=1.0)``, your softmax, including large logits.

    Cases that pass ``axis`` or ``temperature`` are skipped, and the verdict says so, when your
    function does not take that argument.

    >>> import crossent
    >>> crossent.check.softmax(crossent.softmax)
    softmax: passed all 9 cases
    """
    return _run("softmax", fn, CASES["softmax"])


def log_softmax(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1)``, your log-softmax, including probabilities that round to 0.

    >>> import crossent
    >>> crossent.check.log_softmax(crossent.log_softmax)
    log_softmax: passed all 5 cases
    """
    return _run("log_softmax", fn, CASES["log_softmax"])


def logsumexp(fn: Callable) -> CheckResult:
    """Check ``fn(z, axis=-1)``, your log-sum-exp, including logits of ±1000.

    >>> import crossent
    >>> crossent.check.logsumexp(crossent.logsumexp)
    logsumexp: passed all 6 cases
    """
    return _run("logsumexp", fn, CASES["logsumexp"])


def cross_entropy(fn: Callable) -> CheckResult:
    """Check ``fn(p, q, base=math.e, axis=-1)``, your cross-entropy, in nats by default.

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
# The ±1000 logits make the textbook softmax and sigmoid overflow or divide 0 by 0.

__all__ += ["sigmoid_cross_entropy_grad", "softmax_cross_entropy_grad"]

CASES.update(
    {
        "softmax_cross_entropy_grad": [
            Case(
                "logits ln q for the article's q1: q - p",
                ([1, 0, 0], [math.log(0.5), math.log(0.2), math.log(0.3)]),
                [-0.5, 0.2, 0.3],
            ),
            Case("equal logits, two classes", ([1, 0], [0.0, 0.0]), [-0.5, 0.5]),
            Case("soft labels", ([0.9, 0.1], [0.0, 0.0]), [-0.4, 0.4]),
            Case(
                "large logits (the textbook softmax overflows)",
                ([0, 1], [1000.0, 0.0]),
                [1.0, -1.0],
            ),
            Case(
                "very negative logits (exp underflows to 0, then 0 / 0)",
                ([1, 0], [-1000.0, -1000.0]),
                [-0.5, 0.5],
            ),
            Case(
                "a batch of two examples",
                ([[1, 0], [0, 1]], [[0.0, math.log(3)], [5.0, 5.0]]),
                [[-0.75, 0.75], [0.5, -0.5]],
                {"axis": -1},
            ),
            Case(
                "classes stored in columns",
                ([[1, 0], [0, 1]], [[0.0, 5.0], [math.log(3), 5.0]]),
                [[-0.75, 0.5], [0.75, -0.5]],
                {"axis": 0},
            ),
            Case(
                "the mean over a batch of m = 2 divides each gradient by 2",
                ([[1, 0], [0, 1]], [[0.0, math.log(3)], [5.0, 5.0]]),
                [[-0.375, 0.375], [0.25, -0.25]],
                {"reduction": "mean"},
            ),
        ],
        "sigmoid_cross_entropy_grad": [
            Case("logit 0, label 1", (1.0, 0.0), -0.5),
            Case("logit 0, label 0", (0.0, 0.0), 0.5),
            Case("logit ln 3, label 0", (0.0, math.log(3)), 0.75),
            Case("logit ln 3, label 1/2", (0.5, math.log(3)), 0.25),
            Case("a confident right answer", (1.0, 1000.0), 0.0),
            Case("a confident wrong answer (exp(1000) overflows)", (1.0, -1000.0), -1.0),
            Case("a confident wrong answer, the other side", (0.0, 1000.0), 1.0),
            Case(
                "elementwise on arrays",
                ([1.0, 0.0, 1.0], [0.0, -math.log(3), -1000.0]),
                [-0.5, 0.25, -1.0],
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

    >>> import crossent
    >>> crossent.check.sigmoid_cross_entropy_grad(crossent.sigmoid_cross_entropy_grad)
    sigmoid_cross_entropy_grad: passed all 8 cases
    """
    return _run("sigmoid_cross_entropy_grad", fn, CASES["sigmoid_cross_entropy_grad"])
