"""HTML mode: a page in, a cleaned record out.

The page is parsed once (:func:`cleaning.html.decode.parse_html`: input checks,
charset, bounded parse); every stage reads that one tree:

1. metadata (JSON-LD, meta tags, byline, <time>) from the intact page; then
   scripts, styles, vector art, navigation and embeds are dropped from the tree;
2. DOM rules (``kind = "dom"``, generic and the page's publisher) take widgets
   out of the tree, each removal carrying its rule id;
3. containers of prose that the extractor would discard for their markup (a
   class read as a widget, a tab hidden until a click) are unmasked; trafilatura
   extracts the body from the pruned tree (it works on its own copies): a fast
   pass, and the full cascade when the fast pass kept too little of the page's
   prose; recall passes put back article text it left out
   (:mod:`cleaning.html.recall`);
4. the first line is cut when it repeats the headline (``generic.heading.headline``),
   then the line and feature rules run on the body (``clean_text(mode="body")``), and
   the rules on its last lines (:mod:`cleaning.html.tail`: the author's closing line, a
   lead-in to something taken out);
5. ``paywalled`` comes from JSON-LD, paywall rules or a visible paywall prompt;
6. the page is classified: a listing, error page or gallery gets a drop reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import copy
from functools import cache
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import DEFAULT_CONFIG, Extractor

from cleaning.html import sitelinks, tail
from cleaning.html.codeblocks import code_lines, restore_indentation
from cleaning.html.decode import HTMLInputError, more_elements_than, parse_html
from cleaning.html.dom import DomPlan, apply_dom_rules, compile_rule, space_block_tails
from cleaning.html.pagetype import MIN_WORDS, classify_page, count_words, read_head
from cleaning.html.payload import payload_body, script_texts
from cleaning.html.recall import long_paragraphs, recall_passes, unmask_prose
from cleaning.html.ruby import inline_ruby
from cleaning.html.standfirst import restore_standfirst
from cleaning.metadata.page import PageMeta, extract_metadata
from cleaning.record import CleanedRecord, Removal
from cleaning.rules import Rule, RuleSet
from cleaning.text.clean import clean_text
from cleaning.words import detect_language

__all__ = ["HTMLInputError", "clean_html", "extract_body"]

_WORD = re.compile(r"\w+")
# Never article text: code, vector art, and the elements the extractor deletes on every
# path anyway (navigation, form selects, embeds).  Dropping them once before extraction
# saves the extractor's tree copies and keeps menu text out of the prose measure that
# decides the rescue pass.  (<button> is not here: an unclosed one can hold the page.)
_INERT = (
    "script",
    "style",
    "noscript",
    "svg",
    "template",
    "nav",
    "select",
    "iframe",
    "object",
    "embed",
    "video",
    "audio",
    "canvas",
    "map",
)
# Rules whose hits mean "the reader sees only part of the article".
_PAYWALL_CATEGORY = "paywall"
# The <h1> that repeats the headline (which goes in ``title``) is removed under this rule.
HEADLINE_RULE = "generic.heading.headline"
# Lines without a letter are separators in prose, but data in a table ("| 3/1/2024 | +4.9% |").
SYMBOLS_RULE = "generic.symbols.no_letters"
# Line rules that stand in, in a text dump, for a widget the DOM rules take out by its markup
# in HTML mode (generic.jobs.widget): in an extracted body what they match is article prose
# about pay ("Most plumbers charge $80-$130 per hour"), not a job board.
DUMP_ONLY_RULES = frozenset({"generic.jobs.listing"})
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
# ... and a line holding a figure is data too: a price or a range set in a cell of its own
# (a table whose cells hold paragraphs comes out one cell a line), a rank number of a list
_DIGIT = re.compile(r"\d")


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url if "//" in url else "//" + url).hostname or ""
    return host.lower().removeprefix("www.") or None


# trafilatura settings, chosen by measurement on the gold sets (bench/html_bench.py):
# favor_precision gained on news pages but lost more recall on wcxb-dev-articles.
FAVOR_PRECISION = False
INCLUDE_TABLES = True
# The fast pass (no readability/jusText comparison) is right on most pages at half the
# cost; when it returns less than this share of the page's paragraph text it has
# missed part of the article (list-style pages), and the full cascade runs.  Since
# navigation leaves the tree first, the measure holds less menu text.  Since the
# recall passes (html_recall) put back the lists, tables and split containers the fast
# pass skips, F1 is the same on all three eval sets anywhere from 0.3 to 0.6 (0.2 loses
# 0.001 on wcxb-dev-articles); 0.3 runs the cascade on 17 of 181 aeb pages, not 51.
RESCUE_SHARE = 0.3
# A fast-pass result with this share of lines of three words or fewer (and at least
# MENU_MIN_LINES lines) is a navigation dump, not an article.
MENU_SHARE = 0.5
MENU_MIN_LINES = 10
# A rescue result with this share of repeated lines took the article (or a template) twice.
REPEAT_SHARE = 0.15
# The full cascade's jusText pass walks from each short paragraph to its nearest long
# one: quadratic in a run of short paragraphs (after a short article, 5,900 one-word
# paragraphs cost 5.7 s of CPU and 8,000 11 s; the 60,000 elements decode.MAX_ELEMENTS
# lets through, 10 minutes).  A page of more elements than this keeps the fast pass's
# text; the eval pages have at most 4,548.
MAX_CASCADE_ELEMENTS = 5_000
_MIN_PARAGRAPH = 40


_LONG_TEXT = etree.XPath(
    f"//body//text()[string-length(normalize-space(.)) >= {_MIN_PARAGRAPH}]", smart_strings=False
)


# paragraphs and list items long enough before stripping (XPath measures in C; the exact
# stripped length is taken in Python for these few only).  A union of two name tests, in
# document order as one step with a `self::p or self::li` test would give, at less than
# half its cost (that test runs on every element)
_LONG_BLOCKS = etree.XPath(
    f"descendant-or-self::p[string-length(.) >= {_MIN_PARAGRAPH}]"
    f" | descendant-or-self::li[string-length(.) >= {_MIN_PARAGRAPH}]"
)


def _paragraph_text(root: HtmlElement) -> int:
    """Characters of prose on the page: paragraphs and list items of some length, or
    long text runs in any container (pages that set their text in bare <div>s)."""
    in_blocks = 0
    for el in _LONG_BLOCKS(root):
        n = len(el.text_content().strip())
        if n >= _MIN_PARAGRAPH:
            in_blocks += n
    return max(in_blocks, sum(len(t.strip()) for t in _LONG_TEXT(root)))


def _options(url: str | None, fast: bool, precision: bool, language: str | None) -> Extractor:
    """trafilatura's options for one extraction: what ``bare_extraction`` builds from these
    keyword arguments, a copy of the one made for pages without a URL (building them reads
    trafilatura's configuration, about a tenth of a millisecond; a copy is a tenth of that)."""
    if url is not None:
        return _new_options(url, fast, precision, language)
    return copy(_options_without_url(fast, precision, language))


def _new_options(url: str | None, fast: bool, precision: bool, language: str | None) -> Extractor:
    return Extractor(
        config=DEFAULT_CONFIG,
        output_format="python",
        fast=fast,
        precision=precision,
        recall=False,
        comments=False,
        formatting=None,
        links=False,
        images=False,
        tables=INCLUDE_TABLES,
        dedup=False,
        lang=language,
        url=url,
        with_metadata=False,
        only_with_metadata=False,
        author_blacklist=None,
        url_blacklist=None,
        date_params=None,
    )


@cache
def _options_without_url(fast: bool, precision: bool, language: str | None) -> Extractor:
    # never handed out itself: each extraction gets a copy (trafilatura may change the
    # options it is given; none does now)
    return _new_options(None, fast, precision, language)


def _extract(root: HtmlElement, url: str | None, fast: bool, language: str | None = None) -> str:
    """trafilatura's text of ``root``; ``language`` (the page's, ISO 639-1) is passed to the
    full cascade, whose jusText fallback then counts that language's stop words.

    Without it, trafilatura builds the union of all jusText stop-word lists (about 100
    languages) on first use in every process: about 0.2 s of CPU and 35 MB that stay (measured
    on this project's machine), for the same bodies on the 561 pages of the eval sets."""
    # the rescue pass (fast=False) is there for recall
    precision = FAVOR_PRECISION and fast
    doc = None
    if language and not fast:
        doc = trafilatura.bare_extraction(root, options=_options(url, fast, precision, language))
    # with a language, trafilatura may also discard the page when its language check (or
    # an installed py3langid) disagrees: the cascade then runs as it would without one
    if doc is None:
        doc = trafilatura.bare_extraction(root, options=_options(url, fast, precision, None))
    if doc is None:
        return ""
    text = doc.get("text") if isinstance(doc, dict) else doc.text
    return text or ""


def _menu_share(text: str) -> float:
    """Share of the lines of ``text`` that are menu-like (three words or fewer)."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < MENU_MIN_LINES:
        return 0.0
    # three words or fewer: no fourth piece when a line is cut at its first three spaces
    # (cutting a long line into all its words cost more than the rest of this test)
    return sum(1 for line in lines if len(line.split(None, 3)) <= 3) / len(lines)


def _repeat_share(text: str) -> float:
    """Share of the non-blank lines of ``text`` that repeat an earlier line."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return 1 - len(set(lines)) / len(lines) if lines else 0.0


# A page that declares no language gets the one its text is written in, told from the
# function words (cleaning.words.detect_language) of this many words at least
_MIN_GUESS_WORDS = 40


def guess_language(text: str) -> str | None:
    """The language (ISO 639-1) ``text`` reads as, or None: too few words to tell, or a
    language with no function-word list."""
    words = _WORD.findall(text.lower())
    if len(words) < _MIN_GUESS_WORDS:
        return None
    return detect_language(words)


def extract_body(root: HtmlElement, url: str | None, language: str | None = None) -> str:
    """trafilatura's main text of the (pruned) tree; it works on a copy of the tree.

    Fast pass first.  The full cascade runs when the fast pass kept less than
    :data:`RESCUE_SHARE` of the page's prose (it missed part of the article), or when
    it returned a menu dump (its whole-page fallback on a page it could not read).
    The full result replaces the fast one when it is longer (or the fast one was a
    dump), unless it is itself a menu dump or repeats its own lines.  ``language``: the
    page's declared language, for the full cascade (:func:`_extract`); without one, the
    language is told from its text (:func:`guess_language`)."""
    text = _extract(root, url, fast=True)
    dump = _menu_share(text) >= MENU_SHARE
    rescue = dump or len(text) < RESCUE_SHARE * _paragraph_text(root)
    if rescue and not more_elements_than(root, MAX_CASCADE_ELEMENTS):
        language = language or guess_language(text) or guess_language(" ".join(_LONG_TEXT(root)))
        full = _extract(root, url, fast=False, language=language)
        if _menu_share(full) >= MENU_SHARE or _repeat_share(full) >= REPEAT_SHARE:
            return text  # the cascade fell back to a page dump, or took the page twice
        if dump and full:
            return full
        if len(full) > len(text):
            return full
    return text


def _norm(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


# A paywall prompt says both "subscribe / sign in" and "to continue / keep reading".
# Prompts inside a modal or pop-up are sign-up nags shown over free articles too.
# The clue phrases are searched in the source first: a page holding none is not walked.
_WALL_PHRASES = ("ontinue reading", "eep reading", "to read the full", "to read this article")
_WALL_BYTES = tuple(p.encode("ascii") for p in _WALL_PHRASES)
_WALL_CLUE = etree.XPath(
    "//body//text()[" + " or ".join(f"contains(., '{p}')" for p in _WALL_PHRASES) + "]"
    "[not(ancestor::*[contains(@class, 'modal') or contains(@class, 'popup')])]",
    smart_strings=False,
)
_WALL_PROMPT = re.compile(
    r"(?i)\b(subscrib\w*|sign in|log in|login|register|become a member|members only|"
    r"premium|already have an account)\b"
)


def may_show_truncation(html: str | bytes) -> bool:
    """Whether the page source holds a clue phrase of :func:`shows_truncation` (searching
    the source is far cheaper than walking every text node of the tree).

    Bytes that reach here are in an ASCII-compatible encoding: :func:`parse_html` refuses
    UTF-16 and UTF-32 input (NUL bytes throughout)."""
    if isinstance(html, str):
        return any(p in html for p in _WALL_PHRASES)
    return any(p in html for p in _WALL_BYTES)


def shows_truncation(root: HtmlElement) -> bool:
    """True when the page shows a paywall prompt ("Subscribe to continue reading")."""
    for text in _WALL_CLUE(root):
        node = text.strip()
        if len(node) < 300 and _WALL_PROMPT.search(node):
            return True
    return False


def _without_structure(rules: RuleSet) -> RuleSet:
    """The rules minus text-mode structure decisions (article run, link lists, templates).

    Those guess page structure from a full-page dump; after extraction the DOM has
    already decided it, and on the HTML gold sets the link-list guess removed real
    paragraphs (recall -3 points on scrapinghub-aeb).  Line and feature rules still run,
    except :data:`SYMBOLS_RULE`, which :func:`drop_symbol_lines` applies outside tables,
    and :data:`DUMP_ONLY_RULES` (on the HTML gold sets they removed only article text).
    """

    def build() -> RuleSet:
        kept = tuple(
            r
            for r in rules.rules
            if r.kind != "structure" and r.id != SYMBOLS_RULE and r.id not in DUMP_ONLY_RULES
        )
        return rules if len(kept) == len(rules.rules) else RuleSet(kept, version=rules.version)

    # kept by the rule set, so the text matcher built on it is built once, not per page
    result: RuleSet = rules.derived("html.without_structure", build)
    return result


def drop_symbol_lines(
    text: str, rule: Rule | None, code: frozenset[str] = frozenset()
) -> tuple[str, list[Removal]]:
    """``text`` without the lines ``rule`` (:data:`SYMBOLS_RULE`) matches, table rows,
    lines holding a digit and lines of code (``code``: a ``}`` closes a block) excepted: the
    extractor writes a table row per line (or a cell per line, when the cells hold
    paragraphs), and a row of figures, a price range or the rank number of a list item is
    data.  Separators, bullets and emoji rows go."""
    if rule is None:
        return text, []
    kept: list[str] = []
    removed: list[Removal] = []
    for line in text.split("\n"):
        if (
            line.strip()
            and not _TABLE_ROW.match(line)
            and not _DIGIT.search(line)
            and line.strip() not in code
            and rule.matches_text(line)
        ):
            removed.append(Removal(rule.id, line.strip()))
        else:
            kept.append(line)
    return "\n".join(kept) if removed else text, removed


def _headings(root: HtmlElement, meta: PageMeta) -> list[list[str]]:
    """Word lists of the page's headline candidates: the title and the <h1> texts."""
    out = [_norm(meta.title or "")]
    for h1 in root.iter("h1"):
        out.append(_norm(h1.text_content()))
        if len(out) > 4:
            break
    return [h for h in out if h]


def strip_headline(body: str, headings: list[list[str]]) -> tuple[str, list[Removal]]:
    """Cut the first line of ``body`` when it repeats a heading (title or <h1>), alone or
    after a kicker.

    Only the first lines are looked at: the same words further down are a quote or
    a crosshead, which stay."""
    if not headings or not body:
        return body, []
    lines = body.split("\n")
    for i, line in enumerate(lines[:3]):
        words = _norm(line)
        if words and any(words == h or _kicker_and(words, h) for h in headings):
            lines[i] = ""
            return "\n".join(lines), [Removal(HEADLINE_RULE, line.strip())]
    return body, []


def _kicker_and(words: list[str], heading: list[str]) -> bool:
    """``words`` are a kicker and then ``heading`` (three words or more): the headline line
    as the page sets it, with the kicker the title was declared without."""
    if len(heading) < 3:
        return False
    # compared without the spaces: the markup often sets the two side by side with none
    line, head = "".join(words), "".join(heading)
    return len(head) < len(line) <= 2 * len(head) and line.endswith(head)


def _body_from_data(html: str | bytes, meta: PageMeta, body: str) -> str:
    """The body of a page whose markup holds too little text to be an article: its JSON-LD
    ``articleBody`` or the paragraphs of a script payload (:mod:`cleaning.html.payload`),
    whichever is longer, when it is longer than what the extractor found.  The scripts are
    out of the tree by now: the page is parsed again, which only such pages pay for."""
    declared = meta.article_body or ""
    scripts = script_texts(parse_html(html)[0])
    data = payload_body(scripts) if scripts else ""
    best = max((declared, data), key=len)
    return best if len(best) > len(body) else body


def _publisher_text_rules(rules: RuleSet) -> tuple[Rule, ...]:
    """The publisher rules among the line and feature rules (kept by the rule set): the page's
    own rules are these that apply to its domain, without testing every generic rule."""
    own: tuple[Rule, ...] = rules.derived(
        "html.publisher_text_rules",
        lambda: tuple(r for r in rules.rules if not r.is_generic and r.kind in ("line", "feature")),
    )
    return own


def _related_line_test(rules: RuleSet) -> Callable[[str], bool]:
    """Whether a line rule about related content (category ``related``) fires on a text: the
    teasers those rules name in the body are left to them (:mod:`cleaning.html.sitelinks`)."""
    related: tuple[Rule, ...] = rules.derived(
        "html.related_line_rules",
        lambda: tuple(
            r for r in rules.rules if r.is_generic and r.kind == "line" and r.category == "related"
        ),
    )
    return lambda text: any(r.matches_text(text) for r in related)


def _plan(active: tuple[Rule, ...]) -> DomPlan:
    """The compiled dom rules and their indexes (kept by the rule set, built once)."""
    return DomPlan([compile_rule(r) for r in active])


def clean_html(html: str | bytes, url: str | None = None, *, rules: RuleSet) -> CleanedRecord:
    """Clean one HTML page.

    ``html`` as bytes is decoded here (BOM, declared charset, detection); as str it
    is used as is.  ``url`` selects publisher rules and resolves relative links;
    without it (a saved page) the page's own canonical URL selects the publisher.
    Raises :class:`HTMLInputError` for input that is not an HTML page.
    """
    root, _encoding = parse_html(html)
    meta = extract_metadata(root, url)
    domain = _domain(url) or _domain(meta.canonical_url)
    # metadata has read the JSON-LD; what follows never reads scripts, styles or vector
    # art, and trafilatura copies the whole tree several times: drop them once here
    etree.strip_elements(root, *_INERT, with_tail=False)
    inline_ruby(root)  # a word's reading stays in its sentence (cleaning.html.ruby)
    # nor the <head> (metadata is read; trafilatura runs without its own), once the page
    # classifier has what it needs from it: about 4 % of the page's CPU on aeb
    head = read_head(root)
    if root.find("body") is not None:  # (a page parsed without a body keeps what it has)
        etree.strip_elements(root, "head", with_tail=False)

    dom_rules = rules.for_domain(domain, kinds=("dom",))
    # the headline rule runs after extraction: taking the <h1> out of the tree moves
    # trafilatura's idea of where the article starts (measured: whole bodies lost)
    headline = next((r for r in dom_rules if r.id == HEADLINE_RULE), None)
    headings = _headings(root, meta) if headline is not None else []
    # so do the rules on the body's last lines (cleaning.html.tail): they read the body
    tail_rules = {r.id for r in dom_rules if r.id in tail.RULES}
    # and the rule on lists of links to the site's other articles, which needs the page's URL
    link_rules = {r.id for r in dom_rules if r.id in sitelinks.RULES}
    later = (HEADLINE_RULE, *tail.RULES, *sitelinks.RULES)
    active = tuple(r for r in dom_rules if r.id not in later)
    plan = rules.derived(("html.dom", tuple(r.id for r in active)), lambda: _plan(active))
    space_block_tails(root)
    dom = apply_dom_rules(root, active, plan=plan)
    links_removed = sitelinks.drop_article_links(
        root, url or meta.canonical_url, link_rules, _related_line_test(rules)
    )
    # the extractor works on copies of the tree: its paragraphs stay valid after extraction
    paragraphs = long_paragraphs(root)
    unmask_prose(root, paragraphs)
    body = recall_passes(root, extract_body(root, url, meta.language), paragraphs)
    body = restore_standfirst(root, body, meta.description, paragraphs)
    if count_words(body) < MIN_WORDS:
        body = _body_from_data(html, meta, body)
    body, head_removed = strip_headline(body, headings)
    text_rules = _without_structure(rules)
    # without publisher line rules for this domain, domain=None selects the same rules and
    # lets the text stage reuse the matcher it built for the generic rules
    has_own = any(r.applies_to(domain) for r in _publisher_text_rules(text_rules))
    cleaned = clean_text(body, rules=text_rules, domain=domain if has_own else None, mode="body")
    symbols = next((r for r in rules.rules if r.id == SYMBOLS_RULE), None)
    code = code_lines(root)
    text, symbol_removed = drop_symbol_lines(cleaned.text, symbols, code)
    text, tail_removed = tail.clean_tail(text, meta.authors, meta.site_name, tail_rules)
    text = restore_indentation(text, body, code)

    paywalled = meta.paywalled
    if (
        any(rules.by_id(rid).category == _PAYWALL_CATEGORY for rid in dom.evidence)
        or any(rules.by_id(r.rule_id).category == _PAYWALL_CATEGORY for r in dom.removed)
        or (may_show_truncation(html) and shows_truncation(root))
    ):
        paywalled = True

    drop_reason = classify_page(root, url, meta, text, head)
    return CleanedRecord(
        text=text,
        removed=dom.removed
        + tuple(links_removed)
        + tuple(head_removed)
        + cleaned.removed
        + tuple(symbol_removed)
        + tuple(tail_removed),
        title=meta.title,
        description=meta.description,
        language=meta.language,
        authors=meta.authors,
        published=meta.published,
        modified=meta.modified,
        site_name=meta.site_name,
        canonical_url=meta.canonical_url,
        section=meta.section,
        tags=meta.tags,
        image_url=meta.image_url,
        paywalled=paywalled,
        drop_reason=drop_reason,
    )
