"""The Slack Web API client every part of the adapter shares, the pool of connections its
calls and the response_url posts go over, and small helpers around them."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient, WebhookResponse

# What a failed Slack call can raise: an API answer, a transport problem, or a timeout.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)

_ENTITY = re.compile(r"&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}


class CappedRateLimitRetryHandler(AsyncRateLimitErrorRetryHandler):
    """Waits as long as Retry-After asks, unless that is longer than `max_wait`: a user
    waiting for an answer, or a weekly job that retries anyway, is better told at once."""

    def __init__(self, max_retry_count: int = 1, max_wait: float = 10.0) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.max_wait = max_wait

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        return retry_after(response) <= self.max_wait


# Calls that change nothing at Slack. Only these are resent after a 5xx or a dropped
# connection: a post that Slack may have taken before failing must not appear twice (the
# announcement claims retry posts themselves, once they know it did not go out).
READS = frozenset({"users.info", "users.list", "chat.getPermalink", "auth.test", "auth.teams.list"})


def is_read(request: HttpRequest) -> bool:
    return request.url.rstrip("/").rsplit("/", 1)[-1] in READS


class _ReadsOnly(AsyncRetryHandler):
    """Retries what the next handler in the bases would, but only for reads."""

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return is_read(request) and await super()._can_retry_async(
            state=state, request=request, response=response, error=error
        )


class ReadsOnlyServerErrorRetryHandler(_ReadsOnly, AsyncServerErrorRetryHandler):
    """Slack's 500 or 503, retried once, for reads only."""


class ReadsOnlyConnectionErrorRetryHandler(_ReadsOnly, AsyncConnectionErrorRetryHandler):
    """A dropped connection, retried for reads only: a post may already have arrived."""


def retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                return 1.0
    return 1.0


API_TIMEOUT = 10  # seconds for one Web API call
RESPONSE_URL_TIMEOUT = 30  # seconds for one response_url post, as Bolt's respond() gives it
# An idle pooled connection is closed after this (aiohttp's default, stated): shorter than
# servers commonly keep one, so a post (never resent after a lost connection) is unlikely to
# go out on a connection the other end is closing.
IDLE_SECONDS = 15.0


def web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = API_TIMEOUT,
    team_id: str | None = None,
    connections: SlackConnections | None = None,
) -> AsyncWebClient:
    """A client that retries what is safe to retry: 429 per Retry-After (Slack did nothing),
    and, for reads only, a lost connection and Slack's 500/503 once. `team_id` goes with
    every call: an org-wide token (Enterprise Grid) must say which workspace it acts in.
    `connections`: its calls reuse that pool's connections while it is open."""
    handlers: list[AsyncRetryHandler] = [
        ReadsOnlyConnectionErrorRetryHandler(),
        CappedRateLimitRetryHandler(),
        ReadsOnlyServerErrorRetryHandler(),
    ]
    base = base_url if base_url.endswith("/") else base_url + "/"
    client = AsyncWebClient(
        token=token, base_url=base, timeout=timeout, retry_handlers=handlers, team_id=team_id
    )
    if connections is not None and timeout == connections.api_timeout:
        client.session = connections.api  # None while the pool is closed: a session per call
    return client


class SlackConnections:
    """One pool of keep-alive connections for every call this process makes to Slack: Web API
    calls and response_url posts. Without it, slack_sdk opens a new aiohttp session, connector
    and connection (at slack.com a TCP and TLS handshake) for each call, and Bolt's respond()
    does the same for each response_url post: a burst of 500 commands paid that 1,000 times.

    Opened in the running loop (the runtime's start) and closed by its stop. A client whose
    session is not open yet or closed already falls back to slack_sdk's session per call
    (slack_sdk checks `session.closed` on every call), so nothing breaks either side of it.
    Two sessions share the one connector so that each kind of call keeps its own timeout."""

    def __init__(
        self,
        *,
        api_timeout: int = API_TIMEOUT,
        response_timeout: int = RESPONSE_URL_TIMEOUT,
        limit: int = 100,
    ) -> None:
        self.api_timeout = api_timeout
        self.response_timeout = response_timeout
        self.limit = limit  # connections open at once; more calls wait for one
        self.api: aiohttp.ClientSession | None = None
        self.hooks: aiohttp.ClientSession | None = None
        self._connector: aiohttp.TCPConnector | None = None
        self._clients: list[AsyncWebClient] = []

    def share_with(self, client: AsyncWebClient) -> AsyncWebClient:
        """`client`, long-lived and made before the pool opened (the app's own), uses the pool
        while it is open. Short-lived clients take it when made (`web_client`)."""
        self._clients.append(client)
        if self.api is not None:
            client.session = self.api
        return client

    def open(self) -> None:
        """Only inside the running loop, which the sessions belong to."""
        if self._connector is not None:
            return
        self._connector = aiohttp.TCPConnector(limit=self.limit, keepalive_timeout=IDLE_SECONDS)
        self.api = self._session(self.api_timeout)
        self.hooks = self._session(self.response_timeout)
        for client in self._clients:
            client.session = self.api

    async def close(self) -> None:
        api, hooks, connector = self.api, self.hooks, self._connector
        self.api = self.hooks = self._connector = None
        for client in self._clients:
            client.session = None
        for session in (api, hooks):
            if session is not None:
                await session.close()
        if connector is not None:
            await connector.close()

    def _session(self, timeout: int) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(
            connector=self._connector,
            connector_owner=False,
            timeout=aiohttp.ClientTimeout(total=timeout),
        )

    def response_url(self, url: str) -> ResponseUrl:
        return ResponseUrl(url, self)


class ResponseUrl:
    """Bolt's respond() for the arguments the adapter uses, posting the same JSON body with
    the same retries (a lost connection once, slack_sdk's default), over the shared pool."""

    def __init__(self, url: str, connections: SlackConnections) -> None:
        self.response_url = url
        self._connections = connections

    async def __call__(
        self,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        response_type: str | None = None,
        replace_original: bool | None = None,
    ) -> WebhookResponse:
        message: dict[str, Any] = {"text": text}
        if blocks:
            message["blocks"] = blocks
        if response_type is not None:
            message["response_type"] = response_type
        if replace_original is not None:
            message["replace_original"] = replace_original
        hook = AsyncWebhookClient(
            url=self.response_url,
            timeout=self._connections.response_timeout,
            session=self._connections.hooks,
        )
        return await hook.send_dict(message)


def error_code(error: BaseException) -> str:
    """Slack's error code ("not_in_channel"), or the kind of failure; safe to log."""
    if isinstance(error, SlackApiError):
        code = error.response.get("error") if error.response is not None else None
        if code:
            return str(code)
        return f"http_{getattr(error.response, 'status_code', 'error')}"
    return type(error).__name__


def unescape(text: str) -> str:
    """Undo Slack's escaping of &, < and > in text it sends us (one pass, so "&amp;lt;"
    becomes "&lt;", as typed)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)
