"""Instructions that ``newsclean clean -j 1`` executes, counted by valgrind's callgrind.

usage: python bench/instructions.py DATASET_DIR [--files N] [--no-loop]

DATASET_DIR holds ``pages/*.html.gz`` or ``dumps/*.txt`` (or is a folder of such files).

On a shared machine wall and CPU times move by 10-30 % from one run to the next, so a
change that saves 3 % cannot be decided from them.  The number of instructions a
process executes hardly depends on the machine's load: this script runs the same
command a user runs, under ``valgrind --tool=callgrind`` (about 50 times slower), and
prints its instruction count.

For the first N files (sorted by name) it counts:

* ``newsclean clean -j 1`` on the first file alone (the start-up: imports, rules, the
  output written for one record);
* ``newsclean clean -j 1`` on all N files; the difference, divided by N - 1, is the
  cost of one more file;
* for pages, the plain ``trafilatura.extract`` loop of ``bench/clean_speed.py`` on the
  first file and over the same files, for comparison (``--no-loop`` leaves it out); from
  the two start-ups and the two costs of one more file it projects the ratio for the
  whole folder (start-up plus each further file at the measured cost).

Each command runs once without valgrind first, so that Python's bytecode caches are
filled as on a user's machine.  Compare two versions of the code by running this
script in each checkout: the counts are reproducible to a fraction of a percent.

    python bench/instructions.py ../shared/eval/datasets/scrapinghub-aeb --files 30
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.clean_speed import TRAFILATURA_LOOP  # noqa: E402
from bench.common import ENV, ROOT, newsclean  # noqa: E402

_TOTALS = re.compile(rb"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def count(cmd: list[str], scratch: Path, fresh: Path | None = None) -> int:
    """Instructions executed by ``cmd`` and every process it starts (callgrind's ``Ir``).
    ``fresh``: the command's output folder, removed before each of its two runs (the untimed
    one and the counted one), else the counted run would skip the inputs the first one
    stored."""
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    subprocess.run(
        cmd, check=False, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    outs = scratch / "callgrind"
    shutil.rmtree(outs, ignore_errors=True)
    outs.mkdir()
    if fresh is not None:
        shutil.rmtree(fresh, ignore_errors=True)
    grind = [
        "valgrind",
        "--tool=callgrind",
        "--trace-children=yes",
        f"--callgrind-out-file={outs}/out.%p",
        *cmd,
    ]
    proc = subprocess.run(
        grind, env=ENV, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    if proc.returncode not in (0, 1):  # 1: some input failed, the rest was written
        raise SystemExit(
            f"{' '.join(cmd[:6])} ...: exit {proc.returncode}\n{proc.stderr.decode(errors='replace')[-2000:]}"
        )
    total = 0
    for out in outs.iterdir():
        found = _TOTALS.search(out.read_bytes())
        if found:
            total += int(found.group(1))
    if not total:
        raise SystemExit(f"valgrind wrote no instruction count for {' '.join(cmd[:6])} ...")
    return total


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", type=Path)
    ap.add_argument(
        "--files", type=int, default=30, help="how many files, first by name (default 30)"
    )
    ap.add_argument("--no-loop", action="store_true", help="leave out the trafilatura loop")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit(
            "valgrind not found: install it (apt install valgrind) to count instructions"
        )
    pages, dumps = args.dataset / "pages", args.dataset / "dumps"
    folder = pages if pages.is_dir() else dumps if dumps.is_dir() else args.dataset
    files = sorted(p for p in folder.iterdir() if p.name.endswith((".html.gz", ".txt")))[
        : args.files
    ]
    if len(files) < 2:
        raise SystemExit(f"{folder}: needs at least 2 .html.gz or .txt files")
    n = len(files)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        chosen = scratch / "in"
        chosen.mkdir()
        for f in files:
            (chosen / f.name).symlink_to(f.resolve())
        one = scratch / "one"
        one.mkdir()
        (one / files[0].name).symlink_to(files[0].resolve())

        out = scratch / "out"

        def clean(src: Path) -> list[str]:
            return newsclean("clean", "--no-progress", str(src), "-o", str(out), "-j", "1")

        start = count(clean(one), scratch, out)
        full = count(clean(chosen), scratch, out)
        loop = loop_start = None
        if files[0].name.endswith(".html.gz") and not args.no_loop:
            loop_start = count([sys.executable, "-c", TRAFILATURA_LOOP, str(one)], scratch)
            loop = count([sys.executable, "-c", TRAFILATURA_LOOP, str(chosen)], scratch)
    rows = [
        ("newsclean clean -j 1, 1 file (start-up)", f"{start / 1e9:8.3f} G"),
        (f"newsclean clean -j 1, {n} files", f"{full / 1e9:8.3f} G"),
        ("one more file", f"{(full - start) / (n - 1) / 1e6:8.1f} M"),
    ]
    if loop is not None and loop_start is not None:
        ours, theirs = (full - start) / (n - 1), (loop - loop_start) / (n - 1)
        rows += [
            ("trafilatura.extract loop, 1 file (start-up)", f"{loop_start / 1e9:8.3f} G"),
            (f"trafilatura.extract loop, {n} files", f"{loop / 1e9:8.3f} G"),
            ("loop: one more file", f"{theirs / 1e6:8.1f} M"),
            (f"newsclean / loop, {n} files", f"{full / loop:8.3f}"),
            ("newsclean / loop, one more file", f"{ours / theirs:8.3f}"),
        ]
        for total in sorted({n, len(list(folder.iterdir()))}):
            rows.append(
                (
                    f"newsclean / loop, {total} files (projected)",
                    f"{(start + ours * (total - 1)) / (loop_start + theirs * (total - 1)):8.3f}",
                )
            )
    print(
        f"{args.dataset.name}: first {n} files of {folder.name}/, instructions counted by callgrind"
    )
    for label, value in rows:
        print(f"  {label:<42} {value}")


if __name__ == "__main__":
    main()
