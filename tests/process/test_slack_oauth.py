"""Two real `storybot run` processes in OAuth mode on one database, behind an imagined load
balancer: an install started on one finishes on the other, each workspace is then served by
either process with its own token, an uninstall seen by one removes that workspace's tokens
for both, and neither the database nor any log line holds a token in clear."""

from __future__ import annotations

import asyncio
import html
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.slack.installations import new_key
from storage import create_engine
from tests.fakes import slack_payloads as payloads
from tests.fakes.slack import CLIENT_ID, CLIENT_SECRET, FakeSlack
from tests.harness.bot_process import BotProcess
from tests.process.conftest import StartBot

TEAMS = {"T0ONE": "C0ONE", "T0TWO": "C0TWO"}
STATE_COOKIE = "slack-app-oauth-state"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def get(bot: BotProcess, path: str, cookie: str = "") -> tuple[int, str, list[str]]:
    url = f"http://127.0.0.1:{bot.http_port}{path}"
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.get(url, headers={"Cookie": cookie} if cookie else {}) as answer,
    ):
        return answer.status, await answer.text(), answer.headers.getall("Set-Cookie", [])


async def install(fake: FakeSlack, start_on: BotProcess, finish_on: BotProcess, team: str) -> None:
    status, page, cookies = await get(start_on, "/slack/install")
    assert status == 200, page
    link = html.unescape(re.search(r'<a href="([^"]+)"', page).group(1))  # type: ignore[union-attr]
    [state] = parse_qs(urlsplit(link).query)["state"]
    [cookie] = [c.split(";")[0] for c in cookies if c.startswith(STATE_COOKIE + "=")]
    code = fake.install_code(team, channels=(TEAMS[team],))
    status, page, _ = await get(
        finish_on, f"/slack/oauth_redirect?code={code}&state={state}", cookie
    )
    assert status == 200, page


def command(fake: FakeSlack, team: str, text_: str) -> str:
    return payloads.command(
        text_,
        user="U0ANNA",
        channel=TEAMS[team],
        team=team,
        response_url=fake.response_url(f"{team}-{uuid.uuid4().hex[:6]}"),
    )


async def rows(db: AsyncEngine) -> list[tuple[Any, ...]]:
    async with db.connect() as connection:
        found = []
        for table in ("slack_installations", "slack_bots", "slack_oauth_states"):
            found += [(table, *r) for r in await connection.execute(text(f"SELECT * FROM {table}"))]
        return found


async def installed_teams(db: AsyncEngine) -> set[str]:
    async with db.connect() as connection:
        found = set()
        for table in ("slack_installations", "slack_bots"):
            found |= {r[0] for r in await connection.execute(text(f"SELECT team_id FROM {table}"))}
        return found


async def test_two_processes_share_installs_tokens_and_uninstalls(
    start_bot: StartBot, fake_slack: FakeSlack, db: AsyncEngine
) -> None:
    env = {
        "SLACK_BOT_TOKEN": "",  # OAuth mode
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": CLIENT_SECRET,
        "SLACK_TOKEN_ENCRYPTION_KEY": new_key(),
        "LOG_LEVEL": "DEBUG",
    }
    one = await start_bot(slack=fake_slack, name="one", extra=env)
    two = await start_bot(slack=fake_slack, name="two", extra=env)

    await install(fake_slack, one, two, "T0ONE")
    await install(fake_slack, two, one, "T0TWO")

    # Each process serves each workspace with that workspace's token.
    for bot in (one, two):
        for team in TEAMS:
            status, _ = await bot.slack_post(command(fake_slack, team, ""))
            assert status == 200
    opened = await fake_slack.wait_for("views.open", 4, within=30)
    used = [fake_slack.team_of(c.headers["Authorization"].removeprefix("Bearer ")) for c in opened]
    assert sorted(used) == ["T0ONE", "T0ONE", "T0TWO", "T0TWO"]

    tokens = [w.token for w in fake_slack.workspaces.values()]
    dumped = "\n".join(map(str, await rows(db)))
    assert "T0ONE" in dumped and "T0TWO" in dumped
    assert not any(token in dumped for token in tokens)

    # An uninstall reaching process two removes T0TWO's tokens for both processes.
    fake_slack.uninstall("T0TWO")
    event = (
        '{"token": "x", "team_id": "T0TWO", "api_app_id": "A0APP", "type": "event_callback",'
        ' "event_id": "Ev0GONE", "event_time": 1700000400,'
        ' "event": {"type": "app_uninstalled", "event_ts": "1700000400.000100"}}'
    )
    assert (await two.slack_post(event))[0] == 200
    for _ in range(300):  # the listener runs after the ack; bounded wait, not a timing claim
        teams = await installed_teams(db)
        if "T0TWO" not in teams:
            break
        await asyncio.sleep(0.05)
    assert teams == {"T0ONE"}

    for bot in (one, two):
        log = bot.log()
        assert not any(token in log for token in tokens), bot.name
        assert CLIENT_SECRET not in log and env["SLACK_TOKEN_ENCRYPTION_KEY"] not in log
