"""Precision/recall on the labelled sentence sets (tests/data/rules); run with -s for the report."""

from __future__ import annotations

import pytest

from monitor.judge.rules import RuleSet, default_ruleset
from tests.monitor.judge.rules.scoring import combined, load_cases, score

STANCES = {"demands", "rejects", "accepts", "open_to", "proposes"}


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


def test_sets_are_large_and_cover_every_issue_and_stance(rules: RuleSet) -> None:
    _, tuning = load_cases("tuning")
    _, heldout = load_cases("heldout")
    assert len(tuning) + len(heldout) >= 200
    assert len(heldout) >= (len(tuning) + len(heldout)) // 3 - 1
    labels = {label for case in tuning + heldout for label in case.get("claims") or []}
    assert {label.split("/")[0] for label in labels} == set(rules.issue_names)
    assert {label.split("/")[1] for label in labels} == STANCES
    tags = {tag for case in tuning + heldout for tag in case.get("tags", [])}
    assert {
        "negation",
        "multi",
        "quote",
        "reported",
        "analyst",
        "other_side",
        "hard_negative",
    } <= tags


def test_dev_set_is_large_and_labelled_with_known_issues_and_stances(rules: RuleSet) -> None:
    _, dev = load_cases("dev")
    assert len(dev) >= 150
    labels = {label for case in dev for label in case.get("claims") or []}
    assert {label.split("/")[0] for label in labels} <= set(rules.issue_names)
    assert {label.split("/")[1] for label in labels} <= STANCES
    assert sum(1 for case in dev if not case.get("claims")) >= 30  # hard negatives


def test_tuning_and_dev_sets_precision_and_recall(rules: RuleSet) -> None:
    """The sets the rules are tuned against, scored as one; a false claim costs most."""
    tuning, dev = score("tuning", rules), score("dev", rules)
    result = combined(tuning, dev)
    print("\n" + tuning.report("tuning") + "\n" + dev.report("dev"))
    print(result.report("tuning+dev"))
    for error in result.errors:
        print("  miss/extra:", error)
    assert tuning.precision() >= 0.95, tuning.report("tuning")
    assert result.precision() >= 0.9, result.report("tuning+dev")
    assert result.recall() >= 0.85, result.report("tuning+dev")


def test_heldout_set_is_reported(rules: RuleSet) -> None:
    """Never tuned against: only a floor far below the tuning target guards against breakage."""
    result = score("heldout", rules)
    print("\n" + result.report("heldout"))
    assert result.precision() >= 0.75, result.report("heldout")
