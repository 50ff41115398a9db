"""Announcements in the highlight channel, and private notices to moderators.

The web client has already waited out a 429 (per Retry-After) and retried a 500 once;
what still fails is mapped to the reasons the core knows (bot.weekly.ANNOUNCE_PROBLEMS).

Each call goes out with the token of the space's own workspace (adapters.slack.workspaces);
a space with no token to use is reported unreachable and gets no post.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import render
from adapters.slack.actors import ProfileCache
from adapters.slack.client import SLACK_ERRORS, error_code
from adapters.slack.workspaces import OneWorkspace, WorkspaceClients
from bot.domain import ChannelRef, Platform, SpaceRef
from bot.ports import AnnounceFailed
from bot.replies import Reply

log = logging.getLogger(__name__)

REASONS = {
    "not_in_channel": "not_in_channel",
    "channel_not_found": "channel_not_found",
    "is_archived": "channel_not_found",
    "ratelimited": "rate_limited",
    "rate_limited": "rate_limited",
    "restricted_action": "missing_permissions",
    "restricted_action_read_only_channel": "missing_permissions",
    "restricted_action_thread_only_channel": "missing_permissions",
    "restricted_action_non_threadable_channel": "missing_permissions",
    "missing_scope": "missing_permissions",
    "not_allowed_token_type": "missing_permissions",
    "no_permission": "missing_permissions",
    "ekm_access_denied": "missing_permissions",
    "team_access_not_granted": "missing_permissions",
    "invalid_auth": "missing_permissions",
    "not_authed": "missing_permissions",
    "account_inactive": "missing_permissions",
    "token_revoked": "missing_permissions",
}

# What Slack answers for a token that no longer works.
TOKEN_GONE = frozenset(
    {"invalid_auth", "not_authed", "token_expired", "token_revoked", "account_inactive"}
)
ADMIN_PAGES = 5  # users.list pages read to find admins when no moderator is configured
ADMINS_MAX = 10


def reason_for(error: BaseException) -> str:
    if isinstance(error, SlackApiError):
        return REASONS.get(error_code(error), "unavailable")
    return "unavailable"


class SlackAnnouncer:
    """Slack's Announcer and Directory (bot.ports): posts, and knows display names."""

    platform = Platform.SLACK

    def __init__(
        self,
        clients: WorkspaceClients | AsyncWebClient,
        profiles: ProfileCache,
    ) -> None:
        """`clients`: one client is the one-token mode (its token's workspace only)."""
        self.clients = OneWorkspace(clients) if isinstance(clients, AsyncWebClient) else clients
        self.profiles = profiles

    async def _client(self, space: SpaceRef) -> AsyncWebClient | None:
        try:
            return await self.clients.client_for(space.external_id)
        except Exception as failure:  # the installation store: database or key trouble
            log.warning("no slack token", extra={"error": type(failure).__name__})
            return None

    async def announce(self, channel: ChannelRef, reply: Reply) -> None:
        team = channel.space.external_id
        try:
            try:
                await self._post(channel, reply)
            except SlackApiError as refused:
                # A kept token that another request has just refreshed, or that was
                # revoked: look the workspace's token up again, once.
                if error_code(refused) not in TOKEN_GONE or not self.clients.forget(team):
                    raise
                await self._post(channel, reply)
        except SLACK_ERRORS as failure:
            reason = reason_for(failure)
            log.warning(
                "announcement failed", extra={"error": error_code(failure), "reason": reason}
            )
            raise AnnounceFailed(reason) from None

    async def _post(self, channel: ChannelRef, reply: Reply) -> None:
        client = await self._client(channel.space)
        if client is None:
            log.warning("announcement failed", extra={"error": "no_installation"})
            raise AnnounceFailed("unavailable")
        profiles = self.profiles.bound(channel.space.external_id, client)
        await client.chat_postMessage(
            channel=channel.channel_id,
            blocks=await self._blocks(reply, profiles),
            text=render.fallback_text(reply),
            unfurl_links=False,
            unfurl_media=False,
        )

    async def notify_moderators(self, space: SpaceRef, user_ids: list[str], reply: Reply) -> None:
        """A direct message to each moderator; the workspace's admins when none is configured.
        Never raises: a notice that cannot be delivered is logged and skipped."""
        client = await self._client(space)
        if client is None:
            log.warning("moderator notice not delivered", extra={"error": "no_installation"})
            return
        recipients = list(dict.fromkeys(user_ids)) or await self._admins(client)
        blocks = await self._blocks(reply, self.profiles.bound(space.external_id, client))
        text = render.fallback_text(reply)
        for user_id in recipients:
            try:
                opened = await client.conversations_open(users=user_id)
                await client.chat_postMessage(
                    channel=opened["channel"]["id"], blocks=blocks, text=text
                )
            except SLACK_ERRORS as failure:
                log.warning("moderator notice not delivered", extra={"error": error_code(failure)})
            except Exception:
                log.exception("moderator notice not delivered")

    async def display_names(self, space: SpaceRef, user_ids: list[str]) -> dict[str, str]:
        """Names from users.info (cached); the profile cache logs and skips what fails."""
        client = await self._client(space)
        if client is None:
            return {}
        try:
            return await self.profiles.bound(space.external_id, client).names(user_ids)
        except Exception:
            log.exception("display names unavailable")
            return {}

    async def _admins(self, client: AsyncWebClient) -> list[str]:
        admins: list[str] = []
        cursor: str | None = None
        try:
            for _ in range(ADMIN_PAGES):
                page = await client.users_list(cursor=cursor, limit=200)
                for member in page.get("members") or []:
                    if member.get("deleted") or member.get("is_bot"):
                        continue
                    if member.get("is_admin") or member.get("is_owner"):
                        admins.append(member["id"])
                cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                if cursor is None or len(admins) >= ADMINS_MAX:
                    break
        except SLACK_ERRORS as failure:
            log.warning("users.list failed", extra={"error": error_code(failure)})
        return admins[:ADMINS_MAX]

    async def _blocks(self, reply: Reply, profiles: ProfileCache) -> list[dict[str, Any]]:
        """Public blocks: credited colleagues by name, never pinged. The core has already
        written every label in the community's language."""
        credited = render.credited_ids(reply)
        names = await profiles.names(credited) if credited else {}
        return render.message_blocks(reply, names=names)
