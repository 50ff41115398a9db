"""The unit of work: one connection, one transaction, rolled back unless committed."""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import StorageUnavailable
from storage.engine import READ_ONLY, read_only_engine
from storage.group_commit import GroupCommit, GroupedUnitOfWork
from storage.repositories import storage_errors
from storage.repository_set import LazyConnection, RepositorySet


class SqlUnitOfWork(RepositorySet):
    """bot.ports.UnitOfWork over one SQLAlchemy Core connection (storage.repository_set).

    The connection opens on the first statement, so entering is free; every repository call
    and commit raise StorageUnavailable when the database cannot be reached or times out.
    """

    def __init__(self, engine: AsyncEngine, dialect: str) -> None:
        self._engine = engine
        self._dialect = dialect
        self._open: LazyConnection | None = None

    @property
    def read_only(self) -> bool:
        return bool(self._engine.get_execution_options().get(READ_ONLY))

    async def __aenter__(self) -> Self:
        if self._open is not None:
            raise RuntimeError("unit of work entered twice")
        self._open = LazyConnection(self._engine)
        self._bind(self._open, self._dialect)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed (close does), and hand the connection back."""
        db, self._open = self._open, None
        if db is None:
            return
        try:
            with storage_errors():
                await db.close()
        except StorageUnavailable:
            if exc is None:
                raise
            # Already failing: the original error says more, and the server rolls back anyway.

    async def commit(self) -> None:
        if self._open is None:
            raise RuntimeError("use the unit of work inside `async with`")
        with storage_errors():
            await self._open.commit()


class SqlUnitOfWorkFactory:
    """What the bootstrap hands the core as its UnitOfWorkFactory.

    `factory()`: a unit of work that may write; `factory(read_only=True)`: one that cannot
    write (no write lock). Readers use `readers` when given (SQLite: a pool of their own, see
    create_engines), else the writers' engine. `factory(single_write=True)` (bot.ports), by
    database:

    - SQLite: a unit of work that shares its transaction and durable commit with the others
      arriving meanwhile (storage/group_commit.py). SQLite has one writer at a time, so a
      group holding several communities' rows can wait for no one.
    - PostgreSQL: one without a transaction block (autocommit), where StoryRepository.add_next
      is one statement that writes all or nothing: no BEGIN and COMMIT round trips, and its
      community's counter is locked only while the server runs it. A group there would lock
      rows of several communities (counters, tag counts) in arrival order and could deadlock
      with another process's group or a link; its own WAL flush already serves concurrent
      commits.
    """

    def __init__(self, engine: AsyncEngine, readers: AsyncEngine | None = None) -> None:
        dialect = engine.dialect.name
        self._writer = functools.partial(SqlUnitOfWork, engine, dialect)
        self._reader = functools.partial(
            SqlUnitOfWork, read_only_engine(readers or engine), dialect
        )
        self._single_write: Callable[[], SqlUnitOfWork | GroupedUnitOfWork]
        if dialect == "sqlite":
            timeout = getattr(engine.pool, "timeout", lambda: None)()  # none on a StaticPool
            self._single_write = GroupCommit(engine, dialect, timeout)
        else:
            autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
            self._single_write = functools.partial(SqlUnitOfWork, autocommit, dialect)

    def __call__(
        self, *, read_only: bool = False, single_write: bool = False
    ) -> SqlUnitOfWork | GroupedUnitOfWork:
        if read_only:
            return self._reader()
        return self._single_write() if single_write else self._writer()


def uow_factory(engine: AsyncEngine, readers: AsyncEngine | None = None) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine, readers)
