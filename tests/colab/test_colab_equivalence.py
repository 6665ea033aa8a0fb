"""Every chapter runs on Colab as it runs here: alone, with only Colab's packages and the wheel.

A reader opens a chapter in Colab: a lone notebook, in a runtime that has NumPy, Matplotlib,
TensorFlow and IPython but not this repository, not its editable install and not myst-nb. The
Colab set-up cell installs crossent from the repository. These tests do the same without Colab
(see colab_env.py for the stand-in) and compare each chapter's fresh outputs with its stored
ones the way nbval does: text and glued values exactly, after tests/nbval_sanitize.cfg, images
skipped. Tiny notebooks prove the test can fail: one reads a file beside it, one imports from the
repository; and one shows that crossent.book.glue without myst-nb emits what myst-nb's does.

The dependency ranges in pyproject.toml must also admit the versions Colab ships
(tests/colab/colab_versions.toml, with its source).
"""

from __future__ import annotations

import ast
import copy
import importlib.metadata
import importlib.util
import sys
import zipfile
from pathlib import Path

import colab_env
import nbformat
import pytest
import tomllib
from nbclient import NotebookClient
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = colab_env.ROOT
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))
COLAB_VERSIONS = colab_env.COLAB_VERSIONS
GLUE_MIME = "application/papermill.record/text/plain"


# ---- the declared dependency ranges admit what Colab ships ------------------------------------


def range_problems(requirements: list[str], requires_python: str, colab: dict) -> list[str]:
    """What in these ranges would not install beside Colab's own packages."""
    python = colab["python"]["version"]
    shipped = {canonicalize_name(name): v for name, v in colab["packages"].items()}
    env = default_environment() | {
        "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python,
        "sys_platform": "linux",
        "platform_system": "Linux",
    }
    problems = []
    if not Requirement(f"python{requires_python}").specifier.contains(python, prereleases=True):
        problems.append(f"requires-python {requires_python!r} excludes Colab's Python {python}")
    for line in requirements:
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate(env | {"extra": ""}):
            continue
        name = canonicalize_name(req.name)
        if name not in shipped:
            problems.append(f"{line!r}: Colab's version of {name} is not in {COLAB_VERSIONS.name}")
        elif not req.specifier.contains(Version(shipped[name]), prereleases=True):
            problems.append(f"{line!r} excludes the {name} {shipped[name]} that Colab ships")
    return problems


def test_dependency_ranges_admit_the_versions_colab_ships():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    colab = colab_env.colab_versions()
    assert colab["source"]["url"] and colab["source"]["checked"], "say where the versions are from"
    requirements = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    assert requirements, "pyproject.toml declares no dependencies"
    problems = range_problems(requirements, project["requires-python"], colab)
    assert not problems, "\n".join(problems)


def test_the_range_check_can_fail():
    colab = colab_env.colab_versions()
    assert range_problems(["numpy>=2.1"], ">=3.10", colab)  # Colab has numpy 2.0.2
    assert range_problems(["numpy"], ">=3.13", colab)  # Colab has Python 3.12
    assert range_problems(["torch>=2"], ">=3.10", colab)  # not recorded: must be added
    assert not range_problems(["numpy>=1.23", "tensorflow>=2.15,<3"], ">=3.10", colab)


def imported_modules(notebook: Path) -> set[str]:
    """The top-level modules a notebook's code cells import (IPython magics left out)."""
    modules = set()
    for cell in nbformat.read(notebook, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in lines)
        try:
            tree = ast.parse(code)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules


def test_every_package_a_chapter_imports_is_one_colab_ships():
    listed = {canonicalize_name(name) for name in colab_env.colab_versions()["packages"]}
    shipped_as = {
        canonicalize_name(v): canonicalize_name(k) for k, v in colab_env.INSTALL_AS.items()
    }
    distributions = importlib.metadata.packages_distributions()
    problems = []
    for chapter in CHAPTERS:
        for module in sorted(imported_modules(chapter) - set(sys.stdlib_module_names)):
            if module == "crossent":
                continue
            names = {canonicalize_name(d) for d in distributions.get(module, [module])}
            names |= {shipped_as[n] for n in names if n in shipped_as}
            if not names & listed:
                problems.append(
                    f"{chapter.name} imports {module} (from {', '.join(sorted(names))}): check "
                    f"that Colab ships it and add its Colab version to {COLAB_VERSIONS.name}"
                )
    assert not problems, "\n".join(problems)


# ---- the stand-in is Colab-like -------------------------------------------------------------


def test_stand_in_has_colabs_packages_the_wheel_and_not_the_books_tools(colab):
    installed = {canonicalize_name(k): v for k, v in colab_env.installed_distributions().items()}
    for requirement in map(Requirement, colab_env.colab_requirements()):
        name = canonicalize_name(requirement.name)
        assert name in installed, f"{name} is missing from the Colab stand-in"
        assert requirement.specifier.contains(installed[name]), (
            f"{name} {installed[name]} is in the stand-in, Colab ships {requirement.specifier}"
        )
    assert installed.get("crossent") == colab.wheel.name.split("-")[1]
    for module in colab_env.NOT_ON_COLAB:
        assert not colab_env.importable(module), f"{module} is in the Colab stand-in"
    assert colab_env.importable("crossent")


def test_stand_in_runs_colabs_python_where_this_machine_has_it(colab):
    want = colab_env.colab_versions()["python"]["version"].rsplit(".", 1)[0]
    got = colab_env.run(
        [colab_env.venv_python(), "-c", "import sys; print(*sys.version_info[:2], sep='.')"]
    )
    if got.strip() != want:
        pytest.skip(
            f"the Colab stand-in runs Python {got.strip()}: this machine has no python{want} "
            f"(Colab's); install it, or set CROSSENT_COLAB_PYTHON, to test on Colab's Python"
        )


def test_tf_log_lines_are_dropped_and_nothing_else():
    stream = nbformat.v4.new_output
    log = (
        "WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        "I0000 00:00:1796156910.383022   13209 mlir_graph_optimization_pass.cc:425] MLIR V1 "
        "optimization pass is not enabled\n"
    )
    only_log = [stream("stream", name="stderr", text=log)]
    kept, dropped = colab_env.without_tf_log_lines(only_log)
    assert kept == [] and len(dropped) == 2
    mixed = [
        stream("stream", name="stderr", text=log + "RuntimeWarning: overflow in exp\n"),
        stream("stream", name="stdout", text=log),
    ]
    kept, dropped = colab_env.without_tf_log_lines(mixed)
    assert [o["text"] for o in kept] == ["RuntimeWarning: overflow in exp\n", log]
    assert len(dropped) == 2


def test_wheel_holds_every_module_and_data_file_of_the_package(colab):
    source = ROOT / "lib" / "crossent"
    expected = {
        f"crossent/{p.relative_to(source).as_posix()}"
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    packaged = set(zipfile.ZipFile(colab.wheel).namelist())
    missing = sorted(expected - packaged)
    assert not missing, (
        f"files of lib/crossent that the wheel (and so Colab) would not have: {missing}"
    )


# ---- every chapter -------------------------------------------------------------------------


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[p.stem for p in CHAPTERS])
def test_chapter_alone_on_colab_reproduces_its_stored_outputs(colab, chapter, tmp_path):
    result = colab_env.run_notebook(chapter, tmp_path)
    assert not colab_env.environment_problems(result)
    comparison = colab_env.compare(result.stored, result.executed)
    if comparison.tf_log_lines:
        print(f"{chapter.name}: TensorFlow log lines on Colab's stderr, not compared:")
        print("\n".join(f"  {line}" for line in comparison.tf_log_lines))
    assert not comparison.problems, f"{chapter.name} on Colab:\n" + "\n\n".join(comparison.problems)


# ---- the test can fail, and glue's fallback is exact -----------------------------------------


def make_notebook(path: Path, cells: list[str]) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def execute_here(path: Path, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook in the book's own environment with the kernel started in `cwd`; store it."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=300, kernel_name="python3", record_timing=False,
        resources={"metadata": {"path": str(cwd)}},
    ).execute()  # fmt: skip
    nbformat.write(nb, path)
    return nb


def test_glue_without_myst_nb_emits_exactly_what_myst_nb_glue_does(colab, tmp_path):
    assert importlib.util.find_spec("myst_nb"), "the book's environment must have myst-nb"
    path = make_notebook(
        tmp_path / "glued" / "glued.ipynb",
        [
            "import crossent\nfrom crossent.book import glue",
            "h = glue('h_coin_bits', crossent.entropy([0.5, 0.5], base=2))\nprint(f'{h:.4f} bits')",
        ],
    )
    stored = execute_here(path, cwd=path.parent)  # myst_nb.glue made these outputs
    assert any(GLUE_MIME in o.get("data", {}) for o in stored.cells[1].outputs)

    result = colab_env.run_notebook(path, tmp_path / "colab")
    assert result.probe["myst_nb"] is False, "the Colab stand-in has myst-nb"
    comparison = colab_env.compare(stored, result.executed)
    assert not comparison.problems, "\n".join(comparison.problems)
    assert comparison.glue_compared == 1

    stale = copy.deepcopy(stored)  # ... and a stale glued value would be caught
    for output in stale.cells[1].outputs:
        if GLUE_MIME in output.get("data", {}):
            output["data"][GLUE_MIME] = "1.5"
    problems = colab_env.compare(stale, result.executed).problems
    assert problems and GLUE_MIME in problems[0]


def test_a_chapter_that_reads_a_file_beside_it_fails(colab, tmp_path):
    folder = tmp_path / "chapters"
    (folder / "beside.txt").parent.mkdir(parents=True)
    (folder / "beside.txt").write_text("data that lives next to the notebook\n", encoding="utf-8")
    path = make_notebook(folder / "reads_a_file.ipynb", ["print(open('beside.txt').read())"])
    execute_here(path, cwd=folder)  # fine on the author's machine, next to the file (no error)

    result = colab_env.run_notebook(path, tmp_path / "colab")
    problems = colab_env.compare(result.stored, result.executed).problems
    assert problems and "FileNotFoundError" in problems[0], problems


def test_a_chapter_that_needs_the_repository_on_sys_path_fails(colab, tmp_path):
    path = make_notebook(
        tmp_path / "imports_repo.ipynb",
        ["from tools.chapter_template import repository\nprint(repository()[1])"],
    )
    execute_here(path, cwd=ROOT)  # fine when the kernel starts at the repository's root

    result = colab_env.run_notebook(path, tmp_path / "colab")
    problems = colab_env.compare(result.stored, result.executed).problems
    assert problems and "ModuleNotFoundError" in problems[0], problems
