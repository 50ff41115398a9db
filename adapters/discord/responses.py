"""The ways to answer an interaction, each surviving Discord's refusals.

The first response (within 3 s) is a message, an update of the clicked message, a modal, or
a defer; after a defer the answer replaces the "thinking…" placeholder, edits the clicked
message, or follows up. discord.py waits out 429s itself; whatever still fails is logged
and, where the interaction allows, explained to the user in plain words.
"""

from __future__ import annotations

import logging
from enum import Enum
from typing import Any

import discord

from adapters.discord.messages import NO_PINGS, Outgoing
from bot.i18n import Translator

log = logging.getLogger(__name__)

# What a refused call raises: an HTTP error, or a 429 longer than the client waits out
# (discord.RateLimited, which is not an HTTPException).
REFUSED = (discord.HTTPException, discord.RateLimited)


class After(Enum):
    """Where the answer goes once the interaction was deferred."""

    PLACEHOLDER = "placeholder"  # replaces the private "thinking…" message
    CLICKED = "clicked"  # replaces the message whose button was clicked
    FOLLOW_UP = "follow-up"  # a new message


async def defer(interaction: discord.Interaction[Any], *, update: bool = False) -> bool:
    """`update`: a click whose answer may replace its message, shown without a placeholder."""
    try:
        if update:
            await interaction.response.defer()
        else:
            await interaction.response.defer(ephemeral=True, thinking=True)
    except REFUSED as exc:
        # 10062: more than 3 s went by; 40060: someone (another process) answered it.
        log.warning(
            "could not acknowledge interaction",
            extra={"interaction": interaction.id, "error": repr(exc)},
        )
        return False
    return True


async def respond(
    interaction: discord.Interaction[Any],
    message: Outgoing,
    t: Translator,
    *,
    ephemeral: bool,
    in_place: bool,
) -> bool:
    """The first response: a message, or (`in_place`) the clicked message updated."""
    try:
        if in_place:
            await interaction.response.edit_message(**message.edit_kwargs())
        else:
            await interaction.response.send_message(ephemeral=ephemeral, **message.send_kwargs())
    except REFUSED as exc:
        log.warning("could not answer interaction", extra={"error": repr(exc)})
        if isinstance(exc, discord.HTTPException) and exc.status == 400 and exc.code != 40060:
            # The answer was refused, not the interaction: it can still be told so.
            note = t("Discord did not accept my answer ({status}). Please try again.", status=400)
            await reply_now(interaction, note)
        return False
    return True


async def open_modal(interaction: discord.Interaction[Any], modal: discord.ui.Modal) -> None:
    try:
        await interaction.response.send_modal(modal)
    except REFUSED:
        log.warning("could not open the form", exc_info=True)


async def deliver(
    interaction: discord.Interaction[Any],
    message: Outgoing,
    t: Translator,
    *,
    after: After,
    ephemeral: bool = True,
) -> bool:
    try:
        if after is After.FOLLOW_UP:
            await interaction.followup.send(ephemeral=ephemeral, **message.send_kwargs())
        else:
            await interaction.edit_original_response(**message.edit_kwargs())
    except REFUSED as exc:
        await report_failure(interaction, exc, t)
        return False
    return True


async def remove_placeholder(interaction: discord.Interaction[Any]) -> None:
    try:
        await interaction.delete_original_response()
    except REFUSED:
        log.info("could not remove the placeholder", exc_info=True)


async def reply_now(interaction: discord.Interaction[Any], text: str) -> None:
    """A short private answer as the first response."""
    try:
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_PINGS)
    except REFUSED:
        log.warning("could not answer interaction", exc_info=True)


async def report_failure(
    interaction: discord.Interaction[Any],
    exc: discord.HTTPException | discord.RateLimited,
    t: Translator,
) -> None:
    status = exc.status if isinstance(exc, discord.HTTPException) else 429
    log.error(
        "Discord refused a message",
        extra={"interaction": interaction.id, "status": status, "error": repr(exc)},
    )
    if isinstance(exc, discord.NotFound):
        return  # the interaction token expired: nothing more can be said
    try:
        await interaction.followup.send(
            t("Discord did not accept my answer ({status}). Please try again.", status=status),
            ephemeral=True,
            allowed_mentions=NO_PINGS,
        )
    except REFUSED:
        log.warning("could not report the failure either", exc_info=True)
