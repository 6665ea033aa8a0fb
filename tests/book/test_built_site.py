"""Checks over the built HTML in _build/html (the book stage builds it first)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
sys.path.insert(0, str(ROOT / "tools"))

from chapter_template import repository  # noqa: E402

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    not (HTML / "index.html").exists(), reason="the book is not built: run `make book` first"
)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_has_colab_button_for_its_notebook(path):
    page = (HTML / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
    url, branch = repository()
    repo = url.removeprefix("https://github.com/")
    expected = f"https://colab.research.google.com/github/{repo}/blob/{branch}/chapters/{path.name}"
    assert expected in page


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_renders_glue_exercises_and_figures(path):
    page = (HTML / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
    assert 'class="pasted-text"' in page or 'class="pasted-inline"' in page
    assert "solution" in page and "dropdown" in page
    for img in re.findall(r"<img[^>]*>", page):
        assert re.search(r'alt="[^"]+"', img), img
    assert "{glue" not in page and "{cite" not in page


# An inline formula directly followed by punctuation that is not kept with it: the browser may
# start the next line with the "," or "?" (see _ext/math_punctuation.py).
LOOSE_PUNCTUATION = re.compile(
    r'(?<!<span class="nobr">)<span class="math notranslate nohighlight">[^<]*</span>[.,;:!?)]'
)


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_punctuation_after_inline_maths_stays_on_its_line(path):
    page = (HTML / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
    loose = [m.group(0)[-60:] for m in LOOSE_PUNCTUATION.finditer(page)]
    assert not loose, f"{path.name}: punctuation that can wrap away from its formula: {loose[:3]}"
    bad = '<span class="math notranslate nohighlight">\\(x\\)</span>, then'
    assert LOOSE_PUNCTUATION.search(bad) and not LOOSE_PUNCTUATION.search(
        f'<span class="nobr">{bad[:-6]}</span> then'
    )


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_deep_dive_section_is_folded_on_the_page(path):
    """Each section headed "Deep dive: ..." in the notebook is one closed <details> on the page."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    headings = [
        line
        for cell in nb.cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if re.match(r"^#{2,6}\s+Deep dive:", line)
    ]
    page = (HTML / "chapters" / f"{path.stem}.html").read_text(encoding="utf-8")
    folded = re.findall(r'<details class="deep-dive"( open)?>', page)
    assert len(folded) == len(headings), (
        f"{path.stem}: {len(headings)} deep-dive sections, {len(folded)} folded on the page"
    )
    assert not any(folded), f"{path.stem}: a deep dive is open when the page loads"
