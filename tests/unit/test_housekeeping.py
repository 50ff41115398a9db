"""The scheduler's housekeeping round, as `storybot run` wires it (bot.bootstrap)."""

from __future__ import annotations

import datetime as dt

from bot import bootstrap
from bot.commands import Actor
from bot.config import Settings
from bot.domain import Platform, SpaceRef
from tests.fakes.memory import FakeClock

ANNA = Actor(SpaceRef(Platform.SLACK, "T0HOUSE"), "U0ANNA", "Anna")


async def _logged(app: bootstrap.App, clock: FakeClock) -> int:
    since = clock() - dt.timedelta(days=1)
    async with app.core.uow(read_only=True) as uow:
        return await uow.communities.submissions_since(1, Platform.SLACK, "U0ANNA", since)


async def test_the_round_forgets_rate_limit_entries_older_than_the_window(tmp_path) -> None:
    clock = FakeClock()
    settings = Settings.load(None, database_url=f"sqlite+aiosqlite:///{tmp_path}/house.db")
    app = await bootstrap.bootstrap(settings, clock=clock)
    try:
        text = "/story submit The courier called ahead about the delay."
        assert not (await app.core.handle_text(text, ANNA, "h1")).error
        await bootstrap.housekeeping(app)
        assert await _logged(app, clock) == 1  # still inside the window: kept

        clock.advance(minutes=1, seconds=1)
        assert not (await app.core.handle_text(text + " Again.", ANNA, "h2")).error
        await bootstrap.housekeeping(app)
        assert await _logged(app, clock) == 1  # the first is past the window: gone
    finally:
        await app.close()
