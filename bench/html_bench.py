"""HTML-mode benchmark: our cleaner next to plain trafilatura on the same gold pages.

usage: python bench/html_bench.py DATASET_DIR [DATASET_DIR ...] [--systems newsclean,trafilatura]
                                  [--limit N] [--worst N] [--save-dir DIR]

For each dataset (``gold.jsonl`` + ``pages/<id>.html.gz``) and each system it
prints one line: shingle precision / recall / F1 (see :mod:`bench.scoring`),
exact-match share, and pages per second of the extraction call alone (pages are
read and gunzipped before the clock starts).  Systems take turns page by page, so
load from other jobs on the machine is shared fairly; compare systems within one run.

Systems:
  newsclean    what ``newsclean clean PAGES/`` does with each page: the command's own
               per-file function (``pipelines.batch.run.clean_file``, which calls
               ``clean_html(raw_bytes, None, rules=bundled rules)``: a saved page has no
               URL); a page dropped as not-an-article counts as an empty prediction and
               as a false drop (every gold page is an article), listed under its line.
  trafilatura  ``trafilatura.extract(html, url=url, include_comments=False)``, the
               reference (the page is decoded with trafilatura's own decoder).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import score_dataset  # noqa: E402

Extractor = Callable[[bytes, str, Path], str]
# the pages each system dropped as not articles, by system: (page file name, reason)
DROPS: dict[str, list[tuple[str, str]]] = {}


def _newsclean() -> Extractor:
    from pipelines.batch.inputs import InputFile
    from pipelines.batch.run import CleanOptions, _init_worker, clean_file
    from pipelines.rulefiles import load_ruleset

    _init_worker(load_ruleset(), None, CleanOptions())
    drops = DROPS.setdefault("newsclean", [])

    def run(raw: bytes, url: str, path: Path) -> str:
        outcome = clean_file(InputFile(path, "html"))
        if outcome.error:
            raise ValueError(outcome.error)
        if outcome.dropped:
            drops.append((path.name, outcome.dropped[0]))
        return str(outcome.rows[0]["text"]) if outcome.rows else ""

    return run


def _trafilatura() -> Extractor:
    import trafilatura

    def run(raw: bytes, url: str, path: Path) -> str:
        return trafilatura.extract(raw, url=url, include_comments=False) or ""

    return run


SYSTEMS: dict[str, Callable[[], Extractor]] = {
    "newsclean": _newsclean,
    "trafilatura": _trafilatura,
}


def load_pages(dataset: Path, limit: int | None) -> list[tuple[str, str, bytes, Path]]:
    """(id, url, raw bytes, path) of every gold page that has an HTML file."""
    out = []
    # split on "\n" only: bodies may hold U+2028, which str.splitlines() also splits on
    for line in (dataset / "gold.jsonl").read_text(encoding="utf-8").split("\n"):
        if not line.strip():
            continue
        rec = json.loads(line)
        path = dataset / "pages" / f"{rec['id']}.html.gz"
        if path.exists():
            out.append((rec["id"], rec.get("url") or "", gzip.decompress(path.read_bytes()), path))
        if limit and len(out) >= limit:
            break
    return out


def run_systems(
    extractors: dict[str, Extractor], pages: list[tuple[str, str, bytes, Path]]
) -> dict[str, tuple[dict[str, str], float]]:
    """Predictions per id and total extraction time, per system.

    Systems take turns page by page (the order alternating), so a load spike from
    other jobs on the machine hits every system alike."""
    preds: dict[str, dict[str, str]] = {name: {} for name in extractors}
    spent = dict.fromkeys(extractors, 0.0)
    names = list(extractors)
    for i, (pid, url, raw, path) in enumerate(pages):
        for name in names if i % 2 == 0 else reversed(names):
            start = time.perf_counter()
            try:
                text = extractors[name](raw, url, path)
            except ValueError as exc:  # HTMLInputError and friends: an empty prediction
                print(f"  {name} {pid}: {exc}", file=sys.stderr)
                text = ""
            spent[name] += time.perf_counter() - start
            preds[name][pid] = text
    return {name: (preds[name], spent[name]) for name in extractors}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--systems", default="newsclean,trafilatura")
    ap.add_argument("--limit", type=int, default=None, help="first N pages of each dataset")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages per line")
    ap.add_argument(
        "--save-dir", type=Path, default=None, help="write <dataset>.<system>.jsonl here"
    )
    args = ap.parse_args(argv)

    names = [s.strip() for s in args.systems.split(",") if s.strip()]
    unknown = [n for n in names if n not in SYSTEMS]
    if unknown:
        ap.error(f"unknown system(s) {unknown}; known: {sorted(SYSTEMS)}")
    extractors = {n: SYSTEMS[n]() for n in names}

    for dataset in args.datasets:
        if not (dataset / "gold.jsonl").exists():
            ap.error(f"{dataset}: no gold.jsonl; pass a dataset folder")
        pages = load_pages(dataset, args.limit)
        results = run_systems(extractors, pages)
        for name, (preds, seconds) in results.items():
            summary, per_page = score_dataset(dataset, {p: preds.get(p, "") for p, *_ in pages})
            if args.limit:  # score only the pages that ran
                ran = {p for p, *_ in pages}
                from bench.scoring import aggregate

                per_page = [(p, s) for p, s in per_page if p in ran]
                summary = aggregate(s for _, s in per_page)
            rate = len(pages) / seconds if seconds else float("inf")
            drops = DROPS.get(name, [])
            print(
                f"{dataset.name:<20} {name:<12} P={summary.precision:.3f} R={summary.recall:.3f} "
                f"F1={summary.f1:.3f} exact={summary.exact:.3f} pages={len(pages)} "
                f"{rate:.1f} pages/s" + (f" false_drops={len(drops)}" if name in DROPS else ""),
                flush=True,
            )
            for page, reason in drops:
                print(f"    dropped {page}: {reason}")
            drops.clear()
            for pid, s in sorted(per_page, key=lambda x: x[1].f1)[: args.worst]:
                print(
                    f"    worst {pid}: F1={s.f1:.3f} P={s.precision or 0:.3f} R={s.recall or 0:.3f}"
                )
            if args.save_dir:
                args.save_dir.mkdir(parents=True, exist_ok=True)
                out = args.save_dir / f"{dataset.name}.{name}.jsonl"
                with out.open("w", encoding="utf-8") as fh:
                    for pid, text in preds.items():
                        fh.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
