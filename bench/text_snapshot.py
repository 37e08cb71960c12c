"""Check that a change to text mode leaves its output unchanged (for speed work).

usage: python bench/text_snapshot.py save SNAPSHOT DATASET_DIR [DATASET_DIR ...]
       python bench/text_snapshot.py compare SNAPSHOT DATASET_DIR [DATASET_DIR ...]

``save`` cleans every dump of the datasets three ways (with the repetition
statistics of its domain, without them, and in body mode) and writes each
record's text, title, description, removed blocks (rule id and text) and drop
reason to SNAPSHOT (JSON lines).  ``compare`` cleans them again and reports
every record that differs, field by field; it exits 1 when one does.  Run
``save`` before an optimisation and ``compare`` after it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.text_bench import load_dumps  # noqa: E402


def snapshot(datasets: list[Path]) -> Iterator[tuple[str, dict[str, object]]]:
    """(key, record fields) for every dump of ``datasets``, cleaned three ways."""
    from cleaning.text.clean import clean_text
    from cleaning.text.repetition import build_stats
    from pipelines.rulefiles import load_ruleset

    rules = load_ruleset()
    for dataset in datasets:
        docs = load_dumps(dataset)
        stats = build_stats((dom or dataset.name, text) for _, dom, text in docs)
        for way in ("stats", "alone", "body"):
            for doc_id, dom, text in docs:
                record = clean_text(
                    text,
                    rules=rules,
                    domain=dom,
                    stats=stats.for_group(dom or dataset.name) if way == "stats" else None,
                    mode="body" if way == "body" else "dump",
                )
                yield (
                    f"{dataset.name}/{doc_id}/{way}",
                    {
                        "text": record.text,
                        "title": record.title,
                        "description": record.description,
                        "removed": [[r.rule_id, r.text] for r in record.removed],
                        "drop_reason": record.drop_reason,
                    },
                )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 3 or args[0] not in ("save", "compare"):
        print(__doc__, file=sys.stderr)
        return 2
    action, path, datasets = args[0], Path(args[1]), [Path(d) for d in args[2:]]
    if action == "save":
        with open(path, "w", encoding="utf-8") as fh:
            n = 0
            for key, row in snapshot(datasets):
                fh.write(json.dumps({"key": key, **row}, ensure_ascii=False) + "\n")
                n += 1
        print(f"saved {n} records to {path}")
        return 0
    with open(path, encoding="utf-8") as fh:
        saved = {row.pop("key"): row for row in map(json.loads, fh)}
    names = {d.name for d in datasets}  # compare the datasets given, not the whole snapshot
    saved = {k: v for k, v in saved.items() if k.split("/", 1)[0] in names}
    now = dict(snapshot(datasets))
    differ = 0
    for key in sorted(set(saved) | set(now)):
        before, after = saved.get(key), now.get(key)
        if before == after:
            continue
        differ += 1
        if differ <= 10:
            fields = sorted(set(before or {}) | set(after or {}))
            changed = [f for f in fields if (before or {}).get(f) != (after or {}).get(f)]
            print(f"{key}: {', '.join(changed) if before and after else 'missing on one side'}")
    print(f"{len(now)} records, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
