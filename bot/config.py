"""Settings from the environment and a .env file, in sections. Read when asked, never at import.

Every setting keeps its environment variable name (DATABASE_URL, SLACK_BOT_TOKEN, …); each
section is its own BaseSettings whose fields are aliased to those names, and `Settings.load`
composes them. Whatever is wrong becomes one line per variable in `SettingsError`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain import Language
from bot.logs import scrub

ENV_FILE_VARIABLE = "STORYBOT_ENV_FILE"
DEFAULT_ENV_FILE = Path(".env")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_SCHEMES = {
    "sqlite",
    "sqlite+aiosqlite",
    "postgres",
    "postgresql",
    "postgresql+asyncpg",
}


def _env(name: str) -> Any:
    """A field read from exactly this environment variable (also accepted by field name)."""
    return AliasChoices(name, name.lower())


class SettingsError(Exception):
    """Settings that cannot work; `problems` holds one line per variable."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class Section(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=None,
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
    )

    @classmethod
    def variables(cls) -> list[str]:
        """The environment variable names of this section's fields."""
        return [
            field.validation_alias.choices[0]  # type: ignore[union-attr]
            for field in cls.model_fields.values()
        ]


class DatabaseSettings(Section):
    url: str = Field("sqlite+aiosqlite:///storybot.db", validation_alias=_env("DATABASE_URL"))
    pool_size: int = Field(5, ge=1, validation_alias=_env("DB_POOL_SIZE"))
    # A burst queues for a connection rather than being refused: the platforms accept the
    # answer long after the 3-second acknowledgement (docs/RELIABILITY.md, load).
    pool_timeout: float = Field(30.0, gt=0, validation_alias=_env("DB_POOL_TIMEOUT"))
    statement_timeout_ms: int = Field(
        5000, ge=100, validation_alias=_env("DB_STATEMENT_TIMEOUT_MS")
    )

    @field_validator("url")
    @classmethod
    def _readable_url(cls, url: str) -> str:
        return check_database_url(url)

    @property
    def sqlite_path(self) -> Path | None:
        """The database file of a SQLite URL; None for PostgreSQL and in-memory SQLite."""
        return sqlite_path(self.url)


class CommunityDefaults(Section):
    """What a community starts with the first time the bot meets it, and the weekly tick."""

    language: Language = Field(Language.EN, validation_alias=_env("DEFAULT_LANGUAGE"))
    timezone: str = Field("Europe/Stockholm", validation_alias=_env("DEFAULT_TIMEZONE"))
    weekly_tick_seconds: float = Field(60.0, gt=0, validation_alias=_env("WEEKLY_TICK_SECONDS"))

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not a time zone (try Europe/Stockholm or UTC)") from None
        return name


class LogSettings(Section):
    level: str = Field("INFO", validation_alias=_env("LOG_LEVEL"))
    format: str = Field("console", validation_alias=_env("LOG_FORMAT"))

    @field_validator("level")
    @classmethod
    def _known_level(cls, level: str) -> str:
        if level.upper() not in LOG_LEVELS:
            raise ValueError(f"{level!r} is not one of {', '.join(LOG_LEVELS)}")
        return level.upper()

    @field_validator("format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value not in ("console", "json"):
            raise ValueError(f"{value!r} is not console or json")
        return value


class SlackSettings(Section):
    """The Slack adapter starts when SLACK_BOT_TOKEN is set: Socket Mode with SLACK_APP_TOKEN,
    otherwise HTTP on HTTP_HOST:HTTP_PORT (POST /slack/events); or, for many workspaces, with
    the OAuth settings below."""

    bot_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_BOT_TOKEN"))
    signing_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_SIGNING_SECRET"))
    app_token: SecretStr | None = Field(None, validation_alias=_env("SLACK_APP_TOKEN"))
    api_url: str = Field("https://slack.com/api/", validation_alias=_env("SLACK_API_URL"))
    # Many workspaces (OAuth; docs/SLACK.md): client id + secret + signing secret and no
    # SLACK_BOT_TOKEN. Each workspace's tokens are kept encrypted with
    # SLACK_TOKEN_ENCRYPTION_KEY (comma-separated: the first encrypts, all decrypt);
    # SLACK_TOKEN_ROTATION records that the app has token rotation on (shown at start; a token
    # that came with a refresh token is refreshed either way).
    client_id: str | None = Field(None, validation_alias=_env("SLACK_CLIENT_ID"))
    client_secret: SecretStr | None = Field(None, validation_alias=_env("SLACK_CLIENT_SECRET"))
    token_encryption_key: SecretStr | None = Field(
        None, validation_alias=_env("SLACK_TOKEN_ENCRYPTION_KEY")
    )
    token_rotation: bool = Field(False, validation_alias=_env("SLACK_TOKEN_ROTATION"))

    @property
    def oauth(self) -> bool:
        """Slack for many workspaces: OAuth credentials set and no single bot token."""
        return bool(
            self.client_id and self.client_secret and self.signing_secret and self.bot_token is None
        )


class DiscordSettings(Section):
    """The Discord adapter starts when DISCORD_TOKEN is set."""

    token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_TOKEN"))
    # Sync commands to one guild at once (development).
    guild_id: int | None = Field(None, validation_alias=_env("DISCORD_GUILD_ID"))
    api_url: str | None = Field(None, validation_alias=_env("DISCORD_API_URL"))  # REST base
    gateway_url: str | None = Field(None, validation_alias=_env("DISCORD_GATEWAY_URL"))
    shard_count: int | None = Field(None, ge=1, validation_alias=_env("SHARD_COUNT"))
    shard_ids: list[int] | None = Field(None, validation_alias=_env("SHARD_IDS"))


class HttpSettings(Section):
    """The HTTP server (Slack's HTTP mode, health checks, the public web pages)."""

    host: str = Field("0.0.0.0", validation_alias=_env("HTTP_HOST"))
    port: int = Field(3000, ge=0, le=65535, validation_alias=_env("HTTP_PORT"))
    # The public web pages are served (and moderators told their address) when this is set.
    web_base_url: str | None = Field(None, validation_alias=_env("WEB_BASE_URL"))


class Settings(BaseModel):
    """Every setting, by section. Build it with `Settings.load()`."""

    SECTIONS: ClassVar[dict[str, type[Section]]] = {
        "database": DatabaseSettings,
        "defaults": CommunityDefaults,
        "logging": LogSettings,
        "slack": SlackSettings,
        "discord": DiscordSettings,
        "http": HttpSettings,
    }

    database: DatabaseSettings
    defaults: CommunityDefaults
    logging: LogSettings
    slack: SlackSettings
    discord: DiscordSettings
    http: HttpSettings
    env_file: Path | None = None  # the .env file read, if any

    @classmethod
    def load(cls, env_file: Path | str | bool | None = True, **values: Any) -> Settings:
        """Read every section from the environment and `env_file`, then check them together.

        `env_file=True` means STORYBOT_ENV_FILE, else .env in the current folder if there is
        one; a path names the file (which must exist); None reads the environment only.
        `values` (by variable name, any case) win over both, as in tests.
        """
        path = resolve_env_file(env_file)
        known = {
            name.upper(): section
            for section in cls.SECTIONS.values()
            for name in section.variables()
        }
        unknown = sorted(k for k in values if k.upper() not in known)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(unknown)}")
        problems: list[str] = []
        built: dict[str, Any] = {}
        for key, section in cls.SECTIONS.items():
            given = {k.upper(): v for k, v in values.items() if known[k.upper()] is section}
            try:
                built[key] = section(_env_file=path, **given)  # type: ignore[call-arg]
            except ValidationError as invalid:
                problems.extend(_lines(invalid))
        if problems:
            raise SettingsError(problems)
        settings = cls(**built, env_file=path)
        problems = settings.problems()
        if problems:
            raise SettingsError(problems)
        return settings

    @classmethod
    def variables(cls) -> list[str]:
        return [name for section in cls.SECTIONS.values() for name in section.variables()]

    def problems(self) -> list[str]:
        """What the sections cannot tell alone: settings that only work together."""
        found = []
        slack = self.slack
        if slack.bot_token and not slack.app_token and not slack.signing_secret:
            found.append(
                "SLACK_SIGNING_SECRET: not set; Slack's HTTP mode needs it "
                "(or set SLACK_APP_TOKEN to use Socket Mode)"
            )
        if (slack.app_token or slack.signing_secret) and not slack.bot_token and not slack.oauth:
            found.append("SLACK_BOT_TOKEN: not set, but other Slack settings are")
        if self.discord.shard_ids and self.discord.shard_count is None:
            found.append("SHARD_COUNT: not set; SHARD_IDS needs the total number of shards")
        if (self.discord.shard_count or self.discord.guild_id) and not self.discord.token:
            found.append("DISCORD_TOKEN: not set, but other Discord settings are")
        return found

    def __repr_args__(self) -> Any:
        # Tokens are SecretStr already; the database URL may carry a password.
        for name, value in super().__repr_args__():
            if name == "database":
                value = value.model_copy(update={"url": scrub(value.url)})
            yield name, value

    def secret_values(self) -> list[str]:
        """Every configured secret as plain text, for the log scrubber to redact."""
        found = [
            secret.get_secret_value()
            for secret in (
                self.slack.bot_token,
                self.slack.signing_secret,
                self.slack.app_token,
                self.slack.client_secret,
                self.slack.token_encryption_key,
                self.discord.token,
            )
            if secret is not None
        ]
        if self.slack.token_encryption_key is not None:  # each key of NEW,OLD on its own too
            keys = self.slack.token_encryption_key.get_secret_value().split(",")
            found += [key.strip() for key in keys if key.strip()]
        try:
            password = urlsplit(self.database.url).password
        except ValueError:  # not a URL we can read; the pattern scrubber still applies
            password = None
        return [*found, *([password, unquote(password)] if password else [])]

    @property
    def platforms(self) -> list[str]:
        """Chat platforms whose credentials are set."""
        found = []
        if self.slack.bot_token or self.slack.oauth:
            found.append("slack")
        if self.discord.token:
            found.append("discord")
        return found


def resolve_env_file(env_file: Path | str | bool | None) -> Path | None:
    if env_file is None or env_file is False:
        return None
    if env_file is True:
        named = os.environ.get(ENV_FILE_VARIABLE)
        if not named:
            return DEFAULT_ENV_FILE.resolve() if DEFAULT_ENV_FILE.is_file() else None
        env_file = named
    path = Path(env_file).expanduser()
    if not path.is_file():
        raise SettingsError([f"{ENV_FILE_VARIABLE}: no settings file at {path.resolve()}"])
    return path.resolve()


def sqlite_path(url: str) -> Path | None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("sqlite"):
        return None
    # sqlite:///relative.db has path "/relative.db"; sqlite:////abs.db has "//abs.db".
    raw = unquote(parts.path)[1:]
    if raw in ("", ":memory:") or "mode=memory" in parts.query:
        return None
    return Path(raw)


def check_database_url(url: str) -> str:
    """A URL SQLAlchemy and the drivers will take, with the reason when it is not."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as bad:
        raise ValueError(f"cannot be read as a URL ({bad})") from None
    if parts.scheme not in DATABASE_SCHEMES:
        raise ValueError(
            f"scheme {parts.scheme or '(none)'!r} is not one of "
            "sqlite+aiosqlite, postgresql, postgres, postgresql+asyncpg"
        )
    if parts.scheme.startswith("sqlite"):
        path = sqlite_path(url)
        if path is not None and not path.resolve().parent.is_dir():
            raise ValueError(f"the folder {path.resolve().parent} does not exist")
    elif not parts.hostname and "host=" not in parts.query:
        raise ValueError("names no database host")
    elif port == 0:
        raise ValueError("port 0 is not a database port")
    return url


def _lines(invalid: ValidationError) -> list[str]:
    lines = []
    for error in invalid.errors(include_url=False):
        name = str(error["loc"][0]).upper() if error["loc"] else "settings"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(f"{name}: {message}")
    return lines


def log_settings_or_defaults(env_file: Path | None) -> LogSettings:
    """The log settings to report a settings problem with: the configured ones if they are
    valid themselves, else the defaults."""
    try:
        return LogSettings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError:
        return LogSettings.model_construct(level="INFO", format="console")
