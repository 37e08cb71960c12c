"""SIGKILL of ``newsclean crawl`` and ``newsclean clean`` at random moments, then restarts:
every record once, no visible part file incomplete, the crawl state agreeing with the
parts, no process of a killed run left behind.  A short run of bench/kill_bench.py (which
states the guarantees and makes 120 kills by default)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from bench.kill_bench import (
    ROOT,
    clean_cmd,
    content,
    duplicates,
    group_alive,
    make_inputs,
    read_parts,
    run,
)


def test_a_few_kills_of_each_command_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    lines: list[str] = []
    phases = ("crawl", "clean2", "replace")  # the bench does -j 1 too
    tally = run(6, 12, tmp_path, pages=24, dumps=24, articles=10, log=lines.append, phases=phases)
    # run() raises at the first broken promise; what is left to check is what it tolerates:
    # a redirect the last crawl left pending (its target fetched under its own URL)
    assert tally.redirects_pending == 0, "\n".join(lines)


def _cpu_ticks(pid: int) -> int:
    """User + system CPU time of ``pid`` in clock ticks (0 once it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


def test_workers_of_a_killed_clean_end_with_it(tmp_path: Path) -> None:
    # The OOM killer takes the biggest process: the command, not its -j 2 worker.  The
    # worker must notice and end (it kept the reading end of its own pipe open, so it
    # cleaned the rest of the batch and then waited on a full pipe for ever).
    inputs = tmp_path / "in"
    make_inputs(inputs, pages=60, dumps=0)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        clean_cmd(inputs, out, 2, ()), cwd=ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    workers: list[int] = []
    while not workers and time.monotonic() < deadline:
        time.sleep(0.01)  # until the worker is forked
        workers = [pid for pid in group_alive(proc.pid) if pid != proc.pid]
    assert workers and proc.poll() is None, "the run ended before its worker started"
    # until the worker is cleaning: forked with the imports done, its CPU time is cleaning
    while _cpu_ticks(workers[0]) < 5 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before its worker was seen cleaning"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # it finishes the chunk it holds (at most 16 pages), then finds nobody to send it to
    deadline = time.monotonic() + 30
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = group_alive(proc.pid)
    if left:
        os.killpg(proc.pid, signal.SIGKILL)
    assert not left, "a worker outlived the killed command by 30 s"
    assert not duplicates(read_parts(out))  # whatever is visible opens whole
    done = subprocess.run(clean_cmd(inputs, out, 2, ()), cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    parts = read_parts(out)
    assert not duplicates(parts)
    assert len(content(parts)) == 60
