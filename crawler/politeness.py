"""Retries that back off: Retry-After honoured on 429/503, exponential waits otherwise.

Scrapy's RetryMiddleware re-schedules at once and ignores Retry-After, which hammers a server
that asked us to wait. This subclass waits first (on the reactor's clock, never blocking it).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


def retry_after_seconds(value: str | bytes | None, now: dt.datetime | None = None) -> float | None:
    """Seconds a Retry-After header asks for (delta-seconds or HTTP-date); None if absent/bad."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else value
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """RetryMiddleware that waits before each retry: Retry-After if given, else base * 2**n.

    Settings: ``NEWSMON_RETRY_AFTER_MAX`` (seconds; a longer Retry-After gives up this cycle,
    default 120), ``NEWSMON_RETRY_BACKOFF_BASE`` (default 1.0), ``NEWSMON_RETRY_BACKOFF_MAX``
    (default 30).
    """

    retry_after_max: float = 120.0
    backoff_base: float = 1.0
    backoff_max: float = 30.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        middleware = super().from_crawler(crawler)
        settings = crawler.settings
        middleware.retry_after_max = settings.getfloat("NEWSMON_RETRY_AFTER_MAX", 120.0)
        middleware.backoff_base = settings.getfloat("NEWSMON_RETRY_BACKOFF_BASE", 1.0)
        middleware.backoff_max = settings.getfloat("NEWSMON_RETRY_BACKOFF_MAX", 30.0)
        return middleware

    def _backoff(self, request: Request) -> float:
        attempt = int(request.meta.get("retry_times", 0))
        return min(self.backoff_max, self.backoff_base * 2**attempt)

    async def _wait(self, seconds: float) -> None:
        if seconds > 0:
            await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            logger.warning(
                "%s answered %d with Retry-After %.0fs (over the %.0fs cap): not retried this cycle",
                request.url,
                response.status,
                asked,
                self.retry_after_max,
            )
            self.crawler.stats.inc_value("newsmon/retry_after_too_long")
            return response
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            delay = asked if asked is not None else self._backoff(request)
            if asked is not None:
                self.crawler.stats.inc_value("newsmon/retry_after_honoured")
            logger.info("%s answered %d: retrying in %.1fs", request.url, response.status, delay)
            await self._wait(delay)
        return retry

    async def process_exception(  # type: ignore[override]
        self, request: Request, exception: Exception
    ) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            await self._wait(self._backoff(request))
        return retry
