"""What the checks cost: crossent's fused functions with their checks and without.

crossent checks every input (labels are probabilities that sum to 1, logits have no NaN or
``+inf`` and a finite entry in each row) and that stays on. The checks are done on each row
block while it is in the cache: the minimum of the labels, the sums the gradient needs anyway,
the maximum of each row of logits. This script times the public function against its core
with the checks switched off (``crossent._kernels`` with ``checks=False``, which nothing but
this script uses), interleaved, and, for comparison, what the same checks cost done the plain
way, each over the whole array (``crossent._validate``, as the package did before).

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_validation.py``.
"""

from __future__ import annotations

import harness

import crossent
from crossent import _kernels, _validate


def main() -> None:
    info = harness.machine()
    harness.print_machine(info)
    rows = []
    for m, n in harness.SHAPES:
        for dtype in harness.DTYPES:
            z, k, dense = harness.logits_and_labels(m, n, dtype)
            for kind, p in dense.items():

                def whole_array_checks(p=p, z=z):
                    _validate.check_distribution(p, "labels", 1)
                    _validate.check_logits(z, "logits", 1)

                times = harness.interleaved(
                    {
                        "checked": lambda p=p, z=z: crossent.softmax_cross_entropy_value_and_grad(
                            p, z
                        ),
                        "unchecked": lambda p=p, z=z: _kernels.dense_rows(
                            p, z, 1, want_loss=True, want_grad=True, checks=False
                        ),
                        "whole-array checks": whole_array_checks,
                    }
                )
                rows.append(
                    harness.row(
                        f"dense, {kind}",
                        "the same core with checks=False",
                        m,
                        n,
                        dtype,
                        harness.compare(times, "checked", "unchecked"),
                        whole_array_checks_ms=harness.spread(times["whole-array checks"], 1e3),
                    )
                )
            times = harness.interleaved(
                {
                    "checked": lambda k=k, z=z: (
                        crossent.sparse_softmax_cross_entropy_value_and_grad(k, z)
                    ),
                    "unchecked": lambda k=k, z=z: _kernels.sparse_rows(
                        k, z, want_loss=True, want_grad=True, checks=False
                    ),
                    "whole-array checks": lambda z=z, n=n, k=k: (
                        _validate.as_class_ids(k, "labels", n),
                        _validate.check_logits(z, "logits", 1),
                    ),
                }
            )
            rows.append(
                harness.row(
                    "sparse",
                    "the same core with checks=False",
                    m,
                    n,
                    dtype,
                    harness.compare(times, "checked", "unchecked"),
                    whole_array_checks_ms=harness.spread(times["whole-array checks"], 1e3),
                )
            )
            print(f"  done: {m} x {n} {dtype}", flush=True)
    title = "What the checks cost: fused functions with checks / without"
    harness.print_table(title, rows, "checked", "unchecked")
    print("\nthe same checks done the plain way, over the whole array, for comparison:")
    for r in rows:
        s = r["whole_array_checks_ms"]
        print(f"  {r['case']:<24} {r['m']} x {r['n']} {r['dtype']}: {s['median']:.1f} ms")
    harness.save("validation", title, rows, info)


if __name__ == "__main__":
    main()
