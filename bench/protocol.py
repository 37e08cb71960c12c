"""The generalisation protocol: every dev set, both modes, next to trafilatura, plus a rule audit.

usage: python bench/protocol.py [DATASET_DIR ...] [-j N] [--keep DIR] [--no-trafilatura]
                                [--audit-min N] [--json FILE]

Without DATASET_DIR it runs the five dev sets in ``../shared/eval/datasets``
(seeds, scrapinghub-aeb, fundus-eval, wcxb-dev-articles, fundus-tests-intl).

What a user gets is what is measured: for each set, ``newsclean clean`` runs as a
process on the set's ``pages/`` folder (HTML mode) and on its ``dumps/`` folder
(text mode, so the repetition statistics are grouped as the command groups them:
by the input's folder), into a temporary folder; the Parquet is read back and each
row is matched to its gold page by the row's ``source`` (the input file name).

It prints:

1. F1 (P / R) of HTML and text mode on every set, next to plain
   ``trafilatura.extract(html, url=url, include_comments=False)`` on the same pages
   (the metric of ``../shared/eval/metrics.py``, reproduced by :mod:`bench.scoring`);
   every gold page is an article, so a page the command did not write is a false drop,
   counted per set (with the drop reasons of the command's summary line);
2. metadata accuracy (title / day of publication / authors, scored as
   ``../shared/eval/meta_score.py`` scores them) where the gold has those fields, for
   newsclean (HTML mode) and trafilatura;
3. the rule audit: for every rule id, how many blocks it removed on each set and mode,
   and what share of their words was gold article text (a word of a removed block is
   gold when one of the block's word 4-grams around it is in the gold body more often than
   in the page's kept text, so a removed second copy of kept text is no lost gold; a block
   of fewer than four words is gold when it is a whole line of the gold body).  Rules that
   removed gold text on ``fundus-tests-intl``, the set no rule was written from, are
   listed at the end.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(ROOT))

from bench.scoring import (  # noqa: E402
    PageScore,
    aggregate,
    gold_variants,
    load_gold,
    load_meta_score,
    page_id,
    score_best,
)

EVAL = Path(os.environ.get("NEWSCLEAN_EVAL", ROOT.parent / "shared" / "eval"))
DEV_SETS = ("seeds", "scrapinghub-aeb", "fundus-eval", "wcxb-dev-articles", "fundus-tests-intl")
# the set no rule was written from: gold text removed here is a rule that does not transfer
HELD_OUT = "fundus-tests-intl"
MODES = ("html", "text")
_WORD = re.compile(r"\w+")
_SUMMARY = re.compile(r"(\d+) not articles(?: \(([^)]*)\))?")
_ERRORS = re.compile(r"(\d+) errors ->")


@dataclass
class ModeResult:
    """One run of ``newsclean clean`` over one set in one mode, read back."""

    preds: dict[str, str]
    rows: dict[str, dict[str, Any]]
    scores: list[tuple[str, PageScore]]
    missing: list[str]
    drop_reasons: str
    summary_line: str
    shared_id: list[str] = field(default_factory=list)


def _rerun_missing(
    gold: list[dict[str, Any]],
    rows: dict[str, dict[str, Any]],
    folder: Path,
    out: Path,
    mode: str,
    extra: tuple[str, ...],
) -> list[str]:
    """Tell a dropped page from one written under another page's id.

    A page whose canonical URL is another page's is the same record to the command (one row
    per id): the gold pages that are not in the Parquet are cleaned again, alone, by the
    command; those it writes then shared an id with a written page and are scored on their
    own row (HTML mode; a text file's id is the hash of its bytes).  Returns their ids."""
    if mode != "html":
        return []
    missing = [g["id"] for g in gold if g["id"] not in rows]
    if not missing:
        return []
    alone = out.with_name(out.name + ".alone")
    shutil.rmtree(alone, ignore_errors=True)
    pages = alone / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for pid in missing:
        src = folder / f"{pid}.html.gz"
        if src.exists():
            (pages / src.name).symlink_to(src.resolve())
    again, _ = run_cli(pages, alone / "out", 1, extra)
    rows.update(again)
    return sorted(again)


@dataclass
class Audit:
    blocks: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    words: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    gold_words: Counter[tuple[str, str, str]] = field(default_factory=Counter)


def run_cli(
    folder: Path, outdir: Path, jobs: int, extra: tuple[str, ...] = ()
) -> tuple[dict[str, dict[str, Any]], str]:
    """``newsclean clean`` over ``folder`` into ``outdir``: the rows by page id, and the
    command's summary line.  ``extra``: more options of the command (``--disable-rule ID``)."""
    cmd = [sys.executable, "-m", "pipelines.cli", "clean", "--no-progress", "-j", str(jobs), *extra]
    proc = subprocess.run(
        [*cmd, str(folder), "-o", str(outdir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    if proc.returncode not in (0, 1):
        raise SystemExit(f"newsclean clean {folder} failed ({proc.returncode}):\n{proc.stderr}")
    import pyarrow.parquet as pq

    rows: dict[str, dict[str, Any]] = {}
    for part in sorted(outdir.glob("part-*.parquet")):
        for row in pq.read_table(part).to_pylist():
            rows[page_id(row["source"])] = row
    summary = next((ln for ln in proc.stderr.splitlines() if ln.startswith("newsclean clean:")), "")
    return rows, summary


def score_mode(
    gold: list[dict[str, Any]], rows: dict[str, dict[str, Any]], summary: str
) -> ModeResult:
    preds = {pid: row.get("text") or "" for pid, row in rows.items()}
    scores = [(g["id"], score_best(gold_variants(g), preds.get(g["id"], ""))) for g in gold]
    missing = sorted(g["id"] for g in gold if g["id"] not in rows)
    m = _SUMMARY.search(summary)
    reasons = (m.group(2) or "") if m else ""
    errors = _ERRORS.search(summary)
    if errors and errors.group(1) != "0":
        reasons = ", ".join(filter(None, (reasons, f"errors {errors.group(1)}")))
    return ModeResult(preds, rows, scores, missing, reasons, summary)


def trafilatura_preds(
    dataset: Path, gold: list[dict[str, Any]]
) -> tuple[dict[str, str], dict[str, dict[str, Any]]]:
    """Plain trafilatura on every page: bodies, and metadata as meta_score.py reads it."""
    import trafilatura

    texts: dict[str, str] = {}
    metas: dict[str, dict[str, Any]] = {}
    for g in gold:
        path = dataset / "pages" / f"{g['id']}.html.gz"
        if not path.exists():
            continue
        raw = gzip.decompress(path.read_bytes())
        texts[g["id"]] = trafilatura.extract(raw, url=g.get("url"), include_comments=False) or ""
        if _has_meta_gold(gold):
            metas[g["id"]] = load_meta_score(EVAL).trafilatura_meta(raw.decode("utf-8", "replace"))
    return texts, metas


def _has_meta_gold(gold: list[dict[str, Any]]) -> bool:
    return any(g.get("title") for g in gold)


def meta_accuracy(
    gold: list[dict[str, Any]], preds: dict[str, dict[str, Any]]
) -> dict[str, tuple[float, int]]:
    """title / date / authors accuracy as ``meta_score.py`` computes it (share, pages)."""
    ms = load_meta_score(EVAL)
    out: dict[str, tuple[float, int]] = {}
    titled = [g for g in gold if g.get("title")]
    if titled:
        ok = sum(
            ms.norm(preds.get(g["id"], {}).get("title")) == ms.norm(g["title"]) for g in titled
        )
        out["title"] = (ok / len(titled), len(titled))
    dated = [g for g in gold if g.get("publishing_date")]
    if dated:
        ok = sum(
            ms.day(preds.get(g["id"], {}).get("published")) == ms.day(g["publishing_date"])
            for g in dated
        )
        out["date"] = (ok / len(dated), len(dated))
    authored = [g for g in gold if g.get("authors")]
    if authored:
        ok = sum(
            ms.authors(preds.get(g["id"], {}).get("authors")) == ms.authors(g["authors"])
            for g in authored
        )
        out["authors"] = (ok / len(authored), len(authored))
    return out


def newsclean_meta(
    dataset: Path, outdir: Path, rows: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Metadata predictions of the HTML run, built from its Parquet rows as
    ``meta_score.py --predictions`` reads them."""
    preds: dict[str, dict[str, Any]] = {}
    for pid, row in rows.items():
        published = row.get("published")
        preds[pid] = {
            "title": row.get("title"),
            "authors": list(row.get("authors") or []),
            "published": published.isoformat() if published is not None else None,
        }
    return preds


# ---------------------------------------------------------------- rule audit


def _gold_index(
    gold_body: str, kept: str = ""
) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """The word 4-grams and the lines of the gold body that the ``kept`` text of the page
    does not already hold as often (a removed second copy of kept text loses no gold)."""
    tokens = _WORD.findall(gold_body)
    counts = Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))
    if kept:
        words = _WORD.findall(kept)
        counts.subtract(tuple(words[i : i + 4]) for i in range(len(words) - 3))
    grams = {g for g, c in counts.items() if c > 0}
    lines = {tuple(_WORD.findall(ln)) for ln in gold_body.split("\n") if ln.strip()}
    return grams, lines


def gold_words_of(
    block: str, grams: set[tuple[str, ...]], lines: set[tuple[str, ...]]
) -> tuple[int, int]:
    """(words, words that are gold article text) of a removed block."""
    tokens = _WORD.findall(block)
    n = len(tokens)
    if n == 0:
        return 0, 0
    if n < 4:
        return n, n if tuple(tokens) in lines else 0
    covered = [False] * n
    for i in range(n - 3):
        if tuple(tokens[i : i + 4]) in grams:
            covered[i : i + 4] = [True] * 4
    return n, sum(covered)


def audit_rows(
    audit: Audit,
    dataset: str,
    mode: str,
    gold: list[dict[str, Any]],
    rows: dict[str, dict[str, Any]],
) -> None:
    bodies = {g["id"]: g.get("body") or "" for g in gold}
    for pid, row in rows.items():
        if pid not in bodies:
            continue
        grams, lines = _gold_index(bodies[pid], row.get("text") or "")
        for removal in row.get("removed") or []:
            n, g = gold_words_of(removal["text"] or "", grams, lines)
            key = (removal["rule_id"], dataset, mode)
            audit.blocks[key] += 1
            audit.words[key] += n
            audit.gold_words[key] += g


# ---------------------------------------------------------------- printing


def _fmt(scores: list[tuple[str, PageScore]] | None) -> str:
    if not scores:
        return "-"
    s = aggregate(sc for _, sc in scores)
    return f"{s.f1:.3f} ({s.precision:.3f}/{s.recall:.3f})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", nargs="*", type=Path)
    ap.add_argument("-j", "--jobs", type=int, default=2, help="newsclean clean -j (default 2)")
    ap.add_argument("--keep", type=Path, help="write the Parquet runs under this folder, kept")
    ap.add_argument("--no-trafilatura", action="store_true", help="skip the trafilatura columns")
    ap.add_argument(
        "--audit-min", type=int, default=1, help="audit rows: rules with at least N blocks"
    )
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages per set and mode")
    ap.add_argument("--json", type=Path, help="also write the figures as JSON here")
    ap.add_argument(
        "--disable-rule", action="append", default=[], metavar="ID", help="passed to the command"
    )
    ap.add_argument("--modes", default="html,text", help="html,text (default both)")
    args = ap.parse_args(argv)
    datasets = args.datasets or [EVAL / "datasets" / name for name in DEV_SETS]
    for d in datasets:
        if not (d / "gold.jsonl").exists():
            ap.error(f"{d}: no gold.jsonl; pass a dataset folder")

    tmp = tempfile.TemporaryDirectory(prefix="protocol-")
    base = args.keep or Path(tmp.name)
    audit = Audit()
    table: list[dict[str, Any]] = []
    extra = tuple(f"--disable-rule={rid}" for rid in args.disable_rule)
    for dataset in datasets:
        gold = load_gold(dataset)
        entry: dict[str, Any] = {"set": dataset.name, "pages": len(gold)}
        for mode, folder in (("html", dataset / "pages"), ("text", dataset / "dumps")):
            if not folder.is_dir() or mode not in args.modes.split(","):
                continue
            out = base / f"{dataset.name}.{mode}"
            shutil.rmtree(out, ignore_errors=True)
            rows, summary = run_cli(folder, out, args.jobs, extra)
            shared = _rerun_missing(gold, rows, folder, out, mode, extra)
            res = score_mode(gold, rows, summary)
            res.shared_id = shared
            entry[mode] = res
            audit_rows(audit, dataset.name, mode, gold, rows)
        if not args.no_trafilatura and (dataset / "pages").is_dir():
            texts, metas = trafilatura_preds(dataset, gold)
            entry["trafilatura"] = [
                (g["id"], score_best(gold_variants(g), texts.get(g["id"], ""))) for g in gold
            ]
            entry["trafilatura_meta"] = meta_accuracy(gold, metas) if metas else {}
        if "html" in entry and _has_meta_gold(gold):
            entry["meta"] = meta_accuracy(gold, newsclean_meta(dataset, base, entry["html"].rows))
        table.append(entry)

    print(
        "Body F1 (P/R), `newsclean clean` read back from Parquet; false drops = article pages not written"
    )
    head = f"{'set':<20} {'pages':>5}  {'HTML newsclean':<22} {'HTML trafilatura':<22} {'delta':>6}  {'text newsclean':<22} {'false drops (HTML / text)'}"
    print(head)
    print("-" * len(head))
    for e in table:
        html, text = e.get("html"), e.get("text")
        traf = e.get("trafilatura")
        delta = "-"
        if html and traf:
            delta = (
                f"{aggregate(s for _, s in html.scores).f1 - aggregate(s for _, s in traf).f1:+.3f}"
            )
        drops = []
        for res in (html, text):
            if res is None:
                drops.append("-")
            else:
                drops.append(
                    f"{len(res.missing)}" + (f" [{res.drop_reasons}]" if res.missing else "")
                )
        print(
            f"{e['set']:<20} {e['pages']:>5}  {_fmt(html.scores if html else None):<22} "
            f"{_fmt(traf):<22} {delta:>6}  {_fmt(text.scores if text else None):<22} {' / '.join(drops)}"
        )
    for e in table:
        for mode in MODES:
            res = e.get(mode)
            if res and res.missing:
                print(f"  dropped {e['set']} {mode}: {', '.join(res.missing)}")
            if res and res.shared_id:
                print(
                    f"  written once for two pages (same canonical URL) {e['set']} {mode}: "
                    f"{', '.join(res.shared_id)} (scored on its own run, not a drop)"
                )
            if res and args.worst:
                for pid, s in sorted(res.scores, key=lambda x: x[1].f1)[: args.worst]:
                    print(
                        f"    worst {e['set']} {mode} {pid}: F1={s.f1:.3f} P={s.precision or 0:.3f} R={s.recall or 0:.3f}"
                    )

    print()
    print("Metadata accuracy (scored as meta_score.py): newsclean HTML / trafilatura")
    for e in table:
        meta = e.get("meta")
        if not meta:
            continue
        tm = e.get("trafilatura_meta") or {}
        parts = []
        for key in ("title", "date", "authors"):
            if key in meta:
                ours, n = meta[key]
                theirs = f"{tm[key][0]:.3f}" if key in tm else "-"
                parts.append(f"{key} {ours:.3f} / {theirs} ({n})")
        print(f"  {e['set']:<20} " + "; ".join(parts))

    print()
    sets = [e["set"] for e in table]
    cols = [
        (s, m) for s in sets for m in MODES if any(k[1] == s and k[2] == m for k in audit.blocks)
    ]
    print("Rule audit: blocks removed / share of their words that was gold article text")
    short = {
        "seeds": "seeds",
        "scrapinghub-aeb": "aeb",
        "fundus-eval": "fundus",
        "wcxb-dev-articles": "wcxb",
        "fundus-tests-intl": "intl",
    }
    header = f"{'rule':<40}" + "".join(f"{short.get(s, s[:6]) + '.' + m:>15}" for s, m in cols)
    print(header)
    print("-" * len(header))
    totals: Counter[str] = Counter()
    for key, n in audit.blocks.items():
        totals[key[0]] += n
    flagged: list[str] = []
    for rule in sorted(totals, key=lambda r: (-totals[r], r)):
        if totals[rule] < args.audit_min:
            continue
        cells = []
        for s, m in cols:
            k = (rule, s, m)
            if audit.blocks[k]:
                share = audit.gold_words[k] / audit.words[k] if audit.words[k] else 0.0
                cells.append(f"{audit.blocks[k]:>6} {share:>6.0%}  ")
            else:
                cells.append(f"{'.':>15}")
        print(f"{rule[:40]:<40}" + "".join(c if len(c) == 15 else f"{c:>15}" for c in cells))
        for m in MODES:
            k = (rule, HELD_OUT, m)
            if audit.gold_words[k] >= 20 and audit.gold_words[k] / max(1, audit.words[k]) >= 0.2:
                flagged.append(
                    f"{rule} ({m}: {audit.blocks[k]} blocks, {audit.gold_words[k]} gold words of {audit.words[k]})"
                )
    print()
    print(
        f"Rules that removed gold text on {HELD_OUT} (>= 20 gold words and >= 20 % of their words):"
    )
    for line in flagged or ["  none"]:
        print(f"  {line}")

    if args.json:
        out: list[dict[str, Any]] = []
        for e in table:
            rec: dict[str, Any] = {"set": e["set"], "pages": e["pages"]}
            for mode in (*MODES, "trafilatura"):
                res = e.get(mode)
                scores = res if isinstance(res, list) else (res.scores if res else None)
                if scores:
                    s = aggregate(sc for _, sc in scores)
                    rec[mode] = {"f1": s.f1, "p": s.precision, "r": s.recall}
                if isinstance(res, ModeResult):
                    rec[mode]["dropped"] = res.missing
            rec["meta"] = e.get("meta")
            rec["trafilatura_meta"] = e.get("trafilatura_meta")
            out.append(rec)
        audit_out = defaultdict(dict)
        for (rule, s, m), n in audit.blocks.items():
            audit_out[rule][f"{s}.{m}"] = [
                n,
                audit.words[(rule, s, m)],
                audit.gold_words[(rule, s, m)],
            ]
        args.json.write_text(json.dumps({"sets": out, "audit": audit_out}, indent=1, default=str))
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
