"""The store's named queries under one name, for callers written before the split.

New code imports the module it needs (``articles``, ``sources``, ``runs``, ``sink``,
``listings``) so a read command does not pay for the crawler's and dedup's imports.
"""

from monitor.store.articles import (
    URL_QUERY_CHUNK,
    ArticleToSave,
    known_urls,
    pending_article_ids,
    save_article,
    save_articles,
    text_hash,
)
from monitor.store.listings import articles_for_export, stories_since
from monitor.store.runs import finish_run, start_run
from monitor.store.sink import StoreSink
from monitor.store.sources import record_poll, record_validators, source_health, sync_sources

__all__ = [
    "URL_QUERY_CHUNK",
    "ArticleToSave",
    "StoreSink",
    "articles_for_export",
    "finish_run",
    "known_urls",
    "pending_article_ids",
    "record_poll",
    "record_validators",
    "save_article",
    "save_articles",
    "source_health",
    "start_run",
    "stories_since",
    "sync_sources",
    "text_hash",
]
