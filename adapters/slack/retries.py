"""Slack redelivers a request it thinks went unanswered (X-Slack-Retry-Num over HTTP,
retry_attempt in Socket Mode). A redelivery of something this process already handled is
acknowledged and dropped, so a shared story is not posted twice. Submissions are not
dropped: their answer decides what the modal shows, and the core stores them once anyway.

The filter is per process on purpose: it is only a fast path. With several processes behind a
load balancer a retry may reach another one, which handles it again; what that stores is
de-duplicated in the database by the client key (trigger or view id), and the rest is safe to
repeat (see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse


class RecentRequests:
    """Keys seen in the last `ttl` seconds, at most `max_entries` of them."""

    def __init__(
        self,
        *,
        ttl: float = 600.0,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._seen: dict[str, float] = {}

    def first_time(self, key: str) -> bool:
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.ttl:
            return False
        self._seen.pop(key, None)
        while len(self._seen) >= self.max_entries:
            self._seen.pop(next(iter(self._seen)))
        self._seen[key] = now
        return True


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
