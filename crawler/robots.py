"""The robots.txt middleware, with every request that waited for robots.txt checked.

In Scrapy 2.13-2.19 ``RobotsTxtMiddleware.robot_parser`` awaits the one Deferred of a
host's pending robots.txt from each waiting request; the first await takes the parser
and the others get None, which the middleware reads as "no robots.txt": every request
but one that arrived while robots.txt was being fetched went out unchecked.  That is
the case of a crawl's first requests to a host, of the pending URLs a run queues at
start, and of the requests a shared crawl (``--redis``) hands over from a stopped
process.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.robotstxt import RobotParser
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.middlewares import BoundedRobotsTxtMiddleware


class CheckedRobotsTxtMiddleware(BoundedRobotsTxtMiddleware):
    """:class:`BoundedRobotsTxtMiddleware` whose waiting requests all get the host's parser."""

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        if parser is None:
            # Once robots.txt is read (or failed: then None, as Scrapy has it) the table
            # holds the answer itself instead of the Deferred.
            current = self._parsers.get(urlparse_cached(request).netloc)
            if not isinstance(current, Deferred):
                parser = current
        return parser
