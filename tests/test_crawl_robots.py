"""robots.txt is obeyed by every request of a run, also those queued before it was read."""

from __future__ import annotations

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
