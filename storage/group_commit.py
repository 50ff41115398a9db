"""Group commit: concurrent grouped units of work share one transaction and one durable commit.

A confirmed story must survive a power cut, so every commit waits for the disk (an fsync on
SQLite with synchronous=FULL). One commit per submission caps a process at one submission per
fsync. Here the submissions that arrive while one is being written join the same transaction,
each inside its own SAVEPOINT, and the last of them commits for all: one fsync per group
instead of one per story. Used on SQLite only (see storage.uow.SqlUnitOfWorkFactory).

- Members take turns (one at a time on the shared connection); a member's work is database-only
  and short, so the turn is never held across a platform call.
- `commit()` releases the member's savepoint and returns only once the shared transaction is
  durable; if that commit fails, every member of the group gets the failure, and none of them
  confirms anything.
- A member that leaves without committing rolls back to its savepoint: the others are untouched.
- The group is committed by the member that leaves when nobody is waiting for a turn, or when
  it holds MAX_MEMBERS, so a lone submission commits at once, as before.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncTransaction

from bot.errors import StorageUnavailable
from storage.repositories import storage_errors
from storage.repository_set import LazyConnection, RepositorySet

log = logging.getLogger(__name__)

MAX_MEMBERS = 64  # bounds how long the first member of a group waits for its commit


@dataclasses.dataclass(eq=False)
class _Group:
    db: LazyConnection
    committed: list[asyncio.Future[None]] = dataclasses.field(default_factory=list)
    broken: BaseException | None = None  # the shared transaction cannot go on


class GroupCommit:
    """One per writer engine and process: hands out grouped units of work."""

    def __init__(
        self,
        engine: AsyncEngine,
        dialect: str,
        turn_timeout: float | None = None,
    ) -> None:
        self._engine = engine
        self._dialect = dialect
        # Waiting for a turn is waiting for the writer's connection: bounded like the pool's
        # wait (DB_POOL_TIMEOUT), so a stalled database answers everyone, not one at a time.
        self._turn_timeout = turn_timeout
        self._turn = asyncio.Lock()
        self._waiting = 0
        self._group: _Group | None = None
        self._finishing: set[asyncio.Task[None]] = set()

    def __call__(self) -> GroupedUnitOfWork:
        return GroupedUnitOfWork(self)

    async def _enter(self) -> _Group:
        self._waiting += 1
        try:
            async with asyncio.timeout(self._turn_timeout):
                await self._turn.acquire()
        except BaseException as failure:
            self._waiting -= 1
            self._finish_abandoned()
            if isinstance(failure, TimeoutError):
                raise StorageUnavailable(
                    f"waited {self._turn_timeout:g} s for the writer's turn (DB_POOL_TIMEOUT)"
                ) from None
            raise
        self._waiting -= 1
        if self._group is None:
            self._group = _Group(LazyConnection(self._engine))
        return self._group

    async def _leave(self, group: _Group) -> None:
        """Give up the turn; finish the group if nobody is about to join it."""
        done = self._group is group and (
            self._waiting == 0 or len(group.committed) >= MAX_MEMBERS or group.broken is not None
        )
        if done:
            self._group = None  # the next member opens a new group
        self._turn.release()
        if done:
            await _finish(group)

    def _finish_abandoned(self) -> None:
        """A member cancelled while waiting for its turn was the one expected to join: if
        nobody else will come, finish the group in the background so it does not linger."""
        group = self._group
        if group is None or self._turn.locked() or self._waiting:
            return
        self._group = None
        task = asyncio.get_running_loop().create_task(_finish(group))
        self._finishing.add(task)
        task.add_done_callback(self._finishing.discard)


async def _finish(group: _Group) -> None:
    """Commit the group's transaction (or roll it back) and tell every member how it went."""
    failure = group.broken
    try:
        if group.committed and failure is None:
            with storage_errors():
                await group.db.commit()
    except Exception as error:
        failure = error
    finally:
        try:
            with storage_errors():
                await group.db.close()
        except Exception:
            log.warning("could not close a group commit's connection", exc_info=True)
    for member in group.committed:
        if member.done():  # its member was cancelled while waiting
            continue
        if failure is None:
            member.set_result(None)
        elif isinstance(failure, Exception):
            member.set_exception(failure)
        else:  # cancelled or interrupted mid-way: the outcome is unknown, so not confirmed
            member.set_exception(StorageUnavailable(f"group commit interrupted: {failure!r}"))


class GroupedUnitOfWork(RepositorySet):
    """bot.ports.UnitOfWork whose transaction is a savepoint in its group's transaction."""

    def __init__(self, owner: GroupCommit) -> None:
        self._owner = owner
        self._group: _Group | None = None
        self._savepoint: AsyncTransaction | None = None

    read_only = False

    async def __aenter__(self) -> Self:
        if self._group is not None:
            raise RuntimeError("unit of work entered twice")
        group = await self._owner._enter()
        self._group = group
        try:
            with storage_errors():
                self._savepoint = await (await group.db.connection()).begin_nested()
        except BaseException as failure:
            group.broken = failure
            self._group = None
            await self._owner._leave(group)
            raise
        self._bind(group.db, self._owner._dialect)
        return self

    async def commit(self) -> None:
        group, savepoint = self._group, self._savepoint
        if group is None or savepoint is None:
            raise RuntimeError("use the unit of work inside `async with`")
        self._group = None
        outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        try:
            with storage_errors():
                await savepoint.commit()
            group.committed.append(outcome)
        except BaseException as failure:
            group.broken = failure
            raise
        finally:
            await self._owner._leave(group)
        await outcome

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Left without a commit: undo this member's writes only."""
        group, self._group = self._group, None
        if group is None:
            return
        try:
            if self._savepoint is not None and self._savepoint.is_active:
                with storage_errors():
                    await self._savepoint.rollback()
        except BaseException as failure:
            group.broken = failure  # the shared transaction is in an unknown state
            if exc is None:
                raise
        finally:
            await self._owner._leave(group)
