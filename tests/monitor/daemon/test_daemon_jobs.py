"""The daemon's digest and dispatch jobs against a fake Slack server (needs the alert stage)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

pytest.importorskip(
    "monitor.deliver.dispatch",
    reason="the alert stage (monitor.deliver.dispatch) is not merged yet",
)

from monitor.config import Settings, load_config
from monitor.daemon.jobs import AlertJobs
from monitor.store.db import session_factory
from monitor.store.models import Alert, Digest
from tests.fake_slack import VALID_TOKEN, FakeSlack


def test_digest_is_queued_once_sent_once_and_marked_sent(tmp_path: Path, engine: Engine) -> None:
    with FakeSlack() as slack:
        settings = Settings(
            database_url=engine.url.render_as_string(hide_password=False),
            data_dir=tmp_path,
            slack_bot_token=VALID_TOKEN,
            slack_channel="#newsmon",
            slack_api_url=slack.api_url,
        )
        config = load_config(settings)
        factory = session_factory(engine)
        jobs = AlertJobs(config, factory)
        day = jobs.local_today()

        jobs.digest(day)
        first = jobs.dispatch()
        jobs.digest(day)  # a second fire the same day (restart, misfire) must not post again
        second = jobs.dispatch()
        restarted = AlertJobs(config, factory)  # a new process: nothing left to send
        third = restarted.dispatch()
        posted = slack.messages("#newsmon")

    assert (first.sent, second.sent, third.sent) == (1, 0, 0)
    assert len(posted) == 1
    with factory() as session:
        record = session.scalar(select(Digest).where(Digest.day == day))
        alerts = session.scalar(select(func.count()).select_from(Alert))
    assert record is not None and record.sent_at is not None
    assert alerts == 1
    assert Path(record.html_path).exists() and Path(record.markdown_path).exists()
    assert record.sent_at <= dt.datetime.now(dt.UTC)
