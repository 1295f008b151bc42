"""Benchmark: the digest of a day with 5,000 articles and 200 events, from a SQLite database.

Prints one JSON line: the full build (collect from the DB, HTML with charts, Markdown, Slack
summary) in seconds, and its ratio to a baseline measured in the same run: rendering the same
collected digest as plain Markdown only. Budget: the full build under 5 s.

    python tests/benchmarks/digest.py [--articles 5000] [--events 200]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.config import AppConfig, Settings, TopicConfig
from monitor.deliver.digest.collect import collect_digest, write_digest
from monitor.deliver.digest.render import render_markdown
from monitor.deliver.digest.summary import build_digest_blocks
from monitor.judge.rules import STANCES as STANCE_NAMES
from monitor.judge.rules import default_ruleset
from monitor.store import db
from monitor.store.models import Article, Claim, Event, Position, Run, Source, Story

UTC = dt.UTC
DAY = dt.date(2025, 6, 18)
ISSUES = [name for name in default_ruleset().issue_names if name != "other"]
STANCES = list(STANCE_NAMES)
TYPES = ["NEW_DEMAND", "NEW_POSITION", "SHIFT", "POSSIBLE_SHIFT"]


def populate(engine, articles: int, events: int, seed: int = 7) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    start = dt.datetime(2025, 6, 18, 0, 5, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            insert(Source),
            [
                {
                    "id": i + 1,
                    "name": f"source {i}",
                    "kind": "feed",
                    "url": f"https://s{i}.example/rss",
                    "consecutive_failures": 3 if i % 10 == 0 else 0,
                    "failing_since": start - dt.timedelta(days=1) if i % 10 == 0 else None,
                    "last_error": "HTTP 503" if i % 10 == 0 else None,
                    "total_polls": 100,
                    "total_entries": 50,
                    "created_at": start,
                }
                for i in range(60)
            ],
        )
        stories = articles // 3
        conn.execute(
            insert(Story),
            [
                {"id": s + 1, "title": f"Story {s}", "first_seen_at": start, "last_seen_at": start}
                for s in range(stories)
            ],
        )
        rows = []
        for a in range(articles):
            story = a % stories + 1
            original = a < stories
            rows.append(
                {
                    "id": a + 1,
                    "url": f"https://site{a % 40}.example/news/{a}",
                    "url_normalized": f"https://site{a % 40}.example/news/{a}",
                    "source_id": a % 60 + 1,
                    "domain": f"site{a % 40}.example",
                    "title": f"Article {a} about talks on guarantees",
                    "authors": [],
                    "fetched_at": start + dt.timedelta(seconds=a * 15),
                    "text": "Some text " * 50,
                    "relevant": rng.random() < 0.6,
                    "story_id": story,
                    "duplicate_of": None if original else story,
                    "analysed_at": start,
                }
            )
        conn.execute(insert(Article), rows)
        conn.execute(
            insert(Claim),
            [
                {
                    "id": c + 1,
                    "article_id": c * 7 % articles + 1,
                    "story_id": c * 7 % stories + 1,
                    "side": "russia",
                    "actor": "Lavrov",
                    "issue": rng.choice(ISSUES),
                    "stance": rng.choice(STANCES),
                    "evidence": "Lavrov said something firm about guarantees.",
                    "statement_date": DAY,
                    "confidence": 0.9,
                    "reported": False,
                    "created_at": start,
                }
                for c in range(600)
            ],
        )
        conn.execute(
            insert(Position),
            [
                {
                    "side": rng.choice(["russia", "ukraine"]),
                    "issue": rng.choice(ISSUES),
                    "stance": rng.choice(STANCES),
                    "statement_date": DAY - dt.timedelta(days=rng.randrange(0, 1500)),
                    "evidence": "A stated position.",
                    "url": "https://archive.example/p",
                    "origin": "article",
                    "kind": "reiteration",
                    "created_at": start,
                }
                for _ in range(1500)
            ],
        )
        conn.execute(
            insert(Event),
            [
                {
                    "type": TYPES[e % 4],
                    "side": "russia",
                    "issue": ISSUES[e % len(ISSUES)],
                    "stance": STANCES[e % 5],
                    "previous_stance": "rejects" if e % 4 >= 2 else None,
                    "previous_date": dt.date(2024, 1, 1) if e % 4 >= 2 else None,
                    "previous_evidence": "An earlier line." if e % 4 >= 2 else None,
                    "statement_date": DAY,
                    "actor": "Peskov",
                    "evidence": f"Peskov said thing number {e}.",
                    "confidence": 0.9,
                    "article_id": e * 11 % articles + 1,
                    "story_id": e % stories + 1,
                    "created_at": start + dt.timedelta(minutes=e * 7),
                }
                for e in range(events)
            ],
        )
        conn.execute(
            insert(Run),
            [
                {
                    "kind": "crawl",
                    "started_at": start + dt.timedelta(minutes=15 * r),
                    "ok": True,
                    "counters": {
                        "sources_polled": 60,
                        "fetched": articles // 96,
                        "relevant": 30,
                        "duplicates": 10,
                        "claims": 6,
                    },
                }
                for r in range(96)
            ],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = db.make_engine(f"sqlite:///{tmp}/bench.sqlite3")
        db.upgrade(engine)
        populate(engine, args.articles, args.events)
        factory = db.session_factory(engine)
        topic = TopicConfig.model_validate({"name": "bench", "digest": {"timezone": "UTC"}})
        config = AppConfig(
            settings=Settings(data_dir=Path(tmp)), topic=topic, topic_path=Path(tmp) / "t.yaml"
        )

        started = time.perf_counter()
        with factory.begin() as session:
            digest = collect_digest(session, config, DAY)
            collected = time.perf_counter()
            write_digest(session, digest, config.digest_dir)
            build_digest_blocks(digest)
        build = time.perf_counter() - started

        baseline_start = time.perf_counter()
        render_markdown(digest)
        baseline = time.perf_counter() - baseline_start
        engine.dispose()
    print(
        json.dumps(
            {
                "benchmark": "digest",
                "articles": args.articles,
                "events": args.events,
                "stories": len(digest.stories),
                "charts": len(digest.timelines),
                "build_seconds": round(build, 3),
                "collect_seconds": round(collected - started, 3),
                "baseline_markdown_seconds": round(baseline, 4),
                "ratio_to_markdown": round(build / baseline, 1) if baseline else None,
                "budget_seconds": 5.0,
                "within_budget": build < 5.0,
            }
        )
    )


if __name__ == "__main__":
    main()
