r"""Gradients of the losses on logits, in closed form (chapter 9, ``chapters/09_gradients``).

Why the fused losses have such simple gradients. For one example with labels p and logits z,

.. math::

    L(z) = -\sum_i p_i \log \mathrm{softmax}(z)_i
         = -\sum_i p_i z_i + \Big(\sum_i p_i\Big) \operatorname{logsumexp}(z),

and the derivative of log-sum-exp is softmax, so with q = softmax(z) and s = sum of the p_i

.. math:: \frac{\partial L}{\partial z_j} = s\, q_j - p_j = q_j - p_j \quad (s = 1).

The chain rule through the probabilities gives the same thing the long way: the loss's gradient
with respect to q is ``-p / q``, and multiplying by the softmax Jacobian
(:func:`crossent.softmax_jacobian`, ``J = diag(q) - q q^T``) cancels every division by q. That
cancellation is why the fused gradient stays finite where ``-p / q`` would divide by a
probability that rounded to 0. The sigmoid loss works the same way: ``sigma(x) - p``.

Each function returns the gradient of
``reduce_loss(loss(labels, logits), reduction, weights)`` with respect to the logits, so it has
the shape of the logits. ``"none"`` (the default) gives each example the gradient of its own
loss; as the examples do not share logits, that is also the gradient of the ``"sum"``.
``"mean"`` divides by the number of examples m (or by the sum of the weights): this 1/m is why
the learning rate and the batch size interact, and why the article's ``reduce_mean`` over the
whole m×n matrix, which divides by m·n, acts like a learning rate n times smaller (chapter 7).

Precision: ``q - p`` is computed without the cancellation in ``q_k - 1`` when the true class k
already has probability close to 1, so a confident right answer keeps its tiny gradient to full
precision (``sigma(40) - 1`` rounds to 0 in float64; the true value is -4.2e-18). TensorFlow
computes ``q - p`` directly; the two agree to a few ulps of 1 (``tests/package``).
"""

from __future__ import annotations

import numpy as np

from ._kernels import checked_weights, dense_rows, sparse_rows
from ._validate import (
    as_class_ids,
    as_float_array,
    as_result,
    check_class_ids_shape,
    check_distribution,
    check_logits,
    check_no_nan,
    check_probabilities,
    check_reduction,
    check_same_shape,
    check_weights,
    normalize_axis,
    plus_zero,
)
from .losses import REDUCTIONS

__all__ = [
    "sigmoid_cross_entropy_grad",
    "softmax_cross_entropy_grad",
    "sparse_softmax_cross_entropy_grad",
]


def _reduce_gradient(grad, reduction: str, weights, shape: tuple, ax: int | None) -> np.ndarray:
    """Scale per-example gradients as :func:`crossent.reduce_loss` scales the losses.

    ``shape`` is the shape of the per-example losses; ``ax`` the class axis of ``grad`` that
    the losses do not have (None for the elementwise sigmoid loss).
    """
    if weights is not None:
        w = as_float_array(weights, "weights")
        check_weights(w, shape, "per-example loss")
        w = np.broadcast_to(w.astype(grad.dtype, copy=False), shape)
        total = w.sum(dtype=grad.dtype)
        with np.errstate(under="ignore"):
            grad *= w if ax is None else np.expand_dims(w, ax)
    else:
        total = grad.dtype.type(int(np.prod(shape)))
    if reduction == "mean":
        if total > 0:
            with np.errstate(under="ignore"):
                grad /= total
        else:  # nothing to average: reduce_loss returns the constant 0
            grad[...] = 0
    return grad


def softmax_cross_entropy_grad(labels, logits, axis=-1, reduction="none", weights=None):
    r"""Gradient of :func:`crossent.softmax_cross_entropy_with_logits` with respect to the logits.

    .. math::

        \frac{\partial L}{\partial z_j} = \mathrm{softmax}(z)_j \sum_i p_i - p_j
                                        = q_j - p_j \quad \text{when } \sum_i p_i = 1

    The probabilities the network predicts minus the ones it should have predicted: a class
    predicted too likely gets a positive gradient (gradient descent lowers its logit), the
    true class a negative one. The factor ``sum(p)`` makes this the exact gradient of the loss
    as computed, so every row sums to 0 (adding the same number to all logits changes nothing)
    even when rounding leaves the labels' sum a few ulps off 1. Soft labels, label smoothing
    included, use the same formula: with ``(1 - eps) p + eps / n`` the gradient vanishes at
    q = that smoothed target, so the logits need not run off to infinity. A ``-inf`` logit has
    q = 0 and gradient ``-p_j``: the limit, also where a positive label makes the loss
    ``+inf``. Chapter 9 (``chapters/09_gradients``) derives it.

    Parameters
    ----------
    labels : array_like
        Target distributions p, summing to 1 along ``axis``, the same shape as ``logits``. Cast
        to the dtype of ``logits``.
    logits : array_like
        Logits z.
    axis : int, default -1
        The class axis.
    reduction : {"none", "sum", "mean"}, default "none"
        How the per-example losses are combined, as in :func:`crossent.reduce_loss`: the result
        is the gradient of ``reduce_loss(losses, reduction, weights)``. ``"none"`` and
        ``"sum"`` give the per-example gradients; ``"mean"`` divides them by the number of
        examples m (or by the sum of the weights).
    weights : array_like, optional
        Finite non-negative weights, one per example (the shape of the logits without
        ``axis``) or a single number. A weight of 0 masks an example: its gradient is 0.

    Returns
    -------
    numpy.ndarray
        The gradient, with ``logits``' shape and floating dtype.

    Raises
    ------
    ValueError
        As :func:`crossent.softmax_cross_entropy_with_logits` (shapes, labels that are not
        distributions, NaN or ``+inf`` logits, a row of ``-inf``, a scalar, an empty or out of
        range ``axis``); and for an unknown ``reduction`` or bad ``weights``.
    TypeError
        If an input is not real-valued or ``axis`` is not an int.

    See Also
    --------
    softmax_jacobian : the long way round, ``J^T (-p / q)``.
    softmax_cross_entropy_value_and_grad : the loss and this gradient from one pass.

    Examples
    --------
    The article's batch (m = 2, n = 3), with the logits whose softmax is its q:

    >>> import numpy as np
    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> crossent.softmax_cross_entropy_grad(p, z).round(6)  # q - p
    array([[-0.5,  0.2,  0.3],
           [-0.2,  0.1,  0.1]])
    >>> crossent.softmax_cross_entropy_grad(p, z, reduction="mean").round(6)  # divided by m
    array([[-0.25,  0.1 ,  0.15],
           [-0.1 ,  0.05,  0.05]])
    >>> crossent.softmax_cross_entropy_grad([1, 0], [40.0, 0.0])  # q_0 - 1 = -1/(1 + e^40)
    array([-4.24835426e-18,  4.24835426e-18])
    """
    check_reduction(reduction, REDUCTIONS)
    p = as_float_array(labels, "labels")
    z = as_float_array(logits, "logits")
    check_same_shape(p, "labels", z, "logits")
    ax = normalize_axis(axis, z, "logits")
    shape = z.shape[:ax] + z.shape[ax + 1 :]
    _, flat, total, error = checked_weights(weights, shape, z.dtype)
    if error is not None:  # labels and logits are checked first
        check_distribution(p, "labels", ax)
        check_logits(z, "logits", ax)
        raise error
    _, grad = dense_rows(  # labels and logits checked on the way (crossent._kernels)
        p,
        z,
        ax,
        want_loss=False,
        want_grad=True,
        weights=flat,
        total=total,
        scale=reduction == "mean",
    )
    return grad


def sparse_softmax_cross_entropy_grad(labels, logits, reduction="none", weights=None):
    r"""Gradient of :func:`crossent.sparse_softmax_cross_entropy_with_logits` w.r.t. the logits.

    .. math:: \frac{\partial L}{\partial z_j} = \mathrm{softmax}(z)_j - [j = k]

    with k the example's class: :func:`softmax_cross_entropy_grad` with one-hot labels, without
    building them. The class axis is the last axis of ``logits``. Chapter 9
    (``chapters/09_gradients``) derives it.

    Parameters
    ----------
    labels : array_like of int
        Class ids in [0, n), of shape ``logits.shape[:-1]``.
    logits : array_like
        Logits of shape ``(..., n)``.
    reduction : {"none", "sum", "mean"}, default "none"
        As in :func:`softmax_cross_entropy_grad`.
    weights : array_like, optional
        One finite non-negative weight per example, or a single number.

    Returns
    -------
    numpy.ndarray
        The gradient, with ``logits``' shape and floating dtype.

    Raises
    ------
    ValueError
        As :func:`crossent.sparse_softmax_cross_entropy_with_logits`; and for an unknown
        ``reduction`` or bad ``weights``.
    TypeError
        If ``labels`` is not an integer array or ``logits`` is not real-valued.

    See Also
    --------
    sparse_softmax_cross_entropy_value_and_grad : the loss and this gradient from one pass.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> crossent.sparse_softmax_cross_entropy_grad([0, 2], z).round(6)
    array([[-0.5,  0.2,  0.3],
           [ 0.8,  0.1, -0.9]])
    """
    check_reduction(reduction, REDUCTIONS)
    z = as_float_array(logits, "logits")
    if z.ndim == 0:
        raise ValueError(
            "logits must have at least one dimension (the classes, last); got a scalar"
        )
    k = as_class_ids(labels, "labels", z.shape[-1])
    check_class_ids_shape(k.shape, z.shape, dense="softmax_cross_entropy_grad")
    ax = normalize_axis(-1, z, "logits")
    _, flat, total, error = checked_weights(weights, k.shape, z.dtype)
    if error is not None:
        check_logits(z, "logits", ax)
        raise error
    _, grad = sparse_rows(  # without building the one-hot labels
        k,
        z,
        want_loss=False,
        want_grad=True,
        weights=flat,
        total=total,
        scale=reduction == "mean",
    )
    return grad


def sigmoid_cross_entropy_grad(labels, logits, reduction="none", weights=None):
    r"""Gradient of :func:`crossent.sigmoid_cross_entropy_with_logits` w.r.t. the logits.

    .. math::

        \frac{\partial L}{\partial x} = \sigma(x) - p
                                      = (1 - p)\, \sigma(x) - p\, \sigma(-x)

    elementwise, with ``sigma(x) = 1 / (1 + exp(-x))``. The right-hand form is the one
    computed: both sigmoids come from ``exp(-|x|)``, which cannot overflow, and for a label of
    0 or 1 no two numbers close to each other are subtracted, so ``sigma(40) - 1`` comes out
    as ``-sigma(-40) = -4.2e-18`` rather than 0. Infinite logits are allowed, as in the loss:
    the gradient there is the limit ``1 - p`` at ``+inf`` and ``-p`` at ``-inf``. Chapter 9
    (``chapters/09_gradients``) derives it.

    Parameters
    ----------
    labels : array_like
        Probabilities p in [0, 1], the same shape as ``logits``. Cast to the dtype of
        ``logits``.
    logits : array_like
        Logits x, any shape.
    reduction : {"none", "sum", "mean"}, default "none"
        As in :func:`crossent.reduce_loss`, applied to the elementwise losses: ``"mean"``
        divides by the number of elements (or by the sum of the weights).
    weights : array_like, optional
        Finite non-negative weights that broadcast to the shape of ``logits``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The gradient of every element, in ``logits``' shape and floating dtype.

    Raises
    ------
    ValueError
        If the shapes differ, ``labels`` holds NaN or a value outside [0, 1], ``logits`` holds
        NaN, ``reduction`` is unknown or ``weights`` are bad.
    TypeError
        If an input is not real-valued.

    Examples
    --------
    >>> import crossent
    >>> crossent.sigmoid_cross_entropy_grad([1, 0, 1], [0.0, 0.0, 40.0])
    array([-5.00000000e-01,  5.00000000e-01, -4.24835426e-18])
    >>> float(crossent.sigmoid_cross_entropy_grad(0, 1000.0))  # no exp(1000)
    1.0
    """
    check_reduction(reduction, REDUCTIONS)
    p = as_float_array(labels, "labels")
    x = as_float_array(logits, "logits")
    check_same_shape(p, "labels", x, "logits")
    check_probabilities(p, "labels")
    check_no_nan(x, "logits")
    p = p.astype(x.dtype, copy=False)
    with np.errstate(under="ignore"):  # sigma(-|x|) may round to 0: harmless
        e = np.exp(-np.abs(x))  # in [0, 1]: cannot overflow
        one_plus = 1 + e
        big = 1 / one_plus  # sigma(|x|)
        small = e / one_plus  # sigma(-|x|)
        positive = x >= 0
        sig_x = np.where(positive, big, small)
        sig_minus_x = np.where(positive, small, big)
        grad = np.asarray((1 - p) * sig_x - p * sig_minus_x, dtype=x.dtype)
    grad = _reduce_gradient(grad, reduction, weights, x.shape, None)
    return as_result(plus_zero(grad))
