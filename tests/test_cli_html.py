"""`newsclean clean` on HTML files: articles written, non-articles counted, bad pages reported."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pyarrow.parquet as pq

from pipelines.store.parquet import SCHEMA
from tests.conftest import FIXTURES, run_cli


def test_html_folder_with_articles_non_articles_and_bad_pages(tmp_path: Path) -> None:
    src = tmp_path / "pages"
    src.mkdir()
    article = (FIXTURES / "html" / "article_widgets.html").read_bytes()
    (src / "story.html").write_bytes(article)
    (src / "story-copy.htm.gz").write_bytes(gzip.compress(article))
    shutil.copy(FIXTURES / "html" / "section_front.html", src / "front.html")
    (src / "report.html").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" * 20)
    (src / "api.html").write_bytes(b'{"items": [{"id": 1, "title": "not a page"}]}')
    (src / "logo.htm").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (src / "blank.html").write_bytes(b"   \n")
    out = tmp_path / "out"
    result = run_cli("clean", str(src), "-o", str(out), "-j", "2")
    assert result.returncode == 1
    errors = [ln for ln in result.stderr.splitlines() if ln.startswith("error:")]
    assert len(errors) == 4
    for name, words in [("report.html", "PDF"), ("api.html", "JSON"), ("logo.htm", "PNG"), ("blank.html", "empty")]:
        (line,) = [ln for ln in errors if name in ln]
        assert words in line
    summary = result.stderr.splitlines()[-1]
    assert "1 records written, 1 unchanged" in summary  # the .htm.gz copy has the same canonical id
    assert "1 not articles (not_article:" in summary
    rows = pq.read_table(out, schema=SCHEMA).to_pylist()
    assert len(rows) == 1
    (row,) = rows
    assert row["title"] and row["text"] and row["word_count"] > 50
    assert row["removed"] and all(r["rule_id"].count(".") == 2 for r in row["removed"])


def test_explain_on_an_html_page_lists_removed_blocks_with_rule_ids() -> None:
    result = run_cli("explain", str(FIXTURES / "html" / "article_widgets.html"))
    assert result.returncode == 0, result.stderr
    removed = [ln for ln in result.stdout.splitlines() if ln.startswith("- [")]
    kept = [ln for ln in result.stdout.splitlines() if ln.startswith("  ")]
    assert removed and kept
    assert all(ln[3 : ln.index("]")].count(".") == 2 for ln in removed)
