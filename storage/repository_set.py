"""The repositories of a unit of work, all bound to one lazily opened connection."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.util import greenlet_spawn

from storage.communities import SqlCommunityRepository
from storage.drafts import SqlDraftRepository
from storage.features import SqlFeatureRepository
from storage.links import SqlLinkRepository
from storage.published import SqlPublishedRepository
from storage.stories import SqlStoryRepository


class LazyConnection:
    """One Core connection and its transaction, opened by the first statement: entering a
    unit of work costs nothing, and one that sends nothing takes no connection or lock.

    Repositories send statements through `execute` and map plain rows themselves; without an
    ORM session's bookkeeping a command costs less Python per transaction.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None
        self._commit_failed = False

    async def connection(self) -> AsyncConnection:
        return self._connection or await greenlet_spawn(self._connect)

    async def execute(self, statement: Any, parameters: Any = None) -> Result[Any]:
        if self._connection is None:
            # Connect in the same hand-off to SQLAlchemy's greenlet as the first statement:
            # a hand-off costs about as much Python as a short statement's execution.
            return await greenlet_spawn(self._connect_and_execute, statement, parameters)
        return await greenlet_spawn(self._connection.sync_connection.execute, statement, parameters)

    def _connect(self) -> AsyncConnection:
        """In SQLAlchemy's greenlet. The transaction begins with the first statement
        (SQLAlchemy's autobegin), so beginning costs no hand-off of its own either."""
        self._connection = AsyncConnection(self._engine, self._engine.sync_engine.connect())
        return self._connection

    def _connect_and_execute(self, statement: Any, parameters: Any) -> Result[Any]:
        return self._connect().sync_connection.execute(statement, parameters)

    async def commit(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.commit()
            except BaseException:
                self._commit_failed = True
                raise

    async def close(self) -> None:
        """Roll back whatever was not committed, and hand the connection back."""
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._commit_failed:
            # The driver's transaction may still be open (SQLite keeps it when COMMIT fails),
            # and SQLAlchemy no longer rolls it back: the connection is not reused.
            await connection.invalidate()
        await connection.close()


class RepositorySet:
    """What a unit of work (plain or in a group, storage/group_commit.py) offers: its
    repositories, on one connection."""

    communities: SqlCommunityRepository
    stories: SqlStoryRepository
    features: SqlFeatureRepository
    drafts: SqlDraftRepository
    links: SqlLinkRepository
    published: SqlPublishedRepository
    _db: LazyConnection

    def _bind(self, db: LazyConnection, dialect: str) -> None:
        self._db = db
        self.communities = SqlCommunityRepository(db, dialect)
        self.stories = SqlStoryRepository(db, dialect)
        self.features = SqlFeatureRepository(db, dialect)
        self.drafts = SqlDraftRepository(db, dialect)
        self.links = SqlLinkRepository(db, dialect)
        self.published = SqlPublishedRepository(db, dialect)
