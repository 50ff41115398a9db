"""Submitting, editing and deleting through the core, on fakes."""

from __future__ import annotations

from bot.commands import StoryInput, Submit
from bot.domain import Status
from bot.replies import StoryCard
from tests.conftest import Bot, actor

COURIER = "The courier called ahead about the delay and brought a small gift."


async def test_quick_submit_stores_story_with_number_and_tags(bot: Bot) -> None:
    reply = await bot.submit(f"{COURIER} #speed #Tillgänglighet")

    story = bot.db.story(1, 1)
    assert story is not None
    assert story.text == COURIER
    assert story.tags == ["speed", "accessibility"]
    assert story.author.user_id == "U-ANNA"
    assert "#1" in reply.plain_text
    card = next(b for b in reply.blocks if isinstance(b, StoryCard))
    assert card.number == 1 and card.body == COURIER


async def test_numbers_follow_one_another(bot: Bot) -> None:
    for i in range(3):
        await bot.submit(f"Story number {i} about a kind and helpful colleague.")
    assert [bot.db.story(1, n).text[:14] for n in (1, 2, 3)] == [  # type: ignore[union-attr]
        "Story number 0",
        "Story number 1",
        "Story number 2",
    ]


async def test_personal_data_is_masked_and_the_submitter_told(bot: Bot) -> None:
    reply = await bot.submit(
        "Call Eva on 070-555 12 52 or write to eva@example.com, she fixed it in minutes."
    )
    stored = bot.db.story(1, 1)
    assert stored is not None
    assert "070-555" not in stored.text and "eva@example.com" not in stored.text
    assert "1 e-mail address and 1 phone number" in reply.plain_text


async def test_story_without_tags_gets_suggested_tags(bot: Bot) -> None:
    reply = await bot.submit(
        "She listened to the whole complaint and then called back the next day."
    )
    stored = bot.db.story(1, 1)
    assert stored is not None and stored.tags
    assert "You gave no tags, so I added" in reply.plain_text


async def test_too_short_is_refused_and_nothing_stored(bot: Bot) -> None:
    reply = await bot.say("/story submit too short")
    assert reply.error
    assert "at least 10 characters" in reply.plain_text
    assert bot.db.story(1, 1) is None


async def test_too_long_is_refused_with_the_length(bot: Bot) -> None:
    reply = await bot.say("/story submit " + "a" * 3001)
    assert reply.error and "3001" in reply.plain_text
    assert bot.db.story(1, 1) is None


async def test_too_many_tags_is_refused(bot: Bot) -> None:
    tags = " ".join(f"#tag{i}" for i in range(11))
    reply = await bot.say(f"/story submit {COURIER} {tags}")
    assert reply.error and "Too many tags" in reply.plain_text
    assert bot.db.story(1, 1) is None


async def test_unknown_tag_refused_when_free_tags_are_off(bot: Bot) -> None:
    await bot.say("/story config free-tags off", actor("U-MOD", moderator=True))
    reply = await bot.say(f"/story submit {COURIER} #madeup")
    assert reply.error and "madeup" in reply.plain_text
    assert bot.db.story(1, 1) is None
    assert not (await bot.say(f"/story submit {COURIER} #speed")).error


async def test_same_client_key_stores_one_story_and_answers_the_same(bot: Bot) -> None:
    command = Submit(StoryInput(text=COURIER), client_key="interaction-42")
    first = await bot.core.handle(command, actor())
    second = await bot.core.handle(command, actor())
    assert first.plain_text == second.plain_text
    assert bot.db.story(1, 1) is not None and bot.db.story(1, 2) is None


async def test_a_retry_of_the_story_that_reached_the_limit_answers_as_before(bot: Bot) -> None:
    """A platform's retry of the tenth story in a minute is the same story, not an eleventh:
    it gets the first answer, not the rate limit."""
    for i in range(9):
        await bot.submit(f"Quick story {i} about great service today.")
    tenth = Submit(StoryInput(text=COURIER), client_key="interaction-10")
    first = await bot.core.handle(tenth, actor())
    again = await bot.core.handle(tenth, actor())
    assert not again.error, again.plain_text
    assert again.plain_text == first.plain_text
    assert bot.db.story(1, 10) is not None and bot.db.story(1, 11) is None


async def test_eleventh_story_in_a_minute_is_refused(bot: Bot) -> None:
    for i in range(10):
        await bot.submit(f"Quick story {i} about great service today.")
    refused = await bot.say("/story submit One more story about great service today.")
    assert refused.error and "Wait a moment" in refused.plain_text
    assert bot.db.story(1, 11) is None
    bot.clock.advance(seconds=61)
    await bot.submit("One more story about great service today.")
    assert bot.db.story(1, 11) is not None


async def test_storage_down_gives_a_clear_answer_and_stores_nothing(bot: Bot) -> None:
    await bot.say("/story help")  # the community exists
    bot.db.unavailable = True
    reply = await bot.say(f"/story submit {COURIER}")
    assert reply.error and "can't reach" in reply.plain_text
    bot.db.unavailable = False
    assert bot.db.story(1, 1) is None
    await bot.submit(COURIER)
    assert bot.db.story(1, 1) is not None


async def test_form_submission_with_all_fields(bot: Bot) -> None:
    opened = await bot.say("/story")
    assert opened.form is not None
    assert [f.id for f in opened.form.fields] == [
        "text",
        "title",
        "customer",
        "credited",
        "tags",
        "anonymous",
        "consent",
        "on_wall",
    ]
    values = {
        "text": COURIER,
        "title": "Called ahead",
        "customer": "Parcel customer",
        "credited": ["U-BO"],
        "tags": ["speed", "small gesture, #uppföljning #Snabbhet"],
        "anonymous": True,
        "consent": True,
        "on_wall": True,
    }
    reply = await bot.core.handle_form(
        opened.form.action, values, actor(), "view-1", source_url="https://example.test/m/1"
    )
    assert not reply.error, reply.plain_text
    story = bot.db.story(1, 1)
    assert story is not None
    assert (story.title, story.customer, story.credited) == (
        "Called ahead",
        "Parcel customer",
        ["U-BO"],
    )
    assert story.tags == ["speed", "small-gesture", "follow-up"]
    assert story.anonymous and story.consent and story.on_wall
    assert story.source_url == "https://example.test/m/1"


async def test_form_error_names_the_field(bot: Bot) -> None:
    opened = await bot.say("/story")
    assert opened.form is not None
    reply = await bot.core.handle_form(opened.form.action, {"text": "short"}, actor(), "v-2")
    assert reply.error and set(reply.field_errors) == {"text"}


async def test_only_the_author_edits(bot: Bot) -> None:
    await bot.submit(COURIER)
    for who in (actor("U-BO"), actor("U-MOD", moderator=True)):
        refused = await bot.say("/story edit 1", who)
        assert refused.error and refused.form is None
    opened = await bot.say("/story edit 1")
    assert opened.form is not None
    text_field = next(f for f in opened.form.fields if f.id == "text")
    assert text_field.initial == COURIER
    reply = await bot.core.handle_form(
        opened.form.action, {"text": COURIER + " Lovely!", "tags": ["phone"]}, actor(), "v-3"
    )
    assert not reply.error
    story = bot.db.story(1, 1)
    assert story is not None and story.text.endswith("Lovely!") and story.tags == ["phone"]
    forged = await bot.core.handle_form(opened.form.action, {"text": "x" * 20}, actor("U-BO"), "v")
    assert forged.error
    assert bot.db.story(1, 1).text.endswith("Lovely!")  # type: ignore[union-attr]


async def test_delete_by_author_or_moderator_only(bot: Bot) -> None:
    await bot.submit(COURIER)
    await bot.submit(COURIER + " Again.")
    refused = await bot.say("/story delete 1", actor("U-BO"))
    assert refused.error and bot.db.story(1, 1) is not None
    assert not (await bot.say("/story delete 1")).error
    assert bot.db.story(1, 1) is None
    assert not (await bot.say("/story delete 2", actor("U-MOD", moderator=True))).error
    assert bot.db.story(1, 2) is None


async def test_hidden_story_is_invisible_to_other_members(bot: Bot) -> None:
    await bot.submit(COURIER)
    moderator = actor("U-MOD", moderator=True)
    assert (await bot.say("/story hide 1", actor("U-BO"))).error
    assert bot.db.story(1, 1).status is Status.PUBLISHED  # type: ignore[union-attr]
    assert not (await bot.say("/story hide 1", moderator)).error
    assert "There is no story #1" in (await bot.say("/story show 1", actor("U-BO"))).plain_text
    assert not (await bot.say("/story show 1")).error  # the author
    assert not (await bot.say("/story show 1", moderator)).error
    await bot.say("/story unhide 1", moderator)
    assert not (await bot.say("/story show 1", actor("U-BO"))).error
