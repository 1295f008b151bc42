"""Docs held to the code: every command and setting is documented; README's example config is valid."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from crawler.sources import CrawlOptions
from monitor.cli import app
from monitor.config import Settings, TopicConfig

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def _command_names() -> set[str]:
    import typer.main

    group = typer.main.get_group(app)
    names = set()
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        names.update(f"{name} {s}" for s in sub) if sub else names.add(name)
    return names


def test_every_command_is_in_the_readme() -> None:
    for name in _command_names():
        assert f"`newsmon {name}" in README, f"README does not document `newsmon {name}`"


def test_every_environment_setting_is_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        env = field.validation_alias or f"NEWSMON_{name.upper()}"
        assert f"`{env}`" in README, f"README does not document {env}"


def test_every_crawl_option_is_in_the_readme_example() -> None:
    for name in CrawlOptions.model_fields:
        assert re.search(rf"^\s+{name}:", README, re.MULTILINE), name


def test_readme_example_topic_validates() -> None:
    block = re.search(r"```yaml\n(.*?)```", README, re.DOTALL)
    assert block is not None
    TopicConfig.model_validate(yaml.safe_load(block.group(1)))
