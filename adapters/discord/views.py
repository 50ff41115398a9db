"""Buttons that keep working after a restart.

Every button is a DynamicItem: discord.py matches a click's custom_id against the template
of the classes registered at start-up, so nothing per message is held in memory and a
message posted by an earlier process still answers. Core buttons use their action string
as the custom_id unchanged ("sb1:…"); draft buttons are this adapter's own ("sbd:<key>").
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

import discord

from bot.actions import PREFIX as ACTION_PREFIX
from bot.replies import Button, Style

if TYPE_CHECKING:
    from adapters.discord.bridge import Bridge

DRAFT_PREFIX = "sbd:"
_STYLES = {
    Style.DEFAULT: discord.ButtonStyle.secondary,
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.DANGER: discord.ButtonStyle.danger,
}


class HasBridge(Protocol):
    bridge: Bridge


def _bridge(interaction: discord.Interaction[Any]) -> Bridge:
    client: HasBridge = interaction.client  # type: ignore[assignment]
    return client.bridge


class ActionButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=rf"{ACTION_PREFIX}:.+"):
    """A core button: the click goes to core.handle_action with the custom_id."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> ActionButton:
        return cls(_copy(item, match.string))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bridge(interaction).click(interaction, self.custom_id)


class DraftButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sbd:(?P<key>[\w-]+)"):
    """Reopens a form with what the user typed (see drafts.py)."""

    def __init__(self, button: discord.ui.Button[Any]) -> None:
        super().__init__(button)

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> DraftButton:
        return cls(_copy(item, match.string))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bridge(interaction).reopen(interaction, self.custom_id.removeprefix(DRAFT_PREFIX))


DYNAMIC_ITEMS = (ActionButton, DraftButton)


def _copy(item: discord.ui.Item[Any], custom_id: str) -> discord.ui.Button[Any]:
    label = getattr(item, "label", None)
    style = getattr(item, "style", discord.ButtonStyle.secondary)
    return discord.ui.Button(label=label, style=style, custom_id=custom_id)


def build_view(rows: list[list[Button]]) -> discord.ui.View | None:
    """A view of persistent buttons, or None when there are none."""
    if not rows:
        return None
    view = discord.ui.View(timeout=None)
    for index, row in enumerate(rows):
        for button in row:
            item = discord.ui.Button(
                label=button.label, style=_STYLES[button.style], custom_id=button.action, row=index
            )
            kind = DraftButton if button.action.startswith(DRAFT_PREFIX) else ActionButton
            if kind.__discord_ui_compiled_template__.fullmatch(button.action):
                view.add_item(kind(item))
    return view if view.children else None
