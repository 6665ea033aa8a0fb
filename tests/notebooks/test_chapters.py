"""Every chapter notebook follows the book's rules (see CONTRIBUTING.md).

These checks read the stored notebooks; nbval (run separately, in strict mode) re-executes them
and proves the stored outputs are current.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from chapter_template import colab_cell_source  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
IDS = [p.stem for p in CHAPTERS]
GLUE_PREFIX = "application/papermill.record/"
LOCAL_PATH = re.compile(r"(/root/|/home/\w|/tmp/|/work/|/Users/\w|C:\\\\Users)")


def toc_files() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return files


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def markdown(nb) -> str:
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


@pytest.fixture(params=CHAPTERS, ids=IDS)
def chapter(request):
    return request.param, nbformat.read(request.param, as_version=4)


def test_there_are_chapters():
    assert CHAPTERS, "no notebooks in chapters/"


def test_chapter_names_are_numbered_slugs():
    for path in CHAPTERS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    numbers = [p.name[:2] for p in CHAPTERS]
    assert numbers == [f"{i:02d}" for i in range(1, len(CHAPTERS) + 1)], numbers


def test_every_chapter_is_in_the_toc_and_every_toc_entry_exists():
    files = toc_files()
    for path in CHAPTERS:
        assert f"chapters/{path.stem}" in files, f"{path.name} is not listed in _toc.yml"
    for entry in files:
        matches = [ROOT / f"{entry}{ext}" for ext in (".md", ".ipynb", "")]
        assert any(m.is_file() for m in matches), f"_toc.yml lists {entry}, which does not exist"


def test_first_code_cell_is_the_colab_setup_cell(chapter):
    path, nb = chapter
    first = code_cells(nb)[0]
    assert first.source == colab_cell_source(), (
        f"{path.name}: the first code cell must be the Colab set-up cell; "
        "run `python tools/chapter_template.py sync`"
    )
    assert first.outputs == [], f"{path.name}: the Colab cell must print nothing outside Colab"


def test_executed_once_top_to_bottom_with_outputs_stored(chapter):
    path, nb = chapter
    cells = [c for c in code_cells(nb) if c.source.strip()]
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: some code cells were never run"
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: cells were not run once, top to bottom, in a fresh kernel: {counts}"
    )
    assert any(c.outputs for c in cells), f"{path.name}: no outputs are stored"


def test_no_errors_or_stderr_stored(chapter):
    path, nb = chapter
    for i, cell in enumerate(code_cells(nb)):
        for out in cell.outputs:
            assert out.output_type != "error", f"{path.name}: code cell {i} stored an error"
            assert not (out.output_type == "stream" and out.name == "stderr"), (
                f"{path.name}: code cell {i} stored stderr: {out.text[:200]!r}"
            )


def test_imports_crossent(chapter):
    path, nb = chapter
    sources = "\n".join(c.source for c in code_cells(nb))
    assert re.search(r"^\s*(import crossent|from crossent\b)", sources, re.M), path.name


def test_every_glue_reference_is_glued(chapter):
    path, nb = chapter
    glued = set()
    for cell in code_cells(nb):
        for out in cell.outputs:
            name = out.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                glued.add(name)
    used = set(re.findall(r"\{glue(?::\w+)?\}`([A-Za-z_]\w*)", markdown(nb)))
    used |= set(re.findall(r"```\{glue(?::\w+)?\}\s+([A-Za-z_]\w*)", markdown(nb)))
    assert used, f"{path.name}: the prose glues no numbers"
    assert used <= glued, f"{path.name}: referenced but never glued: {sorted(used - glued)}"


def test_glued_values_are_python_numbers(chapter):
    path, nb = chapter
    for cell in code_cells(nb):
        for out in cell.outputs:
            text = out.get("data", {}).get(GLUE_PREFIX + "text/plain", "")
            assert not text.startswith("np."), f"{path.name}: glued a NumPy scalar: {text}"


def test_structure_objectives_summary_exercises_reading(chapter):
    path, nb = chapter
    md = markdown(nb)
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "Learning objectives" in md, f"{path.name}: no learning objectives"
    assert re.search(r"^## Summary", md, re.M), f"{path.name}: no summary"
    assert re.search(r"^## Further reading", md, re.M), f"{path.name}: no further reading"
    assert re.search(r"\{cite(:[pt])?\}`", md), f"{path.name}: cites nothing"
    exercises = re.findall(r"\{exercise\}", md)
    solutions = re.findall(r"\{solution(?:-start)?\}", md)
    assert len(exercises) >= 3, f"{path.name}: {len(exercises)} exercises, at least 3 needed"
    assert len(solutions) >= len(exercises), f"{path.name}: an exercise has no solution"
    sources = "\n".join(c.source for c in code_cells(nb))
    assert "crossent.check." in sources, f"{path.name}: no exercise is self-checked"


def test_figures_have_alt_text_and_captions(chapter):
    path, nb = chapter
    for i, cell in enumerate(code_cells(nb)):
        if any("image/png" in out.get("data", {}) for out in cell.outputs):
            meta = cell.metadata.get("mystnb", {})
            assert meta.get("image", {}).get("alt"), (
                f"{path.name}: figure in code cell {i} has no alt text"
            )
            assert meta.get("figure", {}).get("caption"), (
                f"{path.name}: figure in code cell {i} has no caption"
            )


def test_no_local_paths_and_reasonable_size(chapter):
    path, nb = chapter
    for i, cell in enumerate(code_cells(nb)):
        blob = cell.source + str(cell.outputs)
        hit = LOCAL_PATH.search(blob)
        assert not hit, f"{path.name}: code cell {i} mentions a local path ({hit.group(0)})"
    assert path.stat().st_size < 2_000_000, f"{path.name}: keep a chapter under 2 MB"


#: Control characters that a Python string turns LaTeX into: "\text" holds a TAB, "\beta" a
#: backspace, "\frac" a form feed, "\alpha" a bell. None belongs in a chapter's text.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]|\t")


def control_characters(nb) -> list[str]:
    """Where a markdown cell holds a control character, with the text around it."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for hit in CONTROL.finditer(cell.source):
            around = cell.source[max(0, hit.start() - 30) : hit.end() + 20]
            found.append(f"cell {i}: {hit.group(0)!r} in {around!r}")
    return found


def test_no_control_characters_in_the_text(chapter):
    path, nb = chapter
    found = control_characters(nb)
    assert not found, (
        f"{path.name}: control characters in markdown (a LaTeX command written in a Python "
        "string without r'' or \\\\?): " + "; ".join(found)
    )


def shown_glue_values(nb) -> list[int]:
    """Code cells that end with a bare `glue(...)` call, whose value Jupyter then shows."""
    shown = []
    for i, cell in enumerate(code_cells(nb)):
        lines = [line for line in cell.source.strip().splitlines() if line.strip()]
        ends_in_glue = bool(lines) and re.match(r"glue\(", lines[-1].strip()) is not None
        if ends_in_glue and any(o.output_type == "execute_result" for o in cell.outputs):
            shown.append(i)
    return shown


def test_glued_values_are_not_shown_as_bare_outputs(chapter):
    path, nb = chapter
    shown = shown_glue_values(nb)
    assert not shown, (
        f"{path.name}: code cells {shown} end with a bare glue(...), so the page shows a lone "
        "number in an output box; assign it (`_ = glue(...)`) or end the cell otherwise"
    )


def test_the_text_and_glue_checks_can_fail():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("$e^{-\text{gap}}$"),  # \t: a TAB, as a bug would write it
        nbformat.v4.new_code_cell("glue('x', 1.5)"),
        nbformat.v4.new_code_cell("_ = glue('y', 2.5)"),
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "1.5"})]
    assert control_characters(nb) and "\\t" in control_characters(nb)[0]
    assert shown_glue_values(nb) == [0]
    nb.cells[0].source = r"$e^{-\text{gap}}$"
    nb.cells[1].outputs = []
    assert not control_characters(nb) and not shown_glue_values(nb)
