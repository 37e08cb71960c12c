"""Scrapy's scheduler, keeping the first requests in memory and the rest in its disk queue;
Scrapy's stats collector without its per-attribute wrapper (:class:`PlainStatsCollector`);
Scrapy's core stats without their per-item signal receivers (:class:`RunStats`).

``newsclean crawl`` sets ``JOBDIR`` so that a first run over sites with 100,000s of
sitemap entries does not hold them all in memory.  With it, Scrapy's scheduler sends
*every* request through the disk queue: each is turned into a dict, pickled, written,
read back and rebuilt, about 0.1 ms of the crawl process's CPU per page, taken from the
cleaning processes on a small machine.  The queue is per run (deleted at the start: what
a killed run had not fetched is still 'pending' in the crawl state), so nothing relies
on a request being on disk.

:class:`SpillingScheduler` keeps up to ``NEWSCLEAN_MEMORY_REQUESTS`` article requests in
Scrapy's memory queue and sends the others to the disk queue, so memory stays bounded
(a request held in memory is about 1-2 KB).  Requests of a priority above 0 (robots.txt,
sitemaps and feeds, a few per site, capped by ``NEWSCLEAN_MAX_SOURCES``) always stay in
memory: the memory queue is popped first, so discovery keeps its turn before articles.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request, signals
from scrapy.core.scheduler import Scheduler
from scrapy.extensions.corestats import CoreStats
from scrapy.statscollectors import MemoryStatsCollector


class SpillingScheduler(Scheduler):
    """Scrapy's scheduler; the disk queue only takes what the memory queue has no room for."""

    @classmethod
    def from_crawler(cls, crawler: Any) -> SpillingScheduler:
        scheduler = super().from_crawler(crawler)
        assert isinstance(scheduler, SpillingScheduler)
        scheduler.memory_requests = crawler.settings.getint("NEWSCLEAN_MEMORY_REQUESTS", 5000)
        return scheduler

    memory_requests = 5000
    in_memory = 0  # requests pushed into the memory queue and not popped yet

    def _dqpush(self, request: Request) -> bool:
        if request.priority > 0 or self.in_memory < self.memory_requests:
            return False  # Scrapy's scheduler then pushes it into the memory queue
        return super()._dqpush(request)

    def _mqpush(self, request: Request) -> None:
        super()._mqpush(request)
        self.in_memory += 1

    def next_request(self) -> Request | None:
        # Scrapy's: the memory queue first, then the disk queue; counted here
        request: Request | None = self.mqs.pop()
        assert self.stats is not None
        if request is not None:
            self.in_memory -= 1
            self.stats.inc_value("scheduler/dequeued/memory")
        else:
            request = self._dqpop()
            if request is not None:
                self.stats.inc_value("scheduler/dequeued/disk")
        if request is not None:
            self.stats.inc_value("scheduler/dequeued")
        return request


class PlainStatsCollector(MemoryStatsCollector):
    """Scrapy's stats collector without the wrapper it puts around every attribute read.

    Scrapy 2.19's ``StatsCollector.__getattribute__`` builds a name and looks up a cached
    wrapper (warning about a deprecated ``spider`` argument) on each access: about 20
    increments a page, 2 % of the crawl process's CPU.  Here attributes are read as on
    any object; a ``spider`` argument is accepted and ignored, as Scrapy's methods do.
    """

    __getattribute__ = object.__getattribute__


class RunStats(CoreStats):
    """Scrapy's ``CoreStats`` (start and finish time, ``finish_reason``, responses received)
    without its ``item_scraped`` and ``item_dropped`` receivers: the item pipeline counts
    ``item_scraped_count``, ``item_dropped_count`` and ``item_dropped_reasons_count/DropItem``
    itself (:class:`pipelines.crawl.item_pipeline.CleaningPipeline`), the only pipeline.

    Scrapy sends both signals asynchronously: with a receiver each item costs an asyncio
    task and its turn of the loop (about 50 us of the crawl process's CPU per page, which
    is taken from the cleaning processes on a small machine); with none, nothing waits.
    """

    @classmethod
    def from_crawler(cls, crawler: Any) -> RunStats:
        stats = cls(crawler.stats)
        crawler.signals.connect(stats.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(stats.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(stats.response_received, signal=signals.response_received)
        return stats
