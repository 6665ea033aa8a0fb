"""Keep the punctuation that follows inline maths on the same line as the formula.

MathJax typesets `$q_2$,` as an inline box followed by a text node, and the browser may break
the line between them, so a reader sees a line that starts with "," or "?". This transform
wraps each inline formula and the punctuation right after it in `<span class="nobr">`, which
the book's CSS keeps on one line (`white-space: nowrap`). Only the punctuation moves: the
formula may still start a new line as a whole.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.transforms.post_transforms import SphinxPostTransform

PUNCTUATION = re.compile(r"^[.,;:!?)\]\u2019\u201d]+")


class KeepPunctuationWithMath(SphinxPostTransform):
    default_priority = 900
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for math in list(self.document.findall(nodes.math)):
            parent = math.parent
            if parent is None or (isinstance(parent, nodes.inline) and "nobr" in parent["classes"]):
                continue  # not in the document, or already wrapped
            index = parent.index(math)
            if index + 1 >= len(parent.children):
                continue
            after = parent.children[index + 1]
            if not isinstance(after, nodes.Text):
                continue
            hit = PUNCTUATION.match(after.astext())
            if not hit:
                continue
            rest = after.astext()[hit.end() :]
            wrapper = nodes.inline(classes=["nobr"])
            parent.replace(math, wrapper)
            wrapper += math
            wrapper += nodes.Text(hit.group(0))
            if rest:
                parent.replace(after, nodes.Text(rest))
            else:
                parent.remove(after)


def setup(app):
    app.add_post_transform(KeepPunctuationWithMath)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
