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
