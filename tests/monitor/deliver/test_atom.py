"""The Atom feed of events: valid for feedparser, newest first, hostile text inert."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import feedparser
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from monitor.deliver.atom import build_events_feed
from tests.conftest import run_newsmon
from tests.monitor.deliver.alerts.cases import CASES, hostile
from tests.monitor.deliver.alerts.records import add_event, add_story

AT = dt.datetime(2025, 6, 18, 9, tzinfo=dt.UTC)


def test_feed_parses_with_feedparser_newest_first() -> None:
    entries = [(CASES["NEW_DEMAND"], AT), (CASES["SHIFT"], AT + dt.timedelta(hours=2))]
    xml = build_events_feed(
        entries,
        title="newsmon: guarantees",
        updated=AT + dt.timedelta(hours=2),
        self_url="http://127.0.0.1:8080/events.atom",
    )
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "newsmon: guarantees"
    first, second = parsed.entries
    assert (
        first.title
        == "SHIFT: Russia accepts Ukraine's EU membership; previously rejects (2022-03-04)"
    )
    assert first.link == "https://paper.example.com/2025/06/18/putin-eu"
    assert first.id == "urn:newsmon:events:13" and second.id == "urn:newsmon:events:11"
    assert "Russia would accept Ukraine's admittance" in first.summary
    assert {t.term for t in first.tags} == {"SHIFT", "eu_membership"}
    assert first.author == "Vladimir Putin"


def test_hostile_text_stays_text_and_bad_links_are_dropped() -> None:
    view = hostile(CASES["SHIFT"])
    view = dataclasses.replace(
        view, url="javascript:alert(1)", evidence=view.evidence + " <script>x()</script>\x00\x07"
    )
    parsed = feedparser.parse(build_events_feed([(view, AT)], title="t", updated=AT))
    assert not parsed.bozo
    (entry,) = parsed.entries
    assert "link" not in entry or not entry.link.startswith("javascript")
    assert entry.summary_detail.type == "text/plain"
    assert "<script>x()</script>" in entry.summary  # shown as text


def test_cli_feed_writes_events(
    engine: Engine, database_url: str, factory: sessionmaker[Session], tmp_path: Path
) -> None:
    with factory.begin() as session:
        story, article = add_story(session, "https://paper.example.com/eu", "Putin on the EU")
        add_event(session, "SHIFT", story, article, created_at=AT)
    out = tmp_path / "events.atom"
    env = {
        "NEWSMON_DATABASE_URL": database_url,
        "NEWSMON_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    done = run_newsmon("feed", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    parsed = feedparser.parse(out.read_bytes())
    assert [e.title for e in parsed.entries] == [
        "SHIFT: Russia accepts Ukraine's EU membership; previously rejects (2022-03-04)"
    ]
    assert parsed.entries[0].link == "https://paper.example.com/eu"
