"""A re-run does not clean again the inputs whose rows are in the folder, cleaned the same
way (pipelines/batch/resume.py): so the run after a killed one resumes where it stopped."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bench.kill_bench import make_inputs
from pipelines.store.dataset import rewrite_part
from pipelines.store.parquet import SCHEMA
from tests.conftest import run_cli


def _clean(inputs: Path, out: Path) -> str:
    done = run_cli("clean", str(inputs), "-o", str(out), "-j", "1", "--no-progress")
    assert done.returncode == 0, done.stderr
    return done.stderr


def _same_size_other_story(path: Path) -> None:
    """Another text in the file's bytes, with the file's size and modification time kept."""
    st = path.stat()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"district", b"province"[:8]).replace(b"report", b"notice"))
    assert path.stat().st_size == st.st_size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


def _text_of(out: Path, name: str) -> str:
    rows = pq.read_table(out, schema=SCHEMA).to_pylist()
    return next(r["text"] for r in rows if Path(r["source"]).name == name)


def test_a_rerun_cleans_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, out = tmp_path / "in", tmp_path / "out"
    make_inputs(inputs, pages=6, dumps=6)
    assert "12 records written" in _clean(inputs, out)
    assert "0 records written, 12 unchanged" in _clean(inputs, out)

    # the quick check of rsync and make: the same size and time, the same file (not read)
    page = inputs / "pages" / sorted(os.listdir(inputs / "pages"))[0]
    before = _text_of(out, page.name)
    _same_size_other_story(page)
    assert "0 records written, 12 unchanged, 0 replaced" in _clean(inputs, out)
    assert _text_of(out, page.name) == before

    # other code cleans everything again (in this process, with another code digest)
    from pipelines import cli
    from pipelines.batch import resume

    monkeypatch.setattr(resume, "code_digest", lambda: "other code")
    assert cli.main(["clean", str(inputs), "-o", str(out), "-j", "1", "--no-progress"]) == 0
    assert "province" in _text_of(out, page.name)
    monkeypatch.undo()

    # a file changed since is cleaned again (a page: its id is its canonical URL's)
    other = inputs / "pages" / sorted(os.listdir(inputs / "pages"))[1]
    other.write_bytes(other.read_bytes().replace(b"district", b"region"))
    assert "1 records written, 11 unchanged, 1 replaced" in _clean(inputs, out)

    # a row removed from the folder since: its input is cleaned again and written
    part = next(p for p in out.glob("part-*.parquet") if pq.read_table(p).num_rows)
    gone = pq.read_table(part).column("id")[0].as_py()
    rewrite_part(part, drop={gone})
    assert "1 records written, 11 unchanged" in _clean(inputs, out)


def _rows(out: Path) -> dict[str, dict[str, object]]:
    """Every row in ``out`` by id, without the time it was cleaned."""
    rows = pq.read_table(out, schema=SCHEMA).to_pylist()
    return {r["id"]: {k: v for k, v in r.items() if k != "cleaned_at"} for r in rows}


def test_texts_kept_from_the_statistics_pass_give_the_rows_a_second_read_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # newsclean clean keeps the texts its statistics pass read (KeptTexts) and cleans them
    # without reading their files again: the rows must be those of a run that reads again,
    # also for a file that changed between the two passes (read again, not taken as kept)
    from pipelines.batch.inputs import discover
    from pipelines.batch.run import CleanOptions, KeptTexts, build_batch_stats, run_batch
    from pipelines.rulefiles import load_ruleset

    inputs = tmp_path / "in"
    make_inputs(inputs, pages=2, dumps=8)
    items, errors = discover([str(inputs)])
    assert not errors
    options, ruleset = CleanOptions(), load_ruleset()

    def run(out: Path, kept: KeptTexts | None) -> dict[str, dict[str, object]]:
        stats = build_batch_stats(items, options, None, kept=kept)
        summary = run_batch(items, out, options, 1, stats, ruleset, progress=False, kept=kept)
        assert summary.errors == 0 and summary.written == 10
        return _rows(out)

    from pipelines.batch import run as batch_run

    reads: list[str] = []
    read_bytes = batch_run.read_bytes
    monkeypatch.setattr(
        batch_run, "read_bytes", lambda path, *a: reads.append(path.suffix) or read_bytes(path, *a)
    )
    kept = KeptTexts()
    with_kept = run(tmp_path / "kept", kept)
    # each dump read once (by the statistics pass), the pages by the cleaning pass
    assert sorted(reads) == [".html"] * 2 + [".txt"] * 8
    assert not kept.texts  # every kept text was taken by the cleaning pass
    assert with_kept == run(tmp_path / "read", None)
    # a budget for some of the texts: the others are read again
    sizes = sorted(sys.getsizeof(p.read_text(encoding="utf-8")) for p in (inputs / "dumps").iterdir())
    reads.clear()
    assert run(tmp_path / "some", KeptTexts(budget=sum(sizes[:3]))) == with_kept
    assert 8 < reads.count(".txt") < 16
    monkeypatch.undo()

    # a dump changed after the statistics pass: cleaned from what the file holds now
    dump = sorted((inputs / "dumps").iterdir())[0]
    kept = KeptTexts()
    stats = build_batch_stats(items, options, None, kept=kept)
    assert dump in kept.texts
    dump.write_text(dump.read_text(encoding="utf-8").replace("district", "province"), encoding="utf-8")
    outs = {}
    for name, holder in (("changed-kept", kept), ("changed-read", None)):
        run_batch(items, tmp_path / name, options, 1, stats, ruleset, progress=False, kept=holder)
        outs[name] = _rows(tmp_path / name)
    assert outs["changed-kept"] == outs["changed-read"]
    texts = [r["text"] for r in outs["changed-kept"].values() if Path(str(r["source"])).name == dump.name]
    assert len(texts) == 1 and "province" in str(texts[0])
