"""The unit of work: gap-free numbers under concurrency, rollback, conflicts, outages."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.errors import Conflict, QueryTooBroad, StorageUnavailable
from storage import create_engine, uow_factory
from storage.repositories import storage_errors
from tests.storage.builders import UowFactory, make_doc, make_story, new_community, submit


async def test_fifty_concurrent_submitters_get_numbers_one_to_fifty(uows: UowFactory) -> None:
    community = await new_community(uows)

    async def submit_one(i: int) -> int:
        async with uows() as uow:
            number = await uow.communities.next_story_number(community)
            await uow.stories.add(
                make_story(community, number, client_key=f"k{i}"), make_doc("word")
            )
            await uow.commit()
        return number

    got = await asyncio.gather(*(submit_one(i) for i in range(50)))

    assert sorted(got) == list(range(1, 51))
    async with uows() as uow:
        stored = await uow.stories.export(community)
    assert [s.number for s in stored] == list(range(1, 51))


async def test_leaving_without_commit_keeps_nothing_and_frees_the_number(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        number = await uow.communities.next_story_number(community)
        await uow.stories.add(make_story(community, number), make_doc("word"))
    assert number == 1

    async with uows() as uow:
        assert await uow.stories.get(community, 1) is None
        assert await uow.communities.next_story_number(community) == 1


async def test_an_error_inside_rolls_back_and_propagates(uows: UowFactory) -> None:
    community = await new_community(uows)
    with pytest.raises(RuntimeError, match="boom"):
        async with uows() as uow:
            number = await uow.communities.next_story_number(community)
            await uow.stories.add(make_story(community, number), make_doc("word"))
            raise RuntimeError("boom")
    async with uows() as uow:
        assert await uow.stories.export(community) == []


@pytest.mark.sql_only
async def test_a_failed_commit_keeps_nothing_and_the_next_unit_of_work_works(
    engine: AsyncEngine,
) -> None:
    """SQLite keeps its transaction open when COMMIT fails: that connection must not go back
    to the pool with it, or the next unit of work on it could not begin."""
    uows = uow_factory(engine)
    community = await new_community(uows)

    def refuse(_: object) -> None:
        raise StorageUnavailable("the disk refused the commit")

    event.listen(engine.sync_engine, "commit", refuse)
    try:
        with pytest.raises(StorageUnavailable):
            async with uows() as uow:
                number = await uow.communities.next_story_number(community)
                await uow.stories.add(make_story(community, number), make_doc("first"))
                await uow.commit()
    finally:
        event.remove(engine.sync_engine, "commit", refuse)
    for _ in range(3):  # whichever pooled connection it gets
        async with uows() as uow:
            number = await uow.communities.next_story_number(community)
            await uow.stories.add(make_story(community, number), make_doc("next"))
            await uow.commit()
    async with uows(read_only=True) as uow:
        assert [s.number for s in await uow.stories.export(community)] == [1, 2, 3]


async def test_work_after_a_commit_is_rolled_back_unless_committed_again(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        first = await uow.communities.next_story_number(community)
        await uow.stories.add(make_story(community, first), make_doc("word"))
        await uow.commit()
        second = await uow.communities.next_story_number(community)
        await uow.stories.add(make_story(community, second), make_doc("word"))

    async with uows() as uow:
        assert [s.number for s in await uow.stories.export(community)] == [1]


async def test_duplicate_client_key_is_a_conflict_and_the_transaction_survives(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    winner = await submit(uows, community, client_key="abc")

    async with uows() as uow:
        number = await uow.communities.next_story_number(community)
        with pytest.raises(Conflict):
            await uow.stories.add(make_story(community, number, client_key="abc"), make_doc("word"))
        # The savepoint kept the transaction usable: the core can read the winner and go on.
        found = await uow.stories.by_client_key(community, "abc")
        assert found is not None and found.number == winner.number
        await uow.stories.add(make_story(community, number, client_key="def"), make_doc("w"))
        await uow.commit()

    async with uows() as uow:
        assert [s.client_key for s in await uow.stories.export(community)] == ["abc", "def"]


async def test_client_keys_are_unique_per_community_only(uows: UowFactory) -> None:
    a, b = await new_community(uows, "TA"), await new_community(uows, "TB")
    await submit(uows, a, client_key="same")
    await submit(uows, b, client_key="same")
    async with uows() as uow:
        assert await uow.stories.by_client_key(b, "same") is not None
        assert await uow.stories.by_client_key(b, "other") is None


async def test_duplicate_number_is_a_conflict(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit(uows, community)
    async with uows() as uow:
        with pytest.raises(Conflict):
            await uow.stories.add(make_story(community, 1), make_doc("word"))


async def test_unknown_community_has_no_next_number(uows: UowFactory) -> None:
    async with uows() as uow:
        with pytest.raises(LookupError):
            await uow.communities.next_story_number(999)


async def test_adding_to_an_unknown_community_is_a_lookup_error(uows: UowFactory) -> None:
    async with uows() as uow:
        with pytest.raises(LookupError):
            await uow.stories.add(make_story(999, 1), make_doc("word"))


# Outages -----------------------------------------------------------------------------------


async def test_unreachable_postgres_is_storage_unavailable() -> None:
    engine = create_engine("postgresql://postgres@127.0.0.1:1/test", pool_timeout=2)
    try:
        uows = uow_factory(engine)
        async with uows() as uow:
            with pytest.raises(StorageUnavailable):
                await uow.communities.all_ids()
            with pytest.raises(StorageUnavailable):
                await uow.stories.get(1, 1)
    finally:
        await engine.dispose()


async def test_unopenable_sqlite_file_is_storage_unavailable(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}")
    try:
        async with uow_factory(engine)() as uow:
            with pytest.raises(StorageUnavailable):
                await uow.communities.get(1)
    finally:
        await engine.dispose()
    # After a failed connect aiosqlite stops its worker thread without waiting for it; let it
    # finish while this test's event loop still runs, or it reports into a later test.
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            await asyncio.to_thread(thread.join, 5)


async def test_exhausted_pool_is_storage_unavailable(db_url: str, uows: UowFactory) -> None:
    community = await new_community(uows)
    engine = create_engine(db_url, pool_size=1, pool_timeout=0.2)
    small = uow_factory(engine)
    try:
        async with small() as holder:
            await holder.communities.get(community)  # holds the only connection
            async with small() as waiter:
                with pytest.raises(StorageUnavailable):
                    await waiter.communities.get(community)
        async with small() as uow:  # the connection came back
            assert await uow.communities.get(community) is not None
    finally:
        await engine.dispose()


async def test_waiting_too_long_for_a_lock_is_storage_unavailable(
    db_url: str, uows: UowFactory
) -> None:
    """PostgreSQL's statement_timeout, or SQLite's busy_timeout, ends the wait."""
    community = await new_community(uows)
    engine = create_engine(db_url, statement_timeout_ms=200)
    impatient = uow_factory(engine)
    try:
        async with uows() as holder:
            assert await holder.communities.next_story_number(community) == 1
            async with impatient() as waiter:
                with pytest.raises(StorageUnavailable):
                    await waiter.communities.next_story_number(community)
            await holder.commit()
        async with impatient() as uow:
            assert await uow.communities.next_story_number(community) == 2
    finally:
        await engine.dispose()


async def test_a_statement_past_the_timeout_is_told_apart_on_postgresql(db_url: str) -> None:
    """The core answers a search the database gave up on differently from an outage."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no statement timeout, only the busy timeout for the lock")
    engine = create_engine(db_url, statement_timeout_ms=100)
    try:
        async with engine.connect() as connection:
            with pytest.raises(QueryTooBroad), storage_errors():
                await connection.execute(text("SELECT pg_sleep(2)"))
    finally:
        await engine.dispose()
