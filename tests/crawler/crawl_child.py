"""Run ``crawler.run.run_crawl`` in a child process with a sink that records what it is given.

Reads JSON {"sources": [...], "options": {...}, "seen": [...], "extra_settings": {...}} on stdin;
prints JSON {"polls", "articles", "failures", "stats"}. Tests the crawler without the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys
from typing import Any, ClassVar

from crawler.items import ExtractedArticle
from crawler.run import run_crawl
from crawler.sink import FeedState, PollResult, Validators
from crawler.sources import CrawlOptions, SourceSpec


class RecordingSink:
    """Implements the CrawlSink protocol by remembering every call."""

    def __init__(self, seen: set[str], fetch: bool = True) -> None:
        self.seen = seen
        self.fetch = fetch
        self.polls: list[dict[str, Any]] = []
        self.articles: list[dict[str, Any]] = []
        self.failures: list[dict[str, Any]] = []
        self.validators: list[dict[str, Any]] = []

    def feed_state(self, source: str) -> FeedState:
        return FeedState()

    def record_poll(self, result: PollResult) -> None:
        self.polls.append(dataclasses.asdict(result))

    def record_validators(self, validators: Validators) -> None:
        self.validators.append(dataclasses.asdict(validators))

    def known(self, urls: list[str]) -> dict[str, dt.datetime | None]:
        # Seen URLs are current as of forever (never refetched); fetch=False: every URL is.
        return {
            u: dt.datetime.max.replace(tzinfo=dt.UTC)
            for u in urls
            if not self.fetch or u in self.seen
        }

    def save_article(
        self,
        article: ExtractedArticle,
        *,
        source: str | None,
        url_normalized: str,
        entry_updated: dt.datetime | None,
        entry_published: dt.datetime | None,
    ) -> None:
        record = {
            k: v
            for k, v in dataclasses.asdict(article).items()
            if k not in ("published", "updated")
        }
        record.update(
            source=source,
            url_normalized=url_normalized,
            entry_published=entry_published.isoformat() if entry_published else None,
        )
        self.articles.append(record)

    def record_fetch_failure(self, source: str | None, url: str, reason: str) -> None:
        self.failures.append({"source": source, "url": url, "reason": reason})

    def flush(self) -> None:
        pass  # nothing buffered: every call is recorded at once


def main() -> None:
    job = json.load(sys.stdin)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )
    sink = RecordingSink(set(job.get("seen", [])), fetch=job.get("fetch", True))
    sources = [SourceSpec(**s) for s in job["sources"]]
    options = CrawlOptions(**job["options"])
    run_crawl(
        sources,
        sink,
        options,
        log_level="INFO",
        extra_settings={
            **job.get("extra_settings", {}),
            "STATS_DUMP": False,
            "EXTENSIONS": {"tests.crawler.crawl_child.StatsKeeper": 0},
        },
    )
    from tests.crawler.crawl_child import StatsKeeper as Loaded  # this file runs as __main__

    stats = Loaded.last
    json.dump(
        {"polls": sink.polls, "articles": sink.articles, "failures": sink.failures, "stats": stats},
        sys.stdout,
        default=str,
    )


class StatsKeeper:
    """Extension keeping the crawl's raw stats at close (run_crawl returns only our counters)."""

    last: ClassVar[dict[str, Any]] = {}

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> StatsKeeper:
        from scrapy import signals

        keeper = cls(crawler)
        crawler.signals.connect(keeper.closed, signal=signals.spider_closed)
        return keeper

    def closed(self) -> None:
        StatsKeeper.last = {
            k: v
            for k, v in self.crawler.stats.get_stats().items()
            if isinstance(v, (int, float, str))
        }


if __name__ == "__main__":
    main()
