"""The public wall's reads: every visibility rule, order, tag filter and paging."""

from __future__ import annotations

import datetime as dt

from bot.domain import CommunitySettings, Platform, SpaceRef
from tests.storage.builders import HIDDEN, T0, UowFactory, new_community, numbers, submit

PUBLIC = {"consent": True, "on_wall": True}


async def _open_wall(uows: UowFactory, community_id: int, token: str = "tok-1") -> None:
    async with uows() as uow:
        community = await uow.communities.get(community_id)
        assert community is not None
        community.settings.wall_enabled = True
        community.settings.wall_token = token
        await uow.communities.save_settings(community)
        await uow.commit()


async def test_wall_found_only_when_on_and_by_its_token(uows: UowFactory) -> None:
    cid = await new_community(uows)
    async with uows() as uow:
        assert await uow.published.wall("tok-1") is None
    await _open_wall(uows, cid)
    async with uows() as uow:
        found = await uow.published.wall("tok-1")
        assert found is not None and found.id == cid
        assert found.settings.wall_enabled and found.settings.wall_token == "tok-1"
        assert await uow.published.wall("tok-2") is None
        assert [c.id for c in await uow.published.walls()] == [cid]
        found.settings.wall_enabled = False
        await uow.communities.save_settings(found)
        await uow.commit()
    async with uows() as uow:
        assert await uow.published.wall("tok-1") is None
        assert await uow.published.walls() == []


async def test_only_consented_chosen_published_stories(uows: UowFactory) -> None:
    cid = await new_community(uows)
    other = await new_community(uows, "T2")
    await submit(uows, cid, **PUBLIC, tags=["speed"])  # 1: public
    await submit(uows, cid, consent=False, on_wall=True)  # 2: no consent
    await submit(uows, cid, consent=True, on_wall=False)  # 3: author said no
    await submit(uows, cid, **PUBLIC, status=HIDDEN)  # 4: hidden
    await submit(uows, cid, **PUBLIC, tags=["speed", "care"])  # 5: public
    await submit(uows, cid, **PUBLIC)  # 6: deleted below
    await submit(uows, other, **PUBLIC)  # another community's
    async with uows() as uow:
        assert await uow.stories.delete(cid, 6)
        await uow.commit()
    async with uows() as uow:
        page = await uow.published.page(cid, None, None, 10)
        assert numbers(page.stories) == [5, 1] and page.older is None
        care = await uow.published.page(cid, "care", None, 10)
        assert numbers(care.stories) == [5]
        assert (await uow.published.story(cid, 1)) is not None
        for hidden in (2, 3, 4, 6):
            assert await uow.published.story(cid, hidden) is None
        assert await uow.published.tag_counts(cid, 10) == [("speed", 2), ("care", 1)]
        assert await uow.published.tag_counts(cid, 1) == [("care", 1), ("speed", 1)]
        stored = await uow.published.story(cid, 5)
        assert stored is not None and stored.on_wall


async def test_paging_by_number_and_tag(uows: UowFactory) -> None:
    cid = await new_community(uows)
    for i in range(5):
        await submit(uows, cid, **PUBLIC, tags=["speed"] if i % 2 == 0 else [])
    async with uows() as uow:
        first = await uow.published.page(cid, None, None, 2)
        assert numbers(first.stories) == [5, 4] and first.older == 4
        second = await uow.published.page(cid, None, first.older, 2)
        assert numbers(second.stories) == [3, 2] and second.older == 2
        last = await uow.published.page(cid, None, second.older, 2)
        assert numbers(last.stories) == [1] and last.older is None
        tagged = await uow.published.page(cid, "speed", None, 2)
        assert numbers(tagged.stories) == [5, 3] and tagged.older == 3


async def test_insight_reads_since_a_moment(uows: UowFactory) -> None:
    cid = await new_community(uows)
    day = dt.timedelta(days=1)
    await submit(uows, cid, **PUBLIC, created_at=T0, tags=["speed"], appreciations=9)
    await submit(uows, cid, **PUBLIC, created_at=T0 + 3 * day, tags=["speed", "care"])
    await submit(uows, cid, **PUBLIC, created_at=T0 + day, tags=["care"], appreciations=2)
    await submit(uows, cid, **PUBLIC, created_at=T0 + 2 * day, appreciations=2)
    await submit(uows, cid, consent=True, created_at=T0 + day, tags=["care"], appreciations=5)
    async with uows() as uow:
        tagged = await uow.published.tagged_since(cid, T0 + dt.timedelta(hours=1))
        best = await uow.published.most_appreciated(cid, T0 + dt.timedelta(hours=1), 5)
    assert sorted(tagged) == [(T0 + day, "care"), (T0 + 3 * day, "care"), (T0 + 3 * day, "speed")]
    assert numbers(best) == [3, 4]  # 1 is too old, 2 has none, 5 is not on the wall


async def test_settings_round_trip_keeps_the_wall(uows: UowFactory) -> None:
    async with uows() as uow:
        settings = CommunitySettings(wall_enabled=True, wall_token="abc")
        created = await uow.communities.create(SpaceRef(Platform.DISCORD, "G9"), settings)
        await uow.commit()
    async with uows() as uow:
        again = await uow.communities.get(created.id)
    assert again is not None
    assert (again.settings.wall_enabled, again.settings.wall_token) == (True, "abc")
