"""The crawl state shared by crawl processes through Redis (``newsclean crawl --redis URL``).

Several ``newsclean crawl`` processes, on one host or many, each with its own
OUTDIR, crawl the same sites together.  Redis holds what they must agree on:

* ``urls`` (hash url key -> ``done``/``dropped``/``gone``): the finished URLs, by
  :func:`pipelines.crawl.state.url_key`.  A URL turns ``done`` only after the part
  file holding its row was renamed into place (in the same script that records
  the record id in ``docs``), so no article is written twice across processes
  or runs; ``counts`` keeps the number of URLs of each status.
* ``pending`` (url key -> url, site, lastmod): discovered, not finished; the first
  process of a run queues them again (a run killed as a whole loses nothing).
* ``docs`` / ``claims``: record ids written (and the part holding each), and ids a
  process is about to write: two processes that fetched one article under two URLs
  do not both write it.
* ``sources`` and ``children:*``: ETag / Last-Modified of sitemaps and feeds and what
  an index lists, so any process can send the conditional GET.
* the request queue and the dupefilter of scrapy-redis (``requests``, ``dupefilter``).
* ``members`` (process -> ``busy``/``idle``), ``alive:*`` (a heartbeat key that
  expires ``ttl`` seconds after the process stops refreshing it) and
  ``inflight:*`` (url key -> the requests a process took from the queue and has not
  finished).  A live process re-queues the unfinished requests of a process whose
  heartbeat expired (killed, host gone): its pages are fetched by the others.
* ``host:*``: per-host politeness shared by all processes (next allowed request
  time, the leases of the requests in progress, the back-off after a 429/5xx, and the
  streak of 403/429 answers), and ``blocked``: the hosts that refused too many requests in
  a row this run.

A *run* starts when a process joins while no other is alive: it empties the queue
and the dupefilter (what the last run left is in ``pending``, and sources are
fetched every run) and queues the pending URLs.  Each process ends when the queue
is empty and every live process is idle.

The local SQLite state of OUTDIR still records the part files this process wrote
(:meth:`CrawlState.reconcile` after a kill marks their rows done, here in Redis).
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import redis

from pipelines.crawl.state import STATE_DIR, CrawlState, url_key

log = logging.getLogger(__name__)

PREFIX = "newsclean"
QUEUE_KEY = f"{PREFIX}:requests"
DUPEFILTER_KEY = f"{PREFIX}:dupefilter"
LEASE_POLL = 0.05  # seconds between asks for a lease of a host with none free

# KEYS: members, requests, dupefilter, claims, blocked, hosts.  ARGV: me, ttl ms, prefix.
# Registers the process; returns 1 when no other process is alive (a run starts: the
# queue, the dupefilter, the claims, the hosts blocked in the last run and the hosts'
# refusal streaks are cleared).
_JOIN = """
local me, prefix = ARGV[1], ARGV[3]
redis.call('SET', prefix .. ':alive:' .. me, '1', 'PX', ARGV[2])
local others = {}
for _, m in ipairs(redis.call('HKEYS', KEYS[1])) do
  if m ~= me and redis.call('EXISTS', prefix .. ':alive:' .. m) == 1 then
    table.insert(others, m)
  end
end
redis.call('HSET', KEYS[1], me, 'busy')
if #others > 0 then return 0 end
for _, m in ipairs(redis.call('HKEYS', KEYS[1])) do
  if m ~= me then
    redis.call('HDEL', KEYS[1], m)
    redis.call('DEL', prefix .. ':inflight:' .. m)
  end
end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
for _, host in ipairs(redis.call('SMEMBERS', KEYS[6])) do
  redis.call('DEL', prefix .. ':host:' .. host .. ':refused')
end
return 1
"""

# KEYS: requests, members, inflight of me.  ARGV: me.
# Takes the first request of the queue, notes it in flight and the process busy, at once.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('HSET', KEYS[2], ARGV[1], 'busy')
local nl = string.find(r[1], '\\n', 1, true)
redis.call('HSET', KEYS[3], string.sub(r[1], 1, nl - 1), r[2] .. '|' .. string.sub(r[1], nl + 1))
return r[1]
"""

# KEYS: members, requests, urls, hosts.  ARGV: me, prefix, member to re-queue ('' = the dead).
# Puts the unfinished in-flight requests of a process back in the queue and forgets it.
_REQUEUE = """
local me, prefix = ARGV[1], ARGV[2]
local moved = 0
local function requeue(m)
  local inflight = prefix .. ':inflight:' .. m
  local kv = redis.call('HGETALL', inflight)
  for i = 1, #kv, 2 do
    if redis.call('HEXISTS', KEYS[3], kv[i]) == 0 then
      local v = kv[i + 1]
      local bar = string.find(v, '|', 1, true)
      redis.call('ZADD', KEYS[2], string.sub(v, 1, bar - 1), kv[i] .. '\\n' .. string.sub(v, bar + 1))
      moved = moved + 1
    end
  end
  redis.call('DEL', inflight, prefix .. ':alive:' .. m)
  redis.call('HDEL', KEYS[1], m)
  for _, host in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    local leases = prefix .. ':host:' .. host .. ':active'
    for _, token in ipairs(redis.call('ZRANGE', leases, 0, -1)) do
      if string.sub(token, 1, #m + 1) == m .. '|' then redis.call('ZREM', leases, token) end
    end
  end
end
if ARGV[3] ~= '' then
  requeue(ARGV[3])
  return moved
end
for _, m in ipairs(redis.call('HKEYS', KEYS[1])) do
  if m ~= me and redis.call('EXISTS', prefix .. ':alive:' .. m) == 0 then requeue(m) end
end
return moved
"""

# KEYS: members, requests.  ARGV: me, prefix.  The process is idle: is the crawl over?
_IDLE = """
redis.call('HSET', KEYS[1], ARGV[1], 'idle')
if redis.call('ZCARD', KEYS[2]) > 0 then return 'work' end
local kv = redis.call('HGETALL', KEYS[1])
local answer = 'done'
for i = 1, #kv, 2 do
  if kv[i] ~= ARGV[1] then
    if redis.call('EXISTS', ARGV[2] .. ':alive:' .. kv[i]) == 0 then return 'dead' end
    if kv[i + 1] == 'busy' then answer = 'wait' end
  end
end
return answer
"""

# Marks url keys with a status.  Used by _MARK and _COMMIT (KEYS: urls, counts, pending,
# inflight of me).
_SET_STATUS = """
local function set_status(k, status)
  local old = redis.call('HGET', KEYS[1], k)
  if old ~= status then
    redis.call('HSET', KEYS[1], k, status)
    redis.call('HINCRBY', KEYS[2], status, 1)
    if old then redis.call('HINCRBY', KEYS[2], old, -1) end
  end
  redis.call('HDEL', KEYS[3], k)
  redis.call('HDEL', KEYS[4], k)
end
"""

# ARGV: status, url keys...
_MARK = (
    _SET_STATUS
    + """
for i = 2, #ARGV do set_status(ARGV[i], ARGV[1]) end
return 1
"""
)

# KEYS: urls, counts, pending, inflight of me, docs, claims.
# ARGV: part, then for each record: id, number of url keys, the keys.
_COMMIT = (
    _SET_STATUS
    + """
local i = 2
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  redis.call('HSET', KEYS[5], id, ARGV[1])
  redis.call('HDEL', KEYS[6], id)
  for j = 1, n do set_status(ARGV[i + 1 + j], 'done') end
  i = i + 2 + n
end
return 1
"""
)

# KEYS: docs, claims.  ARGV: me, prefix, ids...  Returns the ids another process has
# written or is writing (a claim of a process whose heartbeat expired does not count).
_CLAIM = """
local taken = {}
for i = 3, #ARGV do
  local id = ARGV[i]
  local owner = redis.call('HGET', KEYS[2], id)
  if redis.call('HEXISTS', KEYS[1], id) == 1 then
    table.insert(taken, id)
  elseif owner and owner ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. ':alive:' .. owner) == 1 then
    table.insert(taken, id)
  else
    redis.call('HSET', KEYS[2], id, ARGV[1])
  end
end
return taken
"""

# KEYS: urls, pending.  ARGV: url key, pending entry.  1 if the URL still has to be fetched.
_ADD_PENDING = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 0 end
redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2])
return 1
"""

# KEYS: lease set of a host, its next-time key, hosts, its back-off key, blocked hosts,
# its refusal streak.  ARGV: limit, token, lease ms, delay ms, host.  A request to the host
# may go when fewer than ``limit`` requests to it are in progress in all processes and the
# gap since the last one went has passed: the caller's ``delay``, or the host's shared
# back-off when longer.  Then it takes a lease, sets the next time and gets {0, back-off
# ms, refusal streak}; else {ms to wait before asking again (-1: no lease free, ask again
# soon; -2: the host is blocked, never), back-off ms, refusal streak}.  Asked at the moment
# of sending (nothing reserved ahead), so a late wake-up never shortens a gap; the time is
# Redis's own, so the hosts' clocks do not matter.
_TAKE_TURN = """
redis.replicate_commands()
if redis.call('HEXISTS', KEYS[5], ARGV[5]) == 1 then return {-2, 0, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local backoff = tonumber(redis.call('GET', KEYS[4]) or '0')
local streak = tonumber(redis.call('GET', KEYS[6]) or '0')
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return {-1, backoff, streak} end
local at = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < at then return {at - now, backoff, streak} end
local gap = math.max(tonumber(ARGV[4]), backoff)
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[2])
redis.call('SET', KEYS[2], now + gap, 'PX', gap + 60000)
redis.call('SADD', KEYS[3], ARGV[5])
return {0, backoff, streak}
"""

# KEYS: a host's refusal streak, blocked hosts.  ARGV: host, status, streak that blocks.
# A 403/429 from the host, in any process: its streak grows, and at ``limit`` in a row
# (over all processes) the host is blocked for the rest of the run; returns the streak.
_REFUSED = """
local n = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], 86400000)
if n >= tonumber(ARGV[3]) then redis.call('HSETNX', KEYS[2], ARGV[1], ARGV[2]) end
return n
"""

# KEYS: a host's back-off key, its next-time key.  ARGV: base ms, least ms (the caller's
# delay, Retry-After), most ms.  A 429/5xx from the host, in any process: the shared
# back-off doubles (at least ``base`` and ``least``, at most ``most``), and no process
# sends to the host before it has passed from now (a turn taken before the answer came
# would otherwise still go at the old pace).  It lapses by itself ten times its length
# after the last change (at least a minute), should no process be left to end it.
_BACK_OFF = """
redis.replicate_commands()
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = math.min(math.max(old * 2, tonumber(ARGV[1]), tonumber(ARGV[2])), tonumber(ARGV[3]))
redis.call('SET', KEYS[1], new, 'PX', math.max(new * 10, 60000))
local at = tonumber(redis.call('GET', KEYS[2]) or '0')
if now + new > at then redis.call('SET', KEYS[2], now + new, 'PX', new + 60000) end
return new
"""

# KEYS: a host's back-off key.  ARGV: base ms.  A success from the host while it is backed
# off, in any process: the back-off halves, and ends below ``base``.
_RECOVER = """
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
local new = math.floor(old / 2)
if new < tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 0
end
redis.call('SET', KEYS[1], new, 'PX', math.max(new * 10, 60000))
return new
"""

# KEYS: urls, counts, docs.  ARGV: n url entries (key, status), then (id, part) pairs.
# Adds what a local (SQLite) crawl of this OUTDIR finished, where Redis knows nothing yet.
_PUBLISH = """
local n = tonumber(ARGV[1])
for i = 2, 1 + 2 * n, 2 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[2], ARGV[i + 1], 1)
  end
end
for i = 2 + 2 * n, #ARGV, 2 do redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) end
return 1
"""


class RedisStateError(RuntimeError):
    """Redis cannot be reached or answered an error; the message names the URL."""


def member_name() -> str:
    """This process's name in the cluster: host, pid and a random part (pids are reused)."""
    return f"{file_tag()}-{uuid.uuid4().hex[:8]}"


def file_tag() -> str:
    """Host name and pid, for names of files that must not collide across hosts."""
    host = re.sub(r"[^A-Za-z0-9.-]+", "-", socket.gethostname()) or "host"
    return f"{host}-{os.getpid()}"


def _s(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else value


class RedisCrawlState(CrawlState):
    """The crawl state of one process of a shared crawl; same interface as :class:`CrawlState`.

    Use from the reactor thread, except the heartbeat, which runs in its own thread so
    that a long parse in the reactor does not make the process look dead.
    """

    def __init__(self, outdir: str | Path, url: str, ttl: float = 60.0):
        super().__init__(Path(outdir) / STATE_DIR / "state.sqlite")
        self.url = url
        self.ttl = ttl
        self.member = member_name()
        self.first = False
        try:
            self.redis = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
            self.redis.ping()
        except (redis.RedisError, ValueError) as exc:
            raise RedisStateError(f"cannot use Redis at {url}: {exc}") from None
        k = self.key
        self.k_members, self.k_urls, self.k_counts = k("members"), k("urls"), k("counts")
        self.k_pending, self.k_docs, self.k_claims = k("pending"), k("docs"), k("claims")
        self.k_sources, self.k_hosts, self.k_blocked = k("sources"), k("hosts"), k("blocked")
        self.k_inflight = k(f"inflight:{self.member}")
        self.k_alive = k(f"alive:{self.member}")
        r = self.redis
        self._join, self._pop, self._requeue = (r.register_script(s) for s in (_JOIN, _POP, _REQUEUE))
        self._idle, self._mark, self._commit = (r.register_script(s) for s in (_IDLE, _MARK, _COMMIT))
        self._claim, self._add_pending = r.register_script(_CLAIM), r.register_script(_ADD_PENDING)
        self._take_turn = r.register_script(_TAKE_TURN)
        self._back_off, self._recover = r.register_script(_BACK_OFF), r.register_script(_RECOVER)
        self._refused = r.register_script(_REFUSED)
        self._publish = r.register_script(_PUBLISH)
        self._pending_by_site: dict[str, list[tuple[str, float | None]]] | None = None
        self._beat_stop = threading.Event()
        self._beat: threading.Thread | None = None
        self.joined = False
        self.lost: str | None = None  # why the crawl stopped when Redis stopped answering

    @staticmethod
    def key(name: str) -> str:
        return f"{PREFIX}:{name}"

    # --- membership ---------------------------------------------------------------------

    def join(self) -> bool:
        """Register this process and start its heartbeat; True if it starts a new run."""
        ttl_ms = int(self.ttl * 1000)
        keys = [
            self.k_members, QUEUE_KEY, DUPEFILTER_KEY, self.k_claims, self.k_blocked, self.k_hosts
        ]
        self.first = bool(self._join(keys=keys, args=[self.member, ttl_ms, PREFIX]))
        self.joined = True
        self._beat = threading.Thread(target=self._heartbeat, name="redis-heartbeat", daemon=True)
        self._beat.start()
        log.info("joined the crawl in %s as %s%s", self.url, self.member,
                 " (first process: a new run)" if self.first else "")
        return self.first

    def publish_local(self, batch: int = 500) -> int:
        """Copy what local (SQLite) runs of this OUTDIR finished into Redis, once per Redis
        URL, so that switching an OUTDIR to ``--redis`` fetches none of it again; returns
        the URLs sent."""
        self.db.execute("CREATE TABLE IF NOT EXISTS published (url TEXT PRIMARY KEY)")
        if self.db.execute("SELECT 1 FROM published WHERE url = ?", (self.url,)).fetchone():
            return 0
        urls = self.db.execute(
            "SELECT key, status FROM urls WHERE status IN ('done', 'dropped', 'gone')"
        ).fetchall()
        docs = self.db.execute("SELECT id, part FROM docs").fetchall()
        for i in range(0, max(len(urls), len(docs)), batch):
            some_urls, some_docs = urls[i : i + batch], docs[i : i + batch]
            args: list[Any] = [len(some_urls)]
            for pair in (*some_urls, *some_docs):
                args += list(pair)
            self._publish(keys=[self.k_urls, self.k_counts, self.k_docs], args=args)
        self.db.execute("INSERT INTO published(url) VALUES (?)", (self.url,))
        return len(urls)

    def _heartbeat(self) -> None:
        ttl_ms = int(self.ttl * 1000)
        while not self._beat_stop.wait(self.ttl / 6):
            try:
                self.redis.set(self.k_alive, b"1", px=ttl_ms)
                if not self.redis.hexists(self.k_members, self.member):
                    # Another process found our heartbeat expired and re-queued our work.
                    log.warning("%s was taken for dead by another process; re-joining",
                                self.member)
                    self.redis.hset(self.k_members, self.member, "busy")
            except redis.RedisError as exc:
                log.warning("heartbeat to %s failed: %s", self.url, exc)

    def pop(self, queue_key: str) -> bytes | None:
        """Take the next request of the queue (``url key \\n serialised request``)."""
        data = self._pop(keys=[queue_key, self.k_members, self.k_inflight], args=[self.member])
        return bytes(data) if data else None

    def release(self, url: str) -> None:
        """The request for ``url`` needs no re-queue if this process dies (e.g. a source
        whose response arrived)."""
        self.redis.hdel(self.k_inflight, url_key(url))

    def idle(self) -> str:
        """Note this process idle; 'work' (queue not empty), 'dead' (a process to reap),
        'wait' (another process is busy) or 'done' (the run is over)."""
        return _s(self._idle(keys=[self.k_members, QUEUE_KEY], args=[self.member, PREFIX]))

    def reap(self) -> int:
        """Re-queue the unfinished requests of processes whose heartbeat expired."""
        keys = [self.k_members, QUEUE_KEY, self.k_urls, self.k_hosts]
        return int(self._requeue(keys=keys, args=[self.member, PREFIX, ""]))

    def leave(self, finished: bool) -> int:
        """Leave the crawl.  Unless the run finished, this process's unfinished requests go
        back to the queue for the others; returns how many."""
        if not self.joined:
            return 0
        self.joined = False
        self._beat_stop.set()
        if self._beat is not None:
            self._beat.join(timeout=5)
        keys = [self.k_members, QUEUE_KEY, self.k_urls, self.k_hosts]
        if finished:
            self.redis.delete(self.k_inflight)
        return int(self._requeue(keys=keys, args=[self.member, PREFIX, self.member]))

    def close(self) -> None:
        try:
            self.leave(finished=False)
        except redis.RedisError as exc:
            log.error("could not leave the crawl in %s: %s", self.url, exc)
        finally:
            super().close()

    # --- politeness ---------------------------------------------------------------------

    def take_turn(
        self, host: str, token: str, limit: int, delay: float, lease_seconds: float
    ) -> tuple[float, float, int]:
        """(0, back-off, refusals) if a request to ``host`` may go now: it holds one of the
        host's ``limit`` leases (shared by all processes) until :meth:`release_host`, and
        the next request to the host, from any process, waits ``delay`` seconds, or the
        host's shared back-off (:meth:`back_off`) when that is longer.  Else (the seconds
        to wait before asking again, or -1 if the host is blocked (:meth:`refused`),
        back-off, refusals).  Times in seconds; refusals is the host's streak of 403/429
        answers over all processes."""
        keys = [
            self.key(f"host:{host}:active"), self.key(f"host:{host}:next"), self.k_hosts,
            self.key(f"host:{host}:backoff"), self.k_blocked, self.key(f"host:{host}:refused"),
        ]
        args: list[Any] = [
            limit, f"{self.member}|{token}", int(lease_seconds * 1000), int(delay * 1000), host
        ]
        wait_ms, backoff_ms, streak = (int(v) for v in self._take_turn(keys=keys, args=args))
        if wait_ms == -2:
            return -1.0, 0.0, 0
        return (LEASE_POLL if wait_ms < 0 else wait_ms / 1000), backoff_ms / 1000, streak

    def refused(self, host: str, status: int, limit: int) -> bool:
        """A 403/429 from ``host``; True once ``limit`` of them in a row, from any process,
        have blocked it for the rest of the run (:meth:`blocked`)."""
        keys = [self.key(f"host:{host}:refused"), self.k_blocked]
        return int(self._refused(keys=keys, args=[host, status, limit])) >= limit

    def accepted(self, host: str) -> None:
        """An answer from ``host`` that is not a refusal: its streak starts again."""
        self.redis.delete(self.key(f"host:{host}:refused"))

    def blocked(self) -> dict[str, int]:
        """The hosts blocked in this run, by any process, and the status that blocked each."""
        return {_s(h): int(v) for h, v in self.redis.hgetall(self.k_blocked).items()}

    def back_off(self, host: str, base: float, least: float, most: float) -> float:
        """A 429/5xx from ``host``: no process sends to it for the host's shared back-off,
        which doubles (at least ``base`` and ``least`` seconds, at most ``most``), and each
        then spaces its requests to it by that back-off; returns it."""
        keys = [self.key(f"host:{host}:backoff"), self.key(f"host:{host}:next")]
        args = [int(base * 1000), int(least * 1000), int(most * 1000)]
        return int(self._back_off(keys=keys, args=args)) / 1000

    def recover(self, host: str, base: float) -> float:
        """A success from ``host`` while it is backed off: the shared back-off halves, and
        ends below ``base`` seconds; returns what is left (0 when it ended)."""
        keys = [self.key(f"host:{host}:backoff")]
        return int(self._recover(keys=keys, args=[int(base * 1000)])) / 1000

    def release_host(self, host: str, token: str) -> None:
        self.redis.zrem(self.key(f"host:{host}:active"), f"{self.member}|{token}")

    # --- URLs ---------------------------------------------------------------------------

    def status(self, key: str) -> str | None:
        value = self.redis.hget(self.k_urls, key)
        return _s(value) if value is not None else None

    def add_pending(self, url: str, site: str, lastmod: float | None = None) -> bool:
        entry = json.dumps([url, site, lastmod])
        keys = [self.k_urls, self.k_pending]
        return bool(self._add_pending(keys=keys, args=[url_key(url), entry]))

    def pending(self, site: str) -> list[tuple[str, float | None]]:
        """The pending URLs of ``site``, to the process that starts a run (the others would
        only queue them again)."""
        if not self.first:
            return []
        if self._pending_by_site is None:  # one scan for all sites
            self._pending_by_site = {}
            for _, value in self.redis.hscan_iter(self.k_pending, count=1000):
                url, entry_site, lastmod = json.loads(value)
                self._pending_by_site.setdefault(entry_site, []).append((url, lastmod))
        return self._pending_by_site.pop(site, [])

    def mark(self, urls: Iterable[str], status: str, site: str | None = None) -> None:
        keys = sorted({url_key(u) for u in urls if u})
        if keys:
            self._mark(keys=self._url_keys(), args=[status, *keys])

    def _url_keys(self) -> list[str]:
        return [self.k_urls, self.k_counts, self.k_pending, self.k_inflight]

    # --- records and parts --------------------------------------------------------------

    def has_doc(self, doc_id: str) -> bool:
        return bool(self.redis.hexists(self.k_docs, doc_id))

    def claim_docs(self, doc_ids: Sequence[str]) -> set[str]:
        if not doc_ids:
            return set()
        taken = self._claim(keys=[self.k_docs, self.k_claims], args=[self.member, PREFIX, *doc_ids])
        return {_s(t) for t in taken}

    def commit_part(self, part: str, docs: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Mark the part's URLs done in Redis, then record the part locally (a kill between
        the two: reconcile() finds the part unrecorded and marks it again, harmlessly)."""
        args: list[Any] = [f"{self.member}:{part}"]
        for doc_id, urls in docs:
            keys = sorted({url_key(u) for u in urls if u})
            args += [doc_id, len(keys), *keys]
        self._commit(keys=[*self._url_keys(), self.k_docs, self.k_claims], args=args)
        super().commit_part(part, docs)

    # --- sources (conditional GET) ------------------------------------------------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        value = self.redis.hget(self.k_sources, url)
        if value is None:
            return (None, None)
        etag, modified = json.loads(value)
        return etag, modified

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        self.redis.hset(self.k_sources, url, json.dumps([etag, last_modified]))

    def add_child(self, parent: str, url: str) -> None:
        self.redis.sadd(self.key(f"children:{parent}"), url)

    def children(self, parent: str) -> list[str]:
        return sorted(_s(u) for u in self.redis.smembers(self.key(f"children:{parent}")))

    def counts(self) -> dict[str, int]:
        try:
            raw = self.redis.hgetall(self.k_counts)
            pending = int(self.redis.hlen(self.k_pending))
        except redis.RedisError:
            if self.lost:
                return {}  # the run summary of a crawl that stopped because Redis did
            raise
        counts = {_s(k): int(v) for k, v in raw.items() if int(v)}
        if pending:
            counts["pending"] = pending
        return counts
