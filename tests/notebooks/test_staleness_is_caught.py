"""The checks catch what they exist to catch: a stale glued number, stderr, out-of-order runs.

Each test builds a tiny notebook in a temporary directory, first in a good state (the check
must pass, so the test can fail) and then broken in one way (the check must fail).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

import run_notebook  # noqa: E402


def make_notebook(path: Path, source: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# T\n\nThe value is {glue:text}`x:.2f`."),
        nbformat.v4.new_code_cell("from crossent.book import glue"),
        nbformat.v4.new_code_cell(source),
    ]
    nbformat.write(nb, path)
    run_notebook.execute(path)
    return path


def nbval(path: Path) -> int:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval",
           "--nbval-current-env", str(path)]  # fmt: skip
    return subprocess.run(cmd, cwd=path.parent, capture_output=True, text=True).returncode


@pytest.fixture
def notebook(tmp_path):
    return make_notebook(tmp_path / "t.ipynb", "glue('x', 0.1 + 0.2)")


def test_current_notebook_passes_nbval(notebook):
    assert nbval(notebook) == 0


def test_editing_a_glued_numbers_code_without_rerunning_fails_nbval(notebook):
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[2].source = "glue('x', 0.1 + 0.25)"
    nbformat.write(nb, notebook)
    assert nbval(notebook) != 0


def test_run_notebook_refuses_stderr(tmp_path):
    with pytest.raises(SystemExit, match="wrote to stderr"):
        make_notebook(tmp_path / "e.ipynb", "import sys\nsys.stderr.write('oops')")


def test_out_of_order_execution_is_detected(notebook):
    import test_chapters

    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].execution_count, nb.cells[2].execution_count = 2, 1
    with pytest.raises(AssertionError, match="not run once, top to bottom"):
        test_chapters.test_executed_once_top_to_bottom_with_outputs_stored((notebook, nb))
