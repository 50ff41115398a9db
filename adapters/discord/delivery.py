"""Sending the core's Reply back to the interaction, within Discord's 3 seconds.

A modal can only be the first response, so anything that may answer with a form gives the
core a head start, `form_deadline`: in time, the answer is the one first response (a modal,
the clicked message updated, or a message); late, the interaction is deferred and the answer
follows, a form then arriving as a button that opens it (see drafts.py).
Words the adapter adds itself are in the reply's language, which the core sets.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import discord

from adapters.discord import responses
from adapters.discord.drafts import Draft, DraftStore, button_id
from adapters.discord.forms import ModalRef, build_modal, carried
from adapters.discord.messages import outgoing
from adapters.discord.responses import After
from bot import messages
from bot.i18n import Translator
from bot.i18n_marker import N_
from bot.replies import Actions, Button, Form, Pager, Reply, Style, Text, error

log = logging.getLogger(__name__)

Work = Callable[[], Awaitable[Reply]]
RESPONSE_BUDGET = 2.5  # of the 3 s Discord allows for the first response


@dataclass(frozen=True, slots=True)
class FormContext:
    """Where a form comes from, so that a late one can still be opened with the same data."""

    source: str = ""  # "channel/message" of a message being saved as a story
    values: Mapping[str, Any] | None = None  # typed before, shown instead of initial values
    complete: bool = False  # `values` are a whole submission (see Draft.complete)


@dataclass
class Delivery:
    interaction: discord.Interaction[Any]
    drafts: DraftStore
    t: Translator  # the user's locale: for what is said before the core has answered
    form_deadline: float
    core_timeout: float
    # Seconds from receipt the first response may take, with a margin under Discord's 3 s.
    response_budget: float = RESPONSE_BUDGET
    received: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        """What is left of the first response's time (a modal can only be that)."""
        return self.response_budget - (time.monotonic() - self.received)

    async def call(self, work: Work) -> Reply:
        """The core never raises; this also keeps a hung call from outliving the token."""
        try:
            async with asyncio.timeout(self.core_timeout):
                return await work()
        except TimeoutError:
            log.error("core call timed out", extra={"interaction": self.interaction.id})
            message = N_("That took too long, sorry. Check whether it worked before retrying.")
        except Exception:
            log.exception("core call failed", extra={"interaction": self.interaction.id})
            message = messages.SOMETHING_WRONG
        return replace(error(self.t(message)), language=self.t.language)

    async def deferred(self, work: Work) -> None:
        """Defer at once ("thinking…", private), then answer."""
        if await responses.defer(self.interaction):
            await self.after_defer(await self.call(work), FormContext())

    async def race(self, work: Work, form: FormContext, *, in_place: bool = False) -> None:
        """Answer with the core's reply if it comes within the deadline, else defer first.
        `in_place`: a button click, whose pager replies replace the clicked message."""
        # The core runs here; a timer defers the interaction if it is not done by the
        # deadline. A task to race it against would cost every quick answer a task and an
        # event-loop turn.
        loop = asyncio.get_running_loop()
        deferring: list[asyncio.Task[bool]] = []
        timer = loop.call_later(
            self.form_deadline,
            lambda: deferring.append(
                loop.create_task(responses.defer(self.interaction, update=in_place))
            ),
        )
        try:
            reply = await self.call(work)
        finally:
            timer.cancel()
        if deferring:
            if await deferring[0]:
                await self.after_defer(reply, form, clicked=in_place)
            return
        if reply.form is not None:
            await self.open_modal(reply.form, form, Translator(reply.language), clicked=in_place)
            return
        t = Translator(reply.language)
        message = outgoing(reply, t, self.interaction.filesize_limit)
        replaces = in_place and _pages(reply) and not reply.error
        if await responses.respond(
            self.interaction, message, t, ephemeral=reply.ephemeral, in_place=replaces
        ):
            await self._broadcast(reply, t)

    async def open_modal(
        self, form: Form, context: FormContext, t: Translator, *, clicked: bool = False
    ) -> None:
        """The form as the first response. Values it cannot show are kept in a draft first,
        within what is left of the time; past it, the form comes as a button after a defer."""
        keep = carried(form)
        carry: str | None = ""
        if keep:
            draft = Draft(self.interaction.user.id, form.action, values=keep)
            try:
                async with asyncio.timeout(self.remaining()):
                    carry = await self.drafts.put(draft)
            except TimeoutError:
                late = Reply(form=form, language=t.language)
                await self.too_late_for_a_modal(late, context, clicked=clicked)
                return
            if carry is None:  # without it, sending the form would drop what it carries
                await responses.reply_now(self.interaction, t(messages.STORAGE_DOWN))
                return
        ref = ModalRef(form.action, context.source, carry)
        modal = build_modal(form, ref, t, context.values, context.complete)
        await responses.open_modal(self.interaction, modal)

    async def too_late_for_a_modal(
        self, reply: Reply, context: FormContext, *, clicked: bool = False
    ) -> None:
        """Defer now; the answer (a form as a button) follows."""
        log.info("too late for a modal", extra={"interaction": self.interaction.id})
        if await responses.defer(self.interaction, update=clicked):
            await self.after_defer(reply, context, clicked=clicked)

    async def after_defer(self, reply: Reply, form: FormContext, *, clicked: bool = False) -> None:
        """The answer after a defer. `clicked`: the defer was a silent one on a button."""
        t = Translator(reply.language)
        if reply.form is not None:
            reply = await self._form_button(reply.form, form, t)
        message = outgoing(reply, t, self.interaction.filesize_limit)
        if clicked:
            after = After.CLICKED if _pages(reply) and not reply.error else After.FOLLOW_UP
            delivered = await responses.deliver(
                self.interaction, message, t, after=after, ephemeral=reply.ephemeral
            )
        elif reply.ephemeral:
            delivered = await responses.deliver(
                self.interaction, message, t, after=After.PLACEHOLDER
            )
        else:
            # A public answer cannot replace the private placeholder, and a follow-up sent
            # right after a defer would only edit it (and stay private): the placeholder gets
            # the answer first, then the public follow-up replaces it.
            delivered = await responses.deliver(
                self.interaction, message, t, after=After.PLACEHOLDER
            ) and await responses.deliver(
                self.interaction, message, t, after=After.FOLLOW_UP, ephemeral=False
            )
            if delivered:
                await responses.remove_placeholder(self.interaction)
        if delivered:
            await self._broadcast(reply, t)

    async def _broadcast(self, reply: Reply, t: Translator) -> None:
        """A public post besides the answer (a shared story), as a follow-up: that needs no
        channel permission and still comes from this interaction."""
        if reply.broadcast is not None:
            message = outgoing(reply.broadcast, t, self.interaction.filesize_limit)
            await responses.deliver(
                self.interaction, message, t, after=After.FOLLOW_UP, ephemeral=False
            )

    async def _form_button(self, form: Form, context: FormContext, t: Translator) -> Reply:
        """A form that came too late to be the first response: a button opens it."""
        values = context.values or {}
        draft = Draft(
            self.interaction.user.id, form.action, context.source, values, context.complete, form
        )
        key = await self.drafts.put(draft)
        if key is None:
            return replace(error(t(messages.STORAGE_DOWN)), language=t.language)
        return form_button(key, t)


def form_button(key: str, t: Translator) -> Reply:
    """A button that opens the form kept in draft `key`."""
    button = Button(t("Open the form"), button_id(key), Style.PRIMARY)
    blocks = (Text(t("Your form is ready.")), Actions((button,)))
    return Reply(blocks=blocks, language=t.language)


def with_fix_button(reply: Reply, key: str | None) -> Reply:
    """A refused form, with a button that reopens it as the user typed it."""
    if key is None:  # the draft could not be kept: the message alone
        return reply
    t = Translator(reply.language)
    button = Button(t("Fix and send again"), button_id(key), Style.PRIMARY)
    return replace(reply, blocks=(*reply.blocks, Actions((button,))))


def _pages(reply: Reply) -> bool:
    return any(isinstance(block, Pager) for block in reply.blocks)
