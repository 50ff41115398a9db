"""The "Save as story" message menu: the submit form, prefilled with the message, and the
story linking back to it."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.app_commands import locale_str

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
        described = (e.description for e in message.embeds if e.description)
        text = message.content or next(described, "")
        command = OpenSubmitForm(prefill=text.strip() or None, source_url=message.jump_url)
        form = FormContext(source=f"{message.channel.id}/{message.id}")
        work = lambda: services.core.handle(command, actor)  # noqa: E731
        await services.delivery(interaction).race(work, form)

    menu = app_commands.ContextMenu(
        name=locale_str(N_("Save as story")),
        callback=save_as_story,
        allowed_installs=GUILD_INSTALL,
    )
    return app_commands.guild_only(menu)
