"""One storage suite, two databases, and the in-memory fake the unit tests use.

SQLite runs always, on a file in tmp_path (copied from a database migrated once per session).
PostgreSQL runs when TEST_DATABASE_URL is set: a fresh database is created and migrated once per
session, emptied with TRUNCATE before each test, and dropped at the end.

A test that only needs `uows` tests repository behaviour through the ports, so it runs on the
in-memory fake (tests/fakes/memory.py) as well: fake and SQL cannot drift apart unnoticed. A
test that reaches the database itself (engine, db_url, empty_url), or is marked `sql_only`,
runs on the databases only.
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

from bot.ports import UnitOfWorkFactory
from storage import create_engine, normalise_url, uow_factory, upgrade
from tests.fakes.memory import FakeDatabase

PG_ENV = "TEST_DATABASE_URL"
TABLES = (
    "communities, spaces, stories, story_tags, tag_counts, appreciations, features, "
    "announcements, notices, drafts, link_codes, link_failures, submissions, "
    "slack_installations, slack_bots, slack_oauth_states"
)

MEMORY = pytest.param("memory", id="memory")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]
# Fixtures that mean a real database: a test using any of them does not run on the fake.
_SQL_FIXTURES = {"engine", "db_url", "empty_url", "sqlite_template", "pg_session_url"}
# Search ranking is the SQL search's own (the fake only sketches it), so search tests, named
# test_search…, stay on the databases; browse, counts and everything else run on the fake too.
_SQL_ONLY_PREFIX = "test_search"

UowFactory = UnitOfWorkFactory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sql_only: a storage test that does not also run on the in-memory fake"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    sql_only = (
        "uows" not in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("sql_only") is not None
        or metafunc.function.__name__.startswith(_SQL_ONLY_PREFIX)
        or bool(_SQL_FIXTURES & set(metafunc.fixturenames))
    )
    params = BACKENDS if sql_only else [MEMORY, *BACKENDS]
    metafunc.parametrize("backend", params, indirect=True)


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


@pytest.fixture
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
def uows(backend: str, request: pytest.FixtureRequest) -> UowFactory:
    if backend == "memory":
        return FakeDatabase().factory()
    engine: AsyncEngine = request.getfixturevalue("engine")
    return uow_factory(engine)
