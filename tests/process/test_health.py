"""GET /healthz and GET /readyz from a real `storybot run`, in the modes without Slack's HTTP
endpoint: Socket Mode and Discord only (HTTP_PORT set, as a load balancer would need)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp

from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess, free_port
from tests.process.conftest import StartBot


async def probe(bot: BotProcess, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{bot.http_port}{path}"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.text()


async def until_ready(bot: BotProcess, within: float = 30.0) -> dict[str, object]:
    """The /readyz document once it says 200 (bounded; the log explains a failure)."""
    deadline = asyncio.get_running_loop().time() + within
    last: tuple[int, str] | None = None
    while asyncio.get_running_loop().time() < deadline:
        bot.raise_if_exited()
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            last = await probe(bot, "/readyz")
            if last[0] == 200:
                return json.loads(last[1])
        await asyncio.sleep(0.2)
    raise AssertionError(f"/readyz never said 200 (last: {last})\n{bot.log()}")


async def test_socket_mode_serves_health_and_readiness(
    start_bot: StartBot, fake_slack: FakeSlack
) -> None:
    bot = await start_bot(slack=fake_slack, extra={"SLACK_APP_TOKEN": "xapp-1-A0APP-1-socketmode"})
    await asyncio.wait_for(fake_slack.socket_connected.wait(), 30)

    assert await probe(bot, "/healthz") == (200, "ok")
    ready = await until_ready(bot)
    assert ready == {"ready": True, "checks": {"database": True, "slack": True}}
    # No Slack HTTP endpoint in Socket Mode: only the health routes are served.
    async with (
        aiohttp.ClientSession() as session,
        session.post(bot.events_url, data=b"{}") as response,
    ):
        assert response.status == 404
    assert await bot.stop() == 0


async def test_discord_only_serves_health_and_readiness(
    start_bot: StartBot, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(
        discord=fake_discord, extra={"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port())}
    )
    assert await probe(bot, "/healthz") == (200, "ok")
    ready = await until_ready(bot)
    assert ready == {"ready": True, "checks": {"database": True, "discord": True}}
    assert await bot.stop() == 0
