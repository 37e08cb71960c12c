"""Text mode: a plain-text dump in, a cleaned record out.  (Placeholder: rules only.)"""

from __future__ import annotations

from cleaning.record import CleanedRecord, Removal
from cleaning.repetition import RepetitionStats
from cleaning.rules import RuleSet


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
    the document's source (see :mod:`cleaning.repetition`).
    """
    active = rules.for_domain(domain)
    kept: list[str] = []
    removed: list[Removal] = []
    for line in text.splitlines():
        block = line.strip()
        if not block:
            continue
        hit = next((r for r in active if r.action == "drop" and r.matches_text(block)), None)
        if hit is None:
            kept.append(block)
        else:
            removed.append(Removal(hit.id, block))
    return CleanedRecord(text="\n".join(kept), removed=tuple(removed))
