"""Cross-entropy, KL divergence and the classification losses built on them.

Two families, as in TensorFlow:

- on probabilities: :func:`cross_entropy`, :func:`kl_divergence` (chapter 5) and
  :func:`binary_cross_entropy` (chapter 6), with a ``base`` for the logarithm;
- on logits, one loss per example in nats: :func:`softmax_cross_entropy_with_logits`,
  :func:`sparse_softmax_cross_entropy_with_logits` and, elementwise,
  :func:`sigmoid_cross_entropy_with_logits` (chapters 5 to 8). They never take the log of a
  rounded probability, so they stay finite and accurate for any finite logits.

:func:`reduce_loss` turns the per-example losses into one number for a batch (chapter 7).

Chapter 11's variations, one loss per example from the logits: :func:`focal_loss_with_logits`
(down-weights examples already right), :func:`smooth_labels` (targets mixed with the uniform
distribution), :func:`multiclass_hinge_loss` (the SVM's margin loss, for comparison) and
:func:`distillation_loss` (a student's cross-entropy on a teacher's softened probabilities).

Conventions: ``0 log 0 = 0``, so classes with p = 0 contribute nothing, whatever q is; a class
with p > 0 and q = 0 makes the loss ``+inf`` (never NaN). Shapes must match exactly; float32
stays float32.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._kernels import dense_rows, sparse_rows
from ._validate import (
    as_class_ids,
    as_float_array,
    as_result,
    check_class_ids_shape,
    check_distribution,
    check_logits,
    check_no_nan,
    check_positive_finite,
    check_probabilities,
    check_same_shape,
    check_weights,
    log_of_base,
    normalize_axis,
    plus_zero,
)
from .softmax import log_softmax

__all__ = [
    "binary_cross_entropy",
    "cross_entropy",
    "distillation_loss",
    "focal_loss_with_logits",
    "kl_divergence",
    "multiclass_hinge_loss",
    "reduce_loss",
    "sigmoid_cross_entropy_with_logits",
    "smooth_labels",
    "softmax_cross_entropy_with_logits",
    "sparse_softmax_cross_entropy_with_logits",
]

REDUCTIONS = ("mean", "sum", "none")


def _pair(p, q, p_name: str, q_name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return ``p`` and ``q`` as floating arrays, after checking that their shapes match."""
    a = as_float_array(p, p_name)
    b = as_float_array(q, q_name)
    check_same_shape(a, p_name, b, q_name)
    return a, b


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cast ``a`` and ``b`` to the wider of their dtypes (float32 with float64 gives float64)."""
    dtype = np.result_type(a, b)
    return a.astype(dtype, copy=False), b.astype(dtype, copy=False)


def cross_entropy(p, q, base=math.e, axis=-1):
    r"""Cross-entropy of a predicted distribution ``q`` relative to a target ``p``.

    .. math:: H(p, q) = -\sum_i p_i \log_b q_i

    The average number of units (nats, bits, ...) needed to encode outcomes drawn from p with
    a code built for q. It is at least the entropy H(p), with equality only when q = p; the
    excess is the KL divergence, ``H(p, q) = H(p) + KL(p || q)``. Terms with ``p_i = 0``
    contribute 0 whatever ``q_i`` is; ``q_i = 0`` where ``p_i > 0`` gives ``+inf``. Chapter 5
    explains it, with the article's example below (its 0.3 and 0.1 are base-10 values).

    Parameters
    ----------
    p : array_like
        Target distributions: probabilities summing to 1 along ``axis`` (see
        :func:`crossent.entropy` for the tolerance).
    q : array_like
        Predicted distributions, the same shape as ``p``.
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats (as TensorFlow), ``2`` bits, ``10``
        hartleys.
    axis : int, default -1
        The axis that holds the classes; other axes index examples.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One cross-entropy per distribution: the shape without ``axis``, in the wider of the two
        dtypes.

    Raises
    ------
    ValueError
        If the shapes differ (both are named), ``p`` or ``q`` holds NaN or a value outside
        [0, 1] or does not sum to 1 (the first bad row is named), has an empty ``axis``, or
        ``axis`` or ``base`` is invalid.
    TypeError
        If ``p`` or ``q`` is not real-valued, or ``axis`` or ``base`` has the wrong type.

    Examples
    --------
    The article's example: p = (1, 0, 0), q1 = (0.5, 0.2, 0.3), q2 = (0.8, 0.1, 0.1), as a
    batch of m = 2 examples and n = 3 classes.

    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]
    >>> crossent.cross_entropy(p, q, base=10).round(5)  # the article's 0.3 and 0.1
    array([0.30103, 0.09691])
    >>> crossent.cross_entropy(p, q).round(5)  # in nats, as TensorFlow computes it
    array([0.69315, 0.22314])
    >>> float(crossent.cross_entropy([0.5, 0.5], [1.0, 0.0]))  # q = 0 where p > 0
    inf
    """
    a, b = _pair(p, q, "p", "q")
    ax = normalize_axis(axis, a, "p")
    check_distribution(a, "p", ax)
    check_distribution(b, "q", ax)
    scale = log_of_base(base)
    a, b = _common(a, b)
    with np.errstate(divide="ignore"):  # log 0 = -inf where p > 0: the loss is +inf
        terms = np.log(b, out=np.zeros_like(b), where=a > 0)
    terms *= a  # 0 where p = 0: 0 log 0 = 0
    out = -terms.sum(axis=ax) / a.dtype.type(scale)
    return as_result(plus_zero(out))


def kl_divergence(p, q, base=math.e, axis=-1):
    r"""Kullback-Leibler divergence of ``q`` from ``p``, the excess of cross-entropy.

    .. math:: \mathrm{KL}(p \,\|\, q) = \sum_i p_i \log_b \frac{p_i}{q_i} = H(p, q) - H(p)

    Non-negative, and 0 exactly when q = p (Gibbs' inequality); not symmetric in p and q.
    Terms with ``p_i = 0`` contribute 0; ``q_i = 0`` where ``p_i > 0`` gives ``+inf``. Each
    term is computed as ``p log(p / q)``, which is more accurate than ``log p - log q`` when q
    is close to p. When q is that close, rounding can leave the sum a few units in the last
    place below 0; the result is clamped at 0, the divergence's lower bound. Chapter 5
    explains it.

    Parameters
    ----------
    p : array_like
        Target distributions, summing to 1 along ``axis``.
    q : array_like
        Predicted distributions, the same shape as ``p``.
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats, ``2`` bits, ``10`` hartleys.
    axis : int, default -1
        The axis that holds the classes.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One divergence per distribution: the shape without ``axis``, in the wider dtype.

    Raises
    ------
    ValueError
        As :func:`cross_entropy`.
    TypeError
        As :func:`cross_entropy`.

    Examples
    --------
    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]
    >>> crossent.kl_divergence(p, q).round(5)  # H(p) = 0 for one-hot p: KL = H(p, q)
    array([0.69315, 0.22314])
    >>> float(crossent.kl_divergence([0.5, 0.5], [0.5, 0.5]))
    0.0
    >>> round(float(crossent.kl_divergence([0.5, 0.5], [0.9, 0.1], base=2)), 4)
    0.737
    """
    a, b = _pair(p, q, "p", "q")
    ax = normalize_axis(axis, a, "p")
    check_distribution(a, "p", ax)
    check_distribution(b, "q", ax)
    scale = log_of_base(base)
    a, b = _common(a, b)
    with np.errstate(divide="ignore"):  # p / 0 = inf where p > 0: the divergence is +inf
        terms = np.divide(a, b, out=np.ones_like(a), where=a > 0)
    np.log(terms, out=terms)  # log 1 = 0 where p = 0
    terms *= a
    out = np.maximum(terms.sum(axis=ax) / a.dtype.type(scale), 0)
    return as_result(out)


def binary_cross_entropy(p, q, base=math.e, axis=-1):
    r"""Binary cross-entropy of independent yes/no outputs, summed over the nodes along ``axis``.

    .. math::

        H_b(p, q) = -\sum_i \left[ p_i \log_b q_i + (1 - p_i) \log_b (1 - q_i) \right]

    This is the article's "other form" of the cross-entropy. It is not another formula for
    :func:`cross_entropy`: each output node i is treated as its own coin (a sigmoid output,
    as in multi-label classification), so the entries of ``p`` and ``q`` need not sum to 1,
    and for softmax outputs it gives a different number. Terms with ``p_i = 0`` (or
    ``1 - p_i = 0``) contribute 0 to the first (second) part; ``q_i = 0`` where ``p_i > 0``, or
    ``q_i = 1`` where ``p_i < 1``, gives ``+inf``. ``log1p`` keeps ``log(1 - q)`` accurate for
    small q. Chapter 6 explains it.

    Parameters
    ----------
    p : array_like
        Target probabilities in [0, 1], one per node.
    q : array_like
        Predicted probabilities in [0, 1], the same shape as ``p``.
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats, ``2`` bits, ``10`` hartleys.
    axis : int, default -1
        The axis of the nodes to sum over (one value per example). For a single node, pass
        arrays with a last axis of length 1, or use
        :func:`sigmoid_cross_entropy_with_logits`, which is elementwise.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One value per example: the shape without ``axis``, in the wider dtype.

    Raises
    ------
    ValueError
        If the shapes differ, ``p`` or ``q`` holds NaN or a value outside [0, 1], is a scalar
        or has an empty ``axis``, or ``axis`` or ``base`` is invalid.
    TypeError
        If ``p`` or ``q`` is not real-valued, or ``axis`` or ``base`` has the wrong type.

    Examples
    --------
    The article's "other form" with its example, in base 10 (its 0.55 and 0.19) and in nats:

    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]
    >>> crossent.binary_cross_entropy(p, q, base=10).round(5)
    array([0.55284, 0.18842])
    >>> crossent.binary_cross_entropy(p, q).round(5)
    array([1.27297, 0.43386])
    """
    a, b = _pair(p, q, "p", "q")
    ax = normalize_axis(axis, a, "p")
    check_probabilities(a, "p")
    check_probabilities(b, "q")
    scale = log_of_base(base)
    a, b = _common(a, b)
    with np.errstate(divide="ignore"):  # log 0 = -inf: the loss is +inf
        terms = np.log(b, out=np.zeros_like(b), where=a > 0)
        not_a = 1 - a
        log_not_b = np.log1p(-b, out=np.zeros_like(b), where=not_a > 0)
    terms *= a
    log_not_b *= not_a
    terms += log_not_b
    out = -terms.sum(axis=ax) / a.dtype.type(scale)
    return as_result(plus_zero(out))


def softmax_cross_entropy_with_logits(labels, logits, axis=-1):
    r"""Cross-entropy between ``labels`` and the softmax of ``logits``, one loss per example.

    .. math::

        L = -\sum_i p_i \log \mathrm{softmax}(z)_i
          = -\sum_i p_i \left( z_i - \operatorname{logsumexp}(z) \right)

    The same value as ``cross_entropy(labels, softmax(logits))`` in exact arithmetic, but
    computed in log space (:func:`crossent.log_softmax`), so a probability that would round to
    0 does not make the loss infinite, and a confident right answer keeps its small loss to
    full precision. Natural logarithm (nats), as in ``tf.nn.softmax_cross_entropy_with_logits``.
    ``-inf`` logits are allowed (probability 0): with label 0 they add nothing, with a positive
    label they make the loss ``+inf``. Chapters 5 and 8 explain it; chapter 9 derives its
    gradient with respect to the logits, ``softmax(z) - p``.

    Parameters
    ----------
    labels : array_like
        Target distributions p, summing to 1 along ``axis`` (one-hot or smoothed). They are cast
        to the dtype of ``logits``.
    logits : array_like
        Logits z, the same shape as ``labels``.
    axis : int, default -1
        The class axis.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One loss per example (the shape without ``axis``), in ``logits``' floating dtype.

    Raises
    ------
    ValueError
        If the shapes differ (both are named); ``labels`` is not a distribution along ``axis``
        (the first bad row is named); ``logits`` holds NaN or ``+inf`` or a row that is ``-inf``
        everywhere; an input is a scalar or has an empty ``axis``; ``axis`` is out of range.
    TypeError
        If an input is not real-valued or ``axis`` is not an int.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])  # logits whose softmax is q
    >>> crossent.softmax_cross_entropy_with_logits(p, z).round(5)
    array([0.69315, 0.22314])
    >>> crossent.softmax_cross_entropy_with_logits([0, 1], [0.0, -800.0])  # exp(-800) = 0
    np.float64(800.0)
    """
    p = as_float_array(labels, "labels")
    z = as_float_array(logits, "logits")
    check_same_shape(p, "labels", z, "logits")
    ax = normalize_axis(axis, z, "logits")
    # labels and logits are checked on the way, row block by row block (crossent._kernels)
    neg_loss, _ = dense_rows(p, z, ax, want_loss=True, want_grad=False)
    shape = z.shape[:ax] + z.shape[ax + 1 :]
    return as_result(plus_zero(-neg_loss.reshape(shape)))


def sparse_softmax_cross_entropy_with_logits(labels, logits):
    r"""Softmax cross-entropy with integer class ids as labels, one loss per example.

    .. math:: L = -\log \mathrm{softmax}(z)_k = \operatorname{logsumexp}(z) - z_k

    where k is the example's class. Equal to
    ``softmax_cross_entropy_with_logits(one_hot(labels, n), logits)`` but without building the
    one-hot matrix, as ``tf.nn.sparse_softmax_cross_entropy_with_logits``. The class axis is
    the last axis of ``logits``. A ``-inf`` logit for the true class gives ``+inf``. Chapter 7
    explains it.

    Parameters
    ----------
    labels : array_like of int
        Class ids in [0, n), of shape ``logits.shape[:-1]`` (``(m,)`` for a batch of m).
    logits : array_like
        Logits of shape ``(..., n)``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One loss per example, shape ``logits.shape[:-1]``, in ``logits``' floating dtype.

    Raises
    ------
    ValueError
        If ``labels`` does not have one dimension fewer than ``logits`` or its shape differs
        from ``logits.shape[:-1]`` (both shapes are named); a label lies outside [0, n) (the
        value, its index and n are named); ``logits`` breaks the rules of
        :func:`crossent.softmax` or has no class axis.
    TypeError
        If ``labels`` is not an integer array (floats such as 1.0 included) or ``logits`` is
        not real-valued.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> crossent.sparse_softmax_cross_entropy_with_logits([0, 0], z).round(5)
    array([0.69315, 0.22314])
    >>> crossent.sparse_softmax_cross_entropy_with_logits([0, 3], z)
    Traceback (most recent call last):
    ...
    ValueError: labels must be class ids in [0, n) with n = 3 classes; labels[1] = 3
    """
    z = as_float_array(logits, "logits")
    if z.ndim == 0:
        raise ValueError(
            "logits must have at least one dimension (the classes, last); got a scalar"
        )
    n = z.shape[-1]
    k = as_class_ids(labels, "labels", n)
    shape = k.shape
    if len(shape) != z.ndim - 1:
        raise ValueError(
            f"labels must have one dimension fewer than logits (no class axis); got labels "
            f"shape {shape} and logits shape {z.shape} (for one-hot or probability labels, "
            "use softmax_cross_entropy_with_logits)"
        )
    if shape != z.shape[:-1]:
        raise ValueError(
            f"labels shape {shape} must equal logits shape without its last (class) axis, "
            f"{z.shape[:-1]}; got labels shape {shape} and logits shape {z.shape}"
        )
    normalize_axis(-1, z, "logits")
    loss, _ = sparse_rows(k, z, want_loss=True, want_grad=False)  # logits checked on the way
    return as_result(loss.reshape(shape))


def sigmoid_cross_entropy_with_logits(labels, logits):
    r"""Binary cross-entropy of sigmoid outputs, from the logits, elementwise.

    .. math::

        L = -\left[ p \log \sigma(x) + (1 - p) \log(1 - \sigma(x)) \right]
          = \max(x, 0) - x p + \log\left(1 + e^{-|x|}\right)

    with label p and logit x, ``sigma(x) = 1 / (1 + exp(-x))``. The right-hand form is the one
    ``tf.nn.sigmoid_cross_entropy_with_logits`` uses: ``exp`` only sees ``-|x|`` <= 0, so it
    cannot overflow, and ``log1p`` keeps small terms exact. Infinite logits are allowed here
    and taken as limits (sigma(+inf) = 1, sigma(-inf) = 0): the loss is 0 if the label agrees
    and ``+inf`` otherwise, where the formula itself would give NaN. Summing over the last
    axis gives :func:`binary_cross_entropy` of ``(labels, sigmoid(logits))``. Chapter 6
    explains it; chapter 9 its gradient ``sigma(x) - p``.

    Parameters
    ----------
    labels : array_like
        Probabilities p in [0, 1] (usually 0 or 1), any shape. Cast to the dtype of
        ``logits``.
    logits : array_like
        Logits x, the same shape as ``labels``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The loss of every element, with the common shape, in ``logits``' floating dtype.

    Raises
    ------
    ValueError
        If the shapes differ (both are named), ``labels`` holds NaN or a value outside [0, 1],
        or ``logits`` holds NaN.
    TypeError
        If an input is not real-valued.

    Examples
    --------
    >>> import crossent
    >>> crossent.sigmoid_cross_entropy_with_logits([1, 0, 1], [0.0, 0.0, 1000.0]).round(5)
    array([0.69315, 0.69315, 0.     ])
    >>> float(crossent.sigmoid_cross_entropy_with_logits(0, -1000.0))  # no exp(1000)
    0.0
    >>> float(crossent.sigmoid_cross_entropy_with_logits(1, -1000.0))  # log(1 + e^1000)
    1000.0
    """
    p = as_float_array(labels, "labels")
    x = as_float_array(logits, "logits")
    check_same_shape(p, "labels", x, "logits")
    check_probabilities(p, "labels")
    check_no_nan(x, "logits")
    p = p.astype(x.dtype, copy=False)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        out = np.maximum(x, 0, out=np.empty_like(x))
        out -= x * p  # first, so that a small log1p term is added to an exact 0, not lost
        tail = np.abs(x, out=np.empty_like(x))
        np.negative(tail, out=tail)
        np.exp(tail, out=tail)
        out += np.log1p(tail, out=tail)
    inf = np.isinf(x)
    if inf.any():  # the limits, where the formula gives inf - inf = NaN
        wrong = np.where(x > 0, p < 1, p > 0)
        out[inf] = np.where(wrong[inf], np.inf, 0)
    return as_result(plus_zero(out))


def reduce_loss(per_example, reduction="mean", weights=None):
    r"""Reduce per-example losses to one number for a batch: their (weighted) mean or sum.

    .. math::

        \text{mean} = \frac{\sum_k w_k L_k}{\sum_k w_k}, \qquad
        \text{sum} = \sum_k w_k L_k, \qquad
        \text{none}: (w_k L_k)_k

    with all ``w_k = 1`` when no weights are given, so the mean is the plain average. A weight
    of 0 masks an example (a padded one, say): it counts in neither the sum nor the
    denominator, and even an infinite loss there contributes 0. The weighted mean divides by
    the sum of the weights, so it stays an average over the examples that count. This is a
    choice: Keras' default reduction ``"sum_over_batch_size"`` divides the weighted sum by the
    number of elements instead, so examples given ``sample_weight`` 0 there still count in the
    denominator and shrink the mean (and the gradient); Keras' ``"mean_with_sample_weight"``
    reduction is the one that matches this mean. When every weight is 0 (or there are no
    examples) the mean is 0, as with ``tf.math.divide_no_nan``. Chapter 7 explains it,
    including why averaging the whole m×n matrix, as the article's snippet does, divides by n
    too.

    Parameters
    ----------
    per_example : array_like
        Losses, usually one per example (shape ``(m,)``), any shape; no NaN.
    reduction : {"mean", "sum", "none"}, default "mean"
        ``"none"`` returns the weighted losses with the shape of ``per_example``.
    weights : array_like, optional
        Finite non-negative weights that broadcast to the shape of ``per_example`` (one per
        example, or a single number). Cast to the dtype of ``per_example``.

    Returns
    -------
    numpy scalar or numpy.ndarray
        A scalar for ``"mean"`` and ``"sum"``; an array for ``"none"``; in ``per_example``'s
        floating dtype.

    Raises
    ------
    ValueError
        If ``reduction`` is not one of ``"mean"``, ``"sum"``, ``"none"`` (they are listed);
        ``per_example`` holds NaN; ``weights`` holds NaN, a negative or infinite value, or does
        not broadcast to the shape of ``per_example`` (both shapes are named).
    TypeError
        If ``per_example`` or ``weights`` is not real-valued.

    Examples
    --------
    The article's batch (m = 2) in nats, then the mean over all 2×3 entries that its
    ``tf.reduce_mean`` snippet computes instead:

    >>> import numpy as np
    >>> import crossent
    >>> p = np.array([[1, 0, 0], [1, 0, 0]])
    >>> q = np.array([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> losses = crossent.cross_entropy(p, q)
    >>> round(float(crossent.reduce_loss(losses)), 5)
    0.45815
    >>> round(float(np.mean(-p * np.log(q))), 5)  # divides by m·n = 6, not by m = 2
    0.15272
    >>> float(crossent.reduce_loss([1.0, 3.0, 100.0], weights=[1, 1, 0]))  # last one masked
    2.0
    >>> crossent.reduce_loss([1.0, 3.0], reduction="none", weights=[2, 0])
    array([2., 0.])
    """
    if not isinstance(reduction, str) or reduction not in REDUCTIONS:
        valid = ", ".join(repr(r) for r in REDUCTIONS)
        raise ValueError(f"reduction must be one of {valid}; got {reduction!r}")
    losses = as_float_array(per_example, "per_example")
    check_no_nan(losses, "per_example")
    if weights is None:
        weighted = losses.copy() if reduction == "none" else losses
        total = losses.dtype.type(losses.size)
    else:
        w = as_float_array(weights, "weights")
        check_weights(w, losses.shape, "per_example")
        w = np.broadcast_to(w.astype(losses.dtype, copy=False), losses.shape)
        weighted = np.multiply(w, losses, out=np.zeros_like(losses), where=w > 0)
        total = w.sum(dtype=losses.dtype)
    if reduction == "none":
        return as_result(weighted)
    out = weighted.sum(dtype=losses.dtype)
    if reduction == "mean":
        out = out / total if total > 0 else losses.dtype.type(0)
    return as_result(plus_zero(np.asarray(out)))


# --- Chapter 11: losses that change the target or the weighting ---------------------------------


def _nonnegative_number(value, name: str, what: str) -> float:
    """Return ``value`` as a float after checking that it is a finite number >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number >= 0 ({what}); got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0 ({what}); got {value!r}")
    return value


def _one_minus_softmax(z: np.ndarray, axis: int) -> np.ndarray:
    """``1 - softmax(z)`` along ``axis`` without cancellation where a probability is near 1.

    Only a row's largest entry can have ``q > 1/2``; for it ``1 - q`` is the sum of the other
    classes' probabilities, ``sum_{j != top} e^{z_j - max} / sum_j e^{z_j - max}``, computed
    from the small terms themselves. Every other entry has ``q <= 1/2`` and ``1 - q`` is exact
    to rounding as it is.
    """
    top = np.argmax(z, axis=axis)
    top_k = np.expand_dims(top, axis)
    zmax = np.take_along_axis(z, top_k, axis=axis)
    with np.errstate(under="ignore"):
        e = np.exp(z - zmax)  # -inf logits give 0
    is_top = np.arange(z.shape[axis]).reshape([-1 if a == axis else 1 for a in range(z.ndim)])
    is_top = is_top == top_k
    others = np.where(is_top, 0, e).sum(axis=axis, keepdims=True)
    total = 1 + others  # e at the top is exp(0) = 1
    out = 1 - e / total
    np.put_along_axis(out, top_k, others / total, axis=axis)
    return out


def focal_loss_with_logits(labels, logits, gamma=2.0, axis=-1):
    r"""Focal loss of the softmax of ``logits`` against ``labels``, one loss per example.

    .. math::

        L = -\sum_i p_i \, (1 - q_i)^{\gamma} \log q_i , \qquad q = \mathrm{softmax}(z)

    The cross-entropy with each class's term multiplied by ``(1 - q_i)^gamma`` (Lin et al.
    2017, "Focal loss for dense object detection"): an example the model already gets right
    with confidence (``q_k`` near 1) is down-weighted, a hard one keeps almost its full loss.
    ``gamma = 0`` is :func:`softmax_cross_entropy_with_logits`; for ``gamma > 0`` the focal
    loss is never larger. Computed from the logits: ``log q`` is :func:`crossent.log_softmax`,
    and for the most probable class ``1 - q`` is the sum of the other classes' probabilities
    (never ``1`` minus a number near 1), so a confident right answer keeps its tiny loss to
    full precision and logits such as ``1e4`` or ``-inf`` give finite, correct losses (a
    ``-inf`` logit with ``p_i = 0`` contributes 0, with ``p_i > 0`` it makes the loss ``+inf``).
    Natural logarithm (nats). Chapter 11 explains it.

    Keras' ``keras.losses.CategoricalFocalCrossentropy(alpha=1.0, gamma=gamma,
    from_logits=True)`` computes the same loss (its default ``alpha=0.25`` multiplies every
    loss by 0.25), but from probabilities clipped to ``[1e-7, 1 - 1e-7]``: the two agree while
    every probability lies in that range, and beyond it Keras' loss stops growing at
    ``-log(1e-7) = 16.1`` for a wrong answer and its confident right answers cost at least
    ``1e-7^gamma * 1e-7`` instead of less (``tests/package/test_tf_agreement.py``).

    Parameters
    ----------
    labels : array_like
        Target distributions p along ``axis`` (one-hot or soft), validated as in
        :func:`softmax_cross_entropy_with_logits`; cast to the dtype of ``logits``.
    logits : array_like
        Logits z, the same shape as ``labels``.
    gamma : float, default 2.0
        The focusing parameter, a finite number >= 0 (Lin et al. use 2).
    axis : int, default -1
        The class axis.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One loss per example (the shape without ``axis``), in ``logits``' floating dtype.

    Raises
    ------
    ValueError
        As :func:`softmax_cross_entropy_with_logits`, and if ``gamma`` is negative, NaN or
        infinite.
    TypeError
        As :func:`softmax_cross_entropy_with_logits`, and if ``gamma`` is not a real number.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> crossent.focal_loss_with_logits(p, z).round(5)  # (1 - q)^2 (-ln q)
    array([0.17329, 0.00893])
    >>> crossent.focal_loss_with_logits(p, z, gamma=0).round(5)  # the cross-entropy
    array([0.69315, 0.22314])
    >>> loss = crossent.focal_loss_with_logits([1, 0], [0.0, -40.0])  # (e^-40)^2 e^-40
    >>> f"{float(loss):.6e}", f"{float(np.exp(-120)):.6e}"  # not 0: no 1 - q = 1 - 1
    ('7.667648e-53', '7.667648e-53')
    """
    g = _nonnegative_number(gamma, "gamma", "the focusing exponent; 0 gives the cross-entropy")
    p = as_float_array(labels, "labels")
    z = as_float_array(logits, "logits")
    check_same_shape(p, "labels", z, "logits")
    ax = normalize_axis(axis, z, "logits")
    check_distribution(p, "labels", ax)
    check_logits(z, "logits", ax)
    p = p.astype(z.dtype, copy=False)
    logq = log_softmax(z, axis=ax)
    factor = _one_minus_softmax(z, ax)
    with np.errstate(under="ignore"):
        factor **= z.dtype.type(g)  # 0 ** 0 = 1: gamma = 0 leaves the cross-entropy
    terms = np.multiply(factor, logq, out=np.zeros_like(z), where=p > 0)
    terms *= p
    return as_result(plus_zero(-terms.sum(axis=ax)))


def smooth_labels(labels, epsilon):
    r"""Label smoothing: mix each target distribution with the uniform one.

    .. math:: p'_i = (1 - \varepsilon)\, p_i + \frac{\varepsilon}{n}

    along the last axis, with n classes (Szegedy et al. 2016). One-hot labels become
    ``1 - eps + eps/n`` for the true class and ``eps/n`` elsewhere, so the cross-entropy no
    longer rewards pushing the true class's logit to infinity. The same mixture as Keras'
    ``label_smoothing=eps`` argument of ``CategoricalCrossentropy``. Chapter 11 explains it.

    Parameters
    ----------
    labels : array_like
        Target distributions (one-hot or soft) along the last axis.
    epsilon : float
        How much of the uniform distribution to mix in, in [0, 1]: 0 leaves the labels as they
        are, 1 makes them uniform.

    Returns
    -------
    numpy.ndarray
        The smoothed distributions, the shape of ``labels``, in its floating dtype (integer
        one-hot labels give float64).

    Raises
    ------
    ValueError
        If ``labels`` is not a distribution along the last axis (the first bad row is named),
        is a scalar or has an empty last axis, or ``epsilon`` lies outside [0, 1] or is NaN.
    TypeError
        If ``labels`` is not real-valued or ``epsilon`` is not a real number.

    Examples
    --------
    >>> import crossent
    >>> crossent.smooth_labels([[0, 1, 0, 0]], 0.1)
    array([[0.025, 0.925, 0.025, 0.025]])
    """
    if isinstance(epsilon, bool) or not isinstance(epsilon, numbers.Real):
        raise TypeError(
            f"epsilon must be a real number in [0, 1]; got {type(epsilon).__name__} {epsilon!r}"
        )
    eps = float(epsilon)
    if not 0 <= eps <= 1:  # NaN fails too
        raise ValueError(
            f"epsilon must be in [0, 1] (0: labels unchanged, 1: uniform); got {eps!r}"
        )
    p = as_float_array(labels, "labels")
    ax = normalize_axis(-1, p, "labels")
    check_distribution(p, "labels", ax)
    n = p.shape[-1]
    t = p.dtype.type
    return t(1 - eps) * p + t(eps / n)


def multiclass_hinge_loss(labels, logits, margin=1.0):
    r"""Multiclass hinge (SVM) loss with integer class ids, one loss per example.

    .. math:: L = \sum_{j \ne k} \max(0,\; z_j - z_k + \Delta)

    with k the example's class and margin Delta (the Weston-Watkins form used by CS231n). It is
    0 as soon as the true class's score beats every other by at least the margin: unlike the
    cross-entropy, it stops asking for more once the margin is met. Scores need not be
    logits of a softmax; they must be finite. Chapter 11 compares it with the cross-entropy.

    Parameters
    ----------
    labels : array_like of int
        Class ids in [0, n), of shape ``logits.shape[:-1]``.
    logits : array_like
        Scores of shape ``(..., n)``, finite.
    margin : float, default 1.0
        Delta, a finite number >= 0.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One loss per example, shape ``logits.shape[:-1]``, in ``logits``' floating dtype.

    Raises
    ------
    ValueError
        If the shapes do not fit (as :func:`sparse_softmax_cross_entropy_with_logits`), a label
        lies outside [0, n), ``logits`` holds NaN or an infinite value, or ``margin`` is
        negative, NaN or infinite.
    TypeError
        If ``labels`` is not an integer array, ``logits`` is not real-valued or ``margin`` is
        not a real number.

    Examples
    --------
    CS231n's example: scores (3.2, 5.1, -1.7) for a cat (class 0).

    >>> import crossent
    >>> crossent.multiclass_hinge_loss([0], [[3.2, 5.1, -1.7]]).round(6)  # 2.9 + 0
    array([2.9])
    >>> float(crossent.multiclass_hinge_loss(1, [1.0, 3.0, 0.0]))  # margins met
    0.0
    """
    m = _nonnegative_number(margin, "margin", "the required lead of the true class")
    z = as_float_array(logits, "logits")
    if z.ndim == 0:
        raise ValueError(
            "logits must have at least one dimension (the classes, last); got a scalar"
        )
    normalize_axis(-1, z, "logits")
    k = as_class_ids(labels, "labels", z.shape[-1])
    check_class_ids_shape(k.shape, z.shape, dense="a one-hot argmax of the labels")
    check_no_nan(z, "logits")
    if not np.isfinite(z).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(z))[0])
        raise ValueError(
            f"logits must be finite for the hinge loss; logits[{_index(where)}] = {z[where]}"
        )
    zk = np.take_along_axis(z, k[..., np.newaxis], axis=-1)
    terms = np.maximum(z - zk + z.dtype.type(m), 0)
    np.put_along_axis(terms, k[..., np.newaxis], 0, axis=-1)  # j = k is left out
    return as_result(plus_zero(terms.sum(axis=-1)))


def _index(where: tuple) -> str:
    return str(where[0]) if len(where) == 1 else ", ".join(str(i) for i in where)


def distillation_loss(teacher_logits, student_logits, temperature=1.0, kl=False):
    r"""Knowledge-distillation loss: the student's cross-entropy on the teacher's soft targets.

    .. math::

        L = T^2 \, H\!\left(\mathrm{softmax}(t / T),\ \mathrm{softmax}(s / T)\right)
          = -T^2 \sum_i p^T_i \log q^T_i

    per example, with teacher logits t, student logits s and temperature T (Hinton, Vinyals
    and Dean 2015). A temperature above 1 flattens both distributions so that the small
    probabilities the teacher gives to wrong classes ("dark knowledge") carry weight; the
    factor ``T^2`` keeps the gradient, ``T (q^T - p^T)``, of the same size whatever T.
    With ``kl=True`` the teacher's entropy is subtracted, ``T^2 KL(p^T || q^T)``, which has the
    same gradient and is 0 when the student matches the teacher. Computed from the logits
    (:func:`crossent.softmax` and :func:`crossent.log_softmax`), so it is stable at any finite
    logits. Natural logarithm (nats), class axis last. Chapter 11 explains it.

    Parameters
    ----------
    teacher_logits, student_logits : array_like
        Logits of the same shape ``(..., n)``, following the rules of :func:`crossent.softmax`
        (``-inf`` allowed, not NaN or ``+inf``).
    temperature : float, default 1.0
        T, a positive finite number.
    kl : bool, default False
        Return ``T^2 KL(p^T || q^T)`` instead of ``T^2 H(p^T, q^T)``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        One loss per example, shape without the last axis, in the wider of the two dtypes.

    Raises
    ------
    ValueError
        If the shapes differ, a logit is NaN or ``+inf`` or a row is ``-inf`` everywhere, or
        ``temperature`` is not positive and finite.
    TypeError
        If an input is not real-valued, ``temperature`` is not a real number or ``kl`` is not
        a bool.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> t = np.log([[0.7, 0.2, 0.1]])
    >>> crossent.distillation_loss(t, t, kl=True)  # the student matches the teacher
    array([0.])
    >>> crossent.distillation_loss(t, t).round(5)  # the teacher's entropy
    array([0.80182])
    >>> crossent.distillation_loss(t, [[0.0, 0.0, 0.0]], temperature=2.0).round(5)
    array([4.39445])
    """
    if not isinstance(kl, bool | np.bool_):
        raise TypeError(f"kl must be True or False; got {type(kl).__name__} {kl!r}")
    temp = check_positive_finite(temperature, "temperature")
    t, s = _pair(teacher_logits, student_logits, "teacher_logits", "student_logits")
    t, s = _common(t, s)
    normalize_axis(-1, t, "teacher_logits")
    check_logits(t, "teacher_logits", t.ndim - 1)
    check_logits(s, "student_logits", s.ndim - 1)
    scale = t.dtype.type(temp)
    log_p = log_softmax(t / scale)
    log_q = log_softmax(s / scale)
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):  # -inf - (-inf) where p = 0 is not used
        diff = log_q - log_p if kl else log_q
        terms = np.multiply(p, diff, out=np.zeros_like(p), where=p > 0)
    out = -(scale * scale) * terms.sum(axis=-1)
    if kl:
        out = np.maximum(out, 0)
    return as_result(plus_zero(out))
