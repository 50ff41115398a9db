"""Spaces by name: the core keeps what the platform calls a space, and replies use it
instead of the id wherever one is known (issue 12)."""

from __future__ import annotations

import dataclasses
import json

from bot import export
from bot.commands import Actor
from bot.core import learn_name
from bot.domain import (
    SPACE_NAME_MAX,
    Community,
    CommunitySettings,
    IsoWeek,
    Language,
    Platform,
    SpaceRef,
)
from bot.errors import StorageUnavailable
from bot.i18n import Translator
from bot.platforms import space_label
from bot.replies import Reply, StoryCard
from tests.conftest import TEAM, Bot, actor
from tests.unit.test_linking import DISCORD_MEMBER, DISCORD_MOD, GUILD, SLACK_MOD, new_code


def story_cards(reply: Reply) -> list[StoryCard]:
    return [b for b in reply.blocks if isinstance(b, StoryCard)]


def named(who: Actor, name: str | None) -> Actor:
    return dataclasses.replace(who, space_name=name)


async def link_named(bot: Bot) -> str:
    code = await new_code(bot, named(SLACK_MOD, "Acme"))
    reply = await bot.say(f"/story link {code}", named(DISCORD_MOD, "Helpdesk"))
    assert not reply.error, reply.plain_text
    return reply.plain_text


def test_a_label_is_the_name_and_platform_or_the_id() -> None:
    en, sv = Translator(Language.EN), Translator(Language.SV)
    assert space_label(TEAM, "Acme", en) == "Acme (Slack)"
    assert space_label(TEAM, None, en) == "Slack T-ACME"
    console = SpaceRef(Platform.CONSOLE, "local")
    assert space_label(console, "console", en) == "console"
    assert space_label(console, "console", sv) == "konsolen"


async def test_the_first_request_names_the_space(bot: Bot) -> None:
    await bot.say("/story tags", named(actor(), "Acme"))
    assert bot.db.space_name(TEAM) == "Acme"
    assert bot.db.community(1) is not None


async def test_the_name_is_written_only_when_it_changes(bot: Bot) -> None:
    await bot.say("/story tags", named(actor(), "Acme"))
    written = bot.db.committed
    await bot.say("/story tags", named(actor(), "Acme"))
    await bot.say("/story tags", actor())  # a request without a name forgets nothing
    assert bot.db.committed == written and bot.db.space_name(TEAM) == "Acme"
    await bot.say("/story tags", named(actor(), "Acme Corp"))
    assert bot.db.committed == written + 1 and bot.db.space_name(TEAM) == "Acme Corp"


async def test_names_are_tidied_and_cut() -> None:
    community = Community(1, CommunitySettings(), [TEAM])
    assert learn_name(community, named(actor(), "  Acme \n Corp ")) == "Acme Corp"
    assert learn_name(community, named(actor(), "Acme Corp")) is None  # known already
    assert learn_name(community, named(actor(), "   ")) is None
    long = learn_name(community, named(actor(), "x" * 500))
    assert long == "x" * SPACE_NAME_MAX and community.space_names[TEAM] == long


async def test_the_link_reply_names_the_space_joined(bot: Bot) -> None:
    text = await link_named(bot)
    assert "one story base with Acme (Slack)." in text and "T-ACME" not in text
    assert bot.db.space_name(GUILD) == "Helpdesk"


async def test_an_unnamed_space_still_shows_its_id(bot: Bot) -> None:
    code = await new_code(bot)
    reply = await bot.say(f"/story link {code}", DISCORD_MOD)
    assert "one story base with Slack T-ACME." in reply.plain_text


async def test_links_lists_spaces_by_name(bot: Bot) -> None:
    await link_named(bot)
    listed = await bot.say("/story links", DISCORD_MEMBER)
    assert "Slack: Acme" in listed.plain_text and "Discord: Helpdesk (here)" in listed.plain_text
    assert "T-ACME" not in listed.plain_text and "9001" not in listed.plain_text


async def test_a_renamed_space_reads_by_its_new_name_at_once(bot: Bot) -> None:
    await link_named(bot)
    listed = await bot.say("/story links", named(DISCORD_MEMBER, "Helpdesk EU"))
    assert "Discord: Helpdesk EU (here)" in listed.plain_text
    assert bot.db.space_name(GUILD) == "Helpdesk EU"


async def test_the_unlink_reply_names_the_spaces_left(bot: Bot) -> None:
    await link_named(bot)
    reply = await bot.say("/story unlink", named(DISCORD_MOD, "Helpdesk"))
    assert not reply.error and "the rest stay with Acme (Slack)." in reply.plain_text
    # The name went with the space into its own community again.
    alone = await bot.say("/story links", DISCORD_MEMBER)
    assert "not linked" in alone.plain_text and bot.db.space_name(GUILD) == "Helpdesk"


async def test_weekly_outcomes_name_the_community_by_its_spaces(bot: Bot) -> None:
    await link_named(bot)
    await bot.submit("The agent stayed late to fix the invoice run #billing", SLACK_MOD)
    bot.clock.advance(days=7)
    outcomes = await bot.core.run_weekly(force=True)
    [outcome] = [o for o in outcomes if o.week == IsoWeek(2026, 49)]
    assert outcome.spaces == ("Acme (Slack)", "Helpdesk (Discord)")


async def test_a_name_that_cannot_be_stored_costs_only_the_name(bot: Bot) -> None:
    await bot.say("/story tags", named(actor(), "Acme"))
    working = bot.core.uow

    def writes_fail(*, read_only: bool = False):  # type: ignore[no-untyped-def]
        uow = working(read_only=read_only)
        if not read_only:

            async def refused() -> None:
                raise StorageUnavailable("the database refuses writes")

            uow.commit = refused  # type: ignore[method-assign]
        return uow

    bot.core.uow = writes_fail
    reply = await bot.say("/story links", named(actor(), "Acme Corp"))
    assert not reply.error and "not linked" in reply.plain_text
    assert bot.db.space_name(TEAM) == "Acme"


async def test_cards_say_where_a_story_was_told_by_space_name(bot: Bot) -> None:
    await link_named(bot)
    await bot.submit("The Slack agent rebooked the whole family after the storm #travel")
    await bot.submit("The Discord helper found the lost parcel at the depot", DISCORD_MEMBER)
    browse = await bot.say("/story browse", named(DISCORD_MEMBER, "Helpdesk"))
    told_on = {card.number: dict(card.meta)["Told on"] for card in story_cards(browse)}
    assert told_on == {1: "Acme (Slack)", 2: "Helpdesk (Discord)"}
    swedish = await bot.say("/story show 1", dataclasses.replace(DISCORD_MEMBER, locale="sv"))
    assert dict(story_cards(swedish)[0].meta)["Berättad på"] == "Acme (Slack)"


async def test_a_card_of_an_unnamed_space_names_the_platform_alone(bot: Bot) -> None:
    await bot.submit("The agent stayed late to fix the invoice run #billing")
    shown = await bot.say("/story show 1")
    assert dict(story_cards(shown)[0].meta)["Told on"] == "Slack"  # never "Slack T-ACME"


async def test_the_markdown_export_names_communities_by_their_spaces(bot: Bot) -> None:
    await link_named(bot)
    await bot.submit("The agent stayed late to fix the invoice run #billing", SLACK_MOD)
    elsewhere = SpaceRef(Platform.SLACK, "T-OTHER")  # never named: its id is what is known
    await bot.submit("The clerk found my lost booking in a minute", actor(space=elsewhere))
    async with bot.db.factory()(read_only=True) as uow:
        rows = await export.records(uow, None)
        names = await export.community_names(uow, {row["community"] for row in rows})
    markdown = export.render(rows, "md", names)
    assert "*Acme (Slack), Helpdesk (Discord) · 2026-" in markdown
    assert "*Slack T-OTHER · 2026-" in markdown and "community " not in markdown
    as_json = json.loads(export.render(rows, "json", names))
    assert [row["community"] for row in as_json] == [row["community"] for row in rows]
    assert all(isinstance(row["community"], int) for row in as_json)  # JSON keeps the id
    assert export.render(rows[:1], "md").count("*community 1 · ") == 1  # nothing else known
