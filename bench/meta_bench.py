"""Metadata bench: title, day of publication and authors as ``newsclean clean`` writes them.

usage: python bench/meta_bench.py DATASET [DATASET ...] [--no-trafilatura] [--misses N]
                                  [--eval-dir DIR] [--save-dir DIR]

For each dataset folder (``gold.jsonl`` + ``pages/<id>.html.gz``) it runs the command a
user runs, ``newsclean clean DATASET/pages -o TMP``, reads the Parquet back, maps each
record to its gold id through the ``source`` file name and writes the predictions file
``{"id", "title", "authors", "published"}`` that ``meta_score.py`` (in the shared eval
folder) reads. It prints, per set, the share of pages right on each field the gold has,
next to trafilatura's metadata on the same pages (what ``meta_score.py`` scores without
``--predictions``), then the misses, ours against the gold, for reading.

The comparison is meta_score.py's: titles equal after folding case and spacing, dates on
the same calendar day (UTC, or as written when the gold has no zone), author sets equal
after the same folding. Where the gold has all three fields the figures are meta_score.py's
own output line (run as a subprocess); on sets with fewer fields (which that script cannot
score) its comparison functions are applied field by field. A page the command did not
write (dropped as not an article) counts as a miss, and the count is printed.

``meta_scores(dataset_dir, outdir)`` gives the same figures for the output folder of a
``newsclean clean`` run that has already been made (bench/protocol.py uses it).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import load_meta_score, page_id  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
FIELDS = (("title", "title"), ("date", "publishing_date"), ("authors", "authors"))


def _scorer(eval_dir: Path = EVAL_DIR) -> ModuleType:
    """meta_score.py loaded as a module, for its comparison functions."""
    return load_meta_score(eval_dir)


def load_gold(dataset: Path) -> list[dict[str, Any]]:
    lines = (dataset / "gold.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def run_clean(pages: Path, outdir: Path) -> str:
    """``newsclean clean PAGES -o OUTDIR``; returns the command's summary line."""
    cmd = [sys.executable, "-m", "pipelines.cli", "clean", str(pages), "-o", str(outdir)]
    done = subprocess.run(cmd + ["--no-progress"], capture_output=True, text=True)
    lines = done.stderr.strip().splitlines()
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-500:]}")
    return lines[-1] if lines else ""


gold_id = page_id  # the gold id of a record: its input file's name without the suffix


def read_predictions(outdir: Path) -> dict[str, dict[str, Any]]:
    """{gold id: {"id", "title", "authors", "published"}} of every record in OUTDIR."""
    import pyarrow.parquet as pq

    preds: dict[str, dict[str, Any]] = {}
    for part in sorted(outdir.glob("**/*.parquet")):
        table = pq.read_table(part, columns=["source", "title", "authors", "published"])
        for row in table.to_pylist():
            pid = gold_id(row["source"] or "")
            published = row["published"]
            preds[pid] = {
                "id": pid,
                "title": row["title"],
                "authors": list(row["authors"] or []),
                "published": published.isoformat() if published is not None else None,
            }
    return preds


def write_predictions(preds: dict[str, dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for pid in sorted(preds):
            fh.write(json.dumps(preds[pid], ensure_ascii=False) + "\n")


def _compare(ms: ModuleType) -> dict[str, Callable[[Any, Any], bool]]:
    """meta_score.py's equality per field: (prediction value, gold value) -> right."""
    return {
        "title": lambda p, g: ms.norm(p) == ms.norm(g),
        "date": lambda p, g: ms.day(p) == ms.day(g),
        "authors": lambda p, g: ms.authors(p) == ms.authors(g),
    }


def _pred_value(pred: dict[str, Any], field: str) -> Any:
    return pred.get("published" if field == "date" else field)


def field_scores(
    gold: list[dict[str, Any]], preds: dict[str, dict[str, Any]], ms: ModuleType
) -> tuple[dict[str, tuple[int, int]], dict[str, list[tuple[str, Any, Any]]]]:
    """{field: (right, pages with that gold field)} and {field: [(id, ours, gold)]} misses."""
    same = _compare(ms)
    scores: dict[str, tuple[int, int]] = {}
    misses: dict[str, list[tuple[str, Any, Any]]] = {}
    for field, key in FIELDS:
        judged = [g for g in gold if g.get(key)]
        if not judged:
            continue
        wrong = []
        for g in judged:
            ours = _pred_value(preds.get(g["id"], {}), field)
            if not same[field](ours, g[key]):
                wrong.append((g["id"], ours, g[key]))
        scores[field] = (len(judged) - len(wrong), len(judged))
        misses[field] = wrong
    return scores, misses


_SCORE_LINE = re.compile(r"(title|date|authors)=([0-9.]+) \((\d+)\)")


def _script_scores(
    dataset: Path, eval_dir: Path, predictions: Path | None
) -> dict[str, float] | None:
    """meta_score.py's own figures (a subprocess), or None when it cannot score the set."""
    cmd = [sys.executable, str(eval_dir / "meta_score.py"), str(dataset)]
    if predictions is not None:
        cmd += ["--predictions", str(predictions)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        return None
    return {m.group(1): float(m.group(2)) for m in _SCORE_LINE.finditer(done.stdout)}


def _has_all_fields(gold: list[dict[str, Any]]) -> bool:
    return all(any(g.get(key) for g in gold) for _, key in FIELDS)


def meta_scores(
    dataset_dir: Path, outdir: Path, *, eval_dir: Path = EVAL_DIR
) -> dict[str, Any]:
    """Metadata accuracy of a finished ``newsclean clean DATASET/pages -o OUTDIR`` run.

    Returns {"pages": gold pages, "written": pages with a record, and per field the gold
    has ("title", "date", "authors"): {"score": share right, "right", "n", "misses":
    [(id, ours, gold), ...]}}. Where the gold has all three fields, "score" is the figure
    meta_score.py itself prints for the predictions file."""
    dataset_dir, outdir = Path(dataset_dir), Path(outdir)
    ms = _scorer(eval_dir)
    gold = load_gold(dataset_dir)
    preds = read_predictions(outdir)
    scores, misses = field_scores(gold, preds, ms)
    official = None
    if _has_all_fields(gold):
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "meta.jsonl"
            write_predictions(preds, path)
            official = _script_scores(dataset_dir, eval_dir, path)
    out: dict[str, Any] = {
        "pages": len(gold),
        "written": sum(1 for g in gold if g["id"] in preds),
    }
    for field, (right, n) in scores.items():
        share = official[field] if official and field in official else right / n
        out[field] = {"score": share, "right": right, "n": n, "misses": misses[field]}
    return out


def trafilatura_scores(dataset_dir: Path, *, eval_dir: Path = EVAL_DIR) -> dict[str, float]:
    """trafilatura's metadata on the same pages: meta_score.py without --predictions (its
    own figures where it can score the set, its trafilatura_meta() and equality otherwise)."""
    dataset_dir = Path(dataset_dir)
    gold = load_gold(dataset_dir)
    if _has_all_fields(gold):
        official = _script_scores(dataset_dir, eval_dir, None)
        if official:
            return official
    ms = _scorer(eval_dir)
    preds: dict[str, dict[str, Any]] = {}
    for g in gold:
        page = dataset_dir / "pages" / f"{g['id']}.html.gz"
        if not page.exists():
            continue
        html = gzip.decompress(page.read_bytes()).decode("utf-8", "replace")
        try:
            preds[g["id"]] = ms.trafilatura_meta(html)
        except Exception:  # as meta_score.py does: a page trafilatura fails on is empty
            preds[g["id"]] = {}
    scores, _ = field_scores(gold, preds, ms)
    return {field: right / n for field, (right, n) in scores.items()}


def _short(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "-"
    return str(value) if value not in (None, "") else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="folder of meta_score.py")
    ap.add_argument("--no-trafilatura", action="store_true", help="skip trafilatura's scores")
    ap.add_argument("--misses", type=int, default=1000, help="list at most N misses per field")
    ap.add_argument("--save-dir", type=Path, help="keep <dataset>.meta.jsonl predictions here")
    args = ap.parse_args(argv)
    for dataset in args.datasets:
        if not (dataset / "gold.jsonl").exists() or not (dataset / "pages").is_dir():
            ap.error(f"{dataset}: no gold.jsonl or pages/; pass a dataset folder")
    rows = []
    for dataset in args.datasets:
        with tempfile.TemporaryDirectory() as tmp:
            summary = run_clean(dataset / "pages", Path(tmp))
            result = meta_scores(dataset, Path(tmp), eval_dir=args.eval_dir)
            if args.save_dir:
                args.save_dir.mkdir(parents=True, exist_ok=True)
                write_predictions(
                    read_predictions(Path(tmp)), args.save_dir / f"{dataset.name}.meta.jsonl"
                )
        traf = {} if args.no_trafilatura else trafilatura_scores(dataset, eval_dir=args.eval_dir)
        rows.append((dataset.name, result, traf))
        print(f"# {dataset.name}: {summary}", flush=True)
        for field, _ in FIELDS:
            if field not in result:
                continue
            shown = result[field]["misses"][: args.misses]
            for pid, ours, gold in shown:
                print(f"  {field} miss\t{pid}\tours: {_short(ours)}\tgold: {_short(gold)}")
    print()
    print(f"{'set':<22} {'field':<8} {'newsclean':>16} {'trafilatura':>12}")
    for name, result, traf in rows:
        for field, _ in FIELDS:
            if field not in result:
                continue
            r = result[field]
            ours = f"{r['score']:.3f} ({r['right']}/{r['n']})"
            theirs = f"{traf[field]:.3f}" if field in traf else "-"
            print(f"{name:<22} {field:<8} {ours:>16} {theirs:>12}")
        dropped = result["pages"] - result["written"]
        print(f"{name:<22} not written (dropped or failed): {dropped} of {result['pages']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
