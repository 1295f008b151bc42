"""Environment for running the real CLI against a test database and the fake Slack."""

from __future__ import annotations

import os
from pathlib import Path

from tests.fake_slack import VALID_TOKEN, FakeSlack


def cli_env(database_url: str, fake: FakeSlack, data_dir: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "SLACK_")) or k == "NEWSMON_CACHE_DIR"
    }
    env.update(
        NEWSMON_DATABASE_URL=database_url,
        NEWSMON_DATA_DIR=str(data_dir),
        SLACK_BOT_TOKEN=VALID_TOKEN,
        SLACK_CHANNEL="C_ALERTS",
        SLACK_API_URL=fake.api_url,
    )
    return env
