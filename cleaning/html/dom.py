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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

from ahocorasick_rs import AhoCorasick, MatchKind
from cssselect import HTMLTranslator
from lxml import etree
from lxml.html import HtmlElement

from cleaning.record import Removal
from cleaning.rules import Rule
from cleaning.tree import doc_position

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


# One condition of a simple selector: (attribute, operator, value); attribute is "tag" or
# an attribute name in lower case (as the HTML parser stores it); operators as in CSS ("."
# and "#" become class "~=" and id "=").
Condition = tuple[str, str, str]

_SIMPLE_PART = re.compile(
    r"""^(?P<tag>[a-zA-Z][a-zA-Z0-9]*)?(?P<rest>(?:\.[\w-]+|\#[\w-]+|"""
    r"""\[[a-zA-Z][a-zA-Z0-9_-]*(?:\*=|~=|\^=|\$=|\|=|=)(?:"[^"]+"|'[^']+'|[\w-]+)\])*)$"""
)
_PIECE = re.compile(
    r"""\.([\w-]+)|\#([\w-]+)|\[([a-zA-Z][a-zA-Z0-9_-]*)(\*=|~=|\^=|\$=|\|=|=)"""
    r"""(?:"([^"]+)"|'([^']+)'|([\w-]+))\]"""
)
# the attributes whose values the keyword prefilter searches
_KEYWORD_ATTRS = ("class", "id")


@dataclass(frozen=True)
class CompiledRule:
    """A dom rule ready to run.

    Simple selector groups (tags, classes, ids, attribute tests) are kept as condition
    lists, matched in Python against the candidates the prefilters find: elements whose
    class or id holds a keyword of the alternative, else elements that have the other
    attribute it tests, else elements of its tag.  Anything else is a compiled XPath
    searched over the page."""

    rule: Rule
    alternatives: tuple[tuple[Condition, ...], ...]  # empty: use xpath
    keywords: tuple[str, ...]
    tags: tuple[str, ...]
    xpath: etree.XPath | None
    attributes: tuple[str, ...] = ()


def _simple_alternatives(selector: str) -> list[tuple[Condition, ...]] | None:
    """The selector group as condition lists, or None when it is not a simple group."""
    out: list[tuple[Condition, ...]] = []
    for part in selector.split(","):
        part = part.strip()
        m = _SIMPLE_PART.match(part)
        if not part or m is None:
            return None
        conds: list[Condition] = []
        if m.group("tag"):
            conds.append(("tag", "=", m.group("tag").lower()))
        for piece in _PIECE.finditer(m.group("rest")):
            cls, ident, attr, op, v1, v2, v3 = piece.groups()
            if cls is not None:
                conds.append(("class", "~=", cls))
            elif ident is not None:
                conds.append(("id", "=", ident))
            else:
                conds.append((attr.lower(), op, v1 or v2 or v3))
        if not conds:
            return None
        out.append(tuple(conds))
    return out


def _holds(cond: Condition, el: HtmlElement) -> bool:
    attr, op, value = cond
    if attr == "tag":
        return el.tag == value
    have = el.get(attr)
    if have is None:
        return False
    if op == "*=":
        return value in have
    if op == "~=":
        return value in have.split()
    if op == "=":
        return have == value
    if op == "^=":
        return have.startswith(value)
    if op == "$=":
        return have.endswith(value)
    return have == value or have.startswith(value + "-")  # |=


def compile_rule(rule: Rule) -> CompiledRule:
    """Prepare a dom rule: condition lists for simple selectors, else cssselect's XPath."""
    assert rule.selector is not None
    alternatives = _simple_alternatives(rule.selector)
    if alternatives is None:
        xpath = etree.XPath(HTMLTranslator().css_to_xpath(rule.selector))
        return CompiledRule(rule, (), (), (), xpath)
    keywords: list[str] = []
    tags: list[str] = []
    attributes: list[str] = []
    for conds in alternatives:
        words = [v for a, _, v in conds if a in _KEYWORD_ATTRS]
        others = [a for a, _, _ in conds if a != "tag" and a not in _KEYWORD_ATTRS]
        if words:  # the prefilter looks for one class/id fragment the element must hold
            keywords.append(words[0])
        elif others:  # or for the elements that have the attribute tested
            attributes.append(others[0])
        else:
            tags.extend(v for a, _, v in conds if a == "tag")
    return CompiledRule(
        rule, tuple(alternatives), tuple(keywords), tuple(tags), None, tuple(attributes)
    )


def matches(compiled: CompiledRule, el: HtmlElement) -> bool:
    """Whether ``el`` matches a simple compiled rule."""
    # plain loops: this runs for every keyword candidate of every rule, and the nested
    # any(all(...)) generators cost more than the tests themselves
    for conds in compiled.alternatives:
        for cond in conds:
            if not _holds(cond, el):
                break
        else:
            return True
    return False


# the text nodes of an element, as itertext() yields them, collected in C (itertext makes
# an element proxy for every descendant)
_TEXT_NODES = etree.XPath("descendant-or-self::text()", smart_strings=False)


def _text(el: HtmlElement) -> str:
    return " ".join(" ".join(_TEXT_NODES(el)).split())


def _paragraph_chars(el: HtmlElement) -> int:
    total = 0
    for p in el.iter("p"):
        n = len(" ".join(" ".join(_TEXT_NODES(p)).split()))
        if n >= _LONG_PARAGRAPH:
            total += n
    return total


# class and id values of every element under the scope, in document order
_CLASS_ID = etree.XPath("descendant-or-self::*/@class | descendant-or-self::*/@id")


class KeywordFinder:
    """Finds keywords in a text: leftmost-longest, non-overlapping, in one Aho-Corasick
    pass (in Rust; about five times faster than a regular expression of the words)."""

    def __init__(self, words: Iterable[str]) -> None:
        self._words = sorted(set(words))
        self._automaton = (
            AhoCorasick(self._words, matchkind=MatchKind.LeftmostLongest) if self._words else None
        )

    def find(self, text: str) -> list[tuple[str, int]]:
        """(keyword, start) of each keyword found in ``text``, left to right."""
        if self._automaton is None:
            return []
        words = self._words
        return [(words[i], start) for i, start, _ in self._automaton.find_matches_as_indexes(text)]


class DomPlan:
    """Compiled dom rules with the indexes :func:`_select` looks candidates up in.

    Build it once per rule set (the caller keeps it): building the keyword automaton and
    the indexes costs more than selecting on a page."""

    def __init__(self, compiled: Sequence[CompiledRule]) -> None:
        self.compiled = list(compiled)
        # (rule id, XPath) of the rules searched by XPath instead of the keyword prefilter
        self.searched = [(c.rule.id, c.xpath) for c in self.compiled if c.xpath is not None]
        by_word: dict[str, list[int]] = {}
        self.by_tag: dict[str, list[int]] = {}
        self.by_attribute: dict[str, list[int]] = {}
        for i, c in enumerate(self.compiled):
            if c.xpath is None:
                for word in c.keywords:
                    by_word.setdefault(word, []).append(i)
                for tag in c.tags:
                    self.by_tag.setdefault(tag, []).append(i)
                for name in c.attributes:
                    self.by_attribute.setdefault(name, []).append(i)
        # the values of those attributes under the scope: fetching an attribute by name is
        # far cheaper in libxml2 than comparing its value on every element ([@role = '...'])
        self.attribute_values = (
            etree.XPath(" | ".join(f"descendant-or-self::*/@{a}" for a in sorted(self.by_attribute)))
            if self.by_attribute
            else None
        )
        self.finder = KeywordFinder(by_word) if by_word else None
        # a hit on "more-related" also stands for the keywords inside it ("related")
        self.expand = {
            word: [i for k, rules in by_word.items() if k in word for i in rules]
            for word in by_word
        }


def _select(scope: HtmlElement, plan: DomPlan) -> dict[str, list[HtmlElement]]:
    """Elements each rule selects under ``scope`` (scope included), by rule id.

    All class and id values of the page are joined and searched once for the rules'
    keywords (:class:`KeywordFinder`); only elements with a keyword hit are tested."""
    compiled = plan.compiled
    hits: dict[str, list[HtmlElement]] = {c.rule.id: [] for c in compiled}
    for rule_id, xpath in plan.searched:
        hits[rule_id] = [el for el in xpath(scope) if isinstance(el, HtmlElement)]
    candidates: dict[HtmlElement, set[int]] = {}
    if plan.finder is not None:
        # the attribute values come back as strings that know their element: element
        # proxies are made only for the few elements with a keyword hit
        values = _CLASS_ID(scope)
        starts = list(accumulate((len(v) + 1 for v in values), initial=0))
        expand = plan.expand
        for word, start in plan.finder.find("\n".join(values)):
            owner = values[bisect_right(starts, start) - 1].getparent()
            candidates.setdefault(owner, set()).update(expand[word])
    if plan.attribute_values is not None:
        by_attribute = plan.by_attribute
        for value in plan.attribute_values(scope):
            candidates.setdefault(value.getparent(), set()).update(by_attribute[value.attrname])
    if plan.by_tag:
        by_tag = plan.by_tag
        for el in scope.iter(*by_tag):
            candidates.setdefault(el, set()).update(by_tag[el.tag])
    for el, keys in candidates.items():
        for key in keys:
            c = compiled[key]
            if matches(c, el):
                hits[c.rule.id].append(el)
    return hits


def _link_share(el: HtmlElement) -> float:
    text = el.text_content().strip()
    if not text:
        return 0.0
    linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
    return linked / len(text)


# A link item may open with a label of up to this many words ("Read also: <a>...</a>",
# "Related: <a>...</a>"), in any language: the label stands before the item's first link.
LABEL_WORDS = 3


def is_link_item(el: HtmlElement) -> bool:
    """Whether a list item is (almost) only a link, after a short label before its first link."""
    first = next(el.iter("a"), None)
    if first is None:
        return False  # no link: no link text either (most items of a list of prose)
    # the item's text and link text, read once for both tests (as _link_share reads them)
    text = len(el.text_content().strip())
    linked = sum(len(a.text_content().strip()) for a in el.iter("a"))
    if text and linked / text >= LINK_SHARE:
        return True
    label = [el.text or ""]
    for child in el:
        if child is first or first in child.iterdescendants():
            break
        label.append(child.text_content() + (child.tail or ""))
    words = "".join(label).split()
    if not words or len(words) > LABEL_WORDS:
        return False
    rest = text - len("".join(label).strip())
    return rest > 0 and linked >= LINK_SHARE * rest


def is_link_list(el: HtmlElement) -> bool:
    """A list of three or more items that are each (almost) only a link: a story rail.

    An item may start with a short label ("Read also:") before its link.  A list of
    short items set between paragraphs of the article (a list of courses, shops, tools
    or sections, each linked) is part of the article and stays; a rail of headlines
    stays a rail wherever it sits."""
    items = [li for li in el if li.tag == "li"]
    if len(items) < 3 or not all(is_link_item(li) for li in items):
        return False
    words = sum(len(li.text_content().split()) for li in items)
    return words >= HEADLINE_WORDS * len(items) or not between_prose(el)


def between_prose(el: HtmlElement) -> bool:
    """Whether ``el`` sits inside the article's prose: at least :data:`PROSE_AROUND`
    long paragraphs before it and after it within one of its three nearest ancestors."""
    child = el
    for _ in range(3):
        parent = child.getparent()
        if parent is None:
            return False
        before = after = 0
        seen = False
        # siblings are read only while a count can still change the answer: before it up to
        # PROSE_AROUND paragraphs, after it only when there are as many before, up to as many
        for sibling in parent:
            if sibling is child:
                seen = True
                if before < PROSE_AROUND:
                    break
                continue
            if not isinstance(sibling.tag, str) or (not seen and before >= PROSE_AROUND):
                continue
            n = sum(1 for _ in _LONG_P(sibling))
            if seen:
                after += n
                if after >= PROSE_AROUND:
                    break
            else:
                before += n
        if before >= PROSE_AROUND and after >= PROSE_AROUND:
            return True
        child = parent
    return False


def is_link_paragraph(el: HtmlElement) -> bool:
    """A paragraph of three or more words that is (almost) only a link: a teaser line."""
    # a paragraph without a link (most of them) has no link text: its text is not read
    if next(el.iter("a"), None) is None:
        return False
    return len(el.text_content().split(None, 2)) >= 3 and _link_share(el) >= LINK_SHARE


# Link lists whose items average this many words are headline rails; lists of shorter
# items between PROSE_AROUND paragraphs before and after are article content.
HEADLINE_WORDS = 8
PROSE_AROUND = 2
_LONG_P = etree.XPath(
    f"descendant-or-self::p[string-length(normalize-space(.)) >= {_LONG_PARAGRAPH}]"
)
_PROSE_BEFORE = etree.XPath(f"boolean(preceding::p[string-length(.) >= {_LONG_PARAGRAPH}])")


# A responsive copy repeats an earlier sibling's text; shorter repeats (a "Share" label in
# two places) are left to the extractor.
MIN_COPY_CHARS = 200


def is_repeated_sibling(el: HtmlElement) -> bool:
    """An element whose text repeats, word for word, the text of an earlier sibling: the
    copy of a block a page sends once per screen size (phone, tablet, desktop)."""
    text = " ".join(el.text_content().split())
    if len(text) < MIN_COPY_CHARS:
        return False
    return any(
        isinstance(sib.tag, str) and " ".join(sib.text_content().split()) == text
        for sib in el.itersiblings(preceding=True)
    )


# A card of a story list: a heading that is a link to another page, with at most a
# teaser of this many words.
CARD_WORDS = 120
_CARD_HEADING = etree.XPath("descendant::*[self::h2 or self::h3 or self::h4][.//a[@href]]")


def _is_card(el: HtmlElement) -> bool:
    heads = _CARD_HEADING(el)
    if len(heads) != 1 or _link_share(heads[0]) < LINK_SHARE:
        return False
    href = next(heads[0].iter("a")).get("href") or ""
    # (at most CARD_WORDS words: the text cut at its first CARD_WORDS spaces has no rest)
    return not href.startswith("#") and len(el.text_content().split(None, CARD_WORDS)) <= CARD_WORDS


def is_card_list(el: HtmlElement) -> bool:
    """Three or more sibling cards, each one linked headline (and a short teaser), after
    the article's first long paragraph: a list of other stories, not this one.

    A listicle's items (a linked product name over its review) run longer than a
    teaser and sit in the article's own flow, not in a list of look-alike boxes."""
    cards = [child for child in el if isinstance(child.tag, str) and child.tag != "script"]
    if len(cards) < 3 or not all(_is_card(c) for c in cards):
        return False
    return bool(_PROSE_BEFORE(el))


# A story card set as an <article> of its own: at most this many words, and a link to a page
CARD_ARTICLE_WORDS = 150
# the links that do not lead to another story (share buttons' schemes, anchors)
_NOT_A_PAGE = ("#", "javascript:", "mailto:", "whatsapp:", "tel:", "sms:")


def _is_card_article(el: HtmlElement) -> bool:
    if len(el.text_content().split(None, CARD_ARTICLE_WORDS)) > CARD_ARTICLE_WORDS:
        return False  # (more words: the text cut at its first spaces has a rest)
    return any(not (a.get("href") or "#").strip().startswith(_NOT_A_PAGE) for a in el.iter("a"))


def is_article_card(el: HtmlElement) -> bool:
    """An <article> among three or more sibling <article>s that are all short (a teaser of
    at most :data:`CARD_ARTICLE_WORDS` words) and link to another page, after a long
    paragraph: each one is another story, set in the markup as an article of its own.

    The page's own article is long, so a group it belongs to is never a card group; nor
    are the sections of an article set as <article>s, which have no links away."""
    parent = el.getparent()
    if parent is None:
        return False
    group = [c for c in parent if c.tag == "article"]
    if len(group) < 3 or not _PROSE_BEFORE(group[0]):
        return False
    return all(_is_card_article(c) for c in group)


# Element tests some generic rules add to their selector (a CSS selector cannot say
# "every item is a link"); the rule files name these rules in their descriptions.
LINK_SHARE = 0.95
ELEMENT_TESTS: dict[str, Callable[[HtmlElement], bool]] = {
    "generic.related.link_list": is_link_list,
    "generic.related.link_paragraph": is_link_paragraph,
    "generic.layout.responsive_copy": is_repeated_sibling,
    "generic.related.card_list": is_card_list,
    "generic.related.article_cards": is_article_card,
}
# Rules whose element test proves the element repeats text kept elsewhere: the guard that
# spares elements holding much of the page's text does not apply to them.
UNGUARDED = {"generic.layout.responsive_copy"}


def apply_dom_rules(
    root: HtmlElement,
    rules: Sequence[Rule],
    text_conditions: Mapping[str, Callable[[str], bool]] | None = None,
    *,
    plan: DomPlan | None = None,
) -> DomResult:
    """Apply ``rules`` (kind ``dom``) to ``root`` in place; see the module docstring.

    ``text_conditions`` narrows a rule to the elements whose text passes a test the
    caller supplies; rules listed in :data:`ELEMENT_TESTS` are narrowed by those.
    """
    conditions = text_conditions or {}
    if plan is None:  # callers with a RuleSet pass the plan it keeps
        plan = DomPlan([compile_rule(r) for r in rules if r.kind == "dom"])
    compiled = plan.compiled
    body = root.find("body")
    scope = body if body is not None else root
    hits = _select(scope, plan)

    picked: dict[HtmlElement, Rule] = {}
    evidence: list[str] = []
    for c in compiled:  # rule order decides which id an element doubly matched gets
        els = hits[c.rule.id]
        if c.rule.action == "evidence":
            if els:
                evidence.append(c.rule.id)
            continue
        test = ELEMENT_TESTS.get(c.rule.id)
        for el in els:
            if el.tag not in _PROTECTED and el not in picked and (test is None or test(el)):
                picked[el] = c.rule
    if not picked:
        return DomResult((), tuple(evidence))

    page: list[int] = []  # [text chars, paragraph chars] of the page, measured on demand
    # document order; a removed element takes its picked descendants along, but a picked
    # element spared by the guards leaves its own picked descendants eligible
    gone: set[HtmlElement] = set()
    order: list[HtmlElement] = []  # removed in document order: the result is the same each run
    removed: list[Removal] = []
    for el in sorted(picked, key=doc_position):
        if any(a in gone for a in el.iterancestors()):
            continue
        text = _text(el)
        rule = picked[el]
        if rule.id in conditions and not conditions[rule.id](text):
            continue
        if len(text) > MIN_GUARDED_CHARS and rule.id not in UNGUARDED:
            if not page:
                page.extend((max(len(_text(scope)), 1), max(_paragraph_chars(scope), 1)))
            if (
                len(text) > MAX_TEXT_SHARE * page[0]
                or _paragraph_chars(el) > MAX_PARAGRAPH_SHARE * page[1]
            ):
                continue
        gone.add(el)
        order.append(el)
        if text:
            removed.append(Removal(rule.id, text[:_REMOVED_TEXT_CHARS]))
    for el in order:
        _drop(el)
    return DomResult(tuple(removed), tuple(evidence))


# elements a browser lays out as blocks: the text after one starts on a new line, so it
# is a word of its own even where the markup has no space (``council<aside>..</aside>harbour``)
_BLOCK_TAGS = (
    "address",
    "article",
    "aside",
    "blockquote",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "td",
    "th",
    "tr",
    "ul",
)


def space_block_tails(root: HtmlElement) -> None:
    """Start the text after each block element with a space where it starts with a
    letter or sign, so that whoever removes the block later (a DOM rule, or
    trafilatura's own cleaning of ``<aside>``, ``<nav>``, forms ...) cannot glue the
    texts on either side into one word that is not on the page."""
    for el in root.iter(*_BLOCK_TAGS):
        tail = el.tail
        # (an empty block, a line break drawn with CSS, is left as it is: the extractor
        # reads it as the break it is)
        if tail and not tail[0].isspace() and (len(el) or (el.text and not el.text.isspace())):
            el.tail = " " + tail


def _drop(el: HtmlElement) -> None:
    """Remove ``el`` with its content, keeping its tail; the texts on either side that met
    only through it (``council<div>Ad</div>harbour``) are kept apart by a space rather than
    glued into one word that is not on the page."""
    tail = el.tail
    if tail and not tail[0].isspace():
        prev = el.getprevious()
        parent = el.getparent()
        if prev is not None:
            before = prev.tail if prev.tail else "x"  # an element's content ends before it
        else:
            before = parent.text if parent is not None else None
        if before and not before[-1].isspace():
            el.tail = " " + tail
    el.drop_tree()
