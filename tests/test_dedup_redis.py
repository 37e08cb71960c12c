"""The duplicate index in Redis (``newsclean crawl --redis``), against a real redis-server:
the same answers as the folder's SQLite index, with the records of several OUTDIRs
(processes, hosts) in one index, whatever the order and with two processes at once."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from pipelines.store.dedup_redis import RedisDedupIndex
from pipelines.store.parquet import SCHEMA, write_part
from tests.conftest import ROOT
from tests.test_dedup import _rows, _write


def _on_disk(*outdirs: Path) -> dict[str, str | None]:
    """id -> duplicate_of of every row in the folders."""
    got: dict[str, str | None] = {}
    for out in outdirs:
        if not any(out.rglob("*.parquet")):
            continue
        table = pq.read_table(out, schema=SCHEMA)
        for rid, dup in zip(table.column("id").to_pylist(), table.column("duplicate_of").to_pylist(), strict=True):
            assert rid not in got  # every record in one folder only
            got[rid] = dup
    return got


def _write_to(out: Path, url: str, batch: list[dict]) -> None:
    """One run of one process: open, assign, write a part, commit."""
    with RedisDedupIndex.open(out, url) as index:
        rows = [dict(r) for r in batch]
        for row, dup in zip(rows, index.assign(rows), strict=True):
            row["duplicate_of"] = dup
        write_part(out, rows)
        index.commit()


def test_one_folder_gets_the_sqlite_index_answer_whatever_the_order(
    redis_url: str, tmp_path: Path
) -> None:
    import redis

    rows = _rows()
    expected = _write(tmp_path / "sqlite", [rows])
    assert sum(v is not None for v in expected.values()) == 4  # the copies are marked
    for seed in range(3):
        redis.Redis.from_url(redis_url).flushdb()
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        out = tmp_path / f"runs{seed}"
        for row in shuffled:  # one record per run: earlier rows are re-pointed
            _write_to(out, redis_url, [row])
        assert _on_disk(out) == expected


def test_copies_in_two_folders_are_marked_across_them(redis_url: str, tmp_path: Path) -> None:
    rows = _rows()
    expected = _write(tmp_path / "sqlite", [rows])
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    for i, row in enumerate(shuffled):  # alternately, as two crawl processes write them
        _write_to(outs[i % 2], redis_url, [row])
    # A row that a later record of the other folder re-pointed is rewritten by its own
    # process at its next commit: here the next run of each.
    for out in outs:
        RedisDedupIndex.open(out, redis_url).close()
    assert _on_disk(*outs) == expected
    assert all(any(out.rglob("*.parquet")) for out in outs)
    # nothing left to fix: another open of each rewrites nothing
    for out in outs:
        with RedisDedupIndex.open(out, redis_url) as index:
            assert index.commit().updated == 0


_WRITER = """
import pickle, sys, time
from pathlib import Path
from pipelines.store.dedup_redis import RedisDedupIndex
from pipelines.store.parquet import write_part
out, url, rows = Path(sys.argv[1]), sys.argv[2], pickle.loads(Path(sys.argv[3]).read_bytes())
index = RedisDedupIndex.open(out, url)
for row in rows:  # one row per batch, as a crawl flushes: the two processes interleave
    row = dict(row)
    row["duplicate_of"] = index.assign([row])[0]
    time.sleep(0.02)  # the part is written while the other process assigns
    write_part(out, [row])
    index.commit()
index.close()
"""


def test_two_processes_assigning_at_once_agree_on_the_originals(
    redis_url: str, tmp_path: Path
) -> None:
    rows = _rows()
    expected = _write(tmp_path / "sqlite", [rows])
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    procs = []
    for k, (out, share) in enumerate(zip(outs, (rows[0::2], rows[1::2]), strict=True)):
        batch = tmp_path / f"rows{k}.pickle"
        batch.write_bytes(pickle.dumps(share))
        procs.append(
            subprocess.Popen([sys.executable, "-c", _WRITER, str(out), redis_url, str(batch)], cwd=ROOT)
        )
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    for out in outs:  # each process's next run takes what the other re-pointed
        RedisDedupIndex.open(out, redis_url).close()
    assert _on_disk(*outs) == expected


def test_a_process_killed_between_assign_and_write_is_forgotten_by_its_next_open(
    redis_url: str, tmp_path: Path
) -> None:
    rows = _rows()
    a, b = tmp_path / "host-a", tmp_path / "host-b"
    # host-a assigns the earliest wire copy and dies before writing it
    killed = RedisDedupIndex.open(a, redis_url)
    killed.assign([dict(rows[1])])
    killed.close()
    # host-b writes a later copy: for now it points at the record that was never written
    _write_to(b, redis_url, [rows[0]])
    assert _on_disk(b) == {rows[0]["id"]: rows[1]["id"]}
    # host-a's next run forgets its unwritten record, host-b's next commit re-points its row
    RedisDedupIndex.open(a, redis_url).close()
    RedisDedupIndex.open(b, redis_url).close()
    assert _on_disk(a, b) == {rows[0]["id"]: None}


def test_an_index_of_older_signatures_is_emptied_and_read_again(
    redis_url: str, tmp_path: Path
) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    rows = _rows()
    a, b = tmp_path / "host-a", tmp_path / "host-b"
    _write_to(a, redis_url, rows[:2])
    _write_to(b, redis_url, rows[2:4])
    # an index written before the signature scheme changed: other signatures, no version
    for key in client.scan_iter(match="newsclean:dedup:doc:*"):
        client.hset(key, "g", bytes(768))
    client.delete("newsclean:dedup:signature")
    # host-a's next run pairs its copies with both hosts' records (host-b's read again
    # when it opens)
    _write_to(a, redis_url, rows[4:])
    RedisDedupIndex.open(b, redis_url).close()
    assert _on_disk(a, b) == _write(tmp_path / "sqlite", [rows])


def test_a_held_lock_gives_one_line_naming_the_server(redis_url: str, tmp_path: Path) -> None:
    import redis

    from pipelines.store.dedup import DedupError, DedupLocked

    redis.Redis.from_url(redis_url).set("newsclean:dedup:lock", "otherhost:/data/news|x", px=5000)
    with pytest.raises(DedupLocked) as err:
        RedisDedupIndex.open(tmp_path / "out", redis_url, lock_wait=0.3)
    assert redis_url in str(err.value) and "otherhost:/data/news" in str(err.value)
    with pytest.raises(DedupError) as down:
        RedisDedupIndex.open(tmp_path / "out", "redis://127.0.0.1:1/0")
    assert "redis://127.0.0.1:1/0" in str(down.value) and "\n" not in str(down.value)
