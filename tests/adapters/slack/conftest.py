"""The real Bolt app on a loopback HTTP server, talking to a fake Slack Web API.

Tests post signed requests to /slack/events exactly as Slack would and assert on what the
adapter then asked Slack to do (views.open, chat.postMessage, response_url posts, …).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest

from adapters.slack.runtime import SlackRuntime
from bot.bootstrap import bootstrap
from bot.config import Settings
from bot.core import Core
from bot.domain import Story
from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeClock, FakeDatabase
from tests.fakes.slack import TEAM, FakeSlack

ANNA = "U0ANNA"  # English
BO = "U0BO"  # Swedish (sv-SE)
MODERATOR = "U0MOD"  # workspace admin
TOKEN = "xoxb-1111-2222-testtoken"


@dataclass
class Answer:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text)


class SlackHarness:
    def __init__(self, fake: FakeSlack, runtime: SlackRuntime, db: FakeDatabase) -> None:
        self.fake = fake
        self.runtime = runtime
        self.db = db
        self._n = itertools.count(1)

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.runtime.port}/slack/events"

    async def post(
        self,
        body: str,
        *,
        headers: dict[str, str] | None = None,
        signed: bool = True,
        timestamp: int | None = None,
        retry: int | None = None,
    ) -> Answer:
        sent = {"Content-Type": "application/x-www-form-urlencoded"}
        if body.startswith("{"):
            sent["Content-Type"] = "application/json"
        if signed:
            sent.update(payloads.sign(body, timestamp=timestamp))
        if retry is not None:
            sent.update({"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"})
        sent.update(headers or {})
        timeout = aiohttp.ClientTimeout(total=10)
        async with (
            aiohttp.ClientSession(timeout=timeout) as session,
            session.post(self.events_url, data=body.encode(), headers=sent) as response,
        ):
            return Answer(response.status, await response.text())

    async def command(
        self,
        text: str,
        *,
        user: str = ANNA,
        channel: str = payloads.CHANNEL,
        trigger: str | None = None,
        retry: int | None = None,
        team: str = TEAM,
    ) -> Answer:
        body = payloads.command(
            text,
            user=user,
            channel=channel,
            trigger=trigger,
            team=team,
            response_url=self.fake.response_url(f"command-{next(self._n)}"),
        )
        return await self.post(body, retry=retry)

    async def interact(self, payload: dict[str, Any], *, retry: int | None = None) -> Answer:
        return await self.post(payloads.interactive(payload), retry=retry)

    async def event(self, payload: dict[str, Any]) -> Answer:
        return await self.post(json.dumps(payload))

    def response_url(self) -> str:
        return self.fake.response_url(f"action-{next(self._n)}")

    def stories(self) -> list[Story]:
        found = []
        for number in itertools.count(1):
            story = self.db.story(1, number)
            if story is None:
                return found
            found.append(story)
        return found


MakeSlack = Callable[..., Awaitable[SlackHarness]]


def settings_for(fake: FakeSlack, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": TOKEN,
        "slack_signing_secret": payloads.SECRET,
        "slack_app_token": None,
        "slack_api_url": fake.api_url,
        "http_host": "127.0.0.1",
        "http_port": 0,
    }
    values.update(overrides)
    return Settings.load(None, **values)


async def slack_runtime(
    settings: Settings,
    *,
    db: FakeDatabase | None = None,
    core_type: type[Core] = Core,
    form_budget: float = 2.5,
    clock: FakeClock | None = None,
) -> SlackRuntime:
    """A Slack runtime on a core of fakes, built by the composition root as `storybot run`
    builds it; not started."""
    app = await bootstrap(
        settings,
        uow=(db or FakeDatabase()).factory(),
        clock=clock or FakeClock(),
        platforms=True,
        core_type=core_type,
        runtime_options={"slack": {"form_budget": form_budget}},
    )
    [runtime] = app.runtimes
    assert isinstance(runtime, SlackRuntime)
    return runtime


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    server.add_user(ANNA, "Anna", locale="en-US")
    server.add_user(BO, "Bo", locale="sv-SE")
    server.add_user(MODERATOR, "Mia", locale="en-GB", admin=True)
    yield server
    await server.stop()


@pytest.fixture
async def make_slack(fake: FakeSlack) -> AsyncIterator[MakeSlack]:
    """Start a Slack runtime (HTTP mode) on a core of its own, or on a given database."""
    started: list[SlackRuntime] = []

    async def make(
        *,
        db: FakeDatabase | None = None,
        core_type: type[Core] = Core,
        form_budget: float = 2.5,
        clock: FakeClock | None = None,
    ) -> SlackHarness:
        db = db or FakeDatabase()
        runtime = await slack_runtime(
            settings_for(fake), db=db, core_type=core_type, form_budget=form_budget, clock=clock
        )
        await runtime.start()
        started.append(runtime)
        fake.calls.clear()  # the start-up auth.test; tests look at what requests caused
        return SlackHarness(fake, runtime, db)

    yield make
    for runtime in started:
        await runtime.stop()


@pytest.fixture
async def slack(make_slack: MakeSlack) -> SlackHarness:
    return await make_slack()
