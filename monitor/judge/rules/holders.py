"""Who holds a stance: the quotation's speaker, the attributed speaker, the subject, or the
party the previous sentences were about; another side's or an analyst's attribution blocks it.
Claims are made here too (``_add``), with the rule that explains each one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from operator import attrgetter

from monitor.judge.rules.article import Attribution, Mention
from monitor.judge.rules.clauses import _PREPOSITION_BEFORE, _SOFT, SentenceScan
from monitor.judge.rules.loader import REVERSAL, IssueInfo, StanceInfo
from monitor.judge.rules.matcher import CueMatch
from monitor.judge.rules.results import ClaimFound
from monitor.judge.rules.sentences import Span

_COORDINATION = re.compile(r",|\b(?:and|or|nor)\b")
_OWN = re.compile(r"\b(?:its|their|his|her|our)\s+(?:[\w-]+\s+)?$", re.IGNORECASE)  # "its demand"
_AGENT = re.compile(r"\s+by\s+")
_AGENT_ADJECTIVAL = re.compile(r"\s+(?:by|to|for)\s+")
_FOLLOWER_PUNCT = re.compile(  # ", Russian Foreign Ministry Spokeswoman Maria Zakharova said"
    r"[,”\"»]\s*(?:(?i:one|an?|the|some|two|three|several|many|other)\b)?\s*"
    # ", Russia's UN ambassador Vassily Nebenzia said": lower-case title words in the name
    r"(?:(?:[A-Z][\w.'’-]*|(?i:deputy|permanent|first|senior|top|chief|foreign|press|"
    r"ambassador|envoy|representative|minister|diplomat|spokes(?:man|woman|person)|aide|"
    # ", former Russian president Dmitry Medvedev said", ", Security Council deputy chairman ..."
    r"adviser|advisor|secretary|former|president|presidential|prime|vice|chairman|head|"
    r"official|lawmaker|senator|speaker|director|commander|general|security|council))\s+){0,7}$"
    # ", Russia's ambassador to the United States Anatoly Antonov said": a title with its post
    r"|[,”\"»]\s*(?:(?i:the)\s+)?[A-Z][\w.'’-]*\s+"
    r"(?i:(?:deputy\s+|permanent\s+|senior\s+|top\s+)?(?:ambassador|envoy|representative|"
    r"minister|diplomat|spokes(?:man|woman|person)|aide|adviser|advisor))"
    r"\s+(?i:to|at|in|for)\s+(?:(?i:the)\s+)?(?:[A-Z][\w.'’-]*\s+){1,5}$"
)
_QUESTION = re.compile(r"\?[”\"»’']?\s*$")
_POSSESSIVE_REACH = 4
_FRAMED = re.compile(
    r"\s*(?:Under|In)\s+(?:them|it|(?:the|this|that|its|their|each|both)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:drafts?|documents?|texts?|proposals?|treat(?:y|ies)|agreements?|memorandum|plan|papers?))\b"
)
_THAT = re.compile(r"\bthat\b")
_OPENING_GAP = re.compile(r"[\s,“\"]*(?:(?:the|The|a|A)\s+)?")
# "the heads of the Ukrainian delegation had approved": the body is the subject's owner
_MEMBER_OF = re.compile(
    r"\b(?:heads?|members?|leaders?|chiefs?|representatives?|envoys?|spokes(?:man|woman|person))"
    r"\s+of\s+(?:the\s+)?$",
    re.IGNORECASE,
)
# "the delegation led by Kremlin aide Vladimir Medinsky put forward": the leader's side owns it
_LED_BY = re.compile(
    r"\b(?:delegation|team|side|mission|group|negotiators)\s+(?:led|headed|chaired)\s+by\s+"
    r"(?:(?:Kremlin|presidential|Russian)\s+)?(?:aide\s+|adviser\s+|envoy\s+)?$",
    re.IGNORECASE,
)
_THAT_OPENS = re.compile(r"\W*\w+\s+that\b", re.IGNORECASE)  # "but that ...", "while that"
_BARE_NEGATIONS = frozenset({"not", "never", "no", "n't", "won't", "wouldn't", "will not"})
# "agreed that Ukraine would not join": a clause of agreement whose proposition is negated
_AGREED_THAT = re.compile(
    r"(?:agree[ds]?|accept(?:s|ed)?|acknowledg(?:e|es|ed))\s+that\s+[^,;.]{0,60}?$",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    # an opening phrase may come first: "In exchange for a ceasefire, it wanted ..."
    r"(?:(?:In|On|At|For|As|After|Before|Under|Besides|Meanwhile|Separately|Earlier|Later)\b"
    r"[^,.;:“”\"]{0,60},\s+(?=it\b|they\b)"
    # a point of a list the text is going through: "First, it wants ...", "Third, they demand"
    r"|(?:First|Second|Third|Fourth|Fifth|Secondly|Thirdly|Finally|Lastly|Above all|Also|"
    r"In addition|Moreover),\s+(?=it\b|they\b))?"
    r"(?:It|it|They|they|He|She|This|The (?:document|draft|paper|text|memorandum|proposals?)"
    # parts of the document the text is about: "The next two sections demand ...",
    # "Further provisions stipulate ...", "Another clause ..."
    r"|(?:The|Its|Further|Other|Another|A further|The (?:first|second|third|next|last|final)"
    r"(?: (?:two|three|four))?) (?:sections?|provisions?|clauses?|points?|articles?)"
    # the demand owned by whoever the text was about: "Its central demand is that the West ..."
    r"|(?:Its|Their) (?:[a-z]+ ){0,2}(?:demands?|conditions?|requirements?|terms|goals?|aims?"
    r"|priority|priorities))\b"
)
# "Other demands include ...", "Further conditions cover ...", "Another condition is ...": a
# sentence opening with a demand noun lists the terms of whoever the text was about; the
# parties named inside the list are what the terms are about, not their holder.
_NOMINAL_LIST = re.compile(
    r"\s*(?:(?:the|its|their|his|her|other|another|further|additional|more|remaining|key|main|"
    r"also)\s+){0,2}(?:demands?|conditions?|terms|requirements?|preconditions?)\s+(?:also\s+)?"
    r"(?:include[sd]?|including|cover(?:s|ed)?|concern(?:s|ed)?|involve[sd]?|is|are|was|were)\b"
    # "First on the list is that Ukraine gives up ...": the list of the terms just named
    r"|\s*(?:(?:first|next|second|third|also|last)\s+on\s+(?:the|its|their)\s+list"
    r"|top\s+of\s+the\s+list|(?:tops|heads)\s+the\s+list)\b",
    re.IGNORECASE,
)
# A sentence about another party's plan: "That plan required ...", "The US plan calls for ...",
# "Trump's 28-point proposal would ...". Its terms are the plan's, not the last speaker's.
_OTHERS_PLAN = re.compile(
    r"\s*(?:That|The\s+(?:US|U\.S\.|American|European|Ukrainian|Western|Trump|\d+-point)\b"
    r"|(?:Trump|Washington|Kyiv|Kiev|Europe|Zelensky|Zelenskyy)['’]s)"
    r"\s+(?:[\w.-]+\s+){0,2}(?:plan|proposal|deal|framework|peace plan|draft)\b",
    re.IGNORECASE,
)
# "The plan calls for ...": which plan is the one the text last named, and whose.
_THE_PLAN = re.compile(r"\s*The\s+(?:draft\s+|peace\s+)?(?:plan|proposal|framework)\b")
_PLAN_WORD = re.compile(r"\b(?:plan|proposal|framework)s?\b", re.IGNORECASE)
_FOREIGN_OWNER = re.compile(
    r"\b(?:US|U\.S\.|American|Trump|Trump's|Washington|Witkoff|European|Europe's|EU|Ukrainian|"
    r"Ukraine's|Zelensky|Zelensky's|Zelenskyy's|Kyiv's|Western|Hungarian|Orban's|Orbán's|"
    r"\d+-point|administration)\b",
    re.IGNORECASE,
)
_PLAN_LOOKBACK = 800
_ANAPHORIC = re.compile(r"\b(?:the|this|that)\s+$", re.IGNORECASE)
_OPENING_GERUND = re.compile(
    r"\s*(?:In|By|After|Before|While|When|Since)\s+\w+ing\b[^,;:“”\"]{0,120},\s*"
)
_GERUND_AFTER = re.compile(r"\s+being\s+\w+ed\b")  # "Ukraine being dragged into it"
_OBLIGATION = re.compile(
    r"(?:\s+(?:member\s+)?(?:states|members|allies|countries))?\s+(?:would|should|must|shall|"
    r"will|to)\b",
    re.IGNORECASE,
)
# "the EU's refusal to ease sanctions shows ...": refusing to undo them, criticised. (Condemning
# "restrictions on the church" stays a rejection, as the sentence sets label it.)
_ADVERSE = re.compile(r"\s+to\s+(?:ease|lift|remove)\s+(?:the\s+|any\s+)?", re.IGNORECASE)
# NATO's enlargement named as taking in Ukraine: refusing it refuses Ukraine's membership too
# (not "infrastructure creeping into Ukraine", which is deployments)
_TO_UKRAINE = re.compile(
    r"\b(?:Ukraine included|including Ukraine|such as Ukraine|like Ukraine|"
    r"Ukraine and Georgia|Ukraine or Georgia|"
    r"former Soviet (?:states|republics|countries)|post-Soviet (?:states|countries)|"
    r"states that used to be Soviet republics)\b",
    re.IGNORECASE,
)
# "In his words, the alliance's activities “must be returned ...”": the quote is his
_IN_HIS_WORDS = re.compile(
    r"\s*(?:In|According to|To)\s+(his|her|him)\b(?:\s+(?:words|view|opinion))?,", re.IGNORECASE
)
# Between a relative clause's subject and its verb: "Trump proposed", "the US has put forward"
_RELATIVE_GAP = re.compile(r"\s+(?:(?:has|had|have|earlier|first|originally|just)\s+){0,2}")
# A noun the relative clause describes, right before its subject: "the 30-day ceasefire Trump
# proposed", "the 28-point plan the United States put forward" (not "On Monday Putin proposed")
_NOUN_BEFORE = re.compile(
    r"\b(?:ceasefire|truce|plan|proposals?|deal|draft|initiative|framework|terms|offer|"
    r"agreement|document|points?|moratorium)\s*(?:the\s+)?$",
    re.IGNORECASE,
)
# Phrases naming Russia's exclusion: refusing one demands Russia's part ("will not accept an
# arrangement that leaves Russia out", "cannot accept guarantees without Russia")
_WITHOUT_WORD = re.compile(r"\b(?:without|leaves?|leaving)\b", re.IGNORECASE)
# An aside naming whose wish the subject is: ", as Russian dictator Vladimir Putin demands, ..."
_AS_OPENS = re.compile(r",\s*as\s+(?:[\w.'’-]+\s+){0,4}$", re.IGNORECASE)
_AS_CLOSES = re.compile(r"\s+(?:\w+\s+){0,2}\w+\s*,")
# "would stop NATO from taking in members", "asks the allies to refrain": the party named right
# after a verb that acts on someone is that verb's object, never the subject of a later verb.
# "a resolution that condemned its invasion": the text holds the verb, not the party that
# opens the sentence
_THING_THAT = re.compile(
    r"\b(?:resolution|declaration|motion|communiqu[eé]|bill)s?"
    r"\s+(?:that|which)\s+(?:\w+ly\s+)?$"
)
_BASIS = re.compile(
    r"\bbas(?:is|ed on)\b|\bfoundation\b|\bfooting\b|\bas (?:the|a) (?:model|template|blueprint)\b|"
    r"\balong the lines of\b"
)
_BASIS_AFTER = 25  # "pointing to the 2022 Istanbul agreement as the model": said after the format
# "Zelensky accused Putin of brushing aside a ceasefire": the accused is the charge's object
_ACCUSED_BEFORE = re.compile(r"\b(?:accus|blam|fault)(?:e|es|ed|ing)\s+(?:the\s+)?$", re.IGNORECASE)
_ACCUSED_OF = re.compile(r"\s+(?:of|for)\s")
_NAMED_AS = re.compile(
    r"\b(?:called|calls|call|calling|labelled|labeled|branded|dubbed|termed|declared)\s+"
    r"(?:[A-Z][\w'’-]*\s+){0,2}$"
)
_CONTROLLED = re.compile(
    r"\b(?:stop|stops|stopping|prevent|prevents|preventing|bar|bars|barring|ban|bans|banning|"
    r"block|blocks|forbid|forbids|prohibit|prohibits|oblige|obliges|obligate|obligates|"
    r"require|requires|commit|commits|ask|asks|asking|call\s+on|calls\s+on|calling\s+on)"
    r"\s+(?:the\s+|all\s+|any\s+)?$",
    re.IGNORECASE,
)
_PASSIVE_REQUEST = re.compile(r"\b(?:asked|required|obliged)\s+to$", re.IGNORECASE)
_WHICH_BEFORE = re.compile(r",\s*which\s+(?:(?:would|will|also)\s+){0,2}$")
_PARTICIPLE_BEFORE = re.compile(r",\s*$")
_FOR_BEFORE = re.compile(r"\bfor\s+(?:the\s+)?$", re.IGNORECASE)
_COORDINATED = re.compile(r"\band\s+(?:\w+ly\s+)?$")
_PASSIVE_AGENT = re.compile(
    r"\b(?:is|are|was|were|been|being)\s+(?:\w+ly\s+)?\w+(?:ed|en|wn|id|de)\s+by\s+",
    re.IGNORECASE,
)


@dataclass(slots=True)
class _Holder:
    mention: Mention
    how: str
    reported: bool
    clause: int = -1
    cue_end: int = 0


class _Blocked(Exception):
    """A stance cue gives no claim; the message says why (shown by explain)."""


def _speaker_label(mention: Mention) -> str:
    if mention.kind == "person_analyst" or mention.kind == "non_speaker":
        return f"analyst/commentator '{mention.text}'"
    if mention.kind == "person":
        return f"'{mention.text}' (no tracked side)"
    if mention.info is not None and not mention.info.tracked:
        return f"'{mention.text}' of side {mention.info.side}"
    return f"'{mention.text}'"


class HolderRules(SentenceScan):
    """Holder finding and claim making for one sentence."""

    def _said_before(self, position: int) -> list[Attribution]:
        """Attributions with a speaker that end before ``position``, outside quotations."""
        return [
            a
            for a in self.attributions
            if a.end <= position and a.speaker is not None and self.quote_of(a.start) is None
        ]

    def _governing(self, cue: CueMatch) -> Attribution | None:
        """The attribution a stance cue falls under: the last one before it, else a trailing one."""
        before = self._said_before(cue.start)
        if before and self.clause_of(before[-1].start) != self.clause_of(cue.start):
            lo, _ = self.clause_bounds(cue.start)
            if not _THAT_OPENS.match(self.text, lo) and any(
                # "Ukraine has said ..., while Moscow has insisted ...": a new speaker, not
                # "..., but that signing with the leadership in Kyiv is ..." (still reported)
                lo <= m.start < cue.start
                and m.kind == "actor"
                and not m.possessive
                and not _PREPOSITION_BEFORE.search(
                    self.text, max(self.start, m.start - 12), m.start
                )
                for m in self.mentions
            ):
                before = []
        if before:
            return before[-1]
        for attribution in self.attributions:
            if attribution.start < cue.end or attribution.speaker is None:
                continue
            first = min(attribution.start, attribution.speaker.start)
            if _FOLLOWER_PUNCT.search(self.text[cue.end : first]):
                return attribution
        return None

    def _subject(self, cue: CueMatch, lo: int) -> Mention | None:
        """The nearest mention before the cue in its clause that can be its subject.

        A coordinated verb ("Putin ... blames NATO for it and demands ...") shares the subject
        that opens the clause, not the previous verb's object.
        """
        clause_lo, _ = self.clause_bounds(cue.start)
        lo = max(lo, clause_lo)
        if _COORDINATED.search(self.text, max(lo, cue.start - 12), cue.start):
            opening = next(
                (
                    m
                    for m in self.mentions
                    if lo <= m.start < cue.start
                    and m.kind != "reporter"
                    and not m.possessive
                    and not self.text[lo : m.start].strip(' ,“"')
                ),
                None,
            )
            if opening is not None:
                return self._resolve(opening)
        if cue.text.split()[0].lower().endswith("ing") and _PARTICIPLE_BEFORE.search(
            self.text, max(self.start, cue.start - 4), cue.start
        ):  # "Putin ... blamed NATO for the tension, demanding ...": the sentence's subject
            opening = next(
                (
                    m
                    for m in self.mentions
                    if self.start <= m.start < cue.start
                    and m.kind not in ("reporter", "pronoun")
                    and not m.possessive
                ),
                None,
            )
            if opening is not None and self.article.words(self.start, opening.start) <= 4:
                return self._resolve(opening)
        for mention in self.mentions:  # "Moscow's proposal": the cue is inside an actor's name
            if mention.start < cue.start < mention.end and mention.kind == "actor":
                return mention
        for mention in reversed(self.mentions):
            if mention.end > cue.start or mention.start < lo or mention.kind == "reporter":
                continue
            if mention.possessive and (
                self.article.words(mention.end, cue.start) > _POSSESSIVE_REACH
            ):
                continue
            if (
                not mention.possessive
                and _PREPOSITION_BEFORE.search(
                    self.text, max(self.start, mention.start - 12), mention.start
                )
                and not _MEMBER_OF.search(
                    self.text, max(self.start, mention.start - 40), mention.start
                )
                and not _LED_BY.search(
                    self.text, max(self.start, mention.start - 40), mention.start
                )
            ):
                continue  # "troops from NATO countries": an object, not a subject
            if _CONTROLLED.search(self.text, max(self.start, mention.start - 16), mention.start):
                continue  # "would stop NATO from ...": the object of the verb
            if not mention.possessive and _NAMED_AS.search(
                self.text, max(self.start, mention.start - 40), mention.start
            ):
                continue  # "called Ukrainian President Zelensky illegitimate": who is named
            if (
                mention.tracked
                and _ACCUSED_OF.match(self.text, mention.end)
                and _ACCUSED_BEFORE.search(
                    self.text, max(self.start, mention.start - 20), mention.start
                )
            ):
                continue  # "Kyiv accused Moscow of rejecting a truce": the accuser's charge
            if _GERUND_AFTER.match(self.text, mention.end):
                continue  # "NATO's advance, and Ukraine being dragged into it, is a threat": a noun
            if _AS_OPENS.search(
                self.text, max(self.start, mention.start - 60), mention.start
            ) and _AS_CLOSES.match(self.text, mention.end, cue.start):
                continue  # "Giving X, as Putin demands, is unacceptable": an inserted aside
            if any(
                mention.end <= i.start
                and i.end <= cue.start
                and self.article.words(mention.end, i.start) == 0
                for i in self.issues
            ):
                continue  # "Ukraine in NATO is a red line": part of the issue's phrase
            if any(
                i.end <= mention.start
                and not self.text[i.end : mention.start].strip()
                and not mention.possessive
                for i in self.issues
            ):
                continue  # "named a non-nuclear Ukraine ... as conditions": the issue's noun
            return self._resolve(mention)
        return self._opening_owner(lo, cue.start)

    def _opening_owner(self, lo: int, end: int) -> Mention | None:
        """ "According to X, Kyiv's written proposals confirm ...": a possessive that opens the
        clause owns its subject, however far the cue."""
        for mention in self.mentions:
            if mention.start < lo or mention.start >= end or mention.kind == "reporter":
                continue
            if (  # "According to Medinsky, Kyiv's ...": the speaker is not the opening
                not mention.possessive
                and self.text.startswith(",", mention.end)
                and _OPENING_GAP.fullmatch(self.text, lo, mention.start)
            ):
                lo = mention.end + 1
                continue
            if not _OPENING_GAP.fullmatch(self.text, lo, mention.start) or _THAT.search(
                self.text, mention.end, end
            ):
                return None  # not the opening, or the cue sits in a clause of its own
            if not mention.possessive or any(  # "Europe's arms deliveries were unacceptable"
                mention.end <= i.start and self.article.words(mention.end, i.start) <= 1
                for i in self.issues
            ):
                return None
            return mention
        return None

    def _passive_holder(self, cue: CueMatch) -> Mention | None:
        """ "demanded by the Kremlin", "unacceptable to Moscow": the holder right after the cue.

        A passive with an agent that is no known actor ("approved by the U.N. Security Council")
        has no holder at all: the sentence's subject did not do it.
        """
        adjectival = cue.text.lower().endswith(("able", "line", "lines", "starter"))
        match = (_AGENT_ADJECTIVAL if adjectival else _AGENT).match(
            self.text, cue.end, cue.end + 12
        )
        if not match:
            return None
        position = match.end()
        for mention in self.mentions:
            if mention.start == position and mention.kind in ("actor", "person", "non_speaker"):
                return mention
        if adjectival:
            return None
        raise _Blocked(f"'{cue.text} by' someone who is not a tracked actor")

    def _speculative(self, cue: CueMatch) -> None:
        """The writer's guess or question about a stance ("might soften its opposition") is none."""
        quote = self.quote_of(cue.start)
        for hedge in self.hedges:
            # a hedge before the cue, or one holding it ("was willing to drop his demand")
            if hedge.start >= cue.start or self.quote_of(hedge.start) is not quote:
                continue
            if any(  # "Asked whether ..., Peskov said Moscow rejects ...": a speaker answers
                hedge.end <= a.start and a.end <= cue.start and a.speaker is not None
                for a in self.attributions
            ):
                continue
            raise _Blocked(
                f"the writer's speculation or framing ('{hedge.text}'), not a stated position"
            )
        if quote is None and _QUESTION.search(self.sentence):
            raise _Blocked("a question, not a stated position")

    def _fragment_speaker(self, quote: Span) -> Mention | None:
        """ "He said Ukraine should amend its constitution to “reject any aims to enter any
        bloc”": a quoted fragment inside reported speech is the reporting verb's speaker's."""
        before = self._said_before(quote.start)
        speaker = before[-1].speaker if before else None
        if speaker is None:
            opening = _IN_HIS_WORDS.match(self.text, self.start, quote.start)
            if opening is None:
                return None
            speaker = Mention(opening.start(1), opening.end(1), opening.group(1), "pronoun")
            return self.article.resolve_pronoun(speaker, self.article.quotes(self.paragraph))
        return self._resolve(speaker)

    def _relative_subject(self, cue: CueMatch) -> Mention | None:
        """ "the 30-day ceasefire Donald Trump proposed", "the plan the United States has put
        forward": a party named right before the verb, with no comma between, is its subject."""
        lo, _ = self.clause_bounds(cue.start)
        before = [
            m
            for m in self.mentions
            if lo <= m.start
            and m.end <= cue.start
            and m.kind == "actor"
            and not m.possessive
            and _RELATIVE_GAP.fullmatch(self.text, m.end, cue.start) is not None
        ]
        if not before or not _NOUN_BEFORE.search(
            self.text, max(lo, before[-1].start - 25), before[-1].start
        ):
            return None
        return before[-1]

    def _holder(self, cue: CueMatch, info: StanceInfo, previous: _Holder | None) -> _Holder:
        self._speculative(cue)
        reported = bool(self.reported_anywhere)
        quote = self.quote_of(cue.start)
        if quote is None and _THING_THAT.search(
            self.text, max(self.start, cue.start - 40), cue.start
        ):
            raise _Blocked(f"'{cue.text}' is said of a text, not by a party")
        relative = None if quote is not None else self._relative_subject(cue)
        if relative is not None:
            if not relative.tracked:
                raise _Blocked(f"the subject is {_speaker_label(relative)} ('{cue.text}')")
            return _Holder(relative, "subject", reported)
        if quote is not None:
            speaker = self.article.quote_speaker(quote, self.paragraph)
            if speaker is None:
                speaker = self._fragment_speaker(quote)
            if speaker is None:
                speaker = self._carried()
            if speaker is None:
                raise _Blocked("quotation without a named speaker in this sentence")
            if not speaker.tracked:
                raise _Blocked(f"quoted speaker is {_speaker_label(speaker)}")
            subject = self._subject(cue, quote.start)
            if (
                subject is not None
                and not info.modal
                and not info.accusation  # "NATO ... directly threatens Russia": the accused
                and not subject.tracked
            ):
                raise _Blocked(f"inside the quote the subject is {_speaker_label(subject)}")
            return _Holder(speaker, "quote", reported)
        turn = None if self.in_title else self.article.transcript_turn(self.paragraph)
        if turn == "question":
            raise _Blocked("the interviewer's question in a transcript, not a stated position")
        if isinstance(turn, Mention) and not self.attributions:
            if not turn.tracked:
                raise _Blocked(f"the transcript's speaker is {_speaker_label(turn)}")
            subject = self._subject(cue, self.paragraph.start)
            if subject is not None and not info.modal and not subject.tracked:
                raise _Blocked(f"in the answer the subject is {_speaker_label(subject)}")
            return _Holder(turn, "quote", reported)
        governing = self._governing(cue)
        if governing is not None and governing.speaker is not None:
            speaker = governing.speaker
            if not speaker.tracked:
                raise _Blocked(f"attributed to {_speaker_label(speaker)} ('{governing.verb}')")
        lo = governing.end if governing is not None and governing.end <= cue.start else self.start
        passive = self._passive_holder(cue)
        if passive is not None:
            if not passive.tracked:
                raise _Blocked(f"the holder is {_speaker_label(passive)} ('{cue.text} by')")
            return _Holder(passive, "passive", reported)
        if info.modal:
            if governing is not None and governing.speaker is not None:
                return _Holder(governing.speaker, "attribution", reported)
            if previous is not None and previous.clause == self.clause_of(cue.start):
                return _Holder(previous.mention, "inherited", previous.reported)
            document = next(
                (
                    m
                    for m in self.mentions
                    if m.end <= cue.start
                    and m.info is not None
                    and m.info.tracked
                    and m.info.kind == "document"
                ),
                None,
            )
            if document is not None:
                return _Holder(document, "subject", reported)
            carried = self._carried()
            if carried is None and _PASSIVE_REQUEST.search(cue.text):
                carried = self._requester(cue)
            if carried is not None:
                return _Holder(carried, "carried", reported)
            raise _Blocked(f"'{cue.text}' states a demand only when a speaker is named")
        which = _WHICH_BEFORE.search(self.text, max(self.start, cue.start - 30), cue.start)
        if which is not None:
            # "the Ukrainian peace plan, which demands the withdrawal ...": the plan's own terms
            # (but "guarantees for Ukraine, which ..." are the guarantees, not Ukraine)
            owner = next((m for m in self.mentions if m.end == which.start()), None)
            if (
                owner is not None
                and not owner.tracked
                and not _FOR_BEFORE.search(self.text, max(self.start, owner.start - 8), owner.start)
            ):
                raise _Blocked(f"the subject is {_speaker_label(owner)} ('{cue.text}')")
            if previous is not None:
                # "demand that Ukraine become neutral, which would bar it ...": the demand's holder
                return _Holder(previous.mention, "inherited", previous.reported)
        subject = self._subject(cue, lo)
        if subject is None or not subject.tracked:
            framed = self._framed_by_document()
            if framed is not None:  # "Under the draft, all NATO members would refrain from ..."
                return _Holder(framed, "document", reported)
        if (
            subject is not None
            and info.accusation
            and governing is not None
            and governing.speaker is not None
            and (not subject.tracked or _other_sides(subject, governing.speaker))
        ):  # "the US is escalating the war by arming Kyiv, Antonov said": the accused is the subject
            return _Holder(governing.speaker, "attribution", reported)
        if subject is not None:
            if not subject.tracked:
                document = self._framing_document(subject, cue)
                if document is not None:
                    return _Holder(document, "document", reported)
                raise _Blocked(f"the subject is {_speaker_label(subject)}")
            if (
                governing is not None
                and governing.speaker is not None
                and (
                    governing.speaker.info is not None
                    and subject.info is not None
                    and governing.speaker.info.side == subject.info.side
                    and governing.speaker.is_person
                    and not subject.is_person
                )
            ):
                return _Holder(governing.speaker, "attribution", reported)
            return _Holder(subject, "subject", reported)
        if governing is not None and governing.speaker is not None:
            return _Holder(governing.speaker, "attribution", reported)
        if previous is not None:
            if (
                previous.clause == self.clause_of(cue.start)
                and not _COORDINATION.search(self.text, previous.cue_end, cue.start)
                and not _OWN.search(self.text, previous.cue_end, cue.start)
            ):
                raise _Blocked(
                    "a stance inside what an earlier cue governs ('proposes that X "
                    "endorse'): not the holder's own"
                )
            return _Holder(previous.mention, "inherited", previous.reported)
        agent = self._clause_agent(cue)
        if agent is not None:
            return _Holder(agent, "passive", reported)
        carried = self._carried()
        if carried is not None:
            return _Holder(carried, "carried", reported)
        raise _Blocked("no actor of a tracked side holds this stance")

    def _framed_by_document(self) -> Mention | None:
        """ "Under them, the alliance would ...", "In the text meant for NATO, ...": a sentence
        that opens inside a document states that document's terms; its holder is the tracked
        document or party the previous sentences were about."""
        if self.in_title or not _FRAMED.match(self.sentence):
            return None
        for earlier in (self.previous_holder, self.article.carried_holder(self.start)):
            if earlier is not None and earlier.tracked:
                return earlier
        return None

    def _framing_document(self, subject: Mention, cue: CueMatch) -> Mention | None:
        """ "Under the draft, the NATO allies would pledge not to enlarge": the obligation's
        subject is not the holder; the tracked document that frames it is."""
        if not _OBLIGATION.match(self.text, subject.end, cue.end + 1):
            return None
        candidates = [
            m
            for m in self.mentions
            if m.end <= subject.start
            and m.tracked
            and m.info is not None
            and m.info.kind == "document"
        ]
        if candidates:
            return candidates[-1]
        for earlier in (self.previous_holder, self.article.carried_holder(self.start)):
            if earlier is not None and earlier.info is not None and earlier.info.kind == "document":
                return earlier
        return None

    def _plan_named_before(self) -> bool:
        """ "The plan calls for ...", where the plan last named before is another party's
        (a bare "the plan" only points back to it)."""
        if not _THE_PLAN.match(self.sentence):
            return False
        lo = max(0, self.start - _PLAN_LOOKBACK)
        for named in reversed(list(_PLAN_WORD.finditer(self.text, lo, self.start))):
            if _ANAPHORIC.search(self.text, max(lo, named.start() - 8), named.start()):
                continue
            owner_lo = max(lo, named.start() - 60)
            return _FOREIGN_OWNER.search(self.text, owner_lo, named.start()) is not None
        return False

    def _carried(self) -> Mention | None:
        """The tracked party the preceding sentences were about, when this one names nobody."""
        if self.in_title:
            return None
        first_cue = min((c.start for c in self.stances), default=self.end)
        refers_back = _REFERS_BACK.match(self.sentence) is not None
        if refers_back and any(m.start < first_cue and m.kind == "actor" for m in self.mentions):
            refers_back = False  # "It says NATO ...": not simply the earlier holder's sentence
        listed_after = first_cue if _NOMINAL_LIST.match(self.sentence) else self.end
        if not refers_back and any(
            m.kind not in ("reporter", "pronoun")
            and not (m.info is not None and m.info.kind == "country")
            and m.start < listed_after
            for m in self.mentions
        ):
            return None  # someone else is named here: no carrying over them
        first = min(self.stances, key=lambda c: c.start, default=None)
        obliged = (  # "Kyiv would have to pull out ...": who is obliged, not who demands it
            first is not None and first.cue.data.modal and first.label == "demands"
        )
        if any(
            m.info is not None
            and not m.info.tracked
            and m.start < first_cue
            and not (obliged and self.article.words(m.end, first_cue) <= 1)
            for m in self.mentions
        ):
            return None  # "The likelihood of Kyiv accepting ...": the sentence is about them
        opening = _OPENING_GERUND.match(self.sentence)
        if opening is not None and any(
            m.start == self.start + opening.end() and not m.tracked for m in self.mentions
        ):
            return None  # "In accepting a US proposal, Ukraine has ...": the gerund is theirs
        carried = self.article.carried_holder(self.start)
        if (_OTHERS_PLAN.match(self.sentence) or self._plan_named_before()) and not (
            carried is not None and carried.info is not None and carried.info.kind == "document"
        ):
            return None  # "That plan ... required Ukraine to ...": the plan's terms, not Moscow's
        if listed_after < self.end and self.previous_holder is not None:
            carried = self.previous_holder  # "Other demands include ...": the last claim's holder
        elif _REFERS_BACK.match(self.sentence):
            if self.previous_holder is not None:
                carried = self.previous_holder  # "It further requires ...": the last claim's holder
            elif carried is None or not carried.tracked:
                carried = self.article.previous_subject(self.start)  # "They call on ..."
        if carried is None:
            return None
        if "' carried from '" in carried.text:
            return carried  # already carried by an earlier sentence: keep its one explanation
        lo = max(0, carried.start - 40)
        context = " ".join(self.text[lo : carried.end + 40].split())
        return Mention(
            carried.start,
            carried.end,
            f"{carried.text}' carried from '…{context}…",
            carried.kind,
            carried.info,
            via_pronoun=True,
        )

    def _requester(self, cue: CueMatch) -> Mention | None:
        """ "NATO is also asked to ...": the party asked is named, the one asking is the
        tracked party or document the text was about (the drafts of the sentences before)."""
        if self.in_title or any(
            m.start >= cue.end and m.kind not in ("reporter", "pronoun") and m.tracked
            for m in self.mentions
        ):
            return None
        for earlier in (
            self.article.carried_holder(self.start),
            self.article.previous_subject(self.start),
            self.previous_holder,
        ):
            if earlier is not None and earlier.tracked:
                return earlier
        return None

    def _clause_agent(self, cue: CueMatch) -> Mention | None:
        """ "The demand for X was repeated by Putin": a nominal stance's holder is the agent."""
        lo, hi = self.clause_bounds(cue.start)
        match = _PASSIVE_AGENT.search(self.text, lo, hi)
        if match is None or self.quote_of(match.start()) is not self.quote_of(cue.start):
            return None
        for mention in self.mentions:
            if mention.start == match.end():
                if not mention.tracked:
                    raise _Blocked(f"the holder is {_speaker_label(mention)} ('{match.group(0)}')")
                return mention
        return None

    def _confidence(
        self, holder: _Holder, info: StanceInfo, issue: IssueInfo, stance: str
    ) -> float:
        spec = self.rules.spec.confidence
        assert holder.mention.info is not None
        score = spec.actor_kind[holder.mention.info.kind]  # type: ignore[index]
        if holder.how == "quote":
            score += spec.quote_bonus
        if holder.reported:
            score *= spec.reported_factor
        if holder.how in ("inherited", "passive", "carried", "list") or holder.mention.via_pronoun:
            score *= spec.inherited_factor
        if self.in_title:
            score *= spec.title_factor
        if holder.how == "subject" and stance in _SOFT:
            # the writer's own account of a softening ("Putin agreed to ...") with no words of
            # the holder's: the least reliable softenings on real pages, so a digest's possible
            # shift rather than a SHIFT alert
            score *= spec.narrative_soft_factor
        score *= info.weight * issue.weight
        return round(min(score, 1.0), 3)

    def _add(
        self,
        best: dict[tuple[str, str, str], ClaimFound],
        holder: _Holder,
        cue: CueMatch,
        info: StanceInfo,
        stance: str,
        negation: CueMatch | None,
        issue: CueMatch,
        elliptical: bool = False,
    ) -> None:
        issue_info: IssueInfo = issue.cue.data
        document = (
            holder.mention.info is not None
            and holder.mention.info.kind == "document"
            and issue_info.stance is None  # "could still join the EU" says its own stance
        )
        if document and stance in _SOFT:
            stance = "demands"  # "the draft shows the sides agreeing to a neutral Ukraine": a term
        final = stance
        object_negation = None
        if issue_info.negatable and final == "demands" and not elliptical:
            object_negation = self._object_negation(cue, issue)
            if issue_info.negative or object_negation is not None:
                final = _turned(issue_info, object_negation)
        if final == "accepts" and issue_info.negatable and not elliptical:
            turned = self._object_negation(cue, issue)
            if (
                turned is not None
                and issue.start > cue.end
                and turned.text.lower() in _BARE_NEGATIONS
                and _AGREED_THAT.match(self.text, cue.start, turned.start)
            ):  # "had agreed that Ukraine would not join NATO": agreeing to the exclusion
                final, object_negation = "rejects", turned
        if final == "accepts" and issue_info.accepts_means:
            final = issue_info.accepts_means  # "Russia supported the idea of a ceasefire"
        if final == "accepts" and issue_info.stance == "open_to":
            final = "open_to"  # "agreed that Ukraine's security has to be ensured": in principle
        if final == "open_to" and issue_info.open_to_means:
            final = issue_info.open_to_means  # "a neutral Ukraine as a possible compromise"
        if final == "proposes" and issue_info.proposal_is_demand:
            final = "demands"  # "tabled principles that included giving up NATO membership"
            object_negation = self._object_negation(cue, issue) if issue_info.negatable else None
            if object_negation is not None or issue_info.negative:
                final = _turned(issue_info, object_negation)
        if final == "demands" and issue_info.demand_means:
            final = issue_info.demand_means  # a demand about NATO membership is to exclude it
        if (
            final in _SOFT
            and issue_info.demand_means == "proposes"
            and _BASIS.search(
                self.text, min(cue.start, issue.start), max(cue.end, issue.end) + _BASIS_AFTER
            )
        ):  # "ready to talk on the basis of the Istanbul texts", "never rejected talks based on
            final = "proposes"  # the Istanbul principles": the format put forward
        if final == "rejects" and issue_info.negative and issue_info.demand_means is None:
            final = "demands"  # "refuses to accept a non-neutral Kyiv": neutrality demanded
        if (
            final == "rejects"
            and not elliptical
            and issue_info.demand_means is None
            and issue.start >= cue.end
            and _ADVERSE.fullmatch(self.text, cue.end, issue.start) is not None
        ):  # "Refusal to Ease Sanctions Shows EU Doesn't Want Peace, Kremlin Says": rejecting
            final = "demands"  # a refusal to lift them demands their lifting
        if (
            final == "rejects"
            and issue_info.stance == "demands"
            and _WITHOUT_WORD.search(issue.text) is not None
        ):  # "cannot accept that security is decided without Russia": refusing the exclusion
            final = "demands"  # is demanding the part the phrase leaves out
        # The convention has no territory/rejects for Russia: what it refuses about land (its own
        # pull-out, discussing the regions' status, a return of land) keeps the land: demands.
        land_kept = issue_info.issue == "territory" and final == "rejects"
        if land_kept:
            final = "demands"
        actor = holder.mention.info
        assert actor is not None
        parts = [
            f"{holder.how}: actor '{holder.mention.text}' ({actor.side}, {actor.kind})",
            f"stance cue '{cue.text}' ({info.stance})",
        ]
        if negation is not None:
            parts.append(f"negated by '{negation.text}' -> {stance}")
        parts.append(f"issue cue '{issue.text}' ({issue_info.issue})")
        if issue.cue.phrase.endswith(")") and "(= " in issue.cue.phrase:
            parts.append(f"issue named by reference: {issue.cue.phrase}")
        if issue_info.negative:
            parts.append(f"'{issue.text}' names the opposite -> {final}")
        elif object_negation is not None:
            parts.append(f"'{object_negation.text}' before the issue -> {final}")
        if land_kept:
            parts.append("land refused to give up -> the land kept (demands)")
        if document and info.stance in _SOFT:
            parts.append("what a document agrees to is one of its terms (demands)")
        if holder.reported:
            reporters = ", ".join(f"'{a.verb}'" for a in self.reported_anywhere)
            parts.append(f"reported ({reporters})")
        claim = ClaimFound(
            side=actor.side,
            actor=actor.name,
            issue=issue_info.issue,
            stance=final,
            evidence=self.sentence,
            statement_date=self.statement_date,
            confidence=self._confidence(holder, info, issue_info, final),
            reported=holder.reported,
            rule="; ".join(parts),
            sentence_start=self.start,
            actor_span=self._span(holder.mention.start, holder.mention.end),
            stance_span=(cue.start - self.start, cue.end - self.start),
            issue_span=(issue.start - self.start, issue.end - self.start),
            how=holder.how,
        )
        if actor.tracked:
            self.last_holder = holder.mention
        key = (claim.side, claim.issue, claim.stance)
        if key not in best or best[key].confidence < claim.confidence:
            best[key] = claim
        if issue_info.issue == "nato_expansion" and final == "rejects":
            self._expansion_to_ukraine(best, claim, issue)

    def _expansion_to_ukraine(
        self, best: dict[tuple[str, str, str], ClaimFound], claim: ClaimFound, issue: CueMatch
    ) -> None:
        """ "no further enlargement of the alliance, Ukraine included": refusing NATO's expansion
        to Ukraine (or to the former Soviet states) is refusing Ukraine's membership too."""
        lo, hi = self.clause_bounds(issue.start)
        named = _TO_UKRAINE.search(self.text, max(lo, issue.start - 40), min(hi, issue.end + 35))
        key = (claim.side, "nato_membership", "rejects")
        if named is None or key in best:
            return
        best[key] = replace(
            claim,
            issue="nato_membership",
            rule=f"{claim.rule}; expansion to '{named.group(0)}' -> Ukraine's membership rejected",
        )


def _other_sides(one: Mention, other: Mention) -> bool:
    """Two mentions of different tracked sides (an accused and its accuser)."""
    return one.info is not None and other.info is not None and one.info.side != other.info.side


def _turned(issue: IssueInfo, object_negation: CueMatch | None) -> str:
    """A demand turned round: rejects, or the issue's ``reversal_means`` for a rollback
    ("demands that NATO roll back its deployments" is a demand for the rollback)."""
    if object_negation is not None and object_negation.label == REVERSAL and issue.reversal_means:
        return issue.reversal_means
    return "rejects"


_TWO_LINES = frozenset({"elections_legitimacy"})


def _merge_firm(claims: list[ClaimFound]) -> list[ClaimFound]:
    """demands and rejects on one issue in one sentence are one line: keep the first named."""
    kept: dict[tuple[str, str, str], ClaimFound] = {}
    others: list[ClaimFound] = []
    for claim in sorted(claims, key=attrgetter("issue_span")):
        if claim.stance in ("demands", "rejects"):
            # elections demanded and Zelensky's legitimacy disputed are two positions
            line = claim.stance if claim.issue in _TWO_LINES else ""
            kept.setdefault((claim.side, claim.issue, line), claim)
        else:
            others.append(claim)
    return sorted([*kept.values(), *others], key=attrgetter("issue_span", "stance"))
