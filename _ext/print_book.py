"""Shape the `singlehtml` build of the book, the page that tools/build_pdf.py prints to PDF.

Only the `singlehtml` builder is touched; the web site (builder `html`) is built as before.

1. Sphinx writes an extension's own nodes (myst-nb's hidden cells, sphinx-design's dropdowns,
   the `{tableofcontents}` placeholder of sphinx-jupyterbook-latex, ...) with the handlers
   registered for the builder's *name*, and falls back to those of its *format*, `html`, only
   when no handler at all is registered for that name. sphinx-exercise registers its nodes for
   `singlehtml` by name, so that fallback is lost and the build stopped at the first other node
   ("unknown node type: HiddenCellNode"). `singlehtml` is given every `html` handler it lacks.
2. `singlehtml` pastes every chapter where the toctree is: at the end of the front page's last
   section, "Contents". Every chapter title would then be a third-level heading inside the
   front page, and the PDF's bookmarks would nest the whole book under "Contents". Here the
   chapters are moved out, grouped under their part of `_toc.yml` (part heading, then its
   chapters), and "Contents" becomes a table of contents linking to each chapter, placed
   before the front page's text, as in a printed book.
"""

from __future__ import annotations

from docutils import nodes
from docutils.nodes import make_id
from sphinx import addnodes


def inherit_html_handlers(app) -> None:
    if app.builder.name != "singlehtml":
        return
    handlers = app.registry.translation_handlers
    own = handlers.setdefault("singlehtml", {})
    for node, visitors in handlers.get("html", {}).items():
        own.setdefault(node, visitors)


def first_section(node: nodes.Node) -> nodes.section | None:
    return next(iter(node.findall(nodes.section)), None)


def toc_entry(text: str, refid: str | None, classes: list[str]) -> nodes.list_item:
    paragraph = nodes.paragraph()
    if refid is None:
        paragraph += nodes.Text(text)
    else:
        paragraph += nodes.reference("", text, refid=refid, internal=True)
    return nodes.list_item("", paragraph, classes=classes)


def arrange_as_a_book(app, doctree: nodes.document, docname: str) -> None:
    """Parts and chapters at the top level of the document, and a table of contents first."""
    if app.builder.name != "singlehtml" or docname != app.config.root_doc:
        return
    chapters = {sof["docname"]: sof for sof in doctree.findall(addnodes.start_of_file)}
    wrappers = {sof.parent for sof in chapters.values()}
    front = first_section(doctree)
    contents = next((s for s in front.findall(nodes.section) if "contents" in s["ids"]), None)
    if front is None or contents is None:
        raise RuntimeError("print_book: the front page has no section 'Contents' to fill")
    for wrapper in wrappers:
        wrapper.parent.remove(wrapper)
    contents.parent.remove(contents)

    parts = nodes.bullet_list(classes=["book-toc"])
    root = app.env.external_site_map[app.config.root_doc]
    for subtree in root.subtrees:
        caption = subtree.caption or ""
        part = nodes.section(ids=[make_id(f"part {caption}")], classes=["book-part"])
        part += nodes.title(caption, caption)
        entries = nodes.bullet_list()
        for name in subtree.files():
            chapter = chapters.pop(name)
            part += chapter
            section = first_section(chapter)
            title = section.next_node(nodes.title).astext()
            entries += toc_entry(title, section["ids"][0], ["toc-chapter"])
        item = toc_entry(caption, part["ids"][0], ["toc-part"])
        item += entries
        parts += item
        doctree += part
    if chapters:
        raise RuntimeError(f"print_book: chapters in no part of _toc.yml: {sorted(chapters)}")
    contents += parts
    doctree.insert(doctree.index(front), contents)


def setup(app):
    app.connect("builder-inited", inherit_html_handlers)
    app.connect("doctree-resolved", arrange_as_a_book)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
