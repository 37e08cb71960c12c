"""SharedWork: chunks cleaned by forked workers and the calling process, in order."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from pipelines.batch.sharedwork import SharedWork

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork only")

LOST = -1


def collect(work: SharedWork[int, tuple[int, int]], timeout: float = 60) -> list:
    """work.results() as a list, failing instead of hanging."""
    out: list = []
    thread = threading.Thread(target=lambda: out.extend(work.results()), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "results() did not finish"
    return out


def slow_square(n: int) -> tuple[int, int]:
    time.sleep(0.01)
    return n * n, os.getpid()


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_every_chunk_once_in_order_and_shared_between_processes(workers: int) -> None:
    chunks = list(range(60))
    with SharedWork(chunks, workers, slow_square, lost=lambda n: (LOST, 0)) as work:
        results = collect(work)
    assert [square for square, _ in results] == [n * n for n in chunks]
    pids = {pid for _, pid in results}
    assert os.getpid() in pids  # this process cleans too
    assert len(pids) == workers + 1


def test_a_dead_worker_loses_only_its_chunk() -> None:
    parent = os.getpid()

    def work(n: int) -> tuple[int, int]:
        if os.getpid() != parent:
            os._exit(1)  # the worker dies on the first chunk it takes
        return slow_square(n)

    chunks = list(range(40))
    with SharedWork(chunks, 1, work, lost=lambda n: (LOST, n)) as work_:
        results = collect(work_)
    assert len(results) == len(chunks)
    lost = [n for (square, n) in results if square == LOST]
    assert len(lost) == 1
    assert all(
        square == n * n for n, (square, _) in zip(chunks, results, strict=True) if n not in lost
    )


def test_results_may_be_anything_picklable_even_none() -> None:
    parent = os.getpid()

    def work(n: int) -> int | None:
        time.sleep(0.005)
        return n if os.getpid() == parent else None  # the worker's results are all None

    with SharedWork(list(range(30)), 1, work, lost=lambda n: LOST) as shared:
        results = collect(shared)  # type: ignore[arg-type]
    assert len(results) == 30 and LOST not in results
    assert None in results  # the worker's None results arrived as results
    assert all(r == n for n, r in enumerate(results) if r is not None)
