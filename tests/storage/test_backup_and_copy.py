"""`storybot db backup` and `storybot db copy`: a seeded database survives the trip whole.

The seed fills every table the models (and so the migrations) define, and the test fails if
a table is left empty: a table added later must be seeded here, and so is known to be copied.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from adapters.slack.installations import TokenCipher, new_key, stores
from bot.cli import main as storybot
from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.replies import StoryCard
from storage import create_engine, normalise_url, uow_factory, upgrade
from storage.backup import BackupError, backup
from storage.copy import CopyError, copy_database, tables
from storage.models import NoticeRow
from tests.conftest import actor
from tests.fakes.memory import FakeAnnouncer, FakeClock
from tests.storage.conftest import PG_ENV, create_pg_database

MOD = actor("U-MOD", moderator=True, channel="C-HIGHLIGHT")
OTHER_SPACE = SpaceRef(Platform.DISCORD, "G-OTHER")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def pg_url() -> Iterator[str]:
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set")
    url, drop = create_pg_database("storybot_copy")
    try:
        yield url
    finally:
        drop()


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


async def seed(url: str) -> None:
    """Communities, linked spaces, stories with tags, appreciations, a feature and its
    announcement, a moderator notice, settings, link codes, a failed link attempt, a draft."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        uows = uow_factory(engine)
        clock = FakeClock(dt.datetime(2026, 11, 17, 9, 0, tzinfo=dt.UTC))
        announcer = FakeAnnouncer(Platform.SLACK)
        core = Core(uows, clock, announcers=[announcer])

        keys = iter(range(1000))

        async def ok(text: str, who: Any = None) -> str:
            reply = await core.handle_text(text, who or actor(), f"seed-{next(keys)}")
            assert not reply.error, reply.plain_text
            return reply.plain_text

        await ok("/story config channel", MOD)
        await ok("/story config language sv", MOD)
        for i, text in enumerate(
            [
                "Kunden fick veta om förseningen innan hon hann fråga. #proactive-information",
                "The nurse explained every step before she started. #in-person",
                "Support answered on the first ring, even on a Sunday. #phone",
            ]
        ):
            await ok(f"/story submit {text}", actor(f"U-{i}"))
        await ok("/story appreciate 2", actor("U-A"))
        await ok("/story appreciate 2", actor("U-B"))
        await ok("/story feature 2 Lovely", MOD)
        await ok("/story hide 3", MOD)
        code = re.search(
            r"`([^`]+)`|\b([A-Z0-9]{4,}(?:-[A-Z0-9]{2,})+)\b", await ok("/story link", MOD)
        )
        assert code, "no link code in the reply"
        other_mod = actor("D-MOD", space=OTHER_SPACE, moderator=True)
        await core.handle_text("/story link WRONG-CODE-1", other_mod, "x")  # a link failure
        await ok(f"/story link {code.group(1) or code.group(2)}", other_mod)
        await ok("/story link", MOD)  # an unused code too
        clock.now = NOW
        await core.run_weekly(force=True)
        async with uows() as uow:
            await uow.drafts.put("draft-1", {"text": "half typed"}, NOW + dt.timedelta(hours=1))
            await uow.commit()
        # A Slack workspace installed through OAuth (its tokens encrypted) and a pending state.
        installations, states = stores(engine, "1111.2222", TokenCipher([new_key()]))
        await installations.async_save(
            Installation(
                app_id="A0APP",
                enterprise_id=None,
                team_id="T0OAUTH",
                bot_token="xoxb-oauth-token",
                bot_id="B0BOT",
                bot_user_id="U0BOT",
                bot_scopes="commands",
                user_id="U0INSTALLER",
            )
        )
        await states.async_issue()
        async with engine.begin() as connection:  # a moderator notice, as a failed post leaves
            await connection.execute(
                insert(NoticeRow).values(
                    community_id=1,
                    week="2026-W48",
                    channel_key="slack:T:C",
                    reason="x",
                    sent_at=NOW,
                )
            )
    finally:
        await engine.dispose()


async def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order, as Python values."""
    engine = create_async_engine(normalise_url(url), poolclass=NullPool)
    try:
        async with engine.connect() as connection:
            return {
                table.name: [
                    tuple(row)
                    for row in await connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    )
                ]
                for table in tables()
            }
    finally:
        await engine.dispose()


async def search_numbers(url: str, words: str) -> list[int]:
    engine = create_engine(url)
    try:
        core = Core(uow_factory(engine), FakeClock(NOW))
        reply = await core.handle_text(f"/story search {words}", actor(), "x")
        return [b.number for b in reply.blocks if isinstance(b, StoryCard)]
    finally:
        await engine.dispose()


async def submit_one_more(url: str) -> str:
    engine = create_engine(url)
    try:
        core = Core(uow_factory(engine), FakeClock(NOW))
        reply = await core.handle_text(
            "/story submit A new story after the move, about a kind driver.", actor("U-NEW"), "x"
        )
        assert not reply.error, reply.plain_text
        return reply.plain_text
    finally:
        await engine.dispose()


async def test_the_seed_fills_every_table(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "seed.db")
    await seed(url)
    empty = [name for name, rows in (await snapshot(url)).items() if not rows]
    assert empty == [], f"seed() must put rows in every table; empty: {empty}"


async def test_sqlite_to_postgresql_and_back_keeps_every_row(tmp_path: Path, pg_url: str) -> None:
    source = sqlite_url(tmp_path / "source.db")
    await seed(source)
    before = await snapshot(source)

    there = await copy_database(source, pg_url)
    assert there.counts == {name: len(rows) for name, rows in before.items()}
    assert await snapshot(pg_url) == before

    back = sqlite_url(tmp_path / "back.db")
    again = await copy_database(pg_url, back)
    assert again.counts == there.counts
    assert await snapshot(back) == before

    # Search indexes were rebuilt on both sides, and new ids continue after the copied ones.
    for url in (pg_url, back):
        assert await search_numbers(url, "försening") == [1]
        assert "#4" in await submit_one_more(url)


async def test_sqlite_to_sqlite_copy_keeps_every_row(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "source.db")
    await seed(source)
    target = sqlite_url(tmp_path / "target.db")
    report = await copy_database(source, target)
    assert report.total == sum(len(rows) for rows in (await snapshot(source)).values())
    assert await snapshot(target) == await snapshot(source)
    assert await search_numbers(target, "nurse") == [2]


async def test_a_non_empty_target_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "source.db")
    await seed(source)
    target = sqlite_url(tmp_path / "target.db")
    await submit_one_more_after_upgrade(target)
    before = await snapshot(target)
    with pytest.raises(CopyError, match="not empty"):
        await copy_database(source, target)
    assert await snapshot(target) == before


async def submit_one_more_after_upgrade(url: str) -> None:
    await upgrade(url)
    await submit_one_more(url)


async def test_a_missing_source_is_refused_without_creating_it(tmp_path: Path) -> None:
    with pytest.raises(CopyError, match="no database"):
        await copy_database(sqlite_url(tmp_path / "nope.db"), sqlite_url(tmp_path / "t.db"))
    assert not (tmp_path / "nope.db").exists()


async def test_backup_is_a_consistent_copy_of_a_live_database(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "live.db")
    await seed(source)
    engine = create_engine(source)  # the bot still has the database open (WAL, pooled)
    try:
        async with engine.connect():
            target = tmp_path / "backup.db"
            size = await backup(source, target)
        assert size == target.stat().st_size > 0
        assert await snapshot(sqlite_url(target)) == await snapshot(source)
        with sqlite3.connect(target) as check:
            assert check.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert not [name for name in os.listdir(tmp_path) if name.endswith(".partial")]
        with pytest.raises(BackupError, match="already exists"):
            await backup(source, target)
    finally:
        await engine.dispose()


async def test_backup_refuses_postgresql_naming_pg_dump() -> None:
    with pytest.raises(BackupError, match="pg_dump"):
        await backup("postgresql://u@127.0.0.1/storybot", Path("x.db"))


def test_the_cli_backs_up_and_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    source = tmp_path / "storybot.db"
    asyncio.run(seed(sqlite_url(source)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", sqlite_url(source))
    assert storybot(["db", "backup", str(tmp_path / "b.db")]) == 0
    assert "Wrote a backup" in capsys.readouterr().out
    assert storybot(["db", "copy", "--to", sqlite_url(tmp_path / "c.db")]) == 0
    assert "every table's count matches" in capsys.readouterr().out
    assert storybot(["db", "copy", "--to", sqlite_url(tmp_path / "c.db")]) == 1
    assert "not empty" in capsys.readouterr().err
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@127.0.0.1:1/storybot")
    assert storybot(["db", "backup", str(tmp_path / "pg.db")]) == 1
    assert "pg_dump" in capsys.readouterr().err


async def test_upgrading_a_seeded_database_again_changes_nothing(tmp_path: Path) -> None:
    """The upgrade procedure (docs/DEPLOYMENT.md) runs `storybot db upgrade` on live data,
    perhaps twice: at head it must leave every row as it was."""
    url = sqlite_url(tmp_path / "live.db")
    await seed(url)
    before = await snapshot(url)
    await upgrade(url)
    await upgrade(url)
    assert await snapshot(url) == before


async def test_an_unusable_target_is_a_clear_error_without_the_password(tmp_path: Path) -> None:
    source = sqlite_url(tmp_path / "source.db")
    await upgrade(source)
    with pytest.raises(CopyError) as refused:
        await copy_database(source, "postgresql://storybot:s3cret-pw@127.0.0.1:1/storybot")
    assert "s3cret-pw" not in str(refused.value)
    with pytest.raises(CopyError, match="does not exist"):
        await copy_database(source, sqlite_url(tmp_path / "missing" / "target.db"))
