"""A request dupefilter whose memory does not grow with the crawl: fingerprints live in SQLite."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.dupefilters import BaseDupeFilter
from scrapy.utils.request import RequestFingerprinterProtocol
from w3lib.url import canonicalize_url

from pipelines.crawl.state import STATE_DIR, SeenSet

log = logging.getLogger(__name__)


def redirect_loop(request: Request) -> bool:
    """True if ``request`` redirects back to a URL of its own redirect chain (A -> B -> A);
    a redirect to a URL requested elsewhere in the run (two sitemap URLs redirecting to one
    article) is none."""
    chain = request.meta.get("redirect_urls")
    if not chain:
        return False
    here = canonicalize_url(request.url)
    return any(canonicalize_url(url) == here for url in chain)


def count_filtered(crawler: Crawler, request: Request) -> None:
    """Count a request a dupefilter dropped, and a redirect loop as the guard it is
    (``newsclean/guard/redirect_loop``), for the local and the shared dupefilter alike."""
    if crawler.stats:
        crawler.stats.inc_value("dupefilter/filtered")
        if redirect_loop(request):
            crawler.stats.inc_value("newsclean/guard/redirect_loop")


class SQLiteDupeFilter(BaseDupeFilter):
    """Drop requests already seen in this run; the set is a temporary SQLite table in OUTDIR.

    Scrapy's default keeps every fingerprint in a Python set, which grows without
    bound on long crawls.  The table is emptied at each run start: what to skip
    across runs is the crawl state's business (:mod:`pipelines.crawl.state`).
    """

    def __init__(self, path: Path, fingerprinter: RequestFingerprinterProtocol, crawler: Crawler):
        self.seen = SeenSet(path)
        self.fingerprinter = fingerprinter
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SQLiteDupeFilter:
        outdir = crawler.settings.get("NEWSCLEAN_OUTDIR") or "."
        return cls(Path(outdir) / STATE_DIR / "seen.sqlite", crawler.request_fingerprinter, crawler)

    def request_seen(self, request: Request) -> bool:
        return not self.seen.add(self.fingerprinter.fingerprint(request))

    def log(self, request: Request, spider: Spider) -> None:
        """Count the filtered request (Scrapy calls this for each one)."""
        count_filtered(self.crawler, request)

    def close(self, reason: str) -> None:
        self.seen.close()
