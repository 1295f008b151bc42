"""Retention and abandoned-cycle recovery, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.daemon import housekeeping
from monitor.store.models import Article, Run, Source

NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


def add_article(
    session: Session, key: str, relevant: bool | None, age_days: float, text: str | None = "body"
) -> None:
    session.add(
        Article(
            url=f"https://example.org/{key}",
            url_normalized=f"example.org/{key}",
            relevant=relevant,
            text=text,
            text_hash=f"hash-{key}",
            signature=b"\x01\x02",
            fetched_at=NOW - dt.timedelta(days=age_days),
        )
    )


def test_retention_drops_only_old_irrelevant_text_and_keeps_fingerprints(
    factory: sessionmaker[Session],
) -> None:
    with factory.begin() as session:
        add_article(session, "old-irrelevant", False, 40)
        add_article(session, "new-irrelevant", False, 5)
        add_article(session, "old-relevant", True, 400)
        add_article(session, "old-unjudged", None, 400)
        add_article(session, "old-dropped", False, 90, text=None)
    with factory.begin() as session:
        assert housekeeping.drop_irrelevant_text(session, 30, now=NOW) == 1
    with factory() as session:
        rows = {a.url_normalized.split("/")[1]: a for a in session.scalars(select(Article))}
    dropped = rows["old-irrelevant"]
    assert dropped.text is None and dropped.text_dropped_at == NOW
    assert dropped.text_hash == "hash-old-irrelevant" and dropped.signature == b"\x01\x02"
    for kept in ("new-irrelevant", "old-relevant", "old-unjudged"):
        assert rows[kept].text == "body" and rows[kept].text_dropped_at is None
    assert rows["old-dropped"].text_dropped_at is None
    with factory.begin() as session:
        assert housekeeping.drop_irrelevant_text(session, 30, now=NOW) == 0


def test_retention_refuses_less_than_a_day(factory: sessionmaker[Session]) -> None:
    with factory() as session, pytest.raises(ValueError, match="at least one day"):
        housekeeping.drop_irrelevant_text(session, 0)


def test_abandoned_runs_are_closed_and_their_sources_reread(factory: sessionmaker[Session]) -> None:
    started = NOW - dt.timedelta(minutes=10)
    with factory.begin() as session:
        session.add(Run(kind="crawl", started_at=started, counters={}))
        session.add(
            Run(
                kind="crawl",
                started_at=started - dt.timedelta(hours=1),
                finished_at=started,
                ok=True,
            )
        )
        session.add(
            Source(
                name="polled-in-run",
                kind="feed",
                url="https://a.example/feed",
                etag='"abc"',
                last_modified="Mon, 01 Jun 2026 11:55:00 GMT",
                last_polled_at=started + dt.timedelta(minutes=1),
            )
        )
        session.add(
            Source(
                name="polled-before",
                kind="feed",
                url="https://b.example/feed",
                etag='"def"',
                last_polled_at=started - dt.timedelta(minutes=30),
            )
        )
        session.add(Source(name="never-polled", kind="feed", url="https://c.example/feed"))
    with factory.begin() as session:
        assert housekeeping.abandon_unfinished_runs(session, now=NOW) == ["polled-in-run"]
    with factory() as session:
        sources = {s.name: s for s in session.scalars(select(Source))}
        runs = list(session.scalars(select(Run).order_by(Run.id)))
    assert sources["polled-in-run"].etag is None and sources["polled-in-run"].last_modified is None
    assert sources["polled-before"].etag == '"def"'
    assert runs[0].finished_at == NOW and runs[0].ok is False
    assert runs[0].error == housekeeping.ABANDONED
    assert runs[1].error is None and runs[1].ok is True
    with factory.begin() as session:
        assert housekeeping.abandon_unfinished_runs(session, now=NOW) == []


def test_overdue_and_failed_sources(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        session.add(
            Source(
                name="fresh",
                kind="feed",
                url="https://a.example/f",
                last_polled_at=NOW - dt.timedelta(seconds=30),
            )
        )
        session.add(
            Source(
                name="stale",
                kind="feed",
                url="https://b.example/f",
                last_polled_at=NOW - dt.timedelta(minutes=20),
                last_error="HTTP 500",
                last_error_at=NOW - dt.timedelta(minutes=20),
                consecutive_failures=2,
            )
        )
        session.add(
            Source(
                name="broken-now",
                kind="feed",
                url="https://c.example/f",
                last_polled_at=NOW,
                last_error="timeout",
                last_error_at=NOW,
                consecutive_failures=1,
            )
        )
        session.add(
            Source(
                name="bozo-but-ok",
                kind="feed",
                url="https://d.example/f",
                last_polled_at=NOW,
                last_error="malformed feed",
                last_error_at=NOW,
                consecutive_failures=0,
            )
        )
    intervals = {"fresh": 900.0, "stale": 900.0, "unknown-yet": 900.0, "broken-now": 900.0}
    with factory() as session:
        assert housekeeping.overdue_sources(session, intervals, now=NOW) == ["stale", "unknown-yet"]
        since = NOW - dt.timedelta(minutes=1)
        assert housekeeping.sources_failed_since(session, since) == ["broken-now"]
