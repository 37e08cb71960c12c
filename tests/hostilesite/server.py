"""A hostile news site on 127.0.0.1 for the crawler's guard tests and benchmark.

Everything is generated here.  Next to a few good articles (they must all be
written), the site serves what a crawler meets on the worst of the web:

* sitemaps: an entity-expansion ("billion laughs") sitemap, a sitemap index that
  lists itself, an endless calendar of sitemap indexes (each day lists the next
  day and the next month), gzip bombs (``Content-Encoding: gzip`` and a
  ``.xml.gz`` body: a few MB compressed, 2 GiB expanded, generated while sent),
  child sitemaps on ``file://``, ``ftp://``, other loopback ports and private
  addresses, and a redirect to the cloud metadata address;
* feeds: one with an external entity (XXE) that points at a local file, one cut
  off in the middle (its first items are good), one that is not XML at all;
* pages: larger than the size limit (with and without Content-Length), a gzip
  bomb, one that trickles a byte a second, a redirect loop, an endless redirect
  chain, redirects to ``file://`` and to private addresses, a PDF and a PNG under
  ``.html`` names (declared, and a PDF that claims to be HTML), two good articles
  whose declared charset lies;
* robots.txt: malformed (binary junk, typos, an overlong line), or, with
  ``huge_robots``, 1 MB long (a Disallow line at its start, and past 512 KiB one that
  disallows every article, and a Sitemap line).

:class:`Trap` is a second server (another loopback port) that the hostile
sitemaps point at: a crawl must never connect to it.  Every request path of the
site is recorded in :attr:`HostileSite.requests`; the trap counts connections.

Run it by hand: ``python -m tests.hostilesite.server --port 8001``.
"""

from __future__ import annotations

import argparse
import functools
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.newssite.server import article_html

MB = 1 << 20
BOMB_MB = 2048  # expanded size of each gzip bomb: 2 GiB
BIG_PAGE_MB = 12  # above the crawler's 10 MiB page limit
PRIVATE = [
    "http://10.1.2.3/sitemap.xml",
    "http://192.168.0.10/sitemap.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{trap}/sitemap.xml",
    "http://localhost:{trap}/sitemap.xml",
    "http://127.0.0.1:{trap}/sitemap.xml",
    "http://127.0.0.2:{trap}/sitemap.xml",
    "ftp://127.0.0.1:{trap}/sitemap.xml",
]
# Page URLs of the site itself that must never become records (besides the trap URLs).
HOSTILE_PAGES = [
    "/news/big.html",
    "/news/big-unsized.html",
    "/news/bomb.html",
    "/news/slow.html",
    "/news/doc.html",
    "/news/photo.html",
    "/news/lying-pdf.html",
    "/loop/a",
    "/redirect/1",
    "/news/to-file.html",
    "/news/to-metadata.html",
    "/news/to-trap.html",
    "/private/secret.html",
]
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n" + b"0" * 4000 + b"\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(4000)


def urlset(locs: list[str], lastmod: str | None = None) -> bytes:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    items = "".join(f"<url><loc>{u}</loc>{mod}</url>" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    ).encode()


def sitemap_index(locs: list[str], lastmod: str | None = None) -> bytes:
    mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    items = "".join(f"<sitemap><loc>{u}</loc>{mod}</sitemap>" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    ).encode()


def rss(items: list[str], doctype: str = "") -> bytes:
    body = "".join(f"<item><title>Story</title><link>{u}</link></item>" for u in items)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{doctype}<rss version="2.0"><channel>'
        f"<title>Hostile Gazette</title>{body}</channel></rss>"
    ).encode()


def billion_laughs() -> bytes:
    """A sitemap whose one entity expands to 10**9 'lol's (3 GB) if a parser lets it."""
    decls = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol;" if i == 1 else f"&lol{i - 1};") * 10}">' for i in range(1, 10)
    )
    return (
        f'<?xml version="1.0"?><!DOCTYPE urlset [{decls}]>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        "<url><loc>&lol9;</loc></url></urlset>"
    ).encode()


BOMB_PREFIX = b'<?xml version="1.0"?><urlset><url><loc>http://127.0.0.1/<html><body><p>'


@functools.cache
def _bomb_parts(prefix: bytes = BOMB_PREFIX) -> tuple[bytes, bytes, bytes, int]:
    """Deflate blocks of a gzip bomb: the first MB (``prefix`` and spaces), one block that
    stands for every further MB of spaces (after a full flush the compressor's output for
    the same input repeats), the end, and the CRC-32 of the whole expanded body (computed
    once per process: about a second)."""
    spaces = b" " * MB
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first_raw = prefix + spaces[len(prefix) :]
    first = comp.compress(first_raw) + comp.flush(zlib.Z_FULL_FLUSH)
    block = comp.compress(spaces) + comp.flush(zlib.Z_FULL_FLUSH)
    end = comp.flush(zlib.Z_FINISH)
    crc = zlib.crc32(first_raw)
    for _ in range(BOMB_MB - 1):
        crc = zlib.crc32(spaces, crc)
    return first, block, end, crc


def gzip_bomb() -> tuple[int, Iterator[bytes]]:
    """(compressed length, chunks) of a valid gzip file expanding to BOMB_MB MiB: 2 MB on
    the wire, produced chunk by chunk (never more than one MB of it in memory)."""
    first, block, end, crc = _bomb_parts()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, (BOMB_MB * MB) & 0xFFFFFFFF)
    length = len(header) + len(first) + len(block) * (BOMB_MB - 1) + len(end) + len(trailer)

    def chunks() -> Iterator[bytes]:
        yield header + first
        batch = block * 256
        for _ in range((BOMB_MB - 1) // 256):
            yield batch
        yield block * ((BOMB_MB - 1) % 256)
        yield end + trailer

    return length, chunks()


def _day(d: date) -> str:
    return d.isoformat()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the crawler hangs up on bombs and trickles: that is the point


class Trap:
    """A server the crawl must never reach: it counts every connection made to it."""

    def __init__(self) -> None:
        self.connections = 0
        trap = self

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def verify_request(self, request: Any, client_address: Any) -> bool:
                trap.connections += 1
                return False  # close at once: nothing is served

        self._httpd = Server(("127.0.0.1", 0), BaseHTTPRequestHandler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def __enter__(self) -> Trap:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class HostileSite:
    """The hostile site in a background thread; a context manager.

    ``trap_port``: the port of a :class:`Trap` the hostile links point at.
    ``secret``: a local file the XXE feed's entity names (its text must never show up).
    ``file_sitemap``: a local sitemap file the index lists as ``file://`` (it lists a
    page of this site, ``/leaked-via-file``, which must never be requested).
    ``huge_robots``: serve a 1 MB robots.txt and only good articles, and one that its first
    line disallows (a second site).
    """

    def __init__(
        self,
        trap_port: int,
        secret: Path,
        file_sitemap: Path,
        huge_robots: bool = False,
        good: int = 6,
        first_id: int = 500,
    ):
        self.requests: list[str] = []
        self._lock = threading.Lock()
        self.trap_port = trap_port
        self.secret = secret
        self.huge_robots = huge_robots
        self._httpd = _QuietServer(("127.0.0.1", 0), self._handler())
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        _bomb_parts()  # before any request: a bomb's first byte must not wait for its CRC
        self.today = datetime.now(timezone.utc).date()
        self.first_id = first_id
        self.good = good
        file_sitemap.write_bytes(urlset([f"{self.base}/leaked-via-file"]))
        self.file_sitemap = file_sitemap
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    # What a test checks against
    def good_paths(self) -> set[str]:
        """Paths of the articles a crawl must write."""
        paths = {f"/news/good-{i}" for i in range(self.good)}
        if not self.huge_robots:
            paths |= {"/news/feed-good-0", "/news/feed-good-1"}  # from the truncated feed
            paths |= {"/news/charset-latin1", "/news/charset-utf8"}
        return paths

    def paths(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> HostileSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    # Content
    def _trapped(self, template: str) -> str:
        return template.format(trap=self.trap_port)

    def _article(self, path: str, k: int) -> bytes:
        published = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=k)
        return article_html(self.first_id + k, published, self.base + path).encode()

    def _static(self, path: str) -> tuple[int, dict[str, str], bytes] | None:  # noqa: PLR0911
        base = self.base
        xml = {"Content-Type": "application/xml"}
        good = [f"{base}/news/good-{i}" for i in range(self.good)]
        if path == "/robots.txt":
            if self.huge_robots:  # 1 MB: what lies past the first 512 KiB must not count
                lines = "".join(f"Disallow: /archive/{i:07d}/\n" for i in range(MB // 24))
                late = f"Disallow: /news/\nSitemap: {base}/sitemaps/late.xml\n"
                text = f"User-agent: *\nDisallow: /news/blocked-early\n{lines}{late}"
                return 200, {"Content-Type": "text/plain"}, text.encode()
            junk = (
                b"\xef\xbb\xbf\x00\xff\xfe garbage \x89PNG\n"
                b"User-agent: *\nDisalow: /typo/\nDisallow: /private/\n"
                b"Crawl-delay: soon\nAllow /no-colon\n" + b"X" * 100_000 + b"\n"
                b"Sitemap: " + f"{base}/sitemap_index.xml".encode() + b"\n"
                b"Sitemap: file:///etc/passwd\n"
                b"Sitemap: http://169.254.169.254/latest/meta-data/robots\n"
            )
            return 200, {"Content-Type": "text/plain"}, junk
        if path == "/sitemap.xml":
            if self.huge_robots:
                return 200, xml, urlset([*good, f"{base}/news/blocked-early"])
            return None
        if path == "/sitemap_index.xml":
            sources = [
                f"{base}/sitemaps/good.xml",
                f"{base}/sitemaps/laughs.xml",
                f"{base}/sitemaps/self.xml",
                f"{base}/sitemaps/bomb.xml",
                f"{base}/sitemaps/bomb.xml.gz",
                f"{base}/cal/{_day(self.today)}.xml",
                f"{base}/feeds/xxe.xml",
                f"{base}/feeds/truncated.xml",
                f"{base}/feeds/malformed.xml",
                f"{base}/sitemaps/to-metadata.xml",
                self.file_sitemap.as_uri(),
                *(self._trapped(u) for u in PRIVATE),
            ]
            return 200, xml, sitemap_index(sources)
        if path == "/sitemaps/good.xml":
            pages = [
                *good,
                f"{base}/news/charset-latin1",
                f"{base}/news/charset-utf8",
                *(base + p for p in HOSTILE_PAGES),
                "file:///etc/passwd",
                *(self._trapped(u).replace("sitemap.xml", "news/x.html") for u in PRIVATE),
            ]
            return 200, xml, urlset(pages)
        if path == "/sitemaps/laughs.xml":
            return 200, xml, billion_laughs()
        if path == "/sitemaps/self.xml":
            return 200, xml, sitemap_index([f"{base}/sitemaps/self.xml"])
        if path == "/feeds/xxe.xml":
            doctype = f'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "{self.secret.as_uri()}">]>'
            return (
                200,
                {"Content-Type": "application/rss+xml"},
                rss([f"{base}/news/xxe-&xxe;"], doctype),
            )
        if path == "/feeds/truncated.xml":
            body = rss([f"{base}/news/feed-good-0", f"{base}/news/feed-good-1"] + good[:2])
            return 200, {"Content-Type": "application/rss+xml"}, body[: body.rindex(b"<item>") + 9]
        if path == "/feeds/malformed.xml":
            return 200, {"Content-Type": "application/rss+xml"}, b"\x00\x01<<<rss>>> \xff" * 50
        if path.startswith("/news/good-"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self._article(path, 1)
        if path.startswith("/news/feed-good-"):
            return 200, {"Content-Type": "text/html; charset=utf-8"}, self._article(path, 2)
        if path == "/news/charset-latin1":  # says UTF-8, is windows-1252
            page = self._article(path, 3).decode().replace("<p>", "<p>Caf\u00e9 society: ", 1)
            return 200, {"Content-Type": "text/html; charset=utf-8"}, page.encode("cp1252")
        if path == "/news/charset-utf8":  # says ISO-8859-1, is UTF-8
            page = self._article(path, 4).decode().replace("<p>", "<p>Caf\u00e9 society: ", 1)
            page = page.replace('charset="utf-8"', 'charset="iso-8859-1"')
            return 200, {"Content-Type": "text/html; charset=iso-8859-1"}, page.encode()
        if path == "/news/doc.html":
            return 200, {"Content-Type": "application/pdf"}, PDF
        if path == "/news/photo.html":
            return 200, {"Content-Type": "image/png"}, PNG
        if path == "/news/lying-pdf.html":
            return 200, {"Content-Type": "text/html"}, PDF
        if path == "/private/secret.html":
            return 200, {"Content-Type": "text/html"}, self._article(path, 5)
        if path == "/loop/a":
            return 302, {"Location": "/loop/b"}, b""
        if path == "/loop/b":
            return 302, {"Location": "/loop/a"}, b""
        if path.startswith("/redirect/"):
            return 302, {"Location": f"/redirect/{int(path.rsplit('/', 1)[1]) + 1}"}, b""
        if path == "/news/to-file.html":
            return 302, {"Location": "file:///etc/passwd"}, b""
        if path in ("/news/to-metadata.html", "/sitemaps/to-metadata.xml"):
            return 302, {"Location": f"http://169.254.169.254/latest/meta-data{path}"}, b""
        if path == "/news/to-trap.html":
            return 302, {"Location": f"http://127.0.0.1:{self.trap_port}/redirected.html"}, b""
        if path.startswith("/cal/"):  # every day lists the next day and the same day next month
            day = date.fromisoformat(path[5:15])
            nxt = [day + timedelta(days=1), day + timedelta(days=31)]
            return (
                200,
                xml,
                sitemap_index([f"{base}/cal/{_day(d)}.xml" for d in nxt], lastmod=_day(self.today)),
            )
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append(self.path)
                path = urlsplit(self.path).path
                try:
                    self._serve(path)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the crawler hung up: what the guards do

            def _serve(self, path: str) -> None:
                if path in ("/news/bomb.html", "/sitemaps/bomb.xml"):
                    ctype = "text/html" if path.endswith("html") else "application/xml"
                    length, chunks = gzip_bomb()
                    self._stream(length, chunks, ctype, {"Content-Encoding": "gzip"})
                    return
                if path == "/sitemaps/bomb.xml.gz":
                    length, chunks = gzip_bomb()
                    self._stream(length, chunks, "application/x-gzip")
                    return
                if path in ("/news/big.html", "/news/big-unsized.html"):
                    filler = b"<p>" + b"all work and no play " * 3000 + b"</p>\n"
                    n = BIG_PAGE_MB * MB // len(filler) + 1
                    sized = path == "/news/big.html"
                    self._stream(len(filler) * n if sized else None, (filler for _ in range(n)))
                    return
                if path == "/news/slow.html":
                    body = self._slow_body()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    for i in range(len(body)):
                        self.wfile.write(body[i : i + 1])
                        self.wfile.flush()
                        time.sleep(1.0)
                    return
                page = site._static(path)
                if page is None:
                    self._send(404, {"Content-Type": "text/plain"}, b"not found")
                    return
                self._send(*page)

            def _slow_body(self) -> bytes:
                return site._article("/news/slow.html", 6)[:600]

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(
                self,
                length: int | None,
                chunks: Iterator[bytes],
                ctype: str = "text/html",
                headers: dict[str, str] | None = None,
            ) -> None:
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                if length is None:
                    self.send_header("Connection", "close")  # the body ends when we close
                    self.close_connection = True
                else:
                    self.send_header("Content-Length", str(length))
                self.end_headers()
                for chunk in chunks:
                    self.wfile.write(chunk)

        return Handler


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="(ignored: a free port is used)")
    parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    (tmp / "secret.txt").write_text("TOP-SECRET-TOKEN\n")
    with Trap() as trap, HostileSite(trap.port, tmp / "secret.txt", tmp / "local.xml") as site:
        print(f"serving {site.base}/ (trap on port {trap.port}; Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
