"""Button clicks, routed by custom_id (client.on_interaction), so a button on a message
posted by an earlier process still answers. A core button's action goes back to the core,
which checks it again; a draft button reopens the form with what its owner typed."""

from __future__ import annotations

import asyncio
from typing import Any

import discord

from adapters.discord import responses
from adapters.discord.delivery import FormContext, form_button
from adapters.discord.drafts import BUTTON_ID as DRAFT_BUTTON
from adapters.discord.messages import ACTION_BUTTON
from adapters.discord.services import Services
from bot import actions
from bot import commands as c
from bot.errors import StorybotError


async def clicked(services: Services, interaction: discord.Interaction[Any]) -> None:
    custom_id = str((interaction.data or {}).get("custom_id", ""))
    if draft := DRAFT_BUTTON.fullmatch(custom_id):
        await reopen(services, interaction, draft.group(1))
    elif ACTION_BUTTON.fullmatch(custom_id):
        actor = await services.actor(interaction)
        if actor is not None:
            work = lambda: services.core.handle_action(custom_id, actor)  # noqa: E731
            await services.delivery(interaction).race(work, FormContext(), in_place=True)


async def reopen(services: Services, interaction: discord.Interaction[Any], key: str) -> None:
    """A draft button: the form again, with what the user typed."""
    actor = await services.actor(interaction)
    if actor is None:
        return
    delivery = services.delivery(interaction)
    try:
        async with asyncio.timeout(delivery.remaining()):
            draft = await services.drafts.get(key, interaction.user.id)
    except TimeoutError:  # too slow for the modal, which must be the first response
        later = form_button(key, delivery.t)
        await delivery.too_late_for_a_modal(later, FormContext(), clicked=True)
        return
    if draft is None:
        gone = delivery.t(
            "That draft is gone (I keep drafts for an hour). Run /story submit again."
        )
        await responses.reply_now(interaction, gone)
        return
    context = FormContext(draft.source, draft.values, draft.complete)
    if draft.form is not None:
        await delivery.open_modal(draft.form, context, delivery.t, clicked=True)
        return
    number = _form_number(draft.action)
    command = c.OpenSubmitForm() if number is None else c.OpenEditForm(number)
    await delivery.race(lambda: services.core.handle(command, actor), context)


def _form_number(action: str) -> int | None:
    try:
        return actions.decode_form(action)
    except StorybotError:
        return None
