"""`newsclean crawl --redis`: several crawl processes, one crawl, against a real redis-server.

Each process has its own OUTDIR, as on separate hosts; the local news site
(tests/newssite) records every request, so the tests see what was fetched by whom
in total.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.newssite.server import NewsSite, slug
from tests.test_crawl_e2e import _wait_for, article_requests, crawl, crawl_cmd, rows
from tests.test_crawl_parts import LOOPS_COUNTED, redirect_loops_counted

# A process taken for dead 3 s after its last heartbeat (the default is 60 s).
SHARED = ["-s", "NEWSCLEAN_REDIS_TTL=3", "-s", "NEWSCLEAN_REDIS_POLL=0.3", "-j", "1"]


def start(site: NewsSite, out: Path, url: str, *extra: str) -> subprocess.Popen[str]:
    cmd = crawl_cmd(site.base + "/", "-o", str(out), "--redis", url, *SHARED, *extra)
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def finish(proc: subprocess.Popen[str], timeout: float = 120) -> None:
    _, stderr = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, stderr


def all_rows(*outs: Path) -> list[dict]:
    return [r for out in outs for r in rows(out)]


def written_paths(*outs: Path) -> list[str]:
    return sorted(urlsplit(r["url"]).path for r in all_rows(*outs))


def test_two_processes_write_every_article_once_and_fetch_no_page_twice(
    redis_url: str, tmp_path: Path
) -> None:
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=30, page_delay=0.02) as site:
        procs = [start(site, out, redis_url) for out in outs]
        for proc in procs:
            finish(proc)
        assert written_paths(*outs) == sorted(site.article_paths())  # each article once
        written = all_rows(*outs)
        assert len({r["id"] for r in written}) == len(written)
        # no page fetched twice: robots.txt is read by each process, the 500 is retried once
        counts = Counter(site.paths())
        assert counts.pop("/robots.txt") <= 2
        assert counts.pop(f"/news/{slug(site.n + 2)}") == 2
        assert max(counts.values()) == 1, [p for p, n in counts.items() if n > 1]
        # The Crawl-delay (0.1 s) holds for the host, not per process: any 21 article
        # requests in a row span at least 2 s, less 10 % (0.2 s) for the times at which a
        # loaded machine lets the processes send and the site note a request; two
        # processes pacing themselves alone would take 1 s.  (Over 11 requests the same
        # 10 % left 0.1 s, less than one process's wait for the CPU at a load of 10.)
        times = sorted(t for t, p in site.times if p.startswith("/news/"))
        assert len(times) > 21
        assert min(b - a for a, b in zip(times, times[20:], strict=False)) >= 1.8
        # each process wrote its own part files, named after host and pid
        summaries = [json.loads((out / "last-run.json").read_text()) for out in outs]
        assert sum(s["articles_written"] for s in summaries) == len(written)
        assert sum(s["shared"]["started_the_run"] for s in summaries) == 1
        for out, summary in zip(outs, summaries, strict=True):
            host, pid = summary["shared"]["process"].rsplit("-", 2)[:2]
            assert all(p.name.startswith(f"part-{host}-{pid}-") for p in out.glob("crawl_date=*/*"))
        # the done state is shared: the process that ended last counts what both wrote
        assert max(s["state"]["done"] for s in summaries) >= len(written)

        # second run of both: sources answer 304, no article page is fetched again
        before = len(site.paths())
        procs = [start(site, out, redis_url) for out in outs]
        for proc in procs:
            finish(proc)
        assert article_requests(site, before) == []
        assert len(all_rows(*outs)) == len(written)

        # the site publishes more: only the new articles are fetched, once (one host this time)
        old = site.article_paths()
        site.grow(5)
        before = len(site.paths())
        finish(start(site, outs[1], redis_url))
        fetched = Counter(p for p in article_requests(site, before) if p.startswith("/news/"))
        assert set(fetched) == site.article_paths() - old
        assert fetched.pop(f"/news/{slug(site.n + 2)}") == 2  # the new page that fails once
        assert set(fetched.values()) == {1}
        assert written_paths(*outs) == sorted(site.article_paths())


def test_a_killed_process_loses_nothing(redis_url: str, tmp_path: Path) -> None:
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=40) as site:
        # the site answers 8 article requests, then holds the rest until the first process
        # is killed: it cannot finish before the second joins, however slow the machine
        site._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        release = site.hold_articles(after=8)
        first = start(site, outs[0], redis_url, "-s", "NEWSCLEAN_BATCH_ROWS=3")
        second = None
        try:
            _wait_for(lambda: len(rows(outs[0])) >= 3, timeout=60)
            second = start(site, outs[1], redis_url)
            log = outs[1] / "crawl.log"
            _wait_for(lambda: log.exists() and "Spider opened" in log.read_text(), timeout=60)
            assert first.poll() is None, "the first process ended before the second joined"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait(timeout=10)
            release.set()
        assert second is not None
        partial = written_paths(outs[0])
        assert 3 <= len(partial) < len(site.article_paths())
        finish(second)  # the survivor takes over the killed process's requests
        assert written_paths(*outs) == sorted(site.article_paths())
        summary = json.loads((outs[1] / "last-run.json").read_text())
        assert summary["shared"]["requeued_from_stopped_processes"] > 0

        # the killed host runs again, Redis named in its sites file this time: nothing is
        # missing, so no article is fetched
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'redis = "{redis_url}"\n[[site]]\nname = "127.0.0.1"\nsources = ["{site.base}/"]\n',
            encoding="utf-8",
        )
        before = len(site.paths())
        again = subprocess.run(
            crawl_cmd("--sites", str(sites), "-o", str(outs[0]), *SHARED),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0, again.stderr
        assert json.loads((outs[0] / "last-run.json").read_text())["shared"]["redis"] == redis_url
        assert article_requests(site, before) == []
        written = all_rows(*outs)
        assert written_paths(*outs) == sorted(site.article_paths())
        assert len({r["id"] for r in written}) == len(written)


def test_the_shared_dupefilter_counts_redirect_loops_as_the_local_one(redis_url: str) -> None:
    import redis

    from crawler.distributed import CanonicalDupeFilter

    def make(crawler):  # type: ignore[no-untyped-def]
        df = CanonicalDupeFilter(redis.Redis.from_url(redis_url), key="test:dupefilter")
        df.fingerprinter = crawler.request_fingerprinter
        return df

    assert redirect_loops_counted(make) == LOOPS_COUNTED


def test_redis_url_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from pipelines.crawl.run import main

    sites = tmp_path / "sites.toml"
    sites.write_text(
        'redis = "http://127.0.0.1:1/0"\n[[site]]\nname = "x"\nsources = ["http://127.0.0.1:1/"]\n',
        encoding="utf-8",
    )
    assert main(["--sites", str(sites), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.strip().endswith("is not a redis://HOST:PORT/DB URL")
    down = ["http://127.0.0.1:1/", "-o", str(tmp_path / "out"), "--redis", "redis://127.0.0.1:1/0"]
    assert main([*down, "--contact", "https://example.org/c"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot use Redis at redis://127.0.0.1:1/0" in err[0]


def test_without_redis_nothing_imports_it_and_the_outdir_can_switch(
    redis_url: str, tmp_path: Path
) -> None:
    # Packages named redis and scrapy_redis that fail on import come first on the path:
    # the local crawl (SQLite state, Scrapy's scheduler) must not touch them.
    for name in ("redis", "scrapy_redis"):
        (tmp_path / "shadow" / name).mkdir(parents=True)
        (tmp_path / "shadow" / name / "__init__.py").write_text(
            f"raise ImportError('{name} imported without --redis')\n", encoding="utf-8"
        )
    env = {**os.environ, "PYTHONPATH": f"{tmp_path / 'shadow'}{os.pathsep}{ROOT}"}
    out = tmp_path / "out"
    with NewsSite(articles=3) as site:
        result = subprocess.run(
            crawl_cmd(site.base + "/", "-o", str(out)),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
            env=env,
        )
        assert result.returncode == 0, result.stderr
        assert written_paths(out) == sorted(site.article_paths())
        assert "shared" not in json.loads((out / "last-run.json").read_text())

        # the same OUTDIR joins a shared crawl: what its local runs wrote is not fetched again
        before = len(site.paths())
        finish(start(site, out, redis_url))
        assert article_requests(site, before) == []
        assert written_paths(out) == sorted(site.article_paths())


def test_the_shared_download_handler_keeps_as_many_connections_as_the_local_one() -> None:
    # The --redis handler (the shared per-host turns) downloads through the local crawl's
    # pool (crawler/handlers.py): a host's idle connections are kept up to twice its
    # concurrency, not up to Scrapy's CONCURRENT_REQUESTS_PER_DOMAIN (a new connection for
    # about one request in three when every slot is busy; see test_crawl_e2e's
    # test_a_host_gets_few_connections_kept_open).  In a process of its own: the handlers
    # want the crawl's reactor installed.
    from crawler import settings as crawl_settings

    handlers = crawl_settings.NEWSCLEAN_REDIS_SETTINGS["DOWNLOAD_HANDLERS"]
    assert handlers["http"] == handlers["https"] == "crawler.distributed.SharedPoliteHTTP"
    script = """
from scrapy.utils.reactor import install_reactor
install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")
from scrapy.utils.misc import build_from_crawler
from scrapy.utils.test import get_crawler
from crawler.distributed import SharedPoliteHTTP
from crawler.handlers import PooledHTTPDownloadHandler
settings = {"CONCURRENT_REQUESTS_PER_DOMAIN": 4, "DOWNLOAD_SLOTS": {"a.example": {"concurrency": 6}}}
for cls in (PooledHTTPDownloadHandler, SharedPoliteHTTP):
    print(build_from_crawler(cls, get_crawler(settings_dict=settings))._pool.maxPersistentPerHost)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["12", "12"]  # twice the largest concurrency, both


def test_copies_fetched_by_two_processes_point_at_the_earliest_record(
    redis_url: str, tmp_path: Path
) -> None:
    # Eight stories run three times each: on the site, as its print version (another
    # URL and furniture) and as a wire copy on a second host.  The two processes share the
    # pages at random, so most copies are written by the process that did not write the
    # original: only a duplicate index both see can mark them.
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=24, copies=8) as site:
        sources = [site.base + "/", site.wire_base + "/sitemap.xml"]

        def both(hold: bool = False) -> None:
            # the site answers 4 article requests, then holds the rest until both processes
            # have opened their spider: one cannot crawl everything before the other starts
            release = site.hold_articles(after=4) if hold else None
            procs = [
                subprocess.Popen(
                    crawl_cmd(
                        *sources,
                        "-o",
                        str(out),
                        "--redis",
                        redis_url,
                        *SHARED,
                        "-s",
                        "NEWSCLEAN_BATCH_ROWS=4",
                    ),
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.PIPE,
                    text=True,
                )
                for out in outs
            ]
            try:
                if release is not None:
                    logs = [out / "crawl.log" for out in outs]
                    _wait_for(
                        lambda: all(
                            log.exists() and "Spider opened" in log.read_text() for log in logs
                        ),
                        timeout=90,
                    )
            finally:
                if release is not None:
                    release.set()
            for proc in procs:
                finish(proc)

        both(hold=True)
        copies = site.copy_urls()
        written = all_rows(*outs)
        urls = sorted(r["url"] for r in written)
        assert urls == sorted([site.base + p for p in site.article_paths()] + list(copies))
        assert len({r["id"] for r in written}) == len(written)  # every article once
        by_host = [{r["url"] for r in rows(out)} for out in outs]
        assert all(by_host), "one process wrote everything: the test shows nothing"

        # A copy written before its original was re-pointed in the index; the process that
        # wrote it rewrites its row at its next run (which fetches no article again).
        before = len(site.paths())
        both()
        assert article_requests(site, before) == []
        written = all_rows(*outs)
        id_of = {r["url"]: r["id"] for r in written}
        marked = {r["url"]: r["duplicate_of"] for r in written if r["duplicate_of"]}
        by_id = {r["id"]: r for r in written}

        def root(url: str) -> str:
            row = by_id[id_of[url]]
            return row["duplicate_of"] or row["id"]

        # each copy is marked, in the cluster of its original (the site's own stories i and
        # i + 10 differ in their numbers only, so they are near-duplicates too)
        assert set(copies) <= set(marked)
        assert all(root(copy) == root(original) for copy, original in copies.items())

        # and points at the earliest record of its cluster: by published, then fetched_at
        def order(row: dict) -> tuple:
            return (row["published"], row["fetched_at"], row["id"])

        for url, target in marked.items():
            assert by_id[target]["duplicate_of"] is None
            assert order(by_id[target]) <= order(by_id[id_of[url]])
        # and some copy sits in the other OUTDIR than its original
        assert any(
            (copy in by_host[0]) != (original in by_host[0]) for copy, original in copies.items()
        )


def test_a_redis_server_that_stops_mid_crawl_ends_the_crawl_with_one_line(tmp_path: Path) -> None:
    import redis

    from tests.redis_server import RedisServer

    out = tmp_path / "out"
    with NewsSite(articles=60, page_delay=0.05) as site, RedisServer() as url:
        proc = start(site, out, url, "-s", "NEWSCLEAN_BATCH_ROWS=3")
        _wait_for(lambda: len(article_requests(site)) >= 5, timeout=60)
        with contextlib.suppress(redis.ConnectionError):  # the server closes it as it exits
            redis.Redis.from_url(url).shutdown(nosave=True)
        _, stderr = proc.communicate(timeout=90)  # before: retried for ever
    assert proc.returncode == 1
    assert "Traceback" not in stderr, stderr
    last = stderr.strip().splitlines()[-1]
    assert f"Redis at {url} stopped answering" in last and "run again" in last


def test_a_redis_that_fails_at_start_up_is_one_line(tmp_path: Path) -> None:
    """A server that answers the first ping but not the crawl's scripts: the start-up steps
    (publishing an OUTDIR's local state, joining) end with one line, no traceback."""
    from tests.redis_server import RedisServer

    no_scripts = ("--rename-command", "EVALSHA", "", "--rename-command", "EVAL", "")
    local, fresh = tmp_path / "was-local", tmp_path / "fresh"
    with NewsSite(articles=4) as site, RedisServer(*no_scripts) as url:
        assert crawl(site.base + "/", "-o", str(local)).returncode == 0
        for out in (local, fresh):  # publish_local fails first, then join
            proc = start(site, out, url)
            _, stderr = proc.communicate(timeout=90)
            assert proc.returncode == 1
            assert "Traceback" not in stderr, stderr
            (line,) = [x for x in stderr.splitlines() if x.strip()]
            assert f"Redis at {url} refused a command" in line and "EVAL" in line
            assert "run again" in line
        assert article_requests(site) and not any(fresh.rglob("*.parquet"))


def test_a_429_backs_off_the_host_for_every_process(redis_url: str, tmp_path: Path) -> None:
    """One process gets a 429 (Retry-After: 2 s): the other one, which never saw it, sends
    nothing to the host for those two seconds either; every article is still written once."""
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=24, page_delay=0.02, busy_at=8) as site:
        procs = [start(site, out, redis_url) for out in outs]
        for proc in procs:
            finish(proc)
        assert site.busy_answered is not None
        after = [t for t, p in site.times if p.startswith("/news/") and t > site.busy_answered]
        # no process sends the host anything during the Retry-After (less 0.1 s for the
        # server's timestamps on a loaded machine) but a request already on its way when
        # the 429 was answered, at most one a process at the Crawl-delay's pace; alone, the
        # other process would have gone on at that pace (0.1 s: about 19 requests)
        early = [t for t in after if t - site.busy_answered < 1.9]
        assert len(early) <= len(procs), early
        assert any(t - site.busy_answered >= 1.9 for t in after)
        assert written_paths(*outs) == sorted(site.article_paths())
        summaries = [json.loads((out / "last-run.json").read_text()) for out in outs]
        host = urlsplit(site.base).hostname
        assert sum(s["backoffs_by_domain"].get(f"{host}", 0) for s in summaries) >= 1


def test_the_shared_back_off_and_block_of_a_host(redis_url: str, tmp_path: Path) -> None:
    from pipelines.crawl.redis_state import RedisCrawlState

    a = RedisCrawlState(tmp_path / "a", redis_url)
    b = RedisCrawlState(tmp_path / "b", redis_url)
    assert b.take_turn("h.test", "1", 4, 0.0, 60)[0] == 0  # no back-off: goes at once
    b.release_host("h.test", "1")
    assert a.back_off("h.test", base=1.0, least=0.0, most=60) == 1.0
    assert a.back_off("h.test", base=1.0, least=0.0, most=60) == 2.0
    assert a.back_off("h.test", base=1.0, least=30.0, most=60) == 30.0  # a Retry-After
    asked = time.monotonic()
    assert a.back_off("h.test", base=1.0, least=0.0, most=40) == 40.0  # at most `most`
    wait, backoff, _ = b.take_turn("h.test", "2", 4, 0.0, 60)  # the other process waits too
    # 40 s from the back-off, less the time between the two calls (Redis counts whole ms)
    since = time.monotonic() - asked
    assert backoff == 40.0 and 40 - since - 0.002 <= wait <= 40
    assert b.take_turn("other.test", "3", 4, 0.0, 60) == (0, 0, 0)  # other hosts do not
    assert [b.recover("h.test", base=1.0) for _ in range(6)] == [20, 10, 5, 2.5, 1.25, 0]
    assert b.take_turn("h.test", "4", 4, 0.0, 60)[1] == 0
    b.release_host("h.test", "4")
    # refusals in a row count over processes; an accepted answer starts the streak again
    assert not a.refused("w.test", 403, 3) and not b.refused("w.test", 403, 3)
    assert b.take_turn("w.test", "5", 4, 0.0, 60) == (0, 0, 2)
    b.release_host("w.test", "5")
    a.accepted("w.test")
    assert [a.refused("w.test", 429, 3), b.refused("w.test", 403, 3)] == [False, False]
    assert b.refused("w.test", 403, 3) and a.blocked() == {"w.test": 403}
    assert a.take_turn("w.test", "6", 4, 0.0, 60) == (-1.0, 0.0, 0)
    # the next run (a process joining alone) starts with no host blocked, no streak
    assert a.join()
    assert a.blocked() == {} and a.take_turn("w.test", "7", 4, 0.0, 60) == (0, 0, 0)
    a.close()
    b.close()


def opened(out: Path) -> bool:
    """Whether the process writing to ``out`` has joined the crawl and opened its spider."""
    log = out / "crawl.log"
    return log.exists() and "Spider opened" in log.read_text()


def test_a_host_refusing_in_a_row_is_blocked_for_every_process(
    redis_url: str, tmp_path: Path
) -> None:
    """Six 403s in a row over both processes block the host for both: alone, each process
    would need its own six."""
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=30, refuse_articles=True) as site:
        # No article is answered before both processes are in the crawl: on a loaded
        # machine the first could otherwise be blocked and done before the second starts,
        # which would then begin a run of its own (and a streak of its own).
        release = site.hold_articles(after=0)
        try:
            procs = [start(site, out, redis_url, "-s", "NEWSCLEAN_BLOCK_STREAK=6") for out in outs]
            _wait_for(lambda: all(opened(out) for out in outs), timeout=90)
        finally:
            release.set()
        for proc in procs:
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 1, stderr  # every site blocked us: cron should notice
        refused = article_requests(site)
    summaries = [json.loads((out / "last-run.json").read_text()) for out in outs]
    assert sum(s["shared"]["started_the_run"] for s in summaries) == 1
    assert [s["blocked_domains"] for s in summaries] == [{"127.0.0.1": 403}] * 2
    assert sum(s["refusals_by_domain"].get("127.0.0.1", 0) for s in summaries) == len(refused)
    # requests already past their turn when the streak was reached may still arrive (at
    # most the host's 4 leases), no more
    assert 6 <= len(refused) <= 6 + 4
    assert all_rows(*outs) == []


def test_a_process_joining_while_a_host_refuses_does_not_restart_the_streak(
    redis_url: str, tmp_path: Path
) -> None:
    """A host has refused five requests of one process when a second joins: the second's
    robots.txt is answered (a bot wall may still serve it), and the streak goes on from
    five, so the host is blocked as soon as one process alone would have blocked it."""
    outs = [tmp_path / "host-a", tmp_path / "host-b"]
    with NewsSite(articles=30, refuse_articles=True) as site:
        # The site answers five article requests, and holds the next until the second
        # process has read robots.txt.  The first process sends one request to the host at
        # a time: its five refusals are counted before its sixth request reaches the site,
        # and the held request leaves the second process leases for its own.
        release = site.hold_articles(after=5)
        streak = ["-s", "NEWSCLEAN_BLOCK_STREAK=6"]
        procs = [start(site, outs[0], redis_url, *streak, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1",
                       "-s", "DOWNLOAD_TIMEOUT=90")]
        try:
            _wait_for(lambda: site.articles_served >= 6, timeout=90)
            assert len(article_requests(site)) == 6 and site.paths().count("/robots.txt") == 1
            procs.append(start(site, outs[1], redis_url, *streak))
            # the second process asks for an article only once its robots.txt is answered
            # and counted
            _wait_for(lambda: site.articles_served >= 7, timeout=90)
            assert site.paths().count("/robots.txt") == 2
        finally:
            release.set()
        for proc in procs:
            _, stderr = proc.communicate(timeout=120)
            assert proc.returncode == 1, stderr
        refused = article_requests(site)
    summaries = [json.loads((out / "last-run.json").read_text()) for out in outs]
    assert [s["shared"]["started_the_run"] for s in summaries] == [True, False]
    assert [s["blocked_domains"] for s in summaries] == [{"127.0.0.1": 403}] * 2
    # the five refusals before the second process joined, and the requests in progress
    # over both processes (at most the host's 4 leases) when the sixth blocked the host;
    # a streak started again by the robots.txt would have needed six more
    assert 6 <= len(refused) <= 5 + 4
    assert all_rows(*outs) == []
