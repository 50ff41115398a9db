"""Slack and Discord failing under a running `storybot run`: nothing lost, nothing doubled.

A story of the week whose announcement the platform refused (Slack: 500 twice, past the
client's one retry; Discord: 429 with a Retry-After too long to wait) is explained to the
moderator, and the weekly job in the process posts it on a later tick, exactly once. A gateway
that drops mid-submissions is resumed without losing or doubling a story.
Adapter-level tests of each fault are listed in docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import (
    CHAT_INPUT,
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    FakeDiscord,
    slash_data,
    user,
)
from tests.fakes.slack import Call, FakeSlack
from tests.harness.bot_process import BotProcess
from tests.harness.story_db import consistency_problems, stories
from tests.process.conftest import StartBot
from tests.process.traffic import SAVED, discord_say, said, slack_say

# Due at any moment of any week, so the job in the process retries on every tick.
ALWAYS_DUE = ("config weekday mon", "config time 00:00")
RETRY_TEXT = "I will try the announcement again"
TICKS_TO_WATCH = 2.5  # seconds at WEEKLY_TICK_SECONDS=1: any duplicate post would show


async def test_refused_announcements_are_explained_and_posted_once_on_a_later_tick(
    start_bot: StartBot, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(
        slack=fake_slack, discord=fake_discord, extra={"WEEKLY_TICK_SECONDS": "1"}
    )
    await fake_discord.wait_connected()
    await _slack_refused_then_posted_once(bot, fake_slack)
    await _discord_refused_then_posted_once(fake_discord)
    bot.raise_if_exited()
    assert await bot.stop() == 0


async def _slack_refused_then_posted_once(bot: BotProcess, fake: FakeSlack) -> None:
    for line in ALWAYS_DUE:
        assert "The weekly pick now runs on" in await slack_say(bot, fake, line, user="U0MOD")
    assert "now gets the story of the week" in await slack_say(
        bot, fake, "config channel", user="U0MOD"
    )
    assert SAVED.search(await slack_say(bot, fake, "submit The courier waited in the rain. #speed"))

    def posts() -> list[Call]:
        return [
            c for c in fake.called("chat.postMessage") if c.args.get("channel") == payloads.CHANNEL
        ]

    fake.server_error("chat.postMessage", times=2)  # two rounds of the weekly job
    said = await slack_say(bot, fake, "feature 1", user="U0MOD")
    told = RETRY_TEXT in said or any(
        str(c.args.get("channel", "")).startswith("D") for c in fake.called("chat.postMessage")
    )
    assert told, said  # the moderator heard of it (or, if a tick got there first, by DM)
    await FakeDiscord.wait_until(lambda: len(posts()) == 3, within=15)  # 2 refused + 1 posted
    await asyncio.sleep(TICKS_TO_WATCH)
    assert len(posts()) == 3, "the announcement was posted twice"


async def _discord_refused_then_posted_once(fake: FakeDiscord) -> None:
    moderator = user(fake.new_id(), "mia")
    rights = {"member": moderator, "permissions": EVERYONE_PERMISSIONS | MANAGE_GUILD}
    for line in ALWAYS_DUE:
        setting, value = line.split()[1:]
        said = await discord_say(fake, "config", {"setting": setting, "value": value}, **rights)
        assert "The weekly pick now runs on" in said
    said = await discord_say(
        fake, "config", {"setting": "channel"}, channel_id=fake.highlight_channel_id, **rights
    )
    assert "now gets the story of the week" in said
    assert SAVED.search(await discord_say(fake, "submit", {"text": "The fitter came back. #speed"}))

    highlights = rf"/channels/{fake.highlight_channel_id}/messages"
    an_hour = {"message": "You are being rate limited.", "retry_after": 3600, "global": False}
    fake.fail_next("POST", highlights, 429, an_hour, headers={"Via": "1.1 google"})
    said = await discord_say(fake, "feature", {"number": 1}, **rights)
    assert "slow down" in said or fake.calls("POST", r"/users/@me/channels"), said
    await fake.wait_for("POST", highlights, count=2, within=15)  # refused, then posted
    await asyncio.sleep(TICKS_TO_WATCH)
    assert len(fake.calls("POST", highlights)) == 2, "the announcement was posted twice"


async def test_a_dropped_gateway_mid_submissions_is_resumed_and_nothing_stored_twice(
    start_bot: StartBot, fake_discord: FakeDiscord, database_url: str
) -> None:
    """Discord closes the gateway while submissions arrive: the client RESUMEs, the events sent
    meanwhile are replayed to it, and one replayed twice (as Discord may) is stored once."""
    fake = fake_discord
    bot = await start_bot(discord=fake)
    await fake.wait_connected()
    submissions = [
        fake.interaction(
            CHAT_INPUT,
            slash_data(fake, "submit", {"text": f"Gateway story {n}: the guide waited for us."}),
            user(fake.new_id(), f"member{n}"),
        )
        for n in range(6)
    ]
    for payload in submissions[:2]:
        await fake.dispatch("INTERACTION_CREATE", payload)
    await fake.drop_connections(code=4000)
    for payload in submissions[2:]:
        await fake.dispatch("INTERACTION_CREATE", payload)  # kept for the resumed session
    await fake.wait_connected(within=15)
    await fake.dispatch("INTERACTION_CREATE", submissions[0])  # delivered twice

    for payload in submissions:
        [answer] = await fake.wait_for(
            "PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original", within=15
        )
        assert SAVED.search(said(answer.json)), answer.json
    assert len(fake.resumes) == 1 and len(fake.identifies) == 1  # resumed, not started over
    stored = await stories(database_url)
    assert sorted(s.number for s in stored) == [1, 2, 3, 4, 5, 6]
    assert await consistency_problems(database_url) == []
    assert await bot.stop() == 0
