"""The HTML digest in headless Chromium: loads without console errors, charts visible, screenshot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from monitor.deliver.digest.render import render_html
from tests import paths
from tests.monitor.deliver.digest.fixture_day import fixture_day

OUTPUT = paths.OUTPUT
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--enable-logging=stderr",
    "--v=0",
]


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        reason = "headless chromium not installed (apt-get install -y chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


def run_chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def console_messages(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@pytest.mark.browser
def test_console_capture_sees_errors(tmp_path: Path) -> None:
    """The check below is only worth something if a broken page is caught."""
    page = tmp_path / "broken.html"
    page.write_text("<html><body><script>console.error('boom')</script></body></html>")
    result = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    assert any("boom" in line for line in console_messages(result.stderr))


@pytest.mark.browser
def test_html_digest_loads_cleanly_in_chromium(tmp_path: Path) -> None:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page = OUTPUT / "digest_2025-06-18.html"
    page.write_text(
        render_html(fixture_day(text="<script>console.error('xss')</script>")), encoding="utf-8"
    )
    dom = run_chromium(tmp_path, "--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    assert len(re.findall(r"<svg\b", dom.stdout)) == 1
    assert "&lt;script&gt;console.error('xss')&lt;/script&gt;" in dom.stdout
    shot = OUTPUT / "digest_2025-06-18_phone.png"
    shot.unlink(missing_ok=True)
    result = run_chromium(
        tmp_path,
        "--window-size=412,2400",
        "--hide-scrollbars",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert console_messages(result.stderr) == []
    assert shot.stat().st_size > 20_000  # a blank page is a few kB
