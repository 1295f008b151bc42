from pathlib import Path

import pytest

from monitor.config import DEFAULT_TOPIC, Settings, load_config, load_topic
from monitor.errors import ConfigError


def test_default_topic_is_valid() -> None:
    topic = load_topic(DEFAULT_TOPIC)
    names = {s.name for s in topic.sources}
    assert {
        "nyt-world",
        "dnyuz",
        "tass",
        "kremlin-news",
        "google-news-security-guarantees",
    } <= names
    assert topic.digest.timezone == "Europe/Berlin"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topic.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_field_names_file_line_and_field(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "name: t\nsources:\n  - name: a\n    url: https://example.com/feed\n"
        "  - name: b\n    url: not a url\n    interval_minutes: -5\n",
    )
    with pytest.raises(ConfigError) as info:
        load_topic(path)
    message = str(info.value)
    assert f"{path}:6: field 'sources[1].url'" in message
    assert f"{path}:7: field 'sources[1].interval_minutes'" in message


def test_unknown_field_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: t\ncrawl:\n  max_pages_bytes: 10\n")
    with pytest.raises(
        ConfigError,
        match=r"topic.yaml:3: field 'crawl.max_pages_bytes': unknown key 'max_pages_bytes' \(did you mean 'max_page_bytes'\?\)",
    ):
        load_topic(path)


def test_bad_yaml_syntax_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "name: t\nsources: [\n  - oops: {\n")
    with pytest.raises(ConfigError, match=r"topic.yaml:\d+: not valid YAML"):
        load_topic(path)


def test_bad_values_explain_themselves(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "name: t\ndigest:\n  timezone: Mars/Olympus\nsources:\n"
        "  - {name: l, kind: listing, url: 'https://e.com/'}\n"
        "  - {name: r, url: 'https://e.com/f', only_urls: '(['}\n",
    )
    with pytest.raises(ConfigError) as info:
        load_topic(path)
    message = str(info.value)
    assert "unknown time zone 'Mars/Olympus'" in message
    assert "link_selector" in message
    assert "not a valid regular expression" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read topic config"):
        load_topic(tmp_path / "nope.yaml")


def test_layering_environment_then_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NEWSMON_DATABASE_URL", "sqlite:///from-env.db")
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    settings = Settings()
    assert settings.database_url == "sqlite:///from-env.db"
    assert "xoxb-secret-value" not in repr(settings)
    overridden = settings.model_copy(update={"database_url": "sqlite:///from-cli.db"})
    assert load_config(overridden).settings.database_url == "sqlite:///from-cli.db"


def test_bad_environment_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEWSMON_LOG_LEVEL", "LOUD")
    with pytest.raises(ConfigError, match="log_level"):
        load_config()
