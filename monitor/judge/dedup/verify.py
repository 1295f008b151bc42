"""Verification of a candidate pair: is one text a copy of the other, and why (or why not).

rapidfuzz aligns the two token sequences (LCS); only aligned runs of at least ``min_run`` words
count, so words that two different articles share by chance ("the", "said", "on Tuesday") do
not add up to a copy. ``containment`` is the share of the shorter text found in the longer one,
``novelty`` the share of the longer text that the shorter one does not have.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rapidfuzz.distance import LCSseq

from monitor.judge.dedup.sentences import MIN_SENTENCE_WORDS, Sentence, sentence_cover

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class VerifyConfig:
    """Thresholds of the copy decision (the update threshold is the product's configurable one)."""

    min_containment: float = 0.8  # share of the shorter text found in the longer one
    min_length_ratio: float = 0.33  # a window shorter than this of the longer text is a quote
    max_update_novelty: float = 0.4  # same publisher: more new text than this is a new article
    min_run: int = 4  # aligned runs shorter than this many words are chance
    min_words: int = 25  # texts shorter than this are never near-duplicates (exact hash only)
    min_cover: float = 0.45  # share of the shorter text's own (unquoted) sentences in the other
    sentence_ratio: float = 80.0  # rapidfuzz ratio at which two sentences are one, edited
    min_matched_sentences: int = 2  # sentences found, for a text that has at least this many

    def __post_init__(self) -> None:
        for name in ("min_containment", "min_length_ratio", "max_update_novelty", "min_cover"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"VerifyConfig.{name} must be within [0, 1], got {value!r}")
        if self.min_run < 1 or self.min_words < 1 or self.min_matched_sentences < 1:
            raise ValueError("VerifyConfig.min_run, min_words, min_matched_sentences must be >= 1")


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision on one pair, with the figures behind it."""

    is_copy: bool
    # copies: exact | near_duplicate | contained;
    # not copies: low_overlap | quoted_fragment | update_new_text | too_short
    reason: str
    containment: float
    novelty: float
    length_ratio: float


def aligned_words(a: Sequence[str], b: Sequence[str], min_run: int) -> int:
    """Words of ``a`` aligned to ``b`` in runs of at least ``min_run`` words."""
    blocks = LCSseq.editops(a, b).as_matching_blocks()
    return sum(block.size for block in blocks if block.size >= min_run)


def verify(
    a: Sequence[str],
    b: Sequence[str],
    *,
    same_publisher: bool = False,
    config: VerifyConfig | None = None,
) -> Verdict:
    """Decide whether token lists ``a`` and ``b`` (see ``normalize.tokens``) are one article."""
    cfg = config or VerifyConfig()
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if not short:
        return Verdict(False, "too_short", 0.0, 1.0, 0.0)
    ratio = len(short) / len(long_)
    if list(a) == list(b):
        return Verdict(True, "exact", 1.0, 0.0, 1.0)
    if len(short) < cfg.min_words:
        return Verdict(False, "too_short", 0.0, 1.0, ratio)
    common = aligned_words(short, long_, cfg.min_run)
    containment = common / len(short)
    novelty = 1.0 - common / len(long_)
    if containment < cfg.min_containment:
        return Verdict(False, "low_overlap", containment, novelty, ratio)
    if ratio < cfg.min_length_ratio:
        return Verdict(False, "quoted_fragment", containment, novelty, ratio)
    if same_publisher and novelty > cfg.max_update_novelty:
        return Verdict(False, "update_new_text", containment, novelty, ratio)
    reason = "near_duplicate" if novelty <= 1.0 - cfg.min_containment else "contained"
    return Verdict(True, reason, containment, novelty, ratio)


def verify_sentences(
    a: Sequence[Sentence],
    b: Sequence[Sentence],
    *,
    same_publisher: bool = False,
    config: VerifyConfig | None = None,
    weigh: Callable[[Sequence[Sentence]], list[float]] | None = None,
) -> Verdict:
    """Copy by sentences: the shorter text's unquoted sentences found, edited or not, in the other.

    Survives windows, reordered paragraphs, word edits and transliterations; quotes shared by
    independent reports do not count. ``weigh`` (IDF per sentence) makes rare words count more.
    """
    cfg = config or VerifyConfig()
    na, nb = sum(len(s.words) for s in a), sum(len(s.words) for s in b)
    short, long_ = (a, b) if na <= nb else (b, a)
    n_short, n_long = min(na, nb), max(na, nb)
    ratio = n_short / n_long if n_long else 0.0
    if sum(len(s.all_words) for s in short) < cfg.min_words:
        return Verdict(False, "too_short", 0.0, 1.0, ratio)
    cover, cover_long, matched = sentence_cover(
        list(short), list(long_), min_ratio=cfg.sentence_ratio, weigh=weigh
    )
    novelty = 1.0 - cover_long
    # Two short reports sharing one stock sentence are not one article: a text of a few
    # sentences needs two of them found (one if it has one whole one, like a preview cut off).
    countable = sum(len(s.words) >= MIN_SENTENCE_WORDS and not s.cut for s in short)
    if cover < cfg.min_cover or matched < min(countable, cfg.min_matched_sentences) or not matched:
        return Verdict(False, "low_overlap", cover, novelty, ratio)
    if same_publisher and novelty > cfg.max_update_novelty:
        return Verdict(False, "update_new_text", cover, novelty, ratio)
    reason = "near_duplicate" if novelty <= 1.0 - cfg.min_containment else "contained"
    return Verdict(True, reason, cover, novelty, ratio)
