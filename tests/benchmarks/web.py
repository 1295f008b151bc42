"""Desk page render time: the day page with 200 events over a 100,000-article SQLite database.

Prints one JSON line: median server time (ms) of the day, positions, stories and event pages,
measured in-process through the desk's own render path, and the ratio to an empty database
(the baseline measured in the same run).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from monitor.config import DEFAULT_TOPIC, Settings, load_config
from monitor.desk import pages
from monitor.desk.app import Desk
from monitor.store import db
from monitor.store.models import Article, Event, Position, Story, utcnow

ARTICLES = 100_000
EVENTS = 200


def build(path: Path, articles: int, events: int) -> Desk:
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    db.upgrade(engine)
    factory = db.session_factory(engine)
    now = utcnow()
    with factory.begin() as session:
        rows = [
            {
                "url": f"https://site{a % 40}.example/news/{a}",
                "url_normalized": f"https://site{a % 40}.example/news/{a}",
                "title": f"Story {a} about talks",
                "domain": f"site{a % 40}.example",
                "text": "Text " * 40,
                "relevant": a % 3 == 0,
                "fetched_at": now - dt.timedelta(minutes=a),
                "authors": [],
            }
            for a in range(articles)
        ]
        for i in range(0, len(rows), 5000):
            session.execute(insert(Article), rows[i : i + 5000])
        session.execute(
            insert(Story),
            [
                {
                    "original_id": s + 1,
                    "title": f"Story {s}",
                    "first_seen_at": now,
                    "last_seen_at": now,
                }
                for s in range(min(articles, 5000))
            ],
        )
        session.execute(
            insert(Event),
            [
                {
                    "type": "SHIFT" if e % 5 else "POSSIBLE_SHIFT",
                    "side": "russia",
                    "issue": ("nato_membership", "eu_membership", "territory", "sanctions")[e % 4],
                    "stance": "accepts",
                    "previous_stance": "rejects",
                    "statement_date": dt.date(2025, 9, 1),
                    "evidence": "Peskov said Moscow would accept it. " * 3,
                    "actor": "Dmitry Peskov",
                    "confidence": 0.9,
                    "article_id": e + 1,
                    "story_id": (e % 5000) + 1,
                    "created_at": now,
                }
                for e in range(events)
            ],
        )
        issues = ("nato_membership", "eu_membership", "territory", "sanctions", "neutrality")
        session.execute(
            insert(Position),
            [
                {
                    "side": "russia",
                    "issue": issues[n % len(issues)],
                    "stance": ("rejects", "accepts")[(n // 400) % 2],  # a change now and then
                    "statement_date": dt.date(2021, 1, 1) + dt.timedelta(days=n % 1700),
                    "evidence": "Lavrov said so.",
                    "origin": "article",
                    "kind": "REITERATION",
                }
                for n in range(min(articles, 3000))
            ],
        )
    settings = Settings().model_copy(update={"database_url": url, "data_dir": path.parent})
    return Desk(load_config(settings, DEFAULT_TOPIC), factory)


def time_pages(desk: Desk, runs: int = 7) -> dict[str, float]:
    tz = desk.config.topic.digest.timezone
    day = dt.datetime.now(dt.UTC).date()
    out: dict[str, list[float]] = {"day": [], "positions": [], "stories": []}
    for _ in range(runs):
        for name in out:
            start = time.perf_counter()
            with desk.factory() as session:
                if name == "day":
                    cards = pages.day_events(session, day, tz)
                    stories = pages.day_stories(session, day, tz)
                    desk.render(
                        "day.html.j2",
                        None,
                        day=day,
                        prev=day,
                        next=day,
                        events=cards,
                        possible=[],
                        backfilled=[],
                        stories=stories,
                        failing=pages.failing_sources(session),
                    )
                elif name == "positions":
                    view = pages.positions_view(session, day)
                    desk.render(
                        "positions.html.j2", None, day=day, rows=view.rows, chart=view.chart
                    )
                else:
                    desk.render("stories.html.j2", None, p=pages.stories_page(session, "", 1))
            out[name].append((time.perf_counter() - start) * 1000)
    return {k: statistics.median(v) for k, v in out.items()}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        empty = time_pages(build(Path(tmp) / "empty.sqlite3", 1, 1))
        start = time.perf_counter()
        full_desk = build(Path(tmp) / "full.sqlite3", ARTICLES, EVENTS)
        built = time.perf_counter() - start
        full = time_pages(full_desk)
    print(
        json.dumps(
            {
                "benchmark": "desk_pages",
                "articles": ARTICLES,
                "events_on_day": EVENTS,
                "positions": 3000,
                "day_ms": round(full["day"], 1),
                "positions_ms": round(full["positions"], 1),
                "stories_ms": round(full["stories"], 1),
                "target_ms": 200,
                "ok": max(full.values()) <= 200,
                "ratio_to_empty_db": round(full["day"] / max(empty["day"], 0.001), 2),
                "db_build_s": round(built, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
