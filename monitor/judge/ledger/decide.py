"""Position ledger, pure logic: what a new claim means given a side's history on one issue.

No database here: the pipeline loads a (side, issue) history from the ``positions`` table, asks
``decide`` (or ``process`` for a batch), stores the returned entry and raises the event.

Rules (SPEC "Position ledger and events"):
* firm = demands/rejects, soft = accepts/open_to, proposes is neither;
* NEW_DEMAND: the first firm stance on an issue; NEW_POSITION: the first claim, soft or a proposal;
* SHIFT: a move between firm and soft (demands <-> rejects is one line, not a shift); it needs a
  confident claim or a second independent story agreeing, else it is a POSSIBLE_SHIFT (digest);
* a POSSIBLE_SHIFT does not move the position, so one misread sentence cannot cause a later
  "shift back";
* claims older than the latest known position are LATE: recorded, never an event;
* one story states a stance on an issue once: its copies and repeats are DUPLICATE, and so is
  a story's second, contradicting stance (no story can shift a position back and forth);
* ``other`` is not one issue: a claim there is new only when unlike every earlier ``other`` claim.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from monitor.store.kinds import ALERTING, FIRM, EventKind, StanceClass, stance_class

if TYPE_CHECKING:  # the rule engine's imports are heavy; the position table does not need them
    from monitor.judge.rules.claims import ClaimFound
    from monitor.judge.rules.loader import RuleSet

logger = logging.getLogger(__name__)

OTHER = "other"


class Kind(enum.StrEnum):
    """What a claim turned out to be; also stored as ``positions.kind``."""

    BASELINE = "BASELINE"
    NEW_DEMAND = "NEW_DEMAND"
    NEW_POSITION = "NEW_POSITION"
    SHIFT = "SHIFT"
    POSSIBLE_SHIFT = "POSSIBLE_SHIFT"
    REITERATION = "REITERATION"
    LATE = "LATE"
    DUPLICATE = "DUPLICATE"


EVENT_KINDS = frozenset(Kind(k) for k in EventKind)
ALERT_KINDS = frozenset(Kind(k) for k in ALERTING)


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One stance on (side, issue) as of a date: maps one-to-one onto a ``positions`` row."""

    side: str
    issue: str
    stance: str
    statement_date: dt.date
    evidence: str
    url: str | None = None
    claim_id: int | None = None
    story_id: int | None = None
    origin: str = "article"  # article | baseline
    kind: str = Kind.REITERATION.value

    @property
    def established(self) -> bool:
        """Whether this entry moved or confirmed the position (a possible shift did not)."""
        return self.kind != Kind.POSSIBLE_SHIFT

    def row(self) -> dict[str, Any]:
        """The ``positions`` columns of this entry (``id``/``created_at`` are the database's)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True, slots=True)
class Decision:
    """The ledger's verdict on one claim: the entry to store and, for shifts, what it moved from."""

    kind: Kind
    claim: ClaimFound
    entry: LedgerEntry | None
    previous: LedgerEntry | None
    reason: str

    @property
    def raises_event(self) -> bool:
        """NEW_DEMAND / NEW_POSITION / SHIFT / POSSIBLE_SHIFT become rows of ``events``."""
        return self.kind in EVENT_KINDS

    @property
    def alerts(self) -> bool:
        """Only confident events go to Slack; a POSSIBLE_SHIFT waits for the digest."""
        return self.kind in ALERT_KINDS

    def event_row(self, *, article_id: int | None = None) -> dict[str, Any] | None:
        """The ``events`` columns for this decision, or None when it raises no event."""
        if not self.raises_event or self.entry is None:
            return None
        shift = self.kind in (Kind.SHIFT, Kind.POSSIBLE_SHIFT) and self.previous is not None
        previous = self.previous if shift else None
        return {
            "type": self.kind.value,
            "side": self.claim.side,
            "issue": self.claim.issue,
            "stance": self.claim.stance,
            "previous_stance": previous.stance if previous else None,
            "previous_date": previous.statement_date if previous else None,
            "previous_evidence": previous.evidence if previous else None,
            "previous_url": previous.url if previous else None,
            "statement_date": self.claim.statement_date,
            "actor": self.claim.actor,
            "evidence": self.claim.evidence,
            "confidence": self.claim.confidence,
            "claim_id": self.entry.claim_id,
            "article_id": article_id,
            "story_id": self.entry.story_id,
        }


@dataclass(frozen=True, slots=True)
class Observation:
    """A claim as the pipeline saw it: which story, which page, which stored claim."""

    claim: ClaimFound
    story_id: int | None
    url: str | None = None
    claim_id: int | None = None
    corroborating_stories: int = 0


def _ordered(entries: Iterable[LedgerEntry]) -> list[LedgerEntry]:
    """By statement date; entries of one date keep their recorded order (sort is stable)."""
    return sorted(entries, key=lambda e: e.statement_date)


def _similar_other(claim: ClaimFound, entry: LedgerEntry, threshold: float) -> bool:
    start, end = claim.issue_span
    cue = claim.evidence[start:end].lower()
    same_thing = bool(cue) and fuzz.partial_ratio(cue, entry.evidence.lower()) >= threshold
    return same_thing or fuzz.token_set_ratio(claim.evidence, entry.evidence) >= threshold


def decide(
    history: Sequence[LedgerEntry],
    claim: ClaimFound,
    *,
    story_id: int | None,
    corroborating_stories: int = 0,
    url: str | None = None,
    claim_id: int | None = None,
    shift_confidence: float = 0.8,
    other_similarity: float = 70.0,
) -> Decision:
    """What a claim means given the history of its (side, issue); pure, nothing is stored.

    ``corroborating_stories`` counts other independent stories the caller knows agree with this
    claim's new stance; pending possible shifts of other stories in ``history`` count as well.
    """
    relevant = _ordered(e for e in history if e.side == claim.side and e.issue == claim.issue)

    def make(kind: Kind, previous: LedgerEntry | None, reason: str) -> Decision:
        entry = None
        if kind is not Kind.DUPLICATE:
            entry = LedgerEntry(
                side=claim.side,
                issue=claim.issue,
                stance=claim.stance,
                statement_date=claim.statement_date,
                evidence=claim.evidence,
                url=url,
                claim_id=claim_id,
                story_id=story_id,
                origin="article",
                kind=kind.value,
            )
        return Decision(kind, claim, entry, previous, reason)

    if story_id is not None and any(
        e.story_id == story_id and e.stance == claim.stance for e in relevant
    ):
        return make(Kind.DUPLICATE, None, f"story {story_id} already stated {claim.stance}")
    firm = claim.stance in FIRM
    if claim.issue == OTHER:
        for entry in relevant:
            if _similar_other(claim, entry, other_similarity):
                return make(Kind.REITERATION, entry, "like an earlier 'other' claim")
        kind = Kind.NEW_DEMAND if firm else Kind.NEW_POSITION
        return make(kind, None, "unlike every earlier 'other' claim")

    established = [e for e in relevant if e.established]
    if not established:
        kind = Kind.NEW_DEMAND if firm else Kind.NEW_POSITION
        return make(kind, None, "first claim on this issue")
    latest = established[-1]
    if claim.statement_date < latest.statement_date:
        return make(
            Kind.LATE,
            latest,
            f"stated {claim.statement_date}, before the latest known position "
            f"({latest.stance}, {latest.statement_date})",
        )
    new_class = stance_class(claim.stance)
    reference = next(
        (e for e in reversed(established) if stance_class(e.stance) != StanceClass.NEUTRAL), None
    )
    if (
        reference is not None
        and new_class != StanceClass.NEUTRAL
        and (stance_class(reference.stance) != new_class)
    ):
        if story_id is not None and any(e.story_id == story_id for e in established):
            return make(
                Kind.DUPLICATE,
                reference,
                f"story {story_id} already stated {reference.stance} on this issue; "
                "a story contradicting itself raises nothing",
            )
        pending = {
            e.story_id
            for e in relevant
            if e.kind == Kind.POSSIBLE_SHIFT
            and e.story_id not in (None, story_id)
            and stance_class(e.stance) == new_class
            and e.statement_date >= reference.statement_date
        }
        support = corroborating_stories + len(pending)
        direction = "softening" if new_class == StanceClass.SOFT else "hardening"
        if claim.confidence >= shift_confidence:
            return make(
                Kind.SHIFT,
                reference,
                f"{direction}: {reference.stance} -> {claim.stance}, confident claim "
                f"({claim.confidence:.2f} >= {shift_confidence:.2f})",
            )
        if support >= 1:
            return make(
                Kind.SHIFT,
                reference,
                f"{direction}: {reference.stance} -> {claim.stance}, "
                f"{support + 1} independent stories agree",
            )
        return make(
            Kind.POSSIBLE_SHIFT,
            reference,
            f"{direction}: {reference.stance} -> {claim.stance}, but one story with "
            f"confidence {claim.confidence:.2f} < {shift_confidence:.2f}",
        )
    if firm and not any(e.stance in FIRM for e in established):
        return make(Kind.NEW_DEMAND, None, "first firm stance on this issue")
    return make(Kind.REITERATION, reference or latest, "same line as the current position")


def process(
    history: Mapping[tuple[str, str], Sequence[LedgerEntry]],
    observations: Iterable[Observation],
    *,
    shift_confidence: float = 0.8,
    other_similarity: float = 70.0,
) -> list[Decision]:
    """Decide a batch in statement-date order (confident claims first on one day).

    The input history is not changed; each decision's entry is what the caller stores.
    """
    working: dict[tuple[str, str], list[LedgerEntry]] = {k: list(v) for k, v in history.items()}
    ordered = sorted(observations, key=lambda o: (o.claim.statement_date, -o.claim.confidence))
    decisions: list[Decision] = []
    for observation in ordered:
        claim = observation.claim
        key = (claim.side, claim.issue)
        entries = working.setdefault(key, [])
        decision = decide(
            entries,
            claim,
            story_id=observation.story_id,
            corroborating_stories=observation.corroborating_stories,
            url=observation.url,
            claim_id=observation.claim_id,
            shift_confidence=shift_confidence,
            other_similarity=other_similarity,
        )
        if decision.entry is not None:
            entries.append(decision.entry)
        logger.debug("%s %s/%s: %s", decision.kind, claim.side, claim.issue, decision.reason)
        decisions.append(decision)
    return decisions


def baseline_entries(ruleset: RuleSet) -> list[LedgerEntry]:
    """The topic's dated baseline as ledger entries (``origin='baseline'``)."""
    return [
        LedgerEntry(
            side=b.side,
            issue=b.issue,
            stance=b.stance,
            statement_date=b.date,
            evidence=b.evidence,
            url=b.url,
            origin="baseline",
            kind=Kind.BASELINE.value,
        )
        for b in ruleset.spec.baseline
    ]


def group(entries: Iterable[LedgerEntry]) -> dict[tuple[str, str], list[LedgerEntry]]:
    """Entries keyed by (side, issue), each list in statement-date order."""
    grouped: dict[tuple[str, str], list[LedgerEntry]] = {}
    for entry in entries:
        grouped.setdefault((entry.side, entry.issue), []).append(entry)
    return {key: _ordered(value) for key, value in grouped.items()}


@dataclass(frozen=True, slots=True)
class PositionSummary:
    """A row of ``newsmon positions``: the current stance and how long it has held."""

    side: str
    issue: str
    stance: str
    since: dt.date
    last_stated: dt.date
    times_stated: int
    last_evidence: str
    last_url: str | None


def summarise(entries: Sequence[LedgerEntry]) -> PositionSummary | None:
    """The current position of one (side, issue) history; None when nothing is established."""
    established = [e for e in _ordered(entries) if e.established and e.kind != Kind.DUPLICATE]
    if not established:
        return None
    current = established[-1]
    current_class = stance_class(current.stance)
    run: list[LedgerEntry] = []
    for entry in reversed(established):
        if stance_class(entry.stance) != current_class:
            break
        run.append(entry)
    first = run[-1]
    return PositionSummary(
        side=current.side,
        issue=current.issue,
        stance=current.stance,
        since=first.statement_date,
        last_stated=current.statement_date,
        times_stated=len(run),
        last_evidence=current.evidence,
        last_url=current.url,
    )
