"""Run one notebook the way Colab would, and write the executed copy. Runs INSIDE the Colab venv.

Usage (by colab_env.run_notebook, never by hand): VENV/bin/python execute_in_venv.py IN OUT KERNEL

IN is a notebook alone in an otherwise empty directory, which is also the current directory; the
kernel KERNEL (installed in this venv) starts there. The stored outputs are cleared first and
every cell is run top to bottom, errors included (so that the caller can report the first one).
nbval's markers are honoured as nbval honours them: a cell nbval skips is not run. A last cell
reports what the kernel saw (its interpreter, where crossent came from, whether myst-nb exists);
it is removed from the notebook and written to OUT + ".probe.json".

This file imports only nbformat and nbclient: it must run with nothing but the venv.
"""

from __future__ import annotations

import json
import os
import sys

import nbformat
from nbclient import NotebookClient

NBVAL_SKIP = {"nbval-skip"}
NBVAL_RAISES = {"nbval-raises-exception", "raises-exception"}
PROBE = """\
import importlib.util as _util, json as _json, os as _os, sys as _sys
_spec = _util.find_spec("crossent")
print(_json.dumps({
    "executable": _sys.executable,
    "prefix": _sys.prefix,
    "cwd": _os.getcwd(),
    "sys_path": _sys.path,
    "crossent": _spec.origin if _spec else None,
    "myst_nb": _util.find_spec("myst_nb") is not None,
}))"""


def main(src: str, dst: str, kernel: str) -> int:
    nb = nbformat.read(src, as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = [], None
        tags = set(cell.metadata.get("tags", []))
        lines = [line.strip() for line in cell.source.splitlines()]
        comments = {line.lstrip("#").strip() for line in lines if line.startswith("#")}
        if tags & NBVAL_SKIP or "NBVAL_SKIP" in comments:
            tags.add("skip-execution")
        if tags & NBVAL_RAISES or "NBVAL_RAISES_EXCEPTION" in comments:
            tags.add("raises-exception")
        if tags:
            cell.metadata["tags"] = sorted(tags)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(
        nb,
        timeout=600,
        kernel_name=kernel,
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": os.getcwd()}},
    )
    client.execute()
    probe = nb.cells.pop()
    text = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
    with open(dst + ".probe.json", "w", encoding="utf-8") as f:
        f.write(text.strip() or json.dumps({"error": [dict(o) for o in probe.outputs]}))
    nbformat.write(nb, dst)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
