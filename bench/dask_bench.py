"""Re-clean throughput on a Dask cluster of 1 and 2 workers against local `-j 1` / `-j 2`.

usage: python bench/dask_bench.py DATASET_DIR [--repeat N] [--dask-defaults]

DATASET_DIR holds ``pages/*.html.gz`` (or ``dumps/*.txt``).  The bench starts two
dask.distributed clusters on 127.0.0.1 (LocalCluster: a scheduler in this process, one
worker process of one thread each, or two), and times, on the same files, each as a whole
process from start to exit:

- ``newsclean clean -j 1`` and ``newsclean clean -j 2`` (local processes), and
- ``newsclean clean --scheduler ADDRESS`` against the 1-worker and the 2-worker cluster,
- and two ``newsclean clean -j 1`` at once, each on every other file: nothing shared,
  nothing handed over, so their rate over ``-j 1`` is what any split of the work in two
  processes reaches on this machine at that moment (the yardstick for both ratios).

The clusters run with the settings the README gives for a cleaning cluster
(``CLUSTER_SETTINGS``: no sampling profiler on the workers, the event-loop tick and
the system and memory monitors at 1-5 s instead of 20-500 ms), which cut the idle CPU of
a scheduler with two nannies from 0.47 to 0.08 s in 10 s and of a worker from 0.37 to
0.04 s; ``--dask-defaults`` runs them with Dask's defaults instead.

The workers live across runs, as a cluster's do: one untimed round first imports the
cleaning code in them (and fills the bytecode and page caches); the command's own
start (interpreter, imports of distributed and pyarrow, rule loading) is timed in every
run, as for the local commands.  Commands take turns, one round running each once;
the best wall time of N rounds gives the docs/s.

Next to it, the CPU time (user + system) of the run: of the command process (for local
runs with its forked workers), and for the Dask runs of the workers (read in each worker
before and after) and of this process, which runs the schedulers and the nannies.  On a
shared machine CPU time moves less than wall time: when other jobs load the machine,
compare CPU times and re-measure the rates on a quiet machine.  The rate of 2 workers
over 1 is printed three ways: from the best wall times; from each round's own pair (the
two runs closest in time; their spread); and from CPU time, as the CPU path of a run
(the command's CPU, as if none of it overlapped the workers, plus its busiest worker's),
which a loaded machine disturbs less than the wall time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_timed  # noqa: E402

HALVES = "2 x -j 1 on halves, at once"

# The settings the README gives for a cleaning cluster (workers of one thread running long
# Python tasks): Dask's sampling profiler samples every thread's stack every 10 ms; the
# event-loop tick (20 ms), the system monitor (500 ms) and the memory monitor (100 ms) of
# every server wake it up whether or not it works.
CLUSTER_SETTINGS = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _workers_cpu(client: Any) -> dict[str, float]:
    return {w: float(t) for w, t in client.run(_cpu_self).items()}


# (wall, commands' CPU, workers' CPU, scheduler CPU, busiest worker's CPU) of one run
Result = tuple[float, float, float, float, float]


def _run(cmds: list[list[str]], client: Any | None) -> Result:
    """The figures of one run of ``cmds``, started at once, each into its emptied output
    folder."""
    for cmd in cmds:
        shutil.rmtree(cmd[cmd.index("-o") + 1], ignore_errors=True)
    workers_before = _workers_cpu(client) if client is not None else {}
    here_before = _cpu_self()
    wall, command = run_timed(cmds)
    here = _cpu_self() - here_before
    after = _workers_cpu(client) if client is not None else {}
    each = [t - workers_before.get(w, 0.0) for w, t in after.items()]
    return wall, command, sum(each), here, max(each, default=0.0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dask-defaults", action="store_true",
                    help="run the clusters with Dask's default settings, not CLUSTER_SETTINGS")
    args = ap.parse_args()
    import logging
    import warnings

    import dask
    from distributed import Client, LocalCluster

    if not args.dask_defaults:
        dask.config.set(CLUSTER_SETTINGS)  # the nannies pass it on to the workers they start

    logging.getLogger("distributed").setLevel(logging.WARNING)  # the clusters' start and stop
    warnings.filterwarnings("ignore", message="Port .* is already in use")

    pages = args.dataset / "pages"
    folder = pages if pages.is_dir() else args.dataset / "dumps"
    files = sorted(str(p) for p in folder.iterdir() if p.name.endswith((".html.gz", ".txt")))
    n = len(files)
    command = [sys.executable, "-m", "pipelines.cli", "clean", "--no-progress"]
    base = [*command, str(folder)]
    clusters = {
        k: LocalCluster(processes=True, n_workers=k, threads_per_worker=1, host="127.0.0.1",
                        dashboard_address=None)
        for k in (1, 2)
    }
    clients = {k: Client(c, set_as_default=False) for k, c in clusters.items()}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            commands: dict[str, tuple[list[list[str]], Any]] = {}
            for jobs in (1, 2):
                out = Path(tmp) / f"j{jobs}"
                commands[f"newsclean clean -j {jobs}"] = (
                    [[*base, "-o", str(out), "-j", str(jobs)]], None)
            commands[HALVES] = (
                [[*command, *files[k::2], "-o", str(Path(tmp) / f"half{k}"), "-j", "1"]
                 for k in (0, 1)], None)
            for k, cluster in clusters.items():
                out = Path(tmp) / f"dask{k}"
                cmd = [*base, "-o", str(out), "--scheduler", cluster.scheduler_address]
                commands[f"--scheduler, {k} worker{'s' if k > 1 else ''}"] = ([cmd], clients[k])
            runs: dict[str, list[Result]] = {name: [] for name in commands}
            for attempt in range(args.repeat + 1):
                for name, (cmds, client) in commands.items():
                    result = _run(cmds, client)
                    if attempt:  # the first round warms the workers and the caches
                        runs[name].append(result)
    finally:
        for client in clients.values():
            client.close()
        for cluster in clusters.values():
            cluster.close()
    load = os.getloadavg()
    settings = "Dask's default settings" if args.dask_defaults else "CLUSTER_SETTINGS"
    print(f"{args.dataset.name}: {n} files, {os.cpu_count()} cores, best of {args.repeat}, "
          f"whole command, clusters with {settings}; "
          f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    if load[1] > (os.cpu_count() or 1) * 0.8:
        print("  (the machine was loaded by other jobs: wall times and rates are disturbed; "
              "compare CPU times, re-measure on a quiet machine)")
    best: dict[str, float] = {}
    for name, results in runs.items():
        wall = min(r[0] for r in results)
        best[name] = wall
        cpu = f"CPU: command {min(r[1] for r in results):5.2f} s"
        if "scheduler" in name:
            cpu += (f", workers {min(r[2] for r in results):5.2f} s"
                    f" (busiest {min(r[4] for r in results):5.2f} s)"
                    f", scheduler {min(r[3] for r in results):5.2f} s")
        print(f"  {name:<26} {wall:6.2f} s {n / wall:7.1f} docs/s   {cpu} (lowest)")
    j1, j2 = best["newsclean clean -j 1"], best["newsclean clean -j 2"]
    d1, d2 = best["--scheduler, 1 worker"], best["--scheduler, 2 workers"]
    print(f"  2 Dask workers / 1 Dask worker rate: {d1 / d2:.2f}x (target >= 1.7x)")
    one, two = runs["--scheduler, 1 worker"], runs["--scheduler, 2 workers"]
    paired = [a[0] / b[0] for a, b in zip(one, two, strict=True)]
    print(f"    each round's pair: {' '.join(f'{r:.2f}x' for r in paired)} "
          f"(spread {min(paired):.2f}-{max(paired):.2f}x)")

    def path(r: Result) -> float:
        return r[1] + r[4]  # the command's CPU and its busiest worker's

    cpu_ratio = min(path(r) for r in one) / min(path(r) for r in two)
    print(f"    on CPU time (command + busiest worker, lowest of each): {cpu_ratio:.2f}x")
    print(f"  -j 2 / -j 1 rate: {j1 / j2:.2f}x;  2 Dask workers / -j 2 rate: {j2 / d2:.2f}x")
    print(f"  two -j 1 halves at once / -j 1 rate: {j1 / best[HALVES]:.2f}x "
          "(what two processes reach on this machine now: the yardstick)")


if __name__ == "__main__":
    main()
