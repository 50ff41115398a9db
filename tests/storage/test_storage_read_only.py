"""The read-only unit of work: it never writes, and it never waits for a writer."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from bot.domain import Platform, SpaceRef, Story
from storage import create_engine, uow_factory
from storage.engine import create_engines
from tests.storage.builders import (
    UowFactory,
    make_doc,
    make_feature,
    make_story,
    new_community,
    submit,
)

# These read the databases' own transaction modes and plans: not for the in-memory fake.
pytestmark = pytest.mark.sql_only


async def test_a_write_inside_a_read_only_unit_of_work_fails(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit(uows, community)

    async with uows(read_only=True) as uow:
        assert uow.read_only
        with pytest.raises(sa_exc.DBAPIError, match="read"):
            await uow.communities.next_story_number(community)
    async with uows(read_only=True) as uow:
        with pytest.raises(sa_exc.DBAPIError, match="read"):
            await uow.stories.add(make_story(community, 9), make_doc("word"))
            await uow.commit()

    async with uows() as uow:
        assert [s.number for s in await uow.stories.export(community)] == [1]
        assert await uow.communities.next_story_number(community) == 2


async def test_the_readers_of_storybot_run_refuse_writes(db_url: str, uows: UowFactory) -> None:
    """`storybot run` reads through a pool of its own (create_engines), whose connections
    send no BEGIN (each statement its own transaction) and still cannot write."""
    community = await new_community(uows)
    await submit(uows, community, title="Kept")
    writers, readers = create_engines(db_url)
    run = uow_factory(writers, readers)
    try:
        async with run(read_only=True) as uow:
            story = await uow.stories.get(community, 1)
            with pytest.raises(sa_exc.DBAPIError, match="read"):
                await uow.communities.next_story_number(community)
        if readers.dialect.name == "postgresql":
            async with run(read_only=True) as uow:
                # Inside a transaction now() stands still; here every statement has its own.
                first = (await uow._db.execute(text("SELECT now()"))).scalar_one()
                await asyncio.sleep(0.01)
                second = (await uow._db.execute(text("SELECT now()"))).scalar_one()
            assert second > first
        else:
            async with run(read_only=True) as uow:
                assert await uow.stories.get(community, 1) is not None
                raw = await (await uow._db.connection()).get_raw_connection()
                # A deferred BEGIN would leave a transaction open until the end.
                assert raw.driver_connection.in_transaction is False
    finally:
        await writers.dispose()
        await readers.dispose()
    assert story is not None and story.title == "Kept"
    async with uows() as uow:
        assert await uow.communities.next_story_number(community) == 2


async def test_a_reader_does_not_wait_for_a_writer(db_url: str, uows: UowFactory) -> None:
    """With a writer holding the lock, a read-only unit of work with a 200 ms lock timeout
    still reads (a writing one would wait for the lock, then fail: see test_storage_uow)."""
    community = await new_community(uows)
    await submit(uows, community, title="Kept")
    engine = create_engine(db_url, statement_timeout_ms=200)
    impatient = uow_factory(engine)
    try:
        async with uows() as writer:
            assert await writer.communities.next_story_number(community) == 2
            async with impatient(read_only=True) as reader:
                found = await reader.communities.for_space(SpaceRef(Platform.SLACK, "T1"))
                story = await reader.stories.get(community, 1)
            await writer.commit()
    finally:
        await engine.dispose()
    assert found is not None and found.id == community
    assert story is not None and story.title == "Kept"


async def test_one_connection_alternates_between_reading_and_writing(
    db_url: str, engine: object
) -> None:
    """A pooled connection that served a reader writes again afterwards, and the reverse."""
    engine = create_engine(db_url, pool_size=1)  # the `engine` fixture emptied the database
    uows = uow_factory(engine)
    try:
        community = await new_community(uows)
        for round_ in range(2):
            async with uows(read_only=True) as uow:
                with pytest.raises(sa_exc.DBAPIError, match="read"):
                    await uow.communities.next_story_number(community)
            await submit(uows, community, client_key=f"k{round_}")
        async with uows(read_only=True) as uow:
            assert [s.number for s in await uow.stories.export(community)] == [1, 2]
    finally:
        await engine.dispose()


async def test_sqlite_syncs_every_commit_to_disk(db_url: str, uows: UowFactory) -> None:
    """synchronous=FULL: a story confirmed to its author survives a power cut."""
    if not db_url.startswith("sqlite"):
        pytest.skip("a SQLite pragma")
    for read_only in (False, True):
        async with uows(read_only=read_only) as uow:
            session = uow._db  # type: ignore[attr-defined]
            synchronous = (await session.execute(text("PRAGMA synchronous"))).scalar_one()
            journal = (await session.execute(text("PRAGMA journal_mode"))).scalar_one()
        assert (synchronous, journal) == (2, "wal")  # 2 is FULL


async def test_the_weekly_tick_reads_only_due_communities(uows: UowFactory) -> None:
    """New communities are due; a settled one is not until its time; a settings change or a
    moderator's pick makes it due again, and a settle that read it before the change fails."""
    first = await new_community(uows, "T1")
    second = await new_community(uows, "T2")
    now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    later = now + dt.timedelta(days=7)
    async with uows(read_only=True) as uow:
        due = await uow.communities.weekly_due(now)
    assert [i for i, _ in due] == [first, second]

    async with uows() as uow:
        for community, seen in due:
            assert await uow.communities.settle_weekly(community, seen, later)
        await uow.commit()
    async with uows(read_only=True) as uow:
        assert await uow.communities.weekly_due(now) == []
        assert [i for i, _ in await uow.communities.weekly_due(later)] == [first, second]

    async with uows() as uow:
        community = await uow.communities.get(second)
        assert community is not None
        await uow.communities.save_settings(community)
        await uow.features.put(make_feature(first, (await submit_in(uow, first)).number))
        await uow.commit()
    async with uows(read_only=True) as uow:
        again = await uow.communities.weekly_due(now)
    assert sorted(i for i, _ in again) == [first, second]

    async with uows() as uow:  # a tick that read the values before the change
        for community, seen in due:
            assert not await uow.communities.settle_weekly(community, seen, later)
        await uow.commit()


async def test_the_due_query_walks_the_index(uows: UowFactory) -> None:
    async with uows(read_only=True) as uow:
        session = uow._db  # type: ignore[attr-defined]
        dialect = uow._dialect  # type: ignore[attr-defined]
        query = (
            "EXPLAIN QUERY PLAN SELECT id FROM communities WHERE weekly_due_at <= '2026-01-01'"
            if dialect == "sqlite"
            else "EXPLAIN SELECT id FROM communities WHERE weekly_due_at <= now()"
        )
        if dialect == "postgresql":
            await session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(str(row) for row in await session.execute(text(query)))
    assert "ix_communities_weekly_due_at" in plan


async def submit_in(uow: object, community: int) -> Story:
    number = await uow.communities.next_story_number(community)  # type: ignore[attr-defined]
    return await uow.stories.add(make_story(community, number), make_doc("word"))  # type: ignore[attr-defined]
