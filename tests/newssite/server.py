"""A small news site on 127.0.0.1 for the crawler's tests and benchmark.

Everything is generated here (no publisher's HTML): ``n`` article pages with
navigation, a share bar, related links and a footer around the body; a section
front and a tag listing; robots.txt with a disallowed path and a Crawl-delay; a
sitemap index with a Google News sitemap; an RSS feed whose links carry ``utm_``
parameters; a 404, a 500 that succeeds on retry, and a redirect (``busy_at=k``: the k-th
article request is answered 429 with ``Retry-After: 2``).  With ``copies=k`` the
first ``k`` stories are served again: as a print version under a second URL (other page
furniture, its own canonical URL, published an hour later), and as a wire copy on a second
host, ``localhost`` (another publisher's furniture and an agency line, published two hours
later), which has its own robots.txt and sitemap.  Sitemaps, the
feed and the front page answer conditional GETs with 304.  Every request path is
recorded in :attr:`NewsSite.requests`.

Run it by hand: ``python -m tests.newssite.server --articles 50 --port 8000``.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

TOPICS = [
    "harbour",
    "council",
    "railway",
    "library",
    "orchard",
    "bridge",
    "festival",
    "clinic",
    "school",
    "market",
    "river",
    "museum",
    "ferry",
    "stadium",
    "forest",
    "airport",
]
VERBS = [
    "reopened",
    "was rebuilt",
    "won new funding",
    "faced delays",
    "drew record crowds",
    "changed hands",
    "was inspected",
    "got a new director",
]
SENTENCES = [
    "Officials said the work had taken longer than planned because of the wet winter.",
    "Residents who spoke at the meeting asked for clearer timetables and fewer closures.",
    "The budget for the coming year sets aside money for repairs and for two new posts.",
    "A spokesperson confirmed that the figures would be published in full next month.",
    "Local traders reported that footfall rose sharply in the weeks after the announcement.",
    "Engineers expect the remaining stages to be finished before the end of the summer.",
    "Opposition members questioned whether the savings promised last year were real.",
    "Volunteers have organised guided walks so that visitors can see the changes first hand.",
    "Figures released on Tuesday show the number of daily users has doubled since spring.",
    "The regional authority said it would review the decision after a public consultation.",
]
NAV = (
    '<nav class="site-nav"><a href="/">Home</a> <a href="/section/politics">Politics</a> '
    '<a href="/section/business">Business</a> <a href="/tag/economy">Economy</a> '
    '<a href="/about">About us</a></nav>'
)
FOOTER = (
    "<footer><p>Copyright 2026 The Example Gazette. All rights reserved.</p>"
    '<p><a href="/privacy">Privacy policy</a> | <a href="/terms">Terms of use</a></p></footer>'
)
SHARE = (
    '<div class="share-bar">Share this article: <a href="#">Facebook</a> '
    '<a href="#">Twitter</a> <a href="#">Email</a></div>'
)


def slug(i: int) -> str:
    return f"story-{i}-{TOPICS[i % len(TOPICS)]}"


def headline(i: int) -> str:
    return f"The {TOPICS[i % len(TOPICS)]} {VERBS[i % len(VERBS)]} in district {i}"


def article_body(i: int, paragraphs: int = 6) -> list[str]:
    """Paragraphs unique to article ``i`` (the number and rotation differ per article)."""
    out = []
    for p in range(paragraphs):
        a = SENTENCES[(i + p) % len(SENTENCES)]
        b = SENTENCES[(i * 3 + p + 1) % len(SENTENCES)]
        out.append(
            f"In district {i}, report {p + 1}: {a} {b} "
            f"The {TOPICS[(i + p) % len(TOPICS)]} project number {i * 10 + p} continues."
        )
    return out


def page_weight(extra_kb: int) -> str:
    """Filler like the menus and scripts of real pages: ``extra_kb`` KB of markup."""
    if not extra_kb:
        return ""
    links = "".join(f'<li><a href="/section/s{k}">Section {k}</a></li>' for k in range(40))
    menu = f'<nav class="mega-menu"><ul>{links}</ul></nav>'
    script = (
        "<script>var cfg = {"
        + ",".join(f'"k{k}": {k}' for k in range(extra_kb * 60))
        + "};</script>"
    )
    return menu + script


def article_html(i: int, published: datetime, path: str, extra_kb: int = 0) -> str:
    paras = "".join(f"<p>{t}</p>" for t in article_body(i))
    related = "".join(
        f'<li><a href="/news/{slug(j)}">{headline(j)}</a></li>' for j in (i + 1, i + 2, i + 3)
    )
    iso = published.isoformat()
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline(i)} | '
        f'The Example Gazette</title><meta property="og:type" content="article">'
        f'<meta property="og:title" content="{headline(i)}">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<link rel="canonical" href="{path}">'
        f'<script type="application/ld+json">{{"@type": "NewsArticle", "headline": '
        f'"{headline(i)}", "datePublished": "{iso}"}}</script></head><body>'
        f"<header><h2>The Example Gazette</h2>{NAV}{page_weight(extra_kb)}</header>"
        f'<main><article><h1>{headline(i)}</h1><p class="byline">By Staff Reporter, {iso[:10]}</p>'
        f"{SHARE}{paras}{SHARE}</article>"
        f'<aside class="related"><h3>Related stories</h3><ul>{related}</ul></aside></main>'
        f"{FOOTER}</body></html>"
    )


def print_html(i: int, published: datetime, url: str) -> str:
    """Story ``i`` in the print layout: no navigation or share bar, another footer."""
    paras = "".join(f"<p>{t}</p>" for t in article_body(i))
    iso = published.isoformat()
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline(i)} '
        f'(print)</title><meta property="og:type" content="article">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<link rel="canonical" href="{url}"></head><body class="print">'
        f'<div class="print-header">Printed from The Example Gazette</div>'
        f'<article><h1>{headline(i)}</h1><p class="byline">By Staff Reporter, {iso[:10]}</p>'
        f"{paras}</article><p class=\"print-footer\">Printed on {iso[:10]}. Reproduction for "
        f"personal use only.</p></body></html>"
    )


def wire_html(i: int, published: datetime, url: str) -> str:
    """Story ``i`` as another publisher runs the agency copy: its own header, menus and footer,
    an agency line at the top of the body."""
    paras = "".join(f"<p>{t}</p>" for t in article_body(i))
    iso = published.isoformat()
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{headline(i)} - '
        f'Valley Courier</title><meta property="og:type" content="article">'
        f'<meta property="og:title" content="{headline(i)}">'
        f'<meta property="article:published_time" content="{iso}">'
        f'<link rel="canonical" href="{url}"></head><body>'
        f'<header><div class="logo">Valley Courier</div><nav><a href="/">Front page</a> '
        f'<a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>'
        f'<div class="content"><h1>{headline(i)}</h1><p class="agency">By Example Wire '
        f"Service</p>{paras}</div>"
        f'<div class="more"><h4>Most read</h4><a href="/sport">Cup final tickets</a></div>'
        f"<footer>Valley Courier Ltd, registered office 1 Mill Lane.</footer></body></html>"
    )


def listing_html(title: str, ids: list[int]) -> str:
    items = "".join(
        f'<li><a href="/news/{slug(i)}"><h3>{headline(i)}</h3></a><p>Read more.</p></li>'
        for i in ids
    )
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title} | '
        f'The Example Gazette</title><meta property="og:type" content="website">'
        f'<link rel="alternate" type="application/rss+xml" title="Latest" href="/feed.xml">'
        f"</head><body><header><h2>The Example Gazette</h2>{NAV}</header>"
        f'<main><h1>{title}</h1><ul class="teasers">{items}</ul></main>{FOOTER}</body></html>'
    )


@dataclass
class SiteContent:
    """What the site serves, built once so that the bodies (and ETags) are stable."""

    base: str
    n: int
    crawl_delay: float = 0.1
    extra_kb: int = 0
    bodies: list[bytes] | None = None  # real pages to serve as articles (benchmarks)
    copies: int = 0  # stories also served as a print version and a wire copy (see above)
    now: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    pages: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    wire: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)  # host localhost

    @property
    def wire_base(self) -> str:
        return self.base.replace("127.0.0.1", "localhost")

    def date(self, i: int) -> datetime:
        return (self.now - timedelta(minutes=7 * i)).replace(microsecond=0)

    def build(self) -> None:
        base = self.base
        add = self._add
        robots = "User-agent: *\nDisallow: /private/\n"
        if self.crawl_delay:
            robots += f"Crawl-delay: {self.crawl_delay}\n"
        robots += f"Sitemap: {base}/sitemap_index.xml\n"
        add("/robots.txt", robots, "text/plain")
        add(
            "/sitemap_index.xml",
            _urlset_index([f"{base}/sitemaps/news.xml", f"{base}/sitemaps/pages.xml"]),
            "application/xml",
        )
        news_ids = [i for i in range(self.n) if i % 5 != 4]  # every 5th article: feed only
        entries = [(f"{base}/news/{slug(i)}", self.date(i), headline(i)) for i in news_ids]
        hour = timedelta(hours=1)
        entries += [
            (f"{base}/print/{slug(i)}", self.date(i) + hour, headline(i)) for i in range(self.copies)
        ]
        entries.append((f"{base}/private/{slug(self.n)}", self.date(1), "Private"))
        entries.append((f"{base}/old/{slug(self.n + 1)}", self.date(2), "Moved"))  # 301
        add("/sitemaps/news.xml", _news_sitemap(entries), "application/xml")
        others = [
            f"{base}/section/politics",
            f"{base}/tag/economy",
            f"{base}/news/missing-story",
            f"{base}/news/{slug(self.n + 2)}",
        ]  # the last one answers 500 once
        add("/sitemaps/pages.xml", _urlset(others), "application/xml")
        feed_ids = [i for i in range(self.n) if i % 5 == 4 or i < 3]
        add("/feed.xml", _rss(base, [(i, self.date(i)) for i in feed_ids]), "application/rss+xml")
        add("/", listing_html("Latest news", list(range(min(self.n, 20)))), "text/html")
        add(
            "/section/politics",
            listing_html("Politics", list(range(0, min(self.n, 40), 2))),
            "text/html",
        )
        add(
            "/tag/economy", listing_html("Economy", list(range(1, min(self.n, 40), 2))), "text/html"
        )
        for i in range(self.n + 3):
            path = f"/news/{slug(i)}"
            if self.bodies:
                self.pages[path] = (200, "text/html", self.bodies[i % len(self.bodies)])
                continue
            add(path, article_html(i, self.date(i), base + path, self.extra_kb), "text/html")
        for i in range(self.copies):
            path = f"/print/{slug(i)}"
            add(path, print_html(i, self.date(i) + hour, base + path), "text/html")
        if self.copies:
            self._build_wire()
        add(
            f"/private/{slug(self.n)}",
            article_html(self.n, self.date(1), f"{base}/private/{slug(self.n)}"),
            "text/html",
        )

    def _build_wire(self) -> None:
        base = self.wire_base
        urls = [f"{base}/wire/{slug(i)}" for i in range(self.copies)]
        dates = [self.date(i) + timedelta(hours=2) for i in range(self.copies)]
        robots = f"User-agent: *\nCrawl-delay: {self.crawl_delay}\nSitemap: {base}/sitemap.xml\n"
        self.wire["/robots.txt"] = (200, "text/plain", robots.encode())
        sitemap = _news_sitemap([(u, d, headline(i)) for i, (u, d) in enumerate(zip(urls, dates, strict=True))])
        self.wire["/sitemap.xml"] = (200, "application/xml", sitemap.encode())
        for i, (url, date) in enumerate(zip(urls, dates, strict=True)):
            self.wire[urlsplit(url).path] = (200, "text/html", wire_html(i, date, url).encode())

    def _add(self, path: str, text: str, ctype: str) -> None:
        self.pages[path] = (200, ctype, text.encode("utf-8"))


def _urlset_index(locs: list[str]) -> str:
    items = "".join(f"<sitemap><loc>{u}</loc></sitemap>" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


def _urlset(locs: list[str]) -> str:
    items = "".join(f"<url><loc>{u}</loc></url>" for u in locs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'
    )


def _news_sitemap(entries: list[tuple[str, datetime, str]]) -> str:
    items = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication><news:name>The Example Gazette"
        f"</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{d.isoformat()}</news:publication_date>"
        f"<news:title>{t}</news:title></news:news></url>"
        for u, d, t in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{items}</urlset>'
    )


def _rss(base: str, items: list[tuple[int, datetime]]) -> str:
    body = "".join(
        f"<item><title>{headline(i)}</title>"
        f"<link>{base}/news/{slug(i)}?utm_source=rss&amp;utm_medium=feed&amp;utm_campaign=x{i}</link>"
        f"<pubDate>{d.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate></item>"
        for i, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>The Example Gazette</title><link>{base}/</link>{body}</channel></rss>"
    )


_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)


def _own_canonical(body: bytes, url: str) -> bytes:
    """A served copy of a real page that declares ``url`` as its canonical URL (the first
    one counts), so that pages served many times are as many articles, as in a crawl."""
    head = _HEAD.search(body, 0, 65536)
    at = head.end() if head else 0
    return body[:at] + f'<link rel="canonical" href="{url}">'.encode() + body[at:]


class NewsSite:
    """The site in a background thread.  Use as a context manager or start()/stop()."""

    def __init__(
        self,
        articles: int = 12,
        crawl_delay: float = 0.1,
        page_delay: float = 0.0,
        port: int = 0,
        extra_kb: int = 0,
        bodies: list[bytes] | None = None,
        refuse_articles: bool = False,
        copies: int = 0,
        busy_at: int = 0,
        robots_status: int = 200,
    ):
        self.requests: list[str] = []
        self.times: list[tuple[float, str]] = []  # (monotonic arrival time, path)
        self.articles_served = 0  # requests for /news/ pages (read by the benchmark)
        self.user_agents: set[str] = set()
        self.connections = 0  # TCP connections accepted
        self.page_delay = page_delay
        self.refuse_articles = refuse_articles  # answer 403 to every article, like a bot wall
        self.busy_at = busy_at  # the busy_at-th article request gets 429, Retry-After: 2
        self.robots_status = robots_status  # not 200: robots.txt answers it with an error page
        self.busy_answered: float | None = None  # when (monotonic) it was answered
        self._lock = threading.Lock()
        self._failed_once: set[str] = set()
        self._hold: tuple[int, threading.Event, float] | None = None  # see hold_articles
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.wire_base = self.base.replace("127.0.0.1", "localhost")
        self.content = SiteContent(self.base, articles, crawl_delay, extra_kb, bodies, copies)
        self.content.build()
        self.n = articles
        self._thread: threading.Thread | None = None

    # What a test checks against
    def article_paths(self) -> set[str]:
        """Paths of every article a crawl should write (not private, not the 404)."""
        # n + 1 is reached through the /old/ redirect, n + 2 after a 500; n is not listed.
        return {f"/news/{slug(i)}" for i in [*range(self.n), self.n + 1, self.n + 2]}

    def copy_urls(self) -> dict[str, str]:
        """Each copy's URL (``copies=k``) and the URL of the story it copies."""
        out = {}
        for i in range(self.content.copies):
            original = f"{self.base}/news/{slug(i)}"
            out[f"{self.base}/print/{slug(i)}"] = original
            out[f"{self.wire_base}/wire/{slug(i)}"] = original
        return out

    def hold_articles(self, after: int, timeout: float = 60.0) -> threading.Event:
        """Article requests past the ``after``-th wait (up to ``timeout`` s) until the
        returned event is set: a crawl that cannot finish before a test lets it."""
        release = threading.Event()
        self._hold = (after, release, timeout)
        return release

    def grow(self, k: int) -> None:
        """Publish ``k`` more articles: sitemaps and feed change (new ETags), old pages stay."""
        old = self.content
        self.n += k
        new = SiteContent(
            self.base, self.n, old.crawl_delay, old.extra_kb, old.bodies, old.copies
        )
        new.build()
        self.content = new

    def start(self) -> NewsSite:
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> NewsSite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def paths(self) -> list[str]:
        with self._lock:
            return list(self.requests)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:  # once per connection
                with site._lock:
                    site.connections += 1
                super().setup()

            def log_message(self, format: str, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                with site._lock:
                    site.requests.append(self.path)
                    site.times.append((time.monotonic(), self.path))
                    site.user_agents.add(self.headers.get("User-Agent", ""))
                    if self.path.startswith("/news/"):
                        site.articles_served += 1
                    served, hold = site.articles_served, site._hold
                if hold is not None and self.path.startswith("/news/") and served > hold[0]:
                    hold[1].wait(hold[2])
                path = urlsplit(self.path).path
                if path == "/robots.txt" and site.robots_status != 200:
                    self._send(site.robots_status, b"<html>unavailable</html>", "text/html")
                    return
                if site.busy_at and path.startswith("/news/") and served == site.busy_at:
                    self._send(429, b"slow down", "text/plain", {"Retry-After": "2"})
                    site.busy_answered = time.monotonic()
                    return
                if (self.headers.get("Host") or "").startswith("localhost:"):
                    wire = site.content.wire.get(path)  # the second host: wire copies only
                    if wire is None:
                        self._send(404, b"not found", "text/plain")
                    else:
                        self._send(wire[0], wire[2], wire[1] + "; charset=utf-8")
                    return
                if site.refuse_articles and path.startswith(("/news/", "/old/")):
                    self._send(403, b"Access denied", "text/plain")
                    return
                if path.startswith("/old/"):
                    self._send(301, b"", "text/plain", {"Location": "/news/" + path[5:]})
                    return
                if path == f"/news/{slug(site.n + 2)}":
                    with site._lock:
                        first = path not in site._failed_once
                        site._failed_once.add(path)
                    if first:
                        self._send(500, b"try again", "text/plain")
                        return
                page = site.content.pages.get(path)
                if page is None:
                    body = (
                        listing_html("Page not found", [])
                        .replace("<h1>Page not found</h1>", "<h1>404 Page not found</h1>")
                        .encode()
                    )
                    self._send(404, body, "text/html")
                    return
                status, ctype, body = page
                if path.startswith("/news/") and site.page_delay:
                    time.sleep(site.page_delay)
                cacheable = not path.startswith(("/news/", "/private/"))
                if not cacheable:
                    if site.content.bodies and path.startswith("/news/"):
                        body = _own_canonical(body, site.base + path)
                    self._send(status, body, ctype + "; charset=utf-8")
                    return
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self._send(304, b"", ctype, {"ETag": etag})
                    return
                self._send(status, body, ctype + "; charset=utf-8", {"ETag": etag})

            def _send(
                self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=12)
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--crawl-delay", type=float, default=0.1)
    args = parser.parse_args()
    site = NewsSite(args.articles, args.crawl_delay, port=args.port).start()
    print(f"serving {site.base}/ (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        site.stop()


if __name__ == "__main__":
    main()
