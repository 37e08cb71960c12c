"""Whole-process speed of ``newsclean clean -j 1`` in text mode, start-up subtracted.

usage: python bench/text_e2e.py DUMPS_DIR [--repeat N] [--jobs J]

Runs, as a user would (a fresh interpreter each time, Python's bytecode cache on):

* the full command over every ``*.txt`` of DUMPS_DIR (the repetition-statistics pass,
  cleaning, the Parquet write, the summary line: everything the command does);
* the same command on the smallest file of the folder alone: the start-up (interpreter,
  imports, rule loading, the first matcher, pyarrow, one part file), paid once per run
  whatever the batch.

The two take turns, one untimed round first (bytecode and page caches).  For each it
prints the best wall time and the best CPU time (user + system of the process and its
children) of N rounds, then the documents per second with the start-up subtracted:
``(files - 1) / (full - start-up)``, on wall time and on CPU time.  On a shared machine
CPU time moves less than wall time; both are shown.

    python bench/text_e2e.py ../shared/eval/datasets/wcxb-dev-articles/dumps --repeat 7
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_timed  # noqa: E402


def run_once(cmd: list[str], out: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmd`` into the emptied folder ``out``."""
    return run_timed([cmd], fresh=out)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dumps", type=Path, help="a folder of .txt dumps")
    ap.add_argument("--repeat", type=int, default=5, help="timed rounds (best is kept)")
    ap.add_argument("--jobs", type=int, default=1, help="-j of the command (default 1)")
    args = ap.parse_args()
    files = sorted(args.dumps.glob("*.txt"))
    if len(files) < 2:
        raise SystemExit(f"{args.dumps}: needs at least two .txt files")
    smallest = min(files, key=lambda p: (p.stat().st_size, p.name))
    base = [sys.executable, "-m", "pipelines.cli", "clean", "--no-progress", "-j", str(args.jobs)]
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "full": ([*base, str(args.dumps), "-o", f"{tmp}/full"], Path(tmp) / "full"),
            "start-up": ([*base, str(smallest), "-o", f"{tmp}/one"], Path(tmp) / "one"),
        }
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for attempt in range(args.repeat + 1):
            for name, (cmd, out) in commands.items():
                result = run_once(cmd, out)
                if attempt:  # the first round only fills the caches
                    runs[name].append(result)
    wall = {name: min(w for w, _ in r) for name, r in runs.items()}
    cpu = {name: min(c for _, c in r) for name, r in runs.items()}
    n = len(files)
    print(
        f"{args.dumps}: {n} files, newsclean clean -j {args.jobs}, best of {args.repeat}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}"
    )
    print(f"  full command    wall {wall['full']:6.3f} s   CPU {cpu['full']:6.3f} s")
    print(f"  start-up ({smallest.name}) wall {wall['start-up']:6.3f} s   CPU {cpu['start-up']:6.3f} s")
    for what, table in (("wall", wall), ("CPU", cpu)):
        net = table["full"] - table["start-up"]
        rate = (n - 1) / net if net > 0 else float("inf")
        print(f"  start-up subtracted ({what}): {net:6.3f} s for {n - 1} files = {rate:6.1f} docs/s")


if __name__ == "__main__":
    main()
