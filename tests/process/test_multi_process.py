"""Three real `storybot run` processes on one database, against the local Slack and Discord
fakes: what the issue promises of several processes, shown the way the platforms would see it.

Slack in HTTP mode runs as identical processes behind a load balancer, so a retry may land on
another process; Discord runs sharded, so each process takes its shards' interactions (and a
misconfigured or restarting deployment may deliver one interaction to two processes). Only
the database is shared.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.discord.forms import ModalRef
from bot import actions
from bot.bootstrap import bootstrap
from bot.commands import Actor
from bot.config import Settings
from bot.domain import Platform, SpaceRef
from storage import create_engine
from tests.adapters.discord.conftest import buttons
from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import (
    CHAT_INPUT,
    COMPONENT,
    MODAL_SUBMIT,
    FakeDiscord,
    slash_data,
    user,
)
from tests.fakes.memory import FakeClock
from tests.fakes.slack import TEAM, FakeSlack
from tests.harness.bot_process import BotProcess
from tests.process.conftest import StartBot

HANG_GUARD = 60.0  # seconds; a guard against hangs, never a speed requirement
HIGHLIGHT = "C0HIGHLIGHT"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[AsyncEngine]:
    """The test's own connection to the database the bots share, to look at what they did."""
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


async def rows(db: AsyncEngine, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with db.connect() as connection:
        return [tuple(r) for r in await connection.execute(text(sql), params)]


async def start_many(start_bot: StartBot, count: int, **env: Any) -> list[BotProcess]:
    names = [f"{env.pop('prefix', 'bot')}{i + 1}" for i in range(count)]
    return list(await asyncio.gather(*(start_bot(name=name, **env) for name in names)))


def saved_number(blob: Any) -> int:
    found = re.search(r"Story #(\d+) is saved", json.dumps(blob))
    assert found, blob
    return int(found.group(1))


# Slack: a load balancer in front of identical HTTP processes, each running the weekly job --


# The workspace whose weekly job is due: the token's own, since with one SLACK_BOT_TOKEN
# Storybot posts in no other workspace (docs/SLACK.md, "One workspace or many").
WEEKLY_TEAM = TEAM


async def seed_last_weeks_story(database_url: str) -> None:
    """A community whose weekly job is due now, with one story from last week, a highlight
    channel, and no configured moderators (the workspace's admins hear of problems)."""
    clock = FakeClock(dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    settings = Settings.load(None, database_url=database_url)
    app = await bootstrap(settings, clock=clock, migrate=False)  # as a process builds it
    core = app.core
    try:
        space = SpaceRef(Platform.SLACK, WEEKLY_TEAM)
        mod = Actor(space, "U0MOD", "Mia", channel_id=HIGHLIGHT, is_admin=True)
        anna = Actor(space, "U0ANNA", "Anna", channel_id="C0GENERAL")
        for line, who in [
            ("/story config channel", mod),
            ("/story config weekday mon", mod),  # due from Monday 00:00: always, this week
            ("/story config time 00:00", mod),
            ("/story submit Last week the nurse explained every step before starting.", anna),
            ("/story appreciate 1", mod),
        ]:
            reply = await core.handle_text(line, who, f"seed-{line}")
            assert not reply.error, reply.plain_text
    finally:
        await app.close()


def posts_to(fake_slack: FakeSlack, channel: str) -> int:
    return sum(1 for c in fake_slack.called("chat.postMessage") if c.args["channel"] == channel)


async def test_three_slack_processes_share_retries_numbers_and_the_weekly_job(
    fake_slack: FakeSlack, start_bot: StartBot, database_url: str, db: AsyncEngine
) -> None:
    await seed_last_weeks_story(database_url)
    fake_slack.refused_channels[HIGHLIGHT] = "not_in_channel"  # the bot was never invited
    # Every process runs the weekly job from its start, every 0.3 s.
    a, b, c = bots = await start_many(
        start_bot, 3, slack=fake_slack, extra={"WEEKLY_TICK_SECONDS": "0.3"}
    )

    # A slash command, and Slack's retry of it (same trigger) delivered to another process.
    body = payloads.command(
        "submit The courier called ahead about the delay #speed",
        user="U0ANNA",
        response_url=fake_slack.response_url("retried"),
    )
    assert (await a.slack_post(body))[0] == 200
    assert (await b.slack_post(body, retry=1))[0] == 200
    answers = await fake_slack.wait_for_responses(2, within=HANG_GUARD)
    assert [saved_number(r.args["blocks"]) for r in answers] == [2, 2]  # both answers agree

    # The form: opened on one process, submitted to another, retried to the third.
    await c.slack_post(
        payloads.command("", user="U0ANNA", response_url=fake_slack.response_url("o"))
    )
    opened = await fake_slack.wait_for_form(within=HANG_GUARD)
    submission = payloads.interactive(
        payloads.view_submission(
            opened.args["view"],
            {"f:text": "The fitter came back on a Sunday to finish the job."},
            user="U0ANNA",
            view_id="V0RETRIED",
        )
    )
    assert (await a.slack_post(submission))[0] == 200
    assert (await b.slack_post(submission, retry=1))[0] == 200
    confirmations = await fake_slack.wait_for("chat.postEphemeral", 2, within=HANG_GUARD)
    assert [saved_number(call.args["blocks"]) for call in confirmations] == [3, 3]

    # Sixty people submit at once, spread round-robin over the three processes.
    count = 60
    for i in range(count):
        fake_slack.add_user(f"U1{i:03d}", f"Person {i}", locale="en-US")
    bodies = [
        payloads.command(
            f"submit Story {i}: the clerk walked me to the right shelf herself.",
            user=f"U1{i:03d}",
            response_url=fake_slack.response_url(f"burst{i}"),
        )
        for i in range(count)
    ]
    statuses = await asyncio.gather(
        *(bots[i % 3].slack_post(body, within=HANG_GUARD) for i, body in enumerate(bodies))
    )
    assert {status for status, _ in statuses} == {200}
    burst = await fake_slack.wait_for_responses(2 + count, within=HANG_GUARD)
    numbers = sorted(saved_number(r.args["blocks"]) for r in burst[2:])
    assert numbers == list(range(4, 4 + count))
    stored = await rows(
        db,
        "SELECT t.number, t.client_key FROM stories t JOIN spaces s "
        "ON s.community_id = t.community_id WHERE s.external_id = :team ORDER BY t.number",
        team=TEAM,
    )
    assert [n for n, _ in stored] == list(range(1, 4 + count))  # unique and gap-free
    assert stored[2][1] == "V0RETRIED"

    # Meanwhile every process's weekly job tried to announce, and failed; however often,
    # the admin got one direct message about it.
    for bot in bots:
        await bot.wait_log("announcement failed", within=HANG_GUARD)
    dms = [c for c in fake_slack.called("chat.postMessage") if c.args["channel"] == "DU0MOD"]
    assert len(dms) == 1 and "not a member of the highlight channel" in json.dumps(dms[0].args)
    assert len(fake_slack.called("conversations.open")) == 1
    assert len(await rows(db, "SELECT id FROM notices")) == 1

    # The bot is invited: the next tick of any process announces, and only that one does.
    tried = posts_to(fake_slack, HIGHLIGHT)
    del fake_slack.refused_channels[HIGHLIGHT]
    await asyncio.wait_for(_until(lambda: posts_to(fake_slack, HIGHLIGHT) > tried), HANG_GUARD)
    await asyncio.sleep(1.5)  # several more rounds of every process
    assert posts_to(fake_slack, HIGHLIGHT) == tried + 1
    assert len(await rows(db, "SELECT id FROM features")) == 1
    assert sum('"picked": true' in bot.log() for bot in bots) == 1  # one process chose it
    assert posts_to(fake_slack, "DU0MOD") == 1


async def _until(condition: Callable[[], bool]) -> None:
    while True:
        if condition():
            return
        await asyncio.sleep(0.05)


# Discord: shards across processes, duplicates, drafts ---------------------------------------


def guild_on_shard(fake: FakeDiscord, shard: int, shards: int = 2) -> int:
    guild = fake.guild_id
    while (guild >> 22) % shards != shard:
        guild = fake.new_id()
    return guild


def in_guild(payload: dict[str, Any], guild: int) -> dict[str, Any]:
    payload["guild_id"] = str(guild)
    payload["guild"] = {**payload["guild"], "id": str(guild)}
    payload["authorizing_integration_owners"] = {"0": str(guild)}
    return payload


async def test_discord_sharded_over_processes_stores_once_and_reopens_drafts_anywhere(
    fake_discord: FakeDiscord,
    fake_slack: FakeSlack,
    start_bot: StartBot,
    db: AsyncEngine,
    database_url: str,
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the database side is the same as Slack's, shown on SQLite above")
    fake = fake_discord
    shard = {"shard_count": 2}
    await asyncio.gather(
        start_bot(discord=fake, shard_ids=[0], name="shard0", **shard),
        start_bot(discord=fake, shard_ids=[1], name="shard1", **shard),
        # The third: Slack, plus shard 0 again (as during a rolling deploy), so shard 0's
        # events reach two processes.
        start_bot(discord=fake, slack=fake_slack, shard_ids=[0], name="shard0-again", **shard),
    )
    await fake.wait_connected(shards=3, within=HANG_GUARD)
    assert sorted(tuple(i["shard"]) for i in fake.identifies) == [(0, 2), (0, 2), (1, 2)]
    guilds = {s: guild_on_shard(fake, s) for s in (0, 1)}
    anna = user(fake.new_id(), "anna")

    async def send(shard_id: int, kind: int, data: dict[str, Any], **kw: Any) -> int:
        payload = in_guild(fake.interaction(kind, data, anna, **kw), guilds[shard_id])
        await fake.dispatch("INTERACTION_CREATE", payload, shard_id=shard_id)
        return int(payload["id"])

    async def answers(iid: int, count: int = 1) -> list[dict[str, Any]]:
        edits = await fake.wait_for(
            "PATCH", rf"/webhooks/\d+/token-{iid}/messages/@original", count, within=HANG_GUARD
        )
        return [e.json for e in edits]

    def submit(story: str) -> dict[str, Any]:
        return slash_data(fake, "submit", {"text": story})

    # Each shard's interactions are taken by its processes; each guild numbers its own.
    on_one = await send(1, CHAT_INPUT, submit("Shard one: the fitter came back on Sunday. #speed"))
    assert [a["content"] for a in await answers(on_one)] == ["Story #1 is saved. Thank you!"]

    # Shard 0 reaches two processes: Discord takes one response, and one story is stored.
    twice = await send(0, CHAT_INPUT, submit("Shard zero: the courier called ahead. #speed"))
    [answer] = await answers(twice)
    assert answer["content"] == "Story #1 is saved. Thank you!"
    callbacks = await fake.wait_for("POST", rf"/interactions/{twice}/[^/]+/callback", 2)
    assert len(callbacks) == 2  # both processes tried to answer it

    # Even if both could answer, the client key in the database stores it once.
    fake.reject_duplicate_acks = False
    both = await send(0, CHAT_INPUT, submit("Shard zero again: a refund the same day. #speed"))
    contents = [a["content"] for a in await answers(both, 2)]
    assert contents == ["Story #2 is saved. Thank you!"] * 2
    fake.reject_duplicate_acks = True

    stories = await rows(
        db,
        "SELECT s.external_id, count(*), max(t.number) FROM stories t "
        "JOIN spaces s ON s.community_id = t.community_id GROUP BY s.external_id",
    )
    assert sorted(stories) == sorted([(str(guilds[1]), 1, 1), (str(guilds[0]), 2, 2)])

    # A refused form is kept as a draft by the shard-1 process …
    form = {
        "custom_id": ModalRef(actions.form_action()).encode(),
        "components": [
            {"type": 18, "id": 1, "component": {"type": 4, "id": 2, "custom_id": "text",
                                                 "value": "Too short"}},
            {"type": 18, "id": 3, "component": {"type": 4, "id": 4, "custom_id": "title",
                                                 "value": "Kept title"}},
        ],
    }  # fmt: skip
    refused = await send(1, MODAL_SUBMIT, form)
    [answer] = await answers(refused)
    assert "too short" in answer["content"]
    fix = buttons(answer)["Fix and send again"]
    assert len(await rows(db, "SELECT key FROM drafts")) == 1

    # … and reopened by a shard-0 process, which never saw it.
    message = fake.messages[fake.interactions[refused].original_message_id]  # type: ignore[index]
    click = await send(0, COMPONENT, {"custom_id": fix, "component_type": 2}, message=message)
    modal = await _modal_for(fake, click, lambda data, msg: send(0, COMPONENT, data, message=msg))
    typed = {
        c["component"]["custom_id"]: c["component"].get("value")
        for c in modal["components"]
        if c["component"]["type"] == 4
    }
    assert typed["text"] == "Too short" and typed["title"] == "Kept title"


async def _modal_for(
    fake: FakeDiscord, iid: int, click: Callable[[dict[str, Any], dict[str, Any]], Awaitable[int]]
) -> dict[str, Any]:
    """The modal an interaction opened: at once, or behind an "Open the form" button when
    the core answered after the modal deadline (a busy machine); that button is clicked."""
    callbacks = await fake.wait_for(
        "POST", rf"/interactions/{iid}/[^/]+/callback", within=HANG_GUARD
    )
    if callbacks[0].json["type"] == 9:
        return dict(callbacks[0].json["data"])
    [edit] = await fake.wait_for(
        "PATCH", rf"/webhooks/\d+/token-{iid}/messages/@original", within=HANG_GUARD
    )
    ready = buttons(edit.json)["Open the form"]
    message = fake.messages[fake.interactions[iid].original_message_id]  # type: ignore[index]
    again = await click({"custom_id": ready, "component_type": 2}, message)
    [opened] = await fake.wait_for(
        "POST", rf"/interactions/{again}/[^/]+/callback", within=HANG_GUARD
    )
    assert opened.json["type"] == 9, opened.json
    return dict(opened.json["data"])
