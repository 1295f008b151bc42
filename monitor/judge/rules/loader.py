"""Rules as data: the topic's YAML rules validated by pydantic and compiled into cue layers."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.errors import ConfigError
from monitor.judge.rules.matcher import Cue, PhraseIndex, Scan, phrase_atoms
from monitor.judge.rules.second_opinion import SecondOpinion, load_second_opinion
from monitor.store.kinds import Stance as StanceKind
from monitor.yamlload import parse_yaml

logger = logging.getLogger(__name__)

STANCES = tuple(StanceKind)
ActorKind = Literal[
    "leader", "official", "spokesperson", "institution", "collective", "country", "document"
]
NOT_A_STANCE = "_none"
UNCHANGED = "unchanged"  # a comparisons-layer label: the stance held before, restated
REVERSAL = "reversal"  # an object negation that undoes what exists ("roll back")
GENERIC = "_generic"  # an issue cue whose issue the organisation named next to it decides
Stance = Literal["demands", "rejects", "accepts", "open_to", "proposes"]


class RulesError(ConfigError):
    """The rules YAML is invalid; the message names the file (if any) and the field."""


def _check_phrase(phrase: str) -> str:
    try:
        phrase_atoms(phrase)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    return phrase


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WeightedCue(_Strict):
    """A cue with its own weight: how much a claim made through it can be trusted."""

    cue: str
    weight: float = Field(default=1.0, gt=0, le=1)
    means: Stance | None = None  # for an issue cue: what a demand about it is (over demand_means)
    stance: Stance | None = None  # an issue cue that states the stance itself ("illegitimate")

    _phrase = field_validator("cue")(classmethod(lambda cls, v: _check_phrase(v)))


CueItem = str | WeightedCue


def _check_cues(items: list[CueItem]) -> list[CueItem]:
    for item in items:
        _check_phrase(item if isinstance(item, str) else item.cue)
    return items


class ActorSpec(_Strict):
    """A speaker: canonical name, how it is written, and what kind of source it is."""

    name: str
    kind: ActorKind
    aliases: list[str] = Field(default_factory=list)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, aliases: list[str]) -> list[str]:
        return [_check_phrase(alias) for alias in aliases]


class SideSpec(_Strict):
    """A side of the conflict; only tracked sides produce claims."""

    tracked: bool = False
    actors: list[ActorSpec] = Field(min_length=1)


class IssueSpec(_Strict):
    """An issue and the phrases that name it.

    ``negative_cues`` name its opposite ("non-membership"); ``elliptical_cues`` count only in a
    stance-less clause after a claim ("would accept EU membership, but never NATO").
    """

    cues: list[CueItem] = Field(min_length=1)
    negative_cues: list[CueItem] = Field(default_factory=list)
    elliptical_cues: list[CueItem] = Field(default_factory=list)
    negatable: bool = True
    demand_means: Stance | None = None
    proposal_is_demand: bool = False  # no "proposes" in the convention: a proposal demands it
    accepts_means: Stance | None = None  # no "accepts" in the convention: what acceptance is
    open_to_means: Stance | None = None  # what openness to it is (Moscow open to its own demand)
    reversal_means: Stance | None = None  # what demanding it be rolled back is ("roll back")

    _c = field_validator("cues", "negative_cues", "elliptical_cues")(
        classmethod(lambda cls, v: _check_cues(v))
    )


class StanceSpec(_Strict):
    """Cues of one stance; ``modal`` cues ("must") state a demand on someone else."""

    cues: list[CueItem] = Field(min_length=1)
    modal: list[CueItem] = Field(default_factory=list)
    # Charges against another side ("the US is escalating the war by sending weapons, the
    # ambassador said"): the subject is the accused, the speaker holds the stance.
    accusations: list[CueItem] = Field(default_factory=list)

    _c = field_validator("cues", "modal", "accusations")(classmethod(lambda cls, v: _check_cues(v)))


class NegationSpec(_Strict):
    """Negation before a stance cue flips it; negation before the issue turns a demand round."""

    cues: list[str] = Field(min_length=1)
    window: int = Field(default=3, ge=1, le=8)
    flip: dict[Stance, Stance | None]
    object_cues: list[str] = Field(default_factory=list)
    after_cues: list[str] = Field(default_factory=list)
    exclusion_cues: list[str] = Field(default_factory=list)
    reversal_cues: list[str] = Field(default_factory=list)  # object cues that undo, not refuse
    not_cues: list[str] = Field(default_factory=list)  # "not all", "not only": no negation

    _c = field_validator(
        "cues", "object_cues", "after_cues", "exclusion_cues", "reversal_cues", "not_cues"
    )(classmethod(lambda cls, v: [_check_phrase(p) for p in v]))


_KIND_TRUST: dict[ActorKind, float] = {
    "leader": 0.9,
    "official": 0.9,
    "spokesperson": 0.9,
    "institution": 0.8,
    "document": 0.8,
    "collective": 0.75,
    "country": 0.65,
}


class ConfidenceSpec(_Strict):
    """How far a claim can be trusted, by who said it and how we know."""

    actor_kind: dict[ActorKind, float] = Field(default_factory=lambda: dict(_KIND_TRUST))
    quote_bonus: float = Field(default=0.05, ge=0, le=0.5)
    reported_factor: float = Field(default=0.75, gt=0, le=1)
    inherited_factor: float = Field(default=0.95, gt=0, le=1)
    title_factor: float = Field(default=0.9, gt=0, le=1)
    narrative_soft_factor: float = Field(default=1.0, gt=0, le=1)  # soft stance, no words quoted


class LedgerSpec(_Strict):
    """Ledger thresholds: when a shift is confident enough to alert, when `other` claims differ."""

    shift_confidence: float = Field(default=0.8, ge=0, le=1)
    other_similarity: float = Field(default=70.0, ge=0, le=100)


class SecondOpinionSpec(_Strict):
    """A trained model that may add what the rules missed (``second_opinion.py`` says how).

    ``confidence`` stays below ``ledger.shift_confidence``, so a claim only the model found
    never raises a SHIFT on its own.
    """

    model: str = Field(min_length=1)  # a JSON file beside the rules file, else a shipped one
    side: str  # whose claims the model was trained on
    threshold: float = Field(default=0.95, gt=0.5, lt=1)
    confidence: float = Field(default=0.5, ge=0, le=1)


class BaselineSpec(_Strict):
    """A known, dated position with its source: seeds the ledger before any article."""

    side: str
    issue: str
    stance: Stance
    date: dt.date
    evidence: str = Field(min_length=1)
    url: str = Field(pattern=r"^https?://")


class ReferenceSpec(_Strict):
    """Phrases that name an issue only through context: the organisation or topic named nearby.

    ``generic_cues`` ("aspirations to join", "the bloc") take the issue of the organisation named
    next to them, else of the one named last before them in the article; ``organisations`` map
    each issue to the names that decide it.
    """

    generic_cues: list[str] = Field(default_factory=list)
    organisations: dict[str, list[str]] = Field(default_factory=dict)
    pronouns: list[str] = Field(default_factory=list)
    anaphors: list[str] = Field(default_factory=list)

    _c = field_validator("generic_cues", "pronouns", "anaphors")(
        classmethod(lambda cls, v: [_check_phrase(p) for p in v])
    )


class MatchingSpec(_Strict):
    """How cue words meet text words: in ``lemma_layers`` every inflection of a cue word matches."""

    lemma_layers: list[Literal["issues", "stances", "mentions", "speech"]] = Field(
        default_factory=list
    )


class RulesSpec(_Strict):
    """The whole rules document of a topic."""

    sides: dict[str, SideSpec] = Field(min_length=1)
    non_speakers: list[str] = Field(default_factory=list)
    reporting: list[str] = Field(default_factory=list)
    speech_verbs: list[str] = Field(min_length=1)
    clause_breaks: list[str] = Field(default_factory=lambda: ["but", "while", "whereas"])
    hedges: list[str] = Field(default_factory=list)
    comparisons: list[str] = Field(default_factory=list)  # "our stance on X is the same as on Y"
    restatements: list[str] = Field(default_factory=list)  # "our position on X has not changed"
    issues: dict[str, IssueSpec] = Field(min_length=1)
    stances: dict[Stance, StanceSpec]
    not_stances: list[str] = Field(default_factory=list)
    not_speech: list[str] = Field(default_factory=list)  # "member states": no speech verb
    negation: NegationSpec
    confidence: ConfidenceSpec = Field(default_factory=ConfidenceSpec)
    ledger: LedgerSpec = Field(default_factory=LedgerSpec)
    baseline: list[BaselineSpec] = Field(default_factory=list)
    possessors: dict[str, list[str]] = Field(default_factory=dict)
    conditions: list[str] = Field(default_factory=list)
    not_conditions: list[str] = Field(default_factory=list)  # "once again": no condition
    matching: MatchingSpec = Field(default_factory=MatchingSpec)
    references: ReferenceSpec = Field(default_factory=lambda: ReferenceSpec())
    second_opinion: SecondOpinionSpec | None = None

    _p = field_validator(
        "non_speakers",
        "reporting",
        "speech_verbs",
        "not_stances",
        "not_speech",
        "hedges",
        "conditions",
        "not_conditions",
        "comparisons",
        "restatements",
    )(classmethod(lambda cls, v: [_check_phrase(p) for p in v]))

    @model_validator(mode="after")
    def _consistent(self) -> RulesSpec:
        if not any(side.tracked for side in self.sides.values()):
            raise ValueError("sides: at least one side must have 'tracked: true'")
        missing = [stance for stance in STANCES if stance not in self.stances]
        if missing:
            raise ValueError(f"stances: missing {', '.join(missing)}")
        seen: dict[str, str] = {}
        for name, issue in self.issues.items():
            for item in [*issue.cues, *issue.negative_cues]:
                phrase = (item if isinstance(item, str) else item.cue).lower()
                if phrase in seen and seen[phrase] != name:
                    raise ValueError(
                        f"issues.{name}: cue {phrase!r} is already a cue of issues.{seen[phrase]}"
                    )
                seen[phrase] = name
        for side in self.possessors:
            if side not in self.sides:
                raise ValueError(f"possessors: unknown side {side!r}")
        for named in self.references.organisations:
            if named not in self.issues:
                raise ValueError(f"references.organisations: unknown issue {named!r}")
        for index, entry in enumerate(self.baseline):
            if entry.side not in self.sides:
                raise ValueError(f"baseline.{index}.side: unknown side {entry.side!r}")
            if entry.issue not in self.issues and entry.issue != "other":
                raise ValueError(f"baseline.{index}.issue: unknown issue {entry.issue!r}")
        opinion = self.second_opinion
        if opinion is not None:
            if opinion.side not in self.sides or not self.sides[opinion.side].tracked:
                raise ValueError(f"second_opinion.side: {opinion.side!r} is not a tracked side")
            if opinion.confidence >= self.ledger.shift_confidence:
                raise ValueError(
                    "second_opinion.confidence: must stay below ledger.shift_confidence, "
                    "or the model alone could raise a SHIFT"
                )
        return self


@dataclass(frozen=True, slots=True)
class ActorInfo:
    """What an actor cue stands for."""

    side: str
    name: str
    kind: str
    tracked: bool


@dataclass(frozen=True, slots=True)
class StanceInfo:
    """What a stance cue stands for."""

    stance: str
    weight: float
    modal: bool
    accusation: bool = False  # the speaker's charge against another side, its subject


@dataclass(frozen=True, slots=True)
class IssueInfo:
    """What an issue cue stands for; ``negative`` cues name the issue's opposite."""

    issue: str
    weight: float
    negative: bool
    negatable: bool
    demand_means: str | None = None
    proposal_is_demand: bool = False
    stance: str | None = None
    accepts_means: str | None = None
    reversal_means: str | None = None
    open_to_means: str | None = None


def _cue_text(item: CueItem) -> tuple[str, float]:
    return (item, 1.0) if isinstance(item, str) else (item.cue, item.weight)


class RuleSet:
    """Validated rules plus their compiled cue layers; built once per topic."""

    def __init__(self, spec: RulesSpec, folder: Path | None = None) -> None:
        """``folder`` is where files the rules name (the second opinion's model) are found."""
        self.spec = spec
        self.tracked_sides = frozenset(n for n, s in spec.sides.items() if s.tracked)
        mentions: list[Cue] = []
        for side_name, side in spec.sides.items():
            for actor in side.actors:
                info = ActorInfo(side_name, actor.name, actor.kind, side.tracked)
                for alias in dict.fromkeys([actor.name, *actor.aliases]):
                    mentions.append(Cue(alias, "actor", info))
        mentions += [Cue(p, "non_speaker") for p in spec.non_speakers]
        mentions += [Cue(p, "reporter") for p in spec.reporting]
        stance_cues: list[Cue] = []
        for stance, stance_spec in spec.stances.items():
            for item in stance_spec.cues:
                phrase, weight = _cue_text(item)
                stance_cues.append(Cue(phrase, stance, StanceInfo(stance, weight, False)))
            for item in stance_spec.modal:
                phrase, weight = _cue_text(item)
                stance_cues.append(Cue(phrase, stance, StanceInfo(stance, weight, True)))
            for item in stance_spec.accusations:
                phrase, weight = _cue_text(item)
                stance_cues.append(Cue(phrase, stance, StanceInfo(stance, weight, False, True)))
        stance_cues += [Cue(p, NOT_A_STANCE) for p in spec.not_stances]
        issue_cues: list[Cue] = []
        for issue, issue_spec in spec.issues.items():
            for items, negative in ((issue_spec.cues, False), (issue_spec.negative_cues, True)):
                for item in items:
                    phrase, weight = _cue_text(item)
                    means = getattr(item, "means", None) or issue_spec.demand_means
                    issue_info = IssueInfo(
                        issue,
                        weight,
                        negative,
                        issue_spec.negatable,
                        means,
                        issue_spec.proposal_is_demand,
                        getattr(item, "stance", None),
                        issue_spec.accepts_means,
                        issue_spec.reversal_means,
                        issue_spec.open_to_means,
                    )
                    issue_cues.append(Cue(phrase, issue, issue_info))
        issue_cues += [
            Cue(p, GENERIC, IssueInfo(GENERIC, 1.0, False, True))
            for p in spec.references.generic_cues
        ]
        self.issue_infos = {
            name: IssueInfo(name, 1.0, False, s.negatable, s.demand_means, s.proposal_is_demand)
            for name, s in spec.issues.items()
        }
        elliptical = [
            Cue(phrase, issue, IssueInfo(issue, weight, False, issue_spec.negatable))
            for issue, issue_spec in spec.issues.items()
            for phrase, weight in map(_cue_text, issue_spec.elliptical_cues)
        ]
        negation = spec.negation
        self.index = PhraseIndex(
            {
                "mentions": mentions,
                "stances": stance_cues,
                "issues": issue_cues,
                "elliptical": elliptical,
                "speech": [Cue(p, "speech") for p in spec.speech_verbs]
                + [Cue(p, NOT_A_STANCE) for p in spec.not_speech],
                "negations": [Cue(p, "not") for p in negation.cues]
                + [Cue(p, NOT_A_STANCE) for p in negation.not_cues],
                "object_negations": [Cue(p, "not") for p in negation.object_cues]
                + [Cue(p, REVERSAL) for p in negation.reversal_cues],
                "after_negations": [Cue(p, "not") for p in negation.after_cues],
                "exclusions": [Cue(p, "except") for p in negation.exclusion_cues],
                "clause_breaks": [Cue(p, "break") for p in spec.clause_breaks]
                + [Cue(p, NOT_A_STANCE) for p in spec.not_conditions],
                "conditions": [Cue(p, "condition") for p in spec.conditions]
                + [Cue(p, NOT_A_STANCE) for p in spec.not_conditions],
                "issue_references": [Cue(p, "pronoun") for p in spec.references.pronouns]
                + [Cue(p, "anaphor") for p in spec.references.anaphors],
                "hedges": [Cue(p, "hedge") for p in spec.hedges],
                "comparisons": [Cue(p, "same") for p in spec.comparisons]
                + [Cue(p, UNCHANGED) for p in spec.restatements],
                "organisations": [
                    Cue(p, issue)
                    for issue, names in spec.references.organisations.items()
                    for p in names
                ],
            },
            lemma_layers=frozenset(spec.matching.lemma_layers),
        )

        self.possessor_pattern = _possessors(spec.possessors)
        # the tracked side's standing stance per issue, for "our position has not changed"
        self.baseline_stances: dict[str, str] = {
            b.issue: b.stance
            for b in sorted(spec.baseline, key=lambda b: b.date)
            if spec.sides[b.side].tracked
        }
        self.second_opinion: SecondOpinion | None = None
        if spec.second_opinion is not None:
            path = (folder or DEFAULT_RULES_PATH.parent) / spec.second_opinion.model
            if not path.exists():  # a copied rules file still finds the shipped model
                path = DEFAULT_RULES_PATH.parent / spec.second_opinion.model
            try:
                self.second_opinion = load_second_opinion(path, spec.second_opinion.threshold)
            except (OSError, ValueError, KeyError) as exc:
                raise RulesError(f"second_opinion.model: cannot read {path}: {exc}") from exc

    def scan(self, text: str) -> Scan:
        """All cue layers' matches in a text, in one pass."""
        return self.index.scan(text)

    @property
    def issue_names(self) -> list[str]:
        return list(self.spec.issues)


def _possessors(possessors: Mapping[str, list[str]]) -> re.Pattern[str] | None:
    """One regex: another side's possessive or adjective right before a name ("Ukraine's ")."""
    if not possessors:
        return None
    groups = [
        f"(?P<{side}>" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + ")"
        for side, words in possessors.items()
    ]
    return re.compile(r"\b(?:" + "|".join(groups) + r")\s+(?:the\s+)?$", re.IGNORECASE)


def _format_error(exc: ValidationError, origin: str) -> str:
    lines = [f"invalid rules in {origin}:"]
    for error in exc.errors():
        where = ".".join(["rules", *(str(part) for part in error["loc"])])
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"  {where}: {message}")
    return "\n".join(lines)


def load_ruleset(data: Mapping[str, Any] | Path) -> RuleSet:
    """Validate rules given as a mapping or a YAML file path; raise RulesError naming the field."""
    origin = "topic config"
    folder: Path | None = None
    if isinstance(data, (str, Path)):
        path = Path(data)
        origin = str(path)
        folder = path.parent
        try:
            raw = parse_yaml(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise RulesError(f"cannot read rules file {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise RulesError(f"rules file {path} is not valid YAML: {exc}") from exc
        if isinstance(raw, Mapping) and "rules" in raw and len(raw) == 1:
            raw = raw["rules"]
    else:
        raw = data
    if not isinstance(raw, Mapping):
        raise RulesError(f"invalid rules in {origin}: expected a mapping, got {type(raw).__name__}")
    try:
        spec = RulesSpec.model_validate(dict(raw))
    except ValidationError as exc:
        raise RulesError(_format_error(exc, origin)) from exc
    ruleset = RuleSet(spec, folder)
    logger.debug("loaded rules from %s: %d issues", origin, len(spec.issues))
    return ruleset


DEFAULT_RULES_PATH = Path(__file__).resolve().parents[2] / "topics" / "default.rules.yaml"


def default_ruleset(second_opinion: bool = True) -> RuleSet:
    """The shipped default topic's rules (Russia's positions on Ukraine's security guarantees);
    ``second_opinion=False`` leaves the learned model out (the rules' own figure and cost)."""
    if second_opinion:
        return load_ruleset(DEFAULT_RULES_PATH)
    raw = parse_yaml(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    raw.pop("second_opinion", None)
    return load_ruleset(raw)


def topic_ruleset(rules: Mapping[str, Any] | str | Path | None, topic_path: Path) -> RuleSet:
    """A topic's ``rules:``: inline, a file relative to the topic file, or the shipped default."""
    if rules is None:
        return default_ruleset()
    if isinstance(rules, (str, Path)):
        return load_ruleset(topic_path.parent / rules)
    return load_ruleset(rules)
