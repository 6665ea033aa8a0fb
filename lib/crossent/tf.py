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
(:func:`gradient`) and the versions to print (:func:`versions`).
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

__all__ = ["article_snippet_tf1", "article_snippet_tf2", "gradient", "versions"]


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
