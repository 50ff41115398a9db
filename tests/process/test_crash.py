"""`kill -9` in the middle of a burst of submissions, then a restart.

A confirmation is only sent after the story's transaction committed, so every story whose
confirmation reached the user must be there exactly once after the crash; whatever was in
flight is either wholly there or wholly absent, never half-stored.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools

import aiohttp

from tests.fakes import slack_payloads as payloads
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess
from tests.harness.story_db import consistency_problems, stories
from tests.process.conftest import StartBot
from tests.process.traffic import SAVED, slack_say

USERS = [f"U0CRASH{i:02d}" for i in range(50)]  # the rate limit is per person
IN_FLIGHT = 16  # submissions on the wire at any moment
KILL_AFTER = 20  # confirmations seen before the kill
KILL_DELAY = 0.015  # seconds after that one


async def _burst(
    bot: BotProcess, fake: FakeSlack, sent: dict[str, str], stop: asyncio.Event
) -> None:
    """IN_FLIGHT users submitting one story after another (each waits for its confirmation)
    until `stop`; `sent` maps response name to the text as stored (the #tag is taken out)."""
    counter = itertools.count(1)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}

    async def one(session: aiohttp.ClientSession) -> None:
        while not stop.is_set():
            n = next(counter)
            name, text = f"burst{n}", f"Burst story {n}: the clerk stayed late to help us."
            body = payloads.command(
                f"submit {text} #speed",
                user=USERS[n % len(USERS)],
                response_url=fake.response_url(name),
            )
            sent[name] = text
            with contextlib.suppress(aiohttp.ClientError, OSError, TimeoutError):
                async with session.post(
                    bot.events_url, data=body.encode(), headers={**headers, **payloads.sign(body)}
                ) as response:
                    await response.read()
            confirmed = asyncio.create_task(fake.wait_for_response(name, within=60))
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({confirmed, stopped}, return_when=asyncio.FIRST_COMPLETED)
            for task in (confirmed, stopped):
                task.cancel()

    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(one(session) for _ in range(IN_FLIGHT)))


async def test_kill_9_mid_burst_loses_no_confirmed_story_and_half_stores_none(
    start_bot: StartBot, fake_slack: FakeSlack, database_url: str
) -> None:
    for user in USERS:
        fake_slack.add_user(user, user.title())
    bot = await start_bot(slack=fake_slack, name="before")

    sent: dict[str, str] = {}
    stop = asyncio.Event()
    burst = asyncio.create_task(_burst(bot, fake_slack, sent, stop))
    await fake_slack.wait_for_responses(KILL_AFTER, within=60)
    await asyncio.sleep(KILL_DELAY)  # off the beat of a confirmation: mid-transaction
    await bot.kill()  # SIGKILL while submissions are still arriving and being stored
    stop.set()
    await burst

    confirmed: dict[str, int] = {}  # text -> the number the user was shown
    for response in fake_slack.responses:
        shown = SAVED.search(str(response.args))
        assert shown, f"an answer other than a confirmation: {response.args}"
        confirmed[sent[response.method]] = int(shown.group(1))
    assert len(confirmed) >= KILL_AFTER
    assert len(sent) > len(confirmed), "the kill should have caught submissions in flight"

    restarted = await start_bot(slack=fake_slack, name="after")
    stored = await stories(database_url)
    by_text = {s.text: s for s in stored}
    assert len(by_text) == len(stored), "a submission was stored twice"
    for text, number in confirmed.items():
        assert text in by_text, f"confirmed story #{number} was lost"
        assert by_text[text].number == number
    assert sorted(s.number for s in stored) == list(range(1, len(stored) + 1))
    assert await consistency_problems(database_url) == []
    print(  # the figures docs/RELIABILITY.md quotes (pytest -s)
        f"kill -9: sent {len(sent)}, confirmed {len(confirmed)}, stored {len(stored)}, "
        f"unconfirmed but whole {len(stored) - len(confirmed)}, lost 0"
    )

    # The restarted bot carries on numbering after the survivors.
    said = await slack_say(restarted, fake_slack, "submit After the crash, the next story. #speed")
    assert f"#{len(stored) + 1} " in said, said
    assert await restarted.stop() == 0
