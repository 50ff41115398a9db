"""The "Save as story" message menu: the submit form, prefilled with the message, and the
story linking back to it.

A message carries mentions as bare markup (`<@1>`, `<@!1>`, `<#1>`, `<@&1>`). They are named
from what the interaction brought (the message's mentioned users, as members where Discord
sent them) and the server the gateway keeps in memory (adapters/discord/mentions.py); the
core words the rest ("@someone").
"""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str

from adapters.discord import mentions
from adapters.discord.commands import GUILD_INSTALL
from adapters.discord.delivery import FormContext
from adapters.discord.services import Services
from bot.commands import OpenSubmitForm
from bot.i18n_marker import N_


def save_as_story_menu(services: Services) -> app_commands.ContextMenu:
    async def save_as_story(interaction: discord.Interaction, message: discord.Message) -> None:
        actor = await services.actor(interaction)
        if actor is None:
            return
        text = saved_text(message, interaction.guild)
        # The form's picker credits them later: their names cost no lookup then.
        people = {str(m.id): m.display_name for m in message.mentions}
        services.names.remember(interaction.guild_id, people)
        command = OpenSubmitForm(prefill=text or None, source_url=message.jump_url)
        form = FormContext(source=f"{message.channel.id}/{message.id}")
        work = lambda: services.core.handle(command, actor)  # noqa: E731
        await services.delivery(interaction).race(work, form)

    menu = app_commands.ContextMenu(
        name=locale_str(N_("Save as story")),
        callback=save_as_story,
        allowed_installs=GUILD_INSTALL,
    )
    return app_commands.guild_only(menu)


def saved_text(message: discord.Message, guild: discord.Guild | None) -> str:
    """The message's text (or its first embed's) with the mentions named where known: the
    people the message carried (as members where Discord sent them), then the server."""
    described = (e.description for e in message.embeds if e.description)
    text = (message.content or next(described, "")).strip()
    people = {str(m.id): m.display_name for m in message.mentions}
    return mentions.named(text, guild, mentions.Known(people=people))
