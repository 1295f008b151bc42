"""Dedup: exact and near-duplicate detection of syndicated copies, without a database.

``fingerprint(text)`` computes what is stored with an article (normalised-text hash and sketch
signature); ``Deduplicator`` holds the candidate index and verifies candidates with rapidfuzz.
``monitor/stories.py`` wires this to the database.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from monitor.judge.dedup.fingerprint import from_bytes, sketch, text_hash, to_bytes
from monitor.judge.dedup.index import Candidate, SketchIndex
from monitor.judge.dedup.normalize import normalized_text, tokens
from monitor.judge.dedup.verify import Verdict, VerifyConfig, verify

logger = logging.getLogger(__name__)

__all__ = [
    "Candidate",
    "Deduplicator",
    "Fingerprint",
    "Match",
    "SketchIndex",
    "StoredText",
    "Verdict",
    "VerifyConfig",
    "fingerprint",
    "from_bytes",
    "normalized_text",
    "tokens",
    "verify",
]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What dedup needs of one text: its tokens, exact hash and sketch."""

    tokens: list[str]
    text_hash: str
    keys: np.ndarray

    @property
    def signature(self) -> bytes:
        """The sketch as stored in ``articles.signature``."""
        return to_bytes(self.keys)


def fingerprint(text: str) -> Fingerprint:
    """Normalise and fingerprint an article text."""
    words = tokens(text)
    return Fingerprint(words, text_hash(" ".join(words)), sketch(words))


@dataclass(frozen=True, slots=True)
class StoredText:
    """A stored article's text and publisher (domain), as the verifier needs them."""

    text: str
    publisher: str | None = None


@functools.lru_cache(maxsize=512)
def _stored_tokens(text: str) -> tuple[str, ...]:
    """Stored texts recur as candidates of many new articles: tokenise each once."""
    return tuple(tokens(text))


@dataclass(frozen=True, slots=True)
class Match:
    """A stored article that the new text copies (or is copied by)."""

    article_id: int
    verdict: Verdict
    candidate: Candidate


class Deduplicator:
    """The candidate index plus the verifier: which stored article is this text a copy of."""

    def __init__(
        self,
        index: SketchIndex | None = None,
        *,
        config: VerifyConfig | None = None,
        max_candidates: int = 8,
        min_score: float = 0.5,
    ) -> None:
        self.index = index if index is not None else SketchIndex()
        self.config = config or VerifyConfig()
        self.max_candidates = max_candidates
        self.min_score = min_score

    def find(
        self,
        fp: Fingerprint,
        load: Callable[[Sequence[int]], Mapping[int, StoredText]],
        *,
        publisher: str | None = None,
        exclude: int | None = None,
    ) -> Match | None:
        """The best verified copy among the index's candidates, or None."""
        hits = self.index.query(fp.keys, min_score=self.min_score, limit=self.max_candidates)
        candidates = [c for c in hits if c.article_id != exclude]
        if not candidates:
            return None
        stored = load([c.article_id for c in candidates])
        for cand in candidates:
            other = stored.get(cand.article_id)
            if other is None:
                continue
            same = publisher is not None and publisher == other.publisher
            verdict = verify(
                fp.tokens, _stored_tokens(other.text), same_publisher=same, config=self.config
            )
            logger.debug("candidate %d: %s", cand.article_id, verdict)
            if verdict.is_copy:
                return Match(cand.article_id, verdict, cand)
        return None

    def add(self, article_id: int, fp: Fingerprint) -> None:
        """Make a stored article findable."""
        self.index.add(article_id, fp.keys)
