"""robots.txt is obeyed by every request of a run, also those queued before it was read."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.conftest import ROOT
from tests.newssite.server import NewsSite
from tests.test_crawl_e2e import crawl_cmd


def test_requests_queued_while_robots_txt_loads_are_checked_too(tmp_path: Path) -> None:
    # The site's robots.txt disallows /private/.  Several sources there are requested at
    # the start of the run, all waiting for robots.txt (as pending article URLs of a
    # killed run do): none may be fetched.
    with NewsSite(articles=4) as site:
        private = [f"{site.base}/private/feed-{k}.xml" for k in range(4)]
        done = subprocess.run(
            crawl_cmd(*private, site.base + "/", "-o", str(tmp_path / "out")),
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        fetched = [p for p in site.paths() if p.startswith("/private/")]
        assert "/robots.txt" in site.paths()
        assert fetched == []
        assert len([p for p in site.paths() if p.startswith("/news/")]) >= 4


def test_a_robots_txt_answered_with_a_server_error_disallows_the_whole_host(
    tmp_path: Path,
) -> None:
    # RFC 9309 2.3.1.4: an unreachable robots.txt (5xx) means complete disallow.  Read as
    # an empty robots.txt, the error page would let the crawl take everything.
    with NewsSite(articles=4, robots_status=503) as site:
        out = tmp_path / "out"
        done = subprocess.run(
            crawl_cmd(site.base + "/sitemap_index.xml", site.base + "/", "-o", str(out)),
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert "/robots.txt" in site.paths()
        assert [p for p in site.paths() if p != "/robots.txt"] == []
        summary = json.loads((out / "last-run.json").read_text())
        assert summary["guarded"] == {"robots_unavailable": 1}
        assert summary["articles_written"] == 0


def test_a_missing_robots_txt_allows_the_host(tmp_path: Path) -> None:
    # a 4xx robots.txt is "unavailable": the crawler may take any page (RFC 9309 2.3.1.3)
    with NewsSite(articles=4, robots_status=404) as site:
        out = tmp_path / "out"
        done = subprocess.run(
            crawl_cmd(site.base + "/sitemap_index.xml", "-o", str(out)),
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )
        assert done.returncode == 0, done.stderr
        summary = json.loads((out / "last-run.json").read_text())
        assert summary["articles_written"] >= 4
        assert "robots_unavailable" not in summary["guarded"]
