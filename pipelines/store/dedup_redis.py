"""The duplicate index in Redis, shared by the processes of one crawl (``newsclean crawl --redis``).

Same interface and the same answers as :class:`pipelines.store.dedup.DedupIndex`
(``open`` / ``assign`` / ``commit``; exact copies by ``content_sha256``,
near-duplicates by MinHash with LSH bands; a cluster's first record by
``published``, then ``fetched_at``, then ``id``; connected clusters), but the
records of every process are in one index, so a copy that one process fetched is
marked against an original that another process wrote, on any host.

Each process keeps its own OUTDIR, so each is the *owner* of the records of its
own part files (``HOST:/absolute/OUTDIR``) and is the only one to read or rewrite
those files.  Redis (keys ``newsclean:dedup:*``) holds:

* ``ids`` (record id -> number) and ``doc:N`` (id, content hash, dates, shingle
  count, signature, cluster root, the ``duplicate_of`` its row on disk holds, its
  part file, its owner);
* ``content:HASH`` and ``band:KEY`` (sets of record numbers): the exact and LSH
  look-ups; ``cluster:ROOT``: the members of each cluster;
* ``signature``: the version of the signatures it holds (an index of another version is
  emptied when opened: every process reads its part files again);
* per owner: ``parts:OWNER`` (the size and time of every part file it has read),
  ``inpart:OWNER:NAME``, ``unwritten:OWNER`` (assigned, not yet in a part file) and
  ``check:OWNER``: records whose cluster changed and whose row the owner must look
  at.  When one process's record re-points another process's rows, the numbers go
  to that owner's ``check`` set, and that process rewrites its rows at its next
  :meth:`RedisDedupIndex.commit` (its next part, or its next run's open).

Every call (open, assign, commit) runs while holding one lock key (``SET NX PX``,
a token, released and renewed by compare-and-set scripts), so two processes never
cluster at the same time: the second waits, up to ``lock_wait`` seconds, then
gets :class:`~pipelines.store.dedup.DedupLocked`.  The lock is held for one call,
not from assign to commit: the rows assigned and not yet written are in
``unwritten:OWNER``, and a process killed in between is cleaned up by its next
open (its records are forgotten and their clusters recomputed).  A lock whose
holder died expires ``LOCK_TTL`` seconds after its last renewal.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pipelines.store.dedup import (
    SIGNATURE_KEY,
    Clusters,
    DedupCounts,
    DedupError,
    DedupIndex,
    DedupLocked,
    Index,
    _micros,
    earliest_order,
    read_index_rows,
)
from pipelines.store.minhash import SIGNATURE_VERSION, band_keys, signature, similar

PREFIX = "newsclean:dedup"
LOCK_TTL = 30.0  # seconds: a lock whose holder died is free again after this
LOCK_WAIT = 120.0  # seconds a process waits for the lock before giving up
_CHUNK = 500  # records per pipelined round trip

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""


def owner_name(outdir: Path) -> str:
    """Who owns the rows of ``outdir``'s part files: host name and absolute path."""
    return f"{socket.gethostname()}:{outdir.resolve()}"


def _s(value: bytes | str | None) -> str | None:
    if value is None:
        return None
    return value.decode("utf-8") if isinstance(value, bytes) else value


class _Doc:
    """One record as read from ``doc:N``."""

    __slots__ = ("n", "id", "content", "published", "fetched", "shingles", "sig", "root",
                 "written", "part", "owner")

    def __init__(self, n: int, raw: dict[bytes, bytes]) -> None:
        self.n = n
        self.id = _s(raw[b"i"]) or ""
        self.content = _s(raw[b"c"]) or ""
        self.published = int(raw[b"p"]) if b"p" in raw else None
        self.fetched = int(raw[b"f"]) if b"f" in raw else None
        self.shingles = int(raw[b"s"])
        self.sig = raw.get(b"g")
        self.root = int(raw[b"r"])
        self.written = _s(raw.get(b"w"))
        self.part = _s(raw.get(b"pt"))
        self.owner = _s(raw[b"o"]) or ""

    def order(self) -> tuple[int, int, str]:
        return earliest_order(self.published, self.fetched, self.id)


class RedisDedupIndex:
    """The duplicate index of a shared crawl; one instance per process and OUTDIR."""

    def __init__(
        self, outdir: Path, client: Any, url: str, *, drop: bool, owner: str, lock_wait: float
    ) -> None:
        self.outdir = outdir
        self.redis = client
        self.url = url
        self.drop = drop
        self.owner = owner
        self.lock_wait = lock_wait
        self.session: set[str] = set()  # ids assigned since open
        self.counts = DedupCounts()
        self._dropped: dict[str, bool] = {}  # ids left out (drop) -> exact duplicate
        self._remove: dict[str, set[str]] = {}  # part -> ids the caller has replaced
        self._token = f"{owner}|{uuid.uuid4().hex}"
        self._unlock = client.register_script(_UNLOCK)
        self._renew_script = client.register_script(_RENEW)
        self._held_until = 0.0

    @staticmethod
    def key(name: str) -> str:
        return f"{PREFIX}:{name}"

    @classmethod
    def open(
        cls,
        outdir: str | Path,
        url: str,
        *,
        drop: bool = False,
        lock_wait: float = LOCK_WAIT,
        owner: str | None = None,
    ) -> RedisDedupIndex:
        """Connect to Redis at ``url`` and bring this OUTDIR's records in line with its part
        files (and rewrite the rows other processes' records re-pointed since)."""
        import redis

        outdir = Path(outdir)
        try:
            client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
            client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise DedupError(
                f"cannot use the duplicate index in Redis at {url} ({exc}); start redis-server "
                "there or fix --redis"
            ) from None
        index = cls(
            outdir, client, url, drop=drop, owner=owner or owner_name(outdir), lock_wait=lock_wait
        )
        with index._held():
            index._check_signatures()
            index._sync()
        return index

    def _check_signatures(self) -> None:
        """An index whose signatures are of another scheme (:data:`SIGNATURE_VERSION`; one
        of before the version was kept holds version 1) is emptied, every key but the lock:
        each process then reads its part files again at its next open or commit (its
        ``parts:OWNER`` is gone) and signs them again, as with a fresh server."""
        key = self.key("signature")
        if _s(self.redis.get(key)) == str(SIGNATURE_VERSION):
            return
        lock = self.key("lock")
        stale = [k for k in self.redis.scan_iter(match=f"{PREFIX}:*", count=1000) if _s(k) != lock]
        for start in range(0, len(stale), _CHUNK):
            self.redis.delete(*stale[start : start + _CHUNK])
        self.redis.set(key, str(SIGNATURE_VERSION))

    def close(self) -> None:
        self.redis.close()

    def __enter__(self) -> RedisDedupIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- the interface -----------------------------------------------------------------

    def assign(self, rows: Sequence[dict[str, Any]]) -> list[str | None]:
        """Add rows about to be written; returns each row's ``duplicate_of`` as known now
        over the records of every process."""
        with self._held():
            new: set[int] = set()
            dirty: set[int] = set()
            olds = self._numbers([row["id"] for row in rows])
            docs = self._docs(n for n in olds if n is not None)
            for row, n in zip(rows, olds, strict=True):
                rid = row["id"]
                old = docs.get(n) if n is not None else None
                if old is not None:
                    if old.content == row["content_sha256"]:
                        self.session.add(rid)
                        continue
                    dirty.add(old.root)
                    self._delete([old])
                sig, shingles = row.get(SIGNATURE_KEY) or signature(row["text"])
                new.add(self._insert(row, sig, shingles, None))
                self.session.add(rid)
            self._resolve(new, dirty)
            return self._answers([row["id"] for row in rows])

    def commit(self, remove: dict[Path, set[str]] | None = None) -> DedupCounts:
        """Call once the rows are in place: reconcile this OUTDIR's records with its part
        files, rewrite its rows whose ``duplicate_of`` changed (by its own records or
        another process's); returns this session's counts."""
        for path, ids in (remove or {}).items():
            self._remove.setdefault(str(Path(path).relative_to(self.outdir)), set()).update(ids)
        with self._held():
            self._sync()
            self._count()
        return self.counts

    # --- the lock -------------------------------------------------------------------------

    @contextmanager
    def _held(self) -> Iterator[None]:
        import redis

        try:
            self._acquire()
            try:
                yield
            finally:
                self._unlock(keys=[self.key("lock")], args=[self._token])
        except redis.RedisError as exc:
            raise DedupError(
                f"the duplicate index in Redis at {self.url} failed ({exc}); check that "
                "redis-server is running and reachable there, then run again"
            ) from None

    def _acquire(self) -> None:
        lock = self.key("lock")
        ttl_ms = int(LOCK_TTL * 1000)
        deadline = time.monotonic() + self.lock_wait
        pause = 0.005
        while not self.redis.set(lock, self._token, nx=True, px=ttl_ms):
            if time.monotonic() > deadline:
                holder = (_s(self.redis.get(lock)) or "?").split("|")[0]
                raise DedupLocked(
                    f"the duplicate index in Redis at {self.url} stayed locked by {holder} for "
                    f"{self.lock_wait:.0f} s; if that process is gone the lock frees itself "
                    f"{LOCK_TTL:.0f} s after it stopped: run again"
                )
            time.sleep(pause)
            pause = min(pause * 2, 0.1)
        self._held_until = time.monotonic() + LOCK_TTL

    def _renew(self) -> None:
        """Called in long loops: keep the lock while working (file rewrites)."""
        if time.monotonic() < self._held_until - LOCK_TTL / 2:
            return
        ttl_ms = int(LOCK_TTL * 1000)
        if not self._renew_script(keys=[self.key("lock")], args=[self._token, ttl_ms]):
            raise DedupError(
                f"lost the lock of the duplicate index in Redis at {self.url} (a step took "
                f"over {LOCK_TTL:.0f} s); run again"
            )
        self._held_until = time.monotonic() + LOCK_TTL

    # --- records ------------------------------------------------------------------------

    def _numbers(self, ids: Sequence[str]) -> list[int | None]:
        out: list[int | None] = []
        for start in range(0, len(ids), _CHUNK):
            chunk = ids[start : start + _CHUNK]
            out.extend(None if v is None else int(v) for v in self.redis.hmget(self.key("ids"), chunk))
        return out

    def _docs(self, ns: Iterable[int]) -> dict[int, _Doc]:
        wanted = sorted(set(ns))
        found: dict[int, _Doc] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            pipe = self.redis.pipeline(transaction=False)
            for n in chunk:
                pipe.hgetall(self.key(f"doc:{n}"))
            for n, raw in zip(chunk, pipe.execute(), strict=True):
                if raw:
                    found[n] = _Doc(n, raw)
        return found

    def _members(self, sets: Iterable[str]) -> dict[str, set[int]]:
        names = sorted(set(sets))
        pipe = self.redis.pipeline(transaction=False)
        for name in names:
            pipe.smembers(self.key(name))
        return {
            name: {int(v) for v in got} for name, got in zip(names, pipe.execute(), strict=True)
        }

    def _insert(
        self, row: dict[str, Any], sig: bytes | None, shingles: int, part: str | None
    ) -> int:
        n = int(self.redis.incr(self.key("next")))
        fields: dict[str, Any] = {
            "i": row["id"], "c": row["content_sha256"], "s": shingles, "r": n, "o": self.owner
        }
        for name, column in (("p", "published"), ("f", "fetched_at")):
            value = _micros(row.get(column))
            if value is not None:
                fields[name] = value
        if sig is not None:
            fields["g"] = sig
        if row.get("duplicate_of") is not None:
            fields["w"] = row["duplicate_of"]
        if part is not None:
            fields["pt"] = part
        pipe = self.redis.pipeline(transaction=False)
        pipe.hset(self.key(f"doc:{n}"), mapping=fields)
        pipe.hset(self.key("ids"), row["id"], n)
        pipe.sadd(self.key(f"content:{row['content_sha256']}"), n)
        if sig is not None:
            for band in band_keys(sig):
                pipe.sadd(self.key(f"band:{band}"), n)
        pipe.sadd(self.key(f"cluster:{n}"), n)
        where = f"inpart:{self.owner}:{part}" if part is not None else f"unwritten:{self.owner}"
        pipe.sadd(self.key(where), n)
        pipe.sadd(self.key(f"check:{self.owner}"), n)
        pipe.execute()
        return n

    def _delete(self, docs: Iterable[_Doc]) -> None:
        pipe = self.redis.pipeline(transaction=False)
        for d in docs:
            pipe.hdel(self.key("ids"), d.id)
            pipe.srem(self.key(f"content:{d.content}"), d.n)
            if d.sig is not None:
                for band in band_keys(d.sig):
                    pipe.srem(self.key(f"band:{band}"), d.n)
            pipe.srem(self.key(f"cluster:{d.root}"), d.n)
            where = f"inpart:{d.owner}:{d.part}" if d.part is not None else f"unwritten:{d.owner}"
            pipe.srem(self.key(where), d.n)
            pipe.srem(self.key(f"check:{d.owner}"), d.n)
            pipe.delete(self.key(f"doc:{d.n}"))
        pipe.execute()

    def _answers(self, ids: Sequence[str]) -> list[str | None]:
        ns = self._numbers(ids)
        docs = self._docs(n for n in ns if n is not None)
        roots = self._docs(d.root for d in docs.values() if d.root != d.n)
        out: list[str | None] = []
        for n in ns:
            d = docs.get(n) if n is not None else None
            if d is None or d.root == d.n or d.root not in roots:
                out.append(None)
            else:
                out.append(roots[d.root].id)
        return out

    # --- clusters -----------------------------------------------------------------------

    def _neighbours(self, docs: dict[int, _Doc]) -> dict[int, set[int]]:
        """Records linked to each of ``docs``: the same content, or LSH candidates that
        pass the test (two round trips for all of them)."""
        order = sorted(docs)
        pipe = self.redis.pipeline(transaction=False)
        for n in order:
            d = docs[n]
            pipe.smembers(self.key(f"content:{d.content}"))
            if d.sig is not None:
                pipe.sunion([self.key(f"band:{b}") for b in band_keys(d.sig)])
        answers = iter(pipe.execute())
        found: dict[int, set[int]] = {}
        candidates: dict[int, set[int]] = {}
        for n in order:
            found[n] = {int(m) for m in next(answers)}
            if docs[n].sig is not None:
                candidates[n] = {int(m) for m in next(answers)} - found[n] - {n}
        wanted = sorted({m for c in candidates.values() for m in c})
        sigs: dict[int, tuple[bytes | None, int]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            pipe = self.redis.pipeline(transaction=False)
            for m in chunk:
                pipe.hmget(self.key(f"doc:{m}"), ["g", "s"])
            for m, (sig, shingles) in zip(chunk, pipe.execute(), strict=True):
                if shingles is not None:
                    sigs[m] = (sig, int(shingles))
        for n, cands in candidates.items():
            d = docs[n]
            assert d.sig is not None
            for m in cands:
                other = sigs.get(m)
                if other and other[0] is not None and similar(d.sig, d.shingles, other[0], other[1]):
                    found[n].add(m)
        for n in order:
            found[n].discard(n)
        return found

    def _resolve(self, expand: set[int], dirty_roots: set[int]) -> None:
        """Recompute the clusters of the records ``expand`` and of the clusters
        ``dirty_roots`` (which lost a record), store each record's root, and tell the
        owners of the records whose root changed (their ``check`` sets)."""
        if dirty_roots:
            for found in self._members(f"cluster:{r}" for r in dirty_roots).values():
                expand |= found
        docs = self._docs(expand)
        expand = set(docs)  # records deleted meanwhile are gone
        if not expand:
            return
        clusters = Clusters()
        find, union = clusters.find, clusters.union

        links = self._neighbours(docs)
        outside = sorted({m for ms in links.values() for m in ms} - expand)
        outside_docs = self._docs(outside)
        whole = self._members(f"cluster:{d.root}" for d in outside_docs.values())
        for n in sorted(expand):
            find(n)
            for m in links[n]:
                if m in expand:
                    union(n, m)
                elif m in outside_docs:
                    union(n, m)
                    for k in whole[f"cluster:{outside_docs[m].root}"]:
                        union(m, k)
        members_all = {**self._docs(set(clusters.parent) - set(docs) - set(outside_docs)),
                       **docs, **outside_docs}
        pipe = self.redis.pipeline(transaction=False)
        for numbers in clusters.groups():
            members = [members_all[n] for n in numbers if n in members_all]
            if not members:
                continue
            first = min(members, key=_Doc.order).n
            for d in members:
                if d.root != first:
                    pipe.hset(self.key(f"doc:{d.n}"), "r", first)
                    pipe.srem(self.key(f"cluster:{d.root}"), d.n)
                    pipe.sadd(self.key(f"cluster:{first}"), d.n)
                    pipe.sadd(self.key(f"check:{d.owner}"), d.n)
                elif d.owner == self.owner:
                    pipe.sadd(self.key(f"check:{d.owner}"), d.n)
        pipe.execute()

    # --- this OUTDIR's part files -----------------------------------------------------------

    def _sync(self) -> None:
        """Bring this owner's records in line with its part files, then its files in line
        with the clusters (as :meth:`DedupIndex._sync` does for a whole folder)."""
        import pyarrow.parquet as pq

        from pipelines.store.dataset import part_files

        files = {str(p.relative_to(self.outdir)): p for p in part_files(self.outdir)}
        known = {
            _s(k) or "": _s(v) for k, v in self.redis.hgetall(self.key(f"parts:{self.owner}")).items()
        }
        new: set[int] = set()
        dirty: set[int] = set()
        for name in sorted(set(known) - set(files)):
            dirty |= self._forget_part(name, keep=set())
            self.redis.hdel(self.key(f"parts:{self.owner}"), name)
        for name, path in sorted(files.items()):
            if known.get(name) == _fingerprint(path):
                continue
            self._renew()
            with pq.ParquetFile(path) as part:
                has_dup = "duplicate_of" in part.schema_arrow.names
                cols = ["id", "content_sha256"] + (["duplicate_of"] if has_dup else [])
                table = part.read(columns=cols).to_pydict()
            ids = table["id"]
            written = table["duplicate_of"] if has_dup else [None] * len(ids)
            numbers = self._numbers(ids)
            docs = self._docs(n for n in numbers if n is not None)
            unknown: list[int] = []
            seen: set[str] = set()
            gone: list[_Doc] = []
            pipe = self.redis.pipeline(transaction=False)
            for i, (rid, content) in enumerate(zip(ids, table["content_sha256"], strict=True)):
                if rid in seen:  # an id twice in one file (not written by newsclean): the first
                    continue
                seen.add(rid)
                num = numbers[i]
                old = docs.get(num) if num is not None else None
                if old is not None and old.content == content:
                    if old.owner != self.owner:
                        continue  # another process's record of the same article (it keeps it)
                    doc = self.key(f"doc:{old.n}")
                    pipe.hset(doc, "pt", name)
                    if written[i] is None:
                        pipe.hdel(doc, "w")
                    else:
                        pipe.hset(doc, "w", written[i])
                    if old.part != name:
                        where = f"inpart:{self.owner}:{old.part}" if old.part else f"unwritten:{self.owner}"
                        pipe.srem(self.key(where), old.n)
                        pipe.sadd(self.key(f"inpart:{self.owner}:{name}"), old.n)
                    pipe.sadd(self.key(f"check:{self.owner}"), old.n)
                    continue
                if old is not None and rid in self.session:
                    continue  # the old row of a record replaced in this session, going soon
                if old is not None:
                    dirty.add(old.root)
                    gone.append(old)
                unknown.append(i)
            pipe.execute()
            self._delete(gone)
            if unknown:
                new |= self._add_from_file(path, name, unknown)
            dirty |= self._forget_part(name, keep=set(ids))
        # Rows assigned in this session and not on disk: left out (--drop-duplicates), or
        # the caller did not write them (or a killed run of this OUTDIR assigned them).
        waiting = self._docs(self._members([f"unwritten:{self.owner}"])[f"unwritten:{self.owner}"])
        forget = []
        for d in waiting.values():
            dirty.add(d.root)
            if self.drop and d.id in self.session and d.root != d.n:
                self._leave_out(d)
            else:
                forget.append(d)
        self._delete(forget)
        self._resolve(new, dirty)
        self._fix_rows()
        pipe = self.redis.pipeline(transaction=False)
        for name, path in sorted(files.items()):
            if path.exists():
                pipe.hset(self.key(f"parts:{self.owner}"), name, _fingerprint(path))
        pipe.execute()

    def _forget_part(self, name: str, keep: set[str]) -> set[int]:
        """Remove the records said to be in part ``name`` whose id is not in ``keep``;
        returns their roots."""
        inpart = f"inpart:{self.owner}:{name}"
        docs = self._docs(self._members([inpart])[inpart])
        gone = [d for d in docs.values() if d.id not in keep]
        self._delete(gone)
        return {d.root for d in gone}

    def _add_from_file(self, path: Path, name: str, indices: list[int]) -> set[int]:
        """Index rows of a part file the index did not know (read with their text)."""
        rows = read_index_rows(path, indices)
        return {self._insert(row, *signature(row["text"]), name) for row in rows}

    def _fix_rows(self) -> None:
        """Rewrite this owner's rows whose ``duplicate_of`` on disk is not their cluster's
        answer; with ``drop``, this session's duplicates are removed from their files."""
        from pipelines.store.dataset import rewrite_part

        check_key = f"check:{self.owner}"
        checked = self._members([check_key])[check_key]
        docs = self._docs(checked)
        roots = self._docs(d.root for d in docs.values() if d.root != d.n)
        by_part: dict[str, dict[str, str | None]] = {}
        removals: dict[str, list[_Doc]] = {}
        for d in docs.values():
            if d.part is None or d.owner != self.owner:
                continue  # not on disk yet: checked when its part is read
            want = None if d.root == d.n or d.root not in roots else roots[d.root].id
            if want == d.written:
                continue
            if self.drop and want is not None and d.id in self.session:
                removals.setdefault(d.part, []).append(d)
            else:
                by_part.setdefault(d.part, {})[d.id] = want
        dirty: set[int] = set()
        replaced, self._remove = self._remove, {}
        for part in sorted(set(by_part) | set(removals) | set(replaced)):
            self._renew()
            drop = removals.get(part, [])
            for d in drop:
                dirty.add(d.root)
                self._leave_out(d)
            updates = by_part.get(part, {})
            if (self.outdir / part).exists():
                gone = {d.id for d in drop} | replaced.get(part, set())
                rewrite_part(self.outdir / part, updates, gone)
            pipe = self.redis.pipeline(transaction=False)
            numbers = dict(zip(updates, self._numbers(list(updates)), strict=True))
            for rid, want in updates.items():
                n = numbers[rid]
                if n is None:
                    continue
                if want is None:
                    pipe.hdel(self.key(f"doc:{n}"), "w")
                else:
                    pipe.hset(self.key(f"doc:{n}"), "w", want)
                if rid not in self.session:
                    self.counts.updated += 1
            pipe.execute()
        if checked:
            # after the files are in place: a kill before leaves them to check next time
            self.redis.srem(self.key(check_key), *checked)
        if dirty:
            # Leaving this session's duplicates out may split a cluster they linked: the rest
            # is re-clustered and re-pointed (never dropped a second time).
            self._resolve(set(), dirty)
            keep_drop, self.drop = self.drop, False
            try:
                self._fix_rows()
            finally:
                self.drop = keep_drop

    # --- counts ---------------------------------------------------------------------------

    def _leave_out(self, d: _Doc) -> None:
        """Forget a duplicate of this session that is not written (``drop``), by kind."""
        root = self._docs([d.root]).get(d.root)
        self._dropped[d.id] = root is not None and root.content == d.content
        self._delete([d])

    def _count(self) -> None:
        """This session's duplicates: those on disk now, and those left out."""
        exact = sum(self._dropped.values())
        near = len(self._dropped) - exact
        ids = sorted(self.session - set(self._dropped))
        docs = self._docs(n for n in self._numbers(ids) if n is not None)
        roots = self._docs(d.root for d in docs.values() if d.root != d.n)
        for d in docs.values():
            if d.root == d.n or d.root not in roots:
                continue
            if roots[d.root].content == d.content:
                exact += 1
            else:
                near += 1
        self.counts = DedupCounts(
            exact=exact, near=near, dropped=len(self._dropped), updated=self.counts.updated
        )


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def open_index(outdir: str | Path, *, drop: bool = False, redis_url: str | None = None) -> Index:
    """The duplicate index of ``outdir``: in Redis at ``redis_url`` when given (records of
    every process of a shared crawl in one index), else the folder's SQLite file."""
    if redis_url:
        return RedisDedupIndex.open(outdir, redis_url, drop=drop)
    return DedupIndex.open(outdir, drop=drop)
