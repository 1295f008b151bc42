"""The shipped systemd unit passes `systemd-analyze verify` and keeps its hardening."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "newsmon.service"
INSTALLED_NEWSMON = "/opt/newsmon/venv/bin/newsmon"


@pytest.fixture(scope="module")
def systemd_analyze() -> str:
    found = shutil.which("systemd-analyze")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("systemd-analyze is required under CI: apt-get install systemd")
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    return found


def verify(
    systemd_analyze: str, unit_text: str, tmp_path: Path
) -> subprocess.CompletedProcess[str]:
    """Verify a copy whose newsmon path points at a real executable (verify checks ExecStart)."""
    fake = tmp_path / "newsmon"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    copy = tmp_path / "newsmon.service"
    copy.write_text(unit_text.replace(INSTALLED_NEWSMON, str(fake)))
    return subprocess.run(
        [systemd_analyze, "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_unit_verifies_without_warnings(systemd_analyze: str, tmp_path: Path) -> None:
    text = UNIT.read_text()
    assert INSTALLED_NEWSMON in text, "the test rewrites this path; keep them in step"
    result = verify(systemd_analyze, text, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr


@pytest.mark.parametrize(
    ("mutation", "complaint"),
    [
        (("Restart=on-failure", "Restart=sometimes"), "restart specifier"),
        (("ProtectSystem=strict", "ProtectSytem=strict"), "Unknown key"),
    ],
)
def test_verify_catches_a_broken_unit(
    systemd_analyze: str, tmp_path: Path, mutation: tuple[str, str], complaint: str
) -> None:
    broken = UNIT.read_text().replace(*mutation)
    result = verify(systemd_analyze, broken, tmp_path)
    assert complaint in result.stderr


def directives(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z]+)=(.*)$", line)
        if match:
            found.setdefault(match[1], []).append(match[2])
    return found


def test_unit_runs_hardened_as_a_dedicated_user() -> None:
    d = directives(UNIT.read_text())
    expected = {
        "Restart": "on-failure",
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "User": "newsmon",
        "ReadWritePaths": "/var/lib/newsmon",
        "EnvironmentFile": "/etc/newsmon/newsmon.env",
    }
    for key, value in expected.items():
        assert d.get(key) == [value], key
    assert d["ExecStart"][0].endswith("newsmon run --health-port 9464")
    assert d["ExecStartPre"] == [f"{INSTALLED_NEWSMON} init"]
    # Stop timeout above the daemon's own 30 s so systemd never SIGKILLs a clean stop.
    assert int(d["TimeoutStopSec"][0]) > 30
    assert not any("SLACK" in v for v in d.get("Environment", [])), "secrets belong in the env file"
