"""The ledger as a timeline: recompute positions and events from the stored claims.

Positions and events are a pure function of the claims (``decide.replay``), so they come out the
same whatever order the articles arrived in. ``rebuild`` replays the claims of some (side, issue)
keys, rewrites their ``positions`` rows and reconciles ``events`` with what was stored before:

* an event that still holds keeps its id and alert history (its fields are refreshed);
* an event that no longer holds is marked retracted, and if its alert was sent, one thread reply
  says so (through the outbox);
* a new event is alerted only when ``live`` and it changes the current position or its
  statement is recent (``alerts.recent_hours``, default 72); otherwise it is ``backfilled``:
  recorded and summarised in the digest, never sent on its own.

Entry points for other parts: ``store_claims`` (an article's claims, reconciled by identity so
ids and retractions survive a re-analysis), ``rebuild`` and ``retract_claim`` (an analyst marks
a claim wrong: it leaves the ledger, and the events resting on it are recomputed).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.judge.ledger.decide import (
    OTHER,
    Decision,
    LedgerEntry,
    LedgerSettings,
    Observation,
    PositionSummary,
    baseline_entries,
    current_anchor,
    replay,
    summarise,
)
from monitor.judge.rules import ClaimFound, RuleSet, topic_ruleset
from monitor.judge.rules.dates import absolute_date
from monitor.store.models import Article, Claim, Event, Position, utcnow

logger = logging.getLogger(__name__)

Key = tuple[str, str]
EventIdentity = tuple[int | None, str, str, str, str]  # story, side, issue, stance, type
SAME_MOVE_DAYS = 31  # a shift reported again from an earlier source is the same shift
SENIOR_KINDS = frozenset({"leader", "official", "spokesperson"})
_QUOTES = '"“”«»'
# Fields refreshed on an event that still holds (its id, type and alert history stay).
_REFRESHED = (
    "previous_stance",
    "previous_date",
    "previous_evidence",
    "previous_url",
    "statement_date",
    "actor",
    "evidence",
    "confidence",
    "claim_id",
    "article_id",
    "date_estimated",
)


@dataclass
class RebuildReport:
    """What a rebuild changed; ``decisions`` maps claim ids to the ledger's verdict."""

    keys: set[Key] = field(default_factory=set)
    added: list[Event] = field(default_factory=list)
    retracted: list[Event] = field(default_factory=list)
    restored: list[Event] = field(default_factory=list)
    updated: list[Event] = field(default_factory=list)
    alerts_queued: int = 0
    positions_before: dict[Key, PositionSummary | None] = field(default_factory=dict)
    positions_after: dict[Key, PositionSummary | None] = field(default_factory=dict)
    decisions: dict[int, Decision] = field(default_factory=dict)

    @property
    def positions_changed(self) -> list[tuple[Key, PositionSummary | None, PositionSummary | None]]:
        """Keys whose shown row (stance, since, last stated, times) changed."""
        return [
            (key, self.positions_before.get(key), after)
            for key, after in sorted(self.positions_after.items())
            if _row(self.positions_before.get(key)) != _row(after)
        ]

    def merge(self, other: RebuildReport) -> None:
        """Fold a later rebuild's report into this one."""
        self.keys |= other.keys
        self.added += other.added
        self.retracted += other.retracted
        self.restored += other.restored
        self.updated += other.updated
        self.alerts_queued += other.alerts_queued
        for key, before in other.positions_before.items():
            self.positions_before.setdefault(key, before)
        self.positions_after.update(other.positions_after)
        self.decisions.update(other.decisions)


def _row(summary: PositionSummary | None) -> tuple[Any, ...] | None:
    if summary is None:
        return None
    return (summary.stance, summary.since, summary.last_stated, summary.times_stated)


@dataclass
class ClaimChanges:
    """An article's claims after ``store_claims``: the live rows, and what came and went."""

    claims: list[Claim]
    added: list[Claim]
    removed: list[tuple[int, Key]]

    @property
    def keys(self) -> set[Key]:
        return {(c.side, c.issue) for c in self.claims} | {key for _, key in self.removed}


def senior_quote(claim: ClaimFound, ruleset: RuleSet) -> bool:
    """Whether a named senior official says it in a direct quote whose words name the issue."""
    if claim.how != "quote":
        return False
    kinds = {
        actor.name: actor.kind for side in ruleset.spec.sides.values() for actor in side.actors
    }
    if kinds.get(claim.actor) not in SENIOR_KINDS:
        return False
    start, end = claim.issue_span
    if end <= start:
        return False
    before = claim.evidence[:start]
    opened = sum(before.count(q) for q in '"“«') - sum(before.count(q) for q in "”»")
    straight = before.count('"')
    return (opened > 0 if straight == 0 else straight % 2 == 1) and any(
        q in claim.evidence[end:] for q in _QUOTES
    )


def store_claims(
    session: Session,
    article: Article,
    found: Sequence[ClaimFound],
    ruleset: RuleSet,
    *,
    dated: bool,
) -> ClaimChanges:
    """Store an article's claims, keeping rows whose (side, issue, stance, sentence) is unchanged.

    ``dated=False`` (the article has no publication date): a statement date is kept only when
    the sentence names its year; otherwise it stays unknown (NULL).
    """
    existing = {
        (c.side, c.issue, c.stance, c.evidence): c
        for c in session.scalars(select(Claim).where(Claim.article_id == article.id))
    }
    claims: list[Claim] = []
    added: list[Claim] = []
    seen: set[tuple[str, str, str, str]] = set()
    for claim in found:
        identity = (claim.side, claim.issue, claim.stance, claim.evidence)
        if identity in seen:
            continue
        seen.add(identity)
        row = existing.pop(identity, None)
        if row is None:
            row = Claim(
                article_id=article.id,
                side=claim.side,
                issue=claim.issue,
                stance=claim.stance,
                evidence=claim.evidence,
            )
            session.add(row)
            added.append(row)
        row.story_id = article.story_id
        row.actor = claim.actor
        row.statement_date = claim.statement_date if dated else absolute_date(claim.evidence)
        row.confidence = claim.confidence
        row.reported = claim.reported
        row.rule = claim.rule
        row.senior_quote = senior_quote(claim, ruleset)
        row.issue_start, row.issue_end = claim.issue_span
        claims.append(row)
    removed = [(row.id, (row.side, row.issue)) for row in existing.values()]
    for row in existing.values():
        session.delete(row)
    session.flush()
    return ClaimChanges(claims=claims, added=added, removed=removed)


def _observations(
    session: Session, keys: set[Key] | None
) -> tuple[list[Observation], dict[int, int]]:
    """Every live claim on ``keys`` (all when None) as ledger input; claim id -> article id."""
    query = (
        select(
            Claim, Article.url_normalized, Article.canonical_url, Article.url, Article.fetched_at
        )
        .join(Article, Claim.article_id == Article.id)
        .where(Claim.retracted_at.is_(None))
    )
    if keys is not None:
        query = query.where(
            Claim.side.in_({s for s, _ in keys}), Claim.issue.in_({i for _, i in keys})
        )
    observations: list[Observation] = []
    articles: dict[int, int] = {}
    for claim, key, canonical, url, fetched_at in session.execute(query):
        if keys is not None and (claim.side, claim.issue) not in keys:
            continue
        estimated = claim.statement_date is None
        day = claim.statement_date or fetched_at.date()
        found = ClaimFound(
            side=claim.side,
            actor=claim.actor,
            issue=claim.issue,
            stance=claim.stance,
            evidence=claim.evidence,
            statement_date=day,
            confidence=claim.confidence,
            reported=claim.reported,
            rule=claim.rule or "",
            issue_span=(claim.issue_start or 0, claim.issue_end or 0),
        )
        observations.append(
            Observation(
                claim=found,
                story_id=claim.story_id,
                url=canonical or url,
                claim_id=claim.id,
                order_key=key,
                date_estimated=estimated,
                senior_quote=claim.senior_quote,
            )
        )
        articles[claim.id] = claim.article_id
    return observations, articles


def _stored_positions(session: Session, keys: Iterable[Key]) -> dict[Key, list[LedgerEntry]]:
    from monitor.judge.ledger.book import entry_of

    wanted = set(keys)
    out: dict[Key, list[LedgerEntry]] = {key: [] for key in wanted}
    if not wanted:
        return out
    rows = session.scalars(
        select(Position)
        .where(
            Position.side.in_({s for s, _ in wanted}), Position.issue.in_({i for _, i in wanted})
        )
        .order_by(Position.statement_date, Position.id)
    )
    for row in rows:
        if (row.side, row.issue) in out:
            out[(row.side, row.issue)].append(entry_of(row))
    return out


def _identity(row: dict[str, Any] | Event) -> EventIdentity:
    if isinstance(row, dict):
        return (row["story_id"], row["side"], row["issue"], row["stance"], row["type"])
    return (row.story_id, row.side, row.issue, row.stance, row.type)


def rebuild(
    session: Session,
    config: AppConfig,
    *,
    keys: set[Key] | None = None,
    live: bool = False,
    now: dt.datetime | None = None,
    ruleset: RuleSet | None = None,
    reason: str = "no longer holds after a recomputation",
) -> RebuildReport:
    """Replay the ledger of ``keys`` (every key when None) from the stored claims and baseline.

    Rewrites ``positions`` and reconciles ``events`` in the caller's transaction (see the module
    docstring). ``live``: new events that change the current position or were stated within
    ``alerts.recent_hours`` go to the outbox; with ``live=False`` (reanalysis, corrections) every
    new event is backfilled.
    """
    from monitor.deliver import outbox

    now = now or utcnow()
    ruleset = ruleset or topic_ruleset(config.topic.rules, config.topic_path)
    session.flush()
    observations, article_of = _observations(session, keys)
    baseline = baseline_entries(ruleset)
    if keys is None:
        keys = {(o.claim.side, o.claim.issue) for o in observations}
        keys |= {key for key, _ in _stored_keys(session)}
        keys |= {(b.side, b.issue) for b in baseline}
    baseline = [b for b in baseline if (b.side, b.issue) in keys]
    report = RebuildReport(keys=set(keys))
    before = _stored_positions(session, keys)
    report.positions_before = {key: summarise(entries) for key, entries in before.items()}

    histories, decisions = replay(baseline, observations, LedgerSettings.of(ruleset))
    claim_ids = {id(o.claim): o.claim_id for o in observations}
    report.decisions = {
        claim_id: d for d in decisions if (claim_id := claim_ids.get(id(d.claim))) is not None
    }

    _delete_positions(session, keys)
    for key in sorted(keys):
        for stored in histories.get(key, []):
            session.add(Position(**stored.row()))
    report.positions_after = {key: summarise(histories.get(key, [])) for key in keys}

    recent_since = (now - dt.timedelta(hours=config.topic.alerts.recent_hours)).date()
    anchors = {key: current_anchor(entries) for key, entries in histories.items()}
    desired: dict[EventIdentity, tuple[Decision, dict[str, Any]]] = {}
    for decision in decisions:
        if decision.entry is None:
            continue
        row = decision.event_row(article_id=article_of.get(decision.entry.claim_id or -1))
        if row is not None:
            desired.setdefault(_identity(row), (decision, row))

    existing = {
        _identity(e): e
        for e in session.scalars(select(Event).order_by(Event.id))
        if (e.side, e.issue) in keys
    }
    matches = _match(desired, existing)
    for identity, (decision, row) in desired.items():
        event = matches.get(identity)
        if event is not None:
            event.story_id = row["story_id"]
            changed = any(getattr(event, name) != row[name] for name in _REFRESHED)
            for name in _REFRESHED:
                setattr(event, name, row[name])
            if event.retracted_at is not None:
                event.retracted_at, event.retraction_reason = None, None
                report.restored.append(event)
            elif changed:
                report.updated.append(event)
            continue
        entry = decision.entry
        assert entry is not None
        current = anchors.get((entry.side, entry.issue)) is entry
        recent = entry.statement_date >= recent_since
        event = Event(**{**row, "backfilled": not (live and (current or recent))})
        session.add(event)
        session.flush()
        report.added.append(event)
        if not event.backfilled:
            report.alerts_queued += len(outbox.enqueue_event_alerts(session, event, config))
    matched = {id(e) for e in matches.values()}
    for event in existing.values():
        if id(event) not in matched and event.retracted_at is None:
            report.alerts_queued += retract_event(session, event, reason, now=now)
            report.retracted.append(event)
    session.flush()
    logger.info(
        "ledger rebuilt for %d key(s): %d event(s) added, %d retracted, %d restored",
        len(keys),
        len(report.added),
        len(report.retracted),
        len(report.restored),
    )
    return report


def _match(
    desired: dict[EventIdentity, tuple[Decision, dict[str, Any]]],
    existing: dict[EventIdentity, Event],
) -> dict[EventIdentity, Event]:
    """Which stored event each recomputed one is, so that ids and alert history carry over.

    The same story, side, issue, stance and type is the same event. Failing that, an event that
    only moved to an earlier source is still the same event: the first (soft or firm) position
    on a (side, issue), or a shift between the same stances stated within ``SAME_MOVE_DAYS``.
    """
    matches: dict[EventIdentity, Event] = {}
    free = dict(existing)
    for identity in desired:
        if identity in free:
            matches[identity] = free.pop(identity)
    for identity, (_decision, row) in desired.items():
        if identity in matches:
            continue
        best: tuple[int, EventIdentity] | None = None
        for key, event in free.items():
            if (event.side, event.issue, event.stance, event.type) != identity[1:]:
                continue
            if row["issue"] == OTHER:
                continue
            days = abs((event.statement_date - row["statement_date"]).days)
            if event.type in ("SHIFT", "POSSIBLE_SHIFT") and (
                event.previous_stance != row["previous_stance"] or days > SAME_MOVE_DAYS
            ):
                continue
            if best is None or days < best[0]:
                best = (days, key)
        if best is not None:
            matches[identity] = free.pop(best[1])
    return matches


def _stored_keys(session: Session) -> list[tuple[Key, int]]:
    rows = session.execute(select(Position.side, Position.issue).distinct())
    return [((side, issue), 0) for side, issue in rows]


def _delete_positions(session: Session, keys: set[Key]) -> None:
    """Drop the stored history of ``keys`` (it is written again from the replay)."""
    for side, issue in keys:
        session.execute(delete(Position).where(Position.side == side, Position.issue == issue))


def retract_event(
    session: Session, event: Event, reason: str, *, now: dt.datetime | None = None
) -> int:
    """Mark an event retracted; a sent alert gets one thread reply, an unsent one is cancelled."""
    from monitor.deliver import outbox

    event.retracted_at = now or utcnow()
    event.retraction_reason = reason
    return len(outbox.enqueue_retraction_alerts(session, event))


def retract_claim(
    session: Session,
    config: AppConfig,
    claim_id: int,
    reason: str,
    *,
    ruleset: RuleSet | None = None,
) -> RebuildReport:
    """An analyst marks a claim wrong: it leaves the ledger and its (side, issue) is recomputed.

    The claim row stays (with ``retracted_at`` and the reason), so a reanalysis does not bring
    it back; events that rested on it are retracted (a sent one gets one thread reply), events
    that now hold instead are recorded as backfilled. Raises ``LookupError`` for an unknown id.
    """
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise LookupError(f"no claim with id {claim_id}")
    if claim.retracted_at is None:
        claim.retracted_at = utcnow()
        claim.retraction_reason = reason
    return rebuild(
        session,
        config,
        keys={(claim.side, claim.issue)},
        live=False,
        ruleset=ruleset,
        reason=f"claim {claim_id} retracted: {reason}",
    )
