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
