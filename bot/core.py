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

from bot import actions, forms, messages, ratelimit, weekly
from bot import commands as c
from bot.commands import Actor
from bot.context import Context
from bot.domain import SPACE_NAME_MAX, Community, CommunitySettings, Platform
from bot.errors import StorageUnavailable, StorybotError
from bot.handlers import admin, links, moderation, reading, stories
from bot.i18n import Translator, language_for
from bot.lending import lend
from bot.parser import parse
from bot.permissions import is_moderator
from bot.ports import Announcer, Clock, Directory, UnitOfWorkFactory
from bot.replies import Reply, error
from bot.validation import checked

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
        web_base_url: str | None = None,
    ) -> None:
        # Fixed at construction: the composition root (bot/bootstrap.py) builds every
        # platform's announcer and directory before the core.
        self.uow = uow
        self.web_base_url = web_base_url  # WEB_BASE_URL: tells moderators the wall's address
        self.clock = clock
        self.announcers: Mapping[Platform, Announcer] = {a.platform: a for a in announcers}
        self.directories: Mapping[Platform, Directory] = {d.platform: d for d in directories}
        self._defaults = defaults

    async def handle(self, command: c.Command, actor: Actor) -> Reply:
        return await self._run(actor, lambda: checked(command))

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

    async def tidy(self) -> None:
        """What the scheduler's round tidies in the core: the rate limit's expired log."""
        await ratelimit.forget_expired(self.uow, self.clock())

    async def community_for(self, actor: Actor) -> Community:
        """The actor's community, created on first contact."""
        async with self.uow(read_only=True) as uow:
            community = await uow.communities.for_space(actor.space)
        return community or await self._create_community(actor)

    async def _create_community(self, actor: Actor) -> Community:
        async with self.uow() as uow:
            community = await uow.communities.for_space(actor.space)
            if community is None:
                community = await uow.communities.create(actor.space, self._defaults())
                name = space_name(actor)
                if name is not None:
                    await uow.communities.name_space(actor.space, name)
                await uow.commit()
        return community

    async def _rename(self, actor: Actor, name: str) -> None:
        """Keep the space's new name. Only names depend on it, so a failure costs nothing
        but the name: the next request tries again."""
        try:
            async with self.uow() as uow:
                await uow.communities.name_space(actor.space, name)
                await uow.commit()
        except StorageUnavailable:
            log.warning("could not store a space's name", exc_info=True)

    async def _run(self, actor: Actor, build: Callable[[], c.Command]) -> Reply:
        reply, t = await self._answer(actor, build)
        return dataclasses.replace(reply, language=t.language)

    async def _answer(
        self, actor: Actor, build: Callable[[], c.Command]
    ) -> tuple[Reply, Translator]:
        t = Translator(language_for(actor.locale, self._defaults().language))
        try:
            command, refused = _built(build)
            read_only = command is None or type(command) in READ_ONLY
            reply: Reply | None = None
            renamed: str | None = None
            for _ in range(2):
                # A command that writes nothing runs in one read-only unit of work, which also
                # finds the community. One that writes finds it in a read-only one (no lock)
                # and writes in the handler's own.
                async with self.uow(read_only=True) as uow:
                    community = await uow.communities.for_space(actor.space)
                    if community is not None:
                        t = Translator(language_for(actor.locale, community.settings.language))
                        if refused is not None:
                            raise refused
                        assert command is not None
                        renamed = learn_name(community, actor)
                        ctx = self._context(actor, community, t, lend(uow) if read_only else None)
                        if read_only:
                            reply = await HANDLERS[type(command)](command, ctx)
                        break
                await self._create_community(actor)  # first contact: outside that transaction
            else:
                raise LookupError(f"space {actor.space.key} changed hands concurrently")
            if renamed is not None:  # rarely: a new name, written outside the read-only one
                await self._rename(actor, renamed)
            if reply is None:
                reply = await HANDLERS[type(command)](command, ctx)
            return reply, t
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

    def _context(
        self, actor: Actor, community: Community, t: Translator, uow: UnitOfWorkFactory | None
    ) -> Context:
        return Context(
            actor=actor,
            community=community,
            t=t,
            uow=uow or self.uow,
            clock=self.clock,
            moderator=is_moderator(actor, community),
            announcers=self.announcers,
            directories=self.directories,
            web_base_url=self.web_base_url,
        )


# Commands whose handlers write nothing: they run in one read-only unit of work.
READ_ONLY: frozenset[type] = frozenset(
    {
        c.Browse,
        c.Search,
        c.Show,
        c.ListTags,
        c.Share,
        c.Home,
        c.ShowFeatured,
        c.Shortlist,
        c.Help,
        c.OpenSubmitForm,
        c.OpenEditForm,
        c.Export,
        c.ListLinks,
    }
)


def space_name(actor: Actor) -> str | None:
    """The space's name as the platform gave it, tidied and cut to what is kept."""
    name = " ".join((actor.space_name or "").split())[:SPACE_NAME_MAX].strip()
    return name or None


def learn_name(community: Community, actor: Actor) -> str | None:
    """The actor's space name if it is new to `community` (which then carries it, so this
    request's reply already uses it), else None: most requests write nothing."""
    name = space_name(actor)
    if name is None or community.space_names.get(actor.space) == name:
        return None
    community.space_names[actor.space] = name
    return name


def _built(build: Callable[[], c.Command]) -> tuple[c.Command | None, StorybotError | None]:
    """The command, or the refusal to answer in the community's language once it is known."""
    try:
        return build(), None
    except StorybotError as refusal:
        return None, refusal
