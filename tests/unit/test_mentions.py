"""Mentions in typed text: ids to credit, words to keep."""

from __future__ import annotations

import pytest

from bot import mentions
from bot.commands import Edit, StoryInput
from bot.domain import Language
from bot.i18n import Translator
from tests.conftest import Bot, actor


@pytest.mark.parametrize(
    ("typed", "words", "ids"),
    [
        ("thanks <@U0ANNA|anna>!", "thanks @anna!", ("U0ANNA",)),
        ("<@U0ANNA|anna> and <@U0BO|@bo>", "@anna and @bo", ("U0ANNA", "U0BO")),
        ("asked in <#C0SUP|support>", "asked in #support", ()),
        ("<@U0ANNA> twice <@U0ANNA|anna>", "<@U0ANNA> twice @anna", ("U0ANNA",)),
        ("Discord <@!123> and <#456>", "Discord <@!123> and <#456>", ("123",)),
        ("no markup at all", "no markup at all", ()),
    ],
)
def test_mentions_credit_ids_and_read_as_words(
    typed: str, words: str, ids: tuple[str, ...]
) -> None:
    assert mentions.readable(typed) == words
    assert mentions.credited(typed) == ids


async def test_a_quick_submit_stores_words_and_credits_the_people(bot: Bot) -> None:
    reply = await bot.say(
        "/story submit The courier called ahead, thanks <@U0ANNA|anna> in <#C0SUP|support> #speed"
    )
    assert not reply.error, reply.plain_text
    story = bot.db.story(1, 1)
    assert story is not None
    assert story.text == "The courier called ahead, thanks @anna in #support"
    assert list(story.credited) == ["U0ANNA"]
    assert list(story.tags) == ["speed"]  # "#support" came from a channel, so it is no tag


def test_bare_mentions_are_named_where_known_and_worded_where_not() -> None:
    text = "<@1> <@!2> <#3> <@&4> <@5|Eve> <#6|> and <@&7>"
    assert mentions.bare(text) == mentions.Bare(("1", "2"), ("3", "6"), ("4", "7"))
    # A name cannot end the markup early or add a mention of its own.
    named = mentions.named(
        text, {"1": "Ann <@9>|x", "5": "Not Eve"}, {"3": "support"}, {"4": "Ops"}
    )
    assert named == "<@1|Ann @9x> <@!2> <#3|support> <@&4|Ops> <@5|Eve> <#6|> and <@&7>"
    assert mentions.credited(named) == ("1", "2", "5")  # roles and channels credit no one
    english = "@Ann @9x @someone #support @Ops @Eve a channel and a group"
    assert mentions.readable(named, Translator(Language.EN)) == english
    swedish = "@Ann @9x @någon #support @Ops @Eve en kanal and en grupp"
    assert mentions.readable(named, Translator(Language.SV)) == swedish
    # Without a reader (a one-line submission, parsed first), unnamed ones stay as typed.
    assert mentions.readable(named) == "@Ann @9x <@!2> #support @Ops @Eve <#6|> and <@&7>"


async def test_mentions_still_bare_when_stored_read_as_words_in_the_authors_language(
    bot: Bot,
) -> None:
    """Whatever an adapter could not name is a word in the stored story, never markup; the
    people a one-line story mentions are credited all the same."""
    reply = await bot.say("/story submit Kim <@U0KIM> stayed late in <#C0SUP> for <@&R1>'s export")
    assert not reply.error, reply.plain_text
    story = bot.db.story(1, 1)
    assert story is not None
    assert story.text == "Kim @someone stayed late in a channel for a group's export"
    assert list(story.credited) == ["U0KIM"]

    swedish = Translator(Language.SV)
    given = StoryInput(text="Tack <@1>!", title="<#2>", customer=None)
    assert mentions.in_words(given, swedish) == StoryInput("Tack @någon!", "en kanal", None)


async def test_bare_mentions_of_credited_people_read_as_their_looked_up_names(bot: Bot) -> None:
    """Slack may send a typed mention without its name; the core looks credited people's names
    up anyway (to show them on the other platform), and the text reads with them."""
    bot.slack.names["U0KIM"] = "Kim Lind"
    await bot.submit("<@U0KIM> and <@U0NOONE> stayed late for the export")
    story = bot.db.story(1, 1)
    assert story is not None
    assert story.text == "@Kim Lind and @someone stayed late for the export"
    assert story.credited_names == {"U0KIM": "Kim Lind"}

    # An edit (the form: text as typed, whom to credit from its picker) names them the same way.
    typed = StoryInput(text="<@U0KIM> stayed even later", credited=("U0KIM",))
    edited = await bot.core.handle(Edit(1, typed), actor())
    assert not edited.error, edited.plain_text
    story = bot.db.story(1, 1)
    assert story is not None and story.text == "@Kim Lind stayed even later"
