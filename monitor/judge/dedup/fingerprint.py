"""Fingerprints of normalised text: an exact hash and a containment-preserving sketch.

The sketch is Broder's MOD-m sample of word-shingle hashes ("On the resemblance and
containment of documents", 1997): keep every 5-word shingle whose 64-bit hash is 0 mod m. Unlike
a fixed-size MinHash, the sample of a window of a text is a subset of the sample of the whole
text, so a truncated repost (any contiguous 40% of the original) shares nearly all of its
sample with the original, while two unrelated articles share almost none. The stored form is
the sorted upper 32 bits of the sampled hashes, little-endian, behind a one-byte version tag.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 5
SAMPLE_MODULUS = 12
SIGNATURE_VERSION = 1

_U64 = np.uint64
_PRIME = _U64(0x100000001B3)
_MIX1 = _U64(0xBF58476D1CE4E5B9)
_MIX2 = _U64(0x94D049BB133111EB)


def text_hash(normalized: str) -> str:
    """SHA-256 hex digest of the normalised text: equal for exact copies."""
    return hashlib.sha256(normalized.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1 << 19)
def token_hash(token: str) -> int:
    """A stable 64-bit hash of one token (Python's ``hash`` is salted per process)."""
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8"), digest_size=8).digest(), "little")


def token_hashes(words: Sequence[str]) -> np.ndarray:
    """Stable 64-bit hashes of the tokens, as a uint64 array."""
    return np.fromiter((token_hash(w) for w in words), dtype=_U64, count=len(words))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads a polynomial hash so its low bits are uniform."""
    x = x ^ (x >> _U64(30))
    x = x * _MIX1
    x = x ^ (x >> _U64(27))
    x = x * _MIX2
    return x ^ (x >> _U64(31))


def shingle_hashes(hashes: np.ndarray, k: int = SHINGLE_WORDS) -> np.ndarray:
    """64-bit hashes of every k-token window (fewer than k tokens: one shingle of them all)."""
    n = len(hashes)
    if n == 0:
        return np.empty(0, dtype=_U64)
    width = min(k, n)
    acc = np.zeros(n - width + 1, dtype=_U64)
    with np.errstate(over="ignore"):
        for j in range(width):
            acc = acc * _PRIME + hashes[j : n - width + 1 + j]
        return _mix(acc)


def sketch_from_hashes(hashes: np.ndarray, modulus: int = SAMPLE_MODULUS) -> np.ndarray:
    """The MOD-m sample of the shingles of a token-hash stream: sorted unique uint32 keys."""
    sh = shingle_hashes(hashes)
    picked = sh[sh % _U64(modulus) == 0]
    return np.unique((picked >> _U64(32)).astype(np.uint32))


def sketch(words: Sequence[str], modulus: int = SAMPLE_MODULUS) -> np.ndarray:
    """The MOD-m sample of a token list's shingles."""
    return sketch_from_hashes(token_hashes(words), modulus)


def to_bytes(keys: np.ndarray) -> bytes:
    """Serialise a sketch for ``articles.signature``."""
    return bytes([SIGNATURE_VERSION]) + np.asarray(keys, dtype="<u4").tobytes()


def from_bytes(blob: bytes) -> np.ndarray:
    """Load a sketch stored by ``to_bytes``; a foreign or damaged blob is a clear error."""
    if not blob or blob[0] != SIGNATURE_VERSION or (len(blob) - 1) % 4:
        raise ValueError(
            f"not a version-{SIGNATURE_VERSION} dedup signature ({len(blob or b'')} bytes)"
        )
    return np.frombuffer(blob, dtype="<u4", offset=1).astype(np.uint32)
