"""Rows a ledger would write: articles, stories and events for the outbox and dispatcher tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from monitor.store.models import Article, Claim, Event, Story


def add_story(
    session: Session, original_url: str, title: str, copies: dict[str, str] | None = None
) -> tuple[Story, Article]:
    """A story with its original article and copies (domain -> URL)."""
    story = Story(title=title)
    session.add(story)
    session.flush()
    original = add_article(session, original_url, title, story_id=story.id)
    story.original_id = original.id
    for domain, url in (copies or {}).items():
        add_article(session, url, title, story_id=story.id, duplicate_of=original.id, domain=domain)
    session.flush()
    return story, original


def add_article(session: Session, url: str, title: str, **fields: Any) -> Article:
    domain = fields.pop("domain", None) or url.split("/")[2]
    article = Article(
        url=url, url_normalized=url, title=title, domain=domain, relevant=True, **fields
    )
    session.add(article)
    session.flush()
    return article


def add_event(session: Session, type_: str, story: Story, article: Article, **fields: Any) -> Event:
    values: dict[str, Any] = dict(
        side="russia",
        issue="eu_membership",
        stance="accepts",
        statement_date=dt.date(2025, 6, 18),
        actor="Vladimir Putin",
        evidence="He said Russia would accept Ukraine's admittance into the EU.",
        confidence=0.95,
    )
    if type_ in ("SHIFT", "POSSIBLE_SHIFT"):
        values.update(
            previous_stance="rejects",
            previous_date=dt.date(2022, 3, 4),
            previous_evidence="EU accession would be treated as hostile.",
            previous_url="https://archive.example.net/2022/zakharova",
        )
    values.update(fields)
    event = Event(type=type_, story_id=story.id, article_id=article.id, **values)
    session.add(event)
    session.flush()
    return event


def add_claim(session: Session, article: Article, **fields: Any) -> Claim:
    values: dict[str, Any] = dict(
        side="russia",
        actor="Yuri Ushakov",
        issue="eu_membership",
        stance="accepts",
        evidence="Ushakov repeated that EU membership is Ukraine's sovereign choice.",
        statement_date=dt.date(2025, 6, 25),
        confidence=0.9,
    )
    values.update(fields)
    claim = Claim(article_id=article.id, story_id=article.story_id, **values)
    session.add(claim)
    session.flush()
    return claim
