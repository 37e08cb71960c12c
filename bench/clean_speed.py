"""Whole-process speed of `newsclean clean` against a plain trafilatura loop.

usage: python bench/clean_speed.py DATASET_DIR [--repeat N]

DATASET_DIR holds ``pages/*.html.gz`` (or ``dumps/*.txt``). Prints, for the same
files: a plain loop of ``trafilatura.extract`` in a fresh interpreter (start-up
included), ``newsclean clean -j 1`` and ``newsclean clean -j 2``, each as a whole
process, best of N runs, and the -j 2 / -j 1 ratio.

Processes run with Python's default bytecode caching (PYTHONDONTWRITEBYTECODE is
removed from their environment, and one untimed run of each command comes first),
as on a user's machine: otherwise every start would recompile the project's
modules while trafilatura's, installed by pip, come precompiled.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TRAFILATURA_LOOP = """
import gzip, sys, pathlib, trafilatura
for p in sorted(pathlib.Path(sys.argv[1]).glob('*.html.gz')):
    trafilatura.extract(gzip.decompress(p.read_bytes()), include_comments=False)
"""


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str], repeat: int, fresh: Path | None = None) -> float:
    """Best wall time of ``repeat`` runs after one untimed run; ``fresh`` is an output
    folder emptied before each."""
    best = float("inf")
    for attempt in range(repeat + 1):
        if fresh is not None:
            shutil.rmtree(fresh, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
        if attempt:
            best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    pages = args.dataset / "pages"
    folder = pages if pages.is_dir() else args.dataset / "dumps"
    n = len([p for p in folder.iterdir() if p.name.endswith((".html.gz", ".txt"))])
    newsclean = [sys.executable, "-m", "pipelines.cli", "clean", str(folder), "--no-progress"]
    rows: list[tuple[str, float]] = []
    if folder == pages:
        rows.append(("trafilatura.extract loop", _time([sys.executable, "-c", TRAFILATURA_LOOP, str(folder)], args.repeat)))
    with tempfile.TemporaryDirectory() as tmp:
        for jobs in (1, 2):
            out = Path(tmp) / f"out{jobs}"
            cmd = [*newsclean, "-o", str(out), "-j", str(jobs)]
            rows.append((f"newsclean clean -j {jobs}", _time(cmd, args.repeat, fresh=out)))
    print(f"{args.dataset.name}: {n} files, {os.cpu_count()} cores, best of {args.repeat}, whole process")
    for name, secs in rows:
        print(f"  {name:<28} {secs:7.2f} s  {n / secs:7.1f} files/s")
    j1, j2 = rows[-2][1], rows[-1][1]
    print(f"  -j 2 / -j 1 rate: {j1 / j2:.2f}x")


if __name__ == "__main__":
    main()
