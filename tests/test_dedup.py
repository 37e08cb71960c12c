"""Duplicate marking: exact and near copies get ``duplicate_of``, other stories do not,
whatever the order, across runs, after a kill, and with ``--drop-duplicates``."""

from __future__ import annotations

import json
import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.store.dedup import DedupIndex
from pipelines.store.parquet import SCHEMA, write_part
from pipelines.store.rows import record_id, record_to_row
from tests.conftest import run_cli

# One wire story, as two publishers print it, and another story on the same topic.
STORY = [
    "Councillors in Marlow Vale approved a plan on Tuesday night to extend the city's tram line "
    "to the eastern suburbs, ending a dispute that has run for almost four years.",
    "The extension will add six stops and about nine kilometres of track between the central "
    "station and the hospital at Brackenfield, with the first trams expected to run in 2029.",
    "The vote was close. Twenty-three members backed the scheme and nineteen opposed it, after a "
    "debate that lasted more than five hours and was interrupted twice by protesters in the gallery.",
    "Supporters said the line would cut journey times for thousands of hospital staff and "
    "students, many of whom now spend more than an hour on crowded buses each morning.",
    "Opponents argued that the projected cost of 640 million had already risen twice and that the "
    "council had not explained how it would cover a further increase without raising local taxes.",
    "The transport committee chair, Helen Okafor, said the authority had secured grants for two "
    "thirds of the budget and would borrow the rest over thirty years at a fixed rate.",
    "Residents along the planned route have been promised compensation for noise during the "
    "construction work, which is due to begin next spring once the final design is approved.",
    "Shop owners on Station Road, where the track will run down the middle of the street, asked "
    "for help with lost trade while the road is closed, and the council said it would consider it.",
]
OTHER_STORY = [
    "Marlow Vale's tram network carried a record number of passengers last month, the city's "
    "transport authority said on Friday, as rising fuel prices pushed commuters out of their cars.",
    "More than 2.1 million journeys were made in October, up by a fifth on the same month last "
    "year, with the busiest days falling in the week of the autumn football tournament.",
    "Helen Okafor, who chairs the transport committee, said the figures showed that people would "
    "use public transport when it was frequent and reliable, and called for more evening services.",
    "The authority plans to add four trams to the fleet next year. They are being built at a "
    "factory in the north of the country and will be tested on the western branch first.",
    "Passenger groups welcomed the news but said fares had risen faster than wages and that many "
    "older riders still found the ticket machines at the smaller stops hard to use.",
    "A survey published alongside the figures found that eight in ten riders rated the service as "
    "good, although complaints about overcrowding at peak times have doubled since the spring.",
]
HERALD = (
    ["Home | News | Sport | Weather | Business", "Northern Herald", ""],
    ["", "Sign up for our morning briefing", "© 2025 Northern Herald. All rights reserved."],
)
COAST = (
    ["Menu", "Search", "Subscribe", "Coastal Times", ""],
    ["", "Follow us on social media", "Copyright Coastal Times 2025", "Privacy | Terms | Contact"],
)


def _dump(paragraphs: list[str], furniture: tuple[list[str], list[str]]) -> str:
    head, foot = furniture
    return "\n".join([*head, *(p + "\n" for p in paragraphs), *foot]) + "\n"


def _syndicated() -> list[str]:
    """The wire story under another publisher: an agency credit, a paragraph cut, a word changed."""
    paras = list(STORY)
    paras[0] = "MARLOW VALE (Wire) - " + paras[0].replace("on Tuesday night", "late on Tuesday")
    del paras[6]
    return paras


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    """herald/: a story, its exact copy (other bytes), another story on the same topic;
    coast/: the syndicated copy.  One folder per publisher: the repetition pass treats
    lines found in three documents of one folder as template (cleaning/text/repetition.py)."""
    src = tmp_path / "in"
    (src / "herald").mkdir(parents=True)
    (src / "coast").mkdir()
    (src / "herald" / "a_herald.txt").write_text(_dump(STORY, HERALD), encoding="utf-8")
    (src / "herald" / "b_herald_copy.txt").write_text(_dump(STORY, HERALD) + "\n\n", encoding="utf-8")
    (src / "coast" / "c_coast.txt").write_text(_dump(_syndicated(), COAST), encoding="utf-8")
    (src / "herald" / "d_other.txt").write_text(_dump(OTHER_STORY, HERALD), encoding="utf-8")
    return src


def _by_name(outdir: Path) -> dict[str, dict]:
    rows = pq.read_table(outdir, schema=SCHEMA).to_pylist()
    return {Path(r["source"]).stem: r for r in rows}


def test_exact_and_near_copies_point_at_one_record_other_story_not(
    corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = run_cli("clean", str(corpus), "-o", str(out), "-j", "1", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "4 records written" in result.stderr
    assert "2 duplicates (1 exact, 1 near)" in result.stderr
    rows = _by_name(out)
    herald, copy, coast, other = (rows[k] for k in ("a_herald", "b_herald_copy", "c_coast", "d_other"))
    assert herald["content_sha256"] == copy["content_sha256"] and herald["id"] != copy["id"]
    assert coast["content_sha256"] != herald["content_sha256"]
    # no dates: the earliest is the smallest id of the three
    first = min(herald["id"], copy["id"], coast["id"])
    for r in (herald, copy, coast):
        assert r["duplicate_of"] == (None if r["id"] == first else first)
    assert other["duplicate_of"] is None

    # read back by DuckDB, the new column included
    con = duckdb.connect()
    n, dups = con.execute(
        "SELECT count(*), count(duplicate_of) FROM read_parquet(?)", [str(out / "*.parquet")]
    ).fetchone()
    assert (n, dups) == (4, 2)


def test_drop_duplicates_leaves_copies_out(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("clean", str(corpus), "-o", str(out), "-j", "2", "--drop-duplicates", "--no-progress")
    assert result.returncode == 0, result.stderr
    assert "2 records written" in result.stderr
    assert "2 duplicates (1 exact, 1 near, left out)" in result.stderr
    rows = _by_name(out)
    assert len(rows) == 2 and "d_other" in rows
    assert all(r["duplicate_of"] is None for r in rows.values())


def test_a_second_run_sees_the_first_runs_records(corpus: Path, tmp_path: Path) -> None:
    first_in, second_in = tmp_path / "first", tmp_path / "second"
    first_in.mkdir()
    second_in.mkdir()
    (corpus / "herald" / "a_herald.txt").rename(first_in / "a_herald.txt")
    (corpus / "herald" / "d_other.txt").rename(first_in / "d_other.txt")
    (corpus / "coast" / "c_coast.txt").rename(second_in / "c_coast.txt")
    out = tmp_path / "out"
    one = run_cli("clean", str(first_in), "-o", str(out), "--no-progress")
    assert "0 duplicates" in one.stderr, one.stderr
    two = run_cli("clean", str(second_in), "-o", str(out), "--no-progress")
    assert two.returncode == 0, two.stderr
    rows = _by_name(out)
    herald, coast = rows["a_herald"], rows["c_coast"]
    assert "1 records written" in two.stderr
    if coast["id"] > herald["id"]:  # no dates: the smaller id is the earlier record
        assert "1 duplicates (0 exact, 1 near)" in two.stderr
        assert (herald["duplicate_of"], coast["duplicate_of"]) == (None, herald["id"])
    else:  # the new record is the earlier one: the first run's row is re-pointed at it
        assert "0 duplicates (0 exact, 0 near, 1 earlier rows re-pointed)" in two.stderr
        assert (herald["duplicate_of"], coast["duplicate_of"]) == (coast["id"], None)
    assert rows["d_other"]["duplicate_of"] is None
    # the signatures live in OUTDIR: a third run of the same inputs changes nothing
    three = run_cli("clean", str(first_in), str(second_in), "-o", str(out), "--no-progress")
    assert "0 records written, 3 unchanged" in three.stderr
    assert _by_name(out) == rows


# --- the index itself: the function both `newsclean clean` and the crawler call ---------


def _rows() -> list[dict]:
    """Six records: the wire story three times (two dated), another story, and two more copies."""
    from cleaning.text import clean_text
    from pipelines.rulefiles import load_ruleset

    rules = load_ruleset()
    base = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
    made = []
    texts = [
        (_dump(STORY, HERALD), base + timedelta(hours=5)),
        (_dump(_syndicated(), COAST), base + timedelta(hours=2)),
        (_dump(STORY, COAST), None),
        (_dump(OTHER_STORY, HERALD), base),
        (_dump(STORY[:-1], HERALD), base + timedelta(hours=9)),
        (_dump(_syndicated(), HERALD), base + timedelta(hours=2)),
    ]
    for i, (text, published) in enumerate(texts):
        record = clean_text(text, rules=rules, mode="dump")
        row = record_to_row(record, id=record_id(f"doc-{i}"), source=f"doc-{i}", rules_version="t")
        row["published"] = published
        made.append(row)
    return made


def _write(outdir: Path, batches: list[list[dict]]) -> dict[str, str | None]:
    """Each batch as one run: open, assign, write a part, commit; returns id -> duplicate_of."""
    for batch in batches:
        with DedupIndex.open(outdir) as index:
            rows = [dict(r) for r in batch]
            for row, dup in zip(rows, index.assign(rows), strict=True):
                row["duplicate_of"] = dup
            write_part(outdir, rows)
            index.commit()
    table = pq.read_table(outdir, schema=SCHEMA)
    return dict(zip(table.column("id").to_pylist(), table.column("duplicate_of").to_pylist(), strict=True))


def test_the_answer_is_the_earliest_record_whatever_the_order(tmp_path: Path) -> None:
    rows = _rows()
    ids = [r["id"] for r in rows]
    # earliest published of the wire copies: doc-1 and doc-5 (same time), then the id decides
    root = min(ids[1], ids[5])
    expected = {rid: (None if rid in (root, ids[3]) else root) for rid in ids}
    assert _write(tmp_path / "one", [rows]) == expected
    for seed in range(4):
        shuffled = rows[:]
        random.Random(seed).shuffle(shuffled)
        assert _write(tmp_path / f"batch{seed}", [shuffled]) == expected
        # one record per run, as a cron crawl brings them: the same answer, and earlier
        # rows already written are re-pointed when an earlier copy comes in
        assert _write(tmp_path / f"runs{seed}", [[r] for r in shuffled]) == expected


def test_a_run_killed_before_its_commit_is_reconciled(tmp_path: Path) -> None:
    rows = _rows()
    out = tmp_path / "out"
    _write(out, [rows[:1]])
    # parts written, signatures never committed (a kill: the transaction is not committed)
    index = DedupIndex.open(out)
    later = [dict(r) for r in rows[1:]]
    for row, dup in zip(later, index.assign(later), strict=True):
        row["duplicate_of"] = dup
    write_part(out, later)
    index.close()
    # the next open reads the unknown part, and re-points the first run's row
    DedupIndex.open(out).close()
    table = pq.read_table(out, schema=SCHEMA)
    got = dict(zip(table.column("id").to_pylist(), table.column("duplicate_of").to_pylist(), strict=True))
    assert got == _write(tmp_path / "whole", [rows])
    assert got[rows[0]["id"]] == min(rows[1]["id"], rows[5]["id"])


def _one_run_in_parts(outdir: Path, parts: list[list[dict]], kill_before_last: bool = False) -> None:
    """One session writing several parts, committed with final=False after each but the last;
    ``kill_before_last``: the process dies after its last part, before the final commit."""
    index = DedupIndex.open(outdir)
    for k, part in enumerate(parts):
        rows = [dict(r) for r in part]
        for row, dup in zip(rows, index.assign(rows), strict=True):
            row["duplicate_of"] = dup
        write_part(outdir, rows)
        if k < len(parts) - 1:
            index.commit(final=False)
    if not kill_before_last:
        index.commit()
    index.close()


def _marks(outdir: Path) -> dict[str, str | None]:
    table = pq.read_table(outdir, schema=SCHEMA)
    ids = table.column("id").to_pylist()
    assert len(ids) == len(set(ids))
    return dict(zip(ids, table.column("duplicate_of").to_pylist(), strict=True))


def test_intermediate_commits_give_the_answer_of_one_commit_even_when_killed(tmp_path: Path) -> None:
    rows = _rows()
    whole = _write(tmp_path / "whole", [rows])
    # doc-0 (published after its copies) is written first: the second part makes it a
    # duplicate, and its row is re-pointed at the final commit, not at each part's; the
    # last part holds the other story only
    parts = [rows[:1], rows[1:3] + rows[4:], rows[3:4]]
    _one_run_in_parts(tmp_path / "parts", parts)
    assert _marks(tmp_path / "parts") == whole
    killed = tmp_path / "killed"
    _one_run_in_parts(killed, parts, kill_before_last=True)
    # what the committed parts left to re-point is kept in the index: the next open does it
    assert _marks(killed)[rows[0]["id"]] is None
    with DedupIndex.open(killed) as index:
        assert index.commit().updated == 1  # doc-0, re-pointed by the open
    assert _marks(killed) == whole


def test_rows_of_an_older_file_without_the_column_are_read_and_fixed(tmp_path: Path) -> None:
    import pyarrow as pa

    rows = _rows()
    out = tmp_path / "out"
    out.mkdir()
    old_schema = pa.schema([f for f in SCHEMA if f.name != "duplicate_of"])
    pq.write_table(pa.Table.from_pylist(rows[:2], schema=old_schema), out / "part-old.parquet")
    with DedupIndex.open(out) as index:
        counts = index.commit()
    assert counts.updated == 1
    table = pq.read_table(out / "part-old.parquet")
    assert table.schema.remove_metadata() == SCHEMA.remove_metadata()
    assert table.column("duplicate_of").to_pylist() == [rows[1]["id"], None]


def test_an_index_of_older_signatures_is_rebuilt_from_the_part_files(tmp_path: Path) -> None:
    import sqlite3

    from pipelines.store import STATE_DIR
    from pipelines.store.dedup import DB_NAME

    rows = _rows()
    out = tmp_path / "out"
    _write(out, [rows[:4]])
    # an index written before the signature scheme changed: other signatures, no version
    db = sqlite3.connect(out / STATE_DIR / DB_NAME)
    db.execute("UPDATE docs SET sig = zeroblob(768)")
    db.execute("DELETE FROM meta")
    db.commit()
    db.close()
    # the next run's copies are paired with the first run's records all the same
    assert _write(out, [rows[4:]]) == _write(tmp_path / "whole", [rows])


def test_crawl_marks_duplicates_and_counts_them_in_the_run_summary(tmp_path: Path) -> None:
    """The local news site builds article i and article i + 10 from the same sentences
    (only the district and project numbers differ): near-duplicates to a reader."""
    from tests.newssite.server import NewsSite
    from tests.test_crawl_e2e import crawl, rows

    with NewsSite(articles=12) as site:
        out, dropped = tmp_path / "out", tmp_path / "dropped"
        result = crawl(site.base + "/", "-o", str(out))
        assert result.returncode == 0, result.stderr
        again = crawl(site.base + "/", "-o", str(dropped), "--drop-duplicates")
        assert again.returncode == 0, again.stderr
    written = {r["id"]: r for r in rows(out)}
    marked = [r for r in written.values() if r["duplicate_of"] is not None]
    assert marked
    for row in marked:
        first = written[row["duplicate_of"]]
        assert first["duplicate_of"] is None and first["published"] <= row["published"]
        district = row["text"].split(",")[0]  # "In district N"
        assert district != first["text"].split(",")[0]
        same = set(row["text"].split(". ")) & set(first["text"].split(". "))
        assert len(same) >= 6  # the shared sentences
    summary = json.loads((out / "last-run.json").read_text())
    assert summary["duplicates"]["exact"] + summary["duplicates"]["near"] == len(marked)
    assert f"{len(marked)} duplicates" in result.stderr.splitlines()[-1]
    kept = rows(dropped)
    assert {r["id"] for r in kept} == {r["id"] for r in written.values() if r["duplicate_of"] is None}
    assert json.loads((dropped / "last-run.json").read_text())["duplicates"]["left_out"] == len(marked)


_WRITER = """
import pickle, sys, time
from pathlib import Path
from pipelines.store.dedup import DedupIndex
from pipelines.store.parquet import write_part
out, rows = Path(sys.argv[1]), pickle.loads(Path(sys.argv[2]).read_bytes())
index = DedupIndex.open(out)
for row in rows:  # one row per batch, as crawl flushes: the two processes interleave
    row = dict(row)
    row["duplicate_of"] = index.assign([row])[0]
    time.sleep(0.05)  # holding the lock while the part is written
    write_part(out, [row])
    index.commit()
index.close()
"""


def test_two_processes_writing_one_folder_take_turns(tmp_path: Path) -> None:
    import pickle
    import subprocess
    import sys

    from tests.conftest import ROOT

    rows = _rows()
    out = tmp_path / "out"
    out.mkdir()
    procs = []
    for k, share in enumerate((rows[0::2], rows[1::2])):
        batch = tmp_path / f"rows{k}.pickle"
        batch.write_bytes(pickle.dumps(share))
        procs.append(
            subprocess.Popen([sys.executable, "-c", _WRITER, str(out), str(batch)], cwd=ROOT)
        )
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    with DedupIndex.open(out) as index:  # nothing left to fix: both committed every part
        assert index.counts.updated == 0
    table = pq.read_table(out, schema=SCHEMA)
    got = dict(zip(table.column("id").to_pylist(), table.column("duplicate_of").to_pylist(), strict=True))
    assert got == _write(tmp_path / "one", [rows])


def test_shingle_words_are_the_lower_cased_word_runs_on_every_kind_of_character() -> None:
    # words_of cuts words out by byte tables, not the regular expression: the two must agree,
    # or the signatures of one text would change with the code (and stop matching OUTDIR's)
    from pipelines.store.minhash import words_of

    points = [*range(0x300), *range(0x2000, 0x2070), *range(0x3000, 0x3040), 0x0663, 0xFF11]
    points += [0x130, 0x212A, 0x3A3, 0x10400, 0x1D7CE, 0x1F600, 0xE0041, 0xD800]
    chars = list(map(chr, points))
    rng = random.Random(7)
    texts: list[str] = []
    for char in chars:
        texts += [char, f"Ab{char}c", f" {char}9 x_y\t", f"{char}{char}Word"]
    texts += ["".join(rng.choice(chars) for _ in range(rng.randint(0, 40))) for _ in range(500)]
    texts.append("".join(chars) * 2)  # more distinct symbols than are replaced one by one
    for text in texts:
        expected = [w.encode("utf-8") for w in re.findall(r"\w+", text.lower())]
        assert words_of(text) == expected, repr(text)


def test_the_word_count_from_the_signature_s_word_split_is_count_words_on_every_code_point() -> None:
    # A row's word_count comes from the words its MinHash signature is made of (cut from the
    # lower-cased text, signed_row): it must be the \w+ runs of the text itself, whatever
    # lower() does to a character ("İ" becomes two, one not a word character; a final sigma
    # depends on its neighbours)
    import sys

    from cleaning.record import CleanedRecord, count_words
    from pipelines.store.minhash import word_count_of, words_of
    from pipelines.store.rows import signed_row

    def check(text: str) -> None:
        assert word_count_of(text, words_of(text)) == count_words(text), repr(text)

    step = 64
    for start in range(0, sys.maxunicode + 1, step):
        block = [chr(c) for c in range(start, min(start + step, sys.maxunicode + 1))]
        # each character alone, between word characters, doubled, at a word's end
        check(" ".join(f"{c} a{c}b {c}{c} Ab{c}" for c in block))
    for c in ("\u0130", "\u03a3", "\u1e9e", "\u0345", "\u2126", "\ud800"):
        for text in (c, f"a{c}b", f"x {c}{c} y", f"{c}STANBUL {c}.B", f"\u039f\u0394\u039f{c}"):
            check(text)
    rng = random.Random(11)
    pool = [chr(rng.randrange(sys.maxunicode + 1)) for _ in range(2000)] + list("aZ_9 .\u0130\u03a3")
    for _ in range(500):
        check("".join(rng.choice(pool) for _ in range(rng.randint(0, 60))))
    record = CleanedRecord(text="İstanbul'da ΟΔΟΣ. Ünlü İİ word_count")
    row = signed_row(record, id="x", source="s", rules_version="v")
    assert row["word_count"] == record.word_count == len(re.findall(r"\w+", record.text))

def test_a_writer_that_waits_too_long_for_the_folder_gets_one_clear_error(tmp_path: Path) -> None:
    from pipelines.store.dedup import DedupLocked

    rows = _rows()
    out = tmp_path / "out"
    holder = DedupIndex.open(out)
    holder.assign([dict(rows[0])])  # holds the folder's index until its commit
    try:
        with pytest.raises(DedupLocked) as err:
            DedupIndex.open(out, lock_wait=0.2)
        message = str(err.value)
        assert str(out) in message and "another -o OUTDIR" in message and "\n" not in message
    finally:
        holder.close()
    DedupIndex.open(out, lock_wait=0.2).close()  # free again once the holder is gone


def test_band_keys_are_the_keys_of_their_definition_one_band_at_a_time() -> None:
    # the indexes store band keys: keys computed another way (numpy's wrapping arithmetic)
    # must be the same numbers, or old signatures would stop meeting new ones
    import struct

    from pipelines.store.minhash import NUM_PERM, band_keys, band_keys_reference, signature

    rng = random.Random(5)
    sigs = [bytes(rng.getrandbits(8) for _ in range(NUM_PERM * 4)) for _ in range(300)]
    sigs += [b"\x00" * NUM_PERM * 4, b"\xff" * NUM_PERM * 4, struct.pack(f"<{NUM_PERM}I", *range(NUM_PERM))]
    sig, _ = signature("a text of some words, signed as the cleaning processes sign theirs " * 5)
    assert sig is not None
    for s in [*sigs, sig]:
        keys = band_keys(s)
        assert keys == band_keys_reference(s)
        assert all(-(1 << 63) <= k < 1 << 63 and type(k) is int for k in keys)
