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
    shown = (await bot.say("/story config", MOD)).plain_text
    assert "Europe/Stockholm" in shown and "free-tags" in shown
    # Replies name the settings that work on every platform, whatever the language.
    refused = await bot.say("/story config färg blå", MOD)
    assert refused.error and "timezone" in refused.plain_text
