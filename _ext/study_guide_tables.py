"""``{study-guide}``: the study guide's tables, computed from the notebooks when the book is built.

Two tables, from tools/study_guide.py:

- ``:table: path``: each chapter, the earlier chapters it builds on, the libraries it uses
  beyond NumPy, the reading time of its core path and of its deep dives, and the time it takes
  to run (the last run of benchmarks/bench_suite.py, stored in benchmarks/results/latest.json);
- ``:table: exercises``: each chapter's core exercises, linked, with the ``crossent.check``
  function that checks each self-checked one.

A chapter without a measured run time is a build warning, so ``jupyter-book build -W`` fails
until benchmarks/bench_suite.py has been run after a chapter is added. The table is written as
MyST Markdown and parsed in place, so its links are ordinary ``{doc}`` and ``{ref}`` roles that
the build checks.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.statemachine import StringList
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)


def load_tool(srcdir: str):
    """tools/study_guide.py, loaded by path: this extension's own module has the same name."""
    tools = Path(srcdir) / "tools"
    sys.path.insert(0, str(tools))
    try:
        spec = importlib.util.spec_from_file_location("tools_study_guide", tools / "study_guide.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    finally:
        sys.path.pop(0)
    return module


NBSP = "\u00a0"  # "about 5 s" never breaks in a narrow column (a phone, the PDF)


def seconds_text(seconds: float) -> str:
    """A run time a reader can plan with: rounded up to 5 s, whole minutes past 90 s."""
    if seconds > 90:
        return f"about{NBSP}{math.ceil(seconds / 60)}{NBSP}min"
    return f"about{NBSP}{max(5, 5 * math.ceil(seconds / 5))}{NBSP}s"


def chapter_link(c) -> str:
    return f"{{doc}}`{c.number} {c.title} <chapters/{c.path.stem}>`"


def number_links(numbers: list[int], by_number: dict) -> str:
    if not numbers:
        return "none"
    return ", ".join(f"{{doc}}`{n} <chapters/{by_number[n].path.stem}>`" for n in numbers)


class StudyGuide(SphinxDirective):
    option_spec: ClassVar[dict] = {
        "table": lambda arg: directives.choice(arg, ("path", "exercises")),
    }

    def run(self):
        tool = load_tool(self.env.srcdir)
        for path in tool.CHAPTERS:
            self.env.note_dependency(str(path))
        self.env.note_dependency(str(tool.RESULTS))
        chapters = tool.chapters()
        if self.options.get("table", "path") == "path":
            lines = self.path_table(tool, chapters)
        else:
            lines = self.exercise_table(chapters)
        container = nodes.container(classes=["study-guide"])
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]), 0, container)
        return [container]

    def path_table(self, tool, chapters) -> list[str]:
        seconds, _info = tool.run_times()
        by_number = {c.number: c for c in chapters}
        lines = [
            "| Chapter | Builds on | Libraries | Core path | Deep dives | Run |",
            "|---|---|---|---:|---:|---:|",
        ]
        total_read = total_run = 0.0
        for c in chapters:
            run = seconds.get(c.path.name)
            if run is None:
                logger.warning(
                    "study guide: %s has no measured run time in %s; run "
                    "benchmarks/bench_suite.py --chapters",
                    c.path.name,
                    tool.RESULTS.relative_to(tool.ROOT),
                    location=self.get_location(),
                )
                run_cell = "not measured"
            else:
                run_cell = seconds_text(run)
                total_run += run
            total_read += c.reading_minutes
            dives = f"{c.deep_dive_minutes}{NBSP}min" if c.deep_dive_minutes else "none"
            lines.append(
                f"| {chapter_link(c)} | {number_links(c.builds_on, by_number)} | "
                f"{', '.join(c.uses) or 'NumPy only'} | {c.reading_minutes}{NBSP}min | {dives} | "
                f"{run_cell} |"
            )
        hours = total_read / 60
        lines.append(
            f"| **All {len(chapters)} chapters** | | | **about{NBSP}{hours:.0f}{NBSP}h** | | "
            f"**{seconds_text(total_run)}** |"
        )
        return lines

    def exercise_table(self, chapters) -> list[str]:
        lines = ["| Chapter | Core exercises | Self-check |", "|---|---|---|"]
        for c in chapters:
            core = c.core_exercises
            links = "; ".join(f"{{ref}}`{e.label}`" for e in core) or "none"
            checks = "; ".join(
                ", ".join(f"`crossent.check.{name}`" for name in e.checks)
                for e in core
                if e.self_checked
            )
            lines.append(f"| {chapter_link(c)} | {links} | {checks or 'none'} |")
        return lines


def setup(app):
    app.add_directive("study-guide", StudyGuide)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
