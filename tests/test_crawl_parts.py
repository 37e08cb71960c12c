"""The crawler's building blocks, without a crawl: discovery parsing, URL keys, crawl state,
WARC archive and the sites file."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from crawler.discovery import feed_links, parse_date, parse_xml_source
from pipelines.crawl.sites import SitesError, parse_sites, sites_from_sources
from pipelines.crawl.state import CrawlState, request_url, url_key
from pipelines.store.warc import TMP_PREFIX, WarcFileWriter, iter_warc, recover_partial

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url><loc>https://paper.test/a/one</loc><lastmod>2020-01-01</lastmod>
    <news:news><news:publication><news:name>Paper</news:name></news:publication>
    <news:publication_date>2026-11-20T08:00:00+01:00</news:publication_date></news:news></url>
  <url><loc>/a/two</loc></url>
</urlset>"""

INDEX = b"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<sitemap><loc>https://paper.test/s1.xml</loc><lastmod>2026-01-02T00:00:00Z</lastmod></sitemap>
<sitemap><loc>https://paper.test/s2.xml.gz</loc></sitemap></sitemapindex>"""

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>P</title>
<item><title>x</title><link>https://paper.test/a/1?utm_source=rss&amp;id=4</link>
<pubDate>Fri, 20 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>y</title><guid isPermaLink="true">https://paper.test/a/2</guid></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<entry><title>x</title><link rel="alternate" href="https://paper.test/a/3"/>
<link rel="edit" href="https://paper.test/edit/3"/><updated>2026-11-21T00:00:00Z</updated></entry>
</feed>"""


def test_news_sitemap_prefers_publication_date_and_resolves_relative_locs() -> None:
    parsed = parse_xml_source(NEWS_SITEMAP, "https://paper.test/sitemap.xml")
    assert parsed.kind == "urlset"
    assert [p.url for p in parsed.pages] == ["https://paper.test/a/one", "https://paper.test/a/two"]
    assert parsed.pages[0].date == datetime(2026, 11, 20, 7, 0, tzinfo=timezone.utc)
    assert parsed.pages[1].date is None


def test_sitemap_index_and_gzipped_sitemap() -> None:
    import gzip

    parsed = parse_xml_source(INDEX, "https://paper.test/")
    assert parsed.kind == "sitemapindex"
    assert [s.url for s in parsed.sources] == [
        "https://paper.test/s1.xml",
        "https://paper.test/s2.xml.gz",
    ]
    assert parse_xml_source(gzip.compress(NEWS_SITEMAP), "https://paper.test/").kind == "urlset"


def test_rss_and_atom_links() -> None:
    rss = parse_xml_source(RSS, "https://paper.test/feed")
    assert [p.url for p in rss.pages] == [
        "https://paper.test/a/1?utm_source=rss&id=4",
        "https://paper.test/a/2",
    ]
    assert rss.pages[0].date == datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
    atom = parse_xml_source(ATOM, "https://paper.test/atom")
    assert [p.url for p in atom.pages] == ["https://paper.test/a/3"]


def test_garbage_is_unknown_not_an_exception() -> None:
    assert parse_xml_source(b"\x1f\x8bnot gzip", "https://x.test/").kind == "unknown"
    assert parse_xml_source(b"<html><body>hi</body></html>", "https://x.test/").pages == []
    assert parse_date("yesterday") is None


def test_front_page_feed_links() -> None:
    page = (
        b'<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml">'
        b'<link rel="alternate" hreflang="de" href="/de/"><link rel="stylesheet" href="/s.css">'
        b'<link rel="alternate" type="application/atom+xml" href="https://cdn.test/atom"></head></html>'
    )
    assert feed_links(page, "https://paper.test/") == [
        "https://paper.test/feed.xml",
        "https://cdn.test/atom",
    ]


def test_url_keys_fold_tracking_scheme_and_slash() -> None:
    key = url_key("https://Paper.test/a/1/?utm_source=x&id=4#top")
    assert key == url_key("http://paper.test/a/1?id=4&fbclid=abc")
    assert key != url_key("https://paper.test/a/1?id=5")
    assert request_url("https://paper.test/a/1?utm_medium=feed") == "https://paper.test/a/1"


def test_state_pending_done_and_validators(tmp_path: Path) -> None:
    state = CrawlState.for_outdir(tmp_path)
    assert state.add_pending("https://p.test/a?utm_source=x", "p") is True
    assert state.pending("p") == [("https://p.test/a?utm_source=x", None)]
    state.commit_part("crawl_date=2026-01-01/part-1.parquet", [("id1", ["http://p.test/a/"])])
    assert state.has_doc("id1")
    assert state.add_pending("https://p.test/a", "p") is False  # same page, already written
    assert state.pending("p") == []
    state.set_validators("https://p.test/feed", '"abc"', None)
    state.close()
    again = CrawlState.for_outdir(tmp_path)  # survives the process
    assert again.validators("https://p.test/feed") == ('"abc"', None)
    assert again.is_finished(url_key("https://p.test/a"))


def test_reconcile_marks_a_part_written_by_a_killed_run(tmp_path: Path) -> None:
    from cleaning.record import CleanedRecord
    from pipelines.store.parquet import record_to_row, write_part

    state = CrawlState.for_outdir(tmp_path)
    state.add_pending("https://p.test/story", "p")
    row = record_to_row(
        CleanedRecord(text="Body.", canonical_url="https://p.test/story"),
        id="doc-1",
        source="https://p.test/story?utm_source=feed",
        url="https://p.test/story",
        rules_version="t",
    )
    write_part(tmp_path / "crawl_date=2026-11-23", [row])  # ...and the process died here
    assert state.reconcile(tmp_path) == 1
    assert state.has_doc("doc-1") and state.pending("p") == []
    assert state.reconcile(tmp_path) == 0  # once


def _write_pages(writer: WarcFileWriter, n: int) -> None:
    for i in range(n):
        writer.write_response(
            f"https://p.test/{i}",
            200,
            [("Content-Type", "text/html"), ("Content-Encoding", "gzip")],
            f"<p>page {i}</p>".encode(),
            datetime(2026, 11, 23, tzinfo=timezone.utc),
        )


def test_warc_round_trip_and_no_partial_file_visible(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path)
    _write_pages(writer, 3)
    assert list(iter_warc(tmp_path)) == []  # still a temporary file
    path = writer.close()
    assert path is not None and path.name.endswith(".warc.gz")
    pages = list(iter_warc(path))
    assert [p.url for p in pages] == [f"https://p.test/{i}" for i in range(3)]
    assert pages[1].html_bytes == b"<p>page 1</p>" and pages[1].status == 200
    assert pages[0].fetched_at == datetime(2026, 11, 23, tzinfo=timezone.utc)


def test_warc_sync_later_makes_the_records_so_far_durable_from_another_thread(
    tmp_path: Path,
) -> None:
    import threading

    writer = WarcFileWriter(tmp_path)
    _write_pages(writer, 2)
    sync = writer.sync_later()
    tmp = next(tmp_path.glob(f"{TMP_PREFIX}*"))
    # handed to the system at once: a killed process keeps both records
    assert recover_partial_copy(tmp, tmp_path / "copy") == 2
    _write_pages(writer, 3)  # the writer goes on, and even finishes the file, before the sync
    path = writer.close()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            sync()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert errors == []
    assert path is not None and len(list(iter_warc(path))) == 5


def recover_partial_copy(tmp: Path, folder: Path) -> int:
    """The records a run killed now would keep (the partial file's copy, salvaged)."""
    folder.mkdir()
    (folder / tmp.name).write_bytes(tmp.read_bytes())
    return recover_partial(folder)


def test_recover_partial_keeps_complete_records(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path)
    _write_pages(writer, 3)
    assert writer._fh is not None
    writer._fh.flush()
    tmp = next(tmp_path.glob(f"{TMP_PREFIX}*"))
    three = tmp.stat().st_size
    writer.write_response(
        "https://p.test/3",
        200,
        [],
        b"<p>" + b"x" * 5000 + b"</p>",
        datetime(2026, 11, 23, tzinfo=timezone.utc),
    )
    writer._fh.flush()
    data = tmp.read_bytes()
    tmp.write_bytes(data[: (three + len(data)) // 2])  # killed in the middle of the 4th record
    assert recover_partial(tmp_path) == 3
    assert not list(tmp_path.glob(f"{TMP_PREFIX}*"))
    assert [p.url for p in iter_warc(tmp_path)] == [f"https://p.test/{i}" for i in range(3)]


def test_recover_partial_keeps_no_cut_record_wherever_the_kill_cuts(tmp_path: Path) -> None:
    # A page that does not compress to nothing (the earlier test's 'x' * 5000 does), so a cut
    # can fall in its WARC headers, its HTTP headers or its body.
    import random

    rng = random.Random(7)
    words = ["river", "council", "vote", "budget", "school", "storm", "market", "bridge"]
    bodies = {
        f"https://p.test/{i}": " ".join(rng.choice(words) + str(rng.randrange(10**6))
                                        for _ in range(400)).encode()
        for i in range(3)
    }
    writer = WarcFileWriter(tmp_path / "run")
    for url, body in bodies.items():
        writer.write_response(url, 200, [("Content-Type", "text/html")], body,
                              datetime(2026, 11, 23, tzinfo=timezone.utc))
    assert writer._fh is not None
    writer._fh.flush()
    tmp = next((tmp_path / "run").glob(f"{TMP_PREFIX}*"))
    data = tmp.read_bytes()
    kept_counts = set()
    for cut in [*range(0, len(data), 29), len(data)]:  # the last: the whole file
        folder = tmp_path / f"cut-{cut}"
        folder.mkdir()
        (folder / tmp.name).write_bytes(data[:cut])
        kept = recover_partial(folder)  # a cut anywhere: no exception
        pages = list(iter_warc(folder))
        assert len(pages) == kept
        # only whole pages, in order: a cut record is not passed on as a shorter page
        assert [(p.url, p.html_bytes) for p in pages] == list(bodies.items())[:kept]
        assert not list(folder.glob(f"{TMP_PREFIX}*"))
        kept_counts.add(kept)
    assert kept_counts == {0, 1, 2, 3}


def test_sites_file(tmp_path: Path) -> None:
    text = """
[[site]]
name = "paper"
sources = ["https://www.paper.co.uk/", "https://sitemaps.paper.co.uk/news.xml"]
deny = ["/live/"]
rules = ["paper.toml"]
max_age_days = 2
concurrency = 1
"""
    (site,) = parse_sites(text, "sites.toml", base_dir=tmp_path)
    assert site.rules == (str(tmp_path / "paper.toml"),)
    assert site.url_allowed("https://www.paper.co.uk/a/1")
    assert site.url_allowed("https://news.paper.co.uk/a/1")  # same registered domain
    assert not site.url_allowed("https://www.paper.co.uk/live/1")
    assert not site.url_allowed("https://other.co.uk/a/1")
    with pytest.raises(SitesError, match="sites.toml: site 'x': unknown field"):
        parse_sites(
            '[[site]]\nname = "x"\nsources = ["https://x.test/"]\nspeed = 3\n', "sites.toml"
        )
    with pytest.raises(SitesError, match="not an http"):
        sites_from_sources(["ftp://x.test/"])


def _politeness(**settings: object):  # type: ignore[no-untyped-def]
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import PolitenessMiddleware

    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return PolitenessMiddleware.from_crawler(crawler), crawler


def test_a_host_answering_403_in_a_row_is_reported_and_left_alone() -> None:
    from scrapy import Request
    from scrapy.exceptions import IgnoreRequest
    from scrapy.http import Response

    mw, crawler = _politeness(NEWSCLEAN_BLOCK_STREAK=3)
    for i in range(2):
        req = Request(f"https://walled.test/a/{i}")
        mw.process_response(req, Response(req.url, status=403))
    ok = Request("https://open.test/a")
    mw.process_response(ok, Response(ok.url, status=200))
    mw.process_request(Request("https://walled.test/a/9"))  # two in a row: not yet
    req = Request("https://walled.test/a/3")
    mw.process_response(req, Response(req.url, status=403))
    with pytest.raises(IgnoreRequest):
        mw.process_request(Request("https://walled.test/a/4"))
    mw.process_request(Request("https://open.test/b"))  # other hosts unaffected
    assert crawler.stats.get_value("newsclean/blocked/walled.test") == 403
    assert crawler.stats.get_value("newsclean/http_403/walled.test") == 3


def test_a_success_resets_the_refusal_streak() -> None:
    from scrapy import Request
    from scrapy.http import Response

    mw, crawler = _politeness(NEWSCLEAN_BLOCK_STREAK=3)
    for status in (429, 429, 200, 429, 429):
        req = Request("https://busy.test/x")
        mw.process_response(req, Response(req.url, status=status))
    mw.process_request(Request("https://busy.test/y"))
    assert crawler.stats.get_value("newsclean/blocked/busy.test") is None


def test_robots_txt_answered_does_not_end_a_refusal_streak_but_its_403_is_one() -> None:
    from scrapy import Request
    from scrapy.http import Response

    mw, crawler = _politeness(NEWSCLEAN_BLOCK_STREAK=3)
    robots = Request("https://walled.test/robots.txt", meta={"dont_obey_robotstxt": True})
    for url, status in [("a/1", 403), ("a/2", 403)]:
        req = Request(f"https://walled.test/{url}")
        mw.process_response(req, Response(req.url, status=status))
    mw.process_response(robots, Response(robots.url, status=200))  # says nothing of /a/
    req = Request("https://walled.test/a/3")
    mw.process_response(req, Response(req.url, status=403))
    assert crawler.stats.get_value("newsclean/blocked/walled.test") == 403
    # a robots.txt refused counts as a refusal; a page answered still ends the streak
    mw, crawler = _politeness(NEWSCLEAN_BLOCK_STREAK=3)
    for url, status in [("a/1", 403), ("robots.txt", 403), ("a/2", 200), ("a/3", 403),
                        ("robots.txt", 403)]:
        req = Request(f"https://walled.test/{url}")
        mw.process_response(req, Response(req.url, status=status))
    assert crawler.stats.get_value("newsclean/blocked/walled.test") is None
    req = Request("https://walled.test/a/4")
    mw.process_response(req, Response(req.url, status=403))
    assert crawler.stats.get_value("newsclean/blocked/walled.test") == 403


def test_robots_crawl_delay_becomes_the_host_floor() -> None:
    from scrapy import Request, signals
    from scrapy.robotstxt import ProtegoRobotParser

    from crawler.middlewares import host_floors

    mw, crawler = _politeness(
        USER_AGENT="newsclean/0.1 (+https://example.org)",
        NEWSCLEAN_HOST_DELAYS={"slow.test": 1.0, "other.test": 3.0},
    )
    robots = b"User-agent: *\nCrawl-delay: 2.5\nDisallow: /private/\n"
    parser = ProtegoRobotParser.from_crawler(crawler, robots)
    for host in ("slow.test", "other.test", "new.test"):
        crawler.signals.send_catch_log(
            signals.robots_parsed, robotparser=parser, request=Request(f"https://{host}/a")
        )
    # the larger of the sites file's delay and the Crawl-delay
    expected = {"slow.test": 2.5, "other.test": 3.0, "new.test": 2.5, "quick.test": 0.0}
    assert {host: mw.floors.get(host) for host in expected} == expected
    # the table the shared crawl's download handler reads (crawler.distributed) too
    assert host_floors(crawler) is mw.floors


def test_the_example_sites_file_is_valid() -> None:
    from pipelines.crawl.sites import load_sites
    from tests.conftest import ROOT

    (site,) = load_sites(ROOT / "crawler" / "sites.example.toml")
    assert site.max_age_days == 3 and site.concurrency == 2
    assert site.url_allowed("https://www.example.com/news/2026/11/23/a-story")
    assert not site.url_allowed("https://www.example.com/live/news/updates")


def test_every_spider_request_survives_the_disk_queue(tmp_path: Path) -> None:
    """Requests wait in Scrapy's disk queue, which stores callbacks by name: each kind of
    request the spider makes must come back with the same callback and errback."""
    from scrapy.utils.request import request_from_dict

    from crawler.spiders.news import NewsSpider

    site = sites_from_sources(["http://127.0.0.1:8000/"])[0]
    spider = NewsSpider(sites=[site], crawl_state=CrawlState(tmp_path / "state.sqlite"))
    requests = [
        *spider._source_requests(site, "http://127.0.0.1:8000/"),
        spider._source(site, "http://127.0.0.1:8000/feed.xml"),
        spider._article(site, "http://127.0.0.1:8000/news/one"),
    ]
    kinds = {(r.callback.__name__, r.errback.__name__) for r in requests}
    assert ("parse_article", "article_failed") in kinds
    assert ("parse_source", "source_failed") in kinds
    for request in requests:
        back = request_from_dict(request.to_dict(spider=spider), spider=spider)
        assert back.url == request.url
        assert back.callback == request.callback
        assert back.errback == request.errback


def test_the_spider_bounds_default_to_the_crawler_settings_file(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from crawler import settings as defaults
    from crawler.spiders.news import NewsSpider

    site = sites_from_sources(["http://127.0.0.1:8000/"])[0]
    state = CrawlState(tmp_path / "state.sqlite")

    def bounds(**settings: object) -> tuple[int, int, int]:
        crawler = get_crawler(NewsSpider, settings_dict=settings)
        spider = NewsSpider.from_crawler(crawler, sites=[site], crawl_state=state)
        return spider.max_depth, spider.max_sources, spider.source_maxsize

    documented = (
        defaults.NEWSCLEAN_SOURCE_DEPTH,
        defaults.NEWSCLEAN_MAX_SOURCES,
        defaults.NEWSCLEAN_SOURCE_MAXSIZE,
    )
    assert documented == (3, 5000, 50 << 20)  # README "Security", the limits table
    assert bounds() == documented  # settings that do not name them: crawler/settings.py's
    direct = NewsSpider(sites=[site], crawl_state=state)
    assert (direct.max_depth, direct.max_sources, direct.source_maxsize) == documented
    assert bounds(NEWSCLEAN_SOURCE_DEPTH=1, NEWSCLEAN_MAX_SOURCES=7) == (1, 7, 50 << 20)


def test_every_url_a_source_lists_passes_one_site_rule(tmp_path: Path) -> None:
    """Front-page feeds, child sitemaps and article links: the same rule, before any
    request is made, each refusal counted by the guard's reason."""
    from scrapy import Request
    from scrapy.http import HtmlResponse, XmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.spiders.news import NewsSpider

    site = sites_from_sources(["https://www.example.com/"])[0]
    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(
        crawler, sites=[site], crawl_state=CrawlState(tmp_path / "state.sqlite")
    )
    listed = [
        "https://www.example.com/{}",
        "https://feeds.example.com/{}",  # the same registered domain
        "https://www.other.org/{}",
        "http://10.0.0.1/{}",
        "file:///etc/{}",
    ]

    def requested(url: str, body: bytes, cls: type = XmlResponse) -> list[str]:
        meta = {"site": site.name, "source": url, "source_depth": 0}
        response = cls(url, body=body, request=Request(url, meta=meta))
        return [r.url for r in spider.parse_source(response)]

    links = "".join(
        f'<link rel="alternate" type="application/rss+xml" href="{u.format("feed.xml")}">'
        for u in listed
    )
    front = f"<html><head>{links}</head><body></body></html>".encode()
    index = "".join(f"<sitemap><loc>{u.format('s.xml')}</loc></sitemap>" for u in listed)
    urlset = "".join(f"<url><loc>{u.format('a/1')}</loc></url>" for u in listed)
    on_site = listed[:2]
    assert requested("https://www.example.com/", front, HtmlResponse) == [
        u.format("feed.xml") for u in on_site
    ]
    assert requested(
        "https://www.example.com/i.xml",
        f'<?xml version="1.0"?><sitemapindex>{index}</sitemapindex>'.encode(),
    ) == [u.format("s.xml") for u in on_site]
    assert requested("https://www.example.com/u.xml", f"<urlset>{urlset}</urlset>".encode()) == [
        u.format("a/1") for u in on_site
    ]
    stats = crawler.stats.get_stats()
    guarded = {k: v for k, v in stats.items() if k.startswith("newsclean/guard/")}
    assert guarded == {
        "newsclean/guard/other_site": 3,
        "newsclean/guard/private_address": 3,
        "newsclean/guard/scheme": 3,
    }


def test_a_listed_url_over_the_length_limit_is_not_requested(tmp_path: Path) -> None:
    """URLLENGTH_LIMIT holds for article links and child sitemaps alike, checked by the
    spider before any request is made (no spider middleware does it), and counted."""
    from scrapy import Request
    from scrapy.http import XmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.spiders.news import NewsSpider

    site = sites_from_sources(["https://www.example.com/"])[0]
    crawler = get_crawler(NewsSpider, settings_dict={"URLLENGTH_LIMIT": 100})
    state = CrawlState(tmp_path / "state.sqlite")
    spider = NewsSpider.from_crawler(crawler, sites=[site], crawl_state=state)
    short, long = "https://www.example.com/a/1", "https://www.example.com/a/" + "x" * 100

    def requested(url: str, body: str) -> list[str]:
        meta = {"site": site.name, "source": url, "source_depth": 0}
        response = XmlResponse(url, body=body.encode(), request=Request(url, meta=meta))
        return [r.url for r in spider.parse_source(response)]

    urlset = f"<urlset><url><loc>{short}</loc></url><url><loc>{long}</loc></url></urlset>"
    assert requested("https://www.example.com/u.xml", urlset) == [short]
    index = f'<?xml version="1.0"?><sitemapindex><sitemap><loc>{long}.xml</loc></sitemap></sitemapindex>'
    assert requested("https://www.example.com/i.xml", index) == []
    assert crawler.stats.get_value("newsclean/guard/url_too_long") == 2
    assert [u for u, _ in state.pending(site.name)] == [short]  # not kept for the next run


def test_a_guarded_robots_txt_is_counted_once_whoever_asked_for_it(tmp_path: Path) -> None:
    from scrapy import Request
    from scrapy.exceptions import DownloadTimeoutError
    from scrapy.http.request import NO_CALLBACK
    from scrapy.utils.test import get_crawler
    from twisted.python.failure import Failure

    from crawler.middlewares import SiteGuardMiddleware
    from crawler.spiders.news import NewsSpider

    site = sites_from_sources(["http://127.0.0.1:8000/"])[0]
    state = CrawlState(tmp_path / "state.sqlite")

    def guard_counts(obey: bool) -> dict[str, int]:
        crawler = get_crawler(NewsSpider, settings_dict={"ROBOTSTXT_OBEY": obey})
        spider = NewsSpider.from_crawler(crawler, sites=[site], crawl_state=state)
        mw = SiteGuardMiddleware.from_crawler(crawler)
        if obey:  # RobotsTxtMiddleware asks, with no errback
            robots = Request(
                "http://127.0.0.1:8000/robots.txt",
                meta={"dont_obey_robotstxt": True},
                callback=NO_CALLBACK,
            )
        else:  # the spider asks, with source_failed as errback
            robots = next(spider._source_requests(site, "http://127.0.0.1:8000/"))
            assert robots is not None and robots.url.endswith("/robots.txt")
        error = DownloadTimeoutError("took too long")
        mw.process_exception(robots, error)
        if robots.errback is not None:  # what Scrapy does next
            failure = Failure(error)
            failure.request = robots  # type: ignore[attr-defined]
            robots.errback(failure)
        stats = crawler.stats.get_stats()
        return {k: v for k, v in stats.items() if k.startswith("newsclean/guard/")}

    assert guard_counts(obey=True) == {"newsclean/guard/robots_timeout": 1}
    assert guard_counts(obey=False) == {"newsclean/guard/timeout": 1}


def redirect_loops_counted(make_dupefilter) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Requests through a dupefilter the way Scrapy's scheduler sends them (``log`` for each
    filtered one); the crawler's counts of filtered requests and redirect loops."""
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler

    crawler = get_crawler(Spider)
    spider = Spider.from_crawler(crawler, name="test")
    df = make_dupefilter(crawler)
    a, b, c = (f"http://127.0.0.1:8000/news/{x}" for x in "abc")

    def hop(url: str, *chain: str) -> Request:
        meta = {"redirect_urls": list(chain), "redirect_times": len(chain)} if chain else {}
        return Request(url, meta=meta)

    for request in (
        hop(a),
        hop(b, a),  # a -> b
        hop(a, a, b),  # a -> b -> a: a loop
        hop(c),
        hop(b, c),  # c -> b, and b was requested before: a duplicate, not a loop
        hop(c, c, a, b),  # c -> a -> b -> c: a loop
        hop(a),  # listed twice
    ):
        if df.request_seen(request):
            df.log(request, spider)
    stats = crawler.stats.get_stats()
    return {k: stats.get(k, 0) for k in ("dupefilter/filtered", "newsclean/guard/redirect_loop")}


LOOPS_COUNTED = {"dupefilter/filtered": 4, "newsclean/guard/redirect_loop": 2}


def test_the_dupefilter_counts_a_redirect_loop_only_within_one_chain(tmp_path: Path) -> None:
    from crawler.dupefilter import SQLiteDupeFilter

    def make(crawler):  # type: ignore[no-untyped-def]
        return SQLiteDupeFilter(tmp_path / "seen.sqlite", crawler.request_fingerprinter, crawler)

    assert redirect_loops_counted(make) == LOOPS_COUNTED


def test_meta_refresh_pages_still_redirect_and_others_pass_through() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.utils.test import get_crawler

    from crawler.middlewares import CheapMetaRefreshMiddleware

    mw = CheapMetaRefreshMiddleware.from_crawler(get_crawler())
    request = Request("http://127.0.0.1:8000/news/old")
    moved = HtmlResponse(
        request.url,
        body=b'<html><head><META HTTP-EQUIV="Refresh" content="0; url=/news/new"></head>'
        b"<body>Moved</body></html>",
        request=request,
    )
    result = mw.process_response(request, moved)
    assert isinstance(result, Request)
    assert result.url == "http://127.0.0.1:8000/news/new"
    article = HtmlResponse(
        request.url,
        body=b"<html><head><title>A story</title></head><body><p>Text.</p></body></html>",
        request=request,
    )
    assert mw.process_response(request, article) is article
    scripted = HtmlResponse(
        request.url,
        body=b"<html><head><script>setInterval(refreshAds, 30000)</script>"
        b'<meta http-equiv="refresh" content="5; url=/news/later"></head><body>x</body></html>',
        request=request,
    )
    result = mw.process_response(request, scripted)
    assert isinstance(result, Request) and result.url == "http://127.0.0.1:8000/news/later"
    ads = HtmlResponse(
        request.url,
        body=b"<html><head><script>setInterval(refreshAds, 30000)</script></head>"
        b"<body><p>Text.</p></body></html>",
        request=request,
    )
    assert mw.process_response(request, ads) is ads


def test_cleaning_process_answers_framed_pickles_and_exits_at_eof() -> None:
    import pickle
    import struct
    import subprocess
    import sys

    from pipelines.crawl.cleanworker import PageResult

    header = struct.Struct("!Q")
    fetched = datetime(2026, 11, 23, tzinfo=timezone.utc)
    body = (
        b"<html><head><title>Harbour reopens</title></head><body><article><h1>Harbour "
        b"reopens</h1>" + b"<p>The harbour reopened on Monday after a long winter of repairs "
        b"that cost more than planned, officials said at a meeting.</p>" * 6 + b"</article>"
        b"</body></html>"
    )
    job = (
        ((), ()),
        body,
        "https://p.test/story",
        "https://p.test/story?utm_source=x",
        fetched,
        (200, [("Content-Type", "text/html")]),
    )
    payload = pickle.dumps(job)
    proc = subprocess.run(
        [sys.executable, "-m", "pipelines.crawl.cleanworker"],
        input=header.pack(len(payload)) + payload,  # then EOF: the worker must exit
        capture_output=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    (size,) = header.unpack_from(proc.stdout)
    assert len(proc.stdout) == header.size + size  # one answer, nothing else on stdout
    result = pickle.loads(proc.stdout[header.size :])
    assert isinstance(result, PageResult) and result.error is None
    assert result.row is not None and "harbour reopened" in result.row["text"].lower()
    assert result.row["source"] == "https://p.test/story?utm_source=x"
    assert result.warc is not None and result.warc[:2] == b"\x1f\x8b"  # a gzip member


def test_the_scheduler_keeps_its_first_requests_in_memory_and_spills_the_rest(
    tmp_path: Path,
) -> None:
    """Past NEWSCLEAN_MEMORY_REQUESTS article requests go to the disk queue (memory stays
    bounded on a site with a huge sitemap); every request comes back once, sources first."""
    from scrapy import Request, Spider
    from scrapy.utils.test import get_crawler

    from crawler import settings as defaults
    from crawler.scheduler import SpillingScheduler

    crawler = get_crawler(
        Spider,
        settings_dict={
            "JOBDIR": str(tmp_path / "queue"),
            "NEWSCLEAN_MEMORY_REQUESTS": 3,
            "SCHEDULER": defaults.SCHEDULER,
            # one queue for every host: the crawl's (by host) needs a running engine
            "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
        },
    )
    crawler._apply_settings()
    crawler.spider = crawler._create_spider("queue-test")
    scheduler = SpillingScheduler.from_crawler(crawler)
    scheduler.open(crawler.spider)
    articles = [Request(f"https://a.test/news/{i}") for i in range(8)]
    source = Request("https://a.test/sitemap.xml", priority=10)
    for request in [*articles[:5], source, *articles[5:]]:
        assert scheduler.enqueue_request(request)
    stats = crawler.stats
    assert stats is not None
    assert stats.get_value("scheduler/enqueued/disk") == 5  # 8 articles, 3 kept in memory
    out = []
    while (request := scheduler.next_request()) is not None:
        out.append(request.url)
    assert out[0] == source.url
    assert sorted(out[1:]) == sorted(r.url for r in articles)
    assert stats.get_value("scheduler/dequeued/disk") == 5
    scheduler.close("finished")
