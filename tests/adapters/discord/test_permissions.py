"""The highlight channel is set only where the bot can post an announcement: the adapter
reads the interaction's app_permissions, the core decides and refuses in the user's words."""

from __future__ import annotations

import pytest

from bot.domain import Platform, SpaceRef
from tests.adapters.discord.conftest import Harness
from tests.fakes.discord import (
    EMBED_LINKS,
    EVERYONE_PERMISSIONS,
    PUBLIC_THREAD,
    SEND_MESSAGES,
    SEND_MESSAGES_IN_THREADS,
    VIEW_CHANNEL,
)


async def highlight_channels(h: Harness) -> list[str]:
    space = SpaceRef(Platform.DISCORD, str(h.fake.guild_id))
    async with h.db.factory()() as uow:
        community = await uow.communities.for_space(space)
    assert community is not None
    return [ch.channel_id for ch in community.settings.highlight_channels]


@pytest.mark.parametrize(
    ("lacking", "named"),
    [
        (EMBED_LINKS, "Embed Links"),
        (SEND_MESSAGES, "Send Messages"),
        (VIEW_CHANNEL, "View Channel"),
    ],
)
async def test_a_channel_the_bot_cannot_post_in_is_refused(
    bot: Harness, lacking: int, named: str
) -> None:
    iid = await bot.moderator_run(
        "config",
        {"setting": "channel"},
        app_permissions=EVERYONE_PERMISSIONS & ~lacking,
    )
    answer = (await bot.answer(iid))["content"]
    assert "I can't post the story of the week in this channel" in answer
    assert f"lack the {named} permission" in answer
    assert await highlight_channels(bot) == []


async def test_a_thread_needs_send_messages_in_threads_and_is_told_in_swedish(
    bot: Harness,
) -> None:
    without = EVERYONE_PERMISSIONS & ~SEND_MESSAGES_IN_THREADS
    iid = await bot.moderator_run(
        "config",
        {"setting": "channel"},
        app_permissions=without,
        channel_type=PUBLIC_THREAD,
        channel_id=bot.fake.new_id(),  # a thread the server cache does not hold
        locale="sv-SE",
    )
    answer = (await bot.answer(iid))["content"]
    assert "Jag kan inte posta veckans berättelse" in answer
    assert "Send Messages in Threads" in answer
    assert await highlight_channels(bot) == []


async def test_a_channel_with_every_permission_needed_is_set(bot: Harness) -> None:
    # In a plain channel, Send Messages in Threads is not needed.
    granted = EVERYONE_PERMISSIONS & ~SEND_MESSAGES_IN_THREADS
    iid = await bot.moderator_run("config", {"setting": "channel"}, app_permissions=granted)
    assert (await bot.answer(iid))["content"] == "This channel now gets the story of the week."
    assert await highlight_channels(bot) == [str(bot.fake.channel_id)]
