"""Whole-process speed of `newsclean clean` against a plain trafilatura loop.

usage: python bench/clean_speed.py DATASET_DIR [--repeat N]

DATASET_DIR holds ``pages/*.html.gz`` (or ``dumps/*.txt``). Prints, for the same
files: a plain loop of ``trafilatura.extract`` in a fresh interpreter (start-up
included), ``newsclean clean -j 1`` and ``newsclean clean -j 2``, each as a whole
process, best of N runs, and the -j 2 / -j 1 ratio.

It also runs two ``newsclean clean -j 1`` processes at once, each on half of the files
(every other file): no pool, no hand-over of rows, nothing shared.  Their ratio to
``-j 1`` is what splitting the work between two processes can reach on this machine at
all (two processes do not always get two full cores on a shared VM), the yardstick for
the ``-j 2`` ratio.

The commands take turns (one round runs each once), so a change in the machine's
load during the benchmark falls on all of them alike. Next to the best wall time,
the lowest CPU time (user + system, the process and its workers) of the runs: on a
shared machine it moves less than wall time, and the -j 1 figures compare directly.

Processes run with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE is
removed from their environment, and one untimed round comes first), as on a
user's machine: otherwise every start would recompile the project's modules
while trafilatura's, installed by pip, come precompiled.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import run_timed  # noqa: E402

TRAFILATURA_LOOP = """
import gzip, sys, pathlib, trafilatura
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.html.gz')):
    trafilatura.extract(gzip.decompress(p.read_bytes()), include_comments=False)
"""


HALVES = "2 x -j 1 on halves, at once"


def _run(cmds: list[list[str]], fresh: Path | None) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of ``cmds``, started at once (the run ends when the
    last one does); ``fresh`` is an output folder emptied first."""
    return run_timed(cmds, fresh, ok=(0, 1))  # 1: some input failed, the rest was written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pages = args.dataset / "pages"
    folder = pages if pages.is_dir() else args.dataset / "dumps"
    files = sorted(str(p) for p in folder.iterdir() if p.name.endswith((".html.gz", ".txt")))
    n = len(files)
    base = [sys.executable, "-m", "pipelines.cli", "clean", "--no-progress"]
    newsclean = [*base, str(folder)]
    with tempfile.TemporaryDirectory() as tmp:
        commands: dict[str, tuple[list[list[str]], Path | None]] = {}
        if folder == pages:
            commands["trafilatura.extract loop"] = ([[sys.executable, "-c", TRAFILATURA_LOOP, str(folder)]], None)
        for jobs in (1, 2):
            out = Path(tmp) / f"out{jobs}"
            commands[f"newsclean clean -j {jobs}"] = ([[*newsclean, "-o", str(out), "-j", str(jobs)]], out)
        halves = Path(tmp) / "halves"
        commands[HALVES] = (
            [[*base, *files[k::2], "-o", str(halves / str(k)), "-j", "1"] for k in (0, 1)],
            halves,
        )
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for attempt in range(args.repeat + 1):
            for name, (cmd, fresh) in commands.items():
                result = _run(cmd, fresh)
                if attempt:  # the first round only fills the bytecode and page caches
                    runs[name].append(result)
    print(f"{args.dataset.name}: {n} files, {os.cpu_count()} cores, best of {args.repeat}, whole process")
    best = {name: min(r) for name, r in runs.items()}
    for name, (wall, _) in best.items():
        cpu = min(c for _, c in runs[name])
        print(f"  {name:<28} {wall:7.2f} s  {n / wall:7.1f} files/s   CPU {cpu:6.2f} s (best)")
    j1, j2 = best["newsclean clean -j 1"][0], best["newsclean clean -j 2"][0]
    print(f"  -j 2 / -j 1 rate: {j1 / j2:.2f}x")
    print(f"  two -j 1 halves at once / -j 1 rate: {j1 / best[HALVES][0]:.2f}x (this machine's yardstick)")


if __name__ == "__main__":
    main()
