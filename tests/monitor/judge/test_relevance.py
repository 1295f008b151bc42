import pytest

from monitor.config import DEFAULT_TOPIC, RelevanceQuery, load_topic
from monitor.judge.relevance import RelevanceFilter


@pytest.fixture(scope="module")
def default_filter() -> RelevanceFilter:
    return RelevanceFilter(load_topic(DEFAULT_TOPIC).relevance)


@pytest.mark.parametrize(
    "text",
    [
        "The Kremlin's spokesman said Ukraine's bid to join NATO was unacceptable.",
        "Russian negotiators in Istanbul demanded that Kyiv accept neutrality.",
        "Lavrov said any security guarantees for Ukraine must include Russia.",
        "MOSCOW'S position on European peacekeepers in Ukraine hardened on Friday.",
    ],
)
def test_on_topic(default_filter: RelevanceFilter, text: str) -> None:
    assert default_filter.judge(None, text).relevant


@pytest.mark.parametrize(
    "text",
    [
        "A storm flooded coastal towns in northern Portugal on Thursday.",
        "Russia's central bank raised interest rates to fight inflation.",  # no Ukraine
        "Ukraine's farmers expect a record wheat harvest this year.",  # no Russian side
    ],
)
def test_off_topic(default_filter: RelevanceFilter, text: str) -> None:
    verdict = default_filter.judge(None, text)
    assert not verdict.relevant
    assert verdict.reason


def test_none_list_excludes_and_says_why() -> None:
    flt = RelevanceFilter(RelevanceQuery(any=["Putin"], none=["horoscope"]))
    verdict = flt.judge("Putin horoscopes for the week", "Stars and Putin.")
    assert not verdict.relevant and "horoscope" in verdict.reason


def test_wildcards_and_multiword_terms() -> None:
    flt = RelevanceFilter(RelevanceQuery(any=["negotiat*", "security guarantee"]))
    assert flt.judge(None, "The negotiators met.").relevant
    assert flt.judge(None, "Security-guarantees were discussed.").relevant
    assert not flt.judge(None, "Security was tight.").relevant
