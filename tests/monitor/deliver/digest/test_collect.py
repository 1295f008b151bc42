"""The digest read from the database: a local day in the configured zone, files, sending once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, Settings, TopicConfig
from monitor.deliver.digest.collect import collect_digest, day_window, write_digest
from monitor.store.models import Alert, Digest, Position, Run, Source
from tests.conftest import run_newsmon
from tests.fake_slack import FakeSlack
from tests.monitor.deliver.alerts.records import add_claim, add_event, add_story
from tests.monitor.deliver.dispatch_env import cli_env

UTC = dt.UTC
DAY = dt.date(2025, 6, 18)


def config(tmp_path: Path) -> AppConfig:
    topic = TopicConfig.model_validate(
        {
            "name": "guarantees",
            "description": "Russia: security guarantees",
            "digest": {"timezone": "Europe/Berlin", "directory": str(tmp_path / "digests")},
        }
    )
    return AppConfig(settings=Settings(), topic=topic, topic_path=tmp_path / "topic.yaml")


def populate(factory: sessionmaker[Session]) -> None:
    """A Berlin day (UTC+2 in June): 22:00 UTC on the 17th is already the 18th there."""
    with factory.begin() as session:
        in_day = dt.datetime(2025, 6, 17, 22, 30, tzinfo=UTC)
        too_late = dt.datetime(2025, 6, 18, 22, 30, tzinfo=UTC)  # 00:30 on the 19th in Berlin
        story, article = add_story(
            session,
            "https://paper.example.com/eu",
            "Putin on the EU",
            {
                "repost.example.net": "https://repost.example.net/eu",
                "aggregator.example": "https://aggregator.example/eu",
            },
        )
        for a in session.scalars(select(type(article)).where(type(article).story_id == story.id)):
            a.fetched_at = in_day
        add_claim(session, article, statement_date=DAY)
        add_event(session, "SHIFT", story, article, created_at=in_day)
        add_event(
            session,
            "POSSIBLE_SHIFT",
            story,
            article,
            issue="foreign_troops",
            stance="open_to",
            created_at=in_day + dt.timedelta(hours=3),
        )
        late_story, late = add_story(session, "https://wire.example.com/late", "Next day")
        late.fetched_at = too_late
        add_event(
            session,
            "NEW_DEMAND",
            late_story,
            late,
            issue="sanctions",
            stance="demands",
            created_at=too_late,
        )
        session.add_all(
            [
                Position(
                    side="russia",
                    issue="eu_membership",
                    stance="rejects",
                    statement_date=dt.date(2022, 3, 4),
                    evidence="hostile",
                    url="https://archive.example.net/z",
                    kind="NEW_DEMAND",
                ),
                Position(
                    side="russia",
                    issue="eu_membership",
                    stance="accepts",
                    statement_date=DAY,
                    evidence="would accept",
                    url="https://paper.example.com/eu",
                    kind="SHIFT",
                ),
                Position(
                    side="russia",
                    issue="sanctions",
                    stance="demands",
                    statement_date=DAY + dt.timedelta(days=1),
                    evidence="lift them",
                    kind="NEW_DEMAND",
                ),
            ]
        )
        session.add_all(
            [
                Run(
                    started_at=in_day,
                    counters={
                        "sources_polled": 10,
                        "fetched": 30,
                        "relevant": 5,
                        "duplicates": 2,
                        "claims": 1,
                    },
                ),
                Run(
                    started_at=in_day + dt.timedelta(hours=6),
                    counters={"sources_polled": 10, "fetched": 12, "relevant": 1},
                ),
                Run(started_at=too_late, counters={"sources_polled": 999}),
            ]
        )
        session.add_all(
            [
                Source(name="wire", kind="feed", url="https://wire.example.com/rss"),
                Source(
                    name="broken",
                    kind="feed",
                    url="https://broken.example/rss",
                    consecutive_failures=4,
                    failing_since=in_day - dt.timedelta(days=1),
                    last_error="HTTP 503",
                ),
            ]
        )


def test_day_window_follows_the_time_zone() -> None:
    start, end = day_window(DAY, "Europe/Berlin")
    assert (start, end) == (
        dt.datetime(2025, 6, 17, 22, tzinfo=UTC),
        dt.datetime(2025, 6, 18, 22, tzinfo=UTC),
    )
    start, end = day_window(dt.date(2025, 10, 26), "Europe/Berlin")  # the clocks go back: 25 hours
    assert end - start == dt.timedelta(hours=25)


def test_collect_reads_one_local_day(factory: sessionmaker[Session], tmp_path: Path) -> None:
    populate(factory)
    with factory() as session:
        digest = collect_digest(
            session, config(tmp_path), DAY, now=dt.datetime(2025, 6, 19, 5, tzinfo=UTC)
        )
    assert [e.event_type for e in digest.events] == ["SHIFT"]
    assert [e.event_type for e in digest.possible_shifts] == ["POSSIBLE_SHIFT"]
    assert (
        digest.events[0].url == "https://paper.example.com/eu"
        and digest.events[0].site == "paper.example.com"
    )
    assert digest.counts["sources_polled"] == 20 and digest.counts["fetched"] == 42
    assert digest.counts["events"] == 2 and digest.counts["duplicates"] == 2
    (story,) = digest.stories
    assert story.title == "Putin on the EU" and story.claims == 1
    assert sorted(c.site for c in story.copies) == ["aggregator.example", "repost.example.net"]
    (position,) = digest.positions  # the sanctions demand is stated the next day
    assert (position.stance, position.since, position.changed_today) == ("accepts", DAY, True)
    assert [s.name for s in digest.failing_sources] == ["broken"]


def test_files_are_written_once_per_day_and_overwritten(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    populate(factory)
    cfg = config(tmp_path)
    with factory.begin() as session:
        first = write_digest(session, collect_digest(session, cfg, DAY), cfg.digest_dir)
    html_before = first.html_path.read_text()
    with factory.begin() as session:
        story, article = add_story(session, "https://wire.example.com/more", "Another story")
        article.fetched_at = dt.datetime(2025, 6, 18, 8, tzinfo=UTC)
        second = write_digest(session, collect_digest(session, cfg, DAY), cfg.digest_dir)
    assert (first.html_path, first.markdown_path) == (second.html_path, second.markdown_path)
    assert sorted(p.name for p in cfg.digest_dir.iterdir()) == [
        "digest-2025-06-18.html",
        "digest-2025-06-18.md",
    ]
    assert "Another story" in second.html_path.read_text() and "Another story" not in html_before
    assert "Another story" in second.markdown_path.read_text()
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Digest)) == 1


def test_cli_digest_send_posts_once_with_the_full_digest_attached(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    populate(factory)
    topic = tmp_path / "topic.yaml"
    topic.write_text(
        yaml.safe_dump(
            {
                "name": "guarantees",
                "description": "Russia: security guarantees",
                "digest": {"timezone": "Europe/Berlin", "directory": str(tmp_path / "digests")},
            }
        )
    )
    env = cli_env(database_url, fake_slack, tmp_path) | {"NEWSMON_CONFIG": str(topic)}
    run = lambda *args: run_newsmon(*args, env=env)
    first = run("digest", "--date", "2025-06-18", "--send")
    assert first.returncode == 0, first.stderr
    assert "Slack summary sent at" in first.stdout
    summary, upload_note = fake_slack.messages("C_ALERTS")
    assert summary["blocks"][0]["text"]["text"] == "Russia: security guarantees: digest 2025-06-18"
    assert "*SHIFT*: Russia *accepts* Ukraine's EU membership" in str(summary["blocks"])
    assert upload_note["thread_ts"] == summary["ts"]
    (uploaded,) = fake_slack.state.files.values()
    assert uploaded["filename"] == "digest-2025-06-18.md"
    assert uploaded["content"] == (tmp_path / "digests" / "digest-2025-06-18.md").read_bytes()
    again = run("digest", "--date", "2025-06-18", "--send")
    assert again.returncode == 0 and "already queued or sent" in again.stdout
    assert len(fake_slack.messages("C_ALERTS")) == 2
    with factory() as session:
        record = session.scalar(select(Digest))
        assert record.sent_at is not None and record.html_path.endswith("digest-2025-06-18.html")
        assert (
            session.scalar(select(func.count()).select_from(Alert).where(Alert.kind == "digest"))
            == 1
        )
    bad = run("digest", "--date", "18/06/2025")
    assert bad.returncode == 2 and "--date takes a date as YYYY-MM-DD" in bad.stderr
