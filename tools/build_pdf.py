"""Build the book as one PDF, _build/pdf/crossent-book.pdf, from the same sources as the site.

Usage: python tools/build_pdf.py   (`make pdf`; the test command runs it after the book stage)

TeX Live would be gigabytes; Chromium is already needed for the browser tests. So the book is
built with Sphinx's `singlehtml` builder into _build/pdf-html (one page holding every chapter
and back-matter page in the order of _toc.yml, arranged as a book by _ext/print_book.py), that
page is served on 127.0.0.1 and printed by headless Chromium through Playwright:

1. build the single page, with zero warnings (as the site: -W -n, every page re-read);
2. open it; wait for MathJax to typeset every formula and for every image to load;
3. add a title page (title, crossent's version, the date) and open every <details> (deep
   dives, hidden code cells, exercise solutions), so that nothing is folded away on paper;
4. print it on A4 with the book's print stylesheet (_static/print.css), page numbers in the
   footer, PDF bookmarks from the headings and a tagged (accessible) PDF;
5. read in the printed PDF on which page each part and chapter starts, write the page numbers
   into the table of contents and print once more (the numbers take no extra line, so the
   pages do not move; this is checked);
6. copy the PDF into _build/html, beside the site's pages, so the front page's link to it works.

Prints the time each step took, the page count and the size. The date on the title page is
today's, or that of SOURCE_DATE_EPOCH when it is set (a reproducible build).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import shutil
import sys
import time
from io import BytesIO
from pathlib import Path
from urllib.parse import urlparse

from local_server import serve  # tools/, this script's directory

ROOT = Path(__file__).resolve().parents[1]
SINGLE_HTML = ROOT / "_build" / "pdf-html"
DOCTREES = ROOT / "_build" / ".pdf-doctrees"  # not the site's: the two builds must not mix
PDF = ROOT / "_build" / "pdf" / "crossent-book.pdf"
SITE_COPY = ROOT / "_build" / "html" / PDF.name  # what the front page links to
CHROMIUM = os.environ.get("CROSSENT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
CHROMIUM_ARGS += ["--disable-background-networking", "--disable-component-update"]
SKIPPED = 77  # the exit code that tools/run_checks.py reports as a skipped stage
TIMEOUT_MS = 120_000  # one step in the browser; a loaded machine is slow

TITLE = "From Entropy to Cross-Entropy"
HEADER = f"""<div style="font-size:8px;width:100%;padding:0 16mm;color:#666;
  font-family:sans-serif;text-align:right">{TITLE}</div>"""
FOOTER = """<div style="font-size:9px;width:100%;text-align:center;color:#444;
  font-family:sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span>
  </div>"""
MARGIN = {"top": "16mm", "bottom": "16mm", "left": "16mm", "right": "16mm"}

PRINT_VIEWPORT = {"width": 673, "height": 1001}  # 178 x 265 mm, in CSS pixels
# A code cell, output, table or box shorter than this (CSS pixels, about a third of a page) is
# kept on one page; a longer one may break across two.
KEEP_SELECTOR = "div.cell_input, div.cell_output, table, div.admonition, div.proof, div.cell"
KEEP_HEIGHT = 320

# Make the page ready to print: typeset maths, loaded images, a title page, everything open;
# then list what is wider than the printed text (it would be cut off at the paper's edge).
PREPARE_JS = """async ({title, subtitle, version, date, keepSelector, keepHeight}) => {
  const WIDE_SELECTOR = "pre, img, table, div.math, mjx-container[display='true'], .cell_output";
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  document.documentElement.classList.add("book-pdf");
  const article = document.querySelector("article.bd-article");
  const page = document.createElement("section");
  page.className = "title-page";
  const line = (tag, cls, text) => {
    const el = document.createElement(tag);
    el.className = cls; el.textContent = text; page.appendChild(el);
  };
  line("p", "book-title", title);
  line("p", "book-subtitle", subtitle);
  line("p", "book-version", `crossent ${version}`);
  line("p", "book-date", date);
  article.prepend(page);
  for (const details of document.querySelectorAll("details")) { details.open = true; }
  const images = [...document.images];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await document.fonts.ready;
  for (const el of document.querySelectorAll(keepSelector)) {
    if (el.getBoundingClientRect().height < keepHeight) { el.classList.add("print-keep"); }
  }
  const column = article.getBoundingClientRect().right;
  const wide = [...article.querySelectorAll(WIDE_SELECTOR)].filter((el) =>
    el.getBoundingClientRect().right > column + 1 || el.scrollWidth > el.clientWidth + 1);
  return {
    overflowing: wide.map((el) => `${el.tagName} in #${el.closest("section").id}: ` +
                                  el.textContent.replace(/\\s+/g, " ").trim().slice(0, 60)),
    images: images.length,
    broken: images.filter((img) => !img.naturalWidth).map((img) => img.getAttribute("src")),
    untypeset: [...document.querySelectorAll("span.math, div.math")]
      .filter((el) => !el.querySelector("mjx-container")).length,
    closed: [...document.querySelectorAll("details")].filter((d) => !d.open).length,
  };
}"""

# Write each chapter's first page into the table of contents (after the first printing).
PAGE_NUMBERS_JS = """(pages) => {
  let done = 0;
  for (const link of document.querySelectorAll("ul.book-toc a.reference")) {
    const id = link.getAttribute("href").slice(1);
    if (!(id in pages)) continue;
    let number = link.parentElement.querySelector("span.toc-page");
    if (!number) {
      number = document.createElement("span");
      number.className = "toc-page";
      link.parentElement.appendChild(number);
    }
    number.textContent = pages[id];
    done += 1;
  }
  return done;
}"""

# Every heading that is printed, as a reader sees its text (Chromium bookmarks each of them).
HEADINGS_JS = """() => [...document.querySelectorAll("article :is(h1, h2, h3, h4, h5, h6)")]
  .filter((h) => h.getClientRects().length)
  .map((h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    return copy.textContent.replace(/\\s+/g, " ").trim();
  })"""

# Where each part and chapter starts, as element ids in the order of the table of contents.
TOC_TARGETS_JS = """() => [...document.querySelectorAll("ul.book-toc a.reference")].map((a) => ({
  id: a.getAttribute("href").slice(1), title: a.textContent.trim(),
  depth: a.closest("li").classList.contains("toc-part") ? 0 : 1,
}))"""


def log(message: str) -> None:
    print(f"build_pdf: {message}", flush=True)


def version() -> str:
    """crossent.__version__, read as text: the build needs no import of the package."""
    text = (ROOT / "lib" / "crossent" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', text, re.MULTILINE)
    if match is None:
        raise SystemExit("build_pdf: no __version__ in lib/crossent/__init__.py")
    return match.group(1)


def build_date() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    day = dt.datetime.fromtimestamp(int(epoch), dt.UTC) if epoch else dt.datetime.now(dt.UTC)
    return day.strftime("%-d %B %Y")


def subtitle() -> str:
    """The front page's first line of text, its italic subtitle."""
    for line in (ROOT / "intro.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("*") and line.endswith("*"):
            return line.strip("*")
    return ""


def build_single_html() -> None:
    """The whole book as one page, with the site's strictness: any warning fails the build."""
    from jupyter_book.sphinx import build_sphinx

    if SINGLE_HTML.exists():
        shutil.rmtree(SINGLE_HTML)
    result = build_sphinx(
        ROOT,
        SINGLE_HTML,
        doctreedir=DOCTREES,
        use_external_toc=True,
        noconfig=True,
        path_config=str(ROOT / "_config.yml"),
        confoverrides={  # what `jupyter-book build -n` passes
            "external_toc_path": (ROOT / "_toc.yml").as_posix(),
            "latex_individualpages": False,
            "nitpicky": True,
        },
        builder="singlehtml",
        warningiserror=True,
        keep_going=True,
        freshenv=True,
        quiet=True,
    )
    if result != 0:
        raise SystemExit(f"build_pdf: the singlehtml build failed or warned ({result})")


def chapter_pages(pdf: bytes, targets: list[dict]) -> dict[str, int]:
    """{element id: first page} for each part and chapter, from the PDF's bookmarks.

    Chromium makes a bookmark of every heading: the parts at the top level, their chapters one
    level down. A part or chapter is the first bookmark with its title at its level.
    """
    from pypdf import PdfReader

    reader = PdfReader(BytesIO(pdf))
    found: dict[tuple[int, str], int] = {}

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                page = reader.get_destination_page_number(item) + 1
                found.setdefault((depth, item.title.strip()), page)

    walk(reader.outline, 0)
    pages = {}
    for target in targets:
        key = (target["depth"], target["title"])
        if key not in found:
            raise SystemExit(f"build_pdf: no bookmark {key} in the PDF's outline")
        pages[target["id"]] = found[key]
    return pages


def normal(text: str) -> str:
    """The text without its spaces, in one case (a part's heading is printed in capitals)."""
    return "".join(text.split()).casefold()


def fix_outline(pdf: bytes, headings: list[str]) -> bytes:
    """The PDF with each bookmark titled exactly as its heading.

    Chromium 156 makes one bookmark per heading, in order, but titles it from the heading's
    laid-out lines: the space at a line break is lost ("cross-entropy pernode") and a heading
    moved to the next page by `break-after: avoid` may have its first line twice ("ChecksChecks").
    The headings' own text, in the same order, replaces those titles; a bookmark that does not
    match its heading even loosely stops the build, since the order would then be wrong.

    The new titles are appended as an incremental update (PDF 1.7, section 7.5.6): the bookmark
    objects again, a cross-reference section for them and a trailer pointing back to the old
    one. Rewriting the whole file with pypdf would read its 90,000 objects, which takes longer.
    """
    from pypdf import PdfReader
    from pypdf.generic import NameObject, TextStringObject

    # Chromium's trailer undercounts the objects of a tagged PDF; pypdf says so and copes.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    reader = PdfReader(BytesIO(pdf))
    items = []  # (reference, bookmark dictionary), in the order of the headings

    def walk(reference) -> None:
        while reference is not None:
            item = reference.get_object()
            items.append((reference, item))
            if "/First" in item:
                walk(item.raw_get("/First"))
            reference = item.raw_get("/Next") if "/Next" in item else None

    outlines = reader.trailer["/Root"].get("/Outlines")
    if outlines is not None and "/First" in outlines.get_object():
        walk(outlines.get_object().raw_get("/First"))
    if len(items) != len(headings):
        raise SystemExit(f"build_pdf: {len(items)} bookmarks for {len(headings)} headings")
    update, offsets = BytesIO(), []
    update.write(b"\n")
    for (reference, item), heading in zip(items, headings, strict=True):
        title, true = normal(str(item["/Title"])), normal(heading)
        if not (title in true or true in title or title[:12] == true[:12]):
            raise SystemExit(f"build_pdf: bookmark {item['/Title']!r} is not heading {heading!r}")
        if str(item["/Title"]) == heading:
            continue
        item[NameObject("/Title")] = TextStringObject(heading)
        offsets.append((reference.idnum, reference.generation, len(pdf) + update.tell()))
        update.write(f"{reference.idnum} {reference.generation} obj\n".encode())
        item.write_to_stream(update)
        update.write(b"\nendobj\n")
    if not offsets:
        return pdf
    xref = len(pdf) + update.tell()
    update.write(b"xref\n")
    for number, generation, offset in offsets:
        update.write(f"{number} 1\n{offset:010d} {generation:05d} n\r\n".encode())
    size = max(int(reader.trailer["/Size"]), *(n + 1 for g in reader.xref.values() for n in g))
    previous = int(pdf[pdf.rindex(b"startxref") :].split()[1])
    trailer = reader.trailer.get_object()
    update.write(f"trailer\n<< /Size {size} /Prev {previous} ".encode())
    for key in ("/Root", "/Info"):
        if key in trailer:
            reference = trailer.raw_get(key)
            update.write(f"{key} {reference.idnum} {reference.generation} R ".encode())
    update.write(f">>\nstartxref\n{xref}\n%%EOF\n".encode())
    return pdf + update.getvalue()


def failed_response(response, problems: list[str]) -> None:
    # The singlehtml builder writes no search index, and the theme asks for one all the same:
    # that 404 costs the printed page nothing.
    if response.status >= 400 and not response.url.endswith("/searchindex.js"):
        problems.append(f"HTTP {response.status} for {response.url}")


def print_pdf() -> bytes:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []

    def route(request_route):
        if urlparse(request_route.request.url).hostname == "127.0.0.1":
            request_route.continue_()
        else:  # the book must print offline, as it reads offline
            problems.append(f"request to another host: {request_route.request.url}")
            request_route.abort("blockedbyclient")

    with serve(SINGLE_HTML, name="pdf-server") as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS, timeout=60_000
        )
        try:
            # As wide as the printed text (A4 less the margins), laid out for print, so that
            # the heights measured for KEEP_HEIGHT are those on paper.
            page = browser.new_page(viewport=PRINT_VIEWPORT)
            page.emulate_media(media="print")
            page.set_default_timeout(TIMEOUT_MS)
            page.route("**/*", route)
            page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
            page.on("response", lambda r: failed_response(r, problems))
            start = time.perf_counter()
            page.goto(url + "intro.html", wait_until="load")
            page.wait_for_function("() => window.MathJax && MathJax.startup")
            state = page.evaluate(
                PREPARE_JS,
                {
                    "title": TITLE,
                    "subtitle": subtitle(),
                    "version": version(),
                    "date": build_date(),
                    "keepSelector": KEEP_SELECTOR,
                    "keepHeight": KEEP_HEIGHT,
                },
            )
            log(
                f"page ready in {time.perf_counter() - start:.1f} s: {state['images']} images, "
                f"every formula typeset and every <details> open"
            )
            if state["overflowing"]:  # on paper, what is wider than the text is cut off
                problems.append(f"wider than the page's text: {state['overflowing']}")
            if state["broken"] or state["untypeset"] or state["closed"]:
                problems.append(f"not ready to print: {state}")
            if problems:
                raise SystemExit("build_pdf: " + "\n".join(dict.fromkeys(problems)))
            options = dict(
                format="A4",
                print_background=True,
                outline=True,
                tagged=True,
                display_header_footer=True,
                header_template=HEADER,
                footer_template=FOOTER,
                margin=MARGIN,
            )
            start = time.perf_counter()
            headings = page.evaluate(HEADINGS_JS)
            targets = page.evaluate(TOC_TARGETS_JS)
            first = fix_outline(page.pdf(**options), headings)
            pages = chapter_pages(first, targets)
            page.evaluate(PAGE_NUMBERS_JS, pages)
            final = fix_outline(page.pdf(**options), headings)
            if chapter_pages(final, targets) != pages:
                raise SystemExit("build_pdf: the page numbers moved the chapters; see print.css")
            seconds = time.perf_counter() - start
            log(f"printed twice (the second with page numbers) in {seconds:.1f} s")
            return final
        finally:
            browser.close()


def main() -> int:
    os.chdir(ROOT)
    if not os.access(CHROMIUM, os.X_OK):
        # As the browser tests: skipped where there is no Chromium, a failure under CI=true.
        log(f"no Chromium at {CHROMIUM}, so no PDF: sudo apt-get install chromium")
        return 1 if os.environ.get("CI", "").strip().lower() == "true" else SKIPPED
    began = time.perf_counter()
    build_single_html()
    log(f"singlehtml build in {time.perf_counter() - began:.1f} s, zero warnings")
    pdf = print_pdf()
    PDF.parent.mkdir(parents=True, exist_ok=True)
    PDF.write_bytes(pdf)
    if SITE_COPY.parent.is_dir():
        shutil.copy2(PDF, SITE_COPY)
    from pypdf import PdfReader

    count = len(PdfReader(PDF).pages)
    log(
        f"{PDF.relative_to(ROOT)}: {count} pages, {PDF.stat().st_size / 1e6:.1f} MB, "
        f"in {time.perf_counter() - began:.1f} s"
        + (f"; copied to {SITE_COPY.relative_to(ROOT)}" if SITE_COPY.exists() else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
