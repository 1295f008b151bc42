"""Test helpers: a tiny local HTTP server and a Scrapy crawl run in a child process."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

Route = Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]]


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[str]:
    """Serve ``routes`` (path -> handler returning status, headers, body) on 127.0.0.1:0."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            route = routes.get(self.path.split("?", 1)[0])
            status, headers, body = route(self) if route else (404, {}, b"not found")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.hits = hits  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def crawl_in_child(
    urls: list[str], settings: dict[str, Any], timeout: float = 60
) -> dict[str, Any]:
    """Run tests/crawler/scrapy_child.py over ``urls``; returns fetched, errors, stats and the log."""
    job = json.dumps({"urls": urls, "settings": {"LOG_LEVEL": "INFO", **settings}})
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawler.scrapy_child"],
        input=job,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child crawl failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout)
    result["log"] = done.stderr
    return result


LOCAL_OPTIONS: dict[str, Any] = {
    "allow_private_networks": ["127.0.0.1/32"],
    "autothrottle": False,
    "download_delay": 0,
    "timeout_seconds": 5,
    "retries": 1,
    "retry_backoff_seconds": 0,
    "extract_workers": 1,
}


def crawl_sources(
    sources: list[dict[str, Any]],
    options: dict[str, Any] | None = None,
    seen: list[str] | None = None,
    extra_settings: dict[str, Any] | None = None,
    timeout: float = 120,
    fetch: bool = True,
) -> dict[str, Any]:
    """Run run_crawl over ``sources`` in tests/crawler/crawl_child.py; returns what the sink got."""
    job = json.dumps(
        {
            "sources": sources,
            "options": {**LOCAL_OPTIONS, **(options or {})},
            "seen": seen or [],
            "extra_settings": extra_settings or {},
            "fetch": fetch,
        }
    )
    done = subprocess.run(
        [sys.executable, "-m", "tests.crawler.crawl_child"],
        input=job,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"child crawl failed ({done.returncode}):\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout)
    result["log"] = done.stderr
    return result
