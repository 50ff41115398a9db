"""Weekly features and announcement claims: upserts, exactly-once races, history."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.domain import ChannelRef, IsoWeek, Platform, SpaceRef
from tests.storage.builders import (
    CHANNEL,
    T0,
    UowFactory,
    make_feature,
    new_community,
    submit_many,
)

WEEK = IsoWeek(2026, 2)


async def test_put_replaces_and_returns_the_previous_pick(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit_many(uows, community, 2)
    first = make_feature(community, 1)
    second = make_feature(
        community, 2, featured_by="U-MOD", note="Lovely", featured_at=T0 + dt.timedelta(hours=1)
    )
    async with uows() as uow:
        assert await uow.features.get(community, WEEK) is None
        assert await uow.features.put(first) is None
        await uow.commit()
    async with uows() as uow:
        assert await uow.features.put(second) == first
        await uow.commit()
    async with uows() as uow:
        got = await uow.features.get(community, WEEK)
    assert got == second
    assert got is not None and got.featured_at.tzinfo == dt.UTC


async def test_featuring_a_missing_story_is_a_lookup_error(uows: UowFactory) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        with pytest.raises(LookupError):
            await uow.features.put(make_feature(community, 7))
        with pytest.raises(LookupError):
            await uow.features.add_if_absent(make_feature(community, 7))


async def test_add_if_absent_keeps_an_existing_pick(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit_many(uows, community, 2)
    async with uows() as uow:
        assert await uow.features.add_if_absent(make_feature(community, 1)) is True
        assert await uow.features.add_if_absent(make_feature(community, 2)) is False
        await uow.commit()
    async with uows() as uow:
        got = await uow.features.get(community, WEEK)
    assert got is not None and got.story_number == 1


async def test_three_weekly_jobs_at_once_add_exactly_one_feature(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit_many(uows, community, 3)

    async def job(number: int) -> bool:
        async with uows() as uow:
            added = await uow.features.add_if_absent(make_feature(community, number))
            await uow.commit()
        return added

    results = await asyncio.gather(*(job(n) for n in (1, 2, 3)))
    assert sorted(results) == [False, False, True]
    async with uows() as uow:
        got = await uow.features.get(community, WEEK)
    assert got is not None and got.story_number == [1, 2, 3][results.index(True)]


async def test_three_announcers_at_once_claim_exactly_once(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit_many(uows, community, 1)
    feature = make_feature(community, 1)
    async with uows() as uow:
        await uow.features.put(feature)
        await uow.commit()

    async def claim() -> bool:
        async with uows() as uow:
            claimed = await uow.features.claim_announcement(feature, CHANNEL)
            await uow.commit()
        return claimed

    assert sorted(await asyncio.gather(*(claim() for _ in range(3)))) == [False, False, True]

    other_channel = ChannelRef(SpaceRef(Platform.SLACK, "T1"), "C-OTHER")
    async with uows() as uow:
        assert await uow.features.claim_announcement(feature, other_channel) is True
        await uow.features.release_announcement(feature, CHANNEL)
        await uow.commit()
    async with uows() as uow:
        assert await uow.features.claim_announcement(feature, CHANNEL) is True  # released
        assert await uow.features.claim_announcement(feature, other_channel) is False  # kept


async def test_no_claim_for_a_missing_story(uows: UowFactory) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        assert await uow.features.claim_announcement(make_feature(community, 3), CHANNEL) is False


async def test_history_newest_week_first_and_weeks_by_story(uows: UowFactory) -> None:
    a, b = await new_community(uows, "TA"), await new_community(uows, "TB")
    await submit_many(uows, a, 2)
    await submit_many(uows, b, 1)
    picks = [(a, 1, "2025-W52"), (a, 2, "2026-W01"), (a, 1, "2026-W10"), (b, 1, "2026-W01")]
    async with uows() as uow:
        for community, number, week in picks:
            await uow.features.put(make_feature(community, number, week))
        await uow.commit()

    async with uows() as uow:
        history = await uow.features.history(a, 10)
        assert [str(f.week) for f in history] == ["2026-W10", "2026-W01", "2025-W52"]
        assert [f.story_number for f in history] == [1, 2, 1]
        assert [str(f.week) for f in await uow.features.history(a, 2)] == ["2026-W10", "2026-W01"]
        assert await uow.features.weeks_by_story(a) == {
            (a, 1): ["2025-W52", "2026-W10"],
            (a, 2): ["2026-W01"],
        }
        assert await uow.features.weeks_by_story(None) == {
            (a, 1): ["2025-W52", "2026-W10"],
            (a, 2): ["2026-W01"],
            (b, 1): ["2026-W01"],
        }
