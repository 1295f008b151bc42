"""Block Kit alerts: golden files per event type, escaping of hostile text, Slack's limits."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import pytest

from monitor.deliver.blocks import (
    HEADER_MAX,
    MAX_BLOCKS,
    SECTION_MAX,
    AlertTemplates,
    build_alert_blocks,
    escape_mrkdwn,
    truncate_mrkdwn,
)
from monitor.deliver.view import AlertView, CopyRef
from monitor.errors import ConfigError
from tests import paths
from tests.monitor.deliver.alerts.cases import CASES, INJECTIONS, hostile

GOLDEN = paths.DATA / "golden"
UPDATE = os.environ.get("NEWSMON_UPDATE_GOLDEN") == "1"


def texts(payload: dict) -> list[str]:
    """Every string Slack would render from a message payload."""
    out: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(payload)
    return out


@pytest.mark.parametrize("name", sorted(CASES))
def test_alert_blocks_match_golden_file(name: str) -> None:
    payload = build_alert_blocks(CASES[name])
    path = GOLDEN / f"alert_{name}.json"
    rendered = json.dumps(payload, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if UPDATE or not path.exists():
        path.write_text(rendered, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"golden file {path.name} was missing and has been written; check it in")
    assert rendered == path.read_text(encoding="utf-8")


def test_shift_message_says_what_changed_and_shows_the_earlier_evidence() -> None:
    payload = build_alert_blocks(CASES["SHIFT"])
    body = "\n".join(texts(payload))
    assert payload["blocks"][0]["type"] == "header"
    assert (
        "*SHIFT*: Russia now *accepts* Ukraine's EU membership; previously *rejects* (2022-03-04)"
        in body
    )
    assert "> He said this week that Russia would accept" in body
    assert "— Vladimir Putin, 2025-06-18" in body
    assert "<https://paper.example.com/2025/06/18/putin-eu|Putin says Ukraine may join" in body
    assert "*Earlier (2022-03-04):*\n> A foreign ministry spokeswoman" in body
    assert "<https://archive.example.net/2022/03/04/zakharova-eu|earlier source>" in body
    assert "<https://repost.example.net/putin-eu-nato|repost.example.net>" in body
    assert payload["text"].startswith("SHIFT: Russia now accepts Ukraine's EU membership")


@pytest.mark.parametrize("name", sorted(CASES))
def test_injection_strings_are_shown_never_acted_on(name: str) -> None:
    view = hostile(CASES[name])
    payload = build_alert_blocks(view)
    allowed = {view.url, view.previous_url, *(c.url for c in view.also_on)}
    for text in texts(payload):
        for raw in INJECTIONS + ("<!everyone>", "<@U999>"):
            if raw != "AT&T":
                assert raw not in text
        # the only angle brackets left are our own links, to http(s) URLs we were given
        for target in re.findall(r"<([^>]*)>", text):
            url = target.split("|", 1)[0]
            assert url.startswith(("http://", "https://")), target
            assert url in allowed, target
    body = "\n".join(texts(payload))
    assert "&lt;@U123&gt;" in body or name == "copy"
    assert "&lt;https://evil.example|click&gt;" in body
    assert "AT&amp;T" in body


def test_escape_mrkdwn_escapes_the_three_control_characters_only() -> None:
    assert escape_mrkdwn("a & b < c > d *e* _f_") == "a &amp; b &lt; c &gt; d *e* _f_"


def test_limits_are_kept_with_an_ellipsis_and_no_broken_entities() -> None:
    long_text = ("Lavrov <said> & repeated " * 400).strip()
    view = dataclasses.replace(
        CASES["SHIFT"],
        side="a_very_long_side_name_" * 10,
        evidence=long_text,
        previous_evidence=long_text,
        title=long_text,
        also_on=tuple(
            CopyRef(f"site{i}.example", f"https://site{i}.example/x") for i in range(500)
        ),
    )
    payload = build_alert_blocks(view)
    assert len(payload["blocks"]) <= MAX_BLOCKS
    header = payload["blocks"][0]["text"]["text"]
    assert len(header) <= HEADER_MAX and header.endswith("…")
    for block in payload["blocks"][1:]:
        text = block["text"]["text"] if "text" in block else block["elements"][0]["text"]
        assert len(text) <= SECTION_MAX
        assert not re.search(r"&[a-z]{0,3}…", text), "an entity was cut in half"
    evidence_block = payload["blocks"][2]["text"]["text"]
    assert evidence_block.endswith("…")
    assert "and 480 more" in payload["blocks"][-2]["elements"][0]["text"]
    assert len(payload["text"]) <= 3000


def test_truncation_never_cuts_inside_a_link() -> None:
    text = "x" * 20 + "<https://example.org/long/path|label>"
    cut = truncate_mrkdwn(text, 30)
    assert cut == "x" * 20 + "…"


def test_templates_can_be_overridden_from_the_config() -> None:
    templates = AlertTemplates(
        {"SHIFT": ":warning: {{ side }} moved on {{ issue }} to {{ stance }}"}
    )
    view = hostile(CASES["SHIFT"])
    payload = build_alert_blocks(dataclasses.replace(view, side="russia<!channel>"), templates)
    assert payload["blocks"][1]["text"]["text"] == (
        ":warning: Russia&lt;!Channel&gt; moved on Ukraine's EU membership to accepts"
    )
    # other event types keep the built-in wording
    assert build_alert_blocks(CASES["NEW_DEMAND"], templates)["blocks"][1]["text"][
        "text"
    ].startswith("*NEW DEMAND*: Russia *demands*")


def test_bad_template_overrides_are_named_clearly() -> None:
    with pytest.raises(ConfigError, match="unknown template 'SHIFTY'"):
        AlertTemplates({"SHIFTY": "x"})
    with pytest.raises(ConfigError, match="alerts.templates.SHIFT: not a valid Jinja2 template"):
        AlertTemplates({"SHIFT": "{% if %}"})
    with pytest.raises(ConfigError, match="alerts.templates.SHIFT: rendering failed"):
        build_alert_blocks(CASES["SHIFT"], AlertTemplates({"SHIFT": "{{ no_such_field }}"}))


@pytest.mark.parametrize("name", sorted(CASES))
def test_view_survives_the_outbox_payload_round_trip(name: str) -> None:
    view = CASES[name]
    assert AlertView.from_payload(json.loads(json.dumps(view.to_payload()))) == view


def test_unknown_event_type_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type 'MOVE'"):
        dataclasses.replace(CASES["SHIFT"], event_type="MOVE")


def test_readme_example_templates_compile_and_render() -> None:
    import yaml

    from monitor.config import TopicConfig

    readme = (paths.REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", readme, re.DOTALL)
    assert block is not None
    topic = TopicConfig.model_validate(yaml.safe_load(block.group(1)))
    templates = AlertTemplates(topic.alerts.templates)
    assert build_alert_blocks(CASES["SHIFT"], templates)["blocks"][1]["text"]["text"] == (
        ":rotating_light: Russia now *accepts* Ukraine's EU membership (was *rejects*)"
    )
