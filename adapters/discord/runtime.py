"""What `storybot run` starts for Discord: log in, connect, stay connected, stop.

discord.py reconnects by itself (resuming the session where it can) after network trouble
and Discord-side closes; only fatal closes (bad token, disallowed intents) end the runtime.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass, field

import discord
import yarl

from adapters.discord.announcer import DiscordAnnouncer
from adapters.discord.client import ClientOptions, make_client
from adapters.discord.delivery import RESPONSE_BUDGET
from adapters.discord.drafts import DraftStore
from adapters.discord.member_names import MemberNames
from adapters.discord.services import FORM_DEADLINE, Services
from bot.config import Settings
from bot.core import Core

log = logging.getLogger(__name__)

READY_TIMEOUT = 120.0
_CLOSE_HINTS = {
    4004: " The token is wrong (DISCORD_TOKEN).",
    4011: " Discord requires sharding: unset SHARD_COUNT to use the count Discord recommends,"
    " or raise it.",
}
_VERSIONED = re.compile(r"/api/v\d+$")


class DiscordStartError(RuntimeError):
    """Discord could not be reached or refused the bot; the message says what to do."""


@dataclass(frozen=True)
class RuntimeOptions:
    """Knobs that are not user settings; tests turn them down."""

    client: ClientOptions = field(default_factory=ClientOptions)
    form_deadline: float = FORM_DEADLINE
    response_budget: float = RESPONSE_BUDGET
    ready_timeout: float = READY_TIMEOUT


def api_base(url: str) -> str:
    """DISCORD_API_URL may name the API root or a versioned base; discord.py wants the latter."""
    url = url.rstrip("/")
    if not _VERSIONED.search(url):
        url += "/api/v10"
    return url


class DiscordRuntime:
    name = "discord"

    def __init__(
        self,
        settings: Settings,
        options: RuntimeOptions | None = None,
        *,
        drafts: DraftStore | None = None,
    ) -> None:
        """`drafts`: where form drafts are kept; by default a store on the core's own units
        of work, made when the core is bound."""
        if settings.discord.token is None:
            raise DiscordStartError("DISCORD_TOKEN is not set.")
        if settings.discord.shard_ids and settings.discord.shard_count is None:
            raise DiscordStartError("SHARD_IDS needs SHARD_COUNT (the total number of shards).")
        options = options or RuntimeOptions()
        self._settings = settings
        self._options = options
        client_options = ClientOptions(
            guild_id=settings.discord.guild_id,
            sync_state_file=options.client.sync_state_file,
            guild_ready_timeout=options.client.guild_ready_timeout,
            shard_count=settings.discord.shard_count,
            shard_ids=settings.discord.shard_ids,
        )
        # The client is both the way out (announcer, directory) and the way in (the
        # services, bound once the core exists).
        self.client = make_client(None, client_options)
        self.services: Services | None = None
        self._drafts = drafts
        self.names = MemberNames()  # seen in interactions, read when naming credited people
        self.announcer = DiscordAnnouncer(self.client, names=self.names)
        self.directory = self.announcer
        self.failure: str | None = None
        self._stopping = False
        self._connection: asyncio.Task[None] | None = None
        self._previous_endpoints: tuple[str, yarl.URL] | None = None

    def bind(self, core: Core) -> None:
        """The way in: the core's services, with the store for form drafts."""
        self.services = Services(
            core,
            self._drafts or DraftStore(core.uow, core.clock),
            default_language=self._settings.defaults.language,
            form_deadline=self._options.form_deadline,
            response_budget=self._options.response_budget,
            names=self.names,
        )
        self.client.bind(self.services)  # type: ignore[attr-defined]

    async def housekeeping(self) -> None:
        """Expired form drafts go on the scheduler's round too, not only when one is read."""
        if self.services is not None:
            await self.services.drafts.purge_expired()

    async def start(self) -> None:
        self._point_at_endpoints()
        token = self._settings.discord.token.get_secret_value()  # type: ignore[union-attr]
        try:
            await self.client.login(token)
        except discord.LoginFailure as exc:
            await self.stop()
            raise DiscordStartError(
                "Discord refused the token. "
                "Copy it again from the Bot page of the developer portal."
            ) from exc
        except (discord.HTTPException, discord.RateLimited, OSError) as exc:
            await self.stop()
            raise DiscordStartError(f"Could not reach Discord: {exc}") from exc
        self._connection = asyncio.create_task(self._connect(), name="discord-gateway")
        ready = asyncio.create_task(self.client.wait_until_ready())
        done, _ = await asyncio.wait(
            {ready, self._connection},
            timeout=self._options.ready_timeout,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if ready not in done:
            ready.cancel()
            await self.stop()
            raise DiscordStartError("Discord did not get ready in time; see the log for why.")

    @property
    def ready(self) -> bool:
        """The gateway said READY and every gateway socket is open now (discord.py keeps
        is_ready() true while it reconnects, so the sockets are asked too)."""
        running = self._connection is not None and not self._connection.done()
        if not running or not self.client.is_ready() or self.client.is_closed():
            return False
        if isinstance(self.client, discord.AutoShardedClient):
            shards = self.client.shards.values()
            return bool(shards) and not any(shard.is_closed() for shard in shards)
        return self.client.ws is not None and self.client.ws.open

    async def wait_closed(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._connection

    async def stop(self) -> None:
        self._stopping = True
        with contextlib.suppress(Exception):
            await self.client.close()
        if self._connection is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._connection, timeout=10)
        self._restore_endpoints()

    async def _connect(self) -> None:
        """Runs until Discord closes for good; `failure` says why when stop() did not ask."""
        try:
            await self.client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self.failure = "Discord asks for a privileged intent; this bot needs none."
        except discord.ConnectionClosed as exc:
            hint = _CLOSE_HINTS.get(exc.code or 0, "")
            self.failure = f"Discord closed the connection for good (code {exc.code}).{hint}"
        except Exception as exc:
            log.exception("the Discord connection ended")
            self.failure = f"the Discord connection ended: {exc!r}"
        else:
            if not self._stopping:
                self.failure = "the Discord connection ended"
        if self.failure and not self._stopping:
            log.error(self.failure)

    def _point_at_endpoints(self) -> None:
        """DISCORD_API_URL and DISCORD_GATEWAY_URL move discord.py off discord.com (a proxy,
        or the test fake). These are process-wide class attributes, put back on stop()."""
        self._previous_endpoints = (
            discord.http.Route.BASE,
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY,
        )
        if self._settings.discord.api_url:
            discord.http.Route.BASE = api_base(self._settings.discord.api_url)
        if self._settings.discord.gateway_url:
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
                self._settings.discord.gateway_url
            )

    def _restore_endpoints(self) -> None:
        if self._previous_endpoints is not None:
            base, gateway = self._previous_endpoints
            discord.http.Route.BASE = base
            discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = gateway
            self._previous_endpoints = None
