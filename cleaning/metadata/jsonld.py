"""JSON-LD in the shapes pages use: one object, arrays, ``@graph`` containers, nodes that
point at each other by ``@id``, article types and their subtypes, and broken blocks.

A block that is not valid JSON (a CDATA wrapper, single quotes, a trailing comma, a quote
left unescaped, two objects glued together) is repaired rather than skipped: it is often
the page's only statement of its headline, date and authors.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

# Article types of schema.org that we read as "the article"; any type whose name ends in
# "Article" (ReportageNewsArticle, SatiricalArticle, ...) or "Posting" counts as well.
_ARTICLE_TYPES = {
    "report",
    "review",
    "recipe",
    "howto",
    "medicalwebpage",
    "webpage",
    "videoobject",
}
_WEAK_TYPES = {"webpage", "videoobject"}
# A wrapper around the JSON text: an HTML comment or a CDATA section, with or without the
# JavaScript comment marks that hide it from old browsers.
_OPENER = re.compile(r"^(?://\s*)?(?:<!--|<!\[CDATA\[)")
_CLOSER = re.compile(r"(?://\s*)?(?:-->|\]\]>)$")  # searched in the last characters only


def types(obj: dict[str, Any]) -> set[str]:
    """The object's ``@type`` names, lower-cased (a single name or a list)."""
    t = obj.get("@type")
    values = t if isinstance(t, list) else [t]
    return {v.strip().lower() for v in values if isinstance(v, str)}


def is_article_type(kinds: set[str]) -> bool:
    return any(k.endswith(("article", "posting")) or k in _ARTICLE_TYPES for k in kinds)


def is_news_type(kinds: set[str]) -> bool:
    """A news article (NewsArticle or one of its subtypes, a live blog)."""
    return any(k.endswith("newsarticle") or k == "liveblogposting" for k in kinds)


def parse_block(text: str) -> Any:
    """The JSON value of one ld+json script, repaired when it is not valid JSON; None when
    nothing object-like can be read from it."""
    text = text.strip()
    if text[:1] in ("<", "/"):  # (tested first: most blocks start with "{" or "[")
        text = _OPENER.sub("", text).strip()
    if text.endswith(">"):
        tail = text[-16:]
        closer = _CLOSER.search(tail)
        if closer:
            text = text[: len(text) - len(tail) + closer.start()]
    text = text.rstrip().rstrip(";").strip()
    if not text:
        return None
    try:
        return json.loads(text, strict=False)
    except ValueError:
        pass
    from json_repair import loads as repair_loads  # only broken blocks (about 1 %) pay

    try:
        data = repair_loads(text)
    except (ValueError, TypeError, RecursionError):
        return None
    return data if isinstance(data, (dict, list)) and data else None


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    """Lists, nested lists and @graph containers yield their member objects; an object's
    ``mainEntity`` is a member too (a WebPage that holds the article)."""
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph)
        main = data.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _flatten(main)


def read_json_ld(root: HtmlElement) -> list[dict[str, Any]]:
    """The JSON-LD objects of the page, every script in page order."""
    objects: list[dict[str, Any]] = []
    for script in root.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        objects.extend(_flatten(parse_block(script.text)))
    return objects


def id_index(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Objects by their ``@id``, for nodes that only point at another one
    (``"author": {"@id": ".../#/schema/person/1"}`` in a Yoast ``@graph``)."""
    index: dict[str, dict[str, Any]] = {}
    for obj in objects:
        key = obj.get("@id")
        if isinstance(key, str) and len(obj) > 1 and key not in index:
            index[key] = obj
    return index


def pick_article(objects: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The object describing the article: the first of an article type with a headline,
    body or date; else a WebPage or VideoObject with a date."""
    best = None
    for obj in objects:
        kinds = types(obj)
        if not is_article_type(kinds):
            continue
        strong = bool(kinds - _WEAK_TYPES)
        if strong and (obj.get("headline") or obj.get("articleBody") or obj.get("datePublished")):
            return obj
        if best is None and not strong and obj.get("datePublished"):
            best = obj
    return best


def clean_value(value: Any) -> str | None:
    """A declared value (JSON-LD or meta) as one line of text: the first non-empty string of a
    list, HTML entities decoded ("Biden&#8217;s", "Jos&eacute;"), white space collapsed."""
    if isinstance(value, (list, tuple)):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    if not isinstance(value, str):
        return None
    text = html.unescape(value)
    if "&" in text and _ENTITY.search(text):  # escaped twice ("&amp;#8217;", "&amp;quot;")
        text = html.unescape(text)
    if "<" in text:  # markup in a declared title or name ("Why <i>Tide</i> matters")
        text = _MARKUP.sub(lambda m: " " if m.group(1).lower() in _BREAK_TAGS else "", text)
    return " ".join(text.split()) or None


_ENTITY = re.compile(r"&(?:#\d{2,7}|#x[0-9a-f]{2,6}|[a-z]{2,8});", re.I)
# A tag of the inline and text markup that publishing systems leave in a declared headline,
# name or description (a book's title in italics, a line break): its words stay, the tag goes.
_MARKUP = re.compile(
    r"</?(a|abbr|b|big|br|cite|del|dfn|em|font|i|ins|kbd|mark|nobr|p|q|s|small|span|strike|"
    r"strong|sub|sup|time|tt|u|wbr)(?:\s[^<>]*)?/?>",
    re.I,
)
_BREAK_TAGS = {"br", "p"}


def _is_organisation(kinds: set[str]) -> bool:
    return any("organization" in k or k in ("corporation", "newsmedia") for k in kinds)


def author_nodes(
    obj: dict[str, Any], index: dict[str, dict[str, Any]]
) -> list[tuple[str, bool]]:
    """(name, is an organisation) of every author the article declares, in order.

    Authors may be strings, Person or Organization objects, lists of them (nested too),
    or ``@id`` pointers to a node elsewhere in the graph; a Person may give only
    ``givenName`` and ``familyName``."""
    out: list[tuple[str, bool]] = []
    _add_authors(obj.get("author") or obj.get("creator"), 0, index, out)
    return out


def _add_authors(
    item: Any, depth: int, index: dict[str, dict[str, Any]], out: list[tuple[str, bool]]
) -> None:
    """:func:`author_nodes` of one ``author`` value, added to ``out`` (a function of the
    module: a closure that calls itself is a reference cycle, left to the garbage collector)."""
    if depth > 4:
        return
    if isinstance(item, list):
        for member in item:
            _add_authors(member, depth + 1, index, out)
        return
    if isinstance(item, str):
        if "://" not in item:
            out.append((item, False))
        return
    if not isinstance(item, dict):
        return
    key = item.get("@id")
    if "name" not in item and isinstance(key, str) and key in index:
        item = index[key]
    name = clean_value(item.get("name"))
    if not name:
        given, family = clean_value(item.get("givenName")), clean_value(item.get("familyName"))
        name = " ".join(part for part in (given, family) if part) or None
    if name:
        out.append((name, _is_organisation(types(item))))
