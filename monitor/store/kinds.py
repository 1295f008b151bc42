"""The closed vocabularies stored in columns (event kinds, stances, alert statuses), named once.

Each is a ``StrEnum``, so members compare equal to the plain strings the database holds and the
YAML rules use; modules import the names instead of repeating the literals.
"""

from __future__ import annotations

from enum import StrEnum


class EventKind(StrEnum):
    """What the ledger raises as a row of ``events`` (``events.type``)."""

    NEW_DEMAND = "NEW_DEMAND"
    NEW_POSITION = "NEW_POSITION"
    SHIFT = "SHIFT"
    POSSIBLE_SHIFT = "POSSIBLE_SHIFT"


# A POSSIBLE_SHIFT goes to the digest only; the others are alerted on Slack.
ALERTING = frozenset({EventKind.NEW_DEMAND, EventKind.NEW_POSITION, EventKind.SHIFT})
SHIFTS = frozenset({EventKind.SHIFT, EventKind.POSSIBLE_SHIFT})


class Stance(StrEnum):
    """What a side says about an issue (``claims.stance``, ``positions.stance``)."""

    DEMANDS = "demands"
    REJECTS = "rejects"
    ACCEPTS = "accepts"
    OPEN_TO = "open_to"
    PROPOSES = "proposes"


FIRM = frozenset({Stance.DEMANDS, Stance.REJECTS})
SOFT = frozenset({Stance.ACCEPTS, Stance.OPEN_TO})


class StanceClass(StrEnum):
    """A shift is a move between firm and soft; a proposal is neither."""

    FIRM = "firm"
    SOFT = "soft"
    NEUTRAL = "neutral"


def stance_class(stance: str) -> StanceClass:
    """firm, soft or neutral (proposes)."""
    if stance in FIRM:
        return StanceClass.FIRM
    if stance in SOFT:
        return StanceClass.SOFT
    return StanceClass.NEUTRAL


class AlertStatus(StrEnum):
    """Where an outbox row is in its delivery (``alerts.status``)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class OutboxKind(StrEnum):
    """What an outbox row carries (``alerts.kind``): an event alert, a thread reply, a digest."""

    EVENT = "event"
    THREAD = "thread"
    DIGEST = "digest"


class AlertKind(StrEnum):
    """What an alert message tells (``AlertView.kind``): an event, a copy, a reiteration, or
    that an event no longer holds (a retraction)."""

    EVENT = "event"
    COPY = "copy"
    REITERATION = "reiteration"
    RETRACTION = "retraction"
