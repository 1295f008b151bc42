"""The one spider: poll each source (conditional GET), fetch the pages of entries not seen yet."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.feeds import FeedEntry, UnsafeFeed, parse_feed
from crawler.sink import CrawlSink, PollResult
from crawler.sources import CrawlOptions, SourceSpec
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)


def describe_failure(failure: Failure) -> str:
    """A one-line reason for a failed request, for source health and logs."""
    value = failure.value
    response = getattr(value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    text = str(value) or type(value).__name__
    return f"{type(value).__name__}: {text}"[:500]


class NewsSpider(scrapy.Spider):
    name = "newsmon"

    def __init__(
        self,
        sources: list[SourceSpec],
        sink: CrawlSink,
        options: CrawlOptions,
        article_urls: Iterable[str] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = {s.name: s for s in sources}
        self.article_urls = list(article_urls)
        self.sink = sink
        self.options = options
        self._scheduled: set[str] = set()

    async def start(self) -> AsyncIterator[Any]:
        for source in self.sources.values():
            yield self._poll_request(source)
        for url in self.article_urls:  # `newsmon ingest URL`: pages fetched as if from a feed
            self._scheduled.add(normalize_url(url))
            yield self._page_request(url, None, normalize_url(url), None, None)

    def _poll_request(self, source: SourceSpec) -> scrapy.Request:
        state = self.sink.feed_state(source.name)
        headers = dict(source.headers)
        if state.etag:
            headers["If-None-Match"] = state.etag
        if state.last_modified:
            headers["If-Modified-Since"] = state.last_modified
        return scrapy.Request(
            str(source.url),
            headers=headers,
            callback=self.parse_index,
            errback=self.poll_failed,
            dont_filter=True,
            meta={
                "source": source.name,
                "handle_httpstatus_list": [304],
                "download_maxsize": self.options.max_feed_bytes,
            },
        )

    def poll_failed(self, failure: Failure) -> None:
        source = failure.request.meta["source"]
        reason = describe_failure(failure)
        logger.warning("source %s failed: %s", source, reason)
        self.crawler.stats.inc_value("newsmon/sources_failed")
        response = getattr(failure.value, "response", None)
        self.sink.record_poll(
            PollResult(source=source, ok=False, status=getattr(response, "status", None), error=reason)
        )

    def parse_index(self, response: Response) -> Iterable[scrapy.Request]:
        source = self.sources[response.meta["source"]]
        stats = self.crawler.stats
        stats.inc_value("newsmon/sources_polled")
        validators = {
            "etag": _header(response, b"ETag"),
            "last_modified": _header(response, b"Last-Modified"),
        }
        if response.status == 304:
            stats.inc_value("newsmon/not_modified")
            self.sink.record_poll(
                PollResult(source=source.name, ok=True, status=304, not_modified=True, **validators)
            )
            return
        try:
            entries, bozo = self._entries(source, response)
        except UnsafeFeed as exc:
            logger.warning("source %s refused: %s", source.name, exc)
            stats.inc_value("newsmon/sources_failed")
            self.sink.record_poll(
                PollResult(source=source.name, ok=False, status=response.status, error=str(exc))
            )
            return
        if bozo:
            stats.inc_value("newsmon/bozo_feeds")
            logger.info("source %s is malformed, used as far as it parsed: %s", source.name, bozo)
        new = 0
        for entry in entries:
            request = self._article_request(source, entry)
            if request is not None:
                new += 1
                yield request
        stats.inc_value("newsmon/new_entries", new)
        self.sink.record_poll(
            PollResult(
                source=source.name,
                ok=True,
                status=response.status,
                entries=len(entries),
                new_entries=new,
                bozo_error=bozo,
                **validators,
            )
        )

    def _entries(self, source: SourceSpec, response: Response) -> tuple[list[FeedEntry], str | None]:
        """Entries of a source's index document; feed kinds go through feedparser."""
        if source.kind in ("feed", "gnews"):
            parsed = parse_feed(response.body, response.url, _header(response, b"Content-Type"))
            return parsed.entries, parsed.bozo_error
        raise UnsafeFeed(f"source kind {source.kind!r} is not supported by this crawler build")

    def _article_request(self, source: SourceSpec, entry: FeedEntry) -> scrapy.Request | None:
        if not entry.link.startswith(("http://", "https://")):
            return None
        key = normalize_url(entry.link)
        if key in self._scheduled:
            return None
        if not self.sink.should_fetch(key, entry.updated or entry.published):
            return None
        self._scheduled.add(key)
        return self._page_request(entry.link, source.name, key, entry.updated, entry.published)

    def _page_request(
        self,
        url: str,
        source: str | None,
        key: str,
        updated: dt.datetime | None,
        published: dt.datetime | None,
    ) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_article,
            errback=self.article_failed,
            meta={
                "source": source,
                "url_normalized": key,
                "entry_updated": updated,
                "entry_published": published,
                "download_maxsize": self.options.max_page_bytes,
            },
        )

    def article_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        reason = describe_failure(failure)
        logger.warning("article %s not fetched: %s", failure.request.url, reason)
        self.crawler.stats.inc_value("newsmon/fetch_failed")
        self.sink.record_fetch_failure(meta["source"], failure.request.url, reason)

    def parse_article(self, response: Response) -> Iterable[dict[str, Any]]:
        meta = response.meta
        self.crawler.stats.inc_value("newsmon/fetched")
        if not isinstance(response, TextResponse):
            self.sink.record_fetch_failure(meta["source"], response.url, "not an HTML page")
            return
        yield {
            "url": response.url,
            "body": response.text,
            "source": meta["source"],
            "url_normalized": meta["url_normalized"],
            "entry_updated": meta.get("entry_updated"),
            "entry_published": meta.get("entry_published"),
        }


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
