"""The console session on a core over the in-memory fakes: forms asked field by field."""

from __future__ import annotations

import io

from adapters.console.session import SPACE, ConsoleSession
from bot.commands import Actor
from bot.core import Core
from tests.fakes.memory import FakeClock, FakeDatabase

COURIER = "The courier called ahead about the delay and brought a small gift."


async def run(lines: list[str], locale: str | None = None) -> tuple[str, FakeDatabase]:
    db = FakeDatabase()
    core = Core(db.factory(), FakeClock())
    anna = Actor(SPACE, "anna", "Anna", channel_id="general", locale=locale)
    out = io.StringIO()
    session = ConsoleSession(core, anna, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out)
    await session.run()
    return out.getvalue(), db


async def test_the_tag_hint_is_in_the_readers_language() -> None:
    out, _ = await run(["/story", COURIER, "", "", "", "/cancel"], locale="sv")
    hint = next(line for line in out.splitlines() if line.startswith("  Taggar: "))
    assert "Snabbhet" in hint and "Speed" not in hint
    assert "  tags:" not in out


async def test_a_refused_answer_is_kept_and_asked_again_however_many_times() -> None:
    form = ["/story", "too short", "", "Parcel customer", "", "speed", "n", "y", "n"]
    refusals = ["tiny", "small", "wee", ""]  # refused four times; the last keeps "wee"
    out, db = await run([*form, *refusals, COURIER])
    assert out.count("write at least 10 characters") == 5
    assert "Your story [wee]: " in out  # what was typed, not the form's empty initial
    story = db.story(1, 1)
    assert story is not None and story.text == COURIER
    assert story.customer == "Parcel customer" and story.tags == ["speed"]


async def test_a_credit_typed_as_a_mention_shows_one_at_sign() -> None:
    lines = ["/story", COURIER, "", "", "@bo, @bo bo", "", "n", "y", "n", "/story show 1"]
    out, db = await run(lines)
    story = db.story(1, 1)
    assert story is not None and story.credited == ["bo"]
    assert "@bo" in out and "@@bo" not in out
