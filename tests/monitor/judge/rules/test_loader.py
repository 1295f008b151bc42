"""Rules are data: the YAML is validated on load and a bad field is named in the error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.judge.rules import DEFAULT_RULES_PATH, RulesError, load_ruleset


def _rules() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def test_default_rules_load_with_the_spec_taxonomy() -> None:
    ruleset = load_ruleset(DEFAULT_RULES_PATH)
    assert ruleset.issue_names == [
        "nato_membership",
        "nato_expansion",
        "foreign_troops",
        "military_limits",
        "neutrality",
        "guarantor_role",
        "legally_binding",
        "eu_membership",
        "territory",
        "russian_speakers",
        "sanctions",
        "weapons_supplies",
        "elections_legitimacy",
        "ceasefire_terms",
        "other",
    ]
    assert ruleset.tracked_sides == {"russia"}
    assert set(ruleset.spec.sides) == {
        "russia",
        "ukraine",
        "united_states",
        "europe_nato",
        "mediators",
    }


def test_mapping_and_path_load_the_same_rules(tmp_path: Path) -> None:
    rules = _rules()
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump({"rules": rules}, sort_keys=False), encoding="utf-8")
    assert load_ruleset(path).issue_names == load_ruleset(rules).issue_names


@pytest.mark.parametrize(
    "mutate,field",
    [
        (lambda r: r["stances"].pop("open_to"), "stances: missing open_to"),
        (lambda r: r["issues"]["territory"].update(cues=[]), "rules.issues.territory.cues"),
        (lambda r: r["issues"]["sanctions"].update(typo=1), "rules.issues.sanctions.typo"),
        (
            lambda r: r["sides"]["russia"]["actors"][0].update(kind="oligarch"),
            "rules.sides.russia.actors.0.kind",
        ),
        (lambda r: r["negation"]["cues"].append(False), "rules.negation.cues.10"),
        (
            lambda r: r["stances"]["demands"]["cues"].append("... demand"),
            "'...' must stand between two words",
        ),
        (
            lambda r: r["baseline"][0].update(issue="nato_memebrship"),
            "rules: baseline.0.issue: unknown issue 'nato_memebrship'",
        ),
        (lambda r: r["baseline"][0].update(url="mid.ru"), "rules.baseline.0.url"),
        (
            lambda r: r["issues"]["sanctions"]["cues"].append("Donbas"),
            "rules: issues.sanctions: cue 'donbas' is already a cue of issues.territory",
        ),
        (lambda r: r["sides"]["russia"].update(tracked=False), "at least one side"),
    ],
)
def test_bad_rules_name_the_field(mutate: Any, field: str) -> None:
    rules = _rules()
    mutate(rules)
    with pytest.raises(RulesError) as error:
        load_ruleset(rules)
    assert field in str(error.value)


def test_bad_file_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    with pytest.raises(RulesError, match="nope.yaml"):
        load_ruleset(missing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("sides: [unclosed\n", encoding="utf-8")
    with pytest.raises(RulesError, match="broken.yaml is not valid YAML"):
        load_ruleset(broken)
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(RulesError, match="expected a mapping"):
        load_ruleset(wrong)
