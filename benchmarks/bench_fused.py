"""The loss and its gradient together: crossent's fused functions against TensorFlow's fused ops.

A training step needs both. TensorFlow computes them in one kernel,
``tf.raw_ops.SoftmaxCrossEntropyWithLogits`` (dense labels) and
``tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits`` (class ids), which return the per-example
losses and the gradient; crossent's ``softmax_cross_entropy_value_and_grad`` and
``sparse_softmax_cross_entropy_value_and_grad`` return the same two things. The separate
crossent calls (the loss, then the gradient) are timed too, for comparison. TensorFlow gets
its inputs as tensors made beforehand, so no conversion is timed on its side.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_fused.py``.
"""

from __future__ import annotations

import harness
import numpy as np

import crossent


def main() -> None:
    tf = harness.tensorflow()
    info = harness.machine(tf)
    harness.print_machine(info)
    rows = []
    for m, n in harness.SHAPES:
        for dtype in harness.DTYPES:
            z, k, dense = harness.logits_and_labels(m, n, dtype)
            tz, tk = tf.constant(z), tf.constant(k)
            for kind, p in dense.items():
                tp = tf.constant(p)
                # the same numbers on both sides (a few ulps apart), before anything is timed
                loss, grad = crossent.softmax_cross_entropy_value_and_grad(p, z)
                tf_loss, tf_grad = tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=tz, labels=tp)
                tol = 1e-4 if dtype == "float32" else 1e-12
                np.testing.assert_allclose(loss, tf_loss.numpy(), rtol=tol)
                np.testing.assert_allclose(grad, tf_grad.numpy(), atol=tol)
                times = harness.interleaved(
                    {
                        "fused": lambda p=p, z=z: crossent.softmax_cross_entropy_value_and_grad(
                            p, z
                        ),
                        "tf": lambda tz=tz, tp=tp: tf.raw_ops.SoftmaxCrossEntropyWithLogits(
                            features=tz, labels=tp
                        ),
                        "separate": lambda p=p, z=z: (
                            crossent.softmax_cross_entropy_with_logits(p, z),
                            crossent.softmax_cross_entropy_grad(p, z),
                        ),
                    }
                )
                rows.append(
                    harness.row(
                        f"dense loss + gradient, {kind}",
                        "tf.raw_ops.SoftmaxCrossEntropyWithLogits",
                        m,
                        n,
                        dtype,
                        harness.compare(times, "fused", "tf"),
                        separate_ms=harness.spread(times["separate"], 1e3),
                    )
                )
                del tp

            times = harness.interleaved(
                {
                    "fused": lambda k=k, z=z: crossent.sparse_softmax_cross_entropy_value_and_grad(
                        k, z
                    ),
                    "tf": lambda tz=tz, tk=tk: tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(
                        features=tz, labels=tk
                    ),
                    "separate": lambda k=k, z=z: (
                        crossent.sparse_softmax_cross_entropy_with_logits(k, z),
                        crossent.sparse_softmax_cross_entropy_grad(k, z),
                    ),
                }
            )
            rows.append(
                harness.row(
                    "sparse loss + gradient",
                    "tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits",
                    m,
                    n,
                    dtype,
                    harness.compare(times, "fused", "tf"),
                    separate_ms=harness.spread(times["separate"], 1e3),
                )
            )
            print(f"  done: {m} x {n} {dtype}", flush=True)
    title = "Loss and gradient: crossent's fused functions / TensorFlow's fused ops"
    harness.print_table(title, rows, "crossent", "TensorFlow")
    print("\ncrossent, the loss then the gradient (two calls), for comparison:")
    for r in rows:
        s = r["separate_ms"]
        print(f"  {r['case']:<34} {r['m']} x {r['n']} {r['dtype']}: {s['median']:.1f} ms")
    harness.save("fused", title, rows, info)


if __name__ == "__main__":
    main()
