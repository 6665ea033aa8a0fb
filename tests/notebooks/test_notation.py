"""The notation page lists every symbol the chapters use in their mathematics.

Every single letter (Latin or Greek) that stands as a symbol in a chapter's maths must appear in
the maths of notation.md; a letter used in a chapter but missing from the page fails with the
chapter and the formula it came from. Letters inside \\operatorname{...}, \\text{...} and
\\mathrm{...} are words, not symbols, and are ignored. Besides, the book's conventions are held
where they can be read off the text: maths counts classes from 1, and the letter y is not a symbol.
Boxes titled "The article says ..." quote the source article in its own letters and are skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
NOTATION = ROOT / "notation.md"

GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "varepsilon",
    "zeta",
    "eta",
    "theta",
    "vartheta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "varpi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "varphi",
    "chi",
    "psi",
    "omega",
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Phi",
    "Psi",
    "Omega",
]
# Words inside maths that are not symbols: function names and text.
WORDS = re.compile(
    r"\\(?:operatorname|text|mathrm|textrm|texttt|mathsf|label|tag|begin|end)\*?\{[^{}]*\}"
)
BLACKBOARD = re.compile(r"\\mathbb\{([A-Za-z])\}")
# Commands that are names of operators or layout, followed by letters that are not symbols.
COMMANDS = re.compile(r"\\[A-Za-z]+")
DISPLAY = re.compile(r"\$\$(.+?)\$\$|\\begin\{(align\*?|equation\*?)\}(.+?)\\end\{\2\}", re.S)
INLINE = re.compile(r"(?<![\\$])\$((?:[^$\n]|\n(?!\s*\n))+?)\$(?!\$)")
# Fence lines (```{prf:proof}, ::: and the like) open blocks whose text is still prose; inline
# code spans (`q = 1`, ``y_true``) are code, not maths.
FENCE = re.compile(r"^[ \t]*(`{3,}|:{3,}|~{3,}).*$", re.M)
CODE = re.compile(r"(`+)[^`\n]+?\1")
FENCED_MATH = re.compile(r"^(`{3,}|:{3,})\{math\}[^\n]*\n(.*?)^\1", re.S | re.M)


# A range of class indices that starts at 0: {0, ..., n - 1} or i = 0, ..., n - 1 (a set of
# values such as {0, 1} is not an index range).
_DOTS = r"\\(?:l|c)?dots"
ZERO_BASED = re.compile(
    rf"\\\{{\s*0\s*,\s*{_DOTS}\s*,\s*n\s*-\s*1|=\s*0\s*,\s*{_DOTS}\s*,\s*n\s*-\s*1"
)


def maths(text: str) -> list[str]:
    """The formulas of a Markdown text: display, fenced {math} and inline."""
    found = [m.group(2) for m in FENCED_MATH.finditer(text)]
    text = CODE.sub(" ", FENCE.sub(" ", FENCED_MATH.sub(" ", text)))
    for m in DISPLAY.finditer(text):
        found.append(m.group(1) or m.group(3))
    text = DISPLAY.sub(" ", text)
    found += [m.group(1) for m in INLINE.finditer(text)]
    return found


def symbols(formula: str) -> set[str]:
    """The single-letter symbols of one formula: Latin letters and Greek commands."""
    formula = WORDS.sub(" ", formula)
    found = {f"\\mathbb{{{x}}}" for x in BLACKBOARD.findall(formula)}
    formula = BLACKBOARD.sub(" ", formula)
    for name in COMMANDS.findall(formula):
        if name[1:] in GREEK:
            found.add(name)
    formula = COMMANDS.sub(" ", formula)
    formula = re.sub(r"\\.", " ", formula)  # \, \; \! and escaped characters
    for match in re.finditer(r"[A-Za-z]+", formula):
        # A run of letters such as "xz" is a product of symbols; each letter is one.
        found.update(match.group(0))
    return found


# A box that quotes the source article ("The article says ...") writes the article's letters.
QUOTATION = re.compile(
    r"^(?P<fence>`{3,}|:{3,})\{admonition\} The article says.*?^(?P=fence)[ \t]*$", re.S | re.M
)


def book_text(markdown: str) -> str:
    """The book's own prose: Markdown without the boxes that quote the source article."""
    return QUOTATION.sub(" ", markdown)


def chapter_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return book_text("\n".join(c.source for c in nb.cells if c.cell_type == "markdown"))


LOCAL_HEADING = "## Symbols of one chapter"


def notation_symbols() -> tuple[set[str], dict[str, set[int]]]:
    """The page's book-wide symbols, and each chapter-local symbol with its chapters.

    Book-wide symbols are every symbol in the maths of the page outside the section
    LOCAL_HEADING. In that section each table row is `| symbol | chapters | meaning |`: the symbols
    of the first cell may be used in the chapters of the second cell ("4" or "2, 5") only.
    """
    text = NOTATION.read_text(encoding="utf-8")
    head, _, rest = text.partition(LOCAL_HEADING)
    local_section, _, tail = rest.partition("\n## ")
    book_wide = set().union(*(symbols(f) for f in maths(head + "\n## " + tail)))
    local: dict[str, set[int]] = {}
    for line in local_section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not re.fullmatch(r"\d+(?:\s*,\s*\d+)*", cells[1]):
            continue
        chapters = {int(c) for c in cells[1].split(",")}
        for sym in set().union(*(symbols(f) for f in maths(cells[0]))):
            local.setdefault(sym, set()).update(chapters)
    return book_wide, local


def chapter_number(path: Path) -> int:
    return int(path.name[:2])


def test_zero_based_ranges_are_told_from_sets_of_values():
    assert ZERO_BASED.search(r"k \in \{0, \dots, n - 1\}")
    assert ZERO_BASED.search(r"i = 0, \ldots, n-1")
    assert not ZERO_BASED.search(r"p_i \in \{0, 1\}")
    assert not ZERO_BASED.search(r"i = 1, \dots, n")


def test_extraction_finds_symbols_and_ignores_words():
    text = r"Let $H(p, q) = -\sum_i p_i \log q_i$ and $$\operatorname{softmax}(z)_j = e^{z_j}$$"
    text += r" with `q = 1` as code and $\varepsilon$, $\text{for all } k$."
    text += "\n\n````{prf:proof}\nSince $x_1$, ``y = 2``.\n````\n"
    found = set().union(*(symbols(f) for f in maths(text)))
    assert found == {"H", "p", "q", "i", "z", "j", "e", "k", "x", r"\varepsilon"}


def test_quotations_of_the_article_are_not_the_books_notation():
    text = "We write $z$.\n\n````{admonition} The article says $y'_i$\n:class: warning\n\n"
    text += "It writes $y_i$ for a logit.\n````\n\nAnd $q$."
    assert set().union(*(symbols(f) for f in maths(book_text(text)))) == {"z", "q"}


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_every_symbol_is_on_the_notation_page(path):
    book_wide, local = notation_symbols()
    here = chapter_number(path)
    listed = book_wide | {sym for sym, chapters in local.items() if here in chapters}
    missing: dict[str, str] = {}
    for formula in maths(chapter_text(path)):
        for sym in symbols(formula) - listed:
            missing.setdefault(sym, formula.strip()[:80])
    assert not missing, (
        f"{path.name} uses symbols that notation.md lists neither for the whole book nor for "
        f"chapter {here}: " + "; ".join(f"{s} in ${f}$" for s, f in sorted(missing.items()))
    )


def test_the_notation_page_has_chapter_local_symbols():
    book_wide, local = notation_symbols()
    assert {"p", "q", "z", "n", "m"} <= book_wide
    assert local, f"notation.md has no table under {LOCAL_HEADING!r}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_y_is_not_a_symbol(path):
    used = [f for f in maths(chapter_text(path)) if "y" in symbols(f)]
    assert not used, f"{path.name} uses y as a symbol (the notation has none): {used[:3]}"


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_maths_counts_classes_from_one(path):
    used = [f for f in maths(chapter_text(path)) if ZERO_BASED.search(f)]
    assert not used, f"{path.name} counts classes from 0 in its maths: {used[:3]}"
