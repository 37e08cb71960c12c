"""The standfirst the extractor left out, put back as the body's first line.

Many templates set the lead paragraph (standfirst, teaser, "Vorspann") apart from the
body: another class, a wrapper of its own, bold type.  The extractor often takes it
for page furniture and starts the body at the first ordinary paragraph.  The page's
description (``og:description``, ``<meta name="description">``) usually repeats the
standfirst, so a block whose text is the description, standing in the article's
container just before the first extracted paragraph, is the standfirst: it is put
back.  The evidence is markup and position, not wording: it holds in any language.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from cleaning.html.recall import _key
from cleaning.tree import doc_position

# Descriptions shorter than this are a slogan or a site blurb, not a standfirst.
MIN_CHARS = 40
# The standfirst and the first extracted paragraph share an ancestor at most this many
# levels above the paragraph: the article's container, not the whole page.
MAX_LEVELS = 4
# Blocks that may hold a standfirst.
_BLOCKS = ("p", "div", "h2", "span", "section", "header", "strong")
_ELLIPSIS = ("...", "…", "[...]", "[…]")


def _flat(text: str) -> str:
    return "".join(text.split()).lower()


def _description(description: str) -> tuple[str, bool]:
    """The description without whitespace, lower-cased, and whether it was cut short."""
    text = description.strip()
    for mark in _ELLIPSIS:
        if text.endswith(mark):
            return _flat(text.removesuffix(mark)), True
    return _flat(text), False


def _names(el: HtmlElement, desc: str, cut: bool) -> bool:
    text = _flat(el.text_content())
    if cut:
        return text.startswith(desc) and len(text) <= 2 * len(desc)
    return text == desc


def _first_extracted(
    paragraphs: list[tuple[HtmlElement, str]], lines: list[str]
) -> HtmlElement | None:
    """The first of ``paragraphs`` that is one of the body's ``lines`` (by :func:`_key`).

    The body's lines are keyed only as far as needed: the first extracted paragraph is
    usually found near the body's start, and keying every line of a long body cost more
    than the rest of the standfirst search."""
    have: set[str] = set()
    rest = iter(lines)
    for p, text in paragraphs:
        key = _key(text)
        if key in have:
            return p
        for line in rest:
            found = _key(line)
            have.add(found)
            if found == key:
                return p
    return None


def restore_standfirst(
    root: HtmlElement,
    body: str,
    description: str | None,
    paragraphs: list[tuple[HtmlElement, str]],
) -> str:
    """``body`` with the standfirst first, when the extractor missed it.

    ``paragraphs`` are the page's long paragraphs (:func:`~cleaning.html.recall.long_paragraphs`
    of ``root``).  The standfirst is the innermost block whose text is the page's
    description, before the first extracted paragraph and under one of its
    :data:`MAX_LEVELS` nearest ancestors, with no other long paragraph between the two
    and no link in it (a teaser of another story names its own description)."""
    if not body or not description:
        return body
    desc, cut = _description(description)
    if len(desc) < MIN_CHARS or desc[:200] in _flat(body):
        return body
    first = _first_extracted(paragraphs, body.split("\n"))
    if first is None:
        return body
    ancestors = list(first.iterancestors())[:MAX_LEVELS]
    # a block that names the description is part of its ancestor's text: one look at that
    # text (case folded, which works letter by letter) spares reading every block of an
    # ancestor that cannot hold it
    folded = desc.casefold()
    scope = next(
        (
            a
            for a in ancestors
            if folded in "".join(a.text_content().split()).casefold()
            and any(_names(b, desc, cut) for b in a.iter(*_BLOCKS))
        ),
        None,
    )
    if scope is None or scope.tag in ("body", "html"):
        return body
    found = [b for b in scope.iter(*_BLOCKS) if _names(b, desc, cut)]
    # innermost: a block none of whose descendants also names the description
    inner = [b for b in found if not any(d in found for d in b.iterdescendants())]
    start = doc_position(first)
    before = [b for b in inner if doc_position(b) < start and first not in b.iterdescendants()]
    if len(before) != 1:
        return body
    lead = before[0]
    if any(True for _ in lead.iter("a")) or any(a.tag == "a" for a in lead.iterancestors()):
        return body
    at = doc_position(lead)
    if any(
        at < doc_position(p) < start
        for p, _ in paragraphs
        if p is not lead and lead not in p.iterancestors()
    ):
        return body
    return "\n".join([" ".join(lead.text_content().split()), body])
