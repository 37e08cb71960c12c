"""DOM rules: CSS selectors from the rule files, applied to the parsed page before extraction.

Each element a ``drop`` rule selects is taken out of the tree (its tail text
stays) and reported as a :class:`~cleaning.record.Removal` with the rule's id.
``evidence`` rules remove nothing; their hits are returned so the caller can
use them as signals (a paywall overlay marks the page as paywalled).

Speed: rules list many class-name variants, and evaluating ``contains(@class, ...)``
for every element and variant costs more than the extraction itself.  So each
selector is split into its literal keywords (class/id fragments, tag names); one
pass over the tree finds the elements whose class/id/tag holds a keyword, and only
those are tested against the exact selector.  Selectors that test other
attributes or use combinators are evaluated as plain XPath.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from cssselect import HTMLTranslator, parse
from cssselect.parser import Attrib, Class, CombinedSelector, Element, Hash, Negation
from lxml import etree
from lxml.html import HtmlElement

from cleaning.record import Removal
from cleaning.rules import Rule

# An element holding this share of the page's text, or of its paragraph text, is a
# layout wrapper that happens to carry a matching class name (<body class="has-newsletter">,
# <article class="post-promo">), not a widget.  Widgets have short teasers, articles have
# paragraphs.
MAX_TEXT_SHARE = 0.4
MAX_PARAGRAPH_SHARE = 0.25
MIN_GUARDED_CHARS = 200
_LONG_PARAGRAPH = 80
# Elements that are never boilerplate as a whole, whatever their class says.
_PROTECTED = {"html", "body", "main", "head"}
_REMOVED_TEXT_CHARS = 2000


@dataclass(frozen=True)
class DomResult:
    """What the DOM stage did: removals in document order, and evidence hits by rule id."""

    removed: tuple[Removal, ...]
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class CompiledRule:
    """A dom rule ready to run: keywords for the prefilter, XPath for the exact test."""

    rule: Rule
    keywords: tuple[str, ...]  # class/id fragments; empty with tags empty: no prefilter
    tags: tuple[str, ...]
    test: etree.XPath  # self::*[...] on a candidate, or the full search without prefilter
    prefiltered: bool


def _keywords(tree: object) -> tuple[list[str], list[str]] | None:
    """Literal class/id fragments and tag names one simple selector needs, or None."""
    if isinstance(tree, (Class, Hash)):
        inner = _keywords(tree.selector)
        if inner is None:
            return None
        word = tree.class_name if isinstance(tree, Class) else tree.id
        return [word], inner[1]
    if isinstance(tree, Attrib):
        inner = _keywords(tree.selector)
        value = tree.value if isinstance(tree.value, str) else getattr(tree.value, "value", None)
        if inner is None or tree.attrib not in ("class", "id") or not value:
            return None
        return [value], inner[1]
    if isinstance(tree, Negation):
        return _keywords(tree.selector)
    if isinstance(tree, Element):
        return [], ([tree.element.lower()] if tree.element else [])
    return None  # combinators, pseudo-classes, other attributes


def compile_rule(rule: Rule) -> CompiledRule:
    """Split the rule's selector group into prefilter keywords and an exact XPath test."""
    assert rule.selector is not None
    translator = HTMLTranslator()
    keywords: list[str] = []
    tags: list[str] = []
    predicates: list[str] = []
    for part in parse(rule.selector):
        found = (
            None
            if part.pseudo_element or isinstance(part.parsed_tree, CombinedSelector)
            else _keywords(part.parsed_tree)
        )
        if found is None or not (found[0] or found[1]):
            return CompiledRule(
                rule, (), (), etree.XPath(translator.css_to_xpath(rule.selector)), False
            )
        words, part_tags = found
        if words:  # a class/id fragment is what the prefilter looks for
            keywords.append(words[0])
        else:
            tags.extend(part_tags)
        expr = translator.xpath(part.parsed_tree)
        tag = "" if expr.element == "*" else f"self::{expr.element}"
        cond = " and ".join(c for c in (tag, f"({expr.condition})" if expr.condition else "") if c)
        predicates.append(f"({cond})")
    test = etree.XPath("self::*[" + " or ".join(predicates) + "]")
    return CompiledRule(rule, tuple(keywords), tuple(tags), test, True)


def _text(el: HtmlElement) -> str:
    return " ".join(" ".join(el.itertext()).split())


def _paragraph_chars(el: HtmlElement) -> int:
    total = 0
    for p in el.iter("p"):
        n = len(" ".join(" ".join(p.itertext()).split()))
        if n >= _LONG_PARAGRAPH:
            total += n
    return total


def _select(scope: HtmlElement, compiled: Sequence[CompiledRule]) -> dict[str, list[HtmlElement]]:
    """Elements each rule selects under ``scope`` (scope included), by rule id.

    All class and id values of the page are fetched in one XPath call and searched
    with one regular expression; only elements with a keyword hit are tested."""
    hits: dict[str, list[HtmlElement]] = {c.rule.id: [] for c in compiled}
    by_word: dict[str, list[CompiledRule]] = {}
    by_tag: dict[str, list[CompiledRule]] = {}
    for c in compiled:
        if c.prefiltered:
            for word in c.keywords:
                by_word.setdefault(word, []).append(c)
            for tag in c.tags:
                by_tag.setdefault(tag, []).append(c)
        else:
            hits[c.rule.id] = [el for el in c.test(scope) if isinstance(el, HtmlElement)]
    candidates: dict[HtmlElement, set[CompiledRule]] = {}
    if by_word:
        # a hit on "more-related" also stands for the keywords inside it ("related")
        expand = {w: [c for k, cs in by_word.items() if k in w for c in cs] for w in by_word}
        finder = re.compile("|".join(re.escape(w) for w in sorted(by_word, key=len, reverse=True)))
        values = scope.xpath("descendant-or-self::*/@class | descendant-or-self::*/@id")
        starts: list[int] = []
        pos = 0
        for value in values:
            starts.append(pos)
            pos += len(value) + 1
        for m in finder.finditer("\n".join(values)):
            owner = values[bisect_right(starts, m.start()) - 1].getparent()
            candidates.setdefault(owner, set()).update(expand[m.group()])
    if by_tag:
        for el in scope.iter(*by_tag):
            candidates.setdefault(el, set()).update(by_tag[el.tag])
    for el, rules in candidates.items():
        for c in rules:
            if c.test(el):
                hits[c.rule.id].append(el)
    return hits


def apply_dom_rules(
    root: HtmlElement,
    rules: Sequence[Rule],
    text_conditions: Mapping[str, Callable[[str], bool]] | None = None,
) -> DomResult:
    """Apply ``rules`` (kind ``dom``) to ``root`` in place; see the module docstring.

    ``text_conditions`` narrows a rule to the elements whose text passes a test the
    page supplies (the headline rule removes only the ``h1`` that repeats the title).
    """
    conditions = text_conditions or {}
    compiled = [compile_rule(r) for r in rules if r.kind == "dom"]
    body = root.find("body")
    scope = body if body is not None else root
    hits = _select(scope, compiled)

    picked: dict[HtmlElement, Rule] = {}
    evidence: list[str] = []
    for c in compiled:  # rule order decides which id an element doubly matched gets
        els = hits[c.rule.id]
        if c.rule.action == "evidence":
            if els:
                evidence.append(c.rule.id)
            continue
        for el in els:
            if el.tag not in _PROTECTED and el not in picked:
                picked[el] = c.rule
    if not picked:
        return DomResult((), tuple(evidence))

    page_chars = max(len(_text(scope)), 1)
    page_paragraphs = max(_paragraph_chars(scope), 1)
    # document order; a removed element takes its picked descendants along, but a picked
    # element spared by the guards leaves its own picked descendants eligible
    order = {el: i for i, el in enumerate(scope.iter())}
    gone: set[HtmlElement] = set()
    removed: list[Removal] = []
    for el in sorted(picked, key=lambda e: order.get(e, 0)):
        if any(a in gone for a in el.iterancestors()):
            continue
        text = _text(el)
        rule = picked[el]
        if rule.id in conditions and not conditions[rule.id](text):
            continue
        if len(text) > MIN_GUARDED_CHARS and (
            len(text) > MAX_TEXT_SHARE * page_chars
            or _paragraph_chars(el) > MAX_PARAGRAPH_SHARE * page_paragraphs
        ):
            continue
        gone.add(el)
        if text:
            removed.append(Removal(rule.id, text[:_REMOVED_TEXT_CHARS]))
    for el in gone:
        el.drop_tree()
    return DomResult(tuple(removed), tuple(evidence))
