"""The one spider: poll each source (conditional GET), fetch the pages of entries not seen yet."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.feeds import FeedEntry, UnsafeFeed
from crawler.gnews import decode_link, is_aggregator_url, publisher_url_from_page
from crawler.indexes import UnusableIndex, read_index
from crawler.listing import ListingSelectorError
from crawler.sink import CrawlSink, PollResult, Validators, wanted
from crawler.sitemaps import SitemapError
from crawler.sources import CrawlOptions, SourceSpec
from crawler.urls import normalize_url

logger = logging.getLogger(__name__)

MAX_SITEMAP_CHILDREN = 10  # newest children of a sitemap index followed per poll
MAX_SITEMAP_DEPTH = 2  # an index of indexes, no deeper
_INDEX_REFUSALS = (UnsafeFeed, SitemapError, UnusableIndex, ListingSelectorError)


GUARD_MARK = "refused by the address guard"


def failure_kind(failure: Failure) -> str:
    """What a failed request ran into, as a short counter key: http, dns, guard, timeout, ..."""
    value = failure.value
    text = str(value)
    name = type(value).__name__
    if getattr(value, "response", None) is not None:
        return "http_error"
    if GUARD_MARK in text:
        return "address_guard"
    if "robots.txt" in text:
        return "robots_txt"
    if "max redirections" in text:
        return "redirect_loop"
    if "max size" in text or "maxsize" in text:
        return "size_cap"
    if "DNS" in name or "Resolve" in name or "DNS lookup failed" in text:
        return "dns"
    if "Timeout" in name or "timed out" in text.lower() or "took longer than" in text:
        return "timeout"
    if "ConnectionRefused" in name:
        return "connection_refused"
    if "Connection" in name or "DataLoss" in name:
        return "connection"
    if isinstance(value, IgnoreRequest):
        return "ignored"
    return "other"


_KIND_TEXT = {
    "dns": "DNS lookup failed",
    "timeout": "timeout",
    "connection_refused": "connection refused",
    "connection": "connection lost",
    "size_cap": "over the size cap",
    "redirect_loop": "too many redirects",
}


def describe_failure(failure: Failure) -> str:
    """A one-line reason for a failed request naming what it was (DNS, guard, HTTP, ...)."""
    value = failure.value
    response = getattr(value, "response", None)
    if response is not None:
        return f"HTTP {response.status}"
    text = str(value) or type(value).__name__
    kind = failure_kind(failure)
    if kind == "address_guard":
        return text[:500]
    label = _KIND_TEXT.get(kind)
    if label is not None:
        host = urlsplit(failure.request.url).hostname if hasattr(failure, "request") else None
        where = f" ({host})" if kind == "dns" and host else ""
        if text.startswith(label):
            return text[:500]
        return f"{label}{where}: {text}"[:500]
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
        self._only = {s.name: re.compile(s.only_urls) for s in sources if s.only_urls}
        self.article_urls = list(article_urls)
        self.sink = sink
        self.options = options
        self._scheduled: set[str] = set()
        # Feed validators wait until every entry their feed listed was handled (see Validators).
        self._validators: dict[str, Validators] = {}
        self._incomplete: set[str] = set()
        self._taken: dict[str, int] = {}  # new entries requested per source this poll (the cap)

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
        source = failure.request.meta["source"]  # type: ignore[attr-defined]
        reason = describe_failure(failure)
        logger.warning("source %s failed: %s", source, reason)
        self.crawler.stats.inc_value("newsmon/sources_failed")
        self.crawler.stats.inc_value(f"newsmon/source_failed/{failure_kind(failure)}")
        response = getattr(failure.value, "response", None)
        self.sink.record_poll(
            PollResult(
                source=source, ok=False, status=getattr(response, "status", None), error=reason
            )
        )

    def parse_index(self, response: Response) -> Iterable[scrapy.Request]:
        source = self.sources[response.meta["source"]]
        stats = self.crawler.stats
        stats.inc_value("newsmon/sources_polled")
        validators: dict[str, Any] = {
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
            index = read_index(source, response, self.options.max_feed_bytes)
        except _INDEX_REFUSALS as exc:
            logger.warning("source %s refused: %s", source.name, exc)
            stats.inc_value("newsmon/sources_failed")
            self.sink.record_poll(
                PollResult(source=source.name, ok=False, status=response.status, error=str(exc))
            )
            return
        if index.bozo_error:
            stats.inc_value("newsmon/bozo_feeds")
            logger.info(
                "source %s is malformed, used as far as it parsed: %s",
                source.name,
                index.bozo_error,
            )
        yield from self._sitemap_children(source, index.children, depth=1)
        requests = self._article_requests(source, index.entries)
        new = len(requests)
        yield from requests
        stats.inc_value("newsmon/new_entries", new)
        self.sink.record_poll(  # validators withheld until the entries are handled
            PollResult(
                source=source.name,
                ok=True,
                status=response.status,
                entries=len(index.entries) + len(index.children),
                new_entries=new,
                bozo_error=index.bozo_error,
            )
        )
        if validators["etag"] or validators["last_modified"]:
            self._validators[source.name] = Validators(source.name, **validators)

    def closed(self, reason: str) -> None:
        """A finished crawl hands over the validators of feeds whose every entry was handled."""
        if reason != "finished":
            logger.info(
                "crawl ended (%s): feed validators not stored, next poll reads in full", reason
            )
            return
        for name, validators in self._validators.items():
            if name in self._incomplete:
                logger.info("source %s: an entry failed, its feed is read in full next time", name)
                continue
            self.sink.record_validators(validators)

    def _sitemap_children(
        self, source: SourceSpec, children: list[str], depth: int
    ) -> Iterable[scrapy.Request]:
        if depth > MAX_SITEMAP_DEPTH:
            if children:
                logger.info("source %s: sitemap nesting deeper than %d ignored", source.name, depth)
            return
        for url in children[:MAX_SITEMAP_CHILDREN]:
            yield scrapy.Request(
                url,
                headers=self._headers_for(source, url),
                callback=self.parse_sitemap_child,
                errback=self.article_failed,
                meta={
                    "source": source.name,
                    "sitemap_depth": depth,
                    "url_normalized": normalize_url(url),
                    "download_maxsize": self.options.max_feed_bytes,
                },
            )

    def parse_sitemap_child(self, response: Response) -> Iterable[scrapy.Request]:
        """A child of a sitemap index: its entries count towards the parent source."""
        source = self.sources[response.meta["source"]]
        try:
            index = read_index(source, response, self.options.max_feed_bytes)
        except _INDEX_REFUSALS as exc:
            logger.warning(
                "source %s: child sitemap %s refused: %s", source.name, response.url, exc
            )
            self.sink.record_fetch_failure(source.name, response.url, str(exc))
            self._incomplete.add(source.name)
            return
        yield from self._sitemap_children(
            source, index.children, response.meta["sitemap_depth"] + 1
        )
        requests = self._article_requests(source, index.entries)
        new = len(requests)
        yield from requests
        self.crawler.stats.inc_value("newsmon/new_entries", new)

    def _headers_for(self, source: SourceSpec | None, url: str) -> dict[str, str]:
        """A source's own headers go to its own host only (never leak credentials elsewhere)."""
        if source is None or not source.headers:
            return {}
        same_host = urlsplit(url).netloc.lower() == urlsplit(str(source.url)).netloc.lower()
        return dict(source.headers) if same_host else {}

    def _wanted(self, source: SourceSpec, url: str) -> bool:
        only = self._only.get(source.name)
        if only is not None and not only.search(url):
            self.crawler.stats.inc_value("newsmon/skipped_only_urls")
            logger.debug("source %s: %s does not match only_urls", source.name, url)
            return False
        return True

    def _article_requests(
        self, source: SourceSpec, entries: list[FeedEntry]
    ) -> list[scrapy.Request]:
        """Requests for the entries worth fetching, asking the sink about all of them at once."""
        requests: list[scrapy.Request] = []
        candidates: list[tuple[str, str, FeedEntry]] = []
        cap = source.max_new_entries or self.options.max_new_entries
        taken, deferred = self._taken.get(source.name, 0), 0
        for entry in sorted(entries, key=_newest_first):
            link = entry.link
            if source.kind == "gnews":
                decoded = decode_link(link, str(source.url))
                if decoded is None and link.startswith(("http://", "https://")):
                    if taken >= cap:
                        deferred += 1
                        continue
                    request = self._resolve_request(source, entry)
                    if request is not None:
                        requests.append(request)
                        taken += 1
                    continue
                link = decoded or ""
            if not link.startswith(("http://", "https://")) or not self._wanted(source, link):
                continue
            candidates.append((link, normalize_url(link), entry))
        known = self.sink.known(list({key for _, key, _ in candidates})) if candidates else {}
        for link, key, entry in candidates:
            if key in self._scheduled:
                continue
            if not wanted(known.get(key), key in known, entry.updated or entry.published):
                continue
            if taken >= cap:  # newest first: the older rest waits for the next polls
                deferred += 1
                continue
            taken += 1
            self._scheduled.add(key)
            requests.append(
                self._page_request(link, source.name, key, entry.updated, entry.published)
            )
        self._taken[source.name] = taken
        if deferred:
            self.crawler.stats.inc_value("newsmon/deferred_entries", deferred)
            self._incomplete.add(source.name)  # no 304 next time: the rest must be seen again
            logger.info(
                "source %s: %d new entries past the cap of %d per poll are left for later polls",
                source.name,
                deferred,
                cap,
            )
        return requests

    def _resolve_request(self, source: SourceSpec, entry: FeedEntry) -> scrapy.Request | None:
        """An aggregator link that hides its target: follow it (redirects, landing page)."""
        key = normalize_url(entry.link)
        if key in self._scheduled:
            return None
        self._scheduled.add(key)
        self.crawler.stats.inc_value("newsmon/gnews_followed")
        return scrapy.Request(
            entry.link,
            callback=self.parse_gnews_landing,
            errback=self.article_failed,
            meta={
                "source": source.name,
                "url_normalized": key,
                "entry_updated": entry.updated,
                "entry_published": entry.published,
                "entry_title": entry.title,
                "download_maxsize": self.options.max_page_bytes,
            },
        )

    def parse_gnews_landing(self, response: Response) -> Iterable[Any]:
        """Where an aggregator link led: the publisher's page itself, or a page naming it."""
        meta = response.meta
        source = self.sources[meta["source"]]
        feed_url = str(source.url)
        if not is_aggregator_url(response.url, feed_url):
            key = normalize_url(response.url)
            if not self._wanted(source, response.url) or key in self._scheduled:
                return
            self._scheduled.add(key)
            known = self.sink.known([key])
            if not wanted(
                known.get(key),
                key in known,
                meta.get("entry_updated") or meta.get("entry_published"),
            ):
                return
            meta["url_normalized"] = key
            yield from self.parse_article(response)
            return
        target = (
            publisher_url_from_page(response, feed_url)
            if isinstance(response, TextResponse)
            else None
        )
        if target is None:
            reason = "aggregator link did not lead to a publisher page"
            logger.warning("source %s: %s: %s", source.name, response.url, reason)
            self.sink.record_fetch_failure(source.name, response.url, reason)
            return
        entry = FeedEntry(
            link=target,
            title=meta.get("entry_title"),
            published=meta.get("entry_published"),
            updated=meta.get("entry_updated"),
            guid=None,
        )
        yield from self._article_requests(source, [entry])

    def _page_request(
        self,
        url: str,
        source: str | None,
        key: str,
        updated: dt.datetime | None,
        published: dt.datetime | None,
    ) -> scrapy.Request:
        spec = self.sources.get(source) if source else None
        return scrapy.Request(
            url,
            headers=self._headers_for(spec, url),
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
        request = failure.request  # type: ignore[attr-defined]  # set by Scrapy on errbacks
        meta = request.meta
        reason = describe_failure(failure)
        logger.warning("article %s not fetched: %s", request.url, reason)
        self.crawler.stats.inc_value("newsmon/fetch_failed")
        self.crawler.stats.inc_value(f"newsmon/dropped/{failure_kind(failure)}")
        if meta.get("source"):
            self._incomplete.add(meta["source"])
        self.sink.record_fetch_failure(meta["source"], request.url, reason)

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


def _newest_first(entry: FeedEntry) -> tuple[bool, float]:
    """Sort key: dated entries newest first, undated ones after them in feed order."""
    when = entry.updated or entry.published
    return (when is None, -when.timestamp() if when is not None else 0.0)


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None
