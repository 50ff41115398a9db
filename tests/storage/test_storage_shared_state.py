"""State several bot processes share through the database: moderator notice claims, form
drafts with expiry, and the pool and timeout settings each process's engine really uses."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import text

from bot.bootstrap import open_storage
from bot.config import Settings
from bot.domain import ChannelRef, IsoWeek, Platform, SpaceRef
from bot.errors import Conflict
from storage import create_engine, uow_factory
from tests.storage.builders import CHANNEL, T0, UowFactory, new_community

WEEK = IsoWeek(2026, 2)


async def test_three_processes_at_once_claim_a_notice_exactly_once(
    db_url: str, uows: UowFactory
) -> None:
    community = await new_community(uows)
    # Each engine is what one bot process would have: its own pool, the same database.
    engines = [create_engine(db_url) for _ in range(3)]
    try:

        async def claim(factory: UowFactory) -> bool:
            async with factory() as uow:
                claimed = await uow.features.claim_notice(
                    community, WEEK, CHANNEL, "not_in_channel", T0
                )
                await uow.commit()
            return claimed

        factories = [uow_factory(e) for e in engines]
        results = await asyncio.gather(*(claim(f) for f in factories))
        assert sorted(results) == [False, False, True]
        assert await claim(factories[0]) is False  # and never again that week
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_notice_is_per_week_channel_and_problem(uows: UowFactory) -> None:
    community = await new_community(uows)
    other = ChannelRef(SpaceRef(Platform.SLACK, "T1"), "C-OTHER")
    async with uows() as uow:
        claims = [
            await uow.features.claim_notice(community, WEEK, CHANNEL, "not_in_channel", T0),
            await uow.features.claim_notice(community, WEEK, CHANNEL, "rate_limited", T0),
            await uow.features.claim_notice(community, WEEK, other, "not_in_channel", T0),
            await uow.features.claim_notice(
                community, WEEK.previous(), CHANNEL, "not_in_channel", T0
            ),
            await uow.features.claim_notice(community, WEEK, CHANNEL, "not_in_channel", T0),
        ]
        await uow.commit()
    assert claims == [True, True, True, True, False]


async def test_an_uncommitted_notice_claim_is_not_kept(uows: UowFactory) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        assert await uow.features.claim_notice(community, WEEK, CHANNEL, "unavailable", T0)
    async with uows() as uow:
        assert await uow.features.claim_notice(community, WEEK, CHANNEL, "unavailable", T0)


PAYLOAD = {
    "user_id": "123456789012345678",
    "values": {"text": "Försenad leverans, men de ringde i förväg.", "credited": ["1", "2"]},
    "complete": True,
    "form": None,
}


async def test_a_draft_is_read_back_by_another_engine_until_it_expires(
    db_url: str, uows: UowFactory
) -> None:
    async with uows() as uow:
        await uow.drafts.put("k1", PAYLOAD, T0 + dt.timedelta(hours=1))
        await uow.commit()
    other = create_engine(db_url)  # another process
    try:
        async with uow_factory(other)() as uow:
            assert await uow.drafts.get("k1", T0) == PAYLOAD
            assert await uow.drafts.get("k1", T0 + dt.timedelta(minutes=59)) == PAYLOAD
            assert await uow.drafts.get("k1", T0 + dt.timedelta(hours=1)) is None
            assert await uow.drafts.get("nope", T0) is None
    finally:
        await other.dispose()


async def test_purge_deletes_only_expired_drafts(uows: UowFactory) -> None:
    async with uows() as uow:
        for minutes in (10, 20, 30):
            await uow.drafts.put(f"k{minutes}", PAYLOAD, T0 + dt.timedelta(minutes=minutes))
        await uow.commit()
    async with uows() as uow:
        assert await uow.drafts.purge(T0 + dt.timedelta(minutes=20)) == 2
        await uow.commit()
    async with uows() as uow:
        assert await uow.drafts.get("k10", T0) is None
        assert await uow.drafts.get("k20", T0) is None
        assert await uow.drafts.get("k30", T0) == PAYLOAD


async def test_a_taken_draft_key_is_a_conflict(uows: UowFactory) -> None:
    async with uows() as uow:
        await uow.drafts.put("same", PAYLOAD, T0 + dt.timedelta(hours=1))
        await uow.commit()
    async with uows() as uow:
        with pytest.raises(Conflict):
            await uow.drafts.put("same", {"other": True}, T0 + dt.timedelta(hours=1))
    async with uows() as uow:
        assert await uow.drafts.get("same", T0) == PAYLOAD


async def test_concurrent_drafts_and_purges_all_land(uows: UowFactory) -> None:
    async def put(n: int) -> None:
        async with uows() as uow:
            await uow.drafts.purge(T0)
            await uow.drafts.put(f"c{n}", {"n": n}, T0 + dt.timedelta(hours=1))
            await uow.commit()

    await asyncio.gather(*(put(n) for n in range(8)))
    async with uows() as uow:
        assert [await uow.drafts.get(f"c{n}", T0) for n in range(8)] == [{"n": n} for n in range(8)]


# The settings each process's engine is built from ------------------------------------------


async def test_pool_and_timeout_settings_reach_the_connection(db_url: str) -> None:
    settings = Settings.load(
        None,
        database_url=db_url,
        db_pool_size=3,
        db_pool_timeout=4.5,
        db_statement_timeout_ms=1234,
    )
    uows, close = await open_storage(settings, migrate=False)
    try:
        async with uows() as uow:
            connection = await uow._db.connection()  # type: ignore[union-attr]
            pool = connection.engine.pool
            if connection.dialect.name == "postgresql":
                shown = (await connection.execute(text("SHOW statement_timeout"))).scalar()
                assert shown == "1234ms"
                assert pool.size() == 3  # type: ignore[attr-defined]
            else:
                busy = (await connection.execute(text("PRAGMA busy_timeout"))).scalar()
                assert busy == 1234
                assert pool.size() == 1  # type: ignore[attr-defined]  # one writer anyway
            assert pool.timeout() == 4.5  # type: ignore[attr-defined]
    finally:
        await close()
