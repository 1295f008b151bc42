"""The review desk in headless Chromium: corrections an analyst makes, and what they change."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from monitor.desk.server import DeskThread, build_desk
from monitor.store.models import Alert, Article, Correction, Story
from tests import paths
from tests.fake_slack import FakeSlack
from tests.monitor.desk.browser import chromium
from tests.monitor.desk.desk_env import POSSIBLE_TEXT, SHIFT_TEXT, Newsroom, article, newsroom

pytestmark = pytest.mark.browser
OUTPUT = paths.OUTPUT / "desk"
TITLE = "Kremlin could accept unarmed peacekeepers"


def seeded(tmp_path: Path, fake: FakeSlack, **kw: Any) -> Newsroom:
    room = newsroom(tmp_path, fake, **kw)
    room.ingest(
        article("https://wire.example.org/2025/09/10/peskov", "2025-09-10", SHIFT_TEXT, TITLE)
    )
    room.ingest(
        article("https://copy.example.net/2025/09/10/peskov", "2025-09-10", SHIFT_TEXT, TITLE)
    )
    room.ingest(
        article("https://paper.example.com/2025/09/11/nato", "2025-09-11", POSSIBLE_TEXT, "NATO?")
    )
    room.dispatcher.dispatch_once()
    return room


@pytest.fixture
def room(tmp_path: Path, fake_slack: FakeSlack) -> Newsroom:
    return seeded(tmp_path, fake_slack, base_url="http://127.0.0.1:9/")


@pytest.fixture
def desk(room: Newsroom) -> Iterator[DeskThread]:
    app = build_desk(
        room.config, room.factory, "127.0.0.1", on_change=room.dispatcher.dispatch_once
    )
    server = DeskThread(app, "127.0.0.1", 0).start()
    yield server
    server.stop()


def wait_for(condition: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def shoot(page: Any, name: str) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"{name}.png"), full_page=True)


def test_marking_a_claim_wrong_retracts_it_everywhere_and_replies_once(
    room: Newsroom, desk: DeskThread, fake_slack: FakeSlack
) -> None:
    shift = room.events(type="SHIFT")[0]
    top_level = [m for m in fake_slack.all_messages() if not m.get("thread_ts")]
    replies_before = len([m for m in fake_slack.all_messages() if m.get("thread_ts")])
    with chromium() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{desk.url}/positions?date=2025-09-12")
        row = page.locator("#positions-table tr", has_text="foreign troops")
        assert "accepts" in row.inner_text()
        page.goto(f"{desk.url}/event/{shift.id}")
        page.locator("details.fix summary").click()
        page.locator("input[value=not_russia]").check()
        page.get_by_role("button", name="Retract this claim").click()
        page.wait_for_url(f"**/event/{shift.id}?notice=*")
        assert "retracted" in page.locator(".notice").inner_text()
        assert page.locator(f"#event-{shift.id} .badge.retracted").count() == 1
        page.goto(f"{desk.url}/positions?date=2025-09-12")
        row = page.locator("#positions-table tr", has_text="foreign troops")
        assert "accepts" not in row.inner_text()
        assert "rejects" in row.inner_text()
    wait_for(
        lambda: len([m for m in fake_slack.all_messages() if m.get("thread_ts")]) > replies_before
    )
    time.sleep(0.5)  # a second, duplicate reply would have arrived by now
    replies = [m for m in fake_slack.all_messages() if m.get("thread_ts")][replies_before:]
    assert len(replies) == 1
    assert "Retracted" in replies[0]["text"]
    parent = next(m for m in top_level if "foreign troops" in m["text"])
    assert replies[0]["thread_ts"] == parent["ts"]
    with room.factory() as session:
        (correction,) = session.scalars(select(Correction)).all()
        assert (correction.action, correction.reason) == ("claim_wrong", "not_russia")
        assert correction.who.startswith("analyst@")


def test_confirming_a_possible_shift_sends_exactly_one_alert(
    room: Newsroom, desk: DeskThread, fake_slack: FakeSlack
) -> None:
    possible = room.events(type="POSSIBLE_SHIFT")[0]
    before = len(fake_slack.all_messages())
    with chromium() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{desk.url}/event/{possible.id}")
        page.get_by_role("button", name="Confirm: it is a shift").click()
        page.wait_for_url("**notice=*")
        assert "confirmed" in page.locator(".notice").inner_text()
        assert page.get_by_role("button", name="Confirm: it is a shift").count() == 0
    wait_for(lambda: len(fake_slack.all_messages()) > before)
    time.sleep(0.5)
    new = fake_slack.all_messages()[before:]
    assert len(new) == 1 and new[0]["text"].startswith("SHIFT")
    review = [b for b in new[0]["blocks"] if b["type"] == "actions"]
    assert review[0]["elements"][0]["url"] == f"http://127.0.0.1:9/event/{possible.id}"
    with room.factory() as session:
        assert session.scalars(select(Alert.status).where(Alert.event_id == possible.id)).all() == [
            "sent"
        ]


def test_splitting_a_copy_from_its_story(room: Newsroom, desk: DeskThread) -> None:
    with room.factory() as session:
        copy = session.scalars(select(Article).where(Article.duplicate_of.is_not(None))).one()
        story_id = copy.story_id
    with chromium(390, 900) as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{desk.url}/story/{story_id}")
        assert page.get_by_role("button", name="Not a copy").count() == 1
        page.get_by_role("button", name="Not a copy").click()
        page.wait_for_url("**notice=*")
        assert page.get_by_role("button", name="Not a copy").count() == 0
    with room.factory() as session:
        moved = session.get(Article, copy.id)
        assert moved is not None and moved.story_id != story_id and moved.duplicate_of is None
        story = session.get(Story, moved.story_id)
        assert story is not None and story.original_id == copy.id
        (correction,) = session.scalars(select(Correction)).all()
        assert correction.action == "not_a_copy" and correction.detail["label"] == "no_merge"


def test_a_post_without_the_csrf_token_is_refused(room: Newsroom, desk: DeskThread) -> None:
    shift = room.events(type="SHIFT")[0]
    with chromium() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(f"{desk.url}/event/{shift.id}")  # a real session cookie, but no token sent
        response = page.request.post(
            f"{desk.url}/claim/{shift.claim_id}/wrong", form={"reason": "not_russia"}
        )
        assert response.status == 403
        forged = page.request.post(
            f"{desk.url}/claim/{shift.claim_id}/wrong",
            form={"reason": "not_russia", "csrf": "0" * 64},
        )
        assert forged.status == 403
    assert room.events(type="SHIFT")[0].retracted_at is None


def test_with_a_token_an_unauthenticated_request_gets_the_login_page_only(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    room = seeded(tmp_path, fake_slack, token="s3cret-desk-token")
    app = build_desk(room.config, room.factory, "127.0.0.1")
    server = DeskThread(app, "127.0.0.1", 0).start()
    shift = room.events(type="SHIFT")[0]
    try:
        with chromium() as browser:
            page = browser.new_page()  # type: ignore[attr-defined]
            for path in ("/", f"/event/{shift.id}", "/positions", "/sources", "/stories"):
                response = page.goto(f"{server.url}{path}")
                assert response is not None and response.status == 401
                assert page.locator("input[name=token]").count() == 1
                body = page.content()
                assert "peacekeepers" not in body and "foreign troops" not in body
            post = page.request.post(
                f"{server.url}/claim/{shift.claim_id}/wrong", form={"reason": "not_russia"}
            )
            assert post.status == 401
            page.goto(f"{server.url}/login")
            page.fill("input[name=name]", "Ana Lyst")
            page.fill("input[name=token]", "wrong")
            page.get_by_role("button", name="Sign in").click()
            assert page.locator(".warning").count() == 1
            page.fill("input[name=token]", "s3cret-desk-token")
            page.fill("input[name=name]", "Ana Lyst")
            page.get_by_role("button", name="Sign in").click()
            page.goto(f"{server.url}/event/{shift.id}")
            assert "peacekeepers" in page.content()
            assert "Ana Lyst" in page.content()
            assert "s3cret-desk-token" not in page.content()
    finally:
        server.stop()
