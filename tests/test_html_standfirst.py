"""The standfirst the extractor leaves out comes back when the page's description names it."""

from __future__ import annotations

import lxml.html
import pytest

from cleaning.html.extract import clean_html
from cleaning.html.recall import long_paragraphs
from cleaning.html.standfirst import restore_standfirst
from pipelines.rulefiles import load_ruleset

LEAD = "The harbour board has chosen to rebuild the failing sea wall rather than repair it."
BODY = [
    "Engineers told the board on Tuesday that a full rebuild would cost four times as much "
    "as repairs but would last for a century rather than a decade.",
    "Residents who packed the public gallery asked why the repairs promised last spring had "
    "never started, and the chair promised a timetable within a month.",
]


def _page(description: str, lead_markup: str) -> lxml.html.HtmlElement:
    ps = "".join(f"<p>{p}</p>" for p in BODY)
    return lxml.html.document_fromstring(
        f'<html><head><meta name="description" content="{description}"></head><body>'
        f'<div class="story"><h1>Sea wall</h1>{lead_markup}<div class="text">{ps}</div></div>'
        "</body></html>"
    )


def _restore(root: lxml.html.HtmlElement, description: str) -> str:
    return restore_standfirst(root, "\n".join(BODY), description, long_paragraphs(root))


def test_the_lead_named_by_the_description_comes_first():
    root = _page(LEAD, f'<div class="intro"><strong>{LEAD}</strong></div>')
    assert _restore(root, LEAD).split("\n") == [LEAD, *BODY]


def test_a_cut_description_still_names_the_lead():
    cut = LEAD[:60] + "..."
    root = _page(cut, f'<p class="intro">{LEAD}</p>')
    assert _restore(root, cut).split("\n")[0] == LEAD


@pytest.mark.parametrize(
    "markup",
    [
        f'<p class="teaser"><a href="/other">{LEAD}</a></p>',  # a teaser of another story
        "<p>A different lead that the description does not name at all, in any words.</p>",
    ],
)
def test_blocks_that_are_not_the_lead_stay_out(markup):
    root = _page(LEAD, markup)
    assert _restore(root, LEAD) == "\n".join(BODY)


def test_a_description_after_the_body_is_not_a_lead():
    ps = "".join(f"<p>{p}</p>" for p in BODY)
    root = lxml.html.document_fromstring(
        f'<html><body><div class="story"><div class="text">{ps}</div>'
        f'<p class="promo">{LEAD}</p></div></body></html>'
    )
    assert _restore(root, LEAD) == "\n".join(BODY)


def test_clean_html_keeps_a_standfirst_set_apart_from_the_body():
    # the extractor reads a "teaser" class as page furniture
    root = _page(LEAD, f'<p class="teaser">{LEAD}</p>')
    html = lxml.html.tostring(root, encoding="unicode")
    record = clean_html(html, "https://harbour.example.net/news/wall", rules=load_ruleset())
    assert LEAD in record.text
    assert record.text.index(LEAD) < record.text.index(BODY[0][:40])
