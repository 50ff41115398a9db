"""Settings from the environment and a .env file. Read when asked, never at import."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain import Language
from bot.logs import scrub


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    database_url: str = "sqlite+aiosqlite:///storybot.db"
    db_pool_size: int = Field(default=5, ge=1)
    # A burst queues for a connection rather than being refused: the platforms accept the
    # answer long after the 3-second acknowledgement (docs/RELIABILITY.md, load).
    db_pool_timeout: float = Field(default=30.0, gt=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=100)

    default_language: Language = Language.EN
    default_timezone: str = "Europe/Stockholm"
    weekly_tick_seconds: float = Field(default=60.0, gt=0)

    log_level: str = "INFO"
    log_format: str = Field(default="console", pattern="^(console|json)$")

    # Slack: the adapter starts when SLACK_BOT_TOKEN is set. Socket Mode with SLACK_APP_TOKEN,
    # otherwise HTTP on HTTP_HOST:HTTP_PORT (POST /slack/events, GET /healthz).
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    http_host: str = "0.0.0.0"
    http_port: int = Field(default=3000, ge=0, le=65535)

    # --- Slack for many workspaces (OAuth; docs/SLACK.md) ---------------------------------
    # OAuth mode: client id + secret + signing secret, and no SLACK_BOT_TOKEN. Each workspace's
    # tokens are kept encrypted with SLACK_TOKEN_ENCRYPTION_KEY (comma-separated: first
    # encrypts, all decrypt); SLACK_TOKEN_ROTATION records that the app has token rotation on
    # (shown at start; a token that came with a refresh token is refreshed either way).
    slack_client_id: str | None = None
    slack_client_secret: SecretStr | None = None
    slack_token_encryption_key: SecretStr | None = None
    slack_token_rotation: bool = False
    # --- end of Slack OAuth ---------------------------------------------------------------

    # Discord: the adapter starts when DISCORD_TOKEN is set.
    discord_token: SecretStr | None = None
    discord_guild_id: int | None = None  # sync commands to one guild at once (development)
    discord_api_url: str | None = None  # REST base, e.g. a rate-limit proxy
    discord_gateway_url: str | None = None
    shard_count: int | None = Field(default=None, ge=1)
    shard_ids: list[int] | None = None

    def __repr_args__(self) -> Any:
        # Tokens are SecretStr already; the database URL may carry a password.
        for name, value in super().__repr_args__():
            yield name, scrub(value) if name == "database_url" and isinstance(value, str) else value

    def secret_values(self) -> list[str]:
        """Every configured secret as plain text, for the log scrubber to redact."""
        found = [
            secret.get_secret_value()
            for secret in (
                self.slack_bot_token,
                self.slack_signing_secret,
                self.slack_app_token,
                self.slack_client_secret,
                self.slack_token_encryption_key,
                self.discord_token,
            )
            if secret is not None
        ]
        if self.slack_token_encryption_key is not None:  # each key of NEW,OLD on its own too
            keys = self.slack_token_encryption_key.get_secret_value().split(",")
            found += [key.strip() for key in keys if key.strip()]
        try:
            password = urlsplit(self.database_url).password
        except ValueError:  # not a URL we can read; the pattern scrubber still applies
            password = None
        return [*found, *([password, unquote(password)] if password else [])]

    @property
    def slack_oauth(self) -> bool:
        """Slack for many workspaces: OAuth credentials set and no single bot token."""
        return bool(
            self.slack_client_id
            and self.slack_client_secret
            and self.slack_signing_secret
            and self.slack_bot_token is None
        )

    @property
    def platforms(self) -> list[str]:
        """Chat platforms whose credentials are set."""
        found = []
        if self.slack_bot_token or self.slack_oauth:
            found.append("slack")
        if self.discord_token:
            found.append("discord")
        return found
