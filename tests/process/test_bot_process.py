"""One real `storybot run` process, connected to the local Slack fake and Discord fake at once."""

from __future__ import annotations

import json

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import CHAT_INPUT, FakeDiscord, slash_data, user
from tests.fakes.slack import FakeSlack
from tests.process.conftest import StartBot


async def test_one_process_serves_slack_and_discord(
    start_bot: StartBot, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    bot = await start_bot(slack=fake_slack, discord=fake_discord)
    await fake_discord.wait_connected()

    body = payloads.command(
        "submit The courier called ahead about the delay #speed",
        user="U0ANNA",
        response_url=fake_slack.response_url("submit"),
    )
    status, _ = await bot.slack_post(body)
    assert status == 200
    [response] = await fake_slack.wait_for_responses(within=10)
    assert "Story #1 is saved" in json.dumps(response.args["blocks"])

    anna = user(fake_discord.new_id(), "anna")
    interaction = fake_discord.interaction(
        CHAT_INPUT,
        slash_data(fake_discord, "submit", {"text": "The fitter came back. #speed"}),
        anna,
    )
    await fake_discord.dispatch("INTERACTION_CREATE", interaction)
    token = interaction["token"]
    [edit] = await fake_discord.wait_for(
        "PATCH", rf"/webhooks/\d+/{token}/messages/@original", within=10
    )
    # A separate community until linked (#6): its own numbering starts at 1.
    assert edit.json["content"] == "Story #1 is saved. Thank you!"

    assert await bot.stop() == 0
