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
* the history is a timeline: ``replay`` decides every claim in statement-date order from the
  baseline on, so the same claims give the same positions and events whatever their arrival order;
* on ceasefire_terms a demand is a precondition, set beside openness to a truce: it moves the
  line neither way (only rejecting a truce against being open to one is a shift);
* demands <-> rejects is one line, except on issues where they mean opposite things
  (``OPPOSED_FIRM_ISSUES``): there a move between them is judged like a shift;
* a SHIFT against a long record (``long_record`` consistent firm statements from more than one
  story) needs a second story or a named senior official's direct quote naming the issue;
* one story states a stance on an issue once: its copies and repeats are DUPLICATE, and so is
  a story's second, contradicting stance (no story can shift a position back and forth);
* ``other`` is not one issue: a claim there is new only when unlike every earlier ``other`` claim.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from monitor.store.kinds import ALERTING, FIRM, EventKind, stance_class

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
    DUPLICATE = "DUPLICATE"


EVENT_KINDS = frozenset(Kind(k) for k in EventKind)
ALERT_KINDS = frozenset(Kind(k) for k in ALERTING)
# Entries that set the stance a table shows; a reiteration only restates it.
ANCHOR_KINDS = frozenset({Kind.BASELINE, Kind.NEW_DEMAND, Kind.NEW_POSITION, Kind.SHIFT})
# Issues where demands and rejects are opposite answers (SPEC "Issue conventions"): demanding
# neutrality vs rejecting it. Elsewhere (NATO expansion, sanctions, ...) they are one line.
OPPOSED_FIRM_ISSUES = frozenset(
    {"neutrality", "military_limits", "legally_binding", "eu_membership", "russian_speakers"}
)
LONG_RECORD = 5


# Issues where a demand is a condition set beside openness, not against it: preconditions for a
# truce ("ready for a ceasefire, with guarantees in any ceasefire") neither harden nor soften.
CONDITION_ISSUES = frozenset({"ceasefire_terms"})


def stance_line(stance: str, issue: str) -> str:
    """Which line a stance takes on an issue: soft, neutral, firm, or demands/rejects apart."""
    if stance == "demands" and issue in CONDITION_ISSUES:
        return "neutral"
    line = stance_class(stance)
    if line == "firm" and issue in OPPOSED_FIRM_ISSUES:
        return stance
    return line


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
    date_estimated: bool = False  # statement_date is the first-seen day: ordering only
    # the claim's confidence (not a ``positions`` column: the replay carries it from the claim)
    confidence: float = 1.0

    @property
    def established(self) -> bool:
        """Whether this entry moved or confirmed the position (a possible shift did not)."""
        return self.kind != Kind.POSSIBLE_SHIFT

    def row(self) -> dict[str, Any]:
        """The ``positions`` columns of this entry (``id``/``created_at`` are the database's)."""
        return {
            name: getattr(self, name) for name in self.__dataclass_fields__ if name != "confidence"
        }


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
            "statement_date": self.entry.statement_date,
            "actor": self.claim.actor,
            "evidence": self.claim.evidence,
            "confidence": self.claim.confidence,
            "claim_id": self.entry.claim_id,
            "article_id": article_id,
            "story_id": self.entry.story_id,
            "date_estimated": self.entry.date_estimated,
            "backfilled": False,
            "retracted_at": None,
            "retraction_reason": None,
        }


@dataclass(frozen=True, slots=True)
class Observation:
    """A claim as the pipeline saw it: which story, which page, which stored claim."""

    claim: ClaimFound
    story_id: int | None
    url: str | None = None
    claim_id: int | None = None
    corroborating_stories: int = 0
    order_key: str = ""  # ties on one day break on this (the article's URL), not on arrival
    date_estimated: bool = False
    senior_quote: bool = False  # a named senior official's direct quote naming the issue

    def sort_key(self) -> tuple[Any, ...]:
        """Arrival-independent order: date, confident first, then the page and the sentence."""
        c = self.claim
        return (c.statement_date, -c.confidence, self.order_key, c.evidence, c.issue, c.stance)


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
    weak_position: float = 0.0,
    other_similarity: float = 70.0,
    long_record: int = LONG_RECORD,
    senior_quote: bool = False,
    date_estimated: bool = False,
) -> Decision:
    """What a claim means given the history of its (side, issue) before it; pure.

    ``history`` holds what was stated up to the claim's date (``replay`` sees to that).
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
                date_estimated=date_estimated,
                confidence=claim.confidence,
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
    issue = claim.issue
    new_line = stance_line(claim.stance, issue)
    reference = next(
        (e for e in reversed(established) if stance_line(e.stance, issue) != "neutral"), None
    )
    if reference is not None and new_line != "neutral":
        old_line = stance_line(reference.stance, issue)
        if old_line != new_line:
            return _shift(
                make,
                relevant,
                established,
                claim,
                reference,
                story_id=story_id,
                support=corroborating_stories,
                shift_confidence=shift_confidence,
                weak_position=weak_position,
                long_record=long_record,
                senior_quote=senior_quote,
            )
    if firm and not any(e.stance in FIRM for e in established):
        return make(Kind.NEW_DEMAND, None, "first firm stance on this issue")
    return make(Kind.REITERATION, reference or established[-1], "same line as the current position")


def _shift(
    make: Any,
    relevant: Sequence[LedgerEntry],
    established: Sequence[LedgerEntry],
    claim: ClaimFound,
    reference: LedgerEntry,
    *,
    story_id: int | None,
    support: int,
    shift_confidence: float,
    weak_position: float,
    long_record: int,
    senior_quote: bool,
) -> Decision:
    """A claim on another line than the current position: SHIFT, POSSIBLE_SHIFT or DUPLICATE."""
    issue = claim.issue
    new_line = stance_line(claim.stance, issue)
    old_line = stance_line(reference.stance, issue)
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
        and stance_line(e.stance, issue) == new_line
        and e.statement_date >= reference.statement_date
    }
    support += len(pending)
    if new_line == "soft":
        direction = "softening"
    elif old_line == "soft" or old_line == "neutral":
        direction = "hardening"
    else:
        direction = "reversal"
    move = f"{direction}: {reference.stance} -> {claim.stance}"
    if support >= 1:
        return make(Kind.SHIFT, reference, f"{move}, {support + 1} independent stories agree")
    record = _record(established, issue, old_line)
    if record >= long_record:
        if senior_quote and claim.confidence >= shift_confidence:
            return make(
                Kind.SHIFT,
                reference,
                f"{move}, against {record} consistent statements, but a senior official's "
                "direct quote names the issue",
            )
        return make(
            Kind.POSSIBLE_SHIFT,
            reference,
            f"{move}, against {record} consistent firm statements from several stories: "
            "needs a second story or a senior official's direct quote",
        )
    if reference.confidence <= weak_position:
        return make(
            Kind.POSSIBLE_SHIFT,
            reference,
            f"{move}, but the earlier position rests on one weak claim "
            f"({reference.confidence:.2f} <= {weak_position:.2f})",
        )
    if claim.confidence >= shift_confidence:
        return make(
            Kind.SHIFT,
            reference,
            f"{move}, confident claim ({claim.confidence:.2f} >= {shift_confidence:.2f})",
        )
    return make(
        Kind.POSSIBLE_SHIFT,
        reference,
        f"{move}, but one story with confidence {claim.confidence:.2f} < {shift_confidence:.2f}",
    )


def _record(established: Sequence[LedgerEntry], issue: str, line: str) -> int:
    """How many firm statements of ``line`` in a row, from more than one story (else 0)."""
    run: list[LedgerEntry] = []
    for entry in reversed(established):
        entry_line = stance_line(entry.stance, issue)
        if entry_line == "neutral":
            continue
        if entry_line != line:
            break
        run.append(entry)
    firm = [e for e in run if e.stance in FIRM]
    stories = {e.story_id if e.story_id is not None else e.origin for e in firm}
    return len(firm) if len(stories) > 1 else 0


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    """The ledger's thresholds, from the topic's rules (``ledger:``) and the defaults here."""

    shift_confidence: float = 0.8
    # a position set by a claim this weak (the learned second opinion's) is not moved from
    # by a SHIFT: a confident claim against it is a possible shift
    weak_position: float = 0.0
    other_similarity: float = 70.0
    long_record: int = LONG_RECORD

    @classmethod
    def of(cls, ruleset: RuleSet) -> LedgerSettings:
        spec = ruleset.spec.ledger
        return cls(
            shift_confidence=spec.shift_confidence,
            weak_position=(
                ruleset.spec.second_opinion.confidence if ruleset.spec.second_opinion else 0.0
            ),
            other_similarity=spec.other_similarity,
            long_record=int(getattr(spec, "long_record", LONG_RECORD)),
        )


def replay(
    baseline: Iterable[LedgerEntry],
    observations: Iterable[Observation],
    settings: LedgerSettings | None = None,
) -> tuple[dict[tuple[str, str], list[LedgerEntry]], list[Decision]]:
    """The whole timeline: baseline and claims merged in statement-date order, each decided
    against what was said before it. Returns every (side, issue) history and the decisions
    (in timeline order); the same inputs in any order give the same result.
    """
    settings = settings or LedgerSettings()
    working: dict[tuple[str, str], list[LedgerEntry]] = {}
    items: list[tuple[tuple[Any, ...], LedgerEntry | Observation]] = []
    for entry in baseline:
        key = (entry.statement_date, 0, entry.side, entry.issue, entry.stance, entry.evidence)
        items.append((key, entry))
    for observation in observations:
        items.append(
            ((observation.claim.statement_date, 1, *observation.sort_key()[1:]), observation)
        )
    decisions: list[Decision] = []
    for _, item in sorted(items, key=lambda pair: pair[0]):
        if isinstance(item, LedgerEntry):
            working.setdefault((item.side, item.issue), []).append(item)
            continue
        claim = item.claim
        entries = working.setdefault((claim.side, claim.issue), [])
        decision = decide(
            entries,
            claim,
            story_id=item.story_id,
            corroborating_stories=item.corroborating_stories,
            url=item.url,
            claim_id=item.claim_id,
            shift_confidence=settings.shift_confidence,
            weak_position=settings.weak_position,
            other_similarity=settings.other_similarity,
            long_record=settings.long_record,
            senior_quote=item.senior_quote,
            date_estimated=item.date_estimated,
        )
        if decision.entry is not None:
            entries.append(decision.entry)
        logger.debug("%s %s/%s: %s", decision.kind, claim.side, claim.issue, decision.reason)
        decisions.append(decision)
    return working, decisions


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
    """A row of ``newsmon positions`` and the digest's table: the shown stance and its history.

    The stance shown is the one the last event (or the baseline) set; reiterations only move
    ``last_stated``, so the shown stance never changes without an event that explains it.
    """

    side: str
    issue: str
    stance: str
    since: dt.date
    last_stated: dt.date
    times_stated: int
    last_evidence: str
    last_url: str | None
    baseline_only: bool = False  # rests only on the topic's shipped baseline
    since_estimated: bool = False  # ``since`` is a first-seen day: the page gave no date


def summarise(entries: Sequence[LedgerEntry]) -> PositionSummary | None:
    """The current position of one (side, issue) history; None when nothing is established."""
    established = [e for e in _ordered(entries) if e.established and e.kind != Kind.DUPLICATE]
    anchors = [i for i, e in enumerate(established) if e.kind in ANCHOR_KINDS]
    if not anchors:
        return None
    run = established[anchors[-1] :]
    anchor, latest = run[0], run[-1]
    return PositionSummary(
        side=anchor.side,
        issue=anchor.issue,
        stance=anchor.stance,
        since=anchor.statement_date,
        last_stated=latest.statement_date,
        times_stated=len(run),
        last_evidence=latest.evidence,
        last_url=latest.url,
        baseline_only=all(e.kind == Kind.BASELINE for e in run),
        since_estimated=anchor.date_estimated,
    )


def current_anchor(entries: Sequence[LedgerEntry]) -> LedgerEntry | None:
    """The entry that set the current shown stance (the event behind the table's row)."""
    established = [e for e in _ordered(entries) if e.established and e.kind in ANCHOR_KINDS]
    return established[-1] if established else None
