"""Text mode: a plain-text dump (or an extracted body) in, a cleaned record out.

``mode="dump"``: the text is every visible line of a page.  Lines are split
(glued blocks separated), judged by the line/feature rules and the repetition
statistics, scored, and the best-scoring contiguous run is the article
(:mod:`cleaning.text.segment`).  Lines outside it are removed under the structural
rule ``generic.structure.outside_article``; inside it, rule hits, template
lines and link lists are removed.  A headline and standfirst just above the
article become ``title`` and ``description``.

``mode="body"``: the text is already an article body (HTML mode after
trafilatura): only the local evidence applies, paragraphs stay in order.

Structural decisions are declared in the rule files as ``kind = "structure"``
rules (``decision = "outside_article"`` ...), so each removal names a rule a
user can read and disable: a disabled structural rule is simply not applied.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from cleaning.record import CleanedRecord, Removal
from cleaning.rules import Rule, RuleSet
from cleaning.rules.features import date_only, labelled_date
from cleaning.text.lines import Line, document_language, split_lines
from cleaning.text.matcher import RuleMatcher
from cleaning.text.model import feature_rows, probabilities, run_scores
from cleaning.text.repetition import RepetitionStats, build_stats, line_hash
from cleaning.text.segment import (
    NO_VERDICT,
    Verdict,
    best_run,
    evidence_category,
    indent_adjusted,
    is_promo,
    is_prose,
    line_score,
    plain_score,
    with_block_evidence,
)

# Bump when the heuristics change: part of the rules_version written with each row.
MODEL_VERSION = "text-seg-15"
MODES = ("dump", "body")

_ABOVE, _BELOW = 3, 3  # lines judged around the article run
_MAX_ROUNDS = 12  # judge-and-rescore rounds before the run is taken as it stands
_CLOSING = 5.0  # evidence weight of a header after which nothing is the article
_CLOSING_AFTER_WORDS = 60  # ... once this many words of prose were seen (not a byline count)
_GOES_ON_RATIO = 2.0  # prose below a closing header, to the prose above it, that outweighs it
_GOES_ON_PARAGRAPHS = 4  # ... when it holds this many long paragraphs in a row
_PARAGRAPH_WORDS = 25  # ... each at least this long
_MODEL_MARGIN = 15  # lines around the heuristic run the model may add or remove
_TITLE_WINDOW = 25  # lines above the article searched for the headline
_TEASER_WINDOW = 12  # lines after a related-content header read for a teaser list
_TEASERS = 3  # ... holding at least this many summaries
_DATED_GAP = 5  # lines from one teaser's date stamp to the next one's, at most
_SUMMARY_WORDS = 45  # ... none longer than this
_SUMMARY_FROM = 5  # ... and no shorter than this (a shorter sentence can be a link's title)
_DIRECTORY_ITEMS = 6  # links with a one-line description each that make a run a directory
_MENU_ITEMS = 10  # names with a one-line description each, in a row, that make a stretch a menu
_MENU_DESCRIPTION_WORDS = 20  # ... each description at most this long
_CARDS = 3  # teaser cards (a headline glued to its summary) in the run that make them teasers
_CARD_HEAD_WORDS, _CARD_TAIL_WORDS = 4, 8  # ... words of the headline and of the summary, at least
# where a card's headline runs into its summary: a word of three lower-case letters or more (or
# a closing bracket or quote) followed by a capital with no space ("Harbour ReopensThe ferry")
_CARD_GLUE = re.compile(r"(?:[a-z]{3}|[a-z][)'’\"”])([A-Z])")
_FURNITURE_ROUNDS = 3  # times the run is found again without the menus and cards it held
_LINK_LIST_ITEMS = 8  # headlines in a read-also list inside the article, at most
_BOX_LINES = 3  # headlines (and their source, author) in a "read also" box inside the article
_BOX_ITEM_WORDS = 16  # ... each at most this long
_BOX_PROSE = 30  # words of the paragraph after the box that show the article goes on
_LIST_ITEMS, _LIST_ITEM_WORDS = 40, 40  # items (of at most so many words) after a lead-in
_LEAD_IN_WORDS, _LEAD_IN_ITEMS = (6, 24), 3  # a lead-in just below the run: words, items
_STRUCTURE_LINES = 24  # headings and list items between two stretches of the article's prose
_STRUCTURE_PROSE = 15  # words of prose after them that show the article goes on
_INTRO_WORDS = 8  # a line ending with a colon this long is a sentence opening a list or example
_BOX_MAX_PROSE_LINES = 20  # paragraphs read after a box before the next box is looked for
_TAIL_SHORT = 0.6  # a teaser's headline: at most this share of the median prose line's words
_TAIL_MIN_WORDS, _TAIL_MAX_WORDS = 6, 30  # ... bounded thus
# a summary in a teaser list at the run's end (two clauses, longer than a listing's under a
# header, whose cards alternate with the article's own crossheads and paragraphs)
_TAIL_SUMMARY_WORDS = 60
_BLOCK_HEADER = 3.0  # evidence weight of the header of a related-content block
_EVIDENCE_DROP = 1.0  # summed evidence weight from which a line inside the article is removed
_NEXT_ARTICLE_AFTER = 60  # words of prose of the article before a repeated header ends it
_STAMP_WORDS = 12  # a date stamp line is no longer than this
_FOOTER_AFTER_WORDS = 150  # words of the article's prose before a footer may end it
_NOTICE_OPENS = re.compile(r"\W{0,3}(©|\(c\)|copyright\b)", re.IGNORECASE)
_NOTICE_WORDS = 25  # a copyright notice is at most this long
_YEAR = re.compile(r"(?<!\d)(19|20)\d\d(?!\d)")
_TESTIMONIALS = 4  # customers' quotes, each signed below, that make a testimonials widget
_SIGNATURE_DASHES = "-–—~ "  # what may open a signature line before the name ("— Mark T.")
_OPEN_QUOTES = frozenset("\"“„«‘'»")
_CLOSE_QUOTES = frozenset("\"”“»’'«")
_HEADING_WORDS = 4  # a heading the run keeps though other pages of its group show it
_BYLINE_LINES = 4  # short lines (author, date, share buttons) between a standfirst and the body
_STANDFIRST_WORDS = 12  # a standfirst sentence above the byline block is at least this long
# a date with its year: day.month.year, day/month/year, ISO, or a month name and a year
_DATED = re.compile(
    r"(?<!\d)(\d{1,2}\.\s?\d{1,2}\.\s?((19|20)\d\d|\d\d)|\d{1,2}/\d{1,2}/(19|20)\d\d"
    r"|(19|20)\d\d-\d\d-\d\d|[^\W\d_]{3,}\.? (19|20)\d\d)(?!\d)"
)
_DIGITS = re.compile(r"\d")
_ITEM = re.compile(r"\d{1,2}[.)]\s")  # the number of a list item, opening its heading
_COPY_WORDS = 8  # a kept line the page showed before is removed from this many words ...
_COPY_NEXT_WORDS = 4  # ... when the line before or after it, of this many words, is a copy too
_REPEATED_ALONE = 20  # a paragraph of this many words shown twice is a repeated block alone
_EDGE_LOST = 0.1  # share of the prose shown once a run without its repeated edges may lose
_GLUED_AFTER = 3  # copies on a page from which earlier lines glued together are copies too
_TWICE_WORDS = (2, 30)  # a headline shown twice in a row (a card's image text and link): words
_HALF_WORDS = 3  # a line that is one text written twice: words of each half at least
_NAME_WORDS = (2, 4)  # words of a person's name standing as a line
_AUTHOR_BOX_WORDS = 150  # words from an author's name after the article to the run's end
_AUTHOR_NAMED_WITHIN = 8  # the words of the line after it that may name the author again
_ROLE_WORDS = 4  # an author's role under the name ("Senior reporter") is at most this long
_WORDS = re.compile(r"\w+")
_FULL_STOPS = frozenset(".。।॥۔։።။")  # a sentence's end in its script (not "?" or "!")
_CLOSERS = "\"'”’“‘›)]»*」』）"  # quotes and brackets after a sentence's end


def clean_text(
    text: str,
    *,
    rules: RuleSet,
    domain: str | None = None,
    stats: RepetitionStats | None = None,
    mode: str = "dump",
    line_hashes: Mapping[str, str] | None = None,
) -> CleanedRecord:
    """Clean one plain-text document.

    ``domain`` selects publisher rules; ``stats`` holds line repetition counts of
    the document's source (see :mod:`cleaning.text.repetition`; the group consulted
    is ``domain`` when the stats know it, else their only group).  ``mode`` is
    ``"dump"`` (a full page: find the article) or ``"body"`` (an extracted body:
    remove local boilerplate only).  ``line_hashes``: the line hash of lines of this
    text by their stripped text, when the caller has them (the statistics pass of a
    batch, :func:`cleaning.text.repetition.document_lines`); a line it does not hold
    (a glued block split in two) is hashed here.
    """
    # no learned model is shipped: its leave-one-dataset-out gain was within noise (see
    # scripts/train_text_model.py); _clean takes one for evaluation
    return _clean(text, rules, domain, stats, mode, None, line_hashes)


def _clean(
    text: str,
    rules: RuleSet,
    domain: str | None,
    stats: RepetitionStats | None,
    mode: str,
    model: tuple[Sequence[float], float] | None,
    line_hashes: Mapping[str, str] | None = None,
) -> CleanedRecord:
    """:func:`clean_text` with the model given (the training script scores its candidates)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    # a dump's language sets the stop words its lines are measured with (the article run is
    # found by them); an extracted body keeps every line no rule removes, and needs none
    raw_lines = text.splitlines()  # cut once for both
    language = document_language(text, raw_lines) if mode == "dump" else None
    lines = split_lines(text, language, raw_lines)
    matcher, structural = _prepared(rules, domain)
    judge = _Judge(matcher, stats, domain, structural.get("template"), line_hashes)
    verdicts = [NO_VERDICT] * len(lines)
    outside = structural.get("outside_article")

    if mode == "body" or outside is None:
        # every line can be removed only by its own verdict: judge them all
        judge.judge(lines, range(len(lines)), verdicts)
        start, end = 0, len(lines)
    page_copy = structural.get("page_copy")
    trimmed: list[range] = []  # the run's edges left out as blocks the page shows twice
    # the lines of blocks the page shows twice, found once (page_copy leaves them out of the
    # run's edges)
    repeated = _repeated_blocks(lines) if mode == "dump" and page_copy else None
    # the score of each line no rule says anything of (most lines), computed once
    plain = list(map(plain_score, lines)) if mode == "dump" else []
    if mode == "dump":
        start, end = _find_article(
            lines, verdicts, judge, outside is None, model, repeated, trimmed, plain
        )
    boxes: list[int] = []  # lines of "read also" boxes the article goes on after
    if mode == "dump" and end > start and outside is not None:
        end = _extend_over_boxes(lines, verdicts, judge, end, boxes)
        end = _extend_over_list(lines, judge, start, end)
        goes_on = _extend_over_structure(lines, verdicts, judge, start, end)
        if goes_on > end:
            end = _cut_at_closing_header(lines, verdicts, start, goes_on)
            end = _cut_at_teaser_list(lines, verdicts, start, end)
            end = _cut_at_next_article(lines, verdicts, start, end)
    footer_tail = range(0)  # the lines of the run from the site's footer on
    footer_id = structural.get("footer_end")
    if mode == "dump" and footer_id is not None and end > start:
        cut = _cut_at_footer(lines, verdicts, start, end)
        footer_tail, end = range(cut, end), cut
    standfirst = _standfirst_above(lines, judge, start, end) if mode == "dump" else None
    # precedence: a rule hit names the most specific reason, then the article run, then lists
    reasons: list[str | None] = [None] * len(lines)
    run_end = end  # the teaser list after the article is part of the run until cut off
    tail = range(0)  # lines of the run that a teaser list after the article takes
    teaser_tail = structural.get("teaser_tail")
    if mode == "dump" and teaser_tail is not None:
        cut = _cut_at_teaser_tail(lines, start, end)
        tail, end = range(cut, end), cut
    if repeated is not None and outside is not None and end == run_end > start:
        # no teaser list ends the run: a block shown twice may (the lines judged, the
        # scores are the lines' own)
        scores = [
            p if v is NO_VERDICT else line_score(line, v, p)
            for line, v, p in zip(lines, verdicts, plain, strict=True)
        ]
        found = end
        end = run_end = _without_repeated_edges(lines, scores, repeated, start, end, False)[1]
        trimmed.append(range(end, found))
    author_box = structural.get("author_box")
    box_tail = range(0)  # the author's box after the article's text
    if mode == "dump" and author_box is not None and end > start:
        cut = _cut_at_author_box(lines, start, end)
        box_tail, end = range(cut, end), cut
    # a short heading the group's other pages show too ("Conclusion", "Pros") that stands
    # alone between the article's own lines is the article's heading, not the template
    headings = _lone_headings(lines, verdicts, start, end) if mode == "dump" else frozenset()
    for i in judge.flagged:  # the other lines have no verdict of their own
        verdict = verdicts[i]
        if i in headings:
            verdict = Verdict(verdict.drop, verdict.evidence, verdict.evidence_id, False)
        reasons[i] = _local_reason(verdict, structural)
    if mode == "dump" and outside is not None:
        for i in (*range(start), *range(run_end, len(lines))):
            if reasons[i] is None and i != standfirst:
                reasons[i] = outside
    for i in footer_tail:  # a line a rule removes (the copyright line) keeps its rule
        if reasons[i] is None or reasons[i] == outside:
            reasons[i] = footer_id
    link_list_id = structural.get("link_list")
    for i in boxes:
        if reasons[i] is None:
            reasons[i] = link_list_id or outside
    if link_list_id is not None:
        # a list under a related header in the teaser list is named a link list
        _mark_link_lists(lines, verdicts, start, run_end, reasons, link_list_id)
    testimonials_id = structural.get("testimonials")
    if mode == "dump" and testimonials_id is not None:
        for i in _testimonials(lines, start, run_end):
            if reasons[i] is None or reasons[i] == outside:
                reasons[i] = testimonials_id
    for i in tail:
        if reasons[i] is None:
            reasons[i] = teaser_tail
    if mode == "dump" and page_copy is not None:
        for i in (*_page_copies(lines, reasons), *_shown_twice(lines, reasons)):
            reasons[i] = page_copy
        if repeated is not None and any(trimmed):
            # the repeated lines the run left out at its edges are named by the rule too
            for i in (i for edge in trimmed for i in edge):
                if repeated[i] and reasons[i] == outside:
                    reasons[i] = page_copy
    for i in box_tail:  # after the copies: a line of the box the page showed before is one
        if reasons[i] is None:
            reasons[i] = author_box

    title = description = None
    if mode == "dump":
        # the headline and standfirst candidates above the run need their verdicts too
        top = start if standfirst is None else standfirst
        judge.judge(lines, range(max(0, top - _TITLE_WINDOW), top), verdicts, _headline_like)
        title, description, used = _title_and_description(lines, verdicts, top, standfirst)
        for i in used:
            reasons[i] = "" if reasons[i] is not None else reasons[i]

    kept: list[str] = []
    removed: list[Removal] = []
    for line, reason in zip(lines, reasons, strict=True):
        if reason is None:
            kept.append(line.text)
        elif reason:
            removed.append(Removal(reason, line.text))
    # a dump with no article run (a menu page, an error page) is not an article: counted, not
    # written (the same reason HTML mode gives)
    drop = "not_article:no_text" if mode == "dump" and not kept else None
    return CleanedRecord(
        text="\n".join(kept),
        removed=tuple(removed),
        title=title,
        description=description,
        language=language,
        drop_reason=drop,
    )


def _prepared(rules: RuleSet, domain: str | None) -> tuple[RuleMatcher, dict[str, str]]:
    """The rule matcher and the structural rule ids for pages of ``domain``, built once per
    set of applicable rules (most domains share the generic set)."""
    kinds = ("line", "feature", "structure")
    publisher = rules.derived(
        ("text-publisher",),
        lambda: tuple(r for r in rules.rules if r.kind in kinds and not r.is_generic),
    )
    if any(r.applies_to(domain) for r in publisher):
        active = rules.for_domain(domain, kinds)
        key: tuple[Any, ...] = ("text", tuple(r.id for r in active))
    else:  # no publisher rule applies (most pages): the generic set, looked up once
        active = rules.derived(("text-generic",), lambda: rules.for_domain(None, kinds))
        key = ("text-generic-matcher",)

    def build() -> tuple[RuleMatcher, dict[str, str]]:
        # the rules' analysed patterns are shared by the matchers of all domains
        units = rules.derived(("text-units",), dict)
        matcher = RuleMatcher([r for r in active if r.kind != "structure"], unit_cache=units)
        structural = {r.decision: r.id for r in active if r.kind == "structure" and r.decision}
        return matcher, structural

    return rules.derived(key, build)


class _Judge:
    """Rule and repetition verdicts for the lines of one document, each text judged once."""

    def __init__(
        self,
        matcher: RuleMatcher,
        stats: RepetitionStats | None,
        domain: str | None,
        template_id: str | None,
        line_hashes: Mapping[str, str] | None = None,
    ) -> None:
        self.matcher = matcher
        group = stats.resolve_group(domain) if stats is not None and template_id else None
        # the hashes of the group's template lines: when there are none (a small group), no
        # line needs hashing
        self.templates = stats.template_hashes(group) if stats and group else frozenset()
        hash_of = stats.hash_of if stats is not None else line_hash
        self.hash_of = _looked_up(line_hashes, hash_of) if line_hashes else hash_of
        self.seen: dict[str, Verdict] = {}  # a page repeats its menus: judge each text once
        self.judged: set[int] = set()
        self.flagged: list[int] = []  # the judged lines some rule or the stats say something of

    def judge(
        self,
        lines: Sequence[Line],
        indexes: Iterable[int],
        out: list[Verdict],
        only: Callable[[Line], bool] | None = None,
    ) -> None:
        """Fill ``out[i]`` for each of ``indexes`` not judged yet (and passing ``only``)."""
        seen, judged, flagged, judge = self.seen, self.judged, self.flagged, self.matcher.judge_many
        templates = self.templates
        todo = []
        for i in indexes:
            if i in judged or (only is not None and not only(lines[i])):
                continue
            judged.add(i)
            todo.append(i)
        # the texts not judged yet, each once, judged together (one literal search for all)
        fresh: dict[str, int] = {}
        for i in todo:
            line = lines[i]
            if line.text not in seen:
                fresh.setdefault(line.text, line.words)
        for text, verdict in zip(fresh, judge(list(fresh.items())), strict=True):
            if templates and self.hash_of(text) in templates:
                verdict = self.matcher.templated(verdict)
            seen[text] = verdict
        for i in todo:
            verdict = out[i] = seen[lines[i].text]
            if verdict.drop or verdict.evidence or verdict.template:
                flagged.append(i)

    def peek(self, lines: Sequence[Line], indexes: Iterable[int]) -> dict[int, Verdict]:
        """The verdicts of ``indexes`` without recording them: a line only looked at (below
        the article, to see whether it goes on) keeps its structural reason."""
        out: dict[int, Verdict] = {}
        fresh: dict[str, int] = {}
        for i in indexes:
            if lines[i].text not in self.seen:
                fresh.setdefault(lines[i].text, lines[i].words)
        for text, verdict in zip(fresh, self.matcher.judge_many(list(fresh.items())), strict=True):
            if self.templates and self.hash_of(text) in self.templates:
                verdict = self.matcher.templated(verdict)
            self.seen[text] = verdict
        for i in indexes:
            out[i] = self.seen[lines[i].text]
        return out


def _looked_up(table: Mapping[str, str], hash_of: Callable[[str], str]) -> Callable[[str], str]:
    """:func:`line_hash` of a line, from ``table`` (hashes by line, all computed at once by
    the statistics pass) when it holds the line, else by ``hash_of``: hashing a line one by
    one costs about 3 us (ten C calls), a dict lookup a tenth of that."""
    get = table.get

    def hash_of_line(text: str) -> str:
        found = get(text)
        return hash_of(text) if found is None else found

    return hash_of_line


def _find_article(
    lines: Sequence[Line],
    verdicts: list[Verdict],
    judge: _Judge,
    judged_all: bool,
    model: tuple[Sequence[float], float] | None,
    repeated: Sequence[bool] | None = None,
    trimmed: list[range] | None = None,
    plain: list[float] | None = None,
) -> tuple[int, int]:
    """The article run (start, end).  With ``repeated`` (:func:`_repeated_blocks`), a
    block shown twice at the head of the run is left out (:func:`_without_repeated_edges`)
    and the lines it held appended to ``trimmed`` as a range.

    Judging every line with every rule is the main cost, and most lines of a
    page are menus far from any prose, removed whatever the rules say.  Rules
    only ever lower a line's score, so the score of a line not judged yet is an
    upper bound: the best run is found, its lines (and the few around it, where
    the article's borders are) are judged, and the run is found again until it
    lies in judged lines.  It is then the best run of the fully judged page (up
    to the indentation re-weighing, which depends on the run found).
    """
    if plain is None:
        plain = list(map(plain_score, lines))
    start, end, scores = _heuristic_run(lines, verdicts, judge, judged_all, plain=plain)
    if end > start and _is_directory(lines, start, end):
        # a list of links each with its one-line description: the article is elsewhere
        s2, e2, scores = _heuristic_run(
            lines, verdicts, judge, judged_all, range(start, end), plain
        )
        if e2 > s2:
            start, end = s2, e2
    start, end, scores = _without_furniture(
        lines, verdicts, judge, judged_all, start, end, scores, plain
    )
    if repeated is not None and trimmed is not None and end > start:
        head = start
        start = _without_repeated_edges(lines, scores, repeated, start, end, True)[0]
        trimmed.append(range(head, start))
    if model is not None and end > start:
        lo, hi, rows = _model_window(lines, verdicts, judge, start, end)
        weights, threshold = model
        probs = probabilities(rows, weights)
        s2, e2 = best_run(run_scores(lines, lo, probs, threshold))
        if e2 > s2:
            start, end = lo + s2, lo + e2
    end = _cut_at_closing_header(lines, verdicts, start, end)
    end = _cut_at_teaser_list(lines, verdicts, start, end)
    end = _cut_at_next_article(lines, verdicts, start, end)
    return _skip_lead_in(lines, start, end), end


def _repeated_blocks(lines: Sequence[Line]) -> list[bool]:
    """Which lines belong to a block the page shows twice: two lines in a row that stand
    in a row elsewhere on the page too (blank and symbol-only lines neither make nor break
    a block), or a paragraph of :data:`_REPEATED_ALONE` words or more shown twice.  A
    table of contents whose items come again as crossheads, one paragraph apart, is no
    such block."""
    sized = [i for i, line in enumerate(lines) if line.size > 0]
    texts = [lines[i].text for i in sized]
    out = [False] * len(lines)
    counts = Counter(texts)
    if len(counts) == len(texts):
        return out  # no line stands twice
    # only lines that stand twice (most lines of a page stand once) can make a block: each
    # is looked at, and only the pairs of two of them are counted
    twice = [k for k, n in enumerate(map(counts.__getitem__, texts)) if n > 1]
    for k in twice:
        i = sized[k]
        if lines[i].size >= _REPEATED_ALONE:
            out[i] = True
    # a pair that stands twice is made of two lines that do (each of its places holds them)
    again = set(twice)
    starts = [k for k in twice if k + 1 in again]
    pairs = Counter([(texts[k], texts[k + 1]) for k in starts])
    for k in starts:
        if pairs[texts[k], texts[k + 1]] > 1:
            out[sized[k]] = out[sized[k + 1]] = True
    return out


def _without_repeated_edges(
    lines: Sequence[Line],
    scores: Sequence[float],
    repeated: Sequence[bool],
    start: int,
    end: int,
    head: bool,
) -> tuple[int, int]:
    """The run without the blocks the page shows twice at its edges.

    A widget (a traffic or weather box, a "most read" list with summaries) may stand
    twice on a page, in its desktop and its mobile place, both copies above (or below)
    the article; its summaries read as prose, so the run takes in both copies and the
    menus between them.  The article's own text stands once (a second copy of it, in a
    print view or a gallery, repeats what the run keeps).  The run is taken again with the
    lines of repeated blocks (:func:`_repeated_blocks`) counting against it; that run
    replaces it when none of the lines it leaves out stands in it too, it keeps nearly all
    the prose shown once (at most :data:`_EDGE_LOST` of it is left out) and that prose
    outweighs one copy of the repeated prose left out.  Language-independent:
    it compares the page with itself."""
    if not any(repeated[start:end]):
        return start, end
    masked = [
        -abs(s) if r else s for s, r in zip(scores[start:end], repeated[start:end], strict=True)
    ]
    s2, e2 = best_run(masked)
    # one edge at a time: the head while the run is found, the tail once the teaser lists
    # (which a repeated block below the article may be) had their say
    if head:
        s2, e2 = start + s2, end
        # a widget's copy is set apart from the article by lines of the page (its menus,
        # the headline); a lead paragraph shown twice runs on into the article's text
        last = max((i for i in range(start, s2) if repeated[i]), default=None)
        if last is None or all(
            repeated[k] or lines[k].size == 0 or scores[k] > 0 for k in range(last + 1, s2)
        ):
            return start, end
    else:  # the tail is cut where the first repeated block below the article's prose begins
        e2 = start + e2
        while e2 < end and not repeated[e2]:
            e2 += 1
        s2 = start
    if e2 <= s2 or (s2, e2) == (start, end):
        return start, end
    inside = {lines[i].text for i in range(s2, e2)}
    once = kept = dropped_copies = 0.0
    for i in range(start, end):
        if s2 <= i < e2:
            if scores[i] > 0 and not repeated[i]:
                once += scores[i]
                kept += scores[i]
            continue
        if repeated[i] and lines[i].text in inside:
            return start, end  # the article's own text, shown again (a print copy)
        if scores[i] > 0:
            if repeated[i]:
                dropped_copies += scores[i]
            else:
                once += scores[i]
    # the copies left out count once: the prose of the widget against the article's
    if kept < once * (1.0 - _EDGE_LOST) or kept < dropped_copies / 2:
        return start, end
    return s2, e2


def _is_directory(lines: Sequence[Line], start: int, end: int) -> bool:
    """The run is a directory, not an article: link after link, each with a one-line
    description ("Our sites" of a publisher, a list of services), at least
    :data:`_DIRECTORY_ITEMS` of them.  Its lines alternate strictly: a description (one
    sentence-ended line of :data:`_SUMMARY_FROM` to :data:`_SUMMARY_WORDS` words), then a
    short line that is no sentence (the next link, at most :data:`_STAMP_WORDS` words, an
    exclamation of fewer than :data:`_SUMMARY_FROM` words at most), and so on; an article has
    paragraphs in a row, or longer ones.  Language-independent: it reads the lines' shapes."""
    items = 0
    want_summary = True
    for line in lines[start:end]:
        if line.size == 0:
            continue
        if want_summary:
            if not line.terminal or not _SUMMARY_FROM <= line.size <= _SUMMARY_WORDS:
                return False
            items += 1
        elif (line.terminal and line.size >= _SUMMARY_FROM) or line.words > _STAMP_WORDS:
            return False
        want_summary = not want_summary
    return items >= _DIRECTORY_ITEMS


def _without_furniture(
    lines: Sequence[Line],
    verdicts: list[Verdict],
    judge: _Judge,
    judged_all: bool,
    start: int,
    end: int,
    scores: list[float],
    plain: list[float],
) -> tuple[int, int, list[float]]:
    """The run found again with the menus and teaser cards it held counting against it.

    A mega-menu (product after product, each with its one-line description) and a list of
    teaser cards (each a headline glued to its summary) read as prose line by line: the
    descriptions and summaries are sentences.  Next to an article the run takes them in
    (the article and a mega-menu below it), or takes them instead of it (a wall of cards
    outweighs a short article).  Their lines (:func:`_menu_stretches`, :func:`_glued_cards`)
    count against the run, and the run is found again, until it holds none of them.
    Language-independent where the script has cases: it reads the lines' shapes."""
    masked: set[int] = set()
    for _ in range(_FURNITURE_ROUNDS):
        if end <= start:
            break
        found = [*_menu_stretches(lines, start, end), *_glued_cards(lines, start, end)]
        if not found:
            break
        masked.update(found)
        s2, e2, rescored = _heuristic_run(
            lines, verdicts, judge, judged_all, sorted(masked), plain
        )
        if e2 <= s2:
            break
        start, end, scores = s2, e2, rescored
    return start, end, scores


def _menu_name(line: Line) -> bool:
    """The name of a menu's item: a short line that is no sentence."""
    return line.words <= _STAMP_WORDS and not (line.terminal and line.size >= _SUMMARY_FROM)


def _menu_description(line: Line) -> bool:
    """The one-line description under a menu item's name: one short sentence."""
    return line.terminal and _SUMMARY_FROM <= line.size <= _MENU_DESCRIPTION_WORDS


def _menu_stretches(lines: Sequence[Line], start: int, end: int) -> list[int]:
    """The lines of the run's menu stretches: at least :data:`_MENU_ITEMS` items in a row,
    each a name (:func:`_menu_name`) then its description (:func:`_menu_description`).

    :func:`_is_directory` finds a run that is such a list from end to end; a mega-menu
    below (or above) an article is a stretch of the run.  An article's own headed
    sections hold paragraphs longer than a menu's descriptions, or fewer of them in a row."""
    out: list[int] = []
    items: list[int] = []  # the names and descriptions of the stretch being read
    name: int | None = None  # the name waiting for its description

    def close() -> None:
        if len(items) >= 2 * _MENU_ITEMS:
            out.extend(range(items[0], items[-1] + 1))
        items.clear()

    for i in range(start, end):
        line = lines[i]
        if line.size == 0:
            continue
        if name is not None and _menu_description(line):
            items.extend((name, i))
            name = None
            continue
        if name is not None or not _menu_name(line):
            close()  # two names in a row, or a line that is neither: the stretch ends
        name = i if _menu_name(line) else None
    close()
    return out


def _glued_card(line: Line) -> bool:
    """A teaser card: a Title Case headline of :data:`_CARD_HEAD_WORDS` words or more run
    into its summary, a sentence of :data:`_CARD_TAIL_WORDS` words or more, with no space
    between them ("...Ferry Returns To Old PierThe town council voted..."); the dump lost the break
    between the card's two blocks.  A product name written in camel case inside a
    sentence has lower-case words before it."""
    if not line.terminal or line.size < _CARD_HEAD_WORDS + _CARD_TAIL_WORDS:
        return False
    text = line.text
    # the glue stands inside a word, so the headline's words are the line's first words up
    # to and with the glued one: a line whose first words hold a lower-case one (most
    # sentences) has no headline to glue (the cheap test first: it runs on every line)
    if any(word[0].islower() for word in text.split(None, _CARD_HEAD_WORDS)[:_CARD_HEAD_WORDS]):
        return False
    for glue in _CARD_GLUE.finditer(text):
        head, tail = text[: glue.start(1)].split(), text[glue.start(1) :].split()
        if len(tail) < _CARD_TAIL_WORDS:
            break  # (a later glue leaves a shorter summary)
        if any(word[0].islower() for word in head):
            break  # no headline: a sentence before the glue, and before every later one
        if len(head) < _CARD_HEAD_WORDS:
            continue
        if 2 * sum(word[0].isupper() for word in tail) < len(tail):
            return True
    return False


def _glued_cards(lines: Sequence[Line], start: int, end: int) -> list[int]:
    """The run's teaser cards (:func:`_glued_card`) when it holds :data:`_CARDS` or more: an
    article may run its own headline into its first paragraph, once."""
    cards = [i for i in range(start, end) if _glued_card(lines[i])]
    return cards if len(cards) >= _CARDS else []


def _cut_at_teaser_tail(lines: Sequence[Line], start: int, end: int) -> int:
    """Where a teaser list with no header above it ends the article run (``end`` if none).

    A "more stories" list after the article is a series of teasers: a headline (with a
    kicker, a date, an author) and at most a one-sentence summary.  The summaries read as
    prose, so the run takes the list in.  The tail of the run is such a list when it is
    made of lines much shorter than the article's own prose lines (unpunctuated, at most
    :data:`_TAIL_SHORT` of the median prose line, or a headline in title case of at most
    :data:`_TAIL_MAX_WORDS` words) and summaries (one sentence-ended line
    of at most :data:`_TAIL_SUMMARY_WORDS` words, never two in a row), in at least
    :data:`_TEASERS` groups (a summary closes one), and its shape repeats: three groups
    of two short lines or more (kicker + headline, headline + date), or short lines that
    recur (the same kicker, author or date twice).  An article's own crossheads head one
    paragraph or more each, the shape of the counter-example.  Short lines that start in
    lower case or with ``#`` (code, commands) and the items after a line that ends in a
    colon (the lead-in of a list) are the article's.  Language-independent: it reads the
    lines' shapes, not their words."""
    body = sorted(line.size for line in lines[start:end] if line.terminal and line.size >= 8)
    if not body:
        return end
    limit = min(_TAIL_MAX_WORDS, max(_TAIL_MIN_WORDS, int(body[len(body) // 2] * _TAIL_SHORT)))

    def short(line: Line) -> bool:
        # a headline in title case may run longer than the article's short lines
        if line.size == 0 or line.terminal:
            return False
        return line.words <= limit or (line.words <= _TAIL_MAX_WORDS and line.cap_ratio >= 0.6)

    # the longest tail of short lines and summaries, never two summaries in a row
    cut = end
    after_summary = False
    while cut > start:
        line = lines[cut - 1]
        if line.size == 0 or short(line):
            after_summary = False
        elif line.terminal and line.size <= _TAIL_SUMMARY_WORDS and not after_summary:
            after_summary = True
        else:
            break
        cut -= 1
    for i in range(end - 1, cut - 1, -1):
        if lines[i].text.endswith(":"):  # the lead-in of a list: its items are content
            cut = i + 1
            break
    while cut < end and not short(lines[cut]):
        cut += 1  # a teaser opens with its headline or kicker
    groups: list[int] = [0]  # short lines per group; a summary closes a group
    shorts: list[str] = []
    for line in lines[cut:end]:
        if short(line):
            groups[-1] += 1
            shorts.append(line.text)
        elif line.terminal and line.size > 0:
            groups.append(0)
    if len(shorts) < _TEASERS or len(groups) - (groups[-1] == 0) < _TEASERS:
        return end
    multi = sum(1 for n in groups if n >= 2)
    recurring = len(shorts) - len(set(shorts))
    if multi < _TEASERS and recurring < 2:
        return end
    if 4 * sum(1 for t in shorts if t[0].islower() or t[0] == "#") > len(shorts):
        return end
    prose = sum(line.size for line in lines[start:cut] if line.terminal)
    return cut if prose >= _CLOSING_AFTER_WORDS else end


def _is_notice(line: Line) -> bool:
    """The site's copyright notice: a line of at most :data:`_NOTICE_WORDS` words that
    opens with the sign or the word and gives a year ("© 2025 The Gazette", "Copyright
    2024 ...", "Copyright: Agency, 2025").  A picture's credit names no year ("© Ann
    Walker") or has the sign inside ("Photo: © Agency 2024")."""
    text = line.text
    return (
        line.words <= _NOTICE_WORDS
        and _NOTICE_OPENS.match(text) is not None
        and _YEAR.search(text) is not None
    )


def _cut_at_footer(lines: Sequence[Line], verdicts: Sequence[Verdict], start: int, end: int) -> int:
    """Where the site's copyright notice ends the article run (``end`` if none).

    A page's footer (a menu of short links, the copyright notice) costs less than the
    prose a page may show after it (a pop-up's text, a form's explanation, the site's
    "about us") is worth, so the run crosses it.  After :data:`_FOOTER_AFTER_WORDS` words
    of the article's prose, the run ends at the copyright notice (:func:`_is_notice`),
    taken up to its best-scoring end before the notice (the footer's menu above the notice
    goes too).  A menu alone does not end the run: an article's own lists and tables
    (features, prices, steps) have the same shape.  Language-independent: it reads the
    lines' shapes."""
    prose = 0
    cut = end
    for i in range(start, end):
        if prose >= _FOOTER_AFTER_WORDS and _is_notice(lines[i]):
            cut = i
            break
        if lines[i].terminal:
            prose += lines[i].size
    if cut == end:
        return end
    # the best end before the cut: where the run's running score peaks
    best, total, best_end = 0.0, 0.0, start
    for k in range(start, cut):
        total += line_score(lines[k], verdicts[k])
        if total > best:
            best, best_end = total, k + 1
    return best_end if best_end > start else end


def _signed_by(line: Line) -> int:
    """How a line signs a quote as a customer's review does: 2 when it ends with an
    initial ("Ann W.", "— Mark T."), 1 when it is a short name of capitalised words ("Ann
    Walker", "A. Rae V."), 0 when it is no signature (a digit, a sentence, a lower-case
    word, more than :data:`_NAME_WORDS` words)."""
    if line.words > _NAME_WORDS[1] and line.text[:1] not in _SIGNATURE_DASHES:
        return 0  # (most lines: nothing to strip, the line's own words are too many)
    text = line.text.lstrip(_SIGNATURE_DASHES)
    words = text.split()
    if not 1 <= len(words) <= _NAME_WORDS[1] or _DIGITS.search(text) is not None:
        return 0
    if any(c in text for c in '!?:;,|"“”«»') or not all(w[0].isupper() for w in words):
        return 0
    last = words[-1]
    if len(last) == 2 and last[1] == "." and len(words) >= 2:
        return 2
    return 1 if not line.terminal else 0


def _quoted(text: str) -> bool:
    return text[:1] in _OPEN_QUOTES or text.rstrip()[-1:] in _CLOSE_QUOTES


def _testimonials(lines: Sequence[Line], start: int, end: int) -> list[int]:
    """The lines of a testimonials widget in the run: customers' quotes, each signed by
    its author's name on the line below ("Great staff, quick to see us.", "Ann W.").

    At least :data:`_TESTIMONIALS` quotes (lines of :data:`_SUMMARY_FROM` words or more)
    in a row, each followed by a signature (:func:`_signed_by`), where at least half of
    them end with an initial or the quote stands in quotation marks: a guide's crossheads
    above their paragraphs alternate the same way, but name no initial and quote nobody.
    The widget follows :data:`_FOOTER_AFTER_WORDS` words of the article's prose: a post
    that presents its readers' reviews opens with them.  A short line just above the widget
    that is no sentence is its header.  Language-independent: it reads
    the lines' shapes."""
    out: list[int] = []
    i, prose = start, 0  # prose: the words of the article's sentences before line i
    while i < end - 1:
        j, pairs, marked = i, 0, 0
        # the last signature may stand just below the run (a name costs more than it is worth)
        while j < end and j + 1 < len(lines):
            quote, sign = lines[j], lines[j + 1]
            if quote.size < _SUMMARY_FROM:  # (the cheap test first)
                break
            signed = _signed_by(sign)
            if not signed or _signed_by(quote):
                break
            pairs += 1
            marked += signed == 2 or _quoted(quote.text)
            j += 2
        if pairs >= _TESTIMONIALS and 2 * marked >= pairs:
            if prose >= _FOOTER_AFTER_WORDS:  # after the article's text
                head = i - 1  # the widget's header ("What our patients say")
                if head > start and not lines[head].terminal and lines[head].words <= _STAMP_WORDS:
                    out.append(head)
                out.extend(range(i, j))
            i = j  # the widget's own quotes are no prose of the article
            continue
        prose += lines[i].size if lines[i].terminal else 0
        i += 1
    return out


def _name_like(text: str) -> bool:
    """A person's name as a line: two to four words, each capitalised (particles such as
    "de", "von", "del" between them), no digit, no sentence's end."""
    words = text.split()
    if not _NAME_WORDS[0] <= len(words) <= _NAME_WORDS[1] or _DIGITS.search(text) is not None:
        return False
    if not (words[0][0].isupper() and words[-1][0].isupper()):
        return False
    if text[-1] in _FULL_STOPS or any(c in text for c in "!?:;,|"):
        return False  # a label ("Instructor: Ann Walker"), a list, a sentence
    return all(w[0].isupper() or (w.isalpha() and len(w) <= 3) for w in words[1:-1])


def _cut_at_author_box(lines: Sequence[Line], start: int, end: int) -> int:
    """Where the author's box after the article ends the run (``end`` if none).

    Many pages close the article with a box on its author: the name (the one the byline
    above the article gave), then the author's role ("Editor", "Staff writer") or a
    sentence of biography that names the author again ("Ann Walker covers the town's
    schools"), a link to more of their stories.  Such a name line met after
    :data:`_CLOSING_AFTER_WORDS` words of the article's prose, with at most
    :data:`_AUTHOR_BOX_WORDS` words from it to the run's end, ends the run when a short line
    above the article showed the name (the byline) and the line after it names the author
    again (the surname, or a first name of four letters or more, within its first
    :data:`_AUTHOR_NAMED_WITHIN` words) or is a short line the page did not show above (a
    role; an item of a table of contents above is no role).  A word before the name
    ("About Ann Walker", "Über Ann Walker") is the box's header, whatever its language.
    Language-independent: it compares the page with itself."""
    prose = 0
    rest = sum(line.size for line in lines[start:end])
    above: str | None = None  # the short lines above the article (and at its top), lower case
    for i in range(start, end):
        line = lines[i]
        if (
            prose >= _CLOSING_AFTER_WORDS
            and rest <= _AUTHOR_BOX_WORDS
            and not line.terminal
            and _name_like(line.text)
        ):
            if above is None:
                # the short lines (a byline, a menu) above the article and at its top
                top = lines[: min(end, start + 3)]
                above = "\n".join(x.text for x in top if x.words <= _STAMP_WORDS).lower()
            name = line.text.lower()
            j = i + 1
            while j < end and lines[j].size == 0:
                j += 1
            if name not in above and name.count(" ") >= 2:
                # a header before the name ("About Ann Walker", "Über Ann Walker")
                name = name.split(" ", 1)[1]
            if name in above and j < end:
                after = lines[j]
                # the surname, or the first name alone ("Ann joined the paper in 2019")
                parts = _WORDS.findall(name)
                tokens = _WORDS.findall(after.text.lower())[:_AUTHOR_NAMED_WITHIN]
                named = (len(parts[-1]) >= 3 and parts[-1] in tokens) or (
                    len(parts[0]) >= 4 and parts[0] in tokens
                )
                role = (
                    after.words <= _ROLE_WORDS
                    and not after.terminal
                    and after.text.lower() not in above
                )
                if named or role:
                    return i
        if line.terminal:
            prose += line.size
        rest -= line.size
    return end


def _extend_over_boxes(
    lines: Sequence[Line], verdicts: list[Verdict], judge: _Judge, end: int, boxes: list[int]
) -> int:
    """The end of the article when it goes on after "read also" boxes set in its text.

    Such a box (a related-content header, up to :data:`_BOX_LINES` headlines with their
    source or author, an ad label above it) costs more than the paragraph after it is worth,
    so the run ends above the box and drops the article's last paragraph.  The run is
    extended over a box when prose follows it (at least :data:`_BOX_PROSE` words, in lines
    no rule says anything of) and the page does not go on with prose right after that
    prose (which is a teaser's summary, then the next teaser).  The box's lines are
    appended to ``boxes`` (removed as a link list)."""
    n = len(lines)
    while True:
        seen = judge.peek(lines, range(end, min(n, end + _BOX_LINES + 4)))
        verdict = seen.get
        i = end
        while i < n and lines[i].size == 0:
            i += 1
        box = i
        if i < n and verdict(i, NO_VERDICT).evidence_id == "generic.ads.label":
            i += 1
        head = verdict(i, NO_VERDICT)
        if i >= n or head.evidence < _BLOCK_HEADER or not _opens_list(lines[i], head):
            return end
        i += 1
        items = i
        while i < n and i - items < _BOX_LINES and not is_prose(lines[i]):
            if lines[i].words > _BOX_ITEM_WORDS:
                return end
            i += 1
        if i == items:
            return end
        j = i
        while j < n and is_prose(lines[j]) and j - i < _BOX_MAX_PROSE_LINES:
            if judge.peek(lines, (j,))[j] is not NO_VERDICT:
                break
            j += 1
        if j == i or lines[i].size < _BOX_PROSE:
            return end
        if (j < n and _is_related(judge.peek(lines, (j,))[j])) or any(
            map(is_prose, lines[j + 1 : j + 3])
        ):
            return end  # a link after the summary, or the next teaser's summary
        if any(map(_is_stamp, lines[items:i])) and any(map(_is_stamp, lines[j : j + 3])):
            return end  # teasers with their dates: the box's and the next one's
        judge.judge(lines, range(box, j), verdicts)  # the box's lines are removed by their rules
        boxes.extend(range(box, i))
        end = j


def _extend_over_list(lines: Sequence[Line], judge: _Judge, start: int, end: int) -> int:
    """The end of the article when its last line leads in a list ("The winners are:",
    "You will need:"): the items below it, short lines that cost more than they are worth,
    are the article's.  The run goes on over the lines after it that no rule or the
    repetition statistics say anything of, up to :data:`_LIST_ITEMS` of them, each of at
    most :data:`_LIST_ITEM_WORDS` words and shown nowhere else on the page, until the
    first other line.  Language-independent: it reads
    the lines' shape."""
    n = len(lines)
    if end >= n or end <= start:
        return end
    lead = end  # the list's first item
    if not lines[end - 1].text.endswith((":", "：")):
        # the lead-in may stand just below the run: too short to pay for itself
        k = end
        while k < n and lines[k].size == 0:
            k += 1
        lead_in = lines[k] if k < n else None
        if lead_in is None or not lead_in.text.endswith((":", "：")):
            return end
        if not _LEAD_IN_WORDS[0] <= lead_in.words <= _LEAD_IN_WORDS[1]:
            return end  # a label ("Sources:", "Contact the author:") heads no list of the text
        lead = k + 1
    counts: dict[str, int] = {}
    for line in lines:
        counts[line.text] = counts.get(line.text, 0) + 1
    hi = min(n, lead + _LIST_ITEMS)
    seen = judge.peek(lines, range(end, hi))
    if lead > end and (seen[lead - 1] is not NO_VERDICT or counts[lines[lead - 1].text] > 1):
        return end  # a header a rule knows ("Read more:", "Share:"), a menu's label
    j = lead
    while j < hi and seen[j] is NO_VERDICT and lines[j].words <= _LIST_ITEM_WORDS:
        if counts[lines[j].text] > 1:
            break
        j += 1
    if lead > end and j - lead < _LEAD_IN_ITEMS:
        return end
    return j


def _is_structure(line: Line, verdict: Verdict) -> bool:
    """A line of the article's own structure between its paragraphs: a heading or a list
    item no rule says anything of (a generic heading the group's pages share may be
    template), and no date stamp (a teaser's).  A line of symbols alone (a code block's
    braces, a separator) carries no words and is passed over too: it keeps its own verdict."""
    if line.size == 0:
        return True
    if verdict.drop or verdict.evidence:
        return False
    if verdict.template and line.words > _HEADING_WORDS:
        return False
    return line.words <= _LIST_ITEM_WORDS and not _is_stamp(line)


def _goes_on_with(line: Line, verdict: Verdict) -> bool:
    """A line of the article's prose after its headings and lists: a sentence (it ends
    with its full stop, question or exclamation mark, or it is a sentence of
    :data:`_INTRO_WORDS` words or more that opens a list or an example with a colon) that
    scores for the article and no rule says anything of.  A teaser's summary cut short
    ("... with...") does not end so."""
    return verdict is NO_VERDICT and _ends_sentence(line) and line_score(line, verdict) > 0


def _ends_sentence(line: Line) -> bool:
    """:attr:`Line.terminal`, or a sentence that introduces what follows ("The library
    logs messages in their raw form, like this:"); a label ("Price:") is too short."""
    return line.terminal or (line.words >= _INTRO_WORDS and line.text.endswith(":"))


def _extend_over_structure(
    lines: Sequence[Line], verdicts: list[Verdict], judge: _Judge, start: int, end: int
) -> int:
    """The end of the article when it goes on after stretches of headings and list items.

    A guide or a review is paragraphs set between crossheads and lists ("Features", six
    specifications, "Pros", five points, then a paragraph): the short lines cost more than
    the short paragraph after them pays, so the run ends above them and the rest of the
    article is lost.  The run is walked on over stretches of at most
    :data:`_STRUCTURE_LINES` such lines (:func:`_is_structure`), each followed by complete
    sentences no rule says anything of (:func:`_goes_on_with`), and goes on to the last of
    them once the new prose holds :data:`_STRUCTURE_PROSE` words and one sentence longer
    than a menu item's description (a mega-menu's one-line descriptions are not prose).  A
    teaser list's summaries are cut short ("... with...") and do not end as sentences; the
    closing headers, teaser lists and next-article stamps below the old end still end the
    article (the caller cuts there).  Language-independent: it reads the lines' shape."""
    n = len(lines)
    if end <= start:
        return end
    found, at, prose = end, end, 0
    sentence = False  # a sentence longer than a menu item's description was gained
    while at < n:
        hi = min(n, at + _STRUCTURE_LINES + _BOX_MAX_PROSE_LINES)
        # the stretch's lines are judged first, the prose after it only when its first line
        # ends as a sentence (below most articles it is a menu or a footer: it stops there)
        seen = judge.peek(lines, range(at, min(hi, at + _STRUCTURE_LINES + 1)))
        i = at
        while i < hi and i - at < _STRUCTURE_LINES and line_score(lines[i], seen[i]) <= 0:
            if not _is_structure(lines[i], seen[i]):
                break
            i += 1
        if i >= hi or not _ends_sentence(lines[i]):
            break  # no prose after the stretch: the article does not go on here
        seen.update(judge.peek(lines, range(i, hi)))
        j = i
        while j < hi and _goes_on_with(lines[j], seen[j]):
            j += 1
        if j == i:
            break  # no prose after the stretch: the article does not go on here
        prose += sum(lines[k].size for k in range(i, j))
        sentence = sentence or any(lines[k].size > _STAMP_WORDS for k in range(i, j))
        at = j
        if prose >= _STRUCTURE_PROSE and sentence:
            found = at
    if found > end:
        judge.judge(lines, range(end, found), verdicts)
    return found


def _closing_line(
    lines: Sequence[Line], verdicts: Sequence[Verdict], scores: Sequence[float], flagged: list[int]
) -> int:
    """The first closing header (comments, author box) below some article-like prose:
    the article lies above it (a page's comments may outweigh a short post), unless the
    article goes on below it (:func:`_article_goes_on`).  Only ``flagged`` lines (sorted)
    can be headers."""
    prose = 0.0
    done = 0
    for i in flagged:
        if verdicts[i].evidence < _CLOSING:
            continue
        for s in scores[done:i]:  # the prose above, added in line order
            if s > 0:
                prose += s
        done = i
        if prose >= _CLOSING_AFTER_WORDS and not _article_goes_on(
            lines, verdicts, scores, i, prose
        ):
            return i
    return len(scores)


def _article_goes_on(
    lines: Sequence[Line],
    verdicts: Sequence[Verdict],
    scores: Sequence[float],
    i: int,
    above: float,
) -> bool:
    """Whether the article goes on below the closing header at ``i`` (a "What do you
    think?" quoted in the text, a "Comments" crosshead): down to the next closing header
    the page holds much more prose than above it (:data:`_GOES_ON_RATIO` times), with
    :data:`_GOES_ON_PARAGRAPHS` long paragraphs in a row somewhere.  Comments below a
    short post may outweigh it too, but each comes in a paragraph or two set apart by its
    author, date and reply buttons; an article's paragraphs follow each other.
    Language-independent: it reads the lines' shape."""
    below = 0.0
    streak = longest = 0
    for j in range(i + 1, len(lines)):
        if verdicts[j].evidence >= _CLOSING:
            break
        if scores[j] > 0:
            below += scores[j]
        if lines[j].size == 0:
            continue
        streak = streak + 1 if scores[j] >= _PARAGRAPH_WORDS and is_prose(lines[j]) else 0
        longest = max(longest, streak)
    return longest >= _GOES_ON_PARAGRAPHS and below >= _GOES_ON_RATIO * above


def _cut_at_closing_header(
    lines: Sequence[Line], verdicts: Sequence[Verdict], start: int, end: int
) -> int:
    """The article ends at a closing header (comments, author box: evidence weight 5 or
    more) met after some of its prose; the run would otherwise cross it when many long
    comments follow.  A header the article goes on below (:func:`_article_goes_on`) is
    none."""
    prose = 0
    scores: list[float] | None = None
    for i in range(start, end):
        if verdicts[i].evidence >= _CLOSING and prose >= _CLOSING_AFTER_WORDS:
            if scores is None:
                scores = [line_score(line, v) for line, v in zip(lines, verdicts, strict=True)]
            if not _article_goes_on(
                lines, verdicts, scores, i, sum(s for s in scores[start:i] if s > 0)
            ):
                return i
        if lines[i].terminal:
            prose += lines[i].size
    return end


def _cut_at_teaser_list(
    lines: Sequence[Line], verdicts: Sequence[Verdict], start: int, end: int
) -> int:
    """The article ends at the header of a related-content block (not a "Read more" link:
    evidence weight 3 or more) met after some of its prose when a teaser list follows it
    (:func:`_teasers_follow`).  Such a header alone costs only as much as a paragraph (a
    "More on this" box sits inside articles too), so a long list of teasers whose summaries
    read as prose would otherwise outweigh it."""
    prose = 0
    for i in range(start, end):
        verdict = verdicts[i]
        if prose >= _CLOSING_AFTER_WORDS and _opens_list(lines[i], verdict):
            window = min(end, i + 1 + _TEASER_WINDOW)
            if verdict.evidence >= _BLOCK_HEADER and _teasers_follow(
                lines, verdicts, i + 1, window
            ):
                return i
            # the list may run on below the run: its dates cost more than its summaries pay
            dated = min(len(lines), i + 1 + _TEASER_WINDOW)
            if _is_related(verdict) and _dated_teasers(lines, i + 1, dated):
                return i  # a weak header ("More Gazette") over teasers each with its date
        if lines[i].terminal:
            prose += lines[i].size
    return end


def _is_stamp(line: Line) -> bool:
    """A date stamp line: a date or time and nothing else, or a labelled one."""
    return line.words <= _STAMP_WORDS and (date_only(line.text) or labelled_date(line.text))


def _dated_teasers(lines: Sequence[Line], lo: int, hi: int) -> bool:
    """Lines ``lo:hi`` are teasers that each show their date: :data:`_TEASERS` date stamps
    or more (a date or time and nothing else, or a labelled one), the first within :data:`_DATED_GAP` lines of ``lo`` and
    each within :data:`_DATED_GAP` lines of the one before (a headline, an author, a
    summary between them).  Below a related-content header too weak to end the article
    alone ("More Gazette"), such a list is the teaser list.  Language-independent: it reads
    the lines' shapes."""
    last = lo - 1
    stamps = 0
    for j in range(lo, hi):
        if j - last > _DATED_GAP:
            break
        if _is_stamp(lines[j]):
            stamps += 1
            last = j
    return stamps >= _TEASERS


def _teasers_follow(lines: Sequence[Line], verdicts: Sequence[Verdict], lo: int, hi: int) -> bool:
    """Lines ``lo:hi`` are a teaser list: at least :data:`_TEASERS` prose lines (the
    summaries), never two in a row (each set apart by its headline, kicker or date), where
    an article goes on with paragraphs after paragraphs.  Language-independent: it reads
    the lines' shape, not their words."""
    prose = [line_score(lines[j], verdicts[j]) > 0 for j in range(lo, hi)]
    if sum(prose) < _TEASERS:
        return False
    # a teaser's summary is a sentence or two; an article's paragraphs under crossheads
    # (a listicle, a guide) run longer
    if any(lines[j].size > _SUMMARY_WORDS for j, p in zip(range(lo, hi), prose, strict=True) if p):
        return False
    return not any(a and b for a, b in zip(prose, prose[1:], strict=False))


def _stamp_shape(text: str) -> str | None:
    """The shape of a date stamp: the line up to its last digit, lower case, digits as 0
    ("Publisert 14.03.2025 - 09:12" -> "publisert 00.00.0000 - 00:00"); None for a line that
    is no date stamp (:func:`date_only`, :func:`labelled_date`) or holds no date with its year."""
    # every form of _DATED holds a digit: most short lines (menus, headlines) hold none, and
    # one scan for a digit is cheaper than trying the date forms at every character
    if _DIGITS.search(text) is None or _DATED.search(text) is None:
        return None
    if not (date_only(text) or labelled_date(text)):
        return None
    last = max(text.rfind(d) for d in "0123456789")
    return _DIGITS.sub("0", text[: last + 1].strip().lower())


def _cut_at_next_article(
    lines: Sequence[Line], verdicts: Sequence[Verdict], start: int, end: int
) -> int:
    """The article ends where the next one begins: a page that loads the next story below
    (an endless scroll) repeats the article header, its date stamp in the same shape as the
    stamp above the article ("Publisert 14.03.2025 - 07:50" ... "Publisert 14.03.2025 -
    09:12").  Met after some of the article's prose, such a stamp ends it, with the headline
    and bylines just above it.  Language-independent: it compares the page with itself."""
    # the article's own stamps: above it, or at its top (before much of its prose)
    above = set()
    for i in range(max(0, start - _TITLE_WINDOW), start):
        shape = _stamp_shape(lines[i].text) if lines[i].words <= _STAMP_WORDS else None
        if shape is not None:
            above.add(shape)
    prose = 0
    for i in range(start, end):
        line = lines[i]
        if line.words <= _STAMP_WORDS and (above or prose < _NEXT_ARTICLE_AFTER):
            shape = _stamp_shape(line.text)
            if shape is not None and prose < _NEXT_ARTICLE_AFTER:
                above.add(shape)
            elif shape is not None and shape in above:
                # the headline and bylines above the stamp go with it
                cut = i
                while cut > start and line_score(lines[cut - 1], verdicts[cut - 1]) <= 0:
                    cut -= 1
                return cut
        if line.terminal:
            prose += line.size
    return end


def _heuristic_run(
    lines: Sequence[Line],
    verdicts: list[Verdict],
    judge: _Judge,
    judged_all: bool,
    masked: Sequence[int] = (),
    plain: list[float] | None = None,
) -> tuple[int, int, list[float]]:
    """The heuristic article run, widening the judged window until the run lies inside it;
    the lines of ``masked`` (a run, or lines of it, found not to be the article) count against
    it.
    ``plain``: :func:`plain_score` of each line (the score of a line judged clean), when the
    caller has it."""
    n = len(lines)
    start = end = 0
    scores: list[float] = []
    if plain is None:
        plain = list(map(plain_score, lines))
    for _ in range(_MAX_ROUNDS):
        flagged = sorted(judge.flagged)
        scores = _scores(lines, verdicts, flagged, plain)
        for i in masked:
            scores[i] = -abs(scores[i])
        limit = _closing_line(lines, verdicts, scores, flagged)
        start, end = best_run(scores[:limit])
        if end > start:
            scores = indent_adjusted(lines, scores, start, end)
            start, end = best_run(scores[:limit])
        window = range(max(0, start - _ABOVE), min(n, end + _BELOW))
        if judged_all or all(i in judge.judged for i in window):
            break
        said = len(judge.flagged)
        judge.judge(lines, window, verdicts)
        if len(judge.flagged) == said:
            # no rule said anything of the new lines: the scores are unchanged, so the next
            # round would find this run again, now judged
            break
    return start, end, scores


def _scores(
    lines: Sequence[Line], verdicts: Sequence[Verdict], flagged: list[int], plain: list[float]
) -> list[float]:
    """``line_score`` of every line under ``with_block_evidence(verdicts)``, computed for the
    ``flagged`` lines (sorted) and their neighbours only: every other line scores ``plain``."""
    scores = list(plain)
    marked = set(flagged)
    for i in flagged:
        v = verdicts[i]
        scores[i] = line_score(lines[i], v, plain[i])
        # a clean line between two promo lines is part of their block (with_block_evidence)
        if i + 2 in marked and i + 1 not in marked and is_promo(v) and is_promo(verdicts[i + 2]):
            block = Verdict(evidence=0.5, evidence_id=v.evidence_id or verdicts[i + 2].evidence_id)
            scores[i + 1] = line_score(lines[i + 1], block, plain[i + 1])
    return scores


def _model_window(
    lines: Sequence[Line], verdicts: list[Verdict], judge: _Judge, start: int, end: int
) -> tuple[int, int, list[list[float]]]:
    """The lines around the heuristic run the model looks at, and their feature rows."""
    lo, hi = max(0, start - _MODEL_MARGIN), min(len(lines), end + _MODEL_MARGIN)
    judge.judge(lines, range(lo, hi), verdicts)
    scored = with_block_evidence(verdicts)
    scores = [line_score(line, v) for line, v in zip(lines, scored, strict=True)]
    return lo, hi, feature_rows(lines, verdicts, scores, start, end, lo, hi)


def analyse(
    text: str, *, rules: RuleSet, domain: str | None = None, stats: RepetitionStats | None = None
) -> tuple[list[Line], int, list[list[float]]]:
    """For training the model: the lines of a dump, the first line of the model's window
    and the feature rows of the window (the same computation :func:`clean_text` does)."""
    lines = split_lines(text, document_language(text))
    matcher, structural = _prepared(rules, domain)
    judge = _Judge(matcher, stats, domain, structural.get("template"))
    verdicts = [NO_VERDICT] * len(lines)
    start, end, _ = _heuristic_run(lines, verdicts, judge, False)
    if end <= start:
        return lines, 0, []
    lo, _hi, rows = _model_window(lines, verdicts, judge, start, end)
    return lines, lo, rows


def _standfirst_above(lines: Sequence[Line], judge: _Judge, start: int, end: int) -> int | None:
    """The standfirst set above the article's byline block, which the article keeps.

    A page often shows the headline, a one- or two-sentence standfirst, then the byline
    block (author, date, share buttons, reading time) and the body.  The byline block
    costs more than the standfirst is worth, so the run starts below it.  The line above
    up to :data:`_BYLINE_LINES` short lines (at most :data:`_STAMP_WORDS` words, not
    sentences) right above the run is a standfirst when it reads as prose (a sentence of
    :data:`_STANDFIRST_WORDS` words or more, or an unpunctuated one twice as long, with
    stop words) and no rule says anything of it; the byline lines stay out.
    Language-independent: it reads the lines' shapes."""
    if end <= start or not is_prose(lines[start]):
        return None
    i = start - 1
    gap = 0
    while i >= 0:
        line = lines[i]
        if line.size == 0:
            i -= 1
            continue
        if line.words > _STAMP_WORDS or is_prose(line):
            break
        gap += 1
        if gap > _BYLINE_LINES:
            return None
        i -= 1
    if i < 0 or gap == 0:
        return None
    line = lines[i]
    long_enough = line.size >= (_STANDFIRST_WORDS if line.terminal else 2 * _STANDFIRST_WORDS)
    if not long_enough or line.stop_ratio < 0.2 or line.cap_ratio >= 0.6:
        return None
    if judge.peek(lines, (i,))[i] is not NO_VERDICT:
        return None
    return i


def _page_copies(lines: Sequence[Line], reasons: Sequence[str | None]) -> list[int]:
    """The kept lines that repeat a block the page showed before.

    A page may show a block twice: a widget in its desktop and its mobile layout, the
    article's text again in a print or "read in full" copy, a caption under the photo and
    in the gallery.  A kept line of :data:`_COPY_WORDS` words or more whose text came
    before on the page (kept or not) is such a copy when the line before or after it (of
    :data:`_COPY_NEXT_WORDS` words or more) also came before: two lines in a row, a block.
    A line repeated alone (the same question put to each guest of an interview, an event's
    blurb under each of its dates) stays.  On a page with :data:`_GLUED_AFTER` such copies
    or more, a kept line that is two or more consecutive earlier lines glued together (the
    copy lost their breaks: a crosshead run into its paragraph) is a copy too.
    Language-independent: it compares the page with itself."""
    first: set[str] = set()
    copy = [False] * len(lines)
    for i, line in enumerate(lines):
        if line.text in first:
            copy[i] = True
        else:
            first.add(line.text)
    out = []
    for i, line in enumerate(lines):
        if reasons[i] is not None or not copy[i] or line.words < _COPY_WORDS:
            continue
        if any(
            0 <= j < len(lines) and copy[j] and lines[j].words >= _COPY_NEXT_WORDS
            for j in (i - 1, i + 1)
        ):
            out.append(i)
    if len(out) < _GLUED_AFTER:
        return out
    # the page repeats its text: a kept line that is earlier lines glued together (the copy
    # lost their breaks) is a copy too
    starts: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        starts.setdefault(line.text[:16], []).append(i)
    taken = set(out)
    for i, line in enumerate(lines):
        if reasons[i] is not None or copy[i] or i in taken or line.words < _COPY_WORDS:
            continue
        if _glued_from(lines, i, starts.get(line.text[:16], ())):
            out.append(i)
    return sorted(out)


def _shown_twice(lines: Sequence[Line], reasons: Sequence[str | None]) -> list[int]:
    """The kept lines that show one headline twice over: a card of a teaser list repeats
    its headline as the image's text and as the link's, in two lines in a row at one
    indentation (lines with no letters between them do not count) or glued into one line (``"A headline A
    headline"``).  An article does not write a line twice in a row, and a text written
    twice in one line is no sentence of it.  Both copies of a line shown twice in a row go
    (of :data:`_TWICE_WORDS` words), and a line that is a text of :data:`_HALF_WORDS` words
    or more written twice; a table's rows (cells split by tabs: a header repeated) stay.
    Language-independent: it compares the page with itself."""
    out: list[int] = []
    lo, hi = _TWICE_WORDS
    prev = -1  # the last line with letters
    for i, line in enumerate(lines):
        if line.size == 0:
            continue
        text = line.text
        if reasons[i] is None and "\t" not in text:  # a table's rows and cells stay
            if (
                prev >= 0
                and reasons[prev] is None
                and lines[prev].text == text
                and lines[prev].indent == line.indent  # a table of contents nests its items
                and lo <= line.words <= hi
                and not text[0].isdigit()  # a table's cells, flattened ("1, plus $5 a month")
            ):
                if not out or out[-1] != prev:
                    out.append(prev)
                out.append(i)
            elif line.words >= 2 * _HALF_WORDS and _doubled(text):
                out.append(i)
        prev = i
    return out


def _doubled(text: str) -> bool:
    """The text is one headline written twice, with or without a space between the copies
    (a headline ends with no full stop: a sentence said twice is left to the scorer)."""
    n = len(text)
    half = n // 2
    if not (
        (n % 2 == 0 and text[:half] == text[half:])
        or (n % 2 == 1 and text[half].isspace() and text[:half] == text[half + 1 :])
    ):
        return False
    return text[:half].rstrip(_CLOSERS)[-1:] not in _FULL_STOPS


def _glued_from(lines: Sequence[Line], i: int, candidates: Sequence[int]) -> bool:
    """Line ``i`` is two or more consecutive earlier lines (from one of ``candidates``)
    glued together."""
    text = lines[i].text
    for k in candidates:
        if k >= i:
            return False
        pos, m = 0, k
        while m < i and lines[m].text and text.startswith(lines[m].text, pos):
            pos += len(lines[m].text)
            m += 1
            if pos == len(text):
                return m - k >= 2
    return False


def _skip_lead_in(lines: Sequence[Line], start: int, end: int) -> int:
    """A run that opens with an unpunctuated sentence-case line followed by prose opens with
    a standfirst, not with the body: start after it (a Title Case heading stays)."""
    if end - start < 2:
        return start
    first = lines[start]
    if not first.terminal and first.cap_ratio < 0.5 and is_prose(lines[start + 1]):
        return start + 1
    return start


def _lone_headings(
    lines: Sequence[Line], verdicts: Sequence[Verdict], start: int, end: int
) -> frozenset[int]:
    """The template lines of the article run that are its own headings.

    The repetition statistics count lines across the documents of a group; when the group
    holds many sites (a folder of dumps from the whole web), the lines they share are not
    a publisher's template but generic headings ("Conclusion", "Pros", "FAQs"), and removing
    them cuts the article's outline.  A publisher's template is a block (a menu, a footer:
    lines repeated together) or a promo sentence; a short heading of at most
    :data:`_HEADING_WORDS` words, no sentence, that stands alone between two lines of the
    run that are no template and no rule's hit, and heads a line of the run, is the
    article's.  What a rule says of the line still applies ("Advertisement" stays an ad
    label).  Language-independent: it reads the lines' shapes."""
    out = []
    for i in range(start, end):
        v = verdicts[i]
        if not v.template or v.drop:
            continue
        line = lines[i]
        if line.terminal or not 0 < line.words <= _HEADING_WORDS:
            continue
        prev = i - 1
        while prev >= start and lines[prev].size == 0:
            prev -= 1
        nxt = i + 1
        while nxt < end and lines[nxt].size == 0:
            nxt += 1
        if prev < start or nxt >= end:
            continue
        if any(verdicts[k].template or verdicts[k].drop for k in (prev, nxt)):
            continue
        out.append(i)
    return frozenset(out)


def _local_reason(verdict: Verdict, structural: dict[str, str]) -> str | None:
    """The id of the rule that removes this line wherever it stands, if any."""
    if verdict.drop:
        return verdict.drop
    if verdict.template:
        return structural["template"]
    if verdict.evidence >= _EVIDENCE_DROP:
        return verdict.evidence_id
    return None


def _mark_link_lists(
    lines: Sequence[Line],
    verdicts: Sequence[Verdict],
    start: int,
    end: int,
    reasons: list[str | None],
    rule_id: str,
) -> None:
    """The headlines listed under a related-content header inside the article ("READ
    MORE" and three links) are a link list; a header in capitals counts as one.  Lists elsewhere in the article are content
    (ingredients, steps, features) and stay, and so does a list of more than
    :data:`_LINK_LIST_ITEMS` lines under such a header (a review's next product and its
    specifications after a "Learn more" button, the courses a guide recommends)."""
    i = start
    while i < end:
        # most lines of an article are long and no rule judged them: not a header
        if (verdicts[i] is NO_VERDICT and lines[i].words > 4) or not _opens_list(
            lines[i], verdicts[i]
        ):
            i += 1
            continue
        j = i + 1
        while j < end and reasons[j] is None and _is_link_like(lines[j]):
            j += 1
        # a read-also box lists a few headlines; a longer list is the article's own (its
        # products, their specifications, the courses it recommends)
        if 2 <= j - i - 1 <= _LINK_LIST_ITEMS:
            for k in range(i + 1, j):
                reasons[k] = rule_id
        i = j


def _is_related(verdict: Verdict) -> bool:
    """Some rule of the related-content kind ("Read more", a related header) says so."""
    return evidence_category(verdict) == "related"


def _opens_list(line: Line, verdict: Verdict) -> bool:
    """A related-content header: a rule says so, or a short line in capitals ("READ MORE")
    that is no numbered crosshead ("3. MOTHER FERN": the heading of an item of the
    article's own list)."""
    if verdict.evidence_id is not None and verdict.evidence >= 1.0:
        return evidence_category(verdict) == "related"
    text = line.text
    return line.words <= 4 and not line.terminal and text.isupper() and not _ITEM.match(text)


def _is_link_like(line: Line) -> bool:
    """A short unpunctuated line: a menu item, a teaser headline, a tag."""
    return not line.terminal and line.words < 12


def _headline_like(line: Line) -> bool:
    return 4 <= line.words <= 30


def _title_and_description(
    lines: Sequence[Line],
    verdicts: Sequence[Verdict],
    start: int,
    standfirst: int | None = None,
) -> tuple[str | None, str | None, list[int]]:
    """The headline (and standfirst) just above the article run, when the page shows them.

    The standfirst is a sentence-like line of 8+ words right above the body (or
    ``standfirst``, the one above a byline block the article keeps); the headline the
    longest unpunctuated line of 4-30 words in the 25 lines above.
    """
    top = start
    desc_i = standfirst
    if start > 0 and standfirst is None:
        line = lines[start - 1]
        if verdicts[start - 1] is NO_VERDICT and line.words >= 8 and line.stop_ratio >= 0.2:
            desc_i = top = start - 1
    title_i = None
    for i in range(max(0, top - _TITLE_WINDOW), top):
        line = lines[i]
        if verdicts[i] is not NO_VERDICT or not 4 <= line.words <= 30:
            continue
        if line.text.endswith("."):
            continue
        if title_i is None or line.words > lines[title_i].words:
            title_i = i
    if title_i is None:
        return None, None, []
    used = [title_i] + ([desc_i] if desc_i is not None and desc_i != standfirst else [])
    description = lines[desc_i].text if desc_i is not None else None
    return lines[title_i].text, description, used


def decision_fires(rule: Rule, example: str) -> bool:
    """True when the structural ``rule`` removes something from the ``example`` document.

    Checks a structure rule's examples (the rule tests call it): the
    example is a document (several documents of one source separated by a form
    feed, the first one being cleaned with the repetition stats of all).
    """
    docs = example.split("\f")
    stats = build_stats(("example", doc) for doc in docs) if len(docs) > 1 else None
    record = clean_text(docs[0], rules=RuleSet((rule,)), stats=stats)
    return any(r.rule_id == rule.id for r in record.removed)
