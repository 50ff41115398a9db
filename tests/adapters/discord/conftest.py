"""The real discord.py client against the local fake of Discord, with the core on fakes."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.client import ClientOptions
from adapters.discord.delivery import RESPONSE_BUDGET
from adapters.discord.drafts import DraftStore
from adapters.discord.runtime import DiscordRuntime, RuntimeOptions
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.core import Core
from tests.fakes.discord import (
    CHAT_INPUT,
    COMPONENT,
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    FakeDiscord,
    Recorded,
    slash_data,
    user,
)
from tests.fakes.memory import FakeClock, FakeDatabase


class Harness:
    """Starts Storybot's Discord runtime against the fake and plays users' interactions."""

    def __init__(self, fake: FakeDiscord, tmp_path: Path) -> None:
        self.fake = fake
        self.db = FakeDatabase()
        self.clock = FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
        self.core: Core | None = None  # the core of the runtime started last
        self.sync_file = tmp_path / "discord-commands.json"
        self.runtimes: list[DiscordRuntime] = []
        self.anna = user(fake.new_id(), "anna")
        self.bo = user(fake.new_id(), "bo")
        self.mo = user(fake.new_id(), "mo")  # has the Support leads role: Manage Server
        for member in (self.anna, self.bo, self.mo):  # the server's members, as Discord knows
            fake.members[int(member["id"])] = member

    def settings(self, **overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "discord_token": "fake-token",
            "discord_api_url": f"http://127.0.0.1:{self.fake.port}",
            "discord_gateway_url": self.fake.gateway_url,
            **overrides,
        }
        return Settings.load(None, **values)

    async def start(
        self,
        *,
        core_type: type[Core] = Core,
        form_deadline: float = 1.0,
        drafts: DraftStore | None = None,
        response_budget: float = RESPONSE_BUDGET,
        **settings: Any,
    ) -> DiscordRuntime:
        options = RuntimeOptions(
            client=ClientOptions(sync_state_file=self.sync_file, guild_ready_timeout=0.05),
            form_deadline=form_deadline,
            response_budget=response_budget,
            ready_timeout=10,
        )
        # Built by the composition root, as `storybot run` builds it.
        app = await bootstrap(
            self.settings(**settings),
            uow=self.db.factory(),
            clock=self.clock,
            platforms=True,
            core_type=core_type,
            runtime_options={"discord": {"options": options, "drafts": drafts}},
        )
        [runtime] = app.runtimes
        assert isinstance(runtime, DiscordRuntime)
        self.core = app.core
        self.runtimes.append(runtime)
        await runtime.start()
        return runtime

    async def stop_all(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.stop()
        self.runtimes.clear()

    # Interactions ---------------------------------------------------------------------

    def slash(
        self, sub: str, options: dict[str, Any] | None = None, *, focused: str | None = None
    ) -> dict[str, Any]:
        """The data of a /story <sub> chat input (or autocomplete, with `focused`)."""
        return slash_data(self.fake, sub, options, focused=focused)

    async def send(
        self, kind: int, data: dict[str, Any] | None, who: dict[str, Any] | None = None, **kw: Any
    ) -> int:
        payload = self.fake.interaction(kind, data, who or self.anna, **kw)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return int(payload["id"])

    async def run(self, sub: str, options: dict[str, Any] | None = None, **kw: Any) -> int:
        return await self.send(CHAT_INPUT, self.slash(sub, options), **kw)

    async def moderator_run(
        self, sub: str, options: dict[str, Any] | None = None, **kw: Any
    ) -> int:
        return await self.run(
            sub,
            options,
            who=self.mo,
            roles=[self.fake.mod_role_id],
            permissions=EVERYONE_PERMISSIONS | MANAGE_GUILD,
            **kw,
        )

    async def callback(self, interaction_id: int, within: float = 5.0) -> Recorded:
        [found] = await self.fake.wait_for(
            "POST", rf"/interactions/{interaction_id}/[^/]+/callback", within=within
        )
        return found

    async def answer(self, interaction_id: int, within: float = 5.0) -> dict[str, Any]:
        """What the user finally sees: a direct response, or the edit after a defer."""
        callback = await self.callback(interaction_id, within)
        if callback.json["type"] in (4, 7):
            return callback.json["data"]
        token = f"token-{interaction_id}"
        [edit] = await self.fake.wait_for(
            "PATCH", rf"/webhooks/\d+/{token}/messages/@original", within=within
        )
        return edit.json

    async def followups(self, interaction_id: int, count: int = 1) -> list[Recorded]:
        return await self.fake.wait_for("POST", rf"/webhooks/\d+/token-{interaction_id}", count)

    def message_of(self, interaction_id: int) -> dict[str, Any]:
        """The stored message the interaction's answer created or edited (with components)."""
        found = self.fake.interactions[interaction_id]
        assert found.original_message_id is not None
        return self.fake.messages[found.original_message_id]

    async def click(self, message: dict[str, Any], custom_id: str, **kw: Any) -> int:
        data = {"custom_id": custom_id, "component_type": 2}
        return await self.send(COMPONENT, data, message=message, **kw)


def buttons(message: dict[str, Any]) -> dict[str, str]:
    """label -> custom_id of every button of a message payload."""
    return {
        b["label"]: b["custom_id"]
        for row in message.get("components") or []
        for b in row.get("components", [])
        if b.get("type") == 2
    }


async def settle(seconds: float = 0.05) -> None:
    await asyncio.sleep(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    server = FakeDiscord()
    await server.start()
    yield server
    await server.close()


@pytest.fixture
async def harness(fake: FakeDiscord, tmp_path: Path) -> AsyncIterator[Harness]:
    h = Harness(fake, tmp_path)
    yield h
    await h.stop_all()


@pytest.fixture
async def bot(harness: Harness) -> Harness:
    """The harness with one runtime connected."""
    await harness.start()
    return harness
