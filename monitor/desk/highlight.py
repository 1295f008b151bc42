"""The evidence sentence of a claim cut into spans: actor, stance cue, issue cue, plain text.

The rule engine's explain machinery is run again on the stored sentence; the claim it finds for
the same issue and stance gives the spans. When the holder is outside the sentence (a pronoun or
a quote's speaker carried from earlier), that is said rather than highlighted.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.judge.rules import RuleSet
from monitor.judge.rules.explain import explain
from monitor.judge.rules.results import ClaimFound
from monitor.store.models import Claim


@dataclass(frozen=True)
class Highlighted:
    """Segments of the sentence (``kind`` None for plain text) and how the claim was made."""

    segments: tuple[tuple[str, str | None], ...]
    rule: str | None
    how: str | None
    actor_outside: bool
    matched: bool


def segments(
    text: str, spans: dict[str, tuple[int, int] | None]
) -> tuple[tuple[str, str | None], ...]:
    """Cut ``text`` at the given spans; overlapping spans keep the first one that starts."""
    marks = sorted(
        (start, end, kind)
        for kind, span in spans.items()
        if span is not None
        for start, end in [span]
        if 0 <= start < end <= len(text)
    )
    out: list[tuple[str, str | None]] = []
    at = 0
    for start, end, kind in marks:
        if start < at:
            continue
        if start > at:
            out.append((text[at:start], None))
        out.append((text[start:end], kind))
        at = end
    if at < len(text):
        out.append((text[at:], None))
    return tuple(out)


def _match(found: list[ClaimFound], claim: Claim) -> ClaimFound | None:
    for candidate in found:
        if (candidate.issue, candidate.stance, candidate.side) == (
            claim.issue,
            claim.stance,
            claim.side,
        ):
            return candidate
    return None


def highlight_claim(claim: Claim, ruleset: RuleSet) -> Highlighted:
    """Spans of the claim's evidence sentence as the current rules see it."""
    text = claim.evidence
    found: list[ClaimFound] = []
    day = claim.statement_date or claim.created_at.date()
    for sentence in explain(text, day, ruleset):
        found.extend(sentence.claims)
    hit = _match(found, claim)
    if hit is None:
        # The rules no longer find it in the sentence alone (context carried from the article,
        # or the rules changed): the sentence is shown plain, with the stored rule.
        return Highlighted(((text, None),), claim.rule, None, False, False)
    spans = {"actor": hit.actor_span, "stance": hit.stance_span, "issue": hit.issue_span}
    return Highlighted(
        segments(hit.evidence, spans), hit.rule, hit.how, hit.actor_span is None, True
    )
