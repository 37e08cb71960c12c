"""What a line rule's regular expression says about the lines it can match, read off the
pattern parsed by the standard library's parser: the literals every match contains (the
*gate*), its top-level alternatives, and the characters an anchored match opens with.

The rule engine computes each rule's gate when a rule file is parsed; the text mode's
matcher (:mod:`cleaning.text.matcher`) pre-tests lines with these.  Pure functions of the
pattern: nothing is cached.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable
from typing import Any

from cleaning.words import STOPWORDS

try:  # the regular-expression parser of the standard library (renamed in 3.11)
    _sc: Any = importlib.import_module("re._constants")
    _sp: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _sc = importlib.import_module("sre_constants")
    _sp = importlib.import_module("sre_parse")

_REPEATS = tuple(
    getattr(_sc, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sc, n)
)
_GLOBAL_FLAGS = re.compile(r"^\(\?([imsx]+)\)")
_NOT_JOINABLE = re.compile(r"\(\?P|\\[1-9]|\(\?[aLu]|\(\?[imsx]*-")
_MIN_LITERAL = 2  # gates of single characters would let almost every line through


def parse_pattern(pattern: str) -> Any:
    """``pattern`` parsed by the standard library's parser (None if it cannot be), for the
    analyses below to share one parse."""
    try:
        return _sp.parse(pattern)
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None


def gate_of(pattern: str, parsed: Any = None) -> tuple[str, ...] | None:
    """Lower-case literals one of which every match of ``pattern`` contains, or None.

    None means "no useful gate": the pattern is anchored at the start (fast to
    search anyway) or its literals are too short or unknown.  ``parsed``: the pattern
    already parsed (:func:`parse_pattern`).
    """
    if parsed is None:
        parsed = parse_pattern(pattern)
    if parsed is None:
        return None
    if _anchored(list(parsed)):
        return None
    return literal_gate(parsed)


def literal_gate(parsed: Any, rank: Callable[[str], int] | None = None) -> tuple[str, ...] | None:
    """The gate of a parsed pattern, anchored or not (see :func:`gate_of`); ``rank`` orders
    candidate literals by selectivity (default: function words count as one character)."""
    found = _required(list(parsed), rank)
    # a one-character gate is only selective when the character is rare (©, £)
    if not found or any(len(s) < _MIN_LITERAL and s.isascii() for s in found):
        return None
    # a literal containing another one of the set adds nothing: keep the short ones
    return tuple(sorted(s for s in found if not any(o != s and o in s for o in found)))


def branches(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern``, each a pattern of its own (with the global
    flags): a line matches ``pattern`` exactly when it matches one of them, and each gets
    its own gate or opening characters, more selective than the whole alternation's.

    ``[pattern]`` when the pattern has no top-level ``|`` or cannot be split safely
    (group references, verbose mode, flags other than ``ims``).
    """
    m = _GLOBAL_FLAGS.match(pattern)
    flags, rest = (pattern[: m.end()], pattern[m.end() :]) if m else ("", pattern)
    if "x" in flags or "(?" in rest.replace("(?:", "") or re.search(r"\\[1-9]", rest):
        return [pattern]
    parts: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(rest):
        c = rest[i]
        if c == "\\":
            i += 1
        elif c == "[":  # a class: skip to its end (a "]" right after "[" or "[^" is literal)
            i += 2 if rest[i + 1 : i + 2] == "^" else 1
            i += 1 if rest[i : i + 1] == "]" else 0
            while i < len(rest) and rest[i] != "]":
                i += 2 if rest[i] == "\\" else 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(rest[start:i])
            start = i + 1
        i += 1
    parts.append(rest[start:])
    if len(parts) == 1:
        return [pattern]
    out = [flags + part for part in parts]
    try:
        for part in out:
            re.compile(part)
    except re.error:  # a split the scanner got wrong: keep the pattern whole
        return [pattern]
    return out


UNPARSED: Any = object()


def anchored_body(pattern: str, after: Any = UNPARSED) -> str | None:
    """``pattern`` as a piece of a joint ``^(?:...|...)`` expression, when it is anchored.

    Only for patterns of the shape ``(?flags)^rest`` with no top-level
    alternative, no group name and no back-reference: ``(?flags:rest)`` then
    matches at the start of a line exactly where the pattern does.
    """
    if _NOT_JOINABLE.search(pattern):
        return None
    m = _GLOBAL_FLAGS.match(pattern)
    flags, rest = (m.group(1), pattern[m.end() :]) if m else ("", pattern)
    if after is UNPARSED:
        after = after_anchor(pattern)
    if not rest.startswith("^") or after is None:
        return None
    return f"(?{flags}:{rest[1:]})" if flags else f"(?:{rest[1:]})"


def after_anchor(pattern: str, parsed: Any = None) -> list[Any] | None:
    """The parsed items after a leading ``^``; None when the pattern does not open with one.
    ``parsed``: the pattern already parsed by the caller."""
    try:
        parsed = list(_sp.parse(pattern) if parsed is None else parsed)
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None
    if not parsed or parsed[0] != (_sc.AT, _sc.AT_BEGINNING):
        return None
    return parsed[1:]


def _anchored(seq: list[Any]) -> bool:
    if not seq:
        return False
    op, av = seq[0]
    if op is _sc.AT and av is _sc.AT_BEGINNING:
        return True
    if op is _sc.SUBPATTERN:
        return _anchored(list(av[-1]))
    if op is _sc.BRANCH:
        return all(_anchored(list(b)) for b in av[1])
    return False


def _required(seq: list[Any], rank: Callable[[str], int] | None = None) -> set[str] | None:
    """A set of literals one of which any match of the sequence contains (None: unknown)."""
    candidates: list[set[str]] = []
    run: list[str] = []

    def close() -> None:
        if run:
            candidates.append({"".join(run)})
            run.clear()

    for op, av in seq:
        if op is _sc.LITERAL:
            run.append(chr(av).lower())
            continue
        close()
        if op is _sc.SUBPATTERN:
            sub = _required(list(av[-1]), rank)
            if sub:
                candidates.append(sub)
        elif op is _sc.BRANCH:
            alts = [_required(list(b), rank) for b in av[1]]
            if all(alts):
                candidates.append(set().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS:
            lo, _hi, item = av
            if lo >= 1:
                sub = _required(list(item), rank)
                if sub:
                    candidates.append(sub)
    close()
    if not candidates:
        return None
    # the most selective candidate: the one whose shortest literal is longest, a literal of
    # function words only ("your ", "you can ") counting as one character: every page has them
    score = rank or _selectivity
    return max(candidates, key=lambda c: (min(score(s) for s in c), -len(c)))


def _selectivity(literal: str) -> int:
    words = literal.split()
    if words and all(w in STOPWORDS for w in words):
        return 1
    return len(literal)



def first_chars(pattern: str, after: Any = UNPARSED) -> frozenset[str] | None:
    """The characters a match of the anchored ``pattern`` can open with (None: any).
    ``after``: :func:`after_anchor` of the pattern, when the caller has it already."""
    rest = after_anchor(pattern) if after is UNPARSED else after
    if rest is None:
        return None
    found = _first(rest)
    if found is None:
        return None
    # case variants: the pattern may ignore case (a wider set is still a correct filter)
    return frozenset(found | {c.lower() for c in found} | {c.upper() for c in found})


def _first(seq: list[Any]) -> set[str] | None:
    """First characters of a match of ``seq``; None when unknown or when it may be empty."""
    for pos, (op, av) in enumerate(seq):
        if op is _sc.AT:
            continue  # zero-width (\b ...)
        if op is _sc.LITERAL:
            return {chr(av)}
        if op is _sc.IN:
            out: set[str] = set()
            for iop, iav in av:
                if iop is _sc.LITERAL:
                    out.add(chr(iav))
                elif iop is _sc.RANGE and iav[1] - iav[0] <= 64:
                    out.update(chr(c) for c in range(iav[0], iav[1] + 1))
                else:
                    return None
            return out
        if op is _sc.SUBPATTERN:
            return _first(list(av[-1]) + list(seq[pos + 1 :]))
        if op is _sc.BRANCH:
            rest = list(seq[pos + 1 :])
            parts = [_first(list(b) + rest) for b in av[1]]
            if any(p is None for p in parts):
                return None
            return set().union(*parts)  # type: ignore[arg-type]
        if op in _REPEATS:
            lo, _hi, item = av
            head = _first(list(item))
            if head is None:
                return None
            if lo >= 1:
                return head
            tail = _first(list(seq[pos + 1 :]))
            return None if tail is None else head | tail
        return None
    return None  # the rest may match the empty string
