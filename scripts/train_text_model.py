"""Train the text-mode line classifier and write its weights as a Python module.

usage: python scripts/train_text_model.py DATASET_DIR [DATASET_DIR ...]
                                          [--out cleaning/_text_model_weights.py]
                                          [--lodo] [--l2 1.0]

Each DATASET_DIR holds ``gold.jsonl`` and ``dumps/<id>.txt`` (the layout of the
shared evaluation sets).  A dump line is labelled "article" when its words
occur in the gold body (lines of four words or more: as a run of the gold
text; shorter lines: as a whole gold paragraph).  Features come from
:func:`cleaning.text.clean.analyse`, the very computation ``clean_text`` does, so
training and inference cannot drift apart.

The fit is a logistic regression solved by Newton's method on standardised
features with an L2 penalty, each line weighted by its size (a long paragraph
matters more than a menu item): no randomness, the same data give the same
weights.  ``--lodo`` also prints leave-one-dataset-out scores (train on the
others, score the held-out one with the shingle metric) next to the
heuristic-only and all-data figures, the honest numbers to quote.

numpy is needed here only (a training dependency), not by ``clean_text``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from bench.scoring import load_gold, score_dataset  # noqa: E402
from bench.text_bench import domain_of  # noqa: E402
from cleaning.text.clean import _clean, analyse  # noqa: E402
from cleaning.text.model import FEATURE_NAMES  # noqa: E402
from cleaning.text.repetition import build_stats  # noqa: E402
from pipelines.rulefiles import load_ruleset  # noqa: E402

_WORD = re.compile(r"\w+")
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6)


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


class Dataset:
    """The dumps, gold records and repetition stats of one evaluation set."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = path.name
        self.gold = load_gold(path)
        self.docs = []
        for record in self.gold:
            dump = path / "dumps" / f"{record['id']}.txt"
            if dump.exists():
                domain = domain_of(record.get("url"))
                self.docs.append((record, domain, dump.read_text("utf-8")))
        self.stats = build_stats((dom or self.name, text) for _, dom, text in self.docs)

    def stats_for(self, domain: str | None):
        return self.stats.for_group(domain or self.name)


def examples(ds: Dataset, rules) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Feature rows, labels and sample weights of every dump line the model looks at."""
    xs, ys, ws = [], [], []
    for record, domain, text in ds.docs:
        lines, lo, rows = analyse(text, rules=rules, domain=domain, stats=ds.stats_for(domain))
        gold = " " + _norm(record.get("body") or "") + " "
        paragraphs = {_norm(p) for p in re.split(r"\n+", record.get("body") or "")}
        for k, row in enumerate(rows):
            line = lines[lo + k]
            norm = _norm(line.text)
            if not norm:
                label = 0.0
            elif len(norm.split()) >= 4:
                label = float(f" {norm} " in gold)
            else:
                label = float(norm in paragraphs)
            xs.append(row)
            ys.append(label)
            ws.append(float(max(line.size, 1)))
    return np.array(xs), np.array(ys), np.array(ws)


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, l2: float) -> list[float]:
    """Weighted L2 logistic regression by Newton's method; weights in raw feature units."""
    mean = x[:, 1:].mean(axis=0)
    std = x[:, 1:].std(axis=0)
    std[std == 0] = 1.0
    z = np.hstack([np.ones((len(x), 1)), (x[:, 1:] - mean) / std])
    beta = np.zeros(z.shape[1])
    w = w / w.mean()
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + penalty * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty) + 1e-9 * np.eye(len(beta))
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    # fold the standardisation into the weights: inference is one dot product
    raw = np.empty_like(beta)
    raw[1:] = beta[1:] / std
    raw[0] = beta[0] - float((beta[1:] * mean / std).sum())
    return [round(float(v), 6) for v in raw]


def evaluate(ds: Dataset, rules, model) -> tuple[float, float, float]:
    preds = {}
    for record, domain, text in ds.docs:
        preds[record["id"]] = _clean(text, rules, domain, ds.stats_for(domain), "dump", model).text
    summary, _ = score_dataset(ds.path, preds)
    return summary.precision, summary.recall, summary.f1


def train(
    datasets: list[Dataset], rules, l2: float, threshold: float | None = None
) -> tuple[list[float], float]:
    """Weights on all ``datasets``; the threshold is ``threshold`` or the one with the best
    mean F1 on those same datasets (never on held-out data)."""
    parts = [examples(ds, rules) for ds in datasets]
    x = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    w = np.concatenate([p[2] for p in parts])
    weights = fit(x, y, w, l2)
    if threshold is not None:
        return weights, threshold
    best = max(
        THRESHOLDS,
        key=lambda t: (sum(evaluate(ds, rules, (weights, t))[2] for ds in datasets), -abs(t - 0.5)),
    )
    return weights, best


def write_module(path: Path, weights: list[float], threshold: float, sources: list[str]) -> str:
    blob = json.dumps([FEATURE_NAMES, weights, threshold], sort_keys=True)
    version = hashlib.sha256(blob.encode()).hexdigest()[:10]
    lines = [
        '"""Weights of the text-mode line classifier.  GENERATED by scripts/train_text_model.py:',
        "do not edit; re-run the script to change them.",
        "",
        f"Trained on: {', '.join(sources)}.",
        '"""',
        "",
        f'VERSION = "{version}"',
        f"THRESHOLD = {threshold}",
        "FEATURE_NAMES = (",
        *[f'    "{name}",' for name in FEATURE_NAMES],
        ")",
        "WEIGHTS = (",
        *[f"    {w!r},  # {name}" for name, w in zip(FEATURE_NAMES, weights, strict=True)],
        ")",
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return version


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("datasets", type=Path, nargs="+")
    ap.add_argument("--out", type=Path, default=Path("cleaning/_text_model_weights.py"))
    ap.add_argument("--lodo", action="store_true", help="print leave-one-dataset-out scores")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--threshold", type=float, help="fix the decision threshold (default: tuned)")
    ap.add_argument("--dry-run", action="store_true", help="do not write the weights module")
    a = ap.parse_args(argv)
    rules = load_ruleset()
    datasets = [Dataset(p) for p in a.datasets]
    if a.lodo:
        for held in datasets:
            others = [d for d in datasets if d is not held]
            weights, t = train(others, rules, a.l2, a.threshold)
            h = evaluate(held, rules, None)
            m = evaluate(held, rules, (weights, t))
            print(
                f"{held.name}: heuristic F1={h[2]:.3f} | model trained on "
                f"{'+'.join(d.name for d in others)} (t={t}) P={m[0]:.3f} R={m[1]:.3f} F1={m[2]:.3f}",
                flush=True,
            )
    weights, t = train(datasets, rules, a.l2, a.threshold)
    for ds in datasets:
        p, r, f = evaluate(ds, rules, (weights, t))
        print(f"{ds.name}: all-data model (t={t}) P={p:.3f} R={r:.3f} F1={f:.3f}")
    if not a.dry_run:
        version = write_module(a.out, weights, t, [d.name for d in datasets])
        print(f"wrote {a.out} (version {version})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
