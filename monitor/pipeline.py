"""The whole judging flow in one place: relevance -> dedup -> claims -> ledger -> outbox.

``process`` takes one stored article through every stage inside the caller's transaction,
so an article's analysis is committed whole or not at all.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from monitor import store
from monitor.config import AppConfig
from monitor.models import Article, utcnow
from monitor.relevance import RelevanceFilter

logger = logging.getLogger(__name__)


@dataclass
class AnalysisContext:
    """What every stage needs, built once per process from the configuration."""

    config: AppConfig
    relevance: RelevanceFilter

    @classmethod
    def build(cls, config: AppConfig) -> AnalysisContext:
        return cls(config=config, relevance=RelevanceFilter(config.topic.relevance))


@dataclass(frozen=True)
class Outcome:
    """What happened to one article, for counters and the CLI."""

    article_id: int
    relevant: bool
    reason: str


def process(session: Session, article: Article, ctx: AnalysisContext) -> Outcome:
    """Take one stored article through every stage."""
    verdict = ctx.relevance.judge(article.title, article.text or "")
    article.relevant = verdict.relevant
    article.analysed_at = utcnow()
    return Outcome(article_id=article.id, relevant=verdict.relevant, reason=verdict.reason)


def analyse_pending(factory: sessionmaker[Session], ctx: AnalysisContext) -> Counter[str]:
    """Analyse every stored article not analysed yet; one failure never stops the rest."""
    counters: Counter[str] = Counter()
    failed: set[int] = set()
    while True:
        with factory() as session:
            batch = [a.id for a in store.pending_articles(session) if a.id not in failed]
        if not batch:
            return counters
        for article_id in batch:
            try:
                with factory.begin() as session:
                    article = session.get(Article, article_id)
                    if article is None or article.analysed_at is not None:
                        continue
                    outcome = process(session, article, ctx)
            except Exception:
                logger.exception("analysis of article %s failed; it stays pending", article_id)
                failed.add(article_id)
                counters["analysis_failed"] += 1
                continue
            counters["analysed"] += 1
            counters["relevant" if outcome.relevant else "irrelevant"] += 1
