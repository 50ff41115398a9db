"""Run the Alembic migrations that ship inside this package, from sync or async code."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config

from storage.engine import normalise_url

__all__ = ["MIGRATIONS", "alembic_config", "normalise_url", "upgrade"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# Alembic's `context` and `op` are module-level proxies: one migration at a time per process.
# Across processes the database serialises them (see env.py).
_ONE_AT_A_TIME = threading.Lock()


def alembic_config(url: str) -> Config:
    """A Config built in code, so neither the working directory nor pyproject.toml matters."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return config


async def upgrade(url: str) -> None:
    """Migrate to head; safe to call again, and from several processes at once.

    env.py drives its async engine with asyncio.run(), which cannot nest inside a running
    loop, so Alembic runs in a worker thread with a loop of its own.
    """
    await asyncio.to_thread(_upgrade, alembic_config(url))


def _upgrade(config: Config) -> None:
    with _ONE_AT_A_TIME:
        command.upgrade(config, "head")
