"""Scrapy's robots.txt middleware, bounded and with every waiting request checked.

* Bounded: only the first ``NEWSCLEAN_ROBOTS_MAXSIZE`` bytes (512 KiB; whole lines) of
  a longer robots.txt are parsed.  RFC 9309 (2.5) asks crawlers to parse at least the
  first 500 KiB; the stock middleware hands Protego the whole body (up to
  ``DOWNLOAD_MAXSIZE``, past which the download fails and every URL is allowed).  A cut
  robots.txt is counted as ``robots_truncated``.
* Unreachable means disallowed: a robots.txt answered with a server error (5xx) or 429,
  after the retries every request gets, is read as ``Disallow: /`` for the run (RFC 9309
  2.3.1.4: "the crawler MUST assume complete disallow"); the stock middleware parses the
  error page as an empty robots.txt and crawls everything.  Counted as
  ``robots_unavailable``.  A 4xx (robots.txt not there) allows all, as the RFC has it.
* Checked: in Scrapy 2.13-2.19 ``RobotsTxtMiddleware.robot_parser`` awaits the one
  Deferred of a host's pending robots.txt from each waiting request; the first await
  takes the parser and the others get None, which the middleware reads as "no
  robots.txt": every request but one that arrived while robots.txt was being fetched
  went out unchecked.  That is the case of a crawl's first requests to a host, of the
  pending URLs a run queues at start, and of the requests a shared crawl (``--redis``)
  hands over from a stopped process.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

log = logging.getLogger(__name__)

DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class CheckedRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware reading at most ``NEWSCLEAN_ROBOTS_MAXSIZE`` bytes of
    a robots.txt, whose waiting requests all get the host's parser."""

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        self._max_bytes = crawler.settings.getint("NEWSCLEAN_ROBOTS_MAXSIZE", 512 << 10)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500 or response.status == 429:
            self.crawler.stats.inc_value("newsclean/guard/robots_unavailable")
            log.warning(
                "%s: robots.txt answered %d: nothing of this host is crawled this run "
                "(RFC 9309: an unreachable robots.txt disallows all)",
                netloc,
                response.status,
            )
            response = response.replace(body=DISALLOW_ALL)
        body = response.body
        if len(body) > self._max_bytes:
            cut = body[: self._max_bytes]
            response = response.replace(body=cut[: cut.rfind(b"\n") + 1] or cut)
            self.crawler.stats.inc_value("newsclean/guard/robots_truncated")
            log.warning(
                "%s: robots.txt of %d bytes, read its first %d", netloc, len(body), self._max_bytes
            )
        await super()._parse_robots(response, netloc, request)

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            # Once robots.txt is read (or failed: then None, as Scrapy has it) the table
            # holds the answer itself instead of the Deferred.
            current = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(current, Deferred):
                parser = current
        return parser
