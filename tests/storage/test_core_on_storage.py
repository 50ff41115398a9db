"""The core on the real storage, on SQLite and PostgreSQL: the promises that only a database
can keep — concurrency, idempotency, exactly-once weekly features."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.commands import StoryInput, Submit
from bot.core import Core
from bot.domain import CommunitySettings, Platform, SpaceRef
from bot.replies import Pager, StoryCard
from tests.conftest import actor
from tests.fakes.memory import FakeAnnouncer, FakeClock

MOD = actor("U-MOD", moderator=True, channel="C-HIGHLIGHT")


def make_core(
    uows, clock: FakeClock | None = None, announcer: FakeAnnouncer | None = None
) -> tuple[Core, FakeAnnouncer]:
    announcer = announcer or FakeAnnouncer(Platform.SLACK)
    clock = clock or FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
    return Core(uows, clock, announcers=[announcer]), announcer


def submit(text: str, key: str) -> Submit:
    return Submit(StoryInput(text=text), client_key=key)


async def test_fifty_concurrent_submissions_get_numbers_one_to_fifty(uows) -> None:
    core, _ = make_core(uows)
    await core.handle_text("/story help", actor(), "x")  # create the community first
    replies = await asyncio.gather(
        *(
            core.handle(
                submit(f"Concurrent story {i} about a helpful colleague.", f"k{i}"), actor(f"U-{i}")
            )
            for i in range(50)
        )
    )
    assert [r.plain_text for r in replies if r.error] == []
    async with uows() as uow:
        stories = await uow.stories.export(None)
    assert sorted(s.number for s in stories) == list(range(1, 51))


async def test_the_same_submission_arriving_five_times_at_once_is_stored_once(uows) -> None:
    core, _ = make_core(uows)
    await core.handle_text("/story help", actor(), "x")
    command = submit("One story, retried by an impatient platform.", "interaction-1")
    replies = await asyncio.gather(*(core.handle(command, actor()) for _ in range(5)))
    assert len({r.plain_text for r in replies}) == 1 and not replies[0].error
    async with uows() as uow:
        assert len(await uow.stories.export(None)) == 1


async def test_rate_limit_holds_under_a_burst(uows) -> None:
    core, _ = make_core(uows)
    await core.handle_text("/story help", actor(), "x")
    replies = await asyncio.gather(
        *(
            core.handle(submit(f"Burst story number {i} from one person.", f"b{i}"), actor())
            for i in range(14)
        )
    )
    assert sum(not r.error for r in replies) == 10
    assert all("Wait a moment" in r.plain_text for r in replies if r.error)


async def test_a_retry_of_the_submission_that_reached_the_limit_gets_its_first_answer(
    uows,
) -> None:
    """The tenth story in a minute, retried (same client key, alone or racing the first), is
    the same story: answered as it was, not with the rate limit, on every database (on
    PostgreSQL the rate log runs before the insert that would find the key taken)."""
    core, _ = make_core(uows)
    for i in range(9):
        assert not (
            await core.handle(submit(f"Quick story {i} about great service.", f"q{i}"), actor())
        ).error
    tenth = submit("The courier called ahead and brought a small gift.", "interaction-10")
    first = await core.handle(tenth, actor())
    racing = await asyncio.gather(*(core.handle(tenth, actor()) for _ in range(3)))
    assert [r.plain_text for r in racing] == [first.plain_text] * 3
    assert not first.error and "Story #10 is saved" in first.plain_text
    async with uows(read_only=True) as uow:
        assert [s.number for s in await uow.stories.export(None)] == list(range(1, 11))


async def test_weekly_job_started_three_times_at_once_features_and_announces_once(uows) -> None:
    clock = FakeClock(dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC))
    core, announcer = make_core(uows, clock)
    await core.handle_text("/story config channel", MOD, "x")
    await core.handle(
        submit("Last week's story about a very patient support agent.", "w1"), actor()
    )
    await core.handle_text("/story appreciate 1", actor("U-BO"), "x")
    clock.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    # Three bot processes would each have their own core; the database is what they share.
    cores = [core, *(make_core(uows, clock, announcer)[0] for _ in range(2))]
    results = await asyncio.gather(*(c.run_weekly() for c in cores))
    outcomes = [o for result in results for o in result]
    assert {o.story_number for o in outcomes} == {1}
    assert sum(o.picked for o in outcomes) == 1
    assert sum(o.announced for o in outcomes) == 1 and len(announcer.posted) == 1


async def test_a_whole_conversation(uows) -> None:
    core, announcer = make_core(uows)
    await core.handle_text("/story config channel", MOD, "x")
    texts = [
        "Kunden fick veta om förseningen innan hon hann fråga. #proactive-information",
        "The nurse explained every step before she started. #in-person",
        "Support answered on the first ring, even on a Sunday. #Tillgänglighet #phone",
    ] + [f"Filler story {i} about ordinary kindness at the till." for i in range(6)]
    for i, text in enumerate(texts):
        reply = await core.handle_text(f"/story submit {text}", actor(f"U-{i}"), f"c{i}")
        assert not reply.error, reply.plain_text

    page = await core.handle_text("/story browse", actor(), "x")
    assert [b.number for b in page.blocks if isinstance(b, StoryCard)] == [9, 8, 7, 6, 5]
    pager = next(b for b in page.blocks if isinstance(b, Pager))
    assert pager.next is not None
    page2 = await core.handle_action(pager.next.action, actor())
    assert [b.number for b in page2.blocks if isinstance(b, StoryCard)] == [4, 3, 2, 1]

    tagged = await core.handle_text("/story browse tillgänglighet", actor(), "x")
    assert [b.number for b in tagged.blocks if isinstance(b, StoryCard)] == [3]
    found = await core.handle_text("/story search försening", actor(), "x")
    assert [b.number for b in found.blocks if isinstance(b, StoryCard)] == [1]

    await core.handle_text("/story appreciate 2", actor("U-A"), "x")
    assert (
        "already" in (await core.handle_text("/story appreciate 2", actor("U-A"), "x")).plain_text
    )
    await core.handle_text("/story feature 2 Beautiful", MOD, "x")
    assert len(announcer.posted) == 1
    await core.handle_text("/story hide 3", MOD, "x")
    tags = await core.handle_text("/story tags", actor(), "x")
    assert "Accessibility" not in tags.plain_text  # only on the hidden story
    await core.handle_text("/story delete 2", actor("U-1"), "x")
    featured = await core.handle_text("/story featured", actor(), "x")
    assert "No story has been featured" in featured.plain_text  # the feature went with it


@pytest.mark.sql_only  # the in-memory fake has no locks to wait for
async def test_a_submission_waiting_behind_an_unlink_is_stored_in_the_space_s_new_home(
    uows,
) -> None:
    """The core finds the linked community, then waits for its counter while an unlink holds
    it; once the unlink commits, the story goes where the space now belongs, not where the
    core first found it (the check after the wait reads the committed unlink)."""
    core, _ = make_core(uows)
    guild = SpaceRef(Platform.DISCORD, "G-RACE")
    member = actor("D-1", space=guild)
    await core.handle_text("/story help", actor(), "x")
    await core.handle_text("/story help", member, "y")
    async with uows() as uow:
        slack_side = await uow.communities.for_space(actor().space)
        discord_side = await uow.communities.for_space(guild)
        assert slack_side is not None and discord_side is not None
        await uow.links.merge(discord_side.id, slack_side.id)
        await uow.commit()
    async with uows() as uow:
        await uow.links.split(slack_side.id, guild, CommunitySettings())
        submitting = asyncio.create_task(
            core.handle(submit("A courier who waited in the rain for us.", "race-1"), member)
        )
        await asyncio.sleep(0.3)  # the submission is now waiting for the counter
        assert not submitting.done()
        await uow.commit()
    reply = await submitting
    assert not reply.error and "Story #1 is saved" in reply.plain_text, reply.plain_text
    async with uows(read_only=True) as uow:
        home = await uow.communities.owner_of(guild)
        assert home not in (None, slack_side.id)
        assert [s.community_id for s in await uow.stories.export(None)] == [home]
