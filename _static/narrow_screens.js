/* Sensible line breaks in long inline code, for phones (see _static/custom.css).
 *
 * Sphinx keeps each word of inline code on one line, and custom.css lets a word too long for
 * the line break anywhere, so that `crossent.sigmoid_cross_entropy_with_logits(labels, logits)`
 * does not make the page wider than a 390 px screen. Left to the browser, that break falls
 * after whichever letter reaches the edge ("..._with_logit" / "s(labels,"). This script adds a
 * <wbr> (a place the line may break, which adds no character) after "_", "(", "," and "/" and
 * before a "." that joins two names, so a name breaks at one of those. A piece with a "-" in
 * it, such as "1e-7)" or "-q)", is kept on one line (span.keep-together): the browser would
 * otherwise break after a minus sign as after a hyphen in prose. Copying the text, the search
 * index and the page's source are unchanged; without JavaScript the page still fits.
 *
 * A bibliography entry gets the same breaks, but only inside a word with a "_" in it (a title
 * such as tf.nn.softmax_cross_entropy_with_logits, or a URL): "e.g." or "J. Mach." in its
 * prose must not break. Code in a table is left alone: its column keeps the full name and the
 * table scrolls inside its own box instead. The browser test checks, at 390 px, that inline
 * code outside tables breaks only where this script allows it.
 */
(function () {
  "use strict";

  // Between "_" "(" "," "/" and what follows (not a second "_" or "/", not a closing ")"),
  // and between a name and ".name" ("np|.log1p", not "0.5" or "...").
  const BREAK = /(?<=[_(,/])(?=[^_/,)])|(?<=[A-Za-z0-9_)\]])(?=\.[A-Za-z_])/;

  // The text split at its break points; with `namesOnly`, only words that contain a "_".
  function pieces(text, namesOnly) {
    if (!namesOnly) return text.split(BREAK);
    const out = [""];
    for (const word of text.split(/(\s+)/)) {
      const parts = word.includes("_") ? word.split(BREAK) : [word];
      out[out.length - 1] += parts[0];
      out.push(...parts.slice(1));
    }
    return out;
  }

  function addBreaks(element, namesOnly) {
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    const texts = [];
    for (let node = walker.nextNode(); node; node = walker.nextNode()) texts.push(node);
    for (const text of texts) {
      const parts = pieces(text.data, namesOnly);
      if (parts.length < 2 && (namesOnly || !text.data.includes("-"))) continue;
      const fragment = document.createDocumentFragment();
      parts.forEach((part, i) => {
        if (i) fragment.appendChild(document.createElement("wbr"));
        if (namesOnly || !part.includes("-")) {
          fragment.appendChild(document.createTextNode(part));
        } else {
          const together = document.createElement("span");
          together.className = "keep-together";
          together.textContent = part;
          fragment.appendChild(together);
        }
      });
      text.replaceWith(fragment);
    }
  }

  function run() {
    for (const code of document.querySelectorAll("article code.docutils.literal")) {
      if (!code.closest("table")) addBreaks(code, false);
    }
    for (const entry of document.querySelectorAll("div.citation > p")) addBreaks(entry, true);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
