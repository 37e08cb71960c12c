"""Is this page an article?  Section fronts, listings, galleries and error pages are not.

The verdict is a ``drop_reason`` string (``not_article:<kind>``) or None.  The tests
are conservative: a false "not an article" loses a whole article, a missed listing
only costs one bad record, so each test needs two independent signals.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from cleaning.metadata.jsonld import is_article_type
from cleaning.metadata.page import PageMeta

_ERROR_TITLE = re.compile(
    r"\b(404|410|page not found|not found|page (does not|doesn't) exist|no longer available|"
    r"seite nicht gefunden|página no encontrada|page introuvable|pagina non trovata|"
    r"error\s*(404|page)|oops)\b",
    re.I,
)
_LISTING_PATH = re.compile(
    r"^/(?:[a-z]{2}(?:-[a-z]{2})?/)?(tag|tags|topic|topics|category|categories|section|sections|"
    r"search|author|authors|archive|archives|page|label|rubrique|thema|themen)(/|$)",
    re.I,
)
_GALLERY_PATH = re.compile(
    r"/(gallery|galleries|photos?|pictures|slideshow|in-pictures)(/|-|$)", re.I
)
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage"}
# JSON-LD types that say "a page about one thing" rather than "an article": every page of
# some sites declares them, section fronts included
_PAGE_TYPES = {"webpage", "videoobject"}

MIN_WORDS = 25
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")


def count_words(text: str) -> int:
    """Words, counting CJK text (no spaces) as one word per two characters."""
    spaced = len(text.split())
    return max(spaced, len(_CJK.findall(text)) // 2 + spaced // 4)


@dataclass(frozen=True)
class PageHead:
    """What :func:`classify_page` reads in the page's ``<head>``: the ``<title>`` text
    (spacing collapsed) and the ``og:type`` (lower case); empty when absent."""

    title: str
    og_type: str


def read_head(root: HtmlElement) -> PageHead:
    """The :class:`PageHead` of a page, read before its ``<head>`` is dropped."""
    title_el = root.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else ""
    return PageHead(title, _og_type(root))


def classify_page(
    root: HtmlElement, url: str | None, meta: PageMeta, text: str, head: PageHead
) -> str | None:
    """The drop reason for a page that is not an article, or None when it is one.

    ``text`` is the extracted body (after rules); ``meta`` the page's metadata; ``head``
    what the ``<head>`` said (:func:`read_head`, read before the ``<head>`` is dropped).
    """
    words = count_words(text)
    # a saved page has no URL: its canonical URL stands in; with neither, nothing is known
    # of the path (a missing URL is not the site's front page)
    where = url or meta.canonical_url
    path = urlsplit(where).path if where else None
    is_article_typed = is_article_type(meta.types - _PAGE_TYPES) or head.og_type == "article"

    title = meta.title or ""
    error_titled = bool(_ERROR_TITLE.search(head.title) or _ERROR_TITLE.search(title))
    if error_titled and words < 150 and (not is_article_typed or words < 40):
        return "not_article:error_page"

    if not is_article_typed and words < 400:
        if meta.types & _LISTING_TYPES or (path in ("", "/") and not meta.published):
            return "not_article:listing"
        density = _link_density(root)
        mostly_links = (
            words < 150 and density > 0.6 and not meta.published and not _slug_path(path or "")
        )
        if (path and _LISTING_PATH.search(path) and density > 0.5) or mostly_links:
            return "not_article:listing"

    if words < MIN_WORDS and (
        (path and _GALLERY_PATH.search(path)) or "imagegallery" in meta.types
    ):
        return "not_article:gallery"
    if words < MIN_WORDS // 2 or not text.strip():
        return "not_article:no_text"
    return None


_SLUG = re.compile(r"([a-z0-9]+[-_]){3,}[a-z0-9]+|\d{5,}", re.I)


def _slug_path(path: str) -> bool:
    """An article-style URL: the last segment is a slug of four or more words, or an id."""
    last = next((seg for seg in reversed(path.split("/")) if seg), "")
    return bool(_SLUG.search(last))


def _og_type(root: HtmlElement) -> str:
    for el in root.iter("meta"):
        if (el.get("property") or el.get("name") or "").lower() == "og:type":
            return (el.get("content") or "").strip().lower()
    return ""


def _link_density(root: HtmlElement) -> float:
    """Share of the body's visible text that sits inside links."""
    body = root.find("body")
    if body is None:
        return 0.0
    texts = body.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    total = sum(len(t.split()) for t in texts)
    if not total:
        return 0.0
    linked = sum(len(t.split()) for t in body.xpath(".//a//text()"))
    return linked / total
