"""The body's closing lines (cleaning/html/tail.py), landmark and microdata DOM rules, article cards."""

from __future__ import annotations

import json

import pytest

from cleaning.html.extract import clean_html
from cleaning.html.tail import AUTHOR_RULE, LEAD_IN_RULE, clean_tail
from pipelines.rulefiles import load_ruleset


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


_PARAS = [
    "The ferry operator said on Tuesday that the winter timetable will start two weeks "
    "earlier than planned, after the storms closed the northern quay for repairs.",
    "Passengers with tickets for the cancelled crossings can change them without a fee "
    "at the harbour office or online, a spokeswoman for the operator said.",
    "The harbour master expects the repairs to the quay wall to take until the spring, "
    "when the summer crossings to the islands are due to resume.",
    "Local traders said the closure had cost them a third of their usual autumn custom, "
    "and asked the council for help with their rents until the quay reopens.",
    "The council will discuss the request at its next meeting, a spokesman said, adding "
    "that a decision on the repair budget was expected before the end of the year.",
]


def _page(closing: str, author: str = "Mara Lindqvist", extra: str = "") -> str:
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Ferry timetable changes after storms",
            "author": {"@type": "Person", "name": author},
        }
    )
    body = "".join(f"<p>{p}</p>" for p in _PARAS)
    return (
        f'<html><head><script type="application/ld+json">{ld}</script></head><body>'
        f"<article><h1>Ferry timetable changes after storms</h1>{body}{closing}</article>"
        f"{extra}</body></html>"
    )


def test_the_authors_closing_line_leaves_the_body(rules):
    html = _page("<p>Mara Lindqvist reports on shipping and the islands for the Coast Herald.</p>")
    record = clean_html(html, "https://news.example.org/ferry", rules=rules)
    assert "Mara Lindqvist" in record.authors
    assert "reports on shipping" not in record.text
    assert "decision on the repair budget" in record.text
    assert [r.rule_id for r in record.removed if "shipping" in r.text] == [AUTHOR_RULE]


def test_a_label_or_possessive_before_the_name_still_opens_the_line():
    body = "\n".join([*_PARAS, "Correspondent Mara Lindqvist is based in Tromsø."])
    text, removed = clean_tail(body, ["Mara Lindqvist"])
    assert "Tromsø" not in text and [r.rule_id for r in removed] == [AUTHOR_RULE]
    body = "\n".join([*_PARAS, "Mara Lindqvist's book on the island ferries is out in May."])
    assert "book on the island ferries" not in clean_tail(body, ["Mara Lindqvist"])[0]


def test_closing_lines_naming_others_or_giving_an_address_stay():
    other = "Jonas Berg, the harbour master, said the quay would reopen in spring."
    mail = "Mara Lindqvist can be reached at mara@herald.example."
    body = "\n".join([*_PARAS, other, mail])
    text, removed = clean_tail(body, ["Mara Lindqvist"])
    assert text == body and removed == []
    # the newsroom credited as the author: its closing lines are not a biography
    note = "The Coast Herald welcomes letters from readers on this and other stories."
    body = "\n".join([*_PARAS, note])
    assert clean_tail(body, ["Coast Herald"], site_name="The Coast Herald")[0] == body


def test_a_sentence_setting_the_authors_name_in_apposition_stays():
    line = "Mara Lindqvist, our shipping reporter, took every crossing on the new winter timetable this week."
    body = "\n".join([*_PARAS, line])
    assert clean_tail(body, ["Mara Lindqvist"])[0] == body
    # a sign-off of names is not a sentence
    body = "\n".join([*_PARAS, "Mara Lindqvist, Jonas Berg"])
    assert clean_tail(body, ["Mara Lindqvist"])[0].rstrip().endswith("end of the year.")


def test_the_authors_name_early_in_the_body_stays():
    first = "Mara Lindqvist travelled on the last crossing before the storm."
    body = "\n".join([first, *_PARAS])
    assert clean_tail(body, ["Mara Lindqvist"])[0] == body


def test_a_lead_in_to_a_removed_link_rail_leaves_the_body(rules):
    rail = (
        "<p>Documents the council published:</p><ul>"
        '<li><a href="/a">Quay wall repairs to start in January after survey</a></li>'
        '<li><a href="/b">Traders ask council for help with rents during closure</a></li>'
        '<li><a href="/c">Island crossings cut as storms batter the coast again</a></li></ul>'
    )
    record = clean_html(_page(rail), "https://news.example.org/ferry", rules=rules)
    assert "Documents the council published" not in record.text
    assert any(r.rule_id == LEAD_IN_RULE for r in record.removed)
    assert record.text.rstrip().endswith("before the end of the year.")


def test_a_lead_in_followed_by_what_it_introduces_stays():
    body = "\n".join([*_PARAS, "The operator listed three changes:", "- Earlier winter timetable"])
    assert clean_tail(body, [])[0] == body
    # a sentence ending with a colon before a quote the extractor left out is article text
    body = "\n".join([*_PARAS, "The harbour master put it plainly to the crews on Monday:"])
    assert clean_tail(body, [])[0] == body
    # a body of one line is left as it is
    assert clean_tail("Results below:", [])[0] == "Results below:"


def test_a_complementary_landmark_box_leaves_the_body(rules):
    box = (
        '<div role="complementary"><h3>Facts about the crossing</h3>'
        "<p>The crossing to the outer islands takes ninety minutes in calm weather and "
        "carries about two hundred thousand passengers a year.</p></div>"
    )
    record = clean_html(_page(box), "https://news.example.org/ferry", rules=rules)
    assert "two hundred thousand passengers" not in record.text
    assert "decision on the repair budget" in record.text
    assert any(r.rule_id == "generic.aside.complementary" for r in record.removed)


def test_an_author_microdata_box_leaves_the_body_but_not_the_authors(rules):
    box = (
        '<div itemprop="author" itemscope itemtype="https://schema.org/Person">'
        '<span itemprop="name">Mara Lindqvist</span>'
        "<p>Writes about ships, harbours and the people who work on the coast.</p></div>"
    )
    record = clean_html(_page(box), "https://news.example.org/ferry", rules=rules)
    assert "Writes about ships" not in record.text
    assert "Mara Lindqvist" in record.authors


def _card(n: int, words: int = 30) -> str:
    teaser = " ".join(["The island ferry story number", str(n), "goes on."] * (words // 7))
    return f'<article><h3><a href="/story-{n}">Island story {n}</a></h3><p>{teaser}</p></article>'


def test_sibling_story_cards_set_as_articles_leave_the_body(rules):
    cards = "<section>" + "".join(_card(n) for n in range(4)) + "</section>"
    html = _page(cards)
    record = clean_html(html, "https://news.example.org/ferry", rules=rules)
    assert "Island story" not in record.text and "story number" not in record.text
    assert "decision on the repair budget" in record.text
    assert sum(r.rule_id == "generic.related.article_cards" for r in record.removed) == 4


def test_articles_that_are_long_or_link_nowhere_stay(rules):
    # a group holding a long article (the page's own) is not a card group
    long_group = "<section>" + _card(0, words=400) + _card(1) + _card(2) + "</section>"
    record = clean_html(_page(long_group), "https://news.example.org/f", rules=rules)
    assert not any(r.rule_id == "generic.related.article_cards" for r in record.removed)
    # sections of one article set as <article>s, without links to other pages
    sections = "".join(f"<article><h2>Part {n}</h2><p>{_PARAS[n]}</p></article>" for n in range(3))
    record = clean_html(_page(sections), "https://news.example.org/f", rules=rules)
    assert not any(r.rule_id == "generic.related.article_cards" for r in record.removed)
