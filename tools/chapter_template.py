"""The Colab set-up cell, derived from `_config.yml`, and a skeleton for a new chapter.

Usage: python tools/chapter_template.py new 03 outputs "Network outputs and one-hot labels"
       python tools/chapter_template.py colab-cell       # print the set-up cell
       python tools/chapter_template.py sync             # rewrite every chapter's set-up cell

The repository URL and branch are defined once, in `_config.yml` (`repository.url`,
`repository.branch`). Every chapter's first code cell installs `crossent` from there when the
notebook runs on Colab; `tests/notebooks/test_chapters.py` checks that each chapter's cell is
exactly `colab_cell_source()`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]


def book_config() -> dict:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def repository() -> tuple[str, str]:
    repo = book_config()["repository"]
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def colab_cell_source() -> str:
    url, branch = repository()
    return (
        "# On Google Colab, install the book's companion package crossent.\n"
        "# Anywhere else this cell does nothing (see the README to run locally).\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install -q "crossent @ git+{url}@{branch}"'
    )


IMPORTS = """\
import math

import numpy as np

import crossent
from crossent import plotting
from crossent.book import glue"""


def new_chapter(number: str, slug: str, title: str) -> Path:
    path = ROOT / "chapters" / f"{number}_{slug}.ipynb"
    if path.exists():
        raise SystemExit(f"{path} exists already")
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        md(
            f"# {title}\n\n*The question this chapter answers, in one sentence.*\n\n"
            "```{admonition} Learning objectives\n:class: tip\n\nAfter this chapter you can\n\n"
            "1. ...\n2. ...\n3. ...\n```\n\n"
            "```{admonition} Key result\n:class: important\n\n"
            "The chapter's result in three to six lines, with its formula.\n```"
        ),
        code(colab_cell_source()),
        code(IMPORTS),
        md(
            "## The first core section\n\n"
            "The story, with the code it needs (CONTRIBUTING.md, core path)."
        ),
        md(
            "## Deep dive: a digression\n\n"
            "Numerics, history or a further check; folded on the page."
        ),
        md("## Summary\n\n- ..."),
        md(
            "## Exercises\n\n````{exercise}\n:label: ex-" + slug + "-1\n\n...\n````\n\n"
            "````{solution} ex-" + slug + "-1\n:class: dropdown\n\n...\n````"
        ),
        md("## Further reading\n\n- {cite:t}`shannon1948` ..."),
    ]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    nbformat.write(nb, path)
    return path


def sync() -> None:
    source = colab_cell_source()
    for path in sorted((ROOT / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        first = next(c for c in nb.cells if c.cell_type == "code")
        if first.source != source:
            first.source = source
            nbformat.write(nb, path)
            print(f"updated {path.name}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    new = sub.add_parser("new", help="create a chapter skeleton")
    new.add_argument("number")
    new.add_argument("slug")
    new.add_argument("title")
    sub.add_parser("colab-cell", help="print the Colab set-up cell")
    sub.add_parser("sync", help="rewrite every chapter's set-up cell from _config.yml")
    args = parser.parse_args(argv)
    if args.command == "new":
        print(f"created {new_chapter(args.number, args.slug, args.title)}; add it to _toc.yml")
    elif args.command == "colab-cell":
        print(colab_cell_source())
    else:
        sync()
    return 0


if __name__ == "__main__":
    sys.exit(main())
