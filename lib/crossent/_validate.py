"""Input validation shared by every public function of the package.

Each helper raises ``TypeError`` (wrong kind of thing) or ``ValueError`` (right kind, wrong
value) with a message that names the argument, says what was wrong, and what would be right.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

#: How far a distribution's sum may stray from 1 before it is rejected, by floating dtype.
#: float64: 1e-6 lets probabilities typed with six decimals through and still catches a typo;
#: float32 (24-bit significand, eps = 1.2e-7): summing n values rounds by up to about n * eps,
#: and softmax outputs over thousands of classes drift by 1e-5, so 1e-4 is allowed.
SUM_TOLERANCE = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 1e-4}


def as_float_array(x, name: str) -> np.ndarray:
    """Return ``x`` as a floating NumPy array, keeping float32 and float64 as they are.

    Booleans and integers become float64; float16 becomes float32 (its 10-bit significand is
    too coarse for logarithms). Anything that is not an array of real numbers raises TypeError.
    """
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of numbers; got a ragged sequence ({err})"
        ) from None
    kind = arr.dtype.kind
    if kind in "biu":
        return arr.astype(np.float64)
    if kind == "f":
        if arr.dtype.itemsize < 4:
            return arr.astype(np.float32)
        if arr.dtype.itemsize > 8:
            return arr.astype(np.float64)
        return arr
    if kind == "c":
        raise TypeError(f"{name} must hold real numbers; got complex dtype {arr.dtype}")
    raise TypeError(
        f"{name} must be an array of real numbers; got {type(x).__name__} with dtype {arr.dtype}"
    )


def _index_text(index) -> str:
    index = tuple(int(i) for i in np.atleast_1d(index))
    return str(index[0]) if len(index) == 1 else str(index)


def check_no_nan(arr: np.ndarray, name: str) -> None:
    """Raise ValueError naming the first NaN in ``arr``."""
    nan = np.isnan(arr)
    if nan.any():
        where = np.argwhere(nan)[0]
        at = f" at index {_index_text(where)}" if arr.ndim else ""
        raise ValueError(f"{name} contains NaN{at}; every entry must be a number")


def check_probabilities(arr: np.ndarray, name: str) -> None:
    """Raise ValueError unless every entry of ``arr`` lies in [0, 1] (NaN included)."""
    check_no_nan(arr, name)
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        where = np.argwhere(bad)[0]
        value = arr[tuple(where)] if arr.ndim else arr[()]
        at = f"{name}[{_index_text(where)}]" if arr.ndim else name
        raise ValueError(f"{name} must hold probabilities in [0, 1]; {at} = {float(value):.6g}")


def normalize_axis(axis, arr: np.ndarray, name: str) -> int:
    """Return ``axis`` as a non-negative int, with clear errors for bad axes and scalars."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"axis must be an int; got {type(axis).__name__} {axis!r}")
    if arr.ndim == 0:
        raise ValueError(
            f"{name} must have at least one dimension (the outcomes or classes); got a scalar"
        )
    if not -arr.ndim <= axis < arr.ndim:
        raise ValueError(
            f"axis {axis} is out of range for {name} with {arr.ndim} dimension(s); "
            f"use an axis in [{-arr.ndim}, {arr.ndim - 1}]"
        )
    axis = int(axis) % arr.ndim
    if arr.shape[axis] == 0:
        raise ValueError(
            f"{name} has an empty axis {axis} (shape {arr.shape}); "
            "a distribution needs at least one outcome"
        )
    return axis


AXES_TYPE = "axis must be an int, a tuple of ints or None (every axis)"


def normalize_axes(axis, arr: np.ndarray, name: str) -> tuple[int, ...]:
    """Return ``axis`` (an int, a tuple of ints, or None for every axis) as sorted axes.

    The result is a non-empty tuple of distinct non-negative ints. Each axis is checked as by
    :func:`normalize_axis` (range, and not empty: a reduction needs at least one entry); a
    tuple must be non-empty and name each axis once. A scalar ``arr`` is rejected whatever
    ``axis`` is.
    """
    if axis is None:
        if arr.ndim == 0:
            normalize_axis(0, arr, name)  # raises: a scalar
        if arr.size == 0:
            raise ValueError(
                f"{name} is empty (shape {arr.shape}); axis=None reduces over every entry, "
                "and a distribution needs at least one outcome"
            )
        return tuple(range(arr.ndim))
    if isinstance(axis, tuple):
        if not axis:
            raise ValueError(
                "axis must name at least one axis; got () (use axis=None for every axis)"
            )
        for a in axis:
            if isinstance(a, bool) or not isinstance(a, numbers.Integral):
                raise TypeError(f"{AXES_TYPE}; got {type(a).__name__} {a!r} in axis={axis!r}")
        axes = [normalize_axis(a, arr, name) for a in axis]
        for i, a in enumerate(axes):
            if a in axes[:i]:
                raise ValueError(
                    f"axis={axis!r} names axis {a - arr.ndim} more than once for {name} with "
                    f"{arr.ndim} dimension(s); list each axis once"
                )
        return tuple(sorted(axes))
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        hint = " (use a tuple)" if isinstance(axis, list | np.ndarray) else ""
        raise TypeError(f"{AXES_TYPE}; got {type(axis).__name__} {axis!r}{hint}")
    return (normalize_axis(axis, arr, name),)


def axes_text(axis, ndim: int) -> str:
    """Describe ``axis`` (a non-negative int or tuple of them) with negative numbers."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    if len(axes) == 1:
        return f"axis {axes[0] - ndim}"
    return f"axes {tuple(a - ndim for a in axes)}"


def check_distribution(arr: np.ndarray, name: str, axis: int) -> None:
    """Raise ValueError unless ``arr`` holds probabilities that sum to 1 along ``axis``."""
    check_probabilities(arr, name)
    tol = SUM_TOLERANCE[arr.dtype]
    sums = arr.sum(axis=axis, dtype=np.float64)
    bad = np.abs(sums - 1.0) > tol
    if np.any(bad):
        if sums.ndim == 0:
            where = "it sums to"
            total = float(sums)
        else:
            index = np.argwhere(bad)[0]
            where = f"row {_index_text(index)} sums to"
            total = float(sums[tuple(index)])
        raise ValueError(
            f"{name} must sum to 1 along axis {axis - arr.ndim}; {where} {total:.6g} "
            f"(allowed error {tol:g} for {arr.dtype})"
        )


def log_of_base(base) -> float:
    """Return ln(base), after checking that ``base`` is a valid logarithm base."""
    if isinstance(base, bool) or not isinstance(base, numbers.Real):
        raise TypeError(
            f"base must be a real number such as 2, math.e or 10; got {type(base).__name__}"
        )
    base = float(base)
    if not math.isfinite(base) or base <= 0 or base == 1:
        raise ValueError(
            f"base must be a finite positive number other than 1 (2 for bits, math.e for nats, "
            f"10 for hartleys); got {base!r}"
        )
    return math.log(base)


def plus_zero(x):
    """Turn a -0.0 (from negating log 1 = 0) into +0.0 so that results print as 0."""
    return x + x.dtype.type(0) if isinstance(x, np.ndarray | np.generic) else x + 0.0


def as_result(x: np.ndarray):
    """Return a 0-d array as a NumPy scalar of its dtype and anything else unchanged."""
    return x[()] if isinstance(x, np.ndarray) and x.ndim == 0 else x


# --- Logits, labels, shapes and weights (softmax.py and losses.py) ------------------------------


def check_logits(
    arr: np.ndarray, name: str, axis: int | tuple[int, ...], row_max: np.ndarray | None = None
) -> None:
    """Raise ValueError unless every row of ``arr`` along ``axis`` is a valid row of logits.

    ``axis`` is a non-negative int or a tuple of them (a row then spans all those axes).

    A valid row has no NaN, no ``+inf``, and at least one finite entry; ``-inf`` entries are
    allowed (they mean probability 0). ``row_max`` is ``arr``'s maximum along ``axis`` when the
    caller has it already: a row is valid exactly when its maximum is finite (NaN and ``+inf``
    propagate into the maximum, an all ``-inf`` row has maximum ``-inf``), so the common case
    costs nothing more. Only when some maximum is not finite is ``arr`` searched for the culprit.
    """
    if row_max is None:
        row_max = arr.max(axis=axis)
    if np.isfinite(row_max).all():
        return
    check_no_nan(arr, name)
    plus = np.isposinf(arr)
    if plus.any():
        where = np.argwhere(plus)[0]
        at = f"{name}[{_index_text(where)}]" if arr.ndim else name
        raise ValueError(f"{name} must be finite or -inf (-inf means probability 0); {at} = +inf")
    dead = np.isneginf(arr).all(axis=axis)
    row = "" if dead.ndim == 0 else f" row {_index_text(np.argwhere(dead)[0])}"
    which = f"{name}{row} is"
    raise ValueError(
        f"{which} -inf everywhere along {axes_text(axis, arr.ndim)}; each row needs at least "
        "one finite logit (all -inf would make every probability 0)"
    )


def check_same_shape(a: np.ndarray, a_name: str, b: np.ndarray, b_name: str) -> None:
    """Raise ValueError, giving both shapes, unless ``a`` and ``b`` have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{a_name} and {b_name} must have the same shape; got {a_name} shape {a.shape} "
            f"and {b_name} shape {b.shape}"
        )


def check_positive_finite(value, name: str) -> float:
    """Return ``value`` as a float after checking that it is a positive finite real number."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number; got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number; got {value!r}")
    return value


def as_class_ids(x, name: str, n: int) -> np.ndarray:
    """Return ``x`` as an int64 array of class ids in [0, n), or raise naming the bad entry.

    Only integer dtypes are accepted: floats (even whole ones such as 2.0) and booleans raise
    TypeError, since a float label usually means probabilities were passed by mistake.
    """
    try:
        arr = np.asarray(x)
    except ValueError as err:  # ragged nested lists
        raise ValueError(
            f"{name} must be a rectangular array of integer class ids; got a ragged sequence "
            f"({err})"
        ) from None
    if arr.dtype.kind not in "iu":
        hint = " (use .astype(int) if they are whole numbers)" if arr.dtype.kind == "f" else ""
        raise TypeError(
            f"{name} must be integer class ids in [0, {n}); got dtype {arr.dtype}{hint}"
        )
    bad = (arr < 0) | (arr >= n)
    if bad.any():
        where = np.argwhere(bad)[0]
        value = int(arr[tuple(where)]) if arr.ndim else int(arr[()])
        at = f"{name}[{_index_text(where)}]" if arr.ndim else name
        raise ValueError(f"{name} must be class ids in [0, n) with n = {n} classes; {at} = {value}")
    return arr.astype(np.int64, copy=False)


def check_weights(weights: np.ndarray, shape: tuple, target: str) -> None:
    """Raise unless ``weights`` are finite, non-negative and broadcast to ``shape``."""
    try:
        ok = np.broadcast_shapes(weights.shape, shape) == shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(
            f"weights shape {weights.shape} does not broadcast to {target} shape {shape}; "
            f"give one weight per example (shape {shape}) or a single number"
        )
    check_no_nan(weights, "weights")
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        where = np.argwhere(bad)[0]
        value = weights[tuple(where)] if weights.ndim else weights[()]
        at = f"weights[{_index_text(where)}]" if weights.ndim else "weights"
        raise ValueError(
            f"weights must be finite and non-negative (0 masks an example); "
            f"{at} = {float(value):.6g}"
        )


# --- Reductions and sparse labels (gradients.py) ------------------------------------------------


def check_reduction(reduction, valid: tuple) -> None:
    """Raise ValueError, listing the valid names, unless ``reduction`` is one of ``valid``."""
    if not isinstance(reduction, str) or reduction not in valid:
        names = ", ".join(repr(r) for r in valid)
        raise ValueError(f"reduction must be one of {names}; got {reduction!r}")


def check_class_ids_shape(
    shape: tuple, logits_shape: tuple, dense: str = "softmax_cross_entropy_with_logits"
) -> None:
    """Raise ValueError unless class ids of ``shape`` fit logits of ``logits_shape``.

    The ids need one dimension fewer than the logits (no class axis) and the logits' shape
    without its last axis; both shapes are named. ``dense`` is the function to suggest for
    one-hot or probability labels.
    """
    if len(shape) != len(logits_shape) - 1:
        raise ValueError(
            f"labels must have one dimension fewer than logits (no class axis); got labels "
            f"shape {shape} and logits shape {logits_shape} (for one-hot or probability "
            f"labels, use {dense})"
        )
    if shape != logits_shape[:-1]:
        raise ValueError(
            f"labels shape {shape} must equal logits shape without its last (class) axis, "
            f"{logits_shape[:-1]}; got labels shape {shape} and logits shape {logits_shape}"
        )
