"""Crawl benchmark: N generated pages on a local server, crawled with cleaning on.

Prints:

* the cleaning-only rate of the same pages with a pool of ``--workers`` processes
  (default 2, the cores this machine has) and with one process;
* the crawl rate: articles written per second, measured from the first article
  request to the end of the run (``newsclean crawl`` started in a subprocess,
  politeness delays off, robots.txt still read), and the whole run's wall time;
* the peak RSS of the crawl process tree (the crawl process plus its cleaning
  workers, summed: shared pages are counted once per process, so this is an upper
  bound) and of the crawl process alone, sampled from /proc every 0.1 s.

The local server runs in this process (threads), so it takes CPU from the crawl
on a small machine: its CPU per page is printed on its own line (an artefact of
running both ends on one machine, not a cost a user pays).  Other work on the
machine makes the rates noisy; the CPU figures per page are steadier.

``--profile FILE`` runs the crawl process under cProfile (``python -m pstats FILE``).

    python -m bench.crawl_bench --pages 2000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.crawl.cleanworker import clean_page, init_worker  # noqa: E402
from tests.newssite.server import NewsSite  # noqa: E402

PROFILE: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())

# Runs ``pipelines.crawl.run`` under cProfile timed by the reactor thread's CPU clock: the
# default wall clock charges the reactor with its waits for the GIL (held by the pool's
# feeder and manager threads), which are not CPU it spends.
PROFILED_CRAWL = """
import cProfile, runpy, sys, time
out = sys.argv[1]
sys.argv = ["pipelines.crawl.run", *sys.argv[2:]]
prof = cProfile.Profile(time.thread_time)
try:
    prof.runcall(runpy.run_module, "pipelines.crawl.run", run_name="__main__", alter_sys=True)
except SystemExit as exc:
    code = exc.code
else:
    code = 0
prof.dump_stats(out)
sys.exit(code)
"""


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


class RssSampler(threading.Thread):
    """Peak RSS of a process tree and of its root, and CPU per process, sampled from /proc.

    ``served`` counts the articles the server has answered: once it reaches
    ``warm``, the CPU of each process and of this process (the server) is noted, so
    that the figures per page can leave out process starts, discovery and warm-up."""

    def __init__(self, pid: int, served: Callable[[], int], warm: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.served, self.warm = pid, every, served, warm
        self.cpu_at_start: dict[int, float] | None = None
        self.server_cpu_at_start = 0.0
        self.served_at_start = 0
        self.peak_tree_kb = self.peak_root_kb = 0
        self.max_procs = 0
        self.cpu: dict[int, float] = {}  # last CPU seconds seen per process
        self.peak_kb: dict[int, int] = {}
        self.stop = threading.Event()
        self.own_cpu = 0.0  # this thread's CPU, to take out of the server's figure

    def run(self) -> None:
        while not self.stop.is_set():
            pids = _tree(self.pid)
            self.max_procs = max(self.max_procs, len(pids))
            self.peak_tree_kb = max(self.peak_tree_kb, sum(_rss_kb(p) for p in pids))
            self.peak_root_kb = max(self.peak_root_kb, _rss_kb(self.pid))
            for p in pids:
                self.cpu[p] = max(self.cpu.get(p, 0.0), _cpu_seconds(p))
                self.peak_kb[p] = max(self.peak_kb.get(p, 0), _rss_kb(p))
            self.own_cpu = time.thread_time()
            if self.cpu_at_start is None and self.served() >= self.warm:
                self.served_at_start = self.served()
                self.cpu_at_start = dict(self.cpu)
                self.server_cpu_at_start = time.process_time() - self.own_cpu
            time.sleep(self.every)


def _cpu_children() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _timed_clean(profile: Any, body: bytes, url: str) -> float:
    """clean_page, returning the CPU seconds it took in its process."""
    t = time.process_time()
    clean_page(profile, body, url)
    return time.process_time() - t


def cleaning_rate(bodies: list[tuple[str, bytes]], workers: int) -> tuple[float, float]:
    """(pages per second, CPU ms per page) of clean_page over ``bodies`` with ``workers``
    processes, after every process has loaded the rules and cleaned one page."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    urls = [u for u, _ in bodies]
    htmls = [b for _, b in bodies]
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=init_worker) as pool:
        warm = [pool.submit(_timed_clean, PROFILE, htmls[0], urls[0]) for _ in range(workers * 2)]
        for f in warm:
            f.result()
        t0 = time.perf_counter()
        cpu = sum(pool.map(_timed_clean, [PROFILE] * len(bodies), htmls, urls, chunksize=8))
        rate = len(bodies) / (time.perf_counter() - t0)
    return rate, 1000 * cpu / len(bodies)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="article pages served (1000-10000)")
    parser.add_argument("--workers", type=int, default=2, help="cleaning processes (default 2)")
    parser.add_argument("--extra-kb", type=int, default=80, help="menu/script filler per page")
    parser.add_argument("--sample", type=int, default=600, help="pages for the cleaning-only rate")
    parser.add_argument(
        "--html-dir",
        type=Path,
        help="serve these real pages (*.html, *.html.gz; e.g. an eval dataset's pages/) "
        "as the articles instead of generated ones, cycling through them; each copy "
        "declares its own canonical URL, so every page served is an article to write",
    )
    parser.add_argument("--keep", action="store_true", help="keep the output folder")
    parser.add_argument(
        "--profile", type=Path, metavar="FILE", help="cProfile the crawl process into FILE"
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
    rate_n, cpu_ms = cleaning_rate(sample, args.workers)
    rate_1, _ = cleaning_rate(sample[: max(50, args.sample // 3)], 1)
    print(f"pages: {args.pages} articles (+ listings), {avg_kb:.0f} KB each on average")
    print(
        f"cleaning only: {rate_n:.1f} pages/s with {args.workers} processes, "
        f"{rate_1:.1f} pages/s with 1; {cpu_ms:.1f} ms CPU per page"
    )

    out = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    start = ["-c", PROFILED_CRAWL, str(args.profile.resolve())] if args.profile else []
    cmd = [
        sys.executable,
        *(start or ["-m", "pipelines.crawl.run"]),
        site.base + "/",
        "-o",
        str(out),
        "--contact",
        "https://example.org/bench",
        "-j",
        str(args.workers),
        "-s",
        "AUTOTHROTTLE_ENABLED=false",
        "-s",
        "DOWNLOAD_DELAY=0",
        "-s",
        "CONCURRENT_REQUESTS=32",
        "-s",
        "CONCURRENT_REQUESTS_PER_DOMAIN=16",
    ]
    for item in args.set:
        cmd += ["-s", item]
    t0 = time.monotonic()
    cpu0 = _cpu_children()
    self0 = time.process_time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid, lambda: site.articles_served, warm=max(1, args.pages // 10))
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
    crawl_cpu = _cpu_children() - cpu0
    summary = json.loads((out / "last-run.json").read_text())
    first_article = min(t for t, p in site.times if p.startswith("/news/"))
    written = summary["articles_written"]
    steady = summary["pages_fetched"] / (t_end - first_article)
    print(
        f"crawl: {summary['pages_fetched']} pages fetched, {written} articles written in "
        f"{t_end - t0:.1f} s wall ({summary['pages_fetched'] / (t_end - t0):.1f} pages/s overall)"
    )
    print(
        f"crawl rate from first article request to the end: {steady:.1f} pages/s cleaned "
        f"= {100 * steady / rate_n:.0f} % of the {args.workers}-process cleaning-only rate"
    )
    pages_done = max(1, summary["pages_fetched"])
    print(
        f"crawl CPU (process tree, startup included): {1000 * crawl_cpu / pages_done:.1f} ms "
        f"per page, {100 * cpu_ms * pages_done / 1000 / crawl_cpu:.0f} % of it cleaning "
        f"(the rest: Scrapy, WARC, Parquet, state, process start)"
    )
    root_cpu = sampler.cpu.get(proc.pid, 0.0)
    print(
        f"  of which the crawl process (Scrapy, Parquet, state; sampled): "
        f"{1000 * root_cpu / pages_done:.1f} ms per page, the cleaning processes (cleaning, "
        f"WARC records): {1000 * (sum(sampler.cpu.values()) - root_cpu) / pages_done:.1f} ms"
    )
    print(
        f"  local server (in the bench process, shares the cores; not part of the crawl): "
        f"{1000 * server_cpu / pages_done:.1f} ms CPU per page"
    )
    at_start = sampler.cpu_at_start or {}
    root_steady = root_cpu - at_start.get(proc.pid, 0.0)
    workers_steady = sum(c - at_start.get(p, 0.0) for p, c in sampler.cpu.items() if p != proc.pid)
    window = max(1, site.articles_served - sampler.served_at_start)
    per_page = [1000 * c / window for c in (root_steady, workers_steady, server_steady)]
    print(
        f"CPU per page after the first {sampler.served_at_start} articles (process starts, "
        f"discovery and warm-up left out): crawl process {per_page[0]:.2f} ms, cleaning "
        f"processes {per_page[1]:.2f} ms (cleaning alone {cpu_ms:.2f} ms), local server "
        f"{per_page[2]:.2f} ms"
    )
    print(
        f"  so with both cores busy the crawl could reach at most "
        f"{100 * cpu_ms / sum(per_page):.0f} % of the cleaning-only rate "
        f"({100 * cpu_ms / sum(per_page[:2]):.0f} % with the server on another machine)"
    )
    print(
        f"peak RSS: {sampler.peak_tree_kb / 1024:.0f} MB crawl process tree "
        f"(up to {sampler.max_procs} processes, summed), "
        f"{sampler.peak_root_kb / 1024:.0f} MB crawl process alone; per process: "
        + ", ".join(f"{kb / 1024:.0f}" for kb in sampler.peak_kb.values())
    )
    site.stop()
    if args.keep:
        print(f"output kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
