"""Instructions that ``write_outcomes`` (the writing side of ``newsclean clean``) executes,
counted by valgrind's callgrind.

usage: python bench/write_instructions.py [--docs N] [--words W]

The writing process of a batch: the duplicate index opened, each outcome's rows assigned,
the part file written, the index committed, and here one earlier row re-pointed (its
file rewritten): the folder holds, from an earlier run, a copy of one of the batch's
documents published later, which becomes its duplicate.  The rows come signed, as the
cleaning processes send them.  Generated documents (``bench/dedup_bench.py``'s corpus:
5 % near copies, 1 % exact copies).

The script runs itself twice under callgrind, once only preparing the rows and the folder,
once preparing them and writing them; the difference is what ``write_outcomes`` costs.
Instruction counts hardly depend on the machine's load: compare two versions of the code
by running this script in each checkout.

    python bench/write_instructions.py --docs 300
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_TOTALS = re.compile(rb"^(?:summary|totals):\s+(\d+)", re.MULTILINE)


def _rows(docs: int, words: int) -> list[dict[str, Any]]:
    from bench.dedup_bench import Corpus
    from pipelines.store.minhash import signature
    from pipelines.store.rows import SIGNATURE_KEY

    corpus = Corpus(words)
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(docs):
        text, _ = corpus.text(i)
        row = {
            "id": hashlib.sha256(f"doc{i}".encode()).hexdigest()[:32], "source": f"doc{i}",
            "text": text, "word_count": text.count(" ") + 1, "removed": [],
            "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "published": base + timedelta(minutes=i), "cleaned_at": base,
            "cleaner_version": "bench", "rules_version": "bench", "duplicate_of": None,
        }
        row[SIGNATURE_KEY] = signature(text)
        rows.append(row)
    return rows


def _child(mode: str, out: Path, docs: int, words: int) -> None:
    """Prepare (an earlier run's part with a later copy of document 0), then write."""
    from pipelines.batch.run import Outcome, Progress, Summary, write_outcomes

    rows = _rows(docs, words)
    earlier = dict(rows[0], id="later-copy", source="later",
                   published=rows[0]["published"] + timedelta(days=1))
    write_outcomes([Outcome("later", rows=[earlier])], out, Summary(), Progress(1, False))
    import pyarrow.parquet  # noqa: F401  # loaded in both runs: the command has it loaded already

    if mode == "write":
        summary = Summary()
        write_outcomes(
            [Outcome(r["source"], rows=[r]) for r in rows], out, summary, Progress(docs, False)
        )
        assert summary.repointed == 1, summary


def _count(mode: str, docs: int, words: int, scratch: Path) -> int:
    out_file = scratch / f"callgrind.{mode}"
    folder = scratch / f"out-{mode}"
    env = dict(os.environ, PYTHONHASHSEED="0", PYTHONPATH=str(ROOT))
    cmd = [
        "valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
        sys.executable, __file__, "--child", mode, str(folder), "--docs", str(docs),
        "--words", str(words),
    ]  # fmt: skip
    # once without valgrind first: Python's bytecode caches filled, as on a user's machine
    warm = [sys.executable, *cmd[cmd.index(__file__) :]]
    warm[warm.index(str(folder))] = str(scratch / f"warm-{mode}")
    subprocess.run(warm, check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    found = _TOTALS.search(out_file.read_bytes())
    if not found:
        raise SystemExit(f"valgrind wrote no instruction count for {mode}")
    return int(found.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--docs", type=int, default=300)
    ap.add_argument("--words", type=int, default=400)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]), args.docs, args.words)
        return
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        prepare = _count("prepare", args.docs, args.words, scratch)
        write = _count("write", args.docs, args.words, scratch)
    net = write - prepare
    print(f"write_outcomes of {args.docs} signed rows, one earlier row re-pointed (callgrind)")
    print(f"  prepare only          {prepare / 1e6:10.1f} M")
    print(f"  prepare + write       {write / 1e6:10.1f} M")
    print(f"  write_outcomes        {net / 1e6:10.1f} M   {net / args.docs / 1e6:6.2f} M a row")


if __name__ == "__main__":
    main()
