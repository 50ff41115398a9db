"""Issue 13's findings that need no database, on the in-memory fakes."""

from __future__ import annotations

from bot import weekly
from bot.domain import Community, CommunitySettings, Platform
from tests.conftest import actor
from tests.fakes.memory import FakeClock, FakeDatabase

MOD = actor("U-MOD", moderator=True)


def test_job_context_of_a_community_without_spaces_acts_on_a_placeholder() -> None:
    community = Community(id=7, settings=CommunitySettings(), spaces=[])
    ctx = weekly.job_context(community, FakeDatabase().factory(), FakeClock(), {})
    assert ctx.actor.space.platform is Platform.CONSOLE and ctx.community_id == 7
    assert not ctx.moderator
