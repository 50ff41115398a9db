"""Issue 13's findings that need no database, on the in-memory fakes."""

from __future__ import annotations

from bot import actions, weekly
from bot.domain import Community, CommunitySettings, Platform
from tests.conftest import Bot, actor
from tests.fakes.memory import FakeAnnouncer, FakeClock, FakeDatabase

MOD = actor("U-MOD", moderator=True)


def test_job_context_of_a_community_without_spaces_acts_on_a_placeholder() -> None:
    community = Community(id=7, settings=CommunitySettings(), spaces=[])
    ctx = weekly.job_context(community, FakeDatabase().factory(), FakeClock(), {})
    assert ctx.actor.space.platform is Platform.CONSOLE and ctx.community_id == 7
    assert not ctx.moderator


class CountingAnnouncer(FakeAnnouncer):
    """Counts display-name lookups: each id would be one users.info call on Slack."""

    def __init__(self, platform: Platform) -> None:
        super().__init__(platform)
        self.looked_up: list[str] = []

    async def display_names(self, space, user_ids):  # type: ignore[no-untyped-def]
        self.looked_up.extend(user_ids)
        return await super().display_names(space, user_ids)


def counting_bot() -> tuple[Bot, CountingAnnouncer]:
    bot = Bot()
    counting = CountingAnnouncer(Platform.SLACK)
    bot.core.add_announcer(counting)
    return bot, counting


CREDITS = " ".join(f"<@U0{i:08d}>" for i in range(10))


async def test_refused_submissions_look_up_no_names() -> None:
    bot, counting = counting_bot()
    for i in range(15):
        await bot.say(f"/story submit Story {i} crediting ten colleagues {CREDITS}")
    assert len(counting.looked_up) == 100  # ten accepted stories, ten ids each; none for refusals


async def test_editing_someone_elses_story_looks_up_no_names() -> None:
    bot, counting = counting_bot()
    await bot.submit("Anna's own story about a helpful colleague at the desk.")
    counting.looked_up.clear()
    form = {"text": f"Taken over {CREDITS}", "credited": [f"U0{i:08d}" for i in range(10)]}
    refused = await bot.core.handle_form(actions.form_action(1), form, actor("U-BO"), "k")
    assert refused.error and counting.looked_up == []


async def test_only_ids_that_look_like_the_platforms_are_looked_up() -> None:
    bot, counting = counting_bot()
    typed = ["U0ABC123", "not an id", "<@here>", "x" * 300]
    form = {"text": "Credits typed by hand, some not ids at all.", "credited": typed}
    reply = await bot.core.handle_form(actions.form_action(), form, actor(), "k1")
    assert not reply.error, reply.plain_text
    assert counting.looked_up == ["U0ABC123"]


def test_a_newline_in_a_logged_value_cannot_forge_a_log_line() -> None:
    import io
    import logging
    import re

    from bot import logs

    for fmt in ("console", "json"):
        stream = io.StringIO()
        logs.configure(fmt=fmt, stream=stream)
        try:
            forged = "x\n2026-01-01T00:00:00Z [info     ] forged\r\nline"
            logging.getLogger("hostile").warning("typed %s", forged, extra={"value": forged})
            try:
                raise ValueError(forged)
            except ValueError:
                logging.getLogger("hostile").exception("failed on %s", forged)
        finally:
            logs.configure(stream=io.StringIO())
        lines = stream.getvalue().splitlines()
        records = [line for line in lines if not line.startswith("  ")]
        assert len(records) == 2, (fmt, lines)
        assert all(re.match(r"\{|\d{4}-\d\d-\d\dT", line) for line in records), (fmt, lines)
