"""The alert outbox: events become alert rows in the transaction that records them.

Nothing here talks to Slack. ``enqueue_event_alerts`` routes an event to channels (by event type,
issue and side; every matching route gets a copy, otherwise the default channel) and snapshots what
the message will say; later copies of the story and reiterations become thread replies
(``kind='thread'``, ``parent_id``) under the alert they follow up.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.config import AppConfig, Route
from monitor.deliver.view import AlertView, CopyRef
from monitor.store.kinds import ALERTING, AlertKind, AlertStatus, OutboxKind
from monitor.store.models import Alert, Article, Claim, Event

logger = logging.getLogger(__name__)


def route_channels(
    routes: Sequence[Route], event_type: str, issue: str, side: str
) -> list[str | None]:
    """Channels of every matching route, in config order; ``[None]`` (the default) if none match."""
    channels: list[str | None] = []
    for route in routes:
        if route.event_types and event_type not in route.event_types:
            continue
        if route.issues and issue not in route.issues:
            continue
        if route.sides and side not in route.sides:
            continue
        if route.channel not in channels:
            channels.append(route.channel)
    return channels or [None]


def _site(article: Article) -> str | None:
    return article.domain or article.site_name


def _source_fields(article: Article | None) -> dict[str, str | None]:
    """Where an alert points: the article's canonical link, title and site."""
    if article is None:
        return {"url": None, "title": None, "site": None}
    return {
        "url": article.canonical_url or article.url,
        "title": article.title,
        "site": _site(article),
    }


def story_copies(
    session: Session, story_id: int | None, original_id: int | None
) -> tuple[CopyRef, ...]:
    """Other articles folded into the story, as "also on" links."""
    if story_id is None:
        return ()
    rows = session.scalars(
        select(Article)
        .where(Article.story_id == story_id, Article.id != original_id)
        .order_by(Article.id)
    )
    return tuple(CopyRef(_site(a) or a.url, a.url) for a in rows)


def review_url(config: AppConfig | None, event_id: int | None) -> str | None:
    """The event's page on the review desk, when ``ui.base_url`` says where the desk is."""
    base = config.topic.ui.base_url if config is not None else None
    if not base or event_id is None:
        return None
    return f"{base.rstrip('/')}/event/{event_id}"


def event_view(session: Session, event: Event, config: AppConfig | None = None) -> AlertView:
    """The alert's facts, read once from the event, its article and its story."""
    article = session.get(Article, event.article_id) if event.article_id else None
    return AlertView(
        kind=AlertKind.EVENT,
        event_type=event.type,
        side=event.side,
        issue=event.issue,
        stance=event.stance,
        statement_date=event.statement_date,
        evidence=event.evidence,
        **_source_fields(article),  # type: ignore[arg-type]
        actor=event.actor,
        confidence=event.confidence,
        previous_stance=event.previous_stance,
        previous_date=event.previous_date,
        previous_evidence=event.previous_evidence,
        previous_url=event.previous_url,
        also_on=story_copies(session, event.story_id, article.id if article else None),
        event_id=event.id,
        story_id=event.story_id,
        review_url=review_url(config, event.id),
        backfilled=event.backfilled,
    )


def enqueue_event_alerts(session: Session, event: Event, config: AppConfig) -> list[Alert]:
    """Outbox rows for one event, in the caller's transaction; idempotent per event."""
    if event.type not in ALERTING:
        return []
    if event.id is None:
        session.flush()
    existing = session.scalars(
        select(Alert).where(Alert.event_id == event.id, Alert.kind == OutboxKind.EVENT)
    ).all()
    if existing:
        return list(existing)
    payload = {"view": event_view(session, event, config).to_payload()}
    alerts = [
        Alert(
            event_id=event.id,
            kind=OutboxKind.EVENT,
            channel=channel,
            payload=payload,
            status=AlertStatus.PENDING,
        )
        for channel in route_channels(
            config.topic.alerts.routes, event.type, event.issue, event.side
        )
    ]
    session.add_all(alerts)
    session.flush()
    logger.debug(
        "event %s (%s) queued as alert(s) %s", event.id, event.type, [a.id for a in alerts]
    )
    return alerts


def _thread_reply(session: Session, parent: Alert, view: AlertView, dedup_key: str) -> Alert | None:
    replies = session.scalars(select(Alert).where(Alert.parent_id == parent.id)).all()
    if any((r.payload or {}).get("key") == dedup_key for r in replies):
        return None
    reply = Alert(
        event_id=parent.event_id,
        parent_id=parent.id,
        kind=OutboxKind.THREAD,
        channel=parent.channel,
        payload={"view": view.to_payload(), "key": dedup_key},
        status=AlertStatus.PENDING,
    )
    session.add(reply)
    return reply


def _event_alerts(session: Session, *conditions: Any) -> list[tuple[Alert, Event]]:
    query = (
        select(Alert, Event)
        .join(Event, Alert.event_id == Event.id)
        .where(Alert.kind == OutboxKind.EVENT, *conditions)
        .order_by(Event.statement_date.desc(), Event.id.desc(), Alert.id)
    )
    return [(alert, event) for alert, event in session.execute(query)]


def _story_threads(session: Session, story_id: int) -> list[tuple[Alert, int | None]]:
    """The alerts whose threads announced a story, each with the article that was announced.

    A story's own events' alerts; a story that raised no event but was posted as a reiteration
    is announced in the thread that reiteration went to, so its later copies follow it there.
    """
    events = _event_alerts(session, Event.story_id == story_id)
    if events:
        return [(alert, event.article_id) for alert, event in events]
    claims = dict(
        session.execute(select(Claim.id, Claim.article_id).where(Claim.story_id == story_id)).all()
    )
    if not claims:
        return []
    replies = session.scalars(
        select(Alert)
        .where(
            Alert.kind == OutboxKind.THREAD,
            Alert.payload["key"].as_string().in_([f"claim:{cid}" for cid in claims]),
        )
        .order_by(Alert.id)
    ).all()
    threads: dict[int, tuple[Alert, int | None]] = {}
    for reply in replies:
        parent = session.get(Alert, reply.parent_id) if reply.parent_id else None
        if parent is not None and parent.id not in threads:
            key = str((reply.payload or {}).get("key", ""))
            announced = claims.get(int(key.removeprefix("claim:")))
            threads[parent.id] = (parent, announced)
    return list(threads.values())


def enqueue_copy_alerts(session: Session, article: Article) -> list[Alert]:
    """A copy folded into a story that already alerted: one reply in each alert's thread."""
    if article.story_id is None:
        return []
    created = []
    for parent, announced in _story_threads(session, article.story_id):
        if article.id == announced:
            continue
        base = AlertView.from_payload((parent.payload or {})["view"])
        view = AlertView(
            kind=AlertKind.COPY,
            event_type=base.event_type,
            side=base.side,
            issue=base.issue,
            stance=base.stance,
            statement_date=base.statement_date,
            evidence="",
            **_source_fields(article),  # type: ignore[arg-type]
            event_id=base.event_id,
            story_id=article.story_id,
        )
        reply = _thread_reply(session, parent, view, f"copy:{article.id}")
        if reply is not None:
            created.append(reply)
    session.flush()
    return created


def enqueue_reiteration_alerts(session: Session, claim: Claim) -> list[Alert]:
    """A reiteration of the stance an alert announced: a reply in the latest such alert's thread."""
    parents = _event_alerts(
        session, Event.side == claim.side, Event.issue == claim.issue, Event.stance == claim.stance
    )
    if not parents:
        return []
    latest_event = parents[0][1].id
    article = claim.article
    view = AlertView(
        kind=AlertKind.REITERATION,
        event_type="REITERATION",
        side=claim.side,
        issue=claim.issue,
        stance=claim.stance,
        statement_date=claim.statement_date or article.fetched_at.date(),
        evidence=claim.evidence,
        **_source_fields(article),  # type: ignore[arg-type]
        actor=claim.actor,
        confidence=claim.confidence,
        story_id=claim.story_id,
    )
    created = []
    for parent in (alert for alert, event in parents if event.id == latest_event):
        reply = _thread_reply(session, parent, view, f"claim:{claim.id}")
        if reply is not None:
            created.append(reply)
    session.flush()
    return created


def enqueue_retraction_alerts(session: Session, event: Event) -> list[Alert]:
    """A retracted event: one "retracted" reply under each sent alert; unsent ones are cancelled."""
    created = []
    for parent in session.scalars(
        select(Alert).where(Alert.event_id == event.id, Alert.kind == "event").order_by(Alert.id)
    ):
        if parent.status == "sent":
            base = AlertView.from_payload((parent.payload or {})["view"])
            view = AlertView(
                kind=AlertKind.RETRACTION,
                event_type=base.event_type,
                side=base.side,
                issue=base.issue,
                stance=base.stance,
                statement_date=base.statement_date,
                evidence=event.retraction_reason or "",
                url=base.url,
                title=base.title,
                site=base.site,
                event_id=event.id,
                story_id=base.story_id,
            )
            reply = _thread_reply(session, parent, view, "retracted")
            if reply is not None:
                created.append(reply)
        elif parent.status in ("pending", "failed"):
            parent.status, parent.last_error = "failed", "event retracted before it was sent"
    session.flush()
    return created
