"""Time to alert: seconds from an item's publication on a feed to its post in (fake) Slack.

`newsmon run` runs as a real subprocess against a local site whose feeds gain items at random
moments (a publisher thread) and posts to the fake Slack server over HTTP. Every item carries a
confident Russian claim hardening the baseline's stance on EU membership, so the first one raises a
SHIFT and every later one a
reply in that alert's thread (a reiteration, or "also on" for a near-copy): one Slack post per
item. The figure is the post's timestamp minus the item's publication time, p50/p99 over all
items. The sources' interval is a few seconds (``interval_minutes`` is a float, so no test-only
setting is needed); the poll jitter the daemon adds (10 % of the interval) is reported.
Target: p99 <= interval + 5 s.

    python tests/benchmarks/latency.py [--items 60] [--feeds 3] [--interval 10] [--gap 2.0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import email.utils
import html
import json
import math
import os
import random
import signal
import statistics
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from monitor.demo.server import FeedItem, NewsSite, Route, rss
from tests.fake_slack import VALID_TOKEN, FakeSlack
from tests.growing_site import send_feed
from tests.monitor.daemon.daemon_harness import (
    DaemonProcess,
    daemon_env,
    newsmon,
    wait_for,
    write_topic,
)

ACTORS = ["Kremlin spokesman Dmitry Peskov", "Foreign Minister Sergei Lavrov"]
WHO = ["Diplomats", "Officials", "Analysts", "Traders", "Lawmakers", "Observers", "Aides"]
WHERE = ["Vienna", "Geneva", "Ankara", "Riyadh", "Helsinki", "Warsaw", "Brussels", "Oslo", "Rome"]
WHAT = [
    "grain corridor",
    "prisoner exchange",
    "energy prices",
    "border crossings",
    "shipping insurance",
    "harvest forecasts",
    "railway repairs",
    "bond auction",
    "power grid",
    "fishing quotas",
]
VERB = ["discussed", "questioned", "reviewed", "dismissed", "welcomed", "studied", "debated"]


def filler(rng: random.Random) -> str:
    """A sentence of unrelated detail; many of them keep every item a story of its own."""
    return (
        f"{rng.choice(WHO)} in {rng.choice(WHERE)} {rng.choice(VERB)} the {rng.choice(WHAT)} "
        f"on day {rng.randint(2, 900)}, citing figure {rng.randint(1000, 99999)} and the "
        f"{rng.choice(WHAT)} near {rng.choice(WHERE)}."
    )


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def claim_page(n: int, published: dt.datetime) -> tuple[str, bytes]:
    """A distinct relevant article leading with a confident SHIFT against the baseline (EU: accepts)."""
    rng = random.Random(n)
    actor = rng.choice(ACTORS)
    title = f"Moscow hardens its line on Ukraine and the EU, item {n}"
    paragraphs = [
        f"{actor} said on Monday that Russia would never accept Ukraine joining the European Union.",
        *(filler(rng) for _ in range(8)),
        f"Reporting for item {n} was filed at {published:%H:%M:%S} by the wire desk.",
    ]
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title>"
        f"<meta property='article:published_time' content='{published.isoformat()}'>"
        "</head><body><nav><a href='/'>Home</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{body}</article>"
        "<footer>Latency Wire</footer></body></html>"
    )
    return title, page.encode("utf-8")


class PublishingSite:
    """Feeds at ``/feeds/<name>.xml``; :meth:`publish_at_random` adds items on a timer thread."""

    def __init__(self, feeds: list[str]) -> None:
        self.site = NewsSite()
        self.items: dict[str, list[FeedItem]] = {name: [] for name in feeds}
        self.published: dict[str, float] = {}  # item path -> wall-clock time it appeared
        self._mutex = threading.Lock()
        self._thread: threading.Thread | None = None
        for name in feeds:
            self.site.add(f"/feeds/{name}.xml", Route(handler=self._feed_handler(name)))
        self.site.add(
            "/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain")
        )

    def __enter__(self) -> PublishingSite:
        self.site.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._thread.join(timeout=1)
        self.site.stop()

    def feed_url(self, name: str) -> str:
        return self.site.url(f"/feeds/{name}.xml")

    def publish(self, feed: str) -> str:
        with self._mutex:
            n = len(self.published) + 1
            path = f"/news/{feed}/{n}.html"
            now = dt.datetime.now(dt.UTC)
            title, page = claim_page(n, now)
            self.site.add(path, Route(body=page))
            self.items[feed].append(FeedItem(title, path, email.utils.format_datetime(now)))
            self.published[path] = time.time()
        return path

    def publish_at_random(self, count: int, mean_gap: float, seed: int = 7) -> None:
        """``count`` items, each after a uniform random pause in [0, 2 * mean_gap]."""
        rng = random.Random(seed)
        feeds = sorted(self.items)

        def run() -> None:
            for _ in range(count):
                time.sleep(rng.uniform(0, 2 * mean_gap))
                self.publish(rng.choice(feeds))

        self._thread = threading.Thread(target=run, name="publisher", daemon=True)
        self._thread.start()

    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()

    def _feed_handler(self, feed: str):  # type: ignore[no-untyped-def]
        def handle(request: BaseHTTPRequestHandler) -> None:
            with self._mutex:
                body = rss(f"Latency {feed}", self.site, list(reversed(self.items[feed][-50:])))
            send_feed(request, body)

        return handle


def first_post_times(slack: FakeSlack, paths: list[str]) -> dict[str, float]:
    """Each item path -> the timestamp of the first Slack message that links to it."""
    found: dict[str, float] = {}
    for message in sorted(slack.all_messages(), key=lambda m: float(m["ts"])):
        text = json.dumps(message)
        for path in paths:
            if path not in found and f"{path}" in text:
                found[path] = float(message["ts"])
    return found


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def measure(items: int, feeds: int, interval: float, gap: float, workdir: Path) -> dict[str, Any]:
    names = [f"wire{i}" for i in range(1, feeds + 1)]
    url = f"sqlite:///{workdir / 'latency.sqlite3'}"
    load_before = load_average()
    with FakeSlack() as slack, PublishingSite(names) as site:
        topic = write_topic(workdir / "topic.yaml", site, names, interval)  # type: ignore[arg-type]
        env = daemon_env(url, topic, workdir / "data")
        env.update(
            SLACK_BOT_TOKEN=VALID_TOKEN, SLACK_CHANNEL="#alerts", SLACK_API_URL=slack.api_url
        )
        init = newsmon(env, "init")
        if init.returncode != 0:
            raise SystemExit(f"newsmon init failed: {init.stderr}")
        daemon = DaemonProcess(env, workdir / "daemon.log")
        try:
            wait_for(
                lambda: daemon.metric("newsmon_cycles_total", outcome="ok") >= 1,
                120,
                "a first crawl cycle",
            )
            site.publish_at_random(items, gap)
            wait_for(site.done, items * gap * 4 + 60, "the publisher to finish")
            paths = sorted(site.published)
            wait_for(
                lambda: len(first_post_times(slack, paths)) == len(paths),
                interval * 3 + 120,
                "a Slack post for every item",
                every=1.0,
            )
        except AssertionError as err:
            print(f"warning: {err}", file=sys.stderr)
        finally:
            code = daemon.stop() if daemon.proc.poll() is None else daemon.proc.returncode
        posts = first_post_times(slack, sorted(site.published))
        latencies = [posts[p] - site.published[p] for p in sorted(posts)]
        missing = len(site.published) - len(posts)
    return {
        "benchmark": "time_to_alert",
        "items": len(latencies),
        "items_missing": missing,
        "poll_interval_s": interval,
        "poll_jitter_s": round(min(interval * 0.1, 60.0), 2),
        "mean_gap_between_items_s": gap,
        "p50_s": round(statistics.median(latencies), 2) if latencies else None,
        "p99_s": round(percentile(latencies, 0.99), 2) if latencies else None,
        "max_s": round(max(latencies), 2) if latencies else None,
        "target_p99_s": interval + 5,
        "meets_target": bool(latencies) and percentile(latencies, 0.99) <= interval + 5,
        "daemon_exit": code,
        "load_average_before": load_before,
        "load_average_after": load_average(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--feeds", type=int, default=3)
    parser.add_argument("--interval", type=float, default=10.0, help="source interval, seconds")
    parser.add_argument("--gap", type=float, default=2.0, help="mean seconds between items")
    parser.add_argument("--workdir", type=Path, default=None, help="keep the database and log here")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = measure(args.items, args.feeds, args.interval, args.gap, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="newsmon-latency-") as tmp:
            result = measure(args.items, args.feeds, args.interval, args.gap, Path(tmp))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
