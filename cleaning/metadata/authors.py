"""Author names from bylines and declared author fields, in the main European languages.

A byline is text a person reads ("Von Anna Berg und Jan Roth, Reporterin", "Por Ana
Lima y Luis Paz", "Av Kari Nord og Per Dahl"): it loses its byline word, is split into
names at commas and the language's "and", and loses job titles, dates and times. A
declared name (JSON-LD ``author``, ``<meta name="author">``) is what the publisher states:
it gets the same splitting, but a short lower-case credit ("dpa") or one with a digit
("Radio Nord Redaktion") is a name there, while in page text it is more often noise.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from copy import deepcopy
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from cleaning.tree import doc_position

# English: "By", "Written by", "Analysis by" ...
_BY = re.compile(
    r"^\s*(?:(?:written|posted|words|reporting|analysis|opinion|commentary|story|text|"
    r"interview)\s+)?by\s*[:\-]?\s+",
    re.I,
)
# "Von" (de), "Por" (es, pt), "Par" (fr), "Di" (it), "Door" (nl), "Av" (sv, no), "Af" (da),
# "Przez" / "Od" (pl, cs): cut when a name of two words or more follows, so that a byline
# that is only a name starting with such a word ("Di Maio") keeps it.
# "Oleh" (id, ms), "Bởi" (vi) likewise.
_BY_WORD = re.compile(r"^\s*(?:von|por|par|di|door|av|af|przez|od|oleh|bởi)\s+(?=\S)", re.I)
# The words that lead to that byline word in the main European languages ("Geschrieben von",
# "Ein Kommentar von", "Escrito por", "Scritto da", "Écrit par", "Publicado por",
# "Geschreven door", "Skrevet av", "A cura di"), a verb that needs none ("Napisał"), and
# "Von unserem Korrespondenten" (from our correspondent): cut with the word.
_LEAD_IN = re.compile(
    r"^\s*(?:(?:(?:ein|eine|un|una|een)\s+)?(?:geschrieben|verfasst|kommentar|analyse|"
    r"gastbeitrag|interview|reportage|essay|kolumne|escrit[oa]|publicad[oa]|scritt[oa]|"
    r"pubblicat[oa]|écrite?|publiée?|rédigée?|geschreven|gepubliceerd|napisane|skrevet|"
    r"skriven|skrivet|publisert|publicerad|kirjoittanut|a\s+cura)\s+"
    r"(?:von|por|da|di|de|par|door|przez|af|av)|napisał[a]?|von\s+unser(?:em|er)\s+\w+)\s+",
    re.I,
)
# A label before the names: "Autor:", "Autorin/Autor", "Text:", "Auteur :", "Tekst:" ...
_LABEL = re.compile(
    r"^\s*(?:(?:autor(?:in|innen|en|es|a|e|i|ius|s|ka)?|auteur(?:e|s)?|autore|authors?|text|"
    r"texte|testo|texto|tekst|teksti|reportage|von|por|par|di|door|av|af|szerző|írta|"
    r"forfatter|författare|skribent|kirjoittaja|автор|yazar|yazan|penulis|oleh|tác giả|"
    r"συντάκτης|words|story|reporting)(?:\s*/\s*\w+)?\s*:|"
    r"autor(?:in)?\s*/\s*autor(?:in)?)\s*",
    re.I,
)
# A source line ("Quelle: dpa", "Source: AFP") credits where the text came from, not who wrote it.
_SOURCE_LABEL = re.compile(r"^\s*(?:quelle|quellen|source|sources|fuente|fonte|bron|kilde|källa)\s*:", re.I)
# Any other label ("Redaktion:", "Foto [M]:", "Sendung:") starts a credit that is not the
# author's: a byline that opens with one is not an author line, and one met later ends it.
_OTHER_LABEL = re.compile(r"(?:^|[\s;,|])[^\W\d_][\w-]{1,20}\s*(?:\[[^\]]*\])?\s*:(?:\s|$)")
# Commas, semicolons, "&", "|", "/", the ideographic and full-width commas of Chinese and
# Japanese ("、", "，") and the word "and" of the main European languages.
_AUTHOR_SPLIT = re.compile(
    r"\s*(?:,|;|&|\||/|、|，|；|(?<!\S)(?:and|und|y|e|et|i|og|och|en|ja|és|și|oraz|ve|a|и|та|і)\s)\s*",
    re.I,
)
# "with" before a second name ("By Jane Doe with John Roe"), not before a lower-case word
# ("with reporting by ...", which credits help, not authorship).
_WITH = re.compile(r"\s+with\s+(?=[A-ZÀ-ÖØ-Þ])")
_NOT_A_NAME = re.compile(
    r"\d|@|https?:|www\.|\b(updated|published|posted|am|pm|gmt|utc|edt|est|bst|min read|"
    r"read|comments?|minutes?|hours?|ago|editor(ial)? board|newsroom|contributors?|"
    r"follow|twitter|email|view all|aktualisiert|veröffentlicht|publié|publicado|"
    r"pubblicato|mis à jour|actualizado|aggiornato)\b",
    re.I,
)
# A declared name is refused only when it is a link, an address, a bare number, or a
# placeholder of the publishing system ("Staff", "admin", "Guest") alone.
_PLACEHOLDER = (
    r"^(?:admin|administrat(?:or|eur)|administrador|amministratore|webmaster|guest|gast|"
    r"invité|гость|user|team)$"
)
_NOT_A_DECLARED_NAME = re.compile(r"https?:|www\.|\S@\S|^[\d\W_]+$|" + _PLACEHOLDER, re.I)
_PLACEHOLDER_NAME = re.compile(_PLACEHOLDER, re.I)
# A staff credit ("Staff", "Example.com staff", "Daily Post staff reporter"): no person named.
_STAFF = re.compile(r"\bstaff\b", re.I)


def is_staff_credit(name: str, *, alone: bool = False) -> bool:
    """``name`` credits the site's staff rather than a person ("Ledger Staff", "staff
    reporter"); with ``alone``, only the bare word "Staff" (a placeholder of the publishing
    system) counts."""
    if alone:
        return _STAFF.fullmatch(name.strip()) is not None
    return _STAFF.search(name) is not None
# In page text a byline ends where a date or time starts ("Jane Doe 19 November 2019",
# "Jane Doe Monday, November"): at a number, and without the day and month names before it.
_FROM_A_NUMBER = re.compile(r"\s\d.*$")
_DATE_WORDS = re.compile(
    r"(?:^|[\s,]+)(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|"
    r"july|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|"
    r"sept?|oct|nov|dec)\.?(?=[\s,]*$)",
    re.I,
)
# The months that are also names ("May", "June") as dates: before a day's number ("Jane Doe
# May 9, 2023"), where the cut at the number left them glued to the name.
_NAME_MONTH_DAY = re.compile(
    r"\s+(?:april|may|june|august)\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,|\s+\d{4}|\s*$).*$", re.I
)
# "Today at 10:30", "Yesterday, 18:00", "Heute um 10:30" after the name: the time stamp of
# the byline (a credit ending in the word, "Ledger Today", has no time after it).
_RELATIVE_STAMP = re.compile(
    r"\s+(?:today|yesterday|heute|gestern|hier|aujourd'hui|ayer|hoy|ieri|oggi|gisteren|"
    r"vandaag|igår|idag)[\s,]*(?:at|um|à|a\s+las|alle|om|kl\.?)?\s*\d.*$",
    re.I,
)
# A weekday written short ("Jane Doe Sun 3 Mar 2024"): cut only when two words stay, since
# "Sun" or "Mon" also end names ("Li Sun").
_DAY_SHORT = re.compile(r"(?:^|[\s,]+)(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)\.?(?=[\s,]*$)", re.I)
# Words that label a byline rather than name anyone ("Written By", "The Author", "Team").
_LABEL_WORDS = {
    "written", "by", "the", "author", "authors", "article", "team", "writer", "posted",
    "editor", "contributor", "about", "profile", "more", "from",
}
# Words that qualify a role glued to a name without a comma ("Jane Doe Senior Political
# Correspondent", "Anna Berg Leitende Redakteurin"): cut with the role they qualify.
_ROLE_MODIFIERS = {
    "senior", "chief", "staff", "deputy", "contributing", "associate", "assistant",
    "managing", "executive", "lead", "special", "freelance", "guest", "political",
    "foreign", "national", "international", "business", "science", "health", "sports",
    "technology", "tech", "investigative", "digital", "news", "local", "regional",
    "economics", "culture", "opinion", "leitende", "leitender", "stellvertretende",
    "stellvertretender", "freie", "freier", "chef", "en", "chefe", "capo", "hoofd",
    "content", "marketing", "communications", "social", "media", "product", "editorial",
    "bureau",
}
# Lower-case words that may stand inside a name ("Eva de Wit", "Ana da Silva").
_PARTICLES = {
    "de", "da", "do", "dos", "das", "del", "della", "di", "du", "van", "von", "der", "den",
    "ter", "le", "la", "bin", "ibn", "al", "el", "y", "e", "zu", "af", "av", "mac",
}
# Words of a job title ("Jane Doe, Senior Health Reporter", "Anna Berg, Redakteurin"): a
# byline part holding one is the author's role, not a name.
_ROLE = (
    r"\b(?:experts?|editors?|writers?|reporters?|correspondents?|columnists?|analysts?|"
    r"producers?|directors?|managers?|specialists?|researchers?|professors?|founders?|"
    r"co-founders?|ceo|cto|officers?|journalists?|photographers?|consultants?|"
    r"strategists?|interns?|head of|chief|coordinators?|educators?|advis[eo]rs?|designers?|"
    r"developers?|engineers?|scientists?|nutritionists?|dietitians?|therapists?|attorneys?|"
    r"lawyers?|physicians?|presidents?|critics?|planners?|marketers?|contributors?|hosts?|"
    r"anchors?|commentators?|fellows?|fact[- ]?checkers?|authors?|"
    r"redakteur(?:in|e|innen)?|redaktor(?:ka|zy)?|korrespondent(?:in|en|ka)?|reporterin|"
    r"journalist(?:in|e|en|a|i)?|rédact(?:eur|rice)|correspondant(?:e)?|envoyée? spéciale?|"
    r"periodista|corresponsal|redactor(?:a)?|giornalista|inviat[oa]|corrispondente|"
    r"redacteur|verslaggever|correspondent|dziennikar(?:z|ka)|toimittaja|muhabir)\b"
)
# ", <role>" after a name, up to the next separator ("Jane Doe, Privacy and Security Expert")
_ROLE_AFTER_COMMA = re.compile(r",[^,;|]*" + _ROLE + r"[^,;|]*", re.I)
_ROLE_WORD = re.compile(_ROLE, re.I)
# A role written after the name in Korean, Japanese and Chinese bylines ("김민수 기자").
_ROLE_SUFFIX = re.compile(r"\s*(?:기자|특파원|논설위원|記者|特派員|編集委員|论说委员)$")
# Academic and professional degrees written after a name, with or without dots.
_DEGREE = re.compile(
    r"(?:ph\.?\s?d|m\.?d|m\.?s|m\.?sc|b\.?a|b\.?sc|r\.?d|r\.?dn|r\.?n|m\.?p\.?h|"
    r"m\.?b\.?a|d\.?v\.?m|d\.?d\.?s|c\.?p\.?a|c\.?f\.?a|c\.?f\.?p|j\.?d|esq|"
    r"lcsw|ldn|cdces|cde|facc|facp|frcp|ibclc|np|pa-c)\.?",
    re.I,
)
# "(obe)", "(dpa)": an abbreviation or agency code after a name.
_PARENS = re.compile(r"\s*\([^()]{0,40}\)")
_STRIP = " .,:;-–—|•·()[]\"'"


def _is_role_word(word: str) -> bool:
    """``word`` names a job, capitalised as in a title ("Reporter", "Redakteurin",
    "Editor-at-Large"); "editors" in "By The Ledger editors" is a plain word."""
    word = word.strip(_STRIP)
    if not word[:1].isupper():
        return False
    return any(_ROLE_WORD.fullmatch(w) for w in (word, word.split("-")[0]) if w)


def _qualifies_role(word: str) -> bool:
    return word.casefold() in _ROLE_MODIFIERS or _is_role_word(word)


def without_role(name: str) -> str:
    """``name`` without a job title glued to it without a comma: "Jane Doe Senior Staff
    Writer" -> "Jane Doe", "Redakteurin Anna Berg" -> "Anna Berg". Two words of the name
    stay, so a credit that is a role ("Harbour Ledger Reporters") is kept whole."""
    words = name.split()
    end = len(words)
    if words and words[-1].endswith("s") and _is_role_word(words[-1][:-1]):
        return name  # "Harbour Ledger Reporters": a group's credit, not a person's role
    if end >= 3 and _is_role_word(words[-1]):
        end -= 1
        while end > 2 and _qualifies_role(words[end - 1]):
            end -= 1
        # a beat between the qualifier and the role ("Jane Doe Senior Harbour Reporter"):
        # the role starts at the first qualifier after the name's two words
        first = next((i for i in range(2, end) if _qualifies_role(words[i])), end)
        if all(w[:1].isupper() for w in words[first:end]):
            end = first
        if _qualifies_role(words[end - 1]):  # "AP Senior Science Writer": a role only
            return name
    start = 1 if end >= 3 and _is_role_word(words[0]) else 0
    cut = " ".join(words[start:end])
    return name if is_staff_credit(cut) else cut  # "Ledger Staff Reporter": a credit whole


# What follows a name in a byline without a comma: the paper it was written for ("Jane Doe
# For The Ledger", "Special to The Ledger", "für die Zeitung") or the place it was written
# in ("Jane Doe in Washington", "Anna Berg aus Berlin").
_FOR_PAPER = re.compile(
    r"\s+(?i:special\s+to|for|of|für|pour)\s+(?:(?i:the|die|den|der|le|la)\s+)?[A-ZÀ-Þ].*$"
)
_FOR_PART = re.compile(r"(?i:special\s+to|for|of|für|pour)\s+\S")
_IN_PLACE = re.compile(r"\s+(?:in|aus)\s+[A-ZÀ-Þ][\w.-]*(?:\s+[A-ZÀ-Þ][\w.-]*)?$")


def _without_for(name: str) -> str:
    """``name`` without the paper it was written for or the place it was written in after
    it, when two words of the name stay ("Jane Doe For The Ledger" -> "Jane Doe")."""
    for pattern in (_FOR_PAPER, _IN_PLACE):
        cut = pattern.search(name)
        if cut and len(name[: cut.start()].split()) >= 2:
            name = name[: cut.start()]
    return name


def _without_credit_after_capitals(name: str) -> str:
    """A name in capitals followed by a credit in ordinary case ("DANA KOWALSKI Associated
    Press") is the name: the change of case is where the byline's comma would be."""
    words = name.split()
    caps = 0
    # (initials are capitals too: "A. J. Neal" has no name in capitals)
    while caps < len(words) and words[caps].isupper() and sum(map(str.isalpha, words[caps])) >= 2:
        caps += 1
    rest = words[caps:]
    if caps >= 2 and rest and all(w[:1].isupper() and not w.isupper() for w in rest):
        return " ".join(words[:caps])
    return name


# The controls a template puts beside the name in a byline element ("Jane Doe Follow",
# "Jane Doe Email", "Jane Doe View all posts", "Jane Doe on Twitter"): read as a separator,
# so that the name before them stays (they made the whole byline name nobody).
_CONTROLS = re.compile(
    r"(?<=\S)\s+(?:follow(?:\s+on)?|e-?mail|twitter|linkedin|facebook|instagram|share(?:\s+on)?|"
    r"read\s+more|view\s+(?:all\s+)?(?:posts|articles|stories|profile)|"
    r"see\s+all(?:\s+(?:posts|articles|stories))?|more\s+(?:articles|stories|posts)|"
    r"all\s+(?:posts|articles|stories)|about\s+the\s+author|contact)\b",
    re.I,
)
# A word that joins a name to the date or the credit after it ("Jane Doe on March 3",
# "Marie Dupont le 3 mars", "Ana Lima el 3 de marzo", "Anna Berg am 3. März", "Jane Doe at
# 10:30", "Jane Doe last updated"): left at the end once the date is cut, it goes, with the
# months that are also first names after it ("on May", "on June"), left alone elsewhere.
_JOINING_WORD = re.compile(
    r"\s+(?:on|at|le|el|il|am|um|op|em|last)(?:\s+(?:april|may|june|august))?$", re.I
)
# Help credited after the name ("Jane Doe with additional reporting by John Roe", "Jane Doe
# with agencies"): the lower-case word after "with" says it is not a second author.
_WITH_HELP = re.compile(r"\s+with\s+(?=[a-zà-ÿ]).*$")
# A credit for other work than the writing ("Editing by John Roe", "Graphics by Ida Lund",
# "Additional reporting by ..."): not an author, declared or in page text.
_OTHER_CREDIT = re.compile(r"^(?:[^\W\d_]+\s+){1,2}by\s", re.I)
# Where such a credit starts inside a byline ("Jane Doe. Photos by John Roe"): the end of it.
_OTHER_WORK = re.compile(
    r"[.,;]?\s+(?:with\s+)?(?=(?:photos?|photographs?|photography|pictures?|images?|graphics?|"
    r"illustrations?|videos?|editing|edited|additional\s+reporting|produced|design(?:ed)?)"
    r"\s+by\b)",
    re.I,
)
# The wire's or the agencies' share credited beside a name in page text ("Jane Doe and
# wire services", "Ledger Staff and Wire Reports"): no person named (a declared "Staff
# Reports" is the publisher's own credit and stays).
_WIRE_CREDIT = re.compile(
    r"(?:wire|news)\s+(?:reports?|services?)|agencies|staff\s+reports?", re.I
)
# An e-mail address or a social handle glued to the name ("By Jane Doe jdoe@ledger.example",
# "By Jane Doe @janedoe"): a separator.
_HANDLE = re.compile(r"(?<=\S)\s+\S*@\S+")
# A name written twice, by two copies of the byline (one for small screens) or an image's
# text beside the name: "Jane Doe Jane Doe", "Jane DoeJane Doe".
_TWICE = re.compile(r"(\S.{2,}?)\s*\1")


# "Published" and "Updated" in the main European languages and Indonesian: a byline
# such as "Anna Berg Veröffentlicht am 3.3.2024" keeps only the name before it.
_STAMP_WORDS = (
    r"\b(?:veröffentlicht|aktualisiert|publié|mis à jour|publicado|actualizado|atualizado|"
    r"pubblicato|aggiornato|gepubliceerd|bijgewerkt|publicerad|uppdaterad|publisert|"
    r"oppdatert|udgivet|opdateret|julkaistu|päivitetty|opublikowano|zaktualizowano|"
    r"diperbarui|diterbitkan)\b"
)


def _without_joining_word(text: str) -> str:
    while len(text.split()) > 2:
        cut = _JOINING_WORD.sub("", text)
        if cut == text:
            break
        text = cut.rstrip(" ,")
    return text


def _cut_byline_word(text: str) -> str:
    text = _LABEL.sub("", _BY.sub("", _LEAD_IN.sub("", text)))
    m = _BY_WORD.match(text)
    if m:
        rest = text[m.end() :]
        if text[m.start() : m.end()].strip().islower() or len(rest.split()) >= 2:
            text = rest
    return text


def _has_cased_letters_all_lower(name: str) -> bool:
    """Lower-case letters only ("comments"); a script without case (Japanese, Korean)
    is not lower-case."""
    return name == name.lower() and name != name.upper()


def _uncased(name: str) -> bool:
    """No letter of ``name`` has a case (Japanese, Korean, Arabic ... or no letter at all)."""
    return not any(c.isupper() or c.islower() for c in name)


def person_like(name: str) -> bool:
    """A name as people are named: two words or more, capitalised, or a name in a script
    without letter case. "Agenturen", "APA" or "Frankfurt" alone are credits or places."""
    if _uncased(name):
        return any(c.isalpha() for c in name)
    return len(name.split()) >= 2 and name[0].isupper()


def _written_as_a_name(name: str) -> bool:
    """Page text that reads as a name: every word capitalised but for particles ("Eva de
    Wit"), or a script without letter case. "transport offices" or "comments" do not."""
    for word in name.split():
        if _has_cased_letters_all_lower(word) and word not in _PARTICLES:
            return False
    return True


def _is_phrase(part: str) -> bool:
    """A part of a byline that reads as words of a sentence, not a name or a label: two
    words or more, the last in lower case and one a lower-case word of four letters or more
    ("Port transport offices"; not "with reporting by Ida Lund")."""
    words = part.split()
    return (
        len(words) >= 2
        and _has_cased_letters_all_lower(words[-1])
        and any(
            len(w) >= 4 and _has_cased_letters_all_lower(w) and w not in _LABEL_WORDS
            for w in words
        )
    )


def split_authors(values: Iterable[str], *, declared: bool = False) -> tuple[str, ...]:
    """Names from byline strings: no byline word, no dates or times, no roles, no duplicates.

    An agency credit that is the whole byline ("The Associated Press") is kept as is;
    one glued to a date ("AP | Updated 10:32 AM") loses the date. ``declared`` marks
    names the publisher states in JSON-LD or meta tags (see the module docstring)."""
    names: list[str] = []
    for value in values:
        text = " ".join(value.split())
        if _SOURCE_LABEL.match(text):
            continue
        cut = _cut_byline_word(text)
        label = _OTHER_LABEL.search(cut)
        if label and label.start() == 0 and cut == text:
            continue
        text = cut[: label.start()] if label else cut
        if not declared:
            text = _CONTROLS.sub(" , ", _WITH_HELP.sub("", _HANDLE.sub(" , ", text)))
            text = _RELATIVE_STAMP.sub("", _NAME_MONTH_DAY.sub("", text))
            text = _FROM_A_NUMBER.sub("", text)
            while True:  # trailing day and month names, one at a time
                text = _without_joining_word(text.rstrip(" ,"))
                last = _DATE_WORDS.search(text)
                if last is None and len(text.split()) > 2:
                    last = _DAY_SHORT.search(text)
                if not last:
                    break
                text = text[: last.start()]
            text = re.sub(r"^(?:authors?|writer)\s+(?=[A-Z])", "", text, flags=re.I)
        # a byline such as "Jane Doe | Published 3 March 2024" keeps only the part before it
        text = re.split(
            r"\s+(?:[|•·⋅]|—|–)\s+|\b(?:last\s+)?updated\b|\bpublished\b|\bposted\b|" + _STAMP_WORDS,
            text,
            flags=re.I,
        )[0]
        text = _OTHER_WORK.split(text)[0]
        text = _PARENS.sub("", text)
        text = _ROLE_AFTER_COMMA.sub("", text)
        parts = [
            _cut_byline_word(p.strip(_STRIP)).strip(_STRIP)
            for piece in _WITH.split(text)
            for p in _AUTHOR_SPLIT.split(piece)
        ]
        parts = [
            without_role(_ROLE_SUFFIX.sub("", _without_for(p))).strip(_STRIP)
            for p in parts
            if p and not _OTHER_CREDIT.match(p) and (declared or not _WIRE_CREDIT.fullmatch(p))
        ]
        if not declared:
            parts = [_without_joining_word(p) for p in parts]
        # a part naming a role goes, unless it is the whole credit ("Harbour Ledger Reporters"),
        # and so does the paper it was written for ("Jane Doe, Special to The Ledger") and a
        # degree after a name ("Jane Doe, MS, RD", "Dr. Eva Lind, Ph.D.")
        if len([p for p in parts if p]) > 1:
            parts = [p for p in parts if not _ROLE_WORD.search(p) and not _FOR_PART.match(p)]
            parts = parts[:1] + [p for p in parts[1:] if not _DEGREE.fullmatch(p)]
        if not declared and len(parts) > 1 and any(_is_phrase(p) for p in parts):
            continue  # "The Harbour and Port transport offices": a sentence, not names
        for name in parts:
            if not name or len(name) > 60 or len(name.split()) > 5:
                continue
            if (_NOT_A_DECLARED_NAME if declared else _NOT_A_NAME).search(name):
                continue
            name = without_role(name)
            if is_staff_credit(name, alone=declared):
                continue
            name = _without_credit_after_capitals(name)
            twice = _TWICE.fullmatch(name)
            if twice and len(twice.group(1).split()) >= 2:
                name = twice.group(1).strip()
            if name.isupper() and len(name) > 3:  # "MELISSA GOLDIN", "THE ASSOCIATED PRESS"
                name = " ".join(map(_capitalised, name.split()))
            if not any(c.isalpha() for c in name):
                continue
            if not declared:
                lowered = name.casefold().split()
                if not _written_as_a_name(name) or all(w in _LABEL_WORDS for w in lowered):
                    continue
                if _PLACEHOLDER_NAME.match(name):
                    continue
            if name.casefold() not in (n.casefold() for n in names):
                names.append(name)
    # in page text, lone words next to full names are labels or first names of others
    if not declared and any(len(n.split()) > 1 for n in names):
        names = [n for n in names if len(n.split()) > 1 or not any(c.isupper() for c in n)]
    # a name that is another one with words added ("Jane Doe Privacy", a role glued on
    # without a comma) is that person again
    # and so is one with "About" before it (the author box under the piece: "About Ana Lima")
    words = [n.casefold().split() for n in names]
    return tuple(
        n
        for n, w in zip(names, words, strict=True)
        if not any(len(o) < len(w) and w[: len(o)] == o and len(o) >= 2 for o in words)
        and not (w[0] in _ABOUT and w[1:] in words)
    )


# A generation or regnal number after a name ("John Doe III"): written in capitals.
_ROMAN = re.compile(r"[IVX]{2,4}")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _capitalised(word: str) -> str:
    """A word of a name written in capitals, as names are written: each run of letters
    capitalised, so that the parts after an apostrophe or a hyphen keep their capital
    ("O'NEIL" -> "O'Neil", "JEAN-LUC" -> "Jean-Luc"); a number such as "III" stays."""
    if _ROMAN.fullmatch(word):
        return word
    return _LETTER_RUN.sub(lambda m: m.group().capitalize(), word)


# "About" before a name in an author box, in the main European languages.
_ABOUT = {"about", "sobre", "über", "uber", "acerca", "om", "over", "o", "su"}


# Byline elements: attribute tests in one XPath pass; class names are read as strings and
# tested in Python (contains() on every element's class costs more than the whole pass).
# (a union of narrow paths: libxml2 tests one attribute per element instead of several,
# and looks for itemprop="name" only under itemprop="author"; same elements, same order)
_BYLINE_ATTRS = etree.XPath(
    'descendant::*/@rel[.="author"]/.. | descendant::*/@data-testid[.="byline"]/..'
    ' | descendant::*[@itemprop="author"]//*[@itemprop="name"]'
    ' | descendant::*/@itemprop[.="author"]/parent::*[not(.//*[@itemprop="name"])]'
)
# every class _BYLINE_CLASS can match holds "byline", "author" or "autor" (any case):
# XPath (in C) keeps those, and only they are made into Python strings and searched
_BYLINE_CANDIDATES = etree.XPath(
    "descendant::*/@class[contains(., 'yline') or contains(., 'uthor') or contains(., 'utor')]"
)
# ids are read only on a page where no attribute or class marks a byline (a pass of its own)
_BYLINE_ID_CANDIDATES = etree.XPath("descendant::*/@id[contains(., 'yline') or contains(., 'uthor')]")
# A class or id naming the element as the byline or the author's name: "byline",
# "author", "article__author", "author-name", "authors__list-item", "AuthorList",
# "autor"; not the author's picture, biography, or a comment's author.
_BYLINE_CLASS = re.compile(
    r"(?:^|\s|[-_])(?:byline|by-line|authors?|autor(?:en|in)?|auteurs?|autore)"
    r"(?:$|\s|[-_]{1,2}(?:name|names|list|item|info|link|wrapper|meta|text)\b)"
    r"|byline__name|authorname|authorlist|bylinename",
    re.I,
)
_NOT_BYLINE_CLASS = re.compile(
    r"comment|avatar|image|img|photo|picture|bio|desc|about|social|follow|more|box|card",
    re.I,
)


def _username(name: str) -> bool:
    """A login rather than a person's name: one lower-case token that is long
    ("brandonpeak"), joins words with "-", "_" or "." ("kei_eno"), or holds a digit. Short
    credits ("dpa") and host names ("example.de") stay."""
    if " " in name or not _has_cased_letters_all_lower(name):
        return False
    if any(c.isdigit() for c in name):
        return True
    if re.fullmatch(r"[\w-]+\.[a-z]{2,3}", name):
        return False
    return len(name) > 6 or bool(re.search(r"[-_.]", name))


def declared_authors(
    nodes: Iterable[tuple[str, bool]], in_house: Callable[[str], bool] | None = None
) -> tuple[str, ...]:
    """Names from declared (name, is an organisation) pairs: a person's name that is a
    login ("admin-2", "jdoe_writer") goes, an organisation's name stays as declared.

    ``in_house`` tells a name that is the site itself: one declared string that names a
    person and, after a comma, the site ("Ida Lund, professor at X, Ledger.com") keeps
    the person only; a site declared as an author of its own stays."""
    names: list[str] = []
    for name, organisation in nodes:
        parts = [
            part
            for part in split_authors([name], declared=True)
            if organisation or not _username(part)
        ]
        if in_house is not None and len(parts) > 1:
            parts = [part for part in parts if not in_house(part)] or parts
        names.extend(parts)
    return split_authors(names, declared=True)


def byline_elements(root: HtmlElement) -> list[HtmlElement]:
    """Elements that hold a byline (rel=author, itemprop author or its name, byline or
    author classes and ids), in page order."""
    found = list(_BYLINE_ATTRS(root))
    by_class = [
        v.getparent()
        for v in _BYLINE_CANDIDATES(root)
        if _BYLINE_CLASS.search(v) and not _NOT_BYLINE_CLASS.search(v)
    ]
    if not found and not by_class:
        by_class = [
            v.getparent()
            for v in _BYLINE_ID_CANDIDATES(root)
            if _BYLINE_CLASS.search(v) and not _NOT_BYLINE_CLASS.search(v)
        ]
    if not by_class:
        return found
    seen = set(found)
    for el in by_class:
        if el not in seen:
            seen.add(el)
            found.append(el)
    return sorted(found, key=doc_position)


# Parts of a byline element that are not names: its date stamp, its buttons and scripts.
_NOT_NAME_TAGS = ("time", "button", "script", "style", "noscript")


def _byline_text(el: HtmlElement) -> str:
    """The words of a byline element, pieces of text in separate elements as separate words
    ("Jane Doe<span>Share"), without its <time> ("By Jane Doe<time>May 9, 2023</time>" read
    "Jane Doe May") or buttons, which part the names around them like a comma."""
    if next(el.iterdescendants(*_NOT_NAME_TAGS), None) is not None:
        el = deepcopy(el)
        for part in list(el.iterdescendants(*_NOT_NAME_TAGS)):
            part.tail = " , " + (part.tail or "")
            part.drop_tree()
    return " ".join(" ".join(el.itertext()).split())


def byline_texts(root: HtmlElement) -> list[str]:
    """The text of the page's first byline elements, short ones only."""
    texts = []
    for el in byline_elements(root)[:6]:
        text = _byline_text(el)
        if 2 < len(text) < 120:
            texts.append(text)
    return texts


# A link to an author's own page ("/autoren/name/anna-berg", "/author/jane-doe/",
# "/journalist/kari-nord", "/staff/jane-doe", "/profile/jane-doe"): the folder names the
# role in the main languages of the news web, and a name follows it (the folder alone,
# "/autoren/", lists them all). Not "/people/" (a topic page about a person) nor "/by/"
# (a licence's "/licenses/by/3.0/").
_AUTHOR_HREF = re.compile(
    r"/(?:authors?|autor(?:en|in|innen|es)?|auteurs?|autori|autore|journalist(?:s|en|er)?|"
    r"redakteur(?:e|in|innen)?|redacteurs?|redactores?|writers?|columnists?|contributors?|"
    r"forfatter(?:e)?|skribenter|yazar(?:lar)?|penulis|tac-gia|staff|profiles?|reporters?)"
    r"/[^/?#\s]",
    re.I,
)
_LINKS = etree.XPath("descendant::a[@href]")
# An element whose whole text labels the name beside it ("<b>Autorin/Autor</b> Anna Berg").
_LABEL_ONLY = re.compile(
    r"(?:autor(?:in|innen|en|es|a|e|i|ius|s)?(?:\s*/\s*autor(?:in)?)?|auteur(?:e|s)?|autore|"
    r"authors?|written by|yazar|forfatter|författare|skribent|penulis|tác giả|szerző|"
    r"kirjoittaja|автор|συντάκτης)\s*:?",
    re.I,
)


# what makes urlsplit() more than a cut of the address: the tabs and line breaks it
# removes, the brackets and non-ASCII host names it checks (and may reject)
_SPLIT_CHANGES = re.compile(r"[\t\r\n\[\]]|[^\x00-\x7f]")


def _is_author_link(link: HtmlElement) -> bool:
    href = link.get("href", "")
    # the path is a piece of a plain address: the pattern missing the whole address misses
    # the path too, and the address need not be split (most links of a page)
    if _AUTHOR_HREF.search(href) is None and not _SPLIT_CHANGES.search(href):
        return False
    return _AUTHOR_HREF.search(urlsplit(href).path) is not None


# An element of a site's menu: <nav>, a navigation or menu role, a nav or menu class.
_MENU_CLASS = re.compile(r"(?:^|[\s_-])(?:sub)?(?:nav|menu)", re.I)


def _in_menu(link: HtmlElement) -> bool:
    for el in link.iterancestors():
        if el.tag == "nav" or (el.get("role") or "") in ("navigation", "menu", "menubar"):
            return True
        if _MENU_CLASS.search(el.get("class") or ""):
            return True
    return False


def author_link_texts(root: HtmlElement) -> list[str]:
    """The texts of links to authors' pages, from the first box that holds such links: the
    grandparent of the first one, unless the link is in a menu (the site's "Columnists: A,
    B, C") or the box holds many other links (a teaser list)."""
    tried: list[HtmlElement] = []
    for link in _LINKS(root):
        if not _is_author_link(link):
            continue
        parent = link.getparent()
        box = parent.getparent() if parent is not None else None
        if box is None or any(box is seen for seen in tried):
            continue
        tried.append(box)
        if len(tried) > 3:
            break
        links = box.findall(".//a[@href]")
        ours = [a for a in links if _is_author_link(a)]
        if _in_menu(link) or len(links) - len(ours) > 6:
            continue
        texts = [" ".join(a.text_content().split()) for a in ours[:6]]
        return [text for text in texts if 2 < len(text) < 80]
    return []


def labelled_bylines(root: HtmlElement) -> list[str]:
    """A byline written as a label element and the name after it ("<strong>Autor</strong>
    Jan Roth", "<span>Yazar:</span> <a>Ali Kaya</a>"): the parent's text without the label.
    Only when the page has one such byline (a template may repeat it): several label the
    works a review lists ("Author: X, Released: 2025"), not who wrote the page."""
    texts: list[str] = []
    for el in root.iter():
        text = el.text
        if not text or len(text) > 30 or len(el) or not isinstance(el.tag, str):
            continue
        if el.tag in ("script", "style", "title", "option") or not _LABEL_ONLY.fullmatch(text.strip()):
            continue
        parent = el.getparent()
        if parent is None:
            continue
        rest = " ".join(" ".join(parent.itertext()).split())
        rest = rest.replace(" ".join(text.split()), "", 1).strip(_STRIP)
        if 2 < len(rest) < 120 and rest not in texts:  # (a template may repeat its byline)
            texts.append(rest)
        if len(texts) > 1:
            return []
    return texts


# How many paragraphs of prose come before a signature line that ends an article.
_SIGNED_AFTER = 3
_PROSE_WORDS = 15


def signature_lines(root: HtmlElement) -> list[str]:
    """The name an article is signed with at its end: a last paragraph that is nothing but
    a bold name ("<p><strong>Lan Pham</strong></p>" after the story's paragraphs), as
    papers in Vietnamese, Spanish or Italian sign their pieces."""
    for p in root.iter("p"):
        if len(p) != 1 or p[0].tag not in ("strong", "b") or (p.text or "").strip():
            continue
        text = " ".join(p.text_content().split())
        if not 2 <= len(text.split()) <= 4 or len(text) > 40 or (p[0].tail or "").strip():
            continue
        if p[0].find(".//a") is not None or any(
            q.text_content().strip() for q in p.itersiblings() if isinstance(q.tag, str)
        ):
            continue  # a link, or not the end of the article
        prose = [
            q for q in p.itersiblings(preceding=True)
            if q.tag == "p" and len(q.text_content().split()) >= _PROSE_WORDS
        ]
        if len(prose) >= _SIGNED_AFTER:
            return [text]
    return []


# A line of its own that is a byline by its wording alone ("<p>By <a>Jane Doe</a></p>",
# "<strong>Von Anna Berg</strong>"): the byline word, capitalised, then a capitalised name.
_BY_LINE = re.compile(r"^(?:By|BY|Von|VON|Por|POR|Par|PAR|Door|DOOR|Av|AV|Af|AF)\s+[A-ZÀ-Þ]")
_BY_LINE_TAGS = ("p", "div", "span", "strong", "b", "em", "address")
_BY_LINE_WORDS = 16


def by_lines(root: HtmlElement) -> list[str]:
    """The one short element whose text is a byline by its wording ("By Jane Doe"), when
    no byline markup names it: not inside a link, a heading or the site's menu, and only
    when the page has one such text that names a person (a teaser list repeats "By ..."
    under every title)."""
    found: list[str] = []
    for el in root.iter(*_BY_LINE_TAGS):
        start = (el.text or "").lstrip()
        if not _BY_LINE.match(start + ("X" if len(start) <= 3 else "")):
            continue
        text = " ".join(el.text_content().split())
        if not _BY_LINE.match(text) or len(text.split()) > _BY_LINE_WORDS or len(text) > 120:
            continue
        if any(a.tag in ("a", "h1", "h2", "h3", "h4", "nav", "li") for a in el.iterancestors()):
            continue
        if not any(person_like(name) for name in split_authors([text])):
            continue  # "By subject" (a sorting control), "By Staff"
        if text not in found:
            found.append(text)
        if len(found) > 1:
            return []
    return found


def page_people(root: HtmlElement) -> tuple[str, ...]:
    """People the page names as its authors outside the byline markup that
    :func:`byline_texts` reads: links to authors' pages, else a labelled name, else a line
    that is a byline by its wording, else the name the article is signed with at its end."""
    for texts in (
        author_link_texts(root),
        labelled_bylines(root),
        by_lines(root),
        signature_lines(root),
    ):
        people = tuple(name for name in split_authors(texts) if person_like(name))
        if people:
            return people
    return ()


def profile_urls(author: object) -> list[str]:
    """The addresses a JSON-LD ``author`` gives instead of a name: URL strings, and the
    ``url`` or ``@id`` of an author object without a name."""
    found: list[str] = []
    for item in author if isinstance(author, list) else [author]:
        if isinstance(item, str) and "://" in item:
            found.append(item)
        elif isinstance(item, dict) and not item.get("name"):
            for key in ("url", "@id", "sameAs"):
                value = item.get(key)
                if isinstance(value, str) and "://" in value:
                    found.append(value)
    return found


def _slug_key(url: str) -> str:
    """The last folder of a profile URL, letters only, lower-cased ("janedoe" for
    ".../author/jane-doe/", "/autor/jane_doe-123")."""
    folders = [f for f in urlsplit(url.strip()).path.split("/") if f]
    return re.sub(r"[\W\d_]", "", folders[-1]).casefold() if folders else ""


def profile_people(urls: Iterable[str], names: Iterable[str]) -> tuple[str, ...]:
    """The people of ``names`` (read from the page) whose names the profile URLs spell
    (".../author/jane-doe" for "Jane Doe"), in the URLs' order: a profile URL becomes a
    name only when the page says that name."""
    by_key: dict[str, str] = {}
    for name in names:
        key = re.sub(r"[\W\d_]", "", name).casefold()
        if len(name.split()) >= 2 and key:
            by_key.setdefault(key, name)
    out: list[str] = []
    for url in urls:
        person = by_key.get(_slug_key(url))
        if person and person not in out:
            out.append(person)
    return tuple(out)
