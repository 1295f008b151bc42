"""SQLAlchemy 2 models: the database is the hand-off between crawler/ and monitor/.

The schema itself is made only by Alembic (``alembic/versions``); these classes are the
single description the migrations are checked against (``tests/monitor/store/test_migrations.py``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from monitor.store.kinds import AlertStatus, OutboxKind

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Source(Base):
    """A configured source and its polling state (conditional GET validators, health)."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    last_polled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[int | None] = mapped_column(Integer)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    bozo_error: Mapped[str | None] = mapped_column(Text)
    total_polls: Mapped[int] = mapped_column(Integer, default=0)
    total_entries: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Story(Base):
    """One story: an original article and its syndicated copies."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(primary_key=True)
    original_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", use_alter=True, ondelete="SET NULL")
    )
    title: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    analysed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    original: Mapped[Article | None] = relationship(foreign_keys=[original_id], post_update=True)


class Article(Base):
    """A fetched (or ingested) article page, extracted; one row per normalised URL."""

    __tablename__ = "articles"
    __table_args__ = (
        Index("ix_articles_text_hash", "text_hash"),
        Index("ix_articles_fetched_at", "fetched_at"),
        Index("ix_articles_published", "published"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_normalized: Mapped[str] = mapped_column(String(2000), unique=True)
    canonical_url: Mapped[str | None] = mapped_column(Text)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"))
    site_name: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # where ``published`` came from (meta, jsonld, time, feed, url, dateline); NULL: unknown
    published_from: Mapped[str | None] = mapped_column(String(20))
    updated: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    entry_updated: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    text: Mapped[str | None] = mapped_column(Text)
    text_hash: Mapped[str | None] = mapped_column(String(64))
    language: Mapped[str | None] = mapped_column(String(16))
    relevant: Mapped[bool | None] = mapped_column(Boolean)
    attributed_publisher: Mapped[str | None] = mapped_column(Text)
    original_url: Mapped[str | None] = mapped_column(Text)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="SET NULL"), index=True
    )
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    relation: Mapped[str | None] = mapped_column(String(20))
    analysed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    text_dropped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[Source | None] = relationship()
    story: Mapped[Story | None] = relationship(foreign_keys=[story_id])
    claims: Mapped[list[Claim]] = relationship(back_populates="article")


class Claim(Base):
    """What a side says it wants on one issue, with the sentence that says so."""

    __tablename__ = "claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), index=True
    )
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    side: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    issue: Mapped[str] = mapped_column(String(40))
    stance: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str] = mapped_column(Text)
    # NULL when neither the sentence nor the article says when it was said
    statement_date: Mapped[dt.date | None] = mapped_column(Date)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
    rule: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # an analyst marked it wrong: kept (a reanalysis must not bring it back), out of the ledger
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retraction_reason: Mapped[str | None] = mapped_column(Text)
    # a named senior official's direct quote whose words name the issue (corroborates a shift)
    senior_quote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    issue_start: Mapped[int | None] = mapped_column(Integer)  # the issue cue in ``evidence``
    issue_end: Mapped[int | None] = mapped_column(Integer)

    article: Mapped[Article] = relationship(back_populates="claims")


class Position(Base):
    """One entry of the position ledger: a stance on (side, issue) as of a date."""

    __tablename__ = "positions"
    __table_args__ = (Index("ix_positions_side_issue_date", "side", "issue", "statement_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[str] = mapped_column(String(40))
    issue: Mapped[str] = mapped_column(String(40))
    stance: Mapped[str] = mapped_column(String(20))
    statement_date: Mapped[dt.date] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(20), default="article")  # article | baseline
    kind: Mapped[str] = mapped_column(String(20), default="reiteration")
    # statement_date is the first-seen day, used for ordering only (the page gave no date)
    date_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(Base):
    """NEW_DEMAND / NEW_POSITION / SHIFT / POSSIBLE_SHIFT raised by the ledger."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint(
            "story_id", "side", "issue", "stance", "type", name="uq_events_story_change"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(20))
    side: Mapped[str] = mapped_column(String(40))
    issue: Mapped[str] = mapped_column(String(40))
    stance: Mapped[str] = mapped_column(String(20))
    previous_stance: Mapped[str | None] = mapped_column(String(20))
    previous_date: Mapped[dt.date | None] = mapped_column(Date)
    previous_evidence: Mapped[str | None] = mapped_column(Text)
    previous_url: Mapped[str | None] = mapped_column(Text)
    statement_date: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str | None] = mapped_column(String(200))
    evidence: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float, default=1.0)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("claims.id", ondelete="SET NULL"))
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="SET NULL"), index=True
    )
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    date_estimated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # found in history (backfill, late arrival, reanalysis): summarised in the digest, not sent
    backfilled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # no longer holds after a correction or a reanalysis; kept for its alert history
    retracted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    retraction_reason: Mapped[str | None] = mapped_column(Text)


class Alert(Base):
    """Outbox row: one message to deliver (an event, or a thread reply under one)."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default=OutboxKind.EVENT)
    channel: Mapped[str | None] = mapped_column(String(200))
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default=AlertStatus.PENDING)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    slack_ts: Mapped[str | None] = mapped_column(String(40))
    thread_ts: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class Digest(Base):
    """A digest built for one local day; ``sent_at`` keeps a restart from sending it twice."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, unique=True)
    built_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    html_path: Mapped[str | None] = mapped_column(Text)
    markdown_path: Mapped[str | None] = mapped_column(Text)


class Run(Base):
    """One crawl/analysis cycle and its counters (shown in the digest and /metrics)."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default="crawl")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    ok: Mapped[bool | None] = mapped_column(Boolean)
    counters: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


# APScheduler's job store table, declared here so that Alembic makes it like every other table
# (APScheduler's own create_all then finds it present). Its shape is APScheduler 3.x's.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)
