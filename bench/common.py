"""What the bench scripts share: the commands users run, CPU and memory read from /proc.

* :func:`newsclean` / :func:`crawl_command`: the ``newsclean`` command line
  (``python -m pipelines.cli ...``), as a user runs it; the crawl benches' fast
  settings (politeness delays off, robots.txt still read) in one place;
* :func:`run_timed`: wall and CPU seconds (user + system, the processes and
  their children) of commands started at once;
* :func:`cpu_children`, :func:`cpu_of`, :class:`RssSampler`: CPU and peak RSS of
  child processes, from ``getrusage`` and ``/proc``.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Python's default bytecode caching, as on a user's machine: otherwise every start would
# recompile the project's modules while the dependencies, installed by pip, come precompiled.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# The crawl benches' settings: politeness delays off (robots.txt is still read), more
# requests at a time than a polite crawl makes, so the crawl's own cost shows.
FAST_CRAWL = (
    "-s", "AUTOTHROTTLE_ENABLED=false",
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "CONCURRENT_REQUESTS=32",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16",
)  # fmt: skip
CONTACT = "https://example.org/bench"


def newsclean(*args: str, python: Sequence[str] = ("-m", "pipelines.cli")) -> list[str]:
    """The ``newsclean`` command with ``args``, run by this interpreter.  ``python``:
    what starts it (e.g. ``("-c", CODE, ...)`` to run it under a profiler)."""
    return [sys.executable, *python, *args]


def crawl_command(
    sources: Iterable[str],
    out: Path,
    *,
    workers: int | None = 2,
    fast: bool = True,
    contact: str = CONTACT,
    extra: Iterable[str] = (),
    python: Sequence[str] = ("-m", "pipelines.cli"),
) -> list[str]:
    """``newsclean crawl SOURCES -o OUT --contact ... [-j WORKERS] [FAST_CRAWL] [EXTRA]``."""
    cmd = newsclean("crawl", *sources, "-o", str(out), "--contact", contact, python=python)
    if workers is not None:
        cmd += ["-j", str(workers)]
    if fast:
        cmd += FAST_CRAWL
    return [*cmd, *extra]


def settings_args(settings: Iterable[str]) -> list[str]:
    """``-s NAME=VALUE`` for each setting."""
    return [arg for item in settings for arg in ("-s", item)]


def cpu_children() -> float:
    """CPU seconds (user + system) of this process's children that have been waited for."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) of a live process, from /proc (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def run_timed(
    cmds: Sequence[Sequence[str]],
    fresh: Path | None = None,
    ok: Sequence[int] = (0,),
    cwd: Path | None = None,
) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmds``, started at once (the run ends when the
    last one does); ``fresh`` is an output folder emptied first.  Exits with the command's
    stderr when one ends with a code not in ``ok``."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    cpu0 = cpu_children()
    start = time.perf_counter()
    procs = [
        subprocess.Popen(list(c), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV, cwd=cwd)
        for c in cmds
    ]
    errors = [proc.communicate()[1] for proc in procs]
    wall = time.perf_counter() - start
    cpu = cpu_children() - cpu0
    for proc, cmd, err in zip(procs, cmds, errors, strict=True):
        if proc.returncode not in ok:
            raise SystemExit(
                f"{' '.join(cmd[:6])} ...: exit {proc.returncode}\n"
                f"{err.decode(errors='replace')[-2000:]}"
            )
    return wall, cpu


# --- /proc ----------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            return [int(x) for x in fh.read().split()]
    except OSError:
        return []


def rss_kb(pid: int) -> int:
    """Resident memory of a live process in KB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def process_tree(pid: int) -> list[int]:
    """``pid`` and its live descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(_children(p))
    return out


class RssSampler(threading.Thread):
    """Peak RSS of a process tree and of its root, and CPU per process, sampled from /proc.

    ``served`` counts the articles the server has answered: once it reaches
    ``warm``, the CPU of each process and of this process (the server) is noted, so
    that the figures per page can leave out process starts, discovery and warm-up.
    ``event`` (optional): the moment it first holds and each process's CPU then are
    noted too (``event_at``, ``cpu_at_event``), to one sampling period."""

    def __init__(
        self,
        pid: int,
        served: Callable[[], int],
        warm: int,
        every: float = 0.1,
        event: Callable[[], bool] | None = None,
    ):
        super().__init__(daemon=True)
        self.pid, self.every, self.served, self.warm = pid, every, served, warm
        # ``event``, asked at each sample until it holds (e.g. a first output file exists):
        # when (monotonic) it was first seen, and the CPU of each process then
        self.event = event
        self.event_at: float | None = None
        self.cpu_at_event: dict[int, float] | None = None
        self.cpu_at_start: dict[int, float] | None = None
        self.server_cpu_at_start = 0.0
        self.served_at_start = 0
        self.peak_tree_kb = self.peak_root_kb = 0
        self.max_procs = 0
        self.cpu: dict[int, float] = {}  # last CPU seconds seen per process
        self.peak_kb: dict[int, int] = {}
        self.stop = threading.Event()
        self.own_cpu = 0.0  # this thread's CPU, to take out of the server's figure

    def run(self) -> None:
        while not self.stop.is_set():
            pids = process_tree(self.pid)
            self.max_procs = max(self.max_procs, len(pids))
            self.peak_tree_kb = max(self.peak_tree_kb, sum(rss_kb(p) for p in pids))
            self.peak_root_kb = max(self.peak_root_kb, rss_kb(self.pid))
            for p in pids:
                self.cpu[p] = max(self.cpu.get(p, 0.0), cpu_of(p))
                self.peak_kb[p] = max(self.peak_kb.get(p, 0), rss_kb(p))
            if self.event is not None and self.event_at is None and self.event():
                self.event_at = time.monotonic()
                self.cpu_at_event = dict(self.cpu)
            self.own_cpu = time.thread_time()
            if self.cpu_at_start is None and self.served() >= self.warm:
                self.served_at_start = self.served()
                self.cpu_at_start = dict(self.cpu)
                self.server_cpu_at_start = time.process_time() - self.own_cpu
            time.sleep(self.every)
