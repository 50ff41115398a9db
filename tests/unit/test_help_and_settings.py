"""What people see: help lists every command, and settings have Swedish names too."""

from __future__ import annotations

from bot.parser import SUBCOMMANDS
from tests.conftest import Bot, actor

MOD = actor("U-MOD", moderator=True)


async def test_help_lists_every_command(bot: Bot) -> None:
    shown = (await bot.say("/story help", MOD)).plain_text
    missing = [name for name in SUBCOMMANDS if f"/story {name}" not in shown]
    assert missing == []
    assert "/story share <n>" in (await bot.say("/story help")).plain_text  # not moderators only


async def test_a_setting_can_be_named_in_swedish(bot: Bot) -> None:
    reply = await bot.say("/story config språk sv", MOD)
    assert not reply.error and "sv" in reply.plain_text
    assert not (await bot.say("/story inställningar tidszon Europe/Stockholm", MOD)).error
    assert not (await bot.say("/story config fria-taggar av", MOD)).error
    shown = (await bot.say("/story config", actor(locale="sv-SE"))).plain_text
    assert "språk" in shown and "fria-taggar" in shown
    assert "free-tags" in (await bot.say("/story config", actor(locale="en-US"))).plain_text


async def test_an_unknown_setting_lists_the_names_in_the_readers_language(bot: Bot) -> None:
    swedish = await bot.say("/story config färg blå", actor("U-MOD", moderator=True, locale="sv"))
    assert swedish.error and "tidszon" in swedish.plain_text
    english = await bot.say("/story config colour blue", MOD)
    assert english.error and "timezone" in english.plain_text
