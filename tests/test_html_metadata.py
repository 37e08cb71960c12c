"""Metadata helpers: bylines, dates, titles."""

from __future__ import annotations

from datetime import datetime, timezone

import lxml.html

from cleaning.metadata.page import extract_metadata, parse_date, split_authors

NOW = datetime(2024, 6, 1, tzinfo=timezone.utc)


def test_bylines_become_names():
    assert split_authors(["By Jane Doe and John Roe | Published March 3, 2024"]) == (
        "Jane Doe",
        "John Roe",
    )
    assert split_authors(["By THE ASSOCIATED PRESS Updated 10:32 AM EST"]) == (
        "The Associated Press",
    )
    assert split_authors(["Ana Lima, Tom Price & Li Wei"]) == ("Ana Lima", "Tom Price", "Li Wei")
    assert split_authors(["https://www.facebook.com/somepage"]) == ()
    assert split_authors(["Jane Doe", "jane doe"]) == ("Jane Doe",)


def test_job_titles_in_bylines_are_not_names():
    # a role after a comma, and a role as one part of a byline, go
    assert split_authors(["Ana Lima, Privacy and Security Expert", "Tom Price, Editor"]) == (
        "Ana Lima",
        "Tom Price",
    )
    assert split_authors(["Li Wei and AP National Political Writer"]) == ("Li Wei",)
    assert split_authors(["Analysis by Ana Lima"]) == ("Ana Lima",)
    # the same name with a role glued on without a comma is the same person
    assert split_authors(["Ana Lima", "Ana Lima Privacy and Security Expert"]) == ("Ana Lima",)
    # a collective credit that is the whole byline stays: it is what the page says
    assert split_authors(["Telegraph Reporters"]) == ("Telegraph Reporters",)
    # names that merely contain role-like letters are names
    assert split_authors(["Chiefa Odum, Reporter"]) == ("Chiefa Odum",)


def test_dates_are_tz_aware_and_never_in_the_future():
    assert parse_date("2024-03-02T09:15:00Z", now=NOW) == datetime(
        2024, 3, 2, 9, 15, tzinfo=timezone.utc
    )
    naive = parse_date("2024-03-02 09:15:00", now=NOW)
    assert naive is not None and naive.tzinfo is not None
    offset = parse_date("2024-03-02T09:15:00+0100", now=NOW)
    assert offset is not None and offset.utcoffset().total_seconds() == 3600
    assert parse_date("2031-01-01T00:00:00Z", now=NOW) is None
    assert parse_date("not a date", now=NOW) is None


def test_meta_date_beats_url_date_and_title_loses_site_name():
    html = """<html><head><title>Rates held again - The Daily Ledger</title>
    <meta property="og:site_name" content="The Daily Ledger">
    <meta property="article:published_time" content="2024-03-05T08:00:00+00:00">
    <script type="application/ld+json">{"@type": "NewsArticle", "headline": "Rates held &#8216;again&#8217;"}</script>
    </head><body><h1>Rates held again</h1></body></html>"""
    root = lxml.html.document_fromstring(html)
    meta = extract_metadata(root, "https://ledger.example.com/2019/01/01/rates-held")
    assert meta.published == datetime(2024, 3, 5, 8, 0, tzinfo=timezone.utc)
    assert meta.title == "Rates held \u2018again\u2019"
    meta_no_ld = extract_metadata(
        lxml.html.document_fromstring(html.replace("application/ld+json", "text/plain")),
        "https://ledger.example.com/a",
    )
    assert meta_no_ld.title == "Rates held again"


def test_url_date_is_the_last_resort():
    html = "<html><head><title>Harbour news</title></head><body><p>Text.</p></body></html>"
    root = lxml.html.document_fromstring(html)
    meta = extract_metadata(root, "https://news.example.org/2023/11/18/harbour-news")
    assert meta.published is not None
    assert meta.published.date().isoformat() == "2023-11-18"
    assert meta.published.tzinfo is not None
