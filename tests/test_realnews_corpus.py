"""The realistic corpus's labels are well formed: a wrong label would quietly move every score."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import yaml

from monitor.judge.rules import STANCES, default_ruleset
from tests.realnews import SECOND_READER, Fixture, fixtures

KINDS = {
    "wire",
    "aggregator_copy",
    "broadsheet",
    "state_media",
    "transcript",
    "kyiv_outlet",
    "think_tank",
    "no_position",
    "other",
}
NOT_CLAIM_WHY = {
    "ukraine_side",
    "western_side",
    "analyst",
    "author_inference",
    "incidental_issue",
    "other_owner",
    "urging_russia",
    "disputed_report",
    "headline_repeat",
    "question",
}
DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
ALL = list(fixtures())
ISSUES = frozenset(default_ruleset().issue_names)


@pytest.mark.parametrize("fixture", ALL, ids=[f.id for f in ALL])
def test_fixture_is_well_formed(fixture: Fixture) -> None:
    data = fixture.data
    text = fixture.article_text()
    assert fixture.path.stem == fixture.id
    assert str(data.get("modelled_on", "")).startswith("http"), "no modelled_on URL"
    assert data.get("kind") in KINDS
    assert fixture.split in {"dev", "heldout"}
    assert data.get("headline") and data.get("paragraphs")
    assert isinstance(fixture.expected.get("relevant"), bool)
    published = fixture.expected.get("published")
    assert published is None or isinstance(published, (dt.date, dt.datetime))
    for claim in fixture.claims:
        assert claim["issue"] in ISSUES, claim
        assert claim["stance"] in STANCES, claim
        assert claim.get("holder"), claim
        assert claim.get("evidence") and claim["evidence"] in text, claim
        when = claim.get("statement_date")
        assert when is None or isinstance(when, dt.date) or DATE.match(str(when)), claim
        if claim["issue"] == "other":
            assert claim.get("note"), "a claim under `other` says what it is about"
    for trap in fixture.expected.get("not_claims") or []:
        assert trap["text"] in text, trap
        assert trap["why"] in NOT_CLAIM_WHY, trap


def test_a_third_is_held_out() -> None:
    held = sum(f.split == "heldout" for f in ALL)
    assert 0.28 <= held / len(ALL) <= 0.40, (held, len(ALL))


def test_no_real_page_is_on_both_sides_of_the_split() -> None:
    """Two fixtures of one page, one in each split, would leak the tuned page into the held-out."""
    split_of: dict[str, set[str]] = {}
    for f in ALL:
        split_of.setdefault(str(f.data["modelled_on"]), set()).add(f.split)
    assert [page for page, splits in split_of.items() if len(splits) > 1] == []


def test_the_second_readers_labels_are_well_formed_and_on_dev_pages_only() -> None:
    """The blind second reading (tests/data/realnews/second_reader.yaml) names dev pages (a
    held-out page read twice would be a page looked at) and quotes their own text."""
    pages = {f.id: f for f in ALL}
    rows = yaml.safe_load(SECOND_READER.read_text(encoding="utf-8"))
    assert len(rows) == len({row["id"] for row in rows}) == 30
    for row in rows:
        page = pages[row["id"]]
        assert page.split == "dev", row["id"]
        text = page.article_text()
        for claim in row["claims"] or []:
            assert claim["issue"] in ISSUES and claim["stance"] in STANCES, claim
            assert " ".join(claim["evidence"].split()) in " ".join(text.split()), claim
