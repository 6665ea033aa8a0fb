"""Give the bibliography's entries an ARIA role that screen readers and checkers accept.

docutils 0.21 writes each entry of a bibliography (sphinxcontrib-bibtex's citations) as
`<div class="citation" role="doc-biblioentry">` inside `<div role="list">`. WAI-ARIA 1.3 and
DPUB-ARIA 1.1 deprecate `doc-biblioentry`, so a browser may expose the entries as plain
groups: the list then holds no list items, only the links inside them, and axe-core reports
that as a critical violation (aria-required-children) on the bibliography page. The role
they recommend instead is `listitem`, which makes the entries the list's items again.

The HTML writer that emits the role belongs to docutils, and the themes replace Sphinx's
translator class with their own; rewriting the one attribute in each page's finished body
is the smallest change that leaves both alone. Other builders (LaTeX for the PDF) are not
affected.
"""

from __future__ import annotations

import re

# The opening tag of an entry, as docutils writes it: <div class="citation" id="id16" role=...>
ENTRY = re.compile(r'(<div class="citation"[^>]*) role="doc-biblioentry"')


def use_listitem_role(app, pagename, templatename, context, doctree) -> None:
    body = context.get("body")
    if body and "doc-biblioentry" in body:
        context["body"] = ENTRY.sub(r'\1 role="listitem"', body)


def setup(app):
    app.connect("html-page-context", use_listitem_role)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
