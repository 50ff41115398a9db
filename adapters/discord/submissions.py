"""A submitted modal. Everything needed is in its payload (see forms.py), so a form opened
before a restart can still be sent; only values carried around the modal (credited
colleagues) live in the draft store. A refused form comes back with a button that reopens
it as it was typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import discord

from adapters.discord import mentions, responses
from adapters.discord.delivery import FormContext, with_fix_button
from adapters.discord.drafts import Draft
from adapters.discord.forms import ModalRef, submitted_values
from adapters.discord.services import Services
from bot.replies import error

NAMED_FIELDS = ("text", "title", "customer")  # the story's free text


async def submitted(services: Services, interaction: discord.Interaction[Any]) -> None:
    data: Mapping[str, Any] = interaction.data or {}  # type: ignore[assignment]
    ref = ModalRef.decode(str(data.get("custom_id", "")))
    if ref is None:
        return
    actor = await services.actor(interaction)
    if actor is None or not await responses.defer(interaction):
        return
    delivery = services.delivery(interaction)
    user_id = interaction.user.id
    typed = submitted_values(data.get("components") or [])
    kept = await services.drafts.get(ref.carry, user_id) if ref.carry else None
    if ref.carry and kept is None:
        # What the modal could not show (credited colleagues) expired with its draft (or
        # was never this user's); saving now would silently drop it, so the user sends the
        # form again instead.
        lost = Draft(user_id, ref.action, ref.source, typed, complete=True)
        message = delivery.t(
            "Your form was open so long that I no longer have all it held, so I did not "
            "save it. Check it and send it again."
        )
        refused = replace(error(message), language=delivery.t.language)
        reply = with_fix_button(refused, await services.drafts.put(lost))
        await delivery.after_defer(reply, FormContext())
        return
    values = {**typed, **(kept.values if kept else {})}
    # A modal sends raw text: markup typed by hand is named from the server's cache for the
    # core, while a draft keeps the text as it was typed.
    given = {
        k: mentions.named(v, interaction.guild) if k in NAMED_FIELDS and isinstance(v, str) else v
        for k, v in values.items()
    }
    source_url = ref.source_url(interaction.guild_id)
    reply = await delivery.call(
        lambda: services.core.handle_form(
            ref.action, given, actor, str(interaction.id), source_url=source_url
        )
    )
    if reply.error:
        draft = Draft(user_id, ref.action, ref.source, values, complete=True)
        reply = with_fix_button(reply, await services.drafts.put(draft))
    await delivery.after_defer(reply, FormContext())
