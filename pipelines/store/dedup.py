"""Exact and near-duplicate marking across an output folder and across runs.

The ``duplicate_of`` column of a row holds the id of the earliest record of its
cluster (by ``published``, then ``fetched_at``, then ``id``; an unknown date
sorts after every known one), null for that earliest record and for a record
without duplicates.  A cluster is a connected set of records, two records being
linked when they have the same ``content_sha256`` (exact) or their MinHash
signatures say near-duplicate (:mod:`pipelines.store.minhash`, candidates from
LSH bands).  Clusters depend only on the set of records in the folder, never on
the order they came in.

The index lives in ``OUTDIR/.newsclean/dedup.sqlite``: per record its id,
content hash, sort keys, signature, cluster root, the ``duplicate_of`` its row
on disk holds and the part file holding it; the LSH bucket keys; the size and
modification time of every part file it has read; and the version of its signatures
(:data:`~pipelines.store.minhash.SIGNATURE_VERSION`: an index of another version is
emptied and rebuilt from the part files when opened).  The part files are the
truth and the index a cache of them: :meth:`DedupIndex.open` and
:meth:`DedupIndex.commit` re-read every part file whose size or time is not the
recorded one (written by a run killed before its commit, rewritten by another
tool), drop records whose rows are gone, and add rows the index does not know.
Then every row whose ``duplicate_of`` differs from its cluster's answer is
rewritten (the whole file, under a temporary name, then renamed: the re-run
rules' mechanism).  So a later run that brings an earlier copy of a story
re-points the rows already written, and a run killed anywhere leaves a folder
that the next open makes consistent.

Usage (the batch cleaner and the crawler's item pipeline both do this)::

    index = DedupIndex.open(outdir)
    dups = index.assign(rows)          # before the rows are written
    ... write the rows with row["duplicate_of"] = dups[i] ...
    counts = index.commit()            # after every part file is in place

A long batch commits after each part file too, ``commit(remove=..., final=False)``: the old
rows of the records that part replaced are taken out of their files at once, and the index
is persisted, while re-pointing the rows already written (and, with ``drop``, leaving out
this session's duplicates) waits for the last commit, as in a batch of one part.  The
records whose rows wait are kept in the ``recheck`` table, so a run killed after an
intermediate commit leaves the next open what it has to re-point.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from pipelines.store import STATE_DIR
from pipelines.store.minhash import SIGNATURE_VERSION, band_keys, signature, similar
from pipelines.store.rows import SIGNATURE_KEY  # (set by signed_row) re-exported

DB_NAME = "dedup.sqlite"
LOCK_WAIT = 300.0  # seconds a writer waits for another writer of the same folder

_SCHEMA = """
CREATE TABLE IF NOT EXISTS docs (
    n INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, content TEXT NOT NULL,
    published INTEGER, fetched INTEGER, shingles INTEGER NOT NULL, sig BLOB,
    root TEXT NOT NULL, written TEXT, part TEXT
);
CREATE INDEX IF NOT EXISTS docs_content ON docs(content);
CREATE INDEX IF NOT EXISTS docs_root ON docs(root);
CREATE INDEX IF NOT EXISTS docs_part ON docs(part);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, n))
    WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS parts (name TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS recheck (n INTEGER PRIMARY KEY);
"""

_NO_DATE = 1 << 62  # sorts an unknown date after every known one


def earliest_order(published: int | None, fetched: int | None, rid: str) -> tuple[int, int, str]:
    """The order that picks a cluster's original: by ``published``, then ``fetched_at``
    (microseconds; an unknown date after every known one), then id.  Both indexes use it."""
    return (
        _NO_DATE if published is None else published,
        _NO_DATE if fetched is None else fetched,
        rid,
    )


class Clusters:
    """Union-find over record numbers: the connected sets of the records linked by
    :meth:`union`.  The smaller number becomes the set's representative, so the sets do not
    depend on the order of the calls.  Both indexes recompute their clusters with it."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, x: int, y: int) -> None:
        rx, ry = self.find(x), self.find(y)
        if rx != ry:
            self.parent[max(rx, ry)] = min(rx, ry)

    def groups(self) -> list[list[int]]:
        """Each connected set's members."""
        out: dict[int, list[int]] = {}
        for n in list(self.parent):
            out.setdefault(self.find(n), []).append(n)
        return list(out.values())


class DedupError(RuntimeError):
    """The duplicate index cannot be used; the message names the folder (or server) and
    what to do."""


class DedupLocked(DedupError):
    """Another process held the index for longer than the wait."""


@dataclass
class DedupCounts:
    """This session's records that are duplicates, by kind, and older rows re-pointed."""

    exact: int = 0
    near: int = 0
    dropped: int = 0  # left out (--drop-duplicates); counted in exact/near too
    updated: int = 0  # rows of earlier runs whose duplicate_of changed


def _micros(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return int(value.timestamp() * 1_000_000)
    return int(value)


class Index(Protocol):
    """What the writers use: :class:`DedupIndex` (SQLite in OUTDIR) or
    :class:`pipelines.store.dedup_redis.RedisDedupIndex` (shared by a crawl's processes)."""

    counts: DedupCounts

    def assign(self, rows: Sequence[dict[str, Any]]) -> list[str | None]: ...

    def commit(self, remove: dict[Path, set[str]] | None = None) -> DedupCounts: ...

    def close(self) -> None: ...


class DedupIndex:
    """The duplicate index of one output folder.

    Processes writing into one folder take turns: each holds the index's write lock from
    :meth:`assign` to :meth:`commit`, so one never reads another's parts half-committed.
    """

    def __init__(
        self, outdir: Path, db: sqlite3.Connection, *, drop: bool, lock_wait: float = LOCK_WAIT
    ) -> None:
        self.outdir = outdir
        self.db = db
        self.lock_wait = lock_wait
        self.drop = drop
        self.session: set[str] = set()  # ids assigned since open
        self._check: set[int] = set()  # records whose row may need fixing (root or file changed)
        self.counts = DedupCounts()
        self._dropped: dict[str, bool] = {}  # ids left out (drop) -> exact duplicate
        self._remove: dict[str, set[str]] = {}  # part -> ids the caller has replaced (commit)
        self._keys: dict[int, list[int]] = {}  # band keys of records inserted, until _resolve
        # (id, content, published, fetched, shingles, sig) of records inserted, until _resolve:
        # what it reads of them without a statement each (their root is still their id)
        self._fresh: dict[int, tuple[str, str, int | None, int | None, int, bytes | None]] = {}
        self._repointed: set[str] = set()  # ids of earlier runs' rows whose duplicate_of changed
        # part -> (size and time, its rows) of parts the caller wrote (commit's ``written``)
        self._written: dict[str, tuple[tuple[int, int], list[tuple[str, str, str | None]]]] = {}

    @classmethod
    def open(
        cls, outdir: str | Path, *, drop: bool = False, lock_wait: float = LOCK_WAIT
    ) -> DedupIndex:
        """Open (or create) the index of ``outdir`` and bring it in line with its part files.

        ``drop``: rows of this session found to be duplicates are left out of the folder
        (``--drop-duplicates``) instead of written with ``duplicate_of``.  Another process
        writing into the same folder holds the index from its assign() to its commit(): this
        one waits up to ``lock_wait`` seconds for it, then raises :class:`DedupLocked`.
        """
        outdir = Path(outdir)
        path = outdir / STATE_DIR / DB_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        # any one thread at a time: the crawl's item pipeline calls it from a worker thread
        db = sqlite3.connect(path, isolation_level=None, timeout=lock_wait, check_same_thread=False)
        index = cls(outdir, db, drop=drop, lock_wait=lock_wait)
        try:
            # a journal-mode change does not wait on SQLite's busy handler: retry it until
            # the wait is over (two processes opening one folder at once)
            deadline = time.monotonic() + lock_wait
            while True:
                try:
                    db.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc) or time.monotonic() > deadline:
                        index._locked(db.execute, "PRAGMA journal_mode=WAL")
                        break
                    time.sleep(0.05)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA cache_size=-65536")  # 64 MB: the band B-tree's inner pages stay in
            index._locked(db.executescript, _SCHEMA)
        except BaseException:
            db.close()
            raise
        index._begin()
        index._check_signatures()
        # rows an intermediate commit of a killed run left to re-point (see commit)
        index._check.update(n for (n,) in db.execute("SELECT n FROM recheck"))
        index._sync()
        index._commit_tx()
        return index

    def _check_signatures(self) -> None:
        """An index whose signatures are of another scheme (:data:`SIGNATURE_VERSION`; an
        index of before the version was kept holds version 1) is emptied: the part files
        are then all read again, their records signed again and their clusters found again
        by :meth:`_sync`, as for a folder the index never saw."""
        row = self.db.execute("SELECT value FROM meta WHERE key = 'signature'").fetchone()
        if row is not None and row[0] == str(SIGNATURE_VERSION):
            return
        for table in ("bands", "docs", "parts", "recheck"):
            self.db.execute(f"DELETE FROM {table}")
        self.db.execute(
            "INSERT OR REPLACE INTO meta(key, value) VALUES ('signature', ?)",
            (str(SIGNATURE_VERSION),),
        )

    def close(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")
        self.db.close()

    def __enter__(self) -> DedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the interface -----------------------------------------------------------------

    def assign(self, rows: Sequence[dict[str, Any]]) -> list[str | None]:
        """Add rows about to be written; returns each row's ``duplicate_of`` as known now.

        The answer covers everything in the folder and every row assigned before; a row
        assigned later that sorts earlier re-points these rows at :meth:`commit`.
        """
        self._begin()  # held until commit(): rows assigned are not on disk yet
        new: set[int] = set()
        dirty: set[str] = set()
        inserted: dict[str, int] = {}
        for row in rows:
            rid = row["id"]
            old = self.db.execute(
                "SELECT n, content, root FROM docs WHERE id = ?", (rid,)
            ).fetchone()
            if old is not None:
                if old[1] == row["content_sha256"]:
                    self.session.add(rid)
                    continue
                dirty.add(old[2])
                self._delete(old[0])
            sig, shingles = row.get(SIGNATURE_KEY) or signature(row["text"])
            n = inserted[rid] = self._insert(row, sig, shingles, None)
            new.add(n)
            self.session.add(rid)
        roots = self._resolve(new, dirty)
        answers: list[str | None] = []
        for row in rows:
            rid = row["id"]
            root = roots.get(inserted[rid]) if rid in inserted else None
            if root is None:  # a row already there, unchanged
                answers.append(self._duplicate_of(rid))
            else:
                answers.append(None if root == rid else root)
        return answers

    def commit(
        self,
        remove: dict[Path, set[str]] | None = None,
        *,
        final: bool = True,
        written: dict[Path, tuple[tuple[int, int], list[tuple[str, str, str | None]]]] | None = None,
    ) -> DedupCounts:
        """Call once the rows are in place: reconcile with the part files, fix the
        ``duplicate_of`` of rows that changed, persist; returns this session's counts.

        ``remove``: old rows of records this session replaced (file -> ids), taken out of
        their files in the same rewrite that re-points the file's other rows.

        ``final=False`` (a batch's part written, more to come): only the files of
        ``remove`` are rewritten; the other rows to re-point, and with ``drop`` this
        session's duplicates to leave out, wait for the final commit (kept in the index's
        ``recheck`` table, for the next open should the run be killed before), so each
        file is re-pointed once per run and the answer is the same as with one commit.

        ``written``: the part files the caller wrote since the last commit, each with its size
        and time right after it was written and its rows' (id, content hash, duplicate_of)
        (:meth:`pipelines.store.parquet.PartWriter.take_written`): a file still of that size
        and time is not read back (what it holds is known), any other is.
        """
        for path, (stamp, listed) in (written or {}).items():
            self._written[str(Path(path).relative_to(self.outdir))] = (stamp, listed)
        for path, ids in (remove or {}).items():
            self._remove.setdefault(str(Path(path).relative_to(self.outdir)), set()).update(ids)
        self._begin()
        self._sync(final=final)
        self._commit_tx()
        self._count()
        return self.counts

    # --- records ------------------------------------------------------------------------

    def _insert(
        self, row: dict[str, Any], sig: bytes | None, shingles: int, part: str | None
    ) -> int:
        doc = (
            row["id"],
            row["content_sha256"],
            _micros(row.get("published")),
            _micros(row.get("fetched_at")),
            shingles,
            sig,
        )
        cur = self.db.execute(
            "INSERT INTO docs(id, content, published, fetched, shingles, sig, root, written, part)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*doc, row["id"], row.get("duplicate_of"), part),
        )
        n = int(cur.lastrowid or 0)
        self._fresh[n] = doc
        if sig is not None:
            keys = self._keys[n] = band_keys(sig)
            # one statement of 64 rows: half the CPU of executemany's 64 statements
            self.db.execute(_insert_bands_sql(len(keys)), [v for k in keys for v in (k, n)])
        return n

    def _delete(self, n: int) -> None:
        self._keys.pop(n, None)
        self._fresh.pop(n, None)
        sig = self.db.execute("SELECT sig FROM docs WHERE n = ?", (n,)).fetchone()[0]
        if sig is not None:
            self.db.executemany(
                "DELETE FROM bands WHERE key = ? AND n = ?", [(k, n) for k in band_keys(sig)]
            )
        self.db.execute("DELETE FROM docs WHERE n = ?", (n,))

    def _duplicate_of(self, rid: str) -> str | None:
        row = self.db.execute("SELECT root FROM docs WHERE id = ?", (rid,)).fetchone()
        return None if row is None or row[0] == rid else str(row[0])

    # --- clusters -----------------------------------------------------------------------

    def _neighbours(self, n: int) -> set[int]:
        """Records linked to ``n``: the same content, or LSH candidates that pass the test."""
        fresh = self._fresh.get(n)
        if fresh is None:
            content, sig, shingles = self.db.execute(
                "SELECT content, sig, shingles FROM docs WHERE n = ?", (n,)
            ).fetchone()
        else:
            _, content, _, _, shingles, sig = fresh
        if sig is None:
            found = {r[0] for r in self.db.execute("SELECT n FROM docs WHERE content = ?", (content,))}
        else:
            keys = self._keys.get(n) or band_keys(sig)
            # The records of the same content (1) and the band candidates (0) in one
            # statement; then the signatures of the candidates the content did not link
            # already: copies of one page share all 64 bands, and reading each copy's
            # signature once per band it shares cost more than the test itself.
            linked = self.db.execute(_neighbours_sql(len(keys)), [content, *keys]).fetchall()
            found = {m for m, same in linked if same}
            test = sorted({m for m, same in linked if not same} - found)
            if test:
                rows = self.db.execute(
                    f"SELECT n, sig, shingles FROM docs WHERE n IN ({','.join('?' * len(test))})",
                    test,
                )
                found.update(m for m, s, k in rows if similar(sig, shingles, s, k))
        found.discard(n)
        return found

    def _resolve(self, expand: set[int], dirty_roots: set[str]) -> dict[int, str]:
        """Recompute the clusters of the records ``expand`` and of the clusters ``dirty_roots``
        (which lost a record), and store each record's root; returns the root of every
        record whose cluster was recomputed.

        A cluster no record was added to or removed from is still connected and linked to
        no other: it joins a new component whole, without following its own links.
        """
        for root in sorted(dirty_roots):
            expand.update(
                r[0] for r in self.db.execute("SELECT n FROM docs WHERE root = ?", (root,))
            )
        try:
            return self._join(expand)
        finally:
            self._keys.clear()
            self._fresh.clear()

    def _join(self, expand: set[int]) -> dict[int, str]:
        """The clusters of :meth:`_resolve`, once ``expand`` holds every record to follow."""
        roots: dict[int, str] = {}
        if not expand:
            return roots
        clusters = Clusters()
        find, union = clusters.find, clusters.union
        whole: set[str] = set()  # roots of intact clusters already joined
        for n in sorted(expand):
            find(n)
            for m in self._neighbours(n):
                union(n, m)
                if m in expand:
                    continue
                root = self.db.execute("SELECT root FROM docs WHERE n = ?", (m,)).fetchone()[0]
                if root in whole:
                    continue
                whole.add(root)
                for (k,) in self.db.execute("SELECT n FROM docs WHERE root = ?", (root,)):
                    union(m, k)
        fresh = self._fresh
        for members in clusters.groups():
            self._check.update(members)
            # records inserted since the last _resolve from what they were inserted with
            # (their root is their id), the others read
            keyed: list[tuple[int, str, int | None, int | None, str]] = []
            others = []
            for m in members:
                f = fresh.get(m)
                if f is None:
                    others.append(m)
                else:
                    keyed.append((m, f[0], f[2], f[3], f[0]))
            if others:
                marks = ",".join("?" * len(others))
                keyed += self.db.execute(
                    f"SELECT n, id, published, fetched, root FROM docs WHERE n IN ({marks})", others
                ).fetchall()
            first = min(keyed, key=lambda r: earliest_order(r[2], r[3], r[1]))[1]
            changed = [(first, r[0]) for r in keyed if r[4] != first]
            if changed:
                self.db.executemany("UPDATE docs SET root = ? WHERE n = ?", changed)
            roots.update((m, first) for m in members)
        return roots

    # --- the part files -----------------------------------------------------------------

    def _sync(self, final: bool = True) -> None:
        """Bring the index in line with the part files, then the files in line with the
        clusters (see the module docstring; ``final``: see :meth:`commit`)."""
        import pyarrow.parquet as pq

        from pipelines.store.dataset import part_files

        files = {str(p.relative_to(self.outdir)): p for p in part_files(self.outdir)}
        known = {r[0]: (r[1], r[2]) for r in self.db.execute("SELECT name, size, mtime FROM parts")}
        new: set[int] = set()
        dirty: set[str] = set()
        for name in sorted(set(known) - set(files)):
            dirty.update(self._forget_part(name, keep=set()))
            self.db.execute("DELETE FROM parts WHERE name = ?", (name,))
        ours, self._written = self._written, {}
        for name, path in sorted(files.items()):
            fingerprint = _fingerprint(path)
            if known.get(name) == fingerprint:
                continue
            listed = ours.get(name)
            if listed is not None and listed[0] == fingerprint and self._known_part(name, listed[1]):
                continue
            with pq.ParquetFile(path) as part:
                has_dup = "duplicate_of" in part.schema_arrow.names
                cols = ["id", "content_sha256"] + (["duplicate_of"] if has_dup else [])
                table = part.read(columns=cols).to_pydict()
            ids = table["id"]
            written = table["duplicate_of"] if has_dup else [None] * len(ids)
            unknown: list[int] = []
            seen: set[str] = set()
            for i, (rid, content) in enumerate(zip(ids, table["content_sha256"], strict=True)):
                if rid in seen:  # an id twice in one file (not written by newsclean): the first
                    continue
                seen.add(rid)
                old = self.db.execute(
                    "SELECT n, content, root FROM docs WHERE id = ?", (rid,)
                ).fetchone()
                if old is not None and old[1] == content:
                    self.db.execute(
                        "UPDATE docs SET part = ?, written = ? WHERE n = ?",
                        (name, written[i], old[0]),
                    )
                    self._check.add(old[0])
                    continue
                if old is not None and rid in self.session:
                    continue  # the old row of a record replaced in this session, going soon
                if old is not None:
                    dirty.add(old[2])
                    self._delete(old[0])
                unknown.append(i)
            if unknown:
                new.update(self._add_from_file(path, name, unknown))
            dirty.update(self._forget_part(name, keep=set(ids)))
        # Rows assigned in this session and not on disk: left out (--drop-duplicates), or
        # the caller did not write them.  Before the final commit they stay: what they link
        # still links the rows assigned after (and a killed run's are dropped at the next open).
        for n, rid, root in (
            self.db.execute("SELECT n, id, root FROM docs WHERE part IS NULL").fetchall()
            if final
            else ()
        ):
            dirty.add(root)
            if self.drop and rid in self.session and root != rid:
                self._leave_out(n, rid, root)
            else:
                self._delete(n)
        self._resolve(new, dirty)
        self._fix_rows(final)
        for name, path in sorted(files.items()):
            if path.exists():
                self.db.execute(
                    "INSERT OR REPLACE INTO parts(name, size, mtime) VALUES (?, ?, ?)",
                    (name, *_fingerprint(path)),
                )

    def _known_part(self, name: str, listed: list[tuple[str, str, str | None]]) -> bool:
        """Record a part this session wrote from its rows' list instead of reading it: each
        row is a record assigned in this session with that content (one statement for them
        all).  False (nothing to undo: the updates are those a reading makes too) when a row
        is not, or the part holds an id twice: then the file is read."""
        ids = {rid for rid, _, _ in listed}
        if not listed or len(ids) != len(listed) or not ids <= self.session:
            return False
        cur = self.db.executemany(
            "UPDATE docs SET part = ?, written = ? WHERE id = ? AND content = ?",
            [(name, dup, rid, content) for rid, content, dup in listed],
        )
        if cur.rowcount != len(listed):
            return False
        # what the reading does after: every record of the part to check, and none other
        # said to be in it (a new part holds none)
        found = self.db.execute("SELECT n, id FROM docs WHERE part = ?", (name,)).fetchall()
        if any(rid not in ids for _, rid in found):
            return False
        self._check.update(n for n, _ in found)
        return True

    def _forget_part(self, name: str, keep: set[str]) -> set[str]:
        """Remove the records said to be in part ``name`` whose id is not in ``keep``;
        returns their roots."""
        roots = set()
        for n, rid, root in self.db.execute(
            "SELECT n, id, root FROM docs WHERE part = ?", (name,)
        ).fetchall():
            if rid not in keep:
                roots.add(root)
                self._delete(n)
        return roots

    def _add_from_file(self, path: Path, name: str, indices: list[int]) -> set[int]:
        """Index rows of a part file the index did not know (read with their text)."""
        rows = read_index_rows(path, indices)
        return {self._insert(row, *signature(row["text"]), name) for row in rows}

    def _fix_rows(self, final: bool = True) -> None:
        """Rewrite the rows whose ``duplicate_of`` on disk is not their cluster's answer;
        with ``drop``, this session's duplicates are removed from their files instead.
        Not ``final``: only the files with replaced rows to remove are rewritten, the other
        rows wait (:meth:`commit`)."""
        from pipelines.store.dataset import rewrite_part

        check, self._check = sorted(self._check), set()
        wrong = []
        for start in range(0, len(check), 500):  # only records whose root or file changed
            chunk = check[start : start + 500]
            wrong.extend(
                self.db.execute(
                    "SELECT n, id, root, written, part FROM docs WHERE part IS NOT NULL"
                    f" AND n IN ({','.join('?' * len(chunk))}) AND ((root = id AND written IS NOT NULL)"
                    " OR (root != id AND (written IS NULL OR written != root)))",
                    chunk,
                ).fetchall()
            )
        by_part: dict[str, dict[str, str | None]] = {}
        removals: dict[str, set[str]] = {}
        waiting: list[int] = []
        for n, rid, root, _, part in wrong:
            want = None if root == rid else root
            leave_out = self.drop and want is not None and rid in self.session
            if not final and (leave_out or part not in self._remove):
                waiting.append(n)
            elif leave_out:
                removals.setdefault(part, set()).add(rid)
            else:
                by_part.setdefault(part, {})[rid] = want
        if final:
            self.db.execute("DELETE FROM recheck")
        else:
            self._check.update(waiting)
            self.db.executemany(
                "INSERT OR IGNORE INTO recheck(n) VALUES (?)", [(n,) for n in waiting]
            )
        dirty: set[str] = set()
        replaced, self._remove = self._remove, {}
        for part in sorted(set(by_part) | set(removals) | set(replaced)):
            drop = removals.get(part, set())
            for rid in drop:
                n, root = self.db.execute(
                    "SELECT n, root FROM docs WHERE id = ?", (rid,)
                ).fetchone()
                dirty.add(root)
                self._leave_out(n, rid, root)
            updates = by_part.get(part, {})
            if (self.outdir / part).exists():
                rewrite_part(self.outdir / part, updates, drop | replaced.get(part, set()))
            for rid, want in updates.items():
                self.db.execute("UPDATE docs SET written = ? WHERE id = ?", (want, rid))
                if rid not in self.session:
                    self._repointed.add(rid)
        if dirty:
            # Leaving this session's duplicates out may split a cluster they linked:
            # the rest is re-clustered and re-pointed (never dropped a second time).
            self._resolve(set(), dirty)
            keep_drop, self.drop = self.drop, False
            try:
                self._fix_rows()
            finally:
                self.drop = keep_drop

    # --- counts ---------------------------------------------------------------------------

    def _leave_out(self, n: int, rid: str, root: str) -> None:
        """Forget a duplicate of this session that is not written (``drop``), counted by kind."""
        same = self.db.execute(
            "SELECT (SELECT content FROM docs WHERE id = ?) = (SELECT content FROM docs WHERE id = ?)",
            (rid, root),
        ).fetchone()[0]
        self._dropped[rid] = bool(same)
        self._delete(n)

    def _count(self) -> None:
        """This session's duplicates: those on disk now, and those left out."""
        exact = sum(self._dropped.values())
        near = len(self._dropped) - exact
        for rid in sorted(self.session - set(self._dropped)):
            row = self.db.execute(
                "SELECT d.content = r.content FROM docs d JOIN docs r ON r.id = d.root"
                " WHERE d.id = ? AND d.root != d.id",
                (rid,),
            ).fetchone()
            if row is None:
                continue
            if row[0]:
                exact += 1
            else:
                near += 1
        self.counts = DedupCounts(
            exact=exact, near=near, dropped=len(self._dropped), updated=len(self._repointed)
        )

    # --- transactions ---------------------------------------------------------------------

    def _begin(self) -> None:
        if not self.db.in_transaction:
            self._locked(self.db.execute, "BEGIN IMMEDIATE")

    def _locked(self, call: Any, *args: Any) -> Any:
        """``call(*args)``, with SQLite's 'database is locked' after the wait said plainly."""
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc):
                raise
            raise DedupLocked(
                f"{self.outdir}: another process is writing into this folder (its duplicate "
                f"index {STATE_DIR}/{DB_NAME} stayed locked for {self.lock_wait:.0f} s); let it "
                "finish and run again, or write into another -o OUTDIR"
            ) from None

    def _commit_tx(self) -> None:
        self.db.execute("COMMIT")


@cache
def _neighbours_sql(keys: int) -> str:
    """The records of one content (flagged 1) and those sharing one of ``keys`` bands (0)."""
    return (
        "SELECT n, 1 FROM docs WHERE content = ? UNION ALL SELECT DISTINCT n, 0 FROM bands"
        f" WHERE key IN ({','.join('?' * keys)})"
    )


@cache
def _insert_bands_sql(rows: int) -> str:
    """The statement inserting ``rows`` (key, n) pairs into ``bands``."""
    return "INSERT OR IGNORE INTO bands(key, n) VALUES " + ", ".join(["(?, ?)"] * rows)


def _fingerprint(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def read_index_rows(path: Path, indices: list[int]) -> list[dict[str, Any]]:
    """The rows at ``indices`` of part file ``path``, with the columns an index keeps and
    the text it signs (columns an older part lacks are left out)."""
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as part:
        names = part.schema_arrow.names
        cols = [
            c
            for c in ("id", "content_sha256", "text", "published", "fetched_at", "duplicate_of")
            if c in names
        ]
        table = part.read(columns=cols)
    # slices, not Table.take (which loads pyarrow.compute)
    from pipelines.store.dataset import keep_rows

    return keep_rows(table, indices).to_pylist()
