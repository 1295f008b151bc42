"""The outbox: alert rows written with the event, routed to channels, thread replies for follow-ups."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig, Settings, TopicConfig
from monitor.deliver.outbox import (
    enqueue_copy_alerts,
    enqueue_event_alerts,
    enqueue_reiteration_alerts,
    route_channels,
)
from monitor.deliver.view import AlertView
from monitor.store.models import Alert, Event
from tests.monitor.deliver.alerts.records import add_article, add_claim, add_event, add_story


def app_config(routes: list[dict] | None = None) -> AppConfig:
    topic = TopicConfig.model_validate({"name": "t", "alerts": {"routes": routes or []}})
    return AppConfig(settings=Settings(), topic=topic, topic_path=Path("t.yaml"))


ROUTES = [
    {"channel": "#urgent", "event_types": ["SHIFT"]},
    {"channel": "#quiet", "event_types": ["NEW_POSITION"]},
    {"channel": "#eu", "issues": ["eu_membership"], "sides": ["russia"]},
]


def test_routes_match_on_every_given_field_and_fall_back_to_the_default() -> None:
    routes = app_config(ROUTES).topic.alerts.routes
    assert route_channels(routes, "SHIFT", "eu_membership", "russia") == ["#urgent", "#eu"]
    assert route_channels(routes, "NEW_POSITION", "territory", "russia") == ["#quiet"]
    assert route_channels(routes, "NEW_DEMAND", "eu_membership", "ukraine") == [None]
    assert route_channels([], "SHIFT", "x", "y") == [None]


def test_alert_rows_commit_and_roll_back_with_the_event(factory: sessionmaker[Session]) -> None:
    config = app_config(ROUTES)
    with pytest.raises(RuntimeError), factory.begin() as session:
        story, article = add_story(session, "https://paper.example.com/a", "Putin on the EU")
        enqueue_event_alerts(session, add_event(session, "SHIFT", story, article), config)
        raise RuntimeError("the ledger failed after the event")
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0
    with factory.begin() as session:
        story, article = add_story(
            session,
            "https://paper.example.com/a",
            "Putin on the EU",
            {"repost.example.net": "https://repost.example.net/a"},
        )
        event = add_event(session, "SHIFT", story, article)
        first = enqueue_event_alerts(session, event, config)
        again = enqueue_event_alerts(session, event, config)
    assert [a.channel for a in first] == ["#urgent", "#eu"]
    assert [a.id for a in again] == [a.id for a in first]
    with factory() as session:
        rows = session.scalars(select(Alert).order_by(Alert.id)).all()
        assert [(a.kind, a.status, a.channel) for a in rows] == [
            ("event", "pending", "#urgent"),
            ("event", "pending", "#eu"),
        ]
        view = AlertView.from_payload(rows[0].payload["view"])
        assert (view.event_type, view.previous_stance, view.url, view.site) == (
            "SHIFT",
            "rejects",
            "https://paper.example.com/a",
            "paper.example.com",
        )
        assert [c.site for c in view.also_on] == ["repost.example.net"]


def test_possible_shifts_are_left_to_the_digest(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        story, article = add_story(session, "https://blog.example.org/x", "hint")
        assert (
            enqueue_event_alerts(
                session, add_event(session, "POSSIBLE_SHIFT", story, article), app_config()
            )
            == []
        )


def test_copies_and_reiterations_become_thread_replies(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        story, article = add_story(session, "https://paper.example.com/a", "Putin on the EU")
        (parent,) = enqueue_event_alerts(
            session, add_event(session, "SHIFT", story, article), app_config()
        )
        late = add_article(
            session,
            "https://late.example/a",
            "Putin on the EU (repost)",
            story_id=story.id,
            duplicate_of=article.id,
        )
        (copy,) = enqueue_copy_alerts(session, late)
        assert enqueue_copy_alerts(session, late) == []  # once per copy
        assert enqueue_copy_alerts(session, article) == []  # the original is the alert itself
        other_story, other = add_story(
            session, "https://wire.example.com/ushakov", "Ushakov repeats"
        )
        (reiteration,) = enqueue_reiteration_alerts(session, add_claim(session, other))
        assert (
            enqueue_reiteration_alerts(session, add_claim(session, other, stance="rejects")) == []
        )
    assert (copy.kind, copy.parent_id, copy.channel) == ("thread", parent.id, parent.channel)
    assert AlertView.from_payload(copy.payload["view"]).url == "https://late.example/a"
    assert (reiteration.kind, reiteration.parent_id) == ("thread", parent.id)
    assert AlertView.from_payload(reiteration.payload["view"]).actor == "Yuri Ushakov"


def test_a_copy_of_a_reiterated_story_follows_it_into_that_thread(
    factory: sessionmaker[Session],
) -> None:
    """A story announced only as a reiteration reply still lists its later copies there."""
    with factory.begin() as session:
        story, article = add_story(session, "https://paper.example.com/a", "Putin on the EU")
        (parent,) = enqueue_event_alerts(
            session, add_event(session, "SHIFT", story, article), app_config()
        )
        other_story, other = add_story(
            session, "https://wire.example.com/ushakov", "Ushakov repeats"
        )
        (reiteration,) = enqueue_reiteration_alerts(session, add_claim(session, other))
        assert enqueue_copy_alerts(session, other) == []  # it was posted as the reiteration
        repost = add_article(
            session,
            "https://repost.example.org/ushakov",
            "Ushakov repeats (repost)",
            story_id=other_story.id,
            duplicate_of=other.id,
        )
        (copy,) = enqueue_copy_alerts(session, repost)
        assert enqueue_copy_alerts(session, repost) == []  # once per copy
        quiet_story, quiet = add_story(session, "https://blog.example.net/q", "No claim here")
        unposted = add_article(
            session, "https://b.example/q", "No claim (repost)", story_id=quiet_story.id
        )
        assert enqueue_copy_alerts(session, unposted) == []  # a story never posted stays quiet
    assert (copy.kind, copy.parent_id) == ("thread", reiteration.parent_id)
    assert reiteration.parent_id == parent.id
    assert AlertView.from_payload(copy.payload["view"]).url == "https://repost.example.org/ushakov"
