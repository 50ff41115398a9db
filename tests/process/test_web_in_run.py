"""`storybot run` serves the public web pages beside Slack's endpoint when WEB_BASE_URL is set:
a moderator turns the wall on from Slack, gets its full address, and the same process serves
it; turned off, the same address answers 404."""

from __future__ import annotations

import re

import aiohttp

from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import free_port
from tests.process.conftest import StartBot
from tests.process.traffic import slack_say

ADDRESS = re.compile(r"(https?://\S+/wall/[A-Za-z0-9_-]+)")


async def status_of(url: str) -> int:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.get(url) as response,
    ):
        return response.status


async def test_the_wall_turned_on_in_slack_is_served_by_the_same_process(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake_slack.add_user("U0MOD", "Maja", admin=True)
    bot = await start_bot(
        slack=fake_slack,
        extra={"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(port), "WEB_BASE_URL": base},
    )
    said = await slack_say(bot, fake_slack, "config wall on", user="U0MOD")
    found = ADDRESS.search(said)
    assert found, said
    address = found.group(1)
    assert address.startswith(base)  # absolute: the moderator can paste it anywhere
    assert await status_of(address) == 200

    await slack_say(bot, fake_slack, "config wall off", user="U0MOD")
    assert await status_of(address) == 404
    assert await bot.stop() == 0
