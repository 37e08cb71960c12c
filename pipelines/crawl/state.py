"""Persistent crawl state in OUTDIR: which URLs are done, which are pending, source validators.

The state is one SQLite file (``OUTDIR/.newsclean/state.sqlite``) so that runs
from cron pick up where the last one stopped:

* ``urls``: every article URL discovered, by :func:`url_key` (tracking
  parameters removed, http/https and trailing slashes folded), with its status:
  ``pending`` (to fetch), ``done`` (its record is in a Parquet part),
  ``dropped`` (fetched, not an article) or ``gone`` (404/410).
* ``docs`` and ``parts``: the record ids written and the part files they are in.
  A URL turns ``done`` in the same transaction that records its part, and only
  after the part was renamed into place.  If the process dies between the rename
  and that transaction, :meth:`CrawlState.reconcile` finds the unrecorded part on
  the next start and marks its rows: nothing is lost, nothing is written twice.
* ``sources``: ETag / Last-Modified of sitemaps, feeds and front pages for
  conditional GET.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from courlan import normalize_url

from pipelines.store import STATE_DIR  # also imported from here by the crawl's modules

_SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    key TEXT PRIMARY KEY, url TEXT NOT NULL, site TEXT, status TEXT NOT NULL,
    lastmod REAL, updated REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS urls_pending ON urls(site, status);
CREATE TABLE IF NOT EXISTS docs (id TEXT PRIMARY KEY, part TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS parts (name TEXT PRIMARY KEY, rows INTEGER NOT NULL, at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS children (
    parent TEXT NOT NULL, url TEXT NOT NULL, PRIMARY KEY (parent, url)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sources (
    url TEXT PRIMARY KEY, etag TEXT, last_modified TEXT, checked REAL NOT NULL
);
"""

FINISHED = ("done", "dropped", "gone")


# A URL is cleaned when a sitemap lists it, when it is recorded pending and when its
# row is written (courlan's normalize_url is the crawl process's largest cost per URL):
# the last few thousand answers are kept.
@lru_cache(maxsize=4096)
def request_url(url: str) -> str:
    """The URL to request: tracking parameters (utm_*, fbclid, ...) and the fragment removed."""
    try:
        cleaned = normalize_url(url)
    except (ValueError, TypeError):
        cleaned = url
    parts = urlsplit(cleaned)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


# A page's key is asked when its URL is recorded pending and again when its row is written
# (14 us with request_url's answer cached: the URL is split and its host parsed again).
@lru_cache(maxsize=4096)
def url_key(url: str) -> str:
    """The identity of a page: :func:`request_url` with scheme and trailing slash folded."""
    parts = urlsplit(request_url(url))
    host = (parts.hostname or "").lower()
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path.rstrip("/") or "/"
    return f"{host}{path}" + (f"?{parts.query}" if parts.query else "")


class CrawlState:
    """The SQLite state of one output directory.  Use from one thread (the reactor's)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across process kills; a power loss can lose the last marks,
        # which reconcile() rebuilds from the Parquet parts.
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)

    @classmethod
    def for_outdir(cls, outdir: str | Path) -> CrawlState:
        return cls(Path(outdir) / STATE_DIR / "state.sqlite")

    def close(self) -> None:
        self.db.close()

    # --- URLs -------------------------------------------------------------------------

    def status(self, key: str) -> str | None:
        row = self.db.execute("SELECT status FROM urls WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def is_finished(self, key: str) -> bool:
        """True when the URL needs no fetch: written, not an article, or gone."""
        return self.status(key) in FINISHED

    def add_pending(self, url: str, site: str, lastmod: float | None = None) -> bool:
        """Record a discovered URL; returns True if it still has to be fetched."""
        key = url_key(url)
        self.db.execute(
            "INSERT OR IGNORE INTO urls(key, url, site, status, lastmod, updated)"
            " VALUES (?, ?, ?, 'pending', ?, ?)",
            (key, url, site, lastmod, time.time()),
        )
        return not self.is_finished(key)

    def add_pending_many(self, entries: Iterable[tuple[str, str, float | None]]) -> list[bool]:
        """:meth:`add_pending` for each (url, site, lastmod), in one transaction (a sitemap's
        URLs: one commit instead of one per URL)."""
        with self._tx():
            return [self.add_pending(url, site, lastmod) for url, site, lastmod in entries]

    def pending(self, site: str) -> list[tuple[str, float | None]]:
        """(url, lastmod) of the site's URLs discovered earlier and not fetched yet."""
        rows = self.db.execute(
            "SELECT url, lastmod FROM urls WHERE site = ? AND status = 'pending'", (site,)
        )
        return [(r[0], r[1]) for r in rows]

    def mark(self, urls: Iterable[str], status: str, site: str | None = None) -> None:
        """Set the status of ``urls`` (all their keys) in one transaction."""
        now = time.time()
        with self._tx():
            self._upsert(urls, status, site, now)

    def _upsert(self, urls: Iterable[str], status: str, site: str | None, now: float) -> None:
        # A page's URLs (requested, after redirects, canonical) are usually one URL: each
        # key is normalised and written once.
        seen: set[str] = set()
        for url in urls:
            if not url or url in seen:
                continue
            seen.add(url)
            self.db.execute(
                "INSERT INTO urls(key, url, site, status, updated) VALUES (?, ?, ?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET status = excluded.status,"
                " updated = excluded.updated",
                (url_key(url), url, site, status, now),
            )

    # --- records and parts --------------------------------------------------------------

    def has_doc(self, doc_id: str) -> bool:
        return self.db.execute("SELECT 1 FROM docs WHERE id = ?", (doc_id,)).fetchone() is not None

    def claim_docs(self, doc_ids: Sequence[str]) -> set[str]:
        """Claim record ids about to be written; returns those another process has written
        or is writing.  One process per OUTDIR here, so none (see RedisCrawlState)."""
        return set()

    def commit_part(self, part: str, docs: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Record a part file that is in place, its ids, and mark their URLs done, atomically."""
        now = time.time()
        with self._tx():
            self.db.execute(
                "INSERT OR IGNORE INTO parts(name, rows, at) VALUES (?, ?, ?)",
                (part, len(docs), now),
            )
            for doc_id, urls in docs:
                self.db.execute(
                    "INSERT OR IGNORE INTO docs(id, part) VALUES (?, ?)", (doc_id, part)
                )
                self._upsert(urls, "done", None, now)

    def known_parts(self) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT name FROM parts")}

    def reconcile(self, outdir: str | Path) -> int:
        """Mark the rows of part files that a killed run wrote but did not record; returns rows."""
        import pyarrow.parquet as pq  # only needed here, and only by the crawl process

        outdir = Path(outdir)
        known = self.known_parts()
        n = 0
        for path in sorted(outdir.glob("crawl_date=*/*.parquet")):
            name = str(path.relative_to(outdir))
            if name in known or path.name.startswith("."):
                continue
            table = pq.read_table(path, columns=["id", "source", "url", "canonical_url"])
            cols = table.to_pydict()
            docs = [
                (doc_id, [u for u in (src, url, can) if u])
                for doc_id, src, url, can in zip(
                    cols["id"], cols["source"], cols["url"], cols["canonical_url"], strict=True
                )
            ]
            self.commit_part(name, docs)
            n += len(docs)
        return n

    # --- sources (conditional GET) ------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) stored for a sitemap, feed or front page."""
        row = self.db.execute(
            "SELECT etag, last_modified FROM sources WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.db.execute(
            "INSERT INTO sources(url, etag, last_modified, checked) VALUES (?, ?, ?, ?)"
            " ON CONFLICT(url) DO UPDATE SET etag = excluded.etag,"
            " last_modified = excluded.last_modified, checked = excluded.checked",
            (url, etag, last_modified, time.time()),
        )

    def add_child(self, parent: str, url: str) -> None:
        """Remember that ``parent`` (an index or front page) lists the source ``url``:
        when ``parent`` answers 304 Not Modified, its children are still checked."""
        self.db.execute("INSERT OR IGNORE INTO children(parent, url) VALUES (?, ?)", (parent, url))

    def children(self, parent: str) -> list[str]:
        rows = self.db.execute("SELECT url FROM children WHERE parent = ? ORDER BY url", (parent,))
        return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        """Number of URLs by status."""
        return dict(self.db.execute("SELECT status, COUNT(*) FROM urls GROUP BY status").fetchall())

    def _tx(self) -> _Transaction:
        return _Transaction(self.db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> None:
        self.db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


class SeenSet:
    """Request fingerprints seen in this run, on disk so memory stays flat on long crawls."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)  # per run: a URL that failed last run is tried again
        self.db = sqlite3.connect(self.path, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE seen (fp BLOB PRIMARY KEY) WITHOUT ROWID")
        # One transaction for the whole run: the table is thrown away at the end, and a
        # commit per request cost more than the insert (17 us against 2 per fingerprint).
        self.db.execute("BEGIN")

    def add(self, fingerprint: bytes) -> bool:
        """Add a fingerprint; True if it was new."""
        cur = self.db.execute("INSERT OR IGNORE INTO seen(fp) VALUES (?)", (fingerprint,))
        return cur.rowcount == 1

    def close(self) -> None:
        self.db.close()
        self.path.unlink(missing_ok=True)
