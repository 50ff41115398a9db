"""The gettext no-op marker for message ids raised far from any translator."""

from __future__ import annotations


def N_(message: str) -> str:
    """Mark a string for catalog extraction and return it unchanged.

    The core raises errors carrying English message ids; the handler that catches them knows
    the reader's language and translates. Wrapping the id in N_() lets the extractor find it.
    """
    return message
