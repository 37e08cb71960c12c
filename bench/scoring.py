"""The shingle metric of the Scrapinghub article-extraction benchmark, written for our benches.

Tokens are ``\\w+`` runs; each text is a multiset of word 4-grams.  Per page,
TP/FP/FN are normalised to sum to one; precision is averaged over pages with
output, recall over pages with a gold body; F1 is their harmonic mean.  Pages
with optional paragraphs are scored against each acceptable variant, best F1 kept.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

_WORD = re.compile(r"\w+")


def _shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    tokens = _WORD.findall(text or "")
    if not tokens:
        return Counter()
    if len(tokens) < n:
        return Counter([tuple(tokens)])
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


@dataclass(frozen=True)
class PageScore:
    tp: float
    fp: float
    fn: float
    exact: bool

    def _ratio(self, err: float) -> float:
        if self.fp == 0 and self.fn == 0:
            return 1.0
        if self.tp == 0 and err == 0:
            return 0.0
        return self.tp / (self.tp + err)

    @property
    def precision(self) -> float | None:
        return None if self.tp + self.fp == 0 else self._ratio(self.fp)

    @property
    def recall(self) -> float | None:
        return None if self.tp + self.fn == 0 else self._ratio(self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision or 0.0, self.recall or 0.0
        return 2 * p * r / (p + r) if p + r else 0.0


def score_page(gold: str, pred: str) -> PageScore:
    g, p = _shingles(gold), _shingles(pred)
    tp = float(sum((g & p).values()))
    fp = float(sum((p - g).values()))
    fn = float(sum((g - p).values()))
    total = tp + fp + fn
    if total:
        tp, fp, fn = tp / total, fp / total, fn / total
    return PageScore(tp, fp, fn, _WORD.findall(gold or "") == _WORD.findall(pred or ""))


def gold_variants(record: dict, max_optional: int = 4) -> list[str]:
    body = record.get("body") or ""
    paragraphs = record.get("paragraphs")
    optional = record.get("optional_paragraphs") or []
    if not paragraphs or not optional:
        return [body]
    if len(optional) <= max_optional:
        drops = [set(c) for k in range(1, len(optional) + 1) for c in itertools.combinations(optional, k)]
    else:
        drops = [set(optional)]
    return [body] + ["\n\n".join(p for i, p in enumerate(paragraphs) if i not in d) for d in drops]


def score_best(golds: Sequence[str], pred: str) -> PageScore:
    best = score_page(golds[0], pred)
    for gold in golds[1:]:
        cand = score_page(gold, pred)
        if cand.f1 > best.f1:
            best = cand
    return best


@dataclass(frozen=True)
class Summary:
    precision: float
    recall: float
    f1: float
    exact: float
    pages: int


def aggregate(scores: Iterable[PageScore]) -> Summary:
    scores = list(scores)
    ps = [s.precision for s in scores if s.precision is not None]
    rs = [s.recall for s in scores if s.recall is not None]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    exact = sum(s.exact for s in scores) / len(scores) if scores else 0.0
    return Summary(p, r, f1, exact, len(scores))


def load_gold(dataset: Path) -> list[dict]:
    lines = (dataset / "gold.jsonl").read_text(encoding="utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def score_dataset(dataset: Path, predictions: dict[str, str]) -> tuple[Summary, list[tuple[str, PageScore]]]:
    """Score ``predictions`` (id -> text) against ``dataset``'s gold; missing ids count as empty."""
    scored = [(g["id"], score_best(gold_variants(g), predictions.get(g["id"], ""))) for g in load_gold(dataset)]
    return aggregate(s for _, s in scored), scored


PAGE_SUFFIXES = (".html.gz", ".htm.gz", ".html", ".htm", ".txt")


def page_id(source: str) -> str:
    """The gold id of a record: its input file's name without the page or dump suffix."""
    name = Path(source).name
    for suffix in PAGE_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def load_meta_score(eval_dir: Path) -> ModuleType:
    """The shared eval's ``meta_score.py`` loaded as a module, for its comparison functions."""
    path = eval_dir / "meta_score.py"
    spec = importlib.util.spec_from_file_location("meta_score", path)
    if spec is None or spec.loader is None or not path.exists():
        raise SystemExit(f"{path}: not found; pass --eval-dir (the folder of meta_score.py)")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
