"""Language of an article: detected from its text (py3langid), else the page's declared one.

py3langid is the detector trafilatura itself uses; it is about ten times faster than
langdetect (under a millisecond per article), which matters at crawl rates. Its model ships
LZMA-compressed: unpacking it cost every crawl, ingest and extraction worker about half a
second of CPU, so the unpacked arrays are kept in the user cache and memory-mapped.
"""

from __future__ import annotations

import logging
import re
import threading
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

from crawler.user_cache import cached_arrays

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

MIN_LETTERS = 40  # below this a detector guesses; the declared language is better
MIN_PROBABILITY = 0.80
SAMPLE_CHARS = 1500
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_DECLARED = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def _unpacked_model() -> dict[str, np.ndarray]:
    """py3langid's own model file, unpacked by py3langid's own loader."""
    import numpy as np
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    return {
        "ptc": np.asarray(ptc),
        "pc": np.asarray(pc),
        "classes": np.asarray(classes),
        "nextmove": np.frombuffer(nextmove, dtype=f"u{nextmove.itemsize}"),
        "row": np.frombuffer(row, dtype=f"u{row.itemsize}"),
        "output": np.asarray(output, dtype=np.int32),
    }


def load_identifier(cache: Path | None = None) -> LanguageIdentifier:
    """py3langid's identifier over the cached arrays (the same model, unpacked once)."""
    model = MODEL_DIR / MODEL_FILE
    name = f"langid-{version('py3langid')}-{model.stat().st_size}"
    arrays = cached_arrays(name, _unpacked_model, cache)
    return LanguageIdentifier(
        arrays["ptc"],
        arrays["pc"],
        arrays["classes"].tolist(),
        # the state walk indexes these per byte: a memoryview indexes like py3langid's array
        arrays["nextmove"].data,
        arrays["output"].tolist(),
        norm_probs=True,
        tk_row=arrays["row"].tolist(),
    )


def _model() -> LanguageIdentifier:
    """Load the model once per process (worker processes each load their own)."""
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = load_identifier()
        return _identifier


def normalize_declared(declared: str | None) -> str | None:
    """'en-US' / 'ru_RU' / 'JA' -> 'en' / 'ru' / 'ja'; junk -> None."""
    if not declared:
        return None
    match = _DECLARED.match(declared.strip())
    return match.group(1).lower() if match else None


def detect_language(text: str | None, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text, falling back to the declared language when unsure."""
    fallback = normalize_declared(declared)
    sample = (text or "")[:SAMPLE_CHARS]
    if len(_LETTERS.findall(sample)) < MIN_LETTERS:
        return fallback
    language, probability = _model().classify(sample)
    if probability < MIN_PROBABILITY:
        logger.debug("language unsure (%s at %.2f); declared %s", language, probability, declared)
        return fallback or str(language)
    return str(language)
