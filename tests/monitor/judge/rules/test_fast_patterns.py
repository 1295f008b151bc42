"""The regexes rewritten for speed find exactly what their plain forms find.

A leading ``\\b`` (or look-behind) makes Python's regex engine try every position; the rewritten
patterns start with the characters a match can start with. These tests pin the equivalence on
the edge cases: text start, a word character before, runs of punctuation, quotes.
"""

from __future__ import annotations

import re

import pytest

from monitor.judge.rules import analysis, article, claims, dates, matcher, sentences

SAMPLES = [
    "Mr. Putin said he would go. She said Mrs. Smith-Dr. Jones agreed; XMr. Brown did not.",
    "he left; She said: says Anna Smith, according to Jane V. Doe, wrote Ivan Petrov.",
    "the shepherd, Hesse and ashe; Gen. Gerasimov and Prof. Karaganov (she, he).",
    ".a. b a.. B  . X x!? Y ”. X a.”  B . a .b. C “Quote.” He said. End!",
    "Mr.Putin said  he  met Dr. No on Tuesday, 5 September 2025, in June and this week.",
    "On Monday last week, earlier this year, in 2022, since March 2014, Sept. 4th, 1999.",
]


def _spans(
    regex: re.Pattern[str], text: str
) -> list[tuple[tuple[int, int], tuple[str | None, ...]]]:
    return [(m.span(), m.groups()) for m in regex.finditer(text)]


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (article._HONORIFIC, r"\b(?:Mr|Ms|Mrs|Dr|Gen|Prof)\.\s+[A-Z][\w'’-]+"),
        (article._SAID_NAME, rf"\b(?:said|says|according to|wrote)\s+(?P<name>{article._NAME})"),
        (article._PRONOUN, r"\b(?:he|she|He|She)\b"),
        (sentences._BOUNDARY, r"(?<=[^\s.!?])([.!?]+)([”\"»]?)\s+(?=\S)"),
        (matcher._SPLIT, r"(\w+(?:[-'’]\w+)*)"),
    ],
)
def test_fast_pattern_matches_like_its_plain_form(fast: re.Pattern[str], plain: str) -> None:
    slow = re.compile(plain)
    for text in SAMPLES:
        assert _spans(fast, text) == _spans(slow, text), text


def test_date_lookahead_changes_no_match() -> None:
    plain = re.compile(
        dates._EXPRESSION.pattern.replace(r"\b(?=[\dJFMASONDIiSsDdLlTtOoYyEe])(?:", r"\b(?:", 1),
        re.VERBOSE,
    )
    assert plain.pattern != dates._EXPRESSION.pattern
    assert sum(len(_spans(plain, text)) for text in SAMPLES) >= 8  # the samples do hold dates
    for text in SAMPLES:
        assert _spans(dates._EXPRESSION, text) == _spans(plain, text), text


APPOSITIVES = [
    "Jane Doe, a Russia expert at Chatham House, said so. Ivan V. Petrov, the director, agreed.",
    "XJane Doe, an analyst; McDonald Smith, a fellow, and O'Neil Brown, the Kremlin's editor.",
    "Anna Lee, a\nhistorian, Bob Ray, the\tspokesman, Sam Fox, a scholar, Tim Kay, an economist.",
    "Jo Ann, a, Al Bo, a expert, Ed Fay, the specialist-in-chief; Ali Ba,  an scientist",
]


TITLES = [
    "said he; he said Mr. Putin-said Anna Smith-says Bo Li",
    "The president said; the deputy foreign minister, the\ntop envoy, The aide. Athe official",
    "the the minister; lathe president; The  chief negotiator's; the presidential",
]


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (article._HONORIFIC_WORDS, article._HONORIFIC),
        (article._SAID_NAME_WORDS, article._SAID_NAME),
        (article._PRONOUN_WORDS, article._PRONOUN),
        (article._TITLE_WORDS, article._TITLE),
    ],
)
def test_word_alternatives_find_what_the_single_regex_finds(
    fast: article._WordAlternatives, plain: re.Pattern[str]
) -> None:
    for text in SAMPLES + APPOSITIVES + TITLES:
        assert [(m.span(), m.groups()) for m in fast.finditer(text)] == _spans(plain, text), text


NAMED_TITLES = [
    "Alexei Polishchuk, director of a department at the Russian Foreign Ministry, said so.",
    "Ivan Petrov, the deputy, Anna V. Lee, Russia's Ambassador to Ankara; Bo Li, a head.",
    "XIvan Petrov, the envoy, Oleg Li, Kremlin aide Dmitry Peskov, the spokesman, and Sam Fox, "
    "a Senator.",
    "Jo Ann, the, Al Bo, a minister. Ed Fay, Russian  Chairwoman of the board",
    "it met, the director Ivan Petrov, deputy minister, said.",
]


@pytest.mark.parametrize(
    ("fast", "texts", "least"),
    [
        (article._APPOSITIVES, APPOSITIVES, 7),
        (article._NAMES_THEN_TITLES, NAMED_TITLES, 7),
    ],
)
def test_names_found_from_their_commas_as_by_the_whole_regex(
    fast: article._NameThenComma, texts: list[str], least: int
) -> None:
    assert sum(len(fast.finditer(text)) for text in texts) >= least
    for text in SAMPLES + APPOSITIVES + NAMED_TITLES:
        found = [(m.span(), m.groups()) for m in fast.finditer(text)]
        assert found == _spans(fast.pattern, text), text


@pytest.mark.parametrize("possessive", [True, False])
def test_surname_found_as_by_the_plain_regex(possessive: bool) -> None:
    tail = r"(?:['’]s)?\b" if possessive else r"\b(?!['’]s)"
    texts = SAMPLES + [
        "Galuzin's aide; Galuzin’s, Galuzins, XGaluzin, Galuzin-led, Galuzin. O'Neil, O'Neil's",
        "Galuzin Galuzin'sx Galuzin'",
    ]
    for surname in ("Galuzin", "O'Neil", "Putin"):
        plain = re.compile(rf"\b{re.escape(surname)}{tail}")
        fast = article._surname_pattern(surname, possessive)
        for text in texts:
            assert _spans(fast, text) == _spans(plain, text), (surname, text)


def test_date_ascii_form_matches_like_the_unicode_one_on_ascii_text() -> None:
    texts = SAMPLES + ["YESTERDAY, Today, earlier This Week, last MONTH and in 2022."]
    for text in (t for t in texts if t.isascii()):
        assert _spans(dates._EXPRESSION_ASCII, text) == _spans(dates._EXPRESSION, text), text


def test_document_words_found_as_by_the_plain_case_blind_regex() -> None:
    plain = re.compile(r"\b(?:memorandum|draft|proposals|demands|conditions|terms)\b", re.I)
    texts = [
        "The MEMORANDUM sets",
        "xdraft, draftx",
        "proPo\u017fals",
        "cond\u0130tions",
        "-Terms.",
    ]
    texts += ["cond\u0131tions", "Demands", "its terms", "determs", "the draft\u2019s"] + SAMPLES
    for text in texts:
        found = claims._word_starts(
            text, matcher.lower_text(text), claims._DOCUMENT_WORD, claims._DOCUMENT_WORDS
        )
        assert found == [m.start() for m in plain.finditer(text)], text


def test_plan_words_found_as_by_the_plain_case_blind_regex() -> None:
    plain = re.compile(r"\b(?:plan|draft|proposals?|points)\b", re.I)
    texts = ["A 15-POINT PLAN", "xplan, planx", "proPo\u017fal", "po\u0130nts", "po\u0131nts"]
    for text in texts + SAMPLES + APPOSITIVES:
        assert _spans(claims._PLAN_WORD, text) == _spans(plain, text), text
        found = claims._word_starts(
            text, matcher.lower_text(text), claims._PLAN_WORD, claims._PLAN_FRAGMENTS
        )
        assert found == [m.start() for m in plain.finditer(text)], text


QUOTED = [
    '“We are against it,” he said. «Never», she said; "no" and “unclosed',
    "No quotation here. (A bracket) and ‘single’ ones.",
    '” a closing mark alone, then "straight',
]


def test_quotations_found_as_by_the_quote_regex() -> None:
    for text in QUOTED + SAMPLES:
        paragraph = sentences.Span(0, len(text))
        found = [m.span() for m in sentences._quotations(text, 3, len(text) - 2)]
        assert found == [m.span() for m in sentences._QUOTE.finditer(text, 3, len(text) - 2)]
        assert sentences.quote_spans(text, paragraph, 1) == [
            sentences.Span(*m.span()) for m in sentences._QUOTE.finditer(text)
        ], text


def _plain_lowered(text: str) -> str:
    lowered = text.lower().replace("’", "'")
    if len(lowered) != len(text):
        lowered = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    return lowered.replace("’", "'")


def test_lowered_splits_into_the_words_of_the_plain_lower_case_text() -> None:
    texts = ["“Ukraine’s NATO BID”", "ÉTAT “x”", "\u0130stanbul’s", "K\u212a \u017f"] + QUOTED
    for text in texts + SAMPLES:
        lowered = matcher.lower_text(text)
        assert len(lowered) == len(text)
        assert matcher._words(lowered) == matcher._words(_plain_lowered(text)), text


def test_holds_any_and_lacks_words_agree_with_regexes() -> None:
    for text in QUOTED + SAMPLES + ["it isn’t", "DON'T", "Pro\u017fal"]:
        hint = re.compile("[nN]['’]").search(text, 2) is not None
        assert matcher.holds_any(text, ("n'", "n’", "N'", "N’"), 2, len(text)) == hint, text
        starts = matcher.find_all(matcher.lower_text(text), "n'")
        assert starts == [m.start() for m in re.finditer("(?=[nN]['’])", text)], text
        words = re.compile("(?i:said|sal|quot)")
        assert matcher.lacks_words(text, ("said", "sal", "quot")) <= (words.search(text) is None), (
            text
        )


def test_denials_found_in_sentences_that_pass_the_word_test() -> None:
    texts = [
        "Peskov dismissed reports that Moscow would accept it.",
        "Reports that Russia is prepared to accept Ukraine in NATO are untrue, Peskov said.",
        "He DENIED claims that it agreed; rumours that it would are baseless.",
        "Repo\u0280ts \u017fuggestions that it would are false.",
        "Cla\u0130ms that it would are false.",
    ]
    for text in texts + SAMPLES:
        plain = [
            m.span("body")
            for pattern in (analysis._DENIED_REPORT, analysis._DENIAL_OF)
            for m in pattern.finditer(text)
        ]
        assert analysis._denied_spans(text) == plain, text
