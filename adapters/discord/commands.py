"""The /story command group: typed options become the core's command objects.

Story numbers are checked by the core (Discord clients do not enforce an option's min or
max). Descriptions are English message ids that translator.py turns into Swedish when the
commands are synced.
"""

from __future__ import annotations

from dataclasses import replace

import discord
from discord import app_commands
from discord.app_commands import Choice, locale_str

from adapters.discord import limits, mentions
from adapters.discord.delivery import FormContext
from adapters.discord.services import Services
from adapters.text import units
from bot import commands as c
from bot import forms
from bot.i18n_marker import N_
from bot.parser import submission
from bot.tags import autocomplete as tag_autocomplete

StoryNumber = app_commands.Range[int, 1, 999_999_999]
# Installed to a server only: a community is a server; a user install has none.
GUILD_INSTALL = app_commands.AppInstallationType(guild=True, user=False)

_NUMBER = locale_str(N_("the story's number, like 12"))


class StoryCommands(
    app_commands.Group,
    name="story",
    description=locale_str(N_("Storybot collects stories of good customer service.")),
    guild_only=True,
):
    def __init__(self, services: Services) -> None:
        # Servers only: a story belongs to a server's community. (guild_only alone still
        # sends only the deprecated dm_permission.)
        super().__init__(
            allowed_contexts=app_commands.AppCommandContext(guild=True),
            allowed_installs=GUILD_INSTALL,
        )
        self.services = services

    async def _answer(
        self,
        interaction: discord.Interaction,
        command: c.Command,
        form: FormContext | None = None,
        *,
        writes: bool = False,
    ) -> None:
        """A read is answered with one callback when the core is in time, else deferred
        first (`form`: where a form it may answer with comes from). A command that `writes`
        is acknowledged before the core runs: Discord refuses any answer after 3 s, and
        nothing is changed behind the back of a user who would never hear of it."""
        actor = await self.services.actor(interaction)
        if actor is None:
            return
        work = lambda: self.services.core.handle(command, actor)  # noqa: E731
        delivery = self.services.delivery(interaction)
        if writes:
            await delivery.deferred(work)
        else:
            await delivery.race(work, form or FormContext())

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
            await self._answer(interaction, c.OpenSubmitForm(), FormContext(values=values))
            return
        # Mentions named from the resolved data Discord sends with the option, then the cache.
        known = mentions.resolved_names(interaction)
        self.services.names.remember(interaction.guild_id, known.people)  # for the credits
        typed = mentions.named(text.strip(), interaction.guild, known)
        command = submission(typed, str(interaction.id))
        if typed_tags:
            story = replace(command.story, tags=(*command.story.tags, *typed_tags))
            command = replace(command, story=story)
        await self._answer(interaction, command, writes=True)

    @app_commands.command(description=locale_str(N_("read stories, newest first")))
    @app_commands.describe(tag=locale_str(N_("only stories with this tag")))
    async def browse(self, interaction: discord.Interaction, tag: str | None = None) -> None:
        await self._answer(interaction, c.Browse(tag=tag.strip() if tag else None))

    @app_commands.command(description=locale_str(N_("search the stories")))
    @app_commands.describe(words=locale_str(N_("the words to look for")))
    async def search(self, interaction: discord.Interaction, words: str) -> None:
        await self._answer(interaction, c.Search(words=words))

    @app_commands.command(description=locale_str(N_("read one story in full")))
    @app_commands.describe(number=_NUMBER)
    async def show(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Show(number))

    @app_commands.command(description=locale_str(N_("list the tags in use")))
    async def tags(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.ListTags())

    @app_commands.command(description=locale_str(N_("say you liked a story")))
    @app_commands.describe(number=_NUMBER)
    async def appreciate(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Appreciate(number), writes=True)

    @app_commands.command(description=locale_str(N_("post a story in this channel")))
    @app_commands.describe(number=_NUMBER)
    async def share(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Share(number))

    @app_commands.command(description=locale_str(N_("edit your own story")))
    @app_commands.describe(number=_NUMBER)
    async def edit(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.OpenEditForm(number))

    @app_commands.command(description=locale_str(N_("delete your own story")))
    @app_commands.describe(number=_NUMBER)
    async def delete(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Delete(number), writes=True)

    @app_commands.command(description=locale_str(N_("make a story the story of the week")))
    @app_commands.describe(number=_NUMBER, note=locale_str(N_("a note from the moderators")))
    async def feature(
        self,
        interaction: discord.Interaction,
        number: StoryNumber,
        note: app_commands.Range[str, 1, 300] | None = None,
    ) -> None:
        await self._answer(
            interaction, c.FeatureStory(number, (note or "").strip() or None), writes=True
        )

    @app_commands.command(description=locale_str(N_("the story of the week, and earlier ones")))
    async def featured(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.ShowFeatured())

    @app_commands.command(
        description=locale_str(N_("the most appreciated stories of the past 7 days"))
    )
    async def shortlist(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.Shortlist())

    @app_commands.command(description=locale_str(N_("hide a story from readers, or show it again")))
    @app_commands.describe(number=_NUMBER)
    async def hide(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Hide(number), writes=True)

    @app_commands.command(description=locale_str(N_("show a hidden story to everyone again")))
    @app_commands.describe(number=_NUMBER)
    async def unhide(self, interaction: discord.Interaction, number: StoryNumber) -> None:
        await self._answer(interaction, c.Unhide(number), writes=True)

    @app_commands.command(description=locale_str(N_("show the settings")))
    @app_commands.describe(
        setting=locale_str(N_("the setting to change (moderators)")),
        value=locale_str(N_("its new value")),
    )
    @app_commands.choices(setting=[Choice(name=key, value=key) for key in c.CONFIG_KEYS])
    async def config(
        self,
        interaction: discord.Interaction,
        setting: str | None = None,
        value: str | None = None,
    ) -> None:
        key = setting.strip().casefold() if setting and setting.strip() else None
        values = tuple(value.split()) if value else ()
        await self._answer(interaction, c.Configure(key=key, values=values), writes=True)

    @app_commands.command(description=locale_str(N_("download every story as JSON")))
    async def export(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.Export())

    @app_commands.command(description=locale_str(N_("create a link code, or join with one")))
    @app_commands.describe(
        code=locale_str(N_("the code another space's moderator got from /story link"))
    )
    async def link(
        self, interaction: discord.Interaction, code: app_commands.Range[str, 1, 40] | None = None
    ) -> None:
        # Codes are secrets: the defer is private and the core's answer is ephemeral.
        await self._answer(interaction, c.Link(code=code.strip() if code else None), writes=True)

    @app_commands.command(description=locale_str(N_("list the spaces that share these stories")))
    async def links(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.ListLinks())

    @app_commands.command(description=locale_str(N_("give this server its own stories again")))
    async def unlink(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.Unlink(), writes=True)

    @app_commands.command(description=locale_str(N_("how to use Storybot")))
    async def help(self, interaction: discord.Interaction) -> None:
        await self._answer(interaction, c.Help())

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
        return self._tag_choices(interaction, typing, prefix)

    def _tag_choices(
        self, interaction: discord.Interaction, typed: str, prefix: str = ""
    ) -> list[Choice[str]]:
        """A choice's value is what the option then holds: one that does not fit Discord's
        100 characters is left out, never cut (a cut value would be a different tag)."""
        language = self.services.translator(interaction).language
        suggested = tag_autocomplete(typed, language.value, limit=limits.CHOICES)
        return [
            Choice(name=limits.fit(label, limits.CHOICE), value=prefix + value)
            for value, label in suggested
            if units(prefix + value) <= limits.CHOICE
        ]
