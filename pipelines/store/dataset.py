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
    table = as_schema(table)
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
        table = keep_rows(table, [i for i, rid in enumerate(ids) if rid not in gone])
    if table.num_rows == 0:
        path.unlink()
    else:
        write_table_atomic(table, path)
    return before - table.num_rows


# The steps below avoid pyarrow.compute (Table.cast, filter and take go through it): its
# import alone takes 60-70 ms of CPU, in every run that replaces or re-points a row.


def as_schema(table: pa.Table) -> pa.Table:
    """``table`` (a part file's, ``duplicate_of`` present) with exactly :data:`SCHEMA`'s
    columns, in its order.  A file newsclean wrote has the same types (Parquet only renames
    a list's element field, which list types ignore): the columns are relabelled as they
    are.  Any other file is cast, the columns converted."""
    fields = [table.schema.field(name) if name in table.column_names else None for name in SCHEMA.names]
    if all(
        f is not None and f.type == want.type and f.nullable == want.nullable
        for f, want in zip(fields, SCHEMA, strict=True)
    ):
        return pa.Table.from_arrays([table.column(name) for name in SCHEMA.names], schema=SCHEMA)
    return table.select(SCHEMA.names).cast(SCHEMA)


def keep_rows(table: pa.Table, indices: list[int]) -> pa.Table:
    """The rows of ``table`` at ``indices``, in that order (``Table.take``), in one chunk: a
    slice per run of consecutive indices (one run, or a few, in the callers'), concatenated."""
    pieces = [table.slice(start, stop - start) for start, stop in _runs(indices)]
    if not pieces:
        return table.slice(0, 0)
    return (pa.concat_tables(pieces) if len(pieces) > 1 else pieces[0]).combine_chunks()


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """``indices`` as runs [start, stop) of consecutive increasing numbers, in order."""
    runs: list[tuple[int, int]] = []
    for i in indices:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs
