"""Scrapy settings for a long-running, polite crawler, built from the topic's CrawlOptions."""

from __future__ import annotations

from typing import Any

from scrapy.settings.default_settings import EXTENSIONS_BASE

from crawler.sources import CrawlOptions

RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
DOWNLOADER_MIDDLEWARES = {
    # Before robots.txt (100), so a refused host is not even asked for its robots.txt.
    "crawler.guard.AddressGuardMiddleware": 50,
    # Scrapy's robots.txt middleware, plus copies kept across a long-lived worker's crawls.
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.KeptRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.politeness.BackoffRetryMiddleware": 550,
    # Cookies stay off (COOKIES_ENABLED): out of the list, its module and tldextract (~35 ms
    # of every crawl's start) are not even imported.
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
}


def user_agent(options: CrawlOptions) -> str:
    if options.contact:
        return f"{options.user_agent} contact: {options.contact}"
    return options.user_agent


def build_settings(options: CrawlOptions, log_level: str = "INFO") -> dict[str, Any]:
    """Everything Scrapy needs; nothing read from a project settings module."""
    return {
        "BOT_NAME": "newsmon",
        "USER_AGENT": user_agent(options),
        "ROBOTSTXT_OBEY": options.obey_robots_txt,
        "AUTOTHROTTLE_ENABLED": options.autothrottle,
        "AUTOTHROTTLE_START_DELAY": max(options.download_delay, 0.5),
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(options.concurrent_per_domain),
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "DOWNLOAD_DELAY": options.download_delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,
        "CONCURRENT_REQUESTS": options.concurrent_requests,
        "CONCURRENT_REQUESTS_PER_DOMAIN": options.concurrent_per_domain,
        # Scrapy starts CONCURRENT_ITEMS asyncio tasks for every callback's output; our
        # callbacks yield one item (or a feed's requests), so 100 tasks per page was pure overhead.
        "CONCURRENT_ITEMS": 8,
        "DOWNLOAD_TIMEOUT": options.timeout_seconds,
        "DNS_TIMEOUT": min(options.timeout_seconds, 20),
        "TWISTED_DNS_RESOLVER": "crawler.guard.GuardedResolver",
        "RETRY_ENABLED": options.retries > 0,
        "RETRY_TIMES": options.retries,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "NEWSMON_RETRY_AFTER_MAX": options.retry_after_max_seconds,
        "NEWSMON_RETRY_BACKOFF_BASE": options.retry_backoff_seconds,
        "DOWNLOADER_MIDDLEWARES": DOWNLOADER_MIDDLEWARES,
        "NEWSMON_ALLOW_PRIVATE_NETWORKS": list(options.allow_private_networks),
        "DOWNLOAD_MAXSIZE": max(options.max_page_bytes, options.max_feed_bytes),
        "DOWNLOAD_WARNSIZE": min(options.max_page_bytes, options.max_feed_bytes) // 2,
        # HttpCompressionMiddleware applies the size caps to the decompressed body too.
        "COMPRESSION_ENABLED": True,
        "HTTPCACHE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        # Scrapy 2.19's remote control runs Python code sent to an HTTP port it opens in every
        # crawl: never in a crawler of untrusted pages. Off, and left out of the base list so
        # its module (and aiohttp, 0.1-0.3 s) is not even imported.
        "REMOTE_CONTROL_ENABLED": False,
        "EXTENSIONS_BASE": {
            path: order for path, order in EXTENSIONS_BASE.items() if "remote_control" not in path
        },
        "REDIRECT_MAX_TIMES": 5,
        "LOG_LEVEL": log_level,
        "LOG_ENABLED": False,
        "ITEM_PIPELINES": {"crawler.pipelines.ExtractionPipeline": 300},
        "NEWSMON_EXTRACT_WORKERS": options.extract_workers,
        "NEWSMON_EXTRACT_IN_PROCESS": options.extract_in_process,
        "NEWSMON_MAX_PAGE_BYTES": options.max_page_bytes,
        "NEWSMON_MAX_FEED_BYTES": options.max_feed_bytes,
    }
