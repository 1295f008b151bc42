"""The daemon's own queries: retention of irrelevant text, and recovery from abandoned cycles."""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.store.models import Article, Run, Source, utcnow

logger = logging.getLogger(__name__)

ABANDONED = "abandoned: the crawl worker was stopped before the cycle finished"


def drop_irrelevant_text(
    session: Session, older_than_days: int, now: dt.datetime | None = None
) -> int:
    """Forget the text of irrelevant articles older than N days; URL, hash and signature stay."""
    if older_than_days < 1:
        raise ValueError(f"retention must keep text at least one day, not {older_than_days}")
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=older_than_days)
    result = session.execute(
        update(Article)
        .where(
            Article.relevant.is_(False),
            Article.text.is_not(None),
            Article.fetched_at < cutoff,
        )
        .values(text=None, text_dropped_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # an UPDATE's CursorResult


def abandon_unfinished_runs(session: Session, now: dt.datetime | None = None) -> list[str]:
    """Close crawl runs a killed worker left open and make their sources re-read their feeds.

    A worker killed mid-cycle may have stored a feed's ETag before fetching its new entries; a
    conditional GET would then answer 304 and those entries would never be fetched. Dropping the
    validators of the sources polled since the run began costs one full GET; entries already
    stored are skipped by URL. Returns the names of those sources.
    """
    now = now or utcnow()
    open_runs = list(
        session.scalars(select(Run).where(Run.finished_at.is_(None), Run.kind == "crawl"))
    )
    if not open_runs:
        return []
    since = min(r.started_at for r in open_runs)
    for run in open_runs:
        run.finished_at, run.ok, run.error = now, False, ABANDONED
    sources = list(
        session.scalars(select(Source).where(Source.last_polled_at >= since).order_by(Source.name))
    )
    for source in sources:
        source.etag = source.last_modified = None
    logger.warning(
        "closed %d abandoned crawl run(s); %d source(s) will be read in full next time",
        len(open_runs),
        len(sources),
    )
    return [s.name for s in sources]


def sources_failed_since(session: Session, since: dt.datetime) -> list[str]:
    """Names of sources whose last poll since ``since`` failed (for the per-source metric)."""
    return list(
        session.scalars(
            select(Source.name)
            .where(Source.last_error_at >= since, Source.consecutive_failures > 0)
            .order_by(Source.name)
        )
    )


def overdue_sources(
    session: Session, intervals: dict[str, float], now: dt.datetime | None = None
) -> list[str]:
    """Configured sources never polled or not polled within their interval (seconds)."""
    now = now or utcnow()
    rows = session.execute(
        select(Source.name, Source.last_polled_at).where(Source.name.in_(intervals))
    ).all()
    polled = {name: last for name, last in rows}
    due = []
    for name, seconds in intervals.items():
        last = polled.get(name)
        if last is None or now - last >= dt.timedelta(seconds=seconds):
            due.append(name)
    return sorted(due)
