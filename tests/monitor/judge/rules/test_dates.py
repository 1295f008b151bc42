"""Statement dates resolved against the article's date."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.judge.rules.dates import absolute_date, statement_date

ARTICLE = dt.date(2025, 9, 4)  # a Thursday


@pytest.mark.parametrize(
    "sentence,expected",
    [
        ("he told journalists in China on Wednesday.", dt.date(2025, 9, 3)),
        ("Mr. Peskov said on Thursday that", dt.date(2025, 9, 4)),
        ("Lavrov said on Friday that", dt.date(2025, 8, 29)),
        ("which was stated in talks in Istanbul in June, is a cap", dt.date(2025, 6, 1)),
        ("in December the Kremlin said", dt.date(2024, 12, 1)),
        ("He said this week that Russia would accept", dt.date(2025, 9, 1)),
        ("Last week Moscow demanded", dt.date(2025, 8, 25)),
        ("Earlier this month the Kremlin said", dt.date(2025, 9, 1)),
        ("Last month Lavrov insisted", dt.date(2025, 8, 1)),
        ("Yesterday Putin said", dt.date(2025, 9, 3)),
        ("On June 14, 2024, Putin demanded", dt.date(2024, 6, 14)),
        ("On Sept. 1 he said", dt.date(2025, 9, 1)),
        ("in December 2021 Russia published draft treaties", dt.date(2021, 12, 1)),
        ("Russia has long demanded neutrality", ARTICLE),
        ("a plan for the talks in May 2026", ARTICLE),  # the future is not a statement date
        # a date of the thing named, not of the statement
        ("The Istanbul treaty drafted in March 2022 could serve as the basis", ARTICLE),
        ("all must return to where it stood when the act was signed in 1997", ARTICLE),
        ("the understandings reached in Istanbul in 2022 are still a basis", ARTICLE),
        (
            "The Istanbul treaty drafted in March 2022 was cited by Peskov in April",
            dt.date(2025, 4, 1),
        ),
    ],
)
def test_statement_date(sentence: str, expected: dt.date) -> None:
    assert statement_date(sentence, ARTICLE) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Putin said on Sunday that Kyiv must withdraw.", dt.date(2025, 8, 17)),
        ("Lavrov said last week that guarantees need Russia.", dt.date(2025, 8, 11)),
        ("In December 2021, Moscow demanded written guarantees.", dt.date(2021, 12, 1)),
        (
            "That echoes the proposals of April 2022, when Moscow wanted guarantors.",
            dt.date(2022, 4, 1),
        ),
        ("As he said earlier this year, the Kremlin rejects troops.", dt.date(2025, 1, 1)),
    ],
)
def test_recaps_and_relative_days(sentence: str, expected: dt.date) -> None:
    assert statement_date(sentence, dt.date(2025, 8, 20)) == expected


def test_undated_article_keeps_only_self_dated_statements() -> None:
    assert absolute_date("Putin said on Sunday that Kyiv must withdraw.") is None
    assert absolute_date("Lavrov said last week that guarantees need Russia.") is None
    assert absolute_date("The treaty drafted in March 2022 could be the basis.") is None
    assert absolute_date("On Dec. 17, 2021 the ministry published two drafts.") == dt.date(
        2021, 12, 17
    )
    assert absolute_date("In December 2021, Moscow demanded written guarantees.") == dt.date(
        2021, 12, 1
    )
