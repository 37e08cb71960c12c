"""Time and memory of duplicate marking per 1,000 documents, at 10,000 and 100,000 documents.

usage: python bench/dedup_bench.py [--docs 10000 100000] [--words 400] [--index sqlite redis]

Generated articles (Zipf-distributed words from a 30,000-word vocabulary, about
``--words`` words each, made per batch so the process holds no corpus); 5 % of
them are copies of an earlier one with 3 % of the words changed, 1 % exact copies.  Each size runs in a fresh process that feeds
the documents to :class:`pipelines.store.dedup.DedupIndex` (``--index sqlite``) or to
:class:`pipelines.store.dedup_redis.RedisDedupIndex` (``--index redis``: a redis-server of its
own on 127.0.0.1, started as the tests start it) the way ``newsclean clean`` does: signatures computed as the cleaning workers compute them, then
``assign`` per batch of 1,000 rows, part files of 5,000 rows written with
``write_part``, one ``commit`` at the end.  Printed: CPU seconds per 1,000
documents for the signatures and for the index (assign + commit), peak RSS of
the process and its growth while indexing, the index's size on disk (for Redis: the
server's ``used_memory`` growth, and the server's own CPU seconds per 1,000 documents), and
the duplicates found (against those generated).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import cpu_of  # noqa: E402

VOCAB = 30_000


class Corpus:
    """Document ``i`` is made from its own seed, so a copy of document ``j`` regenerates ``j``
    instead of keeping every text in memory: the process's memory is the index's."""

    def __init__(self, words: int, seed: int = 7) -> None:
        rng = random.Random(seed)
        self.vocab = [f"w{rng.getrandbits(40):x}" for _ in range(VOCAB)]
        self.cum = list(itertools.accumulate(1.0 / (rank + 1) for rank in range(VOCAB)))
        self.words = words
        self.seed = seed

    def original(self, i: int) -> str:
        rng = random.Random(f"{self.seed}-{i}")
        count = rng.randint(self.words // 2, self.words * 3 // 2)
        return " ".join(rng.choices(self.vocab, cum_weights=self.cum, k=count))

    def text(self, i: int) -> tuple[str, str]:
        """(text, kind): kind 'near' (3 % of an earlier document's words changed), 'exact'
        (an earlier document again) or 'new'."""
        rng = random.Random(f"{self.seed}-copy-{i}")
        roll = rng.random()
        if i > 10 and roll < 0.06:
            j = rng.randrange(i)
            while True:  # copy an original, so the kinds made are what they say
                jr = random.Random(f"{self.seed}-copy-{j}").random()
                if j <= 10 or jr >= 0.06:
                    break
                j = random.Random(f"{self.seed}-back-{j}").randrange(j)
            base = self.original(j)
            if roll >= 0.05:
                return base, "exact"
            words = base.split(" ")
            for _ in range(max(1, len(words) * 3 // 100)):
                words[rng.randrange(len(words))] = rng.choice(self.vocab)
            return " ".join(words), "near"
        return self.original(i), "new"


def one_size(n: int, words: int, kind: str = "sqlite") -> dict[str, float]:
    if kind == "redis":
        from tests.redis_server import RedisServer

        with RedisServer() as url:
            return _one_size(n, words, url)
    return _one_size(n, words, None)


def _one_size(n: int, words: int, redis_url: str | None) -> dict[str, float]:
    import hashlib
    from datetime import datetime, timedelta, timezone

    from pipelines.store.dedup import SIGNATURE_KEY
    from pipelines.store.dedup_redis import open_index
    from pipelines.store.minhash import signature
    from pipelines.store.parquet import write_part

    corpus = Corpus(words)
    base = datetime(2025, 1, 1, tzinfo=timezone.utc)
    made = {"near": 0, "exact": 0, "new": 0}
    t_sig = t_index = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        client = server_pid = None
        if redis_url:
            import redis

            client = redis.Redis.from_url(redis_url)
            server_pid = int(client.info("server")["process_id"])
            memory0 = int(client.info("memory")["used_memory"])
            server_cpu0 = cpu_of(server_pid)
        t0 = time.process_time()
        index = open_index(out, redis_url=redis_url)
        t_index += time.process_time() - t0
        signature("a text to load numpy and the hash constants with")  # start-up, not growth
        write_part(Path(tempfile.mkdtemp()), [])
        rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pending: list[dict] = []
        for start in range(0, n, 1000):
            batch = []
            for i in range(start, min(n, start + 1000)):
                text, kind = corpus.text(i)
                made[kind] += 1
                batch.append({
                    "id": hashlib.sha256(f"doc{i}".encode()).hexdigest()[:32], "source": f"doc{i}",
                    "text": text, "word_count": text.count(" ") + 1, "removed": [],
                    "content_sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "published": base + timedelta(minutes=i), "cleaned_at": base,
                    "cleaner_version": "bench", "rules_version": "bench",
                })
            t0 = time.process_time()
            for row in batch:  # what the cleaning processes do
                row[SIGNATURE_KEY] = signature(row["text"])
            t_sig += time.process_time() - t0
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
        server_cpu = 0.0
        if client is not None and server_pid is not None:
            db = int(client.info("memory")["used_memory"]) - memory0
            server_cpu = cpu_of(server_pid) - server_cpu0
        else:
            db = sum(p.stat().st_size for p in (out / ".newsclean").glob("dedup.sqlite*"))
        index.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "index": "redis" if redis_url else "sqlite",
        "server_s_per_1000": server_cpu / n * 1000,
        "docs": n, "sig_s_per_1000": t_sig / n * 1000, "index_s_per_1000": t_index / n * 1000,
        "peak_rss_mb": rss, "rss_growth_mb": rss - rss_start, "index_mb": db / 1e6,
        "found_exact": counts.exact, "found_near": counts.near,
        "made_exact": made["exact"], "made_near": made["near"],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--index", nargs="+", choices=["sqlite", "redis"],
                        default=["sqlite", "redis"])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one_size(args.one, args.words, args.index[0])))
        return 0
    print(
        f"{'index':>6} {'docs':>8} {'signatures':>12} {'index':>12} {'server':>9} {'peak RSS':>9} "
        f"{'RSS growth':>11} {'index size':>11}  duplicates found / made"
    )
    for kind, n in itertools.product(args.index, args.docs):
        cmd = [sys.executable, __file__, "--one", str(n), "--words", str(args.words),
               "--index", kind]
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
        r = json.loads(done.stdout)
        server = f"{r['server_s_per_1000']:>7.2f} s" if kind == "redis" else f"{'':>9}"
        print(
            f"{kind:>6} {n:>8,} {r['sig_s_per_1000']:>9.2f} s {r['index_s_per_1000']:>9.2f} s "
            f"{server} "
            f"{r['peak_rss_mb']:>6.0f} MB {r['rss_growth_mb']:>8.0f} MB {r['index_mb']:>8.1f} MB  "
            f"exact {r['found_exact']}/{r['made_exact']}, near {r['found_near']}/{r['made_near']}"
            "   (CPU seconds per 1,000 documents)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
