"""One position timeline for every issue: swimlanes on one shared time axis, as inline SVG.

Hand-written SVG (no matplotlib): only issue labels, side names, stances and dates reach it, and
every text node is escaped. The same chart serves the HTML digest and the review page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from html import escape

from monitor.deliver.digest.model import PositionEntry
from monitor.deliver.view import STANCE_LABELS, issue_label, side_label
from monitor.judge.ledger.decide import ANCHOR_KINDS

STANCE_COLORS = {
    "demands": "#b2182b",
    "rejects": "#ef8a62",
    "proposes": "#762a83",
    "open_to": "#67a9cf",
    "accepts": "#2166ac",
}
WIDTH = 600
LEFT = 8
RIGHT = 96  # room for the current stance, readable however short its segment
LANE = 40
TOP = 30
AXIS = 26


def _ticks(start: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
    """Four to eight readable tick dates: years, quarters or months, by span."""
    days = (end - start).days
    if days > 365 * 3:
        step = max(1, (end.year - start.year) // 6 + 1)
        return [
            (dt.date(y, 1, 1), str(y))
            for y in range(start.year + 1, end.year + 1, step)
            if start < dt.date(y, 1, 1) <= end
        ]
    months = 3 if days > 365 else 1
    ticks: list[tuple[dt.date, str]] = []
    year, month = start.year, start.month
    while True:
        month += months
        while month > 12:
            month, year = month - 12, year + 1
        tick = dt.date(year, month, 1)
        if tick > end:
            return ticks
        label = tick.strftime("%b %Y") if month <= months or not ticks else tick.strftime("%b")
        ticks.append((tick, label))


def swimlanes_svg(entries: Sequence[PositionEntry], day: dt.date) -> str:
    """Each (side, issue) one lane, coloured by stance over time, all on one time axis up to ``day``."""
    lanes: dict[tuple[str, str], list[PositionEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.statement_date):
        if entry.statement_date <= day:
            lanes.setdefault((entry.side, entry.issue), []).append(entry)
    if not lanes:
        return ""
    many_sides = len({side for side, _ in lanes}) > 1
    start = min(e.statement_date for points in lanes.values() for e in points)
    start = min(start, day - dt.timedelta(days=30))
    span = max((day - start).days, 1)
    plot = WIDTH - LEFT - RIGHT

    def x(when: dt.date) -> float:
        return round(LEFT + (when - start).days / span * plot, 1)

    height = TOP + LANE * len(lanes) + AXIS
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="Positions over time, one lane per issue" class="swimlanes" '
        f'font-family="system-ui, sans-serif">'
    ]
    lx = LEFT
    for stance, color in STANCE_COLORS.items():
        label = escape(STANCE_LABELS.get(stance, stance))
        out.append(f'<rect x="{lx}" y="6" width="12" height="12" rx="2" fill="{color}"/>')
        out.append(f'<text x="{lx + 16}" y="16" font-size="14" fill="#333">{label}</text>')
        lx += 26 + 9 * len(label)
    for tick, label in _ticks(start, day):
        tx = x(tick)
        out.append(
            f'<line x1="{tx}" y1="{TOP - 4}" x2="{tx}" y2="{height - AXIS + 4}" '
            f'stroke="#e5e7eb" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{tx}" y="{height - 8}" font-size="13" fill="#555" '
            f'text-anchor="middle">{escape(label)}</text>'
        )
    for n, ((side, issue), points) in enumerate(sorted(lanes.items(), key=lambda kv: kv[0][1])):
        y = TOP + n * LANE
        title = issue_label(issue) + (f" ({side_label(side)})" if many_sides else "")
        out.append(
            f'<text x="{LEFT}" y="{y + 13}" font-size="15" fill="#111">{escape(title)}</text>'
        )
        bar_y = y + 18
        out.append(
            f'<rect x="{LEFT}" y="{bar_y}" width="{plot}" height="12" fill="#f3f4f6" rx="2"/>'
        )
        # The bar shows the stance the table shows: set by the baseline and by events, never
        # by a reiteration or an unconfirmed possible shift (those are the dots).
        anchors = [p for p in points if p.kind in ANCHOR_KINDS] or points[:1]
        for i, point in enumerate(anchors):
            if i > 0 and anchors[i - 1].stance == point.stance:
                continue  # a reiteration continues the segment drawn from the first statement
            j = i + 1
            while j < len(anchors) and anchors[j].stance == point.stance:
                j += 1
            until = anchors[j].statement_date if j < len(anchors) else day
            x0, x1 = x(point.statement_date), x(until)
            color = STANCE_COLORS.get(point.stance, "#999999")
            stance = escape(STANCE_LABELS.get(point.stance, point.stance))
            out.append(
                f'<rect x="{x0}" y="{bar_y}" width="{max(x1 - x0, 3)}" height="12" '
                f'fill="{color}"><title>{escape(title)}: {stance} from '
                f"{point.statement_date.isoformat()}</title></rect>"
            )
        # one dot per statement, but never two on one pixel: a long record stays a small SVG
        for cx in sorted({round(x(point.statement_date)) for point in points}):
            out.append(
                f'<circle cx="{cx}" cy="{bar_y + 6}" r="2.5" '
                f'fill="#fff" stroke="#111" stroke-width="1"/>'
            )
        current = anchors[-1].stance
        out.append(
            f'<rect x="{WIDTH - RIGHT + 6}" y="{bar_y - 3}" width="{RIGHT - 8}" height="18" rx="3" '
            f'fill="{STANCE_COLORS.get(current, "#999999")}"/>'
        )
        out.append(
            f'<text x="{WIDTH - RIGHT + 6 + (RIGHT - 8) / 2}" y="{bar_y + 11}" font-size="13" '
            f'fill="#fff" text-anchor="middle" font-weight="bold">'
            f"{escape(STANCE_LABELS.get(current, current))}</text>"
        )
    out.append(
        f'<line x1="{x(day)}" y1="{TOP - 4}" x2="{x(day)}" y2="{height - AXIS + 4}" '
        f'stroke="#111" stroke-dasharray="3 3" stroke-width="1"/>'
    )
    out.append("</svg>")
    return "".join(out)
