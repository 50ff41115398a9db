"""Migrations: from empty, idempotent, concurrent, reversible, and in step with the models."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Connection, Index, Integer, MetaData, inspect, text

import storage
from storage.engine import create_migration_engine
from storage.migrate import alembic_config, normalise_url, upgrade
from storage.models import Base, include_object

APP_TABLES = {
    "communities",
    "spaces",
    "stories",
    "story_tags",
    "tag_counts",
    "appreciations",
    "features",
    "announcements",
    "notices",
    "drafts",
    "link_codes",
    "link_failures",
    "submissions",
}


T = TypeVar("T")

# The newest migration, whatever it is called once branches are merged.
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def _run(url: str, fn: Callable[[Connection], T]) -> T:
    engine = create_migration_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(fn)
    finally:
        await engine.dispose()


def _schema(connection: Connection) -> tuple[set[str], str | None, set[str]]:
    """Tables, Alembic's revision, and the full-text objects present."""
    tables = set(inspect(connection).get_table_names())
    revision = None
    if "alembic_version" in tables:
        revision = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if connection.dialect.name == "sqlite":
        fts = set(
            connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE name LIKE 'stories_fts%' "
                    "AND type IN ('table', 'trigger')"
                )
            ).scalars()
        )
    else:
        fts = set(
            connection.execute(
                text("SELECT indexname FROM pg_indexes WHERE indexname = 'ix_stories_search'")
            ).scalars()
        )
    return tables, revision, fts


PROJECT = Path(storage.__file__).resolve().parents[1]


_CHILD = """
import asyncio, sys
from storage import upgrade
print("ready", flush=True)
sys.stdin.readline()
asyncio.run(upgrade(sys.argv[1]))
"""


async def _upgrade_in_processes(url: str, cwd: Path, count: int) -> None:
    """Start `count` processes, let them all import, then release them at the same moment."""
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _CHILD,
            url,
            cwd=cwd,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(count)
    ]
    for process in processes:
        assert process.stdout is not None
        assert await process.stdout.readline() == b"ready\n"
    for process in processes:
        assert process.stdin is not None
        process.stdin.write(b"go\n")
    for process in processes:
        _, stderr = await process.communicate()
        assert process.returncode == 0, stderr.decode()


async def test_upgrade_from_empty_is_idempotent_and_safe_concurrently(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replicas starting together all migrate; the migrations ship inside the package."""
    monkeypatch.chdir(tmp_path)
    await _upgrade_in_processes(empty_url, tmp_path, 2)
    await asyncio.gather(upgrade(empty_url), upgrade(empty_url))

    tables, revision, fts = await _run(empty_url, _schema)
    assert tables >= APP_TABLES
    assert revision == HEAD
    if "sqlite" in empty_url:
        assert {
            "stories_fts",
            "stories_fts_insert",
            "stories_fts_update",
            "stories_fts_delete",
        } <= fts
    else:
        assert fts == {"ix_stories_search"}


async def test_downgrade_removes_everything_and_upgrade_restores_it(empty_url: str) -> None:
    config = alembic_config(empty_url)
    await upgrade(empty_url)
    await asyncio.to_thread(command.downgrade, config, "base")
    tables, revision, fts = await _run(empty_url, _schema)
    assert tables & APP_TABLES == set()
    assert revision is None and fts == set()

    await upgrade(empty_url)
    tables, revision, _ = await _run(empty_url, _schema)
    assert tables >= APP_TABLES and revision == HEAD


def _diff(metadata: MetaData) -> Callable[[Connection], list[object]]:
    def compare(connection: Connection) -> list[object]:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": include_object,
                "compare_type": True,
                "compare_server_default": True,
            },
        )
        return list(compare_metadata(context, metadata))

    return compare


async def test_models_match_the_migration(db_url: str) -> None:
    assert await _run(db_url, _diff(Base.metadata)) == []


async def test_drift_check_notices_a_difference(db_url: str) -> None:
    """The empty diff above means something: a model change does show up."""
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    stories = changed.tables["stories"]
    stories.append_column(Column("mood", Integer, nullable=True))
    Index("ix_stories_mood", stories.c.mood)

    diff = await _run(db_url, _diff(changed))
    kinds = {entry[0] for entry in diff if isinstance(entry, tuple)}
    assert {"add_column", "add_index"} <= kinds


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@h:5432/db", "postgresql+asyncpg://u:p@h:5432/db"),
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
        ("sqlite:////abs/x.db", "sqlite+aiosqlite:////abs/x.db"),
        ("sqlite+aiosqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_normalise_url(given: str, expected: str) -> None:
    assert normalise_url(given) == expected


def test_alembic_config_survives_percent_signs_in_passwords() -> None:
    url = "postgresql+asyncpg://u:p%40ss@h/db"
    config = alembic_config(url)
    assert config.get_main_option("sqlalchemy.url") == url
    assert Path(config.get_main_option("script_location") or "").is_dir()
