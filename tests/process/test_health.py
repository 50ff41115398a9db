"""GET /healthz and GET /readyz from a real `storybot run`, in the modes without Slack's HTTP
endpoint: Socket Mode and Discord only (HTTP_PORT set, as a load balancer would need)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiohttp
from sqlalchemy import make_url

from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess, free_port
from tests.harness.tcp_proxy import TcpProxy
from tests.process.conftest import StartBot
from tests.process.test_database_faults import write_lock_held


async def probe(bot: BotProcess, path: str) -> tuple[int, str]:
    url = f"http://127.0.0.1:{bot.http_port}{path}"
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session,
        session.get(url) as response,
    ):
        return response.status, await response.text()


async def until_ready(
    bot: BotProcess, within: float = 30.0, status: int = 200
) -> dict[str, object]:
    """The /readyz document once it answers `status` (bounded; the log explains a failure)."""
    deadline = asyncio.get_running_loop().time() + within
    last: tuple[int, str] | None = None
    while asyncio.get_running_loop().time() < deadline:
        bot.raise_if_exited()
        with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
            last = await probe(bot, "/readyz")
            if last[0] == status:
                return json.loads(last[1])
        await asyncio.sleep(0.2)
    raise AssertionError(f"/readyz never said {status} (last: {last})\n{bot.log()}")


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


async def test_readyz_says_503_while_the_database_does_not_answer(
    start_bot: StartBot, fake_discord: FakeDiscord, database_url: str
) -> None:
    """PostgreSQL taken away through a TCP proxy; SQLite locked by another writer longer than
    the readiness check waits. Liveness stays 200 throughout: nothing to restart."""
    postgres = make_url(database_url).get_backend_name() == "postgresql"
    proxy: TcpProxy | None = None
    extra = {"HTTP_HOST": "127.0.0.1", "HTTP_PORT": str(free_port()), "DB_POOL_TIMEOUT": "2"}
    if postgres:
        target = make_url(database_url)
        proxy = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
        await proxy.start()
        extra["DATABASE_URL"] = proxy.url_for(database_url)
    try:
        bot = await start_bot(discord=fake_discord, extra=extra)
        await until_ready(bot)
        if proxy is not None:
            await proxy.cut()
            down = await until_ready(bot, status=503)
            await proxy.restore()
        else:
            async with write_lock_held(database_url):
                down = await until_ready(bot, status=503)
        assert down == {"ready": False, "checks": {"database": False, "discord": True}}
        assert await probe(bot, "/healthz") == (200, "ok")
        await until_ready(bot)  # back by itself, no restart
        assert await bot.stop() == 0
    finally:
        if proxy is not None:
            await proxy.close()
