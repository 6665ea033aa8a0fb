"""Serve MathJax from the built book itself, so that the book works with no internet.

Sphinx loads MathJax from a CDN by default; offline (a reader who downloaded the book, or the
browser test) every formula would stay raw LaTeX. This extension copies MathJax 3 from the
`django-static-mathjax` package on PyPI (a plain copy of MathJax's `es5` build; pinned in
requirements.txt) into `_build/html/_static/mathjax/` and points `mathjax_path` at it.
Only what the CommonHTML output needs is copied: the combined `tex-chtml.js`, its fonts, the
TeX extensions it may autoload, and the menu and accessibility components it loads on demand.

It also drops a duplicated inline script that sphinx-thebe adds (see `drop_duplicate_scripts`),
which made every page throw a JavaScript error in the browser.
"""

from __future__ import annotations

import shutil
from importlib.util import find_spec
from pathlib import Path

MATHJAX_JS = "tex-chtml.js"
PARTS = [MATHJAX_JS, "output/chtml", "input/tex/extensions", "ui", "a11y", "sre"]


def mathjax_source() -> Path:
    spec = find_spec("mathjax")
    if spec is None or spec.origin is None:
        raise RuntimeError(
            "MathJax is not installed: `pip install django-static-mathjax` "
            "(it is pinned in requirements.txt)"
        )
    es5 = Path(spec.origin).parent / "static" / "mathjax" / "es5"
    if not (es5 / MATHJAX_JS).is_file():
        raise RuntimeError(f"{es5 / MATHJAX_JS} is missing: reinstall django-static-mathjax")
    return es5


def copy_mathjax(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    source = mathjax_source()
    target = Path(app.outdir) / "_static" / "mathjax"
    for part in PARTS:
        src, dst = source / part, target / part
        if src.is_dir():
            shutil.copytree(src, dst, dirs_exist_ok=True)
        elif src.is_file():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)


def use_local_mathjax(app, config) -> None:
    config.mathjax_path = f"mathjax/{MATHJAX_JS}"


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep one copy of each script on a page, whatever its `filename` is spelled as.

    Extensions such as sphinx-thebe and sphinx-togglebutton add inline scripts with
    `app.add_js_file(None, body=...)`. Sphinx 7.4 adds them to the builder as `None` and, again in
    `prepare_writing`, as `''`: two entries that do not compare equal, so every page declared
    `const THEBE_JS_URL` twice and the browser threw "Identifier 'THEBE_JS_URL' has already been
    declared".
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        attributes = tuple(sorted(getattr(script, "attributes", {}).items()))
        key = (getattr(script, "filename", script) or "", attributes)
        if key not in seen:
            seen.add(key)
            kept.append(script)
    scripts[:] = kept


def setup(app):
    mathjax_source()  # fail early, with a clear message, if MathJax is missing
    app.connect("config-inited", use_local_mathjax)
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("build-finished", copy_mathjax)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
