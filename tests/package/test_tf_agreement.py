"""crossent against TensorFlow and Keras: the losses, their gradients, and crossent.tf.

Skipped, with the reason, when TensorFlow is not installed (``pip install "crossent[tf]"``).

Tolerances. Both implementations round every operation to the working precision,
eps = 2^-23 = 1.19e-7 (float32) or 2^-52 = 2.22e-16 (float64), and do the same mathematics in
different orders, so what is bounded is the difference of two rounded results:

- Softmax losses (dense and sparse), a row of n logits of largest magnitude L: the loss is
  ``sum_i p_i (m - z_i) + log sum_j exp(z_j - m)``, a combination of differences of numbers up
  to L in size, so each term carries an absolute rounding error of about eps·L, and summing n
  of them gives up to n such errors. Tolerance per row: ``atol = 4 n eps (1 + L)``, rtol = 0
  (the loss is at most 2L + log n, so this also covers its relative error). For float32 with
  n = 8 and |z| <= 30 that is 1.2e-4 absolute on losses up to 60 (2e-6 relative); for float64,
  2.2e-13. Measured over 3000 random batches per dtype, extremes included: at most
  0.53 n eps (1 + L) in float32 and 0.36 in float64, a margin of 8 or more.
- Sigmoid loss, the same formula in both, ``max(x, 0) - x p + log1p(exp(-|x|))``, whose
  subtraction cancels numbers up to |x| in size: ``atol = 4 eps (1 + |x|)`` elementwise
  (measured: at most 1.0 eps (1 + |x|)).
- Gradients ``softmax(z) sum(p) - p`` and ``sigmoid(x) - p`` have entries in [-1, 1] and an
  absolute rounding error of a few eps, the softmax one n eps for the sum of n exponentials
  in its normaliser: ``atol = 4 n eps`` and ``4 eps`` (measured: at most 0.5 n eps and 1 eps).
  TensorFlow computes ``q - p`` directly, crossent without the cancellation in ``q_k - 1``:
  their difference is TensorFlow's rounding, a few eps absolute.
- Keras' batch means: the mean of the row tolerances, plus 4 m eps |mean| for summing m losses.

Where TensorFlow itself gives inf or NaN at extreme logits, only the entries where it is finite
are compared, and the others are checked to be crossent's limits, because there crossent is
right and TensorFlow is not:

- softmax, float32 logits of ±3e38: ``z_i - max(z)`` overflows to -inf; TensorFlow then
  multiplies it by the label, and a label of 0 gives ``0 · inf = NaN``, where crossent skips
  classes with p = 0 (their term is 0) and gives a finite loss or, where p > 0, ``+inf``;
- sigmoid at x = ±inf: in TensorFlow's formula ``x · p`` is ``inf · 0 = NaN`` for a label of
  0, and ``max(x, 0) - x p`` is ``inf - inf = NaN`` at +inf for any positive label; only -inf
  with a positive label gives its (right) +inf. crossent takes the limits: 0 for a right
  answer, +inf for a wrong one.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent

pytestmark = pytest.mark.tf

REASON = 'TensorFlow is not installed: pip install "crossent[tf]" to compare crossent with it'
# crossent.tf first: it sets TensorFlow's logging and oneDNN switches, as the book runs it, and
# then imports TensorFlow; without TensorFlow it raises ModuleNotFoundError and the file skips
ctf = pytest.importorskip("crossent.tf", reason=REASON)
tf = pytest.importorskip("tensorflow", reason=REASON)
keras = pytest.importorskip("keras", reason=REASON)

DTYPES = [np.float32, np.float64]
EXAMPLES = settings(max_examples=40, deadline=None)

P = [[1, 0, 0], [1, 0, 0]]  # the article's labels, a batch of m = 2, n = 3
Q = [[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]]  # its q1 and q2

# ---------------------------------------------------------------------------------------------
# Inputs and tolerances


def big(dtype):
    """The extreme logit magnitude: 3e38 in float32 (its maximum is 3.4e38), 1e308 in float64."""
    return float(np.float32(3e38)) if dtype == np.float32 else 1e308


def logit_values(dtype, extremes=True):
    width = 32 if dtype == np.float32 else 64
    values = st.one_of(st.floats(-30, 30, width=width), st.sampled_from([0.0, 1e4, -1e4]))
    if not extremes:
        return values
    b = big(dtype)
    return st.one_of(values, st.sampled_from([b, -b]), st.floats(-b, b, width=width))


@st.composite
def batches(draw, dtype, extremes=True, one_hot=None, min_n=1):
    """(p, k, z): labels (one-hot or soft; k the class ids, None for soft) and logits, m×n."""
    m, n = draw(st.integers(1, 4)), draw(st.integers(min_n, 8))
    z = draw(hnp.arrays(dtype, (m, n), elements=logit_values(dtype, extremes)))
    if one_hot is None:
        one_hot = draw(st.booleans())
    if one_hot:
        k = draw(hnp.arrays(np.int64, m, elements=st.integers(0, n - 1)))
        return np.eye(n, dtype=dtype)[k], k, z
    w = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(0, 1)))
    w[:, 0] += 1e-3  # no empty row
    return (w / w.sum(axis=1, keepdims=True)).astype(dtype), None, z


def eps(dtype):
    return float(np.finfo(dtype).eps)


def softmax_loss_tol(z):
    """4 n eps (1 + L) per row, L the row's largest |logit| (see the module docstring)."""
    n = z.shape[-1]
    return 4 * n * eps(z.dtype) * (1 + np.abs(z.astype(np.float64)).max(axis=-1))


def assert_close_where_tf_is_finite(ours, theirs, tol):
    """Compare where TensorFlow is finite; where it is inf, crossent must be the same inf;
    where it is NaN (an extreme logit; see the module docstring), crossent must not be."""
    ours = np.asarray(ours, dtype=np.float64)
    theirs = np.asarray(theirs, dtype=np.float64)
    tol = np.broadcast_to(tol, theirs.shape)
    finite = np.isfinite(theirs)
    err = np.abs(ours[finite] - theirs[finite])
    assert np.all(err <= tol[finite]), (
        f"crossent {ours[finite][err > tol[finite]]} vs TensorFlow "
        f"{theirs[finite][err > tol[finite]]}, tolerance {tol[finite][err > tol[finite]]}"
    )
    inf = np.isinf(theirs)
    np.testing.assert_array_equal(ours[inf], theirs[inf])
    assert not np.isnan(ours).any()


def tape_gradient(loss_fn, x):
    """TensorFlow's value and gradient (of the sum) of loss_fn at x, with GradientTape."""
    x = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x)
        value = loss_fn(x)
    return value.numpy(), tape.gradient(value, x).numpy()


# ---------------------------------------------------------------------------------------------
# tf.nn losses and their gradients


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data())
def test_softmax_cross_entropy_and_its_gradient(dtype, data):
    p, _, z = data.draw(batches(dtype))
    theirs, their_grad = tape_gradient(
        lambda logits: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=logits), z
    )
    ours = crossent.softmax_cross_entropy_with_logits(p, z)
    assert ours.dtype == dtype and theirs.dtype == dtype
    assert_close_where_tf_is_finite(ours, theirs, softmax_loss_tol(z))
    grad = crossent.softmax_cross_entropy_grad(p, z)
    assert grad.dtype == dtype
    assert_close_where_tf_is_finite(grad, their_grad, 4 * z.shape[-1] * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data())
def test_sparse_softmax_cross_entropy_and_its_gradient(dtype, data):
    _, k, z = data.draw(batches(dtype, one_hot=True))
    theirs, their_grad = tape_gradient(
        lambda logits: tf.nn.sparse_softmax_cross_entropy_with_logits(labels=k, logits=logits), z
    )
    ours = crossent.sparse_softmax_cross_entropy_with_logits(k, z)
    assert ours.dtype == dtype
    assert_close_where_tf_is_finite(ours, theirs, softmax_loss_tol(z))
    grad = crossent.sparse_softmax_cross_entropy_grad(k, z)
    assert_close_where_tf_is_finite(grad, their_grad, 4 * z.shape[-1] * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data())
def test_sigmoid_cross_entropy_and_its_gradient(dtype, data):
    width = 32 if dtype == np.float32 else 64
    values = st.one_of(logit_values(dtype), st.sampled_from([math.inf, -math.inf]))
    x = data.draw(hnp.arrays(dtype, st.integers(1, 12), elements=values))
    labels = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0, 1, width=width))
    p = data.draw(hnp.arrays(dtype, x.shape, elements=labels))
    theirs, their_grad = tape_gradient(
        lambda logits: tf.nn.sigmoid_cross_entropy_with_logits(labels=p, logits=logits), x
    )
    ours = crossent.sigmoid_cross_entropy_with_logits(p, x)
    assert ours.dtype == dtype
    tol = 4 * eps(dtype) * (1 + np.abs(x.astype(np.float64)))
    assert_close_where_tf_is_finite(ours, theirs, tol)
    grad = crossent.sigmoid_cross_entropy_grad(p, x)
    assert grad.dtype == dtype
    assert_close_where_tf_is_finite(grad, their_grad, 4 * eps(dtype))


def test_where_tensorflow_gives_nan_crossent_gives_the_limits():
    # the cases the module docstring describes, pinned down
    z = np.float32([[3e38, -3e38, 0.0]])
    p = np.float32([[1, 0, 0]])
    theirs = tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z).numpy()
    assert np.isnan(theirs[0])  # 0 · (-inf) for the class with label 0
    assert crossent.softmax_cross_entropy_with_logits(p, z)[0] == 0.0
    x = np.array([math.inf, -math.inf, math.inf, math.inf, -math.inf])
    p = np.array([1.0, 0.0, 0.0, 0.5, 1.0])
    theirs = tf.nn.sigmoid_cross_entropy_with_logits(labels=p, logits=x).numpy()
    np.testing.assert_array_equal(np.isnan(theirs), [True, True, True, True, False])
    assert theirs[-1] == math.inf
    np.testing.assert_array_equal(
        crossent.sigmoid_cross_entropy_with_logits(p, x), [0, 0, math.inf, math.inf, math.inf]
    )


def test_confident_right_answer_tensorflow_rounds_its_gradient_to_zero():
    # q_0 - 1 for q_0 = 1 - 4.2e-18: TensorFlow's direct subtraction gives 0, crossent -4.2e-18
    p, z = np.array([[1.0, 0.0]]), np.array([[40.0, 0.0]])
    _, theirs = tape_gradient(
        lambda logits: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=logits), z
    )
    ours = crossent.softmax_cross_entropy_grad(p, z)
    tiny = 1 / (1 + math.exp(40))
    np.testing.assert_allclose(ours, [[-tiny, tiny]], rtol=1e-15)
    assert abs(theirs[0, 0]) <= 4 * eps(np.float64)  # 0 or a rounding error, not -4.2e-18
    np.testing.assert_allclose(theirs, ours, rtol=0, atol=4 * 2 * eps(np.float64))


# ---------------------------------------------------------------------------------------------
# Keras losses: crossent + reduce_loss(mean), and the gradient of the mean


def keras_tol(row_tols, mean):
    """The mean of the rows' tolerances plus 4 m eps |mean| for summing m losses."""
    m = len(row_tols)
    return float(np.mean(row_tols)) + 4 * m * eps(np.asarray(mean).dtype) * abs(float(mean))


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data(), smoothing=st.sampled_from([0.0, 0.1]))
def test_keras_categorical_crossentropy(dtype, data, smoothing):
    p, _, z = data.draw(batches(dtype, extremes=False, min_n=2))  # Keras warns for n = 1
    loss = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=smoothing, dtype=np.dtype(dtype).name
    )
    theirs, their_grad = tape_gradient(lambda logits: loss(p, logits), z)
    n = z.shape[-1]
    smooth = p * dtype(1 - smoothing) + dtype(smoothing / n)  # as Keras smooths, in dtype
    ours = crossent.reduce_loss(crossent.softmax_cross_entropy_with_logits(smooth, z))
    assert ours.dtype == dtype and theirs.dtype == dtype
    assert abs(float(ours) - float(theirs)) <= keras_tol(softmax_loss_tol(z), ours)
    grad = crossent.softmax_cross_entropy_grad(smooth, z, reduction="mean")
    np.testing.assert_allclose(grad, their_grad, rtol=0, atol=4 * n * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data())
def test_keras_sparse_categorical_crossentropy(dtype, data):
    _, k, z = data.draw(batches(dtype, extremes=False, one_hot=True, min_n=2))
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, dtype=np.dtype(dtype).name)
    theirs, their_grad = tape_gradient(lambda logits: loss(k, logits), z)
    ours = crossent.reduce_loss(crossent.sparse_softmax_cross_entropy_with_logits(k, z))
    assert abs(float(ours) - float(theirs)) <= keras_tol(softmax_loss_tol(z), ours)
    grad = crossent.sparse_softmax_cross_entropy_grad(k, z, reduction="mean")
    np.testing.assert_allclose(grad, their_grad, rtol=0, atol=4 * z.shape[-1] * eps(dtype))


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data(), smoothing=st.sampled_from([0.0, 0.2]))
def test_keras_binary_crossentropy(dtype, data, smoothing):
    # Keras averages over the last axis, then over the batch: with rows of equal length, the
    # mean over all elements
    m, n = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 6))
    x = data.draw(hnp.arrays(dtype, (m, n), elements=logit_values(dtype, extremes=False)))
    p = data.draw(hnp.arrays(dtype, (m, n), elements=st.sampled_from([0.0, 1.0])))
    loss = keras.losses.BinaryCrossentropy(
        from_logits=True, label_smoothing=smoothing, dtype=np.dtype(dtype).name
    )
    theirs, their_grad = tape_gradient(lambda logits: loss(p, logits), x)
    smooth = p * dtype(1 - smoothing) + dtype(0.5 * smoothing)  # towards 1/2, as Keras does
    ours = crossent.reduce_loss(crossent.sigmoid_cross_entropy_with_logits(smooth, x))
    tol = 4 * eps(dtype) * (1 + np.abs(x.astype(np.float64)).max()) + 4 * m * n * eps(dtype) * abs(
        float(ours)
    )
    assert abs(float(ours) - float(theirs)) <= tol
    grad = crossent.sigmoid_cross_entropy_grad(smooth, x, reduction="mean")
    np.testing.assert_allclose(grad, their_grad, rtol=0, atol=4 * eps(dtype))


def test_keras_sample_weights_and_reduce_loss():
    # Keras' default reduction divides the weighted sum by m, whatever the weights; its
    # "mean_with_sample_weight" divides by the sum of the weights, as reduce_loss does
    p = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    z = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 0.0], [1.0, 3.0, -2.0]])
    w = np.array([1.0, 0.0, 2.0])
    losses = crossent.softmax_cross_entropy_with_logits(p, z)
    default = keras.losses.CategoricalCrossentropy(from_logits=True, dtype="float64")
    assert float(default(p, z, sample_weight=w)) == pytest.approx(
        float(crossent.reduce_loss(losses, "sum", weights=w)) / 3, rel=1e-14
    )
    weighted = keras.losses.CategoricalCrossentropy(
        from_logits=True, reduction="mean_with_sample_weight", dtype="float64"
    )
    ours = crossent.reduce_loss(losses, weights=w)
    assert float(weighted(p, z, sample_weight=w)) == pytest.approx(float(ours), rel=1e-14)
    _, their_grad = tape_gradient(lambda logits: weighted(p, logits, sample_weight=w), z)
    grad = crossent.softmax_cross_entropy_grad(p, z, reduction="mean", weights=w)
    np.testing.assert_allclose(grad, their_grad, rtol=0, atol=1e-15)


# ---------------------------------------------------------------------------------------------
# crossent.tf: the article's snippet, gradient(), versions(), and a quiet import

ARTICLE_MEAN = -(math.log(0.5) + math.log(0.8)) / 6  # the snippet's mean over 2×3 entries


@pytest.mark.parametrize("snippet", [ctf.article_snippet_tf1, ctf.article_snippet_tf2])
def test_the_article_snippet_gives_the_mean_over_all_entries(snippet):
    value = snippet(P, Q)
    assert isinstance(value, float)
    assert round(value, 5) == 0.15272
    assert value == pytest.approx(ARTICLE_MEAN, rel=4 * eps(np.float32))  # computed in float32
    # n = 3 times less than the mean cross-entropy of the batch, 0.458
    mean = float(crossent.reduce_loss(crossent.cross_entropy(P, Q)))
    assert value == pytest.approx(mean / 3, rel=4 * eps(np.float32))
    assert tf.executing_eagerly()  # the TF1 graph and session did not switch eager mode off


def test_the_snippet_clips_where_crossent_does_not():
    # q = 0 for the true class: the snippet's clip gives -ln(1e-10) / n, crossent infinity
    p, q = np.array([[1.0, 0.0]]), np.array([[0.0, 1.0]])
    clipped = -math.log(float(np.float32(1e-10))) / 2
    assert ctf.article_snippet_tf1(p, q) == pytest.approx(clipped, rel=1e-6)
    assert ctf.article_snippet_tf2(p, q) == pytest.approx(clipped, rel=1e-6)
    assert crossent.cross_entropy(p, q)[0] == math.inf


@pytest.mark.parametrize("snippet", [ctf.article_snippet_tf1, ctf.article_snippet_tf2])
def test_snippet_bad_input(snippet):
    with pytest.raises(ValueError, match=r"y_ and y must have the same shape; got y_ shape"):
        snippet([[1, 0]], [[0.5, 0.25, 0.25]])
    with pytest.raises(TypeError, match=r"y must be an array of real numbers"):
        snippet([[1, 0]], [["a", "b"]])


def test_gradient_helper():
    p = np.array([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    value, grad = ctf.gradient(
        lambda logits: tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=logits), z
    )
    np.testing.assert_allclose(value, crossent.softmax_cross_entropy_with_logits(p, z), rtol=1e-14)
    np.testing.assert_allclose(grad, crossent.softmax_cross_entropy_grad(p, z), atol=1e-15)
    value, grad = ctf.gradient(lambda x: tf.reduce_sum(x**2), np.float32([1, -2]))
    assert isinstance(value, np.float32) and value == 5
    assert grad.dtype == np.float32
    np.testing.assert_array_equal(grad, [2, -4])
    value, grad = ctf.gradient(lambda x: 3 * x, 2)  # integers become float64; d(3x)/dx = 3
    assert value == 6.0 and grad == 3.0 and grad.dtype == np.float64


def test_gradient_helper_bad_input():
    with pytest.raises(ValueError, match=r"fn's result does not depend on x through TensorFlow"):
        ctf.gradient(lambda x: np.sum(np.asarray(x) ** 2), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"got float"):
        ctf.gradient(lambda x: 1.0, [1.0])
    with pytest.raises(TypeError, match=r"fn must be a function of one tensor; got int 3"):
        ctf.gradient(3, [1.0])
    with pytest.raises(TypeError, match=r"x must hold real numbers"):
        ctf.gradient(tf.math.square, [1j])


def test_versions():
    assert ctf.versions() == {
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }
    assert tf.get_logger().level == 40  # ERROR


def test_crossent_tf_imports_and_runs_without_stderr():
    # a notebook cell's stderr is stored in the book: importing crossent.tf must keep it empty
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    code = (
        "from crossent import tf as ctf\n"
        "print(round(ctf.article_snippet_tf1([[1, 0]], [[0.5, 0.5]]), 6))\n"
        "print(round(ctf.article_snippet_tf2([[1, 0]], [[0.5, 0.5]]), 6))\n"
        "print(sorted(ctf.versions()))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    half_ln2 = f"{round(math.log(2) / 2, 6)}"
    assert done.stdout.split("\n")[:3] == [half_ln2, half_ln2, "['keras', 'numpy', 'tensorflow']"]


# ---------------------------------------------------------------------------------------------
# Chapter 11: focal loss, label smoothing and class weights against Keras
#
# Keras' CategoricalFocalCrossentropy computes alpha * (1 - q)^gamma * (-log q) summed over the
# classes, from q = softmax(z) clipped to [1e-7, 1 - 1e-7] (keras.backend.epsilon()), with
# alpha = 0.25 by default: with alpha = 1 it is crossent's focal loss wherever no probability
# is clipped.


def ordinary_focal_batches(dtype):
    """Logits in [-4, 4] and n <= 8: every probability is above e^-8 / 8 = 4e-5 and below
    1 - 4e-5, far inside Keras' clip."""
    return st.tuples(st.integers(1, 4), st.integers(2, 8)).flatmap(
        lambda shape: st.tuples(
            hnp.arrays(dtype, shape, elements=st.floats(-4, 4, width=32)),
            hnp.arrays(np.float64, shape, elements=st.floats(0, 1)),
            st.booleans(),
        )
    )


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data(), gamma=st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.5]))
def test_keras_focal_with_alpha_one_is_crossents_focal_loss(dtype, data, gamma):
    z, w, one_hot = data.draw(ordinary_focal_batches(dtype))
    if one_hot:
        p = np.eye(z.shape[1], dtype=dtype)[np.argmax(w, axis=1)]
    else:
        w[:, 0] += 1e-3
        p = (w / w.sum(axis=1, keepdims=True)).astype(dtype)
    loss = keras.losses.CategoricalFocalCrossentropy(
        alpha=1.0, gamma=gamma, from_logits=True, reduction=None, dtype=np.dtype(dtype).name
    )
    theirs = np.asarray(loss(p, z))
    ours = crossent.focal_loss_with_logits(p, z, gamma=gamma)
    assert ours.dtype == dtype
    # Keras forms 1 - q by subtraction, a relative error of eps / (1 - q) in the factor, raised
    # to the power gamma; log q carries an absolute error of a few eps. Per row, with the
    # smallest 1 - q of the row (at least 3e-4 here):
    q = crossent.softmax(z.astype(np.float64))
    rel = 8 * eps(dtype) * (1 + gamma / (1 - q.max(axis=1)))
    err = np.abs(ours.astype(np.float64) - theirs.astype(np.float64))
    assert np.all(err <= rel * np.abs(ours) + 8 * z.shape[1] * eps(dtype)), (err, rel)
    # Keras' default alpha = 0.25 scales every loss by a quarter
    default = keras.losses.CategoricalFocalCrossentropy(
        gamma=gamma, from_logits=True, reduction=None, dtype=np.dtype(dtype).name
    )
    err = np.abs(0.25 * ours.astype(np.float64) - np.asarray(default(p, z), dtype=np.float64))
    assert np.all(err <= 0.25 * (rel * np.abs(ours) + 8 * z.shape[1] * eps(dtype)))


def test_keras_focal_clips_the_probabilities_at_extreme_logits():
    loss = keras.losses.CategoricalFocalCrossentropy(
        alpha=1.0, gamma=2.0, from_logits=True, reduction=None, dtype="float64"
    )
    # confidently right, 1 - q = e^-40: crossent (e^-40)^2 e^-40 = e^-120; Keras clips q to
    # 1 - 1e-7 and gives (1e-7)^2 * 1e-7 = 1e-21
    right = crossent.focal_loss_with_logits([[1.0, 0.0]], [[0.0, -40.0]])
    assert float(right[0]) == pytest.approx(math.exp(-120), rel=1e-12)
    assert float(np.asarray(loss([[1.0, 0.0]], [[0.0, -40.0]]))[0]) == pytest.approx(
        1e-21, rel=1e-6
    )
    # confidently wrong, q = e^-40: crossent about 40 nats; Keras stops at -log(1e-7) = 16.1
    wrong = crossent.focal_loss_with_logits([[1.0, 0.0]], [[0.0, 40.0]])
    assert float(wrong[0]) == pytest.approx(40.0, rel=1e-12)
    keras_wrong = float(np.asarray(loss([[1.0, 0.0]], [[0.0, 40.0]]))[0])
    assert keras_wrong == pytest.approx(-math.log(1e-7) * (1 - 1e-7) ** 2, rel=1e-6)
    # logits 1e4 apart: still finite in crossent (loss 1e4), capped at 16.1 in Keras
    huge = crossent.focal_loss_with_logits([[0.0, 1.0]], [[1e4, 0.0]])
    assert float(huge[0]) == pytest.approx(1e4, rel=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
@EXAMPLES
@given(data=st.data(), smoothing=st.sampled_from([0.0, 0.1, 0.3, 1.0]))
def test_keras_label_smoothing_is_smooth_labels(dtype, data, smoothing):
    p, _, z = data.draw(batches(dtype, extremes=False, min_n=2))
    loss = keras.losses.CategoricalCrossentropy(
        from_logits=True, label_smoothing=smoothing, reduction=None, dtype=np.dtype(dtype).name
    )
    theirs = np.asarray(loss(p, z))
    smooth = crossent.smooth_labels(p, smoothing)
    assert smooth.dtype == dtype
    ours = crossent.softmax_cross_entropy_with_logits(smooth, z)
    assert_close_where_tf_is_finite(
        ours, theirs, softmax_loss_tol(z) + 4 * eps(dtype) * np.abs(ours)
    )


def _keras_softmax_regression(W, b, learning_rate):
    model = keras.Sequential([keras.Input((W.shape[0],)), keras.layers.Dense(W.shape[1])])
    model.layers[0].set_weights([W, b])
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=learning_rate),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def test_keras_class_weight_is_sample_weight_and_sum_over_batch_size():
    # One step of Keras' fit on the whole batch with class_weight, with sample_weight = w[k],
    # and of crossent's class_weighted_cross_entropy: the same loss and the same new weights.
    # Keras 3 turns class_weight into sample_weight (classes missing from the dict get 1) and
    # divides the weighted sum by the batch size, not by the sum of the weights.
    keras.utils.set_random_seed(11)
    rng = np.random.default_rng(11)
    m, d, n = 12, 3, 4
    X = rng.normal(size=(m, d)).astype(np.float32)
    k = rng.integers(0, n, m)
    W = (0.5 * rng.normal(size=(d, n))).astype(np.float32)
    b = (0.1 * rng.normal(size=n)).astype(np.float32)
    w = np.array([0.5, 2.0, 1.0, 3.0])
    lr = 0.1

    by_class = _keras_softmax_regression(W, b, lr)
    h1 = by_class.fit(
        X,
        k,
        batch_size=m,
        epochs=1,
        shuffle=False,
        verbose=0,
        class_weight={i: float(w[i]) for i in range(n)},
    )
    by_sample = _keras_softmax_regression(W, b, lr)
    h2 = by_sample.fit(
        X,
        k,
        batch_size=m,
        epochs=1,
        shuffle=False,
        verbose=0,
        sample_weight=w[k].astype(np.float32),
    )
    W1, b1 = by_class.layers[0].get_weights()
    W2, b2 = by_sample.layers[0].get_weights()
    np.testing.assert_array_equal(W1, W2)
    np.testing.assert_array_equal(b1, b2)
    assert h1.history["loss"][0] == h2.history["loss"][0]

    objective = crossent.training.class_weighted_cross_entropy(w)
    model = crossent.training.SoftmaxRegression(W.astype(np.float64), b.astype(np.float64))
    value = crossent.training.sgd_step(model, X.astype(np.float64), k, lr, objective)
    assert h1.history["loss"][0] == pytest.approx(value, rel=1e-6)  # Keras in float32
    np.testing.assert_allclose(W1, model.params["W"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(b1, model.params["b"], rtol=0, atol=1e-6)
    # and not the mean with the weights' sum as denominator
    ce = crossent.sparse_softmax_cross_entropy_with_logits(k, X.astype(np.float64) @ W + b)
    by_weights = float(np.sum(w[k] * ce) / np.sum(w[k]))
    assert abs(h1.history["loss"][0] - by_weights) > 1e-3
