"""The function the crawler's cleaning processes run, kept in a light module.

Worker processes are started with ``spawn`` and import only this module and the
cleaning core (no scrapy, no Twisted, no pyarrow), which keeps their memory small.
Each worker loads a rule profile once and keeps it for the life of the process.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from datetime import datetime

from cleaning.record import CleanedRecord
from cleaning.rules import RuleSet

Profile = tuple[tuple[str, ...], tuple[str, ...]]

# Per worker process, not per document: cleaning output never depends on it.
_RULESETS: dict[Profile, RuleSet] = {}


def init_worker() -> None:
    """Ignore Ctrl-C in workers (the crawl process decides when to stop and drains them),
    and exit when the crawl process is gone (SIGKILL leaves no orphan workers behind)."""
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
        from pipelines.resources import load_ruleset

        rules = load_ruleset(profile[0], profile[1])
        _RULESETS[profile] = rules
    return rules


def clean_page(profile: Profile, body: bytes, url: str) -> tuple[CleanedRecord, str]:
    """Clean one fetched page; returns the record and the version of the rules used."""
    from cleaning.html import clean_html

    rules = ruleset_for(profile)
    from pipelines.resources import rules_version

    return clean_html(body, url, rules=rules), rules_version(rules)


def process_page(
    profile: Profile,
    body: bytes,
    url: str,
    archive: tuple[int, list[tuple[str, str]], datetime] | None = None,
) -> tuple[CleanedRecord | None, str, bytes | None, str | None]:
    """What the crawler's pool runs per page: the WARC record of the response (when
    ``archive`` = (status, headers, fetched_at) is given) and the cleaned record.

    Returns (record, rules version, WARC record bytes, error).  A page that breaks
    the cleaner comes back with ``error`` set and its WARC record still made, so the
    raw page is archived for a later re-clean.
    """
    warc = None
    if archive is not None:
        from pipelines.warc import response_record

        status, headers, fetched_at = archive
        warc = response_record(url, status, headers, body, fetched_at)
    try:
        record, version = clean_page(profile, body, url)
    except Exception as exc:  # reported by the crawl process, which keeps going
        return None, "", warc, f"{type(exc).__name__}: {exc}"
    return record, version, warc, None
