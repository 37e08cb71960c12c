"""Where the gold titles come from: each declared source against the gold, and what a vote
among the sources would score next to the headline newsclean picks.

usage: python bench/title_sources.py DATASET [DATASET ...] [--eval-dir DIR] [--list N]

For every page of a dataset whose gold has a title it reads the page's title sources as
:func:`cleaning.metadata.page.extract_metadata` sees them: the JSON-LD ``headline`` of the
article object, ``og:title``, ``twitter:title``, the ``<title>``, the first ``<h1>`` (each
without the site's name and the URL's sections, as the headline code cuts them) and the
headline newsclean picks. It prints, per source, on how many pages it is present and
right (meta_score.py's comparison: case and spacing folded), and then what two votes
would score: the text most sources share (ties to newsclean's pick), with and without
``twitter:title`` (a copy of ``og:title`` on most sites). A vote that scores below
newsclean's pick on a set says that the sources that agree are copies of one another, not
independent evidence. ``--list N`` prints N pages where JSON-LD and og:title disagree.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

if __package__ in (None, ""):
    # run as a script: make the project root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.scoring import load_meta_score  # noqa: E402
from cleaning.html.decode import parse_html  # noqa: E402
from cleaning.metadata.headline import (  # noqa: E402
    heading_text,
    site_keys,
    strip_site_name,
    url_sections,
    word_list,
)
from cleaning.metadata.jsonld import clean_value, pick_article, read_json_ld  # noqa: E402
from cleaning.metadata.page import extract_metadata, read_meta  # noqa: E402
from cleaning.words import INVISIBLE_CHARS  # noqa: E402

EVAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "eval"
SOURCES = ("json-ld", "og:title", "twitter:title", "<title>", "<h1>", "newsclean")
_INVISIBLE = dict.fromkeys(map(ord, INVISIBLE_CHARS))


def page_sources(html: bytes) -> dict[str, str]:
    """The page's title sources, each without the site's name (empty when absent)."""
    root, _ = parse_html(html)
    picked = extract_metadata(root, None)
    meta = read_meta(root)
    art = pick_article(read_json_ld(root)) or {}
    url = picked.canonical_url
    host = urlsplit(url).hostname if url else None
    domain = host.removeprefix("www.") if host else None
    keys = site_keys(picked.site_name, domain)
    sections = url_sections(url)

    def clean(value: object) -> str:
        text = clean_value(value)
        if not text:
            return ""
        text = " ".join(text.translate(_INVISIBLE).split())
        return strip_site_name(text, keys, sections, domain)

    title_el = root.find(".//title")
    h1 = next((heading_text(el) for el in root.iter("h1") if heading_text(el)), "")
    return {
        "json-ld": clean(art.get("headline")),
        "og:title": clean(meta.get("og:title")),
        "twitter:title": clean(meta.get("twitter:title")),
        "<title>": clean(title_el.text_content() if title_el is not None else None),
        "<h1>": clean(h1),
        "newsclean": picked.title or "",
    }


def vote(sources: dict[str, str], voters: tuple[str, ...]) -> str:
    """The text most of ``voters`` share, word for word; newsclean's pick on a tie."""
    counts: Counter[tuple[str, ...]] = Counter(
        tuple(word_list(sources[name])) for name in voters if sources[name]
    )
    ours = sources["newsclean"]
    if not counts:
        return ours
    top, n = counts.most_common(1)[0]
    if n <= counts.get(tuple(word_list(ours)), 0):
        return ours
    return next(sources[name] for name in voters if tuple(word_list(sources[name])) == top)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("datasets", nargs="+", type=Path)
    ap.add_argument("--eval-dir", type=Path, default=EVAL_DIR, help="folder of meta_score.py")
    ap.add_argument("--list", type=int, default=0, help="pages where JSON-LD and og:title differ")
    args = ap.parse_args()
    norm = load_meta_score(args.eval_dir).norm
    all_voters = ("json-ld", "og:title", "twitter:title", "<title>", "newsclean")
    no_twitter = ("json-ld", "og:title", "<title>", "newsclean")
    for dataset in args.datasets:
        lines = (dataset / "gold.jsonl").read_text(encoding="utf-8").split("\n")
        gold = [g for g in (json.loads(line) for line in lines if line.strip()) if g.get("title")]
        present: Counter[str] = Counter()
        right: Counter[str] = Counter()
        votes: Counter[str] = Counter()
        listed = 0
        for g in gold:
            html = gzip.decompress((dataset / "pages" / f"{g['id']}.html.gz").read_bytes())
            sources = page_sources(html)
            want = norm(g["title"])
            for name in SOURCES:
                present[name] += bool(sources[name])
                right[name] += norm(sources[name]) == want
            ours = norm(sources["newsclean"]) == want
            for key, voters in (("all", all_voters), ("no-twitter", no_twitter)):
                won = norm(vote(sources, voters)) == want
                votes[key] += won
                votes[key + " gained"] += won and not ours
                votes[key + " lost"] += ours and not won
            ld, og = sources["json-ld"], sources["og:title"]
            if listed < args.list and ld and og and word_list(ld) != word_list(og):
                listed += 1
                agrees = [n for n in SOURCES if norm(sources[n]) == want] or ["none"]
                print(f"  {g['id']}: gold = {', '.join(agrees)}")
        n = len(gold)
        print(f"{dataset.name}: {n} pages with a gold title")
        for name in SOURCES:
            print(f"  {name:14} present {present[name]:4}  right {right[name] / n:.3f}")
        for key, label in (
            ("all", "json-ld, og, twitter, <title>, newsclean"),
            ("no-twitter", "the same without twitter:title"),
        ):
            print(
                f"  vote of {label:40} {votes[key] / n:.3f} "
                f"(+{votes[key + ' gained']} / -{votes[key + ' lost']} pages against newsclean)"
            )


if __name__ == "__main__":
    main()
