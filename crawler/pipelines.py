"""Item pipeline: extraction in worker processes so trafilatura never stalls Scrapy's reactor."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extract import extract_article, warm_up
from crawler.lifetime import extraction_worker_init
from crawler.sink import CrawlSink

logger = logging.getLogger(__name__)

# A long-lived crawl worker runs crawl after crawl in one process; with NEWSMON_KEEP_EXTRACT_POOL
# its crawls share this pool, so no crawl pays for starting the pool's processes again.
_KEPT_POOL: ProcessPoolExecutor | None = None


class ExtractionPipeline:
    """Runs ``extract_article`` in a process pool and hands the result to the spider's sink."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        workers = crawler.settings.getint("NEWSMON_EXTRACT_WORKERS") or os.cpu_count() or 1
        self.workers = max(1, workers)
        self.keep_pool = crawler.settings.getbool("NEWSMON_KEEP_EXTRACT_POOL")
        self.in_process = crawler.settings.getbool("NEWSMON_EXTRACT_IN_PROCESS")
        self._pool: ProcessPoolExecutor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractionPipeline:
        return cls(crawler)

    def _executor(self) -> ProcessPoolExecutor:
        global _KEPT_POOL
        if self._pool is None and self.keep_pool and _KEPT_POOL is not None:
            self._pool = _KEPT_POOL
        if self._pool is None:
            # Never fork this process (it runs a reactor and holds DB connections): workers fork
            # from a clean forkserver that imported and warmed the extraction stack once, so N
            # workers cost one trafilatura import and one language model load, not N.
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["crawler.extract_preload"])
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=context, initializer=extraction_worker_init
            )
            if self.keep_pool:
                _KEPT_POOL = self._pool
        return self._pool

    def open_spider(self) -> None:
        """Start every worker now, so their imports overlap the feed polls, not the first pages."""
        if self.keep_pool and _KEPT_POOL is not None:
            return  # warm already
        if self.in_process:
            return
        pool = self._executor()
        for _ in range(self.workers):
            pool.submit(warm_up)

    def _sink(self) -> CrawlSink:
        """The sink the running spider writes to (the spider is set while the crawl runs)."""
        spider = self.crawler.spider
        if spider is None:
            raise RuntimeError("the extraction pipeline ran without a spider")
        return spider.sink  # type: ignore[attr-defined, no-any-return]

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        stats = self.crawler.stats
        if self.in_process:
            article = await asyncio.to_thread(extract_article, item["body"], item["url"])
        else:
            future = self._executor().submit(extract_article, item["body"], item["url"])
            article = await asyncio.wrap_future(future)
        sink = self._sink()
        if article is None:
            stats.inc_value("newsmon/extract_empty")
            sink.record_fetch_failure(item["source"], item["url"], "no article text found")
            raise DropItem(f"no article text at {item['url']}")
        stats.inc_value("newsmon/extracted")
        sink.save_article(
            article,
            source=item["source"],
            url_normalized=item["url_normalized"],
            entry_updated=item.get("entry_updated"),
            entry_published=item.get("entry_published"),
        )
        stats.inc_value("newsmon/stored")
        return {"url": item["url"], "title": article.title}

    def close_spider(self) -> None:
        try:
            if self._pool is not None and not self.keep_pool:
                self._pool.shutdown(wait=True, cancel_futures=True)
        finally:
            self._pool = None
            self._sink().flush()  # buffered articles are stored before the crawl ends


def close_kept_pool() -> None:
    """End the pool kept across crawls (the long-lived worker calls this when it stops)."""
    global _KEPT_POOL
    if _KEPT_POOL is not None:
        _KEPT_POOL.shutdown(wait=True, cancel_futures=True)
        _KEPT_POOL = None
