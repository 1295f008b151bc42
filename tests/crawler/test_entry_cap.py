"""The per-poll cap on new entries: newest first, the rest counted and fetched by later polls."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from monitor.demo.server import FeedItem, NewsSite, Route, rss
from monitor.store import db
from monitor.store.models import Article
from tests.conftest import run_newsmon, write_topic
from tests.growing_site import article_page

ENTRIES = 12
CAP = 5


def _stored(url: str) -> set[str]:
    engine = db.make_engine(url)
    with db.session_factory(engine)() as session:
        paths = {u.rsplit("/", 1)[-1] for u in session.scalars(select(Article.url_normalized))}
    engine.dispose()
    return paths


@pytest.mark.slow
def test_a_long_feed_is_taken_newest_first_a_cap_per_poll(
    news_site: NewsSite, tmp_path: Path
) -> None:
    items = []
    for n in range(ENTRIES):  # n = day of September: higher is newer; listed oldest first
        title, body = article_page(n, "cap")
        news_site.add(f"/cap/{n}.html", Route(body=body))
        items.append(FeedItem(title, f"/cap/{n}.html", f"Mon, {n + 1:02d} Sep 2025 10:00:00 GMT"))
    news_site.add("/feeds/long.xml", Route(body=rss("long", news_site, items)))
    topic = write_topic(tmp_path / "t.yaml", news_site, {"long": "/feeds/long.xml"})
    data = yaml.safe_load(topic.read_text())
    data["crawl"]["max_new_entries"] = CAP
    topic.write_text(yaml.safe_dump(data))
    url = f"sqlite:///{tmp_path}/n.sqlite3"
    env = {"NEWSMON_DATABASE_URL": url, "NEWSMON_CONFIG": str(topic)}
    assert run_newsmon("init", env=env).returncode == 0

    first = run_newsmon("crawl", "--once", env=env)
    assert first.returncode == 0, first.stderr
    assert f"new entries {CAP}," in first.stdout
    assert f"left for later polls {ENTRIES - CAP}" in first.stdout
    assert _stored(url) == {f"{n}.html" for n in range(ENTRIES - CAP, ENTRIES)}

    second = run_newsmon("crawl", "--once", env=env)  # read in full again, not a 304
    assert second.returncode == 0, second.stderr
    assert "not modified 0" in second.stdout
    assert f"left for later polls {ENTRIES - 2 * CAP}" in second.stdout
    assert len(_stored(url)) == 2 * CAP

    third = run_newsmon("crawl", "--once", env=env)
    assert "left for later polls" not in third.stdout
    assert _stored(url) == {f"{n}.html" for n in range(ENTRIES)}
