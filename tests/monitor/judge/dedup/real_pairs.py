"""Score the whole dedup path (``assign_story``) on the realistic story set in tests/data/dedup/real.

Every article of every story goes through ``assign_story`` on an in-memory SQLite database, in
one arrival order: ``chrono`` (by publication time, so originals mostly come first) or
``reverse`` (copies, rewrites and translations before their original). A must-merge pair
(original x version) counts as merged when both end in one story; a must-not-merge pair
(independent report x original or version, or members of two stories marked ``no_merge_with``)
is a false merge when they do. The other stories' articles are the distractors.

    python -m tests.monitor.judge.dedup.real_pairs [--order chrono|reverse|both] [--split a|b]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[4]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

STORIES = REPO / "tests" / "data" / "dedup" / "real" / "stories"
ORDERS = ("chrono", "reverse")


@dataclass(frozen=True)
class Doc:
    """One article of the set: its key is ``story/member``."""

    key: str
    story: str
    role: str  # original | version | independent
    relation: str | None  # copy | rewrite | translation (versions only)
    kind: str | None
    site: str
    url: str
    published: dt.datetime
    title: str
    text: str


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    label: str  # merge | no_merge
    relation: str  # copy | rewrite | translation | independent | other_story
    kind: str
    split: str


@dataclass
class StorySet:
    docs: dict[str, Doc]
    pairs: list[Pair]
    split_of: dict[str, str] = field(default_factory=dict)
    twins: set[frozenset[str]] = field(default_factory=set)  # story files telling one story


def _when(value: object) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _doc(story: str, member: str, role: str, spec: dict) -> Doc:
    return Doc(
        key=f"{story}/{member}",
        story=story,
        role=role,
        relation=spec.get("relation"),
        kind=str(spec["kind"]) if "kind" in spec else None,
        site=spec["site"],
        url=spec["url"],
        published=_when(spec["published"]),
        title=spec.get("title") or "",
        text=spec["text"],
    )


def load(directory: Path = STORIES) -> StorySet:
    """All stories, their documents and labelled pairs."""
    docs: dict[str, Doc] = {}
    pairs: list[Pair] = []
    split_of: dict[str, str] = {}
    links: list[tuple[str, str]] = []
    twins: list[tuple[str, str]] = []  # two files describing one story (see same_story_as)
    members: dict[str, list[str]] = {}
    for path in sorted(directory.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        sid, split = data["id"], data["split"]
        split_of[sid] = split
        original = _doc(sid, "original", "original", data["original"])
        versions = [_doc(sid, v["id"], "version", v) for v in data.get("versions", [])]
        independent = [_doc(sid, r["id"], "independent", r) for r in data.get("independent", [])]
        for d in [original, *versions, *independent]:
            if d.key in docs:
                raise ValueError(f"{path.name}: duplicate member {d.key}")
            docs[d.key] = d
        members[sid] = [original.key] + [v.key for v in versions]
        for v in versions:
            pairs.append(Pair(original.key, v.key, "merge", v.relation or "?", v.kind or "", split))
        for r in independent:
            for m in [original, *versions]:
                pairs.append(Pair(m.key, r.key, "no_merge", "independent", m.relation or "", split))
        links += [(sid, other) for other in data.get("no_merge_with", []) or []]
        if data.get("same_story_as"):
            twins.append((sid, data["same_story_as"]))
    seen: set[frozenset[str]] = set()
    for sid, other in links:
        if other not in members:
            raise ValueError(f"story {sid}: no_merge_with names unknown story {other}")
        if frozenset((sid, other)) in seen:
            continue
        seen.add(frozenset((sid, other)))
        for a in members[sid]:
            for b in members[other]:
                pairs.append(Pair(a, b, "no_merge", "other_story", "", split_of[sid]))
    for sid, other in twins:
        if other not in members:
            raise ValueError(f"story {sid}: same_story_as names unknown story {other}")
        # One wire story written up twice (two versions of one agency report): their originals
        # must merge; the pair spans both halves, so it counts only when the whole set is scored.
        pairs.append(
            Pair(f"{sid}/original", f"{other}/original", "merge", "rewrite", "wire_version", "ab")
        )
    return StorySet(docs, pairs, split_of, {frozenset(t) for t in twins})


def arrival(docs: Iterable[Doc], order: str) -> list[Doc]:
    """The documents in one arrival order."""
    ordered = sorted(docs, key=lambda d: (d.published, d.key))
    if order == "reverse":
        ordered.reverse()
    elif order != "chrono":
        raise ValueError(f"unknown order {order!r}")
    return ordered


def assign_all(
    docs: Sequence[Doc], *, index_factory: Callable[[], Any] | None = None
) -> dict[str, tuple[int, str | None]]:
    """Store and assign every document in the given order; key -> (story id, relation)."""
    from sqlalchemy import create_engine

    from crawler.items import ExtractedArticle
    from monitor.judge.stories import StoryIndex, assign_story
    from monitor.store.articles import save_article
    from monitor.store.db import session_factory
    from monitor.store.models import Article, Base

    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    factory = session_factory(engine)
    index = index_factory() if index_factory else StoryIndex()
    ids: dict[str, int] = {}
    for d in docs:
        with factory.begin() as session:
            article, _ = save_article(
                session,
                ExtractedArticle(
                    url=d.url, text=d.text, title=d.title, published=d.published, site_name=d.site
                ),
                source=None,
            )
            assign_story(session, article, index=index)
            ids[d.key] = article.id
    out: dict[str, tuple[int, str | None]] = {}
    with factory() as session:
        by_id = {a.id: a for a in session.query(Article)}
        for key, aid in ids.items():
            out[key] = (by_id[aid].story_id or -aid, by_id[aid].relation)
    engine.dispose()
    return out


def score(
    story_set: StorySet, placed: dict[str, tuple[int, str | None]], split: str | None = None
) -> dict[str, object]:
    """Recall per relation and copy kind, and the false merges, from a placement."""
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    false: list[str] = []
    missed: list[str] = []
    no_merge = 0
    for p in story_set.pairs:
        if split and p.split != split:
            continue
        same = placed[p.a][0] == placed[p.b][0]
        if p.label == "merge":
            for key in (p.relation, f"{p.relation}:{p.kind}"):
                totals[key] += 1
                hits[key] += same
            if not same and p.relation == "copy":
                missed.append(p.b)
        else:
            no_merge += 1
            if same:
                false.append(f"{p.a} ~ {p.b}")
    recall = {k: round(hits[k] / totals[k], 3) for k in sorted(totals)}
    # Stories not linked by no_merge_with but folded together anyway (reported, not counted:
    # two story files may describe one event; those known to, ``same_story_as``, are left out).
    stories_of: dict[int, set[str]] = {}
    for key, (sid, _) in placed.items():
        if split is None or story_set.split_of[story_set.docs[key].story] == split:
            stories_of.setdefault(sid, set()).add(story_set.docs[key].story)
    joined = sorted(
        {
            " + ".join(sorted(v))
            for v in stories_of.values()
            if len(v) > 1 and frozenset(v) not in story_set.twins
        }
    )
    return {
        "merge_pairs": sum(totals[r] for r in ("copy", "rewrite", "translation")),
        "no_merge_pairs": no_merge,
        "recall": {r: recall.get(r) for r in ("copy", "rewrite", "translation")},
        "recall_by_kind": {k: v for k, v in recall.items() if ":" in k},
        "missed": {k: f"{hits[k]}/{totals[k]}" for k in sorted(totals) if hits[k] < totals[k]},
        "missed_copies": missed,
        "false_merges": len(false),
        "false_merge_pairs": false[:20],
        "unlabelled_story_merges": joined,
    }


def place(
    story_set: StorySet, order: str, *, semantic: bool = True, thresholds: Any = None
) -> dict[str, tuple[int, str | None]]:
    """Every document of the set assigned in one arrival order (whichever half is scored)."""
    from monitor.judge.stories import StoryIndex

    return assign_all(
        arrival(story_set.docs.values(), order),
        index_factory=lambda: StoryIndex(use_semantic=semantic, thresholds=thresholds),
    )


def run(
    orders: Sequence[str] = ORDERS,
    split: str | None = None,
    *,
    semantic: bool = True,
    thresholds: Any = None,
) -> dict[str, object]:
    """Score every arrival order; one dict per order."""
    story_set = load()
    out: dict[str, object] = {}
    for order in orders:
        t = time.perf_counter()
        placed = place(story_set, order, semantic=semantic, thresholds=thresholds)
        result = score(story_set, placed, split)
        result["seconds"] = round(time.perf_counter() - t, 1)
        out[order] = result
    return out


GRID_SAME = (0.87, 0.89)
GRID_CROSS = (0.74, 0.78)


def split_half() -> dict[str, object]:
    """Thresholds chosen on one half (no false merge in either order, then most rewrites and
    translations), scored on the other half, both ways. Every placement covers all stories
    (the other half's articles are distractors); only the scoring is per half."""
    from monitor.judge.dedup.semantic import Thresholds
    from monitor.judge.stories import StoryIndex

    story_set = load()
    placements: dict[tuple[Thresholds, str], dict[str, tuple[int, str | None]]] = {}
    grid = [Thresholds(same_language=s, cross_language=c) for s in GRID_SAME for c in GRID_CROSS]
    for th in grid:
        for order in ORDERS:
            placements[th, order] = assign_all(
                arrival(story_set.docs.values(), order),
                index_factory=lambda th=th: StoryIndex(thresholds=th),
            )
    out: dict[str, object] = {}
    for choose_on, score_on in (("a", "b"), ("b", "a")):

        def merit(th: Thresholds, split: str = choose_on) -> tuple[int, float]:
            results = [score(story_set, placements[th, o], split) for o in ORDERS]
            false = sum(int(r["false_merges"]) for r in results)  # type: ignore[call-overload]
            found = sum(
                (r["recall"]["rewrite"] or 0) + (r["recall"]["translation"] or 0)  # type: ignore[index]
                for r in results
            )
            return (-false, found)

        best = max(grid, key=merit)
        out[f"chosen_on_{choose_on}"] = {
            "thresholds": {
                "same_language": best.same_language,
                "cross_language": best.cross_language,
            },
            "merit_on_choice_half": merit(best),
            f"scored_on_{score_on}": {
                o: score(story_set, placements[best, o], score_on) for o in ORDERS
            },
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", choices=[*ORDERS, "both"], default="both")
    parser.add_argument("--split", choices=["a", "b"], default=None)
    parser.add_argument("--lexical", action="store_true", help="without the semantic stage")
    parser.add_argument("--split-half", action="store_true", help="choose on one half, score other")
    args = parser.parse_args(argv)
    if args.split_half:
        print(json.dumps(split_half(), indent=1))
        return 0
    orders = ORDERS if args.order == "both" else (args.order,)
    print(json.dumps(run(orders, args.split, semantic=not args.lexical), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
