"""Hostile text through the core into the real database and back: what the core accepted
is exactly what SQLite (and PostgreSQL, in its pass) returns, and search and browse find
it without choking on FTS or SQL syntax. See tests/property/test_roundtrip.py for the rule."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import example, given

from bot import mentions, privacy
from bot.core import Core
from bot.domain import Language
from bot.i18n import Translator
from bot.validation import clean_text
from tests.conftest import actor
from tests.fakes.memory import FakeClock
from tests.property.strategies import hostile_settings, hostile_text, short_hostile

_n = itertools.count(1)


def accepted(raw: str) -> str:
    # Mention markup is read as words in the actor's language (bot.mentions.in_words).
    return privacy.mask(clean_text(mentions.readable(raw, Translator(Language.EN)))).text


@hostile_settings(25)
@given(hostile_text, short_hostile)
@example('\'; DROP TABLE stories; -- <!channel> 😀 \u202e NEAR(a b) * "x" OR NOT ^', "%_\\")
@example("x" * 10_000, "")
async def test_accepted_text_comes_back_from_the_database_unchanged(
    uows, text: str, customer: str
) -> None:
    core = Core(uows, FakeClock(dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)))
    n = next(_n)
    who = actor(f"U-{n}")
    values = {"text": text, "customer": customer}
    reply = await core.handle_form("sb1:submit-form", values, who, f"key-{n}")
    if reply.error:
        return
    [number] = [b.number for b in reply.blocks if hasattr(b, "number")]
    async with uows() as uow:
        story = await uow.stories.get(1, number)
    assert story is not None
    assert story.text == accepted(text)
    assert story.customer == (accepted(customer) or None)
    for line in (f"search {text[:200]}", f"search {customer}", "browse"):
        answer = await core.handle_text(line, who, "read")
        assert "Something went wrong" not in answer.plain_text, line
