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

from monitor.judge.dedup.fingerprint import from_bytes, sketch, text_hash, to_bytes, token_hashes
from monitor.judge.dedup.index import Candidate, SketchIndex
from monitor.judge.dedup.normalize import content_lines, normalized_text, tokens, tokens_of_lines
from monitor.judge.dedup.sentences import Sentence, fold_word, sentences
from monitor.judge.dedup.verify import Verdict, VerifyConfig, verify, verify_sentences

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
    "verify_sentences",
]


@dataclass(frozen=True, slots=True)
class Fingerprint:
    """What dedup needs of one text: its tokens, exact hash and sketch."""

    tokens: list[str]
    text_hash: str
    keys: np.ndarray
    lines: tuple[str, ...] = ()  # content lines: sentences are split from them when needed

    def sentences(self) -> tuple[Sentence, ...]:
        """The text's comparable sentences (only articles with candidates need them)."""
        return _sentences_of_lines(self.lines)

    @property
    def signature(self) -> bytes:
        """The sketch as stored in ``articles.signature``."""
        return to_bytes(self.keys)


def fingerprint(text: str) -> Fingerprint:
    """Normalise and fingerprint an article text."""
    lines = content_lines(text)
    words = tokens_of_lines(lines)
    return Fingerprint(words, text_hash(" ".join(words)), sketch(words), tuple(lines))


@functools.lru_cache(maxsize=64)
def _sentences_of_lines(lines: tuple[str, ...]) -> tuple[Sentence, ...]:
    return tuple(sentences("", lines))


@dataclass(frozen=True, slots=True)
class StoredText:
    """A stored article's text and publisher (domain), as the verifier needs them."""

    text: str
    publisher: str | None = None


@functools.lru_cache(maxsize=1024)
def _stored_sentences(text: str) -> tuple[Sentence, ...]:
    """Stored texts recur as candidates of many new articles: split each once."""
    return tuple(sentences(text))


@functools.lru_cache(maxsize=512)
def _stored_tokens(text: str) -> tuple[str, ...]:
    """Tokens of a stored text, for the word-alignment check."""
    return tuple(tokens(text))


class DocFrequency:
    """How many stored articles hold each word, in a fixed table of hashed buckets (4 MB).

    Rare words (names, numbers, places) weigh more in the copy test than common ones. The
    table is updated as articles are added, so it costs one increment per distinct word and
    never grows; bucket collisions only make a rare word look a little more common.
    """

    def __init__(self, buckets: int = 1 << 20) -> None:
        self.counts = np.zeros(buckets, dtype=np.uint32)
        self.docs = 0

    def _slots(self, words: Sequence[str]) -> np.ndarray:
        return (token_hashes(words) % np.uint64(len(self.counts))).astype(np.int64)

    def add(self, words: set[str]) -> None:
        """Count one article's distinct words."""
        self.docs += 1
        if words:
            np.add.at(self.counts, np.unique(self._slots(list(words))), 1)

    def add_many(self, docs: Sequence[set[str]]) -> None:
        """``add`` for many articles at once: each distinct word is hashed once for all of them."""
        self.docs += len(docs)
        vocab = list(set().union(*docs))
        if not vocab:
            return
        slot_of = dict(zip(vocab, self._slots(vocab).tolist(), strict=True))
        flat = [slot for words in docs for slot in {slot_of[w] for w in words}]
        counts = np.bincount(np.asarray(flat, dtype=np.int64), minlength=len(self.counts))
        self.counts += counts.astype(np.uint32)

    def weigh(self, sents: Sequence[Sentence]) -> list[float]:
        """Each sentence's summed IDF (plain word counts until enough articles are counted)."""
        if self.docs < 50:
            return [float(len(s.words)) for s in sents]
        hashes = np.concatenate([s.hashes for s in sents]) if sents else np.empty(0, np.uint64)
        df = self.counts[(hashes % np.uint64(len(self.counts))).astype(np.int64)].astype(np.float64)
        idf = np.log((self.docs + 1) / (df + 1)) + 0.1
        ends = np.cumsum([len(s.words) for s in sents])
        sums = np.add.reduceat(idf, np.r_[0, ends[:-1]]) if len(idf) else np.zeros(len(sents))
        return [
            float(v) if n else 0.0 for v, n in zip(sums, (len(s.words) for s in sents), strict=True)
        ]


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
        max_candidates: int = 12,
        min_score: float = 0.25,
        align_first: float = 0.6,
    ) -> None:
        self.index = index if index is not None else SketchIndex()
        self.config = config or VerifyConfig()
        self.max_candidates = max_candidates
        self.min_score = min_score
        self.align_first = align_first  # sketch containment above which alignment goes first
        self.df = DocFrequency()

    def find(
        self,
        fp: Fingerprint,
        load: Callable[[Sequence[int]], Mapping[int, StoredText]],
        *,
        publisher: str | None = None,
        exclude: int | None = None,
    ) -> Match | None:
        """The best verified copy among the index's candidates, or None (verification stops
        at the first confirmed candidate: they come best-first)."""
        found = self.find_all(fp, load, publisher=publisher, exclude=exclude, first=True)
        return found[0] if found else None

    def find_all(
        self,
        fp: Fingerprint,
        load: Callable[[Sequence[int]], Mapping[int, StoredText]],
        *,
        publisher: str | None = None,
        exclude: int | None = None,
        first: bool = False,
    ) -> list[Match]:
        """Every verified copy among the index's candidates, best candidate first (only the
        first one when ``first``)."""
        hits = self.index.query(fp.keys, min_score=self.min_score, limit=self.max_candidates)
        candidates = [c for c in hits if c.article_id != exclude]
        if not candidates:
            return []
        stored = load([c.article_id for c in candidates])
        out = []
        for cand in candidates:
            other = stored.get(cand.article_id)
            if other is None:
                continue
            same = publisher is not None and publisher == other.publisher
            verdict = self._verify(fp, other, cand, same)
            logger.debug("candidate %d: %s", cand.article_id, verdict)
            if verdict.is_copy:
                out.append(Match(cand.article_id, verdict, cand))
                if first:
                    break
        return out

    def _verify(self, fp: Fingerprint, other: StoredText, cand: Candidate, same: bool) -> Verdict:
        """Word alignment first when the sketches say most of one text is in the other (cheap,
        and enough for a plain copy), else the sentence check that survives edits, windows and
        reordering; the alignment again for a window cut mid-sentence at both ends."""
        aligned: Verdict | None = None
        if cand.score >= self.align_first:
            aligned = verify(
                fp.tokens, _stored_tokens(other.text), same_publisher=same, config=self.config
            )
            if aligned.is_copy:
                return aligned
        verdict = verify_sentences(
            fp.sentences(),
            _stored_sentences(other.text),
            same_publisher=same,
            config=self.config,
            weigh=self.df.weigh,
        )
        if not verdict.is_copy and verdict.reason == "low_overlap" and aligned is None:
            aligned = verify(
                fp.tokens, _stored_tokens(other.text), same_publisher=same, config=self.config
            )
            verdict = aligned if aligned.is_copy else verdict
        return verdict

    def add(self, article_id: int, fp: Fingerprint) -> None:
        """Make a stored article findable (and count its words for the rare-word weights)."""
        self.index.add(article_id, fp.keys)
        self.df.add({fold_word(w) for w in set(fp.tokens)})
