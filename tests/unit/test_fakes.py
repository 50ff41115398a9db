"""The fakes honour the port contracts the core relies on."""

from __future__ import annotations

import datetime as dt
from typing import TypeVar

import pytest

from bot.domain import (
    Author,
    ChannelRef,
    CommunitySettings,
    Feature,
    IsoWeek,
    Platform,
    SpaceRef,
    Status,
    Story,
)
from bot.errors import Conflict, StorageUnavailable
from bot.ports import (
    AnnounceFailed,
    Keyset,
    SearchDoc,
    SearchQuery,
    Slice,
    UnitOfWork,
)
from bot.replies import text
from tests.fakes.memory import FakeAnnouncer, FakeClock, FakeDatabase

SPACE = SpaceRef(Platform.SLACK, "T1")
CHANNEL = ChannelRef(SPACE, "C1")
T0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
EMPTY = SearchDoc("", "")
T = TypeVar("T")


def make_story(
    number: int,
    *,
    community_id: int = 1,
    tags: list[str] | None = None,
    status: Status = Status.PUBLISHED,
    created_at: dt.datetime = T0,
    client_key: str | None = None,
    author: str = "U1",
) -> Story:
    return Story(
        community_id=community_id,
        number=number,
        text=f"Story number {number}, told at length.",
        title=f"Story {number}",
        author=Author(Platform.SLACK, author, author.lower()),
        created_at=created_at,
        updated_at=created_at,
        tags=tags or [],
        status=status,
        client_key=client_key,
    )


def some(value: T | None) -> T:
    assert value is not None
    return value


def numbers(page: Slice) -> list[int]:
    return [r.story.number for r in page.items]


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


async def seed(db: FakeDatabase, *stories: tuple[Story, SearchDoc]) -> int:
    """Create the community and add the stories in one committed unit of work."""
    async with db.factory()() as uow:
        community = await uow.communities.create(SPACE, CommunitySettings())
        for story, doc in stories:
            await uow.communities.next_story_number(community.id)
            await uow.stories.add(story, doc)
        await uow.commit()
    return community.id


async def test_commit_applies_and_exit_without_commit_discards(db: FakeDatabase) -> None:
    cid = await seed(db)
    make = db.factory()

    async with make() as uow:
        assert await uow.communities.next_story_number(cid) == 1
        await uow.stories.add(make_story(1), EMPTY)
    assert db.story(cid, 1) is None
    assert uow.committed == 0

    async with make() as uow:
        assert await uow.communities.next_story_number(cid) == 1  # the reservation rolled back
        added = await uow.stories.add(make_story(1), EMPTY)
        await uow.commit()
    assert added.id is not None
    assert uow.committed == 1
    assert db.committed == 2  # seed + this one
    assert db.story(cid, 1) == added

    async with make() as uow:
        assert await uow.communities.next_story_number(cid) == 2
        assert await uow.stories.get(cid, 1) == added


async def test_returned_objects_are_copies_until_update(db: FakeDatabase) -> None:
    cid = await seed(db, (make_story(1), EMPTY))
    async with db.factory()() as uow:
        story = await uow.stories.get(cid, 1)
        assert story is not None
        story.title = "Changed"
        assert some(await uow.stories.get(cid, 1)).title == "Story 1"
        await uow.stories.update(story, SearchDoc("chang", "chang"))
        await uow.commit()
    assert some(db.story(cid, 1)).title == "Changed"
    assert db.doc(cid, 1) == SearchDoc("chang", "chang")


async def test_client_key_is_unique_per_community(db: FakeDatabase) -> None:
    cid = await seed(db, (make_story(1, client_key="k"), EMPTY))
    async with db.factory()() as uow:
        with pytest.raises(Conflict):
            await uow.stories.add(make_story(2, client_key="k"), EMPTY)
        assert some(await uow.stories.by_client_key(cid, "k")).number == 1


async def test_interleaved_commits_touching_the_same_row_conflict(db: FakeDatabase) -> None:
    cid = await seed(db)
    make = db.factory()
    async with make() as first, make() as second:
        assert await first.communities.next_story_number(cid) == 1
        assert await second.communities.next_story_number(cid) == 1
        await first.commit()
        with pytest.raises(Conflict):
            await second.commit()
    async with make() as uow:
        assert await uow.communities.next_story_number(cid) == 2


async def test_browse_pages_both_directions(db: FakeDatabase) -> None:
    stories = [(make_story(n, tags=["kind"] if n % 2 else []), EMPTY) for n in range(1, 8)]
    stories.append((make_story(8, status=Status.HIDDEN), EMPTY))
    cid = await seed(db, *stories)
    async with db.factory()() as uow:
        first = await uow.stories.browse(cid, None, None, 3)
        assert (numbers(first), first.more) == ([7, 6, 5], True)
        assert all(r.rank == 0 for r in first.items)
        page = await uow.stories.browse(cid, None, Keyset("older", 0, 5), 3)
        assert (numbers(page), page.more) == ([4, 3, 2], True)
        page = await uow.stories.browse(cid, None, Keyset("older", 0, 2), 3)
        assert (numbers(page), page.more) == ([1], False)
        page = await uow.stories.browse(cid, None, Keyset("newer", 0, 1), 3)
        assert (numbers(page), page.more) == ([4, 3, 2], True)
        page = await uow.stories.browse(cid, None, Keyset("newer", 0, 4), 3)
        assert (numbers(page), page.more) == ([7, 6, 5], False)
        tagged = await uow.stories.browse(cid, "kind", Keyset("older", 0, 7), 2)
        assert (numbers(tagged), tagged.more) == ([5, 3], True)
        assert await uow.stories.tag_counts(cid) == [("kind", 4)]


async def test_search_is_and_of_or_in_tiers(db: FakeDatabase) -> None:
    """Tier 2: every group in the title or tags; tier 1: every group in the story."""
    cid = await seed(
        db,
        (make_story(1), SearchDoc("refund fast servic", "refund")),  # tier 1
        (make_story(2), SearchDoc("refund slow", "refund")),  # no fast/quick
        (make_story(3), SearchDoc("quick servic", "quick servic")),  # no refund/repay
        (make_story(4), SearchDoc("refund quick", "refund quick")),  # tier 2
        (make_story(5), SearchDoc("repay fast", "")),  # tier 1
        (make_story(6), SearchDoc("refund quick", "refund")),  # tier 1
        (make_story(7, status=Status.HIDDEN), SearchDoc("refund quick", "refund quick")),
    )
    query = SearchQuery(groups=(("refund", "repay"), ("fast", "quick")))
    async with db.factory()() as uow:
        first = await uow.stories.search(cid, query, None, 2)
        assert [(r.rank, r.story.number) for r in first.items] == [(2, 4), (1, 6)]
        assert first.more
        page = await uow.stories.search(cid, query, Keyset("older", 1, 6), 2)
        assert [(r.rank, r.story.number) for r in page.items] == [(1, 5), (1, 1)]
        assert not page.more
        page = await uow.stories.search(cid, query, Keyset("newer", 1, 5), 2)
        assert [(r.rank, r.story.number) for r in page.items] == [(2, 4), (1, 6)]
        assert not page.more
        page = await uow.stories.search(cid, query, Keyset("newer", 1, 1), 2)
        assert (numbers(page), page.more) == ([6, 5], True)


async def test_appreciate_once_per_user_and_most_appreciated_order(db: FakeDatabase) -> None:
    cid = await seed(
        db,
        (make_story(1, created_at=T0), EMPTY),
        (make_story(2, created_at=T0 + dt.timedelta(hours=1)), EMPTY),
        (make_story(3, created_at=T0 + dt.timedelta(hours=2)), EMPTY),
        (make_story(4, created_at=T0 + dt.timedelta(days=7)), EMPTY),  # outside the window
    )
    async with db.factory()() as uow:
        s1, s2, s3 = [await uow.stories.get(cid, n) for n in (1, 2, 3)]
        assert s1 and s2 and s3
        assert await uow.stories.appreciate(s3, Platform.SLACK, "U2", T0)
        assert not await uow.stories.appreciate(s3, Platform.SLACK, "U2", T0)
        assert await uow.stories.appreciate(s3, Platform.DISCORD, "U2", T0)
        assert await uow.stories.appreciate(s2, Platform.SLACK, "U2", T0)
        assert await uow.stories.appreciate(s1, Platform.SLACK, "U3", T0)
        assert s3.appreciations == 0  # the argument is not mutated
        await uow.commit()
    assert some(db.story(cid, 3)).appreciations == 2
    async with db.factory()() as uow:
        top = await uow.stories.most_appreciated(cid, T0, T0 + dt.timedelta(days=7), 10)
        assert [s.number for s in top] == [3, 1, 2]
        assert (
            await uow.stories.count_by_author_since(
                cid, Platform.SLACK, "U1", T0 + dt.timedelta(hours=1)
            )
            == 3
        )
        s3.title = "Edited"
        await uow.stories.update(s3, EMPTY)  # a stale copy does not reset the count
        await uow.commit()
    assert some(db.story(cid, 3)).appreciations == 2
    assert some(db.story(cid, 3)).title == "Edited"


async def test_features_and_announcement_claims(db: FakeDatabase) -> None:
    cid = await seed(db, (make_story(1), EMPTY), (make_story(2), EMPTY))
    w1, w2 = IsoWeek(2026, 1), IsoWeek(2026, 2)
    pick = Feature(cid, w1, 1, None, None, T0)
    async with db.factory()() as uow:
        assert await uow.features.add_if_absent(pick)
        assert not await uow.features.add_if_absent(Feature(cid, w1, 2, None, None, T0))
        replaced = await uow.features.put(Feature(cid, w1, 2, "U9", "great", T0))
        assert replaced == pick
        await uow.features.put(Feature(cid, w2, 2, None, None, T0))
        assert [str(f.week) for f in await uow.features.history(cid, 5)] == ["2026-W02", "2026-W01"]
        assert await uow.features.weeks_by_story(None) == {(cid, 2): ["2026-W01", "2026-W02"]}
        assert await uow.features.claim_announcement(pick, CHANNEL)
        assert not await uow.features.claim_announcement(pick, CHANNEL)
        await uow.features.release_announcement(pick, CHANNEL)
        assert await uow.features.claim_announcement(pick, CHANNEL)
        await uow.commit()
    assert db.claimed(pick, CHANNEL)
    async with db.factory()() as uow:
        assert not await uow.features.claim_announcement(pick, CHANNEL)


async def test_storage_failures(db: FakeDatabase) -> None:
    cid = await seed(db)
    uow: UnitOfWork = db.factory()()
    db.fail_next(1)
    async with uow:
        with pytest.raises(StorageUnavailable):
            await uow.communities.get(cid)
        assert await uow.communities.get(cid) is not None
        db.unavailable = True
        with pytest.raises(StorageUnavailable):
            await uow.stories.get(cid, 1)
        with pytest.raises(StorageUnavailable):
            await uow.commit()


async def test_clock_and_announcer() -> None:
    clock = FakeClock(T0)
    assert clock() == T0
    assert clock.advance(days=1, minutes=30) == T0 + dt.timedelta(days=1, minutes=30)
    assert clock().tzinfo is dt.UTC
    with pytest.raises(ValueError):
        clock.now = dt.datetime(2026, 1, 1)

    announcer = FakeAnnouncer(Platform.SLACK)
    announcer.fail_with("channel_not_found")
    with pytest.raises(AnnounceFailed) as failed:
        await announcer.announce(CHANNEL, text("hello"))
    assert failed.value.reason == "channel_not_found"
    await announcer.announce(CHANNEL, text("hello"))
    assert announcer.posted == [(CHANNEL, text("hello"))]
