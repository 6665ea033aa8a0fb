"""The printed book, _build/pdf/crossent-book.pdf, read back with pypdf.

tools/build_pdf.py (the test command's pdf stage, or `make pdf`) prints it with headless
Chromium. A reader of the PDF must find what a reader of the site finds: every chapter, with
a bookmark where it starts; the numbers the code computed; typeset maths, never raw TeX; every
figure; the solutions and deep dives open; page numbers; the glossary's Chinese terms as text
(a font without them would print empty boxes, which extract as nothing). The front page links
to the PDF beside the site's pages, so the built site must hold it.

Without the PDF these tests are skipped with the reason, as the browser tests are without
Chromium; with CI=true a missing PDF is a failure.
"""

from __future__ import annotations

import html
import logging
import os
import re
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PDF = ROOT / "_build" / "pdf" / "crossent-book.pdf"
SINGLE_HTML = ROOT / "_build" / "pdf-html" / "intro.html"
SITE = ROOT / "_build" / "html"
GLUE = re.compile(r"\{glue(?::text)?\}`([A-Za-z_]\w*):(\.\d+f)`")
GLUE_PREFIX = "application/papermill.record/"
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
RAW_TEX = re.compile(r"\\frac|\$\$|\\begin\{|\\\(|\\\[")
GLUED_PER_CHAPTER = 3


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() == "true"


def require(path: Path) -> None:
    if path.is_file():
        return
    problem = f"{path.relative_to(ROOT)} is missing"
    if in_ci():
        pytest.fail(f"{problem} and CI=true: the pdf stage (tools/build_pdf.py) must make it")
    pytest.skip(f"PDF tests skipped: {problem}; run `make pdf` (needs Debian's chromium)")


def compact(text: str) -> str:
    """Text without spaces or line breaks, ligatures undone: what survives any line wrapping."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def source_file(name: str) -> Path:
    notebook = ROOT / f"{name}.ipynb"
    return notebook if notebook.is_file() else ROOT / f"{name}.md"


def markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        return "\n".join(c.source for c in cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def chapter_titles() -> list[str]:
    """The first heading of every chapter and back-matter page in _toc.yml, in order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    titles = []
    for part in toc["parts"]:
        for chapter in part["chapters"]:
            match = re.search(r"^# (.+)$", markdown(source_file(chapter["file"])), re.MULTILINE)
            titles.append(match.group(1).strip())
    return titles


def glued_numbers() -> dict[str, list[str]]:
    """{chapter: [number as the text shows it, ...]}: a few glued values of every chapter.

    The values are those stored in the notebook's glue outputs, formatted as the text formats
    them (`{glue:text}`name:.4f``); only formats with three or more decimals are taken, so a
    number cannot be found in the PDF by chance.
    """
    found = {}
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        values = {}
        for cell in nb.cells:
            for out in cell.get("outputs", []):
                name = out.get("metadata", {}).get("scrapbook", {}).get("name")
                text = out.get("data", {}).get(GLUE_PREFIX + "text/plain")
                if name and text:
                    values[name] = text
        shown = []
        for name, spec in GLUE.findall(markdown(path)):
            if int(spec[1:-1]) >= 3 and name in values:
                try:
                    number = format(float(values[name]), spec)
                except ValueError:
                    continue
                if number not in shown:
                    shown.append(number)
        found[path.stem] = shown[:GLUED_PER_CHAPTER]
    return found


@pytest.fixture(scope="module")
def reader():
    require(PDF)
    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # Chromium's trailer undercounts
    return PdfReader(PDF)


@pytest.fixture(scope="module")
def pages(reader) -> list[str]:
    return [page.extract_text() or "" for page in reader.pages]


@pytest.fixture(scope="module")
def book_text(pages) -> str:
    return compact("".join(pages))


@pytest.fixture(scope="module")
def single_html() -> str:
    require(SINGLE_HTML)
    return SINGLE_HTML.read_text(encoding="utf-8")


def bookmarks(reader) -> list[tuple[int, str, int]]:
    """(depth, title, page number from 1) of every bookmark, in order."""
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def missing(needles: list[str], text: str) -> list[str]:
    return [needle for needle in needles if compact(needle) not in text]


def unnumbered(pages: list[str]) -> list[int]:
    """The pages whose text lacks the footer "n / N"."""
    total = len(pages)
    return [n for n, text in enumerate(pages, 1) if f"{n} / {total}" not in text]


def test_every_chapter_has_a_bookmark_on_the_page_where_it_starts(reader, pages):
    marks = {title: page for depth, title, page in bookmarks(reader) if depth == 1}
    titles = chapter_titles()
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert len(titles) == sum(len(part["chapters"]) for part in toc["parts"]) > 12, titles
    absent = [title for title in titles if title not in marks]
    assert not absent, f"chapters without a bookmark: {absent}"
    wrong = [t for t in titles if compact(t) not in compact(pages[marks[t] - 1])]
    assert not wrong, f"bookmarks that point to a page without the chapter's title: {wrong}"
    starts = [marks[title] for title in titles]
    assert starts == sorted(starts), "the chapters are not in the order of _toc.yml"


def test_the_text_has_every_chapter_title_and_the_table_of_contents(pages, book_text):
    assert not missing(chapter_titles(), book_text)
    contents = next((text for text in pages[:6] if "Contents" in text), "")
    assert not missing(chapter_titles(), compact(contents)), "the table of contents is incomplete"


def test_glued_numbers_are_printed(book_text):
    numbers = glued_numbers()
    assert sum(len(v) for v in numbers.values()) >= 20, numbers
    absent = {chapter: missing(v, book_text) for chapter, v in numbers.items()}
    absent = {chapter: v for chapter, v in absent.items() if v}
    assert not absent, f"glued numbers not in the PDF's text: {absent}"


def test_no_raw_tex_is_left(pages):
    raw = [(n, m.group(0)) for n, text in enumerate(pages, 1) for m in RAW_TEX.finditer(text)]
    assert not raw, f"raw TeX on pages (page, TeX): {raw[:10]}"


def test_every_figure_is_in_the_pdf(reader, single_html):
    sources = set(re.findall(r'<img\b[^>]*?\bsrc="([^"]+)"', single_html))
    assert len(sources) >= 30, f"only {len(sources)} images in the single-page build"
    images = set()
    for page in reader.pages:
        xobjects = page.get("/Resources", {}).get("/XObject", {})
        for ref in xobjects.get_object().values() if xobjects else []:
            if ref.get_object().get("/Subtype") == "/Image":
                images.add(ref.idnum)
    assert len(images) >= len(sources), f"{len(images)} images in the PDF, {len(sources)} figures"


def test_every_page_is_numbered(pages):
    assert len(pages) > 100
    assert not unnumbered(pages), f"pages without 'n / N': {unnumbered(pages)[:10]}"


def test_the_glossary_chinese_terms_are_text(book_text):
    terms = sorted(set(CJK.findall((ROOT / "glossary.md").read_text(encoding="utf-8"))))
    assert len(terms) > 100, terms[:5]
    absent = missing(terms, book_text)
    assert not absent, f"{len(absent)} Chinese terms not extractable: {absent[:10]}"


def opening_words(fragment: str) -> str:
    """The plain text at the start of an HTML fragment, up to its first formula."""
    fragment = re.split(r'<span class="math|<div class="math|\\\(', fragment)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()[:40]


def test_solutions_and_deep_dives_are_printed_open(single_html, book_text):
    solutions = re.findall(
        r'<div class="solution dropdown admonition"[^>]*>.*?<section id="solution-content">\s*'
        r"<p>(.*?)</p>",
        single_html,
        re.DOTALL,
    )
    dives = re.findall(
        r'<details class="deep-dive"><summary>[^<]*</summary>\s*<p>(.*?)</p>', single_html, re.S
    )
    assert len(solutions) >= 40 and len(dives) >= 40, (len(solutions), len(dives))
    openings = [w for w in map(opening_words, solutions + dives) if len(w) >= 15]
    assert len(openings) >= 60
    absent = missing(openings, book_text)
    assert not absent, f"{len(absent)} solutions or deep dives not in the PDF: {absent[:5]}"


def test_the_site_links_to_the_pdf_and_holds_it(reader):
    front = SITE / "intro.html"
    if not front.is_file():
        pytest.skip("the site is not built: run `make book`")
    assert 'href="crossent-book.pdf"' in front.read_text(encoding="utf-8")
    copy = SITE / PDF.name
    assert copy.is_file(), "the front page links to crossent-book.pdf, which is not in the site"
    assert copy.read_bytes() == PDF.read_bytes(), "the site holds an older PDF than _build/pdf"


def test_the_checks_can_fail():
    text = compact("Shannon entropy\nand the de\ufb01nition 0.6931")
    assert missing(["Shannon entropy", "definition", "0.693"], text) == []
    assert missing(["Softmax", "0.6932"], text) == ["Softmax", "0.6932"]
    assert unnumbered(["1 / 2", "page two"]) == [2]
    assert RAW_TEX.search("a \\frac{1}{2} b") and RAW_TEX.search("x $$ y")
    assert not RAW_TEX.search("H(p) = 1.5 bits")
    html_fragment = 'Take <em>p</em> = 1/2, then <span class="math">\\(q\\)</span> is'
    assert opening_words(html_fragment) == "Take p = 1/2, then"
