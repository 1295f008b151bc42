"""Article-level cases per failure family (tests/data/rules/articles.yaml): the exact claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import yaml

from monitor.judge.rules import RuleSet, default_ruleset, extract_claims
from tests.paths import DATA

CASES: list[dict[str, Any]] = yaml.safe_load((DATA / "rules" / "articles.yaml").read_text())
FAMILIES = sorted({case["family"] for case in CASES})


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset(
        second_opinion=False
    )  # these cases test the rules; the second opinion has its own tests


def russian_pairs(case: dict[str, Any], rules: RuleSet) -> set[str]:
    """Russia's issue/stance pairs the engine finds in one article case."""
    day = case["date"] if isinstance(case["date"], dt.date) else dt.date.fromisoformat(case["date"])
    claims = extract_claims(case["text"], day, rules, title=case["title"])
    return {f"{c.issue}/{c.stance}" for c in claims if c.side == "russia"}


def test_every_family_has_cases() -> None:
    assert {
        "issue_wording",
        "reference",
        "construction",
        "holder",
        "polarity",
        "false_positive",
    } <= set(FAMILIES)


@pytest.mark.parametrize("family", FAMILIES)
def test_family(family: str, rules: RuleSet) -> None:
    """Every case of a family gives exactly its labelled claims."""
    wrong = []
    for case in (c for c in CASES if c["family"] == family):
        found = russian_pairs(case, rules)
        if found != set(case["claims"]):
            wrong.append(f"{case['title']}: found {sorted(found)}, expected {case['claims']}")
    assert not wrong, "\n".join(wrong)
