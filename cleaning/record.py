"""The record every cleaning path returns: text mode, HTML mode and the crawler."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

# word_count counts the runs of \w (a letter, digit or "_", what str.isalnum() says, or "_")
# without building each word: non-ASCII characters that are not word characters become
# spaces, then one byte table maps word bytes (the rest of the non-ASCII ones included) to
# "a" and the others to " ", and every run of word bytes starts where " a" stands, or at 0
# a non-ASCII character that is not a word character (re's \w is str.isalnum() or "_"; the
# two agree on every code point): one pass replaces them all, however many a text holds
_NON_ASCII_NON_WORD = re.compile(r"[^\w\x00-\x7f]")
_WORD_BYTES = bytes(97 if c >= 128 or chr(c).isalnum() or c == 95 else 32 for c in range(256))
_ASCII_BYTES = bytes(range(128))
# a text with more distinct non-word characters than this is spaced by the regular expression
# (one pass) rather than by one str.replace per character (one pass each)
_REPLACED_AT_MOST = 32


@dataclass(frozen=True)
class Removal:
    """One block that a rule took out of the document, and the id of that rule."""

    rule_id: str
    text: str


@dataclass(frozen=True)
class CleanedRecord:
    """A cleaned article.

    ``text`` is the body, one paragraph per line.  ``removed`` lists every block
    that was taken out, in document order, each with the id of the rule that
    removed it.  ``drop_reason`` is set when the input is not an article at all
    (a section front, an error page, ...): such a record is counted, not written.
    """

    text: str
    removed: tuple[Removal, ...] = ()
    title: str | None = None
    description: str | None = None
    language: str | None = None
    authors: tuple[str, ...] = ()
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    canonical_url: str | None = None
    section: str | None = None
    tags: tuple[str, ...] = ()
    image_url: str | None = None
    paywalled: bool | None = None
    drop_reason: str | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def word_count(self) -> int:
        """The number of ``\\w+`` tokens in ``text``."""
        return count_words(self.text)

    @property
    def is_article(self) -> bool:
        return self.drop_reason is None


def non_ascii_chars(text: str) -> set[str]:
    """The distinct non-ASCII characters of ``text`` (``set(re.findall("[^\\x00-\\x7f]",
    text))``).  Not by a regular expression, which builds one string per character found
    (most of a dump's are curly quotes and dashes, one every few words): the text's UTF-8
    bytes less its ASCII bytes (one ``bytes.translate`` in C) are the UTF-8 of its non-ASCII
    characters alone, as no ASCII byte occurs inside a multi-byte sequence."""
    data = text.encode("utf-8", "surrogatepass").translate(None, _ASCII_BYTES)
    return set(data.decode("utf-8", "surrogatepass"))


def spaced_non_ascii(text: str) -> str:
    """``text`` with every non-ASCII character that is not a word character made a space
    (a byte table then tells ASCII word bytes from the rest).  The regular expression tests
    every character of the text against its class; a text holds a few distinct such
    characters (quotes, dashes, no-break spaces), each replaced in one C pass."""
    if text.isascii():
        return text
    spaces = [ch for ch in non_ascii_chars(text) if not ch.isalnum()]
    if len(spaces) > _REPLACED_AT_MOST:  # symbols of every kind: one pass for all
        return _NON_ASCII_NON_WORD.sub(" ", text)
    for ch in spaces:
        text = text.replace(ch, " ")
    return text


def count_words(text: str) -> int:
    """How many times ``\\w+`` matches in ``text``."""
    text = spaced_non_ascii(text)
    marked = text.encode("utf-8", "surrogatepass").translate(_WORD_BYTES)
    return marked.count(b" a") + marked.startswith(b"a")
