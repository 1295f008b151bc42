"""Rule engine: rules as data (YAML), claims with evidence, and explanations of each match."""

from monitor.judge.rules.claims import ClaimFound, extract_claims
from monitor.judge.rules.explain import SentenceExplanation, explain
from monitor.judge.rules.loader import (
    DEFAULT_RULES_PATH,
    STANCES,
    RulesError,
    RuleSet,
    default_ruleset,
    load_ruleset,
    topic_ruleset,
)

__all__ = [
    "DEFAULT_RULES_PATH",
    "STANCES",
    "ClaimFound",
    "RuleSet",
    "RulesError",
    "SentenceExplanation",
    "default_ruleset",
    "explain",
    "extract_claims",
    "load_ruleset",
    "topic_ruleset",
]
