"""Text mode: segmentation, glued blocks, repetition statistics, body mode, rule matching."""

from __future__ import annotations

import hashlib
import json
import random
import re

import pytest

from cleaning.record import CleanedRecord, count_words
from cleaning.rules.features import FEATURES, PRETESTS
from cleaning.rules.patterns import (
    after_anchor,
    gate_of,
    literal_gate,
    openings,
    parse_pattern,
    second_gate,
)
from cleaning.text import clean_text
from cleaning.text.lines import split_glued, split_lines
from cleaning.text.matcher import RuleMatcher, _units
from cleaning.text.repetition import (
    RepetitionStats,
    build_stats,
    document_hashes,
    document_lines,
    line_hash,
    normalise_line,
)
from cleaning.text.segment import NO_VERDICT, Verdict
from pipelines.rulefiles import load_ruleset

PARAS = [
    "The council voted on Tuesday to close the old library, which has served the town since "
    "1902, after a long review of its running costs.",
    "Residents said they would campaign to keep the building open for the children and the "
    "elderly who use it every day, and a petition has already gathered 3,000 names.",
    "The decision will be reviewed by the full council at its meeting in the spring, a "
    "spokesman for the authority said on Wednesday evening.",
]
NAV = ["Home", "  News", "  Sport", "  Weather", "  Business", "Sign In", "Search"]
FOOTER = [
    "Related Articles",
    "  Bridge repairs to start in May",
    "  New mayor sworn in",
    "Privacy Policy",
    "Terms of Use",
    "© 2024 The Valley Gazette",
]


def page(*paragraphs: str, nav=NAV, footer=FOOTER, headline="Town library to close") -> str:
    return "\n".join([*nav, "", headline, "", *paragraphs, "", *footer])


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


def test_dump_mode_keeps_the_article_and_names_a_declared_rule_for_every_removal(rules) -> None:
    record = clean_text(page(*PARAS), rules=rules)
    assert record.text.split("\n") == PARAS
    assert record.title == "Town library to close"
    declared = {r.id for r in rules.rules}
    assert record.removed and all(r.rule_id in declared for r in record.removed)
    removed = [r.text for r in record.removed]
    # document order, every menu and footer line accounted for
    assert removed == [line.strip() for line in [*NAV, *FOOTER]]
    assert "generic.structure.outside_article" in {r.rule_id for r in record.removed}


def test_same_input_same_output_whatever_was_cleaned_before(rules) -> None:
    other = page(
        "A completely different story about the harbour, with many boats and crews "
        "that sail out every morning before dawn.",
        headline="Harbour news",
    )
    alone = clean_text(page(*PARAS), rules=rules)
    clean_text(other, rules=rules)
    again = clean_text(page(*PARAS), rules=rules)
    assert alone == again and alone.removed == again.removed


def test_disabling_a_structural_rule_switches_that_decision_off() -> None:
    rules = load_ruleset(disabled=["generic.structure.outside_article"])
    record = clean_text(page(*PARAS), rules=rules)
    assert "Weather" in record.text.split("\n")  # menu items are no longer removed
    assert all(r.rule_id != "generic.structure.outside_article" for r in record.removed)


def test_a_page_without_prose_is_not_an_article(rules) -> None:
    record = clean_text("\n".join([*NAV, *FOOTER]), rules=rules)
    assert record.text == ""
    assert record.drop_reason == "not_article:no_text"
    assert len(record.removed) == len(NAV) + len(FOOTER)
    assert clean_text("", rules=rules, mode="body").drop_reason is None
    for empty in ("", "  \n\n\t\n", "Hello"):
        assert clean_text(empty, rules=rules).drop_reason == "not_article:no_text"


def test_mode_must_be_known(rules) -> None:
    with pytest.raises(ValueError, match="mode"):
        clean_text("text", rules=rules, mode="html")


def test_body_mode_removes_local_boilerplate_and_keeps_order_and_crossheads(rules) -> None:
    body = "\n".join(
        [
            PARAS[0],
            "Advertisement",
            "A long campaign",
            PARAS[1],
            "Sign up for our free newsletter",
            PARAS[2],
        ]
    )
    record = clean_text(body, rules=rules, mode="body")
    assert record.text.split("\n") == [PARAS[0], "A long campaign", PARAS[1], PARAS[2]]
    assert [r.rule_id for r in record.removed] == ["generic.ads.label", "generic.newsletter.signup"]
    assert record.title is None


def test_glued_blocks_are_split_but_abbreviations_are_not() -> None:
    assert split_glued(
        "Your support makes all the difference.Cabinet minister Danny Alexander "
        "today accused some leaders."
    ) == [
        "Your support makes all the difference.",
        "Cabinet minister Danny Alexander today accused some leaders.",
    ]
    assert split_glued(
        "'Harden opinions'Mr Alexander told the Guardian the strike was a distraction."
    ) == ["'Harden opinions'", "Mr Alexander told the Guardian the strike was a distraction."]
    for text in (
        "He moved to the U.S.A. in 1990 and later to Canada with his family.",
        "The firm, e.g. Acme Ltd., said revenue rose at its St. Louis plant.",
        "Mr. Smith met Dr. Jones at 10 a.m. Tuesday to discuss the iPhone sales.",
    ):
        assert split_glued(text) == [text]


def test_a_chain_of_calls_in_code_is_not_read_as_glued_sentences() -> None:
    # a capitalised method after a dot is no sentence: the line of code stays whole
    for code in (
        'client, err := store.OpenReader(cfg.Path("data"))',
        "total = ledger.Balance(account).Round(2)",
        "const box = layout.FlexBox(parent.Children)",
    ):
        assert split_glued(code) == [code]
        assert [line.text for line in split_lines(code)] == [code]
    # a glued sentence whose second word is followed by a comma or the line's end still splits
    assert split_glued("The vote was close.However, the motion passed.") == [
        "The vote was close.",
        "However, the motion passed.",
    ]


def test_glued_blocks_are_cut_at_every_glued_sentence_end_and_nowhere_else() -> None:
    # the definition: two lower-case letters, .!? and an optional closing quote before the
    # cut, after it a capitalised word that ends as a word does (tried at every character)
    after = r"(?=[A-Z][a-z]+(?:[\s,;:!?'’\"”]|$))"
    cut = re.compile(rf"(?<=[a-z]{{2}}[.!?]){after}|(?<=[a-z]{{2}}[.!?][\"”’']){after}")
    rnd = random.Random(7)
    for _ in range(5000):
        # closing quotes only: a block opening with a quote is a crosshead case of its own
        text = "".join(rnd.choice('ab.!?”’" Cd') for _ in range(rnd.randint(1, 40))).strip()
        if text[:1] not in ("", '"'):
            assert split_glued(text) == [p.strip() for p in cut.split(text) if p.strip()], text


def test_split_lines_finds_glued_blocks_behind_straight_and_curly_quotes() -> None:
    text = (
        "Home\n  News\n"
        "Your support makes all the difference.Cabinet minister Danny Alexander spoke.\n"
        "\u201cIt is a distraction,\u201d he said.\u201dThe union disagreed on Monday night.\n"
        "It\u2019s been a long year for the town\u2019s library and its readers.\n"
    )
    assert [line.text for line in split_lines(text)] == [
        "Home",
        "News",
        "Your support makes all the difference.",
        "Cabinet minister Danny Alexander spoke.",
        "\u201cIt is a distraction,\u201d he said.\u201d",
        "The union disagreed on Monday night.",
        "It\u2019s been a long year for the town\u2019s library and its readers.",
    ]


def test_lines_in_scripts_without_spaces_count_by_their_characters() -> None:
    (line,) = split_lines(
        "先日、不正に改造したスマートフォンを販売したとして、男性が逮捕されました。"
    )
    assert line.words == 1  # what max_words of a rule counts
    assert line.size >= 10 and line.terminal


def test_zero_width_and_separator_lines_do_not_break_the_article(rules) -> None:
    text = page(PARAS[0], "\u200d", PARAS[1], "* * *", PARAS[2])
    record = clean_text(text, rules=rules)
    assert record.text.split("\n") == PARAS


# ---------------------------------------------------------------- repetition statistics

PROMO = "The Valley Gazette has reported on the farms and families of the valley for a century."


def _docs() -> list[tuple[str, str]]:
    stories = [
        "Flood defences along the river will be raised by a metre before the winter, the agency "
        "said on Monday morning after a long consultation.",
        "The new bridge will open to traffic in March, two years later than planned, after the "
        "contractor went bust last year and the work stopped.",
        PARAS[0],
        PARAS[1],
    ]
    return [("gazette", f"{story}\n{PROMO}\nPosted 12 May 2024") for story in stories]


def test_line_normalisation_is_the_cc_net_regular_expressions_on_every_kind_of_character() -> None:
    # the fast paths (a translate table for ASCII, str.split for spaces) must agree with the
    # definition: lower case, \d -> 0, [^\w\s]|_ -> space, runs of \s collapsed, stripped
    def definition(line: str) -> str:
        text = re.sub(r"[^\w\s]|_", " ", re.sub(r"\d", "0", line.lower()))
        return re.sub(r"\s+", " ", text).strip()

    points = [*range(0x300), *range(0x2000, 0x2070), *range(0x3000, 0x3040), 0x0663, 0xFF11]
    points += [0x10400, 0x1D7CE, 0x1F600, 0xE0041]  # beyond the BMP: a letter, a digit, others
    for char in map(chr, points):
        for line in (char, f"Ab{char}c", f" {char}9 x_y\t"):
            assert normalise_line(line) == definition(line), repr(line)
            norm = definition(line).encode("utf-8")
            digest = hashlib.blake2b(norm, digest_size=8).hexdigest() if norm else ""
            assert line_hash(line) == digest, repr(line)


def test_a_documents_line_hashes_are_those_of_its_lines_one_by_one() -> None:
    # document_hashes normalises all lines of a document as one string: every kind of
    # character, every line break, and a capital sigma (lower-cased by what stands around
    # it) at the ends of lines give the hashes of the lines taken one by one
    points = [*range(0x300), *range(0x2000, 0x2070), *range(0x3000, 0x3040), 0x0663, 0xFF11]
    points += [0x10400, 0x1D7CE, 0x1F600, 0xE0041, 0x3A3]
    chars = list(map(chr, points))
    rng = random.Random(7)
    breaks = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\n\n"]
    lines = ["ΟΔΟΣ", "Σ", "ΑΣ b", "  ", "--", "x"]
    lines += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(400)]
    text = "".join(line + rng.choice(breaks) for line in lines)
    expected = {line_hash(line) for line in text.splitlines()} - {""}
    assert document_hashes(text) == expected
    assert document_hashes("") == set() and document_hashes("\n -- \n") == set()


def test_word_count_is_the_number_of_word_runs_on_every_kind_of_character() -> None:
    # count_words finds \w+ runs by byte tables, not the regular expression: they must agree
    points = [*range(0x300), *range(0x2000, 0x2070), *range(0x3000, 0x3040), 0x0663, 0xFF11]
    points += [0x10400, 0x1D7CE, 0x1F600, 0xE0041, 0xD800]  # beyond the BMP, a lone surrogate
    chars = list(map(chr, points))
    rng = random.Random(5)
    texts: list[str] = []
    for char in chars:
        texts += [char, f"Ab{char}c", f" {char}9 x_y\t", f"{char}{char}word"]
    texts += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    texts.append("".join(chars) * 2)  # more distinct symbols than are replaced one by one
    for text in texts:
        assert count_words(text) == len(re.findall(r"\w+", text)), repr(text)
    assert CleanedRecord(text="Élan, 2024: naïve_test—done").word_count == 4


def test_stats_count_documents_per_group_and_normalise_digits_and_case() -> None:
    docs = _docs() + [("gazette", f"{PROMO}\n{PROMO}"), ("other", PROMO)]
    stats = build_stats(docs)
    assert stats.docs == {"gazette": 5, "other": 1}
    assert stats.doc_freq("gazette", PROMO) == 5  # twice in one document counts once
    assert stats.doc_freq("other", PROMO) == 1
    assert stats.doc_freq("gazette", "POSTED 13 may 2025") == 4
    assert line_hash("©Press Association 2012") == line_hash("© press association, 2013")
    assert stats.doc_freq("gazette", "never seen") == 0


def test_stats_do_not_depend_on_document_order_and_survive_json() -> None:
    docs = _docs()
    shuffled = list(docs)
    random.Random(7).shuffle(shuffled)
    a, b = build_stats(docs), build_stats(shuffled)
    assert json.dumps(a.to_json()) == json.dumps(b.to_json())
    back = RepetitionStats.from_json(json.loads(json.dumps(a.to_json())))
    assert back == a
    with pytest.raises(ValueError, match="rebuild"):
        RepetitionStats.from_json({"version": 99, "groups": {}, "docs": {}})


def test_copies_of_a_document_count_once_and_old_stats_still_read() -> None:
    docs = _docs()
    story = docs[0][1]
    # the same page saved again: other digits, case, spacing and line order do not matter
    copies = [
        ("gazette", story.upper()),
        ("gazette", "\n".join(reversed(story.split("\n")))),
        ("gazette", story.replace("12 May", "21  May,")),
    ]
    stats = build_stats(docs + copies)
    assert stats.to_json() == build_stats(docs).to_json()
    assert stats.docs == {"gazette": 4}
    assert stats.doc_freq("gazette", PROMO) == 4
    # a document with one line more is another document
    assert build_stats([*docs, ("gazette", story + "\nOne more line")]).docs == {"gazette": 5}
    old = {"version": 1, "docs": {"gazette": 2}, "groups": {"gazette": {line_hash(PROMO): 2}}}
    back = RepetitionStats.from_json(old)
    assert back.doc_freq("gazette", PROMO) == 2 and back.seen == {}


def test_a_line_repeated_across_a_source_is_removed_as_template_only_with_stats(rules) -> None:
    stats = build_stats(_docs())
    text = _docs()[2][1]
    without = clean_text(text, rules=rules)
    assert PROMO in without.text.split("\n")
    record = clean_text(text, rules=rules, domain="gazette", stats=stats)
    assert PROMO not in record.text.split("\n")
    assert ("generic.repetition.template", PROMO) in [(r.rule_id, r.text) for r in record.removed]
    assert record.text.startswith(PARAS[0])
    # the group is found by domain, or is the only group the stats hold
    only = clean_text(text, rules=rules, stats=stats.for_group("gazette"))
    assert only.text == record.text


def test_the_statistics_pass_hashes_each_line_as_line_hash_does_by_its_stripped_text() -> None:
    # document_lines fills the table the cleaning pass looks its lines up in: the hash of
    # every line, indented, blank, symbols only or of any kind of character, by its text
    # stripped (what a Line holds), with the document's hashes and fingerprint unchanged
    points = [*range(0x300), *range(0x2000, 0x2070), *range(0x3000, 0x3040), 0x3A3, 0x1F600]
    chars = list(map(chr, points))
    rng = random.Random(11)
    lines = ["  Indented menu", "Trailing space \t", "", "  ", "--", "ΑΣ", "\u3000Ideographic"]
    lines += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 12))) for _ in range(300)]
    text = "\n".join(lines)
    table: dict[str, str] = {}
    assert document_lines(text, table) == document_lines(text)
    assert all(table[line.strip()] == line_hash(line) for line in text.splitlines())
    # the documents build_stats is asked to, and only those
    tables: dict[str, dict[str, str]] = {"b": {}}
    stats = build_stats([("g", text, "a"), ("g", PROMO, "b")], tables)
    assert tables["b"] == {PROMO: line_hash(PROMO)}
    assert stats == build_stats([("g", text, "a"), ("g", PROMO, "b")])


def test_cleaning_with_the_line_hashes_of_the_statistics_pass_changes_nothing(rules) -> None:
    # a line the table does not hold (a glued block split in two) is hashed as before
    docs = _docs()
    stats = build_stats(docs).for_group("gazette")
    text = docs[2][1] + f"\nA story ends here.{PROMO}"
    table: dict[str, str] = {}
    document_lines(text, table)
    plain = clean_text(text, rules=rules, stats=stats)
    assert clean_text(text, rules=rules, stats=stats, line_hashes=table) == plain
    assert clean_text(text, rules=rules, stats=stats, line_hashes={PROMO: line_hash(PROMO)}) == plain


def test_the_stats_remember_line_hashes_without_changing_them() -> None:
    import pickle

    stats = build_stats(_docs())
    view = stats.for_group("gazette")
    lines = [PROMO, "Ünïcode ✓ 12", "", "A menu item", PROMO.upper()]
    assert [view.hash_of(line) for line in lines] == [line_hash(line) for line in lines]
    assert [stats.hash_of(line) for line in lines] == [line_hash(line) for line in lines]
    assert pickle.loads(pickle.dumps(view)) == view  # the remembered hashes are no state
    assert pickle.loads(pickle.dumps(view))._hashed == {}


def test_template_hashes_are_the_lines_of_enough_documents_and_a_small_group_has_none() -> None:
    docs = _docs() + [("pair", f"{PROMO}\nOne story"), ("pair", f"{PROMO}\nAnother story")]
    stats = build_stats(docs)
    assert stats.template_hashes("gazette") == {line_hash(PROMO), line_hash("Posted 12 May 2024")}
    assert stats.for_group("gazette").template_hashes("gazette") == stats.template_hashes("gazette")
    assert stats.doc_freq("pair", PROMO) == 2 and stats.template_hashes("pair") == frozenset()
    # a promo in two documents of a group is kept (and its paragraphs are not hashed)
    record = clean_text(
        docs[-1][1] + "\n" + PARAS[0], rules=load_ruleset(), stats=stats.for_group("pair")
    )
    assert PROMO not in [r.text for r in record.removed if r.rule_id.endswith("template")]
    assert PROMO in record.text.split("\n")


# ---------------------------------------------------------------- fast rule matching


def _naive(rules_list, text: str) -> Verdict:
    """The verdict the engine's own Rule.matches_text gives, rule by rule."""
    for rule in rules_list:
        if rule.action == "drop" and rule.matches_text(text):
            return Verdict(drop=rule.id)
    weight, best_id, best_w = 0.0, None, 0.0
    for rule in rules_list:
        if rule.action != "drop" and rule.matches_text(text):
            weight += rule.weight
            if rule.weight > best_w:
                best_id, best_w = rule.id, rule.weight
    return Verdict(evidence=weight, evidence_id=best_id) if best_id else NO_VERDICT


@pytest.mark.parametrize("automaton", [True, False])
def test_the_fast_matcher_gives_the_engines_verdict_on_every_example_and_page_line(
    rules, automaton: bool
) -> None:
    active = [r for r in rules.for_domain(None) if r.kind in ("line", "feature")]
    matcher = RuleMatcher(active, automaton=automaton)
    texts = [t for r in active for t in (*r.examples, *r.counter_examples)]
    texts += [line.text for line in split_lines(page(*PARAS))]
    assert len(texts) > 50
    for text in texts:
        assert matcher.judge(text, len(text.split())) == _naive(active, text), text


def test_a_batch_of_lines_gets_the_engines_verdict_on_each(rules) -> None:
    # judged together, the gate literals of all lines are found in one pass: a literal
    # found in one line must not leak into its neighbours
    active = [r for r in rules.for_domain(None) if r.kind in ("line", "feature")]
    texts = [t for r in active for t in (*r.examples, *r.counter_examples)]
    texts += [line.text for line in split_lines(page(*PARAS))] + ["Ünïcode ✓ line", ""]
    random.Random(7).shuffle(texts)
    verdicts = RuleMatcher(active).judge_many([(t, len(t.split())) for t in texts])
    assert verdicts == [_naive(active, t) for t in texts]
    assert sum(v != NO_VERDICT for v in verdicts) >= 20


def test_a_second_gate_is_another_literal_every_match_requires() -> None:
    def second(pattern: str) -> tuple[str, ...] | None:
        parsed = parse_pattern(pattern)
        return second_gate(parsed, literal_gate(parsed) or ())

    assert second(r"(?i)\bcookies? (are|is) (strictly|absolutely) (essential|necessary)\b") == (
        "absolutely",
        "strictly",
    )
    # a rare punctuation character counts: an agency credit needs its "/" as well as a name
    assert second(r"(?i)(/\s*(dpa|afp|reuters)|\b(dpa|afp|reuters)\s*/)\s*\w*$") == ("/",)
    # one required literal only, or the rest implied by the first gate: no second gate
    assert second(r"(?i)\bnecessary cookies\b") is None
    assert second(r"(?i)\bcookies?\b.*\bcookies\b") is None


def test_an_anchored_pattern_opens_with_one_of_its_openings() -> None:
    def opens(pattern: str) -> tuple[str, ...] | None:
        parsed = parse_pattern(pattern)
        return openings(parsed, after_anchor(pattern, parsed))

    assert opens(r"(?i)^(Read more|see also)\b") == ("read more", "see also")
    assert opens(r"^(?:By|Written by)\s+[A-Z]") == ("By", "Written by")  # case kept
    assert opens(r"^(?:[A-Z]\w+|By) ") is None  # a class may open it
    assert opens(r"(?i)^(σήμερα|today)") is None  # a lower case that depends on neighbours
    assert opens(r"(?i)\bread more") is None  # not anchored
    texts = ["Read more", "READ MORE here", "see also", "See Also:", "Also read", " read more"]
    pattern = re.compile(r"(?i)^(Read more|see also)\b")
    for text in texts:  # a line that opens otherwise never matches
        if not text.lower().startswith(("read more", "see also")):
            assert pattern.search(text) is None, text


@pytest.mark.parametrize("automaton", [True, False])
def test_second_gates_never_change_a_verdict(rules, automaton: bool) -> None:
    # lines that hold the literals of only one of a unit's two gates, of both, or neither
    active = [r for r in rules.for_domain(None) if r.kind in ("line", "feature")]
    matcher = RuleMatcher(active, automaton=automaton)
    gated = [
        (rule, u)
        for rule in active
        for u in _units(0, rule, automaton)
        if u.second is not None and u.gate
    ]
    assert len(gated) >= 20
    texts = []
    for rule, unit in gated:
        for example in rule.examples:
            texts.append(example)
            for literal in unit.second:  # the example without (one of) its second literals
                texts.append(re.sub(re.escape(literal), "x", example, flags=re.IGNORECASE))
            for literal in unit.gate:
                texts.append(re.sub(re.escape(literal), "x", example, flags=re.IGNORECASE))
        first, other = unit.gate[0], unit.second[0]
        texts += [first, other, f"{first} {other}", f"{other} and {first}", f"{first.upper()}!"]
    hits = 0
    for text in texts:
        verdict = matcher.judge(text, len(text.split()))
        assert verdict == _naive(active, text), text
        hits += verdict != NO_VERDICT
    assert hits >= len(gated)  # the examples still fire


def test_rule_gates_hold_a_literal_of_every_example(rules) -> None:
    gated = [r for r in rules.rules if r.kind == "line" and r.gate]
    assert len(gated) >= 5
    for rule in gated:
        for example in rule.examples:
            assert any(g in example.lower() for g in rule.gate), (rule.id, example)
    assert gate_of(r"(?i)\bsign up\b.{0,20}\bnewsletter") == ("newsletter",)
    assert gate_of(r"^Share$") is None  # anchored: searched directly, no gate needed


def test_feature_pretests_never_reject_a_block_their_feature_accepts(rules) -> None:
    # the matcher skips a feature when its pre-test says no: that must never hide a hit
    texts = [t for r in rules.rules for t in (*r.examples, *r.counter_examples)]
    texts += ["12:30", "— • —", "Updated 8:03 am ET, Nov. 19, 2019", "2024", "***", "①②", "٣"]
    texts += ["x" * 79 + "1", "x" * 80 + "1", "Posted 3 days ago", "_ _ 9", "Ünï 1"]
    for name, pretest in PRETESTS.items():
        feature = FEATURES[name]
        fired = [t for t in texts if feature(t)]
        assert len(fired) >= 3, name  # the check below would pass on nothing
        for text in texts:
            if pretest(text) is None:
                assert not feature(text), (name, text)


def test_date_pretests_never_reject_a_stamp_of_random_pieces() -> None:
    # stamps built from date pieces, separators, labels and stray characters at random: the
    # pre-tests of the date features refuse only lines their feature refuses
    pieces = ["12", "3", "2024", "1999", "05", "14:07", "10h30", "Nov.", "Mai", "Uhr", "um",
              "Updated", "Stand", "Jane Roe", "am", "3rd", "min", "ago", "de", "€", "!", "?", "#"]
    seps = [" ", ".", "/", "-", ", ", ": ", " | ", " – ", "", "·", "'"]
    rnd = random.Random(11)
    texts = [
        "".join(rnd.choice(pieces) + rnd.choice(seps) for _ in range(rnd.randint(1, 9)))
        for _ in range(20000)
    ]
    for name in ("date_only", "labelled_date"):
        fired = 0
        for text in texts:
            hit = FEATURES[name](text)
            fired += hit
            if PRETESTS[name](text) is None:
                assert not hit, (name, text)
        assert fired >= 100, name  # the check above would pass on nothing


def test_date_stamps_are_recognised_whatever_their_pieces_and_other_lines_are_not() -> None:
    # date_only refuses early (a character or a word that no date piece holds): the early
    # refusals must not turn a date stamp away
    stamps = [
        "Updated 8:03 am ET, Nov. 19, 2019",
        "Published: Thursday, 3rd March 2024 | 10:15 a.m. GMT",
        "Posted 3 hours ago",
        "Sept 9, 2021 · 5 mins",
        "Tues 12/03/2024 – 14:00 CEST",
        "(Last modified on 2 Jan 2020)",
    ]
    assert all(FEATURES["date_only"](s) for s in stamps)
    others = ["Posted by Jane 3 hours ago", "Top 10 stories of 2024", "12345", "3 May 2024!"]
    assert not any(FEATURES["date_only"](s) for s in others)


def test_the_date_word_list_spells_out_the_date_pieces_exactly() -> None:
    # date_only looks ASCII words up in a list instead of trying the pieces' alternatives:
    # the list must hold every word the pieces match and nothing else (checked on each
    # word and on every one-letter edit of it, where a forgotten or extra word would show)
    from cleaning.rules.features import _PIECE_RUN, _PIECE_WORDS

    assert len(_PIECE_WORDS) > 80
    letters = "abcdefghijklmnopqrstuvwxyz"
    candidates = set(_PIECE_WORDS)
    for word in _PIECE_WORDS:
        for i in range(len(word) + 1):
            candidates.add(word[:i] + word[i + 1 :])
            for c in letters:
                candidates.update((word[:i] + c + word[i:], word[:i] + c + word[i + 1 :]))
    for word in candidates:
        assert (_PIECE_RUN.fullmatch(word) is not None) == (word in _PIECE_WORDS), word
        assert (_PIECE_RUN.fullmatch(word.upper()) is not None) == (word in _PIECE_WORDS), word


def test_a_pattern_with_an_escaped_parenthesis_is_split_into_its_alternatives() -> None:
    # "\(?(photo" holds "(?" as text, not a group: the alternatives are still split, and a
    # line matches the pattern exactly when it matches one of them
    from cleaning.rules.patterns import branches

    pattern = r"(?i)^\(?(photo|image):|\b(getty images|afp)\b|^credit\s*:"
    parts = branches(pattern)
    assert parts == [r"(?i)^\(?(photo|image):", r"(?i)\b(getty images|afp)\b", r"(?i)^credit\s*:"]
    lines = ["(Photo: A. Smith)", "Image: archive", "via Getty Images", "Credit : x", "photos of"]
    for line in lines:
        whole = re.search(pattern, line) is not None
        assert whole == any(re.search(p, line) for p in parts), line
    # a look-ahead inside a top-level alternative does not stop the split, and the split
    # matches the same lines as the whole pattern
    assert branches(r"a|(?=b)c") == ["a", "(?=b)c"]
    for line in ["a", "bc", "c", "xbc", "b"]:
        whole = re.search(r"a|(?=b)c", line) is not None
        assert whole == any(re.search(p, line) for p in ["a", "(?=b)c"]), line


def test_an_article_that_goes_on_after_a_related_header_keeps_its_sections(rules) -> None:
    # a guide with a crosshead over each (long) section: the same alternation, but the
    # sections are not a sentence or two, so they stay
    sections = [
        p + " " + p.replace("council", "county").replace("Residents", "Shopkeepers") for p in PARAS
    ]
    body = []
    for n, section in enumerate(sections, 1):
        body += [f"{n}. What happens next", section]
    dump = "\n\n".join([*NAV, *PARAS, "More on this story", *body, "Impressum"])
    record = clean_text(dump, rules=rules)
    assert all(section in record.text for section in sections)


TEASERS = [
    (
        "Harbour wall to be rebuilt after winter storms",
        "Engineers say the work on the old harbour wall will take most of the coming summer. "
        "The fishing boats will moor at the north quay until it is done, the harbour master said.",
    ),
    (
        "School choir wins the regional final",
        "The pupils sang three pieces and were praised by the judges for their clear voices. "
        "They will now travel to the national final in the capital in June with their teachers.",
    ),
    (
        "Bus routes change from next month",
        "Two of the town's routes will run less often in the evening, the operator has said. "
        "Passengers who travel late are asked to check the new timetable before the change.",
    ),
    (
        "Market square to close for repairs",
        "Traders will move to the car park behind the town hall while the paving is relaid. "
        "The council expects the square to open again before the Christmas market begins.",
    ),
]


@pytest.mark.parametrize(
    "header",
    ["Related stories", "Ähnliche Beiträge:", "Passend zum Artikel", "Dernières actualités",
     "Últimas noticias", "Ultime notizie", "Meer nieuws", "Siste nytt", "Najnowsze"],
)  # fmt: skip
def test_a_teaser_list_under_a_related_header_ends_the_article(rules, header: str) -> None:
    # each teaser is a headline, a summary of two sentences that reads as prose, and a
    # date: the summaries together outweigh the header, so the run would go on through them
    teasers = [line for head, summary in TEASERS for line in (head, summary, "12 March 2024")]
    dump = "\n\n".join([*NAV, *PARAS, header, *teasers, "Privacy Policy"])
    record = clean_text(dump, rules=rules)
    assert all(p in record.text for p in PARAS)
    assert not any(summary in record.text for _, summary in TEASERS)
    assert not any(head in record.text for head, _ in TEASERS)


@pytest.mark.parametrize(
    "stamp",
    ["Publiziert: 09.02.2024, 08:05", "Sist oppdatert 14.03.2025 - 10:48", "Datum 17.09.2024",
     "Jane Roe 21.11.2024 6 min", "Actualizado 12/03/2024 08:15 CET"],
)  # fmt: skip
def test_a_labelled_date_stamp_inside_the_article_is_removed_in_any_language(rules, stamp) -> None:
    # the label is a word of any language: the numeric date and the shape (short, no
    # sentence) tell the stamp, while a sentence that gives a date stays
    dated = "The plan was agreed on 12.03.2024 and the work will begin next spring."
    dump = "\n\n".join([*NAV, PARAS[0], PARAS[1], stamp, dated, PARAS[2], "Impressum"])
    record = clean_text(dump, rules=rules)
    assert all(p in record.text for p in (*PARAS, dated))
    assert stamp not in record.text


@pytest.mark.parametrize(
    "paywall",
    ["Il vous reste 62% de cet article à lire.", "Pozostało jeszcze 80% artykułu",
     "You have 70% of this article left to read"],
)  # fmt: skip
def test_the_article_ends_where_a_paywall_counts_what_is_left_to_read(rules, paywall) -> None:
    # below the count come the paywall's own explanations, fluent prose that would
    # otherwise join the run: the count ends the visible article, in any of the languages
    pitch = [
        "Your account is being used on another device at the moment, so this page has been "
        "paused here until you choose which of the two devices you would like to keep reading on.",
        "If you carry on reading on this device, the other one will be signed out, and you can "
        "sign it back in whenever you like from the settings page of your account.",
        "Families and teams can add a second reader to the same subscription for a small "
        "monthly fee, and each of them then reads on as many devices as they wish.",
    ]
    dump = "\n\n".join([*NAV, *PARAS, paywall, *pitch, "Impressum"])
    record = clean_text(dump, rules=rules)
    assert all(p in record.text for p in PARAS)
    assert not any(p in record.text for p in pitch)


SECOND = [
    "The bridge over the river will close for three weeks in the summer while its old steel "
    "deck is replaced, the county's engineers told a meeting of residents on Monday night.",
    "Drivers will be sent on a diversion through the villages to the north, which adds about "
    "ten minutes to the journey into town, and buses will stop at a temporary shelter.",
    "The work was planned for last year but was put off when the steel arrived late from the "
    "mill, and the cost has since risen by a fifth, the engineers said at the meeting.",
]


def test_the_next_story_loaded_below_the_article_is_not_part_of_it(rules) -> None:
    # an endless-scroll page: the next story's headline, byline and date stamp (in the shape
    # of the article's own stamp, whatever its language) and its body follow the article
    first = [
        "Library to close after council vote",
        "By Ann Example",
        "Publisert 12.03.2024 - 09:15",
    ]
    second = [
        "Bridge to shut for repairs this summer",
        "By Bo Sample",
        "Publisert 12.03.2024 - 16:40",
    ]
    dump = "\n\n".join([*NAV, *first, *PARAS, *second, *SECOND, "Impressum"])
    record = clean_text(dump, rules=rules)
    assert all(p in record.text for p in PARAS)
    assert not any(p in record.text for p in SECOND)
    assert "Bridge to shut for repairs this summer" not in record.text


def test_a_date_stamp_of_another_shape_inside_the_article_does_not_end_it(rules) -> None:
    # the article's own stamp above it and a dated update note of another shape inside it
    first = [
        "Library to close after council vote",
        "By Ann Example",
        "Publisert 12.03.2024 - 09:15",
    ]
    dump = "\n\n".join([*NAV, *first, *PARAS, "Oppdatert 13.03.2024", *SECOND, "Impressum"])
    record = clean_text(dump, rules=rules)
    assert all(p in record.text for p in (*PARAS, *SECOND))


# a "more stories" list after the article, with no header above it: kicker, headline and a
# one-sentence summary per teaser (our own wording)
HEADERLESS_TEASERS = [
    "Transport",
    "Ferry timetable cut for the winter months",
    "Two crossings a day will be dropped from November, the operator said.",
    "Schools",
    "New head teacher for the grammar school",
    "She comes from a school in the north of the county.",
    "Transport",
    "Road works on the high street delayed again",
    "The contractor is waiting for a part from abroad.",
]


def test_a_teaser_list_after_the_article_is_cut_with_its_own_rule(rules) -> None:
    record = clean_text(page(*PARAS, *HEADERLESS_TEASERS), rules=rules)
    assert record.text.split("\n") == PARAS
    tail = [r.text for r in record.removed if r.rule_id == "generic.structure.teaser_tail"]
    assert tail == HEADERLESS_TEASERS
    # switched off, the teasers' summaries read as prose and stay
    off = clean_text(
        page(*PARAS, *HEADERLESS_TEASERS),
        rules=load_ruleset(disabled=["generic.structure.teaser_tail"]),
    )
    assert HEADERLESS_TEASERS[-1] in off.text.split("\n")


def test_crossheads_each_over_one_paragraph_are_the_article(rules) -> None:
    sections = [
        "What happens next",
        "The council will hear the appeal in March and must decide by the end of April.",
        "The costs",
        "Repairs to the roof alone would cost the town more than a million pounds.",
        "The campaign",
        "Parents have gathered two thousand names and will hand them to the mayor.",
    ]
    record = clean_text(page(*PARAS, *sections), rules=rules)
    assert record.text.split("\n") == PARAS + sections


def test_a_list_after_its_lead_in_is_not_a_teaser_list(rules) -> None:
    items = [
        "The plan lists three options for the building:",
        "Sale to a developer",
        "A lease to the county archive",
        "Use as a community hall",
        "The county has made no offer yet, a spokesman said on Thursday.",
    ]
    record = clean_text(page(*PARAS, *items), rules=rules)
    assert all(r.rule_id != "generic.structure.teaser_tail" for r in record.removed)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Der Bürgermeister sagte am Abend: „Wir bauen die Brücke im nächsten Jahr neu.“",
        "Starosta řekl: „Most postavíme znovu příští rok, jakmile budou peníze.“",
        "Han sa till slut: ›Vi bygger bron igen nästa år, när pengarna finns.›",
        "Sie nannte den Plan ‚einen guten Anfang für die ganze Stadt.‘",
    ],
)
def test_a_sentence_closed_by_a_low_or_single_quote_ends_a_sentence(paragraph: str) -> None:
    # German, Czech and Polish close their quotes with “ and ‘ (the English opening forms)
    (line,) = split_lines(paragraph)
    assert line.terminal


def test_an_agency_tag_after_the_last_sentence_still_ends_it() -> None:
    tagged, aside = split_lines(
        "The ferry will sail again on Monday, the harbour office said. (AP)\n"
        "The ferry was built in a yard near the old port (Lisbon)"
    )
    assert tagged.terminal and not aside.terminal


@pytest.mark.parametrize("header", ["Read also", "Lesen Sie auch", "Lire aussi", "Lee también"])
def test_the_paragraph_after_a_read_also_box_inside_the_article_is_kept(rules, header) -> None:
    last = (
        "The library will keep its reading room open until the end of the year, and the "
        "council has promised to find a new home for its collection of local newspapers "
        "before the building is sold."
    )
    box = [header, "Bridge repairs to start in May after years of delay", "Town desk"]
    record = clean_text(page(*PARAS, *box, last, footer=["Privacy Policy"]), rules=rules)
    assert record.text.split("\n") == [*PARAS, last]
    assert {r.text for r in record.removed} >= set(box)


def test_a_teaser_list_under_a_read_also_header_is_not_taken_for_the_article(rules) -> None:
    teasers = [
        "Read also",
        "Bridge repairs to start in May after years of delay",
        "The contractor says the work on the old stone bridge will take most of the summer, "
        "and drivers will have to use the ring road until it is done, the council said.",
        "New mayor sworn in",
        "She promised to put the library and the bus routes first in her two years in office.",
    ]
    record = clean_text(page(*PARAS, *teasers, footer=["Privacy Policy"]), rules=rules)
    assert record.text.split("\n") == PARAS


def test_a_standfirst_above_the_byline_block_is_kept_and_the_byline_is_not(rules) -> None:
    standfirst = (
        "After a long review of its running costs, the town is to lose the library that has "
        "served it for more than a century."
    )
    byline = ["By Ann Walker", "12 March 2024, 09:15", "Share"]
    text = page(standfirst, *byline, *PARAS)
    record = clean_text(text, rules=rules)
    assert record.text.split("\n") == [standfirst, *PARAS]
    assert record.title == "Town library to close"
    assert {r.text for r in record.removed} >= set(byline)
    # a menu line above the byline is no standfirst
    record = clean_text(page("Weather  Traffic  Jobs  Cars", *byline, *PARAS), rules=rules)
    assert record.text.split("\n") == PARAS


def test_a_second_copy_of_the_article_text_on_the_page_is_removed_with_its_rule(rules) -> None:
    # the page shows the article, then the same text again (a "read in full" copy)
    record = clean_text(page(*PARAS, *PARAS), rules=rules)
    assert record.text.split("\n") == PARAS
    copies = [r for r in record.removed if r.rule_id == "generic.repetition.page_copy"]
    assert [r.text for r in copies] == PARAS
    # a line repeated alone, between lines of its own, stays each time
    question = "Which dish would you cook for a guest you wanted to impress on a first visit?"
    answers = [
        "A slow roast of lamb with beans from my own garden, and a plum tart to follow it.",
        "Fish from the harbour, grilled over wood, with nothing but lemon and a little salt.",
    ]
    interview = [PARAS[0], question, answers[0], question, answers[1], PARAS[1]]
    record = clean_text(page(*interview), rules=rules)
    assert record.text.split("\n") == interview


def test_a_widget_shown_twice_above_the_article_goes_with_both_copies(rules) -> None:
    # a travel box in the page's desktop and mobile places, both above the article: its
    # notices read as prose, so a run found by scores alone would open with it
    widget = [
        "Line 4",
        "Until 30 May, from 10 pm: trains between the harbour and the old town are replaced "
        "by buses every night while the tunnel is repaired, so allow twenty minutes more.",
        "Line 7",
        "Until 2 June: the stop at the market square is closed for building work and the "
        "buses wait at the corner of Mill Street instead, a few minutes' walk away.",
        "All travel news",
    ]
    crumbs = ["Local", "Town hall", "Libraries"]  # the article's section, above its headline
    text = page(*PARAS, nav=[*NAV, *widget, "Politics", "Culture", "Sport", *widget, *crumbs])
    record = clean_text(text, rules=rules)
    assert record.text.split("\n") == PARAS
    removed = [r.text for r in record.removed]
    assert all(removed.count(line) == 2 for line in widget)
    assert all(r.rule_id.startswith("generic.") for r in record.removed)
    # a lead shown twice, in a teaser above the headline and as the article's opening, is
    # the article's: its copy runs on into the article's text, a widget's does not
    article = [
        *PARAS,
        "The library's collection of local newspapers, the oldest in the county, will go to "
        "the archive in the next town until a new home is found for it by the council.",
        "Staff will be offered jobs in the council's other libraries, and none of them will "
        "lose their post, the council's leader told the meeting on Tuesday night.",
    ]
    record = clean_text(page(*article, nav=[*NAV, *PARAS[:2], *crumbs]), rules=rules)
    assert [line for line in record.text.split("\n") if line in article] == article
    # the article's text shown again below it (a print copy) is no widget: it stays once
    record = clean_text(page(*widget, *PARAS, "Print", *widget, *PARAS), rules=rules)
    assert [line for line in record.text.split("\n") if line in PARAS] == PARAS


@pytest.mark.parametrize(
    "sentence",
    [
        "नगर परिषद ने मंगलवार को पुराने पुस्तकालय को बंद करने का फैसला किया।",  # Devanagari danda
        "شہر کی کونسل نے منگل کو پرانی لائبریری بند کرنے کا فیصلہ کیا۔",  # Urdu full stop
    ],
)
def test_a_sentence_ended_by_the_full_stop_of_its_script_is_prose(rules, sentence: str) -> None:
    (line,) = split_lines(sentence)
    assert line.terminal
    paragraphs = [" ".join([sentence] * n) for n in (2, 3, 4)]
    record = clean_text(page(*paragraphs), rules=rules)
    assert record.text.split("\n") == paragraphs


def test_a_numbered_crosshead_in_capitals_heads_the_article_own_list(rules) -> None:
    items = []
    for number, (name, facts) in enumerate(
        [("OAK", "Quercus robur"), ("ASH", "Fraxinus excelsior"), ("YEW", "Taxus baccata")], 1
    ):
        items += [
            f"{number}. {name}",
            facts,
            "Full sun to light shade",
            f"The {name.lower()} in the library garden was planted when the building opened, "
            "and the council has promised that it will be looked after whatever happens next.",
        ]
    record = clean_text(page(*PARAS, *items, PARAS[0]), rules=rules)
    assert record.text.split("\n") == [*PARAS, *items, PARAS[0]]
    # a short header in capitals with no number still opens a list of links
    teasers = ["READ MORE", "Bridge repairs to start in May", "New mayor sworn in"]
    record = clean_text(page(*PARAS[:2], *teasers, PARAS[2]), rules=rules)
    assert not set(teasers[1:]) & set(record.text.split("\n"))


def test_the_list_a_last_paragraph_leads_in_is_kept_with_the_article(rules) -> None:
    lead_in = "The shop has put the following books from the old library on sale this week:"
    items = [
        "1) A history of the county railways",
        "2) The river and its mills",
        "3) Birds of the marshes",
        "4) Recipes from the harbour kitchens",
    ]
    record = clean_text(page(*PARAS, lead_in, *items), rules=rules)
    assert record.text.split("\n") == [*PARAS, lead_in, *items]
    # without the lead-in, short lines after the article are no part of it
    record = clean_text(page(*PARAS, *items), rules=rules)
    assert record.text.split("\n") == PARAS
    # the items stop at the first line a rule says something of (the footer's header)
    assert "Related Articles" not in clean_text(page(*PARAS, lead_in), rules=rules).text


def test_the_size_of_a_line_counts_words_of_scripts_without_spaces_only() -> None:
    # menu items glued together (Latin letters with accents, no spaces): a few long tokens,
    # not a long sentence
    (glued,) = split_lines("FahrplanÜbersichtFundbüroKartenverkaufStraßenbahnAboServiceKontakt")
    assert glued.size <= 2
    # Japanese and Thai are written without spaces: their words are told from the characters
    japanese = "市議会は火曜日、百年以上続いた古い図書館を閉鎖することを決めた。"
    thai = "สภาเมืองลงมติปิดห้องสมุดเก่าแห่งนี้ในวันอังคาร"
    (ja,) = split_lines(japanese)
    (th,) = split_lines(thai)
    assert ja.words == 1 and 8 <= ja.size <= 16 and ja.terminal
    assert th.words == 1 and th.size >= 8
    # a Latin name in such a line is a word of its own; the digits of a date are not
    (named,) = split_lines("市議会はNewton図書館を閉鎖する。")
    (plain,) = split_lines("市議会は図書館を閉鎖する。")
    assert named.size > plain.size
    (dated,) = split_lines("2025年1月14日 10時30分")
    assert dated.size <= 3


def test_a_directory_of_links_with_one_line_descriptions_is_not_taken_for_the_article(
    rules,
) -> None:
    article = PARAS[:2]
    sites = ["Gazette Travel", "Gazette Jobs", "Gazette Homes", "Gazette Cars", "Gazette Food"]
    sites += ["Gazette Health", "Gazette Archive", "Gazette Events"]
    directory = []
    for name in sites:
        directory += [
            name,
            f"{name} is the site where our readers find what the region has to offer, "
            "every day of the week, from the newsroom of the Gazette.",
        ]
    # the site's menu between the article and the directory of its sister sites
    footer = [*NAV, *NAV, *NAV, "Our sites", *directory]
    record = clean_text(page(*article, footer=footer), rules=rules)
    assert record.text.split("\n") == article


def test_a_mega_menu_of_products_below_the_article_is_not_part_of_it(rules) -> None:
    # each product's one-line description reads as a sentence, and outweighs its name
    products = ["Lantern", "Compass", "Kettle", "Hammock", "Rucksack", "Tarp", "Stove"]
    products += ["Flask", "Trowel", "Headlamp"]
    menu = []
    for name in products:
        menu += [name, f"A sturdy {name.lower()} for long weekends in the hills and the woods."]
    article = PARAS[:3]
    record = clean_text(page(*article, "Our products", *menu), rules=rules)
    assert record.text.split("\n") == article


def test_a_wall_of_teaser_cards_is_not_taken_for_a_shorter_article(rules) -> None:
    # each card's headline runs into its summary: the dump lost the break between them
    cards = [
        f"{title}{summary} The story goes on with more about the {topic} on our site today, "
        "and readers can follow every twist of it in the pages of the paper."
        for title, summary, topic in [
            ("Harbour Wall Repairs Begin Next Week", "The work will close the quay", "quay"),
            ("Local Bakery Wins A National Prize", "A small bakery on the square won", "prize"),
            ("Ferry Returns To The Old Pier", "The ferry will stop at the pier again", "pier"),
            ("School Choir Sings At The Cathedral", "Forty pupils sang on Sunday", "choir"),
        ]
    ]
    article = PARAS[:2]
    dump = page(*article, nav=[*NAV, "Top stories", *cards, *NAV])
    record = clean_text(dump, rules=rules)
    assert record.text.split("\n") == article


def test_a_copy_of_the_text_that_lost_its_line_breaks_is_removed_too(rules) -> None:
    crosshead = "What happens to the books"
    more = [
        "The library's collection of local newspapers, the oldest in the county, will go to "
        "the archive in the next town until a new home is found for it.",
        "Staff will be offered jobs in the council's other libraries, and none of them will "
        "lose their post, the council's leader told the meeting on Tuesday.",
    ]
    article = [*PARAS, crosshead, *more]
    # the page repeats the article below it, the crosshead glued to its paragraph
    glued = crosshead + more[0]
    record = clean_text(page(*article, *PARAS, glued), rules=rules)
    assert record.text.split("\n") == article
    assert [r.rule_id for r in record.removed if r.text == glued] == [
        "generic.repetition.page_copy"
    ]


def test_a_headline_shown_twice_over_is_a_teaser_card_not_the_article(rules) -> None:
    # a card inside the article repeats its headline (image text, then link), in two lines
    # in a row or glued into one line; the article's own lines are each written once
    card = "Harbour ferry to run again in the summer"
    summary = "The crossing was stopped last year when the old boat failed its inspection."
    glued = "New bus timetable starts next week New bus timetable starts next week"
    article = [PARAS[0], card, card, summary, PARAS[1], glued, PARAS[2]]
    record = clean_text(page(*article), rules=rules)
    kept = record.text.split("\n")
    assert card not in kept and glued not in kept
    assert PARAS[0] in kept and PARAS[1] in kept and PARAS[2] in kept
    copies = [r.text for r in record.removed if r.rule_id == "generic.repetition.page_copy"]
    assert copies == [card, card, glued]
    # a table's header row repeated in a row, its cells split by tabs, stays
    table = ["Team\t\tPlayed\t\tPoints", "Team\t\tPlayed\t\tPoints", "Rovers\t\t12\t\t30"]
    record = clean_text(page(PARAS[0], *table, PARAS[1], PARAS[2]), rules=rules)
    assert record.text.split("\n")[1:3] == table[:2]


def test_the_author_box_after_the_article_goes_with_its_own_rule(rules) -> None:
    bio = "Ann Walker covers the town's schools and council for the paper since the year 2015."
    top = ["Home", "News", "", "Town library to close", "By Ann Walker", ""]
    record = clean_text("\n".join([*top, *PARAS, "Ann Walker", bio]), rules=rules)
    assert record.text.split("\n") == PARAS
    box = [r.text for r in record.removed if r.rule_id == "generic.structure.author_box"]
    assert box == ["Ann Walker", bio]
    # a header before the name, in any language, is part of the box
    record = clean_text("\n".join([*top, *PARAS, "Über Ann Walker", bio]), rules=rules)
    assert record.text.split("\n") == PARAS
    # the role under the name, in any language, tells the box too
    role = ["Ann Walker", "Redakteurin", "Seit 2015 bei der Zeitung, schreibt über Schulen."]
    record = clean_text("\n".join([*top, *PARAS, *role]), rules=rules)
    assert record.text.split("\n") == PARAS
    # a crosshead the page showed above in a sentence, not in a byline, heads the article's text
    crosshead = ["Full Results", "Methodology", PARAS[2]]
    lead = "Note: the full results are below, and so is our method, see Full Results section."
    record = clean_text("\n".join([*top, lead, *PARAS[:2], *crosshead]), rules=rules)
    assert record.text.split("\n")[-3:] == crosshead
    # a name that the byline did not give is no author box (a person the article is about)
    record = clean_text(
        "\n".join([*top, *PARAS, "Mary Stone", bio.replace("Ann", "Mary")]), rules=rules
    )
    assert "Mary Stone" in record.text.split("\n")


def test_a_list_led_in_just_below_the_article_is_kept_with_it(rules) -> None:
    lead_in = "The branches staying open next year:"
    items = ["North Road branch", "Market Square branch", "Station Hill branch", "Riverside"]
    record = clean_text(page(*PARAS, lead_in, *items), rules=rules)
    assert record.text.split("\n") == [*PARAS, lead_in, *items]
    # a short label below the article ("Sources:") leads in no list of the article
    sources = ["Town council minutes", "Library annual report", "Interviews by our reporter"]
    record = clean_text(page(*PARAS, "Sources:", *sources), rules=rules)
    assert record.text.split("\n") == PARAS
