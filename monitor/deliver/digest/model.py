"""The daily digest as plain data, composed by a pure function from records of one local day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from monitor.deliver.view import AlertView, issue_label, side_label
from monitor.store.kinds import EventKind
from monitor.store.rows import SourceHealth, StoryRow

COUNTER_KEYS = ("sources_polled", "fetched", "relevant", "duplicates", "claims", "events", "alerts")


@dataclass(frozen=True)
class PositionEntry:
    """One stated stance in the ledger (input to the table and the timeline)."""

    side: str
    issue: str
    stance: str
    statement_date: dt.date
    evidence: str = ""
    url: str | None = None
    kind: str = "REITERATION"
    origin: str = "article"
    date_estimated: bool = False


@dataclass(frozen=True)
class PositionRow:
    """The current stance of a side on an issue."""

    side: str
    issue: str
    stance: str
    since: dt.date
    last_stated: dt.date
    evidence: str
    url: str | None
    changed_today: bool
    baseline_only: bool = False  # rests only on the topic's shipped baseline
    times_stated: int = 1

    @property
    def side_label(self) -> str:
        return side_label(self.side)

    @property
    def issue_label(self) -> str:
        return issue_label(self.issue)


@dataclass(frozen=True)
class DailyDigest:
    """Everything one day's digest shows, ready for the HTML, Markdown and Slack renderers."""

    topic: str
    day: dt.date
    timezone: str
    generated_at: dt.datetime
    events: tuple[AlertView, ...]
    possible_shifts: tuple[AlertView, ...]
    positions: tuple[PositionRow, ...]
    timelines: Mapping[str, tuple[PositionEntry, ...]]
    stories: tuple[StoryRow, ...]
    sources: tuple[SourceHealth, ...]
    counts: Mapping[str, int] = field(default_factory=dict)
    backfilled: tuple[AlertView, ...] = ()  # events found in history, summarised once

    @property
    def failing_sources(self) -> tuple[SourceHealth, ...]:
        return tuple(s for s in self.sources if s.failing)


def position_table(history: Iterable[PositionEntry], day: dt.date) -> tuple[PositionRow, ...]:
    """The position table as of the end of ``day``: the ledger's own summary of each history,
    so the digest and ``newsmon positions`` agree on every field of a row."""
    from monitor.judge.ledger.decide import LedgerEntry, summarise

    by_key: dict[tuple[str, str], list[LedgerEntry]] = {}
    for entry in history:
        if entry.statement_date <= day:
            by_key.setdefault((entry.side, entry.issue), []).append(
                LedgerEntry(
                    side=entry.side,
                    issue=entry.issue,
                    stance=entry.stance,
                    statement_date=entry.statement_date,
                    evidence=entry.evidence,
                    url=entry.url,
                    origin=entry.origin,
                    kind=entry.kind,
                    date_estimated=entry.date_estimated,
                )
            )
    rows = []
    for _key, entries in sorted(by_key.items()):
        summary = summarise(entries)
        if summary is None:
            continue
        rows.append(
            PositionRow(
                side=summary.side,
                issue=summary.issue,
                stance=summary.stance,
                since=summary.since,
                last_stated=summary.last_stated,
                evidence=summary.last_evidence,
                url=summary.last_url,
                changed_today=summary.since == day,
                baseline_only=summary.baseline_only,
                times_stated=summary.times_stated,
            )
        )
    return tuple(rows)


def build_digest(
    *,
    topic: str,
    day: dt.date,
    timezone: str,
    generated_at: dt.datetime,
    events: Sequence[AlertView],
    history: Sequence[PositionEntry],
    stories: Sequence[StoryRow],
    sources: Sequence[SourceHealth],
    counts: Mapping[str, int],
) -> DailyDigest:
    """Compose the digest: order events, split possible shifts off, derive positions and timelines."""
    ordered = sorted(events, key=lambda e: (e.created_at or generated_at, e.side, e.issue))
    timelines: dict[str, list[PositionEntry]] = {}
    for entry in sorted(history, key=lambda e: e.statement_date):
        if entry.statement_date <= day:
            timelines.setdefault(entry.issue, []).append(entry)
    return DailyDigest(
        topic=topic,
        day=day,
        timezone=timezone,
        generated_at=generated_at,
        events=tuple(
            e for e in ordered if e.event_type != EventKind.POSSIBLE_SHIFT and not e.backfilled
        ),
        possible_shifts=tuple(
            e for e in ordered if e.event_type == EventKind.POSSIBLE_SHIFT and not e.backfilled
        ),
        backfilled=tuple(
            sorted((e for e in ordered if e.backfilled), key=lambda e: (e.statement_date, e.issue))
        ),
        positions=position_table(history, day),
        timelines={k: tuple(v) for k, v in sorted(timelines.items())},
        stories=tuple(sorted(stories, key=lambda s: (-len(s.copies), -s.claims, s.title or ""))),
        sources=tuple(sorted(sources, key=lambda s: (not s.failing, s.name))),
        counts={k: int(counts.get(k, 0)) for k in dict.fromkeys([*COUNTER_KEYS, *counts])},
    )
