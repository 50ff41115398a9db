"""A local fake of the Slack Web API over loopback, for the real slack_sdk to talk to.

It records every call (method, arguments, headers), answers like Slack does, and can be
told to fail a method the next n times: with an error code, a 429 with Retry-After, or a
500. It also takes response_url posts, file uploads, and Socket Mode connections.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

TEAM = "T0ACME"
BOT_USER = "U0BOT"

JSON_ARGS = ("blocks", "view", "files", "attachments")


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when it arrived


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
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

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

    def response_url(self, name: str) -> str:
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

    def fail(self, method: str, error: str, *, times: int = 1) -> None:
        for _ in range(times):
            self._scripted[method].append(Scripted(200, {"ok": False, "error": error}))

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
        queue = self._scripted.get(method)
        if queue:
            scripted = queue.popleft()
            if scripted.delay:
                await asyncio.sleep(scripted.delay)
            return web.json_response(
                scripted.body, status=scripted.status, headers=scripted.headers
            )
        return web.json_response(await self._answer(method, args))

    async def _answer(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        n = next(self._counter)
        answers: dict[str, Callable[[], Awaitable[dict[str, Any]] | dict[str, Any]]] = {
            "auth.test": lambda: {
                "ok": True,
                "team": "Acme",
                "team_id": TEAM,
                "user": "storybot",
                "user_id": BOT_USER,
                "bot_id": "B0BOT",
            },
            "users.info": lambda: self._user(str(args.get("user"))),
            "users.list": lambda: {
                "ok": True,
                "members": list(self.users.values()),
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
                "url": f"ws://127.0.0.1:{self.port}/socket",
            },
        }
        if method.startswith("views."):
            view = dict(args.get("view") or {})
            return {"ok": True, "view": {**view, "id": args.get("view_id") or f"V{n:08d}"}}
        answer = answers.get(method)
        return answer() if answer else {"ok": True}  # type: ignore[return-value]

    def _user(self, user_id: str) -> dict[str, Any]:
        user = self.users.get(user_id)
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    async def _respond(self, request: web.Request) -> web.Response:
        self.responses.append(Call(request.match_info["name"], await request.json()))
        await self._notify()
        return web.Response(status=self.response_status, text="ok")

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads.append(await request.read())
        await self._notify()
        return web.Response(text="OK - uploaded")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json(
            {"type": "hello", "num_connections": 1, "connection_info": {"app_id": "A0APP"}}
        )
        self.socket_connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                self.socket_messages.append(json.loads(message.data))
                await self._notify()
        return ws
