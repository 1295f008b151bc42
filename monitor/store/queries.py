"""Named queries: every read and write of the database goes through a function here."""

from __future__ import annotations

import datetime as dt
import logging
import queue
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from crawler.items import ExtractedArticle
from crawler.sink import FeedState, PollResult, Validators
from crawler.sources import SourceSpec
from crawler.urls import domain_of, normalize_url
from monitor.judge.dedup.fingerprint import text_hash as dedup_text_hash
from monitor.judge.dedup.normalize import normalized_text
from monitor.store.models import Article, Event, Run, Source, Story, utcnow
from monitor.store.rows import CopyRef, SourceHealth, StoryRow

logger = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    """Hash of the normalised text: equal for exact copies, unchanged by chrome-only edits."""
    return dedup_text_hash(normalized_text(text))


def sync_sources(session: Session, specs: Sequence[SourceSpec]) -> dict[str, Source]:
    """Make the sources table list the configured sources (kept rows keep their health)."""
    rows = {s.name: s for s in session.scalars(select(Source))}
    missing = [spec for spec in specs if spec.name not in rows]
    if missing:  # an upsert: another process may be adding the same sources right now
        insert = sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert
        session.execute(
            insert(Source)
            .values([{"name": s.name, "kind": s.kind, "url": str(s.url)} for s in missing])
            .on_conflict_do_nothing(index_elements=["name"])
        )
        rows = {s.name: s for s in session.scalars(select(Source))}
    for spec in specs:
        row = rows[spec.name]
        if row.url != str(spec.url) or row.kind != spec.kind:
            row.url, row.kind = str(spec.url), spec.kind
            row.etag = row.last_modified = None  # validators belong to the old URL
    session.flush()
    return rows


def record_poll(session: Session, result: PollResult, now: dt.datetime | None = None) -> None:
    now = now or utcnow()
    source = session.scalars(select(Source).where(Source.name == result.source)).one()
    source.last_polled_at = now
    source.total_polls += 1
    source.last_status = result.status
    if result.ok:
        source.last_success_at = now
        source.consecutive_failures = 0
        source.failing_since = None
        source.total_entries += result.new_entries
        if not result.not_modified or result.etag or result.last_modified:
            source.etag = result.etag or (source.etag if result.not_modified else None)
            source.last_modified = result.last_modified or (
                source.last_modified if result.not_modified else None
            )
        if not result.not_modified:
            source.bozo_error = result.bozo_error
        if result.bozo_error:
            source.last_error, source.last_error_at = f"malformed feed: {result.bozo_error}", now
    else:
        source.consecutive_failures += 1
        source.failing_since = source.failing_since or now
        source.last_error, source.last_error_at = result.error, now


URL_QUERY_CHUNK = 500  # bound parameters per IN (...) query; SQLite caps them


def record_validators(session: Session, validators: Validators) -> None:
    source = session.scalars(select(Source).where(Source.name == validators.source)).one()
    source.etag, source.last_modified = validators.etag, validators.last_modified


def known_urls(session: Session, urls: Sequence[str]) -> dict[str, dt.datetime | None]:
    """Stored ones among ``urls`` (normalised), each with the time its copy is current as of."""
    known: dict[str, dt.datetime | None] = {}
    unique = list(dict.fromkeys(urls))
    for start in range(0, len(unique), URL_QUERY_CHUNK):
        chunk = unique[start : start + URL_QUERY_CHUNK]
        rows = session.execute(
            select(Article.url_normalized, Article.entry_updated, Article.fetched_at).where(
                Article.url_normalized.in_(chunk)
            )
        )
        for key, entry_updated, fetched_at in rows:
            known[key] = entry_updated or fetched_at
    return known


@dataclass(frozen=True)
class ArticleToSave:
    """One extracted article with the feed entry it came from, waiting for its transaction."""

    extracted: ExtractedArticle
    source: str | None
    url_normalized: str | None = None
    entry_updated: dt.datetime | None = None
    entry_published: dt.datetime | None = None

    @property
    def key(self) -> str:
        return self.url_normalized or normalize_url(self.extracted.url)


def save_article(
    session: Session,
    extracted: ExtractedArticle,
    *,
    source: str | None,
    url_normalized: str | None = None,
    entry_updated: dt.datetime | None = None,
    entry_published: dt.datetime | None = None,
) -> tuple[Article, bool]:
    """Insert or refresh an article; returns it and whether its text is new (needs analysis)."""
    item = ArticleToSave(extracted, source, url_normalized, entry_updated, entry_published)
    source_id = None
    if source:
        source_id = session.scalar(select(Source.id).where(Source.name == source))
    existing = session.scalars(
        select(Article).where(Article.url_normalized == item.key)
    ).one_or_none()
    article, changed = _apply(session, item, existing, source_id)
    session.flush()
    return article, changed


def save_articles(session: Session, items: Sequence[ArticleToSave]) -> list[bool]:
    """``save_article`` for many at once (two look-up queries in all); whether each text is new."""
    names = {i.source for i in items if i.source}
    source_ids = (
        dict(session.execute(select(Source.name, Source.id).where(Source.name.in_(names))).all())
        if names
        else {}
    )
    keys = list(dict.fromkeys(i.key for i in items))
    existing: dict[str, Article] = {}
    for start in range(0, len(keys), URL_QUERY_CHUNK):
        chunk = keys[start : start + URL_QUERY_CHUNK]
        for row in session.scalars(select(Article).where(Article.url_normalized.in_(chunk))):
            existing[row.url_normalized] = row
    changed: list[bool] = []
    for item in items:
        article, is_new_text = _apply(
            session, item, existing.get(item.key), source_ids.get(item.source or "")
        )
        existing[item.key] = article  # the same URL twice in one batch: the later one refreshes
        changed.append(is_new_text)
    session.flush()
    return changed


def _apply(
    session: Session, item: ArticleToSave, article: Article | None, source_id: int | None
) -> tuple[Article, bool]:
    extracted = item.extracted
    digest = text_hash(extracted.text)
    changed = article is None or article.text_hash != digest
    if article is None:
        article = Article(url_normalized=item.key, url=extracted.url, source_id=source_id)
        session.add(article)
    article.url = extracted.url
    article.canonical_url = extracted.canonical_url
    article.domain = domain_of(extracted.canonical_url) or domain_of(extracted.url)
    article.site_name = extracted.site_name
    article.title = extracted.title
    article.authors = list(extracted.authors)
    article.published = extracted.published or item.entry_published or article.published
    article.updated = extracted.updated
    article.entry_updated = item.entry_updated or article.entry_updated
    article.fetched_at = utcnow()
    article.language = extracted.language
    article.attributed_publisher = extracted.attributed_publisher
    article.original_url = extracted.original_url
    if changed:
        article.text = extracted.text
        article.text_hash = digest
        article.analysed_at = None
        article.text_dropped_at = None
    return article, changed


def pending_articles(session: Session, limit: int = 500) -> list[Article]:
    """Articles whose current text has not been analysed, oldest statement first."""
    return list(
        session.scalars(
            select(Article)
            .where(Article.analysed_at.is_(None), Article.text.is_not(None))
            .order_by(func.coalesce(Article.published, Article.fetched_at), Article.id)
            .limit(limit)
        )
    )


def start_run(session: Session, kind: str) -> Run:
    run = Run(kind=kind, counters={})
    session.add(run)
    session.flush()
    return run


def finish_run(session: Session, run_id: int, counters: dict[str, int], error: str | None) -> None:
    run = session.get(Run, run_id)
    if run is None:
        return
    run.finished_at = utcnow()
    run.counters = dict(counters)
    run.ok = error is None
    run.error = error


def articles_for_export(
    session: Session, since: dt.datetime | None, batch: int = 500
) -> Iterator[tuple[Article, list[Event]]]:
    """Articles (claims loaded) with the events their claims raised, in id order, in batches."""
    last_id = 0
    while True:
        query = (
            select(Article)
            .options(selectinload(Article.claims), selectinload(Article.source))
            .where(Article.id > last_id)
            .order_by(Article.id)
            .limit(batch)
        )
        if since is not None:
            query = query.where(Article.fetched_at >= since)
        articles = list(session.scalars(query))
        if not articles:
            return
        events: dict[int, list[Event]] = {}
        for event in session.scalars(
            select(Event).where(Event.article_id.in_([a.id for a in articles])).order_by(Event.id)
        ):
            events.setdefault(event.article_id or 0, []).append(event)
        for article in articles:
            yield article, events.get(article.id, [])
        last_id = articles[-1].id


def source_health(session: Session, now: dt.datetime | None = None) -> list[SourceHealth]:
    now = now or utcnow()
    counts = dict(
        session.execute(
            select(Article.source_id, func.count())
            .where(Article.fetched_at >= now - dt.timedelta(hours=24))
            .group_by(Article.source_id)
        ).all()
    )
    return [
        SourceHealth(
            name=s.name,
            kind=s.kind,
            url=s.url,
            last_success_at=s.last_success_at,
            last_error=s.last_error,
            last_error_at=s.last_error_at,
            consecutive_failures=s.consecutive_failures,
            failing_since=s.failing_since,
            items_24h=counts.get(s.id, 0),
        )
        for s in session.scalars(select(Source).order_by(Source.name))
    ]


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


def stories_since(
    session: Session, since: dt.datetime | None = None, limit: int = 500
) -> list[StoryRow]:
    """Stories seen on or after ``since``, most recently seen first."""
    query = select(Story).order_by(Story.last_seen_at.desc(), Story.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Story.last_seen_at >= since)
    stories = list(session.scalars(query))
    members: dict[int, list[tuple[int, str | None]]] = {s.id: [] for s in stories}
    urls: dict[int, str] = {}
    domains: dict[int, str | None] = {}
    if stories:
        rows = session.execute(
            select(Article.story_id, Article.id, Article.url, Article.domain)
            .where(Article.story_id.in_(list(members)))
            .order_by(Article.id)
        )
        for story_id, article_id, url, domain in rows:
            # The site a page belongs to: its canonical URL's domain, else where it was fetched.
            domains[article_id] = domain or domain_of(url)
            members[story_id].append((article_id, domains[article_id]))  # type: ignore[index]
            urls[article_id] = url
    out = []
    for story in stories:
        original = story.original_id
        out.append(
            StoryRow(
                title=story.title,
                url=urls.get(original) if original else None,
                site=domains.get(original) if original else None,
                copies=tuple(
                    CopyRef(site or "", urls[aid])
                    for aid, site in members[story.id]
                    if aid != original
                ),
                id=story.id,
                first_seen_at=story.first_seen_at,
                last_seen_at=story.last_seen_at,
            )
        )
    return out
