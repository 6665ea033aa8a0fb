"""Page weight: each chapter page, with its images, stays under 2 MB; figures are sized for it.

A reader on a slow connection, or one who saves the book for self-study, pays for every byte.
The weight of a page here is its HTML plus every image it shows (each counted once), as the
files lie in _build/html. The assets every page shares (the theme's CSS and JavaScript, MathJax
and its fonts) are cached after the first page and are not counted per page; their total is
written to the report beside the per-page weights, _build/test-reports/page-weight.txt.

The figures come from `crossent.plotting`: PNG at the style's dpi (110), 6.4 x 3.6 inches, about
700 x 400 pixels, which the theme shows at about that size, so nothing is scaled down in the
browser to no purpose. A figure far wider than the text column, or heavier than a photograph
needs to be, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
HTML = ROOT / "_build" / "html"
REPORT = ROOT / "_build" / "test-reports" / "page-weight.txt"

PAGE_LIMIT = 2_000_000  # bytes: a chapter page with its images
FIGURE_MAX_WIDTH = 1000  # pixels: the text column is about 800 CSS pixels wide
FIGURE_MAX_BYTES = 250_000  # a line plot at this size is 20-110 kB

CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

pytestmark = pytest.mark.skipif(
    not (HTML / "index.html").exists(), reason="the book is not built: run `make book` first"
)

IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]+)\"", re.IGNORECASE)


def page_images(page: Path) -> list[Path]:
    """The local image files an HTML page shows, each once, in order of appearance."""
    found: dict[Path, None] = {}
    for src in IMG_SRC.findall(page.read_text(encoding="utf-8")):
        url = urlparse(src)
        if url.scheme or url.netloc or src.startswith("data:"):
            continue  # a remote image would fail the browser test; data: URLs are in the HTML
        found[(page.parent / unquote(url.path)).resolve()] = None
    return list(found)


def page_weight(page: Path) -> tuple[int, list[tuple[Path, int]]]:
    """(bytes of the HTML and its images, [(image, bytes), ...]); a missing image raises."""
    images = []
    for image in page_images(page):
        if not image.is_file():
            raise FileNotFoundError(f"{page.name} shows {image}, which is not in the build")
        images.append((image, image.stat().st_size))
    return page.stat().st_size + sum(size for _, size in images), images


def shared_assets_bytes() -> int:
    static = HTML / "_static"
    return sum(p.stat().st_size for p in static.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def report():
    lines: list[str] = []
    yield lines
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    shared = shared_assets_bytes()
    header = [
        "page weight: HTML + its images (limit 2.00 MB); shared assets are counted once",
        f"shared assets in _static (theme, MathJax and its fonts): {shared / 1e6:.2f} MB",
    ]
    REPORT.write_text("\n".join(header + sorted(lines)) + "\n", encoding="utf-8")


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_page_with_its_images_is_under_2_mb(chapter, report):
    page = HTML / "chapters" / f"{chapter.stem}.html"
    total, images = page_weight(page)
    report.append(
        f"{chapter.stem:<20} {total / 1e6:5.2f} MB  (HTML {page.stat().st_size / 1e3:4.0f} kB, "
        f"{len(images)} images {sum(s for _, s in images) / 1e3:5.0f} kB)"
    )
    assert images, f"{page.name} shows no figure; every chapter has at least one"
    heaviest = sorted(images, key=lambda item: -item[1])[:3]
    assert total < PAGE_LIMIT, (
        f"{page.name} weighs {total / 1e6:.2f} MB with its images, over the 2 MB limit; "
        "heaviest images: " + ", ".join(f"{p.name} {s / 1e3:.0f} kB" for p, s in heaviest)
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_figures_are_sized_for_the_page(chapter):
    page = HTML / "chapters" / f"{chapter.stem}.html"
    problems = []
    for image, size in page_weight(page)[1]:
        with Image.open(image) as img:
            width = img.width
            kind = img.format
        if kind != "PNG":
            problems.append(f"{image.name} is {kind}; the book's figures are PNG")
        if width > FIGURE_MAX_WIDTH:
            problems.append(f"{image.name} is {width} px wide (at most {FIGURE_MAX_WIDTH})")
        if size > FIGURE_MAX_BYTES:
            problems.append(f"{image.name} is {size / 1e3:.0f} kB (at most 250 kB)")
    assert not problems, f"{page.name}: " + "; ".join(problems)


def test_the_weight_counts_every_image_once_and_fails_a_heavy_page(tmp_path):
    chapters = tmp_path / "chapters"
    images = tmp_path / "_images"
    chapters.mkdir()
    images.mkdir()
    (images / "big.png").write_bytes(b"\0" * 1_500_000)
    (images / "small.png").write_bytes(b"\0" * 600_000)
    page = chapters / "page.html"
    page.write_text(
        '<p><img alt="a" src="../_images/big.png"><img alt="b" src="../_images/small.png">'
        '<img alt="again" src="../_images/big.png">'
        '<img alt="remote" src="https://example.org/x.png"></p>',
        encoding="utf-8",
    )
    total, counted = page_weight(page)
    assert [p.name for p, _ in counted] == ["big.png", "small.png"]
    assert total == page.stat().st_size + 2_100_000 > PAGE_LIMIT
    page.write_text('<img alt="gone" src="../_images/missing.png">', encoding="utf-8")
    with pytest.raises(FileNotFoundError, match=r"missing\.png"):
        page_weight(page)
