"""Metadata of gold pages, printed for a reviewer, with the counts a script can check.

usage: python bench/metadata_sample.py DATASET_DIR [--limit N]

For each page of ``DATASET_DIR`` (``gold.jsonl`` + ``pages/<id>.html.gz``) it prints
one tab-separated line: id, headline, authors, published, the page's ``<h1>`` and its
URL, so a person can judge headline and authors against the page. Then it counts what
needs no judgement: pages with a headline, with authors, with a publication time, and,
among pages whose URL carries a /YYYY/MM/DD/ date, those whose published day agrees.
Where the gold has a ``title`` (wcxb-dev-articles does), it also scores the headline
against it, and trafilatura's metadata title next to ours, compared after folding
case, quotes, dashes and spacing, and lists each miss (id, our headline, gold title).
"""

from __future__ import annotations

import argparse
import gzip
import re
import unicodedata
from pathlib import Path

import trafilatura
from trafilatura.utils import decode_file

from bench.scoring import load_gold
from cleaning.html.extract import clean_html
from pipelines.rulefiles import load_ruleset

_URL_DATE = re.compile(r"/(20\d\d)/(\d\d)/(\d\d)/")
_H1 = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\xa0": " ",
    }
)


def _same_title(ours: str | None, gold: str) -> bool:
    """Headline equality up to case, typographic quotes and dashes, and spacing."""

    def fold(text: str) -> str:
        text = unicodedata.normalize("NFKC", text).translate(_FOLD)
        return " ".join(text.casefold().split())

    return bool(ours) and fold(ours or "") == fold(gold)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    rules = load_ruleset()
    gold = load_gold(args.dataset)[: args.limit or None]
    titled = authored = dated = url_dated = agree = 0
    gold_titled = ours_right = traf_right = 0
    misses: list[str] = []
    for g in gold:
        raw = gzip.decompress((args.dataset / "pages" / f"{g['id']}.html.gz").read_bytes())
        record = clean_html(raw, g.get("url"), rules=rules)
        h1 = _H1.search(raw)
        heading = (
            " ".join(_TAG.sub("", h1.group(1).decode("utf-8", "replace")).split()) if h1 else ""
        )
        published = record.published.isoformat() if record.published else ""
        print(
            "\t".join(
                [
                    g["id"],
                    record.title or "",
                    "; ".join(record.authors),
                    published,
                    heading,
                    g.get("url") or "",
                ]
            )
        )
        titled += bool(record.title)
        if g.get("title"):
            gold_titled += 1
            if _same_title(record.title, g["title"]):
                ours_right += 1
            else:
                misses.append(f"title miss\t{g['id']}\t{record.title or ''}\t{g['title']}")
            # trafilatura's own decoder (as in bench/html_bench.py), not a UTF-8 guess
            meta = trafilatura.extract_metadata(decode_file(raw), default_url=g.get("url"))
            traf_right += _same_title(meta.title if meta else None, g["title"])
        authored += bool(record.authors)
        dated += record.published is not None
        m = _URL_DATE.search(g.get("url") or "")
        if m:
            url_dated += 1
            agree += bool(
                record.published and record.published.strftime("%Y/%m/%d") == "/".join(m.groups())
            )
    n = len(gold)
    print(
        f"{args.dataset.name}: {n} pages; headline {titled}/{n}, authors {authored}/{n}, "
        f"published {dated}/{n}; URL date agrees {agree}/{url_dated}"
    )
    for line in misses:
        print(line)
    if gold_titled:
        print(
            f"headline equals the gold title: newsclean {ours_right}/{gold_titled}, "
            f"trafilatura {traf_right}/{gold_titled}"
        )


if __name__ == "__main__":
    main()
