"""Read-only listings for people: stories with their copies, and articles for export."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from crawler.urls import domain_of
from monitor.store.models import Article, Event, Story
from monitor.store.rows import CopyRef, StoryRow


def articles_for_export(
    session: Session, since: dt.datetime | None, batch: int = 500
) -> Iterator[tuple[Article, list[Event]]]:
    """Articles (claims loaded) with the events their claims raised, in id order, in batches."""
    last_id = 0
    while True:
        query = (
            select(Article)
            .options(selectinload(Article.claims), selectinload(Article.source))
            .where(Article.id > last_id)
            .order_by(Article.id)
            .limit(batch)
        )
        if since is not None:
            query = query.where(Article.fetched_at >= since)
        articles = list(session.scalars(query))
        if not articles:
            return
        events: dict[int, list[Event]] = {}
        for event in session.scalars(
            select(Event).where(Event.article_id.in_([a.id for a in articles])).order_by(Event.id)
        ):
            events.setdefault(event.article_id or 0, []).append(event)
        for article in articles:
            yield article, events.get(article.id, [])
        last_id = articles[-1].id


def stories_since(
    session: Session, since: dt.datetime | None = None, limit: int = 500
) -> list[StoryRow]:
    """Stories seen on or after ``since``, most recently seen first."""
    query = select(Story).order_by(Story.last_seen_at.desc(), Story.id.desc()).limit(limit)
    if since is not None:
        query = query.where(Story.last_seen_at >= since)
    stories = list(session.scalars(query))
    members: dict[int, list[tuple[int, str | None]]] = {s.id: [] for s in stories}
    urls: dict[int, str] = {}
    domains: dict[int, str | None] = {}
    if stories:
        rows = session.execute(
            select(Article.story_id, Article.id, Article.url, Article.domain)
            .where(Article.story_id.in_(list(members)))
            .order_by(Article.id)
        )
        for story_id, article_id, url, domain in rows:
            # The site a page belongs to: its canonical URL's domain, else where it was fetched.
            domains[article_id] = domain or domain_of(url)
            members[story_id].append((article_id, domains[article_id]))  # type: ignore[index]
            urls[article_id] = url
    out = []
    for story in stories:
        original = story.original_id
        out.append(
            StoryRow(
                title=story.title,
                url=urls.get(original) if original else None,
                site=domains.get(original) if original else None,
                copies=tuple(
                    CopyRef(site or "", urls[aid])
                    for aid, site in members[story.id]
                    if aid != original
                ),
                id=story.id,
                first_seen_at=story.first_seen_at,
                last_seen_at=story.last_seen_at,
            )
        )
    return out
