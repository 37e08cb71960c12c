"""The headline readers see beats an SEO title, but only when it is this story's headline."""

from __future__ import annotations

import lxml.html

from cleaning.metadata import extract_metadata

URL = "https://www.ledger.example/2024/03/02/harbour-wall"


def title_of(head: str, body: str) -> str | None:
    html = f"<html><head>{head}</head><body>{body}<p>Some body text here.</p></body></html>"
    return extract_metadata(lxml.html.fromstring(html), URL).title


OG = (
    '<meta property="og:site_name" content="The Daily Ledger">'
    '<meta property="og:title" content="Opinion | Harbour wall vote delayed again">'
)


def test_the_visible_h1_replaces_a_declared_seo_title():
    body = "<h1>Why the harbour wall vote was delayed again</h1>"
    assert title_of(OG, body) == "Why the harbour wall vote was delayed again"


def test_an_h1_about_something_else_does_not_win():
    body = "<h1>Sign up for our morning briefing</h1>"
    assert title_of(OG, body) == "Opinion | Harbour wall vote delayed again"


def test_an_h1_naming_the_site_does_not_win():
    body = '<h1><a href="/">The Daily Ledger</a></h1>'
    assert title_of(OG, body) == "Opinion | Harbour wall vote delayed again"
    assert title_of(OG, "<h1>ledger.example</h1>") == "Opinion | Harbour wall vote delayed again"


def test_several_h1s_leave_the_declared_title():
    body = "<h1>Harbour wall vote delayed</h1><h1>Harbour news in brief</h1>"
    assert title_of(OG, body) == "Opinion | Harbour wall vote delayed again"


def test_the_site_name_is_stripped_from_the_h1_too():
    body = "<h1>Harbour wall vote delayed again - The Daily Ledger</h1>"
    assert title_of(OG, body) == "Harbour wall vote delayed again"
