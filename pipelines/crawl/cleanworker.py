"""The function the crawler's cleaning processes run, kept in a light module.

Worker processes run ``python -m pipelines.crawl.cleanworker`` (see
:mod:`pipelines.crawl.procpool`) and import only this module and the cleaning core (no
scrapy, no Twisted, no pyarrow), which keeps their memory small.  Each worker
loads a rule profile once and keeps it for the life of the process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import threading
import time
from datetime import datetime
from typing import Any, NamedTuple

from cleaning.record import CleanedRecord
from cleaning.rules import RuleSet

Profile = tuple[tuple[str, ...], tuple[str, ...]]

# Per worker process, not per document: cleaning output never depends on it.
_RULESETS: dict[Profile, RuleSet] = {}


def init_worker() -> None:
    """Initializer for a ``multiprocessing`` pool of :func:`clean_page` (the benchmark's
    cleaning-only rate): ignore Ctrl-C, and exit when the parent is gone.  The crawler's
    workers run :func:`main` instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def ruleset_for(profile: Profile) -> RuleSet:
    """The rule set of a profile (extra rule files, disabled ids), loaded once per process."""
    rules = _RULESETS.get(profile)
    if rules is None:
        from pipelines.rulefiles import load_ruleset

        rules = load_ruleset(profile[0], profile[1])
        _RULESETS[profile] = rules
    return rules


def clean_page(profile: Profile, body: bytes, url: str) -> tuple[CleanedRecord, str]:
    """Clean one fetched page; returns the record and the version of the rules used."""
    from cleaning.html.extract import clean_html

    rules = ruleset_for(profile)
    from pipelines.rulefiles import rules_version

    return clean_html(body, url, rules=rules), rules_version(rules)


def document_id(canonical_url: str) -> str:
    """The record id of an article, as ``newsclean clean`` computes it for archived pages:
    a hash of its canonical URL (the page's own, else the URL after redirects)."""
    from pipelines.store.rows import record_id

    return record_id(canonical_url)


class PageResult(NamedTuple):
    """What the pool sends back for one page (small: the body does not travel back)."""

    row: dict[str, Any] | None  # the dataset row of an article
    drop_reason: str | None  # why the page is not an article
    warc: bytes | None  # the response's WARC record, a complete gzip member
    error: str | None  # the cleaner failed on this page


def process_page(
    profile: Profile,
    body: bytes,
    url: str,
    source: str,
    fetched_at: datetime,
    archive: tuple[int, list[tuple[str, str]]] | None = None,
) -> PageResult:
    """What the crawler's pool runs per page: the WARC record of the response (when
    ``archive`` = (status, headers) is given) and the cleaned page as a dataset row.

    ``url`` is the URL after redirects, ``source`` the one requested.  The row is
    built here, not in the crawl process, whose CPU is the crawl's bottleneck: its
    hashes and word count cost as much there as the rest of the item's handling.
    A page that breaks the cleaner comes back with ``error`` set and its WARC record
    still made, so the raw page is archived for a later re-clean.
    """
    warc = None
    if archive is not None:
        from pipelines.store.warc import response_record

        status, headers = archive
        warc = response_record(url, status, headers, body, fetched_at)
    try:
        record, version = clean_page(profile, body, url)
        if record.drop_reason:
            return PageResult(None, record.drop_reason, warc, None)
        from pipelines.store.rows import signed_row

        # signed here, off the crawl process's CPU, as newsclean clean's workers sign theirs
        row = signed_row(
            record,
            id=document_id(record.canonical_url or url),
            source=source,
            url=url,
            fetched_at=fetched_at,
            rules_version=version,
        )
    except Exception as exc:  # reported by the crawl process, which keeps going
        return PageResult(None, None, warc, f"{type(exc).__name__}: {exc}")
    return PageResult(row, None, warc, None)


def main() -> None:
    """Serve :func:`process_page` on stdin/stdout: each message is an 8-byte big-endian
    length and a pickle (arguments in, :class:`PageResult` out).  Exits at EOF, which is
    also what a worker reads when the crawl process is gone."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the crawl process drains us on Ctrl-C
    header = struct.Struct("!Q")
    inp = sys.stdin.buffer
    # Answers go to a private copy of stdout; fd 1 now points at stderr, so a library
    # that prints cannot corrupt the stream.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    tuned = False
    while True:
        head = inp.read(header.size)
        if len(head) < header.size:
            return
        (size,) = header.unpack(head)
        args = pickle.loads(inp.read(size))
        data = pickle.dumps(process_page(*args), protocol=5)
        out.write(header.pack(len(data)))
        out.write(data)
        out.flush()
        if not tuned:  # the first page has imported the cleaning core and loaded its rules
            tune_gc()
            tuned = True


def tune_gc() -> None:
    """Garbage collection for a process that cleans pages, as ``newsclean clean``'s
    workers have it (pipelines.batch.run._tune_gc; outputs do not change): what exists
    now (modules, the rules and their prepared matchers) lives as long as the process and
    is frozen out of the collections, and the young generation is collected every 50,000
    new objects rather than 700, since cleaning a page makes next to no reference cycles
    (its garbage is freed by reference counting).  With Python's default a worker spent
    about 0.8 ms a page in collections on the aeb pages."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 10, 10)


if __name__ == "__main__":
    # Run from the imported module, not __main__: the answers' classes must pickle by
    # their real module name for the crawl process to load them.
    from pipelines.crawl.cleanworker import main as _main

    _main()
