"""Run a throwaway Scrapy crawl in a child process (a reactor cannot restart in the test process).

Reads JSON {"urls": [...], "settings": {...}} on stdin, prints JSON {"fetched": [...], "errors": [...],
"stats": {...}} on stdout. Used by tests that need a real Scrapy downloader-middleware chain.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess


class _ProbeSpider(scrapy.Spider):
    name = "probe"

    def __init__(self, urls: list[str], sink: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._urls = urls
        self._sink = sink

    async def start(self):  # type: ignore[override]
        for url in self._urls:
            yield scrapy.Request(url, callback=self.parse, errback=self.failed, dont_filter=True)

    def parse(self, response: scrapy.http.Response) -> None:
        self._sink["fetched"].append(
            {"url": response.url, "status": response.status, "request_url": response.request.url}
        )

    def failed(self, failure: Any) -> None:
        self._sink["errors"].append(
            {
                "url": failure.request.url,
                "error": type(failure.value).__name__,
                "message": str(failure.value),
            }
        )


def main() -> None:
    job = json.load(sys.stdin)
    sink: dict[str, list[Any]] = {"fetched": [], "errors": []}
    process = CrawlerProcess(settings=job["settings"])
    crawler = process.create_crawler(_ProbeSpider)
    process.crawl(crawler, urls=job["urls"], sink=sink)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    json.dump({**sink, "stats": stats}, sys.stdout)


if __name__ == "__main__":
    main()
