"""The ledger as a timeline: arrival order, late arrivals, reanalysis and retractions.

Real parts throughout: the stream's texts go through the rule engine, the store, the stories and
the ledger on a real database; Slack is the local fake server.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.deliver.dispatch import make_dispatcher
from monitor.judge.ledger.timeline import retract_claim
from monitor.pipeline import AnalysisContext
from monitor.reanalyse import reanalyse
from monitor.store import db
from monitor.store.models import Alert, Claim, Event, Position
from tests.fake_slack import VALID_TOKEN, FakeSlack
from tests.monitor.judge.timeline_stream import (
    event_labels,
    f1,
    ingest,
    load_stream,
    snapshot,
    stream_config,
    stream_rules,
)

STREAM = load_stream()
IDS = {a["url"]: a["id"] for a in STREAM["articles"]}
ORDERS = 20


def _context(
    factory: sessionmaker[Session],
    database_url: str,
    tmp_path: Path,
    rules: Any = None,
    **settings: Any,
) -> AnalysisContext:
    config = stream_config(tmp_path, database_url, rules or stream_rules(), **settings)
    return AnalysisContext.build(config, factory)


def _shuffled(seed: int) -> list[dict[str, Any]]:
    articles = list(STREAM["articles"])
    random.Random(seed).shuffle(articles)
    return articles


def _anchors_have_events(session: Session) -> None:
    """The shown stance never changes without an event: every entry that sets it has one."""
    live = {e.claim_id for e in session.scalars(select(Event).where(Event.retracted_at.is_(None)))}
    for position in session.scalars(select(Position)):
        if position.kind in ("NEW_DEMAND", "NEW_POSITION", "SHIFT"):
            assert position.claim_id in live, (position.issue, position.kind, position.evidence)


def test_labelled_stream_scores_and_every_shift_lands_on_its_own_article(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    ctx = _context(factory, database_url, tmp_path)
    ingest(factory, ctx, _shuffled(7), random.Random(7))
    with factory() as session:
        found = event_labels(session, IDS)
        _anchors_have_events(session)
    score = f1(found, STREAM["expected_events"])
    assert score >= 0.9, (score, sorted((e["type"], e["issue"], e["month"]) for e in found))
    for want in (e for e in STREAM["expected_events"] if e["type"] == "SHIFT"):
        got = [
            e
            for e in found
            if (e["type"], e["issue"], e["month"]) == ("SHIFT", want["issue"], want["month"])
        ]
        assert got and any(
            e["article"] == want["article"] or want["article"] in e["story"] for e in got
        ), (want, got)


@pytest.mark.slow
def test_same_articles_in_twenty_orders_give_identical_positions_and_events(
    tmp_path: Path, migrated_sqlite: Path
) -> None:
    snapshots = []
    for seed in range(ORDERS):
        work = tmp_path / f"order-{seed}"
        work.mkdir()
        shutil.copyfile(migrated_sqlite, work / "newsmon.sqlite3")
        url = f"sqlite:///{work / 'newsmon.sqlite3'}"
        engine = db.make_engine(url)
        try:
            factory = db.session_factory(engine)
            ctx = _context(factory, url, work)
            ingest(factory, ctx, _shuffled(seed), random.Random(1000 + seed))
            with factory() as session:
                snapshots.append(snapshot(session))
                _anchors_have_events(session)
        finally:
            engine.dispose()
    positions, events = snapshots[0]
    assert len(events) >= 12 and len(positions) >= 30
    for seed, other in enumerate(snapshots[1:], start=1):
        assert other == snapshots[0], f"order {seed} differs from order 0"


def _slack_settings(slack: FakeSlack) -> dict[str, Any]:
    return {
        "slack_bot_token": SecretStr(VALID_TOKEN),
        "slack_channel": "#newsmon",
        "slack_api_url": slack.api_url,
    }


def _posts(slack: FakeSlack) -> list[Any]:
    return slack.requests("chat.postMessage")


def test_a_late_old_article_raises_no_slack_post(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        ctx = _context(factory, database_url, tmp_path, **_slack_settings(slack))
        dispatcher = make_dispatcher(factory, ctx.config)
        ingest(factory, ctx, STREAM["articles"])
        dispatcher.dispatch_once()
        sent = len(_posts(slack))
        assert sent >= 1
        late = [
            {  # an interview from 2023 that reaches us only now
                "id": "late-lavrov-2023",
                "url": "https://archive.example.org/2023/02/10/lavrov-weapons",
                "published": "2023-02-10",
                "headline": "Lavrov warns the West over arms for Kyiv",
                "paragraphs": [
                    "Foreign Minister Sergei Lavrov said on Friday that Russia rejects any "
                    "Western weapons deliveries to Ukraine.",
                    "He spoke in Moscow after a meeting with the foreign minister of Mali, as "
                    "Western governments debated sending tanks to Ukraine before any peace talks.",
                ],
            },
            {  # and a recap of an old softening, stated long before the current line
                "id": "late-recap-2024",
                "url": "https://review.example.org/analysis/eu-line-recap",
                "published": "2025-11-20",
                "headline": "The Kremlin's EU line, looked back on",
                "paragraphs": [
                    "Putin said in June 2024 that Russia has nothing against Ukraine joining "
                    "the European Union.",
                    "The review follows the statements of Russian officials since the "
                    "European Union opened accession talks with Ukraine.",
                ],
            },
        ]
        ingest(factory, ctx, late)
        dispatcher.dispatch_once()
        assert len(_posts(slack)) == sent
        with factory() as session:
            weapons = session.scalars(
                select(Event).where(Event.issue == "weapons_supplies", Event.retracted_at.is_(None))
            ).one()
            # The demand is now dated by its first statement; it is still the event that was sent.
            assert weapons.statement_date == dt.date(2023, 2, 10)
            assert session.scalars(select(Alert).where(Alert.event_id == weapons.id)).first()


def _stricter(rules: dict[str, Any]) -> None:
    """A rules change: shifts need more confidence, and 'nothing against' is no cue any more."""
    rules["ledger"]["shift_confidence"] = 0.95
    for stance in rules["stances"].values():
        stance["cues"] = [c for c in stance["cues"] if c != "nothing against"]


def test_reanalyse_after_a_rules_change_equals_a_fresh_database(
    tmp_path: Path,
) -> None:
    snapshots = []
    for name, first_rules in (("changed", stream_rules(_stricter)), ("fresh", None)):
        work = tmp_path / name
        work.mkdir()
        url = f"sqlite:///{work / 'newsmon.sqlite3'}"
        engine = db.make_engine(url)
        try:
            db.upgrade(engine)
            factory = db.session_factory(engine)
            if first_rules is not None:
                ingest(factory, _context(factory, url, work, first_rules), _shuffled(3))
                with factory() as session:
                    before = snapshot(session)
            ctx = _context(factory, url, work)
            if first_rules is not None:
                report = reanalyse(factory, ctx)
                assert report.changed and report.ledger.retracted and report.ledger.added
                assert all(e.backfilled for e in report.ledger.added)
                again = reanalyse(factory, ctx)
                assert not again.changed, again.lines()
            else:
                ingest(factory, ctx, _shuffled(11))
            with factory() as session:
                snapshots.append(snapshot(session))
        finally:
            engine.dispose()
    assert before != snapshots[0]
    assert snapshots[0] == snapshots[1]


def test_dry_run_stores_nothing(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    ingest(
        factory,
        _context(factory, database_url, tmp_path, stream_rules(_stricter)),
        STREAM["articles"],
    )
    with factory() as session:
        before = snapshot(session)
    report = reanalyse(factory, _context(factory, database_url, tmp_path), dry_run=True)
    assert report.changed
    with factory() as session:
        assert snapshot(session) == before


def test_a_retracted_sent_event_gets_exactly_one_thread_reply(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        ctx = _context(factory, database_url, tmp_path, **_slack_settings(slack))
        dispatcher = make_dispatcher(factory, ctx.config)
        ingest(factory, ctx, STREAM["articles"])
        dispatcher.dispatch_once()
        with factory() as session:
            shift = session.scalars(
                select(Event).where(Event.type == "SHIFT", Event.issue == "military_limits")
            ).one()
            alert = session.scalars(
                select(Alert).where(Alert.event_id == shift.id, Alert.kind == "event")
            ).one()
            assert alert.status == "sent"
        stricter = _context(
            factory, database_url, tmp_path, stream_rules(_stricter), **_slack_settings(slack)
        )
        for _ in range(2):  # the second run changes nothing and sends nothing
            reanalyse(factory, stricter)
            dispatcher.dispatch_once()
        with factory() as session:
            event = session.get(Event, shift.id)
            assert event is not None and event.retracted_at is not None
            replies = session.scalars(
                select(Alert).where(Alert.parent_id == alert.id, Alert.kind == "thread")
            ).all()
            retractions = [r for r in replies if (r.payload or {}).get("key") == "retracted"]
            assert len(retractions) == 1 and retractions[0].status == "sent"
        threaded = [r for r in _posts(slack) if r.body.get("thread_ts") == alert.slack_ts]
        assert sum("Retracted" in str(r.body) for r in threaded) == 1


def test_an_analyst_retracting_a_claim_recomputes_its_issue(
    factory: sessionmaker[Session], database_url: str, tmp_path: Path
) -> None:
    ctx = _context(factory, database_url, tmp_path)
    ingest(factory, ctx, STREAM["articles"])
    with factory.begin() as session:
        shift = session.scalars(
            select(Event).where(Event.type == "SHIFT", Event.issue == "military_limits")
        ).one()
        assert shift.claim_id is not None
        report = retract_claim(
            session, ctx.config, shift.claim_id, "misread: a question, not an offer"
        )
        assert [e.id for e in report.retracted] == [shift.id]
        assert report.positions_changed
    with factory() as session:
        claim = session.get(Claim, shift.claim_id)
        assert claim is not None and claim.retracted_at is not None
    # A reanalysis keeps the analyst's verdict.
    reanalyse(factory, ctx)
    with factory() as session:
        claim = session.get(Claim, shift.claim_id)
        assert claim is not None and claim.retracted_at is not None
        assert session.get(Event, shift.id).retracted_at is not None  # type: ignore[union-attr]
