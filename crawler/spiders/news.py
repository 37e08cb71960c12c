"""The ``news`` spider: find articles through robots.txt, sitemaps and feeds; fetch new ones.

Sources are sniffed, not declared: a site root (path ``/``) leads to its
robots.txt (``Sitemap:`` lines), ``/sitemap.xml`` and the feeds its front page
declares; any other source URL is parsed as whatever it turns out to be
(urlset, sitemap index, RSS, Atom, or an HTML page declaring feeds).

Sitemaps, feeds and front pages are fetched every run with conditional GET; the
URLs they list go through the crawl state, so an article that was written, was
not an article, or is gone is never fetched again.

Bounds against hostile sites: a source may be at most ``NEWSCLEAN_SOURCE_DEPTH``
levels below a given source (an endless calendar of sitemap indexes ends there),
a site gets at most ``NEWSCLEAN_MAX_SOURCES`` source requests per run, and a
source may be ``NEWSCLEAN_SOURCE_MAXSIZE`` bytes (pages: ``DOWNLOAD_MAXSIZE``),
gzip expanded included.  What a guard stopped is counted as
``newsclean/guard/<reason>`` (see :func:`crawler.middlewares.guard_reason`).
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any
from urllib.parse import urljoin, urlsplit

from protego import Protego
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler import settings as defaults
from crawler.discovery import feed_links, looks_like_xml, parse_xml_source
from crawler.dupefilter import redirect_loop
from crawler.middlewares import SitePolicy, guard_reason
from pipelines.crawl.sites import Site, load_sites, sites_from_sources
from pipelines.crawl.state import FINISHED, CrawlState, request_url, url_key

log = logging.getLogger(__name__)

SOURCE_PRIORITY = 10  # discovery first, so a run's article queue fills early
SOURCE_STATUSES = [304, 403, 404, 410, 429, 500, 502, 503]
HTML_TYPES = (b"text/html", b"application/xhtml+xml")
# Bodies that are no HTML whatever the Content-Type says: PDF, PNG, JPEG, GIF, WebP/RIFF,
# ZIP (office files), gzip.  Dropped here as not_html (the cleaning would fail on them as
# clean_error, after a trip to a cleaning process).
BINARY_MAGIC = (b"%PDF-", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"PK\x03\x04", b"\x1f\x8b")
# The spider's request callbacks and errbacks (see NewsSpider.__dir__).
CALLBACKS = ("parse_robots", "parse_source", "source_failed", "parse_article", "article_failed")


class NewsSpider(Spider):
    """Crawl the sources of one or more :class:`pipelines.crawl.sites.Site`."""

    name = "news"

    def __init__(
        self,
        sites: list[Site] | None = None,
        crawl_state: CrawlState | None = None,
        sources: str | None = None,
        sites_file: str | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if sites is None:
            if sites_file:
                sites = load_sites(sites_file)
            elif sources:
                sites = sites_from_sources([s for s in sources.split(",") if s])
            else:
                raise ValueError("give sources (-a sources=URL,URL) or sites_file")
        self.sites: dict[str, Site] = {s.name: s for s in sites}
        self.crawl_state: CrawlState | None = crawl_state
        self.now = datetime.now(timezone.utc)
        self.robots_from_middleware = False
        self.roots: dict[str, str] = {}  # host:port of a site root -> site name
        # crawler/settings.py's values, which a crawler's settings override (from_crawler)
        self.max_depth = defaults.NEWSCLEAN_SOURCE_DEPTH
        self.max_sources = defaults.NEWSCLEAN_MAX_SOURCES
        self.source_maxsize = defaults.NEWSCLEAN_SOURCE_MAXSIZE
        self.sources_requested: Counter[str] = Counter()
        # article URL key -> (site, source URLs) that redirected to it while it was in flight
        self.redirected_to: dict[str, tuple[str | None, list[str]]] = {}
        # where the crawler may go (None: NEWSCLEAN_SITE_GUARD is off), see _refused
        self.policy: SitePolicy | None = SitePolicy(self.sites)
        # URLLENGTH_LIMIT: no request for a longer URL (see _refused)
        self.max_url_length = 2083

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.crawl_state is None:
            outdir = crawler.settings.get("NEWSCLEAN_OUTDIR")
            if not outdir:
                raise ValueError("set the output folder: -s NEWSCLEAN_OUTDIR=DIR")
            spider.crawl_state = CrawlState.for_outdir(outdir)
        settings = crawler.settings
        spider.max_depth = settings.getint("NEWSCLEAN_SOURCE_DEPTH", spider.max_depth)
        spider.max_sources = settings.getint("NEWSCLEAN_MAX_SOURCES", spider.max_sources)
        spider.source_maxsize = settings.getint("NEWSCLEAN_SOURCE_MAXSIZE", spider.source_maxsize)
        spider.max_url_length = settings.getint("URLLENGTH_LIMIT", spider.max_url_length)
        if not settings.getbool("NEWSCLEAN_SITE_GUARD", defaults.NEWSCLEAN_SITE_GUARD):
            spider.policy = None
        crawler.signals.connect(spider._request_dropped, signal=signals.request_dropped)
        if crawler.settings.getbool("ROBOTSTXT_OBEY"):
            # RobotsTxtMiddleware fetches robots.txt anyway: take its Sitemap: lines from it
            # instead of fetching the file a second time.
            spider.robots_from_middleware = True
            crawler.signals.connect(spider._robots_parsed, signal=signals.robots_parsed)
            # Registered now: the first request to a host (maybe a pending article) makes
            # the middleware read its robots.txt, before the site's sources are scheduled.
            for site in spider.sites.values():
                for src in site.sources:
                    parts = urlsplit(src)
                    if parts.path in ("", "/") and not parts.query:
                        spider.roots[parts.netloc] = site.name
        return spider

    def _request_dropped(self, request: Request, spider: Spider) -> None:
        """An article request the dupefilter dropped after a redirect: its source URL would
        stay pending (and be fetched again next run) though the run has the page.

        A loop (A -> B -> A) is a guard's stop: the source is dropped, as after too many
        redirects.  Otherwise the target was requested in this run under its own URL: the
        source takes the target's status once the target has one (now, or when the run
        ends); a target that did not finish leaves it pending."""
        chain = request.meta.get("redirect_urls")
        if not chain or getattr(request.callback, "__name__", None) != "parse_article":
            return
        site, source = request.meta.get("site"), request.meta.get("source", chain[0])
        if redirect_loop(request):
            self.db.mark([source], "dropped", site)
            return
        target = url_key(request.url)
        status = self.db.status(target)
        if status in FINISHED:
            self.db.mark([source], status, site)
            self._inc("newsclean/redirects_resolved")
        else:
            self.redirected_to.setdefault(target, (site, []))[1].append(source)

    def closed(self, reason: str) -> None:
        # Scrapy calls this once the item pipeline has closed: every written part is recorded.
        for target, (site, sources) in self.redirected_to.items():
            status = self.db.status(target)
            if status in FINISHED:
                self.db.mark(sources, status, site)
                self._inc("newsclean/redirects_resolved", len(sources))
        self.redirected_to.clear()

    def _robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        parts = urlsplit(request.url)
        name = self.roots.pop(parts.netloc, None)  # once per host and run
        if name is None:
            return
        protego = getattr(robotparser, "rp", None)
        sitemaps = list(getattr(protego, "sitemaps", []) or [])
        base = f"{parts.scheme}://{parts.netloc}/"
        for sitemap in sitemaps:
            req = self._source(self.sites[name], urljoin(base, sitemap))
            if req is not None:
                self.crawler.engine.crawl(req)

    def __dir__(self) -> list[str]:
        # Scrapy's disk queue stores a request's callback by name, found by scanning
        # inspect.getmembers(spider) for every request queued (0.14 ms each: it reads every
        # attribute and property of the spider).  Only the callbacks need to be found.
        return list(CALLBACKS)

    @property
    def db(self) -> CrawlState:
        assert self.crawl_state is not None
        return self.crawl_state

    def _inc(self, key: str, n: int = 1) -> None:
        if self.crawler.stats:
            self.crawler.stats.inc_value(key, n)

    # --- start --------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.values():
            # Discovered by an earlier run but not fetched (killed, 5xx, ...): still due.
            for url, lastmod in self.db.pending(site.name):
                date = datetime.fromtimestamp(lastmod, timezone.utc) if lastmod else None
                if self._fresh(site, date) and not self._too_long(url):
                    yield self._article(site, url)
            for src in site.sources:
                for req in self._source_requests(site, src):
                    if req is not None:
                        yield req

    def _source_requests(self, site: Site, src: str) -> Iterator[Request | None]:
        parts = urlsplit(src)
        if parts.path in ("", "/") and not parts.query:
            root = f"{parts.scheme}://{parts.netloc}/"
            if not self.robots_from_middleware:
                yield Request(
                    urljoin(root, "/robots.txt"),
                    callback=self.parse_robots,
                    errback=self.source_failed,
                    priority=SOURCE_PRIORITY + 1,
                    meta={
                        "site": site.name,
                        "dont_obey_robotstxt": True,
                        "handle_httpstatus_list": SOURCE_STATUSES,
                    },
                )
            yield self._source(site, urljoin(root, "/sitemap.xml"))
            yield self._source(site, root)
        else:
            yield self._source(site, src)

    def _source(
        self, site: Site, url: str, parent: str | None = None, depth: int = 0
    ) -> Request | None:
        """The request for a source ``depth`` levels below a given one; None past the
        site's bounds or off the site (counted)."""
        if self._refused(site, url):
            return None
        if depth > self.max_depth:
            self._inc("newsclean/guard/source_too_deep")
            return None
        if self.max_sources and self.sources_requested[site.name] >= self.max_sources:
            self._inc("newsclean/guard/too_many_sources")
            return None
        self.sources_requested[site.name] += 1
        headers = {}
        etag, modified = self.db.validators(url)
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        if parent:
            self.db.add_child(parent, url)
        return Request(
            url,
            callback=self.parse_source,
            errback=self.source_failed,
            headers=headers,
            priority=SOURCE_PRIORITY,
            meta={
                "site": site.name,
                "source": url,
                "source_depth": depth,
                "handle_httpstatus_list": SOURCE_STATUSES,
                **({"download_maxsize": self.source_maxsize} if self.source_maxsize else {}),
            },
        )

    def _article(self, site: Site, url: str) -> Request:
        return Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={"site": site.name, "source": url},
        )

    def _refused(self, site: Site, url: str) -> bool:
        """The one rule for every URL a source of ``site`` lists (article links, child
        sitemaps, robots.txt ``Sitemap:`` lines, a front page's feeds): at most
        ``URLLENGTH_LIMIT`` characters (:meth:`_too_long`), and the URL guard's
        (:class:`crawler.middlewares.SitePolicy`: the site's own http(s) hosts, no
        private address), applied before a request is made and counted as the guard's
        reason.  With ``NEWSCLEAN_SITE_GUARD`` off, the length only (the DNS guard still
        applies)."""
        if self._too_long(url):
            return True
        if self.policy is None:
            return False
        reason = self.policy.refusal(url, site.name)
        if reason is None:
            return False
        self._inc(f"newsclean/guard/{reason}")
        log.debug("not fetching %s: %s", url, reason)
        return True

    def _too_long(self, url: str) -> bool:
        """True (counted as ``url_too_long``) for a URL over ``URLLENGTH_LIMIT`` characters.

        Scrapy's UrlLengthMiddleware did this as a spider middleware, which wraps every
        callback's output in one more layer of asynchronous generators (for every article
        response too, which yields one item and no request); the spider checks each URL it
        requests here instead, before a request is made (crawler/settings.py)."""
        if not self.max_url_length or len(url) <= self.max_url_length:
            return False
        self._inc("newsclean/guard/url_too_long")
        log.debug("not fetching %s: url_too_long", url)
        return True

    def _fresh(self, site: Site, date: datetime | None) -> bool:
        if site.max_age_days is None or date is None:
            return True
        return date >= self.now - timedelta(days=site.max_age_days)

    # --- sources ------------------------------------------------------------------------

    def parse_robots(self, response: Response) -> Iterator[Request]:
        site = self.sites[response.meta["site"]]
        if response.status != 200:
            return
        robots = Protego.parse(response.text)
        for sitemap in robots.sitemaps:
            req = self._source(site, urljoin(response.url, sitemap))
            if req is not None:
                yield req

    def parse_source(self, response: Response) -> Iterator[Request]:
        site = self.sites[response.meta["site"]]
        source = response.meta["source"]
        depth = response.meta.get("source_depth", 0) + 1
        if response.status == 304:
            self._inc("newsclean/sources_unchanged")
            for child in self.db.children(source):
                req = self._source(site, child, depth=depth)
                if req is not None:
                    yield req
            return
        if response.status in (404, 410):
            self._inc("newsclean/sources_missing")  # e.g. no /sitemap.xml: normal
            return
        if response.status >= 400:
            self._inc(f"newsclean/source_errors/{urlsplit(source).hostname}")
            return
        self._inc("newsclean/sources_fetched")
        ctype = (response.headers.get(b"Content-Type") or b"").decode("latin-1")
        if looks_like_xml(response.body, ctype):
            yield from self._parse_xml(site, source, response)
        else:
            for feed in feed_links(response.body, response.url):
                req = self._source(site, feed, parent=source, depth=depth)
                if req is not None:
                    yield req
        # Only now, after every URL it lists is in the state, may a 304 stand for this source.
        self.db.set_validators(
            source,
            _header(response, b"ETag"),
            _header(response, b"Last-Modified"),
        )

    def _parse_xml(self, site: Site, source: str, response: Response) -> Iterator[Request]:
        maxsize = response.meta.get("download_maxsize") or self.settings.getint("DOWNLOAD_MAXSIZE")
        parsed = parse_xml_source(response.body, response.url, maxsize)
        if parsed.refused:
            self._inc(f"newsclean/guard/{parsed.refused}")
            log.warning("source %s not read: %s", source, parsed.refused)
            return
        if parsed.kind == "unknown":
            self._inc("newsclean/guard/unreadable")
        depth = response.meta.get("source_depth", 0) + 1
        for child in parsed.sources:
            if self._fresh(site, child.date):
                req = self._source(site, child.url, parent=source, depth=depth)
                if req is not None:
                    yield req
            else:
                self._inc("newsclean/skipped_old_sitemaps")
        entries: list[tuple[str, str, float | None]] = []
        for link in parsed.pages:
            url = request_url(link.url)
            if self._refused(site, url):
                continue
            if not site.url_allowed(url):
                self._inc("newsclean/skipped_not_allowed")
                continue
            if not self._fresh(site, link.date):
                self._inc("newsclean/skipped_too_old")
                continue
            entries.append((url, site.name, link.date.timestamp() if link.date else None))
        # every URL in the state before the first request for one is yielded (one commit)
        for (url, _, _), due in zip(entries, self.db.add_pending_many(entries), strict=True):
            if due:
                yield self._article(site, url)
            else:
                self._inc("newsclean/skipped_done")

    def source_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        host = urlsplit(request.url).hostname
        reason = guard_reason(failure.value, host)
        if reason:
            self._inc(f"newsclean/guard/{reason}")
            return
        if failure.check(IgnoreRequest):
            self._inc("newsclean/sources_forbidden")
            return
        self._inc(f"newsclean/source_errors/{host}")
        log.warning("source %s failed: %s", request.url, failure.getErrorMessage())

    # --- articles -----------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[dict[str, Any]]:
        site = self.sites[response.meta["site"]]
        source = response.meta["source"]
        self._inc("newsclean/pages_fetched")
        ctype = (response.headers.get(b"Content-Type") or b"").lower()
        if (ctype and not any(t in ctype for t in HTML_TYPES)) or response.body.startswith(
            BINARY_MAGIC
        ):
            self._inc("newsclean/dropped/not_html")
            self.db.mark([source, response.url], "dropped", site.name)
            return
        yield {
            "url": source,
            "response_url": response.url,
            "status": response.status,
            # Scrapy's Headers is a dict of normalised name -> values; its own items() looks
            # each name up again through its case folding (half of this list's cost)
            "headers": [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, vs in dict.items(response.headers)
                for v in vs
            ],
            "body": response.body,
            "fetched_at": datetime.now(timezone.utc),
            "site": site.name,
            "profile": site.profile,
        }

    def article_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        site = request.meta.get("site")
        host = urlsplit(request.url).hostname
        if isinstance(failure.value, HttpError):
            status = failure.value.response.status
            if status in (404, 410):
                self._inc("newsclean/gone")
                self.db.mark([request.meta.get("source", request.url)], "gone", site)
                return
            if 300 <= status < 400:  # a redirect Scrapy would not follow (to file:, ftp:, ...)
                self._inc("newsclean/guard/redirect_refused")
                self.db.mark([request.meta.get("source", request.url)], "dropped", site)
                return
            self._inc(f"newsclean/errors/{host}")
            return
        reason = guard_reason(failure.value, host)
        if reason:
            self._inc(f"newsclean/guard/{reason}")
            if reason != "timeout":  # the same answer next run: do not ask again
                self.db.mark([request.meta.get("source", request.url)], "dropped", site)
            return
        if failure.check(IgnoreRequest):
            self._inc("newsclean/skipped_forbidden")
            return
        self._inc(f"newsclean/errors/{host}")
        log.warning("article %s failed: %s", request.url, failure.getErrorMessage())


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
