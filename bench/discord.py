"""`storybot bench`, Discord part: INTERACTION_CREATE from the fake gateway until the fake's
REST API has the answer, for Storybot's client and for a discord.py client that only answers.

discord.py's REST and gateway addresses are process-wide, so the two clients run one after
the other against the same fake rather than in turns."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import discord
import yarl

from adapters.discord.client import ClientOptions
from adapters.discord.runtime import DiscordRuntime, RuntimeOptions, api_base
from bench.stats import Figure
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.ports import UnitOfWorkFactory

WARMUP = 3
CHAT_INPUT = 2
DEFERRED = 5


class DiscordFake(Protocol):
    """What the bench needs of tests/fakes/discord.FakeDiscord."""

    port: int
    gateway_url: str
    app_id: int
    guild_id: int
    _callback: Callable[..., Awaitable[Any]]
    _edit_webhook_message: Callable[..., Awaitable[Any]]

    def new_id(self) -> int: ...
    def command_id(self, name: str) -> str: ...
    def interaction(self, kind: int, data: dict[str, Any] | None, who: dict[str, Any]) -> Any: ...
    async def dispatch(self, event: str, data: dict[str, Any], shard_id: int = 0) -> None: ...
    async def wait_connected(self, shards: int = 1, within: float = 5.0) -> None: ...


class _Answers:
    """Wraps the fake's callback and original-message edit routes to note when they arrive,
    without polling."""

    def __init__(self, fake: DiscordFake) -> None:
        self.arrived: dict[str, asyncio.Future[tuple[float, int]]] = {}
        callback, edit = fake._callback, fake._edit_webhook_message

        async def on_callback(payload: Any, interaction_id: str, token: str) -> Any:
            arrived = time.perf_counter()
            response = await callback(payload, interaction_id, token)
            kind = int(payload.get("type", 0))
            if kind != DEFERRED:
                self._done(token, kind, arrived, response.status)
            return response

        async def on_edit(payload: Any, token: str, message: str) -> Any:
            arrived = time.perf_counter()
            response = await edit(payload, token, message)
            self._done(token, DEFERRED, arrived, response.status)
            return response

        fake._callback = on_callback
        fake._edit_webhook_message = on_edit

    def expect(self, token: str) -> asyncio.Future[tuple[float, int]]:
        future = self.arrived[token] = asyncio.get_running_loop().create_future()
        return future

    def _done(self, token: str, kind: int, arrived: float, status: int) -> None:
        """The answer's arrival time: when its request reached the fake, before the fake
        checked and stored it (the fake's work is not the adapter's, and it grows with the
        size of the answer). An answer the fake refused fails the sample."""
        future = self.arrived.pop(token, None)
        if future is None or future.done():
            return
        if status >= 400:
            future.set_exception(RuntimeError(f"the fake refused the answer ({status})"))
        else:
            future.set_result((arrived, kind))


class EmptyHandlerClient(discord.Client):
    """The floor: a discord.py client whose only handler answers every interaction."""

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("ok", ephemeral=True)


@contextlib.contextmanager
def _pointed_at(fake: DiscordFake) -> Iterator[None]:
    previous = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = api_base(f"http://127.0.0.1:{fake.port}")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    try:
        yield
    finally:
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = previous


_HANDLING = ("CommandTree-invoker", "discord.py: ")  # discord.py's names for its handler tasks


async def _handled(before: set[asyncio.Task[Any]], within: float = 1.0) -> None:
    """Until discord.py's tasks for the interaction just answered have ended (the answer may
    arrive before the handler returns): the next sample then starts on an event loop that
    is not still finishing this one, as each core figure's sample awaits its command to the
    end. The loop is kept busy meanwhile (sleep(0)), not left to go idle."""
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        busy = [
            task
            for task in asyncio.all_tasks() - before
            if task.get_name().startswith(_HANDLING) and not task.done()
        ]
        if not busy:
            return
        await asyncio.sleep(0)


async def _play(
    fake: DiscordFake, answers: _Answers, data: dict[str, Any], count: int
) -> tuple[list[float], int]:
    """The times until the answer, and how many measured answers were deferred (a deferring
    callback, then an edit: two REST calls, where an answer in the callback is one)."""
    member = {
        "id": str(fake.new_id()),
        "username": "bench",
        "discriminator": "0",
        "global_name": "Bench",
        "avatar": None,
        "bot": False,
    }
    times = []
    deferred = 0
    before = asyncio.all_tasks()
    for i in range(count + WARMUP):
        payload = fake.interaction(CHAT_INPUT, data, member)
        arrived = answers.expect(payload["token"])
        started = time.perf_counter()
        await fake.dispatch("INTERACTION_CREATE", payload)
        finished, kind = await asyncio.wait_for(arrived, 10)
        await _handled(before)
        if i >= WARMUP:
            times.append((finished - started) * 1000)
            deferred += kind == DEFERRED
    return times, deferred


async def measure_discord(
    uow: UnitOfWorkFactory, fake: DiscordFake, number: int, count: int, workdir: Path
) -> list[Figure]:
    """`/story show number:<number>` in the fake's guild."""
    answers = _Answers(fake)
    settings = Settings.load(
        None,
        discord_token="bench-token",
        discord_api_url=f"http://127.0.0.1:{fake.port}",
        discord_gateway_url=fake.gateway_url,
    )
    options = RuntimeOptions(
        client=ClientOptions(
            sync_state_file=workdir / "discord-commands.json", guild_ready_timeout=0.05
        ),
        ready_timeout=10,
    )
    # Built by the composition root, as `storybot run` builds it.
    app = await bootstrap(
        settings, uow=uow, platforms=True, runtime_options={"discord": {"options": options}}
    )
    [runtime] = app.runtimes
    assert isinstance(runtime, DiscordRuntime)
    await runtime.start()
    try:
        data = {
            "id": fake.command_id("story"),
            "name": "story",
            "type": 1,
            "options": [
                {
                    "type": 1,
                    "name": "show",
                    "options": [{"name": "number", "type": 4, "value": number}],
                }
            ],
        }
        storybot, deferred = await _play(fake, answers, data, count)
    finally:
        await runtime.stop()
    client = EmptyHandlerClient(intents=discord.Intents.none(), guild_ready_timeout=0.05)
    with _pointed_at(fake):
        await client.login("bench-token")
        connection = asyncio.create_task(client.connect(reconnect=False))
        try:
            await asyncio.wait_for(client.wait_until_ready(), 10)
            floor, _ = await _play(fake, answers, data, count)
        finally:
            await client.close()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(connection, 10)
    return [
        Figure(
            "discord /story show → answer at the fake",
            storybot,
            floor,
            "empty handler",
            "INTERACTION_CREATE over the fake gateway until the callback (or, if deferred, "
            "the edit of the original message) reaches the fake REST API; REST calls per "
            f"answer: {len(storybot) - deferred} of {len(storybot)} answered in one (the "
            f"callback), {deferred} deferred (callback + edit: two)",
        )
    ]
