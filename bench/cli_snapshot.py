"""Check that a change leaves what ``newsclean clean`` writes unchanged (refactors, speed work).

usage: python bench/cli_snapshot.py save SNAPSHOT PATH [PATH ...]
       python bench/cli_snapshot.py compare SNAPSHOT PATH [PATH ...]

Each PATH (a folder of dumps, of pages, or of WARC files) is cleaned by its own
``newsclean clean PATH -o TMP`` run, the command a user runs.  ``save`` writes
every record the runs wrote, sorted by id, without the columns that change from
run to run (``cleaned_at``, ``fetched_at``, ``cleaner_version``), to SNAPSHOT
(JSON lines).  ``compare`` runs again and prints every record that differs,
column by column, and exits 1 when one does.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

VOLATILE = {"cleaned_at", "fetched_at", "cleaner_version"}


def records(paths: list[str]) -> dict[str, dict[str, object]]:
    """{PATH + id: record} for every record ``newsclean clean PATH`` writes."""
    import pyarrow.parquet as pq

    out: dict[str, dict[str, object]] = {}
    for path in paths:
        with tempfile.TemporaryDirectory() as tmp:
            cmd = [sys.executable, "-m", "pipelines.cli", "clean", path, "-o", tmp, "--no-progress"]
            done = subprocess.run(cmd, capture_output=True, text=True)
            print(done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "", file=sys.stderr)
            for part in sorted(Path(tmp).glob("**/*.parquet")):
                for row in pq.read_table(part).to_pylist():
                    key = f"{path}:{row['id']}"
                    out[key] = {k: _plain(v) for k, v in row.items() if k not in VOLATILE}
    return out


def _plain(value: object) -> object:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[attr-defined]
    return value


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[0] not in ("save", "compare"):
        print(__doc__, file=sys.stderr)
        return 2
    verb, snapshot, paths = argv[0], Path(argv[1]), argv[2:]
    now = records(paths)
    if verb == "save":
        with snapshot.open("w", encoding="utf-8") as fh:
            for key in sorted(now):
                fh.write(json.dumps({"key": key, "record": now[key]}, ensure_ascii=False) + "\n")
        print(f"{len(now)} records saved to {snapshot}")
        return 0
    before = {}
    for line in snapshot.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        before[item["key"]] = item["record"]
    differ = 0
    for key in sorted(set(before) | set(now)):
        old, new = before.get(key), now.get(key)
        if old == new:
            continue
        differ += 1
        if old is None or new is None:
            print(f"{key}: {'new' if old is None else 'gone'}")
            continue
        for column in sorted(set(old) | set(new)):
            if old.get(column) != new.get(column):
                print(f"{key}: {column}: {str(old.get(column))[:120]!r} -> {str(new.get(column))[:120]!r}")
    print(f"{len(now)} records, {differ} differ")
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
