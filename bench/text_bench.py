"""Text-mode benchmark: page dumps in, article bodies out, scored against gold.

usage: python bench/text_bench.py DATASET_DIR [DATASET_DIR ...] [--no-stats] [--by-domain]
                                  [--worst N] [--save-dir DIR] [--repeat N]

For each dataset (``gold.jsonl`` + ``dumps/<id>.txt``) it prints one line:
shingle precision / recall / F1 (our own implementation, :mod:`bench.scoring`,
which agrees with the shared ``score.py``), exact-match share, and documents
per second of CPU time on one core (``time.process_time``, so other jobs on the
machine disturb it less).  Files are read before the clock starts; the speed
figure covers ``clean_text`` alone, the one in brackets also the first pass
that builds the repetition statistics.  The machine may be shared with other
jobs, so speed figures are indicative.

By default each dump is cleaned as ``newsclean clean DATASET/dumps/`` cleans it: by
the command's own per-file function (``pipelines.batch.run.clean_file``), with the
repetition statistics of the batch built as the command builds them
(``build_batch_stats``: grouped by the input's folder, so one group per set) and no
publisher domain.  A dump the command drops (no article found) is an empty
prediction and a false drop, listed under the set's line.

``--by-domain`` instead groups the statistics by publisher domain (from each gold
record's URL) and applies that domain's publisher rules, as ``newsclean clean
--domain D`` would on one publisher's folder; ``--no-stats`` cleans each document
alone.  A group of fewer than three documents has no template line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import load_gold, score_dataset  # noqa: E402


def domain_of(url: str | None) -> str | None:
    """The host of ``url`` without ``www.`` (None when there is no URL)."""
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


def load_dumps(dataset: Path) -> list[tuple[str, str | None, str]]:
    """(id, domain, dump text) for every gold record that has a dump."""
    out = []
    for record in load_gold(dataset):
        path = dataset / "dumps" / f"{record['id']}.txt"
        if path.exists():
            out.append((record["id"], domain_of(record.get("url")), path.read_text("utf-8")))
    return out


def run_dataset(
    dataset: Path, *, use_stats: bool, by_domain: bool, repeat: int
) -> tuple[dict[str, str], float, float, list[tuple[str, str]]]:
    """Clean every dump of ``dataset``; (predictions, docs/s cleaning, docs/s incl. stats,
    the dumps dropped with their reasons)."""
    from cleaning.text.clean import clean_text
    from cleaning.text.repetition import build_stats
    from pipelines.batch.inputs import InputFile
    from pipelines.batch.run import CleanOptions, _init_worker, build_batch_stats, clean_file
    from pipelines.rulefiles import load_ruleset

    rules = load_ruleset()
    docs = load_dumps(dataset)
    options = CleanOptions()
    items = [InputFile(dataset / "dumps" / f"{doc_id}.txt", "text") for doc_id, _, _ in docs]
    best_clean = best_total = float("inf")
    preds: dict[str, str] = {}
    drops: list[tuple[str, str]] = []
    for _ in range(max(1, repeat)):
        drops.clear()
        t0 = time.process_time()
        if by_domain:
            stats = None
            if use_stats:
                stats = build_stats((dom or dataset.name, text) for _, dom, text in docs)
            t1 = time.process_time()
            for doc_id, dom, text in docs:
                record = clean_text(
                    text,
                    rules=rules,
                    domain=dom,
                    stats=stats.for_group(dom or dataset.name) if stats is not None else None,
                )
                preds[doc_id] = "" if record.drop_reason else record.text
                if record.drop_reason:
                    drops.append((doc_id, record.drop_reason))
        else:
            batch_stats = build_batch_stats(items, options, None) if use_stats else None
            t1 = time.process_time()
            _init_worker(rules, batch_stats, options)
            for (doc_id, _, _), item in zip(docs, items, strict=True):
                outcome = clean_file(item)
                preds[doc_id] = str(outcome.rows[0]["text"]) if outcome.rows else ""
                if outcome.dropped or outcome.error:
                    drops.append((doc_id, outcome.error or outcome.dropped[0]))
        t2 = time.process_time()
        best_clean = min(best_clean, t2 - t1)
        best_total = min(best_total, t2 - t0)
    n = len(docs)
    rate = n / best_clean if best_clean else 0.0
    return preds, rate, n / best_total if best_total else 0.0, drops


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", type=Path, nargs="+")
    ap.add_argument("--no-stats", action="store_true", help="clean each document alone")
    ap.add_argument(
        "--by-domain", action="store_true", help="stats and publisher rules per gold domain"
    )
    ap.add_argument("--worst", type=int, default=0, help="also list the N worst pages")
    ap.add_argument("--save-dir", type=Path, help="write <dataset>.jsonl predictions here")
    ap.add_argument("--repeat", type=int, default=1, help="time the best of N runs")
    a = ap.parse_args(argv)
    for dataset in a.datasets:
        if not (dataset / "gold.jsonl").exists():
            print(f"{dataset}: no gold.jsonl; pass a dataset folder", file=sys.stderr)
            return 2
        preds, speed, speed_total, drops = run_dataset(
            dataset, use_stats=not a.no_stats, by_domain=a.by_domain, repeat=a.repeat
        )
        summary, pages = score_dataset(dataset, preds)
        print(
            f"{dataset.name}: P={summary.precision:.3f} R={summary.recall:.3f} "
            f"F1={summary.f1:.3f} exact={summary.exact:.3f} pages={summary.pages} "
            f"docs/s={speed:.0f} ({speed_total:.0f} with stats) false_drops={len(drops)}"
        )
        for pid, reason in drops:
            print(f"  dropped {pid}: {reason}")
        for pid, s in sorted(pages, key=lambda x: x[1].f1)[: a.worst]:
            print(f"  worst {pid}: F1={s.f1:.3f} P={s.precision or 0:.3f} R={s.recall or 0:.3f}")
        if a.save_dir:
            a.save_dir.mkdir(parents=True, exist_ok=True)
            with open(a.save_dir / f"{dataset.name}.jsonl", "w", encoding="utf-8") as fh:
                for pid, text in preds.items():
                    fh.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
