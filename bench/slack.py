"""`storybot bench`, Slack part: a signed slash command through the running Bolt app over
loopback, beside the same request to a Bolt app whose handler does nothing but answer."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import re
import time
from typing import Any, Protocol
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack.app import build_app
from adapters.slack.client import web_client
from adapters.slack.runtime import EVENTS_PATH, SlackRuntime
from bench.stats import Figure
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.ports import UnitOfWorkFactory

SECRET = "bench-signing-secret"  # only between this process and itself, over loopback
TOKEN = "xoxb-bench-token"
USER = "U0BENCH"
WARMUP = 3


class SlackFake(Protocol):
    """What the bench needs of tests/fakes/slack.FakeSlack."""

    api_url: str
    responses: list[Any]

    def response_url(self, name: str) -> str: ...
    def add_user(self, user_id: str, name: str) -> None: ...
    async def wait_for_responses(self, count: int = 1, within: float = 5.0) -> list[Any]: ...


class EmptyHandlerApp:
    """The floor: a Bolt app on the same HTTP stack whose /story handler acks and posts a
    fixed reply to response_url, nothing else."""

    def __init__(self, api_url: str) -> None:
        self.app = build_app(web_client(TOKEN, api_url), SECRET)

        @self.app.command(re.compile("^/"))
        async def answer(ack: AsyncAck, respond: AsyncRespond) -> None:
            await ack()
            await respond(text="ok")

        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        web_app = web.Application()
        web_app.router.add_post(EVENTS_PATH, self._events)
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        return int(self._runner.addresses[0][1])

    async def _events(self, request: web.Request) -> web.Response:
        return await to_aiohttp_response(
            await self.app.async_dispatch(await to_bolt_request(request))
        )

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def _signed(body: str) -> dict[str, str]:
    ts = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
        "Content-Type": "application/x-www-form-urlencoded",
    }


async def measure_slack(
    uow: UnitOfWorkFactory, fake: SlackFake, team: str, text: str, count: int
) -> list[Figure]:
    """`/story <text>` by a member of the fake's workspace: time to the HTTP answer (the
    ack) and to the reply posted to response_url, for Storybot and for the empty app."""
    fake.add_user(USER, "Bench")
    settings = Settings.load(
        None,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_app_token=None,
        slack_api_url=fake.api_url,
        http_host="127.0.0.1",
        http_port=0,
    )
    # Built by the composition root, as `storybot run` builds it.
    [runtime] = (await bootstrap(settings, uow=uow, platforms=True)).runtimes
    assert isinstance(runtime, SlackRuntime)
    floor = EmptyHandlerApp(fake.api_url)
    await runtime.start()
    floor_port = await floor.start()
    names = itertools.count()
    urls = {
        "storybot": f"http://127.0.0.1:{runtime.port}{EVENTS_PATH}",
        "floor": f"http://127.0.0.1:{floor_port}{EVENTS_PATH}",
    }
    times: dict[str, tuple[list[float], list[float]]] = {k: ([], []) for k in urls}
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            for i in range(count + WARMUP):
                for kind, url in urls.items():
                    body = urlencode(
                        {
                            "team_id": team,
                            "channel_id": "C0BENCH",
                            "user_id": USER,
                            "user_name": "bench",
                            "command": "/story",
                            "text": text,
                            "api_app_id": "A0BENCH",
                            "response_url": fake.response_url(f"bench-{next(names)}"),
                            "trigger_id": f"{i}.{kind}.bench",
                        }
                    )
                    expected = len(fake.responses) + 1
                    started = time.perf_counter()
                    async with session.post(url, data=body, headers=_signed(body)) as response:
                        await response.read()
                        if response.status != 200:
                            raise RuntimeError(f"Slack request answered {response.status}")
                    answered = time.perf_counter()
                    await fake.wait_for_responses(expected, within=10)
                    replied = time.perf_counter()
                    if i >= WARMUP:
                        times[kind][0].append((answered - started) * 1000)
                        times[kind][1].append((replied - started) * 1000)
                    await asyncio.sleep(0)
    finally:
        await floor.stop()
        await runtime.stop()
    return [
        Figure(
            "slack /story show → HTTP response",
            times["storybot"][0],
            times["floor"][0],
            "empty handler",
            "signed slash command over loopback; Bolt acks before the core runs",
        ),
        Figure(
            "slack /story show → reply at response_url",
            times["storybot"][1],
            times["floor"][1],
            "empty handler",
            "until the fake Slack receives the reply; the floor posts a fixed 'ok'",
        ),
    ]
