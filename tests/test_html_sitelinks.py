"""Lists of links to the site's other articles (cleaning/html/sitelinks.py), in a whole page."""

from __future__ import annotations

import pytest

from cleaning.html.extract import clean_html
from cleaning.html.sitelinks import RULE, TEASER_RULE, url_shape
from pipelines.rulefiles import load_ruleset

PAGE_URL = "https://www.harbourpost.example/region/article4471203/ferry-timetable-changes.html"

_BEFORE = [
    "The ferry operator said on Tuesday that the winter timetable will start two weeks "
    "earlier than planned, after the storms closed the northern quay for repairs.",
    "Passengers with tickets for the cancelled crossings can change them without a fee "
    "at the harbour office or online, a spokeswoman for the operator said.",
]
_AFTER = [
    "The harbour master expects the repairs to the quay wall to take until the spring, "
    "when the summer crossings to the islands are due to resume.",
    "Local traders said the closure had cost them a third of their usual autumn custom, "
    "and asked the council for help with their rents until the quay reopens.",
]
# three other stories of the same site, each a kicker and a short linked headline (short
# items between paragraphs: generic.related.link_list spares them as the article's own)
STORIES = [
    (
        "/region/article4470950/lifeboat-crew-honoured-for-rescue.html",
        "Lifeboat crew honoured",
    ),
    (
        "/economy/article4469981/quay-traders-ask-for-rent-relief.html",
        "Traders ask for rent relief",
    ),
    (
        "/region/article4468770/sea-wall-repairs-to-start-in-march.html",
        "Sea wall repairs begin",
    ),
]


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


def _page(middle: str, canonical: str = PAGE_URL) -> str:
    before = "".join(f"<p>{p}</p>" for p in _BEFORE)
    after = "".join(f"<p>{p}</p>" for p in _AFTER)
    return (
        f'<html><head><title>Ferry timetable changes</title><link rel="canonical" href="{canonical}">'
        f"</head><body><article><h1>Ferry timetable changes</h1>{before}{middle}{after}"
        "</article></body></html>"
    )


def _story_list(stories: list[tuple[str, str]], kicker: str = "Harbour: ") -> str:
    items = "".join(f'<li>{kicker}<a href="{href}">{title}</a></li>' for href, title in stories)
    return f"<p>More from our coverage of the coast</p><ul>{items}</ul>"


def test_a_list_of_the_sites_other_articles_between_paragraphs_is_removed(rules):
    record = clean_html(_page(_story_list(STORIES)), None, rules=rules)
    assert "rent relief" not in record.text and "Lifeboat crew" not in record.text
    assert all(p in record.text for p in _BEFORE + _AFTER)
    assert any(r.rule_id == RULE and "Sea wall repairs" in r.text for r in record.removed)


def test_absolute_links_to_the_same_host_count_as_the_sites(rules):
    absolute = [("https://harbourpost.example" + href, title) for href, title in STORIES]
    record = clean_html(_page(_story_list(absolute, kicker="")), None, rules=rules)
    assert "rent relief" not in record.text


def test_a_list_of_pages_elsewhere_or_of_another_kind_stays(rules):
    # what the article lists: timetables on the operator's site, the harbour office's pages
    listed = [
        ("https://ferries.example.org/timetables/winter", "Winter timetable"),
        ("/service/contact", "Harbour office contact"),
        ("https://www.harbourpost.example/tickets", "Change a ticket online"),
    ]
    record = clean_html(_page(_story_list(listed, kicker="See: ")), None, rules=rules)
    assert not any(r.rule_id == RULE for r in record.removed)


def test_two_links_or_a_page_without_a_numbered_url_are_not_enough(rules):
    record = clean_html(_page(_story_list(STORIES[:2])), None, rules=rules)
    assert not any(r.rule_id == RULE for r in record.removed)
    # a blog's plain-slug URL: its lists of its own guides may be the article's
    slugged = [(href.replace("/article44", "/guide-to-"), title) for href, title in STORIES]
    record = clean_html(
        _page(
            _story_list(slugged),
            canonical="https://harbourpost.example/ferry-timetable-changes-explained",
        ),
        None,
        rules=rules,
    )
    assert not any(r.rule_id == RULE for r in record.removed)


def test_items_that_are_mostly_prose_stay(rules):
    prose = [(href, "report") for href, _ in STORIES]
    items = "".join(
        f"<li>The council answered the traders in a long letter, see the <a href='{href}'>{t}</a></li>"
        for href, t in prose
    )
    record = clean_html(_page(f"<ul>{items}</ul>"), None, rules=rules)
    assert not any(r.rule_id == RULE for r in record.removed)


def test_url_shape_names_numbers_ids_slugs_and_words():
    assert url_shape("/region/article4471203/ferry-timetable-changes.html") == (
        "word",
        "id",
        "slug",
    )
    assert url_shape("/2024/11/ferry-timetable/") == ("number", "number", "word")


def test_a_labelled_teaser_of_another_article_is_removed_in_any_wording(rules):
    href, title = STORIES[1]
    for label in ("Read also:", "Lees ook |", "ALSO ON OUR SITE"):
        teaser = f'<p>{label} <a href="{href}">{title} after the storms</a></p>'
        record = clean_html(_page(teaser), None, rules=rules)
        assert "rent relief" not in record.text, label
        assert label.rstrip(":| ") not in record.text
        # the headline goes under this rule (a label a line rule knows goes under that one)
        teasers = [r.text for r in record.removed if r.rule_id == TEASER_RULE]
        assert len(teasers) == 1 and teasers[0].endswith(f"{title} after the storms")
        assert all(p in record.text for p in _BEFORE + _AFTER)


def test_several_teasers_in_one_paragraph_with_tags_after_them(rules):
    links = "|".join(f'<a href="{href}">{title}</a> [VIDEO]' for href, title in STORIES)
    record = clean_html(_page(f"<p>{links}</p>"), None, rules=rules)
    assert "Lifeboat crew" not in record.text and "Sea wall" not in record.text


def test_a_sentence_with_a_link_to_another_article_stays(rules):
    href, _ = STORIES[2]
    sentences = [
        # the link goes on with the sentence
        f'<p>You can <a href="{href}">read how the sea wall was built</a>.</p>',
        # words after the link
        f'<p>The council <a href="{href}">approved the repairs</a> in March after two votes.</p>',
    ]
    for sentence in sentences:
        record = clean_html(_page(sentence), None, rules=rules)
        assert not any(r.rule_id == TEASER_RULE for r in record.removed), sentence


def test_a_teaser_shaped_link_to_another_site_stays(rules):
    teaser = '<p>Read also: <a href="https://ferries.example.org/2024/11/new-winter-timetable">New winter timetable</a></p>'
    record = clean_html(_page(teaser), None, rules=rules)
    assert not any(r.rule_id == TEASER_RULE for r in record.removed)


def test_a_disabled_rule_removes_nothing():
    href, title = STORIES[1]
    page = _page(_story_list(STORIES) + f'<p>Read also: <a href="{href}">{title} again</a></p>')
    relaxed = load_ruleset(disabled=[RULE, TEASER_RULE])
    record = clean_html(page, None, rules=relaxed)
    assert not any(r.rule_id in (RULE, TEASER_RULE) for r in record.removed)


def test_a_label_a_line_rule_names_is_left_to_it_and_the_links_go(rules):
    href, title = STORIES[1]
    teaser = f'<p><strong>Don\'t miss</strong> <a href="{href}">{title} after the storms</a></p>'
    record = clean_html(_page(teaser), None, rules=rules)
    assert "rent relief" not in record.text and "Don't miss" not in record.text
    by_rule = {r.rule_id: r.text for r in record.removed}
    assert by_rule[TEASER_RULE] == f"{title} after the storms"
    assert by_rule["generic.related.header"] == "Don't miss"
