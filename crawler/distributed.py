"""Scrapy components of a crawl shared through Redis (``newsclean crawl --redis URL``).

scrapy-redis's scheduler holds the request queue; ``NEWSCLEAN_REDIS_SETTINGS`` in
:mod:`crawler.settings` plugs these in beside it:

* :class:`InFlightQueue`: scrapy-redis's priority queue whose pop also notes the
  request as in flight for this process (one Redis script), so that a process that
  dies loses no request: the others put its unfinished ones back in the queue.
* :class:`CanonicalDupeFilter`: scrapy-redis's dupefilter, fingerprinting with the
  crawler's request fingerprinter as the local SQLite dupefilter does.
* :class:`SharedPoliteHTTP` (download handler): the per-host delay and concurrency
  hold across all processes (a Redis lease per request in progress, and a turn per
  request, ``delay`` seconds after the one before).
* :class:`CrawlMembership` (extension): re-queues the work of dead processes, wakes
  the engine when the queue has requests, and closes the spider only when the whole
  crawl is over (queue empty, every live process idle).

The state itself (:class:`pipelines.crawl.redis_state.RedisCrawlState`) is the
spider's ``crawl_state``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import NoReturn

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from twisted.internet import task

from crawler.dupefilter import count_filtered
from crawler.handlers import PooledHTTPDownloadHandler
from crawler.middlewares import (
    BACKOFF_CODES,
    BLOCK_CODES,
    ends_streak,
    host_floors,
    retry_after,
)
from pipelines.crawl.redis_state import DUPEFILTER_KEY, RedisCrawlState
from pipelines.crawl.state import url_key

log = logging.getLogger(__name__)


def _state(spider: Spider | None) -> RedisCrawlState:
    state = getattr(spider, "crawl_state", None)
    if not isinstance(state, RedisCrawlState):
        raise NotConfigured("the spider's crawl_state is not a RedisCrawlState (use --redis)")
    return state


class InFlightQueue(PriorityQueue):
    """scrapy-redis's priority queue; each entry carries its URL key, so the pop can note
    it in flight in the same Redis script."""

    def push(self, request: Request) -> None:
        data = url_key(request.url).encode() + b"\n" + self._encode_request(request)
        self.server.execute_command("ZADD", self.key, -request.priority, data)

    def pop(self, timeout: int = 0) -> Request | None:
        data = _state(self.spider).pop(self.key)
        if not data:
            return None
        return self._decode_request(data.split(b"\n", 1)[1])


class CanonicalDupeFilter(RFPDupeFilter):
    """Requests seen in this run by any process, by the crawler's request fingerprint."""

    @classmethod
    def from_spider(cls, spider: Spider) -> CanonicalDupeFilter:
        df = cls(_state(spider).redis, key=DUPEFILTER_KEY)
        df.fingerprinter = spider.crawler.request_fingerprinter
        return df

    def request_fingerprint(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    def log(self, request: Request, spider: Spider) -> None:
        super().log(request, spider)
        count_filtered(spider.crawler, request)  # a redirect loop too, as the local one does

    def close(self, reason: str = "") -> None:
        """The set belongs to the run, not to this process: the first process of the next
        run empties it."""


class SharedPoliteHTTP(PooledHTTPDownloadHandler):
    """The local crawl's pooled HTTP download handler (:mod:`crawler.handlers`), keeping the per-host delay and concurrency across
    all processes of the crawl.

    When the local download slot hands a request over (after its own delay and
    concurrency), the request waits for its host's turn: a lease free (at most the
    slot's concurrency in progress over all processes) and the slot's delay
    (AutoThrottle, Crawl-delay floor, back-off) passed since the previous request of any
    process.  Taken as the last step before the network, the turn is what the site sees.
    A 429 or 5xx answer starts a back-off of the host that all processes keep (it doubles
    with each such answer from any process, halves with each success, and ends below
    ``NEWSCLEAN_BACKOFF_BASE``), and ``NEWSCLEAN_BLOCK_STREAK`` 403/429 answers in a row,
    over all processes, block the host for all of them for the rest of the run.
    """

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.default_concurrency = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN", 8)
        self.lease_seconds = settings.getfloat("DOWNLOAD_TIMEOUT", 180) + 60
        # the hosts' minimum delays (sites file, robots.txt Crawl-delay): a slot's own
        # delay may still be below them on the first requests
        self.floors = host_floors(crawler)
        self.tokens = itertools.count()
        self.backoff_base = settings.getfloat("NEWSCLEAN_BACKOFF_BASE", 1.0)
        self.max_delay = settings.getfloat("AUTOTHROTTLE_MAX_DELAY", 60.0)
        self.block_streak = settings.getint("NEWSCLEAN_BLOCK_STREAK", 5)

    def _slot_of(self, request: Request) -> tuple[str, float, int]:
        downloader = self.crawler.engine.downloader
        key = downloader.get_slot_key(request)
        floor = self.floors.get(urlparse_cached(request).hostname or "")
        slot = downloader.slots.get(key)
        if slot is None:  # not through the downloader: no slot to follow
            return key, floor, self.default_concurrency
        return key, max(slot.delay, floor), slot.concurrency

    async def download_request(self, request: Request) -> Response:
        state = _state(self.crawler.spider)
        host, delay, concurrency = self._slot_of(request)
        token = str(next(self.tokens))
        # Asked even with no delay of our own: another process's delay may still run.
        limit = max(1, concurrency)
        while True:
            wait, backoff, refusals = state.take_turn(
                host, token, limit, delay, self.lease_seconds
            )
            if wait == 0:
                break
            if wait < 0:  # blocked; robots.txt itself is still asked, as in the process
                if not request.meta.get("dont_obey_robotstxt"):
                    self._blocked(host)
                break
            await asyncio.sleep(wait)
        try:
            response = await super().download_request(request)
            # Noted while the lease is still held, so that no request of another process
            # takes a turn between this answer and its count.
            self._answered(state, host, delay, backoff, refusals, request, response)
        finally:
            state.release_host(host, token)
        return response

    def _answered(
        self, state: RedisCrawlState, host: str, delay: float, backoff: float, refusals: int,
        request: Request, response: Response,
    ) -> None:
        """The back-off after a 429/5xx and the streak of refusals are the host's, not this
        process's: the others space their requests by the back-off, and a streak over all
        processes blocks the host for all (PolitenessMiddleware still does both within the
        process).  What ends a streak is :func:`crawler.middlewares.ends_streak`'s: not the
        robots.txt of a process joining while the host refuses the others."""
        status = response.status
        if status in BACKOFF_CODES:
            state.back_off(host, self.backoff_base, max(delay, retry_after(response)), self.max_delay)
        elif backoff and status < 400:
            state.recover(host, self.backoff_base)
        if status in BLOCK_CODES:
            if state.refused(host, status, self.block_streak):
                log.warning("%s: %d answers %s in a row over all processes; stopping requests "
                            "to it", host, self.block_streak, status)
        elif refusals and ends_streak(request, response):
            state.accepted(host)

    def _blocked(self, host: str) -> NoReturn:
        stats = self.crawler.stats
        stats.inc_value(f"newsclean/skipped_blocked/{host}")
        if stats.get_value(f"newsclean/blocked/{host}") is None:
            status = _state(self.crawler.spider).blocked().get(host, 403)
            stats.set_value(f"newsclean/blocked/{host}", status)
        raise IgnoreRequest(f"{host} is blocking us")


class CrawlMembership:
    """The process's part in the shared crawl: reaping, waking, and when to close."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.item_callbacks = set(crawler.settings.getlist("NEWSCLEAN_REDIS_ITEM_CALLBACKS"))
        self.every = crawler.settings.getfloat("NEWSCLEAN_REDIS_POLL", 1.0)
        self.loop: task.LoopingCall | None = None
        self.failing_since: float | None = None  # monotonic time of the first failed call

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlMembership:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    @property
    def state(self) -> RedisCrawlState:
        return _state(self.crawler.spider)

    def spider_opened(self, spider: Spider) -> None:
        self.loop = task.LoopingCall(self._tick)
        self.loop.start(self.every, now=False)

    def _tick(self) -> None:
        try:
            moved = self.state.reap()
        except redis.RedisError as exc:
            self._failed(exc)
            return
        self.failing_since = None
        if moved:
            log.warning("re-queued %d requests of a crawl process that stopped", moved)
            self.crawler.stats.inc_value("newsclean/requeued_from_dead", moved)
        # Requests queued by other processes, or the end of the crawl (the idle check runs
        # when the engine finds nothing to do), are seen within a tick.
        self._wake()

    def _failed(self, exc: redis.RedisError) -> None:
        """Redis did not answer.  Past the heartbeat's TTL the other processes take this one
        for dead and fetch its unfinished pages themselves, so it stops (one error line from
        ``newsclean crawl``) instead of retrying for ever."""
        now = time.monotonic()
        if self.failing_since is None:
            self.failing_since = now
        state = self.state
        if now - self.failing_since < state.ttl or state.lost:
            return
        state.lost = f"{exc}"
        log.error("Redis at %s failed for %.0f s (%s): stopping", state.url, state.ttl, exc)
        engine, spider = self.crawler.engine, self.crawler.spider
        if engine is not None and spider is not None:
            engine.close_spider(spider, "redis_lost")

    def _wake(self) -> None:
        # The engine asks an empty scheduler again on its own heartbeat (5 s) only.
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    def response_received(self, response: Response, request: Request, spider: Spider) -> None:
        # A source (sitemap, feed) is done with once its response is here: if this process
        # dies while parsing it, the next run reads it again.  An article stays in flight
        # until its URL is finished (written, dropped or gone).
        callback = getattr(request.callback, "__name__", None)
        if callback not in self.item_callbacks:
            self.state.release(request.url)

    def spider_idle(self, spider: Spider) -> None:
        if self.state.lost:
            return
        try:
            answer = self.state.idle()
        except redis.RedisError as exc:
            self._failed(exc)
            raise DontCloseSpider from None
        if answer == "done":
            return
        if answer == "dead":
            self._tick()
        elif answer == "work":
            self._wake()
        raise DontCloseSpider

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        try:
            moved = self.state.leave(finished=reason == "finished")
        except redis.RedisError as exc:
            log.error("could not leave the crawl in %s: %s", self.state.url, exc)
            return
        if moved:
            log.info("left %d unfinished requests in the queue for the other processes", moved)

