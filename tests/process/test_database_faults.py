"""The database goes away, or stalls, under a running `storybot run`.

Users on Slack and Discord get the clear answer in their language, nothing is half-stored, the
process keeps running, and once the database is back the next submission works without a
restart. PostgreSQL is taken away through a TCP proxy (the shared server is never stopped);
a stall is a lock held by another connection, longer than the bot's timeouts.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import make_url

from storage.engine import IDLE_PING_SECONDS
from tests.fakes.discord import FakeDiscord
from tests.fakes.slack import FakeSlack
from tests.harness.bot_process import BotProcess
from tests.harness.story_db import consistency_problems, stories
from tests.harness.tcp_proxy import TcpProxy
from tests.process.conftest import StartBot
from tests.process.traffic import SAVED, UNREACHABLE, discord_say, slack_say


def _is_postgres(database_url: str) -> bool:
    return make_url(database_url).get_backend_name() == "postgresql"


async def _saved_everywhere(
    bot: BotProcess, fake_slack: FakeSlack, fake_discord: FakeDiscord, n: int
) -> None:
    said = await slack_say(
        bot, fake_slack, f"submit The bus driver waited for us, round {n}. #speed"
    )
    assert SAVED.search(said), said
    said = await discord_say(
        fake_discord, "submit", {"text": f"The cashier opened a new till, round {n}. #speed"}
    )
    assert SAVED.search(said), said


async def _refused_everywhere(
    bot: BotProcess, fake_slack: FakeSlack, fake_discord: FakeDiscord
) -> None:
    """Four users at once, English and Swedish on each platform: each is told, none left
    waiting."""
    answers = await asyncio.gather(
        slack_say(bot, fake_slack, "submit Lost in the outage, said in English. #speed"),
        slack_say(
            bot, fake_slack, "submit Förlorad i avbrottet, sagt på svenska. #speed", user="U0BO"
        ),
        discord_say(fake_discord, "submit", {"text": "Lost in the outage on Discord, in English."}),
        discord_say(
            fake_discord,
            "submit",
            {"text": "Förlorad i avbrottet på Discord, på svenska."},
            locale="sv-SE",
        ),
    )
    for answer, language in zip(answers, ("en", "sv", "en", "sv"), strict=True):
        assert UNREACHABLE[language] in answer, answer
        assert not SAVED.search(answer)


@pytest.fixture
async def proxy(database_url: str) -> AsyncIterator[TcpProxy]:
    if not _is_postgres(database_url):
        pytest.skip("a network database only: SQLite's outage is the held lock below")
    target = make_url(database_url)
    server = TcpProxy(target.host or "127.0.0.1", target.port or 5432)
    await server.start()
    yield server
    await server.close()


async def test_postgres_going_away_is_answered_clearly_and_survived_without_a_restart(
    start_bot: StartBot,
    fake_slack: FakeSlack,
    fake_discord: FakeDiscord,
    database_url: str,
    proxy: TcpProxy,
) -> None:
    bot = await start_bot(
        slack=fake_slack,
        discord=fake_discord,
        extra={"DATABASE_URL": proxy.url_for(database_url), "DB_POOL_TIMEOUT": "3"},
    )
    await fake_discord.wait_connected()
    await _saved_everywhere(bot, fake_slack, fake_discord, 1)  # pooled connections now exist
    connections_before = proxy.connections

    await proxy.cut()  # every connection reset, new ones refused: the server is "down"
    await _refused_everywhere(bot, fake_slack, fake_discord)
    bot.raise_if_exited()
    assert len(await stories(database_url)) == 2  # nothing of the four was stored

    await proxy.restore()
    await _saved_everywhere(bot, fake_slack, fake_discord, 2)
    assert proxy.connections > connections_before  # the pool reconnected by itself

    # A restart of the database while nobody writes leaves only dead connections in the pool;
    # the first user afterwards must not be the one who finds out: a connection idle for
    # IDLE_PING_SECONDS is pinged before use (storage.engine.ping_when_idle).
    await proxy.cut()
    await proxy.restore()
    await asyncio.sleep(IDLE_PING_SECONDS)  # nobody wrote meanwhile
    await _saved_everywhere(bot, fake_slack, fake_discord, 3)
    assert [s.number for s in await stories(database_url)] == [1, 1, 2, 2, 3, 3]
    assert await consistency_problems(database_url) == []
    assert await bot.stop() == 0


@contextlib.asynccontextmanager
async def write_lock_held(database_url: str) -> AsyncIterator[None]:
    """Another writer holds the lock every submission needs, until the block ends.

    SQLite: a second connection in BEGIN EXCLUSIVE (the bot waits busy_timeout, then gives
    up). PostgreSQL: another session holds an EXCLUSIVE lock on communities, so the UPDATE
    that numbers a story blocks until statement_timeout (plain reads still pass).
    """
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            yield
            holder.execute("ROLLBACK")
        finally:
            holder.close()
    else:
        dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        session = await asyncpg.connect(dsn)
        try:
            transaction = session.transaction()
            await transaction.start()
            await session.execute("LOCK TABLE communities IN EXCLUSIVE MODE")
            yield
            await transaction.rollback()
        finally:
            await session.close()


async def test_a_stalled_database_and_an_exhausted_pool_are_answered_clearly_not_hung(
    start_bot: StartBot, fake_slack: FakeSlack, fake_discord: FakeDiscord, database_url: str
) -> None:
    """Pool of one: the first submission holds the only connection while it waits on the lock
    (until the statement/busy timeout); the others wait for the pool, or on SQLite for their
    turn at the one writer (storage/group_commit.py), until the pool timeout. Every one of them
    is answered with the clear message, and nothing is half-stored."""
    bot = await start_bot(
        slack=fake_slack,
        discord=fake_discord,
        extra={"DB_POOL_SIZE": "1", "DB_POOL_TIMEOUT": "1", "DB_STATEMENT_TIMEOUT_MS": "1500"},
    )
    await fake_discord.wait_connected()
    await _saved_everywhere(bot, fake_slack, fake_discord, 1)

    async with write_lock_held(database_url):
        # The hang guard in each *_say is 30 s; the bot's own limits add up to 2.5 s a request.
        await _refused_everywhere(bot, fake_slack, fake_discord)
        bot.raise_if_exited()

    await _saved_everywhere(bot, fake_slack, fake_discord, 2)
    assert len(await stories(database_url)) == 4
    assert await consistency_problems(database_url) == []
    log = bot.log()
    # Some waited for the pool (or the writer's turn), and were answered.
    assert "QueuePool limit" in log or "writer's turn" in log
    assert "database is locked" in log or "QueryCanceled" in log  # one waited on the lock
    assert await bot.stop() == 0
