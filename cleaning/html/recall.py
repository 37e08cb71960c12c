"""Recall passes after extraction: article text the extractor left in sibling containers.

Some templates split one article body over several containers of the same kind
(``<div class="body__container">`` chunk, advert, next chunk).  The extractor picks
the best container and stops there, so the article is cut after its first chunk.
:func:`continue_body` finds the containers the extracted paragraphs came from and
appends the paragraphs of other containers with the same tag and class, when they
belong to the same article (no second headline between them).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

from lxml import etree
from lxml.html import HtmlElement

# teasers and headline rails are told apart as the DOM rules tell them: a block with
# LINK_SHARE of link text is a teaser, link lists averaging HEADLINE_WORDS are rails,
# a link behind a label of at most LABEL_WORDS words is a teaser ("Read more: ...")
from cleaning.html.dom import HEADLINE_WORDS, LABEL_WORDS, LINK_SHARE
from cleaning.words import INVISIBLE_CHARS, JOINER_CHARS

# Paragraphs at least this long identify their container; shorter ones (captions,
# bylines) are too common to tell containers apart.
MIN_PARAGRAPH = 80
# Continuation containers must add at least this many characters of paragraphs.
MIN_ADDED = 200
# The container's unextracted paragraphs after the body must be this share of its
# paragraph text for the rest of the container to be taken.
MIN_TAIL_SHARE = 0.3
# A page with more containers of the signature than this is a listing or a
# comment thread, not one article cut into chunks.
MAX_CHUNKS = 12
_BLOCKS = ("p", "h2", "h3", "h4", "blockquote", "li")
_KEY_CHARS = 60


def _key(text: str) -> str:
    # without any whitespace: the extractor breaks lines at <br>, text_content() glues them
    # only the start is needed: the texts compared are single-spaced, so ten times the
    # key length holds more than enough non-space characters
    head = text[: 2 * _KEY_CHARS]
    if head.isascii():  # (ASCII letters lower-case one by one: a prefix gives a prefix)
        key = "".join(head.split()).lower()
        if len(key) >= _KEY_CHARS or len(head) == len(text):
            return key[:_KEY_CHARS]  # what the longer slice gives, read off a fifth of it
    return "".join(text[: 10 * _KEY_CHARS].split()).lower()[:_KEY_CHARS]


# paragraphs long enough before whitespace is collapsed (measured in C); the exact
# length is checked in Python for these only
_LONG_P = etree.XPath(f"descendant-or-self::p[string-length(.) >= {MIN_PARAGRAPH}]")


def long_paragraphs(el: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """The paragraphs under ``el`` of at least MIN_PARAGRAPH characters, with their text."""
    out = []
    for p in _LONG_P(el):
        text = " ".join(p.text_content().split())
        if len(text) >= MIN_PARAGRAPH:
            out.append((p, text))
    return out


def _blocks(el: HtmlElement) -> list[tuple[HtmlElement, str]]:
    """The block elements of ``el`` with their text as a line, outermost blocks only;
    link-only blocks (teasers) are left out."""
    if any(a.tag in _BLOCKS for a in el.iterancestors()):
        return []  # ``el`` is inside a block: so is every block of it
    out = []
    for block in el.iter(*_BLOCKS):
        if block is not el and _inside_block(block, el):
            continue  # inside a block already taken whole
        text = " ".join(block.text_content().split())
        if text and not _link_only(block):
            out.append((block, ("- " if block.tag == "li" else "") + text))
    return out


def _inside_block(block: HtmlElement, el: HtmlElement) -> bool:
    """Whether a block element under ``el`` has a block ancestor below ``el``.  The walk
    stops at ``el`` (whose own ancestors :func:`_blocks` tests once): the blocks of a
    container deep in the page would otherwise each climb to the document's root."""
    node = block.getparent()
    while node is not None and node is not el:
        if node.tag in _BLOCKS:
            return True
        node = node.getparent()
    return False


def _block_lines(el: HtmlElement) -> list[str]:
    """The text of the block elements of ``el``, one line each, outermost blocks only."""
    return [line for _, line in _blocks(el)]


def _signature(el: HtmlElement | None) -> tuple[str, str | None] | None:
    return None if el is None else (str(el.tag), el.get("class"))


def _link_only(el: HtmlElement) -> bool:
    """A block that is (almost) only link text: a "more stories" entry."""
    if next(el.iter("a"), None) is None:
        return False  # no link, no link text (most blocks of an article): its text is not read
    text = "".join(el.itertext()).strip()
    linked = sum(len("".join(a.itertext()).strip()) for a in el.iter("a"))
    return bool(text) and linked >= LINK_SHARE * len(text)


def continue_body(
    root: HtmlElement, body: str, paragraphs: list[tuple[HtmlElement, str]] | None = None
) -> str:
    """``body`` plus the paragraphs of same-signature sibling containers it missed.

    ``root`` is the pruned tree the extractor read.  Returns ``body`` unchanged when
    nothing qualifies."""
    if not body:
        return body
    have = {_key(line) for line in body.split("\n") if len(line.strip()) >= MIN_PARAGRAPH}
    if not have:
        return body
    containers: list[HtmlElement] = []
    extracted: list[HtmlElement] = []
    for p, text in long_paragraphs(root) if paragraphs is None else paragraphs:
        if _key(text) in have:
            extracted.append(p)
            parent = p.getparent()
            if parent is not None and parent not in containers:
                containers.append(parent)
    signatures = {(c.tag, c.get("class")) for c in containers if c.get("class")}
    if len(signatures) > 1:
        # paragraphs the extractor took from a teaser or a paywall's copy of the lead: the
        # container holding most of them is the article's
        main = _main_container(extracted)
        signatures = {(main.tag, main.get("class"))} if main is not None else set()
        containers = [c for c in containers if _signature(c) in signatures]
    if len(signatures) != 1 or None in next(iter(signatures)):
        return body
    tag, cls = next(iter(signatures))
    chunks = root.xpath(f"//{tag}[@class=$cls]", cls=cls)
    if len(chunks) > MAX_CHUNKS:
        return body
    taken = set(containers)
    parents = {_signature(c.getparent()) for c in containers}
    before: list[str] = []
    after: list[str] = []
    seen_first = False
    for chunk in chunks:
        if chunk in taken:
            seen_first = True
            continue
        if _signature(chunk.getparent()) not in parents:
            continue  # same class under another kind of parent: a generic widget class
        if any(a in taken for a in chunk.iterancestors()) or any(
            d in taken for d in chunk.iterdescendants()
        ):
            continue
        in_chunk = long_paragraphs(chunk)
        new = [t for _, t in in_chunk if _key(t) not in have]
        if sum(len(t) for t in new) < MIN_ADDED or len(new) < len(in_chunk) / 2:
            continue
        if _headline_between(containers[0], chunk):
            continue
        (after if seen_first else before).extend(
            line for line in _block_lines(chunk) if _key(line.removeprefix("- ")) not in have
        )
    if not before and not after:
        return body
    return "\n".join([*before, body, *after])


def _headline_between(a: HtmlElement, b: HtmlElement) -> bool:
    """True when an <h1> lies between ``a`` and ``b`` in document order: ``b`` is in
    another article (an infinite-scroll page), not a continuation of this one."""
    root = a.getroottree().getroot()
    inside = False
    for el in root.iter():
        if el is a or el is b:
            if inside:
                return False
            inside = True
        elif inside and el.tag == "h1":
            return True
    return False


def _main_container(extracted: list[HtmlElement]) -> HtmlElement | None:
    """The parent of the extracted paragraphs: the one parent they all share, or the one
    that holds more than half of them (the others hold a copy of the first paragraph in a
    paywall teaser, a teaser's summary the extractor took along)."""
    counts: dict[HtmlElement, int] = {}
    for p in extracted:
        parent = p.getparent()
        if parent is not None:
            counts[parent] = counts.get(parent, 0) + 1
    if not counts:
        return None
    main = max(counts, key=lambda el: counts[el])
    return main if 2 * counts[main] > len(extracted) else None


def finish_container(
    root: HtmlElement, body: str, paragraphs: list[tuple[HtmlElement, str]] | None = None
) -> str:
    """``body`` plus the blocks its own container holds after the last extracted paragraph.

    When the extracted paragraphs sit in one container (or more than half of them do, the
    others being a teaser's summary or a paywall's copy of the lead) and it goes on
    with at least :data:`MIN_TAIL_SHARE` of its paragraph text unextracted, the
    extractor stopped early inside the article (at a crosshead it took for a footer,
    an embed); the rest of the container is appended."""
    if not body:
        return body
    have = {_key(line) for line in body.split("\n") if len(line.strip()) >= MIN_PARAGRAPH}
    if not have:
        return body
    pairs = long_paragraphs(root) if paragraphs is None else paragraphs
    container = _main_container([p for p, text in pairs if _key(text) in have])
    if container is None:
        return body
    total = sum(len(t) for _, t in long_paragraphs(container))
    blocks = _blocks(container)
    last = max(
        (i for i, (_, line) in enumerate(blocks) if _key(line.removeprefix("- ")) in have),
        default=-1,
    )
    if last < 0:
        return body
    # the extractor may have split a block into lines (<br>): compare against the whole body
    flat = "".join(body.split()).lower()
    tail = [
        (el, line) for el, line in blocks[last + 1 :] if _key(line.removeprefix("- ")) not in flat
    ]
    missing = sum(len(line) for el, line in tail if el.tag == "p" and len(line) >= MIN_PARAGRAPH)
    if missing < MIN_ADDED or missing < MIN_TAIL_SHARE * total:
        return body
    return "\n".join([body, *(line for _, line in tail)])


# Blocks that fill_gaps puts back between two extracted blocks of the same container.
_UNITS = ("p", "ul", "ol", "dl", "table", "h2", "h3", "h4", "h5", "h6", "blockquote")
_WRAPPERS = ("div", "section", "figure")
_WRAPPED = ("ul", "ol", "dl", "table", "p", "blockquote")


# characters the extractor leaves out of its text: zero-width spaces and joiners, soft hyphens
_INVISIBLE = tuple(INVISIBLE_CHARS + JOINER_CHARS)


def _flat(line: str) -> str:
    """A line without whitespace, invisible characters, list and table markers and
    permalink signs, lower-cased: how lines are compared (the extractor splits blocks at
    <br>, marks list items, drops "#" heading anchors)."""
    flat = "".join(line.removeprefix("- ").split()).lower()
    if not flat.isascii():
        for ch in _INVISIBLE:
            if ch in flat:
                flat = flat.replace(ch, "")
    return flat.replace("|", "").replace("#", "")


def _flat_key(line: str) -> str:
    """The first :data:`_KEY_CHARS` characters of :func:`_flat` of the line's first
    ``4 * _KEY_CHARS`` characters (how fill_gaps finds a line in the body)."""
    head = line[: 2 * _KEY_CHARS]
    if head.isascii():  # (_flat only removes characters: a prefix gives a prefix)
        key = _flat(head)
        if len(key) >= _KEY_CHARS or len(head) == len(line):
            return key[:_KEY_CHARS]
    return _flat(line[: 4 * _KEY_CHARS])[:_KEY_CHARS]


def _unit_lines(unit: HtmlElement) -> list[str]:
    """A unit's text as the extractor writes it: a line per list item or table row."""
    if unit.tag in ("ul", "ol", "dl"):
        items = [el for el in unit.iter("li", "dt", "dd") if el.getparent() is unit]
        lines = [" ".join(el.text_content().split()) for el in items]
        return ["- " + line for line in lines if line]
    if unit.tag == "table":
        rows = []
        for tr in unit.iter("tr"):
            cells = [" ".join(c.text_content().split()) for c in tr if c.tag in ("td", "th")]
            if any(cells):
                rows.append("| " + " | ".join(cells) + " |")
        return rows
    text = " ".join(unit.text_content().split())
    return [text] if text else []


def _as_unit(el: HtmlElement) -> HtmlElement | None:
    """``el`` when it is a block; else the one table or list a wrapper holds (``<div
    class="table-wrapper"><table>``, a list in a group), or None."""
    if el.tag in _UNITS:
        return el
    for _ in range(3):
        if el.tag not in _WRAPPERS or (el.text and el.text.strip()) or len(el) != 1:
            return None
        el = el[0]
        if el.tail and el.tail.strip():
            return None
        if el.tag in _WRAPPED:
            return el
    return None


def _labelled_link(el: HtmlElement) -> bool:
    """A link behind a short label ("Read more: <a>...</a>", "See also: <a>...</a>")."""
    text = " ".join(el.text_content().split())
    linked = " ".join(" ".join(a.text_content().split()) for a in el.iter("a"))
    label = len(text.split()) - len(linked.split())
    return bool(linked) and 0 < label <= LABEL_WORDS and len(linked) >= len(text) / 2


def _teaser(unit: HtmlElement, unit_lines: list[str]) -> bool:
    """A block that is not article text even between article paragraphs: pictures with
    their captions, links behind a "Read more:" label, or links only (a headline, a list
    of headlines)."""
    if any(True for _ in unit.iter("img", "figure", "picture")):
        return True
    links = [a.get("href") or "" for a in unit.iter("a")]
    if links and all(href.startswith("#") for href in links):
        return True  # a table of contents
    if unit.tag in ("ul", "ol"):
        items = [li for li in unit if li.tag == "li"]
        if items and all(_labelled_link(li) for li in items):
            return True
    elif unit.tag == "p" and _labelled_link(unit):
        return True
    if not _link_only(unit):
        return False
    words = sum(len(line.split()) for line in unit_lines)
    return unit.tag not in ("ul", "ol") or words >= HEADLINE_WORDS * len(unit_lines)


def fill_gaps(
    root: HtmlElement, body: str, paragraphs: list[tuple[HtmlElement, str]] | None = None
) -> str:
    """``body`` plus the blocks the extractor skipped between two extracted blocks of one
    container: a list, table or crosshead set between the article's paragraphs.

    Only containers holding an extracted paragraph are read.  A block goes back only when
    it is a sibling of the extracted blocks before and after it, and none of its lines is
    in ``body`` already."""
    if not body:
        return body
    lines = body.split("\n")
    flat = [_flat(line) for line in lines]
    # all lines glued: the extractor splits a block at <br>, a key may span two body lines
    glued = "".join(flat)
    starts = list(accumulate((len(f) for f in flat[:-1]), initial=0))
    line_keys = {f[:_KEY_CHARS]: i for i, f in enumerate(flat) if f}

    def position(unit_lines: list[str]) -> int:
        """The last body line holding one of these lines, or -1.  A short line found
        inside a longer one counts as found: a block is put back only when surely missing."""
        best = -1
        for line in unit_lines:
            key = _flat_key(line)
            if not key:
                continue
            at = line_keys.get(key, -1)  # most blocks start a body line
            if at < 0:
                found = glued.find(key)
                at = -1 if found < 0 else bisect_right(starts, found + len(key) - 1) - 1
            best = max(best, at)
        return best

    containers: list[HtmlElement] = []
    for p, text in long_paragraphs(root) if paragraphs is None else paragraphs:
        parent = p.getparent()
        key = _flat_key(text)
        if parent is not None and parent not in containers and key in glued:
            containers.append(parent)
    inserts: dict[int, list[str]] = {}
    for container in containers:
        last = -1  # body line of the previous extracted block
        pending: list[str] = []
        for child in container:
            unit = _as_unit(child)
            if unit is None:
                continue
            unit_lines = _unit_lines(unit)
            if not unit_lines:
                continue
            at = position(unit_lines)
            if at < 0:
                if not _teaser(unit, unit_lines):
                    pending.extend(unit_lines)
                continue
            if pending and last >= 0 and at > last:
                inserts.setdefault(last, []).extend(pending)
            last, pending = at, []
    if not inserts:
        return body
    out: list[str] = []
    for i, line in enumerate(lines):
        out.append(line)
        out.extend(inserts.get(i, ()))
    return "\n".join(out)


# Class-name fragments that make the extractor discard an element as a widget (an "embed",
# a "meta" field, an accordion with an "-icon", a "slide") although CMSs put article text
# in such elements too; and the marks of content hidden until a click (tabs, accordions).
_WEAK_CLASS = re.compile(r"embed|-icon|meta|expand|slide|options|rating|hidden|hide")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_CONTAINERS = {"div", "section", "span"}
# An element holding this many paragraphs of prose is article text, whatever its class says.
PROSE_PARAGRAPHS = 2
MAX_LINK_SHARE = 0.3


def _link_share(el: HtmlElement) -> float:
    text = len(el.text_content())
    linked = sum(len(a.text_content()) for a in el.iter("a"))
    return linked / text if text else 0.0


def _masked(el: HtmlElement) -> bool:
    """Whether the extractor would discard ``el`` for its markup alone."""
    cls = el.get("class")
    if cls and _WEAK_CLASS.search(cls):
        return True
    style = el.get("style")
    return el.get("aria-hidden") == "true" or bool(style and _HIDDEN_STYLE.search(style))


def _masked_ancestors(
    el: HtmlElement, memo: dict[HtmlElement, tuple[HtmlElement, ...]]
) -> tuple[HtmlElement, ...]:
    """The masked containers among the ancestors of ``el`` (paragraphs share ancestors:
    each one is tested once, ``memo`` keeps the answers)."""
    path: list[HtmlElement] = []
    node = el.getparent()
    while node is not None and node not in memo:
        path.append(node)
        node = node.getparent()
    found = memo[node] if node is not None else ()
    for node in reversed(path):  # from the top down
        if node.tag in _CONTAINERS and _masked(node):
            found = (node, *found)
        memo[node] = found
    return found


def _defuse(match: re.Match[str]) -> str:
    word = match.group()
    return word[:2] + "_" + word[2:]


def unmask_prose(root: HtmlElement, paragraphs: list[tuple[HtmlElement, str]] | None = None) -> int:
    """Let the extractor see article text it would discard for its markup.

    A container (div, section, span) that holds :data:`PROSE_PARAGRAPHS` long paragraphs
    keeps its place in the tree but has the class-name fragments that read as a widget to
    the extractor (see :data:`_WEAK_CLASS`) broken up, and loses the marks that hide it
    until a click (``display: none``, ``aria-hidden``).  Runs after the DOM rules, so the
    widgets they know are gone.  Returns how many elements were changed."""
    held: dict[HtmlElement, int] = {}  # masked ancestors of long paragraphs -> how many
    above: dict[HtmlElement, tuple[HtmlElement, ...]] = {}  # element -> masked ancestors
    for p, _ in long_paragraphs(root) if paragraphs is None else paragraphs:
        for el in _masked_ancestors(p, above):
            held[el] = held.get(el, 0) + 1
    changed = 0
    for el, count in held.items():
        if count < PROSE_PARAGRAPHS or _link_share(el) >= MAX_LINK_SHARE:
            continue
        cls = el.get("class")
        if cls:
            el.set("class", _WEAK_CLASS.sub(_defuse, cls))
        style = el.get("style")
        if style:
            el.set("style", _HIDDEN_STYLE.sub("", style))
        el.attrib.pop("aria-hidden", None)
        changed += 1
    return changed


def recall_passes(
    root: HtmlElement, body: str, paragraphs: list[tuple[HtmlElement, str]] | None = None
) -> str:
    """:func:`finish_container`, :func:`continue_body` then :func:`fill_gaps`, reading the
    page's paragraphs once (``paragraphs``: :func:`long_paragraphs` of ``root``)."""
    if not body:
        return body
    if paragraphs is None:
        paragraphs = long_paragraphs(root)
    body = continue_body(root, finish_container(root, body, paragraphs), paragraphs)
    return fill_gaps(root, body, paragraphs)
