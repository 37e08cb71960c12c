"""What a Parquet output folder of ``newsclean clean`` already holds, and replacing rows in it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.store.parquet import SCHEMA, write_table_atomic


@dataclass(frozen=True)
class Existing:
    content_sha256: str
    path: Path


def part_files(outdir: Path) -> list[Path]:
    """Every complete part file under ``outdir``, at any depth (``newsclean clean`` writes
    them at the top, ``newsclean crawl`` in ``crawl_date=*/``).  A hidden or ``_`` name at
    any level is skipped: temporaries, ``.newsclean/``, Spark's ``_temporary/``."""
    if not outdir.is_dir():
        return []
    found = []
    for path in outdir.rglob("*.parquet"):
        if not any(p.startswith((".", "_")) for p in path.relative_to(outdir).parts):
            found.append(path)
    return sorted(found)


def load_index(outdir: Path) -> tuple[dict[str, Existing], dict[Path, set[str]]]:
    """id -> (content hash, file) for every row already in ``outdir``, and the stale rows.

    A run killed between writing a replacing row and removing the old one leaves
    an id twice; the row cleaned last wins and the others are returned as stale
    (file -> ids) for :func:`remove_rows`.
    """
    best: dict[str, tuple[Any, Existing]] = {}
    stale: dict[Path, set[str]] = {}
    for path in part_files(outdir):
        # ParquetFile, not read_table: the latter loads pyarrow.dataset (0.07 s of CPU per run)
        with pq.ParquetFile(path) as part:
            table = part.read(columns=["id", "content_sha256", "cleaned_at"])
        cols = [table.column(c).to_pylist() for c in ("id", "content_sha256", "cleaned_at")]
        for rid, digest, cleaned in zip(*cols, strict=True):
            entry = Existing(digest, path)
            if rid in best:
                old_when, old = best[rid]
                if cleaned < old_when:
                    stale.setdefault(path, set()).add(rid)
                    continue
                stale.setdefault(old.path, set()).add(rid)
            best[rid] = (cleaned, entry)
    return {rid: e for rid, (_, e) in best.items()}, stale


def remove_rows(ids_by_file: dict[Path, set[str]]) -> int:
    """Rewrite each file without the given ids (atomically, under the same name).

    Called after the replacing rows are safely on disk, so a crash in between
    leaves an extra old row (fixed by the next run), never a lost one.
    """
    return sum(rewrite_part(path, drop=ids) for path, ids in sorted(ids_by_file.items()))


def rewrite_part(
    path: Path, updates: dict[str, str | None] | None = None, drop: Iterable[str] = ()
) -> int:
    """Rewrite one part file with new ``duplicate_of`` values (``updates``: id -> value)
    and without the rows of the ``drop`` ids, atomically under the same name (a file
    left empty is removed); returns the number of rows removed.  One rewrite for both, so
    a batch that replaces rows and re-points others in one file writes it once."""
    with pq.ParquetFile(path) as part:
        table = part.read()
    if "duplicate_of" not in table.column_names:  # a file written before the column existed
        table = table.append_column("duplicate_of", pa.nulls(table.num_rows, pa.string()))
    table = table.select(SCHEMA.names).cast(SCHEMA)
    ids = table.column("id").to_pylist()
    if updates:
        current = table.column("duplicate_of").to_pylist()
        values = [updates.get(rid, cur) for rid, cur in zip(ids, current, strict=True)]
        table = table.set_column(
            SCHEMA.get_field_index("duplicate_of"),
            SCHEMA.field("duplicate_of"),
            pa.array(values, pa.string()),
        )
    gone = set(drop)
    before = table.num_rows
    if gone:
        table = table.filter(pa.array([rid not in gone for rid in ids], pa.bool_()))
    if table.num_rows == 0:
        path.unlink()
    else:
        write_table_atomic(table, path)
    return before - table.num_rows
