"""The study guide's figures, and the rule for core exercises (CONTRIBUTING.md, "Exercises").

Every chapter marks exactly two exercises ``:class: core``: at least one of them is checked by a
``crossent.check`` function that exists, and neither needs a deep dive. The guide's reading
times, prerequisites and exercise lists come from tools/study_guide.py; these tests pin down
how it reads a notebook on small made-up ones, so that a change to its parsing cannot silently
drop an exercise or a prerequisite.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

import crossent

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import study_guide  # noqa: E402

CHAPTERS = study_guide.CHAPTERS


def notebook(*cells: tuple[str, str]):
    nb = nbformat.v4.new_notebook()
    for kind, source in cells:
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        nb.cells.append(make(source))
    return nb


EXERCISES = notebook(
    ("md", "# T\n\n````{exercise} By hand\n:label: ex-a\n:class: core\n\nCompute it.\n````"),
    ("md", "````{exercise} Write it\n:label: ex-b\n:class: dropdown core\n\nWrite f.\n````"),
    ("code", "def f(p):\n    return p\n\n\ncrossent.check.entropy(f)"),
    ("md", "````{exercise} Further\n:label: ex-c\n\nUse `crossent.check.softmax` too.\n````"),
)


def test_exercises_are_read_with_their_core_mark_and_their_checks():
    found = study_guide.exercises(EXERCISES)
    assert [(e.label, e.title, e.core) for e in found] == [
        ("ex-a", "By hand", True),
        ("ex-b", "Write it", True),
        ("ex-c", "Further", False),
    ]
    assert [e.checks for e in found] == [[], ["entropy"], ["softmax"]]
    assert [e.text for e in found] == [
        "Compute it.",
        "Write f.",
        "Use `crossent.check.softmax` too.",
    ]


def test_a_check_before_any_exercise_belongs_to_none():
    nb = notebook(("code", "crossent.check.entropy(f)"), ("md", "````{exercise} X\n:label: x\n"))
    assert study_guide.exercises(nb)[0].checks == []


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("4", {4}), ("4, 5 and 7", {4, 5, 7}), ("4-6", {4, 5, 6}), ("4 to 6", {4, 5, 6})],
)
def test_named_chapters(text, numbers):
    assert study_guide.named_chapters(text) == numbers


def test_builds_on_counts_links_and_names_of_earlier_chapters_only(tmp_path):
    nb = notebook(
        ("md", "# Ten\n\nAs {doc}`04_softmax` showed, and chapters 6 and 7; {doc}`11_x` later."),
        ("md", "Chapter 10 itself, and {doc}`the notation <../notation>`."),
        ("code", "import tensorflow as tf\nfrom sklearn import datasets\nimport matplotlib"),
    )
    path = tmp_path / "10_example.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    c = study_guide.chapter(path)
    assert c.title == "Ten"
    assert c.builds_on == [4, 6, 7]
    assert c.uses == ["TensorFlow", "scikit-learn"]


def test_reading_time_rounds_up_to_five_minutes():
    assert [study_guide.round_up(m) for m in (0, 0.1, 5, 5.01, 24.9)] == [5, 5, 5, 10, 25]


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_two_core_exercises_one_self_checked_none_after_a_deep_dive(path):
    c = study_guide.chapter(path)
    core = c.core_exercises
    assert len(core) == 2, f"{path.stem}: core exercises {[e.label for e in core]}, not two"
    assert any(e.self_checked for e in core), f"{path.stem}: no core exercise is self-checked"
    for e in core:
        statement = f"{e.title} {e.text}".lower()
        assert "deep dive" not in statement, f"{e.label} needs a deep dive"
        for name in e.checks:
            assert name in crossent.check.__all__, f"{e.label}: crossent.check.{name} missing"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_chapter_has_a_measured_run_time(path):
    seconds, info = study_guide.run_times()
    assert seconds.get(path.name, 0) > 0, (
        f"{path.name}: no run time in benchmarks/results/latest.json; run "
        "benchmarks/bench_suite.py --chapters"
    )
    assert info["date"], "the suite's run has no date"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_each_chapter_builds_on_earlier_chapters_only(path):
    c = study_guide.chapter(path)
    assert all(1 <= n < c.number for n in c.builds_on)
    if c.number > 1:
        assert c.builds_on, f"{path.stem} names no earlier chapter"
