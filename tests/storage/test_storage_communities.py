"""Communities: creation per space, settings round trip, races on first contact."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.domain import ChannelRef, CommunitySettings, Language, Platform, SpaceRef
from tests.storage.builders import UowFactory

SPACE = SpaceRef(Platform.DISCORD, "G1")


def _settings() -> CommunitySettings:
    return CommunitySettings(
        language=Language.SV,
        timezone="America/New_York",
        weekly_weekday=5,
        weekly_time=dt.time(16, 30),
        free_tags=False,
        highlight_channels=[
            ChannelRef(SPACE, "C-1"),
            ChannelRef(SpaceRef(Platform.SLACK, "T9"), "C-2"),
        ],
        moderator_users=["U-1", "U-2"],
        moderator_roles=["R-mods"],
    )


async def test_create_then_find_by_space_and_id(uows: UowFactory) -> None:
    async with uows() as uow:
        created = await uow.communities.create(SPACE, _settings())
        await uow.commit()
    assert created.spaces == [SPACE]

    async with uows() as uow:
        by_space = await uow.communities.for_space(SPACE)
        by_id = await uow.communities.get(created.id)
        assert await uow.communities.for_space(SpaceRef(Platform.SLACK, "G1")) is None
        assert await uow.communities.get(created.id + 1) is None
        assert await uow.communities.owner_of(SPACE) == created.id
        assert await uow.communities.owner_of(SpaceRef(Platform.SLACK, "G1")) is None
    assert by_space == by_id == created
    assert by_space is not None and by_space.settings == _settings()


async def test_save_settings_persists_every_field(uows: UowFactory) -> None:
    async with uows() as uow:
        community = await uow.communities.create(SPACE, CommunitySettings())
        await uow.commit()
    community.settings = _settings()
    async with uows() as uow:
        await uow.communities.save_settings(community)
        await uow.commit()
    async with uows() as uow:
        stored = await uow.communities.get(community.id)
    assert stored is not None and stored.settings == _settings()


async def test_creating_for_a_space_that_has_a_community_returns_that_one(
    uows: UowFactory,
) -> None:
    async with uows() as uow:
        first = await uow.communities.create(SPACE, CommunitySettings())
        await uow.commit()
    async with uows() as uow:
        again = await uow.communities.create(SPACE, _settings())
        await uow.commit()
        assert await uow.communities.all_ids() == [first.id]
    assert again.id == first.id and again.settings == CommunitySettings()


async def test_concurrent_first_contacts_share_one_community(uows: UowFactory) -> None:
    async def first_contact() -> int:
        async with uows() as uow:
            community = await uow.communities.create(SPACE, CommunitySettings())
            await uow.commit()
        return community.id

    ids = await asyncio.gather(*(first_contact() for _ in range(3)))
    async with uows() as uow:
        all_ids = await uow.communities.all_ids()
    assert len(set(ids)) == 1 and all_ids == [ids[0]]


async def test_all_ids_in_order(uows: UowFactory) -> None:
    async with uows() as uow:
        a = await uow.communities.create(SpaceRef(Platform.SLACK, "T1"), CommunitySettings())
        b = await uow.communities.create(SpaceRef(Platform.SLACK, "T2"), CommunitySettings())
        await uow.commit()
    async with uows() as uow:
        assert await uow.communities.all_ids() == sorted([a.id, b.id])


async def test_a_space_keeps_its_name_and_a_new_one_replaces_it(uows: UowFactory) -> None:
    other = SpaceRef(Platform.SLACK, "T9")
    async with uows() as uow:
        created = await uow.communities.create(SPACE, CommunitySettings())
        assert created.space_names == {}  # never named: replies show the id
        await uow.communities.name_space(SPACE, "Acme Support")
        await uow.communities.name_space(other, "Nobody's")  # no community owns it: ignored
        await uow.commit()
    async with uows() as uow:
        by_space = await uow.communities.for_space(SPACE)
        by_id = await uow.communities.get(created.id)
        assert await uow.communities.for_space(other) is None
    assert by_space is not None and by_space.space_names == {SPACE: "Acme Support"}
    assert by_id == by_space

    async with uows() as uow:
        await uow.communities.name_space(SPACE, "Acme Support EU — Åsa's team")
        await uow.commit()
    async with uows(read_only=True) as uow:
        renamed = await uow.communities.for_space(SPACE)
    assert renamed is not None and renamed.space_names == {SPACE: "Acme Support EU — Åsa's team"}


async def test_an_uncommitted_name_is_not_kept(uows: UowFactory) -> None:
    async with uows() as uow:
        await uow.communities.create(SPACE, CommunitySettings())
        await uow.commit()
    async with uows() as uow:
        await uow.communities.name_space(SPACE, "Acme")
    async with uows() as uow:
        found = await uow.communities.for_space(SPACE)
    assert found is not None and found.space_names == {}


async def test_a_submission_is_logged_only_under_the_limit(uows: UowFactory) -> None:
    async with uows() as uow:
        community = (await uow.communities.create(SPACE, _settings())).id
        await uow.commit()
    at = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
    since = at - dt.timedelta(minutes=1)

    async def log(user: str, when: dt.datetime, space: SpaceRef = SPACE) -> bool:
        async with uows() as uow:
            logged = await uow.communities.log_submission(
                community,
                Platform.SLACK,
                user,
                when,
                since=when - dt.timedelta(minutes=1),
                limit=3,
                space=space,
            )
            await uow.commit()
        return logged

    assert [await log("U-ANNA", at) for _ in range(4)] == [True, True, True, False]
    assert await log("U-BO", at)  # someone else's log is their own
    assert await log("U-ANNA", at + dt.timedelta(minutes=1, seconds=1))  # the window moved on
    async with uows(read_only=True) as uow:
        counted = await uow.communities.submissions_since(
            community, Platform.SLACK, "U-ANNA", since
        )
    assert counted == 4  # three, then one more a minute later; the refused one left no entry
    # Made in a space that is not (or no longer) the community's: not logged either.
    assert not await log("U-CAI", at, SpaceRef(Platform.SLACK, "T-ELSEWHERE"))
    async with uows(read_only=True) as uow:
        assert (
            await uow.communities.submissions_since(community, Platform.SLACK, "U-CAI", since) == 0
        )
