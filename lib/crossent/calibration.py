r"""Calibration: do the predicted probabilities mean what they say? (chapter 11)

A classifier is calibrated when, among the examples it gives confidence c, a fraction c is
right. :func:`reliability_bins` sorts the examples into equal-width bins of confidence and
compares each bin's accuracy with its mean confidence (the reliability diagram,
:func:`crossent.plotting.reliability_diagram`); :func:`expected_calibration_error` is the
weighted mean gap (Guo, Pleiss, Sun and Weinberger 2017, "On calibration of modern neural
networks"). :func:`fit_temperature` is their remedy, temperature scaling: the one number T
that, dividing every logit, minimises the mean cross-entropy on held-out data. It changes the
confidences, never the predicted class.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from ._validate import as_class_ids, as_float_array, check_distribution

__all__ = [
    "ReliabilityBins",
    "expected_calibration_error",
    "fit_temperature",
    "reliability_bins",
]


class ReliabilityBins(NamedTuple):
    """Per-bin statistics of a reliability diagram; every field is an array of ``n_bins``.

    ``lower`` and ``upper`` are the bin edges (a bin holds ``lower < confidence <= upper``),
    ``confidence`` the mean confidence and ``accuracy`` the fraction right of the examples in
    the bin (NaN for an empty bin), and ``count`` how many examples fell in it (an int array).
    """

    lower: np.ndarray
    upper: np.ndarray
    confidence: np.ndarray
    accuracy: np.ndarray
    count: np.ndarray


def _probs_and_labels(probs, labels) -> tuple[np.ndarray, np.ndarray]:
    q = as_float_array(probs, "probs")
    if q.ndim != 2 or q.shape[0] == 0 or q.shape[1] == 0:
        raise ValueError(
            f"probs must be a non-empty 2-D array of shape (m examples, n classes); got shape "
            f"{q.shape}"
        )
    check_distribution(q, "probs", 1)
    k = as_class_ids(labels, "labels", q.shape[1])
    if k.shape != (q.shape[0],):
        raise ValueError(
            f"labels must be class ids of shape (m,) = ({q.shape[0]},), one per row of probs; "
            f"got shape {k.shape}"
        )
    return q, k


def _n_bins(n_bins) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, numbers.Integral):
        raise TypeError(f"n_bins must be an int >= 1; got {type(n_bins).__name__} {n_bins!r}")
    if n_bins < 1:
        raise ValueError(f"n_bins must be an int >= 1; got {n_bins}")
    return int(n_bins)


def reliability_bins(probs, labels, n_bins=15):
    r"""Sort examples into equal-width confidence bins; each bin's accuracy and confidence.

    The confidence of an example is its largest probability, ``c_r = max_i q_ri``, and its
    prediction the class that has it, ``argmax_i q_ri`` (the first one when several tie, as
    ``numpy.argmax``). The edges are ``numpy.linspace(0, 1, n_bins + 1)`` and bin b holds the
    examples with ``lower_b < c_r <= upper_b``, as in Guo et al.'s reference code (a confidence
    of exactly 1 is in the last bin; one of exactly 0 cannot occur, since ``c_r >= 1/n``).
    For the examples ``B_b`` in bin b,

    .. math:: \mathrm{acc}_b = \frac{1}{|B_b|} \sum_{r \in B_b} [\hat k_r = k_r], \qquad
              \mathrm{conf}_b = \frac{1}{|B_b|} \sum_{r \in B_b} c_r .

    Chapter 11 draws them as a reliability diagram.

    Parameters
    ----------
    probs : array_like, shape (m, n)
        Predicted distributions, one row per example (rows sum to 1).
    labels : array_like of int, shape (m,)
        The true class ids.
    n_bins : int, default 15
        Number of equal-width bins over [0, 1] (15, as Guo et al.).

    Returns
    -------
    ReliabilityBins
        A named tuple of arrays of length ``n_bins``: ``lower``, ``upper``, ``confidence``,
        ``accuracy`` (NaN where ``count`` is 0) and ``count``.

    Raises
    ------
    ValueError
        If ``probs`` is not a non-empty (m, n) array of distributions (the first bad row is
        named), ``labels`` has the wrong shape or an id outside [0, n), or ``n_bins < 1``.
    TypeError
        If ``probs`` is not real-valued, ``labels`` not integer, or ``n_bins`` not an int.

    Examples
    --------
    >>> import crossent
    >>> probs = [[0.9, 0.1], [0.8, 0.2], [0.6, 0.4], [0.3, 0.7]]
    >>> bins = crossent.reliability_bins(probs, [0, 1, 0, 1], n_bins=2)
    >>> bins.count
    array([0, 4])
    >>> bins.confidence, bins.accuracy  # the empty first bin has NaN
    (array([ nan, 0.75]), array([ nan, 0.75]))
    """
    q, k = _probs_and_labels(probs, labels)
    n_bins = _n_bins(n_bins)
    conf = q.max(axis=1).astype(np.float64)
    right = (np.argmax(q, axis=1) == k).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # searchsorted(side="left") gives the i with edges[i - 1] < c <= edges[i]
    index = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    count = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):  # 0 / 0 = NaN for empty bins
        confidence = np.bincount(index, weights=conf, minlength=n_bins) / count
        accuracy = np.bincount(index, weights=right, minlength=n_bins) / count
    return ReliabilityBins(edges[:-1], edges[1:], confidence, accuracy, count)


def expected_calibration_error(probs, labels, n_bins=15):
    r"""Expected calibration error: the mean gap between accuracy and confidence.

    .. math:: \mathrm{ECE} = \sum_{b=1}^{B} \frac{|B_b|}{m}\,
              \left| \mathrm{acc}_b - \mathrm{conf}_b \right|

    over the equal-width bins of :func:`reliability_bins` (``lower < confidence <= upper``,
    the prediction the first largest probability); empty bins contribute nothing. 0 for a
    perfectly calibrated model, at most 1. Guo et al. (2017) report it with 15 bins. Chapter
    11 explains it; ``crossent.check.expected_calibration_error`` checks your own.

    Parameters
    ----------
    probs : array_like, shape (m, n)
        Predicted distributions (rows sum to 1).
    labels : array_like of int, shape (m,)
        The true class ids.
    n_bins : int, default 15
        Number of equal-width bins over [0, 1].

    Returns
    -------
    float
        The ECE, in [0, 1].

    Raises
    ------
    ValueError, TypeError
        As :func:`reliability_bins`.

    Examples
    --------
    >>> import crossent
    >>> probs = [[0.9, 0.1], [0.9, 0.1], [0.6, 0.4], [0.6, 0.4]]
    >>> round(crossent.expected_calibration_error(probs, [0, 1, 0, 0], n_bins=5), 6)
    0.4
    """
    bins = reliability_bins(probs, labels, n_bins)
    full = bins.count > 0
    m = bins.count.sum()
    gaps = np.abs(bins.accuracy[full] - bins.confidence[full])
    return float(np.sum(bins.count[full] / m * gaps))


def _nll_slope(beta: float, d: np.ndarray) -> tuple[float, float]:
    """``f'(beta)`` and ``f''(beta)`` with ``d = z - z_k`` (one row per example)."""
    s = beta * d
    s -= s.max(axis=1, keepdims=True)
    with np.errstate(under="ignore"):
        e = np.exp(s)
    q = e / e.sum(axis=1, keepdims=True)
    mean = np.sum(q * d, axis=1)  # E_q[z] - z_k
    var = np.sum(q * (d - mean[:, np.newaxis]) ** 2, axis=1)
    return float(np.mean(mean)), float(np.mean(var))


def fit_temperature(logits, labels):
    r"""Temperature scaling: the T > 0 that minimises the mean cross-entropy of softmax(z / T).

    .. math:: T^* = \arg\min_{T > 0} \frac{1}{m} \sum_r
              \left[\operatorname{logsumexp}(z_r / T) - z_{r k_r} / T\right]

    (Guo et al. 2017). With ``beta = 1/T`` the objective ``f(beta)`` is convex, with
    ``f'(beta) = mean_r(E_q[z_r] - z_{r k_r})`` and ``f''(beta) = mean_r Var_q(z_r)``
    (q = softmax(beta z_r)), so its minimiser is the one root of ``f'``. It is found by
    doubling or halving beta from 1 until ``f'`` changes sign, then by Newton's method kept
    inside that bracket (a bisection step whenever Newton would leave it), until the bracket
    is a few units in the last place wide: T is accurate to about 1e-12 relative or better.
    Dividing the logits by T keeps every prediction (the argmax) and only changes the
    confidences. Fit it on held-out data, never on the training set. Computed in float64.
    Chapter 11 explains it.

    A finite minimiser exists exactly when ``f'(0) < 0`` and ``f'(beta) > 0`` for large beta:

    - ``f'(0) = mean_r(mean_i z_ri - z_{r k_r}) >= 0``: on average the true class's logit is
      no higher than the row's mean logit, and the NLL falls all the way to beta = 0 (T
      infinite, the uniform distribution);
    - the true class has the largest logit in every row (ties included): every prediction is
      right, and the NLL keeps falling as T -> 0.

    Parameters
    ----------
    logits : array_like, shape (m, n)
        Finite logits of held-out examples.
    labels : array_like of int, shape (m,)
        Their class ids.

    Returns
    -------
    float
        The temperature T.

    Raises
    ------
    ValueError
        If ``logits`` is not a finite non-empty (m, n) array, ``labels`` has the wrong shape
        or an id outside [0, n), every row of logits is constant (the NLL is ln n whatever T),
        or there is no finite minimiser (either case above; the message says which).
    TypeError
        If ``logits`` is not real-valued or ``labels`` not integer.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> z = np.array([[2.0, 0.0], [2.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    >>> k = np.array([0, 0, 0, 0])  # 3 of 4 right with the same logit gap 2
    >>> T = crossent.fit_temperature(z, k)
    >>> round(T, 6)  # softmax(z / T) gives exactly 3/4: 2 / T = ln 3
    1.820478
    >>> round(2 / float(np.log(3)), 6)
    1.820478
    """
    z = as_float_array(logits, "logits").astype(np.float64, copy=False)
    if z.ndim != 2 or z.shape[0] == 0 or z.shape[1] == 0:
        raise ValueError(
            f"logits must be a non-empty 2-D array of shape (m examples, n classes); got "
            f"shape {z.shape}"
        )
    if not np.isfinite(z).all():
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(z))[0])
        raise ValueError(
            f"logits must be finite to fit a temperature; logits[{where[0]}, {where[1]}] = "
            f"{z[where]}"
        )
    k = as_class_ids(labels, "labels", z.shape[1])
    if k.shape != (z.shape[0],):
        raise ValueError(
            f"labels must be class ids of shape (m,) = ({z.shape[0]},), one per row of "
            f"logits; got shape {k.shape}"
        )
    rows = np.arange(z.shape[0])
    if (z == z[:, :1]).all():
        raise ValueError(
            "logits are constant in every row: softmax(z / T) is uniform for every T and the "
            "NLL is ln n whatever T, so there is no temperature to fit"
        )
    d = z - z[rows, k][:, np.newaxis]  # d_ri = z_ri - z_{r k_r}, 0 at the true class
    slope0 = float(np.mean(d.mean(axis=1)))
    if slope0 >= 0:
        raise ValueError(
            "no finite temperature minimises the NLL: the true class's logit is on average no "
            f"higher than the mean logit of its row (f'(0) = {slope0:.6g} >= 0, with f the "
            "mean NLL as a function of 1/T), so the NLL keeps falling as T -> infinity and the "
            "best prediction is the uniform distribution"
        )
    if (d.max(axis=1) <= 0).all():
        raise ValueError(
            "no finite temperature minimises the NLL: the true class has the largest logit in "
            "every row (every prediction is right), so the NLL keeps falling as T -> 0; fit "
            "the temperature on held-out data where the model makes mistakes"
        )
    # bracket the root of f'(beta): f' < 0 at lo, > 0 at hi
    lo, hi = 0.0, np.inf
    beta = 1.0
    for _ in range(4000):
        slope, _curv = _nll_slope(beta, d)
        if slope == 0:
            return 1.0 / beta
        if slope < 0:
            lo = beta
            if hi < np.inf:
                break
            beta *= 2.0
        else:
            hi = beta
            if lo > 0:
                break
            beta *= 0.5
    # safeguarded Newton on f'(beta) = 0 within [lo, hi]
    beta = 0.5 * (lo + hi) if lo > 0 else 0.5 * hi
    for _ in range(200):
        slope, curv = _nll_slope(beta, d)
        if slope == 0:
            break
        if slope < 0:
            lo = beta
        else:
            hi = beta
        step = beta - slope / curv if curv > 0 else np.nan
        beta = step if lo < step < hi else 0.5 * (lo + hi)
        if hi - lo <= 4e-16 * hi:
            break
    return float(1.0 / beta)
