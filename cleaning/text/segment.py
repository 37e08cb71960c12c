"""Find the article in a page dump: score each line, take the best contiguous run.

Every line gets a score in word units: running prose counts for its words,
page furniture (short menu items, headlines of teasers, share buttons) costs a
little, and boilerplate evidence (rule hits, lines repeated across the source's
documents) costs a lot.  The article is the contiguous run of lines with the
largest total score (a maximum-sum subarray): menus and footers around it are
many small costs, a donation appeal above it is a few large ones, and the
crossheads inside it are small costs that the prose around them outweighs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cleaning.text.lines import Line


@dataclass(frozen=True)
class Verdict:
    """What the rules and the repetition statistics say about one line."""

    drop: str | None = None  # id of a drop rule that matched
    evidence: float = 0.0  # summed weight of the evidence rules that matched
    evidence_id: str | None = None  # the strongest evidence rule
    template: bool = False  # recurs across many documents of the source


NO_VERDICT = Verdict()


def evidence_category(verdict: Verdict) -> str | None:
    """The category of the verdict's strongest evidence rule (``generic.media.credit`` ->
    ``media``), None when no evidence rule matched."""
    rid = verdict.evidence_id
    return None if rid is None else rid.split(".")[1]
DEEPER_POSITIVE, DEEPER_NEGATIVE = 0.6, 1.0  # see indent_adjusted
_BLOCK_FLOOR = 10  # a block header counts as a line of at least this many words
_FURNITURE_SIZE = 4  # a caption or credit inside the article counts as a line of this many words


def is_prose(line: Line) -> bool:
    """A sentence-like line: enough words, stop words, and not a Title Case Headline."""
    return line.size >= 8 and line.terminal and line.stop_ratio >= 0.15 and line.cap_ratio < 0.7


def line_score(line: Line, verdict: Verdict, plain: float | None = None) -> float:
    """The line's contribution to the article run (positive: article-like); ``plain``: its
    :func:`plain_score`, when the caller has it."""
    w = line.size
    if w == 0:
        return 0.0  # a separator neither makes nor breaks the article
    if verdict.drop or verdict.template:
        return -2.0 * max(w, 4)
    score = plain_score(line) if plain is None else plain
    if verdict.evidence:
        # evidence replaces the line's own merit: a fluent appeal is still an appeal; the
        # header of a block that ends an article (weight 3) costs as much as a paragraph
        floor = _BLOCK_FLOOR if verdict.evidence >= 3.0 else 4
        # a picture's caption or credit stands inside the article: it goes, but a long
        # caption must not cost the run more than a short line and split the article
        size = _FURNITURE_SIZE if _is_furniture(verdict) else w
        penalty = verdict.evidence * 2.0 * max(size, floor)
        score = score * max(0.0, 1.0 - verdict.evidence) if score > 0 else score
        score -= penalty
    return score


def _is_furniture(verdict: Verdict) -> bool:
    """A line the rules name as part of the article's own furniture (a picture's caption or
    credit, a player's label: category ``media``), which sits between its paragraphs."""
    return verdict.evidence < 3.0 and evidence_category(verdict) == "media"


def plain_score(line: Line) -> float:
    """:func:`line_score` of a line no rule says anything of (what most lines are)."""
    w = line.size
    if w == 0:
        return 0.0
    if w >= 10 and line.terminal and line.stop_ratio >= 0.2 and line.cap_ratio < 0.6:
        return float(w)
    if w >= 5 and line.terminal and line.cap_ratio < 0.8:
        return w * 0.5
    if w >= 12 and line.stop_ratio >= 0.25 and line.cap_ratio < 0.4:
        return w * 0.1  # a sentence without its full stop: weak
    return -2.0 - (1.0 if line.indent >= 4 else 0.0)


def best_run(scores: Sequence[float]) -> tuple[int, int]:
    """The (start, end) slice with the largest sum (Kadane); (0, 0) when nothing is positive."""
    best, best_start, best_end = 0.0, 0, 0
    total, start = 0.0, 0
    for i, s in enumerate(scores):
        if total <= 0:
            total, start = s, i
        else:
            total += s
        if total > best:
            best, best_start, best_end = total, start, i + 1
    return best_start, best_end


def with_block_evidence(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """A line with no evidence of its own sandwiched between two lines with evidence is
    part of their block (the fluent middle paragraph of a donation appeal): give it
    half-weight evidence, enough to keep the article run out, not enough to remove it."""
    out = list(verdicts)
    for i in range(1, len(verdicts) - 1):
        v = verdicts[i]
        if v.evidence or v.drop or v.template:
            continue
        before, after = verdicts[i - 1], verdicts[i + 1]
        if is_promo(before) and is_promo(after):
            out[i] = Verdict(evidence=0.5, evidence_id=before.evidence_id or after.evidence_id)
    return out


def is_promo(verdict: Verdict) -> bool:
    """Evidence enough to make a block of boilerplate around a clean line."""
    # not drop rules: a separator line on each side says nothing about the paragraph; nor
    # captions: the paragraph between two pictures is the article's
    return (verdict.evidence >= 0.5 and not _is_furniture(verdict)) or verdict.template


def indent_adjusted(
    lines: Sequence[Line], scores: Sequence[float], start: int, end: int
) -> list[float]:
    """Scores re-weighed by indentation relative to the article's own prose.

    A dump indents nested blocks; the teasers of a "More from" box or a sidebar
    sit deeper than the article's paragraphs.  Lines indented deeper than the
    prose of the first run (its size-weighted median indent) count for less
    when positive and cost more when negative.
    """
    weighted = sorted((lines[i].indent, scores[i]) for i in range(start, end) if scores[i] > 0)
    if not weighted:
        return list(scores)
    half = sum(w for _, w in weighted) / 2
    acc = 0.0
    base = weighted[-1][0]
    for indent, w in weighted:
        acc += w
        if acc >= half:
            base = indent
            break
    limit = base + 1
    return [
        (s * DEEPER_POSITIVE if s > 0 else s * DEEPER_NEGATIVE) if line.indent > limit else s
        for line, s in zip(lines, scores, strict=True)
    ]
