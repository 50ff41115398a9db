"""A rendered Reply as the keyword arguments discord.py's send and edit calls take.

Every message carries AllowedMentions.none(), on top of the client's default: a story that
says @everyone, or names a colleague, notifies no one. Buttons are plain components with
their action as custom_id: the client routes a click by that id (buttons.py), so they keep
working on messages posted by an earlier process.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import discord

from adapters.discord import limits
from adapters.discord.drafts import BUTTON_ID as DRAFT_BUTTON
from adapters.discord.render import render
from bot.actions import PREFIX as ACTION_PREFIX
from bot.i18n import Translator
from bot.replies import Button, Reply, Style

NO_PINGS = discord.AllowedMentions.none()
ACTION_BUTTON = re.compile(rf"{ACTION_PREFIX}:.+")
_STYLES = {
    Style.DEFAULT: discord.ButtonStyle.secondary,
    Style.PRIMARY: discord.ButtonStyle.primary,
    Style.DANGER: discord.ButtonStyle.danger,
}


@dataclass
class Outgoing:
    content: str | None
    embeds: list[discord.Embed]
    view: discord.ui.View | None
    files: list[discord.File]

    def send_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "content": self.content,
            "embeds": self.embeds,
            "allowed_mentions": NO_PINGS,
        }
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict[str, Any]:
        """An edit replaces everything: no view means the old buttons go."""
        kwargs: dict[str, Any] = {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "allowed_mentions": NO_PINGS,
        }
        if self.files:
            kwargs["attachments"] = self.files
        return kwargs


def outgoing(reply: Reply, t: Translator, file_limit: int | None = None) -> Outgoing:
    """`file_limit`: the largest attachment allowed here (interactions say; None: no files)."""
    rendered = render(reply, t)
    content = rendered.content
    files = []
    for attachment in rendered.files:
        if file_limit is None or len(attachment.content) > file_limit:
            note = t("The file {name} is too large to attach here.", name=attachment.filename)
            content = limits.fit(f"{content}\n{note}" if content else note, limits.CONTENT)
            continue
        files.append(discord.File(io.BytesIO(attachment.content), filename=attachment.filename))
    if not (content or rendered.embeds or files):
        content = limits.ELLIPSIS  # Discord refuses an empty message
    return Outgoing(content, rendered.embeds, build_view(rendered.rows), files)


class Components(discord.ui.View):
    """Buttons only. discord.py would keep a view with timeout=None in memory for every
    message it is sent with, forever; clicks are routed by custom_id instead (buttons.py),
    so the view counts as finished from the start and is never stored."""

    def is_finished(self) -> bool:
        return True


def build_view(rows: list[list[Button]]) -> discord.ui.View | None:
    """The button rows, or None when there are none. Only ids the client routes are kept."""
    view = Components(timeout=None)
    for index, row in enumerate(rows):
        for button in row:
            if ACTION_BUTTON.fullmatch(button.action) or DRAFT_BUTTON.fullmatch(button.action):
                view.add_item(
                    discord.ui.Button(
                        label=button.label,
                        style=_STYLES[button.style],
                        custom_id=button.action,
                        row=index,
                    )
                )
    return view if view.children else None
