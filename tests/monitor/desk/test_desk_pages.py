"""Desk pages in Chromium: screenshots at desktop and phone widths, hostile text inert everywhere."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from monitor.desk.server import DeskThread, build_desk
from monitor.store.models import Article, Claim, Correction, Event, Source, Story, utcnow
from tests import paths
from tests.fake_slack import FakeSlack
from tests.monitor.desk.browser import chromium
from tests.monitor.desk.desk_env import Newsroom, newsroom
from tests.monitor.desk.test_desk_browser import OUTPUT, seeded

pytestmark = pytest.mark.browser
SANITIZE = paths.SHARED / "corpora" / "feedparser-feeds" / "wellformed" / "sanitize"
FIELD = re.compile(r"<(content|title|summary|description|subtitle)\b[^>]*>(.*?)</\1>", re.S)

# What a page must not contain once rendered: anything that runs, loads or navigates by itself.
ACTIVE = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    if (['script', 'iframe', 'object', 'embed', 'base', 'frame', 'applet'].includes(tag)) bad.push(tag);
    if (tag === 'meta' && el.getAttribute('http-equiv')) bad.push('meta ' + el.getAttribute('http-equiv'));
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.trim().toLowerCase();
      if (name.startsWith('on')) bad.push(tag + ' @' + name);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'style'].includes(name)
          && /(javascript|vbscript|data:text\\/html|expression\\()/.test(value)) bad.push(tag + ' ' + name + '=' + value);
    }
  }
  return bad;
}"""


def hostile_snippets() -> list[str]:
    """Every title/content of the feedparser sanitizer corpus, unescaped to the raw markup."""
    snippets = []
    for path in sorted(SANITIZE.glob("*.xml")):
        for _, raw in FIELD.findall(path.read_text(encoding="utf-8", errors="replace")):
            text = html.unescape(raw.replace("<![CDATA[", "").replace("]]>", "")).strip()
            if text:
                snippets.append(text)
    return snippets


def hostile_room(tmp_path: Path, fake: FakeSlack) -> tuple[Newsroom, list[int], list[int]]:
    room = newsroom(tmp_path, fake)
    snippets = hostile_snippets()
    assert len(snippets) > 500, "the sanitizer corpus is missing"
    now = utcnow()
    events, stories = [], []
    with room.factory.begin() as session:
        for n, text in enumerate(snippets):
            source = Source(name=text[:150] + f" #{n}", kind="feed", url=text, last_error=text)
            source.consecutive_failures = n % 2
            session.add(source)
            article = Article(
                url=f"https://hostile.example/{n}",
                url_normalized=f"https://hostile.example/{n}",
                canonical_url="javascript:alert(1)" if n % 3 == 0 else text,
                title=text,
                text=text,
                domain=text[:100],
                site_name=text,
                relevant=True,
            )
            session.add(article)
            session.flush()
            story = Story(original_id=article.id, title=text)
            session.add(story)
            session.flush()
            article.story_id = story.id
            claim = Claim(
                article_id=article.id,
                story_id=story.id,
                side="russia",
                actor=text[:200],
                issue="nato_membership",
                stance="rejects",
                evidence=text,
                statement_date=dt.date(2025, 9, 10),
            )
            session.add(claim)
            session.flush()
            event = Event(
                type="POSSIBLE_SHIFT" if n % 4 == 0 else "SHIFT",
                side="russia",
                issue="nato_membership",
                stance="accepts",
                previous_stance="rejects",
                previous_date=dt.date(2025, 1, 1),
                previous_evidence=text,
                previous_url="javascript:alert(2)" if n % 2 else text,
                statement_date=dt.date(2025, 9, 10),
                actor=text[:200],
                evidence=text,
                claim_id=claim.id,
                article_id=article.id,
                story_id=story.id,
                created_at=now,
            )
            session.add(event)
            session.add(
                Correction(
                    who=text[:200],
                    action="claim_wrong",
                    target="claim",
                    target_id=claim.id,
                    reason="not_russia",
                    detail={},
                )
            )
            session.flush()
            events.append(event.id)
            stories.append(story.id)
    return room, events, stories


@pytest.fixture
def hostile(
    tmp_path: Path, fake_slack: FakeSlack
) -> Iterator[tuple[DeskThread, list[int], list[int]]]:
    room, events, stories = hostile_room(tmp_path, fake_slack)
    server = DeskThread(build_desk(room.config, room.factory, "127.0.0.1"), "127.0.0.1", 0).start()
    yield server, events, stories
    server.stop()


def test_hostile_text_renders_inert_on_every_page(hostile: Any) -> None:
    server, events, stories = hostile
    urls = [
        "/",
        "/positions",
        "/sources",
        "/sources?page=2",
        "/stories",
        "/stories?q=script",
        "/corrections",
    ]
    urls += [f"/event/{i}" for i in events[::25]] + [f"/story/{i}" for i in stories[::50]]
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        for url in urls:
            response = page.goto(f"{server.url}{url}")
            assert response is not None and response.status == 200, url
            assert page.evaluate(ACTIVE) == [], url
            page.wait_for_timeout(50)
        # the hostile markup is shown as text, not dropped
        page.goto(f"{server.url}/event/{events[0]}")
        assert "<" in page.locator("blockquote").first.inner_text()
    assert dialogs == []
    assert errors == []


def test_screenshots_at_desktop_and_phone_width(tmp_path: Path, fake_slack: FakeSlack) -> None:
    room = seeded(tmp_path, fake_slack)
    shift = room.events(type="SHIFT")[0]
    server = DeskThread(build_desk(room.config, room.factory, "127.0.0.1"), "127.0.0.1", 0).start()
    try:
        for width in (1280, 390):
            with chromium(width, 800) as browser:
                page = browser.new_page()  # type: ignore[attr-defined]
                for name, url in (
                    ("day", "/"),
                    ("event", f"/event/{shift.id}"),
                    ("positions", "/positions?date=2025-09-12"),
                ):
                    page.goto(f"{server.url}{url}")
                    # nothing wider than the viewport: no sideways scrolling on a phone
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, (
                        name,
                        width,
                    )
                    OUTPUT.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(OUTPUT / f"{name}_{width}.png"), full_page=True)
    finally:
        server.stop()
