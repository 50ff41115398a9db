"""One filter per process for a request the platform delivers twice.

Slack redelivers a request it thinks went unanswered; Discord may replay an interaction after
a gateway resume. Either way the second delivery of something this process already handled is
dropped. The filter is per process on purpose, only a fast path: a repeat that reaches another
process is handled again there, and what it stores is de-duplicated in the database by the
core's client key, while the platform accepts only one answer (see docs/DEPLOYMENT.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from cachetools import TTLCache


class RecentRequests:
    """Keys seen in the last `ttl` seconds, at most `max_entries` of them (oldest go first)."""

    def __init__(
        self,
        *,
        ttl: float = 600.0,
        max_entries: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seen: TTLCache[str, bool] = TTLCache(max_entries, ttl, timer=clock)

    def first_time(self, key: str) -> bool:
        """True the first time `key` is seen (or once its last sighting is `ttl` old)."""
        if key in self._seen:
            return False
        self._seen[key] = True
        return True
