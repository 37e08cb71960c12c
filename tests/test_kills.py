"""SIGKILL of ``newsclean crawl`` and ``newsclean clean`` at random moments, then restarts:
every record once, no visible part file incomplete, the crawl state agreeing with the
parts, no process of a killed run left behind.  A short run of bench/kill_bench.py (which
states the guarantees and makes 120 kills by default)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

from bench.kill_bench import (
    ROOT,
    clean_cmd,
    content,
    duplicates,
    group_alive,
    make_inputs,
    read_parts,
    run,
)


def test_a_few_kills_of_each_command_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    lines: list[str] = []
    phases = ("crawl", "clean2", "replace")  # the bench does -j 1 too
    tally = run(6, 12, tmp_path, pages=24, dumps=24, articles=10, log=lines.append, phases=phases)
    # run() raises at the first broken promise; what is left to check is what it tolerates:
    # a redirect the last crawl left pending (its target fetched under its own URL)
    assert tally.redirects_pending == 0, "\n".join(lines)


def test_kills_of_a_run_on_a_dask_cluster_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    # the command (the client) killed while a real two-worker cluster cleans for it; the
    # cluster lives on, and the last run writes every record once, as an unkilled run does
    lines: list[str] = []
    tally = run(0, 5, tmp_path, pages=24, dumps=24, log=lines.append, phases=("cluster",),
                cluster_kills=3)
    assert tally.by_phase["cluster"] == 3, "\n".join(lines)
    assert any(line.startswith("cluster: ") and "each once" in line for line in lines)


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def test_workers_of_a_killed_clean_end_with_it(tmp_path: Path) -> None:
    # The OOM killer takes the biggest process: the command, not its -j 2 worker.  The
    # worker must notice and end (it kept the reading end of its own pipe open, so it
    # cleaned the rest of the batch and then waited on a full pipe for ever).
    inputs = tmp_path / "in"
    make_inputs(inputs, pages=60, dumps=0)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        clean_cmd(inputs, out, 2, ()), cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline:
        time.sleep(0.01)  # until the worker is forked
        workers = [pid for pid in group_alive(proc.pid) if pid != proc.pid]
    assert workers and proc.poll() is None, "the run ended before its worker started"
    # until the worker is cleaning: forked with the imports done, its CPU time is cleaning
    while _cpu_ticks(workers[0]) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before its worker was seen cleaning"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # it finishes the chunk it holds (at most 16 pages), then finds nobody to send it to
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = group_alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, "a worker outlived the killed command by 30 s"
    assert not duplicates(read_parts(out))  # whatever is visible opens whole
    done = subprocess.run(clean_cmd(inputs, out, 2, ()), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    parts = read_parts(out)
    assert not duplicates(parts)
    assert len(content(parts)) == 60


def _rows_by_id(outdir: Path) -> dict[str, dict]:
    """Every row of the folder by id (an id twice fails), without ``cleaned_at``, which
    differs between any two runs."""
    import pyarrow.parquet as pq

    from pipelines.store.parquet import SCHEMA

    rows = pq.read_table(outdir, schema=SCHEMA).drop(["cleaned_at"]).to_pylist()
    by_id = {r["id"]: r for r in rows}
    assert len(by_id) == len(rows), "an id twice"
    return by_id


def _kill_after_parts(cmd: list[str], out: Path, k: int) -> None:
    """Run ``cmd``, SIGKILL its process group once ``k`` new part files are in place; fails
    when the run ended first."""
    before = set(out.glob("part-*.parquet"))
    proc = subprocess.Popen(
        cmd, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if len(set(out.glob("part-*.parquet")) - before) >= k:
            break
        time.sleep(0.002)
    ended = proc.poll() is not None
    with contextlib.suppress(ProcessLookupError):  # it ended, and nothing of its group is left
        os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    assert not ended, f"the run ended before {k} parts were in place: {err.decode()[-400:]}"


def test_a_killed_clean_keeps_its_parts_and_the_next_run_resumes(tmp_path: Path) -> None:
    # A long batch writes a part every --flush-seconds: a run killed mid-way keeps them,
    # and the next run cleans only the rest, with the rows and duplicate marks of a run that
    # was not killed.  copies/ (cleaned first) hold print and wire copies of some pages:
    # rows written early that later pages turn into duplicates (re-pointed at the end).
    inputs = tmp_path / "in"
    make_inputs(inputs, pages=60, dumps=40, copies=10)
    total = len(list(inputs.rglob("*.*")))
    reference = tmp_path / "reference"
    done = subprocess.run(clean_cmd(inputs, reference, 1, ()), cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr
    expected = _rows_by_id(reference)
    assert len(expected) == total
    assert sum(r["duplicate_of"] is not None for r in expected.values()) >= 20

    out = tmp_path / "out"
    _kill_after_parts(clean_cmd(inputs, out, 1, ("--flush-seconds", "0.2")), out, 2)
    parts = read_parts(out)  # every visible part opens whole, with the dataset's schema
    kept = {row["id"] for rows in parts.values() for row in rows}
    assert 0 < len(kept) < total, "the kill did not land in the middle of the batch"
    assert not duplicates(parts)

    done = subprocess.run(clean_cmd(inputs, out, 1, ()), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    # the rows of the killed run were kept, not cleaned again
    assert f"{total - len(kept)} records written, {len(kept)} unchanged" in done.stderr
    assert all(path.exists() for path in parts)
    assert _rows_by_id(out) == expected


def test_a_killed_clean_that_replaces_rows_ends_as_an_unkilled_one(tmp_path: Path) -> None:
    # The folder was cleaned with other rules: every row of this run replaces one.  Each
    # part's commit removes the rows it replaced; a kill after a part and before its commit
    # leaves those records twice (old and new rows) until the next run.
    from bench.kill_bench import REPLACE_RULES

    inputs = tmp_path / "in"
    make_inputs(inputs, pages=60, dumps=40, copies=10)
    rules = tmp_path / "rules.toml"
    rules.write_text(REPLACE_RULES, encoding="utf-8")
    out, reference = tmp_path / "out", tmp_path / "reference"
    for folder in (out, reference):
        done = subprocess.run(clean_cmd(inputs, folder, 1, ("--rules", str(rules))), cwd=ROOT)
        assert done.returncode == 0
    done = subprocess.run(clean_cmd(inputs, reference, 1, ()), cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr
    expected = _rows_by_id(reference)

    _kill_after_parts(clean_cmd(inputs, out, 1, ("--flush-seconds", "0.2")), out, 3)
    parts = read_parts(out)
    rows = [row for part in parts.values() for row in part]
    new = {r["id"] for r in rows if r["content_sha256"] == expected[r["id"]]["content_sha256"]}
    twice = duplicates(parts)
    # the records of the parts committed before the kill are there once: at most one
    # part's are twice, each with its old and its new content
    assert len(twice) < len(new) < len(expected)
    assert any(set(twice) <= {r["id"] for r in part} for part in parts.values())
    assert all(len({r["content_sha256"] for r in rows if r["id"] == i}) == 2 for i in twice)

    done = subprocess.run(clean_cmd(inputs, out, 1, ()), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert _rows_by_id(out) == expected
