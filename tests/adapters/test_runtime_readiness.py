"""Each platform runtime's `ready` (what GET /readyz reports): true only while connected."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from adapters.slack.runtime import SlackRuntime
from bot.config import Settings
from bot.core import Core
from tests.adapters.discord.conftest import Harness
from tests.adapters.slack.conftest import settings_for
from tests.fakes.discord import FakeDiscord
from tests.fakes.memory import FakeClock, FakeDatabase
from tests.fakes.slack import FakeSlack


async def until(condition: Callable[[], bool], within: float = 10.0) -> None:
    """Poll a condition with a bounded wait (the runtimes notice a lost socket in their loop)."""
    deadline = asyncio.get_running_loop().time() + within
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


def slack_runtime(settings: Settings) -> SlackRuntime:
    runtime = SlackRuntime(settings)
    runtime.bind(Core(FakeDatabase().factory(), FakeClock()))
    return runtime


async def test_slack_socket_mode_is_ready_only_while_its_socket_is_open() -> None:
    fake = FakeSlack()
    await fake.start()
    settings = settings_for(fake, slack_app_token="xapp-1-A0-1-ready", slack_signing_secret=None)
    runtime = slack_runtime(settings)
    try:
        assert not runtime.ready
        await runtime.start()
        assert runtime.ready
        await fake.stop()  # Slack goes away: the socket closes and cannot reopen
        await until(lambda: not runtime.ready)
    finally:
        await runtime.stop()
    assert not runtime.ready


async def test_slack_http_mode_is_ready_from_start_to_stop() -> None:
    fake = FakeSlack()
    await fake.start()
    runtime = slack_runtime(settings_for(fake))
    try:
        assert not runtime.ready
        await runtime.start()
        assert runtime.ready and runtime.port
    finally:
        await runtime.stop()
        await fake.stop()
    assert not runtime.ready


async def test_discord_is_ready_only_while_the_gateway_is_open(tmp_path: Path) -> None:
    fake = FakeDiscord()
    await fake.start()
    harness = Harness(fake, tmp_path)
    try:
        runtime = await harness.start()
        assert runtime.ready
        await fake.close()  # Discord goes away: the gateway closes and cannot reconnect
        await until(lambda: not runtime.ready)
    finally:
        await harness.stop_all()
        await fake.close()
    assert not runtime.ready
