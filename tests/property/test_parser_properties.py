"""The command parser, the tag normaliser and the core's text entry point on hostile input:
nothing raises but the core's own refusals, and the core never falls back to "something
went wrong" (which would mean an unexpected exception inside)."""

from __future__ import annotations

import asyncio
import contextlib
import re

from hypothesis import example, given
from hypothesis import strategies as st

from bot import actions, cursors, parser, tags
from bot import commands as c
from bot.errors import StorybotError, ValidationError
from tests.conftest import Bot, actor
from tests.property.strategies import FRAGMENTS, hostile_settings, hostile_text, short_hostile

GENERIC_FAILURE = "Something went wrong on my side"
SLUG = re.compile(r"[^\W_](?:[^\W_]|-(?=[^\W_]))*")  # letters/digits, single inner hyphens

subcommands = st.sampled_from([*parser.SUBCOMMANDS, *parser.ALIASES, "/story", "SUBMIT", ""])
lines = st.builds(lambda head, rest: f"{head} {rest}", subcommands, hostile_text) | hostile_text


@hostile_settings(300)
@given(lines)
@example("submit " + "x" * 10_000)
@example("feature 12 " + "\x00" * 5)
@example("config moderators <@U1> <@!2> @3")
@example("show #0012")
@example("show ١٢")  # Arabic-Indic digits: str.isdigit() says yes, int() would accept them
def test_parse_raises_only_the_cores_refusals(line: str) -> None:
    try:
        command = parser.parse(line, "key")
    except StorybotError:
        return
    assert type(command) in c.Command.__args__  # type: ignore[attr-defined]
    number = getattr(command, "number", None)
    if number is not None:
        assert 0 < number < 10**9


@hostile_settings(300)
@given(short_hostile)
@example("#Good  Service")
@example("ǅ")  # titlecase letter: casefold and NFKC disagree
@example("ﬃ-ß-İ")
def test_normalise_gives_a_valid_slug_or_a_validation_error(raw: str) -> None:
    try:
        slug = tags.normalise(raw)
    except ValidationError as refusal:
        assert refusal.field == "tags"
        return
    assert SLUG.fullmatch(slug), slug
    assert len(slug) <= tags.TAG_MAX
    assert tags.normalise(slug) == slug  # a stored slug reads back as itself
    resolved = tags.resolve(raw)
    assert tags.resolve(resolved) == resolved


@hostile_settings(200)
@given(hostile_text)
def test_hashtags_split_without_raising_and_keep_the_rest(text: str) -> None:
    body, raw_tags = tags.parse_hashtags(text)
    assert body == body.strip()
    for raw in raw_tags:
        assert any(ch.isalpha() for ch in raw)
        assert f"#{raw}" not in body.split()


@hostile_settings(200)
@given(st.text(max_size=200) | st.sampled_from(FRAGMENTS) | st.from_regex(r"sb1:[a-z-]+:.*"))
@example("sb1:edit-form:²")  # str.isdigit() is true, int() refuses it
@example("sb1:show:" + "9" * 30)  # too large for an SQLite integer
@example("sb1:show:٣")
@example("sb1:show:1_0")
@example("o1.2.3\n")
def test_action_and_cursor_decoding_refuse_cleanly(token: str) -> None:
    for decode in (actions.decode, actions.decode_form, cursors.decode):
        with contextlib.suppress(ValidationError):
            decoded = decode(token)
            number = getattr(decoded, "number", decoded if isinstance(decoded, int) else None)
            assert number is None or 0 < number < 10**9, token


@hostile_settings(120)
@given(lines, st.sampled_from(["en-US", "sv-SE", None]), st.booleans())
@example("submit <!channel> the courier called ahead <@U1> #speed", None, False)
@example("search '; DROP TABLE stories; --", None, False)
@example('search NEAR(a b) * "x" AND OR NOT ^', "sv-SE", False)
@example("config timezone ../../etc/passwd", None, True)
@example("config timezone \x00", None, True)
@example("config time 25:99", None, True)
@example("browse " + "ä" * 10_000, None, False)
def test_the_core_answers_every_line_without_an_internal_error(
    line: str, locale: str | None, moderator: bool
) -> None:
    bot = Bot()
    who = actor("U-ANNA", locale=locale, moderator=moderator)

    async def run() -> None:
        await bot.submit("The courier called ahead about the delay #speed")
        reply = await bot.say(line, who)
        assert GENERIC_FAILURE not in reply.plain_text, (line, reply.plain_text)
        assert "Något gick fel" not in reply.plain_text, (line, reply.plain_text)

    asyncio.run(run())
