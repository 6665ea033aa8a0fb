"""Show the committed benchmark results on the Performance page, read when the book is built.

``make bench`` writes ``benchmarks/results/latest.json``; this extension reads it at build time
(every page that uses it is rebuilt when the file changes), so no measured number is typed into
the book. It adds:

- ``{benchmark-table} NAME``: the table of one benchmark (``fused``, ``loss``, ``logsumexp``,
  ``softmax``, ``validation``, ``linear``): shape, dtype, both medians with their range, the
  ratio with its range and, for the targets, whether the ratio is at most 1.0 (for ``linear``,
  its own target);
- ``{benchmark-chart}``: a bar chart (inline SVG, with a text alternative) of the ratios of
  every target, with the line at 1.0;
- ``{benchmark-floor}``: the floor estimate, each implementation as a multiple of it;
- ``{benchmark-memory}``: the extra peak memory of the linear cross-entropy, naive and
  chunked, as the vocabulary grows (``benchmarks/bench_linear.py``);
- ``{benchmark-machine}``: when, on what and with which versions the numbers were measured;
- ``{benchmark-suite}``: how long ``make test`` takes by stage, ``make book``, and each chapter
  under nbval (``benchmarks/bench_suite.py``); a sentence instead when it has not been run;
- ``{benchmark-missed}``: a sentence naming the targets this run missed, and by how much;
- the role ``{benchmark}`path``` for one value of the file, a dotted path such as ``date``
  or ``machine.cpu``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective, SphinxRole

RESULTS = Path("benchmarks") / "results" / "latest.json"
#: The benchmarks whose ratio has a target of at most 1.0 (issue 12), in the order shown.
TARGETS = ["fused", "loss", "logsumexp", "softmax"]
TARGET = 1.0
GROUPS = {
    "fused": "loss and gradient / TensorFlow's fused op",
    "loss": "loss / tf.nn's loss",
    "logsumexp": "crossent.logsumexp / scipy.special.logsumexp",
    "softmax": "crossent.softmax / tf.nn.softmax",
}


def load(env) -> dict:
    path = Path(env.srcdir) / RESULTS
    env.note_dependency(str(path))
    return json.loads(path.read_text(encoding="utf-8"))


def shape(row: dict) -> str:
    return f"{row['m']}\u00a0×\u00a0{row['n']}"


def spread(s: dict, digits: int = 1) -> list[str]:
    """The median, and the range under it."""
    return [f"{s['median']:.{digits}f}", f"{s['min']:.{digits}f}–{s['max']:.{digits}f}"]


def short(case: str) -> str:
    """``dense loss + gradient, one-hot`` -> ``dense, one-hot``: the table's title says what."""
    return case.replace(" loss + gradient", "").replace(" loss", "")


def verdict(ratio: float, target: float = TARGET) -> str:
    if ratio <= target:
        return "met"
    return f"missed by {100 * (ratio / target - 1):.0f} %"


def table(header: list[str], rows: list[list], classes: list[str]) -> nodes.table:
    """A table; a cell that is a list of two strings shows the second under the first."""
    node = nodes.table(classes=classes)
    group = nodes.tgroup(cols=len(header))
    node += group
    group += [nodes.colspec(colwidth=1) for _ in header]
    head, body = nodes.thead(), nodes.tbody()
    group += [head, body]
    for target, cells in [(head, header)] + [(body, r) for r in rows]:
        row = nodes.row()
        for cell in cells:
            entry = nodes.entry()
            if isinstance(cell, list):
                entry += nodes.paragraph(text=cell[0])
                entry += nodes.paragraph(text=cell[1], classes=["benchmark-range"])
            else:
                entry += nodes.paragraph(text=cell)
            row += entry
        target += row
    return node


class BenchmarkTable(SphinxDirective):
    """``{benchmark-table} NAME``: one benchmark's rows from the results file."""

    required_arguments = 1

    def run(self):
        name = self.arguments[0]
        data = load(self.env)
        bench = data["benchmarks"].get(name)
        if bench is None:
            raise self.error(f"no benchmark {name!r} in {RESULTS}: run make bench")
        rows = bench["rows"]
        if name == "validation":
            header = ["labels", "shape", "dtype", "checks on, ms", "checks off, ms", "ratio"]
            cells = [
                [
                    short(r["case"]),
                    shape(r),
                    r["dtype"],
                    spread(r["crossent_ms"]),
                    spread(r["reference_ms"]),
                    spread(r["ratio"], 2),
                ]
                for r in rows
            ]
        elif name == "linear":
            header = ["", "m × n", "dtype", "crossent, ms", "reference, ms", "ratio", "target"]
            cells = [
                [
                    r["case"],
                    shape(r),
                    r["dtype"],
                    spread(r["crossent_ms"]),
                    spread(r["reference_ms"]),
                    spread(r["ratio"], 2),
                    f"≤ {r['target']}: {verdict(r['ratio']['median'], r['target'])}"
                    if "target" in r
                    else "reported",
                ]
                for r in rows
            ]
        else:
            header = ["", "shape", "dtype", "crossent, ms", "reference, ms", "ratio", "≤ 1.0?"]
            cells = [
                [
                    short(r["case"]),
                    shape(r),
                    r["dtype"],
                    spread(r["crossent_ms"]),
                    spread(r["reference_ms"]),
                    spread(r["ratio"], 2),
                    verdict(r["ratio"]["median"]),
                ]
                for r in rows
            ]
        references = sorted({r["reference"] for r in rows})
        caption = nodes.paragraph()
        caption += nodes.Text(f"{bench['title']}. Reference: ")
        for i, ref in enumerate(references):
            if i:
                caption += nodes.Text(", ")
            caption += nodes.literal(text=ref)
        caption += nodes.Text(
            f". Median of {bench.get('rounds', data['rounds'])} interleaved rounds after a "
            f"warm-up, with the "
            f"fastest and slowest call under it; the ratio is taken per round. Script: "
        )
        caption += nodes.literal(text=bench["script"])
        caption += nodes.Text(f", {bench['date']}.")
        return [table(header, cells, ["benchmark-table"]), caption]


class BenchmarkMemory(SphinxDirective):
    """``{benchmark-memory}``: the linear cross-entropy's extra peak memory, naive and chunked."""

    def run(self):
        bench = load(self.env)["benchmarks"].get("linear")
        if bench is None:
            raise self.error(f"no benchmark 'linear' in {RESULTS}: run make bench")
        tf_mem = bench["tf_peak_growth_mb"]
        header = ["n classes", "logits, MB", "naive, MB", "chunked, MB", "chunked / naive"]
        cells = [
            [
                f"{r['n']:,}".replace(",", "\u2009"),
                f"{r['logits_mb']:.0f}",
                f"{r['naive_mb']:.0f}",
                f"{r['chunked_mb']:.0f}",
                f"{r['chunked_mb'] / r['naive_mb']:.3f}",
            ]
            for r in bench["memory"]
        ]
        caption = nodes.paragraph(
            text=(
                f"Peak memory traced by tracemalloc beyond the inputs and the returned "
                f"gradients, for the loss and both gradients at m = {bench['m']} tokens and "
                f"d = {bench['d']}, float32 (deterministic: the same on every run). "
                f"TensorFlow, the peak of its allocator in one step beyond what it held "
                f"before, at n = {bench['memory'][-1]['n']:,}: eagerly, naive "
                f"{tf_mem['naive']['eager']} MB and chunked {tf_mem['chunked']['eager']} MB; "
                f"inside tf.function, naive {tf_mem['naive']['function']} MB and chunked "
                f"{tf_mem['chunked']['function']} MB."
            )
        )
        return [table(header, cells, ["benchmark-table"]), caption]


class BenchmarkFloor(SphinxDirective):
    """``{benchmark-floor}``: the floor of the loss and gradient, and each time as a multiple."""

    def run(self):
        data = load(self.env)
        bench = data["benchmarks"]["floor"]
        names = ["crossent fused", "crossent separate", "TensorFlow fused"]
        header = ["labels", "shape", "dtype", "memory, ms", "exp, ms"]
        header += [f"{n}, × floor" for n in names]
        cells = [
            [
                r["case"],
                shape(r),
                r["dtype"],
                f"{r['memory_ms']:.2f}",
                f"{r['exp_ms']:.2f}",
                *[[f"{r['multiple_of_floor'][n]:.1f}", f"{r['ms'][n]:.1f} ms"] for n in names],
            ]
            for r in bench["rows"]
        ]
        prim = bench["primitives"]
        threads = str(bench["threads"])
        caption = nodes.paragraph()
        caption += nodes.Text(
            f"The floor is the larger of the memory time (the numbers that must be read and "
            f"written, at the copy bandwidth of {prim['copy_GB_per_s'][threads]:.1f} GB/s "
            f"measured with {threads} threads) and the exp time (m n exponentials at the "
            f"throughput of np.exp, {prim['exp_per_ns']['float32'][threads]:.2f} per ns in "
            f"float32 and {prim['exp_per_ns']['float64'][threads]:.2f} in float64, on "
            f"{threads} threads). Each implementation's median time, under its multiple, is "
            f"divided by it. Script: "
        )
        caption += nodes.literal(text=bench["script"])
        caption += nodes.Text(f", {bench['date']}.")
        return [table(header, cells, ["benchmark-table"]), caption]


class BenchmarkChart(SphinxDirective):
    """``{benchmark-chart}``: the ratios of every target as horizontal bars, as inline SVG."""

    def run(self):
        data = load(self.env)
        bars = []
        for name in TARGETS:
            bench = data["benchmarks"].get(name)
            if bench is None:
                continue
            bars.append((GROUPS[name], None))
            for r in bench["rows"]:
                label = f"{short(r['case'])}, {r['m']} × {r['n']}, {r['dtype']}"
                bars.append((label, r["ratio"]))
        if not bars:
            raise self.error(f"no target benchmarks in {RESULTS}: run make bench")
        figure = nodes.container(classes=["benchmark-chart"])
        figure += nodes.raw("", chart(bars), format="html")
        caption = nodes.paragraph(
            text=(
                "crossent's time over the reference's, per round (the bar is the median, the "
                "whisker the range); at the dashed line, 1.0, both take the same time, and a "
                "bar that ends left of it is a target met."
            )
        )
        figure += caption
        return [figure]


def chart(bars: list[tuple[str, dict | None]]) -> str:
    """An SVG of horizontal bars for ``(label, {"median", "min", "max"})``, 1.0 marked.

    An entry whose statistics are None is the heading of the group of bars under it.
    """
    width, left, right, top, step = 760, 260, 20, 30, 20
    height = top + step * len(bars) + 30
    values = [s for _, s in bars if s is not None]
    top_value = max(1.2, max(s["max"] for s in values) * 1.05)
    scale = (width - left - right) / top_value

    def x(value: float) -> float:
        return left + value * scale

    title = "crossent's time over the reference's, for every target (median per round)"
    desc = "; ".join(
        f"{label}: {s['median']:.2f}" if s is not None else f"{label}:" for label, s in bars
    )
    bottom = height - 26
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="bench-chart-title bench-chart-desc" '
        f'style="max-width:{width}px;font-family:sans-serif;font-size:12px">',
        f'<title id="bench-chart-title">{html.escape(title)}</title>',
        f'<desc id="bench-chart-desc">{html.escape(desc)}</desc>',
    ]
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0]:
        if tick > top_value:
            break
        parts.append(
            f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{bottom}" '
            f'stroke="#ddd" stroke-width="1"/>'
            f'<text x="{x(tick):.1f}" y="{height - 10}" text-anchor="middle" '
            f'fill="currentColor">{tick:g}</text>'
        )
    for i, (label, s) in enumerate(bars):
        y = top + i * step
        if s is None:
            parts.append(
                f'<text x="4" y="{y + 13}" font-weight="bold" '
                f'fill="currentColor">{html.escape(label)}</text>'
            )
            continue
        color = "#0072B2" if s["median"] <= TARGET else "#D55E00"
        parts.append(
            f'<text x="{left - 8}" y="{y + 13}" text-anchor="end" '
            f'fill="currentColor">{html.escape(label)}</text>'
            f'<rect x="{left}" y="{y + 3}" width="{s["median"] * scale:.1f}" height="13" '
            f'fill="{color}"><title>{html.escape(label)}: {s["median"]:.2f}</title></rect>'
            f'<line x1="{x(s["min"]):.1f}" x2="{x(s["max"]):.1f}" y1="{y + 9.5}" '
            f'y2="{y + 9.5}" stroke="#333" stroke-width="1.5"/>'
        )
    parts.append(
        f'<line x1="{x(TARGET):.1f}" x2="{x(TARGET):.1f}" y1="{top - 14}" y2="{bottom}" '
        f'stroke="#333" stroke-width="1.5" stroke-dasharray="5,3"/>'
        f'<text x="{x(TARGET) - 4:.1f}" y="{top - 18}" text-anchor="end" '
        f'fill="currentColor">as fast as the reference: 1.0</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


class BenchmarkMissed(SphinxDirective):
    """``{benchmark-missed}``: a paragraph naming every target this run missed, and by how much."""

    def run(self):
        data = load(self.env)
        missed = []
        total = 0
        for name in TARGETS:
            for r in data["benchmarks"].get(name, {}).get("rows", []):
                total += 1
                if r["ratio"]["median"] > TARGET:
                    missed.append(
                        f"{r['case']} at {r['m']} × {r['n']} in {r['dtype']} "
                        f"({verdict(r['ratio']['median'])}, against {r['reference']})"
                    )
        if not missed:
            text = f"In this run every one of the {total} targets was met."
        else:
            text = (
                f"In this run {total - len(missed)} of the {total} targets were met; "
                f"missed: {'; '.join(missed)}."
            )
        return [nodes.paragraph(text=text)]


class BenchmarkMachine(SphinxDirective):
    """``{benchmark-machine}``: when and on what the numbers were measured."""

    def run(self):
        data = load(self.env)
        m = data["machine"]
        blas = m.get("blas", {})
        versions = f"Python {m['python']}, NumPy {m['numpy']}"
        for key, name in [("tensorflow", "TensorFlow"), ("scipy", "SciPy")]:
            if key in m:
                versions += f", {name} {m[key]}"
        threads = (
            f"crossent {m['crossent_threads']}; BLAS ({blas.get('name')} "
            f"{blas.get('version')}) {blas.get('threads')}"
        )
        if "tensorflow_threads" in m:
            threads += f"; TensorFlow {m['tensorflow_threads']}"
        rows = [
            ["measured", data["date"]],
            ["code", f"commit {data['commit']}" if data.get("commit") else "unknown"],
            ["processor", f"{m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable)"],
            ["caches and memory", f"{m['caches']}; {m['memory_gb']} GB"],
            ["system", m["os"]],
            ["versions", versions],
            ["threads", threads],
            ["rounds", f"{data['rounds']} per measurement, after a warm-up of 3 calls"],
        ]
        return [table(["", ""], rows, ["benchmark-machine"])]


class BenchmarkSuite(SphinxDirective):
    """``{benchmark-suite}``: the wall times of ``make test``'s stages, the book, the chapters."""

    def run(self):
        data = load(self.env)
        suite = data.get("benchmarks", {}).get("suite")
        if suite is None:
            text = (
                f"No times of the checks are recorded in {RESULTS} yet: "
                "run benchmarks/bench_suite.py (or make bench) to add them."
            )
            return [nodes.paragraph(text=text)]
        header = ["stage", "passed", "failed", "skipped", "seconds"]
        cells = [
            [
                s["name"],
                str(s["passed"]),
                str(s["failed"]),
                str(s["skipped"]),
                f"{s['seconds']:.1f}",
            ]
            for s in suite["stages"]
        ]
        cells.append(["make test, all stages", "", "", "", f"{suite['make_test_seconds']:.1f}"])
        cells.append(["make book, on its own", "", "", "", f"{suite['book_seconds']:.1f}"])
        caption = nodes.paragraph()
        caption += nodes.Text("The stages of ")
        caption += nodes.literal(text="make test")
        caption += nodes.Text(" (")
        caption += nodes.literal(text="tools/run_checks.py")
        caption += nodes.Text("), each with its tests and its wall time, and ")
        caption += nodes.literal(text="make book")
        caption += nodes.Text(" (")
        caption += nodes.literal(text="jupyter-book build --all")
        caption += nodes.Text(") timed separately. Script: ")
        caption += nodes.literal(text=suite["script"])
        caption += nodes.Text(f", {suite['date']}.")
        out = [table(header, cells, ["benchmark-table"]), caption]
        if suite.get("chapters"):
            rows = [
                [c["chapter"], str(c["cells"]), f"{c['seconds']:.1f}"] for c in suite["chapters"]
            ]
            out.append(
                table(["chapter", "cells", "seconds under nbval"], rows, ["benchmark-table"])
            )
            out.append(
                nodes.paragraph(
                    text=(
                        "Each chapter's time in the nbval stage: the times of its cells, "
                        "the start of its kernel included, summed from the stage's test report."
                    )
                )
            )
        return out


class BenchmarkValue(SphinxRole):
    """``{benchmark}`path```: one value of the results file, by a dotted path."""

    def run(self):
        data = load(self.env)
        value = data
        try:
            for key in self.text.split("."):
                value = value[int(key)] if isinstance(value, list) else value[key]
        except (KeyError, IndexError, ValueError):
            msg = self.inliner.reporter.error(f"no {self.text!r} in {RESULTS}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        return [nodes.Text(str(value))], []


def setup(app):
    app.add_directive("benchmark-table", BenchmarkTable)
    app.add_directive("benchmark-floor", BenchmarkFloor)
    app.add_directive("benchmark-memory", BenchmarkMemory)
    app.add_directive("benchmark-chart", BenchmarkChart)
    app.add_directive("benchmark-machine", BenchmarkMachine)
    app.add_directive("benchmark-missed", BenchmarkMissed)
    app.add_directive("benchmark-suite", BenchmarkSuite)
    app.add_role("benchmark", BenchmarkValue())
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
