"""Re-run relevance, story analysis, rules and the ledger over stored articles.

Rules are data and change; without this a rules change would only reach new articles, and the
table would mix old and new judgements forever. Articles are re-judged in date order, one
transaction per batch; then the whole ledger is replayed once (``timeline.rebuild``), so the
result equals a fresh database that ingested the same articles with the current rules. Events
that still hold keep their ids and alert history, vanished ones are retracted, new ones are
backfilled (never sent one by one). A second run changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.judge.ledger import timeline
from monitor.judge.ledger.decide import PositionSummary
from monitor.judge.rules import extract_claims
from monitor.judge.stories import assign_story
from monitor.pipeline import AnalysisContext
from monitor.store.models import Article, Claim, utcnow

logger = logging.getLogger(__name__)

BATCH = 200


@dataclass
class ReanalyseReport:
    """What a reanalysis changed (or would change, with ``--dry-run``)."""

    articles: int = 0
    relevance_changed: int = 0
    claims_added: list[tuple[int, str, str, str]] = field(default_factory=list)
    claims_removed: list[tuple[int, str, str, str]] = field(default_factory=list)
    ledger: timeline.RebuildReport = field(default_factory=timeline.RebuildReport)

    @property
    def changed(self) -> bool:
        ledger = self.ledger
        return bool(
            self.relevance_changed
            or self.claims_added
            or self.claims_removed
            or ledger.added
            or ledger.retracted
            or ledger.restored
            or ledger.positions_changed
        )

    def lines(self) -> list[str]:
        """The human summary the CLI prints."""
        ledger = self.ledger
        backfilled = sum(1 for e in ledger.added if e.backfilled)
        out = [
            f"articles re-analysed: {self.articles} (relevance changed on {self.relevance_changed})",
            f"claims: +{len(self.claims_added)} -{len(self.claims_removed)}",
            f"events: +{len(ledger.added)} ({backfilled} backfilled), "
            f"retracted {len(ledger.retracted)}, restored {len(ledger.restored)}, "
            f"updated {len(ledger.updated)}",
            f"positions changed: {len(ledger.positions_changed)}",
        ]
        for article_id, side, issue, stance in self.claims_added:
            out.append(f"  + claim {side} {issue} {stance} (article {article_id})")
        for article_id, side, issue, stance in self.claims_removed:
            out.append(f"  - claim {side} {issue} {stance} (article {article_id})")
        for event in ledger.added:
            out.append(
                f"  + event {event.type} {event.side} {event.issue} {event.stance} "
                f"{event.statement_date}" + (" [backfilled]" if event.backfilled else "")
            )
        for event in ledger.retracted:
            out.append(
                f"  - event #{event.id} {event.type} {event.side} {event.issue} {event.stance} "
                f"{event.statement_date} [retracted]"
            )
        for (side, issue), before, after in ledger.positions_changed:
            out.append(f"  ~ position {side} {issue}: {_show(before)} -> {_show(after)}")
        if not self.changed:
            out.append("nothing changed")
        return out


def _show(summary: PositionSummary | None) -> str:
    if summary is None:
        return "none"
    return f"{summary.stance} since {summary.since} (last {summary.last_stated})"


def reanalyse(
    factory: sessionmaker[Session],
    ctx: AnalysisContext,
    *,
    since: dt.datetime | None = None,
    dry_run: bool = False,
    batch: int = BATCH,
    now: dt.datetime | None = None,
) -> ReanalyseReport:
    """Re-judge stored articles (published, else first fetched, on or after ``since``)."""
    report = ReanalyseReport()
    with factory() as session:
        try:
            day = func.coalesce(Article.published, Article.fetched_at)
            query = select(Article.id).where(Article.text.is_not(None)).order_by(day, Article.id)
            if since is not None:
                query = query.where(day >= since)
            ids = list(session.scalars(query))
            for start in range(0, len(ids), batch):
                for article_id in ids[start : start + batch]:
                    article = session.get(Article, article_id)
                    if article is not None:
                        _judge(session, article, ctx, report)
                _end_batch(session, dry_run)
            report.ledger = timeline.rebuild(
                session,
                ctx.config,
                keys=None,
                live=False,
                now=now,
                ruleset=ctx.ruleset,
                reason="no longer holds after reanalysis",
            )
            report.ledger.decisions = {}
            _end_batch(session, dry_run)
        finally:
            session.rollback()  # a dry run's changes, or a failed batch's, are dropped
    return report


def _end_batch(session: Session, dry_run: bool) -> None:
    """One transaction per batch; a dry run keeps one open and rolls it back at the end."""
    if dry_run:
        session.flush()
        return
    session.commit()
    session.expunge_all()


def _judge(
    session: Session, article: Article, ctx: AnalysisContext, report: ReanalyseReport
) -> None:
    """One article: relevance, its story, its claims (reconciled by identity); no ledger yet."""
    report.articles += 1
    verdict = ctx.relevance.judge(article.title, article.text or "")
    if article.relevant != verdict.relevant:
        report.relevance_changed += 1
    article.relevant = verdict.relevant
    article.analysed_at = utcnow()
    found = []
    if verdict.relevant:
        if article.story_id is None:
            assign_story(session, article, index=ctx.story_index)
        if article.duplicate_of is None:
            day = (article.published or article.fetched_at).date()
            found = extract_claims(article.text or "", day, ctx.ruleset, title=article.title)
    before = {
        (c.side, c.issue, c.stance, c.evidence): c.id
        for c in session.scalars(select(Claim).where(Claim.article_id == article.id))
    }
    changes = timeline.store_claims(
        session, article, found, ctx.ruleset, dated=article.published is not None
    )
    for claim in changes.added:
        report.claims_added.append((article.id, claim.side, claim.issue, claim.stance))
    for (side, issue, stance, _evidence), claim_id in before.items():
        if any(removed == claim_id for removed, _ in changes.removed):
            report.claims_removed.append((article.id, side, issue, stance))
