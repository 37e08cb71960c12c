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


STORY = [
    "The council voted on Tuesday to close the old library, which has served the town since "
    "1902, after a long review of its running costs.",
    "Residents said they would campaign to keep the building open for the children and the "
    "elderly who use it every day, and a petition has already gathered 3,000 names.",
    "The decision will be reviewed by the full council at its meeting in the spring, a "
    "spokesman for the authority said on Wednesday evening.",
    "Campaigners plan a march through the town centre on Saturday, ending with a reading on "
    "the library steps at noon by the town's oldest member.",
    "Local authors have offered to give talks in the building every week until the council "
    "meets again, and the bookshop will sell tickets for them.",
    "The reading room, rebuilt after a fire in 1954, holds the town's archive of newspapers "
    "and parish records going back three hundred years.",
]
AFTER_FOOTER = [
    "Thank you for visiting our website. We hope you enjoyed reading our stories and that you "
    "will come back soon to read many more of them with your family.",
    "Our team of reporters works every day to bring you the news of the valley, from the "
    "council chamber to the football ground and the farmers' market.",
    "We are a small independent company founded by two sisters in a garage, and every "
    "subscription helps us keep the lights on and the presses running.",
]


def test_the_copyright_notice_ends_the_article_with_the_menu_above_it(rules) -> None:
    menu = ["About us", "Contact", "Advertise", "Jobs", "Archive"]
    page = "\n".join(
        [
            "Home",
            "News",
            "Library to close",
            *STORY,
            *menu,
            "© 2025 The Valley Gazette Ltd",
            *AFTER_FOOTER,
        ]
    )
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert kept[-1] == STORY[-1]
    assert all(p in kept for p in STORY)
    removed = {r.text: r.rule_id for r in record.removed}
    assert all(removed.get(p) == "generic.structure.footer_end" for p in AFTER_FOOTER)
    assert removed.get("© 2025 The Valley Gazette Ltd") == "generic.copyright.notice"
    assert not any(item in kept for item in menu)
    # the same page without the notice keeps the prose the page shows after its menu: the
    # notice is the evidence
    without = clean_text(page.replace("© 2025 The Valley Gazette Ltd\n", ""), rules=rules)
    assert AFTER_FOOTER[0] in without.text.split("\n")


@pytest.mark.parametrize(
    "credit",
    [
        "© Ann Walker",  # a picture's credit: no year
        "Photo: © Valley Pictures 2024",  # the sign not at the start
        "The reading room in 1960. Oil on canvas, 120 × 90 cm. All rights reserved, the artist.",
    ],
)
def test_a_picture_credit_inside_the_article_does_not_end_it(rules, credit) -> None:
    page = "\n".join(["Home", "News", *STORY[:4], credit, *STORY[4:], "Contact"])
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert STORY[-1] in kept and STORY[0] in kept
    assert not any(r.rule_id == "generic.structure.footer_end" for r in record.removed)


REVIEWS = [
    "“The nurses were so kind to my son and explained everything before the injection.”",
    "Laura M.",
    "“We never wait more than ten minutes, and the doctors always answer our questions.”",
    "Peter K.",
    "“Booking online is easy and the reminders by text mean we never miss a visit.”",
    "Sarah J.",
    "“Our whole family has been coming here for years and we would not go anywhere else.”",
    "Tom B.",
    "“Friendly staff at the desk, clean rooms, and a doctor who listens to the children.”",
    "Nadia R.",
]


def test_a_testimonials_widget_after_the_article_goes(rules) -> None:
    more = "The council will publish the full review, with the costs of each option, next week."
    page = "\n".join(
        ["Home", "Services", *STORY, more, "What our patients say", *REVIEWS, "Contact"]
    )
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert all(p in kept for p in STORY)
    removed = {r.text: r.rule_id for r in record.removed}
    assert all(removed.get(line) == "generic.structure.testimonials" for line in REVIEWS)
    assert removed.get("What our patients say") == "generic.structure.testimonials"
    assert kept[-1] == more


def test_a_post_made_of_its_readers_reviews_keeps_them(rules) -> None:
    """The reviews are the post when they come first, with a line of introduction."""
    intro = (
        "Our visitors left these reviews after the summer festival, and we wanted to share them."
    )
    page = "\n".join(["Home", "Blog", intro, *REVIEWS, STORY[0], "Contact"])
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert REVIEWS[0] in kept and REVIEWS[-1] in kept
    assert not any(r.rule_id == "generic.structure.testimonials" for r in record.removed)


def test_crossheads_above_their_paragraphs_are_no_testimonials(rules) -> None:
    guide = []
    for head, para in zip(
        ["Bath Time", "Story Time", "Lights Out", "Early Mornings", "Naps"], STORY, strict=False
    ):
        guide += [head, para]
    page = "\n".join(["Home", "Guides", *STORY[:5], *guide, "Contact"])
    record = clean_text(page, rules=rules)
    assert "Early Mornings" in record.text.split("\n")
    assert not any(r.rule_id == "generic.structure.testimonials" for r in record.removed)


TEASERS = [
    "Will the bridge repairs start in May?",
    "Ann Walker",
    "Tuesday November 19, 2019",
    "The county has found the money to mend the old stone bridge over the river at last, and "
    "the contractor says the work will take the whole summer, with one lane open for buses and "
    "bicycles while the arches are rebuilt one after the other, stone by stone, by hand.",
    "Who is the new mayor?",
    "Peter Kent",
    "Tuesday November 19, 2019",
    "The former head teacher promised to listen to every ward before the budget is set, and "
    "said that her first visit would be to the library that the council has voted to close, "
    "where she will meet the campaigners and the staff on Monday morning before the meeting.",
    "Where should you walk this autumn?",
    "Sarah Jones",
    "Monday November 18, 2019",
    "From the reservoir to the old mill, these are the best routes for a Sunday afternoon with "
    "children, with a map of each walk, the places to stop for tea and the stiles that a pram "
    "cannot cross, as chosen by the readers who wrote to us with their favourite routes.",
]


def test_teasers_each_with_its_date_under_a_weak_more_header_end_the_article(rules) -> None:
    """ "More Gazette" alone weighs too little to end the article: the teasers below it,
    each with its date stamp, show that it heads a teaser list."""
    page = "\n".join(["Home", "News", *STORY, "More Gazette", *TEASERS, "Contact"])
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert kept[-1] == STORY[-1]
    assert not any(t in kept for t in TEASERS)


def test_paragraphs_under_a_weak_more_header_stay(rules) -> None:
    """Without dated teasers below it, the same header is a crosshead of the article."""
    page = "\n".join(["Home", "News", *STORY[:3], "More Gazette", *STORY[3:], "Contact"])
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert all(p in kept for p in STORY)


def test_a_long_list_under_a_read_more_header_is_the_articles_own(rules) -> None:
    """A few headlines under a related header inside the article are a read-also box;
    twelve courses under a "Read more" link are the guide's own list."""
    courses = [
        "Pottery for Beginners",
        "Evening Watercolour",
        "Bookbinding at Home",
        "Welsh for Walkers",
        "Bread and Pastry",
        "Family History Online",
        "Beekeeping Basics",
        "First Aid for Parents",
        "Choir for All",
        "Woodland Crafts",
        "Cycle Repair",
        "Photography Walks",
    ]
    head = "Read more about our courses"

    def page(items: list[str]) -> str:
        return "\n".join(["Home", "News", *STORY[:3], head, *items, *STORY[3:], "Contact"])

    record = clean_text(page(courses), rules=rules)
    kept = record.text.split("\n")
    assert all(c in kept for c in courses)
    assert kept[-1] == STORY[-1]
    # three of them are a read-also box
    short = clean_text(page(courses[:3]), rules=rules)
    removed = {r.text: r.rule_id for r in short.removed}
    assert all(removed.get(c) == "generic.structure.link_list" for c in courses[:3])
    assert short.text.split("\n")[-1] == STORY[-1]


def test_a_teaser_list_with_long_title_case_headlines_ends_the_article(rules) -> None:
    """Teaser headlines in title case may run longer than a third of the article's
    sentences: they are still the list's headlines."""
    tail = []
    for kicker, headline, summary in [
        (
            "TRANSPORT",
            "The Bus Company Says Fares Will Rise Again In The New Year After A Hard Winter",
            "The operator blames the cost of fuel and of its drivers' wages.",
        ),
        (
            "WEATHER",
            "Forecasters Warn That The Valley Could See Its First Snow Of The Season By Friday",
            "Gritters are ready on the hill roads above the town.",
        ),
        (
            "SPORT",
            "United Hold On For A Draw Against The League Leaders In Front Of A Record Crowd",
            "A late save kept the score level in the last minute.",
        ),
        (
            "SCHOOLS",
            "Parents Queue Overnight For Places At The New Primary School On The Old Mill Site",
            "The council says more places will open next September.",
        ),
    ]:
        tail += [kicker, headline, "Valley Gazette News", summary]
    page = "\n".join(["Home", "News", *STORY, *tail])
    record = clean_text(page, rules=rules)
    kept = record.text.split("\n")
    assert kept[-1] == STORY[-1]
    assert not any(line in kept for line in tail)


def _paragraph(n: int, subject: str) -> str:
    """A long made-up paragraph of a history of ``subject`` (about forty words)."""
    return (
        f"In the {n}th winter of the project the {subject} team met again in the old "
        f"workshop, and the notes they kept show how slowly the {subject} took shape: every "
        f"change was argued over for weeks, tried on the one machine they had, and written "
        f"down before the next one began."
    )


def test_a_comments_prompt_quoted_in_the_text_does_not_end_the_article(rules) -> None:
    """A closing header met early ("What do you think?" quoted from a letter) ends the
    article only when no more of its prose follows: many long paragraphs in a row below
    it, much more prose than above, are the article going on."""
    head = [_paragraph(n, "radio") for n in range(1, 4)]
    letter = ["From: an old friend", "Subject: the radio", "What do you think?"]
    rest = [_paragraph(n, "radio") for n in range(4, 16)]
    page = "\n".join(["Home", "Archive", *head, *letter, *rest, "About", "Contact"])
    kept = clean_text(page, rules=rules).text.split("\n")
    assert kept[0] == head[0] and kept[-1] == rest[-1]


def test_comments_after_a_short_post_still_end_it(rules) -> None:
    """Below a comments header, comments that outweigh the post but come one by one, each
    set apart by its author and date, are no article paragraphs: the post ends there."""
    post = [_paragraph(n, "bicycle") for n in range(1, 3)]
    comments = []
    for n in range(3, 12):
        comments += [f"Reader {n}", f"March {n}, 2024 at 10:{n:02d} am", _paragraph(n, "bicycle")]
    page = "\n".join(["Home", *post, "Leave a comment", *comments, "About"])
    kept = clean_text(page, rules=rules).text.split("\n")
    assert kept == post


SPECS = [
    ("Weight", "1.1 kg"),
    ("Volume", "40 litres"),
    ("Back length", "Adjustable"),
    ("Rain cover", "Included"),
    ("Frame", "Aluminium stay"),
    ("Hip belt", "Padded"),
]
REVIEW = [
    "Outdoor Gear Lab",
    "Reviews",
    "Deals",
    "The Ridgeline 40 backpack, tested on three long weekends",
    "We carried the Ridgeline 40 on three long weekends in the hills this autumn, through rain, "
    "wind and one very hot afternoon, to find out whether a light pack can still be comfortable.",
    "It weighs a little over a kilogram and holds forty litres, which is enough for a night in a "
    "hut or a long day with spare layers, food and a flask.",
    "Specifications",
    *(line for pair in SPECS for line in pair),
    "Pros",
    "Light",
    "Comfortable hip belt",
    "Many pockets",
    "Cons",
    "Expensive",
    "Thin fabric at the base",
    "On the trail the hip belt carried most of the load, and our shoulders were fine after six "
    "hours.",
    "Verdict",
    "Buy it if you walk light and want one pack for huts and long days.",
    "About us",
    "Privacy Policy",
]


def test_a_review_goes_on_after_its_specification_and_pros_and_cons_lists(rules) -> None:
    """A review set between crossheads and short lists: the run does not end at the first
    list when complete sentences of the article follow it."""
    record = clean_text("\n".join(REVIEW), rules=rules)
    text = record.text
    assert "We carried the Ridgeline 40" in text
    # the paragraphs after the lists, and the verdict, are the article's
    assert "On the trail the hip belt carried most of the load" in text
    assert "Buy it if you walk light" in text
    # the lists between them stay with them, the site's menu and footer do not
    assert "Comfortable hip belt" in text
    for chrome in ("Outdoor Gear Lab", "Deals", "About us", "Privacy Policy"):
        assert chrome not in text.split("\n")


def test_a_teaser_list_after_the_article_does_not_extend_it(rules) -> None:
    """The walk over headings and lists needs complete sentences after them: teasers cut
    short with an ellipsis are not the article going on."""
    page = REVIEW[:6] + [
        "More reviews",
        "The Summit 55",
        "A bigger pack for those who carry a tent and stove and want...",
        "The Daypack 20",
        "Small, cheap and surprisingly tough for a pack at this price, but...",
        "The Trail Vest",
        "Runners will like the fit, although the bottle pockets are...",
        "About us",
    ]
    text = clean_text("\n".join(page), rules=rules).text
    assert "We carried the Ridgeline 40" in text
    assert "A bigger pack" not in text and "Runners will like" not in text


TUTORIAL = [
    "Dev Notes",
    "Home",
    "Archive",
    "Logging every request of a small web service",
    "Small services often fail in ways that only the raw requests explain, and a log of each "
    "request with its headers is the quickest way to see what a client really sent.",
    "Most frameworks can write such a log with one setting, but the default format hides the "
    "headers that matter when a proxy rewrites them on the way in.",
    "Configuration",
    "The handler is added when the service starts, with the headers it should mask:",
    "app.add_handler(RequestLog(",
    "    mask=[",
    '        "Authorization",',
    '        "Cookie",',
    '        "X-Api-Key",',
    "    ],",
    "    body=False,",
    "    level=DEBUG,",
    "    sink=stderr,",
    "    rotate=DAILY,",
    "    keep=7,",
    "    compress=True,",
    "    encoding=UTF8,",
    "    timezone=UTC,",
    "))",
    "{",
    '  "method": "GET",',
    '  "path": "/orders",',
    '  "status": 200',
    "}",
    "With this in place every request is written as one block, and a secret header shows only "
    "as three stars.",
    "Keep it for local runs and turn it off in production.",
    "About",
    "Privacy",
]


def test_a_tutorial_goes_on_after_its_code_block(rules) -> None:
    """A code block after a sentence that introduces it with a colon (its lines are short,
    some are symbols alone) does not end the article when complete sentences follow it."""
    text = clean_text("\n".join(TUTORIAL), rules=rules).text
    assert "Small services often fail" in text
    assert "With this in place every request is written as one block" in text
    assert "Keep it for local runs" in text
    for chrome in ("Dev Notes", "Archive", "About", "Privacy"):
        assert chrome not in text.split("\n")


# a wire story whose short paragraphs alternate with long photo captions, each ending with
# its credit; the captions are longer than the paragraphs between them
CAPTIONED = [
    "City Post",
    "News",
    "Sport",
    "Harbour works begin after years of delay",
    "Work on the new harbour wall began on Monday after six years of planning.",
    "Crews in orange vests unload steel beams at the northern quay of the old harbour while "
    "residents watch from the promenade on Monday morning. Foto: Ann Walker/dpa",
    "The wall is meant to protect the old town from winter storms and rising water.",
    "The mayor and the chief engineer of the harbour authority inspect the first section of "
    "the foundations on the eastern side of the basin. Foto: Tom Baker/dpa",
    "It will cost about 40 million euros, most of it paid by the state.",
    "A crane lowers a concrete block into the water beside the fishing boats that will have "
    "to move to the southern quay until the spring. Foto: Ann Walker/dpa",
    "The first section is due to be finished before the storms of next winter.",
    "Contact",
    "Imprint",
]


def test_long_photo_captions_inside_the_article_do_not_split_it(rules) -> None:
    """A caption with its credit is removed where it stands, and costs the article run no
    more than a short line: the paragraphs on both sides of it stay in the body."""
    record = clean_text("\n".join(CAPTIONED), rules=rules)
    for paragraph in ("Work on the new harbour wall", "The wall is meant to protect",
                      "It will cost about 40 million", "The first section is due"):
        assert paragraph in record.text
    assert "Foto:" not in record.text
    captions = [r for r in record.removed if "Foto:" in r.text]
    assert len(captions) == 3
    assert {r.rule_id for r in captions} == {"generic.media.caption_credit"}


def _teaser(kicker: str, headline: str, subject: str) -> list[str]:
    """A "more stories" card: kicker, headline, source and section, a two-clause summary of
    about fifty-five words (longer than most, and than the article's paragraphs here)."""
    return [
        kicker,
        headline,
        "2 votes example.net Culture",
        f"When the people who study {subject} for a living were asked about it last spring, "
        f"most of them said that nothing had changed in twenty years, and yet the figures they "
        f"published a month later told a very different story about {subject}, the towns that "
        "depend on it and the families who work there.",
    ]


def test_a_teaser_list_with_long_summaries_does_not_stay_in_the_article(rules) -> None:
    """Teaser cards after the article whose summaries run to fifty words or more are still teasers:
    short headlines between them repeat the card's shape."""
    article = [
        "Harbour works begin after years of delay",
        "Work on the new harbour wall began on Monday after six years of planning and a long "
        "fight over who would pay for it, the council said in a statement.",
        "The wall is meant to protect the old town from the winter storms that flooded the "
        "market square three times in the last decade, and from the rising sea.",
        "It will cost about 40 million euros, most of it paid by the state, and the first "
        "section is due to be finished before the storms of next winter arrive.",
        "Residents who lost shops in the floods said they would believe it when they saw it, "
        "but most welcomed the start of the work after so many years of waiting.",
    ]
    cards = (
        _teaser("FAR OUT", "The Quiet Return Of The Night Train", "sleeper trains")
        + _teaser("GOOD OLD BOYS", "A New Way To Tell Your Dog's Age", "old dogs")
        + _teaser("WHOA", "The Billboard That Stopped A Plane", "small airfields")
        + _teaser("JACKPOT", "Why Lottery Winners Keep Working", "lottery winners")
    )
    record = clean_text("\n".join(article + cards), rules=rules)
    assert "Residents who lost shops" in record.text
    for card in ("Night Train", "sleeper trains", "lottery winners", "JACKPOT"):
        assert card not in record.text
    assert any(r.rule_id == "generic.structure.teaser_tail" for r in record.removed)
