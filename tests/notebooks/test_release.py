"""One version number, everywhere it is written; a changelog entry and a citation for it.

The version is ``__version__`` in lib/crossent/__init__.py. The installed package reports it
(pyproject.toml reads it from there), the book shows it on every page (_ext/book_version.py;
tests/book/test_reader_pages.py checks the built pages), CITATION.cff cites it with the date of
its CHANGELOG.md entry, and the errata page and the changelog are in the table of contents.
"""

from __future__ import annotations

import datetime
import re
import sys
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest
import yaml

import crossent

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "_ext"))

import book_version  # noqa: E402

CHANGELOG = ROOT / "CHANGELOG.md"
ENTRY = re.compile(r"^## (?P<version>\d+\.\d+\.\d+) \((?P<date>\d{4}-\d{2}-\d{2})[^)]*\)$", re.M)
SEMVER = re.compile(r"^\d+\.\d+\.\d+$")


def cff() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def changelog_entries() -> list[tuple[str, str]]:
    return [(m["version"], m["date"]) for m in ENTRY.finditer(CHANGELOG.read_text("utf-8"))]


def test_the_version_is_semantic_and_the_installed_package_reports_it():
    assert SEMVER.match(crossent.__version__), crossent.__version__
    assert book_version.book_version() == crossent.__version__
    assert installed_version("crossent") == crossent.__version__, (
        "the installed crossent is another version: pip install -e . again"
    )


def test_pyproject_takes_the_version_from_the_package():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text
    assert 'version = { attr = "crossent.__version__" }' in text
    assert not re.search(r'^version\s*=\s*"', text, re.M), "pyproject.toml types a version"


def test_the_changelog_starts_with_this_version_and_is_newest_first():
    entries = changelog_entries()
    assert entries, "CHANGELOG.md has no '## X.Y.Z (YYYY-MM-DD)' entry"
    assert entries[0][0] == crossent.__version__
    versions = [tuple(int(x) for x in v.split(".")) for v, _ in entries]
    assert versions == sorted(versions, reverse=True)
    dates = [d for _, d in entries]
    assert dates == sorted(dates, reverse=True)


def test_citation_cites_this_version_on_the_date_of_its_changelog_entry():
    c = cff()
    assert c["cff-version"] == "1.2.0"
    assert c["version"] == crossent.__version__
    assert str(c["date-released"]) == changelog_entries()[0][1]
    datetime.date.fromisoformat(str(c["date-released"]))
    book = c["preferred-citation"]
    assert book["edition"] == crossent.__version__
    assert int(book["year"]) == int(str(c["date-released"])[:4])
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    for key in ("url", "repository-code"):
        assert c[key] == config["repository"]["url"]
    assert book["url"] == config["repository"]["url"]
    assert book["title"] == config["title"]


def test_the_citation_text_and_bibtex_carry_the_version():
    c = cff()
    assert f"(version {crossent.__version__})" in book_version.citation_text(c)
    bibtex = book_version.citation_bibtex(c)
    assert bibtex.startswith("@misc{") and f"Version {crossent.__version__}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")


def test_a_version_line_that_is_missing_is_an_error(tmp_path):
    path = tmp_path / "__init__.py"
    path.write_text("version = '1.0'\n", encoding="utf-8")
    with pytest.raises(ValueError, match="__version__"):
        book_version.book_version(path)


def test_errata_changelog_and_study_guide_are_in_the_table_of_contents():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    parts = {p["caption"]: [c["file"] for c in p["chapters"]] for p in toc["parts"]}
    assert {"errata", "CHANGELOG"} <= set(parts["Back matter"])
    assert "study_guide" in parts["Getting started"]
