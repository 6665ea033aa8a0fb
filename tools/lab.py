"""Study the book locally: JupyterLab on a working copy of the chapters, with the book's kernel.

Usage (through make, which sets up both virtual environments first):

    make lab                          # JupyterLab on workbook/, kernel "crossent book"
    make workbook-reset CHAPTER=05    # workbook/05_*.ipynb back to the book's version

or directly: ``.venv/bin/python tools/lab.py open [--no-browser] [--port N] [--workbook DIR]
[JupyterLab options]``,
``tools/lab.py reset 05``, ``tools/lab.py kernel``.

Two virtual environments keep the book's build and tests lean:

- ``.venv`` (requirements.txt, the package installed editable) runs the notebooks: the kernel
  "crossent book" is its Python, so a chapter runs in Jupyter with exactly the versions the
  tests check it with;
- ``.venv-lab`` (requirements-lab.txt: JupyterLab, pinned) runs only the JupyterLab server.
  The kernel is registered inside it (``.venv-lab/share/jupyter/kernels/crossent-book``),
  so nothing is written to the reader's home directory, and JupyterLab lists that kernel only
  (the lab environment's own Python has no ``crossent``).

The reader works in ``workbook/``, which git ignores: each chapter is copied there from
``chapters/`` the first time, with its kernel set to "crossent book", and is never overwritten
afterwards except by ``reset``. The book's own notebooks stay as they are, so ``make test``
passes on a reader's clone whatever they did in the workbook. Ctrl-C stops JupyterLab at once
(no "shut down? y/n" question) and shuts its kernels down.

tests/lab/test_lab.py starts it, asks it for its kernels, runs a working copy with the kernel
and stops it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
WORKBOOK = ROOT / "workbook"
BOOK_VENV = ROOT / ".venv"
LAB_VENV = ROOT / ".venv-lab"

# The kernel's name (what a notebook's metadata and `jupyter kernelspec` use) and the name
# JupyterLab shows. This is the one place they are written.
KERNEL_NAME = "crossent-book"
KERNEL_DISPLAY_NAME = "crossent book"


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def kernel_dir(lab_venv: Path = LAB_VENV) -> Path:
    return lab_venv / "share" / "jupyter" / "kernels" / KERNEL_NAME


def register_kernel(book_python: Path | None = None, lab_venv: Path = LAB_VENV) -> Path:
    """Write the kernel "crossent book" (the book's Python) into the lab environment."""
    python = Path(book_python or venv_python(BOOK_VENV))
    if not python.exists():
        raise SystemExit(f"tools/lab.py: {python} is missing: run `make setup` first")
    if not lab_venv.is_dir():
        raise SystemExit(f"tools/lab.py: {lab_venv} is missing: run `make lab` (it creates it)")
    target = kernel_dir(lab_venv)
    target.mkdir(parents=True, exist_ok=True)
    spec = {
        # The absolute path of the book's interpreter, not "python": the kernel must be the
        # environment the tests use, whatever is first on the reader's PATH.
        "argv": [str(python.absolute()), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": KERNEL_DISPLAY_NAME,
        "language": "python",
        "metadata": {"debugger": True},
    }
    (target / "kernel.json").write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")
    return target


def kernelspec_metadata() -> dict:
    return {"display_name": KERNEL_DISPLAY_NAME, "language": "python", "name": KERNEL_NAME}


def copy_chapter(source: Path, target: Path) -> None:
    """Copy one chapter into the workbook, with its kernel set to "crossent book"."""
    nb = json.loads(source.read_text(encoding="utf-8"))
    nb.setdefault("metadata", {})["kernelspec"] = kernelspec_metadata()
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def prepare_workbook(workbook: Path = WORKBOOK) -> list[Path]:
    """Copy every chapter that is not in the workbook yet; return the ones copied."""
    workbook.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(CHAPTERS.glob("*.ipynb")):
        target = workbook / source.name
        if not target.exists():
            copy_chapter(source, target)
            copied.append(target)
    return copied


def chapter_source(chapter: str) -> Path:
    """The chapter notebook for "05", "5" or "05_cross_entropy"; a clear error otherwise."""
    names = sorted(p.name for p in CHAPTERS.glob("*.ipynb"))
    text = chapter.strip().removesuffix(".ipynb")
    if text.isdigit():
        text = f"{int(text):02d}"
    matches = [n for n in names if n.startswith(f"{text}_") or n == f"{text}.ipynb"]
    if len(matches) != 1:
        numbers = ", ".join(n[:2] for n in names)
        raise SystemExit(
            f"tools/lab.py: CHAPTER={chapter!r} is not a chapter; give its number, one of "
            f"{numbers} (for example `make workbook-reset CHAPTER=05`)"
        )
    return CHAPTERS / matches[0]


def reset(chapter: str, workbook: Path = WORKBOOK) -> Path:
    """Replace the workbook's copy of one chapter by the book's version."""
    source = chapter_source(chapter)
    workbook.mkdir(parents=True, exist_ok=True)
    target = workbook / source.name
    copy_chapter(source, target)
    checkpoint = workbook / ".ipynb_checkpoints" / f"{source.stem}-checkpoint.ipynb"
    checkpoint.unlink(missing_ok=True)  # else JupyterLab offers to revert to the old work
    return target


def lab_command(
    workbook: Path = WORKBOOK,
    lab_venv: Path = LAB_VENV,
    port: int | None = None,
    browser: bool = True,
    extra: list[str] | None = None,
) -> list[str]:
    command = [
        str(venv_python(lab_venv)),
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={workbook}",
        "--ServerApp.answer_yes=True",  # Ctrl-C stops at once
        # List only "crossent book": the lab environment's own Python has no crossent.
        "--KernelSpecManager.ensure_native_kernel=False",
        f"--KernelSpecManager.allowed_kernelspecs={KERNEL_NAME}",
        f"--MappingKernelManager.default_kernel_name={KERNEL_NAME}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Jupyter refuses to run as root unless told; a container or CI runner often is root.
        command.append("--allow-root")
    if port is not None:
        command.append(f"--ServerApp.port={port}")
    if not browser:
        command.append("--no-browser")
    return command + list(extra or [])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    open_ = sub.add_parser("open", help="copy the chapters to the workbook and start JupyterLab")
    open_.add_argument("--no-browser", action="store_true")
    open_.add_argument("--port", type=int)
    open_.add_argument("--workbook", type=Path, default=WORKBOOK)
    reset_ = sub.add_parser("reset", help="restore one chapter of the workbook")
    reset_.add_argument("chapter", nargs="?", default="")
    reset_.add_argument("--workbook", type=Path, default=WORKBOOK)
    sub.add_parser("kernel", help="register the kernel 'crossent book' in .venv-lab")
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "open":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "kernel":
        print(f"kernel {KERNEL_DISPLAY_NAME!r} registered in {register_kernel()}")
        return 0
    if args.command == "reset":
        if not args.chapter:
            raise SystemExit(
                "tools/lab.py: say which chapter to restore, e.g. `make workbook-reset CHAPTER=05`"
            )
        target = reset(args.chapter, args.workbook)
        print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: restored")
        return 0

    register_kernel()
    copied = prepare_workbook(args.workbook)
    where = args.workbook.relative_to(ROOT) if args.workbook.is_relative_to(ROOT) else args.workbook
    if copied:
        print(f"{where}/: {len(copied)} chapters copied from chapters/; work there freely.")
    print(
        f"JupyterLab on {where}/ with the kernel {KERNEL_DISPLAY_NAME!r}; Ctrl-C stops it. "
        "Restore a chapter with `make workbook-reset CHAPTER=NN`."
    )
    # Anything else on the command line goes to JupyterLab (e.g. --ServerApp.ip=0.0.0.0).
    command = lab_command(args.workbook, port=args.port, browser=not args.no_browser, extra=extra)
    if not Path(command[0]).exists():
        raise SystemExit(f"tools/lab.py: {command[0]} is missing: run `make lab`")
    sys.stdout.flush()
    # Become JupyterLab rather than wait for it: Ctrl-C then reaches the server alone, which
    # shuts its kernels down and exits (a waiting parent would kill it on KeyboardInterrupt).
    os.execv(command[0], command)
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main())
