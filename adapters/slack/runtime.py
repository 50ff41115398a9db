"""Slack as `storybot run` starts it: Socket Mode when SLACK_APP_TOKEN is set, otherwise
POST /slack/events (signed requests only) on the process's HTTP server (adapters.http_server),
which also answers GET /healthz and GET /readyz.

OAuth mode (SLACK_CLIENT_ID, SLACK_CLIENT_SECRET, SLACK_SIGNING_SECRET and no SLACK_BOT_TOKEN)
serves any number of workspaces over HTTP, each with its own token (adapters.slack.oauth)."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.http_server import HttpServer
from adapters.slack.actors import ProfileCache
from adapters.slack.announcer import SlackAnnouncer
from adapters.slack.app import build_app, register
from adapters.slack.client import SLACK_ERRORS, error_code, web_client
from adapters.slack.events import SignedRequests
from adapters.slack.installations import EncryptionKeyError, TokenCipher, stores
from adapters.slack.oauth import build_oauth_app, install_routes, register_lifecycle
from adapters.slack.services import FORM_BUDGET_SECONDS
from adapters.slack.workspaces import InstalledWorkspaces, OneWorkspace, WorkspaceClients
from bot.bootstrap import StartupRefused
from bot.config import Settings
from bot.core import Core

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
_TOKEN_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked"}


class SlackConfigError(StartupRefused):
    """Slack cannot start with these settings; the message says what to fix."""


class SlackRuntime:
    name = "slack"

    def __init__(
        self,
        settings: Settings,
        core: Core,
        *,
        form_budget: float = FORM_BUDGET_SECONDS,
        http: HttpServer | None = None,
        engine: AsyncEngine | None = None,
    ) -> None:
        """`http` is the process's shared server, not yet started; without one, HTTP mode
        starts and stops a server of its own (tests, the bench). `engine` is the process's
        database engine, where OAuth mode keeps installations (its own one when not given)."""
        self.oauth = settings.slack_oauth
        if settings.slack_bot_token is None and not self.oauth:
            raise SlackConfigError(
                "SLACK_BOT_TOKEN is not set (or set SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and "
                "SLACK_SIGNING_SECRET to serve many workspaces)."
            )
        self.settings = settings
        self.core = core
        secret = settings.slack_signing_secret
        self._own_engine: AsyncEngine | None = None
        self.workspaces: WorkspaceClients
        if self.oauth:
            assert settings.slack_client_id and settings.slack_client_secret and secret
            key = settings.slack_token_encryption_key
            try:
                cipher = TokenCipher.from_setting(key.get_secret_value() if key else None)
            except EncryptionKeyError as refused:
                raise SlackConfigError(str(refused)) from None
            if engine is None:
                from storage.engine import create_engine  # the runtime is a composition root

                engine = self._own_engine = create_engine(settings.database_url)
            self.installations, states = stores(engine, settings.slack_client_id, cipher)
            # No token: each request's copy gets its workspace's token from the authorizer.
            self.client = web_client(None, settings.slack_api_url)
            installed = InstalledWorkspaces(
                self.installations,
                settings.slack_api_url,
                rotator=AsyncTokenRotator(
                    client_id=settings.slack_client_id,
                    client_secret=settings.slack_client_secret.get_secret_value(),
                    client=self.client,
                ),
            )
            self.workspaces = installed
            self.socket_mode = False  # installs and their redirects need HTTP anyway
            self.app = build_oauth_app(
                self.client,
                secret.get_secret_value(),
                client_id=settings.slack_client_id,
                client_secret=settings.slack_client_secret.get_secret_value(),
                installations=self.installations,
                states=states,
            )
            register_lifecycle(self.app, self.installations, installed)
        else:
            assert settings.slack_bot_token is not None
            self.client = web_client(
                settings.slack_bot_token.get_secret_value(), settings.slack_api_url
            )
            self.workspaces = self._one = OneWorkspace(self.client)
            self.socket_mode = settings.slack_app_token is not None
            self.app = build_app(
                self.client,
                secret.get_secret_value() if secret else None,
                socket_mode=self.socket_mode,
            )
        self.profiles = ProfileCache(self.client)
        self.announcer = SlackAnnouncer(self.workspaces, self.profiles)
        self.services = register(self.app, core, profiles=self.profiles, form_budget=form_budget)
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
        self._closed = asyncio.Event()

    async def start(self) -> None:
        _quiet_slack_libraries()
        if not self.socket_mode and self.settings.slack_signing_secret is None:
            raise SlackConfigError(
                "SLACK_SIGNING_SECRET is needed to receive Slack's requests over HTTP "
                "(or set SLACK_APP_TOKEN to use Socket Mode)."
            )
        if not self.oauth:
            await self._check_token()
        if self.socket_mode:
            assert self.settings.slack_app_token is not None
            self._socket = AsyncSocketModeHandler(
                self.app,
                app_token=self.settings.slack_app_token.get_secret_value(),
                web_client=self.client,
            )
            await self._socket.connect_async()
            self._started = True
            log.info("slack connected", extra={"mode": "socket"})
            return
        if self._own_http is not None:
            await self._own_http.start()
        self._started = True
        extra: dict[str, object] = {"mode": "oauth" if self.oauth else "http", "port": self.port}
        if self.oauth:  # what the operator declared; any token with a refresh token rotates
            extra["token_rotation"] = self.settings.slack_token_rotation
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
        except SlackApiError as failure:
            if error_code(failure) in _TOKEN_REFUSED:
                raise SlackConfigError(
                    f"Slack refused SLACK_BOT_TOKEN ({error_code(failure)}). "
                    "Copy the Bot User OAuth Token again from the app's OAuth & Permissions page."
                ) from None
            log.warning("auth.test failed", extra={"error": error_code(failure)})
        except SLACK_ERRORS as failure:
            log.warning("auth.test failed", extra={"error": error_code(failure)})


def _quiet_slack_libraries() -> None:
    """At DEBUG, slack_sdk and Bolt log request bodies (message text) and headers."""
    for name in ("slack_sdk", "slack_bolt", "adapters.slack.bolt"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
