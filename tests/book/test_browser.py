"""The built book, as a reader sees it: every page opened in a real (headless) Chromium.

The pages come from _build/html (the test command's book stage builds it first) and are served
on 127.0.0.1 by a thread of this test (see conftest.py). Any request to another host is aborted
and counted as a failure: the book must work offline. For every page: no console errors, no
failed requests, MathJax has typeset every formula and left no raw TeX, every image has loaded
and has alt text, and nothing (a display formula, code, an image) is wider than the text column
at 1280 px. The same page load is then resized to a tablet's 768 px and a phone's 390 px: at
every width the page must not scroll sideways (a wide formula or table scrolls inside its own
box), and on a phone long inline code may break only where _static/narrow_screens.js lets it.
axe-core audits every page at 1280 px, and again at 390 px for the rules whose outcome depends
on the width (what scrolls, the header's controls): a serious or critical violation fails the
page; the moderate and minor ones are counted in _build/test-reports/axe.txt. Chapter pages
also: the Colab launch link opens this chapter's notebook in this repository, and the first
solution dropdown opens when clicked; a full-page screenshot of each, as it first appears at
1280 px, and one at 390 px (first solution and deep dive open) go to _build/screenshots/. The
search page finds "softmax", and finds the glossary by a Chinese term in either script.

Needs Debian's chromium (`sudo apt-get install chromium`) and axe-playwright-python (pinned in
requirements.txt); without them these tests are skipped, or fail when CI=true.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"
WEIGHT_REPORT = ROOT / "_build" / "test-reports" / "browser-page-weight.txt"
AXE_REPORT = ROOT / "_build" / "test-reports" / "axe.txt"
DESKTOP, TABLET, PHONE = 1280, 768, 390  # px; conftest.py opens pages at 1280 x 900
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
sys.path.insert(0, str(ROOT / "tools"))

from chapter_template import repository  # noqa: E402
from conftest import load_axe, serve  # noqa: E402
from test_page_weight import PAGE_LIMIT  # noqa: E402


def book_pages() -> list[str]:
    """Every page of the built book, as paths relative to _build/html.

    That is each page in _toc.yml and every page Sphinx generates beside them at the top level
    (index, search, genindex, ...). Files left over in _build/html from older builds of pages
    no longer in the table of contents are not pages of the book.
    """
    if not HTML.is_dir():
        return []
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    pages = {f"{name}.html" for name in toc_files(toc)}
    pages |= {p.name for p in HTML.glob("*.html") if not p.name.startswith(("_", "."))}
    return sorted(pages)


def toc_files(node) -> list[str]:
    """The `root` and every `file` entry of a _toc.yml, in order."""
    if isinstance(node, list):
        return [name for item in node for name in toc_files(item)]
    if not isinstance(node, dict):
        return []
    names = [node[key] for key in ("root", "file") if key in node]
    return names + [name for value in node.values() for name in toc_files(value)]


PAGES = book_pages()
CHAPTER_PAGES = [p for p in PAGES if p.startswith("chapters/")]
OTHER_PAGES = [p for p in PAGES if p not in CHAPTER_PAGES]

pytestmark = pytest.mark.skipif(
    not PAGES, reason="the book is not built: run `make book` (the test command's book stage)"
)

# Text nodes inside these are code or rendered math, not prose: raw TeX there is not a failure.
NOT_PROSE = "pre, code, script, style, noscript, textarea, mjx-container, .highlight"
RAW_TEX_JS = """(notProse) => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement && node.parentElement.closest(notProse)) continue;
    const text = node.textContent;
    const m = text.match(/\\$\\$|\\\\\\(|\\\\\\)|\\\\\\[|\\\\\\]|\\\\begin\\{/);
    if (m) found.push(text.slice(Math.max(0, m.index - 40), m.index + 40).trim());
  }
  return found;
}"""
MATH_JS = """() => {
  const math = [...document.querySelectorAll("span.math, div.math")];
  return {
    total: math.length,
    untypeset: math.filter((el) => !el.querySelector("mjx-container"))
                   .map((el) => el.textContent.slice(0, 80)),
    containers: document.querySelectorAll("mjx-container").length,
  };
}"""
# What does not fit the text column at the test's 1280 px: a display formula (MathJax cannot
# break lines, so it would be cut off or scroll), a code block or output, an image, the article.
OVERFLOW_JS = """() => {
  const found = [];
  const where = (el) => { const s = el.closest("section"); return s ? s.id : "?"; };
  for (const el of document.querySelectorAll('mjx-container[display="true"]')) {
    for (const box of [el, el.closest("div.math")]) {
      if (box && box.scrollWidth > box.clientWidth + 1) {
        found.push(`display formula ${box.scrollWidth} px wide in a ${box.clientWidth} px ` +
                   `column (section #${where(el)}): split it over lines`);
        break;
      }
    }
  }
  for (const el of document.querySelectorAll("article pre, article img")) {
    if (el.scrollWidth > el.clientWidth + 1) {
      found.push(`${el.tagName.toLowerCase()} ${el.scrollWidth} px wide in ${el.clientWidth} px ` +
                 `(section #${where(el)}): ${el.textContent.trim().slice(0, 60)}`);
    }
  }
  const article = document.querySelector("article.bd-article");
  if (article && article.scrollWidth > article.clientWidth + 1) {
    found.push(`the article is ${article.scrollWidth} px wide in ${article.clientWidth} px`);
  }
  return found;
}"""
# Code cells whose source would need a wider column than the page gives it at 1280 px: the
# wrapped continuation starts at column 0 and reads like a new statement.
WRAPPED_CODE_JS = """() => {
  const wrapped = [];
  for (const pre of document.querySelectorAll("div.cell div.cell_input div.highlight pre")) {
    const clone = pre.cloneNode(true);
    Object.assign(clone.style, {whiteSpace: "pre", position: "absolute", visibility: "hidden",
                                width: "auto"});
    pre.parentNode.appendChild(clone);
    const need = clone.scrollWidth;
    clone.remove();
    if (need > pre.clientWidth + 1) {
      const longest = pre.textContent.split("\\n").reduce((a, b) => (b.length > a.length ? b : a));
      wrapped.push(`${need} px of code in ${pre.clientWidth} px: ${longest.trim().slice(0, 50)}`);
    }
  }
  return wrapped;
}"""
# What the page made the browser fetch, as decoded bytes (the same whether cached or not).
LOADED_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const res = performance.getEntriesByType("resource");
  const bytes = (entries) => entries.reduce((sum, e) => sum + (e.decodedBodySize || 0), 0);
  const images = res.filter((e) => e.initiatorType === "img");
  return {html: nav.decodedBodySize, images: bytes(images), all: nav.decodedBodySize + bytes(res),
          requests: res.length + 1};
}"""
IMAGES_JS = """async () => {
  const images = [...document.images];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  return images.map((img) => ({
    src: img.getAttribute("src"), alt: img.getAttribute("alt"), width: img.naturalWidth,
  }));
}"""


# Whether the page scrolls sideways at the current width, and if so the element to blame: of
# the elements that can widen the page (not inside a box that clips or scrolls its content, not
# fixed), the one whose box or content reaches furthest right; of equal reach, the innermost
# (a paragraph reaches as far as the word that sticks out of it).
FITS_JS = """() => {
  const root = document.documentElement;
  const width = root.clientWidth;
  if (root.scrollWidth <= width + 1) return null;
  const shut = new Map();  // element -> nothing inside it can widen the page
  let best = null;
  for (const el of document.body.querySelectorAll("*")) {
    const style = getComputedStyle(el);
    const out = shut.get(el.parentElement) || style.position === "fixed" ||
                style.display === "none";
    shut.set(el, out || style.overflowX !== "visible");
    if (out) continue;
    const box = el.getBoundingClientRect();
    const reach = Math.max(box.right, box.left + el.scrollWidth) + window.scrollX;
    if (reach > width + 1 && (!best || reach > best.reach + 0.5 ||
                              (reach > best.reach - 0.5 && best.el.contains(el)))) {
      best = {el, reach};
    }
  }
  const found = {pageWidth: root.scrollWidth, width};
  if (best) {
    const el = best.el;
    Object.assign(found, {
      tag: el.tagName.toLowerCase(), cls: el.getAttribute("class") || "",
      elementWidth: Math.round(el.getBoundingClientRect().width), reach: Math.round(best.reach),
      text: el.textContent.trim().replace(/\\s+/g, " ").slice(0, 60),
    });
  }
  return found;
}"""
# Inline code outside tables that breaks between two characters narrow_screens.js did not mark:
# each piece between its <wbr>s is a text node, and one that spans two lines although it would
# fit on one was broken in the middle of a name.
CODE_BREAKS_JS = """() => {
  const bad = [];
  const range = document.createRange();
  for (const code of document.querySelectorAll("article code.docutils.literal")) {
    if (code.closest("table") || !code.checkVisibility()) continue;
    const column = code.parentElement.closest("p, li, dd, dt, figcaption, div");
    const room = column ? column.getBoundingClientRect().width : Infinity;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.data.trim()) continue;
      range.selectNodeContents(node);
      const boxes = [...range.getClientRects()].filter((r) => r.width > 0);
      const lines = new Set(boxes.map((r) => Math.round(r.top)));
      const wide = boxes.reduce((sum, r) => sum + r.width, 0);
      if (lines.size > 1 && wide <= room) {
        bad.push(`${JSON.stringify(node.data)} in ${JSON.stringify(code.textContent.trim())}`);
      }
    }
  }
  return bad;
}"""
# axe-core's rules whose outcome can change with the width of the screen: a box that scrolls
# only on a phone must be reachable by keyboard, and the header's buttons, hidden at 960 px and
# wider (_static/custom.css), show. All the rules run at 1280 px.
NARROW_RULES = [
    "scrollable-region-focusable",
    "button-name",
    "link-name",
    "aria-hidden-focus",
    "nested-interactive",
]
SERIOUS = {"serious", "critical"}


def audit(axe, page, rules: list[str] | None = None) -> tuple[list[str], Counter]:
    """axe-core's audit of the page as it is now (all its rules, or only `rules`).

    Returns a description of each serious or critical violation, with up to three of the
    elements at fault and what is wrong with each, and how many elements violate each rule of
    moderate or minor impact ("rule (impact)": count).
    """
    # Not "cssom" in `preload`: axe-core 4.12 fetches a stylesheet's @import ("../basic.css" in
    # the theme's styles/theme.css) relative to the page instead of the stylesheet, a 404 the
    # page checks count. The CSSOM serves one rule only, css-orientation-lock, which is
    # experimental and off by default (and the book's CSS has no orientation query).
    options: dict = {"resultTypes": ["violations"], "preload": {"assets": ["media"]}}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    serious, lesser = [], Counter()
    for violation in axe.run(page, options=options).response["violations"]:
        nodes = violation["nodes"]
        if violation["impact"] not in SERIOUS:
            lesser[f"{violation['id']} ({violation['impact']})"] += len(nodes)
            continue
        where = "; ".join(
            f"{' '.join(map(str, node['target']))}: "
            + " ".join(node.get("failureSummary", "").splitlines()[1:2]).strip()
            for node in nodes[:3]
        )
        serious.append(
            f"{violation['id']} ({violation['impact']}, {len(nodes)} elements): "
            f"{violation['help']}. {where}"
        )
    return serious, lesser


@dataclass
class Visit:
    """A page opened in the browser, and everything that went wrong while it loaded."""

    page: object
    problems: list[str] = field(default_factory=list)

    def assert_no_problems(self) -> None:
        assert not self.problems, "\n".join(dict.fromkeys(self.problems))  # each once, in order


def open_page(context, url: str) -> Visit:
    page = context.new_page()
    visit = Visit(page)
    problems = visit.problems

    def route(route):
        host = urlparse(route.request.url).hostname
        if host in LOCAL_HOSTS:
            route.continue_()
        else:
            problems.append(
                f"request to another host (the book must work offline): {route.request.url}"
            )
            route.abort("blockedbyclient")

    page.route("**/*", route)
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(f"console error: {m.text} at {m.location}"),
    )
    page.on("pageerror", lambda e: problems.append(f"uncaught JavaScript error: {e}"))
    page.on(
        "requestfailed",
        lambda r: problems.append(f"request failed: {r.url} ({r.failure})"),
    )
    page.on(
        "response",
        lambda r: r.status >= 400 and problems.append(f"HTTP {r.status} for {r.url}"),
    )
    page.goto(url, wait_until="load")
    return visit


def settle(visit: Visit, source: str) -> None:
    """Wait for a meta-refresh redirect, for MathJax's first typeset and for the network."""
    page = visit.page
    redirect = re.search(r'http-equiv="Refresh" content="0; url=([^"]+)"', source, re.IGNORECASE)
    if redirect:
        page.wait_for_url(urljoin(page.url, redirect.group(1)))
        page.wait_for_load_state("load")
    if page.evaluate("() => 'MathJax' in window"):
        page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("() => MathJax.startup.promise.then(() => true)")
    page.wait_for_load_state("networkidle")


@pytest.fixture
def visit(browser_context, site_url):
    visits = []

    def _open(path: str) -> Visit:
        visits.append(open_page(browser_context, site_url + path))
        return visits[-1]

    yield _open
    for v in visits:
        v.page.close()


def test_the_book_has_the_pages_a_reader_expects():
    expected = {"index.html", "intro.html", "notation.html", "bibliography.html", "search.html"}
    assert expected <= set(PAGES)
    assert CHAPTER_PAGES, "the table of contents lists no chapter"
    missing = [page for page in PAGES if not (HTML / page).is_file()]
    assert not missing, f"pages in _toc.yml that were not built: {missing}"


def check_page(v: Visit, source: str) -> None:
    """What every page must do: typeset all its math, leave no raw TeX, load every image, fit.

    Problems are added to the visit's, so that one failure reports everything wrong with a page.
    """
    page, problems = v.page, v.problems
    math = page.evaluate(MATH_JS)
    if 'class="math' in source:
        if not page.evaluate("() => 'MathJax' in window"):
            problems.append("the page has math but MathJax is not loaded")
        elif not (math["total"] and math["containers"]):
            problems.append("MathJax rendered nothing")
        if math["untypeset"]:
            problems.append(f"formulas left untypeset: {math['untypeset']}")
    problems.extend(f"does not fit the page: {item}" for item in page.evaluate(OVERFLOW_JS))
    raw = page.evaluate(RAW_TEX_JS, NOT_PROSE)
    if raw:
        problems.append(f"raw TeX left in the text: {raw}")
    for img in page.evaluate(IMAGES_JS):
        if not img["width"]:
            problems.append(f"image did not load: {img['src']}")
        if not (img["alt"] or "").strip():
            problems.append(f"image without alt text: {img['src']}")


def describe_overflow(wide: dict) -> str:
    what = f"at {wide['width']} px the page is {wide['pageWidth']} px wide and scrolls sideways"
    if "tag" not in wide:
        return what
    cls = f' class="{wide["cls"]}"' if wide["cls"] else ""
    return (
        f"{what}; the widest element is <{wide['tag']}{cls}>, {wide['elementWidth']} px wide, "
        f"reaching {wide['reach']} px: {wide['text']!r}"
    )


def check_widths(v: Visit, axe, screenshot: Path | None = None) -> None:
    """The page at 1280, 768 and 390 px: it never scrolls sideways, and on the phone inline code
    breaks only at the places narrow_screens.js marks and axe finds nothing serious in what
    depends on the width. Leaves the page at 390 px (`screenshot`: a full-page one there).

    The page is resized, not loaded again: the browser lays it out afresh for the new width (CSS
    media queries and all), which is what a fresh load at that width showed too, at a fraction
    of the time.
    """
    page, problems = v.page, v.problems
    for width, height in ((DESKTOP, 900), (TABLET, 1024), (PHONE, 844)):
        page.set_viewport_size({"width": width, "height": height})
        wide = page.evaluate(FITS_JS)
        if wide:
            problems.append(describe_overflow(wide))
    resized = time.monotonic()
    problems.extend(
        f"at {PHONE} px inline code breaks inside a name: {item}"
        for item in page.evaluate(CODE_BREAKS_JS)
    )
    if screenshot is not None:
        screenshot.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(screenshot), full_page=True)
    if axe is not None:
        # pydata-sphinx-theme gives a table or output that scrolls at the new width its
        # tabindex 300 ms after the resize.
        page.wait_for_timeout(max(0, 400 - 1000 * (time.monotonic() - resized)))
        serious, _ = audit(axe, page, NARROW_RULES)
        problems.extend(f"axe at {PHONE} px: {item}" for item in serious)


@pytest.fixture(scope="session")
def auditor():
    """axe-core for the page tests, or None: test_axe_core_is_installed then skips or fails."""
    return load_axe()


def worker_file(path: Path) -> Path:
    """`path`, or under pytest-xdist (the test command runs this file on two workers) one file
    per worker, axe.gw0.txt, axe.gw1.txt, ..., so that no worker overwrites another's lines."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return path.with_name(f"{path.stem}.{worker}{path.suffix}") if worker else path


@pytest.fixture(scope="module")
def axe_report():
    """Each page's moderate and minor axe-core violations, written when the module is done."""
    pages: dict[str, Counter] = {}
    yield pages
    if pages:
        AXE_REPORT.parent.mkdir(parents=True, exist_ok=True)
        lines = [
            "axe-core's moderate and minor violations on each page at 1280 px (rule (impact):"
            " elements); a serious or critical one fails the browser test"
        ]
        for path in sorted(pages):
            counts = ", ".join(f"{rule}: {n}" for rule, n in sorted(pages[path].items()))
            lines.append(f"{path:<36} {counts or 'none'}")
        worker_file(AXE_REPORT).write_text("\n".join(lines) + "\n", encoding="utf-8")


def audit_page(v: Visit, axe, path: str, report: dict) -> None:
    """axe-core's full audit of the page as it first appears at 1280 px."""
    if axe is None:
        return
    serious, lesser = audit(axe, v.page)
    v.problems.extend(f"axe at {DESKTOP} px: {item}" for item in serious)
    report[path] = lesser


def test_axe_core_is_installed(axe):
    """Without axe-playwright-python the page tests run without their audit: say so here."""
    assert axe is not None


@pytest.mark.parametrize("path", OTHER_PAGES)
def test_page_loads_offline_with_math_and_images(visit, auditor, axe_report, path):
    """Every page: the checks of check_page() and check_widths(), and axe-core's audit."""
    source = (HTML / path).read_text(encoding="utf-8")
    v = visit(path)
    settle(v, source)
    check_page(v, source)
    audit_page(v, auditor, path, axe_report)
    check_widths(v, auditor)
    v.assert_no_problems()


@pytest.fixture(scope="module")
def weights():
    """Lines of the browser's page-weight report, written when the module's tests are done."""
    lines: list[str] = []
    yield lines
    if lines:
        WEIGHT_REPORT.parent.mkdir(parents=True, exist_ok=True)
        header = "what a first visit to each chapter page loads (decoded bytes, every request)"
        report = worker_file(WEIGHT_REPORT)
        report.write_text("\n".join([header, *sorted(lines)]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("path", CHAPTER_PAGES, ids=[Path(p).stem for p in CHAPTER_PAGES])
def test_chapter_page_loads_offline_launches_in_colab_and_opens_solutions(
    visit, weights, auditor, axe_report, path
):
    """A chapter page passes every check of the other pages, and these as well."""
    stem = Path(path).stem
    source = (HTML / path).read_text(encoding="utf-8")
    v = visit(path)
    settle(v, source)
    page = v.page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"), full_page=True)
    check_page(v, source)
    v.problems.extend(f"a code line wraps: {item}" for item in page.evaluate(WRAPPED_CODE_JS))
    audit_page(v, auditor, path, axe_report)
    loaded = page.evaluate(LOADED_JS)
    weights.append(
        f"{stem:<20} HTML + images {(loaded['html'] + loaded['images']) / 1e6:5.2f} MB, "
        f"everything {loaded['all'] / 1e6:5.2f} MB in {loaded['requests']} requests"
    )
    assert loaded["html"] + loaded["images"] < PAGE_LIMIT, f"{stem}: page and images over 2 MB"

    url, branch = repository()
    repo = url.removeprefix("https://github.com/")
    expected = (
        f"https://colab.research.google.com/github/{repo}/blob/{branch}/chapters/{stem}.ipynb"
    )
    colab = page.eval_on_selector_all(
        "a[href*='colab.research.google.com']", "(links) => links.map((a) => a.href)"
    )
    assert colab, "no Colab launch link on the page"
    assert set(colab) == {expected}, f"Colab links {colab}, expected {expected}"

    solution = page.locator(".solution.dropdown").first
    assert solution.count() == 1, "no solution dropdown on the page"
    body = solution.locator(":scope > :not(.admonition-title)").first
    assert not body.is_visible(), "the first solution is open before it is clicked"
    solution.locator(".admonition-title button.toggle-button").click()
    body.wait_for(state="visible", timeout=5_000)
    assert body.inner_text().strip(), "the opened solution is empty"

    # Deep dives (_ext/deep_dive.py) are folded when the page opens and open on a click.
    deep_dives = page.locator("details.deep-dive")
    opened = page.evaluate(
        "() => [...document.querySelectorAll('details.deep-dive')].filter(d => d.open).length"
    )
    assert opened == 0, f"{opened} deep dives are open before they are clicked"
    if deep_dives.count():
        first = deep_dives.first
        content = first.locator(":scope > :not(summary)").first
        assert not content.is_visible(), "a deep dive's content shows while it is closed"
        first.locator(":scope > summary").click()
        content.wait_for(state="visible", timeout=5_000)
    # Last, as it leaves the page at phone width; the opened solution and deep dive are checked too.
    check_widths(v, auditor, SCREENSHOTS / f"{stem}-{PHONE}.png")
    v.assert_no_problems()


def search_results(v: Visit) -> list[str]:
    """The links of the search page's results, once Sphinx has finished searching."""
    page = v.page
    page.wait_for_function(
        "() => { const h = document.querySelector('#search-results h2');"
        " return h && h.textContent.trim() === 'Search Results'; }"
    )
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector_all(
        "#search-results ul.search li > a", "(links) => links.map((a) => a.getAttribute('href'))"
    )


def test_search_finds_softmax(visit):
    v = visit("search.html?q=softmax")
    links = search_results(v)
    assert links, "searching for 'softmax' found nothing"
    pages = {link.split("#")[0] for link in links}
    for target in pages:
        assert (HTML / target).is_file(), f"a search result links to a missing page: {target}"
    if "softmax" in (ROOT / "intro.md").read_text(encoding="utf-8").lower():
        assert "intro.html" in pages, f"intro.md mentions softmax but the search found {pages}"
    v.assert_no_problems()


def test_captions_are_in_the_texts_colour_and_weight(visit):
    """A figure's caption says what to look at: not the theme's thin muted grey (issue 14)."""
    v = visit("chapters/02_entropy.html")
    styles = v.page.evaluate(
        """() => {
          const body = getComputedStyle(document.querySelector("article p")).color;
          return [...document.querySelectorAll("figure figcaption")].map(c => {
            const s = getComputedStyle(c);
            return [s.color === body, Number(s.fontWeight)];
          });
        }"""
    )
    assert styles, "chapter 2 has no figure caption"
    assert all(same and weight >= 400 for same, weight in styles), styles
    v.assert_no_problems()


@pytest.mark.parametrize(
    "term", ["交叉熵", "資訊熵", "对数几率"], ids=["both-scripts", "traditional", "simplified"]
)
def test_search_finds_the_glossary_by_a_chinese_term(visit, term):
    v = visit(f"search.html?q={quote(term)}")
    links = search_results(v)
    pages = {link.split("#")[0] for link in links}
    assert "glossary.html" in pages, f"searching for {term!r} found {sorted(pages)}"
    v.assert_no_problems()


@pytest.mark.parametrize("ci", ["", "true"])
def test_without_chromium_the_browser_tests_skip_or_fail_under_ci(ci, tmp_path):
    env = {**os.environ, "CROSSENT_CHROMIUM": str(tmp_path / "no-chromium"), "CI": ci}
    report = tmp_path / "report.xml"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
           __file__, "-k", "test_search_finds_softmax"]  # fmt: skip
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    xml = report.read_text(encoding="utf-8")
    if ci:
        assert result.returncode == 1, result.stdout
        assert "CI=true, so this is a failure" in xml and "sudo apt-get install chromium" in xml
    else:
        assert result.returncode == 0, result.stdout
        assert 'skipped="1"' in xml and "sudo apt-get install chromium" in xml


BROKEN_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>broken</title>
<script src="https://cdn.example.org/mathjax/tex-chtml.js"></script>
</head><body><article class="bd-article"><section id="s">
<p>A formula the browser never typeset: $$H(p) = -\\sum_i p_i \\log p_i$$</p>
<div class="math notranslate nohighlight">\\[x^2\\]</div>
<img src="missing.png" alt="a figure that is not there">
<img src="tiny.png">
<a href="https://colab.research.google.com/github/someone/else/blob/main/chapters/x.ipynb">c</a>
<script>console.error("boom");</script>
</section></article></body></html>
"""
# A 1 x 1 transparent PNG: it loads, but has no alt text.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


def test_the_page_checks_fail_on_a_broken_page(browser_context, tmp_path):
    """Raw TeX, untypeset maths, a CDN request, a missing image, no alt text, a console error."""
    (tmp_path / "page.html").write_text(BROKEN_PAGE, encoding="utf-8")
    (tmp_path / "tiny.png").write_bytes(TINY_PNG)
    with serve(tmp_path) as url:
        v = open_page(browser_context, url + "page.html")
        try:
            v.page.wait_for_load_state("networkidle")
            check_page(v, BROKEN_PAGE)
            text = "\n".join(v.problems)
        finally:
            v.page.close()
    expected = [
        "request to another host (the book must work offline): https://cdn.example.org/",
        "the page has math but MathJax is not loaded",
        "raw TeX left in the text",
        "image did not load: missing.png",
        "image without alt text: tiny.png",
        "console error: boom",
        "HTTP 404",
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, f"the checks missed {missing}; they reported:\n{text}"


INACCESSIBLE_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>inaccessible</title></head>
<body><main><h1>A page with three accessibility problems</h1>
<p style="color: #b4b4b4; background: #ffffff">Light grey text on white.</p>
<input type="text">
<div style="width: 200px; overflow-x: auto">
  <p style="width: 600px">A box that scrolls sideways but cannot get the keyboard's focus.</p>
</div>
</main></body></html>
"""
# The same page with each problem fixed: dark text, a label, a box that takes the focus.
ACCESSIBLE_PAGE = (
    INACCESSIBLE_PAGE.replace("#b4b4b4", "#222832")
    .replace('<input type="text">', '<label>Name <input type="text"></label>')
    .replace('overflow-x: auto"', 'overflow-x: auto" tabindex="0"')
)


def test_the_audit_finds_serious_violations_and_only_those(browser_context, axe):
    """audit(), as the page tests call it, on a page with low contrast text, an input without a
    label and a scrolling box out of the keyboard's reach; then on the page with them fixed."""
    page = browser_context.new_page()
    try:
        page.set_content(INACCESSIBLE_PAGE)
        found = {item.split(" ", 1)[0] for item in audit(axe, page)[0]}
        narrow = {item.split(" ", 1)[0] for item in audit(axe, page, NARROW_RULES)[0]}
        page.set_content(ACCESSIBLE_PAGE)
        fixed, _ = audit(axe, page)
    finally:
        page.close()
    assert {"color-contrast", "label", "scrollable-region-focusable"} <= found, found
    assert narrow == {"scrollable-region-focusable"}, narrow
    assert not fixed, fixed


NAME = "crossent.sparse_softmax_cross_entropy_with_logits"
TOO_WIDE_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>too wide</title></head>
<body><article class="bd-article">
<p>Inline code, as Sphinx writes it: <code class="docutils literal notranslate"><span
class="pre">{NAME}(labels,</span> <span class="pre">logits)</span></code> in a sentence.</p>
<p style="width: 20ch; font: 16px monospace">0123456789 <code class="docutils literal
notranslate"><span class="pre">q_min=1e-7)</span></code></p>
<div class="too-wide" style="width: 900px">A box 900 px wide.</div>
</article></body></html>
"""


def test_the_width_checks_name_what_is_too_wide_and_where_code_breaks(browser_context):
    """check_widths() on a page with a 900 px box, and inline code that the browser breaks after
    its "-" ("q_min=1e-" fits the rest of a 20-character line); then without the box, with the
    book's CSS and narrow_screens.js, which break that code after its "_" instead."""
    page = browser_context.new_page()
    try:
        page.set_content(TOO_WIDE_PAGE)
        bare = Visit(page)
        check_widths(bare, None)
        page.set_viewport_size({"width": DESKTOP, "height": 900})
        page.set_content(TOO_WIDE_PAGE.replace('style="width: 900px"', ""))
        page.add_style_tag(path=str(ROOT / "_static" / "custom.css"))
        page.add_script_tag(path=str(ROOT / "_static" / "narrow_screens.js"))
        book = Visit(page)
        check_widths(book, None)
    finally:
        page.close()
    text = "\n".join(bare.problems)
    for width in (TABLET, PHONE):
        assert f"at {width} px the page is" in text, text
        assert 'the widest element is <div class="too-wide">, 900 px wide' in text, text
    assert f"at {DESKTOP} px" not in text, text
    assert 'inline code breaks inside a name: "q_min=1e-7)"' in text, text
    assert not book.problems, book.problems
