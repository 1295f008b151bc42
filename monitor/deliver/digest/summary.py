"""The digest's Slack message: a Block Kit summary; the full digest goes along as a file when cut."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from monitor.deliver.blocks import (
    HEADER_MAX,
    MAX_BLOCKS,
    SECTION_MAX,
    escape_mrkdwn,
    link,
    truncate_mrkdwn,
    truncate_plain,
)
from monitor.deliver.digest.model import DailyDigest
from monitor.deliver.view import STANCE_LABELS, AlertView

MAX_EVENTS_SHOWN = 15
MAX_EVIDENCE_CHARS = 300


@dataclass(frozen=True)
class DigestMessage:
    """``text`` + ``blocks`` for chat.postMessage; ``needs_attachment`` when items were left out."""

    text: str
    blocks: list[dict[str, Any]]
    needs_attachment: bool


def _event_line(e: AlertView) -> str:
    stance = STANCE_LABELS.get(e.stance, e.stance)
    line = f"*{e.event_type.replace('_', ' ')}*: {escape_mrkdwn(e.side_label)} *{stance}* {escape_mrkdwn(e.issue_label)}"
    if e.previous_stance:
        prev = STANCE_LABELS.get(e.previous_stance, e.previous_stance)
        when = e.previous_date.isoformat() if e.previous_date else "date unknown"
        line += f"; previously *{prev}* ({when})"
    evidence = e.evidence.strip()
    if len(evidence) > MAX_EVIDENCE_CHARS:
        evidence = evidence[: MAX_EVIDENCE_CHARS - 1] + "…"
    line += f"\n> {escape_mrkdwn(' '.join(evidence.split()))}"
    if e.url:
        line += f"\n{link(e.url, e.title or e.site or 'source')}"
    return line


def build_digest_blocks(digest: DailyDigest) -> DigestMessage:
    """The morning summary, within Slack's limits; says so when the full digest is attached."""
    counts = " · ".join(f"{k.replace('_', ' ')} {v}" for k, v in digest.counts.items())
    header = f"{digest.topic}: digest {digest.day.isoformat()}"
    blocks: list[dict[str, Any]] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": truncate_plain(header, HEADER_MAX)},
        },
        {
            "type": "context",
            "elements": [
                {"type": "mrkdwn", "text": truncate_mrkdwn(escape_mrkdwn(counts), SECTION_MAX)}
            ],
        },
    ]
    events = [*digest.events, *digest.possible_shifts]
    shown = events[:MAX_EVENTS_SHOWN]
    if not events:
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "No new demands, positions or shifts."},
            }
        )
    for event in shown:
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate_mrkdwn(_event_line(event), SECTION_MAX),
                },
            }
        )
    if digest.backfilled:
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": f"{len(digest.backfilled)} event(s) found in history "
                        "(earlier statements; listed in the full digest)",
                    }
                ],
            }
        )
    changed = [p for p in digest.positions if p.changed_today]
    if changed:
        lines = [
            f"• {escape_mrkdwn(p.issue_label)}: {escape_mrkdwn(p.side_label)} *{STANCE_LABELS.get(p.stance, p.stance)}*"
            for p in changed
        ]
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": truncate_mrkdwn("*Changed today*\n" + "\n".join(lines), SECTION_MAX),
                },
            }
        )
    failing = digest.failing_sources
    if failing:
        names = ", ".join(escape_mrkdwn(s.name) for s in failing)
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": truncate_mrkdwn(f":warning: failing sources: {names}", SECTION_MAX),
                    }
                ],
            }
        )
    left_out = len(events) - len(shown)
    needs_attachment = left_out > 0 or bool(digest.stories) or bool(digest.positions)
    if left_out > 0:
        note = f"{left_out} more event(s), the position table and top stories are in the attached digest."
    else:
        note = "The position table and top stories are in the attached digest."
    if needs_attachment:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": note}]})
    blocks = blocks[:MAX_BLOCKS]
    text = f"{digest.topic}: digest {digest.day.isoformat()}, {len(digest.events)} event(s)"
    return DigestMessage(text=escape_mrkdwn(text), blocks=blocks, needs_attachment=needs_attachment)
