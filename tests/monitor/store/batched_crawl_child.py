"""Run ``crawler.run.run_crawl`` with the real ``StoreSink`` (batches that only a flush writes).

Reads JSON {"database_url", "sources", "options", "stop_after"} on stdin; prints JSON
{"scraped": items handed to the sink, "stored_before_end": rows in the database when the crawl
stopped}. With ``stop_after`` the reactor is stopped after that many items (as a signal would), so the
crawl ends while pages are in flight: the flushes at the end must store everything extracted.
"""

from __future__ import annotations

import json
import sys
from typing import Any, ClassVar

from sqlalchemy import func, select

from crawler.run import run_crawl
from crawler.sources import CrawlOptions, SourceSpec
from monitor.store import db
from monitor.store.models import Article
from monitor.store.sink import StoreSink
from monitor.store.sources import sync_sources


class StopAfter:
    """Extension counting items handed to the sink; stops the reactor after ``stop_after``."""

    limit: ClassVar[int | None] = None
    scraped: ClassVar[int] = 0
    stored_when_stopped: ClassVar[int | None] = None
    factory: ClassVar[Any] = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> StopAfter:
        from scrapy import signals

        keeper = cls()
        crawler.signals.connect(keeper.scraped_one, signal=signals.item_scraped)
        return keeper

    def scraped_one(self) -> None:
        StopAfter.scraped += 1
        if StopAfter.limit is not None and StopAfter.scraped == StopAfter.limit:
            from twisted.internet import reactor

            with StopAfter.factory() as session:
                StopAfter.stored_when_stopped = session.scalar(select(func.count(Article.id)))
            reactor.stop()  # type: ignore[attr-defined]  # as on SIGTERM: the crawl ends early


def main() -> None:
    job = json.load(sys.stdin)
    engine = db.make_engine(job["database_url"])
    factory = db.session_factory(engine)
    sources = [SourceSpec(**s) for s in job["sources"]]
    with factory.begin() as session:
        sync_sources(session, sources)
    from tests.monitor.store.batched_crawl_child import (
        StopAfter as Loaded,  # this file runs as __main__
    )

    Loaded.limit = job.get("stop_after")
    Loaded.factory = factory
    sink = StoreSink(factory, batch_size=100_000, batch_seconds=3600)
    run_crawl(
        sources,
        sink,
        CrawlOptions(**job["options"]),
        log_level="WARNING",
        extra_settings={"EXTENSIONS": {"tests.monitor.store.batched_crawl_child.StopAfter": 0}},
    )
    json.dump(
        {"scraped": Loaded.scraped, "stored_before_end": Loaded.stored_when_stopped}, sys.stdout
    )
    engine.dispose()


if __name__ == "__main__":
    main()
