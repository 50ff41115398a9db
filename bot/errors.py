"""Errors the core raises and turns into replies in the user's language.

Each carries a message id and its parameters, never a finished sentence: the handler that
catches it knows the reader's language, the raiser does not.
"""

from __future__ import annotations

from typing import Any


class StorybotError(Exception):
    """A user-facing refusal. `field` names the form field to show it on, if any."""

    def __init__(self, message: str, /, field: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


class ValidationError(StorybotError):
    """The input was wrong; nothing was changed."""


class PermissionDenied(StorybotError):
    """The actor may not do this; nothing was changed."""


class NotFound(StorybotError):
    """No such story (or tag, or link) in the actor's community."""


class RateLimited(StorybotError):
    """Too many submissions in a short time."""


class StorageUnavailable(Exception):
    """The database could not be reached or timed out; safe to retry later."""


class QueryTooBroad(StorageUnavailable):
    """The database gave up on a statement that ran past its time limit: it is up, but the
    work was too big (or waited on a lock). A read that takes no locks, like a search, hit
    this because too much matched, and can ask for a narrower query; anywhere else it is
    answered like any other StorageUnavailable: nothing was done, try again later."""


class Conflict(Exception):
    """A unique constraint was hit by a concurrent writer (storage raises, core resolves)."""
