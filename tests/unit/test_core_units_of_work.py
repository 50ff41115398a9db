"""How many units of work a command costs, and which may write (issue 15)."""

from __future__ import annotations

import pytest

from bot import commands as c
from bot import core
from bot.core import HANDLERS, READ_ONLY
from bot.domain import Platform, SpaceRef
from tests.conftest import Bot, actor


def _since(bot: Bot, start: int) -> list[bool]:
    """read_only of each unit of work opened since `start`."""
    return [uow.read_only for uow in bot.db.uows[start:]]


@pytest.mark.parametrize(
    "line",
    ["/story browse", "/story search train", "/story show 1", "/story tags", "/story featured"],
)
async def test_a_read_runs_in_one_read_only_unit_of_work(bot: Bot, line: str) -> None:
    await bot.submit("The train was late, so Anna drove the customer home.")
    start = len(bot.db.uows)

    reply = await bot.say(line, actor("U-BO"))

    assert not reply.error, reply.plain_text
    assert _since(bot, start) == [True]


async def test_a_submission_reads_the_community_without_a_lock_then_writes_once(
    bot: Bot,
) -> None:
    await bot.submit("The first story, to make the community.")
    start = len(bot.db.uows)

    await bot.submit("The train was late, so Anna drove the customer home.")

    assert _since(bot, start) == [True, False]


async def test_first_contact_creates_the_community_then_reads(bot: Bot) -> None:
    reply = await bot.say("/story browse")

    assert not reply.error, reply.plain_text
    assert _since(bot, 0) == [True, False, True]
    assert bot.db.community(1) is not None


async def test_a_handler_that_writes_in_a_read_only_unit_of_work_is_refused(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake refuses a read-only unit of work that changed something, as the databases do:
    a command wrongly listed as read-only fails instead of writing."""
    await bot.submit("The train was late, so Anna drove the customer home.")
    monkeypatch.setattr(core, "READ_ONLY", READ_ONLY | {c.Appreciate})

    reply = await bot.say("/story appreciate 1", actor("U-BO"))

    assert reply.error
    story = bot.db.story(1, 1)
    assert story is not None and story.appreciations == 0


def test_every_read_only_command_has_a_handler() -> None:
    assert set(HANDLERS) >= READ_ONLY


async def test_a_submission_asks_for_a_single_write_unit_of_work(bot: Bot) -> None:
    """Single write: on SQLite, submissions arriving together share one durable commit; on
    PostgreSQL each is one statement, its own transaction."""
    await bot.submit("The first story, to make the community.")
    single_writes = bot.db.single_writes

    await bot.submit("The train was late, so Anna drove the customer home.")

    assert bot.db.single_writes == single_writes + 1


async def test_a_weekly_dry_run_reads_every_community_in_one_read_only_unit_of_work(
    bot: Bot,
) -> None:
    for team in ("T-A", "T-B", "T-C"):
        await bot.say("/story help", actor("U-1", space=SpaceRef(Platform.SLACK, team)))
    start = len(bot.db.uows)

    outcomes = await bot.core.run_weekly(dry_run=True, force=True)

    assert len(outcomes) == 3
    assert _since(bot, start) == [True]  # the list of communities and all of them
