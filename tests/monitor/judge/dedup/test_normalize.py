import pytest

from monitor.judge.dedup.normalize import content_lines, normalized_text, tokens


def test_typography_case_and_whitespace_fold_to_one_form():
    a = "The Kremlin said \u201cno\u201d \u2014 again,\u00a0on  Tuesday\u2019s call with reporters."
    b = 'the kremlin said "no" - again, on tuesday\'s call   with REPORTERS.'
    assert normalized_text(a) == normalized_text(b)
    assert "tuesday's" in tokens(a)


def test_nfkc_folds_compatibility_characters():
    assert normalized_text("Ｔｈｅ ﬁnal vote was taken on Friday evening") == (
        "the final vote was taken on friday evening"
    )


@pytest.mark.parametrize(
    "chrome",
    [
        "By Elena Marchetti",
        "Share this article",
        "Share on FacebookShare on Twitter",
        "Share198Tweet124Share",
        "Read more at The Continental Ledger",
        "The post Russia Wants Guarantees Too. appeared first on New York Times.",
        "This article originally appeared in The Continental Ledger.",
        "Photo: Rescue workers on the bridge in the early morning.",
        "Residents wait at a shelter on Sunday. (AP Photo/Sergei Grits)",
        "Reporting by Tom Okafor; Editing by Alex Richardson",
        "Copyright © 2025 The Continental Ledger. All rights reserved.",
        "Advertisement",
        "September 4, 2025",
    ],
)
def test_chrome_lines_are_removed(chrome):
    body = "The central bank left its benchmark rate unchanged on Thursday afternoon."
    assert normalized_text(f"{chrome}\n{body}\n{chrome}") == normalized_text(body)


def test_sentences_that_mention_agencies_or_sharing_are_kept():
    body = (
        "Officials declined to share details of the plan, he told Reuters.\n"
        "The story was first reported by a regional newspaper on Monday."
    )
    assert len(content_lines(body)) == 2


@pytest.mark.parametrize(
    "dateline", ["MOSCOW (Reuters) - ", "KYIV, Ukraine (AP) \u2014 ", "LONDON \u2014 "]
)
def test_wire_datelines_are_stripped_from_the_first_lines(dateline):
    body = "Russia said on Tuesday it would not accept foreign troops in Ukraine."
    assert normalized_text(dateline + body) == normalized_text(body)


def test_non_text_input_is_a_clear_error():
    with pytest.raises(TypeError, match="text must be str"):
        tokens(b"bytes are not text")  # type: ignore[arg-type]
