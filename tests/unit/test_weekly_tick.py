"""The weekly tick reads only the communities that are due (issue 15)."""

from __future__ import annotations

import datetime as dt

from bot.domain import Feature, IsoWeek
from tests.conftest import OTHER_TEAM, Bot, actor

MOD = actor("U-MOD", moderator=True, channel="C-HIGHLIGHT")
# Monday 2026-11-23 09:00 in Stockholm is the default weekly time.
LAST_WEEK = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
NEXT_DUE = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC)


async def _a_week_with_a_story(bot: Bot) -> None:
    await bot.say("/story config channel", MOD)
    bot.clock.now = LAST_WEEK
    await bot.submit("The cashier noticed we were in a hurry and opened a till.")
    await bot.say("/story appreciate 1", actor("U-A"))


async def test_a_tick_with_nothing_due_is_one_read_only_unit_of_work(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    await bot.say("/story browse", actor(space=OTHER_TEAM))  # a second community, no stories
    bot.clock.now = DUE
    assert len(await bot.core.run_weekly()) == 2  # both settled for this week
    start = len(bot.db.uows)

    bot.clock.now = DUE + dt.timedelta(days=3)
    assert await bot.core.run_weekly() == []

    assert [u.read_only for u in bot.db.uows[start:]] == [True]


async def test_a_community_not_yet_due_is_not_read_again_before_its_time(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE - dt.timedelta(minutes=1)
    assert await bot.core.run_weekly() == []  # looked at once, settled until 09:00
    start = len(bot.db.uows)
    assert await bot.core.run_weekly() == []
    assert len(bot.db.uows) == start + 1

    bot.clock.now = DUE
    [outcome] = await bot.core.run_weekly()
    assert (outcome.story_number, outcome.announced) == (1, 1)


async def test_a_settled_community_is_due_again_next_week(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    assert len(await bot.core.run_weekly()) == 1
    bot.clock.now = NEXT_DUE - dt.timedelta(seconds=1)
    assert await bot.core.run_weekly() == []

    bot.clock.now = NEXT_DUE
    [outcome] = await bot.core.run_weekly()
    assert outcome.story_number is None  # nobody told a story in the week before


async def test_a_failed_announcement_keeps_the_community_due(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    bot.slack.fail_with("unavailable")
    [failed] = await bot.core.run_weekly()
    assert (failed.announced, failed.problems) == (0, ("unavailable",))

    bot.clock.now = DUE + dt.timedelta(minutes=1)
    [retried] = await bot.core.run_weekly()
    assert retried.announced == 1
    assert await bot.core.run_weekly() == []


async def test_new_settings_make_a_settled_community_due_again(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    assert len(await bot.core.run_weekly()) == 1
    assert await bot.core.run_weekly() == []

    await bot.say("/story config channel", actor("U-MOD", moderator=True, channel="C-SECOND"))

    [outcome] = await bot.core.run_weekly()
    assert outcome.announced == 1  # the new channel gets this week's story too
    assert [channel.channel_id for channel, _ in bot.slack.posted] == ["C-HIGHLIGHT", "C-SECOND"]


async def test_a_change_while_the_tick_runs_is_not_hidden_by_its_settle(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    async with bot.core.uow(read_only=True) as uow:
        [(community, seen)] = await uow.communities.weekly_due(DUE)
    await bot.say("/story config channel", actor("U-MOD", moderator=True, channel="C-SECOND"))

    async with bot.core.uow() as uow:
        assert not await uow.communities.settle_weekly(community, seen, NEXT_DUE)
        await uow.commit()

    async with bot.core.uow(read_only=True) as uow:
        assert [i for i, _ in await uow.communities.weekly_due(DUE)] == [community]


async def test_a_dry_or_forced_run_settles_nothing(bot: Bot) -> None:
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    assert len(await bot.core.run_weekly(dry_run=True)) == 1
    assert len(await bot.core.run_weekly(dry_run=True, force=True)) == 1
    [outcome] = await bot.core.run_weekly()
    assert outcome.announced == 1


async def test_a_process_failing_after_another_settled_makes_the_community_due_again(
    bot: Bot,
) -> None:
    """Process A holds the claim while it posts; process B finds the channel claimed and
    settles; A's post then fails and releases the claim: the next tick must retry."""
    await _a_week_with_a_story(bot)
    bot.clock.now = DUE
    async with bot.core.uow() as uow:  # the week's pick, as any tick makes it
        community = await uow.communities.get(1)
        assert community is not None
        [channel] = community.settings.highlight_channels
        pick = Feature(1, IsoWeek(2026, 48), 1, None, None, DUE)
        assert await uow.features.add_if_absent(pick)
        assert await uow.features.claim_announcement(pick, channel)  # A, posting
        await uow.commit()

    [by_b] = await bot.core.run_weekly()
    assert by_b.announced == 0 and by_b.problems == ()
    assert await bot.core.run_weekly() == []  # B settled the week

    async with bot.core.uow() as uow:  # A's post failed
        await uow.features.release_announcement(pick, channel)
        await uow.commit()

    [retried] = await bot.core.run_weekly()
    assert retried.announced == 1
    assert len(bot.slack.posted) == 1
