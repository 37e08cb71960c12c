"""Article metadata from a parsed page: JSON-LD first, then meta tags, then the visible page.

Every function reads the lxml tree it is given and nothing else; no network, no
clock except the "not in the future" bound on dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement

from cleaning.metadata.authors import (
    byline_texts,
    declared_authors,
    is_staff_credit,
    page_people,
    person_like,
    profile_people,
    profile_urls,
    split_authors,
)
from cleaning.metadata.headline import names_site, pick_headline, site_keys
from cleaning.metadata.jsonld import (
    author_nodes,
    id_index,
    is_news_type,
    pick_article,
    read_json_ld,
    types,
)
from cleaning.metadata.jsonld import clean_value as _clean

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
    "og:article:author",
    "article:byline",
    "articleauthor",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "dcterms.creator",
    "byl",
    "cxenseparse:author",
    "twitter:creator:name",
)
MAX_TAGS = 30
_BRACKETED = re.compile(r"\(([^()]{2,60})\)")


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




def read_meta(root: HtmlElement) -> dict[str, list[str]]:
    """Every <meta name|property|itemprop=...> content, keyed by lower-cased name, in order."""
    out: dict[str, list[str]] = {}
    for el in root.iter("meta"):
        key = el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv")
        content = el.get("content")
        if key and content and content.strip():
            out.setdefault(key.strip().lower(), []).append(content.strip())
    return out


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
    """Read the metadata of a parsed page; JSON-LD beats meta tags beats the visible page.

    Without ``url`` (a saved page) the page's canonical URL stands in for it where the
    site's name and sections are read from it."""
    meta = read_meta(root)
    objects = read_json_ld(root)
    art = pick_article(objects) or {}
    out = PageMeta()
    for obj in objects:
        out.types |= types(obj)
    publisher = art.get("publisher")
    publisher_name = _clean(publisher.get("name")) if isinstance(publisher, dict) else None
    out.site_name = (
        _first(meta, "og:site_name", "application-name", "twitter:site") or publisher_name
    )
    if out.site_name and out.site_name.startswith("@"):
        out.site_name = out.site_name[1:]
    out.canonical_url = _canonical(root, meta, art, url)
    page_url = url or out.canonical_url

    title_el = root.find(".//title")
    out.title = pick_headline(
        root,
        [_clean(art.get("headline")), _first(meta, "og:title", "twitter:title")],
        _clean(title_el.text_content()) if title_el is not None else None,
        site_name=out.site_name,
        url=page_url,
        news=is_news_type(types(art)),
    )

    out.description = _first(
        meta, "og:description", "description", "twitter:description"
    ) or _clean(art.get("description"))
    lang = root.get("lang") or root.get("xml:lang") or _first(meta, "content-language", "og:locale")
    lang = lang or _clean(art.get("inLanguage"))
    if lang:
        out.language = re.split(r"[-_]", lang.strip())[0].lower()[:3] or None

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
        or _title_date(title_el, meta)
        or _htmldate(root, url)
    )
    out.modified = parse_date(art.get("dateModified")) or parse_date(_first(meta, *_MODIFIED_META))
    if out.modified and out.published and out.modified < out.published:
        out.modified = None

    out.authors = _authors(root, meta, objects, art, out.site_name, publisher_name, page_url)

    free = art.get("isAccessibleForFree")
    if free is None and isinstance(art.get("hasPart"), dict):
        free = art["hasPart"].get("isAccessibleForFree")
    if free is not None:
        out.paywalled = str(free).strip().lower() in ("false", "0", "no")
    body = art.get("articleBody")
    out.article_body = body if isinstance(body, str) and body.strip() else None
    return out


def _canonical(
    root: HtmlElement, meta: dict[str, list[str]], art: dict[str, Any], url: str | None
) -> str | None:
    canonical = None
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            canonical = link.get("href", "").strip()
            break
    canonical = canonical or _first(meta, "og:url") or _ld_url(art.get("url"))
    if canonical and canonical.startswith(("http", "/")):
        return urljoin(url or "", canonical) if url else canonical
    return None


def _authors(
    root: HtmlElement,
    meta: dict[str, list[str]],
    objects: list[dict[str, Any]],
    art: dict[str, Any],
    site_name: str | None,
    publisher_name: str | None,
    url: str | None,
) -> tuple[str, ...]:
    """The article's authors: JSON-LD's, else the author meta tags', else the visible
    byline's. Authors that only name the site itself ("EXAMPLE NEWS" on example-news.de) or its
    staff ("Guardian staff reporter") give way to the people the byline or a meta tag
    names (see :func:`person_like`), and stay when none is named."""
    host = urlsplit(url).hostname if url else None
    keys = site_keys(site_name, host.removeprefix("www.") if host else None)
    if publisher_name:
        keys |= site_keys(publisher_name, None)

    declared = author_nodes(art, id_index(objects)) if art else []
    meta_values = [v for k in _AUTHOR_META for v in meta.get(k, ()) if "://" not in v]
    # a credit that names the site in brackets ("Example Radio (www.example.de)") is the
    # site's, whatever its own words
    house = {
        name.casefold()
        for raw in [*meta_values, *(name for name, _ in declared)]
        if keys and any(names_site(part, keys) for part in _BRACKETED.findall(raw))
        for name in split_authors([raw], declared=True)
    }

    def in_house(name: str) -> bool:  # the site itself, or its staff
        if is_staff_credit(name) or name.casefold() in house:
            return True
        return bool(keys) and names_site(name, keys)

    authors = declared_authors(declared, in_house)
    own_tags = _without_house_tags(meta_values, in_house)
    from_meta = declared_authors(((v, False) for v in own_tags), in_house)
    authors = authors or from_meta
    if authors and not all(in_house(a) for a in authors):
        return authors
    texts = byline_texts(root)
    bylines = split_authors(texts)
    # a link to the author's profile page declared instead of a name ("article:author" =
    # ".../author/jane-doe"): the byline or author link that names the same person
    profiles = [
        *(v for k in _AUTHOR_META for v in meta.get(k, ()) if "://" in v),
        *profile_urls(art.get("author") if art else None),
    ]
    # the people named outside the byline markup, read at most once and only when needed:
    # reading them walks the whole page several times
    on_page: list[tuple[str, ...]] = []

    def people_on_page() -> tuple[str, ...]:
        if not on_page:
            on_page.append(page_people(root))
        return on_page[0]

    named = profile_people(profiles, [*bylines, *people_on_page()]) if profiles else ()
    if named and not all(in_house(a) for a in named):
        return named
    if authors:
        for read in (lambda: bylines, lambda: from_meta, people_on_page):
            people = tuple(p for p in read() if person_like(p) and not in_house(p))
            if people:
                return people
        return authors
    return _people_first(bylines, texts, in_house) or people_on_page()


def _without_house_tags(values: list[str], in_house: Callable[[str], bool]) -> list[str]:
    """The author meta tags' values without those that credit only the site, when another
    tag names someone else: a template's site-wide ``<meta name="author" content="Ledger">``
    next to the article's own ``<meta name="author" content="Ida Lund">``."""
    if len(values) < 2:
        return values
    own = [v for v in values if not all(in_house(n) for n in split_authors([v], declared=True))]
    return own if own else values


def _people_first(
    names: tuple[str, ...], texts: list[str], in_house: Callable[[str], bool]
) -> tuple[str, ...]:
    """Byline names without the site's name where one byline names it after a person ("Ida
    Lund, Ledger" on ledger.example: the person wrote it, the site published it). A byline
    that names only the site keeps it, next to a name read elsewhere (a teaser's author)."""
    if not any(in_house(n) for n in names):
        return names
    credited: set[str] = set()  # site names that only stand beside a person
    alone: set[str] = set()
    for text in texts:
        found = split_authors([text])
        house = {n.casefold() for n in found if in_house(n)}
        people = any(person_like(n) and not in_house(n) for n in found)
        (credited if people else alone).update(house)
    drop = credited - alone
    return tuple(n for n in names if n.casefold() not in drop)


# A title part that is the day of publication ("Story | Site | 28.04.2023", "Story -
# 2023-04-28"): day first with dots, as Europe writes it, or ISO; other orders are ambiguous.
_TITLE_DAY = re.compile(r"(?:^|\s[|｜\-–—·•]\s)(\d{1,2})\.(\d{1,2})\.(\d{4})\s*$")
_TITLE_ISO_DAY = re.compile(r"(?:^|\s[|｜\-–—·•]\s)(\d{4})-(\d{2})-(\d{2})\s*$")


def _title_date(title_el: HtmlElement | None, meta: dict[str, list[str]]) -> datetime | None:
    """The day a page's ``<title>`` or ``og:title`` ends with, as a part of its own."""
    titles = [title_el.text_content() if title_el is not None else None, _first(meta, "og:title")]
    for title in titles:
        if not title:
            continue
        day = _TITLE_DAY.search(title)
        iso = None if day else _TITLE_ISO_DAY.search(title)
        if day:
            text = f"{day.group(3)}-{int(day.group(2)):02d}-{int(day.group(1)):02d}"
        elif iso:
            text = f"{iso.group(1)}-{iso.group(2)}-{iso.group(3)}"
        else:
            continue
        found = parse_date(text)
        if found:
            return found
    return None


def _htmldate(root: HtmlElement, url: str | None) -> datetime | None:
    """Last resort: htmldate's reading of the page (and of the URL), day precision, UTC."""
    from htmldate import find_date  # imported here: only pages without a declared date pay

    try:
        found = find_date(root, url=url, extensive_search=False, original_date=True)
    except (ValueError, TypeError):
        return None
    return parse_date(found) if found else None


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
