"""MinHash signatures of a cleaned text and the test that two of them are near-duplicates.

Pure functions (numpy, no I/O, no state): a worker process, a Dask task or the
``newsclean`` process itself computes the same signature for the same text.  Words
are hashed by CRC-32 and the bins ordered by BLAKE2b of fixed strings, not by a random
generator, so signatures stored in OUTDIR stay comparable across numpy versions.

Tuned on the three dev sets of ``../shared/eval`` (dumps and pages of the same
articles cleaned in one run, ``bench/dedup_quality.py``): 5-word shingles,
192 values (one permutation hashing, :func:`signature`) in 64 bands of 3 rows
(the LSH curve is at 50 % near a Jaccard similarity of 0.25), and a candidate pair counts as a duplicate when
its estimated Jaccard similarity is at least 0.5 or the smaller text's
shingles are at least 80 % inside the other (one renderer kept a part of the
article the other kept whole).
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from functools import cache
from typing import Any

from cleaning.record import count_words, spaced_non_ascii

SHINGLE_WORDS = 5
# The signature scheme, kept by the duplicate indexes with the signatures they store (an
# index of another version is rebuilt from the part files): 1, 192 multiply-shift hash
# functions; 2, one permutation hashing (signature)
SIGNATURE_VERSION = 2
NUM_PERM = 192
BANDS = 64
ROWS = NUM_PERM // BANDS
JACCARD = 0.5
CONTAINMENT = 0.8
# The containment test only for texts of at least this many shingles: a one-line text is
# inside many articles without being a copy of any of them.
MIN_CONTAINED_SHINGLES = 20

# ASCII bytes that are not word characters -> space; word bytes and every non-ASCII byte stay
_WORD_BYTES = bytes(c if c >= 128 or chr(c).isalnum() or c == 95 else 32 for c in range(256))
_MASK64 = (1 << 64) - 1
assert ROWS == 3, "band_keys writes a band of three rows out"
_BAND_P = 0x100000001B3
_BAND_P2 = (_BAND_P * _BAND_P) & _MASK64
_BAND_BASES = tuple(((band + 1) * _BAND_P**3) & _MASK64 for band in range(BANDS))


@cache
def _bin_order() -> Any:
    """The bin each signature position holds: the 192 bins in a fixed shuffled order (by
    BLAKE2b of fixed strings), so the three rows of a band are bins far apart (an empty bin
    takes the value of the next filled bin: in a short text neighbours share values).
    numpy is imported here: a process that only compares signatures (the ``newsclean``
    process when workers clean) never loads it."""
    import numpy as np

    def key(i: int) -> bytes:
        return hashlib.blake2b(f"newsclean.minhash.bin.{i}".encode(), digest_size=8).digest()

    return np.array(sorted(range(NUM_PERM), key=key), dtype=np.intp)


def words_of(text: str) -> list[bytes]:
    """The lower-cased ``\\w+`` words of ``text``, UTF-8 encoded (the bytes the word hash
    reads).  Not by the regular expression, which is tried at every character: non-ASCII
    characters that are not word characters become spaces, a byte table turns every other
    non-word byte into a space, and ``bytes.split`` cuts the words out in one C call."""
    lower = spaced_non_ascii(text.lower())
    return lower.encode("utf-8").translate(_WORD_BYTES).split()


# The one character whose lower case is longer than itself ("İ" -> "i" + U+0307, a combining
# dot that is not a word character): it alone can make the lower-cased text cut into words
# otherwise than the text.  Every other code point lowers to one character that is a word
# character exactly when it is (tests/test_dedup.py checks every code point).
_LONGER_LOWER = "\u0130"


def word_count_of(text: str, words: list[bytes]) -> int:
    """:func:`cleaning.record.count_words` of ``text`` (its number of ``\\w+`` runs), from
    ``words = words_of(text)``: the signature's word split counts them already, unless the
    text holds the one character whose lower case cuts a word in two."""
    return count_words(text) if _LONGER_LOWER in text else len(words)


def shingle_hashes(text: str) -> Any:
    """The distinct 64-bit hashes (a sorted numpy array) of the text's word 5-grams,
    lower-cased ``\\w+`` words.  A text of fewer than five words is one shingle; without
    words, none."""
    return shingle_hashes_of(words_of(text))


def shingle_hashes_of(words: list[bytes]) -> Any:
    """:func:`shingle_hashes` of a text whose :func:`words_of` are ``words``."""
    import numpy as np

    if not words:
        return np.zeros(0, dtype=np.uint64)
    ids = np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))
    k = min(SHINGLE_WORDS, len(ids))
    n = len(ids) - k + 1
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * np.uint64(0x9E3779B97F4A7C15) + ids[j : j + n]
    h ^= h >> np.uint64(31)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    h ^= h >> np.uint64(29)
    # what np.unique gives (sorted, distinct), by a sort and one comparison: np.unique's
    # hash table costs more than the sort on a few thousand values
    h.sort()
    distinct = np.empty(n, dtype=bool)
    distinct[0] = True
    np.not_equal(h[1:], h[:-1], out=distinct[1:])
    return h[distinct]


def signature(text: str) -> tuple[bytes | None, int]:
    """(MinHash signature as 192 little-endian uint32, number of distinct shingles).

    One permutation hashing (Li, Owen and Zhang 2012): the shingle hashes are split by
    their top bits into 192 bins, and each bin holds the low 32 bits of its smallest hash;
    two texts hold the same value in a bin with a probability of about their Jaccard
    similarity, as with 192 hash functions, at the cost of one pass instead of 192.  An
    empty bin (a text of few shingles) takes the value of the next filled bin, circularly
    (rotation densification, Shrivastava and Li 2014).  :data:`SIGNATURE_VERSION` names the
    scheme (the duplicate indexes keep it with the signatures they store).

    The signature is None for a text without words: it is then only an exact duplicate
    (by content hash) of anything.
    """
    return signature_of_words(words_of(text))


def signature_of_words(words: list[bytes]) -> tuple[bytes | None, int]:
    """:func:`signature` of a text whose :func:`words_of` are ``words`` (a caller that also
    counts the words splits the text once)."""
    import numpy as np

    hashes = shingle_hashes_of(words)  # sorted: a bin's smallest hash is its first
    if not len(hashes):
        return None, 0
    bins = ((hashes >> np.uint64(32)) * np.uint64(NUM_PERM)) >> np.uint64(32)
    first = np.searchsorted(bins, np.arange(NUM_PERM + 1, dtype=np.uint64))
    filled = np.flatnonzero(first[:-1] < first[1:])
    values = (hashes[first[filled]] & np.uint64(0xFFFFFFFF)).astype("<u4")
    donor = np.searchsorted(filled, np.arange(NUM_PERM)) % len(filled)
    return values[donor][_bin_order()].tobytes(), int(len(hashes))


def band_keys(sig: bytes) -> list[int]:
    """The signature's 64 LSH bucket keys (signed 64-bit, as SQLite stores integers).

    Each key mixes its band number and the band's three values (multiply-add, then a
    final mix); two bands that differ rarely share a key, and a shared key only makes
    a candidate, which :func:`similar` then tests.
    """
    # h = ((band + 1) * P + v0) * P + v1) * P + v2 (mod 2**64), written out as
    # (band + 1) * P**3 + v0 * P**2 + v1 * P + v2, then mixed: all 64 bands at once in
    # numpy's uint64 arithmetic, which wraps modulo 2**64 as the definition does
    # (band_keys_reference, the same keys one band at a time, is the definition); the keys
    # read as int64 are the signed values SQLite stores
    np, bases, p2, p1, mix, shift = _band_constants()
    v = np.frombuffer(sig, dtype="<u4").astype(np.uint64).reshape(BANDS, ROWS)
    h = bases + v[:, 0] * p2 + v[:, 1] * p1 + v[:, 2]  # arrays wrap without a warning
    h ^= h >> shift
    h *= mix
    h ^= h >> shift
    keys: list[int] = h.view(np.int64).tolist()
    return keys


@cache
def _band_constants() -> tuple[Any, Any, Any, Any, Any, Any]:
    import numpy as np

    return (
        np,
        np.array(_BAND_BASES, dtype=np.uint64),
        np.uint64(_BAND_P2),
        np.uint64(_BAND_P),
        np.uint64(0xFF51AFD7ED558CCD),
        np.uint64(33),
    )


def band_keys_reference(sig: bytes) -> list[int]:
    """:func:`band_keys` one band at a time in Python integers: the definition of the keys
    (the indexes store them: a change would stop old signatures meeting new ones)."""
    values = struct.unpack(f"<{NUM_PERM}I", sig)
    p1, p2 = _BAND_P, _BAND_P2
    keys = []
    for base, v0, v1, v2 in zip(_BAND_BASES, values[0::3], values[1::3], values[2::3], strict=True):
        h = (base + v0 * p2 + v1 * p1 + v2) & _MASK64
        h ^= h >> 33
        h = (h * 0xFF51AFD7ED558CCD) & _MASK64
        h ^= h >> 33
        keys.append(h - (1 << 64) if h >= 1 << 63 else h)
    return keys


def similar(sig_a: bytes, shingles_a: int, sig_b: bytes, shingles_b: int) -> bool:
    """Whether two texts are near-duplicates, from their signatures and shingle counts."""
    # both read the same way (native order), so equal words are equal values
    same = sum(map(int.__eq__, memoryview(sig_a).cast("I"), memoryview(sig_b).cast("I")))
    jaccard = same / NUM_PERM
    if jaccard >= JACCARD:
        return True
    small = min(shingles_a, shingles_b)
    if small < MIN_CONTAINED_SHINGLES:
        return False
    # |A & B| from J = |A & B| / |A | B| and |A | B| = |A| + |B| - |A & B|
    common = jaccard * (shingles_a + shingles_b) / (1.0 + jaccard)
    return common / small >= CONTAINMENT
