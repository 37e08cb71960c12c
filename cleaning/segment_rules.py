"""Apply many line/feature rules to many lines quickly, with the engine's semantics.

Testing every rule on every line is the cost of text mode.  Two things cut it
without changing a verdict:

* a rule with ``max_words`` cannot fire on a longer line, so rules are
  bucketed by that limit and a line only meets the rules that can fire on it;
* an unanchored regular expression is slow to search (it is tried at every
  position), so each one gets a *gate*: a set of lower-case literal strings one
  of which every match must contain, read off the parsed pattern (the
  "prefilter" idea of RE2 and Hyperscan).  When none of them occurs in the
  lower-cased line, the pattern cannot match and is not searched;
* an anchored pattern can only match a line that opens with one of its first
  characters, also read off the parsed pattern.

A pattern whose literals cannot be worked out (no gate) is always searched.
Gates are computed when a rule file is parsed (``Rule.gate``, see
:func:`gate_of`); nothing is cached at module level: the text module keeps one
matcher per rule set (``RuleSet.derived``).
"""

from __future__ import annotations

import bisect
import importlib
import re
from collections.abc import Sequence
from typing import Any

from cleaning.features import FEATURES
from cleaning.lines import STOPWORDS
from cleaning.rules import Rule
from cleaning.segment import NO_VERDICT, Verdict

try:  # the regular-expression parser of the standard library (renamed in 3.11)
    _sc: Any = importlib.import_module("re._constants")
    _sp: Any = importlib.import_module("re._parser")
except ImportError:  # pragma: no cover - Python 3.10
    _sc = importlib.import_module("sre_constants")
    _sp = importlib.import_module("sre_parse")

_REPEATS = tuple(
    getattr(_sc, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_sc, n)
)
_UNLIMITED = 1 << 30
_SHORT_LINE = 60  # characters: below, a gate alternation is searched before the literals
_GLOBAL_FLAGS = re.compile(r"^\(\?([imsx]+)\)")
_NOT_JOINABLE = re.compile(r"\(\?P|\\[1-9]|\(\?[aLu]|\(\?[imsx]*-")
_MIN_LITERAL = 2  # gates of single characters would let almost every line through


def gate_of(pattern: str) -> tuple[str, ...] | None:
    """Lower-case literals one of which every match of ``pattern`` contains, or None.

    None means "no useful gate": the pattern is anchored at the start (fast to
    search anyway) or its literals are too short or unknown.
    """
    try:
        parsed = _sp.parse(pattern)
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None
    if _anchored(list(parsed)):
        return None
    found = _required(list(parsed))
    # a one-character gate is only selective when the character is rare (©, £)
    if not found or any(len(s) < _MIN_LITERAL and s.isascii() for s in found):
        return None
    # a literal containing another one of the set adds nothing: keep the short ones
    return tuple(sorted(s for s in found if not any(o != s and o in s for o in found)))


def anchored_body(pattern: str) -> str | None:
    """``pattern`` as a piece of a joint ``^(?:...|...)`` expression, when it is anchored.

    Only for patterns of the shape ``(?flags)^rest`` with no top-level
    alternative, no group name and no back-reference: ``(?flags:rest)`` then
    matches at the start of a line exactly where the pattern does.
    """
    if _NOT_JOINABLE.search(pattern):
        return None
    m = _GLOBAL_FLAGS.match(pattern)
    flags, rest = (m.group(1), pattern[m.end() :]) if m else ("", pattern)
    if not rest.startswith("^"):
        return None
    try:
        parsed = list(_sp.parse(pattern))
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None
    if not parsed or parsed[0] != (_sc.AT, _sc.AT_BEGINNING):
        return None
    return f"(?{flags}:{rest[1:]})" if flags else f"(?:{rest[1:]})"


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


def _required(seq: list[Any]) -> set[str] | None:
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
            sub = _required(list(av[-1]))
            if sub:
                candidates.append(sub)
        elif op is _sc.BRANCH:
            alts = [_required(list(b)) for b in av[1]]
            if all(alts):
                candidates.append(set().union(*alts))  # type: ignore[arg-type]
        elif op in _REPEATS:
            lo, _hi, item = av
            if lo >= 1:
                sub = _required(list(item))
                if sub:
                    candidates.append(sub)
    close()
    if not candidates:
        return None
    # the most selective candidate: the one whose shortest literal is longest, a literal of
    # function words only ("your ", "you can ") counting as one character: every page has them
    return max(candidates, key=lambda c: (min(_selectivity(s) for s in c), -len(c)))


def _selectivity(literal: str) -> int:
    words = literal.split()
    if words and all(w in STOPWORDS for w in words):
        return 1
    return len(literal)


class _Bucket:
    """The rules that can fire on lines of up to some number of words, ready to test.

    A line meets only the anchored patterns that can open with its first
    character (:func:`first_chars`), and the gated patterns only when one of
    their literals occurs in it (one substring test per literal, at C speed).
    Rules that fit neither (features, odd patterns) are always tested.  The
    candidates are then tested one by one, in order, so the verdict is the one
    the engine would give.
    """

    __slots__ = ("checks", "literals", "literal_re", "with_literal", "without_literal")

    def __init__(self, rules: list[Rule]) -> None:
        # (gate, test, rule): the gate is worked out once, when the rule file is parsed
        self.checks = [
            (
                frozenset(rule.gate) if rule.kind == "line" and rule.gate else None,
                rule.pattern.search if rule.pattern is not None else FEATURES[rule.feature or ""],
                rule,
            )
            for rule in rules
        ]
        kinds = [_kind(rule) for rule in rules]
        gates = sorted(
            {g for r, k in zip(rules, kinds, strict=True) if k == "literal" for g in r.gate or ()}
        )
        # one substring test per literal (C speed) beats one alternation searched at every
        # position of a long line
        self.literals = tuple(gates)
        # ... except on short lines, where one search of their alternation is quicker
        self.literal_re = re.compile("|".join(map(re.escape, gates))) if gates else None
        # anchored patterns can only match lines opening with one of their first characters
        firsts = [
            first_chars(r.pattern.pattern) if k == "anchored" and r.pattern else None
            for r, k in zip(rules, kinds, strict=True)
        ]
        chars = {c for f in firsts if f for c in f}
        self.with_literal: dict[str, list[tuple[Any, Any, Rule]]] = {}
        self.without_literal: dict[str, list[tuple[Any, Any, Rule]]] = {}
        for c in [*sorted(chars), ""]:  # "": a line opening with any other character
            anchored = [
                k == "anchored" and (f is None or c in f)
                for k, f in zip(kinds, firsts, strict=True)
            ]
            self.with_literal[c] = [
                chk
                for chk, k, a in zip(self.checks, kinds, anchored, strict=True)
                if a or k != "anchored"
            ]
            self.without_literal[c] = [
                chk
                for chk, k, a in zip(self.checks, kinds, anchored, strict=True)
                if a or k == "always"
            ]

    def candidates(
        self, text: str, lower: str
    ) -> tuple[list[tuple[Any, Any, Rule]], frozenset[str]]:
        """The rules that may fire on this line, in order (the others cannot), and the gate
        literals the line holds."""
        if len(lower) < _SHORT_LINE and (
            self.literal_re is None or self.literal_re.search(lower) is None
        ):
            present: frozenset[str] = frozenset()
        else:
            present = frozenset(filter(lower.__contains__, self.literals))
        table = self.with_literal if present else self.without_literal
        found = table.get(text[:1])
        return (found if found is not None else table[""]), present


def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of the anchored ``pattern`` can open with (None: any)."""
    try:
        parsed = list(_sp.parse(pattern))
    except Exception:  # noqa: BLE001 - the engine already validated it; be safe
        return None
    if not parsed or parsed[0] != (_sc.AT, _sc.AT_BEGINNING):
        return None
    found = _first(parsed[1:])
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


def _kind(rule: Rule) -> str:
    """How a rule is pre-tested: by the joint anchored search, by its gate, or always."""
    if rule.kind == "line" and rule.anchored:
        return "anchored"
    if rule.kind == "line" and rule.gate:
        return "literal"
    return "always"


class RuleMatcher:
    """The verdict of a set of line/feature rules on one line of text."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        rules = [r for r in rules if r.kind in ("line", "feature")]
        # drop rules first: the first drop rule that fires names the removal
        ordered = [r for r in rules if r.action == "drop"] + [
            r for r in rules if r.action != "drop"
        ]
        limits = sorted({_limit(r) for r in ordered})
        self._limits = limits
        self._buckets = [_Bucket([r for r in ordered if _limit(r) >= lim]) for lim in limits]

    def judge(self, text: str, words: int) -> Verdict:
        """Which rules fire on ``text`` (``words`` whitespace tokens)."""
        k = bisect.bisect_left(self._limits, words)
        if k == len(self._limits):
            return NO_VERDICT
        lower = text.lower()
        bucket = self._buckets[k]
        checks, present = bucket.candidates(text, lower)
        weight, best_id, best_w = 0.0, None, 0.0
        for gate, test, rule in checks:
            if gate is not None and gate.isdisjoint(present):
                continue  # none of the literals every match must contain is in the line
            if not test(text):
                continue
            if rule.action == "drop":
                return Verdict(drop=rule.id)
            weight += rule.weight
            if rule.weight > best_w:
                best_id, best_w = rule.id, rule.weight
        if best_id is None:
            return NO_VERDICT
        return Verdict(evidence=weight, evidence_id=best_id)


def _limit(rule: Rule) -> int:
    return rule.max_words if rule.max_words is not None else _UNLIMITED
