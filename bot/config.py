"""Settings from the environment and a .env file. Read when asked, never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.domain import Language


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///storybot.db"
    db_pool_size: int = Field(default=5, ge=1)
    db_pool_timeout: float = Field(default=10.0, gt=0)
    db_statement_timeout_ms: int = Field(default=5000, ge=100)

    default_language: Language = Language.EN
    default_timezone: str = "Europe/Stockholm"
    weekly_tick_seconds: float = Field(default=60.0, gt=0)

    log_level: str = "INFO"
    log_format: str = Field(default="console", pattern="^(console|json)$")

    @property
    def platforms(self) -> list[str]:
        """Chat platforms with credentials set. Slack and Discord arrive with their adapters."""
        return []
