"""Text mode: a plain-text dump (or an extracted body) in, a cleaned record out.

``mode="dump"``: the text is every visible line of a page.  Lines are split
(glued blocks separated), judged by the line/feature rules and the repetition
statistics, scored, and the best-scoring contiguous run is the article
(:mod:`cleaning.segment`).  Lines outside it are removed under the structural
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

from collections.abc import Sequence

from cleaning.lines import Line, split_lines
from cleaning.record import CleanedRecord, Removal
from cleaning.repetition import RepetitionStats, build_stats
from cleaning.rules import Rule, RuleSet
from cleaning.segment import (
    NO_VERDICT,
    Verdict,
    best_run,
    is_prose,
    line_score,
    with_block_evidence,
)

# Bump when the heuristics change: part of the rules_version written with each row.
MODEL_VERSION = "text-seg-1"
MODES = ("dump", "body")

# Structural decisions the segmenter can take; each needs a declared structure rule.
DECISIONS = ("outside_article", "link_list", "template")
_EVIDENCE_DROP = 1.0  # summed evidence weight from which a line inside the article is removed


def clean_text(
    text: str,
    *,
    rules: RuleSet,
    domain: str | None = None,
    stats: RepetitionStats | None = None,
    mode: str = "dump",
) -> CleanedRecord:
    """Clean one plain-text document.

    ``domain`` selects publisher rules; ``stats`` holds line repetition counts of
    the document's source (see :mod:`cleaning.repetition`; the group consulted
    is ``domain`` when the stats know it, else their only group).  ``mode`` is
    ``"dump"`` (a full page: find the article) or ``"body"`` (an extracted body:
    remove local boilerplate only).
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    lines = split_lines(text)
    active = rules.for_domain(domain)
    structural = {r.decision: r.id for r in rules.for_domain(domain, ("structure",)) if r.decision}
    verdicts = _judge(lines, active, stats, domain, structural.get("template"))

    if mode == "body":
        keep = [True] * len(lines)
        start, end = 0, len(lines)
    else:
        scored = with_block_evidence(verdicts)
        scores = [line_score(line, v) for line, v in zip(lines, scored, strict=True)]
        start, end = best_run(scores)
        start = _skip_lead_in(lines, start, end)
        keep = [start <= i < end for i in range(len(lines))]
    # precedence: a rule hit names the most specific reason, then the article run, then lists
    reasons = [_local_reason(v, structural) for v in verdicts]
    outside = structural.get("outside_article")
    for i in range(len(lines)):
        if not keep[i] and reasons[i] is None:
            reasons[i] = outside
    link_list_id = structural.get("link_list")
    if link_list_id is not None:
        _mark_link_lists(lines, start, end, reasons, link_list_id)

    title = description = None
    if mode == "dump":
        title, description, used = _title_and_description(lines, verdicts, start)
        for i in used:
            reasons[i] = "" if reasons[i] is not None else reasons[i]

    kept: list[str] = []
    removed: list[Removal] = []
    for line, reason in zip(lines, reasons, strict=True):
        if reason is None:
            kept.append(line.text)
        elif reason:
            removed.append(Removal(reason, line.text))
    return CleanedRecord(
        text="\n".join(kept), removed=tuple(removed), title=title, description=description
    )


def _judge(
    lines: Sequence[Line],
    active: Sequence[Rule],
    stats: RepetitionStats | None,
    domain: str | None,
    template_id: str | None,
) -> list[Verdict]:
    """Apply the line/feature rules and the repetition statistics to every line."""
    drop_rules = [r for r in active if r.action == "drop"]
    evidence_rules = [r for r in active if r.action == "evidence"]
    group = stats.resolve_group(domain) if stats is not None and template_id else None
    threshold = stats.template_threshold(group) if stats is not None and group else 0
    seen: dict[str, Verdict] = {}  # one document's lines repeat (menus): judge each text once
    out: list[Verdict] = []
    for line in lines:
        verdict = seen.get(line.text)
        if verdict is None:
            verdict = _judge_line(line.text, drop_rules, evidence_rules)
            if (
                group is not None
                and stats is not None
                and stats.doc_freq(group, line.text) >= threshold
            ):
                verdict = Verdict(verdict.drop, verdict.evidence, verdict.evidence_id, True)
            seen[line.text] = verdict
        out.append(verdict)
    return out


def _judge_line(text: str, drop_rules: Sequence[Rule], evidence_rules: Sequence[Rule]) -> Verdict:
    for rule in drop_rules:
        if rule.matches_text(text):
            return Verdict(drop=rule.id)
    weight, best_id, best_w = 0.0, None, 0.0
    for rule in evidence_rules:
        if rule.matches_text(text):
            weight += rule.weight
            if rule.weight > best_w:
                best_id, best_w = rule.id, rule.weight
    if best_id is None:
        return NO_VERDICT
    return Verdict(evidence=weight, evidence_id=best_id)


def _skip_lead_in(lines: Sequence[Line], start: int, end: int) -> int:
    """A run that opens with an unpunctuated line followed by prose opens with a standfirst
    or headline, not with the body: start after it."""
    if end - start >= 2 and not lines[start].terminal and is_prose(lines[start + 1]):
        return start + 1
    return start


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
    lines: Sequence[Line], start: int, end: int, reasons: list[str | None], rule_id: str
) -> None:
    """Three or more short unpunctuated lines in a row inside the article are a link list
    (related stories, tags); a single one is a crosshead and stays."""
    i = start
    while i < end:
        j = i
        while j < end and reasons[j] is None and _is_link_like(lines[j]):
            j += 1
        if j - i >= 3:
            for k in range(i, j):
                reasons[k] = rule_id
        i = max(j, i + 1)


def _is_link_like(line: Line) -> bool:
    """A short unpunctuated line: a menu item, a teaser headline, a tag."""
    return not line.terminal and line.words < 12


def _title_and_description(
    lines: Sequence[Line], verdicts: Sequence[Verdict], start: int
) -> tuple[str | None, str | None, list[int]]:
    """The headline (and standfirst) just above the article run, when the page shows them.

    The standfirst is a sentence-like line of 8+ words right above the body; the
    headline the longest unpunctuated line of 4-30 words in the 25 lines above.
    """
    top = start
    desc_i = None
    if start > 0:
        line = lines[start - 1]
        if verdicts[start - 1] is NO_VERDICT and line.words >= 8 and line.stop_ratio >= 0.2:
            desc_i = top = start - 1
    title_i = None
    for i in range(max(0, top - 25), top):
        line = lines[i]
        if verdicts[i] is not NO_VERDICT or not 4 <= line.words <= 30:
            continue
        if line.text.endswith("."):
            continue
        if title_i is None or line.words > lines[title_i].words:
            title_i = i
    if title_i is None:
        return None, None, []
    used = [title_i] + ([desc_i] if desc_i is not None else [])
    description = lines[desc_i].text if desc_i is not None else None
    return lines[title_i].text, description, used


def decision_fires(rule: Rule, example: str) -> bool:
    """True when the structural ``rule`` removes something from the ``example`` document.

    Used by :meth:`Rule.matches_text` to check a structure rule's examples: the
    example is a document (several documents of one source separated by a form
    feed, the first one being cleaned with the repetition stats of all).
    """
    docs = example.split("\f")
    stats = build_stats(("example", doc) for doc in docs) if len(docs) > 1 else None
    record = clean_text(docs[0], rules=RuleSet((rule,)), stats=stats)
    return any(r.rule_id == rule.id for r in record.removed)
