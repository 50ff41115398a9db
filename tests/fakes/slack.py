"""A local fake of the Slack Web API over loopback, for the real slack_sdk to talk to.

It records every call (method, arguments, headers), answers like Slack does, and can be
told to fail a method the next n times: with an error code, a 429 with Retry-After, or a
500. It also takes response_url posts, file uploads, and Socket Mode connections.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes import slack_blockkit as contract

TEAM = "T0ACME"
BOT_USER = "U0BOT"

# Documented by Slack: a trigger id works for 3 seconds; a response_url takes up to 5 posts
# within 30 minutes (docs/SLACK.md lists the sources).
TRIGGER_SECONDS = 3.0
RESPONSE_URL_USES = 5
RESPONSE_URL_SECONDS = 30 * 60
VIEW_OPENERS = ("views.open", "views.push")
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "fake-client-secret"
BOT_SCOPES = "commands,chat:write,users:read,im:write,files:write"


@dataclass
class Workspace:
    """A workspace the app is installed in: its current bot token and refresh token."""

    team_id: str
    name: str
    token: str
    refresh_token: str | None = None
    expires_at: float | None = None  # monotonic; None: the token does not expire
    old_tokens: set[str] = field(default_factory=set)  # rotated away, refused from then on
    channels: set[str] = field(default_factory=set)
    # An org-wide install on Enterprise Grid (team_id is then the org's id): one token acts
    # in every one of these workspaces.
    org_teams: set[str] = field(default_factory=set)
    enterprise_id: str | None = None  # the org of a workspace installed on its own


JSON_ARGS = ("blocks", "view", "files", "attachments")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it arrived
    answer: dict[str, Any] = field(default_factory=dict)  # what the fake answered


@dataclass
class Scripted:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering, to outlast the client's timeout


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.responses: list[Call] = []  # posts to response_url
        self.uploads: list[bytes] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.socket_messages: list[dict[str, Any]] = []
        self.socket_connected = asyncio.Event()
        self.response_status = 200
        # channel -> error code: chat.postMessage there fails until the entry is removed
        self.refused_channels: dict[str, str] = {}
        self._scripted: dict[str, deque[Scripted]] = defaultdict(deque)
        self._counter = itertools.count(1)
        self._changed = asyncio.Condition()
        self._sockets: list[web.WebSocketResponse] = []
        # Socket Mode: the app-level token each ticket (and so each connection) was opened with.
        self._tickets: dict[str, str] = {}
        self._socket_tokens: dict[web.WebSocketResponse, str] = {}
        # Tokens revoked (an admin, or "Revoke" on the app's page): Slack refuses every call.
        self.revoked: set[str] = set()
        self.connections = 0  # Socket Mode connections opened so far
        self._runner: web.AppRunner | None = None
        self.port = 0
        # response_url name -> when it was issued; posts to it so far
        # OAuth: codes waiting to be exchanged, and the workspaces installed so far. A token
        # not issued here (the one-workspace mode's SLACK_BOT_TOKEN) acts in TEAM.
        self.codes: dict[str, str] = {}  # code -> team id
        self.workspaces: dict[str, Workspace] = {}
        self.rotation_seconds: float | None = None  # tokens expire when set
        self.in_flight = 0
        self.in_flight_peak = 0  # most Web API calls open at once
        self.peers: list[tuple[str, int]] = []  # the client's address of every HTTP request
        self._issued: dict[str, float] = {}
        self._posts: dict[str, int] = defaultdict(int)

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(middlewares=[self._note_peer])
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        # A deliberately slow answer (`slow`) must not hold the test's teardown: aiohttp
        # waits up to shutdown_timeout (60 s by default) for handlers still running.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    @web.middleware
    async def _note_peer(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Which connection each request came over: one address per TCP connection."""
        peer = request.transport.get_extra_info("peername") if request.transport else None
        if peer:
            self.peers.append((str(peer[0]), int(peer[1])))
        return await handler(request)

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str, *, age: float = 0.0) -> str:
        """A response_url as a request would carry it, issued `age` seconds ago."""
        self._issued.setdefault(name, time.monotonic() - age)
        return f"{self.url}/respond/{name}"

    # --- scripting -------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        locale: str = "en-US",
        admin: bool = False,
        owner: bool = False,
        team: str = TEAM,  # another team: a Slack Connect user from another organisation
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": team,
            "name": name.casefold(),
            "real_name": name,
            "locale": locale,
            "is_admin": admin,
            "is_owner": owner,
            "is_bot": False,
            "deleted": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def install_code(
        self,
        team_id: str,
        name: str = "",
        channels: tuple[str, ...] = (),
        *,
        enterprise: str | None = None,
    ) -> str:
        """A code Slack would hand to the redirect URL after "Allow" in `team_id` (a
        workspace of the Enterprise Grid org `enterprise`, installed on its own, if given)."""
        code = f"code-{team_id}-{next(self._counter)}"
        self.codes[code] = team_id
        workspace = self.workspaces.setdefault(
            team_id, Workspace(team_id, name or team_id, token="")
        )
        workspace.channels.update(channels)
        workspace.enterprise_id = enterprise
        return code

    def install_org_code(self, enterprise_id: str, teams: dict[str, tuple[str, ...]]) -> str:
        """A code for an org-wide install (Enterprise Grid, `org_deploy_enabled`): the token
        it grants acts in each of `teams` (workspace id -> its channels)."""
        code = f"code-{enterprise_id}-{next(self._counter)}"
        self.codes[code] = enterprise_id
        org = self.workspaces.setdefault(enterprise_id, Workspace(enterprise_id, "Org", token=""))
        org.org_teams.update(teams)
        for team, channels in teams.items():
            self.workspaces.setdefault(team, Workspace(team, team, token="")).channels.update(
                channels
            )
        return code

    def uninstall(self, team_id: str) -> None:
        """The app was removed: every token of the workspace stops working."""
        workspace = self.workspaces[team_id]
        workspace.old_tokens.add(workspace.token)
        workspace.token = ""

    def team_of(self, token: str) -> str | None:
        """The workspace a token acts in, TEAM for a token not issued through OAuth, None
        for a token that no longer works (rotated away, expired, uninstalled)."""
        for workspace in self.workspaces.values():
            if token and token == workspace.token:
                expired = (
                    workspace.expires_at is not None and time.monotonic() > workspace.expires_at
                )
                return None if expired else workspace.team_id
            if token in workspace.old_tokens:
                return None
        return TEAM

    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        for _ in range(times):
            self._scripted[method].append(Scripted(200, {"ok": False, "error": error}))

    async def revoke(self, token: str) -> None:
        """Revoke `token` as Slack does: every call made with it is refused `token_revoked`,
        and the Socket Mode connections an app-level token opened are closed."""
        self.revoked.add(token)
        for ws, opened_with in list(self._socket_tokens.items()):
            if opened_with == token:
                await ws.close()

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection, as Slack does now and then (a client opens a
        new one with apps.connections.open)."""
        for ws in list(self._sockets):
            await ws.close()

    def rate_limit(self, method: str, *, retry_after: int = 0, times: int = 1) -> None:
        for _ in range(times):
            self._scripted[method].append(
                Scripted(
                    429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(retry_after)}
                )
            )

    def server_error(self, method: str, *, times: int = 1) -> None:
        for _ in range(times):
            self._scripted[method].append(Scripted(500, {"ok": False, "error": "fatal_error"}))

    def slow(self, method: str, *, seconds: float, times: int = 1) -> None:
        """Answer (successfully, but too late) after `seconds`: a Slack that hangs."""
        for _ in range(times):
            self._scripted[method].append(Scripted(200, {"ok": True}, delay=seconds))

    # --- reading ---------------------------------------------------------------------

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, method: str, count: int = 1, within: float = 5.0) -> list[Call]:
        await self._wait(lambda: len(self.called(method)) >= count, within, method)
        return self.called(method)

    async def wait_until(self, ready: Callable[[], bool], within: float = 5.0) -> None:
        await self._wait(ready, within, "a condition")

    async def wait_for_form(self, nth: int = 1, within: float = 5.0) -> Call:
        """The call that showed the `nth` modal opened: views.open itself, or, when that
        opened a placeholder, the views.update that replaced it."""
        opened = (await self.wait_for("views.open", nth, within=within))[nth - 1]
        if not _is_placeholder(opened.args.get("view") or {}):
            return opened
        view_id = opened.answer.get("view", {}).get("id")

        def replaced() -> bool:
            return any(c.args.get("view_id") == view_id for c in self.called("views.update"))

        await self._wait(replaced, within, "views.update of the placeholder")
        return next(c for c in self.called("views.update") if c.args.get("view_id") == view_id)

    async def wait_for_responses(self, count: int = 1, within: float = 5.0) -> list[Call]:
        await self._wait(lambda: len(self.responses) >= count, within, "response_url")
        return self.responses

    async def wait_for_response(self, name: str, within: float = 5.0) -> Call:
        """The post to `response_url(name)`, once it arrived."""
        await self._wait(lambda: any(r.method == name for r in self.responses), within, name)
        return next(r for r in self.responses if r.method == name)

    async def wait_for_socket_messages(self, count: int = 1, within: float = 5.0) -> list[Any]:
        await self._wait(lambda: len(self.socket_messages) >= count, within, "socket message")
        return self.socket_messages

    async def _wait(self, ready: Callable[[], bool], within: float, what: str) -> None:
        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(ready)

        try:
            await asyncio.wait_for(until(), within)
        except TimeoutError:
            seen = [c.method for c in self.calls]
            raise AssertionError(f"timed out waiting for {what}; calls so far: {seen}") from None

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def socket_send(self, message: dict[str, Any]) -> None:
        await self.socket_connected.wait()
        await self._sockets[-1].send_json(message)

    # --- handlers --------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        self.in_flight += 1
        self.in_flight_peak = max(self.in_flight_peak, self.in_flight)
        try:
            return await self._api_call(request)
        finally:
            self.in_flight -= 1

    async def _api_call(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(await request.post())
        for key in JSON_ARGS:
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        self.calls.append(Call(method, args, dict(request.headers)))
        await self._notify()
        refused = self.refused_channels.get(str(args.get("channel")))
        if method == "chat.postMessage" and refused:
            return web.json_response({"ok": False, "error": refused})
        if method == "oauth.v2.access":
            return web.json_response(self._oauth_access(request, args))
        token = _bearer(request.headers)
        if token in self.revoked:
            return web.json_response({"ok": False, "error": "token_revoked"})
        if method == "apps.connections.open" and not (token or "").startswith("xapp-"):
            # Only an app-level token opens a Socket Mode connection.
            return web.json_response({"ok": False, "error": "not_allowed_token_type"})
        team = self.team_of(token) if token else TEAM
        if team is None:
            return web.json_response({"ok": False, "error": "invalid_auth"})
        if self._elsewhere(team, args.get("channel")):
            # A token sees only its own workspace's channels.
            return web.json_response({"ok": False, "error": "channel_not_found"})
        broken = contract.refusal(method, args) or _trigger_refusal(method, args)
        if broken:
            code, _, why = broken.partition(": ")
            return web.json_response({"ok": False, "error": code, "errors": [why]})
        queue = self._scripted.get(method)
        if queue:
            scripted = queue.popleft()
            if scripted.delay:
                await asyncio.sleep(scripted.delay)
            return web.json_response(
                scripted.body, status=scripted.status, headers=scripted.headers
            )
        if method == "apps.connections.open":
            assert token is not None
            self._tickets[str(len(self._tickets) + 1)] = token
        answer = await self._answer(method, args, team)
        self.calls[-1].answer = answer
        return web.json_response(answer)

    async def _answer(self, method: str, args: dict[str, Any], team: str) -> dict[str, Any]:
        n = next(self._counter)
        answers: dict[str, Callable[[], Awaitable[dict[str, Any]] | dict[str, Any]]] = {
            "auth.test": lambda: {
                "ok": True,
                # The token's workspace by name, as Slack answers.
                "team": self.workspaces[team].name if team in self.workspaces else "Acme",
                "team_id": team,
                "user": "storybot",
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
                **self._org_of(team),
            },
            "auth.teams.list": lambda: {
                "ok": True,
                "teams": [{"id": t, "name": t} for t in sorted(self._reach(team))],
                "response_metadata": {"next_cursor": ""},
            },
            "users.info": lambda: self._user(str(args.get("user"))),
            "users.list": lambda: {
                "ok": True,
                # A workspace's own members (an org token: its workspaces' members).
                "members": [u for u in self.users.values() if u["team_id"] in self._reach(team)],
                "response_metadata": {"next_cursor": ""},
            },
            "chat.postMessage": lambda: {
                "ok": True,
                "channel": args.get("channel"),
                "ts": f"{1700000000 + n}.000100",
            },
            "chat.postEphemeral": lambda: {"ok": True, "message_ts": f"{1700000000 + n}.000200"},
            "chat.getPermalink": lambda: {
                "ok": True,
                "channel": args.get("channel"),
                "permalink": f"https://acme.slack.com/archives/{args.get('channel')}/p"
                + str(args.get("message_ts", "")).replace(".", ""),
            },
            "conversations.open": lambda: {"ok": True, "channel": {"id": f"D{args.get('users')}"}},
            "files.getUploadURLExternal": lambda: {
                "ok": True,
                "upload_url": f"{self.url}/upload/F{n}",
                "file_id": f"F{n}",
            },
            "files.completeUploadExternal": lambda: {
                "ok": True,
                "files": [{"id": f["id"], "title": f.get("title")} for f in args.get("files", [])],
            },
            "apps.connections.open": lambda: {
                "ok": True,
                "url": f"ws://127.0.0.1:{self.port}/socket?ticket={len(self._tickets)}&app_id=A0APP",
            },
        }
        if method.startswith("views."):
            view = dict(args.get("view") or {})
            return {"ok": True, "view": {**view, "id": args.get("view_id") or f"V{n:08d}"}}
        answer = answers.get(method)
        return answer() if answer else {"ok": True}  # type: ignore[return-value]

    def _oauth_access(self, request: web.Request, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a code for the first tokens, or a refresh token for new ones."""
        if (args.get("client_id"), args.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
            basic = request.headers.get("Authorization", "")
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if basic != f"Basic {expected}":
                return {"ok": False, "error": "invalid_client_id"}
        if args.get("grant_type") == "refresh_token":
            workspace = next(
                (
                    w
                    for w in self.workspaces.values()
                    if w.refresh_token == args.get("refresh_token")
                ),
                None,
            )
            if workspace is None:
                return {"ok": False, "error": "invalid_refresh_token"}
        else:
            team = self.codes.pop(str(args.get("code")), None)
            if team is None:
                return {"ok": False, "error": "invalid_code"}
            workspace = self.workspaces[team]
        n = next(self._counter)
        if workspace.token:
            workspace.old_tokens.add(workspace.token)
        rotating = self.rotation_seconds is not None
        workspace.token = (
            f"xoxe.xoxb-{workspace.team_id}-{n}" if rotating else f"xoxb-{workspace.team_id}-{n}"
        )
        org_wide = bool(workspace.org_teams)
        enterprise = workspace.team_id if org_wide else workspace.enterprise_id
        answer: dict[str, Any] = {
            "ok": True,
            "app_id": "A0APP",
            "authed_user": {"id": "U0INSTALLER"},
            "scope": BOT_SCOPES,
            "token_type": "bot",
            "access_token": workspace.token,
            "bot_user_id": BOT_USER,
            # Org-wide: no team, the org instead ("Organization-wide app reference").
            "team": None if org_wide else {"id": workspace.team_id, "name": workspace.name},
            "enterprise": {"id": enterprise, "name": "Org"} if enterprise else None,
            "is_enterprise_install": org_wide,
        }
        if rotating:
            assert self.rotation_seconds is not None
            workspace.refresh_token = f"xoxe-1-{workspace.team_id}-{n}"
            workspace.expires_at = time.monotonic() + self.rotation_seconds
            answer |= {
                "refresh_token": workspace.refresh_token,
                "expires_in": int(self.rotation_seconds),
            }
        return answer

    def _elsewhere(self, team: str, channel: object) -> bool:
        if not isinstance(channel, str):
            return False
        owners = {w.team_id for w in self.workspaces.values() if channel in w.channels}
        return bool(owners) and not owners & self._reach(team)

    def _reach(self, team: str) -> set[str]:
        """The workspaces a token of `team` acts in: its own, or an org's workspaces."""
        workspace = self.workspaces.get(team)
        return set(workspace.org_teams) if workspace and workspace.org_teams else {team}

    def _org_of(self, team: str) -> dict[str, Any]:
        """auth.test of an org-wide token names the org and says it is an org install."""
        workspace = self.workspaces.get(team)
        if workspace is None or not workspace.org_teams:
            return {}
        return {"enterprise_id": team, "is_enterprise_install": True}

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    async def _respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        issued = self._issued.setdefault(name, time.monotonic())
        self._posts[name] += 1
        if (
            self._posts[name] > RESPONSE_URL_USES
            or time.monotonic() - issued > RESPONSE_URL_SECONDS
        ):
            return web.Response(status=404, text="expired_url")
        broken = contract.refusal("response_url", body)
        if broken:
            return web.Response(status=400, text=broken.partition(":")[0])
        self.responses.append(Call(name, body))
        await self._notify()
        return web.Response(status=self.response_status, text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        await self._notify()
        return web.Response(text="OK - uploaded")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        opened_with = self._tickets.get(request.query.get("ticket", ""))
        if opened_with is None or opened_with in self.revoked:
            raise web.HTTPUnauthorized()  # no ticket from apps.connections.open
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self._socket_tokens[ws] = opened_with
        self.connections += 1
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        )
        self.socket_connected.set()
        await self._notify()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_messages.append(json.loads(message.data))
                await self._notify()
        return ws


def _trigger_refusal(method: str, args: dict[str, Any]) -> str | None:
    """Slack's refusal of a trigger id that is malformed or older than 3 seconds."""
    if method not in VIEW_OPENERS:
        return None
    parts = str(args.get("trigger_id") or "").split(".")
    if len(parts) != 3 or not parts[1].isdigit():
        return "invalid_trigger_id: not a trigger id"
    age = time.time() - int(parts[1]) / 1000
    return f"expired_trigger_id: {age:.1f} s old" if age > TRIGGER_SECONDS else None


def _is_placeholder(view: dict[str, Any]) -> bool:
    return not view.get("callback_id") and any(
        (b.get("text") or {}).get("text") == "⏳" for b in view.get("blocks", [])
    )


def _bearer(headers: Any) -> str | None:
    value = headers.get("Authorization", "")
    return value.removeprefix("Bearer ").strip() if value.startswith("Bearer ") else None
