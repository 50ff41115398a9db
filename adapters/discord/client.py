"""The discord.py client: intents, no pings, the command tree, and start-up wiring.

One mixin serves both the plain client and the auto-sharded one, so sharding is only a
matter of which class runtime.py builds.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from adapters.discord.bridge import Bridge
from adapters.discord.commands import StoryCommands, save_as_story_menu
from adapters.discord.messages import NO_PINGS
from adapters.discord.sync import DEFAULT_STATE_FILE, sync_if_changed
from adapters.discord.translator import CommandTranslator
from adapters.discord.views import DYNAMIC_ITEMS

log = logging.getLogger(__name__)

# Waits of discord.py for a 429 longer than this become errors instead of silent stalls.
MAX_RATE_LIMIT_WAIT = 60.0


@dataclass(frozen=True, slots=True)
class ClientOptions:
    guild_id: int | None = None  # sync the commands to this one server (development)
    sync_state_file: Path = DEFAULT_STATE_FILE
    guild_ready_timeout: float = 2.0  # how long READY waits for the servers to stream in
    shard_count: int | None = None
    shard_ids: list[int] | None = None


def intents() -> discord.Intents:
    """Servers only, nothing privileged: interactions arrive without any intent, and the
    server cache gives members' roles (moderator roles) and owners (failure notices)."""
    return discord.Intents(guilds=True)


class StoryTree(app_commands.CommandTree[Any]):
    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("command failed", exc_info=error, extra={"interaction": interaction.id})
        if interaction.response.is_done():
            return
        bridge: Bridge = interaction.client.bridge  # type: ignore[attr-defined]
        t = bridge.translator(interaction)
        try:
            await interaction.response.send_message(
                t(
                    "Something went wrong on my side. "
                    "Please try again, or tell a moderator if it keeps happening."
                ),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except discord.HTTPException:
            log.warning("could not report the error", exc_info=True)


class StorybotMixin:
    """Shared by both client classes; put before discord.Client in the bases."""

    bridge: Bridge
    options: ClientOptions
    tree: StoryTree

    def __init__(self, bridge: Bridge | None, options: ClientOptions, **kwargs: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            intents=intents(),
            allowed_mentions=NO_PINGS,
            max_ratelimit_timeout=MAX_RATE_LIMIT_WAIT,
            guild_ready_timeout=options.guild_ready_timeout,
            chunk_guilds_at_startup=False,
            **kwargs,
        )
        self.bridge = bridge  # type: ignore[assignment]  # bound by the runtime before start
        self.options = options
        self.tree = StoryTree(self)  # type: ignore[arg-type]

    async def setup_hook(self) -> None:
        """After login, before the gateway: commands, persistent buttons, sync."""
        client: discord.Client = self  # type: ignore[assignment]
        self.tree.add_command(StoryCommands(self.bridge))
        self.tree.add_command(save_as_story_menu(self.bridge))
        client.add_dynamic_items(*DYNAMIC_ITEMS)
        await self.tree.set_translator(CommandTranslator())
        if client.application_id is not None:
            await sync_if_changed(
                self.tree,
                client.application_id,
                self.options.guild_id,
                self.options.sync_state_file,
            )

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # Modal submissions are handled from their payload, not from a modal object kept in
        # memory, so a form opened before a restart can still be sent.
        if interaction.type is discord.InteractionType.modal_submit:
            await self.bridge.submit_modal(interaction)


class StoryClient(StorybotMixin, discord.Client):
    pass


class ShardedStoryClient(StorybotMixin, discord.AutoShardedClient):
    pass


def make_client(bridge: Bridge | None, options: ClientOptions) -> discord.Client:
    if options.shard_count is None and not options.shard_ids:
        return StoryClient(bridge, options)
    return ShardedStoryClient(
        bridge, options, shard_count=options.shard_count, shard_ids=options.shard_ids
    )
