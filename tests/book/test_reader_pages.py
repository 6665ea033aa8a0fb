"""The built pages that make the book citable and usable for self-study.

- Every page of the book shows the version (crossent.__version__, the one source) in its footer,
  with links to the errata page and the changelog.
- The front page cites this version, as a sentence and as BibTeX.
- The study guide has a row for every chapter, each with a measured run time, and links every
  core exercise; each core exercise is marked "core" on its chapter page.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tests" / "book"))

import study_guide  # noqa: E402
from test_browser import PAGES  # noqa: E402

import crossent  # noqa: E402

pytestmark = pytest.mark.skipif(
    not (HTML / "index.html").exists(), reason="the book is not built: run `make book` first"
)


def page_text(name: str) -> str:
    return (HTML / name).read_text(encoding="utf-8")


def visible_text(page: str, sep: str = " ") -> str:
    """The page's text: tags replaced by `sep` ("" keeps highlighted code in one piece)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", sep, body))


FOOTER = re.compile(
    r'<p class="component-book-version">\s*Version (?P<version>[^\s<]+) ·\s*'
    r'<a href="(?P<errata>[^"]*)">Errata and feedback</a> ·\s*'
    r'<a href="(?P<changelog>[^"]*)">Changelog</a>'
)
# index.html only redirects to intro.html.
FOOTED_PAGES = [p for p in PAGES if p != "index.html"]


def link_target(page: str, href: str) -> Path:
    """The file a relative link of `page` opens ("#" or "" is the page itself)."""
    path = href.split("#")[0]
    return ((HTML / page).parent / path).resolve() if path else (HTML / page).resolve()


@pytest.mark.parametrize("name", FOOTED_PAGES or ["-"])
def test_every_page_shows_the_version_and_links_errata_and_changelog(name):
    if name == "-":
        pytest.skip("no pages")
    match = FOOTER.search(page_text(name))
    assert match, f"{name}: no version line in the footer"
    assert match.group("version") == crossent.__version__
    for key, file in (("errata", "errata.html"), ("changelog", "CHANGELOG.html")):
        target = link_target(name, match.group(key))
        assert target == (HTML / file).resolve(), f"{name}: the footer's {key} link opens {target}"


def test_the_footer_pattern_rejects_another_version():
    line = (
        '<p class="component-book-version">\nVersion 0.9.0 ·\n'
        '<a href="errata.html">Errata and feedback</a> ·\n<a href="CHANGELOG.html">Changelog</a>'
    )
    assert FOOTER.search(line).group("version") != crossent.__version__


def test_front_page_cites_this_version():
    page = page_text("intro.html")
    text = " ".join(visible_text(page).split())
    assert f"(version {crossent.__version__})" in text
    assert f"This is version {crossent.__version__} of the book" in text
    code = visible_text(page, sep="")
    assert f"note         = {{Version {crossent.__version__}}}" in code
    assert "@misc{crossent_book," in code


def test_errata_page_shows_the_version_and_how_to_report():
    page = page_text("errata.html")
    text = " ".join(visible_text(page).split())
    assert f"this page is version {crossent.__version__}" in text
    for item in ("The page", "The version", "The cell", "What you expected"):
        assert item in text, f"the errata page does not ask for {item.lower()}"
    assert 'href="https://github.com/crossent-book/crossent/issues"' in page


def test_study_guide_has_every_chapter_with_a_measured_run_time():
    page = page_text("study_guide.html")
    seconds, _ = study_guide.run_times()
    for c in study_guide.chapters():
        assert f'href="chapters/{c.path.stem}.html' in page, f"no link to {c.path.stem}"
        assert c.path.name in seconds, f"{c.path.name} has no measured run time"
    assert "not measured" not in visible_text(page)


def test_study_guide_links_every_core_exercise():
    page = page_text("study_guide.html")
    for c in study_guide.chapters():
        for e in c.core_exercises:
            assert f"#{e.label}" in page, f"the study guide does not link {e.label}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_core_exercises_are_marked_core_on_their_page(path):
    page = page_text(f"chapters/{path.stem}.html")
    marked = {
        label
        for classes, label in re.findall(r'<div class="(exercise[^"]*)" id="([^"]+)"', page)
        if "core" in classes.split()
    }
    expected = {e.label for e in study_guide.chapter(path).core_exercises}
    assert marked == expected
