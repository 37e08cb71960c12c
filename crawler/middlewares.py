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
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached

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


class PolitenessMiddleware:
    """Crawl-delay floors, back-off on 429/5xx, and per-host block detection."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        settings = crawler.settings
        self.block_streak = settings.getint("NEWSCLEAN_BLOCK_STREAK", 5)
        self.backoff_base = settings.getfloat("NEWSCLEAN_BACKOFF_BASE", 1.0)
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.user_agent = settings.get("ROBOTSTXT_USER_AGENT") or settings.get("USER_AGENT")
        # host -> minimum seconds between requests (robots Crawl-delay, site override)
        self.floors: dict[str, float] = dict(settings.getdict("NEWSCLEAN_HOST_DELAYS"))
        self.streaks: Counter[str] = Counter()
        # host -> (current back-off seconds, the slot delay before backing off)
        self.backoff: dict[str, tuple[float, float]] = {}
        self.blocked: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PolitenessMiddleware:
        mw = cls(crawler)
        crawler.signals.connect(mw._robots_parsed, signal=signals.robots_parsed)
        return mw

    def _robots_parsed(self, robotparser: RobotParser, request: Request) -> None:
        delay = robotparser.crawl_delay(self.user_agent)
        if delay:
            host = _host(request)
            self.floors[host] = max(self.floors.get(host, 0.0), float(delay))
            log.info("%s: robots.txt Crawl-delay %.2fs", host, delay)

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
        elif status < 400 or status in (404, 410):
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
        wait = max(current * 2, slot.delay, self.backoff_base)
        retry_after = response.headers.get(b"Retry-After")
        if retry_after:
            # An HTTP date is not parsed: the doubling above is back-off enough.
            with contextlib.suppress(ValueError):
                wait = max(wait, float(retry_after.decode("latin-1")))
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
