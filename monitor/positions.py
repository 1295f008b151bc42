"""The position ledger in the database: claims in, positions and events out.

``monitor.ledger`` decides (pure); this module loads the history it needs, stores what it
decided and hands alert-worthy events to the outbox, all in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from monitor.ledger import (
    Decision,
    LedgerEntry,
    Observation,
    baseline_entries,
    process,
    stance_class,
)
from monitor.models import Article, Claim, Event, Position
from monitor.rules import ClaimFound, RuleSet

logger = logging.getLogger(__name__)


def _entry(row: Position) -> LedgerEntry:
    return LedgerEntry(
        side=row.side, issue=row.issue, stance=row.stance, statement_date=row.statement_date,
        evidence=row.evidence, url=row.url, claim_id=row.claim_id, story_id=row.story_id,
        origin=row.origin, kind=row.kind,
    )


def seed_baseline(session: Session, ruleset: RuleSet) -> int:
    """Store the topic's dated baseline once; a baseline entry already stored is kept as is."""
    existing = {
        (p.side, p.issue, p.stance, p.statement_date)
        for p in session.scalars(select(Position).where(Position.origin == "baseline"))
    }
    added = 0
    for entry in baseline_entries(ruleset):
        if (entry.side, entry.issue, entry.stance, entry.statement_date) in existing:
            continue
        session.add(_position(entry))
        added += 1
    session.flush()
    return added


def _position(entry: LedgerEntry) -> Position:
    return Position(
        side=entry.side, issue=entry.issue, stance=entry.stance,
        statement_date=entry.statement_date, evidence=entry.evidence, url=entry.url,
        claim_id=entry.claim_id, story_id=entry.story_id, origin=entry.origin, kind=entry.kind,
    )


def history(session: Session, keys: set[tuple[str, str]]) -> dict[tuple[str, str], list[LedgerEntry]]:
    """The stored history of each (side, issue), oldest first."""
    out: dict[tuple[str, str], list[LedgerEntry]] = {key: [] for key in keys}
    if not keys:
        return out
    sides = {side for side, _ in keys}
    issues = {issue for _, issue in keys}
    rows = session.scalars(
        select(Position)
        .where(Position.side.in_(sides), Position.issue.in_(issues))
        .order_by(Position.statement_date, Position.id)
    )
    for row in rows:
        if (row.side, row.issue) in out:
            out[(row.side, row.issue)].append(_entry(row))
    return out


@dataclass(frozen=True)
class LedgerOutcome:
    claims: list[Claim]
    decisions: list[Decision]
    events: list[Event]


def record_claims(
    session: Session,
    article: Article,
    found: Sequence[ClaimFound],
    *,
    shift_confidence: float,
) -> LedgerOutcome:
    """Store an article's claims, run them through the ledger, store positions and events."""
    claims = []
    for claim in found:
        row = Claim(
            article_id=article.id, story_id=article.story_id, side=claim.side, actor=claim.actor,
            issue=claim.issue, stance=claim.stance, evidence=claim.evidence,
            statement_date=claim.statement_date, confidence=claim.confidence,
            reported=claim.reported, rule=claim.rule,
        )
        session.add(row)
        claims.append(row)
    session.flush()
    url = article.canonical_url or article.url
    observations = [
        Observation(claim=c, story_id=article.story_id, url=url, claim_id=row.id)
        for c, row in zip(found, claims, strict=True)
    ]
    decisions = process(
        history(session, {(c.side, c.issue) for c in found}),
        observations,
        shift_confidence=shift_confidence,
    )
    events = []
    for decision in decisions:
        if decision.entry is not None:
            session.add(_position(decision.entry))
        if decision.raises_event:
            event = _event(session, article, decision)
            if event is not None:
                events.append(event)
    session.flush()
    return LedgerOutcome(claims=claims, decisions=decisions, events=events)


def _event(session: Session, article: Article, decision: Decision) -> Event | None:
    """One event per (story, side, issue, stance, type): a repeat within the story is dropped."""
    claim = decision.claim
    duplicate = session.scalar(
        select(Event.id).where(
            Event.story_id == article.story_id, Event.side == claim.side,
            Event.issue == claim.issue, Event.stance == claim.stance,
            Event.type == decision.kind.value,
        )
    ) if article.story_id is not None else None
    if duplicate is not None:
        return None
    previous = decision.previous
    event = Event(
        type=decision.kind.value, side=claim.side, issue=claim.issue, stance=claim.stance,
        previous_stance=previous.stance if previous else None,
        previous_date=previous.statement_date if previous else None,
        previous_evidence=previous.evidence if previous else None,
        previous_url=previous.url if previous else None,
        statement_date=claim.statement_date, actor=claim.actor, evidence=claim.evidence,
        confidence=claim.confidence, claim_id=decision.entry.claim_id if decision.entry else None,
        article_id=article.id, story_id=article.story_id,
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class CurrentPosition:
    side: str
    issue: str
    stance: str
    since: dt.date
    last_stated: dt.date
    times_stated: int
    last_evidence: str
    last_url: str | None


def current_positions(session: Session, side: str | None = None) -> list[CurrentPosition]:
    """Per (side, issue): the standing stance, since when, how often and when last stated."""
    query = select(Position).order_by(Position.side, Position.issue, Position.statement_date, Position.id)
    if side:
        query = query.where(Position.side == side)
    grouped: dict[tuple[str, str], list[Position]] = {}
    for row in session.scalars(query):
        grouped.setdefault((row.side, row.issue), []).append(row)
    table = []
    for (row_side, issue), rows in grouped.items():
        # A possible shift or a late statement does not move the standing position.
        standing = [r for r in rows if r.kind not in ("POSSIBLE_SHIFT", "LATE")] or rows
        current = standing[-1]
        line = []  # the unbroken run of entries on the current line (firm / soft / neutral)
        for row in reversed(standing):
            if stance_class(row.stance) != stance_class(current.stance):
                break
            line.append(row)
        table.append(
            CurrentPosition(
                side=row_side, issue=issue, stance=current.stance,
                since=line[-1].statement_date, last_stated=current.statement_date,
                times_stated=sum(1 for r in line if r.origin == "article"),
                last_evidence=current.evidence, last_url=current.url,
            )
        )
    return table


def position_history(session: Session, issue: str, side: str | None = None) -> list[Position]:
    query = select(Position).where(Position.issue == issue)
    if side:
        query = query.where(Position.side == side)
    return list(session.scalars(query.order_by(Position.statement_date, Position.id)))


def count_reiterations(session: Session, since: dt.datetime) -> int:
    return session.scalar(
        select(func.count()).select_from(Position).where(
            Position.kind == "REITERATION", Position.created_at >= since
        )
    ) or 0
