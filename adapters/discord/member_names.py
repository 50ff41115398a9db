"""Server display names seen lately, so naming a credited member costs no REST call.

The bot asks for no members intent, so the gateway keeps few members in memory, and every
credited person outside it was a `GET /guilds/{id}/members/{id}` before the answer: a round
trip each, under a per-route rate limit. Interactions already carry the names of the people
they mention (a slash command's resolved data, a saved message's mentions); they are kept
here, and so is every name looked up, for TTL_SECONDS: a renamed member reads by the new name
within that time, as Slack's profile cache does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from cachetools import TTLCache

TTL_SECONDS = 600.0
MAX_ENTRIES = 10_000


class MemberNames:
    def __init__(
        self,
        *,
        ttl: float = TTL_SECONDS,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._names: TTLCache[tuple[int, str], str] = TTLCache(max_entries, ttl, timer=clock)

    def remember(self, guild_id: int | None, names: Mapping[str, str]) -> None:
        """Names by user id as shown in server `guild_id` (nickname first)."""
        if guild_id is None:
            return
        for user_id, name in names.items():
            if name:
                self._names[(guild_id, str(user_id))] = name

    def get(self, guild_id: int, user_id: str) -> str | None:
        return self._names.get((guild_id, user_id))
