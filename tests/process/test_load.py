"""500 concurrent interactions on each platform against one running `storybot run`.

Half are submissions (each from its own user, as the rate limit is per person), half are
browses. Every interaction must be acknowledged within the platform's 3-second limit (Slack:
the HTTP answer to the signed request; Discord: the interaction callback) — that limit is a
functional requirement of the platforms, not a speed target. None may be lost (every user gets
an answer) and none duplicated (stories in the database = confirmed submissions). The latency
distributions and the peak memory are printed (`pytest -m load -s`) for docs/RELIABILITY.md.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time

import aiohttp
import pytest

from tests.fakes import slack_payloads as payloads
from tests.fakes.discord import CHAT_INPUT, FakeDiscord, Recorded, slash_data, user
from tests.fakes.slack import FakeSlack
from tests.harness.story_db import consistency_problems, stories
from tests.process.conftest import StartBot
from tests.process.traffic import SAVED, said

pytestmark = pytest.mark.load

INTERACTIONS = 500
PLATFORM_LIMIT = 3.0  # seconds: Slack's ack limit, Discord's first-response limit
SEEDED = 6  # stories there before the load, so every browse has a page to show
ANSWERED_WITHIN = 120.0  # hang guard for the final answers, not a target


def _text(n: int) -> str:
    return f"Load story {n}: the support team called back within the hour."


def _percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100, method="inclusive")[q - 1]
        if len(values) > 1
        else values[0]
    )


def _figures(
    platform: str, database_url: str, acks: list[float], answers: list[float], rss: int
) -> str:
    backend = database_url.partition("+")[0]
    return (
        f"load {platform}/{backend}: {len(acks)} interactions, "
        f"ack p50 {_percentile(acks, 50) * 1000:.0f} ms p99 {_percentile(acks, 99) * 1000:.0f} ms "
        f"max {max(acks) * 1000:.0f} ms; answer p50 {_percentile(answers, 50) * 1000:.0f} ms "
        f"p99 {_percentile(answers, 99) * 1000:.0f} ms; peak RSS {rss / 2**20:.0f} MiB"
    )


async def _assert_stored_once(database_url: str, submitted: set[str], confirmed: int) -> int:
    stored = await stories(database_url)
    texts = [s.text for s in stored]
    assert len(texts) == len(set(texts)), "a submission was stored twice"
    assert submitted <= set(texts), "a confirmed submission is missing"
    assert len(stored) == SEEDED + confirmed
    assert await consistency_problems(database_url) == []
    return len(stored)


async def test_500_concurrent_slack_interactions_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    users = [f"U0LOAD{i:03d}" for i in range(INTERACTIONS)]
    for user_id in users:
        fake_slack.add_user(user_id, user_id.title())
    bot = await start_bot(slack=fake_slack)
    for n in range(SEEDED):
        body = payloads.command(
            f"submit Seed {n}: the desk clerk walked us there. #speed",
            user="U0ANNA",
            response_url=fake_slack.response_url(f"seed{n}"),
        )
        assert (await bot.slack_post(body))[0] == 200
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

    async def post(session: aiohttp.ClientSession, name: str, body: str) -> None:
        headers = {"Content-Type": "application/x-www-form-urlencoded", **payloads.sign(body)}
        sent_at[name] = time.monotonic()
        async with session.post(bot.events_url, data=body.encode(), headers=headers) as response:
            await response.read()
            statuses.append(response.status)
        acks.append(time.monotonic() - sent_at[name])

    connector = aiohttp.TCPConnector(limit=0)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(post(session, name, body) for name, body in bodies.items()))
    await fake_slack.wait_for_responses(INTERACTIONS, within=ANSWERED_WITHIN)
    rss = bot.peak_rss_bytes()

    assert statuses == [200] * INTERACTIONS
    assert max(acks) < PLATFORM_LIMIT, f"slowest ack {max(acks):.2f} s"
    answers: list[float] = []
    confirmed: set[str] = set()
    assert sorted(r.method for r in fake_slack.responses) == sorted(bodies)  # once each
    for response in fake_slack.responses:
        i = int(response.method.removeprefix("load"))
        shown = said(response.args)
        answers.append(response.at - sent_at[response.method])
        if i % 2 == 0:
            assert SAVED.search(shown), shown
            confirmed.add(_text(i))
        else:
            assert "Load story" in shown or "Seed" in shown, shown  # a page of stories
    assert len(confirmed) == INTERACTIONS // 2
    await _assert_stored_once(database_url, confirmed, len(confirmed))
    print(_figures("slack", database_url, acks, answers, rss))
    assert await bot.stop() == 0


async def test_500_concurrent_discord_interactions_are_all_acked_in_time_and_none_lost(
    start_bot: StartBot, fake_discord: FakeDiscord, database_url: str
) -> None:
    bot = await start_bot(discord=fake_discord)
    await fake_discord.wait_connected()
    for n in range(SEEDED):
        payload = fake_discord.interaction(
            CHAT_INPUT,
            slash_data(fake_discord, "submit", {"text": f"Seed {n}: the desk clerk walked us."}),
            user(fake_discord.new_id(), f"seed{n}"),
        )
        await fake_discord.dispatch("INTERACTION_CREATE", payload)
        await fake_discord.wait_for(
            "PATCH", rf"/webhooks/\d+/{payload['token']}/messages/@original", within=30
        )

    interactions = []
    for i in range(INTERACTIONS):
        data = (
            slash_data(fake_discord, "submit", {"text": _text(i)})
            if i % 2 == 0
            else slash_data(fake_discord, "browse")
        )
        member = user(fake_discord.new_id(), f"member{i}")
        interactions.append(fake_discord.interaction(CHAT_INPUT, data, member))
    sent_at: dict[str, float] = {}
    start = len(fake_discord.requests)
    for payload in interactions:
        sent_at[payload["token"]] = time.monotonic()
        await fake_discord.dispatch("INTERACTION_CREATE", payload)

    tokens = set(sent_at)
    callbacks: dict[str, Recorded] = {}
    finals: dict[str, Recorded] = {}

    def collect() -> bool:
        for request in fake_discord.requests[start:]:
            if m := re.fullmatch(r"/interactions/\d+/([^/]+)/callback", request.path):
                callbacks.setdefault(m.group(1), request)
                if request.json.get("type") in (4, 7):
                    finals.setdefault(m.group(1), request)
            elif request.method == "PATCH" and (
                m := re.fullmatch(r"/webhooks/\d+/([^/]+)/messages/@original", request.path)
            ):
                finals.setdefault(m.group(1), request)
        return tokens <= set(finals)

    await fake_discord.wait_until(collect, within=ANSWERED_WITHIN)
    rss = bot.peak_rss_bytes()

    assert set(callbacks) == tokens
    acks = [callbacks[t].at - sent_at[t] for t in tokens]
    answers = [finals[t].at - sent_at[t] for t in tokens]
    assert max(acks) < PLATFORM_LIMIT, f"slowest first response {max(acks):.2f} s"
    per_token = [
        re.fullmatch(r"/interactions/\d+/([^/]+)/callback", r.path)
        for r in fake_discord.requests[start:]
    ]
    acked = [m.group(1) for m in per_token if m]
    assert len(acked) == len(set(acked)) == INTERACTIONS  # each acknowledged exactly once

    confirmed: set[str] = set()
    for i, payload in enumerate(interactions):
        shown = said(finals[payload["token"]].message)
        if i % 2 == 0:
            assert SAVED.search(shown), shown
            confirmed.add(_text(i))
        else:
            assert "Load story" in shown or "Seed" in shown, shown
    assert len(confirmed) == INTERACTIONS // 2
    await _assert_stored_once(database_url, confirmed, len(confirmed))
    print(_figures("discord", database_url, acks, answers, rss))
    assert await bot.stop() == 0
