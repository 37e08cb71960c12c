"""Where the CPU time of text mode goes, stage by stage, as ``newsclean clean -j 1`` spends it.

usage: python bench/text_stages.py DUMPS_DIR [--repeat N]

``bench/text_e2e.py`` times the whole ``newsclean clean -j 1``; cProfile shows which
functions are hot but inflates Python-heavy code several times over.  This script runs,
in one process, the functions the command runs on every ``*.txt`` of DUMPS_DIR, in the
command's order, and times each stage on its own (CPU seconds, best of N):

1. the statistics pass, :func:`pipelines.batch.run.build_batch_stats` (each file read and
   decoded, its lines counted, its text kept for the cleaning pass: ``KeptTexts``);
2. the cleaning pass, :func:`pipelines.batch.run.clean_file` on each file with the batch's
   job (the kept text taken, ``clean_text`` with the file's group statistics and the line
   hashes the statistics pass kept with the text, the row signed by ``signed_row``: word
   split, word count, MinHash signature);
3. the writing, :func:`pipelines.batch.run.write_outcomes` of those outcomes into an empty
   folder (the duplicate index opened, each file's rows assigned, the part file written,
   the index committed).

Indented lines time a part of the stage above them (the same calls, on their own): they
are inside its figure.  The sum of the top-level stages is the command's work less its
start-up (imports, rules, discovering the inputs); compare it with text_e2e's
start-up-subtracted CPU time.

    python bench/text_stages.py ../shared/eval/datasets/wcxb-dev-articles/dumps
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaning.text.clean import clean_text  # noqa: E402
from cleaning.text.repetition import document_lines  # noqa: E402
from pipelines.batch.inputs import InputFile, decode_text, read_bytes  # noqa: E402
from pipelines.batch.run import (  # noqa: E402
    CleanOptions,
    Job,
    KeptTexts,
    Progress,
    Summary,
    build_batch_stats,
    clean_file,
    write_outcomes,
)
from pipelines.rulefiles import load_ruleset, rules_version  # noqa: E402
from pipelines.store.parquet import write_part  # noqa: E402
from pipelines.store.rows import record_id, signed_row  # noqa: E402


def best_cpu(repeat: int, fn: Callable[[], Any], before: Callable[[], None] | None = None) -> tuple[float, Any]:
    """(the least CPU seconds of ``repeat`` calls of ``fn``, the last call's result);
    ``before``: untimed set-up before each call."""
    best, result = float("inf"), None
    for _ in range(repeat):
        if before is not None:
            before()
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
    # as discover() finds them: sorted by path, of kind text
    items = [InputFile(p, "text") for p in sorted(args.dumps.glob("*.txt"), key=str)]
    if not items:
        raise SystemExit(f"{args.dumps}: no .txt files")
    options = CleanOptions()
    ruleset = load_ruleset()
    version = rules_version(ruleset)
    rows: list[tuple[str, float]] = []

    def stage(name: str, fn: Callable[[], Any], before: Callable[[], None] | None = None) -> Any:
        seconds, result = best_cpu(args.repeat, fn, before)
        rows.append((name, seconds))
        return result

    holder: dict[str, KeptTexts] = {}

    def fresh_kept() -> None:
        holder["kept"] = KeptTexts()

    # 1. the statistics pass
    stats = stage(
        "statistics pass (build_batch_stats)",
        lambda: build_batch_stats(items, options, None, jobs=1, kept=holder["kept"]),
        fresh_kept,
    )
    texts = stage(
        "  read + decode",
        lambda: [decode_text(i.path, read_bytes(i.path, options.max_bytes))[0] for i in items],
    )
    stage("  line counts (build_stats)", lambda: _build_stats(items, texts))

    # 2. the cleaning pass, with the texts the statistics pass kept
    def keep_all() -> None:
        fresh_kept()
        build_batch_stats(items, options, None, jobs=1, kept=holder["kept"])

    def clean_all() -> list[Any]:
        job = Job(ruleset, stats, options, version, holder["kept"])
        return [clean_file(item, job) for item in items]

    outcomes = stage("cleaning pass (clean_file)", clean_all, keep_all)
    group = stats.for_group(items[0].group)
    # each text's line hashes, as the statistics pass hands them to the cleaning pass (Kept)
    hashes: list[dict[str, str]] = [{} for _ in texts]
    for text, table in zip(texts, hashes, strict=True):
        document_lines(text, table)
    records = stage(
        "  clean_text with the statistics",
        lambda: [
            clean_text(t, rules=ruleset, stats=group, mode="dump", line_hashes=h)
            for t, h in zip(texts, hashes, strict=True)
        ],
    )
    now = datetime.now(timezone.utc)
    stage(
        "  signed_row (words, MinHash, row)",
        lambda: [
            signed_row(r, id=record_id(str(i.path)), source=str(i.path), rules_version=version, cleaned_at=now)
            for r, i in zip(records, items, strict=True)
        ],
    )

    # 3. the writing, into an empty folder each time
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"

        def empty() -> None:
            shutil.rmtree(out, ignore_errors=True)
            for outcome in outcomes:
                for row in outcome.rows:
                    row["duplicate_of"] = None

        stage(
            "writing (write_outcomes: index, part file)",
            lambda: write_outcomes(outcomes, out, Summary(), Progress(len(items), False)),
            empty,
        )
        table = [row for outcome in outcomes for row in outcome.rows]
        stage("  one Parquet part file (write_part)", lambda: write_part(Path(tmp) / "part", table))
    n = len(items)
    print(f"{args.dumps}: {n} files, CPU seconds, best of {args.repeat}, in the command's order")
    total = 0.0
    for name, seconds in rows:
        if not name.startswith(" "):
            total += seconds
        print(f"  {name:45s} {seconds:6.3f} s  {n / seconds if seconds else 0:8.1f} docs/s")
    print(f"  {'sum of the top-level stages':45s} {total:6.3f} s  {n / total:8.1f} docs/s")


def _build_stats(items: list[InputFile], texts: list[str]) -> Any:
    """The counting of the statistics pass alone, on texts already read (as count_lines
    passes them: group, text, source)."""
    from cleaning.text.repetition import build_stats

    return build_stats((i.group, t, str(i.path)) for i, t in zip(items, texts, strict=True))


if __name__ == "__main__":
    main()
