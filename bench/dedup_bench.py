"""Time and memory of duplicate marking per 1,000 documents, at 10,000 and 100,000 documents.

usage: python bench/dedup_bench.py [--docs 10000 100000] [--words 400]

Generated articles (Zipf-distributed words from a 30,000-word vocabulary, about
``--words`` words each); 5 % of them are copies of an earlier one with 3 % of the
words changed, 1 % exact copies.  Each size runs in a fresh process that feeds
the documents to :class:`pipelines.store.dedup.DedupIndex` the way ``newsclean
clean`` does: signatures computed as the cleaning workers compute them, then
``assign`` per batch of 1,000 rows, part files of 5,000 rows written with
``write_part``, one ``commit`` at the end.  Printed: CPU seconds per 1,000
documents for the signatures and for the index (assign + commit), peak RSS of
the process, the index's size on disk, and the duplicates found (against those
generated).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VOCAB = 30_000


def documents(n: int, words: int, seed: int = 7) -> tuple[list[str], int, int]:
    """``n`` texts, and how many are near and exact copies."""
    rng = random.Random(seed)
    vocab = [f"w{rng.getrandbits(40):x}" for _ in range(VOCAB)]
    weights = [1.0 / (rank + 1) for rank in range(VOCAB)]
    texts: list[str] = []
    near = exact = 0
    for i in range(n):
        roll = rng.random()
        if i > 10 and roll < 0.05:
            words_ = texts[rng.randrange(i)].split(" ")
            for _ in range(max(1, len(words_) * 3 // 100)):
                words_[rng.randrange(len(words_))] = rng.choice(vocab)
            texts.append(" ".join(words_))
            near += 1
        elif i > 10 and roll < 0.06:
            texts.append(texts[rng.randrange(i)])
            exact += 1
        else:
            count = rng.randint(words // 2, words * 3 // 2)
            texts.append(" ".join(rng.choices(vocab, weights, k=count)))
    return texts, near, exact


def one_size(n: int, words: int) -> dict[str, float]:
    import hashlib
    from datetime import datetime, timedelta, timezone

    from pipelines.store.dedup import SIGNATURE_KEY, DedupIndex
    from pipelines.store.minhash import signature
    from pipelines.store.parquet import write_part

    texts, near, exact = documents(n, words)
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i, text in enumerate(texts):
        rows.append({
            "id": hashlib.sha256(f"doc{i}".encode()).hexdigest()[:32], "source": f"doc{i}",
            "text": text, "word_count": text.count(" ") + 1, "removed": [],
            "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "published": base + timedelta(minutes=i), "cleaned_at": base,
            "cleaner_version": "bench", "rules_version": "bench",
        })
    t0 = time.process_time()
    for row in rows:
        row[SIGNATURE_KEY] = signature(row["text"])
    t_sig = time.process_time() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t_index = 0.0
        t0 = time.process_time()
        index = DedupIndex.open(out)
        t_index += time.process_time() - t0
        pending: list[dict] = []
        for start in range(0, n, 1000):
            batch = rows[start : start + 1000]
            t0 = time.process_time()
            answers = index.assign(batch)
            t_index += time.process_time() - t0
            for row, dup in zip(batch, answers, strict=True):
                row["duplicate_of"] = dup
            pending.extend(batch)
            if len(pending) >= 5000:
                write_part(out, pending)
                pending = []
        if pending:
            write_part(out, pending)
        t0 = time.process_time()
        counts = index.commit()
        t_index += time.process_time() - t0
        index.close()
        db = sum(p.stat().st_size for p in (out / ".newsclean").glob("dedup.sqlite*"))
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "docs": n, "sig_s_per_1000": t_sig / n * 1000, "index_s_per_1000": t_index / n * 1000,
        "peak_rss_mb": rss, "index_mb": db / 1e6, "found_exact": counts.exact,
        "found_near": counts.near, "made_exact": exact, "made_near": near,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one, args.words)))
        return 0
    print(f"{'docs':>8} {'signatures':>12} {'index':>12} {'peak RSS':>9} {'index file':>11}  duplicates found / made")
    for n in args.docs:
        cmd = [sys.executable, __file__, "--one", str(n), "--words", str(args.words)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout)
        print(
            f"{n:>8,} {r['sig_s_per_1000']:>9.2f} s {r['index_s_per_1000']:>9.2f} s "
            f"{r['peak_rss_mb']:>6.0f} MB {r['index_mb']:>8.1f} MB  "
            f"exact {r['found_exact']}/{r['made_exact']}, near {r['found_near']}/{r['made_near']}"
            "   (CPU seconds per 1,000 documents)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
