"""The learned second opinion: trained on the dev pages only, adds only what the rules missed,
stays weak (never a SHIFT alone) and shows its evidence."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from monitor.judge.ledger.decide import Kind, LedgerEntry, decide
from monitor.judge.rules import (
    RulesError,
    RuleSet,
    default_ruleset,
    explain,
    extract_claims,
    load_ruleset,
)
from monitor.judge.rules.loader import DEFAULT_RULES_PATH
from monitor.judge.rules.results import ClaimFound
from monitor.judge.rules.second_opinion import DEFAULT_MODEL_PATH, SecondOpinion
from monitor.yamlload import parse_yaml
from tests.monitor.judge.rules.realnews_score import article_day, title_and_text
from tests.monitor.judge.rules.second_opinion_train import digest, training_pages
from tests.realnews import fixtures

UATV = "p-uatv-2024-05-24-putin-wants-freeze-frontlines"


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return default_ruleset()


def test_the_shipped_model_was_trained_on_exactly_the_dev_pages() -> None:
    """A changed or added dev page needs a retrained model; a held-out page never feeds it."""
    trained = json.loads(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))["trained_on"]
    pages = training_pages()
    assert all(page.split == "dev" for page in pages)
    assert trained["pages"] == len(pages)
    assert trained["digest"] == digest(pages), (
        "the dev pages changed: python -m tests.monitor.judge.rules.second_opinion_train"
    )


def test_it_adds_a_pair_the_rules_missed_as_a_weak_claim_with_its_words(rules: RuleSet) -> None:
    page = next(f for f in fixtures("dev") if f.id == UATV)
    title, text = title_and_text(page)
    alone = extract_claims(
        text, article_day(page), default_ruleset(second_opinion=False), title=title
    )
    both = extract_claims(text, article_day(page), rules, title=title)
    assert ("ceasefire_terms", "open_to") not in {(c.issue, c.stance) for c in alone}
    added = [c for c in both if c.how == "second opinion"]
    claim = next(c for c in added if (c.issue, c.stance) == ("ceasefire_terms", "open_to"))
    assert claim.side == "russia" and "ready for a ceasefire" in claim.evidence
    assert claim.confidence < rules.spec.ledger.shift_confidence
    assert claim.rule.startswith("second opinion: ceasefire_terms/open_to with probability 0.9")
    assert "'ceasefire'" in claim.rule  # the words that weighed most are shown
    # what the rules found stays theirs: the model never repeats a pair they have
    assert {(c.issue, c.stance) for c in both if c.how != "second opinion"} == {
        (c.issue, c.stance) for c in alone
    }


def test_every_model_claim_on_the_corpus_is_weak_and_new_to_its_article(rules: RuleSet) -> None:
    spec = rules.spec.second_opinion
    assert spec is not None
    seen = 0
    for page in fixtures():
        title, text = title_and_text(page)
        claims = extract_claims(text, article_day(page), rules, title=title)
        by_rules = {(c.issue, c.stance) for c in claims if c.how != "second opinion"}
        for claim in claims:
            if claim.how == "second opinion":
                seen += 1
                assert claim.confidence == spec.confidence
                assert (claim.issue, claim.stance) not in by_rules
    assert seen > 0


def test_a_one_word_headline_is_not_read(rules: RuleSet) -> None:
    """ "NATO?" alone is a unit vector on one word: the model would be sure of anything."""
    claims = extract_claims(
        "A short report with no stance in it.", dt.date(2025, 9, 11), rules, title="NATO?"
    )
    assert claims == []


def test_a_headline_that_only_announces_a_topic_is_not_read(rules: RuleSet) -> None:
    """ "Peskov speaks on legally binding security guarantees" names a topic, not a stance; the
    retrained model was sure of a legally_binding demand in it (caught by the concurrent-runs
    test, whose generated pages carry such headlines). A headline with a stance is still read."""
    body = "Peskov answered questions from reporters in Moscow for an hour on Tuesday."
    day = dt.date(2025, 9, 11)
    title = "Dmitry Peskov speaks on legally binding security guarantees in Geneva"
    assert extract_claims(body, day, rules, title=title) == []
    assert extract_claims(body, day, default_ruleset(second_opinion=False), title=title) == []
    # extraction often keeps the headline as the text's first line, with no closing stop
    assert extract_claims(f"{title}\n\n{body}", day, rules, title=title) == []
    stated = extract_claims(
        body, day, rules, title="Peskov: Russia needs legally binding guarantees"
    )
    assert ("legally_binding", "demands") in {(c.issue, c.stance) for c in stated}


@pytest.fixture(scope="module")
def eager(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The rules with a model sure of a NATO refusal in any sentence that says "NATO": the
    guards, not the weights of the day, decide which of those sentences it may speak in."""
    path = tmp_path_factory.mktemp("model") / "eager.json"
    model = {
        "trained_on": {"pages": 0, "sentences": 0, "digest": ""},
        "terms": ["nato"],
        "idf": [1.0],
        "classes": [
            {
                "issue": "nato_membership",
                "stance": "rejects",
                "bias": -5.0,
                "terms": [0],
                "weights": [20.0],
            }
        ],
    }
    path.write_text(json.dumps(model))
    ruleset = default_ruleset()
    ruleset.second_opinion = SecondOpinion(path, 0.95)
    return ruleset


@pytest.mark.parametrize(
    "sentence",
    [
        # another side's person opens the sentence and speaks; Moscow is named only after
        "Zelensky said Ukraine would keep talking to NATO for years, whatever Moscow thinks.",
        # the side owns a noun and neither speaks nor takes a stance: the writer's analysis
        "The eastward drift of NATO shaped Mr. Putin's worldview more than any other trend.",
    ],
)
def test_the_model_does_not_speak_for_the_side_where_nobody_of_it_speaks(
    eager: RuleSet, sentence: str
) -> None:
    """The model reads words, not holders (a retrained one was sure of a Russian stance in
    sentences like these); the guards keep it out."""
    assert extract_claims(sentence, dt.date(2025, 9, 11), default_ruleset(False)) == []
    assert extract_claims(sentence, dt.date(2025, 9, 11), eager) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Lavrov spoke about NATO for an hour at his news conference in Moscow on Tuesday.",
        "In Mr. Lavrov's view, the talk of NATO in Kyiv is a dangerous fantasy for everyone.",
    ],
)
def test_the_guards_leave_the_side_speaking(eager: RuleSet, sentence: str) -> None:
    """A Russian speaker, or a view that is Russian ("in Lavrov's view"), is still read."""
    claims = extract_claims(sentence, dt.date(2025, 9, 11), eager)
    assert [(c.issue, c.stance, c.how) for c in claims] == [
        ("nato_membership", "rejects", "second opinion")
    ]


def test_explain_shows_the_models_evidence(rules: RuleSet) -> None:
    page = next(f for f in fixtures("dev") if f.id == UATV)
    title, text = title_and_text(page)
    shown = "\n".join(e.render() for e in explain(text, article_day(page), rules, title=title))
    assert "CLAIM russia/ceasefire_terms/open_to" in shown
    assert "words that weighed most:" in shown


def test_its_confidence_must_stay_below_the_shift_threshold() -> None:
    raw = parse_yaml(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    raw["second_opinion"]["confidence"] = raw["ledger"]["shift_confidence"]
    with pytest.raises(RulesError, match="second_opinion.confidence"):
        load_ruleset(raw)


def test_a_missing_model_file_is_one_clear_error() -> None:
    raw = parse_yaml(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    raw["second_opinion"]["model"] = "no-such-model.json"
    with pytest.raises(RulesError, match="second_opinion.model: cannot read"):
        load_ruleset(raw)


def _claim(stance: str, confidence: float) -> ClaimFound:
    return ClaimFound(
        side="russia",
        actor="Dmitry Peskov",
        issue="foreign_troops",
        stance=stance,
        evidence="Peskov said ...",
        statement_date=dt.date(2025, 9, 10),
        confidence=confidence,
        reported=False,
        rule="test",
    )


def test_moving_off_a_position_that_only_a_weak_claim_set_is_only_a_possible_shift() -> None:
    """A model's weak claim may set a position, but a confident claim against it alone is not
    a SHIFT: the earlier line was never trusted enough to have moved from. Rules claims under
    the SHIFT confidence still set positions that a SHIFT moves from."""
    weak = LedgerEntry(
        side="russia",
        issue="foreign_troops",
        stance="open_to",
        statement_date=dt.date(2025, 9, 1),
        evidence="...",
        story_id=1,
        kind=Kind.NEW_POSITION.value,
        confidence=0.5,
    )
    decision = decide([weak], _claim("rejects", 0.9), story_id=2, weak_position=0.5)
    assert decision.kind is Kind.POSSIBLE_SHIFT
    assert "rests on one weak claim" in decision.reason
    trusted = LedgerEntry(**{**weak.row(), "confidence": 0.9})
    assert decide([trusted], _claim("rejects", 0.9), story_id=2, weak_position=0.5).kind is (
        Kind.SHIFT
    )
