"""A re-run does not clean again the inputs whose rows are in the folder, cleaned the same
way (pipelines/batch/resume.py): so the run after a killed one resumes where it stopped."""

from __future__ import annotations

import os
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
