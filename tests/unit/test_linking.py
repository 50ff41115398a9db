"""Linking a Slack workspace and a Discord server into one community, on the fakes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bot import commands as c
from bot import linking
from bot.domain import Community, IsoWeek, Platform, SpaceRef
from bot.parser import parse
from bot.replies import Fields, Reply, StoryCard
from tests.conftest import TEAM, Bot, actor

GUILD = SpaceRef(Platform.DISCORD, "9001")
SLACK_MOD = actor("U-MOD", moderator=True, channel="C-HIGHLIGHT")
DISCORD_MOD = actor("700", space=GUILD, moderator=True, channel="800")
DISCORD_MEMBER = actor("701", space=GUILD, channel="800")
WEEK = IsoWeek(2026, 48)
CODE = re.compile(r"[A-Z0-9]{5}-[A-Z0-9]{5}")


def community_of(bot: Bot, space: SpaceRef) -> Community:
    found = [bot.db.community(i) for i in range(1, 20)]
    [community] = [c for c in found if c is not None and space in c.spaces]
    return community


def code_of(reply: Reply) -> str:
    found = CODE.search(reply.plain_text)
    assert found, reply.plain_text
    return found.group(0)


async def new_code(bot: Bot, who=SLACK_MOD) -> str:
    reply = await bot.say("/story link", who)
    assert not reply.error and reply.ephemeral, reply.plain_text
    return code_of(reply)


async def linked(bot: Bot) -> Reply:
    code = await new_code(bot)
    reply = await bot.say(f"/story link {code}", DISCORD_MOD)
    assert not reply.error, reply.plain_text
    return reply


def test_parser_knows_link_links_unlink_in_english_and_swedish() -> None:
    assert parse("link", "k") == c.Link()
    assert parse("link ABCDE-FGHJK", "k") == c.Link("ABCDE-FGHJK")
    assert parse("länka abcde-fghjk", "k") == c.Link("abcde-fghjk")
    assert parse("links", "k") == parse("länkar", "k") == c.ListLinks()
    assert parse("unlink", "k") == parse("avlänka", "k") == c.Unlink()


def test_codes_are_random_hashed_and_compared_by_digest() -> None:
    codes = {linking.new_code() for _ in range(200)}
    assert len(codes) == 200 and all(CODE.fullmatch(code) for code in codes)
    code = codes.pop()
    assert code not in linking.digest(code) and len(linking.digest(code)) == 64
    # Typing it in lower case, or without the dash, is the same code.
    assert linking.digest(code.lower().replace("-", " ")) == linking.digest(code)


async def test_only_moderators_make_or_use_codes(bot: Bot) -> None:
    refused = await bot.say("/story link", actor("U-BO"))
    assert refused.error and "Only moderators" in refused.plain_text
    code = await new_code(bot)
    refused = await bot.say(f"/story link {code}", DISCORD_MEMBER)
    assert refused.error and "Only moderators" in refused.plain_text
    assert len(bot.db.community(1).spaces) == 1  # type: ignore[union-attr]


async def test_link_joins_communities_and_renumbers_after_the_existing(bot: Bot) -> None:
    for n in range(3):
        await bot.submit(f"Slack story number {n} about a careful fix of the invoice #billing")
    for n in range(2):
        await bot.submit(
            f"Discord story {n} about the courier who waited #delivery", DISCORD_MEMBER
        )
    reply = await linked(bot)
    assert "#1–#2" in reply.plain_text and "→ #4–#5" in reply.plain_text
    assert "Europe/Stockholm" in reply.plain_text  # whose settings now apply is said

    community = bot.db.community(1)
    assert community is not None and set(community.spaces) == {TEAM, GUILD}
    assert bot.db.community(2) is None  # the joining community is gone, not left empty
    numbers = [s.number for s in (bot.db.story(1, n) for n in range(1, 6)) if s]
    assert numbers == [1, 2, 3, 4, 5]
    assert bot.db.story(1, 4).text.startswith("Discord story 0")  # type: ignore[union-attr]
    # The next submission, on either side, continues the one sequence.
    saved = await bot.submit("A new Discord story about a kind refund #billing", DISCORD_MEMBER)
    assert "Story #6 is saved" in saved.plain_text
    saved = await bot.submit("A new Slack story about a kind refund #billing")
    assert "Story #7 is saved" in saved.plain_text


async def test_both_sides_read_search_and_appreciate_every_story(bot: Bot) -> None:
    await bot.submit("The Slack agent rebooked the whole family after the storm #travel")
    await bot.submit(
        "The Discord helper found the lost parcel at the depot #delivery", DISCORD_MEMBER
    )
    await linked(bot)
    browse = await bot.say("/story browse", DISCORD_MEMBER)
    cards = [b for b in browse.blocks if isinstance(b, StoryCard)]
    assert [card.number for card in cards] == [2, 1]
    told_on = {card.number: dict(card.meta)["Told on"] for card in cards}
    assert told_on == {1: "Slack", 2: "Discord"}
    found = await bot.say("/story search storm", DISCORD_MEMBER)
    assert "rebooked the whole family" in found.plain_text
    found = await bot.say("/story search parcel")
    assert "lost parcel" in found.plain_text
    tags = await bot.say("/story tags", DISCORD_MEMBER)
    assert "Travel" in tags.plain_text or "travel" in tags.plain_text

    # One appreciation per platform account: a Slack and a Discord user both count.
    assert (
        "now has 1 appreciation"
        in (await bot.say("/story appreciate 1", DISCORD_MEMBER)).plain_text
    )
    assert (
        "now has 2 appreciations"
        in (await bot.say("/story appreciate 1", actor("U-BO"))).plain_text
    )
    again = await bot.say("/story appreciate 1", DISCORD_MEMBER)
    assert "already appreciated" in again.plain_text


async def test_wrong_expired_reused_and_own_codes_change_nothing(bot: Bot) -> None:
    await bot.submit("The Discord helper found the lost parcel at the depot", DISCORD_MEMBER)
    wrong = await bot.say("/story link AAAAA-BBBBB", DISCORD_MOD)
    assert wrong.error and "not valid" in wrong.plain_text

    code = await new_code(bot)
    own = await bot.say(f"/story link {code}", SLACK_MOD)
    assert own.error and "already in that community" in own.plain_text

    bot.clock.advance(minutes=15)
    expired = await bot.say(f"/story link {code}", DISCORD_MOD)
    assert expired.error and "expired" in expired.plain_text
    assert community_of(bot, GUILD) != community_of(bot, TEAM)

    code = await new_code(bot)
    assert not (await bot.say(f"/story link {code}", DISCORD_MOD)).error
    other = actor("U-X", space=SpaceRef(Platform.SLACK, "T-THIRD"), moderator=True)
    reused = await bot.say(f"/story link {code}", other)
    assert reused.error and "already used" in reused.plain_text
    assert len(community_of(bot, TEAM).spaces) == 2
    assert len(community_of(bot, other.space).spaces) == 1


async def test_refusals_are_translated(bot: Bot) -> None:
    swedish = actor("700", space=GUILD, moderator=True, locale="sv-SE")
    wrong = await bot.say("/story länka AAAAA-BBBBB", swedish)
    assert wrong.error and "länkkod" in wrong.plain_text.casefold()


async def test_wrong_codes_are_limited_per_space(bot: Bot) -> None:
    for _ in range(5):
        assert "not valid" in (await bot.say("/story link AAAAA-BBBBB", DISCORD_MOD)).plain_text
    code = await new_code(bot)
    paused = await bot.say(f"/story link {code}", DISCORD_MOD)
    assert paused.error and "Too many wrong link codes" in paused.plain_text
    assert bot.db.community(2) is not None  # even the right code waits
    bot.clock.advance(minutes=15, seconds=1)
    code = await new_code(bot)
    assert not (await bot.say(f"/story link {code}", DISCORD_MOD)).error


async def test_settings_merge_and_moderators_of_either_side_moderate(bot: Bot) -> None:
    await bot.say("/story config moderators <@U-LISA>", SLACK_MOD)
    await bot.say("/story config channel", SLACK_MOD)
    await bot.say("/story config moderators <@702>", DISCORD_MOD)
    await bot.say("/story config channel", DISCORD_MOD)
    await bot.say("/story config language sv", DISCORD_MOD)
    await bot.submit("The Discord helper found the lost parcel at the depot", DISCORD_MEMBER)
    await linked(bot)
    settings = bot.db.community(1).settings  # type: ignore[union-attr]
    assert settings.language.value == "en"  # the community joined wins
    assert {ch.space for ch in settings.highlight_channels} == {TEAM, GUILD}
    assert set(settings.moderator_users) == {"slack:U-LISA", "discord:702"}

    discord_mod = actor("702", space=GUILD, channel="800")
    reply = await bot.say("/story feature 1", discord_mod)
    assert "Announced in 2 channels" in reply.plain_text, reply.plain_text
    [(slack_channel, _)] = bot.slack.posted
    [(discord_channel, _)] = bot.discord.posted
    assert slack_channel.channel_id == "C-HIGHLIGHT" and discord_channel.channel_id == "800"
    hidden = await bot.say("/story hide 1", actor("U-LISA"))
    assert not hidden.error


async def test_credited_colleagues_are_names_on_the_other_platform(bot: Bot) -> None:
    bot.slack.names["U0KIM"] = "Kim <@here>"
    await bot.submit("Kim <@U0KIM> stayed late to fix the customer's export #billing")
    await linked(bot)
    [on_slack] = [b for b in (await bot.say("/story show 1")).blocks if isinstance(b, StoryCard)]
    assert on_slack.credited == ("U0KIM",)  # the renderer shows an id on its own platform
    shown = await bot.say("/story show 1", DISCORD_MEMBER)
    [on_discord] = [b for b in shown.blocks if isinstance(b, StoryCard)]
    assert on_discord.credited == ()  # no id a Discord renderer could turn into a mention
    assert dict(on_discord.meta)["Credited"] == "Kim <@here>"  # renderers escape meta text


async def test_links_lists_spaces_to_anyone_in_the_community(bot: Bot) -> None:
    alone = await bot.say("/story links", DISCORD_MEMBER)
    assert "not linked" in alone.plain_text
    await linked(bot)
    listed = await bot.say("/story links", DISCORD_MEMBER)
    assert "Slack: T-ACME" in listed.plain_text and "Discord: 9001 (here)" in listed.plain_text


async def test_unlink_sends_each_story_home_and_keeps_numbers(bot: Bot) -> None:
    await bot.say("/story config channel", SLACK_MOD)
    await bot.say("/story config channel", DISCORD_MOD)
    await bot.submit("Slack story about a careful fix of the invoice")
    await bot.submit("Discord story about the courier who waited", DISCORD_MEMBER)
    await linked(bot)
    await bot.submit("Slack story after linking about a quick refund")
    await bot.submit("Discord story after linking about a patient tutor", DISCORD_MEMBER)
    await bot.say("/story feature 4", SLACK_MOD)  # a Discord story is this week's

    refused = await bot.say("/story unlink", DISCORD_MEMBER)
    assert refused.error and "Only moderators" in refused.plain_text
    reply = await bot.say("/story unlink", DISCORD_MOD)
    assert not reply.error and "The 2 stories told here" in reply.plain_text

    slack_side = bot.db.community(1)
    assert slack_side is not None and slack_side.spaces == [TEAM]
    discord_side = community_of(bot, GUILD)
    assert discord_side.id != 1 and discord_side.spaces == [GUILD]
    assert [bot.db.story(1, n) is not None for n in (1, 3)] == [True, True]
    assert bot.db.story(1, 2) is None and bot.db.story(1, 4) is None
    assert bot.db.story(discord_side.id, 2) is not None
    assert bot.db.feature(discord_side.id, WEEK).story_number == 4  # type: ignore[union-attr]
    assert bot.db.feature(1, WEEK) is None
    assert [ch.space for ch in slack_side.settings.highlight_channels] == [TEAM]
    assert [ch.space for ch in discord_side.settings.highlight_channels] == [GUILD]
    # Numbers go on without duplicates on both sides (gaps are fine).
    assert (
        "Story #5 is saved"
        in (await bot.submit("Discord again: a calm answer", DISCORD_MEMBER)).plain_text
    )
    assert "Story #5 is saved" in (await bot.submit("Slack again: a calm answer")).plain_text
    again = await bot.say("/story unlink", DISCORD_MOD)
    assert again.error and "not linked" in again.plain_text


async def test_weekly_job_announces_on_both_platforms_with_votes_from_both(bot: Bot) -> None:
    await bot.say("/story config channel", SLACK_MOD)
    await bot.say("/story config channel", DISCORD_MOD)
    await linked(bot)
    bot.clock.now = dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC)  # last week
    bot.slack.names["U0KIM"] = "Kim"
    await bot.submit("Slack story: Kim <@U0KIM> rebooked the whole family after the storm")
    await bot.submit("Discord story: the helper found the lost parcel at the depot", DISCORD_MEMBER)
    # One Slack and one Discord vote for the Discord story beat one Slack vote.
    await bot.say("/story appreciate 2", actor("U-BO"))
    await bot.say("/story appreciate 2", actor("702", space=GUILD))
    await bot.say("/story appreciate 1", actor("U-CY"))
    bot.clock.now = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
    [outcome] = await bot.core.run_weekly()
    assert (outcome.story_number, outcome.announced) == (2, 2)
    [(_, on_slack)] = bot.slack.posted
    [(_, on_discord)] = bot.discord.posted
    assert "lost parcel" in on_slack.plain_text and "lost parcel" in on_discord.plain_text
    assert await bot.core.run_weekly() == []  # once per channel: the week is settled


async def test_public_cards_on_the_other_platform_carry_names_not_ids(bot: Bot) -> None:
    await bot.say("/story config channel", SLACK_MOD)
    await bot.say("/story config channel", DISCORD_MOD)
    await linked(bot)
    bot.slack.names["U0KIM"] = "Kim"
    await bot.submit("Kim <@U0KIM> and <@U-GONE> rebooked the whole family after the storm")
    await bot.say("/story feature 1", SLACK_MOD)
    [(_, on_slack)] = bot.slack.posted
    [(_, on_discord)] = bot.discord.posted
    [slack_card] = [b for b in on_slack.blocks if isinstance(b, StoryCard)]
    [discord_card] = [b for b in on_discord.blocks if isinstance(b, StoryCard)]
    assert slack_card.credited == ("U0KIM", "U-GONE")
    assert discord_card.credited == ()
    assert dict(discord_card.meta)["Credited"] == "Kim, 1 colleague"


async def test_old_codes_and_attempts_are_forgotten(bot: Bot) -> None:
    await bot.say("/story link AAAAA-BBBBB", DISCORD_MOD)
    old = await new_code(bot)
    bot.clock.advance(days=1, seconds=1)
    await new_code(bot)
    async with bot.db.factory()() as uow:
        assert len(await uow.links.codes_since(bot.clock() - dt.timedelta(days=30))) == 1
        assert await uow.links.failures_since(GUILD, bot.clock() - dt.timedelta(days=30)) == 0
    forgotten = await bot.say(f"/story link {old}", DISCORD_MOD)
    assert forgotten.error and "not valid" in forgotten.plain_text


async def test_a_long_renumbering_is_summarised(bot: Bot) -> None:
    await bot.submit("A Slack story about the patient support agent")
    for n in range(1, 61):
        await bot.submit(f"Discord story {n} about the courier who waited", DISCORD_MEMBER)
        bot.clock.advance(minutes=1)  # stay under the submission rate limit
    for n in range(2, 61, 2):  # gaps: every other number is gone, so no two stay adjacent
        assert not (await bot.say(f"/story delete {n}", DISCORD_MOD)).error
    reply = await linked(bot)
    [fields] = [b for b in reply.blocks if isinstance(b, Fields)]
    assert len(fields.items) == 20 and fields.items[0] == ("#1", "→ #2")
    assert fields.items[-1] == ("#39", "→ #21")
    assert "… and 10 more, in the same order." in reply.plain_text
    assert "The 30 stories told here have new numbers" in reply.plain_text


async def test_a_story_submitted_while_its_space_is_unlinked_is_stored_in_its_new_home(
    bot: Bot,
) -> None:
    """The unlink commits after the core found the (linked) community and before the story is
    written: the story follows the space, as if it had been submitted a moment later."""
    await linked(bot)
    factory = bot.core.uow

    class UnlinkFirst:
        def __init__(self, uow: Any) -> None:
            self._uow = uow

        async def __aenter__(self) -> Any:
            unlinked = await bot.say("/story unlink", DISCORD_MOD)
            assert not unlinked.error, unlinked.plain_text
            return await self._uow.__aenter__()

        async def __aexit__(self, *exc: Any) -> None:
            await self._uow.__aexit__(*exc)

    raced = False

    def racing(**kind: Any) -> Any:
        nonlocal raced
        if kind.get("single_write") and not raced:
            raced = True
            return UnlinkFirst(factory(**kind))
        return factory(**kind)

    bot.core.uow = racing  # type: ignore[assignment]
    reply = await bot.submit("Discord story about a courier who called ahead", DISCORD_MEMBER)
    assert raced and "Story #1 is saved" in reply.plain_text
    home = community_of(bot, GUILD)
    assert home.id != 1
    assert bot.db.story(home.id, 1) is not None
    assert bot.db.story(1, 1) is None  # not in the community the space just left
