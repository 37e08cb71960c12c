"""Scrapy item pipeline: archive each fetched page, clean it in a process pool, write Parquet.

Items come from :class:`crawler.spiders.news.NewsSpider` as dicts with the
fetched page (``url`` requested, ``response_url`` after redirects, ``status``,
``headers``, ``body``, ``fetched_at``, ``site``, ``profile``).  For each one:

1. the response goes to the WARC archive (``OUTDIR/warc``);
2. the page is cleaned in a worker process (``NEWSCLEAN_WORKERS``, default the
   number of cores, :class:`pipelines.crawl.procpool.ReactorPool`), awaited so the reactor
   keeps crawling;
3. a non-article is dropped with its ``drop_reason`` counted, and its URL
   marked so the next run does not fetch it again;
4. an article row is buffered per crawl date and written as an atomic part file
   ``OUTDIR/crawl_date=YYYY-MM-DD/part-*.parquet`` every ``NEWSCLEAN_BATCH_ROWS``
   rows or ``NEWSCLEAN_FLUSH_SECONDS`` seconds (in a thread, the crawl going on; rows
   that come in meanwhile wait for the next part, which may so hold more); only then are
   its URLs marked done.

Each row gets its ``duplicate_of`` from the folder's duplicate index
(:mod:`pipelines.store.dedup`) when its part is written; the index is committed
after the part is in place.

Settings: ``NEWSCLEAN_OUTDIR`` (required), ``NEWSCLEAN_WORKERS``,
``NEWSCLEAN_BATCH_ROWS`` (500), ``NEWSCLEAN_FLUSH_SECONDS`` (60),
``NEWSCLEAN_WARC`` (True), ``NEWSCLEAN_DROP_DUPLICATES`` (False: duplicates
are written with ``duplicate_of`` set; True: left out, their URLs marked dropped).
"""

from __future__ import annotations

import gc
import logging
import os
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NoReturn

import pyarrow as pa
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task
from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from pipelines.crawl.cleanworker import PageResult, document_id
from pipelines.crawl.procpool import ReactorPool, WorkerDied
from pipelines.crawl.state import CrawlState
from pipelines.store.dedup import Index
from pipelines.store.dedup_redis import open_index
from pipelines.store.parquet import remove_stale_temporaries, write_part
from pipelines.store.warc import WarcFileWriter, recover_partial

log = logging.getLogger(__name__)


__all__ = ["CleaningPipeline", "document_id"]


class CleaningPipeline:
    """Clean fetched pages off the reactor thread and store articles durably."""

    def __init__(self, crawler: Crawler):
        settings = crawler.settings
        outdir = settings.get("NEWSCLEAN_OUTDIR")
        if not outdir:
            raise NotConfigured("NEWSCLEAN_OUTDIR is not set")
        self.crawler = crawler
        self.outdir = Path(outdir)
        self.workers = settings.getint("NEWSCLEAN_WORKERS") or os.cpu_count() or 1
        self.batch_rows = settings.getint("NEWSCLEAN_BATCH_ROWS", 500)
        self.flush_seconds = settings.getfloat("NEWSCLEAN_FLUSH_SECONDS", 60.0)
        self.archive = settings.getbool("NEWSCLEAN_WARC", True)
        self.gc_threshold = settings.getint("NEWSCLEAN_GC_THRESHOLD", 0)
        # host and pid in file names when several hosts write parts of one crawl
        tag = settings.get("NEWSCLEAN_FILE_TAG") or ""
        self.part_prefix = f"part-{tag}" if tag else "part"
        self.warc_prefix = f"crawl-{tag}" if tag else "crawl"
        self.drop_duplicates = settings.getbool("NEWSCLEAN_DROP_DUPLICATES", False)
        self.dedup: Index | None = None
        # a shared crawl (--redis): one duplicate index for every process, in Redis
        self.dedup_redis = settings.get("NEWSCLEAN_DEDUP_REDIS") or None
        self.stats = crawler.stats
        self.state: CrawlState | None = None
        self.pool: ReactorPool | None = None
        self.warc: WarcFileWriter | None = None
        # crawl date -> [(row, urls to mark done)]; pending ids guard against
        # two URLs of one article in the same batch.
        self.buffers: dict[str, list[tuple[dict[str, Any], list[str]]]] = defaultdict(list)
        self.pending_ids: dict[str, list[str]] = {}
        self.flusher: task.LoopingCall | None = None
        self.writing: Deferred[None] | None = None  # the part files being written, if any
        self.write_error: Failure | None = None  # how the last write failed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CleaningPipeline:
        pipe = cls(crawler)
        crawler.signals.connect(pipe._spider_opened, signal=signals.spider_opened)
        return pipe

    def _spider_opened(self) -> None:
        # The spider owns the state (it decides what to fetch); we share its connection.
        spider = self.crawler.spider
        state = getattr(spider, "crawl_state", None)
        self.state = state if isinstance(state, CrawlState) else CrawlState.for_outdir(self.outdir)

    def open_spider(self) -> None:
        # Scrapy sets the root logger to NOTSET and its own ("scrapy", by its logging
        # config) to DEBUG, and filters in its handler, so every debug message (two per
        # page: "Crawled", "Scraped from") is built as a LogRecord and dropped there.  The
        # level below the handler's is never shown: filter at the loggers.
        level = logging.getLevelName(str(self.crawler.settings.get("LOG_LEVEL", "INFO")).upper())
        if isinstance(level, int):
            for logger in (logging.getLogger(), logging.getLogger("scrapy")):
                if logger.level < level:
                    logger.setLevel(level)
        # Every full collection would walk the startup objects (modules, rules) again:
        # they are frozen out of collection.
        gc.collect()
        gc.freeze()
        if self.gc_threshold > 0:
            # Scrapy and Twisted make many short-lived containers per request, so Python's
            # default (700) collects the young generation every few requests.  Higher saves
            # collections, but garbage cycles holding a response body live longer: 20,000
            # cost 50 MB of peak RSS on real news pages, 3,000 (the setting) about none.
            _, gen1, gen2 = gc.get_threshold()
            gc.set_threshold(self.gc_threshold, gen1, gen2)
        self.outdir.mkdir(parents=True, exist_ok=True)
        # First salvage the WARC file a killed run left (its complete records are the only
        # raw copy of pages already written to Parquet), then drop other temporaries.
        kept = recover_partial(self.outdir / "warc")
        if kept:
            log.info("recovered %d archived responses from an interrupted run", kept)
        remove_stale_temporaries(self.outdir)
        # Reads the part files a killed run wrote after its last commit, before any write.
        self.dedup = open_index(self.outdir, drop=self.drop_duplicates, redis_url=self.dedup_redis)
        if self.archive:
            self.warc = WarcFileWriter(self.outdir / "warc", prefix=self.warc_prefix)
        if self.flush_seconds > 0:
            self.flusher = task.LoopingCall(self.flush)
            self.flusher.start(self.flush_seconds, now=False)

    async def close_spider(self) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        await self._flush_all()
        if self.dedup is not None:
            counts = self.dedup.commit()
            self.stats.set_value("newsclean/duplicates/exact", counts.exact)
            self.stats.set_value("newsclean/duplicates/near", counts.near)
            self.stats.set_value("newsclean/duplicates/left_out", counts.dropped)
            self.stats.set_value("newsclean/duplicates/repointed", counts.updated)
            self.dedup.close()
        if self.warc is not None:
            self.warc.close()
        if self.pool is not None:
            await maybe_deferred_to_future(self.pool.close())

    def _pool(self) -> ReactorPool:
        # Started on the first page, so a run with nothing new to fetch spawns no process.
        if self.pool is None:
            self.pool = ReactorPool(self.workers)
        return self.pool

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        assert self.state is not None
        fetched_at: datetime = item["fetched_at"]
        archive = (item["status"], item["headers"]) if self.warc is not None else None
        self.stats.inc_value("newsclean/pages_cleaned")
        answer = self._pool().submit(
            item["profile"],
            item["body"],
            item["response_url"],
            item["url"],
            fetched_at,
            archive,
        )
        try:
            result: PageResult = await maybe_deferred_to_future(answer)
        except WorkerDied:
            # out of memory, a crash in a C library: the pool starts another process
            log.error("a cleaning process died on %s", item["response_url"])
            self._drop(item, "clean_error", mark=False)
        row = result.row
        if result.warc is not None and self.warc is not None:
            self.warc.write_record(result.warc)
        if result.drop_reason:
            self._drop(item, result.drop_reason)
        if result.error is not None or row is None:
            # a page that breaks the cleaner must not stop the crawl
            log.error("cleaning %s failed: %s", item["response_url"], result.error)
            self._drop(item, "clean_error")
        canonical = row["canonical_url"] or item["response_url"]
        urls = [item["url"], item["response_url"], canonical]
        doc_id = row["id"]
        if doc_id in self.pending_ids:
            self.pending_ids[doc_id].extend(urls)  # marked done with the buffered row
            self._drop(item, "duplicate", mark=False)
        if self.state.has_doc(doc_id):
            self._drop(item, "duplicate", mark_status="done")
        day = fetched_at.astimezone(timezone.utc).date().isoformat()  # YYYY-MM-DD
        self.buffers[day].append((row, urls))
        self.pending_ids[doc_id] = urls
        if sum(len(b) for b in self.buffers.values()) >= self.batch_rows:
            self.flush()
        self.stats.inc_value("item_scraped_count")  # see crawler.scheduler.RunStats
        return {"id": doc_id, "url": item["response_url"]}

    def _drop(
        self, item: dict[str, Any], reason: str, mark: bool = True, mark_status: str = "dropped"
    ) -> NoReturn:
        """Count the reason, remember the URL so it is not fetched again, drop the item."""
        assert self.state is not None
        self.stats.inc_value(f"newsclean/dropped/{reason}")
        # Scrapy's CoreStats counts, without its item signal receivers (crawler.scheduler)
        self.stats.inc_value("item_dropped_count")
        self.stats.inc_value("item_dropped_reasons_count/DropItem")
        if mark:
            self.state.mark([item["url"], item["response_url"]], mark_status, item["site"])
        raise DropItem(f"{reason}: {item['response_url']}")

    def flush(self) -> None:
        """Start writing the buffered rows as part files (see :meth:`_write`); while a
        write is under way the rows wait, and the next write starts when it ends."""
        if self.writing is not None or not any(self.buffers.values()):
            return
        self.writing = Deferred.fromCoroutine(self._write())
        self.writing.addBoth(self._written)

    def _written(self, result: Any) -> None:
        self.writing = None
        if isinstance(result, Failure):
            # the rows are back in the buffers (see _write): tried again at the next flush
            log.error("writing a part file failed: %s", result.getErrorMessage())
            self.write_error = result
            return
        self.write_error = None
        if sum(len(b) for b in self.buffers.values()) >= self.batch_rows:
            self.flush()

    async def _flush_all(self) -> None:
        """Write every buffered row (at the end of the crawl); raises if a write fails."""
        while self.writing is not None:
            await maybe_deferred_to_future(self._wait_written())
        self.flush()
        while self.writing is not None:
            await maybe_deferred_to_future(self._wait_written())
        if self.write_error is not None:
            self.write_error.raiseException()

    def _wait_written(self) -> Deferred[None]:
        """Fires after the write under way has ended (and :meth:`_written` has run)."""
        done: Deferred[None] = Deferred()
        assert self.writing is not None
        self.writing.addBoth(lambda _: done.callback(None))
        return done

    async def _write(self) -> None:
        """Write the rows buffered now as part files, then mark their URLs done.

        The duplicate index's work, the Parquet files and the fsyncs run in a thread, so
        the reactor goes on fetching and feeding the cleaning processes meanwhile (on the
        reactor thread this stopped the crawl for 0.05-0.4 s of CPU, 0.2-1.8 s of wall time
        on a loaded machine, and both cleaning processes ran out of pages).  The crawl state
        (SQLite, one thread) is read and written here, on the reactor thread, as before;
        the order is the same: WARC records durable, then each part in place, then its
        URLs marked done, then the duplicate index committed.
        """
        assert self.state is not None
        taken_rows, self.buffers = self.buffers, defaultdict(list)
        batch: dict[str, list[tuple[dict[str, Any], list[str]]]] = dict(taken_rows)
        try:
            for day, entries in list(batch.items()):
                taken = self.state.claim_docs([row["id"] for row, _ in entries])
                if taken:
                    # Another process of a shared crawl wrote (or is writing) the article.
                    # Its URLs here stay pending: if that process dies before its part is in
                    # place, the next run fetches them again.
                    for doc_id in taken:
                        self.pending_ids.pop(doc_id, None)
                        self.stats.inc_value("newsclean/dropped/duplicate")
                    batch[day] = [(row, urls) for row, urls in entries if row["id"] not in taken]
            ordered = [
                (day, entry) for day, buffered in sorted(batch.items()) for entry in buffered
            ]
            # the raw pages are on disk before their records count as done
            synced = self.warc.sync_later() if self.warc is not None else None
            rows = [row for _, (row, _) in ordered]
            answers = await deferToThread(self._prepare, rows, synced)
            if self.dedup is not None:
                # only the rows this process writes: a claimed row is not an original here
                batch = self._mark_duplicates(ordered, answers)
            for day, day_entries in sorted(batch.items()):
                if not day_entries:
                    batch.pop(day)
                    continue
                directory = self.outdir / f"crawl_date={day}"
                day_rows = [row for row, _ in day_entries]
                path = await deferToThread(write_part, directory, day_rows, prefix=self.part_prefix)
                self.state.commit_part(
                    str(path.relative_to(self.outdir)),
                    [
                        (row["id"], self.pending_ids.get(row["id"], urls))
                        for row, urls in day_entries
                    ],
                )
                batch.pop(day)
                self.stats.inc_value("newsclean/articles_written", len(day_entries))
                self.stats.inc_value("newsclean/parts_written")
                for row, _ in day_entries:
                    self.pending_ids.pop(row["id"], None)
        except BaseException:
            for day, entries in batch.items():  # not written: first in line for the next try
                self.buffers[day][:0] = entries
            raise
        if self.dedup is not None:
            # after the parts are in place (a kill before: the next open reads them)
            await deferToThread(self.dedup.commit)
        # pyarrow's allocator keeps what a part needed (about 30 MB for 500 news rows) for
        # the next one; handed back, the crawl process stays that much smaller between parts.
        pa.default_memory_pool().release_unused()

    def _prepare(
        self, rows: list[dict[str, Any]], synced: Callable[[], None] | None
    ) -> list[str | None]:
        """In a thread: make the WARC records durable, and the rows' ``duplicate_of`` as
        the duplicate index knows it (None for every row without an index)."""
        if synced is not None:
            synced()
        if self.dedup is None:
            return [None] * len(rows)
        return self.dedup.assign(rows)

    def _mark_duplicates(
        self,
        entries: list[tuple[str, tuple[dict[str, Any], list[str]]]],
        answers: list[str | None],
    ) -> dict[str, list[tuple[dict[str, Any], list[str]]]]:
        """Set ``duplicate_of`` on the rows about to be written; with
        ``NEWSCLEAN_DROP_DUPLICATES`` leave the duplicates out and mark their URLs dropped."""
        assert self.state is not None
        kept: dict[str, list[tuple[dict[str, Any], list[str]]]] = defaultdict(list)
        for (day, (row, urls)), duplicate_of in zip(entries, answers, strict=True):
            if duplicate_of is not None and self.drop_duplicates:
                self.state.mark(self.pending_ids.pop(row["id"], urls), "dropped")
                continue
            row["duplicate_of"] = duplicate_of
            kept[day].append((row, urls))
        return kept
