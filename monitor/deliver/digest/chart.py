"""Position-timeline chart per issue, drawn with matplotlib into an inline SVG string.

Only stances, dates, issue titles and side names reach the chart (no feed content), and
matplotlib escapes the text it writes into the SVG.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from monitor.deliver.digest.model import PositionEntry
from monitor.deliver.view import side_label
from monitor.store.kinds import Stance

logger = logging.getLogger(__name__)

# Firm at the bottom, soft at the top, so a softening reads as a line going up.
STANCE_ORDER = (Stance.REJECTS, Stance.DEMANDS, Stance.PROPOSES, Stance.OPEN_TO, Stance.ACCEPTS)
COLORS = ("#b2182b", "#2166ac", "#1b7837", "#762a83", "#e08214")


def timeline_svg(issue_title: str, points: Sequence[PositionEntry], day: dt.date) -> str:
    """A step chart of each side's stance over time on one issue, ending at ``day``."""
    fig = Figure(figsize=(5.0, 2.6), dpi=100)
    FigureCanvasSVG(fig)
    # fixed margins instead of tight_layout, which costs a second full draw per chart
    fig.subplots_adjust(left=0.15, right=0.98, top=0.88, bottom=0.14)
    ax = fig.add_subplot()
    sides: dict[str, list[PositionEntry]] = {}
    for point in sorted(points, key=lambda p: p.statement_date):
        sides.setdefault(point.side, []).append(point)
    levels: dict[str, int] = {stance: i for i, stance in enumerate(STANCE_ORDER)}
    for n, (side, entries) in enumerate(sorted(sides.items())):
        xs = [e.statement_date for e in entries] + [day]
        ys = [levels.get(e.stance, len(STANCE_ORDER) // 2) for e in entries]
        ys.append(ys[-1])
        color = COLORS[n % len(COLORS)]
        ax.step(xs, ys, where="post", color=color, linewidth=2, label=side_label(side))  # type: ignore[arg-type]
        ax.plot(xs[:-1], ys[:-1], "o", color=color, markersize=5)  # type: ignore[arg-type]
    ax.axvline(day, color="#999999", linestyle=":", linewidth=1)  # type: ignore[arg-type]
    ax.set_yticks(range(len(STANCE_ORDER)), [s.replace("_", " ") for s in STANCE_ORDER])
    ax.set_ylim(-0.5, len(STANCE_ORDER) - 0.5)
    ax.set_title(issue_title, fontsize=12, loc="left")
    ax.grid(axis="y", color="#eeeeee")
    ax.tick_params(labelsize=9)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    if len(sides) > 1:
        ax.legend(fontsize=8, loc="upper left", frameon=False)
    locator = AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    buffer = io.StringIO()
    with rc_context(
        {"svg.fonttype": "none"}
    ):  # text as <text>, escaped by matplotlib: smaller, faster
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    return svg[svg.index("<svg") :]
