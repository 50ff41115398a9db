"""A local stand-in for Discord: the REST API under /api/v10 and the gateway websocket.

The real discord.py client logs in here over loopback. Every REST call is recorded (method,
path, JSON or multipart payload) so tests assert on exactly what Discord would have received;
failures (403, 404, 429, 5xx) can be queued per route. The gateway speaks the documented
handshake (HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE, RESUME -> replay + RESUMED)
and dispatches interactions shaped like Discord's documented examples.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
DISCORD_EPOCH_MS = 1420070400000
EPHEMERAL = 1 << 6
MANAGE_GUILD = 1 << 5
VIEW_CHANNEL, SEND_MESSAGES, EMBED_LINKS = 1 << 10, 1 << 11, 1 << 14
SEND_MESSAGES_IN_THREADS = 1 << 38
PUBLIC_THREAD = 11
# What @everyone may do in a fresh server: view, send, embed, read history, and so on.
EVERYONE_PERMISSIONS = 1071698660929
ATTACHMENT_LIMIT = 10 * 1024 * 1024
# Interaction types and option types, as Discord sends them.
CHAT_INPUT, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
STRING, INTEGER = 3, 4


def snowflake(counter: int) -> int:
    return ((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) + counter


def shard_for(guild_id: int | str | None, shard_count: int) -> int:
    """Discord's rule: a guild's events go to shard (guild_id >> 22) % shard_count, events
    outside a guild (direct messages) to shard 0."""
    return 0 if guild_id is None else (int(guild_id) >> 22) % shard_count


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    # discord.py parses JSON only when the Content-Type is exactly this, without a charset.
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {
        "id": str(user_id),
        "username": name,
        "global_name": name.title(),
        "discriminator": "0",
        "avatar": None,
        "bot": bot,
        "public_flags": 0,
        "flags": 0,
    }


@dataclass
class Recorded:
    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    files: list[tuple[str, bytes]]
    at: float = field(default_factory=time.monotonic)

    @property
    def message(self) -> dict[str, Any]:
        """The message part of a callback payload, or the payload itself."""
        if isinstance(self.json, dict) and "type" in self.json and "data" in self.json:
            return self.json["data"] or {}
        return self.json or {}


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass
class Interaction:
    id: int
    token: str
    channel_id: int
    created: float = 0.0  # the fake's clock when the interaction was created
    acked: bool = False
    deferred: bool = False  # acked with type 5 and the "thinking…" message not edited since
    original_message_id: int | None = None
    component_message_id: int | None = None


class FakeDiscord:
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.app_id = self.new_id()
        self.guild_id = self.new_id()
        self.owner_id = self.new_id()
        self.channel_id = self.new_id()
        self.highlight_channel_id = self.new_id()
        self.mod_role_id = self.new_id()
        self.bot = user(self.app_id, "storybot", bot=True)
        # The servers the bot is in, each with its channels by name (add_guild adds more).
        self.guilds: dict[int, dict[str, int]] = {
            self.guild_id: {"support": self.channel_id, "highlights": self.highlight_channel_id}
        }
        self.requests: list[Recorded] = []
        self.failures: list[tuple[str, re.Pattern[str], deque[Failure]]] = []
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or guild id -> commands
        self.messages: dict[int, dict[str, Any]] = {}
        self.interactions: dict[int, Interaction] = {}
        self.reject_duplicate_acks = True
        # Tests move this clock to play a first response later than Discord allows.
        self.clock: Callable[[], float] = time.monotonic
        self.identifies: list[dict[str, Any]] = []
        self.members: dict[int, dict[str, Any]] = {}  # user id -> user, for GET members
        self.resumes: list[dict[str, Any]] = []
        self._sessions: dict[str, _Session] = {}
        self._sockets: list[web.WebSocketResponse] = []
        self._dropping = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    def new_id(self) -> int:
        return snowflake(next(self._ids))

    def add_guild(self, shard_id: int = 0, shard_count: int = 1) -> int:
        """Another server the bot is in, whose id puts it on `shard_id` of `shard_count` by
        Discord's rule, with its own support channel. Sessions of that shard identifying from
        now on get it in READY and GUILD_CREATE; interaction(guild_id=…) comes from it."""
        guild = self.new_id()
        while shard_for(guild, shard_count) != shard_id:  # the id's millisecond decides
            guild = self.new_id()
        self.guilds[guild] = {"support": self.new_id()}
        return guild

    # Server -----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        # Handlers still running get 1 s at stop, not aiohttp's 60 (a slow answer is scripted).
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # Test controls ----------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        path: str,
        status: int,
        body: dict[str, Any] | None = None,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """The next `times` calls matching method and path (a regex) fail with `status`."""
        failure = Failure(status, body or {"message": "error", "code": 0}, headers or {})
        self.failures.append((method, re.compile(path), deque([failure] * times)))

    def calls(self, method: str, path: str) -> list[Recorded]:
        pattern = re.compile(path)
        return [r for r in self.requests if r.method == method and pattern.fullmatch(r.path)]

    async def wait_for(
        self, method: str, path: str, count: int = 1, within: float = 5.0
    ) -> list[Recorded]:
        """Matching calls, once at least `count` of them arrived."""
        deadline = time.monotonic() + within
        while True:
            found = self.calls(method, path)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(r.method, r.path) for r in self.requests[-15:]]
                raise AssertionError(f"no {count}x {method} {path} within {within}s; last: {seen}")
            await asyncio.sleep(0.01)

    async def final_answer(self, token: str, within: float = 5.0) -> dict[str, Any]:
        """What the user sees of an interaction in the end: the first response when it
        carried the message (type 4 or 7), else the last edit of the "thinking…" message."""

        def found() -> dict[str, Any] | None:
            edits = self.calls("PATCH", rf"/webhooks/\d+/{token}/messages/@original")
            if edits:
                return dict(edits[-1].json)
            for callback in self.calls("POST", rf"/interactions/\d+/{token}/callback"):
                if callback.json.get("type") in (4, 7):
                    return dict(callback.json.get("data") or {})
            return None

        await self.wait_until(lambda: found() is not None, within)
        answer = found()
        assert answer is not None
        return answer

    def message_payloads(self) -> list[dict[str, Any]]:
        """Every message body the bot sent or edited, wherever it went."""
        found = []
        for r in self.requests:
            if r.method not in ("POST", "PATCH") or not isinstance(r.json, dict):
                continue
            if r.path.endswith("/callback") and r.json.get("type") in (4, 7):
                found.append(r.json.get("data") or {})
            elif re.fullmatch(r"/webhooks/.+|/channels/\d+/messages", r.path):
                found.append(r.json)
        return found

    # Gateway ----------------------------------------------------------------------------

    async def dispatch(self, event: str, data: dict[str, Any], shard_id: int | None = None) -> None:
        """Send an event to every live session of its shard (two processes on one shard: both
        get it): `shard_id` when given, else the shard of the payload's guild_id by Discord's
        rule for the session's shard count. A session whose socket dropped keeps the event for
        replay on RESUME, as Discord does."""
        for session in list(self._sessions.values()):
            shard = shard_id
            if shard is None:
                shard = shard_for(data.get("guild_id"), session.shard_count)
            if session.shard_id == shard and not session.ended:
                await session.send(event, data)

    def delivered(self, event: str) -> list[tuple[int, dict[str, Any]]]:
        """(shard id, payload) of each `event` sent to a session, once per session."""
        return [
            (session.shard_id, payload)
            for session in self._sessions.values()
            for _, name, payload in session.log
            if name == event
        ]

    async def drop_connections(self, code: int = 4000) -> None:
        """Close every gateway socket the way Discord does when it wants a reconnect."""
        self._dropping = True
        try:
            for socket in list(self._sockets):
                await socket.close(code=code, message=b"fake: reconnect please")
        finally:
            self._dropping = False

    def invalidate_sessions(self) -> None:
        """Make every session unresumable, as after a long outage: the client must IDENTIFY."""
        for session in self._sessions.values():
            session.ended = True

    def live_sessions(self) -> list[_Session]:
        return [s for s in self._sessions.values() if s.socket is not None and not s.socket.closed]

    async def wait_connected(self, shards: int = 1, within: float = 5.0) -> None:
        await self.wait_until(lambda: len(self.live_sessions()) >= shards, within)

    @staticmethod
    async def wait_until(condition: Callable[[], bool], within: float = 5.0) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("the fake waited in vain (no (re)connection?)")
            await asyncio.sleep(0.01)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        session: _Session | None = None
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}, "s": None, "t": None})
        try:
            async for frame in socket:
                if frame.type is not WSMsgType.TEXT:
                    continue
                message = json.loads(frame.data)
                op, data = message.get("op"), message.get("d")
                if op == 1:
                    await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
                elif op == 2:
                    session = await self._identify(socket, data)
                elif op == 6:
                    session = await self._resume(socket, data)
        finally:
            self._sockets.remove(socket)
            if session is not None and session.socket is socket:
                session.socket = None
                # The client closing cleanly ends its session; anything else may resume.
                clean = socket.close_code == 1000 and not self._dropping
                session.ended = session.ended or clean
        return socket

    async def _identify(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> _Session:
        self.identifies.append(data)
        shard_id, shard_count = data.get("shard", [0, 1])
        session = _Session(f"session-{self.new_id()}", shard_id, shard_count, socket)
        self._sessions[session.id] = session
        mine = [g for g in self.guilds if shard_for(g, shard_count) == shard_id]
        ready = {
            "v": 10,
            "user": self.bot,
            "guilds": [{"id": str(g), "unavailable": True} for g in mine],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "shard": [shard_id, shard_count],
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }
        await session.send("READY", ready)
        for guild_id in mine:
            await session.send("GUILD_CREATE", self.guild_payload(guild_id))
        return session

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> _Session | None:
        self.resumes.append(data)
        session = self._sessions.get(data.get("session_id", ""))
        if session is None or session.ended:
            await socket.send_json({"op": 9, "d": False, "s": None, "t": None})
            return None
        session.socket = socket
        for seq, event, payload in session.log:
            if seq > (data.get("seq") or 0):
                await socket.send_json({"op": 0, "s": seq, "t": event, "d": payload})
        await session.send("RESUMED", {})
        return session

    # Payloads ---------------------------------------------------------------------------

    def guild_payload(self, guild_id: int) -> dict[str, Any]:
        channels = self.guilds.get(guild_id, self.guilds[self.guild_id])
        return {
            "id": str(guild_id),
            "name": "Acme Support",
            "icon": None,
            "owner_id": str(self.owner_id),
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "joined_at": now_iso(),
            "large": False,
            "unavailable": False,
            "member_count": 4,
            "roles": [
                self._role(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0),
                self._role(
                    self.mod_role_id, "Support leads", EVERYONE_PERMISSIONS | MANAGE_GUILD, 1
                ),
            ],
            "emojis": [],
            "stickers": [],
            "members": [self.member(self.bot)],
            "channels": [
                self._channel(channel_id, name, guild_id) for name, channel_id in channels.items()
            ],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
        }

    @staticmethod
    def _role(role_id: int, name: str, permissions: int, position: int) -> dict[str, Any]:
        return {
            "id": str(role_id),
            "name": name,
            "color": 0,
            "hoist": False,
            "position": position,
            "permissions": str(permissions),
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }

    def _channel(self, channel_id: int, name: str, guild_id: int | None = None) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id or self.guild_id),
            "name": name,
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def _interaction_channel(
        self, channel_id: int, channel_type: int, guild_id: int
    ) -> dict[str, Any]:
        channel = {**self._channel(channel_id, "support", guild_id), "type": channel_type}
        if channel_type in (10, 11, 12):  # a thread (a forum post is one), as Discord sends it
            channel |= {
                "parent_id": str(self.guilds.get(guild_id, {}).get("support", self.channel_id)),
                "owner_id": str(self.owner_id),
                "member_count": 1,
                "message_count": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": now_iso(),
                    "locked": False,
                },
            }
        return channel

    def member(
        self, who: dict[str, Any], roles: Iterable[int] = (), permissions: int | None = None
    ) -> dict[str, Any]:
        payload = {
            "user": who,
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in roles],
            "joined_at": now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "pending": False,
            "flags": 0,  # discord.py requires it
            "communication_disabled_until": None,
        }
        if permissions is not None:
            payload["permissions"] = str(permissions)
        return payload

    def interaction(
        self,
        kind: int,
        data: dict[str, Any] | None,
        who: dict[str, Any],
        *,
        roles: Iterable[int] = (),
        permissions: int = EVERYONE_PERMISSIONS,
        locale: str = "en-US",
        message: dict[str, Any] | None = None,
        interaction_id: int | None = None,
        channel_id: int | None = None,
        app_permissions: int = EVERYONE_PERMISSIONS,
        channel_type: int = 0,
        installed_in_guild: bool = True,
        guild_id: int | None = None,
    ) -> dict[str, Any]:
        """An INTERACTION_CREATE payload as Discord documents it, from a server member (of
        the first server, or of `guild_id`, in its support channel unless `channel_id`)."""
        iid = interaction_id or self.new_id()
        guild = guild_id or self.guild_id
        channel = channel_id or self.guilds.get(guild, {}).get("support", self.channel_id)
        token = f"token-{iid}"
        self.interactions.setdefault(
            iid,
            Interaction(
                iid,
                token,
                channel,
                created=self.clock(),
                component_message_id=int(message["id"]) if message else None,
            ),
        )
        payload: dict[str, Any] = {
            "id": str(iid),
            "application_id": str(self.app_id),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": str(guild),
            "guild": {"id": str(guild), "locale": "en-US", "features": []},
            "channel_id": str(channel),
            "channel": self._interaction_channel(channel, channel_type, guild),
            "member": self.member(who, roles, permissions),
            "locale": locale,
            "guild_locale": "en-US",
            # The bot's permissions in this channel, as Discord computes them for every one.
            "app_permissions": str(app_permissions),
            "entitlements": [],
            # "0": installed to this server; "1": used through the user's own install.
            "authorizing_integration_owners": (
                {"0": str(guild)} if installed_in_guild else {"1": who["id"]}
            ),
            "context": 0,
            "attachment_size_limit": ATTACHMENT_LIMIT,
        }
        if data is not None:
            payload["data"] = data
        if message is not None:
            payload["message"] = message
        return payload

    def resolved(self, texts: Iterable[str]) -> dict[str, Any]:
        """What Discord resolves for the mentions in a command's string options: the users
        (with their member, without its user) it knows in the first server, its roles and
        channels. A mention of an id it does not know is left out."""
        found: dict[str, dict[str, Any]] = {}
        people = {int(self.app_id): self.bot, **self.members}
        roles = {r["id"]: r for r in self.guild_payload(self.guild_id)["roles"]}
        channels = {str(i): name for name, i in self.guilds[self.guild_id].items()}
        for text in texts:
            for user_id in re.findall(r"<@!?(\d+)>", text):
                if (who := people.get(int(user_id))) is not None:
                    member = {k: v for k, v in self.member(who).items() if k != "user"}
                    found.setdefault("users", {})[user_id] = who
                    found.setdefault("members", {})[user_id] = member
            for role_id in re.findall(r"<@&(\d+)>", text):
                if role_id in roles:
                    found.setdefault("roles", {})[role_id] = roles[role_id]
            for channel_id in re.findall(r"<#(\d+)>", text):
                if channel_id in channels:
                    found.setdefault("channels", {})[channel_id] = {
                        "id": channel_id,
                        "name": channels[channel_id],
                        "type": 0,
                        "permissions": str(EVERYONE_PERMISSIONS),
                    }
        return found

    def command_id(self, name: str) -> str:
        for commands in self.commands.values():
            for command in commands:
                if command["name"] == name:
                    return str(command["id"])
        return str(self.new_id())

    def synced_guild(self) -> str | None:
        return next((scope for scope in self.commands if scope != "global"), None)

    # REST -------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        payload, files = await _read_body(request)
        self.requests.append(Recorded(request.method, path, dict(request.query), payload, files))
        for method, pattern, queue in self.failures:
            if method == request.method and pattern.fullmatch(path) and queue:
                failure = queue.popleft()
                return json_response(failure.body, failure.status, failure.headers)
        for method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if method == request.method and match:
                return await handler(payload, *match.groups())
        return json_response({"message": "404: Not Found", "code": 0}, 404)

    def _routes(self) -> list[tuple[str, str, Callable[..., Any]]]:
        return [
            ("GET", r"/users/@me", self._me),
            ("GET", r"/oauth2/applications/@me", self._application),
            ("GET", r"/gateway(?:/bot)?", self._gateway_info),
            ("PUT", r"/applications/\d+/commands", self._put_global_commands),
            ("GET", r"/applications/\d+/commands", self._get_global_commands),
            ("PUT", r"/applications/\d+/guilds/(\d+)/commands", self._put_guild_commands),
            ("GET", r"/applications/\d+/guilds/(\d+)/commands", self._get_guild_commands),
            ("POST", r"/interactions/(\d+)/([^/]+)/callback", self._callback),
            ("POST", r"/webhooks/\d+/([^/]+)", self._followup),
            ("PATCH", r"/webhooks/\d+/([^/]+)/messages/([^/]+)", self._edit_webhook_message),
            ("DELETE", r"/webhooks/\d+/([^/]+)/messages/([^/]+)", self._delete_webhook_message),
            ("POST", r"/channels/(\d+)/messages", self._channel_message),
            ("POST", r"/users/@me/channels", self._open_dm),
            ("GET", r"/guilds/(\d+)", self._guild),
            ("GET", r"/guilds/\d+/members/(\d+)", self._get_member),
        ]

    async def _get_member(self, _: Any, user_id: str) -> web.Response:
        who = self.members.get(int(user_id))
        if who is None:
            return json_response({"message": "Unknown Member", "code": 10007}, 404)
        return json_response(self.member(who))

    async def _me(self, _: Any) -> web.Response:
        return json_response(self.bot)

    async def _application(self, _: Any) -> web.Response:
        return json_response(
            {
                "id": str(self.app_id),
                "name": "Storybot",
                "icon": None,
                "description": "",
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": user(self.owner_id, "owner"),
                "verify_key": "0" * 64,
                "flags": 0,
                "team": None,
            }
        )

    async def _gateway_info(self, _: Any) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    def _store_commands(self, scope: str, payload: list[dict[str, Any]]) -> web.Response:
        stored = []
        for command in payload:
            saved = {
                "description": "",  # Discord fills in what a message menu leaves out
                "default_member_permissions": None,
                "nsfw": False,
                **command,
                "id": str(self.new_id()),
                "application_id": str(self.app_id),
                "version": "1",
            }
            if scope != "global":
                saved["guild_id"] = scope
            stored.append(saved)
        self.commands[scope] = stored
        return json_response(stored)

    async def _put_global_commands(self, payload: Any) -> web.Response:
        return self._store_commands("global", payload)

    async def _get_global_commands(self, _: Any) -> web.Response:
        return json_response(self.commands.get("global", []))

    async def _put_guild_commands(self, payload: Any, guild: str) -> web.Response:
        return self._store_commands(guild, payload)

    async def _get_guild_commands(self, _: Any, guild: str) -> web.Response:
        return json_response(self.commands.get(guild, []))

    def _new_message(
        self, channel_id: int, body: dict[str, Any], *, flags: int = 0, webhook: bool = False
    ) -> dict[str, Any]:
        message_id = self.new_id()
        message = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "author": self.bot,
            "content": body.get("content") or "",
            "timestamp": now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": flags | (body.get("flags") or 0),
        }
        if webhook:
            message["webhook_id"] = str(self.app_id)
            message["application_id"] = str(self.app_id)
        self.messages[message_id] = message
        return message

    def _edit_message(self, message_id: int, body: dict[str, Any]) -> dict[str, Any]:
        message = self.messages[message_id]
        for key in ("content", "embeds", "components"):
            if key in body:
                message[key] = (
                    body[key] if body[key] is not None else ([] if key != "content" else "")
                )
        message["edited_timestamp"] = now_iso()
        return message

    async def _callback(self, payload: Any, interaction_id: str, token: str) -> web.Response:
        found = self.interactions.get(int(interaction_id))
        if found is None or found.token != token:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        if found.acked and self.reject_duplicate_acks:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        if not found.acked and self.clock() - found.created > FIRST_RESPONSE_SECONDS:
            # The token is invalidated once the 3 s for the first response are over.
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        kind = payload["type"]
        if problem := invalid_callback(payload):
            return invalid_form_body(problem)
        found.acked = True
        found.deferred = kind == 5
        data = payload.get("data") or {}
        answer: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": kind,
                "activity_instance_id": None,
                "response_message_id": None,
                "response_message_loading": kind == 5,
                "response_message_ephemeral": bool((data.get("flags") or 0) & EPHEMERAL),
            }
        }
        message = None
        if kind in (4, 5):
            message = self._new_message(
                found.channel_id,
                data if kind == 4 else {},
                flags=data.get("flags") or 0,
                webhook=True,
            )
            found.original_message_id = int(message["id"])
        elif kind in (6, 7) and found.component_message_id:
            found.original_message_id = found.component_message_id
            if kind == 7:
                message = self._edit_message(found.component_message_id, data)
        if message is not None:
            answer["interaction"]["response_message_id"] = message["id"]
            answer["resource"] = {"type": kind, "message": message}
        return json_response(answer)

    def _by_token(self, token: str) -> Interaction | None:
        return next((i for i in self.interactions.values() if i.token == token), None)

    async def _followup(self, payload: Any, token: str) -> web.Response:
        found = self._by_token(token)
        if found is None or not found.acked:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        if problem := invalid_message(payload or {}):
            return invalid_form_body(problem)
        if found.deferred and found.original_message_id in self.messages:
            # Documented: right after a DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, a follow-up edits
            # the loading message instead, and its ephemeral flag is ignored.
            found.deferred = False
            return json_response(self._edit_message(found.original_message_id, payload or {}))
        return json_response(self._new_message(found.channel_id, payload or {}, webhook=True))

    async def _edit_webhook_message(self, payload: Any, token: str, message: str) -> web.Response:
        found = self._by_token(token)
        target = found.original_message_id if found and message == "@original" else None
        if found is not None and message.isdigit():
            target = int(message)
        if target is None or target not in self.messages:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        if problem := invalid_message(payload or {}):
            return invalid_form_body(problem)
        if found is not None and target == found.original_message_id:
            found.deferred = False
        return json_response(self._edit_message(target, payload or {}))

    async def _delete_webhook_message(self, _: Any, token: str, message: str) -> web.Response:
        found = self._by_token(token)
        if found is not None and found.original_message_id is not None:
            self.messages.pop(found.original_message_id, None)
        return web.Response(status=204)

    async def _channel_message(self, payload: Any, channel_id: str) -> web.Response:
        if problem := invalid_message(payload or {}):
            return invalid_form_body(problem)
        return json_response(self._new_message(int(channel_id), payload or {}))

    async def _open_dm(self, payload: Any) -> web.Response:
        recipient = payload["recipient_id"]
        return json_response(
            {
                "id": str(self.new_id()),
                "type": 1,
                "last_message_id": None,
                "recipients": [user(int(recipient), "member")],
            }
        )

    async def _guild(self, _: Any, guild_id: str) -> web.Response:
        return json_response(self.guild_payload(int(guild_id)))


# Discord's documented limits (docs/DISCORD.md names the pages): a payload over any of them is
# refused with 400 "Invalid Form Body" (code 50035). Lengths in UTF-16 units, as JavaScript.
FIRST_RESPONSE_SECONDS = 3.0  # from the interaction's creation to its first response
CONTENT_MAX, EMBEDS_MAX, EMBEDS_TOTAL_MAX = 2000, 10, 6000
EMBED_TEXT_MAX = {"title": 256, "description": 4096}
FIELDS_MAX, FIELD_NAME_MAX, FIELD_VALUE_MAX, FOOTER_MAX, AUTHOR_MAX = 25, 256, 1024, 2048, 256
ROWS_MAX, BUTTONS_PER_ROW_MAX, BUTTON_LABEL_MAX, CUSTOM_ID_MAX = 5, 5, 80, 100
MODAL_TITLE_MAX, MODAL_COMPONENTS_MAX, LABEL_MAX, LABEL_DESCRIPTION_MAX = 45, 5, 45, 100
TEXT_INPUT_MAX, PLACEHOLDER_MAX = 4000, 100
CHOICES_MAX, CHOICE_MAX = 25, 100


def units(text: Any) -> int:
    return len(str(text).encode("utf-16-le", "surrogatepass")) // 2


def invalid_form_body(problem: str) -> web.Response:
    return json_response(
        {"message": "Invalid Form Body", "code": 50035, "errors": {"_errors": problem}}, 400
    )


def invalid_callback(payload: dict[str, Any]) -> str | None:
    """Why Discord would refuse this interaction response, or None."""
    data = payload.get("data") or {}
    kind = payload.get("type")
    if kind in (4, 7):
        return invalid_message(data)
    if kind == 8:
        choices = data.get("choices") or []
        if len(choices) > CHOICES_MAX:
            return "choices: at most 25"
        for choice in choices:
            if not 1 <= units(choice.get("name", "")) <= CHOICE_MAX:
                return "choice name: 1-100 characters"
            if isinstance(choice.get("value"), str) and units(choice["value"]) > CHOICE_MAX:
                return "choice value: at most 100 characters"
    if kind == 9:
        return invalid_modal(data)
    return None


def invalid_message(body: dict[str, Any]) -> str | None:
    if units(body.get("content") or "") > CONTENT_MAX:
        return "content: at most 2000 characters"
    embeds = body.get("embeds") or []
    if len(embeds) > EMBEDS_MAX:
        return "embeds: at most 10"
    total = 0
    for embed in embeds:
        for key, limit in EMBED_TEXT_MAX.items():
            if units(embed.get(key) or "") > limit:
                return f"embed {key}: at most {limit} characters"
        fields = embed.get("fields") or []
        if len(fields) > FIELDS_MAX:
            return "embed fields: at most 25"
        for f in fields:
            if not (0 < units(f.get("name", "")) <= FIELD_NAME_MAX):
                return "embed field name: 1-256 characters"
            if not (0 < units(f.get("value", "")) <= FIELD_VALUE_MAX):
                return "embed field value: 1-1024 characters"
        footer = (embed.get("footer") or {}).get("text") or ""
        author = (embed.get("author") or {}).get("name") or ""
        if units(footer) > FOOTER_MAX or units(author) > AUTHOR_MAX:
            return "embed footer or author: too long"
        parts = [embed.get("title") or "", embed.get("description") or "", footer, author]
        parts += [text for f in fields for text in (f.get("name", ""), f.get("value", ""))]
        total += sum(units(p) for p in parts)
    if total > EMBEDS_TOTAL_MAX:
        return "embeds: at most 6000 characters in all"
    return invalid_rows(body.get("components") or [])


def invalid_rows(rows: list[dict[str, Any]]) -> str | None:
    if len(rows) > ROWS_MAX:
        return "components: at most 5 action rows"
    seen: set[str] = set()
    for row in rows:
        buttons = row.get("components") or []
        if len(buttons) > BUTTONS_PER_ROW_MAX:
            return "action row: at most 5 buttons"
        for button in buttons:
            custom_id = button.get("custom_id")
            if units(button.get("label") or "") > BUTTON_LABEL_MAX:
                return "button label: at most 80 characters"
            if custom_id is not None and (units(custom_id) > CUSTOM_ID_MAX or custom_id in seen):
                return "custom_id: at most 100 characters, once per message"
            seen.add(custom_id)
    return None


def invalid_modal(data: dict[str, Any]) -> str | None:
    if not 1 <= units(data.get("title") or "") <= MODAL_TITLE_MAX:
        return "modal title: 1-45 characters"
    if units(data.get("custom_id") or "") > CUSTOM_ID_MAX:
        return "modal custom_id: at most 100 characters"
    components = data.get("components") or []
    if not 1 <= len(components) <= MODAL_COMPONENTS_MAX:
        return "modal components: 1-5"
    for label in components:
        if units(label.get("label") or "") > LABEL_MAX:
            return "label: at most 45 characters"
        if units(label.get("description") or "") > LABEL_DESCRIPTION_MAX:
            return "label description: at most 100 characters"
        inner = label.get("component") or {}
        if inner.get("type") == 4:
            if not 1 <= inner.get("max_length", TEXT_INPUT_MAX) <= TEXT_INPUT_MAX:
                return "text input max_length: 1-4000"
            if units(inner.get("value") or "") > inner.get("max_length", TEXT_INPUT_MAX):
                return "text input value: longer than its max_length"
            if units(inner.get("placeholder") or "") > PLACEHOLDER_MAX:
                return "text input placeholder: at most 100 characters"
    return None


class _Session:
    def __init__(
        self, session_id: str, shard_id: int, shard_count: int, socket: web.WebSocketResponse
    ) -> None:
        self.id = session_id
        self.shard_id = shard_id
        self.shard_count = shard_count
        self.socket: web.WebSocketResponse | None = socket
        self.ended = False
        self.seq = 0
        self.log: list[tuple[int, str, dict[str, Any]]] = []

    async def send(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        self.log.append((self.seq, event, data))
        if self.socket is not None and not self.socket.closed:
            await self.socket.send_json({"op": 0, "s": self.seq, "t": event, "d": data})


async def _read_body(request: web.Request) -> tuple[Any, list[tuple[str, bytes]]]:
    """JSON bodies, or multipart with payload_json and files[n] (messages with attachments)."""
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[tuple[str, bytes]] = []
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            else:
                files.append((part.filename or "", await part.read()))
        return payload, files
    raw = await request.read()
    return (json.loads(raw) if raw else None), []


def slash_data(
    fake: FakeDiscord,
    sub: str,
    options: dict[str, Any] | None = None,
    *,
    focused: str | None = None,
) -> dict[str, Any]:
    """The data of a /story <sub> chat input (or autocomplete, with `focused`)."""
    typed = []
    for name, value in (options or {}).items():
        kind = INTEGER if isinstance(value, int) else STRING
        option = {"name": name, "type": kind, "value": value}
        if name == focused:
            option["focused"] = True
        typed.append(option)
    data: dict[str, Any] = {
        "id": fake.command_id("story"),
        "name": "story",
        "type": 1,
        "options": [{"type": 1, "name": sub, "options": typed}],
    }
    if (guild := fake.synced_guild()) is not None:
        data["guild_id"] = guild
    strings = [o["value"] for o in typed if o["type"] == STRING]
    if focused is None and (resolved := fake.resolved(strings)):  # autocomplete: none
        data["resolved"] = resolved
    return data
