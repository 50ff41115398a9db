"""One storage suite, two backends.

SQLite runs always, on a file in tmp_path (copied from a database migrated once per session).
PostgreSQL runs when TEST_DATABASE_URL is set: a fresh database is created and migrated once per
session, emptied with TRUNCATE before each test, and dropped at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from storage import SqlUnitOfWork, create_engine, normalise_url, uow_factory, upgrade

PG_ENV = "TEST_DATABASE_URL"
TABLES = (
    "communities, spaces, stories, story_tags, tag_counts, appreciations, features, "
    "announcements, notices, drafts, link_codes, link_failures, submissions"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]

UowFactory = Callable[[], SqlUnitOfWork]


async def _admin(base_url: str, statement: str) -> None:
    """Run CREATE/DROP DATABASE, which cannot run inside a transaction."""
    engine = create_async_engine(normalise_url(base_url), isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


def create_pg_database(prefix: str) -> tuple[str, Callable[[], None]]:
    """A new empty database next to TEST_DATABASE_URL's, and a function that drops it."""
    base = normalise_url(os.environ[PG_ENV])
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(base, f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        asyncio.run(_admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return url, drop


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    return str(request.param)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "storybot.db"
    asyncio.run(upgrade(f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    url, drop = create_pg_database("storybot_storage")
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        drop()


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated, empty database of the backend under test."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "storybot.db"
        shutil.copyfile(template, target)
        return f"sqlite+aiosqlite:///{target}"
    url: str = request.getfixturevalue("pg_session_url")
    return url


@pytest.fixture
def empty_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it, not even Alembic's version table."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    url, drop = create_pg_database("storybot_empty")
    try:
        yield url
    finally:
        drop()


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {TABLES} RESTART IDENTITY CASCADE"))
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def uows(engine: AsyncEngine) -> UowFactory:
    return uow_factory(engine)
