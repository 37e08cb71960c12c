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
    return clean_html(body, url, rules=rules), rules.version
