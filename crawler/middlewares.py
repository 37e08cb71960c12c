"""Downloader middleware for politeness the stock Scrapy components leave out.

* ``Crawl-delay`` from robots.txt (and a site's ``download_delay``) is a floor
  for the host's download slot, which AutoThrottle may raise but never lower.
* Back-off: a 429 or 5xx response doubles the host's delay (or applies its
  ``Retry-After``), up to ``AUTOTHROTTLE_MAX_DELAY``, before Scrapy's retry
  middleware sends the request again.
* Blocks: after ``NEWSCLEAN_BLOCK_STREAK`` consecutive 403/429 answers from a
  host, its remaining requests are dropped and the host is reported as blocked.

:class:`CheapMetaRefreshMiddleware` replaces Scrapy's meta-refresh redirects with the
same behaviour at a fraction of the crawl process's CPU.

:class:`SiteGuardMiddleware` sends only http(s) requests to the crawl's own sites: no
``file:``, ``ftp:`` or ``data:`` URL, no host of another site, and no loopback,
private, link-local or otherwise non-public address unless it is a source's own
host and port.  :func:`guard_reason` names the guard that stopped a failed request
(refused, too large, too slow, too many redirects) for the run summary.
"""

from __future__ import annotations

import contextlib
import logging
import re
import weakref
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import ParseResult, SplitResult, urlsplit

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.downloadermiddlewares.stats import DownloaderStats
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadTimeoutError,
    IgnoreRequest,
    NotConfigured,
)
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.spidermiddlewares.start import StartSpiderMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.error import DNSLookupError

from crawler.resolver import REFUSED_NAMES, is_address, non_public_address

log = logging.getLogger(__name__)

# get_meta_refresh reads the first 4096 characters; in any ASCII-compatible encoding
# they lie within the first 16 KB.
META_REFRESH_WINDOW = 16384
# A refresh is declared in a <meta> tag's attributes; the word alone also turns up in
# the scripts of news pages (ad and live-blog refreshers): 27 of 561 real news pages
# had it in their first 16 KB, 4 of them inside a <meta> tag.
_META_REFRESH = re.compile(rb"<meta\b[^>]*refresh", re.IGNORECASE)
BLOCK_CODES = (403, 429)
BACKOFF_CODES = (429, 500, 502, 503, 504, 522, 524)


def _host(request: Request) -> str:
    return urlparse_cached(request).hostname or ""


class HostFloors:
    """host -> minimum seconds between its requests: the sites file's delays
    (``NEWSCLEAN_HOST_DELAYS``), raised to robots.txt's Crawl-delay once it is read.

    One per crawler (:func:`host_floors`): :class:`PolitenessMiddleware` and, in a shared
    crawl, :class:`crawler.distributed.SharedPoliteHTTP` read the same table."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        self.by_host: dict[str, float] = dict(settings.getdict("NEWSCLEAN_HOST_DELAYS"))
        # Scrapy's signals hold their receivers weakly: the bound method lives with self.
        crawler.signals.connect(self.robots_parsed, signal=signals.robots_parsed)

    def robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            host = _host(request)
            self.by_host[host] = max(self.by_host.get(host, 0.0), float(delay))
            log.info("%s: robots.txt Crawl-delay %.2fs", host, delay)

    def get(self, host: str) -> float:
        return self.by_host.get(host, 0.0)


_FLOORS: weakref.WeakKeyDictionary[Crawler, HostFloors] = weakref.WeakKeyDictionary()


def host_floors(crawler: Crawler) -> HostFloors:
    """The crawler's :class:`HostFloors`, made on first use."""
    floors = _FLOORS.get(crawler)
    if floors is None:
        floors = _FLOORS[crawler] = HostFloors(crawler)
    return floors


def ends_streak(request: Request, response: Response) -> bool:
    """Whether ``response`` ends its host's streak of refusals (403/429 in a row): an
    answer that is not a refusal nor a server error (a 404 or 410 is an answer too), to a
    request for anything but robots.txt.

    robots.txt is asked by every process when it starts, whatever the host does with the
    crawl's pages: a site refusing them may still serve it, so its 200 says nothing of
    whether the refusals have ended.  In a shared crawl a process joining late would
    otherwise restart the streak the others built, and the host would be blocked late
    or never.  A 403/429 on robots.txt is still a refusal (it is counted by the caller)."""
    status = response.status
    if status in BLOCK_CODES or urlparse_cached(request).path == "/robots.txt":
        return False
    return status < 400 or status in (404, 410)


def retry_after(response: Response) -> float:
    """The seconds a response's ``Retry-After`` asks for, 0 if none.  An HTTP date is not
    parsed: the doubling of the back-off is back-off enough."""
    value = response.headers.get(b"Retry-After")
    if value:
        with contextlib.suppress(ValueError):
            return max(0.0, float(value.decode("latin-1")))
    return 0.0


class PolitenessMiddleware:
    """Crawl-delay floors, back-off on 429/5xx, and per-host block detection."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.block_streak = settings.getint("NEWSCLEAN_BLOCK_STREAK", 5)
        self.backoff_base = settings.getfloat("NEWSCLEAN_BACKOFF_BASE", 1.0)
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.floors = host_floors(crawler)
        self.streaks: Counter[str] = Counter()
        # host -> (current back-off seconds, the slot delay before backing off)
        self.backoff: dict[str, tuple[float, float]] = {}
        self.blocked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        return cls(crawler)

    def _slot(self, request: Request) -> Any:
        try:
            downloader = self.crawler.engine.downloader
        except (RuntimeError, AttributeError):  # no engine: not crawling yet
            return None
        return downloader.slots.get(downloader.get_slot_key(request))

    def _apply_floor(self, request: Request) -> None:
        floor = self.floors.get(_host(request))
        if not floor:
            return
        slot = self._slot(request)
        if slot is not None and (slot.delay < floor or slot.jitter):
            slot.delay = max(slot.delay, floor)
            slot.jitter = 0.0  # jitter would make some gaps shorter than the Crawl-delay

    def process_request(self, request: Request) -> None:
        host = _host(request)
        if host in self.blocked and not request.meta.get("dont_obey_robotstxt"):
            self.crawler.stats.inc_value(f"newsclean/skipped_blocked/{host}")
            raise IgnoreRequest(f"{host} is blocking us")
        self._apply_floor(request)

    def process_response(self, request: Request, response: Response) -> Response:
        host = _host(request)
        status = response.status
        if status in BLOCK_CODES:
            self.streaks[host] += 1
            self.crawler.stats.inc_value(f"newsclean/http_{status}/{host}")
            if self.streaks[host] >= self.block_streak and host not in self.blocked:
                self.blocked.add(host)
                self.crawler.stats.set_value(f"newsclean/blocked/{host}", status)
                self._drain(request, host)
                log.warning(
                    "%s: %d answers %s in a row; stopping requests to it",
                    host,
                    self.streaks[host],
                    status,
                )
        elif ends_streak(request, response):
            self.streaks[host] = 0
        if status in BACKOFF_CODES:
            self._back_off(request, response)
        elif status < 400 and host in self.backoff:
            self._recover(request, host)
        self._apply_floor(request)
        return response

    def _drain(self, request: Request, host: str) -> None:
        """Cancel the host's requests already waiting in its download slot: they passed
        process_request before the block, and would otherwise still be sent."""
        slot = self._slot(request)
        queue = getattr(slot, "queue", None)
        while queue:
            waiting, deferred = queue.popleft()
            self.crawler.stats.inc_value(f"newsclean/skipped_blocked/{host}")
            deferred.errback(IgnoreRequest(f"{host} is blocking us"))

    def _back_off(self, request: Request, response: Response) -> None:
        slot = self._slot(request)
        if slot is None:
            return
        host = _host(request)
        current, normal = self.backoff.get(host, (0.0, slot.delay))
        wait = max(current * 2, slot.delay, self.backoff_base, retry_after(response))
        wait = min(wait, self.max_delay)
        self.backoff[host] = (wait, normal)
        slot.delay = wait
        self.crawler.stats.inc_value(f"newsclean/backoffs/{host}")
        log.debug("%s: HTTP %d, delay now %.2fs", host, response.status, slot.delay)

    def _recover(self, request: Request, host: str) -> None:
        """After a success, halve the back-off; below the base it ends and the slot gets its
        earlier delay back (AutoThrottle, when on, keeps adjusting it from there)."""
        current, normal = self.backoff[host]
        current /= 2
        slot = self._slot(request)
        if current < self.backoff_base:
            del self.backoff[host]
            if slot is not None:
                slot.delay = normal
        else:
            self.backoff[host] = (current, normal)
            if slot is not None:
                slot.delay = current


class CheapMetaRefreshMiddleware(MetaRefreshMiddleware):
    """Scrapy's meta-refresh redirects, looked for only in pages with a ``<meta ...refresh``.

    The stock middleware decodes every HTML body to text (encoding detection included:
    0.1-0.3 ms per news page in the crawl process, which shares the cores with the
    cleaning processes, and the decoded copy lives as long as the response) to find the
    rare ``<meta http-equiv="refresh">``.  A byte search of the window it reads skips the
    pages that cannot have one (in an ASCII-compatible encoding, as the stock one assumes).
    """

    # Scrapy 2.13+ style (no spider argument); the parent keeps the old one for its callers.
    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if not _META_REFRESH.search(response.body, 0, META_REFRESH_WINDOW):
            return response
        return super().process_response(request, response)


class StartRequestsMiddleware(StartSpiderMiddleware):
    """Scrapy's start middleware (``is_start_request`` set in the start requests' meta, which
    sends them to the scheduler's start queues) without its output methods.

    Scrapy's would also pass every callback's output through ``get_processed_request``,
    which leaves any request not made at the start alone: for each response, a layer of
    asynchronous generators that changes nothing.  Spider middlewares without those
    methods are left out of the output chain."""

    process_spider_output = None  # type: ignore[assignment]
    process_spider_output_async = None  # type: ignore[assignment]


class CountingDownloaderStats(DownloaderStats):
    """Scrapy's downloader stats without the byte counts (``downloader/request_bytes``,
    ``downloader/response_bytes``): requests, responses by status and exceptions are
    still counted (the run summary's ``requests`` is ``downloader/request_count``).

    The byte counts rebuild each request's HTTP text and add up each response's header
    lengths, about 0.3 ms per page in the crawl process (cProfile), which shares the
    cores with the cleaning processes; nothing reads them.
    """

    # Scrapy 2.13+ style (no spider argument), as CheapMetaRefreshMiddleware
    def process_request(  # type: ignore[override]
        self, request: Request
    ) -> Request | Response | None:
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value(f"downloader/request_method_count/{request.method}")
        return None

    def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        self.stats.inc_value("downloader/response_count")
        self.stats.inc_value(f"downloader/response_status_count/{response.status}")
        return response


# --- where the crawler may go ------------------------------------------------------------

DEFAULT_PORTS = {"http": 80, "https": 443}
LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_NUMERIC_HOST = re.compile(r"(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+))*")


class SiteLike(Protocol):
    """What the guard needs of a :class:`pipelines.crawl.sites.Site`."""

    @property
    def sources(self) -> tuple[str, ...]: ...

    def same_site(self, url: str) -> bool: ...


class Refused(IgnoreRequest):
    """A request the guard does not send; ``reason`` is counted in the run summary."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: not fetched ({reason})")
        self.reason = reason


def _endpoint(parts: SplitResult | ParseResult) -> tuple[str, int | None]:
    try:
        port = parts.port
    except ValueError:  # a port that is not a number
        port = -1
    return (parts.hostname or "", port or DEFAULT_PORTS.get(parts.scheme))


def own_endpoints(sites: Iterable[SiteLike]) -> frozenset[tuple[str, int | None]]:
    """(host, port) of every source: the only non-public addresses a crawl may reach."""
    return frozenset(_endpoint(urlsplit(src)) for site in sites for src in site.sources)


def _non_public(host: str) -> bool:
    """True for names and literals of this machine or a private network."""
    host = host.rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith((".localhost", ".local", ".internal")):
        return True
    if is_address(host):
        return non_public_address(host)
    # Not an IP literal.  Integer, octal and hex spellings (http://2130706433/,
    # http://0x7f.1/) are read as addresses by some resolvers; no site is named so.
    return _NUMERIC_HOST.fullmatch(host) is not None


def url_refusal(
    url: str,
    site: SiteLike | None,
    sites: Iterable[SiteLike],
    own: frozenset[tuple[str, int | None]],
) -> str | None:
    """Why ``url`` must not be fetched, or None.

    ``site`` is the site the request was made for (None: any of ``sites``, e.g. for
    robots.txt); ``own`` is :func:`own_endpoints` of ``sites``."""
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        return "scheme"
    endpoint = _endpoint(parts)
    if not endpoint[0] or endpoint[1] == -1:
        return "bad_url"
    if endpoint in own:  # a source's own host and port, even on 127.0.0.1 (tests, intranets)
        return None
    if _non_public(endpoint[0]):
        return "private_address"
    candidates = [site] if site is not None else sites
    if not any(s.same_site(url) for s in candidates):
        return "other_site"
    return None


class SitePolicy:
    """:func:`url_refusal` for the crawl's ``sites`` (name -> site), kept per (site, scheme,
    host:port): the verdict depends on nothing else, so a URL costs one dict lookup.

    The one rule of where the crawler may go: :class:`SiteGuardMiddleware` applies it to
    every request, the spider to every URL a source lists before it makes a request."""

    def __init__(self, sites: Mapping[str, SiteLike]):
        self.sites = sites
        self.own = own_endpoints(sites.values())
        self._verdicts: dict[tuple[str, str, str], str | None] = {}

    def refusal(
        self, url: str, site: str | None, parts: SplitResult | ParseResult | None = None
    ) -> str | None:
        """Why ``url``, asked for by the site named ``site`` (None: any), must not be
        fetched, or None; ``parts`` is ``url`` split, if the caller has it."""
        parts = parts or urlsplit(url)
        key = (site or "", parts.scheme, parts.netloc)
        if key in self._verdicts:
            return self._verdicts[key]
        if len(self._verdicts) > 10_000:  # a sitemap listing endless hosts
            self._verdicts.clear()
        verdict = url_refusal(url, self.sites.get(site or ""), self.sites.values(), self.own)
        self._verdicts[key] = verdict
        return verdict


def guard_reason(exc: BaseException | None, host: str | None = None) -> str | None:
    """The guard behind a failed request to ``host``, for the run summary; None for other
    failures."""
    if isinstance(exc, Refused):
        return exc.reason
    if isinstance(exc, DownloadCancelledError):
        # Scrapy's HTTP handler cancels a download only past DOWNLOAD_MAXSIZE (or the
        # request's download_maxsize): by Content-Length, or while the body streams in.
        return "too_large"
    if isinstance(exc, DownloadTimeoutError):
        return "timeout"
    if isinstance(exc, (CannotResolveHostError, DNSLookupError)) and (
        (host or "").lower() in REFUSED_NAMES
    ):
        return "private_address"  # crawler.resolver: a name of a private address
    if isinstance(exc, IgnoreRequest):
        msg = str(exc)
        if "max redirections" in msg:  # RedirectMiddleware, REDIRECT_MAX_TIMES
            return "too_many_redirects"
        if "DOWNLOAD_MAXSIZE" in msg:  # HttpCompressionMiddleware: a gzip/br/zstd bomb
            return "too_large"
    return None


class SiteGuardMiddleware:
    """Refuse every request outside the crawl's own http(s) sites, before any connection.

    It runs first of the downloader middlewares (before robots.txt's, so not even a
    robots.txt is fetched from a refused host), and sees every request: sitemap and
    feed entries, child sitemaps, robots.txt ``Sitemap:`` lines and each redirect.
    Verdicts are :class:`SitePolicy`'s, kept per (site, scheme, host:port).
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self._policy: SitePolicy | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SiteGuardMiddleware:
        if not crawler.settings.getbool("NEWSCLEAN_SITE_GUARD", True):
            raise NotConfigured
        return cls(crawler)

    def _verdict(self, request: Request, parts: ParseResult) -> str | None:
        if self._policy is None:  # the spider's own, if it has one: one set of verdicts
            spider = self.crawler.spider
            policy = getattr(spider, "policy", None)
            self._policy = policy or SitePolicy(getattr(spider, "sites", None) or {})
        return self._policy.refusal(request.url, request.meta.get("site"), parts)

    def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        reason = self._verdict(request, parts)
        if reason:
            log.info("not fetching %s: %s", request.url, reason)
            raise Refused(request.url, reason)

    def process_exception(self, request: Request, exception: BaseException) -> None:
        # RobotsTxtMiddleware's own robots.txt request has no errback to count its guard:
        # count it here.  The spider's (ROBOTSTXT_OBEY off) has one, which counts it.
        if (
            request.errback is None
            and request.meta.get("dont_obey_robotstxt")
            and urlparse_cached(request).path == "/robots.txt"
        ):
            reason = guard_reason(exception, urlparse_cached(request).hostname)
            if reason:
                self.crawler.stats.inc_value(f"newsclean/guard/robots_{reason}")
