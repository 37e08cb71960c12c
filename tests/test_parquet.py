"""The Parquet writer: explicit schema, atomic part files, nothing half-written visible."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

import pipelines.store.parquet as parquet
from cleaning.record import CleanedRecord, Removal
from pipelines.store.parquet import (
    SCHEMA,
    PartWriter,
    record_id,
    record_to_row,
    remove_stale_temporaries,
    write_part,
)


def _row(i: int) -> dict:
    record = CleanedRecord(
        text=f"Paragraph one of story {i}.\nParagraph two.",
        removed=(Removal("generic.newsletter.signup", "Sign up to our newsletter"),),
        title=f"Story {i}",
        authors=("Ann Smith", "Bo Lee"),
        published=datetime(2024, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=2))),
        tags=("politics",),
        paywalled=False,
    )
    return record_to_row(record, id=record_id(f"https://example.com/{i}"), source=f"https://example.com/{i}",
                         url=f"https://example.com/{i}", rules_version="abc")


def test_round_trip_keeps_types_and_time_zones(tmp_path: Path) -> None:
    path = write_part(tmp_path, [_row(1), _row(2)])
    table = pq.read_table(path)
    assert table.schema.remove_metadata() == SCHEMA.remove_metadata()
    row = table.to_pylist()[0]
    assert row["published"] == datetime(2024, 3, 1, 7, 30, tzinfo=timezone.utc)
    assert row["authors"] == ["Ann Smith", "Bo Lee"]
    assert row["removed"] == [{"rule_id": "generic.newsletter.signup", "text": "Sign up to our newsletter"}]
    assert row["word_count"] == 7
    con = duckdb.connect()
    got = con.execute(
        f"select title, authors[1], removed[1].rule_id from read_parquet('{tmp_path}/*.parquet') order by title"
    ).fetchall()
    assert got == [("Story 1", "Ann Smith", "generic.newsletter.signup"), ("Story 2", "Ann Smith", "generic.newsletter.signup")]


def test_schema_is_never_inferred_a_wrong_type_fails(tmp_path: Path) -> None:
    bad = _row(1) | {"word_count": "many"}
    with pytest.raises((TypeError, ValueError, Exception)):
        write_part(tmp_path, [bad])
    assert not list(tmp_path.iterdir())


def test_interrupted_write_leaves_no_visible_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = pq.write_table

    def dies_half_way(table, where, **kw):
        where.write(b"PAR1 half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(parquet.pq, "write_table", dies_half_way)
    with pytest.raises(KeyboardInterrupt):
        write_part(tmp_path, [_row(1)])
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(parquet.pq, "write_table", real)


def test_readers_skip_a_temporary_left_by_a_killed_run(tmp_path: Path) -> None:
    write_part(tmp_path, [_row(1)])
    parquet.temp_path(tmp_path / "part-killed.parquet").write_bytes(b"PAR1 truncated by SIGKILL")
    assert pq.read_table(tmp_path).num_rows == 1
    assert duckdb.connect().execute(f"select count(*) from '{tmp_path}/*.parquet'").fetchone() == (1,)
    assert remove_stale_temporaries(tmp_path) == 1
    assert len(list(tmp_path.iterdir())) == 1


def test_part_writer_flushes_what_it_holds_when_the_run_is_interrupted(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt), PartWriter(tmp_path, rows_per_file=2) as writer:
        for i in range(5):
            writer.write(_row(i))
        raise KeyboardInterrupt
    assert len(writer.paths) == 3
    assert pq.read_table(tmp_path).num_rows == 5
