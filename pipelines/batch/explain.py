"""`newsclean explain`: the input with every removed piece marked by the rule that removed it."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

from cleaning.record import CleanedRecord
from cleaning.rules import RuleSet
from cleaning.text.repetition import RepetitionStats, build_stats
from pipelines.batch.inputs import InputFile, decode_text, kind_of, read_bytes

KEPT, TITLE, DESCRIPTION = "  ", "T ", "D "


def explain_file(
    path: Path, ruleset: RuleSet, domain: str | None = None, stats: RepetitionStats | None = None
) -> Iterator[str]:
    """Lines to print: text inputs line by line, HTML inputs as kept body then removed blocks."""
    from cleaning import clean_html, clean_text

    kind = kind_of(path) or "text"
    data = read_bytes(path)
    if kind == "text":
        text, note = decode_text(path, data)
        if note:
            yield f"# {note}"
        if stats is None:
            stats = build_stats([(domain or InputFile(path, kind).group, text)])
        record = clean_text(text, rules=ruleset, domain=domain, stats=stats, mode="dump")
        yield from _legend(record)
        yield from mark_lines(text, record)
        return
    record = clean_html(data, None, rules=ruleset)
    yield from _legend(record)
    if record.drop_reason:
        yield f"# not an article: {record.drop_reason}"
    for para in record.text.splitlines():
        yield KEPT + para
    for removal in record.removed:
        for piece in removal.text.splitlines() or [""]:
            yield f"- [{removal.rule_id}] {piece}"


def _legend(record: CleanedRecord) -> Iterator[str]:
    yield (
        f"# kept {record.word_count} words; removed {len(record.removed)} blocks; "
        "'T' title, 'D' description, '-' removed with [rule id]"
    )


def mark_lines(text: str, record: CleanedRecord) -> Iterator[str]:
    """Walk the original lines, matching each piece to what the record kept or removed.

    A line may hold several pieces (a promo sentence glued to the first
    paragraph): each piece is printed on its own line with its mark.
    """
    kept: deque[tuple[str, str]] = deque()
    if record.title:
        kept.append((TITLE, record.title))
    if record.description:
        kept.append((DESCRIPTION, record.description))
    kept.extend((KEPT, p) for p in record.text.splitlines() if p.strip())
    removed = deque((f"- [{r.rule_id}] ", r.text) for r in record.removed)
    for line in text.splitlines():
        rest = line.strip()
        while rest:
            for queue in (kept, removed):
                if queue:
                    mark, piece = queue[0]
                    head = piece.strip().splitlines()[0] if piece.strip() else ""
                    if head and rest.startswith(head):
                        yield mark + head
                        rest = rest[len(head):].strip()
                        _consume(queue, head)
                        break
            else:
                yield "? " + rest
                break


def _consume(queue: deque[tuple[str, str]], head: str) -> None:
    mark, piece = queue.popleft()
    remainder = piece.strip()[len(head):].strip()
    if remainder:
        queue.appendleft((mark, remainder))
