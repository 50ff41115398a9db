"""The discord.py client: intents, no pings, the command tree, and start-up wiring.

Always auto-sharded: one process may run one shard, several, or (SHARD_COUNT unset) as many
as Discord recommends.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

from adapters.discord import buttons, submissions
from adapters.discord.commands import StoryCommands
from adapters.discord.messages import NO_PINGS
from adapters.discord.responses import REFUSED
from adapters.discord.services import Services
from adapters.discord.shortcuts import save_as_story_menu
from adapters.discord.sync import DEFAULT_STATE_FILE, sync_if_changed
from adapters.discord.translator import CommandTranslator
from bot import messages

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
    def __init__(self, client: discord.Client, services: Services | None) -> None:
        super().__init__(client)
        self.services = services

    async def on_error(
        self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError
    ) -> None:
        log.error("command failed", exc_info=error, extra={"interaction": interaction.id})
        if interaction.response.is_done():
            return
        assert self.services is not None  # bound before the client logs in
        t = self.services.translator(interaction)
        try:
            await interaction.response.send_message(
                t(messages.SOMETHING_WRONG),
                ephemeral=True,
                allowed_mentions=NO_PINGS,
            )
        except REFUSED:
            log.warning("could not report the error", exc_info=True)


class StorybotMixin:
    """Storybot's part of the client; put before the discord.py class in the bases."""

    services: Services
    options: ClientOptions
    tree: StoryTree

    def __init__(self, services: Services | None, options: ClientOptions, **kwargs: Any) -> None:
        super().__init__(  # type: ignore[call-arg]
            intents=intents(),
            allowed_mentions=NO_PINGS,
            max_ratelimit_timeout=MAX_RATE_LIMIT_WAIT,
            guild_ready_timeout=options.guild_ready_timeout,
            chunk_guilds_at_startup=False,
            **kwargs,
        )
        if services is not None:
            self.services = services
        self.options = options
        self.tree = StoryTree(self, services)  # type: ignore[arg-type]

    def bind(self, services: Services) -> None:
        """The way in, once the core exists: the composition root builds the client (the
        way out: announcer, directory) before the core, and binds the core's services after."""
        self.services = services
        self.tree.services = services

    async def setup_hook(self) -> None:
        """After login, before the gateway: commands, then a sync if they changed."""
        client: discord.Client = self  # type: ignore[assignment]
        self.tree.add_command(StoryCommands(self.services))
        self.tree.add_command(save_as_story_menu(self.services))
        await self.tree.set_translator(CommandTranslator())
        if client.application_id is not None:
            await sync_if_changed(
                self.tree,
                client.application_id,
                self.options.guild_id,
                self.options.sync_state_file,
            )

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        # Clicks and modal submissions are handled from their payload, not from views or
        # modals kept in memory, so they still work after a restart or on another process.
        if interaction.type is discord.InteractionType.component:
            await buttons.clicked(self.services, interaction)
        elif interaction.type is discord.InteractionType.modal_submit:
            await submissions.submitted(self.services, interaction)


class ShardedStoryClient(StorybotMixin, discord.AutoShardedClient):
    pass


def make_client(services: Services | None, options: ClientOptions) -> discord.Client:
    """Auto-sharded: without SHARD_COUNT, discord.py asks Discord for the recommended count
    (GET /gateway/bot), so a bot that grows past 2,500 servers keeps connecting."""
    return ShardedStoryClient(
        services, options, shard_count=options.shard_count, shard_ids=options.shard_ids
    )
