"""Cleaning beyond English: the document's language, its stop words, wording rules in the main
European languages, date stamps, and saved pages with no URL kept as articles.

The fixtures (tests/fixtures/text/german_dump.txt, tests/fixtures/html/guide_no_date.html)
are written for these tests.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from cleaning.html.extract import clean_html
from cleaning.rules.features import FEATURES
from cleaning.text.clean import clean_text
from cleaning.text.lines import document_language, split_lines
from cleaning.words import detect_language, detect_language_utf8
from pipelines.rulefiles import load_ruleset

FIXTURES = Path(__file__).parent / "fixtures"

PROSE = {
    "de": "Die neue Brücke über den Fluss soll im Frühjahr für den Verkehr freigegeben werden, "
    "zwei Jahre später als geplant, wie die Stadt am Dienstag mitteilte und auch bestätigte.",
    "fr": "Le nouveau pont sur la rivière sera ouvert à la circulation au printemps, deux ans plus "
    "tard que prévu, a indiqué la mairie mardi dans un communiqué pour les habitants.",
    "es": "El nuevo puente sobre el río se abrirá al tráfico en primavera, dos años más tarde de lo "
    "previsto, según informó el ayuntamiento el martes en un comunicado a los vecinos.",
    "it": "Il nuovo ponte sul fiume sarà aperto al traffico in primavera, due anni più tardi del "
    "previsto, ha comunicato il comune martedì in una nota per i cittadini della zona.",
    "nl": "De nieuwe brug over de rivier gaat in het voorjaar open voor het verkeer, twee jaar later "
    "dan gepland, zo heeft de gemeente op dinsdag laten weten aan de bewoners van de stad.",
    "pl": "Nowy most na rzece zostanie otwarty dla ruchu wiosną, dwa lata później niż planowano, "
    "poinformował we wtorek urząd miasta. Jak podkreślono, to jest ważne dla mieszkańców, "
    "którzy od lat czekają na nową przeprawę i nie chcą już stać w korkach przy starym moście.",
    "sv": "Den nya bron över floden ska öppnas för trafik i vår, två år senare än planerat, det "
    "meddelade kommunen på tisdagen. Det är en lättnad för alla som bor i staden och som har "
    "väntat länge på att kunna ta sig över till den andra sidan utan att köa.",
}


@pytest.fixture(scope="module")
def rules():
    return load_ruleset()


@pytest.mark.parametrize("lang", sorted(PROSE))
def test_the_language_of_prose_is_told_by_its_function_words(lang: str) -> None:
    text = "Startseite\nMenu\n" + PROSE[lang] + "\n" + PROSE[lang]
    assert document_language(text) == lang


def test_no_language_is_named_for_a_menu_or_an_unlisted_script() -> None:
    assert detect_language(["home", "news", "sport", "weather", "contact"]) is None
    assert document_language("Главная\nНовости\nСпорт") is None
    assert detect_language([]) is None


def test_the_language_is_told_from_the_words_the_regular_expression_finds() -> None:
    # document_language cuts words out by byte tables, not by \w+: on every kind of
    # character (a capital I with a dot, a lone surrogate, symbols, digits) the words and
    # the language are the same
    chars = list(map(chr, [*range(0x300), *range(0x2000, 0x2070), 0x130, 0x3A3, 0xD800]))
    words = ["the", "der", "le", "el", "di", "de", "het", "och", "i", "w", "a", "és", "ja"]
    words += ["ve", "dan"]
    rng = random.Random(13)
    for _ in range(200):
        text = "\n".join(
            " ".join(
                rng.choice([*words, "".join(rng.choice(chars) for _ in range(3))])
                for _ in range(rng.randint(1, 14))
            )
            for _ in range(30)
        )
        sample: list[str] = []
        for raw in text.splitlines():  # the definition: \w+ in the lines of 8 words or more
            if raw.count(" ") + 1 >= 8:
                sample.extend(re.findall(r"\w+", raw.lower()))
                if len(sample) >= 300:
                    break
        assert document_language(text) == detect_language(sample), repr(text)
        assert detect_language_utf8([w.encode("utf-8", "surrogatepass") for w in sample]) == (
            detect_language(sample)
        )


def test_a_line_in_its_own_language_reads_as_prose() -> None:
    # Polish prose has few of the base list's words; with its own language's function words
    # it reads as the running prose it is
    line = PROSE["pl"]
    (plain,) = split_lines(line)
    (polish,) = split_lines(line, "pl")
    assert polish.stop_ratio > plain.stop_ratio
    assert polish.stop_ratio >= 0.2


def test_a_german_dump_loses_its_furniture_and_keeps_its_article(rules) -> None:
    dump = (FIXTURES / "text" / "german_dump.txt").read_text(encoding="utf-8")
    record = clean_text(dump, rules=rules)
    assert record.language == "de"
    assert record.title == "Neue Brücke über den Fluss soll im Frühjahr öffnen"
    kept = record.text.split("\n")
    assert len(kept) == 4
    assert kept[0].startswith("Die neue Brücke") and kept[-1].startswith("Anwohner hoffen")
    reasons = {r.text: r.rule_id for r in record.removed}
    assert reasons["12. März 2025 um 14:30 Uhr"] == "generic.dateline.timestamp"
    assert reasons["Von Anna Berger"] == "generic.byline.author"
    assert reasons["Artikel teilen"] == "generic.share.button"
    assert reasons["Anzeige"] == "generic.ads.label"
    assert reasons["Lesen Sie auch"] == "generic.related.header"
    assert reasons["Kommentare"] == "generic.comments.prompt"
    assert reasons["Alle akzeptieren"] == "generic.cookies.consent"
    assert reasons["Datenschutzerklärung"] == "generic.legal.policy_links"
    assert "Warum die Mieten in der Altstadt weiter steigen" in reasons


BODY_FURNITURE = [
    ("Lire aussi : La ville ferme deux écoles", "generic.related.read_more"),
    ("Publicité", "generic.ads.label"),
    ("Partager", "generic.share.button"),
    ("Tous droits réservés", "generic.copyright.notice"),
    ("Lee también", "generic.related.header"),
    ("Suscríbete a nuestro boletín", "generic.newsletter.signup"),
    ("Continua a leggere", "generic.related.read_more"),
    ("Sostieni il nostro giornalismo", "generic.donation.appeal"),
    ("Lees meer", "generic.related.read_more"),
    ("Czytaj także", "generic.related.header"),
    ("Läs också", "generic.related.header"),
    ("4 Min. Lesezeit", "generic.reading.time"),
]


def test_wording_rules_catch_furniture_in_other_languages_and_keep_the_prose(rules) -> None:
    # an extracted body (HTML mode's text stage): each furniture line goes with its rule id
    lines = [PROSE["fr"]]
    for furniture, _ in BODY_FURNITURE:
        lines += [furniture, PROSE["es"]]
    record = clean_text("\n".join(lines), rules=rules, mode="body")
    reasons = {r.text: r.rule_id for r in record.removed}
    for furniture, rule_id in BODY_FURNITURE:
        assert reasons.get(furniture) == rule_id, furniture
    assert record.text.split("\n") == [PROSE["fr"]] + [PROSE["es"]] * len(BODY_FURNITURE)


@pytest.mark.parametrize(
    "stamp",
    [
        "2. Mai 2023 um 17:40 Uhr",
        "vor 3 Stunden",
        "Le 12/03/2024 à 14:00",
        "Publié le 3 mars 2024 à 9h07",
        "il y a 3 heures",
        "3 de mayo de 2024",
        "hace 2 horas",
        "3 ore fa",
        "12 maart 2024 om 10:15",
        "Publisert 14.02.2025 - 09:05",
        "12 stycznia 2024, 10:00",
    ],
)
def test_date_stamps_in_other_languages_are_date_only(stamp: str) -> None:
    assert FEATURES["date_only"](stamp)


@pytest.mark.parametrize(
    "line",
    [
        "Am 3. März 2024 stimmte der Rat ab",
        "Le 12 mars, la ville a voté",
        "10 Euro",
        # numbers joined by a function word: an offer, a score, a page count, not a date
        "2 for 1",
        "1 de 3",
        "3 à 5",
        "1 o 2",
        "4 i 5",
    ],
)
def test_sentences_with_a_date_are_not_date_only(line: str) -> None:
    assert not FEATURES["date_only"](line)


def test_a_saved_page_without_url_or_date_is_still_an_article(rules) -> None:
    # a guide page saved to disk: no URL, no date, no article type.  The command cleans saved
    # pages without a URL; that is not the site's front page
    html = (FIXTURES / "html" / "guide_no_date.html").read_bytes()
    record = clean_html(html, None, rules=rules)
    assert record.drop_reason is None
    assert record.text.startswith("A pond that freezes solid")
    assert record.text.rstrip().endswith("until spring.")


def test_the_front_page_of_a_site_is_still_a_listing(rules) -> None:
    html = (FIXTURES / "html" / "section_front.html").read_bytes()
    assert clean_html(html, "https://news.example.org/", rules=rules).drop_reason == (
        "not_article:listing"
    )
