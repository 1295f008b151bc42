import numpy as np

from monitor.judge.dedup import fingerprint
from monitor.judge.dedup.fingerprint import to_bytes
from monitor.judge.dedup.index import SketchIndex

from .cases import load_articles


def _sketches() -> dict[int, np.ndarray]:
    arts = load_articles()
    texts = [a["body"] for a in arts.values()] + [r for a in arts.values() for r in a["reports"]]
    return {i + 1: fingerprint(t).keys for i, t in enumerate(texts)}


def test_query_finds_the_article_and_not_others():
    sketches = _sketches()
    index = SketchIndex()
    for aid, keys in sketches.items():
        index.add(aid, keys)
    for aid, keys in sketches.items():
        hits = index.query(keys)
        assert hits[0].article_id == aid and hits[0].score == 1.0
        assert all(h.article_id == aid for h in hits)


def test_window_query_finds_its_original():
    body = fingerprint(load_articles()["wildfire"]["body"]).tokens
    index = SketchIndex()
    for aid, keys in _sketches().items():
        index.add(aid, keys)
    window = fingerprint(" ".join(body[len(body) // 2 : len(body) // 2 + int(len(body) * 0.4)]))
    assert [h.article_id for h in index.query(window.keys)] == [8]


def test_built_from_signatures_answers_like_incremental_and_after_flush():
    sketches = _sketches()
    built = SketchIndex.from_signatures(
        ((aid, to_bytes(keys)) for aid, keys in sketches.items()), chunk=3
    )
    incremental = SketchIndex(flush_at=40)  # forces several merges of the buffer
    for aid, keys in sketches.items():
        incremental.add(aid, keys)
    assert len(incremental._buffer) < sum(len(k) for k in sketches.values())
    assert len(built) == len(incremental) == len(sketches)
    for keys in sketches.values():
        assert built.query(keys) == incremental.query(keys)


def test_discarded_articles_are_not_returned():
    sketches = _sketches()
    index = SketchIndex()
    for aid, keys in sketches.items():
        index.add(aid, keys)
    index.discard(3)
    assert all(h.article_id != 3 for h in index.query(sketches[3]))
    assert len(index) == len(sketches) - 1


def test_over_common_keys_are_skipped():
    index = SketchIndex(max_postings=3)
    common = np.array([7], dtype=np.uint32)
    for aid in range(10):
        index.add(aid, common)
    assert index.query(common) == []
    index.flush()
    assert index.query(common) == []


def test_membership_and_replacement_without_a_python_object_per_article():
    sketches = _sketches()
    built = SketchIndex.from_signatures((aid, to_bytes(k)) for aid, k in sketches.items())
    assert built._recent == {} and 1 in built and 999 not in built
    built.add(999, sketches[1])
    built.add(3, sketches[1])  # re-added: the earlier sketch of 3 is replaced
    assert 999 in built and len(built) == len(sketches) + 1
    assert {h.article_id for h in built.query(sketches[3])} == set()
    assert {h.article_id for h in built.query(sketches[1])} == {1, 3, 999}
    built.flush()
    assert 999 in built and 3 in built and len(built._recent) <= 2
