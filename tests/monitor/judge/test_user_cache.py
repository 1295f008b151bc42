"""The user cache: an entry is built once, read back after, and rebuilt when damaged."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from monitor.judge.rules import matcher
from monitor.judge.user_cache import cached_json
from tests.paths import REPO


def test_an_entry_is_built_once_then_read_and_rebuilt_when_damaged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    builds: list[int] = []

    def build() -> dict[str, str]:
        builds.append(1)
        return {"ran": "run"}

    assert cached_json("t.json", build, tmp_path) == {"ran": "run"}
    assert cached_json("t.json", build, tmp_path) == {"ran": "run"}
    assert len(builds) == 1
    (tmp_path / "t.json").write_text('{"ran": "ru', encoding="utf-8")  # a torn write
    with caplog.at_level(logging.WARNING):
        assert cached_json("t.json", build, tmp_path) == {"ran": "run"}
    assert len(builds) == 2 and "unreadable" in caplog.text
    assert cached_json("t.json", build, tmp_path) == {"ran": "run"} and len(builds) == 2
    assert [p.name for p in tmp_path.iterdir()] == ["t.json"]  # no temporary file left


def test_an_unwritable_cache_only_costs_the_build(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cached_json("t.json", lambda: [1, 2], blocker) == [1, 2]


def test_the_cached_lemma_table_gives_lemminflects_own_forms() -> None:
    """Every word of the test corpora: the cached table and lemminflect agree."""
    words: set[str] = set()
    for path in (REPO / "tests" / "data").rglob("*.yaml"):
        words |= set(re.findall(r"[^\W\d_]{4,}", path.read_text(encoding="utf-8").lower()))
    assert len(words) > 5_000
    differ = {w: (matcher.lemma(w), matcher._dictionary_form(w)) for w in sorted(words)}
    assert {w: pair for w, pair in differ.items() if pair[0] != pair[1]} == {}
    assert matcher.lemma("demanded") == "demand" and matcher.lemma("guarantees") == "guarantee"
