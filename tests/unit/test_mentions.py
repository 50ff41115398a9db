"""Mentions in typed text: ids to credit, words to keep."""

from __future__ import annotations

import pytest

from bot import mentions
from tests.conftest import Bot


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
