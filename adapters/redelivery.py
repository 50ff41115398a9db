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


class RecentRequests:
    """Keys seen in the last `ttl` seconds, at most `max_entries` of them (oldest go first)."""

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
        """True the first time `key` is seen (or once its last sighting is `ttl` old)."""
        now = self.clock()
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.ttl:
            return False
        self._seen.pop(key, None)
        while len(self._seen) >= self.max_entries:
            self._seen.pop(next(iter(self._seen)))
        self._seen[key] = now
        return True
