"""A stand-in for Google Colab's runtime, and nbval's way of comparing a notebook's outputs.

The stand-in is a virtual environment (never --system-site-packages) holding only what Colab
provides and the book uses, at the versions Colab ships, as listed in colab_versions.toml (NumPy,
Matplotlib, TensorFlow on CPU, Keras, mpmath, scikit-learn and its dependencies, IPython and
ipykernel), and nbclient and nbformat to run notebooks. It is made from Colab's Python minor
version when this machine has it (`python3.12` on PATH or under pyenv; CROSSENT_COLAB_PYTHON
picks another) and from the running interpreter otherwise. Then the wheel of crossent built from
this repository is installed, as a chapter's Colab set-up cell would install it. No editable
install of the repository, no myst-nb: on Colab `crossent.book.glue` falls back to emitting the
output itself. So the book's stored outputs, made with the versions pinned in requirements.txt,
must also be what Colab's versions print.

The venv lives in _build/colab-venv and is reused while its Python, colab_versions.toml and the
way it is made are unchanged (a stamp file records them); only the wheel is reinstalled on each
run. A lock file keeps two test runs from rebuilding it under each other.

Colab's TensorFlow (2.19) writes C++ log lines to stderr in some calls (`I0000 ... .cc:425]
MLIR V1 optimization pass is not enabled`) whatever TF_CPP_MIN_LOG_LEVEL says; TensorFlow 2.21,
the book's, does not. The comparison drops such log lines (TF_LOG_LINE below) and only those:
any other stderr, and any difference in a stdout or glued value, still fails.

Each chapter is copied ALONE into an empty temporary directory and run there with the venv's own
kernel, so a chapter that reads a file beside it, or that imports something from the repository,
fails here as it would on Colab.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import tomllib
from nbval.plugin import (
    coalesce_streams,
    find_comment_markers,
    find_metadata_tags,
    get_sanitize_patterns,
    transform_streams_for_comparison,
)

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "_build" / "colab-venv"
STAMP = VENV / "crossent-colab.json"
LOCK = ROOT / "_build" / "colab-venv.lock"
RUNNER = Path(__file__).with_name("execute_in_venv.py")
PYENV_VERSIONS = Path.home() / ".pyenv" / "versions"
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
KERNEL = "crossent-colab"
RECIPE = 3  # bump when the way the venv is made changes, to rebuild it

COLAB_VERSIONS = Path(__file__).with_name("colab_versions.toml")
#: Colab has `tensorflow`; the CPU build of the same version is the same code without the GPU
#: libraries.
INSTALL_AS = {"tensorflow": "tensorflow-cpu"}
#: What runs the notebooks in the stand-in (Colab has them too).
RUNNER_PACKAGES = ["nbclient", "nbformat"]


def colab_versions() -> dict:
    return tomllib.loads(COLAB_VERSIONS.read_text(encoding="utf-8"))


def colab_packages() -> list[str]:
    """What the stand-in holds: the packages of colab_versions.toml, and the notebook runner."""
    listed = [INSTALL_AS.get(name, name) for name in colab_versions()["packages"]]
    return listed + [name for name in RUNNER_PACKAGES if name not in listed]


def colab_requirements() -> list[str]:
    """`name==version` for each package at Colab's version; the runner packages unpinned."""
    listed = colab_versions()["packages"]
    pinned = [f"{INSTALL_AS.get(name, name)}=={version}" for name, version in listed.items()]
    return pinned + [name for name in RUNNER_PACKAGES if name not in listed]


#: In the book's own environment but not on Colab: the stand-in must not have them.
NOT_ON_COLAB = ["myst_nb", "jupyter_book", "nbval"]

#: The files of a source tree that make the package: what `pip install git+URL` would build.
PACKAGE_FILES = ["pyproject.toml", "setup.py", "setup.cfg", "MANIFEST.in", "README.md", "LICENSE"]

#: nbval's own list of output keys it does not compare (without --nbdime: images are skipped).
SKIP_COMPARE = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
#: A line of TensorFlow's C++ logging (absl/tsl format: severity, MMDD, time, thread, file:line]),
#: or absl's notice that such lines go to stderr before it is initialised.
TF_LOG_LINE = re.compile(
    r"^(?:[IWE]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ [\w./-]+\.(?:cc|h):\d+\] .*"
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)$"
)


def without_tf_log_lines(outputs) -> tuple[list, list[str]]:
    """The outputs less TensorFlow's C++ log lines on stderr (see the module docstring).

    Returns (outputs, dropped lines). A stderr output with anything else in it is kept whole
    but for the log lines; one with nothing else is dropped.
    """
    kept, dropped = [], []
    for output in outputs:
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            lines = output.get("text", "").splitlines()
            logs = [line for line in lines if TF_LOG_LINE.match(line)]
            if logs:
                dropped += logs
                rest = [line for line in lines if not TF_LOG_LINE.match(line)]
                if not "".join(rest).strip():
                    continue
                output = copy.deepcopy(output)
                output["text"] = "\n".join(rest) + "\n"
        kept.append(output)
    return kept, dropped


def clean_env(home: Path | None = None) -> dict[str, str]:
    """The environment for the venv's processes: nothing that would leak the book's environment."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MPLBACKEND", "PYTHONSTARTUP"}
        and not k.startswith(("JUPYTER", "IPYTHON"))
    }
    env["PATH"] = f"{VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONNOUSERSITE"] = "1"  # no ~/.local site-packages either
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["JUPYTER_PATH"] = str(VENV / "share" / "jupyter")
    if home is not None:
        env["JUPYTER_DATA_DIR"] = str(home / "jupyter-data")
        env["JUPYTER_CONFIG_DIR"] = str(home / "jupyter-config")
        env["JUPYTER_RUNTIME_DIR"] = str(home / "jupyter-runtime")
        env["IPYTHONDIR"] = str(home / "ipython")
        env["MPLCONFIGDIR"] = str(home / "matplotlib")
    return env


def run(cmd: list[str], *, cwd: Path | None = None, env=None, timeout: float = 900) -> str:
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"command failed ({result.returncode}): {' '.join(map(str, cmd))}\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result.stdout


def works(python: str) -> bool:
    try:
        result = subprocess.run([python, "-c", "import venv"], capture_output=True, timeout=60)
    except OSError:
        return False
    return result.returncode == 0


def base_python() -> str:
    """The interpreter the venv is made from.

    CROSSENT_COLAB_PYTHON if set; else Colab's minor version (python3.12) from PATH or pyenv,
    if it runs; else the running interpreter.
    """
    if os.environ.get("CROSSENT_COLAB_PYTHON"):
        return os.environ["CROSSENT_COLAB_PYTHON"]
    minor = ".".join(colab_versions()["python"]["version"].split(".")[:2])
    candidates = [shutil.which(f"python{minor}")]
    candidates += sorted(
        map(str, PYENV_VERSIONS.glob(f"{minor}.*/bin/python{minor}")), reverse=True
    )
    for candidate in candidates:
        if candidate and works(candidate):
            return candidate
    return sys.executable


def venv_python() -> Path:
    return VENV / "bin" / "python"


def pip() -> list:
    """The book environment's pip, working on the venv: one pip and one cache for both."""
    return [sys.executable, "-m", "pip", "--python", venv_python(), "--disable-pip-version-check"]


def venv_key() -> dict:
    version = run([base_python(), "-c", "import platform; print(platform.python_version())"])
    return {
        "recipe": RECIPE,
        "python": version.strip(),
        "packages": colab_requirements(),
        "colab_versions_sha256": hashlib.sha256(COLAB_VERSIONS.read_bytes()).hexdigest(),
    }


@contextlib.contextmanager
def venv_lock(timeout: float = 1800):
    """Hold the venv for this test run; another run waits (at most `timeout` seconds)."""
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with open(LOCK, "w") as handle:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{LOCK} is held by another test run") from None
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_venv() -> tuple[Path, bool]:
    """Make the Colab stand-in venv unless an up-to-date one exists; return (venv, reused)."""
    key = venv_key()
    if venv_python().exists() and STAMP.is_file():
        with contextlib.suppress(ValueError):
            if json.loads(STAMP.read_text(encoding="utf-8")) == key:
                return VENV, True
    shutil.rmtree(VENV, ignore_errors=True)
    # Deliberately without --system-site-packages. No pip inside: the book's pip installs into it
    # (`pip --python`), so that both share pip's cache even when their pip versions differ.
    run([base_python(), "-m", "venv", "--without-pip", VENV])
    run([*pip(), "install", "--quiet", *colab_requirements()], env=dict(os.environ))
    run([venv_python(), "-m", "ipykernel", "install", "--prefix", VENV, "--name", KERNEL,
         "--display-name", "Python 3 (Colab stand-in)"])  # fmt: skip
    STAMP.write_text(json.dumps(key, indent=2), encoding="utf-8")
    return VENV, False


def build_wheel(workdir: Path) -> Path:
    """`pip wheel --no-deps` of the package's files, copied out of the working tree first."""
    src = workdir / "src"
    src.mkdir(parents=True)
    for name in PACKAGE_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "lib", src / "lib", ignore=ignore)
    wheels = workdir / "wheels"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", wheels, src]
    run(cmd, env=dict(os.environ))
    (wheel,) = wheels.glob("crossent-*.whl")
    return wheel


def install_wheel(wheel: Path) -> None:
    """Install crossent as Colab's set-up cell would, then check its dependencies are there."""
    run(
        [*pip(), "install", "--quiet", "--no-deps", "--force-reinstall", wheel],
        env=dict(os.environ),
    )
    run([*pip(), "check"])


def installed_distributions() -> dict[str, str]:
    out = run([*pip(), "list", "--format", "json"])
    return {d["name"].lower().replace("_", "-"): d["version"] for d in json.loads(out)}


def importable(module: str) -> bool:
    code = f"import importlib.util, sys; sys.exit(importlib.util.find_spec({module!r}) is None)"
    return subprocess.run([venv_python(), "-c", code], env=clean_env()).returncode == 0


@dataclass
class ColabRun:
    stored: nbformat.NotebookNode  # the notebook as it was copied (others may be editing it)
    executed: nbformat.NotebookNode
    probe: dict
    workdir: Path


def run_notebook(notebook: Path, workdir: Path) -> ColabRun:
    """Run `notebook` copied alone into an empty directory, with the venv's kernel."""
    nbdir, home, out = workdir / "notebook", workdir / "home", workdir / "out"
    for d in (nbdir, home, out):
        d.mkdir(parents=True)
    content = notebook.read_bytes()
    (nbdir / notebook.name).write_bytes(content)
    target = out / notebook.name
    run([venv_python(), RUNNER, nbdir / notebook.name, target, KERNEL],
        cwd=nbdir, env=clean_env(home))  # fmt: skip
    probe = json.loads(Path(f"{target}.probe.json").read_text(encoding="utf-8"))
    stored = nbformat.reads(content.decode("utf-8"), as_version=4)
    return ColabRun(stored, nbformat.read(target, as_version=4), probe, nbdir)


def environment_problems(colab: ColabRun) -> list[str]:
    """What in the kernel's environment would not be so on Colab."""
    probe, problems = colab.probe, []
    if "error" in probe:
        return [f"the environment probe failed: {probe['error']}"]
    venv = VENV.resolve()
    if Path(probe["prefix"]).resolve() != venv:
        problems.append(f"the kernel ran in {probe['prefix']}, not in the Colab venv {venv}")
    if probe["crossent"] is None or venv not in Path(probe["crossent"]).resolve().parents:
        problems.append(f"crossent came from {probe['crossent']}, not from the wheel in {venv}")
    if probe["myst_nb"]:
        problems.append("myst_nb is importable in the kernel; Colab has no myst-nb")
    if Path(probe["cwd"]).resolve() != colab.workdir.resolve():
        problems.append(f"the kernel ran in {probe['cwd']}, not in the notebook's empty directory")
    for entry in probe["sys_path"]:
        path = Path(entry or probe["cwd"]).resolve()
        if (path == ROOT or ROOT in path.parents) and not (path == venv or venv in path.parents):
            problems.append(f"the repository is on the kernel's sys.path: {entry}")
    return problems


# ---- comparing outputs, the way nbval does --------------------------------------------------


def sanitize_patterns() -> list[tuple[str, str]]:
    return get_sanitize_patterns(SANITIZE.read_text(encoding="utf-8"))


def cell_options(cell) -> dict:
    """nbval's options for a cell, from its tags and its comment markers (comments win)."""
    options = defaultdict(bool, find_metadata_tags(cell.metadata))
    options.update(find_comment_markers(cell.source))
    options.setdefault("check", True)
    return options


def flatten(outputs, patterns) -> dict[str, list]:
    """nbval's view of a cell's outputs: each key (MIME types flattened) -> its values, in order."""

    def sanitize(value):
        if isinstance(value, str):
            for regex, replace in patterns:
                value = re.sub(regex, replace, value)
        return value

    flat = defaultdict(list)
    for output in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(outputs))):
        for key, value in output.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        flat[mime].append(sanitize(data))
            else:
                flat[key].append(sanitize(value))
    return flat


def glue_records(outputs) -> list[dict]:
    """The glue metadata (name, MIME prefix) of a cell's outputs, which nbval does not look at."""
    return [
        dict(o["metadata"]["scrapbook"]) for o in outputs if "scrapbook" in o.get("metadata", {})
    ]


def short(value, limit: int = 300) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "..."


@dataclass
class Comparison:
    problems: list[str] = field(default_factory=list)
    cells_compared: int = 0
    glue_compared: int = 0
    tf_log_lines: list[str] = field(default_factory=list)  # dropped from the fresh run's stderr


def compare(stored, executed, patterns=None) -> Comparison:
    """Compare a notebook's stored outputs with a fresh run's, cell by cell, as nbval does.

    Text outputs and glued data must be equal after the sanitize rules; images are skipped. A
    cell that raised is reported with its exception (unless nbval would allow it); the glue
    metadata (the name a value is glued under) must be equal too. TensorFlow's C++ log lines on
    the fresh run's stderr are dropped first, and listed in `tf_log_lines`.
    """
    patterns = sanitize_patterns() if patterns is None else patterns
    result = Comparison()
    old = [c for c in stored.cells if c.cell_type == "code"]
    new = [c for c in executed.cells if c.cell_type == "code"]
    if len(old) != len(new):
        result.problems.append(f"{len(old)} code cells stored, {len(new)} run")
        return result
    for number, (ref, test) in enumerate(zip(old, new, strict=True)):
        options = cell_options(ref)
        first_line = ref.source.strip().splitlines()[0] if ref.source.strip() else ""
        where = f"code cell {number} ({short(first_line, 60)!r})"
        if options["skip"]:
            continue
        errors = [o for o in test.outputs if o.output_type == "error"]
        if errors and not options["check_exception"]:
            trace = ANSI.sub("", "\n".join(errors[0].get("traceback", [])))
            result.problems.append(
                f"{where} raised {errors[0].ename}: {errors[0].evalue}\n{trace[-1500:]}"
            )
            continue
        if ref.execution_count is None or not options["check"]:
            continue
        result.cells_compared += 1
        outputs, dropped = without_tf_log_lines(test.outputs)
        result.tf_log_lines += dropped
        want, got = flatten(ref.outputs, patterns), flatten(outputs, patterns)
        if set(want) != set(got):
            missing, extra = sorted(set(want) - set(got)), sorted(set(got) - set(want))
            detail = "; ".join(
                part
                for part in (
                    missing and f"missing output fields {missing}",
                    extra and f"unexpected output fields {extra}: {short(got.get(extra[0]))}",
                )
                if part
            )
            result.problems.append(f"{where}: {detail}")
            continue
        for key in want:
            if want[key] != got[key]:
                result.problems.append(
                    f"{where}: {key} differs:\n"
                    f"  stored: {short(want[key])}\n  Colab:  {short(got[key])}"
                )
                break
        else:
            stored_glue, new_glue = glue_records(ref.outputs), glue_records(test.outputs)
            if stored_glue != new_glue:
                result.problems.append(f"{where}: glue {stored_glue} stored, {new_glue} on Colab")
            result.glue_compared += len(stored_glue)
    return result
