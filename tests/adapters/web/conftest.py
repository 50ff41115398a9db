"""A core on in-memory fakes with its web pages served by aiohttp's test server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from adapters.web import WebSettings, web_routes
from bot.commands import Actor
from tests.conftest import Bot, actor

BASE = "https://stories.example.test"
MOD = actor("U-MOD", moderator=True)
TEXT = "The courier called ahead about the delay and brought a small gift."


class Wall:
    """A bot whose community has its wall on, plus an HTTP client of its pages."""

    def __init__(self, bot: Bot, client: TestClient) -> None:
        self.bot = bot
        self.client = client
        self._forms = 0

    @property
    def token(self) -> str:
        community = self.bot.db.community(1)
        assert community is not None and community.settings.wall_token is not None
        return community.settings.wall_token

    @property
    def path(self) -> str:
        return f"/wall/{self.token}"

    async def share(
        self,
        text: str = TEXT,
        *,
        who: Actor | None = None,
        consent: bool = True,
        on_wall: bool = True,
        **values: Any,
    ) -> int:
        """Submit through the core's form, as every platform does; the new story's number."""
        opened = await self.bot.say("/story", who)
        assert opened.form is not None
        self._forms += 1
        reply = await self.bot.core.handle_form(
            opened.form.action,
            {"text": text, "consent": consent, "on_wall": on_wall, **values},
            who or actor(),
            f"form-{self._forms}",
        )
        assert not reply.error, reply.plain_text
        self.bot.clock.advance(seconds=7)  # stay under the submission rate limit
        return max(n for (_, n) in self.bot.db._state.stories)

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.client.get(path, **kwargs)


@pytest.fixture
async def wall() -> AsyncIterator[Wall]:
    bot = Bot()
    reply = await bot.say("/story config wall on", MOD)
    assert not reply.error, reply.plain_text
    app = web.Application()
    app.add_routes(web_routes(bot.core, WebSettings(BASE)))
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        yield Wall(bot, client)
    finally:
        await client.close()
