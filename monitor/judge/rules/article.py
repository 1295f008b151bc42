"""One article's scan: cue matches, who is mentioned, quotations and who speaks them.

Everything here is computed once per article and shared by its sentences: the cue layers in one
pass, actors plus people found by pattern ("Mr. X", "said Jane Doe", "Jane Doe, a Russia
expert", he/she), quotation spans and their speakers ('..., he said', 'Lavrov said: "..."').
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from operator import attrgetter, le

from monitor.judge.rules.loader import GENERIC, NOT_A_STANCE, ActorInfo, RuleSet
from monitor.judge.rules.matcher import Cue, CueMatch, find_all
from monitor.judge.rules.sentences import Span, quote_spans

_PERSON_KINDS = frozenset({"leader", "official", "spokesperson", "person"})


def _word_start(*words: str) -> str:
    """``\\b(?:word|...)`` as a regex the engine can jump through: a leading ``\\b`` makes it
    try every position of the text, while alternatives that start with a letter (the look-behind
    after it checks that no word character comes before) let it skip to those letters."""
    return "(?:" + "|".join(f"{w[0]}(?<!\\w{w[0]}){re.escape(w[1:])}" for w in words) + ")"


_HONORIFIC = re.compile(_word_start("Mr", "Ms", "Mrs", "Dr", "Gen", "Prof") + r"\.\s+[A-Z][\w'’-]+")
_NAME = r"[A-Z][a-z'’-]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'’-]+"
_SAID_NAME = re.compile(
    _word_start("said", "says", "according to", "wrote", "writes", "argues", "argued")
    + rf"\s+(?P<name>{_NAME})"
)
_EXPERT_APPOSITIVE = re.compile(
    rf"(?P<name>{_NAME}),\s+(?:(?:a|an|the)\s+[^.;,]{{0,80}}?\b(?:expert|analyst|researcher|scholar|"
    r"professor|fellow|historian|economist|commentator|specialist|scientist|director|editor)"
    # without an article only the analyst's own title: "Tatiana Stanovaya, senior fellow at ..."
    r"|(?:senior\s+|research\s+|political\s+)?(?:fellow|analyst|expert|researcher|scholar|professor)\b)"
)
_PRONOUN = re.compile(_word_start("he", "she", "He", "She") + r"\b")


def _tail(pattern: re.Pattern[str], head: str) -> str:
    """What ``pattern`` asks for after ``head``, which it must start with."""
    if not pattern.pattern.startswith(head):
        raise ValueError(f"{pattern.pattern!r} does not start with {head!r}")
    return pattern.pattern[len(head) :]


_CAPITAL = re.compile("[A-Z]")


def _surname_pattern(surname: str, possessive: bool) -> re.Pattern[str]:
    """``\\bSurname(?:'s)?\\b`` (or never its "'s" form), led by the name itself rather than by
    ``\\b``, so that the regex engine finds it at C speed instead of trying every position."""
    name = re.escape(surname)
    tail = r"(?:['’]s)?\b" if possessive else r"\b(?!['’]s)"
    return re.compile(rf"{name}(?<!\w{name}){tail}")


class _WordAlternatives:
    """``_word_start(*words) + tail`` run as one regex per word, each led by its word itself (a
    literal the regex engine finds fast; first letters like s, a, h are everywhere), the matches
    merged in text order. Should two of them overlap, the single regex decides, as it would."""

    def __init__(self, words: tuple[str, ...], tail: str) -> None:
        self.whole = re.compile(_word_start(*words) + tail)
        self._parts = [re.compile(f"{re.escape(w)}(?<!\\w{re.escape(w)}){tail}") for w in words]

    def finditer(self, text: str) -> list[re.Match[str]]:
        """What ``self.whole.finditer(text)`` finds."""
        matches = chain.from_iterable(part.finditer(text) for part in self._parts)
        found = sorted(matches, key=re.Match.start)
        if any(a.end() > b.start() for a, b in zip(found, found[1:])):
            return list(self.whole.finditer(text))
        return found


# a match's or a mention's start and end, read at C speed (sort keys, lists of offsets)
_START = attrgetter("start")
_END = attrgetter("end")


_HONORIFIC_WORDS = _WordAlternatives(
    ("Mr", "Ms", "Mrs", "Dr", "Gen", "Prof"), r"\.\s+[A-Z][\w'’-]+"
)
_SAID_NAME_WORDS = _WordAlternatives(
    ("said", "says", "according to", "wrote", "writes", "argues", "argued"),
    rf"\s+(?P<name>{_NAME})",
)
_PRONOUN_WORDS = _WordAlternatives(("he", "she", "He", "She"), r"\b")


class _NameThenComma:
    """``pattern.finditer`` for a pattern that opens with a _NAME and its comma ("Jane Doe, a
    Russia expert"), tried only before the commas its tail (from the comma on) accepts: a name
    runs up to its comma and holds none, so it starts at a capital after the comma before (and
    after the previous match). The tail is a look-ahead: one comma's tail may hold the next."""

    def __init__(self, pattern: re.Pattern[str]) -> None:
        self.pattern = pattern
        self._commas = re.compile(",(?=" + _tail(pattern, f"(?P<name>{_NAME}),") + ")")

    def finditer(self, text: str) -> list[re.Match[str]]:
        """What ``self.pattern.finditer(text)`` finds."""
        found: list[re.Match[str]] = []
        position = 0
        for tail in self._commas.finditer(text):
            comma = tail.start()
            if comma < position:
                continue
            lo = max(position, text.rfind(",", 0, comma) + 1)
            for capital in _CAPITAL.finditer(text, lo, comma):
                match = self.pattern.match(text, capital.start())
                if match is not None:
                    found.append(match)
                    position = match.end()
                    break
        return found


_APPOSITIVES = _NameThenComma(_EXPERT_APPOSITIVE)


# A title without a name stands for the person named last before it, like he/she:
# "..., the president stressed" after "Putin said ...".
_TITLE = re.compile(  # "[Tt](?<!\w[Tt])": "\b[Tt]" that the regex engine can jump through
    r"[Tt](?<!\w[Tt])he\s+(?:(?:deputy|chief|top|foreign)\s+)?(?:president|minister|envoy|negotiator|"
    r"aide|ambassador|official|diplomat|senator|lawmaker|adviser|advisor)\b"
)
_TITLE_WORDS = _WordAlternatives(("the", "The"), _tail(_TITLE, r"[Tt](?<!\w[Tt])he"))
_TOLD_BEFORE = re.compile(r"\btold\s+$")
_THAT_BETWEEN = re.compile(r"\s+(?:that\s+)?")
_INTRODUCES_QUOTE = re.compile(r"[:,]\s*$|\bthat\s*$")
_PREPOSITION_BEFORE = re.compile(
    r"\b(?:from|of|to|in|into|with|by|for|against|on|at|toward|towards|about|over|between|"
    r"than|near|inside|without|like|as)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
ATTRIBUTION_GAP = 3
_TURN = re.compile(
    r"\s*(?:(?P<asker>Q|Question|Journalist|Reporter|Interviewer|Host|Moderator)|[^:;,.“”\"]{2,60}):\s"
)
_ASKER_TURN = re.compile(  # the page is a transcript: it has the interviewer's turns
    r"(?m)^\s*(?:Q|Question|Journalist|Reporter|Interviewer|Host|Moderator):\s"
)
_ORGANISATION_REACH = 5
_SENTENCE_END = re.compile(r"[.;!?]\s")
# A thing named between the issue and a pronoun is what the pronoun stands for: "This option is
# clear to us now, and we are ready to consider it" (the option, not the issue named before it)
_NEARER_ANTECEDENT = re.compile(
    r"\b(?:[Tt]his|[Tt]hat)\s+(?:option|idea|proposal|plan|format|approach|scheme|initiative|"
    r"variant|document|framework|text)\b"
)
# A title of a tracked side's official right before a name ("Russian Deputy Foreign Minister
# Mikhail Galuzin"), and a name with its title after it, at a tracked body ("Alexei Polishchuk,
# director of the Second CIS Department at the Russian Foreign Ministry").
_TITLE_KINDS = frozenset({"collective", "official", "spokesperson"})
_NAME_AFTER_TITLE = re.compile(rf"\s+(?P<name>{_NAME})\b(?!['’]s)")
_NAME_THEN_TITLE = re.compile(
    rf"(?P<name>{_NAME}),\s+(?P<title>(?:(?:the|a)\s+)?(?:(?:Russia['’]s|Russian|Kremlin)\s+)?(?:[Dd]irector|[Hh]ead|[Dd]eputy|[Aa]mbassador|"
    r"[Ee]nvoy|[Ss]pokes(?:man|woman|person)|[Aa]ide|[Aa]dviser|[Ss]enator|[Cc]hair(?:man|woman)?|"
    r"[Gg]overnor|[Mm]inister|[Pp]ermanent [Rr]epresentative|[Ss]peaker)\b[^.;,]{0,80}?)[,.;]"
)
_NAMES_THEN_TITLES = _NameThenComma(_NAME_THEN_TITLE)
_APPOSITIVE_TITLE = re.compile(r",[^.;“”\"]{1,160},\s*")
_RUNS_ON = re.compile(r"\s+(?:that|which)\s")
_CARRY_REACH = 600
_OPENING_WORDS = 7  # words before a sentence's subject ("BRUSSELS, Jan 12 - Moscow's two ...")
_CLAUSE_END = re.compile(r"\s*(?:[.,;:!?”\"’]|$)")


@dataclass(slots=True)
class Mention:
    """Someone who may hold a view: an actor, an analyst, a reporter cue, a person or a pronoun."""

    start: int
    end: int
    text: str
    kind: str  # actor | non_speaker | reporter | person | pronoun
    info: ActorInfo | None = None
    possessive: bool = False
    via_pronoun: bool = False  # a he/she resolved to the person named before it

    @property
    def tracked(self) -> bool:
        return self.info is not None and self.info.tracked

    @property
    def is_person(self) -> bool:
        return self.kind in ("person", "person_analyst", "pronoun") or (
            self.info is not None and self.info.kind in _PERSON_KINDS
        )


@dataclass(slots=True)
class Attribution:
    """A speech verb and who it attributes to; ``reported`` for second-hand markers."""

    start: int
    end: int
    speaker: Mention | None
    reported: bool
    verb: str


class _Occupied:
    """Character spans already taken by a mention, for cheap overlap checks."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self._spans = sorted(spans)
        self._starts = [start for start, _ in self._spans]

    def overlaps(self, start: int, end: int) -> bool:
        index = bisect_right(self._starts, end - 1)  # spans starting before our end
        return any(e > start for _, e in self._spans[max(0, index - 3) : index])

    def add(self, start: int, end: int) -> None:
        index = bisect_right(self._starts, start)
        self._spans.insert(index, (start, end))
        self._starts.insert(index, start)


class ArticleScan:
    """Matches over one article's text, shared by all its sentences (one scan per article)."""

    def __init__(self, text: str, ruleset: RuleSet) -> None:
        self.text = text
        self.rules = ruleset
        scan = ruleset.scan(text)
        self.found = scan.matches
        for layer in ("speech", "conditions", "clause_breaks", "negations"):
            self.found[layer] = [m for m in self.found[layer] if m.label != NOT_A_STANCE]
        self._word_starts = scan.word_starts
        self.lowered = scan.lowered
        # where [nN]['’] stands, which a contraction needs ("won't"): n' in ``lowered``
        self._apostrophe_ns = find_all(self.lowered, "n'")
        self._starts = {layer: list(map(_START, found)) for layer, found in self.found.items()}
        self.stances = self.found["stances"]
        self.issues = self.found["issues"] = self._with_references(
            self._resolve_generic(self.found["issues"])
        )
        self._starts["issues"] = list(map(_START, self.issues))
        self.mentions = self._mentions()
        self.people = [m for m in self.mentions if m.is_person and m.kind != "pronoun"]
        self._people_starts = list(map(_START, self.people))
        self._quotes: dict[int, list[Span]] = {}
        self._quote_speakers: dict[int, Mention | None] = {}
        self._mention_starts = list(map(_START, self.mentions))
        self._turns: dict[int, Mention | str | None] = {}
        self._transcript: bool | None = None
        # A layer's matches do not overlap, so their ends rise with their starts and a third
        # bisection bounds those that end in time; not so where references joined the issues.
        self._ends: dict[str, list[int] | None] = {}
        for layer, found in self.found.items():
            ends = list(map(_END, found))
            self._ends[layer] = ends if all(map(le, ends, ends[1:])) else None

    def _resolve_generic(self, issues: list[CueMatch]) -> list[CueMatch]:
        """ "aspirations to join" + "the European Union": the organisation named decides the issue.

        The organisation named within a few words after the cue wins, else the one named last
        before it in the same sentence, else the one named last before it in the article; with
        none, the cue names no issue.
        """
        organisations = self.found["organisations"]
        starts, ends = self._starts["organisations"], list(map(_END, organisations))
        resolved: list[CueMatch] = []
        for match in issues:
            if match.label != GENERIC:
                resolved.append(match)
                continue
            # an organisation layer's matches do not overlap: in text order by start and end,
            # and the first one after the cue is the nearest (a farther one has more words and
            # every sentence end between), so two bisections find both candidates
            index = bisect_left(starts, match.end)
            after = organisations[index] if index < len(organisations) else None
            if after is not None and (
                self.words(match.end, after.start) > _ORGANISATION_REACH
                or _SENTENCE_END.search(self.text, match.end, after.start)
            ):
                after = None
            index = bisect_right(ends, match.start)
            before = organisations[index - 1] if index > 0 else None
            chosen = after or before
            if chosen is None:
                continue
            info = self.rules.issue_infos[chosen.label]
            cue = Cue(f"{match.cue.phrase} (= {chosen.text})", chosen.label, info)
            resolved.append(CueMatch(cue, match.start, match.end, match.text))
        return resolved

    def _with_references(self, issues: list[CueMatch]) -> list[CueMatch]:
        """ "Russia had nothing against that", "such a deployment": the issue named just before.

        A pronoun right after a stance cue, or an anaphor anywhere, stands for the last issue
        named before it (within a few sentences); with none, it names nothing.
        """
        stance_ends = {m.end for m in self.stances}
        added: list[CueMatch] = []
        starts = [m.start for m in issues]
        for ref in self.found["issue_references"]:
            if ref.label == "pronoun" and not (
                not stance_ends.isdisjoint((ref.start, ref.start - 1, ref.start - 2))
                and _CLAUSE_END.match(self.text, ref.end)
            ):
                continue  # "demands that Ukraine ...": a conjunction, not a pronoun
            index = bisect_left(starts, ref.start) - 1
            if index < 0 or ref.start - issues[index].end > _CARRY_REACH:
                continue
            earlier = issues[index]
            if earlier.end > ref.start:
                continue
            if ref.label == "pronoun" and _NEARER_ANTECEDENT.search(
                self.text, earlier.end, ref.start
            ):
                continue  # "This option is clear to us, and we are ready to consider it"
            cue = Cue(f"{ref.text} (= {earlier.text})", earlier.label, earlier.cue.data)
            added.append(CueMatch(cue, ref.start, ref.end, ref.text))
        if not added:
            return issues
        return sorted(issues + added, key=_START)

    def previous_subject(self, position: int) -> Mention | None:
        """The party that opens the sentence before ``position`` (its subject), when a tracked
        one: "Moscow's draft agreements set out ... tensions with the West. They call on ..."
        refers back to the drafts, not to the West named last."""
        end = position
        while end > 0 and self.text[end - 1].isspace():
            end -= 1
        if end <= 0:
            return None
        start = max(
            self.text.rfind("\n", 0, end - 1),
            *(self.text.rfind(stop, 0, end - 1) for stop in (". ", "? ", "! ", ".” ", '." ')),
        )
        start = start + 1 if start >= 0 else 0
        lo = bisect_left(self._mention_starts, start)
        for mention in self.mentions[lo : bisect_left(self._mention_starts, end)]:
            if mention.kind in ("reporter", "pronoun"):
                continue
            if mention.text.isupper() and self.text.startswith(",", mention.end):
                continue  # the dateline's place: "BRUSSELS, Jan 12 -"
            if len(self.text[start : mention.start].split()) > _OPENING_WORDS:
                return None
            if mention.possessive:
                continue  # "Moscow's twin drafts": the drafts are the subject
            return mention if mention.tracked else None
        return None

    def carried_holder(self, position: int) -> Mention | None:
        """The party the text was last about before ``position``: a tracked one carries over.

        Someone named (not a country merely mentioned) in the sentences just before: "It also
        demands ..." after "The memorandum ...", "The spokesman added ..." after "Peskov said".
        """
        index = bisect_left(self._mention_starts, position) - 1
        floor = max(0, position - _CARRY_REACH)
        while index >= 0 and self.mentions[index].start >= floor:
            mention = self.mentions[index]
            index -= 1
            if mention.kind == "pronoun":
                continue
            if mention.kind == "reporter":
                continue
            if mention.info is not None and mention.info.kind == "country":
                if (
                    mention.info.tracked
                    and not mention.possessive
                    and not _PREPOSITION_BEFORE.search(
                        self.text, max(0, mention.start - 12), mention.start
                    )
                ):  # "criticism as tilted towards Moscow": Moscow is what it leans to, not who
                    return mention
                continue
            if mention.possessive:
                continue
            return mention if mention.tracked else None
        return None

    def _mentions(self) -> list[Mention]:
        """Actors, analysts and reporter cues from the scan, plus people named by pattern
        ("Mr. X", "said Jane Doe", "Jane Doe, a Russia expert") and he/she pronouns."""
        text = self.text
        found = [
            Mention(
                match.start,
                match.end,
                match.text,
                match.label,
                match.cue.data if match.label == "actor" else None,
                match.text.endswith(("'s", "’s")) or text.startswith(("'s", "’s"), match.end),
            )
            for match in self.found["mentions"]
        ]
        found = self._titled_officials(found)
        taken = _Occupied([(m.start, m.end) for m in found])
        appositives = _APPOSITIVES.finditer(text)
        analysts = {match.group("name").split()[-1] for match in appositives}
        extra: list[Mention] = []
        for matches, group in (
            (_HONORIFIC_WORDS.finditer(text), 0),
            (_SAID_NAME_WORDS.finditer(text), "name"),
        ):
            for match in matches:
                start, end = match.span(group)
                if taken.overlaps(start, end):
                    continue
                surname = match.group(group).split()[-1]
                kind = "person_analyst" if surname in analysts else "person"
                extra.append(Mention(start, end, match.group(group), kind))
                taken.add(start, end)
        for match in appositives:
            start, end = match.span("name")
            if not taken.overlaps(start, end):
                extra.append(Mention(start, end, match.group("name"), "person_analyst"))
                taken.add(start, end)
        extra += self._surnames_again(extra, taken)
        extra += [
            Mention(match.start(), match.end(), match.group(0), "pronoun")
            for match in _PRONOUN_WORDS.finditer(text)
        ]
        extra += [
            Mention(match.start(), match.end(), match.group(0), "pronoun")
            for match in _TITLE_WORDS.finditer(text)
            if not taken.overlaps(match.start(), match.end())
        ]
        return self._owned(sorted(found + extra, key=_START))

    def _titled_officials(self, found: list[Mention]) -> list[Mention]:
        """Officials not on the list, known by their title: "Russian Deputy Foreign Minister
        Mikhail Galuzin" or "Alexei Polishchuk, director of a department at the Russian Foreign
        Ministry" is a tracked side's official, and so is "Galuzin" alone later on."""
        text = self.text
        named: dict[str, ActorInfo] = {}
        for mention in found:
            info = mention.info
            if info is None or not info.tracked or info.kind not in _TITLE_KINDS:
                continue
            after = _NAME_AFTER_TITLE.match(text, mention.end)
            if after is not None and mention.possessive is False:
                name = after.group("name")
                person = ActorInfo(info.side, name, "official", True)
                mention.end, mention.text, mention.info = (
                    after.end(),
                    text[mention.start : after.end()],
                    person,
                )
                named.setdefault(name.split()[-1], person)
        for match in _NAMES_THEN_TITLES.finditer(text):
            body = next(
                (
                    m
                    for m in found
                    if match.start("title") <= m.start < match.end()
                    and m.info is not None
                    and m.info.tracked
                    and m.info.kind in ("institution", "country", "collective")
                ),
                None,
            )
            if body is None or body.info is None:
                continue
            name = match.group("name")
            person = ActorInfo(body.info.side, name, "official", True)
            found.append(Mention(match.start("name"), match.end("name"), name, "actor", person))
            named.setdefault(name.split()[-1], person)
        if not named:
            return found
        taken = _Occupied([(m.start, m.end) for m in found])
        for surname, person in named.items():
            for match in self._surname_again(surname, 0, taken, possessive=True):
                said = match.group(0)
                found.append(
                    Mention(
                        match.start(),
                        match.end(),
                        said,
                        "actor",
                        person,
                        said.endswith(("'s", "’s")),
                    )
                )
        return sorted(found, key=_START)

    def _surnames_again(self, people: list[Mention], taken: _Occupied) -> list[Mention]:
        """ "argues Tatiana Stanovaya ... Stanovaya writes": a person named in full is the same
        person when the surname comes back alone later on."""
        kinds: dict[str, tuple[int, str]] = {}
        for person in people:
            words = person.text.split()
            if len(words) >= 2 and words[-1][:1].isupper():
                kinds.setdefault(words[-1], (person.start, person.kind))
        return [
            Mention(match.start(), match.end(), surname, kind)
            for surname, (first, kind) in kinds.items()
            for match in self._surname_again(surname, first + 1, taken, possessive=False)
        ]

    def _surname_again(
        self, surname: str, after: int, taken: _Occupied, possessive: bool
    ) -> list[re.Match[str]]:
        """Where ``surname`` (a capitalised word) stands alone from ``after`` on, in no span
        already taken (each place found is taken); with ``possessive`` its "'s" form too, else
        not that form."""
        found = []
        for match in _surname_pattern(surname, possessive).finditer(self.text, after):
            if not taken.overlaps(match.start(), match.end()):
                taken.add(match.start(), match.end())
                found.append(match)
        return found

    def _owned(self, mentions: list[Mention]) -> list[Mention]:
        """ "Ukraine's foreign ministry": a body named after another side's possessive is theirs."""
        owners = self.rules.possessor_pattern
        if owners is None:
            return mentions
        for mention in mentions:
            info = mention.info
            if info is None or not info.tracked or info.kind in ("country", "leader"):
                continue
            owner = owners.search(self.text, max(0, mention.start - 30), mention.start)
            if owner is None:
                continue
            side = next(name for name, group in owner.groupdict().items() if group)
            mention.info = ActorInfo(
                side, f"{owner.group(0).strip()} {mention.text}", info.kind, False
            )
        return mentions

    def resolve_pronoun(self, pronoun: Mention, quotes: Sequence[Span]) -> Mention | None:
        """The last person named before a he/she, skipping names inside quotations."""
        index = bisect_right(self._people_starts, pronoun.start) - 1
        subject = self._previous_subject(pronoun, quotes)
        if subject is not None and index >= 0 and self.people[index].start > subject.start:
            # "Lavrov took aim at the leaders who met Trump and Zelensky. He said ...": a
            # sentence-initial he/she continues the previous sentence's subject
            return Mention(
                pronoun.start,
                pronoun.end,
                f"{pronoun.text} (= {subject.text})",
                subject.kind,
                subject.info,
                via_pronoun=True,
            )
        while index >= 0:
            person = self.people[index]
            if _TOLD_BEFORE.search(self.text, max(0, person.start - 8), person.start) and (
                _THAT_BETWEEN.fullmatch(self.text, person.end, pronoun.start)
            ):
                index -= 1  # "Putin told Witkoff that he wanted": he is the teller
                continue
            if pronoun.text.lower().endswith("president") and (
                person.info is None or person.info.kind != "leader"
            ):
                index -= 1  # "the president" is a leader, not the minister named last
                continue
            if not any(q.start <= person.start < q.end for q in quotes):
                # The pronoun stands in the sentence for the person named earlier.
                return Mention(
                    pronoun.start,
                    pronoun.end,
                    f"{pronoun.text} (= {person.text})",
                    person.kind,
                    person.info,
                    via_pronoun=True,
                )
            index -= 1
        return None

    def _previous_subject(self, pronoun: Mention, quotes: Sequence[Span]) -> Mention | None:
        """The person opening the sentence before a sentence-initial he/she, if any."""
        before = self.text[max(0, pronoun.start - 3) : pronoun.start]
        if pronoun.start and not _SENTENCE_END.search(before):
            return None
        end = len(self.text[: pronoun.start].rstrip())  # where the sentence before it ends
        stop = max(self.text.rfind(". ", 0, end - 1), self.text.rfind("\n", 0, end - 1))
        index = bisect_right(self._mention_starts, stop)
        leading = self.mentions[index] if index < len(self.mentions) else None
        if (  # "He said ... He added ...": the chain goes back to the person it started with
            leading is not None
            and leading.kind == "pronoun"
            and leading.start < pronoun.start
            and self.words(stop + 1, leading.start) == 0
        ):
            resolved = self.resolve_pronoun(leading, quotes)
            if resolved is None or resolved.info is None:
                return None
            return next((p for p in self.people if p.info is resolved.info), None)
        index = bisect_right(self._people_starts, stop)
        opening = self.people[index] if index < len(self.people) else None
        if (
            opening is None
            or opening.start >= pronoun.start
            or opening.kind == "pronoun"
            or any(q.start <= opening.start < q.end for q in quotes)
            or self.words(stop + 1, opening.start) > 0
        ):
            return None
        return opening

    def may_hold_contraction(self, start: int, end: int) -> bool:
        """Whether ``text[start:end]`` holds n' or n’ (in any case), which a contraction needs."""
        index = bisect_left(self._apostrophe_ns, start)
        return index < len(self._apostrophe_ns) and self._apostrophe_ns[index] + 2 <= end

    def words(self, start: int, end: int) -> int:
        """How many words start in ``text[start:end]``."""
        if end <= start:
            return 0
        return bisect_left(self._word_starts, end) - bisect_left(self._word_starts, start)

    def within(self, layer: str, start: int, end: int) -> list[CueMatch]:
        """A layer's matches lying inside ``text[start:end]``."""
        starts = self._starts[layer]  # matches are in text order: two bisections bound them
        lo = bisect_left(starts, start)
        hi = bisect_left(starts, end, lo)
        ends = self._ends[layer]
        if ends is not None:
            return self.found[layer][lo : bisect_right(ends, end, lo, hi)]
        return [m for m in self.found[layer][lo:hi] if m.end <= end]

    def mentions_in(self, start: int, end: int, reporters: bool = False) -> list[Mention]:
        """Mentions lying inside ``text[start:end]`` (reporter cues only when asked)."""
        starts = self._mention_starts
        lo = bisect_left(starts, start)
        return [
            m
            for m in self.mentions[lo : bisect_left(starts, end, lo)]
            if m.end <= end and (reporters or m.kind != "reporter")
        ]

    def quote_speaker(self, quote: Span, paragraph: Span) -> Mention | None:
        """Who speaks a quotation: '..., he said', 'Lavrov said: "..."', or the previous quote's."""
        if quote.start not in self._quote_speakers:
            speaker = self._speaker_after(quote, paragraph) or self._speaker_before(
                quote, paragraph
            )
            if speaker is None:
                earlier = [q for q in self.quotes(paragraph) if q.end <= quote.start]
                if earlier:
                    speaker = self.quote_speaker(earlier[-1], paragraph)
            if speaker is None and not self.text[paragraph.start : quote.start].strip():
                speaker = self._previous_paragraph_speaker(paragraph)
            self._quote_speakers[quote.start] = speaker
        return self._quote_speakers[quote.start]

    def transcript_turn(self, paragraph: Span) -> Mention | str | None:
        """ "Sergey Lavrov: No. ..." in a transcript: the speaker named before the colon holds
        the whole turn; "Question: ..." is the interviewer's ("question"). None for prose."""
        if paragraph.start not in self._turns:
            turn: Mention | str | None = None
            match = _TURN.match(self.text, paragraph.start, paragraph.end)
            if match is not None:
                colon = self.text.rfind(":", paragraph.start, match.end())
                if match.group("asker"):
                    turn = "question"
                else:
                    named = self.mentions_in(paragraph.start, colon)
                    if named and not self.text[named[-1].end : colon].strip():
                        turn = named[-1]
            elif self._is_transcript():
                turn = self._running_turn(paragraph.start)
            self._turns[paragraph.start] = turn
        return self._turns[paragraph.start]

    def _is_transcript(self) -> bool:
        """The page has the interviewer's turns ("Question: ..."): looked for once per article."""
        if self._transcript is None:
            self._transcript = _ASKER_TURN.search(self.text) is not None
        return self._transcript

    def _running_turn(self, start: int) -> Mention | None:
        """A transcript's answer runs on over paragraphs that name no new speaker, up to the next
        "Question:" ("Sergey Lavrov: ... / The West must stop ... / ..."): the turn of the
        nearest earlier paragraph that opens one (walked back, not recursed)."""
        end = start
        while True:
            while end > 0 and self.text[end - 1].isspace():
                end -= 1
            if end == 0:
                return None
            begin = self.text.rfind("\n", 0, end) + 1
            if begin in self._turns or _TURN.match(self.text, begin, end):
                earlier = self.transcript_turn(Span(begin, end))
                return None if isinstance(earlier, str) else earlier
            end = begin

    def _previous_paragraph_speaker(self, paragraph: Span) -> Mention | None:
        """A paragraph that opens with a quote and names no speaker goes on the previous one's:
        its last quotation's speaker, or whoever its last speech verb attributes to."""
        end = paragraph.start
        while end > 0 and self.text[end - 1].isspace():
            end -= 1
        if end == 0:
            return None
        previous = Span(self.text.rfind("\n", 0, end) + 1, end)
        quotes = self.quotes(previous)
        if quotes:
            return self.quote_speaker(quotes[-1], previous)
        verbs = self.within("speech", previous.start, previous.end)
        if not verbs:
            return None
        verb = verbs[-1]
        before = [
            m
            for m in self.mentions_in(previous.start, verb.start)
            if self.words(m.end, verb.start) <= ATTRIBUTION_GAP
            and not m.possessive
            and not _PREPOSITION_BEFORE.search(self.text, max(0, m.start - 12), m.start)
        ]  # "Lavrov, speaking in Moscow, said": Moscow is where, not who
        if before:
            return self._resolve(before[-1], previous)
        after = self.mentions_in(verb.end, previous.end)
        if after and self.words(verb.end, after[0].start) <= 1:
            return self._resolve(after[0], previous)
        return None

    def _resolve(self, mention: Mention | None, paragraph: Span) -> Mention | None:
        if mention is None or mention.kind != "pronoun":
            return mention
        return self.resolve_pronoun(mention, self.quotes(paragraph))

    def _speaker_after(self, quote: Span, paragraph: Span) -> Mention | None:
        limit = min(quote.end + 220, paragraph.end)  # room for a speaker's title in commas
        for verb in self.within("speech", quote.end, limit):
            named = self.mentions_in(quote.end, verb.start)
            if (  # "…,” Deputy Foreign Minister Sergei Ryabkov said": one long name, then the verb
                len(named) == 1
                and self.words(quote.end, named[0].start) == 0
                and not self.text[named[0].end : verb.start].strip()
            ):
                return self._resolve(named[0], paragraph)
            if self.words(quote.end, verb.start) > 4:
                # "…,” Alexei Polishchuk, director of a department at the ministry, told TASS":
                # the speaker right after the quote, his title set off by commas
                if (
                    named
                    and self.words(quote.end, named[0].start) == 0
                    and _APPOSITIVE_TITLE.fullmatch(self.text, named[0].end, verb.start)
                ):
                    return self._resolve(named[0], paragraph)
                # "…guarantees” that neither Ukraine nor ... will join, he told reporters": the
                # quoted noun runs on in a that-clause, and the speaker closes the sentence
                if _RUNS_ON.match(self.text, quote.end) and named:
                    last = named[-1]
                    if (
                        self.text[: last.start].rstrip().endswith(",")
                        and not self.text[last.end : verb.start].strip()
                    ):
                        return self._resolve(last, paragraph)
                return None
            if named:
                return self._resolve(named[-1], paragraph)
            after = self.mentions_in(verb.end, limit)
            if after and self.words(verb.end, after[0].start) <= 1:
                return self._resolve(after[0], paragraph)
            return None
        return None

    def _speaker_before(self, quote: Span, paragraph: Span) -> Mention | None:
        lo = max(paragraph.start, quote.start - 120)
        verbs = self.within("speech", lo, quote.start)
        if not verbs:
            return None
        verb = verbs[-1]
        gap = self.text[verb.end : quote.start]
        if self.words(verb.end, quote.start) > 3 or not _INTRODUCES_QUOTE.search(gap):
            return None
        before = [
            m
            for m in self.mentions_in(lo, verb.start)
            if self.words(m.end, verb.start) <= ATTRIBUTION_GAP
        ]
        return self._resolve(before[-1], paragraph) if before else None

    def quotes(self, paragraph: Span) -> list[Span]:
        if paragraph.start not in self._quotes:
            self._quotes[paragraph.start] = quote_spans(self.text, paragraph)
        return self._quotes[paragraph.start]
