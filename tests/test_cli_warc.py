"""Re-cleaning archived pages: `newsclean clean` reads the WARC files the crawler writes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.store.parquet import SCHEMA
from pipelines.store.warc import WarcFileWriter
from tests.conftest import run_cli

PARAGRAPHS = [
    "The harbour authority approved a plan on Monday to dredge the northern channel before winter storms arrive.",
    "Engineers said the work would take six weeks and cost less than the repairs needed after last year's flooding.",
    "Fishermen who use the channel welcomed the decision but asked for the work to be done at night.",
    "The authority said it would publish a timetable once contractors had been appointed later this month.",
    "Local councillors have been pressing for the dredging since a cargo ship ran aground in the channel in March.",
]


def _article(title: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<html lang='en'><head><title>{title} | Harbour News</title>"
        f"<meta property='og:title' content='{title}'></head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{title}</h1>{body}"
        "<div class='newsletter-signup'><p>Sign up for our daily newsletter to get the news first.</p></div>"
        "</article><footer>© Harbour News 2024</footer></body></html>"
    ).encode()


def test_clean_reads_warc_archives_with_url_and_fetch_time(tmp_path: Path) -> None:
    fetched = datetime(2024, 5, 2, 8, 0, tzinfo=timezone.utc)
    writer = WarcFileWriter(tmp_path / "warc")
    for i in range(2):
        writer.write_response(f"https://harbour.example/news/story-{i}", 200,
                              [("Content-Type", "text/html; charset=utf-8")], _article(f"Dredging plan {i}"), fetched)
    path = writer.close()
    assert path is not None and path.name.endswith(".warc.gz")
    out = tmp_path / "out"
    result = run_cli("clean", str(tmp_path / "warc"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = pq.read_table(out, schema=SCHEMA).to_pylist()
    assert sorted(r["url"] for r in rows) == [f"https://harbour.example/news/story-{i}" for i in range(2)]
    for r in rows:
        assert r["fetched_at"] == fetched
        assert r["source"] == r["url"]
        assert PARAGRAPHS[0] in r["text"] and PARAGRAPHS[-1] in r["text"]
        assert "newsletter" not in r["text"]
    assert len({r["id"] for r in rows}) == 2


def test_a_truncated_warc_keeps_the_records_before_the_damage(tmp_path: Path) -> None:
    writer = WarcFileWriter(tmp_path / "warc")
    for i in range(3):
        writer.write_response(f"https://harbour.example/news/s{i}", 200, [("Content-Type", "text/html")],
                              _article(f"Story {i}"), datetime.now(timezone.utc))
    path = writer.close()
    assert path is not None
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.8)])
    out = tmp_path / "out"
    result = run_cli("clean", str(path), "-o", str(out))
    assert result.returncode == 1
    assert str(path.name) in result.stderr and "WARC" in result.stderr
    assert pq.read_table(out, schema=SCHEMA).num_rows == 2
