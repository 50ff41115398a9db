"""Group commit (storage/group_commit.py): submissions arriving together share one durable
commit, and each still succeeds or fails on its own. The mechanism is tested on both
databases; `storybot run` groups on SQLite only (see SqlUnitOfWorkFactory)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Platform, SpaceRef
from bot.errors import StorageUnavailable
from bot.ports import RateLog
from storage import uow_factory
from storage.group_commit import GroupCommit
from tests.storage.builders import T0, make_doc, make_story, new_community

pytestmark = pytest.mark.sql_only


def _count_commits(engine: AsyncEngine) -> list[int]:
    commits = [0]

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(_: Any) -> None:
        commits[0] += 1

    return commits


async def _stored_numbers(uows: Any, community: int) -> list[int]:
    async with uows(read_only=True) as uow:
        return [s.number for s in await uow.stories.export(community)]


async def _add_story(uow: Any, community: int, client_key: str | None = None) -> int:
    """Number and add one story, as a submission does; its number."""
    number: int = await uow.communities.next_story_number(community)
    await uow.stories.add(make_story(community, number, client_key=client_key), make_doc("word"))
    return number


def _log(space: str) -> RateLog:
    """A rate log that lets everything through, for a submission in new_community's `space`."""
    return RateLog(T0 - dt.timedelta(minutes=1), 1000, SpaceRef(Platform.SLACK, space))


def _group(engine: AsyncEngine) -> GroupCommit:
    return GroupCommit(engine, engine.dialect.name)


async def test_submissions_arriving_together_share_commits_with_gap_free_numbers(
    engine: AsyncEngine,
) -> None:
    uows = uow_factory(engine)
    community = await new_community(uows)
    commits = _count_commits(engine)
    group = _group(engine)

    async def submit(i: int) -> int:
        async with group() as uow:
            number = await _add_story(uow, community, f"k{i}")
            await uow.commit()
        return number  # commit() returned: the story is durable

    numbers = await asyncio.gather(*(submit(i) for i in range(30)))

    assert sorted(numbers) == list(range(1, 31))
    assert await _stored_numbers(uows, community) == list(range(1, 31))
    assert commits[0] < 30 / 2, f"{commits[0]} commits for 30 submissions: no grouping"


async def test_a_member_that_fails_undoes_only_its_own_writes(engine: AsyncEngine) -> None:
    uows = uow_factory(engine)
    community = await new_community(uows)
    group = _group(engine)

    async def submit(i: int) -> int:
        async with group() as uow:
            number = await _add_story(uow, community, f"k{i}")
            if i % 3 == 1:
                raise RuntimeError(f"refused {i}")
            await uow.commit()
        return number

    results = await asyncio.gather(*(submit(i) for i in range(12)), return_exceptions=True)

    failed = [r for r in results if isinstance(r, RuntimeError)]
    assert len(failed) == 4
    # The failed members' numbers were given back, so the stored ones have no gaps.
    assert await _stored_numbers(uows, community) == list(range(1, 9))
    async with uows(read_only=True) as uow:
        keys = {s.client_key for s in await uow.stories.export(community)}
    assert keys == {f"k{i}" for i in range(12) if i % 3 != 1}


async def test_a_failed_shared_commit_fails_every_member_and_stores_nothing(
    engine: AsyncEngine,
) -> None:
    uows = uow_factory(engine)
    community = await new_community(uows)
    group = _group(engine)

    @event.listens_for(engine.sync_engine, "commit")
    def _refuse(_: Any) -> None:  # the disk refuses the shared commit
        raise StorageUnavailable("the disk refused the commit")

    async def submit(i: int) -> None:
        async with group() as uow:
            await _add_story(uow, community, f"k{i}")
            await uow.commit()

    results = await asyncio.gather(*(submit(i) for i in range(5)), return_exceptions=True)
    event.remove(engine.sync_engine, "commit", _refuse)

    assert all(isinstance(r, StorageUnavailable) for r in results), results
    assert await _stored_numbers(uows, community) == []


async def test_a_member_cancelled_while_waiting_does_not_strand_the_group(
    engine: AsyncEngine,
) -> None:
    """The first member leaves the commit to the one waiting behind it; if that one is
    cancelled just as its turn comes, the group is still committed."""
    uows = uow_factory(engine)
    community = await new_community(uows)
    group = _group(engine)
    victim: list[asyncio.Task[None]] = []

    class CancelsTheNextInLine(asyncio.Lock):
        def release(self) -> None:
            super().release()  # wakes the waiting member...
            if victim and not victim[0].done():
                victim.pop().cancel()  # ...which is cancelled before it can run

    group._turn = CancelsTheNextInLine()  # the moment is too narrow to hit from outside
    wrote, go = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with group() as uow:
            await _add_story(uow, community)
            wrote.set()
            await go.wait()
            await uow.commit()

    async def second() -> None:
        async with group() as uow:
            await uow.communities.next_story_number(community)
            await uow.commit()

    committing = asyncio.create_task(first())
    await wrote.wait()
    waiting = asyncio.create_task(second())
    for _ in range(3):
        await asyncio.sleep(0)  # `second` is now queued for its turn
    victim.append(waiting)
    go.set()

    await asyncio.wait_for(committing, timeout=10)
    assert waiting.cancelled()
    assert await _stored_numbers(uows, community) == [1]


async def test_a_lone_submission_commits_at_once(engine: AsyncEngine) -> None:
    uows = uow_factory(engine)
    community = await new_community(uows)
    commits = _count_commits(engine)
    group = _group(engine)
    for i in range(3):
        async with group() as uow:
            await _add_story(uow, community)
            await uow.commit()
        assert commits[0] == i + 1  # nobody waiting: no group to wait for
    assert await _stored_numbers(uows, community) == [1, 2, 3]


async def test_the_application_groups_on_sqlite_only(engine: AsyncEngine) -> None:
    """PostgreSQL: a group would lock several communities' rows in arrival order and could
    deadlock with another process's group; there each submission commits on its own."""
    uows = uow_factory(engine)
    communities = [await new_community(uows, f"T{n}") for n in range(2)]
    commits = _count_commits(engine)

    async def submit(i: int) -> None:
        community = communities[i % 2]
        async with uows(single_write=True) as uow:
            story = make_story(community, 0, client_key=f"k{i}")
            assert await uow.stories.add_next(story, make_doc("word"), _log(f"T{i % 2}"))
            await uow.commit()

    await asyncio.gather(*(submit(i) for i in range(20)))

    assert [await _stored_numbers(uows, c) for c in communities] == [list(range(1, 11))] * 2
    if engine.dialect.name == "sqlite":
        assert commits[0] < 10
    else:  # each add_next its own transaction: no commit to group
        assert commits[0] == 20


async def test_waiting_for_a_turn_is_bounded_like_waiting_for_the_pool(
    engine: AsyncEngine,
) -> None:
    """A member holding its turn on a stalled database must not queue the others for longer
    than the pool timeout: they are told the database is unavailable."""
    uows = uow_factory(engine)
    community = await new_community(uows)
    group = GroupCommit(engine, engine.dialect.name, 0.2)
    holding, release = asyncio.Event(), asyncio.Event()

    async def stalled() -> None:
        async with group() as uow:
            await uow.communities.next_story_number(community)
            holding.set()
            await release.wait()
            await uow.commit()

    first = asyncio.create_task(stalled())
    await holding.wait()
    with pytest.raises(StorageUnavailable, match="writer's turn"):
        async with group() as uow:
            await uow.commit()
    release.set()
    await first  # the member that held its turn still commits
    async with uows() as uow:  # left without commit: only looks at the counter
        assert await uow.communities.next_story_number(community) == 2
