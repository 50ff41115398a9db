"""Browse, search, show, tags, appreciate, share, and the buttons that page them."""

from __future__ import annotations

import pytest

from bot.domain import Language
from bot.errors import QueryTooBroad
from bot.replies import Fields, Pager, Reply, StoryCard
from tests.conftest import OTHER_TEAM, Bot, actor
from tests.fakes.memory import FakeStoryRepository


def numbers(reply: Reply) -> list[int]:
    return [b.number for b in reply.blocks if isinstance(b, StoryCard)]


def pager(reply: Reply) -> Pager:
    return next(b for b in reply.blocks if isinstance(b, Pager))


async def seed(bot: Bot, count: int, tag: str = "") -> None:
    for i in range(count):
        await bot.submit(
            f"Story {i + 1}: a colleague helped a customer kindly. {tag}", actor(f"U-{i}")
        )


async def test_browse_pages_newest_first_and_back(bot: Bot) -> None:
    await seed(bot, 12)
    first = await bot.say("/story browse")
    assert numbers(first) == [12, 11, 10, 9, 8]
    assert pager(first).previous is None and pager(first).next is not None

    second = await bot.core.handle_action(pager(first).next.action, actor())  # type: ignore[union-attr]
    assert numbers(second) == [7, 6, 5, 4, 3]
    third = await bot.core.handle_action(pager(second).next.action, actor())  # type: ignore[union-attr]
    assert numbers(third) == [2, 1] and pager(third).next is None
    back = await bot.core.handle_action(pager(third).previous.action, actor())  # type: ignore[union-attr]
    assert numbers(back) == [7, 6, 5, 4, 3]
    assert "Page 2" in back.plain_text


async def test_pages_stay_put_while_stories_arrive(bot: Bot) -> None:
    await seed(bot, 10)
    first = await bot.say("/story browse")
    await seed(bot, 3)  # numbers 11..13 arrive while the reader looks at page 1
    second = await bot.core.handle_action(pager(first).next.action, actor())  # type: ignore[union-attr]
    assert numbers(second) == [5, 4, 3, 2, 1]
    back = await bot.core.handle_action(pager(second).previous.action, actor())  # type: ignore[union-attr]
    assert numbers(back) == [10, 9, 8, 7, 6]
    assert pager(back).previous is not None  # the new stories are one click further


async def test_browse_by_tag_accepts_swedish_names(bot: Bot) -> None:
    await bot.submit("The shop answered the phone on the first ring. #accessibility")
    await bot.submit("They fixed the mistake and sent flowers afterwards. #service-recovery")
    by_slug = await bot.say("/story browse accessibility")
    by_swedish = await bot.say("/story browse Tillgänglighet")
    assert numbers(by_slug) == numbers(by_swedish) == [1]


async def test_hidden_stories_are_not_browsed(bot: Bot) -> None:
    await seed(bot, 2)
    await bot.say("/story hide 2", actor("U-MOD", moderator=True))
    assert numbers(await bot.say("/story browse")) == [1]


async def test_search_matches_inflected_swedish_forms(bot: Bot) -> None:
    await bot.submit("Kunden fick veta om förseningen innan hon hann fråga.")
    await bot.submit("The courier was early and very friendly to everyone.")
    reply = await bot.say("/story search försening")
    assert numbers(reply) == [1]
    assert "No stories match" in (await bot.say("/story search zebra")).plain_text


async def test_search_ranks_title_and_tag_hits_first(bot: Bot) -> None:
    await bot.submit("A long story where the word delay appears only in passing here.")
    await bot.submit("Delay handled beautifully by the team. #proactive-information")
    reply = await bot.say("/story search delay")
    assert numbers(reply) == [2, 1]


async def test_show_tags_and_counts_in_the_readers_language(bot: Bot) -> None:
    await bot.submit("The shop answered the phone on the first ring. #accessibility #phone")
    await bot.submit("The clinic answered within a minute, every time. #accessibility")
    reply = await bot.say("/story tags", actor(locale="en-US"))
    fields = next(b for b in reply.blocks if isinstance(b, Fields))
    assert fields.items[0][0] == "Accessibility" and fields.items[0][1] == "2 stories"
    swedish = await bot.say("/story tags", actor(locale="sv-SE"))
    fields_sv = next(b for b in swedish.blocks if isinstance(b, Fields))
    assert fields_sv.items[0][0] == "Tillgänglighet"
    assert (reply.language, swedish.language) == (Language.EN, Language.SV)


async def test_a_refusal_carries_the_readers_language_too(bot: Bot) -> None:
    refused = await bot.say("/story show 999", actor(locale="sv-SE"))
    assert refused.error and refused.language is Language.SV


async def test_appreciate_once_per_person_never_your_own(bot: Bot) -> None:
    await bot.submit("The waiter remembered my allergy from last time.")
    own = await bot.say("/story appreciate 1")
    assert own.error
    first = await bot.say("/story appreciate 1", actor("U-BO"))
    assert "1 appreciation" in first.plain_text
    again = await bot.say("/story appreciate 1", actor("U-BO"))
    assert "already" in again.plain_text
    await bot.say("/story appreciate 1", actor("U-CY"))
    assert bot.db.story(1, 1).appreciations == 2  # type: ignore[union-attr]


async def test_share_posts_a_public_card_without_moderator_details(bot: Bot) -> None:
    await bot.say("/story submit The nurse stayed late to explain everything calmly.")
    reply = await bot.say("/story share 1", actor("U-MOD", moderator=True))
    assert reply.ephemeral and reply.broadcast is not None
    assert not reply.broadcast.ephemeral
    card = next(b for b in reply.broadcast.blocks if isinstance(b, StoryCard))
    labels = {b.label for b in card.buttons}
    assert "Hide" not in labels and "Feature" not in labels


async def test_a_public_share_in_a_swedish_community_is_in_swedish(bot: Bot) -> None:
    """The channel reads the community's language, whoever shared, and says which it is."""
    await bot.say("/story config language sv", actor("U-MOD", moderator=True))
    await bot.say("/story submit The nurse stayed late to explain everything calmly.")
    reply = await bot.say("/story share 1", actor("U-ANNA", locale="en-US"))
    assert reply.broadcast is not None
    assert "Anna delade en berättelse om bra kundservice" in reply.broadcast.plain_text
    assert reply.broadcast.language is Language.SV
    assert "Shared #1" in reply.plain_text and reply.language is Language.EN


async def test_anonymous_author_hidden_from_members_not_moderators(bot: Bot) -> None:
    opened = await bot.say("/story")
    await bot.core.handle_form(
        opened.form.action,  # type: ignore[union-attr]
        {"text": "They called back exactly when they promised.", "anonymous": True},
        actor("U-SECRET"),
        "v-anon",
    )
    member_view = (await bot.say("/story show 1", actor("U-BO"))).plain_text
    moderator_view = (await bot.say("/story show 1", actor("U-MOD", moderator=True))).plain_text
    assert "Secret" not in member_view and "Anonymous" in member_view
    assert "Secret" in moderator_view


async def test_another_community_cannot_reach_a_story_by_number(bot: Bot) -> None:
    await bot.submit("Our story, in our workspace only, with plenty of text.")
    stranger = actor("U-X", space=OTHER_TEAM, moderator=True)
    for line in (
        "/story show 1",
        "/story appreciate 1",
        "/story feature 1",
        "/story hide 1",
        "/story delete 1",
        "/story edit 1",
        "/story share 1",
    ):
        reply = await bot.say(line, stranger)
        assert reply.error and "no story #1" in reply.plain_text, line
    assert numbers(await bot.say("/story browse", stranger)) == []
    story = bot.db.story(1, 1)
    assert story is not None and story.appreciations == 0 and story.published


async def test_forged_buttons_and_cursors_are_refused(bot: Bot) -> None:
    await seed(bot, 6)
    for action in (
        "sb1:browse::zzz",
        "sb1:show:abc",
        "nope",
        "sb1:browse::o0.1.1:extra",
        "sb1:delete:1",
    ):
        reply = await bot.core.handle_action(action, actor())
        assert reply.error, action
    assert bot.db.story(1, 1) is not None


async def test_home_shows_featured_newest_tags_and_a_submit_button(bot: Bot) -> None:
    from bot.commands import Home
    from bot.replies import Actions

    await seed(bot, 4, "#speed")
    await bot.say("/story feature 2", actor("U-MOD", moderator=True))
    home = await bot.core.handle(Home(), actor())
    assert numbers(home) == [2, 4, 3, 2]
    [row] = [b for b in home.blocks if isinstance(b, Actions)]
    opened = await bot.core.handle_action(row.buttons[0].action, actor())
    assert opened.form is not None
    assert "Speed" in home.plain_text


def test_tag_autocomplete_matches_names_and_aliases_in_both_languages() -> None:
    from bot.tags import autocomplete

    assert autocomplete("tillg", "sv")[0] == ("accessibility", "Tillgänglighet")
    assert autocomplete("Tillganglighet", "en")[0][0] == "accessibility"
    assert ("my-own-tag", "my-own-tag") in autocomplete("my own tag", "en")
    assert len(autocomplete("", "en")) <= 25 and autocomplete("", "en")


async def test_a_search_past_the_statement_timeout_asks_for_rarer_words(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search that the database gave up on is not an outage: say what would help."""
    await bot.submit("The courier called ahead about the delay #speed")

    async def too_slow(*args: object, **kwargs: object) -> None:
        raise QueryTooBroad("canceling statement due to statement timeout")

    monkeypatch.setattr(FakeStoryRepository, "search", too_slow)
    reply = await bot.say("/story search courier")
    assert reply.error and "Add a rarer word, or browse by tag instead" in reply.plain_text
    swedish = await bot.say("/story search courier", actor(locale="sv-SE"))
    assert swedish.error and "bläddra efter tagg" in swedish.plain_text
    # Anything else that times out is still the outage answer: nothing was done.
    monkeypatch.setattr(FakeStoryRepository, "browse", too_slow)
    browse = await bot.say("/story browse")
    assert browse.error and "can't reach the story database" in browse.plain_text


@pytest.mark.parametrize("number", [0, -4, 10**9])
async def test_a_built_command_has_its_number_checked_like_a_typed_one(
    bot: Bot, number: int
) -> None:
    """Adapters build commands from typed options (Discord does not enforce min_value)."""
    from bot import commands as c

    reply = await bot.core.handle(c.Show(number), actor())
    assert reply.error and "Give a story number, like 12." in reply.plain_text
