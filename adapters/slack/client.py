"""The Slack Web API client every part of the adapter shares, and small helpers around it."""

from __future__ import annotations

import asyncio
import re

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

# What a failed Slack call can raise: an API answer, a transport problem, or a timeout.
SLACK_ERRORS = (SlackApiError, SlackClientError, aiohttp.ClientError, asyncio.TimeoutError)

KEEPALIVE_SECONDS = 15.0  # aiohttp's default, said out loud

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


def web_client(
    token: str | None,
    base_url: str,
    *,
    timeout: int = 10,
    team_id: str | None = None,
    session: aiohttp.ClientSession | None = None,
) -> AsyncWebClient:
    """A client that retries what is safe to retry: 429 per Retry-After (Slack did nothing),
    and, for reads only, a lost connection and Slack's 500/503 once. `team_id` goes with
    every call: an org-wide token (Enterprise Grid) must say which workspace it acts in.
    Without a `session` (shared_session), each call opens a connection of its own."""
    handlers: list[AsyncRetryHandler] = [
        ReadsOnlyConnectionErrorRetryHandler(),
        CappedRateLimitRetryHandler(),
        ReadsOnlyServerErrorRetryHandler(),
    ]
    base = base_url if base_url.endswith("/") else base_url + "/"
    return AsyncWebClient(
        token=token,
        base_url=base,
        timeout=timeout,
        retry_handlers=handlers,
        team_id=team_id,
        session=session,
    )


def shared_session(timeout: float = 10.0) -> aiohttp.ClientSession:
    """One pool of kept-alive connections for every call to Slack and every response_url
    post. slack_sdk opens a new session, so a new connection and TLS handshake, for each call
    made without one: two or three per answer. Idle connections are closed after
    KEEPALIVE_SECONDS, well before a server would drop them under a request."""
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
    )


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
