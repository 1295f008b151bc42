"""Named queries: every read and write of the database goes through a function here."""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from crawler.extract import ExtractedArticle
from crawler.sink import FeedState, PollResult
from crawler.sources import SourceSpec
from crawler.urls import domain_of, normalize_url
from monitor.dedup.fingerprint import text_hash as dedup_text_hash
from monitor.dedup.normalize import normalized_text
from monitor.models import Article, Event, Run, Source, Story, utcnow

logger = logging.getLogger(__name__)


def text_hash(text: str) -> str:
    """Hash of the normalised text: equal for exact copies, unchanged by chrome-only edits."""
    return dedup_text_hash(normalized_text(text))


def sync_sources(session: Session, specs: Sequence[SourceSpec]) -> dict[str, Source]:
    """Make the sources table list the configured sources (kept rows keep their health)."""
    rows = {s.name: s for s in session.scalars(select(Source))}
    for spec in specs:
        row = rows.get(spec.name)
        if row is None:
            row = Source(name=spec.name, kind=spec.kind, url=str(spec.url))
            session.add(row)
            rows[spec.name] = row
        elif row.url != str(spec.url) or row.kind != spec.kind:
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


def should_fetch(session: Session, url_normalized: str, entry_updated: dt.datetime | None) -> bool:
    """New URLs are fetched; a known one only when its entry shows a newer updated time."""
    row = session.execute(
        select(Article.entry_updated, Article.fetched_at).where(
            Article.url_normalized == url_normalized
        )
    ).first()
    if row is None:
        return True
    known_updated, fetched_at = row
    if entry_updated is None:
        return False
    return entry_updated > (known_updated or fetched_at)


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
    key = url_normalized or normalize_url(extracted.url)
    source_id = None
    if source:
        source_id = session.scalar(select(Source.id).where(Source.name == source))
    article = session.scalars(select(Article).where(Article.url_normalized == key)).one_or_none()
    digest = text_hash(extracted.text)
    changed = article is None or article.text_hash != digest
    if article is None:
        article = Article(url_normalized=key, url=extracted.url, source_id=source_id)
        session.add(article)
    article.url = extracted.url
    article.canonical_url = extracted.canonical_url
    article.domain = domain_of(extracted.canonical_url) or domain_of(extracted.url)
    article.site_name = extracted.site_name
    article.title = extracted.title
    article.authors = list(extracted.authors)
    article.published = extracted.published or entry_published or article.published
    article.updated = extracted.updated
    article.entry_updated = entry_updated or article.entry_updated
    article.fetched_at = utcnow()
    article.language = extracted.language
    article.attributed_publisher = extracted.attributed_publisher
    article.original_url = extracted.original_url
    if changed:
        article.text = extracted.text
        article.text_hash = digest
        article.analysed_at = None
        article.text_dropped_at = None
    session.flush()
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
            select(Article).options(selectinload(Article.claims), selectinload(Article.source))
            .where(Article.id > last_id).order_by(Article.id).limit(batch)
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


@dataclass(frozen=True)
class SourceHealth:
    name: str
    kind: str
    url: str
    last_success_at: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    consecutive_failures: int
    failing_since: dt.datetime | None
    items_24h: int


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


class StoreSink:
    """The database side of a crawl (crawler.sink.CrawlSink), one short transaction per call."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        on_progress: Callable[[Counter[str]], None] | None = None,
    ) -> None:
        self.factory = factory
        self.counters: Counter[str] = Counter()
        self.on_progress = on_progress

    def _progress(self, key: str) -> None:
        self.counters[key] += 1
        if self.on_progress is not None:
            self.on_progress(self.counters)

    def feed_state(self, source: str) -> FeedState:
        with self.factory() as session:
            row = session.execute(
                select(Source.etag, Source.last_modified).where(Source.name == source)
            ).first()
        return FeedState(*row) if row else FeedState()

    def record_poll(self, result: PollResult) -> None:
        with self.factory.begin() as session:
            record_poll(session, result)
        self._progress("polled")

    def should_fetch(self, url_normalized: str, entry_updated: dt.datetime | None) -> bool:
        with self.factory() as session:
            return should_fetch(session, url_normalized, entry_updated)

    def save_article(
        self,
        article: ExtractedArticle,
        *,
        source: str | None,
        url_normalized: str,
        entry_updated: dt.datetime | None,
        entry_published: dt.datetime | None,
    ) -> None:
        with self.factory.begin() as session:
            _, changed = save_article(
                session,
                article,
                source=source,
                url_normalized=url_normalized,
                entry_updated=entry_updated,
                entry_published=entry_published,
            )
        self._progress("stored" if changed else "unchanged")

    def record_fetch_failure(self, source: str | None, url: str, reason: str) -> None:
        self._progress("fetch_failed")
        logger.info("source %s: %s not stored: %s", source, url, reason)


@dataclass(frozen=True)
class StoryRow:
    """One story for listings: its original and the domains its copies appeared on."""

    id: int
    title: str | None
    original_url: str | None
    original_domain: str | None
    copy_domains: list[str]
    first_seen_at: dt.datetime
    last_seen_at: dt.datetime


def stories_since(
    session: Session, since: dt.datetime | None = None, limit: int = 500
) -> list[StoryRow]:
    """Stories seen on or after ``since``, most recently seen first."""
    query = select(Story).order_by(Story.last_seen_at.desc(), Story.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Story.last_seen_at >= since)
    stories = list(session.scalars(query))
    members: dict[int, list[tuple[int, str | None]]] = {s.id: [] for s in stories}
    originals: dict[int, str | None] = {}
    if stories:
        rows = session.execute(
            select(Article.story_id, Article.id, Article.url, Article.domain)
            .where(Article.story_id.in_(list(members)))
            .order_by(Article.id)
        )
        domains: dict[int, str | None] = {}
        for story_id, article_id, url, domain in rows:
            # The site a page belongs to: its canonical URL's domain, else where it was fetched.
            domains[article_id] = domain or domain_of(url)
            members[story_id].append((article_id, domains[article_id]))
            originals[article_id] = url
    out = []
    for story in stories:
        original_url = originals.get(story.original_id) if story.original_id else None
        original_domain = domains.get(story.original_id) if story.original_id else None
        copies = sorted(
            {d for aid, d in members[story.id] if aid != story.original_id and d}
            - ({original_domain} if original_domain else set())
        )
        out.append(
            StoryRow(
                story.id, story.title, original_url, original_domain, copies,
                story.first_seen_at, story.last_seen_at,
            )
        )
    return out
