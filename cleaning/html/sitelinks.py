"""Lists of links to the site's other articles, wherever they stand on the page.

A list of short linked items set between two paragraphs of an article is either part of the
article (the courses, shops or tools it names, linked) or a box of other stories the
publisher set into the text ("More on this topic", "Our exclusive analyses"): the DOM rule
``generic.related.link_list`` spares the first kind, so the second stays.  Link share alone
cannot tell them apart; the link targets can.  Another story of the same site has a URL of
the same shape as the page's own (the same depth, an id or a slug where the page has one:
``/politics/article123456/a-long-slug.html`` next to ``/economy/article654321/other-slug.html``),
while the things an article lists link to other sites or to pages of another kind (a shop,
a course, a product page).

:data:`RULE`: a ``<ul>`` or ``<ol>`` of at least :data:`MIN_ITEMS` items, each mostly link
text (a headline, possibly after a short kicker), where every item's first link leads to
another page of the page's own site whose path has the page's shape, is removed.  It needs
the page's URL (given or declared as canonical), so it runs in :func:`drop_article_links`,
after the other DOM rules.

:data:`TEASER_RULE`: a paragraph that is only a short label and links to other articles
("Read also: <a>headline</a>", in whatever words and language the label is written) is a
teaser of another story (:func:`is_article_teaser`).

The evidence is the URL shape and the layout of label and link, not wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from cleaning.record import Removal
from cleaning.tree import doc_position

RULE = "generic.related.article_links"
TEASER_RULE = "generic.related.article_teaser"
RULES = (RULE, TEASER_RULE)
# fewer items are a pair of "see also" links inside the text, which some publishers count
# as the article's
MIN_ITEMS = 3
# each item's link text is at least this share of the item's text: a headline, with room
# for a kicker or a date outside the link
ITEM_LINK_SHARE = 0.5
_REMOVED_TEXT_CHARS = 300
# a teaser paragraph: a label of at most this many words before its first link ("Read
# also:", "More on this story |"), at most TAG_WORDS words after a link ("[VIDEO]"), and a
# headline of at least HEADLINE_WORDS words in its links
TEASER_LABEL_WORDS = 5
TAG_WORDS = 2
TEASER_HEADLINE_WORDS = 3
_ID = re.compile(r"\d{5,}")


def _segment(part: str) -> str:
    """The kind of one path segment: a number (a year, a day), an id (a run of five digits
    or more, alone or in a slug), a slug (three hyphen- or underscore-joined words and
    more), or a plain word (a section)."""
    if part.isdigit():
        return "number"
    if _ID.search(part):
        return "id"
    if part.count("-") >= 2 or part.count("_") >= 2:
        return "slug"
    return "word"


def url_shape(path: str) -> tuple[str, ...]:
    """The kinds of the segments of ``path`` (see :func:`_segment`)."""
    return tuple(_segment(part) for part in path.split("/") if part)


def _host(netloc: str | None) -> str:
    return (netloc or "").lower().removeprefix("www.")


class _Page:
    """The page's host, path and path shape; an article's URL has a slug or an id."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url if "//" in url else "//" + url)
        self.host = _host(parts.hostname)
        self.path = parts.path.rstrip("/")
        self.shape = url_shape(parts.path)

    @property
    def usable(self) -> bool:
        # a content system's article URL: numbered (a date, an id) — a plain slug is also
        # how a site names its guides and product pages, which an article may list
        return bool(self.host) and ("id" in self.shape or "number" in self.shape)

    def is_other_article(self, href: str) -> bool:
        """Whether ``href`` leads to another page of this site whose path has this page's shape."""
        href = href.strip()
        if not href or href.startswith("#"):
            return False
        parts = urlsplit(href)
        if parts.scheme not in ("", "http", "https"):
            return False
        host = _host(parts.hostname)
        if host and host != self.host:
            return False
        if not parts.path.startswith("/"):
            return False  # a path relative to the page: its shape is not known
        path = parts.path.rstrip("/")
        return path != self.path and url_shape(path) == self.shape


def _text_len(el: HtmlElement) -> int:
    return len("".join(el.text_content().split()))


def _is_article_link_item(li: HtmlElement, page: _Page) -> bool:
    link = next(li.iter("a"), None)
    if link is None or not page.is_other_article(link.get("href") or ""):
        return False
    total = _text_len(li)
    linked = sum(_text_len(a) for a in li.iter("a"))
    return total > 0 and linked >= ITEM_LINK_SHARE * total


def is_article_link_list(el: HtmlElement, page: _Page) -> bool:
    """A list of :data:`MIN_ITEMS` items or more, each a link to another article of the site."""
    items = [li for li in el if li.tag == "li"]
    return len(items) >= MIN_ITEMS and all(_is_article_link_item(li, page) for li in items)


def _outside_links(el: HtmlElement) -> list[str]:
    """The texts of ``el`` outside its links, in order: before the first link, then after
    each link (up to the next one)."""
    parts = [""]
    _add_outside_links(el, parts)
    return parts


def _add_outside_links(node: HtmlElement, parts: list[str]) -> None:
    """:func:`_outside_links` of ``node``, added to ``parts`` (a function of the module: a
    closure that calls itself is a reference cycle holding the page's tree until a garbage
    collection)."""
    parts[-1] += node.text or ""
    for child in node:
        if child.tag == "a":
            parts.append("")
        elif isinstance(child.tag, str):
            _add_outside_links(child, parts)
        parts[-1] += child.tail or ""


def is_article_teaser(el: HtmlElement, page: _Page) -> bool:
    """A paragraph that is a label and links to other articles of the site, nothing more:
    all its links lead to another article (:meth:`_Page.is_other_article`), the text
    before the first is a label of at most :data:`TEASER_LABEL_WORDS` words, the text
    after each link at most :data:`TAG_WORDS` words, and the first link does not start
    in lower case (a headline does not; the rest of a sentence does)."""
    links = list(el.iter("a"))
    if not links or not all(page.is_other_article(a.get("href") or "") for a in links):
        return False
    if sum(len(a.text_content().split()) for a in links) < TEASER_HEADLINE_WORDS:
        return False
    first = next((ch for ch in links[0].text_content() if ch.isalpha()), "")
    if first.islower():
        return False  # the link goes on with a sentence ("You can <a>read the report</a>.")
    label, *after = _outside_links(el)
    return len(label.split()) <= TEASER_LABEL_WORDS and all(
        len(part.split()) <= TAG_WORDS for part in after
    )


def drop_article_links(
    root: HtmlElement,
    url: str | None,
    active: Collection[str] = RULES,
    leave: Callable[[str], bool] | None = None,
) -> list[Removal]:
    """Remove from ``root`` (in place) the lists and paragraphs the ``active`` rules (of
    :data:`RULES`) name; ``url`` is the page's (given or canonical).  A teaser paragraph
    whose text ``leave`` accepts is left where it is: a line rule of the body names it
    already ("Read more: ..."), and takes it out under its own id.  Returns the removals,
    in document order."""
    if not url or not active:
        return []
    page = _Page(url)
    if not page.usable:
        return []
    found = (
        [el for el in root.iter("ul", "ol") if is_article_link_list(el, page)]
        if RULE in active
        else []
    )
    # outermost lists only: a nested list goes with the one that holds it
    picked = [
        (el, RULE) for el in found if not any(a in found for a in el.iterancestors("ul", "ol"))
    ]
    picked += [
        (el, TEASER_RULE)
        for el in (root.iter("p") if TEASER_RULE in active else ())
        if is_article_teaser(el, page)
        and not any(a in found for a in el.iterancestors("ul", "ol"))
        and not (leave is not None and leave(" ".join(el.text_content().split())))
    ]
    picked.sort(key=lambda pair: doc_position(pair[0]))
    removed = []
    for el, rule in picked:
        label = _outside_links(el)[0].strip() if rule == TEASER_RULE else ""
        if label and leave is not None and leave(label) and _label_apart(el):
            # the label is a header a line rule names ("Don't miss"): it stays for that
            # rule, the links and what follows them go under this one
            removed.append(Removal(rule, _drop_from_first_link(el)[:_REMOVED_TEXT_CHARS]))
            continue
        text = " ".join(el.text_content().split())
        removed.append(Removal(rule, text[:_REMOVED_TEXT_CHARS]))
        # (its tail stays; space_block_tails has set a space before it)
        el.drop_tree()
    return removed


def _holder(el: HtmlElement) -> HtmlElement:
    """The child of ``el`` that holds its first link (the link itself, or a wrapper)."""
    holder = next(el.iter("a"))
    while holder.getparent() is not el:
        parent = holder.getparent()
        assert parent is not None
        holder = parent
    return holder


def _label_apart(el: HtmlElement) -> bool:
    """Whether the label of ``el`` stands apart from its first link's wrapper, so the links
    can go without it."""
    holder = _holder(el)
    return holder.tag == "a" or not _outside_links(holder)[0].strip()


def _drop_from_first_link(el: HtmlElement) -> str:
    """Remove the content of ``el`` from its first link on; returns the removed text."""
    holder = _holder(el)
    gone = [holder, *holder.itersiblings()]
    text = " ".join(" ".join(c.text_content().split() + (c.tail or "").split()) for c in gone)
    for child in gone:
        child.tail = None
        el.remove(child)
    return text.strip()
