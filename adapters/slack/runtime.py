"""Slack as `storybot run` starts it: Socket Mode when SLACK_APP_TOKEN is set, otherwise
POST /slack/events (signed requests only) on the process's HTTP server (adapters.http_server),
which also answers GET /healthz and GET /readyz.

OAuth mode (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET and no SLACK_BOT_TOKEN)
serves any number of workspaces over HTTP, each with its own token (adapters.slack.oauth)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.http_server import HttpServer
from adapters.slack.actors import ProfileCache
from adapters.slack.announcer import SlackAnnouncer
from adapters.slack.app import build_app, register
from adapters.slack.client import SLACK_ERRORS, error_code, shared_session, web_client
from adapters.slack.events import SignedRequests
from adapters.slack.installations import EncryptionKeyError, TokenCipher, stores
from adapters.slack.oauth import build_oauth_app, install_routes, register_lifecycle
from adapters.slack.services import FORM_BUDGET_SECONDS
from adapters.slack.workspaces import InstalledWorkspaces, OneWorkspace, WorkspaceClients
from bot.config import Settings
from bot.core import Core

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
APP_TOKEN_TRIES = 3
APP_TOKEN_RETRY_SECONDS = 2.0
_TOKEN_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked"}


class SlackConfigError(RuntimeError):
    """Slack cannot start with these settings; the message says what to fix."""


class SlackSettingError(SlackConfigError):
    """A setting is unusable as given (exit code 2, like any bad setting)."""


class SlackRuntime:
    name = "slack"

    def __init__(
        self,
        settings: Settings,
        *,
        form_budget: float = FORM_BUDGET_SECONDS,
        http: HttpServer | None = None,
        engine: AsyncEngine | None = None,
    ) -> None:
        """`http` is the process's shared server, not yet started; without one, HTTP mode
        starts and stops a server of its own (tests, the bench). `engine` is the process's
        database engine, where OAuth mode keeps installations (its own one when not given).
        The core comes later, by `bind`: the composition root builds the announcer and
        directory before the core."""
        slack = settings.slack
        self.oauth = slack.oauth
        if slack.bot_token is None and not self.oauth:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                "SLACK_SIGNING_SECRET to serve many workspaces)."
            )
        self.settings = settings
        self.form_budget = form_budget
        self.core: Core | None = None
        self.failure: str | None = None  # HTTP and Socket Mode never end by themselves
        secret = slack.signing_secret
        self._own_engine: AsyncEngine | None = None
        self.workspaces: WorkspaceClients
        if self.oauth:
            assert slack.client_id and slack.client_secret and secret
            key = slack.token_encryption_key
            try:
                cipher = TokenCipher.from_setting(key.get_secret_value() if key else None)
            except EncryptionKeyError as refused:
                raise SlackSettingError(str(refused)) from None
            if engine is None:
                from storage.engine import create_engine  # tests and the bench pass none

                engine = self._own_engine = create_engine(settings.database.url)
            self.installations, states = stores(engine, slack.client_id, cipher)
            # No token: each request's copy gets its workspace's token from the authorizer.
            self.client = web_client(None, slack.api_url)
            installed = InstalledWorkspaces(
                self.installations,
                slack.api_url,
                rotator=AsyncTokenRotator(
                    client_id=slack.client_id,
                    client_secret=slack.client_secret.get_secret_value(),
                    client=self.client,
                ),
            )
            self.workspaces = installed
            self.socket_mode = False  # installs and their redirects need HTTP anyway
            self.app = build_oauth_app(
                self.client,
                secret.get_secret_value(),
                client_id=slack.client_id,
                client_secret=slack.client_secret.get_secret_value(),
                installations=self.installations,
                states=states,
            )
            register_lifecycle(self.app, self.installations, installed)
        else:
            assert slack.bot_token is not None
            self.client = web_client(slack.bot_token.get_secret_value(), slack.api_url)
            self.workspaces = self._one = OneWorkspace(self.client)
            self.socket_mode = slack.app_token is not None
            self.app = build_app(
                self.client,
                secret.get_secret_value() if secret else None,
                socket_mode=self.socket_mode,
            )
            self._watch_for_revocation()
        self.profiles = ProfileCache(self.client)
        # One-token mode: the workspace's name from the auth.test at start (Bolt's own cached
        # auth.test answer leaves it out there); OAuth mode's authorizer carries it instead.
        self.team_names: dict[str, str] = {}
        # One object posts and names people: the same clients and profile cache serve both.
        self.announcer = SlackAnnouncer(self.workspaces, self.profiles)
        self.directory = self.announcer
        self._signed = SignedRequests(secret.get_secret_value()) if secret else None
        self._own_http: HttpServer | None = None
        self.http: HttpServer | None = None
        if not self.socket_mode:
            if http is None:
                http = self._own_http = HttpServer.from_settings(settings)
            http.add_routes([web.post(EVENTS_PATH, self._events)])
            if self.oauth:
                http.add_routes(install_routes(self.app))
            self.http = http
        self._started = False
        self._socket: AsyncSocketModeHandler | None = None
        self._session: aiohttp.ClientSession | None = None
        self._closed = asyncio.Event()

    def bind(self, core: Core) -> None:
        self.core = core
        self.services = register(
            self.app,
            core,
            profiles=self.profiles,
            form_budget=self.form_budget,
            team_names=self.team_names,
        )

    async def housekeeping(self) -> None:
        """Slack keeps nothing that expires here."""

    async def start(self) -> None:
        _quiet_slack_libraries()
        if not self.socket_mode and self.settings.slack.signing_secret is None:
            raise SlackConfigError(
                "SLACK_SIGNING_SECRET is needed to receive Slack's requests over HTTP "
                "(or set SLACK_APP_TOKEN to use Socket Mode)."
            )
        self._share_connections()
        try:
            await self._start()
        except BaseException:
            await self._close_connections()
            raise

    def _share_connections(self) -> None:
        """Every client of this runtime (and the copy Bolt makes of it for each request, which
        keeps its session) calls Slack over one pool of kept-alive connections. Made here, not
        in __init__: an aiohttp session belongs to the running event loop."""
        self._session = shared_session()
        self.client.session = self._session
        if isinstance(self.workspaces, InstalledWorkspaces):
            self.workspaces.session = self._session

    async def _close_connections(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            with contextlib.suppress(Exception):
                await session.close()

    async def _start(self) -> None:
        if not self.oauth:
            await self._check_token()
        if self.socket_mode:
            assert self.settings.slack.app_token is not None
            app_token = self.settings.slack.app_token.get_secret_value()
            url = await self._open_socket_url(app_token)
            self._socket = AsyncSocketModeHandler(
                self.app, app_token=app_token, web_client=self.client
            )
            client = self._socket.client
            client.wss_uri = url  # the SDK asks for one only when it has none
            # On every reconnect the SDK asks apps.connections.open again, and retries a
            # refusal for ever; a refused (revoked) app token ends the runtime instead.
            client.issue_new_wss_url = self._guarded_reissue(client.issue_new_wss_url)
            await self._socket.connect_async()
            self._started = True
            log.info("slack connected", extra={"mode": "socket"})
            return
        if self._own_http is not None:
            await self._own_http.start()
        self._started = True
        extra: dict[str, object] = {"mode": "oauth" if self.oauth else "http", "port": self.port}
        if self.oauth:  # what the operator declared; any token with a refresh token rotates
            extra["token_rotation"] = self.settings.slack.token_rotation
        log.info("slack listening", extra=extra)

    @property
    def ready(self) -> bool:
        """Socket Mode: the WebSocket is open. HTTP mode: started (Slack calls us)."""
        if not self._started or self._closed.is_set():
            return False
        if self._socket is None:
            return True
        session = getattr(self._socket.client, "current_session", None)
        return session is not None and not session.closed

    @property
    def port(self) -> int | None:
        """The port the HTTP server is bound to (useful when asked for port 0)."""
        return None if self.http is None else self.http.port

    async def wait_closed(self) -> None:
        await self._closed.wait()

    async def stop(self) -> None:
        try:
            if self._socket is not None:
                await self._socket.close_async()
            if self._own_http is not None:
                await self._own_http.stop()
            if self._own_engine is not None:
                await self._own_engine.dispose()
        finally:
            # A delivery still running after this makes a session of its own (slack_sdk does
            # so for a closed one), so nothing is cut short.
            await self._close_connections()
            self._socket = None
            self._started = False
            self._closed.set()

    async def _events(self, request: web.Request) -> web.Response:
        assert self._signed is not None  # start() refuses HTTP mode without a signing secret
        return await self._signed.dispatch(request, self.app)

    async def _check_token(self) -> None:
        """Refuse to start on a token Slack rejects; carry on if Slack is only unreachable."""
        try:
            answer = await self.client.auth_test()
            self._one.team_id = answer.get("team_id") or None
            if self._one.team_id and answer.get("team"):
                self.team_names[self._one.team_id] = str(answer["team"])
        except SlackApiError as failure:
            if error_code(failure) in _TOKEN_REFUSED:
                raise SlackConfigError(
                    f"Slack refused SLACK_BOT_TOKEN ({error_code(failure)}). "
                    "Copy the Bot User OAuth Token again from the app's OAuth & Permissions page."
                ) from None
            log.warning("auth.test failed", extra={"error": error_code(failure)})
        except SLACK_ERRORS as failure:
            log.warning("auth.test failed", extra={"error": error_code(failure)})

    def _end(self, failure: str) -> None:
        """End the runtime for good, saying why: wait_closed returns, `storybot run` exits 1."""
        if not self._closed.is_set():
            self.failure = failure
            log.error(failure)
            self._closed.set()

    def _watch_for_revocation(self) -> None:
        """One token: an uninstall, or the bot token revoked, is told by event, and every call
        with that token fails from then on. End instead of answering no one; a reinstall
        issues a new token, which has to be set (OAuth mode deletes that workspace's tokens
        instead, see oauth.py)."""

        @self.app.event("app_uninstalled")
        async def uninstalled() -> None:
            self._end(_bot_token_gone("the app was uninstalled from the workspace"))

        @self.app.event("tokens_revoked")
        async def revoked(event: dict[str, Any]) -> None:
            if (event.get("tokens") or {}).get("bot"):  # user tokens only: the bot stays
                self._end(_bot_token_gone("the workspace revoked it"))

    def _guarded_reissue(self, issue: Callable[[], Awaitable[str]]) -> Callable[[], Awaitable[str]]:
        async def reissue() -> str:
            try:
                return await issue()
            except SlackApiError as failure:
                code = error_code(failure)
                if code in _TOKEN_REFUSED:
                    self._end(_app_token_refused(code))
                raise

        return reissue

    async def _open_socket_url(self, app_token: str) -> str:
        """Socket Mode's own client retries a refused app token forever, every 10 s; ask
        apps.connections.open first, a bounded number of times, and give up on a refusal."""
        for attempt in range(1, APP_TOKEN_TRIES + 1):
            try:
                opened = await self.client.apps_connections_open(app_token=app_token)
                return str(opened["url"])
            except SlackApiError as failure:
                code = error_code(failure)
                if code in _TOKEN_REFUSED:
                    raise SlackConfigError(_app_token_refused(code)) from None
                if attempt == APP_TOKEN_TRIES:
                    raise SlackConfigError(
                        f"Slack did not open a Socket Mode connection ({code}) "
                        f"after {attempt} tries."
                    ) from None
            except SLACK_ERRORS as failure:
                if attempt == APP_TOKEN_TRIES:
                    raise SlackConfigError(
                        f"Could not reach Slack to open a Socket Mode connection "
                        f"({error_code(failure)}) after {attempt} tries."
                    ) from None
            log.warning("apps.connections.open failed", extra={"attempt": attempt})
            await asyncio.sleep(APP_TOKEN_RETRY_SECONDS * attempt)
        raise AssertionError("unreachable")


def _bot_token_gone(why: str) -> str:
    return (
        f"Slack no longer accepts SLACK_BOT_TOKEN: {why}. Reinstall the app and set the new "
        "Bot User OAuth Token."
    )


def _app_token_refused(code: str) -> str:
    return (
        f"Slack refused SLACK_APP_TOKEN ({code}). Create an app-level token with "
        "connections:write on the app's Basic Information page."
    )


def _quiet_slack_libraries() -> None:
    """At DEBUG, slack_sdk and Bolt log request bodies (message text) and headers."""
    for name in ("slack_sdk", "slack_bolt", "adapters.slack.bolt"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
