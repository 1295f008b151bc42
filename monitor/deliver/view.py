"""What an alert says, as plain data: decouples message building from the ORM and the outbox.

An ``AlertView`` is snapshotted into the outbox row's ``payload`` when the alert is enqueued, so a
message is rebuilt from the same facts after a restart, and the builders stay pure.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from monitor.store.kinds import AlertKind, EventKind, Stance
from monitor.store.rows import CopyRef

EVENT_TYPES = tuple(EventKind)

# Labels for the shipped default topic; other keys are humanised ("foo_bar" -> "foo bar").
ISSUE_LABELS = {
    "nato_membership": "Ukraine's NATO membership",
    "nato_expansion": "NATO expansion",
    "foreign_troops": "foreign troops in Ukraine",
    "military_limits": "limits on Ukraine's military",
    "neutrality": "Ukraine's neutrality",
    "guarantor_role": "the guarantor role",
    "legally_binding": "legally binding guarantees",
    "eu_membership": "Ukraine's EU membership",
    "territory": "territory",
    "russian_speakers": "Russian speakers' rights",
    "sanctions": "sanctions relief",
    "weapons_supplies": "Western weapons supplies",
    "elections_legitimacy": "Ukraine's elections and legitimacy",
    "ceasefire_terms": "ceasefire terms",
    "other": "another issue",
}
STANCE_LABELS: dict[str, str] = {
    Stance.DEMANDS: "demands",
    Stance.REJECTS: "rejects",
    Stance.ACCEPTS: "accepts",
    Stance.OPEN_TO: "is open to",
    Stance.PROPOSES: "proposes",
}


def issue_label(issue: str) -> str:
    """A readable name for an issue key."""
    return ISSUE_LABELS.get(issue, issue.replace("_", " "))


def side_label(side: str) -> str:
    """A readable name for a side key ("russia" -> "Russia")."""
    return side.replace("_", " ").strip().title() if side.islower() else side


@dataclass(frozen=True)
class AlertView:
    """Every fact a Slack alert, a thread reply, a digest entry or an Atom entry shows."""

    kind: AlertKind
    event_type: str
    side: str
    issue: str
    stance: str
    statement_date: dt.date
    evidence: str
    url: str | None = None
    title: str | None = None
    site: str | None = None
    actor: str | None = None
    confidence: float = 1.0
    previous_stance: str | None = None
    previous_date: dt.date | None = None
    previous_evidence: str | None = None
    previous_url: str | None = None
    also_on: tuple[CopyRef, ...] = field(default_factory=tuple)
    event_id: int | None = None
    story_id: int | None = None
    created_at: dt.datetime | None = None
    backfilled: bool = False  # found in history (late arrival, backfill, reanalysis): not sent

    def __post_init__(self) -> None:
        if self.kind == AlertKind.EVENT and self.event_type not in EVENT_TYPES:
            raise ValueError(
                f"unknown event type {self.event_type!r}; expected one of {EVENT_TYPES}"
            )

    @property
    def side_label(self) -> str:
        return side_label(self.side)

    @property
    def issue_label(self) -> str:
        return issue_label(self.issue)

    def to_payload(self) -> dict[str, Any]:
        """JSON-safe form kept in the outbox row."""
        data = dataclasses.asdict(self)
        for key in ("statement_date", "previous_date", "created_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        data["also_on"] = [dataclasses.asdict(c) for c in self.also_on]
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> AlertView:
        """Inverse of ``to_payload``; unknown keys are a clear error, not silently dropped."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"alert payload has unknown fields {sorted(unknown)}")
        values = dict(data)
        for key in ("statement_date", "previous_date"):
            if values.get(key):
                values[key] = dt.date.fromisoformat(values[key])
        if values.get("created_at"):
            values["created_at"] = dt.datetime.fromisoformat(values["created_at"])
        values["also_on"] = tuple(CopyRef(**c) for c in values.get("also_on") or ())
        return cls(**values)
