"""The position ledger: events from dated claims, in statement-date order, one per story."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from monitor.judge.ledger.decide import (
    Kind,
    LedgerEntry,
    LedgerSettings,
    Observation,
    baseline_entries,
    decide,
    group,
    replay,
    summarise,
)
from monitor.judge.rules import ClaimFound, default_ruleset, extract_claims, load_ruleset
from monitor.judge.rules.loader import DEFAULT_RULES_PATH
from tests import paths

DATA = paths.DATA / "rules"
D = dt.date


def claim(
    issue: str,
    stance: str,
    day: dt.date,
    confidence: float = 0.9,
    evidence: str = "Russia said so.",
    side: str = "russia",
) -> ClaimFound:
    return ClaimFound(
        side=side,
        actor="Russia",
        issue=issue,
        stance=stance,
        evidence=evidence,
        statement_date=day,
        confidence=confidence,
        reported=False,
        rule="test",
        issue_span=(0, len(evidence)),
    )


def entry(
    issue: str,
    stance: str,
    day: dt.date,
    kind: Kind = Kind.REITERATION,
    story: int | None = None,
    evidence: str = "earlier",
) -> LedgerEntry:
    return LedgerEntry(
        side="russia",
        issue=issue,
        stance=stance,
        statement_date=day,
        evidence=evidence,
        url=f"https://example.org/{issue}/{day}",
        story_id=story,
        kind=kind.value,
    )


def test_first_firm_claim_is_a_new_demand_and_first_soft_a_new_position() -> None:
    assert (
        decide([], claim("neutrality", "demands", D(2025, 9, 1)), story_id=1).kind
        is Kind.NEW_DEMAND
    )
    assert (
        decide([], claim("neutrality", "rejects", D(2025, 9, 1)), story_id=1).kind
        is Kind.NEW_DEMAND
    )
    assert (
        decide([], claim("sanctions", "open_to", D(2025, 9, 1)), story_id=1).kind
        is Kind.NEW_POSITION
    )
    assert (
        decide([], claim("sanctions", "proposes", D(2025, 9, 1)), story_id=1).kind
        is Kind.NEW_POSITION
    )


def test_first_firm_after_a_proposal_is_a_new_demand() -> None:
    history = [entry("ceasefire_terms", "proposes", D(2025, 5, 1), Kind.NEW_POSITION)]
    decision = decide(history, claim("ceasefire_terms", "demands", D(2025, 6, 1)), story_id=2)
    assert decision.kind is Kind.NEW_DEMAND


def test_demands_and_rejects_are_one_line_not_a_shift() -> None:
    history = [entry("nato_expansion", "rejects", D(2021, 12, 17), Kind.BASELINE)]
    decision = decide(history, claim("nato_expansion", "demands", D(2025, 9, 1)), story_id=3)
    assert decision.kind is Kind.REITERATION
    assert not decision.raises_event


def test_confident_softening_is_a_shift_carrying_the_previous_position() -> None:
    previous = entry("foreign_troops", "rejects", D(2025, 3, 6), Kind.BASELINE)
    decision = decide(
        [previous],
        claim("foreign_troops", "accepts", D(2025, 9, 1), 0.9),
        story_id=4,
        url="https://news.example/x",
    )
    assert decision.kind is Kind.SHIFT and decision.alerts
    assert decision.previous == previous
    assert decision.entry is not None and decision.entry.kind == "SHIFT"
    assert decision.entry.url == "https://news.example/x" and decision.entry.story_id == 4


def test_hardening_is_a_shift_too() -> None:
    history = [entry("eu_membership", "accepts", D(2022, 6, 17), Kind.BASELINE)]
    decision = decide(history, claim("eu_membership", "rejects", D(2025, 9, 1), 0.95), story_id=5)
    assert decision.kind is Kind.SHIFT and "hardening" in decision.reason


def test_weak_single_story_shift_is_only_possible_and_does_not_move_the_position() -> None:
    history = [entry("eu_membership", "accepts", D(2022, 6, 17), Kind.BASELINE)]
    weak = decide(history, claim("eu_membership", "rejects", D(2025, 9, 1), 0.65), story_id=6)
    assert weak.kind is Kind.POSSIBLE_SHIFT and weak.raises_event and not weak.alerts
    assert weak.entry is not None
    history.append(weak.entry)
    # The old line restated later is a reiteration, not a "shift back" caused by a misreading.
    again = decide(history, claim("eu_membership", "accepts", D(2025, 9, 10), 0.9), story_id=7)
    assert again.kind is Kind.REITERATION


def test_two_independent_weak_stories_agreeing_make_a_shift() -> None:
    history = [entry("eu_membership", "accepts", D(2022, 6, 17), Kind.BASELINE)]
    first = decide(history, claim("eu_membership", "rejects", D(2025, 9, 1), 0.6), story_id=8)
    assert first.entry is not None
    history.append(first.entry)
    same_story = decide(history, claim("eu_membership", "rejects", D(2025, 9, 2), 0.6), story_id=8)
    assert same_story.kind is Kind.DUPLICATE and same_story.entry is None
    second = decide(history, claim("eu_membership", "rejects", D(2025, 9, 2), 0.6), story_id=9)
    assert second.kind is Kind.SHIFT and "2 independent stories" in second.reason


def test_a_story_contradicting_itself_cannot_shift_back_and_forth() -> None:
    history = [entry("foreign_troops", "rejects", D(2025, 3, 6), Kind.BASELINE)]
    first = decide(history, claim("foreign_troops", "accepts", D(2025, 9, 1), 0.9), story_id=11)
    assert first.kind is Kind.SHIFT and first.entry is not None
    history.append(first.entry)
    second = decide(history, claim("foreign_troops", "rejects", D(2025, 9, 1), 0.9), story_id=11)
    assert second.kind is Kind.DUPLICATE and second.entry is None and not second.raises_event


def test_caller_reported_corroboration_counts() -> None:
    history = [entry("territory", "demands", D(2024, 6, 14), Kind.BASELINE)]
    decision = decide(
        history,
        claim("territory", "open_to", D(2025, 9, 1), 0.5),
        story_id=10,
        corroborating_stories=1,
    )
    assert decision.kind is Kind.SHIFT


def test_shift_threshold_is_configurable() -> None:
    history = [entry("territory", "demands", D(2024, 6, 14), Kind.BASELINE)]
    soft = claim("territory", "open_to", D(2025, 9, 1), 0.85)
    assert decide(history, soft, story_id=1).kind is Kind.SHIFT
    assert decide(history, soft, story_id=1, shift_confidence=0.9).kind is Kind.POSSIBLE_SHIFT


def test_old_statement_arriving_late_is_inserted_where_it_belongs() -> None:
    later = Observation(claim("foreign_troops", "rejects", D(2025, 9, 15), 0.95), story_id=1)
    early = Observation(claim("foreign_troops", "accepts", D(2025, 6, 1), 0.95), story_id=2)
    _, decisions = replay([], [later, early])
    # June's openness was the first position; September's rejection hardened it.
    assert [(d.claim.statement_date, d.kind) for d in decisions] == [
        (D(2025, 6, 1), Kind.NEW_POSITION),
        (D(2025, 9, 15), Kind.SHIFT),
    ]


def test_truce_preconditions_beside_openness_are_no_shift() -> None:
    """Open to a truce, then guarantees "in any ceasefire": conditions, not a hardening; a
    rejection of the truce after the openness still is one."""
    history = [entry("ceasefire_terms", "open_to", D(2025, 3, 13), Kind.NEW_POSITION, story=1)]
    terms = decide(history, claim("ceasefire_terms", "demands", D(2025, 3, 17), 0.9), story_id=2)
    assert terms.kind is Kind.NEW_DEMAND
    refusal = decide(history, claim("ceasefire_terms", "rejects", D(2025, 3, 17), 0.9), story_id=3)
    assert refusal.kind is Kind.SHIFT and "hardening" in refusal.reason


def test_opposite_firm_stances_on_an_opposed_issue_are_a_shift_not_a_reiteration() -> None:
    history = [entry("neutrality", "demands", D(2022, 3, 29), Kind.BASELINE)]
    weak = decide(history, claim("neutrality", "rejects", D(2025, 9, 1), 0.6), story_id=3)
    assert weak.kind is Kind.POSSIBLE_SHIFT and "reversal" in weak.reason
    strong = decide(history, claim("neutrality", "rejects", D(2025, 9, 1), 0.9), story_id=3)
    assert strong.kind is Kind.SHIFT


def test_a_long_record_needs_corroboration() -> None:
    history = [
        entry("foreign_troops", "rejects", D(2025, m, 1), Kind.REITERATION, story=m)
        for m in range(1, 7)
    ]
    history[0] = entry("foreign_troops", "rejects", D(2025, 1, 1), Kind.NEW_DEMAND, story=1)
    confident = claim("foreign_troops", "accepts", D(2025, 9, 1), 0.95)
    lone = decide(history, confident, story_id=20)
    assert lone.kind is Kind.POSSIBLE_SHIFT and "6 consistent" in lone.reason
    quoted = decide(history, confident, story_id=20, senior_quote=True)
    assert quoted.kind is Kind.SHIFT
    assert decide(history, confident, story_id=20, corroborating_stories=1).kind is Kind.SHIFT
    # One story repeating itself is no long record.
    same_story = [
        entry("foreign_troops", "rejects", D(2025, m, 1), Kind.REITERATION, story=1)
        for m in range(1, 7)
    ]
    assert decide(same_story, confident, story_id=20).kind is Kind.SHIFT


def test_other_is_new_only_when_unlike_every_earlier_other_claim() -> None:
    root = "Putin insists that any settlement must address the root causes of the conflict."
    history = [entry("other", "demands", D(2025, 5, 1), Kind.NEW_DEMAND, evidence=root)]
    similar = claim(
        "other",
        "demands",
        D(2025, 9, 1),
        evidence="Lavrov said the root causes of the crisis must be eliminated.",
    )
    assert decide(history, _with_cue(similar, "root causes"), story_id=2).kind is Kind.REITERATION
    different = _with_cue(
        claim(
            "other",
            "demands",
            D(2025, 9, 1),
            evidence="The Kremlin demanded a demilitarized buffer zone in Kharkiv.",
        ),
        "buffer zone",
    )
    assert decide(history, different, story_id=3).kind is Kind.NEW_DEMAND


def _with_cue(found: ClaimFound, cue: str) -> ClaimFound:
    start = found.evidence.index(cue)
    return ClaimFound(
        side=found.side,
        actor=found.actor,
        issue=found.issue,
        stance=found.stance,
        evidence=found.evidence,
        statement_date=found.statement_date,
        confidence=found.confidence,
        reported=found.reported,
        rule=found.rule,
        issue_span=(start, start + len(cue)),
    )


def test_process_orders_by_statement_date_so_arrival_order_cannot_fake_a_shift() -> None:
    late_first = [
        Observation(claim("military_limits", "demands", D(2025, 9, 20), 0.9), story_id=1),
        Observation(claim("military_limits", "open_to", D(2025, 6, 1), 0.9), story_id=2),
    ]
    kinds = [d.kind for d in replay([], late_first)[1]]
    # June's openness comes first (NEW_POSITION), September's demand then hardens it.
    assert kinds == [Kind.NEW_POSITION, Kind.SHIFT]


def test_baseline_seeds_history_and_summary_shows_current_position() -> None:
    ruleset = default_ruleset()
    seeded = group(baseline_entries(ruleset))
    assert ("russia", "nato_membership") in seeded
    assert all(
        e.origin == "baseline" and e.url and e.url.startswith("http")
        for entries in seeded.values()
        for e in entries
    )
    history = list(seeded[("russia", "eu_membership")])
    summary = summarise(history)
    assert summary is not None and summary.stance == "accepts" and summary.times_stated == 1
    decision = decide(history, claim("eu_membership", "accepts", D(2025, 9, 3)), story_id=1)
    assert decision.entry is not None
    summary = summarise([*history, decision.entry])
    assert summary is not None
    assert (summary.since, summary.last_stated, summary.times_stated) == (
        D(2022, 6, 17),
        D(2025, 9, 3),
        2,
    )


# -- the stream: real texts through the engine, then the ledger --------------------------------


def _stream_ruleset(baseline: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    rules = yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    rules["baseline"] = baseline
    return load_ruleset(rules)


def test_stream_of_articles_raises_exactly_the_expected_events() -> None:
    stream = yaml.safe_load((DATA / "ledger_stream.yaml").read_text(encoding="utf-8"))
    ruleset = _stream_ruleset(stream["baseline"])
    observations = [
        Observation(found, story_id=article["story"], url=article["url"], order_key=article["url"])
        for batch in stream["batches"]
        for article in batch["articles"]
        for found in extract_claims(article["text"], article["date"], ruleset)
    ]
    _, decisions = replay(baseline_entries(ruleset), observations, LedgerSettings.of(ruleset))
    events = [
        {
            "type": d.kind.value,
            "issue": d.claim.issue,
            "stance": d.claim.stance,
            "previous": d.previous.stance
            if d.previous is not None and d.kind in (Kind.SHIFT, Kind.POSSIBLE_SHIFT)
            else None,
        }
        for d in decisions
        if d.raises_event
    ]
    assert events == stream["expected_events"]
    quiet = [
        {"type": d.kind.value, "issue": d.claim.issue, "stance": d.claim.stance}
        for d in decisions
        if not d.raises_event
    ]
    assert quiet == stream["expected_quiet"]
    shift = next(d for d in decisions if d.kind is Kind.SHIFT and d.claim.stance == "accepts")
    assert (
        shift.previous is not None
        and shift.previous.url == "https://news.example/lavrov-peacekeepers"
    )
    assert shift.previous.statement_date == D(2025, 9, 15)


@pytest.mark.parametrize(
    "stance,expected", [("demands", "firm"), ("open_to", "soft"), ("proposes", "neutral")]
)
def test_stance_classes(stance: str, expected: str) -> None:
    from monitor.judge.ledger.decide import stance_class

    assert stance_class(stance) == expected


def test_rows_map_onto_the_positions_and_events_tables() -> None:
    from monitor.store.models import Event, Position

    history = [entry("foreign_troops", "rejects", D(2025, 3, 6), Kind.BASELINE)]
    decision = decide(
        history,
        claim("foreign_troops", "accepts", D(2025, 9, 1), 0.9),
        story_id=4,
        url="https://news.example/x",
        claim_id=17,
    )
    assert decision.entry is not None
    position_columns = {c.name for c in Position.__table__.columns} - {"id", "created_at"}
    assert set(decision.entry.row()) == position_columns
    event = decision.event_row(article_id=3)
    assert event is not None
    assert set(event) == {c.name for c in Event.__table__.columns} - {"id", "created_at"}
    assert (event["type"], event["previous_stance"], event["previous_date"]) == (
        "SHIFT",
        "rejects",
        D(2025, 3, 6),
    )
    assert (event["claim_id"], event["article_id"], event["story_id"]) == (17, 3, 4)
    reiteration = decide(
        [*history, decision.entry], claim("foreign_troops", "accepts", D(2025, 9, 2)), story_id=5
    )
    assert reiteration.event_row() is None


def test_summary_ignores_possible_shifts_and_restarts_after_a_shift() -> None:
    history = [
        entry("territory", "demands", D(2024, 6, 14), Kind.BASELINE),
        entry("territory", "rejects", D(2025, 5, 1), Kind.REITERATION, story=1),
        entry("territory", "open_to", D(2025, 6, 1), Kind.POSSIBLE_SHIFT, story=2),
    ]
    summary = summarise(history)
    assert summary is not None
    # A reiteration on the same line restates the shown stance; it never replaces it.
    assert (summary.stance, summary.since, summary.last_stated, summary.times_stated) == (
        "demands",
        D(2024, 6, 14),
        D(2025, 5, 1),
        2,
    )
    assert not summary.baseline_only
    assert summarise(history[:1]).baseline_only  # type: ignore[union-attr]
    history.append(entry("territory", "open_to", D(2025, 7, 1), Kind.SHIFT, story=3))
    summary = summarise(history)
    assert summary is not None
    assert (summary.stance, summary.since, summary.last_stated, summary.times_stated) == (
        "open_to",
        D(2025, 7, 1),
        D(2025, 7, 1),
        1,
    )
