"""The fake Slack speaks enough of the real API for slack-sdk's own clients."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient, WebhookClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fake_slack import VALID_TOKEN, FakeSlack


def client(server: FakeSlack, **kwargs: object) -> WebClient:
    return WebClient(token=VALID_TOKEN, base_url=server.api_url, **kwargs)  # type: ignore[arg-type]


def test_post_message_is_stored_and_read_back_with_metadata(fake_slack: FakeSlack) -> None:
    web = client(fake_slack)
    assert web.auth_test()["user_id"] == "U0BOT"
    sent = web.chat_postMessage(
        channel="C1",
        text="hi",
        blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}],
        metadata={"event_type": "newsmon_alert", "event_payload": {"alert_id": 5}},
    )
    reply = web.chat_postMessage(channel="C1", text="reply", thread_ts=sent["ts"])
    history = web.conversations_history(channel="C1", include_all_metadata=True)["messages"]
    assert [m["ts"] for m in history] == [sent["ts"]]
    assert history[0]["metadata"] == {
        "event_type": "newsmon_alert",
        "event_payload": {"alert_id": 5},
    }
    assert "metadata" not in web.conversations_history(channel="C1")["messages"][0]
    replies = web.conversations_replies(channel="C1", ts=sent["ts"])["messages"]
    assert [m["ts"] for m in replies] == [sent["ts"], reply["ts"]]
    posted = fake_slack.requests("chat.postMessage")[0]
    assert posted.body["channel"] == "C1" and posted.body["metadata"]["event_payload"] == {
        "alert_id": 5
    }
    assert "Authorization" not in posted.headers and "authorization" not in posted.headers


def test_invalid_auth_and_rate_limits(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=fake_slack.api_url).auth_test()
    assert err.value.response["error"] == "invalid_auth"
    fake_slack.rate_limit_next(1, retry_after=1)
    with pytest.raises(SlackApiError) as err:
        client(fake_slack).chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] in ("1", ["1"])
    fake_slack.rate_limit_next(1, retry_after=1)
    started = time.monotonic()
    client(
        fake_slack, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    ).chat_postMessage(channel="C1", text="y")
    assert time.monotonic() - started >= 1.0
    assert [m["text"] for m in fake_slack.messages("C1")] == ["y"]


def test_file_upload_v2_round_trip(fake_slack: FakeSlack) -> None:
    client(fake_slack).files_upload_v2(
        channel="C2",
        content="# digest\n",
        filename="digest.md",
        title="Digest",
        initial_comment="full digest",
    )
    methods = [r.api_method for r in fake_slack.requests()]
    assert methods[:1] == ["files.getUploadURLExternal"]
    assert "files.completeUploadExternal" in methods
    (stored,) = fake_slack.state.files.values()
    assert stored["content"] == b"# digest\n" and stored["title"] == "Digest"
    assert fake_slack.messages("C2")[0]["text"] == "full digest"


def test_webhook(fake_slack: FakeSlack) -> None:
    hook = WebhookClient(fake_slack.webhook_url)
    assert hook.send(text="hello").body == "ok"
    assert fake_slack.state.webhook_posts == [{"text": "hello"}]
    fake_slack.outage(0.3)
    assert hook.send(text="down").status_code == 500
