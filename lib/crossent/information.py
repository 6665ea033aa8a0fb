"""Self-information and Shannon entropy (chapters 1 and 2 of the book), and perplexity (11).

Every function takes a ``base`` for the logarithm. The default is e (nats), as in SciPy and
TensorFlow; ``base=2`` gives bits and ``base=10`` gives hartleys (also called bans or dits).
Changing the base only rescales: a value in base b is the value in nats divided by ln b.
"""

from __future__ import annotations

import math

import numpy as np

from ._validate import (
    as_float_array,
    as_result,
    check_distribution,
    check_no_nan,
    check_probabilities,
    log_of_base,
    normalize_axis,
    plus_zero,
)

__all__ = ["binary_entropy", "entropy", "perplexity", "self_information"]


def _xlogx(p: np.ndarray) -> np.ndarray:
    """Return p * log(p) elementwise with the convention 0 * log 0 = 0 (its limit as p -> 0)."""
    logp = np.log(p, out=np.zeros_like(p), where=p > 0)
    return p * logp


def self_information(p, base=math.e):
    r"""Self-information (surprisal) of an event with probability ``p``.

    .. math:: I(p) = -\log_b p

    An event that is certain (p = 1) carries no information; the rarer the event, the more
    information its occurrence carries, and an impossible event (p = 0) would carry infinitely
    much, so ``p = 0`` returns ``inf`` (without a warning). For independent events the
    information adds up: ``I(p * q) = I(p) + I(q)``. Chapter 1 explains it.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1], any shape. float32 and float64 keep their dtype; integers
        become float64.
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats (the default, as in SciPy and TensorFlow),
        ``2`` gives bits and ``10`` gives hartleys.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``-log_b(p)``, with the shape and floating dtype of ``p``.

    Raises
    ------
    ValueError
        If ``p`` contains NaN or a value outside [0, 1], or ``base`` is not positive or is 1.
    TypeError
        If ``p`` is not real-valued or ``base`` is not a real number.

    Examples
    --------
    >>> import crossent
    >>> float(crossent.self_information(0.5, base=2))  # a fair coin flip: one bit
    1.0
    >>> crossent.self_information([1.0, 0.25, 1 / 1024], base=2)
    array([ 0.,  2., 10.])
    >>> round(float(crossent.self_information(0.5)), 6)  # the default unit is the nat
    0.693147
    >>> float(crossent.self_information(0.0))
    inf
    """
    arr = as_float_array(p, "p")
    check_probabilities(arr, "p")
    scale = arr.dtype.type(log_of_base(base))
    with np.errstate(divide="ignore"):
        out = -np.log(arr) / scale
    return as_result(plus_zero(out))


def entropy(p, base=math.e, axis=-1):
    r"""Shannon entropy of a discrete distribution, the expected self-information.

    .. math:: H(p) = -\sum_i p_i \log_b p_i

    Terms with ``p_i = 0`` contribute 0 (the limit of ``x log x`` as x -> 0), so padding a
    distribution with impossible outcomes does not change its entropy. The entropy lies
    between 0 (a certain outcome) and ``log_b n`` (the uniform distribution over n outcomes).
    Chapter 2 explains it.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1] that sum to 1 along ``axis``, to within 1e-6 for float64 and
        1e-4 for float32 (see ``crossent._validate.SUM_TOLERANCE``). Other axes index
        separate distributions (a batch).
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats, ``2`` bits, ``10`` hartleys.
    axis : int, default -1
        The axis that holds the outcomes.

    Returns
    -------
    numpy.ndarray or numpy scalar
        The entropy of each distribution: ``p``'s shape without ``axis``, in ``p``'s dtype.

    Raises
    ------
    ValueError
        If ``p`` contains NaN or a value outside [0, 1], a distribution along ``axis`` does not
        sum to 1 (the message names the first such row), ``p`` is a scalar or has an empty
        ``axis``, ``axis`` is out of range, or ``base`` is invalid.
    TypeError
        If ``p`` is not real-valued, or ``axis`` or ``base`` has the wrong type.

    Examples
    --------
    >>> import crossent
    >>> float(crossent.entropy([0.5, 0.5], base=2))  # a fair coin: one bit
    1.0
    >>> float(crossent.entropy([0.5, 0.25, 0.25], base=2))
    1.5
    >>> float(crossent.entropy([1.0, 0.0, 0.0]))  # a certain outcome: no uncertainty
    0.0
    >>> crossent.entropy([[0.5, 0.5], [0.9, 0.1]], base=2).round(4)  # one entropy per row
    array([1.   , 0.469])
    >>> crossent.entropy([0.5, 0.4])
    Traceback (most recent call last):
    ...
    ValueError: p must sum to 1 along axis -1; it sums to 0.9 (allowed error 1e-06 for float64)
    """
    arr = as_float_array(p, "p")
    ax = normalize_axis(axis, arr, "p")
    check_distribution(arr, "p", ax)
    scale = arr.dtype.type(log_of_base(base))
    out = -_xlogx(arr).sum(axis=ax) / scale
    return as_result(plus_zero(out))


def binary_entropy(p, base=math.e):
    r"""Entropy of a coin that lands heads with probability ``p``, elementwise.

    .. math:: H_b(p) = -p \log_b p - (1 - p) \log_b (1 - p)

    Zero at p = 0 and p = 1 (no uncertainty), largest at p = 1/2, where it is one bit
    (ln 2 nats). ``log1p`` keeps it accurate for p near 0. Chapter 2 plots it.

    Parameters
    ----------
    p : array_like
        Probabilities in [0, 1], any shape; each entry is one coin.
    base : float, default math.e
        Base of the logarithm: ``math.e`` gives nats, ``2`` bits, ``10`` hartleys.

    Returns
    -------
    numpy.ndarray or numpy scalar
        ``H_b(p)`` with the shape and floating dtype of ``p``.

    Raises
    ------
    ValueError
        If ``p`` contains NaN or a value outside [0, 1], or ``base`` is invalid.
    TypeError
        If ``p`` is not real-valued or ``base`` is not a real number.

    Examples
    --------
    >>> import crossent
    >>> float(crossent.binary_entropy(0.5, base=2))
    1.0
    >>> crossent.binary_entropy([0.0, 0.11, 1.0], base=2).round(4)
    array([0.    , 0.4999, 0.    ])
    """
    arr = as_float_array(p, "p")
    check_probabilities(arr, "p")
    scale = arr.dtype.type(log_of_base(base))
    q = 1 - arr
    log_q = np.log1p(-arr, out=np.zeros_like(arr), where=q > 0)
    out = -(_xlogx(arr) + q * log_q) / scale
    return as_result(plus_zero(out))


def perplexity(losses, base=math.e):
    r"""Perplexity: the base raised to the mean per-example cross-entropy.

    .. math:: \mathrm{PP} = b^{\frac{1}{m} \sum_r L_r}
              = \exp(\text{mean loss in nats}) = 2^{\text{mean loss in bits}}

    where the losses ``L_r`` are per-example cross-entropies in units of base b (nats for
    ``math.e``, bits for 2): the same perplexity whatever the unit, as long as ``base`` matches
    the losses. It reads as an effective number of equally likely choices: a model that
    spreads its probability uniformly over k classes and always includes the right one has
    cross-entropy ``log_b k`` and perplexity k; a perfect model has perplexity 1. Chapter 11
    explains it.

    Parameters
    ----------
    losses : array_like
        Per-example cross-entropies in units of ``base``, any shape (the mean is taken over
        every entry), non-negative; ``+inf`` (a probability 0 for the truth) gives ``inf``.
    base : float, default math.e
        The unit of ``losses``: ``math.e`` for nats, 2 for bits, 10 for hartleys.

    Returns
    -------
    float
        The perplexity, >= 1.

    Raises
    ------
    ValueError
        If ``losses`` is empty, holds NaN or a negative value, or ``base`` is invalid.
    TypeError
        If ``losses`` is not real-valued or ``base`` not a real number.

    Examples
    --------
    >>> import math
    >>> import crossent
    >>> round(crossent.perplexity([math.log(4), math.log(4)]), 12)  # uniform over 4
    4.0
    >>> crossent.perplexity([2.0, 2.0], base=2)  # 2 bits: 4 choices
    4.0
    """
    arr = as_float_array(losses, "losses")
    scale = log_of_base(base)
    if arr.size == 0:
        raise ValueError(f"losses is empty (shape {arr.shape}); perplexity needs at least one loss")
    check_no_nan(arr, "losses")
    if (arr < 0).any():
        where = np.argwhere(arr < 0)[0]
        value = arr[tuple(where)] if arr.ndim else arr[()]
        raise ValueError(
            f"losses must be cross-entropies >= 0; got {float(value):.6g} at index "
            f"{tuple(int(i) for i in where)}"
        )
    mean = float(np.mean(arr, dtype=np.float64))
    try:
        return math.exp(mean * scale)
    except OverflowError:  # a mean above about 709 nats
        return math.inf
