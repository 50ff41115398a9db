"""500 concurrent interactions on each platform against running `storybot run` processes.

Half are submissions (each from its own user, as the rate limit is per person), half are
browses. Every interaction must be acknowledged within the platform's 3-second limit (Slack:
the HTTP answer to the signed request; Discord: the interaction callback) — that limit is a
functional requirement of the platforms, not a speed target. None may be lost (every user gets
an answer) and none duplicated (stories in the database = confirmed submissions). The latency
distributions and the peak memory are printed (`pytest -m load -s`) for docs/RELIABILITY.md.

The same load runs against one process, and (issue 15) against 2 and 3 processes sharing one
PostgreSQL database, deployed as docs/DEPLOYMENT.md says: Slack processes behind a load
balancer (here: round-robin), Discord processes as shards of one bot, each taking the
interactions of its shard's servers.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import aiohttp
import pytest

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import CHAT_INPUT, FakeDiscord, Recorded, slash_data, user
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess
from tests.harness.story_db import consistency_problems, stories
from tests.process.conftest import StartBot
from tests.process.traffic import SAVED, said

pytestmark = pytest.mark.load

INTERACTIONS = 500
PLATFORM_LIMIT = 3.0  # seconds: Slack's ack limit, Discord's first-response limit
SEEDED = 6  # stories there before the load, so every browse has a page to show
ANSWERED_WITHIN = 120.0  # hang guard for the final answers, not a target
SEVERAL = [pytest.param(n, id=f"{n}-processes") for n in (2, 3)]


def _text(n: int) -> str:
    return f"Load story {n}: the support team called back within the hour."


def _percentile(values: list[float], q: int) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _figures(
    platform: str, database_url: str, acks: list[float], answers: list[float], rss: list[int]
) -> str:
    backend = database_url.partition("+")[0]
    processes = f"{len(rss)} process" + ("es" if len(rss) > 1 else "")
    return (
        f"load {platform}/{backend}, {processes}: {len(acks)} interactions, "
        f"ack p50 {_percentile(acks, 50) * 1000:.0f} ms p99 {_percentile(acks, 99) * 1000:.0f} ms "
        f"max {max(acks) * 1000:.0f} ms; answer p50 {_percentile(answers, 50) * 1000:.0f} ms "
        f"p99 {_percentile(answers, 99) * 1000:.0f} ms; "
        f"peak RSS {'+'.join(f'{r / 2**20:.0f}' for r in rss)} MiB"
    )


def _only_postgresql(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip(
            "several processes are measured on PostgreSQL only (issue 15): on SQLite they "
            "would share one file and one writer (docs/DEPLOYMENT.md)"
        )


async def _assert_stored_once(database_url: str, submitted: set[str], confirmed: int) -> int:
    stored = await stories(database_url)
    texts = [s.text for s in stored]
    assert len(texts) == len(set(texts)), "a submission was stored twice"
    assert submitted <= set(texts), "a confirmed submission is missing"
    assert len(stored) == SEEDED + confirmed
    assert await consistency_problems(database_url) == []
    return len(stored)


def _check_answer(i: int, shown: str, confirmed: set[str]) -> None:
    """Load interaction i's final answer: a saved story (even i) or a page of stories."""
    if i % 2 == 0:
        assert SAVED.search(shown), shown
        confirmed.add(_text(i))
    else:
        assert "Load story" in shown or "Seed" in shown, shown


async def _stop(bots: Sequence[BotProcess]) -> None:
    assert await asyncio.gather(*(bot.stop() for bot in bots)) == [0] * len(bots)


# Slack ----------------------------------------------------------------------------------


def _slack_users(fake_slack: FakeSlack) -> list[str]:
    users = [f"U0LOAD{i:03d}" for i in range(INTERACTIONS)]
    for user_id in users:
        fake_slack.add_user(user_id, user_id.title())
    return users


async def _slack_load(
    bots: Sequence[BotProcess], fake_slack: FakeSlack, users: list[str], database_url: str
) -> None:
    """Seed, then send the 500 at once, interaction i to bots[i % len(bots)] as a round-robin
    load balancer would; assert and print the figures."""
    for n in range(SEEDED):
        body = payloads.command(
            f"submit Seed {n}: the desk clerk walked us there. #speed",
            user="U0ANNA",
            response_url=fake_slack.response_url(f"seed{n}"),
        )
        assert (await bots[n % len(bots)].slack_post(body))[0] == 200
    await fake_slack.wait_for_responses(SEEDED, within=30)
    fake_slack.responses.clear()

    bodies: dict[str, str] = {}
    for i, user_id in enumerate(users):
        line = f"submit {_text(i)} #speed" if i % 2 == 0 else "browse"
        bodies[f"load{i}"] = payloads.command(
            line, user=user_id, response_url=fake_slack.response_url(f"load{i}")
        )
    sent_at: dict[str, float] = {}
    acks: list[float] = []
    statuses: list[int] = []

    async def post(session: aiohttp.ClientSession, i: int, name: str, body: str) -> None:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **payloads.sign(body)}
        url = bots[i % len(bots)].events_url
        sent_at[name] = time.monotonic()
        async with session.post(url, data=body.encode(), headers=headers) as response:
            await response.read()
            statuses.append(response.status)
        acks.append(time.monotonic() - sent_at[name])

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(
            *(post(session, i, name, body) for i, (name, body) in enumerate(bodies.items()))
        )
    await fake_slack.wait_for_responses(INTERACTIONS, within=ANSWERED_WITHIN)
    rss = [bot.peak_rss_bytes() for bot in bots]

    assert statuses == [200] * INTERACTIONS
    assert max(acks) < PLATFORM_LIMIT, f"slowest ack {max(acks):.2f} s"
    answers: list[float] = []
    confirmed: set[str] = set()
    assert sorted(r.method for r in fake_slack.responses) == sorted(bodies)  # once each
    for response in fake_slack.responses:
        answers.append(response.at - sent_at[response.method])
        _check_answer(int(response.method.removeprefix("load")), said(response.args), confirmed)
    assert len(confirmed) == INTERACTIONS // 2
    await _assert_stored_once(database_url, confirmed, len(confirmed))
    print(_figures("slack", database_url, acks, answers, rss))
    await _stop(bots)


async def test_500_concurrent_slack_interactions_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    users = _slack_users(fake_slack)
    bot = await start_bot(slack=fake_slack)
    await _slack_load([bot], fake_slack, users, database_url)


@pytest.mark.parametrize("processes", SEVERAL)
async def test_500_slack_interactions_spread_over_processes_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str, processes: int
) -> None:
    _only_postgresql(database_url)
    users = _slack_users(fake_slack)
    bots = await asyncio.gather(
        *(start_bot(slack=fake_slack, name=f"bot{k}") for k in range(processes))
    )
    assert len({bot.http_port for bot in bots}) == processes  # each on its own port
    await _slack_load(bots, fake_slack, users, database_url)


# Discord --------------------------------------------------------------------------------


async def _discord_load(
    bots: Sequence[BotProcess], fake: FakeDiscord, guilds: list[int], database_url: str
) -> None:
    """Seed story n in guilds[n % len(guilds)], then dispatch the 500 at once, interaction i
    from guilds[i % len(guilds)]: the fake sends each to the shard of its guild. Assert and
    print the figures."""
    for n in range(SEEDED):
        payload = fake.interaction(
            CHAT_INPUT,
            slash_data(fake, "submit", {"text": f"Seed {n}: the desk clerk walked us."}),
            user(fake.new_id(), f"seed{n}"),
            guild_id=guilds[n % len(guilds)],
        )
        await fake.dispatch("INTERACTION_CREATE", payload)
        await fake.wait_for(
            "PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original", within=30
        )

    interactions: list[dict[str, Any]] = []
    for i in range(INTERACTIONS):
        data = (
            slash_data(fake, "submit", {"text": _text(i)})
            if i % 2 == 0
            else slash_data(fake, "browse")
        )
        member = user(fake.new_id(), f"member{i}")
        guild = guilds[i % len(guilds)]
        interactions.append(fake.interaction(CHAT_INPUT, data, member, guild_id=guild))
    sent_at: dict[str, float] = {}
    start = len(fake.requests)
    for payload in interactions:
        sent_at[payload["token"]] = time.monotonic()
        await fake.dispatch("INTERACTION_CREATE", payload)

    tokens = set(sent_at)
    callbacks: dict[str, Recorded] = {}
    finals: dict[str, Recorded] = {}

    def collect() -> bool:
        for request in fake.requests[start:]:
            if m := re.fullmatch(r"/interactions/\d+/([^/]+)/callback", request.path):
                callbacks.setdefault(m.group(1), request)
                if request.json.get("type") in (4, 7):
                    finals.setdefault(m.group(1), request)
            elif request.method == "PATCH" and (
                m := re.fullmatch(r"/webhooks/\d+/([^/]+)/messages/@original", request.path)
            ):
                finals.setdefault(m.group(1), request)
        return tokens <= set(finals)

    await fake.wait_until(collect, within=ANSWERED_WITHIN)
    rss = [bot.peak_rss_bytes() for bot in bots]

    # Each interaction went to one shard (one process), and every shard had its share.
    delivered = [(s, p["token"]) for s, p in fake.delivered("INTERACTION_CREATE")]
    load = [(s, t) for s, t in delivered if t in tokens]
    assert sorted(t for _, t in load) == sorted(tokens)
    assert set(Counter(s for s, _ in load)) == set(range(len(bots)))

    assert set(callbacks) == tokens
    acks = [callbacks[t].at - sent_at[t] for t in tokens]
    answers = [finals[t].at - sent_at[t] for t in tokens]
    assert max(acks) < PLATFORM_LIMIT, f"slowest first response {max(acks):.2f} s"
    per_token = [
        re.fullmatch(r"/interactions/\d+/([^/]+)/callback", r.path) for r in fake.requests[start:]
    ]
    acked = [m.group(1) for m in per_token if m]
    assert len(acked) == len(set(acked)) == INTERACTIONS  # each acknowledged exactly once

    confirmed: set[str] = set()
    for i, payload in enumerate(interactions):
        _check_answer(i, said(finals[payload["token"]].message), confirmed)
    assert len(confirmed) == INTERACTIONS // 2
    await _assert_stored_once(database_url, confirmed, len(confirmed))
    print(_figures("discord", database_url, acks, answers, rss))
    await _stop(bots)


async def test_500_concurrent_discord_interactions_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_discord: FakeDiscord, database_url: str
) -> None:
    bot = await start_bot(discord=fake_discord)
    await fake_discord.wait_connected()
    await _discord_load([bot], fake_discord, [fake_discord.guild_id], database_url)


@pytest.mark.parametrize("processes", SEVERAL)
async def test_500_discord_interactions_over_shard_processes_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_discord: FakeDiscord, database_url: str, processes: int
) -> None:
    _only_postgresql(database_url)
    # One server per seeded story, spread evenly over the shards, so every shard's browses
    # have a page to show and every process takes a share of the load.
    guilds = [fake_discord.add_guild(n % processes, processes) for n in range(SEEDED)]
    bots = await asyncio.gather(
        *(
            start_bot(discord=fake_discord, shard_count=processes, shard_ids=[k], name=f"shard{k}")
            for k in range(processes)
        )
    )
    await fake_discord.wait_connected(shards=processes)
    assert sorted(tuple(i["shard"]) for i in fake_discord.identifies) == [
        (k, processes) for k in range(processes)
    ]
    await _discord_load(bots, fake_discord, guilds, database_url)
