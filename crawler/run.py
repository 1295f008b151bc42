"""Run crawls: one blocking crawl per process, or crawl after crawl on one long-lived reactor.

Twisted's reactor cannot be restarted in a process: ``run_crawl`` starts and stops it (one crawl,
then the process ends); ``ReactorCrawls`` schedules crawls into a reactor that keeps running
(the daemon's long-lived worker), so Scrapy, the extraction pool and the imports stay warm.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, cast

from scrapy.crawler import CrawlerProcess
from scrapy.utils.log import DEFAULT_LOGGING

from crawler.quiet_logs import quiet_robots_errors
from crawler.settings import build_settings
from crawler.sink import CrawlSink
from crawler.sources import CrawlOptions, SourceSpec
from crawler.spiders.news import NewsSpider

if TYPE_CHECKING:
    from twisted.internet.defer import Deferred

logger = logging.getLogger(__name__)


@dataclass
class CrawlStats:
    """Per-crawl counters, read from Scrapy's stats collector."""

    sources_polled: int = 0
    not_modified: int = 0
    sources_failed: int = 0
    bozo_feeds: int = 0
    new_entries: int = 0
    fetched: int = 0
    fetch_failed: int = 0
    extracted: int = 0
    extract_empty: int = 0
    stored: int = 0
    deferred_entries: int = 0  # new entries past the per-poll cap, left for later polls
    # Every request that ended without a page, by reason (dns, http_error, redirect_loop, ...).
    dropped: dict[str, int] = field(default_factory=dict)
    # Every failed poll, by reason.
    source_failures: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_scrapy(cls, stats: dict[str, Any]) -> CrawlStats:
        counts = {
            f.name: int(stats.get(f"newsmon/{f.name}", 0))
            for f in fields(cls)
            if f.type in ("int", int)
        }
        dropped = _by_reason(stats, "newsmon/dropped/")
        if stats.get("dupefilter/filtered"):  # e.g. a redirect to a URL requested already
            dropped["duplicate_request"] = int(stats["dupefilter/filtered"])
        return cls(
            **counts, dropped=dropped, source_failures=_by_reason(stats, "newsmon/source_failed/")
        )

    def counters(self) -> dict[str, int]:
        """Flat counters for a Run row: ``dropped_<reason>`` and ``source_failed_<reason>``."""
        flat = {f.name: getattr(self, f.name) for f in fields(self) if f.type in ("int", int)}
        flat.update({f"dropped_{k}": v for k, v in self.dropped.items()})
        flat.update({f"source_failed_{k}": v for k, v in self.source_failures.items()})
        return flat


def _by_reason(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {k[len(prefix) :]: int(v) for k, v in stats.items() if k.startswith(prefix)}


def run_crawl(
    sources: list[SourceSpec],
    sink: CrawlSink,
    options: CrawlOptions,
    *,
    log_level: str = "INFO",
    article_urls: list[str] | None = None,
    extra_settings: dict[str, Any] | None = None,
) -> CrawlStats:
    """Poll every given source once (and fetch ``article_urls``) and store new articles."""
    settings = build_settings(options, log_level)
    settings.update(extra_settings or {})
    settings["LOG_INSTALL_ROOT_HANDLER"] = False  # the entry point's handlers stay
    quiet = [logging.getLogger(name) for name in ("scrapy", "twisted", "py.warnings")]
    # Scrapy applies DEFAULT_LOGGING (scrapy: DEBUG) while it starts and logs its banner.
    DEFAULT_LOGGING["loggers"]["scrapy"]["level"] = log_level  # type: ignore[index]
    process = CrawlerProcess(settings)
    for logger_ in quiet:  # Scrapy's logging set-up resets its loggers' levels
        logger_.setLevel(log_level)
    quiet_robots_errors(log_level)
    crawler = process.create_crawler(NewsSpider)
    process.crawl(
        crawler, sources=sources, sink=sink, options=options, article_urls=article_urls or []
    )
    try:
        process.start()
    finally:
        sink.flush()  # the pipeline flushes at close; this covers a crawl that died before it
    return CrawlStats.from_scrapy(crawler.stats.get_stats())


class ReactorCrawls:
    """Crawl after crawl on the running reactor; the extraction pool and robots.txt are kept."""

    def __init__(self, options: CrawlOptions, *, log_level: str = "INFO") -> None:
        from scrapy.crawler import CrawlerRunner

        settings = build_settings(options, log_level)
        settings["LOG_INSTALL_ROOT_HANDLER"] = False
        settings["NEWSMON_KEEP_EXTRACT_POOL"] = True
        settings["NEWSMON_KEEP_ROBOTS"] = True  # robots.txt asked once an hour, not every cycle
        DEFAULT_LOGGING["loggers"]["scrapy"]["level"] = log_level  # type: ignore[index]
        self.options = options
        self.runner = CrawlerRunner(settings)
        for name in ("scrapy", "twisted", "py.warnings"):
            logging.getLogger(name).setLevel(log_level)

    def crawl(self, sources: list[SourceSpec], sink: CrawlSink) -> Deferred[CrawlStats]:
        """Poll the sources once; fires with the crawl's counters once everything is stored."""
        crawler = self.runner.create_crawler(NewsSpider)
        done = self.runner.crawl(crawler, sources=sources, sink=sink, options=self.options)

        def stored(result: object) -> object:
            sink.flush()
            return result

        done.addBoth(stored)
        done.addCallback(lambda _: CrawlStats.from_scrapy(crawler.stats.get_stats()))
        return cast("Deferred[CrawlStats]", done)

    def stop(self) -> Deferred[Any]:
        """Stop running crawls (they close as Scrapy does on SIGTERM)."""
        return self.runner.stop()

    def close(self) -> None:
        from crawler.pipelines import close_kept_pool

        close_kept_pool()
