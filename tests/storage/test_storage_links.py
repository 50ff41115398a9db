"""Linking on SQLite and PostgreSQL: the merge and split moves, a submission racing a link,
and the migration's backfill of where old stories were told."""

from __future__ import annotations

import asyncio
import datetime as dt

import sqlalchemy as sa
from alembic import command

from bot.commands import StoryInput, Submit
from bot.core import Core
from bot.domain import Author, CommunitySettings, IsoWeek, LinkCode, Platform, SpaceRef
from bot.ports import SearchQuery
from storage.engine import create_migration_engine
from storage.migrate import alembic_config, upgrade
from tests.conftest import actor
from tests.fakes.memory import FakeAnnouncer, FakeClock
from tests.storage.builders import (
    CHANNEL,
    T0,
    UowFactory,
    make_doc,
    make_feature,
    numbers,
    submit,
)

SLACK = SpaceRef(Platform.SLACK, "T1")
DISCORD = SpaceRef(Platform.DISCORD, "G1")
DISCORD_AUTHOR = Author(Platform.DISCORD, "700", "Dana")


async def community(uows: UowFactory, space: SpaceRef) -> int:
    async with uows() as uow:
        created = await uow.communities.create(space, CommunitySettings())
        await uow.commit()
    return created.id


async def test_codes_are_single_use_and_old_ones_pruned(uows: UowFactory) -> None:
    owner = await community(uows, SLACK)
    later = T0 + dt.timedelta(hours=2)
    async with uows() as uow:
        first = await uow.links.add_code(
            LinkCode(owner, SLACK, "a" * 64, T0, T0 + dt.timedelta(minutes=15))
        )
        await uow.links.add_code(LinkCode(owner, SLACK, "b" * 64, later, later))
        await uow.links.record_failure(DISCORD, T0)
        await uow.links.record_failure(DISCORD, later)
        await uow.commit()
    assert first.id is not None
    async with uows() as uow:
        assert await uow.links.use_code(first.id, later)
        await uow.commit()
    async with uows() as uow:
        assert not await uow.links.use_code(first.id, later)  # used once, for good
        codes = await uow.links.codes_since(T0)
        assert [(c.digest[0], c.space, c.used_at) for c in codes] == [
            ("a", SLACK, later),
            ("b", SLACK, None),
        ]
        assert await uow.links.failures_since(DISCORD, T0) == 2
        assert await uow.links.failures_since(SLACK, T0) == 0
        await uow.links.prune(later)
        await uow.commit()
    async with uows() as uow:
        assert [c.digest[0] for c in await uow.links.codes_since(T0)] == ["b"]
        assert await uow.links.failures_since(DISCORD, T0) == 1


async def test_merge_renumbers_and_carries_tags_appreciations_features_and_claims(
    uows: UowFactory,
) -> None:
    target = await community(uows, SLACK)
    joining = await community(uows, DISCORD)
    for key in ("k1", "k2", "k3"):
        await submit(uows, target, client_key=key, origin=SLACK)
    async with uows() as uow:
        await uow.stories.delete(target, 2)  # a gap the target keeps: 1, 3
        await uow.features.put(make_feature(target, 1, "2026-W03"))
        await uow.commit()
    for key in ("k1", "d2", "d3"):  # "k1" also exists in the target
        await submit(
            uows,
            joining,
            make_doc("parcel", "depot"),
            client_key=key,
            tags=["delivery"],
            author=DISCORD_AUTHOR,
            origin=DISCORD,
        )
    async with uows() as uow:
        story = await uow.stories.get(joining, 2)
        assert story is not None
        assert await uow.stories.appreciate(story, Platform.SLACK, "U9", T0)
        await uow.features.put(make_feature(joining, 3, "2026-W02"))
        await uow.features.put(make_feature(joining, 1, "2026-W03"))  # the target has W03
        assert await uow.features.claim_announcement(make_feature(joining, 3), CHANNEL)
        await uow.commit()

    async with uows() as uow:
        mapping = await uow.links.merge(joining, target)
        await uow.commit()
    assert mapping == [(1, 4), (2, 5), (3, 6)]

    async with uows() as uow:
        assert await uow.communities.get(joining) is None
        merged = await uow.communities.get(target)
        assert merged is not None and merged.spaces == [SLACK, DISCORD]
        assert await uow.communities.for_space(DISCORD) == merged
        stories = await uow.stories.export(None)
        assert [(s.community_id, s.number) for s in stories] == [
            (target, n) for n in (1, 3, 4, 5, 6)
        ]
        tagged = await uow.stories.browse(target, "delivery", None, 10)
        assert numbers(tagged.items) == [6, 5, 4]
        found = await uow.stories.search(target, SearchQuery((("parcel",),)), None, 10)
        assert numbers(found.items) == [6, 5, 4]
        moved = await uow.stories.get(target, 5)
        assert moved is not None and moved.appreciations == 1 and moved.origin == DISCORD
        assert not await uow.stories.appreciate(moved, Platform.SLACK, "U9", T0)
        assert (await uow.features.get(target, IsoWeek(2026, 2))).story_number == 6  # type: ignore[union-attr]
        assert (await uow.features.get(target, IsoWeek(2026, 3))).story_number == 1  # type: ignore[union-attr]
        assert not await uow.features.claim_announcement(make_feature(target, 6), CHANNEL)
        original = await uow.stories.by_client_key(target, "k1")
        assert original is not None and original.number == 1
        assert (await uow.stories.get(target, 4)).client_key is None  # type: ignore[union-attr]
        assert (await uow.stories.by_client_key(target, "d2")).number == 5  # type: ignore[union-attr]
        assert await uow.communities.next_story_number(target) == 7


async def test_split_sends_stories_home_with_their_numbers(uows: UowFactory) -> None:
    target = await community(uows, SLACK)
    joining = await community(uows, DISCORD)
    await submit(uows, target, origin=SLACK)
    await submit(uows, joining, author=DISCORD_AUTHOR, origin=DISCORD, tags=["delivery"])
    async with uows() as uow:
        await uow.links.merge(joining, target)
        await uow.commit()
    await submit(uows, target, author=DISCORD_AUTHOR, origin=DISCORD, tags=["delivery"])
    await submit(uows, target, origin=SLACK)
    async with uows() as uow:
        await uow.features.put(make_feature(target, 3, "2026-W05"))
        await uow.commit()

    async with uows() as uow:
        split, moved = await uow.links.split(target, DISCORD, CommunitySettings(timezone="UTC"))
        await uow.commit()
    assert moved == [2, 3] and split.spaces == [DISCORD]

    async with uows() as uow:
        assert (await uow.communities.get(target)).spaces == [SLACK]  # type: ignore[union-attr]
        home = await uow.communities.for_space(DISCORD)
        assert home is not None and home.id == split.id and home.settings.timezone == "UTC"
        assert [s.number for s in await uow.stories.export(target)] == [1, 4]
        assert [s.number for s in await uow.stories.export(split.id)] == [2, 3]
        tagged = await uow.stories.browse(split.id, "delivery", None, 10)
        assert numbers(tagged.items) == [3, 2]
        assert (await uow.features.get(split.id, IsoWeek(2026, 5))).story_number == 3  # type: ignore[union-attr]
        assert await uow.features.get(target, IsoWeek(2026, 5)) is None
        assert await uow.communities.next_story_number(split.id) == 4
        assert await uow.communities.next_story_number(target) == 5


async def test_space_names_move_with_their_spaces_on_link_and_unlink(uows: UowFactory) -> None:
    target = await community(uows, SLACK)
    joining = await community(uows, DISCORD)
    async with uows() as uow:
        await uow.communities.name_space(SLACK, "Acme")
        await uow.communities.name_space(DISCORD, "Helpdesk")
        await uow.links.merge(joining, target)
        await uow.commit()
    async with uows() as uow:
        merged = await uow.communities.get(target)
    assert merged is not None and merged.space_names == {SLACK: "Acme", DISCORD: "Helpdesk"}

    async with uows() as uow:
        split, _ = await uow.links.split(target, DISCORD, CommunitySettings())
        await uow.commit()
    async with uows() as uow:
        left = await uow.communities.get(target)
        home = await uow.communities.for_space(DISCORD)
    assert left is not None and left.space_names == {SLACK: "Acme"}
    assert home is not None and home.id == split.id and home.space_names == {DISCORD: "Helpdesk"}


async def test_a_link_racing_submissions_never_duplicates_a_number(uows: UowFactory) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    core = Core(uows, clock, announcers=[FakeAnnouncer(Platform.SLACK)])
    slack_mod = actor("U-MOD", space=SLACK, moderator=True)
    discord_mod = actor("700", space=DISCORD, moderator=True)

    def story(i: int) -> Submit:
        return Submit(StoryInput(text=f"Racing story {i} about a patient colleague."), f"r{i}")

    for i in range(3):
        assert not (await core.handle(story(i), actor(f"U-{i}", space=SLACK))).error
        assert not (await core.handle(story(100 + i), actor(f"{i}", space=DISCORD))).error
    reply = await core.handle_text("/story link", slack_mod, "x")
    code = reply.plain_text.split(": ", 1)[1].split()[0]

    writers = [
        core.handle(story(200 + i), actor(f"U-{i}" if i % 2 else f"{i}", space=space))
        for i, space in enumerate([SLACK, DISCORD] * 8)
    ]
    results = await asyncio.gather(
        core.handle_text(f"/story link {code}", discord_mod, "y"), *writers
    )
    assert not results[0].error, results[0].plain_text
    # A submission whose community was merged away on its way is stored in the merged one.
    assert [r.plain_text for r in results[1:] if r.error] == []

    async with uows() as uow:
        stories = await uow.stories.export(None)
        merged = await uow.communities.for_space(SLACK)
    assert merged is not None and {s.community_id for s in stories} == {merged.id}
    assert len(stories) == 6 + len(writers)
    assert sorted(s.number for s in stories) == list(range(1, len(stories) + 1))


async def test_an_unlink_racing_submissions_sends_every_story_home(uows: UowFactory) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    core = Core(uows, clock, announcers=[FakeAnnouncer(Platform.SLACK)])
    discord_mod = actor("700", space=DISCORD, moderator=True)
    await core.handle_text("/story help", actor("U-1", space=SLACK), "a")
    await core.handle_text("/story help", discord_mod, "b")
    reply = await core.handle_text("/story link", actor("U-MOD", space=SLACK, moderator=True), "c")
    code = reply.plain_text.split(": ", 1)[1].split()[0]
    assert not (await core.handle_text(f"/story link {code}", discord_mod, "d")).error

    writers = [
        core.handle(
            Submit(StoryInput(text=f"Unlink race story {i}, a helpful colleague."), f"u{i}"),
            actor(f"U-{i}", space=SLACK) if i % 2 else actor(f"{i}", space=DISCORD),
        )
        for i in range(16)
    ]
    results = await asyncio.gather(core.handle_text("/story unlink", discord_mod, "e"), *writers)
    assert [r.plain_text for r in results if r.error] == []

    async with uows() as uow:
        stories = await uow.stories.export(None)
        homes = {
            space: (await uow.communities.for_space(space)).id  # type: ignore[union-attr]
            for space in (SLACK, DISCORD)
        }
    assert len(stories) == 16 and homes[SLACK] != homes[DISCORD]
    assert all(s.community_id == homes[s.origin] for s in stories if s.origin)  # type: ignore[index]
    for home in homes.values():
        mine = [s.number for s in stories if s.community_id == home]
        assert len(mine) == len(set(mine)) == 8


async def test_migration_backfills_where_old_stories_were_told(empty_url: str) -> None:
    config = alembic_config(empty_url)
    await asyncio.to_thread(command.upgrade, config, "0001")
    engine = create_migration_engine(empty_url)
    now = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    community = {
        "language": "en",
        "timezone": "UTC",
        "weekly_weekday": 1,
        "weekly_time": "09:00",
        "free_tags": True,
        "highlight_channels": "[]",
        "moderator_users": "[]",
        "moderator_roles": "[]",
        "created_at": now,
    }
    row = {
        "title": "t",
        "text": "x",
        "credited": "[]",
        "tags": "[]",
        "author_name": "A",
        "anonymous": False,
        "consent": False,
        "status": "published",
        "created_at": now,
        "updated_at": now,
        "search_body": "x",
        "search_strong": "",
    }
    try:
        async with engine.begin() as connection:
            await connection.execute(
                sa.text(
                    "INSERT INTO communities (id, language, timezone, weekly_weekday, "
                    "weekly_time, free_tags, highlight_channels, moderator_users, "
                    "moderator_roles, created_at) VALUES (1, :language, :timezone, "
                    ":weekly_weekday, :weekly_time, :free_tags, :highlight_channels, "
                    ":moderator_users, :moderator_roles, :created_at)"
                ),
                community,
            )
            await connection.execute(
                sa.text(
                    "INSERT INTO spaces (platform, external_id, community_id) VALUES "
                    "('slack', 'T1', 1), ('discord', 'G1', 1)"
                )
            )
            for number, platform in ((1, "slack"), (2, "discord"), (3, "console")):
                await connection.execute(
                    sa.text(
                        "INSERT INTO stories (community_id, number, title, text, credited, "
                        "tags, author_platform, author_id, author_name, anonymous, consent, "
                        "status, created_at, updated_at, search_body, search_strong) VALUES "
                        "(1, :number, :title, :text, :credited, :tags, :platform, 'u', "
                        ":author_name, :anonymous, :consent, :status, :created_at, "
                        ":updated_at, :search_body, :search_strong)"
                    ),
                    row | {"number": number, "platform": platform},
                )
        await upgrade(empty_url)
        async with engine.connect() as connection:
            found = await connection.execute(
                sa.text("SELECT number, origin_space FROM stories ORDER BY number")
            )
            assert found.all() == [(1, "slack:T1"), (2, "discord:G1"), (3, None)]
    finally:
        await engine.dispose()


async def test_the_tag_list_follows_stories_through_link_and_unlink(uows: UowFactory) -> None:
    """The tag list reads kept counts; a merge or split moves stories between communities."""
    target = await community(uows, SLACK)
    joining = await community(uows, DISCORD)
    await submit(uows, target, origin=SLACK, tags=["speed"])
    await submit(uows, joining, author=DISCORD_AUTHOR, origin=DISCORD, tags=["speed", "delivery"])
    await submit(uows, joining, author=DISCORD_AUTHOR, origin=DISCORD, tags=["delivery"])
    async with uows() as uow:
        await uow.links.merge(joining, target)
        await uow.commit()
    async with uows() as uow:
        assert await uow.stories.tag_counts(target) == [("delivery", 2), ("speed", 2)]

    async with uows() as uow:
        split, _ = await uow.links.split(target, DISCORD, CommunitySettings())
        await uow.commit()
    async with uows() as uow:
        assert await uow.stories.tag_counts(target) == [("speed", 1)]
        assert await uow.stories.tag_counts(split.id) == [("delivery", 2), ("speed", 1)]
