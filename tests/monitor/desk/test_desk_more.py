"""The desk's other corrections and its access rules, through a real browser and the real CLI."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from monitor.config import Settings, load_config
from monitor.daemon.scheduler import Daemon, DaemonOptions
from monitor.desk.server import DeskThread, build_desk
from monitor.store import db
from monitor.store.models import Article, Correction, Source, Story
from tests.conftest import REPO
from tests.fake_slack import VALID_TOKEN, FakeSlack
from tests.monitor.desk.browser import chromium
from tests.monitor.desk.desk_env import Newsroom, cli_env_for
from tests.monitor.desk.test_desk_browser import seeded


@pytest.fixture
def room(tmp_path: Path, fake_slack: FakeSlack) -> Newsroom:
    room = seeded(tmp_path, fake_slack)
    with room.factory.begin() as session:
        session.add(Source(name="tass", kind="feed", url="https://tass.example/rss"))
        session.add(
            Source(
                name="broken",
                kind="feed",
                url="https://broken.example/rss",
                consecutive_failures=4,
                last_error="HTTP 503",
            )
        )
    return room


@pytest.mark.browser
def test_pause_merge_and_dismiss_from_the_browser(room: Newsroom) -> None:
    possible = room.events(type="POSSIBLE_SHIFT")[0]
    server = DeskThread(build_desk(room.config, room.factory, "127.0.0.1"), "127.0.0.1", 0).start()
    with room.factory() as session:
        story_ids = sorted(session.scalars(select(Story.id)))
    try:
        with chromium(390, 900) as browser:
            page = browser.new_page()  # type: ignore[attr-defined]
            page.goto(f"{server.url}/sources")
            rows = page.locator("table tbody tr")
            assert "broken" in rows.nth(0).inner_text()  # failing first
            page.locator("tr", has_text="tass").get_by_role("button", name="Pause").click()
            page.wait_for_url("**notice=*")
            assert page.locator("tr", has_text="tass").locator(".badge").inner_text() == "paused"
            page.goto(f"{server.url}/sources?q=bro")
            assert page.locator("table tbody tr").count() == 1
            page.goto(f"{server.url}/stories")
            page.fill("input[name=keep]", str(story_ids[0]))
            page.fill("input[name=other]", str(story_ids[1]))
            page.get_by_role("button", name="Merge").click()
            page.wait_for_url("**notice=*")
            assert "merged" in page.locator(".notice").inner_text()
            page.goto(f"{server.url}/event/{possible.id}")
            page.get_by_role("button", name="Dismiss").click()
            page.wait_for_url("**notice=*")
            assert page.locator(f"#event-{possible.id} .badge.retracted").count() == 1
    finally:
        server.stop()
    with room.factory() as session:
        assert session.scalar(select(Source.paused_at).where(Source.name == "tass")) is not None
        assert session.get(Story, story_ids[1]) is None
        members = session.scalars(select(Article).where(Article.story_id == story_ids[0])).all()
        assert len(members) == 3
        actions = session.scalars(select(Correction.action).order_by(Correction.id)).all()
        assert actions == ["source_paused", "same_story", "shift_dismissed"]


@pytest.mark.browser
def test_read_only_desk_shows_no_forms_and_refuses_posts(room: Newsroom) -> None:
    shift = room.events(type="SHIFT")[0]
    app = build_desk(room.config, room.factory, "127.0.0.1", read_only=True)
    server = DeskThread(app, "127.0.0.1", 0).start()
    try:
        with chromium() as browser:
            page = browser.new_page()  # type: ignore[attr-defined]
            for path in (f"/event/{shift.id}", "/sources", "/stories", f"/story/{shift.story_id}"):
                page.goto(f"{server.url}{path}")
                assert page.locator("form[method=post]").count() == 0, path
            csrf = app.state.desk.access  # a valid token still cannot write
            visitor = csrf.read(page.context.cookies()[0]["value"])
            response = page.request.post(
                f"{server.url}/claim/{shift.claim_id}/wrong",
                form={"reason": "not_russia", "csrf": csrf.csrf_token(visitor)},
            )
            assert response.status == 403
    finally:
        server.stop()
    assert room.events(type="SHIFT")[0].retracted_at is None


def test_no_secret_is_ever_rendered(room: Newsroom) -> None:
    shift = room.events(type="SHIFT")[0]
    server = DeskThread(build_desk(room.config, room.factory, "127.0.0.1"), "127.0.0.1", 0).start()
    try:
        for path in (
            "/",
            "/day",
            f"/event/{shift.id}",
            "/positions",
            "/sources",
            "/stories",
            "/corrections",
            "/login",
        ):
            with urllib.request.urlopen(f"{server.url}{path}", timeout=10) as response:
                body = response.read().decode()
                assert VALID_TOKEN not in body and "xoxb" not in body, path
                assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    finally:
        server.stop()


def test_serve_refuses_to_bind_beyond_loopback_without_a_token(room: Newsroom) -> None:
    env = cli_env_for(room)
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "NEWSMON_UI_TOKEN" in result.stderr and "Traceback" not in result.stderr


def test_the_daemon_serves_the_desk_when_the_topic_enables_it(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = yaml.safe_load((REPO / "monitor/topics/default.yaml").read_text(encoding="utf-8"))
    if isinstance(data.get("rules"), str):
        data["rules"] = str((REPO / "monitor/topics" / data["rules"]).resolve())
    data["sources"] = []
    data["ui"] = {"enabled": True, "host": "127.0.0.1", "port": port, "read_only": True}
    topic = tmp_path / "topic.yaml"
    topic.write_text(yaml.safe_dump(data), encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    daemon = Daemon(
        load_config(Settings(database_url=url, data_dir=tmp_path), topic), engine, DaemonOptions()
    )
    desk = daemon._start_desk()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/positions", timeout=10) as r:
            assert r.status == 200 and b"read-only" in r.read()
    finally:
        desk.stop()
