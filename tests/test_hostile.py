"""The crawler against a hostile site (tests/hostilesite): bounded, nothing outside, nothing lost.

One real ``newsclean crawl`` (in a subprocess, as from cron) runs over two hostile sites
on 127.0.0.1 (the second one's robots.txt is 1 MB long) while a trap server on another
loopback port, named by the sitemaps, counts connections.  The tests check what a user
would: the run ends in time and within memory, every good article is written, the
trap and the local files named by the sitemaps are never touched, the XXE secret shows up
nowhere, and every guard's skip is counted by reason in ``last-run.json`` and on the
summary line.  The pure policy and the XML guards are also tested directly, and two
small crawls of the plain news site check the DNS guard (a name resolving to loopback,
with the URL guard off) and the cap on source requests per site.
"""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pyarrow.dataset as ds
import pytest

from crawler.discovery import parse_xml_source
from crawler.middlewares import own_endpoints, url_refusal
from crawler.resolver import non_public_address
from pipelines.crawl.sites import Site
from pipelines.crawl.state import CrawlState, url_key
from tests.conftest import ROOT
from tests.hostilesite.server import (
    BOMB_MB,
    MB,
    HostileSite,
    Trap,
    billion_laughs,
    gzip_bomb,
    rss,
    sitemap_index,
)
from tests.newssite.server import NewsSite

TIMEOUT = 5.0  # DOWNLOAD_TIMEOUT of the test run (the default is 30 s; short, not tight:
# a loaded machine must not time out the good pages)
RETRIES = 3  # RETRY_TIMES (default): a trickling page is tried 4 times
# The bounds this test holds the crawl to: every timed-out attempt plus 40 s for the rest
# (process start, cleaning, gzip bombs) on a loaded 2-core machine; and a peak RSS per
# process (crawl process or cleaning worker) under 400 MB, with 50 MiB sitemaps expanded.
TIME_BOUND = TIMEOUT * (RETRIES + 1) + 40
RSS_BOUND_MB = 400
SECRET = "XXE-SECRET-7f3a9c"

# Runs `newsclean crawl` and prints the peak RSS of any process of its tree (the crawl
# process and its cleaning workers, all waited for) as the last line of stderr.
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.call(sys.argv[1:])\n"
    "print('peak-rss-kb', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(rc)\n"
)


@dataclass
class Run:
    proc: subprocess.CompletedProcess[str]
    seconds: float
    peak_rss_mb: float
    out: Path
    site: HostileSite
    site2: HostileSite
    trap_connections: int
    requests: list[str]
    requests2: list[str]

    @property
    def summary(self) -> dict[str, Any]:
        return json.loads((self.out / "last-run.json").read_text())

    def rows(self) -> list[dict[str, Any]]:
        files = [p for p in self.out.glob("crawl_date=*/*.parquet") if not p.name.startswith(".")]
        return ds.dataset(files, format="parquet").to_table().to_pylist() if files else []


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    tmp = tmp_path_factory.mktemp("hostile")
    secret = tmp / "secret.txt"
    secret.write_text(SECRET + "\n")
    out = tmp / "out"
    with (
        Trap() as trap,
        HostileSite(trap.port, secret, tmp / "local-sitemap.xml") as site,
        HostileSite(
            trap.port, secret, tmp / "local2.xml", huge_robots=True, good=3, first_id=600
        ) as site2,
    ):
        cmd = [
            sys.executable,
            "-c",
            PEAK_RSS,
            sys.executable,
            "-m",
            "pipelines.cli",
            "crawl",
            site.base + "/",
            site2.base + "/",
            "-o",
            str(out),
            "-j",
            "1",
            "--contact",
            "https://example.org/crawler-contact",
            *("-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0"),
            *("-s", "NEWSCLEAN_BACKOFF_BASE=0.05", "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}"),
        ]
        start = time.monotonic()
        proc = subprocess.run(
            cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIME_BOUND + 60
        )
        seconds = time.monotonic() - start
        peak = int(proc.stderr.strip().splitlines()[-1].split()[-1]) / 1024
        yield Run(
            proc, seconds, peak, out, site, site2, trap.connections, site.paths(), site2.paths()
        )


def test_crawl_ends_within_its_time_and_memory_bounds(run: Run) -> None:
    assert run.proc.returncode == 0, run.proc.stderr[-3000:]
    assert run.summary["finish_reason"] == "finished"
    within = run.seconds < TIME_BOUND and run.peak_rss_mb < RSS_BOUND_MB
    assert within, f"{run.seconds:.1f} s, peak RSS {run.peak_rss_mb:.0f} MB"


def test_every_good_article_is_written_and_nothing_else(run: Run) -> None:
    rows = run.rows()
    got = sorted((urlsplit(r["url"]).port, urlsplit(r["url"]).path) for r in rows)
    want = sorted(
        [(run.site.port, p) for p in run.site.good_paths()]
        + [(run.site2.port, p) for p in run.site2.good_paths()]
    )
    assert got == want
    assert all(len(r["text"].split()) > 50 for r in rows)
    # the pages whose declared charset lies are read in the charset they are in
    for path in ("/news/charset-latin1", "/news/charset-utf8"):
        (text,) = [r["text"] for r in rows if r["url"].endswith(path)]
        assert "Caf\u00e9 society" in text


def test_nothing_outside_the_sites_own_http_urls_is_fetched(run: Run) -> None:
    assert run.trap_connections == 0  # other loopback port, [::1], localhost, ftp: on it
    assert "/leaked-via-file" not in run.requests  # listed only by the file:// sitemap
    assert not any(p.startswith("/private/") for p in run.requests)  # robots.txt
    assert not any(p.startswith("/news/xxe") for p in run.requests)
    # the endless calendar stops at NEWSCLEAN_SOURCE_DEPTH (3) below the sitemap index:
    # day 0, then 2, then 3 (one day is listed twice) indexes
    assert len([p for p in run.requests if p.startswith("/cal/")]) == 6
    assert run.requests.count("/sitemaps/self.xml") == 1  # the index that lists itself
    # REDIRECT_MAX_TIMES (5): the first request and five redirects
    assert len([p for p in run.requests if p.startswith("/redirect/")]) == 6
    assert run.requests.count("/loop/a") == 1 and run.requests.count("/loop/b") == 1
    # the looping page is dropped, as after too many redirects: no later run asks again
    state = CrawlState.for_outdir(run.out)
    try:
        assert state.status(url_key(f"{run.site.base}/loop/a")) == "dropped"
    finally:
        state.close()
    # of the 1 MB robots.txt the first 512 KiB count: its first Disallow line is obeyed,
    # the lines past the cut (disallow /news/, a Sitemap) are not
    assert run.requests2.count("/robots.txt") == 1
    assert "/news/blocked-early" not in run.requests2
    assert "/sitemaps/late.xml" not in run.requests2


def _readable(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".parquet":
        return json.dumps(ds.dataset(path).to_table().to_pylist(), default=str).encode()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    return data


def test_xxe_secret_appears_nowhere(run: Run) -> None:
    files = [p for p in run.out.rglob("*") if p.is_file() and not p.name.endswith(".sqlite")]
    assert any(p.name == "crawl.log" for p in files)
    for path in files:
        assert SECRET.encode() not in _readable(path), path
    assert SECRET not in run.proc.stderr
    assert not any(SECRET in p for p in run.requests)


def test_every_skip_is_counted_by_reason(run: Run) -> None:
    summary = run.summary
    assert summary["guarded"] == {
        # laughs.xml and xxe.xml declare entities
        "xml_entities": 2,
        # gzip bombs: sitemap (Content-Encoding), .xml.gz body, page; pages over
        # DOWNLOAD_MAXSIZE with and without Content-Length
        "too_large": 5,
        "robots_truncated": 1,  # the second site's 1 MB robots.txt, read up to 512 KiB
        "timeout": 1,  # the trickling page, after its retries
        "too_many_redirects": 1,  # /redirect/1 -> /redirect/2 -> ...
        "redirect_loop": 1,  # /loop/a -> /loop/b -> /loop/a
        "redirect_refused": 1,  # a page redirecting to file:///etc/passwd
        # ftp: and file: child sitemaps, an ftp: and a file: page, robots.txt's file:
        # Sitemap line
        "scheme": 5,
        # child sitemaps and pages on 10.x, 192.168.x, 169.254.169.254, [::1], localhost,
        # 127.0.0.1 and 127.0.0.2 on the trap's port (7 + 7); robots.txt's metadata Sitemap
        # line; redirects of a page and a sitemap to the metadata address and of a page to
        # the trap
        "private_address": 18,
        "source_too_deep": 6,  # the calendar's indexes at depth 4
        "unreadable": 1,  # the feed that is not XML
    }
    # a PDF and a PNG under .html names (declared), a PDF declared as text/html
    assert summary["dropped"] == {"not_html": 3}
    # the pages on other hosts and file:///etc/passwd in the sitemap are the guard's (one
    # rule for sources and pages): not_allowed is left to the sites' allow/deny patterns
    assert summary["skipped"]["not_allowed"] == 0
    assert summary["skipped"]["robots_txt"] == 2  # /private/, /news/blocked-early
    assert summary["errors_by_domain"] == {}
    line = run.proc.stderr.strip().splitlines()[-2]
    assert line.startswith("newsclean crawl:")
    assert f"{sum(summary['guarded'].values())} refused or cut (" in line
    assert "private_address 18" in line and "xml_entities 2" in line


# --- the guards on their own ----------------------------------------------------------------


def test_url_policy_allows_only_the_sites_own_http_urls() -> None:
    public = Site("example", ("https://www.example.com/",))
    local = Site("local", ("http://127.0.0.1:8001/",))
    sites = [public, local]
    own = own_endpoints(sites)

    def refusal(url: str, site: Site | None = public) -> str | None:
        return url_refusal(url, site, sites, own)

    assert refusal("https://www.example.com/news/a") is None
    assert refusal("http://sitemaps.example.com/news.xml") is None  # same registered domain
    assert refusal("http://127.0.0.1:8001/news/a", local) is None  # a source's own host:port
    assert refusal("http://127.0.0.1:8001/robots.txt", None) is None
    for url in (
        "file:///etc/passwd",
        "ftp://www.example.com/feed.xml",
        "data:text/html,<p>hi",
        "gopher://www.example.com/",
    ):
        assert refusal(url) == "scheme", url
    for url in (
        "http://127.0.0.1:8002/",
        "http://127.0.0.1/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8001/",
        "http://[fd00::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://localhost:8001/",
        "http://printer.local/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
    ):
        assert refusal(url, local) == "private_address", url
        assert refusal(url) == "private_address", url
    assert refusal("https://www.other.org/story") == "other_site"
    assert refusal("https://8.8.8.8/") == "other_site"
    assert refusal("https://0xdeadbeef.example.com/") is None  # a name, not a number
    assert refusal("http://www.example.com:99999/") == "bad_url"


def test_dns_answers_are_judged_as_the_url_literals_are() -> None:
    # The resolver and the URL guard share one check of an address.
    private = ("127.0.0.1", "10.0.0.5", "169.254.169.254", "::1", "::ffff:10.0.0.1", "fd00::1")
    for address in private:
        assert non_public_address(address), address
        host = f"[{address}]" if ":" in address else address
        assert url_refusal(f"http://{host}/", None, [], frozenset()) == "private_address"
    for address in ("93.184.216.34", "2606:2800:220:1::1"):
        assert not non_public_address(address), address
    assert non_public_address("not an address")  # nothing to connect to


def test_xml_guards_refuse_entities_and_bound_gzip() -> None:
    laughs = parse_xml_source(billion_laughs(), "http://127.0.0.1/")
    assert laughs.refused == "xml_entities" and not laughs.pages
    here = Path(__file__)
    xxe = rss(
        ["http://127.0.0.1/news/x-&xxe;"],
        f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{here.as_uri()}">]>',
    )
    parsed = parse_xml_source(xxe, "http://127.0.0.1/")
    assert parsed.refused == "xml_entities" and not parsed.pages
    # a gzip bomb is expanded up to the cap only (2 GiB would not fit the test's memory bound)
    _, chunks = gzip_bomb()
    body = b"".join(chunks)
    bomb = parse_xml_source(body, "http://127.0.0.1/", max_bytes=8 * MB)
    assert bomb.refused == "too_large"
    assert len(body) < BOMB_MB * MB // 500
    # its memory, in a fresh process: this one's peak RSS is already past anything the
    # bomb could add, so only a new process's peak shows what the parse took
    probe = (
        "import resource\n"
        "from crawler.discovery import parse_xml_source\n"
        "from tests.hostilesite.server import gzip_bomb\n"
        "body = b''.join(gzip_bomb()[1])\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        f"parse_xml_source(body, 'http://127.0.0.1/', max_bytes={8 * MB})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    grown = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True, timeout=120
    )
    assert int(grown.stdout.split()[-1]) < 64 * 1024  # KB: the 8 MiB cap, not the 2 GiB bomb
    # a small gzip sitemap is read
    small = gzip.compress(b"<urlset><url><loc>/a</loc></url></urlset>")
    assert [p.url for p in parse_xml_source(small, "http://127.0.0.1/").pages] == [
        "http://127.0.0.1/a"
    ]


def test_names_that_resolve_to_private_addresses_are_refused_before_connecting(
    tmp_path: Path,
) -> None:
    """crawler.resolver on its own (the URL guard switched off): 'localhost' stands for a
    name of the site's own domain that resolves into the operator's network."""
    with Trap() as trap, NewsSite(articles=3, crawl_delay=0) as site:
        site.content.pages["/sitemap.xml"] = (
            200,
            "application/xml",
            sitemap_index([f"http://localhost:{trap.port}/sitemap.xml"]),
        )
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "pipelines.cli", "crawl", site.base + "/"),
                *("-o", str(tmp_path / "out"), "-j", "1", "--contact", "https://example.org/c"),
                *("-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0"),
                *("-s", "NEWSCLEAN_SITE_GUARD=false", "-s", "NEWSCLEAN_BACKOFF_BASE=0.05"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        assert trap.connections == 0
    summary = json.loads((tmp_path / "out" / "last-run.json").read_text())
    assert summary["articles_written"] == len(site.article_paths())
    # the child sitemap (its robots.txt, refused too, is counted by the URL guard, off here)
    assert summary["guarded"] == {"private_address": 1}


def test_a_site_gets_at_most_max_sources_source_requests(tmp_path: Path) -> None:
    with NewsSite(articles=3, crawl_delay=0) as site:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "pipelines.cli", "crawl", site.base + "/"),
                *("-o", str(tmp_path / "out"), "-j", "1", "--contact", "https://example.org/c"),
                *("-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0"),
                *("-s", "NEWSCLEAN_MAX_SOURCES=2"),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        requested = site.paths()
    # a site root gives /sitemap.xml and the front page: the robots.txt Sitemap: line (the
    # index) is one source too many, and nothing below it is asked for
    sources = [p for p in requested if not p.startswith(("/news/", "/old/", "/robots.txt"))]
    assert sorted(sources) == ["/", "/sitemap.xml"]
    summary = json.loads((tmp_path / "out" / "last-run.json").read_text())
    assert summary["guarded"] == {"too_many_sources": 2}  # the index, and the front page's feed
