"""The /story command group and the "Save as story" message menu.

Each subcommand maps typed options onto the core's grammar: numbered ones go through
core.handle_text so the core validates the number (Discord does not enforce min/max on the
client side), the rest become command objects. Descriptions are English message ids that
translator.py turns into Swedish when commands are synced.
"""

from __future__ import annotations

from dataclasses import replace

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from adapters.discord import limits
from adapters.discord.bridge import Bridge, FormContext
from bot import commands as c
from bot import forms
from bot.handlers.admin import KEYS
from bot.i18n import language_for
from bot.i18n_marker import N_
from bot.parser import parse
from bot.tags import autocomplete as tag_autocomplete

StoryNumber = app_commands.Range[int, 1, 999_999_999]

_NUMBER = locale_str(N_("the story's number, like 12"))


class StoryCommands(
    app_commands.Group,
    name="story",
    description=locale_str(N_("Storybot collects stories of good customer service.")),
    guild_only=True,
):
    def __init__(self, bridge: Bridge) -> None:
        # Servers only: a story belongs to a server's community. (guild_only alone still
        # sends only the deprecated dm_permission.)
        super().__init__(allowed_contexts=app_commands.AppCommandContext(guild=True))
        self.bridge = bridge

    @app_commands.command(description=locale_str(N_("share a story in one line")))
    @app_commands.describe(
        text=locale_str(N_("your story, with #tags if you like; leave it empty for the form")),
        tags=locale_str(N_("tags, separated by commas")),
    )
    async def submit(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 3000] | None = None,
        tags: app_commands.Range[str, 1, 400] | None = None,
    ) -> None:
        typed_tags = forms.story_input({"tags": tags or ""}).tags
        if not (text and text.strip()):
            values = {"tags": ", ".join(typed_tags)} if typed_tags else None
            await self.bridge.form_command(
                interaction, c.OpenSubmitForm(), FormContext(values=values)
            )
            return
        command = parse(f"submit {text}", str(interaction.id))
        if isinstance(command, c.Submit) and typed_tags:
            story = replace(command.story, tags=(*command.story.tags, *typed_tags))
            command = replace(command, story=story)
        await self.bridge.command(interaction, command)

    @app_commands.command(description=locale_str(N_("read stories, newest first")))
    @app_commands.describe(tag=locale_str(N_("only stories with this tag")))
    async def browse(self, interaction: discord.Interaction, tag: str | None = None) -> None:
        await self.bridge.command(interaction, c.Browse(tag=tag.strip() if tag else None))

    @app_commands.command(description=locale_str(N_("search the stories")))
    @app_commands.describe(words=locale_str(N_("the words to look for")))
    async def search(self, interaction: discord.Interaction, words: str) -> None:
        await self.bridge.command(interaction, c.Search(words=words))

    @app_commands.command(description=locale_str(N_("read one story in full")))
    @app_commands.describe(number=_NUMBER)
    async def show(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"show {number}")

    @app_commands.command(description=locale_str(N_("list the tags in use")))
    async def tags(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "tags")

    @app_commands.command(description=locale_str(N_("say you liked a story")))
    @app_commands.describe(number=_NUMBER)
    async def appreciate(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"appreciate {number}")

    @app_commands.command(description=locale_str(N_("post a story in this channel")))
    @app_commands.describe(number=_NUMBER)
    async def share(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"share {number}")

    @app_commands.command(description=locale_str(N_("edit your own story")))
    @app_commands.describe(number=_NUMBER)
    async def edit(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        if not 0 < number < 10**9:  # Range is not enforced by Discord clients
            await self.bridge.command(interaction, f"edit {number}")
            return
        await self.bridge.form_command(interaction, c.OpenEditForm(number))

    @app_commands.command(description=locale_str(N_("delete your own story")))
    @app_commands.describe(number=_NUMBER)
    async def delete(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"delete {number}")

    @app_commands.command(description=locale_str(N_("make a story the story of the week")))
    @app_commands.describe(number=_NUMBER, note=locale_str(N_("a note from the moderators")))
    async def feature(
        self,
        interaction: discord.Interaction,
        number: StoryNumber,
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await self.bridge.command(interaction, f"feature {number} {note or ''}".strip())

    @app_commands.command(description=locale_str(N_("the story of the week, and earlier ones")))
    async def featured(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "featured")

    @app_commands.command(
        description=locale_str(N_("the most appreciated stories of the past 7 days"))
    )
    async def shortlist(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "shortlist")

    @app_commands.command(description=locale_str(N_("hide a story from readers, or show it again")))
    @app_commands.describe(number=_NUMBER)
    async def hide(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"hide {number}")

    @app_commands.command(description=locale_str(N_("show a hidden story to everyone again")))
    @app_commands.describe(number=_NUMBER)
    async def unhide(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self.bridge.command(interaction, f"unhide {number}")

    @app_commands.command(description=locale_str(N_("show the settings")))
    @app_commands.describe(
        setting=locale_str(N_("the setting to change (moderators)")),
        value=locale_str(N_("its new value")),
    )
    @app_commands.choices(setting=[Choice(name=key, value=key) for key in KEYS])
    async def config(
        self,
        interaction: discord.Interaction,
        setting: str | None = None,
        value: str | None = None,
    ) -> None:
        await self.bridge.command(
            interaction, " ".join(["config", setting or "", value or ""]).strip()
        )

    @app_commands.command(description=locale_str(N_("download every story as JSON")))
    async def export(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "export")

    @app_commands.command(description=locale_str(N_("create a link code, or join with one")))
    @app_commands.describe(
        code=locale_str(N_("the code another space's moderator got from /story link"))
    )
    async def link(
        self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        # Codes are secrets: the bridge defers ephemerally and the core's answer is ephemeral.
        await self.bridge.command(interaction, c.Link(code=code.strip() if code else None))

    @app_commands.command(description=locale_str(N_("list the spaces that share these stories")))
    async def links(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, c.ListLinks())

    @app_commands.command(description=locale_str(N_("give this server its own stories again")))
    async def unlink(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, c.Unlink())

    @app_commands.command(description=locale_str(N_("how to use Storybot")))
    async def help(self, interaction: discord.Interaction) -> None:
        await self.bridge.command(interaction, "help")

    @browse.autocomplete("tag")
    async def _browse_tag(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        return self._tag_choices(interaction, current)

    @submit.autocomplete("tags")
    async def _submit_tags(
        self, interaction: discord.Interaction, current: str
    ) -> list[Choice[str]]:
        # Several tags are typed comma-separated: complete the last one, keep the others.
        done, _, typing = current.rpartition(",")
        prefix = f"{done}, " if done.strip() else ""
        return [
            Choice(name=name, value=limits.fit(prefix + value, limits.CHOICE))
            for name, value in (
                (choice.name, choice.value) for choice in self._tag_choices(interaction, typing)
            )
        ]

    def _tag_choices(self, interaction: discord.Interaction, typed: str) -> list[Choice[str]]:
        language = language_for(str(interaction.locale), self.bridge.default_language)
        return [
            Choice(name=limits.fit(label, limits.CHOICE), value=limits.fit(value, limits.CHOICE))
            for value, label in tag_autocomplete(typed, language.value, limit=limits.CHOICES)
        ]


def save_as_story_menu(bridge: Bridge) -> app_commands.ContextMenu:
    async def save_as_story(interaction: discord.Interaction, message: discord.Message) -> None:
        await bridge.save_message(interaction, message)

    menu = app_commands.ContextMenu(name=locale_str(N_("Save as story")), callback=save_as_story)
    return app_commands.guild_only(menu)
