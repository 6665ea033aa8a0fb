r"""Training a classifier with softmax and cross-entropy, from scratch (chapter 10).

Small enough to read in one sitting: two models, five training objectives, one loop.

Models (parameters are NumPy arrays in the dict ``model.params``, updated in place):

- :class:`SoftmaxRegression`: logits ``Z = X W + b`` with ``X`` of shape (m, d), ``W`` (d, n),
  ``b`` (n,), so ``Z`` is (m, n).
- :class:`MLP`: one hidden layer of ReLU units, ``Z = relu(X W1 + b1) W2 + b2``.

Each model has ``logits(X)``, ``backward(X, dZ)`` (the chain rule from ``dL/dZ`` to every
parameter) and ``loss_and_gradients(X, labels, objective)``. For softmax regression the chain
rule through ``Z = XW + b`` gives, with the mean cross-entropy's ``dL/dZ = (Q - P)/m``
(chapter 9),

.. math::

    \frac{\partial L}{\partial W} = X^\top \frac{Q - P}{m}, \qquad
    \frac{\partial L}{\partial b} = \frac{1}{m} \sum_{r=1}^{m} (q_r - p_r).

Objectives are functions ``objective(labels, logits) -> (value, dL/dlogits)``: the mean over
the m examples of a per-example loss, and its gradient. :func:`cross_entropy` is the right one;
the others are the source article's shortcuts, kept so that a chapter can train with them and
show what they do: :func:`whole_matrix_mean` (``reduce_mean`` over all m·n entries),
:func:`clipped_cross_entropy` (``clip_by_value(q, 1e-10, 1)`` before the log),
:func:`squared_error` (on softmax outputs) and :func:`per_class_binary_cross_entropy` ("the
other form": a binary cross-entropy per output node, on softmax outputs). Labels are class ids
(shape (m,)) or distributions (shape (m, n)), and every objective validates them.

Chapter 11 adds objective factories, each returning an objective: :func:`distillation` (soft
targets at a temperature, passed to :func:`train` with ``targets=``),
:func:`class_weighted_cross_entropy` (Keras' ``class_weight``) and :func:`focal` (the focal
loss), and :func:`load_digits_split`, chapter 10's data.

Training: :func:`batches` (a shuffled split into mini-batches), :func:`sgd_step` (one step of
gradient descent), :func:`evaluate` (mean cross-entropy and accuracy) and :func:`train` (epochs
of shuffled mini-batches, with a learning curve recorded once per epoch).
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_class_ids,
    as_float_array,
    check_distribution,
    check_logits,
    check_positive_finite,
)
from .gradients import softmax_cross_entropy_grad, sparse_softmax_cross_entropy_grad
from .losses import (
    _one_minus_softmax,
    focal_loss_with_logits,
    reduce_loss,
    softmax_cross_entropy_with_logits,
    sparse_softmax_cross_entropy_with_logits,
)
from .softmax import log_softmax, logsumexp, softmax

__all__ = [
    "MLP",
    "DigitsSplit",
    "SoftmaxRegression",
    "accuracy",
    "batches",
    "class_weighted_cross_entropy",
    "clipped_cross_entropy",
    "cross_entropy",
    "distillation",
    "evaluate",
    "focal",
    "load_digits_split",
    "per_class_binary_cross_entropy",
    "sgd_step",
    "squared_error",
    "train",
    "whole_matrix_mean",
]


# --- Input checks -------------------------------------------------------------------------------


def _features(X, n_features: int | None = None) -> np.ndarray:
    """Return ``X`` as a finite (m, d) float array, checking d when the model fixes it."""
    X = as_float_array(X, "X")
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D array of shape (m examples, d features); got shape {X.shape}"
        )
    if not np.isfinite(X).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(X))[0])
        raise ValueError(f"X must be finite; X[{where[0]}, {where[1]}] = {X[where]}")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(
            f"X must have {n_features} features (columns), as the model's first weight "
            f"matrix has {n_features} rows; got X shape {X.shape}"
        )
    return X


def _labels(labels, logits: np.ndarray) -> tuple[np.ndarray, bool]:
    """Return ``(labels, sparse)``: class ids of shape (m,) or distributions of shape (m, n)."""
    m, n = logits.shape
    arr = np.asarray(labels)
    if arr.ndim == 1:
        ids = as_class_ids(arr, "labels", n)
        if ids.shape[0] != m:
            raise ValueError(
                f"labels must hold one class id per example: {m} (one per row of the logits, "
                f"that is of X); got {ids.shape[0]} labels"
            )
        return ids, True
    if arr.ndim == 2:
        p = as_float_array(arr, "labels")
        if p.shape != (m, n):
            raise ValueError(
                f"labels as distributions must have shape (m, n) = {(m, n)}, one row per "
                f"example and one column per class; got shape {p.shape}"
            )
        return p, False
    raise ValueError(
        f"labels must be class ids of shape (m,) = ({m},) or distributions of shape "
        f"(m, n) = {(m, n)}; got shape {arr.shape}"
    )


def _dense(labels: np.ndarray, sparse: bool, logits: np.ndarray) -> np.ndarray:
    """One-hot rows for class ids; distributions as they are (cast to the logits' dtype)."""
    if not sparse:
        check_distribution(labels, "labels", 1)
        return labels.astype(logits.dtype, copy=False)
    p = np.zeros_like(logits)
    p[np.arange(len(labels)), labels] = 1
    return p


def _check_2d_logits(logits) -> np.ndarray:
    z = as_float_array(logits, "logits")
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(
            f"logits must be a non-empty 2-D array of shape (m examples, n classes); got "
            f"shape {z.shape}"
        )
    check_logits(z, "logits", 1)  # no NaN, no +inf, a finite logit in every row
    return z


def _generator(rng) -> np.random.Generator:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            "rng must be a numpy.random.Generator (np.random.default_rng(seed)); got "
            f"{type(rng).__name__}"
        )
    return rng


def _positive_int(value, name: str, allow_zero: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int; got {type(value).__name__} {value!r}")
    low = 0 if allow_zero else 1
    if value < low:
        raise ValueError(f"{name} must be an int >= {low}; got {value}")
    return int(value)


# --- Objectives ----------------------------------------------------------------------------------


def cross_entropy(labels, logits):
    r"""Mean cross-entropy over the examples, and its gradient ``(Q - P) / m``.

    .. math:: L = \frac{1}{m} \sum_{r=1}^{m} H(p_r, \mathrm{softmax}(z_r)), \qquad
              \frac{\partial L}{\partial Z} = \frac{Q - P}{m}

    computed from the logits by :func:`crossent.sparse_softmax_cross_entropy_with_logits` (class
    ids) or :func:`crossent.softmax_cross_entropy_with_logits` (distributions) and their
    closed-form gradients, so it is stable at any logit.

    Parameters
    ----------
    labels : array_like
        Class ids in [0, n) of shape (m,), or target distributions of shape (m, n).
    logits : array_like
        Logits Z of shape (m, n).

    Returns
    -------
    value : float
        The mean loss in nats.
    grad : numpy.ndarray
        ``dL/dZ``, of shape (m, n).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> value, grad = training.cross_entropy([0, 0], np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]))
    >>> round(value, 6)  # (ln 2 + ln 1.25) / 2
    0.458145
    >>> grad.round(6)
    array([[-0.25,  0.1 ,  0.15],
           [-0.1 ,  0.05,  0.05]])
    """
    z = _check_2d_logits(logits)
    labels, sparse = _labels(labels, z)
    if sparse:
        losses = sparse_softmax_cross_entropy_with_logits(labels, z)
        grad = sparse_softmax_cross_entropy_grad(labels, z, reduction="mean")
    else:
        losses = softmax_cross_entropy_with_logits(labels, z)
        grad = softmax_cross_entropy_grad(labels, z, reduction="mean")
    return float(reduce_loss(losses)), grad


def whole_matrix_mean(labels, logits):
    r"""The article's ``reduce_mean(-p * log(q))``: one mean over all m·n entries.

    .. math:: L = \frac{1}{mn} \sum_{r=1}^{m} \sum_{i=1}^{n} -p_{ri} \log q_{ri}
              = \frac{1}{n} \cdot \text{(mean cross-entropy)}, \qquad
              \frac{\partial L}{\partial Z} = \frac{Q - P}{mn}

    The value and the gradient are those of :func:`cross_entropy` divided by n, so training
    with it is training with a learning rate n times smaller (chapter 7). Computed from the
    logits (the article's clip is :func:`clipped_cross_entropy`).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    >>> round(training.whole_matrix_mean([0, 0], z)[0] * 3, 6)  # times n = the mean
    0.458145
    """
    value, grad = cross_entropy(labels, logits)
    n = grad.shape[1]
    grad /= n
    return value / n, grad


def clipped_cross_entropy(labels, logits, q_min=1e-10):
    r"""Mean cross-entropy of clipped probabilities, ``-log(clip(q, q_min, 1))``, and its gradient.

    .. math:: L = \frac{1}{m} \sum_{r} \sum_{i} -p_{ri} \log \max(q_{ri}, q_{\min})

    The article's ``tf.clip_by_value(y, 1e-10, 1.0)`` before ``tf.log``. Where a probability is
    clipped (``q < q_min``) the clip's derivative is 0, so that entry passes no gradient back:
    an example whose true-class probability is below ``q_min`` stops learning (chapter 9). The
    gradient is the chain rule through the clip and the softmax Jacobian
    ``J = diag(q) - q q^T``, as TensorFlow's automatic differentiation computes it:
    ``dL/dz = g - q sum(g)`` with ``g_i = -p_i / m`` where ``q_i >= q_min`` and 0 where clipped
    (``q_i g_i`` is computed as ``-p_i / m``, with no division by q).

    Parameters
    ----------
    labels, logits : array_like
        As in :func:`cross_entropy`.
    q_min : float, default 1e-10
        The clip threshold, in (0, 1).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> value, grad = training.clipped_cross_entropy([1], [[30.0, 0.0, 0.0]])
    >>> round(value, 4)  # -ln(1e-10), not the true 30 nats
    23.0259
    >>> grad  # the clipped class passes nothing back: no gradient at all
    array([[0., 0., 0.]])
    """
    if isinstance(q_min, bool) or not isinstance(q_min, numbers.Real):
        raise TypeError(
            f"q_min must be a real number in (0, 1); got {type(q_min).__name__} {q_min!r}"
        )
    q_min = float(q_min)
    if not 0 < q_min < 1:
        raise ValueError(
            f"q_min must be in (0, 1), the smallest probability the log is taken of; got {q_min!r}"
        )
    z = _check_2d_logits(logits)
    labels, sparse = _labels(labels, z)
    p = _dense(labels, sparse, z)
    m = z.shape[0]
    q = softmax(z)
    kept = q >= q_min
    with np.errstate(divide="ignore"):
        logq = np.where(kept, log_softmax(z), np.log(q_min))
    value = float(np.sum(-p * logq, dtype=np.float64) / m)
    qg = np.where(kept, -p / m, 0).astype(z.dtype)  # q_i * dL/dq_i
    grad = qg - q * qg.sum(axis=1, keepdims=True)
    return value, grad + 0.0


def squared_error(labels, logits):
    r"""Mean squared error between softmax outputs and labels, and its gradient.

    .. math:: L = \frac{1}{m} \sum_{r} \sum_{i} (q_{ri} - p_{ri})^2, \qquad
              \frac{\partial L}{\partial z_r} = J_r^\top \frac{2 (q_r - p_r)}{m}

    with ``J = diag(q) - q q^T`` the softmax Jacobian: ``dL/dz = q * (g - sum(q * g))`` with
    ``g = 2(q - p)/m``. Because J carries a factor q, the gradient vanishes when the true class
    has a tiny probability: the confidently wrong example stalls (chapter 9).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> value, grad = training.squared_error([0], [[0.0, 0.0]])
    >>> value  # (1/2 - 1)^2 + (1/2)^2
    0.5
    >>> grad
    array([[-0.5,  0.5]])
    """
    z = _check_2d_logits(logits)
    labels, sparse = _labels(labels, z)
    p = _dense(labels, sparse, z)
    m = z.shape[0]
    q = softmax(z)
    value = float(np.sum((q - p) ** 2, dtype=np.float64) / m)
    g = 2 * (q - p) / m
    grad = q * (g - np.sum(q * g, axis=1, keepdims=True))
    return value, grad + 0.0


def per_class_binary_cross_entropy(labels, logits):
    r""" "The other form": a binary cross-entropy per output node, on softmax outputs.

    .. math:: L = \frac{1}{m} \sum_{r} \sum_{i}
              -\big[p_{ri} \log q_{ri} + (1 - p_{ri}) \log(1 - q_{ri})\big],
              \qquad q_r = \mathrm{softmax}(z_r)

    The loss of independent sigmoid outputs (chapter 6) applied to softmax probabilities, as
    a reader of the article might. Computed without losing precision when a probability is
    near 0 or 1: ``log q`` is :func:`crossent.log_softmax`, and ``log(1 - q_i)`` is
    ``logsumexp`` over the other classes minus ``logsumexp`` over all. Its derivative is
    ``q - [j = i] q^{(-i)}`` with ``q^{(-i)}_j = exp(z_j - logsumexp_{l != i} z_l)`` the softmax
    without class i, so, for one example,

    .. math:: \frac{\partial L}{\partial z_j}
              = n q_j - p_j - \sum_{i \ne j} (1 - p_i)\, q^{(-i)}_j ,

    with every term at most n: no ``1 / (1 - q)`` that would blow up at a confident output.
    For the most probable class j of each row, whose ``q_j`` may be within eps of 1, these
    terms are near 1 and cancel, leaving a rounding error of eps where the derivative can be
    far smaller. There the same derivative is computed from the complements
    ``c_j = 1 - q_j`` and ``c^{(-i)}_j = 1 - q^{(-i)}_j`` (each the exponential of a
    difference of logsumexps, so accurate however small) and ``s = sum_i p_i``:

    .. math:: \frac{\partial L}{\partial z_j}
              = 1 + s - 2 p_j - n c_j + \sum_{i \ne j} (1 - p_i)\, c^{(-i)}_j ,

    small terms for a small result, so the gradient keeps its relative precision (and sums
    to 0 over the classes) even for a confident right answer. The cost is O(m n^2), fine for a
    few dozen classes.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> value, grad = training.per_class_binary_cross_entropy([0], [[0.0, 0.0]])
    >>> round(value, 6)  # two nodes at q = 1/2: 2 ln 2
    1.386294
    >>> grad  # twice the cross-entropy's q - p when n = 2
    array([[-1.,  1.]])
    """
    z = _check_2d_logits(logits)
    labels, sparse = _labels(labels, z)
    p = _dense(labels, sparse, z)
    m, n = z.shape
    if n < 2:
        raise ValueError(f"logits must have at least 2 classes for this loss; got n = {n}")
    rows = np.arange(m)
    top = np.argmax(z, axis=1)  # (m,): the most probable class j of each row
    is_top = np.arange(n) == top[:, np.newaxis]  # (m, n)
    lse = logsumexp(z, axis=-1, keepdims=True)  # (m, 1)
    eye = np.eye(n, dtype=bool)
    others = np.where(eye, -np.inf, z[:, np.newaxis, :])  # (m, i, j): class i left out
    neither = np.where(eye | is_top[:, np.newaxis, :], -np.inf, z[:, np.newaxis, :])  # i and top
    with np.errstate(divide="ignore", under="ignore", invalid="ignore"):
        lse_others = _logsumexp_or_minus_inf(others)  # (m, i)
        log1mq = lse_others - lse  # log(1 - q_i)
        logq = z - lse
        both = np.where(p > 0, p * logq, 0) + np.where(p < 1, (1 - p) * log1mq, 0)
        shifted = others - lse_others[..., np.newaxis]
        q_without = np.where(np.isneginf(others), 0, np.exp(shifted))  # (m, i, j), 0 at j = i
        # complements for the top class: c_top = 1 - q_top, c_without[i] = 1 - q^{(-i)}_top
        c_top = np.exp(log1mq[rows, top])
        c_without = np.exp(_logsumexp_or_minus_inf(neither) - lse_others)
        c_without = np.where(is_top, 0, c_without)  # (m, i): i = top is not in the sum
    value = float(-np.sum(both, dtype=np.float64) / m) + 0.0  # no -0.0
    grad = n * np.exp(logq) - p - np.einsum("ri,rij->rj", 1 - p, q_without)
    grad[rows, top] = (
        1 + p.sum(axis=1) - 2 * p[rows, top] - n * c_top + np.sum((1 - p) * c_without, axis=1)
    )
    grad /= m
    return value, grad + 0.0


def _logsumexp_or_minus_inf(a: np.ndarray) -> np.ndarray:
    """``logsumexp`` over the last axis, -inf for rows that are -inf everywhere.

    (:func:`crossent.logsumexp` refuses such rows; here they are a class left alone, whose
    ``1 - q`` is 0.)"""
    empty = np.isneginf(a).all(axis=-1)
    return np.where(empty, -np.inf, logsumexp(np.where(empty[..., np.newaxis], 0, a), axis=-1))


# --- Chapter 11: objective factories -------------------------------------------------------------


def distillation(temperature):
    r"""An objective for knowledge distillation at temperature T: soft targets -> (value, grad).

    The returned ``objective(targets, logits)`` takes the teacher's softened distributions
    ``p^T = softmax(teacher_logits / T)`` (shape (m, n); class ids give one-hot rows) and the
    student's logits Z, and returns

    .. math:: L = \frac{1}{m} \sum_r T^2 \, H\!\left(p^T_r, \mathrm{softmax}(z_r / T)\right),
              \qquad \frac{\partial L}{\partial Z} = \frac{T\,(Q^T - P^T)}{m}

    with ``Q^T = softmax(Z / T)`` (Hinton, Vinyals and Dean 2015): the factor T² makes the
    gradient ``T (Q^T - P^T)``, whose size does not shrink as T grows. Pass the targets to
    :func:`train` with ``targets=``. :func:`crossent.distillation_loss` is the per-example
    loss from both sets of logits. Chapter 11 explains it.

    Parameters
    ----------
    temperature : float
        T, positive and finite.

    Returns
    -------
    function
        ``objective(targets, logits) -> (value, dL/dlogits)``.

    Raises
    ------
    ValueError
        If ``temperature`` is not positive and finite.
    TypeError
        If ``temperature`` is not a real number.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> objective = training.distillation(2.0)
    >>> value, grad = objective([[0.5, 0.5]], [[2.0, 0.0]])
    >>> round(value, 6)  # 4 * H((1/2, 1/2), softmax((1, 0)))
    3.253047
    >>> grad.round(6)  # 2 * (softmax((1, 0)) - 1/2)
    array([[ 0.462117, -0.462117]])
    """
    temp = check_positive_finite(temperature, "temperature")

    def objective(labels, logits):
        z = _check_2d_logits(logits)
        labels, sparse = _labels(labels, z)
        p = _dense(labels, sparse, z)
        m = z.shape[0]
        t = z.dtype.type(temp)
        zt = z / t
        losses = softmax_cross_entropy_with_logits(p, zt)
        grad = t * (softmax(zt) - p) / z.dtype.type(m)
        return float(t * t * reduce_loss(losses)), grad + 0.0

    objective.__name__ = f"distillation(temperature={temp!r})"
    objective.__qualname__ = objective.__name__
    return objective


def class_weighted_cross_entropy(class_weights):
    r"""An objective for class ids whose cross-entropy weighs each example by its class.

    The returned ``objective(labels, logits)`` computes, for class ids k_r and weights w,

    .. math:: L = \frac{1}{m} \sum_{r=1}^{m} w_{k_r} H(p_r, \mathrm{softmax}(z_r)), \qquad
              \frac{\partial L}{\partial z_r} = \frac{w_{k_r} (q_r - p_r)}{m}

    divided by the batch size m, not by the sum of the weights: Keras' default
    ``"sum_over_batch_size"`` reduction. This is what Keras 3 does with
    ``model.fit(..., class_weight={k: w_k})``: it turns the dict into
    ``sample_weight = w[k_r]`` (a class missing from the dict gets weight 1), and the loss
    sums ``w_{k_r} CE_r`` and divides by the number of examples in the batch
    (``tests/package/test_tf_agreement.py`` checks one step of ``fit`` against this
    objective). Weights that average 1 over the training examples keep the learning rate's
    meaning. Chapter 11 uses it for imbalanced classes.

    Parameters
    ----------
    class_weights : array_like, shape (n,)
        One finite non-negative weight per class.

    Returns
    -------
    function
        ``objective(labels, logits) -> (value, dL/dlogits)``, labels class ids (m,).

    Raises
    ------
    ValueError
        If ``class_weights`` is not a non-empty 1-D array of finite non-negative numbers; the
        objective raises if the logits do not have one column per weight or the labels are
        not class ids.
    TypeError
        If ``class_weights`` is not real-valued.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> objective = training.class_weighted_cross_entropy([1.0, 3.0])
    >>> value, grad = objective(np.array([0, 1]), np.zeros((2, 2)))
    >>> round(value / float(np.log(2)), 6)  # (1 + 3) ln 2 / 2
    2.0
    >>> grad  # w_k (q - p) / m
    array([[-0.25,  0.25],
           [ 0.75, -0.75]])
    """
    w = as_float_array(class_weights, "class_weights").astype(np.float64)
    if w.ndim != 1 or w.size == 0:
        raise ValueError(
            f"class_weights must be a 1-D array with one weight per class; got shape {w.shape}"
        )
    if not (np.isfinite(w) & (w >= 0)).all():
        where = int(np.argwhere(~(np.isfinite(w) & (w >= 0)))[0, 0])
        raise ValueError(
            f"class_weights must be finite and non-negative; class_weights[{where}] = {w[where]}"
        )
    w = w.copy()

    def objective(labels, logits):
        z = _check_2d_logits(logits)
        if z.shape[1] != w.size:
            raise ValueError(
                f"logits must have one column per class weight, {w.size}; got shape {z.shape}"
            )
        if np.asarray(labels).ndim != 1:
            raise ValueError(
                f"labels must be class ids of shape (m,) for class_weighted_cross_entropy; got "
                f"shape {np.asarray(labels).shape}"
            )
        ids, _ = _labels(labels, z)
        m = z.shape[0]
        weights = w[ids].astype(z.dtype)
        losses = sparse_softmax_cross_entropy_with_logits(ids, z)
        grad = sparse_softmax_cross_entropy_grad(ids, z, reduction="none")
        grad *= weights[:, np.newaxis] / z.dtype.type(m)
        value = float(np.sum(weights * losses, dtype=np.float64) / m)
        return value, grad + 0.0

    objective.__name__ = "class_weighted_cross_entropy"
    return objective


def focal(gamma):
    r"""An objective for the mean focal loss with parameter gamma, and its gradient.

    The returned ``objective(labels, logits)`` gives the mean over the m examples of
    :func:`crossent.focal_loss_with_logits`, ``L_r = -sum_i p_i (1 - q_i)^gamma log q_i``, and

    .. math:: \frac{\partial L_r}{\partial z_j} = -p_j g_j + q_j \sum_i p_i g_i, \qquad
              g_i = (1 - q_i)^{\gamma} \left(1 - \gamma\, q_i\,
              \frac{\log q_i}{1 - q_i}\right)

    divided by m. (From ``dq_i/dz_j = q_i([i = j] - q_j)``: each term ``p_i a_i log q_i``,
    ``a_i = (1 - q_i)^gamma``, has derivative ``p_i g_i ([i = j] - q_j)``.) The ratio
    ``log q_i / (1 - q_i)`` tends to -1 as ``q_i -> 1``, so it is computed from the
    cancellation-free ``1 - q_i`` and no power ``(1 - q_i)^(gamma - 1)`` is formed: the
    gradient is finite for every gamma >= 0. For each row's most probable class t the
    derivative is computed as ``-p_t g_t (1 - q_t) + q_t sum_{i != t} p_i g_i``, which is the
    same number without the cancellation of ``-p_t g_t + q_t p_t g_t`` when ``q_t`` is near 1.
    ``gamma = 0`` gives ``(Q - P)/m``, the cross-entropy's. Chapter 11 explains it.

    Parameters
    ----------
    gamma : float
        A finite number >= 0.

    Returns
    -------
    function
        ``objective(labels, logits) -> (value, dL/dlogits)``; labels class ids (m,) or
        distributions (m, n).

    Raises
    ------
    ValueError, TypeError
        As :func:`crossent.focal_loss_with_logits` for ``gamma``.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> value, grad = training.focal(0.0)([0], [[0.0, 0.0]])  # the cross-entropy
    >>> round(value, 6), grad
    (0.693147, array([[-0.5,  0.5]]))
    >>> value, grad = training.focal(2.0)([0], [[0.0, 0.0]])
    >>> round(value, 6)  # (1/2)^2 ln 2
    0.173287
    """
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise TypeError(
            f"gamma must be a real number >= 0 (the focusing exponent; 0 gives the "
            f"cross-entropy); got {type(gamma).__name__}"
        )
    g = float(gamma)
    if not np.isfinite(g) or g < 0:
        raise ValueError(
            f"gamma must be a finite number >= 0 (the focusing exponent; 0 gives the "
            f"cross-entropy); got {g!r}"
        )

    def objective(labels, logits):
        z = _check_2d_logits(logits)
        labels, sparse = _labels(labels, z)
        p = _dense(labels, sparse, z)
        m = z.shape[0]
        losses = focal_loss_with_logits(p, z, gamma=g)
        logq = log_softmax(z)
        q = softmax(z)
        omq = _one_minus_softmax(z, 1)
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            ratio = np.where(omq > 0, logq / np.where(omq > 0, omq, 1), -1.0)
            q_ratio = np.where(q > 0, q * ratio, 0.0)  # q log q / (1 - q) -> 0 as q -> 0
            gi = omq ** z.dtype.type(g) * (1 - z.dtype.type(g) * q_ratio)
        pg = np.where(p > 0, p * gi, 0.0).astype(z.dtype)
        grad = -pg + q * pg.sum(axis=1, keepdims=True)
        # the most probable class t: -p_t g_t + q_t (p_t g_t + S') = -p_t g_t (1 - q_t) + q_t S'
        # with S' the sum over the other classes, so that a q_t near 1 cancels nothing
        top = np.argmax(z, axis=1)[:, np.newaxis]
        pg_top = np.take_along_axis(pg, top, axis=1)
        others = pg.sum(axis=1, keepdims=True, where=np.arange(z.shape[1]) != top)
        grad_top = -pg_top * np.take_along_axis(omq, top, axis=1)
        grad_top += np.take_along_axis(q, top, axis=1) * others
        np.put_along_axis(grad, top, grad_top, axis=1)
        grad /= z.dtype.type(m)
        return float(reduce_loss(losses)), grad + 0.0

    objective.__name__ = f"focal(gamma={g!r})"
    objective.__qualname__ = objective.__name__
    return objective


OBJECTIVES = {
    "cross_entropy": cross_entropy,
    "whole_matrix_mean": whole_matrix_mean,
    "clipped_cross_entropy": clipped_cross_entropy,
    "squared_error": squared_error,
    "per_class_binary_cross_entropy": per_class_binary_cross_entropy,
}


def _objective(objective):
    if isinstance(objective, str):
        if objective not in OBJECTIVES:
            names = ", ".join(repr(k) for k in OBJECTIVES)
            raise ValueError(f"objective must be a function or one of {names}; got {objective!r}")
        return OBJECTIVES[objective]
    if not callable(objective):
        raise TypeError(
            f"objective must be a function (labels, logits) -> (value, dL/dlogits) or a name; "
            f"got {type(objective).__name__}"
        )
    return objective


# --- Models ---------------------------------------------------------------------------------------


class _Model:
    """What both models share: parameters in a dict, prediction, copying, the loss."""

    params: dict

    def probabilities(self, X) -> np.ndarray:
        """Softmax of the logits: the predicted distribution of each example, (m, n)."""
        return softmax(self.logits(X))

    def predict(self, X) -> np.ndarray:
        """The most probable class id of each example, (m,)."""
        return np.argmax(self.logits(X), axis=1)

    def copy(self):
        """An independent copy (the arrays are copied)."""
        return type(self)(**{k: v.copy() for k, v in self.params.items()})

    def loss_and_gradients(self, X, labels, objective=cross_entropy):
        """Return ``(value, grads)``: the objective on ``(X, labels)`` and its gradient.

        ``grads`` has the keys of ``params``; the forward pass, the objective's ``dL/dZ`` and
        :meth:`backward` in one call. ``objective`` is a function ``(labels, logits) ->
        (value, dL/dlogits)`` or the name of one in this module.
        """
        objective = _objective(objective)
        X = _features(X, self.n_features)
        value, dZ = objective(labels, self.logits(X))
        return value, self.backward(X, dZ)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {v.shape}" for k, v in self.params.items())
        return f"{type(self).__name__}({shapes})"


def _weights(value, name: str, ndim: int) -> np.ndarray:
    arr = as_float_array(value, name)
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array; got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} must be finite; it holds NaN or inf")
    return arr.copy()


class SoftmaxRegression(_Model):
    r"""Softmax regression: logits ``Z = X W + b``, probabilities ``softmax(Z)``.

    Parameters
    ----------
    W : array_like, shape (d, n)
        Weights: column j scores class j from the d features.
    b : array_like, shape (n,), optional
        Biases (zeros when omitted).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> model = training.SoftmaxRegression.initialize(2, 3)  # W = 0, b = 0
    >>> model
    SoftmaxRegression(W: (2, 3), b: (3,))
    >>> X = np.array([[1.0, 2.0]])
    >>> value, grads = model.loss_and_gradients(X, [2])
    >>> round(value, 6)  # ln 3: all three classes equally likely
    1.098612
    >>> grads["W"].round(4)  # X^T (q - p) / m
    array([[ 0.3333,  0.3333, -0.6667],
           [ 0.6667,  0.6667, -1.3333]])
    """

    def __init__(self, W, b=None):
        W = _weights(W, "W", 2)
        b = np.zeros(W.shape[1], W.dtype) if b is None else _weights(b, "b", 1)
        if b.shape != (W.shape[1],):
            raise ValueError(
                f"b must have one entry per class, shape ({W.shape[1]},) as W has "
                f"{W.shape[1]} columns; got shape {b.shape}"
            )
        self.params = {"W": W, "b": b.astype(W.dtype, copy=False)}

    @classmethod
    def initialize(cls, n_features, n_classes, scale=0.0, rng=None):
        """A model with ``W`` drawn from N(0, scale²) (zeros when ``scale`` is 0) and ``b = 0``.

        Zeros are a fine start for softmax regression (its loss is convex); ``rng`` (a
        ``numpy.random.Generator``) is needed when ``scale > 0``.
        """
        d = _positive_int(n_features, "n_features")
        n = _positive_int(n_classes, "n_classes")
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
            raise TypeError(
                f"scale must be a real number >= 0; got {type(scale).__name__} {scale!r}"
            )
        if not (np.isfinite(scale) and scale >= 0):
            raise ValueError(f"scale must be a finite number >= 0; got {scale!r}")
        if scale == 0:
            return cls(np.zeros((d, n)))
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                "rng must be a numpy.random.Generator (np.random.default_rng(seed)) when "
                f"scale > 0; got {type(rng).__name__}"
            )
        return cls(scale * rng.standard_normal((d, n)))

    @property
    def n_features(self) -> int:
        return self.params["W"].shape[0]

    @property
    def n_classes(self) -> int:
        return self.params["W"].shape[1]

    def logits(self, X) -> np.ndarray:
        """``X W + b``, of shape (m, n)."""
        X = _features(X, self.n_features)
        return X @ self.params["W"] + self.params["b"]

    def backward(self, X, dZ) -> dict:
        """Gradients from ``dL/dZ``: ``{"W": X^T dZ, "b": dZ summed over the examples}``."""
        X = _features(X, self.n_features)
        dZ = _upstream(dZ, X.shape[0], self.n_classes)
        return {"W": X.T @ dZ, "b": dZ.sum(axis=0)}


def _upstream(dZ, m: int, n: int) -> np.ndarray:
    dZ = as_float_array(dZ, "dZ")
    if dZ.shape != (m, n):
        raise ValueError(f"dZ must have the logits' shape (m, n) = {(m, n)}; got shape {dZ.shape}")
    return dZ


class MLP(_Model):
    r"""A network with one hidden layer of ReLU units: ``Z = relu(X W1 + b1) W2 + b2``.

    Shapes, with d_hid hidden units: ``X`` (m, d), ``W1`` (d, d_hid), ``b1`` (d_hid,), ``W2``
    (d_hid, n), ``b2`` (n,). Backpropagation (:meth:`backward`) applies the chain rule layer by
    layer: with ``A = X W1 + b1`` the hidden units' inputs,

    .. math::

        \partial W_2 = \operatorname{relu}(A)^\top \partial Z,\quad
        \partial b_2 = \textstyle\sum_r \partial Z_r,\quad
        \partial A = (\partial Z\, W_2^\top) \odot [A > 0],\quad
        \partial W_1 = X^\top \partial A,\quad \partial b_1 = \textstyle\sum_r \partial A_r.

    The ReLU's derivative at exactly 0 is taken as 0, as TensorFlow does.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> model = training.MLP.initialize(4, 8, 3, rng=np.random.default_rng(0))
    >>> model
    MLP(W1: (4, 8), b1: (8,), W2: (8, 3), b2: (3,))
    >>> model.logits(np.ones((5, 4))).shape
    (5, 3)
    """

    def __init__(self, W1, b1, W2, b2):
        W1, W2 = _weights(W1, "W1", 2), _weights(W2, "W2", 2)
        b1, b2 = _weights(b1, "b1", 1), _weights(b2, "b2", 1)
        h = W1.shape[1]
        if W2.shape[0] != h:
            raise ValueError(
                f"W2 must have one row per hidden unit, {h} as W1 has {h} columns; got W2 "
                f"shape {W2.shape}"
            )
        if b1.shape != (h,):
            raise ValueError(f"b1 must have shape ({h},), one per hidden unit; got {b1.shape}")
        if b2.shape != (W2.shape[1],):
            raise ValueError(f"b2 must have shape ({W2.shape[1]},), one per class; got {b2.shape}")
        self.params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}

    @classmethod
    def initialize(cls, n_features, n_hidden, n_classes, rng):
        """He initialisation: ``W1 ~ N(0, 2/d)``, ``W2 ~ N(0, 1/d_hid)``, biases 0.

        The variance 2/d keeps the ReLU layer's outputs at the scale of its inputs
        (He et al. 2015); 1/d_hid makes the initial logits of order 1, so the first loss is
        near ln n.
        """
        d = _positive_int(n_features, "n_features")
        d_hid = _positive_int(n_hidden, "n_hidden")
        n = _positive_int(n_classes, "n_classes")
        rng = _generator(rng)
        W1 = rng.standard_normal((d, d_hid)) * np.sqrt(2 / d)
        W2 = rng.standard_normal((d_hid, n)) * np.sqrt(1 / d_hid)
        return cls(W1, np.zeros(d_hid), W2, np.zeros(n))

    @property
    def n_features(self) -> int:
        return self.params["W1"].shape[0]

    @property
    def n_classes(self) -> int:
        return self.params["W2"].shape[1]

    def _hidden(self, X):
        A = X @ self.params["W1"] + self.params["b1"]  # (m, d_hid) the hidden units' inputs
        return A, np.maximum(A, 0)  # relu(A), the hidden units' outputs

    def logits(self, X) -> np.ndarray:
        """``relu(X W1 + b1) W2 + b2``, of shape (m, n)."""
        X = _features(X, self.n_features)
        return self._hidden(X)[1] @ self.params["W2"] + self.params["b2"]

    def backward(self, X, dZ) -> dict:
        """Gradients of every parameter from ``dL/dZ`` (the hidden layer is recomputed)."""
        X = _features(X, self.n_features)
        dZ = _upstream(dZ, X.shape[0], self.n_classes)
        A, H = self._hidden(X)
        dA = (dZ @ self.params["W2"].T) * (A > 0)  # (m, d_hid) through the ReLU
        return {"W1": X.T @ dA, "b1": dA.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


# --- Training -------------------------------------------------------------------------------------


def accuracy(model, X, labels) -> float:
    """The fraction of examples whose most probable class is the label (class ids, (m,))."""
    X = _features(X, model.n_features)
    ids = as_class_ids(labels, "labels", model.n_classes)
    if ids.shape != (X.shape[0],):
        raise ValueError(
            f"labels must be class ids of shape (m,) = ({X.shape[0]},); got shape {ids.shape}"
        )
    return float(np.mean(model.predict(X) == ids))


def evaluate(model, X, labels) -> dict:
    """``{"loss": mean cross-entropy in nats, "accuracy": fraction right}`` on (X, labels).

    The loss is always the true cross-entropy, whatever objective the model was trained with,
    so curves of different objectives can be compared.
    """
    X = _features(X, model.n_features)
    return {
        "loss": cross_entropy(labels, model.logits(X))[0],
        "accuracy": accuracy(model, X, labels),
    }


def batches(m, batch_size, rng):
    """Shuffle the example indices 0..m-1 and split them into mini-batches.

    Returns a list of index arrays, each of ``batch_size`` indices except possibly the last,
    which holds the remainder; every example is in exactly one batch (one epoch).

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> parts = training.batches(5, 2, np.random.default_rng(0))
    >>> [len(b) for b in parts]
    [2, 2, 1]
    >>> sorted(np.concatenate(parts).tolist())  # every example once
    [0, 1, 2, 3, 4]
    """
    m = _positive_int(m, "m")
    batch_size = _positive_int(batch_size, "batch_size")
    rng = _generator(rng)
    order = rng.permutation(m)
    return [order[i : i + batch_size] for i in range(0, m, batch_size)]


def sgd_step(model, X, labels, learning_rate, objective=cross_entropy) -> float:
    """One step of gradient descent on one batch: ``theta <- theta - learning_rate * grad``.

    Updates ``model.params`` in place and returns the objective's value before the step.
    """
    learning_rate = check_positive_finite(learning_rate, "learning_rate")
    value, grads = model.loss_and_gradients(X, labels, objective)
    for name, grad in grads.items():
        model.params[name] -= learning_rate * grad
    return value


def train(
    model,
    X,
    labels,
    *,
    learning_rate,
    epochs,
    batch_size,
    rng,
    objective=cross_entropy,
    validation=None,
    metrics=None,
    targets=None,
) -> dict:
    """Train ``model`` in place by mini-batch SGD; return its learning curves.

    Each epoch shuffles the training examples with ``rng`` (:func:`batches`) and takes one
    :func:`sgd_step` per mini-batch. Before the first epoch and after each one, the curves
    record, on the whole training set (and on ``validation``):

    - ``"train_loss"``, ``"train_accuracy"`` (and ``"val_loss"``, ``"val_accuracy"``): the mean
      cross-entropy in nats and the accuracy (:func:`evaluate`), whatever the objective;
    - ``"objective"``: the objective being minimised, on the whole training set;
    - one entry per item of ``metrics``, a dict ``name -> function(model)`` returning a number.

    Parameters
    ----------
    model : SoftmaxRegression or MLP
        Trained in place.
    X : array_like, shape (m, d)
        Training features.
    labels : array_like of int, shape (m,)
        Training class ids in [0, n).
    learning_rate : float
        The step size, positive.
    epochs : int
        Passes over the training set (0 records only the start).
    batch_size : int
        Examples per step.
    rng : numpy.random.Generator
        Shuffles the batches.
    objective : function or str, default :func:`cross_entropy`
        ``(labels, logits) -> (value, dL/dlogits)`` or the name of one in this module.
    validation : tuple (X_val, labels_val), optional
    metrics : dict, optional
    targets : array_like, shape (m, n), optional
        Target distributions, one row per training example (soft labels: a teacher's
        softened probabilities for :func:`distillation`, smoothed labels). When given, each
        step passes the batch's rows of ``targets`` to the objective instead of its class
        ids, and so does the ``"objective"`` curve; the loss and accuracy curves still use
        ``labels`` (chapter 11). Without it, nothing changes.

    Returns
    -------
    dict of numpy.ndarray
        ``"epoch"`` (0, 1, ..., epochs) and the curves above, each of length ``epochs + 1``.

    Examples
    --------
    >>> import numpy as np
    >>> from crossent import training
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(-2, 1, (20, 1)), rng.normal(2, 1, (20, 1))]
    >>> labels = np.repeat([0, 1], 20)
    >>> model = training.SoftmaxRegression.initialize(1, 2)
    >>> curves = training.train(
    ...     model, X, labels, learning_rate=0.5, epochs=5, batch_size=8, rng=rng
    ... )
    >>> bool(curves["train_loss"][-1] < curves["train_loss"][0])  # from ln 2 downwards
    True
    """
    objective = _objective(objective)
    learning_rate = check_positive_finite(learning_rate, "learning_rate")
    epochs = _positive_int(epochs, "epochs", allow_zero=True)
    batch_size = _positive_int(batch_size, "batch_size")
    rng = _generator(rng)  # checked even when epochs = 0 draws nothing from it
    X = _features(X, model.n_features)
    ids = as_class_ids(labels, "labels", model.n_classes)
    if ids.shape != (X.shape[0],):
        raise ValueError(
            f"labels must be class ids, one per row of X: shape ({X.shape[0]},); got shape "
            f"{ids.shape}"
        )
    if targets is not None:
        targets = as_float_array(targets, "targets")
        if targets.shape != (X.shape[0], model.n_classes):
            raise ValueError(
                f"targets must be distributions of shape (m, n) = "
                f"{(X.shape[0], model.n_classes)}, one row per row of X and one column per "
                f"class; got shape {targets.shape}"
            )
        check_distribution(targets, "targets", 1)
    fed = ids if targets is None else targets  # what the objective sees
    if validation is not None:
        if not isinstance(validation, tuple | list) or len(validation) != 2:
            what = (
                f"a {type(validation).__name__} of length {len(validation)}"
                if isinstance(validation, tuple | list)
                else type(validation).__name__
            )
            raise TypeError(f"validation must be a pair (X_val, labels_val); got {what}")
        X_val = _features(validation[0], model.n_features)
        ids_val = as_class_ids(validation[1], "validation labels", model.n_classes)
        if ids_val.shape != (X_val.shape[0],):
            raise ValueError(
                f"validation labels must be class ids, one per row of X_val: shape "
                f"({X_val.shape[0]},); got shape {ids_val.shape}"
            )
    curves = {"epoch": [], "train_loss": [], "train_accuracy": [], "objective": []}
    if validation is not None:
        curves.update(val_loss=[], val_accuracy=[])
    metrics = {} if metrics is None else metrics
    if not isinstance(metrics, dict):
        raise TypeError(
            f"metrics must be a dict name -> function(model); got {type(metrics).__name__}"
        )
    for name, fn in metrics.items():
        if name in curves:
            raise ValueError(
                f"metrics must not reuse the name of a recorded curve; got {name!r} (taken: "
                f"{', '.join(repr(k) for k in curves)})"
            )
        if not callable(fn):
            raise TypeError(
                f"metrics[{name!r}] must be a function(model) returning a number; got "
                f"{type(fn).__name__}"
            )
    metrics = dict(metrics)
    curves.update({name: [] for name in metrics})

    def record(epoch):
        curves["epoch"].append(epoch)
        train_eval = evaluate(model, X, ids)
        curves["train_loss"].append(train_eval["loss"])
        curves["train_accuracy"].append(train_eval["accuracy"])
        curves["objective"].append(objective(fed, model.logits(X))[0])
        if validation is not None:
            val_eval = evaluate(model, X_val, ids_val)
            curves["val_loss"].append(val_eval["loss"])
            curves["val_accuracy"].append(val_eval["accuracy"])
        for name, fn in metrics.items():
            curves[name].append(float(fn(model)))

    record(0)
    for epoch in range(1, epochs + 1):
        for batch in batches(X.shape[0], batch_size, rng):
            sgd_step(model, X[batch], fed[batch], learning_rate, objective)
        record(epoch)
    return {name: np.asarray(values) for name, values in curves.items()}


# --- Chapter 11: the digits of chapter 10 --------------------------------------------------------


class DigitsSplit(NamedTuple):
    """The standardised digits, split 60/20/20 into training, validation and test sets."""

    X_train: np.ndarray
    k_train: np.ndarray
    X_val: np.ndarray
    k_val: np.ndarray
    X_test: np.ndarray
    k_test: np.ndarray


def load_digits_split(seed=10) -> DigitsSplit:
    """scikit-learn's 8x8 digits, split and standardised exactly as chapter 10 does.

    The 1797 images are shuffled by ``numpy.random.default_rng(seed).permutation(1797)``,
    split 60/20/20 (1078 training, 359 validation and 360 test images) and standardised with
    the training set's mean and standard deviation per pixel; pixels that are constant in the
    training set are divided by 1. With the default seed 10 these are chapter 10's arrays, bit
    for bit, so chapter 11 can start from the same data. scikit-learn is imported here, when
    the data are loaded.

    Parameters
    ----------
    seed : int, default 10
        The seed of the shuffle.

    Returns
    -------
    DigitsSplit
        ``X_train`` (1078, 64), ``k_train`` (1078,), ``X_val`` (359, 64), ``k_val``,
        ``X_test`` (360, 64), ``k_test``: float64 features and int class ids.

    Raises
    ------
    TypeError
        If ``seed`` is not an int.
    ModuleNotFoundError
        If scikit-learn is not installed.

    Examples
    --------
    >>> from crossent import training
    >>> data = training.load_digits_split()
    >>> data.X_train.shape, data.X_val.shape, data.X_test.shape
    ((1078, 64), (359, 64), (360, 64))
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be an int; got {type(seed).__name__} {seed!r}")
    from sklearn.datasets import load_digits

    digits = load_digits()
    X_all, k_all = digits.data, digits.target
    order = np.random.default_rng(int(seed)).permutation(len(k_all))
    n_train, n_val = int(0.6 * len(k_all)), int(0.2 * len(k_all))
    train_idx, val_idx, test_idx = np.split(order, [n_train, n_train + n_val])
    mean, std = X_all[train_idx].mean(axis=0), X_all[train_idx].std(axis=0)
    constant = std == 0
    X_std = (X_all - mean) / np.where(constant, 1.0, std)
    return DigitsSplit(
        X_std[train_idx],
        k_all[train_idx],
        X_std[val_idx],
        k_all[val_idx],
        X_std[test_idx],
        k_all[test_idx],
    )
