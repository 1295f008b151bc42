"""The compose file and Dockerfile keep the deployment contract: migrate first, non-root, no secrets."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def load_compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_runs_postgres_16_with_a_healthcheck() -> None:
    pg = load_compose()["services"]["postgres"]
    assert pg["image"] == "postgres:16"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])


def test_compose_migrates_before_the_daemon_starts() -> None:
    services = load_compose()["services"]
    assert services["init"]["command"] == ["init"]
    assert services["init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    daemon = services["newsmon"]
    assert daemon["command"][0] == "run"
    assert daemon["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert daemon["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert int(daemon["stop_grace_period"].rstrip("s")) > 30


def test_compose_scales_crawler_workers_over_redis() -> None:
    services = load_compose()["services"]
    worker = services["worker"]
    assert worker["command"] == ["worker"]
    assert worker["scale"] >= 2
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["newsmon"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert worker["environment"]["NEWSMON_QUEUE_URL"].startswith("redis://redis:")


def test_compose_takes_secrets_from_the_env_file_only() -> None:
    text = (DEPLOY / "compose.yaml").read_text()
    services = load_compose()["services"]
    for name in ("postgres", "init", "newsmon", "worker"):
        assert services[name]["env_file"] == ["newsmon.env"]
    assert not re.search(r"(PASSWORD|TOKEN|WEBHOOK)\w*\s*[:=]", text)
    example = (DEPLOY / "newsmon.env.example").read_text()
    for key in (
        "POSTGRES_PASSWORD",
        "NEWSMON_DATABASE_URL",
        "SLACK_BOT_TOKEN",
        "SLACK_WEBHOOK_URL",
    ):
        assert key in example


def test_dockerfile_is_slim_non_root_and_runs_the_daemon() -> None:
    lines = [
        line.strip()
        for line in (DEPLOY / "Dockerfile").read_text().splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    assert lines[0] == "FROM python:3.11-slim"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and not users[-1].startswith(("root", "0"))
    assert any(line.startswith("RUN pip install -e") for line in lines)
    assert 'ENTRYPOINT ["newsmon"]' in lines
    assert any(line.startswith('CMD ["run"') for line in lines)
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    assert "deploy/newsmon.env" in ignored and ".git" in ignored
