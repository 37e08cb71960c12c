"""Chunks of a batch cleaned by several processes, the calling process being one of them.

``-j N`` means N cleaning processes: this one and N-1 forked workers.  Each process
claims the next chunk from a shared counter, so one that finishes early takes more, and
this process cleans between handing rows to the writer instead of waiting for workers
(on two cores, a third busy process would slow both workers down).  A reader thread
takes results off the workers' pipes as they come, so a worker never waits on a full
pipe.  Results are given back in chunk order.  A worker that dies loses the chunk it
held: :meth:`SharedWork.results` gives ``lost(chunk)`` for it, and the batch goes on.

Workers are forked: they start with this process's imports and prepared rule matchers.
A worker whose parent is gone (killed, out of memory) stops at its next hand-over: it holds
no reading end of any pipe, so sending fails, and it gives up waiting for the counter's
lock when its parent has died holding it.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

C = TypeVar("C")
R = TypeVar("R")


class SharedWork(Generic[C, R]):
    """``work(chunk)`` for every chunk, in ``workers`` forked processes and this one.

    ``init_worker`` runs first in each forked worker.  Use as a context manager: leaving
    it stops the workers (after Ctrl-C too)."""

    def __init__(
        self,
        chunks: Sequence[C],
        workers: int,
        work: Callable[[C], R],
        lost: Callable[[C], R],
        init_worker: Callable[[], None] = lambda: None,
    ) -> None:
        self._chunks, self._work, self._lost = chunks, work, lost
        ctx = mp.get_context("fork")
        self._next = ctx.Value("q", 0)  # the next chunk to claim (with its own lock)
        self._done: dict[int, R] = {}
        self._failed: set[int] = set()
        self._gone = False  # every worker has ended
        self._ready = threading.Condition()
        self._procs = []
        conns: list[Connection] = []
        for _ in range(workers):
            mine, theirs = ctx.Pipe(duplex=False)
            # the worker closes its copies of the reading ends (its own and the earlier
            # workers'): were one left open, its sends would never fail once this process
            # is gone, and it would clean the rest of the batch and block on a full pipe
            proc = ctx.Process(
                target=self._serve,
                args=(theirs, init_worker, [*conns, mine], os.getpid()),
                daemon=True,
            )
            proc.start()
            theirs.close()
            self._procs.append(proc)
            conns.append(mine)
        self._reader = threading.Thread(target=self._read, args=(conns,), daemon=True)
        self._reader.start()

    def _claim(self) -> int:
        with self._next.get_lock():
            index = int(self._next.value)
            self._next.value = index + 1
        return index

    def _claim_in_worker(self, parent: int) -> int | None:
        """:meth:`_claim` in a worker; None once the parent process is gone (it may have been
        killed holding the lock, which would then never be released)."""
        lock = self._next.get_lock()
        while not lock.acquire(timeout=1.0):
            if os.getppid() != parent:
                return None
        try:
            index = int(self._next.value)
            self._next.value = index + 1
        finally:
            lock.release()
        return index

    def _claimed(self) -> int:
        with self._next.get_lock():
            return int(self._next.value)

    def _serve(
        self,
        conn: Connection,
        init_worker: Callable[[], None],
        readers: list[Connection],
        parent: int,
    ) -> None:
        """A worker: claim chunks until none is left; send the index on taking a chunk and
        (index, result) when it is done.  Ends quietly when the parent is gone."""
        for reader in readers:
            reader.close()
        init_worker()
        try:
            while (index := self._claim_in_worker(parent)) is not None and index < len(
                self._chunks
            ):
                conn.send(index)
                conn.send((index, self._work(self._chunks[index])))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the parent is gone: nobody wants the result
        finally:
            conn.close()

    def _read(self, conns: list[Connection]) -> None:
        """Collect results from the workers; a chunk held by a worker that ends is lost."""
        held: dict[Connection, int | None] = dict.fromkeys(conns)
        while held:
            for conn in wait(list(held)):
                assert isinstance(conn, Connection)
                try:
                    message = conn.recv()
                except (EOFError, OSError):
                    with self._ready:
                        if held[conn] is not None:
                            self._failed.add(held.pop(conn))  # type: ignore[arg-type]
                        else:
                            held.pop(conn)
                        self._ready.notify_all()
                    continue
                if isinstance(message, int):  # the worker took this chunk
                    held[conn] = message
                    continue
                index, result = message
                held[conn] = None
                with self._ready:
                    self._done[index] = result
                    self._ready.notify_all()
        with self._ready:
            self._gone = True
            self._ready.notify_all()

    def results(self) -> Iterator[R]:
        """The result of each chunk, in chunk order; this process cleans when it can."""
        for index in range(len(self._chunks)):

            def settled(i: int = index) -> bool:
                return i in self._done or i in self._failed or self._gone

            while True:
                with self._ready:
                    if index in self._done:
                        result = self._done.pop(index)
                        break
                    # failed: its worker ended while holding it; once every worker has
                    # ended, a chunk not done was claimed by one that died before saying so
                    if index in self._failed or (self._gone and self._claimed() > index):
                        result = self._lost(self._chunks[index])
                        break
                claimed = self._claim()
                if claimed < len(self._chunks):
                    value = self._work(self._chunks[claimed])
                    with self._ready:
                        self._done[claimed] = value
                    continue
                with self._ready:  # nothing left to claim: wait for the workers
                    self._ready.wait_for(settled)
            yield result

    def close(self) -> None:
        for proc in self._procs:
            if proc.is_alive():
                proc.terminate()
        for proc in self._procs:
            proc.join()

    def __enter__(self) -> SharedWork[C, R]:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
