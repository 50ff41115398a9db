"""How the bench times a Discord answer (bench/discord.py): from the event to the moment the
answer reaches the fake, not counting the fake's own work, one interaction at a time."""

from __future__ import annotations

import asyncio
import time
from types import SimpleNamespace
from typing import Any

import pytest

from bench import discord as bench_discord

FAKE_WORK = 0.05  # what the fake spends checking and storing an answer, in this test


class _Fake:
    """Just the two routes bench_discord._Answers wraps."""

    def __init__(self, status: int) -> None:
        self.status = status

    async def _callback(self, payload: Any, interaction_id: str, token: str) -> Any:
        await asyncio.sleep(FAKE_WORK)
        return SimpleNamespace(status=self.status)

    async def _edit_webhook_message(self, payload: Any, token: str, message: str) -> Any:
        return SimpleNamespace(status=self.status)


async def test_an_answer_arrives_when_it_reaches_the_fake_not_when_the_fake_is_done() -> None:
    fake = _Fake(200)
    answers = bench_discord._Answers(fake)  # type: ignore[arg-type]
    arrived = answers.expect("token-1")
    sent = time.perf_counter()
    await fake._callback({"type": 4}, "1", "token-1")
    at, kind = await arrived
    assert kind == 4
    assert at - sent < FAKE_WORK / 2  # the fake's 50 ms are not the adapter's


async def test_an_answer_the_fake_refused_fails_the_sample() -> None:
    fake = _Fake(400)
    answers = bench_discord._Answers(fake)  # type: ignore[arg-type]
    arrived = answers.expect("token-2")
    await fake._callback({"type": 4}, "2", "token-2")
    with pytest.raises(RuntimeError, match="refused the answer \\(400\\)"):
        await arrived


async def test_the_next_sample_waits_for_the_last_interaction_s_handler_to_end() -> None:
    """Its handler may still run after the answer arrived; the next sample would pay for it."""
    long_lived = asyncio.create_task(asyncio.sleep(10), name="discord.py: gateway")
    before = asyncio.all_tasks()
    handler = asyncio.create_task(asyncio.sleep(0.05), name="CommandTree-invoker")
    other = asyncio.create_task(asyncio.sleep(10), name="someone else's")

    await bench_discord._handled(before)

    assert handler.done()
    assert not long_lived.done() and not other.done()  # neither is waited for
    long_lived.cancel()
    other.cancel()
