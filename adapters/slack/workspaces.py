"""Which token speaks to which workspace, for calls no Slack request carries a client for
(announcements, moderator notices, display names outside a request).

One-token mode: the token's own workspace only, learned from auth.test; any other space is
unreachable, so a linked community never gets a post through a token meant for another team.
OAuth mode: each workspace's bot token from the installation store, its client kept briefly
so that a weekly run over many channels does not decrypt the same row again and again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.client import SLACK_ERRORS, error_code, web_client
from adapters.slack.installations import EncryptedInstallationStore

CLIENT_SECONDS = 60.0  # a rotated or revoked token stops being used within a minute
ORG_PAGES = 10  # auth.teams.list pages of 1000 workspaces read per org

log = logging.getLogger(__name__)


class WorkspaceClients(Protocol):
    async def client_for(self, team_id: str) -> AsyncWebClient | None:
        """A client with the bot token of `team_id`, or None when there is none to use."""
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


class InstalledWorkspaces:
    def __init__(
        self,
        installations: EncryptedInstallationStore,
        api_url: str,
        *,
        ttl: float = CLIENT_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.installations = installations
        self.api_url = api_url
        self.ttl = ttl
        self.clock = clock
        self._clients: dict[str, tuple[float, AsyncWebClient | None]] = {}
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
        client = (
            web_client(bot.bot_token, self.api_url, team_id=acting_in)
            if bot and bot.bot_token
            else None
        )
        self._clients[team_id] = (self.clock() + self.ttl, client)
        return client

    async def _org_of(self, team_id: str) -> str | None:
        """Ask each org-wide install which workspaces it serves (auth.teams.list, no scope
        needed), so a process that has not yet seen a request from `team_id` finds it."""
        for bot in await self.installations.async_org_bots():
            if not (bot.bot_token and bot.enterprise_id):
                continue
            client = web_client(bot.bot_token, self.api_url)
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

    def forget(self, team_id: str | None) -> None:
        """Drop the kept client (after an uninstall seen by this process)."""
        if team_id:
            self._clients.pop(team_id, None)
