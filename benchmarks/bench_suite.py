"""How long the checks take: ``make test`` by stage, ``make book``, and each chapter under nbval.

Runs ``tools/run_checks.py`` (all of ``make test``) and reads the wall time and the test counts
of each stage from ``_build/test-reports/stages.json``, which it writes; sums the per-cell
times of the nbval stage's report (``_build/test-reports/nbval.xml``) by chapter; then times
``jupyter-book build -W -n --keep-going --all .`` (what ``make book`` runs) on its own. One run's
wall times on this machine: they vary with whatever else it is doing.

Run: ``make bench`` (every script), or ``.venv/bin/python benchmarks/bench_suite.py``
(about ten minutes). ``benchmarks/bench_suite.py --chapters`` runs only the nbval stage (about
two minutes) and replaces only the per-chapter times: the study guide's run times come from
there, and the book's build warns about a chapter that has none, so run it after adding one.
"""

from __future__ import annotations

import datetime
import json
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import harness

ROOT = harness.ROOT
REPORTS = ROOT / "_build" / "test-reports"
BIN = Path(sys.executable).parent


def run_checks() -> tuple[list[dict], float, int]:
    """Every stage of ``make test``: name, passed, failed, skipped, seconds; the total."""
    stages = REPORTS / "stages.json"
    stages.unlink(missing_ok=True)
    start = time.perf_counter()
    code = subprocess.run([sys.executable, "tools/run_checks.py"], cwd=ROOT).returncode
    seconds = time.perf_counter() - start
    if not stages.exists():
        sys.exit(f"tools/run_checks.py wrote no {stages.relative_to(ROOT)} (exit code {code})")
    return json.loads(stages.read_text()), round(seconds, 1), code


def chapters(xml: Path) -> list[dict]:
    """The nbval stage's per-cell times, summed by chapter (kernel start-up included)."""
    totals: dict[str, dict] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        name = case.get("classname", "").removeprefix("chapters.")
        chapter = totals.setdefault(name, {"chapter": name, "cells": 0, "seconds": 0.0})
        chapter["cells"] += 1
        chapter["seconds"] += float(case.get("time", 0))
    return [{**c, "seconds": round(c["seconds"], 1)} for _, c in sorted(totals.items())]


def book() -> tuple[float, int]:
    """Wall time of the book's build, as ``make book`` runs it, and its exit code."""
    cmd = [str(BIN / "jupyter-book"), "build", "-W", "-n", "--keep-going", "--all", "."]
    start = time.perf_counter()
    code = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL).returncode
    return round(time.perf_counter() - start, 1), code


def save(section: dict, info: dict) -> None:
    """Merge into ``benchmarks/results/latest.json`` under ``benchmarks["suite"]``.

    The file's date, commit and rounds belong to the timing benchmarks and stay as they are;
    this section carries its own date and commit.
    """
    data = json.loads(harness.RESULTS.read_text()) if harness.RESULTS.exists() else {}
    data["machine"] = {**data.get("machine", {}), **info}
    data.setdefault("benchmarks", {})["suite"] = section
    data["benchmarks"] = dict(sorted(data["benchmarks"].items()))
    harness.RESULTS.parent.mkdir(parents=True, exist_ok=True)
    harness.RESULTS.write_text(json.dumps(data, indent=1) + "\n")
    print(f"\nwritten: {harness.RESULTS.relative_to(ROOT)} (suite)")


def chapters_only(info: dict) -> int:
    """Re-time each chapter under nbval, as make test's nbval stage runs it; keep the rest."""
    code = subprocess.run([sys.executable, "tools/run_checks.py", "nbval"], cwd=ROOT).returncode
    per_chapter = chapters(REPORTS / "nbval.xml")
    data = json.loads(harness.RESULTS.read_text()) if harness.RESULTS.exists() else {}
    section = data.get("benchmarks", {}).get("suite", {"title": "How long the checks take"})
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section.update(
        chapters=per_chapter,
        chapters_date=now,
        chapters_commit=harness._commit(),
        chapters_exit_code=code,
    )
    print("nbval, by chapter:")
    for c in per_chapter:
        print(f"  {c['chapter']:<28} {c['cells']:>4} cells  {c['seconds']:6.1f} s")
    save(section, info)
    return 1 if code else 0


def main() -> int:
    info = harness.machine()
    if sys.argv[1:] == ["--chapters"]:
        return chapters_only(info)
    harness.print_machine(info)
    stages, total, code = run_checks()
    per_chapter = chapters(REPORTS / "nbval.xml") if (REPORTS / "nbval.xml").exists() else []
    book_seconds, book_code = book()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = {
        "title": "How long the checks take",
        "date": now,
        "commit": harness._commit(),
        "script": "benchmarks/bench_suite.py",
        "make_test_seconds": total,
        "make_test_exit_code": code,
        "stages": stages,
        "book_seconds": book_seconds,
        "book_exit_code": book_code,
        "chapters": per_chapter,
        "chapters_date": now,
        "chapters_commit": harness._commit(),
        "chapters_exit_code": code,
    }
    print("\nmake test, by stage (wall time):")
    for s in stages:
        print(
            f"  {s['name']:<10} {s['passed']:>5} passed {s['failed']:>3} failed "
            f"{s['skipped']:>3} skipped  {s['seconds']:7.1f} s"
        )
    print(f"  {'all':<10} {total:43.1f} s")
    print(f"make book (jupyter-book build --all): {book_seconds:.1f} s")
    print("nbval, by chapter:")
    for c in per_chapter:
        print(f"  {c['chapter']:<28} {c['cells']:>4} cells  {c['seconds']:6.1f} s")
    save(section, info)
    if code or book_code:
        print("NOTE: make test or the book's build failed; the times are recorded all the same.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
