"""Fixtures shared by every layer: a core on in-memory fakes, and actors to play."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.commands import Actor
from bot.core import Core
from bot.domain import Platform, SpaceRef
from bot.replies import Reply
from tests.fakes.memory import FakeAnnouncer, FakeClock, FakeDatabase


@pytest.fixture(scope="session", autouse=True)
def _lemma_tables() -> None:
    """Build the lemma cache once, before any test starts a bot process: on a fresh machine
    the first build takes seconds, which a subprocess with a reply deadline cannot wait for."""
    from bot import lemmas

    lemmas.load()


TEAM = SpaceRef(Platform.SLACK, "T-ACME")
OTHER_TEAM = SpaceRef(Platform.SLACK, "T-OTHER")


def actor(
    user: str = "U-ANNA",
    *,
    space: SpaceRef = TEAM,
    moderator: bool = False,
    locale: str | None = None,
    channel: str | None = "C-GENERAL",
    roles: tuple[str, ...] = (),
) -> Actor:
    return Actor(
        space=space,
        user_id=user,
        display_name=user.removeprefix("U-").title(),
        channel_id=channel,
        locale=locale,
        is_admin=moderator,
        roles=roles,
    )


class Bot:
    """A core on fakes, with helpers that read like a chat."""

    def __init__(self) -> None:
        self.db = FakeDatabase()
        # Monday 2026-11-23 10:00 in Stockholm: the weekly time of the default week has passed.
        self.clock = FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC))
        self.slack = FakeAnnouncer(Platform.SLACK)
        self.discord = FakeAnnouncer(Platform.DISCORD)
        fakes = [self.slack, self.discord]  # each fake both posts and knows names
        self.core = Core(self.db.factory(), self.clock, announcers=fakes, directories=fakes)
        self._keys = 0

    async def say(self, line: str, who: Actor | None = None) -> Reply:
        self._keys += 1
        return await self.core.handle_text(line, who or actor(), f"key-{self._keys}")

    async def submit(self, text: str, who: Actor | None = None) -> Reply:
        reply = await self.say(f"/story submit {text}", who)
        assert not reply.error, reply.plain_text
        return reply


@pytest.fixture
def bot() -> Bot:
    return Bot()
