"""Text normalisation for comparison: two copies of one article must normalise to one text.

Site chrome differs between a publisher and its syndicators (bylines, share buttons, "Read
more", "The post X appeared first on Y", photo captions, wire datelines); none of it says what
the article says, so it is removed before hashing and comparing. The result is a list of
lower-case word tokens; ``normalized_text`` joins them with single spaces.
"""

from __future__ import annotations

import logging
import re
import unicodedata

logger = logging.getLogger(__name__)

# Typographic variants mapped to one ASCII form (NFKC leaves curly quotes and dashes alone).
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u00ad": None,
        "\u200b": None,
        "\u200c": None,
        "\u200d": None,
        "\ufeff": None,
    }
)

_AGENCIES = r"(?:reuters|ap|afp|tass|ria novosti|interfax|bloomberg|associated press|dpa|efe|upi)"

# Whole lines that are chrome, not content (matched on the NFKC'd, casefolded, mapped line).
_BOILERPLATE_LINES = [
    re.compile(p)
    for p in (
        r"^the post\b.{0,400}\bappeared first (?:on|at|in)\b.{0,200}$",
        r"^this (?:article|story|piece|post) (?:was )?(?:originally |first )?"
        r"(?:appeared|published|ran)\b.{0,200}$",
        r"^(?:originally|first) (?:published|appeared) (?:in|on|at|by)\b.{0,200}$",
        r"^(?:by|from|written by|story by|words by)\s+[\w.'\- ,&]{2,80}$",
        r"^(?:read|see) (?:more|also|the full (?:article|story))\b.{0,200}$",
        r"^(?:continue reading|click here|tap here|related|recommended|advertisement|"
        r"sponsored|subscribe|sign up|follow us|more from)\b.{0,200}$",
        r"^(?:(?:share|shares|tweet|email|print|pin|save|comment|comments|views|whatsapp|"
        r"facebook|twitter|linkedin|telegram|reddit|on|this|article|story|the|via|"
        r"[\d.,]+k?)\W*)+$",
        r"^(?:copyright|©|\(c\)|all rights reserved)\b.{0,200}$",
        r"^(?:photo|photograph|image|picture|video|caption|credit|source)s?\s*(?::|by\b|-|\|).{0,300}$",
        r"^.{0,300}[(/]\s*(?:" + _AGENCIES + r"|getty images|afp via getty images|epa-efe|"
        r"shutterstock|sputnik)(?: photo)?(?:/[^)]{0,80})?\)?\.?$",
        r"^(?:reporting|writing|editing|additional reporting|compiled) by\b.{0,300}$",
        r"^.{0,200}\bcontributed (?:reporting|to this report)\b.{0,200}$",
        r"^(?:updated|published|posted|last updated)\s*:?\s*[\w ,:.\-/]{0,60}$",
    )
]

# Wire datelines at the start of the first lines: "MOSCOW (Reuters) - ", "KYIV, Ukraine (AP) — ".
_DATELINE = re.compile(
    r"^[A-Z][A-Za-z .,'\-]{1,60}\s*\(\s*" + _AGENCIES + r"\s*\)\s*-+\s*", re.IGNORECASE
)
_CAPS_DATELINE = re.compile(r"^[A-Z][A-Z .,'\-]{2,40}\s+-+\s+")
MIN_LINE_WORDS = 4
_TOKEN = re.compile(r"\w+(?:'\w+)*")


def _clean_line(line: str) -> str:
    line = unicodedata.normalize("NFKC", line).translate(_TRANSLATE)
    return " ".join(line.split())


def content_lines(text: str) -> list[str]:
    """The text's lines in original case with chrome lines and datelines removed."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, got {type(text).__name__}")
    kept: list[str] = []
    for raw in text.splitlines():
        line = _clean_line(raw)
        if not line:
            continue
        folded = line.casefold()
        if len(_TOKEN.findall(folded)) < MIN_LINE_WORDS:
            continue  # menu items, section labels, dates, counters: never a sentence
        if any(p.match(folded) for p in _BOILERPLATE_LINES):
            continue
        if len(kept) < 3:
            line = _DATELINE.sub("", line, count=1)
            line = _CAPS_DATELINE.sub("", line, count=1)
        kept.append(line)
    return kept


def tokens(text: str) -> list[str]:
    """Lower-case word tokens of the article's content, punctuation dropped."""
    return tokens_of_lines(content_lines(text))


def tokens_of_lines(lines: list[str]) -> list[str]:
    """``tokens`` of content lines already cleaned by ``content_lines``."""
    return _TOKEN.findall(" ".join(lines).casefold())


def normalized_text(text: str) -> str:
    """One canonical string per article: equal for copies differing only in chrome or typography."""
    return " ".join(tokens(text))
