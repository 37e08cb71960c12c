"""The body of a page whose article is not in its markup: a script payload.

Sites built on client-side frameworks (Next.js, Nuxt, other single-page apps) may ship the
article only as data for the script that renders it: a JSON string of HTML inside a
``<script>`` (``self.__next_f.push([1,"...\\u003cp\\u003e...")``, ``window.__STATE__ = {...}``,
``__NEXT_DATA__``), or the JSON-LD ``articleBody``.  The visible page then holds a headline
and navigation, and the extractor finds nothing.  Only then (the extracted body is too short
to be an article) is the payload read: the JSON string literal that carries the most
paragraph text wins, its paragraphs become the body.

No framework is named: the evidence is markup (``<p>`` elements, escaped or not, inside a
JSON string) and size.
"""

from __future__ import annotations

import json
import re

import lxml.html
from lxml import etree

# where a JSON string may carry paragraph markup: "<p>" / "<p class=...>", as is or escaped
_P_OPEN = re.compile(r"<p[ >]|\\u003cp[ >\\]", re.I)
# a string literal is read only when it is this long (a caption or a teaser is shorter)
_MIN_LITERAL = 400
# ... and a payload is used only when its paragraphs hold this many characters
MIN_PAYLOAD_CHARS = 300
_MIN_PARAGRAPH = 20
_MAX_LITERAL = 2_000_000  # a script larger than this is a bundle, not a payload


def script_texts(root: etree._Element) -> list[str]:
    """The texts of the page's inline scripts that may carry an article as data: long enough,
    holding paragraph markup, not JSON-LD (read as metadata) nor an HTML template."""
    out = []
    for script in root.iter("script"):
        text = script.text
        if not text or len(text) < _MIN_LITERAL or script.get("src"):
            continue
        kind = (script.get("type") or "").strip().lower()
        if kind in ("application/ld+json", "text/template", "text/x-template"):
            continue  # JSON-LD is read as metadata (articleBody); templates are markup skeletons
        if _P_OPEN.search(text):
            out.append(text)
    return out


def _literal_around(text: str, at: int) -> tuple[int, int] | None:
    """(start, end) of the JSON string literal (quotes included) that holds ``text[at]``."""
    i = at
    while True:
        i = text.rfind('"', 0, i)
        if i < 0:
            return None
        # a quote preceded by an odd number of backslashes is escaped
        k = i
        while k > 0 and text[k - 1] == "\\":
            k -= 1
        if (i - k) % 2 == 0:
            break
    j = at
    while True:
        j = text.find('"', j)
        if j < 0:
            return None
        k = j
        while k > 0 and text[k - 1] == "\\":
            k -= 1
        if (j - k) % 2 == 0:
            return i, j + 1
        j += 1


def _paragraphs(markup: str) -> list[str]:
    """The text of the ``<p>`` elements of an HTML fragment, spacing collapsed."""
    try:
        frag = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    out = []
    for p in frag.iter("p"):
        text = " ".join(p.text_content().split())
        if len(text) >= _MIN_PARAGRAPH:
            out.append(text)
    return out


def payload_body(scripts: list[str]) -> str:
    """The paragraphs of the script payload that carries the most paragraph text, one a line;
    "" when no payload holds :data:`MIN_PAYLOAD_CHARS` of them."""
    best: list[str] = []
    best_chars = 0
    for text in scripts:
        if len(text) > _MAX_LITERAL:
            continue
        pos = 0
        while (m := _P_OPEN.search(text, pos)) is not None:
            span = _literal_around(text, m.start())
            if span is None:
                break
            start, end = span
            pos = max(end, m.end())
            if end - start < _MIN_LITERAL:
                continue
            try:
                markup = json.loads(text[start:end])
            except ValueError:
                continue
            if not isinstance(markup, str):
                continue
            paragraphs = _paragraphs(markup)
            chars = sum(map(len, paragraphs))
            if chars > best_chars:
                best, best_chars = paragraphs, chars
    return "\n".join(best) if best_chars >= MIN_PAYLOAD_CHARS else ""
