"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

import functools
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.errors import StorageUnavailable
from storage.communities import SqlCommunityRepository
from storage.drafts import SqlDraftRepository
from storage.engine import READ_ONLY, read_only_engine
from storage.features import SqlFeatureRepository
from storage.links import SqlLinkRepository
from storage.published import SqlPublishedRepository
from storage.repositories import storage_errors
from storage.stories import SqlStoryRepository


class SqlUnitOfWork:
    """bot.ports.UnitOfWork over an AsyncSession.

    The session connects on its first statement, so entering is free; every repository call
    and commit raise StorageUnavailable when the database cannot be reached or times out.
    """

    communities: SqlCommunityRepository
    stories: SqlStoryRepository
    features: SqlFeatureRepository
    drafts: SqlDraftRepository
    links: SqlLinkRepository
    published: SqlPublishedRepository

    def __init__(self, sessions: async_sessionmaker[AsyncSession], dialect: str) -> None:
        self._sessions = sessions
        self._dialect = dialect
        self._session: AsyncSession | None = None

    @property
    def read_only(self) -> bool:
        return bool(self._sessions.kw["bind"].get_execution_options().get(READ_ONLY))

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("unit of work entered twice")
        session = self._sessions()
        self._session = session
        self.communities = SqlCommunityRepository(session, self._dialect)
        self.stories = SqlStoryRepository(session, self._dialect)
        self.features = SqlFeatureRepository(session, self._dialect)
        self.drafts = SqlDraftRepository(session, self._dialect)
        self.links = SqlLinkRepository(session, self._dialect)
        self.published = SqlPublishedRepository(session, self._dialect)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed (close does), and hand the connection back."""
        session, self._session = self._session, None
        if session is None:
            return
        try:
            with storage_errors():
                await session.close()
        except StorageUnavailable:
            if exc is None:
                raise
            # Already failing: the original error says more, and the server rolls back anyway.

    async def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("use the unit of work inside `async with`")
        with storage_errors():
            await self._session.commit()


class SqlUnitOfWorkFactory:
    """What the bootstrap hands the core as its UnitOfWorkFactory: `factory()` for a unit of
    work that may write, `factory(read_only=True)` for one that cannot (no write lock)."""

    def __init__(self, engine: AsyncEngine) -> None:
        dialect = engine.dialect.name
        self._writer = functools.partial(
            SqlUnitOfWork, async_sessionmaker(engine, expire_on_commit=False), dialect
        )
        self._reader = functools.partial(
            SqlUnitOfWork,
            async_sessionmaker(read_only_engine(engine), expire_on_commit=False),
            dialect,
        )

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return self._reader() if read_only else self._writer()


def uow_factory(engine: AsyncEngine) -> SqlUnitOfWorkFactory:
    return SqlUnitOfWorkFactory(engine)
