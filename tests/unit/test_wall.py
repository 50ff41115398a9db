"""The public wall in the core: the moderator switch, the author's choice, public names."""

from __future__ import annotations

import datetime as dt

from bot.domain import Author, Language, Platform, Status, Story
from bot.i18n import Translator
from bot.wall import WallReader, public_author, public_credited
from tests.conftest import Bot, actor

STORY = "The courier called ahead about the delay and brought a small gift."


def _story(**changes: object) -> Story:
    now = dt.datetime(2026, 11, 23, tzinfo=dt.UTC)
    story = Story(
        1, 1, STORY, "Called", Author(Platform.SLACK, "U1", "Anna Maria Svensson"), now, now
    )
    for name, value in changes.items():
        setattr(story, name, value)
    return story


async def _wall_token(bot: Bot) -> str:
    community = bot.db.community(1)
    assert community is not None and community.settings.wall_token is not None
    return community.settings.wall_token


async def test_only_moderators_turn_the_wall_on(bot: Bot) -> None:
    refused = await bot.say("/story config wall on")
    assert refused.error and "Only moderators" in refused.plain_text
    community = bot.db.community(1)
    assert community is not None and not community.settings.wall_enabled

    reply = await bot.say("/story config wall on", actor(moderator=True))
    token = await _wall_token(bot)
    assert not reply.error and f"/wall/{token}" in reply.plain_text
    assert len(token) >= 24


async def test_wall_off_and_new_address(bot: Bot) -> None:
    mod = actor(moderator=True)
    await bot.say("/story config wall on", mod)
    first = await _wall_token(bot)
    reader = WallReader(bot.db.factory(), bot.clock)
    assert await reader.page(first) is not None

    await bot.say("/story config wall new-address", mod)
    second = await _wall_token(bot)
    assert second != first
    assert await reader.page(first) is None
    assert await reader.page(second) is not None

    reply = await bot.say("/story config wall off", mod)
    assert "off" in reply.plain_text
    assert await reader.page(second) is None


async def test_wall_setting_answers_in_swedish_and_refuses_nonsense(bot: Bot) -> None:
    mod = actor(moderator=True, locale="sv-SE")
    reply = await bot.say("/story config wall kanske", mod)
    assert reply.error and "Skriv on, off eller new-address." in reply.plain_text
    reply = await bot.say("/story config wall på", mod)
    assert "Den publika väggen är på" in reply.plain_text


async def test_the_author_chooses_the_wall_in_the_edit_form(bot: Bot) -> None:
    await bot.submit(STORY)
    story = bot.db.story(1, 1)
    assert story is not None and not story.on_wall  # off by default
    opened = await bot.say("/story edit 1")
    assert opened.form is not None
    field = next(f for f in opened.form.fields if f.id == "on_wall")
    assert field.initial is False
    values = {"text": STORY, "consent": True, "on_wall": True}
    reply = await bot.core.handle_form(opened.form.action, values, actor(), "view-2")
    assert not reply.error, reply.plain_text
    story = bot.db.story(1, 1)
    assert story is not None and story.on_wall and story.consent


async def test_reader_shows_only_public_stories(bot: Bot) -> None:
    mod = actor(moderator=True)
    await bot.say("/story config wall on", mod)
    token = await _wall_token(bot)
    for _ in range(4):
        await bot.submit(STORY)
    for number, consent, on_wall in ((1, True, True), (2, False, True), (3, True, False)):
        opened = await bot.say(f"/story edit {number}")
        assert opened.form is not None
        values = {"text": STORY, "consent": consent, "on_wall": on_wall}
        await bot.core.handle_form(opened.form.action, values, actor(), f"v{number}")
    opened = await bot.say("/story edit 4")
    assert opened.form is not None
    await bot.core.handle_form(
        opened.form.action, {"text": STORY, "consent": True, "on_wall": True}, actor(), "v4"
    )
    await bot.say("/story hide 4", mod)
    page = await WallReader(bot.db.factory(), bot.clock).page(token)
    assert page is not None
    assert [s.number for s in page.stories] == [1]


def test_public_names() -> None:
    t = Translator(Language.EN)
    assert public_author(_story(), t) == "Anna S."
    assert public_author(_story(anonymous=True), t) == "Anonymous"
    assert public_author(_story(anonymous=True), Translator(Language.SV)) == "Anonym"
    assert public_author(_story(author=Author(Platform.SLACK, "U1", "Cher")), t) == "Cher"
    credited = _story(credited=["U2", "U3"], credited_names={"U2": "Bo Ek"})
    assert public_credited(credited) == ("Bo",)  # an unknown name is left out, never an id


def test_publishable_needs_consent_choice_and_published() -> None:
    assert _story(consent=True, on_wall=True).publishable
    assert not _story(consent=False, on_wall=True).publishable
    assert not _story(consent=True, on_wall=False).publishable
    assert not _story(consent=True, on_wall=True, status=Status.HIDDEN).publishable


async def test_the_address_is_absolute_when_the_base_is_known(bot: Bot) -> None:
    bot.core.web_base_url = "https://stories.example.test/"
    reply = await bot.say("/story config wall on", actor(moderator=True))
    token = await _wall_token(bot)
    assert f"https://stories.example.test/wall/{token}" in reply.plain_text
