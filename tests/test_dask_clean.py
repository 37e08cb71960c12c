"""`newsclean clean --scheduler`: the batch on a real dask.distributed cluster of two worker
processes on 127.0.0.1 gives the records of a local `-j 2` run, and loses nothing when a
worker dies."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import distributed
import pyarrow.parquet as pq
import pytest

from pipelines.store.parquet import SCHEMA
from pipelines.store.warc import WarcFileWriter
from tests.conftest import ROOT, run_cli

# a scheduler's HTTP server (health, metrics) moves off a port another cluster holds
pytestmark = pytest.mark.filterwarnings("ignore:Port .* is already in use")

WORDS = [
    "harbour", "council", "budget", "ferry", "school", "bridge", "library", "tram", "clinic",
    "market", "reservoir", "museum", "stadium", "airport", "orchard", "quarry", "lighthouse",
    "depot", "archive", "theatre",
]
TEMPLATE = "Get the Riverside Courier morning briefing delivered to your inbox every weekday"


def _paragraphs(seed: int, n: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for k in range(n):
        w = rng.sample(WORDS, 5)
        out.append(
            f"Members of the {w[0]} committee argued for hours about the {w[1]} and the {w[2]}, "
            f"and residents who came to the meeting asked what the decision on the {w[3]} "
            f"would mean for the {w[4]} in the {['spring', 'summer', 'autumn'][(seed + k) % 3]}."
        )
    return out


def _dump(i: int) -> str:
    lines = [f"Council weighs plan number {i} for the old {WORDS[i % len(WORDS)]}", ""]
    lines += _paragraphs(i, 4)
    if i % 2 == 0:
        lines.append(TEMPLATE)
    return "\n".join(lines) + "\n"


def _page(i: int) -> bytes:
    title = f"Night works on the {WORDS[i % len(WORDS)]} approved, round {i}"
    body = "".join(f"<p>{p}</p>" for p in _paragraphs(1000 + i, 5))
    return (
        f"<html lang='en'><head><title>{title} | Riverside Courier</title>"
        f"<link rel='canonical' href='https://courier.example/news/{i}'>"
        f"<meta property='og:title' content='{title}'><meta property='og:type' content='article'>"
        f"<meta property='article:published_time' content='2026-03-{1 + i % 28:02d}T08:00:00Z'>"
        "</head><body>"
        "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<article><h1>{title}</h1>{body}"
        "<div class='newsletter-signup'><p>Sign up for our daily newsletter to get the news first.</p></div>"
        "</article><aside class='related'><h3>Related stories</h3><ul>"
        "<li><a href='/a'>Ferry timetable changes</a></li><li><a href='/b'>Tram fares</a></li>"
        "</ul></aside><footer>© Riverside Courier 2026</footer></body></html>"
    ).encode()


def _archive(folder: Path, first: int, n: int) -> Path:
    writer = WarcFileWriter(folder)
    fetched = datetime(2026, 3, 4, 5, 6, tzinfo=timezone.utc)
    for i in range(first, first + n):
        writer.write_response(f"https://courier.example/archive/{i}", 200,
                              [("Content-Type", "text/html; charset=utf-8")], _page(i), fetched)
    path = writer.close()
    assert path is not None
    return path


COPIES = ("aa_copy.txt", "zz_copy.txt")


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Text dumps of two publishers (a template line on half of one's), HTML pages, an
    archive of 40 records (three slices), an archive cut short, and one binary '.txt'."""
    root = tmp_path_factory.mktemp("batch")
    for i in range(24):
        folder = root / ("courier" if i % 3 else "gazette")
        folder.mkdir(exist_ok=True)
        (folder / f"dump{i:02d}.txt").write_text(_dump(i), encoding="utf-8")
    pages = root / "pages"
    pages.mkdir()
    for i in range(20):
        (pages / f"page{i:02d}.html").write_bytes(_page(i))
    _archive(root / "warc", 100, 40)
    cut = _archive(root / "damaged", 200, 3)
    data = cut.read_bytes()
    cut.write_bytes(data[: int(len(data) * 0.8)])
    (root / "courier" / "scan.txt").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    # two copies of one dump, in other count tasks than it: the merge counts it once
    for name in COPIES:
        (root / "gazette" / name).write_text(_dump(0), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def _rows(outdir: Path) -> list[dict[str, Any]]:
    rows = pq.read_table(outdir, schema=SCHEMA).to_pylist()
    for row in rows:
        del row["cleaned_at"]
    return sorted(rows, key=lambda r: r["id"])


def _errors(stderr: str) -> list[str]:
    return sorted(line for line in stderr.splitlines() if line.startswith("error:"))


def _summary(stderr: str) -> str:
    line = [x for x in stderr.splitlines() if x.startswith("newsclean clean: ") and "->" in x][-1]
    return line.rsplit("->", 1)[0]


def _local(batch: Path, outdir: Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run_cli("clean", str(batch), "-o", str(outdir), "-j", "2", "--no-progress", cwd=cwd)


def _on_cluster(
    batch: Path, outdir: Path, address: str, *extra: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return run_cli("clean", str(batch), "-o", str(outdir), "--scheduler", address,
                   "--no-progress", *extra, cwd=cwd)


def test_a_run_on_the_cluster_writes_what_a_local_run_writes(
    batch: Path, cluster: Any, tmp_path: Path
) -> None:
    # a relative path, from another folder than the workers': the names in the output and
    # in the error lines are still the ones a local run gives
    here, name = batch.parent, Path(batch.name)
    local = _local(name, tmp_path / "local", cwd=here)
    remote = _on_cluster(name, tmp_path / "dask", cluster.scheduler_address,
                         "--save-stats", str(tmp_path / "dask.json"), cwd=here)
    assert remote.returncode == local.returncode == 1, remote.stderr  # the binary file
    rows = _rows(tmp_path / "dask")
    assert rows == _rows(tmp_path / "local")
    # 24 dumps + 20 pages + 40 archived pages + the 2 records before the damage
    assert len(rows) == 86
    copies = {str(name / "gazette" / n) for n in (*COPIES, "dump00.txt")}
    sources = {r["source"] for r in rows if r["url"] is None}
    assert len(sources & copies) == 1  # one record for the three copies
    assert sources | copies == {
        str(p.relative_to(here)) for p in batch.rglob("*") if p.suffix in (".txt", ".html")
    } - {str(name / "courier" / "scan.txt")}
    # the repetition statistics reached the text tasks: the template line went as template
    templated = [r for r in rows if any(x["rule_id"] == "generic.repetition.template"
                                        for x in r["removed"])]
    assert templated and all(TEMPLATE not in r["text"] for r in rows)
    # the same error lines (the binary file, the damaged archive) and counts
    assert _errors(remote.stderr) == _errors(local.stderr)
    assert len(_errors(remote.stderr)) == 2
    assert f"error: {name / 'courier' / 'scan.txt'}: a PNG image" in remote.stderr
    assert _summary(remote.stderr) == _summary(local.stderr)
    local_stats = run_cli("clean", str(name), "-o", str(tmp_path / "l2"), "-j", "1",
                          "--no-progress", "--save-stats", str(tmp_path / "local.json"), cwd=here)
    assert local_stats.returncode == 1
    assert (tmp_path / "dask.json").read_bytes() == (tmp_path / "local.json").read_bytes()


def test_a_second_run_skips_what_is_unchanged_and_replaces_what_changed(
    batch: Path, cluster: Any, tmp_path: Path
) -> None:
    src = tmp_path / "in"
    for p in sorted((batch / "pages").iterdir())[:8]:
        (src / "pages").mkdir(parents=True, exist_ok=True)
        (src / "pages" / p.name).write_bytes(p.read_bytes())
    (src / "warc").mkdir()
    for p in (batch / "warc").iterdir():
        (src / "warc" / p.name).write_bytes(p.read_bytes())
    out = tmp_path / "out"
    first = _on_cluster(src, out, cluster.scheduler_address)
    assert first.returncode == 0, first.stderr
    assert "48 records written, 0 unchanged" in first.stderr
    changed = src / "pages" / "page03.html"  # same canonical URL, new text: the same id
    changed.write_bytes(changed.read_bytes().replace(b"Members of the", b"Delegates of the"))
    second = _on_cluster(src, out, cluster.scheduler_address)
    assert second.returncode == 0, second.stderr
    assert "1 records written, 47 unchanged, 1 replaced" in second.stderr
    rows = _rows(out)
    assert len(rows) == 48 and len({r["id"] for r in rows}) == 48
    assert sum("Delegates of the" in r["text"] for r in rows) == 1
    assert not [p for p in out.iterdir() if p.name.startswith(".tmp-")]  # no temporary left


def test_a_worker_killed_mid_run_loses_nothing(tmp_path: Path) -> None:
    src = tmp_path / "in"
    (src / "pages").mkdir(parents=True)
    for i in range(96):
        (src / "pages" / f"p{i:03d}.html").write_bytes(_page(i))
    _archive(src / "warc", 500, 24)
    local = _local(src, tmp_path / "local")
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(
        processes=True, n_workers=2, threads_per_worker=1, host="127.0.0.1",
        dashboard_address=None,
    ) as local_cluster, distributed.Client(local_cluster) as client:
        pids = client.run(os.getpid)
        run = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "clean", str(src), "-o", str(tmp_path / "dask"),
             "--scheduler", local_cluster.scheduler_address, "--no-progress"],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        victim = _worker_busy_cleaning(client, run)
        os.kill(pids[victim], signal.SIGKILL)
        _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "local")
    assert len(_rows(tmp_path / "dask")) == 120
    assert _summary(stderr) == _summary(local.stderr)


# On a worker: the files it opened under each folder watched (_watch), noted by an audit
# hook (which stays for the worker's life, and notes only under the folders watched).
_OPENED: dict[str, list[str]] = {}


def _note_open(event: str, args: tuple[Any, ...]) -> None:
    if event == "open" and _OPENED and isinstance(args[0], (str, os.PathLike)):
        path = os.fspath(args[0])
        for folder, seen in _OPENED.items():
            if isinstance(path, str) and path.startswith(folder):
                seen.append(path)


def _watch(folder: str) -> None:
    if not _OPENED:
        sys.addaudithook(_note_open)
    _OPENED[folder] = []


def _opened(folder: str) -> list[str]:
    seen = _OPENED.get(folder, [])
    out, seen[:] = list(seen), []
    return out


def test_a_killed_run_on_the_cluster_resumes_where_it_stopped(cluster: Any, tmp_path: Path) -> None:
    """As a local run (tests/test_kills.py): the inputs a killed run wrote, cleaned the same
    way, are not cleaned again, and the rest ends as a run that was not killed."""
    from bench.kill_bench import duplicates, make_inputs, read_parts

    inputs = tmp_path / "in"
    make_inputs(inputs, pages=50, dumps=40, copies=10)
    files = {str(p) for p in inputs.rglob("*.*")}
    html = {p for p in files if p.endswith(".html")}
    total = len(files)
    address = cluster.scheduler_address
    reference = _on_cluster(inputs, tmp_path / "reference", address)
    assert reference.returncode == 0, reference.stderr
    expected = _rows(tmp_path / "reference")
    assert len(expected) == total == 110
    # copies/ come first: rows written early that later pages make duplicates (re-pointed)
    assert sum(r["duplicate_of"] is not None for r in expected) >= 10

    for attempt in range(5):
        # a fast machine can write every row in its first two parts before the kill
        # lands; such an attempt proves nothing about resuming and is made again
        out = tmp_path / f"out{attempt}"
        run = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "clean", str(inputs), "-o", str(out),
             "--scheduler", address, "--no-progress", "--flush-seconds", "0.01"],
            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 180
        while run.poll() is None and time.monotonic() < deadline:
            if len(list(out.glob("part-*.parquet"))) >= 2:
                break
            time.sleep(0.002)
        ended = run.poll() is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(run.pid, signal.SIGKILL)
        _, err = run.communicate()
        parts = read_parts(out)  # every visible part opens whole
        assert not duplicates(parts)
        kept = {row["source"] for rows in parts.values() for row in rows}
        if not ended and 0 < len(kept) < total:
            break
    assert not ended, f"the run ended before 2 parts were in place: {err.decode()[-400:]}"
    assert 0 < len(kept) < total, "the kill did not land in the middle of the batch"
    # the inputs of the first part were recorded before the second part was written (those
    # of the last part may not be: the kill can fall between its rename and the record)
    first = min(parts, key=lambda p: p.stat().st_mtime_ns)
    recorded = {row["source"] for row in parts[first]}

    client = distributed.Client(address)
    try:
        client.run(_watch, str(inputs))
        again = _on_cluster(inputs, out, address)
        reread = set().union(*client.run(_opened, str(inputs)).values())
        assert again.returncode == 0, again.stderr
        assert f"{total - len(kept)} records written, {len(kept)} unchanged" in again.stderr
        assert _rows(out) == expected  # the rows and duplicate marks of the unkilled run
        # the HTML inputs of the killed run's first part are not read again, all those it
        # did not write are (every text file is, for the batch's repetition statistics)
        assert recorded & html and not recorded & html & reread
        assert html - kept <= reread
        third = _on_cluster(inputs, out, address)
        assert third.returncode == 0, third.stderr
        assert f"0 records written, {total} unchanged" in third.stderr
        assert not html & set().union(*client.run(_opened, str(inputs)).values())
    finally:
        client.close()
    assert _rows(out) == expected


def _worker_busy_cleaning(client: Any, run: subprocess.Popen[str]) -> str:
    """The address of a worker running a cleaning task of ``run`` while other cleaning
    tasks are still to come (so that the run goes on after the worker dies)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and run.poll() is None:
        processing = client.processing()
        busy = [w for w, keys in sorted(processing.items()) if any("newsclean-clean" in str(k) for k in keys)]
        waiting = client.run_on_scheduler(_cleaning_tasks_not_done)
        if busy and waiting >= 4:
            return busy[0]
        time.sleep(0.01)
    raise AssertionError(f"no worker was seen cleaning (run ended: {run.poll()})")


def _cleaning_tasks_not_done(dask_scheduler: Any) -> int:
    return sum(1 for key, ts in dask_scheduler.tasks.items()
               if "newsclean-clean" in str(key) and ts.state != "memory")


def test_an_unreachable_scheduler_is_one_line_and_exit_2(batch: Path, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    result = _on_cluster(batch / "pages", tmp_path / "out", address, "--scheduler-timeout", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert address in lines[0] and "dask scheduler" in lines[0]
    assert not (tmp_path / "out").exists()


def test_a_scheduler_without_workers_is_one_line_and_exit_2(batch: Path, tmp_path: Path) -> None:
    with distributed.LocalCluster(
        processes=True, n_workers=0, host="127.0.0.1", dashboard_address=None
    ) as empty:
        result = _on_cluster(batch / "pages", tmp_path / "out", empty.scheduler_address,
                             "--scheduler-timeout", "1")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert empty.scheduler_address in lines[0] and "dask worker" in lines[0]


def test_each_run_cleans_with_its_own_rules(batch: Path, cluster: Any, tmp_path: Path) -> None:
    # the workers keep the rules of earlier runs: a run with a rule turned off must not
    # get them, and the next run with every rule gets the rule back
    pages = batch / "pages"
    rule = "generic.newsletter.signup_box"

    def removed_by(outdir: Path, *extra: str) -> set[str]:
        result = _on_cluster(pages, outdir, cluster.scheduler_address, *extra)
        assert result.returncode == 0, result.stderr
        return {x["rule_id"] for r in _rows(outdir) for x in r["removed"]}

    assert rule in removed_by(tmp_path / "all")
    assert rule not in removed_by(tmp_path / "off", "--disable-rule", rule)
    assert rule in removed_by(tmp_path / "again")


def test_bad_rules_are_one_line_and_exit_2_before_anything_is_written(
    batch: Path, cluster: Any, tmp_path: Path
) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_text('[[rule]]\nid = "Shouting"\n', encoding="utf-8")
    for extra in (("--rules", str(bad)), ("--disable-rule", "generic.no.such_rule")):
        out = tmp_path / "out"
        result = _on_cluster(batch / "pages", out, cluster.scheduler_address, *extra)
        assert result.returncode == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("newsclean: rule error: "), result.stderr
        assert extra[1].split("/")[-1] in lines[0]
        assert not out.exists()
