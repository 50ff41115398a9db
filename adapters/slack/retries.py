"""Slack redelivers a request it thinks went unanswered (X-Slack-Retry-Num over HTTP,
retry_attempt in Socket Mode). A redelivery of something this process already handled is
acknowledged and dropped, so a shared story is not posted twice. Submissions are not
dropped: their answer decides what the modal shows, and the core stores them once anyway.

The filter (adapters/redelivery.py, shared with Discord) is per process on purpose; what a
retry stores elsewhere is de-duplicated by the client key (trigger or view id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.redelivery import RecentRequests

__all__ = ["RecentRequests", "drop_repeats", "is_retry", "request_key"]


def request_key(body: Mapping[str, Any]) -> str | None:
    """What stays the same when Slack redelivers: the event id or the trigger id."""
    if body.get("type") == "view_submission":
        return None
    key = body.get("event_id") or body.get("trigger_id")
    return str(key) if key else None


def is_retry(headers: Mapping[str, Any]) -> bool:
    value = headers.get("x-slack-retry-num")
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    return bool(value) and value != "0"


def drop_repeats(recent: RecentRequests) -> Callable[..., Awaitable[BoltResponse | None]]:
    async def middleware(
        req: AsyncBoltRequest, resp: BoltResponse, next_: Callable[[], Awaitable[BoltResponse]]
    ) -> BoltResponse | None:
        key = request_key(req.body)
        if key is not None and not recent.first_time(key) and is_retry(req.headers):
            return BoltResponse(status=200, body="")
        return await next_()

    return middleware
