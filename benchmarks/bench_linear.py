"""The cross-entropy of a linear layer without the logits: chunked against naive (issue 13).

At m = 2048 tokens, d = 256 features and n = 32,768 classes in float32, the loss and both
gradients (with respect to the hidden states H and the weights W) of

- ``crossent.linear_cross_entropy_value_and_grad`` (chunks of the vocabulary, online
  log-sum-exp, each chunk's logits recomputed for the gradient), against the naive NumPy
  computation (the m x n logits in full, softmax, G = (Q - P)/m, G W and G^T H);
- ``crossent.tf.linear_cross_entropy`` under ``tf.GradientTape``, against TensorFlow's naive
  version (``tf.matmul`` + ``tf.nn.sparse_softmax_cross_entropy_with_logits``), both in
  ``tf.function``.

Memory: the peak traced by ``tracemalloc`` (deterministic) beyond the inputs and the returned
gradients, for both NumPy versions at n = 8192, 16,384 and 32,768; and for the two TensorFlow
versions the peak of TensorFlow's own allocator during one step beyond what it held before
(``tf.config.experimental.get_memory_info("CPU:0")``, with the BFC allocator switched on for
the CPU by ``TF_CPU_ALLOCATOR_USE_BFC``), after a first, warm-up step, eagerly and inside
``tf.function``, each in its own subprocess (TensorFlow's allocator is not traced by
tracemalloc). Inside ``tf.function`` the chunked version saves as much as eagerly, because
every op of a chunk waits for the previous chunk's results.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_linear.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tracemalloc

import harness
import numpy as np

import crossent

M, D, N = 2048, 256, 32768
MEMORY_NS = (8192, 16384, 32768)
#: Each call takes about a second: fewer rounds than the other scripts.
ROUNDS = min(harness.ROUNDS, 7)
TARGET = 1.4  # the bound on chunked / naive time in NumPy


def inputs(m: int, d: int, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    H = rng.normal(size=(m, d)).astype(np.float32)
    W = (rng.normal(size=(n, d)) / np.sqrt(d)).astype(np.float32)  # logits of size about 1
    k = rng.integers(0, n, m)
    return H, W, k


def naive(H, W, k):
    """The loss and both gradients from the full (m, n) logits."""
    Z = H @ W.T
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)  # Q
    rows = np.arange(len(k))
    loss = -np.log(Z[rows, k]).mean()
    Z[rows, k] -= 1
    Z /= np.float32(len(k))  # G = (Q - P) / m
    return loss, Z @ W, Z.T @ H


def extra_peak_mb(fn, *args) -> float:
    tracemalloc.start()
    tracemalloc.reset_peak()
    start = tracemalloc.get_traced_memory()[0]
    out = fn(*args)
    peak = tracemalloc.get_traced_memory()[1] - start
    tracemalloc.stop()
    returned = sum(np.asarray(o).nbytes for o in out)
    return round((peak - returned) / 2**20, 1)


CHILD = r"""
import json, os, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ["TF_CPU_ALLOCATOR_USE_BFC"] = "true"  # so that the allocator keeps statistics
import numpy as np
import tensorflow as tf
sys.path.insert(0, sys.argv[3])
from bench_linear import inputs
from crossent import tf as ctf

kind, n, mode = sys.argv[1], int(sys.argv[2]), sys.argv[4]
H, W, k = inputs(2048, 256, n)
h, w, labels = tf.constant(H), tf.constant(W), tf.constant(k)

def step(h, w):
    with tf.GradientTape() as tape:
        tape.watch([h, w])
        if kind == "naive":
            z = tf.matmul(h, w, transpose_b=True)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z))
        else:
            loss = ctf.linear_cross_entropy(h, w, labels)
    return loss, tape.gradient(loss, [h, w])

if mode == "function":
    step = tf.function(step)
_ = [t.numpy() for t in tf.nest.flatten(step(h, w))]  # trace and run once: warm
tf.config.experimental.reset_memory_stats("CPU:0")
before = tf.config.experimental.get_memory_info("CPU:0")["current"]
out = [t.numpy() for t in tf.nest.flatten(step(h, w))]
peak = tf.config.experimental.get_memory_info("CPU:0")["peak"]
print(json.dumps({"peak_growth_mb": round((peak - before) / 2**20, 1)}))
"""


def tf_peak_growth_mb(kind: str, n: int, mode: str) -> float | None:
    """TensorFlow's allocator peak in one step beyond what it held before, in MB."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, kind, str(n), str(harness.ROOT / "benchmarks"), mode],
        capture_output=True,
        text=True,
        cwd=harness.ROOT,
    )
    if result.returncode != 0:
        print(result.stderr[-2000:], file=sys.stderr)
        return None
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_growth_mb"]


def main() -> None:
    tf = harness.tensorflow()
    from crossent import tf as ctf

    info = harness.machine(tf)
    harness.print_machine(info)
    H, W, k = inputs(M, D, N)
    # the same numbers on both sides before anything is timed
    ours = crossent.linear_cross_entropy_value_and_grad(H, W, k)
    theirs = naive(H, W, k)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for a, b in zip(ours[1:], theirs[1:], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-6)

    h, w, labels = tf.constant(H), tf.constant(W), tf.constant(k)

    def tf_step(chunked):
        @tf.function
        def step(h, w):
            with tf.GradientTape() as tape:
                tape.watch([h, w])
                if chunked:
                    loss = ctf.linear_cross_entropy(h, w, labels)
                else:
                    z = tf.matmul(h, w, transpose_b=True)
                    losses = tf.nn.sparse_softmax_cross_entropy_with_logits(labels, z)
                    loss = tf.reduce_mean(losses)
            return loss, tape.gradient(loss, [h, w])

        return step

    tf_chunked, tf_naive = tf_step(True), tf_step(False)
    a, b = tf_chunked(h, w), tf_naive(h, w)
    np.testing.assert_allclose(a[0].numpy(), b[0].numpy(), rtol=1e-5)
    np.testing.assert_allclose(a[1][1].numpy(), b[1][1].numpy(), rtol=1e-3, atol=1e-6)

    def tf_call(step):
        return lambda: [t.numpy() for t in tf.nest.flatten(step(h, w))]

    times = harness.interleaved(
        {
            "chunked": lambda: crossent.linear_cross_entropy_value_and_grad(H, W, k),
            "naive": lambda: naive(H, W, k),
            "tf_chunked": tf_call(tf_chunked),
            "tf_naive": tf_call(tf_naive),
        },
        rounds=ROUNDS,
        warmup=1,
    )
    rows = [
        harness.row(
            f"loss + both gradients, d = {D}",
            "naive NumPy (full logits)",
            M,
            N,
            "float32",
            harness.compare(times, "chunked", "naive"),
            target=TARGET,
        ),
        harness.row(
            f"crossent.linear_cross_entropy_value_and_grad / TF naive, d = {D}",
            "TensorFlow naive (matmul + fused op, tape)",
            M,
            N,
            "float32",
            harness.compare(times, "chunked", "tf_naive"),
        ),
        harness.row(
            f"crossent.tf.linear_cross_entropy / TF naive, d = {D}",
            "TensorFlow naive (matmul + fused op, tape)",
            M,
            N,
            "float32",
            harness.compare(times, "tf_chunked", "tf_naive"),
        ),
    ]
    title = "Cross-entropy of a linear layer: chunked (no logits kept) / naive"
    harness.print_table(title, rows, "chunked", "naive")

    memory = []
    for n in MEMORY_NS:
        Hn, Wn, kn = inputs(M, D, n)
        memory.append(
            {
                "n": n,
                "logits_mb": round(M * n * 4 / 2**20, 1),
                "naive_mb": extra_peak_mb(naive, Hn, Wn, kn),
                "chunked_mb": extra_peak_mb(
                    crossent.linear_cross_entropy_value_and_grad, Hn, Wn, kn
                ),
            }
        )
        print(f"  traced extra peak, n = {n}: {memory[-1]}", flush=True)
    tf_memory = {
        kind: {mode: tf_peak_growth_mb(kind, N, mode) for mode in ("eager", "function")}
        for kind in ("naive", "chunked")
    }
    print(f"\nTensorFlow, allocator peak in one step beyond its inputs (MB): {tf_memory}")
    harness.save(
        "linear",
        title,
        rows,
        info,
        memory=memory,
        tf_peak_growth_mb=tf_memory,
        m=M,
        d=D,
        rounds=ROUNDS,
    )


if __name__ == "__main__":
    main()
