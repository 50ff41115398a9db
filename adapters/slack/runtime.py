"""Slack as `storybot run` starts it: Socket Mode when SLACK_APP_TOKEN is set, otherwise
POST /slack/events (signed requests only) on the process's HTTP server (adapters.http_server),
which also answers GET /healthz and GET /readyz."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from adapters.http_server import HttpServer
from adapters.slack.actors import ProfileCache
from adapters.slack.announcer import SlackAnnouncer
from adapters.slack.app import build_app, register
from adapters.slack.client import SLACK_ERRORS, error_code, web_client
from adapters.slack.events import SignedRequests
from adapters.slack.services import FORM_BUDGET_SECONDS
from bot.config import Settings
from bot.core import Core

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"
APP_TOKEN_TRIES = 3
APP_TOKEN_RETRY_SECONDS = 2.0
_TOKEN_REFUSED = {"invalid_auth", "not_authed", "account_inactive", "token_revoked"}


class SlackConfigError(RuntimeError):
    """Slack cannot start with these settings; the message says what to fix."""


class SlackRuntime:
    name = "slack"

    def __init__(
        self,
        settings: Settings,
        *,
        form_budget: float = FORM_BUDGET_SECONDS,
        http: HttpServer | None = None,
    ) -> None:
        """`http` is the process's shared server, not yet started; without one, HTTP mode
        starts and stops a server of its own (tests, the bench). The core comes later, by
        `bind`: the composition root builds the announcer and directory before the core."""
        if settings.slack.bot_token is None:
            raise SlackConfigError("SLACK_BOT_TOKEN is not set.")
        self.settings = settings
        self.form_budget = form_budget
        self.client = web_client(
            settings.slack.bot_token.get_secret_value(), settings.slack.api_url
        )
        self.profiles = ProfileCache(self.client)
        # One object posts and names people: the same client and profile cache serve both.
        self.announcer = SlackAnnouncer(self.client, self.profiles)
        self.directory = self.announcer
        self.socket_mode = settings.slack.app_token is not None
        secret = settings.slack.signing_secret
        self.app = build_app(
            self.client,
            secret.get_secret_value() if secret else None,
            socket_mode=self.socket_mode,
        )
        self.core: Core | None = None
        self.failure: str | None = None  # HTTP and Socket Mode never end by themselves
        self._signed = SignedRequests(secret.get_secret_value()) if secret else None
        self._own_http: HttpServer | None = None
        self.http: HttpServer | None = None
        if not self.socket_mode:
            if http is None:
                http = self._own_http = HttpServer.from_settings(settings)
            http.add_routes([web.post(EVENTS_PATH, self._events)])
            self.http = http
        self._started = False
        self._socket: AsyncSocketModeHandler | None = None
        self._closed = asyncio.Event()

    def bind(self, core: Core) -> None:
        self.core = core
        self.services = register(
            self.app, core, profiles=self.profiles, form_budget=self.form_budget
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
        await self._check_token()
        if self.socket_mode:
            assert self.settings.slack.app_token is not None
            app_token = self.settings.slack.app_token.get_secret_value()
            url = await self._open_socket_url(app_token)
            self._socket = AsyncSocketModeHandler(
                self.app, app_token=app_token, web_client=self.client
            )
            self._socket.client.wss_uri = url  # the SDK asks for one only when it has none
            await self._socket.connect_async()
            self._started = True
            log.info("slack connected", extra={"mode": "socket"})
            return
        if self._own_http is not None:
            await self._own_http.start()
        self._started = True
        log.info("slack listening", extra={"mode": "http", "port": self.port})

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
            await self.client.auth_test()
        except SlackApiError as failure:
            if error_code(failure) in _TOKEN_REFUSED:
                raise SlackConfigError(
                    f"Slack refused SLACK_BOT_TOKEN ({error_code(failure)}). "
                    "Copy the Bot User OAuth Token again from the app's OAuth & Permissions page."
                ) from None
            log.warning("auth.test failed", extra={"error": error_code(failure)})
        except SLACK_ERRORS as failure:
            log.warning("auth.test failed", extra={"error": error_code(failure)})

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
                    raise SlackConfigError(
                        f"Slack refused SLACK_APP_TOKEN ({code}). Create an app-level token "
                        "with connections:write on the app's Basic Information page."
                    ) from None
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


def _quiet_slack_libraries() -> None:
    """At DEBUG, slack_sdk and Bolt log request bodies (message text) and headers."""
    for name in ("slack_sdk", "slack_bolt", "adapters.slack.bolt"):
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() < logging.INFO:
            logger.setLevel(logging.INFO)
