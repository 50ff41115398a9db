"""From a Discord interaction to the core and back, answering within Discord's 3 seconds.

Slash commands that only read or write are deferred first ("thinking…", seen only by the
user) and the answer then replaces that placeholder. A modal, however, can only be the first
response, so anything that may open a form (and every button click, which may) gives the
core a short head start, `form_deadline`: in time, the modal opens, a pager edits its own
message, anything else is answered directly; late, the interaction is deferred and the answer
follows, a form then arriving as a button that opens it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import discord

from adapters.discord import responses
from adapters.discord.actors import actor_for
from adapters.discord.drafts import Draft, DraftStore
from adapters.discord.messages import outgoing
from adapters.discord.modals import ModalRef, build_modal, carried, submitted_values
from adapters.discord.responses import After
from adapters.discord.views import DRAFT_PREFIX
from bot import actions
from bot import commands as c
from bot.commands import Actor
from bot.core import Core
from bot.domain import Language
from bot.errors import StorybotError
from bot.i18n import Translator, language_for
from bot.i18n_marker import N_
from bot.replies import Actions, Button, Form, Pager, Reply, Style, Text, error

log = logging.getLogger(__name__)

FORM_DEADLINE = 1.5  # seconds the core gets before a possible modal is given up for a defer
CORE_TIMEOUT = 14 * 60.0  # the interaction token lives 15 minutes
SEEN_CAPACITY = 10_000
# The core's own words for a database it cannot reach (same message id, same translation).
STORAGE_DOWN = N_(
    "I can't reach the story database right now, so nothing was saved. "
    "Please try again in a minute."
)

Work = Callable[[], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class FormContext:
    """Where a form comes from, so that a late one can still be opened with the same data."""

    source: str = ""  # "channel/message" of a message being saved as a story
    values: Mapping[str, Any] | None = None  # typed before, shown instead of initial values
    complete: bool = False  # `values` are a whole submission (see Draft.complete)


class Bridge:
    def __init__(
        self,
        core: Core,
        *,
        default_language: Language = Language.EN,
        form_deadline: float = FORM_DEADLINE,
        core_timeout: float = CORE_TIMEOUT,
        drafts: DraftStore | None = None,
    ) -> None:
        self.core = core
        self.default_language = default_language
        self.form_deadline = form_deadline
        self.core_timeout = core_timeout
        self.drafts = drafts or DraftStore(core.uow, core.clock)
        # Per process, and only a fast path: a repeat delivered to another process (two
        # processes on one shard, a replay after a resume) still stores once by the core's
        # client key, and Discord accepts only one response to an interaction.
        self._seen: OrderedDict[int, None] = OrderedDict()

    def translator(self, interaction: discord.Interaction[Any]) -> Translator:
        return Translator(language_for(str(interaction.locale), self.default_language))

    # Entry points ---------------------------------------------------------------------

    async def command(
        self, interaction: discord.Interaction[Any], command: c.Command | str
    ) -> None:
        """A slash command that never opens a form; a str is a `/story …` line for the core."""
        actor = await self._begin(interaction)
        if actor is None or not await responses.defer(interaction):
            return
        reply = await self._call(interaction, self._ask(interaction, actor, command))
        await self._show(interaction, reply, FormContext())

    async def form_command(
        self,
        interaction: discord.Interaction[Any],
        command: c.Command,
        form: FormContext | None = None,
    ) -> None:
        """A slash command or message menu that may answer with a form."""
        actor = await self._begin(interaction)
        if actor is not None:
            work = self._ask(interaction, actor, command)
            await self._race(interaction, work, form or FormContext())

    async def click(self, interaction: discord.Interaction[Any], action: str) -> None:
        """A core button; its action goes to the core as it is."""
        actor = await self._begin(interaction)
        if actor is not None:
            work = lambda: self.core.handle_action(action, actor)  # noqa: E731
            await self._race(interaction, work, FormContext(), in_place=True)

    async def save_message(
        self, interaction: discord.Interaction[Any], message: discord.Message
    ) -> None:
        """The "Save as story" message menu: the form, prefilled, remembering the link."""
        described = (e.description for e in message.embeds if e.description)
        text = message.content or next(described, "")
        command = c.OpenSubmitForm(prefill=text.strip() or None, source_url=message.jump_url)
        source = f"{message.channel.id}/{message.id}"
        await self.form_command(interaction, command, FormContext(source=source))

    async def reopen(self, interaction: discord.Interaction[Any], key: str) -> None:
        """A draft button: the form again, with what the user typed."""
        actor = await self._begin(interaction)
        if actor is None:
            return
        draft = await self.drafts.get(key)
        if draft is None or draft.user_id != interaction.user.id:
            t = self.translator(interaction)
            gone = t("That draft is gone (I keep drafts for an hour). Run /story submit again.")
            await responses.reply_now(interaction, gone)
            return
        context = FormContext(draft.source, draft.values, draft.complete)
        if draft.form is not None:
            await self._open_modal(interaction, draft.form, context)
            return
        number = _form_number(draft.action)
        command = c.OpenSubmitForm() if number is None else c.OpenEditForm(number)
        await self._race(interaction, self._ask(interaction, actor, command), context)

    async def submit_modal(self, interaction: discord.Interaction[Any]) -> None:
        """A modal sent back. Everything needed is in its payload (see modals.py), except
        values carried around the modal, which live in the draft store."""
        data: Mapping[str, Any] = interaction.data or {}  # type: ignore[assignment]
        ref = ModalRef.decode(str(data.get("custom_id", "")))
        if ref is None:
            return
        actor = await self._begin(interaction)
        if actor is None or not await responses.defer(interaction):
            return
        t = self.translator(interaction)
        typed = submitted_values(data.get("components") or [])
        kept = await self.drafts.get(ref.carry) if ref.carry else None
        if ref.carry and kept is None:
            # What the modal could not show (credited colleagues) expired with its draft;
            # saving now would silently drop it, so the user sends the form again instead.
            lost = Draft(interaction.user.id, ref.action, ref.source, typed, complete=True)
            message = t(
                "Your form was open so long that I no longer have all it held, so I did not "
                "save it. Check it and send it again."
            )
            reply = _with_fix_button(error(message), await self.drafts.put(lost), t)
            await self._show(interaction, reply, FormContext())
            return
        values = {**typed, **(kept.values if kept else {})}
        source_url = ref.source_url(interaction.guild_id)
        reply = await self._call(
            interaction,
            lambda: self.core.handle_form(
                ref.action, values, actor, str(interaction.id), source_url=source_url
            ),
        )
        if reply.error:
            draft = Draft(interaction.user.id, ref.action, ref.source, values, complete=True)
            reply = _with_fix_button(reply, await self.drafts.put(draft), t)
        await self._show(interaction, reply, FormContext())

    # Answering ------------------------------------------------------------------------

    async def _begin(self, interaction: discord.Interaction[Any]) -> Actor | None:
        """The actor, once per interaction: a repeated delivery (e.g. replayed after a
        gateway resume) is ignored here; across processes the core's client key holds."""
        if interaction.id in self._seen:
            log.info("duplicate interaction ignored", extra={"interaction": interaction.id})
            return None
        self._seen[interaction.id] = None
        while len(self._seen) > SEEN_CAPACITY:
            self._seen.popitem(last=False)
        actor = actor_for(interaction)
        if actor is None:
            t = self.translator(interaction)
            await responses.reply_now(
                interaction, t("Storybot works inside a server. Use it in a server channel.")
            )
        return actor

    def _ask(
        self, interaction: discord.Interaction[Any], actor: Actor, command: c.Command | str
    ) -> Work:
        if isinstance(command, str):
            return lambda: self.core.handle_text(command, actor, str(interaction.id))
        return lambda: self.core.handle(command, actor)

    async def _call(self, interaction: discord.Interaction[Any], work: Work) -> Reply:
        """The core never raises; this also keeps a hung call from outliving the token."""
        t = self.translator(interaction)
        try:
            async with asyncio.timeout(self.core_timeout):
                return await work()
        except TimeoutError:
            log.error("core call timed out", extra={"interaction": interaction.id})
            return error(t("That took too long, sorry. Check whether it worked before retrying."))
        except Exception:
            log.exception("core call failed", extra={"interaction": interaction.id})
            return error(
                t(
                    "Something went wrong on my side. "
                    "Please try again, or tell a moderator if it keeps happening."
                )
            )

    async def _race(
        self,
        interaction: discord.Interaction[Any],
        work: Work,
        form: FormContext,
        *,
        in_place: bool = False,
    ) -> None:
        """Answer with the core's reply if it comes within the deadline, else defer first.
        `in_place`: a button click, whose pager replies replace the clicked message."""
        task = asyncio.create_task(self._call(interaction, work))
        done, _ = await asyncio.wait({task}, timeout=self.form_deadline)
        if not done:
            if await responses.defer(interaction, update=in_place):
                await self._show(interaction, await task, form, clicked=in_place)
            return
        reply = task.result()
        if reply.form is not None:
            await self._open_modal(interaction, reply.form, form)
            return
        t = self.translator(interaction)
        message = outgoing(reply, t, interaction.filesize_limit)
        replaces = in_place and _pages(reply) and not reply.error
        if await responses.respond(
            interaction, message, ephemeral=reply.ephemeral, in_place=replaces
        ):
            await self._broadcast(interaction, reply, t)

    async def _open_modal(
        self, interaction: discord.Interaction[Any], form: Form, context: FormContext
    ) -> None:
        keep = carried(form)
        carry: str | None = ""
        t = self.translator(interaction)
        if keep:
            carry = await self.drafts.put(Draft(interaction.user.id, form.action, values=keep))
            if carry is None:  # without it, sending the form would drop what it carries
                await responses.reply_now(interaction, t(STORAGE_DOWN))
                return
        ref = ModalRef(form.action, context.source, carry)
        await responses.open_modal(
            interaction, build_modal(form, ref, t, context.values, context.complete)
        )

    async def _show(
        self,
        interaction: discord.Interaction[Any],
        reply: Reply,
        form: FormContext,
        *,
        clicked: bool = False,
    ) -> None:
        """The answer after a defer. `clicked`: the defer was a silent one on a button."""
        t = self.translator(interaction)
        if reply.form is not None:
            reply = await self._form_button(interaction, reply.form, form, t)
        message = outgoing(reply, t, interaction.filesize_limit)
        if clicked:
            replaces = _pages(reply) and not reply.error
            after = After.CLICKED if replaces else After.FOLLOW_UP
            delivered = await responses.deliver(
                interaction, message, t, after=after, ephemeral=reply.ephemeral
            )
        elif reply.ephemeral:
            delivered = await responses.deliver(interaction, message, t, after=After.PLACEHOLDER)
        else:  # a public answer cannot replace a private placeholder
            delivered = await responses.deliver(
                interaction, message, t, after=After.FOLLOW_UP, ephemeral=False
            )
            await responses.remove_placeholder(interaction)
        if delivered:
            await self._broadcast(interaction, reply, t)

    async def _broadcast(
        self, interaction: discord.Interaction[Any], reply: Reply, t: Translator
    ) -> None:
        """A public post besides the answer (a shared story), as a follow-up: that needs no
        channel permission and still comes from this interaction."""
        if reply.broadcast is not None:
            message = outgoing(reply.broadcast, t, interaction.filesize_limit)
            await responses.deliver(interaction, message, t, after=After.FOLLOW_UP, ephemeral=False)

    async def _form_button(
        self,
        interaction: discord.Interaction[Any],
        form: Form,
        context: FormContext,
        t: Translator,
    ) -> Reply:
        """A form that came too late to be the first response: a button opens it."""
        values = context.values or {}
        draft = Draft(
            interaction.user.id, form.action, context.source, values, context.complete, form
        )
        key = await self.drafts.put(draft)
        if key is None:
            return error(t(STORAGE_DOWN))
        button = Button(t("Open the form"), DRAFT_PREFIX + key, Style.PRIMARY)
        return Reply(blocks=(Text(t("Your form is ready.")), Actions((button,))))


def _pages(reply: Reply) -> bool:
    return any(isinstance(block, Pager) for block in reply.blocks)


def _form_number(action: str) -> int | None:
    try:
        return actions.decode_form(action)
    except StorybotError:
        return None


def _with_fix_button(reply: Reply, key: str | None, t: Translator) -> Reply:
    if key is None:  # the draft could not be kept: the message alone
        return reply
    button = Button(t("Fix and send again"), DRAFT_PREFIX + key, Style.PRIMARY)
    return replace(reply, blocks=(*reply.blocks, Actions((button,))))
