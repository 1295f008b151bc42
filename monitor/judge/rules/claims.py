"""Claim extraction: who (of a tracked side) demands, rejects or accepts what, in which sentence.

The flow per article: scan the text once for every cue layer (actors, stances, issues...), split
only the paragraphs holding both a stance and an issue cue into sentences, and analyse those
sentences (``analysis.py``). ``explain`` runs the same analysis over every sentence.
"""

from __future__ import annotations

import datetime as dt
import logging
from bisect import bisect_right
from collections.abc import Sequence

from monitor.judge.rules.analysis import SentenceAnalysis
from monitor.judge.rules.article import ArticleScan
from monitor.judge.rules.loader import NOT_A_STANCE, RuleSet
from monitor.judge.rules.results import ClaimFound, SentenceResult
from monitor.judge.rules.sentences import Span, paragraphs, sentences

logger = logging.getLogger(__name__)

__all__ = ["ClaimFound", "SentenceResult", "analyse", "extract_claims"]


def analyse(
    text: str,
    article_date: dt.date,
    ruleset: RuleSet,
    title: str | None = None,
    every_sentence: bool = False,
) -> list[SentenceResult]:
    """Per-sentence results; by default only sentences that hold a stance and an issue cue."""
    full = f"{title.strip()}\n{text}" if title and title.strip() else text
    title_end = len(title.strip()) if title and title.strip() else -1
    article = ArticleScan(full, ruleset)
    stance_starts = sorted(
        [m.start for m in article.stances if m.label != NOT_A_STANCE]
        + [m.start for m in article.found["conditions"]]
    )
    issue_starts = [m.start for m in article.issues]
    results: list[SentenceResult] = []
    for paragraph in paragraphs(full):
        if not every_sentence and not (
            _any_in(stance_starts, paragraph) and _any_in(issue_starts, paragraph)
        ):
            continue
        for sentence in sentences(full, paragraph):
            if not every_sentence and not (
                _any_in(stance_starts, sentence) and _any_in(issue_starts, sentence)
            ):
                continue
            analysis = SentenceAnalysis(
                article, paragraph, sentence, article_date, in_title=sentence.end <= title_end
            )
            results.append(analysis.run())
    return results


def _any_in(starts: Sequence[int], span: Span) -> bool:
    index = bisect_right(starts, span.start - 1)
    return index < len(starts) and starts[index] < span.end


def extract_claims(
    text: str, article_date: dt.date, ruleset: RuleSet, title: str | None = None
) -> list[ClaimFound]:
    """Every claim of a tracked side in an article, in text order."""
    claims = [
        claim
        for result in analyse(text, article_date, ruleset, title)
        for claim in result.claims
        if claim.side in ruleset.tracked_sides
    ]
    logger.debug("%d claims found", len(claims))
    return claims
