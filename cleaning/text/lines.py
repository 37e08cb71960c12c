"""Split a plain-text dump into lines and measure each one (the segmenter's input).

A dump keeps every visible line of a page: navigation (often indented), the
headline, the body paragraphs, teasers, footers.  Each :class:`Line` records
the shallow text features that separate running prose from page furniture
(boilerpipe/jusText style): word count, terminal punctuation, stop-word
density, capitalised-word share, indentation and the blank lines around it.

Glued text is split first: the dump of a page sometimes loses the break
between two blocks, leaving ``...all the difference.Cabinet minister...`` or
``'Harden opinions'Mr Alexander told...``.  A lower-case word ending a sentence
(or a closing quote) immediately followed by a capitalised word is a block
boundary; abbreviations such as ``U.S.A.`` or ``e.g.`` do not match because the
letters before the full stop must be two lower-case ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from cleaning.record import spaced_non_ascii
from cleaning.words import STOPWORDS, detect_language_utf8, stopwords_for

# sentence end (two lower-case letters + .!? and optional closing quote) glued to a capitalised
# word: a block boundary after the match.  The expression opens with the sentence end's
# character class, so the search skips to the next .!? (the look-behind alternation it
# replaces was tried at every character of the line).  The capitalised word must end as a
# word does (a space, a comma, the line's end): in code, ``note.NewSigner(os.Getenv(`` is a
# chain of calls, not two sentences glued
_GLUED_SENTENCE = re.compile(
    r"[.!?](?<=[a-z]{2}[.!?])[\"”’']?(?=[A-Z][a-z]+(?:[\s,;:!?'’\"”]|$))"
)
_GLUE_HINT = re.compile(r"[.!?\"'”’][A-Z]")
# the bytes _GLUE_HINT looks for, in UTF-8: its punctuation (the last byte of ” and ’ stands
# for them) -> ".", capitals -> "A", any other byte -> " "
_GLUE_BYTES = bytes(
    46 if byte in b".!?\"'\x9d\x99" else 65 if 65 <= byte <= 90 else 32 for byte in range(256)
)
# a quoted crosshead glued to its paragraph: 'Harden opinions'Mr Alexander
_GLUED_QUOTE = re.compile(r"(?<=[a-z][’'\"”])(?=[A-Z][a-z]+ )")
_ALNUM = re.compile(r"[^\W_]")
_TRAILING_TAG = re.compile(r"\s*\([^\W\d_]{2,6}(/[^\W\d_]{2,6})?\)$")
# scripts written without spaces between words: Han ideographs, kana and the CJK iteration
# marks (dense: a word is counted per three characters, the scale the line scores were set
# with; about two would be the language's own, but the boilerplate of such pages, in no
# rule's words, would then read as prose), and Thai, Lao, Tibetan, Myanmar and Khmer
# (sparse: a word per four characters, their vowel signs being characters too)
_UNSPACED_DENSE = (
    "\u3005-\u3007\u3021-\u3029\u3041-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uf900-\ufaff\uff66-\uff9f"
)
_UNSPACED_SPARSE = "\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff"
_UNSPACED = re.compile(f"[{_UNSPACED_DENSE}{_UNSPACED_SPARSE}]")
_DENSE = re.compile(f"[{_UNSPACED_DENSE}]")
_SPARSE = re.compile(f"[{_UNSPACED_SPARSE}]")
_CHARS_PER_WORD_DENSE, _CHARS_PER_WORD_SPARSE = 3, 4
_OTHER_WORD = re.compile(r"[^\W\d_]+")  # letters: a date's digits are no words
# sentence ends, with the full stops of CJK, Devanagari, Urdu, Armenian, Ethiopic and Burmese
_TERMINAL = frozenset(".!?。！？।॥۔؟։።။")
_CLOSERS = "\"'”’“‘›)]»*」』）"

# Stop words: prose is full of them, menus and headlines are not.  A document is measured
# with the base list plus the function words of its own language (split_lines).
_IS_STOP = STOPWORDS.__contains__
IsStop = Callable[[str], bool]
# ASCII bytes that are no word characters -> space; word bytes and every non-ASCII byte stay
_WORD_BYTES = bytes(c if c >= 128 or chr(c).isalnum() or c == 95 else 32 for c in range(256))
# the language of a document is told from the words of its longer lines, this many at most
_LANGUAGE_SAMPLE = 300
_LANGUAGE_LINE_WORDS = 8
_SAMPLE = 24
# an unpunctuated line needs its shares only from this many words (segment.plain_score)
_SHARES_FROM = 12


class Line:
    """One non-blank line of the input with its shallow features.

    Words are whitespace tokens (what ``max_words`` of the rules counts too);
    the stop-word and capitalised-word shares are only measured on lines of
    four words or more, the only ones whose score depends on them, and only
    when first read: an unpunctuated line of fewer than 12 words (a menu item,
    a teaser headline) scores the same whatever they are.
    """

    __slots__ = (
        "text",
        "indent",
        "blank_before",
        "blank_after",
        "words",
        "size",
        "terminal",
        "_stop",
        "_cap",
        "_is_stop",
    )

    def __init__(
        self,
        text: str,
        indent: int = 0,
        blank_before: bool = False,
        features: tuple[int, int, bool, float | None, float | None] | None = None,
        is_stop: IsStop = _IS_STOP,
    ) -> None:
        self.text = text
        self.indent = indent
        self.blank_before = blank_before
        self.blank_after = False
        self._is_stop = is_stop
        features = features or _measure(text, is_stop)
        self.words, self.size, self.terminal, self._stop, self._cap = features

    @property
    def stop_ratio(self) -> float:
        """Share of stop words among the first words."""
        stop = self._stop
        if stop is None:
            stop, self._cap = _shares_of(self.text.split(), self._is_stop)
            self._stop = stop
        return stop

    @property
    def cap_ratio(self) -> float:
        """Share of capitalised words among the first words."""
        cap = self._cap
        if cap is None:
            self._stop, cap = _shares_of(self.text.split(), self._is_stop)
            self._cap = cap
        return cap

    def __repr__(self) -> str:
        return f"Line({self.text[:40]!r})"


def _measure(
    text: str, is_stop: IsStop = _IS_STOP
) -> tuple[int, int, bool, float | None, float | None]:
    """(words, size, ends a sentence, stop-word share, capitalised share) of a stripped line,
    the two shares left out (None) when the line's score cannot depend
    on them (see :class:`Line`).

    ``words`` counts whitespace tokens (what a rule's ``max_words`` counts); ``size`` is
    the length in words the scorer uses: for scripts written without spaces (Chinese,
    Japanese, Thai) it is estimated from their characters (:func:`_unspaced_words`), and
    such a line counts as prose-like in its stop-word share."""
    tokens = text.split()
    n = len(tokens)
    stripped = text.rstrip(_CLOSERS)
    # a teaser cut short ("...", "…") is not a finished sentence
    terminal = bool(stripped) and stripped[-1] in _TERMINAL and not stripped.endswith("..")
    if not terminal and text.endswith(")"):
        # an agency's or author's tag after the last sentence: "... back on Monday. (dpa)"
        tag = _TRAILING_TAG.search(text)
        if tag is not None:
            before = text[: tag.start()].rstrip(_CLOSERS)
            terminal = bool(before) and before[-1] in _TERMINAL
    size = n
    if len(text) <= 12 and _ALNUM.search(text) is None:
        return n, 0, terminal, 0.0, 0.0  # separators, bullets, invisible joiners: no size
    if not text.isascii() and _UNSPACED.search(text) is not None:
        # a script written without spaces: such a line is prose-like in its stop words
        return n, _unspaced_words(text), terminal, 0.3, 0.0
    if n < 4:
        return n, size, terminal, 0.0, 0.0
    if not terminal and n < _SHARES_FROM:
        return n, size, terminal, None, None
    return (n, size, terminal, *_shares_of(tokens, is_stop))


def _unspaced_words(text: str) -> int:
    """The words of a line holding a script written without spaces between words: those
    estimated from its characters, plus the other words (Latin names) in it.  A Latin line
    glued together holds none of these characters: it stays a few long tokens, no
    sentence."""
    dense = len(_DENSE.findall(text))
    sparse = len(_SPARSE.findall(text))
    others = len(_OTHER_WORD.findall(_UNSPACED.sub(" ", text)))
    return others - (-dense // _CHARS_PER_WORD_DENSE) - (-sparse // _CHARS_PER_WORD_SPARSE)


def _shares_of(tokens: list[str], is_stop: IsStop) -> tuple[float, float]:
    """(stop-word share, capitalised share) of the words of a line of four words or more."""
    # the shares are measured on the first words only (a paragraph's opening is as telling
    # as its whole) with map() over C methods: this runs for most lines of every page
    sample = tokens[:_SAMPLE] if len(tokens) > _SAMPLE else tokens
    k = len(sample)
    stop = sum(map(is_stop, map(str.lower, sample))) / k
    return stop, sum(map(str.istitle, sample)) / k


def split_glued(text: str) -> list[str]:
    """Split a stripped line where two blocks were glued together without a break."""
    if _GLUE_HINT.search(text) is None:  # cheap test first: most lines have no glue
        return [text]
    cuts = [m.end() for m in _GLUED_SENTENCE.finditer(text)]
    parts = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    if (
        len(parts) == 1
        and "'" not in text
        and "’" not in text
        and '"' not in text
        and "”" not in text
    ):
        return parts
    out: list[str] = []
    for part in parts:
        # a quoted crosshead only at the very start of a block: 'Title'Body text...
        m = _GLUED_QUOTE.search(part)
        if m and part[0] in "'‘\"“" and m.start() < 80:
            out.extend((part[: m.start()], part[m.start() :]))
        else:
            out.append(part)
    return [p.strip() for p in out if p.strip()]


def document_language(text: str, raw_lines: Sequence[str] | None = None) -> str | None:
    """The language of a document (ISO 639-1), told by :func:`cleaning.words.detect_language`
    from the words of its longer lines (running prose, not menus), or None.  ``raw_lines``:
    ``text.splitlines()``, when the caller has them (:func:`split_lines` reads them too)."""
    sample: list[bytes] = []
    for raw in text.splitlines() if raw_lines is None else raw_lines:
        if raw.count(" ") + 1 >= _LANGUAGE_LINE_WORDS:
            sample.extend(_utf8_words(raw.lower()))
            if len(sample) >= _LANGUAGE_SAMPLE:
                break
    return detect_language_utf8(sample)


def _utf8_words(lower: str) -> list[bytes]:
    """``[w.encode() for w in re.findall(r"\\w+", lower)]``, by byte tables: the non-ASCII
    characters that are no word characters made spaces, the ASCII ones by one
    ``bytes.translate``, the words cut out by ``bytes.split`` (half the time of the regular
    expression, which tries its class at every character)."""
    return spaced_non_ascii(lower).encode("utf-8", "surrogatepass").translate(_WORD_BYTES).split()


def split_lines(
    text: str, language: str | None = None, raw_lines: Sequence[str] | None = None
) -> list[Line]:
    """The non-blank lines of ``text`` as :class:`Line` objects, glued blocks split.

    Stop-word shares count the function words of ``language`` (ISO 639-1) as well as the
    base list (:func:`cleaning.words.stopwords_for`).  ``raw_lines``: ``text.splitlines()``,
    when the caller has them (it told the language from them: the text is cut once)."""
    is_stop = stopwords_for(language).__contains__ if language else _IS_STOP
    out: list[Line] = []
    append = out.append
    # menus repeat: measure a text once
    seen: dict[str, tuple[int, int, bool, float | None, float | None]] = {}
    blank = True
    pairs = _glue_pairs(text)  # most pages have none or one or two
    for raw in text.splitlines() if raw_lines is None else raw_lines:
        stripped = raw.strip()
        if not stripped:
            if out and not blank:
                out[-1].blank_after = True
            blank = True
            continue
        indent = len(raw) - len(raw.lstrip()) if raw[0].isspace() else 0
        pieces: Sequence[str] = (stripped,)
        if pairs and len(stripped) > 20:
            for pair in pairs:  # the line holds what _GLUE_HINT matches exactly when one is in it
                if pair in stripped:
                    pieces = split_glued(stripped)
                    break
        for piece in pieces:
            features = seen.get(piece)
            if features is None:
                features = seen[piece] = _measure(piece, is_stop)
            append(Line(piece, indent, blank, features, is_stop))
            blank = False
    if out:
        out[-1].blank_after = True
    _join_wrapped(out)
    return out


def _glue_pairs(text: str) -> set[str]:
    """The two-character strings of ``text`` that :data:`_GLUE_HINT` matches (a full stop
    or quote and a capital), found by one byte translation of the whole text: the regular
    expression, searched in each line, tried its class at every character of the page."""
    data = text.encode("utf-8", "surrogatepass")
    marked = data.translate(_GLUE_BYTES)
    pairs: set[str] = set()
    i = marked.find(b".A")
    while i >= 0:
        byte = data[i]
        if byte < 0x80:
            pairs.add(chr(byte) + chr(data[i + 1]))
        elif i >= 2 and data[i - 2 : i] == b"\xe2\x80":  # the end of ” (U+201D) or ’ (U+2019)
            pairs.add(("”" if byte == 0x9D else "’") + chr(data[i + 1]))
        i = marked.find(b".A", i + 1)
    return pairs


def _join_wrapped(lines: list[Line]) -> None:
    """A hard-wrapped paragraph (fixed-width text) breaks mid-sentence: a line whose next
    line goes on in lower case is part of a sentence, so it counts as one that ends."""
    for line, nxt in zip(lines, lines[1:], strict=False):
        if (
            not line.terminal
            and not line.blank_after
            and line.words >= 6
            and nxt.text[0].islower()
            and nxt.words >= 2
        ):
            line.terminal = True
