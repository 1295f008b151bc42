"""One typed settings object, layered: defaults -> topic YAML -> environment -> CLI options.

Built once in the entry point and passed down; leaf modules never read the environment.
Secrets (Slack) come from the environment only and are ``SecretStr`` so they never print.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from platformdirs import user_data_dir
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from crawler.sources import CrawlOptions, SourceSpec
from monitor.errors import ConfigError
from monitor.yamlload import SAFE_LOADER, parse_yaml

logger = logging.getLogger(__name__)

DEFAULT_TOPIC = Path(__file__).parent / "topics" / "default.yaml"


def default_data_dir() -> Path:
    return Path(user_data_dir("newsmon", appauthor=False))


class Settings(BaseSettings):
    """Process settings from the environment (``NEWSMON_*``, ``SLACK_*``)."""

    model_config = SettingsConfigDict(env_prefix="NEWSMON_", extra="ignore")

    database_url: str = ""  # empty: a SQLite file in data_dir
    config: Path | None = None
    log_level: str = "INFO"
    data_dir: Path = Field(default_factory=default_data_dir)
    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_channel: str | None = Field(default=None, validation_alias="SLACK_CHANNEL")
    slack_webhook_url: SecretStr | None = Field(default=None, validation_alias="SLACK_WEBHOOK_URL")
    slack_api_url: str | None = Field(default=None, validation_alias="SLACK_API_URL")
    # Past one machine: the shared crawl queue (redis://...); empty means crawl in-process.
    queue_url: str = ""
    queue_namespace: str = "newsmon"
    queue_heartbeat_seconds: float = 60.0
    ui_token: SecretStr | None = None  # NEWSMON_UI_TOKEN: the review page's login, off loopback

    @model_validator(mode="after")
    def _default_database(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'newsmon.sqlite3'}"
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        value = value.upper()
        if value not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(
                f"unknown log level {value!r} (use DEBUG, INFO, WARNING, ERROR or CRITICAL)"
            )
        return value


class RelevanceQuery(BaseModel):
    """Boolean keyword query: any of ``any``, every group of ``all``, none of ``none``."""

    model_config = ConfigDict(extra="forbid")

    any: list[str] = Field(default_factory=list)
    all: list[str | list[str]] = Field(default_factory=list)
    none: list[str] = Field(default_factory=list)


class Route(BaseModel):
    """Send events matching every given field to ``channel``."""

    model_config = ConfigDict(extra="forbid")

    channel: str
    event_types: list[str] = Field(default_factory=list)
    issues: list[str] = Field(default_factory=list)
    sides: list[str] = Field(default_factory=list)


class AlertOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    routes: list[Route] = Field(default_factory=list)
    templates: dict[str, str] = Field(default_factory=dict)
    max_tries: int = Field(default=8, ge=1)
    # seconds between two posts to one channel: Slack takes about one message a second each
    pace_seconds: float = Field(default=1.0, ge=0)
    # a new event is sent only if it changes the current position or was stated this recently;
    # older ones (late arrivals, backfills, reanalysis) are recorded as backfilled for the digest
    recent_hours: int = Field(default=72, ge=0)


class DigestOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    time: dt.time = dt.time(7, 0)
    timezone: str = "UTC"
    directory: Path | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class RetentionOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    irrelevant_text_days: int = Field(default=30, ge=1)


class UIOptions(BaseModel):
    """The review page (``newsmon serve``; the daemon runs it too when enabled)."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    base_url: str | None = None  # where analysts reach it: Slack alerts link here when set
    read_only: bool = False

    @field_validator("base_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("base_url must start with http:// or https://")
        return value.rstrip("/") if value else value


class TopicConfig(BaseModel):
    """The topic YAML: what to watch, how to judge it, where to tell."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    sources: list[SourceSpec] = Field(default_factory=list)
    relevance: RelevanceQuery = Field(default_factory=RelevanceQuery)
    rules: dict[str, Any] | str | None = None
    crawl: CrawlOptions = Field(default_factory=CrawlOptions)
    alerts: AlertOptions = Field(default_factory=AlertOptions)
    digest: DigestOptions = Field(default_factory=DigestOptions)
    retention: RetentionOptions = Field(default_factory=RetentionOptions)
    ui: UIOptions = Field(default_factory=UIOptions)

    @field_validator("sources")
    @classmethod
    def _unique_names(cls, sources: list[SourceSpec]) -> list[SourceSpec]:
        seen: set[str] = set()
        for source in sources:
            if source.name in seen:
                raise ValueError(f"two sources are named {source.name!r}")
            seen.add(source.name)
        return sources


class AppConfig(BaseModel):
    """Everything a command needs: process settings plus the topic, with the topic's path."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    topic: TopicConfig
    topic_path: Path

    @property
    def digest_dir(self) -> Path:
        return self.topic.digest.directory or self.settings.data_dir / "digests"


def _did_you_mean(loc: tuple[int | str, ...], err: Any) -> str:
    """' (did you mean 'sources'?)' for a misspelled key, from the model's own field names."""
    import difflib

    model: Any = TopicConfig
    for part in loc[:-1]:
        field = getattr(model, "model_fields", {}).get(part) if isinstance(part, str) else None
        if field is None:
            if isinstance(part, int):
                continue
            return ""
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        model = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if model is None:
            return ""
    names = list(getattr(model, "model_fields", {}))
    close = difflib.get_close_matches(str(loc[-1]), names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else f"; known keys: {', '.join(names)}"


def _node_at(
    node: yaml.Node | None, loc: tuple[int | str, ...], *, want_key: bool = False
) -> yaml.Node | None:
    """Walk a composed YAML node tree along a pydantic error location (or to the last key)."""
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            if want_key and i == len(loc) - 1:
                return next((k for k, _ in node.value if k.value == part), node)
            match = next((v for k, v in node.value if k.value == part), None)
            if match is None:
                key = next((k for k, _ in node.value if k.value == part), None)
                return key or node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return node
            node = node.value[part]
        else:
            return node
    return node


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def load_topic(path: Path) -> TopicConfig:
    """Parse and validate a topic YAML; errors name the file, line and field."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read topic config: {exc.strerror or exc}") from exc
    try:
        raw_text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start});"
            " save the topic config as UTF-8"
        ) from None
    try:
        data = parse_yaml(raw_text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ConfigError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a topic config must be a mapping with at least 'name'")
    try:
        return TopicConfig.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(raw_text, Loader=SAFE_LOADER)  # line numbers, only for the message
        lines = []
        for err in exc.errors():
            loc = tuple(
                p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))
            )
            unknown = err["type"] == "extra_forbidden"
            node = _node_at(root, loc, want_key=unknown)
            line = node.start_mark.line + 1 if node is not None else 1
            message = err["msg"]
            if unknown:
                message = f"unknown key {loc[-1]!r}{_did_you_mean(loc, err)}"
            lines.append(f"{path}:{line}: field '{_field_path(loc)}': {message}")
        if len(lines) == 1:
            raise ConfigError(lines[0]) from None
        raise ConfigError("invalid topic config\n" + "\n".join(lines)) from None


def load_config(settings: Settings | None = None, config_path: Path | None = None) -> AppConfig:
    """Build the layered configuration once, in an entry point."""
    try:
        settings = settings or Settings()
    except ValidationError as exc:
        details = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"invalid environment settings: {details}") from None
    path = config_path or settings.config or DEFAULT_TOPIC
    topic = load_topic(Path(path))
    check_templates(topic, Path(path))
    return AppConfig(settings=settings, topic=topic, topic_path=Path(path))


def settings_from_env(**overrides: Any) -> Settings:
    """The environment's settings (with command-line overrides), validated: bad ones are one line."""
    try:
        settings = Settings()
        if overrides:
            settings = Settings.model_validate({**settings.model_dump(), **overrides})
    except ValidationError as exc:
        details = "; ".join(_setting_error(e, overrides) for e in exc.errors())
        raise ConfigError(f"invalid setting: {details}") from None
    return settings


def _setting_error(err: Any, overrides: dict[str, Any]) -> str:
    name = str(err["loc"][0]) if err["loc"] else "?"
    source = f"--{name.replace('_', '-')}" if name in overrides else f"NEWSMON_{name.upper()}"
    return f"{source}: {err['msg'].removeprefix('Value error, ')}"


def check_templates(topic: TopicConfig, path: Path) -> None:
    """Every command checks the alert templates as `run` does, so none fails later, mid-send."""
    if not topic.alerts.templates:
        return
    from monitor.deliver.blocks import AlertTemplates

    try:
        AlertTemplates(topic.alerts.templates)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
