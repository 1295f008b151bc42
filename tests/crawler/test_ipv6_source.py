"""A source at an IPv6 literal (``http://[::1]:port``) is crawled, robots.txt included."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import yaml

from monitor.demo.server import DEMO_FEEDS, demo_site
from tests.conftest import run_newsmon, write_topic


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


pytestmark = pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")


def test_a_source_at_an_ipv6_literal_is_crawled(tmp_path: Path) -> None:
    with demo_site(host="::1") as site:
        path = next(iter(DEMO_FEEDS))
        topic = write_topic(tmp_path / "t.yaml", site, {"v6": path})
        data = yaml.safe_load(topic.read_text())
        data["crawl"]["allow_private_networks"] = ["::1/128"]
        topic.write_text(yaml.safe_dump(data))
        env = {
            "NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path}/n.sqlite3",
            "NEWSMON_CONFIG": str(topic),
        }
        assert run_newsmon("init", env=env).returncode == 0
        result = run_newsmon("crawl", "--once", env=env)
        robots = site.hits_for("/robots.txt")
    assert result.returncode == 0, result.stderr
    assert "sources polled 1 (not modified 0, failed 0)" in result.stdout
    assert "stored 2" in result.stdout
    assert robots and robots[0].status == 200
    assert "ERROR" not in result.stderr and "Traceback" not in result.stderr


def test_an_ipv6_literal_outside_the_allow_list_is_refused(tmp_path: Path) -> None:
    with demo_site(host="::1") as site:
        topic = write_topic(tmp_path / "t.yaml", site, {"v6": next(iter(DEMO_FEEDS))})
        env = {
            "NEWSMON_DATABASE_URL": f"sqlite:///{tmp_path}/n.sqlite3",
            "NEWSMON_CONFIG": str(topic),
        }
        assert run_newsmon("init", env=env).returncode == 0
        result = run_newsmon("crawl", "--once", env=env)
        assert site.hits == []
    assert result.returncode == 1
    assert "v6: refused by the address guard" in result.stderr
