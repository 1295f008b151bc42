"""What each desk page shows, read from the database as plain rows (templates stay dumb)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from monitor.deliver.digest.collect import day_stories as collect_stories
from monitor.deliver.digest.collect import day_window, position_history
from monitor.deliver.digest.model import PositionRow, StoryRow, position_table
from monitor.deliver.digest.swimlanes import swimlanes_svg
from monitor.desk.highlight import Highlighted, highlight_claim
from monitor.judge.rules import RuleSet
from monitor.store.db import in_chunks
from monitor.store.models import (
    Alert,
    Article,
    Claim,
    Correction,
    Event,
    Source,
    Story,
)

PAGE_SIZE = 50


def _site(article: Article | None) -> str | None:
    return (article.domain or article.site_name) if article else None


@dataclass(frozen=True)
class EventCard:
    """One event as the day page and the event page show it."""

    event: Event
    url: str | None
    title: str | None
    site: str | None
    alert_status: str | None = None


def day_events(session: Session, day: dt.date, timezone: str) -> list[EventCard]:
    """The events recorded on a local day, oldest first, with their article's link."""
    start, end = day_window(day, timezone)
    rows = session.execute(
        select(Event, Article.url, Article.canonical_url, Article.title, Article.domain)
        .outerjoin(Article, Event.article_id == Article.id)
        .where(Event.created_at >= start, Event.created_at < end)
        .order_by(Event.created_at, Event.id)
    ).all()
    ids = [row[0].id for row in rows]
    status: dict[int, str] = {}
    for chunk in in_chunks(ids):
        for event_id, alert_status in session.execute(
            select(Alert.event_id, Alert.status).where(
                Alert.event_id.in_(chunk), Alert.kind == "event"
            )
        ):
            if event_id is not None:
                status[event_id] = alert_status
    return [
        EventCard(event, canonical or url, title, domain, status.get(event.id))
        for event, url, canonical, title, domain in rows
    ]


def day_stories(session: Session, day: dt.date, timezone: str, limit: int = 30) -> list[StoryRow]:
    """The digest's top stories of the day (most copies first), the same rows it shows."""
    start, end = day_window(day, timezone)
    rows = collect_stories(session, start, end)
    return sorted(rows, key=lambda s: (-len(s.copies), -s.claims, s.title))[:limit]


@dataclass(frozen=True)
class FailingSource:
    name: str
    consecutive_failures: int
    failing_since: dt.datetime | None
    last_error: str | None


def failing_sources(session: Session) -> list[FailingSource]:
    return [
        FailingSource(s.name, s.consecutive_failures, s.failing_since, s.last_error)
        for s in session.scalars(
            select(Source)
            .where(Source.consecutive_failures > 0)
            .order_by(Source.consecutive_failures.desc(), Source.name)
        )
    ]


@dataclass(frozen=True)
class StoryMember:
    article: Article
    is_original: bool


@dataclass
class EventDetail:
    """Everything the event page shows about one event."""

    card: EventCard
    claim: Claim | None
    spans: Highlighted | None
    story: Story | None
    members: list[StoryMember] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    replies: list[Alert] = field(default_factory=list)
    corrections: list[Correction] = field(default_factory=list)
    claim_article: Article | None = None


def story_members(session: Session, story: Story | None) -> list[StoryMember]:
    if story is None:
        return []
    articles = session.scalars(
        select(Article).where(Article.story_id == story.id).order_by(Article.id)
    ).all()
    return [StoryMember(a, a.id == story.original_id) for a in articles]


def event_detail(session: Session, event_id: int, ruleset: RuleSet) -> EventDetail | None:
    event = session.get(Event, event_id)
    if event is None:
        return None
    article = session.get(Article, event.article_id) if event.article_id else None
    claim = session.get(Claim, event.claim_id) if event.claim_id else None
    spans = highlight_claim(claim, ruleset) if claim is not None else None
    story = session.get(Story, event.story_id) if event.story_id else None
    alerts = list(
        session.scalars(
            select(Alert)
            .where(Alert.event_id == event.id, Alert.kind == "event")
            .order_by(Alert.id)
        )
    )
    replies = list(
        session.scalars(
            select(Alert)
            .where(Alert.event_id == event.id, Alert.kind == "thread")
            .order_by(Alert.id)
        )
    )
    targets = [("event", event.id)] + ([("claim", claim.id)] if claim else [])
    corrections = list(
        session.scalars(
            select(Correction)
            .where(
                or_(*[(Correction.target == t) & (Correction.target_id == i) for t, i in targets])
            )
            .order_by(Correction.id)
        )
    )
    status = alerts[0].status if alerts else None
    return EventDetail(
        card=EventCard(
            event,
            (article.canonical_url or article.url) if article else None,
            article.title if article else None,
            _site(article),
            status,
        ),
        claim=claim,
        spans=spans,
        story=story,
        members=story_members(session, story),
        alerts=alerts,
        replies=replies,
        corrections=corrections,
        claim_article=claim.article if claim else None,
    )


@dataclass(frozen=True)
class PositionsView:
    rows: tuple[PositionRow, ...]
    chart: str


def positions_view(session: Session, day: dt.date) -> PositionsView:
    """The position table as of ``day`` (baseline-only rows marked) and the one swimlane chart."""
    history = position_history(session, day)
    return PositionsView(position_table(history, day), swimlanes_svg(history, day))


@dataclass(frozen=True)
class Paged:
    items: Sequence[Any]
    page: int
    pages: int
    total: int
    q: str


def _paged(session: Session, query: Select[Any], count: Select[Any], page: int, q: str) -> Paged:
    total = int(session.scalar(count) or 0)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    items = session.execute(query.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Paged(items, page, pages, total, q)


def _like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def stories_page(session: Session, q: str, page: int) -> Paged:
    """Stories, newest first: title, original site, how many articles; searched by title."""
    members = (
        select(Article.story_id, func.count().label("n"))
        .where(Article.story_id.is_not(None))
        .group_by(Article.story_id)
        .subquery()
    )
    where = [Story.title.ilike(_like(q), escape="\\")] if q else []
    query = (
        select(Story, members.c.n)
        .outerjoin(members, members.c.story_id == Story.id)
        .where(*where)
        .order_by(Story.last_seen_at.desc(), Story.id.desc())
    )
    count = select(func.count()).select_from(Story).where(*where)
    return _paged(session, query, count, page, q)


def sources_page(session: Session, q: str, page: int) -> Paged:
    """Sources, failing first (most consecutive failures on top), then by name; searched."""
    where = (
        [or_(Source.name.ilike(_like(q), escape="\\"), Source.url.ilike(_like(q), escape="\\"))]
        if q
        else []
    )
    query = select(Source).where(*where).order_by(Source.consecutive_failures.desc(), Source.name)
    count = select(func.count()).select_from(Source).where(*where)
    return _paged(session, query, count, page, q)


def corrections_list(session: Session, limit: int = 200) -> list[Correction]:
    return list(session.scalars(select(Correction).order_by(Correction.id.desc()).limit(limit)))
