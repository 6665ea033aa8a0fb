"""The loss alone: crossent's softmax losses against ``tf.nn``'s.

``crossent.softmax_cross_entropy_with_logits`` against ``tf.nn.softmax_cross_entropy_with_logits``
(dense labels) and the sparse pair (class ids), one loss per example, on the same inputs.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_loss.py``.
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
            tol = 1e-4 if dtype == "float32" else 1e-12
            for kind, p in dense.items():
                tp = tf.constant(p)
                np.testing.assert_allclose(
                    crossent.softmax_cross_entropy_with_logits(p, z),
                    tf.nn.softmax_cross_entropy_with_logits(labels=tp, logits=tz).numpy(),
                    rtol=tol,
                )
                times = harness.interleaved(
                    {
                        "crossent": lambda p=p, z=z: crossent.softmax_cross_entropy_with_logits(
                            p, z
                        ),
                        "tf": lambda tp=tp, tz=tz: tf.nn.softmax_cross_entropy_with_logits(
                            labels=tp, logits=tz
                        ),
                    }
                )
                rows.append(
                    harness.row(
                        f"dense loss, {kind}",
                        "tf.nn.softmax_cross_entropy_with_logits",
                        m,
                        n,
                        dtype,
                        harness.compare(times, "crossent", "tf"),
                    )
                )
                del tp
            times = harness.interleaved(
                {
                    "crossent": lambda k=k, z=z: crossent.sparse_softmax_cross_entropy_with_logits(
                        k, z
                    ),
                    "tf": lambda tk=tk, tz=tz: tf.nn.sparse_softmax_cross_entropy_with_logits(
                        labels=tk, logits=tz
                    ),
                }
            )
            rows.append(
                harness.row(
                    "sparse loss",
                    "tf.nn.sparse_softmax_cross_entropy_with_logits",
                    m,
                    n,
                    dtype,
                    harness.compare(times, "crossent", "tf"),
                )
            )
            print(f"  done: {m} x {n} {dtype}", flush=True)
    title = "Loss only: crossent / tf.nn"
    harness.print_table(title, rows, "crossent", "TensorFlow")
    harness.save("loss", title, rows, info)


if __name__ == "__main__":
    main()
