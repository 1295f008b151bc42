"""The user cache: an entry is built once, read back after, and rebuilt when damaged."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from crawler import language
from crawler.user_cache import cached_arrays, cached_json
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


def test_arrays_are_built_once_mapped_after_and_rebuilt_when_damaged(tmp_path: Path) -> None:
    builds: list[int] = []

    def build() -> dict[str, np.ndarray]:
        builds.append(1)
        return {"a": np.arange(1000, dtype=np.uint32), "b": np.array(["en", "ru"])}

    first = cached_arrays("m", build, tmp_path)
    again = cached_arrays("m", build, tmp_path)
    assert len(builds) == 1 and isinstance(again["a"], np.memmap)
    assert again["a"].tolist() == first["a"].tolist() and again["b"].tolist() == ["en", "ru"]
    with open(tmp_path / "m" / "a.npy", "r+b") as f:  # a torn file
        f.truncate(200)
    assert cached_arrays("m", build, tmp_path)["a"].sum() == first["a"].sum()
    assert len(builds) == 2
    assert cached_arrays("m", build, tmp_path)["a"].sum() == first["a"].sum()
    assert len(builds) == 2 and [p.name for p in tmp_path.iterdir()] == ["m"]
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert cached_arrays("m", build, blocker)["b"].tolist() == ["en", "ru"]


def test_the_cached_language_model_answers_as_py3langids_own(tmp_path: Path) -> None:
    """Every paragraph of the realistic corpus, in every language it has: the same answers."""
    import yaml

    own = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    built = language.load_identifier(tmp_path)
    mapped = language.load_identifier(tmp_path)
    assert isinstance(mapped.nb_ptc, np.memmap)
    texts = [
        "Кремль заявил, что Россия не примет размещение иностранных войск на Украине.",
        "Le Kremlin a rejeté toute présence de troupes européennes en Ukraine.",
        "Кремль заявив, що Росія відкидає будь-які гарантії безпеки для України.",
        "ウクライナの安全保障についてロシアは反対している。",
    ]
    for path in sorted((REPO / "tests" / "data" / "realnews" / "articles").glob("*.yaml")):
        texts += yaml.safe_load(path.read_text(encoding="utf-8"))["paragraphs"]
    assert len(texts) > 1000
    for text in texts:
        assert own.classify(text) == built.classify(text) == mapped.classify(text), text
