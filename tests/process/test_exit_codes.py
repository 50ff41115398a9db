"""Exit codes and signals a service manager can trust (issue 14).

0: stopped on SIGTERM/SIGINT. 1: a platform died or refused the bot. 2: settings. Every stop
on a signal finishes within the 10 seconds a service manager usually grants.
"""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import (
    REPO,
    SLACK_TOKEN,
    BotProcess,
    bot_env,
    stop_all,
    storybot_command,
)
from tests.harness.story_db import stories

GRACE = 10.0  # systemd's and Docker's usual stop timeout
APP_TOKEN = "xapp-1-A0APP-1-sockettoken"

MakeBot = Callable[..., BotProcess]


@pytest.fixture
async def make_bot(tmp_path: Path, database_url: str) -> AsyncIterator[MakeBot]:
    """A `storybot run` that is not waited on: these tests watch it start, fail and stop."""
    bots: list[BotProcess] = []

    def make(*, slack: FakeSlack | None = None, **kwargs: object) -> BotProcess:
        env = bot_env(database_url, slack=slack, **kwargs)  # type: ignore[arg-type]
        bot = BotProcess(env, tmp_path / f"bot{len(bots) + 1}", name=f"bot{len(bots) + 1}")
        bots.append(bot)
        return bot

    yield make
    await stop_all(bots)


def socket_mode() -> dict[str, str]:
    return {"SLACK_APP_TOKEN": APP_TOKEN}


async def test_a_bad_discord_token_close_ends_the_process_with_an_error(
    make_bot: MakeBot, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    """Discord closes with 4004 (authentication failed): the process must not carry on with
    Slack alone, nor end with 0 — it exits 1 so the service manager notices."""
    bot = make_bot(slack=fake_slack, discord=fake_discord)
    await bot.start()
    await bot.wait_http()
    await bot.wait_log('"platform": "discord"')
    await fake_discord.drop_connections(code=4004)
    assert await bot.wait_exit(GRACE) == 1
    assert "code 4004" in bot.log() and "DISCORD_TOKEN" in bot.log()


async def test_a_refused_app_token_in_socket_mode_exits_instead_of_retrying_forever(
    make_bot: MakeBot, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("apps.connections.open", "invalid_auth", times=100)
    bot = make_bot(slack=fake_slack, extra=socket_mode())
    await bot.start()
    assert await bot.wait_exit(GRACE * 3) == 1
    assert "SLACK_APP_TOKEN (invalid_auth)" in bot.log()
    assert APP_TOKEN not in bot.log()
    assert len(fake_slack.called("apps.connections.open")) <= 3


async def test_an_app_token_revoked_while_connected_ends_the_process_with_an_error(
    make_bot: MakeBot, fake_slack: FakeSlack
) -> None:
    """Slack closes the connection and refuses the token from then on: slack_sdk alone would
    ask for a new connection every 10 s for ever while /readyz says not ready."""
    bot = make_bot(slack=fake_slack, extra=socket_mode())
    await bot.start()
    await bot.wait_log('"platform": "slack"')
    await fake_slack.revoke(APP_TOKEN)
    assert await bot.wait_exit(GRACE) == 1
    assert "Slack refused SLACK_APP_TOKEN (token_revoked)" in bot.log()
    assert '"platform stopped"' in bot.log() and APP_TOKEN not in bot.log()
    assert len(fake_slack.called("apps.connections.open")) == 2  # at start, the one refused


async def test_a_revoked_bot_token_stops_socket_mode_at_start(
    make_bot: MakeBot, fake_slack: FakeSlack
) -> None:
    await fake_slack.revoke(SLACK_TOKEN)
    bot = make_bot(slack=fake_slack, extra=socket_mode())
    await bot.start()
    assert await bot.wait_exit(GRACE) == 1
    assert "Slack refused SLACK_BOT_TOKEN (token_revoked)" in bot.log()
    assert SLACK_TOKEN not in bot.log()
    assert not fake_slack.called("apps.connections.open")  # nothing opened on a dead token


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_socket_mode_while_slack_does_not_answer(
    make_bot: MakeBot, fake_slack: FakeSlack, signum: int
) -> None:
    """Before: only kill -9 stopped a Socket Mode process that could not connect."""
    fake_slack.slow("auth.test", seconds=120)
    bot = make_bot(slack=fake_slack, extra=socket_mode())
    await bot.start()
    while not fake_slack.called("auth.test"):
        bot.raise_if_exited()
        await asyncio.sleep(0.05)
    bot.signal(signum)
    assert await bot.wait_exit(GRACE) == 0


async def test_sigterm_stops_a_connected_socket_mode_process_and_keeps_its_story(
    make_bot: MakeBot, fake_slack: FakeSlack, database_url: str
) -> None:
    bot = make_bot(slack=fake_slack, extra=socket_mode())
    await bot.start()
    await bot.wait_log('"platform": "slack"')
    await fake_slack.socket_send(
        {
            "envelope_id": "e1",
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": dict(
                _form(
                    payloads.command(
                        "submit The courier called ahead about the delay #speed",
                        user="U0ANNA",
                        response_url=fake_slack.response_url("e1"),
                    )
                )
            ),
        }
    )
    [response] = await fake_slack.wait_for_responses(within=10)
    assert "Story #1 is saved" in json.dumps(response.args["blocks"])
    bot.signal(signal.SIGTERM)
    assert await bot.wait_exit(GRACE) == 0
    assert [s.number for s in await stories(database_url)] == [1]


async def test_sigterm_stops_http_mode_within_the_grace(
    make_bot: MakeBot, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    bot = make_bot(slack=fake_slack, discord=fake_discord)
    await bot.start()
    await bot.wait_http()
    await bot.wait_log('"platform": "discord"')
    bot.signal(signal.SIGTERM)
    assert await bot.wait_exit(GRACE) == 0
    assert '"stopping on a signal"' in bot.log() or "stopping on a signal" in bot.log()


async def test_a_port_in_use_is_named_and_the_process_exits(
    make_bot: MakeBot, fake_slack: FakeSlack
) -> None:
    first = make_bot(slack=fake_slack)
    await first.start()
    await first.wait_http()
    second = make_bot(slack=fake_slack, http_port=first.http_port)
    await second.start()
    assert await second.wait_exit(GRACE * 3) == 2  # a setting's fault, like a bad value
    assert f"HTTP_PORT: cannot listen on 127.0.0.1:{first.http_port}" in second.log()
    assert "Traceback" not in second.log()


def _form(body: str) -> list[tuple[str, str]]:
    from urllib.parse import parse_qsl

    return parse_qsl(body)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_the_console_waiting_for_input(
    tmp_path: Path, database_url: str, signum: int
) -> None:
    """Before: the thread blocked in readline() kept the process alive until a line came."""
    env = bot_env(database_url)
    env["PYTHONPATH"] = str(REPO)
    process = await asyncio.create_subprocess_exec(
        *storybot_command("console"),
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.PIPE,  # open and silent, as an idle user
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert process.stdout is not None and process.stdin is not None
    banner = await process.stdout.readline()
    assert b"Storybot console" in banner
    process.send_signal(signum)
    try:
        assert await asyncio.wait_for(process.wait(), GRACE) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
