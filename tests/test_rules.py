"""The rule registry: every bundled rule's examples, and the validation of rule files."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from lxml import html as lxml_html

from cleaning.rules import Rule, RuleError, build_ruleset, parse_rules
from cleaning.text import decision_fires
from pipelines.rulefiles import bundled_rule_files, load_ruleset
from tests.conftest import run_cli


def _dom_matches(rule: Rule, fragment: str) -> bool:
    """Whether the rule's selector matches in the fragment, by two independent CSS engines:
    lxml's cssselect (what the cleaner uses) and BeautifulSoup's soupsieve, which must agree."""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    by_lxml = any(el is not root for el in root.cssselect(rule.selector or ""))
    soup = BeautifulSoup(f"<div>{fragment}</div>", "lxml")
    by_soup = bool(soup.body.div.select(rule.selector or "")) if soup.body and soup.body.div else False
    assert by_lxml == by_soup, f"{rule.id}: cssselect and soupsieve disagree on {fragment!r}"
    return by_lxml


def _fires(rule: Rule, example: str) -> bool:
    if rule.kind == "dom":
        return _dom_matches(rule, example)
    if rule.kind == "structure":
        return decision_fires(rule, example)
    return rule.matches_text(example)


def _all_rules() -> list[Rule]:
    return list(load_ruleset().rules)


@pytest.mark.parametrize("rule", _all_rules(), ids=lambda r: r.id)
def test_every_rule_fires_on_its_examples_and_not_on_its_counter_examples(rule: Rule) -> None:
    assert rule.examples, f"{rule.id} has no example"
    for example in rule.examples:
        assert _fires(rule, example), f"{rule.id} ({rule.origin}) misses its example {example!r}"
    for counter in rule.counter_examples:
        assert not _fires(rule, counter), f"{rule.id} ({rule.origin}) fires on counter-example {counter!r}"


def test_registry_is_not_trivial_and_covers_the_categories_users_complain_about() -> None:
    rules = _all_rules()
    categories = {r.category for r in rules}
    assert len(rules) >= 20
    for needed in ("newsletter", "donation", "comments", "copyright", "jobs", "cookies"):
        assert needed in categories, f"no rule of category {needed}"
    assert len({r.id for r in rules}) == len(rules)


def test_every_bundled_file_parses_on_its_own() -> None:
    files = bundled_rule_files()
    assert files
    for name, text in files:
        assert parse_rules(text, name), f"{name} declares no rule"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('id = "x"', "unknown top-level"),
        ('[[rule]]\nid = "generic.a"\npattern = "x"\nexamples = ["x"]', "scope.category.name"),
        ('[[rule]]\nid = "generic.a.b"\npattern = "(unclosed"\nexamples = ["x"]', "bad regular expression"),
        ('[[rule]]\nid = "generic.a.b"\npattern = "x"\nexamples = ["x"]\ncolour = 1', "unknown field"),
        ('[[rule]]\nid = "generic.a.b"\npattern = "x"', "at least one example"),
        ('[[rule]]\nid = "site.a.b"\npattern = "x"\nexamples = ["x"]', "publishers"),
        ('[[rule]]\nid = "generic.a.b"\nkind = "dom"\nselector = "div[["\nexamples = ["<div></div>"]', "CSS selector"),
        ('[[rule]]\nid = "generic.a.b"\nkind = "feature"\nfeature = "nope"\nexamples = ["x"]', "unknown feature"),
        ('[[rule]]\nid = "generic.a.b"\npattern = "x"\nexamples = ["x"]\n[[rule]]\nid = "generic.a.b"\npattern = "y"\nexamples = ["y"]', "duplicate id"),
        ("[[rule]\n", "not valid TOML"),
    ],
)
def test_invalid_rule_files_are_rejected_with_file_and_rule_named(body: str, message: str) -> None:
    with pytest.raises(RuleError) as err:
        parse_rules(body, "my_rules.toml")
    assert "my_rules.toml" in str(err.value)
    assert message in str(err.value)


def test_user_rules_cannot_reuse_a_bundled_id_and_disable_needs_a_known_id() -> None:
    first = _all_rules()[0]
    clash = parse_rules(
        f'[[rule]]\nid = "{first.id}"\npattern = "zzz"\nexamples = ["zzz"]', "mine.toml"
    )
    with pytest.raises(RuleError, match="already defined"):
        build_ruleset([_all_rules(), clash])
    with pytest.raises(RuleError, match="no rule has the id"):
        build_ruleset([_all_rules()], disabled=["generic.nope.nothing"])


def test_disabling_a_rule_removes_it_and_changes_the_version() -> None:
    full = load_ruleset()
    rid = full.rules[0].id
    less = load_ruleset(disabled=[rid])
    assert rid not in {r.id for r in less.rules}
    assert len(less.rules) == len(full.rules) - 1
    assert less.version != full.version


def test_publisher_rules_apply_only_to_their_domains() -> None:
    (rule,) = parse_rules(
        '[[rule]]\nid = "example.promo.pitch"\npublishers = ["example.com"]\n'
        'pattern = "Subscribe to Example"\nexamples = ["Subscribe to Example"]',
        "mine.toml",
    )
    ruleset = build_ruleset([[rule]])
    assert ruleset.for_domain("news.example.com") == (rule,)
    assert ruleset.for_domain("example.org") == ()
    assert ruleset.for_domain(None) == ()


def test_cli_user_rule_file_removes_a_line_with_its_id(tmp_path: Path) -> None:
    rules = tmp_path / "house.toml"
    rules.write_text(
        '[[rule]]\nid = "generic.house.sponsor"\npattern = "(?i)^this article is brought to you by"\n'
        'examples = ["This article is brought to you by Acme"]\n'
        'counter_examples = ["Acme said the article was wrong."]\n',
        encoding="utf-8",
    )
    doc = tmp_path / "in" / "a.txt"
    doc.parent.mkdir()
    doc.write_text(
        "The council approved the new budget on Tuesday after a long debate among its members.\n"
        "This article is brought to you by Acme Insurance\n"
        "Members said the plan would protect local services for at least five more years.\n",
        encoding="utf-8",
    )
    out = run_cli("explain", str(doc), "--rules", str(rules))
    assert out.returncode == 0, out.stderr
    assert "- [generic.house.sponsor] This article is brought to you by Acme Insurance" in out.stdout
    listed = run_cli("rules", "--rules", str(rules))
    assert "generic.house.sponsor" in listed.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "generic.house.x"\npattern = "("\nexamples = ["x"]\n', encoding="utf-8")
    broken = run_cli("rules", "--rules", str(bad))
    assert broken.returncode == 2
    assert "bad.toml" in broken.stderr and "generic.house.x" in broken.stderr


def test_a_rule_pattern_is_the_expression_re_compile_gives() -> None:
    # the engine compiles each pattern from the parse it reads the gate from: the object must
    # be the one re.compile makes, for every bundled pattern and each alternative the text
    # matcher tests on its own; a pattern that does not compile is still refused
    import re

    from cleaning.rules.patterns import compile_parsed, parse_pattern, parsed_branches

    patterns = [r.pattern for r in load_ruleset().rules if r.pattern is not None]
    assert patterns
    for compiled in patterns:
        assert compiled == re.compile(compiled.pattern)
        for part, _, alone in parsed_branches(compiled.pattern):
            assert alone is None or alone == re.compile(part)
    named = compile_parsed(r"(?i)(?P<word>ab+)\1", parse_pattern(r"(?i)(?P<word>ab+)\1"))
    assert named == re.compile(r"(?i)(?P<word>ab+)\1") and named.groupindex == {"word": 1}
    with pytest.raises(re.error):
        compile_parsed(r"(?<=a+)b", parse_pattern(r"(?<=a+)b"))  # look-behind of no fixed width
    bad = """
[[rule]]
id = "generic.test.lookbehind"
pattern = "(?<=a+)b"
examples = ["ab"]
"""
    with pytest.raises(RuleError, match="bad regular expression"):
        parse_rules(bad, "bad.toml")


def test_a_trusted_rule_file_compiled_on_first_use_is_the_checked_one() -> None:
    # the bundled files are parsed without the checks (probe=False): their patterns are
    # compiled when first used.  The rule set must be the one a checked parse gives: the same
    # rules_version, the same compiled patterns and gates, the same verdicts of the text
    # matcher, whose alternatives are compiled on their first search
    from cleaning.text.matcher import RuleMatcher

    for name, text in bundled_rule_files():
        lazy, checked = parse_rules(text, name, probe=False), parse_rules(text, name)
        assert build_ruleset([lazy]).version == build_ruleset([checked]).version
        for a, b in zip(lazy, checked, strict=True):
            assert a == b and a.pattern == b.pattern and a.gate == b.gate
    rules = [r for r in load_ruleset().rules if r.kind in ("line", "feature")]
    lines = [s for r in rules for s in (*r.examples, *r.counter_examples)]
    lines += [s.upper() for s in lines]
    matcher = RuleMatcher(rules)
    for line in lines:
        words = len(line.split())
        fired = [r for r in rules if r.matches_text(line)]
        verdict = matcher.judge(line, words)
        drop = next((r.id for r in fired if r.action == "drop"), None)
        assert verdict.drop == drop, line
        if drop is None:
            evidence = [r for r in fired if r.action == "evidence"]
            assert verdict.evidence == pytest.approx(sum(r.weight for r in evidence)), line
            strongest = max(evidence, key=lambda r: r.weight) if evidence else None
            assert verdict.evidence_id == (strongest.id if strongest else None), line
        assert matcher.judge(line, words) == verdict  # the same once its units are compiled
