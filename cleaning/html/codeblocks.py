"""Code blocks (``<pre>``) kept as the page shows them.

A technical article's code is article text (the gold sets keep it on most pages that have
it), and code is not prose: a line holding only ``}`` or ``});`` closes a block, and its
indentation is part of the program (Python's is its syntax).  The line cleaning after
extraction reads lines without their indentation and removes lines without letters as
separators.  The extractor keeps a ``<pre>`` block's lines and their indentation; this
module tells which lines of the body came from one, so that

* the symbol-line rule leaves a code line alone (:func:`code_lines`), and
* the cleaned text gets back each code line's indentation from the extracted body
  (:func:`restore_indentation`).

Language-independent: it reads the markup, never the code.
"""

from __future__ import annotations

from bisect import bisect_left

from lxml.html import HtmlElement


def code_lines(root: HtmlElement) -> frozenset[str]:
    """The stripped non-blank lines of the ``<pre>`` blocks of ``root`` (empty for most
    pages)."""
    lines: set[str] = set()
    for pre in root.iter("pre"):
        for line in pre.text_content().splitlines():
            stripped = line.strip()
            if stripped:
                lines.add(stripped)
    return frozenset(lines)


def restore_indentation(text: str, body: str, code: frozenset[str]) -> str:
    """``text`` (cleaned lines, stripped) with each code line indented as in ``body``, the
    extracted text it was cleaned from.

    The cleaned lines are a subsequence of the body's lines (cleaning removes lines, it
    does not reorder them), so the two are walked together: each cleaned line is matched
    with the next body line of the same stripped text, found through an index of the body's
    lines (a ``}`` stands at many depths: the one after the line matched last is the one).
    A line not found (split or joined by the cleaning) is left as it is."""
    if not code:
        return text
    raw = body.splitlines()
    where: dict[str, list[int]] = {}
    for i, line in enumerate(raw):
        where.setdefault(line.strip(), []).append(i)
    out: list[str] = []
    j = 0  # the body line after the last one matched
    changed = False
    for line in text.split("\n"):
        places = where.get(line)
        k = bisect_left(places, j) if places else 0
        if not places or k == len(places):
            out.append(line)
            continue
        j = places[k] + 1
        if line in code:
            indented = raw[places[k]].rstrip()
            changed = changed or indented != line
            line = indented
        out.append(line)
    return "\n".join(out) if changed else text
