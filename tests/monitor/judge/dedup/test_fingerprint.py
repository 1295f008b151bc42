import subprocess
import sys

import numpy as np
import pytest

from monitor.judge.dedup import fingerprint
from monitor.judge.dedup.fingerprint import from_bytes, sketch, to_bytes

from .cases import load_articles


@pytest.fixture(scope="module")
def body() -> list[str]:
    return fingerprint(load_articles()["flood"]["body"]).tokens


def test_sample_of_a_window_is_a_subset_of_the_sample_of_the_whole(body):
    whole = set(sketch(body).tolist())
    n = len(body)
    window = set(sketch(body[int(n * 0.3) : int(n * 0.75)]).tolist())
    assert window and window <= whole
    assert len(window) < len(whole)


def test_unrelated_articles_share_almost_nothing(body):
    other = fingerprint(load_articles()["trade_deal"]["body"]).keys
    assert len(np.intersect1d(sketch(body), other)) <= 1


def test_signature_round_trips_through_bytes(body):
    keys = sketch(body)
    blob = to_bytes(keys)
    assert isinstance(blob, bytes) and len(blob) == 1 + 4 * len(keys)
    assert np.array_equal(from_bytes(blob), keys)


@pytest.mark.parametrize("blob", [b"", b"\x02abcd", b"\x01abc"])
def test_foreign_signature_is_a_clear_error(blob):
    with pytest.raises(ValueError, match="dedup signature"):
        from_bytes(blob)


def test_hashes_are_stable_across_processes():
    code = (
        "from monitor.judge.dedup import fingerprint;"
        "print(fingerprint('The army sent several hundred soldiers to the dikes on Sunday "
        "after the river rose by almost three meters overnight in villages upstream, "
        "officials said').signature.hex())"
    )
    outs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        ).stdout
        for seed in ("1", "2")
    }
    assert len(outs) == 1
    assert outs.pop().strip() != "01"  # a non-empty sketch
