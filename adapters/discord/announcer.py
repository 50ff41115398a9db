"""Posts the story of the week to a highlight channel, and tells moderators by direct message
when that fails.

discord.py already waits out 429s (retry_after) and retries some 5xx; what is still wrong
after that becomes AnnounceFailed with a reason the core explains to moderators.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import discord

from adapters.discord.member_names import MemberNames
from adapters.discord.messages import outgoing
from adapters.discord.responses import REFUSED
from bot.domain import ChannelRef, Platform, SpaceRef
from bot.i18n import Translator
from bot.ports import AnnounceFailed
from bot.replies import Reply

log = logging.getLogger(__name__)

SEND_TIMEOUT = 60.0  # discord.py's own retries of a 5xx can take about 25 s


def failure_reason(exc: BaseException) -> str:
    """The ANNOUNCE_PROBLEMS key for what went wrong."""
    if isinstance(exc, discord.Forbidden):
        return "missing_permissions"  # 50001 Missing Access, 50013 Missing Permissions
    if isinstance(exc, discord.NotFound):
        return "channel_not_found"
    if isinstance(exc, discord.RateLimited) or (
        isinstance(exc, discord.HTTPException) and exc.status == 429
    ):
        return "rate_limited"
    return "unavailable"  # 5xx, connection errors, time-outs


class DiscordAnnouncer:
    """Discord's Announcer and Directory (bot.ports): posts, and knows server nicknames."""

    platform = Platform.DISCORD

    def __init__(
        self,
        client: discord.Client,
        *,
        send_timeout: float = SEND_TIMEOUT,
        names: MemberNames | None = None,
    ) -> None:
        self.client = client
        self.send_timeout = send_timeout
        self.names = names or MemberNames()

    async def announce(self, channel: ChannelRef, reply: Reply) -> None:
        if not channel.channel_id.isdigit():
            raise AnnounceFailed("channel_not_found")
        target = self.client.get_partial_messageable(int(channel.channel_id))
        try:
            async with asyncio.timeout(self.send_timeout):
                await target.send(**_message(reply))
        except (
            discord.HTTPException,
            discord.RateLimited,
            aiohttp.ClientError,
            OSError,
            TimeoutError,
        ) as exc:
            reason = failure_reason(exc)
            log.warning(
                "announcement failed",
                extra={"channel": channel.key, "reason": reason, "error": repr(exc)},
            )
            raise AnnounceFailed(reason) from exc

    async def notify_moderators(self, space: SpaceRef, user_ids: list[str], reply: Reply) -> None:
        """Direct messages to the given moderators and the server owner. Someone who does not
        accept direct messages is skipped; nothing here raises."""
        try:
            recipients = list(dict.fromkeys(u for u in user_ids if u.isascii() and u.isdigit()))
            owner = await self._owner_id(space)
            if owner is not None and str(owner) not in recipients:
                recipients.append(str(owner))
            message = _message(reply)
            for user_id in recipients:
                await self._direct_message(int(user_id), message)
        except Exception:
            log.exception("could not notify moderators", extra={"space": space.key})

    async def display_names(self, space: SpaceRef, user_ids: list[str]) -> dict[str, str]:
        """Server nicknames from the member cache, the names seen lately (MemberNames), else
        from the API; unknown ids left out."""
        names: dict[str, str] = {}
        guild = (
            self.client.get_guild(int(space.external_id)) if space.external_id.isdigit() else None
        )
        for user_id in dict.fromkeys(u for u in user_ids if u.isascii() and u.isdigit()):
            member = guild.get_member(int(user_id)) if guild is not None else None
            seen = self.names.get(guild.id, user_id) if guild is not None else None
            if member is None and seen is not None:
                names[user_id] = seen
                continue
            try:
                if member is None and guild is not None:
                    async with asyncio.timeout(self.send_timeout):
                        member = await guild.fetch_member(int(user_id))
            except (*REFUSED, aiohttp.ClientError, OSError, TimeoutError):
                log.warning("could not look up a member", extra={"space": space.key})
            if member is not None:
                names[user_id] = member.display_name
                if guild is not None:
                    self.names.remember(guild.id, {user_id: member.display_name})
        return names

    async def _owner_id(self, space: SpaceRef) -> int | None:
        if not space.external_id.isdigit():
            return None
        guild = self.client.get_guild(int(space.external_id))
        if guild is not None and guild.owner_id is not None:
            return guild.owner_id
        try:
            async with asyncio.timeout(self.send_timeout):
                return (await self.client.fetch_guild(int(space.external_id))).owner_id
        except (*REFUSED, aiohttp.ClientError, OSError, TimeoutError):
            log.warning("could not look up the server owner", extra={"space": space.key})
            return None

    async def _direct_message(self, user_id: int, message: dict[str, Any]) -> None:
        try:
            async with asyncio.timeout(self.send_timeout):
                channel = await self.client.create_dm(discord.Object(id=user_id))
                await channel.send(**message)
        except (*REFUSED, aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.warning(
                "could not send a direct message", extra={"user": user_id, "error": repr(exc)}
            )


def _message(reply: Reply) -> dict[str, Any]:
    # The few words the renderer adds itself are in the reply's own language.
    return outgoing(reply, Translator(reply.language)).send_kwargs()
