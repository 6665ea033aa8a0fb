"""What the study guide says about each chapter, read from the notebooks and the benchmarks.

Usage: python tools/study_guide.py      (a plain-text summary of every chapter)

The study guide (study_guide.md, through the ``{study-guide}`` directive of
_ext/study_guide_tables.py) shows, for each chapter, figures that must never be typed by hand,
because they change whenever a chapter does:

- **builds on**: the earlier chapters it links to with ``{doc}`` or names ("chapter 10's
  network", "chapters 4-5");
- **uses**: the libraries it imports beyond NumPy, the standard library and ``crossent``;
- **reading time**: its core path (tools/study_path.py) at ``WORDS_PER_MINUTE`` words and
  ``CODE_LINES_PER_MINUTE`` lines of code a minute, rounded up to 5 minutes;
- **run time**: the seconds the chapter took under nbval in the last run of
  benchmarks/bench_suite.py (benchmarks/results/latest.json), kernel start included;
- **core exercises**: the exercises marked ``:class: core`` in the notebook, and which of them
  ``crossent.check`` checks. tests/notebooks/test_study_guide.py holds every chapter to the
  rule CONTRIBUTING.md states: two core exercises, at least one of them self-checked, neither
  of which needs a deep dive.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import study_path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = study_path.CHAPTERS
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"

WORDS_PER_MINUTE = 200  # prose, as the deep dives' "about N min" (_ext/deep_dive.py)
CODE_LINES_PER_MINUTE = 10  # reading code line by line, and predicting what it prints
ROUND_MINUTES = 5

# The libraries whose calls a reader follows on the core path, by the name a chapter imports.
# Matplotlib (figure code, folded) and mpmath (high-precision referees, in deep dives) are not
# listed: a reader needs to know neither.
LIBRARIES = {
    "tensorflow": "TensorFlow",
    "keras": "Keras",
    "sklearn": "scikit-learn",
    "scipy": "SciPy",
    "pandas": "pandas",
}

EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}[ \t]*(?P<title>.*)$")
OPTION = re.compile(r"^:(?P<name>[\w-]+):[ \t]*(?P<value>.*)$")
DOC_ROLE = re.compile(r"\{doc\}`(?:[^`<]*<)?(?:\.\./)?(?:chapters/)?(?P<num>\d\d)_[\w]+>?`")
NAMED = re.compile(r"\b[Cc]hapters? (?P<list>\d{1,2}(?:(?:, | and | or | to |-|\u2013)\d{1,2})*)")
IMPORT = re.compile(r"^\s*(?:import|from)\s+(?P<module>[A-Za-z_]\w*)", re.M)
CHECK_CALL = re.compile(r"\bcheck\.(?P<name>[a-z_]+)\(")
CHECK_NAME = re.compile(r"crossent\.check\.(?P<name>[a-z_]+)")


@dataclass
class Exercise:
    label: str
    title: str
    core: bool
    text: str = ""  # the exercise's statement, without its options
    checks: list[str] = field(default_factory=list)  # crossent.check functions it names or calls

    @property
    def self_checked(self) -> bool:
        return bool(self.checks)


@dataclass
class Chapter:
    path: Path
    title: str
    builds_on: list[int]
    uses: list[str]
    reading_minutes: int
    deep_dive_minutes: int
    exercises: list[Exercise]

    @property
    def number(self) -> int:
        return int(self.path.stem[:2])

    @property
    def core_exercises(self) -> list[Exercise]:
        return [e for e in self.exercises if e.core]


def round_up(minutes: float, step: int = ROUND_MINUTES) -> int:
    return max(step, step * math.ceil(minutes / step))


def named_chapters(text: str) -> set[int]:
    """The chapter numbers in "4", "4, 5 and 7", "4-6" or "4 to 6"."""
    found: set[int] = set()
    for part in re.split(r", | and | or ", text):
        ends = [int(n) for n in re.split(r" to |-|\u2013", part)]
        found |= set(range(ends[0], ends[-1] + 1))
    return found


def exercises(nb) -> list[Exercise]:
    """Every exercise of a notebook, in order, with the self-checks that follow it.

    A check belongs to the exercise whose text names it, or to the last exercise opened before
    the code cell that calls it (the solution's code comes after its exercise).
    """
    found: list[Exercise] = []
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                match = EXERCISE.match(line)
                if not match:
                    if found and CHECK_NAME.search(line):
                        for name in CHECK_NAME.findall(line):
                            if name not in found[-1].checks:
                                found[-1].checks.append(name)
                    continue
                options = {}
                for option in lines[i + 1 :]:
                    opt = OPTION.match(option)
                    if not opt:
                        break
                    options[opt.group("name")] = opt.group("value").split()
                fence = match.group(1)
                body = []
                for text in lines[i + 1 + len(options) :]:
                    if text.strip() == fence:
                        break
                    body.append(text)
                found.append(
                    Exercise(
                        label=" ".join(options.get("label", [])),
                        title=match.group("title").strip(),
                        core="core" in options.get("class", []),
                        text="\n".join(body).strip(),
                    )
                )
        elif cell.cell_type == "code" and found:
            for name in CHECK_CALL.findall(cell.source):
                if name not in found[-1].checks:
                    found[-1].checks.append(name)
    return found


def chapter(path: Path) -> Chapter:
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    title = next(line[2:].strip() for line in markdown.splitlines() if line.startswith("# "))
    number = int(path.stem[:2])
    mentioned = {int(n) for n in DOC_ROLE.findall(markdown)}
    for match in NAMED.finditer(markdown):
        mentioned |= named_chapters(match.group("list"))
    earlier = sorted(n for n in mentioned if 1 <= n < number)
    modules = {m.group("module") for m in IMPORT.finditer(code)}
    uses = [name for module, name in LIBRARIES.items() if module in modules]
    s = study_path.measure(path)
    reading = s.core_words / WORDS_PER_MINUTE + s.core_code_lines / CODE_LINES_PER_MINUTE
    return Chapter(
        path=path,
        title=title,
        builds_on=earlier,
        uses=uses,
        reading_minutes=round_up(reading),
        deep_dive_minutes=round_up(s.deep_dive_words / WORDS_PER_MINUTE) if s.deep_dives else 0,
        exercises=exercises(nb),
    )


def chapters(paths: list[Path] = CHAPTERS) -> list[Chapter]:
    return [chapter(p) for p in paths]


def run_times(results: Path = RESULTS) -> tuple[dict[str, float], dict]:
    """Seconds per chapter file name under nbval, and the run's date, commit and machine."""
    if not results.exists():
        return {}, {}
    data = json.loads(results.read_text(encoding="utf-8"))
    suite = data.get("benchmarks", {}).get("suite", {})
    seconds = {c["chapter"]: float(c["seconds"]) for c in suite.get("chapters", [])}
    info = {
        "date": suite.get("date", ""),
        "commit": suite.get("commit", ""),
        "machine": data.get("machine", {}),
    }
    return seconds, info


def summary() -> str:
    seconds, info = run_times()
    rows = []
    for c in chapters():
        run = seconds.get(c.path.name)
        core = ", ".join(
            e.label + (" (checked)" if e.self_checked else "") for e in c.core_exercises
        )
        rows.append(
            f"{c.path.stem}: builds on {c.builds_on or '-'}; uses {', '.join(c.uses) or '-'}; "
            f"read {c.reading_minutes} min (+{c.deep_dive_minutes} deep dives); "
            f"run {run if run is not None else '?'} s; core: {core}"
        )
    rows.append(f"run times from {info.get('date', '?')} ({info.get('commit', '?')})")
    return "\n".join(rows)


if __name__ == "__main__":
    print(summary())
