"""Line repetition across documents of one source (cc_net style).

A line that recurs in many documents of one publisher is template ("Start your
day with The Independent, sign up for daily news emails", "(c)Press Association
2012"), however fluent it reads.  Lines are normalised the cc_net way (lower
case, digits -> 0, punctuation stripped, spaces collapsed) and hashed; for each
source group we count the number of DOCUMENTS that contain each hash.  Counting
documents rather than occurrences, and counting over the whole batch before
cleaning, keeps the output independent of the order the files are read in.

Copies of one document (the same page saved twice, under two URLs or at two times)
count once: documents with the same set of normalised lines, which digits, case and
punctuation do not change, have the same fingerprint, and a fingerprint already counted
in a group adds nothing.  Otherwise three copies of one article make every line of it
"template" and the article is cleaned away.
"""

from __future__ import annotations

import hashlib
import operator
import re
import string
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from cleaning.record import non_ascii_chars

_DIGIT = re.compile(r"\d")
_PUNCT = re.compile(r"[^\w\s]|_")
FORMAT_VERSION = 2
_HASHES_KEPT = 50_000  # lines whose hash the stats remember (a page's worth a hundred times)
# version 1 had no fingerprints: its documents stay counted and cannot be matched
READABLE_VERSIONS = (1, 2)
# ASCII: digits -> 0, punctuation, control characters and "_" -> space (what _DIGIT and
# _PUNCT do: control characters are neither \w nor \s)
_ASCII_TABLE = str.maketrans(
    {
        **{c: " " for c in map(chr, range(128)) if not (c.isalnum() or c.isspace())},
        **{c: " " for c in string.punctuation},
        **{c: "0" for c in "123456789"},
    }
)

# the same for ASCII bytes, all whitespace -> space too (bytes.split() does not split on
# \x1c-\x1f, which str.split() and \s do)
_ASCII_BYTES = bytes(
    b"0"[0] if c in "123456789" else b" "[0] if not c.isalnum() else ord(c)
    for c in map(chr, range(128))
) + bytes(range(128, 256))
# the same, "\n" -> "\0" (a byte no other one becomes): the mark of the line breaks of lines
# joined and normalised in one pass (_normalised_lines)
_ASCII_BYTES_LINES = _ASCII_BYTES[:10] + b"\0" + _ASCII_BYTES[11:]
_SPACE_RUN = re.compile(rb"  +")  # (the longer runs only: a single space stays as it is)
_HASHER = partial(hashlib.blake2b, digest_size=8)
_HEX = operator.methodcaller("hexdigest")


def normalise_line(line: str) -> str:
    """cc_net normalisation: lower case, digits -> 0, punctuation removed, spaces collapsed."""
    lower = line.lower()
    if lower.isascii():
        # the same result as the regular expressions below, by one table lookup per character
        return " ".join(lower.translate(_ASCII_TABLE).split())
    # str.split() splits on the characters \s matches: the same as collapsing runs of \s
    # and stripping, in one C call
    return " ".join(_PUNCT.sub(" ", _DIGIT.sub("0", lower)).split())


def _map_non_ascii(lower: str) -> str:
    """Mostly ASCII with a few curly quotes, dashes, no-break spaces or accented letters:
    the distinct non-ASCII characters mapped one by one (what the regular expressions of
    :func:`normalise_line` do to each: \\d -> 0, neither \\w nor \\s -> space; other spaces
    -> space, as bytes.split() splits on ASCII whitespace only), for the bytes path: letters
    left as they are match no byte of _ASCII_BYTES' mapping."""
    for ch in non_ascii_chars(lower):
        if ch.isdecimal():
            lower = lower.replace(ch, "0")
        elif ch.isspace() or not ch.isalnum():
            lower = lower.replace(ch, " ")
    return lower


def line_hash(line: str) -> str:
    """A stable 64-bit hex digest of the normalised line ("" for a line with no word)."""
    lower = line.lower()
    if lower.isascii():
        # normalise_line on bytes, the form hashed: the same result in fewer, faster steps
        norm = b" ".join(lower.encode("ascii").translate(_ASCII_BYTES).split())
    else:
        norm = b" ".join(_map_non_ascii(lower).encode("utf-8").translate(_ASCII_BYTES).split())
    if not norm:
        return ""
    return hashlib.blake2b(norm, digest_size=8).hexdigest()


def _normalised_lines(lines: Sequence[str]) -> list[bytes]:
    """The bytes :func:`line_hash` hashes for each of ``lines`` (no line holds a "\\n";
    b"" for a line with no word), all normalised together: the lines are joined by
    "\\n", lowered, mapped and translated as one string, then cut apart again, so the
    per-line work left is one split and one join, in C (``map``).

    Every step of :func:`line_hash` maps characters one by one, whatever stands around
    them (lower case: the final sigma looks at its neighbours, but not across a "\\n",
    which is neither cased nor case-ignorable), so the joined text gives each line's bytes."""
    lower = "\n".join(lines).lower()
    data = lower.encode("ascii") if lower.isascii() else _map_non_ascii(lower).encode("utf-8")
    return _collapsed(data.translate(_ASCII_BYTES_LINES))


def _collapsed(marked: bytes) -> list[bytes]:
    """The lines of ``marked`` (translated by _ASCII_BYTES_LINES: its line breaks are "\\0"
    and every other byte of ASCII whitespace a space) each with its spaces collapsed and
    stripped: ``[b" ".join(line.split()) for line in marked.split(b"\\0")]``, without
    cutting every line into words: one substitution collapses the runs of spaces of the
    whole text, and a line then only has a space before its first word and after its last
    to lose (one ``bytes.strip`` in C)."""
    return list(map(bytes.strip, _SPACE_RUN.sub(b" ", marked).split(b"\0")))


def document_hashes(text: str) -> set[str]:
    """The distinct line hashes of one document (blank and symbol-only lines left out):
    ``{line_hash(line) for line in text.splitlines()} - {""}``."""
    return document_lines(text)[0]


def document_lines(text: str, table: dict[str, str] | None = None) -> tuple[set[str], str]:
    """:func:`document_hashes` and the document's fingerprint: a digest of its sorted
    distinct normalised lines, the same for every copy that differs only in digits, case,
    punctuation, spacing, the order of its lines or lines repeated.

    ``table``, when given, is filled with the :func:`line_hash` of each distinct line by
    its text stripped ("" for a line with no word): what the cleaning pass of a batch looks
    its lines up in (:func:`clean_text`'s ``line_hashes``), hashed here once with the lines
    normalised together instead of one line at a time there.  A line's hash is that of the
    line stripped (normalising strips it)."""
    # each distinct line once (menus and footers repeat within a page), normalised together;
    # each distinct normalised form hashed once, the empty one (no word) left out
    raws = list(set(text.splitlines()))
    norms = _normalised_lines(raws)
    distinct = set(norms)
    distinct.discard(b"")
    fingerprint = _HASHER(b"\n".join(sorted(distinct))).hexdigest()
    if table is None:
        return set(map(_HEX, map(_HASHER, distinct))), fingerprint
    digests = dict(zip(distinct, map(_HEX, map(_HASHER, distinct)), strict=True))
    hashes = set(digests.values())
    digests[b""] = ""
    table.update(zip(map(str.strip, raws), map(digests.__getitem__, norms), strict=True))
    return hashes, fingerprint


@dataclass(frozen=True)
class RepetitionStats:
    """How many documents of each source group contain each normalised line hash.

    ``groups[group][hash]`` is that document frequency, ``docs[group]`` the
    number of documents counted for the group.
    """

    groups: dict[str, dict[str, int]] = field(default_factory=dict)
    docs: dict[str, int] = field(default_factory=dict)
    # the fingerprints of the documents counted, by group (see document_lines)
    seen: dict[str, set[str]] = field(default_factory=dict)
    # where each fingerprint of this batch was read, (group, fingerprint) -> source: what
    # lets a merge take back a copy counted in two parts (not saved)
    origins: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)
    # derived: the template hashes of each group consulted (a function of the counts alone,
    # so it cannot make output depend on history; see template_hashes)
    _templates: dict[str, frozenset[str]] = field(default_factory=dict, compare=False, repr=False)
    # derived: line_hash of the lines met (a pure function of the text), shared with the views
    # of one group (for_group): the menus and footers a source repeats are hashed once
    _hashed: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; :meth:`from_json` reads it back.  Its keys are sorted: the JSON
        written from two runs over the same batch is byte-identical, whatever the order the
        documents were counted in."""
        return {
            "version": FORMAT_VERSION,
            "docs": dict(sorted(self.docs.items())),
            "groups": {g: dict(sorted(self.groups[g].items())) for g in sorted(self.groups)},
            "seen": {g: sorted(self.seen[g]) for g in sorted(self.seen)},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RepetitionStats:
        """Read stats saved by :meth:`to_json`; refuses another format version."""
        version = data.get("version", FORMAT_VERSION)
        if version not in READABLE_VERSIONS:
            raise ValueError(
                f"repetition stats format {version!r} is not {FORMAT_VERSION}; rebuild the stats"
            )
        seen = {g: set(fps) for g, fps in data.get("seen", {}).items()}
        return cls(groups=dict(data.get("groups", {})), docs=dict(data.get("docs", {})), seen=seen)

    def for_group(self, group: str) -> RepetitionStats:
        """The stats of one group only (empty when the group is unknown)."""
        if group not in self.groups:
            return RepetitionStats()
        return RepetitionStats(
            groups={group: self.groups[group]},
            docs={group: self.docs[group]},
            _templates={group: self.template_hashes(group)},  # found once, not per document
            _hashed=self._hashed,
        )

    def __getstate__(self) -> dict[str, Any]:
        # the remembered hashes are not shipped to workers with the counts
        return {**self.__dict__, "_hashed": {}}

    def hash_of(self, line: str) -> str:
        """:func:`line_hash` of ``line``, remembered (up to :data:`_HASHES_KEPT` lines)."""
        known = self._hashed.get(line)
        if known is None:
            if len(self._hashed) >= _HASHES_KEPT:
                self._hashed.clear()
            known = self._hashed[line] = line_hash(line)
        return known

    def resolve_group(self, domain: str | None) -> str | None:
        """The group to consult for a document: ``domain`` when counted, else the only group."""
        if domain and domain in self.groups:
            return domain
        if len(self.groups) == 1:
            return next(iter(self.groups))
        return None

    def doc_freq(self, group: str, line: str) -> int:
        """In how many documents of ``group`` the (normalised) line occurs."""
        counts = self.groups.get(group)
        if not counts:
            return 0
        return counts.get(line_hash(line), 0)

    def template_threshold(self, group: str) -> int:
        """The document frequency from which a line of ``group`` counts as template.

        At least 3 documents (two pages quoting the same sentence is not a
        template), and at least a tenth of the group's documents up to 10.
        """
        n = self.docs.get(group, 0)
        return max(3, min(-(-n // 10), 10))

    def template_hashes(self, group: str) -> frozenset[str]:
        """The hashes of the group's template lines (:meth:`template_threshold` documents
        or more), found once per group.  Often empty (a group of one or two documents): a
        document of such a group needs no line hashed."""
        found = self._templates.get(group)
        if found is None:
            threshold = self.template_threshold(group)
            counts = self.groups.get(group, {})
            found = frozenset(h for h, n in counts.items() if n >= threshold)
            self._templates[group] = found
        return found


def build_stats(
    docs: Iterable[tuple[str, str] | tuple[str, str, str]],
    tables: dict[str, dict[str, str]] | None = None,
) -> RepetitionStats:
    """Count, per group, the documents each normalised line occurs in.  ``docs``: (group,
    text) or (group, text, source); a document whose fingerprint the group already counted
    adds nothing (:func:`document_lines`), and ``source`` says where to read it again.
    ``tables``: for the sources it names, the table :func:`document_lines` fills with the
    hash of each line of that document (looked up by the time its entry is read: a caller
    may add entries while ``docs`` is being consumed).

    Pure: the result depends on the set of distinct documents, not on their order or on how
    many copies of each there are.
    """
    groups: dict[str, Counter[str]] = {}
    counts: dict[str, int] = {}
    seen: dict[str, set[str]] = {}
    origins: dict[tuple[str, str], str] = {}
    for group, text, *source in docs:
        hashed = tables.get(source[0]) if tables is not None and source else None
        hashes, fingerprint = document_lines(text, hashed)
        fingerprints = seen.setdefault(group, set())
        if fingerprint in fingerprints:
            continue  # a copy: its lines are counted once
        fingerprints.add(fingerprint)
        if source:
            origins[group, fingerprint] = source[0]
        counts[group] = counts.get(group, 0) + 1
        table = groups.get(group)
        if table is None:
            table = groups[group] = Counter()
        table.update(hashes)  # one more document for each hash, counted in C
    # not sorted here: only what to_json writes needs an order (most batches never save it)
    return RepetitionStats(
        groups={g: dict(t) for g, t in groups.items()}, docs=counts, seen=seen, origins=origins
    )
