"""Recall pass: an article body split over same-class containers is taken whole."""

from __future__ import annotations

import lxml.html

from cleaning.html.recall import continue_body, fill_gaps, finish_container, unmask_prose

FIRST = [
    "The harbour board met on Tuesday to weigh three options for the failing sea wall, "
    "which has lost a third of its height since the winter storms.",
    "Engineers told the board that a full rebuild would cost four times as much as repairs "
    "but would last for a century rather than a decade.",
]
SECOND = [
    "Residents who packed the public gallery asked why the repairs promised last spring had "
    "never started, and the chair promised a timetable within a month.",
    "The board will vote on the options at its next meeting, after a consultation with "
    "traders on the quay and the lifeboat station.",
]


def _chunk(paragraphs: list[str], extra: str = "") -> str:
    ps = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<div class="grid"><div class="body chunk">{ps}{extra}</div></div>'


def _page(middle: str, second_parent: str = "grid", extra: str = "") -> lxml.html.HtmlElement:
    second = _chunk(SECOND, extra).replace('class="grid"', f'class="{second_parent}"')
    html = f"<html><body><article>{_chunk(FIRST)}{middle}{second}</article></body></html>"
    return lxml.html.document_fromstring(html)


def test_second_chunk_is_appended_in_order():
    root = _page('<div class="ad">Advertisement</div>')
    body = continue_body(root, "\n".join(FIRST))
    lines = body.split("\n")
    assert lines == FIRST + SECOND


def test_link_only_items_of_the_chunk_stay_out():
    more = '<ul><li><a href="/a">The strange life of a harbour master</a></li></ul>'
    body = continue_body(_page("", extra=more), "\n".join(FIRST))
    assert SECOND[1] in body
    assert "harbour master" not in body


def test_chunk_after_another_headline_is_another_article():
    root = _page("<h1>Next story: lifeboat crew honoured</h1>")
    assert continue_body(root, "\n".join(FIRST)) == "\n".join(FIRST)


def test_same_class_under_another_parent_is_not_a_chunk():
    root = _page("", second_parent="sidebar")
    assert continue_body(root, "\n".join(FIRST)) == "\n".join(FIRST)


def test_nothing_extracted_nothing_added():
    assert continue_body(_page(""), "") == ""


THIRD = (
    "The chair said a decision on the funding would follow once the council's own "
    "surveyors had inspected the damaged stretch next to the lifeboat slipway."
)
TEASER = (
    "Ferry operators warned on Monday that timetables along the coast could be cut "
    "for the whole summer season unless the breakwater is repaired."
)


def _with_teaser_and_lead_copy(middle: str) -> lxml.html.HtmlElement:
    """The article in chunks, with a teaser box of another story (its summary a long
    paragraph) and a paywall intro that repeats the first paragraph."""
    teaser = f'<div class="excerpt"><a href="/other">Ferry timetables</a><p>{TEASER}</p></div>'
    intro = f'<div class="intro-fade"><p>{FIRST[0]}</p></div>'
    first = _chunk([*FIRST, THIRD], teaser)
    second = _chunk(SECOND)
    return lxml.html.document_fromstring(
        f"<html><body><article>{first}{middle}{second}</article>{intro}</body></html>"
    )


def test_chunks_are_found_when_a_teaser_and_a_lead_copy_were_extracted_too():
    root = _with_teaser_and_lead_copy('<div class="ad">Advertisement</div>')
    body = continue_body(root, "\n".join([*FIRST, TEASER, THIRD]))
    assert SECOND[0] in body and SECOND[1] in body
    assert body.index(THIRD) < body.index(SECOND[0])


def test_no_chunks_when_no_container_holds_most_extracted_paragraphs():
    # two extracted paragraphs, each from a container of its own: which is the article
    # is not told, nothing is added
    root = _with_teaser_and_lead_copy("")
    body = continue_body(root, "\n".join([FIRST[0], TEASER]))
    assert SECOND[0] not in body


def _one_container(tail: str) -> lxml.html.HtmlElement:
    ps = "".join(f"<p>{p}</p>" for p in FIRST)
    return lxml.html.document_fromstring(
        f'<html><body><div class="rich-text">{ps}{tail}</div></body></html>'
    )


def test_container_tail_after_a_crosshead_is_appended():
    tail = "<h2>What happens next</h2>" + "".join(f"<p>{p}</p>" for p in SECOND)
    body = finish_container(_one_container(tail), "\n".join(FIRST))
    assert body.split("\n") == [*FIRST, "What happens next", *SECOND]


def test_container_tail_is_appended_when_a_copy_of_the_lead_was_extracted_too():
    tail = "<h2>What happens next</h2>" + "".join(f"<p>{p}</p>" for p in SECOND)
    ps = "".join(f"<p>{p}</p>" for p in FIRST)
    root = lxml.html.document_fromstring(
        f'<html><body><div class="rich-text">{ps}{tail}</div>'
        f'<div class="paywall-intro"><p>{FIRST[0]}</p></div></body></html>'
    )
    body = finish_container(root, "\n".join(FIRST))
    assert body.split("\n") == [*FIRST, "What happens next", *SECOND]


def test_short_container_tail_is_left_to_the_extractor():
    root = _one_container("<p>Share this story with a friend.</p>")
    assert finish_container(root, "\n".join(FIRST)) == "\n".join(FIRST)


def test_tail_split_at_line_breaks_is_not_taken_twice():
    dates = "June 9 -- Harbour Hall, Westport<br>June 10 -- Quay Arena, Eastport<br>" * 8
    root = _one_container(f"<p>{dates}</p>")
    body = "\n".join(FIRST) + "\n" + lxml.html.fromstring(f"<p>{dates}</p>").text_content()
    extracted = body.replace("Westport", "Westport\n")
    assert finish_container(root, extracted) == extracted


def _gap_page(middle: str, aside: str = "") -> lxml.html.HtmlElement:
    before = "".join(f"<p>{p}</p>" for p in FIRST)
    after = "".join(f"<p>{p}</p>" for p in SECOND)
    return lxml.html.document_fromstring(
        f"<html><body><div class='post'>{before}{middle}{after}</div>{aside}</body></html>"
    )


def test_list_and_crosshead_between_extracted_paragraphs_go_back_in_place():
    middle = (
        "<h2>The three options</h2><ul><li>Repair the wall</li><li>Rebuild it</li>"
        "<li>Retreat from the <a href='/quay'>quay</a></li></ul>"
    )
    body = fill_gaps(_gap_page(middle), "\n".join(FIRST + SECOND))
    assert body.split("\n") == [
        *FIRST,
        "The three options",
        "- Repair the wall",
        "- Rebuild it",
        "- Retreat from the quay",
        *SECOND,
    ]


def test_gap_blocks_that_are_not_article_text_stay_out():
    toc = "<ul><li><a href='#a'>Background</a></li><li><a href='#b'>Options</a></li></ul>"
    rail = "<ul>" + "<li><a href='/s'>Lifeboat crew honoured for rescue off the point</a></li>" * 3
    gallery = "<ul><li><img src='a.jpg'>The wall in March</li><li>The wall in May</li></ul>"
    read_more = "<p>Read more: <a href='/s'>Lifeboat crew honoured for rescue</a></p>"
    see_also = "<ul>" + "<li>See also: <a href='/t'>Tide tables for the bay</a></li>" * 2 + "</ul>"
    body = "\n".join(FIRST + SECOND)
    for middle in (toc, rail + "</ul>", gallery, read_more, see_also):
        assert fill_gaps(_gap_page(middle), body) == body


def test_blocks_outside_the_article_container_stay_out():
    aside = "<aside><ul><li>Tide times</li><li>Weather</li></ul></aside>"
    body = "\n".join(FIRST + SECOND)
    assert fill_gaps(_gap_page("", aside=aside), body) == body
    # a list that follows the last extracted paragraph is not between two of them
    root = _gap_page("")
    root.find(".//div").append(lxml.html.fragment_fromstring("<ul><li>Tide times</li></ul>"))
    assert fill_gaps(root, body) == body


def test_block_the_extractor_split_at_line_breaks_is_not_taken_twice():
    middle = "<p>Quay Arena, Eastport<br>Harbour Hall, Westport</p>"
    extracted = [*FIRST, "Quay Arena, Eastport", "Harbour Hall, Westport", *SECOND]
    body = "\n".join(extracted)
    assert fill_gaps(_gap_page(middle), body) == body


def test_prose_in_widget_markup_is_unmasked_and_widgets_are_not():
    prose = "".join(f"<p>{p}</p>" for p in FIRST)
    root = lxml.html.document_fromstring(
        "<html><body>"
        f'<div class="tab-panel" style="display: none" aria-hidden="true">{prose}</div>'
        f'<section class="wp-embed accordion-icon-right">{prose}</section>'
        '<div class="modal" style="display:none"><p>Sign in to keep reading.</p></div>'
        '<div class="entry-meta">By Jane Doe</div>'
        "</body></html>"
    )
    assert unmask_prose(root) == 2
    tab, section, modal, meta = root.find("body")
    assert "none" not in tab.get("style") and tab.get("aria-hidden") is None
    assert "embed" not in section.get("class") and "-icon" not in section.get("class")
    assert "accordion" in section.get("class")  # the rest of the class stays
    assert modal.get("style") == "display:none"
    assert meta.get("class") == "entry-meta"


def test_table_in_a_wrapper_between_paragraphs_goes_back():
    table = (
        "<div class='table-responsive'><table><tr><th>Option</th><th>Cost</th></tr>"
        "<tr><td>Repair</td><td>2 million</td></tr></table></div>"
    )
    body = fill_gaps(_gap_page(table), "\n".join(FIRST + SECOND))
    assert body.split("\n") == [*FIRST, "| Option | Cost |", "| Repair | 2 million |", *SECOND]
    # a wrapper holding more than the one block is a layout box, left to the extractor
    boxed = table.replace("</table></div>", "</table><p>Source: harbour board</p></div>")
    assert fill_gaps(_gap_page(boxed), "\n".join(FIRST + SECOND)) == "\n".join(FIRST + SECOND)
