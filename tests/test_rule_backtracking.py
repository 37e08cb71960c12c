"""A line rule whose regular expression backtracks catastrophically (exponential time, or
time growing as the cube of a line's length) is refused when its file is loaded, with a
one-line error naming the file and the rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaning.rules import RuleError, parse_rules
from cleaning.rules.patterns import (
    PROBE_LENGTHS,
    backtracking_hazard,
    polynomial_degree,
    polynomial_hazard,
    slow_long_probe,
    slow_probe,
)
from tests.conftest import SEEDS, run_cli

RULE = """[[rule]]
id = "generic.mine.runaway"
kind = "line"
pattern = '{pattern}'
examples = ["{example}"]
"""

HAZARDS = [
    (r"(a+)+$", "aaa"),
    (r"(a*)*b", "aab"),
    (r"(\w+\s?)+$", "two words"),
    (r"(?:.*,)*x", "a,b,x"),
    (r"^(a|aa)+$", "aaa"),
    (r"(?i)^(?:[A-Z][a-z]+ ?)+$", "Sign Up Now"),
    (r"(?:a{1,3})+$", "aaaa"),
    (r"(x+x+)+y", "xxy"),
    (r"(.*a){12}", "aaaaaaaaaaaa"),
]
SOUND = [
    r"(?i)^sign up for our newsletter",
    r"(?:\w+\s){0,5}end",
    r"\w+(?:\s+\w+)*$",
    r"^(?:[A-Z][a-z]+ ?)+$",  # case-sensitive: each round starts at the one capital
    r"(a++)+$",  # possessive: gives nothing back
    r"(?>a+)+$",  # atomic
    r"\d{1,3}(?:,\d{3})+",
    r"^(?:Mr|Mrs|Ms)\.? \w+",
    r"[\w.-]+@[\w-]+\.\w+",
    r"(\w|\d)+$",  # the parser merges the alternatives into one class
    r"^By\s+[A-Z]\w*(?:\s+(?:[A-Z]\w*|de|e|en|et|,))*$",  # rounds begin with white space
]


def _loaded(pattern: str, example: str) -> None:
    parse_rules(RULE.format(pattern=pattern, example=example), "my_rules.toml")


@pytest.mark.parametrize(("pattern", "example"), HAZARDS)
def test_hazardous_patterns_are_refused_at_load(pattern: str, example: str) -> None:
    with pytest.raises(
        RuleError, match=r"^my_rules\.toml: rule generic\.mine\.runaway: .*exponential"
    ):
        _loaded(pattern, example)


@pytest.mark.parametrize("pattern", SOUND)
def test_sound_patterns_are_accepted(pattern: str) -> None:
    assert backtracking_hazard(pattern) is None
    assert slow_probe(re.compile(pattern)) is None


def test_every_bundled_pattern_passes_the_checks(ruleset) -> None:
    rules = [r for r in ruleset.rules if r.pattern is not None]
    assert len(rules) > 20
    for rule in rules:
        regex = rule.pattern
        assert regex is not None
        assert backtracking_hazard(regex.pattern) is None, regex.pattern
        assert slow_probe(regex) is None, regex.pattern
        assert polynomial_hazard(regex.pattern) is None, regex.pattern
        assert slow_long_probe(regex, max_words=rule.max_words) is None, regex.pattern


def test_the_timed_probe_catches_what_the_shape_check_would_miss_before_its_longest_line() -> None:
    regex = re.compile(r"(a+)+$")
    line = slow_probe(regex)
    assert line is not None
    # the line it gives up on is a run of the pumped character with a tail that breaks the
    # match: the adversarial case, not a matching line that was merely long
    run = line.rstrip("\x00!")
    assert set(run) == {"a"} and line != run and regex.fullmatch(run)
    # it stopped at the first length that was slow, before its longest one: the time of a
    # search doubles with each character, so the longest (32) would take minutes
    assert len(run) in PROBE_LENGTHS and len(run) < PROBE_LENGTHS[-1]


# (a pattern whose search is cubic or worse on a line it does not match, its rewrite that
# matches the same lines in at most quadratic time, an example both match)
POLYNOMIAL = [
    (r"\w+\s*\w+!", r"\w++\s*\w+!", "two words!"),  # possessive: the first gives nothing back
    (r"\d+\.?\d+x", r"\d+(?:\.\d+|\d)x", "1.5x"),  # a required character between them
    (r".*.*=", r".*=", "a=b"),
    (r"\w*\w*!", r"\w*!", "word!"),
    (r"Sign up.*.*!", r"^.*Sign up.*!", "Sign up now!"),  # anchored: no start positions
    (r"\w+\s+:\s*\s*!", r"\w+\s+:\s*!", "name : !"),  # two runs: letters, then spaces
    (r"(?i)follow\w*\w+!", r"(?i)follow\w{0,40}\w+!", "Follows!"),  # bounded; a run of "follow"s
    (r"(?i)\bmore\b.*.*!", r"(?i)\bmore\b.*!", "More to come!"),  # "more more more ...", \b and all
]
SOUND_ON_LONG_LINES = [
    r"\w+ \w+!",  # the space pins where the first ends
    r"\b\w+\b",
    r"\w+\s+\w+!",
    r"(?:\w+ )?\w+!",
    r"^\w+\s*\w+!",
    r"(?>\w+)\s*\w+!",
    r"Read more: \w+\s*\w+!",  # its literal cannot be repeated inside the run
    r"\w+\w*",  # nothing after them can fail
    r"(?i)^.*\bsubscribe\b.*$",
]


@pytest.mark.parametrize(("pattern", "rewrite", "example"), POLYNOMIAL)
def test_cubic_patterns_are_refused_at_load_and_their_rewrites_accepted(
    pattern: str, rewrite: str, example: str
) -> None:
    with pytest.raises(RuleError) as refused:
        _loaded(pattern, example)
    message = str(refused.value)
    assert message.startswith("my_rules.toml: rule generic.mine.runaway: ") and "\n" not in message
    assert "too slow on long lines" in message and "n**3" in message
    assert "possessive" in message and "^" in message and "{1,40}" in message
    (rule,) = parse_rules(RULE.format(pattern=rewrite, example=example), "my_rules.toml")
    old = re.compile(pattern)
    for line in (example, "x " + example, example.upper(), "no match here", "a" * 300 + "\x00"):
        assert rule.matches_text(line) == (old.search(line) is not None), line


@pytest.mark.parametrize("pattern", SOUND_ON_LONG_LINES)
def test_patterns_of_the_same_shape_that_are_sound_are_accepted(pattern: str) -> None:
    assert polynomial_degree(pattern)[0] <= 2
    assert parse_rules(RULE.format(pattern=pattern, example="x"), "my_rules.toml", probe=False)
    try:
        _loaded(pattern, "x")
    except RuleError as exc:  # only the example may be wrong: no check refused it
        raise AssertionError(exc) from None


def test_the_long_probe_catches_a_repeated_string_the_shape_check_does_not_follow() -> None:
    pattern = r"(?:ab)+(?:ab)+!"  # cubic on "abab...ab": runs of a two-character string
    assert polynomial_hazard(pattern) is None
    with pytest.raises(RuleError, match=r"too slow on long lines: searching a line of \d+ char"):
        _loaded(pattern, "abab!")


@pytest.mark.parametrize("pattern", ["(a+)+$", r"\w+\s*\w+!"])
def test_cli_exits_2_with_one_line_naming_the_file_and_the_rule(
    tmp_path: Path, pattern: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(RULE.format(pattern=pattern, example="aaa"), encoding="utf-8")
    done = run_cli(
        "clean", str(SEEDS), "-o", str(tmp_path / "out"), "--rules", str(bad), timeout=60
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(bad) in lines[0] and "generic.mine.runaway" in lines[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.parquet"))


BOUNDED = """[[rule]]
id = "generic.house.sponsor"
pattern = "(?i)^this article is brought to you by"
examples = ["This article is brought to you by Acme"]

[[rule]]
id = "generic.house.shout"
action = "evidence"
pattern = '\\w+ says!'
examples = ["Acme says!"]
"""


@pytest.mark.parametrize("automaton", [True, False])
def test_user_line_rules_are_not_searched_on_lines_over_the_bound(ruleset, automaton) -> None:
    from cleaning.rules import build_ruleset
    from cleaning.rules.engine import USER_LINE_CHARS
    from cleaning.text.matcher import RuleMatcher

    user = parse_rules(BOUNDED, "house.toml")
    assert {r.max_chars for r in user} == {USER_LINE_CHARS}
    assert {r.max_chars for r in ruleset.rules} == {None}  # the bundled rules: no bound
    rules = [r for r in build_ruleset([ruleset.rules, user]).rules if r.kind in ("line", "feature")]
    matcher = RuleMatcher(rules, automaton=automaton)
    for head, rule_id in (
        ("This article is brought to you by Acme", "generic.house.sponsor"),
        ("Acme says!", "generic.house.shout"),
    ):
        rule = next(r for r in user if r.id == rule_id)
        for size, fires in ((USER_LINE_CHARS, True), (USER_LINE_CHARS + 1, False)):
            line = (head + " " + "x" * size)[:size]
            assert rule.matches_text(line) is fires
            verdict = matcher.judge(line, len(line.split()))
            assert (rule_id in (verdict.drop, verdict.evidence_id)) is fires, (rule_id, size)


def test_cli_a_user_rule_removes_a_short_line_but_leaves_a_line_over_the_bound(
    tmp_path: Path,
) -> None:
    rules = tmp_path / "house.toml"
    rules.write_text(BOUNDED, encoding="utf-8")
    long = "This article is brought to you by Acme and " + "its partners in the region " * 200
    doc = tmp_path / "in" / "a.txt"
    doc.parent.mkdir()
    doc.write_text(
        "The council approved the new budget on Tuesday after a long debate among its members.\n"
        "This article is brought to you by Acme Insurance\n"
        "Members said the plan would protect local services for at least five more years.\n"
        f"{long}\n"
        "The mayor said the vote was close but fair and that work would start next spring.\n",
        encoding="utf-8",
    )
    out = run_cli("explain", str(doc), "--rules", str(rules))
    assert out.returncode == 0, out.stderr
    removed = [line for line in out.stdout.splitlines() if line.startswith("- [generic.house")]
    assert removed == ["- [generic.house.sponsor] This article is brought to you by Acme Insurance"]
