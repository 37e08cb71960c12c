"""The last lines of an extracted body: what closes the article without being part of it.

Two rules run here, after extraction and the line rules, on the body the user gets:

* :data:`AUTHOR_RULE`: many publishers close an article with a line about its author
  ("Jo Bloggs covers the harbour for the Gazette.", "Correspondent Jo Bloggs reports from
  ...", or the name alone as a sign-off).  The words differ with the publisher and the
  language; what they share is the page's declared author (JSON-LD, meta tags, byline:
  ``PageMeta.authors``) at the start of the line.  So a line among the last few of the
  body that opens with a declared author's name (of two words or more), alone or after one
  word (a label, "by", a possessive), is taken out.  A line holding an e-mail address
  stays: some publishers end the article text itself with how to reach its reporter; so
  does a sentence that sets the name in apposition ("Jo Bloggs, a baker, tested the
  ovens ..."), the form an article's own text introduces a person in.
* :data:`LEAD_IN_RULE`: a short line ending with a colon that closes the body introduces
  something that is no longer there ("Our standards:", "More on this topic:", "Sources:"):
  the list, embed or box it led into was taken out, by a DOM rule or by the extractor.
  The colon is the evidence, in any language that writes one.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from cleaning.record import Removal

AUTHOR_RULE = "generic.author.closing_line"
LEAD_IN_RULE = "generic.layout.dangling_lead_in"
RULES = (AUTHOR_RULE, LEAD_IN_RULE)
# how far from the end of the body an author's closing line may stand, in non-blank lines
TAIL_LINES = 4
# a body shorter than this (non-blank lines) has no room for a closing line to be told apart
MIN_BODY_LINES = 5
# longer lines are article prose that happens to name its author (a biography runs to
# five or six sentences)
MAX_WORDS = 120
# names of more words than this are not a person's name (a collective credit line)
MAX_NAME_WORDS = 5
# a lead-in is a label ("Sources:", "More on this topic:"); a longer line ending with a
# colon is the article's own sentence before a quote or an embed the extractor left out
LEAD_IN_WORDS = 5
# a line longer than this whose name is followed by a comma is the article's sentence
# about a person ("Jo Bloggs, a baker, ..."), not a sign-off ("Jo Bloggs, Kim Lee")
APPOSITION_WORDS = 12
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_EDGE = re.compile(r"^\W+|\W+$")
_POSSESSIVE = re.compile(r"['’]s$")


def _words(text: str) -> list[str]:
    """The lower-case words of ``text`` as written (a hyphenated name is one word), without
    the punctuation around them or a possessive ending ("Bloggs's" is "bloggs")."""
    out = []
    for token in text.lower().split():
        word = _POSSESSIVE.sub("", _EDGE.sub("", token))
        if word:
            out.append(word)
    return out


def _names(authors: Sequence[str], site_name: str | None) -> list[list[str]]:
    """Each declared author as its lower-case words, for the names of two to five words
    that are not the site's own name (a newsroom credited as the author: its closing
    lines are a letters policy or a note on how the story was made, not a biography)."""
    site = [w for w in _words(site_name or "") if w != "the"]
    out = []
    for author in authors:
        words = _words(author)
        if 2 <= len(words) <= MAX_NAME_WORDS and [w for w in words if w != "the"] != site:
            out.append(words)
    return out


def _opens_with(words: list[str], name: list[str]) -> int:
    """How many words of ``words`` the opening ``name`` takes up (``name`` first, or one
    other word and then ``name``), or 0 when the line does not open with it."""
    n = len(name)
    if words[:n] == name:
        return n
    return n + 1 if words[1 : n + 1] == name else 0


def _author_lines(
    lines: list[str], filled: list[int], authors: Sequence[str], site_name: str | None
) -> list[int]:
    """Indexes of the closing lines (among the last :data:`TAIL_LINES`) that open with a
    declared author's name."""
    names = _names(authors, site_name)
    if not names or len(filled) < MIN_BODY_LINES:
        return []
    out = []
    for i in filled[-TAIL_LINES:]:
        line = lines[i].strip()
        if len(line.split()) > MAX_WORDS or _EMAIL.search(line):
            continue
        words = _words(line)
        tokens = line.split()
        for name in names:
            end = _opens_with(words, name)
            if not end:
                continue
            apposition = len(tokens) > APPOSITION_WORDS and tokens[end - 1].endswith(",")
            if not apposition:
                out.append(i)
            break
    return out


def _is_lead_in(line: str) -> bool:
    return line.endswith(":") and len(line.split()) <= LEAD_IN_WORDS


def clean_tail(
    body: str,
    authors: Sequence[str],
    site_name: str | None = None,
    active: Collection[str] = RULES,
) -> tuple[str, list[Removal]]:
    """``body`` without its closing lines that :data:`active` rules (of :data:`RULES`)
    take out, and those lines, each under its rule's id."""
    if not body or not active:
        return body, []
    lines = body.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    gone: dict[int, str] = {}
    if AUTHOR_RULE in active:
        gone.update((i, AUTHOR_RULE) for i in _author_lines(lines, filled, authors, site_name))
    if LEAD_IN_RULE in active:
        # the lines left at the end, from the last: lead-ins to nothing, one after another
        # ("More on this:" under "Read next:"), stop at the first line that is not one
        rest = [i for i in filled if i not in gone]
        while len(rest) > 1 and _is_lead_in(lines[rest[-1]].strip()):
            gone[rest.pop()] = LEAD_IN_RULE
    if not gone:
        return body, []
    removed = [Removal(gone[i], lines[i].strip()) for i in sorted(gone)]
    return "\n".join(line for i, line in enumerate(lines) if i not in gone), removed
