"""TensorFlow helpers for chapter 8 (TensorFlow) and chapter 9 (gradients).

Not imported with the package, so that ``import crossent`` stays fast and works without
TensorFlow. Import it when a chapter needs it::

    from crossent import tf as ctf

TensorFlow is then imported quietly, so that notebooks get no stderr: before the import,
``TF_CPP_MIN_LOG_LEVEL`` is set to ``"3"`` (C++ log messages: errors only) and
``TF_ENABLE_ONEDNN_OPTS`` to ``"0"``, because TensorFlow 2.21 prints its "oneDNN custom
operations are on" notice before it reads the log level; oneDNN's fused kernels may also round
differently from run to run, and the book's numbers should not. Both are set with
``os.environ.setdefault``, so a value you set beforehand wins, and neither has any effect if
TensorFlow was imported first. TensorFlow's Python logger is set to ``ERROR``.

Contents: the article's snippet as written for TensorFlow 1 (:func:`article_snippet_tf1`) and
in TensorFlow 2 (:func:`article_snippet_tf2`), a value-and-gradient helper
(:func:`gradient`), the versions to print (:func:`versions`), and for chapter 12 the chunked
cross-entropy of a linear layer, differentiable (:func:`linear_cross_entropy`).
"""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

try:
    import tensorflow as tf
except ModuleNotFoundError as err:
    if err.name != "tensorflow":  # TensorFlow is there but broken: show the real error
        raise
    raise ModuleNotFoundError(
        "crossent.tf needs TensorFlow, which is not installed; install it with pip install "
        '"crossent[tf]" (or pip install tensorflow)',
        name="tensorflow",
    ) from err

import numpy as np

from ._validate import as_float_array, as_result, check_same_shape

tf.get_logger().setLevel("ERROR")

__all__ = [
    "article_snippet_tf1",
    "article_snippet_tf2",
    "gradient",
    "linear_cross_entropy",
    "versions",
]


def _snippet_inputs(y_, y) -> tuple[np.ndarray, np.ndarray]:
    """Return the labels and probabilities as float32 arrays of the same shape."""
    labels = as_float_array(y_, "y_")
    probs = as_float_array(y, "y")
    check_same_shape(labels, "y_", probs, "y")
    return labels.astype(np.float32), probs.astype(np.float32)


def article_snippet_tf1(y_, y) -> float:
    """Run the article's TensorFlow 1 code, as written, and return its value.

    .. code-block:: python

        cross_entropy = -tf.reduce_mean(y_ * tf.log(tf.clip_by_value(y, 1e-10, 1.0)))

    ``y_`` (the labels) and ``y`` (the predicted probabilities) are float32 placeholders in a
    new ``tf.Graph``, and the value comes from a ``tf.Session``, with ``tf`` standing for
    ``tf.compat.v1``. Everything happens inside that graph: eager execution, which the rest of
    a notebook relies on, is left on (``tf.compat.v1.disable_v2_behavior()`` would switch it
    off for the whole process). ``reduce_mean`` averages all m×n entries, so this is the mean
    cross-entropy divided by n as well (chapter 7); the clipping at 1e-10 keeps ``log 0`` away
    and also cuts the gradient there (chapter 8).

    Parameters
    ----------
    y_ : array_like
        The expected outputs, an m×n matrix of labels.
    y : array_like
        The network's outputs as probabilities, the same shape.

    Returns
    -------
    float
        The snippet's value, computed in float32.

    Raises
    ------
    ValueError
        If the shapes differ.
    TypeError
        If an input is not real-valued.

    Examples
    --------
    The article's batch: the mean over its 2×3 entries, ``-(ln 0.5 + ln 0.8) / 6``.

    >>> from crossent import tf as ctf
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]
    >>> round(ctf.article_snippet_tf1(p, q), 5)
    0.15272
    """
    labels, probs = _snippet_inputs(y_, y)
    with tf.Graph().as_default():
        cross_entropy, feed = _tf1_graph(tf.compat.v1, labels, probs)
        with tf.compat.v1.Session() as session:
            return float(session.run(cross_entropy, feed_dict=feed))


def _tf1_graph(tf, labels: np.ndarray, probs: np.ndarray):  # tf is tf.compat.v1 here
    """Build the article's graph; return the loss tensor and the feed dict for the session."""
    y_ = tf.placeholder(tf.float32, shape=labels.shape, name="y_")
    y = tf.placeholder(tf.float32, shape=probs.shape, name="y")
    cross_entropy = -tf.reduce_mean(y_ * tf.log(tf.clip_by_value(y, 1e-10, 1.0)))
    return cross_entropy, {y_: labels, y: probs}


def article_snippet_tf2(y_, y) -> float:
    """The article's snippet in TensorFlow 2: eager, with ``tf.math.log`` for ``tf.log``.

    .. code-block:: python

        cross_entropy = -tf.reduce_mean(y_ * tf.math.log(tf.clip_by_value(y, 1e-10, 1.0)))

    ``tf.log`` is gone from TensorFlow 2; everything else runs unchanged, on float32 tensors,
    and gives the same number as :func:`article_snippet_tf1`.

    Parameters
    ----------
    y_ : array_like
        The expected outputs, an m×n matrix of labels.
    y : array_like
        The network's outputs as probabilities, the same shape.

    Returns
    -------
    float
        The snippet's value, computed in float32.

    Raises
    ------
    ValueError
        If the shapes differ.
    TypeError
        If an input is not real-valued.

    Examples
    --------
    >>> from crossent import tf as ctf
    >>> p = [[1, 0, 0], [1, 0, 0]]
    >>> q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]
    >>> round(ctf.article_snippet_tf2(p, q), 5)
    0.15272
    """
    labels, probs = _snippet_inputs(y_, y)
    y_ = tf.constant(labels)
    y = tf.constant(probs)
    cross_entropy = -tf.reduce_mean(y_ * tf.math.log(tf.clip_by_value(y, 1e-10, 1.0)))
    return float(cross_entropy)


def gradient(fn, x):
    """Evaluate ``fn`` at ``x`` and differentiate it with ``tf.GradientTape``.

    ``x`` becomes a constant tensor of its floating dtype (float32 stays float32, integers
    become float64) that the tape watches; ``fn`` must compute with TensorFlow operations. For
    a ``fn`` with several outputs (one loss per example, say) the gradient is that of their
    sum, as ``tape.gradient`` computes it. Chapter 9 compares it with the closed forms in
    :mod:`crossent.gradients`.

    Parameters
    ----------
    fn : callable
        A function of one tensor that returns a tensor.
    x : array_like
        The point, any shape.

    Returns
    -------
    value : numpy.ndarray or numpy scalar
        ``fn(x)``.
    grad : numpy.ndarray
        The gradient of the sum of ``fn(x)`` with respect to ``x``, with ``x``'s shape.

    Raises
    ------
    TypeError
        If ``fn`` is not callable or ``x`` is not real-valued.
    ValueError
        If ``fn``'s result does not depend on ``x`` through TensorFlow operations (it went
        through NumPy, say), so that there is no gradient to take.

    Examples
    --------
    >>> import tensorflow as tf
    >>> from crossent import tf as ctf
    >>> value, grad = ctf.gradient(lambda z: tf.reduce_logsumexp(z), [0.0, 0.0])
    >>> float(value), grad  # log 2, and the gradient of log-sum-exp is softmax
    (0.6931471805599453, array([0.5, 0.5]))
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function of one tensor; got {type(fn).__name__} {fn!r}")
    arr = as_float_array(x, "x")
    point = tf.constant(arr)
    with tf.GradientTape() as tape:
        tape.watch(point)
        value = fn(point)
    grad = None
    if tf.is_tensor(value):
        grad = tape.gradient(value, point)
    if grad is None:
        raise ValueError(
            f"fn's result does not depend on x through TensorFlow operations (got "
            f"{type(value).__name__}); compute it with tf functions, not NumPy, so that "
            "GradientTape can follow it"
        )
    return as_result(np.asarray(value)), np.asarray(grad)


def versions() -> dict[str, str]:
    """The versions of TensorFlow, Keras and NumPy in use, to print at the top of a chapter.

    Examples
    --------
    >>> from crossent import tf as ctf
    >>> sorted(ctf.versions())
    ['keras', 'numpy', 'tensorflow']
    """
    import keras

    return {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__}


def linear_cross_entropy(
    hidden, weight, labels, *, chunk_size=None, ignore_index=None, reduction="mean", z_loss=0.0
):
    r"""Chunked cross-entropy of ``hidden @ weight.T`` in TensorFlow, differentiable.

    The TensorFlow twin of :func:`crossent.linear_cross_entropy` (same arguments, same
    result): the loss is computed chunk by chunk over the n classes with an online
    log-sum-exp, and a ``tf.custom_gradient`` computes the gradients with respect to
    ``hidden`` and ``weight`` chunk by chunk too, recomputing each chunk's logits, so that
    neither the forward pass nor the tape keeps the (m, n) logits. Under ``tf.GradientTape``
    it gives the loss and gradients of
    ``tf.nn.sparse_softmax_cross_entropy_with_logits(labels, tf.matmul(hidden, weight,
    transpose_b=True))`` followed by the reduction, to rounding. It works eagerly and inside
    ``tf.function``; the number of classes n must be known when the function is traced (the
    chunks are a Python loop). Eagerly, the inputs are checked as the NumPy version checks
    them; in a traced function, the shapes are checked when tracing and the labels' range with
    ``tf.debugging`` assertions. ``z_loss`` adds PaLM's z-loss, ``z_loss * logsumexp(z)**2``
    per token, as in the NumPy version. Inside ``tf.function`` every op of a chunk waits for
    the previous chunk, so that TensorFlow's scheduler never holds more than a few chunks of
    logits at once. Chapter 12 explains it.

    Returns
    -------
    tf.Tensor
        The loss: a scalar for ``"sum"`` and ``"mean"``, one per token for ``"none"`` (then
        the tape differentiates their sum, weighted by the upstream gradient).

    Examples
    --------
    >>> import tensorflow as tf
    >>> from crossent import tf as ctf
    >>> hidden = tf.constant([[1.0, 0.0]], dtype="float64")
    >>> weight = tf.Variable([[1.0, 0.0], [0.0, 1.0]], dtype="float64")
    >>> with tf.GradientTape() as tape:
    ...     loss = ctf.linear_cross_entropy(hidden, weight, [1])
    >>> round(float(loss), 6)
    1.313262
    >>> tape.gradient(loss, weight).numpy().round(6) + 0.0  # + 0.0 turns -0 into 0
    array([[ 0.731059,  0.      ],
           [-0.731059,  0.      ]])
    """
    from ._validate import check_reduction
    from .linear import REDUCTIONS, _inputs, _z_loss, default_chunk_size

    check_reduction(reduction, REDUCTIONS)
    z_loss = _z_loss(z_loss)
    h = hidden if tf.is_tensor(hidden) else tf.convert_to_tensor(as_float_array(hidden, "hidden"))
    w = weight if tf.is_tensor(weight) else tf.convert_to_tensor(as_float_array(weight, "weight"))
    if h.dtype != w.dtype:
        wider = tf.float64 if tf.float64 in (h.dtype, w.dtype) else h.dtype
        h, w = tf.cast(h, wider), tf.cast(w, wider)
    k = tf.cast(tf.convert_to_tensor(labels), tf.int64)
    if tf.executing_eagerly():
        arrays = h.numpy(), w.numpy(), k.numpy()
        *_, c = _inputs(*arrays, chunk_size, ignore_index, reduction)
    else:
        if h.shape.rank != 2 or w.shape.rank != 2:
            raise ValueError(
                f"hidden must be (m, d) and weight (n, d); got shapes {h.shape} and {w.shape}"
            )
        if w.shape[0] is None:
            raise ValueError("weight's number of rows n must be known when tracing")
        if h.shape[1] is not None and w.shape[1] is not None and h.shape[1] != w.shape[1]:
            raise ValueError(
                f"hidden and weight must have the same number of features d; got shapes "
                f"{h.shape} and {w.shape}"
            )
        m_static = h.shape[0] or 2048
        c = chunk_size or default_chunk_size(m_static, int(w.shape[0]), h.dtype.size)
        if isinstance(c, bool) or not isinstance(c, int) or c <= 0:
            raise ValueError(
                f"chunk_size must be a positive int (classes per chunk) or None; got {c!r}"
            )
    n = int(w.shape[0])
    c = int(min(c, n))
    counted = tf.ones_like(k, dtype=tf.bool) if ignore_index is None else k != ignore_index
    safe = tf.where(counted, k, tf.zeros_like(k))
    if not tf.executing_eagerly():
        tf.debugging.assert_non_negative(safe, message="labels must be class ids in [0, n)")
        tf.debugging.assert_less(safe, tf.cast(n, tf.int64), message="labels must be < n")
    bounds = [(start, min(start + c, n)) for start in range(0, n, c)]
    dtype = h.dtype

    def chunk_logits(h_, w_, start, stop):
        return tf.matmul(h_, w_[start:stop], transpose_b=True)  # (m, c)

    def reduce(losses, count):
        if reduction == "none":
            return losses
        total = tf.reduce_sum(losses)
        if reduction == "sum":
            return total
        return tf.math.divide_no_nan(total, tf.cast(count, dtype))  # all ignored: 0

    def backward(h_, w_, lse, a):
        # inside tf.function an op runs as soon as its inputs are ready, so every op of a
        # chunk waits for the previous chunk's results: otherwise the one-hot P, which needs
        # only the labels, is made for all the chunks at once, as big as the (m, n) logits
        grad_h = tf.zeros_like(h_)
        grad_w = []
        # with the z-loss, d(lse + z_loss lse^2)/dz = (1 + 2 z_loss lse) q
        q_scale = (1 + 2 * z_loss * lse)[:, tf.newaxis] if z_loss else None
        for start, stop in bounds:
            with tf.control_dependencies([grad_h, *grad_w[-1:]]):  # one chunk at a time
                q = tf.exp(chunk_logits(h_, w_, start, stop) - lse[:, tf.newaxis])
                if q_scale is not None:
                    q *= q_scale
                p = tf.one_hot(safe - start, stop - start, dtype=dtype)  # 0 outside
                g = (q - p) * a[:, tf.newaxis]
                grad_h += tf.matmul(g, w_[start:stop])
                grad_w.append(tf.matmul(g, h_, transpose_a=True))
        return grad_h, tf.concat(grad_w, axis=0)

    @tf.custom_gradient
    def loss_fn(h_, w_):
        # the forward pass below is not for the tape: without stop_gradient an outer
        # GradientTape records every chunk and keeps all the logits alive for nothing
        h_, w_ = tf.stop_gradient(h_), tf.stop_gradient(w_)
        m = tf.shape(h_)[0]
        run_max = tf.fill([m], tf.constant(-np.inf, dtype))
        run_sum = tf.zeros([m], dtype)
        true_logit = tf.zeros([m], dtype)
        for start, stop in bounds:
            # one chunk at a time: in a graph, these logits wait until the previous chunk's
            # are reduced, not just its maximum
            with tf.control_dependencies([run_sum, true_logit]):
                z = chunk_logits(h_, w_, start, stop)
            index = tf.clip_by_value(safe - start, 0, stop - start - 1)
            picked = tf.gather(z, index, axis=1, batch_dims=1)
            true_logit = tf.where((safe >= start) & (safe < stop), picked, true_logit)
            new_max = tf.maximum(run_max, tf.reduce_max(z, axis=1))
            run_sum = run_sum * tf.exp(run_max - new_max) + tf.reduce_sum(
                tf.exp(z - new_max[:, tf.newaxis]), axis=1
            )
            run_max = new_max
        lse = run_max + tf.math.log(run_sum)
        per_token = lse - true_logit + z_loss * tf.square(lse) if z_loss else lse - true_logit
        losses = tf.where(counted, per_token, tf.zeros_like(lse))
        count = tf.reduce_sum(tf.cast(counted, tf.int64))

        def grad(upstream):
            a = tf.cast(counted, dtype) * (
                upstream if reduction == "none" else tf.fill([m], upstream)
            )
            if reduction == "mean":
                a = tf.math.divide_no_nan(a, tf.cast(count, dtype))
            return backward(h_, w_, lse, a)

        return reduce(losses, count), grad

    return loss_fn(h, w)
