"""The crawler's hand-off contract: what it asks of, and gives to, whoever stores its results.

monitor/ implements this over the database; crawler/ never imports monitor/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from crawler.extract import ExtractedArticle


@dataclass(frozen=True)
class FeedState:
    """Conditional-GET validators remembered from the previous poll of a source."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class PollResult:
    """The outcome of polling one source once."""

    source: str
    ok: bool
    status: int | None = None
    not_modified: bool = False
    etag: str | None = None
    last_modified: str | None = None
    entries: int = 0
    new_entries: int = 0
    error: str | None = None
    bozo_error: str | None = None


class CrawlSink(Protocol):
    """Storage side of a crawl; every method is called on the crawl's reactor thread."""

    def feed_state(self, source: str) -> FeedState: ...

    def record_poll(self, result: PollResult) -> None: ...

    def should_fetch(self, url_normalized: str, entry_updated: dt.datetime | None) -> bool: ...

    def save_article(
        self,
        article: ExtractedArticle,
        *,
        source: str | None,
        url_normalized: str,
        entry_updated: dt.datetime | None,
        entry_published: dt.datetime | None,
    ) -> None: ...

    def record_fetch_failure(self, source: str | None, url: str, reason: str) -> None: ...
