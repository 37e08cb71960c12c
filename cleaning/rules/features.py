"""Named feature tests on one block of text, usable from rule files (``kind = "feature"``)."""

from __future__ import annotations

import re
from collections.abc import Callable

from cleaning.words import FUNCTION_WORDS

_LETTER = re.compile(r"[^\W\d_]")
_MONTHS = (
    r"jan(uary)?|feb(ruary)?|mar(ch)?|apr(il)?|may|june?|july?|aug(ust)?|sept?(ember)?|"
    r"oct(ober)?|nov(ember)?|dec(ember)?"
)
_DAYS = r"mon(day)?|tue(s(day)?)?|wed(nesday)?|thu(r(s(day)?)?)?|fri(day)?|sat(urday)?|sun(day)?"
# the same pieces in the main European languages of the news web (de, fr, es, it, pt, nl,
# the Scandinavian languages, pl): months, weekdays, "Uhr", "il y a", "hace", "geleden" ...
_OTHER_DATE_WORDS = """januar jänner februar märz april mai juni juli august september oktober
    november dezember jän mär okt dez montag dienstag mittwoch donnerstag freitag samstag
    sonntag uhr um vor seit heute gestern stunde stunden std minute minuten tag tage tagen
    woche wochen veröffentlicht aktualisiert stand janvier février mars avril juin juillet
    août septembre octobre novembre décembre janv févr avr juil déc lundi mardi mercredi
    jeudi vendredi samedi dimanche le à il y heure heures h jour jours publié mis modifié
    aujourd hui hier enero febrero marzo abril mayo junio julio agosto septiembre setiembre
    octubre noviembre diciembre ene abr ago dic lunes martes miércoles jueves viernes sábado
    domingo de del el hace hora horas minutos días día hoy ayer actualizado publicado gennaio
    febbraio aprile maggio giugno luglio settembre ottobre dicembre gen mag giu lug ott
    lunedì martedì mercoledì giovedì venerdì sabato domenica ore fa alle oggi ieri aggiornato
    pubblicato giorni minuti janeiro fevereiro março maio junho julho setembro outubro
    novembro dezembro há às atualizado hoje ontem dias januari februari maart mei augustus
    mrt uur geleden om vandaag gisteren bijgewerkt gepubliceerd desember augusti maj kl
    klokka timer timmar siden sedan for för i går igår idag publisert oppdatert publicerad
    uppdaterad publiceret opdateret den minutter minuter dager dagar stycznia lutego marca
    kwietnia maja czerwca lipca sierpnia września października listopada grudnia temu godz
    godzin godziny godzinę minut minuty dni dzisiaj wczoraj opublikowano aktualizacja o a"""
_OTHER_WORDS = frozenset(_OTHER_DATE_WORDS.split())
# longest first, so that an alternative is never cut short by a shorter one it starts with
_OTHER_PATTERN = "|".join(re.escape(w) for w in sorted(_OTHER_WORDS, key=lambda w: (-len(w), w)))
# every piece a date/time line may be made of; what is left after removing them must be empty
_PIECES = (
    rf"{_MONTHS}|{_DAYS}|published|updated|posted|modified|last|on|at|and|"
    r"am|pm|a\.m|p\.m|utc|gmt|bst|cet|cest|[ecmp][sd]t|et|pt|ist|aest|"
    r"today|yesterday|ago|hours?|hrs?|minutes?|mins?|days?|weeks?|months?|years?|"
    rf"{_OTHER_PATTERN}|"
    r"\d{1,4}(?:st|nd|rd|th)?|\d{1,2}h\d\d"
)
_DATE_PIECE = re.compile(rf"(?i)\b(?:{_PIECES})\b")
_SEPARATOR_CHARS = r"\s.,:/\-–—|•·()'’"
_DATE_SEPARATORS = re.compile(rf"[{_SEPARATOR_CHARS}]+")
_DIGIT = re.compile(r"\d")
# quick refusals, each a necessary condition of the removal test (which tries every piece at
# every position: ~30 us a line): a character that is neither a word character nor a
# separator stays; so does a run of word characters that is no whole piece (a piece opens
# and closes at a word boundary, so it holds whole runs; the runs "a", "p", "m" of a.m/p.m)
_OTHER_CHAR = re.compile(rf"[^\w{_SEPARATOR_CHARS}]")
_WORD_RUN = re.compile(r"\w+")
_PIECE_RUN = re.compile(rf"(?i)(?:{_PIECES}|a|p|m)")
# the same test for a run of ASCII characters, without trying ~60 alternatives in turn: its
# lower case is one of the words _PIECE_RUN spells out (a test checks the two agree), or
# it is a number
_PIECE_WORD_TEXT = """jan january feb february mar march apr april may jun june jul july aug august sep
    sept sepember september oct october nov november dec december mon monday tue tues
    tuesday wed wednesday thu thur thurs thursday fri friday sat saturday sun sunday
    published updated posted modified last on at and am pm a p m utc gmt bst cet cest est
    edt cst cdt mst mdt pst pdt et pt ist aest today yesterday ago hour hours hr hrs
    minute minutes min mins day days week weeks month months year years"""
_PIECE_WORDS = frozenset(_PIECE_WORD_TEXT.split()) | _OTHER_WORDS
_NUMBER_RUN = re.compile(r"(?i)\d{1,4}(?:st|nd|rd|th)?|\d{1,2}h\d\d")
# A stamp names a date or a time: a month, a weekday, a unit of time, a stamp word
# ("Updated", "veröffentlicht"), or a number written as a date or a time (12.05.2024, 14:07,
# 2024-05-12, 3rd).  The short words that glue a stamp together ("de", "for", "i", "o", "um",
# "le", "à") are function words of some language and name neither: a line of numbers and such
# words ("2 for 1", "1 de 3", "3 à 5") is a score or a count, not a date.  The month "May"/"Mai",
# the "am" of "10 am" and the "há" (ago) of "há 3 horas" are function words too, and stay.
_GLUE_WORDS = (frozenset().union(*FUNCTION_WORDS.values()) | {"à", "às"}) - {
    "may",
    "mai",
    "am",
    "há",
}
# A number written as a date or a time: three parts with one separator (12.05.2024, 1/1/2013,
# 2024-05-12), a year and a month (2024-05), a day and a month (17.7.), a clock time (14:07,
# 9.30), an ordinal (3rd) or an hour (14h30).  Not a decimal, a fraction or a range: a rating
# ("4.7", "4.7/5", "5/5"), a score, a telephone number ("02-751-1500") is data, not a stamp.
_DATE_FORM = re.compile(
    r"(?i)(?<![\d.])\d{1,4}([./\-])\d{1,2}\1\d{1,4}(?![\d.])|\d{1,2}:\d\d|(?<![\d.])\d{1,2}\.\d\d(?![\d.])"
    r"|(?<![\d.])(?:19|20)\d\d[./\-]\d{1,2}(?![\d./\-])|(?<![\d.])\d{1,2}\.\s?\d{1,2}\.(?!\d)"
    r"|\d(?:st|nd|rd|th|h\d\d)\b"
)


def symbols_only(text: str) -> bool:
    """No letter at all: separators, bullets, lone numbers, emoji rows."""
    return bool(text.strip()) and _LETTER.search(text) is None


def date_only(text: str) -> bool:
    """The block is a date or time stamp and nothing else ("Updated 8:03 am ET, Nov. 19, 2019")."""
    if len(text) > 80 or _DIGIT.search(text) is None:  # a date stamp carries a number
        return False
    if _OTHER_CHAR.search(text) is not None:
        return False
    for run in _WORD_RUN.findall(text):
        if run.isascii():
            if run.lower() not in _PIECE_WORDS and _NUMBER_RUN.fullmatch(run) is None:
                return False
        elif _PIECE_RUN.fullmatch(run) is None:
            return False
    rest = _DATE_SEPARATORS.sub("", _DATE_PIECE.sub("", text))
    if rest != "":
        return False
    return _DATE_FORM.search(text) is not None or any(
        not run.isdigit() and run.lower() not in _GLUE_WORDS for run in _WORD_RUN.findall(text)
    )


# a numeric date (day.month.year, day/month/year, ISO) or a year followed by a time, with at
# most a label, a name or a duration around it and no sentence end: the label may be a word of
# any language ("Datum", "Publiziert:", "Sist oppdatert", an author's name); a line that ends in
# a comma or a colon goes on (code, the lead-in of a list)
_LABELLED_DATE = re.compile(
    r"^.{0,60}?(?<!\d)(\d{1,2}\.\s?\d{1,2}\.\s?((19|20)\d\d|\d\d)|\d{1,2}/\d{1,2}/(19|20)\d\d"
    r"|(19|20)\d\d-\d\d-\d\d|(19|20)\d\d\b\D{0,12}\b\d{1,2}[:h]\d\d)(?!\d)(?!.*[.!?;:,]\W*$).{0,60}$"
)


def labelled_date(text: str) -> bool:
    """A date stamp with a label or a name that :func:`date_only` does not read as date pieces
    ("Sist oppdatert 14.03.2025 - 10:48", "Jane Roe 21.11.2024 6 min").  A block that is only a
    date is left to ``date_only``: the two rules' weights would add up on it.  A table row
    ("| 1/1/2013 | +13.1% |", as HTML mode writes tables) is data, not a stamp."""
    if text.lstrip().startswith("|"):
        return False
    return _LABELLED_DATE.match(text) is not None and not date_only(text)


FEATURES: dict[str, Callable[[str], bool]] = {
    "symbols_only": symbols_only,
    "date_only": date_only,
    "labelled_date": labelled_date,
}

# Cheap necessary conditions of features (one C call instead of a Python one): a block for
# which ``PRETESTS[name](block)`` is None cannot pass ``FEATURES[name]``; the rule matcher
# calls the feature only on the others.  A feature without one is called on every block.
PRETESTS: dict[str, Callable[[str], object]] = {
    # nothing but non-letters (fails at the first letter, the first character of most lines)
    "symbols_only": re.compile(r"[\W\d_]*").fullmatch,
    # the first refusals of date_only in one match: at most 80 characters, a digit, nothing
    # but word characters and separators
    "date_only": re.compile(rf"(?=\D*\d)[\w{_SEPARATOR_CHARS}]{{0,80}}").fullmatch,
    # what every date form of _LABELLED_DATE holds: a digit before a full stop or a slash
    # (12.05.2024, 1/1/2013) or a year of 19xx or 20xx (2024-05-12, 2024 ... 10:48)
    "labelled_date": re.compile(r"\d[./]|(?:19|20)\d\d").search,
}
