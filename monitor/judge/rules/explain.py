"""Why the engine did or did not find a claim in each sentence: for analysts tuning the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from monitor.judge.rules.claims import ClaimFound, analyse
from monitor.judge.rules.loader import RuleSet


def _mark(text: str, span: tuple[int, int] | None) -> str:
    if span is None:
        return "(outside the sentence)"
    start, end = span
    return f"[{text[start:end]}]@{start}-{end}"


@dataclass(frozen=True, slots=True)
class SentenceExplanation:
    """One sentence, its claims, and the reasons other cues gave nothing."""

    sentence: str
    claims: tuple[ClaimFound, ...]
    reasons: tuple[str, ...]
    tracked_sides: frozenset[str]

    def render(self) -> str:
        """Plain text: the sentence, then each claim with its spans, or why there is none."""
        lines = [f"> {self.sentence}"]
        for claim in self.claims:
            untracked = "" if claim.side in self.tracked_sides else " (side not tracked)"
            lines.append(
                f"  CLAIM {claim.side}/{claim.issue}/{claim.stance}{untracked} "
                f"actor={claim.actor} date={claim.statement_date.isoformat()} "
                f"confidence={claim.confidence:.2f}{' reported' if claim.reported else ''}"
            )
            lines.append(f"    rule: {claim.rule}")
            lines.append(
                f"    spans: actor {_mark(claim.evidence, claim.actor_span)}, "
                f"stance {_mark(claim.evidence, claim.stance_span)}, "
                f"issue {_mark(claim.evidence, claim.issue_span)}"
            )
        if not self.claims:
            lines.append("  no claim: " + "; ".join(self.reasons))
        elif self.reasons:
            lines.append("  also: " + "; ".join(self.reasons))
        return "\n".join(lines)


def explain(
    text: str, article_date: dt.date, ruleset: RuleSet, title: str | None = None
) -> list[SentenceExplanation]:
    """Every sentence of the text with its claims or the reasons it has none."""
    return [
        SentenceExplanation(
            result.text, tuple(result.claims), tuple(result.reasons), ruleset.tracked_sides
        )
        for result in analyse(text, article_date, ruleset, title, every_sentence=True)
    ]


def render(explanations: list[SentenceExplanation]) -> str:
    """All explanations as one plain-text block (what `newsmon rules explain` prints)."""
    return "\n".join(e.render() for e in explanations)
