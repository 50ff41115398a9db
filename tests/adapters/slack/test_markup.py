"""Slack markup typed with should_escape reads as words; people stay creditable."""

from __future__ import annotations

import pytest

from adapters.slack import markup


@pytest.mark.parametrize(
    ("sent", "words"),
    [
        ("thanks <@U0ANNA|anna>", "thanks <@U0ANNA|anna>"),  # the core credits and reads it
        ("in <#C0SUP|support>", "in <#C0SUP|support>"),
        ("ping <!subteam^S0CS|@cs-team>", "ping @cs-team"),
        ("<!here> look", "@here look"),
        ("<!channel>", "@channel"),
        ("see <https://example.com/a?b=1&amp;c=2|the ticket>", "see the ticket"),
        ("see <https://example.com/x>", "see https://example.com/x"),
        ("mail <mailto:kim@example.com|kim@example.com>", "mail kim@example.com"),
        ("on <!date^1392734382^{date_num}|2014-02-18>", "on 2014-02-18"),
        ("fish &amp; chips &lt;3", "fish & chips <3"),
        ("typed &lt;@U0BOSS&gt; by hand", "typed <@U0BOSS> by hand"),
        ("a &amp;lt; b", "a &lt; b"),  # one pass, as typed
    ],
)
def test_markup_becomes_words(sent: str, words: str) -> None:
    assert markup.to_words(sent) == words


async def test_bare_mentions_get_names_or_stay_bare_for_the_core_to_word() -> None:
    names = {"U0ANNA": "Anna"}
    asked: list[str] = []

    async def name_of(user: str) -> str | None:
        asked.append(user)
        return names.get(user)

    text = "thanks <@U0ANNA> and <@U0GONE>, again <@U0ANNA>"
    assert await markup.name_bare_mentions(text, name_of) == (
        "thanks <@U0ANNA|Anna> and <@U0GONE>, again <@U0ANNA|Anna>"
    )
    assert asked == ["U0ANNA", "U0GONE"]  # each person once
