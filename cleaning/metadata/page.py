"""Article metadata from a parsed page: JSON-LD first, then meta tags, then the visible page.

Every function reads the lxml tree it is given and nothing else; no network, no
clock except the "not in the future" bound on dates.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin

from lxml import etree
from lxml.html import HtmlElement

from cleaning.metadata.headline import pick_headline
from cleaning.tree import doc_position

_ARTICLE_TYPES = {
    "article",
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "reviewnewsarticle",
    "blogposting",
    "liveblogposting",
    "socialmediaposting",
    "report",
    "scholarlyarticle",
    "techarticle",
    "medicalwebpage",
    "advertisercontentarticle",
    "satiricalarticle",
    "posting",
    "webpage",
    "review",
    "recipe",
    "howto",
    "videoobject",
}
_BY = re.compile(
    r"^\s*(?:(?:written|posted|words|reporting|analysis|opinion|commentary|story|text|"
    r"interview)\s+)?by\s*[:\-]?\s+",
    re.I,
)
_AUTHOR_SPLIT = re.compile(r"\s*(?:,|;|\band\b|&|\||/|\bund\b|\be\b|\by\b|\bet\b)\s*", re.I)
_NOT_A_NAME = re.compile(
    r"\d|@|https?:|www\.|\b(updated|published|posted|am|pm|gmt|utc|edt|est|bst|min read|"
    r"read|comments?|minutes?|hours?|ago|staff|editor(ial)? board|newsroom|contributors?|"
    r"follow|twitter|email|view all)\b",
    re.I,
)
# Words of a job title ("Jane Doe, Senior Health Reporter"): a byline part holding one is
# the author's role, not a name.
_ROLE = (
    r"\b(?:experts?|editors?|writers?|reporters?|correspondents?|columnists?|analysts?|"
    r"producers?|directors?|managers?|specialists?|researchers?|professors?|founders?|"
    r"co-founders?|ceo|cto|officers?|journalists?|photographers?|consultants?|"
    r"strategists?|interns?|head of|chief)\b"
)
# ", <role>" after a name, up to the next separator ("Jane Doe, Privacy and Security Expert")
_ROLE_AFTER_COMMA = re.compile(r",[^,;|]*" + _ROLE + r"[^,;|]*", re.I)
_ROLE_WORD = re.compile(_ROLE, re.I)
_DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "date",
    "dc.date",
    "dc.date.issued",
    "dcterms.created",
    "sailthru.date",
    "parsely-pub-date",
    "cxenseparse:recs:publishtime",
    "article.published",
    "published_time",
    "originalpublicationdate",
)
_MODIFIED_META = (
    "article:modified_time",
    "og:updated_time",
    "og:article:modified_time",
    "datemodified",
    "lastmod",
    "last-modified",
    "dcterms.modified",
    "article.updated",
    "modified_time",
)
_AUTHOR_META = (
    "author",
    "article:author",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
    "cxenseparse:author",
    "twitter:creator:name",
)
# Byline elements: attribute tests in one XPath pass; class names are read as strings and
# tested in Python (contains() on every element's class costs more than the whole pass).
# (a union of three narrow paths: libxml2 tests one attribute per element instead of
# three, and looks for itemprop="name" only under itemprop="author"; same elements, same order)
_BYLINE_ATTRS = etree.XPath(
    'descendant::*/@rel[.="author"]/.. | descendant::*/@data-testid[.="byline"]/..'
    ' | descendant::*[@itemprop="author"]//*[@itemprop="name"]'
)
# every class _BYLINE_CLASS can match holds "byline" or "author": XPath (in C) keeps those,
# and only they are made into Python strings and searched
_BYLINE_CANDIDATES = etree.XPath(
    "descendant::*/@class[contains(., 'byline') or contains(., 'author')]"
)
_BYLINE_CLASS = re.compile(
    r"(?:^|\s)byline(?:\s|$)|byline__name|author-name|author__name|authorName|byline-name"
)
MAX_TAGS = 30


@dataclass
class PageMeta:
    """What :func:`extract_metadata` found; fields as in :class:`cleaning.record.CleanedRecord`."""

    title: str | None = None
    description: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    paywalled: bool | None = None
    article_body: str | None = None
    types: set[str] = field(default_factory=set)


def _clean(value: Any) -> str | None:
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    # JSON-LD and meta values often carry HTML entities ("Biden&#8217;s")
    text = " ".join(html.unescape(value).split())
    return text or None


def read_meta(root: HtmlElement) -> dict[str, list[str]]:
    """Every <meta name|property|itemprop=...> content, keyed by lower-cased name, in order."""
    out: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), []).append(content.strip())
    return out


def _json_objects(data: Any) -> Iterator[dict[str, Any]]:
    """Flatten JSON-LD: lists and @graph containers yield their member objects."""
    if isinstance(data, list):
        for item in data:
            yield from _json_objects(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _json_objects(graph)
        main = data.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _json_objects(main)


def read_json_ld(root: HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page (broken blocks are skipped, not fatal)."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        text = script.text.strip().removeprefix("<!--").removesuffix("-->").strip()
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue
        objects.extend(_json_objects(data))
    return objects


def _types(obj: dict[str, Any]) -> set[str]:
    t = obj.get("@type")
    values = t if isinstance(t, list) else [t]
    return {v.lower() for v in values if isinstance(v, str)}


def _pick_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The JSON-LD object describing the article (headline-bearing article types first)."""
    best = None
    for obj in objects:
        kinds = _types(obj)
        if kinds & (_ARTICLE_TYPES - {"webpage", "videoobject"}) and (
            obj.get("headline") or obj.get("articleBody") or obj.get("datePublished")
        ):
            return obj
        if best is None and kinds & {"webpage", "videoobject"} and obj.get("datePublished"):
            best = obj
    return best


def parse_date(value: Any, *, now: datetime | None = None) -> datetime | None:
    """An ISO-like date string as a tz-aware datetime (UTC when no zone is given).

    Dates more than a day in the future are refused (a JavaScript template or a
    scheduled-event date, not a publication date)."""
    text = _clean(value)
    if not text:
        return None
    text = (
        text.replace("Z", "+00:00").replace(" ", "T", 1)
        if "T" not in text
        else text.replace("Z", "+00:00")
    )
    text = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", text)  # +0100 -> +01:00
    text = re.sub(r"\.(\d{1,6})\d*", r".\1", text)  # sub-microsecond digits
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        m = re.match(r"(\d{4})-(\d\d)-(\d\d)", text) or re.match(r"(\d{4})(\d\d)(\d\d)$", text)
        if not m:
            return None
        try:
            dt = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    limit = (now or datetime.now(timezone.utc)) + timedelta(days=1)
    if dt > limit or dt.year < 1990:
        return None
    return dt


def split_authors(values: Iterable[str]) -> tuple[str, ...]:
    """Names from byline strings: no "By", no dates or times, no duplicates.

    An agency credit that is the whole byline ("The Associated Press") is kept as is;
    one glued to a date ("AP | Updated 10:32 AM") loses the date."""
    names: list[str] = []
    for value in values:
        text = " ".join(value.split())
        text = _BY.sub("", text)
        # a byline such as "Jane Doe | Published 3 March 2024" keeps only the part before it
        text = re.split(
            r"\s+(?:[|•·]|—|–)\s+|\bupdated\b|\bpublished\b|\bposted\b", text, flags=re.I
        )[0]
        text = _ROLE_AFTER_COMMA.sub("", text)
        parts = [_BY.sub("", p.strip(" .,:;-–—|()[]\"'")) for p in _AUTHOR_SPLIT.split(text)]
        # a part naming a role goes, unless it is the whole credit ("Telegraph Reporters")
        if len([p for p in parts if p]) > 1:
            parts = [p for p in parts if not _ROLE_WORD.search(p)]
        for name in parts:
            if not name or len(name) > 60 or len(name.split()) > 5:
                continue
            if _NOT_A_NAME.search(name):
                continue
            if name.isupper() and len(name) > 3:  # "MELISSA GOLDIN", "THE ASSOCIATED PRESS"
                name = " ".join(w.capitalize() if w.isalpha() else w for w in name.split())
            if not any(c.isalpha() for c in name) or name.lower() == name and " " not in name:
                continue
            if name.casefold() not in (n.casefold() for n in names):
                names.append(name)
    # a name that is another one with words added ("Jane Doe Privacy", a role glued on
    # without a comma) is that person again
    words = [n.casefold().split() for n in names]
    return tuple(
        n
        for n, w in zip(names, words, strict=True)
        if not any(len(o) < len(w) and w[: len(o)] == o and len(o) >= 2 for o in words)
    )


def _ld_authors(obj: dict[str, Any]) -> list[str]:
    raw = obj.get("author") or obj.get("creator")
    items = raw if isinstance(raw, list) else [raw]
    people: list[str] = []
    orgs: list[str] = []
    for item in items:
        if isinstance(item, str):
            people.append(item)
        elif isinstance(item, dict):
            name = _clean(item.get("name"))
            if not name:
                continue
            (orgs if "organization" in _types(item) else people).append(name)
    return people or orgs


def _ld_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return _clean(value)


def _first(meta: dict[str, list[str]], *keys: str) -> str | None:
    for key in keys:
        for value in meta.get(key, ()):
            text = _clean(value)
            if text:
                return text
    return None


def extract_metadata(root: HtmlElement, url: str | None = None) -> PageMeta:
    """Read the metadata of a parsed page; JSON-LD beats meta tags beats the visible page."""
    meta = read_meta(root)
    objects = read_json_ld(root)
    art = _pick_article(objects) or {}
    out = PageMeta()
    for obj in objects:
        out.types |= _types(obj)
    publisher = art.get("publisher")
    out.site_name = _first(meta, "og:site_name", "application-name", "twitter:site") or (
        _clean(publisher.get("name")) if isinstance(publisher, dict) else None
    )
    if out.site_name and out.site_name.startswith("@"):
        out.site_name = out.site_name[1:]

    title_el = root.find(".//title")
    out.title = pick_headline(
        root,
        [_clean(art.get("headline")), _first(meta, "og:title", "twitter:title")],
        _clean(title_el.text_content()) if title_el is not None else None,
        site_name=out.site_name,
        url=url,
    )

    out.description = _first(
        meta, "og:description", "description", "twitter:description"
    ) or _clean(art.get("description"))
    lang = root.get("lang") or root.get("xml:lang") or _first(meta, "content-language", "og:locale")
    lang = lang or _clean(art.get("inLanguage"))
    if lang:
        out.language = re.split(r"[-_]", lang.strip())[0].lower()[:3] or None

    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    canonical = canonical or _first(meta, "og:url") or _ld_url(art.get("url"))
    if canonical and canonical.startswith(("http", "/")):
        out.canonical_url = urljoin(url or "", canonical) if url else canonical

    section = art.get("articleSection")
    out.section = _clean(section) or _first(meta, "article:section", "parsely-section", "section")
    tags: list[str] = []
    raw_tags: list[str] = list(meta.get("article:tag", [])) + list(meta.get("news_keywords", []))
    keywords = art.get("keywords")
    if isinstance(keywords, list):
        raw_tags += [k for k in keywords if isinstance(k, str)]
    elif isinstance(keywords, str):
        raw_tags.append(keywords)
    raw_tags += meta.get("keywords", [])
    for value in raw_tags:
        for tag in value.split(",") if "," in value else [value]:
            tag = " ".join(tag.split())
            if tag and len(tag) < 80 and tag.casefold() not in (t.casefold() for t in tags):
                tags.append(tag)
    out.tags = tuple(tags[:MAX_TAGS])

    image = _first(meta, "og:image", "og:image:url", "twitter:image", "twitter:image:src")
    image = image or _ld_url(art.get("image"))
    if image:
        out.image_url = urljoin(url, image) if url else image

    out.published = (
        parse_date(art.get("datePublished"))
        or parse_date(_first(meta, *_DATE_META))
        or _time_element(root, "published")
        or _htmldate(root, url)
    )
    out.modified = parse_date(art.get("dateModified")) or parse_date(_first(meta, *_MODIFIED_META))
    if out.modified and out.published and out.modified < out.published:
        out.modified = None

    authors = split_authors(_ld_authors(art))
    if not authors:
        authors = split_authors(v for k in _AUTHOR_META for v in meta.get(k, ()) if "://" not in v)
    if not authors:
        authors = split_authors(_byline_texts(root))
    out.authors = authors

    free = art.get("isAccessibleForFree")
    if free is None and isinstance(art.get("hasPart"), dict):
        free = art["hasPart"].get("isAccessibleForFree")
    if free is not None:
        out.paywalled = str(free).strip().lower() in ("false", "0", "no")
    body = art.get("articleBody")
    out.article_body = body if isinstance(body, str) and body.strip() else None
    return out


def _htmldate(root: HtmlElement, url: str | None) -> datetime | None:
    """Last resort: htmldate's reading of the page (and of the URL), day precision, UTC."""
    from htmldate import find_date  # imported here: only pages without a declared date pay

    try:
        found = find_date(root, url=url, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


def _byline_elements(root: HtmlElement) -> list[HtmlElement]:
    """Elements that hold a byline (rel=author, author name, byline classes), in page order."""
    found = list(_BYLINE_ATTRS(root))
    by_class = [v.getparent() for v in _BYLINE_CANDIDATES(root) if _BYLINE_CLASS.search(v)]
    if not by_class:
        return found
    seen = set(found)
    found.extend(el for el in by_class if el not in seen)
    return sorted(found, key=doc_position)


def _byline_texts(root: HtmlElement) -> list[str]:
    texts = []
    for el in _byline_elements(root)[:6]:
        text = " ".join(el.text_content().split())
        if 2 < len(text) < 120:
            texts.append(text)
    return texts


def _time_element(root: HtmlElement, kind: str) -> datetime | None:
    """A <time datetime> marked as the publication time (itemprop or pubdate), else the first."""
    times = root.xpath(".//time[@datetime]")
    marked = [
        t
        for t in times
        if "datepublished" in (t.get("itemprop") or "").lower() or t.get("pubdate") is not None
    ]
    for t in marked or times[:1]:
        dt = parse_date(t.get("datetime"))
        if dt:
            return dt
    return None
