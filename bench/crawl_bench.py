"""Crawl benchmark: N pages on a local server, crawled with ``newsclean crawl``, cleaning on.

Prints:

* the cleaning-only baseline: ``newsclean clean -j WORKERS`` (default 2, the cores
  this machine has) over ``--sample`` of the same pages saved as ``.html`` files, the
  command a user runs on saved pages, whole process (its row building, MinHash
  signatures, duplicate index and Parquet write included), start-up subtracted (the
  same command on one file; see :func:`clean_command_rate`); and the CPU per page of
  the cleaning core alone (``clean_html`` with the rules loaded, one process), the
  yardstick for what the crawl adds per page;
* the crawl rate: pages fetched and cleaned per second, measured from the first
  article request to the end of the run (``newsclean crawl``, i.e. ``python -m
  pipelines.cli crawl``, in a subprocess, politeness delays off, robots.txt still
  read), as a share of the baseline, and the whole run's wall time;
* CPU per page of the crawl process, of its cleaning processes and of the local
  server, after warm-up, and the share of the baseline the crawl could reach at
  most with both cores busy (cleaning CPU of the baseline / the crawl's CPU);
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
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    ENV,
    RssSampler,
    cpu_children,
    crawl_command,
    newsclean,
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


def clean_command_rate(
    bodies: list[tuple[str, bytes]], workers: int, repeat: int
) -> tuple[float, float, float, float]:
    """The cleaning-only baseline: ``newsclean clean DIR -o OUT -j WORKERS`` over the pages
    saved as ``.html`` files (the command a user runs on saved pages, whole process),
    with its start-up subtracted: the same command on one of the files alone.  The two
    take turns, one untimed round first (bytecode and page caches), best of ``repeat``.

    Returns (pages/s on wall time, CPU ms per page, start-up wall s, start-up CPU s):
    pages/s = (n - 1) / (best full wall - best start-up wall); CPU ms per page likewise
    from the lowest CPU times (the command's process and its workers)."""
    with tempfile.TemporaryDirectory(prefix="crawl-bench-clean-") as tmp:
        pages = Path(tmp) / "pages"
        pages.mkdir()
        for i, (_, body) in enumerate(bodies):
            (pages / f"{i:05d}.html").write_bytes(body)
        one = Path(tmp) / "one"
        one.mkdir()
        (one / "00000.html").write_bytes(bodies[0][1])
        commands = {
            name: (newsclean("clean", "--no-progress", "-j", str(workers), str(src), "-o", str(out)), out)
            for name, src, out in (
                ("full", pages, Path(tmp) / "out-full"),
                ("start-up", one, Path(tmp) / "out-one"),
            )
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for attempt in range(repeat + 1):
            for name, (cmd, out) in commands.items():
                result = run_timed([cmd], fresh=out, cwd=ROOT)
                if attempt:
                    runs[name].append(result)
    wall = {name: min(w for w, _ in r) for name, r in runs.items()}
    cpu = {name: min(c for _, c in r) for name, r in runs.items()}
    n = len(bodies) - 1
    net = max(1e-9, wall["full"] - wall["start-up"])
    return n / net, 1000 * (cpu["full"] - cpu["start-up"]) / n, wall["start-up"], cpu["start-up"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="article pages served (1000-10000)")
    parser.add_argument("--workers", type=int, default=2, help="cleaning processes (default 2)")
    parser.add_argument("--extra-kb", type=int, default=80, help="menu/script filler per page")
    parser.add_argument("--sample", type=int, default=600, help="pages for the cleaning-only rate")
    parser.add_argument(
        "--clean-repeat", type=int, default=2, help="timed rounds of the baseline (best is kept)"
    )
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
    print(
        f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at the start"
    )
    core_ms = core_cpu_ms(sample)
    rate_n = cmd_ms = 0.0
    if not args.no_baseline:
        rate_n, cmd_ms, up_wall, up_cpu = clean_command_rate(sample, args.workers, args.clean_repeat)
        print(
            f"cleaning only (baseline): newsclean clean -j {args.workers} over {len(sample)} of "
            f"the pages saved as .html, start-up ({up_wall:.2f} s wall, {up_cpu:.2f} s CPU) "
            f"subtracted: {rate_n:.1f} pages/s, {cmd_ms:.1f} ms CPU per page"
        )
    print(f"cleaning core alone (clean_html, 1 process): {core_ms:.1f} ms CPU per page")

    out = Path(tempfile.mkdtemp(prefix="crawl-bench-"))
    python = ("-c", PROFILED_CRAWL, str(args.profile.resolve())) if args.profile else None
    cmd = crawl_command(
        [site.base + "/"],
        out,
        workers=args.workers,
        extra=settings_args(args.set),
        **({"python": python} if python else {}),
    )
    t0 = time.monotonic()
    cpu0 = cpu_children()
    self0 = time.process_time()
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True, env=ENV)
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
    crawl_cpu = cpu_children() - cpu0
    summary = json.loads((out / "last-run.json").read_text())
    first_article = min(t for t, p in site.times if p.startswith("/news/"))
    written = summary["articles_written"]
    steady = summary["pages_fetched"] / (t_end - first_article)
    print(
        f"crawl: {summary['pages_fetched']} pages fetched, {written} articles written in "
        f"{t_end - t0:.1f} s wall ({summary['pages_fetched'] / (t_end - t0):.1f} pages/s overall)"
    )
    share = f" = {100 * steady / rate_n:.0f} % of the baseline" if rate_n else ""
    print(f"crawl rate from first article request to the end: {steady:.1f} pages/s cleaned{share}")
    pages_done = max(1, summary["pages_fetched"])
    print(
        f"crawl CPU (process tree, startup included): {1000 * crawl_cpu / pages_done:.1f} ms "
        f"per page, {100 * core_ms * pages_done / 1000 / crawl_cpu:.0f} % of it the cleaning core"
        f" (the rest: Scrapy, WARC, rows, Parquet, state, process start)"
    )
    root_cpu = sampler.cpu.get(proc.pid, 0.0)
    print(
        f"  of which the crawl process (Scrapy, Parquet, state; sampled): "
        f"{1000 * root_cpu / pages_done:.1f} ms per page, the cleaning processes (cleaning, "
        f"WARC records, rows): {1000 * (sum(sampler.cpu.values()) - root_cpu) / pages_done:.1f} ms"
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
        f"processes {per_page[1]:.2f} ms (cleaning core alone {core_ms:.2f} ms, "
        f"+{per_page[1] - core_ms:.2f}), local server {per_page[2]:.2f} ms"
    )
    if cmd_ms:
        print(
            f"  so with both cores busy the crawl could reach at most "
            f"{100 * cmd_ms / sum(per_page):.0f} % of the baseline "
            f"({100 * cmd_ms / sum(per_page[:2]):.0f} % with the server on another machine)"
        )
    print(
        f"peak RSS: {sampler.peak_tree_kb / 1024:.0f} MB crawl process tree "
        f"(up to {sampler.max_procs} processes, summed), "
        f"{sampler.peak_root_kb / 1024:.0f} MB crawl process alone; per process: "
        + ", ".join(f"{kb / 1024:.0f}" for kb in sampler.peak_kb.values())
    )
    print(f"load average {os.getloadavg()[0]:.2f} at the end")
    site.stop()
    if args.keep:
        print(f"output kept in {out}")
    else:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
