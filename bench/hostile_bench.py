"""Time and memory of `newsclean crawl` on the hostile site (tests/hostilesite), against its bounds.

Two hostile sites on 127.0.0.1 (gzip bombs of 2 GiB, pages over the size limit, a
page trickling a byte a second, an entity bomb, XXE, an endless calendar of sitemap
indexes, redirect loops, links to file:, ftp:, other loopback ports and private
addresses, a 1 MB robots.txt, ...) and a trap server are crawled by a real
``newsclean crawl`` with the default settings (``--download-timeout`` changes
``DOWNLOAD_TIMEOUT``, 30 s by default: the trickling page then takes four attempts
of 30 s).  Then a clean local news site with as many articles, for comparison.

Printed: wall time and its bound (DOWNLOAD_TIMEOUT x (RETRY_TIMES + 1) + 40 s),
CPU of the process tree, peak RSS of the crawl process tree (summed) and of each
process, sampled from /proc every 0.1 s, against the stated bound; the guards'
counts from last-run.json, the good articles written out of those expected, and the
connections the trap server saw (must be 0).

    python -m bench.hostile_bench [--download-timeout 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import pyarrow.dataset as ds

from bench.common import ROOT, RssSampler, cpu_children, crawl_command
from tests.hostilesite.server import HostileSite, Trap
from tests.newssite.server import NewsSite

RETRY_TIMES = 3  # crawler/settings.py
RSS_BOUND_MB = 600  # the whole crawl process tree (crawl process + cleaning processes)
RSS_PROCESS_BOUND_MB = 400  # any one process


def crawl(
    sources: list[str], out: Path, args: argparse.Namespace
) -> tuple[float, float, RssSampler]:
    cmd = crawl_command(
        sources,
        out,
        workers=args.workers,
        fast=False,  # the default, polite settings
        extra=["-s", f"DOWNLOAD_TIMEOUT={args.download_timeout}"],
    )
    cpu0 = cpu_children()
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    sampler = RssSampler(proc.pid, lambda: 0, warm=1 << 30)
    sampler.start()
    _, stderr = proc.communicate()
    wall = time.monotonic() - t0
    sampler.stop.set()
    sampler.join()
    if proc.returncode != 0:
        print(stderr, file=sys.stderr)
        raise SystemExit(f"crawl failed with code {proc.returncode}")
    return wall, cpu_children() - cpu0, sampler


def written(out: Path) -> set[tuple[int | None, str]]:
    files = [p for p in out.glob("crawl_date=*/*.parquet") if not p.name.startswith(".")]
    rows = ds.dataset(files, format="parquet").to_table(columns=["url"]).to_pylist()
    return {(urlsplit(r["url"]).port, urlsplit(r["url"]).path) for r in rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--download-timeout", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="cleaning processes")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    secret = tmp / "secret.txt"
    secret.write_text("XXE-SECRET-bench\n")
    bound = args.download_timeout * (RETRY_TIMES + 1) + 40
    with (
        Trap() as trap,
        HostileSite(trap.port, secret, tmp / "local.xml") as site,
        HostileSite(trap.port, secret, tmp / "local2.xml", huge_robots=True, good=3) as site2,
    ):
        wall, cpu, sampler = crawl([site.base + "/", site2.base + "/"], tmp / "out", args)
        trap_seen = trap.connections
    want = {(site.port, p) for p in site.good_paths()} | {
        (site2.port, p) for p in site2.good_paths()
    }
    got = written(tmp / "out")
    summary = json.loads((tmp / "out" / "last-run.json").read_text())
    leaked = any(
        b"XXE-SECRET-bench" in p.read_bytes()
        for p in (tmp / "out").rglob("*")
        if p.is_file() and p.suffix in (".log", ".json")
    )
    per_process = sorted(sampler.peak_kb.values(), reverse=True)
    # exact, unlike the 0.1 s samples: the largest peak of any process waited for so far
    # (the crawl process and its cleaning processes; this bench starts no other)
    exact_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        f"hostile site: {wall:.1f} s wall (bound {bound:.0f} s: DOWNLOAD_TIMEOUT "
        f"{args.download_timeout:g} s x {RETRY_TIMES + 1} attempts + 40 s), "
        f"{cpu:.1f} s CPU (crawl process tree)"
    )
    print(
        f"  peak RSS: {sampler.peak_tree_kb / 1024:.0f} MB crawl process tree summed "
        f"(bound {RSS_BOUND_MB} MB), {sampler.peak_root_kb / 1024:.0f} MB crawl process; per "
        f"process: {', '.join(f'{k / 1024:.0f}' for k in per_process)} MB "
        f"(bound {RSS_PROCESS_BOUND_MB} MB each; exact peak of the largest, from "
        f"getrusage: {exact_kb / 1024:.0f} MB)"
    )
    print(
        f"  good articles written: {len(got & want)}/{len(want)}, other records: "
        f"{len(got - want)}; trap connections: {trap_seen}; XXE secret in log/summary: "
        f"{'YES' if leaked else 'no'}"
    )
    print(f"  guarded: {json.dumps(summary['guarded'])}")
    print(f"  dropped: {json.dumps(summary['dropped'])}, skipped: {json.dumps(summary['skipped'])}")
    ok = (
        wall < bound
        and sampler.peak_tree_kb / 1024 < RSS_BOUND_MB
        and exact_kb / 1024 < RSS_PROCESS_BOUND_MB
        and got == want
        and trap_seen == 0
        and not leaked
    )

    with NewsSite(articles=len(want)) as news:
        wall_n, cpu_n, sampler_n = crawl([news.base + "/"], tmp / "news", args)
    print(
        f"clean news site, {len(want)} articles, for comparison: {wall_n:.1f} s wall, "
        f"{cpu_n:.1f} s CPU, peak RSS {sampler_n.peak_tree_kb / 1024:.0f} MB tree, "
        f"{sampler_n.peak_root_kb / 1024:.0f} MB crawl process"
    )
    print("within bounds: " + ("yes" if ok else "NO"))
    if not ok:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
