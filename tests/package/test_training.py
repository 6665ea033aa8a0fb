"""Tests for crossent.training (chapter 10): the objectives, the two models, the training loop.

Expected values come from somewhere else than the code under test:

- objective values: mpmath at 50 significant digits (:func:`mp_objective`, written from the
  formulas in the module docstring, ``log(1 - q_i)`` as a sum over the other classes so that it
  stays exact when ``q_i`` is within 1e-12 of 1), or TensorFlow's ops;
- gradients: central finite differences of the objective's value (:func:`central_differences`),
  ``mpmath.diff`` of the mpmath objective where float64 differences would be too coarse (huge
  logits), and TensorFlow's ``GradientTape`` of the same formula written in TensorFlow ops
  (:func:`tf_objective`: ``tf.clip_by_value`` for the clip, so that its convention at the
  boundary is TensorFlow's);
- the models' parameter gradients: finite differences of the loss in each parameter
  (:func:`gradient_mismatches`, shown to catch wrong gradients in
  ``test_the_gradient_check_catches_what_it_is_about``), TensorFlow on the same weights, and
  for softmax regression ``X^T (Q - P) / m`` written out with ``np.exp``;
- training: what the loop must do by definition (every index once per epoch, ``theta - lr *
  grad``, the start recorded as epoch 0), checked on the models directly.

Tolerances. Float64 finite differences with step h = 1e-6 err by about h^2 |f'''| / 6 (1e-12)
plus eps |f| / h (2e-10 for |f| near 1), so 1e-7 (1 + |f|) leaves a wide margin and still
catches any wrong term. Against mpmath, a row of n logits of largest magnitude L carries an
absolute rounding error of a few n eps (1 + L) per term (see ``test_tf_agreement.py``); the
per-class binary cross-entropy sums n such terms, hence ``16 n^2 eps (1 + L)``.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import crossent
from crossent import training

NAMES = [
    "cross_entropy",
    "whole_matrix_mean",
    "clipped_cross_entropy",
    "squared_error",
    "per_class_binary_cross_entropy",
]
EPS64 = float(np.finfo(np.float64).eps)
EPS32 = float(np.finfo(np.float32).eps)
EXAMPLES = settings(max_examples=30, deadline=None)
FEW = settings(max_examples=15, deadline=None)

# ---------------------------------------------------------------------------------------------
# Independent references


def dense(labels, n):
    """Labels as an (m, n) float64 array: one-hot rows for class ids (with np.eye)."""
    labels = np.asarray(labels)
    return np.eye(n)[labels] if labels.ndim == 1 else labels.astype(np.float64)


def _mp_rows(name, P, Z, q_min):
    """The objective of the mpmath batch Z (lists of mpf) with dense labels P (mpf)."""
    rows = []
    for p, z in zip(P, Z, strict=True):
        n = len(z)
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in z))
        logq = [v - lse for v in z]
        if name in ("cross_entropy", "whole_matrix_mean"):
            rows.append(-mpmath.fsum(a * lq for a, lq in zip(p, logq, strict=True) if a))
        elif name == "clipped_cross_entropy":
            rows.append(
                -mpmath.fsum(
                    a * mpmath.log(max(mpmath.exp(lq), q_min))
                    for a, lq in zip(p, logq, strict=True)
                    if a
                )
            )
        elif name == "squared_error":
            rows.append(
                mpmath.fsum((mpmath.exp(lq) - a) ** 2 for a, lq in zip(p, logq, strict=True))
            )
        else:  # per-class binary cross-entropy; log(1 - q_i) = log(sum_{j != i} e^z_j) - lse
            terms = []
            for i in range(n):
                rest = mpmath.fsum(mpmath.exp(v) for j, v in enumerate(z) if j != i)
                log1mq = mpmath.log(rest) - lse if rest else mpmath.mpf("-inf")
                if p[i]:
                    terms.append(p[i] * logq[i])
                if p[i] != 1:
                    terms.append((1 - p[i]) * log1mq)
            rows.append(-mpmath.fsum(terms))
    value = mpmath.fsum(rows) / len(Z)
    return value / len(Z[0]) if name == "whole_matrix_mean" else value


def mp_objective(name, labels, logits, q_min=1e-10):
    """The objective ``name`` at 50 digits, from the formula (not from crossent)."""
    Z = np.asarray(logits, dtype=np.float64)
    with mpmath.workdps(50):
        P = [[mpmath.mpf(float(a)) for a in row] for row in dense(labels, Z.shape[1])]
        Zm = [[mpmath.mpf(float(v)) for v in row] for row in Z]
        return float(_mp_rows(name, P, Zm, mpmath.mpf(q_min)))


def mp_gradient(name, labels, logits, q_min=1e-10):
    """d(objective)/d(logits) by mpmath.diff of the mpmath objective, entry by entry."""
    Z = np.asarray(logits, dtype=np.float64)
    out = np.empty(Z.shape)
    with mpmath.workdps(50):
        P = [[mpmath.mpf(float(a)) for a in row] for row in dense(labels, Z.shape[1])]
        Zm = [[mpmath.mpf(float(v)) for v in row] for row in Z]
        for r, j in np.ndindex(Z.shape):

            def f(t, r=r, j=j):
                trial = [list(row) for row in Zm]
                trial[r][j] = t
                return _mp_rows(name, P, trial, mpmath.mpf(q_min))

            out[r, j] = float(mpmath.diff(f, Zm[r][j]))
    return out


def central_differences(f, x, h=1e-6):
    """The gradient of the scalar function f at the array x by central differences."""
    x = np.array(x, dtype=np.float64)
    grad = np.empty_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += h
        down[idx] -= h
        grad[idx] = (f(up) - f(down)) / (2 * h)
    return grad


def fd_tol(value):
    return 1e-7 * (1 + abs(value))


def gradient_mismatches(model, X, labels, objective="cross_entropy", h=1e-6):
    """The parameters whose gradient from ``loss_and_gradients`` is not the finite difference.

    The numerical gradient differentiates the objective's value through ``model.logits`` alone
    (no ``backward``), one parameter entry at a time. Returns the names that differ (a wrong
    shape or a missing key counts), an empty list when every gradient is right.
    """
    fn = getattr(training, objective) if isinstance(objective, str) else objective
    value, grads = model.loss_and_gradients(X, labels, objective)
    trial = model.copy()
    bad = []
    for name, param in model.params.items():

        def f(theta, name=name):
            trial.params[name] = theta
            return fn(labels, trial.logits(X))[0]

        numeric = central_differences(f, param, h)
        trial.params[name] = param.copy()
        got = grads.get(name)
        shape_ok = got is not None and np.shape(got) == param.shape
        if not (shape_ok and np.allclose(got, numeric, rtol=1e-6, atol=fd_tol(value))):
            bad.append(name)
    return bad


# TensorFlow: the same formulas in TensorFlow ops, differentiated by GradientTape

REASON = 'TensorFlow is not installed: pip install "crossent[tf]" to compare crossent with it'


@pytest.fixture(scope="module")
def tf():
    # crossent.tf first: it sets TensorFlow's logging and oneDNN switches, then imports it
    pytest.importorskip("crossent.tf", reason=REASON)
    return pytest.importorskip("tensorflow", reason=REASON)


def tf_objective(tf, name, p, z, q_min=1e-10):
    """The objective in TensorFlow ops: mean over the examples of the per-example loss."""
    q = tf.nn.softmax(z)
    if name == "cross_entropy":
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=p, logits=z))
    if name == "whole_matrix_mean":  # the article's reduce_mean(-p * log(q)) over all entries
        return tf.reduce_mean(-p * tf.math.log(q))
    if name == "clipped_cross_entropy":  # the article's clip_by_value(q, 1e-10, 1)
        clipped = tf.clip_by_value(q, tf.constant(q_min, z.dtype), tf.constant(1.0, z.dtype))
        return tf.reduce_mean(tf.reduce_sum(-p * tf.math.log(clipped), axis=1))
    if name == "squared_error":
        return tf.reduce_mean(tf.reduce_sum(tf.square(q - p), axis=1))
    assert name == "per_class_binary_cross_entropy"
    per_node = p * tf.math.log(q) + (1 - p) * tf.math.log(1 - q)
    return tf.reduce_mean(tf.reduce_sum(-per_node, axis=1))


def tf_value_and_gradient(tf, name, labels, logits, q_min=1e-10):
    z = tf.constant(np.asarray(logits, dtype=np.float64))
    p = tf.constant(dense(labels, z.shape[1]))
    with tf.GradientTape() as tape:
        tape.watch(z)
        value = tf_objective(tf, name, p, z, q_min)
    return float(value.numpy()), tape.gradient(value, z).numpy()


def tf_model(tf, model, X, labels, name):
    """The model's loss and its gradient in every parameter, by GradientTape on its weights."""
    variables = {k: tf.Variable(v) for k, v in model.params.items()}
    X = tf.constant(np.asarray(X, dtype=np.float64))
    with tf.GradientTape() as tape:
        if isinstance(model, training.MLP):
            H = tf.nn.relu(X @ variables["W1"] + variables["b1"])
            Z = H @ variables["W2"] + variables["b2"]
        else:
            Z = X @ variables["W"] + variables["b"]
        value = tf_objective(tf, name, tf.constant(dense(labels, Z.shape[1])), Z)
    grads = tape.gradient(value, variables)
    return float(value.numpy()), {k: g.numpy() for k, g in grads.items()}


# ---------------------------------------------------------------------------------------------
# Inputs


@st.composite
def labelled_logits(draw, bound=6.0, min_n=2, max_n=6):
    """(labels, logits): m <= 4 rows of n moderate logits; labels class ids or distributions."""
    m, n = draw(st.integers(1, 4)), draw(st.integers(min_n, max_n))
    z = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(-bound, bound)))
    if draw(st.booleans()):
        return draw(hnp.arrays(np.int64, m, elements=st.integers(0, n - 1))), z
    w = draw(hnp.arrays(np.float64, (m, n), elements=st.floats(0, 1)))
    w[:, 0] += 1e-3  # no empty row
    return w / w.sum(axis=1, keepdims=True), z


def rows_tol(z, eps, terms):
    """``16 terms eps (1 + L)``, L the largest |logit|, on a mean over rows."""
    return 16 * terms * eps * (1 + float(np.max(np.abs(z))))


# huge logits: magnitudes up to 1e3, gaps between them of 40 to 2000
Z_HUGE = np.array([[1e3, -1e3, 0.0], [0.0, 700.0, -40.0], [-1e3, -960.0, -300.0]])
LABELS_HUGE = [
    np.array([0, 1, 2]),  # the largest logit each time: a confident right answer
    np.array([1, 0, 0]),  # a confident wrong answer, by 2000, 700 and 700
    np.array([[0.5, 0.5, 0.0], [0.0, 0.25, 0.75], [1 / 3, 1 / 3, 1 / 3]]),
]


# ---------------------------------------------------------------------------------------------
# Objectives: values


def test_values_on_the_article_batch_by_hand():
    # q1 = (0.5, 0.2, 0.3), q2 = (0.8, 0.1, 0.1), both labelled class 0
    z = np.log([[0.5, 0.2, 0.3], [0.8, 0.1, 0.1]])
    ce = (math.log(2) + math.log(1.25)) / 2
    expected = {
        "cross_entropy": ce,
        "whole_matrix_mean": ce / 3,
        "clipped_cross_entropy": ce,
        "squared_error": (0.25 + 0.04 + 0.09 + 0.04 + 0.01 + 0.01) / 2,
        "per_class_binary_cross_entropy": -(
            math.log(0.5) + math.log(0.8) + math.log(0.7) + math.log(0.8) + 2 * math.log(0.9)
        )
        / 2,
    }
    for name, value in expected.items():
        got, _ = getattr(training, name)([0, 0], z)
        assert got == pytest.approx(value, rel=1e-14, abs=0), name


@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(data=labelled_logits())
def test_value_matches_mpmath(name, data):
    labels, z = data
    value, grad = getattr(training, name)(labels, z)
    assert isinstance(value, float)
    assert grad.shape == z.shape and grad.dtype == np.float64
    assert value == pytest.approx(mp_objective(name, labels, z), rel=0, abs=rows_tol(z, EPS64, 6))


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("k", range(len(LABELS_HUGE)))
def test_huge_logits_value_and_gradient_match_mpmath(name, k):
    labels = LABELS_HUGE[k]
    value, grad = getattr(training, name)(labels, Z_HUGE)
    assert math.isfinite(value) and np.isfinite(grad).all()
    expected = mp_objective(name, labels, Z_HUGE)
    assert value == pytest.approx(expected, rel=0, abs=rows_tol(Z_HUGE, EPS64, 9))
    np.testing.assert_allclose(grad, mp_gradient(name, labels, Z_HUGE), rtol=1e-12, atol=1e-14)


def test_huge_logits_the_clip_hides_the_loss_and_stops_the_gradient():
    # a confidently wrong answer, off by 2000 nats, costs only -ln(1e-10) and teaches nothing
    value, grad = training.clipped_cross_entropy([1], [[1e3, -1e3, 0.0]])
    assert value == pytest.approx(-math.log(1e-10), rel=1e-15)
    assert value < training.cross_entropy([1], [[1e3, -1e3, 0.0]])[0] == 2000
    assert not grad.any()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "labels",
    [np.array([1, 2]), np.array([2, 0]), np.array([[0.0, 0.25, 0.75], [0.5, 0.0, 0.5]])],
)
def test_minus_inf_logits_are_the_limit_of_very_negative_ones(name, labels):
    # one -inf per row, labels with no mass on it: exp(-1e4) is exactly 0 in float64, so the
    # value and the gradient at -inf must be those at -1e4
    z = np.array([[-np.inf, 1.0, 2.0], [0.5, -np.inf, 3.0]])
    fn = getattr(training, name)
    value, grad = fn(labels, z)
    stand_in_value, stand_in_grad = fn(labels, np.where(np.isinf(z), -1e4, z))
    assert np.isfinite(grad).all()
    assert value == pytest.approx(stand_in_value, rel=1e-15)
    np.testing.assert_allclose(grad, stand_in_grad, rtol=1e-15, atol=1e-300)
    assert value == pytest.approx(mp_objective(name, labels, z), rel=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_a_label_on_a_minus_inf_logit(name):
    z = np.array([[-np.inf, 1.0, 2.0]])
    value, grad = getattr(training, name)([0], z)
    assert np.isfinite(grad).all()
    if name == "clipped_cross_entropy":  # the clip caps the surprise at -ln(1e-10)...
        assert value == pytest.approx(-math.log(1e-10), rel=1e-15)
        assert not grad.any()  # ...and the clipped class passes nothing back
    elif name == "squared_error":  # bounded: (0 - 1)^2 + q_1^2 + q_2^2
        assert value == pytest.approx(mp_objective(name, [0], z), rel=1e-14)
    else:  # probability 0 on the true class: infinitely surprised
        assert value == math.inf
    # the gradient is the limit from very negative logits
    np.testing.assert_allclose(
        grad, getattr(training, name)([0], [[-1e4, 1.0, 2.0]])[1], rtol=1e-15
    )
    if name in ("cross_entropy", "whole_matrix_mean"):  # (q - p) / m (/ n): the true class -1
        n = 3 if name == "whole_matrix_mean" else 1
        q = np.exp([1.0, 2.0]) / np.exp([1.0, 2.0]).sum()
        np.testing.assert_allclose(grad, np.array([[-1.0, *q]]) / n, rtol=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_a_row_with_a_single_finite_logit(name):
    # q = (1, 0, 0) = p: no loss and no gradient, whatever the objective; per-class BCE used
    # to refuse such a row (log(1 - q_0) is -inf, but its weight 1 - p_0 is 0)
    value, grad = getattr(training, name)([0], np.array([[0.0, -np.inf, -np.inf]]))
    assert value == 0
    np.testing.assert_array_equal(grad, np.zeros((1, 3)))


def test_per_class_bce_infinite_when_a_sure_class_is_wrong():
    # q = (1, 0, 0), label 1: -log q_1 = inf, and the node of class 0 says 1 where 0 was due
    value, grad = training.per_class_binary_cross_entropy([1], [[0.0, -np.inf, -np.inf]])
    assert value == math.inf
    assert np.isfinite(grad).all()


def per_class_bce_naive(p, z):
    q = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    return float(np.mean(np.sum(-(p * np.log(q) + (1 - p) * np.log(1 - q)), axis=1)))


@pytest.mark.parametrize(
    "labels",
    [np.array([0]), np.array([1]), np.array([[0.5, 0.5, 0.0]]), np.array([[0.9, 0.0, 0.1]])],
)
def test_per_class_bce_accurate_when_a_probability_is_within_1e_12_of_1(labels):
    z = np.array([[28.0, 0.0, 0.0]])  # 1 - q_0 = 2 e^-28 / (1 + 2 e^-28) = 1.4e-12
    with mpmath.workdps(50):
        one_minus_q0 = 2 * mpmath.exp(-28) / (1 + 2 * mpmath.exp(-28))
    assert 1e-12 < float(one_minus_q0) < 2e-12
    value, grad = training.per_class_binary_cross_entropy(labels, z)
    expected = mp_objective("per_class_binary_cross_entropy", labels, z)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-14)
    np.testing.assert_allclose(
        grad, mp_gradient("per_class_binary_cross_entropy", labels, z), rtol=1e-12, atol=1e-15
    )
    # the tolerance matters: log(1 - q_0) from a rounded q_0 is off by 1e-7 relative where
    # 1 - p_0 > 0, ten million times the tolerance above
    if dense(labels, 3)[0, 0] < 1:
        assert abs(per_class_bce_naive(dense(labels, 3), z) - expected) > 1e-8 * expected


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n", [2, 3, 5])
@pytest.mark.parametrize("gap", [20.0, 36.0, 60.0])
def test_per_class_bce_gradient_keeps_its_relative_precision_when_confidently_right(dtype, n, gap):
    # q_0 = 1 - O(e^-gap): dL/dz_0 is about -2 e^-gap. Computed as n q_0 - 1 - sum q^(-i)_0,
    # differences of numbers near 1, it was rounding noise (exactly 0 beyond a gap of 36, while
    # the other classes got their tiny gradients: a gradient that did not sum to 0)
    z = np.zeros((1, n), dtype)
    z[0, 0], z[0, 1:] = gap, np.linspace(0, -1, n - 1)
    eps = float(np.finfo(dtype).eps)
    tol = 4 * n * eps * (1 + gap)
    for labels in (np.array([0]), np.array([[0.7, 0.3] + [0.0] * (n - 2)])):
        grad = training.per_class_binary_cross_entropy(labels, z)[1]
        expected = mp_gradient("per_class_binary_cross_entropy", labels, z)
        np.testing.assert_allclose(grad, expected, rtol=tol, atol=0)
        assert abs(grad.astype(np.float64).sum()) <= tol * np.abs(grad).max()


@EXAMPLES
@given(data=labelled_logits(bound=30.0))
def test_whole_matrix_mean_is_cross_entropy_over_n_exactly(data):
    labels, z = data
    value, grad = training.whole_matrix_mean(labels, z)
    ce_value, ce_grad = training.cross_entropy(labels, z)
    n = z.shape[1]
    assert value == ce_value / n
    np.testing.assert_array_equal(grad, ce_grad / n)


# ---------------------------------------------------------------------------------------------
# Objectives: gradients


@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(data=labelled_logits())
def test_gradient_matches_central_differences(name, data):
    labels, z = data
    fn = getattr(training, name)
    value, grad = fn(labels, z)
    numeric = central_differences(lambda t: fn(labels, t)[0], z)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=fd_tol(value))


@FEW
@given(data=labelled_logits(bound=4.0), q_min=st.sampled_from([0.02, 0.05, 0.1]))
def test_clipped_gradient_matches_central_differences_where_the_clip_bites(data, q_min):
    labels, z = data
    q = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assume(np.min(np.abs(q - q_min)) > 1e-4)  # finite differences must not straddle the kink
    value, grad = training.clipped_cross_entropy(labels, z, q_min=q_min)
    numeric = central_differences(
        lambda t: training.clipped_cross_entropy(labels, t, q_min=q_min)[0], z
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=fd_tol(value))


@pytest.mark.tf
@pytest.mark.parametrize("name", NAMES)
@EXAMPLES
@given(data=labelled_logits(bound=5.0))
def test_value_and_gradient_match_tensorflow(tf, name, data):
    labels, z = data
    value, grad = getattr(training, name)(labels, z)
    their_value, their_grad = tf_value_and_gradient(tf, name, labels, z)
    assert value == pytest.approx(their_value, rel=1e-12, abs=1e-13)
    np.testing.assert_allclose(grad, their_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.tf
@FEW
@given(data=labelled_logits(bound=4.0), q_min=st.sampled_from([0.02, 0.05, 0.1]))
def test_clipped_gradient_matches_tensorflow_where_the_clip_bites(tf, data, q_min):
    labels, z = data
    value, grad = training.clipped_cross_entropy(labels, z, q_min=q_min)
    their_value, their_grad = tf_value_and_gradient(tf, "clipped_cross_entropy", labels, z, q_min)
    assert value == pytest.approx(their_value, rel=1e-12, abs=1e-13)
    np.testing.assert_allclose(grad, their_grad, rtol=1e-9, atol=1e-12)


@pytest.mark.tf
def test_clip_at_its_boundary_passes_the_gradient_as_tensorflow_does(tf):
    # four equal logits: q = 1/4 exactly. With q_min = 1/4 the true class sits on the boundary
    # and tf.clip_by_value passes the gradient there; one ulp above, it is clipped.
    z = np.zeros((1, 4))
    assert tf.nn.softmax(tf.constant(z)).numpy()[0, 1] == 0.25
    for q_min, expected in [
        (0.25, np.array([[0.25, -0.75, 0.25, 0.25]])),  # (q - p) / m, as if no clip
        (np.nextafter(0.25, 1), np.zeros((1, 4))),
    ]:
        value, grad = training.clipped_cross_entropy([1], z, q_min=q_min)
        their_value, their_grad = tf_value_and_gradient(tf, "clipped_cross_entropy", [1], z, q_min)
        np.testing.assert_array_equal(their_grad, expected)
        np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=1e-17)
        assert value == pytest.approx(-math.log(q_min), rel=1e-15)
        assert their_value == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("labels", [np.array([0, 2]), np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0]])])
def test_float32_logits_give_a_float32_gradient(name, labels):
    z = np.array([[1.5, -2.0, 0.25], [3.0, 0.5, -1.0]], dtype=np.float32)
    value, grad = getattr(training, name)(labels, z)
    assert grad.dtype == np.float32
    assert isinstance(value, float)
    expected = mp_objective(name, labels, z)  # the float32 logits, exactly, in mpmath
    assert value == pytest.approx(expected, rel=0, abs=rows_tol(z, EPS32, 9))
    np.testing.assert_allclose(grad, mp_gradient(name, labels, z), rtol=0, atol=48 * EPS32)
    # float32 distributions with float64 logits: the logits' dtype decides
    if labels.ndim == 2:
        _, grad64 = getattr(training, name)(labels.astype(np.float32), z.astype(np.float64))
        assert grad64.dtype == np.float64


@pytest.mark.parametrize("name", NAMES)
def test_float32_huge_logits(name):
    z = Z_HUGE.astype(np.float32)  # every entry is exact in float32
    for labels in LABELS_HUGE:
        value, grad = getattr(training, name)(labels, z)
        assert grad.dtype == np.float32 and np.isfinite(grad).all()
        expected = mp_objective(name, labels, z)
        assert value == pytest.approx(expected, rel=0, abs=rows_tol(z, EPS32, 9))
        np.testing.assert_allclose(grad, mp_gradient(name, labels, z), rtol=0, atol=48 * EPS32)


# ---------------------------------------------------------------------------------------------
# Models

RNG = np.random.default_rng(20261202)
X5 = RNG.normal(size=(5, 3))
LABELS5 = np.array([0, 2, 1, 3, 2])
SOFT5 = RNG.dirichlet(np.ones(4), size=5)


def softmax_regression():
    return training.SoftmaxRegression(RNG.normal(size=(3, 4)), RNG.normal(size=4))


def mlp():
    return training.MLP.initialize(3, 6, 4, rng=np.random.default_rng(7))


def hidden_pre_activations(model, X):
    return X @ model.params["W1"] + model.params["b1"]


@pytest.mark.parametrize("make", [softmax_regression, mlp], ids=["softmax_regression", "mlp"])
@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("labels", [LABELS5, SOFT5], ids=["ids", "distributions"])
def test_model_gradients_match_finite_differences(make, name, labels):
    model = make()
    if isinstance(model, training.MLP):  # no pre-activation within a step of the ReLU's kink
        assert np.abs(hidden_pre_activations(model, X5)).min() > 1e-3
    assert gradient_mismatches(model, X5, labels, name) == []


@pytest.mark.tf
@pytest.mark.parametrize("make", [softmax_regression, mlp], ids=["softmax_regression", "mlp"])
@pytest.mark.parametrize("name", NAMES)
def test_model_gradients_match_tensorflow(tf, make, name):
    model = make()
    value, grads = model.loss_and_gradients(X5, LABELS5, name)
    their_value, their_grads = tf_model(tf, model, X5, LABELS5, name)
    assert value == pytest.approx(their_value, rel=1e-12)
    assert grads.keys() == their_grads.keys() == model.params.keys()
    for key, grad in grads.items():
        assert grad.shape == model.params[key].shape
        np.testing.assert_allclose(grad, their_grads[key], rtol=1e-9, atol=1e-12, err_msg=key)


def test_softmax_regression_gradient_is_xt_q_minus_p_over_m():
    model = softmax_regression()
    W, b = model.params["W"], model.params["b"]
    Z = X5 @ W + b
    Q = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    P = np.eye(4)[LABELS5]
    m = len(X5)
    value, grads = model.loss_and_gradients(X5, LABELS5)
    assert value == pytest.approx(-np.mean(np.log(Q[np.arange(m), LABELS5])), rel=1e-13)
    np.testing.assert_allclose(grads["W"], X5.T @ (Q - P) / m, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grads["b"], (Q - P).sum(axis=0) / m, rtol=1e-12, atol=1e-15)
    # backward alone is the chain rule from any dZ
    dZ = RNG.normal(size=(5, 4))
    back = model.backward(X5, dZ)
    np.testing.assert_allclose(back["W"], X5.T @ dZ, rtol=1e-13)
    np.testing.assert_allclose(back["b"], dZ.sum(axis=0), rtol=1e-13)


def test_mlp_logits_written_out():
    model = mlp()
    p = model.params
    Z = np.maximum(X5 @ p["W1"] + p["b1"], 0) @ p["W2"] + p["b2"]
    np.testing.assert_allclose(model.logits(X5), Z, rtol=1e-14)
    np.testing.assert_array_equal(model.predict(X5), Z.argmax(axis=1))
    np.testing.assert_allclose(model.probabilities(X5).sum(axis=1), 1, rtol=1e-15)


@pytest.mark.tf
def test_mlp_relu_at_exactly_zero_has_derivative_zero_as_in_tensorflow(tf):
    X = np.array([[1.0, 2.0]])
    W1 = np.array([[2.0, 1.0], [-1.0, 1.0]])  # pre-activations 1·2 + 2·(-1) = 0 and 3
    W2 = np.array([[0.5, -1.0, 2.0], [1.0, 0.25, -0.5]])
    model = training.MLP(W1, np.zeros(2), W2, np.zeros(3))
    assert hidden_pre_activations(model, X).tolist() == [[0.0, 3.0]]
    _, grads = model.loss_and_gradients(X, [0])
    _, theirs = tf_model(tf, model, X, [0], "cross_entropy")
    # unit 0 passes nothing back (relu'(0) = 0); unit 1 does
    assert grads["W1"][:, 0].tolist() == [0.0, 0.0] and grads["b1"][0] == 0
    assert theirs["W1"][:, 0].tolist() == [0.0, 0.0] and theirs["b1"][0] == 0
    assert grads["b1"][1] != 0
    for key in grads:
        np.testing.assert_allclose(grads[key], theirs[key], rtol=1e-12, atol=1e-15, err_msg=key)


def test_float32_model_stays_float32():
    model = training.SoftmaxRegression(np.zeros((3, 4), np.float32))
    assert model.params["b"].dtype == np.float32
    X = X5.astype(np.float32)
    assert model.logits(X).dtype == np.float32
    training.sgd_step(model, X, LABELS5, 0.1)
    assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}


def test_initialize():
    zero = training.SoftmaxRegression.initialize(3, 4)
    assert not zero.params["W"].any() and not zero.params["b"].any()
    assert zero.n_features == 3 and zero.n_classes == 4
    drawn = training.SoftmaxRegression.initialize(3, 4, scale=0.1, rng=np.random.default_rng(0))
    np.testing.assert_array_equal(
        drawn.params["W"], 0.1 * np.random.default_rng(0).standard_normal((3, 4))
    )
    net = training.MLP.initialize(3, 6, 4, rng=np.random.default_rng(0))
    assert [v.shape for v in net.params.values()] == [(3, 6), (6,), (6, 4), (4,)]
    assert net.n_features == 3 and net.n_classes == 4
    assert repr(net) == "MLP(W1: (3, 6), b1: (6,), W2: (6, 4), b2: (4,))"
    # the initial loss of an MLP is near ln n (logits of order 1)
    X = np.random.default_rng(1).normal(size=(400, 3))
    loss = training.cross_entropy(np.zeros(400, int), net.logits(X))[0]
    assert abs(loss - math.log(4)) < 1


def test_copy_is_independent():
    for model in (softmax_regression(), mlp()):
        clone = model.copy()
        assert type(clone) is type(model) and clone.params.keys() == model.params.keys()
        for key, value in model.params.items():
            np.testing.assert_array_equal(clone.params[key], value)
            assert not np.shares_memory(clone.params[key], value)
        before = {k: v.copy() for k, v in model.params.items()}
        for value in clone.params.values():
            value += 1.0
        for key, value in model.params.items():
            np.testing.assert_array_equal(value, before[key])


# The check must fail on the mistakes it is there for: wrong backward passes, monkeypatched in.


def _sr_sum_not_mean(self, X, dZ):  # drops the 1/m of the mean (the gradient of the sum)
    m = X.shape[0]
    return {"W": m * (X.T @ dZ), "b": m * dZ.sum(axis=0)}


def _sr_transposed(self, X, dZ):  # (X^T dZ)^T: the same shape only because d = n below
    return {"W": (X.T @ dZ).T, "b": dZ.sum(axis=0)}


def _sr_bias_not_summed(self, X, dZ):  # the first example's dZ instead of the sum over rows
    return {"W": X.T @ dZ, "b": dZ[0]}


def _sr_bias_mean(self, X, dZ):  # the mean over rows: 1/m applied twice
    return {"W": X.T @ dZ, "b": dZ.mean(axis=0)}


def _sr_bias_unsummed_shape(self, X, dZ):  # dZ itself, shape (m, n)
    return {"W": X.T @ dZ, "b": dZ}


def _sr_wrong_sign(self, X, dZ):  # P - Q instead of Q - P
    return {"W": -(X.T @ dZ), "b": -dZ.sum(axis=0)}


def _mlp_no_relu_mask(self, X, dZ):  # forgets that the ReLU passes nothing where A < 0
    H = self._hidden(X)[1]
    dA = dZ @ self.params["W2"].T
    return {"W1": X.T @ dA, "b1": dA.sum(axis=0), "W2": H.T @ dZ, "b2": dZ.sum(axis=0)}


def _mlp_pre_activation_for_w2(self, X, dZ):  # A where H = relu(A) belongs
    A = self._hidden(X)[0]
    dA = (dZ @ self.params["W2"].T) * (A > 0)
    return {"W1": X.T @ dA, "b1": dA.sum(axis=0), "W2": A.T @ dZ, "b2": dZ.sum(axis=0)}


@pytest.mark.parametrize(
    ("cls", "mutant", "caught"),
    [
        (training.SoftmaxRegression, _sr_sum_not_mean, ["W", "b"]),
        (training.SoftmaxRegression, _sr_transposed, ["W"]),
        (training.SoftmaxRegression, _sr_bias_not_summed, ["b"]),
        (training.SoftmaxRegression, _sr_bias_mean, ["b"]),
        (training.SoftmaxRegression, _sr_bias_unsummed_shape, ["b"]),
        (training.SoftmaxRegression, _sr_wrong_sign, ["W", "b"]),
        (training.MLP, _mlp_no_relu_mask, ["W1", "b1"]),
        (training.MLP, _mlp_pre_activation_for_w2, ["W2"]),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_the_gradient_check_catches_what_it_is_about(monkeypatch, cls, mutant, caught):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 3))  # m = 4 > 1, so a missing 1/m shows
    labels = np.array([0, 2, 1, 2])
    if cls is training.SoftmaxRegression:  # d = n = 3, so a transposed W has the right shape
        model = cls(rng.normal(size=(3, 3)), rng.normal(size=3))
    else:
        model = training.MLP.initialize(3, 5, 3, rng=rng)
        A = hidden_pre_activations(model, X)
        assert (A < 0).any() and (A > 0).any() and np.abs(A).min() > 1e-3
    assert gradient_mismatches(model, X, labels) == []  # the right backward passes
    monkeypatch.setattr(cls, "backward", mutant)
    assert gradient_mismatches(model, X, labels) == caught  # each wrong one fails, where wrong


# ---------------------------------------------------------------------------------------------
# Training


@EXAMPLES
@given(m=st.integers(1, 40), batch_size=st.integers(1, 50), seed=st.integers(0, 2**32 - 1))
def test_batches_cover_every_index_once(m, batch_size, seed):
    parts = training.batches(m, batch_size, np.random.default_rng(seed))
    sizes = [len(b) for b in parts]
    full, rest = divmod(m, batch_size)
    assert sizes == [batch_size] * full + ([rest] if rest else [])
    np.testing.assert_array_equal(np.sort(np.concatenate(parts)), np.arange(m))
    again = training.batches(m, batch_size, np.random.default_rng(seed))
    assert all(np.array_equal(a, b) for a, b in zip(parts, again, strict=True))


def test_batches_shuffle():
    a = np.concatenate(training.batches(50, 7, np.random.default_rng(0)))
    b = np.concatenate(training.batches(50, 7, np.random.default_rng(1)))
    assert not np.array_equal(a, np.arange(50)) and not np.array_equal(a, b)


@pytest.mark.parametrize("make", [softmax_regression, mlp], ids=["softmax_regression", "mlp"])
@pytest.mark.parametrize("name", ["cross_entropy", "squared_error"])
def test_sgd_step_moves_by_minus_learning_rate_times_gradient(make, name):
    model = make()
    before = {k: v.copy() for k, v in model.params.items()}
    value, grads = model.copy().loss_and_gradients(X5, LABELS5, name)
    returned = training.sgd_step(model, X5, LABELS5, 0.3, name)
    assert returned == value  # the value before the step
    for key, grad in grads.items():
        np.testing.assert_array_equal(model.params[key], before[key] - 0.3 * grad)
    assert model.loss_and_gradients(X5, LABELS5, name)[0] < value  # a small step goes down


def blobs(m_per_class=20, seed=0):
    """Three well separated clusters in the plane, labelled 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([c + 0.5 * rng.normal(size=(m_per_class, 2)) for c in centres])
    return X, np.repeat([0, 1, 2], m_per_class)


def test_train_records_the_start_and_every_epoch():
    X, labels = blobs()
    X_val, labels_val = blobs(5, seed=1)
    model = training.SoftmaxRegression.initialize(2, 3)
    start = training.evaluate(model, X, labels)
    norms = {"w_norm": lambda mod: np.linalg.norm(mod.params["W"])}
    curves = training.train(
        model,
        X,
        labels,
        learning_rate=0.5,
        epochs=4,
        batch_size=16,
        rng=np.random.default_rng(0),
        validation=(X_val, labels_val),
        metrics=norms,
    )
    keys = ["epoch", "train_loss", "train_accuracy", "objective", "val_loss", "val_accuracy"]
    assert list(curves) == [*keys, "w_norm"]
    assert all(len(v) == 5 for v in curves.values())
    np.testing.assert_array_equal(curves["epoch"], np.arange(5))
    # entry 0 is the untrained model: W = 0, every class 1/3, the argmax is class 0
    assert curves["train_loss"][0] == pytest.approx(math.log(3), rel=1e-15)
    assert curves["train_loss"][0] == start["loss"]
    assert curves["train_accuracy"][0] == start["accuracy"] == pytest.approx(1 / 3)
    assert curves["w_norm"][0] == 0
    # the last entry is the trained model
    end, end_val = training.evaluate(model, X, labels), training.evaluate(model, X_val, labels_val)
    assert curves["train_loss"][-1] == end["loss"] and curves["val_loss"][-1] == end_val["loss"]
    assert curves["val_accuracy"][-1] == end_val["accuracy"]
    assert curves["w_norm"][-1] == np.linalg.norm(model.params["W"])
    np.testing.assert_array_equal(curves["objective"], curves["train_loss"])  # cross-entropy


def test_training_learns_a_separable_problem():
    X, labels = blobs()
    for model in (
        training.SoftmaxRegression.initialize(2, 3),
        training.MLP.initialize(2, 8, 3, rng=np.random.default_rng(0)),
    ):
        curves = training.train(
            model,
            X,
            labels,
            learning_rate=0.3,
            epochs=15,
            batch_size=10,
            rng=np.random.default_rng(1),
        )
        assert curves["train_loss"][-1] < 0.1 < curves["train_loss"][0]
        assert curves["train_accuracy"][-1] == 1.0
        assert training.accuracy(model, X, labels) == 1.0


def test_whole_matrix_mean_at_n_times_the_rate_is_cross_entropy():
    X, labels = blobs()
    n, lr = 3, 0.1
    start = training.SoftmaxRegression.initialize(2, n, scale=0.1, rng=np.random.default_rng(2))
    runs = {}
    for name, rate in [("cross_entropy", lr), ("whole_matrix_mean", lr * n)]:
        model = start.copy()
        curves = training.train(
            model,
            X,
            labels,
            learning_rate=rate,
            epochs=5,
            batch_size=8,
            rng=np.random.default_rng(3),
            objective=name,
        )
        runs[name] = model, curves
    (ce, ce_curves), (wm, wm_curves) = runs["cross_entropy"], runs["whole_matrix_mean"]
    for key in ("W", "b"):
        scale = 1 + np.abs(ce.params[key]).max()
        assert np.abs(wm.params[key] - ce.params[key]).max() <= 1e-12 * scale
    assert ce_curves["train_loss"][-1] < ce_curves["train_loss"][0]  # it did train
    np.testing.assert_allclose(wm_curves["train_loss"], ce_curves["train_loss"], rtol=1e-12)
    # what the objective curve records is the whole-matrix mean, n times smaller
    np.testing.assert_allclose(wm_curves["objective"], wm_curves["train_loss"] / n, rtol=1e-15)


def test_train_is_deterministic_and_leaves_a_copied_model_alone():
    X, labels = blobs()
    original = training.MLP.initialize(2, 8, 3, rng=np.random.default_rng(0))
    before = {k: v.copy() for k, v in original.params.items()}
    results = []
    for _ in range(2):
        model = original.copy()
        curves = training.train(
            model,
            X,
            labels,
            learning_rate=0.2,
            epochs=2,
            batch_size=7,
            rng=np.random.default_rng(5),
        )
        results.append((model, curves))
    for key, value in original.params.items():
        np.testing.assert_array_equal(value, before[key])
    (a, ca), (b, cb) = results
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
        assert not np.array_equal(a.params[key], before[key])  # the copy did train
    for key in ca:
        np.testing.assert_array_equal(ca[key], cb[key])


def test_train_with_zero_epochs_records_only_the_start():
    X, labels = blobs(4)
    model = training.SoftmaxRegression.initialize(2, 3)
    curves = training.train(
        model, X, labels, learning_rate=1.0, epochs=0, batch_size=4, rng=np.random.default_rng(0)
    )
    assert all(len(v) == 1 for v in curves.values())
    assert curves["epoch"].tolist() == [0]
    assert not model.params["W"].any()


def test_train_takes_an_objective_function():
    X, labels = blobs(4)
    calls = []

    def objective(y, z):
        calls.append(len(y))
        return training.cross_entropy(y, z)

    training.train(
        training.SoftmaxRegression.initialize(2, 3),
        X,
        labels,
        learning_rate=0.1,
        epochs=1,
        batch_size=5,
        rng=np.random.default_rng(0),
        objective=objective,
    )
    # record(0), batches of 5, 5, 2, record(1)
    assert calls == [12, 5, 5, 2, 12]


# ---------------------------------------------------------------------------------------------
# Bad input: the exception's type and its message

Z3 = np.zeros((2, 3))
SR = training.SoftmaxRegression(np.zeros((2, 3)))
NET = training.MLP(np.zeros((2, 4)), np.zeros(4), np.zeros((4, 3)), np.zeros(3))
X2 = np.zeros((2, 2))
GEN = np.random.default_rng(0)


def _train(**changes):
    kwargs = dict(
        model=SR.copy(), X=X2, labels=[0, 1], learning_rate=0.1, epochs=1, batch_size=2, rng=GEN
    )
    kwargs.update(changes)
    return lambda: training.train(**kwargs)


OBJECTIVE_BAD = [
    (
        lambda f: f([0, 3], Z3),
        ValueError,
        r"labels must be class ids in \[0, n\) with n = 3 classes; labels\[1\] = 3",
    ),
    (lambda f: f([-1, 0], Z3), ValueError, r"labels\[0\] = -1"),
    (
        lambda f: f([0.0, 1.0], Z3),
        TypeError,
        r"labels must be integer class ids in \[0, 3\); got dtype float64 \(use \.astype\(int\)",
    ),
    (
        lambda f: f([0, 1, 2], Z3),
        ValueError,
        r"labels must hold one class id per example: 2 .*; got 3 labels",
    ),
    (
        lambda f: f([[[0]]], Z3),
        ValueError,
        r"labels must be class ids of shape \(m,\) = \(2,\) or distributions "
        r"of shape \(m, n\) = \(2, 3\); got shape \(1, 1, 1\)",
    ),
    (
        lambda f: f(np.full((2, 2), 0.5), Z3),
        ValueError,
        r"labels as distributions must have shape \(m, n\) = \(2, 3\).*got shape \(2, 2\)",
    ),
    (
        lambda f: f(np.full((2, 3), 0.5), Z3),
        ValueError,
        r"labels must sum to 1 along axis -1; row 0 sums to 1.5",
    ),
    (
        lambda f: f([[1.5, -0.5, 0.0]] * 2, Z3),
        ValueError,
        r"labels must hold probabilities in \[0, 1\]",
    ),
    (
        lambda f: f([0], np.zeros(3)),
        ValueError,
        r"logits must be a non-empty 2-D array of shape \(m "
        r"examples, n classes\); got shape \(3,\)",
    ),
    (
        lambda f: f([], np.zeros((0, 3))),
        ValueError,
        r"logits must be a non-empty 2-D array.*got shape \(0, 3\)",
    ),
    (lambda f: f([0], [[0.0, np.nan, 1.0]]), ValueError, r"logits contains NaN at index \(0, 1\)"),
    (
        lambda f: f([0], [[0.0, np.inf, 1.0]]),
        ValueError,
        r"logits must be finite or -inf .*= \+inf",
    ),
    (
        lambda f: f([0], [[-np.inf, -np.inf, -np.inf]]),
        ValueError,
        r"logits row 0 is -inf everywhere",
    ),
    (lambda f: f([0], [["a", "b"]]), TypeError, r"logits must be an array of real numbers"),
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(("call", "error", "message"), OBJECTIVE_BAD)
def test_objectives_reject_bad_input(name, call, error, message):
    with pytest.raises(error, match=message):
        call(getattr(training, name))


def test_per_class_bce_needs_two_classes():
    with pytest.raises(ValueError, match=r"at least 2 classes for this loss; got n = 1"):
        training.per_class_binary_cross_entropy([0], [[1.0]])


@pytest.mark.parametrize("q_min", [0, 0.0, 1, 1.5, -0.1, math.nan, math.inf])
def test_q_min_must_be_in_0_1(q_min):
    with pytest.raises(ValueError, match=r"q_min must be in \(0, 1\)"):
        training.clipped_cross_entropy([0], [[0.0, 1.0]], q_min=q_min)


@pytest.mark.parametrize("q_min", ["0.1", None, True])
def test_q_min_must_be_a_number(q_min):
    with pytest.raises(TypeError, match=r"q_min must be a real number in \(0, 1\); got"):
        training.clipped_cross_entropy([0], [[0.0, 1.0]], q_min=q_min)


MODEL_BAD = [
    (
        lambda: SR.logits(np.zeros(2)),
        ValueError,
        r"X must be a 2-D array of shape \(m examples, d features\); got shape \(2,\)",
    ),
    (
        lambda: SR.logits(np.zeros((2, 5))),
        ValueError,
        r"X must have 2 features \(columns\), as the model's first "
        r"weight matrix has 2 rows; got X shape \(2, 5\)",
    ),
    (lambda: NET.logits(np.zeros((2, 5))), ValueError, r"X must have 2 features"),
    (lambda: SR.logits([[0.0, np.nan]]), ValueError, r"X must be finite; X\[0, 1\] = nan"),
    (
        lambda: NET.loss_and_gradients([[np.inf, 0.0]], [0]),
        ValueError,
        r"X must be finite; X\[0, 0\] = inf",
    ),
    (lambda: SR.logits([["a", "b"]]), TypeError, r"X must be an array of real numbers"),
    (lambda: SR.loss_and_gradients(X2, [0, 3]), ValueError, r"labels\[1\] = 3"),
    (
        lambda: SR.loss_and_gradients(X2, [0]),
        ValueError,
        r"labels must hold one class id per example: 2",
    ),
    (
        lambda: SR.backward(X2, np.zeros((3, 2))),
        ValueError,
        r"dZ must have the logits' shape \(m, n\) = \(2, 3\); got shape \(3, 2\)",
    ),
    (
        lambda: NET.backward(X2, np.zeros((2, 4))),
        ValueError,
        r"dZ must have the logits' shape \(m, n\) = \(2, 3\); got shape \(2, 4\)",
    ),
    (
        lambda: SR.loss_and_gradients(X2, [0, 1], "cross_entropi"),
        ValueError,
        r"objective must be a function or one of 'cross_entropy', "
        r"'whole_matrix_mean', .*; got 'cross_entropi'",
    ),
    (
        lambda: SR.loss_and_gradients(X2, [0, 1], 3),
        TypeError,
        r"objective must be a function \(labels, logits\) -> "
        r"\(value, dL/dlogits\) or a name; got int",
    ),
    (
        lambda: training.SoftmaxRegression(np.zeros(3)),
        ValueError,
        r"W must be a 2-D array; got shape \(3,\)",
    ),
    (
        lambda: training.SoftmaxRegression(np.zeros((2, 3)), np.zeros(2)),
        ValueError,
        r"b must have one entry per class, shape \(3,\) as W has 3 columns; got shape \(2,\)",
    ),
    (
        lambda: training.SoftmaxRegression(np.zeros((2, 3)), np.zeros((1, 3))),
        ValueError,
        r"b must be a 1-D array; got shape \(1, 3\)",
    ),
    (
        lambda: training.SoftmaxRegression([[0.0, np.nan]]),
        ValueError,
        r"W must be finite; it holds NaN or inf",
    ),
    (lambda: training.SoftmaxRegression([["a"]]), TypeError, r"W must be an array of real numbers"),
    (
        lambda: training.MLP(np.zeros((2, 4)), np.zeros(4), np.zeros((3, 3)), np.zeros(3)),
        ValueError,
        r"W2 must have one row per hidden unit, 4 as W1 has 4 columns; got W2 shape \(3, 3\)",
    ),
    (
        lambda: training.MLP(np.zeros((2, 4)), np.zeros(3), np.zeros((4, 3)), np.zeros(3)),
        ValueError,
        r"b1 must have shape \(4,\), one per hidden unit; got \(3,\)",
    ),
    (
        lambda: training.MLP(np.zeros((2, 4)), np.zeros(4), np.zeros((4, 3)), np.zeros(4)),
        ValueError,
        r"b2 must have shape \(3,\), one per class; got \(4,\)",
    ),
    (
        lambda: training.MLP(np.zeros(2), np.zeros(4), np.zeros((4, 3)), np.zeros(3)),
        ValueError,
        r"W1 must be a 2-D array; got shape \(2,\)",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(0, 3),
        ValueError,
        r"n_features must be an int >= 1; got 0",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(2, 3.0),
        TypeError,
        r"n_classes must be an int; got float 3.0",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(2, 3, scale=-1),
        ValueError,
        r"scale must be a finite number >= 0; got -1",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(2, 3, scale=math.nan),
        ValueError,
        r"scale must be a finite number >= 0; got nan",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(2, 3, scale="0.1"),
        TypeError,
        r"scale must be a real number >= 0; got str '0.1'",
    ),
    (
        lambda: training.SoftmaxRegression.initialize(2, 3, scale=0.1),
        TypeError,
        r"rng must be a numpy.random.Generator "
        r"\(np.random.default_rng\(seed\)\) when scale > 0; got NoneType",
    ),
    (
        lambda: training.MLP.initialize(2, 0, 3, rng=GEN),
        ValueError,
        r"n_hidden must be an int >= 1; got 0",
    ),
    (
        lambda: training.MLP.initialize(2, 4, 3, rng=0),
        TypeError,
        r"rng must be a numpy.random.Generator \(np.random.default_rng\(seed\)\); got int",
    ),
    (
        lambda: training.MLP.initialize(2, 4, 3, rng=np.random.RandomState(0)),
        TypeError,
        r"rng must be a numpy.random.Generator.*; got RandomState",
    ),
    (
        lambda: training.accuracy(SR, X2, [0]),
        ValueError,
        r"labels must be class ids of shape \(m,\) = \(2,\); got shape \(1,\)",
    ),
    (lambda: training.accuracy(SR, X2, [0.0, 1.0]), TypeError, r"labels must be integer class ids"),
]


@pytest.mark.parametrize(("call", "error", "message"), MODEL_BAD)
def test_models_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


RATES = [
    (0, ValueError, r"learning_rate must be a positive finite number; got 0.0"),
    (-0.1, ValueError, r"learning_rate must be a positive finite number; got -0.1"),
    (math.nan, ValueError, r"learning_rate must be a positive finite number; got nan"),
    (math.inf, ValueError, r"learning_rate must be a positive finite number; got inf"),
    ("0.1", TypeError, r"learning_rate must be a real number; got str '0.1'"),
    (None, TypeError, r"learning_rate must be a real number; got NoneType None"),
]


@pytest.mark.parametrize(("rate", "error", "message"), RATES)
def test_learning_rate_is_checked(rate, error, message):
    model = SR.copy()
    with pytest.raises(error, match=message):
        training.sgd_step(model, X2, [0, 1], rate)
    assert not model.params["W"].any()  # nothing moved
    with pytest.raises(error, match=message):
        _train(learning_rate=rate)()


TRAIN_BAD = [
    (_train(epochs=-1), ValueError, r"epochs must be an int >= 0; got -1"),
    (_train(epochs=2.0), TypeError, r"epochs must be an int; got float 2.0"),
    (_train(epochs=True), TypeError, r"epochs must be an int; got bool True"),
    (_train(batch_size=0), ValueError, r"batch_size must be an int >= 1; got 0"),
    (_train(batch_size=1.5), TypeError, r"batch_size must be an int; got float 1.5"),
    (
        _train(rng=0),
        TypeError,
        r"rng must be a numpy.random.Generator \(np.random.default_rng\(seed\)\); got int",
    ),
    (
        _train(rng=None, epochs=0),
        TypeError,
        r"rng must be a numpy.random.Generator.*; got NoneType",
    ),
    (_train(rng=np.random.RandomState(0)), TypeError, r"got RandomState"),
    (
        _train(objective="mse"),
        ValueError,
        r"objective must be a function or one of 'cross_entropy'.*; got 'mse'",
    ),
    (_train(objective=[1]), TypeError, r"objective must be a function .* or a name; got list"),
    (
        _train(labels=[0, 1, 2]),
        ValueError,
        r"labels must be class ids, one per row of X: shape \(2,\); got shape \(3,\)",
    ),
    (_train(labels=[0, 3]), ValueError, r"labels\[1\] = 3"),
    (_train(labels=[0.0, 1.0]), TypeError, r"labels must be integer class ids"),
    (_train(X=np.zeros(2)), ValueError, r"X must be a 2-D array"),
    (_train(X=np.zeros((2, 3))), ValueError, r"X must have 2 features"),
    (_train(X=[[0.0, 1.0], [np.nan, 0.0]]), ValueError, r"X must be finite; X\[1, 0\] = nan"),
    (
        _train(validation=(X2,)),
        TypeError,
        r"validation must be a pair \(X_val, labels_val\); got a tuple of length 1",
    ),
    (
        _train(validation=X2),
        TypeError,
        r"validation must be a pair \(X_val, labels_val\); got ndarray",
    ),
    (
        _train(validation=(X2, [0])),
        ValueError,
        r"validation labels must be class ids, one per row of "
        r"X_val: shape \(2,\); got shape \(1,\)",
    ),
    (
        _train(validation=(X2, [0, 5])),
        ValueError,
        r"validation labels must be class ids in \[0, n\) with n = "
        r"3 classes; validation labels\[1\] = 5",
    ),
    (_train(validation=(np.zeros((2, 4)), [0, 1])), ValueError, r"X must have 2 features"),
    (
        _train(metrics=[len]),
        TypeError,
        r"metrics must be a dict name -> function\(model\); got list",
    ),
    (
        _train(metrics={"train_loss": len}),
        ValueError,
        r"metrics must not reuse the name of a recorded curve; got 'train_loss'",
    ),
    (
        _train(metrics={"norm": 3}),
        TypeError,
        r"metrics\['norm'\] must be a function\(model\) returning a number; got int",
    ),
    (lambda: training.batches(0, 2, GEN), ValueError, r"m must be an int >= 1; got 0"),
    (lambda: training.batches(5, 0, GEN), ValueError, r"batch_size must be an int >= 1; got 0"),
    (lambda: training.batches(5, 2, 0), TypeError, r"rng must be a numpy.random.Generator"),
    (
        lambda: training.sgd_step(SR.copy(), X2, [0, 1], 0.1, "nope"),
        ValueError,
        r"objective must be a function or one of",
    ),
]


@pytest.mark.parametrize(("call", "error", "message"), TRAIN_BAD)
def test_training_rejects_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


# ---------------------------------------------------------------------------------------------
# Chapter 11: train(targets=...), the objective factories, load_digits_split


def old_train(model, X, ids, *, learning_rate, epochs, batch_size, rng, objective):
    """train() as it was before ``targets`` existed, written out: the reference it must match."""
    curves = {"epoch": [], "train_loss": [], "train_accuracy": [], "objective": []}

    def record(epoch):
        curves["epoch"].append(epoch)
        ev = training.evaluate(model, X, ids)
        curves["train_loss"].append(ev["loss"])
        curves["train_accuracy"].append(ev["accuracy"])
        curves["objective"].append(objective(ids, model.logits(X))[0])

    record(0)
    for epoch in range(1, epochs + 1):
        for batch in training.batches(X.shape[0], batch_size, rng):
            training.sgd_step(model, X[batch], ids[batch], learning_rate, objective)
        record(epoch)
    return {k: np.asarray(v) for k, v in curves.items()}


@pytest.mark.parametrize("objective", [training.cross_entropy, training.squared_error])
def test_train_without_targets_is_bit_identical_to_before(objective):
    X, labels = blobs()
    kwargs = dict(learning_rate=0.3, epochs=3, batch_size=7, objective=objective)
    a = training.MLP.initialize(2, 5, 3, rng=np.random.default_rng(2))
    b = a.copy()
    new = training.train(a, X, labels, rng=np.random.default_rng(9), **kwargs)
    old = old_train(b, X, labels, rng=np.random.default_rng(9), **kwargs)
    assert list(new) == list(old)
    for key in old:
        np.testing.assert_array_equal(new[key], old[key])
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_train_with_targets_feeds_them_to_the_objective():
    X, labels = blobs()
    rng = np.random.default_rng(3)
    targets = crossent.softmax(rng.normal(size=(len(labels), 3)))
    seen = []

    def spy(batch_labels, logits):
        seen.append(np.asarray(batch_labels))
        return training.cross_entropy(batch_labels, logits)

    model = training.SoftmaxRegression.initialize(2, 3)
    reference = model.copy()
    curves = training.train(
        model,
        X,
        labels,
        learning_rate=0.5,
        epochs=2,
        batch_size=10,
        rng=np.random.default_rng(4),
        objective=spy,
        targets=targets,
    )
    assert all(s.ndim == 2 and s.shape[1] == 3 for s in seen)  # distributions, never ids
    # the same steps by hand: each batch's rows of targets
    order = np.random.default_rng(4)
    for _ in range(2):
        for batch in training.batches(len(labels), 10, order):
            training.sgd_step(reference, X[batch], targets[batch], 0.5, training.cross_entropy)
    for name in model.params:
        np.testing.assert_array_equal(model.params[name], reference.params[name])
    # the loss and accuracy curves use the class ids, the objective curve the targets
    end = training.evaluate(model, X, labels)
    assert curves["train_loss"][-1] == end["loss"]
    assert curves["objective"][-1] == training.cross_entropy(targets, model.logits(X))[0]


@pytest.mark.parametrize(
    ("targets", "error", "message"),
    [
        (np.full((5, 3), 1 / 3), ValueError, r"targets must be distributions of shape \(m, n\)"),
        ("soft", TypeError, "targets must be an array of real numbers"),
    ],
)
def test_train_rejects_bad_targets(targets, error, message):
    X, labels = blobs()
    with pytest.raises(error, match=message):
        training.train(
            training.SoftmaxRegression.initialize(2, 3),
            X,
            labels,
            learning_rate=0.1,
            epochs=1,
            batch_size=4,
            rng=np.random.default_rng(0),
            targets=targets,
        )
    bad = np.full((len(labels), 3), 0.5)
    with pytest.raises(ValueError, match="targets must sum to 1 along axis -1"):
        training.train(
            training.SoftmaxRegression.initialize(2, 3),
            X,
            labels,
            learning_rate=0.1,
            epochs=1,
            batch_size=4,
            rng=np.random.default_rng(0),
            targets=bad,
        )


def _mp_distillation_value(p, z, T):
    total = mpmath.mpf(0)
    for prow, zrow in zip(p, z, strict=True):
        s = [mpmath.mpf(float(v)) / T for v in zrow]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in s))
        total += -mpmath.fsum(
            mpmath.mpf(float(a)) * (v - lse) for a, v in zip(prow, s, strict=True)
        )
    return float(T * T * total / len(z))


@pytest.mark.parametrize("T", [1.0, 2.5, 10.0])
def test_distillation_objective(T):
    rng = np.random.default_rng(5)
    z = rng.normal(size=(6, 4)) * 3
    p = crossent.softmax(rng.normal(size=(6, 4)) * 3 / T)
    objective = training.distillation(T)
    value, grad = objective(p, z)
    assert value == pytest.approx(_mp_distillation_value(p, z, mpmath.mpf(T)), rel=1e-13)
    num = central_differences(lambda x: objective(p, x)[0], z)
    np.testing.assert_allclose(grad, num, atol=fd_tol(value))
    np.testing.assert_allclose(grad, T * (crossent.softmax(z / T) - p) / 6, atol=1e-15)
    # it is the mean of crossent.distillation_loss on teacher logits whose softmax is p
    teacher = np.log(p) * T
    assert value == pytest.approx(
        float(np.mean(crossent.distillation_loss(teacher, z, T))), rel=1e-12
    )
    # class ids are one-hot targets
    v_ids, _ = objective(np.array([0, 1, 2, 3, 0, 1]), z)
    assert v_ids == pytest.approx(objective(np.eye(4)[[0, 1, 2, 3, 0, 1]], z)[0], rel=1e-15)


def test_class_weighted_cross_entropy_objective():
    rng = np.random.default_rng(6)
    z = rng.normal(size=(8, 3)) * 2
    k = rng.integers(0, 3, 8)
    w = np.array([0.5, 2.0, 1.0])
    objective = training.class_weighted_cross_entropy(w)
    value, grad = objective(k, z)
    # sum of w_k CE over the batch, divided by m = 8 (not by the sum of the weights)
    expected = 0.0
    for r in range(8):
        lse = math.log(math.fsum(math.exp(v) for v in z[r]))
        expected += w[k[r]] * (lse - z[r, k[r]])
    assert value == pytest.approx(expected / 8, rel=1e-13)
    np.testing.assert_allclose(
        grad, central_differences(lambda x: objective(k, x)[0], z), atol=fd_tol(value)
    )
    # weights all 1: the plain cross-entropy
    v1, g1 = training.class_weighted_cross_entropy(np.ones(3))(k, z)
    v0, g0 = training.cross_entropy(k, z)
    assert v1 == pytest.approx(v0, rel=1e-15)
    np.testing.assert_allclose(g1, g0, rtol=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: training.class_weighted_cross_entropy([[1.0]]),
            ValueError,
            "class_weights must be a 1-D",
        ),
        (
            lambda: training.class_weighted_cross_entropy([]),
            ValueError,
            "class_weights must be a 1-D",
        ),
        (
            lambda: training.class_weighted_cross_entropy([1.0, -1.0]),
            ValueError,
            r"class_weights\[1\] = -1",
        ),
        (
            lambda: training.class_weighted_cross_entropy([1.0, np.inf]),
            ValueError,
            "must be finite",
        ),
        (
            lambda: training.class_weighted_cross_entropy("a"),
            TypeError,
            "class_weights must be an array",
        ),
        (
            lambda: training.class_weighted_cross_entropy([1.0, 1.0])([0], [[0.0, 0.0, 0.0]]),
            ValueError,
            "one column per class weight, 2",
        ),
        (
            lambda: training.class_weighted_cross_entropy([1.0, 1.0])([[1.0, 0.0]], [[0.0, 0.0]]),
            ValueError,
            r"labels must be class ids of shape \(m,\)",
        ),
        (
            lambda: training.distillation(0),
            ValueError,
            "temperature must be a positive finite number",
        ),
        (lambda: training.distillation("2"), TypeError, "temperature must be a real number"),
        (lambda: training.focal(-1.0), ValueError, "gamma must be a finite number >= 0"),
        (lambda: training.focal(math.nan), ValueError, "gamma must be a finite number >= 0"),
        (lambda: training.focal("2"), TypeError, "gamma must be a real number >= 0"),
        (
            lambda: training.focal(2.0)([0, 5], [[0.0, 1.0], [1.0, 0.0]]),
            ValueError,
            r"labels must be class ids in \[0, n\)",
        ),
        (lambda: training.load_digits_split(1.5), TypeError, "seed must be an int"),
    ],
)
def test_chapter_11_objectives_reject_bad_input(call, error, message):
    with pytest.raises(error, match=message):
        call()


def _mp_focal_mean(p, z, gamma):
    total = mpmath.mpf(0)
    for prow, zrow in zip(p, z, strict=True):
        s = [mpmath.mpf(float(v)) for v in zrow]
        lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in s))
        q = [mpmath.exp(v - lse) for v in s]
        for i, a in enumerate(prow):
            if a > 0:
                comp = mpmath.fsum(q[j] for j in range(len(q)) if j != i)
                total -= mpmath.mpf(float(a)) * comp**gamma * (s[i] - lse)
    return total / len(z)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0, 4.0])
@pytest.mark.parametrize("soft", [False, True])
def test_focal_objective_value_and_gradient(gamma, soft):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(5, 4)) * 3
    k = rng.integers(0, 4, 5)
    labels = crossent.softmax(rng.normal(size=(5, 4))) if soft else k
    p = labels if soft else np.eye(4)[k]
    objective = training.focal(gamma)
    value, grad = objective(labels, z)
    assert value == pytest.approx(float(_mp_focal_mean(p, z, gamma)), rel=1e-12)
    num = central_differences(lambda x: objective(labels, x)[0], z)
    np.testing.assert_allclose(grad, num, atol=fd_tol(value))
    if gamma == 0:
        np.testing.assert_allclose(grad, training.cross_entropy(labels, z)[1], atol=1e-16)


@pytest.mark.parametrize("gamma", [0.5, 2.0])
def test_focal_gradient_matches_mpmath_at_a_confident_answer(gamma):
    # q_0 = 1 - e^-50: the gradient is of order e^-50 times a power; mpmath.diff of the mpmath
    # value gives it to full relative precision, float64 differences could not
    z = np.array([[50.0, 0.0, -3.0]])
    _, grad = training.focal(gamma)([0], z)
    for j in range(3):

        def f(x, j=j):
            zz = [mpmath.mpf(float(v)) for v in z[0]]
            zz[j] = x
            lse = mpmath.log(mpmath.fsum(mpmath.exp(v) for v in zz))
            comp = mpmath.fsum(mpmath.exp(v - lse) for v in zz[1:])
            return -(comp**gamma) * (zz[0] - lse)

        expected = float(mpmath.diff(f, mpmath.mpf(float(z[0, j]))))
        assert grad[0, j] == pytest.approx(expected, rel=1e-9)
    assert grad.sum() == pytest.approx(0, abs=1e-300 + 1e-12 * np.abs(grad).max())


def test_focal_objective_huge_logits_are_finite():
    value, grad = training.focal(2.0)([1, 0], np.array([[1e4, 0.0], [1e4, -1e4]]))
    assert math.isfinite(value) and np.isfinite(grad).all()
    assert value == pytest.approx(1e4 / 2, rel=1e-12)


def test_train_with_the_new_objectives():
    X, labels = blobs()
    rng = np.random.default_rng(8)
    teacher = crossent.softmax(rng.normal(size=(len(labels), 3)) + 3 * np.eye(3)[labels])
    for objective, targets in [
        (training.distillation(2.0), teacher),
        (training.class_weighted_cross_entropy([1.0, 2.0, 0.5]), None),
        (training.focal(2.0), None),
    ]:
        model = training.SoftmaxRegression.initialize(2, 3)
        curves = training.train(
            model,
            X,
            labels,
            learning_rate=0.5,
            epochs=5,
            batch_size=8,
            rng=np.random.default_rng(0),
            objective=objective,
            targets=targets,
        )
        assert curves["train_loss"][-1] < curves["train_loss"][0]


def test_load_digits_split_is_chapter_10s_data():
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_digits

    data = training.load_digits_split()
    assert data._fields == ("X_train", "k_train", "X_val", "k_val", "X_test", "k_test")
    assert data.X_train.shape == (1078, 64) and data.k_train.shape == (1078,)
    assert data.X_val.shape == (359, 64) and data.k_val.shape == (359,)
    assert data.X_test.shape == (360, 64) and data.k_test.shape == (360,)
    # standardised with the training statistics: mean 0, std 1 (or 0 for constant pixels)
    np.testing.assert_allclose(data.X_train.mean(axis=0), 0, atol=1e-12)
    std = data.X_train.std(axis=0)
    assert np.all((np.abs(std - 1) < 1e-12) | (std == 0))
    # the same images in the same order as chapter 10's split, rebuilt pixel by pixel
    digits = load_digits()
    order = np.random.default_rng(10).permutation(1797)
    raw_train = digits.data[order[:1078]]
    mean, sd = raw_train.mean(axis=0), raw_train.std(axis=0)
    sd[sd == 0] = 1.0
    for X, k, idx in [
        (data.X_train, data.k_train, order[:1078]),
        (data.X_val, data.k_val, order[1078:1437]),
        (data.X_test, data.k_test, order[1437:]),
    ]:
        np.testing.assert_array_equal(k, digits.target[idx])
        np.testing.assert_array_equal(X, (digits.data[idx] - mean) / sd)
    other = training.load_digits_split(seed=11)
    assert not np.array_equal(other.k_train, data.k_train)
