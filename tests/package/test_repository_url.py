"""The repository URL is defined once, in _config.yml; every place that uses it agrees."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from chapter_template import colab_cell_source, repository  # noqa: E402

URL, BRANCH = repository()
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))


def test_config_url_is_a_github_repository():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", URL), URL


def test_pyproject_urls_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for key, value in project["urls"].items():
        assert value.rstrip("/") == URL, f"pyproject.toml [project.urls] {key} = {value}"


def test_readme_links_agree():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", readme))
    assert found, "README.md should link the repository"
    assert found == {URL}, f"README.md links {found}, _config.yml says {URL}"
    colab = re.findall(
        r"https://colab\.research\.google\.com/github/([\w.-]+/[\w.-]+)/blob/([\w.-]+)/", readme
    )
    for repo, branch in colab:
        assert f"https://github.com/{repo}" == URL and branch == BRANCH


@pytest.mark.parametrize("path", CHAPTERS, ids=[p.name for p in CHAPTERS])
def test_colab_cell_installs_from_the_configured_repository(path):
    nb = nbformat.read(path, as_version=4)
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert f"git+{URL}@{BRANCH}" in first.source
    assert first.source == colab_cell_source()
