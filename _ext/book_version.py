"""The book's version, from its one source, on every page; and the citation from CITATION.cff.

The version is ``__version__`` in ``lib/crossent/__init__.py``: the book and its companion
package are released together under one number. ``pyproject.toml`` reads it from there
(setuptools' ``attr:``), this extension sets Sphinx's ``version`` and ``release`` from it and
adds a line to every page's footer (``templates/book-version.html``): the version, and links to
the errata page and the changelog. ``CITATION.cff`` and ``CHANGELOG.md`` carry the number too;
tests/notebooks/test_back_matter.py fails if they disagree with it.

It also adds ``{book-citation}``: the book's citation, as a sentence and as BibTeX, made from
``CITATION.cff`` when the book is built, so the front page cannot cite another version.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

ROOT = Path(__file__).resolve().parents[1]
VERSION_FILE = ROOT / "lib" / "crossent" / "__init__.py"
CITATION_FILE = ROOT / "CITATION.cff"
TEMPLATES = Path(__file__).resolve().parent / "templates"
FOOTER_TEMPLATE = "book-version.html"
VERSION = re.compile(r'^__version__\s*=\s*"([^"]+)"\s*$', re.M)


def book_version(path: Path = VERSION_FILE) -> str:
    """The version string in `path`, read as text (importing crossent is not needed)."""
    match = VERSION.search(path.read_text(encoding="utf-8"))
    if match is None:
        raise ValueError(f'{path} has no line __version__ = "..."')
    return match.group(1)


def citation(path: Path = CITATION_FILE) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def preferred(cff: dict) -> dict:
    """The entry to cite: `preferred-citation` (the book) where there is one."""
    return cff.get("preferred-citation", cff)


def citation_text(cff: dict) -> str:
    """The citation as a sentence: authors (year). Title (version). URL."""
    book = preferred(cff)
    authors = ", ".join(
        a.get("name") or f"{a.get('given-names', '')} {a.get('family-names', '')}".strip()
        for a in book["authors"]
    )
    year = str(cff["date-released"])[:4]
    return f"{authors} ({year}). {book['title']} (version {cff['version']}). {cff['url']}"


def citation_bibtex(cff: dict) -> str:
    book = preferred(cff)
    authors = " and ".join(
        "{" + a["name"] + "}" if "name" in a else f"{a['family-names']}, {a['given-names']}"
        for a in book["authors"]
    )
    year = str(cff["date-released"])[:4]
    # @misc, not @book: a book entry wants a publisher, and most styles would print the
    # version as an edition ("Version 1.0.0 edition").
    return "\n".join(
        [
            "@misc{crossent_book,",
            f"  author       = {{{authors}}},",
            f"  title        = {{{book['title']}}},",
            f"  year         = {{{year}}},",
            f"  note         = {{Version {cff['version']}}},",
            f"  howpublished = {{\\url{{{cff['url']}}}}},",
            f"  url          = {{{cff['url']}}},",
            "}",
        ]
    )


class BookCitation(SphinxDirective):
    """``{book-citation}``: how to cite the book, from CITATION.cff."""

    def run(self):
        self.env.note_dependency(str(CITATION_FILE))
        cff = citation(CITATION_FILE)
        sentence = nodes.paragraph(text=citation_text(cff))
        bibtex = nodes.literal_block(citation_bibtex(cff), citation_bibtex(cff))
        bibtex["language"] = "bibtex"
        return [sentence, bibtex]


def set_version(app, config) -> None:
    version = book_version()
    config.version = config.release = version
    # {{ version }} in a Markdown page (the errata page) is the same number.
    config.myst_substitutions = {**(config.myst_substitutions or {}), "version": version}
    config.templates_path = [*config.templates_path, str(TEMPLATES)]
    options = dict(config.html_theme_options or {})
    items = list(
        options.get("footer_content_items")
        or ["author.html", "copyright.html", "last-updated.html", "extra-footer.html"]
    )
    if FOOTER_TEMPLATE not in items:
        items.append(FOOTER_TEMPLATE)
    options["footer_content_items"] = items
    config.html_theme_options = options


def setup(app):
    app.connect("config-inited", set_version)
    app.add_directive("book-citation", BookCitation)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
