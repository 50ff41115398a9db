"""Featuring, the weekly job, settings, help and export — on fakes with a fixed clock."""

from __future__ import annotations

import datetime as dt
import json

from bot.core import Core
from bot.domain import IsoWeek, Platform
from bot.replies import Attachment, StoryCard
from tests.conftest import Bot, actor
from tests.fakes.memory import FakeAnnouncer

MOD = actor("U-MOD", moderator=True)
WEEK = IsoWeek(2026, 48)  # the conftest clock: Monday 2026-11-23 10:00 in Stockholm


async def with_channel(bot: Bot) -> None:
    await bot.say("/story config channel", actor("U-MOD", moderator=True, channel="C-HIGHLIGHT"))


async def test_only_moderators_feature(bot: Bot) -> None:
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    refused = await bot.say("/story feature 1", actor("U-BO"))
    assert refused.error and "Only moderators" in refused.plain_text
    assert bot.db.feature(1, WEEK) is None


async def test_feature_announces_in_the_highlight_channel_once(bot: Bot) -> None:
    await with_channel(bot)
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    reply = await bot.say("/story feature 1 Great follow-through!", MOD)
    assert "#1 is the story of the week 2026-W48" in reply.plain_text
    assert "Announced in 1 channel" in reply.plain_text
    [(channel, post)] = bot.slack.posted
    assert channel.channel_id == "C-HIGHLIGHT" and not post.ephemeral
    assert "Great follow-through!" in post.plain_text
    feature = bot.db.feature(1, WEEK)
    assert feature is not None and feature.story_number == 1 and feature.featured_by == "U-MOD"
    # The weekly job later in the same week finds it announced already.
    outcomes = await bot.core.run_weekly()
    assert [o.announced for o in outcomes] == [0] and len(bot.slack.posted) == 1


async def test_featuring_again_in_the_same_week_replaces(bot: Bot) -> None:
    await with_channel(bot)
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    await bot.submit("The mechanic showed us the worn part and explained the choices.")
    await bot.say("/story feature 1", MOD)
    reply = await bot.say("/story feature 2", MOD)
    assert "It replaces #1" in reply.plain_text
    assert bot.db.feature(1, WEEK).story_number == 2  # type: ignore[union-attr]
    assert len(bot.slack.posted) == 2


async def test_no_highlight_channel_is_explained(bot: Bot) -> None:
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    reply = await bot.say("/story feature 1", MOD)
    assert "No highlight channel is set" in reply.plain_text
    assert bot.db.feature(1, WEEK) is not None and bot.slack.posted == []


async def test_failed_announcement_is_reported_and_retried_by_the_job(bot: Bot) -> None:
    await with_channel(bot)
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    bot.slack.fail_with("not_in_channel")
    reply = await bot.say("/story feature 1", MOD)
    assert "Invite me there" in reply.plain_text and bot.slack.posted == []
    outcomes = await bot.core.run_weekly()
    assert outcomes[0].announced == 1 and len(bot.slack.posted) == 1


async def test_weekly_job_features_last_weeks_most_appreciated(bot: Bot) -> None:
    await with_channel(bot)
    bot.clock.now = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)  # last week, Tuesday
    await bot.submit("Story one: the cashier noticed we were in a hurry and opened a till.")
    await bot.submit("Story two: the plumber cleaned up after himself and explained the fix.")
    await bot.submit("Story three: support wrote back within minutes on a holiday.")
    for voter in ("U-A", "U-B"):
        await bot.say("/story appreciate 2", actor(voter))
        await bot.say("/story appreciate 3", actor(voter))
    bot.clock.now = dt.datetime(2026, 11, 23, 7, 59, tzinfo=dt.UTC)  # Monday 08:59 local
    assert await bot.core.run_weekly() == []  # not due before 09:00
    bot.clock.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    [outcome] = await bot.core.run_weekly()
    assert (outcome.story_number, outcome.picked, outcome.announced) == (
        2,
        True,
        1,
    )  # tie: earliest
    assert "Chosen by your appreciations" in bot.slack.posted[0][1].plain_text
    assert await bot.core.run_weekly() == []  # settled until next week's time
    assert len(bot.slack.posted) == 1


async def test_weekly_job_keeps_a_moderators_pick(bot: Bot) -> None:
    await with_channel(bot)
    bot.clock.now = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)
    await bot.submit("Story one: the cashier noticed we were in a hurry and opened a till.")
    await bot.say("/story appreciate 1", actor("U-A"))
    bot.clock.now = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
    await bot.submit("Story two: a moderator's favourite from this very morning.")
    await bot.say("/story feature 2", MOD)
    bot.clock.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    [outcome] = await bot.core.run_weekly()
    assert outcome.story_number == 2 and not outcome.picked
    assert len(bot.slack.posted) == 1


async def test_weekly_job_with_no_stories_features_nothing(bot: Bot) -> None:
    await with_channel(bot)
    [outcome] = await bot.core.run_weekly()
    assert outcome.story_number is None and bot.slack.posted == []


async def test_featured_and_shortlist(bot: Bot) -> None:
    await bot.submit("Story one: the cashier noticed we were in a hurry and opened a till.")
    await bot.submit("Story two: the plumber cleaned up after himself and explained the fix.")
    await bot.say("/story appreciate 2", actor("U-A"))
    shortlist = await bot.say("/story shortlist")
    assert [b.number for b in shortlist.blocks if isinstance(b, StoryCard)] == [2, 1]
    assert "No story has been featured" in (await bot.say("/story featured")).plain_text
    await bot.say("/story feature 1", MOD)
    featured = await bot.say("/story featured")
    assert [b.number for b in featured.blocks if isinstance(b, StoryCard)] == [1]
    bot.clock.advance(days=7)
    later = await bot.say("/story featured")
    assert "2026-W48" in later.plain_text and "#1" in later.plain_text


async def test_settings_need_a_moderator_and_are_validated(bot: Bot) -> None:
    assert (await bot.say("/story config language sv", actor("U-BO"))).error
    assert (await bot.say("/story config timezone Mars/Olympus", MOD)).error
    assert (await bot.say("/story config time 25:00", MOD)).error
    assert (await bot.say("/story config weekday someday", MOD)).error
    assert (await bot.say("/story config colour blue", MOD)).error
    for line in ("timezone America/New_York", "weekday fri", "time 16:30", "free-tags off"):
        assert not (await bot.say(f"/story config {line}", MOD)).error, line
    settings = bot.db.community(1).settings  # type: ignore[union-attr]
    assert (settings.timezone, settings.weekly_weekday, settings.free_tags) == (
        "America/New_York",
        5,
        False,
    )
    assert settings.weekly_time == dt.time(16, 30)


async def test_configured_moderators_and_roles_gain_rights(bot: Bot) -> None:
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    assert (await bot.say("/story hide 1", actor("U-BO"))).error
    await bot.say("/story config moderators <@U-BO>", MOD)
    assert not (await bot.say("/story hide 1", actor("U-BO"))).error
    await bot.say("/story config moderator-role <@&R-STAFF>", MOD)
    assert not (await bot.say("/story unhide 1", actor("U-CY", roles=("R-STAFF",)))).error
    await bot.say("/story config moderators none", MOD)
    assert (await bot.say("/story hide 1", actor("U-BO"))).error


async def test_language_setting_switches_replies_to_swedish(bot: Bot) -> None:
    reply = await bot.say("/story config language sv", MOD)
    assert "språk" in reply.plain_text
    assert "Berättelsen är för kort" in (await bot.say("/story submit kort")).plain_text
    # A reader whose platform says English still gets English.
    english = await bot.say("/story submit short", actor(locale="en-GB"))
    assert "too short" in english.plain_text


async def test_help_shows_moderator_commands_to_moderators_only(bot: Bot) -> None:
    member = (await bot.say("/story help", actor("U-BO"))).plain_text
    moderator = (await bot.say("/story help", MOD)).plain_text
    assert "/story feature <n>" not in member and "/story feature <n>" in moderator


async def test_export_is_for_moderators_and_complete(bot: Bot) -> None:
    await bot.submit("The librarian found the book in another branch and had it sent over.")
    assert (await bot.say("/story export", actor("U-BO"))).error
    reply = await bot.say("/story export", MOD)
    [attachment] = [b for b in reply.blocks if isinstance(b, Attachment)]
    [row] = json.loads(attachment.content)
    assert row["number"] == 1 and row["author"]["user_id"] == "U-ANNA"
    assert set(row) >= {
        "community",
        "title",
        "text",
        "customer",
        "tags",
        "anonymous",
        "consent",
        "on_wall",
        "status",
        "created_at",
        "appreciations",
        "featured_weeks",
    }


async def test_unknown_command_names_itself(bot: Bot) -> None:
    reply = await bot.say("/story dance")
    assert reply.error and "dance" in reply.plain_text


async def test_job_tells_moderators_once_when_it_cannot_announce(bot: Bot) -> None:
    await with_channel(bot)
    await bot.say("/story config moderators <@U-BO>", MOD)
    bot.clock.now = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)
    await bot.submit("Story one: the cashier noticed we were in a hurry and opened a till.")
    bot.clock.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    bot.slack.fail_with("channel_not_found")
    bot.slack.fail_with("channel_not_found")
    await bot.core.run_weekly()
    await bot.core.run_weekly()
    [(_space, users, notice)] = bot.slack.notices
    assert users == ["U-BO"] and "no longer exists" in notice.plain_text
    await bot.core.run_weekly()  # the channel works again
    assert len(bot.slack.posted) == 1


async def test_processes_sharing_a_database_tell_moderators_once(bot: Bot) -> None:
    """What a moderator heard of is in the database, not in one process's memory."""
    await with_channel(bot)
    bot.clock.now = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)
    await bot.submit("Story one: the cashier noticed we were in a hurry and opened a till.")
    bot.clock.now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
    others = [FakeAnnouncer(Platform.SLACK) for _ in range(2)]
    processes = [Core(bot.db.factory(), bot.clock, announcers=[a]) for a in others]
    for announcer in [bot.slack, *others]:
        announcer.fail_with("not_in_channel")
    for core in [bot.core, *processes]:
        await core.run_weekly()
    notices = [n for a in [bot.slack, *others] for n in a.notices]
    assert len(notices) == 1 and "not a member" in notices[0][2].plain_text
    assert len(bot.db.noticed()) == 1
    others[0].fail_with("channel_not_found")  # another problem is news to the moderators
    await processes[0].run_weekly()
    assert sum(len(a.notices) for a in [bot.slack, *others]) == 2


def test_csv_export_cells_never_run_as_formulas() -> None:
    from bot.export import render

    row = {
        "community": 1,
        "number": 1,
        "title": '=HYPERLINK("http://x")',
        "text": "+1 great",
        "customer": "@boss",
        "tags": [],
        "author": {"name": "-Eve"},
        "anonymous": False,
        "consent": False,
        "on_wall": False,
        "status": "published",
        "created_at": "2026-11-23T09:00:00+00:00",
        "appreciations": 0,
        "featured_weeks": [],
        "source_url": None,
    }
    line = render([row], "csv").splitlines()[1]
    assert "'=HYPERLINK" in line and "'+1 great" in line and "'@boss" in line and "'-Eve" in line


async def test_adapters_get_the_readers_language_from_the_core(bot: Bot) -> None:
    """Every reply carries the language it was written in, for the adapter's own words."""
    await bot.say("/story config language sv", MOD)
    assert (await bot.say("/story help", actor())).language.value == "sv"
    assert (await bot.say("/story help", actor(locale="en-US"))).language.value == "en"
    bot.db.unavailable = True
    down = await bot.say("/story help", actor())
    assert down.error and down.language.value == "en"  # the default
