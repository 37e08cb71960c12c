"""CPU time per page of ``clean_html`` and of the metadata reading alone, on a dataset's pages.

usage: python bench/meta_cpu.py DATASET_DIR [--repeat N]

Pages are read, gunzipped and (for the metadata figure) parsed before the clock starts;
each figure is the best of N passes of process CPU time (user + system), so other jobs
on a shared machine disturb it less than wall time. To compare two versions of the code,
run the script from each checkout in turn, a few times, and compare the best figures.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cleaning.html.decode import parse_html  # noqa: E402
from cleaning.html.extract import clean_html  # noqa: E402
from cleaning.metadata.page import extract_metadata  # noqa: E402
from pipelines.rulefiles import load_ruleset  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    files = sorted((args.dataset / "pages").glob("*.html.gz"))
    if not files:
        ap.error(f"{args.dataset}: no pages/*.html.gz; pass a dataset folder")
    rules = load_ruleset()
    pages = [gzip.decompress(p.read_bytes()) for p in files]
    best_meta = best_page = float("inf")
    for _ in range(args.repeat):
        roots = [parse_html(raw)[0] for raw in pages]
        start = time.process_time()
        for root in roots:
            extract_metadata(root, None)
        best_meta = min(best_meta, time.process_time() - start)
        start = time.process_time()
        for raw in pages:
            clean_html(raw, None, rules=rules)
        best_page = min(best_page, time.process_time() - start)
    n = len(pages)
    print(
        f"{args.dataset.name}: {n} pages; clean_html {best_page / n * 1000:.2f} ms/page CPU, "
        f"extract_metadata {best_meta / n * 1000:.2f} ms/page CPU (best of {args.repeat})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
