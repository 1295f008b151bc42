"""The candidate index: which stored articles share enough of a new article's sketch.

An inverted index from sketch key to article, kept compact for millions of articles: the bulk
lives in one sorted numpy array of ``key << 32 | slot`` (8 bytes a posting, looked up with
``searchsorted``), recent inserts in a small dict that is merged in when it grows. It is built
from the signatures stored with the articles, never by re-hashing their texts.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from monitor.judge.dedup.fingerprint import SIGNATURE_VERSION

logger = logging.getLogger(__name__)

_LOW32 = np.uint64(0xFFFFFFFF)
_SHIFT = np.uint64(32)


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stored article sharing part of the query's sketch."""

    article_id: int
    shared: int
    size: int
    score: float  # shared / min(query size, stored size): estimated containment


class SketchIndex:
    """Sketch key -> articles, answering "which articles may contain or be contained in this"."""

    def __init__(self, *, flush_at: int = 500_000, max_postings: int = 1_000) -> None:
        self._main = np.empty(0, dtype=np.uint64)
        self._buffer: dict[int, list[int]] = {}
        self._buffered = 0
        self._flush_at = flush_at
        self._max_postings = max_postings
        self._ids = np.empty(1024, dtype=np.int64)
        self._sizes = np.empty(1024, dtype=np.uint16)
        self._alive = np.empty(1024, dtype=bool)
        self._count = 0
        self._sorted = 0  # slots [0, _sorted) hold strictly increasing ids: binary search
        self._recent: dict[int, int] = {}  # article id -> slot, for slots past _sorted

    def __len__(self) -> int:
        return int(self._alive[: self._count].sum())

    def __contains__(self, article_id: object) -> bool:
        return isinstance(article_id, int) and self._slot_of(article_id) is not None

    def _slot_of(self, article_id: int) -> int | None:
        """The live slot of an article (no per-article Python object for the sorted bulk)."""
        slot = self._recent.get(article_id)
        if slot is None and self._sorted:
            i = int(np.searchsorted(self._ids[: self._sorted], article_id))
            if i < self._sorted and self._ids[i] == article_id:
                slot = i
        return slot if slot is not None and self._alive[slot] else None

    def _compact_recent(self) -> None:
        """Fold recent slots into the binary-searchable prefix when their ids keep increasing."""
        tail = self._ids[self._sorted : self._count]
        prev = self._ids[self._sorted - 1] if self._sorted else None
        if len(tail) and (prev is None or tail[0] > prev) and bool(np.all(np.diff(tail) > 0)):
            self._sorted = self._count
            self._recent.clear()

    @property
    def nbytes(self) -> int:
        """Bytes held by the index's arrays (the dict buffer is bounded by ``flush_at``)."""
        return self._main.nbytes + self._ids.nbytes + self._sizes.nbytes + self._alive.nbytes

    def _grow(self, extra: int) -> None:
        need = self._count + extra
        if need <= len(self._ids):
            return
        cap = max(need, 2 * len(self._ids))
        for name in ("_ids", "_sizes", "_alive"):
            old = getattr(self, name)
            new = np.empty(cap, dtype=old.dtype)
            new[: self._count] = old[: self._count]
            setattr(self, name, new)

    def add(self, article_id: int, keys: np.ndarray) -> None:
        """Index one article's sketch (replacing its earlier sketch, if any)."""
        self.discard(article_id)
        self._grow(1)
        slot = self._count
        self._ids[slot] = article_id
        self._sizes[slot] = min(len(keys), 65535)
        self._alive[slot] = True
        self._count += 1
        self._recent[article_id] = slot
        for key in keys.tolist():
            self._buffer.setdefault(key, []).append(slot)
        self._buffered += len(keys)
        if self._buffered >= self._flush_at:
            self.flush()

    def discard(self, article_id: int) -> None:
        """Forget an article (its postings stay but are skipped)."""
        slot = self._slot_of(article_id)
        if slot is not None:
            self._alive[slot] = False
            self._recent.pop(article_id, None)

    def flush(self) -> None:
        """Merge the dict buffer into the sorted array (a linear merge of two sorted runs)."""
        self._compact_recent()
        if not self._buffer:
            return
        keys = np.fromiter(
            (k for k, slots in self._buffer.items() for _ in slots),
            dtype=np.uint64,
            count=self._buffered,
        )
        slots = np.fromiter(
            (s for v in self._buffer.values() for s in v), dtype=np.uint64, count=self._buffered
        )
        new = (keys << _SHIFT) | slots
        new.sort()
        merged = np.concatenate([self._main, new])
        merged.sort(kind="stable")  # timsort: finds the two runs and merges them
        self._main = merged
        self._buffer.clear()
        self._buffered = 0

    @classmethod
    def from_signatures(
        cls, rows: Iterable[tuple[int, bytes]], *, chunk: int = 100_000, **kwargs: int
    ) -> SketchIndex:
        """Build from stored ``(article_id, signature)`` rows without touching any text."""
        index = cls(**kwargs)
        main = np.empty(0, dtype=np.uint64)
        used = 0
        batch: list[tuple[int, bytes]] = []

        def take(batch: list[tuple[int, bytes]]) -> None:
            nonlocal main, used
            bad = [
                aid
                for aid, blob in batch
                if not blob or blob[0] != SIGNATURE_VERSION or (len(blob) - 1) % 4
            ]
            if bad:
                raise ValueError(f"articles {bad[:5]} have no valid dedup signature")
            sizes = np.fromiter(((len(b) - 1) // 4 for _, b in batch), np.int64, len(batch))
            keys = np.frombuffer(b"".join(b[1:] for _, b in batch), dtype="<u4")
            first = index._count
            index._grow(len(batch))
            index._ids[first : first + len(batch)] = [aid for aid, _ in batch]
            index._sizes[first : first + len(batch)] = np.minimum(sizes, 65535)
            index._alive[first : first + len(batch)] = True
            index._count += len(batch)
            slots = np.repeat(np.arange(first, first + len(batch), dtype=np.uint64), sizes)
            if used + len(keys) > len(main):  # grown in place (realloc), never held twice
                main.resize(max(used + len(keys), int(len(main) * 1.25)), refcheck=False)
            main[used : used + len(keys)] = (keys.astype(np.uint64) << _SHIFT) | slots
            used += len(keys)

        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                take(batch)
                batch = []
        if batch:
            take(batch)
        main.resize(used, refcheck=False)
        main.sort()
        index._main = main
        ids = index._ids[: index._count]
        if bool(np.all(np.diff(ids) > 0)):
            index._sorted = index._count
        else:
            index._recent = {int(aid): slot for slot, aid in enumerate(ids.tolist())}
        logger.info("dedup index built: %d articles, %d postings", index._count, len(index._main))
        return index

    def query(self, keys: np.ndarray, *, min_score: float = 0.5, limit: int = 8) -> list[Candidate]:
        """Stored articles whose sketch overlaps ``keys`` enough to verify, best first."""
        if len(keys) == 0 or self._count == 0:
            return []
        k64 = keys.astype(np.uint64)
        found: list[np.ndarray] = []
        if len(self._main):
            lo = np.searchsorted(self._main, k64 << _SHIFT, side="left")
            hi = np.searchsorted(self._main, (k64 << _SHIFT) | _LOW32, side="right")
            for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
                if a < b and b - a <= self._max_postings:
                    found.append(self._main[a:b])
        slots = (
            (np.concatenate(found) & _LOW32).astype(np.int64) if found else np.empty(0, np.int64)
        )
        if self._buffer:
            extra = [
                s
                for k in keys.tolist()
                for s in self._buffer.get(k, ())
                if len(self._buffer[k]) <= self._max_postings
            ]
            if extra:
                slots = np.concatenate([slots, np.asarray(extra, dtype=np.int64)])
        if len(slots) == 0:
            return []
        uniq, shared = np.unique(slots, return_counts=True)
        alive = self._alive[uniq]
        uniq, shared = uniq[alive], shared[alive]
        sizes = self._sizes[uniq].astype(np.int64)
        denom = np.maximum(np.minimum(sizes, len(keys)), 1)
        score = shared / denom
        need = np.where(denom <= 2, 1, 2)
        ok = (score >= min_score) & (shared >= need)
        if not ok.any():
            return []
        uniq, shared, sizes, score = uniq[ok], shared[ok], sizes[ok], score[ok]
        order = np.lexsort((-shared, -score))[:limit]
        return [
            Candidate(int(self._ids[uniq[i]]), int(shared[i]), int(sizes[i]), float(score[i]))
            for i in order
        ]
