r"""Cross-entropy of a linear output layer without holding the logits (chapter 12).

A language model's last layer maps each token's hidden state ``h`` (a row of ``hidden``, shape
(m, d)) to one logit per class of the vocabulary, ``z = h W^T`` with ``weight`` W of shape
(n, d), one row per class. With n in the tens of thousands the m x n logits are the largest
array of a training step. The loss of token r needs only two numbers from them,

.. math:: L_r = \operatorname{logsumexp}(z_r) - z_{r, k_r},

and both can be computed chunk by chunk over the vocabulary: an **online log-sum-exp** keeps,
for every token, a running maximum ``M`` and a running sum ``S`` of ``exp(z - M)``; a new chunk
with largest logit ``M'`` rescales the sum, ``S <- S exp(M - max(M, M')) + sum exp(z - max(M,
M'))`` (Milakov and Gimelshein 2018), which is exact, not an approximation. The gradient,

.. math:: \frac{\partial L}{\partial H} = G W, \qquad \frac{\partial L}{\partial W} = G^T H,
          \qquad G = (Q - P) / m_{\text{counted}},

is accumulated chunk by chunk too, recomputing each chunk's logits once the log-sum-exp is
known: four matrix products of the size of ``H W^T`` instead of three, and never more than
one chunk of logits in memory. Apple's Cut Cross-Entropy (Wijmans et al. 2024) and the fused
linear cross-entropy of Liger-Kernel do the same on GPUs. Chapter 12 explains it.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._validate import as_float_array, check_reduction

__all__ = [
    "CHUNK_BYTES",
    "bfloat16_round",
    "default_chunk_size",
    "linear_cross_entropy",
    "linear_cross_entropy_value_and_grad",
]

REDUCTIONS = ("none", "sum", "mean")

#: The memory that ``chunk_size=None`` allows one chunk of logits: 8 MiB.
CHUNK_BYTES = 8 * 2**20


def default_chunk_size(m: int, n: int, itemsize: int) -> int:
    """The classes per chunk that ``chunk_size=None`` picks: one chunk's logits fit CHUNK_BYTES.

    ``max(1, min(n, CHUNK_BYTES // (m * itemsize)))``: an (m, c) block of logits of
    ``itemsize`` bytes each takes at most 8 MiB (for m = 2048 tokens in float32, c = 1024
    classes), unless even one class per chunk needs more. The functions hold a few such blocks
    at once (the logits, their exponentials, one chunk of the gradient), so the extra memory
    beyond the inputs and the returned gradients is a small multiple of 8 MiB whatever n is.

    >>> from crossent.linear import default_chunk_size
    >>> default_chunk_size(2048, 32768, 4)
    1024
    >>> default_chunk_size(8, 100, 8)  # small problems take one chunk
    100
    """
    return int(max(1, min(n, CHUNK_BYTES // max(1, m * itemsize))))


def _matrix(x, name: str, shape_text: str) -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape {shape_text}; got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise ValueError(f"{name} must be finite; {name}[{i}, {j}] = {arr[i, j]}")
    return arr


def _inputs(hidden, weight, labels, chunk_size, ignore_index, reduction):
    """Validate the arguments; return H, W (one dtype), ids, the mask of counted tokens, c."""
    check_reduction(reduction, REDUCTIONS)
    H = _matrix(hidden, "hidden", "(m tokens, d features)")
    W = _matrix(weight, "weight", "(n classes, d features), one row per class")
    if H.shape[1] != W.shape[1]:
        raise ValueError(
            f"hidden and weight must have the same number of features d; hidden has shape "
            f"(m, d) = {H.shape} and weight (n, d) = {W.shape} (weight holds one row per "
            f"class: pass the transpose of a (d, n) matrix)"
        )
    m, n = H.shape[0], W.shape[0]
    if n == 0:
        raise ValueError("weight must have at least one row (one per class); got shape (0, d)")
    dtype = np.result_type(H, W)
    H, W = H.astype(dtype, copy=False), W.astype(dtype, copy=False)
    if ignore_index is not None and (
        isinstance(ignore_index, bool) or not isinstance(ignore_index, numbers.Integral)
    ):
        raise TypeError(
            f"ignore_index must be an int (the label of tokens to skip, such as -100) or None; "
            f"got {type(ignore_index).__name__} {ignore_index!r}"
        )
    k = np.asarray(labels)
    if k.dtype.kind not in "iu":
        hint = " (use .astype(int) if they are whole numbers)" if k.dtype.kind == "f" else ""
        raise TypeError(f"labels must be integer class ids in [0, {n}); got dtype {k.dtype}{hint}")
    if k.shape != (m,):
        raise ValueError(
            f"labels must have shape (m,) = ({m},), one class id per row of hidden; got shape "
            f"{k.shape}"
        )
    k = k.astype(np.int64, copy=False)
    counted = np.ones(m, dtype=bool) if ignore_index is None else k != ignore_index
    bad = counted & ((k < 0) | (k >= n))
    if bad.any():
        r = int(np.argmax(bad))
        also = "" if ignore_index is None else f" or ignore_index = {ignore_index}"
        raise ValueError(
            f"labels must be class ids in [0, n) with n = {n} classes{also}; labels[{r}] = {k[r]}"
        )
    if chunk_size is None:
        c = default_chunk_size(m, n, dtype.itemsize)
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral):
        raise ValueError(
            f"chunk_size must be a positive int (classes per chunk) or None; got "
            f"{type(chunk_size).__name__} {chunk_size!r}"
        )
    elif chunk_size <= 0:
        raise ValueError(
            f"chunk_size must be a positive int (classes per chunk) or None; got {chunk_size}"
        )
    else:
        c = int(min(chunk_size, n))
    return H, W, np.where(counted, k, 0), counted, c


def _chunk_logits(H, W, start, stop):
    with np.errstate(over="ignore", invalid="ignore"):  # reported below, as a ValueError
        Z = H @ W[start:stop].T  # (m, c)
    if not np.isfinite(Z).all():
        raise ValueError(
            f"the logits hidden @ weight.T overflow {H.dtype}: at least one is infinite "
            f"(classes {start} to {stop - 1}); scale the inputs down or use float64"
        )
    return Z


def _log_sum_exp_and_true_logit(H, W, k, c):
    """Online log-sum-exp over chunks of c classes, and each token's true-class logit."""
    m, n = H.shape[0], W.shape[0]
    run_max = np.full(m, -np.inf, dtype=H.dtype)
    run_sum = np.zeros(m, dtype=H.dtype)
    true_logit = np.zeros(m, dtype=H.dtype)
    rows = np.arange(m)
    for start in range(0, n, c):
        stop = min(start + c, n)
        Z = _chunk_logits(H, W, start, stop)
        here = (k >= start) & (k < stop)
        true_logit[here] = Z[rows[here], k[here] - start]
        new_max = np.maximum(run_max, Z.max(axis=1))
        run_sum *= np.exp(run_max - new_max)  # exp(-inf) = 0 before the first chunk
        Z -= new_max[:, np.newaxis]
        np.exp(Z, out=Z)
        run_sum += Z.sum(axis=1)
        run_max = new_max
    return run_max + np.log(run_sum), true_logit


def _reduce(losses, counted, reduction):
    if reduction == "none":
        return losses
    total = losses.sum(dtype=losses.dtype)
    if reduction == "sum":
        return total
    count = int(counted.sum())
    return total / losses.dtype.type(count) if count else losses.dtype.type(0)


def _z_loss(z_loss) -> float:
    if isinstance(z_loss, bool) or not isinstance(z_loss, numbers.Real):
        raise TypeError(
            f"z_loss must be a real number >= 0 (PaLM used 1e-4; 0 switches it off); got "
            f"{type(z_loss).__name__} {z_loss!r}"
        )
    if not (math.isfinite(z_loss) and z_loss >= 0):
        raise ValueError(
            f"z_loss must be a finite number >= 0 (PaLM used 1e-4; 0 switches it off); got {z_loss}"
        )
    return float(z_loss)


def _token_losses(lse, true_logit, counted, z_loss):
    losses = lse - true_logit
    if z_loss:
        losses = losses + lse.dtype.type(z_loss) * lse**2
    return np.where(counted, losses, lse.dtype.type(0))


def linear_cross_entropy(
    hidden, weight, labels, *, chunk_size=None, ignore_index=None, reduction="mean", z_loss=0.0
):
    r"""Cross-entropy of the logits ``hidden @ weight.T`` for class ids, without storing them.

    .. math:: L_r = \log \sum_{j=1}^{n} e^{h_r \cdot w_j} - h_r \cdot w_{k_r}

    per token r, reduced over the tokens that are not ignored. Equal, to rounding, to
    ``sparse_softmax_cross_entropy_with_logits(labels, hidden @ weight.T)`` followed by the
    reduction, but only one chunk of ``chunk_size`` classes of the logits exists at a time
    (the online log-sum-exp of the module's docstring). Chapter 12 explains it.

    Parameters
    ----------
    hidden : array_like, shape (m, d)
        One hidden state per token, finite.
    weight : array_like, shape (n, d)
        The output layer's weights, one row per class, finite.
    labels : array_like of int, shape (m,)
        Class ids in [0, n), or ``ignore_index``.
    chunk_size : int, optional
        Classes per chunk, positive; ``None`` picks :func:`default_chunk_size` (one chunk's
        logits take at most 8 MiB).
    ignore_index : int, optional
        A label that marks tokens to skip (padding; language-model code often uses -100): they
        get loss 0 and gradient 0, and the mean is over the other tokens.
    reduction : {"mean", "sum", "none"}
        ``"none"``: one loss per token, 0 for ignored tokens; ``"sum"``; ``"mean"`` over the
        tokens that are not ignored. A batch in which every token is ignored has mean 0 (an
        empty mean is taken as 0, so that a batch of padding adds nothing).
    z_loss : float, optional
        The coefficient of PaLM's auxiliary z-loss (Chowdhery et al. 2022, section 5): each
        token's loss gets ``z_loss * logsumexp(z_r)**2`` added, which pulls the log-sum-exp
        towards 0 (PaLM used 1e-4). 0, the default, is the plain cross-entropy.

    Returns
    -------
    numpy.ndarray or numpy scalar
        In the wider dtype of ``hidden`` and ``weight`` (float32 stays float32).

    Raises
    ------
    ValueError
        If ``hidden`` or ``weight`` is not 2-D or not finite, their numbers of features differ,
        ``labels`` is not of shape (m,) or holds an id outside [0, n) (other than
        ``ignore_index``), ``chunk_size`` is not a positive int, ``reduction`` is unknown, or
        the logits overflow the dtype.
    TypeError
        If an input is not real-valued, ``labels`` is not integer or ``ignore_index`` is not
        an int.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> hidden = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> weight = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])  # 3 classes
    >>> crossent.linear_cross_entropy(hidden, weight, [0, 2], reduction="none").round(6)
    array([0.551445, 1.551445])
    >>> crossent.linear_cross_entropy(hidden, weight, [0, -100], ignore_index=-100).round(6)
    np.float64(0.551445)
    """
    H, W, k, counted, c = _inputs(hidden, weight, labels, chunk_size, ignore_index, reduction)
    z_loss = _z_loss(z_loss)
    lse, true_logit = _log_sum_exp_and_true_logit(H, W, k, c)
    return _reduce(_token_losses(lse, true_logit, counted, z_loss), counted, reduction)


def linear_cross_entropy_value_and_grad(
    hidden, weight, labels, *, chunk_size=None, ignore_index=None, reduction="mean", z_loss=0.0
):
    r"""The loss of :func:`linear_cross_entropy` and its gradients, without storing the logits.

    .. math:: \frac{\partial L}{\partial H} = G W, \qquad \frac{\partial L}{\partial W}
              = G^{\top} H, \qquad G_{rj} = a_r \left(\mathrm{softmax}(z_r)_j - [j = k_r]\right)

    with ``a_r = 1 / (number of tokens not ignored)`` for ``"mean"``, 1 for ``"sum"``, and 0
    for ignored tokens. With ``z_loss`` = λ, the z-loss adds ``2 λ logsumexp(z_r)
    softmax(z_r)_j`` to ``G_rj / a_r``. For ``reduction="none"`` the gradients are those of the
    sum of the returned losses. A first pass over the chunks computes every token's
    log-sum-exp; a second recomputes each chunk's logits, turns them into that chunk's columns
    of G and adds its share to both gradients: four matrix products of the size of
    ``hidden @ weight.T`` in all, against three for the naive computation, and at most one
    chunk of logits (and of G) in memory at a time. Same arguments, checks and errors as
    :func:`linear_cross_entropy`.

    Returns
    -------
    tuple
        ``(loss, grad_hidden, grad_weight)``: the loss as :func:`linear_cross_entropy` returns
        it, and two arrays of the shapes of ``hidden`` and ``weight``, in their common dtype.

    Examples
    --------
    >>> import numpy as np
    >>> import crossent
    >>> hidden = np.array([[1.0, 0.0]])
    >>> weight = np.array([[1.0, 0.0], [0.0, 1.0]])
    >>> loss, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(hidden, weight, [1])
    >>> round(float(loss), 6)  # log(e + 1) - 0
    1.313262
    >>> grad_w.round(6)  # (q - p) h: q = (0.731059, 0.268941)
    array([[ 0.731059,  0.      ],
           [-0.731059,  0.      ]])
    """
    H, W, k, counted, c = _inputs(hidden, weight, labels, chunk_size, ignore_index, reduction)
    z_loss = _z_loss(z_loss)
    lse, true_logit = _log_sum_exp_and_true_logit(H, W, k, c)
    losses = _token_losses(lse, true_logit, counted, z_loss)
    count = int(counted.sum())
    scale = counted.astype(H.dtype)
    if reduction == "mean" and count:
        scale /= H.dtype.type(count)
    # with the z-loss, d(lse + λ lse²)/dz = (1 + 2 λ lse) q: scale Q's rows before taking P
    q_scale = 1 + 2 * H.dtype.type(z_loss) * lse if z_loss else None
    m, n = H.shape[0], W.shape[0]
    grad_hidden = np.zeros_like(H)
    grad_weight = np.empty_like(W)
    rows = np.arange(m)
    for start in range(0, n, c):
        stop = min(start + c, n)
        G = _chunk_logits(H, W, start, stop)
        G -= lse[:, np.newaxis]
        np.exp(G, out=G)  # this chunk's columns of Q
        if q_scale is not None:
            G *= q_scale[:, np.newaxis]
        here = (k >= start) & (k < stop)
        G[rows[here], k[here] - start] -= 1  # Q - P
        G *= scale[:, np.newaxis]
        grad_hidden += G @ W[start:stop]
        np.matmul(G.T, H, out=grad_weight[start:stop])
    return _reduce(losses, counted, reduction), grad_hidden, grad_weight


def bfloat16_round(x) -> np.ndarray:
    """Round to the nearest bfloat16 number, ties to even; returned as float32.

    bfloat16 keeps float32's 8 exponent bits and only 7 of its 23 fraction bits: numbers
    with 8 significant bits, relative spacing 2**-7 (unit roundoff 2**-8 = 0.0039), and
    float32's range. Rounding a float32 to it drops the low 16 bits after adding half of
    their place value (plus 1 if the kept last bit is odd, so that ties go to even); this
    is what ``ml_dtypes.bfloat16`` and ``tf.cast(x, tf.bfloat16)`` do, written out so
    that NumPy code can emulate bfloat16 arithmetic step by step (chapter 12). Infinities
    and nan are returned unchanged; float64 input is first rounded to float32.

    >>> from crossent.linear import bfloat16_round
    >>> bfloat16_round([1 + 2**-8, 1 + 3 * 2**-8, 3.14159]).tolist()  # ties go to even
    [1.0, 1.015625, 3.140625]
    >>> bfloat16_round([256.0 + 1.0, 1000.0]).tolist()  # spacing 2 from 256 to 512, then 4
    [256.0, 1000.0]
    """
    x32 = np.asarray(as_float_array(x, "x"), dtype=np.float32)
    bits = x32.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = rounded.astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(x32), out, x32)
