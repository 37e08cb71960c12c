"""Kill benchmark: SIGKILL ``newsclean crawl`` and ``newsclean clean`` at random moments, restart
them, and check that nothing was lost, duplicated or left looking complete when it is not.

Four phases, the kills split between them (``--kills N`` in all, default 120):

* **crawl**: ``newsclean crawl`` against the local news site of the tests
  (tests/newssite), which publishes a few new articles before every run, as from cron.
  Part files are small (``NEWSCLEAN_BATCH_ROWS=3``) so kills land between and inside
  part writes.
* **clean -j 1** and **clean -j 2**: ``newsclean clean`` over a folder into the same
  OUTDIR each time; files (generated HTML pages, print and wire copies of some of them, and
  text dumps, or copies of ``--inputs PATH...``) arrive in the folder before every run.  The
  killed runs write a part every 0.2 s (``--flush-seconds``), so kills land in runs that
  have written parts, and the next run skips what they kept.
* **replace**: the generated inputs were cleaned once into OUTDIR; then the runs take
  turns with and without a rule file that changes every one of them, so each run
  replaces rows (README, "Re-runs") while it is killed, with ``-j`` 1 or 2.

A fifth phase, **cluster**, runs only when asked for (``--phases ... cluster``, its own
``--cluster-kills N``, default 24, outside ``--kills``; it needs the ``dask`` extra): the
clean phase with ``--scheduler`` on a real dask.distributed cluster that the script starts
on 127.0.0.1 (two single-threaded worker processes), killing the command, the client that
collects the rows and writes the parts.

The kill moments: any time in the run, after the crawl's k-th article request, while
part file k is being written, just after a clean run's part k is in place (in a replace:
while it removes the rows that part replaced).

A kill hits either the command's own process only (what the OOM killer does) or its whole
process group (a reboot, ``kill -9 -PGID``), chosen at random; after each kill the script
checks that no process of the run outlives it for long (worker processes must notice),
that every visible ``*.parquet`` opens and holds all its rows, and (crawl) that the state
records no part file that is not there.  Each phase ends with a run left to finish; then
the dataset is read back with pyarrow and compared with a run of the same command into a
fresh folder that nobody killed: every record exactly once, the same content and (clean)
the same ``duplicate_of``, the crawl state (``OUTDIR/.newsclean/state.sqlite``) naming exactly the part files there are.

    python -m bench.kill_bench --kills 120 --seed 7

It prints the seed (pass it back to replay the same kill moments), every kill, and
``survived K of K kills``; the exit status is 1 when a check failed.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pyarrow.parquet as pq  # noqa: E402

from bench.common import crawl_command, newsclean  # noqa: E402
from pipelines.crawl.state import STATE_DIR, url_key  # noqa: E402
from pipelines.store.parquet import SCHEMA  # noqa: E402
from tests.newssite.server import (  # noqa: E402
    NewsSite,
    article_body,
    article_html,
    print_html,
    slug,
    wire_html,
)

# Polite settings off (robots.txt is still read); small parts so kills meet part writes.
CRAWL_SETTINGS = [
    "-s", "AUTOTHROTTLE_ENABLED=false",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "NEWSCLEAN_BACKOFF_BASE=0.05",
    "-s", "NEWSCLEAN_BATCH_ROWS=3",
    "-s", "NEWSCLEAN_FLUSH_SECONDS=0.5",
]  # fmt: skip
CONTACT = "https://example.org/kill-bench"
EXIT_LOCKED = 75
ORPHAN_GRACE = 20.0  # seconds a worker may take to notice that its parent is gone (its chunk)
CLEAN_FLUSH = ("--flush-seconds", "0.2")  # killed clean runs: a part every 0.2 s

# A rule file that changes every generated input's text (its third paragraph goes): a run
# with it replaces rows, by id, in a folder cleaned without it.
REPLACE_RULES = """\
[[rule]]
id = "generic.killbench.report_three"
kind = "line"
pattern = '^In district \\d+, report 3:'
description = "kill bench: a rule change that alters every generated article"
examples = ["In district 7, report 3: Officials said the work had taken longer."]
counter_examples = ["In district 7, report 4: Officials said so."]
"""


class CheckFailed(AssertionError):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Tally:
    kills: int = 0
    finished_first: int = 0  # the run ended before its kill moment: not counted as a kill
    locked: int = 0  # a crawl found the previous run's lock still held
    transient_duplicates: int = 0  # kill points where a replaced row was there twice
    kills_after_parts: int = 0  # clean kills that left parts the killed run had put in place
    rows_kept: int = 0  # rows in those parts
    redirects_pending: int = 0  # see crawl_phase
    by_phase: Counter[str] = field(default_factory=Counter)


# --- processes ----------------------------------------------------------------------------


def cli(*args: str) -> list[str]:
    return newsclean(*args)


def crawl_cmd(site: NewsSite, out: Path) -> list[str]:
    return crawl_command(
        [site.base + "/"], out, workers=2, fast=False, contact=CONTACT, extra=CRAWL_SETTINGS
    )


def group_alive(pgid: int) -> list[int]:
    """Pids of live (not zombie) processes in process group ``pgid``."""
    alive = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, split after its ')'
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry))
    return alive


def run_to_end(cmd: Sequence[str], timeout: float = 600) -> tuple[int, str, float]:
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stderr, time.monotonic() - started


@dataclass(frozen=True)
class Moment:
    """When to kill: ``delay`` seconds after ``trigger()`` first holds (checked every 0.5 ms),
    or after the start when there is no trigger."""

    name: str
    delay: float
    trigger: Callable[[], bool] | None = None


def run_and_kill(
    cmd: Sequence[str], moment: Moment, whole_group: bool
) -> tuple[bool, int | None, str]:
    """Start ``cmd``, SIGKILL it at ``moment``; (killed, exit code if it ended first,
    stderr).  Waits until every process of its group has ended."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True
        )
        code: int | None = None
        if moment.trigger is not None:
            while proc.poll() is None and not moment.trigger():
                time.sleep(0.0005)
        try:
            code = proc.wait(timeout=moment.delay) if proc.poll() is None else proc.returncode
            killed = False
        except subprocess.TimeoutExpired:
            if whole_group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed, code = True, None
        deadline = time.monotonic() + ORPHAN_GRACE
        while (left := group_alive(proc.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        if left:
            os.killpg(proc.pid, signal.SIGKILL)
            raise CheckFailed(
                f"processes {left} of a killed run were still running {ORPHAN_GRACE:.0f} s "
                f"after it: {' '.join(cmd[2:5])}"
            )
        err.seek(0)
        return killed, code, err.read().decode("utf-8", "replace")


def has_temporary(outdir: Path, pattern: str = ".tmp-part*") -> Callable[[], bool]:
    """True once a part file is being written in ``outdir`` (its hidden temporary exists)."""

    def seen() -> bool:
        try:
            return any(outdir.glob(pattern))
        except OSError:  # a folder went while it was listed
            return False

    return seen


def new_visible_part(outdir: Path, pattern: str = "part-*.parquet", k: int = 1) -> Callable[[], bool]:
    """True once ``k`` part files that were not there before are in ``outdir``."""
    before = set(outdir.glob(pattern))

    def seen() -> bool:
        try:
            return len(set(outdir.glob(pattern)) - before) >= k
        except OSError:
            return False

    return seen


def writing_part(outdir: Path, pattern: str, k: int) -> Callable[[], bool]:
    """True once ``k - 1`` new part files are in place and the ``k``-th is being written."""
    done = new_visible_part(outdir, pattern, k - 1)
    folder = pattern.rpartition("/")[0]
    writing = has_temporary(outdir, f"{folder}/.tmp-part*" if folder else ".tmp-part*")
    return lambda: done() and writing()


# --- what is on disk ------------------------------------------------------------------------


def visible_parts(outdir: Path) -> list[Path]:
    """The files a reader takes for data: ``*.parquet`` not hidden, in any folder below."""
    return sorted(
        p
        for p in outdir.rglob("*.parquet")
        if not any(part.startswith((".", "_")) for part in p.relative_to(outdir).parts)
    )


def read_parts(outdir: Path) -> dict[Path, list[dict]]:
    """Every visible part file, read whole; fails on one that is truncated or foreign."""
    out = {}
    for path in visible_parts(outdir):
        try:
            with pq.ParquetFile(path) as f:
                table = f.read()
                expected = f.metadata.num_rows
        except Exception as exc:
            raise CheckFailed(f"{path}: a visible part file does not open ({exc})") from None
        check(table.num_rows == expected, f"{path}: {table.num_rows} of {expected} rows read")
        check(table.num_rows > 0, f"{path}: an empty part file")
        check(
            table.schema.remove_metadata().equals(SCHEMA.remove_metadata()),
            f"{path}: not the dataset's schema",
        )
        out[path] = table.select(["id", "source", "url", "content_sha256", "duplicate_of"]).to_pylist()
    return out


def versions(parts: dict[Path, list[dict]], rid: str) -> set[str]:
    """The distinct contents of the rows with id ``rid``."""
    return {r["content_sha256"] for rows in parts.values() for r in rows if r["id"] == rid}


def duplicates(parts: dict[Path, list[dict]]) -> list[str]:
    counts = Counter(row["id"] for rows in parts.values() for row in rows)
    return sorted(i for i, n in counts.items() if n > 1)


def state_parts(outdir: Path) -> tuple[dict[str, int], dict[str, str], dict[str, str]]:
    """(part -> rows, doc id -> part, url key -> status) recorded in the crawl state."""
    db = sqlite3.connect(outdir / STATE_DIR / "state.sqlite")
    try:
        parts = dict(db.execute("SELECT name, rows FROM parts").fetchall())
        docs = dict(db.execute("SELECT id, part FROM docs").fetchall())
        urls = dict(db.execute("SELECT key, status FROM urls").fetchall())
    finally:
        db.close()
    return parts, docs, urls


# --- crawl ----------------------------------------------------------------------------------


def crawl_phase(
    work: Path, kills: int, rng: random.Random, tally: Tally, log: Callable, articles: int = 30
) -> None:
    out = work / "crawl"
    with NewsSite(articles=articles, crawl_delay=0, page_delay=0.02) as site:
        # a client killed mid-request is what this bench does: no traceback for each
        site._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        cmd = crawl_cmd(site, out)
        # how long a whole first run takes: the kill moments are spread over it
        code, err, full = run_to_end(crawl_cmd(site, work / "crawl-ref"))
        check(code == 0, f"reference crawl failed ({code}): {err[-500:]}")
        log(f"crawl: a whole first run of {site.n} articles takes {full:.1f} s")
        attempts = 0
        while tally.by_phase["crawl"] < kills:
            attempts += 1
            check(attempts < kills * 10, "crawl: too many runs ended before their kill moment")
            site.grow(rng.randint(2, 6))  # cron: the site published something since
            moment = crawl_moment(rng, site, out, full)
            group = rng.random() < 0.5
            killed, code, err = run_and_kill(cmd, moment, group)
            if not killed:
                tally.finished_first += 1
                if code == EXIT_LOCKED:
                    tally.locked += 1
                check(code in (0, EXIT_LOCKED), f"crawl: a run failed ({code}): {err[-500:]}")
                continue
            tally.kills += 1
            tally.by_phase["crawl"] += 1
            parts = read_parts(out)
            check(not duplicates(parts), f"crawl: ids twice after a kill: {duplicates(parts)[:3]}")
            if (out / STATE_DIR / "state.sqlite").exists():
                recorded, _, _ = state_parts(out)
                names = {str(p.relative_to(out)) for p in parts}
                check(
                    set(recorded) <= names,
                    f"crawl: the state records missing parts {sorted(set(recorded) - names)[:3]}",
                )
            rows = sum(len(r) for r in parts.values())
            log(
                f"  kill {tally.kills:4d} crawl   {moment.name:<24} "
                f"({'group' if group else 'main '}): {len(parts)} parts, {rows} rows"
            )
        code, err, _ = run_to_end(cmd)  # the last run is left to finish
        check(code == 0, f"crawl: the final run failed ({code}): {err[-500:]}")
        waiting = check_crawl(out, site)
        if waiting:
            # A redirect left pending because its target was fetched under its own URL in the
            # same run (the dupefilter drops the redirected request): the next run fetches it
            # again and marks it.  Not lost, not duplicated: one fetch too many.
            log(f"crawl: {len(waiting)} redirects left pending ({waiting[:2]}); one more run")
            tally.redirects_pending += len(waiting)
            code, err, _ = run_to_end(cmd)
            check(code == 0, f"crawl: the extra run failed ({code}): {err[-500:]}")
            waiting = check_crawl(out, site)
            check(not waiting, f"crawl: redirects still pending after another run: {waiting}")
        log(f"crawl: {site.n} articles published, each once in the dataset; state agrees")


def crawl_moment(rng: random.Random, site: NewsSite, out: Path, full: float) -> Moment:
    """A random moment of a crawl run: any time, after its k-th article request, or while it
    writes a part file."""
    pick = rng.random()
    if pick < 0.3:
        delay = rng.uniform(0.3 * full, 1.1 * full)  # most of a short run is start-up
        return Moment(f"at {delay:.2f} s", delay)
    if pick < 0.65:
        start, k = site.articles_served, rng.randint(1, 12)
        return Moment(f"after request {k}", rng.uniform(0, 0.05),
                      lambda: site.articles_served - start >= k)
    k = rng.randint(1, 4)
    trigger = writing_part(out, "crawl_date=*/part-*.parquet", k)
    return Moment(f"writing part {k}", rng.uniform(0, 0.01), trigger)


def check_crawl(out: Path, site: NewsSite) -> list[str]:
    """Check the dataset and state after a finished crawl; returns the redirects (``/old/``)
    left pending whose target is written."""
    parts = read_parts(out)
    rows = [row for rs in parts.values() for row in rs]
    paths = Counter(urlsplit(r["url"]).path for r in rows)
    expected = site.article_paths()
    twice = sorted(p for p, n in paths.items() if n > 1)
    check(not twice, f"crawl: articles written more than once: {twice[:5]}")
    check(not duplicates(parts), f"crawl: ids twice: {duplicates(parts)[:5]}")
    missing = sorted(expected - set(paths))
    check(not missing, f"crawl: {len(missing)} articles lost: {missing[:5]}")
    # slug(n) is an article the site serves but does not list; a site that grew between
    # runs listed it before (as n + 2 of the smaller site), so a crawl may have written it
    extra = sorted(set(paths) - expected - {f"/news/{slug(site.n)}"})
    check(not extra, f"crawl: pages that are not articles written: {extra[:5]}")
    recorded, docs, urls = state_parts(out)
    names = {str(p.relative_to(out)): len(r) for p, r in parts.items()}
    check(recorded == names, "crawl: the state's parts differ from the part files: "
          f"only in state {sorted(set(recorded) - set(names))[:3]}, "
          f"only on disk {sorted(set(names) - set(recorded))[:3]}")
    by_id = {r["id"]: str(p.relative_to(out)) for p, rs in parts.items() for r in rs}
    check(docs == by_id, "crawl: the state's record ids differ from the part files' rows")
    for r in rows:
        key = url_key(r["url"])
        check(urls.get(key) == "done", f"crawl: {r['url']} is in a part but {urls.get(key)!r}")
    # robots.txt forbids /private/: such a URL stays pending (robots.txt may change)
    pending = sorted(k for k, s in urls.items() if s == "pending" and "/private/" not in k)
    host = urlsplit(site.base).netloc
    redirects = [k for k in pending if k.startswith(f"{host}/old/")]
    check(
        all(f"/news/{k.split('/old/', 1)[1]}" in paths for k in redirects),
        f"crawl: a redirect whose target is not written is pending: {redirects[:3]}",
    )
    others = sorted(set(pending) - set(redirects))
    check(not others, f"crawl: URLs still pending after a finished run: {others[:3]}")
    return redirects


# --- clean ----------------------------------------------------------------------------------


def make_inputs(folder: Path, pages: int, dumps: int, copies: int = 0, first: int = 0) -> None:
    """HTML pages of the news site (each with its own canonical URL) and text dumps; with
    ``copies``, every ``pages // copies``-th story again as a print page and a wire copy
    (other furniture and URL; near and exact duplicates of it, ``copies/``, which comes first
    in the input order), the print copy published before the page, the wire copy after: so
    rows written early turn into duplicates of rows cleaned later (re-pointed at the end).
    ``first``: the number of the first story (more inputs for a folder, other stories)."""
    from datetime import datetime, timedelta, timezone

    html, text = folder / "pages", folder / "dumps"
    html.mkdir(parents=True)
    text.mkdir(parents=True)
    start = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for i in range(first, first + pages):
        url = f"https://gazette.example/news/{slug(i)}"
        page = article_html(i, start - timedelta(hours=i), url, extra_kb=i % 3)
        (html / f"{slug(i)}.html").write_text(page, encoding="utf-8")
    if copies:
        (folder / "copies").mkdir()
    for i in range(first, first + pages, max(1, pages // copies) if copies else pages + 1)[:copies]:
        when = start - timedelta(hours=i)
        printed = print_html(i, when - timedelta(minutes=30), f"https://gazette.example/print/{i}")
        wire = wire_html(i, when + timedelta(hours=2), f"https://courier.example/wire/{slug(i)}")
        (folder / "copies" / f"print-{i:04d}.html").write_text(printed, encoding="utf-8")
        (folder / "copies" / f"wire-{i:04d}.html").write_text(wire, encoding="utf-8")
    for i in range(first, first + dumps):
        body = "\n\n".join(article_body(1000 + i, paragraphs=5 + i % 4))
        dump = (
            "Home | News | Sport | Contact\n\nThe Example Gazette\n\n"
            f"Story {i}: the district {1000 + i} report\n\n{body}\n\n"
            "Sign up to our daily newsletter for the latest stories.\n"
            "Copyright 2026 The Example Gazette. All rights reserved.\n"
        )
        (text / f"dump-{i:04d}.txt").write_text(dump, encoding="utf-8")


def content(parts: dict[Path, list[dict]]) -> dict[str, str]:
    return {row["id"]: row["content_sha256"] for rows in parts.values() for row in rows}


def marks(parts: dict[Path, list[dict]]) -> dict[str, str | None]:
    return {row["id"]: row["duplicate_of"] for rows in parts.values() for row in rows}


def pool_of(paths: Sequence[Path]) -> list[tuple[Path, Path]]:
    """(file, its path relative to the folder given) of every input under ``paths``."""
    from pipelines.batch.inputs import kind_of

    out = []
    for top in paths:
        if top.is_file():
            out.append((top, Path(top.name)))
            continue
        for f in sorted(top.rglob("*")):
            if f.is_file() and kind_of(f) is not None:
                out.append((f, Path(top.name) / f.relative_to(top)))
    return out


class Inputs:
    """The folder a clean phase cleans: files of the pool are added to it between runs,
    as new files arrive in a folder that is cleaned from cron."""

    def __init__(
        self,
        folder: Path,
        pool: list[tuple[Path, Path]],
        rng: random.Random,
        more: Callable[[], list[tuple[Path, Path]]] | None = None,
    ):
        self.folder, self.pool, self.rng, self.more = folder, list(pool), rng, more
        self.rng.shuffle(self.pool)
        self.added = 0
        self.add(max(1, len(self.pool) // 3))

    def add(self, k: int) -> int:
        """Add ``k`` files of the pool; ``more`` (generated inputs) refills a pool that ran
        out: a run re-cleans only new files, so each needs some to be killed in."""
        if len(self.pool) < k and self.more is not None:
            fresh = self.more()
            self.rng.shuffle(fresh)
            self.pool.extend(fresh)
        todo, self.pool = self.pool[:k], self.pool[k:]
        for src, rel in todo:
            dest = self.folder / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(src.read_bytes())
        self.added += len(todo)
        return len(todo)


def clean_cmd(folder: Path, out: Path, jobs: int | None, extra: Sequence[str]) -> list[str]:
    j = ["-j", str(jobs)] if jobs else []
    return cli("clean", str(folder), "-o", str(out), *j, "--no-progress", *extra)


def clean_phase(
    name: str,
    inputs: Inputs,
    out: Path,
    variants: Sequence[Sequence[str]],
    kills: int,
    rng: random.Random,
    tally: Tally,
    log: Callable,
    jobs: Sequence[int],
) -> None:
    """Kill ``newsclean clean`` on ``inputs`` into ``out`` ``kills`` times, then let it
    finish and compare with an unkilled run into a fresh folder.

    One variant (extra arguments): new input files arrive before each run.  Two variants
    (replace): each run has the other rules than the one before, so it replaces rows.
    """
    replacing = len(variants) > 1
    per_run = max(1, len(inputs.pool) // max(1, kills))
    _, _, full = run_to_end(clean_cmd(inputs.folder, work_out(out), jobs[0], variants[0]))
    attempts = 0
    turn = -1  # replace: the first run has the rule file the folder was not cleaned with
    while tally.by_phase[name] < kills:
        attempts += 1
        check(attempts < kills * 10, f"{name}: too many runs ended before their kill moment")
        if replacing:
            turn += 1
        else:
            inputs.add(rng.randint(1, 2 * per_run))
        extra = variants[turn % len(variants)]
        j = rng.choice(jobs)
        moment = clean_moment(rng, out, full, replacing)
        group = rng.random() < 0.5
        before = set(visible_parts(out))
        cmd = clean_cmd(inputs.folder, out, j, (*extra, *CLEAN_FLUSH))
        killed, code, err = run_and_kill(cmd, moment, group)
        if not killed:
            tally.finished_first += 1
            check(code == 0, f"{name}: a run failed ({code}): {err[-500:]}")
            continue
        tally.kills += 1
        tally.by_phase[name] += 1
        parts = read_parts(out)  # the killed run's parts among them: each opens whole
        kept = [rows for path, rows in parts.items() if path not in before]
        if kept:
            tally.kills_after_parts += 1
            tally.rows_kept += sum(len(rows) for rows in kept)
        twice = duplicates(parts)
        if twice:
            # a kill between writing a replacing row and removing the old one (README,
            # "Re-runs"): rules changed, or (text dumps) new files of the folder changed
            # its repetition statistics.  The two rows differ; the next run keeps the newer.
            same = sorted(i for i in twice if len(versions(parts, i)) == 1)
            check(not same, f"{name}: rows written twice with the same content: {same[:3]}")
            tally.transient_duplicates += 1
        how = f"-j {j}" if j else "cluster"
        log(
            f"  kill {tally.kills:4d} {name:<7} {moment.name:<24} ({how}, "
            f"{'group' if group else 'main '}): {len(parts)} parts ({len(kept)} of this run), "
            f"{sum(len(r) for r in parts.values())} rows, {len(twice)} ids twice"
        )
    extra = variants[turn % len(variants)]
    code, err, _ = run_to_end(clean_cmd(inputs.folder, out, None, extra))
    check(code == 0, f"{name}: the final run failed ({code}): {err[-500:]}")
    reference = work_out(out, "-reference")
    code, err, _ = run_to_end(clean_cmd(inputs.folder, reference, None, extra))
    check(code == 0, f"{name}: the reference run failed ({code}): {err[-500:]}")
    expected = content(read_parts(reference))
    check(bool(expected), f"{name}: the reference run wrote nothing")
    parts = read_parts(out)
    check(not duplicates(parts), f"{name}: ids twice at the end: {duplicates(parts)[:3]}")
    got = content(parts)
    check(set(got) == set(expected), f"{name}: {len(set(expected) - set(got))} records lost, "
          f"{len(set(got) - set(expected))} unexpected")
    differ = sorted(i for i in got if got[i] != expected[i])
    check(not differ, f"{name}: {len(differ)} records differ from an unkilled run's")
    want, have = marks(read_parts(reference)), marks(parts)
    repointed = sorted(i for i in have if have[i] != want[i])
    check(not repointed, f"{name}: {len(repointed)} duplicate marks differ from an unkilled "
          f"run's: {repointed[:3]}")
    leftovers = list(out.rglob(".tmp-*"))
    check(not leftovers, f"{name}: temporaries left after a finished run: {leftovers[:3]}")
    log(f"{name}: {len(got)} records from {inputs.added} files, each once, "
        f"identical to an unkilled run's, {sum(v is not None for v in have.values())} "
        "duplicates marked as it marks them")


def cluster_phase(
    work: Path,
    kills: int,
    rng: random.Random,
    tally: Tally,
    log: Callable,
    pool: list[tuple[Path, Path]],
    more: Callable[[], list[tuple[Path, Path]]] | None,
) -> None:
    """The clean phase with ``--scheduler``: a real dask.distributed cluster (a scheduler
    and two single-threaded worker processes on 127.0.0.1, started here, outside the
    killed command's process group) cleans, the command (the client) collects the rows and
    writes the parts, and it is the command that is killed, as a cron overlap or the OOM
    killer would.  The cluster lives through all the runs: the scheduler forgets a killed
    client's tasks, and the next run must still write every record once."""
    import distributed  # the dask extra: only this phase needs it

    with distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as cluster:
        log(f"cluster: scheduler {cluster.scheduler_address}, 2 workers")
        folder = Inputs(work / "cluster-inputs", pool, rng, more)
        variants = [("--scheduler", cluster.scheduler_address)]
        clean_phase("cluster", folder, work / "cluster", variants, kills, rng, tally, log, [0])


def work_out(out: Path, suffix: str = "-timing") -> Path:
    return out.with_name(out.name + suffix)


def clean_moment(rng: random.Random, out: Path, full: float, replacing: bool) -> Moment:
    """A random moment of a clean run: any time, while it writes its part file k, or just
    after part k is in place (replace: while it removes the rows that part replaced;
    otherwise the run's rows are kept, so later runs start from a folder that holds some)."""
    pick = rng.random()
    if pick < 0.3:
        delay = rng.uniform(0.3 * full, 1.1 * full)
        return Moment(f"at {delay:.2f} s", delay)
    k = rng.randint(1, 3)
    if pick < 0.65:
        return Moment(f"writing part {k}", rng.uniform(0, 0.004), writing_part(out, "part-*.parquet", k))
    name = f"{'removing replaced rows' if replacing else 'after its part'} {k}"
    return Moment(name, rng.uniform(0, 0.1), new_visible_part(out, k=k))


# --- main -----------------------------------------------------------------------------------


def split_kills(total: int) -> dict[str, int]:
    """crawl 40 %, clean -j 1 and -j 2 20 % each, replace the rest (at least one each)."""
    crawl = max(1, round(total * 0.4))
    j1 = max(1, round(total * 0.2))
    j2 = max(1, round(total * 0.2))
    return {"crawl": crawl, "clean1": j1, "clean2": j2, "replace": max(1, total - crawl - j1 - j2)}


def run(
    kills: int,
    seed: int,
    work: Path,
    inputs: Sequence[Path] = (),
    pages: int = 120,
    dumps: int = 120,
    log: Callable[[str], None] = print,
    phases: Sequence[str] = ("crawl", "clean1", "clean2", "replace"),
    articles: int = 30,
    cluster_kills: int = 24,
) -> Tally:
    """Run the phases; raises :class:`CheckFailed` on the first broken promise.  The
    ``cluster`` phase (``cluster_kills`` kills) is not one of the default phases: it needs
    the ``dask`` extra."""
    rng = random.Random(seed)
    plan = split_kills(kills)
    tally = Tally()
    generated = work / "generated"
    make_inputs(generated, pages, dumps, copies=max(1, pages // 12))
    pool = pool_of(list(inputs) or [generated])
    if "crawl" in phases:
        crawl_phase(work, plan["crawl"], rng, tally, log, articles)
    batches = iter(range(1, 1000))

    def more() -> list[tuple[Path, Path]]:
        n = next(batches)  # other stories than the first inputs' and each other's
        folder = work / f"generated-{n}"
        make_inputs(folder, pages, dumps, copies=max(1, pages // 12), first=2000 * n)
        return pool_of([folder])

    for name, j in (("clean1", 1), ("clean2", 2)):
        if name in phases:
            folder = Inputs(work / f"{name}-inputs", pool, rng, None if inputs else more)
            clean_phase(name, folder, work / name, [()], plan[name], rng, tally, log, [j])
    if "cluster" in phases:
        cluster_phase(work, cluster_kills, rng, tally, log, pool, None if inputs else more)
    if "replace" in phases:
        rules = work / "replace_rules.toml"
        rules.write_text(REPLACE_RULES, encoding="utf-8")
        folder = Inputs(work / "replace-inputs", pool_of([generated]), rng)
        folder.add(len(folder.pool))
        out = work / "replace"
        code, err, _ = run_to_end(clean_cmd(folder.folder, out, None, ()))
        check(code == 0, f"replace: the first run failed ({code}): {err[-500:]}")
        before = content(read_parts(out))
        variants = [("--rules", str(rules)), ()]
        code, err, _ = run_to_end(clean_cmd(folder.folder, work / "replace-probe", None,
                                            variants[0]))
        after = content(read_parts(work / "replace-probe"))
        changed = sum(1 for i in after if before.get(i) != after[i])
        check(code == 0 and changed > 0, "replace: the rule change alters no record")
        log(f"replace: the rule file alters {changed} of {len(after)} records; "
            "runs take turns with and without it")
        clean_phase("replace", folder, out, variants, plan["replace"], rng, tally, log, [1, 2])
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=120, help="SIGKILLs in all (default 120)")
    parser.add_argument("--seed", type=int, help="random seed (default: from the clock)")
    parser.add_argument("--inputs", nargs="+", type=Path, default=[],
                        help="folders or files for the clean phases (default: generated)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--phases", nargs="+", default=["crawl", "clean1", "clean2", "replace"],
                        choices=["crawl", "clean1", "clean2", "replace", "cluster"])
    parser.add_argument("--cluster-kills", type=int, default=24,
                        help="kills of the cluster phase (--scheduler runs), outside --kills")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    plan = {k: v for k, v in split_kills(args.kills).items() if k in args.phases}
    if "cluster" in args.phases:
        plan["cluster"] = args.cluster_kills
    print(f"seed {seed}, {sum(plan.values())} kills planned: {plan}", flush=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="kill_bench-") as tmp:
        work = args.work or Path(tmp)
        try:
            tally = run(args.kills, seed, work, args.inputs, phases=args.phases,
                        log=lambda line: print(line, flush=True),
                        cluster_kills=args.cluster_kills)
        except CheckFailed as exc:
            print(f"FAILED (seed {seed}): {exc}", flush=True)
            return 1
    print(
        f"survived {tally.kills} of {tally.kills} kills ({dict(tally.by_phase)}) in "
        f"{time.monotonic() - started:.0f} s; {tally.finished_first} runs ended before their "
        f"kill moment ({tally.locked} of them found the lock held); "
        f"{tally.transient_duplicates} kills left a replaced row twice until the next run; "
        f"{tally.kills_after_parts} clean kills fell after the run had put parts in place "
        f"({tally.rows_kept} rows kept); "
        f"{tally.redirects_pending} redirects were left pending by the last crawl; seed {seed}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
