"""Collapse the book's deep dives on the page.

Every section of a chapter is either core (the path a reader follows in one evening) or a deep
dive: numerics, history and extra checks. A deep dive is a section whose heading starts with
"Deep dive:", so it is marked the same way everywhere and the notebook needs no other markup;
its code cells still run under nbval like any other.

In HTML the section keeps its heading (so the page's table of contents and links to it work)
and the rest of it, text, code, outputs and subsections, goes into a closed
`<details class="deep-dive">`, whose summary says how long it takes to read. Other builders
(LaTeX, for the PDF) leave the section as it is, open. A short digression inside a core section
may instead be an admonition titled "Deep dive: ..." with `:class: dropdown`; the book's CSS
gives both forms the same look.
"""

from __future__ import annotations

import html
import math
import sys
from pathlib import Path

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util.docutils import SphinxDirective

PREFIX = "Deep dive"
WORDS_PER_MINUTE = 200  # prose; code and maths are counted as words too, which is generous


def is_deep_dive(section: nodes.section) -> bool:
    title = section.next_node(nodes.title)
    return title is not None and title.astext().strip().startswith(PREFIX)


def reading_minutes(section: nodes.section) -> int:
    words = len(section.astext().split())
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


class CollapseDeepDives(SphinxPostTransform):
    default_priority = 950
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for admonition in list(self.document.findall(nodes.admonition)):
            title = admonition.next_node(nodes.title)
            if title is not None and title.astext().strip().startswith(PREFIX):
                admonition["classes"].append("deep-dive")  # styled like the sections
        for section in list(self.document.findall(nodes.section)):
            if not is_deep_dive(section) or "deep-dive" in section["classes"]:
                continue
            section["classes"].append("deep-dive")
            title = section.next_node(nodes.title)
            minutes = reading_minutes(section)
            summary = html.escape(
                f"Open this deep dive (about {minutes} min); the core path skips it"
            )
            opening = nodes.raw(
                "", f'<details class="deep-dive"><summary>{summary}</summary>\n', format="html"
            )
            closing = nodes.raw("", "</details>\n", format="html")
            section.insert(section.index(title) + 1, opening)
            section.append(closing)


class StudyPathTable(SphinxDirective):
    """``{study-path}``: a table of each chapter's core path, measured at build time.

    The figures come from tools/study_path.py reading the notebooks, so they are never typed;
    every page that shows the table is rebuilt when a chapter changes.
    """

    def run(self):
        root = Path(self.env.srcdir)
        sys.path.insert(0, str(root / "tools"))
        try:
            import study_path
        finally:
            sys.path.pop(0)
        header = ["chapter", "core words", "core code lines", "deep dives", "deep-dive words"]
        rows = []
        for path in study_path.CHAPTERS:
            self.env.note_dependency(str(path))
            s = study_path.measure(path)
            rows.append(
                [s.chapter, s.core_words, s.core_code_lines, s.deep_dives, s.deep_dive_words]
            )
        table = nodes.table(classes=["study-path"])
        group = nodes.tgroup(cols=len(header))
        table += group
        group += [nodes.colspec(colwidth=1) for _ in header]
        head = nodes.thead()
        body = nodes.tbody()
        group += [head, body]
        for target, cells in [(head, header)] + [(body, r) for r in rows]:
            row = nodes.row()
            for cell in cells:
                entry = nodes.entry()
                entry += nodes.paragraph(text=str(cell))
                row += entry
            target += row
        return [table]


def setup(app):
    app.add_post_transform(CollapseDeepDives)
    app.add_directive("study-path", StudyPathTable)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
