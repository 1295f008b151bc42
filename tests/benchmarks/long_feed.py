"""Long-feed benchmark: a 100,000-entry feed (under the size cap) must not make a crawl unbounded.

A local site serves one RSS feed of N entries (default 100,000, about 5.6 MB, under the default
10 MB feed cap) whose first 200 entries link to real pages. ``newsmon crawl --once`` (fresh SQLite database, politeness off) must
end within 2 minutes at under 300 MB resident, fetching the newest ``max_new_entries`` (200) and
counting the rest as left for later polls. The baseline, measured in the same run, is the same
crawl of a feed holding only the 200 entries; the JSON line gives both and their ratios.

    python -m tests.benchmarks.long_feed [--entries 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from monitor.demo.server import NewsSite, Route
from tests.growing_site import article_page

ROOT = Path(__file__).resolve().parents[2]
CAP = 200


def feed(site: NewsSite, entries: int) -> bytes:
    """RSS with ``entries`` bare items (link only, ~55 bytes each); the first CAP have pages."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>long</title>'
    ]
    parts += [f"<item><link>{site.url(f'/p/{n}')}</link></item>" for n in range(entries)]
    parts.append("</channel></rss>")
    return "".join(parts).encode()


def crawl(site: NewsSite, path: str, workdir: Path) -> dict[str, float | int | str]:
    """One `newsmon crawl --once` in a child: wall seconds, peak RSS (MB) and its summary."""
    data = yaml.safe_load((ROOT / "monitor" / "topics" / "default.yaml").read_text())
    data["sources"] = [{"name": "long", "url": site.url(path)}]
    data["crawl"] = {
        "allow_private_networks": ["127.0.0.1/32"],
        "autothrottle": False,
        "download_delay": 0,
        "retries": 0,
        "concurrent_requests": 32,
        "concurrent_per_domain": 32,
    }
    if isinstance(data.get("rules"), str):
        data["rules"] = str((ROOT / "monitor" / "topics" / data["rules"]).resolve())
    topic = workdir / f"{path.strip('/').replace('/', '-')}.yaml"
    topic.write_text(yaml.safe_dump(data))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NEWSMON_", "SLACK_"))}
    env |= {
        "NEWSMON_DATABASE_URL": f"sqlite:///{workdir / (topic.stem + '.sqlite3')}",
        "NEWSMON_CONFIG": str(topic),
        "NEWSMON_DATA_DIR": str(workdir),
        "NEWSMON_LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "monitor", "init"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "monitor", "crawl", "--once"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - t0
    deferred = re.search(r"left for later polls (\d+)", out)
    fetched = re.search(r"fetched (\d+)", out)
    return {
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "fetched": int(fetched.group(1)) if fetched else -1,
        "left_for_later": int(deferred.group(1)) if deferred else 0,
        "exit": proc.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=100_000)
    args = parser.parse_args()
    with NewsSite() as site, tempfile.TemporaryDirectory() as tmp:
        for n in range(CAP):
            site.add(f"/p/{n}", Route(body=article_page(n, "long")[1]))
        long_body = feed(site, args.entries)
        site.add("/long.xml", Route(body=long_body, content_type="application/rss+xml"))
        site.add("/short.xml", Route(body=feed(site, CAP), content_type="application/rss+xml"))
        site.add("/robots.txt", Route(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
        baseline = crawl(site, "/short.xml", Path(tmp))
        long = crawl(site, "/long.xml", Path(tmp))
    print(
        json.dumps(
            {
                "benchmark": "long_feed",
                "entries": args.entries,
                "feed_mb": round(len(long_body) / 1e6, 2),
                "long": long,
                "baseline_200_entries": baseline,
                "time_ratio": round(float(long["seconds"]) / float(baseline["seconds"]), 2),
                "rss_ratio": round(float(long["peak_rss_mb"]) / float(baseline["peak_rss_mb"]), 2),
                "within_targets": long["seconds"] < 120
                and long["peak_rss_mb"] < 300
                and long["left_for_later"] == args.entries - CAP,
                "load_average": os.getloadavg(),
            }
        )
    )


if __name__ == "__main__":
    main()
