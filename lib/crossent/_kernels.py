r"""One pass over the logits, in row blocks, on every core: the core of the softmax functions.

Every function of the package that works on rows of logits (softmax, log-sum-exp, the softmax
losses and their gradients) needs the same few things from each row: its maximum, the
exponentials of the shifted logits and their sum. Computed one function at a time, over the
whole batch, each step is a pass through main memory and a new temporary array. Here a row
block (about a megabyte of logits, so that it and its buffers stay in the processor's
caches) goes through every step before the next block is read: the logits are read from
memory once, the result is written once, and everything in between happens in the cache,
with NumPy's ufuncs writing into buffers they were given (``out=``). Chapter 9
(``chapters/09_gradients``) explains why the loss and its gradient belong together: both come
from the same ``exp(z - max z)``. Rows of labels with one entry that is not 0 (one-hot labels)
are recognised on the block, and their sums, loss terms and share of the gradient are taken
from that one label.

The blocks are shared out to a few threads. NumPy releases the GIL inside its loops, so two
threads keep two cores busy; each thread takes the next block until none is left.

**The result does not depend on the blocking or the number of threads.** Every step either
works entry by entry or reduces one row along its own axis (each row is contiguous, so NumPy
sums it with the same pairwise summation whatever block it is in), so each row is computed by
exactly the same operations in the same order however the rows are grouped. The tests check
this bit for bit (``tests/package/test_fused.py``).

Validation stays on, at almost no cost. The cheap tests are done on the block while it is in
the cache, and they are conservative: the maximum of a row of logits is finite exactly when
the row is valid (NaN and ``+inf`` propagate into it, and an all ``-inf`` row has maximum
``-inf``); labels are probabilities if their minimum is at least 0 and each row's sum (which
the gradient needs anyway) is within the tolerance of 1, less a margin for the rounding of
the sum (one-hot rows are checked exactly, from their one label). Only when a block fails a
test are the package's own checks (``crossent._validate``) run on the whole array, which raise
exactly the error the separate functions raise, or pass (a row whose sum was too close to the
tolerance to decide from the margin).
"""

from __future__ import annotations

import functools
import itertools
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._validate import (
    SUM_TOLERANCE,
    as_float_array,
    check_distribution,
    check_logits,
    check_weights,
)

#: Bytes of logits per block. Smaller blocks fit the L2 cache (1 MB per core on the machine of
#: ``benchmarks/results/latest.json``) but cost more NumPy calls per row; 1 MB, its buffers in
#: the L3 cache, was the fastest there at n = 1000 and n = 32,000 classes.
BLOCK_BYTES = 1 << 20
#: Below this many entries one block in the calling thread is faster than starting threads.
PARALLEL_MIN_ENTRIES = 1 << 16
#: Environment variable that sets the number of threads (default: the usable cores).
THREADS_VARIABLE = "CROSSENT_NUM_THREADS"


# --- Rows, blocks and threads -------------------------------------------------------------------


def as_rows(arr: np.ndarray, axis: int | tuple[int, ...]) -> np.ndarray:
    """Return ``arr`` as a C-contiguous 2-d array whose rows run along ``axis``.

    ``axis`` is a non-negative int or a sorted tuple of them (a row then spans all those
    axes). A view when ``axis`` is the last axis of a C-contiguous array, a copy otherwise
    (the row axes moved to the end), so that every row is contiguous and summed the same way.
    """
    axes = axis if isinstance(axis, tuple) else (axis,)
    k = len(axes)
    if axes == tuple(range(arr.ndim - k, arr.ndim)) and arr.flags.c_contiguous:
        moved = arr
    else:
        moved = np.ascontiguousarray(np.moveaxis(arr, axes, range(-k, 0)))
    return moved.reshape(-1, math.prod(moved.shape[-k:]))


def from_rows(rows: np.ndarray, shape: tuple, axis: int | tuple[int, ...]) -> np.ndarray:
    """Undo :func:`as_rows`: a C-contiguous array of ``shape`` with the rows along ``axis``."""
    axes = axis if isinstance(axis, tuple) else (axis,)
    k = len(axes)
    kept = tuple(size for i, size in enumerate(shape) if i not in axes)
    out = rows.reshape(kept + tuple(shape[a] for a in axes))
    if axes == tuple(range(len(shape) - k, len(shape))):
        return out
    return np.ascontiguousarray(np.moveaxis(out, range(-k, 0), axes))


def default_threads() -> int:
    """The number of threads: ``CROSSENT_NUM_THREADS`` if set, else the usable cores."""
    value = os.environ.get(THREADS_VARIABLE, "").strip()
    if value:
        try:
            threads = int(value)
        except ValueError:
            raise ValueError(
                f"{THREADS_VARIABLE} must be a positive whole number of threads; got {value!r}"
            ) from None
        if threads < 1:
            raise ValueError(
                f"{THREADS_VARIABLE} must be a positive whole number of threads; got {value!r}"
            )
        return threads
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@functools.cache
def _pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=workers, thread_name_prefix="crossent")


if hasattr(os, "register_at_fork"):  # a forked child has none of its parent's threads
    os.register_at_fork(after_in_child=_pool.cache_clear)


def run_blocks(
    m: int,
    n: int,
    itemsize: int,
    work: Callable[[int, int, dict], object],
    threads: int | None = None,
    block_rows: int | None = None,
) -> list:
    """Call ``work(start, stop, buffers)`` on row blocks that together cover ``range(m)``.

    ``buffers`` is a dict that each thread keeps for all its blocks, so that scratch arrays are
    allocated once per thread. Returns what the calls returned (in no particular order).
    ``threads`` and ``block_rows`` are chosen from the size of the rows when not given. The
    calls run without NumPy's warnings for overflow, underflow and invalid operations: the
    kernels meet ``inf`` (exp of a huge difference is 0, ``-inf`` logits) and NaN (in rows
    that the checks then reject) on purpose.
    """
    if m == 0:
        return []
    if threads is None:
        threads = default_threads() if m * n >= PARALLEL_MIN_ENTRIES else 1
    if block_rows is None:
        block_rows = max(1, BLOCK_BYTES // (n * itemsize))
        if threads > 1:  # enough blocks of equal size for the threads to share them evenly
            blocks = max(4 * threads, math.ceil(m / block_rows))
            blocks = threads * math.ceil(blocks / threads)
            block_rows = max(1, math.ceil(m / blocks))
    blocks = math.ceil(m / block_rows)
    threads = max(1, min(threads, blocks))
    counter = itertools.count()

    def worker() -> list:
        buffers: dict = {}
        results = []
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # once per thread
            while (i := next(counter)) < blocks:  # next() on a count is atomic
                results.append(work(i * block_rows, min(m, (i + 1) * block_rows), buffers))
        return results

    if threads == 1:
        return worker()
    futures = [_pool(threads - 1).submit(worker) for _ in range(threads - 1)]
    try:
        results = worker()
    finally:  # never return (or raise) while another thread still writes into the output
        others = [f.result() for f in futures]
    for more in others:
        results.extend(more)
    return results


def scratch(buffers: dict, key: str, shape: tuple, dtype) -> np.ndarray:
    """A scratch array of ``shape`` from ``buffers``, allocated on first use."""
    size = math.prod(shape)
    buf = buffers.get(key)
    if buf is None or buf.size < size or buf.dtype != dtype:
        buf = buffers[key] = np.empty(size, dtype=dtype)
    return buf[:size].reshape(shape)


def checked_weights(weights, shape: tuple, dtype):
    """Check ``weights`` as the gradients do: ``(w, flat, total, error)``.

    ``w`` is the checked floating array (for :func:`crossent.reduce_loss`), ``flat`` the
    weights broadcast to ``shape``, flat, in ``dtype``, ``total`` the denominator of a mean.
    A bad ``weights`` is returned as ``error``, to be raised once labels and logits have been
    checked (the separate functions check the weights last).
    """
    if weights is None:
        return None, None, np.dtype(dtype).type(math.prod(shape)), None
    try:
        w = as_float_array(weights, "weights")
        check_weights(w, shape, "per-example loss")
    except (TypeError, ValueError) as err:
        return None, None, None, err
    broad = np.broadcast_to(w.astype(dtype, copy=False), shape)
    total = broad.sum(dtype=dtype)
    return w, np.ascontiguousarray(broad).reshape(-1), total, None


# --- Validating labels on the block ---------------------------------------------------------------


def sum_margin(n: int, dtype) -> float:
    """A bound, relative to the sum, on the rounding of NumPy's sum of n non-negative numbers.

    NumPy sums a row pairwise: blocks of 128 entries go through 8 accumulators (15 additions
    each, 3 more to combine them and at most 7 for the tail), blocks are combined in a tree of
    depth log2(n / 128), and a buffered sum with a cast (float32 summed in float64) adds one
    more addition per 8192 entries. Each entry therefore goes through at most ``D`` roundings,
    and the sum is off by at most ``D u`` times the sum, u the unit roundoff; the package's
    check (``_validate.check_distribution``) sums in float64 and is off by ``D 2^-53``. The
    margin doubles the total of both.
    """
    depth = 32 + 2 * math.ceil(math.log2(n + 1)) + n // 4096
    return 2 * depth * (np.finfo(dtype).eps / 2 + 2.0**-53)


def labels_pass(pb: np.ndarray, sums: np.ndarray, tol: float, margin: float) -> bool:
    """True if ``pb`` surely passes ``check_distribution``; False if it has to be asked.

    ``sums`` are the rows' sums of ``pb`` in ``pb``'s dtype. Every entry is at least 0 when
    the minimum is (NaN fails the comparison); the sums are within ``tol`` of 1 when they are
    within ``tol`` less the rounding ``margin``; and then every entry is at most 1, as a sum
    of non-negative numbers, rounded, is at least each of them, unless a sum exceeds 1, when
    the maximum is looked at.
    """
    if not pb.min() >= 0:
        return False
    if not (np.abs(sums - 1) <= tol - margin * sums).all():
        return False
    return bool((sums <= 1).all() or pb.max() <= 1)


def finish_checks(labels_ok: bool, tops, p, p_name, z, z_name, ax) -> None:
    """Raise the package's own error if the labels or the logits failed a test, labels first.

    ``labels_ok`` is False if a block of labels failed its test (``p`` is None for class ids);
    ``tops`` are the row maxima of the logits (None: not checked).
    """
    if p is not None and not labels_ok:
        check_distribution(p, p_name, ax)  # raises, or passes a row close to the tolerance
    if tops is not None and not np.isfinite(tops).all():
        check_logits(z, z_name, ax)  # raises: a row maximum is NaN, +inf or -inf


# --- Softmax cross-entropy: loss and gradient from one pass ------------------------------------


def dense_rows(
    p: np.ndarray,
    z: np.ndarray,
    ax: int,
    *,
    want_loss: bool,
    want_grad: bool,
    weights: np.ndarray | None = None,
    total=None,
    scale: bool = False,
    threads: int | None = None,
    block_rows: int | None = None,
    checks: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Loss and gradient of the softmax cross-entropy, row by row, labels and logits checked.

    ``p`` (labels, any floating dtype) and ``z`` (logits) have the same shape, the classes
    along ``ax``; their shapes and ``ax`` are checked by the caller, their values here. Returns
    ``(neg_loss, grad)``: ``neg_loss`` is ``sum_i p_i log softmax(z)_i`` per example, flat,
    in ``z``'s dtype (the caller negates it), and ``grad`` is ``softmax(z) sum(p) - p`` with
    ``z``'s shape, each None unless asked for. With ``weights`` (one per example, flat, in
    ``z``'s dtype) the gradient rows are multiplied by them; with ``scale`` they are divided
    by ``total`` (a mean), or set to 0 if it is 0. ``checks=False`` skips the checks of the
    values, only to measure what they cost (``benchmarks/bench_validation.py``).

    With ``e_j = exp(z_j - z_max)`` (the maximum reached at j = k) and ``S`` the sum of the
    e_j over j != k, ``softmax(z)_j = e_j / (1 + S)`` and ``softmax(z)_k = 1 / (1 + S)``; the
    loss is ``-sum_i p_i ((z_i - z_max) - log1p(S))``, in log space, so that a probability that
    would round to 0 does not make it infinite. Where p_k holds most of the label mass
    (``p_k > s / 2``, s the sum of the labels), the gradient's entry ``s q_k - p_k`` is
    computed as ``(s - p_k) - s S / (1 + S)``: ``s - p_k`` is exact there (Sterbenz), so
    ``q_k - 1`` for a one-hot label is ``-S / (1 + S)`` to full precision instead of a
    difference of two numbers close to 1 (chapter 9). A label of 0 at a ``-inf`` logit gives
    ``0 * -inf = NaN`` in the loss, which is replaced by its limit, 0 (``0 log 0 = 0``).

    These are the operations, in the same order, of the whole-array NumPy code the package
    had before it worked in blocks, so the results are the same bits for logits whose classes
    are the last axis of a C-contiguous array (``tests/package/test_fused.py`` keeps that code
    as the reference); other layouts are copied to it first.
    """
    z2 = as_rows(z, ax)
    p2 = as_rows(p, ax)
    m, n = z2.shape
    dtype = z2.dtype
    cast = p2.dtype != dtype
    tol = SUM_TOLERANCE[p2.dtype]
    margin = sum_margin(n, p2.dtype)
    neg_loss = np.empty(m, dtype=dtype) if want_loss else None
    grad2 = np.empty_like(z2) if want_grad else None
    tops = np.empty(m, dtype=dtype)  # the row maxima, checked at the end

    bits = np.dtype(f"i{p2.dtype.itemsize}")  # to count nonzero labels fast, by their bits

    def work(start: int, stop: int, buffers: dict) -> bool:
        zb = z2[start:stop]
        rows = stop - start
        offsets = np.arange(0, rows * n, n)
        flat = np.argmax(zb, axis=1)
        flat += offsets
        top = np.take(zb.reshape(-1), flat, out=tops[start:stop])  # the row maxima
        labels_ok = True
        pb = p2[start:stop]
        one_hot = False
        if not cast:
            # One label per row that is not 0 (one-hot labels): the sums, the loss terms and
            # p's part of the gradient each reduce to that label, so they are taken from it
            # alone. There are as many labels that are not 0 as rows (+0 has no bits set; a
            # -0 is counted and takes the general path), and every row has one that is > 0.
            # The first row is looked at first, so that soft labels cost one row's count.
            nonzero = np.count_nonzero
            if nonzero(pb[0].view(bits)) == 1 and nonzero(pb.view(bits)) == rows:
                true = np.argmax(pb, axis=1)
                true += offsets
                p_true = pb.reshape(-1)[true]
                one_hot = bool((p_true > 0).all())
        if one_hot:
            s = p_true  # the sum of a row of zeros and one number is that number, exactly
            if checks:  # so check_distribution's float64 sum is that number too
                sums = s.astype(np.float64)
                labels_ok = bool((p_true <= 1).all() and (np.abs(sums - 1.0) <= tol).all())
        else:
            if cast:
                if checks:
                    label_sums = pb.sum(axis=1)
                    labels_ok = labels_pass(pb, label_sums, tol, margin)
                cast_pb = scratch(buffers, "p", (rows, n), dtype)
                np.copyto(cast_pb, pb, casting="unsafe")  # a tiny label may round to 0
                pb = cast_pb
            s = pb.sum(axis=1)
            if checks and not cast:
                labels_ok = labels_pass(pb, s, tol, margin)
        e = grad2[start:stop] if want_grad else scratch(buffers, "e", (rows, n), dtype)
        d = scratch(buffers, "d", (rows, n), dtype) if want_loss and not one_hot else e
        np.subtract(zb, top[:, np.newaxis], out=d)  # <= 0; -inf where z = -inf
        if want_loss and one_hot:
            d_true = zb.reshape(-1)[true] - top  # the one entry of d the loss needs
        np.exp(d, out=e)
        e.reshape(-1)[flat] = 0  # the maximum's exp(0) = 1 is added back by log1p
        rest = e.sum(axis=1)
        if want_loss:
            if one_hot:  # the one term that is not 0 (or NaN, 0 * -inf, taken as 0)
                d_true -= np.log1p(rest)
                d_true *= p_true
                neg_loss[start:stop] = d_true
            else:
                d -= np.log1p(rest)[:, np.newaxis]  # log softmax(z)
                d *= pb  # NaN where p = 0 and z = -inf ...
                out = d.sum(axis=1)
                bad = np.isnan(out)
                if bad.any():  # ... which only a -inf logit can cause: 0 log 0 = 0
                    terms = d[bad]
                    terms[pb[bad] == 0] = 0
                    out[bad] = terms.sum(axis=1)
                neg_loss[start:stop] = out
        if want_grad:
            denom = 1 + rest
            e /= denom[:, np.newaxis]  # q, except at the maximum
            if not (s == 1).all():  # times 1 changes nothing
                e *= s[:, np.newaxis]
            if one_hot:  # subtracting a label of 0 changes nothing
                e.reshape(-1)[true] -= p_true
            else:
                e -= pb
            pk = pb.reshape(-1)[flat]
            direct = s / denom - pk
            careful = (s - pk) - s * (rest / denom)
            e.reshape(-1)[flat] = np.where(pk > s / 2, careful, direct)
            scale_rows(e, weights, start, stop, total, scale)
        return labels_ok

    results = run_blocks(m, n, np.dtype(dtype).itemsize, work, threads, block_rows)
    if checks:
        finish_checks(all(results), tops, p, "labels", z, "logits", ax)
    grad = None if grad2 is None else from_rows(grad2, z.shape, ax)
    return neg_loss, grad


def sparse_rows(
    k: np.ndarray,
    z: np.ndarray,
    *,
    want_loss: bool,
    want_grad: bool,
    weights: np.ndarray | None = None,
    total=None,
    scale: bool = False,
    threads: int | None = None,
    block_rows: int | None = None,
    checks: bool = True,
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Loss and gradient of the softmax cross-entropy with class ids ``k``, logits checked.

    ``k`` are int64 class ids, already checked, of shape ``z.shape[:-1]``; the classes are the
    last axis of ``z``. Returns ``(loss, grad)``: the loss ``logsumexp(z) - z_k`` per example,
    flat, and the gradient ``softmax(z) - onehot(k)`` with ``z``'s shape, each None unless
    asked for; ``weights``, ``total``, ``scale`` and ``checks`` as in :func:`dense_rows`.

    The steps are those of :func:`dense_rows` with one-hot labels, without building them:
    where it subtracts a label of 0 nothing changes, and multiplying by the labels' sum, 1,
    changes nothing either, so the gradient is the same to the bit.
    """
    ax = z.ndim - 1
    z2 = as_rows(z, ax)
    k2 = k.reshape(-1)
    m, n = z2.shape
    dtype = z2.dtype
    loss = np.empty(m, dtype=dtype) if want_loss else None
    grad2 = np.empty_like(z2) if want_grad else None
    tops = np.empty(m, dtype=dtype)

    def work(start: int, stop: int, buffers: dict) -> None:
        zb = z2[start:stop]
        rows = stop - start
        offsets = np.arange(0, rows * n, n)
        flat = np.argmax(zb, axis=1)
        flat += offsets
        top = np.take(zb.reshape(-1), flat, out=tops[start:stop])
        true = k2[start:stop] + offsets
        e = grad2[start:stop] if want_grad else scratch(buffers, "e", (rows, n), dtype)
        np.subtract(zb, top[:, np.newaxis], out=e)
        np.exp(e, out=e)
        e.reshape(-1)[flat] = 0
        rest = e.sum(axis=1)
        if want_loss:
            out = top - zb.reshape(-1)[true]  # >= 0; +inf where z_k = -inf
            out += np.log1p(rest)
            loss[start:stop] = out
        if want_grad:
            denom = 1 + rest
            e /= denom[:, np.newaxis]
            e.reshape(-1)[true] -= 1
            at_top = rest / denom
            np.subtract(0, at_top, out=at_top)  # 0 - x, as (1 - 1) - x: +0, not -0
            direct = 1 / denom
            e.reshape(-1)[flat] = np.where(true == flat, at_top, direct)
            scale_rows(e, weights, start, stop, total, scale)

    run_blocks(m, n, np.dtype(dtype).itemsize, work, threads, block_rows)
    if checks:
        finish_checks(True, tops, None, None, z, "logits", ax)
    grad = None if grad2 is None else grad2.reshape(z.shape)
    return loss, grad


def scale_rows(e: np.ndarray, weights, start: int, stop: int, total, scale: bool) -> None:
    """Multiply rows of the gradient block ``e`` by their weights and divide by ``total``.

    As ``crossent.gradients._reduce_gradient`` does, and then ``+ 0`` turns any ``-0`` that a
    weight of 0 or an underflow made into ``+0``, as ``crossent._validate.plus_zero`` does.
    """
    if weights is None and not scale:
        return
    if weights is not None:
        e *= weights[start:stop, np.newaxis]
    if scale:
        if total > 0:
            e /= total
        else:
            e[...] = 0
    e += e.dtype.type(0)


# --- Softmax, log-softmax and log-sum-exp -----------------------------------------------------


def softmax_rows(
    z: np.ndarray,
    axis: int | tuple[int, ...],
    temperature: float = 1.0,
    threads: int | None = None,
    block_rows: int | None = None,
) -> np.ndarray:
    """``crossent.softmax`` of ``z`` along ``axis`` (an int or a sorted tuple), logits checked.

    ``exp((z - max z) / T)`` divided by its sum: the operations of the package's whole-array
    code before it worked in blocks, in the same order (see :func:`dense_rows`).
    """
    z2 = as_rows(z, axis)
    m, n = z2.shape
    out2 = np.empty_like(z2)
    dtype = z2.dtype
    with np.errstate(over="ignore", under="ignore"):
        scale = dtype.type(temperature)
    direct = 0 < scale < np.inf  # else T is beyond float32's range: divide in float64

    tops = np.empty(m, dtype=dtype)

    def work(start: int, stop: int, buffers: dict) -> None:
        zb = z2[start:stop]
        top = np.max(zb, axis=1, out=tops[start:stop])
        e = out2[start:stop]
        np.subtract(zb, top[:, np.newaxis], out=e)  # <= 0: exp cannot overflow
        if temperature != 1.0:
            if direct:
                e /= scale
            else:
                np.copyto(e, e.astype(np.float64) / temperature, casting="unsafe")
        np.exp(e, out=e)
        e /= e.sum(axis=1, keepdims=True)  # at least 1: the maximum gives exp(0)

    run_blocks(m, n, dtype.itemsize, work, threads, block_rows)
    finish_checks(True, tops, None, None, z, "z", axis)
    return from_rows(out2, z.shape, axis)


def log_normalizer_rows(
    z: np.ndarray,
    axis: int | tuple[int, ...],
    name: str,
    *,
    log_softmax: bool = False,
    threads: int | None = None,
    block_rows: int | None = None,
) -> np.ndarray:
    """``logsumexp`` of each row of ``z`` (flat), or ``log_softmax`` (``z``'s shape).

    ``logsumexp(z) = z_max + rest`` with ``z_max`` the row maximum and ``rest =
    log1p(sum of exp(z_j - z_max) over the other entries)``. Leaving the largest entry's
    ``exp(0) = 1`` out of the sum and adding it back with ``log1p`` keeps ``rest`` accurate
    when it is tiny: a confident prediction with loss 1e-12 gets it to full precision, where
    ``log(1 + 1e-12)`` would lose four digits. (Ties for the maximum are fine: only one of
    them is left out.) ``log_softmax`` is then ``(z - z_max) - rest``. The logits are checked
    (``name`` is their name in messages).
    """
    z2 = as_rows(z, axis)
    m, n = z2.shape
    dtype = z2.dtype
    out2 = np.empty_like(z2) if log_softmax else np.empty(m, dtype=dtype)

    tops = np.empty(m, dtype=dtype)

    def work(start: int, stop: int, buffers: dict) -> None:
        zb = z2[start:stop]
        rows = stop - start
        flat = np.argmax(zb, axis=1)
        flat += np.arange(0, rows * n, n)
        top = np.take(zb.reshape(-1), flat, out=tops[start:stop])
        e = scratch(buffers, "e", (rows, n), dtype)
        np.subtract(zb, top[:, np.newaxis], out=e)  # -inf where z = -inf or it overflows
        if log_softmax:
            np.copyto(out2[start:stop], e)
        np.exp(e, out=e)
        e.reshape(-1)[flat] = 0
        rest = np.log1p(e.sum(axis=1))
        if log_softmax:
            out2[start:stop] -= rest[:, np.newaxis]
        else:
            out2[start:stop] = top + rest

    run_blocks(m, n, dtype.itemsize, work, threads, block_rows)
    finish_checks(True, tops, None, None, z, name, axis)
    return from_rows(out2, z.shape, axis) if log_softmax else out2
