"""Text lengths as Slack and Discord count them, and cutting text to fit a limit.

Both platforms count like JavaScript, in UTF-16 code units: an emoji outside the Basic
Multilingual Plane costs two. Counting that way is never more generous than counting code
points, so whatever fits here fits there. Each adapter adds its own rule for where a cut may
not fall (an HTML entity in Slack, an escaping backslash in Discord).
"""

from __future__ import annotations

ELLIPSIS = "…"


def units(text: str) -> int:
    """Length in UTF-16 code units; a lone surrogate is one unit."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` within `limit` units, never half a surrogate pair."""
    if limit <= 0:
        return ""
    if units(text) == len(text):
        return text[:limit]
    cut = text.encode("utf-16-le", "surrogatepass")[: 2 * limit].decode(
        "utf-16-le", "surrogatepass"
    )
    if cut and "\ud800" <= cut[-1] <= "\udbff" and text[len(cut) - 1] != cut[-1]:
        cut = cut[:-1]  # half of a pair (an emoji) was cut off
    return cut


def shorten(text: str, limit: int) -> str:
    """`text` if it fits in `limit` units, else its longest prefix that fits with "…"."""
    if units(text) <= limit:
        return text
    if limit <= 0:
        return ""
    return prefix(text, limit - units(ELLIPSIS)) + ELLIPSIS
