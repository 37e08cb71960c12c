"""``newsclean crawl``: crawl news sites into a Parquet dataset, safely from cron.

One run: take the lock of OUTDIR (a second run exits at once with code 75),
reconcile the state with the part files a killed run may have left, crawl with
Scrapy (logging to ``OUTDIR/crawl.log``), then print one summary line on stderr
and save the summary as JSON (``OUTDIR/runs/*.json`` and ``OUTDIR/last-run.json``).
"""

from __future__ import annotations

import argparse
import fcntl
import json
import logging
import os
import shutil
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from cleaning.rules import RuleError
from pipelines.crawl.sites import (
    Site,
    SitesError,
    check_redis_url,
    load_sites_file,
    sites_from_sources,
)
from pipelines.crawl.state import STATE_DIR, CrawlState

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED = 0, 1, 2, 75  # 75 = EX_TEMPFAIL: try later
# The Scrapy project, named as scrapy.cfg names it: Scrapy loads the settings module and,
# through its SPIDER_MODULES, the spider by name. This is the one place pipelines names
# crawler code, and it does not import it (tests/test_layers.py holds that).
SCRAPY_SETTINGS_MODULE = "crawler.settings"
SPIDER_NAME = "news"
DEFAULT_CONTACT = "https://github.com/newsclean/newsclean"


EPILOG = """\
exit codes: 0 done (or stopped by SIGTERM/Ctrl-C after flushing), 1 the crawl failed or
every site blocked us, 2 bad arguments, sites file or rule file, 75 another crawl holds
OUTDIR's lock (try later).  Output: OUTDIR/crawl_date=YYYY-MM-DD/part-*.parquet,
OUTDIR/warc/*.warc.gz, OUTDIR/crawl.log, OUTDIR/last-run.json and OUTDIR/runs/*.json,
state in OUTDIR/.newsclean/ (keep it between runs: it is what makes runs incremental).
"""


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``newsclean crawl``."""
    p.epilog = EPILOG
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.add_argument(
        "sources",
        nargs="*",
        metavar="SOURCE",
        help="site root, sitemap (index), Google News sitemap or RSS/Atom feed URL",
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="OUTDIR",
        help="dataset folder: crawl_date=*/part-*.parquet, warc/, state, log, summary",
    )
    p.add_argument(
        "--sites",
        type=Path,
        metavar="FILE",
        help="sites TOML: sources, allow/deny patterns, rule profile, max age, politeness",
    )
    p.add_argument(
        "--contact",
        metavar="URL",
        help="contact URL or e-mail put in the User-Agent so site owners can reach you",
    )
    p.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="FILE",
        help="extra rule file for SOURCE sites; may be repeated",
    )
    p.add_argument(
        "--disable-rule",
        action="append",
        default=[],
        metavar="ID",
        help="turn off a rule by id for SOURCE sites; may be repeated",
    )
    p.add_argument(
        "--max-age-days",
        type=float,
        metavar="DAYS",
        help="skip sitemap/feed entries dated older than this (SOURCE sites)",
    )
    p.add_argument(
        "-j", "--jobs", type=int, default=0, help="cleaning processes (default: one per core)"
    )
    p.add_argument(
        "--per-domain", type=int, metavar="N", help="parallel requests per host (default 4)"
    )
    p.add_argument(
        "--delay",
        type=float,
        metavar="SECONDS",
        help="minimum delay between requests to one host (default 0.25; "
        "robots.txt Crawl-delay wins when larger)",
    )
    p.add_argument("--no-warc", action="store_true", help="do not archive responses as WARC")
    p.add_argument(
        "--redis",
        metavar="URL",
        help="share the crawl with other processes (on any host) through Redis at "
        "redis://HOST:PORT/DB: one request queue, dupefilter, done state and per-host "
        "politeness; each process keeps its own OUTDIR (also: redis = URL in the sites file)",
    )
    p.add_argument(
        "--drop-duplicates",
        action="store_true",
        help="leave exact and near-duplicates of earlier articles out of the dataset",
    )
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy or NEWSCLEAN_* setting; may be repeated",
    )
    p.add_argument("--log-level", default="INFO", help="level of OUTDIR/crawl.log (default INFO)")


def _error(msg: str) -> None:
    print(f"newsclean crawl: {msg}", file=sys.stderr)


def _take_lock(outdir: Path) -> IO[str] | None:
    """The run lock of ``outdir``, held until the process exits; None if another run holds it."""
    path = outdir / STATE_DIR / "crawl.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held for the life of the run
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip() or "?"
        fh.close()
        _error(f"another crawl (pid {holder}) is running in {outdir}; exiting (code {EXIT_LOCKED})")
        return None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def _parse_sets(values: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SitesError(f"--set {item!r}: expected NAME=VALUE")
        try:
            out[name] = json.loads(value)
        except ValueError:
            out[name] = value
    return out


def _settings(args: argparse.Namespace, sites: list[Site]) -> Any:
    from scrapy.settings import Settings

    settings = Settings()
    settings.setmodule(SCRAPY_SETTINGS_MODULE, priority="project")
    outdir = args.output.resolve()
    contact = args.contact or DEFAULT_CONTACT
    settings.set("USER_AGENT", f"newsclean/0.1 (+{contact})", priority="cmdline")
    settings.set("NEWSCLEAN_OUTDIR", str(outdir), priority="cmdline")
    settings.set("LOG_FILE", str(outdir / "crawl.log"), priority="cmdline")
    if args.redis_url:
        # One queue, dupefilter and done state for every process, in Redis.
        for name, value in settings.getdict("NEWSCLEAN_REDIS_SETTINGS").items():
            settings.set(name, value, priority="cmdline")
        from pipelines.crawl.redis_state import DUPEFILTER_KEY, QUEUE_KEY, file_tag

        settings.set("REDIS_URL", args.redis_url, priority="cmdline")
        settings.set("SCHEDULER_QUEUE_KEY", QUEUE_KEY, priority="cmdline")
        settings.set("SCHEDULER_DUPEFILTER_KEY", DUPEFILTER_KEY, priority="cmdline")
        settings.set("NEWSCLEAN_FILE_TAG", file_tag(), priority="cmdline")
        settings.set("NEWSCLEAN_DEDUP_REDIS", args.redis_url, priority="cmdline")
    else:
        # Requests wait in Scrapy's disk queues, so a first run over a site with 100,000s
        # of sitemap entries does not hold them all in memory.  The queue is per run: what
        # a killed run had not fetched is still 'pending' in the crawl state.
        queue = outdir / STATE_DIR / "queue"
        shutil.rmtree(queue, ignore_errors=True)
        settings.set("JOBDIR", str(queue), priority="cmdline")
    settings.set("LOG_LEVEL", args.log_level.upper(), priority="cmdline")
    if args.jobs:
        settings.set("NEWSCLEAN_WORKERS", args.jobs, priority="cmdline")
    if args.per_domain:
        settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", args.per_domain, priority="cmdline")
    if args.delay is not None:
        settings.set("DOWNLOAD_DELAY", args.delay, priority="cmdline")
    if args.no_warc:
        settings.set("NEWSCLEAN_WARC", False, priority="cmdline")
    if args.drop_duplicates:
        settings.set("NEWSCLEAN_DROP_DUPLICATES", True, priority="cmdline")
    slots: dict[str, dict[str, Any]] = {}
    floors: dict[str, float] = {}
    for site in sites:
        for host in site.hosts:
            if site.concurrency:
                slots.setdefault(host, {})["concurrency"] = site.concurrency
            if site.download_delay is not None:
                slots.setdefault(host, {})["delay"] = site.download_delay
                floors[host] = site.download_delay
    settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")
    # the only names crawler.resolver lets resolve to a private address (an intranet source)
    settings.set("NEWSCLEAN_SOURCE_HOSTS", sorted({h for s in sites for h in s.hosts}), priority="cmdline")
    settings.set("NEWSCLEAN_HOST_DELAYS", floors, priority="cmdline")
    for name, value in _parse_sets(args.set).items():
        settings.set(name, value, priority="cmdline")
    return settings


def _summary(
    stats: dict[str, Any], started: float, reconciled: int, state: CrawlState
) -> dict[str, Any]:
    def prefixed(prefix: str) -> dict[str, Any]:
        return {k[len(prefix) :]: v for k, v in sorted(stats.items()) if k.startswith(prefix)}

    errors = prefixed("newsclean/errors/")
    for host, n in prefixed("newsclean/source_errors/").items():
        errors[host] = errors.get(host, 0) + n
    refusals: dict[str, int] = {}
    for key, n in stats.items():
        if key.startswith("newsclean/http_4"):
            host = key.split("/", 2)[2]
            refusals[host] = refusals.get(host, 0) + n
    return {
        "started": datetime.fromtimestamp(started, timezone.utc).isoformat(),
        "seconds": round(time.time() - started, 2),
        "finish_reason": stats.get("finish_reason"),
        "requests": stats.get("downloader/request_count", 0),
        "sources_fetched": stats.get("newsclean/sources_fetched", 0),
        "sources_unchanged": stats.get("newsclean/sources_unchanged", 0),
        "pages_fetched": stats.get("newsclean/pages_fetched", 0),
        "articles_written": stats.get("newsclean/articles_written", 0),
        "parts_written": stats.get("newsclean/parts_written", 0),
        "dropped": prefixed("newsclean/dropped/"),
        "gone": stats.get("newsclean/gone", 0),
        "skipped": {
            "done_before": stats.get("newsclean/skipped_done", 0),
            "too_old": stats.get("newsclean/skipped_too_old", 0),
            "not_allowed": stats.get("newsclean/skipped_not_allowed", 0),
            "robots_txt": stats.get("robotstxt/forbidden", 0),
        },
        # what the guards against hostile sites stopped, by reason (README "Security")
        "guarded": prefixed("newsclean/guard/"),
        "errors_by_domain": errors,
        "refusals_by_domain": refusals,  # 403/429 answers
        "backoffs_by_domain": prefixed("newsclean/backoffs/"),  # 429/5xx answers
        "blocked_domains": prefixed("newsclean/blocked/"),
        "duplicates": {
            "exact": stats.get("newsclean/duplicates/exact", 0),
            "near": stats.get("newsclean/duplicates/near", 0),
            "left_out": stats.get("newsclean/duplicates/left_out", 0),
            "repointed": stats.get("newsclean/duplicates/repointed", 0),
        },
        "reconciled_rows": reconciled,
        "state": state.counts(),
    }


def _human(summary: dict[str, Any], path: Path) -> str:
    dropped = summary["dropped"]
    drop_txt = ", ".join(f"{k} {v}" for k, v in sorted(dropped.items())) or "none"
    errors = sum(summary["errors_by_domain"].values())
    blocked = ", ".join(summary["blocked_domains"]) or "none"
    guarded = summary["guarded"]
    guard_txt = (
        f"{sum(guarded.values())} refused or cut ("
        + ", ".join(f"{k} {v}" for k, v in guarded.items())
        + "), "
        if guarded
        else ""
    )
    dups = summary["duplicates"]
    return (
        f"newsclean crawl: {summary['pages_fetched']} pages fetched, "
        f"{summary['articles_written']} articles written, "
        f"{dups['exact'] + dups['near']} duplicates ({dups['exact']} exact, {dups['near']} near), "
        f"{sum(dropped.values())} dropped ({drop_txt}), "
        f"{summary['skipped']['done_before']} already done, {guard_txt}{errors} errors, "
        f"blocked: {blocked}; {summary['seconds']:.1f} s "
        f"[{summary['finish_reason']}]; summary: {path}"
    )


def run(args: argparse.Namespace) -> int:
    """Run one crawl; returns the exit code (0 ok, 1 failed, 2 bad usage, 75 locked)."""
    try:
        sites: list[Site] = []
        file_redis: str | None = None
        if args.sites:
            file_sites, file_redis = load_sites_file(args.sites)
            sites.extend(file_sites)
        if args.sources:
            sites.extend(
                sites_from_sources(
                    args.sources,
                    rules=args.rules,
                    disable_rules=args.disable_rule,
                    max_age_days=args.max_age_days,
                )
            )
        if not sites:
            _error("give at least one SOURCE URL or --sites FILE")
            return EXIT_USAGE
        _parse_sets(args.set)
        args.redis_url = check_redis_url(args.redis, "--redis") if args.redis else file_redis
    except SitesError as exc:
        _error(str(exc))
        return EXIT_USAGE
    outdir: Path = args.output
    outdir.mkdir(parents=True, exist_ok=True)
    lock = _take_lock(outdir)
    if lock is None:
        return EXIT_LOCKED
    try:
        return _crawl(args, sites, outdir)
    except RuleError as exc:
        _error(f"rule error: {exc}")
        return EXIT_USAGE
    finally:
        lock.close()


def _rotate_log(path: Path, max_bytes: int = 20 << 20, keep: int = 3) -> None:
    """Runs from cron append to one log; past ``max_bytes`` it moves to crawl.log.1 (.2, ...)."""
    try:
        if path.stat().st_size < max_bytes:
            return
    except FileNotFoundError:
        return
    for i in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{i}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{i + 1}"))
    path.replace(path.with_name(f"{path.name}.1"))


def _crawl(args: argparse.Namespace, sites: list[Site], outdir: Path) -> int:
    from pipelines.rulefiles import load_ruleset

    # Fail on a bad rule file now, with a clear message, not in a worker mid-crawl.
    for profile in {s.profile for s in sites}:
        load_ruleset(profile[0], profile[1])

    from scrapy.crawler import CrawlerProcess

    started = time.time()
    _rotate_log(outdir / "crawl.log")
    if not args.contact:
        logging.getLogger("newsclean.crawl").warning(
            "no --contact given: the User-Agent names the project, not you"
        )
    if args.redis_url:
        try:
            import scrapy_redis  # noqa: F401

            import pipelines.crawl.redis_state  # noqa: F401 - redis and scrapy-redis there?
        except ImportError as exc:
            _error(f"--redis needs the redis and scrapy-redis packages ({exc}); "
                   "pip install scrapy-redis")
            return EXIT_FAILED
    settings = _settings(args, sites)
    if args.redis_url:
        shared = _shared_state(outdir, args.redis_url, settings)
        if shared is None:
            return EXIT_FAILED
        state: CrawlState = shared
    else:
        state = CrawlState.for_outdir(outdir)
    redis_errors: tuple[type[Exception], ...] = ()
    if args.redis_url:
        import redis

        redis_errors = (redis.RedisError,)
    try:
        try:
            reconciled = state.reconcile(outdir)
            if args.redis_url:
                shared.publish_local()
                shared.join()
        except redis_errors as exc:
            _error(_redis_failed(args.redis_url, exc))
            return EXIT_FAILED
        process = CrawlerProcess(settings)
        crawler = process.create_crawler(SPIDER_NAME)  # as `scrapy crawl news` finds it
        process.crawl(crawler, sites=sites, crawl_state=state)
        process.start()
        stats = crawler.stats.get_stats() if crawler.stats else {}
        summary = _summary(stats, started, reconciled, state)
        if args.redis_url:
            summary["shared"] = {
                "redis": args.redis_url,
                "process": shared.member,
                "started_the_run": shared.first,
                "requeued_from_stopped_processes": stats.get("newsclean/requeued_from_dead", 0),
            }
    finally:
        state.close()
    runs = outdir / "runs"
    runs.mkdir(exist_ok=True)
    stamp = datetime.fromtimestamp(started, timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = runs / f"crawl-{stamp}.json"
    text = json.dumps(summary, indent=2, default=str)
    path.write_text(text, encoding="utf-8")
    (outdir / "last-run.json").write_text(text, encoding="utf-8")
    print(_human(summary, path), file=sys.stderr)
    if args.redis_url and shared.lost:
        _error(_redis_failed(args.redis_url, shared.lost))
        return EXIT_FAILED
    if summary["finish_reason"] not in ("finished", "shutdown"):
        return EXIT_FAILED
    hosts = {h for s in sites for h in s.hosts}
    if hosts and hosts <= set(summary["blocked_domains"]):
        return EXIT_FAILED  # every site refused us: cron should notice
    return EXIT_OK


def _redis_failed(url: str, exc: object) -> str:
    import redis

    kept = "what this process wrote is kept, its unfinished pages are fetched again"
    if isinstance(exc, redis.RedisError) and not isinstance(
        exc, (redis.ConnectionError, redis.TimeoutError)
    ):  # it answered, with an error
        return (
            f"Redis at {url} refused a command ({exc}); use a redis-server that runs Lua "
            f"scripts (EVAL, EVALSHA) and has memory to spare, then run again: {kept}"
        )
    return (
        f"Redis at {url} stopped answering ({exc}); check that redis-server is running and "
        f"reachable there, then run again: {kept}"
    )


def _shared_state(outdir: Path, url: str, settings: Any) -> Any:
    """The Redis state of a shared crawl, or None (after a one-line error)."""
    from pipelines.crawl.redis_state import RedisCrawlState, RedisStateError

    try:
        return RedisCrawlState(outdir, url, ttl=settings.getfloat("NEWSCLEAN_REDIS_TTL", 60.0))
    except RedisStateError as exc:
        _error(f"{exc}; start redis-server there or fix --redis")
        return None


def main(argv: list[str] | None = None) -> int:
    """Entry point for ``python -m pipelines.crawl.run`` (same options as ``newsclean crawl``)."""
    parser = argparse.ArgumentParser(prog="newsclean crawl", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
