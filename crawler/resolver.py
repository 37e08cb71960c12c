"""A DNS resolver that will not hand the downloader a non-public address.

:class:`crawler.middlewares.SiteGuardMiddleware` judges URLs: it refuses IP literals
and local names of private networks, but a public-looking name of a site's own domain
(``intranet.example.com``) may resolve to ``10.0.0.5``, or to ``169.254.169.254``.
This resolver, Scrapy's caching one with a check after each lookup, refuses such an
answer before any connection is made, unless the name is the host of one of the
crawl's sources (``NEWSCLEAN_SOURCE_HOSTS``, set by ``newsclean crawl``): naming an
intranet site as a source is how an operator allows it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

# Names refused in this process (one crawl per process: Twisted's reactor does not restart).
# Twisted's resolver adapter replaces the lookup error by "no results for hostname lookup",
# so crawler.middlewares.guard_reason tells a refusal from a failed lookup by the name.
REFUSED_NAMES: set[str] = set()


def non_public_address(address: str) -> bool:
    """True for loopback, private, link-local, reserved and other non-global addresses
    (IPv4 mapped into IPv6 judged as IPv4), and for what is not an address.

    The one check of an address, for the DNS answers here and for the IP literals of
    URLs (:class:`crawler.middlewares.SiteGuardMiddleware`)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True  # not an address: nothing to connect to
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global


def is_address(host: str) -> bool:
    """True for an IPv4 or IPv6 literal."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class PublicAddressResolver(CachingThreadedResolver):
    """``scrapy.resolver.CachingThreadedResolver`` that fails a lookup whose answer is not
    a public address (``DNSLookupError``, which Scrapy reports as CannotResolveHostError)."""

    allowed: frozenset[str] = frozenset()

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> PublicAddressResolver:
        resolver = super().from_crawler(crawler, reactor)
        hosts = crawler.settings.getlist("NEWSCLEAN_SOURCE_HOSTS")
        resolver.allowed = frozenset(h.lower().rstrip(".") for h in hosts)
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        d = super().getHostByName(name, timeout)
        host = name.lower().rstrip(".")
        if host not in self.allowed and not is_address(host):  # literals: the middleware's
            d.addCallback(self._public_only, name)
        return d

    @staticmethod
    def _public_only(address: str, name: str) -> str:
        if non_public_address(address):
            REFUSED_NAMES.add(name.lower().rstrip("."))
            raise DNSLookupError(f"{name} resolves to a non-public address ({address})")
        return address
