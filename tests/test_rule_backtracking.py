"""A line rule whose regular expression backtracks catastrophically is refused when its
file is loaded, with a one-line error naming the file and the rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cleaning.rules import RuleError, parse_rules
from cleaning.rules.patterns import PROBE_LENGTHS, backtracking_hazard, slow_probe
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
    with pytest.raises(RuleError, match=r"^my_rules\.toml: rule generic\.mine\.runaway: .*exponential"):
        _loaded(pattern, example)


@pytest.mark.parametrize("pattern", SOUND)
def test_sound_patterns_are_accepted(pattern: str) -> None:
    assert backtracking_hazard(pattern) is None
    assert slow_probe(re.compile(pattern)) is None


def test_every_bundled_pattern_passes_both_checks(ruleset) -> None:
    patterns = [r.pattern for r in ruleset.rules if r.pattern is not None]
    assert len(patterns) > 20
    for regex in patterns:
        assert backtracking_hazard(regex.pattern) is None, regex.pattern
        assert slow_probe(regex) is None, regex.pattern


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


def test_cli_exits_2_with_one_line_naming_the_file_and_the_rule(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(RULE.format(pattern="(a+)+$", example="aaa"), encoding="utf-8")
    done = run_cli("clean", str(SEEDS), "-o", str(tmp_path / "out"), "--rules", str(bad), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert str(bad) in lines[0] and "generic.mine.runaway" in lines[0]
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.parquet"))
