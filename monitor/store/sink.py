"""The database side of a crawl: what the crawler hands over, stored by one writer thread."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ExtractedArticle
from crawler.sink import FeedState, PollResult, Validators
from monitor.store.articles import ArticleToSave, known_urls, save_articles
from monitor.store.models import Source
from monitor.store.sources import record_poll, record_validators

logger = logging.getLogger(__name__)

_FLUSH = object()  # queue marker: write what is buffered now, then let the writer thread end


class StoreSink:
    """The database side of a crawl (crawler.sink.CrawlSink) with one writer thread.

    Writes (articles, poll results) are queued and a single background thread (one writer, as
    SQLite wants) stores them in one transaction per ``batch_size`` items or ``batch_seconds``,
    so the reactor thread never waits on a commit. ``flush`` blocks until everything queued is
    stored; the crawl calls it when it ends, however it ends. Reads run on the caller's thread.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        on_progress: Callable[[Counter[str]], None] | None = None,
        *,
        batch_size: int = 200,
        batch_seconds: float = 0.5,
    ) -> None:
        if batch_size < 1 or batch_seconds < 0:
            raise ValueError(
                f"batch_size must be >= 1 and batch_seconds >= 0, not {batch_size}, {batch_seconds}"
            )
        self.factory = factory
        self.counters: Counter[str] = Counter()
        self.on_progress = on_progress
        self.batch_size = batch_size
        self.batch_seconds = batch_seconds
        self._queue: queue.Queue[object] = queue.Queue()
        self._lock = threading.Lock()
        self._writer: threading.Thread | None = None
        self.source_failures: dict[str, str] = {}  # source -> why its poll failed
        self.fetch_failures: dict[str, str] = {}  # url -> why it was not stored (first few)

    def _progress(self, key: str, n: int = 1) -> None:
        self.counters[key] += n
        if self.on_progress is not None:
            self.on_progress(self.counters)

    def feed_state(self, source: str) -> FeedState:
        with self.factory() as session:
            row = session.execute(
                select(Source.etag, Source.last_modified).where(Source.name == source)
            ).first()
        return FeedState(*row) if row else FeedState()

    def record_poll(self, result: PollResult) -> None:
        if not result.ok:
            self.source_failures[result.source] = result.error or f"HTTP {result.status}"
        else:
            self.source_failures.pop(result.source, None)
        self._enqueue(result)

    def record_validators(self, validators: Validators) -> None:
        self._enqueue(validators)

    def known(self, urls: list[str]) -> dict[str, dt.datetime | None]:
        with self.factory() as session:
            return known_urls(session, urls)

    def save_article(
        self,
        article: ExtractedArticle,
        *,
        source: str | None,
        url_normalized: str,
        entry_updated: dt.datetime | None,
        entry_published: dt.datetime | None,
    ) -> None:
        self._enqueue(
            ArticleToSave(article, source, url_normalized, entry_updated, entry_published)
        )

    def record_fetch_failure(self, source: str | None, url: str, reason: str) -> None:
        self._progress("fetch_failed")
        if len(self.fetch_failures) < 20:
            self.fetch_failures[url] = reason
        logger.info("source %s: %s not stored: %s", source, url, reason)

    def flush(self) -> None:
        """Block until everything handed over so far is stored (or logged as unstorable)."""
        with self._lock:
            if self._writer is None:
                return
            self._queue.put(_FLUSH)
        self._queue.join()

    def _enqueue(self, item: object) -> None:
        with self._lock:
            self._queue.put(item)
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_loop, name="newsmon-store-writer", daemon=True
                )
                self._writer.start()

    def _write_loop(self) -> None:
        while True:
            batch: list[object] = []
            item = self._queue.get()
            deadline = time.monotonic() + self.batch_seconds
            while item is not _FLUSH:
                batch.append(item)
                if len(batch) >= self.batch_size:
                    break
                try:
                    item = self._queue.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in range(len(batch) + (item is _FLUSH)):
                    self._queue.task_done()
            if item is _FLUSH:
                with self._lock:
                    if self._queue.empty():  # nothing arrived meanwhile: the thread ends
                        self._writer = None
                        return

    def _write(self, batch: list[object]) -> None:
        """One transaction for the batch; if it fails, each item alone, so one bad row costs one."""
        if not batch:
            return
        try:
            for attempt in range(RACE_RETRIES + 1):
                try:
                    self._write_items(batch)
                    break
                except (IntegrityError, OperationalError) as exc:
                    if attempt == RACE_RETRIES or not _lost_a_race(exc):
                        raise
                    # Another process stored the same article (or wrote first): read again.
                    logger.info("another process wrote first (%s); writing again", exc.orig)
        except Exception:
            if len(batch) == 1:
                logger.exception("could not store %s", _describe(batch[0]))
                self._progress("store_failed")
                return
            logger.warning(
                "batch of %d writes failed; storing them one by one", len(batch), exc_info=True
            )
            for item in batch:
                self._write([item])

    def _write_items(self, batch: list[object]) -> None:
        articles = [i for i in batch if isinstance(i, ArticleToSave)]
        polls = [i for i in batch if isinstance(i, PollResult)]
        with self.factory.begin() as session:
            for poll in polls:
                record_poll(session, poll)
            changed = save_articles(session, articles) if articles else []
            for item in batch:  # after the articles: validators never outrun what they cover
                if isinstance(item, Validators):
                    record_validators(session, item)
        stored = sum(changed)
        if polls:
            self._progress("polled", len(polls))
        if stored:
            self._progress("stored", stored)
        if len(changed) - stored:
            self._progress("unchanged", len(changed) - stored)


RACE_RETRIES = 3


def _lost_a_race(exc: IntegrityError | OperationalError) -> bool:
    """A unique key another process inserted first, or SQLite's stale read snapshot."""
    text = str(exc.orig)
    return isinstance(exc, IntegrityError) or "locked" in text or "busy" in text.lower()


def _describe(item: object) -> str:
    if isinstance(item, ArticleToSave):
        return f"article {item.extracted.url}"
    if isinstance(item, PollResult):
        return f"poll result of source {item.source}"
    return repr(item)
