"""Text mode: where the article run ends and what the repetition statistics may remove in it.

Every page here is made up for the test; none is taken from an evaluation set.
"""

from __future__ import annotations

import pytest

from cleaning.text import clean_text
from cleaning.text.repetition import build_stats
from pipelines.rulefiles import load_ruleset

TOPICS = [
    ("gardening", "tomatoes", "greenhouse"),
    ("cycling", "gears", "mountain pass"),
    ("baking", "sourdough", "oven"),
    ("sailing", "knots", "harbour"),
]
PROMO = "Join our club today and get a free welcome pack with your first order from us."


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


def _guide(topic: str, thing: str, place: str) -> str:
    """A how-to page of one site: its menu, the guide with a generic outline, a footer."""
    return "\n".join(
        [
            f"{topic.title()} Weekly",
            "Shop",
            "Newsletter",
            f"A beginner's guide to {topic}",
            f"Anyone can take up {topic} in a few weekends, and this guide walks through the "
            f"first steps with {thing}, from the tools you need to the mistakes to avoid.",
            f"Most people start with {thing} because they are cheap, forgiving and easy to find "
            f"near the {place}, and because a small success early keeps them going for years.",
            "Conclusion",
            f"Give {topic} a season before you judge it: the second year with {thing} is always "
            f"easier than the first, and the people you meet at the {place} will help.",
            f"Keep a notebook of what you tried with {thing} and when, because the notes of "
            f"one year are the best advice you will ever get for the next one at the {place}.",
            PROMO,
            f"Our readers say the same thing every spring: start small with {thing}, ask the "
            f"old hands at the {place} for help, and never buy the expensive tools first.",
            f"Write to us with your own {topic} questions and we will answer the best of them in "
            f"next month's issue, with photographs of the {place} you send in.",
            "About us",
            "Contact",
        ]
    )


def test_a_generic_heading_the_group_shares_stays_in_the_article(rules) -> None:
    """Pages of many sites share generic headings ("Conclusion"): in the article, between
    its own lines, such a heading is the article's; a promo sentence every page shows is
    still template, and so are the shared menus outside the article."""
    docs = [("web", _guide(*t)) for t in TOPICS]
    stats = build_stats(docs)
    record = clean_text(docs[0][1], rules=rules, stats=stats)
    kept = record.text.split("\n")
    assert "Conclusion" in kept
    assert kept.index("Conclusion") == 2  # in its place, between the article's paragraphs
    removed = {(r.rule_id, r.text) for r in record.removed}
    assert ("generic.repetition.template", PROMO) in removed
    assert "Shop" not in kept and "Contact" not in kept
    # without the other pages nothing marks the promo: it is the stats that remove it
    alone = clean_text(docs[0][1], rules=rules)
    assert PROMO in alone.text.split("\n")


def test_a_shared_short_line_next_to_other_template_lines_is_still_template(rules) -> None:
    """Two shared short lines in a row inside the article are a block of the template (a
    share bar), not a heading."""
    docs = []
    for topic, thing, place in TOPICS:
        text = _guide(topic, thing, place).replace("Conclusion", "Share this\nPrint this page")
        docs.append(("web", text))
    record = clean_text(docs[1][1], rules=rules, stats=build_stats(docs))
    kept = record.text.split("\n")
    assert "Print this page" not in kept and "Share this" not in kept
    assert any(r.text == "Print this page" for r in record.removed)
