"""The crawler's cleaning processes, driven by the Twisted reactor: no thread in the crawl process.

``concurrent.futures.ProcessPoolExecutor`` runs two threads in the crawl process
(a manager and a queue feeder) and a resource-tracker process.  On two cores
they cost the crawl about 0.5 ms of CPU per page, their GIL hand-offs delay the
reactor, and the tracker holds 13 MB.  Here each worker is a child process
(``python -m pipelines.crawl.cleanworker``) fed length-prefixed pickles on its stdin
and answering on its stdout (a socket); the reactor writes and reads them like
any connection.  A worker reads EOF when the crawl process is gone, and exits.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import pickle
import socket
import struct
import sys
from collections import deque
from pathlib import Path
from typing import Any

from twisted.internet import protocol
from twisted.internet import reactor as _reactor
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.error import ProcessExitedAlready
from twisted.python.failure import Failure

log = logging.getLogger(__name__)
# zope interfaces are opaque to mypy without Twisted's plugin
reactor: Any = _reactor

HEADER = struct.Struct("!Q")  # payload length, before each pickled message
PER_WORKER = 4  # jobs sent to a worker ahead of its answers: it never waits for the reactor
# A worker's job pipe and answer socket hold this much, so the jobs sent ahead (a real page
# is about 170 KB pickled) lie whole in the kernel and the answers of a few jobs fit: the
# worker reads its next page and writes its answers without waiting for the reactor, which
# may be busy for a while (a response, a part file).  The default pipe (64 KB) held less
# than one page, so the worker waited for the reactor's next write in the middle of each.
CHANNEL_BYTES = 1 << 20
MAX_START_FAILURES = 3  # workers that died before answering once: stop respawning


class WorkerDied(Exception):
    """The cleaning process handling a job ended before answering it."""


class _Worker(protocol.ProcessProtocol):
    def __init__(self, pool: ReactorPool):
        self.pool = pool
        self.buffer = bytearray()
        self.waiting: deque[Deferred[Any]] = deque()
        self.answered = 0
        self.ended: Deferred[None] = Deferred()
        self.open_ends = 2  # the process and its answer socket
        self.reason = ""

    def send(self, payload: bytes, done: Deferred[Any]) -> None:
        self.waiting.append(done)
        transport: Any = self.transport
        transport.writeSequence([HEADER.pack(len(payload)), payload])

    def received(self, data: bytes) -> None:
        """Bytes of the worker's answers, as they come off its socket."""
        self.buffer += data
        while len(self.buffer) >= HEADER.size:
            (size,) = HEADER.unpack_from(self.buffer)
            if len(self.buffer) < HEADER.size + size:
                break
            done = self.waiting.popleft()
            try:
                # read in place (an answer is about 50 KB, its WARC record included): the
                # views are released before the buffer is cut
                with memoryview(self.buffer) as view, view[HEADER.size : HEADER.size + size] as message:
                    result = pickle.loads(message)
            except Exception as exc:  # a corrupt stream: fail the job, replace the worker
                del self.buffer[: HEADER.size + size]
                done.errback(WorkerDied(f"unreadable answer from a cleaning process: {exc}"))
                transport: Any = self.transport
                with contextlib.suppress(ProcessExitedAlready):
                    transport.signalProcess("KILL")
                return
            del self.buffer[: HEADER.size + size]
            self.answered += 1
            done.callback(result)
            self.pool._dispatch()

    def processEnded(self, reason: Failure) -> None:  # noqa: N802 - Twisted's name
        self.reason = reason.getErrorMessage()
        self.closed()

    def closed(self) -> None:
        """Called when the process has ended and when its answer socket is closed: only
        after both are the answers all read, and the jobs still waiting lost."""
        self.open_ends -= 1
        if self.open_ends:
            return
        waiting, self.waiting = self.waiting, deque()
        for done in waiting:
            done.errback(WorkerDied(f"a cleaning process ended: {self.reason}"))
        self.pool._ended(self)
        self.ended.callback(None)


class _Answers(protocol.Protocol):
    """The crawl process's end of a worker's answer socket."""

    def __init__(self, worker: _Worker):
        self.worker = worker

    def dataReceived(self, data: bytes) -> None:  # noqa: N802 - Twisted's name
        self.worker.received(data)

    def connectionLost(self, reason: Failure = protocol.connectionDone) -> None:  # noqa: N802
        self.worker.closed()


class _AnswersFactory(protocol.Factory):
    def __init__(self, worker: _Worker):
        self.worker = worker

    def buildProtocol(self, addr: Any) -> _Answers:  # noqa: N802 - Twisted's name
        return _Answers(self.worker)


def _grow_pipe(fd: int) -> None:
    """Make the pipe ``fd`` hold :data:`CHANNEL_BYTES` (Linux; elsewhere, or past the
    system's cap, it keeps its size: the crawl is the same, its workers wait more)."""
    setsize = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setsize is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(fd, setsize, CHANNEL_BYTES)


class ReactorPool:
    """``workers`` cleaning processes; :meth:`submit` returns a Deferred of the answer.

    Jobs go to the least busy worker, at most :data:`PER_WORKER` each; the rest
    wait here (the scraper's memory cap bounds how many).  A worker that dies
    fails its jobs with :class:`WorkerDied` and is replaced.
    """

    def __init__(self, workers: int):
        self.size = max(1, workers)
        self.workers: list[_Worker] = []
        # arguments wait unpickled: the item holds the body already, a pickle would copy it
        self.queue: deque[tuple[tuple[Any, ...], Deferred[Any]]] = deque()
        self.closing = False
        self.start_failures = 0
        for _ in range(self.size):
            self._spawn()

    def _spawn(self) -> None:
        worker = _Worker(self)
        env = dict(os.environ)
        # the package this module belongs to, importable by the child whatever its cwd
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [root, env.get("PYTHONPATH")]))
        # Answers come back on a socket, not a pipe: Twisted reads a pipe 8 KB per reactor
        # turn (a real page's answer, its WARC record included, is about 50 KB), a socket
        # 64 KB, so the next job reaches the worker sooner.
        mine, theirs = socket.socketpair()
        with mine, theirs:
            with contextlib.suppress(OSError):  # the system's cap (wmem_max) may be lower
                theirs.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHANNEL_BYTES)
            process = reactor.spawnProcess(
                worker,
                sys.executable,
                [sys.executable, "-m", "pipelines.crawl.cleanworker"],
                env=env,
                childFDs={0: "w", 1: theirs.fileno(), 2: 2},
            )
            reactor.adoptStreamConnection(mine.fileno(), socket.AF_UNIX, _AnswersFactory(worker))
        _grow_pipe(process.pipes[0].fileno())
        self.workers.append(worker)

    def submit(self, *args: Any) -> Deferred[Any]:
        """Run :func:`pipelines.crawl.cleanworker.process_page` on ``args`` in a worker."""
        done: Deferred[Any] = Deferred()
        if not self.workers:
            done.errback(WorkerDied("no cleaning process could be started"))
            return done
        self.queue.append((args, done))
        self._dispatch()
        return done

    def _dispatch(self) -> None:
        while self.queue and self.workers:
            worker = min(self.workers, key=lambda w: len(w.waiting))
            if len(worker.waiting) >= PER_WORKER:
                return
            args, done = self.queue.popleft()
            worker.send(pickle.dumps(args, protocol=5), done)

    def _ended(self, worker: _Worker) -> None:
        if worker in self.workers:
            self.workers.remove(worker)
        if self.closing:
            return
        if worker.answered == 0:
            self.start_failures += 1
        if self.start_failures >= MAX_START_FAILURES:
            log.error("cleaning processes die on start; not starting more")
            queued, self.queue = self.queue, deque()
            for _, done in queued:
                done.errback(WorkerDied("no cleaning process could be started"))
            return
        log.error("a cleaning process ended; starting another")
        self._spawn()
        self._dispatch()

    def close(self, timeout: float = 30.0) -> Deferred[Any]:
        """Let the workers finish what they were sent, then end them (killed after
        ``timeout`` seconds); fires when all have exited."""
        self.closing = True
        ended = [w.ended for w in self.workers]
        transports: list[Any] = [w.transport for w in self.workers if w.transport is not None]
        for transport in transports:
            transport.closeStdin()  # the worker exits at EOF

        def kill() -> None:
            for transport in transports:
                with contextlib.suppress(ProcessExitedAlready):
                    transport.signalProcess("KILL")

        call = reactor.callLater(timeout, kill)
        all_ended: Deferred[Any] = DeferredList(ended)

        def cancel(result: Any) -> Any:
            if call.active():
                call.cancel()
            return result

        return all_ended.addBoth(cancel)
