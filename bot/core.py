"""The command bus: the one entry point adapters call.

It finds (or creates) the actor's community, decides whether the actor moderates it, picks
the reader's language, runs the handler and turns every refusal into a reply. Nothing an
adapter passes in can make it raise.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from bot import actions, forms, messages, weekly
from bot import commands as c
from bot.commands import Actor
from bot.context import Context
from bot.domain import Community, CommunitySettings, Platform
from bot.errors import StorageUnavailable, StorybotError
from bot.handlers import admin, links, moderation, reading, stories
from bot.i18n import Translator, language_for
from bot.parser import parse
from bot.permissions import is_moderator
from bot.ports import Announcer, Clock, Directory, UnitOfWorkFactory
from bot.replies import Reply, error

log = logging.getLogger(__name__)

Handler = Callable[[Any, Context], Awaitable[Reply]]

HANDLERS: dict[type, Handler] = {
    c.OpenSubmitForm: stories.open_submit_form,
    c.Submit: stories.submit,
    c.OpenEditForm: stories.open_edit_form,
    c.Edit: stories.edit,
    c.Delete: stories.delete,
    c.Browse: reading.browse,
    c.Search: reading.search,
    c.Show: reading.show,
    c.ListTags: reading.list_tags,
    c.Appreciate: reading.appreciate,
    c.Share: reading.share,
    c.FeatureStory: moderation.feature,
    c.ShowFeatured: moderation.featured,
    c.Shortlist: moderation.shortlist,
    c.Hide: moderation.hide,
    c.Unhide: moderation.unhide,
    c.Configure: admin.configure,
    c.Export: admin.export,
    c.Link: links.link,
    c.ListLinks: links.links,
    c.Unlink: links.unlink,
    c.Help: admin.help_,
    c.Home: reading.home,
}


class Core:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        *,
        announcers: Iterable[Announcer] = (),
        directories: Iterable[Directory] = (),
        defaults: Callable[[], CommunitySettings] = CommunitySettings,
    ) -> None:
        # Fixed at construction: the composition root (bot/bootstrap.py) builds every
        # platform's announcer and directory before the core.
        self.uow = uow
        self.clock = clock
        self.announcers: Mapping[Platform, Announcer] = {a.platform: a for a in announcers}
        self.directories: Mapping[Platform, Directory] = {d.platform: d for d in directories}
        self._defaults = defaults

    async def handle(self, command: c.Command, actor: Actor) -> Reply:
        return await self._run(actor, lambda: command)

    async def handle_text(self, text: str, actor: Actor, client_key: str) -> Reply:
        """A `/story …` line exactly as typed."""
        return await self._run(actor, lambda: parse(text, client_key))

    async def handle_action(self, action: str, actor: Actor) -> Reply:
        """A button click, carrying the opaque action id from a Button."""
        return await self._run(actor, lambda: actions.decode(action))

    async def handle_form(
        self,
        action: str,
        values: Mapping[str, Any],
        actor: Actor,
        client_key: str,
        source_url: str | None = None,
    ) -> Reply:
        """A submitted form; `client_key` makes a retried submission store one story."""

        def build() -> c.Command:
            number = actions.decode_form(action)
            given = forms.story_input(values)
            if number is None:
                return c.Submit(given, client_key=client_key, source_url=source_url)
            return c.Edit(number, given)

        return await self._run(actor, build)

    async def run_weekly(
        self, *, dry_run: bool = False, force: bool = False
    ) -> list[weekly.WeeklyOutcome]:
        return await weekly.run_weekly(
            self.uow,
            self.clock,
            self.announcers,
            dry_run=dry_run,
            force=force,
        )

    async def translator_for(self, actor: Actor) -> Translator:
        """The reader's language, by the same rule as every reply: their platform locale,
        else their community's language, else the default when storage is down."""
        if actor.locale:
            return Translator(language_for(actor.locale, self._defaults().language))
        try:
            community = await self.community_for(actor)
        except Exception:
            return Translator(self._defaults().language)
        return Translator(community.settings.language)

    async def community_for(self, actor: Actor) -> Community:
        async with self.uow() as uow:
            community = await uow.communities.for_space(actor.space)
            if community is None:
                community = await uow.communities.create(actor.space, self._defaults())
                await uow.commit()
        return community

    async def _run(self, actor: Actor, build: Callable[[], c.Command]) -> Reply:
        reply, t = await self._answer(actor, build)
        return dataclasses.replace(reply, language=t.language)

    async def _answer(
        self, actor: Actor, build: Callable[[], c.Command]
    ) -> tuple[Reply, Translator]:
        t = Translator(language_for(actor.locale, self._defaults().language))
        try:
            community = await self.community_for(actor)
            t = Translator(language_for(actor.locale, community.settings.language))
            command = build()
            ctx = Context(
                actor=actor,
                community=community,
                t=t,
                uow=self.uow,
                clock=self.clock,
                moderator=is_moderator(actor, community),
                announcers=self.announcers,
                directories=self.directories,
            )
            reply = await HANDLERS[type(command)](command, ctx)
        except StorybotError as refusal:
            message = t(refusal.message, **refusal.params)
            fields = {refusal.field: message} if refusal.field else {}
            return error(message, fields), t
        except StorageUnavailable:
            log.warning("storage unavailable", exc_info=True)
            return error(t(messages.STORAGE_DOWN)), t
        except Exception:
            log.exception("command failed")
            return error(t(messages.SOMETHING_WRONG)), t
        return reply, t
