"""What a user typed into a form, kept for a while so a button can bring it back.

In memory, per process: a restart or a second process does not know these drafts, and the
user is then told to start again. Nothing here is needed to save a story, only to spare
retyping it.
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.replies import Form

TTL_SECONDS = 60 * 60
CAPACITY = 2000


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int  # only the person who typed it may reopen it
    action: str  # the core form action, e.g. "sb1:submit-form"
    source: str = ""  # "channel/message" of a message being saved as a story
    values: Mapping[str, Any] = field(default_factory=dict)
    # `values` hold a whole submission, so a checkbox missing from them was left unticked.
    complete: bool = False
    form: Form | None = None  # the core's form, when it was already fetched


class DraftStore:
    def __init__(
        self,
        ttl: float = TTL_SECONDS,
        capacity: int = CAPACITY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl
        self._capacity = capacity
        self._clock = clock
        self._drafts: OrderedDict[str, tuple[float, Draft]] = OrderedDict()

    def put(self, draft: Draft) -> str:
        """Keep a draft; the key is short enough for a custom_id."""
        self._expire()
        key = secrets.token_urlsafe(6)
        self._drafts[key] = (self._clock(), draft)
        while len(self._drafts) > self._capacity:
            self._drafts.popitem(last=False)
        return key

    def get(self, key: str) -> Draft | None:
        self._expire()
        found = self._drafts.get(key)
        return found[1] if found else None

    def __len__(self) -> int:
        return len(self._drafts)

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        while self._drafts and next(iter(self._drafts.values()))[0] < cutoff:
            self._drafts.popitem(last=False)
