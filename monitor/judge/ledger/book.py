"""The position ledger in the database: claims in, positions and events out.

``monitor.judge.ledger.decide`` decides (pure); this module loads the history it needs, stores what it
decided and hands alert-worthy events to the outbox, all in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from monitor.judge.ledger.decide import (
    Decision,
    LedgerEntry,
    Observation,
    PositionSummary,
    baseline_entries,
    process,
    summarise,
)
from monitor.store.models import Article, Claim, Event, Position

if TYPE_CHECKING:
    from monitor.judge.rules import ClaimFound, RuleSet

logger = logging.getLogger(__name__)


_ENTRY_COLUMNS = (
    Position.side,
    Position.issue,
    Position.stance,
    Position.statement_date,
    Position.evidence,
    Position.url,
    Position.claim_id,
    Position.story_id,
    Position.origin,
    Position.kind,
)


def _entry(row: Position | Row[Any]) -> LedgerEntry:
    return LedgerEntry(
        side=row.side,
        issue=row.issue,
        stance=row.stance,
        statement_date=row.statement_date,
        evidence=row.evidence,
        url=row.url,
        claim_id=row.claim_id,
        story_id=row.story_id,
        origin=row.origin,
        kind=row.kind,
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
    return Position(**entry.row())


def history(
    session: Session, keys: set[tuple[str, str]]
) -> dict[tuple[str, str], list[LedgerEntry]]:
    """The stored history of each (side, issue), oldest first."""
    out: dict[tuple[str, str], list[LedgerEntry]] = {key: [] for key in keys}
    if not keys:
        return out
    sides = {side for side, _ in keys}
    issues = {issue for _, issue in keys}
    # Plain rows, not ORM objects: a long history is read once per analysed article.
    rows = session.execute(
        select(*_ENTRY_COLUMNS)
        .where(Position.side.in_(sides), Position.issue.in_(issues))
        .order_by(Position.statement_date, Position.id)
    )
    for row in rows:
        if (row.side, row.issue) in out:
            out[(row.side, row.issue)].append(_entry(row))  # type: ignore[arg-type]
    return out


class HistoryCache:
    """Ledger histories read once per analysis run instead of once per article.

    An article's new entries join only after its transaction commits (``committed``), so a
    rolled-back article leaves the cache as the database is.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], list[LedgerEntry]] = {}

    def get(
        self, session: Session, keys: set[tuple[str, str]]
    ) -> dict[tuple[str, str], list[LedgerEntry]]:
        missing = {key for key in keys if key not in self._entries}
        if missing:
            self._entries.update(history(session, missing))
        return {key: self._entries[key] for key in keys}

    def committed(self, decisions: Sequence[Decision]) -> None:
        for decision in decisions:
            entry = decision.entry
            if entry is not None and (entry.side, entry.issue) in self._entries:
                self._entries[(entry.side, entry.issue)].append(entry)


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
    ruleset: RuleSet,
    cache: HistoryCache | None = None,
) -> LedgerOutcome:
    """Store an article's claims, run them through the ledger, store positions and events."""
    claims = []
    for claim in found:
        row = Claim(
            article_id=article.id,
            story_id=article.story_id,
            side=claim.side,
            actor=claim.actor,
            issue=claim.issue,
            stance=claim.stance,
            evidence=claim.evidence,
            statement_date=claim.statement_date,
            confidence=claim.confidence,
            reported=claim.reported,
            rule=claim.rule,
        )
        session.add(row)
        claims.append(row)
    session.flush()
    url = article.canonical_url or article.url
    observations = [
        Observation(claim=c, story_id=article.story_id, url=url, claim_id=row.id)
        for c, row in zip(found, claims, strict=True)
    ]
    keys = {(c.side, c.issue) for c in found}
    decisions = process(
        cache.get(session, keys) if cache is not None else history(session, keys),
        observations,
        shift_confidence=ruleset.spec.ledger.shift_confidence,
        other_similarity=ruleset.spec.ledger.other_similarity,
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
    row = decision.event_row(article_id=article.id)
    if row is None:
        return None
    if article.story_id is not None and session.scalar(
        select(Event.id).where(
            Event.story_id == article.story_id,
            Event.side == row["side"],
            Event.issue == row["issue"],
            Event.stance == row["stance"],
            Event.type == row["type"],
        )
    ):
        return None
    event = Event(**row)
    session.add(event)
    session.flush()
    return event


def current_positions(session: Session, side: str | None = None) -> list[PositionSummary]:
    """Per (side, issue): the standing stance, since when, how often and when last stated."""
    query = select(Position).order_by(
        Position.side, Position.issue, Position.statement_date, Position.id
    )
    if side:
        query = query.where(Position.side == side)
    grouped: dict[tuple[str, str], list[LedgerEntry]] = {}
    for row in session.scalars(query):
        grouped.setdefault((row.side, row.issue), []).append(_entry(row))
    return [s for s in (summarise(entries) for entries in grouped.values()) if s is not None]


def position_history(session: Session, issue: str, side: str | None = None) -> list[Position]:
    query = select(Position).where(Position.issue == issue)
    if side:
        query = query.where(Position.side == side)
    return list(session.scalars(query.order_by(Position.statement_date, Position.id)))
