"""Boilerplate rules: declarations parsed from TOML text, validated, and applied.

A rule is data.  Its id reads ``scope.category.name``: ``generic.newsletter.signup``
applies everywhere, ``independent.promo.newsletter`` only to the publisher's
domains.  Three kinds exist:

* ``line``: a regular expression searched in one block of text;
* ``feature``: a named test on a block (see :data:`cleaning.rules.features.FEATURES`);
* ``dom``: a CSS selector for elements removed from an HTML page before
  extraction;
* ``structure``: a structural decision of the text segmenter (``decision =
  "outside_article"``: the line lies outside the article run, ...).  Its
  examples are whole documents (lines separated by newlines; several documents
  of one source separated by a form feed ``\f``) on which the decision must
  remove something; the text mode checks them
  (:func:`cleaning.text.clean.decision_fires`), since judging a document is its work.

``action = "drop"`` removes the block outright; ``action = "evidence"`` only
adds ``weight`` to the block's boilerplate score, which the text segmenter
combines with the other evidence.

This module does no I/O: :func:`parse_rules` takes the text of a rule file and
the name to quote in errors; reading files is the caller's business
(:mod:`pipelines.rulefiles`).
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cleaning.rules.features import FEATURES
from cleaning.rules.patterns import (
    LONG_PROBE_LIMIT,
    backtracking_hazard,
    compile_parsed,
    gate_of,
    parse_pattern,
    polynomial_hazard,
    slow_long_probe,
    slow_probe,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

KINDS = ("line", "feature", "dom", "structure")
# a line rule of a user's file is not searched on a longer line: a pattern whose search is
# quadratic in a line's length (most that search with \w+ or .*) costs at most about a
# tenth of a second there, where a line of 160,000 characters could take minutes
USER_LINE_CHARS = 5_000
# the structural decisions of the text segmenter a structure rule can name
DECISIONS = (
    "outside_article",
    "link_list",
    "template",
    "teaser_tail",
    "page_copy",
    "author_box",
    "footer_end",
    "testimonials",
)
ACTIONS = ("drop", "evidence")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*\.[a-z0-9][a-z0-9_-]*$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
_FIELDS = {
    "id",
    "kind",
    "pattern",
    "selector",
    "feature",
    "publishers",
    "action",
    "weight",
    "max_words",
    "description",
    "examples",
    "counter_examples",
    "decision",
}


class RuleError(ValueError):
    """A rule file or rule is invalid; the message names the file and the rule."""


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    action: str = "drop"
    weight: float = 1.0
    # a line rule's regular expression as the rule file writes it (``pattern`` compiles it)
    regex: str | None = None
    selector: str | None = None
    feature: str | None = None
    decision: str | None = None
    publishers: tuple[str, ...] = ()
    max_words: int | None = None
    # longest text a line rule is searched in (None: any); USER_LINE_CHARS for the user's
    # rule files
    max_chars: int | None = None
    description: str = ""
    examples: tuple[str, ...] = ()
    counter_examples: tuple[str, ...] = ()
    origin: str = ""

    # ``pattern``, ``parsed`` and ``gate`` are derived from ``regex`` on first use, once per
    # rule (a user's rule file has them made, and checked, when it is parsed): a process
    # compiles only the patterns it searches whole.  The text matcher searches a pattern's
    # top-level alternatives one by one, so most bundled patterns are never compiled whole.

    @cached_property
    def pattern(self) -> re.Pattern[str] | None:
        """``regex`` compiled (None for the rules of other kinds)."""
        if self.regex is None:
            return None
        return compile_parsed(self.regex, self.parsed)

    @cached_property
    def parsed(self) -> Any:
        """``regex`` as the standard library's parser reads it
        (:func:`cleaning.rules.patterns.parse_pattern`): the text matcher analyses this parse
        instead of parsing a long pattern again.  Not pickled (the parser's objects cannot
        be): a copy in another process parses again when it needs it."""
        return parse_pattern(self.regex) if self.regex is not None else None

    @cached_property
    def gate(self) -> tuple[str, ...] | None:
        """Lower-case literals one of which every match of ``pattern`` contains (not part of
        the fingerprint): a line holding none of them is not searched."""
        return gate_of(self.regex, self.parsed) if self.regex is not None else None

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "parsed"}

    @property
    def scope(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def category(self) -> str:
        return self.id.split(".")[1]

    @property
    def is_generic(self) -> bool:
        return self.scope == "generic"

    def applies_to(self, domain: str | None) -> bool:
        """Generic rules apply everywhere; publisher rules to their domains and subdomains."""
        if self.is_generic:
            return True
        if not domain:
            return False
        return any(domain == d or domain.endswith("." + d) for d in self.publishers)

    def matches_text(self, text: str) -> bool:
        """True when this line or feature rule fires on ``text`` (one block)."""
        if self.max_words is not None and len(text.split()) > self.max_words:
            return False
        if self.max_chars is not None and len(text) > self.max_chars:
            return False
        if self.kind == "line":
            assert self.pattern is not None
            if self.gate is not None:
                lower = text.lower()
                if not any(g in lower for g in self.gate):
                    return False
            return self.pattern.search(text) is not None
        if self.kind == "feature":
            assert self.feature is not None
            return FEATURES[self.feature](text)
        if self.kind == "structure":
            raise TypeError(
                f"{self.id}: structure rules judge documents (cleaning.text.decision_fires)"
            )
        raise TypeError(f"{self.id}: dom rules match elements, not text")

    def fingerprint(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "action": self.action,
            "weight": self.weight,
            "pattern": self.regex,
            "selector": self.selector,
            "feature": self.feature,
            "decision": self.decision,
            "publishers": list(self.publishers),
            "max_words": self.max_words,
            # only when set: the bundled rules' versions stay what they were
            **({"max_chars": self.max_chars} if self.max_chars is not None else {}),
        }


def parse_rules(text: str, origin: str, *, probe: bool = True, bounded: bool = True) -> list[Rule]:
    """Parse and validate one rule file's TOML text.  ``origin`` names it in errors.

    With ``probe`` (the default), a line rule whose pattern can backtrack catastrophically
    is refused: by its shape (:func:`cleaning.rules.patterns.backtracking_hazard`) and by a
    timed search of a few short adversarial lines (:func:`cleaning.rules.patterns.slow_probe`);
    so is one whose search time can grow as the cube of a line's length or faster
    (:func:`cleaning.rules.patterns.polynomial_hazard`, then timed searches of longer lines,
    :func:`cleaning.rules.patterns.slow_long_probe`).  The bundled files skip these checks,
    which cost about a second at every start of a process; tests/test_rule_backtracking.py
    runs them on every bundled rule.  With ``bounded`` (the default: a user's file), line
    rules are not searched on lines of more than :data:`USER_LINE_CHARS` characters.
    Without ``probe`` (a trusted file: the bundled ones, or a user's file checked before) a
    line rule's pattern is compiled when first used, and a dom rule's selector translated
    when the HTML mode compiles it (the tests compile every bundled one).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{origin}: not valid TOML ({exc}); fix the file or leave it out") from None
    unknown_top = set(data) - {"rule", "version"}
    if unknown_top:
        raise RuleError(
            f"{origin}: unknown top-level key(s) {sorted(unknown_top)}; expected [[rule]] tables"
        )
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        raise RuleError(f"{origin}: 'rule' must be an array of tables ([[rule]])")
    limit = USER_LINE_CHARS if bounded else None
    rules = [_parse_rule(raw, origin, i, probe, limit) for i, raw in enumerate(raw_rules)]
    seen: set[str] = set()
    for rule in rules:
        if rule.id in seen:
            raise RuleError(f"{origin}: rule {rule.id}: duplicate id in the same file")
        seen.add(rule.id)
    return rules


def _parse_rule(
    raw: Any, origin: str, index: int, probe: bool = True, max_chars: int | None = None
) -> Rule:
    where = f"{origin}: rule #{index + 1}"
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: must be a table")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise RuleError(f"{where}: id {rid!r} must read scope.category.name in lower case")
    where = f"{origin}: rule {rid}"
    unknown = set(raw) - _FIELDS
    if unknown:
        raise RuleError(f"{where}: unknown field(s) {sorted(unknown)}")
    kind = raw.get("kind", "line")
    if kind not in KINDS:
        raise RuleError(f"{where}: kind {kind!r} is not one of {KINDS}")
    action = raw.get("action", "drop")
    if action not in ACTIONS:
        raise RuleError(f"{where}: action {action!r} is not one of {ACTIONS}")
    weight = raw.get("weight", 1.0)
    if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
        raise RuleError(f"{where}: weight must be a positive number")
    max_words = raw.get("max_words")
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise RuleError(f"{where}: max_words must be a positive integer")

    regex = pattern = selector = feature = decision = gate = parsed = None
    needs = {"line": "pattern", "dom": "selector", "feature": "feature", "structure": "decision"}[
        kind
    ]
    for other in ("pattern", "selector", "feature", "decision"):
        if other != needs and other in raw:
            raise RuleError(f"{where}: a {kind} rule takes {needs!r}, not {other!r}")
    value = raw.get(needs)
    if not isinstance(value, str) or not value.strip():
        raise RuleError(f"{where}: a {kind} rule needs a non-empty {needs!r}")
    if kind == "line" and not probe:
        # a trusted file (the bundled rules, or a user's file checked before): compiled and
        # analysed on first use (``Rule.pattern``), or never when only its parts are searched
        regex = value
    elif kind == "line":  # a file to check (a user's)
        regex = value
        # parsed once for the compiled expression, the checks and the gate below
        parsed = parse_pattern(value)
        try:
            pattern = compile_parsed(value, parsed)
        except re.error as exc:
            raise RuleError(f"{where}: bad regular expression ({exc})") from None
        _check_backtracking(value, pattern, parsed, max_words, where)
        gate = gate_of(value, parsed)
    elif kind == "dom":
        # a trusted file's selectors are translated when the HTML mode compiles them
        selector = _check_selector(value, where) if probe else value
    elif kind == "structure":
        if value not in DECISIONS:
            raise RuleError(f"{where}: unknown decision {value!r}; known: {sorted(DECISIONS)}")
        decision = value
    else:
        if value not in FEATURES:
            raise RuleError(f"{where}: unknown feature {value!r}; known: {sorted(FEATURES)}")
        feature = value

    scope = rid.split(".", 1)[0]
    publishers = raw.get("publishers", [])
    if not isinstance(publishers, list) or not all(isinstance(p, str) for p in publishers):
        raise RuleError(f"{where}: publishers must be a list of domains")
    publishers = [p.lower().removeprefix("www.") for p in publishers]
    if scope == "generic" and publishers:
        raise RuleError(
            f"{where}: a generic rule takes no publishers; name the rule after the publisher"
        )
    if scope != "generic" and not publishers:
        raise RuleError(f'{where}: a publisher rule needs publishers = ["example.com"]')
    for p in publishers:
        if not _DOMAIN.match(p):
            raise RuleError(f"{where}: {p!r} is not a domain name")

    examples = _strings(raw, "examples", where)
    counter = _strings(raw, "counter_examples", where)
    if not examples:
        raise RuleError(f"{where}: give at least one example the rule must match")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise RuleError(f"{where}: description must be a string")
    rule = Rule(
        id=rid,
        kind=kind,
        action=action,
        weight=float(weight),
        regex=regex,
        selector=selector,
        feature=feature,
        decision=decision,
        publishers=tuple(publishers),
        max_words=max_words,
        max_chars=max_chars if kind == "line" else None,
        description=description,
        examples=examples,
        counter_examples=counter,
        origin=origin,
    )
    if pattern is not None:  # made and checked above: kept (``Rule.pattern`` is derived)
        for name, made in (("pattern", pattern), ("parsed", parsed), ("gate", gate)):
            object.__setattr__(rule, name, made)
    return rule


def _check_backtracking(
    value: str, pattern: re.Pattern[str], parsed: Any, max_words: int | None, where: str
) -> None:
    """Refuse a pattern whose search can take exponential time, or time growing as the cube
    of a line's length (or faster), on lines it does not match: by its shape, then by timed
    searches of short lines (exponential) and of lines of hundreds of characters (of at
    most ``max_words`` words: the rule is never searched on longer ones)."""
    hazard = backtracking_hazard(value, parsed)
    if hazard is None:
        line = slow_probe(pattern, parsed)
        if line is not None:
            hazard = f"searching a line of {len(line)} characters ({line[:10]!r}...) took too long"
    if hazard:
        raise RuleError(
            f"{where}: the pattern can take exponential time: {hazard}; rewrite it "
            "without a repetition inside a repetition (e.g. (a+)+ -> a+), or make the "
            "inner one possessive (a++) or atomic ((?>...))"
        )
    hazard = polynomial_hazard(value, parsed)
    if hazard is None:
        line = slow_long_probe(pattern, parsed, max_words)
        if line is not None:
            hazard = (
                f"searching a line of {len(line)} characters ({line[:10]!r}...) took over "
                f"{LONG_PROBE_LIMIT} s of CPU"
            )
    if hazard:
        raise RuleError(
            f"{where}: the pattern is too slow on long lines: {hazard}; make all repetitions "
            "but one possessive (\\w++) or atomic ((?>\\w+)), anchor the pattern (^...), "
            "put a required character between them (\\w+ \\w+), or bound them (\\w{1,40})"
        )


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RuleError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _check_selector(selector: str, where: str) -> str:
    from cssselect import GenericTranslator, SelectorError

    try:
        GenericTranslator().css_to_xpath(selector)
    except SelectorError as exc:
        raise RuleError(f"{where}: bad CSS selector ({exc})") from None
    return selector


@dataclass(frozen=True)
class RuleSet:
    """The active rules, in load order, with a version that changes with their content."""

    rules: tuple[Rule, ...]
    version: str = field(default="")
    # derived, immutable helpers built from ``rules`` on first use (e.g. the text-mode rule
    # matcher); a function of the rules alone, so it cannot make output depend on history
    _derived: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.version:
            blob = json.dumps([r.fingerprint() for r in self.rules], sort_keys=True)
            object.__setattr__(self, "version", hashlib.sha256(blob.encode()).hexdigest()[:12])

    def __getstate__(self) -> dict[str, Any]:
        # A copy in another process (a Dask worker) rebuilds the derived helpers on first
        # use: some of them (Aho-Corasick automata) cannot be pickled.
        return {**self.__dict__, "_derived": {}}

    def derived(self, key: Any, build: Callable[[], Any]) -> Any:
        """``build()`` for this rule set, built once (``key`` names what is built)."""
        value = self._derived.get(key)
        if value is None:
            value = self._derived[key] = build()
        return value

    def by_id(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def for_domain(
        self, domain: str | None, kinds: Sequence[str] = ("line", "feature")
    ) -> tuple[Rule, ...]:
        """The rules of the given kinds that apply to a page of ``domain`` (None: generic only)."""
        return tuple(r for r in self.rules if r.kind in kinds and r.applies_to(domain))


def build_ruleset(rule_groups: Iterable[Sequence[Rule]], disabled: Iterable[str] = ()) -> RuleSet:
    """Join rule files into one set.  Later files may not reuse an id; ``disabled`` ids
    must exist (a typo would otherwise silently keep the rule on)."""
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    for group in rule_groups:
        for rule in group:
            if rule.id in seen:
                raise RuleError(
                    f"{rule.origin}: rule {rule.id}: id already defined in {seen[rule.id].origin}; "
                    "pick another id, or disable the first with --disable-rule"
                )
            seen[rule.id] = rule
            rules.append(rule)
    off = set(disabled)
    missing = sorted(off - set(seen))
    if missing:
        raise RuleError(f"--disable-rule: no rule has the id(s) {missing}; see `newsclean rules`")
    return RuleSet(tuple(r for r in rules if r.id not in off))
