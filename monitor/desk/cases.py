"""Corrections as test cases: rule cases (``tests/data/rules/*.yaml``) and dedup relation pairs.

A claim marked wrong becomes a rules case whose expected claims are what the rules found in the
sentence minus the wrong one (plus the right one, when the analyst named it): it fails until the
rules are fixed. A split or a merge becomes a pair with the texts inline and its label.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.store.models import Correction

RULES_HEADER = (
    "# Cases from analysts' corrections on the review desk (`newsmon export --corrections`).\n"
    "# Same format as tuning.yaml: the expected claims are the analyst's; a case fails until the\n"
    "# rules read the sentence that way.\n"
)
DEDUP_HEADER = (
    "# Story corrections from the review desk (`newsmon export --corrections`): article pairs\n"
    "# with their texts inline; label merge = same story, no_merge = not a copy.\n"
)


def rules_cases(rows: list[Correction]) -> dict[str, Any]:
    cases = []
    for row in rows:
        if row.action != "claim_wrong":
            continue
        detail = row.detail or {}
        cases.append(
            {
                "text": detail.get("sentence", ""),
                "claims": list(detail.get("expected", [])),
                "tags": ["correction", row.reason or "wrong"],
                "article_date": detail.get("article_date"),
                "note": f"correction #{row.id} by {row.who} on {row.created_at.date()}: "
                f"{detail.get('claim')} is {(row.reason or 'wrong').replace('_', ' ')}",
            }
        )
    dates = sorted(c["article_date"] for c in cases if c["article_date"])
    return {"article_date": dates[-1] if dates else None, "cases": cases}


def dedup_pairs(rows: list[Correction]) -> dict[str, Any]:
    pairs = []
    for row in rows:
        if row.action not in ("not_a_copy", "same_story"):
            continue
        detail = row.detail or {}
        pairs.append(
            {
                "id": f"correction-{row.id}",
                "label": detail.get("label"),
                "kind": row.action,
                "a": detail.get("a", {}),
                "b": detail.get("b", {}),
            }
        )
    return {"pairs": pairs}


def export_corrections(session: Session, out: Path) -> tuple[Path, Path, int, int]:
    """Write ``out/rules/corrections.yaml`` and ``out/dedup/corrections.yaml``."""
    rows = list(session.scalars(select(Correction).order_by(Correction.id)))
    rules, dedup = rules_cases(rows), dedup_pairs(rows)
    rules_path, dedup_path = out / "rules" / "corrections.yaml", out / "dedup" / "corrections.yaml"
    for path, header, data in (
        (rules_path, RULES_HEADER, rules),
        (dedup_path, DEDUP_HEADER, dedup),
    ):
        path.parent.mkdir(parents=True, exist_ok=True)
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)
        path.write_text(header + body, encoding="utf-8")
    return rules_path, dedup_path, len(rules["cases"]), len(dedup["pairs"])
