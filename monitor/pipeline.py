"""The whole judging flow in one place: relevance -> dedup -> claims -> ledger -> outbox.

``process`` takes one stored article through every stage inside the caller's transaction,
so an article's analysis (its story, claims, positions, events and alert rows) is committed
whole or not at all: a crash can never leave an event without its alert.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from monitor.config import AppConfig
from monitor.deliver import outbox
from monitor.judge.ledger import book as positions
from monitor.judge.ledger import timeline
from monitor.judge.ledger.decide import Decision, Kind
from monitor.judge.relevance import RelevanceFilter
from monitor.judge.rules import RuleSet, extract_claims, topic_ruleset
from monitor.judge.rules.results import ClaimFound
from monitor.judge.stories import StoryIndex, assign_story, lock_story_assignment
from monitor.store.articles import pending_article_ids
from monitor.store.models import Article, Claim, utcnow

logger = logging.getLogger(__name__)


@dataclass
class AnalysisContext:
    """What every stage needs, built once per process from the configuration."""

    config: AppConfig
    relevance: RelevanceFilter
    ruleset: RuleSet
    story_index: StoryIndex

    @classmethod
    def build(cls, config: AppConfig, factory: sessionmaker[Session]) -> AnalysisContext:
        """Build the context once per process; the topic's baseline positions are stored."""
        ruleset = topic_ruleset(config.topic.rules, config.topic_path)
        with factory.begin() as session:
            positions.seed_baseline(session, ruleset)
            engine = session.get_bind()
        return cls(
            config=config,
            relevance=RelevanceFilter(config.topic.relevance),
            ruleset=ruleset,
            story_index=StoryIndex.shared(engine),  # type: ignore[arg-type]
        )


@dataclass
class Outcome:
    """What happened to one article, for counters and the CLI."""

    article_id: int
    relevant: bool
    reason: str
    story_id: int | None = None
    relation: str | None = None
    claims: int = 0
    events: list[str] = field(default_factory=list)
    alerts: int = 0
    decisions: list[Decision] = field(default_factory=list)


def process(
    session: Session, article: Article, ctx: AnalysisContext, *, live: bool = True
) -> Outcome:
    """Take one stored article through every stage; ``live=False`` backfills its events."""
    verdict = ctx.relevance.judge(article.title, article.text or "")
    article.relevant = verdict.relevant
    article.analysed_at = utcnow()
    outcome = Outcome(article_id=article.id, relevant=verdict.relevant, reason=verdict.reason)
    if not verdict.relevant:
        outcome.events = _drop_claims(session, article, ctx, live=live)
        return outcome

    story = assign_story(session, article, index=ctx.story_index)
    outcome.story_id, outcome.relation = story.story_id, story.relation
    dated = article.published is not None
    day = (article.published or article.fetched_at).date()
    if not story.is_original or story.switched_original:
        # A copy adds "also on" to its story; an original arriving after its copy takes the
        # story over, but the same text was analysed already: claims come once per story.
        outcome.alerts += len(outbox.enqueue_copy_alerts(session, article))
        if story.is_original:
            return outcome
        # Only what the story's analysed text lacks: a rewrite, translation or longer window
        # may carry a claim the original does not.
        found = _claims_story_lacks(session, article, story.story_id, day, ctx)
        if not found:
            return outcome
    else:
        # A re-fetched article with changed text is analysed again in its story; claims that
        # stay keep their ids (and an analyst's retraction), the ledger is replayed around them.
        found = extract_claims(article.text or "", day, ctx.ruleset, title=article.title)
    changes = timeline.store_claims(session, article, found, ctx.ruleset, dated=dated)
    report = timeline.rebuild(
        session, ctx.config, keys=changes.keys, live=live, ruleset=ctx.ruleset
    )
    outcome.claims = len(changes.claims)
    outcome.events = [event.type for event in report.added]
    outcome.alerts += report.alerts_queued
    outcome.decisions = [report.decisions[c.id] for c in changes.claims if c.id in report.decisions]
    if live:
        latest = {key: summary for key, summary in report.positions_after.items()}
        for claim in changes.claims:
            decision = report.decisions.get(claim.id)
            summary = latest.get((claim.side, claim.issue))
            if (
                decision is not None
                and decision.kind is Kind.REITERATION
                and summary is not None
                and summary.last_stated == decision.claim.statement_date
            ):
                outcome.alerts += len(outbox.enqueue_reiteration_alerts(session, claim))
    return outcome


def _claims_story_lacks(
    session: Session, article: Article, story_id: int, day: dt.date, ctx: AnalysisContext
) -> list[ClaimFound]:
    """Claims in a member's text whose (side, issue, stance) no other member of its story has."""
    found = extract_claims(article.text or "", day, ctx.ruleset, title=article.title)
    if not found:
        return []
    known = set(
        session.execute(
            select(Claim.side, Claim.issue, Claim.stance).where(
                Claim.story_id == story_id, Claim.article_id != article.id
            )
        ).all()
    )
    return [c for c in found if (c.side, c.issue, c.stance) not in known]


def _drop_claims(
    session: Session, article: Article, ctx: AnalysisContext, *, live: bool
) -> list[str]:
    """An article no longer relevant loses its claims; the ledger is replayed without them."""
    changes = timeline.store_claims(session, article, [], ctx.ruleset, dated=True)
    if not changes.removed:
        return []
    report = timeline.rebuild(
        session, ctx.config, keys=changes.keys, live=live, ruleset=ctx.ruleset
    )
    return [event.type for event in report.added]


def analyse_pending(factory: sessionmaker[Session], ctx: AnalysisContext) -> Counter[str]:
    """Analyse every stored article not analysed yet, oldest first; one failure never stops the rest."""
    counters: Counter[str] = Counter()
    failed: set[int] = set()
    while True:
        with factory() as session:
            batch = [i for i in pending_article_ids(session) if i not in failed]
        if not batch:
            return counters
        for article_id in batch:
            try:
                with factory.begin() as session:
                    # Analysis is serialised across processes (crawls, ingest, the daemon's
                    # worker): the lock first, then the article read afresh, so an article
                    # another process analysed meanwhile is skipped, never analysed twice.
                    lock_story_assignment(session)
                    article = session.get(Article, article_id, populate_existing=True)
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
            if outcome.relation in ("copy", "rewrite", "translation"):
                counters["duplicates"] += 1
            counters["claims"] += outcome.claims
            counters["events"] += len(outcome.events)
            counters["alerts_queued"] += outcome.alerts
