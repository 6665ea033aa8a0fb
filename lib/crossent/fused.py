r"""The softmax cross-entropy and its gradient from one pass over the logits (chapter 9).

A training step needs both the loss and its gradient with respect to the logits, and both come
from the same numbers: with ``e_j = exp(z_j - max z)`` and ``S = sum_j e_j``,

.. math::

    L = -\sum_i p_i \left( z_i - \max z - \log S \right), \qquad
    \frac{\partial L}{\partial z_j} = \frac{e_j}{S} \sum_i p_i - p_j .

Called one after the other, :func:`crossent.softmax_cross_entropy_with_logits` and
:func:`crossent.softmax_cross_entropy_grad` each compute the maximum, the exponentials and
their sum. The functions here compute them once, row block by row block while the block is in
the cache, on every core, and return the same two results, to the bit, as the separate
functions (followed by :func:`crossent.reduce_loss` for the loss), with the same checks and the
same errors. TensorFlow's ``tf.raw_ops.SoftmaxCrossEntropyWithLogits`` does the same; the
benchmarks (``benchmarks/``, and the book's Performance page) compare the two.
"""

from __future__ import annotations

from ._kernels import checked_weights, dense_rows, sparse_rows
from ._validate import (
    as_class_ids,
    as_float_array,
    as_result,
    check_class_ids_shape,
    check_distribution,
    check_logits,
    check_reduction,
    check_same_shape,
    normalize_axis,
    plus_zero,
)
from .losses import REDUCTIONS, reduce_loss

__all__ = [
    "softmax_cross_entropy_value_and_grad",
    "sparse_softmax_cross_entropy_value_and_grad",
]


def softmax_cross_entropy_value_and_grad(labels, logits, axis=-1, reduction="none", weights=None):
    r"""The softmax cross-entropy and its gradient with respect to the logits, in one pass.

    .. math::

        L = \operatorname{reduce}\Big(-\sum_i p_i \log \mathrm{softmax}(z)_i\Big), \qquad
        \frac{\partial L}{\partial z_j} = \mathrm{softmax}(z)_j \sum_i p_i - p_j
        \ \text{(per example, then weighted as the reduction weights the losses)}

    Returns what ``reduce_loss(softmax_cross_entropy_with_logits(labels, logits, axis),
    reduction, weights)`` and ``softmax_cross_entropy_grad(labels, logits, axis, reduction,
    weights)`` return, to the bit, for every input, extreme and ``-inf`` logits included, with
    the same checks and errors, but computes the row maxima, the exponentials and their sums
    once, in row blocks that stay in the cache and on every core (``CROSSENT_NUM_THREADS``
    sets the number of threads). A training step needs both; chapter 9
    (``chapters/09_gradients``) derives the gradient and explains why they belong together.

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
        As in :func:`crossent.reduce_loss`: ``"none"`` gives one loss per example, ``"sum"``
        and ``"mean"`` one number; the gradient is that of the reduced loss.
    weights : array_like, optional
        Finite non-negative weights, one per example (the shape of the logits without
        ``axis``) or a single number. A weight of 0 masks an example.

    Returns
    -------
    loss : numpy.ndarray or numpy scalar
        One loss per example for ``"none"`` (the shape without ``axis``), else a scalar, in
        ``logits``' floating dtype.
    grad : numpy.ndarray
        The gradient, with ``logits``' shape and floating dtype.

    Raises
    ------
    ValueError
        As :func:`crossent.softmax_cross_entropy_grad`: an unknown ``reduction``; shapes that
        differ (both are named); labels that are not distributions along ``axis`` (the first
        bad row is named); NaN or ``+inf`` logits or a row of ``-inf``; a scalar, an empty or
        out of range ``axis``; bad ``weights``.
    TypeError
        If an input is not real-valued or ``axis`` is not an int.

    See Also
    --------
    sparse_softmax_cross_entropy_value_and_grad : the same with class ids as labels.

    Examples
    --------
    The article's batch (m = 2, n = 3), with the logits whose softmax is its q:

    >>> import numpy as np
    >>> import crossent
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> loss, grad = crossent.softmax_cross_entropy_value_and_grad(p, z)
    >>> loss.round(5)  # -ln 0.5 and -ln 0.8
    array([0.69315, 0.22314])
    >>> grad.round(6)  # q - p
    array([[-0.5,  0.2,  0.3],
           [-0.2,  0.1,  0.1]])
    >>> loss, grad = crossent.softmax_cross_entropy_value_and_grad(p, z, reduction="mean")
    >>> round(float(loss), 5), grad.round(6)  # the mean, and the gradient divided by m
    (0.45815, array([[-0.25,  0.1 ,  0.15],
           [-0.1 ,  0.05,  0.05]]))
    """
    check_reduction(reduction, REDUCTIONS)
    p = as_float_array(labels, "labels")
    z = as_float_array(logits, "logits")
    check_same_shape(p, "labels", z, "logits")
    ax = normalize_axis(axis, z, "logits")
    shape = z.shape[:ax] + z.shape[ax + 1 :]
    w, flat, total, error = checked_weights(weights, shape, z.dtype)
    if error is not None:
        check_distribution(p, "labels", ax)
        check_logits(z, "logits", ax)
        raise error
    neg_loss, grad = dense_rows(
        p,
        z,
        ax,
        want_loss=True,
        want_grad=True,
        weights=flat,
        total=total,
        scale=reduction == "mean",
    )
    losses = as_result(plus_zero(-neg_loss.reshape(shape)))
    return reduce_loss(losses, reduction, w), grad


def sparse_softmax_cross_entropy_value_and_grad(labels, logits, reduction="none", weights=None):
    r"""The softmax cross-entropy with class ids, and its gradient, in one pass.

    .. math::

        L = \operatorname{reduce}\big(\operatorname{logsumexp}(z) - z_k\big), \qquad
        \frac{\partial L}{\partial z_j} = \mathrm{softmax}(z)_j - [j = k]
        \ \text{(per example, then weighted as the reduction weights the losses)}

    with k the example's class. Returns what
    ``reduce_loss(sparse_softmax_cross_entropy_with_logits(labels, logits), reduction,
    weights)`` and ``sparse_softmax_cross_entropy_grad(labels, logits, reduction, weights)``
    return, to the bit, with the same checks and errors, from one pass over the logits, as
    :func:`softmax_cross_entropy_value_and_grad` does for dense labels. The class axis is the
    last axis of ``logits``. Chapter 9 (``chapters/09_gradients``) derives the gradient.

    Parameters
    ----------
    labels : array_like of int
        Class ids in [0, n), of shape ``logits.shape[:-1]``.
    logits : array_like
        Logits of shape ``(..., n)``.
    reduction : {"none", "sum", "mean"}, default "none"
        As in :func:`crossent.reduce_loss`.
    weights : array_like, optional
        One finite non-negative weight per example, or a single number.

    Returns
    -------
    loss : numpy.ndarray or numpy scalar
        One loss per example for ``"none"`` (shape ``logits.shape[:-1]``), else a scalar, in
        ``logits``' floating dtype.
    grad : numpy.ndarray
        The gradient, with ``logits``' shape and floating dtype.

    Raises
    ------
    ValueError
        As :func:`crossent.sparse_softmax_cross_entropy_grad`: an unknown ``reduction``;
        labels of the wrong shape (both shapes are named) or outside [0, n) (the value, its
        index and n are named); logits that break the rules of :func:`crossent.softmax` or
        have no class axis; bad ``weights``.
    TypeError
        If ``labels`` is not an integer array or ``logits`` is not real-valued.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> loss, grad = crossent.sparse_softmax_cross_entropy_value_and_grad([0, 2], z)
    >>> loss.round(5)  # -ln 0.5 and -ln 0.1
    array([0.69315, 2.30259])
    >>> grad.round(6)
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
    check_class_ids_shape(k.shape, z.shape, dense="softmax_cross_entropy_value_and_grad")
    ax = normalize_axis(-1, z, "logits")
    w, flat, total, error = checked_weights(weights, k.shape, z.dtype)
    if error is not None:
        check_logits(z, "logits", ax)
        raise error
    loss, grad = sparse_rows(
        k,
        z,
        want_loss=True,
        want_grad=True,
        weights=flat,
        total=total,
        scale=reduction == "mean",
    )
    return reduce_loss(as_result(loss.reshape(k.shape)), reduction, w), grad
