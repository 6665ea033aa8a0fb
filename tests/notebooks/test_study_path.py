"""Each chapter is built for self-study (CONTRIBUTING.md, "Core path and deep dives").

- its core path fits one evening: at most CORE_WORD_LIMIT words of core prose and
  CORE_CODE_LIMIT visible code lines (measured by tools/study_path.py);
- it opens with a "Key result" box, before its first section;
- plotting code is folded (the figure shows, its code is behind a toggle) and cells that only
  glue numbers for the prose are hidden;
- a check that passes says so in a sentence: no stored output prints "exact: no", a bare
  True/False, or "failed", except in a cell tagged `shows-a-mistake`, which demonstrates one;
- each "The article says" box quotes the article's sentence, and a chapter with such boxes
  ends its core path with a table of the article's claims and their corrections.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from study_path import (  # noqa: E402
    CHAPTERS,
    CORE_CODE_LIMIT,
    CORE_WORD_LIMIT,
    HIDDEN_TAGS,
    measure,
    prose_words,
)

IDS = [p.stem for p in CHAPTERS]
ARTICLE_BOX = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\} The article says.*?^(?P=fence)[ \t]*$", re.S | re.M
)
CLAIMS_HEADING = "## The article's claims, corrected"
MISTAKE_TAG = "shows-a-mistake"
LOOKS_LIKE_FAILURE = re.compile(r"\bexact: no\b|^\s*(True|False)\s*$|\bfailed\b", re.M)


@pytest.fixture(params=CHAPTERS, ids=IDS)
def chapter(request):
    return request.param, nbformat.read(request.param, as_version=4)


def markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def output_text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif "text/plain" in out.get("data", {}):
            parts.append(out["data"]["text/plain"])
    return "".join(parts)


def test_word_count_treats_a_formula_and_a_glued_number_as_one_word():
    assert prose_words("The loss is $-\\log q_k$, here {glue:text}`x:.2f` nats.") == 7
    assert prose_words(":label: eq-x\n```{admonition} Title\n:class: tip\nTwo words.\n```") == 2


def test_core_path_fits_one_evening(chapter):
    path, _ = chapter
    s = measure(path)
    assert s.core_words <= CORE_WORD_LIMIT, (
        f"{path.name}: {s.core_words} words of core prose, above {CORE_WORD_LIMIT}; "
        "move numerics, history and extra checks into sections headed 'Deep dive: ...'"
    )
    assert s.core_code_lines <= CORE_CODE_LIMIT, (
        f"{path.name}: {s.core_code_lines} visible code lines on the core path, above "
        f"{CORE_CODE_LIMIT}; fold plotting code (tag hide-input) or move checks to a deep dive"
    )


def test_opens_with_a_key_result(chapter):
    path, nb = chapter
    text = markdown(nb)
    first_section = text.find("\n## ")
    box = text.find("{admonition} Key result")
    assert 0 <= box < first_section, (
        f"{path.name}: no '{{admonition}} Key result' box before the first section"
    )


def is_plot(cell) -> bool:
    return any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))


def only_glues(cell) -> bool:
    """Every statement is a glue(...) call, bare or assigned (`_ = glue(...)`)."""
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return False

    def is_glue(stmt) -> bool:
        value = stmt.value if isinstance(stmt, (ast.Expr, ast.Assign)) else None
        return (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "glue"
        )

    return bool(tree.body) and all(is_glue(stmt) for stmt in tree.body)


def shown_code_cells(nb, predicate) -> list[str]:
    """Ids of the code cells that match `predicate` and whose input the page shows."""
    return [
        c.get("id")
        for c in nb.cells
        if c.cell_type == "code"
        and predicate(c)
        and not HIDDEN_TAGS & set(c.metadata.get("tags", []))
    ]


def test_glue_only_cells_are_recognised():
    cell = nbformat.v4.new_code_cell
    assert only_glues(cell('glue("a", 1)\n_ = glue("b", 2)'))
    assert not only_glues(cell('x = 1\nglue("a", x)'))
    assert not only_glues(cell(""))


def test_plotting_code_is_folded(chapter):
    path, nb = chapter
    shown = shown_code_cells(nb, is_plot)
    assert not shown, f"{path.name}: plotting cells without the hide-input tag: {shown}"


def test_cells_that_only_glue_are_hidden(chapter):
    path, nb = chapter
    shown = shown_code_cells(nb, only_glues)
    assert not shown, f"{path.name}: cells that only glue, shown on the page: {shown}"


def test_passing_checks_read_as_sentences(chapter):
    path, nb = chapter
    bad = []
    for cell in nb.cells:
        if cell.cell_type != "code" or MISTAKE_TAG in cell.metadata.get("tags", []):
            continue
        hit = LOOKS_LIKE_FAILURE.search(output_text(cell))
        if hit:
            bad.append(f"{cell.get('id')}: {hit.group(0).strip()!r}")
    assert not bad, (
        f"{path.name}: outputs that read like a failure (say it in a sentence, or tag a cell "
        f"that demonstrates a mistake '{MISTAKE_TAG}'): {bad}"
    )


def test_short_deep_dives_are_dropdowns(chapter):
    path, nb = chapter
    boxes = re.finditer(
        r"^(`{3,}|:{3,})\{admonition\} Deep dive:.*\n((?::[^\n]*\n)*)", markdown(nb), re.M
    )
    closed = [":class:" in b.group(2) and "dropdown" in b.group(2) for b in boxes]
    assert all(closed), f"{path.name}: a 'Deep dive:' admonition without :class: dropdown"


def test_article_boxes_quote_the_article(chapter):
    path, nb = chapter
    for box in ARTICLE_BOX.finditer(markdown(nb)):
        body = box.group(0)
        assert re.search(r"^\s*>", body, re.M), (
            f"{path.name}: a 'The article says' box without a quotation (a '> ' line): "
            f"{body.splitlines()[0][:90]}"
        )


def test_chapter_with_article_boxes_tabulates_the_claims(chapter):
    path, nb = chapter
    text = markdown(nb)
    if not ARTICLE_BOX.search(text):
        return
    start = text.find(CLAIMS_HEADING)
    assert start >= 0, f"{path.name}: has 'The article says' boxes but no {CLAIMS_HEADING!r}"
    section = text[start:].split("\n## ", 1)[0]
    assert re.search(r"^\|.*\|\s*$", section, re.M), f"{path.name}: {CLAIMS_HEADING} has no table"


def test_the_measure_sees_deep_dives(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\n\none two three\n\n## Deep dive: floats\n\nfour five"),
        nbformat.v4.new_code_cell("x = 1\ny = 2"),
        nbformat.v4.new_markdown_cell("## Back\n\nsix\n\n```{admonition} Deep dive: h\nseven\n```"),
        nbformat.v4.new_code_cell("z = 3"),
        nbformat.v4.new_markdown_cell("## Exercises\n\neight nine"),
    ]
    path = tmp_path / "99_t.ipynb"
    nbformat.write(nb, path)
    s = measure(path)
    assert (s.core_words, s.deep_dive_words, s.exercise_words) == (6, 6, 3)
    assert (s.core_code_lines, s.deep_dives) == (1, 2)
