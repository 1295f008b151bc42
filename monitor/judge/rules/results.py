"""What the rule engine returns: claims with their evidence, and per-sentence results."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ClaimFound:
    """One claim: a tracked side's stance on an issue, with the sentence and rule behind it.

    Spans are character offsets in ``evidence`` (``None`` when the holder is outside it).
    """

    side: str
    actor: str
    issue: str
    stance: str
    evidence: str
    statement_date: dt.date
    confidence: float
    reported: bool
    rule: str
    sentence_start: int = 0
    actor_span: tuple[int, int] | None = None
    stance_span: tuple[int, int] = (0, 0)
    issue_span: tuple[int, int] = (0, 0)
    how: str = "subject"


@dataclass(slots=True)
class SentenceResult:
    """What the engine concluded about one sentence (the explain command renders this)."""

    start: int
    end: int
    text: str
    claims: list[ClaimFound] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
