"""Run every check of the project, in order, and end with one summary line.

Usage: python tools/run_checks.py [STAGE ...]   (no stage: all of them)

Called by `make test` (and so by `.ci/run`) inside the project's virtual environment:

1. ruff: lint and format check, notebooks included;
2. package: pytest on tests/package (unit tests, hypothesis properties, derandomized) and the
   doctests in lib/;
3. nbval: every chapter re-executed in strict mode, each stored output compared;
4. chapters: the chapter rules in tests/notebooks (toc, Colab cell, execution order, ...);
5. colab: tests/colab: each chapter run alone, in an empty directory, in a virtual environment
   holding only what Colab has plus the built wheel of crossent (no repository, no myst-nb),
   must reproduce its stored outputs; the dependency ranges must admit Colab's versions;
6. lab: tests/lab: `make lab` as a reader runs it: .venv-lab and the kernel "crossent book"
   set up, JupyterLab started on a workbook, asked for its kernels and stopped with Ctrl-C;
   a working copy run with that kernel reproduces the stored outputs; workbook/ is ignored;
7. book: `jupyter-book build -W -n --keep-going --all`, which must report zero warnings;
8. pdf: tools/build_pdf.py prints the book to _build/pdf/crossent-book.pdf with headless
   Chromium and copies it into _build/html, where the front page links to it (checked by
   tests/book/test_pdf.py in the next stage);
9. site: the checks in tests/book over the built HTML and the PDF;
10. browser: tests/book/test_browser.py opens every page in headless Chromium (Debian's
    `chromium` package). Without Chromium these tests are skipped and the summary says so;
    with CI=true a missing Chromium is a failure.

Every stage runs even if an earlier one failed, so one run shows every problem. The last line
is `summary: N passed, N failed, N skipped`, counting individual tests (a non-pytest stage
counts as one test), and the exit code is non-zero if anything failed. The same numbers, with
each stage's wall time, are written to `_build/test-reports/stages.json` (read by
benchmarks/bench_suite.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "_build" / "test-reports"
BIN = Path(sys.executable).parent
BROWSER_TEST = "tests/book/test_browser.py"


SKIPPED = 77  # a non-pytest stage that exits with this could not run here (automake's code)


@dataclass
class Stage:
    name: str
    commands: list[list[str]]
    junit: Path | None = None  # set for pytest stages: tests are counted from this report
    skip_reason: str = ""  # why a non-pytest stage exited with SKIPPED


def pytest_stage(name: str, args: list[str]) -> Stage:
    xml = REPORTS / f"{name}.xml"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={xml}"]
    return Stage(name, [cmd + args], xml)


def stages() -> list[Stage]:
    ruff = str(BIN / "ruff")
    nbval = ["--nbval", "--nbval-current-env", "--nbval-cell-timeout", "600"]
    nbval += ["--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg")]
    build = [str(BIN / "jupyter-book"), "build", "-W", "-n", "--keep-going", "--all", "."]
    return [
        Stage("ruff", [[ruff, "check", "."], [ruff, "format", "--check", "."]]),
        # Hypothesis's built-in "ci" profile is derandomized: the same examples on every run and
        # machine, so a property test cannot pass today and fail tomorrow on new random draws.
        # To explore, run pytest on tests/package yourself (random examples, as by default).
        pytest_stage(
            "package",
            ["tests/package", "--doctest-modules", "lib/crossent", "--hypothesis-profile=ci"],
        ),
        pytest_stage("nbval", [*nbval, "chapters"]),
        pytest_stage("chapters", ["tests/notebooks"]),
        pytest_stage("colab", ["tests/colab"]),
        pytest_stage("lab", ["tests/lab"]),
        Stage("book", [build]),
        Stage(
            "pdf",
            [[sys.executable, str(ROOT / "tools" / "build_pdf.py")]],
            skip_reason="no Chromium to print the PDF with (sudo apt-get install chromium)",
        ),
        pytest_stage("site", ["tests/book", f"--ignore={BROWSER_TEST}"]),
        # Two workers (pytest-xdist), one per core: each opens its own server and browser, and
        # the axe-core audits of 23 pages at two widths take half the wall time.
        pytest_stage("browser", [BROWSER_TEST, "-n", "2"]),
    ]


def count(xml: Path) -> tuple[int, int, int]:
    root = ET.parse(xml).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    tests = sum(int(s.get("tests", 0)) for s in suites)
    failed = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skipped = sum(int(s.get("skipped", 0)) for s in suites)
    return tests - failed - skipped, failed, skipped


def skip_reasons(xml: Path) -> list[str]:
    """Each distinct skip reason, with how many tests it skipped when more than one."""
    reasons: dict[str, int] = {}
    for case in ET.parse(xml).getroot().iter("testcase"):
        skip = case.find("skipped")
        if skip is not None:
            reason = skip.get("message", "").strip().removeprefix("Skipped: ")
            reasons[reason] = reasons.get(reason, 0) + 1
    return [f"{r} ({n} tests)" if n > 1 else r for r, n in sorted(reasons.items())]


def main() -> int:
    os.chdir(ROOT)
    REPORTS.mkdir(parents=True, exist_ok=True)
    only = set(sys.argv[1:])
    results = []
    for stage in stages():
        if only and stage.name not in only:
            continue
        print(f"\n=== {stage.name} ===", flush=True)
        start = time.perf_counter()
        if stage.junit is not None and stage.junit.exists():
            stage.junit.unlink()
        codes = [subprocess.run(cmd, cwd=ROOT).returncode for cmd in stage.commands]
        seconds = time.perf_counter() - start
        if stage.junit is not None and stage.junit.exists():
            passed, failed, skipped = count(stage.junit)
            if codes[0] not in (0, 5) and failed == 0:  # pytest broke before reporting a failure
                failed = 1
            reasons = skip_reasons(stage.junit)
        elif SKIPPED in codes and all(code in (0, SKIPPED) for code in codes):
            passed, failed, skipped, reasons = 0, 0, 1, [stage.skip_reason]
        else:
            ok = all(code == 0 for code in codes)
            passed, failed, skipped, reasons = int(ok), int(not ok), 0, []
        results.append((stage.name, passed, failed, skipped, seconds, reasons))

    print("\n=== summary ===")
    for name, passed, failed, skipped, seconds, reasons in results:
        if failed:
            verdict = "FAILED"
        elif skipped:
            verdict = "PARTIAL" if passed else "SKIPPED"  # never "ok" when tests did not run
        else:
            verdict = "ok"
        print(
            f"{name:<10} {verdict:<7} {passed:>5} passed {failed:>3} failed "
            f"{skipped:>3} skipped  {seconds:7.1f} s"
        )
        for reason in reasons:
            print(f"{'':<11}skipped: {reason}")
    total = [sum(r[i] for r in results) for i in (1, 2, 3)]
    stages_json = [
        {"name": n, "passed": p, "failed": f, "skipped": s, "seconds": round(t, 1)}
        for n, p, f, s, t, _ in results
    ]
    (REPORTS / "stages.json").write_text(json.dumps(stages_json, indent=1) + "\n")
    skips = [f"{r[0]} {r[3]}" for r in results if r[3]]
    if skips:
        print(f"NOTE: tests were skipped ({', '.join(skips)}); the reasons are listed above.")
    print(f"summary: {total[0]} passed, {total[1]} failed, {total[2]} skipped")
    return 1 if total[1] else 0


if __name__ == "__main__":
    sys.exit(main())
