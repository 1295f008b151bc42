"""Sentence and paragraph spans: pysbd (rule-based, handles "Mr.", "U.S.-led", "V. Putin")."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import pysbd

logger = logging.getLogger(__name__)

_PARAGRAPH = re.compile(r"[^\n]+")
_CLOSE_QUOTES = "”»"


@dataclass(frozen=True, slots=True)
class Span:
    """A piece of the text by character offsets (``text[start:end]``)."""

    start: int
    end: int


@lru_cache(maxsize=1)
def _segmenter() -> pysbd.Segmenter:
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


def paragraphs(text: str) -> Iterator[Span]:
    """Non-empty lines: extracted article text keeps one paragraph per line."""
    for match in _PARAGRAPH.finditer(text):
        if match.group(0).strip():
            yield Span(match.start(), match.end())


def sentences(text: str, paragraph: Span) -> list[Span]:
    """Sentences of one paragraph, as spans of the whole text (stripped of outer whitespace)."""
    chunk = text[paragraph.start : paragraph.end]
    spans: list[Span] = []
    cursor = 0
    for piece in _segmenter().segment(chunk):
        stripped = piece.strip()
        if not stripped:
            continue
        found = chunk.find(stripped, cursor)
        if found < 0:  # pysbd never rewrites text with clean=False; keep going if it ever does
            logger.debug("sentence not found in its paragraph: %r", stripped[:60])
            continue
        spans.append(Span(paragraph.start + found, paragraph.start + found + len(stripped)))
        cursor = found + len(stripped)
    return _join_split_quotes(text, spans)


def _join_split_quotes(text: str, spans: list[Span]) -> list[Span]:
    """Re-join a sentence pysbd cut off right after a closing quote (“...!” he said)."""
    joined: list[Span] = []
    for span in spans:
        piece = text[span.start : span.end]
        if joined and piece[:1].islower() and text[joined[-1].end - 1 : joined[-1].end] in (
            _CLOSE_QUOTES + '"'
        ):
            joined[-1] = Span(joined[-1].start, span.end)
            continue
        joined.append(span)
    return joined


_QUOTE = re.compile(r"“[^”]*”?|«[^»]*»?|\"[^\"]*\"?")


def quote_spans(text: str, paragraph: Span, min_words: int = 5) -> list[Span]:
    """Direct quotations in a paragraph (curly or straight); shorter ones are scare quotes.

    A quotation may span several sentences; an unclosed one runs to the paragraph's end.
    """
    return [
        Span(match.start(), match.end())
        for match in _QUOTE.finditer(text, paragraph.start, paragraph.end)
        if len(match.group(0).split()) >= min_words
    ]
