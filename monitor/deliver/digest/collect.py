"""Read one local calendar day from the database into a ``DailyDigest``; write and queue it.

The day is a calendar day in the configured time zone, turned into a UTC window once here.
Files go to the digest directory, one per day (``digest-YYYY-MM-DD.html`` / ``.md``), overwritten
on a re-run; ``--send`` queues the Slack summary in the outbox once per day.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, Route
from monitor.deliver.digest.model import DailyDigest, PositionEntry, build_digest
from monitor.deliver.digest.render import render_html, render_markdown
from monitor.deliver.digest.summary import build_digest_blocks
from monitor.deliver.dispatch import Dispatcher, make_dispatcher
from monitor.deliver.outbox import route_channels
from monitor.deliver.view import AlertView
from monitor.store.db import in_chunks
from monitor.store.kinds import AlertKind, AlertStatus, OutboxKind
from monitor.store.models import Alert, Article, Claim, Event, Position, Run, utcnow
from monitor.store.models import Digest as DigestRecord
from monitor.store.rows import CopyRef, StoryRow
from monitor.store.sources import source_health

logger = logging.getLogger(__name__)


def day_window(day: dt.date, timezone: str) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants where the local ``day`` starts and the next one starts (DST-safe)."""
    zone = ZoneInfo(timezone)
    start = dt.datetime.combine(day, dt.time(0), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), zone)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


def local_today(timezone: str, now: dt.datetime | None = None) -> dt.date:
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


def _site(article: Article | None) -> str | None:
    return (article.domain or article.site_name) if article else None


def day_events(session: Session, start: dt.datetime, end: dt.datetime) -> list[AlertView]:
    rows = session.execute(
        select(Event, Article)
        .outerjoin(Article, Event.article_id == Article.id)
        .where(Event.created_at >= start, Event.created_at < end, Event.retracted_at.is_(None))
        .order_by(Event.created_at, Event.id)
    ).all()
    return [
        AlertView(
            kind=AlertKind.EVENT,
            event_type=e.type,
            side=e.side,
            issue=e.issue,
            stance=e.stance,
            statement_date=e.statement_date,
            evidence=e.evidence,
            actor=e.actor,
            url=(a.canonical_url or a.url) if a else None,
            title=a.title if a else None,
            site=_site(a),
            confidence=e.confidence,
            previous_stance=e.previous_stance,
            previous_date=e.previous_date,
            previous_evidence=e.previous_evidence,
            previous_url=e.previous_url,
            event_id=e.id,
            story_id=e.story_id,
            created_at=e.created_at,
            backfilled=e.backfilled,
        )
        for e, a in rows
    ]


def position_history(session: Session, day: dt.date) -> list[PositionEntry]:
    rows = session.execute(
        select(
            Position.side,
            Position.issue,
            Position.stance,
            Position.statement_date,
            Position.evidence,
            Position.url,
            Position.kind,
            Position.origin,
            Position.date_estimated,
        )
        .where(Position.statement_date <= day)
        .order_by(Position.statement_date, Position.id)
    ).all()
    return [PositionEntry(*row) for row in rows]


def day_stories(session: Session, start: dt.datetime, end: dt.datetime) -> list[StoryRow]:
    """Stories with a relevant article fetched that day, each with its original and its copies."""
    touched = session.execute(
        select(Article.id, Article.story_id).where(
            Article.fetched_at >= start, Article.fetched_at < end, Article.relevant.is_(True)
        )
    ).all()
    story_ids = sorted({s for _, s in touched if s is not None})
    loose = [a for a, s in touched if s is None]
    members: dict[int, list[Article]] = defaultdict(list)
    claims: Counter[int] = Counter()
    for chunk in in_chunks(story_ids):
        for article in session.scalars(
            select(Article).where(Article.story_id.in_(chunk)).order_by(Article.id)
        ):
            members[article.story_id].append(article)  # type: ignore[index]
        claims.update(
            dict(
                session.execute(
                    select(Claim.story_id, func.count())
                    .where(Claim.story_id.in_(chunk))
                    .group_by(Claim.story_id)
                ).all()  # type: ignore[arg-type]  # story_id IN (...) is never NULL
            )
        )
    rows = []
    for story_id in story_ids:
        articles = members[story_id]
        original = next((a for a in articles if a.duplicate_of is None), articles[0])
        copies = tuple(
            CopyRef(_site(a) or a.url, a.canonical_url or a.url, a.relation or "copy")
            for a in articles
            if a is not original
        )
        rows.append(
            StoryRow(
                original.title or original.url,
                original.canonical_url or original.url,
                _site(original),
                copies,
                claims.get(story_id, 0),
            )
        )
    for chunk in in_chunks(loose):
        for article in session.scalars(select(Article).where(Article.id.in_(chunk))):
            rows.append(
                StoryRow(
                    article.title or article.url,
                    article.canonical_url or article.url,
                    _site(article),
                    (),
                    0,
                )
            )
    return rows


def day_counts(
    session: Session, start: dt.datetime, end: dt.datetime, events: int
) -> dict[str, int]:
    """Run counters summed over the day, with events and alerts counted from their tables."""
    totals: Counter[str] = Counter()
    for counters in session.scalars(
        select(Run.counters).where(Run.started_at >= start, Run.started_at < end)
    ):
        totals.update(
            {k: int(v) for k, v in (counters or {}).items() if isinstance(v, (int, float))}
        )
    totals["events"] = events
    totals["alerts"] = (
        session.scalar(
            select(func.count())
            .select_from(Alert)
            .where(Alert.sent_at >= start, Alert.sent_at < end, Alert.kind != OutboxKind.DIGEST)
        )
        or 0
    )
    return dict(totals)


def collect_digest(
    session: Session, config: AppConfig, day: dt.date, now: dt.datetime | None = None
) -> DailyDigest:
    """The digest of one local day, read from the database."""
    now = now or utcnow()
    timezone = config.topic.digest.timezone
    start, end = day_window(day, timezone)
    events = day_events(session, start, end)
    sources = source_health(session, now)
    return build_digest(
        topic=config.topic.description or config.topic.name,
        day=day,
        timezone=timezone,
        generated_at=now,
        events=events,
        history=position_history(session, day),
        stories=day_stories(session, start, end),
        sources=sources,
        counts=day_counts(session, start, end, len(events)),
    )


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


@dataclass(frozen=True)
class WrittenDigest:
    digest: DailyDigest
    html_path: Path
    markdown_path: Path
    record_id: int


def write_digest(session: Session, digest: DailyDigest, directory: Path) -> WrittenDigest:
    """Write the day's HTML and Markdown (overwriting) and record them in the ``digests`` row."""
    directory.mkdir(parents=True, exist_ok=True)
    html_path = directory / f"digest-{digest.day.isoformat()}.html"
    md_path = directory / f"digest-{digest.day.isoformat()}.md"
    _write_atomic(html_path, render_html(digest))
    _write_atomic(md_path, render_markdown(digest))
    record = session.scalar(select(DigestRecord).where(DigestRecord.day == digest.day))
    if record is None:
        record = DigestRecord(day=digest.day)
        session.add(record)
    record.built_at, record.html_path, record.markdown_path = utcnow(), str(html_path), str(md_path)
    session.flush()
    return WrittenDigest(digest, html_path, md_path, record.id)


def queue_digest(
    session: Session, written: WrittenDigest, routes: Sequence[Route] = ()
) -> list[Alert]:
    """The Slack summary as outbox rows (routes listing ``DIGEST``, else the default channel),
    once per day and channel; empty if already queued or sent."""
    record = session.get(DigestRecord, written.record_id)
    if record is None or record.sent_at is not None:
        return []
    day = written.digest.day.isoformat()
    queued = {
        alert.channel
        for alert in session.scalars(select(Alert).where(Alert.kind == OutboxKind.DIGEST))
        if (alert.payload or {}).get("day") == day and alert.status != AlertStatus.FAILED
    }
    message = build_digest_blocks(written.digest)
    payload: dict[str, object] = {
        "day": day,
        "message": {"text": message.text, "blocks": message.blocks},
    }
    if message.needs_attachment:
        payload["attachment"] = {"path": str(written.markdown_path), "title": f"Digest {day}"}
    alerts = [
        Alert(kind=OutboxKind.DIGEST, channel=channel, payload=payload, status=AlertStatus.PENDING)
        for channel in route_channels(routes, "DIGEST", "", "")
        if channel not in queued
    ]
    session.add_all(alerts)
    session.flush()
    return alerts


@dataclass(frozen=True)
class DigestRun:
    written: WrittenDigest
    queued: int
    sent_at: dt.datetime | None
    errors: tuple[str, ...]


def produce_digest(
    factory: sessionmaker[Session],
    config: AppConfig,
    day: dt.date,
    *,
    send: bool,
    dispatcher: Dispatcher | None = None,
) -> DigestRun:
    """Build and write one day's digest; with ``send``, queue and dispatch its Slack summary."""
    with factory.begin() as session:
        written = write_digest(session, collect_digest(session, config, day), config.digest_dir)
        queued = queue_digest(session, written, config.topic.alerts.routes) if send else []
    if not send:
        return DigestRun(written, 0, None, ())
    result = (dispatcher or make_dispatcher(factory, config)).dispatch_once()
    with factory.begin() as session:
        sent_at = mark_digest_sent(session, day)
    return DigestRun(written, len(queued), sent_at, tuple(result.errors))


def mark_digest_sent(session: Session, day: dt.date) -> dt.datetime | None:
    """Copy the digest alert's delivery time onto the ``digests`` row; None while it is unsent."""
    record = session.scalar(select(DigestRecord).where(DigestRecord.day == day))
    if record is None:
        return None
    for alert in session.scalars(
        select(Alert).where(Alert.kind == OutboxKind.DIGEST, Alert.status == AlertStatus.SENT)
    ):
        if (alert.payload or {}).get("day") == day.isoformat():
            record.sent_at = record.sent_at or alert.sent_at
    return record.sent_at
