"""Users talking to a running bot through the fakes, and reading what they were told."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import CHAT_INPUT, FakeDiscord, slash_data, user
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess

UNREACHABLE = {
    "en": "I can't reach the story database right now, so nothing was saved.",
    "sv": "Jag når inte berättelsedatabasen just nu, så inget sparades.",
}
SAVED = re.compile(r"(?:Story|Berättelse) #(\d+) (?:is saved|är sparad)")

_names = itertools.count(1)


def said(answer: dict[str, Any]) -> str:
    """Everything a message shows, as one string (text, blocks, embeds)."""
    return json.dumps(answer, ensure_ascii=False)


async def slack_say(
    bot: BotProcess, fake: FakeSlack, text: str, *, user: str = "U0ANNA", within: float = 30
) -> str:
    """`/story <text>` from `user`; what the bot answered through the response_url."""
    name = f"say{next(_names)}"
    status, _ = await bot.slack_post(
        payloads.command(text, user=user, response_url=fake.response_url(name))
    )
    assert status == 200, f"Slack's request was not acknowledged: {status}"
    return said((await fake.wait_for_response(name, within=within)).args)


async def discord_say(
    fake: FakeDiscord,
    sub: str,
    options: dict[str, Any] | None = None,
    *,
    locale: str = "en-US",
    member: dict[str, Any] | None = None,
    within: float = 30,
    **where: Any,
) -> str:
    """`/story <sub>` from `member` (a new one by default); the answer it got (its first
    response, or the edit of the "thinking…" message). `where`: FakeDiscord.interaction's
    permissions, channel_id…"""
    member = member or user(fake.new_id(), f"member{next(_names)}")
    interaction = fake.interaction(
        CHAT_INPUT, slash_data(fake, sub, options), member, locale=locale, **where
    )
    await fake.dispatch("INTERACTION_CREATE", interaction)
    return said(await fake.final_answer(interaction["token"], within=within))
