"""Issue #6 end to end: one `storybot run` serving the Slack fake and the Discord fake links a
workspace and a server into one community, shares stories both ways, announces the story of
the week on both, and unlinks them again. On SQLite and PostgreSQL (`database_url`)."""

from __future__ import annotations

import json
import re
from itertools import count
from typing import Any

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import (
    CHAT_INPUT,
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    FakeDiscord,
    slash_data,
    user,
)
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess
from tests.process.conftest import StartBot

CODE = re.compile(r"[A-Z0-9]{5}-[A-Z0-9]{5}")
SLACK_HIGHLIGHTS = "C0HIGHLIGHT"


class Chat:
    """Types `/story …` on either platform and returns what the bot answered, as text."""

    def __init__(self, bot: BotProcess, slack: FakeSlack, discord: FakeDiscord) -> None:
        self.bot, self.slack, self.discord = bot, slack, discord
        self._names = count()

    async def on_slack(self, text: str, who: str, channel: str = payloads.CHANNEL) -> str:
        name = f"r{next(self._names)}"
        seen = len(self.slack.responses)
        body = payloads.command(
            text, user=who, channel=channel, response_url=self.slack.response_url(name)
        )
        status, _ = await self.bot.slack_post(body)
        assert status == 200
        responses = await self.slack.wait_for_responses(seen + 1, within=15)
        [answer] = [r for r in responses if r.method == name]
        assert answer.args.get("response_type", "ephemeral") == "ephemeral"
        return json.dumps(answer.args, ensure_ascii=False)

    async def on_discord(
        self,
        sub: str,
        options: dict[str, Any] | None = None,
        *,
        who: dict[str, Any],
        moderator: bool = False,
        channel: int | None = None,
    ) -> str:
        permissions = EVERYONE_PERMISSIONS | (MANAGE_GUILD if moderator else 0)
        interaction = self.discord.interaction(
            CHAT_INPUT,
            slash_data(self.discord, sub, options),
            who,
            permissions=permissions,
            channel_id=channel,
        )
        await self.discord.dispatch("INTERACTION_CREATE", interaction)
        answer = await self.discord.final_answer(interaction["token"], within=15)
        return json.dumps(answer, ensure_ascii=False)


async def test_link_share_feature_and_unlink_across_slack_and_discord(
    start_bot: StartBot, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(slack=fake_slack, discord=fake_discord)
    await fake_discord.wait_connected()
    chat = Chat(bot, fake_slack, fake_discord)
    fake_slack.add_user("U0MOD", "Maja", admin=True)
    fake_slack.add_user("U0ANNA", "Anna")
    fake_slack.add_user("U0KIM", "Kim")
    discord_mod = user(fake_discord.new_id(), "dora")
    discord_member = user(fake_discord.new_id(), "erik")
    discord_highlights = fake_discord.highlight_channel_id

    # Each side on its own: a highlight channel and one story, both numbered #1.
    answer = await chat.on_slack("config channel", "U0MOD", channel=SLACK_HIGHLIGHTS)
    assert "This channel now gets the story of the week" in answer
    answer = await chat.on_slack(
        "submit The courier called ahead about the delay, with <@U0KIM> #speed", "U0ANNA"
    )
    assert "Story #1 is saved" in answer
    answer = await chat.on_discord(
        "config", {"setting": "channel"}, who=discord_mod, moderator=True,
        channel=discord_highlights,
    )  # fmt: skip
    assert "This channel now gets the story of the week" in answer
    answer = await chat.on_discord(
        "submit", {"text": "The fitter came back with the right valve. #speed"}, who=discord_member
    )
    assert "Story #1 is saved" in answer

    # A member may not link; the Slack moderator gets a code only they see.
    refused = await chat.on_slack("link", "U0ANNA")
    assert "Only moderators can do that" in refused
    answer = await chat.on_slack("link", "U0MOD")
    [code] = set(CODE.findall(answer))
    assert code not in json.dumps([c.args for c in fake_slack.called("chat.postMessage")])

    wrong = await chat.on_discord("link", {"code": "AAAAA-BBBBB"}, who=discord_mod, moderator=True)
    assert "That link code is not valid" in wrong
    answer = await chat.on_discord("link", {"code": code}, who=discord_mod, moderator=True)
    assert "now shares one story base" in answer and "→ #2" in answer
    reused = await chat.on_discord("link", {"code": code}, who=discord_mod, moderator=True)
    assert "already used" in reused
    listed = await chat.on_discord("links", who=discord_member)
    assert "Slack" in listed and "Discord" in listed

    # One sequence, read and searched from both sides.
    answer = await chat.on_discord(
        "submit", {"text": "The tutor stayed after class to explain fractions."}, who=discord_member
    )
    assert "Story #3 is saved" in answer
    browsed = await chat.on_discord("browse", who=discord_member)
    assert "courier called ahead" in browsed and "Slack" in browsed and "Anna" in browsed
    found = await chat.on_discord("search", {"words": "courier"}, who=discord_member)
    assert "#1" in found and "courier" in found
    found = await chat.on_slack("search fractions", "U0ANNA")
    assert "#3" in found and "Discord" in found and "Erik" in found
    shown = await chat.on_slack("show 2", "U0ANNA")
    assert "right valve" in shown
    # The Slack colleague credited in #1 is a name on Discord, never a mention.
    shown = await chat.on_discord("show", {"number": 1}, who=discord_member)
    fields = [f for embed in json.loads(shown)["embeds"] for f in embed.get("fields", [])]
    assert {"name": "Credited", "value": "Kim", "inline": True} in fields
    assert "<@U0KIM>" not in json.dumps(fields)

    # Featured from Slack, announced in both highlight channels.
    answer = await chat.on_slack("feature 2 Both teams loved this", "U0MOD")
    assert "Announced in 2 channels" in answer
    [post] = [
        c for c in await fake_slack.wait_for("chat.postMessage")
        if c.args.get("channel") == SLACK_HIGHLIGHTS
    ]  # fmt: skip
    assert "right valve" in json.dumps(post.args, ensure_ascii=False)
    [sent] = await fake_discord.wait_for("POST", rf"/channels/{discord_highlights}/messages")
    assert "right valve" in json.dumps(sent.json, ensure_ascii=False)
    assert sent.json.get("allowed_mentions") == {"parse": []}

    # Unlinked from Discord: each story goes home, numbers kept.
    answer = await chat.on_discord("unlink", who=discord_mod, moderator=True)
    assert "The 2 stories told here" in answer
    on_slack = await chat.on_slack("browse", "U0ANNA")
    assert "courier" in on_slack and "valve" not in on_slack and "fractions" not in on_slack
    on_discord = await chat.on_discord("browse", who=discord_member)
    assert "valve" in on_discord and "fractions" in on_discord and "courier" not in on_discord
    answer = await chat.on_discord(
        "submit", {"text": "The clerk found the parcel in the back room."}, who=discord_member
    )
    assert "Story #4 is saved" in answer

    assert await bot.stop() == 0
