"""A small real newsroom for the desk tests: a migrated database, analysed articles, fake Slack.

Articles go through the real judging flow (``analyse_pending``) and alerts through the real
dispatcher to ``tests/fake_slack.py``; the desk runs on a uvicorn thread on 127.0.0.1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ExtractedArticle
from monitor.config import DEFAULT_TOPIC, AppConfig, Settings, load_config
from monitor.deliver.dispatch import Dispatcher, make_dispatcher
from monitor.pipeline import AnalysisContext, analyse_pending
from monitor.store import db
from monitor.store.articles import save_article
from monitor.store.models import Event
from tests.fake_slack import VALID_TOKEN, FakeSlack

FILLER = (
    "Diplomats in Brussels said they were studying the remarks closely before the next round "
    "of talks, and officials in Kyiv declined to comment on the record."
)
SHIFT_TEXT = (
    "Kremlin spokesman Dmitry Peskov said on Wednesday that Moscow would accept unarmed "
    "European peacekeepers in Ukraine if they served under a United Nations mandate."
)
# Each report has its own closing line: a shared one would make two 2-sentence reports half
# identical, which the sentence-level copy check rightly folds.
OTHER_FILLER = (
    "The newspaper did not say how many sources it had spoken to or when the remarks were made, "
    "and no official in Moscow repeated them in public."
)
# A weak, second-hand claim (a country as holder, reported): the ledger holds it as a possible
# shift for the analyst. (Commentators "suggesting the Kremlin might" is no claim at all.)
POSSIBLE_TEXT = (
    "Moscow would one day tolerate Ukraine in NATO, according to unnamed sources quoted by a "
    "newspaper."
)


def article(url: str, day: str, body: str, title: str) -> ExtractedArticle:
    return ExtractedArticle(
        url=url,
        text=body + "\n" + (FILLER if body == SHIFT_TEXT else OTHER_FILLER),
        title=title,
        published=dt.datetime.fromisoformat(day + "T12:00:00+00:00"),
        canonical_url=url,
        site_name=url.split("/")[2],
    )


@dataclass
class Newsroom:
    config: AppConfig
    factory: sessionmaker[Session]
    dispatcher: Dispatcher

    def ingest(self, *articles: ExtractedArticle) -> None:
        with self.factory.begin() as session:
            for item in articles:
                save_article(session, item, source=None)
        analyse_pending(self.factory, AnalysisContext.build(self.config, self.factory))

    def events(self, **where: Any) -> list[Event]:
        with self.factory() as session:
            query = select(Event).order_by(Event.id)
            for key, value in where.items():
                query = query.where(getattr(Event, key) == value)
            return list(session.scalars(query))


def cli_env_for(room: Newsroom) -> dict[str, str]:
    """Environment for running the real ``newsmon`` CLI against the room's database."""
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NEWSMON_", "SLACK_")) or k == "NEWSMON_CACHE_DIR"
    }
    env.update(
        NEWSMON_DATABASE_URL=room.config.settings.database_url,
        NEWSMON_DATA_DIR=str(room.config.settings.data_dir),
    )
    return env


def newsroom(
    tmp_path: Path, fake: FakeSlack, *, base_url: str | None = None, token: str | None = None
) -> Newsroom:
    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    settings = Settings().model_copy(
        update={
            "database_url": url,
            "data_dir": tmp_path,
            "slack_bot_token": SecretStr(VALID_TOKEN),
            "slack_channel": "C_ALERTS",
            "slack_api_url": fake.api_url,
            "slack_webhook_url": None,
            "ui_token": SecretStr(token) if token else None,
        }
    )
    config = load_config(settings, DEFAULT_TOPIC)
    config.topic.alerts.pace_seconds = 0  # a fake Slack has no rate limit
    if base_url:
        config.topic.ui.base_url = base_url
    factory = db.session_factory(engine)
    return Newsroom(config, factory, make_dispatcher(factory, config))
