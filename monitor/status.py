"""A crawl's status in one word and one line: ok, degraded (some sources failing) or failing.

``crawl --once``, ``ingest``, the daemon's ``/healthz`` and its gauges all read this, so an
operator sees the same verdict everywhere: a cycle in which nothing could be fetched or stored,
or the database erred, is *failing*, never "ok".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

OK, DEGRADED, FAILING = "ok", "degraded", "failing"
STATUSES = (OK, DEGRADED, FAILING)
MAX_NAMED = 5  # failing sources named in one line; the rest are counted


@dataclass(frozen=True)
class CycleStatus:
    """The verdict on one crawl cycle, with the reason an operator reads first."""

    status: str
    reason: str = ""
    failing_sources: tuple[str, ...] = field(default_factory=tuple)

    @property
    def failing(self) -> bool:
        return self.status == FAILING


def _named(failures: Mapping[str, str]) -> str:
    items = [f"{name}: {why}" for name, why in sorted(failures.items())[:MAX_NAMED]]
    more = len(failures) - MAX_NAMED
    return "; ".join(items) + (f"; and {more} more" if more > 0 else "")


def judge_cycle(
    counters: Mapping[str, int],
    source_failures: Mapping[str, str] | None = None,
    fetch_failures: Mapping[str, str] | None = None,
    error: str | None = None,
) -> CycleStatus:
    """Ok, degraded or failing, from a cycle's counters and the reasons its failures gave."""
    source_failures = dict(source_failures or {})
    fetch_failures = dict(fetch_failures or {})
    names = tuple(sorted(source_failures))
    if error:
        return CycleStatus(FAILING, error, names)
    polled, failed = counters.get("sources_polled", 0), counters.get("sources_failed", 0)
    if failed and not polled:
        detail = _named(source_failures) or "no reason recorded"
        return CycleStatus(
            FAILING, f"no source could be fetched ({failed} failed: {detail})", names
        )
    fetched, fetch_failed = counters.get("fetched", 0), counters.get("fetch_failed", 0)
    if not polled and not failed and fetch_failed and not fetched:
        detail = _named(fetch_failures) or "no reason recorded"
        return CycleStatus(FAILING, f"nothing could be fetched ({detail})", names)
    store_failed = counters.get("store_failed", 0)
    if store_failed and not counters.get("stored", 0) and not counters.get("unchanged", 0):
        return CycleStatus(
            FAILING, f"nothing could be stored ({store_failed} write(s) failed)", names
        )
    analysis_failed = counters.get("analysis_failed", 0)
    if analysis_failed and not counters.get("analysed", 0):
        return CycleStatus(
            FAILING, f"no article could be analysed ({analysis_failed} failed)", names
        )
    if failed:
        return CycleStatus(
            DEGRADED,
            f"{failed} of {failed + polled} source(s) failing: {_named(source_failures)}",
            names,
        )
    return CycleStatus(OK, "", names)
