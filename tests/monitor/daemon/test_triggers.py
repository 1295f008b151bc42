"""The digest trigger fires once per local day across DST changes (driven by a test clock)."""

from __future__ import annotations

import datetime as dt
import pickle
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from monitor.daemon.triggers import LocalDailyTrigger

UTC = dt.UTC


def fires_between(
    trigger: LocalDailyTrigger, start: dt.datetime, end: dt.datetime, tick: dt.timedelta
) -> list[dt.datetime]:
    """Drive the trigger the way APScheduler does, with a clock advancing by ``tick``."""
    fired: list[dt.datetime] = []
    next_fire = trigger.get_next_fire_time(None, start)
    now = start
    while now <= end:
        if next_fire is not None and now >= next_fire:
            fired.append(next_fire)
            next_fire = trigger.get_next_fire_time(next_fire, now)
        now += tick
    return fired


CASES = [
    # zone, local time, a UTC start a few days before a change
    ("Europe/Berlin", dt.time(7, 0), dt.datetime(2026, 3, 26, tzinfo=UTC)),  # spring, normal hour
    ("Europe/Berlin", dt.time(2, 30), dt.datetime(2026, 3, 26, tzinfo=UTC)),  # spring, skipped hour
    (
        "Europe/Berlin",
        dt.time(2, 30),
        dt.datetime(2026, 10, 22, tzinfo=UTC),
    ),  # autumn, repeated hour
    ("Europe/Berlin", dt.time(7, 0), dt.datetime(2026, 10, 22, tzinfo=UTC)),
    ("America/New_York", dt.time(1, 30), dt.datetime(2026, 10, 29, tzinfo=UTC)),  # repeated
    ("America/New_York", dt.time(2, 15), dt.datetime(2026, 3, 5, tzinfo=UTC)),  # skipped
    ("Australia/Lord_Howe", dt.time(2, 15), dt.datetime(2026, 4, 1, tzinfo=UTC)),  # 30-min shift
]


@pytest.mark.parametrize(("zone", "at", "start"), CASES)
def test_fires_once_per_local_day_across_the_change(
    zone: str, at: dt.time, start: dt.datetime
) -> None:
    tz = ZoneInfo(zone)
    trigger = LocalDailyTrigger(at, zone)
    fired = fires_between(trigger, start, start + dt.timedelta(days=8), dt.timedelta(minutes=5))
    days = Counter(f.astimezone(tz).date() for f in fired)
    assert all(n == 1 for n in days.values()), days
    first = min(days)
    assert sorted(days) == [first + dt.timedelta(days=i) for i in range(len(days))], "a day missing"
    assert len(days) >= 7
    offsets = {f.astimezone(tz).utcoffset() for f in fired}
    assert len(offsets) == 2, "the run must actually cross a DST change"
    for f in fired:
        local = f.astimezone(tz)
        if local.time() != at:
            # Only a time the clock skips moves, and only forward, to the end of the gap.
            naive = dt.datetime.combine(local.date(), at)
            assert naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).time() == local.time()
            assert local.time() > at


def test_repeated_hour_fires_at_the_first_occurrence() -> None:
    trigger = LocalDailyTrigger(dt.time(2, 30), "Europe/Berlin")
    fire = trigger.get_next_fire_time(None, dt.datetime(2026, 10, 24, 23, 0, tzinfo=UTC))
    assert fire is not None
    assert fire.astimezone(UTC) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 02:30 CEST
    again = trigger.get_next_fire_time(fire, fire + dt.timedelta(hours=1))  # 02:30 CET passes
    assert again is not None and again.astimezone(UTC) == dt.datetime(
        2026, 10, 26, 1, 30, tzinfo=UTC
    )


def test_restart_after_the_fire_time_does_not_fire_that_day_again() -> None:
    """A job store restores previous_fire_time; a restart later that day waits for tomorrow."""
    trigger = LocalDailyTrigger(dt.time(7, 0), "Europe/Berlin")
    fired = trigger.get_next_fire_time(None, dt.datetime(2026, 5, 4, 4, 0, tzinfo=UTC))
    assert fired is not None and fired.hour == 7
    after_restart = trigger.get_next_fire_time(fired, dt.datetime(2026, 5, 4, 6, 0, tzinfo=UTC))
    assert after_restart is not None and after_restart.date() == dt.date(2026, 5, 5)


def test_state_survives_pickling_and_compares_equal() -> None:
    trigger = LocalDailyTrigger(dt.time(6, 45), "Asia/Tokyo")
    restored = pickle.loads(pickle.dumps(trigger))
    assert restored == trigger and hash(restored) == hash(trigger)
    assert restored != LocalDailyTrigger(dt.time(6, 45), "UTC")
    now = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert restored.get_next_fire_time(None, now) == trigger.get_next_fire_time(None, now)
    assert str(trigger) == "daily[06:45:00 Asia/Tokyo]"


def test_rejects_a_time_with_an_offset_and_an_unknown_zone() -> None:
    with pytest.raises(ValueError, match="without an offset"):
        LocalDailyTrigger(dt.time(7, 0, tzinfo=UTC), "UTC")
    with pytest.raises(Exception, match="Mars/Olympus"):
        LocalDailyTrigger(dt.time(7, 0), "Mars/Olympus")
