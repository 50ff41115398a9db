"""Discord's mention markup named before the core sees the text.

Text arrives with mentions as bare markup (`<@1>`, `<@!1>`, `<#1>`, `<@&1>`): a saved
message always, a slash command's string option as Discord sends it (its `resolved` data
holds the users, members, roles and channels mentioned), a modal's text input when someone
types the markup by hand (a modal sends raw text and resolves nothing). They are named from
what the interaction brought first, then from the server the gateway keeps in memory: no
request, as an answer or a modal must come within 3 seconds. The core credits the people and
words what stays unnamed ("@someone", bot/mentions.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import discord

from bot import mentions


@dataclass(frozen=True, slots=True)
class Known:
    """Names by id that came with the interaction."""

    people: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)


def resolved_names(interaction: discord.Interaction[Any]) -> Known:
    """The names in an application command's resolved data: a member's server nickname, else
    the user's display name, else the username; channels' and roles' names."""
    data: Any = interaction.data or {}
    resolved = data.get("resolved") if isinstance(data, Mapping) else None
    if not isinstance(resolved, Mapping):
        return Known()

    def entries(kind: str) -> Mapping[str, Any]:
        found = resolved.get(kind)
        return found if isinstance(found, Mapping) else {}

    members, people = entries("members"), {}
    for user_id, user in entries("users").items():
        member = members.get(user_id)
        nick = member.get("nick") if isinstance(member, Mapping) else None
        if isinstance(user, Mapping):
            name = nick or user.get("global_name") or user.get("username")
            if isinstance(name, str) and name:
                people[str(user_id)] = name
    return Known(people, _names(entries("channels")), _names(entries("roles")))


def named(text: str, guild: discord.Guild | None, known: Known | None = None) -> str:
    """`text` with its bare mentions named from `known`, then from the server's cache."""
    known = known or Known()
    bare = mentions.bare(text)
    people, channels, groups = dict(known.people), dict(known.channels), dict(known.groups)
    if guild is not None:
        for user_id in _snowflakes(bare.people, people):
            member = guild.get_member(user_id)
            if member is not None:
                people[str(user_id)] = member.display_name
        for channel_id in _snowflakes(bare.channels, channels):
            channel = guild.get_channel_or_thread(channel_id)
            if channel is not None:
                channels[str(channel_id)] = channel.name
        for role_id in _snowflakes(bare.groups, groups):
            role = guild.get_role(role_id)
            if role is not None:
                groups[str(role_id)] = role.name
    return mentions.named(text, people, channels, groups)


def _names(entries: Mapping[str, Any]) -> dict[str, str]:
    return {
        str(i): e["name"]
        for i, e in entries.items()
        if isinstance(e, Mapping) and isinstance(e.get("name"), str)
    }


def _snowflakes(ids: tuple[str, ...], known: Mapping[str, str]) -> list[int]:
    """The ids still to look up (those not already named) that can be Discord ids."""
    return [int(i) for i in ids if i not in known and i.isascii() and i.isdigit()]
