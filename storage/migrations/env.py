"""Alembic environment: async engine, NullPool, batch mode on SQLite.

The URL comes from the `sqlalchemy.url` option (storage.migrate sets it in code), else from the
DATABASE_URL environment variable (for the `alembic` command line).
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.engine import create_migration_engine, normalise_url
from storage.models import Base, include_object

# Any constant will do; it only has to be the same for every process running migrations.
_PG_MIGRATION_LOCK = 0x5702_B07

config = context.config


def _url() -> str:
    # get_section, not get_main_option: with pyproject.toml alone there is no ini section.
    options = config.get_section(config.config_ini_section) or {}
    url = options.get("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set sqlalchemy.url or DATABASE_URL")
    return normalise_url(url)


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=Base.metadata,
        include_object=include_object,
        compare_type=True,
        **options,
    )


def run_migrations_offline() -> None:
    url = _url()
    _configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    # The engine emits BEGIN itself on SQLite (storage.engine), so DDL there is transactional
    # too, and the whole upgrade commits or rolls back as one.
    _configure(
        connection=connection,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # Replicas starting together migrate one after another; the rest find it done.
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK}
            )
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_migration_engine(_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
