"""How close to the limit: the loss and its gradient as a multiple of a floor for this machine.

A lower bound on the time of the loss and gradient of an m × n batch, from two measured
primitives (issue 12, item 4):

- memory: the dense version must read the logits and the labels and write the gradient,
  3 m n numbers (the sparse one 2 m n: no dense labels), at the copy bandwidth measured here
  with every core (``np.copyto`` between arrays larger than the caches, each core copying its
  own half; a copy reads one byte for each byte it writes);
- exponentials: m n calls of ``exp``, at the throughput of ``np.exp`` on a block that stays in
  the cache, measured with every core (each thread its own block).

Neither can be avoided, so the floor is the larger of the two times (it would take both to
overlap perfectly); the sum of the two is also shown, the time of a computation that does
one after the other. Each implementation is then reported as a multiple of the floor:
crossent's fused function, crossent's separate loss and gradient, and TensorFlow's fused op.
The floor counts nothing else (the maximum, the sums, the divisions), so no implementation
can reach 1.0x; how far each stays above it shows what is left to gain.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_floor.py``.
"""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import harness
import numpy as np

import crossent
from crossent import _kernels

COPY_BYTES = 256 * 2**20  # per array: far beyond the L3 cache
EXP_BLOCK = 1 << 15  # entries: 128 or 256 kB, in the L2 cache


def parallel(threads: int, work) -> float:
    """Seconds for ``work(i)`` on threads i = 0 .. threads - 1, all started together."""
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))  # warm the threads up
        start = time.perf_counter()
        list(pool.map(work, range(threads)))
        return time.perf_counter() - start


def copy_bandwidth(threads: int, rounds: int = 7) -> float:
    """Bytes moved (read + written) per second by ``np.copyto``, best of ``rounds``."""
    src = np.ones(COPY_BYTES // 8)
    dst = np.zeros_like(src)
    parts = np.array_split(np.arange(src.size), threads)
    bounds = [(int(p[0]), int(p[-1]) + 1) for p in parts]

    def work(i):
        a, b = bounds[i]
        np.copyto(dst[a:b], src[a:b])

    best = min(parallel(threads, work) for _ in range(rounds))
    return 2 * src.nbytes / best


def exp_throughput(dtype: str, threads: int, rounds: int = 7, repeat: int = 200) -> float:
    """Exponentials per second of ``np.exp`` on cache-resident blocks, best of ``rounds``."""
    rng = np.random.default_rng(0)
    blocks = [-np.abs(rng.standard_normal(EXP_BLOCK)).astype(dtype) for _ in range(threads)]
    outs = [np.empty_like(b) for b in blocks]

    def work(i):
        for _ in range(repeat):
            np.exp(blocks[i], out=outs[i])

    best = min(parallel(threads, work) for _ in range(rounds))
    return threads * repeat * EXP_BLOCK / best


def main() -> None:
    tf = harness.tensorflow()
    info = harness.machine(tf)
    harness.print_machine(info)
    cores = info["usable_cores"]
    primitives = {"copy_GB_per_s": {}, "exp_per_ns": {}}
    for threads in sorted({1, cores}):
        primitives["copy_GB_per_s"][str(threads)] = round(copy_bandwidth(threads) / 1e9, 2)
        for dtype in harness.DTYPES:
            rate = exp_throughput(dtype, threads) / 1e9
            primitives["exp_per_ns"].setdefault(dtype, {})[str(threads)] = round(rate, 3)
    bandwidth = primitives["copy_GB_per_s"][str(cores)] * 1e9
    print(f"\nprimitives, measured with 1 and {cores} threads:")
    for threads, gb in primitives["copy_GB_per_s"].items():
        print(f"  copy bandwidth, {threads} thread(s): {gb:.1f} GB/s (read + write)")
    for dtype, rates in primitives["exp_per_ns"].items():
        for threads, rate in rates.items():
            print(f"  np.exp {dtype}, {threads} thread(s): {rate:.2f} per ns")

    rows = []
    for m, n in harness.SHAPES:
        for dtype in harness.DTYPES:
            z, k, dense = harness.logits_and_labels(m, n, dtype)
            tz, tk = tf.constant(z), tf.constant(k)
            itemsize = np.dtype(dtype).itemsize
            t_exp = m * n / (primitives["exp_per_ns"][dtype][str(cores)] * 1e9)
            for case in ("dense, one-hot", "dense, smoothed", "sparse"):
                arrays = 2 if case == "sparse" else 3
                t_mem = arrays * m * n * itemsize / bandwidth
                floor = max(t_mem, t_exp)
                if case == "sparse":
                    calls = {
                        "crossent fused": lambda k=k, z=z: (
                            crossent.sparse_softmax_cross_entropy_value_and_grad(k, z)
                        ),
                        "crossent separate": lambda k=k, z=z: (
                            crossent.sparse_softmax_cross_entropy_with_logits(k, z),
                            crossent.sparse_softmax_cross_entropy_grad(k, z),
                        ),
                        "TensorFlow fused": lambda tz=tz, tk=tk: (
                            tf.raw_ops.SparseSoftmaxCrossEntropyWithLogits(features=tz, labels=tk)
                        ),
                    }
                else:
                    p = dense[case.removeprefix("dense, ")]
                    tp = tf.constant(p)
                    calls = {
                        "crossent fused": lambda p=p, z=z: (
                            crossent.softmax_cross_entropy_value_and_grad(p, z)
                        ),
                        "crossent separate": lambda p=p, z=z: (
                            crossent.softmax_cross_entropy_with_logits(p, z),
                            crossent.softmax_cross_entropy_grad(p, z),
                        ),
                        "TensorFlow fused": lambda tz=tz, tp=tp: (
                            tf.raw_ops.SoftmaxCrossEntropyWithLogits(features=tz, labels=tp)
                        ),
                    }
                times = harness.interleaved(calls)
                medians = {name: statistics.median(t) for name, t in times.items()}
                rows.append(
                    {
                        "case": case,
                        "m": m,
                        "n": n,
                        "dtype": dtype,
                        "memory_ms": round(t_mem * 1e3, 3),
                        "exp_ms": round(t_exp * 1e3, 3),
                        "floor_ms": round(floor * 1e3, 3),
                        "ms": {name: round(t * 1e3, 3) for name, t in medians.items()},
                        "multiple_of_floor": {
                            name: round(t / floor, 2) for name, t in medians.items()
                        },
                    }
                )
            print(f"  done: {m} x {n} {dtype}", flush=True)

    names = ["crossent fused", "crossent separate", "TensorFlow fused"]
    print("\nLoss and gradient as a multiple of the floor (median time / floor)")
    header = (
        f"{'case':<16} {'shape':>12} {'dtype':>8} {'memory ms':>10} {'exp ms':>8} "
        f"{'floor ms':>9} " + " ".join(f"{name:>18}" for name in names)
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cells = " ".join(
            f"{r['multiple_of_floor'][name]:>7.2f}x ({r['ms'][name]:6.1f})" for name in names
        )
        print(
            f"{r['case']:<16} {r['m']:>5} x {r['n']:<5} {r['dtype']:>8} {r['memory_ms']:>10.2f} "
            f"{r['exp_ms']:>8.2f} {r['floor_ms']:>9.2f} {cells}"
        )
    print("(in brackets: the median in ms; floor = max(memory, exp))")
    title = "How close to the limit: loss and gradient as a multiple of the floor"
    harness.save(
        "floor",
        title,
        rows,
        info,
        primitives=primitives,
        threads=cores,
        block_bytes=_kernels.BLOCK_BYTES,
    )


if __name__ == "__main__":
    main()
