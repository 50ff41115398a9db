"""Small readers of rendered Block Kit, and seeding stories straight through the core."""

from __future__ import annotations

import json
from typing import Any

from bot.commands import Actor, StoryInput, Submit
from bot.domain import Platform, SpaceRef
from tests.adapters.slack.conftest import SlackHarness
from tests.fakes.slack import TEAM
from tests.fakes.slack_payloads import CHANNEL

SPACE = SpaceRef(Platform.SLACK, TEAM)


def actor(user: str, *, admin: bool = False, locale: str | None = None) -> Actor:
    return Actor(SPACE, user, user.title(), channel_id=CHANNEL, is_admin=admin, locale=locale)


async def seed(slack: SlackHarness, *texts: str, author: str = "U0SEED", **extra: Any) -> None:
    """Stories stored through the core, as if submitted earlier."""
    for i, text in enumerate(texts):
        story = StoryInput(text=text, consent=True, **extra)
        reply = await slack.runtime.core.handle(
            Submit(story, client_key=f"seed-{i}-{text[:20]}"), actor(author)
        )
        assert not reply.error, reply.plain_text


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
        if element.get("type") == "button"
    ]


def button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    found = [b for b in buttons(blocks) if b["text"]["text"].startswith(label)]
    assert found, f"no button {label!r} in {[b['text']['text'] for b in buttons(blocks)]}"
    return found[0]


def dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
