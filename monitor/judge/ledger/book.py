"""The position ledger in the database: the baseline, and the position table read back.

``decide`` decides (pure); ``timeline`` replays the stored claims into ``positions`` and
``events``; this module seeds the topic's baseline and reads the table back for the CLI and the
digest (both through ``summarise``, so they agree on every field of a row).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.judge.ledger.decide import (
    LedgerEntry,
    PositionSummary,
    baseline_entries,
    summarise,
)
from monitor.store.models import Position

if TYPE_CHECKING:
    from monitor.judge.rules import RuleSet

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
    Position.date_estimated,
)


def entry_of(row: Any) -> LedgerEntry:
    """A stored ``positions`` row as a ledger entry."""
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
        date_estimated=bool(row.date_estimated),
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


def current_positions(
    session: Session, side: str | None = None, as_of: dt.date | None = None
) -> list[PositionSummary]:
    """Per (side, issue): the shown stance, since when, how often and when last stated."""
    query = select(*_ENTRY_COLUMNS).order_by(
        Position.side, Position.issue, Position.statement_date, Position.id
    )
    if side:
        query = query.where(Position.side == side)
    if as_of is not None:
        query = query.where(Position.statement_date <= as_of)
    grouped: dict[tuple[str, str], list[LedgerEntry]] = {}
    for row in session.execute(query):
        grouped.setdefault((row.side, row.issue), []).append(entry_of(row))
    return [s for s in (summarise(entries) for entries in grouped.values()) if s is not None]


def position_history(session: Session, issue: str, side: str | None = None) -> list[Position]:
    query = select(Position).where(Position.issue == issue)
    if side:
        query = query.where(Position.side == side)
    return list(session.scalars(query.order_by(Position.statement_date, Position.id)))
