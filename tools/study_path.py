"""Measure each chapter's study path: core prose, deep dives, exercises and visible code.

Usage: python tools/study_path.py            (a Markdown table of every chapter)

A chapter is read in parts (see CONTRIBUTING.md, "Core path and deep dives"):

- **core**: every section that is not one of the others; a student reads it in one evening;
- **deep dive**: a section whose heading starts with "Deep dive:" (with its subsections), or an
  admonition titled "Deep dive: ..." inside a core section; collapsed on the page;
- **exercises**: the sections "Exercises" and "Further reading", with the solutions.

Prose words are counted in Markdown with each formula, role (a glued number, a reference) and
code span counted as one word, and directive options and Markdown markup dropped. Visible code
lines are the non-blank source lines of the code cells of the core path whose input the page
shows: a cell tagged `hide-input`, `hide-cell`, `remove-input` or `remove-cell` is not visible.
tests/notebooks/test_study_path.py holds every chapter to the limits below.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

CORE_WORD_LIMIT = 2000  # words of core prose: one evening's reading with the code
CORE_CODE_LIMIT = 250  # visible code lines on the core path

DEEP_DIVE = "Deep dive"
EXERCISE_SECTIONS = ("Exercises", "Further reading")
HIDDEN_TAGS = {"hide-input", "hide-cell", "remove-input", "remove-cell"}

HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
FENCE = re.compile(r"^\s*(`{3,}|:{3,})\s*\{?([\w:-]*)\}?\s*(.*)$")
MATH_DISPLAY = re.compile(r"\$\$.+?\$\$", re.S)
MATH_INLINE = re.compile(r"\$[^$\n]+?\$")
ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
CODE_SPAN = re.compile(r"`+[^`\n]+?`+")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
OPTION = re.compile(r"^\s*:[\w-]+:.*$", re.M)
WORD = re.compile(r"[^\W_][\w'’.-]*|\S*\d\S*")


def prose_words(markdown: str) -> int:
    """Words a reader reads in a piece of Markdown; a formula, a role or code span is one."""
    text = OPTION.sub(" ", markdown)
    for pattern in (MATH_DISPLAY, MATH_INLINE, ROLE, CODE_SPAN):
        text = pattern.sub(" X ", text)
    text = LINK.sub(r"\1", text)
    text = re.sub(r"^\s*(`{3,}|:{3,}).*$", " ", text, flags=re.M)  # fences and their titles
    return len(WORD.findall(text))


def split_markdown(markdown: str, part: str) -> list[tuple[str, str]]:
    """(part, text) pieces of one Markdown cell: admonitions titled "Deep dive" are deep dives."""
    pieces: list[tuple[str, str]] = []
    lines = markdown.splitlines()
    current: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match and part == "core" and match.group(3).startswith(DEEP_DIVE):
            fence = match.group(1)
            j = i + 1
            while j < len(lines) and not lines[j].strip().startswith(fence):
                j += 1
            pieces.append((part, "\n".join(current)))
            pieces.append(("deep dive", "\n".join(lines[i : j + 1])))
            current = []
            i = j + 1
            continue
        current.append(lines[i])
        i += 1
    pieces.append((part, "\n".join(current)))
    return pieces


@dataclass
class StudyPath:
    chapter: str
    core_words: int = 0
    deep_dive_words: int = 0
    exercise_words: int = 0
    core_code_lines: int = 0
    deep_dives: int = 0

    @property
    def evening(self) -> bool:
        return self.core_words <= CORE_WORD_LIMIT and self.core_code_lines <= CORE_CODE_LIMIT


def measure(path: Path) -> StudyPath:
    nb = nbformat.read(path, as_version=4)
    result = StudyPath(path.stem)
    stack: list[tuple[int, str]] = []  # (heading level, part) of the enclosing sections

    def part_here() -> str:
        return stack[-1][1] if stack else "core"

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            chunks: list[tuple[str, list[str]]] = [(part_here(), [])]
            for line in cell.source.splitlines():
                heading = HEADING.match(line)
                if heading:
                    level, title = len(heading.group(1)), heading.group(2).strip()
                    while stack and stack[-1][0] >= level:
                        stack.pop()
                    outer = part_here()
                    if outer != "core":
                        part = outer
                    elif title.startswith(DEEP_DIVE):
                        part = "deep dive"
                        result.deep_dives += 1
                    elif title in EXERCISE_SECTIONS:
                        part = "exercises"
                    else:
                        part = "core"
                    stack.append((level, part))
                    chunks.append((part, []))
                chunks[-1][1].append(line)
            for part, chunk_lines in chunks:
                for piece_part, text in split_markdown("\n".join(chunk_lines), part):
                    words = prose_words(text)
                    if piece_part == "deep dive" and part == "core" and text.strip():
                        result.deep_dives += 1
                    if piece_part == "core":
                        result.core_words += words
                    elif piece_part == "deep dive":
                        result.deep_dive_words += words
                    else:
                        result.exercise_words += words
        elif (
            cell.cell_type == "code"
            and part_here() == "core"
            and not HIDDEN_TAGS & set(cell.metadata.get("tags", []))
        ):
            result.core_code_lines += sum(1 for line in cell.source.splitlines() if line.strip())
    return result


def table(paths: list[Path] = CHAPTERS) -> str:
    rows = [
        "| chapter | core words | core code lines | deep dives | deep-dive words | "
        "exercise words |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for path in paths:
        s = measure(path)
        rows.append(
            f"| {s.chapter} | {s.core_words} | {s.core_code_lines} | {s.deep_dives} | "
            f"{s.deep_dive_words} | {s.exercise_words} |"
        )
    return "\n".join(rows)


if __name__ == "__main__":
    print(table([Path(a) for a in sys.argv[1:]] or CHAPTERS))
