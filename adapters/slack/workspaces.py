"""Which token speaks to which workspace, for calls no Slack request carries a client for
(announcements, moderator notices, display names outside a request).

One-token mode: the token's own workspace only, learned from auth.test; any other space is
unreachable, so a linked community never gets a post through a token meant for another team.
OAuth mode: each workspace's bot token from the installation store, refreshed first when it
rotates and expires soon (a quiet workspace may see no request for days, yet its weekly
announcement must go out), its client kept briefly so that a weekly run over many channels
does not read and decrypt the same row again and again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from aiohttp import ClientSession
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import SLACK_ERRORS, error_code, web_client
from adapters.slack.installations import ROTATION_MINUTES, EncryptedInstallationStore

CLIENT_SECONDS = 60.0  # a rotated or revoked token stops being used within a minute
ORG_PAGES = 10  # auth.teams.list pages of 1000 workspaces read per org

log = logging.getLogger(__name__)


class WorkspaceClients(Protocol):
    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """A client with the bot token of `team_id`, or None when there is none to use."""
        ...

    def forget(self, team_id: str | None) -> bool:
        """Drop what is kept for `team_id`; True when a new lookup may find another token."""
        ...


class OneWorkspace:
    def __init__(self, client: AsyncWebClient, team_id: str | None = None) -> None:
        self.client = client
        self.team_id = team_id

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        if self.team_id is None:
            try:
                answer = await self.client.auth_test()
            except SLACK_ERRORS:
                return None  # unknown for now: unreachable, retried on the next call
            self.team_id = answer.get("team_id") or None
        return self.client if team_id == self.team_id else None

    def forget(self, team_id: str | None) -> bool:
        return False  # one token from the settings: there is no other to find


class InstalledWorkspaces:
    def __init__(
        self,
        installations: EncryptedInstallationStore,
        api_url: str,
        *,
        rotator: AsyncTokenRotator | None = None,
        ttl: float = CLIENT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.installations = installations
        self.api_url = api_url
        self.rotator = rotator
        self.ttl = ttl
        self.clock = clock
        self._clients: dict[str, tuple[float, AsyncWebClient | None]] = {}
        self.session: ClientSession | None = None  # the runtime's, once it has started
        # Workspaces seen acting under an org-wide (Enterprise Grid) install: team -> org.
        self.orgs: dict[str, str] = {}

    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """Raises what the database or the key raises; the announcer reports it unreachable."""
        kept = self._clients.get(team_id)
        if kept and kept[0] > self.clock():
            return kept[1]
        bot = await self.installations.async_find_bot_by_team(team_id)
        acting_in = None
        if bot is None:
            org = self.orgs.get(team_id) or await self._org_of(team_id)
            if org is not None:
                bot = await self.installations.async_find_bot(
                    enterprise_id=org, team_id=None, is_enterprise_install=True
                )
                acting_in = team_id  # an org token says which workspace it acts in
        if bot is not None:
            bot = await self._fresh(bot)
        client = (
            web_client(bot.bot_token, self.api_url, team_id=acting_in, session=self.session)
            if bot and bot.bot_token
            else None
        )
        self._clients[team_id] = (self.clock() + self.ttl, client)
        return client

    async def _fresh(self, bot: Bot) -> Bot:
        """The bot with a token that does not expire soon: refreshed and saved (for every
        process) like Bolt does for requests, when it rotates and its expiry is near."""
        if not bot.bot_refresh_token or self.rotator is None:
            return bot
        installation = await self.installations.async_find_installation(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            is_enterprise_install=bot.is_enterprise_install,
        )
        if installation is None:
            return bot
        refreshed = await self.rotator.perform_token_rotation(
            installation=installation, minutes_before_expiration=ROTATION_MINUTES
        )
        if refreshed is None:
            return bot
        await self.installations.async_save(refreshed)
        return refreshed.to_bot()

    async def _org_of(self, team_id: str) -> str | None:
        """Ask each org-wide install which workspaces it serves (auth.teams.list, no scope
        needed), so a process that has not yet seen a request from `team_id` finds it."""
        for bot in await self.installations.async_org_bots():
            if not (bot.bot_token and bot.enterprise_id):
                continue
            client = web_client(bot.bot_token, self.api_url, session=self.session)
            cursor: str | None = None
            try:
                for _ in range(ORG_PAGES):
                    page = await client.auth_teams_list(cursor=cursor, limit=1000)
                    for team in page.get("teams") or []:
                        self.orgs[str(team.get("id"))] = bot.enterprise_id
                    cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
                    if cursor is None:
                        break
            except SLACK_ERRORS as failure:
                log.warning("auth.teams.list failed", extra={"error": error_code(failure)})
        return self.orgs.get(team_id)

    def seen(self, team_id: str | None, enterprise_id: str | None, org_install: bool) -> None:
        """A request came from `team_id` through an org-wide install of `enterprise_id`."""
        if org_install and team_id and enterprise_id:
            self.orgs[team_id] = enterprise_id

    def forget(self, team_id: str | None) -> bool:
        """Drop the kept client (after an uninstall, or a token another request refreshed)."""
        if team_id:
            self._clients.pop(team_id, None)
        return True
