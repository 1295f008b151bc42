"""Language of an article: detected from its text (py3langid), else the page's declared one.

py3langid is the detector trafilatura itself uses; it is about ten times faster than
langdetect (under a millisecond per article), which matters at crawl rates.
"""

from __future__ import annotations

import logging
import re
import threading

from py3langid.langid import MODEL_FILE, LanguageIdentifier

logger = logging.getLogger(__name__)

MIN_LETTERS = 40  # below this a detector guesses; the declared language is better
MIN_PROBABILITY = 0.80
SAMPLE_CHARS = 1500
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_DECLARED = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def _model() -> LanguageIdentifier:
    """Load the model once per process (worker processes each load their own)."""
    global _identifier
    with _lock:
        if _identifier is None:
            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
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
