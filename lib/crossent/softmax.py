"""Softmax, log-softmax and log-sum-exp (chapter 4 of the book, ``chapters/04_softmax``).

Softmax turns a vector of raw scores, the *logits* z, into a probability distribution. The
textbook formula ``exp(z) / sum(exp(z))`` overflows as soon as a logit passes about 89 in
float32 or 710 in float64; :func:`softmax_naive` keeps it for the book to show that. Every
other function here subtracts the row maximum first (softmax does not change when the same
number is added to every logit), so no logit in the floating-point range overflows, and works
in log space where a logarithm is wanted, so that tiny probabilities do not underflow to 0.

Rules for logits, shared by every function here and in :mod:`crossent.losses`:

- ``-inf`` is allowed and means probability 0, as long as its row has a finite logit;
- ``+inf``, NaN, and a row that is ``-inf`` everywhere raise ValueError;
- float32 stays float32, float64 stays float64, integers and booleans become float64.

``axis`` is an int (default -1: the classes of a batch of shape (m, n)), a tuple of ints
(one distribution spans all those axes) or None (one distribution over every entry, SciPy's
default). :func:`logsumexp` also takes ``keepdims``.

The work is done in row blocks that stay in the cache, on every core (``crossent._kernels``,
shared with the losses and their gradients); the result does not depend on the blocking.
"""

from __future__ import annotations

import numpy as np

from ._kernels import log_normalizer_rows, softmax_rows
from ._validate import (
    as_class_ids,
    as_float_array,
    as_result,
    check_no_nan,
    check_positive_finite,
    normalize_axes,
)

__all__ = [
    "log_softmax",
    "logsumexp",
    "one_hot",
    "softmax",
    "softmax_jacobian",
    "softmax_naive",
]


def _logits(z, name: str, axis) -> tuple[np.ndarray, int | tuple[int, ...]]:
    """Return ``z`` as a floating array and ``axis`` checked, for NumPy's reductions.

    ``axis`` may be an int, a tuple of ints or None (every axis); the second value is a
    non-negative int for a single axis and a sorted tuple of distinct axes otherwise.
    """
    arr = as_float_array(z, name)
    axes = normalize_axes(axis, arr, name)
    return arr, axes[0] if len(axes) == 1 else axes


def one_hot(indices, n):
    r"""One-hot encode integer class ids: row ``k`` of the n×n identity for class ``k``.

    .. math:: \mathrm{one\_hot}(k)_i = 1 \text{ if } i = k \text{ else } 0

    This is the target distribution p of a classification example whose class is known for
    sure, the article's ``[0, 0, 1, 0, ..., 0]``. Chapter 7 compares one-hot labels with the
    integer labels of :func:`crossent.sparse_softmax_cross_entropy_with_logits`.

    Parameters
    ----------
    indices : array_like of int
        Class ids in [0, n), any shape (a batch of m ids has shape ``(m,)``).
    n : int
        The number of classes, at least 1.

    Returns
    -------
    numpy.ndarray
        float64 array of shape ``indices.shape + (n,)``, the class axis last.

    Raises
    ------
    ValueError
        If an index lies outside [0, n) (the message gives the value and where it is), or
        ``n < 1``.
    TypeError
        If ``indices`` is not an integer array (floats such as 2.0 included) or ``n`` is not
        an int.

    Examples
    --------
    >>> import crossent
    >>> crossent.one_hot([0, 2], 3)  # a batch of m = 2 examples, n = 3 classes
    array([[1., 0., 0.],
           [0., 0., 1.]])
    >>> crossent.one_hot([0, 3], 3)
    Traceback (most recent call last):
    ...
    ValueError: indices must be class ids in [0, n) with n = 3 classes; indices[1] = 3
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer):
        raise TypeError(f"n must be an int, the number of classes; got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"n must be at least 1 (the number of classes); got {n}")
    ids = as_class_ids(indices, "indices", int(n))
    out = np.zeros((*ids.shape, int(n)), dtype=np.float64)
    np.put_along_axis(out, ids[..., np.newaxis], 1.0, axis=-1)
    return out


def softmax(z, axis=-1, temperature=1.0):
    r"""Softmax: turn logits into a probability distribution, stably.

    .. math::

        \mathrm{softmax}(z)_i = \frac{e^{z_i / T}}{\sum_j e^{z_j / T}}
                              = \frac{e^{(z_i - z_{\max}) / T}}{\sum_j e^{(z_j - z_{\max}) / T}},
        \qquad z_{\max} = \max_j z_j

    Subtracting the row maximum z_max changes nothing mathematically but makes every exponent
    at most 0, so nothing overflows and the largest term is exactly 1, so the denominator
    cannot underflow to 0 either. The temperature T divides the logits: T > 1 flattens the
    distribution towards uniform, T < 1 sharpens it towards the arg max. Chapter 4
    (``chapters/04_softmax``) derives it and shows the naive formula failing.

    Parameters
    ----------
    z : array_like
        Logits, at least one dimension. ``-inf`` is allowed and gives probability 0.
    axis : int, tuple of ints or None, default -1
        The axis that holds the classes; other axes index examples. A tuple of axes makes
        one distribution of all the entries those axes span (the sum over all of them is
        1), and None one distribution of every entry of ``z``. ``scipy.special.softmax``
        defaults to None; here the default is the last axis, the classes of a batch of
        shape (m, n).
    temperature : float, default 1.0
        A positive finite number T.

    Returns
    -------
    numpy.ndarray
        Probabilities in [0, 1] that sum to 1 along ``axis``, with ``z``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``z`` contains NaN or ``+inf``, a row is ``-inf`` everywhere, ``z`` is a scalar or
        has an empty ``axis`` (or is empty, with ``axis=None``), ``axis`` is out of range,
        names an axis twice or is the empty tuple, or ``temperature`` is not a positive
        finite number.
    TypeError
        If ``z`` is not real-valued, ``axis`` is not an int, a tuple of ints or None, or
        ``temperature`` is not a number.

    See Also
    --------
    softmax_naive : the textbook formula, which overflows.
    log_softmax : its logarithm, computed without taking the log of a rounded probability.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> crossent.softmax([1.0, 2.0, 3.0]).round(4)
    array([0.09  , 0.2447, 0.6652])
    >>> crossent.softmax([1001.0, 1002.0, 1003.0]).round(4)  # the same: shift-invariant
    array([0.09  , 0.2447, 0.6652])
    >>> crossent.softmax([123.0, 456.0, 789.0]).round(4)  # naive: exp(789) = inf, nan out
    array([0., 0., 1.])
    >>> crossent.softmax([0.0, -float("inf")])  # a -inf logit has probability 0
    array([1., 0.])
    >>> crossent.softmax([1.0, 2.0, 3.0], temperature=10).round(4)  # hot: nearly uniform
    array([0.3006, 0.3322, 0.3672])

    A batch of m = 2 rows: by default each row is a distribution; ``axis=None`` makes one
    distribution of all four entries, as ``scipy.special.softmax`` does by default.

    >>> z = np.log([[1.0, 2.0], [3.0, 4.0]])
    >>> crossent.softmax(z).round(4)
    array([[0.3333, 0.6667],
           [0.4286, 0.5714]])
    >>> crossent.softmax(z, axis=None).round(4)  # (1, 2, 3, 4) / 10
    array([[0.1, 0.2],
           [0.3, 0.4]])
    """
    arr, ax = _logits(z, "z", axis)
    t = check_positive_finite(temperature, "temperature")
    return softmax_rows(arr, ax, t)  # row blocks on every core (crossent._kernels)


def softmax_naive(z, axis=-1):
    r"""The textbook softmax ``exp(z) / sum(exp(z))``, kept to show it overflowing.

    .. math:: \mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}

    **Do not use it for anything but the demonstration.** ``exp`` overflows to ``inf`` once a
    logit exceeds about 88.7 in float32 and 709.8 in float64, and then ``inf / inf`` gives
    ``nan``; very negative logits underflow to 0 and give ``0 / 0 = nan``. This function lets
    NumPy produce those ``inf`` and ``nan`` values exactly as the formula does, but silences
    NumPy's RuntimeWarning (with ``numpy.errstate``) so that notebooks stay free of stderr.
    Only the type, the axis and NaN in ``z`` are checked; infinite logits go straight into the
    formula. Chapter 4 (``chapters/04_softmax``) uses it; :func:`softmax` is the fix.

    Parameters
    ----------
    z : array_like
        Logits, at least one dimension.
    axis : int, tuple of ints or None, default -1
        The axis that holds the classes, a tuple of axes whose entries share one sum, or None
        for one sum over every entry, as in :func:`softmax`.

    Returns
    -------
    numpy.ndarray
        ``exp(z) / sum(exp(z))`` along ``axis``, with ``z``'s shape and dtype, possibly holding
        ``nan``.

    Raises
    ------
    ValueError
        If ``z`` contains NaN, is a scalar or has an empty ``axis`` (or is empty, with
        ``axis=None``), or ``axis`` is out of range, names an axis twice or is the empty tuple.
    TypeError
        If ``z`` is not real-valued or ``axis`` is not an int, a tuple of ints or None.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> crossent.softmax_naive([1.0, 2.0, 3.0]).round(4)  # fine for small logits
    array([0.09  , 0.2447, 0.6652])
    >>> crossent.softmax_naive([123.0, 456.0, 789.0])  # exp(789) overflows to inf
    array([ 0.,  0., nan])
    >>> crossent.softmax_naive(np.float32([89.0, 0.0]))  # float32 gives up sooner
    array([nan,  0.], dtype=float32)
    >>> crossent.softmax_naive([-800.0, -800.0])  # both exp underflow to 0: 0 / 0
    array([nan, nan])
    """
    arr, ax = _logits(z, "z", axis)
    check_no_nan(arr, "z")
    with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
        e = np.exp(arr)
        return e / e.sum(axis=ax, keepdims=True)


def log_softmax(z, axis=-1):
    r"""The logarithm of softmax, computed in log space.

    .. math::

        \log \mathrm{softmax}(z)_i = z_i - \operatorname{logsumexp}(z)
                                   = (z_i - z_{\max}) - \log \sum_j e^{z_j - z_{\max}}

    ``np.log(softmax(z))`` would round each probability first: one below about 1e-308 becomes
    0 and its log ``-inf``, although its true log (say -1000) is an ordinary number. Working in
    log space keeps every value finite for finite logits; this is how losses on logits avoid
    ``log 0``. Chapter 4 (``chapters/04_softmax``) explains it; chapter 5 uses it for the
    cross-entropy.

    Parameters
    ----------
    z : array_like
        Logits, at least one dimension. ``-inf`` is allowed and gives ``-inf``.
    axis : int, tuple of ints or None, default -1
        The axis that holds the classes, a tuple of axes that span one distribution, or None
        for one distribution over every entry, as in :func:`softmax` (and
        ``scipy.special.log_softmax``, whose default is None).

    Returns
    -------
    numpy.ndarray
        Log-probabilities (at most 0), with ``z``'s shape and dtype.

    Raises
    ------
    ValueError
        If ``z`` contains NaN or ``+inf``, a row is ``-inf`` everywhere, ``z`` is a scalar or
        has an empty ``axis`` (or is empty, with ``axis=None``), or ``axis`` is out of range,
        names an axis twice or is the empty tuple.
    TypeError
        If ``z`` is not real-valued or ``axis`` is not an int, a tuple of ints or None.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> crossent.log_softmax([0.0, 0.0]).round(6)  # log(1/2) twice
    array([-0.693147, -0.693147])
    >>> crossent.log_softmax([0.0, -1000.0])  # softmax gives 0 here, whose log is -inf
    array([    0., -1000.])
    >>> crossent.log_softmax(np.zeros((2, 2)), axis=None).round(6)  # log(1/4) four times
    array([[-1.386294, -1.386294],
           [-1.386294, -1.386294]])
    """
    arr, ax = _logits(z, "z", axis)
    return log_normalizer_rows(arr, ax, "z", log_softmax=True)


def logsumexp(z, axis=-1, keepdims=False):
    r"""Log-sum-exp, the log of softmax's denominator, without overflow.

    .. math::

        \operatorname{logsumexp}(z) = \log \sum_j e^{z_j}
                                    = z_{\max} + \log \sum_j e^{z_j - z_{\max}},
        \qquad z_{\max} = \max_j z_j

    It is a smooth maximum: ``max(z) <= logsumexp(z) <= max(z) + log n``. The sum is computed
    as ``z_max + log1p(sum over the other entries)``, so results near 0 keep their precision.
    Unlike ``scipy.special.logsumexp``, which returns ``-inf`` for a row of ``-inf`` and
    ``inf`` for ``+inf``, it follows the package's rules for logits and raises ValueError for
    both; SciPy's weights ``b`` and ``return_sign`` are not offered. Chapter 4
    (``chapters/04_softmax``) explains it.

    Parameters
    ----------
    z : array_like
        Logits, at least one dimension.
    axis : int, tuple of ints or None, default -1
        The axis to sum over, a tuple of axes to sum over together, or None to sum every
        entry (``scipy.special.logsumexp``'s default; here it is the last axis).
    keepdims : bool, default False
        If True, the summed axes stay in the result with length 1, so that it broadcasts
        against ``z``: ``z - logsumexp(z, axis, keepdims=True)`` is ``log_softmax(z, axis)``.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``z``'s shape without the summed axes (or with them as length 1, if ``keepdims``), in
        ``z``'s dtype; a NumPy scalar when no axis is left.

    Raises
    ------
    ValueError
        If ``z`` contains NaN or ``+inf``, a row is ``-inf`` everywhere, ``z`` is a scalar or
        has an empty ``axis`` (or is empty, with ``axis=None``), or ``axis`` is out of range,
        names an axis twice or is the empty tuple.
    TypeError
        If ``z`` is not real-valued, ``axis`` is not an int, a tuple of ints or None, or
        ``keepdims`` is not a bool.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> round(float(crossent.logsumexp([0.0, 0.0])), 6)  # log 2
    0.693147
    >>> float(crossent.logsumexp([1000.0, 1000.0]))  # naive: log(inf) = inf
    1000.6931471805599
    >>> crossent.logsumexp([[1e308, 1e308], [-1e308, -float("inf")]])
    array([ 1.e+308, -1.e+308])

    Summing over other axes, and keeping them:

    >>> z = np.log([[1.0, 2.0], [3.0, 4.0]])
    >>> round(float(crossent.logsumexp(z, axis=None)), 6)  # log(1 + 2 + 3 + 4) = log 10
    2.302585
    >>> crossent.logsumexp(z, axis=0, keepdims=True).round(6)  # log(1 + 3), log(2 + 4)
    array([[1.386294, 1.791759]])
    """
    if not isinstance(keepdims, bool | np.bool_):
        raise TypeError(
            f"keepdims must be True or False; got {type(keepdims).__name__} {keepdims!r}"
        )
    arr, ax = _logits(z, "z", axis)
    out = log_normalizer_rows(arr, ax, "z")  # one value per row, flat
    axes = ax if isinstance(ax, tuple) else (ax,)
    if keepdims:
        return out.reshape([1 if i in axes else size for i, size in enumerate(arr.shape)])
    return as_result(out.reshape([size for i, size in enumerate(arr.shape) if i not in axes]))


def softmax_jacobian(z):
    r"""The Jacobian matrix of softmax at one vector of logits.

    .. math::

        J_{ij} = \frac{\partial\, \mathrm{softmax}(z)_i}{\partial z_j} = s_i (\delta_{ij} - s_j),
        \qquad J = \operatorname{diag}(s) - s s^\top, \quad s = \mathrm{softmax}(z)

    J is symmetric and every row sums to 0 (adding the same number to all logits changes
    nothing); computed, a row sums to 0 up to a few ulps of its largest entry. Chapter 4
    (``chapters/04_softmax``) derives it and checks it against finite differences; chapter 9
    combines it with the cross-entropy's gradient into ``s - p``.

    The diagonal is computed as

    .. math:: J_{ii} = s_i (1 - s_i) = s_i \sum_{j \ne i} s_j ,

    with the sum over the other entries taken directly for the largest probability, rather
    than as ``s_i - s_i**2``: where ``s_i`` is close to 1 that difference cancels. At
    ``z = [37.42994775023705, 0.0]``, ``s[0]`` rounds to 1 and ``s[0] - s[0]**2`` to 0,
    while the true ``J[0, 0] = s[0] * s[1]`` is 5.55e-17 (and the first row would sum to
    -5.55e-17). The off-diagonal entries are ``-s_i s_j``, so each row's entries cancel to
    rounding.

    Parameters
    ----------
    z : array_like
        One vector of n logits (shape ``(n,)``).

    Returns
    -------
    numpy.ndarray
        The n×n Jacobian, in ``z``'s dtype.

    Raises
    ------
    ValueError
        If ``z`` is not one-dimensional or breaks the rules of :func:`softmax`.
    TypeError
        If ``z`` is not real-valued.

    Examples
    --------
    >>> import crossent
    >>> crossent.softmax_jacobian([0.0, 0.0])  # s = (1/2, 1/2)
    array([[ 0.25, -0.25],
           [-0.25,  0.25]])
    >>> jac = crossent.softmax_jacobian([37.42994775023705, 0.0])  # s[0] rounds to 1
    >>> jac
    array([[ 5.55111512e-17, -5.55111512e-17],
           [-5.55111512e-17,  5.55111512e-17]])
    >>> jac.sum(axis=1)  # rows sum to 0
    array([0., 0.])
    """
    arr = as_float_array(z, "z")
    if arr.ndim != 1:
        raise ValueError(
            f"z must be one vector of logits (1 dimension); got shape {arr.shape} "
            "(for a batch, take the Jacobian of each row)"
        )
    s = softmax(arr)
    k = int(np.argmax(s))  # the largest probability: the only one that can exceed 1/2
    with np.errstate(under="ignore"):  # products of tiny probabilities may round to 0
        jac = np.multiply.outer(s, -s)
        others = s.sum() - s  # sum of s_j over j != i: no cancellation where s_i <= 1/2
        others[k] = np.delete(s, k).sum()  # for the largest, the sum itself, not 1 - s_k
        jac[np.diag_indices_from(jac)] = s * others
    return jac
