"""Site declarations for the crawler: a TOML file of ``[[site]]`` tables, or bare sources.

A site groups the sources the crawler starts from (site roots, sitemaps, feeds)
with what to keep (allowed / denied URL patterns), how to clean (extra rule
files, disabled rules), how old an article may be, and politeness overrides::

    [[site]]
    name = "example"
    sources = ["https://example.com/"]          # root, sitemap(s) or feed(s)
    allow = ["/news/"]                          # regexes searched in the URL
    deny = ["/live/", "\\?page="]
    rules = ["rules/example.toml"]              # relative to this file
    disable_rules = ["generic.promo.related"]
    max_age_days = 3
    download_delay = 1.0                        # seconds between requests
    concurrency = 2                             # parallel requests to its hosts

A top-level ``redis = "redis://HOST:PORT/DB"`` shares the crawl with other processes
(as ``newsclean crawl --redis``; see :func:`load_sites_file`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from courlan import extract_domain

from pipelines.rulefiles import read_config

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

_FIELDS = {
    "name",
    "sources",
    "allow",
    "deny",
    "rules",
    "disable_rules",
    "max_age_days",
    "download_delay",
    "concurrency",
}

_TOP_LEVEL = {"site", "redis"}
REDIS_SCHEMES = ("redis", "rediss", "unix")


def _domain(url: str) -> str | None:
    """Registered domain (example.co.uk for news.example.co.uk); None for IPs and localhost."""
    try:
        return extract_domain(url)
    except (ValueError, TypeError):
        return None


class SitesError(ValueError):
    """The sites file or a command-line source is invalid; the message says where and why."""


@dataclass(frozen=True)
class Site:
    """One site to crawl and how."""

    name: str
    sources: tuple[str, ...]
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    disable_rules: tuple[str, ...] = ()
    max_age_days: float | None = None
    download_delay: float | None = None
    concurrency: int | None = None

    @property
    def hosts(self) -> tuple[str, ...]:
        """Host names of the sources: requests to other hosts are not followed."""
        seen: dict[str, None] = {}
        for src in self.sources:
            host = urlsplit(src).hostname
            if host:
                seen[host] = None
        return tuple(seen)

    @cached_property
    def _source_hosts(self) -> frozenset[str]:
        return frozenset(urlsplit(src).hostname or "" for src in self.sources)

    @cached_property
    def _source_domains(self) -> frozenset[str]:
        return frozenset(d for d in map(_domain, self.sources) if d is not None)

    def same_site(self, url: str) -> bool:
        """True if ``url`` is on the registered domain of one of the sources (so articles on
        www.example.com are followed from a sitemap on sitemaps.example.com)."""
        host = urlsplit(url).hostname or ""
        if host in self._source_hosts:
            return True
        domain = _domain(url)  # only when the host is not a source's (courlan is slow)
        return domain is not None and domain in self._source_domains

    def url_allowed(self, url: str) -> bool:
        """True if ``url`` passes the site's allow and deny patterns (and is on its hosts)."""
        if not self.same_site(url):
            return False
        if self.allow and not any(re.search(p, url) for p in self.allow):
            return False
        return not any(re.search(p, url) for p in self.deny)

    @property
    def profile(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The rule profile, hashable: (extra rule files, disabled rule ids)."""
        return (self.rules, self.disable_rules)


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SitesError(f"{where}: '{key}' must be a list of strings")
    return tuple(value)


def _number(raw: dict[str, Any], key: str, where: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SitesError(f"{where}: '{key}' must be a number >= 0")
    return float(value)


def check_source(url: str, where: str) -> str:
    """Validate one source URL (http or https, with a host) and return it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SitesError(f"{where}: source {url!r} is not an http(s) URL with a host")
    return url


def check_redis_url(url: object, where: str) -> str:
    """Validate a Redis URL (redis://HOST:PORT/DB, rediss://, unix://) and return it."""
    if not isinstance(url, str) or urlsplit(url).scheme not in REDIS_SCHEMES:
        raise SitesError(f"{where}: redis {url!r} is not a redis://HOST:PORT/DB URL")
    return url


def parse_sites(text: str, origin: str, base_dir: Path | None = None) -> list[Site]:
    """Parse a sites TOML text.  Rule file paths are resolved against ``base_dir``."""
    return parse_sites_file(text, origin, base_dir)[0]


def parse_sites_file(
    text: str, origin: str, base_dir: Path | None = None
) -> tuple[list[Site], str | None]:
    """Parse a sites TOML text: its sites and its top-level ``redis`` URL (or None)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SitesError(f"{origin}: not valid TOML ({exc})") from None
    raw_sites = data.get("site", [])
    if set(data) - _TOP_LEVEL:
        raise SitesError(f"{origin}: unknown top-level key(s) {sorted(set(data) - _TOP_LEVEL)}")
    redis_url = check_redis_url(data["redis"], origin) if "redis" in data else None
    if not isinstance(raw_sites, list) or not raw_sites:
        raise SitesError(f"{origin}: declare at least one [[site]] table")
    sites: list[Site] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_sites):
        where = f"{origin}: site #{i + 1}"
        if not isinstance(raw, dict):
            raise SitesError(f"{where}: must be a table")
        name = raw.get("name")
        if not isinstance(name, str) or not name:
            raise SitesError(f"{where}: 'name' is required")
        where = f"{origin}: site {name!r}"
        unknown = set(raw) - _FIELDS
        if unknown:
            raise SitesError(f"{where}: unknown field(s) {sorted(unknown)}")
        if name in names:
            raise SitesError(f"{where}: duplicate name")
        names.add(name)
        sources = tuple(check_source(s, where) for s in _strings(raw, "sources", where))
        if not sources:
            raise SitesError(f"{where}: 'sources' lists no URL")
        for key in ("allow", "deny"):
            for pattern in _strings(raw, key, where):
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise SitesError(f"{where}: {key} pattern {pattern!r}: {exc}") from None
        rules = _strings(raw, "rules", where)
        if base_dir is not None:
            rules = tuple(str((base_dir / r).resolve()) for r in rules)
        conc = _number(raw, "concurrency", where)
        sites.append(
            Site(
                name=name,
                sources=sources,
                allow=_strings(raw, "allow", where),
                deny=_strings(raw, "deny", where),
                rules=rules,
                disable_rules=_strings(raw, "disable_rules", where),
                max_age_days=_number(raw, "max_age_days", where),
                download_delay=_number(raw, "download_delay", where),
                concurrency=max(1, int(conc)) if conc is not None else None,
            )
        )
    return sites, redis_url


def load_sites(path: str | Path) -> list[Site]:
    """Read and validate a sites file."""
    p = Path(path)
    return parse_sites(read_config(p, "sites file", SitesError), str(p), base_dir=p.parent)


def load_sites_file(path: str | Path) -> tuple[list[Site], str | None]:
    """Read and validate a sites file once: its sites and its ``redis`` URL (or None)."""
    p = Path(path)
    return parse_sites_file(read_config(p, "sites file", SitesError), str(p), base_dir=p.parent)


def sites_from_sources(
    sources: Sequence[str],
    *,
    rules: Sequence[str] = (),
    disable_rules: Sequence[str] = (),
    max_age_days: float | None = None,
) -> list[Site]:
    """One site per host for sources given on the command line."""
    by_host: dict[str, list[str]] = {}
    for src in sources:
        check_source(src, "command line")
        by_host.setdefault(urlsplit(src).hostname or "", []).append(src)
    return [
        Site(
            name=host,
            sources=tuple(srcs),
            rules=tuple(str(Path(r).resolve()) for r in rules),
            disable_rules=tuple(disable_rules),
            max_age_days=max_age_days,
        )
        for host, srcs in by_host.items()
    ]
