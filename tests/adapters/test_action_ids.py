"""The core keeps its action ids short by its own rule; each platform's limit is checked here,
on the adapter side, so a platform limit never has to live in the core."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import limits as discord_limits
from adapters.slack import render as slack_render
from adapters.text import units as utf16_size
from bot import actions, cursors
from bot import commands as c
from bot.ports import Keyset
from bot.tags import TAG_MAX

# The longest cursor the core makes: the most digits each part of it may have.
LONGEST_CURSOR = cursors.encode(Keyset("older", 9999, 999_999_999_999), 999_999)


def _longest_ids(words: str) -> list[str]:
    return [
        actions.search(words, LONGEST_CURSOR),
        actions.encode("browse", "t" * TAG_MAX, LONGEST_CURSOR),
        actions.encode("show", 999_999_999_999),
        actions.form_action(999_999_999_999),
        actions.form_action(),
    ]


@given(st.text(max_size=400))
def test_every_core_action_id_fits_discords_custom_id(words: str) -> None:
    for action in _longest_ids(words):
        assert utf16_size(action) <= discord_limits.CUSTOM_ID


@given(st.text(max_size=400))
def test_every_core_action_id_fits_a_slack_button_value(words: str) -> None:
    for action in _longest_ids(words):
        assert slack_render.units(action) <= slack_render.BUTTON_VALUE_MAX


def test_emoji_search_words_are_cut_to_fit_not_dropped_by_the_platform() -> None:
    """Emoji cost two UTF-16 units on Discord: a count in characters would overflow it."""
    action = actions.search("🙂" * 100, LONGEST_CURSOR)
    assert utf16_size(action) <= discord_limits.CUSTOM_ID
    decoded = actions.decode(action)
    assert isinstance(decoded, c.Search) and decoded.words.startswith("🙂" * 10)
    assert decoded.cursor == LONGEST_CURSOR
