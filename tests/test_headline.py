"""Which headline a page gets: the visible <h1> of the story, without the site's name."""

from __future__ import annotations

import lxml.html

from cleaning.metadata.headline import (
    heading_text,
    pick_headline,
    site_keys,
    strip_site_name,
    url_sections,
)
from cleaning.metadata.page import extract_metadata

URL = "https://www.ledger.example/news/district/harbour-wall-vote"


def title_of(head: str, body: str, url: str = URL) -> str | None:
    html = f"<html><head>{head}</head><body>{body}<p>Some body text here.</p></body></html>"
    return extract_metadata(lxml.html.fromstring(html), url).title


def og(title: str, site: str = "The Daily Ledger") -> str:
    return f'<meta property="og:site_name" content="{site}"><meta property="og:title" content="{title}">'


def strip(title: str, site: str | None = "The Daily Ledger") -> str:
    keys = site_keys(site, "ledger.example")
    return strip_site_name(title, keys, {"news", "district"}, "ledger.example")


def test_separators_inside_the_story_title_survive_the_site_name_cut():
    assert strip("Plant diets \u2013 tips and tricks | The Daily Ledger") == (
        "Plant diets \u2013 tips and tricks"
    )
    assert strip("Rates held - why it matters | Business | Ledger") == (
        "Rates held - why it matters | Business"
    )


def test_a_url_section_at_the_end_of_a_title_goes_and_other_endings_stay():
    assert strip("Harbour wall vote delayed | District") == "Harbour wall vote delayed"
    assert strip("Harbour wall vote delayed | Patient Education | Ledger") == (
        "Harbour wall vote delayed | Patient Education"
    )


def test_a_part_naming_the_site_among_many_words_of_its_own_is_the_story_s():
    assert strip("Harbour wall vote delayed | Daily Ledger Health News") == (
        "Harbour wall vote delayed"
    )
    assert strip("Take the wall - The Daily Ledger at the 2018 harbour fair") == (
        "Take the wall - The Daily Ledger at the 2018 harbour fair"
    )


def test_a_url_section_before_a_title_goes_but_the_story_s_own_slug_is_no_section():
    assert strip("District | Harbour wall vote delayed") == "Harbour wall vote delayed"
    assert strip("Harbour talks | Harbour wall vote delayed") == (
        "Harbour talks | Harbour wall vote delayed"
    )
    # "/opinion/harbour-wall-vote/": the last folder is the story's slug, not its section
    keys = site_keys("The Daily Ledger", "ledger.example")
    sections = url_sections("https://ledger.example/opinion/harbour-wall-vote/")
    assert sections == {"opinion"}
    assert strip_site_name("Harbour wall vote | Opinion", keys, sections) == "Harbour wall vote"


def test_a_blog_name_before_a_colon_goes_but_a_kicker_stays():
    assert strip("Ledger Blog: Harbour wall vote delayed") == "Harbour wall vote delayed"
    assert strip("Harbour Report: wall vote delayed") == "Harbour Report: wall vote delayed"
    assert strip("The 2024 Ledger Awards: best harbour walls") == (
        "The 2024 Ledger Awards: best harbour walls"
    )


def test_a_host_name_glued_before_the_title_goes():
    assert strip("ledger.example Harbour wall vote", site=None) == "Harbour wall vote"


def test_a_site_name_that_is_a_whole_title_names_the_site_by_its_shortest_part():
    keys = site_keys("Harbour wall vote delayed | Ledger", None)
    assert keys == {"ledger"}
    assert strip_site_name("Harbour wall vote delayed | Ledger", keys) == (
        "Harbour wall vote delayed"
    )


def test_heading_text_breaks_at_br_and_leaves_out_a_date_stamp():
    h1 = lxml.html.fromstring(
        '<h1><time datetime="2025-12-18">Dec 18 2025</time>WEEKEND<br>CODING<br>'
        "<span>AGENT</span><!-- hero --></h1>"
    )
    assert heading_text(h1) == "WEEKEND CODING AGENT"


def test_an_h1_that_is_the_logo_linking_home_does_not_count():
    body = (
        '<h1><a href="https://www.ledger.example/">dl\u2014x</a></h1>'
        "<h1>Why the harbour wall vote was delayed again</h1>"
    )
    assert title_of(og("Harbour wall vote delayed again"), body) == (
        "Why the harbour wall vote was delayed again"
    )
    logo_only = '<h1 class="site-name">Ledger Daily</h1>'
    assert title_of("<title>Harbour wall vote</title>", logo_only) == "Harbour wall vote"


def test_the_one_h1_about_the_story_wins_over_an_overlay_h1():
    body = (
        "<h1>Why the harbour wall vote was delayed again</h1>"
        '<h1 class="overlay">Subscribe to The Daily Ledger</h1>'
    )
    assert title_of(og("Harbour wall vote delayed again"), body) == (
        "Why the harbour wall vote was delayed again"
    )


def test_an_h1_matching_og_title_beats_an_unrelated_json_ld_headline():
    ld = '<script type="application/ld+json">{"@type": "Article", "headline": "Menus"}</script>'
    head = ld + og("Seven days of cheap meals")
    assert title_of(head, "<h1>Seven days of cheap meals</h1>") == "Seven days of cheap meals"
    assert title_of(ld, "<h1>Seven days of cheap meals</h1>") == "Menus"


def test_an_h1_its_template_marks_as_the_headline_wins_without_shared_words():
    body = '<h1 class="guide-hero__headline">Find a car that suits you</h1>'
    assert title_of(og("Hybrid buying guide"), body) == "Find a car that suits you"
    assert title_of(og("Hybrid buying guide"), "<h1>Find a car that suits you</h1>") == (
        "Hybrid buying guide"
    )


def test_the_declared_form_stays_when_the_h1_spells_it_worse():
    declared = og("Event planning: a beginner\u2019s guide")
    assert title_of(declared, "<h1>Event planning? a beginner? guide</h1>") == (
        "Event planning: a beginner\u2019s guide"
    )
    assert title_of(og("Weekend Coding Agent"), "<h1>WEEKEND CODING AGENT</h1>") == (
        "Weekend Coding Agent"
    )


def test_the_visible_marks_win_when_the_h1_has_marks_the_declared_title_lacks():
    assert title_of(og("Mobile design - the guide"), "<h1>Mobile design: the guide</h1>") == (
        "Mobile design: the guide"
    )
    assert title_of(og("Things to know first"), "<h1>Things to know first.</h1>") == (
        "Things to know first."
    )


# The <h1> against a declared SEO title (a dated URL: no folder names a section).
DATED_URL = "https://www.ledger.example/2024/03/02/harbour-wall"


def dated_title_of(head: str, body: str) -> str | None:
    return title_of(head, body, DATED_URL)


OG = (
    '<meta property="og:site_name" content="The Daily Ledger">'
    '<meta property="og:title" content="Opinion | Harbour wall vote delayed again">'
)


def test_the_visible_h1_replaces_a_declared_seo_title():
    body = "<h1>Why the harbour wall vote was delayed again</h1>"
    assert dated_title_of(OG, body) == "Why the harbour wall vote was delayed again"


def test_an_h1_about_something_else_does_not_win():
    body = "<h1>Sign up for our morning briefing</h1>"
    assert dated_title_of(OG, body) == "Opinion | Harbour wall vote delayed again"


def test_an_h1_naming_the_site_does_not_win():
    body = '<h1><a href="/">The Daily Ledger</a></h1>'
    assert dated_title_of(OG, body) == "Opinion | Harbour wall vote delayed again"
    assert (
        dated_title_of(OG, "<h1>ledger.example</h1>") == "Opinion | Harbour wall vote delayed again"
    )


def test_several_h1s_leave_the_declared_title():
    body = "<h1>Harbour wall vote delayed</h1><h1>Harbour news in brief</h1>"
    assert dated_title_of(OG, body) == "Opinion | Harbour wall vote delayed again"


def test_the_site_name_is_stripped_from_the_h1_too():
    body = "<h1>Harbour wall vote delayed again - The Daily Ledger</h1>"
    assert dated_title_of(OG, body) == "Harbour wall vote delayed again"


# A news publisher's JSON-LD NewsArticle headline against the <h1>.
def news_ld(headline: str, kind: str = "NewsArticle") -> str:
    return (
        '<script type="application/ld+json">'
        f'{{"@context": "https://schema.org", "@type": "{kind}", "headline": "{headline}"}}'
        "</script>"
    )


def test_a_news_article_headline_wins_over_an_h1_with_a_kicker():
    body = "<h1><span>Harbour row</span> - Council delays the wall vote again</h1>"
    head = news_ld("Council delays the wall vote again") + og("Council delays the wall vote")
    assert title_of(head, body) == "Council delays the wall vote again"
    # its subtypes are news articles too
    head = news_ld("Council delays the wall vote again", "ReportageNewsArticle")
    assert title_of(head, body) == "Council delays the wall vote again"
    # a blog's or a shop's Article headline (an SEO plugin's) does not beat the visible <h1>
    head = news_ld("Council delays the wall vote again", "BlogPosting")
    assert title_of(head, body) == "Harbour row - Council delays the wall vote again"


def test_a_news_headline_cut_short_or_about_nothing_else_gives_way_to_the_h1():
    body = "<h1>Council delays the harbour wall vote again after a night of protest</h1>"
    cut = news_ld("Council delays the harbour wall vote again after a\u2026")
    assert title_of(cut, body) == (
        "Council delays the harbour wall vote again after a night of protest"
    )
    stray = news_ld("Menus") + og("Harbour wall vote delayed")
    assert title_of(stray, body) == (
        "Council delays the harbour wall vote again after a night of protest"
    )


def test_a_news_headline_of_invisible_characters_only_hands_over_to_the_h1_rule():
    # The NewsArticle headline is the headline of record only when it has visible text:
    # an empty one must not promote og:title to that rank over the story's own <h1>.
    body = "<h1>Council delays the harbour wall vote after a night of protest</h1>"
    head = news_ld("\u00ad\u200b") + og("Harbour wall vote delayed")
    assert title_of(head, body) == (
        "Council delays the harbour wall vote after a night of protest"
    )
    # the same og:title without the empty headline: the <h1> rule, the same answer
    assert title_of(og("Harbour wall vote delayed"), body) == (
        "Council delays the harbour wall vote after a night of protest"
    )


def test_a_news_page_with_no_declared_title_reads_the_h1_or_nothing():
    root = lxml.html.fromstring("<html><body><h1>Harbour wall vote delayed</h1></body></html>")
    kwargs = {"site_name": None, "url": None, "news": True}
    assert pick_headline(root, [], None, **kwargs) == "Harbour wall vote delayed"
    empty = lxml.html.fromstring("<html><body><p>No heading here.</p></body></html>")
    assert pick_headline(empty, [], "\u200b", **kwargs) is None


def test_characters_readers_do_not_see_leave_the_headline():
    body = "<h1>Ver\u00adfas\u00adsungs\u00adbe\u00adschwerde ein\u00adge\u00adlegt\u200b</h1>"
    assert title_of("", body) == "Verfassungsbeschwerde eingelegt"


def test_without_a_url_the_canonical_url_names_the_site_and_its_sections():
    head = (
        '<link rel="canonical" href="https://www.ledger.example/district/harbour-wall">'
        "<title>Harbour wall vote delayed | District | Ledger</title>"
    )
    html = f"<html><head>{head}</head><body><p>Some body text here.</p></body></html>"
    assert extract_metadata(lxml.html.fromstring(html), None).title == "Harbour wall vote delayed"


def test_a_kicker_in_the_heading_goes_when_a_declared_title_is_the_headline_alone():
    body = (
        '<header><h1 class="story-title"><span class="story-title__overline">Harbour row</span>'
        '<span class="sr-dash" aria-hidden="true"> - </span>'
        '<span class="story-title__text">Council delays the wall vote again</span></h1></header>'
    )
    head = og("Council delays the wall vote again") + "<title>Harbour wall | Ledger</title>"
    assert title_of(head, body) == "Council delays the wall vote again"


def test_a_dash_hidden_from_screen_readers_ends_a_kicker_its_template_does_not_mark():
    body = (
        "<header><h1><span>Harbour row</span>"
        '<span aria-hidden="true"> – </span><span>Council delays the wall vote again</span>'
        "</h1></header>"
    )
    head = news_ld("Harbour row: Council delays the wall vote again") + og(
        "Council delays the wall vote again"
    )
    assert title_of(head, body) == "Council delays the wall vote again"
    # a dash that is not hidden is the headline's own
    assert title_of(head, body.replace(' aria-hidden="true"', "")) == (
        "Harbour row: Council delays the wall vote again"
    )


def test_under_an_h1_that_is_the_site_s_name_the_headline_is_the_marked_h2():
    logo = '<header><h1 class="site-name"><a href="/">Ledger Notes</a></h1></header>'
    story = (
        '<main><article><header><h2 class="entry-title">Why I rebuilt the harbour bench</h2>'
        "</header><h2>Tools</h2><p>Text of the story.</p></article></main>"
    )
    head = og("Notes from a harbour workshop", site="Ledger Notes")
    assert title_of(head, logo + story) == "Why I rebuilt the harbour bench"
    # an h2 its template does not mark is a section of the story: the declared title stays
    plain = story.replace(' class="entry-title"', "")
    assert title_of(head, logo + plain) == "Notes from a harbour workshop"


def test_an_h1_hidden_from_the_eye_gives_way_to_the_visible_h2_after_it():
    hidden = '<div><h1 class="sr-only">Bench repairs | Workshop Notes | Harbour Ledger</h1></div>'
    shown = (
        '<div class="hero"><h2 class="section-title">Bench repairs for a wet winter</h2></div>'
        "<div><h2>What wood to use</h2><p>Text of the story.</p></div>"
    )
    head = "<title>Bench repairs | Workshop Notes | Harbour Ledger</title>"
    assert title_of(head, hidden + shown, url="") == "Bench repairs for a wet winter"
    # with nothing shown about the story, the declared title stays
    assert title_of(head, hidden + "<div><h2>Opening hours</h2></div>", url="") == (
        "Bench repairs | Workshop Notes | Harbour Ledger"
    )


def test_a_kicker_stays_when_the_declared_titles_all_carry_it():
    body = (
        '<h1><span class="kicker">Harbour row</span> '
        '<span class="headline">Council delays the wall vote again</span></h1>'
    )
    head = og("Harbour row: Council delays the wall vote again")
    assert title_of(head, body) == "Harbour row: Council delays the wall vote again"


def test_a_kicker_class_on_the_longer_part_is_not_a_kicker():
    body = (
        '<h1><span class="subline">Harbour row:</span> '
        '<span class="topline">Council delays the wall vote again tonight</span></h1>'
    )
    assert title_of(og("Harbour row: the wall vote"), body) == (
        "Harbour row: Council delays the wall vote again tonight"
    )


def test_a_breadcrumb_h1_gives_way_to_the_headline_the_article_shows():
    # the <h1> is the SEO copy in the breadcrumb trail; readers see the <h2> of the
    # article's header, and og:title agrees with it, so the JSON-LD headline of record
    # (the kicker glued on) gives way
    body = (
        '<nav class="breadcrumb"><a href="/">Home</a>'
        "<h1>Harbour row: Council delays the wall vote again</h1></nav>"
        '<article><header><h2><span class="article__kicker">Harbour row</span>'
        '<span class="article__headline">Council delays the wall vote again</span></h2>'
        "</header><p>Body.</p></article>"
    )
    head = news_ld("Harbour row: Council delays the wall vote again") + og(
        "Council delays the wall vote again"
    )
    assert title_of(head, body) == "Council delays the wall vote again"


def test_a_layout_class_about_breadcrumbs_does_not_make_the_h1_a_breadcrumb():
    body = (
        '<header class="page-header breadcrumbs-position-top"><div>'
        "<h1>Council delays the wall vote again</h1></div></header>"
        "<article><h2>What the council said</h2></article>"
    )
    assert title_of(og("Harbour wall vote | Ledger"), body) == "Council delays the wall vote again"


def test_the_headline_of_record_gives_way_to_the_h1_that_og_title_repeats():
    body = "<header><h1>Council delays the wall vote again</h1></header>"
    head = news_ld("Wall vote: council asks for more time") + og(
        "Council delays the wall vote again"
    )
    assert title_of(head, body) == "Council delays the wall vote again"
    # an <h1> that no other title repeats does not beat the headline of record
    head = news_ld("Wall vote: council asks for more time") + og("Wall vote put off")
    assert title_of(head, body) == "Wall vote: council asks for more time"


def test_an_h1_with_quotes_or_a_space_more_is_not_the_record_cut_short():
    body = '<h1>"Harbour wall" : vote delayed again</h1>'
    head = news_ld("Harbour wall: vote delayed again") + og("Harbour wall: vote delayed")
    assert title_of(head, body) == "Harbour wall: vote delayed again"


def test_of_several_h1s_about_the_story_the_one_a_declared_title_repeats_wins():
    # a long post sets its sections in <h1>s too; og:title is the headline after the
    # blog's name, which is not known as the site's name here (no URL, no og:site_name)
    body = (
        "<h1>Harbour wall vote delayed again</h1><h1>Why the harbour vote matters</h1>"
        "<h1>What the wall would cost</h1>"
    )
    head = '<meta property="og:title" content="Quayside Notes: Harbour wall vote delayed again">'
    assert title_of(head, body, url="") == "Harbour wall vote delayed again"


def test_a_kicker_class_after_the_headline_words_is_not_cut():
    body = (
        '<h1><span class="lead">Council delays the wall vote</span> '
        '<span class="topline">after a night of protest</span></h1>'
    )
    assert title_of(og("Wall vote | Ledger"), body) == (
        "Council delays the wall vote after a night of protest"
    )


def test_a_saved_page_names_its_site_by_the_home_page_its_logo_links_to():
    body = '<h1><a href="https://www.ledger.example/">ledger.example</a></h1><p>Text.</p>'
    assert title_of("<title>ledger.example Harbour wall vote</title>", body, url="") == (
        "Harbour wall vote"
    )


def test_a_site_name_glued_on_without_spaces_goes_with_the_section_before_it():
    assert strip("Council delays the wall vote-Politics\u3163The Daily Ledger") == (
        "Council delays the wall vote"
    )
    assert strip("Council delays the wall vote|Ledger") == "Council delays the wall vote"
    # a hyphenated word at the end is no site name
    assert strip("Council backs the harbour-wall") == "Council backs the harbour-wall"


def test_an_h1_repeated_in_other_capitals_is_one_heading():
    body = (
        '<h1 class="entry-title">How to fix a harbour wall \u2013 from a mason</h1>'
        '<div class="sticky"><h1>How To Fix A Harbour Wall \u2013 From A Mason</h1></div>'
    )
    assert title_of(og("How to fix a harbour wall - from a mason"), body) == (
        "How to fix a harbour wall \u2013 from a mason"
    )


def test_a_short_site_key_names_the_site_only_as_a_word_of_its_own():
    keys = site_keys("KW.NET", "kw.example")
    # "kw" is inside "Parkwahl": the story's title is not the site's name
    assert strip_site_name("Parkwahl: Rat stimmt ab – KW – 03.05.2024", keys) == (
        "Parkwahl: Rat stimmt ab"
    )
    assert strip_site_name("KW.NET | Parkwahl: Rat stimmt ab", keys) == "Parkwahl: Rat stimmt ab"
    # a short key spelled over several words of its own ("n-tv.de" for "ntv") still counts
    assert strip_site_name("Parkwahl: Rat stimmt ab | n-tv.de", {"ntv"}) == "Parkwahl: Rat stimmt ab"


def test_a_date_stamp_and_a_full_width_bar_end_a_title_with_the_site_name():
    assert strip("Harbour wall vote delayed | Ledger | 28.04.2023") == "Harbour wall vote delayed"
    keys = site_keys("港湾日報", None)
    assert strip_site_name("港湾の壁、採決を延期｜港湾日報", keys) == "港湾の壁、採決を延期"


def test_markup_inside_a_declared_title_leaves_its_words_only():
    # a headline of record with a work's title in italics, tags written into the JSON
    ld = (
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": '
        '"Why <i>The Tide</i> still splits the harbour town"}</script>'
    )
    body = "<h1>Why <i>The Tide</i> still splits the harbour town</h1>"
    assert title_of(ld, body) == "Why The Tide still splits the harbour town"
    # tags escaped in a meta tag's content are markup too; a bare "<" is a character
    assert title_of(og("Reading &lt;em&gt;The Tide&lt;/em&gt; again"), "") == (
        "Reading The Tide again"
    )
    assert title_of(og("Why 3 &lt; 5 in the harbour vote"), "") == "Why 3 < 5 in the harbour vote"


def test_a_screen_reader_label_inside_the_h1_is_not_part_of_the_headline():
    body = (
        '<h1><span class="sr-only">Breaking news:</span> Harbour wall vote delayed again'
        '<span class="visually-hidden">, opens the live page</span></h1>'
    )
    assert title_of(og("Harbour wall vote delayed again"), body) == (
        "Harbour wall vote delayed again"
    )
    hidden_attr = "<h1><span hidden>Update</span>Ferry fares to rise in the spring</h1>"
    assert heading_text(lxml.html.fromstring(hidden_attr)) == "Ferry fares to rise in the spring"
    # a hidden separator between kicker and headline stays where the two meet
    kicker = (
        '<h1><span class="topic">Harbour</span><span class="sr-only">: </span>'
        "<span>Council delays the wall vote</span></h1>"
    )
    assert heading_text(lxml.html.fromstring(kicker)) == "Harbour: Council delays the wall vote"
    # a logo link whose only words are for screen readers is still the site's logo
    logo = (
        '<h1><a href="https://www.ledger.example/"><span class="sr-only">Ledger</span></a></h1>'
        "<h1>Why the harbour wall vote was delayed again</h1>"
    )
    assert title_of(og("Harbour wall vote delayed"), logo) == (
        "Why the harbour wall vote was delayed again"
    )


def test_the_site_s_tagline_after_its_name_goes_with_the_name():
    assert strip("Harbour wall vote delayed | The Daily Ledger | Local News, Sport & Weather") == (
        "Harbour wall vote delayed"
    )
    # a last part that is a phrase of the story's own keeps the title whole
    long_tail = (
        "Harbour wall vote delayed | The Daily Ledger | why the council will meet again "
        "next month to vote on the wall"
    )
    assert strip(long_tail) == long_tail
    # the site named in the first part is the story's subject, not a part to cut at
    assert strip("Daily Ledger wins a national press award | Local News, Sport & Weather") == (
        "Daily Ledger wins a national press award | Local News, Sport & Weather"
    )


def test_a_label_glued_to_the_headline_without_a_space_is_read_apart():
    # the badge and the headline are set apart on the page; the markup has no space
    badge = "<h1><span class='badge'>Live</span>Harbour wall vote delayed again</h1>"
    assert title_of(og("Harbour wall vote delayed again"), badge) == (
        "Harbour wall vote delayed again"
    )
    # a declared title that holds the label too keeps it, as two words
    label = "<h1><span>Ferry strike</span><span>Council delays the harbour vote</span></h1>"
    assert title_of(og("Ferry strike: Council delays the harbour vote"), label) == (
        "Ferry strike: Council delays the harbour vote"
    )
    # a subtitle glued after the headline goes when the declared title is the headline
    subtitle = "<h1>Harbour wall vote delayed again<small>Members want more time</small></h1>"
    assert title_of(og("Harbour wall vote delayed again"), subtitle) == (
        "Harbour wall vote delayed again"
    )
    # a word the markup splits across elements is one word ("Sea<em>wall</em>")
    split_word = "<h1>Sea<em>wall</em> vote delayed again</h1>"
    assert title_of(og("Seawall vote delayed again"), split_word) == "Seawall vote delayed again"


def test_a_badge_or_label_before_the_headline_is_a_kicker():
    label = "<h1><span class='story-label'>Exclusive</span> Harbour wall vote delayed again</h1>"
    assert title_of(og("Harbour wall vote delayed again"), label) == (
        "Harbour wall vote delayed again"
    )
    # a declared title with the label keeps it: the publisher counts it in the headline
    assert title_of(og("Exclusive: Harbour wall vote delayed again"), label) == (
        "Exclusive: Harbour wall vote delayed again"
    )
    # a badge class on the part that holds the headline itself, or a layout flag about a
    # field's label, is no kicker
    badge = (
        "<h1><span class='topic'>Harbour</span> <span class='paywall-badge'>"
        "Council delays the wall vote once more</span></h1>"
    )
    assert title_of(og("Harbour Council delays the wall vote once more"), badge) == (
        "Harbour Council delays the wall vote once more"
    )
    field = "<h1><span class='field--label-hidden'>Ferry</span> fares to rise in spring</h1>"
    assert title_of(og("Ferry fares to rise in spring"), field) == "Ferry fares to rise in spring"


def test_more_separators_before_the_site_s_name():
    for sep in ("\u00ab", "\u203a", "~", "/"):
        assert strip(f"Harbour wall vote {sep} The Daily Ledger") == "Harbour wall vote"
    # a separator inside the story's own title stays when no part names the site
    assert strip("Movers / moving firms in the city") == "Movers / moving firms in the city"


def test_a_heading_sharing_only_short_words_with_the_titles_is_not_about_the_story():
    # "Need a hand?" shares only "a" with the title: a box's heading, not a second headline
    head = og("Council backs a plan for the harbour wall")
    body = "<h1>Council backs a new harbour wall plan</h1><h1>Need a hand?</h1>"
    assert title_of(head, body) == "Council backs a new harbour wall plan"


def test_without_a_declared_title_an_h1_sharing_nothing_with_the_title_is_not_the_headline():
    head = "<title>Harbour wall vote passes after long night</title>"
    assert title_of(head, "<h1>Morning Edition</h1>") == "Harbour wall vote passes after long night"
    # an <h1> that is about the story still wins
    assert title_of(head, "<h1>Harbour wall vote passes</h1>") == "Harbour wall vote passes"
