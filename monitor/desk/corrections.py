"""The analyst's corrections: each one changes the judgement and is recorded with who and when.

Every function runs in the caller's transaction and adds one ``corrections`` row whose
``detail`` keeps what ``newsmon export --corrections`` needs to turn it into a test case.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from monitor.config import AppConfig
from monitor.deliver import outbox
from monitor.judge.ledger import timeline
from monitor.judge.rules import RuleSet, extract_claims
from monitor.judge.rules.explain import explain
from monitor.store.models import (
    Article,
    Claim,
    Correction,
    Event,
    Position,
    Source,
    Story,
    utcnow,
)

logger = logging.getLogger(__name__)

WRONG_REASONS = {
    "not_russia": "not Russia's position",
    "wrong_issue": "wrong issue",
    "wrong_stance": "wrong stance",
    "not_position": "not a position",
}


class CorrectionError(ValueError):
    """A correction that cannot be made (shown to the analyst as one line)."""


@dataclass(frozen=True)
class Outcome:
    """What a correction did, for the page's notice and the tests."""

    message: str
    retracted_events: tuple[int, ...] = ()
    alerts_queued: int = 0


def record(
    session: Session,
    who: str,
    action: str,
    target: str,
    target_id: int,
    reason: str | None = None,
    **detail: Any,
) -> Correction:
    row = Correction(
        who=who[:200],
        action=action,
        target=target,
        target_id=target_id,
        reason=reason,
        detail=detail,
    )
    session.add(row)
    session.flush()
    logger.info(
        "correction %s by %s: %s %s #%s (%s)", row.id, who, action, target, target_id, reason
    )
    return row


def _labels_in(sentence: str, claim: Claim, ruleset: RuleSet) -> list[str]:
    """What the rules find in the sentence alone, as ``issue/stance`` for the tracked sides."""
    labels: list[str] = []
    day = claim.statement_date or claim.created_at.date()
    for result in explain(sentence, day, ruleset):
        for found in result.claims:
            label = f"{found.issue}/{found.stance}"
            if found.side in ruleset.tracked_sides and label not in labels:
                labels.append(label)
    return labels


def retract_event(session: Session, event: Event, reason: str) -> int:
    """Mark an event retracted (the ledger's own retraction: one thread reply if it was sent)."""
    if event.retracted_at is not None:
        return 0
    return timeline.retract_event(session, event, reason)


def claim_wrong(
    session: Session,
    config: AppConfig,
    ruleset: RuleSet,
    claim_id: int,
    reason: str,
    who: str,
    *,
    issue: str | None = None,
    stance: str | None = None,
) -> Outcome:
    """Retract a wrong claim, take it out of the ledger, retract the events resting on it."""
    if reason not in WRONG_REASONS:
        raise CorrectionError(f"unknown reason {reason!r}; one of {', '.join(WRONG_REASONS)}")
    claim = session.get(Claim, claim_id)
    if claim is None:
        raise CorrectionError(f"no claim #{claim_id}")
    if claim.retracted_at is not None:
        raise CorrectionError(f"claim #{claim_id} was already marked wrong")
    corrected = None
    if reason == "wrong_issue" and issue:
        corrected = f"{issue}/{stance or claim.stance}"
    elif reason == "wrong_stance" and stance:
        corrected = f"{issue or claim.issue}/{stance}"
    found = _labels_in(claim.evidence, claim, ruleset)
    wrong = f"{claim.issue}/{claim.stance}"
    expected = [label for label in found if label != wrong]
    if corrected and corrected not in expected:
        expected.append(corrected)
    article = claim.article
    record(
        session,
        who,
        "claim_wrong",
        "claim",
        claim.id,
        reason,
        sentence=claim.evidence,
        article_date=(claim.statement_date or claim.created_at.date()).isoformat(),
        claim=wrong,
        actor=claim.actor,
        found=found,
        expected=expected,
        url=(article.canonical_url or article.url) if article else None,
    )
    # The ledger recomputes the claim's (side, issue) timeline without it: events that no longer
    # hold are retracted (a sent one gets one thread reply), ones that now hold are backfilled.
    report = timeline.retract_claim(
        session, config, claim.id, WRONG_REASONS[reason], ruleset=ruleset
    )
    session.flush()
    retracted = tuple(e.id for e in report.retracted)
    return Outcome(
        f"Claim #{claim.id} retracted ({WRONG_REASONS[reason]}); "
        f"{len(retracted)} event(s) retracted, the ledger recomputed.",
        retracted,
        report.alerts_queued,
    )


def confirm_shift(session: Session, config: AppConfig, event_id: int, who: str) -> Outcome:
    """A POSSIBLE_SHIFT the analyst confirms becomes a SHIFT and is alerted (once)."""
    event = session.get(Event, event_id)
    if event is None or event.type != "POSSIBLE_SHIFT" or event.retracted_at is not None:
        raise CorrectionError(f"event #{event_id} is not an open possible shift")
    clash = session.scalar(
        select(Event.id).where(
            Event.story_id == event.story_id,
            Event.side == event.side,
            Event.issue == event.issue,
            Event.stance == event.stance,
            Event.type == "SHIFT",
        )
    )
    if clash is not None:
        raise CorrectionError(f"event #{clash} already records this shift")
    record(session, who, "shift_confirmed", "event", event.id, None, evidence=event.evidence)
    event.type = "SHIFT"
    event.backfilled = False  # an analyst's confirmation is news now, whenever it was said
    session.flush()
    alerts = outbox.enqueue_event_alerts(session, event, config)
    return Outcome(f"Event #{event.id} confirmed as a SHIFT and queued for Slack.", (), len(alerts))


def dismiss_shift(session: Session, event_id: int, who: str) -> Outcome:
    """A POSSIBLE_SHIFT the analyst dismisses is retracted (it was never alerted)."""
    event = session.get(Event, event_id)
    if event is None or event.type != "POSSIBLE_SHIFT" or event.retracted_at is not None:
        raise CorrectionError(f"event #{event_id} is not an open possible shift")
    record(session, who, "shift_dismissed", "event", event.id, None, evidence=event.evidence)
    retract_event(session, event, "possible shift dismissed by an analyst")
    return Outcome(f"Possible shift #{event.id} dismissed.", (event.id,))


def _text(article: Article) -> str:
    return article.text or ""


def split_copy(
    session: Session, config: AppConfig, ruleset: RuleSet, article_id: int, who: str
) -> Outcome:
    """An article that is not a copy leaves its story as the original of a new one, and is read."""
    article = session.get(Article, article_id)
    if article is None or article.story_id is None:
        raise CorrectionError(f"article #{article_id} is in no story")
    story = session.get(Story, article.story_id)
    if story is None or story.original_id == article.id:
        raise CorrectionError(f"article #{article_id} is its story's original, not a copy")
    original = session.get(Article, story.original_id) if story.original_id else None
    record(
        session,
        who,
        "not_a_copy",
        "article",
        article.id,
        None,
        story_id=story.id,
        a={"url": original.url if original else None, "text": _text(original) if original else ""},
        b={"url": article.url, "text": _text(article)},
        label="no_merge",
    )
    now = utcnow()
    new = Story(original_id=article.id, title=article.title, first_seen_at=now, last_seen_at=now)
    session.add(new)
    session.flush()
    article.story_id, article.duplicate_of = new.id, None
    article.relation = "original"
    # Claims come once per story: the split article was never read as an original, so read it.
    day = (article.published or article.fetched_at).date()
    found = extract_claims(_text(article), day, ruleset, title=article.title)
    changes = timeline.store_claims(
        session, article, found, ruleset, dated=article.published is not None
    )
    report = timeline.rebuild(session, config, keys=changes.keys, live=True, ruleset=ruleset)
    queued = report.alerts_queued
    new.analysed_at = now
    session.flush()
    return Outcome(
        f"Article #{article.id} split into story #{new.id} ({len(changes.claims)} claim(s)).",
        (),
        queued,
    )


def merge_stories(session: Session, keep_id: int, other_id: int, who: str) -> Outcome:
    """Two stories that are the same: the second's articles become copies in the first."""
    if keep_id == other_id:
        raise CorrectionError("a story cannot be merged with itself")
    keep, other = session.get(Story, keep_id), session.get(Story, other_id)
    if keep is None or other is None:
        raise CorrectionError(f"no story #{keep_id if keep is None else other_id}")
    a = session.get(Article, keep.original_id) if keep.original_id else None
    b = session.get(Article, other.original_id) if other.original_id else None
    record(
        session,
        who,
        "same_story",
        "story",
        keep.id,
        None,
        other_story=other.id,
        a={"url": a.url if a else None, "text": _text(a) if a else ""},
        b={"url": b.url if b else None, "text": _text(b) if b else ""},
        label="merge",
    )
    for article in session.scalars(select(Article).where(Article.story_id == other.id)):
        article.story_id = keep.id
        if article.duplicate_of is None and keep.original_id is not None:
            article.duplicate_of = keep.original_id
            article.relation = "copy"
    session.execute(update(Claim).where(Claim.story_id == other.id).values(story_id=keep.id))
    session.execute(update(Position).where(Position.story_id == other.id).values(story_id=keep.id))
    for event in session.scalars(select(Event).where(Event.story_id == other.id)):
        twin = session.scalar(
            select(Event.id).where(
                Event.story_id == keep.id,
                Event.side == event.side,
                Event.issue == event.issue,
                Event.stance == event.stance,
                Event.type == event.type,
            )
        )
        if twin is None:  # one story, one event per change; a twin keeps its own story id
            event.story_id = keep.id
    keep.first_seen_at = min(keep.first_seen_at, other.first_seen_at)
    keep.last_seen_at = max(keep.last_seen_at, other.last_seen_at)
    session.flush()
    session.delete(other)
    session.flush()
    return Outcome(f"Story #{other_id} merged into story #{keep_id}.")


def set_paused(session: Session, source_id: int, paused: bool, who: str) -> Outcome:
    source = session.get(Source, source_id)
    if source is None:
        raise CorrectionError(f"no source #{source_id}")
    record(session, who, "source_paused" if paused else "source_resumed", "source", source.id)
    source.paused_at = utcnow() if paused else None
    return Outcome(f"Source {source.name} {'paused' if paused else 'resumed'}.")
