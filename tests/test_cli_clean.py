"""`newsclean clean` end to end: Parquet out, read back, re-runs, bad input, -j."""

from __future__ import annotations

import gzip
import json
import os
import random
import shutil
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from pipelines.store.parquet import SCHEMA
from tests.conftest import SEEDS, run_cli


def _read(outdir: Path):
    return pq.read_table(outdir, schema=SCHEMA)


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seeds_out")
    result = run_cli("clean", str(SEEDS), "-o", str(out), "-j", "2")
    assert result.returncode == 0, result.stderr
    assert "5 records written" in result.stderr
    return out


def test_seeds_give_one_row_each_with_the_declared_schema(seeds_out: Path) -> None:
    files = list(seeds_out.glob("*.parquet"))
    assert files
    for f in files:
        assert pq.read_schema(f).remove_metadata() == SCHEMA.remove_metadata()
    table = _read(seeds_out)
    assert table.num_rows == 5
    rows = table.to_pylist()
    assert sorted(Path(r["source"]).name[:3] for r in rows) == ["000", "001", "002", "003", "004"]
    for r in rows:
        assert r["text"].strip() and r["word_count"] > 100
        assert r["cleaned_at"].tzinfo is not None
        assert len(r["content_sha256"]) == 64 and r["rules_version"] and r["cleaner_version"]
        for removal in r["removed"]:
            assert removal["rule_id"].count(".") == 2 and removal["text"].strip()
    assert len({r["id"] for r in rows}) == 5


def test_removed_blocks_carry_rule_ids_and_are_gone_from_the_text(seeds_out: Path) -> None:
    rows = {Path(r["source"]).name[:3]: r for r in _read(seeds_out).to_pylist()}
    copyright_ = rows["003"]
    assert "Press Association" not in copyright_["text"]
    assert any("Press Association" in r["text"] for r in copyright_["removed"])
    assert rows["001"]["removed"] == []


def test_duckdb_reads_the_folder(seeds_out: Path) -> None:
    con = duckdb.connect()
    n, words, removed = con.execute(
        f"select count(*), sum(word_count), sum(len(removed)) from read_parquet('{seeds_out}/*.parquet')"
    ).fetchone()
    assert n == 5 and words > 1000 and removed >= 2
    (rule_ids,) = con.execute(
        f"select list(distinct r.rule_id) from (select unnest(removed) as r from read_parquet('{seeds_out}/*.parquet'))"
    ).fetchone()
    assert all(rid.count(".") == 2 for rid in rule_ids)


def test_rerun_skips_unchanged_and_rule_change_replaces_without_duplicates(tmp_path: Path) -> None:
    src = tmp_path / "in"
    shutil.copytree(SEEDS, src)
    out = tmp_path / "out"
    assert run_cli("clean", str(src), "-o", str(out), "-j", "1").returncode == 0
    again = run_cli("clean", str(src), "-o", str(out), "-j", "1")
    assert again.returncode == 0
    assert "0 records written, 5 unchanged" in again.stderr
    assert _read(out).num_rows == 5
    # A house rule that removes one sentence of seed 001 changes that record only: it is replaced.
    rules = tmp_path / "house.toml"
    rules.write_text(
        '[[rule]]\nid = "generic.house.rallies"\npattern = "^Rallies took place"\n'
        'examples = ["Rallies took place in towns"]\n',
        encoding="utf-8",
    )
    changed = run_cli("clean", str(src), "-o", str(out), "-j", "1", "--rules", str(rules))
    assert changed.returncode == 0, changed.stderr
    assert "1 records written, 4 unchanged, 1 replaced" in changed.stderr
    table = _read(out)
    assert table.num_rows == 5
    assert len(set(table.column("id").to_pylist())) == 5
    (row,) = [r for r in table.to_pylist() if r["source"].endswith("001_3a7ffc991847b8c2.txt")]
    assert "Rallies took place" not in row["text"]
    assert row["removed"][0]["rule_id"] == "generic.house.rallies"


def test_jobs_and_input_order_do_not_change_the_output(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("clean", str(SEEDS), "-o", str(one), "-j", "1").returncode == 0
    files = sorted(SEEDS.glob("*.txt"), reverse=True)
    assert run_cli("clean", *map(str, files), "-o", str(two), "-j", "2").returncode == 0

    def by_id(out: Path) -> dict[str, tuple]:
        return {r["id"]: (r["text"], r["title"], r["removed"]) for r in _read(out).to_pylist()}

    assert by_id(one) == by_id(two)


def test_bad_inputs_get_one_line_each_and_the_batch_goes_on(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = (SEEDS / "001_3a7ffc991847b8c2.txt").read_bytes()
    (src / "good.txt").write_bytes(good)
    (src / "empty.txt").write_bytes(b"")
    (src / "binary.txt").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 10)
    latin = good.decode("utf-8").replace("’", "'").replace("Rallies took place in", "Rallies took place in cafés,")
    (src / "latin1.txt").write_bytes(latin.encode("cp1252"))
    with open(src / "huge.txt", "wb") as fh:
        fh.write(b"All work and no play makes Jack a dull boy.\n" * (50 * 1024 * 1024 // 44 + 1))
    os.symlink(src / "gone.txt", src / "dangling.txt")
    page = "<html><body>" + "".join(f"<p>Paragraph {i} of {i * 7919 % 10007} words.</p>" for i in range(3000))
    (src / "page.html.gz").write_bytes(gzip.compress(page.encode())[:2000])
    out = tmp_path / "out"
    result = run_cli("clean", str(src), "-o", str(out), "-j", "2")
    assert result.returncode == 1
    lines = result.stderr.splitlines()

    def line_for(name: str) -> str:
        hits = [ln for ln in lines if name in ln]
        assert len(hits) == 1, f"expected one line for {name}: {lines}"
        return hits[0]

    assert "empty" in line_for("empty.txt")
    assert "PDF" in line_for("binary.txt")
    assert "MB limit" in line_for("huge.txt")
    assert "cannot read" in line_for("dangling.txt")
    assert "truncated gzip" in line_for("page.html.gz")
    latin = line_for("latin1.txt")
    assert latin.startswith("warning:") and "not UTF-8" in latin and "decoded as" in latin
    table = _read(out)
    assert table.num_rows == 2  # good.txt and latin1.txt
    texts = table.column("text").to_pylist()
    assert any("Rallies took place in cafés," in t for t in texts)
    assert "5 errors" in lines[-1]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    f = tmp_path / "secret.txt"
    f.write_text("some text here that is long enough to be an article body.", encoding="utf-8")
    f.chmod(0)
    result = run_cli("clean", str(f), "-o", str(tmp_path / "out"))
    assert result.returncode == 1 and "cannot read" in result.stderr


def test_no_inputs_is_a_usage_error(tmp_path: Path) -> None:
    empty_dir = tmp_path / "nothing"
    empty_dir.mkdir()
    (empty_dir / "notes.md").write_text("# not an input", encoding="utf-8")
    result = run_cli("clean", str(empty_dir), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "no input files in this directory" in result.stderr
    assert not list((tmp_path / "out").glob("*.parquet"))


@pytest.mark.parametrize("value", ["-1", "0", "nan", "soon"])
def test_a_scheduler_timeout_that_is_not_a_positive_number_is_a_usage_error(
    tmp_path: Path, value: str
) -> None:
    # before: -1 reached Dask, which answered "could not convert string to float: '1-1.0'"
    result = run_cli("clean", str(SEEDS), "-o", str(tmp_path / "out"),
                     "--scheduler", "tcp://127.0.0.1:1", "--scheduler-timeout", value)
    assert result.returncode == 2
    assert "--scheduler-timeout: must be a positive number of seconds" in result.stderr
    assert not (tmp_path / "out").exists()


def test_saved_statistics_are_reused_for_a_single_new_file(tmp_path: Path) -> None:
    stats = tmp_path / "stats.json"
    result = run_cli("clean", str(SEEDS), "-o", str(tmp_path / "a"), "--save-stats", str(stats))
    assert result.returncode == 0, result.stderr
    assert stats.stat().st_size > 0
    one = run_cli("clean", str(SEEDS / "003_c77f903431b060af.txt"), "-o", str(tmp_path / "b"), "--stats", str(stats))
    assert one.returncode == 0, one.stderr
    assert _read(tmp_path / "b").num_rows == 1


def test_saved_statistics_do_not_count_the_same_files_twice(tmp_path: Path) -> None:
    # a second run over the same dumps with the first run's statistics (a cron job that
    # re-cleans its folder): each document counted once, so the same statistics and rows
    src = tmp_path / "in"
    src.mkdir()
    for i in range(5):
        (src / f"story{i}.txt").write_text(_story(i), encoding="utf-8")
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    a = run_cli("clean", str(src), "-o", str(tmp_path / "a"), "--save-stats", str(first))
    assert a.returncode == 0, a.stderr
    b = run_cli("clean", str(src), "-o", str(tmp_path / "b"), "--stats", str(first),
                "--save-stats", str(second))
    assert b.returncode == 0, b.stderr
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    assert json.loads(second.read_text(encoding="utf-8"))["docs"] == {"in": 5}
    rows_a, rows_b = (sorted((r["id"], r["text"]) for r in _read(tmp_path / d).to_pylist())
                      for d in "ab")
    assert rows_a == rows_b and len(rows_a) == 5


def test_explain_marks_removed_lines_with_rule_ids() -> None:
    result = run_cli("explain", str(SEEDS / "003_c77f903431b060af.txt"))
    assert result.returncode == 0, result.stderr
    marked = [ln for ln in result.stdout.splitlines() if ln.startswith("- [")]
    assert len(marked) == 2 and all("Press Association" in ln for ln in marked)
    rule_id = marked[0][3 : marked[0].index("]")]
    assert rule_id.count(".") == 2


def _story(i: int) -> str:
    """A made-up article of five paragraphs, worded differently for each ``i`` (digits alone
    would not do: lines are compared with digits folded), ending in a template line."""
    words = [
        "council", "budget", "library", "housing", "river", "bridge", "school", "parking",
        "tram", "market", "harbour", "museum", "hospital", "stadium", "theatre", "airport",
        "festival", "ferry", "mill", "tower", "garden", "station",
    ]
    paras = []
    for k in range(5):
        w = random.Random(i * 10 + k).sample(words, 6)
        paras.append(
            f"Officials discussed the {w[0]} and the {w[1]} near the {w[2]}, while residents "
            f"asked about the {w[3]}, the {w[4]} and what the plan means for the {w[5]} "
            f"over the coming {['months', 'years', 'weeks'][(i + k) % 3]}."
        )
    return "\n".join([*paras, "Read more stories like this in our weekly regional round-up"]) + "\n"


def test_statistics_and_rows_do_not_depend_on_jobs(tmp_path: Path) -> None:
    # 70 files: enough for -j 2 to count the repetition statistics in worker processes
    src = tmp_path / "in"
    for i in range(70):
        folder = src / ("north" if i % 2 else "south")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story{i:03d}.txt").write_text(_story(i), encoding="utf-8")
    # three more copies of one story, in other chunks of the pooled count: copies count once,
    # or their four documents (the group's template threshold) would make every line template
    copy = _story(0).replace("\n", "\r\n").replace("coming", "Coming")  # case, line ends
    for name in ("aaa_copy.txt", "mmm_copy.txt", "zzz_copy.txt"):
        (src / "south" / name).write_text(copy, encoding="utf-8")
    results = {}
    for jobs in ("1", "2"):
        stats = tmp_path / f"stats{jobs}.json"
        out = tmp_path / f"out{jobs}"
        run = run_cli("clean", str(src), "-o", str(out), "-j", jobs, "--save-stats", str(stats))
        assert run.returncode == 0, run.stderr
        rows = {r["id"]: (r["text"], r["removed"]) for r in _read(out).to_pylist()}
        results[jobs] = (stats.read_text(encoding="utf-8"), rows)
    assert results["1"] == results["2"]
    saved, rows = results["2"]
    assert json.loads(saved)["docs"] == {"north": 35, "south": 35}
    assert len(rows) == 71  # the copies differ from story 0 in case: a record of their own
    for text, removed in rows.values():
        assert "weekly regional round-up" not in text
        assert any(r["rule_id"] == "generic.repetition.template" for r in removed)
        assert text.count("Officials discussed") == 5, text  # the story itself stays whole


@pytest.mark.parametrize(("kind", "n", "cap"), [("html", 181, 16), ("text", 500, 64), ("warc", 9, 1)])
def test_chunks_keep_the_input_order_and_end_with_single_files(kind: str, n: int, cap: int) -> None:
    from pipelines.batch.inputs import InputFile
    from pipelines.batch.run import shrinking_chunks

    inputs = [InputFile(Path(f"f{i:04d}"), kind) for i in range(n)]
    chunks = shrinking_chunks(inputs, workers=2)
    assert [item for chunk in chunks for item in chunk] == inputs
    sizes = [len(c) for c in chunks]
    assert max(sizes) <= cap and sizes[-1] == 1
    assert sizes == sorted(sizes, reverse=True)
    assert len(chunks) < n or cap == 1  # fewer round trips than files


def test_a_file_is_read_whole_up_to_the_limit_whatever_size_was_seen_before(tmp_path: Path) -> None:
    # read_bytes reads the size stat() gave (and a byte more) rather than asking for the
    # limit at once: a file that grew or shrank since reads as fh.read(limit) reads it
    from pipelines.batch.inputs import _read_at_most

    rng = random.Random(17)
    for n in (0, 1, 5, 100, 5000):
        path = tmp_path / f"f{n}"
        path.write_bytes(rng.randbytes(n))
        for limit in (1, 2, 6, 101, 20_000):
            for seen in (0, n // 2, n, n + 3):
                with open(path, "rb") as fh, open(path, "rb") as again:
                    assert _read_at_most(fh, seen, limit) == again.read(limit), (n, limit, seen)
