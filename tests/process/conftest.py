"""Fixtures for tests that run real `storybot run` processes against the local fakes.

`database_url` is a fresh SQLite file, or a fresh PostgreSQL database when the test is
parametrised with the postgresql backend and TEST_DATABASE_URL is set (see tests/storage).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from storage import upgrade
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess, bot_env, stop_all
from tests.storage.conftest import BACKENDS, PG_ENV, create_pg_database

SLACK_USERS = {
    "U0ANNA": ("Anna", "en-US", False),
    "U0BO": ("Bo", "sv-SE", False),
    "U0MOD": ("Mia", "en-GB", True),
}


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "postgresql":
        import os

        if not os.environ.get(PG_ENV):
            pytest.skip(f"{PG_ENV} is not set")
        url, drop = create_pg_database("storybot_process")
        try:
            asyncio.run(upgrade(url))  # once, so that N processes starting together only check
            yield url
        finally:
            drop()
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'storybot.db'}"
        asyncio.run(upgrade(url))
        yield url


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    for user_id, (name, locale, admin) in SLACK_USERS.items():
        server.add_user(user_id, name, locale=locale, admin=admin)
    yield server
    await server.stop()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


StartBot = Callable[..., Awaitable[BotProcess]]


@pytest.fixture
async def start_bot(tmp_path: Path, database_url: str) -> AsyncIterator[StartBot]:
    """Start a `storybot run` and wait until it is ready on every platform it was given."""
    bots: list[BotProcess] = []

    async def start(
        *,
        slack: FakeSlack | None = None,
        discord: FakeDiscord | None = None,
        name: str | None = None,
        **env: Any,
    ) -> BotProcess:
        name = name or f"bot{len(bots) + 1}"
        bot = BotProcess(
            bot_env(database_url, slack=slack, discord=discord, **env),
            tmp_path / name,
            name=name,
        )
        bots.append(bot)
        await bot.start()
        if slack is not None:
            await bot.wait_http()
        if discord is not None:
            await bot.wait_log('"platform": "discord"', within=30)
        return bot

    yield start
    await stop_all(bots)
