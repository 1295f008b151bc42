"""Exactly once with a flaky Slack: a post that may have landed is read back, never re-posted blind."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy.orm import Session, sessionmaker

from monitor.deliver.dispatch import Dispatcher
from monitor.deliver.sinks import SlackBotSink
from tests.fake_slack import VALID_TOKEN, FakeSlack
from tests.monitor.deliver.test_dispatch import alerts, queue_events


def _posted(fake: FakeSlack) -> Counter[int]:
    return Counter(m["metadata"]["event_payload"]["alert_id"] for m in fake.all_messages())


def _drain(dispatcher: Dispatcher, factory: sessionmaker[Session], passes: int = 20) -> None:
    for _ in range(passes):
        dispatcher.dispatch_once()
        if all(r.status == "sent" for r in alerts(factory)):
            return
        time.sleep(0.1)


@pytest.mark.parametrize("mode", ["store_then_drop", "answer_after_timeout"])
def test_each_alert_is_posted_exactly_once(
    mode: str, factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory)
    if mode == "store_then_drop":
        fake_slack.drop_after_storing(len(ids))  # every first post lands but is never answered
    else:
        fake_slack.answer_slowly(len(ids), delay=2.5)  # the client gives up after 1 s
    sink = SlackBotSink(VALID_TOKEN, "C_DEFAULT", fake_slack.api_url, timeout=1)
    dispatcher = Dispatcher(factory, sink, pace_seconds=0, backoff_base=0, lease_seconds=0)
    _drain(dispatcher, factory)
    rows = alerts(factory)
    assert [r.status for r in rows] == ["sent"] * len(ids)
    assert _posted(fake_slack) == Counter({i: 1 for i in ids})
    # Every alert was posted once, by its first try; the read-back found it there.
    assert len(fake_slack.requests("chat.postMessage")) == len(ids)
    assert fake_slack.requests("conversations.history") or fake_slack.requests(
        "conversations.replies"
    )
    stored = {m["ts"] for m in fake_slack.all_messages()}
    assert {r.slack_ts for r in rows} == stored
