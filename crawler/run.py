"""Run one crawl in this process (Scrapy's reactor runs once per process: the daemon forks a worker)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.utils.log import DEFAULT_LOGGING

from crawler.settings import build_settings
from crawler.sink import CrawlSink
from crawler.sources import CrawlOptions, SourceSpec
from crawler.spiders.news import NewsSpider

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

    @classmethod
    def from_scrapy(cls, stats: dict[str, Any]) -> CrawlStats:
        return cls(**{f.name: int(stats.get(f"newsmon/{f.name}", 0)) for f in fields(cls)})


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
    crawler = process.create_crawler(NewsSpider)
    process.crawl(
        crawler, sources=sources, sink=sink, options=options, article_urls=article_urls or []
    )
    try:
        process.start()
    finally:
        sink.flush()  # the pipeline flushes at close; this covers a crawl that died before it
    return CrawlStats.from_scrapy(crawler.stats.get_stats())
