"""Sources in the database: kept in step with the configuration, their polls and health."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from crawler.sink import PollResult, Validators
from crawler.sources import SourceSpec
from monitor.store.models import Article, Source, utcnow
from monitor.store.rows import SourceHealth


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


def record_validators(session: Session, validators: Validators) -> None:
    source = session.scalars(select(Source).where(Source.name == validators.source)).one()
    source.etag, source.last_modified = validators.etag, validators.last_modified


def source_health(session: Session, now: dt.datetime | None = None) -> list[SourceHealth]:
    """Every source with its last success and error, failures in a row and items in 24 h."""
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
