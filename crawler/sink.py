"""The crawler's hand-off contract: what it asks of, and gives to, whoever stores its results.

monitor/ implements this over the database; crawler/ never imports monitor/.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from crawler.items import ExtractedArticle


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


def wanted(
    current_as_of: dt.datetime | None, known: bool, entry_updated: dt.datetime | None
) -> bool:
    """New URLs are fetched; a known one only when its entry shows a newer updated time."""
    if not known:
        return True
    if entry_updated is None or current_as_of is None:
        return False
    return entry_updated > current_as_of


@dataclass(frozen=True)
class Validators:
    """A feed's ETag/Last-Modified, handed over only once every entry it listed was handled.

    Until then the stored validators are empty, so a crawl interrupted mid-way (Ctrl-C, kill)
    is followed by a full poll rather than a 304 that would hide the entries it never fetched.
    """

    source: str
    etag: str | None
    last_modified: str | None


class CrawlSink(Protocol):
    """Storage side of a crawl; every method is called on the crawl's reactor thread.

    ``save_article`` may buffer: the crawl calls ``flush`` when it ends (also when it fails),
    and only then is every article handed over guaranteed stored.
    """

    def feed_state(self, source: str) -> FeedState: ...

    def record_poll(self, result: PollResult) -> None: ...

    def record_validators(self, validators: Validators) -> None: ...

    def known(self, urls: list[str]) -> dict[str, dt.datetime | None]:
        """The stored ones among ``urls`` (normalised), each with the time its copy is current as of."""
        ...

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

    def flush(self) -> None:
        """Store everything handed over so far; called when the crawl ends, however it ends."""
        ...
