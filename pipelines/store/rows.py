"""A cleaned record as one row of the dataset (plain Python values, no pyarrow).

Kept apart from :mod:`pipelines.store.parquet` so that the processes that clean
(``newsclean clean`` workers) build rows without loading pyarrow and numpy.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from cleaning import __version__ as CLEANER_VERSION
from cleaning.record import CleanedRecord

# Key of a row dict holding its precomputed MinHash (signature, shingles), added by the
# process that cleaned it (:func:`signed_row`); not a column (the explicit schema leaves it
# out of the file).  Read by the duplicate indexes (pipelines/store/dedup.py).
SIGNATURE_KEY = "_minhash"


def record_id(identity: str) -> str:
    """A stable id from what identifies the document (its canonical URL, or its raw bytes' hash)."""
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


def content_hash(record: CleanedRecord) -> str:
    """Hash of what a reader gets: title, description and body."""
    blob = "\x1f".join([record.title or "", record.description or "", record.text])
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def record_to_row(
    record: CleanedRecord,
    *,
    id: str,
    source: str,
    rules_version: str,
    url: str | None = None,
    fetched_at: datetime | None = None,
    cleaned_at: datetime | None = None,
    word_count: int | None = None,
) -> dict[str, Any]:
    """One row of :data:`pipelines.store.parquet.SCHEMA` for a cleaned record
    (``word_count``: the record's, when the caller counted it already)."""
    return {
        "id": id,
        "source": source,
        "url": url,
        "canonical_url": record.canonical_url,
        "title": record.title,
        "description": record.description,
        "text": record.text,
        "word_count": record.word_count if word_count is None else word_count,
        "language": record.language,
        "authors": list(record.authors),
        "published": _utc(record.published),
        "modified": _utc(record.modified),
        "site_name": record.site_name,
        "section": record.section,
        "tags": list(record.tags),
        "image_url": record.image_url,
        "paywalled": record.paywalled,
        "removed": [{"rule_id": r.rule_id, "text": r.text} for r in record.removed],
        "content_sha256": content_hash(record),
        "fetched_at": _utc(fetched_at),
        "cleaned_at": _utc(cleaned_at) or datetime.now(timezone.utc),
        "cleaner_version": CLEANER_VERSION,
        "rules_version": rules_version,
        "duplicate_of": None,  # set by the writer's duplicate index (pipelines/store/dedup.py)
    }


def signed_row(record: CleanedRecord, **fields: Any) -> dict[str, Any]:
    """:func:`record_to_row` of ``record`` (``fields``: its keyword arguments) with the MinHash
    signature of its text under :data:`SIGNATURE_KEY`: what a cleaning process sends to
    the one that writes (``newsclean clean``'s workers, the crawler's cleaning processes),
    whose duplicate index then only compares signatures.  The text is cut into words once,
    for the signature and the word count (numpy is imported here, not by the module)."""
    from pipelines.store.minhash import signature_of_words, word_count_of, words_of

    words = words_of(record.text)
    row = record_to_row(record, word_count=word_count_of(record.text, words), **fields)
    row[SIGNATURE_KEY] = signature_of_words(words)
    return row
