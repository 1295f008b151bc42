"""A correction made in the browser comes back as a failing rules case until the rules change."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from monitor.desk.server import DeskThread, build_desk
from monitor.judge.rules import RuleSet, load_ruleset, topic_ruleset
from monitor.judge.rules.loader import DEFAULT_RULES_PATH
from tests.fake_slack import FakeSlack
from tests.monitor.desk.browser import chromium
from tests.monitor.desk.desk_env import cli_env_for
from tests.monitor.desk.test_desk_browser import seeded
from tests.monitor.judge.rules.scoring import found_labels

pytestmark = pytest.mark.browser


def failing(path: Path, ruleset: RuleSet) -> list[str]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    bad = []
    for case in document["cases"]:
        day = dt.date.fromisoformat(str(case.get("article_date") or document["article_date"]))
        if found_labels(case, day, ruleset) != set(case["claims"]):
            bad.append(case["text"])
    return bad


def test_a_browser_correction_becomes_a_failing_rules_case(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    room = seeded(tmp_path, fake_slack)
    possible = room.events(type="POSSIBLE_SHIFT")[0]
    server = DeskThread(build_desk(room.config, room.factory, "127.0.0.1"), "127.0.0.1", 0).start()
    try:
        with chromium() as browser:
            page = browser.new_page()  # type: ignore[attr-defined]
            page.goto(f"{server.url}/event/{possible.id}")
            page.locator("details.fix summary").click()
            page.locator("input[value=not_russia]").check()
            page.get_by_role("button", name="Retract this claim").click()
            page.wait_for_url("**notice=*")
    finally:
        server.stop()
    out = tmp_path / "cases"
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "export", "--corrections", "--out", str(out)],
        env=cli_env_for(room),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "1 rules case(s)" in result.stdout
    rules_file = out / "rules" / "corrections.yaml"
    (case,) = yaml.safe_load(rules_file.read_text(encoding="utf-8"))["cases"]
    assert case["claims"] == [] and "unnamed sources" in case["text"]
    assert "correction" in case["tags"] and "not_russia" in case["tags"]
    # today's rules still read the unnamed sources' guess as the Kremlin's: the case fails
    ruleset = topic_ruleset(room.config.topic.rules, room.config.topic_path)
    assert failing(rules_file, ruleset) == [case["text"]]
    # a rules change that stops reading "would one day tolerate" as acceptance makes it pass
    text = Path(DEFAULT_RULES_PATH).read_text(encoding="utf-8")
    patched = tmp_path / "rules.yaml"
    patched.write_text(text.replace(" tolerate, could live with,", " could live with,"), "utf-8")
    assert failing(rules_file, load_ruleset(patched)) == []
    with room.factory() as session:
        from monitor.store.models import Correction

        assert session.scalars(select(Correction.action)).all() == ["claim_wrong"]
