"""Apply many line/feature rules to many lines quickly, with the engine's semantics.

Testing every rule on every line is the cost of text mode.  These cut it
without changing a verdict:

* a rule with ``max_words`` cannot fire on a longer line, so rules are
  bucketed by that limit and a line only meets the rules that can fire on it;
* a pattern is split into its top-level alternatives (*units*): a line matches
  the pattern exactly when it matches one of them, and each unit gets its own,
  more selective pre-test;
* an unanchored regular expression is slow to search (it is tried at every
  position), so each unit gets a *gate*: a set of lower-case literal strings one
  of which every match must contain, read off the parsed pattern (the
  "prefilter" idea of RE2 and Hyperscan).  When none of them occurs in the
  lower-cased line, the unit cannot match and is not searched.  With the
  optional ``ahocorasick-rs`` package, the gate literals of a whole batch of
  lines are found in one Aho-Corasick pass; without it, by substring tests
  (same verdicts, slower);
* an anchored unit without a gate can only match a line that opens with one of
  its first characters, also read off the parsed pattern, and the anchored
  units a line can meet are pre-tested by one joint match.

A unit with neither (features, odd patterns) is always tested.  Rule gates are
computed when a rule file is parsed (``Rule.gate``, see :func:`gate_of`);
nothing is cached at module level: the text module keeps one matcher per rule
set (``RuleSet.derived``).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from cleaning.rules import Rule
from cleaning.rules.features import FEATURES, PRETESTS
from cleaning.rules.patterns import (
    _split,
    after_anchor,
    anchored_body,
    compile_parsed,
    first_chars,
    literal_gate,
    openings,
    parse_pattern,
    second_gate,
)
from cleaning.text.segment import NO_VERDICT, Verdict

_AhoCorasick: Any
_DFA: Any
try:  # optional: finds every gate literal of many lines in one pass (Aho-Corasick, in Rust)
    from ahocorasick_rs import BytesAhoCorasick as _AhoCorasick
    from ahocorasick_rs import Implementation

    _DFA = Implementation.DFA  # the fastest search; a few hundred literals make a small DFA
except ImportError:  # pragma: no cover - the pure-Python path gives the same verdicts
    _AhoCorasick = _DFA = None

_UNLIMITED = 1 << 30
_SHORT_LINE = 60  # characters: below, a gate alternation is searched before the literals


class _Unit:
    """One alternative of a rule's pattern (or a feature rule), with how it is pre-tested:
    ``kind`` is "anchored" (the joint match by opening character), "literal" (its gate),
    "pretested" (a feature's own cheap pre-test, :data:`cleaning.rules.features.PRETESTS`) or
    "always"."""

    __slots__ = ("rule", "test", "kind", "gate", "second", "opening", "firsts", "body", "pretest")

    def __init__(self, rule: int, test: Any, kind: str = "always") -> None:
        self.rule, self.test, self.kind = rule, test, kind
        self.gate: tuple[str, ...] = ()
        # a literal unit's second gate (:func:`cleaning.rules.patterns.second_gate`): the line
        # must hold one of these too before the unit is searched
        self.second: tuple[str, ...] | None = None
        # an anchored unit's openings (:func:`cleaning.rules.patterns.openings`) and whether
        # they are lower case: the line must open with one of them
        self.opening: tuple[tuple[str, ...], bool] | None = None
        self.firsts: frozenset[str] | None = None
        self.body = ""
        self.pretest: Callable[[str], object] | None = None


def _units(
    index: int, rule: Rule, prefer_gate: bool = True, cache: dict[Any, Any] | None = None
) -> list[_Unit]:
    """The units of one rule: a line matches the rule when it matches one of them.
    ``prefer_gate``: an anchored unit with a gate is pre-tested by its gate (the right
    choice when an automaton finds all literals at once), else by its opening characters.
    ``cache``: units already worked out for rules of the same rule set (by rule id), so the
    matchers of several domains parse each pattern once."""
    if cache is None:
        return _rule_units(index, rule, prefer_gate)
    key = (rule.id, prefer_gate)
    entry = cache.get(key)
    if entry is None or entry[0] is not rule:  # (a hand-built set may reuse an id)
        entry = cache[key] = (rule, _rule_units(0, rule, prefer_gate))
    known = entry[1]
    out = []
    for spec in known:
        unit = _Unit(index, spec.test, spec.kind)
        unit.gate, unit.second, unit.opening, unit.firsts, unit.body, unit.pretest = (
            spec.gate,
            spec.second,
            spec.opening,
            spec.firsts,
            spec.body,
            spec.pretest,
        )
        out.append(unit)
    return out


class _Deferred:
    """The search of one alternative of a rule's pattern, compiled from its parse when first
    used: most alternatives of the bundled patterns (other languages' wordings) are never
    searched in a run, their gate literals do not occur.  Shared by the matchers of one rule
    set (through the unit cache)."""

    __slots__ = ("part", "parsed", "rule", "search")

    def __init__(self, part: str | None, parsed: Any, rule: Rule) -> None:
        self.part, self.parsed, self.rule = part, parsed, rule
        self.search: Callable[[str], object] | None = None

    def compiled(self) -> Callable[[str], object]:
        if self.search is None:
            try:
                if self.part is None:  # the pattern whole: the rule's own, compiled once
                    assert self.rule.pattern is not None
                    self.search = self.rule.pattern.search
                else:
                    self.search = compile_parsed(self.part, self.parsed).search
            except re.error:
                # a split the scanner got wrong: the whole pattern (a line matches it exactly
                # when it matches one of its alternatives, each gate a necessary condition)
                assert self.rule.pattern is not None
                self.search = self.rule.pattern.search
            if self.rule.max_chars is not None:  # a user's rule: never on a longer line
                self.search = _bounded(self.search, self.rule.max_chars)
            self.parsed = None
        return self.search


def _alternatives(pattern: str) -> list[tuple[str, Any]] | None:
    """(pattern, parse) of each top-level alternative of ``pattern``
    (:func:`cleaning.rules.patterns.parsed_branches` without compiling them), or None when
    the pattern is not split."""
    parts = _split(pattern)
    if len(parts) == 1:
        return None
    out = []
    for part in parts:
        parsed = parse_pattern(part)
        if parsed is None:  # a split the scanner got wrong: keep the pattern whole
            return None
        out.append((part, parsed))
    return out


def _rule_units(index: int, rule: Rule, prefer_gate: bool) -> list[_Unit]:
    if rule.regex is None:
        unit = _Unit(index, FEATURES[rule.feature or ""])
        pretest = PRETESTS.get(rule.feature or "")
        if pretest is not None:
            unit.kind, unit.pretest = "pretested", pretest
        return [unit]
    out = []
    # each alternative parsed once (and compiled from that parse when first searched): the
    # helpers below all read the parsed form
    parts = _alternatives(rule.regex)
    for part, parsed in parts or [(rule.regex, None)]:
        if parts is None:  # the pattern whole, as the rule file's parser read it
            unit = _Unit(index, _Deferred(None, None, rule))
            parsed = rule.parsed
        else:
            unit = _Unit(index, _Deferred(part, parsed, rule))
        after = after_anchor(part, parsed) if parsed is not None else None
        # a rule bounded in line length (a user's) is searched on its own, never in a joint
        # expression that would search it in a longer line
        body = anchored_body(part, after) if rule.max_chars is None else None
        firsts = first_chars(part, after) if body else None
        gate = loose = None
        if parsed is not None:
            try:
                gate = literal_gate(parsed)
                # an anchored unit that may open with any character would be matched on
                # every line: any gate is better, even one of function words ("says")
                loose = literal_gate(parsed, len) if body and firsts is None else None
            except Exception:  # noqa: BLE001 - the engine already validated it; be safe
                gate = loose = None
        # a selective gate costs nothing more (all literals of a line are found at once);
        # else the joint anchored match, which costs one match per line
        if gate and (prefer_gate or not (body and firsts is not None)):
            unit.kind, unit.gate = "literal", gate
        elif body and firsts is not None:
            unit.kind, unit.body, unit.firsts = "anchored", body, firsts
        elif loose:
            unit.kind, unit.gate = "literal", loose
        elif body:
            unit.kind, unit.body = "anchored", body
        if parsed is not None:
            try:
                if unit.kind == "literal":
                    unit.second = second_gate(parsed, unit.gate)
                opens = openings(parsed, after)
                if opens is not None:
                    unit.opening = (opens, bool(parsed.state.flags & re.IGNORECASE))
            except Exception:  # noqa: BLE001 - as for the first gate: no pre-test is safe
                unit.second = unit.opening = None
        out.append(unit)
    return out


def _bounded(search: Callable[[str], Any], limit: int) -> Callable[[str], Any]:
    """``search``, but only on texts of up to ``limit`` characters (:attr:`Rule.max_chars`)."""

    def test(text: str) -> Any:
        return search(text) if len(text) <= limit else None

    return test


class _Bucket:
    """The units that can fire on lines of up to some number of words, by how they are
    pre-tested (units are referred to by their index in the matcher's order).

    ``always``: units tested on every line (patterns with no gate, features without a
    pre-test);
    ``pretested``: (pre-test, unit) of the features with a pre-test;
    ``by_literal``: for each gate literal, the units it lets through;
    ``anchored``: for each opening character, the anchored units a line opening
    with it can meet.
    """

    __slots__ = (
        "always",
        "pretested",
        "literals",
        "literal_re",
        "by_literal",
        "by_global",
        "anchored",
    )

    def __init__(
        self,
        indexed: list[tuple[int, _Unit]],
        chars: list[str],
        joints: Callable[[tuple[int, ...]], Any],
        all_literals: Sequence[str],
        literal_search: bool = True,
    ) -> None:
        self.always = tuple(i for i, u in indexed if u.kind == "always")
        self.pretested: tuple[tuple[Callable[[str], object], int], ...] = tuple(
            (u.pretest, i) for i, u in indexed if u.pretest is not None
        )
        by_literal: dict[str, list[int]] = {}
        for i, unit in indexed:
            for g in unit.gate:
                by_literal.setdefault(g, []).append(i)
        self.by_literal = {g: tuple(v) for g, v in by_literal.items()}
        # the units each literal of the matcher's automaton lets through in this bucket
        self.by_global = tuple(self.by_literal.get(g, ()) for g in all_literals)
        # without the automaton: one substring test per literal (C speed) beats one
        # alternation searched at every position of a long line ...
        self.literals = tuple(sorted(by_literal))
        # ... except on short lines, where one search of their alternation is quicker (not
        # built when an automaton finds the literals: compiling it is most of a build's time)
        self.literal_re = (
            re.compile("|".join(map(re.escape, self.literals))).search
            if self.literals and literal_search
            else None
        )
        anchored = [(i, u.firsts) for i, u in indexed if u.kind == "anchored"]
        self.anchored: dict[str, tuple[Any, tuple[int, ...]]] = {}
        for c in chars:
            found = tuple(i for i, f in anchored if f is None or c in f)
            if found:
                # the joint expression: when it does not match, none of these units does
                self.anchored[c] = (joints(found), found)


class RuleMatcher:
    """The verdict of a set of line/feature rules on one line of text.

    Each rule is split into its top-level alternatives (units, each with its
    own pre-test).  A line first meets cheap pre-tests: one match of the joint
    expression of the anchored units that can open with its first character
    (when it fails, none of them is searched), and the gate literals it holds.
    Only the units that pass are searched, in the engine's rule order.
    """

    def __init__(
        self,
        rules: Sequence[Rule],
        *,
        automaton: bool = True,
        unit_cache: dict[Any, Any] | None = None,
    ) -> None:
        """``automaton=False`` finds gate literals without the optional ``ahocorasick_rs``
        (the verdicts are the same).  ``unit_cache``: a dict shared by the matchers built
        from one rule set (rule ids are unique there), so each rule's pattern is analysed
        once however many domains get a matcher of their own."""
        rules = [r for r in rules if r.kind in ("line", "feature")]
        # drop rules first: the first drop rule that fires names the removal
        ordered = [r for r in rules if r.action == "drop"] + [
            r for r in rules if r.action != "drop"
        ]
        self._rules = ordered
        use_automaton = automaton and _AhoCorasick is not None
        units = [u for i, r in enumerate(ordered) for u in _units(i, r, use_automaton, unit_cache)]
        self._units = [
            (
                u.rule,
                self._first_use(k, u.rule, u.test) if isinstance(u.test, _Deferred) else u.test,
            )
            for k, u in enumerate(units)
        ]
        # each unit's own pre-tests before its search, or None: (second gate, openings, the
        # openings are lower case)
        self._pre = [
            None
            if u.second is None and u.opening is None
            else (u.second, *(u.opening or (None, False)))
            for u in units
        ]
        # verdicts are immutable: the lines with the same verdict share one object
        self._drops = [Verdict(drop=r.id) if r.action == "drop" else NO_VERDICT for r in ordered]
        self._evidence: dict[tuple[float, str], Verdict] = {}
        self._templated: dict[Verdict, Verdict] = {}
        chars = [*sorted({c for u in units if u.firsts for c in u.firsts}), ""]  # "": any other
        compiled: dict[tuple[int, ...], Any] = {}  # buckets share most of their joints

        def joint(found: tuple[int, ...]) -> Any:
            if found not in compiled:
                compiled[found] = re.compile("|".join(units[i].body for i in found)).match
            return compiled[found]

        literals = sorted({g for u in units for g in u.gate})
        # one automaton over every gate literal finds those of a whole batch of lines at once
        self._automaton = (
            _AhoCorasick(
                [g.encode("utf-8") for g in literals], implementation=_DFA
            ).find_matches_as_indexes
            if use_automaton and literals
            else None
        )
        limits = sorted({_limit(r) for r in ordered})
        self._limits = limits
        self._buckets = [
            _Bucket(
                [(i, u) for i, u in enumerate(units) if _limit(ordered[u.rule]) >= lim],
                chars,
                joint,
                literals,
                literal_search=self._automaton is None,
            )
            for lim in limits
        ]
        # the bucket of a line of each word count up to the largest finite limit (the others
        # are looked up by bisection)
        finite = [lim for lim in limits if lim < _UNLIMITED]
        self._by_words = [
            self._buckets[bisect.bisect_left(limits, w)]
            for w in range(max(finite) + 1 if finite else 0)
        ]

    def _first_use(self, k: int, rule: int, deferred: _Deferred) -> Callable[[str], object]:
        """The test of unit ``k`` until it is first called: then the compiled search takes
        its place."""

        def search(text: str) -> object:
            found = deferred.compiled()
            self._units[k] = (rule, found)
            return found(text)

        return search

    def judge(self, text: str, words: int) -> Verdict:
        """Which rules fire on ``text`` (``words`` whitespace tokens)."""
        return self.judge_many([(text, words)])[0]

    def judge_many(self, items: Sequence[tuple[str, int]]) -> list[Verdict]:
        """:meth:`judge` of each (text, words), the gate literals of all found in one pass."""
        if self._automaton is None or not items:
            return [self._judge(text, words, None) for text, words in items]
        # UTF-8 is self-synchronising: a literal occurs in a text exactly when its bytes occur
        # in the text's bytes.  Texts are lowered one by one (as judge does), then joined; a
        # match across the separator would only add a candidate, never hide one
        lowers = [text.lower() for text, _ in items]
        parts = [lower.encode("utf-8", "surrogatepass") for lower in lowers]
        starts = list(itertools.accumulate((len(p) + 1 for p in parts[:-1]), initial=0))
        found: list[list[int]] = [[] for _ in parts]
        locate = bisect.bisect_right
        for literal, start, _ in self._automaton(b"\n".join(parts), overlapping=True):
            found[locate(starts, start) - 1].append(literal)
        return [
            self._judge(text, words, hits, lower)
            for (text, words), hits, lower in zip(items, found, lowers, strict=True)
        ]

    def _judge(
        self, text: str, words: int, literals: list[int] | None, lower: str | None = None
    ) -> Verdict:
        """The verdict on one text; ``literals``: the automaton's literals it holds (None:
        look for the bucket's literals here); ``lower``: the text lowered, when the caller has
        it."""
        by_words = self._by_words
        if words < len(by_words):
            bucket = by_words[words]
        else:
            k = bisect.bisect_left(self._limits, words)
            if k == len(self._limits):
                return NO_VERDICT
            bucket = self._buckets[k]
        extra: set[int] | None = None
        for pretest, unit in bucket.pretested:
            if pretest(text) is not None:
                if extra is None:
                    extra = {unit}
                else:
                    extra.add(unit)
        if bucket.anchored:
            anchored = bucket.anchored.get(text[:1]) or bucket.anchored.get("")
            if anchored is not None and anchored[0](text) is not None:
                if extra is None:
                    extra = set(anchored[1])
                else:
                    extra.update(anchored[1])
        if literals is not None:
            by_global = bucket.by_global
            for index in literals:
                if by_global[index]:
                    if extra is None:
                        extra = set(by_global[index])
                    else:
                        extra.update(by_global[index])
        elif bucket.literals:
            if lower is None:
                lower = text.lower()
            search = bucket.literal_re
            if len(lower) >= _SHORT_LINE or (search is not None and search(lower) is not None):
                by_literal = bucket.by_literal
                for literal in filter(lower.__contains__, bucket.literals):
                    if extra is None:
                        extra = set(by_literal[literal])
                    else:
                        extra.update(by_literal[literal])
        candidates: Sequence[int] = bucket.always
        if extra is not None:
            extra.update(candidates)
            candidates = sorted(extra)
        elif not candidates:
            return NO_VERDICT  # no unit can fire (most lines)
        units, rules, pres = self._units, self._rules, self._pre
        weight, best_id, best_w = 0.0, None, 0.0
        fired = -1  # the units of a rule are consecutive: once it fired, skip its others
        for i in candidates:
            r, test = units[i]
            if r == fired:
                continue
            pre = pres[i]
            if pre is not None:
                # its second gate (a literal it also requires, in the lower-cased line as for
                # the first gate) and the texts a match opens with
                gate, opens, folded = pre
                if lower is None:
                    lower = text.lower()
                if gate is not None and not any(map(lower.__contains__, gate)):
                    continue
                if opens is not None and not (lower if folded else text).startswith(opens):
                    continue
            if not test(text):
                continue
            fired = r
            rule = rules[r]
            if rule.action == "drop":
                return self._drops[r]
            weight += rule.weight
            if rule.weight > best_w:
                best_id, best_w = rule.id, rule.weight
        if best_id is None:
            return NO_VERDICT
        key = (weight, best_id)
        verdict = self._evidence.get(key)
        if verdict is None:
            verdict = self._evidence[key] = Verdict(evidence=weight, evidence_id=best_id)
        return verdict

    def templated(self, verdict: Verdict) -> Verdict:
        """``verdict`` for a line the repetition statistics call a template (one object for
        each verdict)."""
        out = self._templated.get(verdict)
        if out is None:
            out = self._templated[verdict] = Verdict(
                verdict.drop, verdict.evidence, verdict.evidence_id, True
            )
        return out


def _limit(rule: Rule) -> int:
    return rule.max_words if rule.max_words is not None else _UNLIMITED
