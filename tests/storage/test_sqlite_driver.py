"""SQLite statements make one trip to aiosqlite's thread (storage/sqlite_driver.py), and the
results are the driver's own: rows, row counts, last row ids, errors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage import create_engine, sqlite_driver, uow_factory
from storage.engine import create_engines
from tests.storage.builders import new_community, submit

pytestmark = pytest.mark.sql_only


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The name of every function sent to an aiosqlite thread, in order."""
    sent: list[str] = []
    original = aiosqlite.Connection._execute

    async def counted(self: aiosqlite.Connection, fn: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counted)
    yield sent


@pytest.fixture
async def sqlite_engine(backend: str, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if backend != "sqlite":
        pytest.skip("SQLite's driver")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'trips.db'}")
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, word TEXT UNIQUE)"))
    try:
        yield engine
    finally:
        await engine.dispose()


def test_this_aiosqlite_and_sqlalchemy_have_what_the_one_trip_driver_relies_on() -> None:
    # None would mean SQLAlchemy's own adapter is in use: correct, but four trips a statement.
    assert isinstance(sqlite_driver.dbapi(), sqlite_driver.OneTripDbapi)


async def test_each_statement_is_one_trip_with_the_driver_s_results(
    sqlite_engine: AsyncEngine, trips: list[str]
) -> None:
    async with sqlite_engine.connect() as connection:
        await connection.exec_driver_sql("SELECT 1")  # connected, outside the count
        trips.clear()
        inserted = await connection.execute(
            text("INSERT INTO t (word) VALUES (:w)"), {"w": "kaffe"}
        )
        assert (inserted.rowcount, inserted.lastrowid) == (1, 1)
        many = await connection.execute(
            text("INSERT INTO t (word) VALUES (:w)"), [{"w": "te"}, {"w": "saft"}]
        )
        assert many.rowcount == 2
        rows = (await connection.execute(text("SELECT id, word FROM t ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, "kaffe"), (2, "te"), (3, "saft")]
        changed = await connection.execute(text("UPDATE t SET word = word || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        assert trips == ["_run"] * 4
        with pytest.raises(sa_exc.IntegrityError, match="UNIQUE"):
            await connection.execute(text("INSERT INTO t (word) VALUES ('kaffe')"))
        await connection.commit()


async def test_a_read_only_unit_of_work_costs_one_trip_per_statement_and_nothing_more(
    backend: str, tmp_path: Path, db_url: str, trips: list[str]
) -> None:
    """An autocommit reader's check-in calls rollback(); with no transaction open it sends
    nothing to the thread."""
    if backend != "sqlite":
        pytest.skip("SQLite's driver")
    writers, readers = create_engines(db_url)
    uows = uow_factory(writers, readers)
    try:
        community = await new_community(uows)
        await submit(uows, community)
        async with uows(read_only=True) as uow:
            await uow.stories.get(community, 1)  # the pool's connection is made here
        trips.clear()
        async with uows(read_only=True) as uow:
            assert await uow.stories.get(community, 1) is not None
            assert await uow.stories.tag_counts(community) is not None
        assert trips == ["_run", "_run"]
    finally:
        await readers.dispose()
        await writers.dispose()
