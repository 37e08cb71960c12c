"""Crawl benchmark: N pages on a local server, crawled with ``newsclean crawl``, cleaning on.

The figure it is for: the crawl's rate as a share of the cleaning-only rate on the same
pages.  Both sides are wall-clock rates of the commands users run, and on a shared VM
the same work may cost 20 % more a few minutes later, so one crawl against one baseline
says little.  The bench measures in turns, ``--rounds N`` crawls each between two
measurements of the baseline (A B A B ... A), and prints each round's ratio (the crawl
against the mean of the baselines just before and just after it), their median and
spread, and how many rounds reach 85 %.

Prints:

* each measurement of the cleaning-only baseline: ``newsclean clean -j WORKERS``
  (default 2, the cores this machine has) over ``--sample`` of the same pages saved as
  ``.html`` files, the command a user runs on saved pages, whole process (its row
  building, MinHash signatures, duplicate index and Parquet write included), start-up
  subtracted (the same command on one file; see :class:`Baseline`), best of
  ``--clean-repeat`` runs;
* each round: the CPU per page of the cleaning core alone (``clean_html`` with the
  rules loaded, one process), the yardstick for what the crawl adds per page; the
  crawl rate: pages fetched and cleaned per second, measured from the first article
  request to the end of the run (``newsclean crawl``, i.e. ``python -m pipelines.cli
  crawl``, in a subprocess, politeness delays off, robots.txt still read); CPU per page
  of the crawl process, of its cleaning processes and of the local server, after
  warm-up; and the first article written: when the first Parquet part was in place
  (the crawl writes ``NEWSCLEAN_BATCH_ROWS`` rows at a time, 500 by default: ``-s
  NEWSCLEAN_BATCH_ROWS=1`` times the first row), after the command's start and after the
  first article request, and the CPU the cleaning processes (their start-up, the rules
  loaded, and the pages cleaned so far) and the crawl process had used by then;
* over the rounds: the median and spread of the crawl process's CPU per page after
  warm-up, and of the time to the first article written;
* for the last crawl: its whole run, its CPU per page start-up included, and the peak
  RSS of the crawl process tree (the crawl process plus its cleaning workers, summed:
  shared pages are counted once per process, so this is an upper bound) and of the
  crawl process alone, sampled from /proc every 0.1 s;
* per round, the crawl's share of the baseline and the share it could reach at most with
  both cores busy (the baseline's CPU per page / the crawl's); then the median, spread,
  and the rounds at 85 % or more.

The local server runs in this process (threads), so it takes CPU from the crawl
on a small machine: its CPU per page is printed on its own (an artefact of
running both ends on one machine, not a cost a user pays).  Other work on the
machine makes the rates noisy; the CPU figures per page are steadier.

``--profile FILE`` runs the crawl process under cProfile (``python -m pstats FILE``).

    python -m bench.crawl_bench --pages 2000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    ENV,
    RssSampler,
    cpu_children,
    crawl_command,
    newsclean,
    process_tree,
    run_timed,
    settings_args,
)
from pipelines.crawl.cleanworker import clean_page, init_worker  # noqa: E402
from tests.newssite.server import NewsSite  # noqa: E402

PROFILE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

# Runs ``newsclean`` (pipelines.cli) under cProfile timed by the reactor thread's CPU clock:
# the default wall clock charges the reactor with its waits for the GIL, which are not CPU
# it spends.
PROFILED_CRAWL = """
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["newsclean", *sys.argv[2:]]
prof = cProfile.Profile(time.thread_time)
try:
    prof.runcall(runpy.run_module, "pipelines.cli", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
prof.dump_stats(out)
sys.exit(code)
"""


def _timed_clean(profile: Any, body: bytes, url: str) -> float:
    """clean_page, returning the CPU seconds it took in its process."""
    t = time.process_time()
    clean_page(profile, body, url)
    return time.process_time() - t


def core_cpu_ms(bodies: list[tuple[str, bytes]]) -> float:
    """CPU ms per page of the cleaning core alone (:func:`clean_page`: ``clean_html`` with
    the rules loaded) in one process, after it has loaded the rules and cleaned one page.
    Not a rate anyone gets: the yardstick for what the crawl's workers add per page."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    urls = [u for u, _ in bodies]
    htmls = [b for _, b in bodies]
    with ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker) as pool:
        pool.submit(_timed_clean, PROFILE, htmls[0], urls[0]).result()
        cpu = sum(pool.map(_timed_clean, [PROFILE] * len(bodies), htmls, urls, chunksize=8))
    return 1000 * cpu / len(bodies)


class Baseline:
    """The cleaning-only baseline: ``newsclean clean DIR -o OUT -j WORKERS`` over the pages
    saved as ``.html`` files (the command a user runs on saved pages, whole process), with
    its start-up subtracted: the same command on one of the files alone.  The pages are
    saved once; :meth:`measure` runs the two commands in turns."""

    def __init__(self, bodies: list[tuple[str, bytes]], workers: int):
        self.tmp = Path(tempfile.mkdtemp(prefix="crawl-bench-clean-"))
        self.n = len(bodies)
        pages = self.tmp / "pages"
        pages.mkdir()
        for i, (_, body) in enumerate(bodies):
            (pages / f"{i:05d}.html").write_bytes(body)
        one = self.tmp / "one"
        one.mkdir()
        (one / "00000.html").write_bytes(bodies[0][1])
        self.commands = {
            name: (
                newsclean("clean", "--no-progress", "-j", str(workers), str(src), "-o", str(out)),
                out,
            )
            for name, src, out in (
                ("full", pages, self.tmp / "out-full"),
                ("start-up", one, self.tmp / "out-one"),
            )
        }
        self.warm = False

    def measure(self, repeat: int) -> tuple[float, float, float, float]:
        """(pages/s on wall time, CPU ms per page, start-up wall s, start-up CPU s), best of
        ``repeat`` runs of each command in turns (the first call adds one untimed round:
        bytecode and page caches).  pages/s = (n - 1) / (best full wall - best start-up
        wall); CPU ms per page likewise from the lowest CPU times (the command's process
        and its workers)."""
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in self.commands}
        for attempt in range(repeat + (0 if self.warm else 1)):
            for name, (cmd, out) in self.commands.items():
                result = run_timed([cmd], fresh=out, cwd=ROOT)
                if attempt or self.warm:
                    runs[name].append(result)
        self.warm = True
        wall = {name: min(w for w, _ in r) for name, r in runs.items()}
        cpu = {name: min(c for _, c in r) for name, r in runs.items()}
        n = self.n - 1
        net = max(1e-9, wall["full"] - wall["start-up"])
        return (
            n / net,
            1000 * (cpu["full"] - cpu["start-up"]) / n,
            wall["start-up"],
            cpu["start-up"],
        )

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


@dataclass
class CrawlRun:
    """The figures of one crawl of the site (see :func:`crawl_once`)."""

    fetched: int
    written: int
    wall: float  # the whole run
    rate: float  # pages/s from the first article request to the end
    cpu_ms: float  # the process tree's CPU per page, start-up included
    root_ms: float  # the crawl process's, sampled
    workers_ms: float  # the cleaning processes', sampled
    server_ms: float  # the local server's (in this process)
    steady_ms: tuple[float, float, float]  # crawl process, cleaning, server: after warm-up
    warm_articles: int
    sampler: RssSampler
    # the first article written: the first part file in place (the crawl writes its rows
    # NEWSCLEAN_BATCH_ROWS at a time), seconds after the command's start and after the
    # first article request, its rows, and the CPU seconds by then (sampled, to 0.1 s) of
    # the cleaning processes (each) and of the crawl process; None: no part seen running
    first_part_s: float | None
    first_part_after_request_s: float | None
    first_part_rows: int
    first_part_workers_cpu: list[float]
    first_part_root_cpu: float


def crawl_once(site: NewsSite, args: argparse.Namespace) -> CrawlRun:
    """``newsclean crawl`` of the whole site into a fresh folder, in a subprocess."""
    out = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    python: tuple[str, ...] = ("-m", "pipelines.cli")  # newsclean, as crawl_command runs it
    if args.profile:
        python = ("-c", PROFILED_CRAWL, str(args.profile.resolve()))
    cmd = crawl_command(
        [site.base + "/"], out, workers=args.workers, extra=settings_args(args.set), python=python
    )
    times_before = len(site.times)
    served_before = site.articles_served
    t0 = time.monotonic()
    cpu0 = cpu_children()
    self0 = time.process_time()
    first_parts: list[Path] = []
    cleaners: set[int] = set()

    def part_in_place() -> bool:
        first_parts.extend(
            p for p in out.glob("crawl_date=*/*.parquet") if not p.name.startswith(".")
        )
        if first_parts:  # the cleaning processes of the moment (not a passing helper)
            cleaners.update(p for p in process_tree(proc.pid) if _is_cleaner(p))
        return bool(first_parts)

    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=ENV)
    sampler = RssSampler(
        proc.pid,
        lambda: site.articles_served - served_before,
        warm=max(1, args.pages // 10),
        event=part_in_place,
    )
    sampler.start()
    _, stderr = proc.communicate()
    t_end = time.monotonic()
    sampler.stop.set()
    sampler.join()
    server_cpu = time.process_time() - self0 - sampler.own_cpu
    server_steady = time.process_time() - sampler.own_cpu - sampler.server_cpu_at_start
    if proc.returncode != 0:
        print(stderr, file=sys.stderr)
        raise SystemExit(f"crawl failed with code {proc.returncode}")
    crawl_cpu = cpu_children() - cpu0
    summary = json.loads((out / "last-run.json").read_text())
    # a part seen first may have been one of two written at once: the smallest is the first
    first_rows = min((pq.read_metadata(p).num_rows for p in first_parts), default=0)
    if args.keep:
        print(f"output kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)
    first_article = min(t for t, p in site.times[times_before:] if p.startswith("/news/"))
    fetched = max(1, summary["pages_fetched"])
    root_cpu = sampler.cpu.get(proc.pid, 0.0)
    at_start = sampler.cpu_at_start or {}
    root_steady = root_cpu - at_start.get(proc.pid, 0.0)
    workers_steady = sum(c - at_start.get(p, 0.0) for p, c in sampler.cpu.items() if p != proc.pid)
    window = max(1, site.articles_served - served_before - sampler.served_at_start)
    steady = tuple(1000 * c / window for c in (root_steady, workers_steady, server_steady))
    at_part = sampler.cpu_at_event or {}
    return CrawlRun(
        fetched=summary["pages_fetched"],
        written=summary["articles_written"],
        wall=t_end - t0,
        rate=summary["pages_fetched"] / (t_end - first_article),
        cpu_ms=1000 * crawl_cpu / fetched,
        root_ms=1000 * root_cpu / fetched,
        workers_ms=1000 * (sum(sampler.cpu.values()) - root_cpu) / fetched,
        server_ms=1000 * server_cpu / fetched,
        steady_ms=(steady[0], steady[1], steady[2]),
        warm_articles=sampler.served_at_start,
        sampler=sampler,
        first_part_s=None if sampler.event_at is None else sampler.event_at - t0,
        first_part_after_request_s=(
            None if sampler.event_at is None else sampler.event_at - first_article
        ),
        first_part_rows=first_rows,
        first_part_workers_cpu=[c for p, c in at_part.items() if p in cleaners],
        first_part_root_cpu=at_part.get(proc.pid, 0.0),
    )


def _is_cleaner(pid: int) -> bool:
    """True when ``pid`` is a crawl's cleaning process (pipelines.crawl.cleanworker)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"pipelines.crawl.cleanworker" in fh.read()
    except OSError:
        return False


def _first_part(run: CrawlRun) -> str:
    """The line on the crawl's first article written."""
    if run.first_part_s is None or run.first_part_after_request_s is None:
        return "first article written: no part file seen before the crawl ended"
    workers = run.first_part_workers_cpu
    return (
        f"first article written (the first part file in place, {run.first_part_rows} rows): "
        f"{run.first_part_s:.1f} s after the start, {run.first_part_after_request_s:.1f} s "
        f"after the first article request; CPU by then: cleaning processes "
        f"{sum(workers):.2f} s ({', '.join(f'{c:.2f}' for c in workers)}), crawl process "
        f"{run.first_part_root_cpu:.2f} s"
    )


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="article pages served (1000-10000)")
    parser.add_argument("--workers", type=int, default=2, help="cleaning processes (default 2)")
    parser.add_argument("--extra-kb", type=int, default=80, help="menu/script filler per page")
    parser.add_argument("--sample", type=int, default=600, help="pages for the cleaning-only rate")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="crawls, each between two measurements of the baseline (A B A B ... A; default 3)",
    )
    parser.add_argument(
        "--clean-repeat",
        type=int,
        default=2,
        help="timed runs of the baseline per measurement (the best is kept; default 2)",
    )
    parser.add_argument(
        "--html-dir",
        type=Path,
        help="serve these real pages (*.html, *.html.gz; e.g. an eval dataset's pages/) "
        "as the articles instead of generated ones, cycling through them; each copy "
        "declares its own canonical URL, so every page served is an article to write",
    )
    parser.add_argument("--keep", action="store_true", help="keep the output folders")
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="cProfile the crawl process into FILE (each round overwrites it)",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="crawl only (while comparing crawl variants)"
    )
    parser.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra crawl setting (passed to the crawl as -s), to compare variants",
    )
    args = parser.parse_args()
    rounds = max(1, args.rounds)

    bodies = None
    if args.html_dir:
        import gzip

        files = sorted(args.html_dir.glob("*.html*"))
        bodies = [
            gzip.decompress(f.read_bytes()) if f.suffix == ".gz" else f.read_bytes() for f in files
        ]
        if not bodies:
            raise SystemExit(f"{args.html_dir}: no *.html or *.html.gz file")
    site = NewsSite(
        articles=args.pages, crawl_delay=0, extra_kb=args.extra_kb, bodies=bodies
    ).start()
    pages = [(site.base + p, v[2]) for p, v in site.content.pages.items() if p.startswith("/news/")]
    avg_kb = sum(len(b) for _, b in pages) / len(pages) / 1024
    sample = pages[: args.sample]
    print(f"pages: {args.pages} articles (+ listings), {avg_kb:.0f} KB each on average")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start")
    baseline = None if args.no_baseline else Baseline(sample, args.workers)
    # A B A B ... A: each crawl between two measurements of the baseline, its ratio against
    # their mean, so a change of the machine's speed between minutes (on a VM the same work
    # may cost 20 % more a few minutes later) moves both sides of each ratio alike.
    bases: list[tuple[float, float, float, float]] = []
    crawls: list[CrawlRun] = []
    cores: list[float] = []

    def measure_baseline() -> None:
        if baseline is None:
            return
        bases.append(baseline.measure(args.clean_repeat))
        rate_n, cmd_ms, up_wall, up_cpu = bases[-1]
        print(
            f"  baseline: newsclean clean -j {args.workers} over {len(sample)} of the pages "
            f"saved as .html, start-up ({up_wall:.2f} s wall, {up_cpu:.2f} s CPU) subtracted: "
            f"{rate_n:.1f} pages/s, {cmd_ms:.1f} ms CPU per page"
        )

    try:
        measure_baseline()
        for r in range(rounds):
            cores.append(core_cpu_ms(sample))
            run = crawl_once(site, args)
            crawls.append(run)
            print(
                f"round {r + 1}: cleaning core alone {cores[-1]:.1f} ms CPU per page; crawl: "
                f"{run.fetched} pages, {run.written} articles, {run.wall:.1f} s wall, "
                f"{run.rate:.1f} pages/s from the first article request; CPU per page after "
                f"warm-up: crawl process {run.steady_ms[0]:.2f} ms, cleaning processes "
                f"{run.steady_ms[1]:.2f} ms (+{run.steady_ms[1] - cores[-1]:.2f} over the core), "
                f"local server {run.steady_ms[2]:.2f} ms; load {os.getloadavg()[0]:.2f}"
            )
            print(f"  {_first_part(run)}")
            measure_baseline()
    finally:
        site.stop()
        if baseline is not None:
            baseline.close()
    crawl_ms = [run.steady_ms[0] for run in crawls]
    print(
        f"crawl process CPU per page after warm-up over {len(crawls)} rounds: median "
        f"{_median(crawl_ms):.2f} ms, spread {min(crawl_ms):.2f}-{max(crawl_ms):.2f} ms"
    )
    firsts = [run.first_part_s for run in crawls if run.first_part_s is not None]
    if firsts:
        print(
            f"first article written over {len(firsts)} rounds: median {_median(firsts):.1f} s "
            f"after the start, spread {min(firsts):.1f}-{max(firsts):.1f} s"
        )
    last = crawls[-1]
    print(
        f"last crawl: {last.fetched} pages fetched, {last.written} articles written in "
        f"{last.wall:.1f} s wall ({last.fetched / last.wall:.1f} pages/s overall)"
    )
    print(
        f"  CPU (process tree, start-up included): {last.cpu_ms:.1f} ms per page, "
        f"{100 * cores[-1] / last.cpu_ms:.0f} % of it the cleaning core (the rest: Scrapy, "
        f"WARC, rows, Parquet, state, process start); the crawl process (Scrapy, Parquet, "
        f"state; sampled) {last.root_ms:.1f} ms, the cleaning processes (cleaning, WARC "
        f"records, rows) {last.workers_ms:.1f} ms, the local server (in the bench process, "
        f"shares the cores; not part of the crawl) {last.server_ms:.1f} ms"
    )
    sampler = last.sampler
    print(
        f"  peak RSS: {sampler.peak_tree_kb / 1024:.0f} MB crawl process tree "
        f"(up to {sampler.max_procs} processes, summed), "
        f"{sampler.peak_root_kb / 1024:.0f} MB crawl process alone; per process: "
        + ", ".join(f"{kb / 1024:.0f}" for kb in sampler.peak_kb.values())
    )
    if bases:
        ratios, bounds = [], []
        print(
            "crawl rate as a share of the baseline (the mean of the measurements before and "
            "after each crawl); CPU bound: the share the crawl could reach at most with both "
            "cores busy (the baseline's CPU per page / the crawl's, server included):"
        )
        for r, run in enumerate(crawls):
            rate = (bases[r][0] + bases[r + 1][0]) / 2
            cmd_ms = (bases[r][1] + bases[r + 1][1]) / 2
            ratios.append(100 * run.rate / rate)
            bounds.append(100 * cmd_ms / sum(run.steady_ms))
            print(
                f"  round {r + 1}: {run.rate:.1f} / {rate:.1f} pages/s = {ratios[-1]:.0f} %; "
                f"CPU bound {bounds[-1]:.0f} % ({100 * cmd_ms / sum(run.steady_ms[:2]):.0f} % "
                f"with the server on another machine)"
            )
        print(
            f"crawl / baseline over {len(ratios)} rounds: median {_median(ratios):.0f} %, "
            f"spread {min(ratios):.0f}-{max(ratios):.0f} %, {sum(x >= 85 for x in ratios)} of "
            f"{len(ratios)} rounds at 85 % or more; CPU bound median {_median(bounds):.0f} % "
            f"({min(bounds):.0f}-{max(bounds):.0f} %)"
        )
    load = os.getloadavg()[0]
    print(f"load average {load:.2f} at the end")
    ncpu = os.cpu_count() or 1
    if bases and load > ncpu:
        print(
            f"  (more runnable processes than the {ncpu} cores: the rates are shares of a "
            "busy machine, and the crawl's three processes take a larger share than the "
            "baseline's two; the CPU bound is the figure to read)"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
