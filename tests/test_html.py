"""HTML mode end to end: widgets out with their rule ids, metadata, not-article pages, bad input.

The fixture pages under tests/fixtures/html/ are written for these tests (no
publisher's HTML is copied here).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from cleaning.html import extract
from cleaning.html.decode import MAX_ATTRIBUTES, MAX_ELEMENTS, MAX_INLINE_CHILDREN, parse_html
from cleaning.html.extract import MAX_CASCADE_ELEMENTS, HTMLInputError, clean_html
from pipelines.rulefiles import load_ruleset

FIXTURES = Path(__file__).parent / "fixtures" / "html"
ARTICLE_URL = "https://news.example.org/local/harbour-sea-wall-vote"


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


def page(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_widgets_leave_the_body_with_their_rule_ids(rules):
    record = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    assert record.is_article
    text = record.text
    # the five paragraphs of the article, in order
    firsts = [
        "Councillors in the harbour",
        "The old wall",
        "Engineers told",
        "Residents who packed",
        "The council expects",
    ]
    positions = [text.find(f) for f in firsts]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    for widget in (
        "morning briefing",
        "Recruitment Genius",
        "Share on Facebook",
        "covers local government",
        "We use cookies",
        "Storm damage bill",
    ):
        assert widget not in text
    ids = {r.rule_id for r in record.removed}
    assert {
        "generic.newsletter.signup_box",
        "generic.jobs.widget",
        "generic.share.bar",
        "generic.author.bio",
        "generic.cookie.banner",
    } <= ids
    by_id = {r.rule_id: r.text for r in record.removed}
    assert "morning briefing" in by_id["generic.newsletter.signup_box"]
    assert "Recruitment Genius" in by_id["generic.jobs.widget"]


def test_headline_goes_to_title_not_body(rules):
    record = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    assert record.title == "Harbour town votes to rebuild its sea wall"
    assert not record.text.startswith("Harbour town votes")
    assert any(r.rule_id == "generic.heading.headline" for r in record.removed)


def test_a_headline_line_with_its_kicker_glued_on_goes_too(rules):
    # the title is declared without the kicker; the body's first line has both, glued
    paragraph = (
        "<p>The council met on Tuesday night and voted, after three hours of debate, to put "
        "off the decision on the harbour sea wall until the spring, when the new survey of "
        "the quay is due and the cost of the work is known.</p>"
    )
    html = (
        '<html><head><meta property="og:title" content="Council delays the sea wall vote">'
        "</head><body><article><h2><span>Harbour row</span><span>Council delays the sea "
        "wall vote</span></h2>" + paragraph * 4 + "</article></body></html>"
    )
    record = clean_html(html, ARTICLE_URL, rules=rules)
    assert record.title == "Council delays the sea wall vote"
    assert record.text.startswith("The council met")
    assert any(r.rule_id == "generic.heading.headline" for r in record.removed)


def test_disabled_dom_rule_keeps_its_block(rules):
    record = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    assert "Courier puzzle page" not in record.text
    assert any(r.rule_id == "generic.promo.box" for r in record.removed)
    relaxed = load_ruleset(disabled=["generic.promo.box"])
    record = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=relaxed)
    assert all(r.rule_id != "generic.promo.box" for r in record.removed)
    assert "Courier puzzle page" in record.text


def test_metadata_from_json_ld_and_meta_tags(rules):
    record = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    assert record.authors == ("Mara Lindqvist", "Tom Oduya")
    assert record.published == datetime(2024, 3, 2, 9, 15, tzinfo=timezone.utc)
    assert record.modified == datetime(2024, 3, 2, 11, 40, tzinfo=timezone.utc)
    assert record.site_name == "The Coastal Courier"
    assert record.canonical_url == ARTICLE_URL
    assert record.description == "Councillors back a twelve-million-pound plan after winter storms."
    assert record.section == "Local"
    assert record.tags == ("Flooding", "Council")
    assert record.image_url == "https://news.example.org/images/sea-wall.jpg"
    assert record.language == "en"
    assert record.paywalled is False


def test_metadata_from_meta_tags_and_byline_only(rules):
    record = clean_html(page("byline_meta.html"), "https://gazette.example.fr/marche", rules=rules)
    assert record.title == "Le marché couvert rouvre ses portes"  # site name cut from <title>
    assert record.authors == ("Camille Roux",)
    assert record.published is not None
    assert record.published.utcoffset() == timedelta(hours=1)
    assert record.published.date().isoformat() == "2023-11-18"
    assert record.language == "fr"
    assert record.site_name == "La Gazette du Val"


def test_wrong_declared_charset_does_not_make_mojibake(rules):
    # the fixture declares iso-8859-1 but its bytes are UTF-8
    record = clean_html(page("byline_meta.html"), "https://gazette.example.fr/marche", rules=rules)
    assert "marché couvert" in record.text
    assert "Ã" not in record.text and "\ufffd" not in record.text


def test_declared_single_byte_charset_is_honoured(rules):
    raw = page("byline_meta.html").decode("utf-8").encode("cp1252")
    record = clean_html(raw, "https://gazette.example.fr/marche", rules=rules)
    assert "rénovation a coûté" in record.text


def test_utf8_declared_but_latin1_bytes(rules):
    html = page("byline_meta.html").decode("utf-8").replace("iso-8859-1", "utf-8")
    record = clean_html(html.encode("cp1252"), "https://gazette.example.fr/marche", rules=rules)
    assert "rénovation a coûté" in record.text


def test_str_input_is_accepted(rules):
    html = page("article_widgets.html").decode("utf-8")
    assert "Engineers told" in clean_html(html, ARTICLE_URL, rules=rules).text


def test_paywall_flag_from_json_ld(rules):
    record = clean_html(page("paywalled.html"), "https://news.example.org/port-deal", rules=rules)
    assert record.paywalled is True
    assert "thirty-year lease" in record.text
    assert "Subscribe to continue reading" not in record.text


@pytest.mark.parametrize(
    ("name", "url", "reason"),
    [
        ("section_front.html", "https://news.example.org/sport/", "not_article:listing"),
        ("not_found.html", "https://news.example.org/missing-page", "not_article:error_page"),
    ],
)
def test_not_article_pages_are_dropped_with_a_reason(rules, name, url, reason):
    record = clean_html(page(name), url, rules=rules)
    assert record.drop_reason == reason
    assert not record.is_article


def test_gallery_without_text_is_dropped(rules):
    photos = "".join(
        f'<figure><img src="/p{i}.jpg"><figcaption>Photo {i}</figcaption></figure>'
        for i in range(12)
    )
    html = f"<html><head><title>Storm in pictures</title></head><body>{photos}</body></html>"
    record = clean_html(html, "https://news.example.org/gallery/storm", rules=rules)
    assert record.drop_reason in ("not_article:gallery", "not_article:no_text")


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "empty"),
        (b"   \n\t ", "empty"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b'{"headline": "x", "body": "y"}', "JSON"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (b"just a line of plain text, no markup at all", "no HTML"),
    ],
)
def test_bad_input_raises_a_clear_error(rules, raw, words):
    with pytest.raises(HTMLInputError) as info:
        clean_html(raw, "https://news.example.org/x", rules=rules)
    message = str(info.value)
    assert words.lower() in message.lower()
    assert "\n" not in message
    assert isinstance(info.value, ValueError)


def test_deep_nesting_does_not_crash(rules):
    para = "<p>" + "A sentence about the harbour wall and the storm. " * 12 + "</p>"
    html = "<html><body>" + "<div>" * 20000 + para + "</div>" * 20000 + "</body></html>"
    record = clean_html(html.encode(), "https://news.example.org/deep", rules=rules)
    assert isinstance(record.text, str)


def test_a_tag_with_tens_of_thousands_of_attributes_keeps_its_first_ones(rules):
    # libxml2's parse is quadratic in a tag's attributes (100,000 of them: seconds a parse,
    # and a page is parsed several times): a tag keeps the first MAX_ATTRIBUTES
    para = "<p>" + "A sentence about the harbour wall and the storm surge. " * 12 + "</p>"
    attributes = " ".join(f'data-x{i}="{i}"' for i in range(20_000))
    html = f'<html><body><div id="story" {attributes}>{para * 4}</div></body></html>'
    root, _ = parse_html(html.encode())
    story = root.get_element_by_id("story")
    assert len(story.attrib) == MAX_ATTRIBUTES
    assert story.get("data-x0") == "0" and story.get("data-x19999") is None
    record = clean_html(html.encode(), "https://news.example.org/attrs", rules=rules)
    assert "harbour wall and the storm surge" in record.text


def test_a_page_of_endless_empty_elements_is_cut_after_max_elements(rules):
    # the extractors cost about 0.1 ms an element: 500,000 empty paragraphs in 4 MB took
    # 45 s; the article before them is kept, what lies past MAX_ELEMENTS is not read
    para = "<p>" + "A sentence about the harbour wall and the storm surge. " * 12 + "</p>"
    html = f"<html><body><article>{para * 4}</article>{'<p>x</p>' * (MAX_ELEMENTS + 5000)}"
    html += "<p>The last words after the flood of markup.</p></body></html>"
    root, _ = parse_html(html.encode())
    assert sum(1 for _ in root.iter()) == MAX_ELEMENTS
    assert "The last words" not in root.text_content()
    record = clean_html(html.encode(), "https://news.example.org/wide", rules=rules)
    assert "harbour wall and the storm surge" in record.text


@pytest.mark.parametrize("inline", ["span", "a"])
def test_a_paragraph_of_endless_inline_tags_is_read_as_one_text(rules, inline):
    # the extraction's cost grows with the square of a paragraph's inline children and text
    # nodes (32,000 links: 7 s): past MAX_INLINE_CHILDREN they are unwrapped, text in place
    attrs = ' href="/tag"' if inline == "a" else ""
    words = "".join(f"<{inline}{attrs}>w{i} </{inline}>" for i in range(MAX_INLINE_CHILDREN * 4))
    story = "<p>" + "A sentence about the harbour wall and the storm surge. " * 12 + "</p>"
    html = f"<html><body><article>{story}<p id='wide'>{words}</p></article></body></html>"
    root, _ = parse_html(html.encode())
    wide = root.get_element_by_id("wide")
    assert len(wide) == 0 and len(wide.xpath(".//text()")) == 1
    assert wide.text.startswith("w0 w1 ") and f"w{MAX_INLINE_CHILDREN * 4 - 1}" in wide.text
    # a list of as many links (a link cloud) keeps them: the link-density tests need them
    cloud = "".join(f'<li><a href="/t{i}">t{i}</a></li>' for i in range(MAX_INLINE_CHILDREN * 2))
    root, _ = parse_html(f"<html><body><ul id='cloud'>{cloud}</ul></body></html>".encode())
    assert len(root.get_element_by_id("cloud").findall(".//a")) == MAX_INLINE_CHILDREN * 2
    record = clean_html(html.encode(), "https://news.example.org/inline", rules=rules)
    assert "harbour wall and the storm surge" in record.text


@pytest.mark.parametrize("paragraphs", [200, MAX_CASCADE_ELEMENTS + 100])
def test_the_full_cascade_is_not_run_on_a_page_of_too_many_elements(rules, monkeypatch, paragraphs):
    # jusText, in the full cascade, is quadratic in a run of short paragraphs (a page of
    # 60,000 took ten minutes): the fast pass's text is kept past MAX_CASCADE_ELEMENTS
    passes: list[bool] = []
    real = extract._extract

    def counted(root, url, fast, language=None):
        passes.append(fast)
        return real(root, url, fast, language)

    monkeypatch.setattr(extract, "_extract", counted)
    story = "<p>The harbour wall was finished on Monday after six years of work.</p>"
    html = f"<html><body><article>{story}</article>{'<p>x</p>' * paragraphs}</body></html>"
    record = clean_html(html.encode(), "https://news.example.org/short", rules=rules)
    assert "harbour wall was finished" in record.text
    # a short article among many one-word paragraphs: the fast pass finds too little
    assert passes[0] is True
    assert (False in passes) == (paragraphs < MAX_CASCADE_ELEMENTS)


def test_huge_inline_script_does_not_hide_the_article(rules):
    para = "<p>" + "A sentence about the harbour wall and the storm surge. " * 12 + "</p>"
    blob = "x" * 12_000_000
    html = (
        f'<html><head><script>var data="{blob}";</script></head>'
        f"<body><article>{para * 4}</article></body></html>"
    )
    record = clean_html(html.encode(), "https://news.example.org/big", rules=rules)
    assert "harbour wall and the storm surge" in record.text


def test_same_input_same_output(rules):
    a = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    clean_html(page("byline_meta.html"), "https://gazette.example.fr/marche", rules=rules)
    b = clean_html(page("article_widgets.html"), ARTICLE_URL, rules=rules)
    assert a == b


def test_visible_paywall_prompt_sets_paywalled(rules):
    para = (
        "<p>" + "The port authority signed a thirty-year lease with a shipping group. " * 4 + "</p>"
    )
    html = (
        f"<html><head><title>Port deal</title></head><body><article>{para}{para}"
        '<div class="wall"><p>Subscribe today to continue reading this story.</p></div>'
        "</article></body></html>"
    )
    assert clean_html(html, "https://news.example.org/port", rules=rules).paywalled is True
    # page bytes are searched for the prompt's phrases before the tree is walked
    assert clean_html(html.encode(), "https://news.example.org/port", rules=rules).paywalled
    free = html.replace("Subscribe today to continue reading this story.", "")
    assert clean_html(free, "https://news.example.org/port", rules=rules).paywalled is None


def test_double_encoded_utf8_is_repaired(rules):
    words = "The mayor’s plan – café owners say it’s “too little”, and the résumé of the council"
    # the publisher's CMS read UTF-8 as windows-1252 (bytes it leaves undefined as
    # latin-1, as browsers do) and saved it again as UTF-8
    mangled = "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in words.encode("utf-8")
    )
    html = (
        "<html><head><meta charset='utf-8'><title>Sea wall</title></head><body><article>"
        + f"<p>{mangled} was read out at the harbour meeting on Tuesday evening.</p>" * 3
        + "</article></body></html>"
    ).encode("utf-8")
    record = clean_html(html, ARTICLE_URL, rules=rules)
    assert "mayor’s plan – café owners say it’s “too little”" in record.text
    assert "â€" not in record.text


def test_single_accented_pairs_are_left_alone(rules):
    text = "Über alles: the café» sign hung in the harbour for a century, locals said."
    html = f"<html><body><article><p>{text}</p><p>{text}</p></article></body></html>"
    record = clean_html(html.encode("utf-8"), ARTICLE_URL, rules=rules)
    assert "Über alles" in record.text


def test_article_after_a_closing_html_tag_is_kept(rules):
    # some templates print the site header as a whole document, then the article after it;
    # browsers show both, libxml2 alone would stop at </html>
    paras = "".join(
        f"<p>{topic} The ferry timetable changes next month after a long consultation with "
        "islanders, hauliers and the harbour board, who asked for earlier sailings.</p>"
        for topic in ("Monday:", "Tuesday:", "Wednesday:", "Thursday:")
    )
    html = (
        "<html><head><title>Ferry timetable</title></head><body><header><a href='/'>Home</a>"
        f"</header></body></html>\n<div class='post'><article>{paras}</article></div>"
    )
    record = clean_html(html.encode(), "https://news.example.org/ferry-timetable", rules=rules)
    assert "Thursday: The ferry timetable changes next month" in record.text
    assert record.drop_reason is None


def test_article_text_in_widget_like_markup_is_extracted(rules):
    # CMS blocks named like widgets ("embed", an accordion "-icon" style) and tab panels
    # hidden until a click hold article text
    def paras(topic: str, count: int = 2) -> str:
        return "".join(
            f"<p>{topic} {n}: the harbour board weighed repairs against a full rebuild of the "
            "sea wall, which lost a third of its height in the winter storms.</p>"
            for n in range(1, count + 1)
        )

    html = (
        "<html><head><title>Sea wall options</title></head><body><article>"
        f"<h1>Sea wall options</h1>{paras('Summary', 4)}"
        f'<section class="content-embed">{paras("Costs")}</section>'
        f'<div class="panel" style="display:none">{paras("Timeline")}</div>'
        f"{paras('Outlook', 4)}</article></body></html>"
    )
    record = clean_html(html, "https://news.example.org/sea-wall-options", rules=rules)
    assert "Costs 2: the harbour board" in record.text
    assert "Timeline 2: the harbour board" in record.text


def test_table_rows_of_figures_stay_and_separator_lines_go(rules):
    paras = "".join(
        f"<p>{month}: house prices in the harbour district rose again, the agents' survey "
        "found, with the strongest demand for flats near the quay.</p>"
        for month in ("January", "February", "March", "April")
    )
    rows = "".join(f"<tr><td>{m}/1/2024</td><td>+{m}.5%</td></tr>" for m in range(1, 7))
    table = f"<table><tr><th>Month</th><th>Change</th></tr>{rows}</table>"
    html = (
        "<html><head><title>House prices</title></head><body><article>"
        f"{paras}{table}<p>* * *</p>{paras.replace('prices', 'rents')}</article></body></html>"
    )
    record = clean_html(html, "https://news.example.org/house-prices-rise", rules=rules)
    assert "| 3/1/2024 | +3.5% |" in record.text
    assert "* * *" not in record.text
    assert ("generic.symbols.no_letters", "* * *") in {(r.rule_id, r.text) for r in record.removed}


def test_figures_in_cells_of_paragraphs_and_rank_numbers_stay(rules):
    # a table whose cells hold paragraphs comes out of the extractor one cell a line: a line
    # that is only a price range is still data; so is the rank number above a list entry
    paras = "".join(
        f"<p>{part} of the harbour works: the board set out what each stage of the repairs "
        "to the sea wall and the quay is likely to cost the town.</p>"
        for part in ("First", "Second", "Third", "Fourth")
    )
    cells = "".join(
        f"<tr><td><p>{name}</p></td><td><p>${low},000 – ${high},000</p></td></tr>"
        for name, low, high in (("Wall repair", 75, 100), ("Quay decking", 10, 20))
    )
    html = (
        "<html><head><title>Harbour works</title></head><body><article>"
        f"{paras}<table>{cells}</table><p>* * *</p><h3>7</h3><p>The pier is the seventh "
        "item on the list and the last to be mended, the board said on Monday.</p>"
        f"{paras.replace('works', 'plans')}</article></body></html>"
    )
    record = clean_html(html, "https://news.example.org/harbour-works-costs", rules=rules)
    assert "$75,000 – $100,000" in record.text
    assert "$10,000 – $20,000" in record.text
    assert "7" in record.text.split("\n")  # the rank number above its entry
    assert "* * *" not in record.text
    assert ("generic.symbols.no_letters", "* * *") in {(r.rule_id, r.text) for r in record.removed}


def test_ratings_and_phone_numbers_are_not_date_stamps(rules):
    # a score on a line of its own ("4.5/5", "3.5") or a telephone number reads as figures,
    # not as a date: the line stays; a real stamp on a line of its own still goes
    entries = "".join(
        f"<h3>{name}</h3><p>{score}</p><p>The {name.lower()} kept the tent dry through two nights "
        "of rain on the hill, and it packs down small enough for a day bag.</p>"
        for name, score in (("Ridge tent", "4.5/5"), ("Valley tent", "3.5"), ("Coast tent", "4/5"))
    )
    html = (
        "<html><head><title>Tents tested</title></head><body><article><p>Updated 12:30 PM GMT, "
        "February 27, 2024</p><p>We pitched a dozen tents on the hill above the harbour over two "
        "wet weekends to see which of them kept their sleepers dry.</p>"
        f"{entries}<p>Bookings for the test weekend:</p><p>01-555-0199</p></article></body></html>"
    )
    record = clean_html(html, "https://news.example.org/tents-tested", rules=rules)
    lines = record.text.split("\n")
    assert "4.5/5" in lines
    assert "3.5" in lines
    assert "01-555-0199" in lines
    assert "February 27, 2024" not in record.text


def test_pay_ranges_in_the_article_stay_in_html_mode(rules):
    # a job board is a widget the DOM rules take out by its markup; in the extracted body a
    # pay range is the article's sentence, which the text-mode job-listing rule would drop
    paras = "".join(
        f"<p>{lead} the harbour board said the new ferry crews would be hired before the summer "
        "timetable starts, once the boats are back from the yard.</p>"
        for lead in ("On Monday", "On Tuesday", "Later", "Finally")
    )
    html = (
        "<html><head><title>Ferry crews</title></head><body><article>"
        f"{paras}<p>Deckhands will earn $18 - $22 per hour, the board said.</p>"
        '<div class="jobs-widget"><a href="/jobs/1">Deckhand, $18 - $22 per hour</a></div>'
        f"{paras.replace('crews', 'staff')}</article></body></html>"
    )
    record = clean_html(html, "https://news.example.org/ferry-crews-hired", rules=rules)
    assert "Deckhands will earn $18 - $22 per hour, the board said." in record.text
    assert "Deckhand, $18 - $22 per hour" not in record.text


@pytest.mark.parametrize("name", ["article_widgets.html", "paywalled.html", "section_front.html"])
def test_cleaning_a_page_leaves_no_reference_cycles(rules, name):
    # garbage in a reference cycle waits for a collection, and a cycle that holds an element
    # holds the page's whole tree: the batch process collects seldom (pipelines/batch/run.py)
    import gc

    clean_html(page(name), ARTICLE_URL, rules=rules)  # the rule set's matchers get built
    gc.collect()
    gc.disable()
    try:
        clean_html(page(name), ARTICLE_URL, rules=rules)
        assert gc.collect() == 0
    finally:
        gc.enable()


CODE_PAGE = """<html><head><title>Retrying a flaky download</title></head><body>
<article><h1>Retrying a flaky download</h1>
<p>Downloads over a bad mobile link fail often enough that every client we ship needs a
retry loop, and the loop is easy to get wrong in ways that only show under load.</p>
<p>The version below waits longer after each failure, gives up after five attempts and
lets the caller see the last error, which is what our support team asked for.</p>
<pre><code>def fetch(url):
    for attempt in range(5):
        try:
            return get(url)
        except IOError as err:
            last = err
            sleep(2 ** attempt)
    raise last
</code></pre>
<p>In the browser the same idea reads a little differently, because the request is a
promise and the wait has to be one too, but the shape of the loop is the same.</p>
<pre><code>async function fetchAll(urls) {
  for (const url of urls) {
    await fetchOne(url);
  }
}
</code></pre>
<p>Both versions have run in production for a year now, and the number of support
tickets about failed downloads has fallen by more than half since they shipped.</p>
</article></body></html>"""


def test_code_blocks_keep_their_indentation_and_closing_braces(rules):
    record = clean_html(CODE_PAGE, "https://dev.example.org/blog/retrying", rules=rules)
    lines = record.text.split("\n")
    # the indentation is the program's (Python's is its syntax), as the page shows it
    assert "    for attempt in range(5):" in lines
    assert "            return get(url)" in lines
    assert "  for (const url of urls) {" in lines
    # a line holding only braces closes a block: no separator to remove
    assert "  }" in lines and "}" in lines
    assert not any(
        r.rule_id == "generic.symbols.no_letters" and r.text.strip() == "}" for r in record.removed
    )
    # the prose around the code is still cleaned as prose: no indentation added
    assert any(line.startswith("Downloads over a bad mobile link") for line in lines)
