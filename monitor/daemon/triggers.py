"""A daily trigger at a local wall-clock time that fires exactly once per local day, DST or not.

APScheduler 3's ``CronTrigger`` fires twice on the autumn day a time zone repeats an hour when
the configured time falls in that hour (02:30 Europe/Berlin on the last Sunday of October), which
would send the digest twice. This trigger picks one instant per local date: the first
occurrence of a repeated time, and for a time skipped in spring the instant the clock jumps to.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger

UTC = dt.UTC


class LocalDailyTrigger(BaseTrigger):
    """Fire once per local calendar day at ``at`` in ``timezone``; picklable for the job store."""

    def __init__(self, at: dt.time, timezone: str) -> None:
        if at.tzinfo is not None:
            raise ValueError("give the digest time as a local wall-clock time, without an offset")
        self.at = at
        self.timezone = ZoneInfo(timezone)

    def fire_time_on(self, day: dt.date) -> dt.datetime:
        """The instant of ``at`` on local ``day`` (fold=0: first of two, or just after a gap)."""
        local = dt.datetime.combine(day, self.at, tzinfo=self.timezone)
        return local.astimezone(UTC).astimezone(self.timezone)

    def get_next_fire_time(
        self, previous_fire_time: dt.datetime | None, now: dt.datetime
    ) -> dt.datetime | None:
        day = now.astimezone(self.timezone).date()
        if previous_fire_time is not None:
            day = max(
                day, previous_fire_time.astimezone(self.timezone).date() + dt.timedelta(days=1)
            )
        while True:
            candidate = self.fire_time_on(day)
            if candidate >= now:
                return candidate
            day += dt.timedelta(days=1)

    def __getstate__(self) -> dict[str, object]:
        return {"version": 1, "at": self.at, "timezone": self.timezone.key}

    def __setstate__(self, state: dict[str, object]) -> None:
        if state.get("version") != 1:
            raise ValueError(
                f"cannot restore LocalDailyTrigger state version {state.get('version')}"
            )
        self.at = state["at"]  # type: ignore[assignment]
        self.timezone = ZoneInfo(str(state["timezone"]))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LocalDailyTrigger) and (self.at, self.timezone.key) == (
            other.at,
            other.timezone.key,
        )

    def __hash__(self) -> int:
        return hash((self.at, self.timezone.key))

    def __str__(self) -> str:
        return f"daily[{self.at.isoformat()} {self.timezone.key}]"

    def __repr__(self) -> str:
        return f"<LocalDailyTrigger at={self.at.isoformat()!r} timezone={self.timezone.key!r}>"
