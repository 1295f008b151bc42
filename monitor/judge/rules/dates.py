"""Statement dates: "on Wednesday", "in June", "this week" resolved against the article's date.

A relative expression resolves to the latest matching day not after the article date (news says
"on Thursday" for today too); a period ("this week", "in June") resolves to its first day.
Without an expression the statement date is the article's date.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_MONTH_RE = (
    "|".join(m.capitalize() for m in _MONTHS) + r"|Jan\.|Feb\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\."
)
_ABBREVIATIONS = {
    "jan.": 1,
    "feb.": 2,
    "aug.": 8,
    "sep.": 9,
    "sept.": 9,
    "oct.": 10,
    "nov.": 11,
    "dec.": 12,
}

# Every alternative starts with a digit or one of these letters: the lookahead skips the other
# words at once instead of trying each alternative on them (twice as fast, the same matches).
_EXPRESSION = re.compile(
    rf"""
    \b(?=[\dJFMASONDIiSsDdLlTtOoYyEe])(?:
        (?P<md>(?P<md_month>{_MONTH_RE})\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)
            (?:,?\s+(?P<md_year>(?:19|20)\d\d))?)
      | (?P<dm>(?P<dm_day>\d{{1,2}})\s+(?P<dm_month>{_MONTH_RE})(?:\s+(?P<dm_year>(?:19|20)\d\d))?)
      | (?:in|In|since|Since|during|During|last|Last|this|This)\s+(?P<m>{_MONTH_RE})
            (?:\s+(?P<m_year>(?:19|20)\d\d))?\b
      | (?P<my>(?P<my_month>{_MONTH_RE}),?\s+(?P<my_year>(?:19|20)\d\d))\b
      | (?:on|On|last|Last|this|This)\s+
            (?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)
      | (?i:(?P<yesterday>yesterday))
      | (?i:(?P<today>today|tonight|this\s+morning|this\s+afternoon|this\s+evening))
      | (?i:(?P<this_week>this\s+week|earlier\s+this\s+week))
      | (?i:(?P<last_week>last\s+week))
      | (?i:(?P<this_month>this\s+month|earlier\s+this\s+month))
      | (?i:(?P<last_month>last\s+month))
      | (?i:(?P<last_year>last\s+year))
      | (?i:(?P<this_year>earlier\s+this\s+year))
      | (?:in|In|since|Since|during|During)\s+(?P<year>(?:19|20)\d\d)\b(?!\s*(?:%|percent))
    )
    """,
    re.VERBOSE,
)


# The same on ASCII text (most sentences), where the engine's ASCII word and digit tests are cheaper
_EXPRESSION_ASCII = re.compile(_EXPRESSION.pattern, re.VERBOSE | re.ASCII)


@dataclass(frozen=True, slots=True)
class DateExpression:
    """A date phrase found in a sentence and the day it resolves to."""

    date: dt.date
    start: int
    end: int
    text: str


def _month_number(name: str) -> int:
    lowered = name.lower()
    return _ABBREVIATIONS.get(lowered) or _MONTHS.index(lowered) + 1


def _latest_month(month: int, article: dt.date) -> dt.date:
    year = article.year if month <= article.month else article.year - 1
    return dt.date(year, month, 1)


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _resolve(match: re.Match[str], article: dt.date) -> dt.date | None:
    """The day one matched expression stands for, relative to the article's date."""
    group = match.group
    if group("md") or group("dm"):
        prefix = "md" if group("md") else "dm"
        month = _month_number(group(f"{prefix}_month"))
        day = int(group(f"{prefix}_day"))
        year_text = group(f"{prefix}_year")
        if year_text:
            return _safe_date(int(year_text), month, day)
        candidate = _safe_date(article.year, month, day)
        if candidate and candidate > article:
            candidate = _safe_date(article.year - 1, month, day)
        return candidate
    if group("m"):
        month = _month_number(group("m"))
        if group("m_year"):
            return dt.date(int(group("m_year")), month, 1)
        return _latest_month(month, article)
    if group("my"):
        return dt.date(int(group("my_year")), _month_number(group("my_month")), 1)
    if group("weekday"):
        target = _WEEKDAYS.index(group("weekday").lower())
        return article - dt.timedelta(days=(article.weekday() - target) % 7)
    if group("yesterday"):
        return article - dt.timedelta(days=1)
    if group("today"):
        return article
    if group("this_week"):
        return article - dt.timedelta(days=article.weekday())
    if group("last_week"):
        return article - dt.timedelta(days=article.weekday() + 7)
    if group("this_month"):
        return article.replace(day=1)
    if group("last_month"):
        first = article.replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)
    if group("last_year"):
        return dt.date(article.year - 1, 1, 1)
    if group("this_year"):
        return dt.date(article.year, 1, 1)
    if group("year"):
        return dt.date(int(group("year")), 1, 1)
    return None


# A date that belongs to a thing named in the sentence, not to the statement: "the Istanbul
# treaty drafted in March 2022", "the founding act signed in 1997", "annexed in 2014".
_THING_DATED = re.compile(
    r"(?:(?:drafted|signed|initial(?:l)?ed|adopted|concluded|annexed|ratified|founded)\s+(?:back\s+)?"
    r"|(?:agreements?|accords?|treaty|deal|understandings|draft)\s+(?:reached\s+)?in\s+Istanbul\s+)$"
)


def _dates_a_thing(sentence: str, match: re.Match[str]) -> bool:
    return _THING_DATED.search(sentence, max(0, match.start() - 45), match.start()) is not None


def find_date(sentence: str, article_date: dt.date) -> DateExpression | None:
    """The first date phrase of a sentence that resolves to a day on or before the article and
    dates the statement (not a treaty "signed in 1997" that the sentence names)."""
    expression = _EXPRESSION_ASCII if sentence.isascii() else _EXPRESSION
    for match in expression.finditer(sentence):
        if _dates_a_thing(sentence, match):
            continue
        resolved = _resolve(match, article_date)
        if resolved is not None and resolved <= article_date:
            return DateExpression(resolved, match.start(), match.end(), match.group(0))
    return None


# Expressions that name their own year: they date a statement even on an undated page.
_ABSOLUTE = ("md_year", "dm_year", "m_year", "my", "year")


def absolute_date(sentence: str) -> dt.date | None:
    """The first date phrase that names its year ("in December 2021"), for undated articles.

    Relative phrases ("on Sunday", "last week") mean nothing without the article's date, so an
    undated article's statement stays unknown unless the sentence dates itself.
    """
    for match in _EXPRESSION.finditer(sentence):
        if any(match.group(name) for name in _ABSOLUTE) and not _dates_a_thing(sentence, match):
            resolved = _resolve(match, dt.date.max)
            if resolved is not None:
                return resolved
    return None


def statement_date(sentence: str, article_date: dt.date) -> dt.date:
    """When the sentence says the statement was made, else the article's date."""
    found = find_date(sentence, article_date)
    return found.date if found else article_date
