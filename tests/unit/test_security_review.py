"""Issue 13's findings that need no database, on the in-memory fakes."""

from __future__ import annotations

from bot import actions, weekly
from bot.core import Core
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
    bot.core = Core(bot.db.factory(), bot.clock, announcers=[counting], directories=[counting])
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


def test_the_streamed_json_export_is_the_rendered_one() -> None:
    import io
    import json

    from bot import export

    rows = [{"number": i, "text": "line\nbreak \u2028 ünïcode", "tags": ["a"]} for i in range(3)]
    for given in (rows, []):
        out = io.BytesIO()
        export.write_json(given, out, 10_000)
        assert out.getvalue().decode() == export.render(given, "json")
        assert json.loads(out.getvalue()) == given


async def test_an_export_past_the_size_cap_is_refused_with_a_clear_message(
    bot: Bot, monkeypatch
) -> None:
    from bot import export
    from bot.replies import Attachment

    for i in range(5):
        await bot.submit(f"Story {i}: the bus driver waited while I ran for the stop.")
    monkeypatch.setattr(export, "EXPORT_MAX_BYTES", 2_000)
    refused = await bot.say("/story export", MOD)
    assert refused.error and "larger than" in refused.plain_text
    assert not any(isinstance(b, Attachment) for b in refused.blocks)
    swedish = await bot.say("/story export", actor("U-MOD", moderator=True, locale="sv-SE"))
    assert "större än" in swedish.plain_text


async def test_one_export_per_community_at_a_time(bot: Bot) -> None:
    import asyncio

    await bot.submit("The plumber came back on a Sunday to check the new pipe.")
    gate, entered = asyncio.Event(), asyncio.Event()
    factory = bot.core.uow

    def gated(*, read_only: bool = False):  # type: ignore[no-untyped-def]
        uow = factory(read_only=read_only)
        original = uow.stories.export

        async def export(community_id):  # type: ignore[no-untyped-def]
            if not entered.is_set():  # only the first export waits at the gate
                entered.set()
                await gate.wait()
            return await original(community_id)

        uow.stories.export = export
        return uow

    bot.core.uow = gated
    first = asyncio.create_task(bot.say("/story export", MOD))
    await entered.wait()
    second = await bot.say("/story export", actor("U-MOD2", moderator=True))
    assert second.error and "already being made" in second.plain_text
    gate.set()
    assert not (await first).error
    assert not (await bot.say("/story export", MOD)).error  # free again afterwards
