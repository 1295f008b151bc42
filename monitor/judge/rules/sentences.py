"""Sentence and paragraph spans: pysbd (rule-based, handles "Mr.", "U.S.-led", "V. Putin")."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import pysbd

from monitor.judge.rules.matcher import holds_any

logger = logging.getLogger(__name__)

_PARAGRAPH = re.compile(r"[^\n]+")
_CLOSE_QUOTES = "”»"
_QUOTE = re.compile(r"“[^”]*”?|«[^»]*»?|\"[^\"]*\"?")
_QUOTE_OPENERS = '“«"'  # every _QUOTE match starts with one of them


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


@lru_cache(maxsize=1)
def _abbreviations() -> frozenset[str]:
    from pysbd.lang.english import English

    return frozenset(a.lower() for a in English.Abbreviation.ABBREVIATIONS)


@lru_cache(maxsize=1)
def _prepositive() -> frozenset[str]:
    from pysbd.lang.english import English

    return frozenset(a.lower() for a in English.Abbreviation.PREPOSITIVE_ABBREVIATIONS)


# A run of [.!?] after a character that is no space nor one of them. The pattern starts with the
# punctuation itself (the look-behind checks the character before it) so that the regex engine
# jumps from one [.!?] to the next instead of trying every position.
_BOUNDARY = re.compile(r"([.!?](?<=[^\s.!?][.!?])[.!?]*)([”\"»]?)\s+(?=\S)")
_UNSAFE = "()[]‘"
_CLOSERS = '”"»'


def _plain_split(chunk: str) -> list[tuple[int, int]] | None:
    """Split a paragraph whose every boundary is unambiguous; None sends it to pysbd.

    Unambiguous: each ". " follows a word of three or more letters/digits that is not one of
    pysbd's abbreviations and precedes a capital (or an opening quote and a capital); a boundary
    inside a quotation is no boundary (as pysbd does); balanced quotes only, no brackets. pysbd
    decides everything else ("Mr.", "U.S.-led", "Vladimir V. Putin", '.” He said').
    """
    stripped = len(chunk.rstrip())
    boundaries = [m for m in _BOUNDARY.finditer(chunk) if m.end() < stripped]
    if not boundaries:
        return [(0, stripped)]  # one sentence: nothing to decide
    if holds_any(chunk, _UNSAFE, 0, len(chunk)):
        return None
    quotes = [m.span() for m in _quotations(chunk, 0, len(chunk))]
    if any(chunk[end - 1] not in _CLOSERS or end - start < 2 for start, end in quotes):
        return None  # an unclosed quotation
    pieces: list[tuple[int, int]] = []
    cursor = 0
    prepositive, abbreviations = _prepositive(), _abbreviations()
    for match in boundaries:
        position, end = match.start(1), match.end()
        closer = match.group(2)
        if quotes and any(start < position < stop for start, stop in quotes):
            if closer:
                return None  # '.” Next' right at a quotation's end: pysbd's call
            continue
        following = chunk[end]
        if following in '“"':
            following = chunk[end + 1 : end + 2] or "x"
        space = max(chunk.rfind(" ", cursor, position), chunk.rfind("\n", cursor, position))
        token = chunk[max(space + 1, cursor) : position].strip('”"»')
        if not token:
            return None
        if following.islower() and not closer:
            continue  # "U.S. officials": no sentence starts in lower case
        if not (following.isupper() or following.isdigit()):
            return None
        if (len(token) == 1 and token.isupper()) or token.lower() in prepositive:
            continue  # "Vladimir V. Putin", "Mr. Lavrov"
        if len(token) < 3 or not token.isalnum() or token.lower() in abbreviations:
            return None
        pieces.append((cursor, match.end(2) if closer else match.end(1)))
        cursor = end
    pieces.append((cursor, stripped))
    return pieces


def _quotations(text: str, start: int, end: int) -> Iterable[re.Match[str]]:
    """``_QUOTE``'s matches in ``text[start:end]``; most paragraphs hold no quotation mark."""
    if not holds_any(text, _QUOTE_OPENERS, start, end):
        return ()
    return _QUOTE.finditer(text, start, end)


def sentences(text: str, paragraph: Span) -> list[Span]:
    """Sentences of one paragraph, as spans of the whole text (stripped of outer whitespace)."""
    chunk = text[paragraph.start : paragraph.end]
    plain = _plain_split(chunk)
    if plain is not None:
        spans = []
        for start, end in plain:
            piece = chunk[start:end]
            kept = piece.lstrip()
            if kept:
                lead = paragraph.start + start + len(piece) - len(kept)
                spans.append(Span(lead, lead + len(kept.rstrip())))
        return spans
    return pysbd_sentences(text, paragraph)


def pysbd_sentences(text: str, paragraph: Span) -> list[Span]:
    """Sentences of one paragraph by pysbd alone (the authority for every ambiguous case)."""
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
        if (
            joined
            and piece[:1].islower()
            and text[joined[-1].end - 1 : joined[-1].end] in (_CLOSE_QUOTES + '"')
        ):
            joined[-1] = Span(joined[-1].start, span.end)
            continue
        joined.append(span)
    return joined


def quote_spans(text: str, paragraph: Span, min_words: int = 5) -> list[Span]:
    """Direct quotations in a paragraph (curly or straight); shorter ones are scare quotes.

    A quotation may span several sentences; an unclosed one runs to the paragraph's end.
    """
    return [
        Span(match.start(), match.end())
        for match in _quotations(text, paragraph.start, paragraph.end)
        if len(match.group(0).split()) >= min_words
    ]
