"""Language of an article: detected from its text (langdetect), else the page's declared one."""

from __future__ import annotations

import logging
import re
import threading

from langdetect import DetectorFactory, detect_langs
from langdetect.lang_detect_exception import LangDetectException

logger = logging.getLogger(__name__)

MIN_LETTERS = 40  # below this langdetect guesses; the declared language is better
MIN_PROBABILITY = 0.80
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
_DECLARED = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{1,8})*$")
_lock = threading.Lock()
_ready = False


def _ensure_profiles() -> None:
    """Load langdetect's profiles once, seeded, so results are repeatable and thread-safe."""
    global _ready
    with _lock:
        if not _ready:
            DetectorFactory.seed = 0
            detect_langs("warm up the profiles")
            _ready = True


def normalize_declared(declared: str | None) -> str | None:
    """'en-US' / 'ru_RU' / 'JA' -> 'en' / 'ru' / 'ja'; junk -> None."""
    if not declared:
        return None
    match = _DECLARED.match(declared.strip())
    return match.group(1).lower() if match else None


def detect_language(text: str | None, declared: str | None = None) -> str | None:
    """ISO 639-1 code of the text (zh-cn/zh-tw kept), falling back to the declared language."""
    fallback = normalize_declared(declared)
    if not text or len(_LETTERS.findall(text[:5000])) < MIN_LETTERS:
        return fallback
    _ensure_profiles()
    try:
        best = detect_langs(text[:5000])[0]
    except LangDetectException as exc:
        logger.debug("language not detected: %s", exc)
        return fallback
    if best.prob < MIN_PROBABILITY:
        return fallback or best.lang
    return str(best.lang)
