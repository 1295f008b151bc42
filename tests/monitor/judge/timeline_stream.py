"""The labelled timeline stream (tests/data/timeline): load it, ingest it, score its events."""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import random
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from crawler.items import ExtractedArticle
from monitor.config import DEFAULT_TOPIC, AppConfig, Settings, load_config
from monitor.judge.rules.loader import DEFAULT_RULES_PATH
from monitor.pipeline import AnalysisContext, analyse_pending
from monitor.store.articles import save_article
from monitor.store.models import Article, Event, Position
from monitor.yamlload import parse_yaml
from tests import paths

STREAM = paths.DATA / "timeline" / "stream.yaml"
DUMPER: type[Any] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@functools.cache
def _parsed(path: Path) -> Any:
    return parse_yaml(path.read_text(encoding="utf-8"))


def load_stream() -> dict[str, Any]:
    return copy.deepcopy(_parsed(STREAM))


def stream_rules(change: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """The shipped rules with the stream's own baseline (and an optional rules change)."""
    rules = copy.deepcopy(_parsed(DEFAULT_RULES_PATH))
    rules["baseline"] = load_stream()["baseline"]
    if change is not None:
        change(rules)
    return rules


def stream_config(
    tmp_path: Path, database_url: str, rules: dict[str, Any], **settings: Any
) -> AppConfig:
    """A topic file like the shipped one, with ``rules`` inline."""
    topic = copy.deepcopy(_parsed(DEFAULT_TOPIC))
    topic["rules"] = rules
    topic["alerts"]["pace_seconds"] = 0  # a fake Slack has no rate limit
    text = yaml.dump(topic, Dumper=DUMPER, sort_keys=False, allow_unicode=True)
    path = tmp_path / f"topic-{hashlib.sha256(text.encode()).hexdigest()[:12]}.yaml"
    path.write_text(text, encoding="utf-8")
    base = Settings().model_copy(
        update={"database_url": database_url, "data_dir": tmp_path, **settings}
    )
    return load_config(base, path)


def extracted(article: dict[str, Any]) -> ExtractedArticle:
    """An article as extraction hands it over (the page's date only when it has one)."""
    published = article.get("published")
    when = (
        dt.datetime.combine(dt.date.fromisoformat(str(published)), dt.time(9), tzinfo=dt.UTC)
        if published
        else None
    )
    return ExtractedArticle(
        url=article["url"],
        text="\n".join(article["paragraphs"]),
        title=article["headline"],
        published=when,
        published_from="meta" if when else None,
        canonical_url=article["url"],
        site_name=article["url"].split("/")[2],
    )


def ingest(
    factory: sessionmaker[Session],
    ctx: AnalysisContext,
    articles: Sequence[dict[str, Any]],
    rng: random.Random | None = None,
) -> None:
    """Arrive in ``articles`` order, in batches of random size (each batch analysed at once)."""
    rng = rng or random.Random(0)
    index = 0
    while index < len(articles):
        size = rng.randint(1, 6)
        with factory.begin() as session:
            for article in articles[index : index + size]:
                save_article(session, extracted(article), source=None)
        analyse_pending(factory, ctx)
        index += size


def snapshot(session: Session) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Positions and live events as comparable tuples (no ids, no arrival-dependent fields)."""
    positions = sorted(
        (p.side, p.issue, p.stance, p.statement_date, p.kind, p.evidence, p.origin)
        for p in session.scalars(select(Position))
    )
    events = sorted(
        (
            e.type,
            e.side,
            e.issue,
            e.stance,
            e.statement_date,
            e.previous_stance,
            e.previous_date,
            e.evidence,
        )
        for e in session.scalars(select(Event).where(Event.retracted_at.is_(None)))
    )
    return positions, events


def event_labels(session: Session, ids: dict[str, str]) -> list[dict[str, Any]]:
    """Live events as {type, issue, month, article, story_articles} (article = the stream id)."""
    out = []
    rows = session.execute(
        select(Event, Article).join(Article, Event.article_id == Article.id, isouter=True)
    )
    for event, article in rows:
        if event.retracted_at is not None:
            continue
        story = []
        if event.story_id is not None:
            story = [
                ids.get(a.url, a.url)
                for a in session.scalars(select(Article).where(Article.story_id == event.story_id))
            ]
        out.append(
            {
                "type": event.type,
                "issue": event.issue,
                "month": event.statement_date.strftime("%Y-%m"),
                "article": ids.get(article.url, article.url) if article else None,
                "story": story,
            }
        )
    return out


def f1(found: Sequence[dict[str, Any]], expected: Sequence[dict[str, Any]]) -> float:
    """F1 over events keyed by (type, issue, month)."""
    got = {(e["type"], e["issue"], str(e["month"])) for e in found}
    want = {(e["type"], e["issue"], str(e["month"])) for e in expected}
    if not got and not want:
        return 1.0
    hits = len(got & want)
    precision = hits / len(got) if got else 0.0
    recall = hits / len(want) if want else 0.0
    return 0.0 if hits == 0 else 2 * precision * recall / (precision + recall)
