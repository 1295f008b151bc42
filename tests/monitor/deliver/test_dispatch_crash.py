"""A dispatcher SIGKILLed after Slack accepted a message, before the database knew: sent once."""

from __future__ import annotations

import datetime as dt
import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.deliver.dispatch import LEASE_SECONDS
from monitor.store.models import Alert
from tests.conftest import REPO
from tests.fake_slack import FakeSlack
from tests.monitor.deliver.dispatch_env import cli_env
from tests.monitor.deliver.test_dispatch import queue_events


def test_sigkill_between_slack_and_database_sends_exactly_once(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    ids = queue_events(factory)
    env = cli_env(database_url, fake_slack, tmp_path)
    child: dict[str, subprocess.Popen[str]] = {}

    def kill_dispatcher(message: dict[str, Any]) -> None:
        if message["metadata"]["event_payload"]["alert_id"] == ids[1]:
            child["proc"].send_signal(signal.SIGKILL)
            child["proc"].wait(timeout=10)

    fake_slack.after_store = kill_dispatcher
    child["proc"] = subprocess.Popen(
        [sys.executable, "-m", "monitor", "alerts", "send"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    child["proc"].communicate(timeout=120)
    assert child["proc"].returncode == -signal.SIGKILL
    fake_slack.after_store = None
    with factory() as session:
        states = {a.id: a.status for a in session.scalars(select(Alert))}
    assert states[ids[0]] == "sent" and states[ids[1]] == "sending"
    assert (
        len(fake_slack.all_messages()) == 2
    )  # Slack has the second one, the database does not know
    # a second dispatcher leaves a send in progress alone while its lease runs
    early = subprocess.run(
        [sys.executable, "-m", "monitor", "alerts", "send"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "recovered after a crash 0" in early.stdout, early.stderr
    assert (
        len(fake_slack.all_messages()) == 4 and fake_slack.requests("conversations.history") == []
    )
    with factory.begin() as session:  # the lease (two minutes) runs out
        row = session.get(Alert, ids[1])
        row.next_attempt_at -= dt.timedelta(seconds=LEASE_SECONDS)

    rerun = subprocess.run(
        [sys.executable, "-m", "monitor", "alerts", "send"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rerun.returncode == 0, rerun.stderr
    assert "recovered after a crash 1" in rerun.stdout, rerun.stdout
    messages = fake_slack.all_messages()
    sent_ids = [m["metadata"]["event_payload"]["alert_id"] for m in messages]
    assert sorted(sent_ids) == sorted(ids)  # every alert once, the interrupted one not twice
    with factory() as session:
        rows = {a.id: a for a in session.scalars(select(Alert))}
    assert all(r.status == "sent" for r in rows.values())
    assert rows[ids[1]].slack_ts == messages[1]["ts"]
    assert [r.api_method for r in fake_slack.requests()].count("conversations.history") == 1


def test_cli_lists_and_retries(
    engine: Engine,
    database_url: str,
    factory: sessionmaker[Session],
    fake_slack: FakeSlack,
    tmp_path: Path,
) -> None:
    ids = queue_events(factory)
    env = cli_env(database_url, fake_slack, tmp_path) | {"COLUMNS": "250"}
    fake_slack.revoke_token()
    with factory.begin() as session:
        for alert in session.scalars(select(Alert)):
            alert.tries = 7  # one try left of the default eight
    run = lambda *args: subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    dry = run("alerts", "send", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    payloads = [json.loads(line) for line in dry.stdout.splitlines()]
    assert [p["alert"] for p in payloads] == ids and payloads[0]["blocks"][0]["type"] == "header"
    assert fake_slack.requests() == []
    first = run("alerts", "send")
    assert first.returncode == 1 and "failed 0" in first.stdout
    assert "alert delivery paused" in first.stderr and "invalid_auth" in first.stderr
    listing = run("alerts", "list", "--status", "pending")
    assert listing.returncode == 0, listing.stderr
    assert "invalid_auth" in listing.stdout and f"{ids[0]}" in listing.stdout
    with factory() as session:  # an auth error spends no try
        assert {a.tries for a in session.scalars(select(Alert))} == {7}
    fake_slack.revoke_token(False)
    assert run("alerts", "retry", str(ids[0])).returncode == 0
    assert run("alerts", "retry", "999").returncode == 2
    second = run("alerts", "send")
    assert second.returncode == 0 and f"alerts sent {len(ids)}" in second.stdout
    assert len(fake_slack.all_messages()) == len(ids)
    default_view = run("alerts")
    assert default_view.returncode == 0 and default_view.stdout.count("sent") >= len(ids)
