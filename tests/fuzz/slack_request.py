"""Fuzz target: a request to /slack/events, body and headers, through the real Bolt app:
signature check, payload parsing, routing, the adapter, the core (on in-memory fakes) and
the calls back to Slack (a local fake Slack Web API).

Most inputs are signed with the test secret so they get past verification; some are sent
unsigned, with a wrong signature or a stale timestamp, and must be refused (401) without
reaching the core. Bodies are slash commands, button clicks, form submissions, shortcuts
and events with fuzzed values, or raw fuzzed bytes.

    python -m tests.fuzz.slack_request -max_total_time=30

A crash is any exception Bolt hands to the app's error handler (a listener or middleware
raised) or that escapes dispatch; or a refused request that reached the core.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlencode

from tests.fuzz.runner import Choices, Target, instrumented, main

with instrumented():
    from multidict import CIMultiDict

    from adapters.slack import render, views
    from adapters.slack.app import build_app, register
    from adapters.slack.client import web_client
    from adapters.slack.events import bolt_request_of
    from bot.core import Core
    from bot.domain import Language
    from bot.forms import story_form
    from bot.i18n import Translator

from tests.fakes import slack_payloads as payloads
from tests.fakes.memory import FakeClock, FakeDatabase
from tests.fakes.slack import TEAM, FakeSlack

USERS = ["U0ANNA", "U0BO", "U0MOD", "W0ALL", "U0GHOST", ""]
SEEDS = [
    "",
    "help",
    "submit The courier called ahead about the delay #speed",
    "browse",
    "search courier",
    "show 1",
    "appreciate 1",
    "share 1",
    "edit 1",
    "delete 1",
    "feature 1 note",
    "hide 1",
    "config",
    "config language sv",
    "export",
]
ACTIONS = [
    "sb1:show:1",
    "sb1:appreciate:1",
    "sb1:share:1",
    "sb1:edit:1",
    "sb1:browse::o1.1.2",
    "sb1:search:courier:",
    "sb1:submit",
    "sb1:hide:1",
]
PLAIN_TEXT = {"type": "plain_text", "text": "x"}


class SlackTarget:
    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake
        self.db = FakeDatabase()
        self.core = Core(self.db.factory(), FakeClock())
        self.app = build_app(web_client("xoxb-fuzz", fake.api_url), payloads.SECRET)
        self.errors: list[BaseException] = []
        self.core_calls = 0
        self.count = 0

        @self.app.error
        async def record(error: Exception) -> None:
            self.errors.append(error)

        register(self.app, self.core, form_budget=2.0)
        original = self.core._run

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.core_calls += 1
            return await original(*args, **kwargs)

        self.core._run = counted  # type: ignore[method-assign]
        form = story_form(Translator(Language.EN))
        self.form_view = views.form_view(
            form, Translator(Language.EN), views.FormMetadata(form.action)
        )

    async def __call__(self, data: bytes) -> None:
        self.count += 1
        if self.count % 500 == 0:  # keep the fakes small and fast
            self.db.__init__()  # type: ignore[misc]
            self.fake.calls.clear()
        c = Choices(data)
        body, content_type = self.body(c)
        mode = c.pick(["signed"] * 6 + ["unsigned", "wrong", "stale"])
        headers = {"content-type": content_type}
        if mode == "signed":
            headers.update(payloads.sign(body))
        elif mode == "wrong":
            headers.update(payloads.sign(body, secret="not-the-secret"))
        elif mode == "stale":
            headers.update(payloads.sign(body, timestamp=int(time.time()) - 3600))
        if c.flag():
            headers["x-slack-retry-num"] = c.text(4)
            headers["x-slack-retry-reason"] = c.text(20)
        before, self.errors[:] = self.core_calls, []
        # As SignedRequests.dispatch does (after the signature): a body that is not what Slack
        # sends is answered 400 before Bolt sees it.
        request = bolt_request_of(body.encode(), CIMultiDict(headers))
        if request is None:
            return
        response = await self.app.async_dispatch(request)
        await self.settle()
        if self.errors:
            raise self.errors[0]
        if mode != "signed":
            assert response.status == 401, (mode, response.status)
            assert self.core_calls == before, "an unsigned request reached the core"
        assert response.status < 500 or mode == "signed", response.status

    async def settle(self) -> None:
        """Wait for the listeners Bolt runs after ack (and their calls to Slack)."""
        for _ in range(50):
            current = asyncio.current_task()
            pending = [t for t in asyncio.all_tasks() if t is not current and not t.done()]
            busy = [t for t in pending if "web_protocol" not in repr(t.get_coro())]
            if not busy:
                return
            await asyncio.wait(busy, timeout=0.2)

    def body(self, c: Choices) -> tuple[str, str]:
        kind = c.pick(["command", "command", "button", "form", "shortcut", "event", "raw"])
        user = c.pick(USERS) if c.flag() else c.text(12)
        response_url = self.fake.response_url("fuzz")
        form = "application/x-www-form-urlencoded"
        if kind == "command":
            text = c.pick(SEEDS) + (c.text(300) if c.flag() else "")
            return payloads.command(text, user=user, response_url=response_url), form
        if kind == "raw":
            # Text, not raw code points: a body arrives as bytes, and one that is not UTF-8 (a
            # lone surrogate cannot be) is refused before Bolt sees it (test_events.py).
            return c.text(2000), c.pick([form, "application/json", "text/plain"])
        if kind == "event":
            event = {
                "type": "event_callback",
                "team_id": TEAM,
                "api_app_id": payloads.APP_ID,
                "event": {
                    "type": c.pick(["app_home_opened", "message", c.text(20)]),
                    "user": user,
                    "tab": c.pick(["home", "messages", c.text(10)]),
                    "channel": "D0DM",
                },
                "event_id": f"Ev{c.number(0, 10**6)}",
                "event_time": 1700000000,
            }
            return json.dumps(event), "application/json"
        if kind == "button":
            value = c.pick(ACTIONS) if c.flag() else c.raw_text(120)
            button = {"action_id": f"sb:{c.number(0, 30)}", "text": PLAIN_TEXT, "value": value}
            view = None
            if c.flag():
                view = payloads.view_as_slack_has_it(render.home_view(_empty()), "V0HOME")
            payload = payloads.block_actions(
                button, user=user, response_url=response_url, ephemeral=c.flag(), view=view
            )
        elif kind == "form":
            answers = {
                "f:text": c.raw_text(400),
                "f:title": c.text(120),
                "f:customer": c.text(120),
                "f:credited": [c.pick(USERS)],
                "f:tags": ["speed"] if c.flag() else [],
                "f:tags:free": c.text(80),
                "f:anonymous": c.flag(),
                "f:consent": c.flag(),
            }
            view = dict(self.form_view)
            if c.flag():
                view["private_metadata"] = c.raw_text(200)
            payload = payloads.view_submission(
                view, answers, user=user, view_id=f"V{c.number(0, 10**6)}"
            )
        else:
            payload = payloads.message_action(
                c.raw_text(400), user=user, author=c.pick(USERS), response_url=response_url
            )
        return urlencode({"payload": json.dumps(payload)}), form


def _empty() -> Any:
    from bot.replies import Reply, Text

    return Reply(blocks=(Text("home"),))


async def load() -> Target:
    fake = FakeSlack()
    await fake.start()
    for user, (name, admin) in {"U0ANNA": ("Anna", False), "U0MOD": ("Mia", True)}.items():
        fake.add_user(user, name, locale="en-US", admin=admin)
    return SlackTarget(fake)


if __name__ == "__main__":
    main(load)
