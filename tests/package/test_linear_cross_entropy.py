"""crossent.linear_cross_entropy and its gradients, and crossent.tf.linear_cross_entropy.

The reference is the naive computation: the logits Z = H W^T in full, the loss from
crossent.sparse_softmax_cross_entropy_with_logits (checked against mpmath elsewhere and on a
small case here), and the gradients from their closed form G = (Q - P) a, dH = G W,
dW = G^T H, written out here without the package. TensorFlow's tape on
tf.nn.sparse_softmax_cross_entropy_with_logits is the third, independent reference.
"""

from __future__ import annotations

import tracemalloc

import mpmath
import numpy as np
import pytest

import crossent
from crossent.linear import CHUNK_BYTES, default_chunk_size

CHUNKS = [1, 2, 3, 7, 16, 64, None, 10_000]
REDUCTIONS = ["none", "sum", "mean"]


def problem(m=24, d=5, n=37, seed=0, scale=1.0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    H = (scale * rng.normal(size=(m, d))).astype(dtype)
    W = rng.normal(size=(n, d)).astype(dtype)
    k = rng.integers(0, n, m)
    return H, W, k


def naive(H, W, k, reduction="mean", ignore_index=None):
    """Loss and both gradients from the full logits, in float64."""
    H64, W64 = H.astype(np.float64), W.astype(np.float64)
    Z = H64 @ W64.T
    counted = np.ones(len(k), bool) if ignore_index is None else k != ignore_index
    safe = np.where(counted, k, 0)
    losses = np.where(counted, crossent.sparse_softmax_cross_entropy_with_logits(safe, Z), 0.0)
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    G = E / E.sum(axis=1, keepdims=True)
    G[np.arange(len(k)), safe] -= 1
    a = counted.astype(float)
    if reduction == "mean" and counted.sum():
        a /= counted.sum()
    G *= a[:, None]
    if reduction == "none":
        value = losses
    elif reduction == "sum":
        value = losses.sum()
    else:
        value = losses.sum() / counted.sum() if counted.sum() else 0.0
    return value, G @ W64, G.T @ H64


@pytest.mark.parametrize("chunk", CHUNKS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_matches_the_naive_computation_for_any_chunk_size(chunk, reduction):
    H, W, k = problem()
    value, gh, gw = naive(H, W, k, reduction)
    loss = crossent.linear_cross_entropy(H, W, k, chunk_size=chunk, reduction=reduction)
    loss2, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(
        H, W, k, chunk_size=chunk, reduction=reduction
    )
    np.testing.assert_allclose(loss, value, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(loss, loss2)
    np.testing.assert_allclose(grad_h, gh, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_w, gw, rtol=1e-12, atol=1e-15)
    assert grad_h.shape == H.shape and grad_w.shape == W.shape


def test_a_small_case_against_mpmath():
    H = [[0.3, -1.2], [2.0, 0.5], [-0.7, 0.1]]
    W = [[1.0, 0.0], [0.5, -2.0], [-1.5, 1.0], [0.0, 3.0]]
    k = [3, 0, 2]
    mpmath.mp.dps = 40
    losses = []
    for r in range(3):
        z = [mpmath.fsum(mpmath.mpf(H[r][i]) * W[j][i] for i in range(2)) for j in range(4)]
        losses.append(mpmath.log(mpmath.fsum(mpmath.exp(t) for t in z)) - z[k[r]])
    for chunk in (1, 3, None):
        got = crossent.linear_cross_entropy(H, W, k, chunk_size=chunk, reduction="none")
        np.testing.assert_allclose(got, [float(v) for v in losses], rtol=1e-14)


def test_gradient_against_central_differences():
    H, W, k = problem(m=4, d=3, n=6, seed=3)
    _, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(H, W, k, chunk_size=4)
    h = 1e-6
    for arr, grad in ((H, grad_h), (W, grad_w)):
        for idx in np.ndindex(arr.shape):
            keep = arr[idx]
            arr[idx] = keep + h
            up = crossent.linear_cross_entropy(H, W, k, chunk_size=4)
            arr[idx] = keep - h
            down = crossent.linear_cross_entropy(H, W, k, chunk_size=4)
            arr[idx] = keep
            assert abs((up - down) / (2 * h) - grad[idx]) < 1e-8


@pytest.mark.parametrize("chunk", [1, 5, None])
def test_extreme_logits_stay_finite_and_exact(chunk):
    # logits of size about 1e4: exp overflows without the running maximum
    H, W, k = problem(scale=3000.0, seed=5)
    value, gh, gw = naive(H, W, k, "none")
    loss, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(
        H, W, k, chunk_size=chunk, reduction="none"
    )
    assert np.isfinite(loss).all() and np.abs(H @ W.T).max() > 1000
    np.testing.assert_allclose(loss, value, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(grad_h, gh, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(grad_w, gw, rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("chunk", [1, 7, None])
def test_float32_stays_float32_and_is_accurate(chunk):
    H, W, k = problem(m=50, d=8, n=300, seed=7, dtype=np.float32)
    value, gh, gw = naive(H, W, k, "mean")
    loss, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(H, W, k, chunk_size=chunk)
    assert loss.dtype == np.float32 and grad_h.dtype == np.float32 and grad_w.dtype == np.float32
    assert crossent.linear_cross_entropy(H, W, k, reduction="none").dtype == np.float32
    np.testing.assert_allclose(loss, value, rtol=1e-5)
    np.testing.assert_allclose(grad_h, gh, rtol=1e-4, atol=1e-7)
    np.testing.assert_allclose(grad_w, gw, rtol=1e-4, atol=1e-7)


def test_mixed_dtypes_give_the_wider():
    H, W, k = problem()
    loss = crossent.linear_cross_entropy(H.astype(np.float32), W, k)
    assert loss.dtype == np.float64


@pytest.mark.parametrize("chunk", [1, 4, None])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_ignored_tokens_have_zero_loss_and_gradient(chunk, reduction):
    H, W, k = problem(m=20, seed=11)
    k[[0, 3, 4, 19]] = -100
    value, gh, gw = naive(H, W, k, reduction, ignore_index=-100)
    loss, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(
        H, W, k, chunk_size=chunk, ignore_index=-100, reduction=reduction
    )
    np.testing.assert_allclose(loss, value, rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(grad_h, gh, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(grad_w, gw, rtol=1e-12, atol=1e-15)
    assert not grad_h[[0, 3, 4, 19]].any()
    kept = np.delete(np.arange(20), [0, 3, 4, 19])
    if reduction == "none":
        assert not loss[[0, 3, 4, 19]].any()
    if reduction == "mean":  # the mean of the 16 tokens left, as if the others were not there
        alone = crossent.linear_cross_entropy(H[kept], W, k[kept])
        np.testing.assert_allclose(loss, alone, rtol=1e-14)


def test_ignore_index_may_be_a_valid_class_id():
    H, W, k = problem(seed=2)
    k[:5] = 0
    loss = crossent.linear_cross_entropy(H, W, k, ignore_index=0)
    value, _, _ = naive(H, W, k, "mean", ignore_index=0)
    np.testing.assert_allclose(loss, value, rtol=1e-13)


def test_a_batch_of_padding_only_has_loss_zero_and_zero_gradients():
    H, W, _ = problem(m=6)
    k = np.full(6, -100)
    for reduction in ("sum", "mean"):
        loss, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(
            H, W, k, ignore_index=-100, reduction=reduction
        )
        assert loss == 0 and not grad_h.any() and not grad_w.any()
        assert np.isfinite(loss)


def test_default_chunk_size_bounds_one_chunk_of_logits():
    assert default_chunk_size(2048, 32768, 4) * 2048 * 4 == CHUNK_BYTES
    assert default_chunk_size(10, 50, 8) == 50
    assert default_chunk_size(10**8, 50, 8) == 1
    for m, n, size in [(1, 10**6, 4), (4096, 256_000, 4), (333, 5000, 8)]:
        c = default_chunk_size(m, n, size)
        assert 1 <= c <= n and (c * m * size <= CHUNK_BYTES or c == 1)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weight": np.ones((5, 4))}, "same number of features d"),
        ({"labels": np.array([0, 1, 9])}, r"labels\[2\] = 9"),
        ({"labels": np.array([0, -1, 2])}, r"labels\[1\] = -1"),
        ({"labels": np.array([0, 1])}, r"shape \(m,\) = \(3,\)"),
        ({"labels": np.array([[0, 1, 2]])}, r"shape \(m,\) = \(3,\)"),
        ({"chunk_size": 0}, "chunk_size must be a positive int"),
        ({"chunk_size": -3}, "chunk_size must be a positive int"),
        ({"chunk_size": 2.5}, "chunk_size must be a positive int"),
        ({"chunk_size": True}, "chunk_size must be a positive int"),
        ({"reduction": "average"}, "reduction must be one of"),
        ({"hidden": np.ones(3)}, "hidden must be a 2-D array"),
        ({"weight": np.ones((0, 3))}, "at least one row"),
        ({"hidden": np.array([[0.0, np.nan, 1.0]] * 3)}, r"hidden\[0, 1\] = nan"),
        ({"weight": np.array([[0.0, 1.0, np.inf]] * 6)}, r"weight\[0, 2\] = inf"),
        ({"hidden": np.full((3, 3), 2e38, np.float32)}, "overflow float32"),
    ],
)
def test_bad_input_is_a_clear_value_error(kwargs, message):
    args = {
        "hidden": np.ones((3, 3)),
        "weight": np.ones((6, 3)),
        "labels": np.array([0, 1, 2]),
    } | kwargs
    weight = args["weight"].astype(args["hidden"].dtype) if "hidden" in kwargs else args["weight"]
    for fn in (crossent.linear_cross_entropy, crossent.linear_cross_entropy_value_and_grad):
        with pytest.raises(ValueError, match=message):
            fn(
                args["hidden"],
                weight,
                args["labels"],
                chunk_size=args.get("chunk_size"),
                reduction=args.get("reduction", "mean"),
            )


def test_labels_beyond_range_name_ignore_index_when_given():
    with pytest.raises(ValueError, match=r"or ignore_index = -100; labels\[1\] = 7"):
        crossent.linear_cross_entropy(np.ones((2, 2)), np.ones((3, 2)), [0, 7], ignore_index=-100)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"labels": np.array([0.0, 1.0])}, "labels must be integer class ids"),
        ({"ignore_index": 1.5}, "ignore_index must be an int"),
        ({"ignore_index": True}, "ignore_index must be an int"),
        ({"hidden": np.ones((2, 2), complex)}, "hidden must hold real numbers"),
    ],
)
def test_bad_types_are_a_clear_type_error(kwargs, message):
    args = {"hidden": np.ones((2, 2)), "labels": np.array([0, 1])} | kwargs
    with pytest.raises(TypeError, match=message):
        crossent.linear_cross_entropy(
            args["hidden"], np.ones((3, 2)), args["labels"], ignore_index=args.get("ignore_index")
        )


# --- the z-loss of PaLM ---------------------------------------------------------------------


def naive_z_loss(H, W, k, lam, reduction="mean", ignore_index=None):
    """Cross-entropy plus lam * logsumexp^2 per token, and its gradients, from the full logits.

    d/dz_j [lse - z_k + lam lse^2] = (1 + 2 lam lse) q_j - [j = k], written out here.
    """
    Z = H.astype(np.float64) @ W.astype(np.float64).T
    counted = np.ones(len(k), bool) if ignore_index is None else k != ignore_index
    safe = np.where(counted, k, 0)
    top = Z.max(axis=1)
    lse = top + np.log(np.exp(Z - top[:, None]).sum(axis=1))
    losses = np.where(counted, lse - Z[np.arange(len(k)), safe] + lam * lse**2, 0.0)
    G = np.exp(Z - lse[:, None]) * (1 + 2 * lam * lse)[:, None]
    G[np.arange(len(k)), safe] -= 1
    a = counted.astype(float) / (counted.sum() if reduction == "mean" else 1)
    G *= a[:, None]
    value = {"none": losses, "sum": losses.sum(), "mean": losses.sum() / counted.sum()}
    return value[reduction], G @ W, G.T @ H


@pytest.mark.parametrize("chunk", [1, 5, None])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_z_loss_matches_the_naive_computation(chunk, reduction):
    H, W, k = problem(seed=7, scale=3.0)  # log-sum-exps of several units, both signs
    k[:4] = -100
    for lam in (1e-4, 0.5):
        expected = naive_z_loss(H, W, k, lam, reduction, ignore_index=-100)
        kwargs = dict(chunk_size=chunk, reduction=reduction, ignore_index=-100, z_loss=lam)
        got = crossent.linear_cross_entropy_value_and_grad(H, W, k, **kwargs)
        alone = crossent.linear_cross_entropy(H, W, k, **kwargs)
        np.testing.assert_array_equal(alone, got[0])
        for a, b in zip(got, expected, strict=True):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_z_loss_gradient_against_central_differences():
    H, W, k = problem(m=4, d=3, n=6, seed=8, scale=2.0)
    _, grad_h, grad_w = crossent.linear_cross_entropy_value_and_grad(
        H, W, k, chunk_size=4, z_loss=0.3
    )
    h = 1e-6
    for arr, grad in ((H, grad_h), (W, grad_w)):
        for idx in np.ndindex(arr.shape):
            keep = arr[idx]
            arr[idx] = keep + h
            up = crossent.linear_cross_entropy(H, W, k, chunk_size=4, z_loss=0.3)
            arr[idx] = keep - h
            down = crossent.linear_cross_entropy(H, W, k, chunk_size=4, z_loss=0.3)
            arr[idx] = keep
            assert abs((up - down) / (2 * h) - grad[idx]) < 1e-8


def test_z_loss_zero_is_the_plain_loss_and_pulls_a_shared_shift():
    H, W, k = problem(seed=9)
    plain = crossent.linear_cross_entropy_value_and_grad(H, W, k)
    zero = crossent.linear_cross_entropy_value_and_grad(H, W, k, z_loss=0.0)
    for a, b in zip(plain, zero, strict=True):
        np.testing.assert_array_equal(a, b)
    # A constant feature whose weight is the same for every class shifts every logit alike:
    # the cross-entropy's gradient along that shift is 0, the z-loss's is 2 lam mean(lse).
    H1 = np.hstack([H, np.ones((len(H), 1))])
    W1 = np.hstack([W, np.full((len(W), 1), 3.0)])
    lse = crossent.logsumexp(H1 @ W1.T, axis=1)
    for lam, pull in ((0.0, 0.0), (0.01, 2 * 0.01 * lse.mean())):
        _, _, grad_w = crossent.linear_cross_entropy_value_and_grad(H1, W1, k, z_loss=lam)
        assert abs(grad_w[:, -1].sum() - pull) < 1e-12


@pytest.mark.parametrize("bad", [-1e-4, float("nan"), float("inf")])
def test_z_loss_must_be_a_finite_non_negative_number(bad):
    H, W, k = problem()
    for fn in (crossent.linear_cross_entropy, crossent.linear_cross_entropy_value_and_grad):
        with pytest.raises(ValueError, match="z_loss must be a finite number >= 0"):
            fn(H, W, k, z_loss=bad)
    with pytest.raises(TypeError, match="z_loss must be a real number"):
        crossent.linear_cross_entropy(H, W, k, z_loss="1e-4")


# --- bfloat16 rounding ------------------------------------------------------------------------


def test_bfloat16_round_agrees_with_ml_dtypes_and_tensorflow():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    from crossent.linear import bfloat16_round

    rng = np.random.default_rng(10)
    x = np.concatenate(
        [
            (rng.standard_normal(200_000) * 10.0 ** rng.integers(-30, 30, 200_000)),
            [0.0, -0.0, 1.0, 1 + 2**-8, 1 + 3 * 2**-8, 3.4e38, -3.4e38, 1e-40, np.inf, -np.inf],
        ]
    ).astype(np.float32)
    ours = bfloat16_round(x)
    assert ours.dtype == np.float32
    theirs = x.astype(ml_dtypes.bfloat16).astype(np.float32)
    np.testing.assert_array_equal(ours, theirs)
    assert np.signbit(ours[np.flatnonzero(x == 0)]).tolist() == [False, True]
    tf = pytest.importorskip("tensorflow")
    via_tf = tf.cast(tf.cast(tf.constant(x), tf.bfloat16), tf.float32).numpy()
    np.testing.assert_array_equal(ours, via_tf)


def test_bfloat16_round_keeps_eight_significant_bits():
    from crossent.linear import bfloat16_round

    x = np.float32(1) + np.arange(1, 200, dtype=np.float32) * np.float32(2**-12)
    error = np.abs(bfloat16_round(x) - x) / x
    assert error.max() <= 2**-8  # the unit roundoff
    assert set(np.unique(bfloat16_round(x) - 1) * 2**7) <= set(range(0, 128))


def extra_peak(fn, H, W, k, **kwargs) -> int:
    """Peak traced memory of fn beyond its inputs and what it returns (bytes)."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    out = fn(H, W, k, **kwargs)
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    returned = sum(np.asarray(o).nbytes for o in (out if isinstance(out, tuple) else (out,)))
    return peak - returned


def naive_value_and_grad(H, W, k):
    Z = H @ W.T  # the (m, n) logits
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    loss = -np.log(Z[np.arange(len(k)), k]).mean()
    Z[np.arange(len(k)), k] -= 1
    Z /= len(k)
    return loss, Z @ W, Z.T @ H


def test_peak_memory_stays_flat_as_the_vocabulary_grows():
    m, d, chunk = 128, 16, 256
    rng = np.random.default_rng(0)
    H = rng.normal(size=(m, d))
    peaks, naive_peaks = [], []
    for n in (2048, 8192, 32768):
        W = rng.normal(size=(n, d))
        k = rng.integers(0, n, m)
        fn = crossent.linear_cross_entropy_value_and_grad
        peaks.append(extra_peak(fn, H, W, k, chunk_size=chunk))
        naive_peaks.append(extra_peak(naive_value_and_grad, H, W, k))
    one_chunk = m * chunk * 8
    # a few chunks of logits and an (m, d) block, whatever n is
    assert max(peaks) <= 4 * one_chunk + 4 * m * d * 8
    assert peaks[-1] <= 1.1 * peaks[0]
    # the naive version holds the m x n logits: its peak grows with n
    for n, peak in zip((2048, 8192, 32768), naive_peaks, strict=True):
        assert peak >= m * n * 8
    assert naive_peaks[-1] > 30 * peaks[-1]


def test_the_loss_alone_needs_no_more_memory_than_one_chunk_or_so():
    m, d, chunk, n = 128, 16, 256, 16384
    rng = np.random.default_rng(1)
    H, W = rng.normal(size=(m, d)), rng.normal(size=(n, d))
    k = rng.integers(0, n, m)
    peak = extra_peak(crossent.linear_cross_entropy, H, W, k, chunk_size=chunk)
    assert peak <= 3 * m * chunk * 8


# --- TensorFlow ----------------------------------------------------------------------------------

tf = pytest.importorskip("tensorflow")
ctf = pytest.importorskip("crossent.tf")


def tf_reference(H, W, k, reduction, ignore_index=None):
    h, w = tf.Variable(H), tf.Variable(W)
    counted = np.ones(len(k), bool) if ignore_index is None else k != ignore_index
    safe = np.where(counted, k, 0)
    with tf.GradientTape() as tape:
        z = tf.matmul(h, w, transpose_b=True)
        losses = tf.nn.sparse_softmax_cross_entropy_with_logits(safe, z)
        losses = tf.where(counted, losses, tf.zeros_like(losses))
        if reduction == "none":
            value = losses
        elif reduction == "sum":
            value = tf.reduce_sum(losses)
        else:
            value = tf.math.divide_no_nan(tf.reduce_sum(losses), float(counted.sum()))
    gh, gw = tape.gradient(value, [h, w])
    return value.numpy(), gh.numpy(), gw.numpy()


def tf_chunked(H, W, k, **kwargs):
    h, w = tf.Variable(H), tf.Variable(W)
    with tf.GradientTape() as tape:
        value = ctf.linear_cross_entropy(h, w, k, **kwargs)
    gh, gw = tape.gradient(value, [h, w])
    return value.numpy(), gh.numpy(), gw.numpy()


@pytest.mark.parametrize("chunk", [1, 6, None])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_tf_version_matches_the_fused_op_under_the_tape(chunk, reduction):
    H, W, k = problem(seed=4)
    ours = tf_chunked(H, W, k, chunk_size=chunk, reduction=reduction)
    theirs = tf_reference(H, W, k, reduction)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(
        ours[0], crossent.linear_cross_entropy(H, W, k, reduction=reduction), rtol=1e-13
    )


def test_tf_version_with_padding_extreme_logits_and_float32():
    H, W, k = problem(seed=8, scale=2000.0)
    k[[1, 2]] = -100
    ours = tf_chunked(H, W, k, chunk_size=5, ignore_index=-100)
    theirs = tf_reference(H, W, k, "mean", ignore_index=-100)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-9)
    assert not ours[1][[1, 2]].any()
    H32, W32, k32 = problem(seed=9, dtype=np.float32)
    value, gh, gw = tf_chunked(H32, W32, k32, chunk_size=8)
    assert value.dtype == np.float32 and gh.dtype == np.float32 and gw.dtype == np.float32
    ref = naive(H32, W32, k32)
    np.testing.assert_allclose(value, ref[0], rtol=1e-5)
    np.testing.assert_allclose(gw, ref[2], rtol=1e-4, atol=1e-7)


def test_tf_version_inside_tf_function_and_its_errors():
    H, W, k = problem(seed=10)
    h, w = tf.Variable(H), tf.Variable(W)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            value = ctf.linear_cross_entropy(h, w, tf.constant(k), chunk_size=9)
        return value, tape.gradient(value, [h, w])

    value, (gh, gw) = step()
    ref = naive(H, W, k)
    np.testing.assert_allclose(value.numpy(), ref[0], rtol=1e-13)
    np.testing.assert_allclose(gh.numpy(), ref[1], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(gw.numpy(), ref[2], rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="same number of features d"):
        ctf.linear_cross_entropy(H, W[:, :3], k)
    with pytest.raises(ValueError, match=r"labels\[0\] = 99"):
        ctf.linear_cross_entropy(H, W, np.r_[99, k[1:]])
    with pytest.raises(ValueError, match="chunk_size must be a positive int"):
        ctf.linear_cross_entropy(H, W, k, chunk_size=0)
    with pytest.raises(ValueError, match="reduction must be one of"):
        ctf.linear_cross_entropy(H, W, k, reduction="mean_over_batch")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_tf_version_z_loss_matches_the_naive_computation(reduction):
    H, W, k = problem(seed=11, scale=3.0)
    k[:3] = -100
    expected = naive_z_loss(H, W, k, 0.05, reduction, ignore_index=-100)
    ours = tf_chunked(H, W, k, chunk_size=6, reduction=reduction, ignore_index=-100, z_loss=0.05)
    for a, b in zip(ours, expected, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    with pytest.raises(ValueError, match="z_loss must be a finite number >= 0"):
        ctf.linear_cross_entropy(H, W, k, ignore_index=-100, z_loss=-1.0)
