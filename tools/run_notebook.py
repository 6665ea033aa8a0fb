"""Execute chapter notebooks in place: a fresh kernel, top to bottom, in an empty directory.

Usage: python tools/run_notebook.py chapters/01_information.ipynb [more.ipynb ...]
       python tools/run_notebook.py --all

Each notebook runs in a new, empty temporary directory, so a chapter that reads a file beside
it fails here as it would on Colab. Outputs are stored; run-time metadata (timings) is not, so
re-running an unchanged chapter leaves its file unchanged. A cell that raises, or that writes to
stderr, stops the run with a non-zero exit: the book stores neither.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def merge_streams(outputs: list) -> list:
    """Join consecutive stream outputs of the same name, as nbval does before comparing.

    How a kernel splits one cell's printing into messages depends on timing; merging makes the
    stored notebook the same on every run.
    """
    merged = []
    for out in outputs:
        previous = merged[-1] if merged else None
        if (
            out.get("output_type") == "stream"
            and previous is not None
            and previous.get("output_type") == "stream"
            and previous.get("name") == out.get("name")
        ):
            previous["text"] += out["text"]
        else:
            merged.append(out)
    return merged


def execute(path: Path, timeout: int = 600) -> float:
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["kernelspec"] = KERNELSPEC
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="crossent-nb-") as workdir:
        client = NotebookClient(
            nb,
            timeout=timeout,
            kernel_name="python3",
            resources={"metadata": {"path": workdir}},
            record_timing=False,
        )
        client.execute()
    elapsed = time.perf_counter() - start
    problems = []
    for i, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.outputs = merge_streams(cell.outputs)
        for out in cell.outputs:
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                problems.append(f"code cell {i} wrote to stderr: {out.get('text', '')[:300]!r}")
    if problems:
        raise SystemExit(f"{path}: " + "; ".join(problems))
    # Keep the language_info short and machine-independent.
    nb.metadata["language_info"] = {"name": "python", "pygments_lexer": "ipython3"}
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--all", action="store_true", help="every notebook in chapters/")
    args = parser.parse_args(argv)
    paths = sorted((ROOT / "chapters").glob("*.ipynb")) if args.all else args.notebooks
    if not paths:
        parser.error("name notebooks to run, or pass --all")
    for path in paths:
        seconds = execute(path.resolve())
        print(f"executed {path} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
