"""Who clicked or typed, as the core's Actor."""

from __future__ import annotations

from typing import Any

import discord

from bot.commands import Actor
from bot.domain import Platform, SpaceRef


def actor_for(interaction: discord.Interaction[Any]) -> Actor | None:
    """None outside a server: a community is a server, so there is nobody to act for."""
    if interaction.guild_id is None:
        return None
    user = interaction.user
    # Manage Server makes a moderator. The interaction carries the member's permissions, which
    # holds even when the server is not cached; cached roles add ownership and Administrator.
    is_admin = interaction.permissions.manage_guild
    roles: tuple[str, ...] = ()
    if isinstance(user, discord.Member):
        is_admin = is_admin or user.guild_permissions.manage_guild
        roles = tuple(str(role.id) for role in user.roles if not role.is_default())
    return Actor(
        space=SpaceRef(Platform.DISCORD, str(interaction.guild_id)),
        user_id=str(user.id),
        display_name=user.display_name,
        channel_id=str(interaction.channel_id) if interaction.channel_id else None,
        locale=str(interaction.locale),
        is_admin=is_admin,
        roles=roles,
        missing_permissions=missing_permissions(interaction),
        # Interactions carry no server name; a cached server (the usual case) has it.
        space_name=interaction.guild.name if interaction.guild else None,
    )


_THREADS = (
    discord.ChannelType.public_thread,
    discord.ChannelType.private_thread,
    discord.ChannelType.news_thread,
)


def missing_permissions(interaction: discord.Interaction[Any]) -> tuple[str, ...]:
    """What the bot lacks in this channel to post an announcement (see docs/DISCORD.md), as
    Discord's settings name it. `app_permissions` comes with every interaction; in a thread
    (a forum post is one) posting takes Send Messages in Threads instead of Send Messages."""
    granted = interaction.app_permissions
    in_thread = getattr(interaction.channel, "type", None) in _THREADS
    needed = (
        ("view_channel", "View Channel"),
        ("send_messages_in_threads", "Send Messages in Threads")
        if in_thread
        else ("send_messages", "Send Messages"),
        ("embed_links", "Embed Links"),
    )
    return tuple(name for flag, name in needed if not getattr(granted, flag))
