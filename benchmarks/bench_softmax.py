"""Softmax of each row: ``crossent.softmax`` against ``tf.nn.softmax``.

Both along the last axis, on the same float32 or float64 logits; TensorFlow gets a tensor made
beforehand.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_softmax.py``.
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
            z, _, _ = harness.logits_and_labels(m, n, dtype)
            tz = tf.constant(z)
            tol = 1e-5 if dtype == "float32" else 1e-13
            np.testing.assert_allclose(crossent.softmax(z), tf.nn.softmax(tz).numpy(), atol=tol)
            times = harness.interleaved(
                {
                    "crossent": lambda z=z: crossent.softmax(z),
                    "tf": lambda tz=tz: tf.nn.softmax(tz),
                }
            )
            rows.append(
                harness.row(
                    "softmax",
                    "tf.nn.softmax",
                    m,
                    n,
                    dtype,
                    harness.compare(times, "crossent", "tf"),
                )
            )
            print(f"  done: {m} x {n} {dtype}", flush=True)
    title = "Softmax: crossent.softmax / tf.nn.softmax"
    harness.print_table(title, rows, "crossent", "TensorFlow")
    harness.save("softmax", title, rows, info)


if __name__ == "__main__":
    main()
