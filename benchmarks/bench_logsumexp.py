"""Log-sum-exp of each row: ``crossent.logsumexp`` against ``scipy.special.logsumexp``.

Both along the last axis (``axis=-1``), on the same float32 or float64 logits. SciPy is needed
by the benchmarks only; crossent itself depends on NumPy alone.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_logsumexp.py``.
"""

from __future__ import annotations

import harness
import numpy as np
import scipy.special

import crossent


def main() -> None:
    info = harness.machine()
    harness.print_machine(info)
    rows = []
    for m, n in harness.SHAPES:
        for dtype in harness.DTYPES:
            z, _, _ = harness.logits_and_labels(m, n, dtype)
            tol = 1e-6 if dtype == "float32" else 1e-14
            np.testing.assert_allclose(
                crossent.logsumexp(z), scipy.special.logsumexp(z, axis=-1), rtol=tol
            )
            times = harness.interleaved(
                {
                    "crossent": lambda z=z: crossent.logsumexp(z),
                    "scipy": lambda z=z: scipy.special.logsumexp(z, axis=-1),
                }
            )
            rows.append(
                harness.row(
                    "logsumexp",
                    "scipy.special.logsumexp",
                    m,
                    n,
                    dtype,
                    harness.compare(times, "crossent", "scipy"),
                )
            )
            print(f"  done: {m} x {n} {dtype}", flush=True)
    title = "Log-sum-exp: crossent.logsumexp / scipy.special.logsumexp"
    harness.print_table(title, rows, "crossent", "SciPy")
    harness.save("logsumexp", title, rows, info)


if __name__ == "__main__":
    main()
