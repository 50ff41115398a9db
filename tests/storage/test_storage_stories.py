"""Stories: round trip, update, delete with cascades, isolation, counts, appreciations."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.domain import Author, IsoWeek, Platform, SpaceRef, Status
from bot.errors import Conflict
from bot.ports import RateLog, SearchQuery
from storage import stories as stories_sql
from tests.storage.builders import (
    CHANNEL,
    HIDDEN,
    T0,
    UowFactory,
    make_doc,
    make_feature,
    make_story,
    new_community,
    numbers,
    submit,
)

CEST = dt.timezone(dt.timedelta(hours=2))
SPACE = SpaceRef(Platform.SLACK, "T1")  # new_community's space
MINUTE = dt.timedelta(minutes=1)
LOG = RateLog(since=T0 - MINUTE, limit=100, space=SPACE)


async def test_a_story_round_trips_every_field(uows: UowFactory) -> None:
    community = await new_community(uows)
    story = make_story(
        community,
        1,
        text="Lena stayed late to fix the invoice.",
        title="Lena fixed it",
        author=Author(Platform.DISCORD, "D-7", "Åsa Öberg"),
        created_at=dt.datetime(2026, 1, 5, 11, 0, tzinfo=CEST),  # 09:00 UTC
        updated_at=dt.datetime(2026, 1, 5, 11, 30, tzinfo=CEST),
        customer="ACME",
        credited=["Lena", "Bo"],
        tags=["zeta", "alpha", "mid"],
        anonymous=True,
        consent=True,
        status=Status.HIDDEN,
        source_url="https://example.com/x",
        client_key="ck-1",
    )
    async with uows() as uow:
        added = await uow.stories.add(story, make_doc("lena invoic"))
        await uow.commit()
    assert added.id is not None and story.id is None

    async with uows() as uow:
        got = await uow.stories.get(community, 1)
    assert got == dataclasses.replace(story, id=added.id)
    assert got is not None and got.created_at.tzinfo == dt.UTC
    assert got.created_at == dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
    assert got.tags == ["zeta", "alpha", "mid"]  # display order, not sorted


async def test_add_next_numbers_stores_and_indexes_like_add(uows: UowFactory) -> None:
    """add_next is next_story_number then add, however a database does it (PostgreSQL: one
    statement): same row, tags found by browse and search, tag counts of published stories."""
    community = await new_community(uows)
    await submit(uows, community, tags=["speed"])  # number 1
    async with uows() as uow:
        shown = await uow.stories.add_next(
            make_story(community, 0, tags=["speed", "care", "speed"], client_key="k2"),
            make_doc("courier", "gift"),
            LOG,
        )
        hidden = await uow.stories.add_next(
            make_story(community, 0, tags=["care"], status=Status.HIDDEN),
            make_doc("hidden"),
            LOG,
        )
        await uow.commit()
    assert shown is not None and hidden is not None
    assert (shown.number, hidden.number) == (2, 3)
    assert shown.id is not None and hidden.id not in (None, shown.id)
    async with uows(read_only=True) as uow:
        assert await uow.stories.get(community, 2) == shown
        assert shown.tags == ["speed", "care", "speed"]  # as given, in the story's own column
        assert await uow.stories.tag_counts(community) == [("speed", 2), ("care", 1)]
        by_tag = await uow.stories.browse(community, "care", None, 5)
        assert numbers(by_tag.items) == [2]  # the hidden one is tagged, but not browsable
        found = await uow.stories.search(community, SearchQuery((("gift",),)), None, 5)
        assert numbers(found.items) == [2]
        # Both logged for the rate limit, by their author at their created_at.
        logged = await uow.communities.submissions_since(community, Platform.SLACK, "U1", T0)
    assert logged == 2


def test_add_next_on_postgresql_writes_every_column_add_writes() -> None:
    """Its statement names the columns (storage.stories._ADD_COLUMNS); a column added to the
    row `add` writes and not there would be dropped on PostgreSQL alone."""
    story = make_story(1, 1, customer="ACME", client_key="k", origin=SpaceRef(Platform.SLACK, "T"))
    assert set(stories_sql._new_row(story, make_doc("w"))) == set(stories_sql._ADD_COLUMNS)


async def test_add_next_refuses_a_taken_client_key_and_an_unknown_community(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    await submit(uows, community, client_key="same")
    async with uows() as uow:
        with pytest.raises(Conflict):
            await uow.stories.add_next(
                make_story(community, 0, client_key="same"), make_doc("w"), LOG
            )
    # Also when the rate log would refuse it: a retry of the story that reached the limit.
    async with uows() as uow:
        with pytest.raises(Conflict):
            closed = RateLog(since=T0 - MINUTE, limit=0, space=SPACE)
            await uow.stories.add_next(
                make_story(community, 0, client_key="same"), make_doc("w"), closed
            )
    # Left without commit: the number went back, and nothing of the refused story stayed.
    async with uows() as uow:
        again = await uow.stories.add_next(make_story(community, 0, tags=["t"]), make_doc("w"), LOG)
        with pytest.raises(LookupError):
            await uow.stories.add_next(make_story(community + 1000, 0), make_doc("w"), LOG)
    assert again is not None and again.number == 2
    async with uows(read_only=True) as uow:
        assert await uow.stories.get(community, 2) is None  # not committed
        assert await uow.stories.tag_counts(community) == []
        assert await uow.communities.submissions_since(community, Platform.SLACK, "U1", T0) == 0


async def test_add_next_answers_none_when_the_rate_log_refuses(uows: UowFactory) -> None:
    """Over the limit, or made in a space that is not the community's: None, and the caller
    rolls back (as the core does)."""
    community = await new_community(uows)
    for limit, space, expected in (
        (2, SPACE, [True, True, False]),
        (5, SpaceRef(Platform.SLACK, "T-ELSEWHERE"), [False]),
    ):
        stored = []
        for _ in expected:
            async with uows() as uow:
                story = await uow.stories.add_next(
                    make_story(community, 0), make_doc("w"), RateLog(T0 - MINUTE, limit, space)
                )
                if story is not None:
                    await uow.commit()
            stored.append(story is not None)
        assert stored == expected
    async with uows(read_only=True) as uow:
        assert await uow.stories.get(community, 3) is None  # the refused ones left nothing
        assert await uow.communities.submissions_since(community, Platform.SLACK, "U1", T0) == 2
        assert await uow.stories.tag_counts(community) == []
    async with uows() as uow:  # numbers go on without a gap
        story = await uow.stories.add_next(make_story(community, 0), make_doc("w"), LOG)
    assert story is not None and story.number == 3


@pytest.mark.sql_only  # the in-memory fake has no locks to wait for
async def test_add_next_reads_the_rate_log_its_lock_s_last_holder_committed(
    uows: UowFactory,
) -> None:
    """The same author's second submission waits for the counter while the first holds it;
    once the first commits, the second sees its log entry and is refused (a limit of one).
    On PostgreSQL the statement's own snapshot predates that commit: the log must not use it."""
    community = await new_community(uows)
    once = RateLog(since=T0 - MINUTE, limit=1, space=SPACE)

    async def second() -> bool:
        async with uows(single_write=True) as uow:  # PostgreSQL: its own transaction
            stored = await uow.stories.add_next(make_story(community, 0), make_doc("w"), once)
            if stored is not None:
                await uow.commit()
        return stored is not None

    async with uows() as uow:
        assert await uow.stories.add_next(make_story(community, 0), make_doc("w"), once)
        waiting = asyncio.create_task(second())
        await asyncio.sleep(0.3)  # the second now waits for the counter
        assert not waiting.done()
        await uow.commit()
    assert not await waiting
    async with uows(read_only=True) as uow:
        assert await uow.communities.submissions_since(community, Platform.SLACK, "U1", T0) == 1
        assert [s.number for s in await uow.stories.export(None)] == [1]


async def test_a_single_write_add_next_on_postgresql_writes_all_or_nothing_on_its_own(
    engine: AsyncEngine, uows: UowFactory
) -> None:
    """PostgreSQL runs a single-write unit of work without a transaction block: add_next is a
    transaction of its own. Stored, it is visible before any commit; refused by the rate log
    or by a taken client key, it leaves nothing (no number used, no log entry, no story)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's single-write units of work share a transaction (test_group_commit)")
    community = await new_community(uows)
    once = RateLog(since=T0 - MINUTE, limit=1, space=SPACE)
    async with uows(single_write=True) as uow:
        first = await uow.stories.add_next(
            make_story(community, 0, client_key="a"), make_doc("w"), once
        )
        async with uows(read_only=True) as other:
            assert await other.stories.get(community, 1) == first  # no commit needed
        assert await uow.stories.add_next(make_story(community, 0), make_doc("w"), once) is None
        with pytest.raises(Conflict):
            await uow.stories.add_next(make_story(community, 0, client_key="a"), make_doc("w"), LOG)
    async with uows(single_write=True) as uow:
        story = make_story(community, 0, author=Author(Platform.SLACK, "U2", "Bo"), tags=["t"])
        second = await uow.stories.add_next(story, make_doc("w"), once)
    assert first is not None and second is not None and second.number == 2  # no gap
    async with uows(read_only=True) as uow:
        assert await uow.communities.submissions_since(community, Platform.SLACK, "U1", T0) == 1
        assert await uow.stories.tag_counts(community) == [("t", 1)]
        assert [s.number for s in await uow.stories.export(None)] == [1, 2]


async def test_add_next_on_postgresql_leaves_other_writers_foreign_keys_alone(
    engine: AsyncEngine, uows: UowFactory
) -> None:
    """While a submission holds its community's counter, another transaction may still insert
    rows that point at the community (their foreign-key check takes a KEY SHARE lock). With
    FOR UPDATE it would wait, and an edit holding a tag count while adding a new tag would
    deadlock with a submission waiting for that tag count."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: the second transaction waits anyway")
    community = await new_community(uows)
    async with uows() as holding:
        assert await holding.stories.add_next(make_story(community, 0), make_doc("w"), LOG)
        async with uows() as other:
            async with asyncio.timeout(2):
                await other.stories.add(make_story(community, 99), make_doc("w"))
            await other.commit()
        await holding.commit()
    async with uows(read_only=True) as uow:
        assert [s.number for s in await uow.stories.export(None)] == [1, 99]


async def test_update_rewrites_fields_tags_and_search_but_not_the_count(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    story = await submit(uows, community, make_doc("old words", "old"), tags=["before"])
    async with uows() as uow:
        await uow.stories.appreciate(story, Platform.SLACK, "U-9", T0)
        await uow.commit()

    changed = dataclasses.replace(
        story,
        text="New text for the story.",
        title="New",
        tags=["after", "also"],
        customer="Shop",
        status=Status.HIDDEN,
        appreciations=0,
        updated_at=T0 + dt.timedelta(hours=1),
    )
    async with uows() as uow:
        await uow.stories.update(changed, make_doc("new words", "new"))
        await uow.stories.update(make_story(community, 99), make_doc("x"))  # no such story
        await uow.commit()

    async with uows() as uow:
        got = await uow.stories.get(community, story.number)
        assert got == dataclasses.replace(changed, appreciations=1)
        assert await uow.stories.get(community, 99) is None
        await uow.stories.update(
            dataclasses.replace(changed, status=Status.PUBLISHED), make_doc("new words", "new")
        )
        assert numbers((await uow.stories.browse(community, "after", None, 5)).items) == [1]
        assert (await uow.stories.browse(community, "before", None, 5)).items == []
        found = await uow.stories.search(community, SearchQuery((("new",),)), None, 5)
        # Rank is the search tier: 2, every word in the title or tags (bot.search_text.tier).
        assert [(r.story.number, r.rank) for r in found.items] == [(1, 2)]
        assert (await uow.stories.search(community, SearchQuery((("old",),)), None, 5)).items == []


async def test_delete_removes_the_story_and_everything_hanging_off_it(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    story = await submit(uows, community, make_doc("gone"), tags=["t"])
    keep = await submit(uows, community, make_doc("kept"), tags=["t"])
    feature = make_feature(community, story.number)
    async with uows() as uow:
        await uow.stories.appreciate(story, Platform.SLACK, "U-2", T0)
        await uow.features.put(feature)
        assert await uow.features.claim_announcement(feature, CHANNEL)
        await uow.commit()

    async with uows() as uow:
        assert await uow.stories.delete(community, story.number) is True
        assert await uow.stories.delete(community, story.number) is False
        await uow.commit()

    async with uows() as uow:
        assert await uow.stories.get(community, story.number) is None
        assert await uow.stories.tag_counts(community) == [("t", 1)]
        assert (await uow.stories.search(community, SearchQuery((("gone",),)), None, 5)).items == []
        assert await uow.features.get(community, IsoWeek(2026, 2)) is None
        assert await uow.features.weeks_by_story(community) == {}
        # The appreciation went too: the same user may appreciate the kept story afresh.
        assert await uow.stories.appreciate(keep, Platform.SLACK, "U-2", T0) is True


async def test_one_community_cannot_reach_anothers_stories(uows: UowFactory) -> None:
    a, b = await new_community(uows, "TA"), await new_community(uows, "TB")
    await submit(uows, a, make_doc("secret"), tags=["private"])

    async with uows() as uow:
        assert await uow.stories.get(b, 1) is None
        assert (await uow.stories.browse(b, None, None, 5)).items == []
        assert (await uow.stories.browse(b, "private", None, 5)).items == []
        assert (await uow.stories.search(b, SearchQuery((("secret",),)), None, 5)).items == []
        assert await uow.stories.tag_counts(b) == []
        assert await uow.stories.export(b) == []
        assert await uow.stories.delete(b, 1) is False
        await uow.commit()

    # B's numbering starts at 1 of its own.
    assert (await submit(uows, b)).number == 1
    async with uows() as uow:
        assert (await uow.stories.get(a, 1)) is not None
        assert [s.community_id for s in await uow.stories.export(None)] == [a, b]


async def test_count_by_author_since_counts_from_since_inclusive(uows: UowFactory) -> None:
    community = await new_community(uows)
    for minutes in (0, 1, 2):
        await submit(uows, community, created_at=T0 + dt.timedelta(minutes=minutes))
    await submit(uows, community, created_at=T0 + dt.timedelta(minutes=2), status=HIDDEN)
    await submit(uows, community, author=Author(Platform.SLACK, "U-other", "O"))
    await submit(uows, community, author=Author(Platform.DISCORD, "U1", "Same id, other app"))

    async with uows() as uow:
        count = uow.stories.count_by_author_since
        assert await count(community, Platform.SLACK, "U1", T0) == 4
        assert await count(community, Platform.SLACK, "U1", T0 + dt.timedelta(minutes=1)) == 3
        # The same instant written in another zone.
        later = (T0 + dt.timedelta(minutes=2)).astimezone(CEST)
        assert await count(community, Platform.SLACK, "U1", later) == 2
        assert await count(community, Platform.SLACK, "U1", T0 + dt.timedelta(hours=1)) == 0


async def test_export_includes_hidden_stories_in_number_order(uows: UowFactory) -> None:
    a, b = await new_community(uows, "TA"), await new_community(uows, "TB")
    await submit(uows, b)
    await submit(uows, a)
    await submit(uows, a, status=HIDDEN)
    async with uows() as uow:
        assert [(s.community_id, s.number) for s in await uow.stories.export(None)] == [
            (a, 1),
            (a, 2),
            (b, 1),
        ]
        assert [s.status for s in await uow.stories.export(a)] == [Status.PUBLISHED, HIDDEN]


async def test_appreciating_twice_counts_once_and_keeps_the_transaction(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    story = await submit(uows, community)

    async with uows() as uow:
        assert await uow.stories.appreciate(story, Platform.SLACK, "U-2", T0) is True
        assert await uow.stories.appreciate(story, Platform.SLACK, "U-2", T0) is False
        assert await uow.stories.appreciate(story, Platform.DISCORD, "U-2", T0) is True
        # A duplicate did not abort the transaction (it would, on PostgreSQL, as an error).
        stored = await uow.stories.get(community, story.number)
        assert stored is not None and stored.appreciations == 2
        await uow.commit()
    assert story.appreciations == 0  # the argument is left untouched

    async with uows() as uow:
        assert await uow.stories.appreciate(story, Platform.SLACK, "U-2", T0) is False
        stored = await uow.stories.get(community, story.number)
        assert stored is not None and stored.appreciations == 2


async def test_appreciating_a_missing_story_is_a_lookup_error(uows: UowFactory) -> None:
    community = await new_community(uows)
    async with uows() as uow:
        with pytest.raises(LookupError):
            await uow.stories.appreciate(make_story(community, 5), Platform.SLACK, "U", T0)


async def test_most_appreciated_orders_by_count_then_age_within_the_window(
    uows: UowFactory,
) -> None:
    community = await new_community(uows)
    since, until = T0, T0 + dt.timedelta(days=7)
    at = [
        since - dt.timedelta(seconds=1),
        since,
        since + dt.timedelta(days=1),
        since + dt.timedelta(days=2),
        since + dt.timedelta(days=1),
        until,
    ]
    stories = [await submit(uows, community, created_at=t) for t in at]
    hidden = await submit(uows, community, created_at=since, status=HIDDEN)
    likes = {1: 5, 2: 1, 3: 2, 4: 2, 5: 1, 6: 9, hidden.number: 9}
    async with uows() as uow:
        for story in [*stories, hidden]:
            for i in range(likes[story.number]):
                await uow.stories.appreciate(story, Platform.SLACK, f"U{i}", T0)
        await uow.commit()

    async with uows() as uow:
        top = await uow.stories.most_appreciated(community, since, until, 10)
        assert numbers(top) == [3, 4, 2, 5]  # 2 likes: older first; 1 like: older first
        assert [s.appreciations for s in top] == [2, 2, 1, 1]
        assert numbers(await uow.stories.most_appreciated(community, since, until, 1)) == [3]
        # The window is [since, until) in any zone.
        window = await uow.stories.most_appreciated(
            community, since.astimezone(CEST), until.astimezone(CEST), 10
        )
        assert numbers(window) == [3, 4, 2, 5]


async def test_tag_counts_most_used_first_then_by_tag(uows: UowFactory) -> None:
    community = await new_community(uows)
    await submit(uows, community, tags=["b", "a", "ö"])
    await submit(uows, community, tags=["b", "c"])
    await submit(uows, community, tags=["a", "Z"])
    await submit(uows, community, tags=["b", "c", "c"])  # a duplicate counts once
    await submit(uows, community, tags=["hidden-only", "a"], status=HIDDEN)
    await submit(uows, community)
    async with uows() as uow:
        assert await uow.stories.tag_counts(community) == [
            ("b", 3),
            ("a", 2),
            ("c", 2),
            ("Z", 1),
            ("ö", 1),
        ]


async def test_tag_counts_follow_edits_hiding_and_deletes(uows: UowFactory) -> None:
    """The counts are kept by each write (tag_counts table), not recomputed on reading."""
    community = await new_community(uows)
    first = await submit(uows, community, tags=["a", "b"])
    await submit(uows, community, tags=["b"])
    await submit(uows, community, tags=["c"])

    async def counts() -> list[tuple[str, int]]:
        async with uows() as uow:
            return await uow.stories.tag_counts(community)

    assert await counts() == [("b", 2), ("a", 1), ("c", 1)]
    async with uows() as uow:  # retag: a, b -> c, d
        await uow.stories.update(dataclasses.replace(first, tags=["c", "d"]), make_doc())
        await uow.commit()
    assert await counts() == [("c", 2), ("b", 1), ("d", 1)]
    async with uows() as uow:  # hide: its tags stop counting; unhide: they count again
        await uow.stories.update(
            dataclasses.replace(first, tags=["c", "d"], status=Status.HIDDEN), make_doc()
        )
        await uow.commit()
    assert await counts() == [("b", 1), ("c", 1)]
    async with uows() as uow:
        await uow.stories.update(dataclasses.replace(first, tags=["d"]), make_doc())
        await uow.commit()
    assert await counts() == [("b", 1), ("c", 1), ("d", 1)]
    async with uows() as uow:
        assert await uow.stories.delete(community, first.number)
        await uow.commit()
    assert await counts() == [("b", 1), ("c", 1)]
    async with uows() as uow:  # a rolled-back write changes no count
        await uow.stories.delete(community, 2)
    assert await counts() == [("b", 1), ("c", 1)]
