"""Articles in the database: stored or refreshed from what was extracted, and found again."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crawler.items import DECLARED_DATE_SOURCES, ExtractedArticle
from crawler.urls import domain_of, normalize_url
from monitor.judge.dedup.fingerprint import text_hash as dedup_text_hash
from monitor.judge.dedup.normalize import normalized_text
from monitor.store.db import in_chunks
from monitor.store.models import Article, Source, utcnow


def text_hash(text: str) -> str:
    """Hash of the normalised text: equal for exact copies, unchanged by chrome-only edits."""
    return dedup_text_hash(normalized_text(text))


def known_urls(session: Session, urls: Sequence[str]) -> dict[str, dt.datetime | None]:
    """Stored ones among ``urls`` (normalised), each with the time its copy is current as of."""
    known: dict[str, dt.datetime | None] = {}
    unique = list(dict.fromkeys(urls))
    for chunk in in_chunks(unique):
        rows = session.execute(
            select(Article.url_normalized, Article.entry_updated, Article.fetched_at).where(
                Article.url_normalized.in_(chunk)
            )
        )
        for key, entry_updated, fetched_at in rows:
            known[key] = entry_updated or fetched_at
    return known


@dataclass(frozen=True)
class ArticleToSave:
    """One extracted article with the feed entry it came from, waiting for its transaction."""

    extracted: ExtractedArticle
    source: str | None
    url_normalized: str | None = None
    entry_updated: dt.datetime | None = None
    entry_published: dt.datetime | None = None

    @property
    def key(self) -> str:
        return self.url_normalized or normalize_url(self.extracted.url)


def save_article(
    session: Session,
    extracted: ExtractedArticle,
    *,
    source: str | None,
    url_normalized: str | None = None,
    entry_updated: dt.datetime | None = None,
    entry_published: dt.datetime | None = None,
) -> tuple[Article, bool]:
    """Insert or refresh an article; returns it and whether its text is new (needs analysis)."""
    item = ArticleToSave(extracted, source, url_normalized, entry_updated, entry_published)
    source_id = None
    if source:
        source_id = session.scalar(select(Source.id).where(Source.name == source))
    existing = session.scalars(
        select(Article).where(Article.url_normalized == item.key)
    ).one_or_none()
    article, changed = _apply(session, item, existing, source_id)
    session.flush()
    return article, changed


def save_articles(session: Session, items: Sequence[ArticleToSave]) -> list[bool]:
    """``save_article`` for many at once (two look-up queries in all); whether each text is new."""
    names = {i.source for i in items if i.source}
    source_ids = (
        dict(session.execute(select(Source.name, Source.id).where(Source.name.in_(names))).all())
        if names
        else {}
    )
    keys = list(dict.fromkeys(i.key for i in items))
    existing: dict[str, Article] = {}
    for chunk in in_chunks(keys):
        for row in session.scalars(select(Article).where(Article.url_normalized.in_(chunk))):
            existing[row.url_normalized] = row
    changed: list[bool] = []
    for item in items:
        article, is_new_text = _apply(
            session, item, existing.get(item.key), source_ids.get(item.source or "")
        )
        existing[item.key] = article  # the same URL twice in one batch: the later one refreshes
        changed.append(is_new_text)
    session.flush()
    return changed


def _apply(
    session: Session, item: ArticleToSave, article: Article | None, source_id: int | None
) -> tuple[Article, bool]:
    extracted = item.extracted
    digest = text_hash(extracted.text)
    changed = article is None or article.text_hash != digest
    if article is None:
        article = Article(url_normalized=item.key, url=extracted.url, source_id=source_id)
        session.add(article)
    article.url = extracted.url
    article.canonical_url = extracted.canonical_url
    article.domain = domain_of(extracted.canonical_url) or domain_of(extracted.url)
    article.site_name = extracted.site_name
    article.title = extracted.title
    article.authors = list(extracted.authors)
    published, published_from = extracted.published, extracted.published_from
    if item.entry_published and published_from not in DECLARED_DATE_SOURCES:
        published, published_from = item.entry_published, "feed"  # outranks URL and dateline
    if published is not None or article.published is None:
        article.published, article.published_from = published, published_from
    article.updated = extracted.updated
    article.entry_updated = item.entry_updated or article.entry_updated
    article.fetched_at = utcnow()
    article.language = extracted.language
    article.attributed_publisher = extracted.attributed_publisher
    article.original_url = extracted.original_url
    if changed:
        article.text = extracted.text
        article.text_hash = digest
        article.analysed_at = None
        article.text_dropped_at = None
    return article, changed


def pending_article_ids(session: Session, limit: int = 500) -> list[int]:
    """Ids of the articles whose current text has not been analysed, oldest statement first.

    Ids only: the analysis reads each article afresh under its lock, so loading the rows (and
    their text) here would only be thrown away.
    """
    return list(
        session.scalars(
            select(Article.id)
            .where(Article.analysed_at.is_(None), Article.text.is_not(None))
            .order_by(func.coalesce(Article.published, Article.fetched_at), Article.id)
            .limit(limit)
        )
    )
