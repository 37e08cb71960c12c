"""The crawler's WARC records: the bytes warcio writes for the same response, readable back."""

from __future__ import annotations

import gzip
import io
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipelines.store.warc import response_record

FETCHED = datetime(2026, 5, 6, 7, 8, 9, tzinfo=timezone(timedelta(hours=2)))
TRANSFER = {"content-encoding", "transfer-encoding", "content-length"}


def warcio_record(
    url: str, status: int, headers: list[tuple[str, str]], body: bytes, fetched_at: datetime
) -> bytes:
    """The record as warcio's writer makes it (uncompressed): the reference."""
    http_headers = [(k, v) for k, v in headers if k.lower() not in TRANSFER]
    http_headers.append(("Content-Length", str(len(body))))
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False, warc_version="1.1")
    record = writer.create_warc_record(
        url,
        "response",
        payload=io.BytesIO(body),
        length=len(body),
        http_headers=StatusAndHeaders(str(status), http_headers, protocol="HTTP/1.1"),
        warc_headers_dict={
            "WARC-Date": fetched_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        },
    )
    writer.write_record(record)
    return buf.getvalue()


CASES = [
    ("https://news.example/a/1.html", 200, [("Content-Type", "text/html")], b"<p>one</p>" * 5000),
    (
        "https://news.example/b?x=1&y=%C3%A9",
        200,
        [
            ("Content-Type", "text/html; charset=iso-8859-1"),
            ("Content-Encoding", "gzip"),
            ("Content-Length", "12"),
            ("Set-Cookie", "a=1"),
            ("Set-Cookie", "b=2"),
        ],
        "<p>caf\u00e9</p>".encode("latin-1"),
    ),
    # a header value Scrapy decoded as latin-1 with bytes past ASCII: %-encoded by warcio
    ("https://news.example/c", 203, [("X-Title", "Gr\u00fc\u00dfe \u00e0 tous")], b""),
    ("https://n\u00e9ws.example/\u65b0\u805e", 200, [], b"\x00\xff" * 1000),
]


@pytest.mark.parametrize(("url", "status", "headers", "body"), CASES)
def test_record_is_the_one_warcio_writes(
    url: str,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fixed = uuid.UUID("12345678-1234-5678-1234-567812345678")
    monkeypatch.setattr(uuid, "uuid4", lambda: fixed)
    ours = gzip.decompress(response_record(url, status, list(headers), body, FETCHED))
    assert ours == warcio_record(url, status, list(headers), body, FETCHED)


def test_record_reads_back_with_its_digests_checked() -> None:
    body = b"<html><body><p>A paragraph.</p></body></html>" * 300
    data = response_record(
        "https://news.example/d", 200, [("Content-Type", "text/html")], body, FETCHED
    )
    seen = []
    for record in ArchiveIterator(io.BytesIO(data), check_digests="raise"):
        seen.append(
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Target-URI"),
                record.rec_headers.get_header("WARC-Date"),
                record.http_headers.get_statuscode(),
                record.content_stream().read(),
            )
        )
        assert record.digest_checker.passed is not False
    assert seen == [("response", "https://news.example/d", "2026-05-06T05:08:09Z", "200", body)]
