"""A page whose article is only in a script payload (a client-side app) is not dropped as
empty: its body is read from the payload; pages with their article in the markup are not
touched by it."""

from __future__ import annotations

import json

from cleaning import clean_html
from cleaning.html.payload import payload_body, script_texts

PARAGRAPHS = [
    "The harbour board met on Tuesday to weigh three options for the failing sea wall, "
    "which has lost a third of its height since the winter storms.",
    "Engineers told the board that a full rebuild would cost four times as much as repairs "
    "but would last for a century rather than a decade.",
    "Residents who packed the public gallery asked why the repairs promised last spring had "
    "never started, and the chair promised a timetable within a month.",
]
TEASER = "<p>Read more: the lifeboat station gets a new slipway next year.</p>"


def _flight_script(paragraphs: list[str]) -> str:
    """Framework data as a Next.js page ships it: HTML in a JSON string, '<' escaped."""
    markup = "".join(f'<p class="body-p">{p}</p>' for p in paragraphs)
    payload = json.dumps(markup).replace("<", "\\u003c").replace(">", "\\u003e")
    return f"self.__next_f.push([1,{payload}])"


def _page(body_markup: str, scripts: list[str]) -> str:
    tags = "".join(f"<script>{s}</script>" for s in scripts)
    return (
        '<html lang="en"><head><title>Sea wall: three options - The Harbour Times</title>'
        '<meta property="og:type" content="article"></head>'
        f'<body><nav><a href="/">Home</a> <a href="/news">News</a></nav>'
        f"<h1>Sea wall: three options</h1>{body_markup}{tags}</body></html>"
    )


def test_the_article_of_a_script_payload_becomes_the_body(ruleset) -> None:
    teasers = json.dumps(TEASER * 3)  # a shorter string with paragraphs: not the article
    html = _page("<div id='app'></div>", [f"var teasers = {teasers};", _flight_script(PARAGRAPHS)])
    record = clean_html(html, "https://harbour.example/news/sea-wall-three-options", rules=ruleset)
    assert record.drop_reason is None
    assert record.text.split("\n") == PARAGRAPHS


def test_a_page_with_its_article_in_the_markup_keeps_it(ruleset) -> None:
    # the payload says something else: the markup wins, the payload is not read
    other = [p.replace("harbour", "airport") for p in PARAGRAPHS]
    markup = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = _page(f"<article>{markup}</article>", [_flight_script(other)])
    record = clean_html(html, "https://harbour.example/news/sea-wall-three-options", rules=ruleset)
    assert "airport" not in record.text
    assert PARAGRAPHS[0] in record.text


def test_payloads_without_enough_paragraph_text_give_nothing() -> None:
    import lxml.html

    one_paragraph = _flight_script(PARAGRAPHS[:1])
    not_json = "var x = '<p>' + y + '</p>';" * 40
    page = _page("", [one_paragraph, not_json, "var config = {};" * 40])
    # short scripts and scripts with no paragraph markup are not kept
    assert script_texts(lxml.html.document_fromstring(page)) == [not_json]
    assert payload_body([one_paragraph, not_json]) == ""


def test_escaped_quotes_inside_the_payload_stay_in_the_text() -> None:
    quoted = [PARAGRAPHS[0] + ' The chair said: "We will act."', *PARAGRAPHS[1:]]
    body = payload_body([_flight_script(quoted)])
    assert body.split("\n") == quoted
