"""The crawl worker: one crawl cycle in a fresh process, started by the daemon for the due sources.

Runs the same code as ``newsmon crawl --once`` (``monitor.cycle.crawl_once``) so Scrapy gets a fresh
Twisted reactor each cycle and the memory it used goes back to the OS when the process exits.
Settings come from the environment the daemon passes (no secrets on the command line); the
cycle's counters are printed as one JSON line on stdout for the daemon's metrics.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import json
import logging
import os
import signal
import sys

logger = logging.getLogger("monitor.daemon.worker")

PR_SET_PDEATHSIG = 1
RESULT_PREFIX = "newsmon-worker-result "


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGKILL this worker when the daemon dies, so no orphan crawls on alone."""
    libc_name = ctypes.util.find_library("c")
    if libc_name and sys.platform.startswith("linux"):
        libc = ctypes.CDLL(libc_name, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            logger.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
    if os.getppid() != parent_pid:  # the daemon died before prctl took effect
        raise SystemExit(f"newsmon worker: parent {parent_pid} is gone; not crawling")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.daemon.worker", description=__doc__)
    parser.add_argument("--source", action="append", required=True, help="a due source (repeat)")
    parser.add_argument("--parent-pid", type=int, required=True)
    args = parser.parse_args(argv)
    die_with_parent(args.parent_pid)

    from monitor.config import Settings, load_config
    from monitor.cycle import crawl_once
    from monitor.logs import configure_logging, secrets_of
    from monitor.store import db

    cfg = load_config(Settings())
    settings = cfg.settings
    configure_logging(settings.log_level, secrets=secrets_of(settings))
    try:
        engine = db.make_engine(settings.database_url)
        db.check_schema(engine)
        report = crawl_once(cfg, db.session_factory(engine), only_sources=args.source)
    except Exception:  # the process boundary: report through logging (redacted), exit non-zero
        logger.exception("crawl cycle for %s failed", ", ".join(args.source))
        return 1
    result: dict[str, object] = dict(report.counters)
    result.update(status=report.status.status, status_reason=report.status.reason)
    sys.stdout.write(RESULT_PREFIX + json.dumps(result, sort_keys=True) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
