"""Parse what the crawler discovers articles from: sitemaps, sitemap indexes, RSS/Atom feeds,
robots.txt and the ``<link rel="alternate">`` feeds of a front page.

Pure functions from bytes to lists of :class:`Link`, so they are tested with strings.

Hostile XML is bounded here: a gzip body is expanded up to ``max_bytes`` only (a gzip
bomb is refused as ``too_large``, never expanded in full); lxml parses with entities
left unresolved, no network and libxml2's default limits (``huge_tree=False``: entity
amplification, depth and node size); and a document that declares entities (the
billion-laughs and external-entity attacks; no sitemap or feed needs them) is refused
as ``xml_entities``, as defusedxml does by default.
"""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from lxml import etree, html

from crawler.settings import NEWSCLEAN_SOURCE_MAXSIZE

FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


@dataclass(frozen=True)
class Link:
    """A URL found in a source, with the date the source gives for it, if any."""

    url: str
    date: datetime | None = None


@dataclass(frozen=True)
class Parsed:
    """What one source lists: article pages, and further sources (child sitemaps)."""

    kind: str  # "urlset", "sitemapindex", "feed" or "unknown"
    pages: list[Link]
    sources: list[Link]
    refused: str | None = None  # why nothing was read: "too_large" or "xml_entities"


def parse_date(value: str | None) -> datetime | None:
    """W3C datetime (sitemaps, Atom) or RFC 822 (RSS) to an aware UTC datetime."""
    if not value:
        return None
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _maybe_gunzip(body: bytes, max_bytes: int) -> bytes | None:
    """``body``, gunzipped if it is gzip; None if it expands beyond ``max_bytes``."""
    if body[:2] != b"\x1f\x8b":
        return body
    d = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        data = d.decompress(body, max_bytes)
    except (zlib.error, gzip.BadGzipFile):
        return b""
    if d.unconsumed_tail:  # more output waits: the file is larger than allowed
        return None
    return data


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _child_text(el: etree._Element, name: str) -> str | None:
    for child in el:
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def _descendant_text(el: etree._Element, name: str) -> str | None:
    for child in el.iter():
        if _local(child.tag) == name and child.text:
            return child.text.strip()
    return None


def _declares_entities(root: etree._Element) -> bool:
    dtd = root.getroottree().docinfo.internalDTD
    return dtd is not None and next(iter(dtd.iterentities()), None) is not None


def parse_xml_source(
    body: bytes, base_url: str, max_bytes: int = NEWSCLEAN_SOURCE_MAXSIZE
) -> Parsed:
    """Parse a sitemap, sitemap index (Google News sitemaps included) or RSS/Atom feed.

    A gzip ``body`` is expanded up to ``max_bytes`` (the crawl passes the source's
    download cap, ``NEWSCLEAN_SOURCE_MAXSIZE`` by default); beyond, or when the document
    declares entities, nothing is read and ``refused`` says why."""
    data = _maybe_gunzip(body, max_bytes)
    if data is None or len(data) > max_bytes:
        return Parsed("unknown", [], [], refused="too_large")
    parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser=parser)
    except (etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        return Parsed("unknown", [], [])
    if _declares_entities(root):
        return Parsed("unknown", [], [], refused="xml_entities")
    kind = _local(root.tag)
    if kind == "urlset":
        pages = []
        for el in root:
            if _local(el.tag) != "url":
                continue
            loc = _child_text(el, "loc")
            if not loc:
                continue
            # A news sitemap's publication date says more than lastmod about an article's age.
            date = parse_date(_descendant_text(el, "publication_date")) or parse_date(
                _child_text(el, "lastmod")
            )
            pages.append(Link(urljoin(base_url, loc), date))
        return Parsed("urlset", pages, [])
    if kind == "sitemapindex":
        sources = [
            Link(urljoin(base_url, loc), parse_date(_child_text(el, "lastmod")))
            for el in root
            if _local(el.tag) == "sitemap" and (loc := _child_text(el, "loc"))
        ]
        return Parsed("sitemapindex", [], sources)
    if kind in ("rss", "rdf"):
        pages = []
        for item in root.iter():
            if _local(item.tag) != "item":
                continue
            link = _child_text(item, "link")
            if not link:
                guid = next((c for c in item if _local(c.tag) == "guid"), None)
                if guid is not None and guid.get("isPermaLink", "true") == "true" and guid.text:
                    link = guid.text.strip()
            if link:
                date = parse_date(_child_text(item, "pubdate") or _child_text(item, "date"))
                pages.append(Link(urljoin(base_url, link), date))
        return Parsed("feed", pages, [])
    if kind == "feed":
        pages = []
        for entry in root:
            if _local(entry.tag) != "entry":
                continue
            href = None
            for link_el in entry:
                if _local(link_el.tag) == "link" and link_el.get("rel", "alternate") == "alternate":
                    href = link_el.get("href")
                    break
            if href:
                date = parse_date(_child_text(entry, "published") or _child_text(entry, "updated"))
                pages.append(Link(urljoin(base_url, href), date))
        return Parsed("feed", pages, [])
    return Parsed("unknown", [], [])


def looks_like_xml(body: bytes, content_type: str = "") -> bool:
    """True for XML sources (by content type, gzip magic or an XML-ish first tag)."""
    ct = content_type.lower()
    if "xml" in ct or body[:2] == b"\x1f\x8b":
        return True
    head = body[:512].lstrip().lower()
    return head.startswith(b"<?xml") or head.startswith((b"<rss", b"<feed", b"<urlset"))


def feed_links(body: bytes, base_url: str) -> list[str]:
    """Feed URLs declared by a front page's ``<link rel="alternate" type="...">``."""
    try:
        doc = html.fromstring(body)
    except (etree.ParserError, ValueError):
        return []
    out: list[str] = []
    for el in doc.iter("link"):
        rel = (el.get("rel") or "").lower().split()
        typ = (el.get("type") or "").lower().split(";")[0].strip()
        href = el.get("href")
        if "alternate" in rel and typ in FEED_TYPES and href:
            url = urljoin(base_url, href.strip())
            if url not in out:
                out.append(url)
    return out
