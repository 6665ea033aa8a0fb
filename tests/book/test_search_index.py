"""The built search index finds every glossary term by its Chinese name.

Sphinx's English search splits text into words at non-word characters and stores each word; a
Chinese term must therefore stand on its own in glossary.md (not glued to a Latin letter or to
more Chinese text) to be found. This checks the index the build wrote, _build/html/searchindex.js;
tests/book/test_browser.py runs an actual search in the browser.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INDEX = ROOT / "_build" / "html" / "searchindex.js"
sys.path.insert(0, str(ROOT / "tests" / "notebooks"))

from test_back_matter import CHINESE_LINE, CJK, glossary_entries  # noqa: E402

pytestmark = pytest.mark.skipif(
    not INDEX.is_file(), reason="the book is not built: run `make book` (the book stage)"
)


def search_index() -> dict:
    text = INDEX.read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1 : text.rindex(")")])


def chinese_words() -> list[str]:
    """Every Chinese word of the glossary's entries, simplified and traditional."""
    words = []
    for entry in glossary_entries():
        found = CHINESE_LINE.search(entry["body"])
        assert found, f"{entry['terms'][0]}: no Chinese line"
        for field in (found["simp"], found["trad"]):
            words += [w for w in re.split(r"[\s、,，]+", field) if CJK.search(w)]
    return sorted(set(words))


def test_every_chinese_glossary_term_is_a_word_of_the_glossary_page_in_the_index():
    index = search_index()
    glossary = index["docnames"].index("glossary")
    words = chinese_words()
    assert "交叉熵" in words and "資訊熵" in words, "the glossary lost its central terms"
    missing, elsewhere = [], []
    for word in words:
        docs = index["terms"].get(word.lower())
        if docs is None:
            missing.append(word)
        elif glossary not in (docs if isinstance(docs, list) else [docs]):
            elsewhere.append(word)
    assert not missing, f"Chinese terms the search index does not hold as words: {missing}"
    assert not elsewhere, f"Chinese terms the index does not find on the glossary page: {elsewhere}"
