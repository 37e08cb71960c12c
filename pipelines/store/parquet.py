"""The Parquet dataset: one explicit schema and atomic part files (rows: :mod:`pipelines.store.rows`)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# re-exported: rows are built in pipelines.store.rows, which worker processes import without pyarrow
from pipelines.store.rows import content_hash, record_id, record_to_row

__all__ = [
    "SCHEMA",
    "PartWriter",
    "content_hash",
    "record_id",
    "record_to_row",
    "remove_stale_temporaries",
    "temp_path",
    "write_part",
]

_TS = pa.timestamp("us", tz="UTC")

SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("source", pa.string(), nullable=False),
        pa.field("url", pa.string()),
        pa.field("canonical_url", pa.string()),
        pa.field("title", pa.string()),
        pa.field("description", pa.string()),
        pa.field("text", pa.string(), nullable=False),
        pa.field("word_count", pa.int32(), nullable=False),
        pa.field("language", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("published", _TS),
        pa.field("modified", _TS),
        pa.field("site_name", pa.string()),
        pa.field("section", pa.string()),
        pa.field("tags", pa.list_(pa.string())),
        pa.field("image_url", pa.string()),
        pa.field("paywalled", pa.bool_()),
        pa.field(
            "removed",
            pa.list_(pa.struct([pa.field("rule_id", pa.string()), pa.field("text", pa.string())])),
            nullable=False,
        ),
        pa.field("content_sha256", pa.string(), nullable=False),
        pa.field("fetched_at", _TS),
        pa.field("cleaned_at", _TS, nullable=False),
        pa.field("cleaner_version", pa.string(), nullable=False),
        pa.field("rules_version", pa.string(), nullable=False),
        # id of the earliest record this one duplicates (pipelines/store/dedup.py), else null
        pa.field("duplicate_of", pa.string()),
    ],
    metadata={"newsclean.schema": "2"},
)

TMP_PREFIX = ".tmp-"


def temp_path(final: Path) -> Path:
    """Where ``final`` is written before the rename: hidden (pyarrow, Spark skip dot files)
    and not ending in ``.parquet`` (DuckDB's and Polars' ``*.parquet`` globs skip it)."""
    return final.with_name(f"{TMP_PREFIX}{final.name}.partial")


def write_part(directory: str | Path, rows: list[dict[str, Any]], prefix: str = "part") -> Path:
    """Write ``rows`` as one complete Parquet file in ``directory`` and return its path.

    The file is written under a temporary name that readers skip
    (:func:`temp_path`), flushed to disk, then renamed: a reader sees the whole
    file or nothing.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    name = f"{prefix}-{stamp}-{uuid.uuid4().hex[:8]}.parquet"
    final = directory / name
    write_table_atomic(pa.Table.from_pylist(rows, schema=SCHEMA), final)
    return final


def write_table_atomic(table: pa.Table, final: Path) -> None:
    """Write ``table`` to ``final`` (new, or replacing a part file in place): under
    :func:`temp_path`, flushed to disk, then renamed over ``final``, so a reader sees the
    old file or the new one, whole, never a mixture."""
    tmp = temp_path(final)
    try:
        with open(tmp, "wb") as fh:
            pq.write_table(table, fh, compression="zstd")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(final.parent)


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temporaries(directory: str | Path) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    n = 0
    for tmp in Path(directory).rglob(f"{TMP_PREFIX}*"):
        tmp.unlink(missing_ok=True)
        n += 1
    return n


class PartWriter:
    """Buffer rows and write them as atomic part files of at most ``rows_per_file`` rows.

    Use as a context manager; rows buffered when the block exits (even on an
    exception or Ctrl-C) are written, so nothing cleaned is lost.
    """

    def __init__(self, directory: str | Path, rows_per_file: int = 5000, prefix: str = "part"):
        self.directory = Path(directory)
        self.rows_per_file = rows_per_file
        self.prefix = prefix
        self.buffer: list[dict[str, Any]] = []
        self.paths: list[Path] = []
        self.rows_written = 0
        # each part written, until taken (take_written): its size and time right after the
        # rename and its rows' (id, content_sha256, duplicate_of), what a duplicate index
        # would read back from it
        self.written: dict[Path, tuple[tuple[int, int], list[tuple[str, str, str | None]]]] = {}

    def write(self, row: dict[str, Any]) -> None:
        self.buffer.append(row)
        if len(self.buffer) >= self.rows_per_file:
            self.flush()

    def write_many(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.write(row)

    def flush(self) -> Path | None:
        if not self.buffer:
            return None
        path = write_part(self.directory, self.buffer, self.prefix)
        st = path.stat()
        self.written[path] = (
            (st.st_size, st.st_mtime_ns),
            [(r["id"], r["content_sha256"], r.get("duplicate_of")) for r in self.buffer],
        )
        self.paths.append(path)
        self.rows_written += len(self.buffer)
        self.buffer = []
        return path

    def take_written(self) -> dict[Path, tuple[tuple[int, int], list[tuple[str, str, str | None]]]]:
        """The parts written since the last call, as :attr:`written` holds them."""
        written, self.written = self.written, {}
        return written

    def __enter__(self) -> PartWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.flush()
