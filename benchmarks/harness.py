"""What every benchmark script shares: inputs, interleaved timing, the machine, tables, results.

Each script times crossent and its reference (TensorFlow or SciPy) on the same inputs in the
same process. The calls are interleaved, round after round, in an order that alternates, so
that a machine that slows down or speeds up during the run affects both sides alike; each side
is called a few times first (warm-up: TensorFlow traces its ops, NumPy's memory pool fills),
and garbage collection is off while timing. A row of the table gives each side's median time
with the fastest and the slowest call, and the median of the per-round ratios with their range.

Results are merged into ``benchmarks/results/latest.json``, one section per script, with the
machine they ran on; the book's Performance page reads that file when it is built.
"""

from __future__ import annotations

import datetime
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"

#: The issue's two shapes: m examples × n classes.
SHAPES = [(4096, 1000), (512, 32000)]
DTYPES = ["float32", "float64"]
#: Calls of each side before timing, and timed rounds; BENCH_ROUNDS overrides for a quick look.
WARMUP = 3
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "25"))


def tensorflow():
    """Import TensorFlow as the book runs it: quiet, without oneDNN's rounding (CONTRIBUTING)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    import tensorflow as tf

    return tf


def logits_and_labels(m: int, n: int, dtype: str, seed: int = 0):
    """Logits (normal, standard deviation 3), class ids, and two kinds of dense labels.

    Returns ``z, k, dense`` with ``dense`` a dict: ``"one-hot"`` labels (the class ids as
    rows of the identity) and ``"smoothed"`` ones, ``0.9 one_hot(k) + 0.1 / n`` as with label
    smoothing in training. crossent computes one-hot rows from their one label that is not 0
    and soft rows in general, so both are timed.
    """
    rng = np.random.default_rng(seed)
    z = (rng.standard_normal((m, n)) * 3).astype(dtype)
    k = rng.integers(0, n, m)
    one_hot = np.zeros((m, n), dtype=dtype)
    one_hot[np.arange(m), k] = 1
    smoothed = np.full((m, n), 0.1 / n, dtype=dtype)
    smoothed[np.arange(m), k] += dtype_type(dtype)(0.9)
    return z, k, {"one-hot": one_hot, "smoothed": smoothed}


def dtype_type(dtype: str):
    return np.dtype(dtype).type


def interleaved(calls: dict, rounds: int = ROUNDS, warmup: int = WARMUP) -> dict:
    """Time each of ``calls`` (name -> function), interleaved; seconds per call, per name.

    Round r calls them in the given order when r is even and in reverse when it is odd.
    """
    for call in calls.values():
        for _ in range(warmup):
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    names = list(calls)
    gc.collect()
    gc.disable()
    try:
        for r in range(rounds):
            for name in names if r % 2 == 0 else names[::-1]:
                start = time.perf_counter()
                calls[name]()
                times[name].append(time.perf_counter() - start)
    finally:
        gc.enable()
    return times


def spread(values: list[float], scale: float = 1.0) -> dict:
    """Median, min and max of ``values`` times ``scale``, rounded for the results file."""
    return {
        "median": round(statistics.median(values) * scale, 4),
        "min": round(min(values) * scale, 4),
        "max": round(max(values) * scale, 4),
    }


def compare(times: dict, ours: str, reference: str) -> dict:
    """Milliseconds of both sides and the per-round ratio ``ours / reference``."""
    ratios = [a / b for a, b in zip(times[ours], times[reference], strict=True)]
    return {
        "crossent_ms": spread(times[ours], 1e3),
        "reference_ms": spread(times[reference], 1e3),
        "ratio": spread(ratios),
    }


def row(case: str, reference: str, m: int, n: int, dtype: str, result: dict, **extra) -> dict:
    return {
        "case": case,
        "reference": reference,
        "m": m,
        "n": n,
        "dtype": dtype,
        **result,
        **extra,
    }


def _fmt(s: dict, digits: int = 1) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}-{s['max']:.{digits}f})"


def print_table(title: str, rows: list[dict], ours: str = "crossent", theirs: str = "reference"):
    """Print one line per row: case, shape, dtype, both times and the ratio, with ranges."""
    print(f"\n{title}")
    header = (
        f"{'case':<34} {'shape':>12} {'dtype':>8} {ours + ' ms':>22} {theirs + ' ms':>22} "
        f"{'ratio':>18}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        shape = f"{r['m']} x {r['n']}"
        print(
            f"{r['case']:<34} {shape:>12} {r['dtype']:>8} {_fmt(r['crossent_ms']):>22} "
            f"{_fmt(r['reference_ms']):>22} {_fmt(r['ratio'], 2):>18}"
        )
    print("(median, with the fastest and slowest call in brackets; ratio: per round)")


# --- The machine ---------------------------------------------------------------------------------


def _cpu_model() -> str:
    fields = {}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        return platform.processor() or platform.machine()
    name = fields.get("model name", platform.machine())
    if "cpu family" in fields:
        name += f" (family {fields['cpu family']}, model {fields.get('model', '?')})"
    return name


def _caches() -> str:
    base = Path("/sys/devices/system/cpu/cpu0/cache")
    out = []
    for index in sorted(base.glob("index*")):
        try:
            level = (index / "level").read_text().strip()
            kind = (index / "type").read_text().strip()
            size = (index / "size").read_text().strip()
        except OSError:
            continue
        if kind != "Instruction":
            out.append(f"L{level} {size}")
    return ", ".join(out)


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _blas() -> dict:
    info = {}
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info = {"name": blas.get("name"), "version": blas.get("version")}
    except Exception:  # the layout of show_config has changed between NumPy versions
        pass
    try:
        import threadpoolctl

        for lib in threadpoolctl.threadpool_info():
            if lib.get("user_api") == "blas":
                info["threads"] = lib.get("num_threads")
                info["library"] = lib.get("internal_api")
                break
    except ImportError:
        info["threads"] = "unknown (threadpoolctl not installed)"
    return info


def _commit() -> str | None:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "lib"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return out + (" with changes to lib/" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return None


def machine(tf=None) -> dict:
    """The machine and the versions that the numbers depend on."""
    from crossent import _kernels

    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    info = {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "usable_cores": usable,
        "caches": _caches(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(terse=True),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": _blas(),
        "crossent_threads": _kernels.default_threads(),
    }
    if tf is not None:
        info["tensorflow"] = tf.__version__
        intra = tf.config.threading.get_intra_op_parallelism_threads()
        info["tensorflow_threads"] = intra or f"default ({usable}, one per core)"
    else:  # the version without importing TensorFlow
        for dist in ("tensorflow", "tensorflow-cpu"):
            try:
                info["tensorflow"] = importlib.metadata.version(dist)
                break
            except importlib.metadata.PackageNotFoundError:
                pass
    try:
        import scipy

        info["scipy"] = scipy.__version__
    except ImportError:
        pass
    return info


def print_machine(info: dict) -> None:
    blas = info["blas"]
    print(f"machine: {info['cpu']}, {info['cores']} cores ({info['usable_cores']} usable)")
    print(f"         caches {info['caches']}, memory {info['memory_gb']} GB, {info['os']}")
    print(
        f"versions: Python {info['python']}, NumPy {info['numpy']}"
        + (f", TensorFlow {info['tensorflow']}" if "tensorflow" in info else "")
        + (f", SciPy {info['scipy']}" if "scipy" in info else "")
    )
    print(
        f"threads: BLAS {blas.get('name')} {blas.get('version')} with {blas.get('threads')} "
        f"threads; crossent {info['crossent_threads']}"
        + (f"; TensorFlow {info['tensorflow_threads']}" if "tensorflow_threads" in info else "")
    )


# --- Results -------------------------------------------------------------------------------------


def save(name: str, title: str, rows: list[dict], info: dict, **extra) -> None:
    """Merge one script's results into ``benchmarks/results/latest.json``."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    data = {}
    if RESULTS.exists():
        try:
            data = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            data = {}
    data["date"] = now
    # one machine for the whole file: what this script saw, over what the others saw (a
    # script that does not import TensorFlow cannot ask it for its threads)
    data["machine"] = {**data.get("machine", {}), **info}
    data["commit"] = _commit()
    data["rounds"] = ROUNDS
    data.setdefault("benchmarks", {})[name] = {
        "title": title,
        "date": now,
        "script": f"benchmarks/{Path(sys.argv[0]).name}",
        "rows": rows,
        **extra,
    }
    data["benchmarks"] = dict(sorted(data["benchmarks"].items()))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nwritten: {RESULTS.relative_to(ROOT)} ({name})")
