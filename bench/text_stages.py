"""Where the CPU time of text mode goes, stage by stage, without a profiler's overhead.

usage: python bench/text_stages.py DUMPS_DIR [--repeat N]

``bench/text_e2e.py`` times the whole ``newsclean clean -j 1``; cProfile shows which
functions are hot but inflates Python-heavy code several times over.  This script runs
the stages the command runs on every ``*.txt`` of DUMPS_DIR, in one process, each timed
on its own (CPU seconds, best of N): reading and decoding, the repetition statistics
(:func:`cleaning.text.repetition.build_stats`), the language guess and the line split
(the first steps of ``clean_text``, also inside its figure), ``clean_text`` with the
statistics, the MinHash signature of each cleaned text, the Parquet row and one part
file.  The sum of the stages that do not nest is the command's work less its start-up
and its duplicate index; compare it with text_e2e's start-up-subtracted CPU time.

    python bench/text_stages.py ../shared/eval/datasets/wcxb-dev-articles/dumps
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaning.text.clean import clean_text  # noqa: E402
from cleaning.text.lines import document_language, split_lines  # noqa: E402
from cleaning.text.repetition import build_stats  # noqa: E402
from pipelines.batch.inputs import decode_text, read_bytes  # noqa: E402
from pipelines.rulefiles import load_ruleset  # noqa: E402
from pipelines.store.minhash import signature  # noqa: E402
from pipelines.store.parquet import write_part  # noqa: E402
from pipelines.store.rows import record_id, record_to_row  # noqa: E402


def best_cpu(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """(the least CPU seconds of ``repeat`` calls of ``fn``, the last call's result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.process_time()
        result = fn()
        best = min(best, time.process_time() - start)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dumps", type=Path, help="a folder of .txt dumps")
    ap.add_argument("--repeat", type=int, default=5, help="timed calls per stage (best is kept)")
    args = ap.parse_args()
    files = sorted(args.dumps.glob("*.txt"))
    if not files:
        raise SystemExit(f"{args.dumps}: no .txt files")
    rules = load_ruleset()
    now = datetime.now(timezone.utc)

    def read() -> list[str]:
        return [decode_text(p, read_bytes(p))[0] for p in files]

    rows: list[tuple[str, float]] = []

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        seconds, result = best_cpu(args.repeat, fn)
        rows.append((name, seconds))
        return result

    texts = stage("read + decode (done twice by the command)", read)
    stats = stage("repetition statistics", lambda: build_stats(("dumps", t) for t in texts))
    group = stats.for_group("dumps")
    stage("  language guess (inside clean_text)", lambda: [document_language(t) for t in texts])
    stage(
        "  line split (inside clean_text)",
        lambda: [split_lines(t, document_language(t)) for t in texts],
    )
    records = stage(
        "clean_text with the statistics",
        lambda: [clean_text(t, rules=rules, stats=group) for t in texts],
    )
    stage("MinHash signatures", lambda: [signature(r.text) for r in records])

    def to_rows() -> list[dict[str, Any]]:
        return [
            record_to_row(
                r, id=record_id(str(p)), source=str(p), rules_version="bench", cleaned_at=now
            )
            for r, p in zip(records, files, strict=True)
        ]

    table = stage("Parquet rows", to_rows)
    with tempfile.TemporaryDirectory() as tmp:
        stage("one Parquet part file", lambda: write_part(tmp, table))
    n = len(files)
    print(f"{args.dumps}: {n} files, CPU seconds, best of {args.repeat}")
    total = 0.0
    for name, seconds in rows:
        if not name.startswith(" "):
            total += seconds
        print(f"  {name:45s} {seconds:6.3f} s  {n / seconds if seconds else 0:8.1f} docs/s")
    print(f"  {'sum of the top-level stages':45s} {total:6.3f} s  {n / total:8.1f} docs/s")


if __name__ == "__main__":
    main()
