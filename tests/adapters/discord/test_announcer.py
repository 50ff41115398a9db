"""The weekly announcement and moderator notices, through the real client and the fake."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.announcer import DiscordAnnouncer
from bot.domain import ChannelRef, Platform, SpaceRef
from bot.ports import AnnounceFailed
from bot.replies import Button, Reply, StoryCard, Style, Text
from tests.adapters.discord.conftest import Harness

CARD = StoryCard(
    number=7,
    title="Rebooked in five minutes",
    body="@everyone she rebooked my whole trip.",
    meta=(("Tags", "Speed"),),
    footer="#7 · 3 appreciations",
    credited=("123456789012345678",),
    buttons=(
        Button("Read #7", "sb1:show:7"),
        Button("Appreciate", "sb1:appreciate:7", Style.PRIMARY),
    ),
)
ANNOUNCEMENT = Reply(
    blocks=(Text("Story of the week 2026-W48", heading=True), CARD), ephemeral=False
)
NOTICE = Reply(blocks=(Text("The story of the week could not be announced."),))


def highlights(h: Harness) -> ChannelRef:
    return ChannelRef(
        SpaceRef(Platform.DISCORD, str(h.fake.guild_id)), str(h.fake.highlight_channel_id)
    )


def announcer(h: Harness) -> DiscordAnnouncer:
    return h.runtimes[0].announcer  # type: ignore[return-value]


async def test_announcement_is_an_embed_with_buttons_and_no_pings(bot: Harness) -> None:
    await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)

    [post] = bot.fake.calls("POST", rf"/channels/{bot.fake.highlight_channel_id}/messages")
    assert post.json["content"] == "**Story of the week 2026-W48**"
    [embed] = post.json["embeds"]
    assert embed["title"] == "#7 Rebooked in five minutes"
    assert embed["description"] == "@\u200beveryone she rebooked my whole trip."
    assert {"name": "Credited", "value": "<@123456789012345678>", "inline": True} in embed["fields"]
    assert post.json["allowed_mentions"] == {"parse": []}
    [row] = post.json["components"]
    assert [b["custom_id"] for b in row["components"]] == ["sb1:show:7", "sb1:appreciate:7"]


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (403, {"message": "Missing Access", "code": 50001}, "missing_permissions"),
        (403, {"message": "Missing Permissions", "code": 50013}, "missing_permissions"),
        (404, {"message": "Unknown Channel", "code": 10003}, "channel_not_found"),
        (503, {"message": "Service Unavailable", "code": 0}, "unavailable"),
    ],
)
async def test_discord_errors_become_reasons_moderators_understand(
    bot: Harness, status: int, body: dict, reason: str
) -> None:
    bot.fake.fail_next("POST", r"/channels/\d+/messages", status, body)
    with pytest.raises(AnnounceFailed) as failed:
        await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)
    assert failed.value.reason == reason


async def test_rate_limits_are_waited_out_then_reported(bot: Harness) -> None:
    limited = {"message": "You are being rate limited.", "retry_after": 0.01, "global": False}
    via = {"Via": "1.1 google"}
    bot.fake.fail_next("POST", r"/channels/\d+/messages", 429, limited, headers=via)
    await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)  # retried by discord.py
    assert len(bot.fake.calls("POST", r"/channels/\d+/messages")) == 2

    bot.fake.fail_next("POST", r"/channels/\d+/messages", 429, limited, headers=via, times=5)
    with pytest.raises(AnnounceFailed) as failed:
        await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)
    assert failed.value.reason == "rate_limited"


async def test_a_long_rate_limit_is_not_waited_for(bot: Harness) -> None:
    hour = {"message": "You are being rate limited.", "retry_after": 3600, "global": False}
    bot.fake.fail_next("POST", r"/channels/\d+/messages", 429, hour, headers={"Via": "1.1 google"})
    with pytest.raises(AnnounceFailed) as failed:
        await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)
    assert failed.value.reason == "rate_limited"


async def test_an_unreachable_or_hanging_discord_is_unavailable(bot: Harness) -> None:
    # discord.py retries a 500 for about 25 s; the announcer's own time limit cuts that short.
    bot.fake.fail_next("POST", r"/channels/\d+/messages", 500, times=5)
    impatient = DiscordAnnouncer(bot.runtimes[0].client, send_timeout=0.2)
    with pytest.raises(AnnounceFailed) as failed:
        await impatient.announce(highlights(bot), ANNOUNCEMENT)
    assert failed.value.reason == "unavailable"

    base = discord.http.Route.BASE
    discord.http.Route.BASE = "http://127.0.0.1:9/api/v10"  # nothing listens there
    try:
        with pytest.raises(AnnounceFailed) as failed:
            await announcer(bot).announce(highlights(bot), ANNOUNCEMENT)
    finally:
        discord.http.Route.BASE = base
    assert failed.value.reason == "unavailable"


async def test_a_failed_feature_announcement_is_explained_to_the_moderator(bot: Harness) -> None:
    fake = bot.fake
    configured = await bot.moderator_run(
        "config", {"setting": "channel"}, channel_id=fake.highlight_channel_id
    )
    await bot.answer(configured)
    submitted = await bot.run("submit", {"text": "The night shift rescued our launch."})
    await bot.answer(submitted)
    fake.fail_next(
        "POST", r"/channels/\d+/messages", 403, {"message": "Missing Access", "code": 50001}
    )

    featured = await bot.moderator_run("feature", {"number": 1})
    answer = await bot.answer(featured)
    assert "Give me permission to send messages there." in answer["content"]


async def test_moderators_and_the_owner_get_a_direct_message(bot: Harness) -> None:
    fake = bot.fake
    moderator = bot.mo["id"]
    fake.fail_next(
        "POST", r"/channels/\d+/messages", 403, {"message": "Cannot send", "code": 50007}
    )
    space = SpaceRef(Platform.DISCORD, str(fake.guild_id))

    await announcer(bot).notify_moderators(space, [moderator, "U-SLACK-ID", moderator], NOTICE)

    opened = [str(c.json["recipient_id"]) for c in fake.calls("POST", "/users/@me/channels")]
    assert opened == [moderator, str(fake.owner_id)]
    [delivered] = fake.calls("POST", r"/channels/\d+/messages")[1:]  # the first was refused
    assert delivered.json["content"] == "The story of the week could not be announced."
    assert delivered.json["allowed_mentions"] == {"parse": []}


async def test_the_owner_of_an_uncached_server_is_looked_up(bot: Harness) -> None:
    elsewhere = SpaceRef(Platform.DISCORD, str(bot.fake.new_id()))
    await announcer(bot).notify_moderators(elsewhere, [], NOTICE)
    assert bot.fake.calls("GET", rf"/guilds/{elsewhere.external_id}")
    [opened] = bot.fake.calls("POST", "/users/@me/channels")
    assert str(opened.json["recipient_id"]) == str(bot.fake.owner_id)


async def test_display_names_of_credited_members_for_linked_spaces(bot: Harness) -> None:
    """Names are stored at submit time, so a linked Slack workspace can show them."""
    kim = bot.fake.new_id()
    bot.fake.members[kim] = {
        "id": str(kim),
        "username": "kim",
        "global_name": "Kim Lind",
        "discriminator": "0",
        "avatar": None,
        "public_flags": 0,
        "flags": 0,
    }
    space = SpaceRef(Platform.DISCORD, str(bot.fake.guild_id))
    gone = str(bot.fake.new_id())
    names = await announcer(bot).display_names(space, [str(kim), gone, "not-an-id"])
    assert names == {str(kim): "Kim Lind"}


HOUR_LIMIT = {"message": "You are being rate limited.", "retry_after": 3600, "global": False}


async def test_a_long_rate_limit_on_one_direct_message_does_not_stop_the_others(
    bot: Harness,
) -> None:
    """discord.RateLimited is not an HTTPException: it must be caught beside it."""
    fake = bot.fake
    fake.fail_next("POST", r"/users/@me/channels", 429, HOUR_LIMIT, headers={"Via": "1.1 google"})
    space = SpaceRef(Platform.DISCORD, str(fake.guild_id))
    await announcer(bot).notify_moderators(space, [bot.mo["id"]], NOTICE)
    opened = [str(c.json["recipient_id"]) for c in fake.calls("POST", "/users/@me/channels")]
    assert opened == [bot.mo["id"], str(fake.owner_id)]  # the owner still hears of it
    assert len(fake.calls("POST", r"/channels/\d+/messages")) == 1


async def test_a_long_rate_limit_on_a_name_lookup_leaves_that_name_out(bot: Harness) -> None:
    fake = bot.fake
    fake.fail_next(
        "GET", r"/guilds/\d+/members/\d+", 429, HOUR_LIMIT, headers={"Via": "1.1 google"}
    )
    space = SpaceRef(Platform.DISCORD, str(fake.guild_id))
    assert await announcer(bot).display_names(space, [str(fake.new_id())]) == {}
