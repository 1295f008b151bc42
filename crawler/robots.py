"""robots.txt kept warm across the crawls of a long-lived worker, each host's copy with an expiry.

Scrapy's RobotsTxtMiddleware keeps parsers per crawl, so a worker that runs a crawl every
cycle asked every host for its robots.txt every cycle. With ``NEWSMON_KEEP_ROBOTS`` (set by
``crawler.run.ReactorCrawls``) parsed copies go into one process-wide cache shared by the
worker's crawls. A copy lasts the response's ``Cache-Control: max-age`` (at most 24 hours, as
RFC 9309 asks), else ``NEWSMON_ROBOTS_KEEP_SECONDS`` (one hour); ``no-store``/``no-cache``, a
server error or an unreachable robots.txt are not kept, so the next crawl asks again.
"""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.http import Request, Response
    from scrapy.robotstxt import RobotParser

logger = logging.getLogger(__name__)

DEFAULT_KEEP_SECONDS = 3600.0
MAX_KEEP_SECONDS = 24 * 3600.0  # RFC 9309 2.4: a cached robots.txt no older than 24 hours
_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-maxage|max-age)\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_KEEP = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\b", re.IGNORECASE)


def keep_seconds(cache_control: str | None, default: float = DEFAULT_KEEP_SECONDS) -> float:
    """How long a robots.txt answer may be reused: its max-age (capped), else ``default``."""
    if not cache_control:
        return default
    if _NO_KEEP.search(cache_control):
        return 0.0
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return default
    return min(float(match.group(1)), MAX_KEEP_SECONDS)


class RobotsCache:
    """Parsed robots.txt by scheme and host, each until its own expiry (monotonic clock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, RobotParser]] = OrderedDict()

    def get(self, key: str) -> RobotParser | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: str, parser: RobotParser, seconds: float) -> None:
        now = self._clock()
        self._entries.pop(key, None)
        if seconds > 0:
            self._entries[key] = (now + seconds, parser)
        while self._entries:  # drop expired entries from the oldest end: the cache stays small
            oldest = next(iter(self._entries.values()))
            if oldest[0] > now:
                break
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)


# One cache per process: the long-lived worker's crawls share it (crawls of `crawl --once` and
# `ingest` run one per process and never set NEWSMON_KEEP_ROBOTS).
KEPT_ROBOTS = RobotsCache()


class KeptRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware, reusing copies kept from earlier crawls of this process."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.kept = KEPT_ROBOTS if settings.getbool("NEWSMON_KEEP_ROBOTS") else None
        self.keep_default = settings.getfloat("NEWSMON_ROBOTS_KEEP_SECONDS", DEFAULT_KEEP_SECONDS)

    @staticmethod
    def _key(request: Request) -> str:
        url = urlparse_cached(request)
        return f"{url.scheme}://{url.netloc}"

    async def robot_parser(self, request: Request) -> RobotParser | None:
        netloc = urlparse_cached(request).netloc
        if self.kept is not None and netloc not in self._parsers:
            parser = self.kept.get(self._key(request))
            if parser is not None:
                self._parsers[netloc] = parser
                self._stats.inc_value("newsmon/robots_kept")
        return await super().robot_parser(request)

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        await super()._parse_robots(response, netloc, request)
        parser = self._parsers.get(netloc)
        if self.kept is None or parser is None or isinstance(parser, Deferred):
            return
        if response.status >= 500:  # a server error now says nothing about the next hour
            return
        header = response.headers.get(b"Cache-Control")
        seconds = keep_seconds(header.decode("latin-1") if header else None, self.keep_default)
        self.kept.put(self._key(request), parser, seconds)
