"""How far two careful readers agree on the corpus's labels, and where the engine stands.

The second reader's labels (``tests/data/realnews/second_reader.yaml``) were made blind, on 30 dev
pages. Against the corpus labels they give the precision and recall a human-like reader reaches:
the ceiling the engine's figures are read against. The engine is scored against both readers.

    python -m tests.monitor.judge.rules.realnews_agreement [--rules-alone]
"""

from __future__ import annotations

import argparse
from typing import Any

import yaml

from monitor.judge.rules import default_ruleset
from tests.monitor.judge.rules.realnews_score import Pair, Tally, found_pairs
from tests.realnews import SECOND_READER, Fixture, load_all


def second_reader() -> dict[str, set[Pair]]:
    """Page id -> the (issue, stance) pairs the second reader found."""
    rows: list[dict[str, Any]] = yaml.safe_load(SECOND_READER.read_text(encoding="utf-8"))
    return {row["id"]: {(c["issue"], c["stance"]) for c in row["claims"] or []} for row in rows}


def _add(tally: Tally, key: str, got: set[Pair], reference: set[Pair]) -> None:
    tally.add(key, len(got & reference), len(got - reference), len(reference - got))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules-alone", action="store_true", help="without the second opinion")
    args = parser.parse_args()
    ruleset = default_ruleset(second_opinion=not args.rules_alone)
    pages: dict[str, Fixture] = {f.id: f for f in load_all()}
    second = second_reader()
    tally = Tally()
    same = 0
    for page_id, pairs in second.items():
        first = pages[page_id].pairs
        same += first == pairs
        engine = found_pairs(pages[page_id], ruleset)
        _add(tally, "second reader vs corpus labels", pairs, first)
        _add(tally, "engine vs corpus labels", engine, first)
        _add(tally, "engine vs second reader", engine, pairs)
    print(f"{len(second)} pages, {same} with the same pairs from both readers")
    for key in (
        "second reader vs corpus labels",
        "engine vs corpus labels",
        "engine vs second reader",
    ):
        print(tally.line(key))


if __name__ == "__main__":
    main()
