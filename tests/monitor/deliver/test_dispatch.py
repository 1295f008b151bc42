"""The dispatcher against the fake Slack, through slack-sdk: exact requests, 429s, outages, limits."""

from __future__ import annotations

import io
import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.deliver.blocks import build_alert_blocks
from monitor.deliver.dispatch import Dispatcher, backoff_seconds, make_dispatcher, retry_alert
from monitor.deliver.outbox import enqueue_copy_alerts, enqueue_event_alerts
from monitor.deliver.sinks import ConsoleSink, SlackBotSink, WebhookSink
from monitor.deliver.view import AlertView
from monitor.store.models import Alert, utcnow
from tests.fake_slack import VALID_TOKEN, FakeSlack
from tests.monitor.deliver.alerts.cases import INJECTIONS
from tests.monitor.deliver.alerts.records import add_article, add_event, add_story
from tests.monitor.deliver.test_outbox import ROUTES, app_config


def bot(fake: FakeSlack) -> SlackBotSink:
    return SlackBotSink(VALID_TOKEN, "C_DEFAULT", fake.api_url)


def queue_events(
    factory: sessionmaker[Session], routes: list[dict] | None = None, **fields: object
) -> list[int]:
    """One event of each alerting type, plus a late copy of the SHIFT's story."""
    config = app_config(routes)
    ids = []
    with factory.begin() as session:
        for n, (type_, issue, stance) in enumerate(
            [
                ("NEW_DEMAND", "legally_binding", "demands"),
                ("NEW_POSITION", "guarantor_role", "open_to"),
                ("SHIFT", "eu_membership", "accepts"),
            ]
        ):
            story, article = add_story(
                session,
                f"https://paper.example.com/{n}",
                f"Story {n}",
                {"repost.example.net": f"https://repost.example.net/{n}"},
            )
            event = add_event(session, type_, story, article, issue=issue, stance=stance, **fields)
            ids += [a.id for a in enqueue_event_alerts(session, event, config)]
        late = add_article(
            session,
            "https://late.example/2",
            "Story 2 (late)",
            story_id=story.id,
            duplicate_of=article.id,
        )
        ids += [a.id for a in enqueue_copy_alerts(session, late)]
    return ids


def alerts(factory: sessionmaker[Session]) -> list[Alert]:
    with factory() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def test_each_event_type_is_posted_exactly_as_built(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory, ROUTES)
    result = Dispatcher(factory, bot(fake_slack), pace_seconds=0).dispatch_once()
    assert (result.sent, result.failed, result.retried) == (len(ids), 0, 0)
    rows = alerts(factory)
    posts = fake_slack.requests("chat.postMessage")
    assert len(posts) == len(rows)
    for row, post in zip(rows, posts, strict=True):
        view = AlertView.from_payload(row.payload["view"])
        parent = next((r for r in rows if r.id == row.parent_id), None)
        expected = {
            "channel": row.channel or "C_DEFAULT",
            **build_alert_blocks(view),
            "metadata": {
                "event_type": "newsmon_alert",
                "event_payload": {"alert_id": row.id, "kind": view.event_type},
            },
            "unfurl_links": False,
            "unfurl_media": False,
        }
        if parent is not None:
            expected["thread_ts"] = parent.slack_ts
        assert post.body == expected
        assert post.headers["Content-Type"].startswith("application/json")
        assert row.status == "sent" and row.slack_ts and row.tries == 1
    channels = [p.body["channel"] for p in posts]
    assert channels == ["C_DEFAULT", "#quiet", "#urgent", "#eu", "#urgent", "#eu"]
    shift = posts[2].body
    assert shift["blocks"][1]["text"]["text"].startswith(
        "*SHIFT*: Russia now *accepts* Ukraine's EU membership"
    )
    # the late copy is a reply in each SHIFT alert's thread
    assert [p.body["thread_ts"] for p in posts[4:]] == [rows[2].slack_ts, rows[3].slack_ts]
    assert Dispatcher(factory, bot(fake_slack), pace_seconds=0).dispatch_once().sent == 0


def test_injection_strings_are_escaped_in_what_slack_receives(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    bad = " ".join(INJECTIONS)
    queue_events(factory, evidence=f"Lavrov said {bad}", actor="Lavrov <@U123>")
    Dispatcher(factory, bot(fake_slack), pace_seconds=0).dispatch_once()
    received = [m for m in fake_slack.all_messages()]
    assert received
    for message in received:
        raw = str(message["text"]) + str(message["blocks"])
        for needle in ("<!channel>", "<@U123>", "<https://evil.example|click>", "<!here|here>"):
            assert needle not in raw
    assert "&lt;!channel&gt;" in received[0]["blocks"][2]["text"]["text"]


def test_429_retry_after_is_waited_out(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    queue_events(factory)
    fake_slack.rate_limit_next(1, retry_after=2)
    started = time.monotonic()
    result = Dispatcher(factory, bot(fake_slack), pace_seconds=0).dispatch_once()
    assert result.sent == 4 and time.monotonic() - started >= 2.0
    statuses = [r.status for r in fake_slack.requests("chat.postMessage")]
    assert statuses[:2] == [429, 200]
    assert len(fake_slack.all_messages()) == 4


def test_persistent_429_backs_off_no_sooner_than_retry_after(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    queue_events(factory)
    fake_slack.rate_limit_next(3, retry_after=1)  # more than slack-sdk's own two retries
    before = utcnow()
    result = Dispatcher(factory, bot(fake_slack), pace_seconds=0, backoff_base=0.01).dispatch_once()
    assert result.retried >= 1
    first = alerts(factory)[0]
    assert first.status == "pending" and "429" in first.last_error
    # slack-sdk waited out two Retry-Afters (>= 2 s), then the outbox waits at least one more
    assert (first.next_attempt_at - before).total_seconds() >= 3
    assert backoff_seconds(1, retry_after=30, base=0.01) == 30
    assert backoff_seconds(4, base=30) == 240 and backoff_seconds(30, base=30) == 3600


def test_outage_loses_nothing_and_duplicates_nothing(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory)
    fake_slack.outage(4.0)
    dispatcher = Dispatcher(
        factory, bot(fake_slack), pace_seconds=0, backoff_base=0.2, max_tries=50
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        dispatcher.dispatch_once()
        if all(a.status == "sent" for a in alerts(factory)):
            break
        time.sleep(0.2)
    rows = alerts(factory)
    assert [r.status for r in rows] == ["sent"] * len(ids)
    assert any(r.tries > 1 for r in rows)
    assert any(r.status == 500 for r in fake_slack.requests("chat.postMessage"))
    stored = fake_slack.all_messages()
    assert sorted(m["metadata"]["event_payload"]["alert_id"] for m in stored) == sorted(ids)
    assert {r.slack_ts for r in rows} == {m["ts"] for m in stored}


@pytest.mark.slow
def test_failed_after_bounded_tries_with_the_error_then_retried(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    queue_events(factory)
    fake_slack.outage(3600)
    sink = SlackBotSink(VALID_TOKEN, "C_DEFAULT", fake_slack.api_url, retry_backoff=0.01)
    dispatcher = Dispatcher(factory, sink, pace_seconds=0, backoff_base=0, max_tries=2)
    dispatcher.dispatch_once()
    first = alerts(factory)[0]
    assert (first.status, first.tries) == ("pending", 1)
    assert "500" in first.last_error
    dispatcher.dispatch_once()
    first = alerts(factory)[0]
    assert (first.status, first.tries) == ("failed", 2)
    fake_slack.outage(0)
    with factory.begin() as session:
        for row in alerts(factory):
            if row.status == "failed":
                retry_alert(session, row.id)
        with pytest.raises(LookupError):
            retry_alert(session, 9999)
    assert dispatcher.dispatch_once().sent == 4
    with factory.begin() as session, pytest.raises(ValueError, match="is sent"):
        retry_alert(session, first.id)


def test_invalid_auth_pauses_without_spending_tries_and_resumes(
    factory: sessionmaker[Session], fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    ids = queue_events(factory)
    fake_slack.revoke_token()
    dispatcher = Dispatcher(factory, bot(fake_slack), pace_seconds=0, backoff_base=0, max_tries=2)
    for _ in range(5):  # many passes while the token is refused: no alert loses a try
        result = dispatcher.dispatch_once()
        assert result.paused and "invalid_auth" in result.paused and result.sent == 0
    rows = alerts(factory)
    assert [(r.status, r.tries) for r in rows] == [("pending", 0)] * len(ids)
    assert "invalid_auth" in rows[0].last_error and "SLACK_BOT_TOKEN" in rows[0].last_error
    assert len(fake_slack.requests("chat.postMessage")) == 1  # one post, then auth.test probes
    paused_lines = [r for r in caplog.records if "alert delivery paused" in r.getMessage()]
    assert len(paused_lines) == 1
    fake_slack.revoke_token(False)
    result = dispatcher.dispatch_once()
    assert (result.sent, result.paused) == (len(ids), None)
    rows = alerts(factory)
    assert [(r.status, r.tries) for r in rows] == [("sent", 1)] * len(ids)
    stored = fake_slack.all_messages()
    assert sorted(m["metadata"]["event_payload"]["alert_id"] for m in stored) == sorted(ids)


def test_one_message_per_second_per_channel(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    queue_events(factory)  # four alerts, all to the default channel
    Dispatcher(factory, bot(fake_slack), pace_seconds=1.0).dispatch_once()
    times = [r.at for r in fake_slack.requests("chat.postMessage")]
    assert len(times) == 4
    assert all(b - a >= 0.95 for a, b in zip(times, times[1:]))


def test_the_topic_sets_the_pace_and_slacks_own_is_the_default(
    factory: sessionmaker[Session],
) -> None:
    config = app_config()
    assert make_dispatcher(factory, config).pace_seconds == 1.0
    config.topic.alerts.pace_seconds = 0.25
    assert make_dispatcher(factory, config).pace_seconds == 0.25


def test_thread_reply_waits_for_its_parent_and_fails_with_it(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    queue_events(factory)
    with factory.begin() as session:
        parent = session.scalars(
            select(Alert).where(Alert.kind == "event").order_by(Alert.id.desc())
        ).first()
        parent.status, parent.last_error = "failed", "channel_not_found"
    Dispatcher(factory, bot(fake_slack), pace_seconds=0).dispatch_once()
    reply = alerts(factory)[-1]
    assert reply.status == "failed" and "parent alert" in reply.last_error


def test_webhook_sink_posts_blocks_without_read_back(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory)
    dispatcher = Dispatcher(factory, WebhookSink(fake_slack.webhook_url), pace_seconds=0)
    assert dispatcher.dispatch_once().sent == len(ids)
    assert len(fake_slack.state.webhook_posts) == len(ids)
    assert fake_slack.state.webhook_posts[0]["blocks"][0]["type"] == "header"
    # a crash in the send window: the webhook cannot tell, so the alert goes out again
    with factory.begin() as session:
        session.get(Alert, ids[0]).status = "sending"  # with no lease left
    assert dispatcher.reconcile() == 1
    assert alerts(factory)[0].status == "pending"


def test_console_sink_is_readable(factory: sessionmaker[Session]) -> None:
    queue_events(factory, evidence="Lavrov said <b>AT&T</b>")
    out = io.StringIO()
    assert Dispatcher(factory, ConsoleSink(out.write), pace_seconds=0).dispatch_once().sent == 4
    text = out.getvalue()
    assert "── alert #1" in text
    assert (
        "SHIFT: Russia now accepts Ukraine's EU membership; previously rejects (2022-03-04)" in text
    )
    assert "> Lavrov said <b>AT&T</b>" in text and "&amp;" not in text
    assert [a.status for a in alerts(factory)] == ["sent"] * 4


def test_reconcile_finds_a_message_slack_already_has(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory)
    sink = bot(fake_slack)
    with factory.begin() as session:
        row = session.get(Alert, ids[0])
        row.status, row.tries = "sending", 1
    # what a dispatcher killed right after Slack accepted the message leaves behind
    posted = sink.post(
        None, {"text": "x"}, alert_id=ids[0], event_type="NEW_DEMAND", thread_ts=None
    )
    result = Dispatcher(factory, sink, pace_seconds=0).dispatch_once()
    assert result.reconciled == 1 and result.sent == len(ids) - 1
    assert alerts(factory)[0].slack_ts == posted.ts
    ids_in_slack = [m["metadata"]["event_payload"]["alert_id"] for m in fake_slack.all_messages()]
    assert sorted(ids_in_slack) == sorted(ids)


def test_reconcile_looks_channel_names_up_to_read_history(
    factory: sessionmaker[Session], fake_slack: FakeSlack
) -> None:
    ids = queue_events(factory, ROUTES)
    sink = bot(fake_slack)
    shift = next(a for a in alerts(factory) if a.channel == "#urgent")
    with factory.begin() as session:
        row = session.get(Alert, shift.id)
        row.status, row.tries = "sending", 1
    posted = sink.post(
        "#urgent", {"text": "x"}, alert_id=shift.id, event_type="SHIFT", thread_ts=None
    )
    assert posted.channel == fake_slack.channel_id("#urgent") != "#urgent"
    result = Dispatcher(factory, sink, pace_seconds=0).dispatch_once()
    assert result.reconciled == 1 and result.sent == len(ids) - 1
    history = fake_slack.requests("conversations.history")
    assert [r.args["channel"] for r in history] == [posted.channel]
    assert len(fake_slack.requests("conversations.list")) == 1
    assert next(a for a in alerts(factory) if a.id == shift.id).slack_ts == posted.ts


def test_sink_is_chosen_by_settings_and_console_is_the_default(
    fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    from pydantic import SecretStr

    from monitor.config import Settings
    from monitor.deliver.sinks import make_sink
    from monitor.errors import ConfigError

    base = Settings(slack_bot_token=None, slack_webhook_url=None, slack_channel=None)
    with caplog.at_level("INFO", logger="monitor.deliver.sinks"):
        assert isinstance(make_sink(base), ConsoleSink)
    assert caplog.text.count("alerts go to the console") == 1
    token = base.model_copy(
        update={
            "slack_bot_token": SecretStr(VALID_TOKEN),
            "slack_channel": "C1",
            "slack_api_url": fake_slack.api_url,
        }
    )
    sink = make_sink(token)
    assert isinstance(sink, SlackBotSink) and sink.client.base_url == fake_slack.api_url
    hook = base.model_copy(update={"slack_webhook_url": SecretStr(fake_slack.webhook_url)})
    assert isinstance(make_sink(hook), WebhookSink)
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN does not look like a Slack token"):
        make_sink(base.model_copy(update={"slack_bot_token": SecretStr("hunter2")}))
    with pytest.raises(ConfigError, match="SLACK_WEBHOOK_URL must be an http"):
        make_sink(base.model_copy(update={"slack_webhook_url": SecretStr("file:///etc/passwd")}))
    assert "hunter2" not in caplog.text
